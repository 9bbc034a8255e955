/* The C command modules of the `mirrorcert` program: one list, registered in every interpreter
 * (the main one and each vector's child) in this order. */
#ifndef MC_MODULES_H
#define MC_MODULES_H

#include <tcl.h>

/* X(name): a module of harness/ (core/, iscsi/, mcast/, spi/, vsan/, report/, each mod_<name>.c)
 * defines `int mc_mod_<name>_init(Tcl_Interp *)`, which creates the module's command ensemble
 * and returns TCL_OK or TCL_ERROR with the interpreter's result set. */
#define MC_MODULES(X) \
    X(sys)            \
    X(capture)        \
    X(report)         \
    X(iscsi)          \
    X(spi)            \
    X(mcast)          \
    X(vsan)

#define MC_MODULE_DECLARE(name) int mc_mod_##name##_init(Tcl_Interp *interp);
MC_MODULES(MC_MODULE_DECLARE)
#undef MC_MODULE_DECLARE

/* Registers Expect and every module in interp; TCL_ERROR names the module that failed. */
int mc_modules_init(Tcl_Interp *interp);

#endif
