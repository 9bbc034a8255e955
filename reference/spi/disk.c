/* Disk target: selection, the information-phase engine (interlocked and synchronous REQ/ACK),
 * messages, commands on the LUN core, disconnect and reselection. Silent roles live in silent.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_internal.h"

#define DEFAULT_MAX_XFER (4u << 20)
#define CDB_GROUP_SHIFT 5u
#define PS_PER_NS 1000u
#define WRITE10 0x2au
#define WRITE16 0x8au
#define WRITE6 0x0au
#define BLOCK_SIZE_FALLBACK 512u
#define DB_ALL (MC_SPI_DB_MASK | MC_SPI_DBP | MC_SPI_DBP1)
#define TARGET_LINES (MC_SPI_PHASE_MASK | MC_SPI_PHASE_EN | MC_SPI_REQ | DB_ALL)

static void disk_wake(void *ctx, mc_spi_bus *bus, unsigned why);

/* SPC-4 4.3.2: CDB length from the operation code's group. 0 = reserved group. */
static size_t cdb_len_for(uint8_t op)
{
    switch (op >> CDB_GROUP_SHIFT) {
    case 0: return 6;
    case 1:
    case 2: return 10;
    case 4: return 16;
    case 5: return 12;
    default: return 0;
    }
}

void disk_set_drive(mc_spi_disk *d, uint32_t set, uint32_t clear)
{
    uint32_t w = mc_spi_driven(d->bus, d->id);
    mc_spi_drive(d->bus, d->id, (w & ~clear) | set);
}

uint32_t disk_idle_watch(const mc_spi_disk *d)
{
    uint32_t w = MC_SPI_RST | MC_SPI_SEL | MC_SPI_BSY;
    if (d->sm.gid >= 0 || d->sm.in_op)
        w |= MC_SPI_MSG | MC_SPI_CD | MC_SPI_IO | (d->sm.snoop_ack ? MC_SPI_ACK : 0);
    return w;
}

/* A connected target waits for its initiator at most a selection time-out, then frees the bus:
 * a silent or wedged initiator costs this connection, never the simulation. */
void disk_wait_limit(mc_spi_disk *d)
{
    mc_spi_timer(d->bus, d->id, mc_spi_bus_params(d->bus)->selection_timeout);
}

static void go_idle(mc_spi_disk *d)
{
    d->st = ST_IDLE;
    mc_spi_watch(d->bus, d->id, disk_idle_watch(d));
}

void disk_release_all(mc_spi_disk *d)
{
    mc_spi_drive(d->bus, d->id, 0);
    go_idle(d);
}

void disk_give_up(mc_spi_disk *d)
{
    d->stats.timeouts++;
    d->mi_len = d->mi_pos = d->mo_len = 0;
    sm_reset(d);
    mc_spi_timer_cancel(d->bus, d->id);
    disk_release_all(d);
}

void disk_queue_mi(mc_spi_disk *d, const uint8_t *m, size_t n)
{
    if (d->mi_len + n > sizeof d->mi)
        return; /* bounded: our own messages never come near this */
    memcpy(d->mi + d->mi_len, m, n);
    d->mi_len += n;
}

static void queue_mi1(mc_spi_disk *d, uint8_t b) { disk_queue_mi(d, &b, 1); }

int mc_spi_disk_new(mc_spi_disk **out, mc_spi_bus *bus, const mc_spi_disk_config *cfg, char *err,
                    size_t errlen)
{
    if (!cfg->luns) {
        snprintf(err, errlen, "disk %u has no logical units", cfg->id);
        return -1;
    }
    mc_spi_disk *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->bus = bus;
    d->cfg = *cfg;
    if (!d->cfg.max_xfer)
        d->cfg.max_xfer = DEFAULT_MAX_XFER;
    d->id = cfg->id;
    d->sm.gid = -1;
    if (mc_spi_bus_attach(bus, cfg->id, disk_wake, d, err, errlen) < 0) {
        free(d);
        return -1;
    }
    go_idle(d);
    *out = d;
    return 0;
}

void mc_spi_disk_free(mc_spi_disk *d)
{
    if (!d)
        return;
    free(d->buf);
    free(d);
}

void mc_spi_disk_fail_writes(mc_spi_disk *d, unsigned n) { d->fail_left = n; }
int mc_spi_disk_gid(const mc_spi_disk *d) { return d->sm.gid; }
mc_spi_disk_stats mc_spi_disk_stats_get(const mc_spi_disk *d) { return d->stats; }

static int ensure_buf(mc_spi_disk *d, size_t n)
{
    if (n <= d->buf_cap)
        return 0;
    uint8_t *b = realloc(d->buf, n);
    if (!b)
        return -1;
    d->buf = b;
    d->buf_cap = n;
    return 0;
}

static bool is_write(const uint8_t *cdb) { return cdb[0] == WRITE10 || cdb[0] == WRITE16 || cdb[0] == WRITE6; }

/* Executes on the LUN core; an injected fault turns a write into MEDIUM ERROR, nothing written. */
static void exec_cdb(mc_spi_disk *d, const uint8_t *cdb, size_t cdb_len, const uint8_t *out,
                     size_t out_len, mc_scsi_result *res)
{
    memset(res, 0, sizeof *res);
    if (is_write(cdb) && d->fail_left) {
        d->fail_left--;
        mc_scsi_set_sense(res, MC_SK_MEDIUM_ERROR, MC_ASC_WRITE_ERROR);
        return;
    }
    mc_lun_set_execute(d->cfg.luns, d->lun, cdb, cdb_len, out, out_len, d->buf, d->buf_cap, res);
}

int disk_write_blocks(mc_spi_disk *d, uint8_t lun, uint32_t lba, uint32_t blocks, mc_scsi_result *res)
{
    uint8_t cdb[MC_CDB10_LEN];
    mc_spi_cdb_rw10(cdb, true, lba, (uint16_t)blocks);
    d->lun = lun;
    exec_cdb(d, cdb, sizeof cdb, d->buf, d->len, res);
    return res->status == MC_SAM_GOOD ? 0 : -1;
}

/* ---- transfer engine ---- */

static uint8_t out_byte(const mc_spi_disk *d, size_t i) { return i < d->len ? d->src[i] : 0; }

static uint32_t db_for(const mc_spi_disk *d, uint32_t v)
{
    if (d->cfg.mutants & MC_MUT_BAD_PARITY)
        v ^= MC_SPI_DBP;
    return v;
}

static void async_req(mc_spi_disk *d)
{
    uint32_t set = MC_SPI_REQ;
    if (d->in)
        set |= db_for(d, mc_spi_db_byte(out_byte(d, d->pos)));
    disk_set_drive(d, set, DB_ALL);
    d->st = ST_ASYNC;
    d->ax = AX_WAIT_ACK;
    mc_spi_watch(d->bus, d->id, MC_SPI_RST | MC_SPI_ACK);
    disk_wait_limit(d);
}

static uint64_t sync_edge(const mc_spi_disk *d, uint64_t k, bool half)
{
    uint64_t period = mc_spi_bus_params(d->bus)->sync_period_ps;
    return d->sync_t0 + (k * period + (half ? period / 2 : 0)) / PS_PER_NS;
}

static unsigned sync_width(const mc_spi_disk *d) { return mc_spi_bus_params(d->bus)->sync_width; }

static void sync_raise(mc_spi_disk *d)
{
    uint32_t set = MC_SPI_REQ;
    if (d->in) {
        uint16_t w = out_byte(d, d->pos);
        if (sync_width(d) == 2)
            w |= (uint16_t)(out_byte(d, d->pos + 1) << 8);
        set |= db_for(d, sync_width(d) == 2 ? mc_spi_db_word(w) : mc_spi_db_byte((uint8_t)w));
    }
    disk_set_drive(d, set, DB_ALL);
    d->sync_req_high = true;
    mc_spi_timer(d->bus, d->id, sync_edge(d, d->sync_k, true) - mc_spi_now(d->bus));
}

static void data_done(mc_spi_disk *d);

static void sync_fall(mc_spi_disk *d)
{
    uint32_t v = mc_spi_lines(d->bus);
    unsigned w = sync_width(d);
    if (!d->in) {
        if (!(v & MC_SPI_ACK) || !mc_spi_parity_ok(v, w == 2))
            d->stats.parity_errors += (v & MC_SPI_ACK) ? 1 : 0;
        uint16_t db = MC_SPI_DB(v);
        for (unsigned i = 0; i < w && d->pos + i < d->len; i++)
            d->dst[d->pos + i] = (uint8_t)(db >> (8 * i));
    }
    disk_set_drive(d, 0, MC_SPI_REQ | DB_ALL);
    d->sync_req_high = false;
    d->pos += w;
    d->sync_k++;
    uint64_t next = sync_edge(d, d->sync_k, false);
    mc_spi_timer(d->bus, d->id, next - mc_spi_now(d->bus));
    if (d->pos >= d->len) {
        d->st = ST_SYNC_DRAIN;
        d->drain_armed = false;
    }
}

static void start_xfer(mc_spi_disk *d)
{
    d->pos = 0;
    switch (d->xkind) {
    case X_MSG_OUT: d->in = false; d->len = MC_MSG_MAX; break;
    case X_COMMAND: d->in = false; d->len = MC_CDB_MAX; d->cdb_len = 0; d->cdb_need = 0; break;
    case X_DATA_OUT: d->in = false; d->dst = d->buf; break;
    case X_DATA_IN: d->in = true; d->src = d->buf; break;
    case X_STATUS: d->in = true; d->src = &d->status; d->len = 1; break;
    case X_MSG_IN: d->in = true; d->src = d->mi + d->mi_pos; d->len = d->mi_len - d->mi_pos; break;
    default: break;
    }
    bool data = d->xkind == X_DATA_OUT || d->xkind == X_DATA_IN;
    d->sync = data && d->sync_agreed[d->init];
    if (data && d->len == 0) {
        data_done(d);
        return;
    }
    if (d->sync) {
        d->st = ST_SYNC;
        d->sync_t0 = mc_spi_now(d->bus);
        d->sync_k = 0;
        mc_spi_watch(d->bus, d->id, MC_SPI_RST);
        sync_raise(d);
    } else {
        async_req(d);
    }
}

void disk_begin_phase(mc_spi_disk *d, uint32_t phase, int kind)
{
    d->xkind = kind;
    uint32_t want = phase | MC_SPI_PHASE_EN;
    if ((d->cfg.mutants & MC_MUT_PARTICIPANT_NO_PHASE) && d->sm.active && !d->sm.leader)
        want = phase; /* mutant: REQs without enabling its phase line drivers */
    uint32_t w = mc_spi_driven(d->bus, d->id);
    if ((w & (MC_SPI_PHASE_MASK | MC_SPI_PHASE_EN)) == want && d->st != ST_SM_TAKEOVER) {
        start_xfer(d);
        return;
    }
    disk_set_drive(d, want, TARGET_LINES);
    d->st = ST_PHASE_SETTLE;
    mc_spi_watch(d->bus, d->id, MC_SPI_RST);
    mc_spi_timer(d->bus, d->id, mc_spi_bus_params(d->bus)->bus_settle);
}

/* ---- messages and commands ---- */

static void agree_sync(mc_spi_disk *d, uint8_t offset) { d->sync_agreed[d->init] = offset != 0; }

static void handle_message(mc_spi_disk *d, const uint8_t *m, size_t n, bool raw)
{
    if (raw) {
        mc_sm_msg sm;
        if (mc_sm_parse_raw(m, n, &sm) == 0 && sm_handle_mo(d, &sm))
            return;
        queue_mi1(d, MC_MSG_MESSAGE_REJECT);
        d->stats.rejects++;
        return;
    }
    if (m[0] >= MC_MSG_IDENTIFY) {
        d->lun = m[0] & MC_MSG_IDENTIFY_LUN_MASK;
        return;
    }
    switch (m[0]) {
    case MC_MSG_NO_OPERATION:
    case MC_MSG_MESSAGE_REJECT:
        return;
    case MC_MSG_ABORT_TASK_SET:
        d->next = NEXT_RELEASE;
        d->mi_len = d->mi_pos = 0;
        return;
    case MC_MSG_EXTENDED:
        break;
    default:
        queue_mi1(d, MC_MSG_MESSAGE_REJECT);
        d->stats.rejects++;
        return;
    }
    mc_sm_msg sm;
    if (n == 2 + MC_XMSG_SDTR_LEN && m[2] == MC_XMSG_SDTR) {
        agree_sync(d, m[4]);
        disk_queue_mi(d, m, n); /* accept as offered: the reference supports every rate */
    } else if (n == 2 + MC_XMSG_PPR_LEN && m[2] == MC_XMSG_PPR) {
        agree_sync(d, m[5]);
        disk_queue_mi(d, m, n);
    } else if (n == 2 + MC_XMSG_WDTR_LEN && m[2] == MC_XMSG_WDTR) {
        disk_queue_mi(d, m, n);
    } else if (d->cfg.silent_capable && mc_sm_parse(m, n, &sm) == 0 && sm_handle_mo(d, &sm)) {
        return;
    } else {
        queue_mi1(d, MC_MSG_MESSAGE_REJECT);
        d->stats.rejects++;
    }
}

static size_t mo_need(const mc_spi_disk *d)
{
    bool atn = (mc_spi_lines(d->bus) & MC_SPI_ATN) != 0;
    if (d->cfg.silent_capable && d->cfg.accept_raw && mc_sm_raw_code(d->mo[0]))
        return mc_sm_raw_len(d->mo, d->mo_len, atn);
    return mc_spi_msg_len(d->mo, d->mo_len);
}

static void mo_byte(mc_spi_disk *d, uint8_t b)
{
    d->mo[d->mo_len++] = b;
    for (;;) {
        size_t need = d->mo_len ? mo_need(d) : 0;
        if (!need || need > d->mo_len)
            break;
        bool raw = d->cfg.silent_capable && d->cfg.accept_raw && mc_sm_raw_code(d->mo[0]);
        uint8_t m[MC_MSG_MAX];
        memcpy(m, d->mo, need);
        d->mo_len -= need;
        memmove(d->mo, d->mo + need, d->mo_len);
        handle_message(d, m, need, raw);
    }
    if (d->mo_len == MC_MSG_MAX) { /* longer than any message we take: reject it */
        d->mo_len = 0;
        queue_mi1(d, MC_MSG_MESSAGE_REJECT);
        d->stats.rejects++;
    }
}

static void finish_status(mc_spi_disk *d, const mc_scsi_result *res)
{
    d->status = res->status;
    d->next = NEXT_STATUS;
}

static void command_received(mc_spi_disk *d)
{
    d->stats.commands++;
    mc_scsi_result res;
    memset(&res, 0, sizeof res);
    if (d->cdb_need == 0) { /* reserved operation code group */
        mc_scsi_set_sense(&res, MC_SK_ILLEGAL_REQUEST, MC_ASC_INVALID_OPCODE);
        finish_status(d, &res);
        return;
    }
    if (mc_lun_set_plan(d->cfg.luns, d->lun, d->cdb, d->cdb_len, &d->plan, &res) < 0) {
        finish_status(d, &res);
        return;
    }
    if (d->plan.length > d->cfg.max_xfer || ensure_buf(d, d->plan.length ? d->plan.length : 1) < 0) {
        mc_scsi_set_sense(&res, MC_SK_ILLEGAL_REQUEST, MC_ASC_INVALID_FIELD_IN_CDB);
        finish_status(d, &res);
        return;
    }
    switch (d->plan.dir) {
    case MC_XFER_TO_DEV:
        d->len = d->plan.length;
        d->next = NEXT_DATA_OUT;
        return;
    case MC_XFER_FROM_DEV:
        exec_cdb(d, d->cdb, d->cdb_len, NULL, 0, &d->res);
        d->len = d->res.data_in_len;
        d->status = d->res.status;
        d->next = d->len ? NEXT_DATA_IN : NEXT_STATUS;
        return;
    default:
        exec_cdb(d, d->cdb, d->cdb_len, NULL, 0, &res);
        finish_status(d, &res);
        return;
    }
}

static void data_done(mc_spi_disk *d)
{
    if (d->sm.active) {
        sm_data_done(d);
    } else if (d->xkind == X_DATA_OUT) {
        mc_scsi_result res;
        exec_cdb(d, d->cdb, d->cdb_len, d->buf, d->len, &res);
        finish_status(d, &res);
        if (d->cfg.disconnect) {
            queue_mi1(d, MC_MSG_SAVE_DATA_POINTER);
            queue_mi1(d, MC_MSG_DISCONNECT);
            d->next = NEXT_DISCONNECT;
        }
    } else {
        d->next = NEXT_STATUS;
    }
    disk_boundary(d);
}

static void byte_done(mc_spi_disk *d, uint8_t b)
{
    switch (d->xkind) {
    case X_MSG_OUT:
        mo_byte(d, b);
        disk_boundary(d);
        return;
    case X_COMMAND:
        d->cdb[d->cdb_len++] = b;
        if (d->cdb_len == 1)
            d->cdb_need = cdb_len_for(b);
        if (d->cdb_len >= (d->cdb_need ? d->cdb_need : MC_CDB10_LEN)) {
            command_received(d);
            disk_boundary(d);
        } else {
            async_req(d);
        }
        return;
    case X_DATA_OUT:
        d->dst[d->pos++] = b;
        break;
    default:
        d->pos++;
        break;
    }
    if (d->pos < d->len) {
        async_req(d);
        return;
    }
    switch (d->xkind) {
    case X_DATA_OUT:
    case X_DATA_IN:
        data_done(d);
        return;
    case X_STATUS:
        queue_mi1(d, MC_MSG_COMMAND_COMPLETE);
        d->next = NEXT_RELEASE;
        if (d->sm.reporting)
            sm_after_status(d);
        break;
    case X_MSG_IN:
        d->mi_len = d->mi_pos = 0;
        break;
    default:
        break;
    }
    disk_boundary(d);
}

/* What the target does at a byte or phase boundary: MESSAGE OUT when ATN asks for it, queued
 * MESSAGE IN next, then the connection's next step. */
void disk_boundary(mc_spi_disk *d)
{
    uint32_t v = mc_spi_lines(d->bus);
    if (v & MC_SPI_ATN) {
        disk_begin_phase(d, MC_SPI_MSG_OUT, X_MSG_OUT);
        return;
    }
    if (d->mo_len) { /* ATN fell inside a message: reject the fragment */
        d->mo_len = 0;
        queue_mi1(d, MC_MSG_MESSAGE_REJECT);
        d->stats.rejects++;
    }
    if (d->mi_pos < d->mi_len) {
        disk_begin_phase(d, MC_SPI_MSG_IN, X_MSG_IN);
        return;
    }
    switch (d->next) {
    case NEXT_COMMAND: disk_begin_phase(d, MC_SPI_COMMAND, X_COMMAND); return;
    case NEXT_DATA_OUT: disk_begin_phase(d, MC_SPI_DATA_OUT, X_DATA_OUT); return;
    case NEXT_DATA_IN: disk_begin_phase(d, MC_SPI_DATA_IN, X_DATA_IN); return;
    case NEXT_STATUS: disk_begin_phase(d, MC_SPI_STATUS, X_STATUS); return;
    case NEXT_RELEASE:
        disk_release_all(d);
        if (d->resel_pending) {
            d->resel_pending = false;
            disk_start_resel(d, d->resel_purpose);
        } else if (d->sm.turn_pending) {
            sm_resume_turn(d);
        }
        return;
    case NEXT_DISCONNECT:
        mc_spi_drive(d->bus, d->id, 0);
        d->st = ST_DISC_WAIT;
        mc_spi_watch(d->bus, d->id, disk_idle_watch(d));
        mc_spi_timer(d->bus, d->id, d->cfg.media_ns);
        return;
    default:
        sm_step(d);
        return;
    }
}

/* ---- selection and reselection ---- */

static int selected_by(const mc_spi_disk *d, uint32_t v)
{
    if (!(v & MC_SPI_SEL) || (v & (MC_SPI_BSY | MC_SPI_IO)))
        return -1;
    uint16_t db = MC_SPI_DB(v);
    if (!(db & (1u << d->id)))
        return -1;
    db &= (uint16_t)~(1u << d->id);
    if (!db || (db & (db - 1)))
        return -1; /* exactly one initiator bit */
    return __builtin_ctz(db);
}

static bool check_selected(mc_spi_disk *d, uint32_t v)
{
    if (selected_by(d, v) < 0)
        return false;
    if (d->st == ST_ARB || d->st == ST_DISC_WAIT)
        d->resel_pending = true;
    if (d->st == ST_SM_TURN)
        d->sm.turn_pending = true; /* reselect once this connection ends */
    mc_spi_arb_stop(&d->arb);
    mc_spi_drive(d->bus, d->id, 0);
    d->st = ST_SEL_SETTLE;
    mc_spi_watch(d->bus, d->id, MC_SPI_RST | MC_SPI_SEL | MC_SPI_BSY);
    mc_spi_timer(d->bus, d->id, mc_spi_bus_params(d->bus)->bus_settle);
    return true;
}

void disk_start_resel(mc_spi_disk *d, int purpose)
{
    d->resel_purpose = purpose;
    d->st = ST_ARB;
    mc_spi_arb_start(&d->arb, d->bus, d->id, MC_SPI_RST);
}

static void connected_by_resel(mc_spi_disk *d)
{
    d->stats.reselections++;
    d->mi_len = d->mi_pos = 0;
    d->mo_len = 0;
    queue_mi1(d, (uint8_t)(MC_MSG_IDENTIFY | d->lun));
    d->next = NEXT_STATUS;
    if (d->resel_purpose == RESEL_SM_STATUS)
        d->status = d->sm.status_acc;
    disk_boundary(d);
}

static void reset_all(mc_spi_disk *d)
{
    mc_spi_timer_cancel(d->bus, d->id);
    mc_spi_arb_stop(&d->arb);
    d->resel_pending = false;
    d->mi_len = d->mi_pos = d->mo_len = 0;
    sm_reset(d);
    disk_release_all(d);
    mc_spi_watch(d->bus, d->id, disk_idle_watch(d) | MC_SPI_RST);
}

static void disk_wake(void *ctx, mc_spi_bus *bus, unsigned why)
{
    mc_spi_disk *d = ctx;
    const mc_spi_params *p = mc_spi_bus_params(bus);
    uint32_t v = mc_spi_lines(bus);
    if (v & MC_SPI_RST) {
        reset_all(d);
        return;
    }
    switch (d->st) {
    case ST_IDLE:
        if (!check_selected(d, v))
            sm_snoop_wake(d, v);
        return;
    case ST_SEL_SETTLE: {
        int init = selected_by(d, v);
        if (init < 0) { /* selection withdrawn (time-out) */
            mc_spi_timer_cancel(bus, d->id);
            go_idle(d);
            return;
        }
        if (why != MC_SPI_WAKE_TIMER)
            return;
        d->init = (unsigned)init;
        d->stats.selections++;
        d->lun = 0;
        d->mo_len = d->mi_len = d->mi_pos = 0;
        d->next = NEXT_COMMAND;
        mc_spi_drive(bus, d->id, MC_SPI_BSY);
        d->st = ST_SEL_WAIT_FREE_SEL;
        mc_spi_watch(bus, d->id, MC_SPI_RST | MC_SPI_SEL);
        disk_wait_limit(d);
        return;
    }
    case ST_SEL_WAIT_FREE_SEL:
        if (why == MC_SPI_WAKE_TIMER) {
            disk_give_up(d);
            return;
        }
        if (!(v & MC_SPI_SEL)) {
            d->atn_at_selection = (v & MC_SPI_ATN) != 0;
            disk_boundary(d);
        }
        return;
    case ST_PHASE_SETTLE:
        if (why == MC_SPI_WAKE_TIMER)
            start_xfer(d);
        return;
    case ST_ASYNC:
        switch (d->ax) {
        case AX_WAIT_ACK:
            if (why == MC_SPI_WAKE_TIMER) {
                disk_give_up(d);
                return;
            }
            if (v & MC_SPI_ACK) {
                if (!d->in) {
                    if (!mc_spi_parity_ok(v, false))
                        d->stats.parity_errors++;
                    d->latched = (uint8_t)MC_SPI_DB(v);
                }
                d->ax = AX_DROP_REQ;
                mc_spi_timer(bus, d->id, mc_spi_edge(p));
            }
            return;
        case AX_DROP_REQ:
            if (why == MC_SPI_WAKE_TIMER) {
                disk_set_drive(d, 0, MC_SPI_REQ | DB_ALL);
                d->ax = AX_WAIT_NACK;
                disk_wait_limit(d);
            }
            return;
        case AX_WAIT_NACK:
            if (why == MC_SPI_WAKE_TIMER) {
                disk_give_up(d);
                return;
            }
            if (!(v & MC_SPI_ACK)) {
                d->ax = AX_NEXT;
                mc_spi_timer(bus, d->id, mc_spi_edge(p));
            }
            return;
        default:
            if (why == MC_SPI_WAKE_TIMER)
                byte_done(d, d->latched);
            return;
        }
    case ST_SYNC:
        if (why != MC_SPI_WAKE_TIMER)
            return;
        if (d->sync_req_high)
            sync_fall(d);
        else
            sync_raise(d);
        return;
    case ST_SYNC_DRAIN:
        if (v & MC_SPI_ACK) { /* the initiator still holds ACK: wait for it, not forever */
            if (why == MC_SPI_WAKE_TIMER && d->drain_armed) {
                disk_give_up(d);
                return;
            }
            mc_spi_watch(bus, d->id, MC_SPI_RST | MC_SPI_ACK);
            if (!d->drain_armed)
                disk_wait_limit(d);
            d->drain_armed = true;
            return;
        }
        data_done(d);
        return;
    case ST_ARB:
        if (check_selected(d, v))
            return;
        if (mc_spi_arb_wake(&d->arb, bus, why) == ARB_WON) {
            uint32_t w = MC_SPI_BSY | MC_SPI_SEL | MC_SPI_IO | mc_spi_id_bit(d->id) |
                         mc_spi_id_bit(d->init);
            mc_spi_drive(bus, d->id, w);
            d->st = ST_RESEL_DRIVE;
            mc_spi_watch(bus, d->id, MC_SPI_RST);
            mc_spi_timer(bus, d->id, MC_SPI_SELECT_DESKEWS * p->deskew);
        }
        return;
    case ST_RESEL_DRIVE:
        if (why == MC_SPI_WAKE_TIMER) {
            disk_set_drive(d, 0, MC_SPI_BSY);
            d->st = ST_RESEL_WAIT_BSY;
            mc_spi_watch(bus, d->id, MC_SPI_RST | MC_SPI_BSY);
            mc_spi_timer(bus, d->id, p->selection_timeout);
        }
        return;
    case ST_RESEL_WAIT_BSY:
        if (why == MC_SPI_WAKE_TIMER) { /* SPI reselection time-out: give up, bus free */
            disk_release_all(d);
            return;
        }
        if (v & MC_SPI_BSY) {
            disk_set_drive(d, MC_SPI_BSY, 0);
            d->st = ST_RESEL_DESKEW;
            mc_spi_watch(bus, d->id, MC_SPI_RST);
            mc_spi_timer(bus, d->id, MC_SPI_SELECT_DESKEWS * p->deskew);
        }
        return;
    case ST_RESEL_DESKEW:
        if (why == MC_SPI_WAKE_TIMER) {
            disk_set_drive(d, 0, MC_SPI_SEL | DB_ALL);
            connected_by_resel(d);
        }
        return;
    case ST_DISC_WAIT:
        if (check_selected(d, v))
            return;
        if (why == MC_SPI_WAKE_TIMER)
            disk_start_resel(d, RESEL_DISCONNECTED);
        return;
    default:
        if (d->st == ST_SM_TURN && check_selected(d, v))
            return;
        sm_wake(d, why);
        return;
    }
}
