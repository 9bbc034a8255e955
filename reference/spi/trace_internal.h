/* Decoder and checker state (decode.c, checker.c, checker_sm.c). */
#ifndef MC_SPI_TRACE_INTERNAL_H
#define MC_SPI_TRACE_INTERNAL_H

#include "spi_trace.h"

enum bus_state { B_FREE, B_ARB, B_SEL, B_SEL_ANSWERED, B_CONN, B_RESET };

typedef struct sm_ctx {
    int gid_of[MC_SPI_MAX_ID];      /* assigned at discovery (-1 none) */
    uint8_t query_gid[MC_SPI_MAX_ID];
    bool query_pending[MC_SPI_MAX_ID];
    bool in_op;
    bool released;                  /* release message seen, BUS FREE expected next */
    bool last_seen;
    bool status_flag;
    uint8_t leader;
    uint8_t current;                /* the participant the last MIRROR named */
    uint8_t order[MC_SPI_MAX_ID];
    unsigned n;
    bool failed[MC_SPI_MAX_ID];     /* last status from this target was not GOOD */
    bool await_status;
    uint8_t status_order[MC_SPI_MAX_ID];
    unsigned nstatus;
    unsigned expected;
    bool failed_seen[MC_SPI_MAX_ID]; /* failed statuses since the last operation began */
    bool first_data;
    bool prev_valid;
    uint32_t prev_lba, ext_lba;
    uint16_t prev_blocks, ext_blocks;
    uint64_t prev_hash;
    bool leader_msg_pending;        /* next MIRROR in this connection identifies the leader */
} sm_ctx;

struct mc_spi_trace {
    mc_spi_ev *ev;
    size_t nev, evcap;
    mc_spi_finding *f;
    size_t nf, fcap;
    size_t count[MC_CHK_COUNT];
    bool started;
    uint32_t prev;
    uint32_t drive[MC_SPI_MAX_ID];
    bool have_drive;
    uint64_t now;
    int bus;
    uint8_t init, target;
    bool resel;
    bool wide[MC_SPI_MAX_ID];
    /* current information phase */
    bool in_phase;
    uint32_t phase;
    uint64_t t_phase;
    uint8_t driver;
    uint8_t buf[MC_MSG_MAX];
    size_t blen;
    uint32_t len;
    uint64_t hash;
    uint8_t msg[MC_MSG_MAX];
    size_t mlen;
    uint64_t t_msg;
    bool first_msg;                 /* the next MESSAGE OUT message is the first after selection */
    sm_ctx sm;
};

void trace_finding(mc_spi_trace *t, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* checker.c: wire-level rules per sample; checker_sm.c: silent-mirroring rules per event. */
void chk_sample(mc_spi_trace *t, uint32_t old, uint32_t now, const uint32_t *drive);
void chk_event(mc_spi_trace *t, const mc_spi_ev *e);
void chk_finish(mc_spi_trace *t);
void chk_sm_init(sm_ctx *s);
uint8_t chk_expected_driver(const mc_spi_trace *t);

#endif
