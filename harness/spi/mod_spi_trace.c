/* The `spi` ensemble, part 2: decoded events and findings as Tcl dicts, the pattern matcher,
 * VCD recording of a bus and loading of a VCD file (a capture of a real bus) as a trace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mod_spi.h"

#define MAX_MATCH 32u
#define BYTES_SHOWN 16u

static Tcl_Obj *ev_dict(const mc_spi_ev *e, size_t index)
{
    Tcl_Obj *d = Tcl_NewDictObj();
#define PUT(k, v) Tcl_DictObjPut(NULL, d, Tcl_NewStringObj(k, -1), v)
    PUT("index", Tcl_NewWideIntObj((Tcl_WideInt)index));
    PUT("t", Tcl_NewWideIntObj((Tcl_WideInt)e->t));
    PUT("kind", Tcl_NewStringObj(mc_spi_ev_short(e->kind), -1));
    PUT("init", Tcl_NewIntObj(e->init));
    PUT("target", Tcl_NewIntObj(e->target));
    PUT("by", Tcl_NewIntObj(e->driver));
    PUT("atn", Tcl_NewBooleanObj(e->atn));
    PUT("len", Tcl_NewWideIntObj(e->len));
    char hex[2 * BYTES_SHOWN + 1] = "";
    size_t shown = e->len < BYTES_SHOWN ? e->len : BYTES_SHOWN;
    for (size_t i = 0; i < shown; i++)
        snprintf(hex + 2 * i, 3, "%02x", e->b[i]);
    PUT("bytes", Tcl_NewStringObj(hex, -1));
    if (e->kind == MC_EV_DATA_OUT || e->kind == MC_EV_DATA_IN) {
        char h[17];
        snprintf(h, sizeof h, "%016llx", (unsigned long long)e->hash);
        PUT("hash", Tcl_NewStringObj(h, -1));
    }
    if (e->kind == MC_EV_MSG_OUT || e->kind == MC_EV_MSG_IN) {
        char nm[32];
        mc_spi_ev_msgname(e, nm, sizeof nm);
        PUT("msg", Tcl_NewStringObj(nm, -1));
    }
    if (e->is_sm) {
        PUT("gid", Tcl_NewIntObj(e->sm.gid));
        PUT("last", Tcl_NewBooleanObj(e->sm.last));
        PUT("raw", Tcl_NewBooleanObj(e->sm.raw));
        if (e->sm.code == MC_SM_EXTENT) {
            PUT("lba", Tcl_NewWideIntObj(e->sm.lba));
            PUT("blocks", Tcl_NewIntObj(e->sm.blocks));
            PUT("flags", Tcl_NewIntObj(e->sm.flags));
        }
    }
    if (e->kind == MC_EV_STATUS)
        PUT("status", Tcl_NewIntObj(e->b[0]));
#undef PUT
    return d;
}

static int since_opt(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], int first, Tcl_WideInt *since)
{
    *since = 0;
    if (objc == first)
        return TCL_OK;
    if (objc != first + 2 || strcmp(Tcl_GetString(objv[first]), "-since") != 0) {
        Tcl_SetObjResult(interp, Tcl_NewStringObj("expected ?-since NS?", -1));
        return TCL_ERROR;
    }
    return Tcl_GetWideIntFromObj(interp, objv[first + 1], since);
}

/* spi events BUS ?-since NS?: every decoded event as a dict. */
int mc_spi_cmd_events(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    Tcl_WideInt since;
    if (objc < 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus ?-since ns?");
        return TCL_ERROR;
    }
    mc_spi_sim *s = mc_spi_sim_get(interp, objv[1]);
    if (!s || since_opt(interp, objc, objv, 2, &since) != TCL_OK)
        return TCL_ERROR;
    const mc_spi_ev *e;
    size_t n = mc_spi_trace_events(s->trace, &e);
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (size_t i = 0; i < n; i++)
        if ((Tcl_WideInt)e[i].t >= since)
            Tcl_ListObjAppendElement(NULL, l, ev_dict(&e[i], i));
    Tcl_SetObjResult(interp, l);
    return TCL_OK;
}

/* spi findings BUS ?-since NS?: {t name warning clause text} for each checker finding. */
int mc_spi_cmd_findings(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    Tcl_WideInt since;
    if (objc < 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus ?-since ns?");
        return TCL_ERROR;
    }
    mc_spi_sim *s = mc_spi_sim_get(interp, objv[1]);
    if (!s || since_opt(interp, objc, objv, 2, &since) != TCL_OK)
        return TCL_ERROR;
    const mc_spi_finding *f;
    size_t n = mc_spi_trace_findings(s->trace, &f);
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (size_t i = 0; i < n; i++) {
        if ((Tcl_WideInt)f[i].t < since)
            continue;
        const mc_spi_check_info *c = mc_spi_check_info_of(f[i].code);
        Tcl_Obj *d = Tcl_NewDictObj();
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("t", -1), Tcl_NewWideIntObj((Tcl_WideInt)f[i].t));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("name", -1), Tcl_NewStringObj(c->name, -1));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("warning", -1), Tcl_NewBooleanObj(c->warning));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("clause", -1), Tcl_NewStringObj(c->clause, -1));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("text", -1), Tcl_NewStringObj(f[i].text, -1));
        Tcl_ListObjAppendElement(NULL, l, d);
    }
    Tcl_SetObjResult(interp, l);
    return TCL_OK;
}

/* spi count BUS CHECK: how often the named checker rule fired (all of them: "violations"). */
int mc_spi_cmd_count(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 3) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus check");
        return TCL_ERROR;
    }
    mc_spi_sim *s = mc_spi_sim_get(interp, objv[1]);
    if (!s)
        return TCL_ERROR;
    const char *name = Tcl_GetString(objv[2]);
    size_t n = 0;
    if (strcmp(name, "violations") == 0) {
        for (int c = 0; c < MC_CHK_COUNT; c++)
            if (!mc_spi_check_info_of(c)->warning)
                n += mc_spi_trace_count(s->trace, c);
    } else {
        const mc_spi_check_info *c = mc_spi_check_find(name);
        if (!c) {
            Tcl_SetObjResult(interp, Tcl_ObjPrintf("spi count: unknown check \"%s\" (see spi checks)", name));
            return TCL_ERROR;
        }
        n = mc_spi_trace_count(s->trace, c->code);
    }
    Tcl_SetObjResult(interp, Tcl_NewWideIntObj((Tcl_WideInt)n));
    return TCL_OK;
}

/* spi checks: {name warning clause} of every checker rule. */
int mc_spi_cmd_checks(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (int c = 0; c < MC_CHK_COUNT; c++) {
        const mc_spi_check_info *i = mc_spi_check_info_of(c);
        Tcl_Obj *d = Tcl_NewDictObj();
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("name", -1), Tcl_NewStringObj(i->name, -1));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("warning", -1), Tcl_NewBooleanObj(i->warning));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("clause", -1), Tcl_NewStringObj(i->clause, -1));
        Tcl_ListObjAppendElement(NULL, l, d);
    }
    Tcl_SetObjResult(interp, l);
    return TCL_OK;
}

/* spi match BUS PATTERN ?-since NS?: the matched events (dicts) of the first match, or {}. */
int mc_spi_cmd_match(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    Tcl_WideInt since;
    if (objc < 3) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus pattern ?-since ns?");
        return TCL_ERROR;
    }
    mc_spi_sim *s = mc_spi_sim_get(interp, objv[1]);
    if (!s || since_opt(interp, objc, objv, 3, &since) != TCL_OK)
        return TCL_ERROR;
    const mc_spi_ev *e;
    size_t n = mc_spi_trace_events(s->trace, &e), first = 0;
    while (first < n && (Tcl_WideInt)e[first].t < since)
        first++;
    size_t hit[MAX_MATCH], nhit = 0;
    char err[160];
    if (mc_spi_match(e + first, n - first, Tcl_GetString(objv[2]), hit, MAX_MATCH, &nhit, err, sizeof err) < 0) {
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("spi match: %s", err));
        return TCL_ERROR;
    }
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (size_t i = 0; i < nhit; i++)
        Tcl_ListObjAppendElement(NULL, l, ev_dict(&e[first + hit[i]], first + hit[i]));
    Tcl_SetObjResult(interp, l);
    return TCL_OK;
}

/* spi record BUS FILE ?-bits 0|1? ?-drive 0|1? ?-save GTKW?: dump the bus to a VCD file from now
 * on (closed by spi close). -bits writes DB as single wires (sigrok 0.5.2); -drive adds drive
 * words; -save writes a GTKWave save file for it (signals grouped, DB as one vector). */
int mc_spi_cmd_record(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc < 3 || (objc - 3) % 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus file ?-bits 0|1? ?-drive 0|1? ?-save gtkw?");
        return TCL_ERROR;
    }
    mc_spi_sim *s = mc_spi_sim_get(interp, objv[1]);
    if (!s)
        return TCL_ERROR;
    if (!s->bus || s->vcd) {
        Tcl_SetObjResult(interp, Tcl_NewStringObj("spi record: not a bus, or already recording", -1));
        return TCL_ERROR;
    }
    unsigned flags = 0;
    const char *save = NULL;
    for (int i = 3; i < objc; i += 2) {
        int v;
        const char *o = Tcl_GetString(objv[i]);
        if (!strcmp(o, "-save")) {
            save = Tcl_GetString(objv[i + 1]);
            continue;
        }
        if (Tcl_GetBooleanFromObj(interp, objv[i + 1], &v) != TCL_OK)
            return TCL_ERROR;
        if (!strcmp(o, "-bits"))
            flags |= v ? MC_VCD_DB_BITS : 0;
        else if (!strcmp(o, "-drive"))
            flags |= v ? MC_VCD_DRIVE_WORDS : 0;
        else {
            Tcl_SetObjResult(interp, Tcl_ObjPrintf("unknown option \"%s\"", o));
            return TCL_ERROR;
        }
    }
    char err[256];
    const char *vcd_path = Tcl_GetString(objv[2]);
    const char *slash = strrchr(vcd_path, '/');
    if (save && mc_spi_gtkw_write(save, slash ? slash + 1 : vcd_path, flags, err, sizeof err) < 0) {
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("spi record: %s", err));
        return TCL_ERROR;
    }
    if (mc_spi_vcd_open(&s->vcd, vcd_path, flags, err, sizeof err) < 0 ||
        mc_spi_vcd_attach(s->vcd, s->bus, err, sizeof err) < 0) {
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("spi record: %s", err));
        return TCL_ERROR;
    }
    return TCL_OK;
}

/* spi load FILE: decode a VCD file (ours or a capture of a real bus) into a trace-only handle
 * that events, findings, count and match accept. */
int mc_spi_cmd_load(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "file");
        return TCL_ERROR;
    }
    mc_spi_sim *s = mc_spi_sim_new(interp, cd);
    if (!s)
        return TCL_ERROR;
    char err[256];
    if (mc_spi_trace_new(&s->trace, err, sizeof err) < 0 ||
        mc_spi_vcd_read(Tcl_GetString(objv[1]), s->trace, err, sizeof err) < 0) {
        mc_spi_trace_free(s->trace);
        s->trace = NULL;
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("spi load: %s", err));
        mc_spi_mod *m = cd;
        for (unsigned i = 0; i < MC_SPI_MOD_MAX_SIMS; i++)
            if (m->sims[i] == s)
                m->sims[i] = NULL;
        free(s);
        return TCL_ERROR;
    }
    Tcl_SetObjResult(interp, Tcl_NewStringObj(s->name, -1));
    return TCL_OK;
}

void mc_spi_strip_keep(mc_spi_mod *m, const mc_spi_sim *s)
{
    const mc_spi_ev *e;
    size_t n = s && s->trace ? mc_spi_trace_events(s->trace, &e) : 0;
    if (!m || m->strip || n == 0)
        return;
    m->strip = Tcl_NewListObj(0, NULL);
    Tcl_IncrRefCount(m->strip);
    for (size_t i = 0; i < n && i < MC_SPI_STRIP_MAX; i++) {
        Tcl_Obj *f[] = {Tcl_NewWideIntObj((Tcl_WideInt)e[i].t), Tcl_NewWideIntObj((Tcl_WideInt)e[i].t_end),
                        Tcl_NewStringObj(mc_spi_ev_short(e[i].kind), -1),
                        e[i].driver == MC_SPI_NOBODY ? Tcl_NewStringObj("", 0) : Tcl_NewIntObj(e[i].driver),
                        Tcl_NewIntObj(e[i].init), Tcl_NewIntObj(e[i].target)};
        Tcl_ListObjAppendElement(NULL, m->strip, Tcl_NewListObj(6, f));
    }
}

/* spi strip: {events LIST kept N}: the phases kept for the report (from the first bus closed
 * with events, else the first open one), each {t t_end kind by init target}, by "" when the
 * decoder could not tell who drove REQ. */
int mc_spi_cmd_strip(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    mc_spi_mod *m = cd;
    if (objc != 1) {
        Tcl_WrongNumArgs(interp, 1, objv, "");
        return TCL_ERROR;
    }
    for (unsigned i = 0; !m->strip && i < MC_SPI_MOD_MAX_SIMS; i++)
        mc_spi_strip_keep(m, m->sims[i]);
    int kept = 0;
    if (m->strip)
        Tcl_ListObjLength(NULL, m->strip, &kept);
    Tcl_Obj *d = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("events", -1), m->strip ? m->strip : Tcl_NewListObj(0, NULL));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("kept", -1), Tcl_NewIntObj(kept));
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}
