/* A short silent-mirroring run recorded to a VCD file (shared by the VCD test and the dumper). */
#ifndef MC_SPI_TEST_VCD_RUN_H
#define MC_SPI_TEST_VCD_RUN_H

#include "rig.h"

/* Runs discovery and one silent write to three disks with a live trace and a VCD writer;
 * returns 0 and leaves the rig open (caller closes it). */
static inline int vcd_run(rig *r, const char *path, unsigned vcd_flags, unsigned disk_mutants)
{
    rig_opts o = {.speed = 2, .ndisks = 3, .trace = true, .disk_mutants = disk_mutants};
    static uint8_t data[2 * RIG_BLOCK];
    rig_pattern(data, sizeof data, 3);
    mc_spi_vcd *v;
    if (rig_open(r, &o) < 0)
        return -1;
    if (mc_spi_vcd_open(&v, path, vcd_flags, r->err, sizeof r->err) < 0)
        return -1;
    if (mc_spi_vcd_attach(v, r->bus, r->err, sizeof r->err) < 0) {
        mc_spi_vcd_close(v, r->err, sizeof r->err);
        return -1;
    }
    unsigned order[] = {0, 1, 2};
    int rc = rig_setup(r);
    if (rc == 0)
        rc = rig_silent(r, order, 3, 4, 2, data, true) < 0 ? -1 : rig_run(r);
    mc_spi_trace_finish(r->trace);
    if (mc_spi_vcd_close(v, r->err, sizeof r->err) < 0)
        return -1;
    return rc;
}

#endif
