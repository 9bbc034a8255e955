/* The virtual SAN's mirror link codec (docs/vsan-link.md §2-§3): the 32-byte header, one table
 * naming every message type and every body field, encoding, a bounded incremental decoder for a
 * byte stream, and the names logs, the harness's dicts and the Wireshark dissector use.
 * Nothing outside link_codec.c reads a header or body byte by offset; code names a field. */
#ifndef MC_VSAN_LINK_H
#define MC_VSAN_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* §2: framing. */
#define MC_VSAN_MAGIC 0x4d435653u            /* "MCVS" */
#define MC_VSAN_VERSION 1u
#define MC_VSAN_HDR_LEN 32u
#define MC_VSAN_HCRC_SPAN 28u                /* hcrc covers header bytes 0-27 */
#define MC_VSAN_PCRC_LEN 4u                  /* CRC32C of the payload, present when length > 0 */
#define MC_VSAN_MAX_PAYLOAD ((1u << 20) + 64u)  /* §10: a WRITE of up to 1 MiB of data */
#define MC_VSAN_FRAME_MAX (MC_VSAN_HDR_LEN + MC_VSAN_MAX_PAYLOAD + MC_VSAN_PCRC_LEN)
/* §3.1 and §10. */
#define MC_VSAN_CLUSTER_LEN 32u              /* NUL-padded cluster name */
#define MC_VSAN_HISTORY_MAX 32u              /* generations a HELLO carries at most */
#define MC_VSAN_ID_MAX 8u                    /* server IDs 1..8, the witness included */
/* §3: RECONCILE_OK lists region numbers of 4 bytes after an 8-byte body, within MAX_PAYLOAD. */
#define MC_VSAN_REGION_NUM_LEN 4u
#define MC_VSAN_RECONCILE_BODY 8u
#define MC_VSAN_RECONCILE_MAX ((MC_VSAN_MAX_PAYLOAD - MC_VSAN_RECONCILE_BODY) / MC_VSAN_REGION_NUM_LEN)
/* §3 enumerations. */
#define MC_VSAN_ROLE_SERVER 1u
#define MC_VSAN_ROLE_WITNESS 2u
#define MC_VSAN_PURPOSE_MEMBER 1u
#define MC_VSAN_PURPOSE_AUTHORITY 2u
#define MC_VSAN_WRITE_SYNC 1u                /* WRITE body flags: resync or repair data (§8) */
#define MC_VSAN_HELLO_WROTE 1u               /* HELLO header flag: the sender wrote what the receiver missed (§3.1) */
#define MC_VSAN_VIEW_COMMITTED 1u            /* VIEW header flag: a quorum persisted it; act on it (§5.2) */
#define MC_VSAN_READ_COPY 1u                 /* READ header flag: the coordinator copies the region to repair it (§8.3) */

/* The header fields of §2: X(name, byte offset, width in bytes). */
#define MC_VSAN_HDR_FIELDS(X) \
    X(magic, 0, 4) X(version, 4, 1) X(type, 5, 1) X(flags, 6, 2) X(sender, 8, 2) \
    X(receiver, 10, 2) X(length, 12, 4) X(seq, 16, 4) X(term, 20, 4) X(tag, 24, 4) X(hcrc, 28, 4)

/* Their offsets and widths by name: MC_VSAN_HDR_OFF_length, MC_VSAN_HDR_WIDTH_length, ... */
enum {
#define MC_VSAN_HDR_PLACE(name, off, width) MC_VSAN_HDR_OFF_##name = off, MC_VSAN_HDR_WIDTH_##name = width,
    MC_VSAN_HDR_FIELDS(MC_VSAN_HDR_PLACE)
#undef MC_VSAN_HDR_PLACE
};

typedef struct mc_vsan_hdr {
#define MC_VSAN_HDR_MEMBER(name, off, width) uint32_t name;
    MC_VSAN_HDR_FIELDS(MC_VSAN_HDR_MEMBER)
#undef MC_VSAN_HDR_MEMBER
} mc_vsan_hdr;

/* The status values of §3: X(ID, value). The name is the ID. */
#define MC_VSAN_STATUSES(X) \
    X(OK, 0) X(MALFORMED, 1) X(STALE_TERM, 2) X(NOT_MEMBER, 3) X(STALE_EPOCH, 4) \
    X(OUT_OF_RANGE, 5) X(STORE_FAILED, 6) X(NOT_COORDINATOR, 7) X(NO_QUORUM, 8) X(BUSY, 9) \
    X(SPLIT_BRAIN, 10) X(UNKNOWN_TYPE, 11) X(NOT_HELD, 12)
enum mc_vsan_status {
#define MC_VSAN_STATUS_ENUM(id, v) MC_VSAN_ST_##id = v,
    MC_VSAN_STATUSES(MC_VSAN_STATUS_ENUM)
#undef MC_VSAN_STATUS_ENUM
};
#define MC_VSAN_ST_MAX MC_VSAN_ST_NOT_HELD

/* Field kinds. U: unsigned big-endian integer of 1-8 bytes, valid within [lo, hi]. COUNT: a U
 * counting the elements of the ARRAY field that follows it (at most hi). ARRAY: COUNT elements of
 * `width` bytes each, the last field of its body. BYTES: a byte string of `width` bytes. */
enum mc_vsan_kind { MC_VSAN_U, MC_VSAN_COUNT, MC_VSAN_ARRAY, MC_VSAN_BYTES };
/* Whether data may follow the body. BLOCKS: any multiple of the block size (none included).
 * BLOCKS_IF_OK: as BLOCKS when the body's status is OK, none otherwise. */
enum mc_vsan_data { MC_VSAN_DATA_NONE, MC_VSAN_DATA_BLOCKS, MC_VSAN_DATA_BLOCKS_IF_OK };
enum mc_vsan_dir { MC_VSAN_REQUEST = 1, MC_VSAN_ANSWER = 2 };

#define MC_VSAN_U32 UINT32_MAX
#define MC_VSAN_U64 UINT64_MAX

/* The one table of §3. B(LAYOUT) opens a body layout; F(LAYOUT, ID, "name", offset, width, kind,
 * lo, hi) is one of its fields, in wire order; T(NAME, number, LAYOUT, direction, ANSWER, data)
 * is a message type with that body: ANSWER is the type answering a request (ERROR answers any
 * request too), NONE for an answer. Types sharing a body (HELLO and HELLO_OK, §3.1; the answers
 * that carry only a status) name one layout, so each field is named once. */
#define MC_VSAN_TABLE(B, F, T) \
    B(HELLO) \
    F(HELLO, HELLO_CLUSTER,       "cluster",       0, 32, MC_VSAN_BYTES, 0, 0) \
    F(HELLO, HELLO_ROLE,          "role",         32, 4, MC_VSAN_U, MC_VSAN_ROLE_SERVER, MC_VSAN_ROLE_WITNESS) \
    F(HELLO, HELLO_BLOCK_SIZE,    "block_size",   36, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(HELLO, HELLO_REGION_SIZE,   "region_size",  40, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(HELLO, HELLO_BLOCKS,        "blocks",       44, 8, MC_VSAN_U, 0, MC_VSAN_U64) \
    F(HELLO, HELLO_LAST_TERM,     "last_term",    52, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(HELLO, HELLO_LAST_SEQ,      "last_seq",     56, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(HELLO, HELLO_LAST_GEN,      "last_gen",     60, 8, MC_VSAN_U, 0, MC_VSAN_U64) \
    F(HELLO, HELLO_VOTED_TERM,    "voted_term",   68, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(HELLO, HELLO_HISTORY_COUNT, "history_count", 72, 4, MC_VSAN_COUNT, 0, MC_VSAN_HISTORY_MAX) \
    F(HELLO, HELLO_HISTORY,       "history",      76, 8, MC_VSAN_ARRAY, 0, MC_VSAN_U64) \
    T(HELLO, 1, HELLO, MC_VSAN_REQUEST, HELLO_OK, MC_VSAN_DATA_NONE) \
    T(HELLO_OK, 2, HELLO, MC_VSAN_ANSWER, NONE, MC_VSAN_DATA_NONE) \
    B(LEASE) \
    F(LEASE, LEASE_PURPOSE,       "purpose",       0, 4, MC_VSAN_U, MC_VSAN_PURPOSE_MEMBER, MC_VSAN_PURPOSE_AUTHORITY) \
    F(LEASE, LEASE_VIEW_TERM,     "view_term",     4, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(LEASE, LEASE_VIEW_SEQ,      "view_seq",      8, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    T(LEASE, 3, LEASE, MC_VSAN_REQUEST, LEASE_OK, MC_VSAN_DATA_NONE) \
    B(LEASE_OK) \
    F(LEASE_OK, LEASE_OK_GRANTED, "granted",       0, 4, MC_VSAN_U, 0, 1) \
    F(LEASE_OK, LEASE_OK_COORDINATOR, "coordinator", 4, 4, MC_VSAN_U, 0, MC_VSAN_ID_MAX) \
    F(LEASE_OK, LEASE_OK_VIEW_TERM, "view_term",   8, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(LEASE_OK, LEASE_OK_VIEW_SEQ, "view_seq",    12, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(LEASE_OK, LEASE_OK_LEASE_MS, "lease_ms",    16, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    T(LEASE_OK, 4, LEASE_OK, MC_VSAN_ANSWER, NONE, MC_VSAN_DATA_NONE) \
    B(VOTE) \
    F(VOTE, VOTE_LAST_TERM,       "last_term",     0, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(VOTE, VOTE_LAST_SEQ,        "last_seq",      4, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(VOTE, VOTE_LAST_GEN,        "last_gen",      8, 8, MC_VSAN_U, 0, MC_VSAN_U64) \
    T(VOTE, 5, VOTE, MC_VSAN_REQUEST, VOTE_OK, MC_VSAN_DATA_NONE) \
    B(VOTE_OK) \
    F(VOTE_OK, VOTE_OK_GRANTED,   "granted",       0, 4, MC_VSAN_U, 0, 1) \
    F(VOTE_OK, VOTE_OK_LAST_TERM, "last_term",     4, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(VOTE_OK, VOTE_OK_LAST_SEQ,  "last_seq",      8, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(VOTE_OK, VOTE_OK_LAST_GEN,  "last_gen",     12, 8, MC_VSAN_U, 0, MC_VSAN_U64) \
    T(VOTE_OK, 6, VOTE_OK, MC_VSAN_ANSWER, NONE, MC_VSAN_DATA_NONE) \
    B(VIEW) \
    F(VIEW, VIEW_TERM,            "view_term",     0, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(VIEW, VIEW_SEQ,             "view_seq",      4, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(VIEW, VIEW_GEN,             "gen",           8, 8, MC_VSAN_U, 0, MC_VSAN_U64) \
    F(VIEW, VIEW_MEMBERS,         "members",      16, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(VIEW, VIEW_SYNCING,         "syncing",      20, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    T(VIEW, 7, VIEW, MC_VSAN_REQUEST, VIEW_OK, MC_VSAN_DATA_NONE) \
    B(STATUS) \
    F(STATUS, STATUS,             "status",        0, 4, MC_VSAN_U, 0, MC_VSAN_ST_MAX) \
    T(VIEW_OK, 8, STATUS, MC_VSAN_ANSWER, NONE, MC_VSAN_DATA_NONE) \
    B(RANGE) \
    F(RANGE, RANGE_FIRST,         "first",         0, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(RANGE, RANGE_COUNT,         "count",         4, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    T(GRANT, 9, RANGE, MC_VSAN_REQUEST, GRANT_OK, MC_VSAN_DATA_NONE) \
    B(GRANT_OK) \
    F(GRANT_OK, GRANT_OK_STATUS,  "status",        0, 4, MC_VSAN_U, 0, MC_VSAN_ST_MAX) \
    F(GRANT_OK, GRANT_OK_EPOCH,   "epoch",         4, 8, MC_VSAN_U, 0, MC_VSAN_U64) \
    F(GRANT_OK, GRANT_OK_FIRST,   "first",        12, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(GRANT_OK, GRANT_OK_COUNT,   "count",        16, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    T(GRANT_OK, 10, GRANT_OK, MC_VSAN_ANSWER, NONE, MC_VSAN_DATA_NONE) \
    T(REVOKE, 11, RANGE, MC_VSAN_REQUEST, OK, MC_VSAN_DATA_NONE) \
    B(RELEASE) \
    F(RELEASE, RELEASE_EPOCH,     "epoch",         0, 8, MC_VSAN_U, 0, MC_VSAN_U64) \
    F(RELEASE, RELEASE_FIRST,     "first",         8, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(RELEASE, RELEASE_COUNT,     "count",        12, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    T(RELEASE, 12, RELEASE, MC_VSAN_REQUEST, OK, MC_VSAN_DATA_NONE) \
    B(WRITE) \
    F(WRITE, WRITE_EPOCH,         "epoch",         0, 8, MC_VSAN_U, 0, MC_VSAN_U64) \
    F(WRITE, WRITE_OFFSET,        "offset",        8, 8, MC_VSAN_U, 0, MC_VSAN_U64) \
    F(WRITE, WRITE_FLAGS,         "flags",        16, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(WRITE, WRITE_WSEQ,          "wseq",         20, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    T(WRITE, 13, WRITE, MC_VSAN_REQUEST, WRITE_OK, MC_VSAN_DATA_BLOCKS) \
    T(WRITE_OK, 14, STATUS, MC_VSAN_ANSWER, NONE, MC_VSAN_DATA_NONE) \
    B(COMMIT) \
    F(COMMIT, COMMIT_WSEQ,        "wseq",          0, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(COMMIT, COMMIT_VIEW_SEQ,    "view_seq",      4, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(COMMIT, COMMIT_MEMBERS,     "members",       8, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    T(COMMIT, 15, COMMIT, MC_VSAN_REQUEST, OK, MC_VSAN_DATA_NONE) \
    B(READ) \
    F(READ, READ_OFFSET,          "offset",        0, 8, MC_VSAN_U, 0, MC_VSAN_U64) \
    F(READ, READ_LENGTH,          "length",        8, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    T(READ, 16, READ, MC_VSAN_REQUEST, READ_OK, MC_VSAN_DATA_NONE) \
    T(READ_OK, 17, STATUS, MC_VSAN_ANSWER, NONE, MC_VSAN_DATA_BLOCKS_IF_OK) \
    B(RECONCILE) \
    F(RECONCILE, RECONCILE_VIEW_TERM, "view_term", 0, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    F(RECONCILE, RECONCILE_VIEW_SEQ, "view_seq",   4, 4, MC_VSAN_U, 0, MC_VSAN_U32) \
    T(RECONCILE, 18, RECONCILE, MC_VSAN_REQUEST, RECONCILE_OK, MC_VSAN_DATA_NONE) \
    B(RECONCILE_OK) \
    F(RECONCILE_OK, RECONCILE_OK_STATUS, "status", 0, 4, MC_VSAN_U, 0, MC_VSAN_ST_MAX) \
    F(RECONCILE_OK, RECONCILE_OK_COUNT, "count",   4, 4, MC_VSAN_COUNT, 0, MC_VSAN_RECONCILE_MAX) \
    F(RECONCILE_OK, RECONCILE_OK_REGIONS, "regions", 8, 4, MC_VSAN_ARRAY, 0, MC_VSAN_U32) \
    T(RECONCILE_OK, 19, RECONCILE_OK, MC_VSAN_ANSWER, NONE, MC_VSAN_DATA_NONE) \
    T(ERROR, 20, STATUS, MC_VSAN_ANSWER, NONE, MC_VSAN_DATA_NONE) \
    T(OK, 21, STATUS, MC_VSAN_ANSWER, NONE, MC_VSAN_DATA_NONE) \
    B(SUSPECT) \
    F(SUSPECT, SUSPECT_SERVER,    "server",        0, 4, MC_VSAN_U, 1, MC_VSAN_ID_MAX) \
    T(SUSPECT, 22, SUSPECT, MC_VSAN_REQUEST, OK, MC_VSAN_DATA_NONE)

#define MC_VSAN_NOTHING(...)

/* Message types: MC_VSAN_T_HELLO = 1, ... (MC_VSAN_T_NONE = 0 is no type). */
enum mc_vsan_type {
    MC_VSAN_T_NONE = 0,
#define MC_VSAN_TYPE_ENUM(name, num, layout, dir, answer, data) MC_VSAN_T_##name = num,
    MC_VSAN_TABLE(MC_VSAN_NOTHING, MC_VSAN_NOTHING, MC_VSAN_TYPE_ENUM)
#undef MC_VSAN_TYPE_ENUM
};
#define MC_VSAN_T_MAX MC_VSAN_T_SUSPECT

/* Body layouts and fields: MC_VSAN_B_HELLO, ...; MC_VSAN_F_HELLO_CLUSTER, ... */
typedef enum mc_vsan_layout {
#define MC_VSAN_LAYOUT_ENUM(layout) MC_VSAN_B_##layout,
    MC_VSAN_TABLE(MC_VSAN_LAYOUT_ENUM, MC_VSAN_NOTHING, MC_VSAN_NOTHING)
#undef MC_VSAN_LAYOUT_ENUM
    MC_VSAN_B_COUNT
} mc_vsan_layout;

typedef enum mc_vsan_field {
#define MC_VSAN_FIELD_ENUM(layout, id, name, off, width, kind, lo, hi) MC_VSAN_F_##id,
    MC_VSAN_TABLE(MC_VSAN_NOTHING, MC_VSAN_FIELD_ENUM, MC_VSAN_NOTHING)
#undef MC_VSAN_FIELD_ENUM
    MC_VSAN_F_COUNT
} mc_vsan_field;

typedef struct mc_vsan_field_desc {
    const char *name;
    mc_vsan_layout layout;
    uint16_t offset;
    uint8_t width;           /* bytes; for an ARRAY, of one element */
    uint8_t kind;            /* enum mc_vsan_kind */
    uint64_t lo, hi;         /* U: valid values; COUNT: hi is the most elements */
} mc_vsan_field_desc;

typedef struct mc_vsan_type_desc {
    const char *name;        /* "HELLO" */
    uint8_t number;
    mc_vsan_layout layout;
    uint8_t dir;             /* enum mc_vsan_dir */
    uint8_t answer;          /* requests: the type that answers (besides ERROR); 0 for answers */
    uint8_t data;            /* enum mc_vsan_data */
} mc_vsan_type_desc;

/* A body layout: its fields are first .. first + n - 1 (in wire order); min is its size without
 * array elements. */
typedef struct mc_vsan_span {
    mc_vsan_field first;
    unsigned n;
    uint32_t min;
} mc_vsan_span;

/* A message in memory. Decoding fills every member from the frame: BYTES and ARRAY fields and the
 * data point into the decoded buffer (valid while it is). Encoding reads type, flags, sender,
 * receiver, seq, term and tag from h (it computes magic, version, length and hcrc), the body's
 * U and COUNT fields from v, BYTES and ARRAY fields from ref (wire form; NULL: zeros), the data. */
typedef struct mc_vsan_msg {
    mc_vsan_hdr h;
    uint64_t v[MC_VSAN_F_COUNT];
    const uint8_t *ref[MC_VSAN_F_COUNT];
    const uint8_t *data;
    size_t data_len;
} mc_vsan_msg;

/* Results of encoding and decoding. Rules 2-4 of §2 (FATAL: the stream cannot be trusted, the
 * connection ends) and rule 8 (the message is dropped, the stream goes on). */
#define MC_VSAN_RESULTS(X) \
    X(OK,              "ok",               0) \
    X(NEED_MORE,       "need-more",        0) \
    X(BAD_MAGIC,       "bad-magic",        2) \
    X(BAD_VERSION,     "bad-version",      2) \
    X(BAD_HCRC,        "bad-hcrc",         2) \
    X(TOO_LONG,        "too-long",         3) \
    X(BAD_PCRC,        "bad-pcrc",         4) \
    X(UNKNOWN_TYPE,    "unknown-type",     8) \
    X(WRONG_DIRECTION, "wrong-direction",  8) \
    X(SHORT_BODY,      "short-body",       8) \
    X(BAD_VALUE,       "bad-value",        8) \
    X(BAD_COUNT,       "bad-count",        8) \
    X(DATA_FORBIDDEN,  "data-forbidden",   8) \
    X(DATA_NOT_BLOCKS, "data-not-blocks",  8) \
    X(NO_ROOM,         "no-room",          0)
typedef enum mc_vsan_res {
#define MC_VSAN_RES_ENUM(id, name, rule) MC_VSAN_R_##id,
    MC_VSAN_RESULTS(MC_VSAN_RES_ENUM)
#undef MC_VSAN_RES_ENUM
    MC_VSAN_R_COUNT
} mc_vsan_res;

const char *mc_vsan_res_name(mc_vsan_res r);    /* "bad-hcrc" */
unsigned mc_vsan_res_rule(mc_vsan_res r);       /* the receiving rule of §2 it breaks; 0: none */
bool mc_vsan_res_fatal(mc_vsan_res r);          /* rules 2-4: the connection ends */

/* What the receiver knows that the frame cannot say: the block size data must be a multiple of
 * (1: any length) and the direction expected on this connection (0: either). */
typedef struct mc_vsan_opts {
    uint32_t block_size;
    uint8_t dir;
} mc_vsan_opts;

/* Table access. NULL for an unknown type or field. */
const mc_vsan_type_desc *mc_vsan_type_info(unsigned type);
const mc_vsan_field_desc *mc_vsan_field_info(mc_vsan_field f);
mc_vsan_span mc_vsan_layout_span(mc_vsan_layout l);
const char *mc_vsan_type_name(unsigned type);   /* "WRITE"; NULL when unknown */
int mc_vsan_type_by_name(const char *name);     /* the number, or -1 */
const char *mc_vsan_status_name(uint32_t status);  /* "STALE_EPOCH"; NULL when unknown */
/* The field of type's body named name, or -1. */
int mc_vsan_field_by_name(unsigned type, const char *name);
bool mc_vsan_field_of(unsigned type, mc_vsan_field f);

/* A zeroed message of this type. */
void mc_vsan_msg_init(mc_vsan_msg *m, unsigned type);
/* Integer (U or COUNT) field values; 0 / -1 when f is not an integer field of m's type. */
uint64_t mc_vsan_get(const mc_vsan_msg *m, mc_vsan_field f);
int mc_vsan_set(mc_vsan_msg *m, mc_vsan_field f, uint64_t v);
/* Element i of an ARRAY field (0 when out of range), and the element put into a wire array
 * being built for ref[f] (arr holds at least (i + 1) * width bytes). */
uint64_t mc_vsan_elem(const mc_vsan_msg *m, mc_vsan_field f, size_t i);
void mc_vsan_elem_put(uint8_t *arr, mc_vsan_field f, size_t i, uint64_t v);
/* The status of an answer whose body has one (every answer but HELLO_OK, LEASE_OK, VOTE_OK). */
bool mc_vsan_msg_status(const mc_vsan_msg *m, uint32_t *status);

/* The frame's size, or 0 when m breaks a rule of §2-§3 (checked as the decoder checks). */
size_t mc_vsan_encoded_len(const mc_vsan_msg *m, const mc_vsan_opts *o);
/* Writes the frame into out[0..cap): R_OK with *len set, R_NO_ROOM, or the rule m breaks. */
mc_vsan_res mc_vsan_encode(const mc_vsan_msg *m, const mc_vsan_opts *o, uint8_t *out, size_t cap,
                           size_t *len);
/* Rewrites hcrc, and the payload CRC when the frame_len bytes hold the payload its header's
 * length says: builds deliberately malformed messages that pass rules 2 and 4. -1 when
 * frame_len is below a header. */
int mc_vsan_seal(uint8_t *frame, size_t frame_len);
/* The size of a frame whose header says length (header, payload and its CRC when length > 0). */
size_t mc_vsan_frame_len(uint32_t length);
/* Gives a whole frame of frame_len bytes another seq and reseals it (mc_vsan_seal): a relay that
 * removes or inserts messages keeps each direction numbered as rule 5 wants. -1 when frame_len is
 * not the size the frame's header says. */
int mc_vsan_reseq(uint8_t *frame, size_t frame_len, uint32_t seq);

/* Decodes the frame at the start of buf[0..len).
 * R_NEED_MORE: *used is the total the decoder needs to get further (32 for a header, then the
 *   whole frame, never above MC_VSAN_FRAME_MAX); checks the bytes it has first (magic, version).
 * R_OK: *used is the frame's size; m holds the message, pointing into buf.
 * rule 8 results: *used is the frame's size and m->h the header (valid): skip the frame.
 * FATAL results: *used is 0; m->h is filled when the header was complete. */
mc_vsan_res mc_vsan_decode(const uint8_t *buf, size_t len, const mc_vsan_opts *o, mc_vsan_msg *m,
                           size_t *used);

/* A growable output buffer (encode appends to it). */
typedef struct mc_vsan_buf {
    uint8_t *p;
    size_t len, cap;
} mc_vsan_buf;
/* Appends m's frame: R_OK, R_NO_ROOM when memory runs out, or the rule m breaks. */
mc_vsan_res mc_vsan_encode_buf(const mc_vsan_msg *m, const mc_vsan_opts *o, mc_vsan_buf *b);
void mc_vsan_buf_free(mc_vsan_buf *b);

/* A stream reader: bytes in, one message at a time out. Its buffer grows only to a frame whose
 * header passed rules 2 and 3 (at most MC_VSAN_FRAME_MAX), never by what a peer merely claims. */
#define MC_VSAN_RX_CHUNK 65536u              /* what one read asks for at least */
typedef struct mc_vsan_rx {
    uint8_t *buf;
    size_t cap, start, end;   /* buf[start, end) holds bytes not yet taken */
    size_t need;              /* bytes from start the decoder last asked for */
    mc_vsan_res failed;       /* a FATAL result stops the stream */
} mc_vsan_rx;
void mc_vsan_rx_init(mc_vsan_rx *rx);
void mc_vsan_rx_free(mc_vsan_rx *rx);
void mc_vsan_rx_reset(mc_vsan_rx *rx);          /* a new connection: empty, buffer kept */
/* Room to read into (moves pending bytes to the front, so earlier messages' pointers die); the
 * buffer holds max(MC_VSAN_RX_CHUNK, the frame being awaited). *room is 0 when it is full of
 * bytes not yet taken (take them with rx_next first). -1 when memory runs out. */
int mc_vsan_rx_space(mc_vsan_rx *rx, uint8_t **p, size_t *room);
void mc_vsan_rx_commit(mc_vsan_rx *rx, size_t n);
/* Copies up to n bytes in; returns how many were taken (fewer when a frame waits to be taken). */
size_t mc_vsan_rx_feed(mc_vsan_rx *rx, const void *bytes, size_t n);
/* The next message: R_NEED_MORE (nothing taken), R_OK or a rule 8 result (the frame is taken; m
 * points into the buffer until the next rx_space/rx_feed), or a FATAL result (and forever after). */
mc_vsan_res mc_vsan_rx_next(mc_vsan_rx *rx, const mc_vsan_opts *o, mc_vsan_msg *m);
static inline size_t mc_vsan_rx_pending(const mc_vsan_rx *rx) { return rx->end - rx->start; }

#endif
