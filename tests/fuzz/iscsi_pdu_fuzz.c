/* Fuzz target of the iSCSI PDU codec (reference/iscsi/pdu.h, the MC_PDU_FIELDS table). The first
 * input byte picks the receiver's limits (header and data digests, MaxRecvDataSegmentLength); the
 * rest is a byte stream decoded PDU by PDU. For every PDU that decodes: it lies within the input,
 * one byte less asks for more, every field of the table reads back what it writes, and the PDU
 * encodes to the bytes it came from (padding aside) and decodes again to itself. Any difference
 * traps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_trap.h"
#include "pdu.h"

#define PDUS_MAX 256u    /* PDUs decoded per input (a PDU is >= 48 bytes, so this covers 12 KiB) */
#define CTRL_HD 0x1u     /* control bit: header digests on */
#define CTRL_DD 0x2u     /* control bit: data digests on */
#define CTRL_LIMIT_SHIFT 2u
#define ERR_LEN 160u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Receive limits a control byte chooses from: the login limit, RFC 7143's smallest and default
 * MaxRecvDataSegmentLength (13.12), and the 24-bit field's maximum. */
static const uint32_t limits[] = {8192u, 512u, 262144u, MC_DSL_MAX};
#define NLIMITS (sizeof(limits) / sizeof(limits[0]))

static size_t pad4(size_t n)
{
    return (n + MC_PAD - 1) / MC_PAD * MC_PAD;
}

static bool same_pdu(const mc_pdu *a, const mc_pdu *b)
{
    return memcmp(a->bhs, b->bhs, MC_BHS_LEN) == 0 && a->ahs_len == b->ahs_len && a->data_len == b->data_len &&
           (a->ahs_len == 0 || memcmp(a->ahs, b->ahs, a->ahs_len) == 0) &&
           (a->data_len == 0 || memcmp(a->data, b->data, a->data_len) == 0);
}

/* Every field of the table: writing what it reads changes nothing; a value written reads back
 * within the field's width and touches no byte outside the field. */
static void check_fields(const mc_pdu *p)
{
    for (int f = 0; f < MC_F_COUNT; f++) {
        const mc_field_desc *d = mc_field_info((mc_field)f);
        if (!d || d->offset + d->length > MC_BHS_LEN)
            FUZZ_TRAP();
        mc_pdu q = {.ahs = NULL};
        memcpy(q.bhs, p->bhs, MC_BHS_LEN);
        uint64_t v = mc_pdu_get(&q, (mc_field)f);
        mc_pdu_set(&q, (mc_field)f, v);
        if (memcmp(q.bhs, p->bhs, MC_BHS_LEN) != 0)
            FUZZ_TRAP();
        mc_pdu_set(&q, (mc_field)f, ~v);
        uint64_t w = mc_pdu_get(&q, (mc_field)f);
        if (w == v)
            FUZZ_TRAP();   /* the complement differs in every bit of the field */
        unsigned end = d->offset + d->length;   /* bytes outside the field stay as they were */
        if (memcmp(q.bhs, p->bhs, d->offset) != 0 || memcmp(q.bhs + end, p->bhs + end, MC_BHS_LEN - end) != 0)
            FUZZ_TRAP();
    }
}

/* Re-encodes p with the decoder's digest settings: the bytes must be the input's, but for the
 * padding (the encoder writes zeros), and must decode to the same PDU. */
static void check_round_trip(const mc_pdu *p, const uint8_t *wire, size_t used, const mc_dec_limits *lim,
                             mc_dec_status st)
{
    mc_wire_opts o = {.header_digest = lim->header_digest, .data_digest = lim->data_digest};
    uint8_t *enc = NULL;
    size_t len = 0;
    char err[ERR_LEN];
    if (mc_pdu_encode(p, &o, &enc, &len, err, sizeof(err)) != 0)
        FUZZ_TRAP();   /* whatever decodes is within the field widths, so it encodes */
    if (len != used || len != mc_pdu_wire_len(p, &o))
        FUZZ_TRAP();
    size_t hdr = MC_BHS_LEN + p->ahs_len;
    size_t hdr_wire = pad4(hdr) + (o.header_digest ? MC_DIGEST_LEN : 0);
    /* the decoder returns the AHS with its padding, so the whole header segment matches */
    if (memcmp(enc, wire, hdr_wire) != 0)
        FUZZ_TRAP();
    if (p->data_len && memcmp(enc + hdr_wire, wire + hdr_wire, p->data_len) != 0)
        FUZZ_TRAP();
    bool digest_matches = memcmp(enc + hdr_wire + p->data_len, wire + hdr_wire + p->data_len,
                                 len - hdr_wire - p->data_len) == 0;
    if (st == MC_DEC_OK && !digest_matches && o.data_digest && pad4(p->data_len) == p->data_len)
        FUZZ_TRAP();   /* no padding to differ in: a digest that checked is the one we write */
    mc_pdu back;
    size_t used2 = 0;
    mc_dec_status st2 = mc_pdu_decode(enc, len, lim, &back, &used2, err, sizeof(err));
    if (st2 != MC_DEC_OK || used2 != len || !same_pdu(&back, p))
        FUZZ_TRAP();
    mc_pdu_free(&back);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctrl = data[0];
    mc_dec_limits lim = {.max_data = limits[(ctrl >> CTRL_LIMIT_SHIFT) % NLIMITS],
                         .header_digest = (ctrl & CTRL_HD) != 0,
                         .data_digest = (ctrl & CTRL_DD) != 0};
    const uint8_t *s = data + 1;
    size_t n = size - 1, off = 0;
    for (unsigned k = 0; k < PDUS_MAX && off < n; k++) {
        mc_pdu p;
        size_t used = 0;
        char err[ERR_LEN] = "";
        mc_dec_status st = mc_pdu_decode(s + off, n - off, &lim, &p, &used, err, sizeof(err));
        if (st == MC_DEC_MORE) {
            if (used <= n - off)
                FUZZ_TRAP();   /* asks for more only when more is needed */
            break;
        }
        if (used < MC_BHS_LEN)
            FUZZ_TRAP();
        if (st == MC_DEC_NOMEM || st == MC_DEC_TOO_LONG) {
            if (st == MC_DEC_TOO_LONG && !err[0])
                FUZZ_TRAP();   /* every refusal says why */
            break;
        }
        if (st == MC_DEC_HEADER_DIGEST) {
            if (!err[0] || !lim.header_digest)
                FUZZ_TRAP();
            break;
        }
        if ((st != MC_DEC_OK && st != MC_DEC_DATA_DIGEST) || used > n - off)
            FUZZ_TRAP();   /* a decoded PDU lies within the input */
        mc_pdu shorter;
        size_t need = 0;
        if (mc_pdu_decode(s + off, used - 1, &lim, &shorter, &need, err, sizeof(err)) != MC_DEC_MORE)
            FUZZ_TRAP();   /* one byte short of a PDU is never a PDU */
        check_fields(&p);
        check_round_trip(&p, s + off, used, &lim, st);
        mc_pdu_free(&p);
        off += used;
    }
    return 0;
}
