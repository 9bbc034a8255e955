/* TEST UNIT READY, START STOP UNIT, REQUEST SENSE, READ CAPACITY 10 and 16. */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "scsi_util.h"
#include "tap.h"

#define BS 512u

static void tur(mc_lun *lun, t_run *r)
{
    uint8_t cdb[6] = {T_TUR};
    t_exec(lun, cdb, 6, NULL, 0, NULL, 0, r);
}

static void start_stop(mc_lun *lun, uint8_t b4, t_run *r)
{
    uint8_t cdb[6] = {T_START_STOP, 0, 0, 0, b4, 0};
    t_exec(lun, cdb, 6, NULL, 0, NULL, 0, r);
}

static void request_sense(mc_lun *lun, uint8_t desc, uint8_t alloc, uint8_t *in, t_run *r)
{
    uint8_t cdb[6] = {T_REQUEST_SENSE, desc, 0, 0, alloc, 0};
    t_exec(lun, cdb, 6, NULL, 0, in, 252, r);
}

static void unit_state(mc_lun *lun)
{
    uint8_t in[252], cdb[16];
    t_run r;

    tur(lun, &r);
    t_good(&r, "TEST UNIT READY");
    tap_ok(r.plan.dir == MC_XFER_NONE && r.plan.length == 0, "TUR moves no data");
    request_sense(lun, 0, 252, in, &r);
    t_good(&r, "REQUEST SENSE");
    tap_ok(r.res.data_in_len == 18 && in[0] == 0x70 && (in[2] & 0x0f) == 0 && in[7] == 10 &&
               in[12] == 0 && in[13] == 0,
           "REQUEST SENSE: fixed format, NO SENSE");
    tap_ok(r.plan.length == 252 && r.plan.dir == MC_XFER_FROM_DEV, "plans allocation length");
    request_sense(lun, 1, 252, in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 8 && in[0] == 0x72 &&
               (in[1] & 0x0f) == 0 && in[7] == 0,
           "REQUEST SENSE DESC=1: descriptor format");
    request_sense(lun, 0, 8, in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 8, "allocation length 8");

    start_stop(lun, 0x00, &r);  /* START=0: stop */
    t_good(&r, "START STOP UNIT stop");
    tur(lun, &r);
    t_sense(&r, MC_SK_NOT_READY, MC_ASC_NOT_READY_STOPPED, "TUR while stopped");
    t_cdb10(cdb, T_READ10, 0, 0, 1);
    t_exec(lun, cdb, 10, NULL, 0, in, sizeof in, &r);
    t_sense(&r, MC_SK_NOT_READY, MC_ASC_NOT_READY_STOPPED, "READ(10) while stopped");
    request_sense(lun, 0, 252, in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && (in[2] & 0x0f) == MC_SK_NOT_READY && in[12] == 0x04 &&
               in[13] == 0x02,
           "REQUEST SENSE reports the stopped unit");
    uint8_t inq[6] = {T_INQUIRY, 0, 0, 0, 36, 0};
    t_exec(lun, inq, 6, NULL, 0, in, sizeof in, &r);
    t_good(&r, "INQUIRY while stopped");
    start_stop(lun, 0x21, &r);  /* power condition IDLE: START ignored */
    t_good(&r, "START STOP UNIT power condition IDLE");
    tur(lun, &r);
    t_sense(&r, MC_SK_NOT_READY, MC_ASC_NOT_READY_STOPPED, "power condition leaves it stopped");
    start_stop(lun, 0x01, &r);
    t_good(&r, "START STOP UNIT start");
    tur(lun, &r);
    t_good(&r, "TUR after start");
    start_stop(lun, 0x03, &r);  /* LOEJ with START on a non-removable medium */
    t_good(&r, "START with LOEJ");
    start_stop(lun, 0x40, &r);  /* power condition 4: reserved */
    t_field(&r, 4, 7, "reserved power condition");
    start_stop(lun, 0x08, &r);
    t_field(&r, 4, 3, "reserved bit in byte 4");
    uint8_t imm[6] = {T_START_STOP, 0x01, 0, 0, 0x01, 0};
    t_exec(lun, imm, 6, NULL, 0, NULL, 0, &r);
    t_good(&r, "START STOP UNIT with IMMED");
}

static void capacity(mc_lun *lun, uint64_t blocks)
{
    uint8_t in[64], cdb[16];
    t_run r;

    memset(cdb, 0, 10);
    cdb[0] = T_READ_CAP10;
    t_exec(lun, cdb, 10, NULL, 0, in, sizeof in, &r);
    t_good(&r, "READ CAPACITY(10)");
    tap_ok(r.plan.dir == MC_XFER_FROM_DEV && r.plan.length == 8 && r.res.data_in_len == 8,
           "READ CAPACITY(10) moves 8 bytes");
    uint32_t want = blocks - 1 >= 0xffffffffull ? 0xffffffffu : (uint32_t)(blocks - 1);
    tap_ok(t_be32(in) == want && t_be32(in + 4) == BS,
           "READ CAPACITY(10): last LBA 0x%08x, block length", want);
    t_put32(cdb + 2, 5);
    t_exec(lun, cdb, 10, NULL, 0, in, sizeof in, &r);
    t_field(&r, 2, 8, "READ CAPACITY(10) LBA without PMI");
    cdb[8] = 1;
    t_exec(lun, cdb, 10, NULL, 0, in, sizeof in, &r);
    t_good(&r, "READ CAPACITY(10) with PMI");

    t_cdb16(cdb, T_SAI16, T_SA_READ_CAP16, 0, 32);
    t_exec(lun, cdb, 16, NULL, 0, in, sizeof in, &r);
    t_good(&r, "READ CAPACITY(16)");
    tap_ok(r.res.data_in_len == 32 && t_be64(in) == blocks - 1 && t_be32(in + 8) == BS,
           "READ CAPACITY(16): last LBA and block length");
    tap_ok(in[12] == 0 && (in[14] & 0xc0) == 0xc0, "no protection; LBPME and LBPRZ set");
    t_cdb16(cdb, T_SAI16, T_SA_READ_CAP16, 0, 12);
    t_exec(lun, cdb, 16, NULL, 0, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 12 && r.plan.length == 12,
           "READ CAPACITY(16) allocation length 12 truncates");
    t_cdb16(cdb, T_SAI16, T_SA_READ_CAP16, 0, 0);
    t_exec(lun, cdb, 16, NULL, 0, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 0 && r.plan.dir == MC_XFER_NONE,
           "READ CAPACITY(16) allocation length 0");
}

int main(void)
{
    char path[PATH_MAX];
    mc_lun *lun = t_mem_lun(777, BS);

    if (tap_ok(lun != NULL, "memory LU opens")) {
        unit_state(lun);
        capacity(lun, 777);
        mc_lun_close(lun);
    }
    /* a sparse file of 2^32 + 16 blocks: READ CAPACITY(10) must say 0xffffffff */
    lun = t_file_lun((0x100000000ull + 16) * BS, BS, path);
    if (lun) {
        tap_ok(mc_lun_blocks(lun) == 0x100000010ull, "large sparse LU has 2^32+16 blocks");
        capacity(lun, 0x100000010ull);
        uint8_t cdb[16], in[BS];
        t_run r;
        t_cdb16(cdb, T_READ16, 0, 0x10000000full, 1);
        t_exec(lun, cdb, 16, NULL, 0, in, sizeof in, &r);
        t_good(&r, "READ(16) of the last block of the large LU");
        t_cdb16(cdb, T_READ16, 0, 0x100000010ull, 1);
        t_exec(lun, cdb, 16, NULL, 0, in, sizeof in, &r);
        t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE, "READ(16) past it");
        mc_lun_close(lun);
        unlink(path);
    } else {
        tap_skip(13, "the temporary file system refuses a 2 TiB sparse file");
    }
    lun = t_file_lun(100u * BS, BS, path);
    if (tap_ok(lun != NULL, "file LU opens")) {
        unit_state(lun);
        capacity(lun, 100);
        mc_lun_close(lun);
        unlink(path);
    }
    return tap_done();
}
