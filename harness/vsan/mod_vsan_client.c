/* `vsan client ...` and `vsan status ...`: client slots with their iSCSI sessions, operations
 * recorded into the history (mod_vsan_client.h), the background pool, and the servers' status
 * text key (docs/vsan-link.md §9.2). */
#include "mod_vsan_client.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "block_value.h"
#include "cli.h"
#include "fault.h"
#include "lun.h"
#include "text.h"
#include "watchdog.h"

#define MV_INITIATOR_PREFIX "iqn.2026-11.org.mirrorcert:vsan-client-"
#define MV_PERCENT 100u
#define MV_POOL_CLIENTS 4u           /* `client start` defaults */
#define MV_POOL_WRITE_PCT 50u
#define MV_POOL_BLOCKS 64u
#define MV_ASC_SHIFT 8u              /* lun.h's enum mc_asc holds (ASC << 8) | ASCQ */
#define MV_RETRY_MS 100u             /* a pool client's pause after a portal it could not reach */
#define MV_STOP_MARGIN_MS 1000u      /* stop waits an operation's timeout and this */
#define MV_THINK_MAX_MS 60000
#define MV_BLOCKS_MAX (1ull << 40)
#define MV_STATUS_KEY_PREFIX "X-org.mirrorcert.Vsan"   /* the status keys of docs/vsan-link.md §9.2 */
#define MV_STATUS_KEY MV_STATUS_KEY_PREFIX "Status"
#define MV_STATUS_QUERY MV_STATUS_KEY "=Query"
#define CLIENT_SEED_MIX 0x9e3779b97f4a7c15ull
#define NS_PER_MS 1000000l
#define MS_PER_S 1000u

const char *const mv_status_names[MV_ST_COUNT] = {
#define MV_STATUS_NAME(id, name) name,
    MV_STATUSES(MV_STATUS_NAME)
#undef MV_STATUS_NAME
};

static atomic_uint_fast64_t value_count;   /* every interpreter's clients draw from one count */

static uint64_t next_value(unsigned client)
{
    uint64_t n = ((uint64_t)atomic_fetch_add(&value_count, 1u) + 1u) & MV_VALUE_COUNT_MASK;
    return (((uint64_t)getpid() & MV_VALUE_NONCE_MASK) << MV_VALUE_NONCE_SHIFT) |
           ((uint64_t)(client + 1u) << MV_VALUE_CLIENT_SHIFT) | n;
}

mv_clients *mv_clients_new(void)
{
    mv_clients *cs = calloc(1, sizeof *cs);
    if (!cs)
        return NULL;
    pthread_mutex_init(&cs->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cs->cond, &ca);
    pthread_condattr_destroy(&ca);
    return cs;
}

static void session_drop(mv_session *s)
{
    mc_ini_free(s->ini);
    memset(s, 0, sizeof *s);
}

static void join_pool(mv_clients *cs)
{
    for (unsigned i = 0; i < cs->nthreads; i++) {
        pthread_join(cs->th[i], NULL);
        cs->c[i].pooled = false;
    }
    cs->nthreads = cs->finished = 0;
    cs->running = false;
}

void mv_clients_free(mv_clients *cs)
{
    if (!cs)
        return;
    pthread_mutex_lock(&cs->lock);
    cs->stop = true;
    pthread_cond_broadcast(&cs->cond);
    pthread_mutex_unlock(&cs->lock);
    join_pool(cs);   /* each thread ends within its operation's deadline */
    for (unsigned i = 0; i < MV_CLIENTS_MAX; i++)
        for (unsigned k = 0; k < MV_SESSIONS_MAX; k++)
            session_drop(&cs->c[i].s[k]);
    free(cs->recs);
    pthread_cond_destroy(&cs->cond);
    pthread_mutex_destroy(&cs->lock);
    free(cs);
}

/* --- one operation ----------------------------------------------------------------------------- */

typedef struct mv_op_res {
    uint8_t status;
    uint64_t value;
    uint8_t key, asc, ascq;
    uint64_t invoked, completed;
    long index;                      /* in the history; -1: not recorded */
    char err[MV_ERR_MAX];
} mv_op_res;

/* client's session with portal for target, set up (login, block size) when it has none. */
static mv_session *session_get(mv_client *c, unsigned ci, const char *portal, const char *target, uint16_t lun,
                               uint64_t deadline, char *err, size_t errlen)
{
    mv_session *s = NULL;
    for (unsigned k = 0; k < MV_SESSIONS_MAX; k++) {
        mv_session *x = &c->s[k];
        if (x->ini && strcmp(x->portal, portal) == 0 && strcmp(x->target, target) == 0) {
            x->used = mv_now_us();
            return x;
        }
        if (!s || !x->ini || (s->ini && x->used < s->used))
            s = x;   /* an empty slot, else the least recently used */
    }
    session_drop(s);
    struct sockaddr_in a;
    char host[INET_ADDRSTRLEN], name[MV_TARGET_MAX];
    if (mc_cli_ipv4_port(portal, &a) != 0 || a.sin_port == 0) {
        snprintf(err, errlen, "portal \"%s\" is not a numeric IPv4 ADDRESS:PORT", portal);
        return NULL;
    }
    inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
    snprintf(name, sizeof name, MV_INITIATOR_PREFIX "%u", ci);
    mc_ini_params p = {.initiator_name = name, .target_name = target};
    mc_ini *ini = mc_ini_new(&p);
    uint64_t blocks = 0;
    uint32_t bs = 0;
    if (!ini) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (mc_ini_connect(ini, host, ntohs(a.sin_port), deadline, err, errlen) != MC_INI_OK ||
        mc_ini_login(ini, deadline, err, errlen) != MC_INI_OK ||
        mc_ini_read_capacity16(ini, lun, &blocks, &bs, deadline, err, errlen) != MC_INI_OK) {
        mc_ini_free(ini);
        return NULL;
    }
    if (bs < MC_BLOCK_VALUE_ID_LEN || bs > MV_BLOCK_MAX) {
        snprintf(err, errlen, "block size %u outside %u..%u", (unsigned)bs, MC_BLOCK_VALUE_ID_LEN, MV_BLOCK_MAX);
        mc_ini_free(ini);
        return NULL;
    }
    snprintf(s->portal, sizeof s->portal, "%s", portal);
    snprintf(s->target, sizeof s->target, "%s", target);
    s->ini = ini;
    s->block_size = bs;
    s->used = mv_now_us();
    return s;
}

/* Room for one more operation in the history (false: full); the room stays until record. */
static bool reserve(mv_clients *cs)
{
    pthread_mutex_lock(&cs->lock);
    bool ok = cs->nrecs + cs->reserved < MV_HISTORY_OPS_MAX;
    if (ok && cs->nrecs + cs->reserved + 1u > cs->caprecs) {
        size_t cap = cs->caprecs ? 2u * cs->caprecs : MV_CLIENTS_MAX;
        mv_rec *p = realloc(cs->recs, cap * sizeof *p);
        ok = p != NULL;
        if (p) {
            cs->recs = p;
            cs->caprecs = cap;
        }
    }
    if (ok)
        cs->reserved++;
    else
        cs->full = true;
    pthread_mutex_unlock(&cs->lock);
    return ok;
}

static long record(mv_clients *cs, const mv_rec *r)
{
    pthread_mutex_lock(&cs->lock);
    cs->reserved--;
    long i = (long)cs->nrecs;
    cs->recs[cs->nrecs++] = *r;
    pthread_mutex_unlock(&cs->lock);
    return i;
}

static uint8_t status_of(int rc, const mc_ini *ini, mv_op_res *res)
{
    switch (rc) {
    case MC_INI_OK: return MV_ST_OK;
    case MC_INI_TIMEOUT: return MV_ST_TIMEOUT;
    case MC_INI_CLOSED: return MV_ST_CLOSED;
    case MC_INI_PROTOCOL: return MV_ST_PROTOCOL;
    case MC_INI_REFUSED: break;
    default: return MV_ST_ERROR;
    }
    mc_ini_last_sense(ini, &res->key, &res->asc, &res->ascq);
    if (res->key == MC_SK_NOT_READY)
        return MV_ST_UNAVAILABLE;   /* docs/vsan-link.md §9.1: 04h/0Ch */
    if (res->key == MC_SK_ABORTED_COMMAND)
        return MV_ST_ABORTED;
    if (res->key == MC_SK_MEDIUM_ERROR)
        return MV_ST_MEDIUM;
    if (res->key == MC_SK_ILLEGAL_REQUEST && ((unsigned)res->asc << MV_ASC_SHIFT | res->ascq) == MC_ASC_LBA_OUT_OF_RANGE)
        return MV_ST_RANGE;
    return MV_ST_CHECK;
}

/* A reserved history slot given back: a probe is not recorded. */
static long unreserve(mv_clients *cs)
{
    pthread_mutex_lock(&cs->lock);
    cs->reserved--;
    pthread_mutex_unlock(&cs->lock);
    return -1;
}

/* One read or write of one block by client ci, recorded unless it never reached the server or
 * is a probe (a read asking whether the server serves, which the history checker does not judge). */
static void run_op(mv_clients *cs, unsigned ci, const char *portal, const char *target, uint16_t lun, bool write,
                   uint64_t block, uint64_t deadline, bool probe, mv_op_res *res)
{
    memset(res, 0, sizeof *res);
    res->index = -1;
    mv_session *s = session_get(&cs->c[ci], ci, portal, target, lun, deadline, res->err, sizeof res->err);
    if (!s) {
        res->status = MV_ST_UNREACHABLE;
        return;
    }
    uint8_t *buf = malloc(s->block_size);
    if (!buf || !reserve(cs)) {
        res->status = buf ? MV_ST_FULL : MV_ST_ERROR;
        snprintf(res->err, sizeof res->err, buf ? "the history holds %u operations" : "out of memory",
                 MV_HISTORY_OPS_MAX);
        free(buf);
        return;
    }
    mv_rec rec = {.hop = {.process = ci, .kind = write ? MC_HOP_WRITE : MC_HOP_READ, .key = block}};
    snprintf(rec.portal, sizeof rec.portal, "%s", portal);
    if (write) {
        rec.hop.value = next_value(ci);
        mc_block_value_fill(rec.hop.value, buf, s->block_size);
    }
    rec.hop.invoked = mv_now_us();
    int rc = write ? mc_ini_write(s->ini, lun, block, 1, s->block_size, buf, deadline, res->err, sizeof res->err)
                   : mc_ini_read(s->ini, lun, block, 1, s->block_size, buf, deadline, res->err, sizeof res->err);
    rec.hop.completed = mv_now_us();
    rec.status = status_of(rc, s->ini, res);
    if (rc == MC_INI_OK) {
        rec.hop.outcome = MC_HOP_OK;
        if (!write)
            rec.hop.value = mc_block_value_decode(buf, s->block_size);
    } else {
        /* a write that failed may still have happened; a read that failed returned nothing */
        rec.hop.outcome = write ? MC_HOP_UNKNOWN : MC_HOP_FAIL;
    }
    if (rc != MC_INI_OK && rc != MC_INI_REFUSED)
        session_drop(s);   /* the session is no longer usable: the next operation logs in again */
    free(buf);
    res->status = rec.status;
    res->value = rec.hop.value;
    res->invoked = rec.hop.invoked;
    res->completed = rec.hop.completed;
    res->index = probe ? unreserve(cs) : record(cs, &rec);
}

/* --- the pool ---------------------------------------------------------------------------------- */

static struct timespec abs_ms(uint64_t ms_from_now)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms_from_now / MS_PER_S);
    ts.tv_nsec += (long)(ms_from_now % MS_PER_S) * NS_PER_MS;
    if (ts.tv_nsec >= NS_PER_MS * (long)MS_PER_S) {
        ts.tv_sec++;
        ts.tv_nsec -= NS_PER_MS * (long)MS_PER_S;
    }
    return ts;
}

static void *pool_main(void *arg)
{
    mv_pool_arg *a = arg;
    mv_clients *cs = a->cs;
    const mv_pool_cfg *p = &cs->pool;   /* not changed while the pool runs */
    mc_fault_plan rng;
    mc_fault_init(&rng, p->seed ^ ((uint64_t)(a->client + 1u) * CLIENT_SEED_MIX));
    pthread_mutex_lock(&cs->lock);
    while (!cs->stop) {
        pthread_mutex_unlock(&cs->lock);
        uint64_t now = mc_ini_now_ms();
        if (now >= p->until_ms) {
            pthread_mutex_lock(&cs->lock);
            break;
        }
        unsigned pi = (unsigned)(mc_fault_next(&rng) % p->nportals);
        uint64_t block = p->first + mc_fault_next(&rng) % p->blocks;
        bool write = mc_fault_next(&rng) % MV_PERCENT < p->write_pct;
        uint64_t deadline = now + p->timeout_ms < p->until_ms ? now + p->timeout_ms : p->until_ms;
        mv_op_res res;
        run_op(cs, a->client, p->portals[pi], p->target, p->lun, write, block, deadline, false, &res);
        pthread_mutex_lock(&cs->lock);
        cs->pool_ops++;
        cs->pool_status[res.status]++;
        if (res.status == MV_ST_FULL)
            break;
        unsigned pause = p->think_ms;
        if (res.status == MV_ST_UNREACHABLE && pause < MV_RETRY_MS)
            pause = MV_RETRY_MS;
        if (pause && !cs->stop) {
            struct timespec until = abs_ms(pause);
            pthread_cond_timedwait(&cs->cond, &cs->lock, &until);   /* stop wakes it */
        }
    }
    cs->finished++;
    pthread_cond_broadcast(&cs->cond);
    pthread_mutex_unlock(&cs->lock);
    return NULL;
}

static int cmd_start(Tcl_Interp *interp, mv_clients *cs, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "client start -portals {ADDR:PORT ...} -target IQN -lun N ?-clients N? ?-blocks N? "
                              "?-first B? ?-write-pct P? ?-seed S? ?-think-ms MS? ?-timeout MS?";
    if (cs->running)
        return mc_tcl_error(interp, "USAGE", "the client pool is running: vsan client stop first");
    mv_pool_cfg p = {.clients = MV_POOL_CLIENTS, .write_pct = MV_POOL_WRITE_PCT, .timeout_ms = MV_DEFAULT_TIMEOUT_MS,
                     .blocks = MV_POOL_BLOCKS};
    p.seed = mv_vector_seed(interp);
    Tcl_WideInt v, lun = -1;
    Tcl_Obj *portals = NULL;
    if (objc % 2)
        return mv_usage(interp, use);
    for (int i = 2; i < objc; i += 2) {
        const char *o = Tcl_GetString(objv[i]);
        Tcl_Obj *x = objv[i + 1];
        int rc = TCL_OK, ms = 0;
        if (strcmp(o, "-portals") == 0)
            portals = x;
        else if (strcmp(o, "-target") == 0) {
            if (strlen(Tcl_GetString(x)) >= sizeof p.target)
                return mc_tcl_error(interp, "USAGE", "-target longer than %u bytes", MV_TARGET_MAX - 1u);
            snprintf(p.target, sizeof p.target, "%s", Tcl_GetString(x));
        } else if (strcmp(o, "-lun") == 0)
            rc = mv_get_range(interp, "-lun", x, 0, UINT16_MAX, &lun);
        else if (strcmp(o, "-clients") == 0)
            rc = mv_get_range(interp, "-clients", x, 1, MV_CLIENTS_MAX, &v), p.clients = (unsigned)v;
        else if (strcmp(o, "-blocks") == 0)
            rc = mv_get_range(interp, "-blocks", x, 1, (Tcl_WideInt)MV_BLOCKS_MAX, &v), p.blocks = (uint64_t)v;
        else if (strcmp(o, "-first") == 0)
            rc = mv_get_range(interp, "-first", x, 0, (Tcl_WideInt)MV_BLOCKS_MAX, &v), p.first = (uint64_t)v;
        else if (strcmp(o, "-write-pct") == 0)
            rc = mv_get_range(interp, "-write-pct", x, 0, MV_PERCENT, &v), p.write_pct = (unsigned)v;
        else if (strcmp(o, "-seed") == 0)
            rc = Tcl_GetWideIntFromObj(interp, x, &v), p.seed = (uint64_t)v;
        else if (strcmp(o, "-think-ms") == 0)
            rc = mv_get_range(interp, "-think-ms", x, 0, MV_THINK_MAX_MS, &v), p.think_ms = (unsigned)v;
        else if (strcmp(o, "-timeout") == 0)
            rc = mv_get_ms(interp, x, &ms), p.timeout_ms = (unsigned)ms;
        else
            return mv_usage(interp, use);
        if (rc != TCL_OK)
            return TCL_ERROR;
    }
    int np;
    Tcl_Obj **pv;
    if (!portals || !p.target[0] || lun < 0)
        return mv_usage(interp, use);
    if (Tcl_ListObjGetElements(interp, portals, &np, &pv) != TCL_OK)
        return TCL_ERROR;
    if (np < 1 || (unsigned)np > MV_SESSIONS_MAX)
        return mc_tcl_error(interp, "USAGE", "-portals takes 1..%u portals", MV_SESSIONS_MAX);
    for (int i = 0; i < np; i++) {
        struct sockaddr_in a;
        if (mv_get_addr(interp, "portal", pv[i], false, &a) != TCL_OK)
            return TCL_ERROR;
        snprintf(p.portals[i], sizeof p.portals[i], "%s", Tcl_GetString(pv[i]));
    }
    p.nportals = (unsigned)np;
    p.lun = (uint16_t)lun;
    long long left = mc_watchdog_remaining_ms(interp);
    p.until_ms = left >= 0 ? mc_ini_now_ms() + (uint64_t)left : UINT64_MAX;   /* never past the vector */
    cs->pool = p;
    cs->stop = false;
    cs->finished = 0;
    cs->pool_ops = 0;
    memset(cs->pool_status, 0, sizeof cs->pool_status);
    for (unsigned i = 0; i < p.clients; i++) {
        cs->c[i].pooled = true;
        cs->args[i] = (mv_pool_arg){.cs = cs, .client = i};
        if (pthread_create(&cs->th[i], NULL, pool_main, &cs->args[i]) != 0) {
            cs->c[i].pooled = false;
            pthread_mutex_lock(&cs->lock);
            cs->stop = true;
            pthread_cond_broadcast(&cs->cond);
            pthread_mutex_unlock(&cs->lock);
            join_pool(cs);
            return mc_tcl_error(interp, "IO", "cannot start client thread %u", i);
        }
        cs->nthreads = i + 1u;
    }
    cs->running = true;
    return TCL_OK;
}

static Tcl_Obj *pool_dict(mv_clients *cs)
{
    Tcl_Obj *d = Tcl_NewDictObj(), *st = Tcl_NewDictObj();
    pthread_mutex_lock(&cs->lock);
    mv_put(d, "running", Tcl_NewBooleanObj(cs->running));
    mv_put(d, "clients", mv_wide(cs->pool.clients));
    mv_put(d, "ops", mv_wide(cs->pool_ops));
    for (unsigned i = 0; i < MV_ST_COUNT; i++)
        if (cs->pool_status[i])
            mv_put(st, mv_status_names[i], mv_wide(cs->pool_status[i]));
    mv_put(d, "statuses", st);
    mv_put(d, "history", mv_wide(cs->nrecs));
    mv_put(d, "full", Tcl_NewBooleanObj(cs->full));
    pthread_mutex_unlock(&cs->lock);
    return d;
}

/* client stop ?-timeout MS?: every pool client ends its operation in flight and stops. */
static int cmd_stop(Tcl_Interp *interp, mv_clients *cs, int objc, Tcl_Obj *const objv[])
{
    int ms = (int)(cs->pool.timeout_ms + MV_STOP_MARGIN_MS);
    if (objc == 4 && strcmp(Tcl_GetString(objv[2]), "-timeout") == 0) {
        if (mv_get_ms(interp, objv[3], &ms) != TCL_OK)
            return TCL_ERROR;
    } else if (objc != 2) {
        return mv_usage(interp, "client stop ?-timeout MS?");
    }
    if (!cs->running) {
        Tcl_SetObjResult(interp, pool_dict(cs));
        return TCL_OK;
    }
    ms = mc_watchdog_clamp_ms(interp, ms);
    struct timespec until = abs_ms((uint64_t)ms);
    pthread_mutex_lock(&cs->lock);
    cs->stop = true;
    pthread_cond_broadcast(&cs->cond);
    while (cs->finished < cs->nthreads)
        if (pthread_cond_timedwait(&cs->cond, &cs->lock, &until) != 0)
            break;
    bool all = cs->finished == cs->nthreads;
    unsigned left = cs->nthreads - cs->finished;
    pthread_mutex_unlock(&cs->lock);
    if (!all)
        return mc_tcl_error(interp, "TIMEOUT", "%u pool clients still finish their operation after %d ms", left, ms);
    join_pool(cs);
    Tcl_SetObjResult(interp, pool_dict(cs));
    return TCL_OK;
}

/* --- synchronous operations --------------------------------------------------------------------- */

static Tcl_Obj *op_dict(const mv_op_res *r, unsigned client, const char *portal, uint64_t block)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    mv_put(d, "status", Tcl_NewStringObj(mv_status_names[r->status], -1));
    mv_put(d, "value", r->status == MV_ST_OK ? mv_wide(r->value) : Tcl_NewObj());
    Tcl_Obj *sense = Tcl_NewDictObj();
    if (r->key || r->asc || r->ascq) {
        mv_put(sense, "key", Tcl_NewIntObj(r->key));
        mv_put(sense, "asc", Tcl_NewIntObj(r->asc));
        mv_put(sense, "ascq", Tcl_NewIntObj(r->ascq));
    }
    mv_put(d, "sense", sense);
    mv_put(d, "client", mv_wide(client));
    mv_put(d, "portal", Tcl_NewStringObj(portal, -1));
    mv_put(d, "block", mv_wide(block));
    mv_put(d, "index", Tcl_NewLongObj(r->index));
    if (r->index >= 0) {
        mv_put(d, "invoked", mv_wide(r->invoked));
        mv_put(d, "completed", mv_wide(r->completed));
    }
    if (r->status != MV_ST_OK)
        mv_put(d, "error", Tcl_NewStringObj(r->err, -1));
    return d;
}

/* client read|write PORTAL -target IQN -lun N -block B ?-client C? ?-timeout MS? ?-probe 0|1? */
static int cmd_op(Tcl_Interp *interp, mv_clients *cs, bool write, int objc, Tcl_Obj *const objv[])
{
    static const char use[] =
        "client read|write PORTAL -target IQN -lun N -block B ?-client C? ?-timeout MS? ?-probe 0|1 (reads)?";
    int probe = 0;
    if (objc < 3 || objc % 2 == 0)
        return mv_usage(interp, use);
    const char *portal = Tcl_GetString(objv[2]), *target = NULL;
    Tcl_WideInt lun = -1, block = -1, client = -1;
    int ms = MV_DEFAULT_TIMEOUT_MS;
    struct sockaddr_in a;
    if (mv_get_addr(interp, "portal", objv[2], false, &a) != TCL_OK)
        return TCL_ERROR;
    for (int i = 3; i < objc; i += 2) {
        const char *o = Tcl_GetString(objv[i]);
        int rc = TCL_OK;
        if (strcmp(o, "-target") == 0)
            target = Tcl_GetString(objv[i + 1]);
        else if (strcmp(o, "-lun") == 0)
            rc = mv_get_range(interp, "-lun", objv[i + 1], 0, UINT16_MAX, &lun);
        else if (strcmp(o, "-block") == 0)
            rc = mv_get_range(interp, "-block", objv[i + 1], 0, (Tcl_WideInt)MV_BLOCKS_MAX, &block);
        else if (strcmp(o, "-client") == 0)
            rc = mv_get_range(interp, "-client", objv[i + 1], 0, MV_CLIENTS_MAX - 1, &client);
        else if (strcmp(o, "-timeout") == 0)
            rc = mv_get_ms(interp, objv[i + 1], &ms);
        else if (strcmp(o, "-probe") == 0 && !write)
            rc = Tcl_GetBooleanFromObj(interp, objv[i + 1], &probe);
        else
            return mv_usage(interp, use);
        if (rc != TCL_OK)
            return TCL_ERROR;
    }
    if (!target || strlen(target) >= MV_TARGET_MAX || lun < 0 || block < 0)
        return mv_usage(interp, use);
    if (client < 0) {
        for (unsigned i = 0; i < MV_CLIENTS_MAX && client < 0; i++)
            if (!cs->c[i].pooled)
                client = i;
        if (client < 0)
            return mc_tcl_error(interp, "USAGE", "every client slot belongs to the pool");
    } else if (cs->c[client].pooled) {
        return mc_tcl_error(interp, "USAGE", "client %lld belongs to the running pool", (long long)client);
    }
    uint64_t deadline = mc_ini_now_ms() + (uint64_t)mc_watchdog_clamp_ms(interp, ms);
    mv_op_res r;
    run_op(cs, (unsigned)client, portal, target, (uint16_t)lun, write, (uint64_t)block, deadline, probe != 0, &r);
    Tcl_SetObjResult(interp, op_dict(&r, (unsigned)client, portal, (uint64_t)block));
    return TCL_OK;
}

int mv_client_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    mv_clients *cs = ((mv_mod *)cd)->clients;
    static const char *const subs[] = {"read", "write", "start", "stop", "info", NULL};
    enum { READ, WRITE, START, STOP, INFO };
    int sub;
    if (objc < 2)
        return mv_usage(interp, "client read|write|start|stop|info ...");
    if (Tcl_GetIndexFromObj(interp, objv[1], subs, "client subcommand", 0, &sub) != TCL_OK)
        return TCL_ERROR;
    switch (sub) {
    case READ: return cmd_op(interp, cs, false, objc, objv);
    case WRITE: return cmd_op(interp, cs, true, objc, objv);
    case START: return cmd_start(interp, cs, objc, objv);
    case STOP: return cmd_stop(interp, cs, objc, objv);
    default:
        if (objc != 2)
            return mv_usage(interp, "client info");
        Tcl_SetObjResult(interp, pool_dict(cs));
        return TCL_OK;
    }
}

/* --- status --------------------------------------------------------------------------------------- */

/* "name:value,name:value" items of the status keys into d. */
static void put_items(Tcl_Obj *d, const char *value)
{
    const char *p = value;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', n);
        if (colon)
            Tcl_DictObjPut(NULL, d, Tcl_NewStringObj(p, (int)(colon - p)),
                           Tcl_NewStringObj(colon + 1, (int)(n - (size_t)(colon + 1 - p))));
        p += n + (end ? 1u : 0u);
    }
}

/* status PORTAL -target IQN ?-timeout MS?: the server's state and counters (§9.2) as one dict. */
int mv_status_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "status PORTAL -target IQN ?-timeout MS?";
    int ms = MV_DEFAULT_TIMEOUT_MS;
    const char *target = NULL;
    struct sockaddr_in a;
    if (objc < 2 || objc % 2 || mv_get_addr(interp, "portal", objv[1], false, &a) != TCL_OK)
        return objc < 2 || objc % 2 ? mv_usage(interp, use) : TCL_ERROR;
    for (int i = 2; i < objc; i += 2) {
        const char *o = Tcl_GetString(objv[i]);
        if (strcmp(o, "-target") == 0)
            target = Tcl_GetString(objv[i + 1]);
        else if (strcmp(o, "-timeout") != 0 || mv_get_ms(interp, objv[i + 1], &ms) != TCL_OK)
            return strcmp(o, "-timeout") ? mv_usage(interp, use) : TCL_ERROR;
    }
    if (!target)
        return mv_usage(interp, use);
    uint64_t deadline = mc_ini_now_ms() + (uint64_t)mc_watchdog_clamp_ms(interp, ms);
    char host[INET_ADDRSTRLEN], err[MV_ERR_MAX];
    inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
    mc_ini_params p = {.target_name = target};
    mc_ini *ini = mc_ini_new(&p);
    char *resp = NULL;
    size_t resp_len = 0;
    int rc = ini ? mc_ini_connect(ini, host, ntohs(a.sin_port), deadline, err, sizeof err) : MC_INI_ERR;
    if (rc == MC_INI_OK)
        rc = mc_ini_login(ini, deadline, err, sizeof err);
    if (rc == MC_INI_OK)
        rc = mc_ini_text(ini, MV_STATUS_QUERY, sizeof MV_STATUS_QUERY, &resp, &resp_len, deadline, err, sizeof err);
    if (rc == MC_INI_OK)
        mc_ini_logout(ini, deadline, err, sizeof err);
    mc_ini_free(ini);
    if (rc != MC_INI_OK) {
        free(resp);
        return mc_tcl_error(interp, rc == MC_INI_TIMEOUT ? "TIMEOUT" : "IO", "status of %s: %s",
                            Tcl_GetString(objv[1]), ini ? err : "out of memory");
    }
    mc_kvlist kv;
    mc_kvlist_init(&kv);
    int prc = mc_text_parse((const uint8_t *)resp, resp_len, 0, &kv, NULL, err, sizeof err);
    free(resp);
    if (prc != MC_TEXT_OK) {
        mc_kvlist_free(&kv);
        return mc_tcl_error(interp, "PROTOCOL", "status of %s: %s", Tcl_GetString(objv[1]), err);
    }
    Tcl_Obj *d = Tcl_NewDictObj();
    for (size_t i = 0; i < kv.count; i++)
        if (strncmp(kv.items[i].key, MV_STATUS_KEY_PREFIX, strlen(MV_STATUS_KEY_PREFIX)) == 0)
            put_items(d, kv.items[i].value);
    mc_kvlist_free(&kv);
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}
