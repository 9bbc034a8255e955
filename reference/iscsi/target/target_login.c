/* The login phase on the target side (RFC 7143 6, 11.12-11.13, 12, 13): stages and transit,
 * ISID/TSIH, discovery and normal sessions, CHAP, key negotiation through the codec's table. */
#include <stdlib.h>
#include <string.h>

#include "chap.h"
#include "login.h"
#include "target_int.h"

#define STATUS(cls, det) (((unsigned)(cls) << 8) | (unsigned)(det))  /* class/detail, 11.13.5 */
#define STATUS_DETAIL_MASK 0xffu
#define MRDSL_DEFAULT 8192u      /* MaxRecvDataSegmentLength before any declaration (13.12) */
#define OUR_MAX_BURST 262144u
#define OUR_FIRST_BURST 65536u
#define OUR_MAX_OUTSTANDING_R2T 16u
#define OUR_ERL 1u
#define ISCSI_VERSION 0x00u      /* the only version number RFC 7143 defines (11.12.4) */

typedef enum auth_step { AUTH_NONE_NEEDED, AUTH_WANT_METHOD, AUTH_WANT_ALG, AUTH_WANT_RESPONSE, AUTH_DONE } auth_step;

struct tgt_login {
    mc_login_sm sm;
    mc_neg neg;
    mc_text_acc acc;
    bool started;
    bool first_answered;
    uint64_t isid;
    uint16_t tsih;
    uint16_t cid;
    uint32_t cmdsn;
    char *initiator;
    bool discovery;
    auth_step auth;
    mc_chap_state chap;
};

void tgt_params_default(mc_session_params *p)
{
    memset(p, 0, sizeof(*p));
    p->mrdsl_out = MRDSL_DEFAULT;
    p->mrdsl_in = TGT_OUR_MRDSL;
    p->max_burst = OUR_MAX_BURST;
    p->first_burst = OUR_FIRST_BURST;
    p->max_outstanding_r2t = 1;
    p->time2wait = 2;
    p->time2retain = 20;
    p->max_connections = 1;
    p->initial_r2t = true;
    p->immediate_data = true;
    p->data_pdu_in_order = true;
    p->data_seq_in_order = true;
}

void tgt_login_free(struct tgt_login *l)
{
    if (!l)
        return;
    mc_neg_free(&l->neg);
    mc_text_acc_free(&l->acc);
    free(l->initiator);
    free(l);
}

static int set_locals(mc_target *t, struct tgt_login *l)
{
    char err[128];
    int r = 0;
    r |= mc_neg_set_local(&l->neg, MC_KEY_HEADER_DIGEST, "CRC32C,None", err, sizeof(err));
    r |= mc_neg_set_local(&l->neg, MC_KEY_DATA_DIGEST, "CRC32C,None", err, sizeof(err));
    r |= mc_neg_set_local(&l->neg, MC_KEY_INITIAL_R2T, "No", err, sizeof(err));
    r |= mc_neg_set_local(&l->neg, MC_KEY_IMMEDIATE_DATA, "Yes", err, sizeof(err));
    r |= mc_neg_set_local_u32(&l->neg, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH, TGT_OUR_MRDSL, err, sizeof(err));
    r |= mc_neg_set_local_u32(&l->neg, MC_KEY_MAX_BURST_LENGTH, OUR_MAX_BURST, err, sizeof(err));
    r |= mc_neg_set_local_u32(&l->neg, MC_KEY_FIRST_BURST_LENGTH, OUR_FIRST_BURST, err, sizeof(err));
    r |= mc_neg_set_local_u32(&l->neg, MC_KEY_MAX_OUTSTANDING_R2T, OUR_MAX_OUTSTANDING_R2T, err, sizeof(err));
    r |= mc_neg_set_local_u32(&l->neg, MC_KEY_ERROR_RECOVERY_LEVEL, OUR_ERL, err, sizeof(err));
    r |= mc_neg_set_local_u32(&l->neg, MC_KEY_MAX_CONNECTIONS, 1, err, sizeof(err));
    r |= mc_neg_set_local(&l->neg, MC_KEY_AUTH_METHOD, t->chap_user ? "CHAP" : "None", err, sizeof(err));
    return r ? -1 : 0;
}

static struct tgt_login *login_new(tgt_conn *c)
{
    struct tgt_login *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    mc_login_sm_init(&l->sm);
    mc_neg_init(&l->neg, MC_ROLE_TARGET, true);
    mc_text_acc_init(&l->acc, 0);
    l->auth = c->t->chap_user ? AUTH_WANT_METHOD : AUTH_NONE_NEEDED;
    if (set_locals(c->t, l) != 0) {
        tgt_login_free(l);
        return NULL;
    }
    return l;
}

/* Sends one Login Response; a failure status ends the connection once it is sent (11.13.5). */
static void respond(tgt_conn *c, const mc_pdu *req, unsigned status, bool transit, int nsg,
                    const mc_kvlist *keys, uint16_t tsih)
{
    struct tgt_login *l = c->login;
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_LOGIN_RSP);
    mc_pdu_set(&r, MC_F_TRANSIT, transit);
    mc_pdu_set(&r, MC_F_CSG, mc_pdu_get(req, MC_F_CSG));
    mc_pdu_set(&r, MC_F_NSG, transit ? (uint64_t)nsg : 0);
    mc_pdu_set(&r, MC_F_VERSION_MAX, ISCSI_VERSION);
    mc_pdu_set(&r, MC_F_VERSION_ACTIVE, ISCSI_VERSION);
    mc_pdu_set(&r, MC_F_ISID, mc_pdu_get(req, MC_F_ISID));
    mc_pdu_set(&r, MC_F_TSIH, tsih);
    mc_pdu_set(&r, MC_F_ITT, mc_pdu_get(req, MC_F_ITT));
    /* 11.13.4: the first response starts the connection's StatSN; each later response of any
     * kind, login included, carries the next number */
    mc_pdu_set(&r, MC_F_STATSN, c->statsn);
    if (!tgt_mutant(c->t, MC_MUTANT_LOGIN_STATSN_WRONG) || c->phase == PHASE_FFP)
        c->statsn++;
    uint32_t cmdsn = l ? l->cmdsn : (uint32_t)mc_pdu_get(req, MC_F_CMDSN);
    uint32_t maxcmdsn = status ? cmdsn : cmdsn + TGT_QUEUE_DEPTH - 1u;
    tgt_session *joined = l && l->tsih ? tgt_session_find(c->t, l->isid, l->tsih, l->initiator) : NULL;
    if (joined) {  /* a connection of a running session: the session's window (4.2.2.1) */
        cmdsn = joined->exp_cmdsn;
        maxcmdsn = joined->max_cmdsn;
    }
    mc_pdu_set(&r, MC_F_EXPCMDSN, cmdsn);
    mc_pdu_set(&r, MC_F_MAXCMDSN, maxcmdsn);
    mc_pdu_set(&r, MC_F_STATUS_CLASS, status >> 8);
    mc_pdu_set(&r, MC_F_STATUS_DETAIL, status & STATUS_DETAIL_MASK);
    if (keys && keys->count > 0) {
        mc_textbuf b;
        mc_textbuf_init(&b);
        if (mc_text_serialize(keys, &b) == 0)
            mc_pdu_set_data(&r, b.data, b.len);
        mc_textbuf_free(&b);
    }
    tgt_send(c, &r, MC_SEND_STATSN_NONE, false);
    mc_pdu_free(&r);
    if (status != 0) {
        tgt_log(c, 0, "login failed with status 0x%04x", status);
        c->closing = true;
    }
}

static void fail(tgt_conn *c, const mc_pdu *req, unsigned status, const char *why)
{
    tgt_log(c, 0, "login: %s", why);
    respond(c, req, status, false, 0, NULL, 0);
}

static bool chap_lookup(void *arg, const char *name, mc_chap_creds *out)
{
    mc_target *t = arg;
    if (strcmp(name, t->chap_user) != 0)
        return false;
    return mc_chap_creds_set(out, t->chap_user, t->chap_secret) == 0;
}

#define CHAP_KEY_PREFIX "CHAP_"

static bool is_chap_key(const char *k)
{
    return strncmp(k, CHAP_KEY_PREFIX, strlen(CHAP_KEY_PREFIX)) == 0;
}

/* The security stage's own keys (12.1): AuthMethod choice and the CHAP exchange. Returns 0,
 * or a login status to fail with. CHAP keys are consumed here and removed from kv. */
static unsigned security(tgt_conn *c, struct tgt_login *l, mc_kvlist *kv, mc_kvlist *replies, char *why,
                         size_t whylen)
{
    mc_target *t = c->t;
    const char *am = mc_kvlist_get(kv, "AuthMethod");
    if (am && l->auth == AUTH_WANT_METHOD) {
        if (!mc_text_list_has(am, "CHAP")) {
            snprintf(why, whylen, "CHAP required, initiator offered AuthMethod=%.64s", am);
            return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_AUTH_FAILED);
        }
        l->auth = AUTH_WANT_ALG;
    } else if (am && l->auth == AUTH_NONE_NEEDED && !mc_text_list_has(am, "None")) {
        snprintf(why, whylen, "no common AuthMethod in %.64s", am);
        return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_AUTH_FAILED);
    }
    char err[160];
    const char *alg = mc_kvlist_get(kv, "CHAP_A");
    if (alg) {
        if (l->auth != AUTH_WANT_ALG) {
            snprintf(why, whylen, "CHAP_A out of turn");
            return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_INITIATOR_ERROR);
        }
        if (mc_chap_target_challenge(&l->chap, alg, replies, err, sizeof(err)) != 0) {
            snprintf(why, whylen, "CHAP: %s", err);
            return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_AUTH_FAILED);
        }
        l->auth = AUTH_WANT_RESPONSE;
    } else if (mc_kvlist_get(kv, "CHAP_R") || mc_kvlist_get(kv, "CHAP_N")) {
        if (l->auth != AUTH_WANT_RESPONSE) {
            snprintf(why, whylen, "CHAP_N/CHAP_R out of turn");
            return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_INITIATOR_ERROR);
        }
        mc_chap_creds mine;
        bool mutual = t->chap_mutual_user &&
                      mc_chap_creds_set(&mine, t->chap_mutual_user, t->chap_mutual_secret) == 0;
        if (mc_chap_target_verify(&l->chap, kv, chap_lookup, t, mutual ? &mine : NULL, replies, err,
                                  sizeof(err)) != 0) {
            snprintf(why, whylen, "CHAP: %s", err);
            return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_AUTH_FAILED);
        }
        l->auth = AUTH_DONE;
        tgt_log(c, 1, "CHAP authenticated");
    }
    for (size_t i = 0; i < kv->count;) {
        if (is_chap_key(kv->items[i].key))
            mc_kvlist_remove(kv, kv->items[i].key);
        else
            i++;
    }
    return 0;
}

/* Checks of the first request: version, names, session type, TSIH (11.12, 13.4, 13.5). */
static unsigned first_request(tgt_conn *c, struct tgt_login *l, const mc_pdu *p, const mc_kvlist *kv,
                              char *why, size_t whylen)
{
    mc_target *t = c->t;
    if (mc_pdu_get(p, MC_F_VERSION_MIN) > ISCSI_VERSION) {
        snprintf(why, whylen, "no common version");
        return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_UNSUPPORTED_VERSION);
    }
    l->isid = mc_pdu_get(p, MC_F_ISID);
    l->tsih = (uint16_t)mc_pdu_get(p, MC_F_TSIH);
    l->cid = (uint16_t)mc_pdu_get(p, MC_F_CID);
    l->cmdsn = (uint32_t)mc_pdu_get(p, MC_F_CMDSN);
    const char *in = mc_kvlist_get(kv, "InitiatorName");
    const char *st = mc_kvlist_get(kv, "SessionType");
    const char *tn = mc_kvlist_get(kv, "TargetName");
    if (!in) {
        snprintf(why, whylen, "InitiatorName missing");
        return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_MISSING_PARAMETER);
    }
    l->initiator = strdup(in);
    if (!l->initiator) {
        snprintf(why, whylen, "out of memory");
        return STATUS(MC_LOGIN_TARGET_ERR, MC_LOGIN_D_OUT_OF_RESOURCES);
    }
    if (st && strcmp(st, "Discovery") != 0 && strcmp(st, "Normal") != 0) {
        snprintf(why, whylen, "SessionType %.32s not supported", st);
        return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_SESSION_TYPE);
    }
    l->discovery = st && strcmp(st, "Discovery") == 0;
    if (!l->discovery) {
        if (!tn) {
            snprintf(why, whylen, "TargetName missing in a normal session");
            return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_MISSING_PARAMETER);
        }
        if (strcmp(tn, t->iqn) != 0) {
            snprintf(why, whylen, "TargetName %.200s not served here", tn);
            return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_NOT_FOUND);
        }
    }
    if (l->tsih != 0) {
        /* 6.3.1: a non-zero TSIH adds a connection to an existing session */
        tgt_session *s = tgt_session_find(t, l->isid, l->tsih, l->initiator);
        if (!s) {
            snprintf(why, whylen, "TSIH %u names no session", (unsigned)l->tsih);
            return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_SESSION_NOT_EXIST);
        }
        if (!s->conn || s->conn->cid != l->cid) {
            snprintf(why, whylen, "MaxConnections is 1");
            return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_TOO_MANY_CONNECTIONS);
        }
        /* 6.3.4: the same CID again is connection reinstatement; the session's LO keys stay */
        l->neg.leading = false;
        l->discovery = s->discovery;
    }
    if (l->auth != AUTH_NONE_NEEDED && mc_pdu_get(p, MC_F_CSG) != MC_STAGE_SECURITY) {
        snprintf(why, whylen, "security stage skipped while CHAP is required");
        return STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_AUTH_FAILED);
    }
    return 0;
}

/* Moves the connection into full feature phase with a new session (6.3.5: a login with
 * TSIH 0 and the ISID of a live session of the same initiator reinstates it). */
/* Connection reinstatement (6.3.4): the new connection takes the session over; below
 * ErrorRecoveryLevel 2 the old connection's tasks end with it (7.1.2). */
static int rejoin(tgt_conn *c, struct tgt_login *l)
{
    tgt_session *s = tgt_session_find(c->t, l->isid, l->tsih, l->initiator);
    if (!s)
        return -1;
    tgt_conn *old = s->conn;
    if (old && old != c) {
        tgt_log(c, 1, "connection reinstatement of CID %u", (unsigned)l->cid);
        old->sess = NULL;
        tgt_conn_close(old, "connection reinstated by a new login");
    }
    while (s->tasks) {
        tgt_task *k = s->tasks;
        s->tasks = k->next;
        tgt_task_free(k);
    }
    const mc_neg *n = &l->neg;
    s->p.mrdsl_out = mc_neg_u32(n, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH);
    if (s->p.mrdsl_out == 0)
        s->p.mrdsl_out = MRDSL_DEFAULT;
    s->p.header_digest = strcmp(mc_neg_str(n, MC_KEY_HEADER_DIGEST), "CRC32C") == 0;
    s->p.data_digest = strcmp(mc_neg_str(n, MC_KEY_DATA_DIGEST), "CRC32C") == 0;
    s->conn = c;
    c->sess = s;
    c->cid = l->cid;
    return 0;
}

static int enter_ffp(tgt_conn *c, struct tgt_login *l)
{
    mc_target *t = c->t;
    if (l->tsih != 0)
        return rejoin(c, l);
    tgt_session *old = tgt_session_find(t, l->isid, 0, l->initiator);
    if (old && old->conn && old->conn != c) {
        tgt_log(c, 1, "session reinstatement: closing TSIH %u", (unsigned)old->tsih);
        tgt_conn_close(old->conn, "session reinstated by a new login");
    }
    tgt_session *s = tgt_session_new(t, l->isid, l->initiator, l->discovery);
    if (!s)
        return -1;
    mc_session_params *p = &s->p;
    tgt_params_default(p);
    const mc_neg *n = &l->neg;
    p->mrdsl_out = mc_neg_u32(n, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH);
    if (p->mrdsl_out == 0)
        p->mrdsl_out = MRDSL_DEFAULT;
    p->mrdsl_in = TGT_OUR_MRDSL;
    if (!l->discovery) {
        p->max_burst = mc_neg_u32(n, MC_KEY_MAX_BURST_LENGTH);
        p->first_burst = mc_neg_u32(n, MC_KEY_FIRST_BURST_LENGTH);
        p->max_outstanding_r2t = mc_neg_u32(n, MC_KEY_MAX_OUTSTANDING_R2T);
        p->initial_r2t = mc_neg_bool(n, MC_KEY_INITIAL_R2T);
        p->immediate_data = mc_neg_bool(n, MC_KEY_IMMEDIATE_DATA);
        p->data_pdu_in_order = mc_neg_bool(n, MC_KEY_DATA_PDU_IN_ORDER);
        p->data_seq_in_order = mc_neg_bool(n, MC_KEY_DATA_SEQUENCE_IN_ORDER);
    }
    p->erl = (uint8_t)mc_neg_u32(n, MC_KEY_ERROR_RECOVERY_LEVEL);
    p->time2wait = mc_neg_u32(n, MC_KEY_DEFAULT_TIME2WAIT);
    p->time2retain = mc_neg_u32(n, MC_KEY_DEFAULT_TIME2RETAIN);
    p->header_digest = strcmp(mc_neg_str(n, MC_KEY_HEADER_DIGEST), "CRC32C") == 0;
    p->data_digest = strcmp(mc_neg_str(n, MC_KEY_DATA_DIGEST), "CRC32C") == 0;
    if (p->max_burst == 0)
        p->max_burst = OUR_MAX_BURST;
    if (p->first_burst == 0 || p->first_burst > p->max_burst)
        p->first_burst = p->max_burst;
    if (p->max_outstanding_r2t == 0)
        p->max_outstanding_r2t = 1;
    s->exp_cmdsn = l->cmdsn;
    s->max_cmdsn = l->cmdsn + TGT_QUEUE_DEPTH - 1u;
    s->conn = c;
    c->sess = s;
    c->cid = l->cid;
    return 0;
}

void tgt_login_pdu(tgt_conn *c, mc_pdu *p)
{
    if (mc_pdu_opcode(p) != MC_OP_LOGIN_REQ) {
        /* 6.1: only Login Requests until the login phase ends */
        tgt_log(c, 0, "%s during login", mc_opcode_name(mc_pdu_opcode(p)) ? mc_opcode_name(mc_pdu_opcode(p)) : "unknown opcode");
        tgt_conn_close(c, "protocol error during login");
        return;
    }
    if (!c->login) {
        c->login = login_new(c);
        if (!c->login) {
            tgt_conn_close(c, "out of memory");
            return;
        }
        c->statsn = (uint32_t)mc_pdu_get(p, MC_F_EXPSTATSN);
    }
    struct tgt_login *l = c->login;
    bool transit = mc_pdu_get(p, MC_F_TRANSIT) != 0;
    bool cont = mc_pdu_get(p, MC_F_CONTINUE) != 0;
    int csg = (int)mc_pdu_get(p, MC_F_CSG);
    int nsg = (int)mc_pdu_get(p, MC_F_NSG);
    char err[200];
    if (mc_login_check_request(&l->sm, transit, cont, csg, nsg, err, sizeof(err)) != 0) {
        fail(c, p, STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_INITIATOR_ERROR), err);
        return;
    }
    int more = mc_text_acc_add(&l->acc, p->data, p->data_len, cont, err, sizeof(err));
    if (more < 0) {
        fail(c, p, STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_INITIATOR_ERROR), err);
        return;
    }
    if (more == 0) {  /* 11.12.2: C=1, answer empty and wait for the rest */
        respond(c, p, 0, false, 0, NULL, 0);
        return;
    }
    mc_kvlist kv, replies;
    mc_kvlist_init(&kv);
    mc_kvlist_init(&replies);
    int pr = mc_text_parse(l->acc.buf.data, l->acc.buf.len, 0, &kv, NULL, err, sizeof(err));
    mc_text_acc_reset(&l->acc);
    unsigned status = 0;
    char why[256] = "";
    for (size_t i = 0; i < kv.count && c->t->log_level >= 2; i++)
        tgt_log(c, 2, "login key %.63s=%.255s", kv.items[i].key, kv.items[i].value);
    if (pr != MC_TEXT_OK) {
        /* 6.1: a key above 63 bytes or a value above its limit makes the request invalid */
        snprintf(why, sizeof(why), "bad key list: %s", err);
        status = STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_INITIATOR_ERROR);
    }
    if (!status && !l->started) {
        status = first_request(c, l, p, &kv, why, sizeof(why));
        l->started = true;
    }
    if (!status && csg == MC_STAGE_SECURITY)
        status = security(c, l, &kv, &replies, why, sizeof(why));
    if (!status && csg != MC_STAGE_SECURITY) {
        for (size_t i = 0; i < kv.count; i++)
            if (is_chap_key(kv.items[i].key) || strcmp(kv.items[i].key, "AuthMethod") == 0) {
                snprintf(why, sizeof(why), "security key %.63s outside the security stage", kv.items[i].key);
                status = STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_INITIATOR_ERROR);
                break;
            }
    }
    if (!status && mc_neg_receive(&l->neg, csg, &kv, &replies, err, sizeof(err)) != MC_NEG_OK) {
        snprintf(why, sizeof(why), "negotiation: %s", err);
        status = STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_INITIATOR_ERROR);
    }
    if (status) {
        fail(c, p, status, why);
        goto out;
    }
    if (!l->first_answered) {
        /* 13.9: the first Login Response of a normal session names the portal group */
        if (!l->discovery)
            mc_kvlist_set(&replies, "TargetPortalGroupTag", "1");
        l->first_answered = true;
    }
    if (csg == MC_STAGE_OPERATIONAL && mc_kvlist_find(&replies, "MaxRecvDataSegmentLength") < 0 &&
        mc_neg_offer(&l->neg, MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH, &replies, err, sizeof(err)) == 0) {
        /* 13.12: our own declaration, once per login */
    }
    bool go = transit;
    if (go && csg == MC_STAGE_SECURITY && l->auth != AUTH_NONE_NEEDED && l->auth != AUTH_DONE)
        go = false;  /* 6.3.2: no transit before authentication completes */
    if (go && nsg == MC_STAGE_FULL_FEATURE && mc_neg_check(&l->neg, err, sizeof(err)) != 0) {
        fail(c, p, STATUS(MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_INITIATOR_ERROR), err);
        goto out;
    }
    if (go && nsg == MC_STAGE_FULL_FEATURE) {
        if (enter_ffp(c, l) != 0) {
            fail(c, p, STATUS(MC_LOGIN_TARGET_ERR, MC_LOGIN_D_OUT_OF_RESOURCES), "out of memory");
            goto out;
        }
        respond(c, p, 0, true, nsg, &replies, c->sess->tsih);
        c->phase = PHASE_FFP;
        tgt_log(c, 1, "%s session up, ERL %u, MRDSL %u/%u, digests %s/%s", l->discovery ? "discovery" : "normal",
                (unsigned)c->sess->p.erl, (unsigned)c->sess->p.mrdsl_out, (unsigned)c->sess->p.mrdsl_in,
                c->sess->p.header_digest ? "CRC32C" : "None", c->sess->p.data_digest ? "CRC32C" : "None");
        mc_login_sm_advance(&l->sm, csg, true, nsg);
        c->login = NULL;
        tgt_login_free(l);
        goto out;
    }
    respond(c, p, 0, go, nsg, &replies, 0);
    mc_login_sm_advance(&l->sm, csg, go, nsg);
out:
    mc_kvlist_free(&kv);
    mc_kvlist_free(&replies);
}
