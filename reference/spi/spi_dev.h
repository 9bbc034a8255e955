/* Devices on the simulated bus: the host adapter (initiator) and disk targets on the LUN core,
 * conventional and silent mirroring (001, 003), and the mutants that each break one claim. */
#ifndef MC_SPI_DEV_H
#define MC_SPI_DEV_H

#include "lun.h"
#include "mutant.h"
#include "spi_bus.h"
#include "spi_msg.h"

/* Mutants: switches that each break one claim element, rows in the common format of
 * reference/common/mutant.h plus the two columns the simulator needs:
 * X(ID, "name", "roles", "clause", "what it breaks", SIDE, "checker rule"). ROLES are the spi
 * vectors' roles that catch it; SIDE is the device that takes it (HOST, the host adapter, or
 * TARGET, every disk); the checker rule (mc_spi_check_find) flags it on the wire. */
#define MC_SPI_MUTANTS(X) \
    X(LEADER_DROPS_BSY, "leader-drops-bsy", "bus-leader bus-participant bus-target", "001:2 001:3 001:12 001:13", \
      "the leader releases BSY when it hands the phase lines over", TARGET, "sm_bus_free_in_op") \
    X(PARTICIPANT_NO_PHASE, "participant-no-phase", "bus-participant bus-target", "001:5 001:15", \
      "a participant REQs its block without driving the phase lines", TARGET, "req_without_phase_lines") \
    X(NO_STATUS_RESELECT, "no-status-reselect", "bus-target", "001:9 001:19", \
      "participants after the leader never reselect to return status", TARGET, "sm_status_missing") \
    X(LEADER_KEEPS_BSY, "leader-keeps-bsy", "bus-leader bus-target", "001:4 001:14", \
      "the leader ignores the release message and keeps BSY", TARGET, "sm_release_no_bus_free") \
    X(IGNORE_GROUP, "ignore-group", "bus-target", "001:7 001:17", \
      "a participant answers to its ID nibble in any group", TARGET, "two_drivers") \
    X(STATUS_ORDER, "status-order", "bus-target", "001:9 001:19", \
      "participants reselect for status in ID priority, not in transfer order", TARGET, "sm_status_order") \
    X(BAD_PARITY, "bad-parity", "bus-target", "SPI:parity", \
      "the target drives even parity on DB(P)", TARGET, "parity") \
    X(NO_LAST, "no-last-indicator", "bus-host", "001:8 001:18", \
      "the switch-role message for the final participant lacks the last indicator", HOST, "sm_no_last_indicator") \
    X(SELECT_PARTICIPANT, "select-participant", "bus-host", "001:1 001:11 001:20", \
      "each participant gets its block through its own selection (a nexus)", HOST, "sm_participant_selected") \
    X(WRONG_GID, "wrong-gid", "bus-host", "001:7 001:17", \
      "switch-role messages carry the SCSI ID instead of the assigned group/ID", HOST, "sm_unassigned_gid") \
    X(NO_RELEASE, "no-release", "bus-host", "001:4 001:14", \
      "the host never sends the release message", HOST, "sm_no_release")

/* Row index + 1 of each mutant (as mc_mutant_lookup counts); 0 is the conformant device. */
enum mc_spi_mutant_index {
    MC_SPI_MUTANT_NONE = 0,
#define MC_SPI_MUTANT_INDEX(id, name, roles, clause, what, side, rule) MC_SPI_MUTANT_##id,
    MC_SPI_MUTANTS(MC_SPI_MUTANT_INDEX)
#undef MC_SPI_MUTANT_INDEX
    MC_SPI_MUTANT_COUNT
};
/* The switch bit of each mutant, as the devices' configurations carry them. */
enum mc_spi_mutant {
#define MC_SPI_MUTANT_BIT(id, name, roles, clause, what, side, rule) MC_MUT_##id = 1u << (MC_SPI_MUTANT_##id - 1),
    MC_SPI_MUTANTS(MC_SPI_MUTANT_BIT)
#undef MC_SPI_MUTANT_BIT
};
enum mc_spi_side { MC_SPI_SIDE_TARGET, MC_SPI_SIDE_HOST };

/* The table in the common format, MC_SPI_MUTANT_COUNT - 1 rows. */
extern const mc_mutant_def mc_spi_mutants[];
extern const size_t mc_spi_nmutants;
/* Row i's switch bit, side (enum mc_spi_side) and checker rule. */
unsigned mc_spi_mutant_bit(size_t i);
int mc_spi_mutant_side(size_t i);
const char *mc_spi_mutant_rule(size_t i);

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
