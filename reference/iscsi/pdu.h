/* The iSCSI PDU (RFC 7143 section 11): opcodes, flags, and one table naming every BHS field.
 * Nothing outside pdu.c reads a BHS byte by offset; code names a field and calls mc_pdu_get/set. */
#ifndef MC_ISCSI_PDU_H
#define MC_ISCSI_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_BHS_LEN 48u
#define MC_DIGEST_LEN 4u
#define MC_PAD 4u                        /* data segment and AHS are padded to 4 bytes (11.2.1) */
#define MC_DSL_MAX 0xffffffu             /* DataSegmentLength is 24 bits (11.2.1.5) */
#define MC_AHS_MAX (255u * 4u)           /* TotalAHSLength is one byte of 4-byte words (11.2.1.4) */
#define MC_RESERVED_TAG 0xffffffffu      /* ITT/TTT "no tag" value (11.2.1.8, 11.7.4) */
#define MC_ISCSI_DEFAULT_PORT 3260

/* Opcodes (11.2.1.2). Initiator opcodes are 0x00-0x1f, target opcodes 0x20-0x3f. */
enum mc_opcode {
    MC_OP_NOP_OUT = 0x00,
    MC_OP_SCSI_CMD = 0x01,
    MC_OP_TMF_REQ = 0x02,
    MC_OP_LOGIN_REQ = 0x03,
    MC_OP_TEXT_REQ = 0x04,
    MC_OP_DATA_OUT = 0x05,
    MC_OP_LOGOUT_REQ = 0x06,
    MC_OP_SNACK = 0x10,
    MC_OP_VENDOR_I_FIRST = 0x1c,
    MC_OP_VENDOR_I_LAST = 0x1e,
    MC_OP_NOP_IN = 0x20,
    MC_OP_SCSI_RSP = 0x21,
    MC_OP_TMF_RSP = 0x22,
    MC_OP_LOGIN_RSP = 0x23,
    MC_OP_TEXT_RSP = 0x24,
    MC_OP_DATA_IN = 0x25,
    MC_OP_LOGOUT_RSP = 0x26,
    MC_OP_R2T = 0x31,
    MC_OP_ASYNC = 0x32,
    MC_OP_VENDOR_T_FIRST = 0x3c,
    MC_OP_VENDOR_T_LAST = 0x3e,
    MC_OP_REJECT = 0x3f,
};
#define MC_OP_MASK 0x3fu
#define MC_OP_IMMEDIATE 0x40u

/* Reject reasons (11.17.1). */
enum mc_reject_reason {
    MC_REJ_DATA_DIGEST = 0x02,
    MC_REJ_SNACK = 0x03,
    MC_REJ_PROTOCOL_ERROR = 0x04,
    MC_REJ_CMD_NOT_SUPPORTED = 0x05,
    MC_REJ_IMMEDIATE_CMD = 0x06,
    MC_REJ_TASK_IN_PROGRESS = 0x07,
    MC_REJ_INVALID_DATA_ACK = 0x08,
    MC_REJ_INVALID_PDU_FIELD = 0x09,
    MC_REJ_LONG_OP = 0x0a,
    MC_REJ_DEPRECATED = 0x0b,
    MC_REJ_WAITING_FOR_LOGOUT = 0x0c,
};

/* Task management functions (11.5.1) and responses (11.6.1). */
enum mc_tmf_function {
    MC_TMF_ABORT_TASK = 1,
    MC_TMF_ABORT_TASK_SET = 2,
    MC_TMF_CLEAR_ACA = 3,
    MC_TMF_CLEAR_TASK_SET = 4,
    MC_TMF_LUN_RESET = 5,
    MC_TMF_TARGET_WARM_RESET = 6,
    MC_TMF_TARGET_COLD_RESET = 7,
    MC_TMF_TASK_REASSIGN = 8,
};
enum mc_tmf_response {
    MC_TMF_RSP_COMPLETE = 0,
    MC_TMF_RSP_NO_TASK = 1,
    MC_TMF_RSP_NO_LUN = 2,
    MC_TMF_RSP_TASK_ALLEGIANT = 3,
    MC_TMF_RSP_NO_REASSIGN = 4,
    MC_TMF_RSP_NOT_SUPPORTED = 5,
    MC_TMF_RSP_AUTH_FAILED = 6,
    MC_TMF_RSP_REJECTED = 255,
};

/* SCSI Response "Response" byte (11.4.3) and SNACK types (11.16.1). */
enum { MC_RSP_COMPLETED = 0x00, MC_RSP_TARGET_FAILURE = 0x01 };
enum mc_snack_type { MC_SNACK_DATA_R2T = 0, MC_SNACK_STATUS = 1, MC_SNACK_DATA_ACK = 2, MC_SNACK_RDATA = 3 };

/* Login stages (11.12.3) and status classes (11.13.5). */
enum mc_login_stage { MC_STAGE_SECURITY = 0, MC_STAGE_OPERATIONAL = 1, MC_STAGE_FULL_FEATURE = 3 };
enum mc_login_class { MC_LOGIN_SUCCESS = 0, MC_LOGIN_REDIRECT = 1, MC_LOGIN_INITIATOR_ERR = 2, MC_LOGIN_TARGET_ERR = 3 };
enum mc_login_detail {
    MC_LOGIN_D_INITIATOR_ERROR = 0x00,
    MC_LOGIN_D_AUTH_FAILED = 0x01,
    MC_LOGIN_D_FORBIDDEN = 0x02,
    MC_LOGIN_D_NOT_FOUND = 0x03,
    MC_LOGIN_D_TARGET_REMOVED = 0x04,
    MC_LOGIN_D_UNSUPPORTED_VERSION = 0x05,
    MC_LOGIN_D_TOO_MANY_CONNECTIONS = 0x06,
    MC_LOGIN_D_MISSING_PARAMETER = 0x07,
    MC_LOGIN_D_CANT_INCLUDE = 0x08,
    MC_LOGIN_D_SESSION_TYPE = 0x09,
    MC_LOGIN_D_SESSION_NOT_EXIST = 0x0a,
    MC_LOGIN_D_INVALID_REQUEST = 0x0b,
    MC_LOGIN_D_TARGET_ERROR = 0x00,
    MC_LOGIN_D_SERVICE_UNAVAILABLE = 0x01,
    MC_LOGIN_D_OUT_OF_RESOURCES = 0x02,
};
/* Logout reasons (11.14.1) and responses (11.15.1). */
enum { MC_LOGOUT_SESSION = 0, MC_LOGOUT_CONNECTION = 1, MC_LOGOUT_RECOVERY = 2 };
enum { MC_LOGOUT_RSP_OK = 0, MC_LOGOUT_RSP_NO_CID = 1, MC_LOGOUT_RSP_NO_RECOVERY = 2, MC_LOGOUT_RSP_FAILED = 3 };

/* Opcode sets for the field table: one bit per opcode (0x00-0x3f). */
#define MC_OPS(op) (UINT64_C(1) << (op))
#define MC_OPS_ALL UINT64_MAX
#define MC_OPS_INITIATOR UINT64_C(0x00000000ffffffff)
#define MC_OPS_TARGET UINT64_C(0xffffffff00000000)
/* Opcodes whose bytes 8-15 are a LUN (11.2.1.6). */
#define MC_OPS_LUN (MC_OPS(MC_OP_NOP_OUT) | MC_OPS(MC_OP_SCSI_CMD) | MC_OPS(MC_OP_TMF_REQ) | \
    MC_OPS(MC_OP_TEXT_REQ) | MC_OPS(MC_OP_DATA_OUT) | MC_OPS(MC_OP_SNACK) | MC_OPS(MC_OP_NOP_IN) | \
    MC_OPS(MC_OP_TEXT_RSP) | MC_OPS(MC_OP_DATA_IN) | MC_OPS(MC_OP_R2T) | MC_OPS(MC_OP_ASYNC))
/* Initiator PDUs that carry CmdSN at 24 and ExpStatSN at 28. */
#define MC_OPS_CMDSN (MC_OPS(MC_OP_NOP_OUT) | MC_OPS(MC_OP_SCSI_CMD) | MC_OPS(MC_OP_TMF_REQ) | \
    MC_OPS(MC_OP_LOGIN_REQ) | MC_OPS(MC_OP_TEXT_REQ) | MC_OPS(MC_OP_LOGOUT_REQ))
#define MC_OPS_EXPSTATSN (MC_OPS_CMDSN | MC_OPS(MC_OP_DATA_OUT) | MC_OPS(MC_OP_SNACK))
/* Target PDUs that carry StatSN at 24, ExpCmdSN at 28 and MaxCmdSN at 32. */
#define MC_OPS_STATSN (MC_OPS(MC_OP_NOP_IN) | MC_OPS(MC_OP_SCSI_RSP) | MC_OPS(MC_OP_TMF_RSP) | \
    MC_OPS(MC_OP_LOGIN_RSP) | MC_OPS(MC_OP_TEXT_RSP) | MC_OPS(MC_OP_DATA_IN) | \
    MC_OPS(MC_OP_LOGOUT_RSP) | MC_OPS(MC_OP_R2T) | MC_OPS(MC_OP_ASYNC) | MC_OPS(MC_OP_REJECT))
#define MC_OPS_TTT (MC_OPS(MC_OP_NOP_OUT) | MC_OPS(MC_OP_TEXT_REQ) | MC_OPS(MC_OP_DATA_OUT) | \
    MC_OPS(MC_OP_SNACK) | MC_OPS(MC_OP_NOP_IN) | MC_OPS(MC_OP_TEXT_RSP) | MC_OPS(MC_OP_DATA_IN) | \
    MC_OPS(MC_OP_R2T))
#define MC_OPS_FINAL (MC_OPS(MC_OP_NOP_OUT) | MC_OPS(MC_OP_SCSI_CMD) | MC_OPS(MC_OP_TMF_REQ) | \
    MC_OPS(MC_OP_TEXT_REQ) | MC_OPS(MC_OP_DATA_OUT) | MC_OPS(MC_OP_LOGOUT_REQ) | \
    MC_OPS(MC_OP_SNACK) | MC_OPS(MC_OP_NOP_IN) | MC_OPS(MC_OP_SCSI_RSP) | \
    MC_OPS(MC_OP_TMF_RSP) | MC_OPS(MC_OP_TEXT_RSP) | MC_OPS(MC_OP_DATA_IN) | \
    MC_OPS(MC_OP_LOGOUT_RSP) | MC_OPS(MC_OP_R2T) | MC_OPS(MC_OP_ASYNC) | MC_OPS(MC_OP_REJECT))
#define MC_OPS_LOGIN (MC_OPS(MC_OP_LOGIN_REQ) | MC_OPS(MC_OP_LOGIN_RSP))
#define MC_OPS_TEXT (MC_OPS(MC_OP_TEXT_REQ) | MC_OPS(MC_OP_TEXT_RSP))
#define MC_OPS_DATAIN_RSP (MC_OPS(MC_OP_DATA_IN) | MC_OPS(MC_OP_SCSI_RSP))
#define MC_OPS_RESPONSE (MC_OPS(MC_OP_SCSI_RSP) | MC_OPS(MC_OP_TMF_RSP) | MC_OPS(MC_OP_LOGOUT_RSP))

/* Every BHS field: X(ID, "name", byte offset, length in bytes, bit mask or 0, opcode set).
 * A non-zero mask makes a bit field inside the one byte at the offset; otherwise the field is a
 * big-endian unsigned integer of 1-8 bytes. Names are what vectors, dicts and reports use. */
#define MC_PDU_FIELDS(X) \
    X(IMMEDIATE,        "I",                  0, 1, 0x40, MC_OPS_INITIATOR) \
    X(OPCODE,           "opcode",             0, 1, 0x3f, MC_OPS_ALL) \
    X(FINAL,            "F",                  1, 1, 0x80, MC_OPS_FINAL) \
    X(FLAGS,            "flags",              1, 1, 0,    MC_OPS_ALL) \
    X(READ,             "R",                  1, 1, 0x40, MC_OPS(MC_OP_SCSI_CMD)) \
    X(WRITE,            "W",                  1, 1, 0x20, MC_OPS(MC_OP_SCSI_CMD)) \
    X(ATTR,             "attr",               1, 1, 0x07, MC_OPS(MC_OP_SCSI_CMD)) \
    X(CONTINUE,         "C",                  1, 1, 0x40, MC_OPS_TEXT | MC_OPS_LOGIN) \
    X(TRANSIT,          "T",                  1, 1, 0x80, MC_OPS_LOGIN) \
    X(CSG,              "csg",                1, 1, 0x0c, MC_OPS_LOGIN) \
    X(NSG,              "nsg",                1, 1, 0x03, MC_OPS_LOGIN) \
    X(ACK,              "A",                  1, 1, 0x40, MC_OPS(MC_OP_DATA_IN)) \
    X(BIDI_OVERFLOW,    "o",                  1, 1, 0x10, MC_OPS(MC_OP_SCSI_RSP)) \
    X(BIDI_UNDERFLOW,   "u",                  1, 1, 0x08, MC_OPS(MC_OP_SCSI_RSP)) \
    X(OVERFLOW,         "O",                  1, 1, 0x04, MC_OPS_DATAIN_RSP) \
    X(UNDERFLOW,        "U",                  1, 1, 0x02, MC_OPS_DATAIN_RSP) \
    X(STATUS_PRESENT,   "S",                  1, 1, 0x01, MC_OPS(MC_OP_DATA_IN)) \
    X(TMF_FUNCTION,     "function",           1, 1, 0x7f, MC_OPS(MC_OP_TMF_REQ)) \
    X(LOGOUT_REASON,    "reason_code",        1, 1, 0x7f, MC_OPS(MC_OP_LOGOUT_REQ)) \
    X(SNACK_TYPE,       "snack_type",         1, 1, 0x0f, MC_OPS(MC_OP_SNACK)) \
    X(RESPONSE,         "response",           2, 1, 0,    MC_OPS_RESPONSE) \
    X(REJECT_REASON,    "reason",             2, 1, 0,    MC_OPS(MC_OP_REJECT)) \
    X(VERSION_MAX,      "version_max",        2, 1, 0,    MC_OPS_LOGIN) \
    X(VERSION_MIN,      "version_min",        3, 1, 0,    MC_OPS(MC_OP_LOGIN_REQ)) \
    X(VERSION_ACTIVE,   "version_active",     3, 1, 0,    MC_OPS(MC_OP_LOGIN_RSP)) \
    X(STATUS,           "status",             3, 1, 0,    MC_OPS_DATAIN_RSP) \
    X(TOTAL_AHS_LENGTH, "total_ahs_length",   4, 1, 0,    MC_OPS_ALL) \
    X(DSL,              "data_segment_length", 5, 3, 0,   MC_OPS_ALL) \
    X(LUN,              "lun",                8, 8, 0,    MC_OPS_LUN) \
    X(ISID,             "isid",               8, 6, 0,    MC_OPS_LOGIN) \
    X(TSIH,             "tsih",              14, 2, 0,    MC_OPS_LOGIN) \
    X(ITT,              "itt",               16, 4, 0,    MC_OPS_ALL) \
    X(TTT,              "ttt",               20, 4, 0,    MC_OPS_TTT) \
    X(EDTL,             "edtl",              20, 4, 0,    MC_OPS(MC_OP_SCSI_CMD)) \
    X(SNACK_TAG,        "snack_tag",         20, 4, 0,    MC_OPS(MC_OP_SCSI_RSP)) \
    X(RTT,              "rtt",               20, 4, 0,    MC_OPS(MC_OP_TMF_REQ)) \
    X(CID,              "cid",               20, 2, 0,    MC_OPS(MC_OP_LOGIN_REQ) | MC_OPS(MC_OP_LOGOUT_REQ)) \
    X(CMDSN,            "cmdsn",             24, 4, 0,    MC_OPS_CMDSN) \
    X(STATSN,           "statsn",            24, 4, 0,    MC_OPS_STATSN) \
    X(EXPSTATSN,        "expstatsn",         28, 4, 0,    MC_OPS_EXPSTATSN) \
    X(EXPCMDSN,         "expcmdsn",          28, 4, 0,    MC_OPS_STATSN) \
    X(MAXCMDSN,         "maxcmdsn",          32, 4, 0,    MC_OPS_STATSN) \
    X(REFCMDSN,         "refcmdsn",          32, 4, 0,    MC_OPS(MC_OP_TMF_REQ)) \
    X(EXPDATASN,        "expdatasn",         36, 4, 0,    MC_OPS(MC_OP_SCSI_RSP) | MC_OPS(MC_OP_TMF_REQ)) \
    X(DATASN,           "datasn",            36, 4, 0,    MC_OPS(MC_OP_DATA_OUT) | MC_OPS(MC_OP_DATA_IN)) \
    X(R2TSN,            "r2tsn",             36, 4, 0,    MC_OPS(MC_OP_R2T)) \
    X(DATASN_R2TSN,     "datasn_r2tsn",      36, 4, 0,    MC_OPS(MC_OP_REJECT)) \
    X(STATUS_CLASS,     "status_class",      36, 1, 0,    MC_OPS(MC_OP_LOGIN_RSP)) \
    X(STATUS_DETAIL,    "status_detail",     37, 1, 0,    MC_OPS(MC_OP_LOGIN_RSP)) \
    X(ASYNC_EVENT,      "async_event",       36, 1, 0,    MC_OPS(MC_OP_ASYNC)) \
    X(ASYNC_VCODE,      "async_vcode",       37, 1, 0,    MC_OPS(MC_OP_ASYNC)) \
    X(PARAMETER1,       "parameter1",        38, 2, 0,    MC_OPS(MC_OP_ASYNC)) \
    X(PARAMETER2,       "parameter2",        40, 2, 0,    MC_OPS(MC_OP_ASYNC)) \
    X(PARAMETER3,       "parameter3",        42, 2, 0,    MC_OPS(MC_OP_ASYNC)) \
    X(BUFFER_OFFSET,    "buffer_offset",     40, 4, 0,    MC_OPS(MC_OP_DATA_OUT) | MC_OPS(MC_OP_DATA_IN) | MC_OPS(MC_OP_R2T)) \
    X(BIDI_RESIDUAL,    "bidi_residual",     40, 4, 0,    MC_OPS(MC_OP_SCSI_RSP)) \
    X(BEGRUN,           "begrun",            40, 4, 0,    MC_OPS(MC_OP_SNACK)) \
    X(TIME2WAIT,        "time2wait",         40, 2, 0,    MC_OPS(MC_OP_LOGOUT_RSP)) \
    X(TIME2RETAIN,      "time2retain",       42, 2, 0,    MC_OPS(MC_OP_LOGOUT_RSP)) \
    X(RESIDUAL,         "residual",          44, 4, 0,    MC_OPS_DATAIN_RSP) \
    X(DDTL,             "ddtl",              44, 4, 0,    MC_OPS(MC_OP_R2T)) \
    X(RUNLENGTH,        "runlength",         44, 4, 0,    MC_OPS(MC_OP_SNACK))

typedef enum mc_field {
#define MC_FIELD_ENUM(id, name, off, len, mask, ops) MC_F_##id,
    MC_PDU_FIELDS(MC_FIELD_ENUM)
#undef MC_FIELD_ENUM
    MC_F_COUNT
} mc_field;

/* The SCSI Command CDB occupies bytes 32-47 (11.3.5); it is a byte string, not an integer. */
#define MC_CDB_OFFSET 32u
#define MC_CDB_LEN 16u

typedef struct mc_field_desc {
    const char *name;
    uint8_t offset;
    uint8_t length;  /* bytes, 1-8 */
    uint8_t mask;    /* non-zero: bit field in the byte at offset */
    uint64_t opcodes;
} mc_field_desc;

/* A PDU in memory. ahs and data are owned (malloc) and unpadded; encode adds padding and digests.
 * The BHS TotalAHSLength and DataSegmentLength bytes are set by mc_pdu_encode from ahs_len and
 * data_len unless the caller asks to keep the raw values (for negative tests). */
typedef struct mc_pdu {
    uint8_t bhs[MC_BHS_LEN];
    uint8_t *ahs;
    size_t ahs_len;
    uint8_t *data;
    size_t data_len;
} mc_pdu;

const mc_field_desc *mc_field_info(mc_field f);
/* Finds a field by name that applies to opcode (any opcode when opcode < 0). */
int mc_field_by_name(const char *name, int opcode, mc_field *out);
bool mc_field_applies(mc_field f, uint8_t opcode);

uint64_t mc_pdu_get(const mc_pdu *p, mc_field f);
void mc_pdu_set(mc_pdu *p, mc_field f, uint64_t v);
static inline uint8_t mc_pdu_opcode(const mc_pdu *p) { return p->bhs[0] & MC_OP_MASK; }
const char *mc_opcode_name(uint8_t opcode);  /* "SCSI Command", or NULL when unknown */
bool mc_opcode_known(uint8_t opcode);

void mc_pdu_init(mc_pdu *p, uint8_t opcode);    /* zeroed BHS with the opcode set */
void mc_pdu_free(mc_pdu *p);                    /* frees ahs and data; the struct may be reused */
int mc_pdu_set_data(mc_pdu *p, const void *data, size_t len);  /* copies; -1 on ENOMEM or > 24 bits */
int mc_pdu_copy(mc_pdu *dst, const mc_pdu *src);
void mc_pdu_get_cdb(const mc_pdu *p, uint8_t cdb[MC_CDB_LEN]);
void mc_pdu_set_cdb(mc_pdu *p, const uint8_t *cdb, size_t len);

/* CRC32C (Castagnoli) as iSCSI uses it (RFC 7143 section 13.1 and Appendix B): start with
 * mc_crc32c(0, ...) for a fresh digest, pass the previous result to continue. */
uint32_t mc_crc32c(uint32_t crc, const void *buf, size_t len);

typedef struct mc_wire_opts {
    bool header_digest;
    bool data_digest;
    bool keep_lengths;   /* encode: trust the BHS length bytes as set (malformed PDUs on purpose) */
    bool corrupt_header_digest;  /* encode: send a wrong header digest (fault injection) */
    bool corrupt_data_digest;    /* encode: send a wrong data digest (fault injection) */
} mc_wire_opts;

/* Bytes the PDU takes on the wire with these options. */
size_t mc_pdu_wire_len(const mc_pdu *p, const mc_wire_opts *o);
/* Writes the wire form into a malloc'd buffer; returns 0 or -1 (message in err). */
int mc_pdu_encode(const mc_pdu *p, const mc_wire_opts *o, uint8_t **out, size_t *out_len, char *err,
                  size_t errlen);

/* Decoding from a byte stream. MC_DEC_MORE asks for more bytes (need says how many in total);
 * the errors after MC_DEC_OK say what the RFC asks the receiver to do with such a PDU. */
typedef enum mc_dec_status {
    MC_DEC_OK = 0,
    MC_DEC_MORE,
    MC_DEC_HEADER_DIGEST,  /* header digest wrong: discard the PDU, length fields untrusted (7.8) */
    MC_DEC_DATA_DIGEST,    /* data digest wrong: PDU decoded (header valid), data to be discarded */
    MC_DEC_TOO_LONG,       /* DataSegmentLength above the receiver's limit: protocol error */
    MC_DEC_NOMEM,          /* out of memory copying the segments (local failure, not the peer's) */
} mc_dec_status;

typedef struct mc_dec_limits {
    uint32_t max_data;   /* MaxRecvDataSegmentLength, or the login limit during login */
    bool header_digest;
    bool data_digest;
} mc_dec_limits;

/* Looks at buf[0..len); on MC_DEC_OK or MC_DEC_DATA_DIGEST fills *out (caller frees) and sets
 * *consumed to the PDU's wire size; on MC_DEC_MORE sets *consumed to the size needed so far.
 * On the other errors *out holds nothing to free and *consumed is the header segment's size.
 * With header digests on, the header digest is checked before DataSegmentLength is trusted; the
 * AHS (TotalAHSLength <= 1020 bytes) bounds what is awaited for that. lim NULL: no digests, any
 * 24-bit length. The AHS is returned with its padding (its own length fields say how much). */
mc_dec_status mc_pdu_decode(const uint8_t *buf, size_t len, const mc_dec_limits *lim, mc_pdu *out,
                            size_t *consumed, char *err, size_t errlen);

/* Serial number arithmetic (RFC 1982, 32 bits) used for CmdSN, StatSN, DataSN, R2TSN. */
static inline bool mc_sn_lt(uint32_t a, uint32_t b) { return a != b && (int32_t)(a - b) < 0; }
static inline bool mc_sn_le(uint32_t a, uint32_t b) { return a == b || mc_sn_lt(a, b); }
static inline bool mc_sn_gt(uint32_t a, uint32_t b) { return mc_sn_lt(b, a); }

#endif
