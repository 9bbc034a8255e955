/* The history checker: hand-made histories for every rule and outcome, usage errors, the search
 * bound, and randomized cross-checks against the exhaustive oracle (history_gen.h). The seed is
 * MC_HISTORY_SEED (default HISTORY_SEED) and is printed, so a failure replays. */
#include <stdlib.h>
#include <string.h>

#include "block_value.h"
#include "history.h"
#include "history_gen.h"
#include "tap.h"

#define HISTORY_SEED 0x5eed2026u
#define BLOCK 3u
#define FAR_LATER 1000000u      /* an unknown write's value seen a second after its invocation */
#define LOW_BOUND 50000u        /* states: well under what a pathological block needs */
#define LOW_MEMO 4096u          /* bytes of memo: a handful of states */
#define PATHOLOGICAL_WRITES 24u /* concurrent writes: about 24 * 2^23 states to exhaust */
#define SMALL_WRITES 8u         /* the same shape within LOW_BOUND: 8 * 2^7 states */
#define MAX_SMALL 7u            /* operations of the histories the oracle decides */
#define ROUNDS 3000u            /* histories of each randomized family */
#define CORRUPTIONS 20u         /* provably stale reads planted in a large history */
#define LARGE_OPS 10000u
#define LARGE_CLIENTS 8u
#define LARGE_KEYS 64u
#define LARGE_UNKNOWN_PCT 5u    /* a soak's share of timed-out writes and failed reads */
#define LARGE_FAIL_PCT 5u
#define LARGE_GAP 100u          /* microseconds of think time, latency and late effect */
#define LARGE_LATENCY 200u
#define LARGE_LATE 5000u
/* Small histories: up to SMALL_CLIENTS clients over up to SMALL_KEYS blocks, with gaps shorter
 * than latencies so that most operations overlap. */
#define SMALL_CLIENTS 3u
#define SMALL_KEYS 2u
#define SMALL_UNKNOWN_PCT 20u
#define SMALL_FAIL_PCT 10u
#define SMALL_GAP 3u
#define SMALL_LATENCY 5u
#define SMALL_LATE 30u
#define WRITE_PCT 50u
#define ISOLATED_KEYS 9u
#define VIOLATING_KEY 5u

static mc_hop wr(uint32_t p, uint64_t key, uint64_t v, uint64_t inv, uint64_t comp)
{
    return (mc_hop){.process = p, .kind = MC_HOP_WRITE, .key = key, .value = v, .invoked = inv,
                    .completed = comp, .outcome = MC_HOP_OK};
}

static mc_hop wr_unknown(uint32_t p, uint64_t key, uint64_t v, uint64_t inv)
{
    return (mc_hop){.process = p, .kind = MC_HOP_WRITE, .key = key, .value = v, .invoked = inv,
                    .completed = inv, .outcome = MC_HOP_UNKNOWN};
}

static mc_hop rd(uint32_t p, uint64_t key, uint64_t v, uint64_t inv, uint64_t comp)
{
    return (mc_hop){.process = p, .kind = MC_HOP_READ, .key = key, .value = v, .invoked = inv,
                    .completed = comp, .outcome = MC_HOP_OK};
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static mc_history_verdict check(const mc_hop *ops, size_t n, const mc_history_limits *lim,
                                mc_history_result *res)
{
    mc_history_check(ops, n, lim, res);
    return res->verdict;
}

static const mc_history_limits search_only = {.search_only = true};

static bool names(const mc_history_result *r, size_t op)
{
    for (size_t i = 0; i < r->n_culprits; i++)
        if (r->culprits[i] == op)
            return true;
    return false;
}

static bool says(const mc_history_result *r, const char *text)
{
    return strstr(r->explanation, text) != NULL;
}

/* A violation point with the rule and the operations that must be named. */
static void is_violation(const mc_history_result *r, mc_history_rule rule, const size_t *named, size_t n_named,
                         const char *what)
{
    tap_is_str(mc_history_verdict_name(r->verdict), "violation", "%s: violation", what);
    tap_is_str(mc_history_rule_name(r->rule), mc_history_rule_name(rule), "%s: found by rule '%s'", what,
               mc_history_rule_name(rule));
    bool all = true;
    for (size_t i = 0; i < n_named; i++)
        all = all && names(r, named[i]);
    if (!tap_ok(all, "%s: the report names the operations that prove it", what) || r->n_culprits == 0)
        tap_diag("culprits: %zu", r->n_culprits);
    tap_diag("%s", r->explanation);
}

static void test_empty_and_sequential(void)
{
    mc_history_result r;
    tap_ok(mc_history_check(NULL, 0, NULL, &r) == 0 && r.verdict == MC_HISTORY_LINEARIZABLE &&
               r.keys == 0 && r.ops == 0 && r.states == 0,
           "an empty history is linearizable, with no blocks, operations or states");
    mc_hop seq[] = {rd(2, BLOCK, 0, 1, 5), wr(1, BLOCK, 7, 10, 20), rd(2, BLOCK, 7, 30, 40),
                    wr(1, BLOCK, 9, 50, 60), rd(3, BLOCK, 9, 70, 80)};
    tap_is_int(check(seq, N_OF(seq), NULL, &r), MC_HISTORY_LINEARIZABLE, "sequential writes and reads");
    tap_ok(r.keys == 1 && r.ops == N_OF(seq) && r.keys_sequential == 1 && r.keys_searched == 0,
           "decided by the linear pass (keys %zu, ops %zu, sequential %zu)", r.keys, r.ops, r.keys_sequential);
    tap_is_int(check(seq, N_OF(seq), &search_only, &r), MC_HISTORY_LINEARIZABLE, "and by the search alone");
    tap_ok(r.states > 0 && r.keys_searched == 1, "the search explored %zu states", r.states);
}

static void test_stale(void)
{
    mc_history_result r;
    mc_hop stale[] = {wr(1, BLOCK, 7, 10, 20), wr(1, BLOCK, 9, 30, 40), rd(2, BLOCK, 7, 50, 60)};
    check(stale, N_OF(stale), NULL, &r);
    is_violation(&r, MC_HISTORY_RULE_OVERWRITTEN, (size_t[]){2, 1, 0}, 3, "stale read after an acknowledged write");
    tap_ok(r.key == BLOCK && says(&r, "read by client 2 at [50, 60]") && says(&r, "write 9 by client 1 at [30, 40]"),
           "the report names block, read and overwriting write");
    check(stale, N_OF(stale), &search_only, &r);
    is_violation(&r, MC_HISTORY_RULE_SEARCH, (size_t[]){2}, 1, "stale read, search alone");

    mc_hop initial[] = {wr(1, BLOCK, 7, 10, 20), rd(2, BLOCK, 0, 30, 40)};
    check(initial, N_OF(initial), NULL, &r);
    is_violation(&r, MC_HISTORY_RULE_OVERWRITTEN, (size_t[]){1, 0}, 2, "initial value read after a completed write");
    tap_ok(says(&r, "initial value 0"), "the report says the read returned the initial value");
    tap_is_int(check(initial, N_OF(initial), &search_only, &r), MC_HISTORY_VIOLATION, "and the search agrees");
}

static void test_concurrent(void)
{
    mc_history_result r;
    for (uint64_t v = 7; v <= 9; v += 2) {
        mc_hop h[] = {wr(1, BLOCK, 7, 10, 20), wr(1, BLOCK, 9, 30, 60), rd(2, BLOCK, v, 40, 50)};
        tap_is_int(check(h, N_OF(h), NULL, &r), MC_HISTORY_LINEARIZABLE,
                   "a read concurrent with write 9 may return %s value %llu", v == 7 ? "the old" : "the new",
                   (unsigned long long)v);
        tap_ok(r.keys_searched == 1 && r.states > 0, "decided by the search (%zu states)", r.states);
        tap_is_int(check(h, N_OF(h), &search_only, &r), MC_HISTORY_LINEARIZABLE, "and by the search alone");
    }
    mc_hop touch[] = {wr(1, BLOCK, 7, 10, 20), rd(2, BLOCK, 0, 20, 30)};
    tap_is_int(check(touch, N_OF(touch), NULL, &r), MC_HISTORY_LINEARIZABLE,
               "intervals that only touch (completion = invocation) are concurrent");
}

static void test_never_written(void)
{
    mc_history_result r;
    mc_hop h[] = {wr(1, BLOCK, 7, 10, 20), rd(2, BLOCK, 8, 30, 40), wr(4, BLOCK + 1, 8, 1, 2)};
    check(h, N_OF(h), NULL, &r);
    is_violation(&r, MC_HISTORY_RULE_NEVER_WRITTEN, (size_t[]){1}, 1, "a read of a value never written");
    tap_ok(says(&r, "went to block 4") && names(&r, 2), "the report names the write of 8 to another block");
    tap_is_int(check(h, N_OF(h), &search_only, &r), MC_HISTORY_VIOLATION, "and the search agrees");

    mc_hop foreign[] = {wr(1, BLOCK, 7, 10, 20), rd(2, BLOCK, MC_HISTORY_VALUE_FOREIGN, 30, 40)};
    check(foreign, N_OF(foreign), NULL, &r);
    is_violation(&r, MC_HISTORY_RULE_FOREIGN, (size_t[]){1}, 1, "a read of data no write produced");

    mc_hop future[] = {rd(2, BLOCK, 7, 1, 5), wr_unknown(1, BLOCK, 7, 10)};
    check(future, N_OF(future), NULL, &r);
    is_violation(&r, MC_HISTORY_RULE_FUTURE, (size_t[]){0, 1}, 2, "a read that completed before its write began");
    tap_is_int(check(future, N_OF(future), &search_only, &r), MC_HISTORY_VIOLATION, "and the search agrees");

    mc_hop failed[] = {wr(1, BLOCK, 7, 10, 20), rd(2, BLOCK, 0, 30, 40), rd(3, BLOCK, 12345, 30, 40)};
    failed[1].outcome = MC_HOP_FAIL;
    failed[2].outcome = MC_HOP_UNKNOWN;
    check(failed, N_OF(failed), NULL, &r);
    tap_ok(r.verdict == MC_HISTORY_LINEARIZABLE && r.ops == 1 && r.ops_ignored == 2,
           "failed and unknown reads are ignored (%zu checked, %zu ignored)", r.ops, r.ops_ignored);
}

static void test_unknown_writes(void)
{
    mc_history_result r;
    mc_hop late[] = {wr_unknown(1, BLOCK, 7, 10), wr(2, BLOCK, 9, 20, 30), rd(3, BLOCK, 9, 40, 50),
                     rd(3, BLOCK, 7, FAR_LATER, FAR_LATER + 10), rd(2, BLOCK, 7, FAR_LATER + 20, FAR_LATER + 30)};
    tap_is_int(check(late, N_OF(late), NULL, &r), MC_HISTORY_LINEARIZABLE,
               "an unknown write whose value shows up a second later");
    tap_is_int(check(late, N_OF(late), &search_only, &r), MC_HISTORY_LINEARIZABLE, "and by the search alone");
    mc_hop never[] = {wr_unknown(1, BLOCK, 7, 10), rd(2, BLOCK, 0, 20, 30), wr(2, BLOCK, 9, 40, 50),
                      rd(3, BLOCK, 9, FAR_LATER, FAR_LATER + 10)};
    tap_is_int(check(never, N_OF(never), NULL, &r), MC_HISTORY_LINEARIZABLE,
               "an unknown write whose value never shows up");
    tap_ok(r.keys_sequential == 1, "once the unread unknown write is dropped, the block is sequential");
    tap_is_int(check(never, N_OF(never), &search_only, &r), MC_HISTORY_LINEARIZABLE, "and by the search alone");
    mc_hop back[] = {wr_unknown(1, BLOCK, 7, 10), rd(2, BLOCK, 7, 20, 30), rd(2, BLOCK, 0, 40, 50)};
    check(back, N_OF(back), NULL, &r);
    is_violation(&r, MC_HISTORY_RULE_OVERWRITTEN, (size_t[]){2, 1}, 2,
                 "the initial value read after an unknown write was seen");
    mc_hop seen[] = {wr(1, BLOCK, 5, 0, 5), wr_unknown(1, BLOCK, 7, 10), rd(2, BLOCK, 7, 20, 30),
                     rd(3, BLOCK, 7, 22, 24), rd(2, BLOCK, 5, 40, 50)};
    check(seen, N_OF(seen), NULL, &r);
    tap_is_int(r.verdict, MC_HISTORY_VIOLATION, "an older value read after an unknown write was seen (%s)",
               mc_history_rule_name(r.rule));
    tap_diag("%s", r.explanation);
    tap_is_int(check(seen, N_OF(seen), &search_only, &r), MC_HISTORY_VIOLATION, "and the search agrees");
}

static void test_inversion(void)
{
    mc_history_result r;
    mc_hop inv[] = {wr(1, BLOCK, 5, 0, 5), wr(1, BLOCK, 7, 10, 100), rd(2, BLOCK, 7, 20, 30), rd(3, BLOCK, 5, 40, 50)};
    check(inv, N_OF(inv), NULL, &r);
    is_violation(&r, MC_HISTORY_RULE_OVERWRITTEN, (size_t[]){3, 2, 1, 0}, 4, "new-old inversion");
    tap_is_int(check(inv, N_OF(inv), &search_only, &r), MC_HISTORY_VIOLATION, "and the search agrees");
    mc_hop ovl[] = {wr(1, BLOCK, 5, 0, 5), wr(1, BLOCK, 7, 10, 100), rd(2, BLOCK, 7, 20, 45), rd(3, BLOCK, 5, 40, 50)};
    tap_is_int(check(ovl, N_OF(ovl), NULL, &r), MC_HISTORY_LINEARIZABLE, "the same with overlapping reads");
    tap_is_int(check(ovl, N_OF(ovl), &search_only, &r), MC_HISTORY_LINEARIZABLE, "and by the search alone");

    /* after two concurrent writes both completed, the block cannot change: no rule sees it */
    mc_hop after[] = {wr(1, BLOCK, 1, 0, 100), wr(2, BLOCK, 2, 0, 100), rd(3, BLOCK, 1, 200, 210),
                      rd(3, BLOCK, 2, 220, 230)};
    check(after, N_OF(after), NULL, &r);
    is_violation(&r, MC_HISTORY_RULE_SEARCH, (size_t[]){3, 2}, 2, "the value changed with no write in flight");
}

static void test_usage(void)
{
    mc_history_result r;
    mc_hop dup[] = {wr(1, BLOCK, 7, 10, 20), wr(2, BLOCK, 7, 30, 40)};
    tap_ok(mc_history_check(dup, N_OF(dup), NULL, &r) == -1 && r.verdict == MC_HISTORY_USAGE && names(&r, 0) &&
               names(&r, 1) && r.key == BLOCK,
           "duplicate write values on one block: a usage error naming both writes");
    tap_diag("%s", r.explanation);
    mc_hop two[] = {wr(1, BLOCK, 7, 10, 20), wr(2, BLOCK + 1, 7, 30, 40)};
    tap_is_int(check(two, N_OF(two), NULL, &r), MC_HISTORY_LINEARIZABLE, "one value on two blocks is allowed");
    mc_hop bad[] = {wr(1, BLOCK, 7, 10, 20), wr(1, BLOCK, 7, 30, 20), wr(1, BLOCK, 0, 10, 20),
                    wr(1, BLOCK, MC_HISTORY_VALUE_FOREIGN, 10, 20), rd(1, BLOCK, 0, 10, 20),
                    rd(1, BLOCK, 0, 10, UINT64_MAX)};
    bad[0].outcome = MC_HOP_FAIL;
    bad[4].kind = (mc_hop_kind)(MC_HOP_WRITE + 1);
    const char *why[] = {"a failed write", "a completion before the invocation", "a write of value 0",
                         "a write of the foreign value", "an unknown kind", "a completion at the reserved time"};
    for (size_t i = 0; i < N_OF(bad); i++)
        tap_ok(mc_history_check(&bad[i], 1, NULL, &r) == -1 && r.verdict == MC_HISTORY_USAGE && names(&r, 0),
               "usage error: %s (%s)", why[i], r.explanation);
    tap_ok(mc_history_check(bad, (size_t)MC_HISTORY_MAX_OPS + 1, NULL, &r) == -1 && r.verdict == MC_HISTORY_USAGE,
           "usage error: more than MC_HISTORY_MAX_OPS operations");
    mc_history_limits huge = {.max_states = (size_t)MC_HISTORY_STATES_LIMIT + 1};
    tap_ok(mc_history_check(two, N_OF(two), &huge, &r) == -1 && r.verdict == MC_HISTORY_USAGE,
           "usage error: a state bound beyond MC_HISTORY_STATES_LIMIT");
}

static void test_independence(void)
{
    mc_hop h[ISOLATED_KEYS * 3];
    size_t n = 0;
    for (uint64_t k = 1; k <= ISOLATED_KEYS; k++) {
        h[n++] = wr(1, k, 7, 10, 20);
        h[n++] = wr(2, k, 9, 30, 40);
        h[n++] = rd(3, k, 9, 50, 60);
    }
    mc_history_result r;
    tap_is_int(check(h, n, NULL, &r), MC_HISTORY_LINEARIZABLE, "%u clean blocks", ISOLATED_KEYS);
    size_t stale = (VIOLATING_KEY - 1) * 3 + 2;
    h[stale].value = 7;
    check(h, n, NULL, &r);
    bool only = r.n_culprits > 0;
    for (size_t i = 0; i < r.n_culprits; i++)
        only = only && h[r.culprits[i]].key == VIOLATING_KEY;
    tap_ok(r.verdict == MC_HISTORY_VIOLATION && r.key == VIOLATING_KEY && r.keys_violating == 1 &&
               r.keys == ISOLATED_KEYS && only && strncmp(r.explanation, "block 5:", strlen("block 5:")) == 0,
           "a stale read on block 5 among %u blocks: the report is of block 5 only", ISOLATED_KEYS);
    h[2].value = 0; /* block 1 too: the lowest block is reported, both are counted */
    check(h, n, NULL, &r);
    tap_ok(r.verdict == MC_HISTORY_VIOLATION && r.key == 1 && r.keys_violating == 2,
           "two violating blocks: block %llu reported, %zu counted", (unsigned long long)r.key, r.keys_violating);
}

/* n concurrent writes [0, 100], then reads at [200, 210] of value 1 and, if two_reads, [220, 230]
 * of value 2. */
static size_t pathological(mc_hop *h, size_t n, bool two_reads)
{
    for (size_t i = 0; i < n; i++)
        h[i] = wr((uint32_t)i, BLOCK, i + 1, 0, 100);
    h[n] = rd((uint32_t)n, BLOCK, 1, 200, 210);
    h[n + 1] = rd((uint32_t)n, BLOCK, 2, 220, 230);
    return n + 1 + two_reads;
}

static void test_bound(void)
{
    mc_hop h[PATHOLOGICAL_WRITES + 2];
    mc_history_result r;
    mc_history_limits low = {.max_states = LOW_BOUND};
    for (int two = 0; two <= 1; two++) {
        const char *shape = two ? "violating" : "linearizable";
        size_t n = pathological(h, PATHOLOGICAL_WRITES, two);
        check(h, n, &low, &r);
        tap_ok(r.verdict == MC_HISTORY_UNKNOWN && r.key == BLOCK && r.keys_unknown == 1 && r.states == LOW_BOUND &&
                   says(&r, "stopped undecided"),
               "%u concurrent writes (%s), bound %u states: unknown (%s)", PATHOLOGICAL_WRITES, shape, LOW_BOUND,
               mc_history_verdict_name(r.verdict));
        tap_diag("%s", r.explanation);
        mc_history_limits memo = {.max_memo_bytes = LOW_MEMO};
        tap_is_int(check(h, n, &memo, &r), MC_HISTORY_UNKNOWN, "the same with %u bytes of memo: unknown", LOW_MEMO);
        n = pathological(h, SMALL_WRITES, two);
        check(h, n, &low, &r);
        tap_is_int(r.verdict, two ? MC_HISTORY_VIOLATION : MC_HISTORY_LINEARIZABLE,
                   "%u concurrent writes (%s) decided within the bound (%zu states)", SMALL_WRITES, shape, r.states);
    }
}

static void diag_history(const mc_hop *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tap_diag("  %zu: client %u %s block %llu value %llu [%llu, %llu] %s", i, h[i].process,
                 h[i].kind == MC_HOP_WRITE ? "write" : "read", (unsigned long long)h[i].key,
                 (unsigned long long)h[i].value, (unsigned long long)h[i].invoked,
                 (unsigned long long)h[i].completed,
                 h[i].outcome == MC_HOP_OK ? "ok" : h[i].outcome == MC_HOP_FAIL ? "fail" : "unknown");
}

/* Agreement of the checker (both ways) with the oracle over one family of small histories. */
typedef struct tally {
    size_t histories, violations, by_search, disagreements;
} tally;

static void agree(tally *t, const mc_hop *h, size_t n)
{
    int want = horacle_check(h, n);
    mc_history_result a, b;
    check(h, n, NULL, &a);
    check(h, n, &search_only, &b);
    mc_history_verdict v = want ? MC_HISTORY_LINEARIZABLE : MC_HISTORY_VIOLATION;
    t->histories++;
    t->violations += !want;
    t->by_search += a.verdict == MC_HISTORY_VIOLATION && a.rule == MC_HISTORY_RULE_SEARCH;
    if (a.verdict == v && b.verdict == v)
        return;
    if (t->disagreements++ == 0) {
        tap_diag("oracle %s, checker %s, search alone %s:", mc_history_verdict_name(v),
                 mc_history_verdict_name(a.verdict), mc_history_verdict_name(b.verdict));
        diag_history(h, n);
    }
}

static void report(const tally *t, const char *family)
{
    tap_ok(t->disagreements == 0 && t->violations > 0 && t->violations < t->histories,
           "%s: checker and search alone agree with the oracle on all %zu (%zu violations, %zu of them found "
           "by the search; %zu disagreements)",
           family, t->histories, t->violations, t->by_search, t->disagreements);
}

static hgen_params small_params(uint64_t *rng)
{
    return (hgen_params){.clients = 1 + (unsigned)hgen_below(rng, SMALL_CLIENTS),
                         .keys = 1 + (unsigned)hgen_below(rng, SMALL_KEYS), .ops = 1 + hgen_below(rng, MAX_SMALL),
                         .write_pct = WRITE_PCT, .unknown_pct = SMALL_UNKNOWN_PCT, .fail_pct = SMALL_FAIL_PCT,
                         .max_gap = SMALL_GAP, .max_latency = SMALL_LATENCY, .max_late = SMALL_LATE};
}

static void test_random_small(uint64_t *rng)
{
    mc_hop h[MAX_SMALL];
    tally clean = {0}, corrupt = {0}, arbitrary = {0};
    size_t clean_fail = 0;
    for (unsigned round = 0; round < ROUNDS; round++) {
        hgen_params p = small_params(rng);
        hgen_register(&p, rng, h);
        mc_history_result a, b;
        if (horacle_check(h, p.ops) != 1 || check(h, p.ops, NULL, &a) != MC_HISTORY_LINEARIZABLE ||
            check(h, p.ops, &search_only, &b) != MC_HISTORY_LINEARIZABLE) {
            if (clean_fail++ == 0)
                diag_history(h, p.ops);
        }
        clean.histories++;
        /* corrupt one ok read to another value of its block (0 or any write's) */
        size_t reads[MAX_SMALL], nr = 0, writes[MAX_SMALL], nw = 0;
        for (size_t i = 0; i < p.ops; i++) {
            if (h[i].kind == MC_HOP_READ && h[i].outcome == MC_HOP_OK)
                reads[nr++] = i;
        }
        if (nr > 0) {
            size_t x = reads[hgen_below(rng, nr)];
            for (size_t i = 0; i < p.ops; i++)
                if (h[i].kind == MC_HOP_WRITE && h[i].key == h[x].key && h[i].value != h[x].value)
                    writes[nw++] = i;
            uint64_t pick = hgen_below(rng, nw + 1);
            uint64_t old = pick == nw ? MC_HISTORY_VALUE_INITIAL : h[writes[pick]].value;
            if (old != h[x].value) {
                h[x].value = old;
                agree(&corrupt, h, p.ops);
            }
        }
        size_t n = 1 + hgen_below(rng, MAX_SMALL);
        hgen_arbitrary(n, 1 + (unsigned)hgen_below(rng, SMALL_KEYS), rng, h);
        agree(&arbitrary, h, n);
    }
    tap_ok(clean_fail == 0, "%zu histories of a simulated register: linearizable for the oracle, the checker and "
                            "the search alone (%zu not)", clean.histories, clean_fail);
    report(&corrupt, "one read corrupted to another value of its block");
    report(&arbitrary, "arbitrary histories");
    tap_ok(corrupt.by_search + arbitrary.by_search > 0, "some violations are found by the search, past the rules");
}

/* Plants a provably stale read: write A completed before write B began, B completed before the
 * read began, and the read now returns A. Returns the read's index, or n when none fits. */
static size_t plant_stale(mc_hop *h, size_t n, uint64_t *rng)
{
    for (size_t tries = 0; tries < n; tries++) {
        size_t x = hgen_below(rng, n);
        if (h[x].kind != MC_HOP_READ || h[x].outcome != MC_HOP_OK)
            continue;
        for (size_t b = 0; b < n; b++) {
            if (h[b].kind != MC_HOP_WRITE || h[b].outcome != MC_HOP_OK || h[b].key != h[x].key ||
                !(h[b].completed < h[x].invoked))
                continue;
            for (size_t a = 0; a < n; a++)
                if (h[a].kind == MC_HOP_WRITE && h[a].outcome == MC_HOP_OK && h[a].key == h[x].key &&
                    h[a].completed < h[b].invoked) {
                    h[x].value = h[a].value;
                    return x;
                }
        }
    }
    return n;
}

static void test_random_large(uint64_t *rng)
{
    hgen_params p = {.clients = LARGE_CLIENTS, .keys = LARGE_KEYS, .ops = LARGE_OPS, .write_pct = WRITE_PCT,
                     .unknown_pct = LARGE_UNKNOWN_PCT, .fail_pct = LARGE_FAIL_PCT, .max_gap = LARGE_GAP,
                     .max_latency = LARGE_LATENCY, .max_late = LARGE_LATE};
    mc_hop *h = malloc(LARGE_OPS * sizeof *h), *c = malloc(LARGE_OPS * sizeof *c);
    if (!tap_ok(h && c && hgen_register(&p, rng, h) == 0, "a history of %u operations, %u clients, %u blocks",
                LARGE_OPS, LARGE_CLIENTS, LARGE_KEYS)) {
        free(h);
        free(c);
        return;
    }
    mc_history_result r;
    check(h, LARGE_OPS, NULL, &r);
    tap_is_int(r.verdict, MC_HISTORY_LINEARIZABLE, "it is linearizable (%zu blocks: %zu sequential, %zu searched; "
               "%zu states)", r.keys, r.keys_sequential, r.keys_searched, r.states);
    check(h, LARGE_OPS, &search_only, &r);
    tap_is_int(r.verdict, MC_HISTORY_LINEARIZABLE, "and by the search alone (%zu states)", r.states);
    size_t caught = 0, caught_search = 0, planted = 0;
    for (unsigned k = 0; k < CORRUPTIONS; k++) {
        memcpy(c, h, LARGE_OPS * sizeof *c);
        size_t x = plant_stale(c, LARGE_OPS, rng);
        if (x == LARGE_OPS)
            continue;
        planted++;
        check(c, LARGE_OPS, NULL, &r);
        caught += r.verdict == MC_HISTORY_VIOLATION && r.key == c[x].key && r.keys_violating == 1;
        check(c, LARGE_OPS, &search_only, &r);
        caught_search += r.verdict == MC_HISTORY_VIOLATION && r.key == c[x].key && r.keys_violating == 1;
    }
    tap_ok(planted > 0 && caught == planted && caught_search == planted,
           "%zu provably stale reads planted: %zu violations of their block found, %zu by the search alone", planted,
           caught, caught_search);
    free(h);
    free(c);
}

/* The block marking clients record values by (block_value.h): every id reads back as itself, an
 * all-zero block as the initial value, and a block with one byte changed, or too short to hold an
 * id, as foreign. */
static void test_block_value(void)
{
    enum { BLOCK_LEN = 512 };
    uint8_t b[BLOCK_LEN];
    static const uint64_t ids[] = {1u, 0x0102030405060708ull, MC_HISTORY_VALUE_FOREIGN - 1u};
    bool back = true, flipped = true;
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        mc_block_value_fill(ids[k], b, sizeof b);
        back = back && mc_block_value_decode(b, sizeof b) == ids[k];
        for (size_t i = 0; i < sizeof b; i += MC_BLOCK_VALUE_ID_LEN - 1u) {
            b[i] ^= 1u;
            flipped = flipped && mc_block_value_decode(b, sizeof b) != ids[k];
            b[i] ^= 1u;
        }
    }
    tap_ok(back, "marked blocks read back as their ids");
    tap_ok(flipped, "a block with one byte changed is not read as its id");
    memset(b, 0, sizeof b);
    tap_is_int((long long)mc_block_value_decode(b, sizeof b), MC_HISTORY_VALUE_INITIAL, "a zero block is the initial value");
    b[BLOCK_LEN - 1] = 1u;
    tap_ok(mc_block_value_decode(b, sizeof b) == MC_HISTORY_VALUE_FOREIGN, "zero but one byte: foreign");
    tap_ok(mc_block_value_decode(b, MC_BLOCK_VALUE_ID_LEN - 1u) == MC_HISTORY_VALUE_FOREIGN, "too short for an id: foreign");
}

int main(void)
{
    const char *env = getenv("MC_HISTORY_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : HISTORY_SEED;
    if (seed == 0)
        seed = HISTORY_SEED; /* xorshift would stay at 0 */
    tap_diag("seed 0x%llx (MC_HISTORY_SEED replays it)", (unsigned long long)seed);
    uint64_t rng = seed;
    test_empty_and_sequential();
    test_stale();
    test_concurrent();
    test_never_written();
    test_unknown_writes();
    test_inversion();
    test_usage();
    test_independence();
    test_bound();
    test_random_small(&rng);
    test_random_large(&rng);
    test_block_value();
    return tap_done();
}
