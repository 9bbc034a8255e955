/* Emulated targets: SCSI tasks (unicast and group), the burst plan of R2Ts (§5.2), group
 * datagrams and the acceptance rule (§8), status (§5.4), recovery on DataTimeout (§7.1, §7.2),
 * ABORT TASK (§7.3), NOP and Logout. */
#include "mod_mcast_emu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lun.h"

#define CMD_WINDOW 31u
#define SEND_WAIT_MS 1000
#define UNICAST_TIMEOUT_MS 10000u
#define MS_PER_S 1000.0
/* SCSI (SPC-4/SBC-3) */
#define ST_GOOD 0x00u
#define ST_CHECK 0x02u
#define SK_MEDIUM 0x03u
#define SK_ILLEGAL 0x05u
#define SK_ABORTED 0x0bu
#define ASC_WRITE_ERROR 0x0c00u
#define ASC_BAD_OPCODE 0x2000u
#define ASC_LBA_RANGE 0x2100u
#define ASC_NO_LUN 0x2500u
#define ASC_RESPONSE_TIMEOUT 0x4b06u     /* INITIATOR RESPONSE TIMEOUT, §7.2 */
#define SENSE_FIXED 0x70u
#define SENSE_LEN 18u
#define SENSE_ADDL 10u
#define OP_TUR 0x00u
#define OP_INQUIRY 0x12u
#define OP_READ_CAP10 0x25u
#define OP_READ10 0x28u
#define OP_WRITE10 0x2au
#define OP_SYNC10 0x35u
#define OP_READ16 0x88u
#define OP_WRITE16 0x8au
#define OP_SAI16 0x9eu
#define SA_READ_CAP16 0x10u
#define SA_MASK 0x1fu                /* service action bits of byte 1 (SPC-4 4.2.5) */
#define READ_CAP16_LEN 32u
#define INQ_NO_LUN 0x7fu             /* peripheral qualifier 011b, type 1fh: no LUN here (SPC-4 6.6.2) */
#define OP_REPORT_LUNS 0xa0u
#define INQUIRY_LEN 36u
#define LOGOUT_RSP_OK 0u
#define TASK_ATTR_SIMPLE 1u          /* SCSI Command ATTR "Simple" (RFC 7143 11.3.1) */

static void set_window(emu_conn *c, mc_pdu *p)
{
    mc_pdu_set(p, MC_F_EXPCMDSN, c->expcmdsn);
    mc_pdu_set(p, MC_F_MAXCMDSN, c->expcmdsn + CMD_WINDOW);
}

int emu_send(mcm_emu *e, emu_target *t, emu_conn *c, mc_pdu *p)
{
    if (c->fd < 0)
        return -1;
    mc_wire_opts o = {0};
    uint8_t *w;
    size_t wl, off = 0;
    char err[128];
    if (mc_pdu_encode(p, &o, &w, &wl, err, sizeof err) != 0)
        return -1;
    emu_record(e, t->idx, 't', true, &t->addr, &c->peer, w, wl, NULL);
    while (off < wl) {
        ssize_t n = send(c->fd, w + off, wl - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        struct pollfd pf = {.fd = c->fd, .events = POLLOUT};
        if (n < 0 && (errno == EAGAIN || errno == EINTR) && poll(&pf, 1, SEND_WAIT_MS) > 0)
            continue;
        free(w);
        emu_record(e, t->idx, 'e', true, &t->addr, &c->peer, NULL, 0, "send failed: connection closed");
        emu_conn_close(e, t, c);
        return -1;
    }
    free(w);
    return 0;
}

static void task_free(emu_task *k)
{
    free(k->buf);
    free(k->have);
    memset(k, 0, sizeof *k);
}

void emu_conn_close(mcm_emu *e, emu_target *t, emu_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->rbuf);
    c->rbuf = NULL;
    for (unsigned i = 0; i < EMU_TASKS_MAX; i++)
        task_free(&c->tasks[i]);
    if (c->has_delayed) {
        mc_pdu_free(&c->delayed);
        c->has_delayed = false;
    }
    int ci = (int)(c - t->conns);
    for (unsigned i = 0; i < EMU_REGS_MAX; i++)   /* session loss drops its registrations (§7.4) */
        if (t->regs[i].used && t->regs[i].conn == ci)
            t->regs[i].used = false;
    emu_leave_unused(e, t);
}

static int lun_index(const emu_target *t, unsigned lun)
{
    for (unsigned i = 0; i < t->nluns; i++)
        if (t->luns[i] == lun)
            return (int)i;
    return -1;
}

static void respond(mcm_emu *e, emu_target *t, emu_conn *c, uint32_t itt, uint8_t status, uint8_t key,
                    uint16_t asc, uint32_t residual, uint32_t expdatasn)
{
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_SCSI_RSP);
    mc_pdu_set(&r, MC_F_FINAL, 1);
    mc_pdu_set(&r, MC_F_ITT, itt);
    mc_pdu_set(&r, MC_F_STATUS, status);
    mc_pdu_set(&r, MC_F_STATSN, c->statsn++);
    set_window(c, &r);
    mc_pdu_set(&r, MC_F_EXPDATASN, expdatasn);
    if (residual) {
        mc_pdu_set(&r, MC_F_UNDERFLOW, 1);
        mc_pdu_set(&r, MC_F_RESIDUAL, residual);
    }
    if (status == ST_CHECK) {
        /* SenseLength then fixed-format sense (RFC 7143 11.4.7.2, SPC-4 4.5.3). */
        uint8_t s[2 + SENSE_LEN] = {0, SENSE_LEN, SENSE_FIXED, 0, key};
        s[2 + 7] = SENSE_ADDL;
        s[2 + 12] = (uint8_t)(asc >> 8);
        s[2 + 13] = (uint8_t)asc;
        mc_pdu_set_data(&r, s, sizeof s);
    }
    emu_send(e, t, c, &r);
    mc_pdu_free(&r);
}

static void data_in(mcm_emu *e, emu_target *t, emu_conn *c, uint32_t itt, const uint8_t *d, size_t n,
                    uint32_t edtl)
{
    size_t seg = c->peer_mrdsl ? c->peer_mrdsl : EMU_MRDSL, off = 0;
    if (n > edtl)
        n = edtl;
    uint32_t sn = 0;
    do {
        size_t k = n - off > seg ? seg : n - off;
        bool last = off + k >= n;
        mc_pdu r;
        mc_pdu_init(&r, MC_OP_DATA_IN);
        mc_pdu_set(&r, MC_F_ITT, itt);
        mc_pdu_set(&r, MC_F_TTT, MC_RESERVED_TAG);
        mc_pdu_set(&r, MC_F_DATASN, sn++);
        mc_pdu_set(&r, MC_F_BUFFER_OFFSET, off);
        mc_pdu_set(&r, MC_F_FINAL, last);
        set_window(c, &r);
        if (last) {
            mc_pdu_set(&r, MC_F_STATUS_PRESENT, 1);
            mc_pdu_set(&r, MC_F_STATSN, c->statsn++);
            if (edtl > n) {
                mc_pdu_set(&r, MC_F_UNDERFLOW, 1);
                mc_pdu_set(&r, MC_F_RESIDUAL, edtl - n);
            }
        }
        mc_pdu_set_data(&r, d + off, k);
        emu_send(e, t, c, &r);
        mc_pdu_free(&r);
        off += k;
    } while (off < n && c->fd >= 0);
}

static void put_be(uint8_t *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | b[i];
    return v;
}

/* LBA and block count of a READ/WRITE(10/16) CDB. */
static void cdb_range(const uint8_t *cdb, uint64_t *lba, uint32_t *blocks)
{
    bool c16 = cdb[0] == OP_READ16 || cdb[0] == OP_WRITE16;
    *lba = c16 ? get_be(cdb + 2, 8) : get_be(cdb + 2, 4);
    *blocks = (uint32_t)(c16 ? get_be(cdb + 10, 4) : get_be(cdb + 7, 2));
}

static emu_reg *reg_for(emu_target *t, int conn, unsigned vlun, const struct in_addr *group)
{
    for (unsigned i = 0; i < EMU_REGS_MAX; i++) {
        emu_reg *r = &t->regs[i];
        if (r->used && r->conn == conn && r->vlun == vlun && (!group || r->group.s_addr == group->s_addr))
            return r;
    }
    return NULL;
}

static emu_task *task_find(emu_conn *c, uint32_t itt)
{
    for (unsigned i = 0; i < EMU_TASKS_MAX; i++)
        if (c->tasks[i].used && c->tasks[i].itt == itt)
            return &c->tasks[i];
    return NULL;
}

/* Sends R2Ts for the next bursts while fewer than the session allows are open (§5.2). */
static void solicit(mcm_emu *e, emu_target *t, emu_conn *c, emu_task *k)
{
    unsigned open = 0;
    for (unsigned i = 0; i < EMU_TASKS_MAX; i++)
        open += k->bursts[i].open;
    uint32_t max_r2t = c->max_r2t ? c->max_r2t : 1;
    while (open < max_r2t && k->next_offset < k->edtl) {
        emu_burst *b = NULL;
        for (unsigned i = 0; i < EMU_TASKS_MAX && !b; i++)
            if (!k->bursts[i].open)
                b = &k->bursts[i];
        if (!b)
            return;
        uint32_t len = k->edtl - k->next_offset < k->burst ? k->edtl - k->next_offset : k->burst;
        *b = (emu_burst){.offset = k->next_offset, .len = len, .ttt = c->ttt_next++, .r2tsn = k->r2tsn++,
                         .open = true, .deadline = mcm_now_s() + k->timeout_ms / MS_PER_S};
        k->next_offset += len;
        open++;
        mc_pdu r;
        mc_pdu_init(&r, MC_OP_R2T);
        mc_pdu_set(&r, MC_F_FINAL, 1);
        mc_pdu_set(&r, MC_F_LUN, k->lun_field);
        mc_pdu_set(&r, MC_F_ITT, k->itt);
        mc_pdu_set(&r, MC_F_TTT, b->ttt);
        mc_pdu_set(&r, MC_F_STATSN, c->statsn);   /* not advanced by R2T (11.8.3) */
        set_window(c, &r);
        mc_pdu_set(&r, MC_F_R2TSN, b->r2tsn);
        mc_pdu_set(&r, MC_F_BUFFER_OFFSET, b->offset);
        mc_pdu_set(&r, MC_F_DDTL, b->len);
        emu_send(e, t, c, &r);
        mc_pdu_free(&r);
    }
}

/* All EDTL bytes in: write every mapped real LUN and report (§5.4). */
static void complete(mcm_emu *e, emu_target *t, emu_conn *c, emu_task *k)
{
    unsigned *fail = k->group ? &t->script.check_tasks : &t->script.check_unicast;
    uint32_t itt = k->itt, r2ts = k->r2tsn;
    if (*fail) {
        (*fail)--;
        emu_record(e, t->idx, 'e', true, &t->addr, &c->peer, NULL, 0, "CHECK CONDITION by script");
        task_free(k);
        respond(e, t, c, itt, ST_CHECK, SK_MEDIUM, ASC_WRITE_ERROR, 0, r2ts);
        return;
    }
    uint32_t blocks = k->edtl / MCM_BLOCK;
    for (unsigned i = 0; i < k->nreal; i++) {
        int li = lun_index(t, k->reals[i]);
        if (li < 0 || k->lba + blocks > t->blocks) {
            task_free(k);
            respond(e, t, c, itt, ST_CHECK, SK_ILLEGAL, ASC_LBA_RANGE, 0, r2ts);
            return;
        }
    }
    for (unsigned i = 0; i < k->nreal; i++)
        memcpy(t->store[lun_index(t, k->reals[i])] + k->lba * MCM_BLOCK, k->buf, (size_t)blocks * MCM_BLOCK);
    task_free(k);
    respond(e, t, c, itt, ST_GOOD, 0, 0, 0, r2ts);
}

/* Takes data for task k at offset (group or unicast); counts duplicates. Returns the burst it fed. */
static void take_data(mcm_emu *e, emu_target *t, emu_conn *c, emu_task *k, const mc_pdu *p, bool group)
{
    uint32_t off = (uint32_t)mc_pdu_get(p, MC_F_BUFFER_OFFSET), ttt = (uint32_t)mc_pdu_get(p, MC_F_TTT);
    size_t n = p->data_len;
    emu_burst *b = NULL;
    for (unsigned i = 0; i < EMU_TASKS_MAX && !b; i++) {
        emu_burst *x = &k->bursts[i];
        if (x->open && off >= x->offset && off + n <= (size_t)x->offset + x->len && (group || x->ttt == ttt))
            b = x;
    }
    if (!b || (uint64_t)off + n > k->edtl) {
        if (group)
            t->counters[CTR_UNSOLICITED]++;
        emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "Data-Out outside any solicited burst: dropped");
        return;
    }
    if (group && k->drop_first) {
        k->drop_first = false;
        emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "group Data-Out dropped by script");
        return;
    }
    if (group) {
        uint32_t sn = (uint32_t)mc_pdu_get(p, MC_F_DATASN);
        if (mc_sn_gt(sn, b->next_datasn)) {
            t->counters[CTR_UNSOLICITED]++;
            emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "group Data-Out after a DataSN gap: dropped");
            return;
        }
        if (sn == b->next_datasn)
            b->next_datasn++;
    }
    bool dup = false;
    for (size_t i = 0; i < n; i++) {
        if (k->have[off + i]) {
            dup = true;
            continue;   /* first copy wins (§5.3) */
        }
        k->have[off + i] = 1;
        k->buf[off + i] = p->data[i];
        k->got++;
    }
    if (dup && group)
        t->counters[CTR_DUPLICATE]++;
    /* Progress restarts the timer and the recovery count; a recovered range that leaves other
     * bytes of the burst missing asks for the next range at once (§7.1). */
    bool recovering = !group && b->tries > 0;
    b->tries = 0;
    b->deadline = mcm_now_s() + k->timeout_ms / MS_PER_S;
    bool full = true;
    for (uint32_t i = b->offset; i < b->offset + b->len && full; i++)
        full = k->have[i] != 0;
    if (full)
        b->open = false;
    else if (recovering)
        b->deadline = 0;
    if (k->got >= k->edtl)
        complete(e, t, c, k);
    else if (full)
        solicit(e, t, c, k);
}

static emu_task *task_new(emu_conn *c)
{
    for (unsigned i = 0; i < EMU_TASKS_MAX; i++)
        if (!c->tasks[i].used)
            return &c->tasks[i];
    return NULL;
}

/* Live group tasks of c on vLUN vlun: rule 6 of §8 allows fewer than the registration's GroupTasks. */
static unsigned live_group_tasks(const emu_conn *c, unsigned vlun)
{
    unsigned n = 0;
    for (unsigned i = 0; i < EMU_TASKS_MAX; i++)
        n += c->tasks[i].used && c->tasks[i].group && c->tasks[i].vlun == vlun;
    return n;
}

static int start_write(emu_task *k, uint32_t itt, uint64_t lun_field, uint64_t lba, uint32_t edtl)
{
    k->buf = calloc(1, edtl ? edtl : 1);
    k->have = calloc(1, edtl ? edtl : 1);
    if (!k->buf || !k->have) {
        task_free(k);
        return -1;
    }
    k->used = true;
    k->itt = itt;
    k->lun_field = lun_field;
    k->lba = lba;
    k->edtl = edtl;
    return 0;
}

static void scsi_unicast(mcm_emu *e, emu_target *t, emu_conn *c, const mc_pdu *p)
{
    uint8_t cdb[MC_CDB_LEN];
    mc_pdu_get_cdb(p, cdb);
    uint32_t itt = (uint32_t)mc_pdu_get(p, MC_F_ITT), edtl = (uint32_t)mc_pdu_get(p, MC_F_EDTL);
    unsigned lun = mc_lun_decode(mc_pdu_get(p, MC_F_LUN));
    int ci = (int)(c - t->conns);
    emu_reg *r = reg_for(t, ci, lun, NULL);
    int li = r ? lun_index(t, r->reals[0]) : lun_index(t, lun);
    if (li < 0 && cdb[0] != OP_REPORT_LUNS && cdb[0] != OP_INQUIRY) {
        respond(e, t, c, itt, ST_CHECK, SK_ILLEGAL, ASC_NO_LUN, 0, 0);
        return;
    }
    uint8_t buf[64] = {0};
    uint64_t lba;
    uint32_t blocks;
    switch (cdb[0]) {
    case OP_TUR:
    case OP_SYNC10:
        respond(e, t, c, itt, ST_GOOD, 0, 0, 0, 0);
        return;
    case OP_INQUIRY:
        buf[0] = li < 0 ? INQ_NO_LUN : 0;
        buf[2] = 6;                   /* SPC-4 */
        buf[3] = 2;
        buf[4] = INQUIRY_LEN - 5;
        memcpy(buf + 8, "MIRRCERTEMULATED TARGET     0001", 32);
        data_in(e, t, c, itt, buf, INQUIRY_LEN, edtl);
        return;
    case OP_READ_CAP10:
        put_be(buf, t->blocks - 1, 4);
        put_be(buf + 4, MCM_BLOCK, 4);
        data_in(e, t, c, itt, buf, 8, edtl);
        return;
    case OP_SAI16:
        if ((cdb[1] & SA_MASK) == SA_READ_CAP16) {
            put_be(buf, t->blocks - 1, 8);
            put_be(buf + 8, MCM_BLOCK, 4);
            data_in(e, t, c, itt, buf, READ_CAP16_LEN, edtl);
            return;
        }
        break;
    case OP_REPORT_LUNS:
        put_be(buf, 8u * t->nluns, 4);
        for (unsigned i = 0; i < t->nluns; i++)
            put_be(buf + 8 + 8 * i, mc_lun_encode(t->luns[i]), 8);
        data_in(e, t, c, itt, buf, 8 + 8 * t->nluns, edtl);
        return;
    case OP_READ10:
    case OP_READ16:
        cdb_range(cdb, &lba, &blocks);
        if (lba + blocks > t->blocks) {
            respond(e, t, c, itt, ST_CHECK, SK_ILLEGAL, ASC_LBA_RANGE, 0, 0);
            return;
        }
        data_in(e, t, c, itt, t->store[li] + lba * MCM_BLOCK, (size_t)blocks * MCM_BLOCK, edtl);
        return;
    case OP_WRITE10:
    case OP_WRITE16: {
        cdb_range(cdb, &lba, &blocks);
        emu_task *k = task_new(c);
        if (edtl > EMU_EDTL_MAX || edtl != blocks * MCM_BLOCK || lba + blocks > t->blocks || !k ||
            start_write(k, itt, mc_pdu_get(p, MC_F_LUN), lba, edtl) != 0) {
            respond(e, t, c, itt, ST_CHECK, SK_ILLEGAL, ASC_LBA_RANGE, 0, 0);
            return;
        }
        if (r) {
            memcpy(k->reals, r->reals, sizeof k->reals);
            k->nreal = r->nreal;
        } else {
            k->reals[0] = (uint16_t)lun;
            k->nreal = 1;
        }
        k->burst = c->max_burst ? c->max_burst : MCM_LITERAL_BURST;
        k->timeout_ms = UNICAST_TIMEOUT_MS;
        if (edtl == 0) {
            complete(e, t, c, k);
            return;
        }
        solicit(e, t, c, k);
        return;
    }
    default:
        break;
    }
    respond(e, t, c, itt, ST_CHECK, SK_ILLEGAL, ASC_BAD_OPCODE, 0, 0);
}

static void tmf(mcm_emu *e, emu_target *t, emu_conn *c, const mc_pdu *p)
{
    uint32_t rtt = (uint32_t)mc_pdu_get(p, MC_F_RTT);
    emu_task *k = task_find(c, rtt);
    bool abort = mc_pdu_get(p, MC_F_TMF_FUNCTION) == MC_TMF_ABORT_TASK;
    if (k && abort) {
        task_free(k);
    } else if (abort) {
        /* A tag not (yet) held: fence it, pushing out the oldest fence when full (§7.3). */
        if (c->nfence == EMU_FENCES_MAX) {
            memmove(c->fences, c->fences + 1, (EMU_FENCES_MAX - 1) * sizeof c->fences[0]);
            c->nfence--;
        }
        c->fences[c->nfence++] = rtt;
    }
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_TMF_RSP);
    mc_pdu_set(&r, MC_F_FINAL, 1);
    mc_pdu_set(&r, MC_F_RESPONSE, MC_TMF_RSP_COMPLETE);   /* also for a tag never received (§7.3) */
    mc_pdu_set(&r, MC_F_ITT, mc_pdu_get(p, MC_F_ITT));
    mc_pdu_set(&r, MC_F_STATSN, c->statsn++);
    set_window(c, &r);
    emu_send(e, t, c, &r);
    mc_pdu_free(&r);
}

void emu_on_pdu(mcm_emu *e, emu_target *t, emu_conn *c, const mc_pdu *p)
{
    uint8_t op = mc_pdu_opcode(p);
    if (op == MC_OP_LOGIN_REQ) {
        emu_login(e, t, c, p);
        return;
    }
    if (!c->ffp) {
        emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "PDU before login: connection closed");
        emu_conn_close(e, t, c);
        return;
    }
    /* ExpCmdSN follows non-immediate commands (RFC 7143 4.2.2.1). */
    if (mc_field_applies(MC_F_CMDSN, op) && !mc_pdu_get(p, MC_F_IMMEDIATE)) {
        uint32_t sn = (uint32_t)mc_pdu_get(p, MC_F_CMDSN);
        if (mc_sn_le(c->expcmdsn, sn))
            c->expcmdsn = sn + 1;
    }
    if (t->script.silent) {
        emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "left unanswered by script");
        return;
    }
    switch (op) {
    case MC_OP_TEXT_REQ:
        emu_text(e, t, c, p);
        return;
    case MC_OP_SCSI_CMD:
        scsi_unicast(e, t, c, p);
        return;
    case MC_OP_DATA_OUT: {
        emu_task *k = task_find(c, (uint32_t)mc_pdu_get(p, MC_F_ITT));
        if (k)
            take_data(e, t, c, k, p, false);
        else
            emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "Data-Out for no task");
        return;
    }
    case MC_OP_TMF_REQ:
        tmf(e, t, c, p);
        return;
    case MC_OP_NOP_OUT:
        if (mc_pdu_get(p, MC_F_ITT) != MC_RESERVED_TAG) {
            mc_pdu r;
            mc_pdu_init(&r, MC_OP_NOP_IN);
            mc_pdu_set(&r, MC_F_FINAL, 1);
            mc_pdu_set(&r, MC_F_ITT, mc_pdu_get(p, MC_F_ITT));
            mc_pdu_set(&r, MC_F_TTT, MC_RESERVED_TAG);
            mc_pdu_set(&r, MC_F_STATSN, c->statsn++);
            set_window(c, &r);
            mc_pdu_set_data(&r, p->data, p->data_len);
            emu_send(e, t, c, &r);
            mc_pdu_free(&r);
        }
        return;
    case MC_OP_LOGOUT_REQ: {
        mc_pdu r;
        mc_pdu_init(&r, MC_OP_LOGOUT_RSP);
        mc_pdu_set(&r, MC_F_FINAL, 1);
        mc_pdu_set(&r, MC_F_RESPONSE, LOGOUT_RSP_OK);
        mc_pdu_set(&r, MC_F_ITT, mc_pdu_get(p, MC_F_ITT));
        mc_pdu_set(&r, MC_F_STATSN, c->statsn++);
        set_window(c, &r);
        emu_send(e, t, c, &r);
        mc_pdu_free(&r);
        emu_conn_close(e, t, c);
        return;
    }
    default:
        emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "PDU ignored by the emulated target");
        return;
    }
}

/* A group SCSI Command (§5.1, rule 6 of §8). */
static void group_cmd(mcm_emu *e, emu_target *t, emu_conn *c, const struct in_addr *g, const mc_pdu *p)
{
    unsigned vlun = mc_lun_decode(mc_pdu_get(p, MC_F_LUN));
    emu_reg *r = reg_for(t, (int)(c - t->conns), vlun, g);
    if (!r) {
        t->counters[CTR_BAD_LUN]++;
        emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "group command for an unregistered vLUN");
        return;
    }
    if (t->script.ignore_cmds) {
        t->script.ignore_cmds--;
        emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "group command ignored by script");
        return;
    }
    uint32_t itt = (uint32_t)mc_pdu_get(p, MC_F_ITT), edtl = (uint32_t)mc_pdu_get(p, MC_F_EDTL);
    for (unsigned i = 0; i < c->nfence; i++) {
        if (c->fences[i] != itt)
            continue;
        memmove(c->fences + i, c->fences + i + 1, (c->nfence - i - 1) * sizeof c->fences[0]);
        c->nfence--;
        t->counters[CTR_NO_TASK]++;
        emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "group command with a fenced tag: dropped");
        return;
    }
    if (task_find(c, itt)) {
        t->counters[CTR_DUPLICATE]++;
        return;
    }
    uint8_t cdb[MC_CDB_LEN];
    mc_pdu_get_cdb(p, cdb);
    uint64_t lba;
    uint32_t blocks;
    cdb_range(cdb, &lba, &blocks);
    emu_task *k = task_new(c);
    bool shape = mc_pdu_get(p, MC_F_IMMEDIATE) && mc_pdu_get(p, MC_F_FINAL) && mc_pdu_get(p, MC_F_WRITE) &&
                 !mc_pdu_get(p, MC_F_READ) && mc_pdu_get(p, MC_F_ATTR) == TASK_ATTR_SIMPLE && p->data_len == 0;
    if (!shape || (cdb[0] != OP_WRITE10 && cdb[0] != OP_WRITE16) || edtl == 0 || edtl > EMU_EDTL_MAX ||
        edtl != blocks * MCM_BLOCK || lba + blocks > t->blocks || !k || live_group_tasks(c, vlun) >= r->tasks ||
        start_write(k, itt, mc_pdu_get(p, MC_F_LUN), lba, edtl) != 0) {
        t->counters[CTR_BAD_COMMAND]++;
        emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "group command not a usable WRITE: dropped");
        return;
    }
    k->group = true;
    k->vlun = (uint16_t)vlun;
    memcpy(k->reals, r->reals, sizeof k->reals);
    k->nreal = r->nreal;
    k->burst = t->script.r2t_burst ? t->script.r2t_burst : r->burst;
    k->timeout_ms = t->script.timeout_ms ? t->script.timeout_ms : r->timeout_ms;
    if (t->script.drop_data) {
        t->script.drop_data--;
        k->drop_first = true;
    }
    if (t->script.r2t_delay_ms) {
        k->solicit_at = mcm_now_s() + t->script.r2t_delay_ms / MS_PER_S;
        return;
    }
    solicit(e, t, c, k);
}

void emu_on_datagram(mcm_emu *e, emu_target *t, const struct sockaddr_in *from, const struct sockaddr_in *to,
                     const uint8_t *dg, size_t len)
{
    emu_record(e, t->idx, 'g', false, from, to, dg, len, NULL);
    mcm_parsed *ps = malloc(sizeof *ps);
    if (!ps)
        return;
    mcm_parse(dg, len, ps);
    if (ps->problem[0]) {
        t->counters[CTR_BAD_HEADER]++;
        goto out;
    }
    emu_conn *c = NULL;
    for (unsigned i = 0; i < EMU_CONNS_MAX && !c; i++) {
        emu_conn *x = &t->conns[i];
        if (x->fd >= 0 && x->ffp && x->peer.sin_addr.s_addr == from->sin_addr.s_addr && x->isid == ps->h.isid)
            for (unsigned j = 0; j < EMU_REGS_MAX && !c; j++)
                if (t->regs[j].used && t->regs[j].conn == (int)i && t->regs[j].group.s_addr == to->sin_addr.s_addr)
                    c = x;
    }
    if (!c) {
        t->counters[CTR_BAD_SOURCE]++;
        goto out;
    }
    t->counters[CTR_ACCEPTED]++;
    if (c->gsn_known && mc_sn_gt(ps->h.gsn, c->next_gsn))
        t->counters[CTR_GSN_GAP] += ps->h.gsn - c->next_gsn;
    if (!c->gsn_known || mc_sn_le(c->next_gsn, ps->h.gsn)) {
        c->next_gsn = ps->h.gsn + 1;
        c->gsn_known = true;
    }
    if (t->script.silent)
        goto out;
    for (size_t i = 0; i < ps->npdus && c->fd >= 0; i++) {
        const mc_pdu *p = &ps->pdus[i];
        uint8_t op = mc_pdu_opcode(p);
        if (op == MC_OP_SCSI_CMD) {
            group_cmd(e, t, c, &to->sin_addr, p);
        } else if (op == MC_OP_DATA_OUT) {
            emu_task *k = task_find(c, (uint32_t)mc_pdu_get(p, MC_F_ITT));
            if (!k || !k->group || k->lun_field != mc_pdu_get(p, MC_F_LUN))
                t->counters[CTR_NO_TASK]++;
            else
                take_data(e, t, c, k, p, true);
        } else {
            t->counters[CTR_BAD_OPCODE]++;
        }
    }
out:
    mcm_parsed_free(ps);
    free(ps);
}

/* DataTimeout expiries: recovery R2T at ERL >= 1 (§7.1), else CHECK CONDITION (§7.2). */
void emu_tick(mcm_emu *e, emu_target *t, double now)
{
    for (unsigned ci = 0; ci < EMU_CONNS_MAX; ci++) {
        emu_conn *c = &t->conns[ci];
        if (c->fd >= 0 && c->has_delayed && c->delayed_at <= now) {
            c->has_delayed = false;
            emu_send(e, t, c, &c->delayed);
            mc_pdu_free(&c->delayed);
        }
        for (unsigned ki = 0; c->fd >= 0 && ki < EMU_TASKS_MAX; ki++) {
            emu_task *k = &c->tasks[ki];
            if (k->used && k->solicit_at > 0 && k->solicit_at <= now) {
                k->solicit_at = 0;
                solicit(e, t, c, k);
            }
            for (unsigned bi = 0; k->used && bi < EMU_TASKS_MAX; bi++) {
                emu_burst *b = &k->bursts[bi];
                if (!b->open || b->deadline > now)
                    continue;
                uint32_t lo = b->offset, end = b->offset + b->len;
                while (lo < end && k->have[lo])
                    lo++;
                uint32_t hi = lo;
                while (hi < end && !k->have[hi])
                    hi++;
                if (c->erl >= 1 && b->tries < EMU_RECOVERY_TRIES && lo < end) {
                    b->tries++;
                    b->ttt = c->ttt_next++;
                    b->r2tsn = k->r2tsn++;
                    b->deadline = now + k->timeout_ms / MS_PER_S;
                    emu_record(e, t->idx, 'e', true, &t->addr, &c->peer, NULL, 0, "DataTimeout: recovery R2T");
                    mc_pdu r;
                    mc_pdu_init(&r, MC_OP_R2T);
                    mc_pdu_set(&r, MC_F_FINAL, 1);
                    mc_pdu_set(&r, MC_F_LUN, k->lun_field);
                    mc_pdu_set(&r, MC_F_ITT, k->itt);
                    mc_pdu_set(&r, MC_F_TTT, b->ttt);
                    mc_pdu_set(&r, MC_F_STATSN, c->statsn);
                    set_window(c, &r);
                    mc_pdu_set(&r, MC_F_R2TSN, b->r2tsn);
                    mc_pdu_set(&r, MC_F_BUFFER_OFFSET, lo);
                    mc_pdu_set(&r, MC_F_DDTL, hi - lo);
                    emu_send(e, t, c, &r);
                    mc_pdu_free(&r);
                    continue;
                }
                uint32_t itt = k->itt, missing = k->edtl - k->got, r2ts = k->r2tsn;
                emu_record(e, t->idx, 'e', true, &t->addr, &c->peer, NULL, 0, "DataTimeout: task failed");
                task_free(k);
                respond(e, t, c, itt, ST_CHECK, SK_ABORTED, ASC_RESPONSE_TIMEOUT, missing, r2ts);
                break;
            }
        }
    }
}
