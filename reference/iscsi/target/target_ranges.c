/* Byte ranges of a write buffer that have arrived, so lost Data-Out can be asked for again. */
#include <stdlib.h>
#include <string.h>

#include "target_int.h"

/* Inserts [lo, hi) and merges neighbours; the array stays sorted and disjoint. */
int tgt_ranges_add(tgt_ranges *r, uint32_t lo, uint32_t hi)
{
    if (lo >= hi)
        return 0;
    size_t i = 0;
    while (i < r->n && r->v[i].hi < lo)
        i++;
    size_t j = i;
    while (j < r->n && r->v[j].lo <= hi) {
        if (r->v[j].lo < lo)
            lo = r->v[j].lo;
        if (r->v[j].hi > hi)
            hi = r->v[j].hi;
        j++;
    }
    if (j == i) {  /* no overlap: open a slot at i */
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 8;
            tgt_range *v = realloc(r->v, cap * sizeof(*v));
            if (!v)
                return -1;
            r->v = v;
            r->cap = cap;
        }
        memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(*r->v));
        r->n++;
    } else if (j > i + 1) {  /* several merged into slot i */
        memmove(&r->v[i + 1], &r->v[j], (r->n - j) * sizeof(*r->v));
        r->n -= j - i - 1;
    }
    r->v[i].lo = lo;
    r->v[i].hi = hi;
    return 0;
}

/* The first part of [lo, hi) not covered; false when all of it has arrived. */
bool tgt_ranges_first_gap(const tgt_ranges *r, uint32_t lo, uint32_t hi, tgt_range *gap)
{
    uint32_t at = lo;
    for (size_t i = 0; i < r->n && at < hi; i++) {
        if (r->v[i].hi <= at)
            continue;
        if (r->v[i].lo > at) {
            gap->lo = at;
            gap->hi = r->v[i].lo < hi ? r->v[i].lo : hi;
            return true;
        }
        at = r->v[i].hi;
    }
    if (at < hi) {
        gap->lo = at;
        gap->hi = hi;
        return true;
    }
    return false;
}

void tgt_ranges_free(tgt_ranges *r)
{
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
}
