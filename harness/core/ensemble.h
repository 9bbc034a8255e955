/* Registers a module's commands as one Tcl ensemble, e.g. `report junit ...`. */
#ifndef MC_ENSEMBLE_H
#define MC_ENSEMBLE_H

#include <tcl.h>

struct mc_subcommand {
    const char *name;
    Tcl_ObjCmdProc *proc;
};

/* Creates ::<ensemble>::<name> for each entry of the NULL-terminated table, and the ensemble
 * command ::<ensemble> mapping to them; clientData is passed to every subcommand. */
int mc_ensemble_create(Tcl_Interp *interp, const char *ensemble, const struct mc_subcommand *table,
                       ClientData clientData);

/* Sets the result to the formatted message and -errorcode to {MIRRORCERT CODE MESSAGE}; returns
 * TCL_ERROR. CODE names the kind: USAGE, TIMEOUT, CLOSED, BADPDU, PROTOCOL, IO, ... */
int mc_tcl_error(Tcl_Interp *interp, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
