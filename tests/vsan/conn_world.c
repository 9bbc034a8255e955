/* The loopback rig of the link connection tests (conn_world.h). */
#include "conn_world.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"

#define REGION (64u * 1024u)
#define STORE_BLOCKS 2048u
#define QUIET_ROUNDS 3            /* pump until this many poll rounds saw nothing */
#define POLL_MS 2
#define PUMP_ROUNDS_MAX 2000
#define RAW_WAIT_MS 2000          /* real time a raw socket waits for bytes */
#define LISTEN_BACKLOG 16

uint64_t now_ms = 1000000;
node A, B, C;
int listen_b = -1, listen_r = -1;
mc_vsan_conn *a_to_b, *a_to_r, *c_to_b;
mc_vsan_conn *b_in[INBOUND_MAX];
int nb_in;

static mc_vsan_conn_ops ops;
static uint8_t *zeros;            /* data for READ answers */

static struct sockaddr_in addr_of(const char *ip, uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static int listen_on(const char *ip, uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = addr_of(ip, 0);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        close(fd);
        return -1;
    }
    socklen_t sl = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &sl);
    *port = ntohs(a.sin_port);
    return fd;
}

void hello_of(mc_vsan_msg *m, unsigned type, const node *n)
{
    mc_vsan_msg_init(m, type);
    m->ref[MC_VSAN_F_HELLO_CLUSTER] = n->cfg.cluster;
    mc_vsan_set(m, MC_VSAN_F_HELLO_ROLE, MC_VSAN_ROLE_SERVER);
    mc_vsan_set(m, MC_VSAN_F_HELLO_BLOCK_SIZE, BLOCK);
    mc_vsan_set(m, MC_VSAN_F_HELLO_REGION_SIZE, REGION);
    mc_vsan_set(m, MC_VSAN_F_HELLO_BLOCKS, STORE_BLOCKS);
}

static void on_state(void *ctx, mc_vsan_conn *c, mc_vsan_conn_state s)
{
    node *n = ctx;
    if (s == MC_VSAN_CONN_UP)
        n->st.ups++;
    if (s == MC_VSAN_CONN_HELLO && mc_vsan_conn_is_outbound(c)) {
        mc_vsan_msg m;
        hello_of(&m, MC_VSAN_T_HELLO, n);
        mc_vsan_conn_request(c, &m, LONG_MS, NULL, now_ms, NULL);
    }
}

static void on_message(void *ctx, mc_vsan_conn *c, const mc_vsan_msg *m, void *req_ctx)
{
    node *n = ctx;
    if (mc_vsan_conn_is_outbound(c)) {
        n->st.answers++;
        n->st.errors += m->h.type == MC_VSAN_T_ERROR;
        return;
    }
    n->st.requests++;
    mc_vsan_msg a;
    if (m->h.type == MC_VSAN_T_HELLO) {
        hello_of(&a, MC_VSAN_T_HELLO_OK, n);
        mc_vsan_conn_answer(c, m->h.tag, &a, now_ms);
    } else if (m->h.type == MC_VSAN_T_GRANT && n->st.answer_grants) {
        mc_vsan_msg_init(&a, MC_VSAN_T_GRANT_OK);
        mc_vsan_set(&a, MC_VSAN_F_GRANT_OK_FIRST, mc_vsan_get(m, MC_VSAN_F_RANGE_FIRST));
        mc_vsan_set(&a, MC_VSAN_F_GRANT_OK_COUNT, mc_vsan_get(m, MC_VSAN_F_RANGE_COUNT));
        mc_vsan_conn_answer(c, m->h.tag, &a, now_ms);
    } else if (m->h.type == MC_VSAN_T_READ && n->st.answer_reads) {
        mc_vsan_msg_init(&a, MC_VSAN_T_READ_OK);
        a.data = zeros;
        a.data_len = (size_t)mc_vsan_get(m, MC_VSAN_F_READ_LENGTH);
        mc_vsan_conn_answer(c, m->h.tag, &a, now_ms);
    } else if (n->st.held < (int)HELD_MAX) {
        n->st.held_conn = c;
        n->st.held_tag[n->st.held++] = m->h.tag;
    }
}

static void on_unanswered(void *ctx, mc_vsan_conn *c, uint32_t tag, unsigned type, void *req_ctx, bool timed_out)
{
    node *n = ctx;
    if (timed_out)
        n->st.timed_out++;
    else
        n->st.closed_unanswered++;
}

static void on_log(void *ctx, mc_vsan_conn *c, unsigned counter, const char *text)
{
    node *n = ctx;
    n->st.logs++;
    n->st.last_log_counter = counter;
    snprintf(n->st.last_log, sizeof(n->st.last_log), "%s", text);
    tap_diag("%s log [%s]: %s", n->st.name, mc_vsan_counter_name(counter), text);
}

static void node_init(node *n, const char *name, uint16_t self, const char *ip)
{
    memset(n, 0, sizeof(*n));
    n->st.name = name;
    n->st.answer_grants = true;
    n->cfg.self = self;
    mc_vsan_cluster_name(n->cfg.cluster, "alpha");
    n->cfg.block_size = BLOCK;
    inet_pton(AF_INET, ip, &n->cfg.bind_addr);
    n->cfg.peers = n->peers;
}

static void add_peer(node *n, uint16_t id, const char *ip, uint16_t port)
{
    n->peers[n->cfg.npeers++] = (mc_vsan_peer){.id = id, .addr = addr_of(ip, port)};
}

int pump_once(int timeout_ms)
{
    struct pollfd pf[INBOUND_MAX + 8];
    mc_vsan_conn *who[INBOUND_MAX + 8];
    int k = 0;
    pf[k] = (struct pollfd){.fd = listen_b, .events = POLLIN};
    who[k++] = NULL;
    mc_vsan_conn *all[INBOUND_MAX + 3] = {a_to_b, a_to_r, c_to_b};
    int nall = 3;
    for (int i = 0; i < nb_in; i++)
        all[nall++] = b_in[i];
    for (int i = 0; i < nall; i++)
        if (all[i] && mc_vsan_conn_fd(all[i]) >= 0) {
            pf[k] = (struct pollfd){.fd = mc_vsan_conn_fd(all[i]), .events = mc_vsan_conn_events(all[i])};
            who[k++] = all[i];
        }
    int seen = poll(pf, (nfds_t)k, timeout_ms);
    for (int i = 1; seen > 0 && i < k; i++) {
        if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
            mc_vsan_conn_on_readable(who[i], now_ms);
        if (pf[i].revents & (POLLOUT | POLLERR | POLLHUP))
            mc_vsan_conn_on_writable(who[i], now_ms);
    }
    if (seen > 0 && (pf[0].revents & POLLIN)) {
        int fd;
        while (nb_in < INBOUND_MAX && (fd = accept(listen_b, NULL, NULL)) >= 0)
            b_in[nb_in++] = mc_vsan_conn_inbound(&B.cfg, &ops, &B, fd, now_ms);
    }
    for (int i = 0; i < nall; i++)
        if (all[i])
            mc_vsan_conn_tick(all[i], now_ms);
    return seen;
}

void pump(void)
{
    for (int round = 0, quiet = 0; quiet < QUIET_ROUNDS && round < PUMP_ROUNDS_MAX; round++)
        quiet = pump_once(POLL_MS) > 0 ? 0 : quiet + 1;
}

void at(uint64_t t)
{
    now_ms = t;
    pump();
}

mc_vsan_conn *newest_in(void)
{
    return nb_in ? b_in[nb_in - 1] : NULL;
}

void reap(void)
{
    int k = 0;
    for (int i = 0; i < nb_in; i++) {
        if (mc_vsan_conn_get_state(b_in[i]) == MC_VSAN_CONN_CLOSED)
            mc_vsan_conn_free(b_in[i]);
        else
            b_in[k++] = b_in[i];
    }
    nb_in = k;
}

mc_vsan_send grant(mc_vsan_conn *c, uint32_t first, uint32_t timeout, uint32_t *tag)
{
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_GRANT);
    mc_vsan_set(&m, MC_VSAN_F_RANGE_FIRST, first);
    mc_vsan_set(&m, MC_VSAN_F_RANGE_COUNT, 1);
    return mc_vsan_conn_request(c, &m, timeout, NULL, now_ms, tag);
}

void others_work(const char *after)
{
    int a0 = A.st.answers, c0 = C.st.answers;
    mc_vsan_send sa = grant(a_to_b, 7, LONG_MS, NULL), sc = grant(c_to_b, 8, LONG_MS, NULL);
    pump();
    tap_ok(sa == MC_VSAN_SEND_OK && sc == MC_VSAN_SEND_OK && A.st.answers == a0 + 1 && C.st.answers == c0 + 1 &&
               mc_vsan_conn_get_state(a_to_b) == MC_VSAN_CONN_UP && mc_vsan_conn_get_state(c_to_b) == MC_VSAN_CONN_UP,
           "after %s: A and C still get B's answers", after);
}

int raw_connect(const char *src_ip)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;   /* no Nagle: a case's bytes arrive when it sends them */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in s = addr_of(src_ip, 0), d;
    socklen_t sl = sizeof(d);
    getsockname(listen_b, (struct sockaddr *)&d, &sl);
    if (bind(fd, (struct sockaddr *)&s, sizeof(s)) != 0 || connect(fd, (struct sockaddr *)&d, sizeof(d)) != 0) {
        tap_diag("raw connect from %s: %s", src_ip, strerror(errno));
        close(fd);
        return -1;
    }
    pump();
    return fd;
}

void raw_bytes(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        b += w;
        n -= (size_t)w;
    }
}

size_t raw_msg(int fd, mc_vsan_msg *m, uint32_t sender, uint32_t receiver, uint32_t seq, uint32_t tag, size_t cut,
               uint8_t *out)
{
    static uint8_t buf[MC_VSAN_FRAME_MAX];
    m->h.sender = sender;
    m->h.receiver = receiver;
    m->h.seq = seq;
    m->h.tag = tag;
    size_t len = 0;
    mc_vsan_res r = mc_vsan_encode(m, NULL, buf, sizeof(buf), &len);
    if (r != MC_VSAN_R_OK)
        tap_diag("raw encode: %s", mc_vsan_res_name(r));
    if (out)
        memcpy(out, buf, len);
    if (fd >= 0)
        raw_bytes(fd, buf, cut ? cut : len);
    return len;
}

void raw_hello(int fd, const char *cluster, uint32_t sender, uint32_t receiver, uint32_t seq, uint32_t tag)
{
    node n = A;
    mc_vsan_cluster_name(n.cfg.cluster, cluster);
    mc_vsan_msg m;
    hello_of(&m, MC_VSAN_T_HELLO, &n);
    raw_msg(fd, &m, sender, receiver, seq, tag, 0, NULL);
}

void raw_grant(int fd, uint32_t sender, uint32_t seq, uint32_t tag)
{
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_GRANT);
    mc_vsan_set(&m, MC_VSAN_F_RANGE_COUNT, 1);
    raw_msg(fd, &m, sender, ID_B, seq, tag, 0, NULL);
}

int raw_admitted(void)
{
    int fd = raw_connect("127.0.0.2");
    raw_hello(fd, "alpha", ID_A, ID_B, 1, 1);
    pump();
    return fd;
}

int raw_read(int fd, mc_vsan_rx *rx, mc_vsan_msg *m)
{
    for (int waited = 0; waited < RAW_WAIT_MS; waited += POLL_MS) {
        mc_vsan_res r = mc_vsan_rx_next(rx, NULL, m);
        if (r != MC_VSAN_R_NEED_MORE)
            return r == MC_VSAN_R_OK ? (int)m->h.type : -1;
        pump_once(0);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, POLL_MS) > 0) {
            uint8_t *sp;
            size_t room;
            mc_vsan_rx_space(rx, &sp, &room);
            ssize_t n = recv(fd, sp, room, MSG_DONTWAIT);
            if (n <= 0)
                return -1;
            mc_vsan_rx_commit(rx, (size_t)n);
        }
    }
    return -1;
}

bool world_init(void)
{
    zeros = calloc(1, MC_VSAN_MAX_PAYLOAD);
    ops = (mc_vsan_conn_ops){.message = on_message, .unanswered = on_unanswered, .state = on_state, .log = on_log};
    uint16_t port_b = 0, port_r = 0;
    listen_b = listen_on("127.0.0.3", &port_b);
    listen_r = listen_on("127.0.0.5", &port_r);
    if (!tap_ok(listen_b >= 0 && listen_r >= 0, "B listens on 127.0.0.3:%u, R on 127.0.0.5:%u", port_b, port_r))
        return false;
    node_init(&A, "A", ID_A, "127.0.0.2");
    node_init(&B, "B", ID_B, "127.0.0.3");
    node_init(&C, "C", ID_C, "127.0.0.4");
    add_peer(&A, ID_B, "127.0.0.3", port_b);
    add_peer(&A, ID_R, "127.0.0.5", port_r);
    add_peer(&B, ID_A, "127.0.0.2", 0);
    add_peer(&B, ID_C, "127.0.0.4", 0);
    add_peer(&C, ID_B, "127.0.0.3", port_b);
    a_to_b = mc_vsan_conn_outbound(&A.cfg, &ops, &A, ID_B, now_ms);
    c_to_b = mc_vsan_conn_outbound(&C.cfg, &ops, &C, ID_B, now_ms);
    pump();
    bool up = mc_vsan_conn_get_state(a_to_b) == MC_VSAN_CONN_UP && mc_vsan_conn_get_state(c_to_b) == MC_VSAN_CONN_UP &&
              nb_in == 2 && mc_vsan_conn_get_state(b_in[0]) == MC_VSAN_CONN_UP &&
              mc_vsan_conn_get_state(b_in[1]) == MC_VSAN_CONN_UP;
    tap_ok(up, "A and C connect to B; HELLO admitted and answered on both");
    return up;
}

mc_vsan_conn *world_connect_r(void)
{
    a_to_r = mc_vsan_conn_outbound(&A.cfg, &ops, &A, ID_R, now_ms);
    return a_to_r;
}

void world_free(void)
{
    mc_vsan_conn_free(a_to_b);
    mc_vsan_conn_free(c_to_b);
    mc_vsan_conn_free(a_to_r);
    for (int i = 0; i < nb_in; i++)
        mc_vsan_conn_free(b_in[i]);
    if (listen_b >= 0)
        close(listen_b);
    if (listen_r >= 0)
        close(listen_r);
    free(zeros);
}
