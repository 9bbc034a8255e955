/* `vsan relay ...`: opening and closing relays, their faults, counters and message logs as Tcl
 * values. A relay opened in an interpreter is found by name from it and from every interpreter
 * it created (the vectors' children), as the run's capture is. */
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "fault_tcl.h"
#include "mod_vsan_relay.h"

#define DIRS_ALL ((1u << MV_DIRS) - 1u)
#define PPM_SCALE ((double)MC_FAULT_PPM)

static const char *const event_names[] = {
#define MV_EVENT_NAME(id, name) name,
    MV_EVENTS(MV_EVENT_NAME)
#undef MV_EVENT_NAME
};
static const char *const fault_names[MV_FB_COUNT] = {
#define MV_FAULT_NAME(id, name) name,
    MV_FAULTS(MV_FAULT_NAME)
#undef MV_FAULT_NAME
};

/* The relay named o, in interp or the nearest parent that has it; returns with its hub locked. */
static int relay_from(Tcl_Interp *interp, Tcl_Obj *o, mv_hub **hub, mv_relay **out)
{
    const char *name = Tcl_GetString(o);
    for (Tcl_Interp *i = interp; i; i = Tcl_GetMaster(i)) {
        mv_mod *m = mv_mod_of(i);
        if (!m || !m->hub)
            continue;
        pthread_mutex_lock(&m->hub->lock);
        mv_relay *r = mv_relay_find_locked(m->hub, name);
        if (r) {
            *hub = m->hub;
            *out = r;
            return TCL_OK;
        }
        pthread_mutex_unlock(&m->hub->lock);
    }
    return mc_tcl_error(interp, "USAGE", "no relay \"%s\"", name);
}

static int done(mv_hub *h, int rc)
{
    pthread_mutex_unlock(&h->lock);
    mv_hub_wake(h);
    return rc;
}

static int cmd_open(Tcl_Interp *interp, mv_mod *m, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "relay open -listen ADDR:PORT -to ADDR:PORT -from ADDR ?-name NAME? ?-seed N?";
    char name[MV_RELAY_NAME_MAX];
    bool have_listen = false, have_to = false, have_from = false;
    mv_relay_cfg cfg = {.name = name};
    snprintf(name, sizeof name, "relay%u", m->hub ? m->hub->next_id + 1u : 1u);
    cfg.seed = mv_vector_seed(interp);
    if (objc % 2)
        return mv_usage(interp, use);
    for (int i = 2; i < objc; i += 2) {
        const char *o = Tcl_GetString(objv[i]);
        Tcl_WideInt seed;
        int rc = TCL_OK;
        if (strcmp(o, "-listen") == 0)
            rc = mv_get_addr(interp, "-listen", objv[i + 1], false, &cfg.listen), have_listen = true;
        else if (strcmp(o, "-to") == 0)
            rc = mv_get_addr(interp, "-to", objv[i + 1], false, &cfg.to), have_to = true;
        else if (strcmp(o, "-from") == 0)
            rc = mv_get_addr(interp, "-from", objv[i + 1], true, &cfg.from), have_from = true;
        else if (strcmp(o, "-seed") == 0)
            rc = Tcl_GetWideIntFromObj(interp, objv[i + 1], &seed), cfg.seed = (uint64_t)seed;
        else if (strcmp(o, "-name") == 0) {
            const char *n = Tcl_GetString(objv[i + 1]);
            if (!*n || strlen(n) >= sizeof name)
                return mc_tcl_error(interp, "USAGE", "a relay name has 1..%u characters", MV_RELAY_NAME_MAX - 1u);
            snprintf(name, sizeof name, "%s", n);
        } else
            return mv_usage(interp, use);
        if (rc != TCL_OK)
            return TCL_ERROR;
    }
    if (!have_listen || !have_to || !have_from)
        return mv_usage(interp, use);
    if (cfg.to.sin_port == 0)
        return mc_tcl_error(interp, "USAGE", "-to needs a port");
    char err[MV_ERR_MAX];
    if (!m->hub && !(m->hub = mv_hub_new(err, sizeof err)))
        return mc_tcl_error(interp, "IO", "%s", err);
    cfg.pcap = mc_capture_for(interp);
    mv_relay *r;
    if (mv_relay_open(m->hub, &cfg, &r, err, sizeof err) != 0)
        return mc_tcl_error(interp, strstr(err, "already") || strstr(err, "at most") ? "USAGE" : "IO", "%s", err);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(name, -1));
    return TCL_OK;
}

/* -dir fwd|rev|both (default both) and -seed N among the options from objv[from]. */
static int dir_opts(Tcl_Interp *interp, mv_relay *r, int objc, Tcl_Obj *const objv[], int from, unsigned *dirs,
                    const char *extra, Tcl_Obj **extra_val)
{
    *dirs = DIRS_ALL;
    if ((objc - from) % 2)
        return mc_tcl_error(interp, "USAGE", "options come in pairs: -dir fwd|rev|both, -seed N%s%s",
                            extra ? ", " : "", extra ? extra : "");
    for (int i = from; i < objc; i += 2) {
        const char *o = Tcl_GetString(objv[i]), *v = Tcl_GetString(objv[i + 1]);
        if (strcmp(o, "-dir") == 0) {
            if (strcmp(v, "both") == 0)
                *dirs = DIRS_ALL;
            else if (strcmp(v, mv_dir_names[MV_FWD]) == 0)
                *dirs = 1u << MV_FWD;
            else if (strcmp(v, mv_dir_names[MV_REV]) == 0)
                *dirs = 1u << MV_REV;
            else
                return mc_tcl_error(interp, "USAGE", "-dir takes fwd, rev or both, not \"%s\"", v);
        } else if (strcmp(o, "-seed") == 0) {
            Tcl_WideInt seed;
            if (Tcl_GetWideIntFromObj(interp, objv[i + 1], &seed) != TCL_OK)
                return TCL_ERROR;
            mv_relay_seed_locked(r, (uint64_t)seed);
        } else if (extra && extra_val && strcmp(o, extra) == 0) {
            *extra_val = objv[i + 1];
        } else {
            return mc_tcl_error(interp, "USAGE", "unknown option \"%s\"", o);
        }
    }
    return TCL_OK;
}

static int type_from(Tcl_Interp *interp, Tcl_Obj *o, unsigned *type)
{
    int t = mc_vsan_type_by_name(Tcl_GetString(o));
    if (t <= 0) {
        int n;
        if (Tcl_GetIntFromObj(NULL, o, &n) != TCL_OK || n < 1 || n > (int)MC_VSAN_T_MAX)
            return mc_tcl_error(interp, "USAGE", "unknown message type \"%s\"", Tcl_GetString(o));
        t = n;
    }
    *type = (unsigned)t;
    return TCL_OK;
}

/* The faults: cut, heal, delay, drop, drop-type, corrupt, hold, replay (hub locked on entry). */
static int cmd_fault(Tcl_Interp *interp, int sub, mv_hub *h, mv_relay *r, int objc, Tcl_Obj *const objv[])
{
    enum { CUT, HEAL, DELAY, DROP, DROP_TYPE, CORRUPT, HOLD, REPLAY };
    unsigned dirs, type = 0;
    uint32_t ppm = 0;
    int ms = 0, argn = sub == DROP_TYPE ? 2 : (sub == CUT || sub == HEAL || sub == REPLAY) ? 0 : 1;
    Tcl_Obj *withhold = NULL;
    if (objc < 3 + argn)
        return done(h, mv_usage(interp, "relay cut|heal|replay NAME  |  relay delay NAME MS  |  relay drop|corrupt "
                                        "NAME P  |  relay drop-type NAME TYPE P  |  relay hold NAME TYPE ?-withhold "
                                        "0|1?  (each with ?-dir fwd|rev|both? ?-seed N?)"));
    if (dir_opts(interp, r, objc, objv, 3 + argn, &dirs, sub == HOLD ? "-withhold" : NULL, &withhold) != TCL_OK)
        return done(h, TCL_ERROR);
    int rc = TCL_OK;
    if (sub == DELAY)
        rc = mv_get_ms(interp, objv[3], &ms);
    else if (sub == DROP || sub == CORRUPT)
        rc = mc_fault_tcl_ppm(interp, Tcl_GetString(objv[1]), objv[3], &ppm);
    else if (sub == DROP_TYPE)
        rc = type_from(interp, objv[3], &type) == TCL_OK ? mc_fault_tcl_ppm(interp, "drop-type", objv[4], &ppm) : TCL_ERROR;
    else if (sub == HOLD)
        rc = type_from(interp, objv[3], &type);
    int wh = 0;
    if (rc == TCL_OK && withhold)
        rc = Tcl_GetBooleanFromObj(interp, withhold, &wh);
    if (rc != TCL_OK)
        return done(h, TCL_ERROR);
    char err[MV_ERR_MAX];
    switch (sub) {
    case CUT: mv_relay_cut_locked(r); break;
    case REPLAY:
        if (mv_relay_replay_locked(r, err, sizeof err) != 0)
            rc = mc_tcl_error(interp, "STATE", "%s", err);
        break;
    case HOLD:
        r->hold_type = type;
        r->hold_dirs = dirs;
        r->hold_withhold = wh != 0;
        break;
    default:
        for (unsigned d = 0; d < MV_DIRS; d++) {
            mv_dir_faults *f = &r->f[d];
            if (sub == HEAL) {
                f->plan.delay_ms = f->plan.drop_ppm = f->plan.corrupt_ppm = f->drop_type_ppm = 0;
                f->drop_type = 0;
                continue;
            }
            if (!(dirs & (1u << d)))
                continue;
            if (sub == DELAY)
                f->plan.delay_ms = (uint32_t)ms;
            else if (sub == DROP)
                f->plan.drop_ppm = ppm;
            else if (sub == CORRUPT)
                f->plan.corrupt_ppm = ppm;
            else
                f->drop_type = type, f->drop_type_ppm = ppm;
        }
        if (sub == HEAL) {
            r->cut = false;
            r->hold_type = 0;
        }
    }
    return done(h, rc);
}

static Tcl_Obj *type_obj(unsigned type)
{
    const char *n = mc_vsan_type_name(type);
    return n ? Tcl_NewStringObj(n, -1) : Tcl_NewIntObj((int)type);
}

static Tcl_Obj *body_dict(const mv_entry *e, Tcl_Obj *entry)
{
    Tcl_Obj *b = Tcl_NewDictObj();
    const mc_vsan_type_desc *t = mc_vsan_type_info(e->h.type);
    if (!t)
        return b;
    mc_vsan_span sp = mc_vsan_layout_span(t->layout);
    for (unsigned i = 0; i < e->nfields; i++) {
        mc_vsan_field f = (mc_vsan_field)(sp.first + i);
        const mc_vsan_field_desc *d = mc_vsan_field_info(f);
        if (d->kind == MC_VSAN_BYTES) {
            mv_put(b, d->name, Tcl_NewStringObj((const char *)e->bytes, (int)strnlen((const char *)e->bytes, sizeof e->bytes)));
        } else if (d->kind == MC_VSAN_ARRAY) {
            Tcl_Obj *l = Tcl_NewListObj(0, NULL);
            for (uint32_t k = 0; k < e->arr_kept; k++)
                Tcl_ListObjAppendElement(NULL, l, mv_wide(e->arr[k]));
            mv_put(b, d->name, l);
        } else {
            mv_put(b, d->name, mv_wide(e->v[i]));
        }
    }
    int sf = mc_vsan_field_by_name(e->h.type, "status");
    if (sf >= 0 && (unsigned)sf >= (unsigned)sp.first && (unsigned)sf - (unsigned)sp.first < e->nfields) {
        uint64_t st = e->v[(unsigned)sf - (unsigned)sp.first];
        const char *n = mc_vsan_status_name((uint32_t)st);
        mv_put(entry, "status", n ? Tcl_NewStringObj(n, -1) : mv_wide(st));
    }
    return b;
}

static Tcl_Obj *entry_dict(const mv_relay *r, const mv_entry *e)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    mv_put(d, "n", mv_wide(e->n));
    mv_put(d, "time", mv_wide(e->t_us));
    mv_put(d, "event", Tcl_NewStringObj(event_names[e->event], -1));
    mv_put(d, "conn", Tcl_NewIntObj((int)e->conn));
    mv_put(d, "dir", Tcl_NewStringObj(mv_dir_names[e->dir], -1));
    bool fwd = e->dir == MV_FWD;
    mv_put(d, "src", mv_addr_obj(fwd ? &e->a : &r->to));
    mv_put(d, "dst", mv_addr_obj(fwd ? &r->to : &e->a));
    if (e->event != MV_EV_MSG) {
        mv_put(d, "note", Tcl_NewStringObj(e->note, -1));
        return d;
    }
    mv_put(d, "type", type_obj(e->h.type));
    mv_put(d, "result", Tcl_NewStringObj(mc_vsan_res_name((mc_vsan_res)e->res), -1));
    Tcl_Obj *h = Tcl_NewDictObj();
#define MV_HDR_PUT(name, off, width) mv_put(h, #name, mv_wide(e->h.name));
    MC_VSAN_HDR_FIELDS(MV_HDR_PUT)
#undef MV_HDR_PUT
    mv_put(d, "header", h);
    mv_put(d, "out_seq", mv_wide(e->out_seq));
    mv_put(d, "body", body_dict(e, d));
    mv_put(d, "data_len", mv_wide(e->data_len));
    Tcl_Obj *f = Tcl_NewListObj(0, NULL);
    for (unsigned b = 0; b < MV_FB_COUNT; b++)
        if (e->faults & (1u << b))
            Tcl_ListObjAppendElement(NULL, f, Tcl_NewStringObj(fault_names[b], -1));
    mv_put(d, "faults", f);
    if (e->faults & MV_F(CORRUPTED))
        mv_put(d, "corrupt_at", mv_wide(e->corrupt_at));
    if (e->faults & MV_F(DELAYED))
        mv_put(d, "delay_ms", mv_wide(e->delay_ms));
    return d;
}

/* relay log NAME ?-clear 0|1? ?-since N?: the entries kept (after N), oldest first. */
static int cmd_log(Tcl_Interp *interp, mv_hub *h, mv_relay *r, int objc, Tcl_Obj *const objv[])
{
    int clear = 0;
    Tcl_WideInt since = 0;
    if (objc % 2 == 0)
        return done(h, mv_usage(interp, "relay log NAME ?-clear 0|1? ?-since N?"));
    for (int i = 3; i < objc; i += 2) {
        const char *o = Tcl_GetString(objv[i]);
        int rc = strcmp(o, "-clear") == 0   ? Tcl_GetBooleanFromObj(interp, objv[i + 1], &clear)
                 : strcmp(o, "-since") == 0 ? Tcl_GetWideIntFromObj(interp, objv[i + 1], &since)
                                            : mc_tcl_error(interp, "USAGE", "unknown option \"%s\"", o);
        if (rc != TCL_OK)
            return done(h, TCL_ERROR);
    }
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (size_t i = 0; i < r->log_len; i++) {
        const mv_entry *e = mv_relay_entry_locked(r, i);
        if (e->n > (uint64_t)since)
            Tcl_ListObjAppendElement(NULL, l, entry_dict(r, e));
    }
    if (clear)
        r->log_first = r->log_len = 0;
    Tcl_SetObjResult(interp, l);
    return done(h, TCL_OK);
}

static Tcl_Obj *ppm_obj(uint32_t ppm) { return Tcl_NewDoubleObj(ppm / PPM_SCALE); }

static Tcl_Obj *dir_info(const mv_relay *r, unsigned d)
{
    const mv_dir_stats *s = &r->st[d];
    const mv_dir_faults *f = &r->f[d];
    Tcl_Obj *o = Tcl_NewDictObj();
    struct { const char *k; uint64_t v; } kv[] = {
        {"messages", s->messages}, {"bytes", s->bytes},       {"malformed", s->malformed},
        {"raw_bytes", s->raw_bytes}, {"dropped", s->dropped}, {"corrupted", s->corrupted},
        {"delayed", s->delayed},   {"held", s->held},         {"withheld", s->withheld},
        {"replayed", s->replayed},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        mv_put(o, kv[i].k, mv_wide(kv[i].v));
    Tcl_Obj *types = Tcl_NewDictObj();
    for (unsigned t = 0; t <= MC_VSAN_T_MAX; t++)
        if (s->types[t])
            mv_put(types, t ? mc_vsan_type_name(t) : "unknown", mv_wide(s->types[t]));
    mv_put(o, "types", types);
    Tcl_Obj *fo = Tcl_NewDictObj();
    mv_put(fo, "delay", mv_wide(f->plan.delay_ms));
    mv_put(fo, "drop", ppm_obj(f->plan.drop_ppm));
    mv_put(fo, "corrupt", ppm_obj(f->plan.corrupt_ppm));
    Tcl_Obj *dt = Tcl_NewListObj(0, NULL);
    if (f->drop_type) {
        Tcl_ListObjAppendElement(NULL, dt, type_obj(f->drop_type));
        Tcl_ListObjAppendElement(NULL, dt, ppm_obj(f->drop_type_ppm));
    }
    mv_put(fo, "drop-type", dt);
    mv_put(o, "faults", fo);
    return o;
}

static int cmd_info(Tcl_Interp *interp, mv_hub *h, mv_relay *r)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    mv_put(d, "name", Tcl_NewStringObj(r->name, -1));
    mv_put(d, "listen", mv_addr_obj(&r->listen));
    mv_put(d, "to", mv_addr_obj(&r->to));
    mv_put(d, "from", mv_addr_obj(&r->from));
    mv_put(d, "cut", Tcl_NewBooleanObj(r->cut));
    unsigned open = 0;
    for (unsigned i = 0; i < MV_RELAY_CONNS; i++)
        open += r->conns[i].used;
    Tcl_Obj *c = Tcl_NewDictObj();
    mv_put(c, "open", mv_wide(open));
    mv_put(c, "accepted", mv_wide(r->accepted));
    mv_put(c, "refused", mv_wide(r->refused));
    mv_put(c, "closed", mv_wide(r->closed));
    mv_put(c, "connect_failed", mv_wide(r->connect_failed));
    mv_put(d, "connections", c);
    for (unsigned k = 0; k < MV_DIRS; k++)
        mv_put(d, mv_dir_names[k], dir_info(r, k));
    Tcl_Obj *held = Tcl_NewDictObj();
    if (r->held) {
        mc_vsan_msg m;
        size_t used;
        mc_vsan_decode(r->held, r->held_len, NULL, &m, &used);
        mv_put(held, "type", type_obj(m.h.type));
        mv_put(held, "dir", Tcl_NewStringObj(mv_dir_names[r->held_dir], -1));
        mv_put(held, "bytes", mv_wide(r->held_len));
    }
    mv_put(d, "held", held);
    mv_put(d, "hold", r->hold_type ? type_obj(r->hold_type) : Tcl_NewObj());
    Tcl_Obj *lg = Tcl_NewDictObj();
    mv_put(lg, "kept", mv_wide(r->log_len));
    mv_put(lg, "dropped", mv_wide(r->log_dropped));
    mv_put(lg, "total", mv_wide(r->log_total));
    mv_put(d, "log", lg);
    Tcl_SetObjResult(interp, d);
    return done(h, TCL_OK);
}

static int cmd_list(Tcl_Interp *interp, mv_mod *m)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (Tcl_Interp *i = interp; i; i = Tcl_GetMaster(i)) {
        mv_mod *mm = mv_mod_of(i);
        if (!mm || !mm->hub)
            continue;
        pthread_mutex_lock(&mm->hub->lock);
        for (mv_relay *r = mm->hub->relays; r; r = r->next)
            Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj(r->name, -1));
        pthread_mutex_unlock(&mm->hub->lock);
    }
    Tcl_SetObjResult(interp, l);
    return TCL_OK;
}

int mv_relay_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    mv_mod *m = cd;
    static const char *const subs[] = {"cut", "heal", "delay", "drop", "drop-type", "corrupt", "hold", "replay",
                                       "open", "close", "info", "log", "list", NULL};
    enum { FAULTS_END = 8, OPEN = 8, CLOSE, INFO, LOG, LIST };
    int sub;
    if (objc < 2)
        return mv_usage(interp, "relay open|close|info|log|list|cut|heal|delay|drop|drop-type|corrupt|hold|replay ...");
    if (Tcl_GetIndexFromObj(interp, objv[1], subs, "relay subcommand", 0, &sub) != TCL_OK)
        return TCL_ERROR;
    if (sub == OPEN)
        return cmd_open(interp, m, objc, objv);
    if (sub == LIST)
        return cmd_list(interp, m);
    if (objc < 3)
        return mv_usage(interp, "relay SUBCOMMAND NAME ...");
    mv_hub *h = NULL;
    mv_relay *r = NULL;
    if (relay_from(interp, objv[2], &h, &r) != TCL_OK)
        return TCL_ERROR;
    if (sub < FAULTS_END)
        return cmd_fault(interp, sub, h, r, objc, objv);
    if (sub == CLOSE) {
        mv_relay_free_locked(h, r);
        return done(h, TCL_OK);
    }
    if (sub == INFO)
        return cmd_info(interp, h, r);
    return cmd_log(interp, h, r, objc, objv);
}
