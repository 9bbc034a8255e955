/* Terms, votes, leases and views (docs/vsan-link.md §4-§5). One coordinator per term decides the
 * view; voters persist what they promise before they answer; a process serves client I/O only
 * under a valid lease. */
#include <string.h>

#include "engine_int.h"

/* --- quorum arithmetic ------------------------------------------------------------------- */

static uint32_t voters_all(const mc_vsan_engine *e)
{
    uint32_t m = 0;
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if (e->cfg.roles[i])
            m |= vs_bit(i);
    return m;
}

static uint16_t lowest_server(const mc_vsan_engine *e)
{
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if (e->cfg.roles[i] == MC_VSAN_ROLE_SERVER)
            return i;
    return 0;
}

bool vs_quorum(const mc_vsan_engine *e, uint32_t voters)
{
    if (e->cfg.quorum == MC_VSAN_QUORUM_OFF || vs_mutant(e, MC_VSAN_MUT_NO_QUORUM))
        return (voters & vs_bit(e->cfg.id)) != 0;
    unsigned all = (unsigned)__builtin_popcount(voters_all(e));
    unsigned have = (unsigned)__builtin_popcount(voters & voters_all(e));
    if (2u * have > all)
        return true;
    /* Exactly half: the half holding the lowest configured server (GlusterFS's auto). */
    return 2u * have == all && (voters & vs_bit(lowest_server(e))) != 0;
}

static uint64_t lease_span(const mc_vsan_engine *e)
{
    return (uint64_t)e->cfg.lease_ms * (1000u - VS_DRIFT_PERMILLE) / 1000u;
}

static bool view_newer(uint32_t t1, uint32_t s1, uint32_t t2, uint32_t s2)
{
    return t1 > t2 || (t1 == t2 && s1 > s2);
}

/* The newest view we know of, committed or only proposed: what elections compare (§4.1). */
static const vs_view *known(const mc_vsan_engine *e)
{
    return view_newer(e->prepared.term, e->prepared.seq, e->last.term, e->last.seq) ? &e->prepared : &e->last;
}

/* --- terms -------------------------------------------------------------------------------- */

static void step_down(mc_vsan_engine *e, const char *why)
{
    if (e->coordinating)
        vs_log(e, 1, "term %u: no longer coordinator (%s)", (unsigned)e->term, why);
    e->coordinating = false;
    e->reconciling = false;
    e->view_pending = false;
    e->candidate = false;
    e->lease_until = 0;
    e->no_lease_since = vs_now(e);
    vs_sync_stop(e);
    vs_police_reset(e);
    vs_police_forget(e);
    vs_io_interrupt(e);
    if (e->commit_hold)
        e->must_rejoin = true;  /* its repair is the next coordinator's, after it drops us */
}

void vs_adopt_term(mc_vsan_engine *e, uint32_t term)
{
    if (term <= e->term)
        return;
    e->term = term;
    e->meta_dirty = true;
    e->coordinator = 0;
    step_down(e, "a higher term");
    vs_meta_save(e);
}

/* --- views -------------------------------------------------------------------------------- */

static void send_view(mc_vsan_engine *e, uint16_t peer, const vs_view *v, bool committed)
{
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_VIEW);
    m.h.flags = committed ? MC_VSAN_VIEW_COMMITTED : 0;
    mc_vsan_set(&m, MC_VSAN_F_VIEW_TERM, v->term);
    mc_vsan_set(&m, MC_VSAN_F_VIEW_SEQ, v->seq);
    mc_vsan_set(&m, MC_VSAN_F_VIEW_GEN, v->gen);
    mc_vsan_set(&m, MC_VSAN_F_VIEW_MEMBERS, v->members);
    mc_vsan_set(&m, MC_VSAN_F_VIEW_SYNCING, v->syncing);
    vs_req *r = vs_request(e, peer, committed ? REQ_VIEW_DONE : REQ_VIEW, &m, VS_WRITE_MS);
    if (r)
        r->region = v->seq;  /* which proposal an answer acknowledges */
}

/* The view becomes ours: a committed view, ours as coordinator or sent by the coordinator. */
void vs_view_adopt(mc_vsan_engine *e, const vs_view *v)
{
    uint32_t gone = e->last.members & ~v->members;
    e->last = *v;
    e->meta_dirty = true;
    bool full = (v->members & vs_bit(e->cfg.id)) && !(v->syncing & vs_bit(e->cfg.id));
    if (full)
        vs_hist_push(e, v->gen);
    /* A server that just became a full member: nothing is dirty for it any more. */
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if ((v->members & vs_bit(i)) && !(v->syncing & vs_bit(i)) && e->dirty[i].b)
            vs_bits_zero(&e->dirty[i]);
    if (!(v->members & vs_bit(e->cfg.id))) {
        e->must_rejoin = false;  /* dropped: the next admission reconciles us */
        e->hold_dropped = e->commit_hold != 0;
    } else if (full && e->hold_dropped) {
        vs_commit_release(e);  /* readmitted: what we cut short was repaired on the way */
    }
    if (!(v->members & vs_bit(e->cfg.id)) && e->cfg.role == MC_VSAN_ROLE_SERVER) {
        e->lease_until = 0;
        vs_io_interrupt(e);
    }
    vs_meta_save(e);
    if (gone)
        vs_log(e, 1, "view %u.%u: members 0x%x (left: 0x%x)", (unsigned)v->term, (unsigned)v->seq,
               (unsigned)v->members, (unsigned)gone);
    vs_io_view_changed(e);
}

static void view_acked(mc_vsan_engine *e, uint16_t peer);

/* Coordinator, once a view is committed: joining servers start their resync, regions that may
 * differ are repaired (§8.3). */
static void committed(mc_vsan_engine *e, const vs_view *v)
{
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if ((v->syncing & vs_bit(i)) && e->peers[i].joining) {
            e->peers[i].joining = false;
            vs_peer_joined(e, i);
        }
    if (vs_bits_any(&e->repair_set)) {
        vs_sync_start_repair(e, &e->repair_set);
        vs_bits_zero(&e->repair_set);
    }
}

/* Coordinator: propose v to every voter; it takes effect once a quorum persisted it. */
void vs_view_commit(mc_vsan_engine *e, const vs_view *v)
{
    e->pending = *v;
    e->view_pending = true;
    e->view_acks = vs_bit(e->cfg.id);
    /* Persisted by us first, as any voter does before it answers. */
    e->prepared = *v;
    e->meta_dirty = true;
    if (vs_meta_save(e) != 0) {
        e->view_pending = false;
        return;
    }
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if (i != e->cfg.id && e->cfg.roles[i] && e->peers[i].up && !e->peers[i].split_brain)
            send_view(e, i, v, false);
    if (vs_quorum(e, e->view_acks))  /* alone is a quorum (quorum off) */
        view_acked(e, e->cfg.id);
}

static void view_acked(mc_vsan_engine *e, uint16_t peer)
{
    if (!e->view_pending)
        return;
    e->view_acks |= vs_bit(peer);
    if (!vs_quorum(e, e->view_acks))
        return;
    e->view_pending = false;
    vs_view v = e->pending;
    vs_view_adopt(e, &v);
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if (i != e->cfg.id && e->cfg.roles[i] && e->peers[i].up && !e->peers[i].split_brain)
            send_view(e, i, &v, true);
    committed(e, &v);
}

static uint64_t new_gen(mc_vsan_engine *e)
{
    uint64_t g;
    do
        g = e->env.rand64(e->env.ctx);
    while (g == 0);
    return g;
}

static vs_view next_view(mc_vsan_engine *e, uint32_t members, uint32_t syncing)
{
    vs_view v = {.term = e->term, .seq = e->last.term == e->term ? e->last.seq + 1u : 1u,
                 .gen = new_gen(e), .members = members, .syncing = syncing & members};
    return v;
}

/* --- leases ------------------------------------------------------------------------------- */

static void send_lease(mc_vsan_engine *e, uint16_t peer, uint32_t purpose)
{
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_LEASE);
    mc_vsan_set(&m, MC_VSAN_F_LEASE_PURPOSE, purpose);
    mc_vsan_set(&m, MC_VSAN_F_LEASE_VIEW_TERM, e->last.term);
    mc_vsan_set(&m, MC_VSAN_F_LEASE_VIEW_SEQ, e->last.seq);
    vs_request(e, peer, purpose == MC_VSAN_PURPOSE_MEMBER ? REQ_LEASE_MEMBER : REQ_LEASE_AUTH, &m,
               e->cfg.lease_ms);
}

/* Coordinator: authority lasts until the latest send time a quorum of voters answered, plus
 * the lease less the drift margin (§4.2). */
static void authority_update(mc_vsan_engine *e, uint64_t now)
{
    uint64_t best = 0;
    for (uint16_t c = 0; c <= MC_VSAN_ID_MAX; c++) {
        uint64_t t = c == 0 ? now : e->peers[c].auth_ok_sent_ms;
        if (c != 0 && (!e->cfg.roles[c] || c == e->cfg.id || t == 0))
            continue;
        uint32_t set = vs_bit(e->cfg.id);
        for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
            if (i != e->cfg.id && e->cfg.roles[i] && e->peers[i].auth_ok_sent_ms >= t &&
                e->peers[i].auth_ok_sent_ms != 0)
                set |= vs_bit(i);
        if (vs_quorum(e, set) && t > best)
            best = t;
    }
    e->lease_until = best ? best + lease_span(e) : 0;
}

static void on_lease(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    uint64_t now = vs_now(e);
    uint32_t purpose = (uint32_t)mc_vsan_get(m, MC_VSAN_F_LEASE_PURPOSE);
    mc_vsan_msg a;
    mc_vsan_msg_init(&a, MC_VSAN_T_LEASE_OK);
    bool granted = false;
    if (purpose == MC_VSAN_PURPOSE_AUTHORITY) {
        /* A voter promises the coordinator of this term not to vote for another for a lease. */
        bool other_vote = e->voted_term == m->h.term && e->voted_for != peer;
        if (m->h.term == e->term && !other_vote) {
            if (e->voted_term != m->h.term || e->voted_for != peer) {
                e->voted_term = m->h.term;
                e->voted_for = peer;
                e->meta_dirty = true;
                vs_meta_save(e);
            }
            e->promise_until = now + e->cfg.lease_ms;
            e->promised_to = peer;
            e->coordinator = peer;
            granted = true;
        }
    } else if (e->coordinating && m->h.term == e->term && !e->peers[peer].suspected &&
               (e->last.members & vs_bit(peer))) {
        uint32_t vt = (uint32_t)mc_vsan_get(m, MC_VSAN_F_LEASE_VIEW_TERM);
        uint32_t vq = (uint32_t)mc_vsan_get(m, MC_VSAN_F_LEASE_VIEW_SEQ);
        if (vt == e->last.term && vq == e->last.seq) {
            e->peers[peer].member_granted_ms = now;
            granted = true;
        } else {
            send_view(e, peer, &e->last, true);  /* it missed the committed view: send it again */
        }
    }
    mc_vsan_set(&a, MC_VSAN_F_LEASE_OK_GRANTED, granted);
    mc_vsan_set(&a, MC_VSAN_F_LEASE_OK_COORDINATOR, e->coordinating ? e->cfg.id : e->coordinator);
    mc_vsan_set(&a, MC_VSAN_F_LEASE_OK_VIEW_TERM, e->last.term);
    mc_vsan_set(&a, MC_VSAN_F_LEASE_OK_VIEW_SEQ, e->last.seq);
    mc_vsan_set(&a, MC_VSAN_F_LEASE_OK_LEASE_MS, e->cfg.lease_ms);
    vs_answer(e, peer, m, MC_VSAN_T_LEASE_OK, &a);
}

static void on_lease_ok(mc_vsan_engine *e, vs_req *r, const mc_vsan_msg *m)
{
    if (r->term != e->term || !mc_vsan_get(m, MC_VSAN_F_LEASE_OK_GRANTED))
        return;
    if (r->kind == REQ_LEASE_AUTH) {
        if (e->coordinating && r->sent_ms > e->peers[r->peer].auth_ok_sent_ms)
            e->peers[r->peer].auth_ok_sent_ms = r->sent_ms;
        authority_update(e, vs_now(e));
        return;
    }
    uint32_t vt = (uint32_t)mc_vsan_get(m, MC_VSAN_F_LEASE_OK_VIEW_TERM);
    uint32_t vq = (uint32_t)mc_vsan_get(m, MC_VSAN_F_LEASE_OK_VIEW_SEQ);
    if (vt != e->last.term || vq != e->last.seq || !(e->last.members & vs_bit(e->cfg.id)))
        return;
    e->coordinator = r->peer;
    uint64_t until = r->sent_ms + lease_span(e);
    if (until > e->lease_until)
        e->lease_until = until;
}

/* --- elections ---------------------------------------------------------------------------- */

/* Whether we may stand (§4.1): a server, a full member of our last view (or none exists yet),
 * and the lowest such server we can reach. */
/* The newest view peer i told us it knows (its HELLO's committed view, or what its latest VOTE
 * or VOTE_OK claimed), newer than ours. */
static bool peer_knows_newer(const mc_vsan_engine *e, uint16_t i, const vs_view *k)
{
    const vs_peer *p = &e->peers[i];
    if (p->hello.known && view_newer(p->hello.last.term, p->hello.last.seq, k->term, k->seq))
        return true;
    return p->claimed && view_newer(p->claimed_term, p->claimed_seq, k->term, k->seq);
}

static bool may_stand(const mc_vsan_engine *e)
{
    if (e->cfg.role != MC_VSAN_ROLE_SERVER)
        return false;
    /* Our promise to a coordinator covers our own vote too (§4.2). */
    if (vs_now(e) < e->promise_until && e->promised_to != e->cfg.id)
        return false;
    if (e->yield_to && e->peers[e->yield_to].up)
        return false;  /* §8.4: the newer server coordinates and takes us back */
    const vs_view *k = known(e);
    /* A server we reach that knows a newer view holds what we lack: we wait to be taken back
     * rather than ask for votes no current voter can give (each try would only raise terms). */
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if (i != e->cfg.id && e->peers[i].up && peer_knows_newer(e, i, k))
            return false;
    uint32_t eligible = k->term == 0 ? voters_all(e) : (k->members & ~k->syncing);
    if (!(eligible & vs_bit(e->cfg.id)))
        return false;
    /* A lower server stands first, unless it last stood on an older view than ours: voters who
     * know ours refuse it, so it cannot win and waiting for it would wait for ever. */
    for (uint16_t i = 1; i < e->cfg.id; i++) {
        const vs_peer *p = &e->peers[i];
        bool outranked = p->claimed && view_newer(k->term, k->seq, p->claimed_term, p->claimed_seq);
        if ((eligible & vs_bit(i)) && e->cfg.roles[i] == MC_VSAN_ROLE_SERVER && p->up && !p->split_brain && !outranked)
            return false;
    }
    return true;
}

static void stand(mc_vsan_engine *e, uint64_t now)
{
    uint32_t t = (e->term > e->voted_term ? e->term : e->voted_term) + 1u;
    e->term = t;
    e->voted_term = t;
    e->voted_for = e->cfg.id;
    e->meta_dirty = true;
    if (vs_meta_save(e) != 0)
        return;
    e->candidate = true;
    e->votes = vs_bit(e->cfg.id);
    e->vote_sent_ms = now;
    vs_log(e, 1, "term %u: standing for coordinator", (unsigned)t);
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        e->peers[i].auth_ok_sent_ms = 0;
        if (i == e->cfg.id || !e->cfg.roles[i] || !e->peers[i].up || e->peers[i].split_brain)
            continue;
        mc_vsan_msg m;
        mc_vsan_msg_init(&m, MC_VSAN_T_VOTE);
        mc_vsan_set(&m, MC_VSAN_F_VOTE_LAST_TERM, known(e)->term);
        mc_vsan_set(&m, MC_VSAN_F_VOTE_LAST_SEQ, known(e)->seq);
        mc_vsan_set(&m, MC_VSAN_F_VOTE_LAST_GEN, known(e)->gen);
        vs_request(e, i, REQ_VOTE, &m, e->cfg.lease_ms);
    }
}

static void on_vote(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    uint64_t now = vs_now(e);
    uint32_t lt = (uint32_t)mc_vsan_get(m, MC_VSAN_F_VOTE_LAST_TERM);
    uint32_t ls = (uint32_t)mc_vsan_get(m, MC_VSAN_F_VOTE_LAST_SEQ);
    e->peers[peer].claimed = true;
    e->peers[peer].claimed_term = lt;
    e->peers[peer].claimed_seq = ls;
    const vs_view *k = known(e);
    bool fresh = !view_newer(k->term, k->seq, lt, ls);
    bool current = k->term == 0 || ((k->members & vs_bit(peer)) && !(k->syncing & vs_bit(peer)));
    bool free_to = now >= e->promise_until || e->promised_to == peer;
    bool granted = m->h.term >= e->term && m->h.term > e->voted_term && free_to && now >= e->vote_block_until &&
                   fresh && current && e->cfg.roles[peer] == MC_VSAN_ROLE_SERVER;
    if (granted) {
        vs_adopt_term(e, m->h.term);
        e->voted_term = m->h.term;
        e->voted_for = peer;
        e->meta_dirty = true;
        if (vs_meta_save(e) != 0)
            granted = false;  /* a vote we cannot remember is not given */
        else {
            e->promise_until = now + e->cfg.lease_ms;
            e->promised_to = peer;
        }
    }
    mc_vsan_msg a;
    mc_vsan_msg_init(&a, MC_VSAN_T_VOTE_OK);
    mc_vsan_set(&a, MC_VSAN_F_VOTE_OK_GRANTED, granted);
    mc_vsan_set(&a, MC_VSAN_F_VOTE_OK_LAST_TERM, k->term);
    mc_vsan_set(&a, MC_VSAN_F_VOTE_OK_LAST_SEQ, k->seq);
    mc_vsan_set(&a, MC_VSAN_F_VOTE_OK_LAST_GEN, k->gen);
    vs_answer(e, peer, m, MC_VSAN_T_VOTE_OK, &a);
}

static void begin_term(mc_vsan_engine *e);
static void admit_joiners(mc_vsan_engine *e);

static void won(mc_vsan_engine *e)
{
    e->candidate = false;
    e->coordinating = true;
    e->coordinator = e->cfg.id;
    e->must_rejoin = false;  /* what we cut short is in our reconcile: this term repairs it */
    e->term_started_ms = vs_now(e);
    vs_log(e, 1, "term %u: coordinator", (unsigned)e->term);
    vs_police_reset(e);
    vs_police_forget(e);
    vs_io_interrupt(e);
    authority_update(e, vs_now(e));
    /* A view a quorum may have committed without our hearing of it is where the term starts:
     * we stood on it (may_stand reads the newest view we know), and the voters who elected us
     * knew none newer (§4.1). */
    if (view_newer(e->prepared.term, e->prepared.seq, e->last.term, e->last.seq)) {
        vs_view p = e->prepared;
        vs_view_adopt(e, &p);
    }
    begin_term(e);
}

static void on_vote_ok(mc_vsan_engine *e, vs_req *r, const mc_vsan_msg *m)
{
    e->peers[r->peer].claimed = true;
    e->peers[r->peer].claimed_term = (uint32_t)mc_vsan_get(m, MC_VSAN_F_VOTE_OK_LAST_TERM);
    e->peers[r->peer].claimed_seq = (uint32_t)mc_vsan_get(m, MC_VSAN_F_VOTE_OK_LAST_SEQ);
    if (!e->candidate || r->term != e->term || !mc_vsan_get(m, MC_VSAN_F_VOTE_OK_GRANTED))
        return;
    e->votes |= vs_bit(r->peer);
    /* A vote is also the voter's promise, from when we asked (§4.2). */
    e->peers[r->peer].auth_ok_sent_ms = e->vote_sent_ms;
    if (vs_quorum(e, e->votes))
        won(e);
}

/* --- a new term: reconcile, commit, repair (§8.3) ----------------------------------------- */

static void reconcile_done(mc_vsan_engine *e)
{
    /* A member we could not reconcile may still hold a lease the last coordinator granted, and
     * serve reads, until LEASE_MS after that coordinator stopped granting (it voted for us
     * first): a view without it waits that long (§4.2). */
    uint64_t now = vs_now(e), leases_out = e->term_started_ms + e->cfg.lease_ms;
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX && now < leases_out; i++)
        if (i != e->cfg.id && (e->last.members & vs_bit(i)) && !e->peers[i].reconciled) {
            e->reconcile_until = leases_out;
            return;
        }
    e->reconciling = false;
    vs_sync_reserve(e, &e->repair_set);  /* nothing is granted on them before their repair */
    uint32_t members = vs_bit(e->cfg.id), syncing = 0;
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        if (i == e->cfg.id || !(e->last.members & vs_bit(i)) || !e->peers[i].reconciled)
            continue;
        members |= vs_bit(i);
        if (e->last.syncing & vs_bit(i))
            syncing |= vs_bit(i);
    }
    if (e->last.syncing & vs_bit(e->cfg.id)) {
        /* Only a full member may coordinate; may_stand makes this unreachable. */
        step_down(e, "syncing");
        return;
    }
    /* Syncing members carried over go on with their resync once the view is committed. */
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if (syncing & vs_bit(i)) {
            e->peers[i].joining = true;
            vs_bits_zero(&e->seed[i]);
        }
    vs_view v = next_view(e, members, syncing);
    vs_view_commit(e, &v);
}

static void begin_term(mc_vsan_engine *e)
{
    e->reconciling = true;
    e->reconcile_until = vs_now(e) + VS_WRITE_MS;
    vs_bits_zero(&e->repair_set);
    /* What we ourselves may hold differently from the others: our log, our unconfirmed. */
    vs_bits_or(&e->repair_set, &e->al);
    for (uint32_t r = 0; r < e->nregions; r++)
        if (e->reg[r].unconf_writer || e->reg[r].inflight || e->reg[r].cut)
            vs_bits_set(&e->repair_set, r);
    bool waiting = false;
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        e->peers[i].reconciled = false;
        e->peers[i].suspected = false;
        e->peers[i].member_granted_ms = 0;
        if (i == e->cfg.id || !(e->last.members & vs_bit(i)) || !e->peers[i].up || e->peers[i].split_brain)
            continue;
        mc_vsan_msg m;
        mc_vsan_msg_init(&m, MC_VSAN_T_RECONCILE);
        mc_vsan_set(&m, MC_VSAN_F_RECONCILE_VIEW_TERM, e->last.term);
        mc_vsan_set(&m, MC_VSAN_F_RECONCILE_VIEW_SEQ, e->last.seq);
        if (vs_request(e, i, REQ_RECONCILE, &m, VS_WRITE_MS))
            waiting = true;
    }
    if (!waiting)
        reconcile_done(e);
}

/* The regions of this server that may differ from the others: unconfirmed writes, the
 * activity log, dirty-self (§8.3). */
static void on_reconcile(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    static uint8_t arr[MC_VSAN_MAX_REGIONS * MC_VSAN_REGION_NUM_LEN];
    size_t n = 0;
    for (uint32_t r = 0; r < e->nregions; r++)
        if (e->reg[r].unconf_writer || e->reg[r].inflight || e->reg[r].cut || vs_bits_get(&e->al, r) ||
            vs_bits_get(&e->dirty_self, r) || vs_bits_get(&e->stale, r))
            mc_vsan_elem_put(arr, MC_VSAN_F_RECONCILE_OK_REGIONS, n++, r);
    mc_vsan_msg a;
    mc_vsan_msg_init(&a, MC_VSAN_T_RECONCILE_OK);
    mc_vsan_set(&a, MC_VSAN_F_RECONCILE_OK_STATUS, MC_VSAN_ST_OK);
    mc_vsan_set(&a, MC_VSAN_F_RECONCILE_OK_COUNT, n);
    a.ref[MC_VSAN_F_RECONCILE_OK_REGIONS] = arr;
    vs_answer(e, peer, m, MC_VSAN_T_RECONCILE_OK, &a);
}

static void on_reconcile_ok(mc_vsan_engine *e, vs_req *r, const mc_vsan_msg *m)
{
    uint64_t n = mc_vsan_get(m, MC_VSAN_F_RECONCILE_OK_COUNT);
    vs_peer *p = &e->peers[r->peer];
    for (uint64_t i = 0; i < n; i++) {
        uint64_t reg = mc_vsan_elem(m, MC_VSAN_F_RECONCILE_OK_REGIONS, (size_t)i);
        if (reg < e->nregions)
            vs_bits_set(p->joining ? &e->seed[r->peer] : &e->repair_set, (uint32_t)reg);
    }
    if (e->reconciling && r->term == e->term) {
        p->reconciled = true;
        bool all = true;
        for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
            if (i != e->cfg.id && (e->last.members & vs_bit(i)) && e->peers[i].up && !e->peers[i].reconciled)
                all = false;
        if (all)
            reconcile_done(e);
        return;
    }
    if (p->joining) {
        p->join_answered = true;
        admit_joiners(e);
    }
}

/* Behind servers that answered RECONCILE enter the view as syncing, all at once, as soon as no
 * other view change is under way; their resync starts once it is committed. */
static void admit_joiners(mc_vsan_engine *e)
{
    if (!e->coordinating || e->view_pending || e->reconciling)
        return;
    uint32_t add = 0;
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if (e->peers[i].joining && e->peers[i].join_answered && !(e->last.members & vs_bit(i))) {
            e->peers[i].member_granted_ms = vs_now(e);  /* its lease runs from its admission */
            add |= vs_bit(i);
        }
    if (!add)
        return;
    vs_view v = next_view(e, e->last.members | add, e->last.syncing | add);
    vs_view_commit(e, &v);
}

/* --- membership changes ------------------------------------------------------------------- */

/* Coordinator: a member reported that `member` did not answer its WRITE. The member loses its
 * lease (no more grants) and leaves the view once the lease it holds has run out (§5.2). The
 * coordinator never removes itself: the reporter goes instead. */
static void suspect(mc_vsan_engine *e, uint16_t reporter, uint16_t member)
{
    if (!e->coordinating || member == 0 || member > MC_VSAN_ID_MAX)
        return;
    uint16_t who = member == e->cfg.id ? reporter : member;
    if (who != e->cfg.id && (e->last.members & vs_bit(who)) && !e->peers[who].suspected) {
        e->peers[who].suspected = true;
        vs_log(e, 1, "server %u suspected unreachable (reported by %u)", (unsigned)who, (unsigned)reporter);
    }
}

void vs_suspect(mc_vsan_engine *e, uint16_t member)
{
    if (e->coordinating) {
        suspect(e, e->cfg.id, member);
        return;
    }
    if (!e->coordinator)
        return;
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_SUSPECT);
    mc_vsan_set(&m, MC_VSAN_F_SUSPECT_SERVER, member);
    vs_request(e, e->coordinator, REQ_SUSPECT, &m, VS_WRITE_MS);
}

void vs_view_full(mc_vsan_engine *e, uint16_t peer)
{
    if (e->view_pending || !(e->last.syncing & vs_bit(peer)))
        return;
    vs_view v = next_view(e, e->last.members, e->last.syncing & ~vs_bit(peer));
    vs_view_commit(e, &v);
}

/* A behind server (§8.3) asks to come back: gather what it may hold differently, then add it. */
static void start_join(mc_vsan_engine *e, uint16_t peer)
{
    vs_peer *p = &e->peers[peer];
    p->joining = true;
    p->join_answered = false;
    vs_bits_zero(&e->seed[peer]);
    if (!p->hello.known || p->hello.nhist == 0 || !vs_hist_has(e->hist, e->nhist, p->hello.hist[0]))
        vs_bits_fill(&e->seed[peer]);  /* new, or its data is of no generation we know */
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_RECONCILE);
    mc_vsan_set(&m, MC_VSAN_F_RECONCILE_VIEW_TERM, e->last.term);
    mc_vsan_set(&m, MC_VSAN_F_RECONCILE_VIEW_SEQ, e->last.seq);
    if (!vs_request(e, peer, REQ_RECONCILE, &m, VS_WRITE_MS))
        p->joining = false;
    else
        vs_log(e, 1, "server %u returns: gathering what it needs", (unsigned)peer);
}

/* Coordinator, every beat: leave members whose lease ran out, take back returning servers. */
static void manage_view(mc_vsan_engine *e, uint64_t now)
{
    if (e->view_pending || e->reconciling)
        return;
    uint32_t leave = 0;
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        if (i == e->cfg.id || !(e->last.members & vs_bit(i)))
            continue;
        /* A suspected member gets no more grants, so its lease runs out like a silent one's. */
        const vs_peer *p = &e->peers[i];
        uint64_t granted = p->member_granted_ms ? p->member_granted_ms : e->term_started_ms;
        if (now >= granted + e->cfg.lease_ms)
            leave |= vs_bit(i);
    }
    if (leave) {
        for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
            if (leave & vs_bit(i)) {
                /* What it held, it may have written in part: repaired once it is out. */
                vs_police_drop_holder(e, i, &e->repair_set);
                vs_sync_reserve(e, &e->repair_set);
                vs_police_kick(e);  /* the rest of what it held goes to the next in line */
                vs_sync_stop_target(e, i);
                e->peers[i].joining = false;
                e->peers[i].suspected = false;
            }
        vs_view v = next_view(e, e->last.members & ~leave, e->last.syncing & ~leave);
        vs_log(e, 1, "view: servers 0x%x leave", (unsigned)leave);
        vs_view_commit(e, &v);
        return;
    }
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        vs_peer *p = &e->peers[i];
        if (i == e->cfg.id || e->cfg.roles[i] != MC_VSAN_ROLE_SERVER || !p->up || p->split_brain ||
            p->joining || (e->last.members & vs_bit(i)) || !p->hello.known)
            continue;
        start_join(e, i);
        return;  /* one at a time */
    }
    admit_joiners(e);
}

void vs_quorum_tick(mc_vsan_engine *e, uint64_t now)
{
    if (now < e->next_beat)
        return;
    e->next_beat = now + VS_BEAT_MS;
    if (e->coordinating) {
        for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
            if (i != e->cfg.id && e->cfg.roles[i] && e->peers[i].up && !e->peers[i].split_brain)
                send_lease(e, i, MC_VSAN_PURPOSE_AUTHORITY);
        authority_update(e, now);
        if (now >= e->lease_until) {
            step_down(e, "authority lease lapsed");
            return;
        }
        if (e->reconciling && now >= e->reconcile_until)
            reconcile_done(e);
        if (e->view_pending) {  /* resend to voters that have not answered */
            for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
                if (i != e->cfg.id && e->cfg.roles[i] && e->peers[i].up && !(e->view_acks & vs_bit(i)))
                    send_view(e, i, &e->pending, false);
        }
        manage_view(e, now);
        return;
    }
    if (e->cfg.role == MC_VSAN_ROLE_WITNESS)
        return;
    /* A member whose writes were cut short stops renewing: the coordinator drops it and takes
     * it back through RECONCILE, which repairs what those writes left behind (§8.3). */
    if (e->coordinator && e->peers[e->coordinator].up && (e->last.members & vs_bit(e->cfg.id)) && !e->must_rejoin)
        send_lease(e, e->coordinator, MC_VSAN_PURPOSE_MEMBER);
    if (now < e->lease_until) {
        e->no_lease_since = now;
        return;
    }
    if (e->lease_until) {
        e->lease_until = 0;
        vs_io_interrupt(e);
        vs_police_forget(e);
        vs_log(e, 1, "membership lease lapsed");
    }
    if (e->candidate && now >= e->vote_sent_ms + e->cfg.lease_ms)
        e->candidate = false;  /* no quorum answered: stand again later */
    if (!e->candidate && now >= e->no_lease_since + e->cfg.lease_ms && now >= e->next_stand && may_stand(e)) {
        /* Spread retries so two candidates do not collide for ever (§4.1). */
        e->next_stand = now + e->cfg.lease_ms + VS_RETRY_MS * e->cfg.id;
        stand(e, now);
        if (e->candidate && vs_quorum(e, e->votes))
            won(e);
    }
}

/* --- dispatch ------------------------------------------------------------------------------ */

static void on_view(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    vs_view v = {.term = (uint32_t)mc_vsan_get(m, MC_VSAN_F_VIEW_TERM),
                 .seq = (uint32_t)mc_vsan_get(m, MC_VSAN_F_VIEW_SEQ),
                 .gen = mc_vsan_get(m, MC_VSAN_F_VIEW_GEN),
                 .members = (uint32_t)mc_vsan_get(m, MC_VSAN_F_VIEW_MEMBERS),
                 .syncing = (uint32_t)mc_vsan_get(m, MC_VSAN_F_VIEW_SYNCING)};
    bool committed = (m->h.flags & MC_VSAN_VIEW_COMMITTED) != 0;
    uint32_t st = MC_VSAN_ST_OK;
    if (v.term != m->h.term || v.term < e->term)
        st = MC_VSAN_ST_STALE_TERM;
    else if (view_newer(e->last.term, e->last.seq, v.term, v.seq))
        st = MC_VSAN_ST_STALE_TERM;
    else if (committed) {
        e->coordinator = peer;
        if (v.term != e->last.term || v.seq != e->last.seq || v.gen != e->last.gen)
            vs_view_adopt(e, &v);
    } else {
        /* Prepared: remembered for elections (§4.1), acted on once committed. */
        if (view_newer(v.term, v.seq, e->prepared.term, e->prepared.seq)) {
            e->prepared = v;
            e->meta_dirty = true;
            if (vs_meta_save(e) != 0)
                st = MC_VSAN_ST_BUSY;
        }
    }
    vs_answer_status(e, peer, m, MC_VSAN_T_VIEW_OK, st);
}

void vs_quorum_on_message(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    switch (m->h.type) {
    case MC_VSAN_T_LEASE: on_lease(e, peer, m); break;
    case MC_VSAN_T_VOTE: on_vote(e, peer, m); break;
    case MC_VSAN_T_VIEW: on_view(e, peer, m); break;
    case MC_VSAN_T_RECONCILE: on_reconcile(e, peer, m); break;
    case MC_VSAN_T_SUSPECT:
        suspect(e, peer, (uint16_t)mc_vsan_get(m, MC_VSAN_F_SUSPECT_SERVER));
        vs_answer_status(e, peer, m, MC_VSAN_T_OK, e->coordinating ? MC_VSAN_ST_OK : MC_VSAN_ST_NOT_COORDINATOR);
        break;
    default: break;
    }
}

void vs_quorum_on_answer(mc_vsan_engine *e, vs_req *r, const mc_vsan_msg *m)
{
    uint32_t st = MC_VSAN_ST_OK;
    bool has_status = mc_vsan_msg_status(m, &st);
    switch (r->kind) {
    case REQ_LEASE_MEMBER:
    case REQ_LEASE_AUTH:
        if (m->h.type == MC_VSAN_T_LEASE_OK)
            on_lease_ok(e, r, m);
        break;
    case REQ_VOTE:
        if (m->h.type == MC_VSAN_T_VOTE_OK)
            on_vote_ok(e, r, m);
        break;
    case REQ_VIEW:
        if (m->h.type == MC_VSAN_T_VIEW_OK && has_status && st == MC_VSAN_ST_OK && r->term == e->term &&
            e->view_pending && r->region == e->pending.seq)
            view_acked(e, r->peer);
        break;
    case REQ_RECONCILE:
        if (m->h.type == MC_VSAN_T_RECONCILE_OK)
            on_reconcile_ok(e, r, m);
        else
            e->peers[r->peer].joining = false;
        break;
    default:
        break;
    }
}

void vs_quorum_on_timeout(mc_vsan_engine *e, vs_req *r)
{
    if (r->kind == REQ_RECONCILE && e->peers[r->peer].joining)
        e->peers[r->peer].joining = false;  /* asked again at a later beat */
}
