/* INQUIRY: standard data, allocation lengths, and the VPD pages 00, 80, 83, B0, B1, B2. */
#include <string.h>

#include "scsi_util.h"
#include "tap.h"

#define BLOCKS 2048u
#define BS 512u

static void inquiry(mc_lun *lun, bool evpd, uint8_t page, uint16_t alloc, uint8_t *in,
                    size_t cap, t_run *r)
{
    uint8_t cdb[6] = {T_INQUIRY, evpd ? 1 : 0, page, (uint8_t)(alloc >> 8), (uint8_t)alloc, 0};
    t_exec(lun, cdb, 6, NULL, 0, in, cap, r);
}

static void standard(mc_lun *lun)
{
    uint8_t in[512], first[512];
    t_run r;

    inquiry(lun, false, 0, 260, in, sizeof in, &r);
    t_good(&r, "standard INQUIRY");
    tap_ok(r.plan.dir == MC_XFER_FROM_DEV && r.plan.length == 260,
           "INQUIRY plans its allocation length");
    tap_ok(r.res.data_in_len >= 36, "at least 36 bytes of standard data");
    tap_is_int(in[0], 0x00, "peripheral qualifier 0, direct access block device");
    tap_is_int(in[2], 0x06, "VERSION 6: SPC-4");
    tap_is_int(in[3] & 0x0f, 2, "RESPONSE DATA FORMAT 2");
    tap_is_int(in[3] & 0xc0, 0, "AERC and TRMTSK clear");
    tap_is_int(in[4], (long long)r.res.data_in_len - 5, "ADDITIONAL LENGTH = length - 5");
    tap_ok(in[7] & 0x02, "CmdQue set");
    tap_is_int(in[5] & 0x01, 0, "PROTECT clear");
    tap_is_mem(in + 8, "MIRRCERT", 8, "T10 VENDOR IDENTIFICATION");
    tap_is_mem(in + 16, "mirrorcert LUN  ", 16, "PRODUCT IDENTIFICATION, space padded");
    tap_is_mem(in + 32, "0001", 4, "PRODUCT REVISION LEVEL");
    bool ascii = true;
    for (int i = 8; i < 36; i++)
        ascii = ascii && in[i] >= 0x20 && in[i] <= 0x7e;
    tap_ok(ascii, "identification fields are printable ASCII");
    tap_ok(t_be16(in + 58) == 0x00a0 && t_be16(in + 60) == 0x0460 && t_be16(in + 62) == 0x04c0,
           "version descriptors SAM-5, SPC-4, SBC-3");
    memcpy(first, in, r.res.data_in_len);
    /* allocation lengths shorter than the data truncate; zero returns nothing */
    static const uint16_t allocs[] = {0, 1, 5, 36, 95, 96, 255};
    for (size_t i = 0; i < sizeof allocs / sizeof allocs[0]; i++) {
        memset(in, 0xcc, sizeof in);
        inquiry(lun, false, 0, allocs[i], in, sizeof in, &r);
        size_t want = allocs[i] < 96 ? allocs[i] : 96;
        tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == want &&
                   !memcmp(in, first, want) && in[want] == 0xcc,
               "allocation length %u returns %zu bytes and no more", allocs[i], want);
        tap_ok(r.plan.length == allocs[i] &&
                   r.plan.dir == (allocs[i] ? MC_XFER_FROM_DEV : MC_XFER_NONE),
               "allocation length %u is the planned length", allocs[i]);
    }
    /* the transport's buffer is smaller than the allocation length */
    memset(in, 0xcc, sizeof in);
    inquiry(lun, false, 0, 255, in, 20, &r);
    tap_ok(r.res.data_in_len == 20 && in[20] == 0xcc, "a 20-byte buffer is not overrun");
    inquiry(lun, false, 0x80, 255, in, sizeof in, &r);
    t_field(&r, 2, 8, "EVPD 0 with PAGE CODE 0x80");
    inquiry(lun, true, 0x81, 255, in, sizeof in, &r);
    t_field(&r, 2, 8, "EVPD 1 with an unsupported page");
    uint8_t cdb[6] = {T_INQUIRY, 0x02, 0, 0, 36, 0};
    t_exec(lun, cdb, 6, NULL, 0, in, sizeof in, &r);
    t_field(&r, 1, 1, "INQUIRY CMDDT (obsolete) set");
}

static const uint8_t *find_designator(const uint8_t *page, uint8_t type, uint8_t *code_set)
{
    size_t len = t_be16(page + 2);
    for (size_t off = 4; off + 4 <= len + 4;) {
        const uint8_t *d = page + off;
        if ((d[1] & 0x0f) == type && ((d[1] >> 4) & 0x03) == 0) {
            *code_set = d[0] & 0x0f;
            return d;
        }
        off += 4u + d[3];
    }
    return NULL;
}

static void vpd(mc_lun *lun)
{
    uint8_t in[512];
    t_run r;

    inquiry(lun, true, 0x00, 255, in, sizeof in, &r);
    t_good(&r, "VPD 0x00");
    static const uint8_t want[] = {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2};
    tap_ok(in[1] == 0 && t_be16(in + 2) == sizeof want && !memcmp(in + 4, want, sizeof want),
           "supported pages: 00 80 83 b0 b1 b2, ascending");
    tap_is_int((long long)r.res.data_in_len, 4 + sizeof want, "VPD 0x00 length");
    for (size_t i = 0; i < sizeof want; i++) {
        inquiry(lun, true, want[i], 255, in, sizeof in, &r);
        tap_ok(r.res.status == MC_SAM_GOOD && in[0] == 0 && in[1] == want[i] &&
                   r.res.data_in_len == 4u + t_be16(in + 2),
               "VPD 0x%02x: header names the page and its length", want[i]);
        /* truncation keeps the header intact */
        inquiry(lun, true, want[i], 3, in, sizeof in, &r);
        tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 3 && in[1] == want[i],
               "VPD 0x%02x with allocation length 3 returns 3 bytes", want[i]);
    }
    inquiry(lun, true, 0x80, 255, in, sizeof in, &r);
    tap_ok(t_be16(in + 2) == 5 && !memcmp(in + 4, "T0001", 5), "VPD 0x80: unit serial number");

    inquiry(lun, true, 0x83, 255, in, sizeof in, &r);
    uint8_t cs = 0;
    const uint8_t *naa = find_designator(in, 0x3, &cs);
    tap_ok(naa && cs == 1 && naa[3] == 16 && (naa[4] >> 4) == 6,
           "VPD 0x83: binary NAA-6 designator, 16 bytes, LU association");
    tap_ok(naa && t_be64(naa + 12) == 0x1122334455667788ull, "NAA-6 extension is the naa_id");
    const uint8_t *t10 = find_designator(in, 0x1, &cs);
    tap_ok(t10 && cs == 2 && t10[3] >= 8 && !memcmp(t10 + 4, "MIRRCERT", 8),
           "VPD 0x83: ASCII T10 vendor id designator starting with the vendor");

    inquiry(lun, true, 0xb0, 255, in, sizeof in, &r);
    tap_is_int(t_be16(in + 2), 0x3c, "VPD 0xB0 page length 0x3c");
    tap_ok(in[4] & 0x01, "WSNZ set");
    tap_is_int(in[5], 64, "MAXIMUM COMPARE AND WRITE LENGTH 64");
    tap_is_int(t_be32(in + 8), 8u * 1024 * 1024 / BS, "MAXIMUM TRANSFER LENGTH 8 MiB");
    tap_ok(t_be32(in + 20) > 0 && t_be32(in + 24) == 64, "UNMAP limits present");
    tap_is_int((long long)t_be64(in + 36), 8u * 1024 * 1024 / BS, "MAXIMUM WRITE SAME LENGTH 8 MiB");

    inquiry(lun, true, 0xb1, 255, in, sizeof in, &r);
    tap_ok(t_be16(in + 2) == 0x3c && t_be16(in + 4) == 1,
           "VPD 0xB1: MEDIUM ROTATION RATE 1 (non-rotating)");

    inquiry(lun, true, 0xb2, 255, in, sizeof in, &r);
    tap_ok(t_be16(in + 2) == 4 && (in[5] & 0x80) && (in[5] & 0x40) && (in[5] & 0x20) &&
               (in[5] & 0x04),
           "VPD 0xB2: LBPU, LBPWS, LBPWS10, LBPRZ");
}

int main(void)
{
    mc_lun *lun = t_mem_lun(BLOCKS, BS);

    if (tap_ok(lun != NULL, "LU opens")) {
        standard(lun);
        vpd(lun);
        mc_lun_close(lun);
    }
    /* 4096-byte blocks change the limits expressed in blocks */
    lun = t_mem_lun(64, 4096);
    if (tap_ok(lun != NULL, "4096-byte LU opens")) {
        uint8_t in[128];
        t_run r;
        inquiry(lun, true, 0xb0, 255, in, sizeof in, &r);
        tap_is_int(t_be32(in + 8), 2048, "4096-byte blocks: MAXIMUM TRANSFER LENGTH 2048");
        mc_lun_close(lun);
    }
    return tap_done();
}
