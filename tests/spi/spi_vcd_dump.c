/* Writes a VCD of a silent-mirroring run in single-wire mode (what sigrok 0.5.2 reads) and
 * prints what the file must contain: the number of REQ pulses and the simulated end time. */
#include <stdio.h>

#include "vcd_run.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.vcd\n", argv[0]);
        return 2;
    }
    rig r;
    if (vcd_run(&r, argv[1], MC_VCD_DB_BITS, 0) < 0) {
        fprintf(stderr, "%s\n", r.err);
        rig_close(&r);
        return 1;
    }
    const mc_spi_ev *e;
    size_t n = mc_spi_trace_events(r.trace, &e);
    unsigned long bytes = 0;
    for (size_t i = 0; i < n; i++)
        if (e[i].kind != MC_EV_DATA_OUT && e[i].kind != MC_EV_DATA_IN)
            bytes += e[i].len; /* narrow transfers: one REQ each */
        else
            bytes += (e[i].len + 1) / 2; /* Ultra320 wide data: one REQ per word */
    printf("req_pulses %lu\nend_ns %llu\n", bytes, (unsigned long long)mc_spi_now(r.bus));
    rig_close(&r);
    return 0;
}
