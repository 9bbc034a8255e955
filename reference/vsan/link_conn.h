/* One mirror link connection (docs/vsan-link.md §2): a non-blocking TCP connection to or from one
 * peer, with the receiving rules 1-8 of §2, sequence numbers, request tags and the outstanding
 * request table, bounded buffers and every wait under a deadline. No engine logic: complete,
 * admitted messages go to a callback; the caller owns poll() and passes the time in (monotonic
 * milliseconds), so tests drive the clock. */
#ifndef MC_VSAN_LINK_CONN_H
#define MC_VSAN_LINK_CONN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"

/* §10. */
#define MC_VSAN_FRAME_MS 2000u            /* the rest of a message once its first byte arrived */
#define MC_VSAN_RETRY_MS 100u             /* reconnect interval */
#define MC_VSAN_MAX_OUTSTANDING 256u      /* requests in flight per connection */
/* Waits §10 does not name, bounded like a begun message (FRAME_MS): a connect() in progress, and
 * the HELLO / HELLO_OK exchange once TCP is up (the first message of §2 rule 6). */
#define MC_VSAN_CONNECT_MS MC_VSAN_FRAME_MS
#define MC_VSAN_HELLO_MS MC_VSAN_FRAME_MS
/* Output queued and not sent: at this mark requests are refused and an inbound connection is no
 * longer read (so a peer that does not read its answers cannot make us queue more), as the iSCSI
 * target's TGT_WBUF_HIGH. Queued bytes stay below it plus the answers to requests already
 * delivered (at most MC_VSAN_MAX_OUTSTANDING frames). Output that makes no progress for
 * FRAME_MS ends the connection. */
#define MC_VSAN_WQ_HIGH (8u << 20)
#define MC_VSAN_NEVER UINT64_MAX

/* A configured peer (`--peer ID=ADDR:PORT`, §1): its link endpoint, whose address is also the
 * source address its inbound connections must come from (rule 6). */
typedef struct mc_vsan_peer {
    uint16_t id;
    struct sockaddr_in addr;
} mc_vsan_peer;

/* What the link layer needs to know of the configuration; the caller keeps it alive. */
typedef struct mc_vsan_link_cfg {
    uint16_t self;                          /* our ID, 1..MC_VSAN_ID_MAX */
    uint8_t cluster[MC_VSAN_CLUSTER_LEN];   /* NUL-padded (§3.1): mc_vsan_cluster_name */
    uint32_t block_size;                    /* data must be whole blocks of it (§2) */
    struct in_addr bind_addr;               /* source of outbound connections; INADDR_ANY: any */
    const mc_vsan_peer *peers;
    size_t npeers;
} mc_vsan_link_cfg;

/* name NUL-padded into out; -1 when it is empty or longer than MC_VSAN_CLUSTER_LEN. */
int mc_vsan_cluster_name(uint8_t out[MC_VSAN_CLUSTER_LEN], const char *name);

/* Counters: one per codec result of rules 2-4 and 8 (same index, same name as mc_vsan_res), then
 * the connection's own: X(ID, "name", rule of §2 or 0). */
#define MC_VSAN_CONN_COUNTERS(X) \
    X(FRAME_TIMEOUT,  "frame-timeout",    1) \
    X(SEQ_GAP,        "seq-gap",          5) \
    X(SEQ_OLD,        "seq-old",          5) \
    X(HELLO_FIRST,    "hello-first",      6) \
    X(UNKNOWN_SENDER, "unknown-sender",   6) \
    X(BAD_ADDRESS,    "bad-address",      6) \
    X(CLUSTER,        "cluster",          6) \
    X(WRONG_SENDER,   "wrong-sender",     7) \
    X(WRONG_RECEIVER, "wrong-receiver",   7) \
    X(UNMATCHED,      "unmatched-answer", 0) \
    X(TIMED_OUT,      "timed-out",        0) \
    X(HELLO_TIMEOUT,  "hello-timeout",    0) \
    X(OUTPUT_STALLED, "output-stalled",   0) \
    X(CONNECT_FAILED, "connect-failed",   0) \
    X(PEER_CLOSED,    "peer-closed",      0) \
    X(IO_ERROR,       "io-error",         0) \
    X(CLOSED_LOCALLY, "closed-locally",   0)
enum mc_vsan_counter {
    MC_VSAN_C_BEFORE = MC_VSAN_R_COUNT - 1,
#define MC_VSAN_COUNTER_ENUM(id, name, rule) MC_VSAN_C_##id,
    MC_VSAN_CONN_COUNTERS(MC_VSAN_COUNTER_ENUM)
#undef MC_VSAN_COUNTER_ENUM
    MC_VSAN_C_COUNT
};
/* The counter's name, or NULL for an index that counts nothing (codec results of no rule). */
const char *mc_vsan_counter_name(unsigned c);
unsigned mc_vsan_counter_rule(unsigned c);

typedef enum mc_vsan_conn_state {
    MC_VSAN_CONN_IDLE,        /* outbound, not connected: next attempt at mc_vsan_conn_next_attempt */
    MC_VSAN_CONN_CONNECTING,  /* outbound, connect() in progress */
    MC_VSAN_CONN_HELLO,       /* TCP up, HELLO not yet admitted (inbound) or answered (outbound) */
    MC_VSAN_CONN_UP,
    MC_VSAN_CONN_CLOSED,      /* inbound, failed: free it */
} mc_vsan_conn_state;

typedef struct mc_vsan_conn mc_vsan_conn;

/* The caller's callbacks (ctx is theirs). A callback may send, answer or close on any connection,
 * but must not free one. Messages and their pointers are valid during the call only. */
typedef struct mc_vsan_conn_ops {
    /* A complete, admitted message: a request on an inbound connection (answer it with
     * mc_vsan_conn_answer, echoing m->h.tag), or on an outbound one the answer to the request
     * sent with req_ctx (ERROR included). */
    void (*message)(void *ctx, mc_vsan_conn *c, const mc_vsan_msg *m, void *req_ctx);
    /* A request that will get no answer: timed out past its deadline, or its connection closed.
     * Called once per request. */
    void (*unanswered)(void *ctx, mc_vsan_conn *c, uint32_t tag, unsigned type, void *req_ctx,
                       bool timed_out);
    /* The state changed. On HELLO for an outbound connection, send HELLO now. */
    void (*state)(void *ctx, mc_vsan_conn *c, mc_vsan_conn_state s);
    /* Once per connection failure (the counter that ended it), and once per TCP connection for
     * each counter of a dropped message (rule 8, unmatched answers). NULL: no log. */
    void (*log)(void *ctx, mc_vsan_conn *c, unsigned counter, const char *text);
    /* The term the header of a message the link layer writes by itself carries (the ERROR of
     * rule 8, and every message sent: §2 "the sender's current term"). NULL: 0. */
    uint32_t (*term)(void *ctx);
} mc_vsan_conn_ops;

/* An outbound connection to a configured peer; the first connect() is tried at `now` (tick).
 * NULL when peer is not configured or memory runs out. */
mc_vsan_conn *mc_vsan_conn_outbound(const mc_vsan_link_cfg *cfg, const mc_vsan_conn_ops *ops, void *ctx,
                                    uint16_t peer, uint64_t now);
/* An accepted connection (the fd is ours from now on, even on NULL); its source address is read
 * for rule 6. */
mc_vsan_conn *mc_vsan_conn_inbound(const mc_vsan_link_cfg *cfg, const mc_vsan_conn_ops *ops, void *ctx,
                                   int fd, uint64_t now);
void mc_vsan_conn_free(mc_vsan_conn *c);

/* poll() support: the fd (-1 when none), the events wanted, and when tick must run next (an
 * absolute time; `now` when buffered messages wait, MC_VSAN_NEVER when nothing is due). */
int mc_vsan_conn_fd(const mc_vsan_conn *c);
short mc_vsan_conn_events(const mc_vsan_conn *c);
uint64_t mc_vsan_conn_next_deadline(const mc_vsan_conn *c, uint64_t now);
void mc_vsan_conn_on_readable(mc_vsan_conn *c, uint64_t now);
void mc_vsan_conn_on_writable(mc_vsan_conn *c, uint64_t now);
/* Deadlines (frame, connect, HELLO, output, requests) and the reconnect attempt. */
void mc_vsan_conn_tick(mc_vsan_conn *c, uint64_t now);

typedef enum mc_vsan_send {
    MC_VSAN_SEND_OK,
    MC_VSAN_SEND_NOT_UP,        /* not connected; or, outbound before HELLO_OK, not a HELLO */
    MC_VSAN_SEND_OUTSTANDING,   /* MC_VSAN_MAX_OUTSTANDING requests in flight: wait for one */
    MC_VSAN_SEND_BACKLOG,       /* MC_VSAN_WQ_HIGH bytes queued: wait for POLLOUT */
    MC_VSAN_SEND_INVALID,       /* the message breaks §2-§3, or travels the wrong way */
    MC_VSAN_SEND_NO_REQUEST,    /* answer: no request with that tag waits on this connection */
    MC_VSAN_SEND_NOMEM,
} mc_vsan_send;
const char *mc_vsan_send_name(mc_vsan_send s);

/* Sends a request on an outbound connection: sender, receiver, seq, term and tag are set in m's
 * header (the tag chosen also goes to *tag); an answer not there by now + timeout_ms is reported
 * unanswered. */
mc_vsan_send mc_vsan_conn_request(mc_vsan_conn *c, mc_vsan_msg *m, uint32_t timeout_ms, void *req_ctx,
                                  uint64_t now, uint32_t *tag);
/* Answers the request with this tag on an inbound connection (m is an answer type). */
mc_vsan_send mc_vsan_conn_answer(mc_vsan_conn *c, uint32_t tag, mc_vsan_msg *m, uint64_t now);
/* Ends the connection (counted as closed-locally, logged with why); an outbound one reconnects
 * after MC_VSAN_RETRY_MS. */
void mc_vsan_conn_close(mc_vsan_conn *c, const char *why, uint64_t now);

mc_vsan_conn_state mc_vsan_conn_get_state(const mc_vsan_conn *c);
bool mc_vsan_conn_is_outbound(const mc_vsan_conn *c);
uint16_t mc_vsan_conn_peer(const mc_vsan_conn *c);             /* 0 until an inbound HELLO */
uint64_t mc_vsan_conn_next_attempt(const mc_vsan_conn *c);     /* IDLE: when tick connects */
const uint64_t *mc_vsan_conn_counters(const mc_vsan_conn *c);  /* MC_VSAN_C_COUNT values */
unsigned mc_vsan_conn_outstanding(const mc_vsan_conn *c);      /* our requests in flight */
unsigned mc_vsan_conn_unanswered_in(const mc_vsan_conn *c);    /* peer's requests not answered */
size_t mc_vsan_conn_queued(const mc_vsan_conn *c);             /* output bytes not yet sent */

#endif
