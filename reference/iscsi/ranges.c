#include "ranges.h"

#include <stdlib.h>
#include <string.h>

#define RANGES_FIRST_CAP 8u  /* slots of the first allocation; doubled as needed */

int mc_ranges_add(mc_ranges *r, uint32_t lo, uint32_t hi)
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
            size_t cap = r->cap ? r->cap * 2 : RANGES_FIRST_CAP;
            mc_range *v = realloc(r->v, cap * sizeof(*v));
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

bool mc_ranges_first_gap(const mc_ranges *r, uint32_t lo, uint32_t hi, mc_range *gap)
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

uint64_t mc_ranges_total(const mc_ranges *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->v[i].hi - r->v[i].lo;
    return n;
}

void mc_ranges_free(mc_ranges *r)
{
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
}
