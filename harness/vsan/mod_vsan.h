/* The `vsan` Tcl command (docs/vsan-command.md): what the virtual SAN suite needs beyond plain
 * iSCSI. Relays the harness owns on the mirror links (parsing the framing with the link codec,
 * applying seeded faults, logging every message, writing the run's capture), clients that record
 * a history for the linearizability checker, and the servers' stores read directly. Shared between
 * the command files; vectors see only the Tcl surface. Relays and clients run on threads of
 * their own; nothing on those threads touches Tcl. */
#ifndef MC_MOD_VSAN_H
#define MC_MOD_VSAN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <tcl.h>

#include "ensemble.h"

#define MV_DEFAULT_TIMEOUT_MS 5000     /* a client operation or status query, unless -timeout */
#define MV_MAX_TIMEOUT_MS 600000
#define MV_US_PER_MS 1000u
#define MV_ADDR_TEXT_MAX 32u           /* "255.255.255.255:65535" and its NUL, rounded up */
#define MV_ERR_MAX 256u                /* a message from a library call, before it becomes a Tcl error */

typedef struct mv_hub mv_hub;          /* the relays of one interpreter and their thread */
typedef struct mv_clients mv_clients;  /* the client slots, the pool and the history */

typedef struct mv_mod {
    Tcl_Interp *interp;
    mv_hub *hub;                       /* started with the first relay */
    mv_clients *clients;
} mv_mod;

/* The module's one clock: CLOCK_MONOTONIC in microseconds. Relay log times and history times come
 * from it, so a vector can compare when a message crossed a link with when a client's operation
 * was invoked and completed. */
uint64_t mv_now_us(void);

/* Shared option parsing (mod_vsan.c). Errors leave a message and -errorcode in the interp. */
int mv_usage(Tcl_Interp *interp, const char *text);
/* A millisecond count in 0..MV_MAX_TIMEOUT_MS. */
int mv_get_ms(Tcl_Interp *interp, Tcl_Obj *o, int *ms);
/* A wide integer in [lo, hi], named for the message. */
int mv_get_range(Tcl_Interp *interp, const char *what, Tcl_Obj *o, Tcl_WideInt lo, Tcl_WideInt hi, Tcl_WideInt *out);
/* Numeric IPv4 ADDR:PORT (port 0 allowed when any_port), or ADDR alone when no_port. */
int mv_get_addr(Tcl_Interp *interp, const char *what, Tcl_Obj *o, bool no_port, struct sockaddr_in *a);
Tcl_Obj *mv_addr_obj(const struct sockaddr_in *a);
void mv_put(Tcl_Obj *dict, const char *key, Tcl_Obj *value);
Tcl_Obj *mv_wide(uint64_t v);
/* The vector's seed (::mc::seed), 0 without one. */
uint64_t mv_vector_seed(Tcl_Interp *interp);
/* The module state of interp; NULL when the module is not registered there. */
mv_mod *mv_mod_of(Tcl_Interp *interp);

/* `vsan relay ...` (mod_vsan_relay_tcl.c); relays are freed with their interpreter. */
int mv_relay_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
void mv_hub_free(mv_hub *h);

/* `vsan client ...`, `vsan history ...`, `vsan status ...` (mod_vsan_client.c, mod_vsan_history.c). */
int mv_client_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
int mv_history_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
int mv_status_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
mv_clients *mv_clients_new(void);
void mv_clients_free(mv_clients *cs);

/* `vsan store ...` (mod_vsan_store.c). */
int mv_store_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);

int mc_mod_vsan_init(Tcl_Interp *interp);

#endif
