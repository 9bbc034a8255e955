/* SYNCHRONIZE CACHE 10/16 (SBC-3 5.22-5.23) and PRE-FETCH 10/16 (SBC-3 5.11-5.12). The only
 * volatile cache is the store's own (a file's page cache); the LU keeps none. */
#include "handlers.h"

int mc_plan_cache_range(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    mc_block_fields f;

    mc_block_decode(cmd->cdb, cmd->op->cdb_len, &f);
    /* NUMBER OF LOGICAL BLOCKS 0 means "through the last LBA"; the LBA must still exist. */
    if (mc_check_lba(lun, f.lba, f.blocks, res) < 0)
        return -1;
    cmd->lba = f.lba;
    cmd->blocks = f.blocks;
    return 0;
}

void mc_exec_sync_cache(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    mc_io_flush(lun, res);
}

void mc_exec_prefetch(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    /* No cache of our own to load: GOOD, as for a cache too small to hold any of the range.
     * Nothing is read, so a failed store cannot fail it (SBC-3 5.11: only blocks transferred
     * to the cache are read from the medium). */
}
