/* The closed form of spi_model.h. */
#include "spi_model.h"

#define PS_PER_NS 1000u
#define IDENTIFY_BYTES 1u
#define CDB10_BYTES 10u
#define STATUS_BYTES 1u
#define COMPLETE_BYTES 1u
#define EXTENT_BYTES 11u     /* 01 09 E3 lun lba(4) blocks(2) flags */
#define MIRROR_BYTES 4u      /* 01 02 E1 gid */
#define LAST_BYTES 1u        /* the FF of the last participant */
#define RELEASE_BYTES 3u     /* 01 01 E2 */
#define CONN_PHASE_CHANGES 4u /* MO->COMMAND->DATA->STATUS->MI */
#define SELECT_SETTLES 4u
#define SELECT_DESKEWS 4u

uint64_t mc_spi_model_connect(const mc_spi_params *p)
{
    return SELECT_SETTLES * p->bus_settle + p->bus_free + p->arbitration + p->bus_clear +
           SELECT_DESKEWS * p->deskew;
}

uint64_t mc_spi_model_data(const mc_spi_params *p, uint64_t bytes)
{
    uint64_t transfers = (bytes + p->sync_width - 1) / p->sync_width;
    return transfers * p->sync_period_ps / PS_PER_NS;
}

static uint64_t conv(const mc_spi_params *p, uint64_t bytes)
{
    uint64_t b = IDENTIFY_BYTES + CDB10_BYTES + STATUS_BYTES + COMPLETE_BYTES;
    return mc_spi_model_connect(p) + b * p->async_byte + CONN_PHASE_CHANGES * p->bus_settle +
           mc_spi_model_data(p, bytes);
}

static uint64_t silent(const mc_spi_params *p, unsigned n, uint64_t bytes)
{
    uint64_t d = mc_spi_model_data(p, bytes), s = p->bus_settle;
    uint64_t lead = IDENTIFY_BYTES + EXTENT_BYTES + MIRROR_BYTES + (n == 1 ? LAST_BYTES : 0);
    uint64_t sw = n > 1 ? (uint64_t)MIRROR_BYTES * (n - 1) + LAST_BYTES : 0;
    return mc_spi_model_connect(p) + lead * p->async_byte + s + d + (uint64_t)(n - 1) * (2 * s + d) +
           sw * p->async_byte + s + RELEASE_BYTES * p->async_byte;
}

static uint64_t status(const mc_spi_params *p)
{
    return mc_spi_model_connect(p) + (IDENTIFY_BYTES + STATUS_BYTES + COMPLETE_BYTES) * p->async_byte +
           2 * p->bus_settle;
}

uint64_t mc_spi_model_ns(const mc_spi_params *p, int mode, unsigned disks, uint64_t blocks,
                         uint32_t block_size)
{
    switch (mode) {
    case MC_MODEL_CONV_PER_BLOCK:
        return blocks * disks * conv(p, block_size);
    case MC_MODEL_CONV_ONE_COMMAND:
        return disks * conv(p, blocks * block_size);
    case MC_MODEL_SILENT_STATUS_ONCE:
        return blocks * silent(p, disks, block_size) + disks * status(p);
    default:
        return blocks * (silent(p, disks, block_size) + disks * status(p));
    }
}
