/* Fuzz target of the text key lists and login negotiation (reference/iscsi/text.h, keys.h,
 * login.h: the one key table). The first input byte picks the parser's flags, the login stage,
 * whether the session is a discovery one, and where the key list is split into PDUs; the rest is a
 * key=value data segment. It is
 *  - joined from its PDUs by the accumulator (C bit) and must come out as it went in;
 *  - parsed, and a list that parses serialises and parses back to itself;
 *  and, when it parsed strictly (the lenient parse of the literal dialect feeds no negotiation),
 *  - is offered to a target, whose replies must be valid text that parses strictly;
 *  - is taken by an initiator as a target's answers (after the initiator's usual offers), whose
 *    replies must parse too;
 *  - and is used as an initiator's preferences: what a conformant initiator offers with them, a
 *    conformant target answers, and the initiator accepts the answers without error.
 * Any difference traps. */
#include <stdint.h>
#include <string.h>

#include "fuzz_trap.h"
#include "keys.h"
#include "login.h"
#include "text.h"

#define CTRL_LENIENT 0x1u       /* control bit: the literal dialect's lenient parse */
#define CTRL_OPERATIONAL 0x2u   /* control bit: operational stage (else security) */
#define CTRL_DISCOVERY 0x4u     /* control bit: SessionType=Discovery preferred */
#define CTRL_SPLIT_SHIFT 3u     /* the rest: PDU size for the accumulator, in units below */
#define SPLIT_UNIT 16u
#define ERR_LEN 256u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_list(const mc_kvlist *a, const mc_kvlist *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i].key, b->items[i].key) != 0 || strcmp(a->items[i].value, b->items[i].value) != 0)
            return false;
    return true;
}

/* The accumulator joins the segment cut into PDUs of `chunk` bytes (the last with C=0). */
static void check_accumulator(const uint8_t *s, size_t n, size_t chunk)
{
    mc_text_acc acc;
    mc_text_acc_init(&acc, 0);
    char err[ERR_LEN];
    size_t off = 0;
    int r = 0;
    do {
        size_t take = n - off < chunk ? n - off : chunk;
        bool cont = off + take < n;
        r = mc_text_acc_add(&acc, s + off, take, cont, err, sizeof(err));
        off += take;
        if (r == 0 && !cont)
            FUZZ_TRAP();   /* the final PDU (C=0) completes the list or fails */
    } while (r == 0 && off < n);
    if (r == 1 && (acc.buf.len != n || (n && memcmp(acc.buf.data, s, n) != 0)))
        FUZZ_TRAP();
    if (r < 0 && !err[0])
        FUZZ_TRAP();
    if (n <= MC_TEXT_EXCHANGE_MAX && n > 0 && s[n - 1] == 0 && r != 1)
        FUZZ_TRAP();   /* a NUL-terminated list within the limit is always joined */
    mc_text_acc_free(&acc);
}

/* What we send is text a strict receiver parses (duplicates allowed: TargetAddress repeats). */
static void check_sendable(const mc_kvlist *l)
{
    mc_textbuf b;
    mc_textbuf_init(&b);
    if (mc_text_serialize(l, &b) != 0)
        FUZZ_TRAP();
    mc_kvlist back;
    mc_kvlist_init(&back);
    char err[ERR_LEN];
    if (mc_text_parse(b.data, b.len, MC_TEXT_ALLOW_DUP, &back, NULL, err, sizeof(err)) != MC_TEXT_OK ||
        !same_list(&back, l))
        FUZZ_TRAP();
    mc_kvlist_free(&back);
    mc_textbuf_free(&b);
}

static void initiator_defaults(mc_neg *ini, bool discovery)
{
    mc_neg_set_local(ini, MC_KEY_INITIATOR_NAME, "iqn.2026-11.org.mirrorcert:fuzz", NULL, 0);
    mc_neg_set_local(ini, MC_KEY_SESSION_TYPE, discovery ? "Discovery" : "Normal", NULL, 0);
    if (!discovery)
        mc_neg_set_local(ini, MC_KEY_TARGET_NAME, "iqn.2026-11.org.mirrorcert:disk", NULL, 0);
    mc_neg_set_local(ini, MC_KEY_HEADER_DIGEST, "CRC32C,None", NULL, 0);
}

static void target_defaults(mc_neg *tgt)
{
    mc_neg_set_local(tgt, MC_KEY_HEADER_DIGEST, "CRC32C,None", NULL, 0);
    mc_neg_set_local_u32(tgt, MC_KEY_TARGET_PORTAL_GROUP_TAG, 1, NULL, 0);
}

/* The list as an initiator's offers to a target. */
static void as_offers(const mc_kvlist *l, int stage)
{
    mc_neg tgt;
    mc_neg_init(&tgt, MC_ROLE_TARGET, true);
    target_defaults(&tgt);
    mc_kvlist replies;
    mc_kvlist_init(&replies);
    char err[ERR_LEN] = "";
    int r = mc_neg_receive(&tgt, stage, l, &replies, err, sizeof(err));
    if (r != MC_NEG_OK && !err[0])
        FUZZ_TRAP();
    if (r == MC_NEG_OK) {
        check_sendable(&replies);
        mc_neg_check(&tgt, err, sizeof(err));
    }
    mc_kvlist_free(&replies);
    mc_neg_free(&tgt);
}

/* The list as a target's answers to an initiator's usual offers. */
static void as_answers(const mc_kvlist *l, int stage, bool discovery)
{
    mc_neg ini;
    mc_neg_init(&ini, MC_ROLE_INITIATOR, true);
    initiator_defaults(&ini, discovery);
    mc_kvlist offers, replies;
    mc_kvlist_init(&offers);
    mc_kvlist_init(&replies);
    char err[ERR_LEN] = "";
    if (mc_neg_offer_all(&ini, stage, &offers, err, sizeof(err)) != MC_NEG_OK)
        FUZZ_TRAP();   /* fixed, valid preferences always make offers */
    int r = mc_neg_receive(&ini, stage, l, &replies, err, sizeof(err));
    if (r != MC_NEG_OK && !err[0])
        FUZZ_TRAP();
    if (r == MC_NEG_OK)
        check_sendable(&replies);
    mc_kvlist_free(&offers);
    mc_kvlist_free(&replies);
    mc_neg_free(&ini);
}

/* The list as an initiator's preferences: a whole exchange between our two sides must succeed. */
static void as_preferences(const mc_kvlist *l, int stage, bool discovery)
{
    mc_neg ini, tgt;
    mc_neg_init(&ini, MC_ROLE_INITIATOR, true);
    mc_neg_init(&tgt, MC_ROLE_TARGET, true);
    initiator_defaults(&ini, discovery);
    target_defaults(&tgt);
    char err[ERR_LEN] = "";
    for (size_t i = 0; i < l->count; i++) {
        const mc_key_info *k = mc_key_lookup(l->items[i].key);
        if (k && k->rule != MC_RULE_NONE && k->senders != MC_SEND_T && !(k->flags & MC_KF_SECURITY) &&
            k->id != MC_KEY_SESSION_TYPE)
            mc_neg_set_local(&ini, k->id, l->items[i].value, err, sizeof(err));   /* refused values stay default */
    }
    mc_kvlist offers, answers, back;
    mc_kvlist_init(&offers);
    mc_kvlist_init(&answers);
    mc_kvlist_init(&back);
    if (mc_neg_offer_all(&ini, stage, &offers, err, sizeof(err)) == MC_NEG_OK) {
        check_sendable(&offers);
        if (mc_neg_receive(&tgt, stage, &offers, &answers, err, sizeof(err)) == MC_NEG_OK) {
            check_sendable(&answers);
            if (mc_neg_receive(&ini, stage, &answers, &back, err, sizeof(err)) != MC_NEG_OK)
                FUZZ_TRAP();   /* our initiator refuses our target's answer to its own offers */
            check_sendable(&back);
        }
    }
    mc_kvlist_free(&offers);
    mc_kvlist_free(&answers);
    mc_kvlist_free(&back);
    mc_neg_free(&ini);
    mc_neg_free(&tgt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctrl = data[0];
    const uint8_t *s = data + 1;
    size_t n = size - 1;
    unsigned flags = (ctrl & CTRL_LENIENT) ? MC_TEXT_LENIENT : 0;
    int stage = (ctrl & CTRL_OPERATIONAL) ? MC_STAGE_OPERATIONAL : MC_STAGE_SECURITY;
    bool discovery = (ctrl & CTRL_DISCOVERY) != 0;
    check_accumulator(s, n, ((size_t)(ctrl >> CTRL_SPLIT_SHIFT) + 1) * SPLIT_UNIT);

    mc_kvlist l;
    mc_kvlist_init(&l);
    char err[ERR_LEN] = "";
    size_t bad = 0;
    int r = mc_text_parse(s, n, flags, &l, &bad, err, sizeof(err));
    if (r != MC_TEXT_OK) {
        if (r < 0 || r >= MC_TEXT_E_COUNT || !err[0])
            FUZZ_TRAP();
        mc_kvlist_free(&l);
        return 0;
    }
    if (l.count > MC_TEXT_PAIRS_MAX)
        FUZZ_TRAP();
    mc_textbuf b;
    mc_textbuf_init(&b);
    mc_kvlist back;
    mc_kvlist_init(&back);
    /* the parser skips extra NULs (peers pad lists with zeros), so the text may only shrink */
    if (mc_text_serialize(&l, &b) != 0 || b.len > n ||
        mc_text_parse(b.data, b.len, flags, &back, NULL, err, sizeof(err)) != MC_TEXT_OK || !same_list(&l, &back))
        FUZZ_TRAP();
    mc_kvlist_free(&back);
    mc_textbuf_free(&b);
    if (!(flags & MC_TEXT_LENIENT)) {   /* negotiation only ever sees strictly parsed lists */
        as_offers(&l, stage);
        as_answers(&l, stage, discovery);
        as_preferences(&l, stage, discovery);
    }
    mc_kvlist_free(&l);
    return 0;
}
