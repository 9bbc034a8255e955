/* Negotiation state (RFC 7143 6.2) and login stage rules (6.3, 11.12, 11.13). */
#include <stdio.h>
#include <string.h>

#include "login.h"
#include "pdu.h"
#include "tap.h"

static void setup(mc_neg *ini, mc_neg *tgt)
{
    mc_neg_init(ini, MC_ROLE_INITIATOR, true);
    mc_neg_init(tgt, MC_ROLE_TARGET, true);
    mc_neg_set_local(ini, MC_KEY_INITIATOR_NAME, "iqn.2026-01.org.example:host", NULL, 0);
    mc_neg_set_local(ini, MC_KEY_SESSION_TYPE, "Normal", NULL, 0);
    mc_neg_set_local(ini, MC_KEY_TARGET_NAME, "iqn.2026-01.org.example:disk", NULL, 0);
    mc_neg_set_local(ini, MC_KEY_HEADER_DIGEST, "CRC32C,None", NULL, 0);
    mc_neg_set_local_u32(ini, MC_KEY_MAX_BURST_LENGTH, 65536, NULL, 0);
    mc_neg_set_local(ini, MC_KEY_IMMEDIATE_DATA, "No", NULL, 0);
    mc_neg_set_local_u32(ini, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH, 32768, NULL, 0);
    mc_neg_set_local(tgt, MC_KEY_HEADER_DIGEST, "CRC32C,None", NULL, 0);
    mc_neg_set_local_u32(tgt, MC_KEY_MAX_BURST_LENGTH, 262144, NULL, 0);
    mc_neg_set_local_u32(tgt, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH, 65536, NULL, 0);
    mc_neg_set_local_u32(tgt, MC_KEY_TARGET_PORTAL_GROUP_TAG, 1, NULL, 0);
}

static void test_negotiation(void)
{
    mc_neg ini, tgt;
    mc_kvlist req, rsp, back;
    char err[200] = "";
    setup(&ini, &tgt);
    mc_kvlist_init(&req);
    mc_kvlist_init(&rsp);
    mc_kvlist_init(&back);

    tap_is_int(mc_neg_u32(&ini, MC_KEY_MAX_BURST_LENGTH), 262144, "before negotiation MaxBurstLength reads its default");
    tap_ok(mc_neg_bool(&ini, MC_KEY_INITIAL_R2T) && !mc_neg_is_discovery(&ini), "InitialR2T defaults to Yes; Normal session");

    tap_is_int(mc_neg_offer_all(&ini, MC_STAGE_SECURITY, &req, err, sizeof(err)), MC_NEG_OK, "security stage offers");
    tap_ok(mc_kvlist_get(&req, "InitiatorName") && !mc_kvlist_get(&req, "MaxBurstLength"),
           "security stage carries the Any-Stage declarations only");
    tap_is_int(mc_neg_receive(&tgt, MC_STAGE_SECURITY, &req, &rsp, err, sizeof(err)), MC_NEG_OK, "target takes them");
    tap_is_str(mc_neg_str(&tgt, MC_KEY_INITIATOR_NAME), "iqn.2026-01.org.example:host", "target learned InitiatorName");
    mc_kvlist_free(&req);

    mc_kvlist_init(&req);
    mc_neg_offer_all(&ini, MC_STAGE_OPERATIONAL, &req, err, sizeof(err));
    tap_ok(mc_kvlist_get(&req, "MaxBurstLength") && mc_kvlist_get(&req, "HeaderDigest") &&
               mc_kvlist_get(&req, "MaxRecvDataSegmentLength") && !mc_kvlist_get(&req, "InitiatorName") &&
               !mc_kvlist_get(&req, "DataDigest"),
           "operational stage offers non-default keys once, declarations not repeated");
    tap_is_int((long long)mc_neg_pending(&ini), 2, "two offers await answers (ImmediateData=No needs none, 6.2.2)");
    tap_ok(!mc_neg_bool(&ini, MC_KEY_IMMEDIATE_DATA), "offering ImmediateData=No settles it at once (AND)");
    mc_kvlist_add(&req, "X-org.example.Mode", "fast");
    tap_is_int(mc_neg_receive(&tgt, MC_STAGE_OPERATIONAL, &req, &rsp, err, sizeof(err)), MC_NEG_OK, "target answers: %s", err);
    tap_is_str(mc_kvlist_get(&rsp, "MaxBurstLength"), "65536", "answer MaxBurstLength=65536 (Minimum)");
    tap_is_str(mc_kvlist_get(&rsp, "HeaderDigest"), "CRC32C", "answer HeaderDigest=CRC32C");
    tap_is_str(mc_kvlist_get(&rsp, "ImmediateData"), "No", "answer ImmediateData=No (AND)");
    tap_is_str(mc_kvlist_get(&rsp, "X-org.example.Mode"), "NotUnderstood", "unknown private key -> NotUnderstood");
    tap_ok(!mc_kvlist_get(&rsp, "MaxRecvDataSegmentLength"), "a declaration is not answered");
    tap_is_int(mc_neg_u32(&tgt, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH), 32768, "target may send at most the initiator's 32768");
    mc_neg_offer_all(&tgt, MC_STAGE_OPERATIONAL, &rsp, err, sizeof(err));
    tap_ok(mc_kvlist_get(&rsp, "MaxRecvDataSegmentLength") != NULL, "target declares its own MaxRecvDataSegmentLength");

    tap_is_int(mc_neg_receive(&ini, MC_STAGE_OPERATIONAL, &rsp, &back, err, sizeof(err)), MC_NEG_OK, "initiator takes the answers: %s", err);
    tap_is_int((long long)mc_neg_pending(&ini), 0, "no offers outstanding");
    tap_is_int(mc_neg_u32(&ini, MC_KEY_MAX_BURST_LENGTH), 65536, "initiator: MaxBurstLength 65536");
    tap_is_str(mc_neg_str(&ini, MC_KEY_HEADER_DIGEST), "CRC32C", "initiator: HeaderDigest CRC32C");
    tap_ok(!mc_neg_bool(&ini, MC_KEY_IMMEDIATE_DATA) && !mc_neg_bool(&tgt, MC_KEY_IMMEDIATE_DATA), "both: ImmediateData No");
    tap_is_int(mc_neg_u32(&ini, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH), 65536, "initiator may send 65536-byte segments");
    tap_is_int(mc_neg_check(&ini, err, sizeof(err)), MC_NEG_OK, "FirstBurstLength 65536 <= MaxBurstLength 65536");
    mc_dec_limits lim;
    mc_wire_opts wo;
    mc_neg_dec_limits(&ini, &lim);
    mc_neg_wire_opts(&ini, &wo);
    tap_ok(lim.max_data == 32768 && lim.header_digest && !lim.data_digest && wo.header_digest && !wo.data_digest,
           "codec options: receive 32768, header digest on, data digest off");

    /* Renegotiation in the same login (6.2). */
    mc_kvlist again;
    mc_kvlist_init(&again);
    tap_is_int(mc_neg_offer(&ini, MC_KEY_MAX_BURST_LENGTH, &again, err, sizeof(err)), MC_NEG_E_RENEGOTIATE,
               "offering MaxBurstLength twice is refused locally");
    mc_kvlist_add(&again, "MaxBurstLength", "4096");
    mc_kvlist_free(&rsp);
    mc_kvlist_init(&rsp);
    tap_is_int(mc_neg_receive(&tgt, MC_STAGE_OPERATIONAL, &again, &rsp, err, sizeof(err)), MC_NEG_E_RENEGOTIATE,
               "target detects renegotiation: %s", err);
    mc_neg_new_exchange(&tgt);
    mc_kvlist_free(&rsp);
    mc_kvlist_init(&rsp);
    tap_is_int(mc_neg_receive(&tgt, MC_STAGE_OPERATIONAL, &again, &rsp, err, sizeof(err)), MC_NEG_OK,
               "a new exchange may negotiate it again");
    mc_kvlist_free(&again);

    /* A Text exchange in Full Feature Phase: only keys usable there are offered (13.12). */
    mc_kvlist ffp;
    mc_kvlist_init(&ffp);
    mc_neg_new_exchange(&ini);
    mc_neg_set_local_u32(&ini, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH, 16384, NULL, 0);
    tap_is_int(mc_neg_offer_all(&ini, MC_STAGE_FULL_FEATURE, &ffp, err, sizeof(err)), MC_NEG_OK, "FFP offers");
    tap_ok(ffp.count == 1 && mc_kvlist_get(&ffp, "MaxRecvDataSegmentLength"),
           "FFP re-declares MaxRecvDataSegmentLength only (no names, no login-only keys)");
    mc_kvlist_free(&ffp);

    mc_kvlist_free(&req);
    mc_kvlist_free(&rsp);
    mc_kvlist_free(&back);
    mc_neg_free(&ini);
    mc_neg_free(&tgt);
}

static int receive_one(mc_neg *st, int stage, const char *key, const char *value, mc_kvlist *rsp, char *err,
                       size_t errlen)
{
    mc_kvlist in;
    mc_kvlist_init(&in);
    mc_kvlist_add(&in, key, value);
    int rc = mc_neg_receive(st, stage, &in, rsp, err, errlen);
    mc_kvlist_free(&in);
    return rc;
}

static void test_negotiation_errors(void)
{
    mc_neg ini, tgt;
    mc_kvlist rsp, req;
    char err[200];
    setup(&ini, &tgt);
    mc_kvlist_init(&rsp);
    mc_kvlist_init(&req);

    mc_neg_offer(&ini, MC_KEY_MAX_BURST_LENGTH, &req, err, sizeof(err));
    tap_is_int(receive_one(&ini, MC_STAGE_OPERATIONAL, "MaxBurstLength", "131072", &rsp, err, sizeof(err)),
               MC_NEG_E_BAD_ANSWER, "answer above our Minimum offer is a bad answer: %s", err);
    tap_is_int(receive_one(&tgt, MC_STAGE_OPERATIONAL, "CHAP_A", "5", &rsp, err, sizeof(err)), MC_NEG_E_WRONG_STAGE,
               "CHAP_A in the operational stage: %s", err);
    tap_is_int(receive_one(&ini, MC_STAGE_OPERATIONAL, "InitiatorName", "iqn.x", &rsp, err, sizeof(err)),
               MC_NEG_E_WRONG_SENDER, "InitiatorName from a target: %s", err);
    tap_is_int(receive_one(&tgt, MC_STAGE_OPERATIONAL, "TargetAlias", "disk", &rsp, err, sizeof(err)),
               MC_NEG_E_WRONG_SENDER, "TargetAlias from an initiator: %s", err);
    tap_is_int(receive_one(&tgt, MC_STAGE_SECURITY, "AuthMethod", "CHAP,None", &rsp, err, sizeof(err)), MC_NEG_OK,
               "AuthMethod negotiated in the security stage");
    tap_is_str(mc_kvlist_get(&rsp, "AuthMethod"), "None", "target without CHAP configured selects None");
    mc_neg_free(&tgt);
    mc_neg_init(&tgt, MC_ROLE_TARGET, false);
    mc_kvlist_free(&rsp);
    mc_kvlist_init(&rsp);
    tap_is_int(receive_one(&tgt, MC_STAGE_OPERATIONAL, "MaxConnections", "4", &rsp, err, sizeof(err)), MC_NEG_OK,
               "leading-only key on a secondary connection");
    tap_is_str(mc_kvlist_get(&rsp, "MaxConnections"), "Irrelevant", "is answered Irrelevant");
    mc_neg_set_value(&tgt, MC_KEY_SESSION_TYPE, "Discovery");
    mc_neg_free(&tgt);
    mc_neg_init(&tgt, MC_ROLE_TARGET, true);
    mc_kvlist_free(&rsp);
    mc_kvlist_init(&rsp);
    receive_one(&tgt, MC_STAGE_OPERATIONAL, "SessionType", "Discovery", &rsp, err, sizeof(err));
    tap_ok(mc_neg_is_discovery(&tgt), "SessionType=Discovery declared");
    receive_one(&tgt, MC_STAGE_OPERATIONAL, "InitialR2T", "No", &rsp, err, sizeof(err));
    tap_is_str(mc_kvlist_get(&rsp, "InitialR2T"), "Irrelevant", "InitialR2T in discovery -> Irrelevant");
    receive_one(&tgt, MC_STAGE_OPERATIONAL, "OFMarker", "No", &rsp, err, sizeof(err));
    tap_is_str(mc_kvlist_get(&rsp, "OFMarker"), "Reject", "obsoleted OFMarker -> Reject");

    mc_neg_set_value(&tgt, MC_KEY_SESSION_TYPE, "Normal");
    mc_neg_set_value(&tgt, MC_KEY_FIRST_BURST_LENGTH, "131072");
    mc_neg_set_value(&tgt, MC_KEY_MAX_BURST_LENGTH, "65536");
    tap_is_int(mc_neg_check(&tgt, err, sizeof(err)), MC_NEG_E_INCONSISTENT, "FirstBurstLength above MaxBurstLength: %s", err);
    tap_ok(mc_neg_set_local(&tgt, MC_KEY_MAX_BURST_LENGTH, "12", err, sizeof(err)) == -1, "an illegal local value is refused: %s", err);
    int distinct = 1;
    for (int a = 0; a < MC_NEG_E_COUNT; a++)
        for (int b = a + 1; b < MC_NEG_E_COUNT; b++)
            distinct &= strcmp(mc_neg_strerror(a), mc_neg_strerror(b)) != 0;
    tap_ok(distinct, "every negotiation error has its own message");

    mc_kvlist_free(&rsp);
    mc_kvlist_free(&req);
    mc_neg_free(&ini);
    mc_neg_free(&tgt);
}

static void test_stages(void)
{
    mc_login_sm sm;
    char err[200];
    mc_login_sm_init(&sm);
    tap_is_int(mc_login_check_request(&sm, true, false, 0, 1, err, sizeof(err)), 0, "first request: security -> operational");
    tap_is_int(mc_login_check_request(&sm, true, false, 0, 3, err, sizeof(err)), 0, "first request: security -> full feature");
    tap_is_int(mc_login_check_request(&sm, true, false, 1, 3, err, sizeof(err)), 0, "first request may start operational");
    tap_is_int(mc_login_check_request(&sm, false, true, 0, 0, err, sizeof(err)), 0, "C=1 with T=0 is fine");
    tap_is_int(mc_login_check_request(&sm, true, true, 0, 1, err, sizeof(err)), -1, "T and C together: %s", err);
    tap_is_int(mc_login_check_request(&sm, true, false, 3, 3, err, sizeof(err)), -1, "CSG full feature: %s", err);
    tap_is_int(mc_login_check_request(&sm, true, false, 0, 2, err, sizeof(err)), -1, "NSG 2 is reserved: %s", err);
    tap_is_int(mc_login_check_request(&sm, true, false, 1, 0, err, sizeof(err)), -1, "stages do not go back: %s", err);
    tap_is_int(mc_login_check_request(&sm, true, false, 1, 1, err, sizeof(err)), -1, "transit to the same stage: %s", err);

    tap_is_int(mc_login_check_response(&sm, true, 0, 1, true, false, 0, 1, err, sizeof(err)), 0, "response follows the request");
    tap_is_int(mc_login_check_response(&sm, true, 0, 3, true, false, 0, 1, err, sizeof(err)), 0,
               "target may stop short at operational");
    tap_is_int(mc_login_check_response(&sm, false, 0, 0, true, false, 0, 1, err, sizeof(err)), -1,
               "T in a response to T=0: %s", err);
    tap_is_int(mc_login_check_response(&sm, true, 0, 1, true, false, 0, 3, err, sizeof(err)), -1,
               "NSG beyond the request: %s", err);
    tap_is_int(mc_login_check_response(&sm, true, 0, 1, false, false, 1, 0, err, sizeof(err)), -1, "CSG differs: %s", err);

    mc_login_sm_advance(&sm, 0, false, 0);
    tap_is_int(sm.stage, 0, "T=0 stays in the security stage");
    tap_is_int(mc_login_check_request(&sm, true, false, 1, 3, err, sizeof(err)), -1, "CSG must be the current stage: %s", err);
    mc_login_sm_advance(&sm, 0, true, 1);
    tap_ok(sm.stage == 1 && sm.security_done && !sm.finished, "now operational, security done");
    mc_login_sm_advance(&sm, 1, true, 3);
    tap_ok(sm.finished, "full feature phase reached");
    tap_is_int(mc_login_check_request(&sm, true, false, 1, 3, err, sizeof(err)), -1, "no login request after that: %s", err);
    tap_is_str(mc_login_stage_name(1), "LoginOperationalNegotiation", "stage names");
}

int main(void)
{
    test_negotiation();
    test_negotiation_errors();
    test_stages();
    return tap_done();
}
