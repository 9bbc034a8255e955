/* Soak: 1,000 random mirrored writes under 5% seeded drop, duplication and reordering of group
 * datagrams, under each recovery mode at once (Figures 5, 6, 7 on LUNs 0, 1, 2 of the same three
 * targets); afterwards every member's LUN equals what the initiator wrote, byte for byte. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mtest.h"
#include "tap.h"

#define N 3u
#define WRITES 1000u
#define LOSS 0.05
#define MAX_BLOCKS 16u
#define LUN_BLOCKS (MT_LUN_SIZE / MC_MIRROR_BLOCK)
#define DATA_TIMEOUT_MS 100u

typedef struct soak {
    mt_target *tg;
    int fig;
    uint16_t lun, port;
    unsigned good;
    bool identical;
    char last_error[1100];
} soak;

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *run(void *arg)
{
    soak *k = arg;
    char res[1024];
    mc_mirror_opts o = {.recovery = k->fig, .data_timeout_ms = DATA_TIMEOUT_MS, .retries = 6};
    mc_mirror *m = mt_initiator(k->tg, N, &o);
    uint8_t *shadow = calloc(LUN_BLOCKS, MC_MIRROR_BLOCK);
    uint8_t *got = malloc((size_t)LUN_BLOCKS * MC_MIRROR_BLOCK);
    mc_mirror_member mem[N];
    mt_members(mem, N, k->lun);
    uint8_t vlun = (uint8_t)(100 + k->lun);
    if (!m || !shadow || !got ||
        mc_mirror_register(m, MT_GROUP, k->port, vlun, mem, N, MC_DIALECT_DEFAULT, res, sizeof(res)) != 0) {
        snprintf(k->last_error, sizeof(k->last_error), "setup: %s", res);
        goto out;
    }
    mc_mirror_set_loss(m, LOSS, 0x50a4u + (unsigned)k->fig);
    uint64_t rng = 0x9e3779b9u * (unsigned)k->fig + 1;
    for (unsigned i = 0; i < WRITES; i++) {
        uint32_t blocks = 1 + (uint32_t)(next(&rng) % MAX_BLOCKS);
        uint64_t lba = next(&rng) % (LUN_BLOCKS - blocks);
        uint8_t *at = shadow + lba * MC_MIRROR_BLOCK;
        mt_fill(at, (size_t)blocks * MC_MIRROR_BLOCK, next(&rng));
        if (mc_mirror_write(m, vlun, lba, blocks, at, res, sizeof(res)) == 0)
            k->good++;
        else
            snprintf(k->last_error, sizeof(k->last_error), "write %u: %s", i, res);
    }
    mc_mirror_set_loss(m, 0, 0);
    k->identical = true;
    for (size_t t = 0; t < N; t++) {
        char name[24];
        snprintf(name, sizeof(name), "t%zu", t + 1);
        bool same = mc_mirror_read(m, name, k->lun, 0, LUN_BLOCKS, got, res, sizeof(res)) == 0 &&
                    memcmp(got, shadow, (size_t)LUN_BLOCKS * MC_MIRROR_BLOCK) == 0;
        k->identical = k->identical && same;
    }
out:
    free(shadow);
    free(got);
    mc_mirror_free(m);
    return NULL;
}

int main(void)
{
    tap_plan(0);
    mt_target tg[N];
    if (!tap_ok(mt_start(tg, N, NULL) == 0, "three reference targets"))
        return tap_done();
    soak s[3] = {{tg, MC_RECOVERY_FIG5, 0, mt_group_port(0), 0, false, ""},
                 {tg, MC_RECOVERY_FIG6, 1, mt_group_port(1), 0, false, ""},
                 {tg, MC_RECOVERY_FIG7, 2, mt_group_port(2), 0, false, ""}};
    pthread_t th[3];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, run, &s[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int i = 0; i < 3; i++) {
        if (s[i].last_error[0])
            tap_diag("fig%d: %s", s[i].fig, s[i].last_error);
        tap_is_int(s[i].good, WRITES, "fig%d: %u random writes under 5%% drop/dup/reorder all GOOD", s[i].fig, WRITES);
        tap_ok(s[i].identical, "fig%d: every member's LUN %u is byte-identical to what was written", s[i].fig, s[i].lun);
    }
    tap_diag("soak took %.1f s", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    mt_stop(tg, N);
    return tap_done();
}
