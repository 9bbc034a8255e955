/* The key table (RFC 7143 sections 12.1, 13) and the per-key negotiation rules (6.2). */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "tap.h"
#include "text.h"

/* Every key the RFC defines for login/text negotiation, written out independently of the table. */
static const char *const rfc_keys[] = {
    "HeaderDigest", "DataDigest", "MaxConnections", "SendTargets", "TargetName", "InitiatorName",
    "TargetAlias", "InitiatorAlias", "TargetAddress", "TargetPortalGroupTag", "InitialR2T",
    "ImmediateData", "MaxRecvDataSegmentLength", "MaxBurstLength", "FirstBurstLength",
    "DefaultTime2Wait", "DefaultTime2Retain", "MaxOutstandingR2T", "DataPDUInOrder",
    "DataSequenceInOrder", "ErrorRecoveryLevel", "SessionType", "TaskReporting", "iSCSIProtocolLevel",
    "AuthMethod", "CHAP_A", "CHAP_I", "CHAP_C", "CHAP_N", "CHAP_R", "OFMarker", "IFMarker", "OFMarkInt",
    "IFMarkInt", "X#NodeArchitecture",
};
#define N_RFC_KEYS (sizeof(rfc_keys) / sizeof(rfc_keys[0]))

static void test_table(void)
{
    int missing = 0, twice = 0;
    for (size_t i = 0; i < N_RFC_KEYS; i++) {
        int n = 0;
        for (unsigned id = 0; id < MC_KEY_COUNT; id++)
            n += strcmp(mc_key_info_of((mc_key_id)id)->name, rfc_keys[i]) == 0;
        if (n == 0) {
            missing++;
            tap_diag("key %s missing", rfc_keys[i]);
        }
        if (n > 1) {
            twice++;
            tap_diag("key %s present %d times", rfc_keys[i], n);
        }
    }
    tap_is_int(missing, 0, "every RFC 7143 section 12/13 key is in the table");
    tap_is_int(twice, 0, "no key is in the table twice");
    tap_is_int(MC_KEY_COUNT, (long long)N_RFC_KEYS, "the table holds nothing else");

    int bad = 0;
    for (unsigned id = 0; id < MC_KEY_COUNT; id++) {
        const mc_key_info *k = mc_key_info_of((mc_key_id)id);
        char err[160];
        if (k->id != (mc_key_id)id || mc_key_lookup(k->name) != k || !k->section) {
            bad++;
            tap_diag("%s: id/lookup mismatch", k->name);
        }
        if (mc_text_check_key(k->name) != MC_TEXT_OK) {
            bad++;
            tap_diag("%s: name fails the key-name syntax", k->name);
        }
        if (k->def && mc_key_check_value(k, k->def, err, sizeof(err)) != 0) {
            bad++;
            tap_diag("%s: default fails its own check: %s", k->name, err);
        }
        if (k->type == MC_KT_LIST && k->def && k->legal && !mc_text_list_has(k->legal, k->def)) {
            bad++;
            tap_diag("%s: default not a legal value", k->name);
        }
        if ((k->rule == MC_RULE_MIN || k->rule == MC_RULE_MAX) && (k->type != MC_KT_NUM || !k->def || k->lo > k->hi)) {
            bad++;
            tap_diag("%s: Minimum/Maximum key without a numerical range and default", k->name);
        }
        if ((k->rule == MC_RULE_AND || k->rule == MC_RULE_OR) && k->type != MC_KT_BOOL) {
            bad++;
            tap_diag("%s: AND/OR key is not boolean", k->name);
        }
    }
    tap_is_int(bad, 0, "table rows are consistent (ids, defaults legal, rules match types)");
    tap_ok(mc_key_lookup("maxburstlength") == NULL, "key names are case sensitive");
    tap_ok(mc_key_is_extension("X-com.example.Foo") && mc_key_is_extension("X#Bar") && !mc_key_is_extension("Xenon"),
           "X- and X# prefixes are extensions");
    tap_is_int((long long)mc_key_value_max("CHAP_R"), MC_TEXT_LARGE_VALUE_MAX, "CHAP_R takes large binary values");
    tap_is_int((long long)mc_key_value_max("TargetName"), MC_TEXT_VALUE_MAX, "TargetName takes 255 bytes");
    const mc_key_info *st = mc_key_lookup("SendTargets");
    tap_ok(st && st->use == MC_USE_FFP && st->senders == MC_SEND_I, "SendTargets: Full Feature Phase, initiator only");
    const mc_key_info *mrdsl = mc_key_lookup("MaxRecvDataSegmentLength");
    tap_ok(mrdsl && mrdsl->rule == MC_RULE_DECL && mrdsl->scope == MC_SCOPE_CO, "MaxRecvDataSegmentLength: declarative, per connection");
    const mc_key_info *mc = mc_key_lookup("MaxConnections");
    tap_ok(mc && mc->scope == MC_SCOPE_LO && (mc->flags & MC_KF_NODISC), "MaxConnections: leading only, irrelevant in discovery");
}

/* Responder answer for one offer in a Normal session during login. */
static const char *answer(const char *key, const char *offer, const char *local, mc_key_answer_kind *kind)
{
    static char buf[MC_KEY_ANSWER_MAX];   /* test helper: one answer at a time */
    *kind = mc_key_respond(key, offer, local, NULL, buf, sizeof(buf));
    return buf;
}

static void test_respond(void)
{
    mc_key_answer_kind k;
    /* Minimum: the lower of offer and responder limit (13.13). */
    tap_is_str(answer("MaxBurstLength", "262144", "65536", &k), "65536", "Minimum: offer 262144, limit 65536 -> 65536");
    tap_is_str(answer("MaxBurstLength", "4096", "65536", &k), "4096", "Minimum: offer 4096, limit 65536 -> 4096");
    tap_is_str(answer("ErrorRecoveryLevel", "2", NULL, &k), "0", "Minimum against the default: ERL 2 vs 0 -> 0");
    /* Maximum (13.15). */
    tap_is_str(answer("DefaultTime2Wait", "2", "5", &k), "5", "Maximum: offer 2, ours 5 -> 5");
    tap_is_str(answer("DefaultTime2Wait", "9", "5", &k), "9", "Maximum: offer 9, ours 5 -> 9");
    /* AND (ImmediateData, 13.11) and OR (InitialR2T, 13.10). */
    tap_is_str(answer("ImmediateData", "Yes", "No", &k), "No", "AND: Yes and No -> No");
    tap_is_str(answer("ImmediateData", "Yes", "Yes", &k), "Yes", "AND: Yes and Yes -> Yes");
    tap_is_str(answer("InitialR2T", "No", "Yes", &k), "Yes", "OR: No or Yes -> Yes");
    tap_is_str(answer("InitialR2T", "No", "No", &k), "No", "OR: No or No -> No");
    /* List selection: first offered value the responder supports (6.2.1). */
    tap_is_str(answer("HeaderDigest", "CRC32C,None", "None", &k), "None", "list: responder without CRC32C picks None");
    tap_is_str(answer("HeaderDigest", "CRC32C,None", "None,CRC32C", &k), "CRC32C",
               "list: the originator's order wins, not the responder's");
    tap_is_str(answer("HeaderDigest", "FooDigest,CRC32C", "CRC32C", &k), "CRC32C", "list: unknown values are skipped");
    tap_is_str(answer("HeaderDigest", "CRC32C", "None", &k), "Reject", "list: nothing acceptable -> Reject");
    tap_is_int(k, MC_ANS_REJECT, "kind Reject");
    tap_is_str(answer("AuthMethod", "CHAP,None", "CHAP", &k), "CHAP", "AuthMethod CHAP selected");
    /* Declarative keys are not answered; a malformed declaration is rejected. */
    answer("MaxRecvDataSegmentLength", "65536", NULL, &k);
    tap_is_int(k, MC_ANS_NONE, "declarative: no answer");
    tap_is_str(answer("MaxRecvDataSegmentLength", "100", NULL, &k), "Reject", "declaration below 512 -> Reject");
    tap_is_str(answer("SessionType", "Sideways", NULL, &k), "Reject", "SessionType outside Discovery/Normal -> Reject");
    tap_is_str(answer("InitiatorName", "host1", NULL, &k), "Reject", "InitiatorName that is no iSCSI name -> Reject");
    /* Reject for bad offers. */
    tap_is_str(answer("MaxBurstLength", "100", NULL, &k), "Reject", "out of range (below 512) -> Reject");
    tap_is_str(answer("MaxBurstLength", "lots", NULL, &k), "Reject", "malformed number -> Reject");
    tap_is_str(answer("InitialR2T", "Maybe", NULL, &k), "Reject", "malformed boolean -> Reject");
    /* NotUnderstood and Irrelevant. */
    tap_is_str(answer("FooBar", "1", NULL, &k), "NotUnderstood", "unknown key -> NotUnderstood");
    tap_is_str(answer("X-com.example.Foo", "1", NULL, &k), "NotUnderstood", "private extension -> NotUnderstood");
    tap_is_str(answer("OFMarker", "Yes", NULL, &k), "Reject", "obsoleted OFMarker -> Reject (13.25)");
    tap_is_str(answer("IFMarkInt", "2048~8192", NULL, &k), "Reject", "obsoleted IFMarkInt -> Reject (13.25)");
    mc_key_ctx disc = {.discovery = true};
    char buf[MC_KEY_ANSWER_MAX];
    tap_is_int(mc_key_respond("MaxConnections", "4", NULL, &disc, buf, sizeof(buf)), MC_ANS_IRRELEVANT,
               "MaxConnections in a discovery session -> Irrelevant (13.2)");
    tap_is_str(buf, "Irrelevant", "the answer text");
    tap_is_int(mc_key_respond("SendTargets", "All", NULL, NULL, buf, sizeof(buf)), MC_ANS_IRRELEVANT,
               "SendTargets during login -> Irrelevant (13.3)");
    mc_key_ctx ffp = {.ffp = true};
    tap_is_int(mc_key_respond("SendTargets", "All", NULL, &ffp, buf, sizeof(buf)), MC_ANS_NONE,
               "SendTargets in Full Feature Phase is left to the caller");
    tap_is_int(mc_key_respond("MaxBurstLength", "4096", NULL, &ffp, buf, sizeof(buf)), MC_ANS_REJECT,
               "a login-only key in Full Feature Phase -> Reject");
}

static void test_result(void)
{
    char res[MC_KEY_ANSWER_MAX], err[200];
    tap_ok(mc_key_result("MaxBurstLength", "262144", "65536", res, sizeof(res), err, sizeof(err)) == 0 &&
               strcmp(res, "65536") == 0, "originator: Minimum result is the answer");
    tap_ok(mc_key_result("MaxBurstLength", "65536", "262144", res, sizeof(res), err, sizeof(err)) == -1,
           "originator: Minimum answer above the offer is illegal: %s", err);
    tap_ok(mc_key_result("DefaultTime2Wait", "5", "2", res, sizeof(res), err, sizeof(err)) == -1,
           "originator: Maximum answer below the offer is illegal: %s", err);
    tap_ok(mc_key_result("ImmediateData", "No", "Yes", res, sizeof(res), err, sizeof(err)) == -1,
           "originator: AND answer Yes to No is illegal: %s", err);
    tap_ok(mc_key_result("InitialR2T", "Yes", "No", res, sizeof(res), err, sizeof(err)) == -1,
           "originator: OR answer No to Yes is illegal: %s", err);
    tap_ok(mc_key_result("InitialR2T", "No", "Yes", res, sizeof(res), err, sizeof(err)) == 0 && strcmp(res, "Yes") == 0,
           "originator: OR No/Yes -> Yes");
    tap_ok(mc_key_result("HeaderDigest", "CRC32C,None", "CRC32C", res, sizeof(res), err, sizeof(err)) == 0 &&
               strcmp(res, "CRC32C") == 0, "originator: list answer among the offered values");
    tap_ok(mc_key_result("HeaderDigest", "None", "CRC32C", res, sizeof(res), err, sizeof(err)) == -1,
           "originator: list answer not offered is illegal: %s", err);
    tap_ok(mc_key_result("HeaderDigest", "CRC32C,None", "CRC32C,None", res, sizeof(res), err, sizeof(err)) == -1,
           "originator: a list answer must be one value");
    tap_ok(mc_key_result("MaxConnections", "4", "Irrelevant", res, sizeof(res), err, sizeof(err)) == 1 &&
               strcmp(res, "1") == 0, "Irrelevant leaves the default");
    tap_ok(mc_key_result("MaxBurstLength", "4096", "12x", res, sizeof(res), err, sizeof(err)) == -1,
           "malformed answer is illegal");
    tap_ok(mc_key_result("X-org.example.K", "a", "b", res, sizeof(res), err, sizeof(err)) == 0 && strcmp(res, "b") == 0,
           "extension key answers are taken as given");
    tap_is_int(mc_key_combine_num(MC_RULE_MIN, 7, 3), 3, "combine Minimum");
    tap_is_int(mc_key_combine_num(MC_RULE_MAX, 7, 3), 7, "combine Maximum");
    tap_ok(!mc_key_combine_bool(MC_RULE_AND, true, false) && mc_key_combine_bool(MC_RULE_OR, true, false),
           "combine AND / OR");
}

int main(void)
{
    test_table();
    test_respond();
    test_result();
    return tap_done();
}
