/* Seeded garbage after login: random opcodes, flags, tags, sequence numbers and data from one
 * initiator must cost at most its own connection; a second session and new logins carry on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tclient.h"

#define ISID_FUZZ 0x400006000001ull
#define ISID_GOOD 0x400006000002ull
#define FUZZ_SEED 0x6d697272u
#define FUZZ_PDUS 600
#define FUZZ_DATA_MAX 1024u
#define FUZZ_BATCH 20            /* PDUs sent between drains of the answers */
#define FUZZ_DRAIN_MS 20         /* how long a drain waits for more answers */
#define FUZZ_LOGINS 100
#define FUZZ_LOGIN_KEYS 6

static uint32_t next_rand(uint32_t *s)
{
    /* xorshift32: a fixed sequence for a fixed seed, so a failure replays */
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static const uint8_t opcodes[] = {
    MC_OP_NOP_OUT, MC_OP_SCSI_CMD, MC_OP_TMF_REQ, MC_OP_TEXT_REQ, MC_OP_DATA_OUT,
    MC_OP_LOGOUT_REQ, MC_OP_SNACK, MC_OP_LOGIN_REQ, 0x0f, MC_OP_VENDOR_I_FIRST, MC_OP_NOP_IN,
};

static void random_pdu(tc_conn *c, uint32_t *s, mc_pdu *p)
{
    uint8_t op = opcodes[next_rand(s) % sizeof(opcodes)];
    tc_request(c, p, op, next_rand(s) % 2);
    uint64_t cmdsn = mc_pdu_get(p, MC_F_CMDSN), lun = mc_pdu_get(p, MC_F_LUN);
    for (size_t i = 1; i < MC_BHS_LEN; i++)
        if (i < 4 || i >= 20)  /* keep the lengths honest and ITT ours; scramble the rest */
            p->bhs[i] = (uint8_t)next_rand(s);
    if (next_rand(s) % 4 != 0) {  /* mostly the expected CmdSN and LUN 0, so commands do run */
        mc_pdu_set(p, MC_F_CMDSN, cmdsn);
        if (mc_field_applies(MC_F_LUN, op))
            mc_pdu_set(p, MC_F_LUN, lun | (uint64_t)(next_rand(s) % 2) << 48);
    }
    uint32_t len = next_rand(s) % (FUZZ_DATA_MAX + 1);
    if (len) {
        uint8_t d[FUZZ_DATA_MAX];
        for (uint32_t i = 0; i < len; i++)
            d[i] = (uint8_t)next_rand(s);
        mc_pdu_set_data(p, d, len);
    }
}

static int relogin(tc_conn *c, uint16_t port)
{
    tc_close(c);
    if (tc_connect(c, port, ISID_FUZZ) != 0)
        return -1;
    return tc_login(c, TC_IQN, NULL);
}

int main(void)
{
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, NULL) == 0, "target starts"))
        return tap_done();
    tc_conn good, fuzz;
    tap_ok(tc_connect(&good, tt.port, ISID_GOOD) == 0 && tc_login(&good, TC_IQN, NULL) == 0,
           "a well-behaved session logs in");
    tap_ok(tc_connect(&fuzz, tt.port, ISID_FUZZ) == 0 && tc_login(&fuzz, TC_IQN, NULL) == 0,
           "the fuzzing session logs in");
    /* MC_FUZZ_SEED replays or explores another sequence; the default is fixed */
    const char *env = getenv("MC_FUZZ_SEED");
    uint32_t seed = env ? (uint32_t)strtoul(env, NULL, 0) : FUZZ_SEED;
    if (seed == 0)
        seed = FUZZ_SEED;  /* xorshift would stay at 0 */
    uint32_t first_seed = seed;
    int closed = 0, relogins_ok = 0;
    for (int i = 0; i < FUZZ_PDUS; i++) {
        mc_pdu p;
        random_pdu(&fuzz, &seed, &p);
        bool sent = tc_send_free(&fuzz, &p);
        if (sent && (i + 1) % FUZZ_BATCH != 0)
            continue;
        mc_pdu r;
        int got;
        while ((got = tc_recv(&fuzz, &r, sent ? FUZZ_DRAIN_MS : 0)) == 0) {
            if (mc_field_applies(MC_F_EXPCMDSN, mc_pdu_opcode(&r)))  /* follow the window */
                fuzz.cmdsn = (uint32_t)mc_pdu_get(&r, MC_F_EXPCMDSN);
            mc_pdu_free(&r);
        }
        if (!sent || got < 0) {  /* the target hung up on us: fine, log in again */
            closed++;
            if (relogin(&fuzz, tt.port) == 0)
                relogins_ok++;
        }
    }
    tap_diag("seed 0x%08x: %d PDUs, target closed the fuzzing connection %d times", first_seed, FUZZ_PDUS, closed);
    tap_is_int(relogins_ok, closed, "every time the fuzzing initiator was dropped it could log in again");
    tap_is_int(tc_nop_ping(&good), 0, "the well-behaved session is untouched");

    /* login phase: random stage flags and key lists made of plausible and broken pairs */
    static const char *const pieces[] = {
        "InitiatorName=" TC_INITIATOR, "TargetName=" TC_IQN, "SessionType=Discovery", "SessionType=Normal",
        "AuthMethod=CHAP,None", "CHAP_A=5", "CHAP_N=x", "CHAP_R=0x00", "MaxBurstLength=0", "HeaderDigest=CRC32C",
        "MaxRecvDataSegmentLength=511", "ErrorRecoveryLevel=9", "InitialR2T=Maybe", "=v", "k", "X-a=\x01",
    };
    int answered = 0;
    for (int i = 0; i < FUZZ_LOGINS; i++) {
        tc_conn l;
        if (tc_connect(&l, tt.port, ISID_FUZZ + 1 + (uint64_t)i) != 0)
            continue;
        const char *keys[FUZZ_LOGIN_KEYS + 1];
        size_t nk = next_rand(&seed) % FUZZ_LOGIN_KEYS;
        for (size_t k = 0; k < nk; k++)
            keys[k] = pieces[next_rand(&seed) % (sizeof(pieces) / sizeof(pieces[0]))];
        keys[nk] = NULL;
        uint32_t flags = next_rand(&seed);
        mc_pdu r;
        if (tc_login_step(&l, (int)(flags & 3), (int)((flags >> 2) & 3), (flags >> 4) & 1, keys, &r) == 0) {
            answered++;
            mc_pdu_free(&r);
        }
        tc_close(&l);
    }
    tap_diag("%d random Login Requests, %d answered with a Login Response", FUZZ_LOGINS, answered);
    tap_is_int(tc_nop_ping(&good), 0, "the well-behaved session is still untouched");
    tc_conn late;
    tap_ok(tc_connect(&late, tt.port, ISID_GOOD + 1) == 0 && tc_login(&late, TC_IQN, NULL) == 0 &&
               tc_nop_ping(&late) == 0,
           "a new session after the fuzzing works");
    tc_close(&late);
    tc_close(&fuzz);
    tc_close(&good);
    tc_target_stop(&tt);
    return tap_done();
}
