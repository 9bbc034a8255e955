/* `vsan history ...`: the operations the clients recorded as Tcl dicts, clearing them, and the
 * linearizability check (harness/vsan/history.h) of them or of a history given by hand. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mod_vsan_client.h"

static const char *const kind_names[] = {[MC_HOP_READ] = "read", [MC_HOP_WRITE] = "write"};
static const char *const outcome_names[] = {[MC_HOP_OK] = "ok", [MC_HOP_FAIL] = "fail", [MC_HOP_UNKNOWN] = "unknown"};
#define FOREIGN_NAME "foreign"

static Tcl_Obj *value_obj(uint64_t v)
{
    return v == MC_HISTORY_VALUE_FOREIGN ? Tcl_NewStringObj(FOREIGN_NAME, -1) : mv_wide(v);
}

static Tcl_Obj *rec_dict(const mv_rec *r, size_t i)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    mv_put(d, "index", mv_wide(i));
    mv_put(d, "process", mv_wide(r->hop.process));
    mv_put(d, "kind", Tcl_NewStringObj(kind_names[r->hop.kind], -1));
    mv_put(d, "block", mv_wide(r->hop.key));
    mv_put(d, "value", value_obj(r->hop.value));
    mv_put(d, "invoked", mv_wide(r->hop.invoked));
    mv_put(d, "completed", mv_wide(r->hop.completed));
    mv_put(d, "outcome", Tcl_NewStringObj(outcome_names[r->hop.outcome], -1));
    mv_put(d, "status", Tcl_NewStringObj(mv_status_names[r->status], -1));
    mv_put(d, "portal", Tcl_NewStringObj(r->portal, -1));
    return d;
}

static int name_index(Tcl_Interp *interp, Tcl_Obj *o, const char *const *names, size_t n, const char *what, int *out)
{
    const char *s = Tcl_GetString(o);
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return TCL_OK;
        }
    return mc_tcl_error(interp, "USAGE", "%s \"%s\" unknown", what, s);
}

static int dict_get(Tcl_Interp *interp, Tcl_Obj *d, const char *key, Tcl_Obj **o)
{
    Tcl_Obj *k = Tcl_NewStringObj(key, -1);
    Tcl_IncrRefCount(k);
    int rc = Tcl_DictObjGet(interp, d, k, o);
    Tcl_DecrRefCount(k);
    return rc;
}

static int dict_wide(Tcl_Interp *interp, Tcl_Obj *d, const char *key, bool need, Tcl_WideInt *v)
{
    Tcl_Obj *o = NULL;
    if (dict_get(interp, d, key, &o) != TCL_OK)
        return TCL_ERROR;
    if (!o)
        return need ? mc_tcl_error(interp, "USAGE", "operation without %s: %s", key, Tcl_GetString(d)) : TCL_OK;
    return Tcl_GetWideIntFromObj(interp, o, v);
}

/* One operation given by hand: {process P kind read|write block B value V invoked T completed T
 * ?outcome ok|fail|unknown?}; value may be "foreign". */
static int hop_from(Tcl_Interp *interp, Tcl_Obj *d, mc_hop *h)
{
    Tcl_WideInt process = 0, block = 0, invoked = 0, completed = 0, value = 0;
    int kind = 0, outcome = MC_HOP_OK;
    Tcl_Obj *k = NULL, *o = NULL, *v = NULL;
    if (dict_get(interp, d, "kind", &k) != TCL_OK || dict_get(interp, d, "outcome", &o) != TCL_OK ||
        dict_get(interp, d, "value", &v) != TCL_OK)
        return TCL_ERROR;
    if (!k || !v)
        return mc_tcl_error(interp, "USAGE", "operation without kind or value: %s", Tcl_GetString(d));
    if (name_index(interp, k, kind_names, sizeof kind_names / sizeof kind_names[0], "kind", &kind) != TCL_OK ||
        (o && name_index(interp, o, outcome_names, sizeof outcome_names / sizeof outcome_names[0], "outcome",
                         &outcome) != TCL_OK) ||
        dict_wide(interp, d, "process", true, &process) != TCL_OK || dict_wide(interp, d, "block", true, &block) != TCL_OK ||
        dict_wide(interp, d, "invoked", true, &invoked) != TCL_OK ||
        dict_wide(interp, d, "completed", true, &completed) != TCL_OK)
        return TCL_ERROR;
    if (strcmp(Tcl_GetString(v), FOREIGN_NAME) == 0)
        value = (Tcl_WideInt)MC_HISTORY_VALUE_FOREIGN;
    else if (Tcl_GetWideIntFromObj(interp, v, &value) != TCL_OK)
        return TCL_ERROR;
    if (process < 0 || process > UINT32_MAX || block < 0 || invoked < 0 || completed < 0)
        return mc_tcl_error(interp, "USAGE", "negative or oversized field in %s", Tcl_GetString(d));
    *h = (mc_hop){.process = (uint32_t)process, .kind = (mc_hop_kind)kind, .key = (uint64_t)block,
                  .value = (uint64_t)value, .invoked = (uint64_t)invoked, .completed = (uint64_t)completed,
                  .outcome = (mc_hop_outcome)outcome};
    return TCL_OK;
}

static Tcl_Obj *result_dict(const mc_history_result *r)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    /* "usage" for the checker's "usage error": one word, as a vector switches on it */
    mv_put(d, "verdict", Tcl_NewStringObj(r->verdict == MC_HISTORY_USAGE ? "usage" : mc_history_verdict_name(r->verdict), -1));
    mv_put(d, "rule", Tcl_NewStringObj(mc_history_rule_name(r->rule), -1));
    mv_put(d, "key", mv_wide(r->key));
    mv_put(d, "explanation", Tcl_NewStringObj(r->explanation, -1));
    mv_put(d, "ops", mv_wide(r->ops));
    mv_put(d, "ignored", mv_wide(r->ops_ignored));
    mv_put(d, "keys", mv_wide(r->keys));
    mv_put(d, "states", mv_wide(r->states));
    mv_put(d, "keys_violating", mv_wide(r->keys_violating));
    mv_put(d, "keys_unknown", mv_wide(r->keys_unknown));
    Tcl_Obj *c = Tcl_NewListObj(0, NULL);
    for (size_t i = 0; i < r->n_culprits; i++)
        Tcl_ListObjAppendElement(NULL, c, mv_wide(r->culprits[i]));
    mv_put(d, "culprits", c);
    return d;
}

/* history check ?-ops LIST? ?-max-states N?: the recorded history, or LIST, checked. */
static int cmd_check(Tcl_Interp *interp, mv_clients *cs, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "history check ?-ops {OP ...}? ?-max-states N?";
    mc_history_limits lim = {0};
    Tcl_Obj *given = NULL;
    if (objc % 2)
        return mv_usage(interp, use);
    for (int i = 2; i < objc; i += 2) {
        const char *o = Tcl_GetString(objv[i]);
        Tcl_WideInt n;
        if (strcmp(o, "-ops") == 0)
            given = objv[i + 1];
        else if (strcmp(o, "-max-states") == 0) {
            if (mv_get_range(interp, "-max-states", objv[i + 1], 1, MC_HISTORY_STATES_LIMIT, &n) != TCL_OK)
                return TCL_ERROR;
            lim.max_states = (size_t)n;
        } else
            return mv_usage(interp, use);
    }
    size_t n = 0;
    mc_hop *ops = NULL;
    if (given) {
        int nl;
        Tcl_Obj **lv;
        if (Tcl_ListObjGetElements(interp, given, &nl, &lv) != TCL_OK)
            return TCL_ERROR;
        if ((size_t)nl > MV_HISTORY_OPS_MAX)
            return mc_tcl_error(interp, "USAGE", "-ops holds at most %u operations", MV_HISTORY_OPS_MAX);
        ops = malloc(((size_t)nl ? (size_t)nl : 1u) * sizeof *ops);
        if (!ops)
            return mc_tcl_error(interp, "NOMEM", "out of memory");
        for (n = 0; n < (size_t)nl; n++)
            if (hop_from(interp, lv[n], &ops[n]) != TCL_OK) {
                free(ops);
                return TCL_ERROR;
            }
    } else {
        pthread_mutex_lock(&cs->lock);
        n = cs->nrecs;
        ops = malloc((n ? n : 1u) * sizeof *ops);
        for (size_t i = 0; ops && i < n; i++)
            ops[i] = cs->recs[i].hop;
        pthread_mutex_unlock(&cs->lock);
        if (!ops)
            return mc_tcl_error(interp, "NOMEM", "out of memory");
    }
    mc_history_result res;
    mc_history_check(ops, n, &lim, &res);
    free(ops);
    Tcl_SetObjResult(interp, result_dict(&res));
    return TCL_OK;
}

/* What `vsan history timeline` returns of a long history (our choice: the report's timeline
 * stays readable; the first and the last operations are the ones a failure sits among). */
#define MV_TIMELINE_HEAD 200
#define MV_TIMELINE_TAIL 200

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000ull;
}

/* `vsan history timeline`: {ops LIST total N} for the report, each op {process kind block outcome
 * invoked completed} with times in microseconds of the wall clock (Tcl's `clock microseconds`),
 * the first MV_TIMELINE_HEAD and the last MV_TIMELINE_TAIL operations. */
static int cmd_timeline(Tcl_Interp *interp, mv_clients *cs)
{
    /* The history's clock is the monotonic one: the offset to the wall clock, read now. */
    int64_t offset = (int64_t)wall_us() - (int64_t)mv_now_us();
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    pthread_mutex_lock(&cs->lock);
    size_t n = cs->nrecs;
    for (size_t i = 0; i < n; i++) {
        if (i == MV_TIMELINE_HEAD && n > MV_TIMELINE_HEAD + MV_TIMELINE_TAIL)
            i = n - MV_TIMELINE_TAIL;
        const mc_hop *h = &cs->recs[i].hop;
        Tcl_Obj *f[] = {mv_wide(h->process), Tcl_NewStringObj(kind_names[h->kind], -1), mv_wide(h->key),
                        Tcl_NewStringObj(outcome_names[h->outcome], -1),
                        Tcl_NewWideIntObj((Tcl_WideInt)((int64_t)h->invoked + offset)),
                        Tcl_NewWideIntObj((Tcl_WideInt)((int64_t)h->completed + offset))};
        Tcl_ListObjAppendElement(NULL, l, Tcl_NewListObj(6, f));
    }
    pthread_mutex_unlock(&cs->lock);
    Tcl_Obj *d = Tcl_NewDictObj();
    mv_put(d, "ops", l);
    mv_put(d, "total", mv_wide(n));
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}

int mv_history_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    mv_clients *cs = ((mv_mod *)cd)->clients;
    static const char *const subs[] = {"list", "clear", "check", "timeline", NULL};
    enum { LIST, CLEAR, CHECK, TIMELINE };
    int sub = LIST;
    if (objc >= 2 && Tcl_GetIndexFromObj(interp, objv[1], subs, "history subcommand", 0, &sub) != TCL_OK)
        return TCL_ERROR;
    if (sub == CHECK)
        return cmd_check(interp, cs, objc, objv);
    if (sub == TIMELINE)
        return objc == 2 ? cmd_timeline(interp, cs) : mv_usage(interp, "history timeline");
    if (objc > 2)
        return mv_usage(interp, "history ?list|clear|check ...?");
    pthread_mutex_lock(&cs->lock);
    if (sub == CLEAR) {
        cs->nrecs = 0;   /* operations in flight are recorded into the new history */
        cs->full = false;
    } else {
        Tcl_Obj *l = Tcl_NewListObj(0, NULL);
        for (size_t i = 0; i < cs->nrecs; i++)
            Tcl_ListObjAppendElement(NULL, l, rec_dict(&cs->recs[i], i));
        Tcl_SetObjResult(interp, l);
    }
    pthread_mutex_unlock(&cs->lock);
    return TCL_OK;
}
