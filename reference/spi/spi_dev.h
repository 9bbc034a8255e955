/* Devices on the simulated bus: the host adapter (initiator) and disk targets on the LUN core,
 * conventional and silent mirroring (001, 003), and the mutants that each break one claim. */
#ifndef MC_SPI_DEV_H
#define MC_SPI_DEV_H

#include "lun.h"
#include "spi_bus.h"
#include "spi_msg.h"

/* Mutant switches: each breaks one claim element (table in mutants.c). */
enum mc_spi_mutant {
    MC_MUT_LEADER_DROPS_BSY = 1u << 0,
    MC_MUT_PARTICIPANT_NO_PHASE = 1u << 1,
    MC_MUT_NO_STATUS_RESELECT = 1u << 2,
    MC_MUT_LEADER_KEEPS_BSY = 1u << 3,
    MC_MUT_IGNORE_GROUP = 1u << 4,
    MC_MUT_STATUS_ORDER = 1u << 5,
    MC_MUT_BAD_PARITY = 1u << 6,
    MC_MUT_NO_LAST = 1u << 8,          /* host mutants from here */
    MC_MUT_SELECT_PARTICIPANT = 1u << 9,
    MC_MUT_WRONG_GID = 1u << 10,
    MC_MUT_NO_RELEASE = 1u << 11,
};
typedef struct mc_spi_mutant_info {
    unsigned bit;
    const char *name;
    const char *side;    /* "target" or "host" */
    const char *claims;
    const char *what;
    const char *caught_by;   /* the checker rule (mc_spi_check_find) that flags it */
} mc_spi_mutant_info;
extern const mc_spi_mutant_info mc_spi_mutants[];
extern const size_t mc_spi_mutant_count;
const mc_spi_mutant_info *mc_spi_mutant_find(const char *name);

/* ---- disk target ---- */
typedef struct mc_spi_disk mc_spi_disk;
typedef struct mc_spi_disk_config {
    unsigned id;
    mc_lun_set *luns;          /* borrowed; outlives the disk */
    bool silent_capable;       /* answers the discovery query and takes part in silent mirroring */
    bool accept_raw;           /* also understands the literal Table 1 bytes */
    bool disconnect;           /* SAVE DATA POINTER + DISCONNECT before status, then reselects */
    uint64_t media_ns;         /* time between disconnect and reselection */
    unsigned mutants;
    size_t max_xfer;           /* largest data phase accepted, bytes; 0 = 4 MiB */
} mc_spi_disk_config;

int mc_spi_disk_new(mc_spi_disk **out, mc_spi_bus *bus, const mc_spi_disk_config *cfg, char *err,
                    size_t errlen);
void mc_spi_disk_free(mc_spi_disk *d);
void mc_spi_disk_fail_writes(mc_spi_disk *d, unsigned n); /* next n writes: MEDIUM ERROR */
int mc_spi_disk_gid(const mc_spi_disk *d);               /* -1 before discovery */
typedef struct mc_spi_disk_stats {
    unsigned selections, reselections, commands, sm_blocks, sm_leads, parity_errors, rejects, timeouts;
} mc_spi_disk_stats;
mc_spi_disk_stats mc_spi_disk_stats_get(const mc_spi_disk *d);

/* ---- host adapter ---- */
typedef struct mc_spi_host mc_spi_host;
enum mc_spi_retransfer {
    MC_RETX_NONE,
    MC_RETX_LEADER_LAST, /* repeat from the leader, ending at the failed one (last indicator) */
    MC_RETX_REGROUP,     /* the failed targets form the group, the first failed one leads */
    MC_RETX_PLAIN,       /* an ordinary selection and WRITE to each failed target */
};
typedef struct mc_spi_host_config {
    unsigned id;               /* 7 by convention */
    bool raw;                  /* send the silent messages as the literal Table 1 bytes */
    unsigned mutants;
    int retransfer;            /* enum mc_spi_retransfer */
    uint64_t wait_ns;          /* longest wait for any bus event; 0 = selection time-out */
} mc_spi_host_config;

enum mc_spi_op_kind { MC_OP_NEGOTIATE, MC_OP_DISCOVER, MC_OP_WRITE, MC_OP_READ, MC_OP_SILENT };
enum mc_spi_op_state { MC_OP_QUEUED, MC_OP_OK, MC_OP_FAILED };
typedef struct mc_spi_op {
    int kind;
    int state;
    uint8_t target;            /* leader for silent */
    uint8_t lun;
    uint32_t lba;
    uint32_t blocks;
    uint32_t block_size;
    const uint8_t *data;       /* borrowed: blocks * block_size bytes (writes) */
    uint8_t *rdata;            /* borrowed: read destination */
    uint8_t gid;               /* discover: group/ID to assign */
    bool last;                 /* discover: last drive of the group */
    uint8_t order[MC_SPI_MAX_ID]; /* silent: participants in transfer order, order[0] leads */
    unsigned n;
    bool status_now;           /* silent: participants reselect for status after this op */
    bool retransfer;           /* queued by the host to repeat failed mirrors */
    bool no_atn;               /* write/read: select without ATN, no IDENTIFY (LUN 0) */
    /* results */
    uint8_t status;            /* conventional: SCSI status */
    uint8_t pstatus[MC_SPI_MAX_ID]; /* silent: status per participant position */
    bool pgot[MC_SPI_MAX_ID];
    bool agreed;               /* negotiate/discover: target agreed */
    char err[128];
} mc_spi_op;

int mc_spi_host_new(mc_spi_host **out, mc_spi_bus *bus, const mc_spi_host_config *cfg, char *err,
                    size_t errlen);
void mc_spi_host_free(mc_spi_host *h);
/* Queue operations; they run in order under mc_spi_host_run. Returns the op index or -1. */
int mc_spi_host_queue(mc_spi_host *h, const mc_spi_op *op, char *err, size_t errlen);
/* Runs the bus until every queued op finished; 0, or -1 with a message if the bus went idle with
 * work left (the host's own deadlines make that a bug, not a peer's fault). */
int mc_spi_host_run(mc_spi_host *h, char *err, size_t errlen);
const mc_spi_op *mc_spi_host_op(const mc_spi_host *h, size_t idx);
size_t mc_spi_host_op_count(const mc_spi_host *h);
int mc_spi_host_gid_of(const mc_spi_host *h, unsigned target); /* from discovery, -1 if none */
uint64_t mc_spi_host_busy_ns(const mc_spi_host *h); /* sim time from first op start to last end */

/* WRITE(10) / READ(10) CDBs (SBC-3 5.40, 5.14). */
#define MC_CDB10_LEN 10u
void mc_spi_cdb_rw10(uint8_t *cdb, bool write, uint32_t lba, uint16_t blocks);

#endif
