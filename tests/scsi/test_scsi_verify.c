/* VERIFY 10/12/16, COMPARE AND WRITE, SYNCHRONIZE CACHE and PRE-FETCH. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scsi_util.h"
#include "tap.h"

#define BLOCKS 256u
#define BS 512u

static void pattern(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed ^ (i * 13u));
}

static void verify_cdb(uint8_t *cdb, uint8_t len, uint8_t flags, uint32_t lba, uint16_t blocks)
{
    if (len == 10) t_cdb10(cdb, T_VERIFY10, flags, lba, blocks);
    else if (len == 12) t_cdb12(cdb, T_VERIFY12, flags, lba, blocks);
    else t_cdb16(cdb, T_VERIFY16, flags, lba, blocks);
}

static void verify(mc_lun *lun)
{
    static const uint8_t lens[] = {10, 12, 16};
    uint8_t data[3 * BS], cdb[16];
    t_run r;

    pattern(data, sizeof data, 0x5a);
    mc_lun_pwrite(lun, data, sizeof data, 40u * BS);
    for (size_t i = 0; i < 3; i++) {
        uint8_t l = lens[i];
        verify_cdb(cdb, l, 0, 40, 3);
        t_exec(lun, cdb, l, NULL, 0, NULL, 0, &r);
        t_good(&r, "VERIFY BYTCHK 0");
        tap_ok(r.plan.dir == MC_XFER_NONE && r.plan.length == 0,
               "VERIFY(%u) BYTCHK 0 moves no data", l);
        verify_cdb(cdb, l, 0x02, 40, 3);
        t_exec(lun, cdb, l, data, sizeof data, NULL, 0, &r);
        t_good(&r, "VERIFY BYTCHK 1 on equal data");
        tap_ok(r.plan.dir == MC_XFER_TO_DEV && r.plan.length == sizeof data,
               "VERIFY(%u) BYTCHK 1 plans 3 blocks out", l);
        /* one byte differs in the second block */
        uint8_t bad[3 * BS];
        memcpy(bad, data, sizeof bad);
        bad[BS + 17] ^= 0x01;
        t_exec(lun, cdb, l, bad, sizeof bad, NULL, 0, &r);
        t_sense(&r, MC_SK_MISCOMPARE, MC_ASC_MISCOMPARE_VERIFY, "VERIFY BYTCHK 1 mismatch");
        tap_ok((r.res.sense[0] & 0x80) && t_be32(r.res.sense + 3) == BS + 17,
               "VERIFY(%u) miscompare: VALID and INFORMATION = offset %u", l, BS + 17);
        /* BYTCHK 0 does not compare, so a mismatching buffer is no error */
        verify_cdb(cdb, l, 0, 40, 3);
        t_exec(lun, cdb, l, bad, sizeof bad, NULL, 0, &r);
        t_good(&r, "VERIFY BYTCHK 0 ignores data");
        verify_cdb(cdb, l, 0x02, BLOCKS - 2, 3);
        t_exec(lun, cdb, l, data, sizeof data, NULL, 0, &r);
        t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "VERIFY past end");
        verify_cdb(cdb, l, 0x20, 0, 1);
        t_exec(lun, cdb, l, NULL, 0, NULL, 0, &r);
        t_field(&r, 1, 7, "VERIFY VRPROTECT 1");
        verify_cdb(cdb, l, 0x04, 0, 1);
        t_exec(lun, cdb, l, NULL, 0, NULL, 0, &r);
        t_field(&r, 1, 2, "VERIFY BYTCHK 2 (reserved)");
        verify_cdb(cdb, l, 0x10, 40, 1);
        t_exec(lun, cdb, l, NULL, 0, NULL, 0, &r);
        t_good(&r, "VERIFY with DPO");
    }
    /* BYTCHK 3: one block compared against every block of the range */
    uint8_t same[BS];
    memset(same, 0xa5, BS);
    for (uint32_t b = 0; b < 4; b++)
        mc_lun_pwrite(lun, same, BS, (uint64_t)(60 + b) * BS);
    t_cdb10(cdb, T_VERIFY10, 0x06, 60, 4);
    t_exec(lun, cdb, 10, same, BS, NULL, 0, &r);
    t_good(&r, "VERIFY(10) BYTCHK 3 over equal blocks");
    tap_is_int(r.plan.length, BS, "BYTCHK 3 plans one block out");
    same[3] = 0;
    mc_lun_pwrite(lun, same, BS, 62u * BS);
    memset(same, 0xa5, BS);
    t_exec(lun, cdb, 10, same, BS, NULL, 0, &r);
    t_sense(&r, MC_SK_MISCOMPARE, MC_ASC_MISCOMPARE_VERIFY, "BYTCHK 3 with one block differing");
    /* too little data for a compare */
    verify_cdb(cdb, 10, 0x02, 40, 3);
    t_exec(lun, cdb, 10, data, BS, NULL, 0, &r);
    t_sense(&r, MC_SK_ABORTED_COMMAND, MC_ASC_DATA_PHASE_ERROR, "VERIFY with short data-out");
    verify_cdb(cdb, 10, 0x02, 0, 0);
    t_exec(lun, cdb, 10, NULL, 0, NULL, 0, &r);
    t_good(&r, "VERIFY of 0 blocks");
    tap_ok(r.plan.dir == MC_XFER_NONE, "VERIFY of 0 blocks moves no data");
}

static void compare_and_write(mc_lun *lun)
{
    uint8_t cdb[16], buf[4 * BS], back[2 * BS];
    t_run r;

    pattern(buf, 2 * BS, 0x11);        /* verify instance = current contents */
    pattern(buf + 2 * BS, 2 * BS, 0x77);  /* write instance */
    mc_lun_pwrite(lun, buf, 2 * BS, 100u * BS);
    t_cdb16(cdb, T_CAW, 0, 100, 0);
    cdb[13] = 2;
    t_exec(lun, cdb, 16, buf, sizeof buf, NULL, 0, &r);
    t_good(&r, "COMPARE AND WRITE with matching data");
    tap_ok(r.plan.dir == MC_XFER_TO_DEV && r.plan.length == 4 * BS,
           "COMPARE AND WRITE plans verify + write instances");
    mc_lun_pread(lun, back, sizeof back, 100u * BS);
    tap_is_mem(back, buf + 2 * BS, 2 * BS, "COMPARE AND WRITE stored the write instance");
    /* now the medium holds the write instance, so the old verify data miscompares */
    uint8_t probe[4 * BS];
    memcpy(probe, back, 2 * BS);
    probe[BS + 5] ^= 0xff;
    pattern(probe + 2 * BS, 2 * BS, 0x99);
    t_exec(lun, cdb, 16, probe, sizeof probe, NULL, 0, &r);
    t_sense(&r, MC_SK_MISCOMPARE, MC_ASC_MISCOMPARE_VERIFY, "COMPARE AND WRITE mismatch");
    tap_ok((r.res.sense[0] & 0x80) && t_be32(r.res.sense + 3) == BS + 5,
           "miscompare INFORMATION is the offset of the first differing byte");
    mc_lun_pread(lun, back, sizeof back, 100u * BS);
    tap_is_mem(back, buf + 2 * BS, 2 * BS, "a miscompare writes nothing");
    cdb[13] = 0;
    t_exec(lun, cdb, 16, NULL, 0, NULL, 0, &r);
    t_good(&r, "COMPARE AND WRITE of 0 blocks");
    tap_ok(r.plan.dir == MC_XFER_NONE, "0 blocks moves no data");
    cdb[13] = 65;
    t_exec(lun, cdb, 16, NULL, 0, NULL, 0, &r);
    t_field(&r, 13, 8, "COMPARE AND WRITE above MAXIMUM COMPARE AND WRITE LENGTH");
    t_cdb16(cdb, T_CAW, 0, BLOCKS - 1, 0);
    cdb[13] = 2;
    t_exec(lun, cdb, 16, buf, sizeof buf, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "COMPARE AND WRITE past end");
    t_cdb16(cdb, T_CAW, 0x40, 100, 0);
    cdb[13] = 1;
    t_exec(lun, cdb, 16, buf, 2 * BS, NULL, 0, &r);
    t_field(&r, 1, 7, "COMPARE AND WRITE WRPROTECT 2");
    t_cdb16(cdb, T_CAW, 0x18, 100, 0);
    cdb[13] = 1;
    memcpy(probe, back, BS);
    memcpy(probe + BS, buf, BS);
    t_exec(lun, cdb, 16, probe, 2 * BS, NULL, 0, &r);
    t_good(&r, "COMPARE AND WRITE with DPO and FUA");
    t_exec(lun, cdb, 16, probe, BS, NULL, 0, &r);
    t_sense(&r, MC_SK_ABORTED_COMMAND, MC_ASC_DATA_PHASE_ERROR, "COMPARE AND WRITE short data");
}

static void cache_commands(mc_lun *lun)
{
    static const uint8_t ops[][2] = {{T_SYNC10, 10}, {T_SYNC16, 16}, {T_PREFETCH10, 10},
                                     {T_PREFETCH16, 16}};
    uint8_t cdb[16];
    t_run r;

    for (size_t i = 0; i < 4; i++) {
        uint8_t l = ops[i][1];
        if (l == 10) t_cdb10(cdb, ops[i][0], 0, 0, 0);
        else t_cdb16(cdb, ops[i][0], 0, 0, 0);
        t_exec(lun, cdb, l, NULL, 0, NULL, 0, &r);
        t_good(&r, "whole-medium cache command");
        tap_ok(r.plan.dir == MC_XFER_NONE && r.plan.length == 0, "0x%02x moves no data",
               ops[i][0]);
        if (l == 10) t_cdb10(cdb, ops[i][0], 0x02, 10, 5);
        else t_cdb16(cdb, ops[i][0], 0x02, 10, 5);
        t_exec(lun, cdb, l, NULL, 0, NULL, 0, &r);
        t_good(&r, "cache command with IMMED on a range");
        if (l == 10) t_cdb10(cdb, ops[i][0], 0, BLOCKS - 1, 2);
        else t_cdb16(cdb, ops[i][0], 0, BLOCKS - 1, 2);
        t_exec(lun, cdb, l, NULL, 0, NULL, 0, &r);
        t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "cache command past end");
        if (l == 10) t_cdb10(cdb, ops[i][0], 0, BLOCKS, 0);
        else t_cdb16(cdb, ops[i][0], 0, BLOCKS, 0);
        t_exec(lun, cdb, l, NULL, 0, NULL, 0, &r);
        t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "cache command at capacity");
        if (l == 10) t_cdb10(cdb, ops[i][0], 0x04, 0, 0);
        else t_cdb16(cdb, ops[i][0], 0x04, 0, 0);
        t_exec(lun, cdb, l, NULL, 0, NULL, 0, &r);
        t_field(&r, 1, 2, "cache command with a reserved bit");
    }
}

int main(void)
{
    char path[PATH_MAX];
    mc_lun *lun = t_mem_lun(BLOCKS, BS);

    if (tap_ok(lun != NULL, "memory-backed LU opens")) {
        verify(lun);
        compare_and_write(lun);
        cache_commands(lun);
        mc_lun_close(lun);
    }
    lun = t_file_lun((uint64_t)BLOCKS * BS, BS, path);
    if (tap_ok(lun != NULL, "file-backed LU opens")) {
        verify(lun);
        compare_and_write(lun);
        cache_commands(lun);
        mc_lun_close(lun);
        unlink(path);
    }
    return tap_done();
}
