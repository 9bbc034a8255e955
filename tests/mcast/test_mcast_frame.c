/* Group datagram framing (docs/mcast-data-path.md §3, §8 rule 2) and the counter list (§8.1). */
#include <stdlib.h>
#include <string.h>

#include "lun.h"
#include "mtest.h"
#include "tap.h"

#define PAYLOAD_CAP 4096u

static size_t two_pdus(uint8_t *payload)
{
    size_t len = 0;
    mc_pdu a, b;
    mc_pdu_init(&a, MC_OP_SCSI_CMD);
    mc_pdu_set(&a, MC_F_ITT, 0x80000001u);
    mc_pdu_init(&b, MC_OP_DATA_OUT);
    mc_pdu_set(&b, MC_F_ITT, 0x80000002u);
    mc_pdu_set_data(&b, "abcde", 5);  /* padded to 8 on the wire */
    mc_mg_append(payload, &len, PAYLOAD_CAP, &a);
    mc_mg_append(payload, &len, PAYLOAD_CAP, &b);
    mc_pdu_free(&a);
    mc_pdu_free(&b);
    return len;
}

int main(void)
{
    tap_plan(0);
    uint8_t payload[PAYLOAD_CAP], dg[PAYLOAD_CAP + MC_MG_HDR_LEN];
    size_t len = two_pdus(payload);
    tap_is_int((long long)len, 48 + 48 + 8, "two PDUs, the data segment padded to 4 bytes");
    mc_mg_hdr h = {.isid = 0x023d00001234ull, .pdu_count = 2, .gsn = 4096};
    mc_mg_build(&h, payload, len, dg);
    tap_is_int(dg[0] << 8 | dg[1], MC_MG_MAGIC, "magic MG");
    tap_is_int(dg[2], MC_MG_VERSION, "version 1");
    tap_is_int(dg[3], 0, "reserved byte 0");
    mc_mg_hdr got;
    mc_pdu pdus[4];
    size_t n = 0;
    char err[160] = "";
    tap_is_int(mc_mg_parse(dg, MC_MG_HDR_LEN + len, &got, pdus, 4, &n, err, sizeof(err)), 0, "parses: %s", err);
    tap_is_int((long long)n, 2, "two PDUs decoded");
    tap_ok(got.isid == h.isid && got.gsn == 4096 && got.payload_length == len, "isid, gsn, payload_length read back");
    if (n == 2) {
        tap_is_int(mc_pdu_opcode(&pdus[1]), MC_OP_DATA_OUT, "second PDU is a Data-Out");
        tap_is_int((long long)pdus[1].data_len, 5, "its data length");
        for (size_t i = 0; i < n; i++)
            mc_pdu_free(&pdus[i]);
    }
    /* every corruption is caught before any PDU is trusted */
    uint8_t bad[sizeof(dg)];
    memcpy(bad, dg, MC_MG_HDR_LEN + len);
    bad[MC_MG_HDR_LEN + 60] ^= 1;
    tap_is_int(mc_mg_parse(bad, MC_MG_HDR_LEN + len, &got, pdus, 4, &n, err, sizeof(err)), -1, "a flipped payload bit fails the CRC32C");
    tap_is_int(mc_mg_parse(dg, MC_MG_HDR_LEN + len - 4, &got, pdus, 4, &n, err, sizeof(err)), -1, "a short datagram fails payload_length");
    memcpy(bad, dg, MC_MG_HDR_LEN + len);
    bad[0] = 'X';
    tap_is_int(mc_mg_parse(bad, MC_MG_HDR_LEN + len, &got, pdus, 4, &n, err, sizeof(err)), -1, "bad magic");
    mc_mg_hdr h3 = h;
    h3.pdu_count = 3;
    mc_mg_build(&h3, payload, len, bad);
    tap_is_int(mc_mg_parse(bad, MC_MG_HDR_LEN + len, &got, pdus, 4, &n, err, sizeof(err)), -1, "pdu_count above the PDUs present");
    mc_mg_hdr h1 = h;
    h1.pdu_count = 1;
    mc_mg_build(&h1, payload, len, bad);
    tap_is_int(mc_mg_parse(bad, MC_MG_HDR_LEN + len, &got, pdus, 4, &n, err, sizeof(err)), -1, "bytes left after pdu_count PDUs");
    mc_mg_hdr h0 = h;
    h0.pdu_count = 0;
    mc_mg_build(&h0, payload, 0, bad);
    tap_is_int(mc_mg_parse(bad, MC_MG_HDR_LEN, &got, pdus, 4, &n, err, sizeof(err)), -1, "pdu_count 0");
    tap_is_int(mc_mg_parse(dg, 10, &got, pdus, 4, &n, err, sizeof(err)), -1, "shorter than the header");

    /* §3 sizing: Ethernet MTU over IPv4 leaves 1400 data bytes per Data-Out */
    tap_is_int(mc_mg_segment_for_mtu(1500), 1400, "segment at MTU 1500");
    tap_ok(mc_mg_segment_for_mtu(MC_MG_LOOPBACK_MTU) + MC_BHS_LEN + MC_MG_HDR_LEN <= MC_MG_UDP_PAYLOAD_MAX,
           "the loopback segment still fits one UDP datagram");

    uint64_t v[MC_MGC_COUNT] = {0}, back[MC_MGC_COUNT];
    v[MC_MGC_ACCEPTED] = 12;
    v[MC_MGC_BAD_SOURCE] = 3;
    char list[512];
    tap_ok(mc_mg_counters_format(v, list, sizeof(list)), "counter list formats");
    tap_ok(strncmp(list, "accepted:12,bad-header:0,bad-source:3,", strlen("accepted:12,bad-header:0,bad-source:3,")) == 0, "list order of §8.1: %s", list);
    tap_ok(mc_mg_counters_parse(list, back) && memcmp(v, back, sizeof(v)) == 0, "list parses back");
    tap_ok(mc_text_check_value(list) == MC_TEXT_OK, "the list is a legal text value (6.1)");
    return tap_done();
}
