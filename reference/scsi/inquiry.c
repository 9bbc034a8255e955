/* INQUIRY (SPC-4 6.6): standard data and the vital product data pages (SPC-4 7.8, SBC-3 6.5). */
#include <string.h>

#include "bytes.h"
#include "handlers.h"

#define INQ_EVPD 0x01u
#define INQ_PAGE_BYTE 2u
#define INQ_ALLOC_BYTE 3u
#define INQ_BUF 256u                  /* larger than any page we build */

#define PERIPHERAL_DISK 0x00u         /* qualifier 000b, direct access block device */
#define PERIPHERAL_NONE 0x7fu         /* qualifier 011b, type 1Fh: no LU on this LUN */
#define VERSION_SPC4 0x06u
#define RESPONSE_FORMAT_2 0x02u
#define STD_CMDQUE 0x02u              /* byte 7: full task management model */
#define STD_LEN 96u                   /* through the eight version descriptors and reserved */
#define STD_VENDOR_AT 8u
#define STD_PRODUCT_AT 16u
#define STD_REVISION_AT 32u
#define STD_VERSIONS_AT 58u
#define VERSION_SAM5 0x00a0u          /* version descriptors, SPC-4 table 33 */
#define VERSION_SPC4_DESC 0x0460u
#define VERSION_SBC3 0x04c0u

#define VPD_HEADER 4u
#define VPD_SUPPORTED 0x00u
#define VPD_SERIAL 0x80u
#define VPD_DEVICE_ID 0x83u
#define VPD_BLOCK_LIMITS 0xb0u
#define VPD_BLOCK_CHARS 0xb1u
#define VPD_PROVISIONING 0xb2u

#define DESIG_HEADER 4u
#define CODE_SET_BINARY 0x1u
#define CODE_SET_ASCII 0x2u
#define DESIG_T10_VENDOR 0x1u         /* designator types, SPC-4 table 459 */
#define DESIG_NAA 0x3u
#define ASSOC_LU 0x0u                 /* association: the addressed logical unit */
#define NAA_REGISTERED_EXT 0x6u
#define NAA_LEN 16u
#define NAA_OUI 0x000000u             /* IEEE company id; the project holds none */

#define BLOCK_LIMITS_LEN 0x3cu
#define BL_WSNZ 0x01u                 /* WRITE SAME with zero blocks is refused */
#define BL_FLAGS_AT 4u                /* Block Limits field offsets, SBC-3 table 136 */
#define BL_MAX_CAW_AT 5u
#define BL_OPT_GRANULARITY_AT 6u
#define BL_MAX_XFER_AT 8u
#define BL_OPT_XFER_AT 12u
#define BL_MAX_UNMAP_AT 20u
#define BL_MAX_UNMAP_DESC_AT 24u
#define BL_OPT_UNMAP_GRANULARITY_AT 28u
#define BL_MAX_WS_AT 36u
#define BLOCK_CHARS_LEN 0x3cu
#define ROTATION_NONE 0x0001u         /* non-rotating medium (SBC-3 table 139) */
#define PROVISIONING_LEN 0x04u
#define LBP_LBPU 0x80u                /* UNMAP supported */
#define LBP_LBPWS 0x40u               /* WRITE SAME(16) with UNMAP supported */
#define LBP_LBPWS10 0x20u             /* WRITE SAME(10) with UNMAP supported */
#define LBP_LBPRZ 0x04u               /* unmapped blocks read zero */
#define PROVISIONING_THIN 0x02u
#define NO_BIT 8u

typedef size_t (*vpd_build_fn)(const mc_lun *lun, uint8_t *p);

static size_t vpd_supported(const mc_lun *lun, uint8_t *p);
static size_t vpd_serial(const mc_lun *lun, uint8_t *p);
static size_t vpd_device_id(const mc_lun *lun, uint8_t *p);
static size_t vpd_block_limits(const mc_lun *lun, uint8_t *p);
static size_t vpd_block_chars(const mc_lun *lun, uint8_t *p);
static size_t vpd_provisioning(const mc_lun *lun, uint8_t *p);

/* The pages, in ascending order as page 0x00 must list them. */
static const struct {
    uint8_t page;
    vpd_build_fn build;
} vpd_pages[] = {
    {VPD_SUPPORTED, vpd_supported},       {VPD_SERIAL, vpd_serial},
    {VPD_DEVICE_ID, vpd_device_id},       {VPD_BLOCK_LIMITS, vpd_block_limits},
    {VPD_BLOCK_CHARS, vpd_block_chars},   {VPD_PROVISIONING, vpd_provisioning},
};
#define VPD_COUNT (sizeof vpd_pages / sizeof vpd_pages[0])

/* Pages are built after a 4-byte header that vpd_finish fills. */
static size_t vpd_supported(const mc_lun *lun, uint8_t *p)
{
    for (size_t i = 0; i < VPD_COUNT; i++)
        p[i] = vpd_pages[i].page;
    return VPD_COUNT;
}

static size_t vpd_serial(const mc_lun *lun, uint8_t *p)
{
    size_t n = strlen(lun->serial);
    memcpy(p, lun->serial, n);
    return n;
}

static size_t designator(uint8_t *p, uint8_t code_set, uint8_t type, const uint8_t *id,
                         size_t len)
{
    p[0] = code_set;                                   /* protocol identifier 0 */
    p[1] = (uint8_t)((ASSOC_LU << 4) | type);          /* PIV 0 */
    p[2] = 0;
    p[3] = (uint8_t)len;
    memcpy(p + DESIG_HEADER, id, len);
    return DESIG_HEADER + len;
}

static size_t vpd_device_id(const mc_lun *lun, uint8_t *p)
{
    uint8_t naa[NAA_LEN];
    uint8_t t10[MC_T10_VENDOR_LEN + MC_PRODUCT_LEN + MC_SERIAL_MAX];
    size_t serial_len = strlen(lun->serial);
    size_t n;

    /* NAA 6: 4-bit NAA, 24-bit OUI, 36-bit vendor id (zero), 64-bit extension = naa_id. */
    mc_put32(naa, (NAA_REGISTERED_EXT << 28) | (NAA_OUI << 4));
    memset(naa + 4, 0, 4);
    mc_put64(naa + 8, lun->naa_id);
    n = designator(p, CODE_SET_BINARY, DESIG_NAA, naa, sizeof naa);
    /* T10 vendor id: vendor, then product and serial as the vendor-specific part. */
    memcpy(t10, lun->vendor, MC_T10_VENDOR_LEN);
    memcpy(t10 + MC_T10_VENDOR_LEN, lun->product, MC_PRODUCT_LEN);
    memcpy(t10 + MC_T10_VENDOR_LEN + MC_PRODUCT_LEN, lun->serial, serial_len);
    n += designator(p + n, CODE_SET_ASCII, DESIG_T10_VENDOR, t10,
                    MC_T10_VENDOR_LEN + MC_PRODUCT_LEN + serial_len);
    return n;
}

static size_t vpd_block_limits(const mc_lun *lun, uint8_t *p)
{
    uint8_t *page = p - VPD_HEADER;  /* the BL_*_AT offsets count from the page start */

    memset(p, 0, BLOCK_LIMITS_LEN);
    page[BL_FLAGS_AT] = BL_WSNZ;
    page[BL_MAX_CAW_AT] = MC_MAX_CAW_BLOCKS;
    mc_put16(page + BL_OPT_GRANULARITY_AT, 1);
    mc_put32(page + BL_MAX_XFER_AT, mc_max_xfer_blocks(lun));
    mc_put32(page + BL_OPT_XFER_AT, mc_max_xfer_blocks(lun));
    mc_put32(page + BL_MAX_UNMAP_AT, mc_max_unmap_blocks(lun));
    mc_put32(page + BL_MAX_UNMAP_DESC_AT, MC_MAX_UNMAP_DESCRIPTORS);
    mc_put32(page + BL_OPT_UNMAP_GRANULARITY_AT, 1);
    mc_put64(page + BL_MAX_WS_AT, mc_max_ws_blocks(lun));
    return BLOCK_LIMITS_LEN;
}

static size_t vpd_block_chars(const mc_lun *lun, uint8_t *p)
{
    memset(p, 0, BLOCK_CHARS_LEN);
    mc_put16(p, ROTATION_NONE);
    return BLOCK_CHARS_LEN;
}

static size_t vpd_provisioning(const mc_lun *lun, uint8_t *p)
{
    memset(p, 0, PROVISIONING_LEN);
    p[1] = LBP_LBPU | LBP_LBPWS | LBP_LBPWS10 | LBP_LBPRZ;
    p[2] = PROVISIONING_THIN;
    return PROVISIONING_LEN;
}

static size_t standard_data(const mc_lun *lun, uint8_t *p)
{
    static const uint16_t versions[] = {VERSION_SAM5, VERSION_SPC4_DESC, VERSION_SBC3};

    memset(p, 0, STD_LEN);
    p[0] = lun ? PERIPHERAL_DISK : PERIPHERAL_NONE;
    p[2] = VERSION_SPC4;
    p[3] = RESPONSE_FORMAT_2;
    p[4] = STD_LEN - 5;  /* additional length: bytes after byte 4 */
    p[7] = STD_CMDQUE;
    if (lun) {
        memcpy(p + STD_VENDOR_AT, lun->vendor, MC_T10_VENDOR_LEN);
        memcpy(p + STD_PRODUCT_AT, lun->product, MC_PRODUCT_LEN);
        memcpy(p + STD_REVISION_AT, lun->revision, MC_REVISION_LEN);
        for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
            mc_put16(p + STD_VERSIONS_AT + 2 * i, versions[i]);
    } else {
        memset(p + STD_VENDOR_AT, ' ', MC_T10_VENDOR_LEN + MC_PRODUCT_LEN + MC_REVISION_LEN);
    }
    return STD_LEN;
}

static int find_page(uint8_t page)
{
    for (size_t i = 0; i < VPD_COUNT; i++)
        if (vpd_pages[i].page == page)
            return (int)i;
    return -1;
}

int mc_plan_inquiry(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    bool evpd = (cmd->cdb[1] & INQ_EVPD) != 0;
    uint8_t page = cmd->cdb[INQ_PAGE_BYTE];

    /* SPC-4 6.6.1: a page code with EVPD zero, or a page we do not have, is an invalid field;
     * an LUN without an LU has no vital product data. */
    if ((!evpd && page != 0) || (evpd && (!lun || find_page(page) < 0))) {
        mc_sense_cdb_field(res, INQ_PAGE_BYTE, NO_BIT);
        return -1;
    }
    mc_plan_data_in(cmd, plan, mc_be16(cmd->cdb + INQ_ALLOC_BYTE));
    return 0;
}

void mc_exec_inquiry(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    uint8_t buf[INQ_BUF];
    size_t len;

    if (!(cmd->cdb[1] & INQ_EVPD)) {
        len = standard_data(lun, buf);
    } else {
        int i = find_page(cmd->cdb[INQ_PAGE_BYTE]);
        memset(buf, 0, VPD_HEADER);
        buf[0] = PERIPHERAL_DISK;
        buf[1] = vpd_pages[i].page;
        len = vpd_pages[i].build(lun, buf + VPD_HEADER);
        mc_put16(buf + 2, (uint16_t)len);
        len += VPD_HEADER;
    }
    mc_reply(cmd, res, buf, len);
}
