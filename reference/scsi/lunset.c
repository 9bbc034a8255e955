/* The logical units behind one target: lookup by LUN, REPORT LUNS (SPC-4 6.33), commands to a
 * LUN with no LU behind it, and the SAM-5 single-level LUN encoding (SAM-5 4.7). */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "handlers.h"

#define RL_SELECT_BYTE 2u
#define RL_ALLOC_BYTE 6u
#define RL_MIN_ALLOC 16u              /* SPC-4 6.33: shorter allocation lengths are refused */
#define RL_HEADER 8u
#define RL_ENTRY 8u
#define SELECT_ALL 0x00u              /* all LUs except well-known ones */
#define SELECT_WELL_KNOWN 0x01u       /* well-known LUs only: we have none */
#define SELECT_ALL_WITH_WELL_KNOWN 0x02u
#define ADDR_PERIPHERAL 0x0u          /* address method, top two bits of byte 0 */
#define ADDR_FLAT 0x1u
#define PERIPHERAL_MAX 0xffu          /* peripheral addressing holds an 8-bit LUN, bus 0 */
#define NO_BIT 8u

struct mc_lun_set {
    size_t count;
    struct {
        uint16_t id;
        mc_lun *lu;
    } ent[MC_LUN_MAX_SETS];           /* sorted by id */
};

mc_lun_set *mc_lun_set_new(void) { return calloc(1, sizeof(mc_lun_set)); }

void mc_lun_set_free(mc_lun_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        mc_lun_close(set->ent[i].lu);
    free(set);
}

int mc_lun_set_add(mc_lun_set *set, uint16_t lun, mc_lun *lu)
{
    size_t at = 0;

    if (!set || !lu || lu->set || lun > MC_LUN_ID_MAX || set->count >= MC_LUN_MAX_SETS)
        return -1;
    while (at < set->count && set->ent[at].id < lun)
        at++;
    if (at < set->count && set->ent[at].id == lun)
        return -1;
    memmove(&set->ent[at + 1], &set->ent[at], (set->count - at) * sizeof set->ent[0]);
    set->ent[at].id = lun;
    set->ent[at].lu = lu;
    set->count++;
    lu->set = set;
    return 0;
}

mc_lun *mc_lun_set_get(const mc_lun_set *set, uint16_t lun)
{
    for (size_t i = 0; set && i < set->count; i++)
        if (set->ent[i].id == lun)
            return set->ent[i].lu;
    return NULL;
}

size_t mc_lun_set_count(const mc_lun_set *set) { return set ? set->count : 0; }

int mc_lun_set_plan(mc_lun_set *set, uint16_t lun, const uint8_t *cdb, size_t cdb_len,
                    mc_scsi_plan *plan, mc_scsi_result *res)
{
    mc_cmd cmd;

    memset(&cmd, 0, sizeof cmd);
    cmd.cdb = cdb;
    cmd.cdb_len = cdb_len;
    cmd.set = set;
    return mc_dispatch_plan(mc_lun_set_get(set, lun), &cmd, plan, res);
}

int mc_lun_set_execute(mc_lun_set *set, uint16_t lun, const uint8_t *cdb, size_t cdb_len,
                       const uint8_t *data_out, size_t data_out_len, uint8_t *data_in,
                       size_t data_in_cap, mc_scsi_result *res)
{
    mc_cmd cmd;

    memset(&cmd, 0, sizeof cmd);
    cmd.cdb = cdb;
    cmd.cdb_len = cdb_len;
    cmd.set = set;
    cmd.out = data_out;
    cmd.out_len = data_out ? data_out_len : 0;
    cmd.in = data_in;
    cmd.in_cap = data_in ? data_in_cap : 0;
    mc_dispatch_execute(mc_lun_set_get(set, lun), &cmd, res);
    return 0;
}

int mc_plan_report_luns(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    uint8_t select = cmd->cdb[RL_SELECT_BYTE];
    uint32_t alloc = mc_be32(cmd->cdb + RL_ALLOC_BYTE);

    if (select != SELECT_ALL && select != SELECT_WELL_KNOWN &&
        select != SELECT_ALL_WITH_WELL_KNOWN) {
        mc_sense_cdb_field(res, RL_SELECT_BYTE, NO_BIT);
        return -1;
    }
    if (alloc < RL_MIN_ALLOC) {
        mc_sense_cdb_field(res, RL_ALLOC_BYTE, NO_BIT);
        return -1;
    }
    mc_plan_data_in(cmd, plan, alloc);
    return 0;
}

void mc_exec_report_luns(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    uint8_t buf[RL_HEADER + RL_ENTRY * MC_LUN_MAX_SETS];
    const mc_lun_set *set = cmd->set;
    size_t n = 0;

    memset(buf, 0, sizeof buf);
    if (cmd->cdb[RL_SELECT_BYTE] != SELECT_WELL_KNOWN) {
        if (set) {
            for (; n < set->count; n++)
                mc_put64(buf + RL_HEADER + n * RL_ENTRY, mc_lun_encode(set->ent[n].id));
        } else if (lun) {
            mc_put64(buf + RL_HEADER, mc_lun_encode(0));  /* a lone LU answers as LUN 0 */
            n = 1;
        }
    }
    mc_put32(buf, (uint32_t)(n * RL_ENTRY));  /* LUN LIST LENGTH */
    mc_reply(cmd, res, buf, RL_HEADER + n * RL_ENTRY);
}

uint64_t mc_lun_encode(uint16_t lun)
{
    uint64_t b0, b1 = lun & 0xffu;

    if (lun <= PERIPHERAL_MAX)
        b0 = ADDR_PERIPHERAL << 6;
    else
        b0 = (ADDR_FLAT << 6) | ((lun >> 8) & 0x3fu);
    return (b0 << 56) | (b1 << 48);
}

uint16_t mc_lun_decode(uint64_t field)
{
    unsigned b0 = (unsigned)(field >> 56);
    unsigned b1 = (unsigned)(field >> 48) & 0xffu;

    if (field & 0x0000ffffffffffffull)
        return MC_LUN_INVALID;  /* second to fourth levels in use: not single-level */
    switch (b0 >> 6) {
    case ADDR_PERIPHERAL:
        return (b0 & 0x3fu) ? MC_LUN_INVALID : (uint16_t)b1;  /* bus identifier must be 0 */
    case ADDR_FLAT:
        return (uint16_t)(((b0 & 0x3fu) << 8) | b1);
    default:
        return MC_LUN_INVALID;
    }
}
