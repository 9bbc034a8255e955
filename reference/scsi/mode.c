/* MODE SENSE 6 and 10 (SPC-4 6.11-6.12) with the block descriptor and three pages. Nothing is
 * changeable (no MODE SELECT), so the changeable values are all zero. */
#include <string.h>

#include "bytes.h"
#include "handlers.h"

#define OP_MODE_SENSE6 0x1au
#define MS_DBD 0x08u
#define MS_LLBAA 0x10u
#define MS_PAGE_BYTE 2u
#define MS_SUBPAGE_BYTE 3u
#define MS_ALLOC6_BYTE 4u
#define MS_ALLOC10_BYTE 7u
#define MS_PC_SHIFT 6u
#define MS_PAGE_MASK 0x3fu
#define MS_PAGE_TOP_BIT 5u
#define PC_CURRENT 0u
#define PC_CHANGEABLE 1u
#define PC_DEFAULT 2u
#define PC_SAVED 3u
#define PAGE_ALL 0x3fu
#define SUBPAGE_ALL 0xffu
#define HEADER6 4u
#define HEADER10 8u
#define SHORT_BD 8u
#define LONG_BD 16u
#define SHORT_BD_LEN_AT 5u            /* LOGICAL BLOCK LENGTH in the descriptors (SBC-3 6.4.2) */
#define LONG_BD_LEN_AT 12u
#define DEVSPEC_DPOFUA 0x10u          /* DPO and FUA supported (SBC-3 6.4.2) */
#define LONGLBA 0x01u
#define SHORT_BD_MAX_BLOCKS 0xffffffffu
#define MODE_BUF 256u
#define NO_BIT 8u

#define PAGE_RW_RECOVERY 0x01u
#define PAGE_CACHING 0x08u
#define PAGE_CONTROL 0x0au
#define CACHING_WCE 0x04u             /* write cache enabled: a store with a volatile cache */
#define RW_RECOVERY_LEN 0x0au
#define CACHING_LEN 0x12u
#define CONTROL_LEN 0x0au
#define CONTROL_BUSY_TIMEOUT_AT 8u    /* BUSY TIMEOUT PERIOD, SPC-4 7.5.7 */
#define BUSY_TIMEOUT_UNLIMITED 0xffffu

typedef struct mode_page {
    uint8_t code;
    uint8_t len;  /* PAGE LENGTH: bytes after the two-byte header */
} mode_page;

static const mode_page pages[] = {
    {PAGE_RW_RECOVERY, RW_RECOVERY_LEN},
    {PAGE_CACHING, CACHING_LEN},
    {PAGE_CONTROL, CONTROL_LEN},
};
#define PAGE_COUNT (sizeof pages / sizeof pages[0])

static bool have_page(uint8_t code)
{
    for (size_t i = 0; i < PAGE_COUNT; i++)
        if (pages[i].code == code)
            return true;
    return false;
}

/* One page's current (or default) values; changeable values stay zero. */
static size_t put_page(const mc_lun *lun, const mode_page *pg, unsigned pc, uint8_t *p)
{
    memset(p, 0, 2u + pg->len);
    p[0] = pg->code;  /* PS 0: pages cannot be saved */
    p[1] = pg->len;
    if (pc != PC_CHANGEABLE && pg->code == PAGE_CACHING &&
        (mc_store_flags(lun->store) & MC_STORE_WRITE_CACHE))
        p[2] = CACHING_WCE;
    /* Control page: D_SENSE 0 (fixed sense), QERR 0, TST 0; no limit on busy periods. */
    if (pc != PC_CHANGEABLE && pg->code == PAGE_CONTROL)
        mc_put16(p + CONTROL_BUSY_TIMEOUT_AT, BUSY_TIMEOUT_UNLIMITED);
    return 2u + pg->len;
}

int mc_plan_mode_sense(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    unsigned pc = cmd->cdb[MS_PAGE_BYTE] >> MS_PC_SHIFT;
    uint8_t page = cmd->cdb[MS_PAGE_BYTE] & MS_PAGE_MASK;
    uint8_t sub = cmd->cdb[MS_SUBPAGE_BYTE];
    bool six = cmd->cdb[0] == OP_MODE_SENSE6;

    if (pc == PC_SAVED) {
        mc_scsi_set_sense(res, MC_SK_ILLEGAL_REQUEST, MC_ASC_SAVING_PARAMS_UNSUPPORTED);
        return -1;
    }
    if (page != PAGE_ALL && !have_page(page)) {
        mc_sense_cdb_field(res, MS_PAGE_BYTE, MS_PAGE_TOP_BIT);
        return -1;
    }
    /* No subpages: only subpage 0, or "all subpages" together with "all pages". */
    if (sub != 0 && !(sub == SUBPAGE_ALL && page == PAGE_ALL)) {
        mc_sense_cdb_field(res, MS_SUBPAGE_BYTE, NO_BIT);
        return -1;
    }
    mc_plan_data_in(cmd, plan,
                    six ? cmd->cdb[MS_ALLOC6_BYTE] : mc_be16(cmd->cdb + MS_ALLOC10_BYTE));
    return 0;
}

void mc_exec_mode_sense(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    uint8_t buf[MODE_BUF];
    bool six = cmd->cdb[0] == OP_MODE_SENSE6;
    bool dbd = (cmd->cdb[1] & MS_DBD) != 0;
    bool longlba = !six && (cmd->cdb[1] & MS_LLBAA);
    unsigned pc = cmd->cdb[MS_PAGE_BYTE] >> MS_PC_SHIFT;
    uint8_t page = cmd->cdb[MS_PAGE_BYTE] & MS_PAGE_MASK;
    size_t hdr = six ? HEADER6 : HEADER10;
    size_t bd = dbd ? 0 : (longlba ? LONG_BD : SHORT_BD);
    size_t n = hdr;

    memset(buf, 0, sizeof buf);
    if (bd == SHORT_BD && pc != PC_CHANGEABLE) {
        mc_put32(buf + n, lun->blocks > SHORT_BD_MAX_BLOCKS ? SHORT_BD_MAX_BLOCKS
                                                            : (uint32_t)lun->blocks);
        mc_put24(buf + n + SHORT_BD_LEN_AT, lun->block_size);
    } else if (bd == LONG_BD && pc != PC_CHANGEABLE) {
        mc_put64(buf + n, lun->blocks);
        mc_put32(buf + n + LONG_BD_LEN_AT, lun->block_size);
    }
    n += bd;
    for (size_t i = 0; i < PAGE_COUNT; i++)
        if (page == PAGE_ALL || pages[i].code == page)
            n += put_page(lun, &pages[i], pc, buf + n);
    if (six) {
        buf[0] = (uint8_t)(n - 1);  /* MODE DATA LENGTH excludes itself */
        buf[2] = DEVSPEC_DPOFUA;
        buf[3] = (uint8_t)bd;
    } else {
        mc_put16(buf, (uint16_t)(n - 2));
        buf[3] = DEVSPEC_DPOFUA;
        buf[4] = longlba ? LONGLBA : 0;
        mc_put16(buf + 6, (uint16_t)bd);
    }
    mc_reply(cmd, res, buf, n);
}
