/* The key table and the per-key negotiation rules (RFC 7143 sections 6.2, 12.1, 13). */
#include "keys.h"

#include <stdio.h>
#include <string.h>

#include "errmsg.h"
#include "text.h"

static const mc_key_info key_table[MC_KEY_COUNT] = {
#define MC_KEY_DESC(kid, nm, ty, ru, df, lo_, hi_, lg, sc, us, se, fl, sec) \
    [MC_KEY_##kid] = {MC_KEY_##kid, nm, ty, ru, df, lo_, hi_, lg, sc, us, se, fl, sec},
    MC_KEYS(MC_KEY_DESC)
#undef MC_KEY_DESC
};

/* Longest single item of a list value we compare (list items are simple values, 6.1). */
#define LIST_ITEM_MAX (MC_TEXT_VALUE_MAX + 1u)

const mc_key_info *mc_key_info_of(mc_key_id id)
{
    return (unsigned)id < MC_KEY_COUNT ? &key_table[id] : NULL;
}

const mc_key_info *mc_key_lookup(const char *name)
{
    if (!name)
        return NULL;
    for (unsigned i = 0; i < MC_KEY_COUNT; i++)
        if (strcmp(key_table[i].name, name) == 0)
            return &key_table[i];
    return NULL;
}

bool mc_key_is_extension(const char *name)
{
    return strncmp(name, MC_KEY_PRIVATE_PREFIX, 2) == 0 || strncmp(name, MC_KEY_PUBLIC_PREFIX, 2) == 0;
}

size_t mc_key_value_max(const char *name)
{
    const mc_key_info *k = mc_key_lookup(name);
    return (k && (k->flags & MC_KF_LARGE)) ? MC_TEXT_LARGE_VALUE_MAX : MC_TEXT_VALUE_MAX;
}

static bool is_special(const char *v)
{
    return strcmp(v, MC_VAL_REJECT) == 0 || strcmp(v, MC_VAL_IRRELEVANT) == 0 ||
           strcmp(v, MC_VAL_NOT_UNDERSTOOD) == 0;
}

static int check_num(const mc_key_info *k, const char *value, uint32_t *out, char *err, size_t errlen)
{
    if (mc_text_parse_u32(value, k->lo, k->hi, out) != MC_TEXT_OK) {
        mc_iscsi_seterr(err, errlen, "%s=%.40s: not a number in %u..%u (%s)", k->name, value, k->lo, k->hi,
                        k->section);
        return -1;
    }
    return 0;
}

int mc_key_check_value(const mc_key_info *k, const char *value, char *err, size_t errlen)
{
    if (!value || is_special(value)) {
        mc_iscsi_seterr(err, errlen, "%s: \"%s\" is not a value", k->name, value ? value : "(null)");
        return -1;
    }
    switch (k->type) {
    case MC_KT_BOOL: {
        bool b;
        if (mc_text_parse_bool(value, &b) != MC_TEXT_OK) {
            mc_iscsi_seterr(err, errlen, "%s=%.40s: boolean must be Yes or No (%s)", k->name, value, k->section);
            return -1;
        }
        return 0;
    }
    case MC_KT_NUM: {
        uint32_t v;
        return check_num(k, value, &v, err, errlen);
    }
    case MC_KT_RANGE: {
        char a[LIST_ITEM_MAX], b[LIST_ITEM_MAX];
        const char *tilde = strchr(value, '~');
        uint64_t x, y;
        size_t alen = tilde ? (size_t)(tilde - value) : 0;
        if (!tilde || alen >= sizeof(a) || strlen(tilde + 1) >= sizeof(b)) {
            mc_iscsi_seterr(err, errlen, "%s=%.40s: range must be a~b (6.2.1)", k->name, value);
            return -1;
        }
        memcpy(a, value, alen);
        a[alen] = '\0';
        snprintf(b, sizeof(b), "%s", tilde + 1);
        if (mc_text_parse_u64(a, &x) || mc_text_parse_u64(b, &y) || x > y || x < k->lo || y > k->hi) {
            mc_iscsi_seterr(err, errlen, "%s=%.40s: bad numerical range (6.2.1)", k->name, value);
            return -1;
        }
        return 0;
    }
    case MC_KT_LIST: {
        char item[LIST_ITEM_MAX];
        for (size_t i = 0; mc_text_list_item(value, i, item, sizeof(item)); i++) {
            if (!item[0]) {
                mc_iscsi_seterr(err, errlen, "%s=%.40s: empty list item (6.1)", k->name, value);
                return -1;
            }
            /* A declared list value (SessionType) must be one of the legal values. */
            if (k->rule == MC_RULE_DECL && k->legal && !mc_text_list_has(k->legal, item)) {
                mc_iscsi_seterr(err, errlen, "%s=%.40s: not one of %s (%s)", k->name, value, k->legal, k->section);
                return -1;
            }
        }
        if (k->rule == MC_RULE_DECL && strchr(value, ',')) {
            mc_iscsi_seterr(err, errlen, "%s=%.40s: a declaration has one value (%s)", k->name, value, k->section);
            return -1;
        }
        return 0;
    }
    case MC_KT_BINARY: {
        uint8_t bin[MC_TEXT_LARGE_VALUE_MAX / 2 + 1];
        size_t n;
        if (mc_text_decode_binary(value, bin, sizeof(bin), &n) != MC_TEXT_OK) {
            mc_iscsi_seterr(err, errlen, "%s: malformed binary value (6.1)", k->name);
            return -1;
        }
        return 0;
    }
    case MC_KT_STRING:   /* addresses, aliases: the text parser already bounded them */
        if ((k->flags & MC_KF_ISCSI_NAME) && mc_text_check_iscsi_name(value) != MC_TEXT_OK) {
            mc_iscsi_seterr(err, errlen, "%s=%.60s: not an iqn./eui./naa. iSCSI name (4.2.7)", k->name, value);
            return -1;
        }
        return 0;
    }
    return 0;
}

uint32_t mc_key_combine_num(mc_key_rule rule, uint32_t a, uint32_t b)
{
    if (rule == MC_RULE_MIN)
        return a < b ? a : b;
    if (rule == MC_RULE_MAX)
        return a > b ? a : b;
    return a;
}

bool mc_key_combine_bool(mc_key_rule rule, bool a, bool b)
{
    if (rule == MC_RULE_AND)
        return a && b;
    if (rule == MC_RULE_OR)
        return a || b;
    return a;
}

static mc_key_answer_kind say(const char *word, mc_key_answer_kind kind, char *answer, size_t anslen)
{
    snprintf(answer, anslen, "%s", word);
    return kind;
}

/* The responder's preference: local value, else the key's default, else (lists) every legal value. */
static const char *pref_of(const mc_key_info *k, const char *local)
{
    if (local)
        return local;
    if (k->def)
        return k->def;
    return k->legal;
}

mc_key_answer_kind mc_key_respond(const char *name, const char *offer, const char *local,
                                  const mc_key_ctx *ctx, char *answer, size_t anslen)
{
    static const mc_key_ctx login_ctx = {false, false};
    if (!ctx)
        ctx = &login_ctx;
    if (anslen)
        answer[0] = '\0';
    const mc_key_info *k = mc_key_lookup(name);
    if (!k)
        return say(MC_VAL_NOT_UNDERSTOOD, MC_ANS_NOT_UNDERSTOOD, answer, anslen);
    if (k->flags & MC_KF_OBSOLETE)   /* 13.25: obsoleted keys are answered with Reject */
        return say(MC_VAL_REJECT, MC_ANS_REJECT, answer, anslen);
    if (ctx->discovery && (k->flags & MC_KF_NODISC))
        return say(MC_VAL_IRRELEVANT, MC_ANS_IRRELEVANT, answer, anslen);
    if (k->use == MC_USE_FFP && !ctx->ffp)   /* SendTargets only in Full Feature Phase (13.3) */
        return say(MC_VAL_IRRELEVANT, MC_ANS_IRRELEVANT, answer, anslen);
    if (ctx->ffp && (k->use == MC_USE_IO || k->use == MC_USE_SEC))   /* login-only key in FFP */
        return say(MC_VAL_REJECT, MC_ANS_REJECT, answer, anslen);
    if (k->rule == MC_RULE_NONE)   /* exchange keys: the caller answers (SendTargets lists) */
        return MC_ANS_NONE;
    if (!offer || mc_key_check_value(k, offer, NULL, 0) != 0)
        return say(MC_VAL_REJECT, MC_ANS_REJECT, answer, anslen);
    if (k->rule == MC_RULE_DECL)
        return MC_ANS_NONE;
    const char *pref = pref_of(k, local);
    switch (k->rule) {
    case MC_RULE_AND:
    case MC_RULE_OR: {
        bool o = false, l = false;
        mc_text_parse_bool(offer, &o);
        if (!pref || mc_text_parse_bool(pref, &l) != MC_TEXT_OK)
            return say(MC_VAL_REJECT, MC_ANS_REJECT, answer, anslen);
        return say(mc_key_combine_bool(k->rule, o, l) ? MC_VAL_YES : MC_VAL_NO, MC_ANS_VALUE, answer, anslen);
    }
    case MC_RULE_MIN:
    case MC_RULE_MAX: {
        uint32_t o = 0, l = 0;
        mc_text_parse_u32(offer, k->lo, k->hi, &o);
        if (!pref || mc_text_parse_u32(pref, k->lo, k->hi, &l) != MC_TEXT_OK)
            return say(MC_VAL_REJECT, MC_ANS_REJECT, answer, anslen);
        snprintf(answer, anslen, "%u", mc_key_combine_num(k->rule, o, l));
        return MC_ANS_VALUE;
    }
    case MC_RULE_LIST: {
        /* 6.2.1: the responder answers with the first offered value it supports. */
        char item[LIST_ITEM_MAX];
        for (size_t i = 0; mc_text_list_item(offer, i, item, sizeof(item)); i++) {
            bool legal = !k->legal || mc_text_list_has(k->legal, item);
            if (legal && pref && mc_text_list_has(pref, item))
                return say(item, MC_ANS_VALUE, answer, anslen);
        }
        return say(MC_VAL_REJECT, MC_ANS_REJECT, answer, anslen);
    }
    default:
        return MC_ANS_NONE;
    }
}

int mc_key_result(const char *name, const char *offer, const char *answer, char *result, size_t reslen,
                  char *err, size_t errlen)
{
    const mc_key_info *k = mc_key_lookup(name);
    if (reslen)
        result[0] = '\0';
    if (!answer) {
        mc_iscsi_seterr(err, errlen, "%s: no answer", name);
        return -1;
    }
    if (is_special(answer)) {
        snprintf(result, reslen, "%s", k && k->def ? k->def : "");
        return 1;
    }
    if (!k) {   /* an extension key we offered: its meaning is private, take the answer as given */
        snprintf(result, reslen, "%s", answer);
        return 0;
    }
    if (mc_key_check_value(k, answer, err, errlen) != 0)
        return -1;
    switch (k->rule) {
    case MC_RULE_AND:
    case MC_RULE_OR: {
        bool o = false, a = false;
        if (mc_text_parse_bool(offer, &o) != MC_TEXT_OK) {
            mc_iscsi_seterr(err, errlen, "%s: our offer \"%s\" is not boolean", k->name, offer);
            return -1;
        }
        mc_text_parse_bool(answer, &a);
        bool r = mc_key_combine_bool(k->rule, o, a);
        /* 6.2.2: the answer is the result; for AND a No offer forces No, for OR a Yes offer forces Yes. */
        if (r != a) {
            mc_iscsi_seterr(err, errlen, "%s: answer %s contradicts offer %s under %s (6.2.2)", k->name, answer,
                            offer, k->rule == MC_RULE_AND ? "AND" : "OR");
            return -1;
        }
        snprintf(result, reslen, "%s", r ? MC_VAL_YES : MC_VAL_NO);
        return 0;
    }
    case MC_RULE_MIN:
    case MC_RULE_MAX: {
        uint32_t o = 0, a = 0;
        if (mc_text_parse_u32(offer, k->lo, k->hi, &o) != MC_TEXT_OK) {
            mc_iscsi_seterr(err, errlen, "%s: our offer \"%s\" is not a number", k->name, offer);
            return -1;
        }
        mc_text_parse_u32(answer, k->lo, k->hi, &a);
        if (mc_key_combine_num(k->rule, o, a) != a) {
            mc_iscsi_seterr(err, errlen, "%s: answer %u %s offer %u breaks the %s rule (%s)", k->name, a,
                            k->rule == MC_RULE_MIN ? "above" : "below", o,
                            k->rule == MC_RULE_MIN ? "Minimum" : "Maximum", k->section);
            return -1;
        }
        snprintf(result, reslen, "%u", a);
        return 0;
    }
    case MC_RULE_LIST:
        if (strchr(answer, ',') || !mc_text_list_has(offer, answer)) {
            mc_iscsi_seterr(err, errlen, "%s: answer \"%.40s\" is not one of the offered values (6.2.1)", k->name,
                            answer);
            return -1;
        }
        snprintf(result, reslen, "%s", answer);
        return 0;
    case MC_RULE_DECL:
    case MC_RULE_NONE:
        snprintf(result, reslen, "%s", answer);
        return 0;
    }
    return 0;
}
