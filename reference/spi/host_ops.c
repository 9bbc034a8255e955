/* What the host sends for each operation and how it judges the answers: negotiation (PPR/SDTR),
 * silent-mirroring discovery (Table 1), conventional WRITE/READ, silent mirroring (Figure 3),
 * status collection (Figure 4) and retransfer of failed mirrors. */
#include <stdio.h>
#include <string.h>

#include "host_internal.h"

#define TEST_UNIT_READY 0x00u
#define CDB6_LEN 6u
#define WRITE10 0x2au
#define READ10 0x28u
#define PS_PER_NS 1000u
#define PERIOD_FACTOR_UNIT_NS 4u   /* SDTR factors above 0x0c are period / 4 ns */
#define PERIOD_FACTOR_FAST40_PS 25000u
#define PERIOD_FACTOR_FAST80_PS 12500u
#define PERIOD_FACTOR_FAST40 0x0au
#define PERIOD_FACTOR_FAST80 0x09u

int mc_spi_host_queue_retx(mc_spi_host *h, const mc_spi_op *op);

void mc_spi_cdb_rw10(uint8_t *cdb, bool write, uint32_t lba, uint16_t blocks)
{
    memset(cdb, 0, MC_CDB10_LEN);
    cdb[0] = write ? WRITE10 : READ10;
    cdb[2] = (uint8_t)(lba >> 24);
    cdb[3] = (uint8_t)(lba >> 16);
    cdb[4] = (uint8_t)(lba >> 8);
    cdb[5] = (uint8_t)lba;
    cdb[7] = (uint8_t)(blocks >> 8);
    cdb[8] = (uint8_t)blocks;
}

/* SPI-5 table "transfer period factor". */
static uint8_t period_factor(uint64_t ps)
{
    if (ps <= 6250u)
        return MC_PERIOD_FACTOR_U320;
    if (ps <= PERIOD_FACTOR_FAST80_PS)
        return PERIOD_FACTOR_FAST80;
    if (ps <= PERIOD_FACTOR_FAST40_PS)
        return PERIOD_FACTOR_FAST40;
    uint64_t f = ps / PS_PER_NS / PERIOD_FACTOR_UNIT_NS;
    return (uint8_t)(f > UINT8_MAX ? UINT8_MAX : f);
}

static void put_identify(mc_spi_host *h, uint8_t lun)
{
    uint8_t b = (uint8_t)(MC_MSG_IDENTIFY | MC_MSG_IDENTIFY_DISCPRIV | (lun & MC_MSG_IDENTIFY_LUN_MASK));
    host_mo_put(h, &b, 1);
}

static void put_sm(mc_spi_host *h, uint8_t code, uint8_t gid, bool last)
{
    mc_sm_msg m = {.code = code, .gid = gid, .last = last};
    uint8_t b[MC_MSG_MAX];
    host_mo_put(h, b, mc_sm_encode(b, &m, h->cfg.raw));
}

static uint8_t gid_for(const mc_spi_host *h, const mc_spi_op *op, unsigned pos)
{
    unsigned t = op->order[pos];
    int gid = h->gid_of[t];
    if (gid < 0)
        gid = 0;
    if (h->cfg.mutants & MC_MUT_WRONG_GID) /* mutant: the SCSI ID where the group ID belongs */
        return MC_SM_GID(MC_SM_GROUP(gid), t);
    return (uint8_t)gid;
}

static bool last_flag(const mc_spi_host *h, bool last)
{
    return last && !(h->cfg.mutants & MC_MUT_NO_LAST);
}

void host_prepare(mc_spi_host *h, mc_spi_op *op)
{
    const mc_spi_params *p = mc_spi_bus_params(h->bus);
    uint8_t b[MC_MSG_MAX];
    switch (op->kind) {
    case MC_OP_NEGOTIATE:
        put_identify(h, op->lun);
        if (p->sync_width == 2)
            host_mo_put(h, b, mc_msg_ppr(b, period_factor(p->sync_period_ps), MC_SYNC_OFFSET_DEFAULT,
                                         MC_WDTR_WIDE16, MC_PPR_DT_REQ));
        else
            host_mo_put(h, b, mc_msg_sdtr(b, period_factor(p->sync_period_ps), MC_SYNC_OFFSET_DEFAULT));
        memset(h->cdb, 0, CDB6_LEN);
        h->cdb[0] = TEST_UNIT_READY;
        h->cdb_len = CDB6_LEN;
        return;
    case MC_OP_DISCOVER:
        if (!h->cfg.raw) /* the literal form starts with the vendor byte itself (Table 1) */
            put_identify(h, op->lun);
        put_sm(h, MC_SM_QUERY, op->gid, op->last);
        memset(h->cdb, 0, CDB6_LEN);
        h->cdb[0] = TEST_UNIT_READY;
        h->cdb_len = CDB6_LEN;
        return;
    case MC_OP_WRITE:
    case MC_OP_READ:
        if (!op->no_atn) /* without ATN the target goes straight to COMMAND (LUN 0) */
            put_identify(h, op->lun);
        mc_spi_cdb_rw10(h->cdb, op->kind == MC_OP_WRITE, op->lba, (uint16_t)op->blocks);
        h->cdb_len = MC_CDB10_LEN;
        if (op->kind == MC_OP_WRITE) {
            h->dout = op->data;
            h->dout_len = (size_t)op->blocks * op->block_size;
        } else {
            h->din = op->rdata;
            h->din_len = op->rdata ? (size_t)op->blocks * op->block_size : 0;
        }
        return;
    case MC_OP_SILENT: {
        mc_sm_msg ext = {.code = MC_SM_EXTENT, .lun = op->lun, .lba = op->lba,
                         .blocks = (uint16_t)op->blocks,
                         .flags = op->status_now ? MC_SM_FLAG_STATUS : 0};
        if (!h->cfg.raw)
            put_identify(h, op->lun);
        else
            put_sm(h, MC_SM_MIRROR, gid_for(h, op, 0), last_flag(h, op->n == 1));
        host_mo_put(h, b, mc_sm_encode(b, &ext, false));
        if (!h->cfg.raw) /* leader identification (Figure 3 block 304) */
            put_sm(h, MC_SM_MIRROR, gid_for(h, op, 0), last_flag(h, op->n == 1));
        h->dout = op->data;
        h->dout_len = (size_t)op->blocks * op->block_size;
        for (unsigned i = 0; i < op->n; i++)
            op->pgot[i] = false;
        return;
    }
    default:
        return;
    }
}

/* After the last transfer of a silent block: the switch-role message for the next participant
 * (with the last indicator before the final block) or the release message. */
bool host_block_end(mc_spi_host *h, mc_spi_op *op)
{
    if (h->sm_idx + 1 < op->n) {
        h->sm_idx++;
        put_sm(h, MC_SM_MIRROR, gid_for(h, op, h->sm_idx), last_flag(h, h->sm_idx + 1 == op->n));
        h->dout_pos = 0;
        return true;
    }
    if (h->release_sent || (h->cfg.mutants & MC_MUT_NO_RELEASE))
        return false;
    put_sm(h, MC_SM_RELEASE, 0, false);
    h->release_sent = true;
    return true;
}

int host_position(const mc_spi_op *op, unsigned target)
{
    for (unsigned i = 0; i < op->n; i++)
        if (op->order[i] == target)
            return (int)i;
    return -1;
}

void host_mi(mc_spi_host *h, mc_spi_op *op)
{
    const uint8_t *m = h->mi;
    size_t n = h->mi_len;
    mc_sm_msg sm;
    if (m[0] >= MC_MSG_IDENTIFY)
        return;
    switch (m[0]) {
    case MC_MSG_COMMAND_COMPLETE: h->got_cc = true; return;
    case MC_MSG_DISCONNECT: h->got_disc = true; return;
    case MC_MSG_SAVE_DATA_POINTER: return;
    case MC_MSG_MESSAGE_REJECT:
        if (op->kind == MC_OP_DISCOVER || op->kind == MC_OP_NEGOTIATE)
            op->agreed = false;
        return;
    case MC_MSG_EXTENDED: break;
    default: {
        uint8_t rej = MC_MSG_MESSAGE_REJECT;
        host_mo_put(h, &rej, 1);
        return;
    }
    }
    if (n == 2 + MC_XMSG_SDTR_LEN && m[2] == MC_XMSG_SDTR) {
        h->sync_agreed[h->target] = m[4] != 0;
        op->agreed = true;
    } else if (n == 2 + MC_XMSG_PPR_LEN && m[2] == MC_XMSG_PPR) {
        h->sync_agreed[h->target] = m[5] != 0;
        op->agreed = true;
    } else if (n == 2 + MC_XMSG_WDTR_LEN && m[2] == MC_XMSG_WDTR) {
        op->agreed = true;
    } else if (mc_sm_parse(m, n, &sm) == 0 && sm.code == MC_SM_QUERY && op->kind == MC_OP_DISCOVER &&
               sm.gid == op->gid) {
        op->agreed = true; /* the target supports silent mirroring and takes part (Table 1) */
        h->gid_of[h->target] = sm.gid;
    } else {
        uint8_t rej = MC_MSG_MESSAGE_REJECT;
        host_mo_put(h, &rej, 1);
    }
}

void host_op_finish(mc_spi_host *h, mc_spi_op *op, int state, const char *why)
{
    if (op->state != MC_OP_QUEUED)
        return;
    op->state = state;
    if (why)
        snprintf(op->err, sizeof op->err, "%s", why);
    h->t_last = mc_spi_now(h->bus);
}

static void retransfer(mc_spi_host *h, const mc_spi_op *op)
{
    unsigned failed[MC_SPI_MAX_ID], nf = 0;
    for (unsigned i = 0; i < op->n; i++)
        if (!op->pgot[i] || op->pstatus[i] != MC_SAM_GOOD)
            failed[nf++] = i;
    if (!nf || op->retransfer || h->cfg.retransfer == MC_RETX_NONE)
        return;
    mc_spi_op r = *op;
    r.retransfer = true;
    r.status_now = true;
    switch (h->cfg.retransfer) {
    case MC_RETX_LEADER_LAST: /* the same order, cut after the last failed one */
        r.n = failed[nf - 1] + 1;
        mc_spi_host_queue_retx(h, &r);
        return;
    case MC_RETX_REGROUP:     /* the failed ones alone; the first failed one leads */
        for (unsigned i = 0; i < nf; i++)
            r.order[i] = op->order[failed[i]];
        r.n = nf;
        r.target = r.order[0];
        mc_spi_host_queue_retx(h, &r);
        return;
    default:                  /* an ordinary nexus per failed target */
        for (unsigned i = 0; i < nf; i++) {
            mc_spi_op w = *op;
            w.kind = MC_OP_WRITE;
            w.retransfer = true;
            w.target = op->order[failed[i]];
            mc_spi_host_queue_retx(h, &w);
        }
        return;
    }
}

static void silent_judge(mc_spi_host *h, mc_spi_op *op)
{
    char why[sizeof op->err];
    why[0] = 0;
    for (unsigned i = 0; i < op->n; i++)
        if (!op->pgot[i] || op->pstatus[i] != MC_SAM_GOOD) {
            snprintf(why, sizeof why, "participant %u (ID %u): %s", i, op->order[i],
                     op->pgot[i] ? "status not GOOD" : "no status reselection");
            break;
        }
    host_op_finish(h, op, why[0] ? MC_OP_FAILED : MC_OP_OK, why[0] ? why : NULL);
    retransfer(h, op);
}

/* BUS FREE after a connection: finish the op, or wait for reselections. */
void host_conn_over(mc_spi_host *h, mc_spi_op *op)
{
    if (h->resel_conn) {
        int pos = op->kind == MC_OP_SILENT ? host_position(op, h->target) : -1;
        if (pos >= 0 && h->got_status) {
            op->pgot[pos] = true;
            op->pstatus[pos] = h->status;
        } else if (op->kind != MC_OP_SILENT && h->got_status && h->target == op->target) {
            op->status = h->status;
            host_op_finish(h, op, h->status == MC_SAM_GOOD ? MC_OP_OK : MC_OP_FAILED,
                           h->status == MC_SAM_GOOD ? NULL : "status not GOOD");
            h->cur++;
            host_next_op(h);
            return;
        }
        if (op->kind == MC_OP_SILENT && h->statuses_due && --h->statuses_due == 0) {
            silent_judge(h, op);
            h->cur++;
            host_next_op(h);
            return;
        }
        host_wait_resel(h);
        return;
    }
    if (h->got_disc) {
        host_wait_resel(h);
        return;
    }
    if (op->kind == MC_OP_SILENT) {
        if (!h->release_sent) {
            host_op_finish(h, op, MC_OP_FAILED, "BUS FREE before the release message");
        } else if (op->status_now) {
            h->statuses_due = op->n;
            host_wait_resel(h);
            return;
        } else {
            host_op_finish(h, op, MC_OP_OK, NULL);
        }
    } else if (h->got_status && h->got_cc) {
        op->status = h->status;
        bool ok = h->status == MC_SAM_GOOD &&
                  (op->kind != MC_OP_DISCOVER && op->kind != MC_OP_NEGOTIATE ? true : op->agreed);
        host_op_finish(h, op, ok ? MC_OP_OK : MC_OP_FAILED,
                       ok ? NULL : (h->status != MC_SAM_GOOD ? "status not GOOD" : "target did not agree"));
    } else {
        host_op_finish(h, op, MC_OP_FAILED, "unexpected BUS FREE");
    }
    h->cur++;
    host_next_op(h);
}
