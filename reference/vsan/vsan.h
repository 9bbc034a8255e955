/* The virtual SAN's mirror engine (claims 004, contract docs/vsan-link.md): terms, leases and
 * views (§4-§5), write priority per region (§6), mirrored writes and reads with failover (§7),
 * dirty regions, resync, repair and split brain (§8). The engine does no I/O of its own: it is
 * given a clock, a way to send link messages and a store, and is fed the messages that arrive,
 * so the same code runs in `mirrorcert serve vsan-server` and in a simulated network. */
#ifndef MC_VSAN_H
#define MC_VSAN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "link.h"
#include "mutant.h"
#include "store.h"

#define MC_VSAN_CLUSTER_MAX 31u        /* a cluster name fills the 32-byte HELLO field (§3.1) */
#define MC_VSAN_MAX_REGIONS 65536u     /* our bound: bitmaps of 8 KiB, a metadata file of ~90 KiB */
#define MC_VSAN_DEFAULT_REGION (64u * 1024u)
#define MC_VSAN_DEFAULT_LEASE_MS 600u  /* §4.2 */
#define MC_VSAN_MIN_LEASE_MS 200u
#define MC_VSAN_MAX_LEASE_MS 10000u

/* Mutants: X(ID, "name", "roles", "clause", "what it breaks") (reference/common/mutant.h). */
#define MC_VSAN_MUTANTS(X) \
    X(ACK_BEFORE_PEER, "vsan-ack-before-peer", "server", "004:1(d) 004:9(d) invariant:no-acknowledged-write-lost", "the client's write is acknowledged once the local store has it, before the members answer") \
    X(NO_POLICING, "vsan-no-policing", "server", "004:7 004:16 004:25 004:26", "a server writes without holding write priority for the region") \
    X(ACCEPT_STALE, "vsan-accept-stale-epoch", "server", "004:26 invariant:no-stale-epoch", "a store applies a mirrored write whose epoch is older than one it applied") \
    X(READ_FAILED_STORE, "vsan-read-failed-store", "server", "004:6 004:4(b) invariant:reads-survive-store-failure", "reads are served from the local store even when it failed") \
    X(RESYNC_ALL, "vsan-resync-everything", "server", "invariant:resync-bounded", "a returning server is sent every region, not only the dirty ones") \
    X(RESYNC_NONE, "vsan-resync-nothing", "server", "invariant:identical-after-resync", "a returning server is taken back without receiving what it missed") \
    X(NO_MIRROR_BACK, "vsan-no-mirror-back", "server", "004:20", "servers other than server 1 do not mirror their own clients' writes") \
    X(FIRST_PEER_ONLY, "vsan-first-peer-only", "server", "004:23 004:24", "a write is mirrored to the first member only, not to every member") \
    X(NO_DIRTY, "vsan-no-dirty-tracking", "server", "invariant:identical-after-resync", "writes made while a server is away are not recorded for its resync") \
    X(NO_QUORUM, "vsan-no-quorum", "server", "invariant:split-brain-detected", "a server cut off from the quorum still coordinates and accepts writes") \
    X(SPLIT_MERGE, "vsan-split-brain-merge", "server", "invariant:split-brain-detected", "diverged servers resync from one side instead of reporting a split brain") \
    X(NO_LEASE, "vsan-no-lease", "server", "invariant:linearizable", "a server serves reads after its lease ran out")

enum mc_vsan_mutant {
    MC_VSAN_MUT_NONE = 0,
#define MC_VSAN_MUTANT_ENUM(id, name, roles, clause, what) MC_VSAN_MUT_##id,
    MC_VSAN_MUTANTS(MC_VSAN_MUTANT_ENUM)
#undef MC_VSAN_MUTANT_ENUM
    MC_VSAN_MUT_COUNT
};
extern const mc_mutant_def mc_vsan_mutants[];
extern const size_t mc_vsan_mutant_count;

typedef enum mc_vsan_quorum { MC_VSAN_QUORUM_MAJORITY = 0, MC_VSAN_QUORUM_OFF = 1 } mc_vsan_quorum;

typedef struct mc_vsan_config {
    uint16_t id;                          /* ours, 1..MC_VSAN_ID_MAX */
    uint8_t role;                         /* MC_VSAN_ROLE_SERVER or MC_VSAN_ROLE_WITNESS (link.h) */
    char cluster[MC_VSAN_CLUSTER_MAX + 1];
    uint8_t roles[MC_VSAN_ID_MAX + 1];    /* every configured process, ours included; 0 = none */
    mc_vsan_quorum quorum;
    uint32_t block_size;                  /* bytes */
    uint32_t region_size;                 /* bytes, a power of two and a multiple of block_size */
    uint64_t blocks;                      /* volume size in blocks (0 for a witness) */
    uint32_t lease_ms;
    const char *meta_path;                /* persistent state (§8.2); NULL = none (memory store) */
    int mutant;                           /* index + 1 into mc_vsan_mutants, 0 = conformant */
} mc_vsan_config;

/* What the engine is given: every call returns at once. */
typedef struct mc_vsan_env {
    void *ctx;
    uint64_t (*now_ms)(void *ctx);        /* monotonic */
    uint64_t (*rand64)(void *ctx);
    /* Queues a message to a peer on our outbound connection (requests) or on the connection the
     * request came in on (answers: m->hdr.type is an answer type). -1: that link is down. */
    int (*send)(void *ctx, uint16_t peer, const mc_vsan_msg *m);
    void (*log)(void *ctx, int level, const char *msg);
} mc_vsan_env;

typedef struct mc_vsan_engine mc_vsan_engine;

/* Opens the engine on store (NULL for a witness; the engine does not own it), reading the
 * persistent state when cfg->meta_path names one. -1 with a message on a bad configuration or an
 * unreadable state file. */
int mc_vsan_engine_new(mc_vsan_engine **out, const mc_vsan_config *cfg, const mc_vsan_env *env,
                       mc_store *store, char *err, size_t errlen);
void mc_vsan_engine_free(mc_vsan_engine *e);

/* The link layer's events: a peer's connections came up (its HELLO was admitted, hello holds
 * it) or went down; an admitted message arrived from peer. */
void mc_vsan_on_link_up(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *hello);
void mc_vsan_on_link_down(mc_vsan_engine *e, uint16_t peer);
void mc_vsan_on_message(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m);
/* Our HELLO for a new connection to peer; history must hold MC_VSAN_HISTORY_MAX * 8 bytes and
 * stay valid while m is encoded. */
void mc_vsan_hello(mc_vsan_engine *e, uint16_t peer, mc_vsan_msg *m, uint8_t *history);
/* Timers; the absolute time of the next one (0 = none). */
void mc_vsan_tick(mc_vsan_engine *e);
uint64_t mc_vsan_next_deadline(const mc_vsan_engine *e);

/* Client I/O (byte offsets and lengths in whole blocks). The engine calls done exactly once,
 * later (never from inside the call that started it), unless the I/O is cancelled first. */
typedef enum mc_vsan_io_status {
    MC_VSAN_IO_OK = 0,
    MC_VSAN_IO_UNAVAILABLE,   /* no lease, no quorum, not a member, or no copy can serve: 04h/0Ch */
    MC_VSAN_IO_ABORTED,       /* lost the lease or the view mid-write: outcome unknown (0Bh) */
    MC_VSAN_IO_MEDIUM,        /* no store could give the bytes (03h/11h) */
    MC_VSAN_IO_RANGE,         /* past the end of the volume */
} mc_vsan_io_status;
typedef void (*mc_vsan_done_fn)(void *ctx, mc_vsan_io_status st);
typedef struct mc_vsan_io mc_vsan_io;
/* data (write) is copied; buf (read) must stay valid until done or cancel. NULL on ENOMEM. */
mc_vsan_io *mc_vsan_write(mc_vsan_engine *e, uint64_t off, const uint8_t *data, size_t len,
                          mc_vsan_done_fn done, void *ctx);
mc_vsan_io *mc_vsan_read(mc_vsan_engine *e, uint64_t off, uint8_t *buf, size_t len,
                         mc_vsan_done_fn done, void *ctx);
/* The caller no longer wants the answer (the task was aborted): done is never called. The write
 * itself may still complete on the stores. */
void mc_vsan_io_cancel(mc_vsan_io *io);

/* Fault control of the server's own store (the harness's `fail-store`): see store.h. */
mc_store *mc_vsan_store(mc_vsan_engine *e);

/* State for status answers (§9.2) and tests. */
typedef struct mc_vsan_info {
    uint16_t id, coordinator;
    const char *role;                 /* coordinator, member, syncing, outside, witness */
    uint32_t term, view_seq;
    uint64_t gen;
    uint32_t members, syncing;        /* bit i = server i */
    bool quorum, lease, store_ok;
    bool rejoining;                   /* a write of ours was cut short: no renewal until dropped and readmitted */
    uint32_t suspected;               /* coordinator: members reported unreachable, leaving once their lease ends */
    uint32_t split_brain;             /* bit i = split brain detected with server i */
    uint32_t dirty[MC_VSAN_ID_MAX + 1];   /* regions dirty per server */
    uint32_t dirty_self;
    uint64_t writes_mirrored, stale_refused, resync_bytes, heal_bytes, repair_bytes;
    uint64_t reads_failed_over, resync_received, answers_unmatched;
} mc_vsan_info;
void mc_vsan_get_info(const mc_vsan_engine *e, mc_vsan_info *st);
/* A clean stop (before mc_vsan_engine_free): the activity log keeps only regions whose last
 * write is not yet confirmed everywhere, so the next start resends only those (§8.2). */
void mc_vsan_engine_shutdown(mc_vsan_engine *e);
/* Every job, every region in a state other than idle, every I/O: for diagnosis. */
void mc_vsan_dump(const mc_vsan_engine *e, FILE *out);

#endif
