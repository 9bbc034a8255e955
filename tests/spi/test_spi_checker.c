/* The checker: each wire-level rule on hand-made samples (with a legal control), then every
 * mutant of the mutant table caught by the rule the table names, on a simulated bus. */
#include <string.h>

#include "rig.h"
#include "tap.h"

#define LBA 8u

static size_t run_samples(const uint32_t *s, size_t n, const uint32_t (*drive)[MC_SPI_MAX_ID], int code)
{
    char err[128];
    mc_spi_trace *t;
    if (mc_spi_trace_new(&t, err, sizeof err) < 0)
        return (size_t)-1;
    for (size_t i = 0; i < n; i++)
        mc_spi_trace_feed(t, 100 * (i + 1), s[i], drive ? drive[i] : NULL);
    mc_spi_trace_finish(t);
    size_t c = mc_spi_trace_count(t, code);
    mc_spi_trace_free(t);
    return c;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define CONN (MC_SPI_BSY)
#define MO (MC_SPI_MSG | MC_SPI_CD)

static void wire_rules(void)
{
    const uint32_t bad_change[] = {CONN | MO | MC_SPI_ATN, CONN | MO | MC_SPI_REQ | MC_SPI_ATN,
                                   CONN | MC_SPI_REQ};
    const uint32_t good_change[] = {CONN | MO | MC_SPI_ATN, CONN | MO | MC_SPI_REQ | MC_SPI_ATN, CONN | MO,
                                    CONN, CONN | MC_SPI_REQ};
    tap_is_int((long long)run_samples(bad_change, N(bad_change), NULL, MC_CHK_PHASE_CHANGE_REQACK), 1,
               "phase lines changing under REQ are caught");
    tap_is_int((long long)run_samples(good_change, N(good_change), NULL, MC_CHK_PHASE_CHANGE_REQACK), 0,
               "phase change with REQ and ACK false is legal");
    const uint32_t mo_no_atn[] = {CONN, CONN | MO, CONN | MO | MC_SPI_REQ};
    const uint32_t mo_atn[] = {CONN | MC_SPI_ATN, CONN | MO | MC_SPI_ATN, CONN | MO | MC_SPI_REQ | MC_SPI_ATN};
    tap_is_int((long long)run_samples(mo_no_atn, N(mo_no_atn), NULL, MC_CHK_MSG_OUT_WITHOUT_ATN), 1,
               "MESSAGE OUT without ATN is caught");
    tap_is_int((long long)run_samples(mo_atn, N(mo_atn), NULL, MC_CHK_MSG_OUT_WITHOUT_ATN), 0,
               "MESSAGE OUT in answer to ATN is legal");
    const uint32_t par_bad[] = {CONN | MC_SPI_STATUS, CONN | MC_SPI_STATUS | MC_SPI_REQ | MC_SPI_DB_WORD(0x03)};
    const uint32_t par_good[] = {CONN | MC_SPI_STATUS,
                                 CONN | MC_SPI_STATUS | MC_SPI_REQ | mc_spi_db_byte(0x03)};
    tap_is_int((long long)run_samples(par_bad, N(par_bad), NULL, MC_CHK_PARITY), 1, "even parity is caught");
    tap_is_int((long long)run_samples(par_good, N(par_good), NULL, MC_CHK_PARITY), 0, "odd parity passes");
    const uint32_t reserved[] = {CONN | MC_SPI_MSG, CONN | MC_SPI_MSG | MC_SPI_REQ};
    tap_is_int((long long)run_samples(reserved, N(reserved), NULL, MC_CHK_RESERVED_PHASE), 1,
               "reserved phase 100 is caught");
    const uint32_t no_bsy[] = {MC_SPI_CD, MC_SPI_CD | MC_SPI_REQ};
    tap_is_int((long long)run_samples(no_bsy, N(no_bsy), NULL, MC_CHK_REQ_WITHOUT_BSY), 1,
               "REQ without BSY is caught");
    const uint32_t two[] = {CONN | MC_SPI_CD, CONN | MC_SPI_CD | MC_SPI_REQ};
    uint32_t d2[2][MC_SPI_MAX_ID], d1[2][MC_SPI_MAX_ID];
    memset(d2, 0, sizeof d2);
    memset(d1, 0, sizeof d1);
    d2[0][5] = d1[0][5] = MC_SPI_BSY | MC_SPI_CD | MC_SPI_PHASE_EN;
    d2[1][5] = d1[1][5] = MC_SPI_BSY | MC_SPI_CD | MC_SPI_PHASE_EN | MC_SPI_REQ;
    d2[0][4] = d2[1][4] = MC_SPI_CD | MC_SPI_PHASE_EN;
    tap_is_int((long long)run_samples(two, N(two), (const uint32_t(*)[MC_SPI_MAX_ID])d2, MC_CHK_TWO_DRIVERS) > 0, 1,
               "two drivers of C/D are caught");
    tap_is_int((long long)run_samples(two, N(two), (const uint32_t(*)[MC_SPI_MAX_ID])d1, MC_CHK_TWO_DRIVERS), 0,
               "one driver of C/D passes");
    d1[1][5] &= ~MC_SPI_PHASE_EN;
    tap_is_int((long long)run_samples(two, N(two), (const uint32_t(*)[MC_SPI_MAX_ID])d1, MC_CHK_REQ_WITHOUT_PHASE_EN), 1,
               "REQ from a device not driving the phase lines is caught");
}

/* Discovery with explicit group/IDs (ignore_group needs a second group). */
static int setup_groups(rig *r, const uint8_t *gids)
{
    for (unsigned i = 0; i < r->n; i++) {
        mc_spi_op neg = {.kind = MC_OP_NEGOTIATE, .target = (uint8_t)r->ids[i]};
        mc_spi_op q = {.kind = MC_OP_DISCOVER, .target = (uint8_t)r->ids[i], .gid = gids[i]};
        if (mc_spi_host_queue(r->host, &neg, r->err, sizeof r->err) < 0 ||
            mc_spi_host_queue(r->host, &q, r->err, sizeof r->err) < 0)
            return -1;
    }
    return rig_run(r);
}

static void mutant(size_t i)
{
    const mc_mutant_def *m = &mc_spi_mutants[i];
    unsigned bit = mc_spi_mutant_bit(i);
    rig r;
    rig_opts o = {.speed = 2, .ndisks = 3, .trace = true};
    if (mc_spi_mutant_side(i) == MC_SPI_SIDE_HOST)
        o.host_mutants = bit;
    else
        o.disk_mutants = bit;
    uint8_t data[RIG_BLOCK];
    rig_pattern(data, sizeof data, bit);
    if (rig_open(&r, &o) < 0) {
        tap_ok(0, "%s: rig (%s)", m->name, r.err);
        rig_close(&r);
        return;
    }
    unsigned order[] = {0, 1, 2};
    unsigned n = 3;
    if (bit == MC_MUT_IGNORE_GROUP) { /* disk 2 sits in group 1 with the same ID nibble as disk 1 */
        const uint8_t gids[] = {MC_SM_GID(0, 0), MC_SM_GID(0, 1), MC_SM_GID(1, 1)};
        setup_groups(&r, gids);
        n = 2;
    } else {
        rig_setup(&r);
    }
    if (bit == MC_MUT_STATUS_ORDER) { /* transfer order against ID priority */
        order[0] = 2;
        order[2] = 0;
    }
    rig_silent(&r, order, n, LBA, 1, data, true);
    rig_run(&r); /* a mutant may make the host give up: the verdict is the checker's */
    mc_spi_trace_finish(r.trace);
    const mc_spi_check_info *c = mc_spi_check_find(mc_spi_mutant_rule(i));
    tap_ok(c && mc_spi_trace_count(r.trace, c->code) > 0, "mutant %s (%s) caught by %s", m->name, m->clause,
           mc_spi_mutant_rule(i));
    rig_close(&r);
}

static void reference_clean(void)
{
    rig r;
    rig_opts o = {.speed = 2, .ndisks = 3, .trace = true};
    uint8_t data[RIG_BLOCK];
    rig_pattern(data, sizeof data, 77);
    rig_open(&r, &o);
    rig_setup(&r);
    unsigned order[] = {0, 1, 2};
    rig_silent(&r, order, 3, LBA, 1, data, true);
    rig_run(&r);
    mc_spi_trace_finish(r.trace);
    for (size_t i = 0; i < mc_spi_nmutants; i++) {
        const mc_spi_check_info *c = mc_spi_check_find(mc_spi_mutant_rule(i));
        tap_ok(c && mc_spi_trace_count(r.trace, c->code) == 0, "reference run: %s silent", mc_spi_mutant_rule(i));
    }
    rig_close(&r);
}

/* A host that never sends the release: the disks give up after a selection time-out and free
 * the bus themselves, so the host sees BUS FREE instead of hanging. */
static void target_deadline(void)
{
    rig r;
    rig_opts o = {.speed = 2, .ndisks = 2, .trace = true, .host_mutants = MC_MUT_NO_RELEASE,
                  .wait_ns = 4 * 250000000ull};
    uint8_t data[RIG_BLOCK];
    rig_pattern(data, sizeof data, 5);
    rig_open(&r, &o);
    rig_setup(&r);
    unsigned order[] = {0, 1};
    rig_silent(&r, order, 2, LBA, 1, data, true);
    tap_ok(rig_run(&r) == 0, "wedged host: the run ends");
    tap_is_int(mc_spi_disk_stats_get(r.disk[0]).timeouts, 1, "the leader gave up holding BSY");
    mc_spi_run(r.bus, UINT64_MAX, NULL, NULL); /* nothing left but the participant's deadline */
    tap_is_int(mc_spi_disk_stats_get(r.disk[1]).timeouts, 1, "the participant gave up waiting for ATN");
    tap_is_int((long long)mc_spi_driven(r.bus, r.ids[1]), 0, "and drives nothing");
    const mc_spi_op *op = mc_spi_host_op(r.host, mc_spi_host_op_count(r.host) - 1);
    tap_ok(op->state == MC_OP_FAILED, "the op failed: %s", op->err);
    tap_is_int((long long)(mc_spi_lines(r.bus) & (MC_SPI_BSY | MC_SPI_SEL | MC_SPI_REQ)), 0, "bus left free");
    rig_close(&r);
}

int main(void)
{
    wire_rules();
    target_deadline();
    reference_clean();
    for (size_t i = 0; i < mc_spi_nmutants; i++)
        mutant(i);
    return tap_done();
}
