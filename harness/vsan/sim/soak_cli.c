/* `mirrorcert soak`: the seeded chaos soak of the mirror engine (soak.h), from the command line. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mutant.h"
#include "sim.h"
#include "soak.h"
#include "vsan.h"

#define SOAK_RUNS_DEFAULT 100u
#define SOAK_RUNS_MAX 1000000u
#define SOAK_MS_MAX 600000u            /* ten minutes of virtual chaos per run at most */
#define SOAK_VERBOSE_MAX 3u
#define EXIT_FAILED 1
#define EXIT_USAGE 2

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mirrorcert soak [--runs N] [--seed S] [--servers 2|3] [--ms MS] [--verbose 0-3] [--watch BLOCK]\n"
            "                      [--mutant NAME|list]\n"
            "  Seeded chaos runs of the virtual SAN's mirror engine in a simulated cluster (two servers\n"
            "  and a witness, or three servers): concurrent clients on every server, random kills,\n"
            "  restarts, link cuts and store failures for MS of virtual time (default %u), then every\n"
            "  fault healed; each run must settle with identical stores and a linearizable history.\n"
            "  Runs seeds S, S+1, ... (default S = %u, N = %u); a seed replays exactly. --servers fixes\n"
            "  the count (default: odd seeds 3, even 2). --verbose 1 logs faults and views, 2 every\n"
            "  client operation, 3 every engine event; --watch logs each change of BLOCK in any store.\n"
            "  --mutant runs every server as that mutant of the engine (list: the mutants): a soak that\n"
            "  passes with a mutant did not catch it.\n"
            "  Exit 0 every run passed, 1 a run failed (its replay command is printed), 2 usage.\n",
            MC_VSAN_SOAK_MS, MC_VSAN_SOAK_SEED_BASE, SOAK_RUNS_DEFAULT);
}

static int bad(const char *opt, const char *v)
{
    fprintf(stderr, "mirrorcert soak: %s %s: bad value\n", opt, v ? v : "(missing)");
    usage(stderr);
    return EXIT_USAGE;
}

int mc_vsan_soak_main(int argc, char **argv)
{
    uint32_t runs = SOAK_RUNS_DEFAULT, servers = 0, ms = MC_VSAN_SOAK_MS, verbose = 0, watch = 0;
    uint64_t seed = MC_VSAN_SOAK_SEED_BASE;
    bool have_watch = false;
    int mutant = 0;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (!v)
            return bad(opt, v);
        i++;
        char *end = NULL;
        if (strcmp(opt, "--runs") == 0) {
            if (mc_cli_u32(v, 1, SOAK_RUNS_MAX, &runs) != 0)
                return bad(opt, v);
        } else if (strcmp(opt, "--seed") == 0) {
            seed = strtoull(v, &end, 10);
            if (!*v || *end || v[0] == '-')
                return bad(opt, v);
        } else if (strcmp(opt, "--servers") == 0) {
            if (mc_cli_u32(v, 2, 3, &servers) != 0)
                return bad(opt, v);
        } else if (strcmp(opt, "--ms") == 0) {
            if (mc_cli_u32(v, 1, SOAK_MS_MAX, &ms) != 0)
                return bad(opt, v);
        } else if (strcmp(opt, "--verbose") == 0) {
            if (mc_cli_u32(v, 0, SOAK_VERBOSE_MAX, &verbose) != 0)
                return bad(opt, v);
        } else if (strcmp(opt, "--mutant") == 0) {
            if (strcmp(v, "list") == 0) {
                mc_mutant_print(stdout, mc_vsan_mutants, mc_vsan_mutant_count);
                return 0;
            }
            mutant = mc_mutant_lookup(mc_vsan_mutants, mc_vsan_mutant_count, v);
            if (mutant < 0) {
                fprintf(stderr, "mirrorcert soak: unknown mutant %s (--mutant list)\n", v);
                return EXIT_USAGE;
            }
        } else if (strcmp(opt, "--watch") == 0) {
            if (mc_cli_u32(v, 0, UINT32_MAX - 1u, &watch) != 0)
                return bad(opt, v);
            have_watch = true;
        } else {
            fprintf(stderr, "mirrorcert soak: unknown option %s\n", opt);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    mc_vsan_soak_opts o = {.servers = servers, .ms = ms, .verbose = (int)verbose,
                           .watch = have_watch ? (uint64_t)watch + 1u : 0, .log = stdout, .mutant = mutant};
    size_t faults = 0, ops = 0, failed = 0;
    for (uint32_t k = 0; k < runs; k++) {
        mc_vsan_soak_result r;
        int rc = mc_vsan_soak_run(&o, seed + k, &r);
        if (rc < 0) {
            fprintf(stderr, "mirrorcert soak: seed %" PRIu64 ": cannot run (memory or state directory)\n", seed + k);
            return EXIT_USAGE;
        }
        faults += r.faults;
        ops += r.ops;
        printf("%s seed %" PRIu64 " (%u servers): %zu faults, %zu operations (%zu writes acknowledged)%s%s%s%s%s\n",
               rc == 0 ? "ok" : "FAILED", r.seed, r.servers, r.faults, r.ops, r.acked_writes,
               !r.started ? ", the cluster never formed" : "", r.started && !r.settled ? ", did not settle" : "",
               r.settled && !r.identical ? ", stores differ" : "", r.linearizable ? "" : ", NOT linearizable: ",
               r.linearizable ? "" : r.explanation);
        if (rc != 0) {
            failed++;
            printf("  replay: mirrorcert soak --seed %" PRIu64 " --runs 1 --servers %u --ms %u%s%s --verbose 1\n",
                   r.seed, r.servers, (unsigned)ms, mutant ? " --mutant " : "",
                   mutant ? mc_vsan_mutants[mutant - 1].name : "");
        }
        fflush(stdout);
    }
    printf("soak: %u runs, %zu faults, %zu operations checked, %zu failed\n", (unsigned)runs, faults, ops, failed);
    return failed ? EXIT_FAILED : 0;
}
