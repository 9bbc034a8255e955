/* CHAP for iSCSI (RFC 7143 section 12.1.3) over MD5 (RFC 1994 section 4.1). */
#include "chap.h"

#include <errno.h>
#include <nettle/md5.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "errmsg.h"

#define CHAP_ID_MAX 255u                    /* CHAP_I is one octet (RFC 1994 4.1) */
/* Text form of one binary value: "0x" + two digits per byte + NUL. */
#define CHAP_HEX_LEN(n) (2u + 2u * (n) + 1u)

void mc_chap_response(uint8_t id, const uint8_t *secret, size_t secret_len, const uint8_t *challenge,
                      size_t challenge_len, uint8_t out[MC_CHAP_MD5_LEN])
{
    struct md5_ctx ctx;
    md5_init(&ctx);
    md5_update(&ctx, 1, &id);
    md5_update(&ctx, secret_len, secret);
    md5_update(&ctx, challenge_len, challenge);
    md5_digest(&ctx, MC_CHAP_MD5_LEN, out);
}

bool mc_chap_verify(uint8_t id, const uint8_t *secret, size_t secret_len, const uint8_t *challenge,
                    size_t challenge_len, const uint8_t *response, size_t response_len)
{
    uint8_t want[MC_CHAP_MD5_LEN];
    if (response_len != MC_CHAP_MD5_LEN)
        return false;
    mc_chap_response(id, secret, secret_len, challenge, challenge_len, want);
    uint8_t diff = 0;   /* compare every byte: no early exit that times the secret */
    for (size_t i = 0; i < MC_CHAP_MD5_LEN; i++)
        diff |= (uint8_t)(want[i] ^ response[i]);
    return diff == 0;
}

int mc_chap_random(uint8_t *buf, size_t len, char *err, size_t errlen)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            mc_iscsi_seterr(err, errlen, "getrandom: %s", strerror(errno));
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

int mc_chap_creds_set(mc_chap_creds *c, const char *name, const char *secret)
{
    size_t nl = strlen(name), sl = strlen(secret);
    if (nl > MC_CHAP_NAME_MAX || sl > MC_CHAP_SECRET_MAX || sl == 0)
        return -1;
    memset(c, 0, sizeof(*c));
    memcpy(c->name, name, nl + 1);
    memcpy(c->secret, secret, sl);
    c->secret_len = sl;
    return 0;
}

/* Fresh identifier and challenge into st, appended to out as CHAP_I and CHAP_C. */
static int new_challenge(mc_chap_state *st, mc_kvlist *out, char *err, size_t errlen)
{
    char hex[CHAP_HEX_LEN(MC_CHAP_CHALLENGE_LEN)];
    if (mc_chap_random(&st->id, 1, err, errlen) != 0 ||
        mc_chap_random(st->challenge, MC_CHAP_CHALLENGE_LEN, err, errlen) != 0)
        return -1;
    st->challenge_len = MC_CHAP_CHALLENGE_LEN;
    mc_text_encode_hex(st->challenge, st->challenge_len, hex, sizeof(hex));
    if (mc_kvlist_add_u32(out, "CHAP_I", st->id) != 0 || mc_kvlist_add(out, "CHAP_C", hex) != 0) {
        mc_iscsi_seterr(err, errlen, "out of memory");
        return -1;
    }
    st->challenged = true;
    return 0;
}

static int add_response(uint8_t id, const mc_chap_creds *creds, const uint8_t *chal, size_t clen, mc_kvlist *out,
                        char *err, size_t errlen)
{
    uint8_t r[MC_CHAP_MD5_LEN];
    char hex[CHAP_HEX_LEN(MC_CHAP_MD5_LEN)];
    mc_chap_response(id, creds->secret, creds->secret_len, chal, clen, r);
    mc_text_encode_hex(r, sizeof(r), hex, sizeof(hex));
    if (mc_kvlist_add(out, "CHAP_N", creds->name) != 0 || mc_kvlist_add(out, "CHAP_R", hex) != 0) {
        mc_iscsi_seterr(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int get_id(const mc_kvlist *in, uint8_t *id, char *err, size_t errlen)
{
    const char *s = mc_kvlist_get(in, "CHAP_I");
    uint32_t v;
    if (!s || mc_text_parse_u32(s, 0, CHAP_ID_MAX, &v) != MC_TEXT_OK) {
        mc_iscsi_seterr(err, errlen, "CHAP_I missing or not 0..255 (12.1.3)");
        return -1;
    }
    *id = (uint8_t)v;
    return 0;
}

static int get_binary(const mc_kvlist *in, const char *key, uint8_t *out, size_t cap, size_t *len, char *err,
                      size_t errlen)
{
    const char *s = mc_kvlist_get(in, key);
    if (!s || mc_text_decode_binary(s, out, cap, len) != MC_TEXT_OK || *len == 0) {
        mc_iscsi_seterr(err, errlen, "%s missing or not a 0x/0b binary value of at most %zu bytes (12.1.3)", key, cap);
        return -1;
    }
    return 0;
}

int mc_chap_target_challenge(mc_chap_state *st, const char *chap_a_offer, mc_kvlist *out, char *err,
                             size_t errlen)
{
    char alg[8];
    snprintf(alg, sizeof(alg), "%u", MC_CHAP_ALG_MD5);
    memset(st, 0, sizeof(*st));
    if (!chap_a_offer || !mc_text_list_has(chap_a_offer, alg)) {
        mc_iscsi_seterr(err, errlen, "CHAP_A offer \"%.40s\" lacks MD5 (5) (12.1.3)", chap_a_offer ? chap_a_offer : "");
        return -1;
    }
    if (mc_kvlist_add(out, "CHAP_A", alg) != 0) {
        mc_iscsi_seterr(err, errlen, "out of memory");
        return -1;
    }
    return new_challenge(st, out, err, errlen);
}

int mc_chap_target_verify(const mc_chap_state *st, const mc_kvlist *in, mc_chap_lookup_fn lookup, void *lookup_arg,
                          const mc_chap_creds *target_creds, mc_kvlist *out, char *err, size_t errlen)
{
    uint8_t resp[MC_CHAP_CHALLENGE_MAX];
    size_t rlen = 0;
    mc_chap_creds creds;
    char shown[64];
    if (!st->challenged) {
        mc_iscsi_seterr(err, errlen, "CHAP response before a challenge was sent (12.1.3)");
        return -1;
    }
    const char *name = mc_kvlist_get(in, "CHAP_N");
    if (!name) {
        mc_iscsi_seterr(err, errlen, "CHAP_N missing (12.1.3)");
        return -1;
    }
    if (get_binary(in, "CHAP_R", resp, sizeof(resp), &rlen, err, errlen) != 0)
        return -1;
    if (!lookup || !lookup(lookup_arg, name, &creds)) {
        mc_iscsi_seterr(err, errlen, "CHAP_N \"%s\" unknown", mc_iscsi_printable(name, shown, sizeof(shown)));
        return -1;
    }
    if (!mc_chap_verify(st->id, creds.secret, creds.secret_len, st->challenge, st->challenge_len, resp, rlen)) {
        mc_iscsi_seterr(err, errlen, "CHAP_R for \"%s\" does not match (12.1.3)",
                        mc_iscsi_printable(name, shown, sizeof(shown)));
        return -1;
    }
    bool has_i = mc_kvlist_get(in, "CHAP_I") != NULL, has_c = mc_kvlist_get(in, "CHAP_C") != NULL;
    if (!has_i && !has_c)
        return 0;
    /* Mutual CHAP: the initiator challenges the target in the same PDU. */
    uint8_t id, chal[MC_CHAP_CHALLENGE_MAX];
    size_t clen = 0;
    if (get_id(in, &id, err, errlen) != 0 || get_binary(in, "CHAP_C", chal, sizeof(chal), &clen, err, errlen) != 0)
        return -1;
    if (clen == st->challenge_len && memcmp(chal, st->challenge, clen) == 0) {
        mc_iscsi_seterr(err, errlen, "initiator reflected the target's CHAP challenge (12.1.3)");
        return -1;
    }
    if (!target_creds) {
        mc_iscsi_seterr(err, errlen, "mutual CHAP requested but no target credentials configured");
        return -1;
    }
    /* 12.1.3: a secret must not serve both directions. */
    if (target_creds->secret_len == creds.secret_len &&
        memcmp(target_creds->secret, creds.secret, creds.secret_len) == 0) {
        mc_iscsi_seterr(err, errlen, "mutual CHAP with the same secret in both directions (12.1.3)");
        return -1;
    }
    return add_response(id, target_creds, chal, clen, out, err, errlen);
}

int mc_chap_initiator_respond(const mc_kvlist *in, const mc_chap_creds *creds, mc_chap_state *mutual,
                              mc_kvlist *out, char *err, size_t errlen)
{
    uint8_t id, chal[MC_CHAP_CHALLENGE_MAX];
    size_t clen = 0;
    uint32_t alg;
    const char *a = mc_kvlist_get(in, "CHAP_A");
    if (!a || mc_text_parse_u32(a, 0, UINT32_MAX, &alg) != MC_TEXT_OK || alg != MC_CHAP_ALG_MD5) {
        mc_iscsi_seterr(err, errlen, "target selected CHAP_A=%.20s, not MD5 (5) (12.1.3)", a ? a : "(none)");
        return -1;
    }
    if (get_id(in, &id, err, errlen) != 0 || get_binary(in, "CHAP_C", chal, sizeof(chal), &clen, err, errlen) != 0)
        return -1;
    if (add_response(id, creds, chal, clen, out, err, errlen) != 0)
        return -1;
    if (!mutual)
        return 0;
    memset(mutual, 0, sizeof(*mutual));
    do {   /* never send the target's own challenge back (12.1.3) */
        if (new_challenge(mutual, out, err, errlen) != 0)
            return -1;
        if (mutual->challenge_len == clen && memcmp(mutual->challenge, chal, clen) == 0) {
            mc_kvlist_remove(out, "CHAP_I");
            mc_kvlist_remove(out, "CHAP_C");
            continue;
        }
        break;
    } while (true);
    return 0;
}

int mc_chap_initiator_verify(const mc_chap_state *mutual, const mc_kvlist *in, const mc_chap_creds *target_creds,
                             char *err, size_t errlen)
{
    uint8_t resp[MC_CHAP_CHALLENGE_MAX];
    size_t rlen = 0;
    char shown[64];
    if (!mutual || !mutual->challenged) {
        mc_iscsi_seterr(err, errlen, "no mutual CHAP challenge outstanding");
        return -1;
    }
    const char *name = mc_kvlist_get(in, "CHAP_N");
    if (!name || strcmp(name, target_creds->name) != 0) {
        mc_iscsi_seterr(err, errlen, "target CHAP_N \"%s\" is not the expected \"%s\"",
                        name ? mc_iscsi_printable(name, shown, sizeof(shown)) : "(none)", target_creds->name);
        return -1;
    }
    if (get_binary(in, "CHAP_R", resp, sizeof(resp), &rlen, err, errlen) != 0)
        return -1;
    if (!mc_chap_verify(mutual->id, target_creds->secret, target_creds->secret_len, mutual->challenge,
                        mutual->challenge_len, resp, rlen)) {
        mc_iscsi_seterr(err, errlen, "target's CHAP_R does not match: target not authenticated (12.1.3)");
        return -1;
    }
    return 0;
}
