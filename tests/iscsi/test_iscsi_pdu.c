/* PDU codec: field table, opcode names, encode/decode, padding, AHS, digests, bounds, serials. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "pdu.h"
#include "tap.h"

static uint64_t field_max(const mc_field_desc *d)
{
    if (d->mask) {
        unsigned s = 0;
        while (!(d->mask & (1u << s)))
            s++;
        return (uint64_t)(d->mask >> s);
    }
    return d->length == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * d->length)) - 1;
}

/* Expected BHS after setting only field d to all ones in a zero header. */
static void expect_ones(const mc_field_desc *d, uint8_t want[MC_BHS_LEN])
{
    memset(want, 0, MC_BHS_LEN);
    if (d->mask)
        want[d->offset] = d->mask;
    else
        memset(want + d->offset, 0xff, d->length);
}

static void test_crc(void)
{
    uint8_t buf[32];
    memset(buf, 0, sizeof(buf));
    tap_is_int(mc_crc32c(0, buf, 32), 0x8A9136AA, "CRC32C of 32 zero bytes is the check value 0x8A9136AA");
    memset(buf, 0xff, sizeof(buf));
    tap_is_int(mc_crc32c(0, buf, 32), 0x62A8AB43, "CRC32C of 32 0xff bytes (RFC 7143 Appendix B)");
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    tap_is_int(mc_crc32c(0, buf, 32), 0x46DD794E, "CRC32C of 32 incrementing bytes (Appendix B)");
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)(31 - i);
    tap_is_int(mc_crc32c(0, buf, 32), 0x113FDB5C, "CRC32C of 32 decrementing bytes (Appendix B)");
    static const uint8_t read10[48] = {0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                       0x14, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x14, 0, 0, 0, 0x18,
                                       0x28, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0};
    tap_is_int(mc_crc32c(0, read10, 48), 0xD9963A56, "CRC32C of the Appendix B SCSI Read(10) PDU");
    uint32_t part = mc_crc32c(0, read10, 13);
    tap_is_int(mc_crc32c(part, read10 + 13, 35), 0xD9963A56, "CRC32C continues across split buffers");

    /* On the wire the digest of 32 zero bytes reads aa 36 91 8a. */
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_DATA_OUT);
    uint8_t zeros[32] = {0};
    mc_pdu_set_data(&p, zeros, sizeof(zeros));
    mc_wire_opts o = {.data_digest = true};
    uint8_t *w = NULL;
    size_t wl = 0;
    char err[128];
    int rc = mc_pdu_encode(&p, &o, &w, &wl, err, sizeof(err));
    static const uint8_t le[4] = {0xaa, 0x36, 0x91, 0x8a};
    tap_ok(rc == 0 && wl == MC_BHS_LEN + 32 + 4, "data digest adds 4 bytes");
    tap_is_mem(w ? w + MC_BHS_LEN + 32 : le, le, 4, "data digest bytes are aa 36 91 8a (little-endian)");
    free(w);
    mc_pdu_free(&p);

    /* The accelerated and portable paths agree on every length 0..300 at every alignment 0..7. */
    uint8_t rnd[308];
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < sizeof(rnd); i++) {
        x = x * 1103515245u + 12345u;
        rnd[i] = (uint8_t)(x >> 16);
    }
    int differ = 0;
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len <= 300; len++)
            differ += mc_crc32c(0, rnd + off, len) != mc_crc32c_portable(0, rnd + off, len);
    tap_is_int(differ, 0, "accelerated (%s) and portable CRC32C agree", mc_crc32c_accelerated() ? "SSE4.2" : "not available");
    tap_is_int(mc_crc32c_portable(0, zeros, 32), 0x8A9136AA, "portable CRC32C check value");
}

static void test_fields(void)
{
    int bad_ones = 0, bad_clear = 0, bad_value = 0, bad_name = 0;
    for (unsigned f = 0; f < MC_F_COUNT; f++) {
        const mc_field_desc *d = mc_field_info((mc_field)f);
        mc_pdu p;
        uint8_t want[MC_BHS_LEN];
        memset(&p, 0, sizeof(p));
        mc_pdu_set(&p, (mc_field)f, UINT64_MAX);
        expect_ones(d, want);
        if (memcmp(p.bhs, want, MC_BHS_LEN) != 0 || mc_pdu_get(&p, (mc_field)f) != field_max(d)) {
            bad_ones++;
            tap_diag("field %s: all-ones set touched other bits or read back wrong", d->name);
        }
        memset(p.bhs, 0xff, MC_BHS_LEN);
        mc_pdu_set(&p, (mc_field)f, 0);
        for (unsigned i = 0; i < MC_BHS_LEN; i++)
            want[i] = (uint8_t)~want[i];
        if (memcmp(p.bhs, want, MC_BHS_LEN) != 0 || mc_pdu_get(&p, (mc_field)f) != 0) {
            bad_clear++;
            tap_diag("field %s: clearing touched other bits", d->name);
        }
        uint64_t v = UINT64_C(0x0123456789abcdef) & field_max(d);
        mc_pdu_set(&p, (mc_field)f, v);
        if (mc_pdu_get(&p, (mc_field)f) != v) {
            bad_value++;
            tap_diag("field %s: pattern did not round-trip", d->name);
        }
        mc_field found;
        int any_op = -1;
        for (int op = 0; op <= (int)MC_OP_MASK && any_op < 0; op++)
            if (mc_field_applies((mc_field)f, (uint8_t)op))
                any_op = op;
        if (mc_field_by_name(d->name, any_op, &found) != 0 || found != (mc_field)f) {
            bad_name++;
            tap_diag("field %s: not found by name for opcode 0x%02x", d->name, any_op);
        }
    }
    tap_is_int(bad_ones, 0, "every one of %d fields set to all ones changes only its own bits", MC_F_COUNT);
    tap_is_int(bad_clear, 0, "every field cleared in an all-ones header clears only its own bits");
    tap_is_int(bad_value, 0, "every field round-trips a bit pattern");
    tap_is_int(bad_name, 0, "every field is found by its name for an opcode it applies to");
    mc_field f;
    tap_ok(mc_field_by_name("ttt", MC_OP_SCSI_CMD, &f) != 0, "ttt does not apply to SCSI Command (bytes 20-23 are EDTL)");
    tap_ok(mc_field_by_name("edtl", MC_OP_SCSI_CMD, &f) == 0 && f == MC_F_EDTL, "edtl applies to SCSI Command");
    tap_ok(mc_field_by_name("no-such-field", -1, &f) != 0, "unknown field name is refused");

    /* Per opcode, the byte fields that apply must not overlap, and bit fields in one byte must be
     * disjoint (the whole-byte "flags" view of byte 1 excepted): one name per bit. */
    int overlaps = 0;
    for (unsigned op = 0; op <= MC_OP_MASK; op++) {
        if (!mc_opcode_known((uint8_t)op))
            continue;
        for (unsigned a = 0; a < MC_F_COUNT; a++) {
            for (unsigned b = a + 1; b < MC_F_COUNT; b++) {
                const mc_field_desc *x = mc_field_info((mc_field)a), *y = mc_field_info((mc_field)b);
                if (!mc_field_applies((mc_field)a, (uint8_t)op) || !mc_field_applies((mc_field)b, (uint8_t)op))
                    continue;
                if (a == MC_F_FLAGS || b == MC_F_FLAGS)
                    continue;
                bool clash;
                if (x->mask && y->mask)
                    clash = x->offset == y->offset && (x->mask & y->mask);
                else
                    clash = x->offset < y->offset + y->length && y->offset < x->offset + x->length;
                if (clash) {
                    overlaps++;
                    tap_diag("opcode 0x%02x: fields %s and %s overlap", op, x->name, y->name);
                }
            }
        }
    }
    tap_is_int(overlaps, 0, "no two fields of one opcode share a bit");
}

static const uint8_t all_opcodes[] = {
    MC_OP_NOP_OUT, MC_OP_SCSI_CMD, MC_OP_TMF_REQ, MC_OP_LOGIN_REQ, MC_OP_TEXT_REQ, MC_OP_DATA_OUT,
    MC_OP_LOGOUT_REQ, MC_OP_SNACK, 0x1c, 0x1d, 0x1e, MC_OP_NOP_IN, MC_OP_SCSI_RSP, MC_OP_TMF_RSP,
    MC_OP_LOGIN_RSP, MC_OP_TEXT_RSP, MC_OP_DATA_IN, MC_OP_LOGOUT_RSP, MC_OP_R2T, MC_OP_ASYNC, 0x3c, 0x3d,
    0x3e, MC_OP_REJECT,
};

static void test_opcodes(void)
{
    size_t n = sizeof(all_opcodes);
    int named = 0, known = 0;
    for (unsigned op = 0; op <= MC_OP_MASK; op++) {
        bool listed = memchr(all_opcodes, (int)op, n) != NULL;
        if (mc_opcode_name((uint8_t)op) && listed)
            named++;
        if (mc_opcode_known((uint8_t)op))
            known++;
    }
    tap_is_int(named, (long long)n, "every RFC 7143 opcode (11.2.1.2) has a name");
    tap_is_int(known, (long long)n, "no other opcode is known");
    tap_is_str(mc_opcode_name(MC_OP_SCSI_CMD), "SCSI Command", "0x01 is SCSI Command");
    tap_ok(mc_opcode_name(0x40) == NULL, "a value above 6 bits has no name");

    int fails = 0;
    for (size_t i = 0; i < n; i++) {
        for (int dig = 0; dig < 2; dig++) {
            uint8_t op = all_opcodes[i];
            mc_pdu p, q;
            mc_pdu_init(&p, op);
            /* Give every applicable field a distinct value so a misplaced byte shows. */
            for (unsigned f = 0; f < MC_F_COUNT; f++) {
                if (f == MC_F_OPCODE || f == MC_F_DSL || f == MC_F_TOTAL_AHS_LENGTH || f == MC_F_FLAGS)
                    continue;
                if (mc_field_applies((mc_field)f, op))
                    mc_pdu_set(&p, (mc_field)f, UINT64_C(0x9e3779b97f4a7c15) * (f + 1));
            }
            uint8_t data[7] = {1, 2, 3, 4, 5, 6, (uint8_t)i};
            mc_pdu_set_data(&p, data, 1 + i % 7);
            mc_wire_opts o = {.header_digest = dig, .data_digest = dig};
            mc_dec_limits lim = {.max_data = 8192, .header_digest = dig, .data_digest = dig};
            uint8_t *w = NULL;
            size_t wl = 0, used = 0;
            char err[128];
            if (mc_pdu_encode(&p, &o, &w, &wl, err, sizeof(err)) != 0 || wl != mc_pdu_wire_len(&p, &o)) {
                fails++;
                tap_diag("opcode 0x%02x: encode failed: %s", op, err);
                mc_pdu_free(&p);
                continue;
            }
            mc_dec_status st = mc_pdu_decode(w, wl, &lim, &q, &used, err, sizeof(err));
            if (st != MC_DEC_OK || used != wl || memcmp(p.bhs, q.bhs, MC_BHS_LEN) != 0 ||
                q.data_len != p.data_len || memcmp(q.data, p.data, p.data_len) != 0 ||
                mc_pdu_opcode(&q) != op) {
                fails++;
                tap_diag("opcode 0x%02x digests %d: round trip differs (status %d)", op, dig, st);
            }
            free(w);
            mc_pdu_free(&p);
            mc_pdu_free(&q);
        }
    }
    tap_is_int(fails, 0, "all %zu opcodes round-trip through encode/decode, with and without digests", n);
}

static void test_padding_and_ahs(void)
{
    int bad = 0;
    for (size_t len = 1; len <= 9; len++) {
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_DATA_IN);
        uint8_t data[9];
        memset(data, 0xa5, sizeof(data));
        mc_pdu_set_data(&p, data, len);
        uint8_t *w;
        size_t wl;
        mc_pdu_encode(&p, NULL, &w, &wl, NULL, 0);
        size_t padded = (len + 3) / 4 * 4;
        bool ok = wl == MC_BHS_LEN + padded;
        for (size_t i = MC_BHS_LEN + len; ok && i < wl; i++)
            ok = w[i] == 0;
        mc_pdu hdr;
        memcpy(hdr.bhs, w, MC_BHS_LEN);
        ok = ok && mc_pdu_get(&hdr, MC_F_DSL) == len;
        if (!ok) {
            bad++;
            tap_diag("data length %zu: wrong padding or DSL", len);
        }
        free(w);
        mc_pdu_free(&p);
    }
    tap_is_int(bad, 0, "data segments of 1..9 bytes are zero-padded to 4 and DSL excludes padding");

    mc_pdu p, q;
    mc_pdu_init(&p, MC_OP_SCSI_CMD);
    static const uint8_t ahs[6] = {0x00, 0x03, 0x02, 0xaa, 0xbb, 0xcc};   /* length 3, type 2 (bidi) */
    p.ahs = malloc(sizeof(ahs));
    memcpy(p.ahs, ahs, sizeof(ahs));
    p.ahs_len = sizeof(ahs);
    mc_pdu_set_data(&p, "abcde", 5);
    mc_wire_opts o = {.header_digest = true, .data_digest = true};
    uint8_t *w;
    size_t wl, used;
    mc_pdu_encode(&p, &o, &w, &wl, NULL, 0);
    tap_is_int((long long)wl, MC_BHS_LEN + 8 + 4 + 8 + 4, "AHS of 6 bytes is padded to 8, digests follow header and data");
    mc_pdu hdr;
    memcpy(hdr.bhs, w, MC_BHS_LEN);
    tap_is_int((long long)mc_pdu_get(&hdr, MC_F_TOTAL_AHS_LENGTH), 2, "TotalAHSLength counts 4-byte words");
    mc_dec_limits lim = {.max_data = 8192, .header_digest = true, .data_digest = true};
    mc_dec_status st = mc_pdu_decode(w, wl, &lim, &q, &used, NULL, 0);
    tap_ok(st == MC_DEC_OK && q.ahs_len == 8 && memcmp(q.ahs, ahs, 6) == 0, "AHS decodes (padded length)");
    mc_pdu_free(&q);
    w[MC_BHS_LEN + 4] ^= 0x01;   /* inside the AHS: the header digest covers it */
    st = mc_pdu_decode(w, wl, &lim, &q, &used, NULL, 0);
    tap_is_int(st, MC_DEC_HEADER_DIGEST, "a flipped AHS bit fails the header digest");
    free(w);

    p.ahs_len = MC_AHS_MAX + 1;
    char err[160] = "";
    uint8_t *big = realloc(p.ahs, p.ahs_len);
    if (big)
        p.ahs = big;
    tap_ok(big && mc_pdu_encode(&p, NULL, &w, &wl, err, sizeof(err)) == -1 && err[0], "an AHS over 1020 bytes is refused: %s", err);
    mc_pdu_free(&p);
}

static void test_digests_and_bounds(void)
{
    mc_pdu p, q;
    mc_pdu_init(&p, MC_OP_TEXT_REQ);
    mc_pdu_set(&p, MC_F_ITT, 7);
    mc_pdu_set_data(&p, "SendTargets=All", 16);
    mc_wire_opts o = {.header_digest = true, .data_digest = true, .corrupt_header_digest = true};
    mc_dec_limits lim = {.max_data = 8192, .header_digest = true, .data_digest = true};
    uint8_t *w;
    size_t wl, used;
    char err[160];
    mc_pdu_encode(&p, &o, &w, &wl, NULL, 0);
    tap_is_int(mc_pdu_decode(w, wl, &lim, &q, &used, err, sizeof(err)), MC_DEC_HEADER_DIGEST,
               "corrupt_header_digest is detected as a header digest error");
    tap_ok(q.data == NULL && q.ahs == NULL, "nothing is handed out after a header digest error");
    free(w);

    o.corrupt_header_digest = false;
    o.corrupt_data_digest = true;
    mc_pdu_encode(&p, &o, &w, &wl, NULL, 0);
    mc_dec_status st = mc_pdu_decode(w, wl, &lim, &q, &used, err, sizeof(err));
    tap_is_int(st, MC_DEC_DATA_DIGEST, "corrupt_data_digest is detected as a data digest error");
    tap_ok(used == wl && mc_pdu_get(&q, MC_F_ITT) == 7 && q.data_len == 16, "the PDU is still decoded after a data digest error");
    mc_pdu_free(&q);
    free(w);

    o.corrupt_data_digest = false;
    mc_pdu_encode(&p, &o, &w, &wl, NULL, 0);
    w[MC_BHS_LEN + 4 + 3] ^= 0x80;
    tap_is_int(mc_pdu_decode(w, wl, &lim, &q, &used, NULL, 0), MC_DEC_DATA_DIGEST, "a flipped data bit fails the data digest");
    mc_pdu_free(&q);
    w[MC_BHS_LEN + 4 + 3] ^= 0x80;

    int wrong = 0;
    for (size_t n = 0; n < wl; n++) {
        st = mc_pdu_decode(w, n, &lim, &q, &used, NULL, 0);
        if (st != MC_DEC_MORE || used <= n || used > wl || q.data) {
            wrong++;
            tap_diag("prefix of %zu bytes: status %d need %zu", n, st, used);
        }
    }
    tap_is_int(wrong, 0, "every truncated prefix (0..%zu bytes) asks for more, naming a larger size", wl - 1);
    free(w);

    /* Two PDUs back to back in one stream. */
    mc_wire_opts plain = {0};
    mc_dec_limits nolim = {.max_data = 8192};
    uint8_t *a, *b;
    size_t al, bl;
    mc_pdu_encode(&p, &plain, &a, &al, NULL, 0);
    mc_pdu_set(&p, MC_F_ITT, 8);
    mc_pdu_encode(&p, &plain, &b, &bl, NULL, 0);
    uint8_t *stream = malloc(al + bl);
    memcpy(stream, a, al);
    memcpy(stream + al, b, bl);
    st = mc_pdu_decode(stream, al + bl, &nolim, &q, &used, NULL, 0);
    tap_ok(st == MC_DEC_OK && used == al && mc_pdu_get(&q, MC_F_ITT) == 7, "first of two PDUs consumes exactly its bytes");
    mc_pdu_free(&q);
    st = mc_pdu_decode(stream + al, bl, &nolim, &q, &used, NULL, 0);
    tap_ok(st == MC_DEC_OK && used == bl && mc_pdu_get(&q, MC_F_ITT) == 8, "second PDU decodes from the remainder");
    mc_pdu_free(&q);
    free(stream);
    free(a);
    free(b);

    /* DataSegmentLength above the limit: refused from the header alone. */
    mc_pdu big;
    mc_pdu_init(&big, MC_OP_DATA_OUT);
    mc_pdu_set(&big, MC_F_DSL, 9000);
    st = mc_pdu_decode(big.bhs, MC_BHS_LEN, &nolim, &q, &used, err, sizeof(err));
    tap_is_int(st, MC_DEC_TOO_LONG, "DSL 9000 over an 8192 limit is refused after 48 bytes: %s", err);
    mc_pdu_set(&big, MC_F_DSL, MC_DSL_MAX);
    nolim.max_data = MC_DSL_MAX;
    st = mc_pdu_decode(big.bhs, MC_BHS_LEN, &nolim, &q, &used, NULL, 0);
    tap_ok(st == MC_DEC_MORE && used == MC_BHS_LEN + MC_DSL_MAX + 1, "the largest DSL asks for the padded size");

    /* keep_lengths sends the BHS length bytes as set (malformed on purpose). */
    mc_pdu_set(&p, MC_F_DSL, 100);
    mc_wire_opts keep = {.keep_lengths = true};
    mc_pdu_encode(&p, &keep, &w, &wl, NULL, 0);
    mc_pdu hdr;
    memcpy(hdr.bhs, w, MC_BHS_LEN);
    tap_ok(mc_pdu_get(&hdr, MC_F_DSL) == 100 && wl == MC_BHS_LEN + 16, "keep_lengths keeps a lying DSL");
    free(w);
    mc_pdu_encode(&p, &plain, &w, &wl, NULL, 0);
    memcpy(hdr.bhs, w, MC_BHS_LEN);
    tap_is_int((long long)mc_pdu_get(&hdr, MC_F_DSL), 16, "without keep_lengths DSL is the data length");
    free(w);
    mc_pdu_free(&p);

    tap_ok(mc_pdu_set_data(&p, NULL, (size_t)MC_DSL_MAX + 1) == -1, "set_data refuses more than 24 bits of data");
}

static void test_copy_cdb(void)
{
    mc_pdu p, c;
    mc_pdu_init(&p, MC_OP_SCSI_CMD);
    static const uint8_t cdb[10] = {0x28, 0, 0, 0, 0x10, 0, 0, 0, 8, 0};
    mc_pdu_set_cdb(&p, cdb, sizeof(cdb));
    uint8_t got[MC_CDB_LEN], want[MC_CDB_LEN] = {0};
    memcpy(want, cdb, sizeof(cdb));
    mc_pdu_get_cdb(&p, got);
    tap_is_mem(got, want, MC_CDB_LEN, "a 10-byte CDB reads back zero-extended to 16");
    mc_pdu_set_data(&p, "xyz", 3);
    tap_ok(mc_pdu_copy(&c, &p) == 0 && c.data != p.data && memcmp(c.data, "xyz", 3) == 0 &&
               memcmp(c.bhs, p.bhs, MC_BHS_LEN) == 0, "copy is deep");
    mc_pdu_free(&p);
    mc_pdu_free(&c);
}

static void test_serial(void)
{
    tap_ok(mc_sn_lt(0xffffffffu, 0), "0xffffffff < 0 in serial arithmetic (wrap)");
    tap_ok(mc_sn_gt(0, 0xffffffffu), "0 > 0xffffffff");
    tap_ok(mc_sn_lt(0xfffffff0u, 0x10u) && !mc_sn_lt(0x10u, 0xfffffff0u), "window across the wrap");
    tap_ok(mc_sn_le(5, 5) && !mc_sn_lt(5, 5), "equal is le, not lt");
    tap_ok(mc_sn_lt(1, 0x7fffffffu) && mc_sn_gt(0x80000001u, 1), "differences below 2^31 compare by distance");
}

int main(void)
{
    test_crc();
    test_fields();
    test_opcodes();
    test_padding_and_ahs();
    test_digests_and_bounds();
    test_copy_cdb();
    test_serial();
    return tap_done();
}
