/* Outgoing PDUs: StatSN and the CmdSN window stamped in one place, responses kept for Status
 * SNACK until the initiator's ExpStatSN acknowledges them (RFC 7143 4.2.2.2, 6.7). */
#include <stdlib.h>
#include <string.h>

#include "target_int.h"

void tgt_stamp_window(tgt_conn *c, mc_pdu *p)
{
    if (!c->sess)
        return;
    mc_pdu_set(p, MC_F_EXPCMDSN, c->sess->exp_cmdsn);
    mc_pdu_set(p, MC_F_MAXCMDSN, c->sess->max_cmdsn);
}

static int append(tgt_conn *c, const uint8_t *b, size_t n)
{
    if (c->wlen == c->woff)
        c->tx_progress_ms = tgt_now_ms();  /* the output stall deadline starts */
    if (c->woff > 0 && c->wlen + n > c->wcap) {  /* reuse the room already sent */
        memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
        c->wlen -= c->woff;
        c->woff = 0;
    }
    if (c->wlen + n > c->wcap) {
        size_t cap = c->wcap ? c->wcap : 4096;
        while (cap < c->wlen + n)
            cap *= 2;
        uint8_t *nb = realloc(c->wbuf, cap);
        if (!nb)
            return -1;
        c->wbuf = nb;
        c->wcap = cap;
    }
    memcpy(c->wbuf + c->wlen, b, n);
    c->wlen += n;
    return 0;
}

static int emit(tgt_conn *c, const mc_pdu *p)
{
    mc_wire_opts o = {0};
    if (c->phase == PHASE_FFP && c->sess) {
        o.header_digest = c->sess->p.header_digest;
        o.data_digest = c->sess->p.data_digest;
    }
    uint8_t *wire = NULL;
    size_t len = 0;
    char err[160];
    if (mc_pdu_encode(p, &o, &wire, &len, err, sizeof(err)) != 0) {
        tgt_log(c, 0, "cannot encode %s: %s", mc_opcode_name(mc_pdu_opcode(p)), err);
        return -1;
    }
    int r = append(c, wire, len);
    free(wire);
    if (r != 0)
        tgt_conn_close(c, "out of memory for output");
    else
        tgt_log(c, 2, "sent %s ITT 0x%08x DSL %zu", mc_opcode_name(mc_pdu_opcode(p)),
                (unsigned)mc_pdu_get(p, MC_F_ITT), p->data_len);
    return r;
}

static size_t kept_bytes(const tgt_conn *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nkept; i++)
        n += MC_BHS_LEN + c->kept[i].pdu.data_len;
    return n;
}

/* Bounded by count (TGT_KEPT_MAX) and bytes (TGT_KEPT_BYTES_MAX): the oldest unacknowledged
 * goes first; a Status SNACK for it is then rejected. */
static void keep(tgt_conn *c, const mc_pdu *p, uint32_t statsn)
{
    size_t bytes = kept_bytes(c);
    while (c->nkept > 0 &&
           (c->nkept == TGT_KEPT_MAX || bytes + MC_BHS_LEN + p->data_len > TGT_KEPT_BYTES_MAX)) {
        bytes -= MC_BHS_LEN + c->kept[0].pdu.data_len;
        mc_pdu_free(&c->kept[0].pdu);
        memmove(&c->kept[0], &c->kept[1], (c->nkept - 1) * sizeof(c->kept[0]));
        c->nkept--;
    }
    tgt_kept *k = &c->kept[c->nkept];
    memset(k, 0, sizeof(*k));
    if (mc_pdu_copy(&k->pdu, p) != 0)
        return;
    k->statsn = statsn;
    c->nkept++;
}

int tgt_send(tgt_conn *c, mc_pdu *p, mc_send_statsn sn_mode, bool keep_it)
{
    if (c->dead)
        return -1;
    uint8_t op = mc_pdu_opcode(p);
    uint32_t statsn = c->statsn;
    if (sn_mode != MC_SEND_STATSN_NONE && mc_field_applies(MC_F_STATSN, op)) {
        mc_pdu_set(p, MC_F_STATSN, statsn);
        tgt_stamp_window(c, p);
        if (sn_mode == MC_SEND_STATSN_ADVANCE)
            c->statsn += tgt_mutant(c->t, MC_MUTANT_STATSN_SKIP) ? 2u : 1u;
    }
    if (keep_it && sn_mode == MC_SEND_STATSN_ADVANCE && c->sess && c->sess->p.erl >= 1)
        keep(c, p, statsn);
    return emit(c, p);
}

void tgt_reject(tgt_conn *c, const uint8_t *bhs, uint8_t reason)
{
    if (reason == MC_REJ_CMD_NOT_SUPPORTED && tgt_mutant(c->t, MC_MUTANT_REJECT_REASON_WRONG))
        reason = MC_REJ_PROTOCOL_ERROR;
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_REJECT);
    mc_pdu_set(&r, MC_F_FINAL, 1);
    mc_pdu_set(&r, MC_F_REJECT_REASON, reason);
    mc_pdu_set(&r, MC_F_ITT, MC_RESERVED_TAG);
    /* 11.17: the data segment is the complete header of the rejected PDU */
    if (mc_pdu_set_data(&r, bhs, MC_BHS_LEN) == 0) {
        tgt_log(c, 1, "Reject reason 0x%02x", reason);
        tgt_send(c, &r, MC_SEND_STATSN_ADVANCE, true);
    }
    mc_pdu_free(&r);
}

/* The initiator's ExpStatSN acknowledges every status below it (4.2.2.2). */
void tgt_ack_statsn(tgt_conn *c, uint32_t exp)
{
    if (mc_sn_gt(exp, c->statsn))
        return;  /* acknowledges something never sent: ignore, do not free anything */
    if (!c->statsn_started || mc_sn_gt(exp, c->exp_statsn))
        c->exp_statsn = exp;
    c->statsn_started = true;
    size_t w = 0;
    for (size_t i = 0; i < c->nkept; i++) {
        if (mc_sn_lt(c->kept[i].statsn, exp))
            mc_pdu_free(&c->kept[i].pdu);
        else
            c->kept[w++] = c->kept[i];
    }
    c->nkept = w;
    if (c->sess)
        tgt_tasks_ack(c->sess, exp);
}

/* Status SNACK (11.16.1): resends kept responses with StatSN in [beg, beg+run), run 0 = all,
 * until the output bound (TGT_WBUF_HIGH) is reached: the initiator asks again, from the first
 * StatSN it still misses, for the rest. */
int tgt_resend_status(tgt_conn *c, uint32_t beg, uint32_t run)
{
    int n = 0;
    for (size_t i = 0; i < c->nkept; i++) {
        uint32_t sn = c->kept[i].statsn;
        if (mc_sn_lt(sn, beg) || (run != 0 && !mc_sn_lt(sn, beg + run)))
            continue;
        if (tgt_output_full(c)) {
            tgt_log(c, 0, "Status SNACK replay stopped at StatSN %u: output bound TGT_WBUF_HIGH %u reached",
                    (unsigned)sn, TGT_WBUF_HIGH);
            break;
        }
        mc_pdu copy;
        memset(&copy, 0, sizeof(copy));
        if (mc_pdu_copy(&copy, &c->kept[i].pdu) != 0)
            continue;
        tgt_stamp_window(c, &copy);
        emit(c, &copy);
        mc_pdu_free(&copy);
        n++;
    }
    return n;
}
