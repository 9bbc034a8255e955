/* A mirrored WRITE (spec Figure 4; docs/mcast-data-path.md §5-§7): the command once to the group,
 * an R2T from every member, each burst once to the group when every member asked for it, status
 * from every member, and recovery: the whole command again to the group when every member failed
 * (Figure 5), a unicast retry per failed member (Figure 6), unicast answers to recovery R2Ts
 * (Figure 7). Also the unicast READ used to check a member. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lun.h"
#include "mirror_int.h"

#define ATTR_SIMPLE 1u
#define SENSE_PREFIX 2u                    /* 11.4.7.2 SenseLength */
#define SENSE_KEY_OFF 2u                   /* fixed-format sense (SPC-4 4.5.3) */
#define SENSE_ASC_OFF 12u
enum { OP_WRITE10 = 0x2a, OP_WRITE16 = 0x8a, OP_READ16 = 0x88 };
#define CDB10_MAX_LBA 0xffffffffull
#define CDB10_MAX_BLOCKS 0xffffu

enum { B_NONE = 0, B_HAVE, B_SERVED };

typedef struct mw_mem {
    size_t t;                  /* target index */
    bool done, good, timed_out, unicast, got_r2t;
    uint32_t itt;
    uint8_t *burst;            /* per burst: B_NONE / B_HAVE / B_SERVED */
    uint64_t r2t_deadline, deadline;
    unsigned retries;
    char why[128];
} mw_mem;

typedef struct mw {
    mc_mirror *m;
    mm_reg *r;
    uint8_t cdb[MC_CDB_LEN];
    const uint8_t *data;
    uint32_t edtl, nb, seg;
    uint32_t gitt;
    bool *sent;                /* burst k already went to the group */
    uint64_t *first_r2t;       /* when the first member's R2T for burst k came */
    mw_mem mem[MC_MIRROR_TARGETS_MAX];
    size_t n;
} mw;

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

static void make_cdb(uint8_t *cdb, uint8_t op16, uint8_t op10, uint64_t lba, uint32_t blocks)
{
    memset(cdb, 0, MC_CDB_LEN);
    if (op10 && lba <= CDB10_MAX_LBA && blocks <= CDB10_MAX_BLOCKS) {
        cdb[0] = op10;
        for (int i = 0; i < 4; i++)
            cdb[2 + i] = (uint8_t)(lba >> (24 - 8 * i));
        cdb[7] = (uint8_t)(blocks >> 8);
        cdb[8] = (uint8_t)blocks;
        return;
    }
    cdb[0] = op16;
    for (int i = 0; i < 8; i++)
        cdb[2 + i] = (uint8_t)(lba >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        cdb[10 + i] = (uint8_t)(blocks >> (24 - 8 * i));
}

static uint64_t vlun_field(const mw *w)
{
    if (w->m->o.mutant == MC_MIRROR_MUTANT_GROUP_CMD_REAL_LUN)
        return mc_lun_encode(w->r->mem[0].real[0]);
    return mc_lun_encode(w->r->vlun);
}

/* One datagram at a time, packing whole PDUs up to the path MTU (§3). */
typedef struct mw_dg {
    uint8_t *buf;
    size_t len, cap;
    uint16_t pdus;
} mw_dg;

static void dg_flush(mw *w, mw_dg *d)
{
    if (d->pdus)
        mm_send_group(w->m, w->r->group, w->r->port, d->buf, d->len, d->pdus);
    d->len = 0;
    d->pdus = 0;
}

static void dg_add(mw *w, mw_dg *d, const mc_pdu *p)
{
    if (d->pdus == MC_MG_PDUS_MAX || mc_mg_append(d->buf, &d->len, d->cap, p) != 0) {
        dg_flush(w, d);
        mc_mg_append(d->buf, &d->len, d->cap, p);
    }
    d->pdus++;
}

static int dg_init(mw *w, mw_dg *d)
{
    uint32_t room = w->m->o.mtu - MC_MG_IPV4_HDR - MC_MG_UDP_HDR - MC_MG_HDR_LEN;
    d->cap = min_u32(room, MC_MG_UDP_PAYLOAD_MAX - MC_MG_HDR_LEN);
    d->buf = malloc(d->cap);
    d->len = 0;
    d->pdus = 0;
    return d->buf ? 0 : -1;
}

/* §5.1: the group command, I=1 and CmdSN 0. */
static int send_group_command(mw *w)
{
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_SCSI_CMD);
    bool cmdsn_mutant = w->m->o.mutant == MC_MIRROR_MUTANT_GROUP_CMD_CMDSN;
    mc_pdu_set(&p, MC_F_IMMEDIATE, cmdsn_mutant ? 0 : 1);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_WRITE, 1);
    mc_pdu_set(&p, MC_F_ATTR, ATTR_SIMPLE);
    mc_pdu_set(&p, MC_F_LUN, vlun_field(w));
    mc_pdu_set(&p, MC_F_ITT, w->gitt);
    mc_pdu_set(&p, MC_F_EDTL, w->edtl);
    if (cmdsn_mutant)
        mc_pdu_set(&p, MC_F_CMDSN, mc_ini_cmdsn(w->m->tg[w->r->mem[0].t].ini));
    mc_pdu_set_cdb(&p, w->cdb, MC_CDB_LEN);
    mw_dg d;
    if (dg_init(w, &d) != 0) {
        mc_pdu_free(&p);
        return -1;
    }
    dg_add(w, &d, &p);
    dg_flush(w, &d);
    free(d.buf);
    mc_pdu_free(&p);
    return 0;
}

/* §5.3: burst k once to the group, DataSN from 0, TTT 0xffffffff. */
static int send_group_burst(mw *w, uint32_t k)
{
    uint32_t B = w->r->burst, lo = k * B, hi = min_u32(lo + B, w->edtl);
    mw_dg d;
    if (dg_init(w, &d) != 0)
        return -1;
    uint32_t sn = 0;
    for (uint32_t off = lo; off < hi; sn++) {
        uint32_t len = min_u32(w->seg, hi - off);
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_DATA_OUT);
        mc_pdu_set(&p, MC_F_FINAL, off + len == hi);
        mc_pdu_set(&p, MC_F_LUN, vlun_field(w));
        mc_pdu_set(&p, MC_F_ITT, w->gitt);
        mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
        mc_pdu_set(&p, MC_F_DATASN, sn);
        mc_pdu_set(&p, MC_F_BUFFER_OFFSET, off);
        if (mc_pdu_set_data(&p, w->data + off, len) == 0)
            dg_add(w, &d, &p);
        mc_pdu_free(&p);
        off += len;
    }
    dg_flush(w, &d);
    free(d.buf);
    w->sent[k] = true;
    return 0;
}

/* §5.5: unicast Data-Out answering one member's R2T. */
static int send_unicast(mw *w, mw_mem *e, uint32_t ttt, uint32_t off, uint32_t len)
{
    mm_target *t = &w->m->tg[e->t];
    if (off > w->edtl || len > w->edtl - off)
        return -1;
    uint32_t seg = t->max_send_dsl ? t->max_send_dsl : w->seg;
    uint32_t sn = 0;
    for (uint32_t at = off; at < off + len; sn++) {
        uint32_t n = min_u32(seg, off + len - at);
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_DATA_OUT);
        mc_pdu_set(&p, MC_F_FINAL, at + n == off + len);
        mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(w->r->vlun));
        mc_pdu_set(&p, MC_F_ITT, e->itt);
        mc_pdu_set(&p, MC_F_TTT, ttt);
        mc_pdu_set(&p, MC_F_DATASN, sn);
        mc_pdu_set(&p, MC_F_BUFFER_OFFSET, at);
        char err[160];
        int rc = mc_pdu_set_data(&p, w->data + at, n) == 0
                     ? mc_ini_send_pdu(t->ini, &p, mc_ini_deadline(MM_TEXT_MS), err, sizeof(err)) : -1;
        mc_pdu_free(&p);
        if (rc != MC_INI_OK)
            return -1;
        at += n;
    }
    w->m->st.unicast_bursts++;
    return 0;
}

static uint64_t cmd_timeout(const mw *w)
{
    const mc_mirror_opts *o = &w->m->o;
    return o->cmd_timeout_ms ? o->cmd_timeout_ms : 4ull * o->data_timeout_ms + MM_CMD_GRACE_MS;
}

/* §5.5: the whole WRITE again by unicast on the member's own session, fresh ITT. */
static void start_unicast(mw *w, mw_mem *e)
{
    mm_target *t = &w->m->tg[e->t];
    e->unicast = true;
    e->done = e->good = e->got_r2t = false;
    e->itt = mc_ini_next_itt(t->ini);
    e->deadline = mc_ini_now_ms() + cmd_timeout(w);
    memset(e->burst, B_NONE, w->nb);
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_SCSI_CMD);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_WRITE, 1);
    mc_pdu_set(&p, MC_F_ATTR, ATTR_SIMPLE);
    mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(w->r->vlun));
    mc_pdu_set(&p, MC_F_ITT, e->itt);
    mc_pdu_set(&p, MC_F_EDTL, w->edtl);
    mc_pdu_set_cdb(&p, w->cdb, MC_CDB_LEN);
    char err[160];
    if (mc_ini_send_pdu(t->ini, &p, mc_ini_deadline(MM_TEXT_MS), err, sizeof(err)) != MC_INI_OK) {
        e->done = true;
        snprintf(e->why, sizeof(e->why), "send failed");
    }
    mc_pdu_free(&p);
    w->m->st.unicast_retries++;
}

/* §7.3: the member never asked for data; abort the group tag there, then retry by unicast. */
static void abort_and_retry(mw *w, mw_mem *e)
{
    mm_target *t = &w->m->tg[e->t];
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_TMF_REQ);
    mc_pdu_set(&p, MC_F_IMMEDIATE, 1);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TMF_FUNCTION, MC_TMF_ABORT_TASK);
    mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(w->r->vlun));
    mc_pdu_set(&p, MC_F_ITT, mc_ini_next_itt(t->ini));
    mc_pdu_set(&p, MC_F_RTT, w->gitt);
    mc_pdu_set(&p, MC_F_REFCMDSN, 0);
    char err[160];
    mc_ini_send_pdu(t->ini, &p, mc_ini_deadline(MM_TEXT_MS), err, sizeof(err));
    mc_pdu_free(&p);
    w->m->st.aborts++;
    e->retries++;
    start_unicast(w, e);
}

static void describe_status(const mc_pdu *p, char *why, size_t wl)
{
    unsigned status = (unsigned)mc_pdu_get(p, MC_F_STATUS);
    unsigned resp = (unsigned)mc_pdu_get(p, MC_F_RESPONSE);
    if (resp != MC_RSP_COMPLETED) {
        snprintf(why, wl, "response 0x%02x", resp);
        return;
    }
    if (p->data_len >= SENSE_PREFIX + SENSE_ASC_OFF + 2) {
        const uint8_t *s = p->data + SENSE_PREFIX;
        snprintf(why, wl, "status 0x%02x sense %x/%02x/%02x", status, s[SENSE_KEY_OFF] & 0x0fu,
                 s[SENSE_ASC_OFF], s[SENSE_ASC_OFF + 1]);
    } else {
        snprintf(why, wl, "status 0x%02x", status);
    }
}

static void on_pdu(mw *w, mw_mem *e, const mc_pdu *p)
{
    uint8_t op = mc_pdu_opcode(p);
    if (e->done || mc_pdu_get(p, MC_F_ITT) != e->itt)
        return;  /* late answers of an earlier attempt, TMF and Text responses */
    if (op == MC_OP_R2T) {
        uint32_t ttt = (uint32_t)mc_pdu_get(p, MC_F_TTT);
        uint32_t off = (uint32_t)mc_pdu_get(p, MC_F_BUFFER_OFFSET);
        uint32_t len = (uint32_t)mc_pdu_get(p, MC_F_DDTL);
        uint32_t B = w->r->burst, k = off / B;
        e->got_r2t = true;
        bool plan = !e->unicast && off % B == 0 && k < w->nb && len == min_u32(B, w->edtl - off);
        if (plan && !w->sent[k] && e->burst[k] == B_NONE) {
            e->burst[k] = B_HAVE;
            if (!w->first_r2t[k])
                w->first_r2t[k] = mc_ini_now_ms();
            return;
        }
        /* a late member, a recovery R2T (Figure 7) or a unicast task: data by unicast */
        if (!e->unicast)
            w->m->st.recovery_r2ts++;
        if (send_unicast(w, e, ttt, off, len) != 0) {
            e->done = true;
            snprintf(e->why, sizeof(e->why), "unicast Data-Out failed");
        }
        return;
    }
    if (op == MC_OP_SCSI_RSP) {
        e->done = true;
        e->good = mc_pdu_get(p, MC_F_RESPONSE) == MC_RSP_COMPLETED && mc_pdu_get(p, MC_F_STATUS) == 0;
        if (!e->good)
            describe_status(p, e->why, sizeof(e->why));
        return;
    }
    if (op == MC_OP_REJECT) {
        e->done = true;
        snprintf(e->why, sizeof(e->why), "Reject 0x%02x", (unsigned)mc_pdu_get(p, MC_F_REJECT_REASON));
    }
}

/* Bursts go in increasing k (DataSequenceInOrder), each once every group member asked (§5.2). */
static void send_ready_bursts(mw *w)
{
    uint64_t now = mc_ini_now_ms();
    uint64_t late = w->m->o.data_timeout_ms / 2;
    for (uint32_t k = 0; k < w->nb; k++) {
        if (w->sent[k])
            continue;
        size_t have = 0, need = 0;
        for (size_t i = 0; i < w->n; i++) {
            mw_mem *e = &w->mem[i];
            if (e->done || e->unicast)
                continue;
            need++;
            have += e->burst[k] == B_HAVE;
        }
        bool go = need > 0 && have == need;
        if (!go && have > 0 && w->m->o.mutant == MC_MIRROR_MUTANT_DATA_BEFORE_ALL_R2T)
            go = true;
        if (!go && have > 0 && w->first_r2t[k] && now - w->first_r2t[k] >= late)
            go = true;  /* a slow member is served by unicast when its R2T comes */
        if (!go)
            return;
        send_group_burst(w, k);
        for (size_t i = 0; i < w->n; i++)
            if (w->mem[i].burst[k] == B_HAVE)
                w->mem[i].burst[k] = B_SERVED;
    }
}

static uint64_t next_wake(const mw *w)
{
    uint64_t d = UINT64_MAX;
    for (size_t i = 0; i < w->n; i++) {
        const mw_mem *e = &w->mem[i];
        if (e->done)
            continue;
        if (e->deadline < d)
            d = e->deadline;
        if (!e->got_r2t && !e->unicast && e->r2t_deadline < d)
            d = e->r2t_deadline;
    }
    uint64_t late = w->m->o.data_timeout_ms / 2;
    for (uint32_t k = 0; k < w->nb; k++)
        if (!w->sent[k] && w->first_r2t[k] && w->first_r2t[k] + late < d)
            d = w->first_r2t[k] + late;
    return d;
}

/* Runs until every member is done. */
static void run(mw *w)
{
    for (;;) {
        bool want[MC_MIRROR_TARGETS_MAX] = {false};
        size_t open = 0;
        for (size_t i = 0; i < w->n; i++)
            if (!w->mem[i].done) {
                want[w->mem[i].t] = true;
                open++;
            }
        if (open == 0)
            return;
        send_ready_bursts(w);
        int ti = mm_wait_any(w->m, want, next_wake(w));
        uint64_t now = mc_ini_now_ms();
        if (ti >= 0) {
            mw_mem *e = NULL;
            for (size_t i = 0; i < w->n && !e; i++)
                if (w->mem[i].t == (size_t)ti)
                    e = &w->mem[i];
            mc_pdu p;
            char err[160];
            int rc = mc_ini_recv_pdu(w->m->tg[ti].ini, &p, now, err, sizeof(err));
            if (rc == MC_INI_OK) {
                on_pdu(w, e, &p);
                mc_pdu_free(&p);
            } else if (rc != MC_INI_TIMEOUT) {
                w->m->tg[ti].up = false;
                e->done = true;
                snprintf(e->why, sizeof(e->why), "session lost: %.60s", err);
            }
        }
        for (size_t i = 0; i < w->n; i++) {
            mw_mem *e = &w->mem[i];
            if (e->done)
                continue;
            if (now >= e->deadline) {
                e->done = true;
                e->timed_out = true;
                snprintf(e->why, sizeof(e->why), "timeout");
            } else if (!e->unicast && !e->got_r2t && now >= e->r2t_deadline &&
                       w->m->o.mutant != MC_MIRROR_MUTANT_NO_RETRY) {
                abort_and_retry(w, e);
            }
        }
    }
}

static void start_group(mw *w, bool unicast_only)
{
    w->gitt = mm_next_group_itt(w->m);
    memset(w->sent, 0, w->nb * sizeof(bool));
    memset(w->first_r2t, 0, w->nb * sizeof(uint64_t));
    uint64_t now = mc_ini_now_ms();
    for (size_t i = 0; i < w->n; i++) {
        mw_mem *e = &w->mem[i];
        e->done = e->good = e->timed_out = e->unicast = e->got_r2t = false;
        e->itt = w->gitt;
        e->why[0] = '\0';
        memset(e->burst, B_NONE, w->nb);
        e->r2t_deadline = now + w->m->o.data_timeout_ms;
        e->deadline = now + cmd_timeout(w);
        if (unicast_only) {
            start_unicast(w, e);
            w->m->st.unicast_retries--;  /* not a retry: the unicast peer's first sending */
        }
    }
    if (!unicast_only)
        send_group_command(w);
}

static void finish(mw *w, bool ok, uint8_t vlun, uint64_t lba, uint32_t nblocks, char *res, size_t reslen)
{
    uint32_t crc = mc_crc32c(0, w->data, w->edtl);
    size_t at = (size_t)snprintf(res, reslen, "write vlun=%u lba=%llu blocks=%u crc32c=%08x", (unsigned)vlun,
                                 (unsigned long long)lba, (unsigned)nblocks, (unsigned)crc);
    if (ok) {
        snprintf(res + at, at < reslen ? reslen - at : 0, " members=%zu", w->n);
        return;
    }
    at += (size_t)snprintf(res + at, at < reslen ? reslen - at : 0, " failed");
    if (w->m->o.mutant == MC_MIRROR_MUTANT_FAILED_NOT_NAMED)
        return;
    for (size_t i = 0; i < w->n; i++)
        if (!w->mem[i].good)
            at += (size_t)snprintf(res + at, at < reslen ? reslen - at : 0, " %s(%s)", w->m->tg[w->mem[i].t].name,
                                   w->mem[i].why[0] ? w->mem[i].why : "failed");
}

static int write_any(mc_mirror *m, uint8_t vlun, uint64_t lba, uint32_t nblocks, const uint8_t *data,
                     bool unicast_only, char *res, size_t reslen)
{
    mm_reg *r = mm_reg_find(m, vlun);
    if (!r)
        return mm_fail(res, reslen, "write vlun=%u: not registered", (unsigned)vlun);
    if (nblocks == 0 || (uint64_t)nblocks * MC_MIRROR_BLOCK > UINT32_MAX / 2)
        return mm_fail(res, reslen, "write: 1.. blocks within 2 GiB");
    mw w;
    memset(&w, 0, sizeof(w));
    w.m = m;
    w.r = r;
    w.data = data;
    w.edtl = nblocks * MC_MIRROR_BLOCK;
    w.nb = (w.edtl + r->burst - 1) / r->burst;
    w.seg = mc_mg_segment_for_mtu(m->o.mtu);
    w.n = r->nmem;
    make_cdb(w.cdb, OP_WRITE16, OP_WRITE10, lba, nblocks);
    w.sent = calloc(w.nb, sizeof(bool));
    w.first_r2t = calloc(w.nb, sizeof(uint64_t));
    bool oom = !w.sent || !w.first_r2t;
    for (size_t i = 0; i < w.n; i++) {
        w.mem[i].t = r->mem[i].t;
        w.mem[i].burst = calloc(w.nb, 1);
        oom = oom || !w.mem[i].burst;
        uint32_t dsl = m->tg[w.mem[i].t].max_send_dsl;
        if (dsl && dsl < w.seg)
            w.seg = dsl & ~(MC_PAD - 1u);
    }
    int rc = -1;
    if (oom) {
        mm_fail(res, reslen, "write: out of memory");
        goto out;
    }
    unsigned group_tries = 0;
    start_group(&w, unicast_only);
    for (;;) {
        run(&w);
        size_t failed = 0, silent = 0;
        for (size_t i = 0; i < w.n; i++) {
            failed += !w.mem[i].good;
            silent += w.mem[i].timed_out;
        }
        if (failed == 0) {
            rc = 0;
            break;
        }
        if (m->o.mutant == MC_MIRROR_MUTANT_NO_RETRY)
            break;
        /* Figure 5: every member failed -> the whole command to the group again */
        if (m->o.recovery == MC_RECOVERY_FIG5 && failed == w.n && silent == 0 && group_tries < m->o.retries) {
            group_tries++;
            m->st.group_resends++;
            start_group(&w, false);
            continue;
        }
        /* Figure 6 (and Figure 5 when only some failed): unicast to each failed member */
        bool again = false;
        for (size_t i = 0; i < w.n; i++) {
            mw_mem *e = &w.mem[i];
            if (e->good || e->timed_out || !m->tg[e->t].up || e->retries >= m->o.retries)
                continue;
            e->retries++;
            start_unicast(&w, e);
            again = true;
        }
        if (!again)
            break;
    }
    finish(&w, rc == 0, vlun, lba, nblocks, res, reslen);
out:
    for (size_t i = 0; i < w.n; i++)
        free(w.mem[i].burst);
    free(w.sent);
    free(w.first_r2t);
    return rc;
}

int mc_mirror_write(mc_mirror *m, uint8_t vlun, uint64_t lba, uint32_t nblocks, const uint8_t *data,
                    char *res, size_t reslen)
{
    return write_any(m, vlun, lba, nblocks, data, false, res, reslen);
}

int mc_mirror_write_unicast(mc_mirror *m, uint8_t vlun, uint64_t lba, uint32_t nblocks, const uint8_t *data,
                            char *res, size_t reslen)
{
    return write_any(m, vlun, lba, nblocks, data, true, res, reslen);
}

int mc_mirror_read(mc_mirror *m, const char *name, uint16_t lun, uint64_t lba, uint32_t nblocks,
                   uint8_t *buf, char *res, size_t reslen)
{
    mm_target *t = NULL;
    for (size_t i = 0; i < m->ntg && !t; i++)
        if (strcmp(m->tg[i].name, name) == 0)
            t = &m->tg[i];
    if (!t || !t->up)
        return mm_fail(res, reslen, "read %s: no such target logged in", name);
    uint32_t edtl = nblocks * MC_MIRROR_BLOCK;
    uint8_t cdb[MC_CDB_LEN];
    make_cdb(cdb, OP_READ16, 0, lba, nblocks);
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_SCSI_CMD);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_READ, 1);
    mc_pdu_set(&p, MC_F_ATTR, ATTR_SIMPLE);
    mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(lun));
    uint32_t itt = mc_ini_next_itt(t->ini);
    mc_pdu_set(&p, MC_F_ITT, itt);
    mc_pdu_set(&p, MC_F_EDTL, edtl);
    mc_pdu_set_cdb(&p, cdb, MC_CDB_LEN);
    char err[200];
    uint64_t dl = mc_ini_deadline(MM_TEXT_MS);
    int rc = mc_ini_send_pdu(t->ini, &p, dl, err, sizeof(err));
    mc_pdu_free(&p);
    if (rc != MC_INI_OK)
        return mm_fail(res, reslen, "read %s: %s", name, err);
    memset(buf, 0, edtl);
    for (;;) {
        rc = mc_ini_recv_pdu(t->ini, &p, dl, err, sizeof(err));
        if (rc != MC_INI_OK)
            return mm_fail(res, reslen, "read %s: %s", name, err);
        uint8_t op = mc_pdu_opcode(&p);
        bool mine = mc_pdu_get(&p, MC_F_ITT) == itt;
        int status = -1;
        if (mine && op == MC_OP_DATA_IN) {
            uint32_t off = (uint32_t)mc_pdu_get(&p, MC_F_BUFFER_OFFSET);
            if (off <= edtl && p.data_len <= edtl - off)
                memcpy(buf + off, p.data, p.data_len);
            if (mc_pdu_get(&p, MC_F_STATUS_PRESENT))
                status = (int)mc_pdu_get(&p, MC_F_STATUS);
        } else if (mine && op == MC_OP_SCSI_RSP) {
            status = mc_pdu_get(&p, MC_F_RESPONSE) == MC_RSP_COMPLETED ? (int)mc_pdu_get(&p, MC_F_STATUS) : 0x100;
            if (status)
                describe_status(&p, err, sizeof(err));
        }
        mc_pdu_free(&p);
        if (status == 0) {
            snprintf(res, reslen, "read %s lun=%u lba=%llu blocks=%u crc32c=%08x", name, (unsigned)lun,
                     (unsigned long long)lba, (unsigned)nblocks, (unsigned)mc_crc32c(0, buf, edtl));
            return 0;
        }
        if (status > 0)
            return mm_fail(res, reslen, "read %s lun=%u: %s", name, (unsigned)lun, err);
    }
}
