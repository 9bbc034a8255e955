/* Group datagram framing (docs/mcast-data-path.md §3, rule 2 of §8): a 24-byte header, then whole
 * iSCSI PDUs without digests, every length bounded before it is trusted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "mcast.h"

#define HDR_CRC_OFF 20u
#define ISID_BYTES 6u

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint32_t mc_mg_segment_for_mtu(uint32_t mtu)
{
    uint32_t over = MC_MG_IPV4_HDR + MC_MG_UDP_HDR + MC_MG_HDR_LEN + MC_BHS_LEN;
    uint32_t room = mtu > MC_MG_UDP_PAYLOAD_MAX + MC_MG_IPV4_HDR + MC_MG_UDP_HDR
                        ? MC_MG_UDP_PAYLOAD_MAX + MC_MG_IPV4_HDR + MC_MG_UDP_HDR : mtu;
    if (room <= over + MC_PAD)
        return MC_PAD;
    return (room - over) & ~(MC_PAD - 1u);
}

static uint32_t crc_of(const uint8_t *hdr, const uint8_t *payload, size_t len)
{
    uint8_t h[MC_MG_HDR_LEN];
    memcpy(h, hdr, sizeof(h));
    memset(h + HDR_CRC_OFF, 0, 4);
    uint32_t crc = mc_crc32c(0, h, sizeof(h));
    return mc_crc32c(crc, payload, len);
}

void mc_mg_build(const mc_mg_hdr *h, const uint8_t *payload, size_t payload_len, uint8_t *out)
{
    memset(out, 0, MC_MG_HDR_LEN);
    put16(out, MC_MG_MAGIC);
    out[2] = MC_MG_VERSION;
    for (unsigned i = 0; i < ISID_BYTES; i++)
        out[4 + i] = (uint8_t)(h->isid >> (8 * (ISID_BYTES - 1 - i)));
    put16(out + 10, h->pdu_count);
    put32(out + 12, h->gsn);
    put32(out + 16, (uint32_t)payload_len);
    if (payload_len)
        memmove(out + MC_MG_HDR_LEN, payload, payload_len);
    put32(out + HDR_CRC_OFF, crc_of(out, out + MC_MG_HDR_LEN, payload_len));
}

int mc_mg_append(uint8_t *payload, size_t *len, size_t cap, const mc_pdu *p)
{
    mc_wire_opts o = {0};
    size_t need = mc_pdu_wire_len(p, &o);
    if (need > cap - *len)
        return -1;
    uint8_t *wire = NULL;
    size_t wlen = 0;
    char err[64];
    if (mc_pdu_encode(p, &o, &wire, &wlen, err, sizeof(err)) != 0)
        return -1;
    memcpy(payload + *len, wire, wlen);
    *len += wlen;
    free(wire);
    return 0;
}

int mc_mg_parse(const uint8_t *dg, size_t len, mc_mg_hdr *h, mc_pdu *pdus, size_t cap, size_t *n,
                char *err, size_t errlen)
{
    *n = 0;
    if (len < MC_MG_HDR_LEN) {
        mc_iscsi_seterr(err, errlen, "datagram of %zu bytes is shorter than the group header", len);
        return -1;
    }
    if (get16(dg) != MC_MG_MAGIC || dg[2] != MC_MG_VERSION) {
        mc_iscsi_seterr(err, errlen, "bad magic 0x%04x or version %u", (unsigned)get16(dg), dg[2]);
        return -1;
    }
    h->isid = 0;
    for (unsigned i = 0; i < ISID_BYTES; i++)
        h->isid = h->isid << 8 | dg[4 + i];
    h->pdu_count = (uint16_t)get16(dg + 10);
    h->gsn = get32(dg + 12);
    h->payload_length = get32(dg + 16);
    if (h->payload_length != len - MC_MG_HDR_LEN) {
        mc_iscsi_seterr(err, errlen, "payload_length %u, datagram carries %zu", (unsigned)h->payload_length,
                        len - MC_MG_HDR_LEN);
        return -1;
    }
    if (h->pdu_count == 0 || h->pdu_count > cap) {
        mc_iscsi_seterr(err, errlen, "pdu_count %u outside 1..%zu", (unsigned)h->pdu_count, cap);
        return -1;
    }
    if (get32(dg + HDR_CRC_OFF) != crc_of(dg, dg + MC_MG_HDR_LEN, h->payload_length)) {
        mc_iscsi_seterr(err, errlen, "CRC32C mismatch");
        return -1;
    }
    /* The PDUs' own lengths must add up to payload_length exactly, pdu_count of them. */
    mc_dec_limits lim = {.max_data = MC_DSL_MAX};
    size_t off = MC_MG_HDR_LEN;
    for (size_t i = 0; i < h->pdu_count; i++) {
        size_t used = 0;
        memset(&pdus[i], 0, sizeof(pdus[i]));
        char derr[128] = "";
        mc_dec_status st = mc_pdu_decode(dg + off, len - off, &lim, &pdus[i], &used, derr, sizeof(derr));
        if (st != MC_DEC_OK) {
            for (size_t j = 0; j < i; j++)
                mc_pdu_free(&pdus[j]);
            mc_iscsi_seterr(err, errlen, "PDU %zu of %u does not fit the payload: %s", i + 1,
                            (unsigned)h->pdu_count, st == MC_DEC_MORE ? "truncated" : derr);
            return -1;
        }
        off += used;
    }
    if (off != len) {
        for (size_t j = 0; j < h->pdu_count; j++)
            mc_pdu_free(&pdus[j]);
        mc_iscsi_seterr(err, errlen, "%zu bytes after the last PDU", len - off);
        return -1;
    }
    *n = h->pdu_count;
    return 0;
}

static const char *const counter_names[] = {
#define MC_MG_CTR_NAME(id, name) name,
    MC_MG_COUNTERS(MC_MG_CTR_NAME)
#undef MC_MG_CTR_NAME
};

const char *mc_mg_counter_name(int c)
{
    return c >= 0 && c < MC_MGC_COUNT ? counter_names[c] : "?";
}

bool mc_mg_counters_format(const uint64_t v[MC_MGC_COUNT], char *buf, size_t len)
{
    size_t at = 0;
    for (int i = 0; i < MC_MGC_COUNT; i++) {
        int w = snprintf(buf + at, len - at, "%s%s:%llu", i ? "," : "", counter_names[i],
                         (unsigned long long)v[i]);
        if (w < 0 || (size_t)w >= len - at)
            return false;
        at += (size_t)w;
    }
    return true;
}

bool mc_mg_counters_parse(const char *s, uint64_t v[MC_MGC_COUNT])
{
    memset(v, 0, sizeof(uint64_t) * MC_MGC_COUNT);
    for (size_t idx = 0;; idx++) {
        char item[64];
        if (!mc_text_list_item(s, idx, item, sizeof(item)))
            return idx > 0;
        char *colon = strchr(item, ':');
        if (!colon)
            return false;
        *colon = '\0';
        uint64_t n;
        if (mc_text_parse_u64(colon + 1, &n) != MC_TEXT_OK)
            return false;
        for (int i = 0; i < MC_MGC_COUNT; i++)
            if (strcmp(item, counter_names[i]) == 0)
                v[i] = n;
    }
}
