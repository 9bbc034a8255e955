/* Login (RFC 7143 sections 6, 11.12, 11.13): security stage with CHAP when credentials are set,
 * operational negotiation through the shared key table (login.h), logout (11.14, 11.15). */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "chap.h"
#include "login.h"

#define MC_ISID_TYPE_RANDOM 0x80u  /* ISID T=10b: random qualifier (RFC 7143 10.12.5, RFC 3721) */
#define MC_LOGIN_ROUNDS_MAX 16     /* a login that takes more PDU exchanges than this is babbling */

/* One login conversation: the negotiation state and the PDU-level stage bookkeeping. */
typedef struct login_run {
    mc_ini *ini;
    mc_neg neg;
    mc_login_sm sm;
    uint32_t itt;
    uint64_t isid;
    uint64_t deadline;
    char *err;
    size_t errlen;
} login_run;

static uint64_t make_isid(const mc_ini *ini)
{
    uint64_t isid = 0;
    bool zero = true;
    for (int i = 0; i < 6; i++) {
        isid = isid << 8 | ini->p.isid[i];
        zero = zero && ini->p.isid[i] == 0;
    }
    if (!zero)
        return isid;
    uint8_t r[5] = {0};
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        r[0] = (uint8_t)mc_ini_now_ms();  /* uniqueness only matters against our own sessions */
    isid = MC_ISID_TYPE_RANDOM;
    for (int i = 0; i < 5; i++)
        isid = isid << 8 | r[i];
    return isid;
}

/* Our preferences, put into the shared negotiation state. */
static int set_locals(login_run *lr)
{
    const mc_ini_params *p = &lr->ini->p;
    char *err = lr->err;
    size_t el = lr->errlen;
    int rc = 0;
    rc |= mc_neg_set_local(&lr->neg, MC_KEY_INITIATOR_NAME, p->initiator_name, err, el);
    rc |= mc_neg_set_local(&lr->neg, MC_KEY_SESSION_TYPE, p->discovery ? "Discovery" : "Normal", err, el);
    if (!p->discovery)
        rc |= mc_neg_set_local(&lr->neg, MC_KEY_TARGET_NAME, p->target_name, err, el);
    rc |= mc_neg_set_local(&lr->neg, MC_KEY_HEADER_DIGEST, p->header_digest ? "CRC32C,None" : "None", err, el);
    rc |= mc_neg_set_local(&lr->neg, MC_KEY_DATA_DIGEST, p->data_digest ? "CRC32C,None" : "None", err, el);
    rc |= mc_neg_set_local_u32(&lr->neg, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH, p->max_recv_dsl, err, el);
    if (!p->discovery) {
        rc |= mc_neg_set_local(&lr->neg, MC_KEY_INITIAL_R2T, p->initial_r2t ? "Yes" : "No", err, el);
        rc |= mc_neg_set_local(&lr->neg, MC_KEY_IMMEDIATE_DATA, p->no_immediate_data ? "No" : "Yes", err, el);
        rc |= mc_neg_set_local_u32(&lr->neg, MC_KEY_MAX_BURST_LENGTH, p->max_burst, err, el);
        rc |= mc_neg_set_local_u32(&lr->neg, MC_KEY_FIRST_BURST_LENGTH, p->first_burst, err, el);
        rc |= mc_neg_set_local_u32(&lr->neg, MC_KEY_MAX_OUTSTANDING_R2T, p->max_outstanding_r2t, err, el);
    }
    rc |= mc_neg_set_local_u32(&lr->neg, MC_KEY_ERROR_RECOVERY_LEVEL, p->error_recovery_level, err, el);
    if (p->chap_user && p->chap_secret)
        rc |= mc_neg_set_local(&lr->neg, MC_KEY_AUTH_METHOD, "CHAP", err, el);
    return rc ? MC_INI_ERR : MC_INI_OK;
}

/* Sends one Login Request with the given keys and stage flags; returns the complete response key
 * list, asking for the rest of a response sent with C=1 (11.13.3) by empty requests. */
static int exchange(login_run *lr, const mc_kvlist *keys, int csg, int nsg, bool transit, mc_pdu *rsp,
                    mc_kvlist *got)
{
    mc_ini *ini = lr->ini;
    mc_textbuf tb;
    mc_textbuf_init(&tb);
    if (keys && mc_text_serialize(keys, &tb) != 0) {
        mc_textbuf_free(&tb);
        return mc_ini_fail(lr->err, lr->errlen, MC_INI_ERR, "login keys do not fit one exchange");
    }
    if (tb.len > MC_INI_LOGIN_DSL) {
        mc_textbuf_free(&tb);
        return mc_ini_fail(lr->err, lr->errlen, MC_INI_ERR, "login keys exceed %u bytes", MC_INI_LOGIN_DSL);
    }
    mc_text_acc acc;
    mc_text_acc_init(&acc, 0);
    int rc = MC_INI_OK;
    bool first = true;
    for (int round = 0; rc == MC_INI_OK; round++) {
        if (round > MC_LOGIN_ROUNDS_MAX) {
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL, "login response continued too long");
            break;
        }
        mc_pdu req;
        mc_pdu_init(&req, MC_OP_LOGIN_REQ);
        mc_pdu_set(&req, MC_F_IMMEDIATE, 1);  /* Login requests are immediate (11.12) */
        bool t = first && transit;
        mc_pdu_set(&req, MC_F_TRANSIT, t);
        mc_pdu_set(&req, MC_F_CSG, (uint64_t)csg);
        mc_pdu_set(&req, MC_F_NSG, t ? (uint64_t)nsg : 0);
        mc_pdu_set(&req, MC_F_ISID, lr->isid);
        mc_pdu_set(&req, MC_F_TSIH, 0);
        mc_pdu_set(&req, MC_F_ITT, lr->itt);
        mc_pdu_set(&req, MC_F_CID, 0);
        if (first && tb.len && mc_pdu_set_data(&req, tb.data, tb.len) != 0)
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_ERR, "out of memory");
        if (rc == MC_INI_OK)
            rc = mc_ini_send_pdu(ini, &req, lr->deadline, lr->err, lr->errlen);
        mc_pdu_free(&req);
        if (rc != MC_INI_OK)
            break;
        rc = mc_ini_recv_any(ini, rsp, lr->deadline, lr->err, lr->errlen);
        if (rc != MC_INI_OK)
            break;
        if (mc_pdu_opcode(rsp) != MC_OP_LOGIN_RSP) {
            uint8_t op = mc_pdu_opcode(rsp);
            rc = op == MC_OP_REJECT ? mc_ini_rejected(rsp, lr->err, lr->errlen)
                                    : mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL,
                                                  "expected a Login Response, got opcode 0x%02x", op);
            mc_pdu_free(rsp);
            break;
        }
        ini->login_class = (uint8_t)mc_pdu_get(rsp, MC_F_STATUS_CLASS);
        ini->login_detail = (uint8_t)mc_pdu_get(rsp, MC_F_STATUS_DETAIL);
        if (ini->login_class != MC_LOGIN_SUCCESS) {
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_REFUSED,
                             "login refused: status class %u detail 0x%02x%s", ini->login_class,
                             ini->login_detail,
                             ini->login_class == MC_LOGIN_INITIATOR_ERR && ini->login_detail == MC_LOGIN_D_AUTH_FAILED
                                 ? " (authentication failed)"
                                 : ini->login_class == MC_LOGIN_INITIATOR_ERR && ini->login_detail == MC_LOGIN_D_NOT_FOUND
                                       ? " (target not found)" : "");
            mc_pdu_free(rsp);
            break;
        }
        if (mc_pdu_get(rsp, MC_F_ITT) != lr->itt) {
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL, "Login Response ITT 0x%08x, sent 0x%08x",
                             (unsigned)mc_pdu_get(rsp, MC_F_ITT), lr->itt);
            mc_pdu_free(rsp);
            break;
        }
        bool cont = mc_pdu_get(rsp, MC_F_CONTINUE) != 0;
        char cerr[160];
        if (mc_login_check_response(&lr->sm, t, csg, nsg, mc_pdu_get(rsp, MC_F_TRANSIT) != 0, cont,
                                    (int)mc_pdu_get(rsp, MC_F_CSG), (int)mc_pdu_get(rsp, MC_F_NSG), cerr,
                                    sizeof cerr) != 0) {
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL, "Login Response: %s", cerr);
            mc_pdu_free(rsp);
            break;
        }
        int a = mc_text_acc_add(&acc, rsp->data, rsp->data_len, cont, cerr, sizeof cerr);
        if (a < 0) {
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL, "Login Response keys: %s", cerr);
            mc_pdu_free(rsp);
            break;
        }
        if (a == 1)
            break;
        mc_pdu_free(rsp);
        first = false;
    }
    if (rc == MC_INI_OK) {
        char perr[160];
        int p = mc_text_parse(acc.buf.data, acc.buf.len, 0, got, NULL, perr, sizeof perr);
        if (p != MC_TEXT_OK) {
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL, "Login Response keys: %s", perr);
            mc_pdu_free(rsp);
        }
    }
    mc_text_acc_free(&acc);
    mc_textbuf_free(&tb);
    return rc;
}

/* Feeds the target's keys to the negotiation; the replies to send back land in replies. */
static int absorb(login_run *lr, int stage, const mc_kvlist *got, mc_kvlist *replies)
{
    char nerr[160];
    int n = mc_neg_receive(&lr->neg, stage, got, replies, nerr, sizeof nerr);
    if (n != MC_NEG_OK)
        return mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL, "login negotiation: %s", nerr);
    return MC_INI_OK;
}

/* 12.1.3: AuthMethod=CHAP, then CHAP_A, then CHAP_N/CHAP_R answering the target's challenge. */
static int security_stage(login_run *lr)
{
    mc_kvlist out, got, replies;
    mc_kvlist_init(&out);
    mc_kvlist_init(&got);
    mc_kvlist_init(&replies);
    mc_pdu rsp;
    char cerr[160];
    int rc = MC_INI_OK;
    if (mc_neg_offer_all(&lr->neg, MC_STAGE_SECURITY, &out, cerr, sizeof cerr) != MC_NEG_OK)
        rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_ERR, "login offer: %s", cerr);
    if (rc == MC_INI_OK)
        rc = exchange(lr, &out, MC_STAGE_SECURITY, MC_STAGE_OPERATIONAL, false, &rsp, &got);
    if (rc == MC_INI_OK) {
        mc_pdu_free(&rsp);
        rc = absorb(lr, MC_STAGE_SECURITY, &got, &replies);
    }
    if (rc == MC_INI_OK && strcmp(mc_neg_str(&lr->neg, MC_KEY_AUTH_METHOD), "CHAP") != 0)
        rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_REFUSED, "target did not accept AuthMethod=CHAP (answered %s)",
                         mc_kvlist_get(&got, "AuthMethod") ? mc_kvlist_get(&got, "AuthMethod") : "nothing");
    mc_kvlist_free(&out);
    mc_kvlist_init(&out);
    for (size_t i = 0; rc == MC_INI_OK && i < replies.count; i++)
        if (mc_kvlist_add(&out, replies.items[i].key, replies.items[i].value) != 0)
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_ERR, "out of memory");
    if (rc == MC_INI_OK && mc_kvlist_add_u32(&out, "CHAP_A", MC_CHAP_ALG_MD5) != 0)  /* MD5 (12.1.3) */
        rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_ERR, "out of memory");
    mc_kvlist_free(&got);
    mc_kvlist_init(&got);
    if (rc == MC_INI_OK) {
        rc = exchange(lr, &out, MC_STAGE_SECURITY, MC_STAGE_OPERATIONAL, false, &rsp, &got);
        if (rc == MC_INI_OK)
            mc_pdu_free(&rsp);
    }
    mc_kvlist_free(&out);
    mc_kvlist_init(&out);
    if (rc == MC_INI_OK) {
        mc_chap_creds creds;
        if (mc_chap_creds_set(&creds, lr->ini->p.chap_user, lr->ini->p.chap_secret) != 0)
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_ERR, "CHAP user or secret too long");
        else if (mc_chap_initiator_respond(&got, &creds, NULL, &out, cerr, sizeof cerr) != 0)
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL, "CHAP: %s", cerr);
        memset(&creds, 0, sizeof creds);
    }
    mc_kvlist_free(&got);
    mc_kvlist_init(&got);
    if (rc == MC_INI_OK)
        rc = exchange(lr, &out, MC_STAGE_SECURITY, MC_STAGE_OPERATIONAL, true, &rsp, &got);
    if (rc == MC_INI_OK) {
        bool transit = mc_pdu_get(&rsp, MC_F_TRANSIT) != 0;
        mc_login_sm_advance(&lr->sm, MC_STAGE_SECURITY, transit, (int)mc_pdu_get(&rsp, MC_F_NSG));
        mc_pdu_free(&rsp);
        if (!transit)
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL,
                             "target kept the security stage after the CHAP response");
    }
    mc_kvlist_free(&out);
    mc_kvlist_free(&got);
    mc_kvlist_free(&replies);
    return rc;
}

/* 6.3: offers the operational keys with T=1 toward Full Feature Phase, answering the target's own
 * offers, until a response with T=1 and NSG=FullFeaturePhase. */
static int operational_stage(login_run *lr, mc_pdu *final)
{
    mc_kvlist out;
    mc_kvlist_init(&out);
    char cerr[160];
    int rc = MC_INI_OK;
    if (mc_neg_offer_all(&lr->neg, MC_STAGE_OPERATIONAL, &out, cerr, sizeof cerr) != MC_NEG_OK)
        rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_ERR, "login offer: %s", cerr);
    for (int round = 0; rc == MC_INI_OK; round++) {
        if (round > MC_LOGIN_ROUNDS_MAX) {
            rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL, "operational negotiation does not end");
            break;
        }
        mc_kvlist got, replies;
        mc_kvlist_init(&got);
        mc_kvlist_init(&replies);
        rc = exchange(lr, &out, MC_STAGE_OPERATIONAL, MC_STAGE_FULL_FEATURE, true, final, &got);
        if (rc == MC_INI_OK) {
            rc = absorb(lr, MC_STAGE_OPERATIONAL, &got, &replies);
            if (rc != MC_INI_OK)
                mc_pdu_free(final);
        }
        mc_kvlist_free(&got);
        mc_kvlist_free(&out);
        out = replies;
        if (rc != MC_INI_OK)
            break;
        bool transit = mc_pdu_get(final, MC_F_TRANSIT) != 0;
        int nsg = (int)mc_pdu_get(final, MC_F_NSG);
        mc_login_sm_advance(&lr->sm, MC_STAGE_OPERATIONAL, transit, nsg);
        if (transit && nsg == MC_STAGE_FULL_FEATURE) {
            if (out.count)  /* 6.2: the last answers may not be left unsent; the target ended too early */
                rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL,
                                 "target ended the login while offering %s", out.items[0].key);
            else if (mc_neg_pending(&lr->neg))
                rc = mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL,
                                 "target ended the login without answering %zu offered keys",
                                 mc_neg_pending(&lr->neg));
            if (rc != MC_INI_OK)
                mc_pdu_free(final);
            break;
        }
        mc_pdu_free(final);
    }
    mc_kvlist_free(&out);
    return rc;
}

/* Copies the results into the session: limits, digests, numbering (4.2.2, 13.*). */
static int enter_full_feature(login_run *lr, const mc_pdu *final)
{
    mc_ini *ini = lr->ini;
    char cerr[160];
    if (mc_neg_check(&lr->neg, cerr, sizeof cerr) != MC_NEG_OK)
        return mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL, "login results: %s", cerr);
    mc_ini_negotiated *n = &ini->neg;
    n->header_digest = strcmp(mc_neg_str(&lr->neg, MC_KEY_HEADER_DIGEST), "CRC32C") == 0;
    n->data_digest = strcmp(mc_neg_str(&lr->neg, MC_KEY_DATA_DIGEST), "CRC32C") == 0;
    n->immediate_data = mc_neg_bool(&lr->neg, MC_KEY_IMMEDIATE_DATA);
    n->initial_r2t = mc_neg_bool(&lr->neg, MC_KEY_INITIAL_R2T);
    n->max_send_dsl = mc_neg_u32(&lr->neg, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH);
    if (n->max_send_dsl < MC_INI_DSL_MIN)
        n->max_send_dsl = MC_INI_LOGIN_DSL;  /* 13.12: the default when the target declared nothing */
    n->max_recv_dsl = ini->p.max_recv_dsl;
    n->max_burst = mc_neg_u32(&lr->neg, MC_KEY_MAX_BURST_LENGTH);
    n->first_burst = mc_neg_u32(&lr->neg, MC_KEY_FIRST_BURST_LENGTH);
    n->max_outstanding_r2t = mc_neg_u32(&lr->neg, MC_KEY_MAX_OUTSTANDING_R2T);
    n->error_recovery_level = mc_neg_u32(&lr->neg, MC_KEY_ERROR_RECOVERY_LEVEL);
    n->tsih = (uint16_t)mc_pdu_get(final, MC_F_TSIH);
    if (n->tsih == 0)  /* 11.13.4: the final response of a new session carries a non-zero TSIH */
        return mc_ini_fail(lr->err, lr->errlen, MC_INI_PROTOCOL, "final Login Response has TSIH 0");
    mc_neg_wire_opts(&lr->neg, &ini->wire);
    ini->recv_limit = n->max_recv_dsl;
    ini->expcmdsn = (uint32_t)mc_pdu_get(final, MC_F_EXPCMDSN);
    ini->maxcmdsn = (uint32_t)mc_pdu_get(final, MC_F_MAXCMDSN);
    ini->full_feature = true;
    return MC_INI_OK;
}

int mc_ini_login(mc_ini *ini, uint64_t deadline, char *err, size_t errlen)
{
    if (ini->fd < 0)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "not connected");
    if (ini->full_feature)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "already logged in");
    if (!ini->p.discovery && !ini->p.target_name)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "a normal session needs a target name");
    if ((ini->p.chap_user == NULL) != (ini->p.chap_secret == NULL))
        return mc_ini_fail(err, errlen, MC_INI_ERR, "CHAP needs both a user and a secret");
    login_run lr = {.ini = ini, .itt = mc_ini_next_itt(ini), .isid = make_isid(ini), .deadline = deadline,
                    .err = err, .errlen = errlen};
    mc_neg_init(&lr.neg, MC_ROLE_INITIATOR, true);
    mc_login_sm_init(&lr.sm);
    ini->wire = (mc_wire_opts){0};       /* digests start after login (13.1) */
    ini->recv_limit = MC_INI_LOGIN_DSL;
    int rc = set_locals(&lr);
    if (rc != MC_INI_OK && err && !err[0])
        mc_ini_fail(err, errlen, rc, "login parameters rejected");
    /* Without authentication the login starts in the operational stage (6.3). */
    if (rc == MC_INI_OK && ini->p.chap_user)
        rc = security_stage(&lr);
    mc_pdu final;
    if (rc == MC_INI_OK)
        rc = operational_stage(&lr, &final);
    if (rc == MC_INI_OK) {
        rc = enter_full_feature(&lr, &final);
        mc_pdu_free(&final);
    }
    mc_neg_free(&lr.neg);
    return rc;
}

int mc_ini_logout(mc_ini *ini, uint64_t deadline, char *err, size_t errlen)
{
    if (!ini->full_feature)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "not logged in");
    mc_pdu req;
    mc_pdu_init(&req, MC_OP_LOGOUT_REQ);
    mc_pdu_set(&req, MC_F_IMMEDIATE, 1);
    mc_pdu_set(&req, MC_F_FINAL, 1);
    mc_pdu_set(&req, MC_F_LOGOUT_REASON, MC_LOGOUT_SESSION);
    uint32_t itt = mc_ini_next_itt(ini);
    mc_pdu_set(&req, MC_F_ITT, itt);
    int rc = mc_ini_send_pdu(ini, &req, deadline, err, errlen);
    mc_pdu_free(&req);
    while (rc == MC_INI_OK) {
        mc_pdu rsp;
        rc = mc_ini_recv_pdu(ini, &rsp, deadline, err, errlen);
        if (rc != MC_INI_OK)
            break;
        uint8_t op = mc_pdu_opcode(&rsp);
        if (op == MC_OP_LOGOUT_RSP && mc_pdu_get(&rsp, MC_F_ITT) == itt) {
            uint8_t r = (uint8_t)mc_pdu_get(&rsp, MC_F_RESPONSE);
            mc_pdu_free(&rsp);
            if (r != MC_LOGOUT_RSP_OK)
                rc = mc_ini_fail(err, errlen, MC_INI_REFUSED, "Logout Response %u", r);
            ini->full_feature = false;
            break;
        }
        if (op == MC_OP_REJECT)
            rc = mc_ini_rejected(&rsp, err, errlen);
        else if (op != MC_OP_NOP_IN && op != MC_OP_ASYNC)
            rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "expected a Logout Response, got opcode 0x%02x", op);
        mc_pdu_free(&rsp);
    }
    return rc;
}
