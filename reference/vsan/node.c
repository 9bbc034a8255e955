/* A virtual SAN node (node.h): the engine's messages on link connections. Requests the engine
 * sends go on our outbound connection to the peer, answers on the inbound connection the request
 * came in on (docs/vsan-link.md §2); the link layer numbers requests itself, so the engine's tag
 * travels as the request's context and is put back on the answer. A peer is "up" for the engine
 * once both of its connections passed their HELLO. */
#include "node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NODE_PENDING_MAX (2u * MC_VSAN_ID_MAX)  /* inbound connections not yet past HELLO */
#define NODE_QUEUE_MAX 4096u                    /* messages waiting for room on a link: the engine's own bound */
#define NODE_LISTEN_BACKLOG 16
#define NODE_ACCEPT_PER_ROUND 16u
#define NODE_HIST_BYTES (MC_VSAN_HISTORY_MAX * 8u)

typedef struct qmsg {
    struct qmsg *next;
    mc_vsan_msg m;
    uint8_t *data;           /* our copy of m.data */
    uintptr_t engine_tag;    /* requests: the engine's tag, carried as context */
} qmsg;

typedef struct node_peer {
    mc_vsan_conn *out, *in;
    bool out_up, in_up, engine_up;
    bool hello_known;
    mc_vsan_msg hello;                   /* the peer's latest HELLO or HELLO_OK */
    uint8_t hello_cluster[MC_VSAN_CLUSTER_LEN];
    uint8_t hello_hist[NODE_HIST_BYTES];
    qmsg *q, **qtail;
    size_t nq;
} node_peer;

struct mc_vsan_node {
    mc_vsan_node_cfg cfg;
    mc_vsan_link_cfg lcfg;
    mc_vsan_conn_ops ops;
    int listen_fd;
    struct sockaddr_in bound;
    mc_vsan_engine *e;
    node_peer p[MC_VSAN_ID_MAX + 1];
    mc_vsan_conn *pending[NODE_PENDING_MAX];
    size_t npending;
    mc_vsan_conn *polled[1u + 2u * MC_VSAN_ID_MAX + NODE_PENDING_MAX];
    size_t npolled;
    uint64_t gone_counters[MC_VSAN_C_COUNT];  /* of connections already freed */
    uint64_t rng;
    size_t queued;
};

uint64_t mc_vsan_node_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void node_log(const mc_vsan_node *n, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void node_log(const mc_vsan_node *n, int level, const char *fmt, ...)
{
    if (level > n->cfg.log_level)
        return;
    FILE *out = n->cfg.log ? n->cfg.log : stderr;
    va_list ap;
    va_start(ap, fmt);
    /* Monotonic seconds: the servers of one machine share the clock, so their logs interleave. */
    uint64_t now = mc_vsan_node_now();
    fprintf(out, "vsan %u [%" PRIu64 ".%03u]: ", (unsigned)n->cfg.engine.id, now / 1000u, (unsigned)(now % 1000u));
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    fflush(out);
    va_end(ap);
}

/* --- the engine's environment ------------------------------------------------------------------ */

static uint64_t env_now(void *ctx) { (void)ctx; return mc_vsan_node_now(); }

static uint64_t env_rand(void *ctx)
{
    mc_vsan_node *n = ctx;
    n->rng ^= n->rng << 13;
    n->rng ^= n->rng >> 7;
    n->rng ^= n->rng << 17;
    return n->rng;
}

static void env_log(void *ctx, int level, const char *msg) { node_log(ctx, level, "%s", msg); }

/* Longer than any wait of the engine (a grant: two leases and a write), so the engine's own
 * deadline always decides; the link's only frees its table. */
static uint32_t link_timeout(const mc_vsan_node *n) { return 3u * n->cfg.engine.lease_ms + 2u * 1000u; }

static bool is_request(unsigned type)
{
    const mc_vsan_type_desc *t = mc_vsan_type_info(type);
    return t && t->dir == MC_VSAN_REQUEST;
}

/* One try on the link: OK, or a reason to queue (room) or to give up. */
static mc_vsan_send try_send(mc_vsan_node *n, node_peer *p, mc_vsan_msg *m, uintptr_t engine_tag)
{
    uint64_t now = mc_vsan_node_now();
    if (is_request(m->h.type)) {
        if (!p->out_up)
            return MC_VSAN_SEND_NOT_UP;
        uint32_t tag;
        return mc_vsan_conn_request(p->out, m, link_timeout(n), (void *)engine_tag, now, &tag);
    }
    if (!p->in_up)
        return MC_VSAN_SEND_NOT_UP;
    return mc_vsan_conn_answer(p->in, m->h.tag, m, now);
}

static bool backpressure(mc_vsan_send s) { return s == MC_VSAN_SEND_OUTSTANDING || s == MC_VSAN_SEND_BACKLOG; }

static int enqueue(mc_vsan_node *n, node_peer *p, const mc_vsan_msg *m, uintptr_t engine_tag)
{
    if (n->queued >= NODE_QUEUE_MAX)
        return -1;
    qmsg *q = calloc(1, sizeof *q);
    if (!q)
        return -1;
    q->m = *m;
    q->engine_tag = engine_tag;
    if (m->data_len) {
        q->data = malloc(m->data_len);
        if (!q->data) {
            free(q);
            return -1;
        }
        memcpy(q->data, m->data, m->data_len);
        q->m.data = q->data;
    }
    /* Body arrays (RECONCILE_OK regions, HELLO history) are not queued: the engine sends those
     * only when a link is idle; a queued one loses them, so refuse. */
    for (size_t f = 0; f < MC_VSAN_F_COUNT; f++)
        if (m->ref[f] && mc_vsan_field_info((mc_vsan_field)f)->kind == MC_VSAN_ARRAY) {
            free(q->data);
            free(q);
            return -1;
        }
    *p->qtail = q;
    p->qtail = &q->next;
    p->nq++;
    n->queued++;
    return 0;
}

static void flush_queue(mc_vsan_node *n, node_peer *p)
{
    while (p->q) {
        qmsg *q = p->q;
        mc_vsan_send s = try_send(n, p, &q->m, q->engine_tag);
        if (backpressure(s))
            return;
        p->q = q->next;
        if (!p->q)
            p->qtail = &p->q;
        p->nq--;
        n->queued--;
        free(q->data);
        free(q);
    }
}

static void drop_queue(mc_vsan_node *n, node_peer *p)
{
    while (p->q) {
        qmsg *q = p->q;
        p->q = q->next;
        free(q->data);
        free(q);
        n->queued--;
    }
    p->qtail = &p->q;
    p->nq = 0;
}

static int env_send(void *ctx, uint16_t peer, const mc_vsan_msg *m)
{
    mc_vsan_node *n = ctx;
    if (peer == 0 || peer > MC_VSAN_ID_MAX || !n->p[peer].engine_up)
        return -1;
    node_peer *p = &n->p[peer];
    mc_vsan_msg copy = *m;
    uintptr_t engine_tag = m->h.tag;
    if (p->q)  /* keep the order: behind what already waits */
        return enqueue(n, p, &copy, engine_tag);
    mc_vsan_send s = try_send(n, p, &copy, engine_tag);
    if (s == MC_VSAN_SEND_OK)
        return 0;
    if (backpressure(s))
        return enqueue(n, p, m, engine_tag);
    if (s != MC_VSAN_SEND_NOT_UP)
        node_log(n, 0, "message %s to %u not sent: %s", mc_vsan_type_name(m->h.type), (unsigned)peer,
                 mc_vsan_send_name(s));
    return -1;
}

/* --- links ------------------------------------------------------------------------------------- */

static void maybe_up(mc_vsan_node *n, uint16_t peer)
{
    node_peer *p = &n->p[peer];
    bool up = p->out_up && p->in_up && p->hello_known;
    if (up && !p->engine_up) {
        p->engine_up = true;
        node_log(n, 1, "link to %u up", (unsigned)peer);
        mc_vsan_on_link_up(n->e, peer, &p->hello);
    } else if (!up && p->engine_up) {
        p->engine_up = false;
        drop_queue(n, p);
        node_log(n, 1, "link to %u down", (unsigned)peer);
        mc_vsan_on_link_down(n->e, peer);
    }
}

static void keep_hello(node_peer *p, const mc_vsan_msg *m)
{
    p->hello = *m;
    memset(p->hello_cluster, 0, sizeof p->hello_cluster);
    if (m->ref[MC_VSAN_F_HELLO_CLUSTER])
        memcpy(p->hello_cluster, m->ref[MC_VSAN_F_HELLO_CLUSTER], MC_VSAN_CLUSTER_LEN);
    uint64_t count = mc_vsan_get(m, MC_VSAN_F_HELLO_HISTORY_COUNT);
    size_t bytes = (size_t)(count < MC_VSAN_HISTORY_MAX ? count : MC_VSAN_HISTORY_MAX) * 8u;
    if (m->ref[MC_VSAN_F_HELLO_HISTORY] && bytes)
        memcpy(p->hello_hist, m->ref[MC_VSAN_F_HELLO_HISTORY], bytes);
    p->hello.ref[MC_VSAN_F_HELLO_CLUSTER] = p->hello_cluster;
    p->hello.ref[MC_VSAN_F_HELLO_HISTORY] = p->hello_hist;
    p->hello.data = NULL;
    p->hello.data_len = 0;
    p->hello_known = true;
}

static void conn_message(void *ctx, mc_vsan_conn *c, const mc_vsan_msg *m, void *req_ctx)
{
    mc_vsan_node *n = ctx;
    uint16_t peer = (uint16_t)m->h.sender;
    if (peer == 0 || peer > MC_VSAN_ID_MAX)
        return;
    node_peer *p = &n->p[peer];
    if (m->h.type == MC_VSAN_T_HELLO) {
        /* An inbound connection passed rule 6: it is the peer's, replacing an older one. */
        if (p->in && p->in != c)
            mc_vsan_conn_close(p->in, "replaced by a newer connection", mc_vsan_node_now());
        for (size_t i = 0; i < n->npending; i++)
            if (n->pending[i] == c) {
                n->pending[i] = n->pending[--n->npending];
                break;
            }
        p->in = c;
        p->in_up = true;
        keep_hello(p, m);
        mc_vsan_msg a;
        uint8_t hist[NODE_HIST_BYTES];
        mc_vsan_hello(n->e, peer, &a, hist);
        a.h.type = MC_VSAN_T_HELLO_OK;
        mc_vsan_conn_answer(c, m->h.tag, &a, mc_vsan_node_now());
        maybe_up(n, peer);
        return;
    }
    if (m->h.type == MC_VSAN_T_HELLO_OK) {
        keep_hello(p, m);
        p->out_up = true;
        maybe_up(n, peer);
        return;
    }
    if (!p->engine_up)
        return;
    if (mc_vsan_conn_is_outbound(c)) {
        mc_vsan_msg a = *m;
        a.h.tag = (uint32_t)(uintptr_t)req_ctx;  /* the engine knows its request by its own tag */
        mc_vsan_on_message(n->e, peer, &a);
    } else {
        mc_vsan_on_message(n->e, peer, m);
    }
}

static void conn_unanswered(void *ctx, mc_vsan_conn *c, uint32_t tag, unsigned type, void *req_ctx, bool timed_out)
{
    (void)ctx, (void)c, (void)tag, (void)type, (void)req_ctx, (void)timed_out;
    /* The engine keeps its own deadlines, shorter than the link's; a closed link reaches it as
     * the peer going down. */
}

static void conn_state(void *ctx, mc_vsan_conn *c, mc_vsan_conn_state s)
{
    mc_vsan_node *n = ctx;
    uint16_t peer = mc_vsan_conn_peer(c);
    if (mc_vsan_conn_is_outbound(c)) {
        if (s == MC_VSAN_CONN_HELLO) {
            mc_vsan_msg m;
            uint8_t hist[NODE_HIST_BYTES];
            mc_vsan_hello(n->e, peer, &m, hist);
            uint32_t tag;
            mc_vsan_conn_request(c, &m, link_timeout(n), NULL, mc_vsan_node_now(), &tag);
        } else if (s != MC_VSAN_CONN_UP && peer && n->p[peer].out_up) {
            n->p[peer].out_up = false;
            maybe_up(n, peer);
        }
        return;
    }
    if (s == MC_VSAN_CONN_CLOSED && peer && n->p[peer].in == c) {
        n->p[peer].in_up = false;
        maybe_up(n, peer);
    }
}

static void conn_log(void *ctx, mc_vsan_conn *c, unsigned counter, const char *text)
{
    mc_vsan_node *n = ctx;
    node_log(n, 1, "link %s %u: %s (%s)", mc_vsan_conn_is_outbound(c) ? "to" : "from",
             (unsigned)mc_vsan_conn_peer(c), text, mc_vsan_counter_name(counter) ? mc_vsan_counter_name(counter) : "");
}

static uint32_t conn_term(void *ctx)
{
    mc_vsan_node *n = ctx;
    mc_vsan_info st;
    mc_vsan_get_info(n->e, &st);
    return st.term;
}

/* --- life -------------------------------------------------------------------------------------- */

static int open_listener(mc_vsan_node *n, char *err, size_t errlen)
{
    n->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (n->listen_fd < 0 || setsockopt(n->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(n->listen_fd, (const struct sockaddr *)&n->cfg.link, sizeof n->cfg.link) != 0 ||
        listen(n->listen_fd, NODE_LISTEN_BACKLOG) != 0) {
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &n->cfg.link.sin_addr, a, sizeof a);
        snprintf(err, errlen, "link endpoint %s:%u: %s", a, (unsigned)ntohs(n->cfg.link.sin_port), strerror(errno));
        return -1;
    }
    socklen_t sl = sizeof n->bound;
    getsockname(n->listen_fd, (struct sockaddr *)&n->bound, &sl);
    return 0;
}

mc_vsan_node *mc_vsan_node_new(const mc_vsan_node_cfg *cfg, mc_store *store, char *err, size_t errlen)
{
    mc_vsan_node *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    n->cfg = *cfg;
    n->listen_fd = -1;
    if (getrandom(&n->rng, sizeof n->rng, 0) != (ssize_t)sizeof n->rng || n->rng == 0)
        n->rng = mc_vsan_node_now() | 1u;
    for (uint16_t i = 0; i <= MC_VSAN_ID_MAX; i++)
        n->p[i].qtail = &n->p[i].q;
    n->lcfg.self = cfg->engine.id;
    if (mc_vsan_cluster_name(n->lcfg.cluster, cfg->engine.cluster) != 0) {
        snprintf(err, errlen, "cluster name \"%s\" is empty or longer than %u", cfg->engine.cluster,
                 MC_VSAN_CLUSTER_LEN);
        free(n);
        return NULL;
    }
    n->lcfg.block_size = cfg->engine.block_size ? cfg->engine.block_size : 1u;
    n->lcfg.bind_addr = cfg->link.sin_addr;  /* outbound from our own link address (rule 6) */
    n->lcfg.peers = n->cfg.peers;
    n->lcfg.npeers = cfg->npeers;
    n->ops = (mc_vsan_conn_ops){conn_message, conn_unanswered, conn_state, conn_log, conn_term};
    mc_vsan_env env = {.ctx = n, .now_ms = env_now, .rand64 = env_rand, .send = env_send, .log = env_log};
    if (open_listener(n, err, errlen) != 0 || mc_vsan_engine_new(&n->e, &cfg->engine, &env, store, err, errlen) != 0) {
        mc_vsan_node_free(n);
        return NULL;
    }
    uint64_t now = mc_vsan_node_now();
    for (size_t i = 0; i < cfg->npeers; i++) {
        uint16_t id = cfg->peers[i].id;
        n->p[id].out = mc_vsan_conn_outbound(&n->lcfg, &n->ops, n, id, now);
        if (!n->p[id].out) {
            snprintf(err, errlen, "peer %u: cannot set up its connection", (unsigned)id);
            mc_vsan_node_free(n);
            return NULL;
        }
    }
    return n;
}

static void gone(mc_vsan_node *n, mc_vsan_conn *c)
{
    const uint64_t *cnt = mc_vsan_conn_counters(c);
    for (unsigned i = 0; i < MC_VSAN_C_COUNT; i++)
        n->gone_counters[i] += cnt[i];
    mc_vsan_conn_free(c);
}

void mc_vsan_node_free(mc_vsan_node *n)
{
    if (!n)
        return;
    mc_vsan_engine_shutdown(n->e);  /* the node is freed on a clean stop only */
    mc_vsan_engine_free(n->e);
    for (uint16_t i = 0; i <= MC_VSAN_ID_MAX; i++) {
        drop_queue(n, &n->p[i]);
        if (n->p[i].out)
            mc_vsan_conn_free(n->p[i].out);
        if (n->p[i].in)
            mc_vsan_conn_free(n->p[i].in);
    }
    for (size_t i = 0; i < n->npending; i++)
        mc_vsan_conn_free(n->pending[i]);
    if (n->listen_fd >= 0)
        close(n->listen_fd);
    free(n);
}

mc_vsan_engine *mc_vsan_node_engine(mc_vsan_node *n) { return n->e; }
struct sockaddr_in mc_vsan_node_link(const mc_vsan_node *n) { return n->bound; }

void mc_vsan_node_link_counters(const mc_vsan_node *n, uint64_t out[MC_VSAN_C_COUNT])
{
    memcpy(out, n->gone_counters, sizeof n->gone_counters);
    for (uint16_t i = 0; i <= MC_VSAN_ID_MAX; i++)
        for (int k = 0; k < 2; k++) {
            const mc_vsan_conn *c = k ? n->p[i].in : n->p[i].out;
            if (!c)
                continue;
            const uint64_t *cnt = mc_vsan_conn_counters(c);
            for (unsigned j = 0; j < MC_VSAN_C_COUNT; j++)
                out[j] += cnt[j];
        }
}

/* --- the poll loop ------------------------------------------------------------------------------- */

size_t mc_vsan_node_nfds(const mc_vsan_node *n)
{
    return sizeof n->polled / sizeof n->polled[0];
}

static void add(mc_vsan_node *n, struct pollfd *pf, size_t max, size_t *k, mc_vsan_conn *c)
{
    if (!c || mc_vsan_conn_fd(c) < 0 || *k >= max)
        return;
    pf[*k].fd = mc_vsan_conn_fd(c);
    pf[*k].events = mc_vsan_conn_events(c);
    pf[*k].revents = 0;
    n->polled[(*k)++] = c;
}

size_t mc_vsan_node_fill(mc_vsan_node *n, struct pollfd *pf, size_t max)
{
    size_t k = 0;
    if (max > 0 && n->listen_fd >= 0) {
        pf[0] = (struct pollfd){.fd = n->listen_fd, .events = POLLIN};
        n->polled[0] = NULL;
        k = 1;
    }
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        add(n, pf, max, &k, n->p[i].out);
        add(n, pf, max, &k, n->p[i].in);
    }
    for (size_t i = 0; i < n->npending; i++)
        add(n, pf, max, &k, n->pending[i]);
    n->npolled = k;
    return k;
}

static void accept_all(mc_vsan_node *n, uint64_t now)
{
    for (unsigned i = 0; i < NODE_ACCEPT_PER_ROUND; i++) {
        int fd = accept(n->listen_fd, NULL, NULL);
        if (fd < 0)
            return;
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
            close(fd);
            continue;
        }
        if (n->npending >= NODE_PENDING_MAX) {
            close(fd);  /* bounded: unadmitted connections cost the newcomer, never the node */
            continue;
        }
        mc_vsan_conn *c = mc_vsan_conn_inbound(&n->lcfg, &n->ops, n, fd, now);
        if (c)
            n->pending[n->npending++] = c;
    }
}

void mc_vsan_node_on_poll(mc_vsan_node *n, const struct pollfd *pf, size_t npf)
{
    uint64_t now = mc_vsan_node_now();
    for (size_t i = 0; i < npf && i < n->npolled; i++) {
        if (!n->polled[i]) {
            if (pf[i].revents & POLLIN)
                accept_all(n, now);
            continue;
        }
        if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
            mc_vsan_conn_on_readable(n->polled[i], now);
        if (pf[i].revents & POLLOUT)
            mc_vsan_conn_on_writable(n->polled[i], now);
    }
}

uint64_t mc_vsan_node_next_deadline(const mc_vsan_node *n)
{
    uint64_t now = mc_vsan_node_now();
    uint64_t d = mc_vsan_next_deadline(n->e);
    if (!d)
        d = MC_VSAN_NEVER;
    if (n->queued)
        d = now;
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        for (int k = 0; k < 2; k++) {
            const mc_vsan_conn *c = k ? n->p[i].in : n->p[i].out;
            if (c) {
                uint64_t cd = mc_vsan_conn_next_deadline(c, now);
                if (cd < d)
                    d = cd;
            }
        }
    for (size_t i = 0; i < n->npending; i++) {
        uint64_t cd = mc_vsan_conn_next_deadline(n->pending[i], now);
        if (cd < d)
            d = cd;
    }
    return d == MC_VSAN_NEVER ? 0 : d;
}

void mc_vsan_node_tick(mc_vsan_node *n)
{
    uint64_t now = mc_vsan_node_now();
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        if (n->p[i].out)
            mc_vsan_conn_tick(n->p[i].out, now);
        if (n->p[i].in)
            mc_vsan_conn_tick(n->p[i].in, now);
    }
    for (size_t i = 0; i < n->npending; i++)
        mc_vsan_conn_tick(n->pending[i], now);
    /* Inbound connections that failed are freed here, never inside a callback. */
    for (size_t i = 0; i < n->npending;) {
        if (mc_vsan_conn_get_state(n->pending[i]) == MC_VSAN_CONN_CLOSED) {
            gone(n, n->pending[i]);
            n->pending[i] = n->pending[--n->npending];
        } else {
            i++;
        }
    }
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        node_peer *p = &n->p[i];
        if (p->in && mc_vsan_conn_get_state(p->in) == MC_VSAN_CONN_CLOSED) {
            p->in_up = false;
            maybe_up(n, i);
            gone(n, p->in);
            p->in = NULL;
        }
        if (p->q)
            flush_queue(n, p);
    }
    mc_vsan_tick(n->e);
}
