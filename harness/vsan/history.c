/* The history checker's driver: validates the caller's operations, groups them by block, checks
 * each block (rules, reduction, linear pass or search) and keeps the report of the lowest block
 * that violates, else of the lowest block left unknown. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_internal.h"

static const char *const verdict_names[] = {
    [MC_HISTORY_LINEARIZABLE] = "linearizable",
    [MC_HISTORY_VIOLATION] = "violation",
    [MC_HISTORY_UNKNOWN] = "unknown",
    [MC_HISTORY_USAGE] = "usage error",
};

static const char *const rule_names[] = {
    [MC_HISTORY_RULE_NONE] = "none",
    [MC_HISTORY_RULE_FOREIGN] = "foreign data",
    [MC_HISTORY_RULE_NEVER_WRITTEN] = "never written",
    [MC_HISTORY_RULE_FUTURE] = "read before its write",
    [MC_HISTORY_RULE_OVERWRITTEN] = "overwritten",
    [MC_HISTORY_RULE_SEQUENTIAL] = "sequential order",
    [MC_HISTORY_RULE_SEARCH] = "search",
};

#define NAME_OF(table, i) ((size_t)(i) < sizeof(table) / sizeof((table)[0]) ? (table)[i] : "?")

const char *mc_history_verdict_name(mc_history_verdict v) { return NAME_OF(verdict_names, v); }
const char *mc_history_rule_name(mc_history_rule r) { return NAME_OF(rule_names, r); }

void hk_say(hk_report *r, const char *fmt, ...)
{
    if (r->len + 1 >= sizeof r->text)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(r->text + r->len, sizeof r->text - r->len, fmt, ap);
    va_end(ap);
    if (k > 0)
        r->len = r->len + (size_t)k < sizeof r->text ? r->len + (size_t)k : sizeof r->text - 1;
}

static void name_culprit(hk_report *r, size_t src)
{
    for (size_t i = 0; i < r->n_culprits; i++)
        if (r->culprits[i] == src)
            return;
    if (r->n_culprits < MC_HISTORY_CULPRITS_MAX)
        r->culprits[r->n_culprits++] = src;
}

void hk_say_op(hk_report *r, const hk_op *o)
{
    if (!o->write)
        hk_say(r, "read by client %u at [%llu, %llu]", o->process, (unsigned long long)o->inv,
               (unsigned long long)o->comp);
    else if (o->known)
        hk_say(r, "write %llu by client %u at [%llu, %llu]", (unsigned long long)o->value, o->process,
               (unsigned long long)o->inv, (unsigned long long)o->comp);
    else
        hk_say(r, "write %llu by client %u invoked at %llu (outcome unknown)",
               (unsigned long long)o->value, o->process, (unsigned long long)o->inv);
    name_culprit(r, o->src);
}

int hk_wref_cmp(const void *a, const void *b)
{
    const hk_wref *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

ptrdiff_t hk_writer(const hk_block *b, uint64_t value)
{
    size_t lo = 0, hi = b->n_writes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->writes[mid].value < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < b->n_writes && b->writes[lo].value == value ? (ptrdiff_t)b->writes[lo].op : -1;
}

/* By block, then invocation, then the caller's order. */
static int op_cmp(const void *a, const void *b)
{
    const hk_op *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->inv != y->inv)
        return x->inv < y->inv ? -1 : 1;
    return x->src < y->src ? -1 : x->src > y->src;
}

static int usage(mc_history_result *out, size_t culprit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int usage(mc_history_result *out, size_t culprit, const char *fmt, ...)
{
    out->verdict = MC_HISTORY_USAGE;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->explanation, sizeof out->explanation, fmt, ap);
    va_end(ap);
    if (culprit != SIZE_MAX)
        out->culprits[out->n_culprits++] = culprit;
    return -1;
}

static int out_of_memory(mc_history_result *out)
{
    out->verdict = MC_HISTORY_UNKNOWN;
    snprintf(out->explanation, sizeof out->explanation, "out of memory");
    return -1;
}

/* The caller's side of the contract, one operation at a time. */
static int validate(const mc_hop *ops, size_t n, mc_history_result *out)
{
    for (size_t i = 0; i < n; i++) {
        const mc_hop *o = &ops[i];
        if (o->kind != MC_HOP_READ && o->kind != MC_HOP_WRITE)
            return usage(out, i, "operation %zu: kind %d is neither read nor write", i, (int)o->kind);
        if (o->outcome != MC_HOP_OK && o->outcome != MC_HOP_FAIL && o->outcome != MC_HOP_UNKNOWN)
            return usage(out, i, "operation %zu: outcome %d is not ok, fail or unknown", i, (int)o->outcome);
        if (o->kind == MC_HOP_WRITE && o->outcome == MC_HOP_FAIL)
            return usage(out, i, "operation %zu: a failed write may have taken effect: record it as unknown", i);
        if (o->outcome == MC_HOP_OK && o->completed > MC_HISTORY_TIME_MAX)
            return usage(out, i, "operation %zu: completion time %llu is reserved (at most %llu)", i,
                         (unsigned long long)o->completed, (unsigned long long)MC_HISTORY_TIME_MAX);
        if (o->outcome == MC_HOP_OK && o->completed < o->invoked)
            return usage(out, i, "operation %zu: completed at %llu before its invocation at %llu", i,
                         (unsigned long long)o->completed, (unsigned long long)o->invoked);
        if (o->kind == MC_HOP_WRITE &&
            (o->value == MC_HISTORY_VALUE_INITIAL || o->value == MC_HISTORY_VALUE_FOREIGN))
            return usage(out, i, "operation %zu: a write of the reserved value %llu", i,
                         (unsigned long long)o->value);
    }
    return 0;
}

/* Everything a check allocates, freed at once. */
typedef struct checker {
    hk_op *ops;          /* considered operations, by block then invocation */
    size_t n;
    size_t *starts;      /* first operation of each block, and n at the end */
    size_t n_blocks;
    hk_wref *writes;     /* per block, its writes by value (indices into the block) */
    size_t *wstarts;     /* first write of each block, and the total at the end */
    hk_wref *by_value;   /* every write, by value (indices into ops) */
    size_t n_writes;
    hk_ctx ctx;
} checker;

static void checker_free(checker *k)
{
    free(k->ops);
    free(k->starts);
    free(k->writes);
    free(k->wstarts);
    free(k->by_value);
    free(k->ctx.reduced);
    free(k->ctx.events);
    free(k->ctx.writer);
}

/* Considered operations grouped by block, each block's writes by value, duplicates refused. */
static int group(checker *k, const mc_hop *ops, size_t n, mc_history_result *out)
{
    k->ops = malloc((n ? n : 1) * sizeof *k->ops);
    if (!k->ops)
        return out_of_memory(out);
    for (size_t i = 0; i < n; i++) {
        const mc_hop *o = &ops[i];
        if (o->kind == MC_HOP_READ && o->outcome != MC_HOP_OK) {
            out->ops_ignored++;
            continue;
        }
        bool known = o->outcome == MC_HOP_OK;
        k->ops[k->n++] = (hk_op){.key = o->key, .value = o->value, .inv = o->invoked,
                                 .comp = known ? o->completed : HK_NEVER, .src = i,
                                 .process = o->process, .write = o->kind == MC_HOP_WRITE, .known = known};
        k->n_writes += o->kind == MC_HOP_WRITE;
    }
    qsort(k->ops, k->n, sizeof *k->ops, op_cmp);
    for (size_t i = 0; i < k->n; i++)
        k->n_blocks += i == 0 || k->ops[i].key != k->ops[i - 1].key;
    k->starts = malloc((k->n_blocks + 1) * sizeof *k->starts);
    k->wstarts = malloc((k->n_blocks + 1) * sizeof *k->wstarts);
    k->writes = malloc((k->n_writes ? k->n_writes : 1) * sizeof *k->writes);
    k->by_value = malloc((k->n_writes ? k->n_writes : 1) * sizeof *k->by_value);
    if (!k->starts || !k->wstarts || !k->writes || !k->by_value)
        return out_of_memory(out);
    size_t blk = 0, w = 0, longest = 0;
    for (size_t i = 0; i < k->n; i++) {
        if (i == 0 || k->ops[i].key != k->ops[i - 1].key) {
            k->starts[blk] = i;
            k->wstarts[blk++] = w;
        }
        if (k->ops[i].write) {
            k->writes[w] = (hk_wref){.value = k->ops[i].value, .op = i - k->starts[blk - 1]};
            k->by_value[w++] = (hk_wref){.value = k->ops[i].value, .op = i};
        }
    }
    k->starts[blk] = k->n;
    k->wstarts[blk] = w;
    for (size_t b = 0; b < k->n_blocks; b++)
        if (k->starts[b + 1] - k->starts[b] > longest)
            longest = k->starts[b + 1] - k->starts[b];
    qsort(k->by_value, k->n_writes, sizeof *k->by_value, hk_wref_cmp);
    for (size_t b = 0; b < k->n_blocks; b++) {
        hk_wref *bw = k->writes + k->wstarts[b];
        size_t nw = k->wstarts[b + 1] - k->wstarts[b];
        qsort(bw, nw, sizeof *bw, hk_wref_cmp);
        for (size_t j = 1; j < nw; j++)
            if (bw[j].value == bw[j - 1].value) {
                const hk_op *a = &k->ops[k->starts[b] + bw[j - 1].op], *c = &k->ops[k->starts[b] + bw[j].op];
                out->key = a->key;
                usage(out, a->src, "operations %zu and %zu both write value %llu to block %llu: values of "
                      "writes must be unique per block", a->src, c->src, (unsigned long long)a->value,
                      (unsigned long long)a->key);
                out->culprits[out->n_culprits++] = c->src;
                return -1;
            }
    }
    k->ctx.reduced = malloc((longest ? longest : 1) * sizeof *k->ctx.reduced);
    k->ctx.events = malloc((longest ? longest : 1) * sizeof *k->ctx.events);
    k->ctx.writer = malloc((longest ? longest : 1) * sizeof *k->ctx.writer);
    if (!k->ctx.reduced || !k->ctx.events || !k->ctx.writer)
        return out_of_memory(out);
    k->ctx.all = k->ops;
    k->ctx.by_value = k->by_value;
    k->ctx.n_writes = k->n_writes;
    return 0;
}

static enum hk_outcome check_block(const hk_ctx *c, const hk_block *b, hk_report *r,
                                   mc_history_result *out)
{
    if (c->search_only) {
        enum hk_outcome o = hk_search(c, b, b->ops, b->n, r, &out->states);
        out->keys_searched += o == HK_LINEARIZABLE || o == HK_VIOLATION;
        return o;
    }
    if (hk_rules(c, b, r))
        return HK_VIOLATION;
    size_t n = hk_reduce(c, b);
    int seq = hk_sequential(b, c->reduced, n, r);
    if (seq >= 0) {
        out->keys_sequential++;
        return seq ? HK_VIOLATION : HK_LINEARIZABLE;
    }
    enum hk_outcome o = hk_search(c, b, c->reduced, n, r, &out->states);
    out->keys_searched += o == HK_LINEARIZABLE || o == HK_VIOLATION;
    return o;
}

static void keep_report(mc_history_result *out, uint64_t key, const hk_report *r)
{
    out->key = key;
    out->rule = r->rule;
    memcpy(out->culprits, r->culprits, sizeof out->culprits);
    out->n_culprits = r->n_culprits;
    memcpy(out->explanation, r->text, sizeof out->explanation);
}

int mc_history_check(const mc_hop *ops, size_t n, const mc_history_limits *lim, mc_history_result *out)
{
    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    if (!ops && n > 0)
        return usage(out, SIZE_MAX, "no operations array for %zu operations", n);
    if (n > MC_HISTORY_MAX_OPS)
        return usage(out, SIZE_MAX, "%zu operations: at most %u per history", n, MC_HISTORY_MAX_OPS);
    mc_history_limits l = lim ? *lim : (mc_history_limits){0};
    if (l.max_states > MC_HISTORY_STATES_LIMIT)
        return usage(out, SIZE_MAX, "max_states %zu: at most %u", l.max_states, MC_HISTORY_STATES_LIMIT);
    if (validate(ops, n, out) < 0)
        return -1;
    checker k = {0};
    k.ctx.max_states = l.max_states ? l.max_states : MC_HISTORY_DEFAULT_MAX_STATES;
    k.ctx.max_memo_bytes = l.max_memo_bytes ? l.max_memo_bytes : MC_HISTORY_DEFAULT_MAX_MEMO_BYTES;
    k.ctx.search_only = l.search_only;
    if (group(&k, ops, n, out) < 0) {
        checker_free(&k);
        return -1;
    }
    out->keys = k.n_blocks;
    out->ops = k.n;
    int rc = 0;
    hk_report *r = malloc(sizeof *r);
    if (!r) {
        checker_free(&k);
        return out_of_memory(out);
    }
    for (size_t b = 0; b < k.n_blocks; b++) {
        hk_block blk = {.key = k.ops[k.starts[b]].key, .ops = k.ops + k.starts[b],
                        .n = k.starts[b + 1] - k.starts[b], .writes = k.writes + k.wstarts[b],
                        .n_writes = k.wstarts[b + 1] - k.wstarts[b]};
        r->rule = MC_HISTORY_RULE_NONE;
        r->n_culprits = 0;
        r->len = 0;
        r->text[0] = '\0';
        enum hk_outcome o = check_block(&k.ctx, &blk, r, out);
        if (o == HK_NOMEM) {
            rc = out_of_memory(out);
            break;
        }
        if (o == HK_VIOLATION) {
            if (out->keys_violating++ == 0)
                keep_report(out, blk.key, r);
        } else if (o == HK_BOUND) {
            if (out->keys_unknown++ == 0 && out->keys_violating == 0)
                keep_report(out, blk.key, r);
        }
    }
    if (rc == 0)
        out->verdict = out->keys_violating ? MC_HISTORY_VIOLATION
                       : out->keys_unknown ? MC_HISTORY_UNKNOWN
                       : MC_HISTORY_LINEARIZABLE;
    free(r);
    checker_free(&k);
    return rc;
}
