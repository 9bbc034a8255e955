/* Fuzz target of the VCD reader (reference/spi/vcd_read.c): the input is a VCD file, read from
 * memory into a trace and decoded into bus phases. A file is read or refused with a message; a
 * trace that was read formats its events, and its findings are the checker's own. */
#include <stdint.h>
#include <stdio.h>

#include "fuzz_trap.h"
#include "spi_trace.h"

#define ERR_LEN 256u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;   /* fmemopen refuses an empty buffer */
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    char err[ERR_LEN] = "";
    mc_spi_trace *t = NULL;
    if (mc_spi_trace_new(&t, err, sizeof(err)) != 0)
        FUZZ_TRAP();
    int rc = mc_spi_vcd_read_stream(f, t, err, sizeof(err));
    fclose(f);
    if (rc != 0 && !err[0])
        FUZZ_TRAP();   /* every refusal says why */
    if (rc == 0) {
        const mc_spi_ev *evs = NULL;
        const mc_spi_finding *fs = NULL;
        size_t nev = mc_spi_trace_events(t, &evs), nf = mc_spi_trace_findings(t, &fs);
        char line[ERR_LEN];
        for (size_t i = 0; i < nev; i++)
            mc_spi_ev_format(&evs[i], line, sizeof(line));
        for (size_t i = 0; i < nf; i++)
            if (!mc_spi_check_info_of(fs[i].code))
                FUZZ_TRAP();   /* every finding is one of the checker's */
    }
    mc_spi_trace_free(t);
    return 0;
}
