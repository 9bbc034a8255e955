/* The iSCSI PDUs of one TCP flow of a foreign capture (core/pcap_reader.h): which side is the
 * initiator, the PDUs of each direction in stream order with the frame and time each began in,
 * the digests the login negotiated (RFC 7143 13.1: a final Login Response's HeaderDigest and
 * DataDigest; PDUs after the login use them), and what could not be framed, naming the frame.
 *
 * A stream that does not start at a PDU boundary (a flow the capture joined mid-session, or the
 * piece after a lost segment) is searched for the first offset where two PDUs in a row look
 * well formed (a known opcode of that direction, reserved bytes as 7143 fixes them where the
 * opcode has them, lengths within the stream); with no login seen, the header digest is detected
 * by checking the CRC32C after each candidate header. */
#ifndef MC_CAPTURE_SPLIT_H
#define MC_CAPTURE_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcap_reader.h"
#include "pdu.h"

/* Our choice: how far into a piece a PDU boundary is searched for (a few PDUs of the largest
 * common MaxRecvDataSegmentLength, 256 KiB), and how many notes a split keeps. */
#define MC_CAPSPLIT_RESYNC_WINDOW (1024u * 1024u)
#define MC_CAPSPLIT_MAX_NOTES 64u
/* Our choice: the PDUs a split keeps (each becomes a Tcl dict of about a kilobyte for the
 * replay); a flow with more is framed up to this many, and a note says so. */
#define MC_CAPSPLIT_MAX_PDUS 262144u

typedef struct mc_cap_pdu {
    int dir;            /* 0: initiator to target, 1: target to initiator */
    uint64_t offset;    /* of its first byte in its direction's stream */
    uint64_t frame;     /* the frame holding the PDU's first byte */
    double time;
    mc_pdu pdu;
    bool data_digest_bad;
} mc_cap_pdu;

typedef struct mc_capsplit {
    bool iscsi;                  /* the flow carries iSCSI */
    int initiator_dir;           /* which of the flow's directions (pcap_reader dir) is the initiator's */
    bool login_seen;             /* the capture holds the login's final response */
    bool header_digest, data_digest;
    mc_cap_pdu *pdus;            /* both directions, ordered by time, then stream order */
    size_t npdus;
    char (*notes)[MC_CAPREAD_NOTE_LEN];
    size_t nnotes;
} mc_capsplit;

/* Splits flow f; 0, or -1 with a message in err (out of memory). A flow that is not iSCSI gives
 * 0 with out->iscsi false and a note saying why. */
int mc_capsplit_flow(const mc_capread_flow *f, mc_capsplit *out, char *err, size_t errlen);
void mc_capsplit_free(mc_capsplit *s);

#endif
