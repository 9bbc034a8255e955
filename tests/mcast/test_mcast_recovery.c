/* Recovery (spec Figures 5, 6, 7) under seeded loss of group datagrams, a member that never
 * answers named in the failure, and the initiator mutants that break the error path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtest.h"
#include "tap.h"

#define N 3u
#define WRITES 40u
#define LOSS 0.2
#define DATA_TIMEOUT_MS 150u

static char res[2048];

/* WRITES writes under loss with one recovery mode; every one must end GOOD on every member. */
static void run_mode(mt_target *tg, int fig, uint16_t vlun, uint16_t lun, uint16_t port)
{
    mc_mirror_opts o = {.recovery = fig, .data_timeout_ms = DATA_TIMEOUT_MS, .retries = 4};
    mc_mirror *m = mt_initiator(tg, N, &o);
    if (!tap_ok(m != NULL, "fig%d: logged in", fig))
        return;
    mc_mirror_member mem[N];
    mt_members(mem, N, lun);
    tap_is_int(mc_mirror_register(m, MT_GROUP, port, (uint8_t)vlun, mem, N, MC_DIALECT_DEFAULT, res, sizeof(res)), 0,
               "fig%d: registered: %s", fig, res);
    mc_mirror_set_loss(m, LOSS, 1000u + (unsigned)fig);
    uint8_t buf[8 * MC_MIRROR_BLOCK];
    unsigned good = 0, held = 0;
    for (unsigned i = 0; i < WRITES; i++) {
        mt_fill(buf, sizeof(buf), (uint64_t)fig * 1000u + i);
        if (mc_mirror_write(m, (uint8_t)vlun, 16u * i, 8, buf, res, sizeof(res)) == 0)
            good++;
        else
            tap_diag("fig%d write %u: %s", fig, i, res);
        mc_mirror_set_loss(m, 0, 0);
        held += mt_members_hold(m, N, lun, 16u * i, 8, buf);
        mc_mirror_set_loss(m, LOSS, 2000u + (unsigned)fig * 100u + i);
    }
    tap_is_int(good, WRITES, "fig%d: every write completed GOOD at every member", fig);
    tap_is_int(held, WRITES, "fig%d: every member holds every write", fig);
    const mc_mirror_stats *st = mc_mirror_get_stats(m);
    tap_diag("fig%d: group resends %llu, unicast retries %llu, unicast bursts %llu, recovery R2Ts %llu, aborts %llu",
             fig, (unsigned long long)st->group_resends, (unsigned long long)st->unicast_retries,
             (unsigned long long)st->unicast_bursts, (unsigned long long)st->recovery_r2ts,
             (unsigned long long)st->aborts);
    if (fig == MC_RECOVERY_FIG5)
        tap_ok(st->group_resends > 0, "fig5: lost data made the whole command go to the group again");
    if (fig == MC_RECOVERY_FIG6)
        tap_ok(st->unicast_retries > 0 && st->group_resends == 0, "fig6: failed members were retried by unicast only");
    if (fig == MC_RECOVERY_FIG7)
        tap_ok(st->recovery_r2ts > 0 && st->group_resends == 0, "fig7: recovery R2Ts were answered by unicast");
    mc_mirror_set_loss(m, 0, 0);
    mc_mirror_terminate(m, MT_GROUP, (uint8_t)vlun, res, sizeof(res));
    mc_mirror_free(m);
}

static void silent_member(mt_target *tg, int mutant, uint16_t port)
{
    mc_mirror_opts o = {.data_timeout_ms = DATA_TIMEOUT_MS, .cmd_timeout_ms = 1200, .mutant = mutant};
    mc_mirror *m = mt_initiator(tg, N, &o);
    if (!tap_ok(m != NULL, "silent: logged in"))
        return;
    mc_mirror_member mem[N];
    mt_members(mem, N, 1);
    tap_is_int(mc_mirror_register(m, MT_GROUP, port, 9, mem, N, MC_DIALECT_DEFAULT, res, sizeof(res)), 0,
               "silent: registered: %s", res);
    atomic_store(&tg[2].paused, true);
    uint8_t buf[2 * MC_MIRROR_BLOCK];
    mt_fill(buf, sizeof(buf), 77);
    int rc = mc_mirror_write(m, 9, 500, 2, buf, res, sizeof(res));
    atomic_store(&tg[2].paused, false);
    tap_is_int(rc, -1, "a write with a silent member fails (%s)", mc_mirror_mutant_name(mutant));
    if (mutant == 0) {
        tap_ok(strstr(res, "t3(timeout)") != NULL, "the silent target is named: %s", res);
        tap_ok(strstr(res, "t1(") == NULL && strstr(res, "t2(") == NULL, "the others are not");
        tap_ok(mt_members_hold(m, 2, 1, 500, 2, buf), "the answering members hold the data");
    } else {
        tap_ok(strstr(res, "t3") == NULL, "mutant %s: the failed target goes unnamed: %s", mc_mirror_mutant_name(mutant), res);
    }
    mc_mirror_free(m);
}

int main(void)
{
    tap_plan(0);
    mt_target tg[N];
    if (!tap_ok(mt_start(tg, N, NULL) == 0, "three reference targets"))
        return tap_done();
    run_mode(tg, MC_RECOVERY_FIG5, 20, 0, mt_group_port(1));
    run_mode(tg, MC_RECOVERY_FIG6, 21, 1, mt_group_port(2));
    run_mode(tg, MC_RECOVERY_FIG7, 22, 2, mt_group_port(3));
    silent_member(tg, 0, mt_group_port(4));
    silent_member(tg, MC_MIRROR_MUTANT_FAILED_NOT_NAMED, mt_group_port(5));
    mt_stop(tg, N);
    return tap_done();
}
