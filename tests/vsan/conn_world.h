/* The loopback rig of the link connection tests: server B (127.0.0.3) accepts from A (127.0.0.2)
 * and C (127.0.0.4), and from raw sockets that break one rule each; A also talks to a raw server
 * R (127.0.0.5). The engine stand-ins record what they see; the clock is the test's. */
#ifndef MC_TEST_CONN_WORLD_H
#define MC_TEST_CONN_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "link_conn.h"

#define BLOCK 512u
#define ID_A 1u
#define ID_B 2u
#define ID_C 3u
#define ID_R 4u
#define ID_UNKNOWN 5u
#define LONG_MS 60000u            /* request deadlines that must not expire during a case */
#define SHORT_MS 500u             /* the deadline of a request that must time out */
#define INBOUND_MAX 64
#define HELD_MAX (MC_VSAN_MAX_OUTSTANDING + 64u)

/* What the engine stand-in of a node saw. */
typedef struct stub {
    const char *name;
    bool answer_grants;           /* answer GRANT at once (else keep the tag) */
    bool answer_reads;            /* answer READ with its bytes at once */
    int requests, answers, errors, timed_out, closed_unanswered, logs, ups;
    unsigned last_log_counter;
    char last_log[256];
    uint32_t held_tag[HELD_MAX];
    mc_vsan_conn *held_conn;
    int held;
} stub;

typedef struct node {
    mc_vsan_link_cfg cfg;
    mc_vsan_peer peers[4];
    stub st;
} node;

extern uint64_t now_ms;
extern node A, B, C;
extern int listen_b, listen_r;
extern mc_vsan_conn *a_to_b, *a_to_r, *c_to_b;
extern mc_vsan_conn *b_in[INBOUND_MAX];
extern int nb_in;

/* Listeners, nodes, A -> B and C -> B up (TAP points); false when the rig cannot start. */
bool world_init(void);
void world_free(void);
mc_vsan_conn *world_connect_r(void);   /* A -> R, first attempt at now_ms */
int pump_once(int timeout_ms);    /* one poll round and every tick; the events seen */
void pump(void);                  /* until quiet */
void at(uint64_t t);              /* the clock to t, then pump */
mc_vsan_conn *newest_in(void);    /* B's newest inbound connection */
void reap(void);                  /* frees B's closed inbound connections */
mc_vsan_send grant(mc_vsan_conn *c, uint32_t first, uint32_t timeout, uint32_t *tag);
void others_work(const char *after);   /* TAP point: A and C still get B's answers */

/* Raw sockets. */
int raw_connect(const char *src_ip);   /* to B, accepted by B */
int raw_admitted(void);                /* from A's address, HELLO admitted; next seq 2 */
void raw_bytes(int fd, const void *p, size_t n);
/* Encodes m with this header, writes it (its first `cut` bytes when cut > 0) unless fd < 0,
 * copies the frame to out when out is not NULL; returns its length. */
size_t raw_msg(int fd, mc_vsan_msg *m, uint32_t sender, uint32_t receiver, uint32_t seq, uint32_t tag, size_t cut,
               uint8_t *out);
void raw_hello(int fd, const char *cluster, uint32_t sender, uint32_t receiver, uint32_t seq, uint32_t tag);
void raw_grant(int fd, uint32_t sender, uint32_t seq, uint32_t tag);
/* One message read from a raw socket (pumping the rig meanwhile): its type, or -1. */
int raw_read(int fd, mc_vsan_rx *rx, mc_vsan_msg *m);
void hello_of(mc_vsan_msg *m, unsigned type, const node *n);

#endif
