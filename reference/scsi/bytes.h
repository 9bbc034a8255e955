/* Big-endian field access for CDBs and parameter data (SCSI is big-endian throughout). */
#ifndef MC_SCSI_BYTES_H
#define MC_SCSI_BYTES_H

#include <stdint.h>

static inline uint16_t mc_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t mc_be24(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}
static inline uint32_t mc_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t mc_be64(const uint8_t *p)
{
    return ((uint64_t)mc_be32(p) << 32) | mc_be32(p + 4);
}
static inline void mc_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void mc_put24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}
static inline void mc_put32(uint8_t *p, uint32_t v)
{
    mc_put16(p, (uint16_t)(v >> 16));
    mc_put16(p + 2, (uint16_t)v);
}
static inline void mc_put64(uint8_t *p, uint64_t v)
{
    mc_put32(p, (uint32_t)(v >> 32));
    mc_put32(p + 4, (uint32_t)v);
}

#endif
