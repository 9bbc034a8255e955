/* Logical block provisioning: WRITE SAME 10/16 (SBC-3 5.41-5.42), UNMAP (SBC-3 5.28) and
 * GET LBA STATUS (SBC-3 5.8). Unmapped blocks read zero (LBPRZ), so deallocating a block is
 * writing zeros to it, and a block that reads all zeros is reported deallocated. */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "handlers.h"

#define WS16_CDB_LEN 16u
#define WS_NDOB 0x01u                 /* WRITE SAME(16): no data-out buffer, write zeros */
#define WS_UNMAP 0x08u
#define UNMAP_LEN_BYTE 7u
#define UNMAP_HEADER 8u
#define UNMAP_DESC 16u
#define UNMAP_BD_LEN_AT 2u            /* UNMAP BLOCK DESCRIPTOR DATA LENGTH in the header */
#define LBAS_LBA_BYTE 2u
#define LBAS_ALLOC_BYTE 10u
#define LBAS_HEADER 8u
#define LBAS_DESC 16u
#define LBAS_MAPPED 0x0u              /* provisioning status, SBC-3 table 40 */
#define LBAS_DEALLOCATED 0x1u
#define SCAN_CHUNK 65536u
#define NO_BIT 8u

int mc_plan_write_same(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    mc_block_fields f;
    bool ndob = cmd->op->cdb_len == WS16_CDB_LEN && (cmd->cdb[1] & WS_NDOB);

    mc_block_decode(cmd->cdb, cmd->op->cdb_len, &f);
    if (mc_check_protect(cmd->cdb, cmd->op->cdb_len, res) < 0 ||
        mc_check_lba(lun, f.lba, f.blocks, res) < 0)
        return -1;
    /* WSNZ is set in the Block Limits page: zero blocks ("to the end") is refused. */
    if (f.blocks == 0 || f.blocks > mc_max_ws_blocks(lun)) {
        mc_sense_cdb_field(res, f.len_byte, NO_BIT);
        return -1;
    }
    cmd->lba = f.lba;
    cmd->blocks = f.blocks;
    cmd->out_need = ndob ? 0 : lun->block_size;
    plan->dir = ndob ? MC_XFER_NONE : MC_XFER_TO_DEV;
    plan->length = cmd->out_need;
    return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

void mc_exec_write_same(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    const uint8_t *pattern = cmd->out_need ? cmd->out : NULL;

    if (cmd->out_len < cmd->out_need) {
        mc_scsi_set_sense(res, MC_SK_ABORTED_COMMAND, MC_ASC_DATA_PHASE_ERROR);
        return;
    }
    /* UNMAP with a zero block deallocates, which here is the same as writing the zeros; with
     * any other block SBC-3 requires the data written. */
    if ((cmd->cdb[1] & WS_UNMAP) && pattern && all_zero(pattern, lun->block_size))
        pattern = NULL;
    mc_io_fill(lun, cmd->lba, cmd->blocks, pattern, res);
}

int mc_plan_unmap(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    cmd->out_need = mc_be16(cmd->cdb + UNMAP_LEN_BYTE);
    plan->dir = cmd->out_need ? MC_XFER_TO_DEV : MC_XFER_NONE;
    plan->length = cmd->out_need;
    return 0;
}

void mc_exec_unmap(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    size_t n = cmd->out_len < cmd->out_need ? cmd->out_len : cmd->out_need;
    size_t count, bd_len;
    uint64_t total = 0;

    if (cmd->out_need == 0)
        return;  /* a zero parameter list length is not an error */
    if (n < UNMAP_HEADER) {
        mc_scsi_set_sense(res, MC_SK_ILLEGAL_REQUEST, MC_ASC_PARAM_LIST_LENGTH);
        return;
    }
    /* Descriptors beyond the received list, and a trailing partial one, are ignored. */
    bd_len = mc_be16(cmd->out + UNMAP_BD_LEN_AT);
    if (bd_len > n - UNMAP_HEADER)
        bd_len = n - UNMAP_HEADER;
    count = bd_len / UNMAP_DESC;
    if (count > MC_MAX_UNMAP_DESCRIPTORS) {
        mc_sense_param_field(res, UNMAP_BD_LEN_AT, NO_BIT);
        return;
    }
    /* Check every descriptor before deallocating any (SBC-3 5.28). */
    for (size_t i = 0; i < count; i++) {
        const uint8_t *d = cmd->out + UNMAP_HEADER + i * UNMAP_DESC;
        uint64_t lba = mc_be64(d);
        uint32_t nb = mc_be32(d + 8);

        if (lba > lun->blocks || nb > lun->blocks - lba) {
            mc_scsi_set_sense(res, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE);
            return;
        }
        total += nb;
        if (total > mc_max_unmap_blocks(lun)) {
            mc_sense_param_field(res, (uint16_t)(UNMAP_HEADER + i * UNMAP_DESC + 8), NO_BIT);
            return;
        }
    }
    for (size_t i = 0; i < count; i++) {
        const uint8_t *d = cmd->out + UNMAP_HEADER + i * UNMAP_DESC;
        uint64_t lba = mc_be64(d);
        uint32_t nb = mc_be32(d + 8);

        if (mc_io_fill(lun, lba, nb, NULL, res) < 0)
            return;
    }
}

int mc_plan_lba_status(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    uint64_t lba = mc_be64(cmd->cdb + LBAS_LBA_BYTE);

    if (mc_check_lba(lun, lba, 0, res) < 0)
        return -1;
    cmd->lba = lba;
    mc_plan_data_in(cmd, plan, mc_be32(cmd->cdb + LBAS_ALLOC_BYTE));
    return 0;
}

static void put_desc(uint8_t *p, uint64_t lba, uint64_t blocks, uint8_t status)
{
    memset(p, 0, LBAS_DESC);
    mc_put64(p, lba);
    mc_put32(p + 8, (uint32_t)blocks);
    p[12] = status;
}

void mc_exec_lba_status(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    uint32_t bs = lun->block_size;
    size_t max_desc = cmd->alloc > LBAS_HEADER + LBAS_DESC ? (cmd->alloc - LBAS_HEADER) / LBAS_DESC : 1;
    uint64_t end = cmd->lba + MC_LBA_STATUS_SCAN_BYTES / bs;
    size_t per = SCAN_CHUNK / bs, ndesc = 0;
    uint8_t *chunk = malloc(SCAN_CHUNK);
    uint8_t *out = NULL;
    uint64_t run_lba = cmd->lba, lba = cmd->lba;
    int run_status = -1;

    if (end > lun->blocks)
        end = lun->blocks;
    if (max_desc > (end - cmd->lba))
        max_desc = (size_t)(end - cmd->lba);
    out = calloc(1, LBAS_HEADER + max_desc * LBAS_DESC);
    if (!chunk || !out) {
        mc_scsi_set_sense(res, MC_SK_HARDWARE_ERROR, MC_ASC_NONE);
        goto done;
    }
    /* Runs of equal status from the requested LBA, until the descriptors or the scan end. */
    while (lba < end && ndesc < max_desc) {
        uint64_t n = end - lba < per ? end - lba : per;
        if (mc_io_read(lun, chunk, lba, (size_t)(n * bs), res) < 0)
            goto done;
        for (uint64_t i = 0; i < n && ndesc < max_desc; i++, lba++) {
            int st = all_zero(chunk + i * bs, bs) ? LBAS_DEALLOCATED : LBAS_MAPPED;
            if (run_status >= 0 && st != run_status) {
                put_desc(out + LBAS_HEADER + ndesc++ * LBAS_DESC, run_lba, lba - run_lba,
                         (uint8_t)run_status);
                run_lba = lba;
            }
            run_status = st;
        }
    }
    if (ndesc < max_desc && run_status >= 0 && lba > run_lba)
        put_desc(out + LBAS_HEADER + ndesc++ * LBAS_DESC, run_lba, lba - run_lba,
                 (uint8_t)run_status);
    mc_put32(out, (uint32_t)(LBAS_HEADER - 4 + ndesc * LBAS_DESC));
    mc_reply(cmd, res, out, LBAS_HEADER + ndesc * LBAS_DESC);
done:
    free(chunk);
    free(out);
}
