/* The `spi` ensemble, part 1: simulated buses, the host adapter, disks on memory LUNs,
 * operations (negotiation, discovery, conventional and silent writes), running them, and
 * checking what the disks hold. Traces and patterns are in mod_spi_trace.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ensemble.h"
#include "mod_spi.h"

#define ASSOC_KEY "mirrorcert-spi"
#define BLOCK 512u
#define DEFAULT_BLOCKS 1024u
#define MAX_BLOCKS 65535u
#define HOST_ID_DEFAULT 7
#define FNV_PRIME 0x100000001b3ull
#define FNV_OFFSET 0xcbf29ce484222325ull
#define LCG_MUL 6364136223846793005ull   /* Knuth's MMIX generator: test data, not secrets */
#define LCG_ADD 1442695040888963407ull
#define MEDIA_NS 20000u                   /* a disconnecting disk reselects after 20 us */
#define MAX_WAIT_NS 1000000000L           /* host wait limit: at most 1 s simulated */
#define MAX_DISK_BLOCKS (1L << 20)        /* 512 MiB of memory per disk at most */
#define MAX_SEED (1L << 30)

static mc_spi_mod *mod_of(Tcl_Interp *interp) { return Tcl_GetAssocData(interp, ASSOC_KEY, NULL); }

static void sim_free(mc_spi_sim *s)
{
    if (!s)
        return;
    if (s->vcd) {
        char err[64];
        mc_spi_vcd_close(s->vcd, err, sizeof err);
    }
    mc_spi_host_free(s->host);
    for (unsigned i = 0; i < MC_SPI_MAX_ID; i++) {
        mc_spi_disk_free(s->disk[i]);
        mc_lun_set_free(s->luns[i]);
    }
    for (size_t i = 0; i < s->nbufs; i++)
        free(s->bufs[i]);
    free(s->bufs);
    mc_spi_trace_free(s->trace);
    mc_spi_bus_free(s->bus);
    free(s);
}

static void mod_free(ClientData cd, Tcl_Interp *interp)
{
    mc_spi_mod *m = cd;
    for (unsigned i = 0; i < MC_SPI_MOD_MAX_SIMS; i++)
        sim_free(m->sims[i]);
    if (m->strip)
        Tcl_DecrRefCount(m->strip);
    free(m);
}

mc_spi_sim *mc_spi_sim_get(Tcl_Interp *interp, Tcl_Obj *name)
{
    mc_spi_mod *m = mod_of(interp);
    const char *n = Tcl_GetString(name);
    for (unsigned i = 0; m && i < MC_SPI_MOD_MAX_SIMS; i++)
        if (m->sims[i] && strcmp(m->sims[i]->name, n) == 0)
            return m->sims[i];
    Tcl_SetObjResult(interp, Tcl_ObjPrintf("spi: no bus named \"%s\"", n));
    return NULL;
}

mc_spi_sim *mc_spi_sim_new(Tcl_Interp *interp, mc_spi_mod *m)
{
    for (unsigned i = 0; i < MC_SPI_MOD_MAX_SIMS; i++)
        if (!m->sims[i]) {
            mc_spi_sim *s = calloc(1, sizeof *s);
            if (!s)
                break;
            snprintf(s->name, sizeof s->name, "spi%u", ++m->next);
            m->sims[i] = s;
            return s;
        }
    Tcl_SetObjResult(interp, Tcl_ObjPrintf("spi: more than %u buses open", MC_SPI_MOD_MAX_SIMS));
    return NULL;
}

static void sim_close(Tcl_Interp *interp, mc_spi_sim *s)
{
    mc_spi_mod *m = mod_of(interp);
    mc_spi_strip_keep(m, s);
    for (unsigned i = 0; i < MC_SPI_MOD_MAX_SIMS; i++)
        if (m->sims[i] == s)
            m->sims[i] = NULL;
    sim_free(s);
}

static int err_result(Tcl_Interp *interp, const char *what, const char *err)
{
    Tcl_SetObjResult(interp, Tcl_ObjPrintf("spi %s: %s", what, err));
    return TCL_ERROR;
}

/* Options as -name value pairs from objv[first..]. */
static int opt_find(int objc, Tcl_Obj *const objv[], int first, const char *name, Tcl_Obj **val)
{
    for (int i = first; i + 1 < objc; i += 2)
        if (strcmp(Tcl_GetString(objv[i]), name) == 0) {
            *val = objv[i + 1];
            return 1;
        }
    return 0;
}

static int opt_check(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], int first, const char *const *names)
{
    if ((objc - first) % 2) {
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("option %s needs a value", Tcl_GetString(objv[objc - 1])));
        return TCL_ERROR;
    }
    for (int i = first; i < objc; i += 2) {
        bool known = false;
        for (const char *const *n = names; *n; n++)
            known |= strcmp(Tcl_GetString(objv[i]), *n) == 0;
        if (!known) {
            Tcl_SetObjResult(interp, Tcl_ObjPrintf("unknown option \"%s\"", Tcl_GetString(objv[i])));
            return TCL_ERROR;
        }
    }
    return TCL_OK;
}

static int opt_int(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], int first, const char *name,
                   long *v, long lo, long hi)
{
    Tcl_Obj *o;
    if (!opt_find(objc, objv, first, name, &o))
        return TCL_OK;
    if (Tcl_GetLongFromObj(interp, o, v) != TCL_OK)
        return TCL_ERROR;
    if (*v < lo || *v > hi) {
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("%s %ld out of range %ld..%ld", name, *v, lo, hi));
        return TCL_ERROR;
    }
    return TCL_OK;
}

static int mutant_bits(Tcl_Interp *interp, Tcl_Obj *list, int side, unsigned *bits)
{
    static const char *const side_names[] = {[MC_SPI_SIDE_TARGET] = "target", [MC_SPI_SIDE_HOST] = "host"};
    int n;
    Tcl_Obj **items;
    if (Tcl_ListObjGetElements(interp, list, &n, &items) != TCL_OK)
        return TCL_ERROR;
    for (int i = 0; i < n; i++) {
        int row = mc_mutant_lookup(mc_spi_mutants, mc_spi_nmutants, Tcl_GetString(items[i])) - 1;
        if (row < 0) {
            Tcl_SetObjResult(interp, Tcl_ObjPrintf("unknown mutant \"%s\"", Tcl_GetString(items[i])));
            return TCL_ERROR;
        }
        if (mc_spi_mutant_side((size_t)row) != side) {
            Tcl_SetObjResult(interp, Tcl_ObjPrintf("mutant %s belongs to the %s side", mc_spi_mutants[row].name,
                                                   side_names[mc_spi_mutant_side((size_t)row)]));
            return TCL_ERROR;
        }
        *bits |= mc_spi_mutant_bit((size_t)row);
    }
    return TCL_OK;
}

/* spi new ?-speed u320|fast20|async? ?-target-mutants LIST?: a bus with a live decoder. */
static int cmd_new(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char *const opts[] = {"-speed", "-target-mutants", NULL};
    if (opt_check(interp, objc, objv, 1, opts) != TCL_OK)
        return TCL_ERROR;
    mc_spi_params p;
    Tcl_Obj *o;
    const char *speed = opt_find(objc, objv, 1, "-speed", &o) ? Tcl_GetString(o) : "u320";
    if (!strcmp(speed, "u320"))
        mc_spi_params_u320_wide(&p);
    else if (!strcmp(speed, "fast20"))
        mc_spi_params_fast20_narrow(&p);
    else if (!strcmp(speed, "async"))
        mc_spi_params_async(&p);
    else
        return err_result(interp, "new", "-speed is u320, fast20 or async");
    unsigned tm = 0;
    if (opt_find(objc, objv, 1, "-target-mutants", &o) && mutant_bits(interp, o, MC_SPI_SIDE_TARGET, &tm) != TCL_OK)
        return TCL_ERROR;
    mc_spi_sim *s = mc_spi_sim_new(interp, cd);
    if (!s)
        return TCL_ERROR;
    char err[256];
    s->target_mutants = tm;
    if (mc_spi_bus_new(&s->bus, &p, err, sizeof err) < 0 || mc_spi_trace_new(&s->trace, err, sizeof err) < 0 ||
        mc_spi_trace_attach(s->trace, s->bus, err, sizeof err) < 0) {
        sim_close(interp, s);
        return err_result(interp, "new", err);
    }
    Tcl_SetObjResult(interp, Tcl_NewStringObj(s->name, -1));
    return TCL_OK;
}

static mc_spi_sim *live_sim(Tcl_Interp *interp, Tcl_Obj *name)
{
    mc_spi_sim *s = mc_spi_sim_get(interp, name);
    if (s && !s->bus) {
        Tcl_SetObjResult(interp, Tcl_ObjPrintf("spi: %s is a trace read from a file, not a bus", s->name));
        return NULL;
    }
    return s;
}

static int parse_retx(const char *s)
{
    if (!strcmp(s, "none")) return MC_RETX_NONE;
    if (!strcmp(s, "leader-last")) return MC_RETX_LEADER_LAST;
    if (!strcmp(s, "regroup")) return MC_RETX_REGROUP;
    if (!strcmp(s, "plain")) return MC_RETX_PLAIN;
    return -1;
}

/* spi host BUS ?-id N? ?-raw 0|1? ?-mutants LIST? ?-retransfer none|leader-last|regroup|plain?
 *              ?-wait-ns N? */
static int cmd_host(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char *const opts[] = {"-id", "-raw", "-mutants", "-retransfer", "-wait-ns", NULL};
    if (objc < 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus ?options?");
        return TCL_ERROR;
    }
    mc_spi_sim *s = live_sim(interp, objv[1]);
    if (!s || opt_check(interp, objc, objv, 2, opts) != TCL_OK)
        return TCL_ERROR;
    if (s->host)
        return err_result(interp, "host", "this bus has a host already");
    long id = HOST_ID_DEFAULT, raw = 0, wait = 0;
    Tcl_Obj *o;
    mc_spi_host_config hc = {0};
    if (opt_int(interp, objc, objv, 2, "-id", &id, 0, MC_SPI_MAX_ID - 1) != TCL_OK ||
        opt_int(interp, objc, objv, 2, "-raw", &raw, 0, 1) != TCL_OK ||
        opt_int(interp, objc, objv, 2, "-wait-ns", &wait, 0, MAX_WAIT_NS) != TCL_OK)
        return TCL_ERROR;
    if (opt_find(objc, objv, 2, "-mutants", &o) && mutant_bits(interp, o, MC_SPI_SIDE_HOST, &hc.mutants) != TCL_OK)
        return TCL_ERROR;
    if (opt_find(objc, objv, 2, "-retransfer", &o) && (hc.retransfer = parse_retx(Tcl_GetString(o))) < 0)
        return err_result(interp, "host", "-retransfer is none, leader-last, regroup or plain");
    hc.id = (unsigned)id;
    hc.raw = raw;
    hc.wait_ns = (uint64_t)wait;
    char err[256];
    if (mc_spi_host_new(&s->host, s->bus, &hc, err, sizeof err) < 0)
        return err_result(interp, "host", err);
    return TCL_OK;
}

/* spi disk BUS ID ?-capable 0|1? ?-raw 0|1? ?-disconnect 0|1? ?-mutants LIST? ?-blocks N? ?-max-xfer N?:
 * -max-xfer is the largest data phase the disk accepts, in blocks (default: the disk's own). */
static int cmd_disk(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char *const opts[] = {"-capable", "-raw", "-disconnect", "-mutants", "-blocks", "-max-xfer", NULL};
    if (objc < 3) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus id ?options?");
        return TCL_ERROR;
    }
    mc_spi_sim *s = live_sim(interp, objv[1]);
    long id, capable = 1, raw = 1, disc = 0, blocks = DEFAULT_BLOCKS, max_xfer = 0;
    if (!s || Tcl_GetLongFromObj(interp, objv[2], &id) != TCL_OK || opt_check(interp, objc, objv, 3, opts) != TCL_OK)
        return TCL_ERROR;
    if (id < 0 || id >= (long)MC_SPI_MAX_ID || s->disk[id])
        return err_result(interp, "disk", "ID out of range or taken");
    Tcl_Obj *o;
    mc_spi_disk_config dc = {.id = (unsigned)id, .mutants = s->target_mutants, .media_ns = MEDIA_NS};
    if (opt_int(interp, objc, objv, 3, "-capable", &capable, 0, 1) != TCL_OK ||
        opt_int(interp, objc, objv, 3, "-raw", &raw, 0, 1) != TCL_OK ||
        opt_int(interp, objc, objv, 3, "-disconnect", &disc, 0, 1) != TCL_OK ||
        opt_int(interp, objc, objv, 3, "-blocks", &blocks, 1, MAX_DISK_BLOCKS) != TCL_OK ||
        opt_int(interp, objc, objv, 3, "-max-xfer", &max_xfer, 1, MAX_BLOCKS) != TCL_OK)
        return TCL_ERROR;
    if (opt_find(objc, objv, 3, "-mutants", &o) && mutant_bits(interp, o, MC_SPI_SIDE_TARGET, &dc.mutants) != TCL_OK)
        return TCL_ERROR;
    char err[256];
    mc_lun_config lc = {.size = (uint64_t)blocks * BLOCK};
    mc_lun *lu;
    if (mc_lun_open(&lu, &lc, err, sizeof err) < 0)
        return err_result(interp, "disk", err);
    s->luns[id] = mc_lun_set_new();
    if (!s->luns[id] || mc_lun_set_add(s->luns[id], 0, lu) < 0) {
        mc_lun_close(lu);
        return err_result(interp, "disk", "cannot build the LUN set");
    }
    dc.luns = s->luns[id];
    dc.silent_capable = capable;
    dc.accept_raw = raw;
    dc.disconnect = disc;
    dc.max_xfer = (size_t)max_xfer * BLOCK; /* 0: the disk's default */
    if (mc_spi_disk_new(&s->disk[id], s->bus, &dc, err, sizeof err) < 0)
        return err_result(interp, "disk", err);
    return TCL_OK;
}

static void fill(uint8_t *buf, uint32_t lba, uint32_t blocks, long seed)
{
    for (uint32_t b = 0; b < blocks; b++) {
        uint64_t x = ((uint64_t)seed * FNV_PRIME) ^ (lba + b) ^ FNV_OFFSET;
        for (uint32_t i = 0; i < BLOCK; i++) {
            x = x * LCG_MUL + LCG_ADD;
            buf[(size_t)b * BLOCK + i] = (uint8_t)(x >> 56);
        }
    }
}

static uint8_t *keep_data(mc_spi_sim *s, uint32_t lba, uint32_t blocks, long seed)
{
    uint8_t **b = realloc(s->bufs, (s->nbufs + 1) * sizeof *b);
    if (!b)
        return NULL;
    s->bufs = b;
    uint8_t *d = malloc((size_t)blocks * BLOCK);
    if (!d)
        return NULL;
    fill(d, lba, blocks, seed);
    s->bufs[s->nbufs++] = d;
    return d;
}

static int need_host(Tcl_Interp *interp, mc_spi_sim *s)
{
    if (s->host)
        return TCL_OK;
    Tcl_SetObjResult(interp, Tcl_ObjPrintf("spi: %s has no host (spi host)", s->name));
    return TCL_ERROR;
}

static int queue(Tcl_Interp *interp, mc_spi_sim *s, const mc_spi_op *op)
{
    char err[256];
    int idx = mc_spi_host_queue(s->host, op, err, sizeof err);
    if (idx < 0)
        return err_result(interp, "queue", err);
    Tcl_SetObjResult(interp, Tcl_NewIntObj(idx));
    return TCL_OK;
}

/* spi discover BUS ID GID ?-last 0|1?: negotiation, then the silent-mirroring query (Table 1). */
static int cmd_discover(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char *const opts[] = {"-last", NULL};
    long id, gid, last = 0;
    if (objc < 4) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus id gid ?-last 0|1?");
        return TCL_ERROR;
    }
    mc_spi_sim *s = live_sim(interp, objv[1]);
    if (!s || need_host(interp, s) != TCL_OK || Tcl_GetLongFromObj(interp, objv[2], &id) != TCL_OK ||
        Tcl_GetLongFromObj(interp, objv[3], &gid) != TCL_OK || opt_check(interp, objc, objv, 4, opts) != TCL_OK ||
        opt_int(interp, objc, objv, 4, "-last", &last, 0, 1) != TCL_OK)
        return TCL_ERROR;
    if (id < 0 || id >= (long)MC_SPI_MAX_ID || gid < 0 || gid > UINT8_MAX)
        return err_result(interp, "discover", "ID or group/ID out of range");
    mc_spi_op neg = {.kind = MC_OP_NEGOTIATE, .target = (uint8_t)id};
    mc_spi_op q = {.kind = MC_OP_DISCOVER, .target = (uint8_t)id, .gid = (uint8_t)gid, .last = last};
    if (queue(interp, s, &neg) != TCL_OK)
        return TCL_ERROR;
    return queue(interp, s, &q);
}

/* One conventional WRITE(10) or READ(10) (KIND) of `spi write` and `spi read`: BUS TARGET LBA
 * BLOCKS ?-seed S? ?-atn 0|1?. A write sends the data of seed S; a read keeps, in one buffer, room
 * for what the target returns followed by the data of seed S, which `spi op` compares. -atn 0
 * selects without ATN (no IDENTIFY). */
static int rw_op(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], int kind)
{
    static const char *const opts[] = {"-seed", "-atn", NULL};
    const char *what = kind == MC_OP_WRITE ? "write" : "read";
    long t, lba, blocks, seed = 1, atn = 1;
    if (objc < 5) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus target lba blocks ?-seed S? ?-atn 0|1?");
        return TCL_ERROR;
    }
    mc_spi_sim *s = live_sim(interp, objv[1]);
    if (!s || need_host(interp, s) != TCL_OK || Tcl_GetLongFromObj(interp, objv[2], &t) != TCL_OK ||
        Tcl_GetLongFromObj(interp, objv[3], &lba) != TCL_OK || Tcl_GetLongFromObj(interp, objv[4], &blocks) != TCL_OK ||
        opt_check(interp, objc, objv, 5, opts) != TCL_OK || opt_int(interp, objc, objv, 5, "-seed", &seed, 0, MAX_SEED) != TCL_OK ||
        opt_int(interp, objc, objv, 5, "-atn", &atn, 0, 1) != TCL_OK)
        return TCL_ERROR;
    if (t < 0 || t >= (long)MC_SPI_MAX_ID || lba < 0 || lba > UINT32_MAX || blocks < 1 || blocks > (long)MAX_BLOCKS)
        return err_result(interp, what, "target, lba or blocks out of range");
    mc_spi_op op = {.kind = kind, .target = (uint8_t)t, .lba = (uint32_t)lba, .blocks = (uint32_t)blocks,
                    .block_size = BLOCK, .no_atn = !atn};
    if (kind == MC_OP_WRITE) {
        op.data = keep_data(s, (uint32_t)lba, (uint32_t)blocks, seed);
    } else { /* the data read, then the data expected (the first half starts zeroed) */
        uint8_t *d = keep_data(s, (uint32_t)lba, 2 * (uint32_t)blocks, seed);
        if (d) {
            fill(d + (size_t)blocks * BLOCK, (uint32_t)lba, (uint32_t)blocks, seed);
            memset(d, 0, (size_t)blocks * BLOCK);
        }
        op.rdata = d;
    }
    if (!op.data && !op.rdata)
        return err_result(interp, what, "out of memory");
    return queue(interp, s, &op);
}

/* spi write BUS TARGET LBA BLOCKS ?-seed S? ?-atn 0|1?: one conventional WRITE(10). */
static int cmd_write(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    return rw_op(interp, objc, objv, MC_OP_WRITE);
}

/* spi read BUS TARGET LBA BLOCKS ?-seed S? ?-atn 0|1?: one conventional READ(10); `spi op` tells
 * whether it returned what a write of seed S stored. */
static int cmd_read(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    return rw_op(interp, objc, objv, MC_OP_READ);
}

/* spi silent BUS ORDER LBA BLOCKS ?-status 0|1? ?-seed S?: ORDER lists SCSI IDs, leader first. */
static int cmd_silent(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char *const opts[] = {"-status", "-seed", NULL};
    long lba, blocks, seed = 1, status = 1;
    int n;
    Tcl_Obj **ids;
    if (objc < 5) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus order lba blocks ?-status 0|1? ?-seed S?");
        return TCL_ERROR;
    }
    mc_spi_sim *s = live_sim(interp, objv[1]);
    if (!s || need_host(interp, s) != TCL_OK || Tcl_ListObjGetElements(interp, objv[2], &n, &ids) != TCL_OK ||
        Tcl_GetLongFromObj(interp, objv[3], &lba) != TCL_OK || Tcl_GetLongFromObj(interp, objv[4], &blocks) != TCL_OK ||
        opt_check(interp, objc, objv, 5, opts) != TCL_OK || opt_int(interp, objc, objv, 5, "-seed", &seed, 0, MAX_SEED) != TCL_OK ||
        opt_int(interp, objc, objv, 5, "-status", &status, 0, 1) != TCL_OK)
        return TCL_ERROR;
    if (n < 1 || n > (int)MC_SPI_MAX_ID || lba < 0 || lba > UINT32_MAX || blocks < 1 || blocks > (long)MAX_BLOCKS)
        return err_result(interp, "silent", "order, lba or blocks out of range");
    mc_spi_op op = {.kind = MC_OP_SILENT, .lba = (uint32_t)lba, .blocks = (uint32_t)blocks, .block_size = BLOCK,
                    .n = (unsigned)n, .status_now = status};
    for (int i = 0; i < n; i++) {
        long id;
        if (Tcl_GetLongFromObj(interp, ids[i], &id) != TCL_OK)
            return TCL_ERROR;
        if (id < 0 || id >= (long)MC_SPI_MAX_ID)
            return err_result(interp, "silent", "ID out of range");
        op.order[i] = (uint8_t)id;
    }
    op.target = op.order[0];
    op.data = keep_data(s, (uint32_t)lba, (uint32_t)blocks, seed);
    if (!op.data)
        return err_result(interp, "silent", "out of memory");
    return queue(interp, s, &op);
}

/* spi fail BUS ID N: the disk's next N writes end in MEDIUM ERROR. */
static int cmd_fail(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    long id, n;
    if (objc != 4) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus id count");
        return TCL_ERROR;
    }
    mc_spi_sim *s = live_sim(interp, objv[1]);
    if (!s || Tcl_GetLongFromObj(interp, objv[2], &id) != TCL_OK || Tcl_GetLongFromObj(interp, objv[3], &n) != TCL_OK)
        return TCL_ERROR;
    if (id < 0 || id >= (long)MC_SPI_MAX_ID || !s->disk[id] || n < 0)
        return err_result(interp, "fail", "no such disk");
    mc_spi_disk_fail_writes(s->disk[id], (unsigned)n);
    return TCL_OK;
}

/* spi run BUS: runs every queued op; returns the simulated time at the end. */
static int cmd_run(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus");
        return TCL_ERROR;
    }
    mc_spi_sim *s = live_sim(interp, objv[1]);
    if (!s || need_host(interp, s) != TCL_OK)
        return TCL_ERROR;
    char err[256];
    if (mc_spi_host_run(s->host, err, sizeof err) < 0)
        return err_result(interp, "run", err);
    Tcl_SetObjResult(interp, Tcl_NewWideIntObj((Tcl_WideInt)mc_spi_now(s->bus)));
    return TCL_OK;
}

static const char *op_kind(int k)
{
    static const char *const n[] = {"negotiate", "discover", "write", "read", "silent"};
    return k >= 0 && k <= MC_OP_SILENT ? n[k] : "?";
}

/* spi op BUS INDEX: {kind state err status agreed target retransfer ?read? order pstatus} of one
 * operation; read (READ(10) only): 1 when it returned the data `spi read -seed` expects. */
static int cmd_op(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    long idx;
    if (objc != 3) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus index");
        return TCL_ERROR;
    }
    mc_spi_sim *s = live_sim(interp, objv[1]);
    if (!s || need_host(interp, s) != TCL_OK || Tcl_GetLongFromObj(interp, objv[2], &idx) != TCL_OK)
        return TCL_ERROR;
    if (idx < 0)
        idx += (long)mc_spi_host_op_count(s->host);
    const mc_spi_op *op = mc_spi_host_op(s->host, (size_t)idx);
    if (!op)
        return err_result(interp, "op", "no such operation");
    Tcl_Obj *d = Tcl_NewDictObj(), *order = Tcl_NewListObj(0, NULL), *ps = Tcl_NewListObj(0, NULL);
    static const char *const st[] = {"queued", "ok", "failed"};
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("kind", -1), Tcl_NewStringObj(op_kind(op->kind), -1));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("state", -1), Tcl_NewStringObj(st[op->state], -1));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("err", -1), Tcl_NewStringObj(op->err, -1));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("status", -1), Tcl_NewIntObj(op->status));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("agreed", -1), Tcl_NewBooleanObj(op->agreed));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("target", -1), Tcl_NewIntObj(op->target));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("retransfer", -1), Tcl_NewBooleanObj(op->retransfer));
    if (op->kind == MC_OP_READ) { /* the data read against the data expected (rw_op) */
        size_t len = (size_t)op->blocks * op->block_size;
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("read", -1),
                       Tcl_NewBooleanObj(memcmp(op->rdata, op->rdata + len, len) == 0));
    }
    for (unsigned i = 0; i < op->n; i++) {
        Tcl_ListObjAppendElement(NULL, order, Tcl_NewIntObj(op->order[i]));
        Tcl_ListObjAppendElement(NULL, ps, op->pgot[i] ? Tcl_NewIntObj(op->pstatus[i]) : Tcl_NewStringObj("none", -1));
    }
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("order", -1), order);
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("pstatus", -1), ps);
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}

/* spi ops BUS: how many operations were queued so far. */
static int cmd_ops(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    mc_spi_sim *s = objc == 2 ? live_sim(interp, objv[1]) : NULL;
    if (!s)
        return objc == 2 ? TCL_ERROR : (Tcl_WrongNumArgs(interp, 1, objv, "bus"), TCL_ERROR);
    Tcl_SetObjResult(interp, Tcl_NewWideIntObj(s->host ? (Tcl_WideInt)mc_spi_host_op_count(s->host) : 0));
    return TCL_OK;
}

/* spi holds BUS ID LBA BLOCKS ?-seed S?: 1 when the disk stores what a write with that seed sent. */
static int cmd_holds(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char *const opts[] = {"-seed", NULL};
    long id, lba, blocks, seed = 1;
    if (objc < 5) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus id lba blocks ?-seed S?");
        return TCL_ERROR;
    }
    mc_spi_sim *s = live_sim(interp, objv[1]);
    if (!s || Tcl_GetLongFromObj(interp, objv[2], &id) != TCL_OK || Tcl_GetLongFromObj(interp, objv[3], &lba) != TCL_OK ||
        Tcl_GetLongFromObj(interp, objv[4], &blocks) != TCL_OK || opt_check(interp, objc, objv, 5, opts) != TCL_OK ||
        opt_int(interp, objc, objv, 5, "-seed", &seed, 0, MAX_SEED) != TCL_OK)
        return TCL_ERROR;
    if (id < 0 || id >= (long)MC_SPI_MAX_ID || !s->disk[id] || lba < 0 || blocks < 1 || blocks > (long)MAX_BLOCKS)
        return err_result(interp, "holds", "no such disk or extent");
    uint8_t *want = malloc((size_t)blocks * BLOCK), *got = malloc((size_t)blocks * BLOCK);
    bool same = false;
    if (want && got) {
        fill(want, (uint32_t)lba, (uint32_t)blocks, seed);
        same = mc_lun_pread(mc_lun_set_get(s->luns[id], 0), got, (size_t)blocks * BLOCK, (uint64_t)lba * BLOCK) == 0 &&
               memcmp(want, got, (size_t)blocks * BLOCK) == 0;
    }
    free(want);
    free(got);
    Tcl_SetObjResult(interp, Tcl_NewBooleanObj(same));
    return TCL_OK;
}

/* spi gid BUS ID: the group/ID the disk accepted at discovery, -1 if none. */
static int cmd_gid(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    long id;
    if (objc != 3) {
        Tcl_WrongNumArgs(interp, 1, objv, "bus id");
        return TCL_ERROR;
    }
    mc_spi_sim *s = live_sim(interp, objv[1]);
    if (!s || Tcl_GetLongFromObj(interp, objv[2], &id) != TCL_OK)
        return TCL_ERROR;
    if (id < 0 || id >= (long)MC_SPI_MAX_ID || !s->disk[id])
        return err_result(interp, "gid", "no such disk");
    Tcl_SetObjResult(interp, Tcl_NewIntObj(mc_spi_disk_gid(s->disk[id])));
    return TCL_OK;
}

/* spi now BUS: simulated time in ns. */
static int cmd_now(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    mc_spi_sim *s = objc == 2 ? live_sim(interp, objv[1]) : NULL;
    if (!s)
        return objc == 2 ? TCL_ERROR : (Tcl_WrongNumArgs(interp, 1, objv, "bus"), TCL_ERROR);
    Tcl_SetObjResult(interp, Tcl_NewWideIntObj((Tcl_WideInt)mc_spi_now(s->bus)));
    return TCL_OK;
}

/* spi mutants: a dict per mutant switch, the common format's {name roles clause breaks} and the
 * simulator's side (host or target) and checker rule. */
static int cmd_mutants(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (size_t i = 0; i < mc_spi_nmutants; i++) {
        const mc_mutant_def *m = &mc_spi_mutants[i];
        Tcl_Obj *d = Tcl_NewDictObj();
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("name", -1), Tcl_NewStringObj(m->name, -1));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("roles", -1), Tcl_NewStringObj(m->roles, -1));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("clause", -1), Tcl_NewStringObj(m->clause, -1));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("breaks", -1), Tcl_NewStringObj(m->breaks, -1));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("side", -1),
                       Tcl_NewStringObj(mc_spi_mutant_side(i) == MC_SPI_SIDE_HOST ? "host" : "target", -1));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("rule", -1), Tcl_NewStringObj(mc_spi_mutant_rule(i), -1));
        Tcl_ListObjAppendElement(NULL, l, d);
    }
    Tcl_SetObjResult(interp, l);
    return TCL_OK;
}

/* spi close BUS */
static int cmd_close(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    mc_spi_sim *s = objc == 2 ? mc_spi_sim_get(interp, objv[1]) : NULL;
    if (!s)
        return objc == 2 ? TCL_ERROR : (Tcl_WrongNumArgs(interp, 1, objv, "bus"), TCL_ERROR);
    if (s->vcd) {
        char err[128];
        int rc = mc_spi_vcd_close(s->vcd, err, sizeof err);
        s->vcd = NULL;
        if (rc < 0) {
            sim_close(interp, s);
            return err_result(interp, "close", err);
        }
    }
    sim_close(interp, s);
    return TCL_OK;
}

int mc_mod_spi_init(Tcl_Interp *interp)
{
    static const struct mc_subcommand table[] = {
        {"new", cmd_new}, {"host", cmd_host}, {"disk", cmd_disk}, {"discover", cmd_discover},
        {"write", cmd_write}, {"read", cmd_read}, {"silent", cmd_silent}, {"fail", cmd_fail}, {"run", cmd_run},
        {"op", cmd_op}, {"ops", cmd_ops}, {"holds", cmd_holds}, {"gid", cmd_gid}, {"now", cmd_now},
        {"mutants", cmd_mutants}, {"close", cmd_close}, {"events", mc_spi_cmd_events},
        {"findings", mc_spi_cmd_findings}, {"count", mc_spi_cmd_count}, {"match", mc_spi_cmd_match},
        {"record", mc_spi_cmd_record}, {"load", mc_spi_cmd_load}, {"checks", mc_spi_cmd_checks},
        {"strip", mc_spi_cmd_strip},
        {NULL, NULL},
    };
    mc_spi_mod *m = calloc(1, sizeof *m);
    if (!m) {
        Tcl_SetObjResult(interp, Tcl_NewStringObj("spi: out of memory", -1));
        return TCL_ERROR;
    }
    Tcl_SetAssocData(interp, ASSOC_KEY, mod_free, m);
    return mc_ensemble_create(interp, "spi", table, m);
}
