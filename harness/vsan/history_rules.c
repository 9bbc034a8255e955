/* Proof rules, the reduction and the linear pass of the history checker.
 *
 * Each rule is a sufficient condition for a block's history not to be linearizable, found in
 * O(n log n) and reported with the operations that prove it (values of writes are unique per
 * block, so a read of value v can only follow the one write of v):
 *   foreign        a read returned data no write produced;
 *   never written  a read returned a value no write to its block wrote;
 *   future         a read completed before the write of its value was invoked;
 *   overwritten    before a read of v began, the block is known to have held a value whose
 *                  write began after the (ok) write of v completed: either that write completed
 *                  before the read began, or a read of its value did. Then write v, that write
 *                  and the read are ordered, and the read cannot return v. With v = 0 (the
 *                  initial content) any write known to have taken effect before the read will do.
 * When none holds, the reduction makes unknown writes definite or removes them, and a block
 * whose operations do not overlap in time is checked by replaying them in order. */
#include <stdlib.h>

#include "history_internal.h"

/* Appends " (value V was written to block K: ...)" when a write of value exists elsewhere. */
static void say_elsewhere(const hk_ctx *c, uint64_t value, hk_report *r)
{
    size_t lo = 0, hi = c->n_writes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->by_value[mid].value < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->n_writes && c->by_value[lo].value == value) {
        const hk_op *w = &c->all[c->by_value[lo].op];
        hk_say(r, " (it went to block %llu: ", (unsigned long long)w->key);
        hk_say_op(r, w);
        hk_say(r, ")");
    }
}

/* The rules that need one read and the write of its value. */
static int rule_single(const hk_ctx *c, const hk_block *b, hk_report *r)
{
    for (size_t i = 0; i < b->n; i++) {
        const hk_op *o = &b->ops[i];
        c->writer[i] = -1;
        if (o->write || o->value == MC_HISTORY_VALUE_INITIAL)
            continue;
        bool foreign = o->value == MC_HISTORY_VALUE_FOREIGN;
        ptrdiff_t w = foreign ? -1 : hk_writer(b, o->value);
        c->writer[i] = w;
        if (w >= 0 && o->comp >= b->ops[w].inv)
            continue;
        hk_say(r, "block %llu: ", (unsigned long long)b->key);
        hk_say_op(r, o);
        if (foreign) {
            r->rule = MC_HISTORY_RULE_FOREIGN;
            hk_say(r, " returned data that no write produced");
        } else if (w < 0) {
            r->rule = MC_HISTORY_RULE_NEVER_WRITTEN;
            hk_say(r, " returned %llu, which no write to block %llu wrote", (unsigned long long)o->value,
                   (unsigned long long)b->key);
            say_elsewhere(c, o->value, r);
        } else {
            r->rule = MC_HISTORY_RULE_FUTURE;
            hk_say(r, " returned %llu before ", (unsigned long long)o->value);
            hk_say_op(r, &b->ops[w]);
            hk_say(r, " began");
        }
        return 1;
    }
    return 0;
}

static int event_cmp(const void *a, const void *b)
{
    const hk_event *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

static void say_overwritten(const hk_block *b, const hk_op *rd, const hk_op *wv, const hk_event *e,
                            hk_report *r)
{
    const hk_op *x = &b->ops[e->op];
    r->rule = MC_HISTORY_RULE_OVERWRITTEN;
    hk_say(r, "block %llu: ", (unsigned long long)b->key);
    hk_say_op(r, rd);
    if (wv)
        hk_say(r, " returned %llu, but ", (unsigned long long)rd->value);
    else
        hk_say(r, " returned the initial value 0, but ");
    if (x->write) {
        hk_say_op(r, x);
        if (wv) {
            hk_say(r, " began after ");
            hk_say_op(r, wv);
            hk_say(r, " completed, and completed before the read began; values are unique, so no "
                      "later write of %llu exists", (unsigned long long)rd->value);
        } else {
            hk_say(r, " completed before the read began");
        }
        return;
    }
    hk_say(r, "the ");
    hk_say_op(r, x);
    hk_say(r, ", completed before it began, returned %llu from the ", (unsigned long long)x->value);
    const hk_op *wx = &b->ops[hk_writer(b, x->value)];
    hk_say_op(r, wx);
    if (wv) {
        hk_say(r, ", which began after ");
        hk_say_op(r, wv);
        hk_say(r, " completed");
    }
}

/* The overwritten rule: a sweep of the reads by invocation over the proof events by time. */
static int rule_overwritten(const hk_ctx *c, const hk_block *b, hk_report *r)
{
    size_t ne = 0;
    for (size_t i = 0; i < b->n; i++) {
        const hk_op *o = &b->ops[i];
        if (o->write) {
            if (o->known)
                c->events[ne++] = (hk_event){.t = o->comp, .began = o->inv, .op = i};
        } else if (o->value != MC_HISTORY_VALUE_INITIAL) {
            /* rule_single found its write */
            c->events[ne++] = (hk_event){.t = o->comp, .began = b->ops[c->writer[i]].inv, .op = i};
        }
    }
    qsort(c->events, ne, sizeof *c->events, event_cmp);
    size_t next = 0;
    const hk_event *best = NULL;
    for (size_t i = 0; i < b->n; i++) {
        const hk_op *rd = &b->ops[i];
        if (rd->write)
            continue;
        for (; next < ne && c->events[next].t < rd->inv; next++)
            if (!best || c->events[next].began > best->began)
                best = &c->events[next];
        if (!best)
            continue;
        if (rd->value == MC_HISTORY_VALUE_INITIAL) {
            say_overwritten(b, rd, NULL, best, r);
            return 1;
        }
        const hk_op *wv = &b->ops[c->writer[i]];
        if (wv->known && best->began > wv->comp) {
            say_overwritten(b, rd, wv, best, r);
            return 1;
        }
    }
    return 0;
}

int hk_rules(const hk_ctx *c, const hk_block *b, hk_report *r)
{
    return rule_single(c, b, r) || rule_overwritten(c, b, r);
}

size_t hk_reduce(const hk_ctx *c, const hk_block *b)
{
    hk_op *ops = c->reduced;
    for (size_t i = 0; i < b->n; i++)
        ops[i] = b->ops[i];
    for (size_t i = 0; i < b->n; i++) {
        const hk_op *o = &b->ops[i];
        if (o->write || o->value == MC_HISTORY_VALUE_INITIAL)
            continue;
        hk_op *w = &ops[c->writer[i]];
        if (!w->known && o->comp < w->comp)
            w->comp = o->comp; /* >= its invocation: the future rule found nothing */
    }
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        if (ops[i].comp != HK_NEVER)
            ops[n++] = ops[i];
    return n;
}

int hk_sequential(const hk_block *b, const hk_op *ops, size_t n, hk_report *r)
{
    for (size_t i = 1; i < n; i++)
        if (!(ops[i - 1].comp < ops[i].inv))
            return -1;
    const hk_op *last = NULL;
    for (size_t i = 0; i < n; i++) {
        const hk_op *o = &ops[i];
        if (o->write) {
            last = o;
            continue;
        }
        uint64_t held = last ? last->value : MC_HISTORY_VALUE_INITIAL;
        if (o->value == held)
            continue;
        r->rule = MC_HISTORY_RULE_SEQUENTIAL;
        hk_say(r, "block %llu: its operations do not overlap in time, and the ", (unsigned long long)b->key);
        hk_say_op(r, o);
        hk_say(r, " returned %llu while the block held ", (unsigned long long)o->value);
        if (last) {
            hk_say(r, "%llu from the ", (unsigned long long)held);
            hk_say_op(r, last);
        } else {
            hk_say(r, "its initial value 0");
        }
        ptrdiff_t w = hk_writer(b, o->value);
        if (w >= 0) {
            hk_say(r, "; the value came from the ");
            hk_say_op(r, &b->ops[w]);
        }
        return 1;
    }
    return 0;
}
