/* The `iscsi` Tcl command against a scripted peer on a loopback socket: PDUs go out with the
 * fields and defaults asked for, arriving PDUs become dicts, waits end in the documented error
 * codes, captures and fault plans record and replay, and deleting the interp frees everything. */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <tcl.h>
#include <unistd.h>

#include "capture.h"
#include "mod_iscsi.h"
#include "tap.h"

static Tcl_Interp *interp;

static int listener(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 4) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &l) < 0)
        return -1;
    *port = ntohs(a.sin_port);
    return s;
}

/* Evaluates script; returns the Tcl status, result in *res (static buffer). */
static int ev(const char *script, const char **res)
{
    int rc = Tcl_Eval(interp, script);
    *res = Tcl_GetStringResult(interp);
    return rc;
}

static const char *errcode(void)
{
    Tcl_Obj *o = Tcl_GetVar2Ex(interp, "errorCode", NULL, TCL_GLOBAL_ONLY);
    return o ? Tcl_GetString(o) : "";
}

static const char *evs(const char *script)
{
    const char *r = "";
    ev(script, &r);
    return r;
}

/* Reads exactly n bytes from fd (the peer side), waiting at most a second per chunk. */
static size_t read_n(int fd, uint8_t *b, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 1000) <= 0)
            break;
        ssize_t r = read(fd, b + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static void send_pdu(int fd, mc_pdu *p)
{
    uint8_t *w;
    size_t n;
    char err[128];
    mc_wire_opts o = {0};
    if (mc_pdu_encode(p, &o, &w, &n, err, sizeof err) == 0) {
        if (write(fd, w, n) != (ssize_t)n)
            tap_diag("short write to the harness");
        free(w);
    }
}

int main(void)
{
    interp = Tcl_CreateInterp();
    tap_ok(mc_mod_iscsi_init(interp) == TCL_OK && mc_mod_capture_init(interp) == TCL_OK, "modules register");
    int port = 0;
    int ls = listener(&port);
    if (!tap_ok(ls >= 0, "peer listens on loopback"))
        return tap_done();
    char cmd[512];
    const char *r = "";

    snprintf(cmd, sizeof cmd, "set c [iscsi connect 127.0.0.1 %d -timeout 2000]", port);
    tap_is_int(ev(cmd, &r), TCL_OK, "connect: %s", r);
    int fd = accept(ls, NULL, NULL);

    tap_is_int(ev("iscsi send $c nop-out bogus 1", &r), TCL_ERROR, "unknown field refused");
    tap_ok(strstr(r, "valid fields:") && strstr(r, " itt") && strstr(r, " cmdsn"), "error lists valid fields: %s", r);
    tap_ok(strncmp(errcode(), "MIRRORCERT USAGE", 16) == 0, "errorcode MIRRORCERT USAGE");

    tap_is_int(ev("set d [iscsi send $c nop-out -data abc]", &r), TCL_OK, "nop-out sent: %s", r);
    uint8_t buf[256];
    size_t n = read_n(fd, buf, MC_BHS_LEN + 4);
    tap_is_int((long long)n, MC_BHS_LEN + 4, "peer reads a BHS and the padded data segment");
    mc_pdu got;
    size_t used;
    char err[128];
    mc_dec_limits lim = {.max_data = 8192};
    tap_is_int(mc_pdu_decode(buf, n, &lim, &got, &used, err, sizeof err), MC_DEC_OK, "it decodes");
    tap_is_int((long long)mc_pdu_get(&got, MC_F_ITT), 1, "ITT allocated from 1");
    tap_is_int((long long)mc_pdu_get(&got, MC_F_CMDSN), 1, "CmdSN from the connection");
    tap_is_int((long long)mc_pdu_get(&got, MC_F_TTT), MC_RESERVED_TAG, "TTT defaults to the reserved tag");
    tap_is_int((long long)mc_pdu_get(&got, MC_F_FINAL), 1, "F defaults to 1");
    tap_is_mem(got.data, "abc", 3, "data segment");
    mc_pdu_free(&got);
    tap_is_str(evs("dict get $d dir"), "out", "send returns the PDU dict");
    tap_is_int(ev("iscsi send $c nop-out I 1 data_segment_length 100 -data abc", &r), TCL_OK, "lying length sent: %s", r);
    n = read_n(fd, buf, MC_BHS_LEN + 4);
    mc_pdu_init(&got, MC_OP_NOP_OUT);
    memcpy(got.bhs, buf, MC_BHS_LEN);
    tap_is_int((long long)mc_pdu_get(&got, MC_F_DSL), 100, "an explicit data_segment_length is sent as given");
    tap_is_int((long long)n, MC_BHS_LEN + 4, "with only the real data behind it");
    tap_is_int(ev("iscsi send $c logout -lun 1", &r), TCL_ERROR, "-lun on an opcode without a LUN is refused");
    tap_is_str(evs("dict get [iscsi state $c] cmdsn"), "2", "a non-immediate command advances CmdSN");

    /* The peer answers with a NOP-In, then a Reject that quotes a header. */
    mc_pdu in;
    mc_pdu_init(&in, MC_OP_NOP_IN);
    mc_pdu_set(&in, MC_F_FINAL, 1);
    mc_pdu_set(&in, MC_F_ITT, 1);
    mc_pdu_set(&in, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set(&in, MC_F_STATSN, 5);
    mc_pdu_set(&in, MC_F_EXPCMDSN, 2);
    mc_pdu_set(&in, MC_F_MAXCMDSN, 9);
    mc_pdu_set_data(&in, "abc", 3);
    send_pdu(fd, &in);
    mc_pdu_free(&in);
    mc_pdu rej;
    mc_pdu_init(&rej, MC_OP_REJECT);
    mc_pdu_set(&rej, MC_F_FINAL, 1);
    mc_pdu_set(&rej, MC_F_REJECT_REASON, MC_REJ_CMD_NOT_SUPPORTED);
    mc_pdu_set(&rej, MC_F_ITT, MC_RESERVED_TAG);
    mc_pdu_set(&rej, MC_F_STATSN, 6);
    uint8_t quoted[MC_BHS_LEN] = {0x0f, 0x80};
    quoted[19] = 7;  /* ITT 7 in the quoted header */
    mc_pdu_set_data(&rej, quoted, sizeof quoted);
    send_pdu(fd, &rej);
    mc_pdu_free(&rej);

    tap_is_int(ev("set n [iscsi expect $c {opcode 0x20 statsn {>= 5}} -timeout 2000]", &r), TCL_OK, "expect with a predicate: %s", r);
    tap_is_str(evs("dict get $n data"), "abc", "NOP-In data in the dict");
    tap_is_str(evs("dict get $n opcode_name"), "NOP-In", "opcode name");
    tap_is_str(evs("dict get [iscsi state $c] expstatsn"), "6", "ExpStatSN follows StatSN");
    tap_is_str(evs("dict get [iscsi state $c] maxcmdsn"), "9", "MaxCmdSN tracked");
    tap_is_int(ev("iscsi expect $c {opcode 0x20} -timeout 100", &r), TCL_ERROR, "expect times out");
    tap_ok(strncmp(errcode(), "MIRRORCERT TIMEOUT", 18) == 0, "errorcode MIRRORCERT TIMEOUT (%s)", errcode());
    tap_is_int(ev("set j [iscsi recv $c -timeout 1000]", &r), TCL_OK, "the unmatched Reject stayed queued");
    tap_is_str(evs("list [dict get $j reason] [dict get $j rejected opcode] [dict get $j rejected itt]"), "5 15 7",
               "Reject decoded with the quoted header");
    tap_is_str(evs("llength [iscsi history $c]"), "4", "history holds both directions");

    /* Capture: a second connection opened after `capture open` is written to the file. */
    char path[] = "/tmp/mc_test_iscsi_cmd_XXXXXX";
    int pfd = mkstemp(path);
    close(pfd);
    snprintf(cmd, sizeof cmd, "capture open %s", path);
    tap_is_int(ev(cmd, &r), TCL_OK, "pcap open");
    snprintf(cmd, sizeof cmd, "set c2 [iscsi connect 127.0.0.1 %d]", port);
    ev(cmd, &r);
    int fd2 = accept(ls, NULL, NULL);
    tap_is_int(ev("iscsi fault $c2 -seed 7 -corrupt 1.0 -match {opcode 0}", &r), TCL_OK, "fault plan set: %s", r);
    ev("iscsi send $c2 nop-out", &r);
    uint8_t a1[MC_BHS_LEN], a2[MC_BHS_LEN];
    read_n(fd2, a1, sizeof a1);
    snprintf(cmd, sizeof cmd, "set c3 [iscsi connect 127.0.0.1:%d -timeout 1000]", port);
    tap_is_int(ev(cmd, &r), TCL_OK, "connect HOST:PORT form: %s", r);
    int fd3 = accept(ls, NULL, NULL);
    ev("iscsi fault $c3 -seed 7 -corrupt 1.0 -match {opcode 0}", &r);
    ev("iscsi send $c3 nop-out itt 1 cmdsn 1", &r);
    read_n(fd3, a2, sizeof a2);
    tap_is_mem(a1, a2, sizeof a1, "same seed, same corruption");
    mc_pdu clean;
    mc_pdu_init(&clean, MC_OP_NOP_OUT);
    mc_pdu_set(&clean, MC_F_FINAL, 1);
    mc_pdu_set(&clean, MC_F_ITT, 1);
    mc_pdu_set(&clean, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set(&clean, MC_F_CMDSN, 1);
    int diff = 0;
    for (size_t i = 0; i < MC_BHS_LEN; i++)
        diff += clean.bhs[i] != a1[i];
    tap_is_int(diff, 1, "exactly one byte corrupted");
    tap_is_str(evs("dict get [iscsi fault $c2] corrupted"), "1", "fault counters");
    tap_is_int(ev("capture close", &r), TCL_OK, "pcap close");
    ev("iscsi close $c2", &r);
    ev("iscsi close $c3", &r);
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *pr = pcap_open_offline(path, perr);
    int frames = 0;
    struct pcap_pkthdr *h;
    const u_char *pd;
    while (pr && pcap_next_ex(pr, &h, &pd) == 1)
        frames++;
    if (pr)
        pcap_close(pr);
    /* per connection: 3 handshake, 1 NOP-Out, 2 FIN */
    tap_is_int(frames, 12, "capture holds both connections");
    unlink(path);
    close(fd2);
    close(fd3);

    /* The peer goes away: the next wait ends CLOSED. */
    close(fd);
    tap_is_int(ev("iscsi recv $c -timeout 2000", &r), TCL_ERROR, "recv after the peer closed fails");
    tap_ok(strncmp(errcode(), "MIRRORCERT CLOSED", 17) == 0, "errorcode MIRRORCERT CLOSED (%s)", errcode());
    tap_is_int(ev("iscsi send $c nop-out", &r), TCL_ERROR, "send on a closed connection fails");

    /* A connection left open is freed with the interpreter (the Valgrind twin checks). */
    snprintf(cmd, sizeof cmd, "set c4 [iscsi connect 127.0.0.1 %d]", port);
    tap_is_int(ev(cmd, &r), TCL_OK, "one more connection left open");
    /* A wait far longer than the interpreter's time limit ends with the limit (a broken cap
     * would hang here until ctest's timeout). */
    Tcl_Time limit;
    Tcl_GetTime(&limit);
    limit.usec += 100000;
    if (limit.usec >= 1000000) {
        limit.sec++;
        limit.usec -= 1000000;
    }
    Tcl_LimitSetTime(interp, &limit);
    Tcl_LimitTypeSet(interp, TCL_LIMIT_TIME);
    tap_is_int(ev("iscsi expect  {opcode 0x20} -timeout 600000", &r), TCL_ERROR, "a wait stops at the interpreter's time limit");
    Tcl_LimitTypeReset(interp, TCL_LIMIT_TIME);
    Tcl_DeleteInterp(interp);
    close(ls);
    Tcl_Finalize();
    return tap_done();
}
