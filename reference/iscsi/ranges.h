/* Byte ranges of a buffer that have arrived: a target's write buffer filled by Data-Out in any
 * order, so what went missing can be asked for again (RFC 7143 6.7, recovery R2T). */
#ifndef MC_ISCSI_RANGES_H
#define MC_ISCSI_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mc_range {
    uint32_t lo, hi;  /* [lo, hi) */
} mc_range;

/* Sorted, disjoint, merged; zero-initialised is empty. */
typedef struct mc_ranges {
    mc_range *v;
    size_t n, cap;
} mc_ranges;

/* Adds [lo, hi), merging neighbours. 0, or -1 out of memory (r unchanged). */
int mc_ranges_add(mc_ranges *r, uint32_t lo, uint32_t hi);
/* The first part of [lo, hi) not covered; false when all of it has arrived. */
bool mc_ranges_first_gap(const mc_ranges *r, uint32_t lo, uint32_t hi, mc_range *gap);
/* Bytes covered in all. */
uint64_t mc_ranges_total(const mc_ranges *r);
void mc_ranges_free(mc_ranges *r);

#endif
