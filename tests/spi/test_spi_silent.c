/* Silent mirroring end to end (001, 003 Figures 3-6): discovery, write, status, drive order,
 * deferred status, the literal Table 1 dialect, a standard target, the three retransfers. */
#include <stdlib.h>
#include <string.h>

#include "rig.h"
#include "tap.h"

#define BLOCKS 4u
#define LBA 16u

static size_t violations(const rig *r)
{
    size_t n = 0;
    const mc_spi_finding *f;
    size_t nf = mc_spi_trace_findings(r->trace, &f);
    for (size_t i = 0; i < nf; i++)
        if (!mc_spi_check_info_of(f[i].code)->warning) {
            if (n < 5)
                tap_diag("finding %s at %llu: %s", mc_spi_check_info_of(f[i].code)->name,
                         (unsigned long long)f[i].t, f[i].text);
            n++;
        }
    return n;
}

static size_t count_ev(const rig *r, int kind, uint64_t after)
{
    const mc_spi_ev *e;
    size_t n = mc_spi_trace_events(r->trace, &e), c = 0;
    for (size_t i = 0; i < n; i++)
        if (e[i].kind == kind && e[i].t >= after)
            c++;
    return c;
}

static const mc_spi_op *last_op(const rig *r)
{
    return mc_spi_host_op(r->host, mc_spi_host_op_count(r->host) - 1);
}

static void end_to_end(int speed, const char *name)
{
    rig r;
    rig_opts o = {.speed = speed, .ndisks = 3, .trace = true};
    uint8_t data[BLOCKS * RIG_BLOCK];
    rig_pattern(data, sizeof data, (unsigned)speed + 1);
    if (!tap_ok(rig_open(&r, &o) == 0 && rig_setup(&r) == 0, "%s: rig and discovery (%s)", name, r.err)) {
        rig_close(&r);
        return;
    }
    for (unsigned i = 0; i < 3; i++)
        tap_is_int(mc_spi_disk_gid(r.disk[i]), MC_SM_GID(0, i), "%s: disk %u group/ID", name, i);
    uint64_t t0 = mc_spi_now(r.bus);
    unsigned order[] = {0, 1, 2};
    rig_silent(&r, order, 3, LBA, BLOCKS, data, true);
    tap_ok(rig_run(&r) == 0, "%s: silent write ran (%s)", name, r.err);
    const mc_spi_op *op = last_op(&r);
    tap_is_int(op->state, MC_OP_OK, "%s: op OK %s", name, op->err);
    for (unsigned i = 0; i < 3; i++)
        tap_ok(rig_disk_has(&r, i, LBA, data, sizeof data), "%s: disk %u holds the block", name, i);
    tap_is_int((long long)count_ev(&r, MC_EV_SELECTION, t0), 1, "%s: one selection (leader only)", name);
    tap_is_int((long long)count_ev(&r, MC_EV_RESELECTION, t0), 3, "%s: three status reselections", name);
    tap_is_int((long long)count_ev(&r, MC_EV_DATA_OUT, t0), 3, "%s: three data blocks", name);
    tap_is_int((long long)violations(&r), 0, "%s: checker finds nothing", name);
    const mc_spi_ev *e;
    size_t n = mc_spi_trace_events(r.trace, &e);
    unsigned resel = 0, data_i = 0;
    bool order_ok = true, drivers_ok = true;
    for (size_t i = 0; i < n; i++) {
        if (e[i].t < t0)
            continue;
        if (e[i].kind == MC_EV_RESELECTION && e[i].target != r.ids[resel++])
            order_ok = false;
        if (e[i].kind == MC_EV_DATA_OUT && (e[i].driver != r.ids[data_i++] || e[i].len != sizeof data))
            drivers_ok = false;
    }
    tap_ok(order_ok, "%s: statuses come in transfer order (Figure 6)", name);
    tap_ok(drivers_ok, "%s: each block REQed by its own participant", name);
    rig_close(&r);
}

static void drive_order(void)
{
    rig r;
    rig_opts o = {.speed = 2, .ndisks = 3, .trace = true};
    uint8_t data[BLOCKS * RIG_BLOCK];
    rig_pattern(data, sizeof data, 9);
    rig_open(&r, &o);
    rig_setup(&r);
    uint64_t t0 = mc_spi_now(r.bus);
    unsigned order[] = {2, 1, 0};
    rig_silent(&r, order, 3, LBA, BLOCKS, data, true);
    tap_ok(rig_run(&r) == 0 && last_op(&r)->state == MC_OP_OK, "changed order: op OK");
    for (unsigned i = 0; i < 3; i++)
        tap_ok(rig_disk_has(&r, i, LBA, data, sizeof data), "changed order: disk %u", i);
    const mc_spi_ev *e;
    size_t n = mc_spi_trace_events(r.trace, &e);
    int sel = -1;
    for (size_t i = 0; i < n; i++)
        if (e[i].t >= t0 && e[i].kind == MC_EV_SELECTION) {
            sel = e[i].target;
            break;
        }
    tap_is_int(sel, r.ids[2], "changed order: drive 2 is selected as leader");
    tap_is_int((long long)violations(&r), 0, "changed order: checker finds nothing");
    rig_close(&r);
}

static void deferred_status(void)
{
    rig r;
    rig_opts o = {.speed = 2, .ndisks = 2, .trace = true};
    uint8_t data[3][RIG_BLOCK];
    rig_open(&r, &o);
    rig_setup(&r);
    uint64_t t0 = mc_spi_now(r.bus);
    unsigned order[] = {0, 1};
    for (unsigned b = 0; b < 3; b++) {
        rig_pattern(data[b], RIG_BLOCK, 20 + b);
        rig_silent(&r, order, 2, LBA + b, 1, data[b], b == 2);
    }
    tap_ok(rig_run(&r) == 0, "deferred status: ran");
    for (unsigned b = 0; b < 3; b++)
        tap_is_int(mc_spi_host_op(r.host, mc_spi_host_op_count(r.host) - 3 + b)->state, MC_OP_OK,
                   "deferred status: op %u OK", b);
    tap_is_int((long long)count_ev(&r, MC_EV_RESELECTION, t0), 2, "deferred status: one status per disk");
    tap_is_int((long long)count_ev(&r, MC_EV_SELECTION, t0), 3, "deferred status: one selection per block");
    for (unsigned i = 0; i < 2; i++)
        for (unsigned b = 0; b < 3; b++)
            tap_ok(rig_disk_has(&r, i, LBA + b, data[b], RIG_BLOCK), "deferred: disk %u block %u", i, b);
    tap_is_int((long long)violations(&r), 0, "deferred status: checker finds nothing");
    rig_close(&r);
}

static void raw_dialect(void)
{
    rig r;
    rig_opts o = {.speed = 1, .ndisks = 3, .trace = true, .raw = true};
    uint8_t data[RIG_BLOCK];
    rig_pattern(data, sizeof data, 31);
    rig_open(&r, &o);
    tap_ok(rig_setup(&r) == 0, "raw Table 1 bytes: discovery ran");
    for (unsigned i = 0; i < 3; i++)
        tap_is_int(mc_spi_disk_gid(r.disk[i]), MC_SM_GID(0, i), "raw: disk %u group/ID", i);
    unsigned order[] = {0, 1, 2};
    rig_silent(&r, order, 3, LBA, 1, data, true);
    tap_ok(rig_run(&r) == 0 && last_op(&r)->state == MC_OP_OK, "raw: silent write OK");
    for (unsigned i = 0; i < 3; i++)
        tap_ok(rig_disk_has(&r, i, LBA, data, sizeof data), "raw: disk %u holds the block", i);
    tap_ok(mc_spi_trace_count(r.trace, MC_CHK_RAW_IDENTIFY) > 0, "raw: checker warns the bytes read as IDENTIFY");
    tap_ok(mc_spi_trace_count(r.trace, MC_CHK_SM_NOT_VENDOR) > 0, "raw: checker warns: not a vendor message");
    tap_is_int((long long)violations(&r), 0, "raw: no violations, only warnings");
    rig_close(&r);
}

static void standard_target(void)
{
    rig r;
    rig_opts o = {.speed = 2, .ndisks = 2, .trace = true, .incapable_last = true};
    rig_open(&r, &o);
    rig_setup(&r);
    const mc_spi_op *q = mc_spi_host_op(r.host, 3);
    tap_ok(q->kind == MC_OP_DISCOVER && !q->agreed, "standard target rejects the discovery query");
    tap_is_int(mc_spi_disk_stats_get(r.disk[1]).rejects, 1, "standard target sent MESSAGE REJECT");
    tap_is_int(mc_spi_host_gid_of(r.host, r.ids[1]), -1, "host assigns no group/ID to it");
    tap_is_int(mc_spi_host_gid_of(r.host, r.ids[0]), 0, "capable target got group/ID 00");
    rig_close(&r);
}

static void retransfer(int mode, const char *name)
{
    rig r;
    rig_opts o = {.speed = 2, .ndisks = 3, .trace = true, .retransfer = mode};
    uint8_t data[2 * RIG_BLOCK];
    rig_pattern(data, sizeof data, 40 + (unsigned)mode);
    rig_open(&r, &o);
    rig_setup(&r);
    size_t first = mc_spi_host_op_count(r.host);
    mc_spi_disk_fail_writes(r.disk[1], 1);
    unsigned order[] = {0, 1, 2};
    rig_silent(&r, order, 3, LBA, 2, data, true);
    tap_ok(rig_run(&r) == 0, "%s: ran (%s)", name, r.err);
    const mc_spi_op *op = mc_spi_host_op(r.host, first);
    tap_ok(op->state == MC_OP_FAILED && op->pgot[1] && op->pstatus[1] == MC_SAM_CHECK_CONDITION,
           "%s: participant 1 reported CHECK CONDITION", name);
    tap_is_int((long long)mc_spi_host_op_count(r.host), (long long)first + 2, "%s: one retransfer queued", name);
    const mc_spi_op *rt = mc_spi_host_op(r.host, first + 1);
    tap_is_int(rt->state, MC_OP_OK, "%s: retransfer OK %s", name, rt->err);
    if (mode == MC_RETX_LEADER_LAST)
        tap_ok(rt->kind == MC_OP_SILENT && rt->n == 2 && rt->order[0] == r.ids[0] && rt->order[1] == r.ids[1],
               "%s: leader to the failed one, which is last", name);
    else if (mode == MC_RETX_REGROUP)
        tap_ok(rt->kind == MC_OP_SILENT && rt->n == 1 && rt->target == r.ids[1],
               "%s: the failed target leads", name);
    else
        tap_ok(rt->kind == MC_OP_WRITE && rt->target == r.ids[1], "%s: plain WRITE to the failed target", name);
    for (unsigned i = 0; i < 3; i++)
        tap_ok(rig_disk_has(&r, i, LBA, data, sizeof data), "%s: disk %u holds the data", name, i);
    tap_is_int((long long)violations(&r), 0, "%s: checker finds nothing", name);
    rig_close(&r);
}

int main(void)
{
    end_to_end(2, "Ultra320 wide");
    end_to_end(1, "Fast-20 narrow");
    end_to_end(0, "async");
    drive_order();
    deferred_status();
    raw_dialect();
    standard_target();
    retransfer(MC_RETX_LEADER_LAST, "retransfer leader-last");
    retransfer(MC_RETX_REGROUP, "retransfer regroup");
    retransfer(MC_RETX_PLAIN, "retransfer plain");
    return tap_done();
}
