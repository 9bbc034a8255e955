#include "ensemble.h"

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
