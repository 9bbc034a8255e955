/* CRC32C (Castagnoli), the iSCSI header and data digest (RFC 7143 section 13.1, Appendix B). */
#include "pdu.h"

/* Reflected form of the generator 0x11EDC6F41 (13.1). */
#define MC_CRC32C_POLY 0x82F63B78u

/* The byte-wise table is built by the preprocessor, so it is constant data, not run-time state. */
#define MC_CRC_B1(c) (((c) >> 1) ^ (MC_CRC32C_POLY & (0u - ((c) & 1u))))
#define MC_CRC_B2(c) MC_CRC_B1(MC_CRC_B1(c))
#define MC_CRC_B8(c) MC_CRC_B2(MC_CRC_B2(MC_CRC_B2(MC_CRC_B2((uint32_t)(c)))))
#define MC_CRC_R4(n) MC_CRC_B8(n), MC_CRC_B8((n) + 1), MC_CRC_B8((n) + 2), MC_CRC_B8((n) + 3)
#define MC_CRC_R16(n) MC_CRC_R4(n), MC_CRC_R4((n) + 4), MC_CRC_R4((n) + 8), MC_CRC_R4((n) + 12)
#define MC_CRC_R64(n) MC_CRC_R16(n), MC_CRC_R16((n) + 16), MC_CRC_R16((n) + 32), MC_CRC_R16((n) + 48)

static const uint32_t crc32c_table[256] = {
    MC_CRC_R64(0u), MC_CRC_R64(64u), MC_CRC_R64(128u), MC_CRC_R64(192u),
};

/* The register starts at all ones and the result is inverted (13.1); a caller continuing a digest
 * passes the previous result, which the inversion at entry turns back into the register. */
uint32_t mc_crc32c(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t c = ~crc;
    for (size_t i = 0; i < len; i++)
        c = (c >> 8) ^ crc32c_table[(c ^ p[i]) & 0xffu];
    return ~c;
}
