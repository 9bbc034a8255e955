/* The history checker's speed: histories of 10^3, 10^4 and 10^5 operations from 8 clients over
 * 64 and 1024 blocks (a simulated register, as a soak records them), checked as shipped and with
 * the search alone, in operations per second with the states explored; then, on small
 * histories, the checker against the exhaustive oracle (the peer, measured in the same run).
 * Times are the process's CPU time (the machine's cores are shared). Prints figures; asserts
 * nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"
#include "history_gen.h"

#define SEED 0x5eed2026u
#define CLIENTS 8u
#define WRITE_PCT 50u
#define UNKNOWN_PCT 5u           /* timed-out writes, half of which take effect */
#define FAIL_PCT 5u              /* failed reads */
#define GAP_US 100u              /* a client's think time, latency and late effect */
#define LATENCY_US 200u
#define LATE_US 5000u
#define MIN_SECONDS 0.2          /* each figure repeats its check for at least this long */
#define NS_PER_S 1e9
#define US_PER_S 1e6
#define PEER_HISTORIES 500u      /* small histories per size */
#define PEER_MIN_OPS 6u
#define PEER_STEP 2u
#define CORRUPT_EVERY 2u         /* one history in two has one read given another value */

static const size_t sizes[] = {1000, 10000, 100000};
static const unsigned key_counts[] = {64, 1024};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_S;
}

/* Seconds per check of ops[0..n), repeated for MIN_SECONDS; the last result in *r. */
static double time_check(const mc_hop *ops, size_t n, const mc_history_limits *lim, mc_history_result *r)
{
    unsigned runs = 0;
    double t0 = cpu_s(), t;
    do {
        mc_history_check(ops, n, lim, r);
        runs++;
        t = cpu_s() - t0;
    } while (t < MIN_SECONDS);
    return t / runs;
}

static void bench_large(uint64_t *rng)
{
    const mc_history_limits search_only = {.search_only = true};
    printf("%8s %6s %12s %9s %6s %6s %12s %9s %s\n", "ops", "blocks", "ops/s", "states", "linear", "search",
           "search-only", "states", "verdict");
    for (size_t s = 0; s < N_OF(sizes); s++)
        for (size_t k = 0; k < N_OF(key_counts); k++) {
            hgen_params p = {.clients = CLIENTS, .keys = key_counts[k], .ops = sizes[s], .write_pct = WRITE_PCT,
                             .unknown_pct = UNKNOWN_PCT, .fail_pct = FAIL_PCT, .max_gap = GAP_US,
                             .max_latency = LATENCY_US, .max_late = LATE_US};
            mc_hop *h = malloc(sizes[s] * sizeof *h);
            if (!h || hgen_register(&p, rng, h) < 0) {
                fprintf(stderr, "history_bench: out of memory\n");
                free(h);
                return;
            }
            mc_history_result a, b;
            double ta = time_check(h, sizes[s], NULL, &a);
            double tb = time_check(h, sizes[s], &search_only, &b);
            printf("%8zu %6u %12.0f %9zu %6zu %6zu %12.0f %9zu %s/%s\n", sizes[s], key_counts[k],
                   (double)sizes[s] / ta, a.states, a.keys_sequential, a.keys_searched, (double)sizes[s] / tb,
                   b.states, mc_history_verdict_name(a.verdict), mc_history_verdict_name(b.verdict));
            free(h);
        }
}

/* Gives one ok read of h[0..n) the value of a random write, if there are both. */
static void corrupt(mc_hop *h, size_t n, uint64_t *rng)
{
    size_t reads[HORACLE_MAX_OPS], writes[HORACLE_MAX_OPS], nr = 0, nw = 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i].kind == MC_HOP_READ && h[i].outcome == MC_HOP_OK)
            reads[nr++] = i;
        else if (h[i].kind == MC_HOP_WRITE)
            writes[nw++] = i;
    }
    if (nr > 0 && nw > 0)
        h[reads[hgen_below(rng, nr)]].value = h[writes[hgen_below(rng, nw)]].value;
}

/* The peer: the exhaustive oracle and the checker on the same small histories from 8 clients on
 * one block (every operation overlaps several others). */
static void bench_peer(uint64_t *rng)
{
    printf("\nsmall histories, %u clients on one block, one in %u with a read corrupted:\n", CLIENTS,
           CORRUPT_EVERY);
    printf("%4s %10s %14s %14s %14s %s\n", "ops", "histories", "oracle us", "checker us", "oracle/checker", "agree");
    static mc_hop h[PEER_HISTORIES][HORACLE_MAX_OPS];
    for (size_t n = PEER_MIN_OPS; n <= HORACLE_MAX_OPS; n += PEER_STEP) {
        hgen_params p = {.clients = CLIENTS, .keys = 1, .ops = n, .write_pct = WRITE_PCT,
                         .unknown_pct = UNKNOWN_PCT, .fail_pct = FAIL_PCT, .max_gap = GAP_US,
                         .max_latency = LATENCY_US, .max_late = LATE_US};
        size_t violations = 0, agree = 0;
        for (size_t i = 0; i < PEER_HISTORIES; i++) {
            hgen_register(&p, rng, h[i]);
            if (i % CORRUPT_EVERY == 0)
                corrupt(h[i], n, rng);
        }
        int want[PEER_HISTORIES];
        double t0 = cpu_s();
        for (size_t i = 0; i < PEER_HISTORIES; i++)
            want[i] = horacle_check(h[i], n);
        double t_oracle = cpu_s() - t0;
        mc_history_result r;
        t0 = cpu_s();
        for (size_t i = 0; i < PEER_HISTORIES; i++) {
            mc_history_check(h[i], n, NULL, &r);
            violations += r.verdict == MC_HISTORY_VIOLATION;
            agree += (r.verdict == MC_HISTORY_LINEARIZABLE) == (want[i] == 1);
        }
        double t_check = cpu_s() - t0;
        printf("%4zu %10u %14.2f %14.2f %14.2f %zu/%u (%zu violations)\n", n, PEER_HISTORIES,
               t_oracle * US_PER_S / PEER_HISTORIES, t_check * US_PER_S / PEER_HISTORIES,
               t_check > 0 ? t_oracle / t_check : 0.0, agree, PEER_HISTORIES, violations);
    }
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : SEED;
    if (seed == 0)
        seed = SEED; /* xorshift would stay at 0 */
    printf("history_bench: seed 0x%llx, %u clients, %u%% writes (%u%% of them unknown), %u%% failed reads\n",
           (unsigned long long)seed, CLIENTS, WRITE_PCT, UNKNOWN_PCT, FAIL_PCT);
    uint64_t rng = seed;
    bench_large(&rng);
    bench_peer(&rng);
    return 0;
}
