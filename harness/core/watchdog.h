/* The vector watchdog as C code sees it: a vector's child interpreter carries a Tcl time limit
 * (the vector's timeout, or a step's deadline when that comes first). Tcl checks it only between
 * commands, so a C command that blocks must not wait past it. */
#ifndef MC_WATCHDOG_H
#define MC_WATCHDOG_H

#include <tcl.h>

/* Milliseconds left before interp's time limit (0 when already past), or -1 when it has none.
 * A blocking wait uses the smaller of its own timeout and this. */
long long mc_watchdog_remaining_ms(Tcl_Interp *interp);

/* timeout_ms clamped to the time left before interp's limit. */
int mc_watchdog_clamp_ms(Tcl_Interp *interp, int timeout_ms);

#endif
