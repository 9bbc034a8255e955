/* Text key lists: parsing (each error), value forms, binary encodings, serialisation, accumulator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "text.h"

/* Parses a list given as a C string with '|' standing for the NUL separators. */
static int parse_bars(const char *spec, unsigned flags, mc_kvlist *out, char *err, size_t errlen)
{
    size_t n = strlen(spec);
    uint8_t *buf = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = spec[i] == '|' ? 0 : (uint8_t)spec[i];
    int rc = mc_text_parse(buf, n, flags, out, NULL, err, errlen);
    free(buf);
    return rc;
}

static void expect_error(const char *spec, unsigned flags, int code, const char *what)
{
    mc_kvlist l;
    char err[200] = "";
    mc_kvlist_init(&l);
    mc_kvlist_add(&l, "Existing", "1");
    int rc = parse_bars(spec, flags, &l, err, sizeof(err));
    tap_is_int(rc, code, "%s -> %s (%s)", what, mc_text_strerror(code), err);
    tap_ok(l.count == 1 && err[0], "%s: list left as it was and a message given", what);
    mc_kvlist_free(&l);
}

static char *repeat(char c, size_t n, const char *prefix, const char *suffix)
{
    size_t pl = strlen(prefix), sl = strlen(suffix);
    char *s = malloc(pl + n + sl + 1);
    memcpy(s, prefix, pl);
    memset(s + pl, c, n);
    memcpy(s + pl + n, suffix, sl + 1);
    return s;
}

static void test_parse(void)
{
    mc_kvlist l;
    char err[200];
    mc_kvlist_init(&l);
    int rc = parse_bars("HeaderDigest=CRC32C,None|MaxBurstLength=262144|TargetAlias=Disk \xc3\x84rray 1|"
                        "X-com.example.Mode=any text (really)|CHAP_C=0bAAECAw==|SendTargets=|",
                        0, &l, err, sizeof(err));
    tap_is_int(rc, MC_TEXT_OK, "a legal list parses");
    tap_is_int((long long)l.count, 6, "six pairs");
    tap_is_str(mc_kvlist_get(&l, "HeaderDigest"), "CRC32C,None", "list value kept whole");
    tap_is_str(mc_kvlist_get(&l, "TargetAlias"), "Disk \xc3\x84rray 1", "alias may hold UTF-8 and spaces");
    tap_is_str(mc_kvlist_get(&l, "SendTargets"), "", "empty value");
    mc_kvlist_free(&l);

    char *k64 = repeat('K', 64, "", "=1|");
    expect_error(k64, 0, MC_TEXT_E_KEY_TOO_LONG, "64-byte key");
    free(k64);
    char *k63 = repeat('K', 63, "", "=1|");
    mc_kvlist_init(&l);
    tap_is_int(parse_bars(k63, 0, &l, NULL, 0), MC_TEXT_OK, "63-byte key accepted");
    mc_kvlist_free(&l);
    free(k63);

    char *v256 = repeat('v', 256, "TargetName=", "|");
    expect_error(v256, 0, MC_TEXT_E_VALUE_TOO_LONG, "256-byte value");
    free(v256);
    char *v255 = repeat('v', 255, "TargetName=", "|");
    mc_kvlist_init(&l);
    tap_is_int(parse_bars(v255, 0, &l, NULL, 0), MC_TEXT_OK, "255-byte value accepted");
    mc_kvlist_free(&l);
    free(v255);
    char *c8192 = repeat('a', 8190, "CHAP_C=0x", "|");
    mc_kvlist_init(&l);
    tap_is_int(parse_bars(c8192, 0, &l, NULL, 0), MC_TEXT_OK, "CHAP_C of 8192 characters accepted (large binary value)");
    mc_kvlist_free(&l);
    free(c8192);
    char *c8193 = repeat('a', 8191, "CHAP_C=0x", "|");
    expect_error(c8193, 0, MC_TEXT_E_VALUE_TOO_LONG, "CHAP_C of 8193 characters");
    free(c8193);

    expect_error("Max Burst=1|", 0, MC_TEXT_E_BAD_KEY_CHAR, "space in key");
    mc_kvlist_init(&l);
    tap_is_int(parse_bars("iSCSIProtocolLevel=1|multicast_group_ip=1|", 0, &l, NULL, 0), MC_TEXT_OK,
               "keys may start in lower case (iSCSIProtocolLevel); unknown ones are answered, not refused");
    mc_kvlist_free(&l);
    expect_error("X#a#b=1|", 0, MC_TEXT_E_BAD_KEY_CHAR, "'#' outside the X# prefix");
    expect_error("InitiatorName=iqn(1)|", 0, MC_TEXT_E_BAD_VALUE_CHAR, "parenthesis in a value");
    expect_error("MaxBurstLength|", 0, MC_TEXT_E_NO_EQUALS, "pair without '='");
    expect_error("=5|", 0, MC_TEXT_E_EMPTY_KEY, "empty key");
    expect_error("MaxBurstLength=1|MaxBurstLength=2|", 0, MC_TEXT_E_DUPLICATE, "duplicate key");
    expect_error("MaxBurstLength=1", 0, MC_TEXT_E_UNTERMINATED, "missing final NUL");
    expect_error("CHAP_C=0bAA=A|", 0, MC_TEXT_E_BAD_VALUE_CHAR, "'=' inside a base64 value");

    mc_kvlist_init(&l);
    tap_is_int(parse_bars("multicast_group_ip=239.1.1.1|lun_map=(1,5)|", MC_TEXT_LENIENT, &l, NULL, 0), MC_TEXT_OK,
               "the lenient dialect accepts lower-case keys and parentheses");
    mc_kvlist_free(&l);
    mc_kvlist_init(&l);
    tap_is_int(parse_bars("TargetAddress=10.0.0.1:3260,1|TargetAddress=[fe80::1]:3260,2|", MC_TEXT_ALLOW_DUP, &l,
                          NULL, 0), MC_TEXT_OK, "duplicates allowed when asked (SendTargets answers)");
    mc_kvlist_free(&l);

    /* Too many pairs, and a list over the exchange limit. */
    size_t n = (MC_TEXT_PAIRS_MAX + 1) * 6;
    char *many = malloc(n + 1);
    for (size_t i = 0; i <= MC_TEXT_PAIRS_MAX; i++)
        memcpy(many + 6 * i, "X-a=1|", 6);
    many[n] = 0;
    expect_error(many, MC_TEXT_ALLOW_DUP, MC_TEXT_E_TOO_LARGE, "more than 1024 pairs");
    free(many);
    uint8_t *huge = calloc(1, MC_TEXT_EXCHANGE_MAX + 1);
    mc_kvlist_init(&l);
    tap_is_int(mc_text_parse(huge, MC_TEXT_EXCHANGE_MAX + 1, 0, &l, NULL, err, sizeof(err)), MC_TEXT_E_TOO_LARGE,
               "a list over 64 KiB is refused before parsing");
    mc_kvlist_free(&l);
    free(huge);

    int distinct = 1;
    for (int a = 0; a < MC_TEXT_E_COUNT; a++)
        for (int b = a + 1; b < MC_TEXT_E_COUNT; b++)
            if (strcmp(mc_text_strerror(a), mc_text_strerror(b)) == 0)
                distinct = 0;
    tap_ok(distinct, "every text error code has its own message");
}

static void test_values(void)
{
    uint64_t v = 0;
    uint32_t u = 0;
    bool b = false;
    tap_ok(mc_text_parse_u64("262144", &v) == MC_TEXT_OK && v == 262144, "decimal");
    tap_ok(mc_text_parse_u64("0x1F", &v) == MC_TEXT_OK && v == 31, "hex 0x");
    tap_ok(mc_text_parse_u64("0b AQ==", &v) != MC_TEXT_OK, "space inside a number refused");
    tap_ok(mc_text_parse_u64("0bAQA=", &v) == MC_TEXT_OK && v == 256, "base64 0b");
    tap_ok(mc_text_parse_u64("18446744073709551615", &v) == MC_TEXT_OK && v == UINT64_MAX, "2^64-1 fits");
    tap_ok(mc_text_parse_u64("18446744073709551616", &v) == MC_TEXT_E_BAD_NUMBER, "2^64 overflows");
    tap_ok(mc_text_parse_u64("0x10000000000000000", &v) == MC_TEXT_E_BAD_NUMBER, "hex over 64 bits overflows");
    tap_ok(mc_text_parse_u64("", &v) == MC_TEXT_E_BAD_NUMBER && mc_text_parse_u64("12a", &v) == MC_TEXT_E_BAD_NUMBER,
           "empty and trailing garbage refused");
    tap_ok(mc_text_parse_u32("511", 512, 16777215, &u) == MC_TEXT_E_BAD_NUMBER, "range lower bound");
    tap_ok(mc_text_parse_u32("16777215", 512, 16777215, &u) == MC_TEXT_OK && u == 16777215, "range upper bound");
    tap_ok(mc_text_parse_bool("Yes", &b) == MC_TEXT_OK && b, "Yes");
    tap_ok(mc_text_parse_bool("No", &b) == MC_TEXT_OK && !b, "No");
    tap_ok(mc_text_parse_bool("yes", &b) == MC_TEXT_E_BAD_BOOLEAN, "booleans are case sensitive");

    char item[16];
    tap_ok(mc_text_list_item("CRC32C,None", 1, item, sizeof(item)) && strcmp(item, "None") == 0, "second list item");
    tap_ok(!mc_text_list_item("CRC32C,None", 2, item, sizeof(item)), "past the end");
    tap_ok(mc_text_list_has("CRC32C,None", "None") && !mc_text_list_has("CRC32C,None", "CRC32"), "membership is exact");

    tap_ok(mc_text_check_iscsi_name("iqn.2001-04.com.example:storage.disk2.sys1.xyz") == MC_TEXT_OK &&
               mc_text_check_iscsi_name("eui.02004567A425678D") == MC_TEXT_OK &&
               mc_text_check_iscsi_name("naa.52004567BA64678D") == MC_TEXT_OK &&
               mc_text_check_iscsi_name("naa.62004567BA64678D0123456789ABCDEF") == MC_TEXT_OK,
           "iqn., eui. and naa. names (RFC 7143 4.2.7 examples)");
    tap_ok(mc_text_check_iscsi_name("iqn.2001.com.example") != MC_TEXT_OK && mc_text_check_iscsi_name("host1") != MC_TEXT_OK &&
               mc_text_check_iscsi_name("eui.02004567A425678") != MC_TEXT_OK &&
               mc_text_check_iscsi_name("iqn.2001-04.com.example:a b") != MC_TEXT_OK,
           "names without a date, a type prefix, 16 hex digits or with a space are refused");
    char *longname = repeat('a', 224 - 17, "iqn.2001-04.com.x", "");
    tap_ok(strlen(longname) == 224 && mc_text_check_iscsi_name(longname) != MC_TEXT_OK && (longname[223] = 0, mc_text_check_iscsi_name(longname) == MC_TEXT_OK),
           "224-byte name refused, 223 accepted");
    free(longname);

    int bad = 0;
    for (size_t len = 1; len <= 20; len++) {
        uint8_t bin[20], back[20];
        char txt[64];
        size_t got;
        for (size_t i = 0; i < len; i++)
            bin[i] = (uint8_t)(i * 37 + len);
        mc_text_encode_hex(bin, len, txt, sizeof(txt));
        if (mc_text_decode_binary(txt, back, sizeof(back), &got) || got != len || memcmp(bin, back, len))
            bad++;
        mc_text_encode_base64(bin, len, txt, sizeof(txt));
        if (mc_text_check_value(txt) || mc_text_decode_binary(txt, back, sizeof(back), &got) || got != len ||
            memcmp(bin, back, len))
            bad++;
    }
    tap_is_int(bad, 0, "hex and base64 round-trip 1..20 bytes (and base64 passes the value check)");
    uint8_t out[8];
    size_t got;
    tap_ok(mc_text_decode_binary("0xabc", out, sizeof(out), &got) == MC_TEXT_OK && got == 2 && out[0] == 0x0a &&
               out[1] == 0xbc, "odd hex digit count gets a leading zero nibble");
    tap_ok(mc_text_decode_binary("0bQUJD", out, sizeof(out), &got) == MC_TEXT_OK && got == 3 &&
               memcmp(out, "ABC", 3) == 0, "base64 QUJD is ABC (RFC 4648)");
    tap_ok(mc_text_decode_binary("0bQ", out, sizeof(out), &got) == MC_TEXT_E_BAD_BINARY, "truncated base64 refused");
    tap_ok(mc_text_decode_binary("0xzz", out, sizeof(out), &got) == MC_TEXT_E_BAD_BINARY, "bad hex refused");
    tap_ok(mc_text_decode_binary("0x112233445566778899", out, sizeof(out), &got) == MC_TEXT_E_VALUE_TOO_LONG,
           "binary longer than the buffer refused");
    char small[4];
    tap_ok(mc_text_encode_hex((const uint8_t *)"ab", 2, small, sizeof(small)) == -1, "encoder refuses a short buffer");
}

static void test_serialize_and_acc(void)
{
    mc_kvlist l, back;
    mc_textbuf b;
    mc_kvlist_init(&l);
    mc_kvlist_init(&back);
    mc_textbuf_init(&b);
    mc_kvlist_add(&l, "InitiatorName", "iqn.2026-01.org.example:host");
    mc_kvlist_add_u32(&l, "MaxRecvDataSegmentLength", 65536);
    mc_kvlist_set(&l, "InitiatorName", "iqn.2026-01.org.example:other");
    mc_text_serialize(&l, &b);
    static const char want[] = "InitiatorName=iqn.2026-01.org.example:other\0MaxRecvDataSegmentLength=65536";
    tap_ok(b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0, "serialised as key=value NUL pairs");
    tap_ok(mc_text_parse(b.data, b.len, 0, &back, NULL, NULL, 0) == MC_TEXT_OK && back.count == 2 &&
               strcmp(back.items[0].value, "iqn.2026-01.org.example:other") == 0, "parse(serialise(l)) == l");
    tap_ok(mc_kvlist_remove(&back, "InitiatorName") && back.count == 1 && !mc_kvlist_remove(&back, "InitiatorName"),
           "remove");

    /* Split across three PDUs at arbitrary points, one inside a key. */
    mc_text_acc a;
    char err[128];
    mc_text_acc_init(&a, 0);
    int r1 = mc_text_acc_add(&a, b.data, 5, true, err, sizeof(err));
    int r2 = mc_text_acc_add(&a, b.data + 5, 40, true, err, sizeof(err));
    int r3 = mc_text_acc_add(&a, b.data + 45, b.len - 45, false, err, sizeof(err));
    tap_ok(r1 == 0 && r2 == 0 && r3 == 1, "C=1, C=1, C=0: complete after the third PDU");
    tap_ok(a.buf.len == b.len && memcmp(a.buf.data, b.data, b.len) == 0, "the joined list equals the original");
    tap_ok(mc_text_acc_add(&a, (const uint8_t *)"A=1", 3, false, err, sizeof(err)) == -MC_TEXT_E_UNTERMINATED,
           "a final segment without NUL is refused: %s", err);
    mc_text_acc_free(&a);
    mc_text_acc_init(&a, 100);
    uint8_t chunk[60] = {0};
    tap_ok(mc_text_acc_add(&a, chunk, 60, true, NULL, 0) == 0 &&
               mc_text_acc_add(&a, chunk, 60, true, err, sizeof(err)) == -MC_TEXT_E_TOO_LARGE,
           "a continuation beyond the limit is refused: %s", err);
    mc_text_acc_free(&a);
    mc_text_acc_init(&a, 0);
    tap_is_int((long long)a.limit, MC_TEXT_EXCHANGE_MAX, "default limit is MC_TEXT_EXCHANGE_MAX (64 KiB)");
    mc_text_acc_free(&a);

    mc_kvlist_free(&l);
    mc_kvlist_free(&back);
    mc_textbuf_free(&b);
}

int main(void)
{
    test_parse();
    test_values();
    test_serialize_and_acc();
    return tap_done();
}
