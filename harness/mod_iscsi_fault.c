/* `iscsi fault`: the seeded fault plan of one connection (fault.h) set from Tcl options, and
 * its counters. */
#include "mod_iscsi.h"

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
            return mc_iscsi_error(interp, "USAGE", "fault option %s needs a value", a);
        Tcl_Obj *v = objv[++i];
        double prob;
        uint32_t *ppm = NULL;
        if (strcmp(a, "-seed") == 0) {
            Tcl_WideInt s;
            if (Tcl_GetWideIntFromObj(interp, v, &s) != TCL_OK)
                return TCL_ERROR;
            c->fault.state = (uint64_t)s;
        } else if (strcmp(a, "-drop") == 0) {
            ppm = &c->fault.drop_ppm;
        } else if (strcmp(a, "-dup") == 0) {
            ppm = &c->fault.dup_ppm;
        } else if (strcmp(a, "-corrupt") == 0) {
            ppm = &c->fault.corrupt_ppm;
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
                return mc_iscsi_error(interp, "USAGE", "-dir takes in, out or both");
        } else if (strcmp(a, "-once") == 0) {
            static const char *const kinds[] = {"drop", "dup", "corrupt", "delay", NULL};
            static const unsigned bits[] = {MC_FAULT_DROP, MC_FAULT_DUP, MC_FAULT_CORRUPT, MC_FAULT_DELAY};
            int k;
            if (Tcl_GetIndexFromObj(interp, v, kinds, "fault", 0, &k) != TCL_OK)
                return TCL_ERROR;
            c->fault.once = bits[k];
        } else if (strcmp(a, "-match") == 0) {
            int n;
            Tcl_Obj **e;
            if (Tcl_ListObjGetElements(interp, v, &n, &e) != TCL_OK)
                return TCL_ERROR;
            if (n % 2 || (size_t)n / 2 > MC_FAULT_MATCH_MAX)
                return mc_iscsi_error(interp, "USAGE", "-match takes up to %u FIELD VALUE pairs", MC_FAULT_MATCH_MAX);
            c->fault.nmatch = 0;
            for (int j = 0; j < n; j += 2) {
                mc_fault_match *fm = &c->fault.match[c->fault.nmatch];
                Tcl_WideInt val;
                if (mc_field_by_name(Tcl_GetString(e[j]), -1, &fm->field) != 0)
                    return mc_iscsi_error(interp, "USAGE", "unknown field \"%s\" in -match", Tcl_GetString(e[j]));
                if (Tcl_GetWideIntFromObj(interp, e[j + 1], &val) != TCL_OK)
                    return TCL_ERROR;
                fm->value = (uint64_t)val;
                c->fault.nmatch++;
            }
        } else {
            return mc_iscsi_error(interp, "USAGE",
                                  "fault options: -seed N -drop P -dup P -corrupt P -delay MS -dir in|out|both "
                                  "-once drop|dup|corrupt|delay -match {field value ...} -off");
        }
        if (ppm) {
            if (Tcl_GetDoubleFromObj(interp, v, &prob) != TCL_OK)
                return TCL_ERROR;
            if (mc_fault_ppm(prob, ppm) != 0)
                return mc_iscsi_error(interp, "USAGE", "%s probability %g outside 0..1", a, prob);
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

