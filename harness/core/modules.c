#include "modules.h"

#include <expect_tcl.h>

int mc_modules_init(Tcl_Interp *interp)
{
    if (Expect_Init(interp) != TCL_OK)
        return TCL_ERROR;
#define MC_MODULE_INIT(name)                                                            \
    if (mc_mod_##name##_init(interp) != TCL_OK) {                                        \
        Tcl_AppendResult(interp, " (while registering module " #name ")", (char *)NULL); \
        return TCL_ERROR;                                                                \
    }
    MC_MODULES(MC_MODULE_INIT)
#undef MC_MODULE_INIT
    return TCL_OK;
}
