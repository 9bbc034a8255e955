/* `iscsi fault`: the seeded fault plan of one connection (fault.h) set from Tcl options, and
 * its counters. */
#include "mod_iscsi.h"
#include "fault_tcl.h"

#include <string.h>

static Tcl_Obj *wide(uint64_t v) { return Tcl_NewWideIntObj((Tcl_WideInt)v); }

int mc_iscsi_fault_cmd(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[])
{
    for (int i = 3; i < objc; i++) {
        const char *a = Tcl_GetString(objv[i]);
        if (strcmp(a, "-off") == 0) {
            c->fault_on = false;
            continue;
        }
        if (i + 1 >= objc)
            return mc_tcl_error(interp, "USAGE", "fault option %s needs a value", a);
        Tcl_Obj *v = objv[++i];
        bool shared;
        if (mc_fault_tcl_option(interp, &c->fault, a, v, &shared) != TCL_OK)
            return TCL_ERROR;
        if (shared) {
            /* -seed, -drop, -dup, -corrupt and -match were set by fault_tcl.c */
        } else if (strcmp(a, "-delay") == 0) {
            int ms;
            if (mc_iscsi_get_ms(interp, v, &ms) != TCL_OK)
                return TCL_ERROR;
            c->fault.delay_ms = (uint32_t)ms;
        } else if (strcmp(a, "-dir") == 0) {
            const char *w = Tcl_GetString(v);
            c->fault.outbound = strcmp(w, "out") == 0 || strcmp(w, "both") == 0;
            c->fault.inbound = strcmp(w, "in") == 0 || strcmp(w, "both") == 0;
            if (!c->fault.outbound && !c->fault.inbound)
                return mc_tcl_error(interp, "USAGE", "-dir takes in, out or both");
        } else if (strcmp(a, "-once") == 0) {
            static const char *const kinds[] = {"drop", "dup", "corrupt", "delay", NULL};
            static const unsigned bits[] = {MC_FAULT_DROP, MC_FAULT_DUP, MC_FAULT_CORRUPT, MC_FAULT_DELAY};
            int k;
            if (Tcl_GetIndexFromObj(interp, v, kinds, "fault", 0, &k) != TCL_OK)
                return TCL_ERROR;
            c->fault.once = bits[k];
        } else {
            return mc_tcl_error(interp, "USAGE",
                                  "fault options: -seed N -drop P -dup P -corrupt P -delay MS -dir in|out|both "
                                  "-once drop|dup|corrupt|delay -match {field value ...} -off");
        }
        c->fault_on = true;
    }
    Tcl_Obj *d = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("active", -1), Tcl_NewBooleanObj(c->fault_on));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("seen", -1), wide(c->fault.seen));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("dropped", -1), wide(c->fault.dropped));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("duplicated", -1), wide(c->fault.duplicated));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("corrupted", -1), wide(c->fault.corrupted));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("delayed", -1), wide(c->fault.delayed));
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}

