/* Negotiation state and login stage rules (RFC 7143 sections 6.2, 6.3, 11.12, 11.13). */
#include "login.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "pdu.h"

static const char *const neg_messages[MC_NEG_E_COUNT] = {
    [MC_NEG_OK] = "ok",
    [MC_NEG_E_NOMEM] = "out of memory",
    [MC_NEG_E_RENEGOTIATE] = "key negotiated more than once in one login (6.2)",
    [MC_NEG_E_BAD_ANSWER] = "answer breaks the key's result function (6.2.2)",
    [MC_NEG_E_WRONG_STAGE] = "key not allowed in this stage (6.3, 12.1)",
    [MC_NEG_E_WRONG_SENDER] = "key this peer may not send (13)",
    [MC_NEG_E_INCONSISTENT] = "negotiated values contradict each other (13.14)",
};

static bool reply_optional(const mc_neg *st, const mc_key_info *k);

const char *mc_neg_strerror(int code)
{
    if (code < 0)
        code = -code;
    return code < MC_NEG_E_COUNT ? neg_messages[code] : "unknown negotiation error";
}

void mc_neg_init(mc_neg *st, mc_role role, bool leading)
{
    memset(st, 0, sizeof(*st));
    st->role = role;
    st->leading = leading;
}

void mc_neg_free(mc_neg *st)
{
    for (unsigned i = 0; i < MC_KEY_COUNT; i++) {
        free(st->local[i]);
        free(st->value[i]);
        st->local[i] = NULL;
        st->value[i] = NULL;
    }
}

void mc_neg_new_exchange(mc_neg *st)
{
    memset(st->progress, 0, sizeof(st->progress));
}

static int replace(char **slot, const char *value)
{
    char *copy = NULL;
    if (value) {
        copy = strdup(value);
        if (!copy)
            return -1;
    }
    free(*slot);
    *slot = copy;
    return 0;
}

int mc_neg_set_local(mc_neg *st, mc_key_id id, const char *value, char *err, size_t errlen)
{
    const mc_key_info *k = mc_key_info_of(id);
    if (!k) {
        mc_iscsi_seterr(err, errlen, "no such key id %d", (int)id);
        return -1;
    }
    if (value && mc_key_check_value(k, value, err, errlen) != 0)
        return -1;
    if (replace(&st->local[id], value) != 0) {
        mc_iscsi_seterr(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int mc_neg_set_local_u32(mc_neg *st, mc_key_id id, uint32_t v, char *err, size_t errlen)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "%u", v);
    return mc_neg_set_local(st, id, buf, err, errlen);
}

const char *mc_neg_local(const mc_neg *st, mc_key_id id)
{
    const mc_key_info *k = mc_key_info_of(id);
    if (!k)
        return NULL;
    return st->local[id] ? st->local[id] : k->def;
}

const char *mc_neg_str(const mc_neg *st, mc_key_id id)
{
    const mc_key_info *k = mc_key_info_of(id);
    if (!k)
        return "";
    if (st->value[id])
        return st->value[id];
    return k->def ? k->def : "";
}

uint32_t mc_neg_u32(const mc_neg *st, mc_key_id id)
{
    const mc_key_info *k = mc_key_info_of(id);
    if (!k)
        return 0;
    const char *s = mc_neg_str(st, id);
    if (k->type == MC_KT_BOOL) {
        bool b = false;
        mc_text_parse_bool(s, &b);
        return b ? 1u : 0u;
    }
    uint32_t v = 0;
    if (k->type == MC_KT_NUM && mc_text_parse_u32(s, k->lo, k->hi, &v) != MC_TEXT_OK)
        return 0;
    return v;
}

bool mc_neg_bool(const mc_neg *st, mc_key_id id)
{
    return mc_neg_u32(st, id) != 0;
}

bool mc_neg_is_discovery(const mc_neg *st)
{
    return strcmp(mc_neg_str(st, MC_KEY_SESSION_TYPE), "Discovery") == 0;
}

int mc_neg_set_value(mc_neg *st, mc_key_id id, const char *value)
{
    if (!mc_key_info_of(id))
        return -1;
    return replace(&st->value[id], value);
}

/* May this side (or the peer, when peer is true) originate the key? (section 13 "Senders") */
static bool may_send(const mc_neg *st, const mc_key_info *k, bool peer)
{
    mc_role who = st->role;
    if (peer)
        who = st->role == MC_ROLE_INITIATOR ? MC_ROLE_TARGET : MC_ROLE_INITIATOR;
    if (k->senders == MC_SEND_IT)
        return true;
    return (k->senders == MC_SEND_I) == (who == MC_ROLE_INITIATOR);
}

int mc_neg_offer(mc_neg *st, mc_key_id id, mc_kvlist *out, char *err, size_t errlen)
{
    const mc_key_info *k = mc_key_info_of(id);
    if (!k)
        return MC_NEG_E_WRONG_SENDER;
    const char *v = mc_neg_local(st, id);
    if (!v) {
        mc_iscsi_seterr(err, errlen, "%s: no local value to offer", k->name);
        return MC_NEG_E_BAD_ANSWER;
    }
    bool decl = k->rule == MC_RULE_DECL;
    uint8_t busy = decl ? MC_NEG_DECLARED_LOCAL : (MC_NEG_OFFERED | MC_NEG_DONE);
    if ((st->progress[id] & busy) && !(k->flags & MC_KF_REPEAT)) {
        mc_iscsi_seterr(err, errlen, "%s: already negotiated in this login (6.2)", k->name);
        return MC_NEG_E_RENEGOTIATE;
    }
    if (mc_kvlist_add(out, k->name, v) != 0) {
        mc_iscsi_seterr(err, errlen, "out of memory");
        return MC_NEG_E_NOMEM;
    }
    st->progress[id] |= decl ? MC_NEG_DECLARED_LOCAL : MC_NEG_OFFERED;
    if (!decl && reply_optional(st, k) && replace(&st->value[id], v) != 0)   /* result already fixed */
        return MC_NEG_E_NOMEM;
    return MC_NEG_OK;
}

static bool differs_from_default(const mc_key_info *k, const char *local)
{
    return local && (!k->def || strcmp(local, k->def) != 0);
}

int mc_neg_offer_all(mc_neg *st, int stage, mc_kvlist *out, char *err, size_t errlen)
{
    bool discovery = mc_neg_is_discovery(st);
    for (unsigned i = 0; i < MC_KEY_COUNT; i++) {
        const mc_key_info *k = mc_key_info_of((mc_key_id)i);
        if (k->rule == MC_RULE_NONE || !may_send(st, k, false))
            continue;
        /* Each side declares its own value once; a negotiated key is settled by either side's offer. */
        if (st->progress[i] & (k->rule == MC_RULE_DECL ? MC_NEG_DECLARED_LOCAL : 0xffu))
            continue;
        if ((k->flags & MC_KF_SECURITY) && k->id != MC_KEY_AUTH_METHOD)   /* CHAP_* belong to chap.c */
            continue;
        if (discovery && (k->flags & MC_KF_NODISC))
            continue;
        if (k->scope == MC_SCOPE_LO && !st->leading)
            continue;
        if (k->use == MC_USE_FFP)
            continue;
        if (stage == MC_STAGE_SECURITY && !(k->flags & (MC_KF_ANY_STAGE | MC_KF_SECURITY)))
            continue;
        if (stage != MC_STAGE_SECURITY && (k->flags & MC_KF_SECURITY))
            continue;
        /* In FFP only keys usable there are offered again; the login declarations (names, aliases)
         * are not repeated, TargetName being an FFP key only inside SendTargets answers (13.4). */
        if (stage == MC_STAGE_FULL_FEATURE && (k->use != MC_USE_ALL || (k->flags & MC_KF_ANY_STAGE)))
            continue;
        /* Declarations are sent whenever set; negotiated keys only when we want a non-default. */
        bool want = k->rule == MC_RULE_DECL ? st->local[i] != NULL : differs_from_default(k, st->local[i]);
        if (!want)
            continue;
        int rc = mc_neg_offer(st, (mc_key_id)i, out, err, errlen);
        if (rc != MC_NEG_OK)
            return rc;
    }
    return MC_NEG_OK;
}

static int reply(mc_kvlist *replies, const char *key, const char *value, char *err, size_t errlen)
{
    if (mc_kvlist_add(replies, key, value) != 0) {
        mc_iscsi_seterr(err, errlen, "out of memory");
        return MC_NEG_E_NOMEM;
    }
    return MC_NEG_OK;
}

static bool special_answer(const char *v)
{
    return strcmp(v, MC_VAL_REJECT) == 0 || strcmp(v, MC_VAL_IRRELEVANT) == 0 ||
           strcmp(v, MC_VAL_NOT_UNDERSTOOD) == 0;
}

/* One key received from the peer: an answer to our offer, a declaration, or a new offer. */
static int receive_one(mc_neg *st, int stage, const mc_key_info *k, const char *val, mc_kvlist *replies,
                       char *err, size_t errlen)
{
    unsigned id = (unsigned)k->id;
    mc_key_ctx ctx = {.discovery = mc_neg_is_discovery(st), .ffp = stage == MC_STAGE_FULL_FEATURE};
    char buf[MC_KEY_ANSWER_MAX];

    /* Security keys live in the security stage only (12.1); CHAP_* themselves are chap.c's. */
    if ((k->flags & MC_KF_SECURITY) && stage != MC_STAGE_SECURITY) {
        mc_iscsi_seterr(err, errlen, "%s outside the security stage (12.1)", k->name);
        return MC_NEG_E_WRONG_STAGE;
    }
    if ((k->flags & MC_KF_SECURITY) && k->id != MC_KEY_AUTH_METHOD)
        return MC_NEG_OK;

    if (st->progress[id] & MC_NEG_OFFERED) {   /* the peer answers our offer */
        char result[MC_KEY_ANSWER_MAX];
        int r = mc_key_result(k->name, mc_neg_local(st, k->id), val, result, sizeof(result), err, errlen);
        if (r < 0)
            return MC_NEG_E_BAD_ANSWER;
        st->progress[id] = (uint8_t)((st->progress[id] & ~MC_NEG_OFFERED) | MC_NEG_DONE);
        if (r == 0 && replace(&st->value[id], result) != 0)
            return MC_NEG_E_NOMEM;
        return MC_NEG_OK;
    }
    if (special_answer(val))   /* an answer to something not outstanding: nothing to do */
        return MC_NEG_OK;
    if (!may_send(st, k, true)) {
        mc_iscsi_seterr(err, errlen, "%s may not be sent by the %s (%s)", k->name,
                        st->role == MC_ROLE_INITIATOR ? "target" : "initiator", k->section);
        return MC_NEG_E_WRONG_SENDER;
    }
    if (k->rule == MC_RULE_NONE && !(k->flags & MC_KF_OBSOLETE) && ctx.ffp)
        return MC_NEG_OK;   /* SendTargets in FFP: the caller builds the target list (13.3) */
    if (k->scope == MC_SCOPE_LO && !st->leading && k->rule != MC_RULE_DECL)
        return reply(replies, k->name, MC_VAL_IRRELEVANT, err, errlen);

    bool decl = k->rule == MC_RULE_DECL;
    uint8_t seen = decl ? MC_NEG_DECLARED_PEER : MC_NEG_DONE;
    if ((st->progress[id] & seen) && !(k->flags & MC_KF_REPEAT)) {
        mc_iscsi_seterr(err, errlen, "%s offered again in this login (6.2)", k->name);
        return MC_NEG_E_RENEGOTIATE;
    }
    mc_key_answer_kind kind = mc_key_respond(k->name, val, st->local[id], &ctx, buf, sizeof(buf));
    st->progress[id] |= seen;
    if (kind == MC_ANS_NONE) {   /* a valid declaration: it becomes the current value */
        if (decl && replace(&st->value[id], val) != 0)
            return MC_NEG_E_NOMEM;
        return MC_NEG_OK;
    }
    if (kind == MC_ANS_VALUE && replace(&st->value[id], buf) != 0)
        return MC_NEG_E_NOMEM;
    return reply(replies, k->name, buf, err, errlen);
}

int mc_neg_receive(mc_neg *st, int stage, const mc_kvlist *received, mc_kvlist *replies, char *err,
                   size_t errlen)
{
    for (size_t i = 0; i < received->count; i++) {
        const char *key = received->items[i].key;
        const char *val = received->items[i].value;
        const mc_key_info *k = mc_key_lookup(key);
        if (!k) {
            /* Unknown keys, extensions included, are answered NotUnderstood (6.2); an answer word
             * is the peer's reply to an extension key we sent and needs none. */
            if (special_answer(val))
                continue;
            int rc = reply(replies, key, MC_VAL_NOT_UNDERSTOOD, err, errlen);
            if (rc != MC_NEG_OK)
                return rc;
            continue;
        }
        int rc = receive_one(st, stage, k, val, replies, err, errlen);
        if (rc != MC_NEG_OK)
            return rc;
    }
    return MC_NEG_OK;
}

/* An offer whose result no answer can change (AND with No, OR with Yes) needs no reply (6.2.2):
 * a silent peer leaves nothing outstanding. */
static bool reply_optional(const mc_neg *st, const mc_key_info *k)
{
    bool b = false;
    if (k->type != MC_KT_BOOL || mc_text_parse_bool(mc_neg_local(st, k->id), &b) != MC_TEXT_OK)
        return false;
    return (k->rule == MC_RULE_AND && !b) || (k->rule == MC_RULE_OR && b);
}

size_t mc_neg_pending(const mc_neg *st)
{
    size_t n = 0;
    for (unsigned i = 0; i < MC_KEY_COUNT; i++)
        if ((st->progress[i] & MC_NEG_OFFERED) && !reply_optional(st, mc_key_info_of((mc_key_id)i)))
            n++;
    return n;
}

int mc_neg_check(const mc_neg *st, char *err, size_t errlen)
{
    uint32_t fbl = mc_neg_u32(st, MC_KEY_FIRST_BURST_LENGTH);
    uint32_t mbl = mc_neg_u32(st, MC_KEY_MAX_BURST_LENGTH);
    if (!mc_neg_is_discovery(st) && fbl > mbl) {
        mc_iscsi_seterr(err, errlen, "FirstBurstLength %u exceeds MaxBurstLength %u (13.14)", fbl, mbl);
        return MC_NEG_E_INCONSISTENT;
    }
    return MC_NEG_OK;
}

/* ---- login stages ---- */

void mc_login_sm_init(mc_login_sm *sm)
{
    sm->stage = -1;
    sm->finished = false;
    sm->security_done = false;
}

const char *mc_login_stage_name(int stage)
{
    switch (stage) {
    case MC_STAGE_SECURITY:
        return "SecurityNegotiation";
    case MC_STAGE_OPERATIONAL:
        return "LoginOperationalNegotiation";
    case MC_STAGE_FULL_FEATURE:
        return "FullFeaturePhase";
    default:
        return "reserved";
    }
}

static bool stage_valid(int s)
{
    return s == MC_STAGE_SECURITY || s == MC_STAGE_OPERATIONAL || s == MC_STAGE_FULL_FEATURE;
}

/* With T=1, NSG must be a valid stage after CSG (11.12.3: 2 is reserved; stages never go back). */
static int check_transit(int csg, int nsg, char *err, size_t errlen)
{
    if (!stage_valid(nsg) || nsg <= csg) {
        mc_iscsi_seterr(err, errlen, "transit from %s to NSG %d is not a forward move to a valid stage (11.12.3)",
                        mc_login_stage_name(csg), nsg);
        return -1;
    }
    return 0;
}

int mc_login_check_request(const mc_login_sm *sm, bool transit, bool cont, int csg, int nsg, char *err,
                           size_t errlen)
{
    if (sm->finished) {
        mc_iscsi_seterr(err, errlen, "Login Request after the login completed (11.12)");
        return -1;
    }
    if (transit && cont) {
        mc_iscsi_seterr(err, errlen, "Login Request with both T and C set (11.12.2)");
        return -1;
    }
    if (csg != MC_STAGE_SECURITY && csg != MC_STAGE_OPERATIONAL) {
        mc_iscsi_seterr(err, errlen, "Login Request CSG %d is not a login stage (11.12.3)", csg);
        return -1;
    }
    if (sm->stage >= 0 && csg != sm->stage) {
        mc_iscsi_seterr(err, errlen, "Login Request CSG %s but the login is in %s (6.3)", mc_login_stage_name(csg),
                        mc_login_stage_name(sm->stage));
        return -1;
    }
    if (transit && check_transit(csg, nsg, err, errlen) != 0)
        return -1;
    return 0;
}

int mc_login_check_response(const mc_login_sm *sm, bool req_transit, int req_csg, int req_nsg, bool transit,
                            bool cont, int csg, int nsg, char *err, size_t errlen)
{
    if (transit && cont) {
        mc_iscsi_seterr(err, errlen, "Login Response with both T and C set (11.13.2)");
        return -1;
    }
    if (csg != req_csg) {
        mc_iscsi_seterr(err, errlen, "Login Response CSG %d differs from the request's %d (11.13)", csg, req_csg);
        return -1;
    }
    if (transit) {
        if (!req_transit) {
            mc_iscsi_seterr(err, errlen, "Login Response sets T although the request did not (11.13.1)");
            return -1;
        }
        if (check_transit(csg, nsg, err, errlen) != 0)
            return -1;
        if (nsg > req_nsg) {
            mc_iscsi_seterr(err, errlen, "Login Response NSG %d beyond the requested NSG %d (6.3)", nsg, req_nsg);
            return -1;
        }
    }
    return 0;
}

void mc_login_sm_advance(mc_login_sm *sm, int csg, bool transit, int nsg)
{
    sm->stage = csg;
    if (!transit)
        return;
    if (csg == MC_STAGE_SECURITY)
        sm->security_done = true;
    sm->stage = nsg;
    if (nsg == MC_STAGE_FULL_FEATURE)
        sm->finished = true;
}

/* ---- codec options from the negotiated values ---- */

static bool crc32c_selected(const mc_neg *st, mc_key_id id)
{
    return strcmp(mc_neg_str(st, id), "CRC32C") == 0;
}

void mc_neg_dec_limits(const mc_neg *st, mc_dec_limits *lim)
{
    const mc_key_info *k = mc_key_info_of(MC_KEY_MAX_RECV_DATA_SEGMENT_LENGTH);
    uint32_t mrdsl = 0;
    if (mc_text_parse_u32(mc_neg_local(st, k->id), k->lo, k->hi, &mrdsl) != MC_TEXT_OK)
        mrdsl = 0;
    lim->max_data = mrdsl;
    lim->header_digest = crc32c_selected(st, MC_KEY_HEADER_DIGEST);
    lim->data_digest = crc32c_selected(st, MC_KEY_DATA_DIGEST);
}

void mc_neg_wire_opts(const mc_neg *st, mc_wire_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->header_digest = crc32c_selected(st, MC_KEY_HEADER_DIGEST);
    o->data_digest = crc32c_selected(st, MC_KEY_DATA_DIGEST);
}
