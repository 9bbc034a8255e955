/* Sessions and the full feature phase front door: ExpStatSN acknowledgement, the CmdSN window
 * and command ordering (RFC 7143 4.2.2.1, 3.2.2.1), dispatch by opcode. */
#include <stdlib.h>
#include <string.h>

#include "target_int.h"

tgt_session *tgt_session_new(mc_target *t, uint64_t isid, const char *initiator, bool discovery)
{
    tgt_session *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->initiator = strdup(initiator ? initiator : "");
    if (!s->initiator) {
        free(s);
        return NULL;
    }
    s->t = t;
    s->isid = isid;
    s->discovery = discovery;
    /* TSIH: non-zero and unique among live sessions (11.12.6) */
    for (;;) {
        uint16_t cand = t->next_tsih++;
        if (cand == 0)
            continue;
        bool used = false;
        for (tgt_session *o = t->sessions; o; o = o->next)
            used = used || o->tsih == cand;
        if (!used) {
            s->tsih = cand;
            break;
        }
    }
    s->next_ttt = 1;
    s->next = t->sessions;
    t->sessions = s;
    return s;
}

void tgt_session_free(tgt_session *s)
{
    while (s->tasks) {
        tgt_task *k = s->tasks;
        s->tasks = k->next;
        tgt_task_free(k);
    }
    while (s->pending) {
        tgt_pending *q = s->pending;
        s->pending = q->next;
        mc_pdu_free(&q->pdu);
        free(q);
    }
    free(s->initiator);
    free(s);
}

tgt_session *tgt_session_find(mc_target *t, uint64_t isid, uint16_t tsih, const char *initiator)
{
    for (tgt_session *s = t->sessions; s; s = s->next)
        if (s->isid == isid && (tsih == 0 || s->tsih == tsih) &&
            strcmp(s->initiator, initiator ? initiator : "") == 0)
            return s;
    return NULL;
}

/* A fresh Target Transfer Tag, never the reserved 0xffffffff (11.8.1). */
uint32_t tgt_session_ttt(tgt_session *s)
{
    uint32_t ttt = s->next_ttt++;
    if (ttt == MC_RESERVED_TAG) {
        ttt = 1;
        s->next_ttt = 2;
    }
    return ttt;
}

void tgt_session_advance(tgt_session *s)
{
    s->exp_cmdsn++;
    if (!tgt_mutant(s->t, MC_MUTANT_MAXCMDSN_STUCK))
        s->max_cmdsn = s->exp_cmdsn + TGT_QUEUE_DEPTH - 1u;
}

static void execute(tgt_conn *c, mc_pdu *p)
{
    uint8_t op = mc_pdu_opcode(p);
    if (c->sess->discovery && op != MC_OP_TEXT_REQ && op != MC_OP_LOGOUT_REQ && op != MC_OP_NOP_OUT) {
        /* 4.3: a discovery session carries only Text, Logout (and NOP) */
        tgt_log(c, 0, "%s in a discovery session", mc_opcode_name(op));
        tgt_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
        return;
    }
    switch (op) {
    case MC_OP_NOP_OUT:
        tgt_nop_out(c, p);
        break;
    case MC_OP_SCSI_CMD:
        if (!tgt_hooks_scsi_cmd(c, p))  /* a hook module may take it first */
            tgt_scsi_cmd(c, p);
        break;
    case MC_OP_TMF_REQ:
        tgt_tmf(c, p);
        break;
    case MC_OP_TEXT_REQ:
        tgt_text(c, p);
        break;
    case MC_OP_LOGOUT_REQ:
        tgt_logout(c, p);
        break;
    default:
        break;
    }
}

static void queue_pending(tgt_conn *c, mc_pdu *p)
{
    tgt_session *s = c->sess;
    if (s->npending >= TGT_PENDING_MAX) {
        tgt_log(c, 0, "too many commands ahead of ExpCmdSN; CmdSN %u dropped",
                (unsigned)mc_pdu_get(p, MC_F_CMDSN));
        return;
    }
    tgt_pending *q = calloc(1, sizeof(*q));
    if (!q || mc_pdu_copy(&q->pdu, p) != 0) {
        free(q);
        return;
    }
    q->next = s->pending;
    s->pending = q;
    s->npending++;
}

/* Runs queued commands whose turn has come, each only while the output bound is not reached:
 * past it the connection pauses, and the loop calls this again once the output drained. */
void tgt_session_resume(tgt_conn *c)
{
    tgt_session *s = c->sess;
    bool found = true;
    while (found && !c->dead && c->sess) {
        if (s->pending && tgt_output_full(c)) {
            c->paused = true;
            return;
        }
        found = false;
        for (tgt_pending **pp = &s->pending; *pp; pp = &(*pp)->next) {
            tgt_pending *q = *pp;
            if ((uint32_t)mc_pdu_get(&q->pdu, MC_F_CMDSN) != s->exp_cmdsn)
                continue;
            *pp = q->next;
            s->npending--;
            tgt_session_advance(s);
            if (!q->aborted)
                execute(c, &q->pdu);
            mc_pdu_free(&q->pdu);
            free(q);
            found = true;
            break;
        }
    }
}

void tgt_conn_ffp(tgt_conn *c, mc_pdu *p)
{
    uint8_t op = mc_pdu_opcode(p);
    tgt_session *s = c->sess;
    tgt_log(c, 2, "received %s ITT 0x%08x", mc_opcode_name(op) ? mc_opcode_name(op) : "unknown",
            (unsigned)mc_pdu_get(p, MC_F_ITT));
    if (mc_opcode_known(op) && mc_field_applies(MC_F_EXPSTATSN, op))
        tgt_ack_statsn(c, (uint32_t)mc_pdu_get(p, MC_F_EXPSTATSN));
    switch (op) {
    case MC_OP_DATA_OUT:
        if (!tgt_hooks_data_out(c, p))  /* data of a hook module's task */
            tgt_data_out(c, p, false);
        return;
    case MC_OP_SNACK:
        tgt_snack(c, p);
        return;
    case MC_OP_LOGIN_REQ:
        /* 6.1: login is over on this connection */
        tgt_log(c, 0, "Login Request in full feature phase");
        tgt_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
        return;
    case MC_OP_NOP_OUT:
    case MC_OP_SCSI_CMD:
    case MC_OP_TMF_REQ:
    case MC_OP_TEXT_REQ:
    case MC_OP_LOGOUT_REQ:
        break;
    default:
        /* 11.17.1: an opcode the target does not implement */
        tgt_log(c, 0, "opcode 0x%02x not supported", op);
        tgt_reject(c, p->bhs, MC_REJ_CMD_NOT_SUPPORTED);
        return;
    }
    uint32_t sn = (uint32_t)mc_pdu_get(p, MC_F_CMDSN);
    if (mc_pdu_get(p, MC_F_IMMEDIATE)) {
        execute(c, p);  /* 3.2.2.1: immediate delivery, CmdSN not advanced */
        return;
    }
    if (sn == s->exp_cmdsn) {
        tgt_session_advance(s);
        execute(c, p);
        tgt_session_resume(c);
        return;
    }
    if (mc_sn_gt(sn, s->exp_cmdsn) && mc_sn_le(sn, s->max_cmdsn)) {
        queue_pending(c, p);
        return;
    }
    if (tgt_mutant(c->t, MC_MUTANT_CMDSN_WINDOW_IGNORED)) {
        execute(c, p);
        return;
    }
    /* 4.2.2.1: outside ExpCmdSN..MaxCmdSN a non-immediate command is silently ignored */
    tgt_log(c, 0, "%s CmdSN %u outside window %u..%u: discarded", mc_opcode_name(op), (unsigned)sn,
            (unsigned)s->exp_cmdsn, (unsigned)s->max_cmdsn);
}
