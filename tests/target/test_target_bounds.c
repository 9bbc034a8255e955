/* The target's resource bounds, one misbehaving peer at a time: each flood must cost that
 * connection (or be refused with the RFC's answer) and never the process. The target runs in
 * this process, so its resident memory is ours (VmRSS); each flood prints it before and after.
 * Bounds: reference/iscsi/target/README.md, "Bounds". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lun.h"
#include "tap.h"
#include "tclient.h"

#define ISID_A 0x400005000001ull
#define ISID_B 0x400005000002ull
#define BLOCK 512u
#define OP_READ10 0x28
#define OP_WRITE10 0x2a
#define OP_INQUIRY 0x12
#define INQUIRY_ALLOC 36u            /* standard INQUIRY data (SPC-4 6.6.2) */
#define SENSE_PREFIX 2u              /* SenseLength before the sense data (11.4.7.2) */
#define SENSE_KEY_BYTE 2u            /* fixed-format sense: byte 2 low nibble (SPC-4 4.5.3) */
#define SENSE_KEY_ABORTED_COMMAND 0xbu
#define WINDOW 32u                   /* the target's CmdSN window (README: Numbering) */
#define MIB (1024.0 * 1024.0)

/* Case 2a: immediate READs bypass the window; each asks for 8 MiB (16384 blocks). */
#define READ_FLOOD_COUNT 32u
#define READ_FLOOD_BLOCKS 16384u
#define READ_FLOOD_LUN_SIZE (16u << 20)
/* Case 2b: READs whose answers stay kept (ExpStatSN never advanced), then Status SNACKs that
 * ask for all of them again, sent in one write and never read while the target works. */
#define SNACK_READS 256u             /* the target's count bound on kept responses */
#define SNACK_READ_BLOCKS 128u       /* 64 KiB each, one Data-In at MaxRecvDataSegmentLength 64 KiB */
#define SNACK_FLOOD_COUNT 24u
#define IMMEDIATE_BOUND 16u          /* TGT_IMMEDIATE_MAX: half the window (README: Bounds) */
/* Case 4: WRITEs with EDTL 1 whose data never comes. */
#define WRITE_FLOOD_COUNT 100000u
#define WRITE_FLOOD_PROBE_EVERY 10000u  /* another session's INQUIRY timed this often */
#define OPEN_TASKS_BOUND 128u        /* TGT_OPEN_TASKS_MAX: 4 x the window (README: Bounds) */
#define TARGET_TASKS_BOUND 4096u     /* TGT_TARGET_TASKS_MAX: 32 sessions at their open bound */
#define TARGET_TASKS_SESSIONS 33u    /* one session more than the target-wide bound allows in full */
#define ISID_BASE_MANY 0x400005100000ull
#define DATA_OUT_TIMEOUT_MS 600u     /* the Data-Out deadline this test's target is given */
/* Case 5: a stream of NOP-Outs, each write ending one PDU and beginning the next. */
#define PDU_TIMEOUT_MS 1000u         /* the partial-PDU deadline this test's target is given */
#define STRADDLE_PDUS 20u
#define STRADDLE_GAP_MS 150u         /* 20 x 150 ms: nearly three deadlines in all */
/* Case 3: the descriptor table this process is given, small enough to fill quickly. */
#define FD_LIMIT 128u

/* Growth of resident memory a flood may cause once bounded: the output bound (8 MiB) plus one
 * PDU's answer past it and the buffers that built it, with room for the allocator. The
 * unbounded target grew 264 MiB, 369 MiB and 37 MiB on these floods. */
#define READ_FLOOD_GROWTH_MAX_MIB 48.0
#define SNACK_FLOOD_GROWTH_MAX_MIB 32.0
#define WRITE_FLOOD_GROWTH_MAX_MIB 12.0
#define SETTLE_MS 1500u              /* how long the peak is sampled after a flood is sent */
#define SAMPLE_MS 50u

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Under AddressSanitizer this process's resident memory holds its quarantine of freed blocks and
 * its shadow, not the target's own use: the memory bounds are judged in the plain build and its
 * Valgrind twin, and skipped (with the reason) here. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_MEANINGFUL 0
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL 1
#endif

/* A memory bound's test point: growth (MiB) below max. */
static void rss_point(double growth, double max, const char *what)
{
    if (!RSS_MEANINGFUL) {
        tap_skip(1, "built with AddressSanitizer: resident memory counts its quarantine");
        return;
    }
    tap_ok(growth < max, "%s grow the target by less than %.0f MiB", what, max);
}

/* This process's resident memory in MiB (VmRSS of /proc/self/status), -1 when unreadable. */
static double rss_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    double mib = -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            mib = strtod(line + 6, NULL) / 1024.0;
            break;
        }
    fclose(f);
    return mib;
}

/* The largest resident size seen over SETTLE_MS. */
static double rss_peak(void)
{
    double peak = rss_mib();
    for (uint64_t end = now_ms() + SETTLE_MS; now_ms() < end;) {
        sleep_ms(SAMPLE_MS);
        double v = rss_mib();
        if (v > peak)
            peak = v;
    }
    return peak;
}

/* Appends p's wire form to a batch (one write later) and frees p. */
static bool batch_add(tc_conn *c, uint8_t **buf, size_t *len, mc_pdu *p)
{
    uint8_t *wire = NULL;
    size_t wl = 0;
    char err[160];
    bool ok = mc_pdu_encode(p, &c->wo, &wire, &wl, err, sizeof(err)) == 0;
    mc_pdu_free(p);
    uint8_t *nb = ok ? realloc(*buf, *len + wl) : NULL;
    if (nb) {
        memcpy(nb + *len, wire, wl);
        *buf = nb;
        *len += wl;
    }
    free(wire);
    return nb != NULL;
}

static int login(tc_conn *c, uint16_t port, uint64_t isid, const char *const *keys)
{
    if (tc_connect(c, port, isid) != 0)
        return -1;
    return tc_login(c, TC_IQN, keys);
}

/* A SCSI status, in a SCSI Response or a Data-In with the S bit: its status byte, else -1. */
static int status_of(const mc_pdu *r)
{
    uint8_t op = mc_pdu_opcode(r);
    if (op == MC_OP_SCSI_RSP || (op == MC_OP_DATA_IN && mc_pdu_get(r, MC_F_STATUS_PRESENT)))
        return (int)mc_pdu_get(r, MC_F_STATUS);
    return -1;
}

/* Case 2a: the output bound is checked before each PDU, so 32 immediate 8 MiB READs in one
 * read cannot all be executed at once; they wait, unread, and are all answered once the peer
 * reads. The windowed variant sends 32 READs with the CmdSN of the first last: 31 are queued
 * ahead of ExpCmdSN, and run one after another when it comes, each only within the bound. */
static void read_flood(bool immediate)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.lun_size = READ_FLOOD_LUN_SIZE;
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, &cfg) == 0, "target for the %s READ flood", immediate ? "immediate" : "windowed"))
        return;
    const char *keys[] = {"MaxRecvDataSegmentLength=262144", NULL};
    tc_conn c;
    tap_is_int(login(&c, tt.port, ISID_A, keys), 0, "logged in");
    uint8_t *batch = NULL;
    size_t blen = 0;
    bool built = true;
    for (unsigned i = 0; i < READ_FLOOD_COUNT; i++) {
        uint8_t cdb[10];
        tc_rw10(cdb, OP_READ10, 0, READ_FLOOD_BLOCKS);
        mc_pdu p;
        tc_scsi(&c, &p, 1, cdb, sizeof(cdb), true, false, READ_FLOOD_BLOCKS * BLOCK);
        if (immediate) {
            mc_pdu_set(&p, MC_F_IMMEDIATE, 1);  /* 3.2.2.1: outside the CmdSN window */
            c.cmdsn--;                          /* an immediate command does not advance it */
        } else {  /* the first CmdSN comes last */
            uint32_t first = c.cmdsn - 1u - i;
            mc_pdu_set(&p, MC_F_CMDSN, i + 1u < READ_FLOOD_COUNT ? first + i + 1u : first);
        }
        built = batch_add(&c, &batch, &blen, &p) && built;
    }
    double before = rss_mib();
    tap_ok(built && tc_send_raw(&c, batch, blen) == 0, "%u %s READs of %u MiB sent in one write (%zu bytes)",
           READ_FLOOD_COUNT, immediate ? "immediate" : "windowed", READ_FLOOD_BLOCKS * BLOCK >> 20, blen);
    free(batch);
    double peak = rss_peak();
    tap_diag("%s READ flood: VmRSS %.1f MiB before, %.1f MiB at peak (+%.1f MiB)", immediate ? "immediate" : "windowed", before, peak,
             peak - before);
    rss_point(peak - before, READ_FLOOD_GROWTH_MAX_MIB, "the unread answers");
    unsigned good = 0, other = 0;
    uint64_t t0 = now_ms();
    for (unsigned got = 0; got < READ_FLOOD_COUNT;) {
        mc_pdu r;
        if (tc_recv(&c, &r, TC_WAIT_MS) != 0)
            break;
        int st = status_of(&r);
        if (st >= 0) {
            got++;
            if (st == MC_SAM_GOOD)
                good++;
            else
                other++;
        }
        mc_pdu_free(&r);
    }
    tap_diag("the held READs drained in %llu ms", (unsigned long long)(now_ms() - t0));
    tap_is_int(good, READ_FLOOD_COUNT, "every READ held back is answered GOOD once the peer reads");
    tap_is_int(other, 0, "none is refused");
    c.expstatsn += READ_FLOOD_COUNT;
    tap_is_int(tc_nop_ping(&c), 0, "the connection goes on");
    tc_close(&c);
    tc_target_stop(&tt);
}

static bool snack_status(tc_conn *c, uint8_t **buf, size_t *len, uint32_t beg)
{
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_SNACK);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_SNACK_TYPE, MC_SNACK_STATUS);
    mc_pdu_set(&p, MC_F_ITT, MC_RESERVED_TAG);
    mc_pdu_set(&p, MC_F_EXPSTATSN, c->expstatsn);
    mc_pdu_set(&p, MC_F_BEGRUN, beg);
    mc_pdu_set(&p, MC_F_RUNLENGTH, 0);  /* 11.16.1: every status from BegRun on */
    return batch_add(c, buf, len, &p);
}

/* Case 2b: each Status SNACK replays what is kept only up to the output bound, and kept
 * responses are bounded by bytes as well as count. */
static void status_snack_flood(void)
{
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, NULL) == 0, "target for the Status SNACK flood"))
        return;
    const char *keys[] = {"ErrorRecoveryLevel=1", "MaxRecvDataSegmentLength=65536", NULL};
    tc_conn c;
    tap_is_int(login(&c, tt.port, ISID_A, keys), 0, "logged in at ErrorRecoveryLevel 1");
    uint32_t first = c.expstatsn, next = c.expstatsn;  /* ExpStatSN stays at first: all kept */
    unsigned answered = 0;
    for (unsigned i = 0; i < SNACK_READS; i++) {
        uint8_t cdb[10];
        tc_rw10(cdb, OP_READ10, (i * SNACK_READ_BLOCKS) % (4096u - SNACK_READ_BLOCKS), SNACK_READ_BLOCKS);
        mc_pdu p;
        tc_scsi(&c, &p, 1, cdb, sizeof(cdb), true, false, SNACK_READ_BLOCKS * BLOCK);
        if (!tc_send_free(&c, &p))
            break;
        mc_pdu r;
        while (tc_recv(&c, &r, TC_WAIT_MS) == 0) {
            int st = status_of(&r);
            if (st >= 0)
                next = (uint32_t)mc_pdu_get(&r, MC_F_STATSN) + 1u;
            mc_pdu_free(&r);
            if (st >= 0) {
                answered += st == MC_SAM_GOOD;
                break;
            }
        }
    }
    tap_is_int(answered, SNACK_READS, "%u READs of %u KiB answered, none acknowledged", SNACK_READS,
               SNACK_READ_BLOCKS * BLOCK >> 10);
    uint8_t *batch = NULL;
    size_t blen = 0;
    bool built = true;
    for (unsigned i = 0; i < SNACK_FLOOD_COUNT; i++)
        built = snack_status(&c, &batch, &blen, first) && built;
    mc_pdu ping;  /* after the SNACKs: its answer comes once every replay is out */
    tc_request(&c, &ping, MC_OP_NOP_OUT, false);
    mc_pdu_set(&ping, MC_F_FINAL, 1);
    mc_pdu_set(&ping, MC_F_TTT, MC_RESERVED_TAG);
    uint32_t ping_itt = (uint32_t)mc_pdu_get(&ping, MC_F_ITT);
    built = batch_add(&c, &batch, &blen, &ping) && built;
    double before = rss_mib();
    tap_ok(built && tc_send_raw(&c, batch, blen) == 0, "%u Status SNACKs for everything and a ping sent in one write (%zu bytes)",
           SNACK_FLOOD_COUNT, blen);
    free(batch);
    double peak = rss_peak();
    tap_diag("Status SNACK flood: VmRSS %.1f MiB before, %.1f MiB at peak (+%.1f MiB)", before, peak, peak - before);
    rss_point(peak - before, SNACK_FLOOD_GROWTH_MAX_MIB, "the replays");
    unsigned resent = 0, rejects = 0;
    bool pong = false;
    mc_pdu r;
    while (!pong && tc_recv(&c, &r, TC_WAIT_MS) == 0) {
        resent += status_of(&r) >= 0;
        rejects += mc_pdu_opcode(&r) == MC_OP_REJECT;
        pong = mc_pdu_opcode(&r) == MC_OP_NOP_IN && mc_pdu_get(&r, MC_F_ITT) == ping_itt;
        mc_pdu_free(&r);
    }
    tap_diag("%u statuses resent for %u SNACKs", resent, SNACK_FLOOD_COUNT);
    tap_ok(resent >= SNACK_FLOOD_COUNT && rejects == 0, "every SNACK was served (%u statuses), none rejected", resent);
    tap_ok(pong, "the ping sent after the SNACKs is answered after their replays");
    c.expstatsn = next + 1u;  /* the ping's answer took a StatSN */
    tap_is_int(tc_nop_ping(&c), 0, "the connection goes on");
    tc_close(&c);
    tc_target_stop(&tt);
}

static bool write_cmd(tc_conn *c, uint8_t **buf, size_t *len, uint32_t edtl)
{
    uint8_t cdb[10];
    tc_rw10(cdb, OP_WRITE10, 0, 1);
    mc_pdu p;
    tc_scsi(c, &p, 1, cdb, sizeof(cdb), false, true, edtl);
    return batch_add(c, buf, len, &p);
}

/* Another session's INQUIRY: its answer's latency in ms, or -1 when it did not come. */
static long inquiry_ms(tc_conn *c)
{
    uint8_t cdb[6] = {OP_INQUIRY, 0, 0, 0, INQUIRY_ALLOC, 0};
    mc_pdu p;
    tc_scsi(c, &p, 1, cdb, sizeof(cdb), true, false, INQUIRY_ALLOC);
    uint64_t t0 = now_ms();
    if (!tc_send_free(c, &p))
        return -1;
    mc_pdu r;
    long ms = -1;
    while (ms < 0 && tc_recv(c, &r, TC_WAIT_MS) == 0) {
        if (status_of(&r) == MC_SAM_GOOD) {
            ms = (long)(now_ms() - t0);
            c->expstatsn = (uint32_t)mc_pdu_get(&r, MC_F_STATSN) + 1u;
        }
        mc_pdu_free(&r);
    }
    return ms;
}

/* Case 4: open tasks are bounded per session; past the bound a WRITE ends TASK SET FULL. */
static void open_write_flood(void)
{
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, NULL) == 0, "target for the open WRITE flood"))
        return;
    tc_conn c, other;
    tap_is_int(login(&c, tt.port, ISID_A, NULL), 0, "flooding session logged in");
    tap_is_int(login(&other, tt.port, ISID_B, NULL), 0, "other session logged in");
    double before = rss_mib();
    unsigned r2ts = 0, full = 0, odd = 0;
    long worst = 0;
    uint64_t t0 = now_ms();
    for (unsigned sent = 0; sent < WRITE_FLOOD_COUNT && odd == 0;) {
        uint8_t *batch = NULL;
        size_t blen = 0;
        unsigned n = 0;
        for (; n < WINDOW && sent + n < WRITE_FLOOD_COUNT; n++)
            write_cmd(&c, &batch, &blen, 1);
        bool ok = tc_send_raw(&c, batch, blen) == 0;
        free(batch);
        for (unsigned i = 0; ok && i < n; i++) {
            mc_pdu r;
            if (tc_recv(&c, &r, TC_WAIT_MS) != 0) {
                ok = false;
                break;
            }
            if (mc_pdu_opcode(&r) == MC_OP_R2T) {
                r2ts++;
            } else if (status_of(&r) == MC_SAM_TASK_SET_FULL) {
                full++;
                c.expstatsn = (uint32_t)mc_pdu_get(&r, MC_F_STATSN) + 1u;
            } else {
                odd++;
            }
            mc_pdu_free(&r);
        }
        if (!ok) {
            odd++;
            break;
        }
        sent += n;
        if (sent % WRITE_FLOOD_PROBE_EVERY == 0) {
            long ms = inquiry_ms(&other);
            if (ms < 0)
                odd++;
            else if (ms > worst)
                worst = ms;
        }
    }
    double after = rss_mib();
    tap_diag("open WRITE flood: %u WRITEs in %llu ms, VmRSS %.1f MiB before, %.1f MiB after (+%.1f MiB); "
             "the other session's slowest INQUIRY %ld ms",
             WRITE_FLOOD_COUNT, (unsigned long long)(now_ms() - t0), before, after, after - before, worst);
    tap_is_int(odd, 0, "every WRITE answered by an R2T or TASK SET FULL, every INQUIRY of the other session answered");
    tap_is_int(r2ts, OPEN_TASKS_BOUND, "R2Ts only while the session holds fewer than %u open tasks", OPEN_TASKS_BOUND);
    tap_is_int(full, WRITE_FLOOD_COUNT - OPEN_TASKS_BOUND, "the rest end TASK SET FULL (SAM-5 5.3)");
    rss_point(after - before, WRITE_FLOOD_GROWTH_MAX_MIB, "the flood's open tasks");
    tap_ok(inquiry_ms(&other) >= 0, "the other session is served after the flood");
    tc_close(&other);
    tc_close(&c);
    tc_target_stop(&tt);
}

/* Case 4, target-wide: sessions each under their own bound still meet the target's. */
static void target_task_bound(void)
{
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, NULL) == 0, "target for the target-wide task bound"))
        return;
    static tc_conn s[TARGET_TASKS_SESSIONS];
    unsigned in = 0, r2ts = 0, full = 0, odd = 0;
    for (unsigned i = 0; i < TARGET_TASKS_SESSIONS; i++)
        in += login(&s[i], tt.port, ISID_BASE_MANY + i, NULL) == 0;
    tap_is_int(in, TARGET_TASKS_SESSIONS, "%u sessions logged in", TARGET_TASKS_SESSIONS);
    for (unsigned i = 0; i < TARGET_TASKS_SESSIONS; i++)
        for (unsigned sent = 0; sent < OPEN_TASKS_BOUND; sent += WINDOW) {
            uint8_t *batch = NULL;
            size_t blen = 0;
            for (unsigned n = 0; n < WINDOW; n++)
                write_cmd(&s[i], &batch, &blen, 1);
            tc_send_raw(&s[i], batch, blen);
            free(batch);
            for (unsigned n = 0; n < WINDOW; n++) {
                mc_pdu r;
                if (tc_recv(&s[i], &r, TC_WAIT_MS) != 0) {
                    odd++;
                    break;
                }
                r2ts += mc_pdu_opcode(&r) == MC_OP_R2T;
                full += status_of(&r) == MC_SAM_TASK_SET_FULL;
                odd += mc_pdu_opcode(&r) != MC_OP_R2T && status_of(&r) != MC_SAM_TASK_SET_FULL;
                mc_pdu_free(&r);
            }
        }
    tap_is_int(odd, 0, "every WRITE answered by an R2T or TASK SET FULL");
    tap_is_int(r2ts, TARGET_TASKS_BOUND, "R2Ts until the target holds %u tasks", TARGET_TASKS_BOUND);
    tap_is_int(full, TARGET_TASKS_SESSIONS * OPEN_TASKS_BOUND - TARGET_TASKS_BOUND,
               "past it TASK SET FULL, though that session is under its own bound");
    for (unsigned i = 0; i < TARGET_TASKS_SESSIONS; i++)
        tc_close(&s[i]);
    tc_target_stop(&tt);
}

/* Case 4, the deadline: a task waiting for Data-Out that gets none ends CHECK CONDITION /
 * ABORTED COMMAND; one whose data came in time completes. */
static void data_out_deadline(void)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.data_out_timeout_ms = DATA_OUT_TIMEOUT_MS;
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, &cfg) == 0, "target with a %u ms Data-Out deadline", DATA_OUT_TIMEOUT_MS))
        return;
    const char *keys[] = {"ImmediateData=No", NULL};
    tc_conn c;
    tap_is_int(login(&c, tt.port, ISID_A, keys), 0, "logged in");
    uint8_t *batch = NULL;
    size_t blen = 0;
    uint32_t first_itt = c.itt;
    for (unsigned i = 0; i < 3; i++)
        write_cmd(&c, &batch, &blen, BLOCK);
    tc_send_raw(&c, batch, blen);
    free(batch);
    uint32_t ttt_last = 0;
    unsigned r2ts = 0;
    for (unsigned i = 0; i < 3; i++) {
        mc_pdu r;
        if (tc_recv(&c, &r, TC_WAIT_MS) != 0)
            break;
        if (mc_pdu_opcode(&r) == MC_OP_R2T) {
            r2ts++;
            if (mc_pdu_get(&r, MC_F_ITT) == first_itt + 2u)
                ttt_last = (uint32_t)mc_pdu_get(&r, MC_F_TTT);
        }
        mc_pdu_free(&r);
    }
    tap_is_int(r2ts, 3, "three WRITEs each asked for their data");
    uint8_t data[BLOCK];
    memset(data, 0x5a, sizeof(data));
    tc_data_out(&c, first_itt + 2u, ttt_last, 0, 0, data, BLOCK, true);
    unsigned good = 0, aborted = 0, other = 0;
    uint64_t t0 = now_ms(), last_at = 0;
    for (unsigned got = 0; got < 3;) {
        mc_pdu r;
        if (tc_recv(&c, &r, (int)DATA_OUT_TIMEOUT_MS + TC_WAIT_MS) != 0)
            break;
        int st = status_of(&r);
        if (st == MC_SAM_GOOD && mc_pdu_get(&r, MC_F_ITT) == first_itt + 2u) {
            good++;
        } else if (st == MC_SAM_CHECK_CONDITION && r.data_len > SENSE_PREFIX + SENSE_KEY_BYTE &&
                   (r.data[SENSE_PREFIX + SENSE_KEY_BYTE] & 0x0fu) == SENSE_KEY_ABORTED_COMMAND) {
            aborted++;
            last_at = now_ms();
        } else {
            other++;
        }
        got += st >= 0;
        if (st >= 0)
            c.expstatsn = (uint32_t)mc_pdu_get(&r, MC_F_STATSN) + 1u;
        mc_pdu_free(&r);
    }
    tap_diag("the data-less WRITEs ended %llu ms after their data was due to start",
             (unsigned long long)(last_at ? last_at - t0 : 0));
    tap_is_int(good, 1, "the WRITE whose data came in time completes GOOD");
    tap_is_int(aborted, 2, "the two without data end CHECK CONDITION / ABORTED COMMAND");
    tap_is_int(other, 0, "nothing else is answered");
    tc_data_out(&c, first_itt, ttt_last, 0, 0, data, BLOCK, true);  /* too late: dropped */
    tap_is_int(tc_nop_ping(&c), 0, "late data is dropped and the connection goes on");
    tc_close(&c);
    tc_target_stop(&tt);
}

/* Case 2c: unanswered immediate commands count against their own bound; one past it is
 * rejected 0x06 (11.17.1), and the session goes on. */
static void immediate_bound(void)
{
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, NULL) == 0, "target for the immediate bound"))
        return;
    const char *keys[] = {"ImmediateData=No", NULL};
    tc_conn c;
    tap_is_int(login(&c, tt.port, ISID_A, keys), 0, "logged in");
    uint8_t *batch = NULL;
    size_t blen = 0;
    for (unsigned i = 0; i <= IMMEDIATE_BOUND; i++) {
        uint8_t cdb[10];
        tc_rw10(cdb, OP_WRITE10, 0, 1);
        mc_pdu p;
        tc_scsi(&c, &p, 1, cdb, sizeof(cdb), false, true, BLOCK);
        mc_pdu_set(&p, MC_F_IMMEDIATE, 1);
        c.cmdsn--;
        batch_add(&c, &batch, &blen, &p);
    }
    tc_send_raw(&c, batch, blen);
    free(batch);
    unsigned r2ts = 0, rejects = 0, other = 0;
    uint32_t rejected_itt = 0;
    for (unsigned i = 0; i <= IMMEDIATE_BOUND; i++) {
        mc_pdu r;
        if (tc_recv(&c, &r, TC_WAIT_MS) != 0)
            break;
        if (mc_pdu_opcode(&r) == MC_OP_R2T) {
            r2ts++;
        } else if (mc_pdu_opcode(&r) == MC_OP_REJECT && mc_pdu_get(&r, MC_F_REJECT_REASON) == MC_REJ_IMMEDIATE_CMD &&
                   r.data_len >= MC_BHS_LEN) {
            rejects++;
            mc_pdu quoted;
            memset(&quoted, 0, sizeof(quoted));
            memcpy(quoted.bhs, r.data, MC_BHS_LEN);
            rejected_itt = (uint32_t)mc_pdu_get(&quoted, MC_F_ITT);
            c.expstatsn = (uint32_t)mc_pdu_get(&r, MC_F_STATSN) + 1u;
        } else {
            other++;
        }
        mc_pdu_free(&r);
    }
    tap_is_int(r2ts, IMMEDIATE_BOUND, "%u unanswered immediate WRITEs are taken", IMMEDIATE_BOUND);
    tap_is_int(rejects, 1, "one past the bound: Reject 0x06, too many immediate commands");
    tap_is_int(rejected_itt, c.itt - 1u, "the Reject quotes the last one");
    tap_is_int(other, 0, "nothing else is answered");
    tap_is_int(tc_nop_ping(&c), 0, "the connection goes on");
    tc_close(&c);
    tc_target_stop(&tt);
}

/* Case 5: the partial-PDU deadline restarts when a PDU ends and the next begins in one read. */
static void partial_deadline_restarts(void)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.pdu_timeout_ms = PDU_TIMEOUT_MS;
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, &cfg) == 0, "target with a %u ms partial-PDU deadline", PDU_TIMEOUT_MS))
        return;
    tc_conn c;
    tap_is_int(login(&c, tt.port, ISID_A, NULL), 0, "logged in");
    uint8_t *stream = NULL;
    size_t slen = 0;
    for (unsigned i = 0; i < STRADDLE_PDUS; i++) {
        mc_pdu p;
        tc_request(&c, &p, MC_OP_NOP_OUT, false);
        mc_pdu_set(&p, MC_F_FINAL, 1);
        mc_pdu_set(&p, MC_F_ITT, MC_RESERVED_TAG);  /* 11.18: no answer wanted */
        mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
        batch_add(&c, &stream, &slen, &p);
    }
    size_t half = MC_BHS_LEN / 2, off = 0;
    bool sent = tc_send_raw(&c, stream, half) == 0;
    off = half;
    uint64_t t0 = now_ms();
    while (sent && off + MC_BHS_LEN <= slen) {
        sleep_ms(STRADDLE_GAP_MS);
        sent = tc_send_raw(&c, stream + off, MC_BHS_LEN) == 0;  /* the end of one, the start of the next */
        off += MC_BHS_LEN;
    }
    if (sent)
        sent = tc_send_raw(&c, stream + off, slen - off) == 0;
    free(stream);
    tap_diag("%u NOP-Outs straddling writes for %llu ms, deadline %u ms", STRADDLE_PDUS,
             (unsigned long long)(now_ms() - t0), PDU_TIMEOUT_MS);
    tap_ok(sent, "every piece was sent");
    tap_is_int(tc_nop_ping(&c), 0, "a connection making progress stays open past the deadline");
    mc_pdu p;
    tc_request(&c, &p, MC_OP_NOP_OUT, false);
    tc_send_raw(&c, p.bhs, half);
    mc_pdu_free(&p);
    tap_ok(tc_wait_closed(&c, (int)PDU_TIMEOUT_MS + TC_WAIT_MS), "a PDU left unfinished still ends the connection");
    tc_close(&c);
    tc_target_stop(&tt);
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

/* Case 3, the accept side: with no descriptor left, a newcomer is refused at once (the spare
 * descriptor) and the loop does not spin; sessions already open go on, and new ones log in as
 * soon as descriptors are free again. */
static void accept_without_descriptors(void)
{
    struct rlimit old;
    getrlimit(RLIMIT_NOFILE, &old);
    struct rlimit low = old;
    if (low.rlim_cur > FD_LIMIT)
        low.rlim_cur = FD_LIMIT;
    tap_is_int(setrlimit(RLIMIT_NOFILE, &low), 0, "descriptor limit lowered to %u", (unsigned)low.rlim_cur);
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, NULL) == 0, "target started"))
        return;
    tc_conn a;
    tap_is_int(login(&a, tt.port, ISID_A, NULL), 0, "a session logged in first");
    int fds[FD_LIMIT];
    size_t n = 0;
    for (int fd; n < FD_LIMIT && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;)
        fds[n++] = fd;
    tap_ok(n > 0 && n < FD_LIMIT && (errno == EMFILE || errno == ENFILE), "the descriptor table filled (%zu more)", n);
    close(fds[--n]);  /* the newcomer's own socket */
    tc_conn late;
    bool connected = tc_connect(&late, tt.port, ISID_B) == 0;
    double cpu0 = cpu_s();
    uint64_t t0 = now_ms();
    tap_ok(connected && tc_wait_closed(&late, TC_WAIT_MS), "a newcomer with no descriptor left is closed at once");
    sleep_ms(SETTLE_MS);
    double busy = (cpu_s() - cpu0) * 1000.0 / (double)(now_ms() - t0);
    tap_diag("process CPU while out of descriptors: %.0f %%", busy * 100.0);
    tc_close(&late);
    while (n > 0)
        close(fds[--n]);
    tap_is_int(tc_nop_ping(&a), 0, "the open session goes on");
    tc_conn b;
    tap_is_int(login(&b, tt.port, ISID_B, NULL), 0, "a new session logs in once descriptors are free");
    tc_close(&b);
    tc_close(&a);
    tc_target_stop(&tt);
    setrlimit(RLIMIT_NOFILE, &old);
}

int main(void)
{
    partial_deadline_restarts();
    read_flood(true);
    read_flood(false);
    status_snack_flood();
    immediate_bound();
    open_write_flood();
    target_task_bound();
    data_out_deadline();
    accept_without_descriptors();
    return tap_done();
}
