/* Reading a capture someone else took (tcpdump, Wireshark, a tap): libpcap opens pcap and pcapng
 * files; this module decodes the link (Ethernet with VLAN tags, Linux cooked v1 and v2, BSD
 * loopback, raw IP), IPv4/IPv6 and TCP/UDP, and puts each TCP connection's two byte streams back
 * together in sequence order. What it cannot put back is said, naming the frame: a missing
 * segment (a gap), a frame cut by the snap length, an IP fragment, a flow whose SYN the capture
 * does not hold (it started before the capture), a frame too short for its headers. Overlapping
 * retransmissions are dropped (the first copy is kept) and counted.
 *
 * A stream is a list of contiguous pieces; a gap ends one piece and the next starts after it, so
 * a reader never mistakes the byte after a gap for the byte before it. Every allocation is
 * bounded by the limits (mc_capread_limits), so a hostile capture costs an error, never memory. */
#ifndef MC_PCAP_READER_H
#define MC_PCAP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Our choice: a capture of a conformance session or a field capture of one bug is a few MB; a
 * capture above these is refused with the limit named rather than read half. */
#define MC_CAPREAD_MAX_BYTES (256u * 1024u * 1024u)  /* TCP payload kept, all flows */
#define MC_CAPREAD_MAX_FLOWS 4096u
#define MC_CAPREAD_MAX_NOTES 64u                     /* per flow; more are counted */
#define MC_CAPREAD_NOTE_LEN 160
#define MC_CAPREAD_ADDR_LEN 64                       /* "[v6 address]:port" */

typedef enum mc_capread_proto { MC_CAPREAD_TCP, MC_CAPREAD_UDP } mc_capread_proto;

/* Where a byte of a stream came from: the frame (1-based, as Wireshark numbers them) and its
 * capture time. */
typedef struct mc_capread_mark {
    uint64_t offset;   /* of the first byte this frame gave the stream */
    uint64_t frame;
    double time;       /* seconds since the epoch */
} mc_capread_mark;

/* One contiguous piece of a direction's stream. */
typedef struct mc_capread_piece {
    uint64_t offset;   /* its first byte's offset in the stream (0: the byte after the SYN) */
    uint8_t *bytes;
    size_t len;
} mc_capread_piece;

/* One direction of a TCP connection (dir 0: from the client, the side that sent the SYN or, with
 * no SYN seen, the side that sent the first frame), or the datagrams of a UDP flow. */
typedef struct mc_capread_dir {
    mc_capread_piece *pieces;
    size_t npieces;
    mc_capread_mark *marks;   /* ascending offsets */
    size_t nmarks;
    uint64_t bytes;           /* payload kept */
    uint64_t retransmitted;   /* payload bytes seen twice and dropped */
    bool fin;                 /* a FIN or RST ended it */
} mc_capread_dir;

typedef struct mc_capread_flow {
    unsigned id;                    /* 1-based, in order of first frame */
    mc_capread_proto proto;
    char client[MC_CAPREAD_ADDR_LEN];
    char server[MC_CAPREAD_ADDR_LEN];
    uint16_t client_port, server_port;
    bool syn_seen;                  /* the capture holds its start */
    uint64_t first_frame, frames;
    mc_capread_dir dir[2];
    char (*notes)[MC_CAPREAD_NOTE_LEN];
    size_t nnotes;
    uint64_t notes_dropped;
} mc_capread_flow;

typedef struct mc_capread_limits {
    uint64_t max_bytes;   /* 0: MC_CAPREAD_MAX_BYTES */
    unsigned max_flows;   /* 0: MC_CAPREAD_MAX_FLOWS */
} mc_capread_limits;

typedef struct mc_capread mc_capread;

/* Reads the capture at path (lim may be NULL). NULL with a message naming the file (and the
 * frame, where one is at fault) in err when it cannot be read at all; a flow that can be read
 * only in part is returned with its notes. */
mc_capread *mc_capread_open(const char *path, const mc_capread_limits *lim, char *err, size_t errlen);
/* The same from a capture in memory (tests and the fuzz target). */
mc_capread *mc_capread_mem(const uint8_t *data, size_t len, const mc_capread_limits *lim, char *err,
                           size_t errlen);
void mc_capread_free(mc_capread *c);

size_t mc_capread_nflows(const mc_capread *c);
const mc_capread_flow *mc_capread_flow_at(const mc_capread *c, size_t i);  /* i < nflows */
uint64_t mc_capread_frames(const mc_capread *c);
uint64_t mc_capread_skipped(const mc_capread *c);  /* frames that carry no TCP or UDP */
const char *mc_capread_linktype(const mc_capread *c);
/* NULL, or what went wrong at the file's end (a truncated last record): the frames before it
 * are read. */
const char *mc_capread_warning(const mc_capread *c);
/* IP fragments (not reassembled, so skipped), and the frame of the first. */
uint64_t mc_capread_fragments(const mc_capread *c, uint64_t *first_frame);

/* The frame and time of the byte at offset of a direction (the last mark at or before it). */
const mc_capread_mark *mc_capread_mark_of(const mc_capread_dir *d, uint64_t offset);

#endif
