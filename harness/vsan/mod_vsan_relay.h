/* The relays of the `vsan` module (docs/vsan-command.md "Relays"): each listens on an address of
 * its own, and every connection a server opens to it is carried to the real link endpoint of the
 * peer (-to) from the connecting server's link address (-from), both directions, message by
 * message through the link codec. One thread per interpreter runs every relay (a poll loop); the
 * interpreter's thread touches relay state only under the hub's lock. Shared by
 * mod_vsan_relay.c (the thread) and mod_vsan_relay_tcl.c (the commands). */
#ifndef MC_MOD_VSAN_RELAY_H
#define MC_MOD_VSAN_RELAY_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "fault.h"
#include "link.h"
#include "mod_vsan.h"
#include "pcap_writer.h"

#define MV_RELAYS_MAX 16u           /* relays one interpreter opens */
#define MV_RELAY_NAME_MAX 48u
/* Connections one relay carries at once: one normally; a reconnecting server's new connection may
 * overlap the end of its old one. More are refused (accepted and closed) and counted. */
#define MV_RELAY_CONNS 4u
/* Log entries kept per relay; when full the oldest is dropped and counted. */
#define MV_RELAY_LOG_MAX 8192u
/* Bytes queued in one direction of a connection before the relay stops reading its source: the
 * sender's own output bound (the reference server's is 8 MiB too, §2) then holds it back. */
#define MV_RELAY_QUEUE_MAX (8u << 20)
/* A connect to the real endpoint: the link's FRAME_MS (docs/vsan-link.md §2). */
#define MV_RELAY_CONNECT_MS 2000u
/* The poll loop's wait when nothing is due (commands wake it at once). */
#define MV_RELAY_IDLE_MS 1000u
/* Body fields a log entry keeps (the longest body, HELLO's, has 11). */
#define MV_RELAY_FIELDS_MAX 16u
/* Elements of a body's list a log entry keeps (HELLO's history whole; a long RECONCILE_OK list is
 * cut, its count kept). */
#define MV_RELAY_ARRAY_MAX MC_VSAN_HISTORY_MAX
#define MV_RELAY_NOTE_MAX 96u
/* Bytes read at once from a stream the codec gave up on (passed on unparsed). */
#define MV_RELAY_RAW_CHUNK 65536u
/* Descriptors one poll round watches: the wake pipe, then per relay its listener and, per
 * connection, both sockets for reading and writing. */
#define MV_RELAY_POLL_MAX (1u + MV_RELAYS_MAX * (1u + MV_RELAY_CONNS * 4u))

/* Directions of a connection: fwd carries what the connecting server sends (its requests), rev
 * what the peer answers. */
enum mv_dir { MV_FWD = 0, MV_REV = 1, MV_DIRS = 2 };
extern const char *const mv_dir_names[MV_DIRS];

/* Kinds of log entry. */
#define MV_EVENTS(X) X(MSG, "msg") X(OPEN, "open") X(CLOSE, "close") X(REFUSED, "refused") X(RAW, "raw")
enum mv_event {
#define MV_EVENT_ENUM(id, name) MV_EV_##id,
    MV_EVENTS(MV_EVENT_ENUM)
#undef MV_EVENT_ENUM
};

/* What the relay did to a message (bits of a log entry). */
#define MV_FAULTS(X) \
    X(DROPPED, "dropped") X(CORRUPTED, "corrupted") X(DELAYED, "delayed") X(HELD, "held") \
    X(WITHHELD, "withheld") X(REPLAYED, "replayed") X(RESEQ, "renumbered")
enum {
#define MV_FAULT_BIT(id, name) MV_FB_##id,
    MV_FAULTS(MV_FAULT_BIT)
#undef MV_FAULT_BIT
    MV_FB_COUNT
};
#define MV_F(id) (1u << MV_FB_##id)

typedef struct mv_entry {
    uint64_t n;                      /* its number in the relay's log, from 1 */
    uint64_t t_us;                   /* mv_now_us */
    uint8_t event, dir, res;         /* enum mv_event, enum mv_dir, mc_vsan_res */
    uint16_t faults;                 /* MV_F bits */
    unsigned conn;                   /* the relay's connection number */
    struct sockaddr_in a;            /* the connecting server's end */
    mc_vsan_hdr h;                   /* as it arrived */
    uint32_t out_seq;                /* seq as forwarded (differs when renumbered) */
    uint32_t corrupt_at;             /* byte flipped, when corrupted */
    uint32_t delay_ms;
    size_t data_len;
    unsigned nfields;                /* body fields kept, in wire order from the layout's first */
    uint64_t v[MV_RELAY_FIELDS_MAX]; /* U and COUNT fields */
    uint8_t bytes[MC_VSAN_CLUSTER_LEN];  /* the BYTES field (HELLO's cluster) */
    uint32_t arr_count, arr_kept;
    uint64_t arr[MV_RELAY_ARRAY_MAX];
    char note[MV_RELAY_NOTE_MAX];    /* events: why */
} mv_entry;

typedef struct mv_dir_stats {
    uint64_t messages, bytes, malformed, raw_bytes;
    uint64_t types[MC_VSAN_T_MAX + 1];   /* [0]: unknown types */
    uint64_t dropped, corrupted, delayed, held, withheld, replayed;
} mv_dir_stats;

/* Seeded faults of one direction. plan holds the PRNG, drop_ppm, corrupt_ppm and delay_ms. */
typedef struct mv_dir_faults {
    mc_fault_plan plan;
    unsigned drop_type;              /* 0: none */
    uint32_t drop_type_ppm;
} mv_dir_faults;

typedef struct mv_frame {
    struct mv_frame *next;
    uint64_t due_us;
    size_t len, off;                 /* off: bytes already written */
    bool captured;                   /* written into the capture (as its first byte left) */
    uint8_t bytes[];
} mv_frame;

/* One direction of a connection: bytes from its source socket, parsed, queued for the other. */
typedef struct mv_side {
    mc_vsan_rx rx;
    bool raw;                        /* the codec gave up (rules 2-4): bytes pass unparsed */
    int64_t delta;                   /* added to the seq of what passes (withheld and replayed messages) */
    uint32_t last_out_seq;
    mv_frame *head, *tail;
    size_t queued;
} mv_side;

typedef struct mv_conn {
    bool used, connecting;
    unsigned id;
    int fd[MV_DIRS];                 /* [MV_FWD]: from the connecting server; [MV_REV]: to the peer */
    uint64_t connect_deadline_us;
    struct sockaddr_in a;
    mv_side side[MV_DIRS];
    mc_pcap_flow flow;
} mv_conn;

typedef struct mv_relay {
    struct mv_relay *next;
    unsigned id;
    char name[MV_RELAY_NAME_MAX];
    struct sockaddr_in listen, to, from;
    int lfd;
    bool cut;
    mv_dir_faults f[MV_DIRS];
    /* hold TYPE: the next message of that type (in the directions of hold_dirs) is copied */
    unsigned hold_type, hold_dirs;
    bool hold_withhold;
    uint8_t *held;
    size_t held_len;
    uint8_t held_dir;
    mv_conn conns[MV_RELAY_CONNS];
    unsigned next_conn;
    uint64_t accepted, refused, closed, connect_failed;
    mv_dir_stats st[MV_DIRS];
    mv_entry *log;                   /* ring of MV_RELAY_LOG_MAX */
    size_t log_first, log_len;
    uint64_t log_total, log_dropped;
    mc_pcap *pcap;                   /* a reference while the relay lives; NULL: no capture */
} mv_relay;

struct mv_hub {
    pthread_mutex_t lock;
    pthread_t thread;
    bool running, stop;
    int wake[2];
    mv_relay *relays;
    unsigned nrelays, next_id;
    uint8_t *scratch;                /* MV_RELAY_RAW_CHUNK, the thread's */
};

typedef struct mv_relay_cfg {
    const char *name;
    struct sockaddr_in listen, to, from;
    uint64_t seed;
    mc_pcap *pcap;
} mv_relay_cfg;

/* The hub of an interpreter and its thread. NULL with a message. */
mv_hub *mv_hub_new(char *err, size_t errlen);
void mv_hub_wake(mv_hub *h);
/* Binds and listens; the relay joins the hub. -1 with a message (the address taken, too many). */
int mv_relay_open(mv_hub *h, const mv_relay_cfg *cfg, mv_relay **out, char *err, size_t errlen);
/* Under the hub's lock: */
void mv_relay_free_locked(mv_hub *h, mv_relay *r);
/* Seeds both directions' fault draws (each its own stream, derived from seed). */
void mv_relay_seed_locked(mv_relay *r, uint64_t seed);
/* Closes every connection of r (cut) and refuses new ones while r->cut. */
void mv_relay_cut_locked(mv_relay *r);
/* Re-injects the held message on r's current connection in its direction, renumbered. */
int mv_relay_replay_locked(mv_relay *r, char *err, size_t errlen);
mv_relay *mv_relay_find_locked(mv_hub *h, const char *name);
/* The i-th entry kept (0: oldest). */
const mv_entry *mv_relay_entry_locked(const mv_relay *r, size_t i);

#endif
