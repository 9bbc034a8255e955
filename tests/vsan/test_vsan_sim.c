/* The mirror engine in the simulated network (sim.h): every claim behaviour and invariant it can
 * show on its own, then seeded chaos with concurrent clients, each run checked for
 * linearizability (harness/vsan/history.h) and identical stores: a sample of `mirrorcert soak`
 * (MC_VSAN_SIM_RUNS runs, default CHAOS_RUNS_DEFAULT; `mirrorcert soak --seed S --runs 1` replays one). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "soak.h"
#include "tap.h"

#define BLOCKS 256u                /* 128 KiB volumes: 32 regions of 4 KiB */
#define REGION (8u * SIM_BLOCK)
#define SETTLE_MS 20000u
#define CHAOS_RUNS_DEFAULT 20u

static const char *tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

static sim *world(unsigned servers, bool witness, mc_vsan_quorum q, uint64_t seed)
{
    sim_opts o = {.servers = servers, .witness = witness, .blocks = BLOCKS, .region_size = REGION,
                  .quorum = q, .seed = seed, .persist = true, .latency_ms = 1};
    sim *s = sim_new(&o, tmpdir());
    tap_ok(s && sim_settle(s, SETTLE_MS), "%u servers%s settle into one view (seed %" PRIu64 ")",
           servers, witness ? " and a witness" : "", seed);
    return s;
}

static bool same_stores(sim *s, unsigned a, unsigned b) { return sim_same_stores(s, a, b, stdout); }

static void check_history(sim *s, const char *what)
{
    mc_history_result r;
    int rc = sim_check(s, &r);
    tap_ok(rc == 0 && r.verdict == MC_HISTORY_LINEARIZABLE, "%s: history of %zu operations linearizable%s%s",
           what, r.ops, rc == 0 && r.verdict != MC_HISTORY_LINEARIZABLE ? ": " : "",
           rc == 0 && r.verdict != MC_HISTORY_LINEARIZABLE ? r.explanation : "");
}

static void mirrored_both_ways(void)
{
    sim *s = world(2, true, MC_VSAN_QUORUM_MAJORITY, 11);
    uint64_t w, r;
    tap_is_int(sim_write(s, 0, 1, 3, &w), MC_VSAN_IO_OK, "004:1 a write through server 1 is acknowledged");
    tap_is_int(sim_read(s, 1, 2, 3, &r), MC_VSAN_IO_OK, "004:9(d) a read through server 2 succeeds");
    tap_ok(r == w, "004:1(e) server 2 returns what server 1 wrote");
    tap_is_int(sim_write(s, 1, 2, 4, &w), MC_VSAN_IO_OK, "004:20 a write through server 2 is acknowledged");
    tap_is_int(sim_read(s, 0, 1, 4, &r), MC_VSAN_IO_OK, "a read through server 1 succeeds");
    tap_ok(r == w, "004:20 server 1 returns what server 2 wrote");
    tap_ok(same_stores(s, 1, 2), "004:1(d) both stores hold the same bytes");
    tap_ok(sim_sent(s, MC_VSAN_T_GRANT) + sim_sent(s, MC_VSAN_T_GRANT_OK) > 0,
           "004:17 write priority was asked for over the link");
    check_history(s, "mirrored both ways");
    sim_free(s);
}

/* 004:16-17: writers through every server contend for one region with no fault at all; write
 * priority passes back and forth and every write is acknowledged. */
static void contention(void)
{
    sim *s = world(2, true, MC_VSAN_QUORUM_MAJORITY, 19);
    sim_clients(s, 4, REGION / SIM_BLOCK, 100);
    sim_run(s, 3000);
    sim_clients_stop(s);
    sim_run(s, 100);
    size_t n, ok = 0, other = 0;
    const mc_hop *h = sim_history(s, &n);
    for (size_t i = 0; i < n; i++)
        h[i].outcome == MC_HOP_OK ? ok++ : other++;
    tap_ok(ok > 0 && other == 0, "004:16 four writers on one region through both servers: %zu acknowledged, %zu not",
           ok, other);
    check_history(s, "contention");
    sim_free(s);
}

static void member_killed(void)
{
    sim *s = world(2, true, MC_VSAN_QUORUM_MAJORITY, 12);
    uint64_t w[8], r;
    for (unsigned i = 0; i < 8; i++)
        sim_write(s, 0, 1, i * 8u, &w[i]);  /* one block in each of 8 regions */
    sim_run(s, 1500);  /* settled and idle, they leave the activity log (8.2): only what is missed is resent */
    mc_vsan_info st;
    mc_vsan_get_info(sim_engine(s, 1), &st);
    unsigned coordinator = st.coordinator;
    unsigned other = coordinator == 1 ? 2 : 1;
    sim_kill(s, other);
    sim_run(s, 100);
    tap_is_int(sim_read(s, 1, coordinator, 0, &r), MC_VSAN_IO_OK, "004:5 reads go on through the survivor");
    tap_ok(r == w[0], "the survivor returns the acknowledged write");
    uint64_t nw;
    tap_is_int(sim_write(s, 0, coordinator, 16, &nw), MC_VSAN_IO_OK, "writes go on with the member away");
    mc_vsan_get_info(sim_engine(s, coordinator), &st);
    tap_is_int(st.dirty[other], 1, "one region is marked dirty for the away member (8.1)");
    uint64_t before = sim_sync_bytes(s);
    sim_restart(s, other);
    tap_ok(sim_settle(s, SETTLE_MS), "the member returns and the view settles");
    uint64_t resent = sim_sync_bytes(s) - before;
    tap_ok(resent > 0 && resent <= 1u * REGION, "resync resent %" PRIu64 " bytes: at most 1 dirty region of %u",
           resent, REGION);
    tap_ok(same_stores(s, 1, 2), "stores identical after resync");
    tap_is_int(sim_read(s, 1, other, 16, &r), MC_VSAN_IO_OK, "the returned member serves reads");
    tap_ok(r == nw, "the returned member has the write it missed");
    check_history(s, "member killed");
    sim_free(s);
}

static void coordinator_killed(void)
{
    sim *s = world(2, true, MC_VSAN_QUORUM_MAJORITY, 13);
    mc_vsan_info st;
    mc_vsan_get_info(sim_engine(s, 1), &st);
    unsigned coordinator = st.coordinator, other = coordinator == 1 ? 2 : 1;
    uint64_t w, r;
    sim_write(s, 0, other, 5, &w);
    uint64_t t0 = sim_now(s);
    sim_kill(s, coordinator);
    int rc = -1;
    uint64_t t1 = t0;
    for (unsigned tries = 0; tries < 40 && rc != MC_VSAN_IO_OK; tries++) {
        rc = sim_read(s, 1, other, 5, &r);
        t1 = sim_now(s);
    }
    tap_is_int(rc, MC_VSAN_IO_OK, "004:5 the other server serves after the coordinator died");
    tap_ok(r == w, "no acknowledged write lost");
    tap_ok(t1 - t0 < 2000u, "failover took %" PRIu64 " ms of simulated time", t1 - t0);
    /* A write caught by the failover may end ABORTED (its outcome unknown): a client retries. */
    int wrc = -1;
    unsigned tries = 0;
    while (wrc != MC_VSAN_IO_OK && tries++ < 20)
        wrc = sim_write(s, 0, other, 6, &w);
    tap_is_int(wrc, MC_VSAN_IO_OK, "the witness gives the survivor a quorum for writes (%u tries)", tries);
    sim_restart(s, coordinator);
    tap_ok(sim_settle(s, SETTLE_MS), "the old coordinator rejoins");
    tap_ok(same_stores(s, 1, 2), "stores identical after it rejoined");
    check_history(s, "coordinator killed");
    sim_free(s);
}

static void store_failed(void)
{
    sim *s = world(2, true, MC_VSAN_QUORUM_MAJORITY, 14);
    uint64_t w, r;
    sim_write(s, 0, 2, 9, &w);
    sim_fail_store(s, 1, true);
    tap_is_int(sim_read(s, 1, 1, 9, &r), MC_VSAN_IO_OK, "004:6 a read through the server whose store failed succeeds");
    tap_ok(r == w, "004:4(b) it returns the mirrored copy");
    uint64_t w2;
    tap_is_int(sim_write(s, 0, 1, 10, &w2), MC_VSAN_IO_OK, "its writes still mirror, no error to the client");
    tap_is_int(sim_read(s, 1, 2, 10, &r), MC_VSAN_IO_OK, "the other server has that write");
    tap_ok(r == w2, "with its bytes");
    sim_fail_store(s, 1, false);
    tap_ok(sim_settle(s, SETTLE_MS), "the healed store catches up (self-heal)");
    tap_ok(same_stores(s, 1, 2), "stores identical after the heal");
    check_history(s, "store failed");
    sim_free(s);
}

static void link_cut(void)
{
    sim *s = world(2, true, MC_VSAN_QUORUM_MAJORITY, 15);
    uint64_t w;
    sim_cut(s, 1, 2, true);
    sim_run(s, 3000);
    int r1 = sim_write(s, 0, 1, 20, &w);
    int r2 = sim_write(s, 1, 2, 20, &w);
    tap_ok((r1 == MC_VSAN_IO_OK) != (r2 == MC_VSAN_IO_OK),
           "with the link cut exactly one side accepts writes (server 1: %d, server 2: %d)", r1, r2);
    sim_cut(s, 1, 2, false);
    tap_ok(sim_settle(s, SETTLE_MS), "the link heals and the view settles");
    tap_ok(same_stores(s, 1, 2), "stores identical after the heal");
    check_history(s, "link cut");
    sim_free(s);
}

static void split_brain(void)
{
    sim *s = world(2, false, MC_VSAN_QUORUM_OFF, 16);
    uint64_t w1, w2;
    sim_cut(s, 1, 2, true);
    sim_run(s, 3000);
    tap_is_int(sim_write(s, 0, 1, 30, &w1), MC_VSAN_IO_OK, "quorum off: server 1 writes alone");
    tap_is_int(sim_write(s, 1, 2, 30, &w2), MC_VSAN_IO_OK, "quorum off: server 2 writes alone");
    sim_cut(s, 1, 2, false);
    sim_run(s, 3000);
    mc_vsan_info a, b;
    mc_vsan_get_info(sim_engine(s, 1), &a);
    mc_vsan_get_info(sim_engine(s, 2), &b);
    tap_ok((a.split_brain & (1u << 2)) && (b.split_brain & (1u << 1)), "split brain detected on both sides");
    tap_ok(!same_stores(s, 1, 2), "nothing was merged silently: the stores keep their own writes");
    sim_free(s);
}

static void third_server(void)
{
    sim *s = world(3, false, MC_VSAN_QUORUM_MAJORITY, 17);
    uint64_t w, r;
    tap_is_int(sim_write(s, 0, 3, 40, &w), MC_VSAN_IO_OK, "004:23 the third server takes a write");
    tap_is_int(sim_read(s, 1, 1, 40, &r), MC_VSAN_IO_OK, "server 1 reads it");
    tap_ok(r == w && same_stores(s, 1, 3) && same_stores(s, 2, 3), "004:23 it mirrored to both other stores");
    sim_kill(s, 1);
    tap_is_int(sim_write(s, 0, 2, 41, &w), MC_VSAN_IO_OK, "two of three keep a quorum without server 1");
    sim_restart(s, 1);
    tap_ok(sim_settle(s, SETTLE_MS), "server 1 joins again");
    tap_ok(same_stores(s, 1, 2) && same_stores(s, 1, 3), "all three stores identical");
    check_history(s, "three servers");
    sim_free(s);
}

/* One seeded chaos run (harness/vsan/sim/soak.h, what `mirrorcert soak` runs). */
static void chaos(uint64_t seed, size_t *ops, size_t *faults)
{
    mc_vsan_soak_opts o = {.log = stdout};
    mc_vsan_soak_result r;
    int rc = mc_vsan_soak_run(&o, seed, &r);
    tap_ok(rc == 0, "chaos seed %" PRIu64 " (%u servers): %zu faults, %zu operations (%zu writes acknowledged), "
           "formed %d, settled %d, stores identical %d, %s%s",
           seed, r.servers, r.faults, r.ops, r.acked_writes, r.started, r.settled, r.identical,
           r.linearizable ? "linearizable" : "NOT linearizable: ", r.linearizable ? "" : r.explanation);
    *ops += r.ops;
    *faults += r.faults;
}

int main(void)
{
    tap_plan(0);
    mirrored_both_ways();
    contention();
    member_killed();
    coordinator_killed();
    store_failed();
    link_cut();
    split_brain();
    third_server();
    /* A sample of the soak (`mirrorcert soak` runs any number of seeds and replays one). */
    const char *runs_env = getenv("MC_VSAN_SIM_RUNS");
    unsigned runs = runs_env ? (unsigned)strtoul(runs_env, NULL, 10) : CHAOS_RUNS_DEFAULT;
    size_t ops = 0, faults = 0;
    for (unsigned i = 0; i < runs; i++)
        chaos(MC_VSAN_SOAK_SEED_BASE + i, &ops, &faults);
    tap_diag("chaos: %u runs, %zu faults, %zu operations checked", runs, faults, ops);
    return tap_done();
}
