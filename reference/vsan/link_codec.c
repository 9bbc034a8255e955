/* The mirror link codec (docs/vsan-link.md §2-§3): the MC_VSAN_TABLE rows become the type and
 * field tables below; encode, decode and the accessors read only those. */
#include "link.h"

#include <stdlib.h>
#include <string.h>

#include "pdu.h"   /* mc_crc32c: the CRC32C of RFC 7143 Appendix B, as §2 asks */

static const mc_vsan_field_desc field_table[MC_VSAN_F_COUNT] = {
#define FIELD_DESC(lay, id, nm, off, w, k, l, h) \
    [MC_VSAN_F_##id] = {.name = nm, .layout = MC_VSAN_B_##lay, .offset = off, .width = w, .kind = k, .lo = l, .hi = h},
    MC_VSAN_TABLE(MC_VSAN_NOTHING, FIELD_DESC, MC_VSAN_NOTHING)
#undef FIELD_DESC
};

static const mc_vsan_type_desc type_table[MC_VSAN_T_MAX + 1] = {
#define TYPE_DESC(nm, num, lay, d, ans, dat) \
    [num] = {.name = #nm, .number = num, .layout = MC_VSAN_B_##lay, .dir = d, .answer = MC_VSAN_T_##ans, .data = dat},
    MC_VSAN_TABLE(MC_VSAN_NOTHING, MC_VSAN_NOTHING, TYPE_DESC)
#undef TYPE_DESC
};

static const char *const status_names[MC_VSAN_ST_MAX + 1] = {
#define STATUS_NAME(id, v) [v] = #id,
    MC_VSAN_STATUSES(STATUS_NAME)
#undef STATUS_NAME
};

static const struct {
    const char *name;
    unsigned rule;
} result_table[MC_VSAN_R_COUNT] = {
#define RESULT_DESC(id, nm, r) [MC_VSAN_R_##id] = {nm, r},
    MC_VSAN_RESULTS(RESULT_DESC)
#undef RESULT_DESC
};

/* The header's layout, from MC_VSAN_HDR_FIELDS. */
static const struct {
    size_t member;
    uint8_t offset, width;
} hdr_table[] = {
#define HDR_DESC(nm, off, w) {offsetof(mc_vsan_hdr, nm), off, w},
    MC_VSAN_HDR_FIELDS(HDR_DESC)
#undef HDR_DESC
};
#define HDR_FIELDS (sizeof(hdr_table) / sizeof(hdr_table[0]))

/* Big-endian integers of the widths the tables use (1-8 bytes). */
static uint64_t get_be(const uint8_t *p, unsigned width)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v = (v << 8) | p[i];
    return v;
}

static void put_be(uint8_t *p, unsigned width, uint64_t v)
{
    for (unsigned i = width; i > 0; i--) {
        p[i - 1] = (uint8_t)(v & 0xffu);
        v >>= 8;
    }
}

const char *mc_vsan_res_name(mc_vsan_res r)
{
    return (unsigned)r < MC_VSAN_R_COUNT ? result_table[r].name : "?";
}

unsigned mc_vsan_res_rule(mc_vsan_res r)
{
    return (unsigned)r < MC_VSAN_R_COUNT ? result_table[r].rule : 0;
}

bool mc_vsan_res_fatal(mc_vsan_res r)
{
    unsigned rule = mc_vsan_res_rule(r);
    return rule >= 2 && rule <= 4;
}

const mc_vsan_type_desc *mc_vsan_type_info(unsigned type)
{
    return type <= MC_VSAN_T_MAX && type_table[type].name ? &type_table[type] : NULL;
}

const mc_vsan_field_desc *mc_vsan_field_info(mc_vsan_field f)
{
    return (unsigned)f < MC_VSAN_F_COUNT ? &field_table[f] : NULL;
}

mc_vsan_span mc_vsan_layout_span(mc_vsan_layout l)
{
    mc_vsan_span s = {.first = MC_VSAN_F_COUNT, .n = 0, .min = 0};
    for (unsigned i = 0; i < MC_VSAN_F_COUNT; i++) {
        const mc_vsan_field_desc *d = &field_table[i];
        if (d->layout != l)
            continue;
        if (s.n++ == 0)
            s.first = (mc_vsan_field)i;
        if (d->kind != MC_VSAN_ARRAY && d->offset + d->width > s.min)
            s.min = d->offset + d->width;
    }
    return s;
}

const char *mc_vsan_type_name(unsigned type)
{
    const mc_vsan_type_desc *t = mc_vsan_type_info(type);
    return t ? t->name : NULL;
}

int mc_vsan_type_by_name(const char *name)
{
    for (unsigned i = 1; name && i <= MC_VSAN_T_MAX; i++)
        if (type_table[i].name && strcmp(type_table[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *mc_vsan_status_name(uint32_t status)
{
    return status <= MC_VSAN_ST_MAX ? status_names[status] : NULL;
}

bool mc_vsan_field_of(unsigned type, mc_vsan_field f)
{
    const mc_vsan_type_desc *t = mc_vsan_type_info(type);
    return t && (unsigned)f < MC_VSAN_F_COUNT && field_table[f].layout == t->layout;
}

int mc_vsan_field_by_name(unsigned type, const char *name)
{
    for (unsigned i = 0; name && i < MC_VSAN_F_COUNT; i++)
        if (mc_vsan_field_of(type, (mc_vsan_field)i) && strcmp(field_table[i].name, name) == 0)
            return (int)i;
    return -1;
}

void mc_vsan_msg_init(mc_vsan_msg *m, unsigned type)
{
    memset(m, 0, sizeof(*m));
    m->h.magic = MC_VSAN_MAGIC;
    m->h.version = MC_VSAN_VERSION;
    m->h.type = type;
}

static bool integer_field(const mc_vsan_msg *m, mc_vsan_field f)
{
    return mc_vsan_field_of(m->h.type, f) &&
           (field_table[f].kind == MC_VSAN_U || field_table[f].kind == MC_VSAN_COUNT);
}

uint64_t mc_vsan_get(const mc_vsan_msg *m, mc_vsan_field f)
{
    return integer_field(m, f) ? m->v[f] : 0;
}

int mc_vsan_set(mc_vsan_msg *m, mc_vsan_field f, uint64_t v)
{
    if (!integer_field(m, f))
        return -1;
    m->v[f] = v;
    return 0;
}

/* The COUNT field an ARRAY field follows. */
static mc_vsan_field count_of(mc_vsan_field f)
{
    return (mc_vsan_field)(f - 1);
}

uint64_t mc_vsan_elem(const mc_vsan_msg *m, mc_vsan_field f, size_t i)
{
    if (!mc_vsan_field_of(m->h.type, f) || field_table[f].kind != MC_VSAN_ARRAY || !m->ref[f] ||
        i >= m->v[count_of(f)])
        return 0;
    return get_be(m->ref[f] + i * field_table[f].width, field_table[f].width);
}

void mc_vsan_elem_put(uint8_t *arr, mc_vsan_field f, size_t i, uint64_t v)
{
    if ((unsigned)f < MC_VSAN_F_COUNT && field_table[f].kind == MC_VSAN_ARRAY)
        put_be(arr + i * field_table[f].width, field_table[f].width, v);
}

/* The "status" field of a layout (offset 0 in every answer that has one), or F_COUNT. */
static mc_vsan_field status_field(mc_vsan_layout l)
{
    mc_vsan_span s = mc_vsan_layout_span(l);
    for (unsigned i = 0; i < s.n; i++)
        if (strcmp(field_table[s.first + i].name, "status") == 0)
            return (mc_vsan_field)(s.first + i);
    return MC_VSAN_F_COUNT;
}

bool mc_vsan_msg_status(const mc_vsan_msg *m, uint32_t *status)
{
    const mc_vsan_type_desc *t = mc_vsan_type_info(m->h.type);
    if (!t)
        return false;
    mc_vsan_field f = status_field(t->layout);
    if (f == MC_VSAN_F_COUNT)
        return false;
    if (status)
        *status = (uint32_t)m->v[f];
    return true;
}

/* Rule 8 for a payload whose frame passed rules 2-4: fills m's body fields and data. */
static mc_vsan_res check_body(const mc_vsan_type_desc *t, const uint8_t *pl, size_t len,
                              const mc_vsan_opts *o, mc_vsan_msg *m)
{
    mc_vsan_span s = mc_vsan_layout_span(t->layout);
    if (len < s.min)
        return MC_VSAN_R_SHORT_BODY;
    size_t body = s.min;
    for (unsigned i = 0; i < s.n; i++) {
        mc_vsan_field f = (mc_vsan_field)(s.first + i);
        const mc_vsan_field_desc *d = &field_table[f];
        if (d->kind == MC_VSAN_BYTES) {
            m->ref[f] = pl + d->offset;
        } else if (d->kind == MC_VSAN_ARRAY) {
            uint64_t n = m->v[count_of(f)];   /* bounded by its COUNT row's hi */
            body = d->offset + (size_t)n * d->width;
            if (len < body)
                return MC_VSAN_R_SHORT_BODY;
            m->ref[f] = pl + d->offset;
        } else {
            uint64_t v = get_be(pl + d->offset, d->width);
            if (v < d->lo || v > d->hi)
                return d->kind == MC_VSAN_COUNT ? MC_VSAN_R_BAD_COUNT : MC_VSAN_R_BAD_VALUE;
            m->v[f] = v;
        }
    }
    size_t data = len - body;
    uint32_t status = 0;
    bool allowed = t->data == MC_VSAN_DATA_BLOCKS ||
                   (t->data == MC_VSAN_DATA_BLOCKS_IF_OK && mc_vsan_msg_status(m, &status) &&
                    status == MC_VSAN_ST_OK);
    if (data > 0 && !allowed)
        return MC_VSAN_R_DATA_FORBIDDEN;
    uint32_t bs = o && o->block_size ? o->block_size : 1u;
    if (data % bs != 0)
        return MC_VSAN_R_DATA_NOT_BLOCKS;
    m->data = data ? pl + body : NULL;
    m->data_len = data;
    return MC_VSAN_R_OK;
}

size_t mc_vsan_frame_len(uint32_t length)
{
    return MC_VSAN_HDR_LEN + (size_t)length + (length > 0 ? MC_VSAN_PCRC_LEN : 0u);
}

static uint32_t header_crc(const uint8_t *frame)
{
    return mc_crc32c(0, frame, MC_VSAN_HCRC_SPAN);
}

mc_vsan_res mc_vsan_decode(const uint8_t *buf, size_t len, const mc_vsan_opts *o, mc_vsan_msg *m,
                           size_t *used)
{
    memset(m, 0, sizeof(*m));
    *used = 0;
    /* Rule 2 on the bytes at hand, so a stream of garbage fails at its first wrong byte. */
    uint8_t magic[4];
    put_be(magic, sizeof(magic), MC_VSAN_MAGIC);
    for (size_t i = 0; i < sizeof(magic) && i < len; i++)
        if (buf[i] != magic[i])
            return MC_VSAN_R_BAD_MAGIC;
    if (len > sizeof(magic) && buf[sizeof(magic)] != MC_VSAN_VERSION)
        return MC_VSAN_R_BAD_VERSION;
    if (len < MC_VSAN_HDR_LEN) {
        *used = MC_VSAN_HDR_LEN;
        return MC_VSAN_R_NEED_MORE;
    }
    for (size_t i = 0; i < HDR_FIELDS; i++)
        *(uint32_t *)((char *)&m->h + hdr_table[i].member) =
            (uint32_t)get_be(buf + hdr_table[i].offset, hdr_table[i].width);
    if (header_crc(buf) != m->h.hcrc)
        return MC_VSAN_R_BAD_HCRC;
    /* Rule 3 before the length is used for anything. */
    if (m->h.length > MC_VSAN_MAX_PAYLOAD)
        return MC_VSAN_R_TOO_LONG;
    size_t frame = mc_vsan_frame_len(m->h.length);
    if (len < frame) {
        *used = frame;
        return MC_VSAN_R_NEED_MORE;
    }
    const uint8_t *pl = buf + MC_VSAN_HDR_LEN;
    if (m->h.length > 0 && mc_crc32c(0, pl, m->h.length) != (uint32_t)get_be(pl + m->h.length, MC_VSAN_PCRC_LEN))
        return MC_VSAN_R_BAD_PCRC;
    *used = frame;
    const mc_vsan_type_desc *t = mc_vsan_type_info(m->h.type);
    if (!t)
        return MC_VSAN_R_UNKNOWN_TYPE;
    if (o && o->dir && o->dir != t->dir)
        return MC_VSAN_R_WRONG_DIRECTION;
    return check_body(t, pl, m->h.length, o, m);
}

/* The payload length m needs: R_OK, or UNKNOWN_TYPE, BAD_COUNT (an array count above its bound)
 * or TOO_LONG (the payload above MAX_PAYLOAD). */
static mc_vsan_res payload_len(const mc_vsan_msg *m, uint32_t *len)
{
    const mc_vsan_type_desc *t = mc_vsan_type_info(m->h.type);
    if (!t)
        return MC_VSAN_R_UNKNOWN_TYPE;
    mc_vsan_span s = mc_vsan_layout_span(t->layout);
    uint64_t body = s.min;
    for (unsigned i = 0; i < s.n; i++) {
        mc_vsan_field f = (mc_vsan_field)(s.first + i);
        const mc_vsan_field_desc *d = &field_table[f];
        if (d->kind == MC_VSAN_COUNT && m->v[f] > d->hi)
            return MC_VSAN_R_BAD_COUNT;
        if (d->kind == MC_VSAN_ARRAY)
            body = d->offset + m->v[count_of(f)] * d->width;
    }
    if (m->data_len > MC_VSAN_MAX_PAYLOAD || body + m->data_len > MC_VSAN_MAX_PAYLOAD)
        return MC_VSAN_R_TOO_LONG;
    *len = (uint32_t)(body + m->data_len);
    return MC_VSAN_R_OK;
}

size_t mc_vsan_encoded_len(const mc_vsan_msg *m, const mc_vsan_opts *o)
{
    uint32_t pl = 0;
    return payload_len(m, &pl) == MC_VSAN_R_OK ? mc_vsan_frame_len(pl) : 0;
}

int mc_vsan_seal(uint8_t *frame, size_t frame_len)
{
    if (frame_len < MC_VSAN_HDR_LEN)
        return -1;
    uint32_t length = (uint32_t)get_be(frame + MC_VSAN_HDR_OFF_length, MC_VSAN_HDR_WIDTH_length);
    if (length > 0 && length <= MC_VSAN_MAX_PAYLOAD && frame_len >= mc_vsan_frame_len(length))
        put_be(frame + MC_VSAN_HDR_LEN + length, MC_VSAN_PCRC_LEN,
               mc_crc32c(0, frame + MC_VSAN_HDR_LEN, length));
    put_be(frame + MC_VSAN_HDR_OFF_hcrc, MC_VSAN_HDR_WIDTH_hcrc, header_crc(frame));
    return 0;
}

int mc_vsan_reseq(uint8_t *frame, size_t frame_len, uint32_t seq)
{
    if (frame_len < MC_VSAN_HDR_LEN)
        return -1;
    uint32_t length = (uint32_t)get_be(frame + MC_VSAN_HDR_OFF_length, MC_VSAN_HDR_WIDTH_length);
    if (length > MC_VSAN_MAX_PAYLOAD || frame_len != mc_vsan_frame_len(length))
        return -1;
    put_be(frame + MC_VSAN_HDR_OFF_seq, MC_VSAN_HDR_WIDTH_seq, seq);
    return mc_vsan_seal(frame, frame_len);
}

mc_vsan_res mc_vsan_encode(const mc_vsan_msg *m, const mc_vsan_opts *o, uint8_t *out, size_t cap,
                           size_t *len)
{
    const mc_vsan_type_desc *t = mc_vsan_type_info(m->h.type);
    if (!t)
        return MC_VSAN_R_UNKNOWN_TYPE;
    uint32_t pl = 0;
    mc_vsan_res r = payload_len(m, &pl);
    if (r != MC_VSAN_R_OK)
        return r;
    size_t frame = mc_vsan_frame_len(pl);
    if (cap < frame)
        return MC_VSAN_R_NO_ROOM;
    mc_vsan_hdr h = m->h;
    h.magic = MC_VSAN_MAGIC;
    h.version = MC_VSAN_VERSION;
    h.length = pl;
    for (size_t i = 0; i < HDR_FIELDS; i++)
        put_be(out + hdr_table[i].offset, hdr_table[i].width,
               *(const uint32_t *)((const char *)&h + hdr_table[i].member));
    uint8_t *p = out + MC_VSAN_HDR_LEN;
    memset(p, 0, pl);
    mc_vsan_span s = mc_vsan_layout_span(t->layout);
    size_t body = s.min;
    for (unsigned i = 0; i < s.n; i++) {
        mc_vsan_field f = (mc_vsan_field)(s.first + i);
        const mc_vsan_field_desc *d = &field_table[f];
        size_t bytes = d->width;
        if (d->kind == MC_VSAN_ARRAY) {
            bytes = (size_t)m->v[count_of(f)] * d->width;
            body = d->offset + bytes;
        }
        if (d->kind == MC_VSAN_U || d->kind == MC_VSAN_COUNT)
            put_be(p + d->offset, d->width, m->v[f]);
        else if (m->ref[f] && bytes > 0)
            memcpy(p + d->offset, m->ref[f], bytes);
    }
    if (m->data_len > 0)
        memcpy(p + body, m->data, m->data_len);
    mc_vsan_seal(out, frame);
    /* The frame must pass the receiver's rules: the decoder is the one judge. */
    mc_vsan_msg check;
    size_t used;
    r = mc_vsan_decode(out, frame, o, &check, &used);
    if (r != MC_VSAN_R_OK)
        return r;
    *len = frame;
    return MC_VSAN_R_OK;
}

mc_vsan_res mc_vsan_encode_buf(const mc_vsan_msg *m, const mc_vsan_opts *o, mc_vsan_buf *b)
{
    uint32_t pl = 0;
    mc_vsan_res r = payload_len(m, &pl);
    if (r != MC_VSAN_R_OK)
        return r;
    size_t frame = mc_vsan_frame_len(pl);
    if (b->cap - b->len < frame) {
        size_t cap = b->cap ? b->cap : MC_VSAN_HDR_LEN;
        while (cap - b->len < frame)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np)
            return MC_VSAN_R_NO_ROOM;
        b->p = np;
        b->cap = cap;
    }
    size_t len = 0;
    r = mc_vsan_encode(m, o, b->p + b->len, b->cap - b->len, &len);
    if (r == MC_VSAN_R_OK)
        b->len += len;
    return r;
}

void mc_vsan_buf_free(mc_vsan_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
