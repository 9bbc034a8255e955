/* The mirror's login: a Normal session straight from LoginOperationalNegotiation to Full
 * Feature Phase (RFC 7143 6.3, 11.12) without authentication, offering the keys the mirror
 * relies on (section 13), and recording the results in the initiator session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mirror_int.h"
#include "session.h"

#define LOGIN_ROUNDS_MAX 8u        /* operational-stage exchanges before giving up */

static int fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s", what);
    return MC_INI_PROTOCOL;
}

static void apply(mc_ini *ini, const mc_kvlist *l)
{
    const char *v;
    uint32_t n;
    if ((v = mc_kvlist_get(l, "MaxRecvDataSegmentLength")) && mc_text_parse_u32(v, MC_INI_DSL_MIN, MC_DSL_MAX, &n) == MC_TEXT_OK)
        ini->neg.max_send_dsl = n;
    if ((v = mc_kvlist_get(l, "ErrorRecoveryLevel")) && mc_text_parse_u32(v, 0, 2, &n) == MC_TEXT_OK)
        ini->neg.error_recovery_level = n;
    if ((v = mc_kvlist_get(l, "MaxBurstLength")) && mc_text_parse_u32(v, MC_INI_DSL_MIN, MC_DSL_MAX, &n) == MC_TEXT_OK)
        ini->neg.max_burst = n;
    if ((v = mc_kvlist_get(l, "FirstBurstLength")) && mc_text_parse_u32(v, MC_INI_DSL_MIN, MC_DSL_MAX, &n) == MC_TEXT_OK)
        ini->neg.first_burst = n;
    if ((v = mc_kvlist_get(l, "MaxOutstandingR2T")) && mc_text_parse_u32(v, 1, UINT16_MAX, &n) == MC_TEXT_OK)
        ini->neg.max_outstanding_r2t = n;
    if ((v = mc_kvlist_get(l, "InitialR2T")))
        ini->neg.initial_r2t = strcmp(v, "Yes") == 0;
    if ((v = mc_kvlist_get(l, "ImmediateData")))
        ini->neg.immediate_data = strcmp(v, "Yes") == 0;
}

int mm_login(mc_ini *ini, uint64_t deadline, char *err, size_t errlen)
{
    char num[16];
    mc_kvlist offer;
    mc_kvlist_init(&offer);
    snprintf(num, sizeof(num), "%u", (unsigned)ini->p.error_recovery_level);
    int rc = 0;
    rc |= mc_kvlist_add(&offer, "InitiatorName", ini->initiator_name);
    rc |= mc_kvlist_add(&offer, "TargetName", ini->target_name ? ini->target_name : "");
    rc |= mc_kvlist_add(&offer, "SessionType", "Normal");
    rc |= mc_kvlist_add(&offer, "HeaderDigest", "None");
    rc |= mc_kvlist_add(&offer, "DataDigest", "None");
    rc |= mc_kvlist_add(&offer, "ErrorRecoveryLevel", num);
    rc |= mc_kvlist_add(&offer, "InitialR2T", "Yes");
    rc |= mc_kvlist_add(&offer, "ImmediateData", "No");
    rc |= mc_kvlist_add_u32(&offer, "MaxRecvDataSegmentLength", ini->p.max_recv_dsl);
    rc |= mc_kvlist_add_u32(&offer, "MaxBurstLength", ini->p.max_burst);
    rc |= mc_kvlist_add_u32(&offer, "FirstBurstLength", ini->p.first_burst);
    mc_textbuf b;
    mc_textbuf_init(&b);
    if (rc != 0 || mc_text_serialize(&offer, &b) != 0) {
        mc_kvlist_free(&offer);
        mc_textbuf_free(&b);
        snprintf(err, errlen, "out of memory");
        return MC_INI_ERR;
    }
    mc_kvlist_free(&offer);
    ini->neg = (mc_ini_negotiated){.max_send_dsl = MC_INI_LOGIN_DSL, .max_recv_dsl = ini->p.max_recv_dsl,
                                   .max_burst = MC_INI_DEFAULT_MAX_BURST, .first_burst = MC_INI_DEFAULT_FIRST_BURST,
                                   .max_outstanding_r2t = 1, .initial_r2t = true};
    uint32_t itt = mc_ini_next_itt(ini);
    uint64_t isid = 0;
    for (int i = 0; i < 6; i++)
        isid = isid << 8 | ini->p.isid[i];
    uint16_t tsih = 0;
    for (unsigned round = 0; round < LOGIN_ROUNDS_MAX; round++) {
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_LOGIN_REQ);
        mc_pdu_set(&p, MC_F_IMMEDIATE, 1);
        mc_pdu_set(&p, MC_F_TRANSIT, 1);
        mc_pdu_set(&p, MC_F_CSG, MC_STAGE_OPERATIONAL);
        mc_pdu_set(&p, MC_F_NSG, MC_STAGE_FULL_FEATURE);
        mc_pdu_set(&p, MC_F_ISID, isid);
        mc_pdu_set(&p, MC_F_TSIH, tsih);
        mc_pdu_set(&p, MC_F_ITT, itt);
        if (round == 0 && mc_pdu_set_data(&p, b.data, b.len) != 0) {
            mc_pdu_free(&p);
            mc_textbuf_free(&b);
            snprintf(err, errlen, "out of memory");
            return MC_INI_ERR;
        }
        rc = mc_ini_send_pdu(ini, &p, deadline, err, errlen);
        mc_pdu_free(&p);
        if (rc != MC_INI_OK)
            break;
        rc = mc_ini_recv_pdu(ini, &p, deadline, err, errlen);
        if (rc != MC_INI_OK)
            break;
        if (mc_pdu_opcode(&p) != MC_OP_LOGIN_RSP) {
            mc_pdu_free(&p);
            rc = fail(err, errlen, "unexpected PDU during login");
            break;
        }
        ini->login_class = (uint8_t)mc_pdu_get(&p, MC_F_STATUS_CLASS);
        ini->login_detail = (uint8_t)mc_pdu_get(&p, MC_F_STATUS_DETAIL);
        if (ini->login_class != MC_LOGIN_SUCCESS) {
            snprintf(err, errlen, "login refused: class %u detail %u", ini->login_class, ini->login_detail);
            mc_pdu_free(&p);
            rc = MC_INI_REFUSED;
            break;
        }
        mc_kvlist got;
        mc_kvlist_init(&got);
        char perr[128];
        if (p.data_len && mc_text_parse(p.data, p.data_len, MC_TEXT_LENIENT, &got, NULL, perr, sizeof(perr)) == MC_TEXT_OK)
            apply(ini, &got);
        mc_kvlist_free(&got);
        tsih = (uint16_t)mc_pdu_get(&p, MC_F_TSIH);
        bool done = mc_pdu_get(&p, MC_F_TRANSIT) && mc_pdu_get(&p, MC_F_NSG) == MC_STAGE_FULL_FEATURE;
        mc_pdu_free(&p);
        if (done) {
            ini->neg.tsih = tsih;
            ini->full_feature = true;
            ini->recv_limit = ini->p.max_recv_dsl;
            ini->cmdsn = ini->expcmdsn;
            mc_textbuf_free(&b);
            return MC_INI_OK;
        }
    }
    mc_textbuf_free(&b);
    if (rc == MC_INI_OK)
        rc = fail(err, errlen, "login did not reach Full Feature Phase");
    return rc;
}

int mm_logout(mc_ini *ini, uint64_t deadline, char *err, size_t errlen)
{
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_LOGOUT_REQ);
    mc_pdu_set(&p, MC_F_IMMEDIATE, 1);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_LOGOUT_REASON, MC_LOGOUT_SESSION);
    uint32_t itt = mc_ini_next_itt(ini);
    mc_pdu_set(&p, MC_F_ITT, itt);
    int rc = mc_ini_send_pdu(ini, &p, deadline, err, errlen);
    mc_pdu_free(&p);
    /* 11.15: the response may follow other answers still in flight */
    while (rc == MC_INI_OK) {
        rc = mc_ini_recv_pdu(ini, &p, deadline, err, errlen);
        if (rc != MC_INI_OK)
            break;
        bool done = mc_pdu_opcode(&p) == MC_OP_LOGOUT_RSP && mc_pdu_get(&p, MC_F_ITT) == itt;
        mc_pdu_free(&p);
        if (done)
            break;
    }
    return rc;
}
