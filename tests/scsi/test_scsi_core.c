/* Opening LUs (file and memory), raw I/O bounds, and the sense helpers of lun.h. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scsi_util.h"
#include "tap.h"

static int open_cfg(const mc_lun_config *cfg, mc_lun **out, char *err, size_t errlen)
{
    err[0] = 0;
    return mc_lun_open(out, cfg, err, errlen);
}

static void open_errors(void)
{
    char err[256];
    mc_lun *lun = (mc_lun *)&err;  /* must be reset to NULL on failure */

    tap_ok(mc_lun_open(&lun, NULL, err, sizeof err) < 0 && err[0], "no configuration refused");
    mc_lun_config c0 = {.size = 0};
    tap_ok(open_cfg(&c0, &lun, err, sizeof err) < 0 && lun == NULL && err[0],
           "memory LU without a size is refused with a message (%s)", err);
    mc_lun_config c1 = {.size = 4096, .block_size = 1000};
    tap_ok(open_cfg(&c1, &lun, err, sizeof err) < 0 && err[0], "block size 1000 refused");
    mc_lun_config c2 = {.size = 4096, .block_size = 256};
    tap_ok(open_cfg(&c2, &lun, err, sizeof err) < 0, "block size 256 refused");
    mc_lun_config c3 = {.size = 100};
    tap_ok(open_cfg(&c3, &lun, err, sizeof err) < 0, "a size holding no block is refused");
    mc_lun_config c4 = {.size = 4096, .vendor = "TOOLONGVENDOR"};
    tap_ok(open_cfg(&c4, &lun, err, sizeof err) < 0, "a 13-character vendor is refused");
    mc_lun_config c5 = {.size = 4096, .product = "bad\x01product"};
    tap_ok(open_cfg(&c5, &lun, err, sizeof err) < 0, "a control character in product refused");
    mc_lun_config c6 = {.size = 4096, .serial = "has space"};
    tap_ok(open_cfg(&c6, &lun, err, sizeof err) < 0, "a serial with a space is refused");
    mc_lun_config c7 = {.size = 4096, .serial = ""};
    tap_ok(open_cfg(&c7, &lun, err, sizeof err) < 0, "an empty serial is refused");
    mc_lun_config c8 = {.path = "/nonexistent-dir/x/y", .size = 4096};
    tap_ok(open_cfg(&c8, &lun, err, sizeof err) < 0 && strstr(err, "nonexistent"),
           "an unopenable path is refused, naming it");
    mc_lun_config c9 = {.path = "/tmp", .size = 4096};
    tap_ok(open_cfg(&c9, &lun, err, sizeof err) < 0, "a directory is refused");
    mc_lun_config c10 = {.size = 4096, .vendor = "ACME", .product = "Disk", .revision = "1",
                         .block_size = 4096};
    tap_ok(open_cfg(&c10, &lun, err, sizeof err) == 0 && mc_lun_blocks(lun) == 1 &&
               mc_lun_block_size(lun) == 4096,
           "4096-byte block LU of one block");
    uint8_t cdb[6] = {T_INQUIRY, 0, 0, 0, 36, 0}, in[36];
    t_run r;
    t_exec(lun, cdb, 6, NULL, 0, in, sizeof in, &r);
    tap_ok(!memcmp(in + 8, "ACME    Disk            1   ", 28),
           "configured identity is space padded in INQUIRY");
    mc_lun_close(lun);
    mc_lun_close(NULL);
}

static void files(void)
{
    char path[PATH_MAX], err[256];
    struct stat st;
    mc_lun *lun = t_file_lun(10 * 512 + 100, 512, path);

    if (!tap_ok(lun != NULL, "file LU created"))
        return;
    tap_ok(stat(path, &st) == 0 && st.st_size == 10 * 512 + 100, "file extended to the size");
    tap_is_int((long long)mc_lun_blocks(lun), 10, "partial trailing block not addressable");
    uint8_t blk[512], back[512];
    memset(blk, 0x9c, sizeof blk);
    tap_ok(mc_lun_pwrite(lun, blk, sizeof blk, 9 * 512) == 0, "pwrite of the last block");
    tap_ok(mc_lun_pwrite(lun, blk, sizeof blk, 9 * 512 + 1) < 0, "pwrite past the end refused");
    tap_ok(mc_lun_pread(lun, back, sizeof back, 10 * 512) < 0, "pread at the end refused");
    tap_ok(mc_lun_pread(lun, back, 1, UINT64_MAX) < 0, "pread at offset 2^64-1 refused");
    mc_lun_close(lun);
    /* reopen with size 0: the file's size; data persists */
    mc_lun_config cfg = {.path = path};
    lun = NULL;
    tap_ok(mc_lun_open(&lun, &cfg, err, sizeof err) == 0 && mc_lun_blocks(lun) == 10,
           "reopen with size 0 takes the file's size");
    if (lun) {
        mc_lun_pread(lun, back, sizeof back, 9 * 512);
        tap_is_mem(back, blk, sizeof blk, "data survives close and reopen");
        mc_lun_close(lun);
    }
    /* a larger size extends, a smaller one uses a prefix */
    mc_lun_config grow = {.path = path, .size = 20 * 512};
    tap_ok(mc_lun_open(&lun, &grow, err, sizeof err) == 0 && mc_lun_blocks(lun) == 20 &&
               stat(path, &st) == 0 && st.st_size == 20 * 512,
           "a larger size extends the file");
    mc_lun_close(lun);
    mc_lun_config shrink = {.path = path, .size = 5 * 512};
    tap_ok(mc_lun_open(&lun, &shrink, err, sizeof err) == 0 && mc_lun_blocks(lun) == 5 &&
               stat(path, &st) == 0 && st.st_size == 20 * 512,
           "a smaller size uses a prefix and never truncates the file");
    mc_lun_close(lun);
    unlink(path);
}

static void sense_helpers(void)
{
    mc_scsi_result res;
    memset(&res, 0, sizeof res);
    res.data_in_len = 77;
    mc_scsi_set_sense(&res, MC_SK_MEDIUM_ERROR, MC_ASC_UNRECOVERED_READ);
    tap_ok(res.status == MC_SAM_CHECK_CONDITION && res.sense_len == 18 && res.data_in_len == 0,
           "set_sense: CHECK CONDITION, 18 bytes, no data");
    tap_ok(res.sense[0] == 0x70 && res.sense[2] == 3 && res.sense[7] == 10 &&
               res.sense[12] == 0x11 && res.sense[13] == 0,
           "fixed format: response code 0x70, key, additional length 10, ASC/ASCQ");
    tap_ok(mc_scsi_sense_key(&res) == MC_SK_MEDIUM_ERROR &&
               mc_scsi_sense_asc(&res) == MC_ASC_UNRECOVERED_READ,
           "sense_key and sense_asc read it back");
    mc_scsi_set_sense(&res, MC_SK_NOT_READY, MC_ASC_NOT_READY_STOPPED);
    tap_ok(res.sense[12] == 0x04 && res.sense[13] == 0x02, "ASCQ carried");
    memset(&res, 0, sizeof res);
    tap_ok(mc_scsi_sense_key(&res) == MC_SK_NO_SENSE && mc_scsi_sense_asc(&res) == 0,
           "no sense data reads as NO SENSE");
}

/* 4096-byte blocks: plan lengths and data in whole 4096-byte blocks */
static void big_blocks(void)
{
    mc_lun *lun = t_mem_lun(16, 4096);
    uint8_t cdb[10], data[2 * 4096], back[2 * 4096];
    t_run r;

    if (!tap_ok(lun != NULL, "4096-byte LU"))
        return;
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 3u);
    t_cdb10(cdb, T_WRITE10, 0, 14, 2);
    t_exec(lun, cdb, 10, data, sizeof data, NULL, 0, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.plan.length == 8192, "WRITE(10) 2 x 4096 bytes");
    t_cdb10(cdb, T_READ10, 0, 14, 2);
    t_exec(lun, cdb, 10, NULL, 0, back, sizeof back, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 8192 &&
               !memcmp(back, data, sizeof data),
           "READ(10) returns the two 4096-byte blocks");
    t_cdb10(cdb, T_READ10, 0, 15, 2);
    t_exec(lun, cdb, 10, NULL, 0, back, sizeof back, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "4096-byte LU: past the end");
    uint8_t rc[10] = {T_READ_CAP10};
    t_exec(lun, rc, 10, NULL, 0, back, sizeof back, &r);
    tap_ok(t_be32(back) == 15 && t_be32(back + 4) == 4096, "READ CAPACITY(10): 15, 4096");
    mc_lun_close(lun);
}

int main(void)
{
    big_blocks();
    open_errors();
    files();
    sense_helpers();
    return tap_done();
}
