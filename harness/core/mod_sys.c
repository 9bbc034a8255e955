/* The `sys` ensemble: the few process facilities Tcl lacks (terminal test, signals) and the
 * registration of the C modules in a vector's child interpreter. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ensemble.h"
#include "modules.h"

/* sys isatty FD: 1 when file descriptor FD (0, 1 or 2) is a terminal. */
static int sys_isatty(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    int fd;
    if (objc != 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "fd");
        return TCL_ERROR;
    }
    if (Tcl_GetIntFromObj(interp, objv[1], &fd) != TCL_OK)
        return TCL_ERROR;
    Tcl_SetObjResult(interp, Tcl_NewBooleanObj(isatty(fd)));
    return TCL_OK;
}

static const struct {
    const char *name;
    int number;
} signals[] = {
    {"TERM", SIGTERM}, {"KILL", SIGKILL}, {"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"INT", SIGINT}, {"HUP", SIGHUP},
};

/* sys kill PID SIGNAL: SIGNAL is TERM, KILL, STOP, CONT, INT or HUP; 0 probes for the process. */
static int sys_kill(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    int pid, sig = -1;
    if (objc != 3) {
        Tcl_WrongNumArgs(interp, 1, objv, "pid signal");
        return TCL_ERROR;
    }
    if (Tcl_GetIntFromObj(interp, objv[1], &pid) != TCL_OK)
        return TCL_ERROR;
    if (pid <= 0) {
        /* 0 and negative pids name process groups: never what a profile means. */
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("sys kill: refusing pid %d", pid));
        return TCL_ERROR;
    }
    const char *name = Tcl_GetString(objv[2]);
    if (strcmp(name, "0") == 0)
        sig = 0;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        if (strcmp(name, signals[i].name) == 0)
            sig = signals[i].number;
    if (sig < 0) {
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("sys kill: unknown signal \"%s\"", name));
        return TCL_ERROR;
    }
    if (kill(pid, sig) != 0) {
        if (sig == 0 && errno == ESRCH) {
            Tcl_SetObjResult(interp, Tcl_NewBooleanObj(0));
            return TCL_OK;
        }
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("sys kill %d %s: %s", pid, name, strerror(errno)));
        return TCL_ERROR;
    }
    Tcl_SetObjResult(interp, Tcl_NewBooleanObj(1));
    return TCL_OK;
}

/* sys child-init NAME: registers Expect and every C module in the child interpreter NAME. */
static int sys_child_init(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "child");
        return TCL_ERROR;
    }
    Tcl_Interp *child = Tcl_GetSlave(interp, Tcl_GetString(objv[1]));
    if (child == NULL)
        return TCL_ERROR;
    if (mc_modules_init(child) != TCL_OK) {
        Tcl_SetObjResult(interp, Tcl_GetObjResult(child));
        return TCL_ERROR;
    }
    return TCL_OK;
}

int mc_mod_sys_init(Tcl_Interp *interp)
{
    static const struct mc_subcommand table[] = {
        {"isatty", sys_isatty},
        {"kill", sys_kill},
        {"child-init", sys_child_init},
        {NULL, NULL},
    };
    return mc_ensemble_create(interp, "sys", table, NULL);
}
