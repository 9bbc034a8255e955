/* The acceptance rule (docs/mcast-data-path.md §8): group datagrams from an unregistered
 * source, with a wrong ISID, a broken header, a forbidden opcode, an unregistered vLUN, a bad
 * command or data for no task are dropped and counted, and nothing is written. Also the target
 * mutants that break the rule, termination (000:3) and the leave (000:4). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lun.h"
#include "mirror_int.h"
#include "mtest.h"
#include "tap.h"

#define N 2u
#define VLUN 5u
#define OTHER_VLUN 6u
#define SETTLE_MS 150u

static char res[2048];

static void settle(void)
{
    usleep(SETTLE_MS * 1000u);
}

/* One datagram with one PDU to the group, sent from src. */
static void send_raw(const char *src, uint16_t port, uint64_t isid, uint32_t gsn, const mc_pdu *p, bool corrupt)
{
    uint8_t payload[4096], dg[4096 + MC_MG_HDR_LEN];
    size_t len = 0;
    mc_mg_append(payload, &len, sizeof(payload), p);
    mc_mg_hdr h = {.isid = isid, .pdu_count = 1, .gsn = gsn};
    mc_mg_build(&h, payload, len, dg);
    if (corrupt)
        dg[MC_MG_HDR_LEN + 5] ^= 0x40;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me = {.sin_family = AF_INET}, to = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, src, &me.sin_addr);
    inet_pton(AF_INET, MT_GROUP, &to.sin_addr);
    struct in_addr ifa = me.sin_addr;
    unsigned char loop = 1;
    bind(fd, (struct sockaddr *)&me, sizeof(me));
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof(ifa));
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop));
    sendto(fd, dg, MC_MG_HDR_LEN + len, 0, (struct sockaddr *)&to, sizeof(to));
    close(fd);
}

static void group_write_cmd(mc_pdu *p, uint8_t vlun, uint32_t itt, uint64_t lba, bool immediate)
{
    mc_pdu_init(p, MC_OP_SCSI_CMD);
    mc_pdu_set(p, MC_F_IMMEDIATE, immediate);
    mc_pdu_set(p, MC_F_FINAL, 1);
    mc_pdu_set(p, MC_F_WRITE, 1);
    mc_pdu_set(p, MC_F_ATTR, 1);
    mc_pdu_set(p, MC_F_LUN, mc_lun_encode(vlun));
    mc_pdu_set(p, MC_F_ITT, itt);
    mc_pdu_set(p, MC_F_EDTL, MC_MIRROR_BLOCK);
    uint8_t cdb[10] = {0x2a, 0, (uint8_t)(lba >> 24), (uint8_t)(lba >> 16), (uint8_t)(lba >> 8), (uint8_t)lba, 0, 0, 1, 0};
    mc_pdu_set_cdb(p, cdb, sizeof(cdb));
}

static long long counter(mc_mirror *m, const char *t, const char *name)
{
    if (mc_mirror_counters(m, t, res, sizeof(res)) != 0)
        return -1;
    return mt_counter(res, name);
}

/* Each forged datagram moves exactly its counter at every member. */
static void forged(mc_mirror *m, uint16_t port)
{
    uint64_t isid = m->isid64;
    mc_pdu p;
    struct {
        const char *what, *counter, *src;
        int kind;
    } cases[] = {
        {"from an address with no session", "bad-source", "127.0.0.9", 0},
        {"with another ISID", "bad-source", "127.0.0.1", 1},
        {"with a corrupted payload", "bad-header", "127.0.0.1", 2},
        {"carrying a Text Request", "bad-opcode", "127.0.0.1", 3},
        {"for an unregistered vLUN", "bad-lun", "127.0.0.1", 4},
        {"a WRITE sent with I=0", "bad-command", "127.0.0.1", 5},
        {"a Data-Out for no task", "no-task", "127.0.0.1", 6},
        {"a WRITE beyond the LUN", "bad-command", "127.0.0.1", 7},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        long long before = counter(m, "t1", cases[c].counter);
        long long acc_before = counter(m, "t2", "accepted");
        uint64_t id = isid;
        switch (cases[c].kind) {
        case 3:
            mc_pdu_init(&p, MC_OP_TEXT_REQ);
            mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(VLUN));
            break;
        case 6:
            mc_pdu_init(&p, MC_OP_DATA_OUT);
            mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(VLUN));
            mc_pdu_set(&p, MC_F_ITT, 0x7777u);
            mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
            mc_pdu_set_data(&p, res, 512);
            break;
        default:
            group_write_cmd(&p, cases[c].kind == 4 ? 77 : VLUN, 0x1000u + (uint32_t)c,
                            cases[c].kind == 7 ? (MT_LUN_SIZE / MC_MIRROR_BLOCK) : 5, cases[c].kind != 5);
            break;
        }
        if (cases[c].kind == 1)
            id ^= 1;
        send_raw(cases[c].src, port, id, 100000u + (uint32_t)c, &p, cases[c].kind == 2);
        mc_pdu_free(&p);
        settle();
        long long after = counter(m, "t1", cases[c].counter);
        tap_is_int(after - before, 1, "datagram %s: %s counted once", cases[c].what, cases[c].counter);
        long long acc_after = counter(m, "t2", "accepted");
        bool should_accept = cases[c].kind >= 3;
        tap_is_int(acc_after - acc_before, should_accept ? 1 : 0, "datagram %s: %s by rules 1-3", cases[c].what,
                   should_accept ? "accepted" : "not accepted");
    }
    tap_ok(counter(m, "t1", "gsn-gap") > 0, "the forged GSNs left a gap in the stream");
}

static void mutant_any_source(uint16_t port)
{
    mt_target tg[1];
    if (!tap_ok(mt_start(tg, 1, "mcast-any-source") == 0, "mutant mcast-any-source target"))
        return;
    mc_mirror *m = mt_initiator(tg, 1, NULL);
    mc_mirror_member mem[1];
    mt_members(mem, 1, 1);
    if (m && mc_mirror_register(m, MT_GROUP, port, VLUN, mem, 1, MC_DIALECT_DEFAULT, res, sizeof(res)) == 0) {
        mc_pdu p;
        group_write_cmd(&p, VLUN, 0x4242u, 7, true);
        long long before = counter(m, "t1", "bad-source");
        send_raw("127.0.0.9", port, m->isid64, 5, &p, false);
        mc_pdu_free(&p);
        settle();
        tap_is_int(counter(m, "t1", "bad-source") - before, 0, "mutant mcast-any-source takes a forged source (caught)");
    }
    mc_mirror_free(m);
    mt_stop(tg, 1);
}

/* Figure 8 on one target, two sessions on one group: the first termination must not leave. */
static void leave_in_use(const char *mutant, uint16_t port)
{
    mt_target tg[1];
    if (mt_start(tg, 1, mutant) != 0)
        return;
    mc_mirror_opts o = {.data_timeout_ms = 200, .cmd_timeout_ms = 1500};
    mc_mirror *a = mt_initiator(tg, 1, &o), *b = mt_initiator(tg, 1, &o);
    mc_mirror_member mem[1];
    mt_members(mem, 1, 1);
    uint8_t buf[MC_MIRROR_BLOCK];
    mt_fill(buf, sizeof(buf), 9);
    if (a && b && mc_mirror_register(a, MT_GROUP, port, VLUN, mem, 1, MC_DIALECT_DEFAULT, res, sizeof(res)) == 0 &&
        mc_mirror_register(b, MT_GROUP, port, VLUN, mem, 1, MC_DIALECT_DEFAULT, res, sizeof(res)) == 0) {
        mc_mirror_terminate(a, MT_GROUP, VLUN, res, sizeof(res));
        int rc = mc_mirror_write(b, VLUN, 3, 1, buf, res, sizeof(res));
        const mc_mirror_stats *st = mc_mirror_get_stats(b);
        bool by_group = rc == 0 && st->unicast_retries == 0;
        if (mutant == NULL)
            tap_ok(by_group, "after one session's termination the other still gets the group: %s", res);
        else
            tap_ok(!by_group, "mutant %s: the group is gone for the other session (caught): %s",
                   mutant, res);
    } else {
        tap_ok(false, "two sessions registered: %s", res);
    }
    mc_mirror_free(a);
    mc_mirror_free(b);
    mt_stop(tg, 1);
}

int main(void)
{
    tap_plan(0);
    mt_target tg[N];
    if (!tap_ok(mt_start(tg, N, NULL) == 0, "two reference targets"))
        return tap_done();
    mc_mirror *m = mt_initiator(tg, N, NULL);
    uint16_t port = mt_group_port(0);
    mc_mirror_member mem[N];
    mt_members(mem, N, 1);
    if (tap_ok(m && mc_mirror_register(m, MT_GROUP, port, VLUN, mem, N, MC_DIALECT_DEFAULT, res, sizeof(res)) == 0,
               "registered vLUN 5: %s", res)) {
        mt_members(mem, N, 2);
        tap_is_int(mc_mirror_register(m, MT_GROUP, port, OTHER_VLUN, mem, N, MC_DIALECT_DEFAULT, res, sizeof(res)), 0,
                   "registered vLUN 6 on the same group: %s", res);
        forged(m, port);
        uint8_t zero[MC_MIRROR_BLOCK] = {0}, got[MC_MIRROR_BLOCK];
        tap_ok(mc_mirror_read(m, "t1", 1, 5, 1, got, res, sizeof(res)) == 0 && memcmp(got, zero, sizeof(got)) == 0,
               "nothing forged reached the LUN");
        /* 000:3: after termination a group WRITE to the vLUN is dropped as bad-lun */
        tap_is_int(mc_mirror_terminate(m, MT_GROUP, OTHER_VLUN, res, sizeof(res)), 0, "terminate vLUN 6: %s", res);
        long long before = counter(m, "t1", "bad-lun");
        mc_pdu p;
        group_write_cmd(&p, OTHER_VLUN, 0x5151u, 9, true);
        send_raw("127.0.0.1", port, m->isid64, 200000u, &p, false);
        mc_pdu_free(&p);
        settle();
        tap_is_int(counter(m, "t1", "bad-lun") - before, 1, "a group WRITE to the terminated vLUN is counted bad-lun");
    }
    mc_mirror_free(m);
    mt_stop(tg, N);
    mutant_any_source(mt_group_port(1));
    leave_in_use(NULL, mt_group_port(2));
    leave_in_use("mcast-leave-in-use", mt_group_port(3));
    return tap_done();
}
