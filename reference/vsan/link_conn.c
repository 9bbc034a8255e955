/* A mirror link connection (docs/vsan-link.md §2): connect with a deadline and reconnect every
 * RETRY_MS, the read buffer and the bounded write queue, sequence numbers and tags out, the
 * outstanding request table, every deadline, counters and the once-per-failure log. What arrives
 * is judged in link_conn_in.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link_conn_int.h"

#define LOG_TEXT_MAX 256u

static const struct {
    const char *name;
    unsigned rule;
} conn_counters[] = {
#define COUNTER_DESC(id, nm, r) {nm, r},
    MC_VSAN_CONN_COUNTERS(COUNTER_DESC)
#undef COUNTER_DESC
};

const char *mc_vsan_counter_name(unsigned c)
{
    if (c < MC_VSAN_R_COUNT)
        return mc_vsan_res_rule((mc_vsan_res)c) ? mc_vsan_res_name((mc_vsan_res)c) : NULL;
    return c < MC_VSAN_C_COUNT ? conn_counters[c - MC_VSAN_R_COUNT].name : NULL;
}

unsigned mc_vsan_counter_rule(unsigned c)
{
    if (c < MC_VSAN_R_COUNT)
        return mc_vsan_res_rule((mc_vsan_res)c);
    return c < MC_VSAN_C_COUNT ? conn_counters[c - MC_VSAN_R_COUNT].rule : 0;
}

const char *mc_vsan_send_name(mc_vsan_send s)
{
    static const char *const names[] = {"ok", "not-up", "outstanding", "backlog", "invalid", "no-request", "nomem"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

int mc_vsan_cluster_name(uint8_t out[MC_VSAN_CLUSTER_LEN], const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > MC_VSAN_CLUSTER_LEN)
        return -1;
    memset(out, 0, MC_VSAN_CLUSTER_LEN);
    memcpy(out, name, n);
    return 0;
}

const mc_vsan_peer *conn_find_peer(const mc_vsan_link_cfg *cfg, uint32_t id)
{
    for (size_t i = 0; i < cfg->npeers; i++)
        if (cfg->peers[i].id == id)
            return &cfg->peers[i];
    return NULL;
}

bool conn_live(const mc_vsan_conn *c)
{
    return c->state == MC_VSAN_CONN_HELLO || c->state == MC_VSAN_CONN_UP;
}

/* An inbound connection is not read while its output is at the mark or every request it may
 * have in flight waits for our answer. */
bool conn_paused(const mc_vsan_conn *c)
{
    return !c->outbound && (mc_vsan_conn_queued(c) >= MC_VSAN_WQ_HIGH || c->nin >= MC_VSAN_MAX_OUTSTANDING);
}

static void vlog(mc_vsan_conn *c, unsigned counter, const char *fmt, va_list ap)
{
    if (!c->ops->log)
        return;
    char text[LOG_TEXT_MAX];
    vsnprintf(text, sizeof(text), fmt, ap);
    c->depth++;
    c->ops->log(c->ctx, c, counter, text);
    c->depth--;
}

void conn_note(mc_vsan_conn *c, unsigned counter, const char *fmt, ...)
{
    c->counters[counter]++;
    if (c->logged & (UINT64_C(1) << counter))
        return;
    c->logged |= UINT64_C(1) << counter;
    va_list ap;
    va_start(ap, fmt);
    vlog(c, counter, fmt, ap);
    va_end(ap);
}

void conn_set_state(mc_vsan_conn *c, mc_vsan_conn_state s)
{
    c->state = s;
    if (!c->ops->state)
        return;
    c->depth++;
    c->ops->state(c->ctx, c, s);
    c->depth--;
}

/* Ends the TCP connection: every request in flight reported unanswered, buffers emptied. */
static void end_connection(mc_vsan_conn *c, uint64_t now)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->frame_start = c->out_since = MC_VSAN_NEVER;
    c->rx_paused = false;
    mc_vsan_rx_reset(&c->rx);
    if (c->depth == 0)
        mc_vsan_rx_free(&c->rx);   /* no message of it is being delivered */
    mc_vsan_buf_free(&c->wq);
    c->woff = 0;
    c->nin = 0;
    c->next_attempt = now + MC_VSAN_RETRY_MS;
    conn_set_state(c, c->outbound ? MC_VSAN_CONN_IDLE : MC_VSAN_CONN_CLOSED);
    for (unsigned i = 0; i < MC_VSAN_MAX_OUTSTANDING; i++) {
        if (!c->out[i].used)
            continue;
        conn_pending p = c->out[i];
        c->out[i].used = false;
        c->nout--;
        if (c->ops->unanswered) {
            c->depth++;
            c->ops->unanswered(c->ctx, c, p.tag, p.type, p.ctx, false);
            c->depth--;
        }
    }
}

void conn_fail(mc_vsan_conn *c, unsigned counter, uint64_t now, const char *fmt, ...)
{
    if (c->state == MC_VSAN_CONN_IDLE || c->state == MC_VSAN_CONN_CLOSED)
        return;
    c->counters[counter]++;
    bool quiet = counter == MC_VSAN_C_CONNECT_FAILED && c->connect_failing;
    c->connect_failing = counter == MC_VSAN_C_CONNECT_FAILED;
    if (!quiet) {
        va_list ap;
        va_start(ap, fmt);
        vlog(c, counter, fmt, ap);
        va_end(ap);
    }
    end_connection(c, now);
}

void mc_vsan_conn_close(mc_vsan_conn *c, const char *why, uint64_t now)
{
    conn_fail(c, MC_VSAN_C_CLOSED_LOCALLY, now, "closed: %s", why ? why : "by the caller");
}

static mc_vsan_conn *conn_new(const mc_vsan_link_cfg *cfg, const mc_vsan_conn_ops *ops, void *ctx)
{
    mc_vsan_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->cfg = cfg;
    c->ops = ops;
    c->ctx = ctx;
    c->fd = -1;
    c->frame_start = c->out_since = MC_VSAN_NEVER;
    c->next_tag = 1;
    mc_vsan_rx_init(&c->rx);
    return c;
}

/* TCP is up: a fresh stream in both directions (§2: seq starts at 1 per direction). */
static void connected(mc_vsan_conn *c, uint64_t now)
{
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->seq_out = c->seq_in = 1;
    c->logged = 0;
    c->connect_failing = false;
    mc_vsan_rx_reset(&c->rx);
    c->hello_deadline = now + MC_VSAN_HELLO_MS;
    conn_set_state(c, MC_VSAN_CONN_HELLO);
}

mc_vsan_conn *mc_vsan_conn_outbound(const mc_vsan_link_cfg *cfg, const mc_vsan_conn_ops *ops, void *ctx,
                                    uint16_t peer, uint64_t now)
{
    if (!conn_find_peer(cfg, peer) || peer == cfg->self)
        return NULL;
    mc_vsan_conn *c = conn_new(cfg, ops, ctx);
    if (!c)
        return NULL;
    c->outbound = true;
    c->peer = peer;
    c->state = MC_VSAN_CONN_IDLE;
    c->next_attempt = now;
    return c;
}

mc_vsan_conn *mc_vsan_conn_inbound(const mc_vsan_link_cfg *cfg, const mc_vsan_conn_ops *ops, void *ctx,
                                   int fd, uint64_t now)
{
    mc_vsan_conn *c = conn_new(cfg, ops, ctx);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    socklen_t sl = sizeof(c->from);
    if (getpeername(fd, (struct sockaddr *)&c->from, &sl) != 0 || sl != sizeof(c->from))
        memset(&c->from, 0, sizeof(c->from));   /* not IPv4: rule 6 refuses its HELLO */
    c->state = MC_VSAN_CONN_HELLO;
    connected(c, now);
    return c;
}

void mc_vsan_conn_free(mc_vsan_conn *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    mc_vsan_rx_free(&c->rx);
    mc_vsan_buf_free(&c->wq);
    free(c);
}

static void start_connect(mc_vsan_conn *c, uint64_t now)
{
    const mc_vsan_peer *p = conn_find_peer(c->cfg, c->peer);
    c->state = MC_VSAN_CONN_CONNECTING;   /* so a failure below is counted and ends as IDLE */
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        conn_fail(c, MC_VSAN_C_CONNECT_FAILED, now, "socket: %s", strerror(errno));
        return;
    }
    if (c->cfg->bind_addr.s_addr != htonl(INADDR_ANY)) {
        struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr = c->cfg->bind_addr};
        if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
            conn_fail(c, MC_VSAN_C_CONNECT_FAILED, now, "bind: %s", strerror(errno));
            return;
        }
    }
    if (connect(c->fd, (const struct sockaddr *)&p->addr, sizeof(p->addr)) == 0) {
        connected(c, now);
        return;
    }
    if (errno != EINPROGRESS) {
        conn_fail(c, MC_VSAN_C_CONNECT_FAILED, now, "connect to peer %u: %s", (unsigned)c->peer, strerror(errno));
        return;
    }
    c->connect_deadline = now + MC_VSAN_CONNECT_MS;
    conn_set_state(c, MC_VSAN_CONN_CONNECTING);
}

int mc_vsan_conn_fd(const mc_vsan_conn *c)
{
    return c->fd;
}

size_t mc_vsan_conn_queued(const mc_vsan_conn *c)
{
    return c->wq.len - c->woff;
}

short mc_vsan_conn_events(const mc_vsan_conn *c)
{
    if (c->state == MC_VSAN_CONN_CONNECTING)
        return POLLOUT;
    if (!conn_live(c))
        return 0;
    short ev = 0;
    if (!conn_paused(c))
        ev |= POLLIN;
    if (mc_vsan_conn_queued(c) > 0)
        ev |= POLLOUT;
    return ev;
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

uint64_t mc_vsan_conn_next_deadline(const mc_vsan_conn *c, uint64_t now)
{
    uint64_t d = MC_VSAN_NEVER;
    if (c->state == MC_VSAN_CONN_IDLE)
        d = c->next_attempt;
    else if (c->state == MC_VSAN_CONN_CONNECTING)
        d = c->connect_deadline;
    else if (conn_live(c) && c->rx_paused && !conn_paused(c))
        d = now;   /* frames wait in the buffer and may be taken now */
    else if (conn_live(c)) {
        if (c->state == MC_VSAN_CONN_HELLO)
            d = c->hello_deadline;
        if (c->frame_start != MC_VSAN_NEVER)
            d = earlier(d, c->frame_start + MC_VSAN_FRAME_MS);
        if (c->out_since != MC_VSAN_NEVER)
            d = earlier(d, c->out_since + MC_VSAN_FRAME_MS);
        for (unsigned i = 0; i < MC_VSAN_MAX_OUTSTANDING && c->nout; i++)
            if (c->out[i].used)
                d = earlier(d, c->out[i].deadline);
    }
    return d < now ? now : d;
}

void mc_vsan_conn_on_readable(mc_vsan_conn *c, uint64_t now)
{
    if (!conn_live(c) || conn_paused(c))
        return;
    uint8_t *p;
    size_t room;
    if (mc_vsan_rx_space(&c->rx, &p, &room) != 0) {
        conn_fail(c, MC_VSAN_C_IO_ERROR, now, "out of memory for the read buffer");
        return;
    }
    if (room > 0) {
        ssize_t n = recv(c->fd, p, room, MSG_DONTWAIT);
        if (n == 0) {
            conn_fail(c, MC_VSAN_C_PEER_CLOSED, now, "peer %u closed the connection%s", (unsigned)c->peer,
                      mc_vsan_rx_pending(&c->rx) ? " inside a message" : "");
            return;
        }
        if (n < 0) {
            if (errno == ECONNRESET)
                conn_fail(c, MC_VSAN_C_PEER_CLOSED, now, "peer %u reset the connection", (unsigned)c->peer);
            else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                conn_fail(c, MC_VSAN_C_IO_ERROR, now, "recv: %s", strerror(errno));
            return;
        }
        mc_vsan_rx_commit(&c->rx, (size_t)n);
    }
    conn_take_frames(c, now);
}

static void flush(mc_vsan_conn *c, uint64_t now)
{
    while (mc_vsan_conn_queued(c) > 0) {
        ssize_t n = send(c->fd, c->wq.p + c->woff, mc_vsan_conn_queued(c), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == ECONNRESET || errno == EPIPE)
                conn_fail(c, MC_VSAN_C_PEER_CLOSED, now, "peer %u reset the connection", (unsigned)c->peer);
            else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                conn_fail(c, MC_VSAN_C_IO_ERROR, now, "send: %s", strerror(errno));
            return;
        }
        c->woff += (size_t)n;
        c->out_since = now;
    }
    c->wq.len = c->woff = 0;
    c->out_since = MC_VSAN_NEVER;
}

void mc_vsan_conn_on_writable(mc_vsan_conn *c, uint64_t now)
{
    if (c->state == MC_VSAN_CONN_CONNECTING) {
        int err = 0;
        socklen_t sl = sizeof(err);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
            err = errno;
        if (err == EINPROGRESS)
            return;
        if (err != 0)
            conn_fail(c, MC_VSAN_C_CONNECT_FAILED, now, "connect to peer %u: %s", (unsigned)c->peer, strerror(err));
        else
            connected(c, now);
        return;
    }
    if (!conn_live(c))
        return;
    flush(c, now);
    if (conn_live(c) && c->rx_paused && !conn_paused(c) && c->depth == 0)
        conn_take_frames(c, now);
}

void mc_vsan_conn_tick(mc_vsan_conn *c, uint64_t now)
{
    if (c->state == MC_VSAN_CONN_IDLE) {
        if (now >= c->next_attempt)
            start_connect(c, now);
        return;
    }
    if (c->state == MC_VSAN_CONN_CONNECTING) {
        if (now >= c->connect_deadline)
            conn_fail(c, MC_VSAN_C_CONNECT_FAILED, now, "connect to peer %u: no answer within %u ms",
                      (unsigned)c->peer, MC_VSAN_CONNECT_MS);
        return;
    }
    if (!conn_live(c))
        return;
    if (c->rx_paused && !conn_paused(c) && c->depth == 0)
        conn_take_frames(c, now);
    if (conn_live(c) && c->frame_start != MC_VSAN_NEVER && now >= c->frame_start + MC_VSAN_FRAME_MS)
        conn_fail(c, MC_VSAN_C_FRAME_TIMEOUT, now, "rule 1: %zu bytes of a message, the rest not within %u ms",
                  mc_vsan_rx_pending(&c->rx), MC_VSAN_FRAME_MS);
    if (c->state == MC_VSAN_CONN_HELLO && now >= c->hello_deadline)
        conn_fail(c, MC_VSAN_C_HELLO_TIMEOUT, now, "no HELLO %s within %u ms of the connection",
                  c->outbound ? "answered" : "received", MC_VSAN_HELLO_MS);
    if (conn_live(c) && c->out_since != MC_VSAN_NEVER && now >= c->out_since + MC_VSAN_FRAME_MS)
        conn_fail(c, MC_VSAN_C_OUTPUT_STALLED, now, "peer %u read none of %zu queued bytes within %u ms",
                  (unsigned)c->peer, mc_vsan_conn_queued(c), MC_VSAN_FRAME_MS);
    for (unsigned i = 0; i < MC_VSAN_MAX_OUTSTANDING && conn_live(c); i++) {
        conn_pending *p = &c->out[i];
        if (!p->used || now < p->deadline)
            continue;
        conn_pending gone = *p;
        p->used = false;
        c->nout--;
        conn_note(c, MC_VSAN_C_TIMED_OUT, "%s tag %u to peer %u unanswered past its deadline",
                  mc_vsan_type_name(gone.type), (unsigned)gone.tag, (unsigned)c->peer);
        if (c->ops->unanswered) {
            c->depth++;
            c->ops->unanswered(c->ctx, c, gone.tag, gone.type, gone.ctx, true);
            c->depth--;
        }
    }
}

/* Stamps the header (sender, receiver, seq, term; the caller set the tag) and queues the frame;
 * output that had been empty starts the clock of the output deadline. */
mc_vsan_send conn_send(mc_vsan_conn *c, mc_vsan_msg *m, uint8_t dir, uint64_t now)
{
    m->h.sender = c->cfg->self;
    m->h.receiver = c->peer;
    m->h.seq = c->seq_out;
    m->h.term = c->ops->term ? c->ops->term(c->ctx) : 0;
    mc_vsan_opts o = {.block_size = c->cfg->block_size, .dir = dir};
    bool was_empty = mc_vsan_conn_queued(c) == 0;
    mc_vsan_res r = mc_vsan_encode_buf(m, &o, &c->wq);
    if (r == MC_VSAN_R_NO_ROOM)
        return MC_VSAN_SEND_NOMEM;
    if (r != MC_VSAN_R_OK)
        return MC_VSAN_SEND_INVALID;
    c->seq_out++;
    if (was_empty)
        c->out_since = now;   /* the peer has FRAME_MS to take some of it */
    return MC_VSAN_SEND_OK;
}

mc_vsan_send mc_vsan_conn_request(mc_vsan_conn *c, mc_vsan_msg *m, uint32_t timeout_ms, void *req_ctx,
                                  uint64_t now, uint32_t *tag)
{
    if (!c->outbound)
        return MC_VSAN_SEND_INVALID;   /* §2: a process's own messages travel on its outbound connections */
    if (c->state != MC_VSAN_CONN_UP &&
        !(c->state == MC_VSAN_CONN_HELLO && m->h.type == MC_VSAN_T_HELLO && c->nout == 0))
        return MC_VSAN_SEND_NOT_UP;
    const mc_vsan_type_desc *t = mc_vsan_type_info(m->h.type);
    if (!t || t->dir != MC_VSAN_REQUEST)
        return MC_VSAN_SEND_INVALID;
    if (c->nout >= MC_VSAN_MAX_OUTSTANDING)
        return MC_VSAN_SEND_OUTSTANDING;
    if (mc_vsan_conn_queued(c) >= MC_VSAN_WQ_HIGH)
        return MC_VSAN_SEND_BACKLOG;
    conn_pending *slot = NULL;
    for (unsigned i = 0; i < MC_VSAN_MAX_OUTSTANDING && !slot; i++)
        if (!c->out[i].used)
            slot = &c->out[i];
    /* the next tag no request in flight carries (at most MAX_OUTSTANDING - 1 are) */
    for (bool taken = true; taken;) {
        taken = false;
        for (unsigned i = 0; i < MC_VSAN_MAX_OUTSTANDING && !taken; i++)
            taken = c->out[i].used && c->out[i].tag == c->next_tag;
        if (taken)
            c->next_tag++;
    }
    m->h.tag = c->next_tag;
    mc_vsan_send s = conn_send(c, m, MC_VSAN_REQUEST, now);
    if (s != MC_VSAN_SEND_OK)
        return s;
    *slot = (conn_pending){.used = true, .tag = c->next_tag++, .type = (uint8_t)t->number,
                           .answer = t->answer, .deadline = now + timeout_ms, .ctx = req_ctx};
    c->nout++;
    if (tag)
        *tag = slot->tag;
    return MC_VSAN_SEND_OK;
}

mc_vsan_send mc_vsan_conn_answer(mc_vsan_conn *c, uint32_t tag, mc_vsan_msg *m, uint64_t now)
{
    if (c->outbound || !conn_live(c))
        return c->outbound ? MC_VSAN_SEND_INVALID : MC_VSAN_SEND_NOT_UP;
    unsigned i = 0;
    while (i < c->nin && c->in_tags[i] != tag)
        i++;
    if (i == c->nin)
        return MC_VSAN_SEND_NO_REQUEST;
    m->h.tag = tag;
    mc_vsan_send s = conn_send(c, m, MC_VSAN_ANSWER, now);
    if (s != MC_VSAN_SEND_OK)
        return s;
    c->in_tags[i] = c->in_tags[--c->nin];
    return MC_VSAN_SEND_OK;
}

mc_vsan_conn_state mc_vsan_conn_get_state(const mc_vsan_conn *c) { return c->state; }
bool mc_vsan_conn_is_outbound(const mc_vsan_conn *c) { return c->outbound; }
uint16_t mc_vsan_conn_peer(const mc_vsan_conn *c) { return c->peer; }
uint64_t mc_vsan_conn_next_attempt(const mc_vsan_conn *c) { return c->next_attempt; }
const uint64_t *mc_vsan_conn_counters(const mc_vsan_conn *c) { return c->counters; }
unsigned mc_vsan_conn_outstanding(const mc_vsan_conn *c) { return c->nout; }
unsigned mc_vsan_conn_unanswered_in(const mc_vsan_conn *c) { return c->nin; }
