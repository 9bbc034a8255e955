/* Test fixtures for multicast mirroring: reference targets on 127.0.0.2.. each in its own
 * thread (one can be made silent), a mirroring initiator, raw group datagrams. */
#ifndef MC_TEST_MCAST_H
#define MC_TEST_MCAST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcast.h"
#include "member.h"
#include "mirror.h"
#include "target.h"

#define MT_TARGETS_MAX 8u
#define MT_LUN_SIZE (4u << 20)       /* 8192 blocks of 512 bytes per LU */
#define MT_GROUP "239.7.7.7"
#define MT_PORT_BASE 23260u

typedef struct mt_target {
    mc_target *t;
    pthread_t thread;
    atomic_bool stop, paused;
    bool running;
    char host[32];
    uint16_t port;
    char iqn[96];
} mt_target;

/* Starts n targets on 127.0.0.(2+i) with LUNs 0, 1 and 2 in memory; mutant (a name, NULL for none) applies to all. */
int mt_start(mt_target *tg, size_t n, const char *mutant);
void mt_stop(mt_target *tg, size_t n);
/* A mirroring initiator with those targets added as t1..tn and logged in. */
mc_mirror *mt_initiator(const mt_target *tg, size_t n, const mc_mirror_opts *o);
/* Every target's real LUN `lun` equals data over [lba, lba + blocks). */
bool mt_members_hold(mc_mirror *m, size_t n, uint16_t lun, uint64_t lba, uint32_t blocks, const uint8_t *data);
/* A port per test binary so parallel ctest runs do not share a group port. */
uint16_t mt_group_port(unsigned salt);
/* "t1:1,t2:1,..." style members for n targets, every one with real LUN lun. */
size_t mt_members(mc_mirror_member *mem, size_t n, uint16_t lun);
/* Fills buf with seeded bytes. */
void mt_fill(uint8_t *buf, size_t len, uint64_t seed);
/* Parses the named counter out of an "ok counters tN ..." result; -1 if absent. */
long long mt_counter(const char *res, const char *name);

#endif
