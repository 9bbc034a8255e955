/* The `report` ensemble: Tcl values to JUnit XML, results XML and XSLT outputs, through the
 * writers of harness/report (which sanitise every string before libxml2 sees it). */
#include <stdlib.h>
#include <string.h>

#include "ensemble.h"
#include "junit.h"
#include "xmlsafe.h"
#include "xslt.h"

#define ERR_LEN 512
/* Results trees are built by the harness; a deeper one is a bug, not a report. */
#define MAX_TREE_DEPTH 64

static const char *dict_str(Tcl_Obj *dict, const char *key)
{
    Tcl_Obj *k = Tcl_NewStringObj(key, -1), *v = NULL;
    Tcl_IncrRefCount(k);
    Tcl_DictObjGet(NULL, dict, k, &v);
    Tcl_DecrRefCount(k);
    return v ? Tcl_GetString(v) : NULL;
}

static long long dict_wide(Tcl_Obj *dict, const char *key)
{
    Tcl_Obj *k = Tcl_NewStringObj(key, -1), *v = NULL;
    Tcl_WideInt w = 0;
    Tcl_IncrRefCount(k);
    if (Tcl_DictObjGet(NULL, dict, k, &v) == TCL_OK && v != NULL)
        Tcl_GetWideIntFromObj(NULL, v, &w);
    Tcl_DecrRefCount(k);
    return (long long)w;
}

static int outcome_from(Tcl_Interp *interp, const char *s, enum mc_junit_outcome *o)
{
    static const char *const names[] = {"passed", "failure", "error", "skipped", NULL};
    for (int i = 0; names[i] != NULL; i++)
        if (s != NULL && strcmp(s, names[i]) == 0) {
            *o = (enum mc_junit_outcome)i;
            return TCL_OK;
        }
    Tcl_SetObjResult(interp, Tcl_ObjPrintf("report junit: unknown outcome \"%s\"", s ? s : ""));
    return TCL_ERROR;
}

/* report junit FILE SUITE CASES
 *   SUITE: dict name, started (epoch seconds), time_ms, hostname?, props (name value ...),
 *          system-out?, system-err?
 *   CASES: list of dicts classname, name, time_ms, outcome (passed|failure|error|skipped),
 *          type?, message?, detail? */
static int report_junit(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 4) {
        Tcl_WrongNumArgs(interp, 1, objv, "file suite cases");
        return TCL_ERROR;
    }
    Tcl_Obj *suite = objv[2], **caseObjs, **propObjs, *propList = NULL;
    int ncases, nprops = 0;
    if (Tcl_ListObjGetElements(interp, objv[3], &ncases, &caseObjs) != TCL_OK)
        return TCL_ERROR;
    Tcl_Obj *k = Tcl_NewStringObj("props", -1);
    Tcl_IncrRefCount(k);
    Tcl_DictObjGet(NULL, suite, k, &propList);
    Tcl_DecrRefCount(k);
    if (propList != NULL && Tcl_ListObjGetElements(interp, propList, &nprops, &propObjs) != TCL_OK)
        return TCL_ERROR;
    if (nprops % 2 != 0) {
        Tcl_SetObjResult(interp, Tcl_NewStringObj("report junit: props must be name value pairs", -1));
        return TCL_ERROR;
    }
    struct mc_junit_case *cases = ckalloc(sizeof *cases * (size_t)(ncases + 1));
    struct mc_junit_property *props = ckalloc(sizeof *props * (size_t)(nprops / 2 + 1));
    int rc = TCL_ERROR;
    for (int i = 0; i < ncases; i++) {
        struct mc_junit_case *c = &cases[i];
        c->classname = dict_str(caseObjs[i], "classname");
        c->name = dict_str(caseObjs[i], "name");
        c->time_ms = dict_wide(caseObjs[i], "time_ms");
        c->type = dict_str(caseObjs[i], "type");
        c->message = dict_str(caseObjs[i], "message");
        c->detail = dict_str(caseObjs[i], "detail");
        if (outcome_from(interp, dict_str(caseObjs[i], "outcome"), &c->outcome) != TCL_OK)
            goto out;
    }
    for (int i = 0; i < nprops / 2; i++) {
        props[i].name = Tcl_GetString(propObjs[2 * i]);
        props[i].value = Tcl_GetString(propObjs[2 * i + 1]);
    }
    struct mc_junit_suite s = {
        .name = dict_str(suite, "name"),
        .started = (time_t)dict_wide(suite, "started"),
        .hostname = dict_str(suite, "hostname"),
        .time_ms = dict_wide(suite, "time_ms"),
        .props = props,
        .nprops = (size_t)nprops / 2,
        .cases = cases,
        .ncases = (size_t)ncases,
        .system_out = dict_str(suite, "system-out"),
        .system_err = dict_str(suite, "system-err"),
    };
    char err[ERR_LEN];
    if (mc_junit_write(&s, Tcl_GetString(objv[1]), err, sizeof err) != 0) {
        Tcl_SetObjResult(interp, Tcl_NewStringObj(err, -1));
        goto out;
    }
    rc = TCL_OK;
out:
    ckfree(cases);
    ckfree(props);
    return rc;
}

/* One node {tag {attr value ...} text {child ...}} and its subtree. */
static int write_node(Tcl_Interp *interp, xmlTextWriterPtr w, Tcl_Obj *node, int depth)
{
    Tcl_Obj **part, **attrs, **kids;
    int nparts, nattrs, nkids;
    if (depth > MAX_TREE_DEPTH) {
        Tcl_SetObjResult(interp, Tcl_NewStringObj("report xml: tree too deep", -1));
        return TCL_ERROR;
    }
    if (Tcl_ListObjGetElements(interp, node, &nparts, &part) != TCL_OK)
        return TCL_ERROR;
    if (nparts != 4 || Tcl_ListObjGetElements(interp, part[1], &nattrs, &attrs) != TCL_OK || nattrs % 2 != 0 ||
        Tcl_ListObjGetElements(interp, part[3], &nkids, &kids) != TCL_OK) {
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("report xml: malformed node \"%.60s\"", Tcl_GetString(node)));
        return TCL_ERROR;
    }
    if (xmlTextWriterStartElement(w, BAD_CAST Tcl_GetString(part[0])) < 0)
        goto io;
    for (int i = 0; i < nattrs; i += 2)
        if (mc_xml_attr(w, Tcl_GetString(attrs[i]), Tcl_GetString(attrs[i + 1])) != 0)
            goto io;
    if (Tcl_GetCharLength(part[2]) > 0 && mc_xml_text(w, Tcl_GetString(part[2])) != 0)
        goto io;
    for (int i = 0; i < nkids; i++)
        if (write_node(interp, w, kids[i], depth + 1) != TCL_OK)
            return TCL_ERROR;
    if (xmlTextWriterEndElement(w) < 0)
        goto io;
    return TCL_OK;
io:
    Tcl_SetObjResult(interp, Tcl_NewStringObj("report xml: write failed", -1));
    return TCL_ERROR;
}

/* report xml FILE TREE: writes the node tree {tag {attr value ...} text {child ...}} as a document. */
static int report_xml(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 3) {
        Tcl_WrongNumArgs(interp, 1, objv, "file tree");
        return TCL_ERROR;
    }
    struct mc_xml_out o;
    if (mc_xml_out_open(&o) != 0) {
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("report xml: out of memory writing %s", Tcl_GetString(objv[1])));
        return TCL_ERROR;
    }
    int ok = 0;
    if (xmlTextWriterStartDocument(o.w, "1.0", "UTF-8", NULL) < 0)
        Tcl_SetObjResult(interp, Tcl_NewStringObj("report xml: write failed", -1));
    else if (write_node(interp, o.w, objv[2], 0) == TCL_OK) {
        if (xmlTextWriterEndDocument(o.w) < 0)
            Tcl_SetObjResult(interp, Tcl_NewStringObj("report xml: write failed", -1));
        else
            ok = 1;
    }
    char err[ERR_LEN];
    if (mc_xml_out_save(&o, ok, Tcl_GetString(objv[1]), err, sizeof err) != 0) {
        if (ok)
            Tcl_SetObjResult(interp, Tcl_ObjPrintf("report xml: %s", err));
        return TCL_ERROR;
    }
    return TCL_OK;
}

/* report xslt STYLESHEET IN OUT ?name value ...?: values are passed as literal strings. */
static int report_xslt(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc < 4 || (objc - 4) % 2 != 0) {
        Tcl_WrongNumArgs(interp, 1, objv, "stylesheet in out ?name value ...?");
        return TCL_ERROR;
    }
    const char **params = ckalloc(sizeof *params * (size_t)(objc - 4 + 1));
    for (int i = 4; i < objc; i++)
        params[i - 4] = Tcl_GetString(objv[i]);
    params[objc - 4] = NULL;
    char err[ERR_LEN];
    int rc = mc_xslt_apply(Tcl_GetString(objv[1]), Tcl_GetString(objv[2]), Tcl_GetString(objv[3]), params, err,
                           sizeof err);
    ckfree(params);
    if (rc != 0) {
        Tcl_SetObjResult(interp, Tcl_NewStringObj(err, -1));
        return TCL_ERROR;
    }
    return TCL_OK;
}

int mc_mod_report_init(Tcl_Interp *interp)
{
    static const struct mc_subcommand table[] = {
        {"junit", report_junit},
        {"xml", report_xml},
        {"xslt", report_xslt},
        {NULL, NULL},
    };
    return mc_ensemble_create(interp, "report", table, NULL);
}
