/* The `spi` ensemble: simulated SPI buses with reference or mutant devices, their decoded
 * traces, VCD files, and a small pattern language over decoded events. */
#ifndef MC_MOD_SPI_H
#define MC_MOD_SPI_H

#include <tcl.h>

#include "spi_dev.h"
#include "spi_trace.h"

#define MC_SPI_MOD_MAX_SIMS 64u

typedef struct mc_spi_sim {
    char name[24];
    mc_spi_bus *bus;           /* NULL for a trace read from a VCD file */
    mc_spi_host *host;
    mc_spi_disk *disk[MC_SPI_MAX_ID];
    mc_lun_set *luns[MC_SPI_MAX_ID];
    mc_spi_trace *trace;
    mc_spi_vcd *vcd;
    uint8_t **bufs;            /* data of queued writes, alive until the sim is closed */
    size_t nbufs;
    unsigned target_mutants;   /* applied to every disk attached later */
} mc_spi_sim;

/* The strip a report draws for a vector that did not pass: the decoded phases of the first
 * bus the vector ran, at most MC_SPI_STRIP_MAX of them (our choice: one silent write with its
 * statuses is a few dozen). */
#define MC_SPI_STRIP_MAX 160

typedef struct mc_spi_mod {
    mc_spi_sim *sims[MC_SPI_MOD_MAX_SIMS];
    unsigned next;
    Tcl_Obj *strip;            /* {t t_end kind by init target} per phase, or NULL */
} mc_spi_mod;

mc_spi_sim *mc_spi_sim_get(Tcl_Interp *interp, Tcl_Obj *name);
/* mod_spi_trace.c: spi events / findings / count / match / vcd ... */
int mc_spi_cmd_events(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
int mc_spi_cmd_findings(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
int mc_spi_cmd_count(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
int mc_spi_cmd_match(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
int mc_spi_cmd_record(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
int mc_spi_cmd_load(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
int mc_spi_cmd_checks(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
/* The strip: kept from a bus's trace as it closes (the first with events), `spi strip`. */
void mc_spi_strip_keep(mc_spi_mod *m, const mc_spi_sim *s);
int mc_spi_cmd_strip(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
mc_spi_sim *mc_spi_sim_new(Tcl_Interp *interp, mc_spi_mod *m);
/* Pattern matching (mod_spi_match.c): indexes of the first match, or -1 with a message. */
int mc_spi_match(const mc_spi_ev *ev, size_t n, const char *pattern, size_t *out, size_t outcap,
                 size_t *nout, char *err, size_t errlen);
const char *mc_spi_ev_short(int kind);
void mc_spi_ev_msgname(const mc_spi_ev *e, char *buf, size_t len);

#endif
