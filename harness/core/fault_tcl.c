#include "fault_tcl.h"

#include <string.h>

#include "ensemble.h"

int mc_fault_tcl_ppm(Tcl_Interp *interp, const char *opt, Tcl_Obj *val, uint32_t *ppm)
{
    double prob;
    if (Tcl_GetDoubleFromObj(interp, val, &prob) != TCL_OK)
        return TCL_ERROR;
    if (mc_fault_ppm(prob, ppm) != 0)
        return mc_tcl_error(interp, "USAGE", "%s probability %g outside 0..1", opt, prob);
    return TCL_OK;
}

static int set_match(Tcl_Interp *interp, mc_fault_plan *p, Tcl_Obj *val)
{
    int n;
    Tcl_Obj **e;
    if (Tcl_ListObjGetElements(interp, val, &n, &e) != TCL_OK)
        return TCL_ERROR;
    if (n % 2 || (size_t)n / 2 > MC_FAULT_MATCH_MAX)
        return mc_tcl_error(interp, "USAGE", "-match takes up to %u FIELD VALUE pairs", MC_FAULT_MATCH_MAX);
    p->nmatch = 0;
    for (int j = 0; j < n; j += 2) {
        mc_fault_match *fm = &p->match[p->nmatch];
        Tcl_WideInt v;
        if (mc_field_by_name(Tcl_GetString(e[j]), -1, &fm->field) != 0)
            return mc_tcl_error(interp, "USAGE", "unknown field \"%s\" in -match", Tcl_GetString(e[j]));
        if (Tcl_GetWideIntFromObj(interp, e[j + 1], &v) != TCL_OK)
            return TCL_ERROR;
        fm->value = (uint64_t)v;
        p->nmatch++;
    }
    return TCL_OK;
}

int mc_fault_tcl_option(Tcl_Interp *interp, mc_fault_plan *p, const char *opt, Tcl_Obj *val,
                        bool *handled)
{
    *handled = true;
    if (strcmp(opt, "-seed") == 0) {
        Tcl_WideInt s;
        if (Tcl_GetWideIntFromObj(interp, val, &s) != TCL_OK)
            return TCL_ERROR;
        p->state = (uint64_t)s;
        return TCL_OK;
    }
    if (strcmp(opt, "-drop") == 0)
        return mc_fault_tcl_ppm(interp, opt, val, &p->drop_ppm);
    if (strcmp(opt, "-dup") == 0)
        return mc_fault_tcl_ppm(interp, opt, val, &p->dup_ppm);
    if (strcmp(opt, "-corrupt") == 0)
        return mc_fault_tcl_ppm(interp, opt, val, &p->corrupt_ppm);
    if (strcmp(opt, "-match") == 0)
        return set_match(interp, p, val);
    *handled = false;
    return TCL_OK;
}
