/* Bus traces: a phase decoder (bus phases, messages, commands, data blocks, who drove them),
 * the protocol checker that runs on it, and VCD files written from and read back into it.
 * The decoder works on settled bus samples, live from the simulator or from a VCD file; the
 * per-device drive words are optional (a capture of a real bus has only the wires). */
#ifndef MC_SPI_TRACE_H
#define MC_SPI_TRACE_H

#include <stdio.h>

#include "spi_bus.h"
#include "spi_msg.h"

enum mc_spi_ev_kind {
    MC_EV_BUS_FREE, MC_EV_ARBITRATION, MC_EV_SELECTION, MC_EV_RESELECTION, MC_EV_MSG_OUT,
    MC_EV_MSG_IN, MC_EV_COMMAND, MC_EV_DATA_OUT, MC_EV_DATA_IN, MC_EV_STATUS, MC_EV_RESET,
};
#define MC_SPI_NOBODY 0xffu

typedef struct mc_spi_ev {
    uint64_t t, t_end;
    int kind;
    uint8_t init, target;     /* the connection's initiator and selected/reselecting target */
    uint8_t driver;           /* who drove REQ (information phases), MC_SPI_NOBODY if unknown */
    bool atn;                 /* selection: ATN asserted */
    uint32_t len;             /* bytes moved */
    uint64_t hash;            /* FNV-1a 64 of the bytes (data phases) */
    uint8_t b[MC_MSG_MAX];    /* the first bytes: message, CDB, status */
    bool is_sm;               /* a silent-mirroring message, parsed into sm */
    mc_sm_msg sm;
} mc_spi_ev;

enum mc_spi_check {
    MC_CHK_PHASE_CHANGE_REQACK, MC_CHK_MSG_OUT_WITHOUT_ATN, MC_CHK_TWO_DRIVERS, MC_CHK_PARITY,
    MC_CHK_RESERVED_PHASE, MC_CHK_REQ_WITHOUT_BSY, MC_CHK_REQ_WITHOUT_PHASE_EN, MC_CHK_RAW_IDENTIFY,
    MC_CHK_SM_BUS_FREE_IN_OP, MC_CHK_SM_BSY_NOT_LEADER, MC_CHK_SM_PHASE_DRIVER, MC_CHK_SM_NO_LAST,
    MC_CHK_SM_NO_RELEASE, MC_CHK_SM_RELEASE_NO_FREE, MC_CHK_SM_UNASSIGNED_GID,
    MC_CHK_SM_PARTICIPANT_SELECTED, MC_CHK_SM_STATUS_MISSING, MC_CHK_SM_STATUS_ORDER,
    MC_CHK_SM_NOT_VENDOR, MC_CHK_COUNT
};
typedef struct mc_spi_check_info {
    int code;
    const char *name;
    bool warning;             /* true: legal but worth reporting */
    const char *clause;       /* claim element or SPI rule */
} mc_spi_check_info;
const mc_spi_check_info *mc_spi_check_info_of(int code);
const mc_spi_check_info *mc_spi_check_find(const char *name);

typedef struct mc_spi_finding {
    uint64_t t;
    int code;
    char text[160];
} mc_spi_finding;

typedef struct mc_spi_trace mc_spi_trace;
int mc_spi_trace_new(mc_spi_trace **out, char *err, size_t errlen);
void mc_spi_trace_free(mc_spi_trace *t);
/* Registers the trace as a bus listener (live decoding with drive words). */
int mc_spi_trace_attach(mc_spi_trace *t, mc_spi_bus *bus, char *err, size_t errlen);
void mc_spi_trace_feed(mc_spi_trace *t, uint64_t time, uint32_t lines, const uint32_t *drive);
/* End of trace: checks that need to know nothing more follows. */
void mc_spi_trace_finish(mc_spi_trace *t);
size_t mc_spi_trace_events(const mc_spi_trace *t, const mc_spi_ev **evs);
size_t mc_spi_trace_findings(const mc_spi_trace *t, const mc_spi_finding **f);
size_t mc_spi_trace_count(const mc_spi_trace *t, int code);
/* One line describing an event. */
void mc_spi_ev_format(const mc_spi_ev *e, char *buf, size_t len);
const char *mc_spi_ev_kind_name(int kind);

/* VCD writer (1 ns timescale, explicit values at #0, asserted = 1). DB is one 16-bit vector by
 * default (GTKWave); MC_VCD_DB_BITS writes DB0..DB15 as single wires instead, because sigrok
 * 0.5.2 (Debian 12) stops at the first multi-bit vector value. MC_VCD_DRIVE_WORDS adds each
 * device's drive word as a 32-bit vector "drvN" (vector mode only) so a reader can tell who
 * drove what. */
enum { MC_VCD_DRIVE_WORDS = 1, MC_VCD_DB_BITS = 2 };
typedef struct mc_spi_vcd mc_spi_vcd;
int mc_spi_vcd_open(mc_spi_vcd **out, const char *path, unsigned flags, char *err, size_t errlen);
int mc_spi_vcd_attach(mc_spi_vcd *v, mc_spi_bus *bus, char *err, size_t errlen);
void mc_spi_vcd_sample(mc_spi_vcd *v, uint64_t t, uint32_t lines, const uint32_t *drive);
int mc_spi_vcd_close(mc_spi_vcd *v, char *err, size_t errlen);
/* A GTKWave save file for a VCD written with flags: the dump file's name (as written, relative
 * to the save file), the control lines in one group, the data bus as one hexadecimal vector
 * (put together from DB15..DB0 when they are single wires) and the drive words in another. */
int mc_spi_gtkw_write(const char *path, const char *vcd_name, unsigned flags, char *err, size_t errlen);

/* VCD reader: feeds every time step of a file into a trace. Understands the signal names the
 * writer uses (BSY SEL RST ATN ACK REQ CD IO MSG DBP DBP1, DB[15:0], drvN); other names are
 * ignored. Bounded: lines longer than 4096 bytes or identifiers longer than 16 are refused. */
int mc_spi_vcd_read(const char *path, mc_spi_trace *t, char *err, size_t errlen);
/* The same from an open stream (a file, or a buffer through fmemopen); the caller closes it. */
int mc_spi_vcd_read_stream(FILE *f, mc_spi_trace *t, char *err, size_t errlen);

#endif
