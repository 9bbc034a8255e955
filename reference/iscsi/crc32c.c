/* CRC32C (Castagnoli), the iSCSI header and data digest (RFC 7143 section 13.1, Appendix B). */
#include "crc32c.h"

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
uint32_t mc_crc32c_portable(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t c = ~crc;
    for (size_t i = 0; i < len; i++)
        c = (c >> 8) ^ crc32c_table[(c ^ p[i]) & 0xffu];
    return ~c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <string.h>

/* SSE4.2's crc32 instruction computes exactly this reflected CRC32C register update. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
    uint64_t c = ~crc;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, sizeof(w));   /* unaligned-safe load */
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len--)
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    return ~c32;
}

bool mc_crc32c_accelerated(void)
{
    return __builtin_cpu_supports("sse4.2");
}

uint32_t mc_crc32c(uint32_t crc, const void *buf, size_t len)
{
    if (mc_crc32c_accelerated())
        return crc32c_sse42(crc, buf, len);
    return mc_crc32c_portable(crc, buf, len);
}
#else
bool mc_crc32c_accelerated(void)
{
    return false;
}

uint32_t mc_crc32c(uint32_t crc, const void *buf, size_t len)
{
    return mc_crc32c_portable(crc, buf, len);
}
#endif
