/* Registration (Figure 3) in both dialects, mirrored writes (Figure 4) to three members read
 * back byte for byte, several LUNs and groups per target, re-registration, a second initiator,
 * termination (Figure 8) leaving the group only when unused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtest.h"
#include "tap.h"

#define N 3u
#define VLUN 5u
#define BIG_BLOCKS 300u   /* 153600 bytes: three GroupBursts of 65536, 1400-byte segments */

static char res[2048];

static int write_check(mc_mirror *m, uint8_t vlun, uint64_t lba, uint32_t blocks, uint64_t seed, uint8_t *buf)
{
    mt_fill(buf, (size_t)blocks * MC_MIRROR_BLOCK, seed);
    return mc_mirror_write(m, vlun, lba, blocks, buf, res, sizeof(res));
}

int main(void)
{
    tap_plan(0);
    mt_target tg[N];
    if (!tap_ok(mt_start(tg, N, NULL) == 0, "three reference targets on 127.0.0.2-4"))
        return tap_done();
    mc_mirror_opts o = {.mtu = 1500, .data_timeout_ms = 500};
    mc_mirror *m = mt_initiator(tg, N, &o);
    if (!tap_ok(m != NULL, "initiator logged in to every target")) {
        mt_stop(tg, N);
        return tap_done();
    }
    uint16_t port = mt_group_port(0);
    mc_mirror_member mem[N];
    uint8_t *buf = malloc((size_t)BIG_BLOCKS * MC_MIRROR_BLOCK);
    uint8_t *zero = calloc(BIG_BLOCKS, MC_MIRROR_BLOCK);

    mt_members(mem, N, 1);
    tap_is_int(mc_mirror_register(m, MT_GROUP, port, VLUN, mem, N, MC_DIALECT_DEFAULT, res, sizeof(res)), 0,
               "register vLUN 5 -> LUN 1 on three targets: %s", res);
    tap_ok(strstr(res, "members=t1,t2,t3") != NULL, "every member confirmed");

    tap_is_int(write_check(m, VLUN, 10, 8, 1, buf), 0, "8-block group write: %s", res);
    tap_ok(mt_members_hold(m, N, 1, 10, 8, buf), "LUN 1 of every member holds the data");
    tap_ok(mt_members_hold(m, N, 2, 10, 8, zero), "LUN 2, not mapped, is untouched");
    tap_is_int(write_check(m, VLUN, 1000, BIG_BLOCKS, 2, buf), 0, "multi-burst write at MTU 1500: %s", res);
    tap_ok(mt_members_hold(m, N, 1, 1000, BIG_BLOCKS, buf), "every member holds the multi-burst write");
    const mc_mirror_stats *st = mc_mirror_get_stats(m);
    tap_ok(st->udp_datagrams >= 2 + BIG_BLOCKS * MC_MIRROR_BLOCK / 1400, "data went in MTU-sized datagrams (%llu)",
           (unsigned long long)st->udp_datagrams);
    tap_is_int((long long)st->unicast_bursts, 0, "no byte went by unicast without loss");

    /* the spec's literal dialect, another group on the same targets */
    mt_members(mem, N, 2);
    tap_is_int(mc_mirror_register(m, "239.7.7.8", port, 6, mem, N, MC_DIALECT_LITERAL, res, sizeof(res)), 0,
               "literal registration of vLUN 6 -> LUN 2 on a second group: %s", res);
    tap_is_int(write_check(m, 6, 20, 4, 3, buf), 0, "write through the literal registration: %s", res);
    tap_ok(mt_members_hold(m, N, 2, 20, 4, buf), "LUN 2 of every member holds it");

    /* several real LUNs of one target behind one vLUN */
    mc_mirror_member multi[2] = {{.name = "t1", .real = {0, 2}, .nreal = 2}, {.name = "t2", .real = {0}, .nreal = 1}};
    tap_is_int(mc_mirror_register(m, "239.7.7.9", port, 7, multi, 2, MC_DIALECT_DEFAULT, res, sizeof(res)), 0,
               "vLUN 7 -> t1 LUNs 0 and 2, t2 LUN 0: %s", res);
    tap_is_int(write_check(m, 7, 3000, 4, 4, buf), 0, "write to vLUN 7: %s", res);
    tap_ok(mt_members_hold(m, 2, 0, 3000, 4, buf), "LUN 0 of t1 and t2 hold it");
    uint8_t *one = malloc(4 * MC_MIRROR_BLOCK);
    tap_ok(one && mc_mirror_read(m, "t1", 2, 3000, 4, one, res, sizeof(res)) == 0 &&
           memcmp(one, buf, 4 * MC_MIRROR_BLOCK) == 0, "and LUN 2 of t1");

    /* refusals name the target and the reason */
    mc_mirror_member bad = {.name = "t2", .real = {9}, .nreal = 1};
    tap_is_int(mc_mirror_register(m, MT_GROUP, port, 8, &bad, 1, MC_DIALECT_DEFAULT, res, sizeof(res)), -1,
               "a map to a missing LUN fails");
    tap_ok(strstr(res, "t2:NoSuchLUN") != NULL, "NoSuchLUN named for t2: %s", res);
    mc_mirror_member clash = {.name = "t1", .real = {2}, .nreal = 1};
    tap_is_int(mc_mirror_register(m, MT_GROUP, port, 1, &clash, 1, MC_DIALECT_DEFAULT, res, sizeof(res)), -1,
               "a vLUN equal to a real LUN fails");
    tap_ok(strstr(res, "t1:LUNInUse") != NULL, "LUNInUse: %s", res);

    /* re-registration drops t3 from vLUN 5 */
    mt_members(mem, 2, 1);
    tap_is_int(mc_mirror_register(m, MT_GROUP, port, VLUN, mem, 2, MC_DIALECT_DEFAULT, res, sizeof(res)), 0,
               "re-register vLUN 5 on t1, t2 only: %s", res);
    uint8_t *before = malloc(8 * MC_MIRROR_BLOCK);
    mc_mirror_read(m, "t3", 1, 40, 8, before, res, sizeof(res));
    tap_is_int(write_check(m, VLUN, 40, 8, 5, buf), 0, "write after re-registration: %s", res);
    tap_ok(mt_members_hold(m, 2, 1, 40, 8, buf), "t1 and t2 hold it");
    uint8_t *after = malloc(8 * MC_MIRROR_BLOCK);
    mc_mirror_read(m, "t3", 1, 40, 8, after, res, sizeof(res));
    tap_ok(memcmp(before, after, 8 * MC_MIRROR_BLOCK) == 0 && memcmp(after, buf, 8 * MC_MIRROR_BLOCK) != 0,
           "t3, no longer a member, is unchanged");

    /* a second initiator joins the same group and vLUN on t1 and t2 */
    mc_mirror *m2 = mt_initiator(tg, 2, &o);
    tap_ok(m2 != NULL, "second initiator logged in");
    if (m2) {
        tap_is_int(mc_mirror_register(m2, MT_GROUP, port, VLUN, mem, 2, MC_DIALECT_DEFAULT, res, sizeof(res)), 0,
                   "second initiator registers vLUN 5 on the same group: %s", res);
        tap_is_int(write_check(m2, VLUN, 60, 2, 6, buf), 0, "its write: %s", res);
        tap_ok(mt_members_hold(m2, 2, 1, 60, 2, buf), "members hold the second initiator's write");
        /* termination by the first leaves the group joined for the second (Figure 8) */
        tap_is_int(mc_mirror_terminate(m, MT_GROUP, VLUN, res, sizeof(res)), 0, "first initiator terminates vLUN 5: %s", res);
        tap_is_int(write_check(m2, VLUN, 70, 2, 7, buf), 0, "the second still writes through the group: %s", res);
        tap_ok(mt_members_hold(m2, 2, 1, 70, 2, buf), "and members hold it");
        tap_is_int(mc_mirror_terminate(m2, MT_GROUP, VLUN, res, sizeof(res)), 0, "second terminates: %s", res);
        mc_mirror_free(m2);
    }
    tap_is_int(mc_mirror_write(m, VLUN, 80, 1, buf, res, sizeof(res)), -1, "no write after termination");
    tap_is_int(mc_mirror_terminate(m, "239.7.7.8", 6, res, sizeof(res)), 0, "literal termination: %s", res);
    tap_is_int(mc_mirror_terminate(m, "239.7.7.9", 7, res, sizeof(res)), 0, "termination of vLUN 7: %s", res);
    tap_is_int(mc_mirror_status(m, res, sizeof(res)), 0, "status: %s", res);
    tap_ok(strstr(res, "vlun") == NULL, "no registration left");
    free(one);
    free(before);
    free(after);
    free(buf);
    free(zero);
    mc_mirror_free(m);
    mt_stop(tg, N);
    return tap_done();
}
