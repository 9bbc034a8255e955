/* VERIFY 10/12/16 (SBC-3 5.29-5.31) and COMPARE AND WRITE (SBC-3 5.3). */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define BYTCHK_SHIFT 1u
#define BYTCHK_MASK 0x03u
#define BYTCHK_TOP_BIT 2u
#define BYTCHK_MEDIUM 0u      /* check the medium only, no data-out */
#define BYTCHK_COMPARE 1u     /* compare every block with the data-out buffer */
#define BYTCHK_ONE_BLOCK 3u   /* compare every block with the one block sent (SBC-4) */
#define CAW_BLOCKS_BYTE 13u
#define CAW_FUA 0x08u
#define NO_BIT 8u

static unsigned bytchk(const mc_cmd *cmd) { return (cmd->cdb[1] >> BYTCHK_SHIFT) & BYTCHK_MASK; }

int mc_plan_verify(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    mc_block_fields f;
    unsigned chk = bytchk(cmd);

    mc_block_decode(cmd->cdb, cmd->op->cdb_len, &f);
    if (chk != BYTCHK_MEDIUM && chk != BYTCHK_COMPARE && chk != BYTCHK_ONE_BLOCK) {
        mc_sense_cdb_field(res, 1, BYTCHK_TOP_BIT);
        return -1;
    }
    if (mc_check_protect(cmd->cdb, cmd->op->cdb_len, res) < 0 ||
        mc_check_lba(lun, f.lba, f.blocks, res) < 0)
        return -1;
    if (f.blocks > mc_max_xfer_blocks(lun)) {
        mc_sense_cdb_field(res, f.len_byte, NO_BIT);
        return -1;
    }
    cmd->lba = f.lba;
    cmd->blocks = f.blocks;
    if (chk == BYTCHK_COMPARE)
        cmd->out_need = f.blocks * lun->block_size;
    else if (chk == BYTCHK_ONE_BLOCK && f.blocks)
        cmd->out_need = lun->block_size;
    plan->dir = cmd->out_need ? MC_XFER_TO_DEV : MC_XFER_NONE;
    plan->length = cmd->out_need;
    return 0;
}

/* A command that compares needs all of its data-out: a short buffer is a transport fault. */
static int need_all_data(const mc_cmd *cmd, mc_scsi_result *res)
{
    if (cmd->out_len < cmd->out_need) {
        mc_scsi_set_sense(res, MC_SK_ABORTED_COMMAND, MC_ASC_DATA_PHASE_ERROR);
        return -1;
    }
    return 0;
}

/* Offset of the first differing byte, or -1 when equal. */
static long first_difference(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return (long)i;
    return -1;
}

void mc_exec_verify(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    uint32_t bs = lun->block_size;
    unsigned chk = bytchk(cmd);
    uint8_t *blk;

    if (need_all_data(cmd, res) < 0 || cmd->blocks == 0)
        return;
    blk = malloc(bs);
    if (!blk) {
        mc_scsi_set_sense(res, MC_SK_HARDWARE_ERROR, MC_ASC_NONE);
        return;
    }
    for (uint32_t i = 0; i < cmd->blocks; i++) {
        uint64_t lba = cmd->lba + i;
        const uint8_t *want;
        long diff;

        if (mc_io_read(lun, blk, lba, bs, res) < 0)
            break;
        if (chk == BYTCHK_MEDIUM)
            continue;
        want = chk == BYTCHK_COMPARE ? cmd->out + (size_t)i * bs : cmd->out;
        diff = first_difference(blk, want, bs);
        if (diff >= 0) {
            /* SBC-3 5.29: INFORMATION = offset of the first miscompare in the data-out. */
            mc_sense_info(res, MC_SK_MISCOMPARE, MC_ASC_MISCOMPARE_VERIFY,
                          (chk == BYTCHK_COMPARE ? (uint64_t)i * bs : 0) + (uint64_t)diff);
            break;
        }
    }
    free(blk);
}

int mc_plan_compare_write(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    mc_block_fields f;

    mc_block_decode(cmd->cdb, cmd->op->cdb_len, &f);
    f.blocks = cmd->cdb[CAW_BLOCKS_BYTE];
    if (mc_check_protect(cmd->cdb, cmd->op->cdb_len, res) < 0)
        return -1;
    if (f.blocks > MC_MAX_CAW_BLOCKS) {
        mc_sense_cdb_field(res, CAW_BLOCKS_BYTE, NO_BIT);
        return -1;
    }
    if (mc_check_lba(lun, f.lba, f.blocks, res) < 0)
        return -1;
    cmd->lba = f.lba;
    cmd->blocks = f.blocks;
    /* The data-out holds the verify instance, then the write instance. */
    cmd->out_need = 2u * f.blocks * lun->block_size;
    plan->dir = cmd->out_need ? MC_XFER_TO_DEV : MC_XFER_NONE;
    plan->length = cmd->out_need;
    return 0;
}

void mc_exec_compare_write(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    size_t len = (size_t)cmd->blocks * lun->block_size;
    uint8_t *cur;
    long diff;

    if (need_all_data(cmd, res) < 0 || len == 0)
        return;
    cur = malloc(len);
    if (!cur) {
        mc_scsi_set_sense(res, MC_SK_HARDWARE_ERROR, MC_ASC_NONE);
        return;
    }
    /* Compare and write are one atomic step: callers serialise commands per LU. */
    if (mc_io_read(lun, cur, cmd->lba, len, res) == 0) {
        if ((diff = first_difference(cur, cmd->out, len)) >= 0)
            mc_sense_info(res, MC_SK_MISCOMPARE, MC_ASC_MISCOMPARE_VERIFY, (uint64_t)diff);
        else if (mc_io_write(lun, cmd->out + len, cmd->lba, len, res) == 0 &&
                 (cmd->cdb[1] & CAW_FUA))
            mc_io_flush(lun, res);
    }
    free(cur);
}
