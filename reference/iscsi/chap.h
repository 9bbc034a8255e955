/* CHAP authentication as iSCSI uses it (RFC 7143 section 12.1.3, RFC 1994): MD5 only (CHAP_A=5),
 * one-way or mutual. Response = MD5(identifier || secret || challenge). Binary values travel as
 * 0x hex or 0b base64 (both accepted, hex sent). */
#ifndef MC_ISCSI_CHAP_H
#define MC_ISCSI_CHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

#define MC_CHAP_ALG_MD5 5u            /* CHAP_A value for MD5 (RFC 1994, IANA PPP auth algorithms) */
#define MC_CHAP_MD5_LEN 16u           /* MD5 digest bytes = CHAP_R length */
#define MC_CHAP_CHALLENGE_LEN 16u     /* challenge we generate: as long as the digest */
/* Longest challenge accepted: a large binary value is at most 8192 characters (6.1), which in
 * base64 (0b + 8188 characters) holds 6141 bytes and in hex 4095. */
#define MC_CHAP_CHALLENGE_MAX 6144u
#define MC_CHAP_SECRET_MAX 256u       /* longest secret we store */
#define MC_CHAP_NAME_MAX 255u         /* CHAP_N is an ordinary value (6.1) */

/* RFC 1994 section 4.1: MD5 over identifier, secret, challenge. */
void mc_chap_response(uint8_t id, const uint8_t *secret, size_t secret_len, const uint8_t *challenge,
                      size_t challenge_len, uint8_t out[MC_CHAP_MD5_LEN]);
/* Constant-time comparison of a received response with the expected one. */
bool mc_chap_verify(uint8_t id, const uint8_t *secret, size_t secret_len, const uint8_t *challenge,
                    size_t challenge_len, const uint8_t *response, size_t response_len);
/* Fills buf with random bytes from getrandom(); 0 or -1 with a message. */
int mc_chap_random(uint8_t *buf, size_t len, char *err, size_t errlen);

/* Credentials: the name sent as CHAP_N and the shared secret. */
typedef struct mc_chap_creds {
    char name[MC_CHAP_NAME_MAX + 1];
    uint8_t secret[MC_CHAP_SECRET_MAX];
    size_t secret_len;
} mc_chap_creds;

int mc_chap_creds_set(mc_chap_creds *c, const char *name, const char *secret);

/* One side's view of a CHAP exchange (the challenger keeps id+challenge to check the response). */
typedef struct mc_chap_state {
    uint8_t id;
    uint8_t challenge[MC_CHAP_CHALLENGE_MAX];
    size_t challenge_len;
    bool challenged;   /* we sent CHAP_I/CHAP_C and wait for CHAP_N/CHAP_R */
} mc_chap_state;

/* Finds the secret for a CHAP_N name; returns false when the name is unknown. */
typedef bool (*mc_chap_lookup_fn)(void *arg, const char *name, mc_chap_creds *out);

/* Target, step 1: after AuthMethod=CHAP the initiator offers CHAP_A=<list>; checks that 5 is in
 * the list and appends CHAP_A=5, CHAP_I, CHAP_C to out (fresh id and challenge). Returns 0, or -1
 * when MD5 is not offered (the target then answers CHAP_A=Reject and fails the login, 12.1.3). */
int mc_chap_target_challenge(mc_chap_state *st, const char *chap_a_offer, mc_kvlist *out, char *err,
                             size_t errlen);
/* Target, step 2: verifies CHAP_N/CHAP_R from in (secret found with lookup). If in also carries
 * CHAP_I/CHAP_C (mutual CHAP), refuses a challenge equal to ours (reflection, 12.1.3) and appends
 * the target's CHAP_N/CHAP_R computed with target_creds. Returns 0 when authenticated, -1 with a
 * message otherwise (Authentication Failure, 11.13.5). */
int mc_chap_target_verify(const mc_chap_state *st, const mc_kvlist *in, mc_chap_lookup_fn lookup,
                          void *lookup_arg, const mc_chap_creds *target_creds, mc_kvlist *out,
                          char *err, size_t errlen);

/* Initiator: answers CHAP_A/CHAP_I/CHAP_C from in with CHAP_N/CHAP_R (creds). With mutual set it
 * also sends its own CHAP_I/CHAP_C (kept in mutual) for the target to answer. 0 or -1 + message. */
int mc_chap_initiator_respond(const mc_kvlist *in, const mc_chap_creds *creds, mc_chap_state *mutual,
                              mc_kvlist *out, char *err, size_t errlen);
/* Initiator, mutual CHAP: checks the target's CHAP_N/CHAP_R against target_creds. */
int mc_chap_initiator_verify(const mc_chap_state *mutual, const mc_kvlist *in,
                             const mc_chap_creds *target_creds, char *err, size_t errlen);

#endif
