/* The virtual SAN server as a hook module of the reference target (docs/vsan-link.md §7, §9):
 * READ and WRITE on the mirrored LUN are taken at execute and run by the mirror engine, every
 * other command stays the LUN core's, commands that change the volume in other ways are refused
 * (they would bypass the mirror). Status answers the text key X-org.mirrorcert.VsanStatus; the
 * harness fails and heals the store through control lines on stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "text.h"

#define SRV_CONTROL_LINE_MAX 256u
#define SRV_STATUS_KEY "X-org.mirrorcert.VsanStatus"
#define SRV_COUNTERS_KEY "X-org.mirrorcert.VsanCounters"
#define SRV_KEY_VALUE_MAX 255u   /* RFC 7143 section 6.1: a value's default bound */

/* SBC-3 opcodes the module routes. */
enum {
    OP_READ6 = 0x08, OP_READ10 = 0x28, OP_READ12 = 0xa8, OP_READ16 = 0x88,
    OP_WRITE6 = 0x0a, OP_WRITE10 = 0x2a, OP_WRITE12 = 0xaa, OP_WRITE16 = 0x8a,
    OP_WRITE_VERIFY10 = 0x2e, OP_WRITE_VERIFY12 = 0xae, OP_WRITE_VERIFY16 = 0x8e,
    OP_FORMAT_UNIT = 0x04, OP_WRITE_LONG10 = 0x3f, OP_WRITE_SAME10 = 0x41, OP_UNMAP = 0x42,
    OP_COMPARE_AND_WRITE = 0x89, OP_ORWRITE = 0x8b, OP_WRITE_SAME16 = 0x93, OP_WRITE_LONG16 = 0x9f,
};
#define CDB6_ZERO_MEANS 256u        /* READ(6)/WRITE(6): a length of 0 is 256 blocks (SBC-3 5.x) */
#define CDB6_LBA_MASK 0x1fffffu
#define BYTCHK_MASK 0x06u           /* WRITE AND VERIFY: comparing needs a read back, not mirrored */

/* SPC-4 sense for the engine's outcomes (docs/vsan-link.md §9.1). */
#define SK_NOT_READY 0x2u
#define SK_MEDIUM 0x3u
#define SK_ILLEGAL 0x5u
#define SK_ABORTED 0xbu
#define ASC_UNAVAILABLE 0x040cu     /* LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE */
#define ASC_UNRECOVERED_READ 0x1100u
#define ASC_WRITE_ERROR 0x0c00u
#define ASC_INVALID_OPCODE 0x2000u
#define ASC_LBA_RANGE 0x2100u
#define ASC_NONE 0x0000u

typedef struct srv_task {
    struct srv_task *next;
    struct mc_vsan_srv *srv;
    mc_task *k;
    mc_vsan_io *io;
    uint8_t *buf;              /* read: the engine fills it */
    size_t len;                /* bytes to return (reads) */
    bool write, ready;         /* ready: res holds the outcome, to complete at the next tick */
    mc_scsi_result res;
} srv_task;

struct mc_vsan_srv {
    mc_target *t;
    mc_vsan_node *node;
    mc_store *store;
    uint16_t lun;
    uint32_t block_size;
    srv_task *tasks;
    int control_fd;
    char line[SRV_CONTROL_LINE_MAX];
    size_t linelen;
};

mc_vsan_node *mc_vsan_srv_node(mc_vsan_srv *s) { return s->node; }

/* --- the I/O path ----------------------------------------------------------------------------- */

static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* LBA and block count of a READ or WRITE CDB of any size. */
static void rw_fields(const uint8_t *cdb, uint64_t *lba, uint32_t *blocks)
{
    switch (cdb[0]) {
    case OP_READ6:
    case OP_WRITE6:
        *lba = be(cdb + 1, 3) & CDB6_LBA_MASK;
        *blocks = cdb[4] ? cdb[4] : CDB6_ZERO_MEANS;
        break;
    case OP_READ10:
    case OP_WRITE10:
    case OP_WRITE_VERIFY10:
        *lba = be(cdb + 2, 4);
        *blocks = (uint32_t)be(cdb + 7, 2);
        break;
    case OP_READ12:
    case OP_WRITE12:
    case OP_WRITE_VERIFY12:
        *lba = be(cdb + 2, 4);
        *blocks = (uint32_t)be(cdb + 6, 4);
        break;
    default:  /* the 16-byte forms */
        *lba = be(cdb + 2, 8);
        *blocks = (uint32_t)be(cdb + 10, 4);
        break;
    }
}

static bool is_read(uint8_t op) { return op == OP_READ6 || op == OP_READ10 || op == OP_READ12 || op == OP_READ16; }

static bool is_write(uint8_t op)
{
    return op == OP_WRITE6 || op == OP_WRITE10 || op == OP_WRITE12 || op == OP_WRITE16 || op == OP_WRITE_VERIFY10 ||
           op == OP_WRITE_VERIFY12 || op == OP_WRITE_VERIFY16;
}

/* Commands that would change the volume without going through the mirror. */
static bool bypasses_mirror(uint8_t op)
{
    return op == OP_FORMAT_UNIT || op == OP_WRITE_LONG10 || op == OP_WRITE_SAME10 || op == OP_UNMAP ||
           op == OP_COMPARE_AND_WRITE || op == OP_ORWRITE || op == OP_WRITE_SAME16 || op == OP_WRITE_LONG16;
}

static void sense(mc_scsi_result *res, uint8_t key, uint16_t asc)
{
    memset(res, 0, sizeof *res);
    mc_scsi_set_sense(res, key, asc);
}

static void io_done(void *ctx, mc_vsan_io_status st)
{
    srv_task *x = ctx;
    x->io = NULL;
    memset(&x->res, 0, sizeof x->res);
    switch (st) {
    case MC_VSAN_IO_OK: x->res.status = MC_SAM_GOOD; break;
    case MC_VSAN_IO_UNAVAILABLE: sense(&x->res, SK_NOT_READY, ASC_UNAVAILABLE); break;
    case MC_VSAN_IO_ABORTED: sense(&x->res, SK_ABORTED, ASC_NONE); break;
    case MC_VSAN_IO_MEDIUM: sense(&x->res, SK_MEDIUM, x->write ? ASC_WRITE_ERROR : ASC_UNRECOVERED_READ); break;
    case MC_VSAN_IO_RANGE: sense(&x->res, SK_ILLEGAL, ASC_LBA_RANGE); break;
    }
    x->ready = true;
}

static srv_task *task_new(mc_vsan_srv *s, mc_task *k)
{
    srv_task *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->srv = s;
    x->k = k;
    x->next = s->tasks;
    s->tasks = x;
    return x;
}

static void task_unlink(mc_vsan_srv *s, srv_task *x)
{
    for (srv_task **pp = &s->tasks; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            break;
        }
    free(x->buf);
    free(x);
}

/* Completes every task whose outcome is known (never from inside execute: the target refuses). */
static void complete_ready(mc_vsan_srv *s)
{
    srv_task **pp = &s->tasks;
    while (*pp) {
        srv_task *x = *pp;
        if (!x->ready) {
            pp = &x->next;
            continue;
        }
        *pp = x->next;
        size_t n = x->res.status == MC_SAM_GOOD && !x->write ? x->len : 0;
        mc_target_task_complete(x->k, &x->res, x->buf, n);
        free(x->buf);
        free(x);
    }
}

static int srv_execute(void *ctx, mc_task *k)
{
    mc_vsan_srv *s = ctx;
    if (mc_task_lun(k) != s->lun)
        return MC_HOOK_PASS;
    const uint8_t *cdb = mc_task_cdb(k);
    uint8_t op = cdb[0];
    if (!is_read(op) && !is_write(op) && !bypasses_mirror(op))
        return MC_HOOK_PASS;  /* INQUIRY, READ CAPACITY, MODE SENSE, ...: the LUN core's */
    mc_lun *lu = mc_target_lun(s->t, s->lun);
    mc_scsi_plan plan;
    mc_scsi_result res;
    if (!lu || mc_lun_plan(lu, cdb, MC_CDB_LEN, &plan, &res) != 0)
        return MC_HOOK_PASS;  /* a bad CDB: the LUN core answers it, the same way on every server */
    srv_task *x = task_new(s, k);
    if (!x)
        return MC_HOOK_PASS;
    x->write = !is_read(op);
    if (bypasses_mirror(op) || (is_write(op) && op != OP_WRITE6 && (cdb[1] & BYTCHK_MASK) &&
                                (op == OP_WRITE_VERIFY10 || op == OP_WRITE_VERIFY12 || op == OP_WRITE_VERIFY16))) {
        sense(&x->res, SK_ILLEGAL, ASC_INVALID_OPCODE);  /* not mirrored: refused, never run on one store */
        x->ready = true;
        return MC_HOOK_TAKEN;
    }
    uint64_t lba;
    uint32_t blocks;
    rw_fields(cdb, &lba, &blocks);
    uint64_t off = lba * s->block_size;
    size_t len = (size_t)blocks * s->block_size;
    if (x->write) {
        size_t have = 0;
        const uint8_t *data = mc_task_data_out(k, &have);
        len = have < len ? have - have % s->block_size : len;  /* whole blocks received (the core's rule) */
        x->io = len ? mc_vsan_write(mc_vsan_node_engine(s->node), off, data, len, io_done, x) : NULL;
    } else {
        size_t cap = mc_task_data_in_cap(k);
        x->len = cap < len ? cap : len;
        size_t whole = (x->len + s->block_size - 1u) / s->block_size * s->block_size;
        x->buf = whole ? malloc(whole) : NULL;
        x->io = x->buf ? mc_vsan_read(mc_vsan_node_engine(s->node), off, x->buf, whole, io_done, x) : NULL;
    }
    if (!x->io) {
        memset(&x->res, 0, sizeof x->res);
        x->res.status = len == 0 || (!x->write && x->len == 0) ? MC_SAM_GOOD : MC_SAM_BUSY;
        x->ready = true;
    }
    return MC_HOOK_TAKEN;
}

static void srv_cancel(void *ctx, mc_task *k)
{
    mc_vsan_srv *s = ctx;
    for (srv_task *x = s->tasks; x; x = x->next)
        if (x->k == k) {
            mc_vsan_io_cancel(x->io);  /* a write may still land on the stores; its answer is dropped */
            task_unlink(s, x);
            return;
        }
}

/* --- status ------------------------------------------------------------------------------------- */

static void ids(uint32_t mask, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 1; i <= MC_VSAN_ID_MAX && n < cap; i++)
        if (mask & (1u << i))
            n += (size_t)snprintf(out + n, cap - n, "%s%u", n ? "+" : "", i);
    if (!n)
        snprintf(out, cap, "none");
}

static void state_value(mc_vsan_node *node, char *out, size_t cap)
{
    mc_vsan_info st;
    mc_vsan_get_info(mc_vsan_node_engine(node), &st);
    char members[32], syncing[32], split[32];
    ids(st.members, members, sizeof members);
    ids(st.syncing, syncing, sizeof syncing);
    ids(st.split_brain, split, sizeof split);
    snprintf(out, cap, "id:%u,role:%s,coordinator:%u,term:%u,view:%u,members:%s,syncing:%s,quorum:%s,lease:%s,"
             "store:%s,split-brain:%s",
             (unsigned)st.id, st.role, (unsigned)st.coordinator, (unsigned)st.term, (unsigned)st.view_seq, members,
             syncing, st.quorum ? "yes" : "no", st.lease ? "yes" : "no", st.store_ok ? "ok" : "failed", split);
}

static void counters_value(mc_vsan_node *node, char *out, size_t cap)
{
    mc_vsan_info st;
    mc_vsan_get_info(mc_vsan_node_engine(node), &st);
    uint64_t lc[MC_VSAN_C_COUNT];
    mc_vsan_node_link_counters(node, lc);
    uint64_t errors = 0;
    for (unsigned i = 0; i < MC_VSAN_C_COUNT; i++)
        if (mc_vsan_counter_rule(i))
            errors += lc[i];
    size_t n = (size_t)snprintf(out, cap, "mirrored:%llu,stale-refused:%llu,failover-reads:%llu,resync-bytes:%llu,"
                                "heal-bytes:%llu,repair-bytes:%llu,link-errors:%llu,dirty-self:%u",
                                (unsigned long long)st.writes_mirrored, (unsigned long long)st.stale_refused,
                                (unsigned long long)st.reads_failed_over, (unsigned long long)st.resync_bytes,
                                (unsigned long long)st.heal_bytes, (unsigned long long)st.repair_bytes,
                                (unsigned long long)errors, (unsigned)st.dirty_self);
    for (unsigned i = 1; i <= MC_VSAN_ID_MAX && n < cap; i++)
        if (st.dirty[i])
            n += (size_t)snprintf(out + n, cap - n, ",dirty-%u:%u", i, (unsigned)st.dirty[i]);
}

void mc_vsan_status_line(mc_vsan_node *n, char *out, size_t cap)
{
    char a[SRV_KEY_VALUE_MAX + 1], b[SRV_KEY_VALUE_MAX + 1];
    state_value(n, a, sizeof a);
    counters_value(n, b, sizeof b);
    snprintf(out, cap, "%s %s", a, b);
}

static int srv_text(void *ctx, mc_conn *c, const uint8_t *req, size_t len, mc_textbuf *out)
{
    mc_vsan_srv *s = ctx;
    (void)c;
    mc_kvlist in;
    mc_kvlist_init(&in);
    char err[128];
    if (mc_text_parse(req, len, 0, &in, NULL, err, sizeof err) != MC_TEXT_OK) {
        mc_kvlist_free(&in);
        return MC_HOOK_TEXT_NOT_MINE;
    }
    bool asked = mc_kvlist_get(&in, SRV_STATUS_KEY) != NULL;
    mc_kvlist_free(&in);
    if (!asked)
        return MC_HOOK_TEXT_NOT_MINE;
    char a[SRV_KEY_VALUE_MAX + 1], b[SRV_KEY_VALUE_MAX + 1];
    state_value(s->node, a, sizeof a);
    counters_value(s->node, b, sizeof b);
    mc_kvlist outl;
    mc_kvlist_init(&outl);
    int rc = mc_kvlist_add(&outl, SRV_STATUS_KEY, a) == 0 && mc_kvlist_add(&outl, SRV_COUNTERS_KEY, b) == 0 &&
                     mc_text_serialize(&outl, out) == 0
                 ? MC_HOOK_TEXT_ANSWER
                 : -1;
    mc_kvlist_free(&outl);
    return rc;
}

/* --- control lines (the harness's fault injection of the store) ---------------------------------- */

static void control_line(mc_vsan_srv *s, char *line)
{
    char word[3][32] = {{0}};
    unsigned long long off = 0, len = 0;
    int n = sscanf(line, "%31s %31s %31s %llu %llu", word[0], word[1], word[2], &off, &len);
    int rc = -1;
    if (n >= 2 && strcmp(word[0], "store") == 0 && strcmp(word[1], "heal") == 0) {
        rc = mc_store_fail_clear(s->store);
    } else if (n >= 3 && strcmp(word[0], "store") == 0 && strcmp(word[1], "fail") == 0) {
        unsigned mode = strcmp(word[2], "read") == 0    ? MC_STORE_FAIL_READ
                        : strcmp(word[2], "write") == 0 ? MC_STORE_FAIL_WRITE
                        : strcmp(word[2], "both") == 0  ? MC_STORE_FAIL_BOTH
                                                        : 0;
        rc = !mode ? -1 : n == 5 ? mc_store_fail_add(s->store, mode, off, len) : mc_store_fail_all(s->store, mode);
    } else if (n >= 1 && strcmp(word[0], "status") == 0) {
        char st[2 * SRV_KEY_VALUE_MAX + 2];
        mc_vsan_status_line(s->node, st, sizeof st);
        printf("ok %s\n", st);
        fflush(stdout);
        return;
    }
    printf(rc == 0 ? "ok %s\n" : "error cannot do \"%s\" (store fail read|write|both [OFFSET LENGTH], store heal, status)\n",
           line);
    fflush(stdout);
}

static void control_read(mc_vsan_srv *s)
{
    char buf[SRV_CONTROL_LINE_MAX];
    ssize_t r = read(s->control_fd, buf, sizeof buf);
    if (r <= 0) {
        s->control_fd = -1;  /* closed: no more control, the server goes on */
        return;
    }
    for (ssize_t i = 0; i < r; i++) {
        if (buf[i] == '\n' || buf[i] == '\r') {
            s->line[s->linelen] = '\0';
            if (s->linelen)
                control_line(s, s->line);
            s->linelen = 0;
        } else if (s->linelen + 1u < sizeof s->line) {
            s->line[s->linelen++] = buf[i];
        }
    }
}

/* --- the loop --------------------------------------------------------------------------------------- */

static size_t srv_nfds(void *ctx)
{
    mc_vsan_srv *s = ctx;
    return mc_vsan_node_nfds(s->node) + 1u;
}

static size_t srv_fill(void *ctx, struct pollfd *pf, size_t max)
{
    mc_vsan_srv *s = ctx;
    if (max == 0)
        return 0;
    size_t k = 0;
    if (s->control_fd >= 0)
        pf[k++] = (struct pollfd){.fd = s->control_fd, .events = POLLIN};
    return k + mc_vsan_node_fill(s->node, pf + k, max - k);
}

static void srv_on_poll(void *ctx, const struct pollfd *pf, size_t n)
{
    mc_vsan_srv *s = ctx;
    size_t k = 0;
    if (n && s->control_fd >= 0 && pf[0].fd == s->control_fd) {
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR))
            control_read(s);
        k = 1;
    }
    mc_vsan_node_on_poll(s->node, pf + k, n - k);
    complete_ready(s);
}

static uint64_t srv_next_deadline(void *ctx)
{
    mc_vsan_srv *s = ctx;
    for (srv_task *x = s->tasks; x; x = x->next)
        if (x->ready)
            return mc_vsan_node_now();
    return mc_vsan_node_next_deadline(s->node);
}

static void srv_tick(void *ctx, uint64_t now)
{
    mc_vsan_srv *s = ctx;
    (void)now;
    mc_vsan_node_tick(s->node);
    complete_ready(s);
}

static void srv_free(void *ctx)
{
    mc_vsan_srv *s = ctx;
    while (s->tasks) {
        srv_task *x = s->tasks;
        s->tasks = x->next;
        mc_vsan_io_cancel(x->io);
        free(x->buf);
        free(x);
    }
    mc_vsan_node_free(s->node);
    mc_store_close(s->store);
    free(s);
}

const mc_target_hooks mc_vsan_srv_hooks = {
    .name = "vsan",
    .mutants = mc_vsan_mutants,
    .nmutants = MC_VSAN_MUT_COUNT - 1u,
    .text = srv_text,
    .execute = srv_execute,
    .cancel = srv_cancel,
    .nfds = srv_nfds,
    .fill = srv_fill,
    .on_poll = srv_on_poll,
    .next_deadline = srv_next_deadline,
    .tick = srv_tick,
    .free = srv_free,
};

mc_vsan_srv *mc_vsan_srv_attach(mc_target *t, const mc_vsan_srv_cfg *cfg, char *err, size_t errlen)
{
    mc_vsan_srv *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->t = t;
    s->lun = cfg->lun;
    s->block_size = cfg->node.engine.block_size;
    s->control_fd = cfg->control_fd;
    s->store = mc_store_ref(cfg->store);
    s->node = mc_vsan_node_new(&cfg->node, s->store, err, errlen);
    if (!s->node || mc_target_add_hooks(t, &mc_vsan_srv_hooks, s) != 0) {
        if (s->node && !err[0])
            snprintf(err, errlen, "the target refused the module");
        mc_vsan_node_free(s->node);
        mc_store_close(s->store);
        free(s);
        return NULL;
    }
    return s;
}
