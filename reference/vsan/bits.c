/* Region bitmaps: dirty per server, dirty-self, the activity log, resync and repair sets. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

static size_t bytes_of(uint32_t n) { return ((size_t)n + 7u) / 8u; }

int vs_bits_init(vs_bits *m, uint32_t n)
{
    m->n = n;
    m->b = calloc(bytes_of(n) ? bytes_of(n) : 1u, 1);
    return m->b ? 0 : -1;
}

void vs_bits_free(vs_bits *m)
{
    free(m->b);
    m->b = NULL;
    m->n = 0;
}

uint32_t vs_bits_count(const vs_bits *m)
{
    uint32_t c = 0;
    for (size_t i = 0; i < bytes_of(m->n); i++)
        c += (uint32_t)__builtin_popcount(m->b[i]);
    return c;
}

void vs_bits_zero(vs_bits *m) { memset(m->b, 0, bytes_of(m->n)); }

void vs_bits_fill(vs_bits *m)
{
    memset(m->b, 0xff, bytes_of(m->n));
    if (m->n % 8u)  /* bits past n stay clear, so counts and comparisons hold */
        m->b[bytes_of(m->n) - 1] = (uint8_t)((1u << (m->n % 8u)) - 1u);
}

void vs_bits_or(vs_bits *dst, const vs_bits *src)
{
    for (size_t i = 0; i < bytes_of(dst->n); i++)
        dst->b[i] |= src->b[i];
}

bool vs_bits_any(const vs_bits *m)
{
    for (size_t i = 0; i < bytes_of(m->n); i++)
        if (m->b[i])
            return true;
    return false;
}

uint32_t vs_bits_next(const vs_bits *m, uint32_t from)
{
    for (uint32_t i = from; i < m->n; i++) {
        if ((i & 7u) == 0 && m->b[i >> 3] == 0) {
            i += 7u;  /* a clear byte: skip it */
            continue;
        }
        if (vs_bits_get(m, i))
            return i;
    }
    return UINT32_MAX;
}
