/* Inbound mirror link connections over loopback TCP (docs/vsan-link.md §2): the admission of
 * rule 6, rule 7, the sequence check of rule 5, rules 2 and 4 ending a connection and rule 8
 * costing only the message, and the frame deadline of rule 1 on the injected clock. Every bad
 * case must cost only its own connection: after each one, A and C still get B's answers. */
#include <string.h>
#include <unistd.h>

#include "conn_world.h"
#include "tap.h"

/* One admission case: the newest inbound connection ends, with only this counter, logged once. */
static void expect_refused(const char *what, unsigned counter)
{
    mc_vsan_conn *c = newest_in();
    const uint64_t *k = mc_vsan_conn_counters(c);
    uint64_t total = 0;
    for (unsigned i = 0; i < MC_VSAN_C_COUNT; i++)
        total += k[i];
    tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_CLOSED && k[counter] == 1 && total == 1,
           "%s: the connection is closed and counted once as %s", what, mc_vsan_counter_name(counter));
    tap_ok(B.st.last_log_counter == counter, "%s: logged as %s (\"%s\")", what, mc_vsan_counter_name(counter),
           B.st.last_log);
}

static void test_admission(void)
{
    static const struct {
        const char *what, *src, *cluster;
        uint32_t sender, receiver;
        unsigned counter;
    } cases[] = {
        {"HELLO naming cluster beta", "127.0.0.2", "beta", ID_A, ID_B, MC_VSAN_C_CLUSTER},
        {"HELLO from unconfigured ID 5", "127.0.0.2", "alpha", ID_UNKNOWN, ID_B, MC_VSAN_C_UNKNOWN_SENDER},
        {"HELLO from B's own ID", "127.0.0.3", "alpha", ID_B, ID_B, MC_VSAN_C_UNKNOWN_SENDER},
        {"HELLO from ID 1 (127.0.0.2) sent from 127.0.0.4", "127.0.0.4", "alpha", ID_A, ID_B, MC_VSAN_C_BAD_ADDRESS},
        {"HELLO from ID 1 for receiver 3", "127.0.0.2", "alpha", ID_A, ID_C, MC_VSAN_C_WRONG_RECEIVER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int logs = B.st.logs;
        int fd = raw_connect(cases[i].src);
        raw_hello(fd, cases[i].cluster, cases[i].sender, cases[i].receiver, 1, 1);
        pump();
        expect_refused(cases[i].what, cases[i].counter);
        tap_is_int(B.st.logs - logs, 1, "%s: one log line", cases[i].what);
        close(fd);
        reap();
        others_work(cases[i].what);
    }
    int fd = raw_connect("127.0.0.2");
    raw_grant(fd, ID_A, 1, 1);
    pump();
    expect_refused("a GRANT before any HELLO", MC_VSAN_C_HELLO_FIRST);
    close(fd);
    reap();
    others_work("a GRANT before HELLO");

    /* The right HELLO from a raw socket at A's address is admitted and answered. */
    fd = raw_connect("127.0.0.2");
    raw_hello(fd, "alpha", ID_A, ID_B, 1, 1);
    mc_vsan_rx rx;
    mc_vsan_rx_init(&rx);
    mc_vsan_msg m;
    int type = raw_read(fd, &rx, &m);
    tap_ok(type == MC_VSAN_T_HELLO_OK && m.h.seq == 1 && m.h.tag == 1 && m.h.sender == ID_B && m.h.receiver == ID_A &&
               mc_vsan_conn_peer(newest_in()) == ID_A,
           "a right HELLO is admitted and answered HELLO_OK (seq 1, tag echoed)");
    mc_vsan_rx_free(&rx);
    close(fd);
    pump();
    tap_is_int(mc_vsan_conn_counters(newest_in())[MC_VSAN_C_PEER_CLOSED], 1, "its close is counted as peer-closed");
    reap();
}

static void test_seq_and_ends(void)
{
    static const struct {
        const char *what;
        uint32_t seqs[3];
        unsigned counter;
    } cases[] = {
        {"seq 3 after 1 (a gap)", {3, 0, 0}, MC_VSAN_C_SEQ_GAP},
        {"seq 2 twice (a repeat)", {2, 2, 0}, MC_VSAN_C_SEQ_OLD},
        {"seq 2, 4, 3 (a reorder: 4 is a gap)", {2, 4, 3}, MC_VSAN_C_SEQ_GAP},
        {"seq 2, 3, 1 (HELLO's seq replayed)", {2, 3, 1}, MC_VSAN_C_SEQ_OLD},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int fd = raw_admitted();
        int req0 = B.st.requests;
        for (int k = 0; k < 3 && cases[i].seqs[k]; k++)
            raw_grant(fd, ID_A, cases[i].seqs[k], 10 + (uint32_t)k);
        pump();
        mc_vsan_conn *c = newest_in();
        tap_ok(mc_vsan_conn_get_state(c) == MC_VSAN_CONN_CLOSED && mc_vsan_conn_counters(c)[cases[i].counter] == 1,
               "%s: closed, counted as %s", cases[i].what, mc_vsan_counter_name(cases[i].counter));
        tap_ok(B.st.requests - req0 <= 2, "%s: nothing after the break was delivered (%d delivered)", cases[i].what,
               B.st.requests - req0);
        close(fd);
        reap();
        others_work(cases[i].what);
    }
    int fd = raw_admitted();
    raw_grant(fd, ID_C, 2, 5);
    pump();
    tap_is_int(mc_vsan_conn_counters(newest_in())[MC_VSAN_C_WRONG_SENDER], 1,
               "sender 3 on the connection admitted for 1: closed as wrong-sender");
    close(fd);
    reap();
    others_work("a wrong sender");

    /* Rules 2 and 4 end the connection too. */
    fd = raw_admitted();
    uint8_t f[128];
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_GRANT);
    size_t len = raw_msg(-1, &m, ID_A, ID_B, 2, 3, 0, f);
    f[MC_VSAN_HDR_OFF_hcrc] ^= 0x01;
    raw_bytes(fd, f, len);
    pump();
    tap_is_int(mc_vsan_conn_counters(newest_in())[MC_VSAN_R_BAD_HCRC], 1, "a flipped hcrc bit: closed as bad-hcrc");
    close(fd);
    reap();
    fd = raw_admitted();
    len = raw_msg(-1, &m, ID_A, ID_B, 2, 3, 0, f);
    f[MC_VSAN_HDR_LEN] ^= 0x01;
    raw_bytes(fd, f, len);
    pump();
    tap_is_int(mc_vsan_conn_counters(newest_in())[MC_VSAN_R_BAD_PCRC], 1, "a flipped payload bit: closed as bad-pcrc");
    close(fd);
    reap();
    others_work("bad CRCs");
}

/* Rule 8 costs the message only: answered ERROR, the connection goes on. */
static void test_rule8(void)
{
    int fd = raw_admitted();
    mc_vsan_rx rx;
    mc_vsan_rx_init(&rx);
    mc_vsan_msg m, got;
    raw_read(fd, &rx, &got);   /* HELLO_OK */
    uint8_t f[128];
    mc_vsan_msg_init(&m, MC_VSAN_T_GRANT);
    size_t len = raw_msg(-1, &m, ID_A, ID_B, 2, 77, 0, f);
    f[MC_VSAN_HDR_OFF_type] = 99;
    mc_vsan_seal(f, len);
    raw_bytes(fd, f, len);
    int type = raw_read(fd, &rx, &got);
    uint32_t st = 0;
    mc_vsan_msg_status(&got, &st);
    tap_ok(type == MC_VSAN_T_ERROR && got.h.tag == 77 && st == MC_VSAN_ST_UNKNOWN_TYPE,
           "type 99: answered ERROR UNKNOWN_TYPE with its tag");
    len = raw_msg(-1, &m, ID_A, ID_B, 3, 78, 0, f);
    f[MC_VSAN_HDR_OFF_length + MC_VSAN_HDR_WIDTH_length - 1] -= 1;   /* body one byte short */
    mc_vsan_seal(f, len - 1);
    raw_bytes(fd, f, len - 1);
    type = raw_read(fd, &rx, &got);
    mc_vsan_msg_status(&got, &st);
    tap_ok(type == MC_VSAN_T_ERROR && got.h.tag == 78 && st == MC_VSAN_ST_MALFORMED,
           "a GRANT one byte short: answered ERROR MALFORMED");
    mc_vsan_msg_init(&m, MC_VSAN_T_OK);
    raw_msg(fd, &m, ID_A, ID_B, 4, 79, 0, NULL);
    type = raw_read(fd, &rx, &got);
    tap_ok(type == MC_VSAN_T_ERROR && got.h.tag == 79, "an answer on an inbound connection: answered ERROR");
    raw_grant(fd, ID_A, 5, 80);
    type = raw_read(fd, &rx, &got);
    const uint64_t *k = mc_vsan_conn_counters(newest_in());
    tap_ok(type == MC_VSAN_T_GRANT_OK && got.h.tag == 80 && got.h.seq == 5 &&
               mc_vsan_conn_get_state(newest_in()) == MC_VSAN_CONN_UP,
           "the connection goes on: the next GRANT is answered (B's seq 5)");
    tap_ok(k[MC_VSAN_R_UNKNOWN_TYPE] == 1 && k[MC_VSAN_R_SHORT_BODY] == 1 && k[MC_VSAN_R_WRONG_DIRECTION] == 1,
           "each dropped message counted by its rule-8 name");
    mc_vsan_rx_free(&rx);
    close(fd);
    pump();
    reap();
}

static void test_frame_deadline(void)
{
    int fd = raw_admitted();
    uint64_t t0 = now_ms;
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, MC_VSAN_T_GRANT);
    raw_msg(fd, &m, ID_A, ID_B, 2, 2, MC_VSAN_HDR_LEN / 2, NULL);
    pump();
    at(t0 + MC_VSAN_FRAME_MS - 1);
    tap_ok(mc_vsan_conn_get_state(newest_in()) == MC_VSAN_CONN_UP, "half a header: open at FRAME_MS - 1");
    at(t0 + MC_VSAN_FRAME_MS);
    tap_ok(mc_vsan_conn_get_state(newest_in()) == MC_VSAN_CONN_CLOSED &&
               mc_vsan_conn_counters(newest_in())[MC_VSAN_C_FRAME_TIMEOUT] == 1,
           "half a header: closed as frame-timeout at FRAME_MS");
    close(fd);
    reap();
    others_work("a frame timeout");

    /* A message whose rest comes 1500 ms later, with 4 whole ones and the start of the next: the
     * new message's deadline runs from its own first byte. */
    fd = raw_admitted();
    static uint8_t burst[8 * 64];
    size_t off = 0, one = 0;
    uint8_t f[64];
    for (uint32_t s = 2; s <= 7; s++) {
        one = raw_msg(-1, &m, ID_A, ID_B, s, s, 0, f);
        memcpy(burst + off, f, one);
        off += one;
    }
    size_t head = 10;
    int req0 = B.st.requests;
    t0 = now_ms;
    raw_bytes(fd, burst, head);
    pump();
    at(t0 + 1500);
    raw_bytes(fd, burst + head, 5 * one - head + 10);   /* ends 5 messages, begins the 6th */
    pump();
    tap_is_int(B.st.requests - req0, 5, "5 messages delivered from one read that also begins a 6th");
    at(t0 + MC_VSAN_FRAME_MS);
    tap_ok(mc_vsan_conn_get_state(newest_in()) == MC_VSAN_CONN_UP,
           "the first message's deadline does not end the connection");
    at(t0 + 1500 + MC_VSAN_FRAME_MS - 1);
    tap_ok(mc_vsan_conn_get_state(newest_in()) == MC_VSAN_CONN_UP, "the 6th message: open at its FRAME_MS - 1");
    at(t0 + 1500 + MC_VSAN_FRAME_MS);
    tap_ok(mc_vsan_conn_get_state(newest_in()) == MC_VSAN_CONN_CLOSED &&
               mc_vsan_conn_counters(newest_in())[MC_VSAN_C_FRAME_TIMEOUT] == 1,
           "the 6th message: closed at its own FRAME_MS");
    close(fd);
    reap();
    others_work("a burst and a frame timeout");
}

int main(void)
{
    if (world_init()) {
        others_work("start-up");
        test_admission();
        test_seq_and_ends();
        test_rule8();
        test_frame_deadline();
    }
    world_free();
    return tap_done();
}
