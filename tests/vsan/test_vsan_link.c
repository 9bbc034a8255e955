/* The mirror link codec (docs/vsan-link.md §2-§3): the table, round trips of every type with every
 * field at 0, 1 and its maximum, each malformed case of §2 with its own result, and a stream read
 * whole, one byte at a time and at seeded random split points decoding identically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "pdu.h"
#include "tap.h"

#define BLOCK 512u                  /* the block size the tests' receivers expect */
#define SPLIT_ROUNDS 200            /* random split patterns of the stream */
#define DEFAULT_SEED 20261207u

static const mc_vsan_opts any_dir = {.block_size = BLOCK, .dir = 0};

enum { CLS_ZERO, CLS_ONE, CLS_MAX, CLS_COUNT };
static const char *const cls_name[CLS_COUNT] = {"0", "1", "max"};

static uint64_t width_max(unsigned width)
{
    return width >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * width)) - 1;
}

/* A value of class cls for a field, kept within the field's valid range. */
static uint64_t class_value(uint64_t lo, uint64_t hi, unsigned width, int cls)
{
    uint64_t v = cls == CLS_ZERO ? 0 : cls == CLS_ONE ? 1 : width_max(width);
    if (v < lo)
        v = lo;
    if (v > hi)
        v = hi;
    return v;
}

/* Storage for one test message's BYTES/ARRAY fields and data. */
typedef struct store {
    uint8_t *ref[MC_VSAN_F_COUNT];
    uint8_t *data;
} store;

static void store_free(store *s)
{
    for (unsigned i = 0; i < MC_VSAN_F_COUNT; i++)
        free(s->ref[i]);
    free(s->data);
    memset(s, 0, sizeof(*s));
}

static uint8_t class_byte(int cls)
{
    return cls == CLS_ZERO ? 0x00 : cls == CLS_ONE ? 0x01 : 0xff;
}

/* The largest data of whole blocks a type's body leaves room for. */
static size_t max_data(uint32_t body)
{
    return (MC_VSAN_MAX_PAYLOAD - body) / BLOCK * BLOCK;
}

/* Fills m (type, header and every body field) at class cls; data of 0, 1 or the most blocks. */
static void fill(mc_vsan_msg *m, store *s, unsigned type, int cls)
{
    mc_vsan_msg_init(m, type);
    m->h.flags = (uint32_t)class_value(0, UINT64_MAX, 2, cls);
    m->h.sender = (uint32_t)class_value(0, UINT64_MAX, 2, cls);
    m->h.receiver = (uint32_t)class_value(0, UINT64_MAX, 2, cls);
    m->h.seq = m->h.term = m->h.tag = (uint32_t)class_value(0, UINT64_MAX, 4, cls);
    const mc_vsan_type_desc *t = mc_vsan_type_info(type);
    mc_vsan_span sp = mc_vsan_layout_span(t->layout);
    uint32_t body = sp.min;
    for (unsigned i = 0; i < sp.n; i++) {
        mc_vsan_field f = (mc_vsan_field)(sp.first + i);
        const mc_vsan_field_desc *d = mc_vsan_field_info(f);
        if (d->kind == MC_VSAN_BYTES) {
            s->ref[f] = malloc(d->width);
            memset(s->ref[f], class_byte(cls), d->width);
            m->ref[f] = s->ref[f];
        } else if (d->kind == MC_VSAN_ARRAY) {
            size_t n = (size_t)m->v[f - 1];
            s->ref[f] = calloc(n ? n : 1, d->width);
            for (size_t k = 0; k < n; k++)
                mc_vsan_elem_put(s->ref[f], f, k, cls == CLS_MAX ? width_max(d->width) - k : k + (uint64_t)cls);
            m->ref[f] = s->ref[f];
            body = d->offset + (uint32_t)(n * d->width);
        } else {
            mc_vsan_set(m, f, class_value(d->lo, d->hi, d->width, cls));
        }
    }
    uint32_t status = 0;
    bool data_ok = t->data == MC_VSAN_DATA_BLOCKS ||
                   (t->data == MC_VSAN_DATA_BLOCKS_IF_OK && mc_vsan_msg_status(m, &status) && status == 0);
    if (data_ok) {
        size_t n = cls == CLS_ZERO ? 0 : cls == CLS_ONE ? BLOCK : max_data(body);
        s->data = malloc(n ? n : 1);
        for (size_t k = 0; k < n; k++)
            s->data[k] = (uint8_t)(k * 7u + (unsigned)cls);
        m->data = s->data;
        m->data_len = n;
    }
}

static uint8_t *frame_buf;   /* MC_VSAN_FRAME_MAX bytes */
static uint8_t *frame_buf2;

/* Round trip: encode, decode, compare every member, re-encode to the same bytes. */
static void round_trip(unsigned type, int cls)
{
    mc_vsan_msg m, d;
    store s = {0};
    fill(&m, &s, type, cls);
    const char *tn = mc_vsan_type_name(type);
    size_t len = 0;
    mc_vsan_res r = mc_vsan_encode(&m, &any_dir, frame_buf, MC_VSAN_FRAME_MAX, &len);
    if (!tap_ok(r == MC_VSAN_R_OK, "%s, fields at %s: encodes (%s)", tn, cls_name[cls], mc_vsan_res_name(r))) {
        store_free(&s);
        return;
    }
    tap_is_int((long long)len, (long long)mc_vsan_encoded_len(&m, &any_dir), "%s at %s: encoded_len agrees", tn,
               cls_name[cls]);
    size_t used = 0;
    r = mc_vsan_decode(frame_buf, len, &any_dir, &d, &used);
    int same = r == MC_VSAN_R_OK && used == len && d.h.type == m.h.type && d.h.flags == m.h.flags &&
               d.h.sender == m.h.sender && d.h.receiver == m.h.receiver && d.h.seq == m.h.seq &&
               d.h.term == m.h.term && d.h.tag == m.h.tag && d.h.magic == MC_VSAN_MAGIC &&
               d.h.version == MC_VSAN_VERSION && d.h.length + MC_VSAN_HDR_LEN + MC_VSAN_PCRC_LEN == len;
    const mc_vsan_type_desc *t = mc_vsan_type_info(type);
    mc_vsan_span sp = mc_vsan_layout_span(t->layout);
    for (unsigned i = 0; same && i < sp.n; i++) {
        mc_vsan_field f = (mc_vsan_field)(sp.first + i);
        const mc_vsan_field_desc *fd = mc_vsan_field_info(f);
        if (fd->kind == MC_VSAN_BYTES)
            same = memcmp(d.ref[f], m.ref[f], fd->width) == 0;
        else if (fd->kind == MC_VSAN_ARRAY)
            for (size_t k = 0; same && k < m.v[f - 1]; k++)
                same = mc_vsan_elem(&d, f, k) == mc_vsan_elem(&m, f, k);
        else
            same = mc_vsan_get(&d, f) == mc_vsan_get(&m, f);
    }
    same = same && d.data_len == m.data_len && (m.data_len == 0 || memcmp(d.data, m.data, m.data_len) == 0);
    tap_ok(same, "%s at %s: decodes to the same header, fields and %zu data bytes (%s)", tn, cls_name[cls],
           m.data_len, mc_vsan_res_name(r));
    size_t len2 = 0;
    r = mc_vsan_encode(&d, &any_dir, frame_buf2, MC_VSAN_FRAME_MAX, &len2);
    tap_ok(r == MC_VSAN_R_OK && len2 == len && memcmp(frame_buf, frame_buf2, len) == 0,
           "%s at %s: the decoded message re-encodes to the same %zu bytes", tn, cls_name[cls], len);
    store_free(&s);
}

static void test_table(void)
{
    int numbered = 0, answers_ok = 1, layout_ok = 1;
    for (unsigned ty = 1; ty <= MC_VSAN_T_MAX; ty++) {
        const mc_vsan_type_desc *t = mc_vsan_type_info(ty);
        if (!t)
            continue;
        numbered++;
        if (t->dir == MC_VSAN_REQUEST) {
            const mc_vsan_type_desc *a = mc_vsan_type_info(t->answer);
            answers_ok &= a && a->dir == MC_VSAN_ANSWER;
        } else {
            answers_ok &= t->answer == MC_VSAN_T_NONE;
        }
        answers_ok &= mc_vsan_type_by_name(t->name) == (int)ty;
    }
    tap_is_int(numbered, 22, "types 1..22 are all in the table (§3)");
    tap_ok(mc_vsan_type_info(0) == NULL && mc_vsan_type_info(23) == NULL && mc_vsan_type_info(255) == NULL,
           "types 0, 23 and 255 are unknown");
    tap_ok(answers_ok, "every request names an answer type, every answer none, names look up their numbers");
    for (unsigned l = 0; l < MC_VSAN_B_COUNT; l++) {
        mc_vsan_span sp = mc_vsan_layout_span((mc_vsan_layout)l);
        uint32_t next = 0;
        for (unsigned i = 0; i < sp.n; i++) {
            const mc_vsan_field_desc *d = mc_vsan_field_info((mc_vsan_field)(sp.first + i));
            layout_ok &= d->offset == next && d->width >= 1 && d->width <= 32;
            next = d->offset + d->width;
            if (d->kind == MC_VSAN_ARRAY)
                layout_ok &= i == sp.n - 1 && i > 0 &&
                             mc_vsan_field_info((mc_vsan_field)(sp.first + i - 1))->kind == MC_VSAN_COUNT;
            if (d->kind == MC_VSAN_COUNT)
                layout_ok &= i + 1 < sp.n &&
                             mc_vsan_field_info((mc_vsan_field)(sp.first + i + 1))->kind == MC_VSAN_ARRAY;
        }
        layout_ok &= sp.n > 0;
    }
    tap_ok(layout_ok, "every body's fields follow each other without gaps; an array is last, after its count");
    tap_is_int(mc_vsan_layout_span(MC_VSAN_B_HELLO).min, 76, "HELLO's body is 76 bytes before its history (§3.1)");
    tap_is_int(mc_vsan_layout_span(MC_VSAN_B_WRITE).min, 24, "WRITE's body is epoch, offset, flags, wseq: 24 bytes");
    tap_is_str(mc_vsan_status_name(MC_VSAN_ST_STALE_EPOCH), "STALE_EPOCH", "status 4 is STALE_EPOCH");
    tap_ok(mc_vsan_status_name(MC_VSAN_ST_MAX + 1) == NULL, "status 12 has no name");
    tap_is_int(mc_vsan_field_by_name(MC_VSAN_T_GRANT_OK, "epoch"), MC_VSAN_F_GRANT_OK_EPOCH,
               "GRANT_OK's field \"epoch\" is found by name");
    tap_is_int(mc_vsan_field_by_name(MC_VSAN_T_GRANT, "epoch"), -1, "GRANT has no field \"epoch\"");
    tap_is_int(mc_vsan_field_by_name(MC_VSAN_T_HELLO_OK, "cluster"), MC_VSAN_F_HELLO_CLUSTER,
               "HELLO_OK shares HELLO's body");
}

/* A valid message of type (fields at 1) into frame_buf; returns its length. */
static size_t valid_frame(unsigned type, int cls, store *s, mc_vsan_msg *m)
{
    fill(m, s, type, cls);
    size_t len = 0;
    mc_vsan_encode(m, &any_dir, frame_buf, MC_VSAN_FRAME_MAX, &len);
    return len;
}

static mc_vsan_res decode_res(const uint8_t *b, size_t len, const mc_vsan_opts *o, size_t *used)
{
    mc_vsan_msg d;
    size_t u = 0;
    mc_vsan_res r = mc_vsan_decode(b, len, o, &d, &u);
    if (used)
        *used = u;
    return r;
}

/* Big-endian value v into the width bytes at p (test frames built by hand). */
static void put(uint8_t *p, unsigned width, uint64_t v)
{
    for (unsigned i = width; i > 0; i--, v >>= 8)
        p[i - 1] = (uint8_t)v;
}

/* Rewrites the header's length (the frame already holds that many payload bytes). */
static void set_length(uint8_t *f, uint32_t len)
{
    put(f + MC_VSAN_HDR_OFF_length, MC_VSAN_HDR_WIDTH_length, len);
}

/* Rewrites body field f of a frame. */
static void set_field(uint8_t *frame, mc_vsan_field f, uint64_t v)
{
    const mc_vsan_field_desc *d = mc_vsan_field_info(f);
    put(frame + MC_VSAN_HDR_LEN + d->offset, d->width, v);
}

static void test_framing_errors(void)
{
    mc_vsan_msg m;
    store s = {0};
    size_t len = valid_frame(MC_VSAN_T_GRANT, CLS_ONE, &s, &m);
    store_free(&s);
    size_t used = 0;

    memcpy(frame_buf2, frame_buf, len);
    frame_buf2[MC_VSAN_HDR_OFF_magic] ^= 0x01;
    tap_is_str(mc_vsan_res_name(decode_res(frame_buf2, len, &any_dir, NULL)), "bad-magic", "wrong magic: bad-magic");
    tap_is_int(decode_res(frame_buf2, 1, &any_dir, NULL), MC_VSAN_R_BAD_MAGIC,
               "wrong magic is refused at its first byte, before a header is complete");
    frame_buf2[MC_VSAN_HDR_OFF_magic] ^= 0x01;
    frame_buf2[MC_VSAN_HDR_OFF_magic + MC_VSAN_HDR_WIDTH_magic - 1] ^= 0x80;
    tap_is_int(decode_res(frame_buf2, MC_VSAN_HDR_WIDTH_magic, &any_dir, NULL), MC_VSAN_R_BAD_MAGIC, "wrong last magic byte: bad-magic");

    memcpy(frame_buf2, frame_buf, len);
    frame_buf2[MC_VSAN_HDR_OFF_version] = MC_VSAN_VERSION + 1;
    mc_vsan_seal(frame_buf2, len);
    tap_is_int(decode_res(frame_buf2, len, &any_dir, NULL), MC_VSAN_R_BAD_VERSION, "version 2 (hcrc right): bad-version");
    tap_is_int(decode_res(frame_buf2, MC_VSAN_HDR_OFF_version + 1, &any_dir, NULL), MC_VSAN_R_BAD_VERSION, "version 2 is refused at byte 5");

    int all = 1;
    for (unsigned bit = 0; bit < 8 * MC_VSAN_HDR_WIDTH_hcrc; bit++) {
        memcpy(frame_buf2, frame_buf, len);
        frame_buf2[MC_VSAN_HDR_OFF_hcrc + bit / 8] ^= (uint8_t)(1u << (bit % 8));
        all &= decode_res(frame_buf2, len, &any_dir, NULL) == MC_VSAN_R_BAD_HCRC;
    }
    tap_ok(all, "each of the 32 hcrc bits flipped: bad-hcrc");
    all = 1;
    for (unsigned byte = MC_VSAN_HDR_OFF_type; byte < MC_VSAN_HCRC_SPAN; byte++) {
        memcpy(frame_buf2, frame_buf, len);
        frame_buf2[byte] ^= 0x10;
        all &= decode_res(frame_buf2, len, &any_dir, NULL) == MC_VSAN_R_BAD_HCRC;
    }
    tap_ok(all, "a bit flipped in any header byte from type to tag: bad-hcrc");

    all = 1;
    for (size_t byte = MC_VSAN_HDR_LEN; byte < len; byte++) {
        memcpy(frame_buf2, frame_buf, len);
        frame_buf2[byte] ^= 0x04;
        all &= decode_res(frame_buf2, len, &any_dir, NULL) == MC_VSAN_R_BAD_PCRC;
    }
    tap_ok(all, "a bit flipped in any payload or payload CRC byte (%zu bytes): bad-pcrc", len - MC_VSAN_HDR_LEN);

    /* Rule 3: the header alone says MAX_PAYLOAD + 1, and is refused without awaiting the rest. */
    memcpy(frame_buf2, frame_buf, MC_VSAN_HDR_LEN);
    set_length(frame_buf2, MC_VSAN_MAX_PAYLOAD + 1);
    mc_vsan_seal(frame_buf2, MC_VSAN_HDR_LEN);
    mc_vsan_msg tmp;
    tap_is_int(decode_res(frame_buf2, MC_VSAN_HDR_LEN, &any_dir, &used), MC_VSAN_R_TOO_LONG,
               "length MAX_PAYLOAD + 1 with only its header at hand: too-long");
    mc_vsan_rx rx;
    mc_vsan_rx_init(&rx);
    mc_vsan_rx_feed(&rx, frame_buf2, MC_VSAN_HDR_LEN);
    mc_vsan_res r = mc_vsan_rx_next(&rx, &any_dir, &tmp);
    tap_ok(r == MC_VSAN_R_TOO_LONG && rx.cap == MC_VSAN_RX_CHUNK,
           "the stream reader refuses it with its buffer still %u bytes (%s, %zu)", MC_VSAN_RX_CHUNK,
           mc_vsan_res_name(r), rx.cap);
    tap_is_int(mc_vsan_rx_feed(&rx, frame_buf, len), 0, "a stream that broke rule 3 takes no more bytes");
    tap_is_int(mc_vsan_rx_next(&rx, &any_dir, &tmp), MC_VSAN_R_TOO_LONG, "and keeps saying so");
    mc_vsan_rx_free(&rx);

    /* The last length allowed: the decoder awaits the whole frame, no more. */
    memcpy(frame_buf2, frame_buf, MC_VSAN_HDR_LEN);
    set_length(frame_buf2, MC_VSAN_MAX_PAYLOAD);
    mc_vsan_seal(frame_buf2, MC_VSAN_HDR_LEN);
    r = decode_res(frame_buf2, MC_VSAN_HDR_LEN, &any_dir, &used);
    tap_ok(r == MC_VSAN_R_NEED_MORE && used == MC_VSAN_FRAME_MAX,
           "length MAX_PAYLOAD: need-more, the whole %u-byte frame awaited (%s, %zu)", MC_VSAN_FRAME_MAX,
           mc_vsan_res_name(r), used);
    r = decode_res(frame_buf2, MC_VSAN_HDR_LEN - 1, &any_dir, &used);
    tap_ok(r == MC_VSAN_R_NEED_MORE && used == MC_VSAN_HDR_LEN, "31 header bytes: need-more, 32 awaited");

    /* Length 0: no payload CRC follows, and no body is there. */
    memcpy(frame_buf2, frame_buf, MC_VSAN_HDR_LEN);
    set_length(frame_buf2, 0);
    mc_vsan_seal(frame_buf2, MC_VSAN_HDR_LEN);
    r = decode_res(frame_buf2, MC_VSAN_HDR_LEN, &any_dir, &used);
    tap_ok(r == MC_VSAN_R_SHORT_BODY && used == MC_VSAN_HDR_LEN,
           "length 0: a 32-byte frame with no CRC, short-body (%s, %zu)", mc_vsan_res_name(r), used);
}

/* A frame of type with the payload changed to body + extra bytes, resealed. */
static size_t resized(unsigned type, int cls, long delta, uint8_t *out)
{
    mc_vsan_msg m;
    store s = {0};
    size_t len = valid_frame(type, cls, &s, &m);
    store_free(&s);
    uint32_t pl = (uint32_t)(len - MC_VSAN_HDR_LEN - MC_VSAN_PCRC_LEN);
    uint32_t npl = (uint32_t)((long)pl + delta);
    memcpy(out, frame_buf, MC_VSAN_HDR_LEN + (npl < pl ? npl : pl));
    if (npl > pl)
        memset(out + MC_VSAN_HDR_LEN + pl, 0x5a, npl - pl);
    set_length(out, npl);
    mc_vsan_seal(out, MC_VSAN_HDR_LEN + npl + (npl ? MC_VSAN_PCRC_LEN : 0));
    return MC_VSAN_HDR_LEN + npl + (npl ? MC_VSAN_PCRC_LEN : 0);
}

static void test_body_errors(void)
{
    for (unsigned ty = 1; ty <= MC_VSAN_T_MAX; ty++) {
        const char *tn = mc_vsan_type_name(ty);
        /* fields at 1: a HELLO carries one history entry, a RECONCILE_OK one region */
        size_t used = 0;
        size_t len = resized(ty, CLS_ONE, 0, frame_buf2);
        const mc_vsan_type_desc *t = mc_vsan_type_info(ty);
        if (t->data != MC_VSAN_DATA_NONE) {
            /* without data, so one byte less is one byte of the body */
            mc_vsan_msg m;
            store s = {0};
            fill(&m, &s, ty, CLS_ONE);
            m.data = NULL;
            m.data_len = 0;
            mc_vsan_encode(&m, &any_dir, frame_buf, MC_VSAN_FRAME_MAX, &len);
            store_free(&s);
            memcpy(frame_buf2, frame_buf, len);
            uint32_t pl = (uint32_t)(len - MC_VSAN_HDR_LEN - MC_VSAN_PCRC_LEN);
            set_length(frame_buf2, pl - 1);
            len -= 1;
            mc_vsan_seal(frame_buf2, len);
        } else {
            len = resized(ty, CLS_ONE, -1, frame_buf2);
        }
        mc_vsan_res r = decode_res(frame_buf2, len, &any_dir, &used);
        tap_ok(r == MC_VSAN_R_SHORT_BODY && used == len, "%s one byte short: short-body, the frame skipped (%s)", tn,
               mc_vsan_res_name(r));
        if (t->data == MC_VSAN_DATA_NONE) {
            len = resized(ty, CLS_ONE, 1, frame_buf2);
            r = decode_res(frame_buf2, len, &any_dir, &used);
            tap_ok(r == MC_VSAN_R_DATA_FORBIDDEN && used == len, "%s with one byte of data: data-forbidden (%s)", tn,
                   mc_vsan_res_name(r));
            len = resized(ty, CLS_ONE, BLOCK, frame_buf2);
            tap_is_int(decode_res(frame_buf2, len, &any_dir, NULL), MC_VSAN_R_DATA_FORBIDDEN,
                       "%s with one block of data: data-forbidden", tn);
        }
        mc_vsan_opts wrong = {.block_size = BLOCK, .dir = t->dir == MC_VSAN_REQUEST ? MC_VSAN_ANSWER : MC_VSAN_REQUEST};
        len = resized(ty, CLS_ONE, 0, frame_buf2);
        tap_is_int(decode_res(frame_buf2, len, &wrong, NULL), MC_VSAN_R_WRONG_DIRECTION,
                   "%s where only %s are expected: wrong-direction", tn,
                   wrong.dir == MC_VSAN_REQUEST ? "requests" : "answers");
    }
    /* READ_OK takes data only with status OK (fields at 1: status MALFORMED). */
    size_t len = resized(MC_VSAN_T_READ_OK, CLS_ONE, BLOCK, frame_buf2);
    tap_is_int(decode_res(frame_buf2, len, &any_dir, NULL), MC_VSAN_R_DATA_FORBIDDEN,
               "READ_OK with status MALFORMED and a block of data: data-forbidden");

    /* Data not a multiple of the block size: WRITE and READ_OK (status OK). */
    static const long odd[] = {1, 511, 513, 4093, 1023 * 1024 + 1};
    static const unsigned with_data[] = {MC_VSAN_T_WRITE, MC_VSAN_T_READ_OK};
    for (size_t w = 0; w < sizeof(with_data) / sizeof(with_data[0]); w++) {
        unsigned ty = with_data[w];
        for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
            len = resized(ty, CLS_ZERO, odd[i], frame_buf2);
            size_t used = 0;
            mc_vsan_res r = decode_res(frame_buf2, len, &any_dir, &used);
            tap_ok(r == MC_VSAN_R_DATA_NOT_BLOCKS && used == len, "%s with %ld data bytes: data-not-blocks (%s)",
                   mc_vsan_type_name(ty), odd[i], mc_vsan_res_name(r));
        }
        len = resized(ty, CLS_ZERO, 2 * BLOCK, frame_buf2);
        tap_is_int(decode_res(frame_buf2, len, &any_dir, NULL), MC_VSAN_R_OK, "%s with two blocks: ok",
                   mc_vsan_type_name(ty));
        mc_vsan_opts one = {.block_size = 1, .dir = 0};
        len = resized(ty, CLS_ZERO, 4093, frame_buf2);
        tap_is_int(decode_res(frame_buf2, len, &one, NULL), MC_VSAN_R_OK,
                   "%s with 4093 data bytes and block size 1: ok", mc_vsan_type_name(ty));
    }

    /* Unknown types: the frame is skipped, the stream goes on. */
    static const unsigned unknown[] = {0, 23, 200, 255};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        len = resized(MC_VSAN_T_OK, CLS_ZERO, 0, frame_buf2);
        frame_buf2[MC_VSAN_HDR_OFF_type] = (uint8_t)unknown[i];
        mc_vsan_seal(frame_buf2, len);
        size_t used = 0;
        mc_vsan_res r = decode_res(frame_buf2, len, &any_dir, &used);
        tap_ok(r == MC_VSAN_R_UNKNOWN_TYPE && used == len && !mc_vsan_res_fatal(r),
               "type %u: unknown-type, the %zu-byte frame skipped (%s)", unknown[i], len, mc_vsan_res_name(r));
    }

    /* Values out of their range, and counts above their bound. */
    len = resized(MC_VSAN_T_HELLO, CLS_ZERO, 0, frame_buf2);
    set_field(frame_buf2, MC_VSAN_F_HELLO_ROLE, MC_VSAN_ROLE_WITNESS + 1);
    mc_vsan_seal(frame_buf2, len);
    tap_is_int(decode_res(frame_buf2, len, &any_dir, NULL), MC_VSAN_R_BAD_VALUE, "HELLO with role 3: bad-value");
    len = resized(MC_VSAN_T_ERROR, CLS_ZERO, 0, frame_buf2);
    set_field(frame_buf2, MC_VSAN_F_STATUS, MC_VSAN_ST_MAX + 1);
    mc_vsan_seal(frame_buf2, len);
    tap_is_int(decode_res(frame_buf2, len, &any_dir, NULL), MC_VSAN_R_BAD_VALUE, "ERROR with status 12: bad-value");
    len = resized(MC_VSAN_T_HELLO, CLS_ZERO, 8 * (MC_VSAN_HISTORY_MAX + 1), frame_buf2);
    set_field(frame_buf2, MC_VSAN_F_HELLO_HISTORY_COUNT, MC_VSAN_HISTORY_MAX + 1);
    mc_vsan_seal(frame_buf2, len);
    tap_is_int(decode_res(frame_buf2, len, &any_dir, NULL), MC_VSAN_R_BAD_COUNT,
               "HELLO with history_count 33 (and 33 entries): bad-count");
    len = resized(MC_VSAN_T_RECONCILE_OK, CLS_ZERO, 0, frame_buf2);
    uint32_t over = MC_VSAN_RECONCILE_MAX + 1;
    set_field(frame_buf2, MC_VSAN_F_RECONCILE_OK_COUNT, over);
    mc_vsan_seal(frame_buf2, len);
    tap_is_int(decode_res(frame_buf2, len, &any_dir, NULL), MC_VSAN_R_BAD_COUNT,
               "RECONCILE_OK counting %u regions: bad-count", over);
    len = resized(MC_VSAN_T_RECONCILE_OK, CLS_ONE, 0, frame_buf2);   /* count 1 */
    set_field(frame_buf2, MC_VSAN_F_RECONCILE_OK_COUNT, 2);
    mc_vsan_seal(frame_buf2, len);
    tap_is_int(decode_res(frame_buf2, len, &any_dir, NULL), MC_VSAN_R_SHORT_BODY,
               "RECONCILE_OK counting 2 regions but carrying 1: short-body");

    /* The encoder refuses what the decoder would. */
    mc_vsan_msg m;
    size_t out = 0;
    mc_vsan_msg_init(&m, 23);
    tap_is_int(mc_vsan_encode(&m, &any_dir, frame_buf, MC_VSAN_FRAME_MAX, &out), MC_VSAN_R_UNKNOWN_TYPE,
               "encode: type 23 refused");
    mc_vsan_msg_init(&m, MC_VSAN_T_HELLO);
    mc_vsan_set(&m, MC_VSAN_F_HELLO_ROLE, MC_VSAN_ROLE_SERVER);
    mc_vsan_set(&m, MC_VSAN_F_HELLO_HISTORY_COUNT, MC_VSAN_HISTORY_MAX + 1);
    tap_is_int(mc_vsan_encode(&m, &any_dir, frame_buf, MC_VSAN_FRAME_MAX, &out), MC_VSAN_R_BAD_COUNT,
               "encode: 33 history entries refused");
    mc_vsan_set(&m, MC_VSAN_F_HELLO_HISTORY_COUNT, 0);
    m.data = frame_buf2;
    m.data_len = BLOCK;
    tap_is_int(mc_vsan_encode(&m, &any_dir, frame_buf, MC_VSAN_FRAME_MAX, &out), MC_VSAN_R_DATA_FORBIDDEN,
               "encode: data on HELLO refused");
    mc_vsan_msg_init(&m, MC_VSAN_T_WRITE);
    m.data = frame_buf2;
    m.data_len = BLOCK + 1;
    tap_is_int(mc_vsan_encode(&m, &any_dir, frame_buf, MC_VSAN_FRAME_MAX, &out), MC_VSAN_R_DATA_NOT_BLOCKS,
               "encode: 513 bytes of WRITE data refused");
    uint32_t write_body = mc_vsan_layout_span(MC_VSAN_B_WRITE).min;
    size_t write_frame = MC_VSAN_HDR_LEN + write_body + BLOCK + MC_VSAN_PCRC_LEN;
    m.data_len = max_data(write_body) + BLOCK;
    tap_is_int(mc_vsan_encode(&m, &any_dir, frame_buf, MC_VSAN_FRAME_MAX, &out), MC_VSAN_R_TOO_LONG,
               "encode: a WRITE above MAX_PAYLOAD refused");
    m.data_len = BLOCK;
    tap_is_int(mc_vsan_encode(&m, &any_dir, frame_buf, write_frame - 1, &out), MC_VSAN_R_NO_ROOM,
               "encode: a buffer one byte short: no-room");
    tap_is_int(mc_vsan_encode(&m, &any_dir, frame_buf, write_frame, &out), MC_VSAN_R_OK,
               "encode: a buffer of exactly the frame: ok");
    mc_vsan_opts req_only = {.block_size = BLOCK, .dir = MC_VSAN_ANSWER};
    tap_is_int(mc_vsan_encode(&m, &req_only, frame_buf, MC_VSAN_FRAME_MAX, &out), MC_VSAN_R_WRONG_DIRECTION,
               "encode: a request where answers are sent: wrong-direction");
    mc_vsan_buf b = {0};
    tap_is_int(mc_vsan_encode_buf(&m, &any_dir, &b), MC_VSAN_R_OK, "encode_buf appends a frame");
    tap_is_int(mc_vsan_encode_buf(&m, &any_dir, &b), MC_VSAN_R_OK, "and another");
    tap_is_int((long long)b.len, 2 * (long long)write_frame, "two frames in the buffer");
    mc_vsan_buf_free(&b);
}

/* One decoded event of a stream: result, header and a digest of the re-encoded message. */
typedef struct event {
    int res;
    uint32_t type, seq, len;
    uint32_t digest;
} event;

#define EVENTS_MAX 256

static uint32_t digest_of(const mc_vsan_msg *d, mc_vsan_res r)
{
    if (r != MC_VSAN_R_OK)
        return 0;
    size_t n = 0;
    if (mc_vsan_encode(d, &any_dir, frame_buf2, MC_VSAN_FRAME_MAX, &n) != MC_VSAN_R_OK)
        return 1;
    return mc_crc32c(0, frame_buf2, n);
}

/* Reads the stream fed in chunks (chunk(i) gives the next size) and records the events. */
static size_t read_stream(const uint8_t *st, size_t st_len, size_t (*chunk)(void *), void *arg, event *ev)
{
    mc_vsan_rx rx;
    mc_vsan_rx_init(&rx);
    size_t off = 0, n = 0;
    mc_vsan_msg d;
    for (;;) {
        mc_vsan_res r = mc_vsan_rx_next(&rx, &any_dir, &d);
        if (r == MC_VSAN_R_NEED_MORE) {
            if (off == st_len)
                break;
            size_t c = chunk(arg);
            if (c > st_len - off)
                c = st_len - off;
            off += mc_vsan_rx_feed(&rx, st + off, c);
            continue;
        }
        if (n < EVENTS_MAX)
            ev[n++] = (event){r, d.h.type, d.h.seq, d.h.length, digest_of(&d, r)};
        if (mc_vsan_res_fatal(r))
            break;
    }
    mc_vsan_rx_free(&rx);
    return n;
}

static size_t chunk_all(void *arg) { return SIZE_MAX; }
static size_t chunk_one(void *arg) { return 1; }
static size_t chunk_random(void *arg)
{
    unsigned *seed = arg;
    *seed = *seed * 1103515245u + 12345u;
    unsigned x = (*seed >> 8) % 100u;
    /* mostly small pieces, sometimes a large one, so frames end and begin inside one chunk */
    return x < 60 ? 1 + x % 7 : x < 90 ? 1 + (*seed >> 4) % 300 : 1 + (*seed >> 4) % 70000;
}

static size_t append(uint8_t *st, size_t off, const uint8_t *f, size_t len)
{
    memcpy(st + off, f, len);
    return off + len;
}

static void test_stream(unsigned seed)
{
    size_t cap = 4u * MC_VSAN_FRAME_MAX;
    uint8_t *st = malloc(cap);
    size_t off = 0;
    uint32_t seq = 1;
    for (int cls = CLS_ZERO; cls <= CLS_ONE; cls++)
        for (unsigned ty = 1; ty <= MC_VSAN_T_MAX; ty++) {
            mc_vsan_msg m;
            store s = {0};
            fill(&m, &s, ty, cls);
            m.h.seq = seq++;
            size_t len = 0;
            mc_vsan_encode(&m, &any_dir, frame_buf, MC_VSAN_FRAME_MAX, &len);
            off = append(st, off, frame_buf, len);
            store_free(&s);
        }
    /* a full-size WRITE, rule 8 frames the stream survives, a last GRANT, then garbage */
    mc_vsan_msg m;
    store s = {0};
    fill(&m, &s, MC_VSAN_T_WRITE, CLS_MAX);
    size_t len = 0;
    mc_vsan_encode(&m, &any_dir, frame_buf, MC_VSAN_FRAME_MAX, &len);
    off = append(st, off, frame_buf, len);
    store_free(&s);
    len = resized(MC_VSAN_T_VIEW, CLS_ONE, -3, frame_buf2);
    off = append(st, off, frame_buf2, len);
    len = resized(MC_VSAN_T_OK, CLS_ONE, 0, frame_buf2);
    frame_buf2[MC_VSAN_HDR_OFF_type] = 99;
    mc_vsan_seal(frame_buf2, len);
    off = append(st, off, frame_buf2, len);
    len = resized(MC_VSAN_T_WRITE, CLS_ZERO, 777, frame_buf2);
    off = append(st, off, frame_buf2, len);
    len = resized(MC_VSAN_T_GRANT, CLS_ONE, 0, frame_buf2);
    off = append(st, off, frame_buf2, len);
    uint8_t garbage[MC_VSAN_HDR_OFF_version + 2] = {0};
    put(garbage, MC_VSAN_HDR_WIDTH_magic, MC_VSAN_MAGIC);   /* magic right, version 7 */
    garbage[MC_VSAN_HDR_OFF_version] = 7;
    off = append(st, off, garbage, sizeof(garbage));

    event *whole = calloc(EVENTS_MAX, sizeof(event)), *other = calloc(EVENTS_MAX, sizeof(event));
    size_t nw = read_stream(st, off, chunk_all, NULL, whole);
    int ok_count = 0, rule8 = 0;
    for (size_t i = 0; i < nw; i++) {
        ok_count += whole[i].res == MC_VSAN_R_OK;
        rule8 += mc_vsan_res_rule((mc_vsan_res)whole[i].res) == 8;
    }
    /* two messages of every type, the full WRITE and the last GRANT; 3 rule-8 frames; the end */
    int want_ok = 2 * MC_VSAN_T_MAX + 2;
    tap_ok(nw == (size_t)want_ok + 4u && ok_count == want_ok && rule8 == 3 && whole[nw - 1].res == MC_VSAN_R_BAD_VERSION,
           "a %zu-byte stream read whole: %d messages, 3 rule-8 frames skipped, then bad-version (%zu events)", off,
           want_ok, nw);
    size_t n1 = read_stream(st, off, chunk_one, NULL, other);
    tap_ok(n1 == nw && memcmp(whole, other, nw * sizeof(event)) == 0,
           "the same stream one byte at a time decodes identically");
    tap_diag("random split points: seed %u (MC_SEED=N replays)", seed);
    int same = 1;
    unsigned state = seed;
    for (int round = 0; round < SPLIT_ROUNDS && same; round++) {
        memset(other, 0, EVENTS_MAX * sizeof(event));
        size_t nr = read_stream(st, off, chunk_random, &state, other);
        same = nr == nw && memcmp(whole, other, nw * sizeof(event)) == 0;
        if (!same)
            tap_diag("round %d differs (state %u)", round, state);
    }
    tap_ok(same, "%d rounds of random split points decode identically", SPLIT_ROUNDS);
    free(whole);
    free(other);
    free(st);
}

/* mc_vsan_frame_len and mc_vsan_reseq: a frame renumbered decodes with the new seq and the same
 * body and data; a length that is not the frame's is refused and changes nothing. */
static void test_reseq(void)
{
    store s = {0};
    mc_vsan_msg m, d;
    size_t len = valid_frame(MC_VSAN_T_WRITE, CLS_ONE, &s, &m);
    tap_is_int((long long)mc_vsan_frame_len(0), MC_VSAN_HDR_LEN, "an empty payload has no CRC");
    const uint32_t seq = 77u;
    tap_is_int(mc_vsan_reseq(frame_buf, len, seq), 0, "reseq of a whole frame");
    size_t used = 0;
    tap_is_int(mc_vsan_decode(frame_buf, len, &any_dir, &d, &used), MC_VSAN_R_OK, "it still passes rules 2-4 and 8");
    tap_is_int((long long)mc_vsan_frame_len(d.h.length), (long long)len, "frame_len of its header's length is its size");
    tap_ok(d.h.seq == seq && d.h.tag == m.h.tag && d.h.type == MC_VSAN_T_WRITE &&
               mc_vsan_get(&d, MC_VSAN_F_WRITE_EPOCH) == mc_vsan_get(&m, MC_VSAN_F_WRITE_EPOCH) &&
               d.data_len == m.data_len && memcmp(d.data, m.data, m.data_len) == 0,
           "seq %u, the rest unchanged", (unsigned)d.h.seq);
    memcpy(frame_buf2, frame_buf, len);
    tap_is_int(mc_vsan_reseq(frame_buf, len - 1, seq + 1), -1, "a length short of the frame is refused");
    tap_is_int(mc_vsan_reseq(frame_buf, MC_VSAN_HDR_LEN - 1, seq + 1), -1, "less than a header is refused");
    tap_ok(memcmp(frame_buf, frame_buf2, len) == 0, "a refused reseq writes nothing");
    store_free(&s);
}

int main(void)
{
    const char *env = getenv("MC_SEED");
    unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : DEFAULT_SEED;
    frame_buf = malloc(MC_VSAN_FRAME_MAX);
    frame_buf2 = malloc(MC_VSAN_FRAME_MAX);
    test_table();
    for (unsigned ty = 1; ty <= MC_VSAN_T_MAX; ty++)
        for (int cls = CLS_ZERO; cls < CLS_COUNT; cls++)
            round_trip(ty, cls);
    test_framing_errors();
    test_body_errors();
    test_stream(seed);
    test_reseq();
    free(frame_buf);
    free(frame_buf2);
    return tap_done();
}
