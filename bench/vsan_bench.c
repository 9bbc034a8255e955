/* vsan_bench: the virtual SAN (docs/vsan-link.md) against its peers measured in the same run (not
 * a test). 1: latency and throughput of mirrored writes and reads through the coordinator of a
 * server pair with a witness, against the same commands on a plain reference target (no mirror)
 * whose store is on the same filesystem, with the link's round trip measured beside them; stores
 * on /dev/shm when it is tmpfs and on the working directory's filesystem. 2: after kill -9 of the
 * coordinator or of the other member, the time to the first read and write through the survivor
 * and the longest time without a read completing.
 * 3: after an outage during which N regions were written, the bytes resent to the returning
 * server against its dirty bytes and against a full copy (a server returning with its store
 * discarded, resynced in the same run), and the time each resync took. Sides are interleaved,
 * every figure is min / median / max over the repeats; nothing is asserted. With --peer PROFILE,
 * instead, the reference pair beside a virtual SAN of another make (vsan_bench_peer.c). */
#include <errno.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cli.h"
#include "vsan_bench.h"

#ifndef MC_MIRRORCERT_PATH
#define MC_MIRRORCERT_PATH "mirrorcert"
#endif

#define REPEATS_DEFAULT 5u
#define LAT_SLACK 1.10                /* goal 1: mirrored <= (unmirrored + link round trip) x 1.10 */
#define TPUT_GOAL 0.9                 /* goal 1: mirrored throughput >= 0.9 x unmirrored */
#define READ_GOAL_MS 1000.0           /* goal 2: a read through a survivor within 1 s */
/* Where each pass writes: section 1 through the coordinator (and on the plain target) from 0, through
 * the member from MEMBER_OFF (its own write priority, never revoked); the failover probes at
 * VB_FAILOVER_READ_OFF and from VB_FAILOVER_POOL. */
#define MEMBER_OFF VB_TPUT_BYTES
#define FAILOVER_POOL_REGIONS ((VB_VOLUME - VB_FAILOVER_POOL) / VB_REGION)
#define SHM_DIR "/dev/shm"
#define MS_PER_S 1000.0
#define LINE_MAX_TEXT 256u
#define SUMMARY_MAX 32u
#define PREC_US 0                     /* decimals printed: microseconds, MiB/s, ms, counts, ratios, fractions */
#define PREC_MIBS 1
#define PREC_MS 0
#define PREC_COUNT 0
#define PREC_RATIO 2
#define PREC_FRACTION 4

enum { PLAIN, COORD, MEMBER, NSIDES };

_Static_assert(MEMBER_OFF + (uint64_t)VB_LAT_OPS * VB_LAT_LEN <= VB_FAILOVER_READ_OFF,
               "section 1 apart from the probes");

/* The link round trip is measured for these write sizes. */
static const size_t link_sizes[] = {VB_LAT_LEN, 64u * VB_KIB, VB_KIB * VB_KIB};
#define NLINK (sizeof link_sizes / sizeof link_sizes[0])

/* Published failure-detection timers of other mirroring systems: fixed reference figures. */
static const struct {
    const char *name;
    double s;
} published[] = {{"DRBD", 6.0}, {"Longhorn", 8.0}, {"Ceph", 20.0}};

static unsigned repeats = REPEATS_DEFAULT;
static char summary[SUMMARY_MAX][LINE_MAX_TEXT];
static unsigned nsummary;

static void add_summary(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add_summary(const char *fmt, ...)
{
    if (nsummary >= SUMMARY_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(summary[nsummary++], LINE_MAX_TEXT, fmt, ap);
    va_end(ap);
}

static const char *verdict(bool met) { return met ? "goal met" : "goal missed"; }

const char *vb_fs_name(const char *dir, char *buf, size_t cap)
{
    static const struct {
        long magic;
        const char *name;
    } known[] = {{TMPFS_MAGIC, "tmpfs"},     {EXT4_SUPER_MAGIC, "ext2/3/4"}, {BTRFS_SUPER_MAGIC, "btrfs"},
                 {XFS_SUPER_MAGIC, "xfs"},   {OVERLAYFS_SUPER_MAGIC, "overlayfs"}, {NFS_SUPER_MAGIC, "nfs"}};
    struct statfs sf;
    if (statfs(dir, &sf) != 0)
        return NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if ((long)sf.f_type == known[i].magic)
            return known[i].name;
    snprintf(buf, cap, "fs 0x%lx", (unsigned long)sf.f_type);
    return buf;
}

/* --- 1. latency and throughput -------------------------------------------------------------------- */

typedef struct fs_run {
    char label[VB_PATH_MAX];
    double v[VB_NWL][NSIDES][VB_REPEATS_MAX];
    double rtt[NLINK][VB_REPEATS_MAX];    /* by link_sizes */
    double first[VB_NWL][NSIDES];        /* the warm-up pass: every region written for the first time */
} fs_run;

/* Every pass writes and reads the same bytes. */
static uint64_t offset_for(bool member) { return member ? MEMBER_OFF : 0u; }

static int measure(vb_sess *s, const vb_workload *w, bool other_half, double *out, char *err, size_t errlen)
{
    return vb_measure(s, w, offset_for(other_half), VB_LAT_OPS, VB_TPUT_BYTES, out, err, errlen);
}

static int section1(vb_cluster *c, unsigned coord, fs_run *f, char *err, size_t errlen)
{
    vb_sess plain[VB_DEPTH_HIGH], vs[VB_DEPTH_HIGH], mem;
    memset(plain, 0, sizeof plain);
    memset(vs, 0, sizeof vs);
    memset(&mem, 0, sizeof mem);
    unsigned member = coord == 1 ? 2 : 1;
    int rc = vb_sess_open(&mem, &c->srv[member], VB_VSAN_IQN, err, errlen);
    for (unsigned i = 0; rc == 0 && i < VB_DEPTH_HIGH; i++)
        rc = vb_sess_open(&plain[i], &c->plain, VB_PLAIN_IQN, err, errlen) ||
             vb_sess_open(&vs[i], &c->srv[coord], VB_VSAN_IQN, err, errlen);
    vb_pingpong *pp[NLINK] = {NULL};
    for (size_t i = 0; rc == 0 && i < NLINK; i++)
        rc = (pp[i] = vb_pingpong_open(c->link[1].sin_addr, c->link[2].sin_addr, link_sizes[i], err, errlen)) ? 0 : -1;
    /* Pass 0 warms up (first writes to every region: blocks allocated, regions entered in the
     * writer's activity log) and is reported apart; passes 1.. are the repeats. */
    for (unsigned pass = 0; rc == 0 && pass <= repeats; pass++) {
        unsigned r = pass ? pass - 1u : 0u;
        fprintf(stderr, "vsan_bench: %s: %s %u of %u\n", f->label, pass ? "repeat" : "warm-up", r + !!pass, repeats);
        for (size_t i = 0; rc == 0 && i < NLINK; i++) {
            unsigned n = VB_TPUT_BYTES / link_sizes[i] < VB_LAT_OPS ? (unsigned)(VB_TPUT_BYTES / link_sizes[i])
                                                                 : VB_LAT_OPS;
            double rtt;
            rc = vb_pingpong_run(pp[i], n, &rtt, err, errlen);
            if (pass)
                f->rtt[i][r] = rtt;
        }
        for (size_t w = 0; rc == 0 && w < VB_NWL; w++) {
            unsigned nsides = vb_wls[w].latency ? NSIDES : MEMBER;
            for (unsigned k = 0; rc == 0 && k < nsides; k++) {
                unsigned side = (k + r) % nsides;  /* each side goes first in turn */
                vb_sess *s = side == PLAIN ? plain : side == COORD ? vs : &mem;
                rc = measure(s, &vb_wls[w], side == MEMBER, pass ? &f->v[w][side][r] : &f->first[w][side], err, errlen);
            }
        }
    }
    for (size_t i = 0; i < NLINK; i++)
        vb_pingpong_close(pp[i]);
    vb_sess_close(&mem);
    for (unsigned i = 0; i < VB_DEPTH_HIGH; i++)
        vb_sess_close(&plain[i]), vb_sess_close(&vs[i]);
    return rc;
}

static void print_row(const char *name, const double *a, const double *b, int prec, const char *goal)
{
    char ca[VB_CELL] = "-", cb[VB_CELL] = "-", cr[VB_CELL] = "-";
    double ratio[VB_REPEATS_MAX];
    if (a)
        vb_cell(ca, vb_mmm_of(a, repeats), prec);
    if (b)
        vb_cell(cb, vb_mmm_of(b, repeats), prec);
    if (a && b) {
        for (unsigned r = 0; r < repeats; r++)
            ratio[r] = b[r] / a[r];
        vb_cell(cr, vb_stats(ratio, repeats), PREC_RATIO);
    }
    printf("  %-30s %-20s %-20s %-16s %s\n", name, ca, cb, cr, goal);
}

static void report1(const fs_run *f)
{
    printf("\n1. latency and throughput, stores on %s; %u repeats, sides interleaved; min/median/max\n", f->label,
           repeats);
    printf("  %-30s %-20s %-20s %-16s %s\n", "workload", "unmirrored (plain)", "mirrored (coord.)",
           "ratio mirr/unm", "goal");
    double bound[VB_REPEATS_MAX], rel[NSIDES][VB_REPEATS_MAX];
    for (unsigned r = 0; r < repeats; r++) {
        bound[r] = (f->v[0][PLAIN][r] + f->rtt[0][r]) * LAT_SLACK;  /* link_sizes[0] is the latency size */
        for (unsigned s = COORD; s < NSIDES; s++)
            rel[s][r] = f->v[0][s][r] / bound[r];
    }
    unsigned tput_met = 0, tput_rows = 0;
    double worst = 0;
    const char *worst_name = "";
    unsigned worst_depth = 1;
    for (size_t w = 0; w < VB_NWL; w++) {
        char name[LINE_MAX_TEXT], goal[LINE_MAX_TEXT] = "";
        snprintf(name, sizeof name, "%s QD%u", vb_wls[w].what, vb_wls[w].depth);
        double ratio[VB_REPEATS_MAX];
        for (unsigned r = 0; r < repeats; r++)
            ratio[r] = f->v[w][COORD][r] / f->v[w][PLAIN][r];
        double med = vb_stats(ratio, repeats).med;
        if (w == 0) {
            bool met = vb_mmm_of(rel[COORD], repeats).med <= 1.0;
            snprintf(goal, sizeof goal, "%s", met ? "met" : "missed");
        } else if (vb_wls[w].write) {
            bool met = med >= TPUT_GOAL;
            snprintf(goal, sizeof goal, "%s", met ? "met" : "missed");
            tput_met += met;
            tput_rows++;
            if (tput_rows == 1 || med < worst)
                worst = med, worst_name = vb_wls[w].what, worst_depth = vb_wls[w].depth;
        }
        print_row(name, f->v[w][PLAIN], f->v[w][COORD], vb_wls[w].latency ? PREC_US : PREC_MIBS, goal);
        if (w == 0) {
            print_row("  mirrored via member, us", f->v[w][PLAIN], f->v[w][MEMBER], PREC_US, "");
            print_row("  bound (unm.+link) x1.10, us", NULL, bound, PREC_US, "");
            print_row("  mirrored / bound", NULL, rel[COORD], PREC_RATIO, "");
            print_row("  via member / bound", NULL, rel[MEMBER], PREC_RATIO, "");
        } else if (w == 1) {
            print_row("  read via member, us", f->v[w][PLAIN], f->v[w][MEMBER], PREC_US, "");
            for (size_t i = 0; i < NLINK; i++) {
                if (link_sizes[i] >= VB_KIB * VB_KIB)
                    snprintf(name, sizeof name, "link round trip %zu MiB, us", link_sizes[i] / (VB_KIB * VB_KIB));
                else
                    snprintf(name, sizeof name, "link round trip %zu KiB, us", link_sizes[i] / VB_KIB);
                print_row(name, NULL, f->rtt[i], PREC_US, "");
            }
        }
    }
    printf("  warm-up pass (one pass, every region written for the first time), mirrored/unmirrored:");
    for (size_t w = 0; w < VB_NWL; w++)
        if (vb_wls[w].write)
            printf(" %s QD%u %.2f;", vb_wls[w].what, vb_wls[w].depth, f->first[w][COORD] / f->first[w][PLAIN]);
    printf("\n");
    vb_mmm rc = vb_mmm_of(rel[COORD], repeats), rm = vb_mmm_of(rel[MEMBER], repeats);
    add_summary("goal 1 latency, %s: mirrored 4 KiB write / ((unmirrored + link round trip) x %.2f) = %.2f median "
                "(%.2f-%.2f): %s; via the member %.2f: %s",
                f->label, LAT_SLACK, rc.med, rc.min, rc.max, verdict(rc.med <= 1.0), rm.med, verdict(rm.med <= 1.0));
    add_summary("goal 1 write throughput >= %.1fx, %s: %u of %u workloads (lowest median ratio %.2f, %s QD%u): %s",
                TPUT_GOAL, f->label, tput_met, tput_rows, worst, worst_name, worst_depth,
                verdict(tput_met == tput_rows));
    double lo = 0, hi = 0;
    for (size_t w = 0; w < VB_NWL; w++) {
        if (vb_wls[w].write)
            continue;
        double ratio[VB_REPEATS_MAX];
        for (unsigned r = 0; r < repeats; r++)
            ratio[r] = f->v[w][COORD][r] / f->v[w][PLAIN][r];
        double med = vb_stats(ratio, repeats).med;
        if (vb_wls[w].latency)
            med = 1.0 / med;  /* as a speed: unmirrored latency / mirrored latency */
        lo = lo == 0 || med < lo ? med : lo;
        hi = med > hi ? med : hi;
    }
    add_summary("reads (no goal; served by the local store), %s: mirrored/unmirrored speed, medians %.2f-%.2f",
                f->label, lo, hi);
}

/* --- 2. failover ---------------------------------------------------------------------------------- */

enum { KILL_COORD, KILL_MEMBER, NKILL };
static const char *const kill_name[NKILL] = {"coordinator", "member"};

typedef struct fo_run {
    vb_failover v[NKILL][VB_REPEATS_MAX];
} fo_run;

_Static_assert(VB_REPEATS_MAX * NKILL <= FAILOVER_POOL_REGIONS, "a fresh region for every failover trial");

static int failover_once(vb_cluster *c, unsigned kind, unsigned trial, vb_failover *out, char *err, size_t errlen)
{
    uint64_t write_off = VB_FAILOVER_POOL + (uint64_t)trial * VB_REGION;
    return vb_cluster_failover(c, kind == KILL_COORD, write_off, out, err, errlen);
}

static int section2(vb_cluster *c, fo_run *f, char *err, size_t errlen)
{
    for (unsigned r = 0; r < repeats; r++)
        for (unsigned k = 0; k < NKILL; k++) {
            unsigned kind = (k + r) % NKILL;
            fprintf(stderr, "vsan_bench: failover: kill the %s, repeat %u of %u\n", kill_name[kind], r + 1, repeats);
            if (failover_once(c, kind, r * NKILL + k, &f->v[kind][r], err, errlen) != 0)
                return -1;
        }
    return 0;
}

/* min/median/max of one field over the repeats that saw it happen; *missing: those that did not. */
static vb_mmm fo_field(const fo_run *f, unsigned kind, size_t field_off, unsigned *missing)
{
    double v[VB_REPEATS_MAX];
    size_t n = 0;
    *missing = 0;
    for (unsigned r = 0; r < repeats; r++) {
        double x = *(const double *)((const char *)&f->v[kind][r] + field_off);
        if (x < 0)
            (*missing)++;
        else
            v[n++] = x;
    }
    return vb_stats(v, n);
}

static void report2(const fo_run *f, const char *label)
{
    printf("\n2. failover, stores on %s: kill -9 of a server, %u repeats each, interleaved; ms from the kill, "
           "min/median/max\n", label, repeats);
    printf("  %-12s %-20s %-24s %-20s %s\n", "killed", "first read", "longest without a read", "first write",
           "refused reads, writes (median)");
    enum { F_READ, F_GAP, F_WRITE, NFIELDS };
    static const size_t fields[NFIELDS] = {offsetof(vb_failover, first_read), offsetof(vb_failover, read_gap),
                                           offsetof(vb_failover, first_write)};
    double write_med[NKILL];
    for (unsigned k = 0; k < NKILL; k++) {
        char cells[NFIELDS][VB_CELL];
        unsigned miss[NFIELDS];
        vb_mmm m[NFIELDS];
        for (unsigned i = 0; i < NFIELDS; i++) {
            m[i] = fo_field(f, k, fields[i], &miss[i]);
            vb_cell(cells[i], m[i], PREC_MS);
            if (miss[i])
                snprintf(cells[i], VB_CELL, "%u missed", miss[i]);
        }
        double rr[VB_REPEATS_MAX], rw[VB_REPEATS_MAX];
        for (unsigned r = 0; r < repeats; r++)
            rr[r] = f->v[k][r].refused_reads, rw[r] = f->v[k][r].refused_writes;
        char cr[VB_CELL];
        snprintf(cr, sizeof cr, "%.0f, %.0f", vb_stats(rr, repeats).med, vb_stats(rw, repeats).med);
        printf("  %-12s %-20s %-24s %-20s %s\n", kill_name[k], cells[F_READ], cells[F_GAP], cells[F_WRITE], cr);
        write_med[k] = m[F_WRITE].med;
        bool first_ok = !miss[F_READ] && m[F_READ].max < READ_GOAL_MS, gap_ok = m[F_GAP].max < READ_GOAL_MS;
        add_summary("goal 2 read < %.0f ms after kill -9 of the %s: first read max %.0f ms: %s; longest time "
                    "without a read max %.0f ms: %s; first write median %.0f ms",
                    READ_GOAL_MS, kill_name[k], m[F_READ].max, verdict(first_ok), m[F_GAP].max, verdict(gap_ok),
                    m[F_WRITE].med);
    }
    printf("  configured lease %u ms. Published failure-detection timers (fixed reference figures, not measured "
           "here):", (unsigned)VB_LEASE_MS);
    for (size_t i = 0; i < sizeof published / sizeof published[0]; i++)
        printf(" %s %.0f s%s", published[i].name, published[i].s, i + 1 < sizeof published / sizeof published[0] ? "," : "\n");
    printf("  published timer / our median first write (coordinator, member):");
    for (size_t i = 0; i < sizeof published / sizeof published[0]; i++)
        printf(" %s %.1fx, %.1fx%s", published[i].name, published[i].s * MS_PER_S / write_med[KILL_COORD],
               published[i].s * MS_PER_S / write_med[KILL_MEMBER],
               i + 1 < sizeof published / sizeof published[0] ? ";" : "\n");
}

/* --- 3. resync ---------------------------------------------------------------------------------------- */

static const unsigned dirty_counts[] = {1, 8, 64, 0};  /* 0: a full copy (store discarded) */
#define NRESYNC (sizeof dirty_counts / sizeof dirty_counts[0])

typedef struct rs_run {
    double bytes[NRESYNC][VB_REPEATS_MAX], ms[NRESYNC][VB_REPEATS_MAX];
} rs_run;

static int resync_once(vb_cluster *c, unsigned n, double *bytes, double *ms, char *err, size_t errlen)
{
    unsigned coord;
    if (vb_wait_in_sync(c, &coord, VB_HEALTHY_TIMEOUT_MS / MS_PER_S, err, errlen) != 0)
        return -1;
    unsigned member = coord == 1 ? 2 : 1;
    double t0;
    vb_server_kill(c, member, &t0);
    vb_sess s;
    memset(&s, 0, sizeof s);
    int rc = vb_wait_left(c, coord, member, VB_FAILOVER_DEADLINE_S, err, errlen) ||
             vb_sess_open(&s, &c->srv[coord], VB_VSAN_IQN, err, errlen);
    uint8_t *buf = rc ? NULL : calloc(1, VB_REGION);
    uint64_t regions = VB_VOLUME / VB_REGION;
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        uint64_t region = i * (regions / n);  /* N distinct regions spread over the volume */
        rc = buf && mc_ini_write(s.ini, VB_LUN, region * VB_REGION / s.block_size, VB_REGION / s.block_size,
                                 s.block_size, buf, mc_ini_deadline(VB_IO_TIMEOUT_MS), err, errlen) == MC_INI_OK
                 ? 0
                 : -1;
    }
    free(buf);
    vb_sess_close(&s);
    vb_status before, after;
    rc = rc || vb_status_get(c, coord, &before, err, errlen) || vb_server_start(c, member, n == 0, err, errlen) ||
         vb_wait_in_sync(c, &coord, VB_HEALTHY_TIMEOUT_MS / MS_PER_S, err, errlen);
    double synced = vb_now();
    if (rc == 0 && vb_status_get(c, coord, &after, err, errlen) == 0) {
        *bytes = (double)(after.resync_bytes - before.resync_bytes);
        *ms = (synced - c->srv[member].ready_at) * MS_PER_S;
        return 0;
    }
    char again[VB_ERR_MAX];
    if (c->srv[member].pid <= 0)
        vb_server_start(c, member, false, again, sizeof again);
    return -1;
}

static int section3(vb_cluster *c, rs_run *f, char *err, size_t errlen)
{
    for (unsigned r = 0; r < repeats; r++)
        for (unsigned k = 0; k < NRESYNC; k++) {
            unsigned i = (k + r) % NRESYNC;
            fprintf(stderr, "vsan_bench: resync: %u regions, repeat %u of %u\n", dirty_counts[i], r + 1, repeats);
            if (resync_once(c, dirty_counts[i], &f->bytes[i][r], &f->ms[i][r], err, errlen) != 0)
                return -1;
        }
    return 0;
}

static void report3(const rs_run *f, const char *label)
{
    printf("\n3. resync, stores on %s: a %llu MiB volume, %u KiB regions; the member killed, N regions written, "
           "restarted; %u repeats, interleaved; min/median/max\n",
           label, (unsigned long long)(VB_VOLUME >> 20), VB_REGION / VB_KIB, repeats);
    printf("  %-18s %-11s %-26s %-16s %-14s %-20s %s\n", "dirty regions", "dirty KiB", "resent KiB", "resent/dirty",
           "resent/volume", "ready->in sync ms", "time/full copy");
    const unsigned full = NRESYNC - 1;
    double full_med = vb_mmm_of(f->ms[full], repeats).med;
    for (unsigned i = 0; i < NRESYNC; i++) {
        double dirty = dirty_counts[i] ? (double)dirty_counts[i] * VB_REGION : (double)VB_VOLUME;
        double kib[VB_REPEATS_MAX], per[VB_REPEATS_MAX], vol[VB_REPEATS_MAX], rel[VB_REPEATS_MAX];
        for (unsigned r = 0; r < repeats; r++) {
            kib[r] = f->bytes[i][r] / VB_KIB;
            per[r] = f->bytes[i][r] / dirty;
            vol[r] = f->bytes[i][r] / (double)VB_VOLUME;
            rel[r] = f->ms[i][r] / full_med;
        }
        char name[VB_CELL], ck[VB_CELL], cp[VB_CELL], cv[VB_CELL], ct[VB_CELL], cr[VB_CELL];
        snprintf(name, sizeof name, dirty_counts[i] ? "%u" : "all (new server)", dirty_counts[i]);
        vb_mmm mp = vb_stats(per, repeats), mv = vb_stats(vol, repeats), mt = vb_mmm_of(f->ms[i], repeats);
        vb_cell(ck, vb_stats(kib, repeats), PREC_COUNT);
        vb_cell(cp, mp, PREC_RATIO);
        vb_cell(cv, mv, PREC_FRACTION);
        vb_cell(ct, mt, PREC_MS);
        vb_cell(cr, vb_stats(rel, repeats), PREC_RATIO);
        printf("  %-18s %-11.0f %-26s %-16s %-14s %-20s %s\n", name, dirty / VB_KIB, ck, cp, cv, ct, cr);
        if (dirty_counts[i]) {
            add_summary("goal 3 resync of %u dirty region(s), only they resent (1.00 byte per dirty byte): median %.2f "
                        "(max %.2f), %.4f of a full copy; %.0f ms vs %.0f ms for a full copy: %s",
                        dirty_counts[i], mp.med, mp.max, mv.med, mt.med, full_med, verdict(mp.med <= 1.0));
        }
    }
}

/* --- the run ------------------------------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out, "usage: vsan_bench [--mirrorcert PATH] [--repeats N] [--dir PATH] [--peer PROFILE [--brief]]\n"
                 "  --mirrorcert  the program (default: the build tree's, %s)\n"
                 "  --repeats     repeats of every figure, 1..%u (default %u)\n"
                 "  --dir         the second store location (default: the working directory); the first is %s\n"
                 "  --peer        instead: the reference pair beside the virtual SAN a device profile starts\n"
                 "                (gluster), both with their stores in --dir, the same I/O and failover through\n"
                 "                each in turn, each figure with the ratio reference/peer; exit %d when the\n"
                 "                device cannot run here (the reason printed)\n"
                 "  --brief       with --peer: %u commands a latency figure, %llu MiB a throughput figure\n",
            MC_MIRRORCERT_PATH, VB_REPEATS_MAX, REPEATS_DEFAULT, SHM_DIR, VB_SKIPPED, VB_BRIEF_LAT_OPS,
            (unsigned long long)(VB_BRIEF_TPUT_BYTES >> 20));
}

void vb_print_load(const char *when)
{
    double l[3];
    if (getloadavg(l, 3) == 3)
        printf("load average %s: %.2f %.2f %.2f (%ld CPUs online)\n", when, l[0], l[1], l[2],
               sysconf(_SC_NPROCESSORS_ONLN));
}

int main(int argc, char **argv)
{
    const char *prog = MC_MIRRORCERT_PATH, *dir = ".", *peer = NULL;
    bool brief = false;
    for (int i = 1; i < argc; i++) {
        bool has = i + 1 < argc;
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--mirrorcert") == 0 && has) {
            prog = argv[++i];
        } else if (strcmp(argv[i], "--dir") == 0 && has) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--peer") == 0 && has) {
            peer = argv[++i];
        } else if (strcmp(argv[i], "--brief") == 0) {
            brief = true;
        } else if (!(strcmp(argv[i], "--repeats") == 0 && has && mc_cli_u32(argv[++i], 1, VB_REPEATS_MAX, &repeats) == 0)) {
            usage(stderr);
            return 2;
        }
    }
    if (brief && !peer) {
        usage(stderr);
        return 2;
    }
    if (access(prog, X_OK) != 0) {
        fprintf(stderr, "vsan_bench: %s: %s (build the mirrorcert target, or pass --mirrorcert PATH)\n", prog,
                strerror(errno));
        return 2;
    }
    vb_proc_guard();
    if (peer)
        return vb_peer_run(prog, peer, dir, repeats, brief);
    const char *locs[2];
    size_t nloc = 0;
    char fsbuf[2][VB_CELL];
    const char *shm_fs = vb_fs_name(SHM_DIR, fsbuf[0], sizeof fsbuf[0]);
    if (shm_fs && strcmp(shm_fs, "tmpfs") == 0)
        locs[nloc++] = SHM_DIR;
    else
        printf("%s is not tmpfs here: skipped\n", SHM_DIR);
    locs[nloc++] = dir;
    printf("vsan_bench: %s, servers 1 and 2 with a witness (lease %u ms, %u KiB regions), a %llu MiB volume\n", prog,
           (unsigned)VB_LEASE_MS, VB_REGION / VB_KIB, (unsigned long long)(VB_VOLUME >> 20));
    vb_print_load("before");
    static fs_run runs[2];
    static fo_run fo;
    static rs_run rs;
    char err[VB_ERR_MAX] = "";
    int status = 0;
    for (size_t l = 0; l < nloc && status == 0; l++) {
        const char *fs = vb_fs_name(locs[l], fsbuf[l], sizeof fsbuf[l]);
        snprintf(runs[l].label, sizeof runs[l].label, "%s (%s)", locs[l], fs ? fs : "unknown filesystem");
        vb_cluster c;
        unsigned coord;
        if (vb_cluster_start(&c, prog, locs[l], err, sizeof err) != 0 ||
            vb_wait_in_sync(&c, &coord, VB_HEALTHY_TIMEOUT_MS / MS_PER_S, err, sizeof err) != 0 ||
            section1(&c, coord, &runs[l], err, sizeof err) != 0) {
            status = 1;
        } else {
            report1(&runs[l]);
            fflush(stdout);
        }
        if (status == 0 && l == 0) {  /* failover and resync on the first location only (run time) */
            if (section2(&c, &fo, err, sizeof err) != 0)
                status = 1;
            else
                report2(&fo, runs[l].label), fflush(stdout);
            if (status == 0 && section3(&c, &rs, err, sizeof err) != 0)
                status = 1;
            else if (status == 0)
                report3(&rs, runs[l].label), fflush(stdout);
        }
        if (status)
            fprintf(stderr, "vsan_bench: %s: %s (the processes' logs are kept in %s)\n", runs[l].label, err, c.dir);
        vb_cluster_stop(&c, status != 0);
    }
    if (status == 0) {
        printf("\nsummary (each goal judged on the figures above)\n");
        for (unsigned i = 0; i < nsummary; i++)
            printf("  %s\n", summary[i]);
    }
    vb_print_load("after");
    return status;
}
