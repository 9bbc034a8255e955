/* Seeded fault injection on the harness's own connections: each PDU crossing a connection asks
 * the plan what to do with it. Decisions come from a per-connection PRNG, so a seed replays a run. */
#ifndef MC_FAULT_H
#define MC_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdu.h"

#define MC_FAULT_MATCH_MAX 8u
#define MC_FAULT_PPM 1000000u   /* probabilities are held in parts per million */

typedef enum mc_fault_kind {
    MC_FAULT_NONE = 0,
    MC_FAULT_DROP = 1u << 0,
    MC_FAULT_DUP = 1u << 1,
    MC_FAULT_CORRUPT = 1u << 2,
    MC_FAULT_DELAY = 1u << 3,
} mc_fault_kind;

typedef struct mc_fault_match {
    mc_field field;
    uint64_t value;
} mc_fault_match;

typedef struct mc_fault_plan {
    uint64_t state;                /* splitmix64 state; the seed itself at start */
    uint32_t drop_ppm, dup_ppm, corrupt_ppm;
    uint32_t delay_ms;             /* applied to every matching PDU */
    unsigned once;                 /* mc_fault_kind bits to apply to the next matching PDU only */
    bool outbound, inbound;        /* directions the plan applies to */
    mc_fault_match match[MC_FAULT_MATCH_MAX];
    size_t nmatch;
    uint64_t seen, dropped, duplicated, corrupted, delayed;
} mc_fault_plan;

typedef struct mc_fault_decision {
    unsigned kinds;                /* mc_fault_kind bits */
    size_t corrupt_at;             /* byte index into the wire bytes, when corrupting */
    uint8_t corrupt_xor;           /* non-zero mask to flip there */
    uint32_t delay_ms;
} mc_fault_decision;

/* A plan that does nothing, seeded (outbound only by default). */
void mc_fault_init(mc_fault_plan *p, uint64_t seed);
/* The next raw 64-bit PRNG value (splitmix64), advancing the state. */
uint64_t mc_fault_next(mc_fault_plan *p);
/* One draw: true with probability ppm / MC_FAULT_PPM. */
bool mc_fault_roll(mc_fault_plan *p, uint32_t ppm);
/* Converts a probability in [0,1] to parts per million; -1 when out of range. */
int mc_fault_ppm(double probability, uint32_t *ppm);
bool mc_fault_matches(const mc_fault_plan *p, const mc_pdu *pdu);
/* Decides what happens to one PDU of wire_len bytes. Every matching PDU consumes the same
 * number of PRNG draws whatever the outcome, so decisions depend only on seed and PDU order. */
mc_fault_decision mc_fault_decide(mc_fault_plan *p, const mc_pdu *pdu, bool outbound, size_t wire_len);

#endif
