/* MODE SENSE 6 and 10: headers, block descriptors, pages 0x08, 0x0a, 0x3f, errors. */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "scsi_util.h"
#include "tap.h"

#define BS 512u

static void ms6(mc_lun *lun, uint8_t b1, uint8_t b2, uint8_t sub, uint8_t alloc, uint8_t *in,
                t_run *r)
{
    uint8_t cdb[6] = {T_MODE_SENSE6, b1, b2, sub, alloc, 0};
    t_exec(lun, cdb, 6, NULL, 0, in, 512, r);
}

static void ms10(mc_lun *lun, uint8_t b1, uint8_t b2, uint8_t sub, uint16_t alloc, uint8_t *in,
                 t_run *r)
{
    uint8_t cdb[10] = {T_MODE_SENSE10, b1, b2, sub, 0, 0, 0, (uint8_t)(alloc >> 8),
                       (uint8_t)alloc, 0};
    t_exec(lun, cdb, 10, NULL, 0, in, 512, r);
}

/* Walks the pages after the header and block descriptors; returns the page or NULL. */
static const uint8_t *page_in(const uint8_t *in, size_t total, size_t start, uint8_t code,
                              int *count)
{
    const uint8_t *hit = NULL;
    *count = 0;
    for (size_t off = start; off + 2 <= total; off += 2u + in[off + 1]) {
        (*count)++;
        if ((in[off] & 0x3f) == code)
            hit = in + off;
    }
    return hit;
}

static void sense6(mc_lun *lun, uint64_t blocks, bool wce)
{
    uint8_t in[512];
    t_run r;
    int n;

    ms6(lun, 0, 0x3f, 0, 255, in, &r);
    t_good(&r, "MODE SENSE(6) all pages");
    tap_ok(r.plan.dir == MC_XFER_FROM_DEV && r.plan.length == 255, "plans allocation length");
    tap_is_int(in[0], (long long)r.res.data_in_len - 1, "MODE DATA LENGTH = length - 1");
    tap_ok(in[2] & 0x10, "DPOFUA set in device-specific parameter");
    tap_is_int(in[2] & 0x80, 0, "not write protected");
    tap_is_int(in[3], 8, "BLOCK DESCRIPTOR LENGTH 8");
    tap_ok(t_be32(in + 4) == blocks && t_be32(in + 8) == BS,
           "short block descriptor: blocks and block length");
    const uint8_t *caching = page_in(in, r.res.data_in_len, 12, 0x08, &n);
    tap_ok(caching && caching[1] == 0x12, "caching page 0x08 present, length 0x12");
    tap_ok(caching && ((caching[2] & 0x04) != 0) == wce, "WCE %s", wce ? "set" : "clear");
    const uint8_t *control = page_in(in, r.res.data_in_len, 12, 0x0a, &n);
    tap_ok(control && control[1] == 0x0a && !(control[2] & 0x04),
           "control page 0x0a present, D_SENSE clear");
    tap_ok(n >= 2, "all-pages lists several pages (%d)", n);

    ms6(lun, 0x08, 0x08, 0, 255, in, &r);
    t_good(&r, "MODE SENSE(6) DBD caching page");
    tap_ok(in[3] == 0 && in[4] == 0x08 && r.res.data_in_len == 4 + 20u && in[0] == 23,
           "DBD: no block descriptor, only the caching page");
    ms6(lun, 0, 0x0a, 0, 255, in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && in[12] == 0x0a && r.res.data_in_len == 12 + 12u,
           "control page alone with block descriptor");
    ms6(lun, 0, 0x40 | 0x08, 0, 255, in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && in[12] == 0x08 && in[14] == 0 && t_be32(in + 4) == 0,
           "changeable values are all zero");
    ms6(lun, 0, 0x80 | 0x3f, 0, 255, in, &r);
    t_good(&r, "MODE SENSE(6) default values");
    ms6(lun, 0, 0xc0 | 0x08, 0, 255, in, &r);
    t_sense(&r, MC_SK_ILLEGAL_REQUEST, MC_ASC_SAVING_PARAMS_UNSUPPORTED, "saved values");
    ms6(lun, 0, 0x19, 0, 255, in, &r);
    t_field(&r, 2, 5, "unsupported page 0x19");
    ms6(lun, 0, 0x08, 0x01, 255, in, &r);
    t_field(&r, 3, 8, "subpage 1");
    ms6(lun, 0, 0x3f, 0xff, 255, in, &r);
    t_good(&r, "all pages and subpages");
    ms6(lun, 0, 0x3f, 0, 4, in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 4 && in[0] > 3,
           "allocation length 4: header only, MODE DATA LENGTH still the full length");
    ms6(lun, 0x10, 0x3f, 0, 255, in, &r);
    t_field(&r, 1, 4, "MODE SENSE(6) has no LLBAA");
}

static void sense10(mc_lun *lun, uint64_t blocks)
{
    uint8_t in[512];
    t_run r;
    int n;

    ms10(lun, 0, 0x3f, 0, 512, in, &r);
    t_good(&r, "MODE SENSE(10) all pages");
    tap_is_int(t_be16(in), (long long)r.res.data_in_len - 2, "MODE DATA LENGTH = length - 2");
    tap_ok(t_be16(in + 6) == 8 && !(in[4] & 1) && t_be32(in + 8) == blocks &&
               t_be32(in + 12) == BS,
           "short block descriptor in MODE SENSE(10)");
    tap_ok(page_in(in, r.res.data_in_len, 16, 0x08, &n) != NULL, "caching page in (10)");
    ms10(lun, 0x10, 0x3f, 0, 512, in, &r);
    t_good(&r, "MODE SENSE(10) LLBAA");
    tap_ok((in[4] & 1) && t_be16(in + 6) == 16 && t_be64(in + 8) == blocks &&
               t_be32(in + 20) == BS,
           "LONGLBA: 16-byte block descriptor");
    ms10(lun, 0x18, 0x0a, 0, 512, in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && t_be16(in + 6) == 0 && in[8] == 0x0a,
           "DBD in MODE SENSE(10)");
    ms10(lun, 0, 0x3f, 0, 0, in, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 0 && r.plan.dir == MC_XFER_NONE,
           "allocation length 0 returns nothing");
}

int main(void)
{
    char path[PATH_MAX];
    mc_lun *lun = t_mem_lun(1000, BS);

    if (tap_ok(lun != NULL, "memory LU opens")) {
        sense6(lun, 1000, false);
        sense10(lun, 1000);
        mc_lun_close(lun);
    }
    lun = t_file_lun(2000u * BS, BS, path);
    if (tap_ok(lun != NULL, "file LU opens")) {
        sense6(lun, 2000, true);
        sense10(lun, 2000);
        mc_lun_close(lun);
        unlink(path);
    }
    return tap_done();
}
