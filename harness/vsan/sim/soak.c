/* One seeded chaos run of the mirror engine (soak.h). */
#include "soak.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SOAK_BLOCKS 256u               /* 128 KiB volumes */
#define SOAK_REGION (8u * SIM_BLOCK)   /* 32 regions of 4 KiB: clients collide on few regions */
#define SOAK_CLIENT_BLOCKS 24u         /* the blocks the clients use: three regions */
#define SOAK_CLIENTS 4u
#define SOAK_WRITE_PCT 50u
#define SOAK_SETTLE_MS 20000u          /* forming the cluster; three times that after the chaos */
#define SOAK_GAP_MIN_MS 200u           /* between two faults: 200..799 ms */
#define SOAK_GAP_SPAN_MS 600u
#define SOAK_QUIET_MS 1500u            /* settled this long (a write's timeout and a lease) before a store fails */

unsigned mc_vsan_soak_servers(uint64_t seed) { return seed % 2u ? 3u : 2u; }

static FILE *log_of(const mc_vsan_soak_opts *o) { return o->log ? o->log : stderr; }

/* A store that failed, or that misses something it heals from the others. */
static bool any_store_trouble(sim *s, unsigned servers)
{
    for (unsigned i = 1; i <= servers; i++) {
        mc_vsan_info st;
        if (!sim_engine(s, i))
            continue;
        mc_vsan_get_info(sim_engine(s, i), &st);
        if (!st.store_ok || sim_store_failed(s, i))
            return true;
    }
    return false;
}

/* The fault model: kills, restarts and link cuts in any mix; a store failure only while every
 * server is up and connected and the cluster has been settled for SOAK_QUIET_MS (one view of
 * full members, none rejoining or suspected, nothing dirty, no store missing anything: a second
 * fault only once the first is repaired), and no kill or cut while a store is
 * failed or still healing. Two stores each missing writes the other holds (or a store missing
 * writes only a dead server holds) leave a region with no complete copy: the engine then refuses
 * it rather than serve stale bytes, and the run could not end with identical stores. */
static size_t chaos(sim *s, unsigned servers, uint64_t seed, uint64_t ms)
{
    uint64_t rng = seed * 2654435761u + 7u;
    uint64_t end = sim_now(s) + ms, settled_since = 0;
    size_t nf = 0;
    while (sim_now(s) < end) {
        bool settled = sim_settled(s);
        if (!settled)
            settled_since = 0;
        else if (!settled_since)
            settled_since = sim_now(s);
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;  /* Knuth's MMIX LCG */
        unsigned pick = (unsigned)(rng >> 33) % 5u, a = 1u + (unsigned)(rng >> 40) % servers;
        unsigned b = 1u + (a % servers);
        bool trouble = any_store_trouble(s, servers);
        switch (pick) {
        case 0:
            if (!trouble)
                sim_kill(s, a);
            break;
        case 1: sim_restart(s, a); break;
        case 2:
            if (!trouble)
                sim_cut(s, a, b, true);
            break;
        case 3:
            if (!trouble && sim_all_up(s) && settled && sim_now(s) >= settled_since + SOAK_QUIET_MS)
                sim_fail_store(s, a, true);
            break;
        default: sim_cut(s, a, b, false); sim_fail_store(s, a, false); break;
        }
        nf++;
        sim_run(s, SOAK_GAP_MIN_MS + (unsigned)((rng >> 20) % SOAK_GAP_SPAN_MS));
    }
    return nf;
}

/* Why a run did not settle: each server's state, and with verbose its engine's whole state. */
static void diagnose(sim *s, unsigned servers, const mc_vsan_soak_opts *o)
{
    for (unsigned i = 1; i <= servers; i++) {
        mc_vsan_info st;
        if (!sim_engine(s, i))
            continue;
        mc_vsan_get_info(sim_engine(s, i), &st);
        fprintf(log_of(o), "# server %u: %s term %u view %u members 0x%x syncing 0x%x lease %d rejoining %d dirty-self %u dirty %u/%u/%u\n",
                i, st.role, st.term, st.view_seq, st.members, st.syncing, st.lease, st.rejoining, st.dirty_self, st.dirty[1],
                st.dirty[2], st.dirty[3]);
        if (o->verbose)
            mc_vsan_dump(sim_engine(s, i), log_of(o));
    }
}

int mc_vsan_soak_run(const mc_vsan_soak_opts *o, uint64_t seed, mc_vsan_soak_result *out)
{
    memset(out, 0, sizeof *out);
    out->seed = seed;
    out->servers = o->servers ? o->servers : mc_vsan_soak_servers(seed);
    const char *tmp = o->tmpdir;
    if (!tmp) {
        tmp = getenv("TMPDIR");
        if (!tmp || !*tmp)
            tmp = "/tmp";
    }
    unsigned servers = out->servers;
    sim_opts so = {.servers = servers, .witness = servers == 2, .blocks = SOAK_BLOCKS, .region_size = SOAK_REGION,
                   .seed = seed, .persist = true, .latency_ms = 1, .verbose = o->verbose, .watch = o->watch,
                   .log = o->log, .mutant = o->mutant};
    sim *s = sim_new(&so, tmp);
    if (!s)
        return -1;
    out->started = sim_settle(s, SOAK_SETTLE_MS);
    if (!out->started) {
        sim_free(s);
        return 1;
    }
    sim_clients(s, SOAK_CLIENTS, SOAK_CLIENT_BLOCKS, SOAK_WRITE_PCT);
    out->faults = chaos(s, servers, seed, o->ms ? o->ms : MC_VSAN_SOAK_MS);
    sim_clients_stop(s);
    for (unsigned i = 1; i <= servers; i++) {
        sim_restart(s, i);
        sim_fail_store(s, i, false);
        for (unsigned k = i + 1u; k <= servers + (so.witness ? 1u : 0u); k++)
            sim_cut(s, i, k, false);
    }
    out->settled = sim_settle(s, SOAK_SETTLE_MS * 3u);
    if (!out->settled)
        diagnose(s, servers, o);
    /* Every block read through every server: a stale copy anywhere shows in the history. */
    for (unsigned i = 1; out->settled && i <= servers; i++)
        for (uint64_t blk = 0; blk < SOAK_CLIENT_BLOCKS; blk++)
            sim_read(s, 0, i, blk, NULL);
    out->identical = out->settled;
    for (unsigned i = 2; out->identical && i <= servers; i++)
        out->identical = sim_same_stores(s, 1, i, log_of(o));
    mc_history_result r;
    int rc = sim_check(s, &r);
    out->ops = r.ops;
    out->acked_writes = sim_acked_writes(s);
    out->linearizable = rc == 0 && r.verdict == MC_HISTORY_LINEARIZABLE;
    if (!out->linearizable)
        snprintf(out->explanation, sizeof out->explanation, "%s", rc == 0 ? r.explanation : "the check could not run");
    sim_free(s);
    return out->settled && out->identical && out->linearizable ? 0 : 1;
}
