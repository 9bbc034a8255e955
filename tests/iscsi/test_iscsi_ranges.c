/* Arrived byte ranges: merging in any order, gaps, totals, and the empty set. */
#include <stdio.h>

#include "ranges.h"
#include "tap.h"

/* The set as "lo-hi,lo-hi" for comparison. */
static const char *show(const mc_ranges *r, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%u-%u", i ? "," : "", (unsigned)r->v[i].lo,
                               (unsigned)r->v[i].hi);
    return buf;
}

int main(void)
{
    char b[256];
    mc_ranges r = {0};
    mc_range gap;
    tap_ok(mc_ranges_first_gap(&r, 0, 100, &gap) && gap.lo == 0 && gap.hi == 100, "empty: all of it is a gap");
    tap_is_int((long long)mc_ranges_total(&r), 0, "empty: nothing covered");
    tap_is_int(mc_ranges_add(&r, 5, 5), 0, "an empty range is accepted");
    tap_is_int((long long)r.n, 0, "and adds nothing");

    mc_ranges_add(&r, 40, 60);
    mc_ranges_add(&r, 0, 10);
    mc_ranges_add(&r, 80, 90);
    tap_is_str(show(&r, b, sizeof b), "0-10,40-60,80-90", "out-of-order inserts stay sorted");
    tap_ok(mc_ranges_first_gap(&r, 0, 100, &gap) && gap.lo == 10 && gap.hi == 40, "first gap 10-40");
    tap_ok(mc_ranges_first_gap(&r, 45, 85, &gap) && gap.lo == 60 && gap.hi == 80, "first gap inside a window");
    tap_ok(!mc_ranges_first_gap(&r, 42, 58, &gap), "no gap inside a covered range");
    tap_ok(mc_ranges_first_gap(&r, 85, 100, &gap) && gap.lo == 90 && gap.hi == 100, "gap at the end");

    mc_ranges_add(&r, 10, 40);
    tap_is_str(show(&r, b, sizeof b), "0-60,80-90", "touching neighbours merge");
    mc_ranges_add(&r, 50, 85);
    tap_is_str(show(&r, b, sizeof b), "0-90", "an overlap swallows two ranges");
    tap_is_int((long long)mc_ranges_total(&r), 90, "90 bytes covered");
    tap_ok(!mc_ranges_first_gap(&r, 0, 90, &gap), "0-90 complete");

    for (uint32_t i = 0; i < 64; i++)
        mc_ranges_add(&r, 1000 + 4 * i, 1002 + 4 * i);  /* grows past the first allocation */
    tap_is_int((long long)r.n, 65, "65 disjoint ranges kept");
    tap_is_int((long long)mc_ranges_total(&r), 90 + 128, "their total");
    mc_ranges_add(&r, 0, 2000);
    tap_is_str(show(&r, b, sizeof b), "0-2000", "one range covering all merges everything");
    mc_ranges_free(&r);
    tap_ok(r.v == NULL && r.n == 0 && r.cap == 0, "freed set is empty again");
    return tap_done();
}
