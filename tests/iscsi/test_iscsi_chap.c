/* CHAP (RFC 7143 12.1.3, RFC 1994): response vectors and one-way / mutual exchanges. */
#include <stdio.h>
#include <string.h>

#include "chap.h"
#include "tap.h"

typedef struct {
    mc_chap_creds users[2];
    int n;
} userdb;

static bool lookup(void *arg, const char *name, mc_chap_creds *out)
{
    userdb *db = arg;
    for (int i = 0; i < db->n; i++)
        if (strcmp(db->users[i].name, name) == 0) {
            *out = db->users[i];
            return true;
        }
    return false;
}

static void test_vectors(void)
{
    uint8_t r[MC_CHAP_MD5_LEN];
    /* MD5(id || secret || challenge) with id 'a', secret "b", challenge "c" is MD5("abc"),
     * the RFC 1321 test value 900150983cd24fb0d6963f7d28e17f72. */
    static const uint8_t abc[16] = {0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                                    0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
    mc_chap_response('a', (const uint8_t *)"b", 1, (const uint8_t *)"c", 1, r);
    tap_is_mem(r, abc, 16, "response is MD5 over identifier, secret, challenge (RFC 1321 'abc' vector)");
    /* id 1, secret "verysecretpassword", challenge 00..0f; expected value from md5sum. */
    static const uint8_t want[16] = {0xf5, 0x4a, 0x8c, 0xe6, 0x2f, 0xb3, 0xe8, 0xfb,
                                     0x4f, 0x2e, 0x6e, 0xa6, 0xed, 0x89, 0x79, 0xa8};
    uint8_t chal[16];
    for (int i = 0; i < 16; i++)
        chal[i] = (uint8_t)i;
    mc_chap_response(1, (const uint8_t *)"verysecretpassword", 18, chal, 16, r);
    tap_is_mem(r, want, 16, "16-byte challenge vector");
    tap_ok(mc_chap_verify(1, (const uint8_t *)"verysecretpassword", 18, chal, 16, want, 16), "verify accepts it");
    uint8_t wrong[16];
    memcpy(wrong, want, 16);
    wrong[15] ^= 1;
    tap_ok(!mc_chap_verify(1, (const uint8_t *)"verysecretpassword", 18, chal, 16, wrong, 16), "one flipped bit is refused");
    tap_ok(!mc_chap_verify(2, (const uint8_t *)"verysecretpassword", 18, chal, 16, want, 16), "another identifier is refused");
    tap_ok(!mc_chap_verify(1, (const uint8_t *)"verysecretpassword", 18, chal, 16, want, 15), "a short response is refused");
    uint8_t a[16], b[16];
    tap_ok(mc_chap_random(a, 16, NULL, 0) == 0 && mc_chap_random(b, 16, NULL, 0) == 0 && memcmp(a, b, 16) != 0,
           "two random challenges differ");
}

static void test_exchange(void)
{
    userdb db = {.n = 1};
    mc_chap_creds ini, tgt, bad;
    mc_chap_creds_set(&db.users[0], "iqn.2026-01.org.example:host", "initiator-secret-1");
    ini = db.users[0];
    mc_chap_creds_set(&tgt, "iqn.2026-01.org.example:disk", "target-secret-22");
    mc_chap_creds_set(&bad, "iqn.2026-01.org.example:host", "wrong-secret-333");
    char err[200];

    /* One-way. */
    mc_chap_state ts;
    mc_kvlist t1, i1, t2;
    mc_kvlist_init(&t1);
    mc_kvlist_init(&i1);
    mc_kvlist_init(&t2);
    tap_ok(mc_chap_target_challenge(&ts, "7,5", &t1, err, sizeof(err)) == 0, "target accepts CHAP_A=7,5 by picking 5");
    tap_is_str(mc_kvlist_get(&t1, "CHAP_A"), "5", "CHAP_A=5");
    const char *c = mc_kvlist_get(&t1, "CHAP_C");
    tap_ok(mc_kvlist_get(&t1, "CHAP_I") && c && strncmp(c, "0x", 2) == 0 && strlen(c) == 2 + 2 * MC_CHAP_CHALLENGE_LEN,
           "CHAP_I and a 16-byte hex CHAP_C are sent");
    tap_ok(mc_chap_initiator_respond(&t1, &ini, NULL, &i1, err, sizeof(err)) == 0, "initiator answers");
    tap_ok(mc_chap_target_verify(&ts, &i1, lookup, &db, NULL, &t2, err, sizeof(err)) == 0 && t2.count == 0,
           "target authenticates the initiator (no mutual answer)");

    /* Base64 CHAP_R is accepted the same. */
    uint8_t bin[16];
    size_t n;
    mc_text_decode_binary(mc_kvlist_get(&i1, "CHAP_R"), bin, sizeof(bin), &n);
    char b64[64];
    mc_text_encode_base64(bin, n, b64, sizeof(b64));
    mc_kvlist_set(&i1, "CHAP_R", b64);
    tap_ok(mc_chap_target_verify(&ts, &i1, lookup, &db, NULL, &t2, err, sizeof(err)) == 0, "base64 CHAP_R (%s) verifies", b64);
    mc_kvlist_free(&i1);

    mc_kvlist_init(&i1);
    mc_chap_initiator_respond(&t1, &bad, NULL, &i1, err, sizeof(err));
    tap_ok(mc_chap_target_verify(&ts, &i1, lookup, &db, NULL, &t2, err, sizeof(err)) == -1,
           "a wrong secret fails: %s", err);
    mc_kvlist_set(&i1, "CHAP_N", "iqn.2026-01.org.example:stranger");
    tap_ok(mc_chap_target_verify(&ts, &i1, lookup, &db, NULL, &t2, err, sizeof(err)) == -1, "unknown name fails: %s", err);
    mc_kvlist_set(&i1, "CHAP_R", "0x00112233");
    mc_kvlist_set(&i1, "CHAP_N", ini.name);
    tap_ok(mc_chap_target_verify(&ts, &i1, lookup, &db, NULL, &t2, err, sizeof(err)) == -1, "a 4-byte CHAP_R fails");
    mc_kvlist_remove(&i1, "CHAP_R");
    tap_ok(mc_chap_target_verify(&ts, &i1, lookup, &db, NULL, &t2, err, sizeof(err)) == -1, "missing CHAP_R fails: %s", err);
    mc_kvlist_free(&i1);
    mc_kvlist_free(&t1);

    mc_kvlist_init(&t1);
    tap_ok(mc_chap_target_challenge(&ts, "7", &t1, err, sizeof(err)) == -1, "CHAP_A without MD5 is refused: %s", err);
    mc_kvlist_free(&t1);

    /* Mutual. */
    mc_chap_state ms;
    mc_kvlist_init(&t1);
    mc_kvlist_init(&i1);
    mc_chap_target_challenge(&ts, "5", &t1, err, sizeof(err));
    tap_ok(mc_chap_initiator_respond(&t1, &ini, &ms, &i1, err, sizeof(err)) == 0 && mc_kvlist_get(&i1, "CHAP_C") &&
               mc_kvlist_get(&i1, "CHAP_I"), "initiator answers and challenges back");
    tap_ok(mc_chap_target_verify(&ts, &i1, lookup, &db, &tgt, &t2, err, sizeof(err)) == 0 &&
               mc_kvlist_get(&t2, "CHAP_R"), "target authenticates and answers the mutual challenge");
    tap_ok(mc_chap_initiator_verify(&ms, &t2, &tgt, err, sizeof(err)) == 0, "initiator authenticates the target");
    mc_chap_creds tgt_wrong = tgt;
    tgt_wrong.secret[0] ^= 1;
    tap_ok(mc_chap_initiator_verify(&ms, &t2, &tgt_wrong, err, sizeof(err)) == -1, "a target with the wrong secret fails: %s", err);
    mc_kvlist_free(&t2);
    mc_kvlist_init(&t2);
    tap_ok(mc_chap_target_verify(&ts, &i1, lookup, &db, NULL, &t2, err, sizeof(err)) == -1,
           "mutual CHAP without target credentials fails: %s", err);
    mc_kvlist_free(&t2);
    mc_kvlist_init(&t2);
    tap_ok(mc_chap_target_verify(&ts, &i1, lookup, &db, &ini, &t2, err, sizeof(err)) == -1,
           "the same secret in both directions is refused: %s", err);
    /* Reflection: the initiator sends the target's own challenge back. */
    mc_kvlist_set(&i1, "CHAP_C", mc_kvlist_get(&t1, "CHAP_C"));
    mc_kvlist_free(&t2);
    mc_kvlist_init(&t2);
    tap_ok(mc_chap_target_verify(&ts, &i1, lookup, &db, &tgt, &t2, err, sizeof(err)) == -1,
           "a reflected challenge is refused: %s", err);
    mc_kvlist_free(&t1);
    mc_kvlist_free(&i1);
    mc_kvlist_free(&t2);
}

int main(void)
{
    test_vectors();
    test_exchange();
    return tap_done();
}
