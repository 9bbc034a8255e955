/* One block-device logical unit (SBC-3/SPC-4 subset) on any store (store.h), and a set of them
 * behind one target. Transport-neutral: iSCSI, the SPI bus simulator and the VSAN node all
 * execute CDBs here. */
#ifndef MC_SCSI_LUN_H
#define MC_SCSI_LUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define MC_SENSE_LEN 18u          /* fixed-format sense data (SPC-4 4.5.3) */
#define MC_CDB_MAX 16u
#define MC_LUN_MAX_SETS 256u

/* SAM-5 status codes. */
enum mc_scsi_status {
    MC_SAM_GOOD = 0x00,
    MC_SAM_CHECK_CONDITION = 0x02,
    MC_SAM_BUSY = 0x08,
    MC_SAM_RESERVATION_CONFLICT = 0x18,
    MC_SAM_TASK_SET_FULL = 0x28,
    MC_SAM_TASK_ABORTED = 0x40,
};

/* Sense keys (SPC-4 table 27). */
enum mc_sense_key {
    MC_SK_NO_SENSE = 0x0,
    MC_SK_NOT_READY = 0x2,
    MC_SK_MEDIUM_ERROR = 0x3,
    MC_SK_HARDWARE_ERROR = 0x4,
    MC_SK_ILLEGAL_REQUEST = 0x5,
    MC_SK_UNIT_ATTENTION = 0x6,
    MC_SK_DATA_PROTECT = 0x7,
    MC_SK_ABORTED_COMMAND = 0xb,
    MC_SK_MISCOMPARE = 0xe,
};

/* Additional sense code and qualifier pairs, as (ASC << 8) | ASCQ. */
enum mc_asc {
    MC_ASC_NONE = 0x0000,
    MC_ASC_INVALID_OPCODE = 0x2000,
    MC_ASC_LBA_OUT_OF_RANGE = 0x2100,
    MC_ASC_INVALID_FIELD_IN_CDB = 0x2400,
    MC_ASC_LUN_NOT_SUPPORTED = 0x2500,
    MC_ASC_INVALID_FIELD_IN_PARAM = 0x2600,
    MC_ASC_WRITE_ERROR = 0x0c00,
    MC_ASC_UNRECOVERED_READ = 0x1100,
    MC_ASC_MISCOMPARE_VERIFY = 0x1d00,
    MC_ASC_POWER_ON_RESET = 0x2900,
    MC_ASC_NOT_READY_STOPPED = 0x0402,  /* initializing command required */
    MC_ASC_DATA_PHASE_ERROR = 0x4b00,
    MC_ASC_CMD_ABORTED_BY_TMF = 0x4700,  /* used with ABORTED COMMAND by transports */
    MC_ASC_PARAM_LIST_LENGTH = 0x1a00,   /* PARAMETER LIST LENGTH ERROR */
    MC_ASC_SAVING_PARAMS_UNSUPPORTED = 0x3900,
};

typedef enum mc_xfer_dir { MC_XFER_NONE = 0, MC_XFER_FROM_DEV = 1, MC_XFER_TO_DEV = 2 } mc_xfer_dir;

/* What a CDB asks the transport to move, decided before any data moves. */
typedef struct mc_scsi_plan {
    mc_xfer_dir dir;
    uint32_t length;  /* bytes the CDB moves (for reads: the allocation/transfer length) */
} mc_scsi_plan;

/* The outcome of one command. */
typedef struct mc_scsi_result {
    uint8_t status;
    uint8_t sense[MC_SENSE_LEN];
    size_t sense_len;     /* 0 unless status is CHECK CONDITION */
    size_t data_in_len;   /* bytes the command returned into the data-in buffer */
} mc_scsi_result;

typedef struct mc_lun mc_lun;

typedef struct mc_lun_config {
    mc_store *store;          /* the LU's store: mc_lun_open takes this reference when it
                                 succeeds (on failure the caller keeps it) */
    const char *path;         /* without a store: a file store on path, created/extended to
                                 size; neither store nor path: a memory store of size bytes */
    uint64_t size;            /* bytes; 0 = the store's (or the file's) size; at most the
                                 store's size */
    uint32_t block_size;      /* 512 when 0 */
    const char *vendor;       /* INQUIRY T10 vendor (8), product (16), revision (4) */
    const char *product;
    const char *revision;
    const char *serial;       /* unit serial number, VPD 0x80 */
    uint64_t naa_id;          /* NAA-6 designator low 64 bits, VPD 0x83 (unique per LU) */
} mc_lun_config;

int mc_lun_open(mc_lun **out, const mc_lun_config *cfg, char *err, size_t errlen);
void mc_lun_close(mc_lun *lun);  /* drops the LU's reference to its store */
/* The LU's store, valid until mc_lun_close: a transport reaches it to fail or heal it (store.h).
 * Reading or writing the store directly is safe: the LU keeps no copy of its data. */
mc_store *mc_lun_store(mc_lun *lun);
uint64_t mc_lun_blocks(const mc_lun *lun);
uint32_t mc_lun_block_size(const mc_lun *lun);

/* Decodes the CDB: direction and length, or a CHECK CONDITION in *res (then returns -1). */
int mc_lun_plan(mc_lun *lun, const uint8_t *cdb, size_t cdb_len, mc_scsi_plan *plan,
                mc_scsi_result *res);
/* Executes the CDB. data_out holds what the initiator sent (writes); data_in receives up to
 * data_in_cap bytes (reads). Always fills *res; returns 0. A WRITE given fewer bytes than its
 * plan stores the whole blocks received (the transport reports the residual); commands that
 * compare or replicate data-out (VERIFY with BYTCHK, COMPARE AND WRITE, WRITE SAME) need all of
 * it and otherwise end in ABORTED COMMAND / DATA PHASE ERROR. Calls on one LU must not overlap. */
int mc_lun_execute(mc_lun *lun, const uint8_t *cdb, size_t cdb_len, const uint8_t *data_out,
                   size_t data_out_len, uint8_t *data_in, size_t data_in_cap, mc_scsi_result *res);
/* Raw access for mirror consistency checks and recovery: bytes at a byte offset within the LU.
 * 0, -EINVAL outside the LU, or the store's negative errno. */
int mc_lun_pread(mc_lun *lun, void *buf, size_t len, uint64_t off);
int mc_lun_pwrite(mc_lun *lun, const void *buf, size_t len, uint64_t off);

/* Fills fixed-format sense data and sets CHECK CONDITION. */
void mc_scsi_set_sense(mc_scsi_result *res, uint8_t key, uint16_t asc_ascq);
uint8_t mc_scsi_sense_key(const mc_scsi_result *res);
uint16_t mc_scsi_sense_asc(const mc_scsi_result *res);

/* The logical units behind one target, by LUN number; answers REPORT LUNS and unknown LUNs. */
typedef struct mc_lun_set mc_lun_set;
mc_lun_set *mc_lun_set_new(void);
void mc_lun_set_free(mc_lun_set *set);        /* closes every LU it holds */
int mc_lun_set_add(mc_lun_set *set, uint16_t lun, mc_lun *lu);  /* takes ownership; -1 if taken
                                                                   (then the caller keeps lu) */
mc_lun *mc_lun_set_get(const mc_lun_set *set, uint16_t lun);
size_t mc_lun_set_count(const mc_lun_set *set);
int mc_lun_set_plan(mc_lun_set *set, uint16_t lun, const uint8_t *cdb, size_t cdb_len,
                    mc_scsi_plan *plan, mc_scsi_result *res);
int mc_lun_set_execute(mc_lun_set *set, uint16_t lun, const uint8_t *cdb, size_t cdb_len,
                       const uint8_t *data_out, size_t data_out_len, uint8_t *data_in,
                       size_t data_in_cap, mc_scsi_result *res);

/* SAM LUN encoding in the 8-byte iSCSI LUN field (single-level, peripheral/flat addressing). */
uint64_t mc_lun_encode(uint16_t lun);
#define MC_LUN_INVALID 0xffffu  /* mc_lun_decode: not a single-level peripheral/flat LUN */
uint16_t mc_lun_decode(uint64_t field);

#endif
