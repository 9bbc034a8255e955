/* A simulated virtual SAN for the mirror engine's tests: N engines (servers and a witness) on
 * one virtual clock, a network of ordered per-pair streams that can be cut and healed, stores in
 * memory behind failing stores, crashes and restarts that keep the store and the state file, and
 * clients whose every operation is recorded as a history (harness/vsan/history.h). Everything is
 * seeded: one seed, one run. Messages cross the network encoded, through the link codec. */
#ifndef MC_TEST_VSAN_SIM_H
#define MC_TEST_VSAN_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "history.h"
#include "vsan.h"

#define SIM_MAX_NODES MC_VSAN_ID_MAX
#define SIM_MAX_CLIENTS 8u
#define SIM_BLOCK 512u

typedef struct sim sim;

typedef struct sim_opts {
    unsigned servers;          /* 2 or 3 */
    bool witness;              /* a witness gets the next ID */
    uint64_t blocks;           /* volume size in blocks */
    uint32_t region_size;
    uint32_t lease_ms;
    mc_vsan_quorum quorum;
    int mutant;                /* index + 1 of mc_vsan_mutants, for every server; 0 none */
    uint64_t seed;
    bool persist;              /* state files (a restarted server keeps what it knew) */
    unsigned latency_ms;       /* one way; a jitter of up to the same is added */
    int verbose;               /* log: 0 none (a watched block only), SIM_LOG_FAULTS, SIM_LOG_CLIENTS, 3 all engine logs */
    uint64_t watch;            /* block + 1 whose every change in any store is logged; 0 none */
    FILE *log;                 /* where the log goes; NULL = stderr */
} sim_opts;

#define SIM_LOG_FAULTS 1       /* faults and the engines' level-1 events (terms, views, resyncs) */
#define SIM_LOG_CLIENTS 2      /* every client operation's start and end, engine level 2 */

sim *sim_new(const sim_opts *o, const char *tmpdir);
void sim_free(sim *s);
uint64_t sim_now(const sim *s);
/* Runs the world for ms of virtual time. */
void sim_run(sim *s, uint64_t ms);
/* Runs until every server is a full member of one view with no copy left, or ms passed;
 * returns whether it converged. */
bool sim_settle(sim *s, uint64_t ms);
/* Whether it is so now: every server running, a full member with a lease of one view, none
 * rejoining or suspected, nothing dirty anywhere. */
bool sim_settled(sim *s);

/* Faults. */
void sim_kill(sim *s, unsigned id);        /* crash: the engine is gone, store and state stay */
void sim_restart(sim *s, unsigned id);
void sim_cut(sim *s, unsigned a, unsigned b, bool cut);
void sim_fail_store(sim *s, unsigned id, bool fail);   /* the whole store, both directions */
bool sim_store_failed(const sim *s, unsigned id);
bool sim_alive(const sim *s, unsigned id);
/* Every server and the witness running, and no link cut. */
bool sim_all_up(const sim *s);

/* Synchronous client operations (the world runs until they finish or timeout_ms passes);
 * recorded in the history as client `client`. Return the I/O status, or -1 on timeout. */
int sim_write(sim *s, unsigned client, unsigned server, uint64_t block, uint64_t *value_out);
int sim_read(sim *s, unsigned client, unsigned server, uint64_t block, uint64_t *value_out);
/* Asynchronous clients: each of n clients keeps one operation outstanding on a random server and
 * block among the first `blocks`, with the given write share (percent), while the world runs. */
void sim_clients(sim *s, unsigned n, uint64_t blocks, unsigned write_pct);
void sim_clients_stop(sim *s);

/* Whether the stores of servers a and b hold the same bytes; when they differ and show is not
 * NULL, the first blocks that differ are named there. */
bool sim_same_stores(sim *s, unsigned a, unsigned b, FILE *show);
/* The byte contents of a server's store, and the engine (NULL when killed). */
const uint8_t *sim_store_bytes(sim *s, unsigned id, uint64_t *len);
mc_vsan_engine *sim_engine(sim *s, unsigned id);
/* Messages of a type sent so far (all links), and bytes of WRITE data with the SYNC flag. */
uint64_t sim_sent(const sim *s, unsigned type);
uint64_t sim_sync_bytes(const sim *s);

/* The history so far, and the check of it. */
const mc_hop *sim_history(const sim *s, size_t *n);
int sim_check(sim *s, mc_history_result *out);
/* Writes of the history that completed ok. */
size_t sim_acked_writes(const sim *s);

#endif
