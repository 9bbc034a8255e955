/* Random histories for the checker's tests and benchmark (history_gen.h). */
#include "history_gen.h"

#include <stdlib.h>

#define XS_SHIFT1 12
#define XS_SHIFT2 25
#define XS_SHIFT3 27
#define XS_MUL 0x2545f4914f6cdd1dull   /* xorshift64* (Vigna) */
#define FIRST_VALUE 1u                 /* 0 is every block's initial content */
#define HALF 2u

uint64_t hgen_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> XS_SHIFT1;
    x ^= x << XS_SHIFT2;
    x ^= x >> XS_SHIFT3;
    *state = x;
    return x * XS_MUL;
}

uint64_t hgen_below(uint64_t *state, uint64_t bound)
{
    return hgen_next(state) % bound;
}

static bool chance(uint64_t *rng, unsigned pct)
{
    return hgen_below(rng, HGEN_PERCENT) < pct;
}

/* An operation's instant of effect, for the global order. */
typedef struct effect {
    uint64_t at;
    size_t op;
} effect;

static int effect_cmp(const void *a, const void *b)
{
    const effect *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

int hgen_register(const hgen_params *p, uint64_t *rng, mc_hop *out)
{
    uint64_t *clock = calloc(p->clients, sizeof *clock);
    uint64_t *held = calloc(p->keys, sizeof *held);
    effect *eff = malloc((p->ops ? p->ops : 1) * sizeof *eff);
    if (!clock || !held || !eff) {
        free(clock);
        free(held);
        free(eff);
        return -1;
    }
    size_t ne = 0;
    uint64_t next_value = FIRST_VALUE;
    for (size_t i = 0; i < p->ops; i++) {
        unsigned c = (unsigned)hgen_below(rng, p->clients);
        mc_hop *o = &out[i];
        *o = (mc_hop){.process = c, .key = hgen_below(rng, p->keys), .outcome = MC_HOP_OK};
        o->invoked = clock[c] + 1 + hgen_below(rng, p->max_gap);
        uint64_t at = o->invoked + hgen_below(rng, p->max_latency + 1);
        o->completed = at + hgen_below(rng, p->max_latency + 1);
        bool takes_effect = true;
        if (chance(rng, p->write_pct)) {
            o->kind = MC_HOP_WRITE;
            o->value = next_value++;
            if (chance(rng, p->unknown_pct)) {
                /* the client gives up at its completion time; the write may land much later */
                o->outcome = MC_HOP_UNKNOWN;
                takes_effect = hgen_below(rng, HALF) == 0;
                at = o->invoked + hgen_below(rng, p->max_late + 1);
            }
        } else {
            o->kind = MC_HOP_READ;
            if (chance(rng, p->fail_pct)) {
                o->outcome = hgen_below(rng, HALF) ? MC_HOP_FAIL : MC_HOP_UNKNOWN;
                o->value = hgen_next(rng); /* whatever the client saw is not a result */
                takes_effect = false;
            }
        }
        clock[c] = o->completed;
        if (takes_effect)
            eff[ne++] = (effect){.at = at, .op = i};
    }
    qsort(eff, ne, sizeof *eff, effect_cmp);
    for (size_t k = 0; k < ne; k++) {
        mc_hop *o = &out[eff[k].op];
        if (o->kind == MC_HOP_WRITE)
            held[o->key] = o->value;
        else
            o->value = held[o->key];
    }
    free(clock);
    free(held);
    free(eff);
    return 0;
}

/* Arbitrary histories: intervals within a short span so that many overlap. */
#define ARB_SPAN 20u
#define ARB_LENGTH 10u
#define ARB_UNKNOWN_PCT 20u
#define ARB_FAIL_PCT 10u
#define ARB_FOREIGN_PCT 5u
#define ARB_INITIAL_PCT 20u

void hgen_arbitrary(size_t n, unsigned keys, uint64_t *rng, mc_hop *out)
{
    uint64_t next_value = FIRST_VALUE;
    for (size_t i = 0; i < n; i++) {
        mc_hop *o = &out[i];
        *o = (mc_hop){.process = (uint32_t)i, .key = hgen_below(rng, keys), .outcome = MC_HOP_OK};
        o->invoked = hgen_below(rng, ARB_SPAN);
        o->completed = o->invoked + hgen_below(rng, ARB_LENGTH);
        o->kind = hgen_below(rng, HALF) ? MC_HOP_WRITE : MC_HOP_READ;
        if (o->kind == MC_HOP_WRITE) {
            o->value = next_value++;
            if (chance(rng, ARB_UNKNOWN_PCT))
                o->outcome = MC_HOP_UNKNOWN;
        } else if (chance(rng, ARB_FAIL_PCT)) {
            o->outcome = MC_HOP_FAIL;
        }
    }
    /* reads return the initial value, foreign data or any value written (to any block) */
    for (size_t i = 0; i < n; i++) {
        mc_hop *o = &out[i];
        if (o->kind != MC_HOP_READ)
            continue;
        if (chance(rng, ARB_FOREIGN_PCT))
            o->value = MC_HISTORY_VALUE_FOREIGN;
        else if (next_value == FIRST_VALUE || chance(rng, ARB_INITIAL_PCT))
            o->value = MC_HISTORY_VALUE_INITIAL;
        else
            o->value = FIRST_VALUE + hgen_below(rng, next_value - FIRST_VALUE);
    }
}

/* The oracle's search: depth first over the operations not yet placed. */
typedef struct oracle {
    const mc_hop *op[HORACLE_MAX_OPS];
    bool must[HORACLE_MAX_OPS];  /* ok operations; unknown writes may stay unplaced */
    size_t n;
    uint64_t key[HORACLE_MAX_OPS];
    uint64_t val[HORACLE_MAX_OPS];
    size_t n_keys;
} oracle;

static size_t reg_of(const oracle *o, uint64_t key)
{
    size_t r = 0;
    while (o->key[r] != key)
        r++;
    return r;
}

static bool place(oracle *o, unsigned placed)
{
    bool done = true;
    for (size_t i = 0; i < o->n; i++)
        if (o->must[i] && !(placed & 1u << i))
            done = false;
    if (done)
        return true;
    for (size_t i = 0; i < o->n; i++) {
        if (placed & 1u << i)
            continue;
        const mc_hop *x = o->op[i];
        bool minimal = true; /* no operation left completed before x was invoked */
        for (size_t j = 0; j < o->n && minimal; j++)
            if (j != i && !(placed & 1u << j) && o->must[j] && o->op[j]->completed < x->invoked)
                minimal = false;
        if (!minimal)
            continue;
        size_t r = reg_of(o, x->key);
        if (x->kind == MC_HOP_READ) {
            if (o->val[r] == x->value && place(o, placed | 1u << i))
                return true;
            continue;
        }
        uint64_t old = o->val[r];
        o->val[r] = x->value;
        bool ok = place(o, placed | 1u << i);
        o->val[r] = old;
        if (ok)
            return true;
    }
    return false;
}

int horacle_check(const mc_hop *ops, size_t n)
{
    oracle o = {.n = 0};
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind == MC_HOP_READ && ops[i].outcome != MC_HOP_OK)
            continue;
        if (o.n == HORACLE_MAX_OPS)
            return -1;
        o.must[o.n] = ops[i].outcome == MC_HOP_OK;
        o.op[o.n++] = &ops[i];
        size_t k = 0;
        while (k < o.n_keys && o.key[k] != ops[i].key)
            k++;
        if (k == o.n_keys) {
            o.key[o.n_keys] = ops[i].key;
            o.val[o.n_keys++] = MC_HISTORY_VALUE_INITIAL;
        }
    }
    return place(&o, 0) ? 1 : 0;
}
