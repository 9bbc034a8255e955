/* Parallel SCSI (SPI) bus simulator core: lines, timing parameters, devices, event loop.
 * Each device owns a drive word; the bus value is the OR of all drive words (wired-OR model).
 * A device wakes when a line it watches changes or when its own timer expires. Time is in ns. */
#ifndef MC_SPI_BUS_H
#define MC_SPI_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Line bits of a drive word / bus value. DB(15..0) occupy bits 16..31. */
enum {
    MC_SPI_BSY = 1u << 0,
    MC_SPI_SEL = 1u << 1,
    MC_SPI_RST = 1u << 2,
    MC_SPI_ATN = 1u << 3,
    MC_SPI_ACK = 1u << 4,
    MC_SPI_REQ = 1u << 5,
    MC_SPI_CD = 1u << 6,
    MC_SPI_IO = 1u << 7,
    MC_SPI_MSG = 1u << 8,
    MC_SPI_DBP = 1u << 9,   /* odd parity over DB(7..0) */
    MC_SPI_DBP1 = 1u << 10, /* odd parity over DB(15..8) */
    /* Not a wire: the output enable of a target's C/D, I/O, MSG drivers. DATA OUT drives all three
     * false, so "who drives the phase lines" is only visible through this bit. */
    MC_SPI_PHASE_EN = 1u << 11,
};
#define MC_SPI_DB_SHIFT 16u
#define MC_SPI_DB_MASK 0xffff0000u
#define MC_SPI_PHASE_MASK (MC_SPI_CD | MC_SPI_IO | MC_SPI_MSG)
#define MC_SPI_WIRES (~(uint32_t)MC_SPI_PHASE_EN)
#define MC_SPI_DB(v) ((uint16_t)((v) >> MC_SPI_DB_SHIFT))
#define MC_SPI_DB_WORD(d) ((uint32_t)(uint16_t)(d) << MC_SPI_DB_SHIFT)
#define MC_SPI_MAX_ID 16u
#define MC_SPI_NARROW_IDS 8u

/* Information transfer phases as MSG C/D I/O (SPI-5 table "information transfer phases"). */
typedef enum mc_spi_phase {
    MC_SPI_DATA_OUT = 0,
    MC_SPI_DATA_IN = MC_SPI_IO,
    MC_SPI_COMMAND = MC_SPI_CD,
    MC_SPI_STATUS = MC_SPI_CD | MC_SPI_IO,
    MC_SPI_MSG_OUT = MC_SPI_MSG | MC_SPI_CD,
    MC_SPI_MSG_IN = MC_SPI_MSG | MC_SPI_CD | MC_SPI_IO,
} mc_spi_phase;
const char *mc_spi_phase_name(uint32_t lines);
bool mc_spi_phase_legal(uint32_t lines); /* false for the reserved codes 100 and 101 */

/* Named SPI delays in ns (SPI-3..5 minimums unless marked) and transfer periods. */
typedef struct mc_spi_params {
    uint64_t bus_settle;        /* >= 400: BUS FREE detection, phase change to first REQ */
    uint64_t bus_free;          /* >= 800: after BUS FREE detected, before arbitrating */
    uint64_t arbitration;       /* >= 2400: from asserting BSY+ID to examining DB */
    uint64_t bus_clear;         /* <= 800: losers release; winner waits it after SEL */
    uint64_t bus_set;           /* <= 1600: a device asserts BSY within this of BUS FREE */
    uint64_t deskew;            /* >= 45: two of these between selection signal steps */
    uint64_t cable_skew;        /* <= 4 */
    uint64_t data_release;      /* <= 400: DB released after I/O changes */
    uint64_t selection_abort;   /* <= 200000 */
    uint64_t selection_timeout; /* >= 250000000 recommended */
    uint64_t reset_hold;        /* >= 25000 */
    uint64_t async_byte;        /* one interlocked REQ/ACK byte: four edges of async_byte/4 */
    uint64_t sync_period_ps;    /* one synchronous data transfer (REQ period), in ps */
    unsigned sync_width;        /* bytes per synchronous transfer: 1 narrow, 2 wide */
    uint64_t status_gap;        /* a participant whose turn passed unused waits this (simulator) */
} mc_spi_params;

/* Presets: the SPI minimums with 200 ns interlocked (async) bytes and the data rate of the named
 * mode. Ultra320 moves one 16-bit word per 6.25 ns: the period is kept in ps and the k-th REQ edge
 * falls on whole ns (floor(k * 6.25)), so a 512-byte block takes exactly 1600 ns. DT and paced
 * transfers are modelled as one REQ pulse per word in the ordinary DATA OUT/IN phases (no
 * training pattern, no pCRC, no offset limit): the same bus time per block (README.md). */
void mc_spi_params_async(mc_spi_params *p);
void mc_spi_params_fast20_narrow(mc_spi_params *p);
void mc_spi_params_u320_wide(mc_spi_params *p);

typedef struct mc_spi_bus mc_spi_bus;

enum mc_spi_why { MC_SPI_WAKE_LINES = 1, MC_SPI_WAKE_TIMER = 2 };
typedef void (*mc_spi_wake_fn)(void *ctx, mc_spi_bus *bus, unsigned why);
/* Called once per simulated instant after all devices settled, when the bus value or any drive
 * word changed. drive[] holds every slot's drive word (0 when empty). */
typedef void (*mc_spi_listen_fn)(void *ctx, uint64_t t, uint32_t lines, const uint32_t *drive);

int mc_spi_bus_new(mc_spi_bus **out, const mc_spi_params *p, char *err, size_t errlen);
void mc_spi_bus_free(mc_spi_bus *bus);
const mc_spi_params *mc_spi_bus_params(const mc_spi_bus *bus);
/* A device occupies the slot of its SCSI ID. */
int mc_spi_bus_attach(mc_spi_bus *bus, unsigned id, mc_spi_wake_fn fn, void *ctx, char *err,
                      size_t errlen);
int mc_spi_bus_listen(mc_spi_bus *bus, mc_spi_listen_fn fn, void *ctx, char *err, size_t errlen);

void mc_spi_drive(mc_spi_bus *bus, unsigned id, uint32_t word);
uint32_t mc_spi_driven(const mc_spi_bus *bus, unsigned id);
void mc_spi_watch(mc_spi_bus *bus, unsigned id, uint32_t mask);
void mc_spi_timer(mc_spi_bus *bus, unsigned id, uint64_t delay); /* replaces any pending one */
void mc_spi_timer_cancel(mc_spi_bus *bus, unsigned id);
uint32_t mc_spi_lines(const mc_spi_bus *bus);
uint64_t mc_spi_now(const mc_spi_bus *bus);
uint64_t mc_spi_events(const mc_spi_bus *bus);

typedef bool (*mc_spi_done_fn)(void *ctx);
enum mc_spi_run_result { MC_SPI_RUN_DONE, MC_SPI_RUN_IDLE, MC_SPI_RUN_DEADLINE };
/* Runs until done() says so, nothing is scheduled, or simulated time would pass `until`. */
int mc_spi_run(mc_spi_bus *bus, uint64_t until, mc_spi_done_fn done, void *ctx);

/* Odd parity bit for one byte: set when the byte has an even number of ones. */
bool mc_spi_parity(uint8_t byte);
/* DB and parity lines for a narrow byte or a 16-bit word. */
uint32_t mc_spi_db_byte(uint8_t b);
uint32_t mc_spi_db_word(uint16_t w);
bool mc_spi_parity_ok(uint32_t lines, bool wide);

#endif
