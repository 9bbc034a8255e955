/* Fault decisions: a splitmix64 stream per plan, consumed in a fixed pattern per matching PDU. */
#include "fault.h"

#include <string.h>

#define SPLITMIX_GAMMA UINT64_C(0x9e3779b97f4a7c15)
#define SPLITMIX_MUL1 UINT64_C(0xbf58476d1ce4e5b9)
#define SPLITMIX_MUL2 UINT64_C(0x94d049bb133111eb)
#define BYTE_MASK_BITS 8u

void mc_fault_init(mc_fault_plan *p, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->state = seed;
    p->outbound = true;
}

uint64_t mc_fault_next(mc_fault_plan *p)
{
    uint64_t z = (p->state += SPLITMIX_GAMMA);
    z = (z ^ (z >> 30)) * SPLITMIX_MUL1;
    z = (z ^ (z >> 27)) * SPLITMIX_MUL2;
    return z ^ (z >> 31);
}

int mc_fault_ppm(double probability, uint32_t *ppm)
{
    if (!(probability >= 0.0 && probability <= 1.0))
        return -1;
    *ppm = (uint32_t)(probability * MC_FAULT_PPM + 0.5);
    return 0;
}

bool mc_fault_matches(const mc_fault_plan *p, const mc_pdu *pdu)
{
    uint8_t op = mc_pdu_opcode(pdu);
    for (size_t i = 0; i < p->nmatch; i++) {
        if (!mc_field_applies(p->match[i].field, op) || mc_pdu_get(pdu, p->match[i].field) != p->match[i].value)
            return false;
    }
    return true;
}

bool mc_fault_roll(mc_fault_plan *p, uint32_t ppm)
{
    return mc_fault_next(p) % MC_FAULT_PPM < ppm;
}

mc_fault_decision mc_fault_decide(mc_fault_plan *p, const mc_pdu *pdu, bool outbound, size_t wire_len)
{
    mc_fault_decision d = {0};
    if ((outbound ? !p->outbound : !p->inbound) || !mc_fault_matches(p, pdu))
        return d;
    p->seen++;
    /* Four draws per matching PDU, always, so one outcome never shifts the next decisions. */
    bool drop = mc_fault_roll(p, p->drop_ppm);
    bool dup = mc_fault_roll(p, p->dup_ppm);
    bool corrupt = mc_fault_roll(p, p->corrupt_ppm);
    uint64_t where = mc_fault_next(p);
    if (p->once) {
        d.kinds = p->once;
        p->once = 0;
    } else {
        d.kinds = (drop ? MC_FAULT_DROP : 0u) | (dup ? MC_FAULT_DUP : 0u) | (corrupt ? MC_FAULT_CORRUPT : 0u);
    }
    if (d.kinds & MC_FAULT_DROP)
        d.kinds = MC_FAULT_DROP;  /* a dropped PDU cannot also be duplicated or corrupted */
    if (p->delay_ms && !(d.kinds & MC_FAULT_DROP)) {
        d.kinds |= MC_FAULT_DELAY;
        if (!d.delay_ms)
            d.delay_ms = p->delay_ms;
    }
    if ((d.kinds & MC_FAULT_CORRUPT) && wire_len) {
        d.corrupt_at = (size_t)((where >> BYTE_MASK_BITS) % wire_len);
        d.corrupt_xor = (uint8_t)(where | 1u);  /* odd, so never zero: the byte always changes */
    } else {
        d.kinds &= ~(unsigned)MC_FAULT_CORRUPT;
    }
    p->dropped += (d.kinds & MC_FAULT_DROP) != 0;
    p->duplicated += (d.kinds & MC_FAULT_DUP) != 0;
    p->corrupted += (d.kinds & MC_FAULT_CORRUPT) != 0;
    p->delayed += (d.kinds & MC_FAULT_DELAY) != 0;
    return d;
}
