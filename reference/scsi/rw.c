/* READ, WRITE, WRITE AND VERIFY and ORWRITE in their 6/10/12/16-byte forms (SBC-3 5.x). */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define CDB6_ZERO_MEANS 256u  /* READ(6)/WRITE(6): transfer length 0 means 256 blocks */
#define FUA_BIT 0x08u
#define BYTCHK_SHIFT 1u
#define BYTCHK_MASK 0x03u
#define BYTCHK_TOP_BIT 2u
#define NO_BIT 8u

/* LBA range, transfer limit and protection check of every block transfer. */
static int plan_blocks(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res,
                       mc_xfer_dir dir)
{
    mc_block_fields f;

    mc_block_decode(cmd->cdb, cmd->op->cdb_len, &f);
    if (cmd->op->cdb_len == 6 && f.blocks == 0)
        f.blocks = CDB6_ZERO_MEANS;
    if (mc_check_protect(cmd->cdb, cmd->op->cdb_len, res) < 0 ||
        mc_check_lba(lun, f.lba, f.blocks, res) < 0)
        return -1;
    if (f.blocks > mc_max_xfer_blocks(lun)) {
        mc_sense_cdb_field(res, f.len_byte, NO_BIT);
        return -1;
    }
    cmd->lba = f.lba;
    cmd->blocks = f.blocks;
    plan->length = f.blocks * lun->block_size;  /* bounded by MC_MAX_XFER_BYTES */
    plan->dir = plan->length ? dir : MC_XFER_NONE;
    if (dir == MC_XFER_TO_DEV)
        cmd->out_need = plan->length;
    return 0;
}

int mc_plan_read(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    return plan_blocks(lun, cmd, plan, res, MC_XFER_FROM_DEV);
}

int mc_plan_write(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    return plan_blocks(lun, cmd, plan, res, MC_XFER_TO_DEV);
}

int mc_plan_write_verify(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    /* SBC-3 5.34: BYTCHK 0 verifies the medium, 1 compares with the data written. */
    if (((cmd->cdb[1] >> BYTCHK_SHIFT) & BYTCHK_MASK) > 1) {
        mc_sense_cdb_field(res, 1, BYTCHK_TOP_BIT);
        return -1;
    }
    return plan_blocks(lun, cmd, plan, res, MC_XFER_TO_DEV);
}

void mc_exec_read(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    size_t len = (size_t)cmd->blocks * lun->block_size;

    if (len > cmd->in_cap)
        len = cmd->in_cap;  /* the transport offered less: return what fits */
    if (mc_io_read(lun, cmd->in, cmd->lba, len, res) == 0)
        res->data_in_len = len;
}

/* Whole blocks of data-out actually received: a transport that delivered less than the CDB
 * asked for (iSCSI EDTL below the transfer length) gets those written and a residual. */
static uint32_t blocks_received(const mc_lun *lun, const mc_cmd *cmd)
{
    size_t have = cmd->out_len < cmd->out_need ? cmd->out_len : cmd->out_need;
    return (uint32_t)(have / lun->block_size);
}

static int write_blocks(mc_lun *lun, mc_cmd *cmd, const uint8_t *data, uint32_t blocks,
                        mc_scsi_result *res)
{
    if (mc_io_write(lun, data, cmd->lba, (size_t)blocks * lun->block_size, res) < 0)
        return -1;
    /* FUA: the data must be on the medium before status (SBC-3 5.39). */
    if (cmd->op->cdb_len > 6 && (cmd->cdb[1] & FUA_BIT))
        return mc_io_flush(lun, res);
    return 0;
}

void mc_exec_write(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    write_blocks(lun, cmd, cmd->out, blocks_received(lun, cmd), res);
}

void mc_exec_write_verify(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    uint32_t blocks = blocks_received(lun, cmd);
    size_t len = (size_t)blocks * lun->block_size;
    uint8_t *back;

    if (write_blocks(lun, cmd, cmd->out, blocks, res) < 0 || len == 0)
        return;
    /* Read back what was written: medium verification (BYTCHK 0) and byte compare (BYTCHK 1)
     * both need the blocks readable, the compare also needs them equal. */
    back = malloc(len);
    if (!back) {
        mc_scsi_set_sense(res, MC_SK_HARDWARE_ERROR, MC_ASC_NONE);
        return;
    }
    if (mc_io_read(lun, back, cmd->lba, len, res) == 0 &&
        ((cmd->cdb[1] >> BYTCHK_SHIFT) & BYTCHK_MASK)) {
        for (size_t i = 0; i < len; i++) {
            if (back[i] != cmd->out[i]) {
                mc_sense_info(res, MC_SK_MISCOMPARE, MC_ASC_MISCOMPARE_VERIFY, i);
                break;
            }
        }
    }
    free(back);
}

void mc_exec_orwrite(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    uint32_t blocks = blocks_received(lun, cmd);
    size_t len = (size_t)blocks * lun->block_size;
    uint8_t *cur;

    if (len == 0)
        return;
    cur = malloc(len);
    if (!cur) {
        mc_scsi_set_sense(res, MC_SK_HARDWARE_ERROR, MC_ASC_NONE);
        return;
    }
    /* SBC-3 5.10: ORWRITE stores the bitwise OR of the medium and the data-out buffer. */
    if (mc_io_read(lun, cur, cmd->lba, len, res) == 0) {
        for (size_t i = 0; i < len; i++)
            cur[i] |= cmd->out[i];
        write_blocks(lun, cmd, cur, blocks, res);
    }
    free(cur);
}
