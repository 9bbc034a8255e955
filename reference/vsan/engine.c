/* The mirror engine's life, requests by tag, message dispatch and timers (docs/vsan-link.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define VS_LOG_MAX 512

uint64_t vs_now(const mc_vsan_engine *e) { return e->env.now_ms(e->env.ctx); }

void vs_log(const mc_vsan_engine *e, int level, const char *fmt, ...)
{
    if (!e->env.log)
        return;
    char msg[VS_LOG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->env.log(e->env.ctx, level, msg);
}

bool vs_mutant(const mc_vsan_engine *e, int m) { return e->cfg.mutant == m; }

bool vs_is_member(const mc_vsan_engine *e, uint16_t id) { return (e->last.members & vs_bit(id)) != 0; }

bool vs_is_full(const mc_vsan_engine *e, uint16_t id)
{
    return vs_is_member(e, id) && !(e->last.syncing & vs_bit(id));
}

bool vs_serving(const mc_vsan_engine *e)
{
    if (e->cfg.role != MC_VSAN_ROLE_SERVER || !vs_is_member(e, e->cfg.id) || e->last.term != e->term)
        return false;
    if (vs_mutant(e, MC_VSAN_MUT_NO_LEASE) && (e->coordinating || e->coordinator))
        return true;
    return vs_now(e) < e->lease_until;
}

uint32_t vs_region_of(const mc_vsan_engine *e, uint64_t off) { return (uint32_t)(off / e->cfg.region_size); }

/* --- requests ---------------------------------------------------------------------------------- */

#define TAG_SLOT_BITS 12u   /* VS_MAX_REQS = 4096 slots */
#define TAG_SLOT_MASK ((1u << TAG_SLOT_BITS) - 1u)

uint32_t vs_tag_of(const mc_vsan_engine *e, const vs_req *r)
{
    return ((uint32_t)r->gen << TAG_SLOT_BITS) | (uint32_t)(r - e->reqs);
}

vs_req *vs_req_of(mc_vsan_engine *e, uint32_t tag)
{
    vs_req *r = &e->reqs[tag & TAG_SLOT_MASK];
    if (r->kind == REQ_FREE || (uint16_t)(tag >> TAG_SLOT_BITS) != r->gen)
        return NULL;
    return r;
}

void vs_req_attach(vs_req *r, vs_io *io)
{
    r->io = io;
    io->nreqs++;
}

void vs_req_done(mc_vsan_engine *e, vs_req *r)
{
    (void)e;
    if (r->io && r->io->nreqs)
        r->io->nreqs--;
    r->kind = REQ_FREE;
    r->io = NULL;
    r->job = NULL;
}

void vs_io_detach(mc_vsan_engine *e, vs_io *io)
{
    for (uint32_t i = 0; io->nreqs && i < VS_MAX_REQS; i++)
        if (e->reqs[i].kind != REQ_FREE && e->reqs[i].io == io) {
            e->reqs[i].io = NULL;
            io->nreqs--;
        }
}

static const uint8_t req_type[] = {
    [REQ_LEASE_MEMBER] = MC_VSAN_T_LEASE, [REQ_LEASE_AUTH] = MC_VSAN_T_LEASE, [REQ_VOTE] = MC_VSAN_T_VOTE,
    [REQ_VIEW] = MC_VSAN_T_VIEW, [REQ_VIEW_DONE] = MC_VSAN_T_VIEW, [REQ_GRANT] = MC_VSAN_T_GRANT,
    [REQ_REVOKE] = MC_VSAN_T_REVOKE, [REQ_RELEASE] = MC_VSAN_T_RELEASE, [REQ_WRITE] = MC_VSAN_T_WRITE,
    [REQ_COMMIT] = MC_VSAN_T_COMMIT, [REQ_READ] = MC_VSAN_T_READ, [REQ_RECONCILE] = MC_VSAN_T_RECONCILE,
    [REQ_SUSPECT] = MC_VSAN_T_SUSPECT,
};

int vs_send(mc_vsan_engine *e, uint16_t peer, mc_vsan_msg *m)
{
    if (peer == 0 || peer > MC_VSAN_ID_MAX || !e->peers[peer].up || e->peers[peer].split_brain)
        return -1;
    m->h.sender = e->cfg.id;
    m->h.receiver = peer;
    m->h.term = e->term;
    return e->env.send(e->env.ctx, peer, m);
}

vs_req *vs_request(mc_vsan_engine *e, uint16_t peer, vs_req_kind kind, mc_vsan_msg *m, uint32_t timeout_ms)
{
    if (peer == 0 || peer > MC_VSAN_ID_MAX || !e->peers[peer].up || e->peers[peer].split_brain)
        return NULL;
    vs_req *r = NULL;
    for (uint32_t k = 0; k < VS_MAX_REQS; k++) {
        uint32_t i = (e->free_hint + k) % VS_MAX_REQS;
        if (e->reqs[i].kind == REQ_FREE) {
            r = &e->reqs[i];
            e->free_hint = (i + 1u) % VS_MAX_REQS;
            break;
        }
    }
    if (!r)
        return NULL;  /* bounded: the caller treats it as an unreachable peer */
    uint64_t now = vs_now(e);
    r->kind = kind;
    r->peer = peer;
    r->gen++;
    r->term = e->term;
    r->sent_ms = now;
    r->deadline_ms = now + timeout_ms;
    r->io = NULL;
    r->job = NULL;
    r->region = 0;
    r->offset = 0;
    m->h.tag = vs_tag_of(e, r);
    if (vs_send(e, peer, m) != 0) {
        r->kind = REQ_FREE;
        return NULL;
    }
    return r;
}

void vs_answer(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *req, uint8_t type, mc_vsan_msg *a)
{
    a->h.type = type;
    a->h.tag = req->h.tag;
    vs_send(e, peer, a);
}

void vs_answer_status(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *req, uint8_t type, uint32_t st)
{
    mc_vsan_msg a;
    mc_vsan_field f;
    switch (type) {
    case MC_VSAN_T_GRANT_OK: f = MC_VSAN_F_GRANT_OK_STATUS; break;
    case MC_VSAN_T_RECONCILE_OK: f = MC_VSAN_F_RECONCILE_OK_STATUS; break;
    case MC_VSAN_T_LEASE_OK:
    case MC_VSAN_T_VOTE_OK:
    case MC_VSAN_T_HELLO_OK: type = MC_VSAN_T_ERROR; f = MC_VSAN_F_STATUS; break;  /* no status field */
    default: f = MC_VSAN_F_STATUS; break;
    }
    mc_vsan_msg_init(&a, type);
    mc_vsan_set(&a, f, st);
    vs_answer(e, peer, req, type, &a);
}

/* --- life -------------------------------------------------------------------------------------- */

static int check_config(const mc_vsan_config *c, bool has_store, char *err, size_t errlen)
{
    if (c->id == 0 || c->id > MC_VSAN_ID_MAX || c->roles[c->id] != c->role) {
        snprintf(err, errlen, "our ID must be 1..%u and listed with our role", MC_VSAN_ID_MAX);
        return -1;
    }
    if (c->role != MC_VSAN_ROLE_SERVER && c->role != MC_VSAN_ROLE_WITNESS) {
        snprintf(err, errlen, "role must be server or witness");
        return -1;
    }
    if (strlen(c->cluster) == 0 || strlen(c->cluster) > MC_VSAN_CLUSTER_MAX) {
        snprintf(err, errlen, "a cluster name of 1..%u characters is required", MC_VSAN_CLUSTER_MAX);
        return -1;
    }
    if (c->lease_ms < MC_VSAN_MIN_LEASE_MS || c->lease_ms > MC_VSAN_MAX_LEASE_MS) {
        snprintf(err, errlen, "the lease must be %u..%u ms", MC_VSAN_MIN_LEASE_MS, MC_VSAN_MAX_LEASE_MS);
        return -1;
    }
    if (c->block_size == 0 || c->region_size < c->block_size || (c->region_size & (c->region_size - 1u)) ||
        c->region_size % c->block_size) {
        snprintf(err, errlen, "the region size must be a power of two and a multiple of the block size");
        return -1;
    }
    if (c->role == MC_VSAN_ROLE_SERVER && (!has_store || c->blocks == 0)) {
        snprintf(err, errlen, "a server needs a store");
        return -1;
    }
    uint64_t regions = (c->blocks * c->block_size + c->region_size - 1u) / c->region_size;
    if (regions > MC_VSAN_MAX_REGIONS) {
        snprintf(err, errlen, "%llu regions: at most %u (choose a larger region size)",
                 (unsigned long long)regions, MC_VSAN_MAX_REGIONS);
        return -1;
    }
    if (c->mutant < 0 || (size_t)c->mutant > mc_vsan_mutant_count) {
        snprintf(err, errlen, "no such mutant");
        return -1;
    }
    return 0;
}

int mc_vsan_engine_new(mc_vsan_engine **out, const mc_vsan_config *cfg, const mc_vsan_env *env,
                       mc_store *store, char *err, size_t errlen)
{
    *out = NULL;
    if (check_config(cfg, store != NULL, err, errlen) != 0)
        return -1;
    mc_vsan_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    e->cfg = *cfg;
    memcpy(e->cluster_field, cfg->cluster, strlen(cfg->cluster));
    e->env = *env;
    e->store = store;
    uint64_t volume = cfg->blocks * cfg->block_size;
    e->nregions = (uint32_t)((volume + cfg->region_size - 1u) / cfg->region_size);
    uint32_t n = e->nregions ? e->nregions : 1u;
    bool ok = (e->reg = calloc(n, sizeof *e->reg)) && (e->copy_state = calloc(n, 1)) &&
              (e->copy_owner = calloc(n, sizeof *e->copy_owner)) && vs_bits_init(&e->dirty_self, n) == 0 &&
              vs_bits_init(&e->al, n) == 0 && vs_bits_init(&e->repair_set, n) == 0 &&
              vs_bits_init(&e->claimed, n) == 0 && vs_bits_init(&e->stale, n) == 0;
    for (uint16_t i = 1; ok && i <= MC_VSAN_ID_MAX; i++)
        ok = vs_bits_init(&e->dirty[i], n) == 0 && vs_bits_init(&e->seed[i], n) == 0;
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        mc_vsan_engine_free(e);
        return -1;
    }
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        e->peers[i].id = i;
        e->peers[i].role = cfg->roles[i];
    }
    if (vs_meta_load(e, err, errlen) < 0) {
        mc_vsan_engine_free(e);
        return -1;
    }
    uint64_t now = vs_now(e);
    e->vote_block_until = now + cfg->lease_ms;  /* a restarted voter remembers no promise (§4.1) */
    /* A restarted member may hold writes no other store has (cut short by the crash) and lacks
     * what was mirrored while it was down: it serves nothing until the view drops and readmits
     * it, with a resync of its log's regions and what it missed (§8.3). */
    if (cfg->role == MC_VSAN_ROLE_SERVER && (e->last.members & vs_bit(cfg->id)))
        e->must_rejoin = true;
    e->no_lease_since = now;
    e->next_beat = now;
    e->next_heal = now + VS_HEAL_MS;
    *out = e;
    return 0;
}

void mc_vsan_engine_free(mc_vsan_engine *e)
{
    if (!e)
        return;
    vs_sync_stop(e);
    vs_police_reset(e);
    vs_io_free_all(e);
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        vs_bits_free(&e->dirty[i]);
        vs_bits_free(&e->seed[i]);
    }
    vs_bits_free(&e->dirty_self);
    vs_bits_free(&e->al);
    vs_bits_free(&e->repair_set);
    vs_bits_free(&e->claimed);
    vs_bits_free(&e->stale);
    free(e->reg);
    free(e->copy_state);
    free(e->copy_owner);
    free(e);
}

mc_store *mc_vsan_store(mc_vsan_engine *e) { return e->store; }

/* --- links ------------------------------------------------------------------------------------- */

void mc_vsan_hello(mc_vsan_engine *e, uint16_t peer, mc_vsan_msg *m, uint8_t *history)
{
    mc_vsan_msg_init(m, MC_VSAN_T_HELLO);
    m->ref[MC_VSAN_F_HELLO_CLUSTER] = (const uint8_t *)e->cluster_field;
    mc_vsan_set(m, MC_VSAN_F_HELLO_ROLE, e->cfg.role);
    mc_vsan_set(m, MC_VSAN_F_HELLO_BLOCK_SIZE, e->cfg.block_size);
    mc_vsan_set(m, MC_VSAN_F_HELLO_REGION_SIZE, e->cfg.region_size);
    mc_vsan_set(m, MC_VSAN_F_HELLO_BLOCKS, e->cfg.blocks);
    mc_vsan_set(m, MC_VSAN_F_HELLO_LAST_TERM, e->last.term);
    mc_vsan_set(m, MC_VSAN_F_HELLO_LAST_SEQ, e->last.seq);
    mc_vsan_set(m, MC_VSAN_F_HELLO_LAST_GEN, e->last.gen);
    mc_vsan_set(m, MC_VSAN_F_HELLO_VOTED_TERM, e->voted_term);
    mc_vsan_set(m, MC_VSAN_F_HELLO_HISTORY_COUNT, e->nhist);
    for (uint32_t i = 0; i < e->nhist; i++)
        mc_vsan_elem_put(history, MC_VSAN_F_HELLO_HISTORY, i, e->hist[i]);
    m->ref[MC_VSAN_F_HELLO_HISTORY] = history;
    if (peer <= MC_VSAN_ID_MAX && vs_bits_any(&e->dirty[peer]))
        m->h.flags |= MC_VSAN_HELLO_WROTE;
    m->h.sender = e->cfg.id;
    m->h.receiver = peer;
    m->h.term = e->term;
}

static bool shares_history(const vs_hello *h, const mc_vsan_engine *e)
{
    for (uint32_t i = 0; i < h->nhist; i++)
        if (vs_hist_has(e->hist, e->nhist, h->hist[i]))
            return true;
    return false;
}

/* §8.4: both sides moved on from a common past and both wrote: split brain. When only one side
 * wrote (or neither), the other gives up its view and rejoins as a behind server. */
static void compare_histories(mc_vsan_engine *e, vs_peer *p)
{
    /* With a quorum, views are ordered by (term, seq) and every committed view holds a quorum:
     * the server with the older one is behind, whatever generations each saw. Histories decide
     * only without a quorum, where two views can grow apart. */
    if (p->role != MC_VSAN_ROLE_SERVER || e->cfg.role != MC_VSAN_ROLE_SERVER || !p->hello.nhist || !e->nhist ||
        e->cfg.quorum != MC_VSAN_QUORUM_OFF)
        return;
    uint64_t mine = e->hist[0], theirs = p->hello.hist[0];
    if (mine == theirs || vs_hist_has(e->hist, e->nhist, theirs) || vs_hist_has(p->hello.hist, p->hello.nhist, mine))
        return;
    bool we_wrote = vs_bits_any(&e->dirty[p->id]);
    if (we_wrote && p->hello.wrote && !vs_mutant(e, MC_VSAN_MUT_SPLIT_MERGE)) {
        p->split_brain = true;
        e->counters.split_brain |= vs_bit(p->id);
        vs_log(e, 0, "split brain with server %u: both wrote since generation %s; nothing is merged",
               (unsigned)p->id, shares_history(&p->hello, e) ? "they share" : "(none shared)");
        return;
    }
    bool yield = p->hello.wrote || (!we_wrote && p->id < e->cfg.id);
    if (!yield)
        return;
    vs_log(e, 1, "server %u holds the newer data: rejoining it as a behind server", (unsigned)p->id);
    e->yield_to = p->id;
    memset(&e->last, 0, sizeof e->last);
    memset(&e->prepared, 0, sizeof e->prepared);
    e->meta_dirty = true;
    vs_adopt_term(e, e->term + 1u);  /* any coordinator role we had ends */
}

void mc_vsan_on_link_up(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *hello)
{
    if (peer == 0 || peer > MC_VSAN_ID_MAX || !e->cfg.roles[peer])
        return;
    vs_peer *p = &e->peers[peer];
    vs_hello *h = &p->hello;
    memset(h, 0, sizeof *h);
    h->role = (uint8_t)mc_vsan_get(hello, MC_VSAN_F_HELLO_ROLE);
    h->wrote = (hello->h.flags & MC_VSAN_HELLO_WROTE) != 0;
    h->last.term = (uint32_t)mc_vsan_get(hello, MC_VSAN_F_HELLO_LAST_TERM);
    h->last.seq = (uint32_t)mc_vsan_get(hello, MC_VSAN_F_HELLO_LAST_SEQ);
    h->last.gen = mc_vsan_get(hello, MC_VSAN_F_HELLO_LAST_GEN);
    uint64_t n = mc_vsan_get(hello, MC_VSAN_F_HELLO_HISTORY_COUNT);
    h->nhist = (uint32_t)(n < MC_VSAN_HISTORY_MAX ? n : MC_VSAN_HISTORY_MAX);
    for (uint32_t i = 0; i < h->nhist; i++)
        h->hist[i] = mc_vsan_elem(hello, MC_VSAN_F_HELLO_HISTORY, i);
    bool same = h->role == p->role &&
                mc_vsan_get(hello, MC_VSAN_F_HELLO_BLOCK_SIZE) == e->cfg.block_size &&
                mc_vsan_get(hello, MC_VSAN_F_HELLO_REGION_SIZE) == e->cfg.region_size &&
                (h->role != MC_VSAN_ROLE_SERVER || e->cfg.role != MC_VSAN_ROLE_SERVER ||
                 mc_vsan_get(hello, MC_VSAN_F_HELLO_BLOCKS) == e->cfg.blocks);
    if (!same) {
        vs_log(e, 0, "server %u is configured differently (role, block, region or store size): link kept down",
               (unsigned)peer);
        return;
    }
    h->known = true;
    p->up = true;
    p->split_brain = false;
    compare_histories(e, p);
    if (hello->h.term > e->term && !p->split_brain)
        vs_adopt_term(e, hello->h.term);
    e->next_beat = vs_now(e);  /* say who we are to it without waiting a beat */
}

static void expire_peer_reqs(mc_vsan_engine *e, uint16_t peer);

void mc_vsan_on_link_down(mc_vsan_engine *e, uint16_t peer)
{
    if (peer == 0 || peer > MC_VSAN_ID_MAX)
        return;
    e->peers[peer].up = false;
    e->peers[peer].split_brain = false;
    e->peers[peer].hello.known = false;
    e->peers[peer].claimed = false;
    if (e->yield_to == peer)
        e->yield_to = 0;
    expire_peer_reqs(e, peer);
    vs_io_deliver(e);
}

/* --- messages ---------------------------------------------------------------------------------- */

static void on_request(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    if (m->h.term < e->term) {
        vs_answer_status(e, peer, m, MC_VSAN_T_ERROR, MC_VSAN_ST_STALE_TERM);
        return;
    }
    switch (m->h.type) {
    case MC_VSAN_T_LEASE:
    case MC_VSAN_T_VOTE:
    case MC_VSAN_T_VIEW:
    case MC_VSAN_T_RECONCILE:
    case MC_VSAN_T_SUSPECT:
        vs_quorum_on_message(e, peer, m);
        break;
    case MC_VSAN_T_GRANT:
        vs_police_request(e, peer, m->h.tag, (uint32_t)mc_vsan_get(m, MC_VSAN_F_RANGE_FIRST),
                          (uint32_t)mc_vsan_get(m, MC_VSAN_F_RANGE_COUNT));
        break;
    case MC_VSAN_T_REVOKE:
        vs_police_on_revoke(e, peer, m);
        break;
    case MC_VSAN_T_RELEASE:
        vs_police_release(e, peer, (uint32_t)mc_vsan_get(m, MC_VSAN_F_RELEASE_FIRST),
                          (uint32_t)mc_vsan_get(m, MC_VSAN_F_RELEASE_COUNT));
        vs_answer_status(e, peer, m, MC_VSAN_T_OK, MC_VSAN_ST_OK);
        break;
    case MC_VSAN_T_WRITE:
        vs_on_write(e, peer, m);
        break;
    case MC_VSAN_T_READ:
        vs_on_read(e, peer, m);
        break;
    case MC_VSAN_T_COMMIT:
        vs_on_commit(e, peer, m);
        break;
    default:
        vs_answer_status(e, peer, m, MC_VSAN_T_ERROR, MC_VSAN_ST_UNKNOWN_TYPE);
        break;
    }
}

static void on_answer(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    vs_req *r = vs_req_of(e, m->h.tag);
    const mc_vsan_type_desc *want = r ? mc_vsan_type_info(req_type[r->kind]) : NULL;
    if (!r || r->peer != peer || !want || (m->h.type != want->answer && m->h.type != MC_VSAN_T_ERROR)) {
        /* A grant whose request we stopped waiting for is still ours (§6.1): keep it. */
        if (m->h.type == MC_VSAN_T_GRANT_OK && peer == e->coordinator)
            vs_police_on_grant(e, m);
        else
            e->counters.answers_unmatched++;
        return;
    }
    switch (r->kind) {
    case REQ_GRANT:
        if (m->h.type == MC_VSAN_T_GRANT_OK)
            vs_police_on_grant(e, m);
        else
            vs_police_grant_failed(e, r->region, (uint32_t)r->offset);
        break;
    case REQ_WRITE:
    case REQ_READ:
        vs_io_on_answer(e, r, m);
        break;
    case REQ_REVOKE:
        vs_police_revoke_done(e, r, m);
        break;
    case REQ_RELEASE:
    case REQ_COMMIT:
    case REQ_VIEW_DONE:
    case REQ_SUSPECT:
        break;
    default:
        vs_quorum_on_answer(e, r, m);
        break;
    }
    vs_req_done(e, r);
}

static void after_event(mc_vsan_engine *e)
{
    if (e->kick_pending) {
        e->kick_pending = false;
        vs_io_kick(e);
    }
    if (e->done_pending)
        vs_io_deliver(e);
    if (e->meta_dirty)
        vs_meta_save(e);
}

void mc_vsan_on_message(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    if (peer == 0 || peer > MC_VSAN_ID_MAX || !e->peers[peer].up || e->peers[peer].split_brain)
        return;
    const mc_vsan_type_desc *t = mc_vsan_type_info(m->h.type);
    if (!t)
        return;
    /* A higher term is ours too, but a candidate's VOTE is not enough: a voter that refuses it
     * keeps its term, so a server cut off from the coordinator cannot depose it by asking. */
    if (m->h.term > e->term && m->h.type != MC_VSAN_T_VOTE)
        vs_adopt_term(e, m->h.term);
    if (t->dir == MC_VSAN_REQUEST)
        on_request(e, peer, m);
    else
        on_answer(e, peer, m);
    after_event(e);
}

/* --- timers ------------------------------------------------------------------------------------- */

static void timed_out(mc_vsan_engine *e, vs_req *r)
{
    switch (r->kind) {
    case REQ_WRITE:
    case REQ_READ:
        vs_io_on_timeout(e, r);
        break;
    case REQ_GRANT:
        vs_police_grant_failed(e, r->region, (uint32_t)r->offset);
        break;
    case REQ_REVOKE:
        vs_police_revoke_done(e, r, NULL);
        break;
    default:
        vs_quorum_on_timeout(e, r);
        break;
    }
    vs_req_done(e, r);
}

static void expire_peer_reqs(mc_vsan_engine *e, uint16_t peer)
{
    for (uint32_t i = 0; i < VS_MAX_REQS; i++)
        if (e->reqs[i].kind != REQ_FREE && e->reqs[i].peer == peer)
            timed_out(e, &e->reqs[i]);
}

void mc_vsan_tick(mc_vsan_engine *e)
{
    uint64_t now = vs_now(e);
    if (now >= e->next_expiry) {
        e->next_expiry = now + VS_BEAT_MS;
        for (uint32_t i = 0; i < VS_MAX_REQS; i++)
            if (e->reqs[i].kind != REQ_FREE && now >= e->reqs[i].deadline_ms)
                timed_out(e, &e->reqs[i]);
        e->kick_pending = true;  /* waiting I/Os look at their patience */
        if (e->coordinating && e->grants)
            vs_police_kick(e);   /* a REVOKE that could not be sent is sent again */
    }
    if (e->commit_pending)
        vs_send_commits(e);
    vs_quorum_tick(e, now);
    vs_sync_tick(e, now);
    vs_al_trim(e, now);
    after_event(e);
}

uint64_t mc_vsan_next_deadline(const mc_vsan_engine *e)
{
    if (e->done_pending || e->kick_pending || e->commit_pending)
        return vs_now(e);
    uint64_t d = e->next_beat < e->next_expiry ? e->next_beat : e->next_expiry;
    if ((vs_bits_any(&e->dirty_self) || vs_bits_any(&e->stale)) && e->next_heal < d)
        d = e->next_heal;
    return d;
}

void mc_vsan_get_info(const mc_vsan_engine *e, mc_vsan_info *st)
{
    *st = e->counters;
    st->id = e->cfg.id;
    st->coordinator = e->coordinating ? e->cfg.id : e->coordinator;
    if (e->cfg.role == MC_VSAN_ROLE_WITNESS)
        st->role = "witness";
    else if (e->coordinating)
        st->role = "coordinator";
    else if (!vs_is_member(e, e->cfg.id))
        st->role = "outside";
    else
        st->role = vs_is_full(e, e->cfg.id) ? "member" : "syncing";
    st->term = e->term;
    st->view_seq = e->last.seq;
    st->gen = e->last.gen;
    st->members = e->last.members;
    st->syncing = e->last.syncing;
    st->quorum = e->coordinating || (e->coordinator && vs_serving(e));
    st->lease = vs_serving(e);
    st->rejoining = e->must_rejoin;
    st->suspected = 0;
    for (uint16_t i = 1; e->coordinating && i <= MC_VSAN_ID_MAX; i++)
        if (e->peers[i].suspected)
            st->suspected |= vs_bit(i);
    st->store_ok = !vs_bits_any(&e->dirty_self) && !vs_bits_any(&e->stale);
    st->dirty_self = vs_bits_count(&e->dirty_self) + vs_bits_count(&e->stale);
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        st->dirty[i] = vs_bits_count(&e->dirty[i]);
    uint32_t sb = 0;
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if (e->peers[i].split_brain)
            sb |= vs_bit(i);
    st->split_brain = sb | e->counters.split_brain;
}

void mc_vsan_dump(const mc_vsan_engine *e, FILE *out)
{
    fprintf(out, "server %u term %u view %u.%u members 0x%x syncing 0x%x prepared %u.%u members 0x%x syncing 0x%x "
                 "voted %u for %u coordinating %d pending-view %d reconciling %d ios %zu unconf %u\n",
            (unsigned)e->cfg.id, (unsigned)e->term, (unsigned)e->last.term, (unsigned)e->last.seq,
            (unsigned)e->last.members, (unsigned)e->last.syncing, (unsigned)e->prepared.term,
            (unsigned)e->prepared.seq, (unsigned)e->prepared.members, (unsigned)e->prepared.syncing,
            (unsigned)e->voted_term, (unsigned)e->voted_for, e->coordinating, e->view_pending, e->reconciling,
            e->nios, (unsigned)e->nunconf);
    for (uint16_t i = 0; i <= MC_VSAN_ID_MAX; i++) {
        const vs_job *j = e->jobs[i];
        if (j)
            fprintf(out, "  job %u: kind %d todo %u active %u retry_at %llu\n", (unsigned)i, (int)j->kind,
                    (unsigned)vs_bits_count(&j->todo), (unsigned)j->active, (unsigned long long)j->retry_at);
    }
    for (uint32_t r = 0; r < e->nregions; r++) {
        const vs_region *g = &e->reg[r];
        if (g->holder || g->held_epoch || g->inflight || g->unconf_writer || g->cut || e->copy_state[r] || g->asked ||
            vs_bits_get(&e->stale, r) || vs_bits_get(&e->dirty_self, r))
            fprintf(out, "  region %u: holder %u revoke_sent %d held %llx revoke_asked %d asked %d inflight %u "
                         "unconf %u cut %d copy %u stale %d suspect %d\n",
                    (unsigned)r, (unsigned)g->holder, g->revoke_sent, (unsigned long long)g->held_epoch,
                    g->revoke_asked, g->asked, (unsigned)g->inflight, (unsigned)g->unconf_writer, g->cut,
                    (unsigned)e->copy_state[r], vs_bits_get(&e->stale, r), vs_bits_get(&e->dirty_self, r));
    }
    for (const vs_io *io = e->ios; io; io = io->next)
        fprintf(out, "  io %s %llu+%zu state %d waiting 0x%x sync %d raw %d job %p\n", io->write ? "write" : "read",
                (unsigned long long)io->off, io->len, (int)io->state, (unsigned)io->waiting, io->sync, io->raw,
                (void *)io->job);
}
