/* Fields shared by the READ/WRITE family of CDBs (SBC-3 5.x): LBA and transfer length sit at
 * the same places in READ, WRITE, VERIFY, WRITE AND VERIFY, PRE-FETCH, SYNCHRONIZE CACHE and
 * WRITE SAME of one CDB size. */
#include "bytes.h"
#include "handlers.h"

#define PROTECT_MASK 0xe0u   /* RDPROTECT / WRPROTECT / VRPROTECT, CDB byte 1 bits 7-5 */
#define PROTECT_TOP_BIT 7u
#define CDB6_LBA_HIGH 0x1fu  /* 21-bit LBA of the 6-byte CDBs */
#define CDB6_SIZE 6u
#define LBA_AT 2u            /* every size: the LBA starts at byte 2 (byte 1 in CDB6) */
#define CDB6_LEN_AT 4u       /* TRANSFER LENGTH offsets per CDB size */
#define CDB10_LEN_AT 7u
#define CDB12_LEN_AT 6u
#define CDB16_LEN_AT 10u

void mc_block_decode(const uint8_t *cdb, uint8_t cdb_len, mc_block_fields *f)
{
    switch (cdb_len) {
    case CDB6_SIZE:
        f->lba = ((uint32_t)(cdb[1] & CDB6_LBA_HIGH) << 16) | mc_be16(cdb + LBA_AT);
        f->len_byte = CDB6_LEN_AT;
        f->blocks = cdb[f->len_byte];
        break;
    case 10:
        f->lba = mc_be32(cdb + LBA_AT);
        f->len_byte = CDB10_LEN_AT;
        f->blocks = mc_be16(cdb + f->len_byte);
        break;
    case 12:
        f->lba = mc_be32(cdb + LBA_AT);
        f->len_byte = CDB12_LEN_AT;
        f->blocks = mc_be32(cdb + f->len_byte);
        break;
    default:
        f->lba = mc_be64(cdb + LBA_AT);
        f->len_byte = CDB16_LEN_AT;
        f->blocks = mc_be32(cdb + f->len_byte);
        break;
    }
}

int mc_check_protect(const uint8_t *cdb, uint8_t cdb_len, mc_scsi_result *res)
{
    /* SBC-3 5.x: a non-zero protect field on an LU formatted without protection information
     * is INVALID FIELD IN CDB (the 6-byte CDBs have no such field). */
    if (cdb_len > CDB6_SIZE && (cdb[1] & PROTECT_MASK)) {
        mc_sense_cdb_field(res, 1, PROTECT_TOP_BIT);
        return -1;
    }
    return 0;
}

void mc_plan_data_in(mc_cmd *cmd, mc_scsi_plan *plan, uint32_t alloc)
{
    cmd->alloc = alloc;
    plan->dir = alloc ? MC_XFER_FROM_DEV : MC_XFER_NONE;
    plan->length = alloc;
}
