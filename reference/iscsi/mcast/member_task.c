/* Group tasks at a member (docs/mcast-data-path.md §5-§7): one R2T per burst on the member's
 * own connection, group Data-Out matched without a TTT, unicast Data-Out by TTT, DataTimeout
 * per burst with recovery R2Ts (ERL >= 1, Figure 7) or a failure status (ERL 0, Figure 6), and
 * the WRITE executed on every real LUN the vLUN maps once every byte is in. */
#include <stdlib.h>
#include <string.h>

#include "member_int.h"

#define ATTR_SIMPLE 1u           /* SIMPLE task attribute (RFC 7143 11.3.1) */
enum { OP_WRITE10 = 0x2a, OP_WRITE16 = 0x8a };

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

static uint32_t be(const uint8_t *p, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* WRITE(10) and WRITE(16): the blocks they write (SBC-3). */
static bool write_range(const uint8_t *cdb, uint64_t *lba, uint32_t *blocks)
{
    if (cdb[0] == OP_WRITE10) {
        *lba = be(cdb + 2, 4);
        *blocks = be(cdb + 7, 2);
        return true;
    }
    if (cdb[0] == OP_WRITE16) {
        *lba = (uint64_t)be(cdb + 2, 4) << 32 | be(cdb + 6, 4);
        *blocks = be(cdb + 10, 4);
        return true;
    }
    return false;
}

mg_task *mg_task_find(const mg_member *m, const mc_session *s, uint32_t itt)
{
    for (mg_task *k = m->tasks; k; k = k->next)
        if (k->s == s && k->itt == itt)
            return k;
    return NULL;
}

void mg_task_drop(mg_member *m, mg_task *k)
{
    for (mg_task **pp = &m->tasks; *pp; pp = &(*pp)->next)
        if (*pp == k) {
            *pp = k->next;
            break;
        }
    free(k->buf);
    free(k->r2t);
    mc_ranges_free(&k->got);
    free(k);
}

static size_t live_tasks(const mg_member *m, const mc_session *s, uint8_t vlun)
{
    size_t n = 0;
    for (const mg_task *k = m->tasks; k; k = k->next)
        n += k->s == s && k->group && k->vlun == vlun;
    return n;
}

static mg_r2t *send_r2t(mc_conn *c, mg_task *k, uint32_t off, uint32_t len, bool recovery, unsigned tries)
{
    if (k->nr2t == k->r2t_cap) {
        size_t cap = k->r2t_cap ? k->r2t_cap * 2 : 4;
        mg_r2t *v = realloc(k->r2t, cap * sizeof(*v));
        if (!v)
            return NULL;
        k->r2t = v;
        k->r2t_cap = cap;
    }
    mg_r2t *r = &k->r2t[k->nr2t++];
    *r = (mg_r2t){.ttt = mc_session_ttt(k->s), .r2tsn = k->next_r2tsn++, .off = off, .len = len, .open = true,
                  .recovery = recovery, .tries = tries, .deadline = mc_target_now_ms(mc_conn_target(c)) + k->timeout_ms};
    k->r2ts_sent++;
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_R2T);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_LUN, k->lun_field);
    mc_pdu_set(&p, MC_F_ITT, k->itt);
    mc_pdu_set(&p, MC_F_TTT, r->ttt);
    mc_pdu_set(&p, MC_F_R2TSN, r->r2tsn);
    mc_pdu_set(&p, MC_F_BUFFER_OFFSET, off);
    mc_pdu_set(&p, MC_F_DDTL, len);
    mc_conn_send(c, &p, MC_SEND_STATSN_CARRY, false);  /* 11.8: an R2T carries StatSN, no advance */
    mc_pdu_free(&p);
    return r;
}

/* §5.2: bursts [k*B, min((k+1)*B, EDTL)), at most MaxOutstandingR2T open at once. */
static void issue_r2ts(mc_conn *c, mg_task *k)
{
    uint32_t open = 0;
    for (size_t i = 0; i < k->nr2t; i++)
        open += k->r2t[i].open && !k->r2t[i].recovery;
    uint32_t most = mc_session_get_params(k->s)->max_outstanding_r2t;
    if (most == 0)
        most = 1;
    while (open < most && k->next_off < k->edtl) {
        uint32_t len = min_u32(k->burst, k->edtl - k->next_off);
        if (!send_r2t(c, k, k->next_off, len, false, 0)) {
            mc_conn_close(c, "out of memory for an R2T");
            return;
        }
        k->next_off += len;
        open++;
    }
}

/* The task's status; ExpDataSN counts the R2Ts sent for the write (11.4.8). */
static void respond(mc_conn *c, mg_task *k, const mc_scsi_result *res, uint32_t residual)
{
    mc_conn_send_status(c, k->itt, res, false, residual != 0, residual, k->r2ts_sent, false);
}

/* Every byte is in: the WRITE runs on each real LUN the vLUN maps (000:1(e)). */
static void execute(mc_conn *c, mg_member *m, mg_task *k)
{
    mc_scsi_result res, first_bad;
    memset(&first_bad, 0, sizeof(first_bad));
    bool bad = false;
    for (size_t i = 0; i < k->nreal; i++) {
        memset(&res, 0, sizeof(res));
        mc_lun_set_execute(mc_target_luns(m->t), k->real[i], k->cdb, MC_CDB_LEN, k->buf, k->edtl, NULL, 0, &res);
        if (res.status != 0 && !bad) {
            first_bad = res;
            bad = true;
        }
    }
    if (!bad)
        memset(&first_bad, 0, sizeof(first_bad));
    mc_conn_log(c, 2, "group task ITT 0x%08x done, status 0x%02x", k->itt, first_bad.status);
    respond(c, k, &first_bad, 0);
    mg_task_drop(m, k);
}

/* §7.2: data that never came ends the task, nothing written. */
static void fail_task(mc_conn *c, mg_member *m, mg_task *k)
{
    uint32_t got = (uint32_t)mc_ranges_total(&k->got);
    mc_scsi_result res;
    memset(&res, 0, sizeof(res));
    mc_scsi_set_sense(&res, MC_SK_ABORTED_COMMAND, MC_MG_ASC_RESPONSE_TIMEOUT);
    mc_conn_log(c, 1, "group task ITT 0x%08x: %u of %u bytes arrived; failed", k->itt, (unsigned)got,
                (unsigned)k->edtl);
    respond(c, k, &res, k->edtl - got);
    mg_task_drop(m, k);
}

static void after_data(mc_conn *c, mg_member *m, mg_task *k, mg_r2t *r)
{
    mc_range gap;
    if (!mc_ranges_first_gap(&k->got, r->off, r->off + r->len, &gap))
        r->open = false;
    if (!mc_ranges_first_gap(&k->got, 0, k->edtl, &gap)) {
        execute(c, m, k);
        return;
    }
    if (!r->open)
        issue_r2ts(c, k);
}

/* Takes in one Data-Out's bytes for R2T r; false when it was dropped as out of sequence. */
static int take(mg_member *m, mg_task *k, mg_r2t *r, const mc_pdu *p, uint32_t off)
{
    uint32_t len = (uint32_t)p->data_len;
    uint32_t datasn = (uint32_t)mc_pdu_get(p, MC_F_DATASN);
    if (off < r->off || len > r->off + r->len - off)
        return MC_MGC_UNSOLICITED;
    if (mc_sn_lt(datasn, r->next_datasn))
        return MC_MGC_DUPLICATE;   /* a PDU already seen: first copy wins */
    if (datasn != r->next_datasn)
        return MC_MGC_UNSOLICITED; /* ahead of a lost PDU: recovery asks for the rest (§7) */
    r->next_datasn++;
    if (len) {
        mc_range gap;
        if (!mc_ranges_first_gap(&k->got, off, off + len, &gap))
            return MC_MGC_DUPLICATE;
        memcpy(k->buf + off, p->data, len);
        if (mc_ranges_add(&k->got, off, off + len) != 0)
            return MC_MGC_NO_TASK;
    }
    r->deadline = mc_target_now_ms(m->t) + k->timeout_ms;
    return -1;
}

static mg_task *task_new(mc_conn *c, mg_member *m, const mg_reg *r, const mc_pdu *p, bool group)
{
    mg_task *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->s = mc_conn_session(c);
    k->group = group;
    k->itt = (uint32_t)mc_pdu_get(p, MC_F_ITT);
    k->lun_field = mc_pdu_get(p, MC_F_LUN);
    k->vlun = r->vlun;
    mc_pdu_get_cdb(p, k->cdb);
    k->edtl = (uint32_t)mc_pdu_get(p, MC_F_EDTL);
    k->burst = r->burst;
    k->timeout_ms = r->timeout_ms;
    memcpy(k->real, r->real, sizeof(k->real));
    k->nreal = r->nreal;
    k->buf = malloc(k->edtl ? k->edtl : 1);
    if (!k->buf) {
        free(k);
        return NULL;
    }
    k->next = m->tasks;
    m->tasks = k;
    return k;
}

/* Rule 6: the WRITE's range inside every mapped LUN and EDTL equal to its byte count. */
static bool command_fits(mc_target *t, const mg_reg *r, const mc_pdu *p)
{
    uint8_t cdb[MC_CDB_LEN];
    mc_pdu_get_cdb(p, cdb);
    uint64_t lba;
    uint32_t blocks;
    if (!write_range(cdb, &lba, &blocks) || blocks == 0)
        return false;
    uint64_t edtl = mc_pdu_get(p, MC_F_EDTL);
    if (edtl > MC_TARGET_EDTL_MAX)
        return false;
    for (size_t i = 0; i < r->nreal; i++) {
        mc_lun *lu = mc_target_lun(t, r->real[i]);
        if (!lu || lba + blocks > mc_lun_blocks(lu) || (uint64_t)blocks * mc_lun_block_size(lu) != edtl)
            return false;
    }
    return true;
}

void mg_group_command(mg_member *m, mc_conn *c, mg_reg *r, const mc_pdu *p)
{
    uint32_t itt = (uint32_t)mc_pdu_get(p, MC_F_ITT);
    mg_task *old = mg_task_find(m, mc_conn_session(c), itt);
    if (old && old->group) {
        mg_count(m, r->group, r->port, MC_MGC_DUPLICATE);
        return;
    }
    for (size_t i = 0; i < r->nfences; i++)
        if (r->fences[i] == itt) {
            /* §7.3: aborted before it arrived; the fence has done its work */
            r->fences[i] = r->fences[--r->nfences];
            mg_count(m, r->group, r->port, MC_MGC_NO_TASK);
            return;
        }
    bool ok = mc_pdu_get(p, MC_F_IMMEDIATE) && mc_pdu_get(p, MC_F_FINAL) && mc_pdu_get(p, MC_F_WRITE) &&
              !mc_pdu_get(p, MC_F_READ) && mc_pdu_get(p, MC_F_ATTR) == ATTR_SIMPLE && p->data_len == 0 &&
              itt != MC_RESERVED_TAG && !old && !mc_session_task(mc_conn_session(c), itt) &&
              live_tasks(m, mc_conn_session(c), r->vlun) < r->tasks && command_fits(m->t, r, p);
    if (!ok) {
        mg_count(m, r->group, r->port, MC_MGC_BAD_COMMAND);
        return;
    }
    mg_task *k = task_new(c, m, r, p, true);
    if (!k) {
        mc_conn_close(c, "out of memory for a group task");
        return;
    }
    issue_r2ts(c, k);
}

void mg_group_data(mg_member *m, mc_conn *c, mg_reg *r, const mc_pdu *p)
{
    uint32_t itt = (uint32_t)mc_pdu_get(p, MC_F_ITT);
    mg_task *k = mg_task_find(m, mc_conn_session(c), itt);
    if (!k || !k->group || k->lun_field != mc_pdu_get(p, MC_F_LUN)) {
        if (!(k && mg_mutant(m, MC_MEMBER_MUTANT_VLUN_IGNORED))) {
            mg_count(m, r->group, r->port, MC_MGC_NO_TASK);
            return;
        }
    }
    uint32_t off = (uint32_t)mc_pdu_get(p, MC_F_BUFFER_OFFSET);
    uint32_t len = (uint32_t)p->data_len;
    if (off > k->edtl || len > k->edtl - off || len > mc_session_get_params(mc_conn_session(c))->mrdsl_in) {
        mg_count(m, r->group, r->port, MC_MGC_UNSOLICITED);
        return;
    }
    /* §5.3: buffer_offset names burst k = offset / B, whose R2T holds the member's numbering */
    uint32_t base = off / k->burst * k->burst;
    mg_r2t *q = NULL;
    for (size_t i = 0; i < k->nr2t && !q; i++)
        if (!k->r2t[i].recovery && k->r2t[i].off == base && k->r2t[i].open)
            q = &k->r2t[i];
    if (!q && mg_mutant(m, MC_MEMBER_MUTANT_UNSOLICITED_DATA) && base >= k->next_off) {
        /* the mutant takes data nobody asked for: it writes it in place */
        mc_range gap;
        if (len)
            memcpy(k->buf + off, p->data, len);
        if (len && mc_ranges_add(&k->got, off, off + len) == 0 &&
            !mc_ranges_first_gap(&k->got, 0, k->edtl, &gap))
            execute(c, m, k);
        return;
    }
    if (!q) {
        mg_count(m, r->group, r->port, MC_MGC_UNSOLICITED);
        return;
    }
    int why = take(m, k, q, p, off);
    if (why >= 0) {
        mg_count(m, r->group, r->port, why);
        return;
    }
    after_data(c, m, k, q);
}

/* The data_out hook: unicast Data-Out of a group or vLUN task, by TTT. */
bool mg_hook_data_out(void *ctx, mc_conn *c, const mc_pdu *p)
{
    mg_member *m = ctx;
    mg_task *k = mg_task_find(m, mc_conn_session(c), (uint32_t)mc_pdu_get(p, MC_F_ITT));
    if (!k)
        return false;
    uint32_t ttt = (uint32_t)mc_pdu_get(p, MC_F_TTT);
    mg_r2t *q = NULL;
    for (size_t i = 0; i < k->nr2t && !q; i++)
        if (k->r2t[i].ttt == ttt && k->r2t[i].open)
            q = &k->r2t[i];
    uint32_t off = (uint32_t)mc_pdu_get(p, MC_F_BUFFER_OFFSET);
    if (!q) {
        /* 11.7.4: a TTT naming no open R2T of the task */
        mc_conn_log(c, 1, "Data-Out TTT 0x%08x for group task ITT 0x%08x matches no open R2T; dropped", ttt, k->itt);
        return true;
    }
    if (off > k->edtl || p->data_len > k->edtl - off) {
        mc_conn_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
        return true;
    }
    if (take(m, k, q, p, off) < 0)
        after_data(c, m, k, q);
    return true;
}

/* The scsi_cmd hook: a unicast WRITE to a vLUN of the session becomes a task here; anything
 * else on a vLUN has its LUN field rewritten to the first real LUN and goes to the target. */
bool mg_hook_scsi_cmd(void *ctx, mc_conn *c, mc_pdu *p)
{
    mg_member *m = ctx;
    uint16_t lun = mc_lun_decode(mc_pdu_get(p, MC_F_LUN));
    mg_reg *r = NULL;
    for (mg_reg *q = m->regs; q && !r; q = q->next)
        if (q->s == mc_conn_session(c) && q->vlun == lun && !mc_target_lun(m->t, lun))
            r = q;
    if (!r)
        return false;
    uint8_t cdb[MC_CDB_LEN];
    mc_pdu_get_cdb(p, cdb);
    uint64_t lba;
    uint32_t blocks;
    if (!write_range(cdb, &lba, &blocks) || !mc_pdu_get(p, MC_F_WRITE) || r->nreal == 0) {
        /* §5.5: anything but a WRITE on a vLUN is served by its first real LUN */
        mc_pdu_set(p, MC_F_LUN, mc_lun_encode(r->real[0]));
        return false;
    }
    uint32_t itt = (uint32_t)mc_pdu_get(p, MC_F_ITT);
    if (mg_task_find(m, mc_conn_session(c), itt) || mc_session_task(mc_conn_session(c), itt)) {
        mc_conn_reject(c, p->bhs, MC_REJ_TASK_IN_PROGRESS);  /* 11.17.1 */
        return true;
    }
    if (!command_fits(m->t, r, p)) {
        mc_pdu_set(p, MC_F_LUN, mc_lun_encode(r->real[0]));
        return false;  /* the LUN core reports the range or length error */
    }
    mg_task *k = task_new(c, m, r, p, false);
    if (!k) {
        mc_conn_close(c, "out of memory for a task");
        return true;
    }
    if (p->data_len > 0 && p->data_len <= k->edtl) {
        memcpy(k->buf, p->data, p->data_len);
        mc_ranges_add(&k->got, 0, (uint32_t)p->data_len);
        k->next_off = (uint32_t)p->data_len;
    }
    mc_range gap;
    if (!mc_ranges_first_gap(&k->got, 0, k->edtl, &gap))
        execute(c, m, k);
    else
        issue_r2ts(c, k);
    return true;
}

uint64_t mg_tasks_next_deadline(const mg_member *m)
{
    uint64_t d = 0;
    for (const mg_task *k = m->tasks; k; k = k->next)
        for (size_t i = 0; i < k->nr2t; i++)
            if (k->r2t[i].open && (d == 0 || k->r2t[i].deadline < d))
                d = k->r2t[i].deadline;
    return d;
}

/* §7: DataTimeout ran out on an R2T with bytes missing. */
static void expire(mc_conn *c, mg_member *m, mg_task *k, size_t i)
{
    mg_r2t *r = &k->r2t[i];
    mc_range first, last;
    uint32_t end = r->off + r->len;
    if (!mc_ranges_first_gap(&k->got, r->off, end, &first)) {
        r->open = false;
        issue_r2ts(c, k);
        return;
    }
    /* one recovery R2T spanning the first to the last hole; bytes already in are ignored */
    last = first;
    mc_range g;
    uint32_t at = first.hi;
    while (at < end && mc_ranges_first_gap(&k->got, at, end, &g)) {
        last = g;
        at = g.hi;
    }
    unsigned tries = r->tries + 1;
    r->open = false;
    if (mc_session_get_params(k->s)->erl == 0 || tries > MC_MG_RECOVERY_TRIES) {
        fail_task(c, m, k);
        return;
    }
    mc_conn_log(c, 1, "group task ITT 0x%08x: recovery R2T for bytes %u..%u", k->itt, (unsigned)first.lo,
                (unsigned)last.hi);
    if (!send_r2t(c, k, first.lo, last.hi - first.lo, true, tries))
        mc_conn_close(c, "out of memory for an R2T");
}

void mg_tasks_tick(mg_member *m, uint64_t now)
{
    bool again = true;
    while (again) {
        again = false;
        for (mg_task *k = m->tasks; k && !again; k = k->next) {
            mc_conn *c = mc_session_conn(k->s);
            if (!c || mc_conn_get_state(c) == MC_CONN_CLOSED)
                continue;
            for (size_t i = 0; i < k->nr2t; i++)
                if (k->r2t[i].open && now >= k->r2t[i].deadline) {
                    expire(c, m, k, i);
                    again = true;  /* the task list or the R2T array may have changed */
                    break;
                }
        }
    }
}
