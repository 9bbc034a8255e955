/* LU sets: REPORT LUNS, commands to LUNs without an LU, routing by LUN, SAM LUN encoding. */
#include <string.h>

#include "scsi_util.h"
#include "tap.h"

static void report_luns(mc_lun_set *set, uint16_t lun, uint8_t select, uint32_t alloc,
                        uint8_t *in, size_t cap, t_run *r)
{
    uint8_t cdb[12] = {T_REPORT_LUNS, 0, select};
    t_put32(cdb + 6, alloc);
    memset(r, 0, sizeof *r);
    r->plan_rc = mc_lun_set_plan(set, lun, cdb, 12, &r->plan, &r->res);
    if (r->plan_rc == 0)
        mc_lun_set_execute(set, lun, cdb, 12, NULL, 0, in, cap, &r->res);
}

static void run(mc_lun_set *set, uint16_t lun, const uint8_t *cdb, size_t len,
                const uint8_t *out, size_t out_len, uint8_t *in, size_t cap, t_run *r)
{
    memset(r, 0, sizeof *r);
    r->plan_rc = mc_lun_set_plan(set, lun, cdb, len, &r->plan, &r->res);
    mc_scsi_result ex;
    mc_lun_set_execute(set, lun, cdb, len, out, out_len, in, cap, &ex);
    if (r->plan_rc == 0)
        r->res = ex;
    else if (ex.status != r->res.status)
        r->res.status = 0xff;  /* plan and execute must refuse alike */
}

static void encoding(void)
{
    tap_ok(mc_lun_encode(0) == 0, "LUN 0 encodes as all zeros");
    tap_ok(mc_lun_encode(5) == 0x0005000000000000ull, "LUN 5: peripheral addressing");
    tap_ok(mc_lun_encode(255) == 0x00ff000000000000ull, "LUN 255: peripheral addressing");
    tap_ok(mc_lun_encode(256) == 0x4100000000000000ull, "LUN 256: flat space addressing");
    tap_ok(mc_lun_encode(0x3fff) == 0x7fff000000000000ull, "LUN 16383: flat space");
    bool round = true;
    for (uint32_t l = 0; l <= 0x3fff; l++)
        round = round && mc_lun_decode(mc_lun_encode((uint16_t)l)) == l;
    tap_ok(round, "decode(encode(l)) == l for every single-level LUN");
    tap_is_int(mc_lun_decode(0x4005000000000000ull), 5, "flat-space 5 decodes as 5");
    tap_is_int(mc_lun_decode(0x0105000000000000ull), MC_LUN_INVALID,
               "peripheral addressing with bus 1 is not ours");
    tap_is_int(mc_lun_decode(0x0005000100000000ull), MC_LUN_INVALID, "second level in use");
    tap_is_int(mc_lun_decode(0xc000000000000000ull), MC_LUN_INVALID,
               "extended addressing unsupported");
    tap_is_int(mc_lun_decode(0x8000000000000000ull), MC_LUN_INVALID,
               "logical unit addressing unsupported");
}

int main(void)
{
    mc_lun_set *set = mc_lun_set_new();
    mc_lun *a = t_mem_lun(100, 512), *b = t_mem_lun(200, 512), *c = t_mem_lun(300, 512);
    mc_lun *d = t_mem_lun(10, 512);
    uint8_t in[4096], cdb[16];
    t_run r;

    encoding();
    if (!tap_ok(set && a && b && c && d, "set and LUs created"))
        return tap_done();
    tap_ok(mc_lun_set_add(set, 0, a) == 0, "add LUN 0");
    tap_ok(mc_lun_set_add(set, 300, c) == 0, "add LUN 300");
    tap_ok(mc_lun_set_add(set, 7, b) == 0, "add LUN 7");
    tap_ok(mc_lun_set_add(set, 7, d) < 0, "LUN 7 again is refused");
    tap_ok(mc_lun_set_add(set, 0x4000, d) < 0, "LUN 16384 cannot be addressed");
    tap_ok(mc_lun_set_add(set, 8, a) < 0, "an LU already in a set is refused");
    tap_is_int((long long)mc_lun_set_count(set), 3, "three LUs");
    tap_ok(mc_lun_set_get(set, 7) == b && mc_lun_set_get(set, 8) == NULL, "lookup by LUN");

    report_luns(set, 0, 0, sizeof in, in, sizeof in, &r);
    t_good(&r, "REPORT LUNS");
    tap_ok(r.plan.dir == MC_XFER_FROM_DEV && r.plan.length == sizeof in, "plans alloc length");
    tap_ok(r.res.data_in_len == 8 + 3 * 8 && t_be32(in) == 24, "LUN LIST LENGTH 24");
    tap_ok(t_be64(in + 8) == mc_lun_encode(0) && t_be64(in + 16) == mc_lun_encode(7) &&
               t_be64(in + 24) == mc_lun_encode(300),
           "LUNs 0, 7, 300 in ascending order, SAM encoded");
    report_luns(set, 0, 2, sizeof in, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && t_be32(in) == 24, "SELECT REPORT 2: same three");
    report_luns(set, 0, 1, sizeof in, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && t_be32(in) == 0 && r.res.data_in_len == 8,
           "SELECT REPORT 1: no well-known LUs");
    report_luns(set, 0, 3, sizeof in, in, sizeof in, &r);
    t_field(&r, 2, 8, "SELECT REPORT 3");
    report_luns(set, 0, 0, 15, in, sizeof in, &r);
    t_field(&r, 6, 8, "allocation length 15 is below the minimum 16");
    report_luns(set, 0, 0, 16, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 16 && t_be32(in) == 24,
           "allocation length 16: first LUN only, full LUN LIST LENGTH");
    report_luns(set, 99, 0, sizeof in, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && t_be32(in) == 24, "REPORT LUNS to an unused LUN");

    /* LUN without an LU */
    uint8_t inq[6] = {T_INQUIRY, 0, 0, 0, 96, 0};
    run(set, 99, inq, 6, NULL, 0, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && in[0] == 0x7f && r.res.data_in_len == 96,
           "INQUIRY to an unused LUN: qualifier 011b, type 1Fh");
    uint8_t inq_vpd[6] = {T_INQUIRY, 1, 0x80, 0, 96, 0};
    run(set, 99, inq_vpd, 6, NULL, 0, in, sizeof in, &r);
    t_field(&r, 2, 8, "VPD to an unused LUN");
    uint8_t tur[6] = {T_TUR};
    run(set, 99, tur, 6, NULL, 0, in, sizeof in, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LUN_NOT_SUPPORTED, "TUR to an unused LUN");
    cdb[0] = 0xc7;
    run(set, 99, cdb, 6, NULL, 0, in, sizeof in, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LUN_NOT_SUPPORTED, "unknown opcode, unused LUN");
    uint8_t rs[6] = {T_REQUEST_SENSE, 0, 0, 0, 18, 0};
    run(set, 99, rs, 6, NULL, 0, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && (in[2] & 0x0f) == MC_SK_ILLEGAL_REQUEST &&
               in[12] == 0x25,
           "REQUEST SENSE to an unused LUN reports LOGICAL UNIT NOT SUPPORTED");

    /* routing: a write to LUN 7 lands on LU b only */
    uint8_t blk[512], back[512];
    memset(blk, 0x77, sizeof blk);
    t_cdb10(cdb, T_WRITE10, 0, 3, 1);
    run(set, 7, cdb, 10, blk, sizeof blk, NULL, 0, &r);
    t_good(&r, "WRITE(10) to LUN 7");
    mc_lun_pread(b, back, sizeof back, 3 * 512);
    tap_is_mem(back, blk, sizeof blk, "LUN 7's LU holds the data");
    mc_lun_pread(a, back, sizeof back, 3 * 512);
    tap_ok(back[0] == 0, "LUN 0's LU does not");
    uint8_t rc[10] = {T_READ_CAP10};
    run(set, 300, rc, 10, NULL, 0, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && t_be32(in) == 299, "READ CAPACITY on LUN 300");

    /* a lone LU answers REPORT LUNS as LUN 0 */
    uint8_t rl[12] = {T_REPORT_LUNS};
    t_put32(rl + 6, 64);
    t_exec(d, rl, 12, NULL, 0, in, sizeof in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && t_be32(in) == 8 && t_be64(in + 8) == 0,
           "REPORT LUNS on an LU outside any set lists LUN 0");
    /* no set, no LU: nothing crashes, commands are answered as for a LUN without an LU */
    tap_ok(mc_lun_set_get(NULL, 0) == NULL && mc_lun_set_count(NULL) == 0 &&
               mc_lun_set_add(NULL, 0, d) < 0,
           "a NULL set holds nothing and takes nothing");
    run(NULL, 0, tur, 6, NULL, 0, in, sizeof in, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_LUN_NOT_SUPPORTED, "TUR through a NULL set");
    memset(&r, 0, sizeof r);
    r.plan_rc = mc_lun_plan(NULL, inq, 6, &r.plan, &r.res);
    tap_ok(r.plan_rc == 0 && r.plan.length == 96, "INQUIRY plan on no LU");
    mc_lun_execute(NULL, inq, 6, NULL, 0, in, sizeof in, &r.res);
    tap_ok(r.res.status == MC_SAM_GOOD && in[0] == 0x7f, "INQUIRY on no LU: qualifier 011b");
    mc_lun_close(d);
    mc_lun_set_free(set);
    mc_lun_set_free(NULL);
    return tap_done();
}
