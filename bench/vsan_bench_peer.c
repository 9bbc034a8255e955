/* vsan_bench --peer PROFILE: the reference server pair (with its witness) beside a virtual SAN of
 * another make that a device profile starts (`mirrorcert hold`: for `gluster`, a GlusterFS replica
 * volume with an arbiter, served by one tgtd per server), both up at once with their stores under
 * the same folder, in one run. The same workloads go through one server of each, pair by pair in
 * turn (a write completes once both copies have it: the reference coordinator waits for its peer,
 * GlusterFS's replicate translator for every brick, write-behind off), then the same failover:
 * kill -9 of the other server, the first read and write through the survivor. Every figure is
 * min / median / max over the repeats, with the ratio reference / peer of each repeat; nothing is
 * asserted. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsan_bench.h"

#define MS_PER_S 1000.0
#define LINE_MAX_TEXT 256u
#define PREC_US 0                     /* decimals printed: microseconds, MiB/s, ms, ratios */
#define PREC_MIBS 1
#define PREC_MS 0
#define PREC_RATIO 2
#define DEV_READ 0u                   /* the peer's server read and written through ... */
#define DEV_LOST 1u                   /* ... and the one it loses */

enum { REF, PEER, NSIDE };

_Static_assert(VB_TPUT_BYTES <= VB_FAILOVER_READ_OFF && (uint64_t)VB_LAT_OPS * VB_LAT_LEN <= VB_FAILOVER_READ_OFF,
               "the workloads apart from the failover probes");
_Static_assert(VB_REPEATS_MAX * NSIDE <= (VB_VOLUME - VB_FAILOVER_POOL) / VB_REGION,
               "a fresh region for every failover trial");

typedef struct peer_run {
    double v[VB_NWL][NSIDE][VB_REPEATS_MAX];
    vb_failover fo[NSIDE][VB_REPEATS_MAX];
} peer_run;

typedef struct sides {
    vb_cluster *c;
    vb_device *d;
    const char *profile;
    unsigned repeats, lat_ops;
    uint64_t tput_bytes;
} sides;

static int measure_all(const sides *s, unsigned coord, peer_run *f, char *err, size_t errlen)
{
    vb_sess ses[NSIDE][VB_DEPTH_HIGH];
    memset(ses, 0, sizeof ses);
    int rc = 0;
    for (unsigned i = 0; rc == 0 && i < VB_DEPTH_HIGH; i++)
        rc = vb_sess_open(&ses[REF][i], &s->c->srv[coord], VB_VSAN_IQN, err, errlen) ||
             vb_sess_open(&ses[PEER][i], &s->d->member[DEV_READ], s->d->iqn, err, errlen);
    /* Pass 0 warms up (every region written for the first time on both) and is not reported. */
    for (unsigned pass = 0; rc == 0 && pass <= s->repeats; pass++) {
        unsigned r = pass ? pass - 1u : 0u;
        fprintf(stderr, "vsan_bench: reference and %s: %s %u of %u\n", s->profile, pass ? "repeat" : "warm-up",
                r + !!pass, s->repeats);
        for (unsigned w = 0; rc == 0 && w < VB_NWL; w++)
            for (unsigned k = 0; rc == 0 && k < NSIDE; k++) {
                unsigned side = (k + r + w) % NSIDE;  /* each pair goes first in turn */
                double warm, *out = pass ? &f->v[w][side][r] : &warm;
                rc = vb_measure(ses[side], &vb_wls[w], 0, s->lat_ops, s->tput_bytes, out, err, errlen);
                if (rc)
                    fprintf(stderr, "vsan_bench: %s: %s QD%u\n", side == REF ? "reference" : s->profile,
                            vb_wls[w].what, vb_wls[w].depth);
            }
    }
    for (unsigned k = 0; k < NSIDE; k++)
        for (unsigned i = 0; i < VB_DEPTH_HIGH; i++)
            vb_sess_close(&ses[k][i]);
    return rc;
}

/* vb_failover_trial's take_down on the peer: the profile's kill of its other server. */
static int peer_take_down(void *ctx, double *t0, char *err, size_t errlen)
{
    vb_device *d = ctx;
    *t0 = vb_now();
    return vb_device_command(d, "kill", d->name[DEV_LOST], err, errlen);
}

static int peer_failover(vb_device *d, uint64_t write_off, vb_failover *out, char *err, size_t errlen)
{
    vb_sess rd, wr;
    memset(&wr, 0, sizeof wr);
    if (vb_sess_open(&rd, &d->member[DEV_READ], d->iqn, err, errlen) != 0)
        return -1;
    int rc = vb_sess_open(&wr, &d->member[DEV_READ], d->iqn, err, errlen);
    if (rc == 0)
        rc = vb_failover_trial(&rd, &wr, VB_FAILOVER_READ_OFF, write_off, peer_take_down, d, out, err, errlen);
    vb_sess_close(&rd);
    vb_sess_close(&wr);
    char again[VB_ERR_MAX];
    if (vb_device_command(d, "start", d->name[DEV_LOST], rc ? again : err, rc ? sizeof again : errlen) != 0)
        rc = -1;
    return rc;
}

static int failover_all(const sides *s, peer_run *f, char *err, size_t errlen)
{
    for (unsigned r = 0; r < s->repeats; r++)
        for (unsigned k = 0; k < NSIDE; k++) {
            unsigned side = (k + r) % NSIDE;
            uint64_t write_off = VB_FAILOVER_POOL + (uint64_t)(r * NSIDE + side) * VB_REGION;
            fprintf(stderr, "vsan_bench: failover of %s, repeat %u of %u\n", side == REF ? "the reference" : s->profile,
                    r + 1, s->repeats);
            int rc = side == REF ? vb_cluster_failover(s->c, false, write_off, &f->fo[REF][r], err, errlen)
                                 : peer_failover(s->d, write_off, &f->fo[PEER][r], err, errlen);
            if (rc)
                return -1;
        }
    return 0;
}

/* One row: both sides' min/median/max and the ratio reference / peer of each repeat; a side whose
 * value is negative in some repeat (it never happened) shows how many. */
static void row(const char *name, const double *a, const double *b, unsigned n, int prec)
{
    char cell[NSIDE][VB_CELL], cr[VB_CELL] = "-";
    const double *v[NSIDE] = {a, b};
    unsigned missed[NSIDE] = {0, 0};
    double ratio[VB_REPEATS_MAX];
    for (unsigned k = 0; k < NSIDE; k++) {
        for (unsigned r = 0; r < n; r++)
            missed[k] += v[k][r] < 0;
        vb_cell(cell[k], vb_mmm_of(v[k], n), prec);
        if (missed[k])
            snprintf(cell[k], VB_CELL, "%u of %u missed", missed[k], n);
    }
    if (!missed[REF] && !missed[PEER]) {
        for (unsigned r = 0; r < n; r++)
            ratio[r] = b[r] > 0 ? a[r] / b[r] : 0;
        vb_cell(cr, vb_stats(ratio, n), PREC_RATIO);
    }
    printf("  %-30s %-22s %-22s %s\n", name, cell[REF], cell[PEER], cr);
}

static void report(const sides *s, const peer_run *f)
{
    printf("\n1. mirrored I/O through one server of each (a write completes once both copies have it); %u repeats, "
           "pairs interleaved; min/median/max\n", s->repeats);
    char ratio[VB_NAME_MAX + sizeof "ratio ref/"];
    snprintf(ratio, sizeof ratio, "ratio ref/%s", s->profile);
    printf("  %-30s %-22s %-22s %s\n", "workload", "reference", s->profile, ratio);
    for (unsigned w = 0; w < VB_NWL; w++) {
        char name[LINE_MAX_TEXT];
        snprintf(name, sizeof name, "%s QD%u", vb_wls[w].what, vb_wls[w].depth);
        row(name, f->v[w][REF], f->v[w][PEER], s->repeats, vb_wls[w].latency ? PREC_US : PREC_MIBS);
    }
    printf("  (a latency ratio below 1 or a MiB/s ratio above 1: the reference is the faster)\n");
    printf("\n2. failover: kill -9 of the other server, read and written through the survivor; ms from the "
           "kill; %u repeats, interleaved; min/median/max\n", s->repeats);
    printf("  %-30s %-22s %-22s %s\n", "", "reference", s->profile, ratio);
    static const struct {
        const char *name;
        size_t off;
    } fields[] = {{"first read", offsetof(vb_failover, first_read)},
                  {"longest without a read", offsetof(vb_failover, read_gap)},
                  {"first write", offsetof(vb_failover, first_write)}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        double v[NSIDE][VB_REPEATS_MAX];
        for (unsigned k = 0; k < NSIDE; k++)
            for (unsigned r = 0; r < s->repeats; r++)
                v[k][r] = *(const double *)((const char *)&f->fo[k][r] + fields[i].off);
        row(fields[i].name, v[REF], v[PEER], s->repeats, PREC_MS);
    }
    double refused[NSIDE][2][VB_REPEATS_MAX];
    for (unsigned k = 0; k < NSIDE; k++)
        for (unsigned r = 0; r < s->repeats; r++)
            refused[k][0][r] = f->fo[k][r].refused_reads, refused[k][1][r] = f->fo[k][r].refused_writes;
    printf("  refused reads, writes (median): reference %.0f, %.0f; %s %.0f, %.0f\n",
           vb_stats(refused[REF][0], s->repeats).med, vb_stats(refused[REF][1], s->repeats).med, s->profile,
           vb_stats(refused[PEER][0], s->repeats).med, vb_stats(refused[PEER][1], s->repeats).med);
}

int vb_peer_run(const char *prog, const char *profile, const char *dir, unsigned repeats, bool brief)
{
    char base[VB_PATH_MAX], err[VB_ERR_MAX] = "", fsbuf[VB_CELL];
    if (!realpath(dir, base)) {  /* the device's bricks are named by absolute paths */
        fprintf(stderr, "vsan_bench: %s: cannot resolve the folder\n", dir);
        return 2;
    }
    static vb_device d;
    static vb_cluster c;
    static peer_run f;
    int rc = vb_device_start(&d, prog, profile, base, err, sizeof err);
    if (rc == VB_SKIPPED) {
        vb_device_stop(&d, false);
        printf("vsan_bench: skipped: device %s cannot run here: %s\n", profile, err);
        return VB_SKIPPED;
    }
    bool held = rc == 0;  /* a holder that could not start the device has reported why */
    const char *fs = vb_fs_name(base, fsbuf, sizeof fsbuf);
    unsigned coord = 0;
    sides s = {&c, &d, profile, repeats, brief ? VB_BRIEF_LAT_OPS : VB_LAT_OPS,
               brief ? VB_BRIEF_TPUT_BYTES : VB_TPUT_BYTES};
    if (rc == 0) {
        printf("vsan_bench: the reference pair (%s: servers 1 and 2 with a witness, lease %u ms) beside device %s "
               "(servers %s and %s, held by pid %d), a %llu MiB volume each, stores under %s (%s)%s\n",
               prog, (unsigned)VB_LEASE_MS, profile, d.name[DEV_READ], d.name[DEV_LOST], (int)d.pid,
               (unsigned long long)(VB_VOLUME >> 20), base, fs ? fs : "unknown filesystem",
               brief ? "; brief: fewer commands a figure" : "");
        vb_print_load("before");
        fflush(stdout);
        rc = vb_cluster_start(&c, prog, base, err, sizeof err) ||
             vb_wait_in_sync(&c, &coord, VB_HEALTHY_TIMEOUT_MS / MS_PER_S, err, sizeof err) ||
             measure_all(&s, coord, &f, err, sizeof err) || failover_all(&s, &f, err, sizeof err);
    }
    if (rc == 0) {
        report(&s, &f);
        vb_print_load("after");
    }
    else
        fprintf(stderr, "vsan_bench: %s (logs kept in: %s %s)\n", err, c.dir, d.dir);
    fflush(stdout);
    vb_cluster_stop(&c, rc != 0);
    char devdir[VB_PATH_MAX];
    snprintf(devdir, sizeof devdir, "%s", d.dir);
    if (vb_device_stop(&d, rc != 0) != 0 && held) {
        fprintf(stderr, "vsan_bench: device %s did not stop cleanly (its log: %s/hold.log)\n", profile, devdir);
        rc = -1;
    }
    return rc ? 1 : 0;
}
