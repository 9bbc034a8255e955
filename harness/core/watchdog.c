#include "watchdog.h"

#define MS_PER_S 1000LL
#define US_PER_MS 1000LL

long long mc_watchdog_remaining_ms(Tcl_Interp *interp)
{
    if (!Tcl_LimitTypeEnabled(interp, TCL_LIMIT_TIME))
        return -1;
    Tcl_Time limit, now;
    Tcl_LimitGetTime(interp, &limit);
    Tcl_GetTime(&now);
    long long left = ((long long)limit.sec - now.sec) * MS_PER_S + ((long long)limit.usec - now.usec) / US_PER_MS;
    return left > 0 ? left : 0;
}

int mc_watchdog_clamp_ms(Tcl_Interp *interp, int timeout_ms)
{
    long long left = mc_watchdog_remaining_ms(interp);
    return (left >= 0 && left < timeout_ms) ? (int)left : timeout_ms;
}
