/* READ/WRITE 6/10/12/16, WRITE AND VERIFY, ORWRITE: data paths, plans and error paths, on a
 * memory-backed and a file-backed LU. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scsi_util.h"
#include "tap.h"

#define BLOCKS 1024u
#define BS 512u

static uint8_t *in_buf;

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7u);
}

/* One write then read back through every CDB size. */
static void roundtrip(mc_lun *lun, const char *kind)
{
    static const struct {
        uint8_t rd, wr, len;
    } ops[] = {{T_READ6, T_WRITE6, 6}, {T_READ10, T_WRITE10, 10}, {T_READ12, T_WRITE12, 12},
               {T_READ16, T_WRITE16, 16}};
    uint8_t data[4 * BS], cdb[16];
    t_run r;

    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        uint32_t lba = 10u + 20u * (uint32_t)i;
        fill(data, sizeof data, (uint8_t)(i + 1));
        switch (ops[i].len) {
        case 6: t_cdb6(cdb, ops[i].wr, lba, 4); break;
        case 10: t_cdb10(cdb, ops[i].wr, 0, lba, 4); break;
        case 12: t_cdb12(cdb, ops[i].wr, 0, lba, 4); break;
        default: t_cdb16(cdb, ops[i].wr, 0, lba, 4); break;
        }
        t_exec(lun, cdb, ops[i].len, data, sizeof data, NULL, 0, &r);
        t_good(&r, "write");
        tap_ok(r.plan.dir == MC_XFER_TO_DEV && r.plan.length == sizeof data,
               "%s WRITE(%u) plans 4 blocks out", kind, ops[i].len);
        cdb[0] = ops[i].rd;
        t_exec(lun, cdb, ops[i].len, NULL, 0, in_buf, T_BUF, &r);
        t_good(&r, "read");
        tap_ok(r.plan.dir == MC_XFER_FROM_DEV && r.plan.length == sizeof data,
               "%s READ(%u) plans 4 blocks in", kind, ops[i].len);
        tap_is_int((long long)r.res.data_in_len, sizeof data, "%s READ(%u) returns 4 blocks",
                   kind, ops[i].len);
        tap_is_mem(in_buf, data, sizeof data, "%s READ(%u) returns what WRITE(%u) stored", kind,
                   ops[i].len, ops[i].len);
        uint8_t raw[4 * BS];
        mc_lun_pread(lun, raw, sizeof raw, (uint64_t)lba * BS);
        tap_is_mem(raw, data, sizeof data, "%s raw pread sees WRITE(%u) data at its LBA", kind,
                   ops[i].len);
    }
}

static void cdb6_zero_means_256(mc_lun *lun)
{
    uint8_t cdb[6];
    t_run r;

    t_cdb6(cdb, T_READ6, 0, 0);
    t_exec(lun, cdb, 6, NULL, 0, in_buf, T_BUF, &r);
    t_good(&r, "READ(6) length 0");
    tap_is_int(r.plan.length, 256 * BS, "READ(6) transfer length 0 plans 256 blocks");
    tap_is_int((long long)r.res.data_in_len, 256 * BS, "READ(6) length 0 returns 256 blocks");
    t_cdb6(cdb, T_WRITE6, 0, 0);
    t_exec(lun, cdb, 6, NULL, 0, NULL, 0, &r);
    tap_is_int(r.plan.length, 256 * BS, "WRITE(6) transfer length 0 plans 256 blocks");
    t_cdb6(cdb, T_READ6, BLOCKS - 255, 0);
    t_exec(lun, cdb, 6, NULL, 0, in_buf, T_BUF, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "READ(6) 256 blocks past end");
}

static void zero_length(mc_lun *lun)
{
    uint8_t cdb[16];
    t_run r;

    t_cdb10(cdb, T_READ10, 0, 0, 0);
    t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
    t_good(&r, "READ(10) 0 blocks at LBA 0");
    tap_ok(r.plan.dir == MC_XFER_NONE && r.plan.length == 0 && r.res.data_in_len == 0,
           "READ(10) 0 blocks moves no data");
    t_cdb10(cdb, T_WRITE10, 0, 0, 0);
    t_exec(lun, cdb, 10, NULL, 0, NULL, 0, &r);
    t_good(&r, "WRITE(10) 0 blocks");
    tap_ok(r.plan.dir == MC_XFER_NONE && r.plan.length == 0, "WRITE(10) 0 blocks plans none");
    t_cdb10(cdb, T_READ10, 0, BLOCKS + 1, 0);
    t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "READ(10) 0 blocks past end");
    t_cdb10(cdb, T_READ10, 0, 0x80000000u, 0);
    t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "READ(10) 0 blocks at 2^31");
    t_cdb10(cdb, T_READ10, 0, 0xffffffffu, 0);
    t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "READ(10) 0 blocks at -1");
    t_cdb16(cdb, T_READ16, 0, 0, 0);
    t_exec(lun, cdb, 16, NULL, 0, in_buf, T_BUF, &r);
    t_good(&r, "READ(16) 0 blocks at LBA 0");
}

static void beyond_end(mc_lun *lun)
{
    uint8_t cdb[16];
    t_run r;

    t_cdb10(cdb, T_READ10, 0, BLOCKS - 1, 1);
    t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
    t_good(&r, "READ(10) of the last block");
    t_cdb10(cdb, T_READ10, 0, BLOCKS - 1, 2);
    t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "READ(10) running off the end");
    tap_ok(r.plan.dir == MC_XFER_NONE && r.plan.length == 0, "refused plan moves no data");
    t_cdb12(cdb, T_WRITE12, 0, BLOCKS, 1);
    t_exec(lun, cdb, 12, in_buf, BS, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "WRITE(12) at capacity");
    t_cdb16(cdb, T_READ16, 0, 0xffffffffffffffffull, 1);
    t_exec(lun, cdb, 16, NULL, 0, in_buf, T_BUF, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "READ(16) at LBA 2^64-1");
    t_cdb16(cdb, T_WRITE16, 0, 1, 0xffffffffu);
    t_exec(lun, cdb, 16, NULL, 0, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE,
            "WRITE(16) of 2^32-1 blocks from LBA 1");
    t_cdb6(cdb, T_WRITE6, BLOCKS, 1);
    t_exec(lun, cdb, 6, in_buf, BS, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "WRITE(6) at capacity");
}

static void protect_and_flags(mc_lun *lun)
{
    static const uint8_t rd_ops[][2] = {{T_READ10, 10}, {T_READ12, 12}, {T_READ16, 16}};
    uint8_t cdb[16];
    t_run r;

    for (size_t i = 0; i < 3; i++) {
        for (uint8_t prot = 1; prot < 8; prot++) {
            uint8_t len = rd_ops[i][1];
            memset(cdb, 0, sizeof cdb);
            if (len == 10) t_cdb10(cdb, rd_ops[i][0], (uint8_t)(prot << 5), 0, 1);
            else if (len == 12) t_cdb12(cdb, rd_ops[i][0], (uint8_t)(prot << 5), 0, 1);
            else t_cdb16(cdb, rd_ops[i][0], (uint8_t)(prot << 5), 0, 1);
            t_exec(lun, cdb, len, NULL, 0, in_buf, T_BUF, &r);
            if (prot == 1 || prot == 7)
                t_field(&r, 1, 7, "RDPROTECT without protection information");
        }
    }
    t_cdb10(cdb, T_WRITE10, 3u << 5, 0, 1);
    t_exec(lun, cdb, 10, in_buf, BS, NULL, 0, &r);
    t_field(&r, 1, 7, "WRITE(10) WRPROTECT 3");
    t_cdb16(cdb, T_WRITE16, 1u << 5, 0, 1);
    t_exec(lun, cdb, 16, in_buf, BS, NULL, 0, &r);
    t_field(&r, 1, 7, "WRITE(16) WRPROTECT 1");
    /* DPO (0x10), FUA (0x08), FUA_NV (0x02) are accepted */
    static const uint8_t flags[] = {0x10, 0x08, 0x02, 0x18};
    for (size_t i = 0; i < sizeof flags; i++) {
        t_cdb10(cdb, T_READ10, flags[i], 0, 1);
        t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
        t_good(&r, "READ(10) with DPO/FUA flags");
        t_cdb16(cdb, T_WRITE16, flags[i], 0, 1);
        t_exec(lun, cdb, 16, in_buf, BS, NULL, 0, &r);
        t_good(&r, "WRITE(16) with DPO/FUA flags");
    }
    /* a reserved bit (READ(10) byte 1 bit 0, byte 6 bit 7) and NACA in CONTROL */
    t_cdb10(cdb, T_READ10, 0x01, 0, 1);
    t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
    t_field(&r, 1, 0, "READ(10) reserved bit 0 of byte 1");
    t_cdb10(cdb, T_READ10, 0, 0, 1);
    cdb[6] = 0x80;
    t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
    t_field(&r, 6, 7, "READ(10) reserved bit 7 of byte 6");
    t_cdb10(cdb, T_READ10, 0, 0, 1);
    cdb[9] = 0x04;
    t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
    t_field(&r, 9, 2, "READ(10) NACA=1 unsupported");
    t_cdb10(cdb, T_READ10, 0, 0, 1);
    cdb[6] = 0x05;
    t_exec(lun, cdb, 10, NULL, 0, in_buf, T_BUF, &r);
    t_good(&r, "READ(10) with a group number");
}

static void limits_and_buffers(mc_lun *lun)
{
    uint8_t cdb[16], data[4 * BS];
    t_run r;

    /* maximum transfer length is 8 MiB (16384 blocks of 512) */
    t_cdb16(cdb, T_READ16, 0, 0, 16385);
    {
        mc_lun *big = t_mem_lun(32768, BS);
        t_exec(big, cdb, 16, NULL, 0, in_buf, T_BUF, &r);
        t_field(&r, 10, 8, "READ(16) above the maximum transfer length");
        t_cdb16(cdb, T_READ16, 0, 0, 16384);
        mc_scsi_plan plan;
        mc_scsi_result res;
        tap_ok(mc_lun_plan(big, cdb, 16, &plan, &res) == 0 && plan.length == 16384u * BS,
               "READ(16) at the maximum transfer length plans 8 MiB");
        mc_lun_close(big);
    }
    /* the transport offers a smaller data-in buffer: never overrun it */
    memset(in_buf, 0xee, 3 * BS);
    t_cdb10(cdb, T_READ10, 0, 0, 4);
    t_exec(lun, cdb, 10, NULL, 0, in_buf, BS + 100, &r);
    t_good(&r, "READ(10) into a short buffer");
    tap_is_int((long long)r.res.data_in_len, BS + 100, "READ fills only the buffer given");
    tap_ok(in_buf[BS + 100] == 0xee, "byte after the buffer untouched");
    /* fewer data-out bytes than planned: whole blocks received are written, no more */
    fill(data, sizeof data, 0x31);
    uint8_t before[2 * BS];
    mc_lun_pread(lun, before, sizeof before, 200u * BS);
    t_cdb10(cdb, T_WRITE10, 0, 200, 2);
    t_exec(lun, cdb, 10, data, BS, NULL, 0, &r);
    t_good(&r, "WRITE(10) with one block of two delivered");
    uint8_t after[2 * BS];
    mc_lun_pread(lun, after, sizeof after, 200u * BS);
    tap_is_mem(after, data, BS, "the delivered block is written");
    tap_is_mem(after + BS, before + BS, BS, "the missing block is left alone");
    /* more data-out than planned: only the planned amount is written */
    fill(data, sizeof data, 0x55);
    mc_lun_pread(lun, before, sizeof before, 300u * BS);
    t_cdb10(cdb, T_WRITE10, 0, 300, 1);
    t_exec(lun, cdb, 10, data, 2 * BS, NULL, 0, &r);
    t_good(&r, "WRITE(10) with surplus data-out");
    mc_lun_pread(lun, after, sizeof after, 300u * BS);
    tap_is_mem(after + BS, before + BS, BS, "surplus data-out is not written");
    /* a CDB shorter than its opcode's size */
    t_cdb10(cdb, T_READ10, 0, 0, 1);
    t_exec(lun, cdb, 6, NULL, 0, in_buf, T_BUF, &r);
    t_field(&r, 6, 8, "READ(10) given as a 6-byte CDB");
}

static void write_verify_orwrite(mc_lun *lun)
{
    static const uint8_t wv[][2] = {{T_WRITE_VERIFY10, 10}, {T_WRITE_VERIFY12, 12},
                                    {T_WRITE_VERIFY16, 16}};
    uint8_t cdb[16], data[2 * BS], back[2 * BS];
    t_run r;

    for (size_t i = 0; i < 3; i++) {
        for (uint8_t bytchk = 0; bytchk < 2; bytchk++) {
            uint32_t lba = 500u + 10u * (uint32_t)i + bytchk * 4u;
            fill(data, sizeof data, (uint8_t)(0x40 + i + bytchk));
            if (wv[i][1] == 10) t_cdb10(cdb, wv[i][0], (uint8_t)(bytchk << 1), lba, 2);
            else if (wv[i][1] == 12) t_cdb12(cdb, wv[i][0], (uint8_t)(bytchk << 1), lba, 2);
            else t_cdb16(cdb, wv[i][0], (uint8_t)(bytchk << 1), lba, 2);
            t_exec(lun, cdb, wv[i][1], data, sizeof data, NULL, 0, &r);
            t_good(&r, "WRITE AND VERIFY");
            tap_ok(r.plan.dir == MC_XFER_TO_DEV && r.plan.length == 2 * BS,
                   "WRITE AND VERIFY(%u) BYTCHK %u plans 2 blocks out", wv[i][1], bytchk);
            mc_lun_pread(lun, back, sizeof back, (uint64_t)lba * BS);
            tap_is_mem(back, data, sizeof data, "WRITE AND VERIFY(%u) stored the data", wv[i][1]);
        }
    }
    t_cdb10(cdb, T_WRITE_VERIFY10, 0x04, 0, 1);
    t_exec(lun, cdb, 10, data, BS, NULL, 0, &r);
    t_field(&r, 1, 2, "WRITE AND VERIFY BYTCHK 2");
    t_cdb16(cdb, T_WRITE_VERIFY16, 0, BLOCKS - 1, 2);
    t_exec(lun, cdb, 16, data, 2 * BS, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "WRITE AND VERIFY(16) past end");
    t_cdb12(cdb, T_WRITE_VERIFY12, 0x20, 0, 1);
    t_exec(lun, cdb, 12, data, BS, NULL, 0, &r);
    t_field(&r, 1, 7, "WRITE AND VERIFY(12) WRPROTECT 1");

    /* ORWRITE: medium OR data */
    uint8_t a[BS], b[BS], want[BS];
    memset(a, 0x0f, BS);
    memset(b, 0x30, BS);
    b[7] = 0xc0;
    for (size_t i = 0; i < BS; i++)
        want[i] = (uint8_t)(a[i] | b[i]);
    mc_lun_pwrite(lun, a, BS, 700u * BS);
    t_cdb16(cdb, T_ORWRITE16, 0, 700, 1);
    t_exec(lun, cdb, 16, b, BS, NULL, 0, &r);
    t_good(&r, "ORWRITE(16)");
    mc_lun_pread(lun, back, BS, 700u * BS);
    tap_is_mem(back, want, BS, "ORWRITE stores medium OR data-out");
    t_cdb16(cdb, T_ORWRITE16, 0, BLOCKS, 1);
    t_exec(lun, cdb, 16, b, BS, NULL, 0, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "ORWRITE past end");
}

static void run_all(mc_lun *lun, const char *kind)
{
    roundtrip(lun, kind);
    cdb6_zero_means_256(lun);
    zero_length(lun);
    beyond_end(lun);
    protect_and_flags(lun);
    limits_and_buffers(lun);
    write_verify_orwrite(lun);
}

int main(void)
{
    char path[PATH_MAX];
    mc_lun *lun;

    in_buf = malloc(T_BUF);
    if (!tap_ok(in_buf != NULL, "buffer"))
        return tap_done();
    lun = t_mem_lun(BLOCKS, BS);
    if (tap_ok(lun != NULL, "memory-backed LU opens")) {
        run_all(lun, "memory");
        mc_lun_close(lun);
    }
    lun = t_file_lun((uint64_t)BLOCKS * BS, BS, path);
    if (tap_ok(lun != NULL, "file-backed LU opens")) {
        run_all(lun, "file");
        mc_lun_close(lun);
        unlink(path);
    }
    free(in_buf);
    return tap_done();
}
