/* Mirror link connections over loopback TCP (docs/vsan-link.md §2, §10): the outbound side against
 * a raw server R (HELLO first, answers matched by tag and type, a request timing out reported
 * once, MAX_OUTSTANDING, reconnecting every RETRY_MS, the HELLO and output deadlines, connect
 * failures logged once), and the bounds of an inbound connection (MAX_OUTSTANDING requests
 * delivered, a peer that does not read its answers stops being read and then loses its
 * connection). The clock is the test's. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn_world.h"
#include "tap.h"

#define WRITE_DATA (1u << 20)      /* a full WRITE (§10) */
#define READS_ASKED 60u            /* 1 MiB READs a non-reading peer asks for: far above WQ_HIGH */
#define GRANTS_SENT (MC_VSAN_MAX_OUTSTANDING + 44u)

static int r_fd = -1;
static uint32_t r_seq;             /* R's next seq on the current connection */
static mc_vsan_rx r_rx;

/* R accepts A's connection and reads its HELLO; answers HELLO_OK naming cluster (NULL: none). */
static bool r_accept(const char *cluster)
{
    pump();
    r_fd = accept(listen_r, NULL, NULL);
    int one = 1;   /* no Nagle: R's answers arrive when it sends them */
    setsockopt(r_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    mc_vsan_rx_reset(&r_rx);
    mc_vsan_msg m;
    if (r_fd < 0 || raw_read(r_fd, &r_rx, &m) != MC_VSAN_T_HELLO)
        return false;
    r_seq = 1;
    if (cluster) {
        node n = A;
        mc_vsan_cluster_name(n.cfg.cluster, cluster);
        mc_vsan_msg a;
        hello_of(&a, MC_VSAN_T_HELLO_OK, &n);
        raw_msg(r_fd, &a, ID_R, ID_A, r_seq++, m.h.tag, 0, NULL);
        pump();
    }
    return m.h.seq == 1 && m.h.sender == ID_A && m.h.receiver == ID_R;
}

static void r_answer(unsigned type, uint32_t tag)
{
    mc_vsan_msg a;
    mc_vsan_msg_init(&a, type);
    raw_msg(r_fd, &a, ID_R, ID_A, r_seq++, tag, 0, NULL);
    pump();
}

static void r_close(void)
{
    close(r_fd);
    r_fd = -1;
    pump();
}

static void test_matching(mc_vsan_conn *c)
{
    const uint64_t *k = mc_vsan_conn_counters(c);
    int answers = A.st.answers;
    uint32_t t1 = 0, t2 = 0, t3 = 0;
    grant(c, 1, LONG_MS, &t1);
    pump();
    r_answer(MC_VSAN_T_GRANT_OK, t1 + 1000);
    tap_ok(k[MC_VSAN_C_UNMATCHED] == 1 && A.st.answers == answers && mc_vsan_conn_get_state(c) == MC_VSAN_CONN_UP,
           "a GRANT_OK with a tag no request carries: dropped, counted unmatched, the connection goes on");
    r_answer(MC_VSAN_T_VOTE_OK, t1);
    tap_ok(k[MC_VSAN_C_UNMATCHED] == 2 && A.st.answers == answers, "a VOTE_OK with the GRANT's tag: dropped, counted");
    r_answer(MC_VSAN_T_GRANT_OK, t1);
    tap_ok(A.st.answers == answers + 1 && mc_vsan_conn_outstanding(c) == 0, "the GRANT_OK with its tag is delivered");
    r_answer(MC_VSAN_T_GRANT_OK, t1);
    tap_ok(k[MC_VSAN_C_UNMATCHED] == 3 && A.st.answers == answers + 1, "the same answer again: dropped, counted");
    grant(c, 2, LONG_MS, &t2);
    pump();
    r_answer(MC_VSAN_T_ERROR, t2);
    tap_ok(A.st.errors == 1 && A.st.answers == answers + 2, "ERROR answers any request by its tag");

    int timed = A.st.timed_out;
    grant(c, 3, SHORT_MS, &t3);
    uint64_t t0 = now_ms;
    at(t0 + SHORT_MS - 1);
    tap_ok(A.st.timed_out == timed && mc_vsan_conn_outstanding(c) == 1, "a request 1 ms before its deadline waits");
    at(t0 + SHORT_MS);
    tap_ok(A.st.timed_out == timed + 1 && mc_vsan_conn_outstanding(c) == 0 && k[MC_VSAN_C_TIMED_OUT] == 1,
           "at its deadline it is reported timed out");
    at(t0 + SHORT_MS + 100);
    tap_ok(A.st.timed_out == timed + 1 && k[MC_VSAN_C_TIMED_OUT] == 1, "and only once");
    r_answer(MC_VSAN_T_GRANT_OK, t3);
    tap_ok(k[MC_VSAN_C_UNMATCHED] == 4 && A.st.answers == answers + 2, "its late answer is dropped and counted");
}

static void test_outstanding(mc_vsan_conn *c)
{
    static uint32_t tags[MC_VSAN_MAX_OUTSTANDING];
    unsigned sent = 0;
    while (sent < MC_VSAN_MAX_OUTSTANDING && grant(c, sent, LONG_MS, &tags[sent]) == MC_VSAN_SEND_OK)
        sent++;
    mc_vsan_send s = grant(c, 999, LONG_MS, NULL);
    tap_ok(sent == MC_VSAN_MAX_OUTSTANDING && s == MC_VSAN_SEND_OUTSTANDING,
           "%u requests in flight, the next refused (%s)", sent, mc_vsan_send_name(s));
    int distinct = 1;
    for (unsigned i = 1; i < sent; i++)
        distinct &= tags[i] != tags[i - 1];
    tap_ok(distinct, "each carries its own tag");
    pump();
    r_answer(MC_VSAN_T_GRANT_OK, tags[100]);
    s = grant(c, 999, LONG_MS, NULL);
    tap_ok(mc_vsan_conn_outstanding(c) == MC_VSAN_MAX_OUTSTANDING && s == MC_VSAN_SEND_OK,
           "one answered: one more may be sent (%s)", mc_vsan_send_name(s));

    int closed = A.st.closed_unanswered;
    r_close();
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_IDLE && mc_vsan_conn_counters(c)[MC_VSAN_C_PEER_CLOSED] == 1,
           "R closes: the connection is down, counted peer-closed");
    tap_is_int(A.st.closed_unanswered - closed, MC_VSAN_MAX_OUTSTANDING,
               "every request in flight reported unanswered, once each");
    tap_is_int(mc_vsan_conn_outstanding(c), 0, "none left in flight");
}

static void test_reconnect(mc_vsan_conn *c)
{
    const uint64_t *k = mc_vsan_conn_counters(c);
    uint64_t next = mc_vsan_conn_next_attempt(c);
    tap_is_int((long long)(next - now_ms), MC_VSAN_RETRY_MS, "the next attempt is RETRY_MS after the failure");
    tap_is_int((long long)mc_vsan_conn_next_deadline(c, now_ms), (long long)next, "next_deadline says so");
    at(next - 1);
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_IDLE, "1 ms before it: still idle");
    at(next);
    uint64_t up_at = now_ms;
    bool hello = r_accept(NULL);
    tap_ok(hello && mc_vsan_conn_get_state(c) == MC_VSAN_CONN_HELLO, "at it: connected again, HELLO sent (seq 1)");
    at(up_at + MC_VSAN_HELLO_MS - 1);
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_HELLO, "no HELLO_OK: waiting at HELLO_MS - 1");
    at(up_at + MC_VSAN_HELLO_MS);
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_IDLE && k[MC_VSAN_C_HELLO_TIMEOUT] == 1,
           "no HELLO_OK within HELLO_MS: down, counted hello-timeout");
    r_close();

    at(mc_vsan_conn_next_attempt(c));
    r_accept("beta");
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_IDLE && k[MC_VSAN_C_CLUSTER] == 1,
           "a HELLO_OK naming cluster beta: down, counted cluster");
    r_close();

    at(mc_vsan_conn_next_attempt(c));
    r_accept("alpha");
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_UP, "a right HELLO_OK: up again");
}

/* R stops reading: A's requests are refused at the output mark, then the connection ends. */
static void test_backlog(mc_vsan_conn *c)
{
    uint8_t *data = calloc(1, WRITE_DATA);
    mc_vsan_send s = MC_VSAN_SEND_OK;
    unsigned writes = 0;
    while (s == MC_VSAN_SEND_OK) {
        mc_vsan_msg m;
        mc_vsan_msg_init(&m, MC_VSAN_T_WRITE);
        m.data = data;
        m.data_len = WRITE_DATA;
        s = mc_vsan_conn_request(c, &m, LONG_MS, NULL, now_ms, NULL);
        writes += s == MC_VSAN_SEND_OK;
        pump_once(0);
    }
    size_t q = mc_vsan_conn_queued(c);
    tap_ok(s == MC_VSAN_SEND_BACKLOG && q >= MC_VSAN_WQ_HIGH && q < MC_VSAN_WQ_HIGH + MC_VSAN_FRAME_MAX,
           "R reads nothing: after %u full WRITEs the next is refused (%s) with %zu bytes queued", writes,
           mc_vsan_send_name(s), q);
    free(data);
    pump();
    uint64_t t0 = now_ms;
    at(t0 + MC_VSAN_FRAME_MS - 1);
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_UP, "output stuck: still up at FRAME_MS - 1");
    at(t0 + MC_VSAN_FRAME_MS);
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_IDLE &&
               mc_vsan_conn_counters(c)[MC_VSAN_C_OUTPUT_STALLED] == 1 && mc_vsan_conn_queued(c) == 0,
           "output stuck for FRAME_MS: down, counted output-stalled, queue freed");
    r_close();
}

static void test_connect_failures(mc_vsan_conn *c)
{
    close(listen_r);
    listen_r = -1;
    int logs = A.st.logs;
    for (int i = 0; i < 3; i++)
        at(mc_vsan_conn_next_attempt(c));
    tap_ok(mc_vsan_conn_counters(c)[MC_VSAN_C_CONNECT_FAILED] == 3 && mc_vsan_conn_get_state(c) == MC_VSAN_CONN_IDLE,
           "nothing listens: three attempts RETRY_MS apart, three connect-failed");
    tap_is_int(A.st.logs - logs, 1, "logged once, not once per attempt");
}

static void test_outbound(void)
{
    mc_vsan_conn *c = world_connect_r();
    mc_vsan_rx_init(&r_rx);
    pump();
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_HELLO, "A connects to R at once");
    tap_is_int(grant(c, 0, LONG_MS, NULL), MC_VSAN_SEND_NOT_UP, "before HELLO_OK, a GRANT is refused");
    tap_ok(r_accept("alpha") && mc_vsan_conn_get_state(c) == MC_VSAN_CONN_UP,
           "A's first message is HELLO (seq 1, 1 to 4); HELLO_OK brings the link up");
    test_matching(c);
    others_work("R's stray answers");
    test_outstanding(c);
    test_reconnect(c);
    test_backlog(c);
    others_work("R's stuck connection");
    test_connect_failures(c);
    mc_vsan_rx_free(&r_rx);
}

static void test_inbound_bounds(void)
{
    B.st.answer_grants = false;
    B.st.held = 0;
    int fd = raw_admitted();
    for (uint32_t seq = 2; seq < 2 + GRANTS_SENT; seq++)
        raw_grant(fd, ID_A, seq, 1000 + seq);
    pump();
    mc_vsan_conn *c = newest_in();
    tap_ok(B.st.held == (int)MC_VSAN_MAX_OUTSTANDING && mc_vsan_conn_unanswered_in(c) == MC_VSAN_MAX_OUTSTANDING &&
               !(mc_vsan_conn_events(c) & POLLIN) && mc_vsan_conn_get_state(c) == MC_VSAN_CONN_UP,
           "%u requests sent, none answered: %d delivered, then B stops reading", GRANTS_SENT, B.st.held);
    mc_vsan_msg a;
    mc_vsan_msg_init(&a, MC_VSAN_T_GRANT_OK);
    tap_is_int(mc_vsan_conn_answer(c, 5, &a, now_ms), MC_VSAN_SEND_NO_REQUEST, "answering a tag never received: refused");
    tap_is_int(mc_vsan_conn_answer(c, B.st.held_tag[0], &a, now_ms), MC_VSAN_SEND_OK, "one answered");
    pump();
    tap_is_int(B.st.held, (int)MC_VSAN_MAX_OUTSTANDING + 1, "then one more is delivered");
    for (int i = 1, rounds = 0; i < B.st.held && rounds < 100; i++) {
        mc_vsan_msg_init(&a, MC_VSAN_T_GRANT_OK);
        mc_vsan_conn_answer(c, B.st.held_tag[i], &a, now_ms);
        if (i == B.st.held - 1) {
            pump();
            rounds++;
        }
    }
    tap_ok(B.st.held == (int)GRANTS_SENT && mc_vsan_conn_unanswered_in(c) == 0 &&
               mc_vsan_conn_get_state(c) == MC_VSAN_CONN_UP,
           "answering them lets all %u through (%d delivered)", GRANTS_SENT, B.st.held);
    close(fd);
    pump();
    reap();
    B.st.answer_grants = true;
    others_work("a peer at MAX_OUTSTANDING");

    B.st.answer_reads = true;
    fd = raw_admitted();
    int req0 = B.st.requests;
    for (uint32_t seq = 2; seq < 2 + READS_ASKED; seq++) {
        mc_vsan_msg m;
        mc_vsan_msg_init(&m, MC_VSAN_T_READ);
        mc_vsan_set(&m, MC_VSAN_F_READ_LENGTH, WRITE_DATA);
        raw_msg(fd, &m, ID_A, ID_B, seq, seq, 0, NULL);
    }
    pump();
    c = newest_in();
    int delivered = B.st.requests - req0;
    size_t q = mc_vsan_conn_queued(c);
    tap_ok(delivered < (int)READS_ASKED && q >= MC_VSAN_WQ_HIGH && q < MC_VSAN_WQ_HIGH + MC_VSAN_FRAME_MAX &&
               !(mc_vsan_conn_events(c) & POLLIN),
           "a peer that reads none of its 1 MiB answers: %d of %u READs taken, %zu bytes queued, B reads no more",
           delivered, READS_ASKED, q);
    uint64_t t0 = now_ms;
    at(t0 + MC_VSAN_FRAME_MS - 1);
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_UP, "still up at FRAME_MS - 1");
    at(t0 + MC_VSAN_FRAME_MS);
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_CLOSED &&
               mc_vsan_conn_counters(c)[MC_VSAN_C_OUTPUT_STALLED] == 1,
           "at FRAME_MS without progress: closed, counted output-stalled");
    close(fd);
    reap();
    B.st.answer_reads = false;
    others_work("a peer that does not read");
}

int main(void)
{
    if (world_init()) {
        test_outbound();
        test_inbound_bounds();
    }
    world_free();
    return tap_done();
}
