/* Block I/O of the command handlers: every store access a command makes, and the sense data a
 * failed one ends in. */
#include <stdlib.h>
#include <string.h>

#include "lun_internal.h"

#define FILL_CHUNK 65536u  /* bytes per write when filling a run of blocks: our own choice, one
                              allocation that keeps a 64 MiB UNMAP at a thousand writes */

/* One store access at a byte offset; exactly one of rbuf and wbuf is set. */
static int access_store(mc_lun *lun, uint8_t *rbuf, const uint8_t *wbuf, uint64_t off,
                        size_t len)
{
    return rbuf ? mc_lun_pread(lun, rbuf, len, off) : mc_lun_pwrite(lun, wbuf, len, off);
}

/* The whole transfer, else the same block by block: 0 once every byte moved, else -1 with the
 * first block in error in *bad. */
static int transfer(mc_lun *lun, uint8_t *rbuf, const uint8_t *wbuf, uint64_t lba, size_t len,
                    uint64_t *bad)
{
    uint32_t bs = lun->block_size;
    uint64_t off = lba * bs;

    if (len == 0 || access_store(lun, rbuf, wbuf, off, len) == 0)
        return 0;
    for (size_t done = 0; done < len; done += bs) {
        size_t step = len - done < bs ? len - done : bs;
        if (access_store(lun, rbuf ? rbuf + done : NULL, wbuf ? wbuf + done : NULL, off + done,
                         step) < 0) {
            *bad = lba + done / bs;
            return -1;
        }
    }
    return 0;
}

int mc_io_read(mc_lun *lun, uint8_t *buf, uint64_t lba, size_t len, mc_scsi_result *res)
{
    uint64_t bad;

    if (transfer(lun, buf, NULL, lba, len, &bad) < 0) {
        mc_sense_info(res, MC_SK_MEDIUM_ERROR, MC_ASC_UNRECOVERED_READ, bad);
        return -1;
    }
    return 0;
}

int mc_io_write(mc_lun *lun, const uint8_t *buf, uint64_t lba, size_t len, mc_scsi_result *res)
{
    uint64_t bad;

    if (transfer(lun, NULL, buf, lba, len, &bad) < 0) {
        mc_sense_info(res, MC_SK_MEDIUM_ERROR, MC_ASC_WRITE_ERROR, bad);
        return -1;
    }
    return 0;
}

int mc_io_fill(mc_lun *lun, uint64_t lba, uint64_t blocks, const uint8_t *pattern,
               mc_scsi_result *res)
{
    uint32_t bs = lun->block_size;
    size_t per = FILL_CHUNK / bs ? FILL_CHUNK / bs : 1;  /* blocks per write */
    uint8_t *chunk = calloc(per, bs);
    int rc = 0;

    if (!chunk) {
        mc_scsi_set_sense(res, MC_SK_HARDWARE_ERROR, MC_ASC_NONE);
        return -1;
    }
    if (pattern)
        for (size_t i = 0; i < per; i++)
            memcpy(chunk + i * bs, pattern, bs);
    while (blocks > 0 && rc == 0) {
        uint64_t n = blocks < per ? blocks : per;
        rc = mc_io_write(lun, chunk, lba, (size_t)(n * bs), res);
        lba += n;
        blocks -= n;
    }
    free(chunk);
    return rc;
}

int mc_io_flush(mc_lun *lun, mc_scsi_result *res)
{
    if (mc_store_flush(lun->store) < 0) {
        mc_scsi_set_sense(res, MC_SK_MEDIUM_ERROR, MC_ASC_WRITE_ERROR);
        return -1;
    }
    return 0;
}
