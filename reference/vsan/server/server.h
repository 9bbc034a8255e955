/* The virtual SAN's reference devices as commands: `mirrorcert serve vsan-server` (a reference
 * iSCSI target whose logical unit is the mirrored volume, with the mirror engine plugged in as a
 * hook module) and `mirrorcert serve vsan-witness` (a voter with no store). */
#ifndef MC_VSAN_SERVER_H
#define MC_VSAN_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "target_hooks.h"

/* Exit statuses: 0 stopped cleanly (SIGTERM/SIGINT), 1 runtime error, 2 usage. */
int mc_vsan_server_main(int argc, char **argv);
int mc_vsan_witness_main(int argc, char **argv);

/* The hook module (server_module.c): the mirrored LUN's reads and writes go through the engine,
 * other commands stay the LUN core's; status text keys; the control lines on stdin. */
typedef struct mc_vsan_srv mc_vsan_srv;
typedef struct mc_vsan_srv_cfg {
    mc_vsan_node_cfg node;
    mc_store *store;           /* the failing store in front of the volume; the module takes a reference */
    uint16_t lun;              /* the mirrored LUN */
    int control_fd;            /* control lines (store fail|heal, status); -1: none */
} mc_vsan_srv_cfg;
extern const mc_target_hooks mc_vsan_srv_hooks;
/* Plugs a new module into t. NULL with a message on error. */
mc_vsan_srv *mc_vsan_srv_attach(mc_target *t, const mc_vsan_srv_cfg *cfg, char *err, size_t errlen);
mc_vsan_node *mc_vsan_srv_node(mc_vsan_srv *s);

/* One status line of a node: "id=1 role=member term=3 ..." (also the text keys' source). */
void mc_vsan_status_line(mc_vsan_node *n, char *out, size_t cap);

#endif
