/* WRITE SAME 10/16, UNMAP and GET LBA STATUS: unmapped blocks read zero and are reported
 * deallocated. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scsi_util.h"
#include "tap.h"

#define BLOCKS 512u
#define BS 512u

static bool range_is(mc_lun *lun, uint64_t lba, uint32_t blocks, const uint8_t *blk)
{
    uint8_t b[BS];
    for (uint32_t i = 0; i < blocks; i++) {
        mc_lun_pread(lun, b, BS, (lba + i) * BS);
        if (memcmp(b, blk, BS))
            return false;
    }
    return true;
}

static void write_same(mc_lun *lun)
{
    uint8_t cdb[16], blk[BS], zero[BS], other[BS];
    t_run r;

    memset(zero, 0, BS);
    memset(other, 0x3c, BS);
    for (size_t i = 0; i < BS; i++)
        blk[i] = (uint8_t)i;
    t_cdb10(cdb, T_WRITE_SAME10, 0, 10, 20);
    t_exec(lun, cdb, 10, blk, BS, NULL, 0, &r);
    t_good(&r, "WRITE SAME(10)");
    tap_ok(r.plan.dir == MC_XFER_TO_DEV && r.plan.length == BS, "WRITE SAME plans one block");
    tap_ok(range_is(lun, 10, 20, blk), "WRITE SAME(10) wrote the block 20 times");
    tap_ok(!range_is(lun, 30, 1, blk), "and not one more");
    t_cdb16(cdb, T_WRITE_SAME16, 0, 40, 300);
    t_exec(lun, cdb, 16, other, BS, NULL, 0, &r);
    t_good(&r, "WRITE SAME(16) over 300 blocks");
    tap_ok(range_is(lun, 40, 300, other), "WRITE SAME(16) wrote 300 blocks");
    t_cdb16(cdb, T_WRITE_SAME16, 0x01, 40, 100);  /* NDOB */
    t_exec(lun, cdb, 16, NULL, 0, NULL, 0, &r);
    t_good(&r, "WRITE SAME(16) NDOB");
    tap_ok(r.plan.dir == MC_XFER_NONE && r.plan.length == 0, "NDOB moves no data");
    tap_ok(range_is(lun, 40, 100, zero) && range_is(lun, 140, 200, other),
           "NDOB zeroed exactly its range");
    t_cdb10(cdb, T_WRITE_SAME10, 0x08, 10, 5);  /* UNMAP with a non-zero block */
    t_exec(lun, cdb, 10, blk, BS, NULL, 0, &r);
    t_good(&r, "WRITE SAME(10) UNMAP with data");
    tap_ok(range_is(lun, 10, 5, blk), "UNMAP bit with non-zero data still writes the data");
    t_cdb16(cdb, T_WRITE_SAME16, 0x08, 10, 5);
    t_exec(lun, cdb, 16, zero, BS, NULL, 0, &r);
    t_good(&r, "WRITE SAME(16) UNMAP with zeros");
    tap_ok(range_is(lun, 10, 5, zero), "unmapped blocks read zero");
    /* errors */
    t_cdb10(cdb, T_WRITE_SAME10, 0, 0, 0);
    t_exec(lun, cdb, 10, blk, BS, NULL, 0, &r);
    t_field(&r, 7, 8, "WRITE SAME(10) of 0 blocks with WSNZ");
    t_cdb10(cdb, T_WRITE_SAME10, 0, BLOCKS + 1, 0);
    t_exec(lun, cdb, 10, blk, BS, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE,
            "WRITE SAME(10) 0 blocks past end is out of range first");
    t_cdb16(cdb, T_WRITE_SAME16, 0, 0xffffffffffffffffull, 1);
    t_exec(lun, cdb, 16, blk, BS, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "WRITE SAME(16) at LBA -1");
    t_cdb10(cdb, T_WRITE_SAME10, 0, BLOCKS - 1, 2);
    t_exec(lun, cdb, 10, blk, BS, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "WRITE SAME(10) past end");
    t_cdb10(cdb, T_WRITE_SAME10, 0x20, 0, 1);
    t_exec(lun, cdb, 10, blk, BS, NULL, 0, &r);
    t_field(&r, 1, 7, "WRITE SAME(10) WRPROTECT 1");
    t_cdb10(cdb, T_WRITE_SAME10, 0x10, 0, 1);
    t_exec(lun, cdb, 10, blk, BS, NULL, 0, &r);
    t_field(&r, 1, 4, "WRITE SAME(10) ANCHOR without ANC_SUP");
    t_cdb10(cdb, T_WRITE_SAME10, 0x01, 0, 1);
    t_exec(lun, cdb, 10, blk, BS, NULL, 0, &r);
    t_field(&r, 1, 0, "WRITE SAME(10) has no NDOB bit");
    t_cdb10(cdb, T_WRITE_SAME10, 0, 0, 1);
    t_exec(lun, cdb, 10, blk, 100, NULL, 0, &r);
    t_sense(&r, MC_SK_ABORTED_COMMAND, MC_ASC_DATA_PHASE_ERROR, "WRITE SAME with short data");
    {
        mc_lun *big = t_mem_lun(20000, BS);
        t_cdb16(cdb, T_WRITE_SAME16, 0x01, 0, 16385);
        t_exec(big, cdb, 16, NULL, 0, NULL, 0, &r);
        t_field(&r, 10, 8, "WRITE SAME(16) above MAXIMUM WRITE SAME LENGTH");
        t_cdb16(cdb, T_WRITE_SAME16, 0x01, 0, 16384);
        t_exec(big, cdb, 16, NULL, 0, NULL, 0, &r);
        t_good(&r, "WRITE SAME(16) at MAXIMUM WRITE SAME LENGTH");
        mc_lun_close(big);
    }
}

static size_t unmap_list(uint8_t *p, const uint64_t *lba, const uint32_t *n, size_t count)
{
    memset(p, 0, 8 + 16 * count);
    t_put16(p, (uint16_t)(6 + 16 * count));
    t_put16(p + 2, (uint16_t)(16 * count));
    for (size_t i = 0; i < count; i++) {
        t_put64(p + 8 + 16 * i, lba[i]);
        t_put32(p + 16 + 16 * i, n[i]);
    }
    return 8 + 16 * count;
}

static void unmap(mc_lun *lun)
{
    uint8_t cdb[10], list[8 + 16 * 70], fill[BS], zero[BS];
    uint64_t lba[70];
    uint32_t n[70];
    t_run r;
    size_t len;

    memset(fill, 0xee, BS);
    memset(zero, 0, BS);
    for (uint32_t b = 0; b < 64; b++)
        mc_lun_pwrite(lun, fill, BS, (uint64_t)(400 + b) * BS);
    lba[0] = 400;
    n[0] = 4;
    lba[1] = 410;
    n[1] = 2;
    len = unmap_list(list, lba, n, 2);
    t_cdb10(cdb, T_UNMAP, 0, 0, (uint16_t)len);
    t_exec(lun, cdb, 10, list, len, NULL, 0, &r);
    t_good(&r, "UNMAP two descriptors");
    tap_ok(r.plan.dir == MC_XFER_TO_DEV && r.plan.length == len,
           "UNMAP plans the parameter list length");
    tap_ok(range_is(lun, 400, 4, zero) && range_is(lun, 410, 2, zero), "unmapped blocks read 0");
    tap_ok(range_is(lun, 404, 6, fill) && range_is(lun, 412, 1, fill), "neighbours kept");
    t_cdb10(cdb, T_UNMAP, 0, 0, 0);
    t_exec(lun, cdb, 10, NULL, 0, NULL, 0, &r);
    t_good(&r, "UNMAP with parameter list length 0");
    tap_ok(r.plan.dir == MC_XFER_NONE, "no parameter list, no data");
    lba[0] = BLOCKS;
    n[0] = 0;
    len = unmap_list(list, lba, n, 1);
    t_cdb10(cdb, T_UNMAP, 0, 0, (uint16_t)len);
    t_exec(lun, cdb, 10, list, len, NULL, 0, &r);
    t_good(&r, "UNMAP of 0 blocks at end of LUN");
    lba[0] = BLOCKS - 1;
    n[0] = 2;
    len = unmap_list(list, lba, n, 1);
    t_cdb10(cdb, T_UNMAP, 0, 0, (uint16_t)len);
    t_exec(lun, cdb, 10, list, len, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "UNMAP past end");
    /* a bad descriptor after a good one: nothing is unmapped */
    mc_lun_pwrite(lun, fill, BS, 420u * BS);
    lba[0] = 420;
    n[0] = 1;
    lba[1] = 0xffffffffffffull;
    n[1] = 1;
    len = unmap_list(list, lba, n, 2);
    t_cdb10(cdb, T_UNMAP, 0, 0, (uint16_t)len);
    t_exec(lun, cdb, 10, list, len, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "UNMAP with one bad descriptor");
    tap_ok(range_is(lun, 420, 1, fill), "a refused UNMAP deallocates nothing");
    for (size_t i = 0; i < 65; i++) {
        lba[i] = i;
        n[i] = 0;
    }
    len = unmap_list(list, lba, n, 65);
    t_cdb10(cdb, T_UNMAP, 0, 0, (uint16_t)len);
    t_exec(lun, cdb, 10, list, len, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_INVALID_FIELD_IN_PARAM,
            "UNMAP above MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT");
    tap_ok((r.res.sense[15] & 0xc0) == 0x80, "parameter-list field pointer has C/D clear");
    len = unmap_list(list, lba, n, 64);
    t_cdb10(cdb, T_UNMAP, 0, 0, (uint16_t)len);
    t_exec(lun, cdb, 10, list, len, NULL, 0, &r);
    t_good(&r, "UNMAP at the descriptor limit");
    t_cdb10(cdb, T_UNMAP, 0, 0, 4);
    t_exec(lun, cdb, 10, list, 4, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_PARAM_LIST_LENGTH, "UNMAP list shorter than header");
    t_cdb10(cdb, T_UNMAP, 0x01, 0, 0);
    t_exec(lun, cdb, 10, NULL, 0, NULL, 0, &r);
    t_field(&r, 1, 0, "UNMAP ANCHOR without ANC_SUP");
}

static void lba_status(mc_lun *lun)
{
    uint8_t cdb[16], fill[BS], in[1024];
    t_run r;

    memset(fill, 0x42, BS);
    for (uint32_t b = 0; b < 8; b++)
        mc_lun_pwrite(lun, fill, BS, (uint64_t)(480 + b) * BS);
    uint8_t zero[BS];
    memset(zero, 0, BS);
    mc_lun_pwrite(lun, zero, BS, 483u * BS);
    mc_lun_pwrite(lun, zero, BS, 484u * BS);
    t_cdb16(cdb, T_SAI16, T_SA_LBA_STATUS, 480, sizeof in);
    t_exec(lun, cdb, 16, NULL, 0, in, sizeof in, &r);
    t_good(&r, "GET LBA STATUS");
    tap_ok(r.plan.dir == MC_XFER_FROM_DEV && r.plan.length == sizeof in,
           "GET LBA STATUS plans its allocation length");
    tap_ok(r.res.data_in_len >= 8 + 4 * 16 && t_be32(in) == r.res.data_in_len - 4,
           "PARAMETER DATA LENGTH matches the descriptors returned");
    tap_ok(t_be64(in + 8) == 480 && t_be32(in + 16) == 3 && (in[20] & 0x0f) == 0,
           "first run: 3 mapped blocks at 480");
    tap_ok(t_be64(in + 24) == 483 && t_be32(in + 32) == 2 && (in[36] & 0x0f) == 1,
           "second run: 2 deallocated blocks at 483");
    tap_ok(t_be64(in + 40) == 485 && t_be32(in + 48) == 3 && (in[52] & 0x0f) == 0,
           "third run: 3 mapped blocks at 485");
    t_cdb16(cdb, T_SAI16, T_SA_LBA_STATUS, 480, 24);
    t_exec(lun, cdb, 16, NULL, 0, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 24 && t_be32(in) == 20,
           "allocation length 24 returns exactly one descriptor");
    t_cdb16(cdb, T_SAI16, T_SA_LBA_STATUS, 480, 10);
    t_exec(lun, cdb, 16, NULL, 0, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 10,
           "allocation length 10 truncates");
    t_cdb16(cdb, T_SAI16, T_SA_LBA_STATUS, BLOCKS, sizeof in);
    t_exec(lun, cdb, 16, NULL, 0, in, sizeof in, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "GET LBA STATUS at capacity");
}

int main(void)
{
    char path[PATH_MAX];
    mc_lun *lun = t_mem_lun(BLOCKS, BS);

    if (tap_ok(lun != NULL, "memory-backed LU opens")) {
        write_same(lun);
        unmap(lun);
        lba_status(lun);
        mc_lun_close(lun);
    }
    lun = t_file_lun((uint64_t)BLOCKS * BS, BS, path);
    if (tap_ok(lun != NULL, "file-backed LU opens")) {
        write_same(lun);
        unmap(lun);
        lba_status(lun);
        mc_lun_close(lun);
        unlink(path);
    }
    return tap_done();
}
