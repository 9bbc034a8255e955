/* The policing protocol (docs/vsan-link.md §6, claims 004:7, 16, 17, 25-27): write priority per
 * region, granted by the coordinator in arrival order, held by a writer until asked back, and an
 * epoch in every grant that every store uses to refuse older writers (§6.2). */
#include <stdlib.h>

#include "engine_int.h"

#define POLICE_WAIT_MAX VS_MAX_REQS   /* queued GRANT requests at the coordinator */

static uint32_t last_of(uint32_t first, uint32_t count) { return first + count - 1u; }
static void settle_queue(mc_vsan_engine *e);
static void settle_once(mc_vsan_engine *e);

/* --- the coordinator's table ---------------------------------------------------------------- */

static void answer_grant(mc_vsan_engine *e, const vs_grant_wait *w, uint32_t status, uint64_t epoch)
{
    if (w->peer == e->cfg.id) {
        mc_vsan_msg m;
        mc_vsan_msg_init(&m, MC_VSAN_T_GRANT_OK);
        mc_vsan_set(&m, MC_VSAN_F_GRANT_OK_STATUS, status);
        mc_vsan_set(&m, MC_VSAN_F_GRANT_OK_EPOCH, epoch);
        mc_vsan_set(&m, MC_VSAN_F_GRANT_OK_FIRST, w->first);
        mc_vsan_set(&m, MC_VSAN_F_GRANT_OK_COUNT, w->count);
        vs_police_on_grant(e, &m);
        return;
    }
    mc_vsan_msg a, req;
    mc_vsan_msg_init(&req, MC_VSAN_T_GRANT);
    req.h.tag = w->tag;
    req.h.sender = w->peer;
    mc_vsan_msg_init(&a, MC_VSAN_T_GRANT_OK);
    mc_vsan_set(&a, MC_VSAN_F_GRANT_OK_STATUS, status);
    mc_vsan_set(&a, MC_VSAN_F_GRANT_OK_EPOCH, epoch);
    mc_vsan_set(&a, MC_VSAN_F_GRANT_OK_FIRST, w->first);
    mc_vsan_set(&a, MC_VSAN_F_GRANT_OK_COUNT, w->count);
    vs_answer(e, w->peer, &req, MC_VSAN_T_GRANT_OK, &a);
}

void vs_police_revoke(mc_vsan_engine *e, uint16_t holder, uint32_t first, uint32_t last)
{
    if (holder == e->cfg.id) {
        for (uint32_t r = first; r <= last; r++)
            if (e->reg[r].held_epoch)
                e->reg[r].revoke_asked = true;
        vs_police_settle(e);
        return;
    }
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_REVOKE);
    mc_vsan_set(&m, MC_VSAN_F_RANGE_FIRST, first);
    mc_vsan_set(&m, MC_VSAN_F_RANGE_COUNT, last - first + 1u);
    vs_req *q = vs_request(e, holder, REQ_REVOKE, &m, VS_WRITE_MS);
    if (q) {
        q->region = first;
        q->offset = last - first + 1u;
        q->epoch = e->next_epoch;  /* grants made after it are not what it asks back */
        return;
    }
    for (uint32_t r = first; r <= last; r++)
        e->reg[r].revoke_sent = false;  /* asked again at the next beat */
}

/* The REVOKE's answer, or none (answer NULL: lost, or its connection dropped). NOT_HELD frees
 * the regions still held by that server under a grant older than the REVOKE (§6.1); no answer
 * lets the next beat ask again. */
void vs_police_revoke_done(mc_vsan_engine *e, const vs_req *q, const mc_vsan_msg *answer)
{
    if (!e->coordinating || q->term != e->term || q->offset == 0 || q->region >= e->nregions ||
        q->offset > e->nregions - q->region)
        return;
    bool not_held = answer && mc_vsan_get(answer, MC_VSAN_F_STATUS) == MC_VSAN_ST_NOT_HELD;
    if (answer && !not_held)
        return;
    for (uint32_t r = q->region; r < q->region + (uint32_t)q->offset; r++) {
        vs_region *g = &e->reg[r];
        if (g->holder != q->peer || (g->grant_epoch & UINT32_MAX) > q->epoch)
            continue;
        g->revoke_sent = false;
        if (not_held)
            g->holder = 0;
    }
    if (not_held)
        vs_log(e, 2, "regions %u-%u: server %u holds none of them", (unsigned)q->region,
               (unsigned)(q->region + q->offset - 1u), (unsigned)q->peer);
    settle_queue(e);
}

/* Grants every queued request it can, in arrival order per region: a request waits while any
 * of its regions is held by another server, being copied (§8.3), or wanted by an earlier request;
 * holders of what it needs are asked to give it back, once. */

/* A release during settling (our own regions, given back at once) asks for another pass rather
 * than nesting one that would free what the outer pass holds. */
static void settle_queue(mc_vsan_engine *e)
{
    if (!e->coordinating || e->reconciling)
        return;
    if (e->settling) {
        e->resettle = true;
        return;
    }
    e->settling = true;
    do {
        e->resettle = false;
        settle_once(e);
    } while (e->resettle);
    e->settling = false;
}

static void settle_once(mc_vsan_engine *e)
{
    vs_bits_zero(&e->claimed);
    vs_grant_wait **pp = &e->grants;
    while (*pp) {
        vs_grant_wait *w = *pp;
        uint32_t last = last_of(w->first, w->count);
        bool ok = true;
        for (uint32_t r = w->first; r <= last; r++) {
            vs_region *g = &e->reg[r];
            bool other = g->holder && g->holder != w->peer;
            if (other || vs_bits_get(&e->claimed, r) || vs_sync_busy(e, r))
                ok = false;
            if (other && !g->revoke_sent) {
                uint32_t end = r;
                while (end < last && e->reg[end + 1u].holder == g->holder && !e->reg[end + 1u].revoke_sent)
                    end++;
                for (uint32_t k = r; k <= end; k++)
                    e->reg[k].revoke_sent = true;
                vs_log(e, 3, "regions %u-%u asked back from server %u for server %u", (unsigned)r, (unsigned)end,
                       (unsigned)g->holder, (unsigned)w->peer);
                vs_police_revoke(e, g->holder, r, end);
            }
        }
        if (!ok) {
            for (uint32_t r = w->first; r <= last; r++)
                vs_bits_set(&e->claimed, r);
            pp = &w->next;
            continue;
        }
        /* One epoch per grant: (term << 32) | n, n counting the term's grants (§6.1). */
        uint64_t epoch = ((uint64_t)e->term << 32) | ++e->next_epoch;
        for (uint32_t r = w->first; r <= last; r++) {
            e->reg[r].holder = w->peer;
            e->reg[r].grant_epoch = epoch;
            e->reg[r].revoke_sent = false;
        }
        *pp = w->next;
        e->ngrants--;
        vs_log(e, 3, "regions %u-%u granted to server %u (epoch %u.%u)", (unsigned)w->first, (unsigned)last,
               (unsigned)w->peer, (unsigned)(epoch >> 32), (unsigned)(uint32_t)epoch);
        answer_grant(e, w, MC_VSAN_ST_OK, epoch);
        free(w);
    }
}

void vs_police_request(mc_vsan_engine *e, uint16_t peer, uint32_t tag, uint32_t first, uint32_t count)
{
    vs_grant_wait probe = {.peer = peer, .tag = tag, .first = first, .count = count};
    if (!e->coordinating) {
        answer_grant(e, &probe, MC_VSAN_ST_NOT_COORDINATOR, 0);
        return;
    }
    if (count == 0 || first >= e->nregions || count > e->nregions - first) {
        answer_grant(e, &probe, MC_VSAN_ST_OUT_OF_RANGE, 0);
        return;
    }
    if (peer != e->cfg.id && !vs_is_member(e, peer)) {
        answer_grant(e, &probe, MC_VSAN_ST_NOT_MEMBER, 0);
        return;
    }
    /* It asks for what it already holds: our answer, or its RELEASE, was lost with a connection.
     * Nobody else can have those regions, so it gets them again at once, not behind others. */
    bool holds_all = peer != e->cfg.id;
    for (uint32_t r = first; holds_all && r < first + count; r++)
        holds_all = e->reg[r].holder == peer;
    if (holds_all) {
        uint64_t epoch = ((uint64_t)e->term << 32) | ++e->next_epoch;
        for (uint32_t r = first; r < first + count; r++)
            e->reg[r].grant_epoch = epoch;
        vs_log(e, 3, "regions %u-%u granted again to server %u, their holder (epoch %u.%u)", (unsigned)first,
               (unsigned)(first + count - 1u), (unsigned)peer, (unsigned)(epoch >> 32), (unsigned)(uint32_t)epoch);
        answer_grant(e, &probe, MC_VSAN_ST_OK, epoch);
        return;
    }
    vs_grant_wait *w = e->ngrants < POLICE_WAIT_MAX ? malloc(sizeof *w) : NULL;
    if (!w) {
        answer_grant(e, &probe, MC_VSAN_ST_BUSY, 0);
        return;
    }
    *w = probe;
    w->next = NULL;
    vs_grant_wait **pp = &e->grants;
    while (*pp)
        pp = &(*pp)->next;
    *pp = w;
    e->ngrants++;
    settle_queue(e);
}

void vs_police_release(mc_vsan_engine *e, uint16_t peer, uint32_t first, uint32_t count)
{
    if (!e->coordinating || first >= e->nregions || count > e->nregions - first)
        return;
    vs_log(e, 3, "regions %u-%u released by server %u", (unsigned)first, (unsigned)(first + count - 1u), (unsigned)peer);
    for (uint32_t r = first; count && r <= last_of(first, count); r++)
        if (e->reg[r].holder == peer) {
            e->reg[r].holder = 0;
            e->reg[r].revoke_sent = false;
        }
    settle_queue(e);
}

/* Every region a removed server held (it may have written part of them: they are repaired). */
void vs_police_drop_holder(mc_vsan_engine *e, uint16_t peer, vs_bits *held_out)
{
    for (uint32_t r = 0; r < e->nregions; r++)
        if (e->reg[r].holder == peer) {
            e->reg[r].holder = 0;
            e->reg[r].revoke_sent = false;
            if (held_out)
                vs_bits_set(held_out, r);
        }
    for (vs_grant_wait **pp = &e->grants; *pp;) {
        vs_grant_wait *w = *pp;
        if (w->peer != peer) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        e->ngrants--;
        free(w);
    }
}

void vs_police_reset(mc_vsan_engine *e)
{
    for (uint32_t r = 0; r < e->nregions; r++) {
        e->reg[r].holder = 0;
        e->reg[r].revoke_sent = false;
    }
    while (e->grants) {
        vs_grant_wait *w = e->grants;
        e->grants = w->next;
        free(w);
    }
    e->ngrants = 0;
    e->next_epoch = 0;
}

void vs_police_kick(mc_vsan_engine *e) { settle_queue(e); }

/* --- a writer's side ------------------------------------------------------------------------- */

bool vs_holds(const mc_vsan_engine *e, uint32_t first, uint32_t last)
{
    for (uint32_t r = first; r <= last; r++)
        if (!e->reg[r].held_epoch || e->reg[r].revoke_asked)
            return false;
    return true;
}

/* Asks for the whole range at once (so two writers never each hold part of what the other
 * needs), unless a request covering what is missing is already out. Regions asked back are
 * given back first and asked for after: the coordinator sees the RELEASE before the GRANT (one
 * connection), so a GRANT for what it has granted to the asker means an answer was lost. */
void vs_police_need(mc_vsan_engine *e, uint32_t first, uint32_t last)
{
    bool missing = false;
    for (uint32_t r = first; r <= last; r++) {
        if (e->reg[r].held_epoch && e->reg[r].revoke_asked)
            return;  /* asked again once given back (release_run kicks the waiting writes) */
        if (!e->reg[r].held_epoch && !e->reg[r].asked)
            missing = true;
    }
    if (!missing)
        return;
    for (uint32_t r = first; r <= last; r++)
        e->reg[r].asked = true;
    uint32_t count = last - first + 1u;
    if (e->coordinating) {
        vs_police_request(e, e->cfg.id, 0, first, count);
        return;
    }
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_GRANT);
    mc_vsan_set(&m, MC_VSAN_F_RANGE_FIRST, first);
    mc_vsan_set(&m, MC_VSAN_F_RANGE_COUNT, count);
    /* A grant may wait behind others: its answer is awaited as long as a client is (§6.1). */
    vs_log(e, 3, "regions %u-%u asked for", (unsigned)first, (unsigned)last);
    vs_req *q = e->coordinator ? vs_request(e, e->coordinator, REQ_GRANT, &m, 2u * e->cfg.lease_ms + VS_WRITE_MS) : NULL;
    if (q) {
        q->region = first;
        q->offset = count;
        return;
    }
    vs_police_grant_failed(e, first, count);  /* asked again at the next kick */
}

void vs_police_grant_failed(mc_vsan_engine *e, uint32_t first, uint32_t count)
{
    if (count == 0 || first >= e->nregions || count > e->nregions - first)
        return;
    for (uint32_t r = first; r <= last_of(first, count); r++) {
        e->reg[r].asked = false;
        e->reg[r].revoke_early = false;
    }
}

void vs_police_on_grant(mc_vsan_engine *e, const mc_vsan_msg *m)
{
    uint32_t first = (uint32_t)mc_vsan_get(m, MC_VSAN_F_GRANT_OK_FIRST);
    uint32_t count = (uint32_t)mc_vsan_get(m, MC_VSAN_F_GRANT_OK_COUNT);
    uint32_t status = (uint32_t)mc_vsan_get(m, MC_VSAN_F_GRANT_OK_STATUS);
    uint64_t epoch = mc_vsan_get(m, MC_VSAN_F_GRANT_OK_EPOCH);
    if (count == 0 || first >= e->nregions || count > e->nregions - first)
        return;
    bool ok = status == MC_VSAN_ST_OK && (epoch >> 32) == e->term, early = false;
    for (uint32_t r = first; r <= last_of(first, count); r++) {
        e->reg[r].asked = false;
        if (ok) {
            e->reg[r].held_epoch = epoch;
            e->reg[r].revoke_asked = false;
        }
        early |= e->reg[r].revoke_early;
    }
    if (ok && epoch > e->max_epoch)
        e->max_epoch = epoch;
    vs_io_kick(e);
    if (!early)
        return;
    /* The REVOKE overtook this answer: the writes that waited for it have started; the regions
     * go back as soon as they finish. */
    for (uint32_t r = first; r <= last_of(first, count); r++) {
        if (e->reg[r].revoke_early && e->reg[r].held_epoch)
            e->reg[r].revoke_asked = true;
        e->reg[r].revoke_early = false;
    }
    vs_police_settle(e);
}

void vs_police_on_revoke(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    uint32_t first = (uint32_t)mc_vsan_get(m, MC_VSAN_F_RANGE_FIRST);
    uint32_t count = (uint32_t)mc_vsan_get(m, MC_VSAN_F_RANGE_COUNT);
    uint32_t st = MC_VSAN_ST_OK;
    bool any = false;
    if (count == 0 || first >= e->nregions || count > e->nregions - first)
        st = MC_VSAN_ST_OUT_OF_RANGE;
    else
        for (uint32_t r = first; r <= last_of(first, count); r++) {
            if (e->reg[r].held_epoch)
                e->reg[r].revoke_asked = true;
            else if (e->reg[r].asked)
                e->reg[r].revoke_early = true;  /* a REVOKE travels on another connection than our grant */
            any |= e->reg[r].held_epoch || e->reg[r].asked;
        }
    if (st == MC_VSAN_ST_OK && !any)
        st = MC_VSAN_ST_NOT_HELD;  /* its grant or our RELEASE was lost: nothing to give back */
    vs_log(e, 3, "regions %u-%u asked back (status %u)", (unsigned)first, (unsigned)(first + count - 1u), (unsigned)st);
    vs_answer_status(e, peer, m, MC_VSAN_T_OK, st);
    vs_police_settle(e);
}

static void release_run(mc_vsan_engine *e, uint32_t first, uint32_t last, uint64_t epoch)
{
    for (uint32_t r = first; r <= last; r++) {
        e->reg[r].held_epoch = 0;
        e->reg[r].revoke_asked = false;
    }
    e->kick_pending = true;  /* writes waiting for these regions ask for them again */
    if (e->coordinating) {
        vs_police_release(e, e->cfg.id, first, last - first + 1u);
        return;
    }
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_RELEASE);
    mc_vsan_set(&m, MC_VSAN_F_RELEASE_EPOCH, epoch);
    mc_vsan_set(&m, MC_VSAN_F_RELEASE_FIRST, first);
    mc_vsan_set(&m, MC_VSAN_F_RELEASE_COUNT, last - first + 1u);
    if (e->coordinator)
        vs_request(e, e->coordinator, REQ_RELEASE, &m, VS_WRITE_MS);
}

/* Gives back every region asked for that no write of ours is using any more, in runs. */
void vs_police_settle(mc_vsan_engine *e)
{
    uint32_t r = 0;
    while (r < e->nregions) {
        const vs_region *g = &e->reg[r];
        if (!(g->held_epoch && g->revoke_asked && g->inflight == 0)) {
            r++;
            continue;
        }
        uint32_t end = r;
        uint64_t epoch = g->held_epoch;
        while (end + 1u < e->nregions && e->reg[end + 1u].held_epoch && e->reg[end + 1u].revoke_asked &&
               e->reg[end + 1u].inflight == 0) {
            end++;
            if (e->reg[end].held_epoch > epoch)
                epoch = e->reg[end].held_epoch;
        }
        release_run(e, r, end, epoch);
        r = end + 1u;
    }
}

void vs_police_forget(mc_vsan_engine *e)
{
    for (uint32_t r = 0; r < e->nregions; r++) {
        e->reg[r].held_epoch = 0;
        e->reg[r].revoke_asked = false;
        e->reg[r].asked = false;
        e->reg[r].revoke_early = false;
    }
    e->max_epoch = 0;
}
