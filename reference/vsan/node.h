/* A virtual SAN node: the mirror engine (vsan.h) on real link connections (link_conn.h), a
 * listening link endpoint and a clock, driven by its owner's poll loop: the reference target's
 * (a server, server.c) or its own (a witness, witness_main.c). */
#ifndef MC_VSAN_NODE_H
#define MC_VSAN_NODE_H

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "link_conn.h"
#include "vsan.h"

typedef struct mc_vsan_node_cfg {
    mc_vsan_config engine;                /* id, role, every configured role, sizes, lease, ... */
    struct sockaddr_in link;              /* our link endpoint (port 0: any free port) */
    mc_vsan_peer peers[MC_VSAN_ID_MAX];   /* the others' link endpoints */
    size_t npeers;
    int log_level;                        /* 0 errors, 1 events, 2 copies */
    FILE *log;                            /* NULL: stderr */
} mc_vsan_node_cfg;

typedef struct mc_vsan_node mc_vsan_node;

/* Binds the link endpoint, opens the engine on store (NULL for a witness; the node takes no
 * reference) and starts connecting to every peer. NULL with a message on error. */
mc_vsan_node *mc_vsan_node_new(const mc_vsan_node_cfg *cfg, mc_store *store, char *err, size_t errlen);
void mc_vsan_node_free(mc_vsan_node *n);

mc_vsan_engine *mc_vsan_node_engine(mc_vsan_node *n);
/* The link endpoint as bound (its port chosen when 0 was asked). */
struct sockaddr_in mc_vsan_node_link(const mc_vsan_node *n);
/* The monotonic clock the node and its engine use, in milliseconds. */
uint64_t mc_vsan_node_now(void);

/* The owner's poll loop: how many descriptors, filling at most max, their results; the next
 * time tick must run (absolute, mc_vsan_node_now); the timers. */
size_t mc_vsan_node_nfds(const mc_vsan_node *n);
size_t mc_vsan_node_fill(mc_vsan_node *n, struct pollfd *pf, size_t max);
void mc_vsan_node_on_poll(mc_vsan_node *n, const struct pollfd *pf, size_t npf);
uint64_t mc_vsan_node_next_deadline(const mc_vsan_node *n);
void mc_vsan_node_tick(mc_vsan_node *n);

/* Link counters summed over every connection so far (MC_VSAN_C_COUNT values). */
void mc_vsan_node_link_counters(const mc_vsan_node *n, uint64_t out[MC_VSAN_C_COUNT]);

#endif
