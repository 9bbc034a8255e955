/* The mirror engine's state, shared by its files (not part of the API, vsan.h):
 *   engine.c   life, message dispatch, timers        quorum.c  terms, votes, leases, views
 *   police.c   write priority per region (§6)        mirror.c  client writes and reads (§7)
 *   sync.c     resync, repair, self-heal (§8)        meta.c    the persistent state (§8.2)
 *   reqs.c     outstanding requests by tag           mutant.c  the mutant table
 *   mirror_peer.c  a peer's WRITE copies, COMMITs and READs served (§7) */
#ifndef MC_VSAN_ENGINE_INT_H
#define MC_VSAN_ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mutant.h"
#include "vsan.h"

/* §10 of docs/vsan-link.md. */
#define VS_BEAT_MS 100u
#define VS_WRITE_MS 1000u
#define VS_RETRY_MS 100u
#define VS_HEAL_MS 500u
#define VS_DRIFT_PERMILLE 100u         /* DRIFT = 0.1 (§4.2) */
#define VS_MAX_DATA (1024u * 1024u)     /* bytes of data one WRITE or READ message carries (§10) */
#define VS_MAX_REQS 4096u               /* requests in flight from this engine, all peers */
#define VS_MAX_IOS 1024u                /* client I/Os in flight; more are refused as BUSY */
#define VS_SYNC_WINDOW 8u               /* regions one resync or repair job copies at once */
#define VS_AL_IDLE_MS 1000u             /* a settled region leaves the activity log after this long idle (§8.2) */

static inline uint32_t vs_bit(uint16_t id) { return 1u << id; }

/* A bitmap of regions. */
typedef struct vs_bits {
    uint8_t *b;
    uint32_t n;          /* bits */
} vs_bits;
int vs_bits_init(vs_bits *m, uint32_t n);
void vs_bits_free(vs_bits *m);
static inline bool vs_bits_get(const vs_bits *m, uint32_t i) { return (m->b[i >> 3] >> (i & 7)) & 1u; }
static inline void vs_bits_set(vs_bits *m, uint32_t i) { m->b[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static inline void vs_bits_clear(vs_bits *m, uint32_t i) { m->b[i >> 3] &= (uint8_t)~(1u << (i & 7)); }
uint32_t vs_bits_count(const vs_bits *m);
void vs_bits_zero(vs_bits *m);
void vs_bits_fill(vs_bits *m);
void vs_bits_or(vs_bits *dst, const vs_bits *src);
bool vs_bits_any(const vs_bits *m);
/* The first set bit at or after from, or UINT32_MAX. */
uint32_t vs_bits_next(const vs_bits *m, uint32_t from);

typedef struct vs_view {
    uint32_t term, seq;
    uint64_t gen;
    uint32_t members, syncing;   /* bit i = server i; syncing is a subset of members */
} vs_view;

/* What a peer said of itself in its HELLO (§3.1). */
typedef struct vs_hello {
    bool known;
    uint8_t role;
    bool wrote;                  /* WROTE: it has writes we missed */
    vs_view last;
    uint32_t nhist;
    uint64_t hist[MC_VSAN_HISTORY_MAX];
} vs_hello;

typedef struct vs_peer {
    uint16_t id;
    uint8_t role;                /* MC_VSAN_ROLE_*; 0: not configured */
    bool up;                     /* the link layer says both directions are admitted */
    vs_hello hello;
    bool split_brain;            /* §8.4: nothing but HELLO is exchanged */
    bool claimed;                /* it told us the newest view it knows in a VOTE or VOTE_OK: */
    uint32_t claimed_term, claimed_seq;  /* that view (prepared or committed) */
    /* as coordinator */
    uint64_t member_granted_ms;  /* when we last granted its membership lease, 0 = never */
    uint64_t auth_ok_sent_ms;    /* send time of its latest granted authority request */
    bool suspected;              /* a member reported it unreachable: no more lease grants */
    bool reconciled;             /* answered RECONCILE for the current term */
    bool joining;                /* a behind server we are adding as syncing */
    bool join_answered;          /* it answered our RECONCILE: ready to enter the view */
} vs_peer;

/* A request waiting for its answer. */
typedef enum vs_req_kind {
    REQ_FREE = 0, REQ_LEASE_MEMBER, REQ_LEASE_AUTH, REQ_VOTE, REQ_VIEW, REQ_VIEW_DONE, REQ_GRANT, REQ_REVOKE,
    REQ_RELEASE, REQ_WRITE, REQ_COMMIT, REQ_READ, REQ_RECONCILE, REQ_SUSPECT,
} vs_req_kind;

struct mc_vsan_io;
struct vs_job;

typedef struct vs_req {
    vs_req_kind kind;
    uint16_t peer;
    uint16_t gen;                /* bumps when the slot is reused: part of the tag */
    uint32_t term;               /* our term when sent */
    uint64_t sent_ms, deadline_ms;
    struct mc_vsan_io *io;       /* the client I/O it serves, if any */
    struct vs_job *job;          /* the resync/repair/heal job it serves, if any */
    uint32_t region;             /* VIEW: the proposal's seq; GRANT, REVOKE: the first region */
    uint64_t offset;             /* READ: the chunk's offset; GRANT, REVOKE: the region count */
    uint64_t epoch;              /* REVOKE: the term's grant count when it was sent */
} vs_req;

/* A client I/O, or an internal copy (resync, repair, heal) using the same path. */
typedef enum vs_io_state {
    IO_WAIT_GRANT, IO_WAIT_READS, IO_MIRROR, IO_REMOTE_READ, IO_DONE,
} vs_io_state;

struct mc_vsan_io {
    struct mc_vsan_io *next;
    mc_vsan_engine *e;
    bool write;
    bool cancelled;
    vs_io_state state;
    uint64_t off;
    size_t len;
    uint32_t first, last;        /* regions touched */
    uint8_t *data;               /* write: our copy; read: the caller's buffer */
    mc_vsan_done_fn done;
    void *ctx;
    uint64_t epoch;
    uint32_t waiting;            /* members whose WRITE_OK we wait for */
    uint32_t tag;                /* our WRITE tag toward COMMIT */
    uint64_t started_ms;
    mc_vsan_io_status status;
    uint16_t read_from;          /* remote read: the member asked */
    uint32_t tried;              /* remote read: members already asked */
    bool store_failed_seen;      /* remote read: a member said STORE_FAILED */
    uint32_t wseq;               /* write: our write sequence number (COMMIT, §7.1) */
    uint16_t pending[MC_VSAN_ID_MAX + 1];  /* requests outstanding per peer */
    uint32_t nreqs;              /* requests of ours that still point at it */
    bool owned;                  /* data is ours to free */
    bool sync;                   /* a copy of a resync or repair job (WRITE flag SYNC) */
    bool local_write;            /* sync: write our store too (the bytes came from a peer) */
    bool local_failed;           /* write: our store refused it */
    uint32_t storers;            /* write: members that answered OK */
    uint32_t stored;             /* write: stores that hold it (ours, members answering OK) */
    uint64_t suspect_at;         /* write: when members it still waits for are reported again */
    bool raw;                    /* job read: straight to a member, no lease or settle checks */
    uint16_t sync_target;        /* sync: the one member to write, 0 = every member */
    struct vs_job *job;          /* sync or job read: the job it serves */
};
typedef struct mc_vsan_io vs_io;

/* Per-region state. */
typedef struct vs_region {
    uint64_t seen_epoch;         /* highest epoch applied here (§6.2) */
    uint64_t held_epoch;         /* our write priority on it; 0 = not held */
    bool revoke_asked;           /* the coordinator wants it back */
    bool asked;                  /* our GRANT covering it is out */
    bool revoke_early;           /* asked back before our GRANT's answer arrived (§6.1) */
    uint16_t inflight;           /* our own writes on it not yet committed everywhere */
    uint16_t unconf_writer;      /* another writer's applied write without COMMIT; 0 = none */
    uint32_t unconf_tag;
    bool cut;                    /* a write of ours on it was cut short: only a repair settles it */
    uint64_t settled_ms;         /* when its last write was confirmed on every store; 0 = not since */
    /* coordinator only */
    uint16_t holder;             /* who holds write priority; 0 = free */
    uint64_t grant_epoch;        /* the epoch it was granted with */
    bool revoke_sent;
} vs_region;

/* A queued GRANT at the coordinator. */
typedef struct vs_grant_wait {
    struct vs_grant_wait *next;
    uint16_t peer;               /* requester (ourselves included) */
    uint32_t tag;                /* the request's tag, to answer it */
    uint32_t first, count;
} vs_grant_wait;

/* A coordinator's copy job: resync of a joining member, or repair of regions that may differ. */
typedef enum vs_job_kind { JOB_RESYNC = 1, JOB_REPAIR, JOB_HEAL } vs_job_kind;
typedef struct vs_job {
    vs_job_kind kind;
    uint16_t target;             /* resync: the member being filled; repair: 0 = all members */
    vs_bits todo;
    uint32_t cursor;
    uint32_t active;             /* regions in flight */
    uint64_t retry_at;           /* after a failed copy, the next attempt */
} vs_job;

struct mc_vsan_engine {
    mc_vsan_config cfg;
    mc_vsan_env env;
    mc_store *store;
    uint32_t nregions;
    uint32_t blocks_per_region;

    /* persistent (§8.2) */
    uint32_t term, voted_term;
    uint16_t voted_for;
    vs_view last;                /* the committed view we act on (the last we know) */
    vs_view prepared;            /* the newest proposed view we persisted (elections, §4.1) */
    uint32_t nhist;
    uint64_t hist[MC_VSAN_HISTORY_MAX];
    vs_bits dirty[MC_VSAN_ID_MAX + 1];
    vs_bits dirty_self, al;
    vs_bits stale;               /* regions our store missed a write of (§7.3) */
    bool meta_dirty;             /* something above changed since the last write */

    /* volatile */
    vs_peer peers[MC_VSAN_ID_MAX + 1];
    vs_region *reg;
    uint16_t coordinator;        /* 0 = unknown */
    uint64_t lease_until;        /* our membership lease (or authority, as coordinator) */
    uint64_t no_lease_since;     /* when we last had no lease, for standing as candidate */
    uint64_t promise_until;      /* voters: no vote for others until then */
    uint16_t promised_to;
    uint64_t vote_block_until;   /* restarted voter (§4.1) */
    uint64_t next_beat, next_heal, next_stand, next_expiry;
    uint16_t yield_to;           /* §8.4: a server with newer data we rejoin; no standing while it is up */
    bool must_rejoin;            /* writes of ours were cut short: no renewal until the view drops us */
    char cluster_field[MC_VSAN_CLUSTER_LEN];  /* the NUL-padded HELLO form of cfg.cluster */
    bool candidate;
    uint32_t votes;
    uint64_t vote_sent_ms;

    /* coordinator */
    bool coordinating;           /* we won the current term */
    uint64_t term_started_ms;
    bool view_pending;
    vs_view pending;
    uint32_t view_acks;
    bool reconciling;
    uint64_t reconcile_until;
    vs_bits repair_set;
    uint64_t next_epoch;         /* counter n of (term << 32) | n */
    vs_grant_wait *grants;
    uint32_t ngrants;
    vs_bits claimed;             /* scratch of the grant queue */
    bool settling, resettle;     /* a pass over the queue is running; another is needed */
    vs_job *jobs[MC_VSAN_ID_MAX + 1];   /* [0]: repair; [i]: resync of server i */
    vs_bits seed[MC_VSAN_ID_MAX + 1];   /* regions a joining server needs, gathered before its resync */
    uint64_t max_epoch;          /* our own write epoch: the highest granted to us this term */

    /* copies (sync.c) */
    uint8_t *copy_state;         /* per region: none, wanted, active */
    struct vs_job **copy_owner;  /* per region: the job copying it */
    vs_job *heal;                /* our self-heal (§7.3) */

    vs_req reqs[VS_MAX_REQS];
    uint32_t free_hint;
    vs_io *ios;
    size_t nios;
    bool done_pending;           /* finished I/Os wait for delivery */
    bool kick_pending;           /* waiting I/Os should look again */
    uint32_t next_wseq;          /* our writes' sequence numbers (COMMIT) */
    uint32_t commit_sent;        /* the mark of the last COMMIT we sent */
    bool commit_pending;         /* a write completed: COMMIT goes out at the next tick */
    uint32_t commit_hold;        /* lowest write of ours cut short: no COMMIT reaches it; 0 = none */
    bool hold_dropped;           /* the view dropped us since: readmission releases the hold */
    uint32_t nunconf;            /* regions with another writer's unconfirmed write */

    mc_vsan_info counters;       /* the counters part of the status */
};

/* engine.c */
uint64_t vs_now(const mc_vsan_engine *e);
void vs_log(const mc_vsan_engine *e, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool vs_mutant(const mc_vsan_engine *e, int m);
int vs_send(mc_vsan_engine *e, uint16_t peer, mc_vsan_msg *m);
/* A request: takes a slot (tag), stamps and sends it; NULL when no slot or the link is down. */
vs_req *vs_request(mc_vsan_engine *e, uint16_t peer, vs_req_kind kind, mc_vsan_msg *m, uint32_t timeout_ms);
void vs_answer(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *req, uint8_t type, mc_vsan_msg *a);
void vs_answer_status(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *req, uint8_t type, uint32_t st);
vs_req *vs_req_of(mc_vsan_engine *e, uint32_t tag);
void vs_req_done(mc_vsan_engine *e, vs_req *r);
uint32_t vs_tag_of(const mc_vsan_engine *e, const vs_req *r);
void vs_req_attach(vs_req *r, vs_io *io);
void vs_io_detach(mc_vsan_engine *e, vs_io *io);
bool vs_is_member(const mc_vsan_engine *e, uint16_t id);     /* full or syncing, current view */
bool vs_is_full(const mc_vsan_engine *e, uint16_t id);
bool vs_serving(const mc_vsan_engine *e);                    /* lease valid and a member */
uint32_t vs_region_of(const mc_vsan_engine *e, uint64_t off);

/* quorum.c */
bool vs_quorum(const mc_vsan_engine *e, uint32_t voters);
void vs_adopt_term(mc_vsan_engine *e, uint32_t term);
void vs_quorum_tick(mc_vsan_engine *e, uint64_t now);
void vs_quorum_on_message(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m);
void vs_quorum_on_answer(mc_vsan_engine *e, vs_req *r, const mc_vsan_msg *m);
void vs_quorum_on_timeout(mc_vsan_engine *e, vs_req *r);
void vs_view_commit(mc_vsan_engine *e, const vs_view *v);    /* coordinator: start a change */
void vs_view_adopt(mc_vsan_engine *e, const vs_view *v);     /* a committed view arrived */
void vs_suspect(mc_vsan_engine *e, uint16_t member);         /* a WRITE to it timed out */
void vs_peer_joined(mc_vsan_engine *e, uint16_t peer);
void vs_view_full(mc_vsan_engine *e, uint16_t peer);        /* its resync is done */

/* police.c */
void vs_police_request(mc_vsan_engine *e, uint16_t peer, uint32_t tag, uint32_t first, uint32_t count);
void vs_police_release(mc_vsan_engine *e, uint16_t peer, uint32_t first, uint32_t count);
void vs_police_reset(mc_vsan_engine *e);                    /* a term ends */
void vs_police_drop_holder(mc_vsan_engine *e, uint16_t peer, vs_bits *held_out);
bool vs_holds(const mc_vsan_engine *e, uint32_t first, uint32_t last);
void vs_police_need(mc_vsan_engine *e, uint32_t first, uint32_t last);
void vs_police_on_grant(mc_vsan_engine *e, const mc_vsan_msg *m);
void vs_police_on_revoke(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m);
void vs_police_settle(mc_vsan_engine *e);                   /* give back what was asked for */
void vs_police_forget(mc_vsan_engine *e);                   /* our grants ended */
void vs_police_kick(mc_vsan_engine *e);
void vs_police_revoke_done(mc_vsan_engine *e, const vs_req *q, const mc_vsan_msg *answer);                     /* a copied region is free again */
void vs_police_revoke(mc_vsan_engine *e, uint16_t holder, uint32_t first, uint32_t last);
void vs_police_grant_failed(mc_vsan_engine *e, uint32_t first, uint32_t count);

/* mirror.c */
void vs_io_kick(mc_vsan_engine *e);                         /* move every waiting I/O on */
void vs_on_write(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m);
void vs_on_read(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m);
void vs_on_commit(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m);
void vs_io_on_answer(mc_vsan_engine *e, vs_req *r, const mc_vsan_msg *m);
void vs_io_on_timeout(mc_vsan_engine *e, vs_req *r);
void vs_io_view_changed(mc_vsan_engine *e);
void vs_io_interrupt(mc_vsan_engine *e);
void vs_io_free_all(mc_vsan_engine *e);
void vs_io_deliver(mc_vsan_engine *e);
vs_io *vs_io_sync(mc_vsan_engine *e, uint64_t off, uint8_t *owned, size_t len, uint64_t epoch,
                  uint16_t target, vs_job *job);
vs_io *vs_io_job_read(mc_vsan_engine *e, uint64_t off, uint8_t *owned, size_t len, vs_job *job);
/* Marks regions first..last in b (dirty, stale or activity-log bits; mirror.c). */
void vs_mark_range(mc_vsan_engine *e, vs_bits *b, uint32_t first, uint32_t last);
/* Regions wholly inside [off, off + len): what a write of those bytes makes current. */
void vs_whole_regions_current(mc_vsan_engine *e, uint64_t off, size_t len);
/* §8.1: what servers of members outside the view miss of first..last, for their resync. */
void vs_mark_absent(mc_vsan_engine *e, uint32_t members, uint32_t first, uint32_t last);
/* Marks r dirty for every configured server not in the current view (§8.1). */
void vs_mark_dirty_absent(mc_vsan_engine *e, uint32_t first, uint32_t last);
/* Our store missed a write (§7.3); a whole region written clears it. */
void vs_mark_stale(mc_vsan_engine *e, uint32_t first, uint32_t last);
void vs_unconf_set(mc_vsan_engine *e, uint32_t r, uint16_t writer, uint32_t wseq);
void vs_unconf_clear(mc_vsan_engine *e, uint32_t r);
void vs_region_repaired(mc_vsan_engine *e, uint32_t r);
void vs_region_current(mc_vsan_engine *e, uint32_t r);
bool vs_region_suspect(const mc_vsan_engine *e, uint32_t r);
bool vs_other_full_member(const mc_vsan_engine *e);
bool vs_region_range_stale(const mc_vsan_engine *e, uint32_t first, uint32_t last);
int vs_store_read(mc_vsan_engine *e, uint64_t off, uint8_t *buf, size_t len);
int vs_store_write(mc_vsan_engine *e, uint64_t off, const uint8_t *buf, size_t len);

/* sync.c */
void vs_sync_tick(mc_vsan_engine *e, uint64_t now);
void vs_sync_start_resync(mc_vsan_engine *e, uint16_t target, const vs_bits *regions);
void vs_sync_start_repair(mc_vsan_engine *e, const vs_bits *regions);
void vs_sync_reserve(mc_vsan_engine *e, const vs_bits *regions);
void vs_al_settled(mc_vsan_engine *e, uint32_t r);
void vs_commit_release(mc_vsan_engine *e);
void vs_send_commits(mc_vsan_engine *e);
void vs_al_trim(mc_vsan_engine *e, uint64_t now);
void vs_sync_on_answer(mc_vsan_engine *e, vs_req *r, const mc_vsan_msg *m);
void vs_sync_on_timeout(mc_vsan_engine *e, vs_req *r);
void vs_sync_stop(mc_vsan_engine *e);
void vs_sync_stop_target(mc_vsan_engine *e, uint16_t target);
bool vs_sync_busy(const mc_vsan_engine *e, uint32_t region);
void vs_sync_read_done(mc_vsan_engine *e, vs_job *j, uint32_t r, uint8_t *buf, mc_vsan_io_status st);
void vs_sync_copied(mc_vsan_engine *e, vs_job *j, uint32_t r, mc_vsan_io_status st);

/* meta.c */
int vs_meta_load(mc_vsan_engine *e, char *err, size_t errlen);  /* 1 loaded, 0 none, -1 refused */
int vs_meta_save(mc_vsan_engine *e);                           /* when meta_dirty; 0 or -1 */
void vs_hist_push(mc_vsan_engine *e, uint64_t gen);
bool vs_hist_has(const uint64_t *hist, uint32_t n, uint64_t gen);

#endif
