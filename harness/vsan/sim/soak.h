/* The seeded chaos soak of the mirror engine: one run is a simulated cluster (sim.h) of two
 * servers and a witness or three servers, concurrent clients on every server, and random kills,
 * restarts, link cuts and store failures for a bounded time; then every fault is healed and the
 * run must settle, every store must hold the same bytes and the history of every block must be
 * linearizable (history.h). A seed is one run: the same seed replays it exactly. */
#ifndef MC_VSAN_SOAK_H
#define MC_VSAN_SOAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "history.h"

#define MC_VSAN_SOAK_SEED_BASE 1000u     /* the first seed of a default soak */
#define MC_VSAN_SOAK_MS 6000u            /* virtual time of faults and clients per run */
#define MC_VSAN_SOAK_EXPLAIN MC_HISTORY_EXPLAIN_MAX

typedef struct mc_vsan_soak_opts {
    unsigned servers;        /* 2 (with a witness) or 3; 0 = by the seed: odd seeds 3, even 2 */
    uint64_t ms;             /* virtual time of chaos; 0 = MC_VSAN_SOAK_MS */
    int verbose;             /* sim.h's levels: 0, SIM_LOG_FAULTS, SIM_LOG_CLIENTS, 3 */
    uint64_t watch;          /* a block whose every change is logged, + 1; 0 none */
    FILE *log;               /* the log and the diagnosis of a failed run; NULL = stderr */
    const char *tmpdir;      /* where the servers' state files live; NULL = $TMPDIR or /tmp */
    int mutant;              /* index + 1 into mc_vsan_mutants for every server; 0 conformant */
} mc_vsan_soak_opts;

typedef struct mc_vsan_soak_result {
    uint64_t seed;
    unsigned servers;
    size_t faults, ops, acked_writes;
    bool started;            /* the cluster formed before the chaos */
    bool settled;            /* one view, every server a full member, nothing left to copy */
    bool identical;          /* every store holds the same bytes */
    bool linearizable;
    char explanation[MC_VSAN_SOAK_EXPLAIN];   /* the checker's, when not linearizable */
} mc_vsan_soak_result;

/* The server count a seed runs with when opts.servers is 0. */
unsigned mc_vsan_soak_servers(uint64_t seed);
/* One run; returns 0 when it passed, 1 when an invariant failed, -1 when it could not run (no
 * memory, no state directory). The result is filled either way. */
int mc_vsan_soak_run(const mc_vsan_soak_opts *o, uint64_t seed, mc_vsan_soak_result *out);

/* `mirrorcert soak`: runs seeds, prints a line per run and a summary; exit 0 all passed, 1 a run
 * failed (its replay command is printed), 2 usage or environment. */
int mc_vsan_soak_main(int argc, char **argv);

#endif
