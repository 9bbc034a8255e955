#include "ensemble.h"

#include <stdarg.h>
#include <stdio.h>

/* Longest error message kept (longer ones are cut). */
#define MC_TCL_ERROR_MAX 512

int mc_ensemble_create(Tcl_Interp *interp, const char *ensemble, const struct mc_subcommand *table,
                       ClientData clientData)
{
    Tcl_Obj *nsName = Tcl_ObjPrintf("::%s", ensemble);
    Tcl_IncrRefCount(nsName);
    Tcl_Namespace *ns = Tcl_FindNamespace(interp, Tcl_GetString(nsName), NULL, 0);
    if (ns == NULL)
        ns = Tcl_CreateNamespace(interp, Tcl_GetString(nsName), NULL, NULL);
    Tcl_DecrRefCount(nsName);
    if (ns == NULL)
        return TCL_ERROR;

    Tcl_Obj *map = Tcl_NewDictObj();
    for (const struct mc_subcommand *s = table; s->name != NULL; s++) {
        Tcl_Obj *full = Tcl_ObjPrintf("::%s::%s", ensemble, s->name);
        Tcl_CreateObjCommand(interp, Tcl_GetString(full), s->proc, clientData, NULL);
        Tcl_DictObjPut(NULL, map, Tcl_NewStringObj(s->name, -1), full);
    }
    Tcl_Command cmd = Tcl_CreateEnsemble(interp, ns->fullName, ns, 0);
    if (cmd == NULL) {
        Tcl_DecrRefCount(map);
        return TCL_ERROR;
    }
    return Tcl_SetEnsembleMappingDict(interp, cmd, map);
}

int mc_tcl_error(Tcl_Interp *interp, const char *code, const char *fmt, ...)
{
    char msg[MC_TCL_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(msg, -1));
    Tcl_SetErrorCode(interp, "MIRRORCERT", code, msg, (char *)NULL);
    return TCL_ERROR;
}
