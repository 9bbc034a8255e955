/* The disk target's state, shared by disk.c (connection engine) and silent.c (silent roles). */
#ifndef MC_SPI_DISK_INTERNAL_H
#define MC_SPI_DISK_INTERNAL_H

#include "spi_dev.h"
#include "spi_internal.h"

enum disk_state {
    ST_IDLE, ST_SEL_SETTLE, ST_SEL_WAIT_FREE_SEL, ST_PHASE_SETTLE, ST_ASYNC, ST_SYNC, ST_SYNC_DRAIN,
    ST_ARB, ST_RESEL_DRIVE, ST_RESEL_WAIT_BSY, ST_RESEL_DESKEW, ST_DISC_WAIT, ST_SM_WAIT_ATN,
    ST_SM_HOLD, ST_SM_TURN, ST_SM_TAKEOVER,
};
enum async_step { AX_WAIT_ACK, AX_DROP_REQ, AX_WAIT_NACK, AX_NEXT };
enum xfer_kind { X_MSG_OUT, X_COMMAND, X_DATA_OUT, X_DATA_IN, X_STATUS, X_MSG_IN };
enum next_step {
    NEXT_COMMAND, NEXT_DATA_OUT, NEXT_DATA_IN, NEXT_STATUS, NEXT_RELEASE, NEXT_DISCONNECT,
    NEXT_SM_DATA, NEXT_SM_WAIT_ATN, NEXT_SM_HANDOVER, NEXT_SM_RELEASE,
};
enum resel_purpose { RESEL_DISCONNECTED, RESEL_SM_STATUS };

typedef struct sm_state {
    int gid;                  /* assigned at discovery, -1 none */
    bool in_op;               /* between leader identification and release */
    bool leader;              /* this disk leads the current operation */
    bool active;              /* this disk drives the phase lines now */
    bool took_part;
    bool last_seen;           /* a MIRROR with the last indicator was seen in this op */
    unsigned switches;        /* MIRROR messages seen in this op (position counter) */
    unsigned position;        /* this disk's place in the transfer order */
    mc_sm_msg extent;
    uint8_t status_acc;       /* deferred status: first non-GOOD wins */
    mc_scsi_result res_acc;
    bool release_due;         /* the leader saw the release: free the bus on the timer */
    bool reporting;           /* this reselection returns the silent status */
    bool turn_pending;        /* selected while waiting for the status turn */
    bool was_busy;
    unsigned group_init;      /* the initiator that assigned the group/ID */
    unsigned frees;           /* BUS FREE phases seen since the release (status turns) */
    /* snooping MESSAGE OUT bytes of other connections */
    uint8_t snoop[MC_MSG_MAX];
    size_t snoop_len;
    bool snoop_ack;
    bool snoop_level;         /* ACK as last seen while snooping */
    bool snoop_pending;       /* a complete message waits for ACK to fall */
    mc_sm_msg pending;
} sm_state;

struct mc_spi_disk {
    mc_spi_bus *bus;
    mc_spi_disk_config cfg;
    unsigned id;
    int st;
    mc_spi_arb arb;
    int resel_purpose;
    /* transfer engine */
    int xkind;
    int ax;
    bool in;                  /* target to initiator */
    bool sync;
    const uint8_t *src;
    uint8_t *dst;
    size_t len, pos;
    uint64_t sync_t0, sync_k;
    bool sync_req_high;
    /* connection */
    unsigned init;
    uint8_t lun;
    int next;
    bool atn_at_selection;
    uint8_t cdb[MC_CDB_MAX];
    size_t cdb_len, cdb_need;
    mc_scsi_plan plan;
    mc_scsi_result res;
    uint8_t *buf;
    size_t buf_cap;
    uint8_t mo[MC_MSG_MAX];
    size_t mo_len;
    bool mo_raw;
    uint8_t mi[2 * MC_MSG_MAX];
    size_t mi_len, mi_pos;
    uint8_t status;
    bool drain_armed;         /* the wait for ACK after a synchronous phase has a deadline */
    uint8_t latched;          /* byte read at ACK, used at the end of the handshake */
    bool resel_pending;       /* selected while waiting to reselect: reselect afterwards */
    bool sync_agreed[MC_SPI_MAX_ID];
    unsigned fail_left;
    sm_state sm;
    mc_spi_disk_stats stats;
};

/* disk.c */
void disk_begin_phase(mc_spi_disk *d, uint32_t phase, int kind);
void disk_boundary(mc_spi_disk *d);
void disk_release_all(mc_spi_disk *d);
void disk_wait_limit(mc_spi_disk *d);
void disk_give_up(mc_spi_disk *d);     /* the initiator stopped answering: free the bus */
void disk_queue_mi(mc_spi_disk *d, const uint8_t *m, size_t n);
void disk_start_resel(mc_spi_disk *d, int purpose);
void disk_set_drive(mc_spi_disk *d, uint32_t set, uint32_t clear);
int disk_write_blocks(mc_spi_disk *d, uint8_t lun, uint32_t lba, uint32_t blocks, mc_scsi_result *res);
uint32_t disk_idle_watch(const mc_spi_disk *d);
/* silent.c */
bool sm_handle_mo(mc_spi_disk *d, const mc_sm_msg *m);  /* message for the connected disk */
void sm_snoop_wake(mc_spi_disk *d, uint32_t v);
void sm_wake(mc_spi_disk *d, unsigned why);             /* ST_SM_* states */
void sm_step(mc_spi_disk *d);                           /* NEXT_SM_* boundary steps */
void sm_resume_turn(mc_spi_disk *d);
void sm_data_done(mc_spi_disk *d);
void sm_after_status(mc_spi_disk *d);
void sm_reset(mc_spi_disk *d);

#endif
