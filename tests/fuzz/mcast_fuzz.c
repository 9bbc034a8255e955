/* Fuzz target of the multicast data path's parsers (reference/iscsi/mcast, docs/mcast-data-path.md
 * §3 and §4.2-§4.3). The first input byte picks what the rest is:
 *  - a group datagram, parsed as received (mode 0) or with its magic, version, payload_length and
 *    CRC32C made right first (mode 1, so that the PDUs behind them are reached). A datagram that
 *    parses is framed again from its header and PDUs and must parse to the same; when its PDUs'
 *    padding was zero the bytes are the same too.
 *  - a Text Request's key list (mode 2), parsed as a registration, termination or counter query.
 *    Its answer must be a list a receiver parses, and a request built from what parsed must parse
 *    to the same registration.
 * Any difference traps. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_trap.h"
#include "mcast.h"

#define MODE_RAW 0u
#define MODE_FRAMED 1u
#define MODE_KEYS 2u
#define NMODES 3u
#define HDR_ISID_OFF 4u       /* §3: ISID at bytes 4-9, PDU count 10-11, GSN 12-15 */
#define HDR_COUNT_OFF 10u
#define HDR_GSN_OFF 12u
#define ISID_BYTES 6u
#define ERR_LEN 256u
#define STATUS_LEN 64u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mc_pdu pdus[MC_MG_PDUS_MAX], again[MC_MG_PDUS_MAX];
static uint8_t payload[MC_MG_UDP_PAYLOAD_MAX], framed[MC_MG_UDP_PAYLOAD_MAX], made[MC_MG_UDP_PAYLOAD_MAX];

static uint32_t be(const uint8_t *p, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static bool same_pdu(const mc_pdu *a, const mc_pdu *b)
{
    return memcmp(a->bhs, b->bhs, MC_BHS_LEN) == 0 && a->ahs_len == b->ahs_len && a->data_len == b->data_len &&
           (a->ahs_len == 0 || memcmp(a->ahs, b->ahs, a->ahs_len) == 0) &&
           (a->data_len == 0 || memcmp(a->data, b->data, a->data_len) == 0);
}

static void datagram(const uint8_t *dg, size_t len)
{
    mc_mg_hdr h;
    size_t n = 0;
    char err[ERR_LEN] = "";
    if (mc_mg_parse(dg, len, &h, pdus, MC_MG_PDUS_MAX, &n, err, sizeof(err)) != 0) {
        if (!err[0] || n != 0)
            FUZZ_TRAP();   /* a refusal says why and leaves nothing to free */
        return;
    }
    if (n == 0 || n > MC_MG_PDUS_MAX || n != h.pdu_count || h.payload_length != len - MC_MG_HDR_LEN)
        FUZZ_TRAP();
    size_t plen = 0;
    for (size_t i = 0; i < n; i++)
        if (mc_mg_append(payload, &plen, sizeof(payload), &pdus[i]) != 0)
            FUZZ_TRAP();   /* what fitted the datagram fits again */
    if (plen != h.payload_length)
        FUZZ_TRAP();
    mc_mg_build(&h, payload, plen, framed);
    bool zero_padding = memcmp(payload, dg + MC_MG_HDR_LEN, plen) == 0;
    if (zero_padding && memcmp(framed + HDR_ISID_OFF, dg + HDR_ISID_OFF, MC_MG_HDR_LEN - HDR_ISID_OFF) != 0)
        FUZZ_TRAP();   /* same header fields and payload: same CRC */
    mc_mg_hdr h2;
    size_t n2 = 0;
    if (mc_mg_parse(framed, MC_MG_HDR_LEN + plen, &h2, again, MC_MG_PDUS_MAX, &n2, err, sizeof(err)) != 0 ||
        n2 != n || h2.isid != h.isid || h2.gsn != h.gsn || h2.pdu_count != h.pdu_count)
        FUZZ_TRAP();
    for (size_t i = 0; i < n; i++) {
        if (!same_pdu(&pdus[i], &again[i]))
            FUZZ_TRAP();
        mc_pdu_free(&pdus[i]);
        mc_pdu_free(&again[i]);
    }
}

/* The header's own fields from the input, the rest made right by the framing code. */
static void datagram_framed(const uint8_t *s, size_t n)
{
    if (n < MC_MG_HDR_LEN || n - MC_MG_HDR_LEN > MC_MG_UDP_PAYLOAD_MAX - MC_MG_HDR_LEN)
        return;
    mc_mg_hdr h = {.pdu_count = (uint16_t)be(s + HDR_COUNT_OFF, 2), .gsn = be(s + HDR_GSN_OFF, 4)};
    for (unsigned i = 0; i < ISID_BYTES; i++)
        h.isid = h.isid << 8 | s[HDR_ISID_OFF + i];
    mc_mg_build(&h, s + MC_MG_HDR_LEN, n - MC_MG_HDR_LEN, made);
    datagram(made, n);
}

static bool same_reg(const mc_mreg *a, const mc_mreg *b)
{
    return a->cmd == b->cmd && a->dialect == b->dialect && a->group == b->group && a->vlun == b->vlun &&
           (a->cmd != MC_MREG_REGISTER ||
            (a->nreal == b->nreal && memcmp(a->real, b->real, a->nreal * sizeof(a->real[0])) == 0));
}

static void keys(const uint8_t *s, size_t n)
{
    mc_mreg r;
    mc_kvlist req;
    mc_kvlist_init(&req);
    char status[STATUS_LEN] = "", bad[MC_TEXT_KEY_MAX + 1] = "";
    memset(&r, 0, sizeof(r));
    int rc = mc_mreg_parse(s, n, &r, &req, status, sizeof(status), bad, sizeof(bad));
    if (rc != MC_MREG_NOT_MINE && rc != MC_MREG_OK && rc != MC_MREG_FAILED)
        FUZZ_TRAP();
    if (rc == MC_MREG_FAILED && !status[0])
        FUZZ_TRAP();   /* a failure names its §4.2 status */
    if (rc == MC_MREG_OK && r.nreal > MC_MG_MAP_MAX)
        FUZZ_TRAP();
    if (rc != MC_MREG_NOT_MINE) {
        mc_textbuf out;
        mc_textbuf_init(&out);
        if (mc_mreg_answer(&r, &req, rc == MC_MREG_OK ? "" : status, bad, &out) == 0) {
            mc_kvlist back;
            mc_kvlist_init(&back);
            char err[ERR_LEN];
            if (mc_text_parse(out.data, out.len, MC_TEXT_ALLOW_DUP | MC_TEXT_LENIENT, &back, NULL, err,
                              sizeof(err)) != MC_TEXT_OK) {
                fprintf(stderr, "the answer does not parse: %s\n", err);
                FUZZ_TRAP();   /* the answer is a key list */
            }
            mc_kvlist_free(&back);
        }
        mc_textbuf_free(&out);
    }
    if (rc == MC_MREG_OK && r.cmd != MC_MREG_COUNTERS) {
        mc_textbuf out;
        mc_textbuf_init(&out);
        if (mc_mreg_request(&r, &out) == 0) {
            mc_mreg r2;
            mc_kvlist req2;
            mc_kvlist_init(&req2);
            memset(&r2, 0, sizeof(r2));
            int rc2 = mc_mreg_parse(out.data, out.len, &r2, &req2, status, sizeof(status), bad, sizeof(bad));
            if (rc2 == MC_MREG_NOT_MINE || (rc2 == MC_MREG_OK && !same_reg(&r, &r2)))
                FUZZ_TRAP();
            mc_kvlist_free(&req2);
        }
        mc_textbuf_free(&out);
    }
    mc_kvlist_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size - 1 > MC_MG_UDP_PAYLOAD_MAX)
        return 0;   /* no datagram is larger */
    const uint8_t *s = data + 1;
    size_t n = size - 1;
    switch (data[0] % NMODES) {
    case MODE_RAW:
        datagram(s, n);
        break;
    case MODE_FRAMED:
        datagram_framed(s, n);
        break;
    default:
        keys(s, n);
        break;
    }
    return 0;
}
