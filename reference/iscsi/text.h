/* iSCSI text: key=value lists carried in Login and Text PDUs (RFC 7143 sections 5.1 and 6.1),
 * their parser with bounds and character checks, serialisation, binary values (0x hex / 0b base64),
 * and the accumulator that joins a key list continued over several PDUs (C bit, 11.10.2). */
#ifndef MC_ISCSI_TEXT_H
#define MC_ISCSI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_TEXT_KEY_MAX 63u      /* key names are at most 63 bytes (6.1) */
#define MC_TEXT_VALUE_MAX 255u   /* values are at most 255 bytes unless the key says otherwise (6.1) */
/* Keys that carry large binary values (CHAP_C, CHAP_R, 12.1.3) may reach 8192 bytes of text (6.1). */
#define MC_TEXT_LARGE_VALUE_MAX 8192u
/* A whole key list of one exchange (all PDUs of a C-bit continuation) is capped at 64 KiB: 6.1
 * asks receivers to take at least 64 kilobytes of key=value data when an authentication method
 * needs very long items (and 8192 bytes otherwise), and a peer streaming C=1 forever must cost
 * bounded memory (11.10.2). */
#define MC_TEXT_EXCHANGE_MAX (64u * 1024u)
/* Upper bound on pairs in one list, for the same reason. */
#define MC_TEXT_PAIRS_MAX 1024u

/* Parse/validation outcomes; each has a fixed message (mc_text_strerror). */
typedef enum mc_text_err {
    MC_TEXT_OK = 0,
    MC_TEXT_E_NOMEM,
    MC_TEXT_E_EMPTY_KEY,        /* "=value" */
    MC_TEXT_E_KEY_TOO_LONG,     /* key name above 63 bytes */
    MC_TEXT_E_VALUE_TOO_LONG,   /* value above the key's limit (255 or 8192) */
    MC_TEXT_E_BAD_KEY_CHAR,     /* key name outside letters, digits, . - + @ _ */
    MC_TEXT_E_BAD_VALUE_CHAR,   /* value outside the text-value character set */
    MC_TEXT_E_NO_EQUALS,        /* a pair without '=' */
    MC_TEXT_E_DUPLICATE,        /* the same key twice in one list */
    MC_TEXT_E_UNTERMINATED,     /* the last pair is not ended by NUL */
    MC_TEXT_E_TOO_LARGE,        /* the list exceeds MC_TEXT_EXCHANGE_MAX or MC_TEXT_PAIRS_MAX */
    MC_TEXT_E_BAD_NUMBER,       /* not a decimal, 0x hex or 0b base64 number, or out of range */
    MC_TEXT_E_BAD_BOOLEAN,      /* neither Yes nor No */
    MC_TEXT_E_BAD_BINARY,       /* malformed 0x/0b binary value */
    MC_TEXT_E_PROTOCOL,         /* continuation rules broken (C bit with F bit, 11.10.2) */
    MC_TEXT_E_COUNT
} mc_text_err;

const char *mc_text_strerror(int code);

typedef struct mc_kv {
    char *key;
    char *value;
} mc_kv;

/* An ordered list of pairs; key order is kept because answers follow offers. */
typedef struct mc_kvlist {
    mc_kv *items;
    size_t count;
    size_t cap;
} mc_kvlist;

void mc_kvlist_init(mc_kvlist *l);
void mc_kvlist_free(mc_kvlist *l);   /* frees every pair; the list may be reused after init */
/* Appends a copy of key=value (duplicates allowed: SendTargets answers repeat TargetAddress). */
int mc_kvlist_add(mc_kvlist *l, const char *key, const char *value);
/* Replaces the value of the first pair named key, or appends it. */
int mc_kvlist_set(mc_kvlist *l, const char *key, const char *value);
int mc_kvlist_add_u32(mc_kvlist *l, const char *key, uint32_t value);
/* First value of key, or NULL. */
const char *mc_kvlist_get(const mc_kvlist *l, const char *key);
/* Index of the first pair named key, or -1. */
long mc_kvlist_find(const mc_kvlist *l, const char *key);
bool mc_kvlist_remove(mc_kvlist *l, const char *key);

/* Parser flags. */
#define MC_TEXT_ALLOW_DUP 0x1u   /* duplicates allowed (SendTargets responses, 13.3) */
#define MC_TEXT_LENIENT 0x2u     /* skip character-set checks (the patent's literal dialect) */

/* Parses buf[0..len) of NUL-terminated key=value pairs into out (appended). The value limit of
 * each pair comes from the key table (MC_TEXT_LARGE_VALUE_MAX for binary-valued keys). Private keys
 * (X-, X#) may use any value characters except NUL. Returns MC_TEXT_OK or an mc_text_err with a
 * message naming the offending key in err; *bad_index (may be NULL) gets the pair's index. */
int mc_text_parse(const uint8_t *buf, size_t len, unsigned flags, mc_kvlist *out, size_t *bad_index,
                  char *err, size_t errlen);

/* Checks a key name's characters and length (6.1): MC_TEXT_OK or an error code. */
int mc_text_check_key(const char *key);
/* Checks a value's characters against the text-value set (letters, digits, . - + @ _ / [ ] : and
 * the list comma; '=' only as base64 padding in a 0b value). */
int mc_text_check_value(const char *value);

/* iSCSI names (4.2.7): at most 223 bytes; "iqn." yyyy-mm "." reversed domain [":" anything legal],
 * "eui." and 16 hex digits, or "naa." and 16 or 32 hex digits. Upper case is accepted (names are
 * compared after normalisation to lower case). Returns MC_TEXT_OK or MC_TEXT_E_BAD_VALUE_CHAR. */
#define MC_ISCSI_NAME_MAX 223u
int mc_text_check_iscsi_name(const char *name);

/* Value forms (5.1). Numbers: decimal, 0x/0X hex, 0b/0B base64 (big-endian, at most 8 bytes). */
int mc_text_parse_u64(const char *s, uint64_t *out);
int mc_text_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);
int mc_text_parse_bool(const char *s, bool *out);   /* "Yes" / "No" */
/* Splits a comma list: copies item number idx into buf; returns false past the end or on overflow. */
bool mc_text_list_item(const char *list, size_t idx, char *buf, size_t buflen);
bool mc_text_list_has(const char *list, const char *item);

/* Binary values (5.1): decodes "0x..." (hex digits, an odd count gets a leading zero nibble) or
 * "0b..." (base64 with padding) into out[0..cap); MC_TEXT_OK or MC_TEXT_E_BAD_BINARY /
 * MC_TEXT_E_VALUE_TOO_LONG. */
int mc_text_decode_binary(const char *s, uint8_t *out, size_t cap, size_t *outlen);
/* Encoders write a NUL-terminated "0x..." / "0b..." value; -1 when cap is too small. */
int mc_text_encode_hex(const uint8_t *bin, size_t len, char *out, size_t cap);
int mc_text_encode_base64(const uint8_t *bin, size_t len, char *out, size_t cap);

/* A growable byte buffer for serialised key lists. */
typedef struct mc_textbuf {
    uint8_t *data;
    size_t len;
    size_t cap;
} mc_textbuf;

void mc_textbuf_init(mc_textbuf *b);
void mc_textbuf_free(mc_textbuf *b);
/* Appends "key=value\0"; -1 on ENOMEM or when the buffer would pass MC_TEXT_EXCHANGE_MAX. */
int mc_textbuf_add(mc_textbuf *b, const char *key, const char *value);
/* Serialises a whole list (appends). */
int mc_text_serialize(const mc_kvlist *l, mc_textbuf *b);

/* Joins the data segments of a multi-PDU key list. A PDU with C=1 ends mid-list (a pair may be
 * split anywhere); the list is complete with the first PDU whose C=0. */
typedef struct mc_text_acc {
    mc_textbuf buf;
    size_t limit;      /* total bytes allowed, MC_TEXT_EXCHANGE_MAX unless set lower */
    bool complete;
} mc_text_acc;

void mc_text_acc_init(mc_text_acc *a, size_t limit);   /* limit 0: MC_TEXT_EXCHANGE_MAX */
void mc_text_acc_free(mc_text_acc *a);
void mc_text_acc_reset(mc_text_acc *a);                /* start a new exchange */
/* Adds one PDU's data segment. Returns 1 when the list is complete (C=0), 0 when more PDUs are
 * expected (C=1), or -mc_text_err (MC_TEXT_E_TOO_LARGE, MC_TEXT_E_NOMEM, MC_TEXT_E_UNTERMINATED when
 * the final segment does not end with NUL) with a message in err. */
int mc_text_acc_add(mc_text_acc *a, const uint8_t *data, size_t len, bool cont, char *err,
                    size_t errlen);

#endif
