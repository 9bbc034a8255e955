/* The block marking of block_value.h. */
#include "block_value.h"

#include "history.h"

#define BYTE_BITS 8u
#define PATTERN_MUL 31u   /* byte i of value v's pattern is the low byte of v * 31 + i */

static uint8_t pattern_byte(uint64_t v, size_t i) { return (uint8_t)(v * PATTERN_MUL + i); }

void mc_block_value_fill(uint64_t v, uint8_t *block, size_t len)
{
    for (size_t i = 0; i < len; i++)
        block[i] = i < MC_BLOCK_VALUE_ID_LEN
                       ? (uint8_t)(v >> (BYTE_BITS * (MC_BLOCK_VALUE_ID_LEN - 1u - i)))
                       : pattern_byte(v, i);
}

uint64_t mc_block_value_decode(const uint8_t *block, size_t len)
{
    if (len < MC_BLOCK_VALUE_ID_LEN)
        return MC_HISTORY_VALUE_FOREIGN;
    uint64_t v = 0;
    for (size_t i = 0; i < MC_BLOCK_VALUE_ID_LEN; i++)
        v = (v << BYTE_BITS) | block[i];
    for (size_t i = MC_BLOCK_VALUE_ID_LEN; i < len; i++)
        if (block[i] != (v == MC_HISTORY_VALUE_INITIAL ? 0u : pattern_byte(v, i)))
            return MC_HISTORY_VALUE_FOREIGN;
    return v;
}
