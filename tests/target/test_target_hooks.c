/* A toy hook module plugged into the target (target_hooks.h) through the extension API only:
 * it answers a key of its own, takes commands to a LUN that does not exist before they become
 * tasks and answers them when a byte arrives on its pipe, takes READs and WRITEs of LUN 2 at
 * execute and completes them from its tick some rounds later, holds tasks at one LBA until
 * they are cancelled, and has a mutant. The initiator's side is checked on the wire. */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lun.h"
#include "tap.h"
#include "tclient.h"
#include "text.h"

#define ISID 0x400002000077ull
#define BLOCK 512u
#define OP_TEST_UNIT_READY 0x00
#define OP_READ10 0x28
#define OP_WRITE10 0x2a
#define CDB10_LBA_AT 2            /* READ(10)/WRITE(10): LBA in bytes 2-5 (SBC-3) */
#define TOY_LUN 2                 /* READs and WRITEs of this LUN are taken at execute */
#define TOY_EARLY_LUN 7           /* commands to this LUN (no such LU) are taken before they become tasks */
#define TOY_HOLD_LBA 1000u        /* a taken task at this LBA is held until the target cancels it */
#define TOY_ROUNDS 3u             /* loop rounds a taken task waits before the toy completes it */
#define TOY_DELAY_MS 30u          /* and milliseconds: its next_deadline wakes the loop for them */
#define TOY_SLOTS 8u              /* taken tasks and early commands the toy holds at once */
#define TOY_RELEASE 'r'           /* a byte on the pipe: answer every early command */
#define TOY_KEY "X-org.example.Toy"
#define ALARM_MS 50u              /* the next_deadline probe: an alarm this far ahead */
#define STEP_MS 10                /* how often the test looks at the toy's counters */

enum { TOY_MUTANT_PUNG = 1 };
static const mc_mutant_def toy_mutants[] = {
    {"toy-pung", "target", "RFC7143:6.2", "the toy key is answered pung instead of pong"},
};

typedef struct toy_task {
    mc_task *k;
    unsigned rounds;
    uint64_t due;
    bool hold;
} toy_task;

typedef struct toy_early {
    mc_session *s;
    uint32_t itt;
} toy_early;

typedef struct toy {
    int pipe[2];
    toy_task taken[TOY_SLOTS];
    size_t ntaken;
    toy_early early[TOY_SLOTS];
    size_t nearly;
    uint64_t alarm;               /* next_deadline probe: 0 none */
    uint64_t alarm_rang_at;
    /* what the toy saw, read by the test thread */
    atomic_int taken_n, completed_n, cancelled_n, session_end_n, freed_n, pipe_bytes, aborted_n;
    atomic_int refused_in_execute, refused_in_cancel, task_there_at_end, text_offered;
} toy;

static const mc_target_hooks toy_hooks;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int toy_text(void *ctx, mc_conn *c, const uint8_t *req, size_t len, mc_textbuf *out)
{
    toy *y = ctx;
    atomic_fetch_add(&y->text_offered, 1);
    mc_kvlist in;
    mc_kvlist_init(&in);
    char err[128];
    bool mine = mc_text_parse(req, len, 0, &in, NULL, err, sizeof(err)) == MC_TEXT_OK &&
                mc_kvlist_get(&in, TOY_KEY) != NULL;
    mc_kvlist_free(&in);
    if (!mine)
        return MC_HOOK_TEXT_NOT_MINE;
    mc_conn_log(c, 1, "toy key answered");
    bool pung = mc_target_module_mutant(mc_conn_target(c), &toy_hooks) == TOY_MUTANT_PUNG;
    return mc_textbuf_add(out, TOY_KEY, pung ? "pung" : "pong") == 0 ? MC_HOOK_TEXT_ANSWER : -1;
}

static bool toy_scsi_cmd(void *ctx, mc_conn *c, mc_pdu *p)
{
    toy *y = ctx;
    if (mc_lun_decode(mc_pdu_get(p, MC_F_LUN)) != TOY_EARLY_LUN)
        return false;
    if (y->nearly == TOY_SLOTS) {
        mc_conn_reject(c, p->bhs, MC_REJ_TASK_IN_PROGRESS);
        return true;
    }
    y->early[y->nearly++] = (toy_early){mc_conn_session(c), (uint32_t)mc_pdu_get(p, MC_F_ITT)};
    return true;
}

static bool toy_abort(void *ctx, mc_conn *c, const mc_pdu *req, uint8_t *response)
{
    toy *y = ctx;
    uint32_t rtt = (uint32_t)mc_pdu_get(req, MC_F_RTT);
    for (size_t i = 0; i < y->nearly; i++)
        if (y->early[i].s == mc_conn_session(c) && y->early[i].itt == rtt) {
            y->early[i] = y->early[--y->nearly];
            *response = MC_TMF_RSP_COMPLETE;
            atomic_fetch_add(&y->aborted_n, 1);
            return true;
        }
    return false;
}

static int toy_execute(void *ctx, mc_task *k)
{
    toy *y = ctx;
    const uint8_t *cdb = mc_task_cdb(k);
    if (mc_task_lun(k) != TOY_LUN || (cdb[0] != OP_READ10 && cdb[0] != OP_WRITE10) || y->ntaken == TOY_SLOTS)
        return MC_HOOK_PASS;
    mc_scsi_result good;
    memset(&good, 0, sizeof(good));
    if (mc_target_task_complete(k, &good, NULL, 0) != 0)
        atomic_fetch_add(&y->refused_in_execute, 1);
    mc_target *t = mc_session_target(mc_task_session(k));
    y->taken[y->ntaken++] = (toy_task){k, 0, mc_target_now_ms(t) + TOY_DELAY_MS,
                                       be32(cdb + CDB10_LBA_AT) == TOY_HOLD_LBA};
    atomic_fetch_add(&y->taken_n, 1);
    return MC_HOOK_TAKEN;
}

static void toy_cancel(void *ctx, mc_task *k)
{
    toy *y = ctx;
    for (size_t i = 0; i < y->ntaken; i++)
        if (y->taken[i].k == k) {
            y->taken[i] = y->taken[--y->ntaken];
            break;
        }
    mc_scsi_result good;
    memset(&good, 0, sizeof(good));
    if (mc_target_task_complete(k, &good, NULL, 0) != 0)
        atomic_fetch_add(&y->refused_in_cancel, 1);
    atomic_fetch_add(&y->cancelled_n, 1);
}

static size_t toy_nfds(void *ctx)
{
    (void)ctx;
    return 1;
}

static size_t toy_fill(void *ctx, struct pollfd *pf, size_t max)
{
    toy *y = ctx;
    if (max < 1)
        return 0;
    pf[0] = (struct pollfd){.fd = y->pipe[0], .events = POLLIN};
    return 1;
}

/* Answers every early command GOOD on its session's connection. */
static void release_early(toy *y)
{
    mc_scsi_result good;
    memset(&good, 0, sizeof(good));
    for (size_t i = 0; i < y->nearly; i++) {
        mc_conn *c = mc_session_conn(y->early[i].s);
        if (c)
            mc_conn_send_status(c, y->early[i].itt, &good, false, false, 0, 0, true);
    }
    y->nearly = 0;
}

static void toy_on_poll(void *ctx, const struct pollfd *pf, size_t n)
{
    toy *y = ctx;
    if (n < 1 || pf[0].fd != y->pipe[0] || !(pf[0].revents & POLLIN))
        return;
    char b[16];
    ssize_t got = read(y->pipe[0], b, sizeof(b));
    for (ssize_t i = 0; i < got; i++) {
        atomic_fetch_add(&y->pipe_bytes, 1);
        if (b[i] == TOY_RELEASE)
            release_early(y);
    }
}

static uint64_t toy_next_deadline(void *ctx)
{
    toy *y = ctx;
    uint64_t d = y->alarm;
    for (size_t i = 0; i < y->ntaken; i++)
        if (!y->taken[i].hold && (d == 0 || y->taken[i].due < d))
            d = y->taken[i].due;
    return d;
}

/* Runs a taken READ or WRITE on its LU, as a module that mirrors or fetches it elsewhere would. */
static void toy_finish(toy *y, mc_task *k)
{
    mc_scsi_result res;
    memset(&res, 0, sizeof(res));
    size_t out_len = 0, cap = mc_task_data_in_cap(k);
    const uint8_t *out = mc_task_data_out(k, &out_len);
    uint8_t *in = cap ? malloc(cap) : NULL;
    mc_lun *lu = mc_target_lun(mc_session_target(mc_task_session(k)), mc_task_lun(k));
    if (lu && (cap == 0 || in))
        mc_lun_execute(lu, mc_task_cdb(k), MC_CDB_LEN, out, out_len, in, cap, &res);
    else
        mc_scsi_set_sense(&res, MC_SK_HARDWARE_ERROR, MC_ASC_NONE);
    if (mc_target_task_complete(k, &res, in, res.data_in_len) == 0)
        atomic_fetch_add(&y->completed_n, 1);
    free(in);
}

static void toy_tick(void *ctx, uint64_t now)
{
    toy *y = ctx;
    if (y->alarm && now >= y->alarm) {
        y->alarm_rang_at = now;
        y->alarm = 0;
    }
    for (size_t i = 0; i < y->ntaken;) {
        toy_task *tk = &y->taken[i];
        tk->rounds++;
        if (tk->hold || tk->rounds < TOY_ROUNDS || now < tk->due) {
            i++;
            continue;
        }
        mc_task *k = tk->k;
        *tk = y->taken[--y->ntaken];  /* forgotten before completing: the handle is not ours after */
        toy_finish(y, k);
    }
}

static void toy_session_end(void *ctx, mc_session *s)
{
    toy *y = ctx;
    atomic_fetch_add(&y->session_end_n, 1);
    for (size_t i = 0; i < y->ntaken; i++)
        if (mc_task_session(y->taken[i].k) == s && mc_session_task(s, mc_task_itt(y->taken[i].k)) == y->taken[i].k)
            atomic_fetch_add(&y->task_there_at_end, 1);
    for (size_t i = 0; i < y->nearly;)
        if (y->early[i].s == s)
            y->early[i] = y->early[--y->nearly];
        else
            i++;
}

static void toy_free(void *ctx)
{
    toy *y = ctx;
    atomic_fetch_add(&y->freed_n, 1);
}

static const mc_target_hooks toy_hooks = {
    .name = "toy",
    .mutants = toy_mutants,
    .nmutants = sizeof(toy_mutants) / sizeof(toy_mutants[0]),
    .text = toy_text,
    .scsi_cmd = toy_scsi_cmd,
    .abort = toy_abort,
    .execute = toy_execute,
    .cancel = toy_cancel,
    .nfds = toy_nfds,
    .fill = toy_fill,
    .on_poll = toy_on_poll,
    .next_deadline = toy_next_deadline,
    .tick = toy_tick,
    .session_end = toy_session_end,
    .free = toy_free,
};

static int toy_init(toy *y)
{
    memset(y, 0, sizeof(*y));
    return pipe(y->pipe) == 0 && fcntl(y->pipe[0], F_SETFL, O_NONBLOCK) == 0 ? 0 : -1;
}

static void toy_close(toy *y)
{
    close(y->pipe[0]);
    close(y->pipe[1]);
}

/* The serve entry's view of the toy: attach is never reached by the usage checks below. */
static int toy_attach(mc_target *t, char *err, size_t errlen)
{
    (void)t;
    snprintf(err, errlen, "not used");
    return -1;
}
static const mc_target_module toy_module = {&toy_hooks, toy_attach};

/* Waits until *v reaches want (the target's thread moves it); false at the deadline. */
static bool wait_for(atomic_int *v, int want)
{
    for (int waited = 0; waited < TC_WAIT_MS; waited += STEP_MS) {
        if (atomic_load(v) >= want)
            return true;
        usleep(STEP_MS * 1000);
    }
    return atomic_load(v) >= want;
}

/* One Text Request with one pair; the response (caller frees) or -1. */
static int text(tc_conn *c, const char *pair, mc_pdu *r)
{
    mc_pdu p;
    tc_request(c, &p, MC_OP_TEXT_REQ, true);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&p, pair, strlen(pair) + 1);
    if (!tc_send_free(c, &p) || tc_recv(c, r, TC_WAIT_MS) != 0)
        return -1;
    c->expstatsn++;
    return 0;
}

/* A SCSI Command; returns its ITT. data: immediate data of edtl bytes (NULL for none). */
static uint32_t command(tc_conn *c, uint16_t lun, uint8_t op, uint32_t lba, uint16_t blocks, uint32_t edtl,
                        const uint8_t *data)
{
    uint8_t cdb[10];
    mc_pdu p;
    tc_rw10(cdb, op, lba, blocks);
    bool write = op == OP_WRITE10;
    tc_scsi(c, &p, lun, cdb, sizeof(cdb), op == OP_READ10, write, edtl);
    if (data)
        mc_pdu_set_data(&p, data, edtl);
    uint32_t itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(c, &p);
    return itt;
}

static int tmf_abort(tc_conn *c, uint32_t rtt)
{
    mc_pdu p, r;
    tc_request(c, &p, MC_OP_TMF_REQ, false);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TMF_FUNCTION, MC_TMF_ABORT_TASK);
    mc_pdu_set(&p, MC_F_RTT, rtt);
    mc_pdu_set(&p, MC_F_REFCMDSN, c->cmdsn - 1);
    if (!tc_send_free(c, &p) || tc_recv(c, &r, TC_WAIT_MS) != 0)
        return -1;
    int resp = mc_pdu_opcode(&r) == MC_OP_TMF_RSP ? (int)mc_pdu_get(&r, MC_F_RESPONSE) : -1;
    c->expstatsn++;
    mc_pdu_free(&r);
    return resp;
}

/* The SCSI Response (or status-carrying Data-In) of itt: its status, data gathered into buf,
 * residual flags; -1 when none came. */
static int status_of(tc_conn *c, uint32_t itt, uint8_t *buf, size_t cap, uint32_t *got, int *uo, uint32_t *residual)
{
    *got = 0;
    for (;;) {
        mc_pdu r;
        if (tc_recv(c, &r, TC_WAIT_MS) != 0)
            return -1;
        uint8_t op = mc_pdu_opcode(&r);
        bool mine = (uint32_t)mc_pdu_get(&r, MC_F_ITT) == itt;
        if (mine && op == MC_OP_DATA_IN) {
            uint32_t off = (uint32_t)mc_pdu_get(&r, MC_F_BUFFER_OFFSET);
            if (off + r.data_len <= cap)
                memcpy(buf + off, r.data, r.data_len);
            *got += (uint32_t)r.data_len;
        }
        bool status = mine && (op == MC_OP_SCSI_RSP || (op == MC_OP_DATA_IN && mc_pdu_get(&r, MC_F_STATUS_PRESENT)));
        int st = (int)mc_pdu_get(&r, MC_F_STATUS);
        *uo = (mc_pdu_get(&r, MC_F_UNDERFLOW) ? 1 : 0) | (mc_pdu_get(&r, MC_F_OVERFLOW) ? 2 : 0);
        *residual = (uint32_t)mc_pdu_get(&r, MC_F_RESIDUAL);
        mc_pdu_free(&r);
        if (status) {
            c->expstatsn++;
            return st;
        }
        if (!mine)
            return -1;
    }
}

static int login(tc_conn *c, uint16_t port)
{
    if (tc_connect(c, port, ISID) != 0)
        return -1;
    return tc_login(c, TC_IQN, NULL);
}

/* Text: the toy's key answered by the toy; any other key by the target as usual. */
static void texts(uint16_t port, toy *y)
{
    tc_conn c;
    mc_pdu r;
    tap_is_int(login(&c, port), 0, "login");
    tap_ok(text(&c, TOY_KEY "=ping", &r) == 0 && mc_pdu_get(&r, MC_F_FINAL) &&
               tc_text_has(&r, TOY_KEY "=pong"),
           "the toy answers its own key");
    mc_pdu_free(&r);
    tap_ok(text(&c, "X-org.example.Other=1", &r) == 0 && tc_text_has(&r, "X-org.example.Other=NotUnderstood"),
           "a key the toy does not claim is the target's: NotUnderstood");
    mc_pdu_free(&r);
    int offered = atomic_load(&y->text_offered);
    tap_ok(text(&c, "MaxRecvDataSegmentLength=8192", &r) == 0 && tc_text_has(&r, "MaxRecvDataSegmentLength=262144"),
           "a key of the standard is answered by the target");
    mc_pdu_free(&r);
    tap_is_int(atomic_load(&y->text_offered), offered, "and never offered to the module");
    tc_close(&c);
    tap_ok(wait_for(&y->session_end_n, 1), "session_end called for the closed session");
}

/* Commands the toy takes before the target makes tasks of them, answered when its pipe says. */
static void early(uint16_t port, toy *y)
{
    tc_conn c;
    mc_pdu r;
    tap_is_int(login(&c, port), 0, "login");
    uint32_t itt = command(&c, TOY_EARLY_LUN, OP_TEST_UNIT_READY, 0, 0, 0, NULL);
    tap_is_int(tc_recv(&c, &r, TC_QUIET_MS), 1, "a command to LUN 7 is held by the toy (no answer yet)");
    char b = TOY_RELEASE;
    tap_is_int((long long)write(y->pipe[1], &b, 1), 1, "a byte into the toy's pipe");
    int uo = 0;
    uint32_t got, residual;
    tap_is_int(status_of(&c, itt, NULL, 0, &got, &uo, &residual), MC_SAM_GOOD,
               "the toy polled its pipe and answered GOOD (without it LUN 7 fails: no such LU)");
    tap_is_int(atomic_load(&y->pipe_bytes), 1, "one byte read from the pipe");

    itt = command(&c, TOY_EARLY_LUN, OP_TEST_UNIT_READY, 0, 0, 0, NULL);
    tap_is_int(tmf_abort(&c, itt), MC_TMF_RSP_COMPLETE, "ABORT TASK of a held early command: the toy's abort hook");
    tap_is_int(atomic_load(&y->aborted_n), 1, "the toy dropped it");
    tap_is_int((long long)write(y->pipe[1], &b, 1), 1, "release again");
    tap_is_int(tc_recv(&c, &r, TC_QUIET_MS), 1, "the aborted command is never answered");
    tap_is_int(tmf_abort(&c, 0x5555u), MC_TMF_RSP_NO_TASK, "a tag no one holds: the target answers no such task");
    tc_close(&c);
}

/* READ and WRITE of LUN 2 taken at execute, completed from the toy's tick. */
static void taken(uint16_t port, toy *y)
{
    tc_conn c;
    tap_is_int(login(&c, port), 0, "login");
    uint8_t data[2 * BLOCK], got[3 * BLOCK];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 13 + 5);
    int taken0 = atomic_load(&y->taken_n), done0 = atomic_load(&y->completed_n);
    uint32_t itt = command(&c, TOY_LUN, OP_WRITE10, 8, 2, sizeof(data), data);
    int uo = 0;
    uint32_t n, residual;
    tap_is_int(status_of(&c, itt, NULL, 0, &n, &uo, &residual), MC_SAM_GOOD, "the taken WRITE completes GOOD");
    tap_ok(uo == 0 && residual == 0, "with no residual");
    tap_is_int(atomic_load(&y->taken_n) - taken0, 1, "the toy took it at execute");
    tap_is_int(atomic_load(&y->completed_n) - done0, 1, "and completed it from its tick");

    memset(got, 0, sizeof(got));
    itt = command(&c, TOY_LUN, OP_READ10, 8, 2, sizeof(got), NULL);  /* EDTL one block more */
    tap_is_int(status_of(&c, itt, got, sizeof(got), &n, &uo, &residual), MC_SAM_GOOD, "the taken READ completes GOOD");
    tap_ok(n == sizeof(data) && memcmp(got, data, sizeof(data)) == 0, "its Data-In is what was written (%u bytes)",
           (unsigned)n);
    tap_ok(uo == 1 && residual == BLOCK, "underflow: U set, residual 512 (got flags %d residual %u)", uo,
           (unsigned)residual);
    itt = command(&c, TOY_LUN, OP_READ10, 8, 2, BLOCK, NULL);  /* EDTL one block less */
    tap_is_int(status_of(&c, itt, got, sizeof(got), &n, &uo, &residual), MC_SAM_GOOD, "a short-EDTL READ completes");
    tap_ok(n == BLOCK && uo == 2 && residual == BLOCK, "overflow: 512 bytes sent, O set, residual 512");
    tap_is_int(atomic_load(&y->completed_n) - done0, 3, "the toy completed all three");
    tap_is_int(atomic_load(&y->refused_in_execute), atomic_load(&y->taken_n),
               "a completion from inside execute is refused every time");

    itt = command(&c, 1, OP_READ10, 8, 2, sizeof(data), NULL);
    int before = atomic_load(&y->taken_n);
    tap_is_int(status_of(&c, itt, got, sizeof(got), &n, &uo, &residual), MC_SAM_GOOD, "LUN 1 is left to the target");
    tap_is_int(atomic_load(&y->taken_n), before, "the toy passed it");
    tc_close(&c);
}

/* Tasks held TAKEN: ABORT TASK and the connection's end cancel them with the toy first. */
static void cancels(uint16_t port, toy *y)
{
    tc_conn c;
    mc_pdu r;
    uint8_t block[BLOCK] = {1};
    tap_is_int(login(&c, port), 0, "login");
    int t0 = atomic_load(&y->taken_n), c0 = atomic_load(&y->cancelled_n), e0 = atomic_load(&y->session_end_n);
    uint32_t itt = command(&c, TOY_LUN, OP_WRITE10, TOY_HOLD_LBA, 1, BLOCK, block);
    tap_ok(wait_for(&y->taken_n, t0 + 1), "a WRITE at the hold LBA is taken");
    tap_is_int(tmf_abort(&c, itt), MC_TMF_RSP_COMPLETE, "ABORT TASK of the TAKEN task: function complete");
    tap_is_int(atomic_load(&y->cancelled_n) - c0, 1, "the toy's cancel ran");
    tap_is_int(atomic_load(&y->refused_in_cancel) - c0, 1, "a completion from inside cancel is refused");
    tap_is_int(tc_recv(&c, &r, TC_QUIET_MS), 1, "the aborted task is never answered");
    itt = command(&c, TOY_LUN, OP_WRITE10, TOY_HOLD_LBA, 1, BLOCK, block);
    tap_ok(wait_for(&y->taken_n, t0 + 2), "another held WRITE taken");
    tc_close(&c);
    tap_ok(wait_for(&y->cancelled_n, c0 + 2), "the connection's end cancels it too");
    tap_ok(wait_for(&y->session_end_n, e0 + 1), "and ends the session");
    tap_is_int(atomic_load(&y->task_there_at_end), 1, "session_end saw the TAKEN task still in the session");
    tap_is_int(atomic_load(&y->completed_n) + atomic_load(&y->cancelled_n), atomic_load(&y->taken_n),
               "every taken task was completed or cancelled, never both");
}

/* The toy on a target with a mutant name; returns the target's module mutant, -1 when the
 * target could not run a round (*err says why). */
static int mutant_run(const char *mutant, char *err, size_t errlen)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.iqn = TC_IQN;
    cfg.host = "127.0.0.1";
    cfg.luns[0] = (mc_target_lun_spec){.lun = 1, .path = "mem"};
    cfg.nluns = 1;
    cfg.lun_size = 1u << 20;
    cfg.mutant = mutant;
    mc_target *t = NULL;
    toy y;
    if (toy_init(&y) != 0 || mc_target_new(&t, &cfg, err, errlen) != 0)
        return -1;
    int m = -1;
    if (mc_target_add_hooks(t, &toy_hooks, &y) == 0 && mc_target_run_once(t, 0, err, errlen) == 0)
        m = mc_target_module_mutant(t, &toy_hooks);
    mc_target_free(t);
    toy_close(&y);
    return m;
}

static void mutants(void)
{
    char *list = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&list, &len);
    mc_target_mutants_print(f, &toy_module, 1);
    fclose(f);
    const char *core = strstr(list, "statsn-skip\ttarget\tRFC7143:4.2.2.2\t");
    const char *mine = strstr(list, "toy-pung\ttarget\tRFC7143:6.2\tthe toy key is answered pung instead of pong\n");
    tap_ok(core && mine && core < mine, "--mutant list: the core table, then the toy's, in the common format");
    free(list);
    tap_ok(mc_target_mutant_known("toy-pung", &toy_module, 1) && !mc_target_mutant_known("toy-pung", NULL, 0) &&
               !mc_target_mutant_known("no-such", &toy_module, 1),
           "a name is known through the module that lists it, and only then");
    char err[256] = "";
    tap_is_int(mutant_run("toy-pung", err, sizeof(err)), TOY_MUTANT_PUNG, "the toy's mutant resolves to the toy");
    tap_is_int(mutant_run("statsn-skip", err, sizeof(err)), 0, "a core mutant leaves the toy conformant");
    tap_ok(mutant_run("no-such", err, sizeof(err)) < 0 && strstr(err, "unknown mutant no-such"),
           "a name no table lists stops the target: %s", err);
    char *argv[] = {"iscsi-target", "--mutant", "no-such", NULL};
    tap_is_int(mc_target_main(3, argv, &toy_module, 1), 2, "and is a usage error of the serve entry (exit 2)");

    tc_target tt;
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mutant = "toy-pung";
    toy y;
    if (toy_init(&y) != 0 || tc_target_start_hooks(&tt, &cfg, &toy_hooks, &y) != 0) {
        tap_ok(false, "target with the toy's mutant");
        return;
    }
    tc_conn c;
    mc_pdu r;
    tap_ok(login(&c, tt.port) == 0 && text(&c, TOY_KEY "=ping", &r) == 0 && tc_text_has(&r, TOY_KEY "=pung"),
           "the mutant toy answers pung");
    mc_pdu_free(&r);
    tc_close(&c);
    tc_target_stop(&tt);
    toy_close(&y);
}

/* next_deadline: a round with a long poll timeout ends when the toy's alarm is due. */
static void deadline(void)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.iqn = TC_IQN;
    cfg.host = "127.0.0.1";
    cfg.luns[0] = (mc_target_lun_spec){.lun = 1, .path = "mem"};
    cfg.nluns = 1;
    cfg.lun_size = 1u << 20;
    mc_target *t = NULL;
    toy y;
    char err[256];
    if (toy_init(&y) != 0 || mc_target_new(&t, &cfg, err, sizeof(err)) != 0 ||
        mc_target_add_hooks(t, &toy_hooks, &y) != 0) {
        tap_ok(false, "target for the deadline probe: %s", err);
        return;
    }
    uint64_t start = mc_target_now_ms(t);
    y.alarm = start + ALARM_MS;
    tap_is_int(mc_target_run_once(t, TC_WAIT_MS, err, sizeof(err)), 0, "one round with a %d ms poll timeout", TC_WAIT_MS);
    uint64_t end = mc_target_now_ms(t);
    tap_ok(y.alarm_rang_at >= start + ALARM_MS, "the tick after it saw the alarm due");
    tap_ok(end < start + TC_WAIT_MS, "the round ended at the toy's deadline, not the poll timeout (%llu ms)",
           (unsigned long long)(end - start));

    /* plugging in: a fifth module, an execute without cancel, a module after the first round */
    mc_target_hooks no_cancel = toy_hooks;
    no_cancel.cancel = NULL;
    tap_is_int(mc_target_add_hooks(t, &toy_hooks, &y), -1, "no module is added once the target ran");
    mc_target_free(t);
    tap_is_int(atomic_load(&y.freed_n), 1, "the toy's free ran with the target");
    toy_close(&y);

    char *log = NULL;
    size_t len = 0;
    cfg.log = open_memstream(&log, &len);
    if (mc_target_new(&t, &cfg, err, sizeof(err)) != 0) {
        tap_ok(false, "target: %s", err);
        return;
    }
    tap_is_int(mc_target_add_hooks(t, &no_cancel, &y), -1, "an execute hook without cancel is refused");
    size_t added = 0;
    while (added < MC_TARGET_HOOKS_MAX + 1 && mc_target_add_hooks(t, &toy_hooks, &y) == 0)
        added++;
    tap_is_int((long long)added, MC_TARGET_HOOKS_MAX, "at most %u modules per target", MC_TARGET_HOOKS_MAX);
    mc_target_free(t);
    fclose(cfg.log);
    tap_ok(log && strstr(log, "needs a cancel hook") && strstr(log, "at most 4 modules"), "each refusal is logged");
    free(log);
}

int main(void)
{
    toy y;
    tc_target tt;
    if (!tap_ok(toy_init(&y) == 0 && tc_target_start_hooks(&tt, NULL, &toy_hooks, &y) == 0, "target with the toy"))
        return tap_done();
    texts(tt.port, &y);
    early(tt.port, &y);
    taken(tt.port, &y);
    cancels(tt.port, &y);
    int sessions = 4;  /* one per section above */
    tc_target_stop(&tt);
    tap_is_int(atomic_load(&y.session_end_n), sessions, "session_end ran once per session");
    tap_is_int(atomic_load(&y.freed_n), 1, "free ran once with the target");
    toy_close(&y);
    mutants();
    deadline();
    return tap_done();
}
