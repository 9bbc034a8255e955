/* Fault plans: decisions depend only on the seed and the order of matching PDUs, probabilities
 * hold at the extremes, filters and one-shot faults apply exactly where asked. */
#include <string.h>

#include "fault.h"
#include "tap.h"

#define N 5000

static void pdu(mc_pdu *p, uint8_t op, uint32_t itt)
{
    mc_pdu_init(p, op);
    mc_pdu_set(p, MC_F_ITT, itt);
}

static int same(const mc_fault_decision *x, const mc_fault_decision *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (x[i].kinds != y[i].kinds || x[i].corrupt_at != y[i].corrupt_at || x[i].corrupt_xor != y[i].corrupt_xor ||
            x[i].delay_ms != y[i].delay_ms)
            return 0;
    return 1;
}

static void run(uint64_t seed, mc_fault_decision *out, size_t n)
{
    mc_fault_plan f;
    mc_fault_init(&f, seed);
    mc_fault_ppm(0.2, &f.drop_ppm);
    mc_fault_ppm(0.1, &f.dup_ppm);
    mc_fault_ppm(0.3, &f.corrupt_ppm);
    for (size_t i = 0; i < n; i++) {
        mc_pdu p;
        pdu(&p, (uint8_t)(i % 2 ? MC_OP_DATA_OUT : MC_OP_SCSI_CMD), (uint32_t)i);
        out[i] = mc_fault_decide(&f, &p, true, 48 + i % 100);
        mc_pdu_free(&p);
    }
}

int main(void)
{
    static mc_fault_decision a[N], b[N], c[N];
    run(42, a, N);
    run(42, b, N);
    run(43, c, N);
    tap_ok(same(a, b, N), "same seed, same decisions for %d PDUs", N);
    tap_ok(!same(a, c, N), "another seed, other decisions");

    size_t drops = 0, dups = 0, corrupts = 0, bad = 0;
    for (size_t i = 0; i < N; i++) {
        drops += (a[i].kinds & MC_FAULT_DROP) != 0;
        dups += (a[i].kinds & MC_FAULT_DUP) != 0;
        corrupts += (a[i].kinds & MC_FAULT_CORRUPT) != 0;
        if ((a[i].kinds & MC_FAULT_DROP) && a[i].kinds != MC_FAULT_DROP)
            bad++;
        if ((a[i].kinds & MC_FAULT_CORRUPT) && (a[i].corrupt_at >= 48 + i % 100 || a[i].corrupt_xor == 0))
            bad++;
    }
    /* Seeded, so these counts are fixed; the bands only say the PRNG is not degenerate. */
    tap_ok(drops > N * 15 / 100 && drops < N * 25 / 100, "drop rate near 0.2 (%zu of %d)", drops, N);
    tap_ok(dups > N * 5 / 100 && dups < N * 15 / 100, "dup rate near 0.1 among kept PDUs (%zu)", dups);
    tap_ok(corrupts > N * 20 / 100 && corrupts < N * 30 / 100, "corrupt rate near 0.3 of kept PDUs (%zu)", corrupts);
    tap_is_int((long long)bad, 0, "dropped PDUs carry no other fault; corruption stays inside the PDU and flips bits");

    mc_fault_plan f;
    mc_fault_init(&f, 7);
    mc_fault_ppm(1.0, &f.drop_ppm);
    f.match[0].field = MC_F_OPCODE;
    f.match[0].value = MC_OP_DATA_OUT;
    f.nmatch = 1;
    mc_pdu p;
    size_t dropped_cmd = 0, dropped_data = 0;
    for (int i = 0; i < 100; i++) {
        pdu(&p, (uint8_t)(i % 2 ? MC_OP_DATA_OUT : MC_OP_SCSI_CMD), (uint32_t)i);
        mc_fault_decision d = mc_fault_decide(&f, &p, true, 48);
        if (d.kinds & MC_FAULT_DROP)
            *(i % 2 ? &dropped_data : &dropped_cmd) += 1;
        mc_pdu_free(&p);
    }
    tap_is_int((long long)dropped_data, 50, "probability 1 drops every matching PDU");
    tap_is_int((long long)dropped_cmd, 0, "non-matching PDUs pass untouched");
    pdu(&p, MC_OP_DATA_OUT, 1);
    tap_is_int(mc_fault_decide(&f, &p, false, 48).kinds, 0, "an outbound plan leaves inbound PDUs alone");

    mc_fault_init(&f, 9);
    f.once = MC_FAULT_DUP;
    tap_is_int(mc_fault_decide(&f, &p, true, 48).kinds, MC_FAULT_DUP, "one-shot fault on the first match");
    tap_is_int(mc_fault_decide(&f, &p, true, 48).kinds, 0, "and not again");

    mc_fault_init(&f, 9);
    f.delay_ms = 15;
    mc_fault_decision d = mc_fault_decide(&f, &p, true, 48);
    tap_ok(d.kinds == MC_FAULT_DELAY && d.delay_ms == 15, "delay applies to every matching PDU");
    mc_pdu_free(&p);

    uint32_t ppm;
    tap_ok(mc_fault_ppm(1.5, &ppm) != 0 && mc_fault_ppm(-0.1, &ppm) != 0, "probabilities outside 0..1 refused");
    tap_ok(mc_fault_ppm(0.25, &ppm) == 0 && ppm == 250000, "0.25 is 250000 ppm");

    mc_fault_init(&f, 0);
    uint64_t x1 = mc_fault_next(&f), x2 = mc_fault_next(&f);
    /* splitmix64 from state 0: published first outputs of the generator. */
    tap_ok(x1 == UINT64_C(0xe220a8397b1dcdaf) && x2 == UINT64_C(0x6e789e6aa1b965f4), "splitmix64 reference outputs");
    return tap_done();
}
