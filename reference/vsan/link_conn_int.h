/* The link connection's private state, shared by link_conn.c (lifecycle, I/O, deadlines, sending)
 * and link_conn_in.c (receiving rules 5-8 and answer matching) only. */
#ifndef MC_VSAN_LINK_CONN_INT_H
#define MC_VSAN_LINK_CONN_INT_H

#include "link_conn.h"

/* One of our requests waiting for its answer. */
typedef struct conn_pending {
    bool used;
    uint32_t tag;
    uint8_t type, answer;
    uint64_t deadline;
    void *ctx;
} conn_pending;

struct mc_vsan_conn {
    const mc_vsan_link_cfg *cfg;
    const mc_vsan_conn_ops *ops;
    void *ctx;
    bool outbound;
    uint16_t peer;                 /* outbound: configured; inbound: the admitted HELLO's sender */
    struct sockaddr_in from;       /* inbound: the TCP source address */
    int fd;
    mc_vsan_conn_state state;
    uint64_t next_attempt;         /* IDLE */
    uint64_t connect_deadline;     /* CONNECTING */
    uint64_t hello_deadline;       /* HELLO */
    uint64_t frame_start;          /* first byte of the message not yet complete, or NEVER */
    uint64_t out_since;            /* output queued and no byte sent since, or NEVER */
    bool rx_paused;                /* frames may wait in rx while output is bounded */
    bool connect_failing;          /* the last attempt failed too: not logged again */
    uint32_t seq_out;              /* seq of the next message we send */
    uint32_t seq_in;               /* seq the next message received must carry */
    uint32_t next_tag;
    mc_vsan_rx rx;
    mc_vsan_buf wq;
    size_t woff;                   /* wq.p[woff, wq.len) not sent yet */
    conn_pending out[MC_VSAN_MAX_OUTSTANDING];
    unsigned nout;
    uint32_t in_tags[MC_VSAN_MAX_OUTSTANDING];  /* the peer's requests delivered, not answered */
    unsigned nin;
    uint64_t counters[MC_VSAN_C_COUNT];
    uint64_t logged;               /* counters already logged on this TCP connection (bit each) */
    unsigned depth;                /* callbacks running on this connection */
};

/* link_conn.c */
void conn_fail(mc_vsan_conn *c, unsigned counter, uint64_t now, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void conn_note(mc_vsan_conn *c, unsigned counter, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void conn_set_state(mc_vsan_conn *c, mc_vsan_conn_state s);
mc_vsan_send conn_send(mc_vsan_conn *c, mc_vsan_msg *m, uint8_t dir, uint64_t now);
bool conn_live(const mc_vsan_conn *c);
bool conn_paused(const mc_vsan_conn *c);
const mc_vsan_peer *conn_find_peer(const mc_vsan_link_cfg *cfg, uint32_t id);

/* link_conn_in.c: takes and handles every complete frame in rx while the connection lives and
 * its output allows; keeps frame_start for rule 1. */
void conn_take_frames(mc_vsan_conn *c, uint64_t now);

#endif
