/* ARBITRATION phase (SPI-5 10.2): BUS FREE for a bus settle delay, a bus free delay, BSY and the
 * own ID bit, an arbitration delay, highest ID wins and asserts SEL, losers release. */
#include "spi_internal.h"

#define BUS_BUSY (MC_SPI_BSY | MC_SPI_SEL)

static void watch(mc_spi_arb *a, mc_spi_bus *bus)
{
    mc_spi_watch(bus, a->id, BUS_BUSY | a->extra_watch);
}

void mc_spi_arb_start(mc_spi_arb *a, mc_spi_bus *bus, unsigned id, uint32_t extra_watch)
{
    a->id = id;
    a->extra_watch = extra_watch;
    a->state = ARB_WAIT_FREE;
    watch(a, bus);
    if (!(mc_spi_lines(bus) & BUS_BUSY)) {
        a->state = ARB_FREE_SETTLE;
        mc_spi_timer(bus, id, mc_spi_bus_params(bus)->bus_settle);
    }
}

static bool higher_id_present(unsigned me, uint16_t db)
{
    for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
        if ((db & (1u << i)) && mc_spi_prio(i) > mc_spi_prio(me))
            return true;
    return false;
}

int mc_spi_arb_wake(mc_spi_arb *a, mc_spi_bus *bus, unsigned why)
{
    const mc_spi_params *p = mc_spi_bus_params(bus);
    uint32_t v = mc_spi_lines(bus);
    switch (a->state) {
    case ARB_WAIT_FREE:
        if (!(v & BUS_BUSY)) {
            a->state = ARB_FREE_SETTLE;
            mc_spi_timer(bus, a->id, p->bus_settle);
        }
        return ARB_BUSY;
    case ARB_FREE_SETTLE:
        if (v & BUS_BUSY) { /* BUS FREE ended before it was detected */
            a->state = ARB_WAIT_FREE;
            mc_spi_timer_cancel(bus, a->id);
        } else if (why == MC_SPI_WAKE_TIMER) {
            a->state = ARB_FREE_DELAY;
            mc_spi_timer(bus, a->id, p->bus_free);
        }
        return ARB_BUSY;
    case ARB_FREE_DELAY:
        if (v & MC_SPI_SEL) { /* a selection started: wait for the next BUS FREE */
            a->state = ARB_WAIT_FREE;
            mc_spi_timer_cancel(bus, a->id);
            return ARB_BUSY;
        }
        if (why != MC_SPI_WAKE_TIMER)
            return ARB_BUSY; /* BSY from an arbiter that saw the same BUS FREE: join it */
        a->state = ARB_ARBITRATING;
        mc_spi_drive(bus, a->id, MC_SPI_BSY | mc_spi_id_bit(a->id));
        mc_spi_timer(bus, a->id, p->arbitration);
        return ARB_BUSY;
    case ARB_ARBITRATING:
        if (why == MC_SPI_WAKE_LINES) {
            if (v & MC_SPI_SEL) { /* a winner asserted SEL: release within a bus clear delay */
                mc_spi_drive(bus, a->id, 0);
                mc_spi_timer_cancel(bus, a->id);
                a->state = ARB_WAIT_FREE;
            }
            return ARB_BUSY;
        }
        if ((v & MC_SPI_SEL) || higher_id_present(a->id, MC_SPI_DB(v))) {
            mc_spi_drive(bus, a->id, 0);
            a->state = ARB_WAIT_FREE;
            return ARB_BUSY;
        }
        mc_spi_drive(bus, a->id, MC_SPI_BSY | MC_SPI_SEL | mc_spi_id_bit(a->id));
        a->state = ARB_WON_SETTLE;
        mc_spi_timer(bus, a->id, p->bus_clear + p->bus_settle);
        return ARB_BUSY;
    case ARB_WON_SETTLE:
        if (why != MC_SPI_WAKE_TIMER)
            return ARB_BUSY;
        a->state = ARB_OFF;
        return ARB_WON;
    default:
        return ARB_BUSY;
    }
}
