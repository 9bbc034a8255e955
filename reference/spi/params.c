/* Timing presets: SPI-3..5 minimum delays (maximums where the standard gives a maximum). */
#include "spi_bus.h"

#define NS_PER_US 1000u
#define PS_PER_NS 1000u
#define BUS_SETTLE_NS 400u
#define BUS_FREE_NS 800u
#define ARBITRATION_NS 2400u
#define BUS_CLEAR_NS 800u
#define BUS_SET_NS 1600u
#define DESKEW_NS 45u
#define CABLE_SKEW_NS 4u
#define DATA_RELEASE_NS 400u
#define SELECTION_ABORT_NS (200u * NS_PER_US)
#define SELECTION_TIMEOUT_NS (250ull * 1000u * NS_PER_US) /* recommended 250 ms */
#define RESET_HOLD_NS (25u * NS_PER_US)
#define ASYNC_BYTE_NS 200u          /* interlocked handshake on a short cable: 5 MB/s */
#define FAST20_PERIOD_PS (50u * PS_PER_NS)
#define U320_PERIOD_PS 6250u        /* 6.25 ns per 16-bit transfer, 320 MB/s */
#define STATUS_GAP_NS (10u * NS_PER_US)

void mc_spi_params_async(mc_spi_params *p)
{
    p->bus_settle = BUS_SETTLE_NS;
    p->bus_free = BUS_FREE_NS;
    p->arbitration = ARBITRATION_NS;
    p->bus_clear = BUS_CLEAR_NS;
    p->bus_set = BUS_SET_NS;
    p->deskew = DESKEW_NS;
    p->cable_skew = CABLE_SKEW_NS;
    p->data_release = DATA_RELEASE_NS;
    p->selection_abort = SELECTION_ABORT_NS;
    p->selection_timeout = SELECTION_TIMEOUT_NS;
    p->reset_hold = RESET_HOLD_NS;
    p->async_byte = ASYNC_BYTE_NS;
    p->sync_period_ps = (uint64_t)ASYNC_BYTE_NS * PS_PER_NS;
    p->sync_width = 1;
    p->status_gap = STATUS_GAP_NS;
}

void mc_spi_params_fast20_narrow(mc_spi_params *p)
{
    mc_spi_params_async(p);
    p->sync_period_ps = FAST20_PERIOD_PS;
    p->sync_width = 1;
}

void mc_spi_params_u320_wide(mc_spi_params *p)
{
    mc_spi_params_async(p);
    p->sync_period_ps = U320_PERIOD_PS;
    p->sync_width = 2;
}
