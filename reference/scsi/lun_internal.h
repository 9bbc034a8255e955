/* What the files of mc_scsi share: the LU state, one command in flight, the opcode table's row
 * type and the helpers every handler uses. Not part of the public API (lun.h). */
#ifndef MC_SCSI_LUN_INTERNAL_H
#define MC_SCSI_LUN_INTERNAL_H

#include "lun.h"

#define MC_T10_VENDOR_LEN 8u     /* SPC-4 6.6.2 standard INQUIRY field widths */
#define MC_PRODUCT_LEN 16u
#define MC_REVISION_LEN 4u
#define MC_SERIAL_MAX 64u        /* our own bound on the VPD 0x80 product serial number */

/* Limits advertised in the Block Limits VPD page (SBC-3 6.5.3) and enforced by the handlers. */
#define MC_MAX_XFER_BYTES (8u * 1024u * 1024u)   /* one READ/WRITE moves at most this */
#define MC_MAX_CAW_BLOCKS 64u                    /* COMPARE AND WRITE: blocks per command */
#define MC_MAX_WS_BYTES MC_MAX_XFER_BYTES        /* WRITE SAME covers what one WRITE may */
#define MC_MAX_UNMAP_BYTES (64u * 1024u * 1024u) /* one UNMAP deallocates at most this */
#define MC_MAX_UNMAP_DESCRIPTORS 64u
#define MC_LBA_STATUS_SCAN_BYTES (1024u * 1024u) /* GET LBA STATUS looks this far ahead */
#define MC_CMD_TIMEOUT_S 30u     /* nominal command timeout reported with RCTD (SPC-4 6.33) */

#define MC_LUN_ID_MAX 0x3fffu    /* flat space addressing holds a 14-bit LUN (SAM-5 4.7.7) */

struct mc_lun {
    mc_store *store;             /* one reference, dropped by mc_lun_close */
    uint64_t blocks;
    uint32_t block_size;
    bool stopped;                /* START STOP UNIT with START=0 (SBC-3 5.25) */
    char vendor[MC_T10_VENDOR_LEN];
    char product[MC_PRODUCT_LEN];
    char revision[MC_REVISION_LEN];
    char serial[MC_SERIAL_MAX + 1];
    uint64_t naa_id;
    const mc_lun_set *set;       /* the set holding this LU, for REPORT LUNS; NULL when alone */
};

struct mc_cdb_op;

/* One command: the CDB, its buffers and the fields the plan decoded for the execution. */
typedef struct mc_cmd {
    const uint8_t *cdb;
    size_t cdb_len;
    const struct mc_cdb_op *op;
    const mc_lun_set *set;       /* answers REPORT LUNS; may be NULL */
    const uint8_t *out;
    size_t out_len;
    uint8_t *in;
    size_t in_cap;
    uint64_t lba;                /* decoded by block commands' plans */
    uint32_t blocks;
    uint32_t alloc;              /* allocation length of commands returning parameter data */
    uint32_t out_need;           /* data-out bytes the command needs, from the plan */
} mc_cmd;

/* A plan decodes and checks the CDB (lun may be NULL only for MC_OP_ANY_LUN rows); an exec runs
 * a command whose plan succeeded and fills res. */
typedef int (*mc_plan_fn)(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
typedef void (*mc_exec_fn)(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

enum mc_op_flags {
    MC_OP_SA = 0x01,       /* the opcode carries a service action in CDB byte 1, bits 4-0 */
    MC_OP_MEDIUM = 0x02,   /* touches the medium: NOT READY while the unit is stopped */
    MC_OP_ANY_LUN = 0x04,  /* answered even for a LUN with no LU behind it (SPC-4 4.6.20) */
};

/* One row of the single opcode table: dispatch, CDB checks and REPORT SUPPORTED OPERATION
 * CODES all read it. usage[] is the CDB usage data (SPC-4 6.33.3): bits the device server
 * evaluates; any other bit set in a CDB is INVALID FIELD IN CDB. */
typedef struct mc_cdb_op {
    uint8_t opcode;
    uint8_t sa;
    uint8_t flags;
    uint8_t cdb_len;
    uint8_t usage[MC_CDB_MAX];
    mc_plan_fn plan;
    mc_exec_fn exec;
} mc_cdb_op;

#define MC_SA_MASK 0x1fu   /* service action field, CDB byte 1 (SPC-4 4.2.5.2) */

const mc_cdb_op *mc_cdb_table(size_t *count);
bool mc_cdb_opcode_has_sa(uint8_t opcode);
/* The row for opcode (and sa, when the opcode has service actions); NULL when unsupported. */
const mc_cdb_op *mc_cdb_find(uint8_t opcode, uint8_t sa);

/* Shared planning and execution for lun.c and lunset.c. */
int mc_dispatch_plan(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_dispatch_execute(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

/* Result and sense helpers (sense.c). */
void mc_result_good(mc_scsi_result *res);
/* INVALID FIELD IN CDB with the sense-key specific field pointer (byte, bit; bit > 7 = none). */
void mc_sense_cdb_field(mc_scsi_result *res, uint16_t byte, uint8_t bit);
/* INVALID FIELD IN PARAMETER LIST with a field pointer into the data-out buffer. */
void mc_sense_param_field(mc_scsi_result *res, uint16_t byte, uint8_t bit);
/* Sense with the INFORMATION field; VALID=1 only when the value fits its 4 bytes (SPC-4 4.5.3). */
void mc_sense_info(mc_scsi_result *res, uint8_t key, uint16_t asc_ascq, uint64_t info);
/* Writes fixed or descriptor format sense for key/asc into buf (REQUEST SENSE); returns length. */
size_t mc_sense_build(uint8_t *buf, size_t cap, bool descriptor, uint8_t key, uint16_t asc_ascq);

/* Copies a built response into the data-in buffer, truncated to the allocation length and the
 * buffer (SPC-4 4.2.5.6: never more than asked). */
void mc_reply(mc_cmd *cmd, mc_scsi_result *res, const uint8_t *buf, size_t len);

/* Block command helpers (lun.c). */
int mc_check_lba(const mc_lun *lun, uint64_t lba, uint64_t blocks, mc_scsi_result *res);
uint32_t mc_max_xfer_blocks(const mc_lun *lun);
uint32_t mc_max_ws_blocks(const mc_lun *lun);
uint32_t mc_max_unmap_blocks(const mc_lun *lun);

/* Block I/O of the handlers (lunio.c), the one place a store error becomes sense data. Each
 * returns 0, or -1 with CHECK CONDITION in res: MEDIUM ERROR with UNRECOVERED READ ERROR for a
 * read, WRITE ERROR for a write, fill or flush. A failed transfer is retried block by block,
 * which puts the first block in error in the INFORMATION field (SBC-3 error reporting; an
 * initiator completes the blocks before it), and completes a transfer whose error does not
 * recur, as a disk's own retries would. Transfers start at block lba and move len bytes (a
 * transport may offer a data-in buffer ending inside a block). */
int mc_io_read(mc_lun *lun, uint8_t *buf, uint64_t lba, size_t len, mc_scsi_result *res);
int mc_io_write(mc_lun *lun, const uint8_t *buf, uint64_t lba, size_t len, mc_scsi_result *res);
/* Fills a run of blocks with one block's pattern (WRITE SAME) or zeros when pattern is NULL. */
int mc_io_fill(mc_lun *lun, uint64_t lba, uint64_t blocks, const uint8_t *pattern,
               mc_scsi_result *res);
/* Makes written blocks durable; a failure names no block (INFORMATION not valid). */
int mc_io_flush(mc_lun *lun, mc_scsi_result *res);

#endif
