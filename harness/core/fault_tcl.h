/* The Tcl options every seeded fault command shares (`iscsi fault`, `mcast fault`), parsed once. */
#ifndef MC_HARNESS_FAULT_TCL_H
#define MC_HARNESS_FAULT_TCL_H

#include <stdbool.h>
#include <tcl.h>

#include "fault.h"

/* Applies one of -seed N, -drop P, -dup P, -corrupt P, -match {FIELD VALUE ...} to the plan and
 * sets *handled; leaves *handled false for any other option. TCL_ERROR carries a message. */
int mc_fault_tcl_option(Tcl_Interp *interp, mc_fault_plan *p, const char *opt, Tcl_Obj *val,
                        bool *handled);
/* A probability 0..1 given to option opt, as parts per million. */
int mc_fault_tcl_ppm(Tcl_Interp *interp, const char *opt, Tcl_Obj *val, uint32_t *ppm);

#endif
