/* Host adapter (initiator): arbitration, selection with or without ATN, answering REQs in every
 * phase, reselection, deadlines and bus reset. What each operation sends is in host_ops.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_internal.h"

#define DB_ALL (MC_SPI_DB_MASK | MC_SPI_DBP | MC_SPI_DBP1)
#define OPS_INITIAL 64u

static void host_wake(void *ctx, mc_spi_bus *bus, unsigned why);

int mc_spi_host_new(mc_spi_host **out, mc_spi_bus *bus, const mc_spi_host_config *cfg, char *err,
                    size_t errlen)
{
    mc_spi_host *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->bus = bus;
    h->cfg = *cfg;
    h->id = cfg->id;
    if (!h->cfg.wait_ns)
        h->cfg.wait_ns = mc_spi_bus_params(bus)->selection_timeout;
    for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
        h->gid_of[i] = -1;
    if (mc_spi_bus_attach(bus, cfg->id, host_wake, h, err, errlen) < 0) {
        free(h);
        return -1;
    }
    mc_spi_watch(bus, h->id, MC_SPI_RST);
    *out = h;
    return 0;
}

void mc_spi_host_free(mc_spi_host *h)
{
    if (!h)
        return;
    free(h->ops);
    free(h);
}

static int push_op(mc_spi_host *h, const mc_spi_op *op, char *err, size_t errlen)
{
    if (h->nops == h->capops) {
        size_t cap = h->capops ? 2 * h->capops : OPS_INITIAL;
        mc_spi_op *o = realloc(h->ops, cap * sizeof *o);
        if (!o) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        h->ops = o;
        h->capops = cap;
    }
    mc_spi_op *o = &h->ops[h->nops];
    *o = *op;
    o->state = MC_OP_QUEUED;
    o->err[0] = 0;
    memset(o->pgot, 0, sizeof o->pgot);
    return (int)h->nops++;
}

int mc_spi_host_queue(mc_spi_host *h, const mc_spi_op *op, char *err, size_t errlen)
{
    if (op->target >= MC_SPI_MAX_ID || op->target == h->id) {
        snprintf(err, errlen, "target ID %u invalid for host %u", op->target, h->id);
        return -1;
    }
    if ((op->kind == MC_OP_WRITE || op->kind == MC_OP_SILENT) && !op->data) {
        snprintf(err, errlen, "write without data");
        return -1;
    }
    if (op->kind == MC_OP_SILENT && (op->n == 0 || op->n > MC_SPI_MAX_ID)) {
        snprintf(err, errlen, "silent op with %u participants", op->n);
        return -1;
    }
    if (op->blocks > UINT16_MAX || (op->block_size == 0 && op->kind != MC_OP_NEGOTIATE &&
                                    op->kind != MC_OP_DISCOVER)) {
        snprintf(err, errlen, "op of %u blocks of %u bytes not expressible", op->blocks,
                 op->block_size);
        return -1;
    }
    if (op->kind == MC_OP_SILENT && op->n > 1 && (h->cfg.mutants & MC_MUT_SELECT_PARTICIPANT)) {
        int first = -1;
        for (unsigned i = 0; i < op->n; i++) { /* mutant: a full nexus with every participant */
            mc_spi_op one = *op;
            one.n = 1;
            one.order[0] = one.target = op->order[i];
            int r = push_op(h, &one, err, errlen);
            if (r < 0)
                return -1;
            if (first < 0)
                first = r;
        }
        return first;
    }
    return push_op(h, op, err, errlen);
}

int mc_spi_host_queue_retx(mc_spi_host *h, const mc_spi_op *op)
{
    char err[64];
    return push_op(h, op, err, sizeof err);
}

const mc_spi_op *mc_spi_host_op(const mc_spi_host *h, size_t idx)
{
    return idx < h->nops ? &h->ops[idx] : NULL;
}
size_t mc_spi_host_op_count(const mc_spi_host *h) { return h->nops; }
int mc_spi_host_gid_of(const mc_spi_host *h, unsigned target)
{
    return target < MC_SPI_MAX_ID ? h->gid_of[target] : -1;
}
uint64_t mc_spi_host_busy_ns(const mc_spi_host *h) { return h->t_last - h->t_first; }

static void drive(mc_spi_host *h, uint32_t w) { mc_spi_drive(h->bus, h->id, w); }
static void rearm(mc_spi_host *h) { mc_spi_timer(h->bus, h->id, h->cfg.wait_ns); }

void host_mo_put(mc_spi_host *h, const uint8_t *m, size_t n)
{
    if (h->mo_len + n > sizeof h->mo)
        return; /* bounded by construction: ops never queue more than two messages at a time */
    memcpy(h->mo + h->mo_len, m, n);
    h->mo_len += n;
    h->atn = true;
}

void host_next_op(mc_spi_host *h)
{
    h->t_last = mc_spi_now(h->bus);
    if (h->cur >= h->nops) {
        h->st = H_IDLE;
        mc_spi_watch(h->bus, h->id, MC_SPI_RST);
        mc_spi_timer_cancel(h->bus, h->id);
        return;
    }
    if (!h->started) {
        h->started = true;
        h->t_first = mc_spi_now(h->bus);
    }
    mc_spi_op *op = &h->ops[h->cur];
    h->mo_len = h->mo_pos = h->cdb_len = h->cdb_pos = 0;
    h->dout = NULL;
    h->dout_len = h->dout_pos = h->din_len = h->din_pos = 0;
    h->din = NULL;
    h->atn = false;
    h->sm_idx = 0;
    h->release_sent = false;
    h->statuses_due = 0;
    host_prepare(h, op);
    h->target = op->target;
    h->st = H_ARB;
    mc_spi_arb_start(&h->arb, h->bus, h->id, MC_SPI_RST);
}

void host_wait_resel(mc_spi_host *h)
{
    h->st = H_WAIT_RESEL;
    mc_spi_watch(h->bus, h->id, MC_SPI_RST | MC_SPI_SEL | MC_SPI_BSY | MC_SPI_IO);
    rearm(h);
}

static void bus_reset(mc_spi_host *h, const char *why)
{
    if (h->cur < h->nops)
        host_op_finish(h, &h->ops[h->cur], MC_OP_FAILED, why);
    mc_spi_arb_stop(&h->arb);
    h->st = H_RESET;
    drive(h, MC_SPI_RST);
    mc_spi_watch(h->bus, h->id, 0);
    mc_spi_timer(h->bus, h->id, mc_spi_bus_params(h->bus)->reset_hold);
}

static bool sync_phase(const mc_spi_host *h, uint32_t v)
{
    uint32_t ph = v & MC_SPI_PHASE_MASK;
    return (ph == MC_SPI_DATA_OUT || ph == MC_SPI_DATA_IN) && h->sync_agreed[h->target];
}

/* The initiator's half of one REQ/ACK handshake: put or take the byte(s), then assert ACK. */
static void respond(mc_spi_host *h, uint32_t v)
{
    mc_spi_op *op = &h->ops[h->cur];
    const mc_spi_params *p = mc_spi_bus_params(h->bus);
    bool sync = sync_phase(h, v);
    unsigned width = sync ? p->sync_width : 1;
    uint32_t out = 0;
    uint16_t db = MC_SPI_DB(v);
    switch (v & MC_SPI_PHASE_MASK) {
    case MC_SPI_MSG_OUT: {
        uint8_t b = h->mo_pos < h->mo_len ? h->mo[h->mo_pos++] : MC_MSG_NO_OPERATION;
        if (h->mo_pos >= h->mo_len) { /* ATN falls before ACK of the last byte */
            h->atn = false;
            h->mo_len = h->mo_pos = 0;
        }
        out = mc_spi_db_byte(b);
        break;
    }
    case MC_SPI_COMMAND:
        out = mc_spi_db_byte(h->cdb_pos < h->cdb_len ? h->cdb[h->cdb_pos++] : 0);
        break;
    case MC_SPI_DATA_OUT: {
        uint16_t w = 0;
        for (unsigned i = 0; i < width; i++)
            if (h->dout_pos + i < h->dout_len)
                w |= (uint16_t)(h->dout[h->dout_pos + i] << (8 * i));
        h->dout_pos += width;
        out = width == 2 ? mc_spi_db_word(w) : mc_spi_db_byte((uint8_t)w);
        if (h->dout_pos >= h->dout_len && op->kind == MC_OP_SILENT)
            host_block_end(h, op); /* ATN with the last ACK of the block */
        break;
    }
    case MC_SPI_DATA_IN:
        for (unsigned i = 0; i < width; i++)
            if (h->din && h->din_pos < h->din_len)
                h->din[h->din_pos++] = (uint8_t)(db >> (8 * i));
        break;
    case MC_SPI_STATUS:
        h->status = (uint8_t)db;
        h->got_status = true;
        break;
    case MC_SPI_MSG_IN:
        if (h->mi_len < sizeof h->mi)
            h->mi[h->mi_len++] = (uint8_t)db;
        if (mc_spi_msg_len(h->mi, h->mi_len) && mc_spi_msg_len(h->mi, h->mi_len) <= h->mi_len) {
            host_mi(h, op);
            h->mi_len = 0;
        } else if (h->mi_len == sizeof h->mi) {
            h->mi_len = 0;
            uint8_t rej = MC_MSG_MESSAGE_REJECT;
            host_mo_put(h, &rej, 1);
        }
        break;
    default:
        break;
    }
    drive(h, out | MC_SPI_ACK | (h->atn ? MC_SPI_ATN : 0));
}

static void drop_ack(mc_spi_host *h)
{
    uint32_t w = mc_spi_driven(h->bus, h->id) & ~(MC_SPI_ACK | DB_ALL);
    drive(h, (w & ~MC_SPI_ATN) | (h->atn ? MC_SPI_ATN : 0));
}

static void connected(mc_spi_host *h, bool by_resel)
{
    h->st = H_CONN;
    h->resel_conn = by_resel;
    h->req_seen = h->resp_pending = h->nack_pending = false;
    h->got_status = h->got_cc = h->got_disc = false;
    h->mi_len = 0;
    mc_spi_watch(h->bus, h->id, MC_SPI_RST | MC_SPI_REQ | MC_SPI_BSY | MC_SPI_SEL);
    rearm(h);
}

static int reselected_by(const mc_spi_host *h, uint32_t v)
{
    if (!(v & MC_SPI_SEL) || !(v & MC_SPI_IO) || (v & MC_SPI_BSY))
        return -1;
    uint16_t db = MC_SPI_DB(v);
    if (!(db & (1u << h->id)))
        return -1;
    db &= (uint16_t)~(1u << h->id);
    if (!db || (db & (db - 1)))
        return -1;
    return __builtin_ctz(db);
}

static void conn_wake(mc_spi_host *h, uint32_t v, unsigned why)
{
    const mc_spi_params *p = mc_spi_bus_params(h->bus);
    if (why == MC_SPI_WAKE_TIMER) {
        if (h->resp_pending) {
            h->resp_pending = false;
            respond(h, mc_spi_lines(h->bus));
            rearm(h);
        } else if (h->nack_pending) {
            h->nack_pending = false;
            drop_ack(h);
            rearm(h);
        } else {
            bus_reset(h, "no bus activity within the host's wait limit");
        }
        return;
    }
    if (!(v & (MC_SPI_BSY | MC_SPI_SEL))) { /* BUS FREE */
        drive(h, 0);
        mc_spi_timer_cancel(h->bus, h->id);
        host_conn_over(h, &h->ops[h->cur]);
        return;
    }
    bool req = (v & MC_SPI_REQ) != 0;
    if (req == h->req_seen)
        return;
    h->req_seen = req;
    if (req) {
        if (sync_phase(h, v)) {
            respond(h, v);
            rearm(h);
        } else {
            h->resp_pending = true;
            mc_spi_timer(h->bus, h->id, mc_spi_edge(p));
        }
    } else {
        if (sync_phase(h, v)) {
            drop_ack(h);
        } else {
            h->nack_pending = true;
            mc_spi_timer(h->bus, h->id, mc_spi_edge(p));
        }
    }
}

static void host_wake(void *ctx, mc_spi_bus *bus, unsigned why)
{
    mc_spi_host *h = ctx;
    const mc_spi_params *p = mc_spi_bus_params(bus);
    uint32_t v = mc_spi_lines(bus);
    if (h->st == H_RESET) {
        if (why == MC_SPI_WAKE_TIMER) {
            drive(h, 0);
            h->cur++;
            host_next_op(h);
        }
        return;
    }
    if ((v & MC_SPI_RST) && !(mc_spi_driven(bus, h->id) & MC_SPI_RST)) {
        mc_spi_arb_stop(&h->arb);
        drive(h, 0);
        if (h->cur < h->nops)
            host_op_finish(h, &h->ops[h->cur], MC_OP_FAILED, "bus reset by another device");
        h->st = H_RESET;
        mc_spi_timer(bus, h->id, p->reset_hold);
        return;
    }
    switch (h->st) {
    case H_ARB:
        if (mc_spi_arb_wake(&h->arb, bus, why) != ARB_WON)
            return;
        drive(h, MC_SPI_BSY | MC_SPI_SEL | mc_spi_id_bit(h->id) | mc_spi_id_bit(h->target) |
                     (h->atn ? MC_SPI_ATN : 0));
        h->st = H_SEL_DESKEW;
        mc_spi_watch(bus, h->id, MC_SPI_RST);
        mc_spi_timer(bus, h->id, MC_SPI_SELECT_DESKEWS * p->deskew);
        return;
    case H_SEL_DESKEW:
        if (why != MC_SPI_WAKE_TIMER)
            return;
        drive(h, mc_spi_driven(bus, h->id) & ~MC_SPI_BSY);
        h->st = H_SEL_WAIT_BSY;
        mc_spi_watch(bus, h->id, MC_SPI_RST | MC_SPI_BSY);
        mc_spi_timer(bus, h->id, p->selection_timeout);
        return;
    case H_SEL_WAIT_BSY:
        if (why == MC_SPI_WAKE_TIMER) { /* selection time-out: release DB and ATN, then SEL */
            drive(h, 0);
            host_op_finish(h, &h->ops[h->cur], MC_OP_FAILED, "selection time-out");
            h->cur++;
            host_next_op(h);
            return;
        }
        if (v & MC_SPI_BSY) {
            h->st = H_SEL_RELEASE;
            mc_spi_watch(bus, h->id, MC_SPI_RST);
            mc_spi_timer(bus, h->id, MC_SPI_SELECT_DESKEWS * p->deskew);
        }
        return;
    case H_SEL_RELEASE:
        if (why != MC_SPI_WAKE_TIMER)
            return;
        drive(h, h->atn ? MC_SPI_ATN : 0);
        connected(h, false);
        return;
    case H_CONN:
        conn_wake(h, v, why);
        return;
    case H_WAIT_RESEL: {
        if (why == MC_SPI_WAKE_TIMER) {
            host_op_finish(h, &h->ops[h->cur], MC_OP_FAILED, "status reselection missing");
            h->cur++;
            host_next_op(h);
            return;
        }
        int t = reselected_by(h, v);
        if (t >= 0) {
            h->target = (unsigned)t;
            h->st = H_RESEL_SETTLE;
            mc_spi_timer(bus, h->id, p->bus_settle);
        }
        return;
    }
    case H_RESEL_SETTLE:
        if (why != MC_SPI_WAKE_TIMER) {
            if (reselected_by(h, v) < 0) /* reselection withdrawn */
                host_wait_resel(h);
            return;
        }
        if (reselected_by(h, v) != (int)h->target) {
            host_wait_resel(h);
            return;
        }
        drive(h, MC_SPI_BSY);
        h->st = H_RESEL_WAIT_SELFREE;
        mc_spi_watch(bus, h->id, MC_SPI_RST | MC_SPI_SEL);
        rearm(h);
        return;
    case H_RESEL_WAIT_SELFREE:
        if (why == MC_SPI_WAKE_TIMER) {
            bus_reset(h, "reselecting target kept SEL asserted");
            return;
        }
        if (!(v & MC_SPI_SEL)) {
            drive(h, 0);
            connected(h, true);
        }
        return;
    default:
        return;
    }
}

static bool host_done(void *ctx)
{
    const mc_spi_host *h = ctx;
    return h->cur >= h->nops && h->st == H_IDLE;
}

int mc_spi_host_run(mc_spi_host *h, char *err, size_t errlen)
{
    if (h->st == H_IDLE && h->cur < h->nops)
        host_next_op(h);
    int r = mc_spi_run(h->bus, UINT64_MAX, host_done, h);
    if (r == MC_SPI_RUN_DONE)
        return 0;
    snprintf(err, errlen, "bus went idle with %zu of %zu operations unfinished (state %d)",
             h->nops - h->cur, h->nops, h->st);
    return -1;
}
