/* The host adapter's state, shared by host.c (connections) and host_ops.c (what each op sends). */
#ifndef MC_SPI_HOST_INTERNAL_H
#define MC_SPI_HOST_INTERNAL_H

#include "spi_dev.h"
#include "spi_internal.h"

enum host_state {
    H_IDLE, H_ARB, H_SEL_DESKEW, H_SEL_WAIT_BSY, H_SEL_RELEASE, H_CONN, H_WAIT_RESEL,
    H_RESEL_SETTLE, H_RESEL_WAIT_SELFREE, H_RESET,
};

struct mc_spi_host {
    mc_spi_bus *bus;
    mc_spi_host_config cfg;
    unsigned id;
    int st;
    mc_spi_arb arb;
    mc_spi_op *ops;
    size_t nops, capops, cur;
    bool started;
    uint64_t t_first, t_last;
    int gid_of[MC_SPI_MAX_ID];
    bool sync_agreed[MC_SPI_MAX_ID];
    /* connection */
    unsigned target;
    bool atn;
    bool req_seen, resp_pending, nack_pending;
    uint8_t mo[2 * MC_MSG_MAX];
    size_t mo_len, mo_pos;
    uint8_t cdb[MC_CDB_MAX];
    size_t cdb_len, cdb_pos;
    const uint8_t *dout;
    size_t dout_len, dout_pos;
    uint8_t *din;
    size_t din_len, din_pos;
    uint8_t mi[MC_MSG_MAX];
    size_t mi_len;
    uint8_t status;
    bool got_status, got_cc, got_disc, released;
    /* silent op progress */
    unsigned sm_idx;
    bool release_sent;
    unsigned statuses_due;
    bool resel_conn;         /* the connection came from a reselection */
};

/* host_ops.c */
void host_prepare(mc_spi_host *h, mc_spi_op *op);       /* MO bytes, CDB, data of a new op */
bool host_block_end(mc_spi_host *h, mc_spi_op *op);     /* after a silent block: next MO ready? */
void host_mi(mc_spi_host *h, mc_spi_op *op);            /* a complete MESSAGE IN */
void host_conn_over(mc_spi_host *h, mc_spi_op *op);     /* BUS FREE after a connection */
void host_op_finish(mc_spi_host *h, mc_spi_op *op, int state, const char *why);
int host_position(const mc_spi_op *op, unsigned target);
/* host.c */
void host_next_op(mc_spi_host *h);
void host_wait_resel(mc_spi_host *h);
void host_mo_put(mc_spi_host *h, const uint8_t *m, size_t n);

#endif
