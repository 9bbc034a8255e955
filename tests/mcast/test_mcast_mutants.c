/* Every multicast mutant of the reference devices misbehaves where its claim element says, and
 * the conformant devices do not: the observations here are the ones the harness vectors use. */
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

#define VLUN 5u
#define SETTLE_US 150000u

static char res[2048];

static void send_pdu(uint16_t port, uint64_t isid, uint32_t gsn, const mc_pdu *p)
{
    uint8_t payload[4096], dg[4096 + MC_MG_HDR_LEN];
    size_t len = 0;
    mc_mg_append(payload, &len, sizeof(payload), p);
    mc_mg_hdr h = {.isid = isid, .pdu_count = 1, .gsn = gsn};
    mc_mg_build(&h, payload, len, dg);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me = {.sin_family = AF_INET}, to = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
    inet_pton(AF_INET, MT_GROUP, &to.sin_addr);
    unsigned char loop = 1;
    bind(fd, (struct sockaddr *)&me, sizeof(me));
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &me.sin_addr, sizeof(me.sin_addr));
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop));
    sendto(fd, dg, MC_MG_HDR_LEN + len, 0, (struct sockaddr *)&to, sizeof(to));
    close(fd);
    usleep(SETTLE_US);
}

static void write_cmd(mc_pdu *p, uint8_t vlun, uint32_t itt, uint32_t blocks)
{
    mc_pdu_init(p, MC_OP_SCSI_CMD);
    mc_pdu_set(p, MC_F_IMMEDIATE, 1);
    mc_pdu_set(p, MC_F_FINAL, 1);
    mc_pdu_set(p, MC_F_WRITE, 1);
    mc_pdu_set(p, MC_F_ATTR, 1);
    mc_pdu_set(p, MC_F_LUN, mc_lun_encode(vlun));
    mc_pdu_set(p, MC_F_ITT, itt);
    mc_pdu_set(p, MC_F_EDTL, blocks * MC_MIRROR_BLOCK);
    uint8_t cdb[10] = {0x2a, 0, 0, 0, 0, 9, 0, 0, (uint8_t)blocks, 0};
    mc_pdu_set_cdb(p, cdb, sizeof(cdb));
}

static long long ctr(mc_mirror *m, const char *name)
{
    return mc_mirror_counters(m, "t1", res, sizeof(res)) == 0 ? mt_counter(res, name) : -1;
}

/* One target with `mutant`, one initiator registered on it; returns the observation. */
typedef bool (*probe)(mc_mirror *m, uint16_t port);

static bool run(const char *mutant, const mc_mirror_opts *o, probe fn, unsigned salt)
{
    mt_target tg[1];
    if (mt_start(tg, 1, mutant) != 0)
        return false;
    mc_mirror *m = mt_initiator(tg, 1, o);
    uint16_t port = mt_group_port(salt);
    mc_mirror_member mem[1];
    mt_members(mem, 1, 1);
    bool seen = false;
    if (m && mc_mirror_register(m, MT_GROUP, port, VLUN, mem, 1, MC_DIALECT_DEFAULT, res, sizeof(res)) == 0)
        seen = fn(m, port);
    else
        tap_diag("setup: %s", res);
    mc_mirror_free(m);
    mt_stop(tg, 1);
    return seen;
}

/* 000:11: a write right after the confirmation reaches the member through the group */
static bool late_join(mc_mirror *m, uint16_t port)
{
    uint8_t buf[MC_MIRROR_BLOCK] = {1};
    return mc_mirror_write(m, VLUN, 0, 1, buf, res, sizeof(res)) != 0 || mc_mirror_get_stats(m)->aborts > 0;
}

/* rule 5: a group WRITE naming an unregistered LUN is not counted bad-lun */
static bool vlun_ignored(mc_mirror *m, uint16_t port)
{
    long long before = ctr(m, "bad-lun");
    mc_pdu p;
    write_cmd(&p, 77, 0x1111u, 1);
    send_pdu(port, m->isid64, 50, &p);
    mc_pdu_free(&p);
    return ctr(m, "bad-lun") == before;
}

/* rule 7: Data-Out for burst 1 before its R2T is not counted unsolicited */
static bool unsolicited(mc_mirror *m, uint16_t port)
{
    mc_pdu p;
    write_cmd(&p, VLUN, 0x2222u, 2);
    send_pdu(port, m->isid64, 60, &p);
    mc_pdu_free(&p);
    long long before = ctr(m, "unsolicited");
    mc_pdu_init(&p, MC_OP_DATA_OUT);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(VLUN));
    mc_pdu_set(&p, MC_F_ITT, 0x2222u);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set(&p, MC_F_BUFFER_OFFSET, MC_MG_BURST_UNIT);  /* burst 1: not solicited yet */
    mc_pdu_set_data(&p, res, MC_MIRROR_BLOCK);
    send_pdu(port, m->isid64, 61, &p);
    mc_pdu_free(&p);
    return ctr(m, "unsolicited") == before;
}

/* 000:3: after termination a group WRITE to the vLUN is not counted bad-lun */
static bool keeps_mapping(mc_mirror *m, uint16_t port)
{
    /* a second registration keeps the group joined so the datagram still arrives */
    mc_mirror_member mem[1];
    mt_members(mem, 1, 2);
    mc_mirror_register(m, MT_GROUP, port, VLUN + 1, mem, 1, MC_DIALECT_DEFAULT, res, sizeof(res));
    mc_mirror_terminate(m, MT_GROUP, VLUN, res, sizeof(res));
    long long before = ctr(m, "bad-lun");
    mc_pdu p;
    write_cmd(&p, VLUN, 0x3333u, 1);
    send_pdu(port, m->isid64, 70, &p);
    mc_pdu_free(&p);
    return ctr(m, "bad-lun") == before;
}

/* 000:14: the termination goes unanswered */
static bool no_confirm(mc_mirror *m, uint16_t port)
{
    return mc_mirror_terminate(m, MT_GROUP, VLUN, res, sizeof(res)) != 0 && strstr(res, "no answer") != NULL;
}

/* 000:6, mcast 6: the group WRITE is dropped by the members, who then need the §7.3 fallback */
static bool group_cmd_dropped(mc_mirror *m, uint16_t port)
{
    uint8_t buf[MC_MIRROR_BLOCK] = {2};
    mc_mirror_write(m, VLUN, 0, 1, buf, res, sizeof(res));
    return mc_mirror_get_stats(m)->aborts > 0;
}

/* 000:2(f): with two members, the second still takes group WRITEs after the termination */
static bool second_still_registered(int mutant)
{
    mt_target tg[2];
    if (mt_start(tg, 2, NULL) != 0)
        return false;
    mc_mirror_opts o = {.mutant = mutant};
    mc_mirror *m = mt_initiator(tg, 2, &o);
    mc_mirror_member mem[2];
    mt_members(mem, 2, 1);
    uint16_t port = mt_group_port(7 + (unsigned)mutant);
    bool seen = false;
    if (m && mc_mirror_register(m, MT_GROUP, port, VLUN, mem, 2, MC_DIALECT_DEFAULT, res, sizeof(res)) == 0 &&
        mc_mirror_terminate(m, MT_GROUP, VLUN, res, sizeof(res)) == 0 &&
        mc_mirror_counters(m, "t2", res, sizeof(res)) == 0) {
        long long before = mt_counter(res, "accepted");
        mc_pdu p;
        write_cmd(&p, VLUN, 0x4444u, 1);
        send_pdu(port, m->isid64, 80, &p);
        mc_pdu_free(&p);
        seen = mc_mirror_counters(m, "t2", res, sizeof(res)) == 0 && mt_counter(res, "accepted") > before;
    }
    mc_mirror_free(m);
    mt_stop(tg, 2);
    return seen;
}

int main(void)
{
    tap_plan(0);
    mc_mirror_opts quick = {.data_timeout_ms = 200, .cmd_timeout_ms = 2000, .burst = MC_MG_BURST_UNIT};
    struct {
        const char *mutant;
        probe fn;
        const char *what;
    } tm[] = {
        {"mcast-answer-before-join", late_join, "a write right after registration misses the group"},
        {"mcast-vlun-ignored", vlun_ignored, "a WRITE for an unregistered LUN is not counted bad-lun"},
        {"mcast-unsolicited-data", unsolicited, "unsolicited group data is not counted"},
        {"mcast-keep-mapping", keeps_mapping, "the vLUN still maps after termination"},
        {"mcast-no-term-confirm", no_confirm, "termination goes unanswered"},
    };
    for (size_t i = 0; i < sizeof(tm) / sizeof(tm[0]); i++) {
        tap_ok(!run(NULL, &quick, tm[i].fn, (unsigned)(2 * i)), "conformant target: not so that %s", tm[i].what);
        tap_ok(run(tm[i].mutant, &quick, tm[i].fn, (unsigned)(2 * i + 1)), "target mutant %s: %s",
               tm[i].mutant, tm[i].what);
    }
    mc_mirror_opts lun = quick, cmdsn = quick;
    lun.mutant = MC_MIRROR_MUTANT_GROUP_CMD_REAL_LUN;
    cmdsn.mutant = MC_MIRROR_MUTANT_GROUP_CMD_CMDSN;
    tap_ok(!run(NULL, &quick, group_cmd_dropped, 10), "conformant initiator: members take the group WRITE");
    tap_ok(run(NULL, &lun, group_cmd_dropped, 11), "initiator mutant mcast-group-cmd-real-lun: members drop the group WRITE");
    tap_ok(run(NULL, &cmdsn, group_cmd_dropped, 12), "initiator mutant mcast-group-cmd-cmdsn: members drop the group WRITE");
    tap_ok(!second_still_registered(0), "conformant initiator: every member left the group at termination");
    tap_ok(second_still_registered(MC_MIRROR_MUTANT_TERMINATE_FIRST_ONLY),
           "initiator mutant mcast-terminate-first-only: the second member still takes group WRITEs");
    return tap_done();
}
