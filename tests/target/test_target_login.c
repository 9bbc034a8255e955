/* Login phase of the target: normal and discovery sessions, names, CHAP, stage rules, key
 * limits, StatSN numbering and the login timeout (RFC 7143 6, 11.12-11.13, 12.1.3, 13). */
#include <stdio.h>
#include <string.h>

#include "chap.h"
#include "tap.h"
#include "tclient.h"
#include "text.h"

#define ISID_A 0x400001000001ull
#define ISID_B 0x400001000002ull
#define LOGIN_TIMEOUT_FOR_TEST_MS 200u
#define STATUS(cls, det) (((cls) << 8) | (det))

static void normal_login(const tc_target *tt)
{
    tc_conn c;
    tap_ok(tc_connect(&c, tt->port, ISID_A) == 0, "connect");
    tap_is_int(tc_login(&c, TC_IQN, NULL), 0, "normal login succeeds (11.13.5 status 0x0000)");
    tap_ok(c.tsih != 0, "the final Login Response carries a non-zero TSIH (11.13.3)");
    /* 11.13.4: the next response after the Login Response carries its StatSN + 1 */
    tap_is_int(tc_nop_ping(&c), 0, "first full feature response carries login StatSN + 1");
    tap_is_int(tc_nop_ping(&c), 0, "and the next one StatSN + 2");

    /* 6.3.5: a new login with the same ISID and TSIH 0 reinstates the session */
    tc_conn again;
    tap_ok(tc_connect(&again, tt->port, ISID_A) == 0 && tc_login(&again, TC_IQN, NULL) == 0,
           "a second login with the same ISID succeeds");
    tap_ok(again.tsih != c.tsih, "with a new TSIH");
    tap_ok(tc_wait_closed(&c, TC_WAIT_MS), "and the old session's connection is closed (reinstatement)");
    tap_is_int(tc_nop_ping(&again), 0, "the new session works");

    /* 6.3.4: the session's TSIH and the same CID reinstate the connection, the session lives on */
    tc_conn next;
    tc_connect(&next, tt->port, ISID_A);
    next.tsih = again.tsih;
    next.cmdsn = again.cmdsn;
    next.itt = again.itt;
    tap_is_int(tc_login(&next, TC_IQN, NULL), 0, "login with the session's TSIH and CID succeeds");
    tap_is_int(next.tsih, again.tsih, "the session keeps its TSIH");
    tap_ok(tc_wait_closed(&again, TC_WAIT_MS), "the replaced connection is closed");
    mc_pdu p, r;
    tc_request(&next, &p, MC_OP_NOP_OUT, true);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    tc_send_free(&next, &p);
    tap_ok(tc_recv(&next, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_NOP_IN &&
               mc_pdu_get(&r, MC_F_EXPCMDSN) == next.cmdsn,
           "the session's CmdSN carries on over the new connection");
    next.expstatsn++;
    mc_pdu_free(&r);
    tc_conn extra;
    tc_connect(&extra, tt->port, ISID_A);
    extra.tsih = next.tsih;
    extra.cid = 7;
    tap_is_int(tc_login(&extra, TC_IQN, NULL), STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_TOO_MANY_CONNECTIONS),
               "a second CID in the session: 0x0206 too many connections (MaxConnections=1)");
    tc_close(&extra);
    tap_is_int(tc_nop_ping(&next), 0, "and the session is untouched by that");
    tc_close(&next);
    tc_close(&again);
    tc_close(&c);
}

static void name_checks(const tc_target *tt)
{
    tc_conn c;
    tc_connect(&c, tt->port, ISID_A);
    tap_is_int(tc_login(&c, "iqn.2026-11.org.mirrorcert:nobody", NULL),
               STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_NOT_FOUND), "unknown TargetName: 0x0203 not found");
    tap_ok(tc_wait_closed(&c, TC_WAIT_MS), "the target closes after a login reject");
    tc_close(&c);

    tc_connect(&c, tt->port, ISID_A);
    tap_is_int(tc_login(&c, NULL, NULL), STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_MISSING_PARAMETER),
               "normal session without TargetName: 0x0207 missing parameter");
    tc_close(&c);

    tc_connect(&c, tt->port, ISID_A);
    c.tsih = 0x7777;
    tap_is_int(tc_login(&c, TC_IQN, NULL), STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_SESSION_NOT_EXIST),
               "a TSIH naming no session: 0x020a session does not exist");
    tc_close(&c);
}

static void version_check(const tc_target *tt)
{
    tc_conn c;
    tc_connect(&c, tt->port, ISID_A);
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_LOGIN_REQ);
    mc_pdu_set(&p, MC_F_IMMEDIATE, 1);
    mc_pdu_set(&p, MC_F_TRANSIT, 1);
    mc_pdu_set(&p, MC_F_CSG, MC_STAGE_OPERATIONAL);
    mc_pdu_set(&p, MC_F_NSG, MC_STAGE_FULL_FEATURE);
    mc_pdu_set(&p, MC_F_ISID, ISID_A);
    mc_pdu_set(&p, MC_F_VERSION_MAX, 2);
    mc_pdu_set(&p, MC_F_VERSION_MIN, 1);
    mc_pdu_set_data(&p, "InitiatorName=" TC_INITIATOR "\0TargetName=" TC_IQN,
                    sizeof("InitiatorName=" TC_INITIATOR "\0TargetName=" TC_IQN));
    tc_send(&c, &p);
    mc_pdu_free(&p);
    mc_pdu r;
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0, "answer to a login with Version-min 1");
    tap_is_int(tc_status(&r), STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_UNSUPPORTED_VERSION),
               "no common version: 0x0205 (11.12.4)");
    mc_pdu_free(&r);
    tc_close(&c);
}

static void key_limits(const tc_target *tt)
{
    char longkey[80], longval[300];
    memset(longkey, 'K', 64);
    strcpy(longkey + 64, "=1");
    tc_conn c;
    tc_connect(&c, tt->port, ISID_A);
    const char *k1[] = {longkey, NULL};
    tap_is_int(tc_login(&c, TC_IQN, k1), STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_INITIATOR_ERROR),
               "a 64-byte key name fails the login as initiator error (6.1)");
    tc_close(&c);

    strcpy(longval, "TargetAlias=");
    memset(longval + strlen(longval), 'v', 256);
    longval[12 + 256] = '\0';
    tc_connect(&c, tt->port, ISID_A);
    const char *k2[] = {"MaxBurstLength=65536", longval, NULL};
    tap_is_int(tc_login(&c, TC_IQN, k2), STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_INITIATOR_ERROR),
               "a 256-byte value fails the login as initiator error (6.1)");
    tc_close(&c);
}

static void discovery(const tc_target *tt)
{
    tc_conn c;
    tc_connect(&c, tt->port, ISID_B);
    tap_is_int(tc_login_discovery(&c), 0, "discovery login succeeds without TargetName");
    mc_pdu p;
    tc_request(&c, &p, MC_OP_TEXT_REQ, true);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&p, "SendTargets=All", sizeof("SendTargets=All"));
    tc_send(&c, &p);
    mc_pdu_free(&p);
    mc_pdu r;
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_TEXT_RSP, "Text Response");
    char addr[64];
    snprintf(addr, sizeof(addr), "TargetAddress=127.0.0.1:%u,1", (unsigned)tt->port);
    tap_ok(tc_text_has(&r, "TargetName=" TC_IQN), "SendTargets=All names the target (13.3)");
    tap_ok(tc_text_has(&r, addr), "and its address with the portal group tag");
    tap_ok(mc_pdu_get(&r, MC_F_FINAL) == 1 && mc_pdu_get(&r, MC_F_TTT) == MC_RESERVED_TAG,
           "single answer: F=1 and TTT 0xffffffff");
    mc_pdu_free(&r);
    uint8_t cdb[6] = {0};
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), false, false, 0);
    tc_send(&c, &p);
    mc_pdu_free(&p);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_REJECT,
           "a SCSI command in a discovery session is rejected");
    mc_pdu_free(&r);
    tc_close(&c);
}

static bool creds_ok(mc_chap_creds *cr, const char *name, const char *secret)
{
    return mc_chap_creds_set(cr, name, secret) == 0;
}

/* Security stage with CHAP; returns the final status (or -1). mutual_secret: challenge the
 * target too and check its answer against this secret (NULL: one-way). */
static int chap_login_m(uint16_t port, const char *secret, bool offer_chap, const char *mutual_secret);

static int chap_login(uint16_t port, const char *secret, bool offer_chap)
{
    return chap_login_m(port, secret, offer_chap, NULL);
}

static int chap_login_m(uint16_t port, const char *secret, bool offer_chap, const char *mutual_secret)
{
    tc_conn c;
    tc_connect(&c, port, ISID_A);
    const char *k1[] = {"InitiatorName=" TC_INITIATOR, "SessionType=Normal", "TargetName=" TC_IQN,
                        offer_chap ? "AuthMethod=CHAP,None" : "AuthMethod=None", NULL};
    mc_pdu r;
    int status = -1;
    if (tc_login_step(&c, MC_STAGE_SECURITY, MC_STAGE_OPERATIONAL, true, k1, &r) != 0)
        goto out;
    status = tc_status(&r);
    bool chosen = tc_text_has(&r, "AuthMethod=CHAP");
    bool early = mc_pdu_get(&r, MC_F_TRANSIT) != 0;
    mc_pdu_free(&r);
    if (status != 0)
        goto out;
    if (!chosen || early) {
        status = -1;
        goto out;
    }
    const char *k2[] = {"CHAP_A=5", NULL};
    if (tc_login_step(&c, MC_STAGE_SECURITY, MC_STAGE_OPERATIONAL, false, k2, &r) != 0) {
        status = -1;
        goto out;
    }
    mc_kvlist in, out;
    mc_kvlist_init(&in);
    mc_kvlist_init(&out);
    char err[160];
    mc_text_parse(r.data, r.data_len, 0, &in, NULL, err, sizeof(err));
    mc_pdu_free(&r);
    mc_chap_creds cr;
    creds_ok(&cr, "alice", secret);
    mc_chap_state mine;
    memset(&mine, 0, sizeof(mine));
    if (mc_chap_initiator_respond(&in, &cr, mutual_secret ? &mine : NULL, &out, err, sizeof(err)) != 0) {
        mc_kvlist_free(&in);
        mc_kvlist_free(&out);
        status = -1;
        goto out;
    }
    char n[300], rr[300], ci[32], cc[300];
    snprintf(n, sizeof(n), "CHAP_N=%s", mc_kvlist_get(&out, "CHAP_N"));
    snprintf(rr, sizeof(rr), "CHAP_R=%s", mc_kvlist_get(&out, "CHAP_R"));
    const char *k3[] = {n, rr, NULL, NULL, NULL};
    if (mutual_secret) {
        snprintf(ci, sizeof(ci), "CHAP_I=%s", mc_kvlist_get(&out, "CHAP_I"));
        snprintf(cc, sizeof(cc), "CHAP_C=%s", mc_kvlist_get(&out, "CHAP_C"));
        k3[2] = ci;
        k3[3] = cc;
    }
    mc_kvlist_free(&in);
    mc_kvlist_free(&out);
    if (tc_login_step(&c, MC_STAGE_SECURITY, MC_STAGE_OPERATIONAL, true, k3, &r) != 0) {
        status = -1;
        goto out;
    }
    status = tc_status(&r);
    if (status == 0 && mutual_secret) {
        mc_kvlist ans;
        mc_kvlist_init(&ans);
        mc_text_parse(r.data, r.data_len, 0, &ans, NULL, err, sizeof(err));
        mc_chap_creds tc;
        creds_ok(&tc, "target-name", mutual_secret);
        if (mc_chap_initiator_verify(&mine, &ans, &tc, err, sizeof(err)) != 0)
            status = -1;  /* the target's answer did not prove it knows the secret */
        mc_kvlist_free(&ans);
    }
    mc_pdu_free(&r);
    if (status != 0)
        goto out;
    if (tc_login_step(&c, MC_STAGE_OPERATIONAL, MC_STAGE_FULL_FEATURE, true, NULL, &r) != 0) {
        status = -1;
        goto out;
    }
    status = tc_status(&r);
    if (status == 0 && (!mc_pdu_get(&r, MC_F_TRANSIT) || c.tsih == 0))
        status = -1;
    mc_pdu_free(&r);
    if (status == 0 && tc_nop_ping(&c) != 0)
        status = -1;
out:
    tc_close(&c);
    return status;
}

static void chap(void)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.chap_user = "alice";
    cfg.chap_secret = "secret-of-alice";
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, &cfg) == 0, "CHAP target starts"))
        return;
    tap_is_int(chap_login(tt.port, "secret-of-alice", true), 0, "CHAP login with the right secret");
    tap_is_int(chap_login(tt.port, "not-the-secret", true),
               STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_AUTH_FAILED), "wrong secret: 0x0201");
    tap_is_int(chap_login(tt.port, "secret-of-alice", false),
               STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_AUTH_FAILED), "AuthMethod=None refused: 0x0201");
    tc_conn c;
    tc_connect(&c, tt.port, ISID_A);
    tap_is_int(tc_login(&c, TC_IQN, NULL), STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_AUTH_FAILED),
               "skipping the security stage when CHAP is required: 0x0201");
    tc_close(&c);
    tap_is_int(chap_login_m(tt.port, "secret-of-alice", true, "secret-of-target"),
               STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_AUTH_FAILED),
               "mutual CHAP without target credentials configured: 0x0201");
    tc_target_stop(&tt);

    cfg.chap_mutual_user = "target-name";
    cfg.chap_mutual_secret = "secret-of-target";
    if (!tap_ok(tc_target_start(&tt, &cfg) == 0, "mutual CHAP target starts"))
        return;
    tap_is_int(chap_login_m(tt.port, "secret-of-alice", true, "secret-of-target"), 0,
               "mutual CHAP: the target proves the secret it shares with the initiator");
    tap_is_int(chap_login_m(tt.port, "secret-of-alice", true, "another-secret"), -1,
               "an initiator expecting another secret refuses the target's answer");
    tc_target_stop(&tt);
}

static void timeout(void)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.login_timeout_ms = LOGIN_TIMEOUT_FOR_TEST_MS;
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, &cfg) == 0, "target with a short login timeout starts"))
        return;
    tc_conn idle, busy;
    tc_connect(&idle, tt.port, ISID_A);
    tc_connect(&busy, tt.port, ISID_B);
    tap_is_int(tc_login(&busy, TC_IQN, NULL), 0, "a second initiator logs in");
    tap_ok(tc_wait_closed(&idle, TC_WAIT_MS), "a connection that never logs in is closed");
    tap_is_int(tc_nop_ping(&busy), 0, "the logged-in session is untouched");
    tc_close(&idle);
    tc_close(&busy);
    tc_target_stop(&tt);
}

int main(void)
{
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, NULL) == 0, "target starts on 127.0.0.1 port 0"))
        return tap_done();
    normal_login(&tt);
    name_checks(&tt);
    version_check(&tt);
    key_limits(&tt);
    discovery(&tt);
    tc_target_stop(&tt);
    chap();
    timeout();
    return tap_done();
}
