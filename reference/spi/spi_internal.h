/* Pieces shared by the host adapter and the disk target: arbitration and the async edge time. */
#ifndef MC_SPI_INTERNAL_H
#define MC_SPI_INTERNAL_H

#include "spi_bus.h"

#define MC_SPI_ASYNC_EDGES 4u   /* REQ+, ACK+, REQ-, ACK- */
#define MC_SPI_SELECT_DESKEWS 2u /* "two deskew delays" between selection steps */

static inline uint64_t mc_spi_edge(const mc_spi_params *p) { return p->async_byte / MC_SPI_ASYNC_EDGES; }
static inline uint32_t mc_spi_id_bit(unsigned id) { return MC_SPI_DB_WORD(1u << id); }
/* Arbitration priority: ID 7 highest, then 6..0, then 15..8. */
static inline unsigned mc_spi_prio(unsigned id) { return id < 8 ? id + 8 : id - 8; }

/* Arbitration as a small state machine embedded in a device. The device forwards wake-ups to
 * mc_spi_arb_wake while arb.state != ARB_OFF; on a win the device owns BSY, SEL and its ID bit
 * and is a bus clear plus a bus settle delay past asserting SEL. */
enum mc_spi_arb_state { ARB_OFF, ARB_WAIT_FREE, ARB_FREE_SETTLE, ARB_FREE_DELAY, ARB_ARBITRATING,
                        ARB_WON_SETTLE };
enum mc_spi_arb_result { ARB_BUSY, ARB_WON, ARB_LOST };
typedef struct mc_spi_arb {
    int state;
    unsigned id;
    uint32_t extra_watch; /* lines the device keeps watching while it arbitrates */
} mc_spi_arb;

void mc_spi_arb_start(mc_spi_arb *a, mc_spi_bus *bus, unsigned id, uint32_t extra_watch);
/* Returns ARB_WON once (state back to ARB_OFF), ARB_LOST when another device selected or
 * reselected this one meanwhile (state ARB_OFF, lines released), else ARB_BUSY. */
int mc_spi_arb_wake(mc_spi_arb *a, mc_spi_bus *bus, unsigned why);
/* Abandons arbitration (the device was selected meanwhile); lines are the caller's. */
static inline void mc_spi_arb_stop(mc_spi_arb *a) { a->state = ARB_OFF; }

#endif
