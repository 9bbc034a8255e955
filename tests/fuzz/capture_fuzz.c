/* Fuzz target of foreign captures (harness/core/pcap_reader.c and harness/iscsi/capture_split.c):
 * the input is a capture file, read from memory (libpcap parses the file format, pcap_reader the
 * link, IP and TCP headers and the reassembly) and each TCP flow split into iSCSI PDUs. A capture
 * is read or refused with a message; every flow's streams stay within their bounds. */
#include <stdint.h>
#include <string.h>

#include "capture_split.h"
#include "fuzz_trap.h"
#include "pcap_reader.h"

#define ERR_LEN 512u
/* Small bounds, so an input cannot make one execution slow: a few flows, a few MiB. */
#define FUZZ_MAX_FLOWS 64u
#define FUZZ_MAX_BYTES (4u * 1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;   /* fmemopen refuses an empty buffer */
    char err[ERR_LEN] = "";
    mc_capread_limits lim = {.max_bytes = FUZZ_MAX_BYTES, .max_flows = FUZZ_MAX_FLOWS};
    mc_capread *c = mc_capread_mem(data, size, &lim, err, sizeof err);
    if (c == NULL) {
        if (!err[0])
            FUZZ_TRAP();   /* every refusal says why */
        return 0;
    }
    for (size_t i = 0; i < mc_capread_nflows(c); i++) {
        const mc_capread_flow *f = mc_capread_flow_at(c, i);
        for (int d = 0; d < 2; d++) {
            uint64_t sum = 0;
            for (size_t k = 0; k < f->dir[d].npieces; k++) {
                sum += f->dir[d].pieces[k].len;
                if (k > 0 && f->dir[d].pieces[k].offset < f->dir[d].pieces[k - 1].offset + f->dir[d].pieces[k - 1].len &&
                    f->proto == MC_CAPREAD_TCP)
                    FUZZ_TRAP();   /* pieces of a stream never overlap */
            }
            if (sum != f->dir[d].bytes || sum > FUZZ_MAX_BYTES)
                FUZZ_TRAP();
        }
        mc_capsplit s;
        if (mc_capsplit_flow(f, &s, err, sizeof err) == 0) {
            for (size_t k = 0; k < s.npdus; k++)
                if (s.pdus[k].dir != 0 && s.pdus[k].dir != 1)
                    FUZZ_TRAP();
        }
        mc_capsplit_free(&s);
    }
    mc_capread_free(c);
    return 0;
}
