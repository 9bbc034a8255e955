/* Silent mirroring on the disk side (001, 003 Figures 3-6): group/ID from discovery, the leader
 * holding BSY, snooping switch-role messages, taking over the phase lines, the release, and
 * status by reselection in transfer order. */
#include <stdlib.h>
#include <string.h>

#include "disk_internal.h"

#define BUS_BUSY (MC_SPI_BSY | MC_SPI_SEL)
#define DB_ALL (MC_SPI_DB_MASK | MC_SPI_DBP | MC_SPI_DBP1)
#define PHASE_DRIVERS (MC_SPI_PHASE_MASK | MC_SPI_PHASE_EN | MC_SPI_REQ | DB_ALL)

static bool gid_mine(const mc_spi_disk *d, uint8_t gid)
{
    if (d->sm.gid < 0)
        return false;
    if (d->cfg.mutants & MC_MUT_IGNORE_GROUP)
        return MC_SM_ID(gid) == MC_SM_ID(d->sm.gid);
    return gid == (uint8_t)d->sm.gid;
}

void sm_reset(mc_spi_disk *d)
{
    int gid = d->sm.gid;
    unsigned init = d->sm.group_init;
    memset(&d->sm, 0, sizeof d->sm);
    d->sm.gid = gid;
    d->sm.group_init = init;
}

static void begin_op(mc_spi_disk *d)
{
    d->sm.in_op = true;
    d->sm.switches = 1;
    d->sm.leader = false;
    d->sm.active = false;
    d->sm.last_seen = false;
}

/* Every participant that moved a block reselects for status in transfer order (Figure 6). */
static void end_op(mc_spi_disk *d)
{
    d->sm.in_op = false;
    d->sm.active = false;
    bool report = d->sm.took_part && (d->sm.extent.flags & MC_SM_FLAG_STATUS);
    if (report && d->sm.position > 0 && (d->cfg.mutants & MC_MUT_NO_STATUS_RESELECT)) {
        d->sm.took_part = false; /* mutant: the status is never returned */
        report = false;
    }
    if (!report)
        return; /* deferred status: took_part and status_acc carry over to a later op */
    d->init = d->sm.group_init;
    d->lun = d->sm.extent.lun;
    d->sm.frees = 0;
    d->sm.turn_pending = false;
    sm_resume_turn(d);
}

void sm_resume_turn(mc_spi_disk *d)
{
    d->sm.turn_pending = false;
    d->st = ST_SM_TURN;
    d->sm.was_busy = (mc_spi_lines(d->bus) & BUS_BUSY) != 0;
    if (!d->sm.was_busy && d->sm.frees == 0)
        d->sm.frees = 1;
    mc_spi_watch(d->bus, d->id, MC_SPI_RST | BUS_BUSY);
    sm_wake(d, MC_SPI_WAKE_LINES);
}

void sm_after_status(mc_spi_disk *d)
{
    d->sm.reporting = false;
    d->sm.took_part = false;
    d->sm.status_acc = MC_SAM_GOOD;
}

bool sm_handle_mo(mc_spi_disk *d, const mc_sm_msg *m)
{
    switch (m->code) {
    case MC_SM_QUERY:
        if (!d->cfg.silent_capable)
            return false;
        d->sm.gid = m->gid;
        d->sm.group_init = d->init;
        {
            mc_sm_msg echo = *m;
            uint8_t b[MC_MSG_MAX];
            disk_queue_mi(d, b, mc_sm_encode(b, &echo, false)); /* agreeing (Table 1) */
        }
        return true;
    case MC_SM_EXTENT:
        d->sm.extent = *m;
        d->lun = m->lun;
        return true;
    case MC_SM_MIRROR:
        if (!d->sm.in_op) { /* leader identification: the selected target leads (Figure 3) */
            if (!gid_mine(d, m->gid))
                return false;
            begin_op(d);
            d->sm.leader = d->sm.active = d->sm.took_part = true;
            d->sm.position = 0;
            d->sm.last_seen = m->last;
            d->stats.sm_leads++;
            d->next = NEXT_SM_DATA;
            return true;
        }
        d->sm.switches++;
        d->sm.last_seen |= m->last;
        d->next = gid_mine(d, m->gid) ? NEXT_SM_DATA : NEXT_SM_HANDOVER;
        return true;
    case MC_SM_RELEASE:
        if (!d->sm.in_op)
            return false;
        d->next = NEXT_SM_RELEASE;
        return true;
    default:
        return false;
    }
}

void sm_data_done(mc_spi_disk *d)
{
    mc_scsi_result res;
    d->stats.sm_blocks++;
    if (disk_write_blocks(d, d->sm.extent.lun, d->sm.extent.lba, d->sm.extent.blocks, &res) < 0 &&
        d->sm.status_acc == MC_SAM_GOOD) {
        d->sm.status_acc = res.status;
        d->sm.res_acc = res;
    }
    d->next = NEXT_SM_WAIT_ATN;
}

static void hold_or_leave(mc_spi_disk *d, bool keep_bsy)
{
    d->sm.active = false;
    if (keep_bsy) {
        disk_set_drive(d, 0, PHASE_DRIVERS);
        d->st = ST_SM_HOLD;
        d->sm.release_due = false;
        disk_wait_limit(d);
    } else {
        mc_spi_drive(d->bus, d->id, 0);
        d->st = ST_IDLE;
    }
    mc_spi_watch(d->bus, d->id, disk_idle_watch(d));
}

void sm_step(mc_spi_disk *d)
{
    switch (d->next) {
    case NEXT_SM_DATA: {
        mc_lun *lu = mc_lun_set_get(d->cfg.luns, d->sm.extent.lun);
        uint32_t bs = lu ? mc_lun_block_size(lu) : 0; /* an unknown LUN takes no data */
        size_t n = (size_t)d->sm.extent.blocks * bs;
        if (!bs || n > d->cfg.max_xfer) {
            n = 0;
            d->sm.status_acc = MC_SAM_CHECK_CONDITION;
        }
        if (n > d->buf_cap) {
            uint8_t *b = realloc(d->buf, n);
            if (!b) {
                n = 0;
                d->sm.status_acc = MC_SAM_CHECK_CONDITION;
            } else {
                d->buf = b;
                d->buf_cap = n;
            }
        }
        d->len = n;
        disk_begin_phase(d, MC_SPI_DATA_OUT, X_DATA_OUT);
        return;
    }
    case NEXT_SM_WAIT_ATN: /* keep the phase lines until the initiator asks for MESSAGE OUT */
        d->st = ST_SM_WAIT_ATN;
        mc_spi_watch(d->bus, d->id, MC_SPI_RST | MC_SPI_ATN);
        disk_wait_limit(d);
        return;
    case NEXT_SM_HANDOVER:
        hold_or_leave(d, d->sm.leader && !(d->cfg.mutants & MC_MUT_LEADER_DROPS_BSY));
        return;
    case NEXT_SM_RELEASE: /* the last participant stops driving; a leader also frees the bus */
        if (d->sm.leader && (d->cfg.mutants & MC_MUT_LEADER_KEEPS_BSY)) {
            hold_or_leave(d, true);
            d->sm.in_op = false;
            return;
        }
        hold_or_leave(d, false);
        end_op(d);
        return;
    default:
        disk_release_all(d);
        return;
    }
}

static void snooped(mc_spi_disk *d, const mc_sm_msg *m)
{
    const mc_spi_params *p = mc_spi_bus_params(d->bus);
    switch (m->code) {
    case MC_SM_EXTENT:
        d->sm.extent = *m;
        return;
    case MC_SM_MIRROR:
        if (!d->sm.in_op) {
            begin_op(d);
            d->sm.last_seen = m->last;
            return;
        }
        d->sm.switches++;
        d->sm.last_seen |= m->last;
        if (gid_mine(d, m->gid) && d->st != ST_SM_HOLD) {
            d->sm.position = d->sm.switches - 1;
            d->sm.took_part = true;
            d->st = ST_SM_TAKEOVER;
            mc_spi_timer(d->bus, d->id, mc_spi_edge(p));
        }
        return;
    case MC_SM_RELEASE:
        if (d->st == ST_SM_HOLD) {
            if (!(d->cfg.mutants & MC_MUT_LEADER_KEEPS_BSY)) {
                d->sm.release_due = true;
                mc_spi_timer(d->bus, d->id, mc_spi_edge(p));
            }
            d->sm.in_op = false;
            return;
        }
        if (d->sm.in_op)
            end_op(d);
        return;
    default:
        return;
    }
}

/* MESSAGE OUT bytes of a connection this disk is not the phase driver of: latch at ACK true,
 * act on a complete message when ACK falls (the same instant the driving target's handshake
 * ends, so a takeover starts where the previous driver stops). */
void sm_snoop_wake(mc_spi_disk *d, uint32_t v)
{
    if (d->sm.gid < 0 && !d->sm.in_op)
        return;
    bool mo = (v & MC_SPI_BSY) && (v & MC_SPI_PHASE_MASK) == MC_SPI_MSG_OUT;
    if (!mo) {
        d->sm.snoop_len = 0;
        d->sm.snoop_pending = false;
        if (d->sm.snoop_ack) {
            d->sm.snoop_ack = false;
            mc_spi_watch(d->bus, d->id, disk_idle_watch(d) | (d->st == ST_SM_HOLD ? 0 : 0));
        }
        return;
    }
    if (!d->sm.snoop_ack) {
        d->sm.snoop_ack = true;
        d->sm.snoop_level = false;
        mc_spi_watch(d->bus, d->id, disk_idle_watch(d));
    }
    bool ack = (v & MC_SPI_ACK) != 0;
    if (ack == d->sm.snoop_level)
        return;
    d->sm.snoop_level = ack;
    if (!ack) {
        if (d->sm.snoop_pending) {
            d->sm.snoop_pending = false;
            snooped(d, &d->sm.pending);
        }
        return;
    }
    if (d->sm.snoop_len == MC_MSG_MAX)
        d->sm.snoop_len = 0;
    d->sm.snoop[d->sm.snoop_len++] = (uint8_t)MC_SPI_DB(v);
    bool more = (v & MC_SPI_ATN) != 0;
    for (;;) {
        const uint8_t *s = d->sm.snoop;
        size_t have = d->sm.snoop_len;
        bool raw = d->cfg.accept_raw && have && mc_sm_raw_code(s[0]);
        size_t need = raw ? mc_sm_raw_len(s, have, more) : mc_spi_msg_len(s, have);
        if (!need || need > have)
            return;
        mc_sm_msg m;
        int rc = raw ? mc_sm_parse_raw(s, need, &m) : mc_sm_parse(s, need, &m);
        if (rc == 0) {
            d->sm.pending = m;
            d->sm.snoop_pending = true;
        }
        d->sm.snoop_len -= need;
        memmove(d->sm.snoop, d->sm.snoop + need, d->sm.snoop_len);
    }
}

void sm_wake(mc_spi_disk *d, unsigned why)
{
    const mc_spi_params *p = mc_spi_bus_params(d->bus);
    uint32_t v = mc_spi_lines(d->bus);
    switch (d->st) {
    case ST_SM_WAIT_ATN:
        if (why == MC_SPI_WAKE_TIMER)
            disk_give_up(d);
        else if (v & MC_SPI_ATN)
            disk_begin_phase(d, MC_SPI_MSG_OUT, X_MSG_OUT);
        return;
    case ST_SM_HOLD:
        if (why == MC_SPI_WAKE_TIMER && !d->sm.release_due) { /* no release within the limit */
            disk_give_up(d);
            return;
        }
        if (why == MC_SPI_WAKE_TIMER) { /* the release message ended: free the bus */
            mc_spi_drive(d->bus, d->id, 0);
            d->st = ST_IDLE;
            mc_spi_watch(d->bus, d->id, disk_idle_watch(d));
            d->sm.in_op = true; /* end_op clears it */
            end_op(d);
            return;
        }
        sm_snoop_wake(d, v);
        return;
    case ST_SM_TAKEOVER:
        if (why != MC_SPI_WAKE_TIMER)
            return;
        d->sm.active = true;
        d->init = d->sm.group_init;
        d->lun = d->sm.extent.lun;
        d->mo_len = d->mi_len = d->mi_pos = 0;
        d->next = NEXT_SM_DATA;
        sm_step(d);
        return;
    case ST_SM_TURN: {
        bool busy = (v & BUS_BUSY) != 0;
        if (why == MC_SPI_WAKE_TIMER ? !busy : (!busy && d->sm.was_busy))
            d->sm.frees++; /* a BUS FREE began, or a turn passed unused */
        d->sm.was_busy = busy;
        bool my_turn = d->sm.frees > d->sm.position || (d->cfg.mutants & MC_MUT_STATUS_ORDER);
        if (!busy && my_turn) {
            d->sm.reporting = true;
            disk_start_resel(d, RESEL_SM_STATUS);
            return;
        }
        if (busy)
            mc_spi_timer_cancel(d->bus, d->id);
        else
            mc_spi_timer(d->bus, d->id, p->status_gap);
        return;
    }
    default:
        if (!(v & MC_SPI_RST) && d->st == ST_IDLE)
            sm_snoop_wake(d, v);
        return;
    }
}
