/* The `vsan` Tcl command against real servers (vsan_rig.h): messages pass the relays both ways
 * and their logs decode them; a mirrored WRITE crosses the link before the client's write is
 * acknowledged and a GRANT precedes a WRITE; a held and replayed WRITE is refused STALE_EPOCH and
 * changes no store; a dropped or corrupted message costs that link connection and the pair
 * recovers; a cut lets writes through server 1 go on after the view change and a heal makes the
 * stores identical again; the client pool's history checks linearizable, a hand-made stale read
 * does not; stores are read directly; the capture holds the link flows; a vector's time limit
 * bounds a client's wait.
 *   test_vsan_mod                  the TAP test
 *   test_vsan_mod --capture FILE   only a few mirrored writes each way, captured into FILE
 * MC_VSAN_KEEP=1 keeps the servers' stores, logs and the capture (the directory is printed). */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "block_value.h"
#include "link.h"
#include "tap.h"
#include "vsan_rig.h"

#define PAIR_MS 15000u              /* the pair forms, or comes back after a fault */
#define EVENT_MS 5000u              /* a message or event expected in a relay's log */
#define POLL_MS 50u
#define OP_TIMEOUT_MS 3000u
#define CUT_WRITE_TRIES 20u         /* writes through server 1 until the view drops server 2 */
#define POOL_RUN_MS 2000u
#define POOL_MIN_OPS 8              /* two per client: a write priority stall may take most of the run */
#define BLOCK 512u
#define ETH_IP_TCP_LEN 54u          /* the capture's synthesised Ethernet, IPv4 and TCP headers */
#define IP_SRC_OFF 26u
#define IP_DST_OFF 30u
#define TCP_DPORT_OFF 36u
#define WATCHDOG_LIMIT_MS 300u      /* the time limit left to the interpreter */
#define WATCHDOG_OP_MS 10000u       /* the operation's own timeout, far above it */
#define US_PER_MS 1000
#define US_PER_S 1000000
#define MS_PER_S 1000u
#define NS_PER_MS 1000000u

/* Tcl helpers: the first entry of a relay's log (after entry number `since`) whose values at
 * the given paths match, and polling a condition for a bounded time. */
static const char helpers[] =
    "proc find {relay since args} {"
    "  foreach e [vsan relay log $relay -since $since] {"
    "    set ok 1;"
    "    foreach {path want} $args {"
    "      if {![dict exists $e {*}$path] || [dict get $e {*}$path] ne $want} {set ok 0; break}"
    "    };"
    "    if {$ok} {return $e}"
    "  };"
    "  return {}"
    "}\n"
    "proc last {relay} {set l [vsan relay log $relay]; expr {[llength $l] ? [dict get [lindex $l end] n] : 0}}\n"
    "proc await {ms script} {"
    "  set until [expr {[clock milliseconds] + $ms}];"
    "  while {[clock milliseconds] < $until} {"
    "    set r [uplevel 1 $script]; if {$r ne {} && $r ne 0} {return $r}; after 50"
    "  };"
    "  return {}"
    "}\n"
    "proc consecutive {relay since conn} {"
    "  set prev {}; set n 0;"
    "  foreach e [vsan relay log $relay -since $since] {"
    "    if {[dict get $e event] ne {msg} || [dict get $e dir] ne {fwd} || [dict get $e conn] != $conn} continue;"
    "    if {{withheld} in [dict get $e faults] || {dropped} in [dict get $e faults]} continue;"
    "    set s [dict get $e out_seq];"
    "    if {$prev ne {} && $s != $prev + 1} {return 0};"
    "    set prev $s; incr n"
    "  };"
    "  return $n"
    "}\n"
    "proc op {kind portal block} {vsan client $kind $portal -target " RIG_IQN " -lun 1 -block $block -timeout 3000}\n";

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * MS_PER_S + (uint64_t)ts.tv_nsec / NS_PER_MS;
}

static long long num(rig *r, const char *script)
{
    return atoll(rig_eval(r, "%s", script));
}

static void traffic(rig *r)
{
    rig_eval(r, "set i [vsan relay info r12]");
    tap_ok(atoll(rig_get(r, "i", "fwd messages")) > 0 && atoll(rig_get(r, "i", "rev messages")) > 0,
           "r12 carries messages both ways (fwd %s, rev %s)", rig_get(r, "i", "fwd messages"),
           rig_get(r, "i", "rev messages"));
    rig_eval(r, "set i [vsan relay info r21]");
    tap_ok(atoll(rig_get(r, "i", "fwd messages")) > 0 && atoll(rig_get(r, "i", "rev messages")) > 0,
           "r21 carries messages both ways");
    rig_eval(r, "set h [find r12 0 type HELLO]");
    tap_ok(strcmp(rig_get(r, "h", "body cluster"), "mirrorcert") == 0 && strcmp(rig_get(r, "h", "header sender"), "1") == 0 &&
               strcmp(rig_get(r, "h", "header receiver"), "2") == 0 && strcmp(rig_get(r, "h", "dir"), "fwd") == 0 &&
               strcmp(rig_get(r, "h", "result"), "ok") == 0,
           "r12's log decodes server 1's HELLO by the codec's names: %s", rig_eval(r, "set h"));
    rig_eval(r, "set h [find r21 0 type HELLO_OK dir rev]");
    tap_ok(strcmp(rig_get(r, "h", "header sender"), "1") == 0 && strcmp(rig_get(r, "h", "body role"), "1") == 0,
           "r21's log has server 1's HELLO_OK on the way back");
    rig_eval(r, "set h [find r21 0 type LEASE]");
    tap_ok(strcmp(rig_get(r, "h", "header sender"), "2") == 0 && *rig_get(r, "h", "body purpose"),
           "and server 2's LEASE with its purpose");
}

static void mirror(rig *r)
{
    rig_eval(r, "set m [last r12]; set w [op write %s 10]", r->portal[1]);
    tap_is_str(rig_get(r, "w", "status"), "ok", "a write through server 1 is acknowledged");
    long long v = atoll(rig_get(r, "w", "value"));
    rig_eval(r, "set rd [op read %s 10]", r->portal[2]);
    tap_ok(strcmp(rig_get(r, "rd", "status"), "ok") == 0 && atoll(rig_get(r, "rd", "value")) == v,
           "read through server 2: the same value %lld", v);
    rig_eval(r, "set c [find r12 $m type WRITE {body offset} %u]", 10u * BLOCK);
    tap_ok(atoll(rig_get(r, "c", "time")) >= atoll(rig_get(r, "w", "invoked")) &&
               atoll(rig_get(r, "c", "time")) < atoll(rig_get(r, "w", "completed")) &&
               atoll(rig_get(r, "c", "data_len")) == BLOCK,
           "004:1(c): the mirrored WRITE crossed r12 before the client's write was acknowledged");
    rig_eval(r, "set a [find r12 $m type WRITE_OK dir rev {header tag} [dict get $c header tag]]");
    tap_ok(strcmp(rig_get(r, "a", "status"), "OK") == 0 && atoll(rig_get(r, "a", "time")) < atoll(rig_get(r, "w", "completed")),
           "and server 2's WRITE_OK came back before it too");
    tap_is_str(rig_eval(r, "vsan store read {%s} -block 10", r->store[1]), rig_get(r, "w", "value"), "store 1 holds it");
    tap_is_str(rig_eval(r, "vsan store read {%s} -block 10", r->store[2]), rig_get(r, "w", "value"), "store 2 holds it");
    rig_eval(r, "set m [last r21]; set w [op write %s 11]", r->portal[2]);
    tap_is_str(rig_get(r, "w", "status"), "ok", "a write through server 2 is acknowledged (004:20)");
    rig_eval(r, "set g [find r21 $m type GRANT]; set c [find r21 $m type WRITE {body offset} %u]", 11u * BLOCK);
    tap_ok(*rig_get(r, "g", "n") && *rig_get(r, "c", "n") && atoll(rig_get(r, "g", "n")) < atoll(rig_get(r, "c", "n")),
           "004:7: server 2 asked for write priority (GRANT) before its WRITE crossed r21");
}

static void replay(rig *r)
{
    rig_eval(r, "vsan relay hold r21 WRITE -dir fwd; set w1 [op write %s 20]", r->portal[2]);
    tap_is_str(rig_get(r, "w1", "status"), "ok", "a write through server 2 while r21 holds the next WRITE");
    rig_eval(r, "set i [vsan relay info r21]");
    tap_is_str(rig_get(r, "i", "held type"), "WRITE", "r21 holds a copy of it");
    rig_eval(r, "set w2 [op write %s 20]", r->portal[1]);
    tap_is_str(rig_get(r, "w2", "status"), "ok", "then server 1 writes the same block (a newer epoch)");
    rig_eval(r, "set m [last r21]; vsan relay replay r21");
    tap_is_int(r->rc, TCL_OK, "the held WRITE is replayed: %s", Tcl_GetStringResult(r->interp));
    rig_eval(r, "set p [find r21 $m type WRITE]");
    tap_ok(strstr(rig_get(r, "p", "faults"), "replayed") && atoll(rig_get(r, "p", "out_seq")) != atoll(rig_get(r, "p", "header seq")),
           "the log shows it replayed and renumbered (seq %s sent as %s)", rig_get(r, "p", "header seq"),
           rig_get(r, "p", "out_seq"));
    rig_eval(r, "set a [await %u {find r21 $m type WRITE_OK dir rev {header tag} [dict get $p header tag]}]", EVENT_MS);
    tap_is_str(rig_get(r, "a", "status"), "STALE_EPOCH", "§6.2: server 1 answers the stale WRITE STALE_EPOCH");
    const char *v2 = rig_get(r, "w2", "value");
    tap_is_str(rig_eval(r, "vsan store read {%s} -block 20", r->store[1]), v2, "store 1 keeps the newer write");
    tap_is_str(rig_eval(r, "vsan store read {%s} -block 20", r->store[2]), v2, "store 2 too");
    rig_eval(r, "set i [vsan relay info r21]");
    tap_is_str(rig_get(r, "i", "fwd replayed"), "1", "info counts one replay");
}

/* hold -withhold 1 takes a LEASE out of the stream and renumbers what follows, so the receiver
 * sees no gap; replaying it later puts it back, renumbered again, and it is answered. */
static void withhold(rig *r)
{
    rig_eval(r, "set m [last r21]; vsan relay hold r21 LEASE -dir fwd -withhold 1");
    rig_eval(r, "set h [await %u {find r21 $m type LEASE faults {held withheld}}]", EVENT_MS);
    tap_ok(*rig_get(r, "h", "n"), "a LEASE of server 2 is withheld");
    rig_eval(r, "set n [await %u {find r21 [dict get $h n] type LEASE dir fwd}]", EVENT_MS);
    tap_ok(strcmp(rig_get(r, "n", "out_seq"), rig_get(r, "h", "out_seq")) == 0,
           "the next message takes its number (seq %s sent as %s)", rig_get(r, "n", "header seq"),
           rig_get(r, "n", "out_seq"));
    rig_eval(r, "vsan relay replay r21; set a [await %u {find r21 $m type LEASE_OK dir rev {header tag} [dict get $h header tag]}]",
             EVENT_MS);
    tap_ok(*rig_get(r, "a", "n"), "replayed later, it is answered (tag %s)", rig_get(r, "h", "header tag"));
    rig_eval(r, "set after [await %u {find r21 [dict get $a n] type LEASE dir fwd}]", EVENT_MS);
    long long run = atoll(rig_eval(r, "consecutive r21 $m [dict get $h conn]"));
    tap_ok(run >= 3, "what went out on that connection since is numbered without a gap (%lld messages)", run);
    rig_eval(r, "find r21 $m event close");
    tap_is_str(Tcl_GetStringResult(r->interp), "", "the connection survived both");
}

/* Applies a fault to one message kind, waits for it to hit, lifts it: the receiver must close that
 * connection, the connecting server comes back through the relay, and the pair recovers. */
static void one_fault(rig *r, const char *relay, const char *set, const char *unset, const char *counter,
                      const char *what)
{
    rig_eval(r, "set m [last %s]; set acc [dict get [vsan relay info %s] connections accepted]; %s", relay, relay, set);
    rig_eval(r, "await %u {expr {[dict get [vsan relay info %s] fwd %s] > 0}}", EVENT_MS, relay, counter);
    tap_is_str(Tcl_GetStringResult(r->interp), "1", "%s: the fault hit", what);
    rig_eval(r, "%s", unset);
    rig_eval(r, "set e [await %u {find %s $m event close note {closed by the peer}}]", EVENT_MS, relay);
    tap_ok(*rig_get(r, "e", "n"), "%s: the receiver closed that connection", what);
    rig_eval(r, "await %u {expr {[dict get [vsan relay info %s] connections accepted] > $acc}}", PAIR_MS, relay);
    tap_is_str(Tcl_GetStringResult(r->interp), "1", "%s: the sender connected again through the relay", what);
    tap_ok(rig_wait_pair(r, PAIR_MS), "%s: the pair recovers", what);
}

static void faults(rig *r)
{
    one_fault(r, "r12", "vsan relay drop-type r12 LEASE 1 -dir fwd", "vsan relay drop-type r12 LEASE 0", "dropped",
              "a dropped LEASE (seq gap, rule 5)");
    rig_eval(r, "set d [find r12 $m event msg faults dropped]");
    tap_is_str(rig_get(r, "d", "type"), "LEASE", "the log names the dropped message");
    rig_eval(r, "set st [vsan status %s -target %s]", r->portal[2], RIG_IQN);
    tap_ok(atoll(rig_get(r, "st", "link-errors")) > 0, "server 2 counts the link error (%s)", rig_get(r, "st", "link-errors"));
    one_fault(r, "r21", "vsan relay corrupt r21 1 -dir fwd", "vsan relay corrupt r21 0", "corrupted",
              "a corrupted message (CRC, rules 2 and 4)");
    rig_eval(r, "set w [op write %s 40]; set rd [op read %s 40]", r->portal[1], r->portal[2]);
    tap_ok(strcmp(rig_get(r, "w", "status"), "ok") == 0 && strcmp(rig_get(r, "rd", "value"), rig_get(r, "w", "value")) == 0,
           "after both faults a write through 1 reads back through 2");
}

static void cut(rig *r)
{
    rig_eval(r, "vsan relay cut r12; vsan relay cut r21");
    rig_eval(r, "set i [vsan relay info r12]");
    tap_ok(strcmp(rig_get(r, "i", "cut"), "1") == 0 && strcmp(rig_get(r, "i", "connections open"), "0") == 0,
           "cut: r12 closed its connections");
    bool ok = false;
    for (unsigned k = 0; k < CUT_WRITE_TRIES && !ok; k++) {
        rig_eval(r, "set w [op write %s 50]", r->portal[1]);
        ok = strcmp(rig_get(r, "w", "status"), "ok") == 0;
    }
    tap_ok(ok, "writes through server 1 go on after the cut");
    rig_eval(r, "set st [vsan status %s -target %s]", r->portal[1], RIG_IQN);
    tap_is_str(rig_get(r, "st", "members"), "1", "server 1's view dropped server 2");
    rig_eval(r, "set w2 [op write %s 52]", r->portal[2]);
    tap_ok(strcmp(rig_get(r, "w2", "status"), "ok") != 0, "server 2 refuses writes while cut off (%s)",
           rig_get(r, "w2", "status"));
    rig_eval(r, "set w [op write %s 51]", r->portal[1]);
    tap_is_str(rig_get(r, "w", "status"), "ok", "another write through server 1 meanwhile");
    rig_eval(r, "set i [vsan relay info r12]");
    tap_ok(atoll(rig_get(r, "i", "connections refused")) > 0, "r12 refused server 1's reconnections while cut");
    rig_eval(r, "vsan relay heal r12; vsan relay heal r21");
    tap_ok(rig_wait_pair(r, PAIR_MS), "heal: the pair is whole again");
    rig_eval(r, "set rd [op read %s 51]", r->portal[2]);
    tap_is_str(rig_get(r, "rd", "value"), rig_get(r, "w", "value"), "server 2 serves what was written during the cut");
    rig_eval(r, "set eq [vsan store equal {%s} {%s}]", r->store[1], r->store[2]);
    tap_is_str(rig_get(r, "eq", "equal"), "1", "the stores are byte-identical after the resync (%s)",
               rig_eval(r, "set eq"));
}

static void pool(rig *r)
{
    rig_eval(r, "vsan history clear; vsan client start -portals {%s %s} -target %s -lun 1 -clients 4 -blocks 16 "
                "-first 100 -write-pct 50 -seed 7",
             r->portal[1], r->portal[2], RIG_IQN);
    tap_is_int(r->rc, TCL_OK, "the pool starts: %s", Tcl_GetStringResult(r->interp));
    rig_sleep(POOL_RUN_MS);
    rig_eval(r, "set s [vsan client stop]");
    tap_is_int(r->rc, TCL_OK, "and stops within its bound: %s", Tcl_GetStringResult(r->interp));
    long long ops = atoll(rig_get(r, "s", "ops"));
    /* A healthy pair: write priority passes between the servers and every operation completes. */
    tap_ok(ops >= POOL_MIN_OPS && atoll(rig_get(r, "s", "statuses ok")) == ops, "%lld operations, every one ok: %s",
           ops, rig_get(r, "s", "statuses"));
    tap_is_int(num(r, "llength [vsan history]"), ops, "each one recorded");
    rig_eval(r, "set c [vsan history check]");
    tap_is_str(rig_get(r, "c", "verdict"), "linearizable", "the healthy pair's history checks linearizable (%s keys)",
               rig_get(r, "c", "keys"));
    rig_eval(r, "set h [lindex [vsan history] 0]");
    tap_ok(strcmp(rig_get(r, "h", "outcome"), "ok") == 0 && atoll(rig_get(r, "h", "completed")) >= atoll(rig_get(r, "h", "invoked")),
           "a recorded operation: %s", rig_eval(r, "set h"));
}

static void handmade(rig *r)
{
    rig_eval(r, "set c [vsan history check -ops {"
                "{process 1 kind write block 3 value 1 invoked 0 completed 10} "
                "{process 1 kind write block 3 value 2 invoked 20 completed 30} "
                "{process 2 kind read block 3 value 1 invoked 40 completed 50}}]");
    tap_ok(strcmp(rig_get(r, "c", "verdict"), "violation") == 0 && strcmp(rig_get(r, "c", "key"), "3") == 0 &&
               strcmp(rig_get(r, "c", "rule"), "overwritten") == 0 && num(r, "llength [dict get $c culprits]") > 0,
           "a hand-made stale read checks violation: %s", rig_get(r, "c", "explanation"));
    rig_eval(r, "set c [vsan history check -ops {{process 1 kind write block 3 value 0 invoked 0 completed 1}}]");
    tap_is_str(rig_get(r, "c", "verdict"), "usage", "a write of value 0 is a usage error");
    rig_eval(r, "vsan history check -ops {{process 1 kind twist block 3 value 1 invoked 0 completed 1}}");
    tap_is_int(r->rc, TCL_ERROR, "an unknown kind is refused");
}

static void stores(rig *r)
{
    char a[RIG_PATH_MAX + 8], b[RIG_PATH_MAX + 8];
    snprintf(a, sizeof a, "%s/a", r->dir);
    snprintf(b, sizeof b, "%s/b", r->dir);
    uint8_t blk[BLOCK];
    FILE *fa = fopen(a, "w"), *fb = fopen(b, "w");
    for (unsigned i = 0; fa && fb && i < 4; i++) {
        mc_block_value_fill(i + 1u, blk, sizeof blk);
        fwrite(blk, 1, sizeof blk, fa);
        blk[BLOCK - 1] ^= i == 2 ? 1u : 0u;
        fwrite(blk, 1, sizeof blk, fb);
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    tap_is_str(rig_eval(r, "vsan store read {%s} -block 1 -count 3", b), "2 foreign 4",
               "store read decodes values, a changed block as foreign");
    rig_eval(r, "set eq [vsan store equal {%s} {%s}]", a, b);
    tap_ok(strcmp(rig_get(r, "eq", "equal"), "0") == 0 && strcmp(rig_get(r, "eq", "block"), "2") == 0,
           "store equal names the first differing block");
    rig_eval(r, "set eq [vsan store equal {%s} {%s} -from 3 -count 1]", a, b);
    tap_is_str(rig_get(r, "eq", "equal"), "1", "a range past the difference is equal");
    rig_eval(r, "vsan store read {%s} -block 4", a);
    tap_is_int(r->rc, TCL_ERROR, "a block past the end is an error");
    unlink(a);
    unlink(b);
}

/* Frames of the capture carrying link messages from src to dst:port, and how many are WRITEs
 * (type 13) and GRANTs (9) among those that start a message. */
static void count_flow(const char *path, const char *src, const char *dst, uint16_t port, long *frames, long *writes,
                       long *grants)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    *frames = *writes = *grants = 0;
    struct in_addr s, d;
    inet_pton(AF_INET, src, &s);
    inet_pton(AF_INET, dst, &d);
    struct pcap_pkthdr *h;
    const u_char *b;
    while (p && pcap_next_ex(p, &h, &b) == 1) {
        if (h->caplen < ETH_IP_TCP_LEN + MC_VSAN_HDR_LEN || memcmp(b + IP_SRC_OFF, &s, 4) || memcmp(b + IP_DST_OFF, &d, 4) ||
            ((b[TCP_DPORT_OFF] << 8) | b[TCP_DPORT_OFF + 1]) != port)
            continue;
        const u_char *m = b + ETH_IP_TCP_LEN;
        if (((uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3]) != MC_VSAN_MAGIC)
            continue;
        (*frames)++;
        *writes += m[MC_VSAN_HDR_OFF_type] == MC_VSAN_T_WRITE;
        *grants += m[MC_VSAN_HDR_OFF_type] == MC_VSAN_T_GRANT;
    }
    if (p)
        pcap_close(p);
}

static void capture(rig *r)
{
    long f12, w12, g12, f21, w21, g21;
    count_flow(r->capture, "127.0.1.1", "127.0.1.2", r->link[2], &f12, &w12, &g12);
    count_flow(r->capture, "127.0.1.2", "127.0.1.1", r->link[1], &f21, &w21, &g21);
    tap_ok(f12 > 0 && w12 > 0, "the capture holds server 1's link flow to server 2's endpoint (%ld frames, %ld WRITEs)",
           f12, w12);
    tap_ok(f21 > 0 && w21 > 0 && g21 > 0, "and server 2's to server 1's (%ld frames, %ld WRITEs, %ld GRANTs)", f21, w21,
           g21);
}

static void edges(rig *r)
{
    rig_eval(r, "vsan relay open -name r12 -listen 127.0.1.2:0 -to 127.0.1.2:1 -from 127.0.1.1");
    tap_ok(r->rc == TCL_ERROR && strstr(rig_eval(r, "set ::errorCode"), "MIRRORCERT USAGE"), "a second relay named r12 is refused");
    rig_eval(r, "vsan relay replay r12");
    tap_ok(r->rc == TCL_ERROR && strstr(rig_eval(r, "set ::errorCode"), "MIRRORCERT STATE"), "replay with nothing held: STATE");
    rig_eval(r, "vsan relay drop r12 1.5");
    tap_is_int(r->rc, TCL_ERROR, "a probability above 1 is refused");
    rig_eval(r, "vsan relay hold r12 NOSUCH");
    tap_is_int(r->rc, TCL_ERROR, "an unknown message type is refused");
    rig_eval(r, "set u [vsan client read 127.0.1.3:1 -target %s -lun 1 -block 0 -timeout 1000]", RIG_IQN);
    tap_ok(strcmp(rig_get(r, "u", "status"), "unreachable") == 0 && strcmp(rig_get(r, "u", "index"), "-1") == 0,
           "a portal nobody serves: unreachable, not recorded");
    rig_eval(r, "vsan client start -portals {%s} -target %s -lun 1 -clients 2 -first 200; vsan client start "
                "-portals {%s} -target %s -lun 1", r->portal[1], RIG_IQN, r->portal[1], RIG_IQN);
    tap_is_int(r->rc, TCL_ERROR, "a second pool is refused while one runs (left running for the interpreter's end)");
    rig_eval(r, "vsan client write %s -target %s -lun 1 -block 300 -client 0", r->portal[1], RIG_IQN);
    tap_is_int(r->rc, TCL_ERROR, "a pool client's slot is not lent to a synchronous write");
}

/* A vector's time limit bounds a client's wait: a portal that accepts and never answers costs
 * the limit, not the operation's own timeout. */
static void watchdog(rig *r)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t l = sizeof a;
    inet_pton(AF_INET, "127.0.1.3", &a.sin_addr);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 1) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &l) != 0) {
        tap_skip(1, "no silent listener");
        if (s >= 0)
            close(s);
        return;
    }
    Tcl_Time limit;
    Tcl_GetTime(&limit);
    limit.usec += WATCHDOG_LIMIT_MS * US_PER_MS;
    limit.sec += limit.usec / US_PER_S;
    limit.usec %= US_PER_S;
    Tcl_LimitSetTime(r->interp, &limit);
    Tcl_LimitTypeSet(r->interp, TCL_LIMIT_TIME);
    uint64_t t0 = now_ms();
    rig_eval(r, "vsan client read 127.0.1.3:%u -target %s -lun 1 -block 0 -timeout %u", (unsigned)ntohs(a.sin_port),
             RIG_IQN, WATCHDOG_OP_MS);
    uint64_t took = now_ms() - t0;
    Tcl_LimitTypeReset(r->interp, TCL_LIMIT_TIME);
    close(s);
    tap_ok(took < WATCHDOG_OP_MS / 2u, "a silent portal with a %u ms limit left returns in %llu ms, not %u", WATCHDOG_LIMIT_MS,
           (unsigned long long)took, WATCHDOG_OP_MS);
}

static int capture_only(const char *path)
{
    rig r;
    int rc = 1;
    if (rig_start(&r, path) == 0 && rig_wait_pair(&r, PAIR_MS)) {
        Tcl_Eval(r.interp, helpers);
        rig_eval(&r, "set a [op write %s 1]; set b [op write %s 2]", r.portal[2], r.portal[1]);
        rc = strcmp(rig_get(&r, "a", "status"), "ok") == 0 && strcmp(rig_get(&r, "b", "status"), "ok") == 0 ? 0 : 1;
    }
    rig_stop(&r, false);
    Tcl_Finalize();
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--capture") == 0)
        return capture_only(argv[2]);
    rig r;
    if (!tap_ok(rig_start(&r, NULL) == 0, "two servers and a witness ready, relays between the servers")) {
        rig_stop(&r, true);
        return tap_done();
    }
    tap_is_int(Tcl_Eval(r.interp, helpers), TCL_OK, "test helpers defined");
    if (tap_ok(rig_wait_pair(&r, PAIR_MS), "the pair forms through the relays")) {
        traffic(&r);
        mirror(&r);
        replay(&r);
        withhold(&r);
        faults(&r);
        cut(&r);
        pool(&r);
        capture(&r);
        edges(&r);
        watchdog(&r);
    }
    handmade(&r);
    stores(&r);
    bool keep = getenv("MC_VSAN_KEEP") != NULL;
    if (keep)
        tap_diag("the rig's files are kept in %s", r.dir);
    rig_stop(&r, keep);
    Tcl_Finalize();
    return tap_done();
}
