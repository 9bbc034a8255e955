/* CRC32C implementations behind mc_crc32c (pdu.h): exposed so tests can check that the
 * accelerated path and the portable table agree on every length and alignment. */
#ifndef MC_ISCSI_CRC32C_H
#define MC_ISCSI_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Byte-wise table implementation; same contract as mc_crc32c. */
uint32_t mc_crc32c_portable(uint32_t crc, const void *buf, size_t len);
/* True when mc_crc32c uses the CPU's CRC32C instruction (x86-64 SSE4.2). */
bool mc_crc32c_accelerated(void);

#endif
