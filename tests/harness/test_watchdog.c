/* The watchdog's remaining time as C commands read it from an interpreter's time limit. */
#include <tcl.h>

#include "tap.h"
#include "watchdog.h"

#define HOUR_S 3600
#define HOUR_MS (HOUR_S * 1000LL)

int main(void)
{
    tap_plan(6);
    Tcl_Interp *interp = Tcl_CreateInterp();
    tap_is_int(mc_watchdog_remaining_ms(interp), -1, "no time limit: nothing to clamp to");
    tap_is_int(mc_watchdog_clamp_ms(interp, 5000), 5000, "a timeout stays as it is without a limit");

    Tcl_Time t;
    Tcl_GetTime(&t);
    t.sec += HOUR_S;
    Tcl_LimitSetTime(interp, &t);
    Tcl_LimitTypeSet(interp, TCL_LIMIT_TIME);
    long long left = mc_watchdog_remaining_ms(interp);
    tap_ok(left > 0 && left <= HOUR_MS, "a limit an hour ahead leaves at most an hour (%lld ms)", left);
    tap_is_int(mc_watchdog_clamp_ms(interp, 5000), 5000, "a shorter timeout is kept");

    Tcl_GetTime(&t);
    t.sec -= 1;
    Tcl_LimitSetTime(interp, &t);
    tap_is_int(mc_watchdog_remaining_ms(interp), 0, "a limit already past leaves nothing");
    tap_is_int(mc_watchdog_clamp_ms(interp, 5000), 0, "and clamps any wait to zero");
    Tcl_DeleteInterp(interp);
    Tcl_Finalize();
    return tap_done();
}
