/* Histories for the checker's tests and benchmark: seeded randomness, histories recorded from a
 * simulated linearizable register per block, small arbitrary histories, and the exhaustive
 * oracle that decides small histories from the definition. */
#ifndef MC_VSAN_HISTORY_GEN_H
#define MC_VSAN_HISTORY_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"

#define HGEN_PERCENT 100u
/* The oracle tries every order of at most this many operations (12! orders at worst). */
#define HORACLE_MAX_OPS 12u

/* xorshift64*: a fixed sequence for a fixed nonzero seed, so a failure replays. */
uint64_t hgen_next(uint64_t *state);
/* Uniform in [0, bound) for bound > 0. */
uint64_t hgen_below(uint64_t *state, uint64_t bound);

typedef struct hgen_params {
    unsigned clients;         /* each runs its operations one after another */
    unsigned keys;            /* blocks 0..keys-1, chosen uniformly */
    size_t ops;
    unsigned write_pct;       /* operations that are writes */
    unsigned unknown_pct;     /* writes whose outcome is unknown (half of them take effect) */
    unsigned fail_pct;        /* reads that fail (ignored by the checker) */
    uint64_t max_gap;         /* think time between a client's operations, microseconds */
    uint64_t max_latency;     /* invocation to effect, and effect to completion */
    uint64_t max_late;        /* invocation to effect of an unknown write that takes effect */
} hgen_params;

/* Fills out[0..p->ops) with what clients of a register per block would record: each operation
 * takes effect at one instant inside its interval, in one global order, and every read returns
 * the block's value at that instant. Write values are unique (1, 2, ...). -1 without memory. */
int hgen_register(const hgen_params *p, uint64_t *rng, mc_hop *out);

/* Fills out[0..n) with an arbitrary small history over `keys` blocks: random intervals, unique
 * write values, reads returning 0, a written value (of any block) or foreign data. */
void hgen_arbitrary(size_t n, unsigned keys, uint64_t *rng, mc_hop *out);

/* The definition, tried exhaustively: 1 when some order of the operations respects real time
 * and every block's register (failed and unknown reads left out; an unknown write placed
 * anywhere after its invocation, or nowhere), 0 when none does, -1 for more than
 * HORACLE_MAX_OPS operations. */
int horacle_check(const mc_hop *ops, size_t n);

#endif
