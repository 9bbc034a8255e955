/* The clients of the `vsan` module (docs/vsan-command.md "Clients and histories"): numbered
 * slots, each with its own iSCSI sessions (one per portal) through the initiator library; a
 * pool of threads that each drive one slot; every operation recorded as an mc_hop of the
 * history checker, with times from mv_now_us. Shared by mod_vsan_client.c (the slots and the
 * pool) and mod_vsan_history.c (the history as Tcl values, the check). */
#ifndef MC_MOD_VSAN_CLIENT_H
#define MC_MOD_VSAN_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "history.h"
#include "initiator.h"
#include "mod_vsan.h"

#define MV_CLIENTS_MAX 32u           /* client slots, pooled or not */
#define MV_SESSIONS_MAX 8u           /* portals one client keeps a session with */
#define MV_TARGET_MAX 224u           /* an iSCSI name is at most 223 bytes (RFC 7143 4.2.7.1) */
/* Operations one history records; when it is full the pool stops and operations are refused
 * (status full), so a history is never checked with operations missing. */
#define MV_HISTORY_OPS_MAX (1u << 18)
#define MV_BLOCK_MAX 65536u          /* largest block a client marks */
/* Value ids (docs/vsan-command.md): a per-process nonce above the client's number above a
 * process-wide count, so ids are unique per block across clients, interpreters and processes
 * sharing a store, never 0 and never MC_HISTORY_VALUE_FOREIGN. */
#define MV_VALUE_NONCE_SHIFT 48u
#define MV_VALUE_CLIENT_SHIFT 40u
#define MV_VALUE_COUNT_MASK ((1ull << MV_VALUE_CLIENT_SHIFT) - 1u)
#define MV_VALUE_NONCE_MASK 0xffffull

/* What an operation ended with: X(ID, "name"). */
#define MV_STATUSES(X) \
    X(OK, "ok") X(UNAVAILABLE, "unavailable") X(ABORTED, "aborted") X(MEDIUM, "medium") X(RANGE, "range") \
    X(CHECK, "check") X(TIMEOUT, "timeout") X(CLOSED, "closed") X(PROTOCOL, "protocol") \
    X(UNREACHABLE, "unreachable") X(ERROR, "error") X(FULL, "full")
enum mv_status {
#define MV_STATUS_ENUM(id, name) MV_ST_##id,
    MV_STATUSES(MV_STATUS_ENUM)
#undef MV_STATUS_ENUM
    MV_ST_COUNT
};
extern const char *const mv_status_names[MV_ST_COUNT];

typedef struct mv_session {
    char portal[MV_ADDR_TEXT_MAX];
    char target[MV_TARGET_MAX];
    mc_ini *ini;
    uint32_t block_size;
    uint64_t used;                   /* when last used: the least recent is replaced */
} mv_session;

typedef struct mv_client {
    mv_session s[MV_SESSIONS_MAX];
    bool pooled;                     /* a pool thread owns it */
} mv_client;

/* One recorded operation: the checker's mc_hop and what the harness knows besides. */
typedef struct mv_rec {
    mc_hop hop;
    uint8_t status;                  /* enum mv_status */
    char portal[MV_ADDR_TEXT_MAX];
} mv_rec;

typedef struct mv_pool_cfg {
    char portals[MV_SESSIONS_MAX][MV_ADDR_TEXT_MAX];
    unsigned nportals, clients, write_pct, think_ms, timeout_ms;
    char target[MV_TARGET_MAX];
    uint16_t lun;
    uint64_t first, blocks, seed;
    uint64_t until_ms;               /* mc_ini_now_ms clock; no operation runs past it */
} mv_pool_cfg;

typedef struct mv_pool_arg {
    mv_clients *cs;
    unsigned client;
} mv_pool_arg;

struct mv_clients {
    pthread_mutex_t lock;            /* the history, the counters and the pool's state */
    pthread_cond_t cond;             /* CLOCK_MONOTONIC: pool threads' pauses, stop's wait */
    mv_rec *recs;
    size_t nrecs, caprecs, reserved;
    bool full;
    mv_client c[MV_CLIENTS_MAX];
    /* the pool */
    bool running, stop;
    unsigned nthreads, finished;
    pthread_t th[MV_CLIENTS_MAX];
    mv_pool_arg args[MV_CLIENTS_MAX];
    mv_pool_cfg pool;
    uint64_t pool_ops, pool_status[MV_ST_COUNT];
};

#endif
