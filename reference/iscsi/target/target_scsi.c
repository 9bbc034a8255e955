/* SCSI tasks: command, immediate and unsolicited data, R2T and Data-Out, Data-In, status,
 * residuals, and the keeping of what ErrorRecoveryLevel 1 may ask for again (RFC 7143 4.2,
 * 6.7, 11.3-11.8). */
#include <stdlib.h>
#include <string.h>

#include "target_int.h"

/* SPC-4: INVALID FIELD IN INFORMATION UNIT, for an EDTL that cannot carry the CDB's data */
#define ASC_INVALID_FIELD_IN_IU 0x0e03u
#define SENSE_LENGTH_PREFIX 2u
#define MUTANT_R2T_OFFSET_SKEW 512u  /* r2t-offset-wrong: one block too far */  /* 11.4.7.2: SenseLength precedes the sense data */

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* The one way a task ends: a module that took it hears first (tgt_hooks_cancel). */
void tgt_task_free(tgt_task *k)
{
    tgt_hooks_cancel(k);
    k->sess->t->ntasks--;
    free(k->buf);
    free(k->data);
    free(k->r2t);
    mc_ranges_free(&k->got);
    free(k);
}

tgt_task *tgt_task_find(const tgt_session *s, uint32_t itt)
{
    for (tgt_task *k = s->tasks; k; k = k->next)
        if (k->itt == itt)
            return k;
    return NULL;
}

void tgt_task_remove(tgt_session *s, tgt_task *k)
{
    for (tgt_task **pp = &s->tasks; *pp; pp = &(*pp)->next)
        if (*pp == k) {
            *pp = k->next;
            break;
        }
    tgt_task_free(k);
}

/* ExpStatSN acknowledged the status: nothing of the task can be asked for again. */
void tgt_tasks_ack(tgt_session *s, uint32_t exp_statsn)
{
    tgt_task **pp = &s->tasks;
    while (*pp) {
        tgt_task *k = *pp;
        if (k->state == TASK_DONE && mc_sn_lt(k->statsn, exp_statsn)) {
            *pp = k->next;
            tgt_task_free(k);
        } else {
            pp = &k->next;
        }
    }
}

/* Data-In PDUs cover the data in order, each at most the initiator's MaxRecvDataSegmentLength,
 * F set at the end of every MaxBurstLength sequence (11.7.1). Sends DataSN [beg, end); the
 * status rides in the last one when it carries no sense (11.7.2). first: the first sending. */
static void send_datain(tgt_conn *c, tgt_task *k, uint32_t beg, uint32_t end, bool with_status,
                        bool first)
{
    const mc_session_params *p = &c->sess->p;
    uint32_t off = 0, sn = 0, burst_left = p->max_burst;
    while (off < k->data_len && sn < end) {
        uint32_t len = min_u32(min_u32(p->mrdsl_out, k->data_len - off), burst_left);
        bool last = off + len == k->data_len;
        burst_left -= len;
        bool seq_end = last || burst_left == 0;
        if (burst_left == 0)
            burst_left = p->max_burst;
        if (sn >= beg) {
            mc_pdu d;
            mc_pdu_init(&d, MC_OP_DATA_IN);
            mc_pdu_set(&d, MC_F_FINAL, seq_end);
            mc_pdu_set(&d, MC_F_LUN, k->lun_field);
            mc_pdu_set(&d, MC_F_ITT, k->itt);
            bool status_here = last && with_status;
            if (seq_end && !status_here && c->sess->p.erl >= 1) {
                /* 11.7.2: at ErrorRecoveryLevel 1 ask for a DataACK at each sequence end */
                if (k->ack_ttt == 0)
                    k->ack_ttt = tgt_session_ttt(c->sess);
                mc_pdu_set(&d, MC_F_ACK, 1);
                mc_pdu_set(&d, MC_F_TTT, k->ack_ttt);
            } else {
                mc_pdu_set(&d, MC_F_TTT, MC_RESERVED_TAG);
            }
            mc_pdu_set(&d, MC_F_DATASN, tgt_mutant(c->t, MC_MUTANT_DATASN_RESTART) ? 0 : sn);
            mc_pdu_set(&d, MC_F_BUFFER_OFFSET, off);
            if (mc_pdu_set_data(&d, k->data + off, len) != 0) {
                mc_pdu_free(&d);
                tgt_conn_close(c, "out of memory for Data-In");
                return;
            }
            mc_send_statsn mode = MC_SEND_STATSN_NONE;
            if (last && with_status) {
                mc_pdu_set(&d, MC_F_STATUS_PRESENT, 1);
                mc_pdu_set(&d, MC_F_STATUS, k->res.status);
                mc_pdu_set(&d, MC_F_OVERFLOW, k->overflow);
                mc_pdu_set(&d, MC_F_UNDERFLOW, k->underflow);
                mc_pdu_set(&d, MC_F_RESIDUAL, k->residual);
                if (first) {
                    k->statsn = c->statsn;
                    mode = MC_SEND_STATSN_ADVANCE;
                } else {
                    mc_pdu_set(&d, MC_F_STATSN, k->statsn);
                }
            }
            if (mode == MC_SEND_STATSN_NONE)
                tgt_stamp_window(c, &d);
            tgt_send(c, &d, mode, mode == MC_SEND_STATSN_ADVANCE);
            mc_pdu_free(&d);
        }
        off += len;
        sn++;
    }
    if (first)
        k->datain_count = sn;
}

/* A SCSI Response of the given status, sense and residuals (11.4), not yet numbered. */
static void build_status(tgt_conn *c, mc_pdu *r, uint32_t itt, const mc_scsi_result *res, bool overflow,
                         bool underflow, uint32_t residual, uint32_t expdatasn)
{
    mc_pdu_init(r, MC_OP_SCSI_RSP);
    mc_pdu_set(r, MC_F_FINAL, 1);
    mc_pdu_set(r, MC_F_RESPONSE, MC_RSP_COMPLETED);
    mc_pdu_set(r, MC_F_STATUS, res->status);
    mc_pdu_set(r, MC_F_ITT, itt);
    mc_pdu_set(r, MC_F_OVERFLOW, overflow);
    mc_pdu_set(r, MC_F_UNDERFLOW, underflow);
    mc_pdu_set(r, MC_F_RESIDUAL, residual);
    mc_pdu_set(r, MC_F_EXPDATASN, expdatasn);
    if (res->sense_len > 0) {
        uint8_t seg[SENSE_LENGTH_PREFIX + MC_SENSE_LEN];
        size_t sl = res->sense_len > MC_SENSE_LEN ? MC_SENSE_LEN : res->sense_len;
        size_t claimed = sl + (tgt_mutant(c->t, MC_MUTANT_SENSE_LENGTH_WRONG) ? SENSE_LENGTH_PREFIX : 0);
        seg[0] = (uint8_t)(claimed >> 8);
        seg[1] = (uint8_t)claimed;
        memcpy(seg + SENSE_LENGTH_PREFIX, res->sense, sl);
        mc_pdu_set_data(r, seg, SENSE_LENGTH_PREFIX + sl);
    }
}

void tgt_send_status(tgt_conn *c, uint32_t itt, const mc_scsi_result *res, bool overflow, bool underflow,
                     uint32_t residual, uint32_t expdatasn, bool keep)
{
    mc_pdu r;
    build_status(c, &r, itt, res, overflow, underflow, residual, expdatasn);
    tgt_send(c, &r, MC_SEND_STATSN_ADVANCE, keep);
    mc_pdu_free(&r);
}

static void send_response(tgt_conn *c, tgt_task *k)
{
    k->statsn = c->statsn;
    tgt_send_status(c, k->itt, &k->res, k->overflow, k->underflow, k->residual, k->datain_count, true);
}

/* Residuals (11.4.5): what the command wanted to move against the EDTL. */
static void set_residual(tgt_conn *c, tgt_task *k, uint32_t wanted)
{
    k->overflow = k->underflow = false;
    k->residual = 0;
    if (tgt_mutant(c->t, MC_MUTANT_RESIDUAL_MISSING))
        return;
    if (wanted > k->edtl) {
        k->overflow = true;
        k->residual = wanted - k->edtl;
    } else if (wanted < k->edtl) {
        k->underflow = true;
        k->residual = k->edtl - wanted;
    }
}

/* Bytes a session's tasks hold: write buffers still filling and Data-In kept for SNACK. */
static size_t session_bytes(const tgt_session *s, tgt_task **oldest_done, size_t *ndone)
{
    size_t bytes = 0;
    *oldest_done = NULL;
    *ndone = 0;
    for (tgt_task *k = s->tasks; k; k = k->next) {
        if (k->state != TASK_DONE) {  /* its write buffer, until it is answered */
            bytes += k->edtl;
        } else {
            bytes += k->data ? k->data_len : 0;
            *oldest_done = k;  /* new tasks go to the head: the last one seen is the oldest */
            (*ndone)++;
        }
    }
    return bytes;
}

/* An initiator that never acknowledges StatSN must not make us keep tasks without bound: past
 * TGT_KEPT_MAX answered tasks or TGT_SESSION_BYTES_MAX bytes the oldest is forgotten. */
static void prune_done(tgt_session *s)
{
    for (;;) {
        tgt_task *oldest;
        size_t ndone;
        size_t bytes = session_bytes(s, &oldest, &ndone);
        if (!oldest || (ndone <= TGT_KEPT_MAX && bytes <= TGT_SESSION_BYTES_MAX))
            return;
        tgt_task_remove(s, oldest);
    }
}

/* Sends data and status; the task stays for SNACK at ErrorRecoveryLevel >= 1. */
static void complete(tgt_conn *c, tgt_task *k)
{
    k->state = TASK_DONE;
    k->data_deadline_ms = 0;
    free(k->buf);
    k->buf = NULL;
    bool piggyback = k->data_len > 0 && k->res.sense_len == 0;
    if (k->data_len > 0)
        send_datain(c, k, 0, UINT32_MAX, piggyback, true);
    if (!piggyback)
        send_response(c, k);
    if (c->sess->p.erl == 0) {
        tgt_task_remove(c->sess, k);
        return;
    }
    prune_done(c->sess);
}

/* Block write opcodes (SBC-3) and where their TRANSFER LENGTH field sits: 2 bytes at 7 in the
 * 10-byte CDBs, 4 bytes at 6 in the 12-byte and at 10 in the 16-byte ones. */
enum {
    OP_WRITE10 = 0x2a, OP_WRITE12 = 0xaa, OP_WRITE16 = 0x8a,
    OP_WRITE_VERIFY10 = 0x2e, OP_WRITE_VERIFY12 = 0xae, OP_WRITE_VERIFY16 = 0x8e,
    CDB10_XFER_LEN_AT = 7, CDB12_XFER_LEN_AT = 6, CDB16_XFER_LEN_AT = 10,
};

/* FCP-4 9.4.2 a) (which iSCSI follows, RFC 7143 11.4.5.1): with an EDTL below the CDB's
 * transfer, write only what the EDTL covers. Possible when the EDTL is whole blocks: the
 * CDB's TRANSFER LENGTH is cut to match. */
static bool truncate_write(mc_target *t, tgt_task *k)
{
    mc_lun *lu = mc_lun_set_get(t->luns, k->lun);
    uint32_t bs = lu ? mc_lun_block_size(lu) : 0;
    if (bs == 0 || k->edtl % bs != 0)
        return false;
    uint32_t blocks = k->edtl / bs;
    switch (k->cdb[0]) {
    case OP_WRITE10:
    case OP_WRITE_VERIFY10:
        if (blocks > UINT16_MAX)
            return false;
        k->cdb[CDB10_XFER_LEN_AT] = (uint8_t)(blocks >> 8);
        k->cdb[CDB10_XFER_LEN_AT + 1] = (uint8_t)blocks;
        return true;
    case OP_WRITE12:
    case OP_WRITE_VERIFY12:
    case OP_WRITE16:
    case OP_WRITE_VERIFY16: {
        size_t at = (k->cdb[0] == OP_WRITE16 || k->cdb[0] == OP_WRITE_VERIFY16) ? CDB16_XFER_LEN_AT
                                                                                 : CDB12_XFER_LEN_AT;
        for (size_t i = 0; i < sizeof(blocks); i++)
            k->cdb[at + i] = (uint8_t)(blocks >> (8 * (sizeof(blocks) - 1 - i)));
        return true;
    }
    default:
        return false;
    }
}

/* The command ran (on the LUN core, or in a hook module): k->res holds its status and sense,
 * in the produced bytes it read. Residuals, then data and status. */
static void settle(tgt_conn *c, tgt_task *k, uint8_t *in, uint32_t produced)
{
    uint32_t wanted = 0;
    if (k->plan.dir == MC_XFER_FROM_DEV) {
        wanted = produced;
        k->data = in;
        k->data_len = min_u32(wanted, k->edtl);
    } else {
        free(in);
        wanted = k->plan.dir == MC_XFER_TO_DEV ? k->spdtl : 0;
    }
    set_residual(c, k, wanted);
    complete(c, k);
}

static void execute(tgt_conn *c, tgt_task *k)
{
    mc_target *t = c->t;
    k->spdtl = k->plan.length;
    if (k->plan.dir == MC_XFER_TO_DEV && k->edtl < k->plan.length && truncate_write(t, k))
        k->plan.length = k->edtl;  /* residual still counts what the CDB asked for */
    if (k->plan.dir == MC_XFER_TO_DEV && k->edtl < k->plan.length) {
        /* FCP-4 9.4.2 b): an EDTL that cannot be cut to whole blocks; nothing is written */
        memset(&k->res, 0, sizeof(k->res));
        mc_scsi_set_sense(&k->res, MC_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_IU);
        set_residual(c, k, k->plan.length);
        complete(c, k);
        return;
    }
    if (tgt_hooks_execute(k))
        return;  /* a hook module runs it and calls mc_target_task_complete */
    /* the LU bounds a read; a larger EDTL only makes an underflow. An allocation length is the
     * peer's (REPORT LUNS takes 32 bits): the buffer is bounded by what a session may hold, the
     * command returning at most that much (found by the iscsi_target fuzz target: 4 GiB asked) */
    uint32_t cap = k->plan.dir == MC_XFER_FROM_DEV ? k->plan.length : 0;
    if (cap > TGT_SESSION_BYTES_MAX)
        cap = TGT_SESSION_BYTES_MAX;
    uint8_t *in = NULL;
    if (cap > 0 && (in = calloc(1, cap)) == NULL) {
        memset(&k->res, 0, sizeof(k->res));
        mc_scsi_set_sense(&k->res, MC_SK_HARDWARE_ERROR, MC_ASC_NONE);
    } else {
        uint32_t out_len = k->plan.dir == MC_XFER_TO_DEV ? k->plan.length : 0;
        mc_lun_set_execute(t->luns, k->lun, k->cdb, MC_CDB_LEN, k->buf, out_len, in, cap, &k->res);
    }
    settle(c, k, in, (uint32_t)k->res.data_in_len);
}

int mc_target_task_complete(mc_task *k, const mc_scsi_result *res, const uint8_t *data_in, size_t len)
{
    if (k->state != TASK_TAKEN || len > mc_task_data_in_cap(k) || !k->sess->conn)
        return -1;
    tgt_conn *c = k->sess->conn;
    k->res = *res;
    k->res.data_in_len = len;
    uint8_t *in = NULL;
    if (len > 0 && (in = malloc(len)) == NULL) {
        memset(&k->res, 0, sizeof(k->res));
        mc_scsi_set_sense(&k->res, MC_SK_HARDWARE_ERROR, MC_ASC_NONE);
        len = 0;
    } else if (len > 0) {
        memcpy(in, data_in, len);
    }
    k->state = TASK_WAIT_DATA;  /* no longer the module's: complete() makes it DONE */
    settle(c, k, in, (uint32_t)len);
    return 0;
}

static tgt_r2t *send_r2t(tgt_conn *c, tgt_task *k, uint32_t off, uint32_t len)
{
    if (k->nr2t == k->r2t_cap) {
        size_t cap = k->r2t_cap ? k->r2t_cap * 2 : 4;
        tgt_r2t *v = realloc(k->r2t, cap * sizeof(*v));
        if (!v) {
            tgt_conn_close(c, "out of memory for R2T");
            return NULL;
        }
        k->r2t = v;
        k->r2t_cap = cap;
    }
    tgt_r2t *r = &k->r2t[k->nr2t++];
    memset(r, 0, sizeof(*r));
    r->r2tsn = k->next_r2tsn++;
    r->ttt = tgt_session_ttt(c->sess);
    r->off = off;
    r->len = len;
    r->open = true;
    tgt_r2t_resend(c, k, r->r2tsn, 1);
    return r;
}

/* Keeps at most MaxOutstandingR2T sequences open, each at most MaxBurstLength (11.8). */
static void issue_r2ts(tgt_conn *c, tgt_task *k)
{
    uint32_t open = 0;
    for (size_t i = 0; i < k->nr2t; i++)
        open += k->r2t[i].open;
    while (open < c->sess->p.max_outstanding_r2t && k->next_off < k->edtl && !c->dead) {
        uint32_t len = min_u32(c->sess->p.max_burst, k->edtl - k->next_off);
        if (!send_r2t(c, k, k->next_off, len))
            return;
        k->next_off += len;
        open++;
    }
}

int tgt_r2t_resend(tgt_conn *c, tgt_task *k, uint32_t beg, uint32_t run)
{
    int n = 0;
    for (size_t i = 0; i < k->nr2t; i++) {
        tgt_r2t *r = &k->r2t[i];
        if (mc_sn_lt(r->r2tsn, beg) || (run != 0 && !mc_sn_lt(r->r2tsn, beg + run)))
            continue;
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_R2T);
        mc_pdu_set(&p, MC_F_FINAL, 1);
        mc_pdu_set(&p, MC_F_LUN, k->lun_field);
        mc_pdu_set(&p, MC_F_ITT, k->itt);
        mc_pdu_set(&p, MC_F_TTT, r->ttt);
        mc_pdu_set(&p, MC_F_R2TSN, r->r2tsn);
        uint32_t shown = r->off + (tgt_mutant(c->t, MC_MUTANT_R2T_OFFSET_WRONG) ? MUTANT_R2T_OFFSET_SKEW : 0u);
        mc_pdu_set(&p, MC_F_BUFFER_OFFSET, shown);
        mc_pdu_set(&p, MC_F_DDTL, r->len);
        tgt_send(c, &p, MC_SEND_STATSN_CARRY, false);  /* 11.8: R2T carries StatSN, no advance */
        mc_pdu_free(&p);
        n++;
    }
    return n;
}

int tgt_datain_resend(tgt_conn *c, tgt_task *k, uint32_t beg, uint32_t run)
{
    if (k->state != TASK_DONE || beg >= k->datain_count || mc_sn_lt(beg, k->data_acked))
        return -1;
    uint32_t end = run == 0 ? k->datain_count : beg + run;
    if (end > k->datain_count || end < beg)
        return -1;
    bool piggyback = k->data_len > 0 && k->res.sense_len == 0;
    send_datain(c, k, beg, end, piggyback, false);
    return 0;
}

/* R-Data SNACK (11.16.3): all the data DataACK left unacknowledged again, then the status in a
 * SCSI Response carrying the SNACK Tag as the last response, with the StatSN the task's status
 * was first sent with (a second response of a task repeats its StatSN). */
int tgt_rdata_resend(tgt_conn *c, tgt_task *k, uint32_t snack_tag)
{
    if (k->state != TASK_DONE)
        return -1;
    if (mc_sn_lt(k->data_acked, k->datain_count))  /* BegRun 0: what DataACK left unacknowledged */
        send_datain(c, k, k->data_acked, k->datain_count, false, false);
    mc_pdu r;
    build_status(c, &r, k->itt, &k->res, k->overflow, k->underflow, k->residual, k->datain_count);
    mc_pdu_set(&r, MC_F_SNACK_TAG, snack_tag);
    mc_pdu_set(&r, MC_F_STATSN, k->statsn);
    tgt_stamp_window(c, &r);
    tgt_send(c, &r, MC_SEND_STATSN_NONE, false);
    mc_pdu_free(&r);
    return 0;
}

/* A CHECK CONDITION decided before any data moved. */
static void fail_early(tgt_conn *c, tgt_task *k)
{
    k->next = c->sess->tasks;
    c->sess->tasks = k;
    set_residual(c, k, 0);
    if (k->edtl == 0) {
        k->overflow = k->underflow = false;
        k->residual = 0;
    }
    complete(c, k);
}

/* Every byte of the EDTL has arrived: run the command. */
static void maybe_execute(tgt_conn *c, tgt_task *k)
{
    mc_range gap;
    if (k->state == TASK_WAIT_DATA && !mc_ranges_first_gap(&k->got, 0, k->edtl, &gap))
        execute(c, k);
}

/* The bounds a new SCSI command meets (target_int.h): NULL, or the one reached; *reject is set
 * when the command is to be rejected rather than answered TASK SET FULL. */
static const char *task_bound_reached(const tgt_session *s, bool immediate, bool *reject)
{
    size_t open = 0, open_immediate = 0;
    for (const tgt_task *k = s->tasks; k; k = k->next)
        if (k->state != TASK_DONE) {
            open++;
            open_immediate += k->immediate;
        }
    *reject = immediate && open_immediate >= TGT_IMMEDIATE_MAX;
    if (*reject)
        return "TGT_IMMEDIATE_MAX";
    if (open >= TGT_OPEN_TASKS_MAX)
        return "TGT_OPEN_TASKS_MAX";
    if (s->t->ntasks >= TGT_TARGET_TASKS_MAX)
        return "TGT_TARGET_TASKS_MAX";
    return NULL;
}

/* SPC-4 / SAM-5: INQUIRY, REPORT LUNS and REQUEST SENSE neither report nor clear a UNIT
 * ATTENTION; any other command reports the pending reset once. */
enum { OP_INQUIRY = 0x12, OP_REPORT_LUNS = 0xa0, OP_REQUEST_SENSE = 0x03 };

static bool take_unit_attention(tgt_session *s, tgt_task *k)
{
    if (k->cdb[0] == OP_INQUIRY || k->cdb[0] == OP_REPORT_LUNS || k->cdb[0] == OP_REQUEST_SENSE)
        return false;
    for (size_t i = 0; i < s->n_ua; i++)
        if (s->ua_luns[i] == k->lun) {
            s->ua_luns[i] = s->ua_luns[--s->n_ua];
            memset(&k->res, 0, sizeof(k->res));
            mc_scsi_set_sense(&k->res, MC_SK_UNIT_ATTENTION, MC_ASC_POWER_ON_RESET);
            return true;
        }
    return false;
}

void tgt_scsi_cmd(tgt_conn *c, mc_pdu *p)
{
    tgt_session *s = c->sess;
    tgt_task *old = tgt_task_find(s, (uint32_t)mc_pdu_get(p, MC_F_ITT));
    if (old && old->state != TASK_DONE) {
        /* 11.17.1: a new command reusing the tag of one still in progress */
        tgt_log(c, 0, "ITT 0x%08x already in use", old->itt);
        tgt_reject(c, p->bhs, MC_REJ_TASK_IN_PROGRESS);
        return;
    }
    if (old)  /* the earlier task's status was delivered: its tag is free again */
        tgt_task_remove(s, old);
    bool immediate = mc_pdu_get(p, MC_F_IMMEDIATE) != 0;
    bool reject = false;
    const char *bound = task_bound_reached(s, immediate, &reject);
    int bound_log_level = bound && bound == s->bound_hit ? 2 : 0;  /* once per run of refusals */
    s->bound_hit = bound;
    if (bound && reject) {
        tgt_log(c, bound_log_level, "ITT 0x%08x: immediate command beyond the session's %u unanswered (%s): rejected",
                (unsigned)mc_pdu_get(p, MC_F_ITT), TGT_IMMEDIATE_MAX, bound);
        tgt_reject(c, p->bhs, MC_REJ_IMMEDIATE_CMD);
        return;
    }
    tgt_task *k = calloc(1, sizeof(*k));
    if (!k) {
        tgt_conn_close(c, "out of memory for a task");
        return;
    }
    c->t->ntasks++;
    k->sess = s;
    k->itt = (uint32_t)mc_pdu_get(p, MC_F_ITT);
    k->immediate = immediate;
    k->cmdsn = (uint32_t)mc_pdu_get(p, MC_F_CMDSN);
    k->lun_field = mc_pdu_get(p, MC_F_LUN);
    k->lun = mc_lun_decode(k->lun_field);
    k->edtl = (uint32_t)mc_pdu_get(p, MC_F_EDTL);
    k->next_r2tsn = tgt_mutant(c->t, MC_MUTANT_R2TSN_WRONG) ? 1u : 0u;
    mc_pdu_get_cdb(p, k->cdb);
    k->state = TASK_WAIT_DATA;
    if (bound) {
        /* SAM-5 5.3: no room for another task now; the initiator may retry */
        tgt_log(c, bound_log_level, "ITT 0x%08x: task bound %s reached: TASK SET FULL", k->itt, bound);
        memset(&k->res, 0, sizeof(k->res));
        k->res.status = MC_SAM_TASK_SET_FULL;
        fail_early(c, k);
        return;
    }
    if (take_unit_attention(s, k)) {
        tgt_log(c, 1, "LUN %u: UNIT ATTENTION after reset reported", (unsigned)k->lun);
        fail_early(c, k);
        return;
    }
    if (mc_lun_set_plan(c->t->luns, k->lun, k->cdb, MC_CDB_LEN, &k->plan, &k->res) != 0) {
        tgt_log(c, 2, "LUN %u CDB 0x%02x refused before data", (unsigned)k->lun, k->cdb[0]);
        fail_early(c, k);
        return;
    }
    bool writes = mc_pdu_get(p, MC_F_WRITE) && k->edtl > 0;
    if (!writes) {
        if (p->data_len > 0)
            tgt_log(c, 0, "ITT 0x%08x: data with a command that has no W bit; ignored", k->itt);
        k->next = s->tasks;
        s->tasks = k;
        execute(c, k);
        return;
    }
    tgt_task *oldest;
    size_t ndone;
    if (k->edtl <= MC_TARGET_EDTL_MAX && session_bytes(s, &oldest, &ndone) + k->edtl > TGT_SESSION_BYTES_MAX) {
        /* SAM-5 5.3: no room for more write data now; the initiator may retry */
        tgt_log(c, 1, "ITT 0x%08x: session write buffers full", k->itt);
        memset(&k->res, 0, sizeof(k->res));
        k->res.status = MC_SAM_TASK_SET_FULL;
        fail_early(c, k);
        return;
    }
    if (k->edtl > MC_TARGET_EDTL_MAX || (k->buf = malloc(k->edtl)) == NULL) {
        memset(&k->res, 0, sizeof(k->res));
        mc_scsi_set_sense(&k->res, MC_SK_ILLEGAL_REQUEST, MC_ASC_INVALID_FIELD_IN_CDB);
        fail_early(c, k);
        return;
    }
    uint32_t imm = (uint32_t)p->data_len;
    uint32_t unsol_max = min_u32(k->edtl, s->p.first_burst);
    if (imm > 0 && (!s->p.immediate_data || imm > unsol_max)) {
        /* 13.11 / 13.14: immediate data not negotiated, or beyond FirstBurstLength */
        tgt_log(c, 0, "ITT 0x%08x: %u bytes of immediate data not allowed", k->itt, (unsigned)imm);
        tgt_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
        tgt_task_free(k);
        return;
    }
    if (imm > 0) {
        memcpy(k->buf, p->data, imm);
        mc_ranges_add(&k->got, 0, imm);
    }
    k->unsol_len = s->p.initial_r2t ? imm : unsol_max;
    k->unsol_open = k->unsol_len > imm;
    k->next_off = k->unsol_len;
    k->next = s->tasks;
    s->tasks = k;
    k->data_deadline_ms = tgt_now_ms() + c->t->data_out_timeout_ms;
    issue_r2ts(c, k);
    maybe_execute(c, k);
}

/* Data-Out went missing or out of order and cannot be asked for again: the command ends with
 * ABORTED COMMAND / DATA PHASE ERROR and nothing is written. */
static void data_phase_failed(tgt_conn *c, tgt_task *k)
{
    memset(&k->res, 0, sizeof(k->res));
    mc_scsi_set_sense(&k->res, MC_SK_ABORTED_COMMAND, MC_ASC_DATA_PHASE_ERROR);
    set_residual(c, k, k->edtl);
    complete(c, k);
}

uint64_t tgt_tasks_deadline(const tgt_session *s)
{
    uint64_t first = 0;
    for (const tgt_task *k = s->tasks; k; k = k->next)
        if (k->state == TASK_WAIT_DATA && k->data_deadline_ms && (first == 0 || k->data_deadline_ms < first))
            first = k->data_deadline_ms;
    return first;
}

/* A task that received no Data-Out within the deadline (TGT_DATA_OUT_TIMEOUT_MS) ends as a
 * failed data phase: its buffer is freed and its slot among the open tasks is free again. */
void tgt_tasks_tick(tgt_conn *c, uint64_t now)
{
    bool again = true;
    while (again && !c->dead && c->sess) {
        again = false;
        for (tgt_task *k = c->sess->tasks; k; k = k->next)
            if (k->state == TASK_WAIT_DATA && k->data_deadline_ms && now >= k->data_deadline_ms) {
                tgt_log(c, 0, "ITT 0x%08x: no Data-Out within %u ms (TGT_DATA_OUT_TIMEOUT_MS): task ended",
                        k->itt, c->t->data_out_timeout_ms);
                data_phase_failed(c, k);  /* may free k: scan again */
                again = true;
                break;
            }
    }
}

/* The end of a Data-Out sequence: ask again for what is missing at ErrorRecoveryLevel 1
 * (6.7, recovery R2T); at level 0 the command cannot complete. Returns false if it failed. */
static bool sequence_end(tgt_conn *c, tgt_task *k, uint32_t lo, uint32_t hi)
{
    mc_range gap;
    uint32_t at = lo;
    while (at < hi && mc_ranges_first_gap(&k->got, at, hi, &gap)) {
        if (c->sess->p.erl == 0) {
            tgt_log(c, 0, "ITT 0x%08x: Data-Out bytes %u..%u missing at ErrorRecoveryLevel 0", k->itt,
                    (unsigned)gap.lo, (unsigned)gap.hi);
            data_phase_failed(c, k);
            return false;
        }
        tgt_log(c, 1, "ITT 0x%08x: recovery R2T for bytes %u..%u", k->itt, (unsigned)gap.lo,
                (unsigned)gap.hi);
        if (!send_r2t(c, k, gap.lo, gap.hi - gap.lo))
            return false;
        at = gap.hi;
    }
    return true;
}

void tgt_data_out(tgt_conn *c, mc_pdu *p, bool digest_bad)
{
    tgt_session *s = c->sess;
    uint32_t itt = (uint32_t)mc_pdu_get(p, MC_F_ITT);
    uint32_t ttt = (uint32_t)mc_pdu_get(p, MC_F_TTT);
    uint32_t off = (uint32_t)mc_pdu_get(p, MC_F_BUFFER_OFFSET);
    uint32_t datasn = (uint32_t)mc_pdu_get(p, MC_F_DATASN);
    uint32_t len = (uint32_t)p->data_len;
    bool final = mc_pdu_get(p, MC_F_FINAL) != 0;
    tgt_task *k = tgt_task_find(s, itt);
    if (!k || k->state != TASK_WAIT_DATA) {
        /* 4.2.2.3 / 11.7: data for a task that is gone (aborted or answered) is dropped */
        tgt_log(c, 1, "Data-Out for ITT 0x%08x with no task waiting for data; dropped", itt);
        return;
    }
    uint32_t seq_lo, seq_hi, *next_sn;
    tgt_r2t *r = NULL;
    if (ttt == MC_RESERVED_TAG) {
        if (!k->unsol_open) {
            tgt_log(c, 0, "ITT 0x%08x: unsolicited Data-Out not allowed now", itt);
            tgt_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
            return;
        }
        seq_lo = 0;
        seq_hi = k->unsol_len;
        next_sn = &k->unsol_next_datasn;
    } else {
        for (size_t i = 0; i < k->nr2t && !r; i++)
            if (k->r2t[i].ttt == ttt && k->r2t[i].open)
                r = &k->r2t[i];
        if (!r) {
            tgt_log(c, 0, "ITT 0x%08x: Data-Out TTT 0x%08x matches no open R2T", itt, ttt);
            tgt_reject(c, p->bhs, MC_REJ_INVALID_PDU_FIELD);
            return;
        }
        seq_lo = r->off;
        seq_hi = r->off + r->len;
        next_sn = &r->next_datasn;
    }
    if (off < seq_lo || off > seq_hi || len > seq_hi - off) {
        /* 11.7.6 / 11.8.4: BufferOffset and length must stay inside the sequence */
        tgt_log(c, 0, "ITT 0x%08x: Data-Out bytes %u..%u outside the sequence %u..%u", itt,
                (unsigned)off, (unsigned)(off + len), (unsigned)seq_lo, (unsigned)seq_hi);
        tgt_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
        return;
    }
    if (datasn != *next_sn) {
        /* 11.7.5: DataSN counts the PDUs of a sequence from 0; a gap means lost Data-Out */
        tgt_log(c, 0, "ITT 0x%08x: Data-Out DataSN %u, expected %u", itt, (unsigned)datasn,
                (unsigned)*next_sn);
        if (s->p.erl == 0) {
            /* 7.1.4.1: without within-command recovery the command fails */
            data_phase_failed(c, k);
            return;
        }
    }
    *next_sn = datasn + 1;
    if (!digest_bad && len > 0) {
        memcpy(k->buf + off, p->data, len);
        if (mc_ranges_add(&k->got, off, off + len) != 0) {
            tgt_conn_close(c, "out of memory");
            return;
        }
        k->data_deadline_ms = tgt_now_ms() + c->t->data_out_timeout_ms;  /* progress */
    }
    if (final) {
        if (r)
            r->open = false;
        else
            k->unsol_open = false;
        if (!sequence_end(c, k, seq_lo, seq_hi))
            return;
        issue_r2ts(c, k);
    }
    maybe_execute(c, k);
}
