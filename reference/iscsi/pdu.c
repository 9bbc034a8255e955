/* The PDU codec (RFC 7143 section 11): field access through the MC_PDU_FIELDS table, opcode names,
 * wire encoding with padding and digests, and bounded incremental decoding. */
#include "pdu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const mc_field_desc field_table[MC_F_COUNT] = {
#define MC_FIELD_DESC(id, nm, off, len, msk, ops) [MC_F_##id] = {nm, off, len, msk, ops},
    MC_PDU_FIELDS(MC_FIELD_DESC)
#undef MC_FIELD_DESC
};

/* Names as RFC 7143 section 11.2.1.2 lists the opcodes. */
static const char *const opcode_names[MC_OP_MASK + 1] = {
    [MC_OP_NOP_OUT] = "NOP-Out",
    [MC_OP_SCSI_CMD] = "SCSI Command",
    [MC_OP_TMF_REQ] = "SCSI Task Management Function Request",
    [MC_OP_LOGIN_REQ] = "Login Request",
    [MC_OP_TEXT_REQ] = "Text Request",
    [MC_OP_DATA_OUT] = "SCSI Data-Out",
    [MC_OP_LOGOUT_REQ] = "Logout Request",
    [MC_OP_SNACK] = "SNACK Request",
    [MC_OP_VENDOR_I_FIRST] = "Vendor-specific Initiator Opcode",
    [MC_OP_VENDOR_I_FIRST + 1] = "Vendor-specific Initiator Opcode",
    [MC_OP_VENDOR_I_LAST] = "Vendor-specific Initiator Opcode",
    [MC_OP_NOP_IN] = "NOP-In",
    [MC_OP_SCSI_RSP] = "SCSI Response",
    [MC_OP_TMF_RSP] = "SCSI Task Management Function Response",
    [MC_OP_LOGIN_RSP] = "Login Response",
    [MC_OP_TEXT_RSP] = "Text Response",
    [MC_OP_DATA_IN] = "SCSI Data-In",
    [MC_OP_LOGOUT_RSP] = "Logout Response",
    [MC_OP_R2T] = "Ready To Transfer (R2T)",
    [MC_OP_ASYNC] = "Asynchronous Message",
    [MC_OP_VENDOR_T_FIRST] = "Vendor-specific Target Opcode",
    [MC_OP_VENDOR_T_FIRST + 1] = "Vendor-specific Target Opcode",
    [MC_OP_VENDOR_T_LAST] = "Vendor-specific Target Opcode",
    [MC_OP_REJECT] = "Reject",
};

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

const mc_field_desc *mc_field_info(mc_field f)
{
    return (unsigned)f < MC_F_COUNT ? &field_table[f] : NULL;
}

bool mc_field_applies(mc_field f, uint8_t opcode)
{
    if ((unsigned)f >= MC_F_COUNT || opcode > MC_OP_MASK)
        return false;
    return (field_table[f].opcodes & MC_OPS(opcode)) != 0;
}

int mc_field_by_name(const char *name, int opcode, mc_field *out)
{
    if (!name)
        return -1;
    for (unsigned i = 0; i < MC_F_COUNT; i++) {
        if (strcmp(field_table[i].name, name) != 0)
            continue;
        if (opcode >= 0 && !mc_field_applies((mc_field)i, (uint8_t)opcode))
            continue;
        if (out)
            *out = (mc_field)i;
        return 0;
    }
    return -1;
}

static unsigned mask_shift(uint8_t mask)
{
    unsigned s = 0;
    while (s < 8 && !(mask & (1u << s)))
        s++;
    return s;
}

uint64_t mc_pdu_get(const mc_pdu *p, mc_field f)
{
    const mc_field_desc *d = mc_field_info(f);
    if (!d)
        return 0;
    if (d->mask)
        return (uint64_t)((p->bhs[d->offset] & d->mask) >> mask_shift(d->mask));
    uint64_t v = 0;
    for (unsigned i = 0; i < d->length; i++)
        v = (v << 8) | p->bhs[d->offset + i];
    return v;
}

void mc_pdu_set(mc_pdu *p, mc_field f, uint64_t v)
{
    const mc_field_desc *d = mc_field_info(f);
    if (!d)
        return;
    if (d->mask) {
        uint8_t bits = (uint8_t)((v << mask_shift(d->mask)) & d->mask);
        p->bhs[d->offset] = (uint8_t)((p->bhs[d->offset] & ~d->mask) | bits);
        return;
    }
    for (unsigned i = d->length; i > 0; i--) {
        p->bhs[d->offset + i - 1] = (uint8_t)(v & 0xffu);
        v >>= 8;
    }
}

const char *mc_opcode_name(uint8_t opcode)
{
    return opcode <= MC_OP_MASK ? opcode_names[opcode] : NULL;
}

bool mc_opcode_known(uint8_t opcode)
{
    return mc_opcode_name(opcode) != NULL;
}

void mc_pdu_init(mc_pdu *p, uint8_t opcode)
{
    memset(p, 0, sizeof(*p));
    mc_pdu_set(p, MC_F_OPCODE, opcode & MC_OP_MASK);
}

void mc_pdu_free(mc_pdu *p)
{
    if (!p)
        return;
    free(p->ahs);
    free(p->data);
    p->ahs = NULL;
    p->data = NULL;
    p->ahs_len = 0;
    p->data_len = 0;
}

int mc_pdu_set_data(mc_pdu *p, const void *data, size_t len)
{
    if (len > MC_DSL_MAX)
        return -1;
    uint8_t *copy = NULL;
    if (len > 0) {
        copy = malloc(len);
        if (!copy)
            return -1;
        memcpy(copy, data, len);
    }
    free(p->data);
    p->data = copy;
    p->data_len = len;
    mc_pdu_set(p, MC_F_DSL, len);
    return 0;
}

static uint8_t *dup_bytes(const uint8_t *src, size_t len, bool *fail)
{
    if (len == 0 || !src)
        return NULL;
    uint8_t *d = malloc(len);
    if (!d) {
        *fail = true;
        return NULL;
    }
    memcpy(d, src, len);
    return d;
}

int mc_pdu_copy(mc_pdu *dst, const mc_pdu *src)
{
    bool fail = false;
    mc_pdu tmp;
    memcpy(tmp.bhs, src->bhs, MC_BHS_LEN);
    tmp.ahs = dup_bytes(src->ahs, src->ahs_len, &fail);
    tmp.ahs_len = tmp.ahs ? src->ahs_len : 0;
    tmp.data = dup_bytes(src->data, src->data_len, &fail);
    tmp.data_len = tmp.data ? src->data_len : 0;
    if (fail) {
        mc_pdu_free(&tmp);
        return -1;
    }
    *dst = tmp;
    return 0;
}

void mc_pdu_get_cdb(const mc_pdu *p, uint8_t cdb[MC_CDB_LEN])
{
    memcpy(cdb, p->bhs + MC_CDB_OFFSET, MC_CDB_LEN);
}

void mc_pdu_set_cdb(mc_pdu *p, const uint8_t *cdb, size_t len)
{
    if (len > MC_CDB_LEN)
        len = MC_CDB_LEN;
    memset(p->bhs + MC_CDB_OFFSET, 0, MC_CDB_LEN);
    if (len)
        memcpy(p->bhs + MC_CDB_OFFSET, cdb, len);
}

static size_t pad4(size_t n)
{
    return (n + MC_PAD - 1) / MC_PAD * MC_PAD;
}

/* Digests go on the wire least significant byte first: RFC 7143 Appendix B shows the CRC of
 * 32 zero bytes (0x8A9136AA) as the byte sequence aa 36 91 8a. */
static void put_digest(uint8_t *at, uint32_t crc)
{
    for (unsigned i = 0; i < MC_DIGEST_LEN; i++)
        at[i] = (uint8_t)(crc >> (8 * i));
}

static uint32_t get_digest(const uint8_t *at)
{
    uint32_t v = 0;
    for (unsigned i = MC_DIGEST_LEN; i > 0; i--)
        v = (v << 8) | at[i - 1];
    return v;
}

size_t mc_pdu_wire_len(const mc_pdu *p, const mc_wire_opts *o)
{
    bool hd = o && o->header_digest;
    bool dd = o && o->data_digest;
    size_t n = MC_BHS_LEN + pad4(p->ahs_len) + (hd ? MC_DIGEST_LEN : 0) + pad4(p->data_len);
    /* The data digest is present only when there is a data segment (13.1, 11.2). */
    if (dd && p->data_len > 0)
        n += MC_DIGEST_LEN;
    return n;
}

int mc_pdu_encode(const mc_pdu *p, const mc_wire_opts *o, uint8_t **out, size_t *out_len, char *err,
                  size_t errlen)
{
    static const mc_wire_opts none = {0};
    if (!o)
        o = &none;
    *out = NULL;
    *out_len = 0;
    if (p->ahs_len > MC_AHS_MAX) {
        seterr(err, errlen, "AHS of %zu bytes exceeds %u (TotalAHSLength is one byte of words, 11.2.1.4)",
               p->ahs_len, MC_AHS_MAX);
        return -1;
    }
    if (p->data_len > MC_DSL_MAX) {
        seterr(err, errlen, "data segment of %zu bytes exceeds the 24-bit DataSegmentLength (11.2.1.5)",
               p->data_len);
        return -1;
    }
    size_t len = mc_pdu_wire_len(p, o);
    uint8_t *buf = calloc(1, len);
    if (!buf) {
        seterr(err, errlen, "out of memory encoding a %zu-byte PDU", len);
        return -1;
    }
    mc_pdu hdr = {.ahs = NULL, .data = NULL};
    memcpy(hdr.bhs, p->bhs, MC_BHS_LEN);
    if (!o->keep_lengths) {
        mc_pdu_set(&hdr, MC_F_TOTAL_AHS_LENGTH, pad4(p->ahs_len) / MC_PAD);
        mc_pdu_set(&hdr, MC_F_DSL, p->data_len);
    }
    size_t at = 0;
    memcpy(buf, hdr.bhs, MC_BHS_LEN);
    at += MC_BHS_LEN;
    if (p->ahs_len)
        memcpy(buf + at, p->ahs, p->ahs_len);
    at += pad4(p->ahs_len);
    if (o->header_digest) {
        uint32_t crc = mc_crc32c(0, buf, at);
        put_digest(buf + at, o->corrupt_header_digest ? ~crc : crc);
        at += MC_DIGEST_LEN;
    }
    if (p->data_len) {
        size_t start = at;
        memcpy(buf + at, p->data, p->data_len);
        at += pad4(p->data_len);
        if (o->data_digest) {
            uint32_t crc = mc_crc32c(0, buf + start, at - start);
            put_digest(buf + at, o->corrupt_data_digest ? ~crc : crc);
            at += MC_DIGEST_LEN;
        }
    }
    *out = buf;
    *out_len = at;
    return 0;
}

mc_dec_status mc_pdu_decode(const uint8_t *buf, size_t len, const mc_dec_limits *lim, mc_pdu *out,
                            size_t *consumed, char *err, size_t errlen)
{
    static const mc_dec_limits unlimited = {.max_data = MC_DSL_MAX};
    if (!lim)
        lim = &unlimited;
    memset(out, 0, sizeof(*out));
    *consumed = MC_BHS_LEN;
    if (len < MC_BHS_LEN)
        return MC_DEC_MORE;
    memcpy(out->bhs, buf, MC_BHS_LEN);
    size_t ahs_len = (size_t)mc_pdu_get(out, MC_F_TOTAL_AHS_LENGTH) * MC_PAD;
    size_t dsl = (size_t)mc_pdu_get(out, MC_F_DSL);
    size_t hdr_len = MC_BHS_LEN + ahs_len;
    size_t hdr_wire = hdr_len + (lim->header_digest ? MC_DIGEST_LEN : 0);
    /* With header digests the length fields are trusted only after the digest checks (7.8); the
     * header segment itself is bounded (at most 48 + 1020 + 4 bytes) so waiting for it is safe. */
    if (lim->header_digest) {
        if (len < hdr_wire) {
            *consumed = hdr_wire;
            return MC_DEC_MORE;
        }
        if (mc_crc32c(0, buf, hdr_len) != get_digest(buf + hdr_len)) {
            *consumed = hdr_wire;
            memset(out, 0, sizeof(*out));
            seterr(err, errlen, "header digest mismatch (13.1)");
            return MC_DEC_HEADER_DIGEST;
        }
    }
    if (dsl > lim->max_data) {
        *consumed = hdr_wire;
        memset(out, 0, sizeof(*out));
        seterr(err, errlen, "DataSegmentLength %zu exceeds the receive limit %u (MaxRecvDataSegmentLength, 13.12)",
               dsl, lim->max_data);
        return MC_DEC_TOO_LONG;
    }
    bool dd = lim->data_digest && dsl > 0;
    size_t total = hdr_wire + pad4(dsl) + (dd ? MC_DIGEST_LEN : 0);
    *consumed = total;
    if (len < total) {
        memset(out, 0, sizeof(*out));
        return MC_DEC_MORE;
    }
    mc_dec_status st = MC_DEC_OK;
    const uint8_t *data = buf + hdr_wire;
    if (dd && mc_crc32c(0, data, pad4(dsl)) != get_digest(data + pad4(dsl))) {
        seterr(err, errlen, "data digest mismatch (13.1)");
        st = MC_DEC_DATA_DIGEST;
    }
    bool fail = false;
    out->ahs = dup_bytes(buf + MC_BHS_LEN, ahs_len, &fail);
    out->ahs_len = out->ahs ? ahs_len : 0;
    out->data = dup_bytes(data, dsl, &fail);
    out->data_len = out->data ? dsl : 0;
    if (fail) {
        mc_pdu_free(out);
        memset(out, 0, sizeof(*out));
        seterr(err, errlen, "out of memory decoding a %zu-byte PDU", total);
        return MC_DEC_NOMEM;
    }
    return st;
}
