/* Receiving on a mirror link connection (docs/vsan-link.md §2): rule 1's frame deadline start,
 * then per frame rules 2-4 (the codec), 5 (seq), 6 (admission of an inbound connection), 7
 * (sender and receiver), 8 (the codec's well-formedness and direction), and the matching of an
 * answer to an outstanding request (tag and type). */
#include <arpa/inet.h>
#include <string.h>

#include "link_conn_int.h"

/* Rule 5: exactly the previous + 1, compared in serial arithmetic to tell a gap from a repeat. */
static bool check_seq(mc_vsan_conn *c, const mc_vsan_msg *m, uint64_t now)
{
    if (m->h.seq == c->seq_in) {
        c->seq_in++;
        return true;
    }
    bool ahead = (int32_t)(m->h.seq - c->seq_in) > 0;
    conn_fail(c, ahead ? MC_VSAN_C_SEQ_GAP : MC_VSAN_C_SEQ_OLD, now,
              "rule 5: seq %u where %u was due (%s)", (unsigned)m->h.seq, (unsigned)c->seq_in,
              ahead ? "a gap: lost or reordered" : "a repeat or reorder");
    return false;
}

/* Rule 6: an inbound connection's first message is a well-formed HELLO from a configured peer,
 * from that peer's address, naming our cluster. */
static bool admit(mc_vsan_conn *c, const mc_vsan_msg *m, mc_vsan_res r, uint64_t now)
{
    if (r != MC_VSAN_R_OK || m->h.type != MC_VSAN_T_HELLO) {
        const char *tn = mc_vsan_type_name(m->h.type);
        conn_fail(c, MC_VSAN_C_HELLO_FIRST, now, "rule 6: first message is %s %s%s, not a HELLO",
                  r == MC_VSAN_R_OK ? "a" : mc_vsan_res_name(r), tn ? tn : "of unknown type",
                  r == MC_VSAN_R_OK ? "" : " frame");
        return false;
    }
    const mc_vsan_peer *p = conn_find_peer(c->cfg, m->h.sender);
    if (!p || m->h.sender == c->cfg->self) {
        conn_fail(c, MC_VSAN_C_UNKNOWN_SENDER, now, "rule 6: HELLO from ID %u, not a configured peer",
                  (unsigned)m->h.sender);
        return false;
    }
    if (c->from.sin_family != AF_INET || c->from.sin_addr.s_addr != p->addr.sin_addr.s_addr) {
        char got[INET_ADDRSTRLEN] = "?", want[INET_ADDRSTRLEN] = "?";
        if (c->from.sin_family == AF_INET)
            inet_ntop(AF_INET, &c->from.sin_addr, got, sizeof(got));
        inet_ntop(AF_INET, &p->addr.sin_addr, want, sizeof(want));
        conn_fail(c, MC_VSAN_C_BAD_ADDRESS, now, "rule 6: HELLO from ID %u came from %s, configured %s",
                  (unsigned)m->h.sender, got, want);
        return false;
    }
    if (memcmp(m->ref[MC_VSAN_F_HELLO_CLUSTER], c->cfg->cluster, MC_VSAN_CLUSTER_LEN) != 0) {
        conn_fail(c, MC_VSAN_C_CLUSTER, now, "rule 6: HELLO from ID %u names another cluster",
                  (unsigned)m->h.sender);
        return false;
    }
    c->peer = (uint16_t)m->h.sender;
    return true;
}

/* Rule 7. */
static bool check_ends(mc_vsan_conn *c, const mc_vsan_msg *m, uint64_t now)
{
    if (m->h.sender != c->peer) {
        conn_fail(c, MC_VSAN_C_WRONG_SENDER, now, "rule 7: sender %u on the connection of peer %u",
                  (unsigned)m->h.sender, (unsigned)c->peer);
        return false;
    }
    if (m->h.receiver != c->cfg->self) {
        conn_fail(c, MC_VSAN_C_WRONG_RECEIVER, now, "rule 7: receiver %u, we are %u", (unsigned)m->h.receiver,
                  (unsigned)c->cfg->self);
        return false;
    }
    return true;
}

/* Rule 8: the message is dropped; on an inbound connection (every message on it a request, §2)
 * it is answered ERROR. */
static void drop_malformed(mc_vsan_conn *c, const mc_vsan_msg *m, mc_vsan_res r, uint64_t now)
{
    const char *tn = mc_vsan_type_name(m->h.type);
    conn_note(c, (unsigned)r, "rule 8: %s message of type %u (%s) dropped", mc_vsan_res_name(r),
              (unsigned)m->h.type, tn ? tn : "unknown");
    if (c->outbound)
        return;
    mc_vsan_msg e;
    mc_vsan_msg_init(&e, MC_VSAN_T_ERROR);
    e.h.tag = m->h.tag;
    mc_vsan_set(&e, MC_VSAN_F_STATUS, r == MC_VSAN_R_UNKNOWN_TYPE ? MC_VSAN_ST_UNKNOWN_TYPE : MC_VSAN_ST_MALFORMED);
    conn_send(c, &e, MC_VSAN_ANSWER, now);
}

static void deliver(mc_vsan_conn *c, const mc_vsan_msg *m, void *req_ctx)
{
    if (!c->ops->message)
        return;
    c->depth++;
    c->ops->message(c->ctx, c, m, req_ctx);
    c->depth--;
}

/* An answer on an outbound connection: it must match an outstanding request by tag, and be that
 * request's answer type or ERROR (§2: "an answer is only counted when it matches"). */
static void take_answer(mc_vsan_conn *c, const mc_vsan_msg *m, uint64_t now)
{
    conn_pending *p = NULL;
    for (unsigned i = 0; i < MC_VSAN_MAX_OUTSTANDING && !p; i++)
        if (c->out[i].used && c->out[i].tag == m->h.tag &&
            (m->h.type == c->out[i].answer || m->h.type == MC_VSAN_T_ERROR))
            p = &c->out[i];
    if (!p) {
        conn_note(c, MC_VSAN_C_UNMATCHED, "%s with tag %u answers no outstanding request: dropped",
                  mc_vsan_type_name(m->h.type), (unsigned)m->h.tag);
        return;
    }
    void *req_ctx = p->ctx;
    p->used = false;
    c->nout--;
    if (c->state == MC_VSAN_CONN_HELLO && m->h.type == MC_VSAN_T_HELLO_OK) {
        if (memcmp(m->ref[MC_VSAN_F_HELLO_CLUSTER], c->cfg->cluster, MC_VSAN_CLUSTER_LEN) != 0) {
            conn_fail(c, MC_VSAN_C_CLUSTER, now, "HELLO_OK from ID %u names another cluster", (unsigned)c->peer);
            return;
        }
        conn_set_state(c, MC_VSAN_CONN_UP);
        if (!conn_live(c))
            return;
    }
    deliver(c, m, req_ctx);
}

static void take_request(mc_vsan_conn *c, const mc_vsan_msg *m)
{
    if (c->state == MC_VSAN_CONN_HELLO) {
        conn_set_state(c, MC_VSAN_CONN_UP);
        if (!conn_live(c))
            return;
    }
    c->in_tags[c->nin++] = m->h.tag;   /* room: frames are taken only while nin < MAX */
    deliver(c, m, NULL);
}

static void handle(mc_vsan_conn *c, const mc_vsan_msg *m, mc_vsan_res r, uint64_t now)
{
    if (!check_seq(c, m, now))
        return;
    if (!c->outbound && c->state == MC_VSAN_CONN_HELLO && !admit(c, m, r, now))
        return;
    if (!check_ends(c, m, now))
        return;
    if (r != MC_VSAN_R_OK)
        drop_malformed(c, m, r, now);
    else if (c->outbound)
        take_answer(c, m, now);
    else
        take_request(c, m);
}

void conn_take_frames(mc_vsan_conn *c, uint64_t now)
{
    mc_vsan_opts o = {.block_size = c->cfg->block_size,
                      .dir = c->outbound ? MC_VSAN_ANSWER : MC_VSAN_REQUEST};
    c->rx_paused = false;
    while (conn_live(c)) {
        if (conn_paused(c)) {
            /* Our output holds the stream, not the peer: rule 1 restarts once reading does. */
            c->rx_paused = mc_vsan_rx_pending(&c->rx) > 0;
            c->frame_start = MC_VSAN_NEVER;
            return;
        }
        mc_vsan_msg m;
        mc_vsan_res r = mc_vsan_rx_next(&c->rx, &o, &m);
        if (r == MC_VSAN_R_NEED_MORE) {
            /* Rule 1: a message begun in this read, even right after another ended, starts its
             * deadline now; one begun in an earlier read keeps its start. */
            if (mc_vsan_rx_pending(&c->rx) == 0)
                c->frame_start = MC_VSAN_NEVER;
            else if (c->frame_start == MC_VSAN_NEVER)
                c->frame_start = now;
            return;
        }
        c->frame_start = MC_VSAN_NEVER;
        if (mc_vsan_res_fatal(r)) {
            conn_fail(c, (unsigned)r, now, "rule %u: %s (type %u, seq %u, length %u)", mc_vsan_res_rule(r),
                      mc_vsan_res_name(r), (unsigned)m.h.type, (unsigned)m.h.seq, (unsigned)m.h.length);
            return;
        }
        handle(c, &m, r, now);
    }
}
