/* Closed-form bus time of a mirrored write, the model the simulator is checked against.
 *
 * Symbols (mc_spi_params): S bus settle, F bus free, A arbitration, C bus clear, K deskew,
 * B one interlocked (async) byte = 4 REQ/ACK edges, D(x) a synchronous data phase of x bytes
 * = floor(ceil(x / width) * period) ns. Every phase change costs S before the first REQ.
 *
 *   Connect  = 4S + F + A + C + 4K   BUS FREE to first REQ: settle, bus free, arbitration,
 *                                    bus clear + settle, 2 deskews, target settle, 2 deskews,
 *                                    phase settle (selection and reselection alike)
 *   Conv(x)  = Connect + 13B + 4S + D(x)
 *              IDENTIFY, 10-byte CDB, data, STATUS, COMMAND COMPLETE
 *   Silent(n, x) = Connect + L.B + S + D(x) + (n-1)(2S + D(x)) + W.B + S + 3B
 *              L = IDENTIFY + EXTENT(11) + MIRROR(4, 5 with the last indicator when n = 1);
 *              each switch: MESSAGE OUT settle, MIRROR (4 bytes, 5 for the last participant),
 *              takeover settle, data; W = 4(n-1) + 1 for n > 1; release = settle + 3 bytes
 *   Status   = Connect + 3B + 2S     reselection, IDENTIFY, STATUS, COMMAND COMPLETE
 *
 * For n = 1 + N disks and k blocks of x bytes:
 *   conventional per block   k.n.Conv(x)
 *   conventional one command n.Conv(k.x)
 *   silent, status once      k.Silent(n, x) + n.Status
 *   silent, status each      k.(Silent(n, x) + n.Status)
 * Media time is zero (write cache): the model and the simulator measure the bus alone. */
#ifndef MC_SPI_MODEL_H
#define MC_SPI_MODEL_H

#include "spi_bus.h"

enum mc_spi_model_mode {
    MC_MODEL_CONV_PER_BLOCK,
    MC_MODEL_CONV_ONE_COMMAND,
    MC_MODEL_SILENT_STATUS_ONCE,
    MC_MODEL_SILENT_STATUS_EACH,
    MC_MODEL_MODES
};

uint64_t mc_spi_model_connect(const mc_spi_params *p);
uint64_t mc_spi_model_data(const mc_spi_params *p, uint64_t bytes);
uint64_t mc_spi_model_ns(const mc_spi_params *p, int mode, unsigned disks, uint64_t blocks,
                         uint32_t block_size);

#endif
