/* How a client of the virtual SAN suite marks the blocks it writes, so that a read tells which
 * write it returned (docs/history-checker.md §1, "Values"): a block written with value id v holds
 * v big-endian in its first 8 bytes and a pattern derived from v after them. Reading it back
 * gives v; an all-zero block gives the initial value; anything else (a torn, mixed or stray block)
 * is MC_HISTORY_VALUE_FOREIGN. The harness's clients and the simulated SAN of the tests both use
 * this one encoding. */
#ifndef MC_VSAN_BLOCK_VALUE_H
#define MC_VSAN_BLOCK_VALUE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the id at the start of a block: the smallest block this encoding marks. */
#define MC_BLOCK_VALUE_ID_LEN 8u

/* Fills block[0..len) for value id v (len >= MC_BLOCK_VALUE_ID_LEN). */
void mc_block_value_fill(uint64_t v, uint8_t *block, size_t len);
/* The value id block[0..len) holds: v when it is exactly what mc_block_value_fill(v) writes,
 * MC_HISTORY_VALUE_INITIAL when it is all zero, MC_HISTORY_VALUE_FOREIGN otherwise. */
uint64_t mc_block_value_decode(const uint8_t *block, size_t len);

#endif
