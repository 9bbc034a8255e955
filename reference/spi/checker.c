/* Wire-level protocol checker (SPI-5 information transfer rules), run on every settled sample,
 * plus the table of checks. */
#include <string.h>

#include "trace_internal.h"

#define TARGET_ONLY (MC_SPI_REQ | MC_SPI_CD | MC_SPI_MSG | MC_SPI_PHASE_EN)
#define INITIATOR_ONLY (MC_SPI_ACK | MC_SPI_ATN)

static const mc_spi_check_info checks[MC_CHK_COUNT] = {
    {MC_CHK_PHASE_CHANGE_REQACK, "phase_change_reqack", false, "SPI: phase lines stable while REQ or ACK"},
    {MC_CHK_MSG_OUT_WITHOUT_ATN, "msg_out_without_atn", false, "SPI: MESSAGE OUT only in answer to ATN"},
    {MC_CHK_TWO_DRIVERS, "two_drivers", false, "SPI: one driver of a target-only or initiator-only line"},
    {MC_CHK_PARITY, "parity", false, "SPI: odd parity on DB(P)/DB(P1)"},
    {MC_CHK_RESERVED_PHASE, "reserved_phase", false, "SPI: MSG C/D I/O 100 and 101 reserved (ST)"},
    {MC_CHK_REQ_WITHOUT_BSY, "req_without_bsy", false, "SPI: information phases only while BSY"},
    {MC_CHK_REQ_WITHOUT_PHASE_EN, "req_without_phase_lines", false, "001:5 001:15"},
    {MC_CHK_RAW_IDENTIFY, "raw_reads_as_identify", true, "SPI: a byte >= 0x80 is IDENTIFY"},
    {MC_CHK_SM_BUS_FREE_IN_OP, "sm_bus_free_in_op", false, "001:2 001:3 001:12 001:13"},
    {MC_CHK_SM_BSY_NOT_LEADER, "sm_bsy_not_leader", false, "001:3 001:13"},
    {MC_CHK_SM_PHASE_DRIVER, "sm_phase_driver", false, "001:5 001:15"},
    {MC_CHK_SM_NO_LAST, "sm_no_last_indicator", false, "001:8 001:18"},
    {MC_CHK_SM_NO_RELEASE, "sm_no_release", false, "001:4 001:14"},
    {MC_CHK_SM_RELEASE_NO_FREE, "sm_release_no_bus_free", false, "001:4 001:14"},
    {MC_CHK_SM_UNASSIGNED_GID, "sm_unassigned_gid", false, "001:7 001:17"},
    {MC_CHK_SM_PARTICIPANT_SELECTED, "sm_participant_selected", false, "001:1 001:11 001:20"},
    {MC_CHK_SM_STATUS_MISSING, "sm_status_missing", false, "001:9 001:19"},
    {MC_CHK_SM_STATUS_ORDER, "sm_status_order", false, "001:9 001:19 (003 Figure 6)"},
    {MC_CHK_SM_NOT_VENDOR, "sm_not_vendor_message", true, "001:6 001:16, SPI extended vendor message"},
};

const mc_spi_check_info *mc_spi_check_info_of(int code)
{
    return code >= 0 && code < MC_CHK_COUNT ? &checks[code] : NULL;
}

const mc_spi_check_info *mc_spi_check_find(const char *name)
{
    for (int i = 0; i < MC_CHK_COUNT; i++)
        if (strcmp(checks[i].name, name) == 0)
            return &checks[i];
    return NULL;
}

static const char *line_name(uint32_t bit)
{
    switch (bit) {
    case MC_SPI_REQ: return "REQ";
    case MC_SPI_ACK: return "ACK";
    case MC_SPI_ATN: return "ATN";
    case MC_SPI_CD: return "C/D";
    case MC_SPI_MSG: return "MSG";
    case MC_SPI_PHASE_EN: return "phase lines";
    default: return "?";
    }
}

static void two_drivers(mc_spi_trace *t, const uint32_t *drive)
{
    static const uint32_t lines[] = {MC_SPI_REQ, MC_SPI_CD, MC_SPI_MSG, MC_SPI_PHASE_EN, MC_SPI_ACK,
                                     MC_SPI_ATN};
    for (size_t l = 0; l < sizeof lines / sizeof lines[0]; l++) {
        int first = -1;
        for (unsigned i = 0; i < MC_SPI_MAX_ID; i++) {
            if (!(drive[i] & lines[l]))
                continue;
            if (first < 0) {
                first = (int)i;
            } else {
                trace_finding(t, MC_CHK_TWO_DRIVERS, "%s driven by IDs %d and %u", line_name(lines[l]),
                              first, i);
                return;
            }
        }
    }
}

void chk_sample(mc_spi_trace *t, uint32_t old, uint32_t v, const uint32_t *drive)
{
    uint32_t rise = v & ~old;
    bool info = (v & MC_SPI_BSY) && !(v & MC_SPI_SEL);
    if ((old & (MC_SPI_REQ | MC_SPI_ACK)) && (v & (MC_SPI_REQ | MC_SPI_ACK)) &&
        ((old ^ v) & MC_SPI_PHASE_MASK) && info)
        trace_finding(t, MC_CHK_PHASE_CHANGE_REQACK, "phase %s -> %s while REQ/ACK asserted",
                      mc_spi_phase_name(old), mc_spi_phase_name(v));
    if (rise & MC_SPI_REQ) {
        uint32_t ph = v & MC_SPI_PHASE_MASK;
        if (!(v & MC_SPI_BSY))
            trace_finding(t, MC_CHK_REQ_WITHOUT_BSY, "REQ in %s with BSY false", mc_spi_phase_name(v));
        if (!mc_spi_phase_legal(v))
            trace_finding(t, MC_CHK_RESERVED_PHASE, "REQ with reserved phase MSG C/D I/O = %u%u%u",
                          !!(v & MC_SPI_MSG), !!(v & MC_SPI_CD), !!(v & MC_SPI_IO));
        bool mo_start = ph == MC_SPI_MSG_OUT && !(t->in_phase && t->phase == MC_SPI_MSG_OUT);
        if (mo_start && !(v & MC_SPI_ATN))
            trace_finding(t, MC_CHK_MSG_OUT_WITHOUT_ATN, "MESSAGE OUT entered with ATN false");
        if (drive) {
            for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
                if ((drive[i] & MC_SPI_REQ) && !(drive[i] & MC_SPI_PHASE_EN))
                    trace_finding(t, MC_CHK_REQ_WITHOUT_PHASE_EN,
                                  "ID %u asserts REQ in %s without driving the phase lines", i,
                                  mc_spi_phase_name(v));
        }
        if (ph & MC_SPI_IO) {
            bool wide = (ph == MC_SPI_DATA_IN) && t->driver < MC_SPI_MAX_ID && t->wide[t->driver];
            if (!mc_spi_parity_ok(v, wide))
                trace_finding(t, MC_CHK_PARITY, "parity error in %s, DB %04x", mc_spi_phase_name(v),
                              MC_SPI_DB(v));
        }
    }
    if ((rise & MC_SPI_ACK) && info && !(v & MC_SPI_IO)) {
        bool wide = (v & MC_SPI_PHASE_MASK) == MC_SPI_DATA_OUT && t->driver < MC_SPI_MAX_ID &&
                    t->wide[t->driver];
        if (!mc_spi_parity_ok(v, wide))
            trace_finding(t, MC_CHK_PARITY, "parity error in %s, DB %04x", mc_spi_phase_name(v),
                          MC_SPI_DB(v));
    }
    if (drive && info)
        two_drivers(t, drive);
    if (drive && t->sm.in_op && !t->sm.released && info) {
        for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
            if ((drive[i] & MC_SPI_BSY) && i != t->sm.leader) {
                trace_finding(t, MC_CHK_SM_BSY_NOT_LEADER, "ID %u drives BSY; the leader is ID %u",
                              i, t->sm.leader);
                break;
            }
        if (t->sm.leader < MC_SPI_MAX_ID && !(drive[t->sm.leader] & MC_SPI_BSY))
            trace_finding(t, MC_CHK_SM_BSY_NOT_LEADER, "leader ID %u does not hold BSY", t->sm.leader);
        if ((rise & MC_SPI_REQ) && t->sm.current < MC_SPI_MAX_ID &&
            !(drive[t->sm.current] & MC_SPI_REQ))
            trace_finding(t, MC_CHK_SM_PHASE_DRIVER, "REQ not from the named participant ID %u",
                          t->sm.current);
    }
}
