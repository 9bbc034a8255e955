/* Full feature phase requests other than SCSI: NOP-Out, Logout, Task Management, SNACK
 * (RFC 7143 11.5, 11.14, 11.16, 11.18). */
#include <stdlib.h>
#include <string.h>

#include "target_int.h"

void tgt_nop_out(tgt_conn *c, mc_pdu *p)
{
    uint32_t itt = (uint32_t)mc_pdu_get(p, MC_F_ITT);
    uint32_t ttt = (uint32_t)mc_pdu_get(p, MC_F_TTT);
    if (ttt != MC_RESERVED_TAG && ttt == c->nop_ttt)
        c->nop_ttt = 0;  /* 11.18.3: the answer to our ping */
    if (itt == MC_RESERVED_TAG)
        return;  /* 11.18: no answer wanted (or it answers a NOP-In of ours) */
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_NOP_IN);
    mc_pdu_set(&r, MC_F_FINAL, 1);
    mc_pdu_set(&r, MC_F_LUN, mc_pdu_get(p, MC_F_LUN));
    mc_pdu_set(&r, MC_F_ITT, itt);
    /* 11.19.2: a ping reply carries TTT 0xffffffff */
    mc_pdu_set(&r, MC_F_TTT, tgt_mutant(c->t, MC_MUTANT_NOP_TTT_WRONG) ? 0 : MC_RESERVED_TAG);
    size_t echo = p->data_len;
    if (echo > c->sess->p.mrdsl_out)
        echo = c->sess->p.mrdsl_out;
    if (echo > 0)
        mc_pdu_set_data(&r, p->data, echo);
    tgt_send(c, &r, MC_SEND_STATSN_ADVANCE, true);
    mc_pdu_free(&r);
}

uint64_t tgt_nop_deadline(const tgt_conn *c)
{
    unsigned iv = c->t->nop_interval_ms;
    if (iv == 0 || c->phase != PHASE_FFP || c->closing || c->dead)
        return 0;
    return c->nop_ttt ? c->nop_sent_ms + iv : c->last_rx_ms + iv;
}

void tgt_nop_tick(tgt_conn *c, uint64_t now)
{
    uint64_t due = tgt_nop_deadline(c);
    if (due == 0 || now < due)
        return;
    if (c->nop_ttt) {
        tgt_log(c, 0, "no NOP-Out answered the NOP-In ping within %u ms", c->t->nop_interval_ms);
        tgt_conn_close(c, "peer unresponsive");
        return;
    }
    /* 11.19: an unsolicited ping: ITT 0xffffffff, a TTT to echo, StatSN carried, not advanced */
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_NOP_IN);
    mc_pdu_set(&r, MC_F_FINAL, 1);
    mc_pdu_set(&r, MC_F_ITT, MC_RESERVED_TAG);
    c->nop_ttt = tgt_session_ttt(c->sess);
    c->nop_sent_ms = now;
    mc_pdu_set(&r, MC_F_TTT, c->nop_ttt);
    tgt_send(c, &r, MC_SEND_STATSN_CARRY, false);
    mc_pdu_free(&r);
}

void tgt_logout(tgt_conn *c, mc_pdu *p)
{
    unsigned reason = (unsigned)mc_pdu_get(p, MC_F_LOGOUT_REASON);
    uint16_t cid = (uint16_t)mc_pdu_get(p, MC_F_CID);
    uint8_t response = MC_LOGOUT_RSP_OK;
    if (reason == MC_LOGOUT_CONNECTION && cid != c->cid)
        response = MC_LOGOUT_RSP_NO_CID;  /* one connection per session: no other CID exists */
    else if (reason == MC_LOGOUT_RECOVERY)
        response = MC_LOGOUT_RSP_NO_RECOVERY;  /* 11.15.1: needs ErrorRecoveryLevel 2 */
    else if (reason != MC_LOGOUT_SESSION && reason != MC_LOGOUT_CONNECTION)
        response = MC_LOGOUT_RSP_FAILED;
    tgt_log(c, 1, "Logout reason %u, response %u", reason, (unsigned)response);
    if (response == MC_LOGOUT_RSP_OK && tgt_mutant(c->t, MC_MUTANT_LOGOUT_NO_RESPONSE)) {
        tgt_conn_close(c, "logout");
        return;
    }
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_LOGOUT_RSP);
    mc_pdu_set(&r, MC_F_FINAL, 1);
    mc_pdu_set(&r, MC_F_RESPONSE, response);
    mc_pdu_set(&r, MC_F_ITT, mc_pdu_get(p, MC_F_ITT));
    if (response == MC_LOGOUT_RSP_OK) {
        mc_pdu_set(&r, MC_F_TIME2WAIT, c->sess->p.time2wait);
        mc_pdu_set(&r, MC_F_TIME2RETAIN, 0);  /* nothing is kept once the session goes */
    }
    tgt_send(c, &r, MC_SEND_STATSN_ADVANCE, false);
    mc_pdu_free(&r);
    if (response == MC_LOGOUT_RSP_OK)
        c->closing = true;  /* 11.14: the target closes once the response is out */
}

/* Removes tasks not answered yet (waiting for data, or run by a hook module) matching the
 * filter; answered ones only wait for acknowledgement. */
static unsigned abort_tasks(mc_target *t, tgt_session *only, bool by_lun, uint16_t lun)
{
    unsigned n = 0;
    for (tgt_session *s = t->sessions; s; s = s->next) {
        if (only && s != only)
            continue;
        tgt_task **pp = &s->tasks;
        while (*pp) {
            tgt_task *k = *pp;
            if (k->state != TASK_DONE && (!by_lun || k->lun == lun)) {
                *pp = k->next;
                tgt_task_free(k);
                n++;
            } else {
                pp = &k->next;
            }
        }
    }
    return n;
}

static void add_ua(tgt_session *s, uint16_t lun)
{
    for (size_t i = 0; i < s->n_ua; i++)
        if (s->ua_luns[i] == lun)
            return;
    if (s->n_ua < MC_TARGET_MAX_LUNS)
        s->ua_luns[s->n_ua++] = lun;
}

/* The reset's UNIT ATTENTION for every session: one LU, or all of them (all == true). */
static void raise_reset_ua(mc_target *t, bool all, uint16_t lun)
{
    for (tgt_session *s = t->sessions; s; s = s->next) {
        if (s->discovery)
            continue;
        if (!all)
            add_ua(s, lun);
        for (size_t i = 0; all && i < t->nluns; i++)
            add_ua(s, t->lun_ids[i]);
    }
}

static uint8_t abort_task(tgt_conn *c, mc_pdu *p)
{
    tgt_session *s = c->sess;
    uint32_t rtt = (uint32_t)mc_pdu_get(p, MC_F_RTT);
    uint32_t ref = (uint32_t)mc_pdu_get(p, MC_F_REFCMDSN);
    uint32_t own = (uint32_t)mc_pdu_get(p, MC_F_CMDSN);
    tgt_task *k = tgt_task_find(s, rtt);
    if (k && k->state != TASK_DONE) {  /* waiting for data, or run by a hook module */
        tgt_task_remove(s, k);
        return MC_TMF_RSP_COMPLETE;
    }
    if (k)
        return MC_TMF_RSP_COMPLETE;  /* already answered: nothing left to abort */
    /* 11.5.1 a: a command held for a lower missing CmdSN is aborted; its CmdSN still counts in
     * order (4.2.2.1), so it stays queued, marked, and is consumed without running in its turn */
    for (tgt_pending *q = s->pending; q; q = q->next)
        if ((uint32_t)mc_pdu_get(&q->pdu, MC_F_CMDSN) == ref) {
            q->aborted = true;
            return MC_TMF_RSP_COMPLETE;
        }
    /* 11.5.1 b/c: a task never received but inside the window counts as received and done */
    if (!mc_sn_lt(ref, s->exp_cmdsn) && mc_sn_le(ref, s->max_cmdsn) && mc_sn_lt(ref, own))
        return MC_TMF_RSP_COMPLETE;
    return MC_TMF_RSP_NO_TASK;
}

void tgt_tmf(tgt_conn *c, mc_pdu *p)
{
    mc_target *t = c->t;
    unsigned fn = (unsigned)mc_pdu_get(p, MC_F_TMF_FUNCTION);
    uint16_t lun = mc_lun_decode(mc_pdu_get(p, MC_F_LUN));
    bool lun_known = mc_lun_set_get(t->luns, lun) != NULL;
    uint8_t response;
    switch (fn) {
    case MC_TMF_ABORT_TASK:
        if (!tgt_hooks_abort(c, p, &response))  /* a tag a hook module owns */
            response = abort_task(c, p);
        break;
    case MC_TMF_ABORT_TASK_SET:
        response = lun_known ? MC_TMF_RSP_COMPLETE : MC_TMF_RSP_NO_LUN;
        if (lun_known)
            abort_tasks(t, c->sess, true, lun);
        break;
    case MC_TMF_CLEAR_TASK_SET:
    case MC_TMF_LUN_RESET:
        response = lun_known ? MC_TMF_RSP_COMPLETE : MC_TMF_RSP_NO_LUN;
        if (lun_known)
            abort_tasks(t, NULL, true, lun);
        if (lun_known && fn == MC_TMF_LUN_RESET)
            raise_reset_ua(t, false, lun);
        break;
    case MC_TMF_TARGET_WARM_RESET:
        abort_tasks(t, NULL, false, 0);
        raise_reset_ua(t, true, 0);
        response = MC_TMF_RSP_COMPLETE;
        break;
    case MC_TMF_TASK_REASSIGN:
        response = MC_TMF_RSP_NO_REASSIGN;  /* 11.5.1: reassignment needs ErrorRecoveryLevel 2 */
        break;
    case MC_TMF_CLEAR_ACA:
    case MC_TMF_TARGET_COLD_RESET:
        response = MC_TMF_RSP_NOT_SUPPORTED;
        break;
    default:
        response = MC_TMF_RSP_REJECTED;
        break;
    }
    tgt_log(c, 1, "Task Management function %u LUN %u: response %u", fn, (unsigned)lun, (unsigned)response);
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_TMF_RSP);
    mc_pdu_set(&r, MC_F_FINAL, 1);
    mc_pdu_set(&r, MC_F_RESPONSE, response);
    mc_pdu_set(&r, MC_F_ITT, mc_pdu_get(p, MC_F_ITT));
    tgt_send(c, &r, MC_SEND_STATSN_ADVANCE, true);
    mc_pdu_free(&r);
}

static tgt_task *task_by_ack_ttt(tgt_session *s, uint32_t ttt)
{
    for (tgt_task *k = s->tasks; k; k = k->next)
        if (k->state == TASK_DONE && k->ack_ttt == ttt && ttt != MC_RESERVED_TAG)
            return k;
    return NULL;
}

void tgt_snack(tgt_conn *c, mc_pdu *p)
{
    tgt_session *s = c->sess;
    unsigned type = (unsigned)mc_pdu_get(p, MC_F_SNACK_TYPE);
    uint32_t itt = (uint32_t)mc_pdu_get(p, MC_F_ITT);
    uint32_t beg = (uint32_t)mc_pdu_get(p, MC_F_BEGRUN);
    uint32_t run = (uint32_t)mc_pdu_get(p, MC_F_RUNLENGTH);
    if (s->p.erl == 0) {
        /* 6.7: SNACK belongs to ErrorRecoveryLevel 1 and above */
        tgt_log(c, 0, "SNACK at ErrorRecoveryLevel 0");
        tgt_reject(c, p->bhs, MC_REJ_SNACK);
        return;
    }
    tgt_task *k = NULL;
    int done = -1;
    switch (type) {
    case MC_SNACK_DATA_R2T:
        k = tgt_task_find(s, itt);
        if (k && k->state == TASK_DONE)
            done = tgt_datain_resend(c, k, beg, run);
        else if (k && k->state == TASK_WAIT_DATA)
            done = tgt_r2t_resend(c, k, beg, run) > 0 ? 0 : -1;
        break;
    case MC_SNACK_STATUS:
        done = tgt_resend_status(c, beg, run) > 0 ? 0 : -1;
        break;
    case MC_SNACK_DATA_ACK:
        k = task_by_ack_ttt(s, (uint32_t)mc_pdu_get(p, MC_F_TTT));
        if (!k) {
            tgt_log(c, 0, "DataACK for TTT 0x%08x that names no acknowledgeable Data-In",
                    (unsigned)mc_pdu_get(p, MC_F_TTT));
            tgt_reject(c, p->bhs, MC_REJ_INVALID_DATA_ACK);
            return;
        }
        if (mc_sn_gt(beg, k->data_acked))
            k->data_acked = beg;
        return;
    case MC_SNACK_RDATA:
        /* 11.16.3: R-Data resends all the data of the task (BegRun and RunLength 0), then a
         * SCSI Response with the SNACK Tag */
        k = tgt_task_find(s, itt);
        if (k && k->state == TASK_DONE && beg == 0 && run == 0)
            done = tgt_rdata_resend(c, k, (uint32_t)mc_pdu_get(p, MC_F_TTT));
        break;
    default:
        break;
    }
    if (done != 0) {
        /* 11.16: a SNACK for something not sent, or already acknowledged */
        tgt_log(c, 0, "SNACK type %u ITT 0x%08x BegRun %u RunLength %u cannot be served", type,
                (unsigned)itt, (unsigned)beg, (unsigned)run);
        tgt_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
    }
}
