/* REPORT SUPPORTED OPERATION CODES (SPC-4 6.33), answered from the opcode table itself. */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "handlers.h"

#define RSOC_OPTIONS_BYTE 2u
#define RSOC_RCTD 0x80u               /* return command timeouts descriptors */
#define RSOC_OPTIONS_MASK 0x07u
#define RSOC_OPCODE_BYTE 3u
#define RSOC_SA_BYTE 4u
#define RSOC_ALLOC_BYTE 6u
#define OPT_ALL 0u                    /* every command, in the all_commands format */
#define OPT_OPCODE 1u                 /* one opcode without service actions */
#define OPT_OPCODE_SA 2u              /* one opcode with a service action */
#define OPT_EITHER 3u                 /* one opcode, with its service action if it has them */
#define ALL_HEADER 4u
#define ALL_DESC 8u
#define CTDP_ALL 0x02u
#define SERVACTV 0x01u
#define ONE_HEADER 4u
#define CTDP_ONE 0x80u
#define SUPPORT_NONE 0x01u            /* not supported */
#define SUPPORT_STANDARD 0x03u        /* supported as the standard describes */
#define TIMEOUTS_DESC 12u
#define TIMEOUTS_LEN 0x0au            /* DESCRIPTOR LENGTH of a timeouts descriptor */
#define OPTIONS_TOP_BIT 2u

static bool opcode_known(uint8_t opcode)
{
    size_t count;
    const mc_cdb_op *t = mc_cdb_table(&count);
    for (size_t i = 0; i < count; i++)
        if (t[i].opcode == opcode)
            return true;
    return false;
}

int mc_plan_report_opcodes(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    unsigned opt = cmd->cdb[RSOC_OPTIONS_BYTE] & RSOC_OPTIONS_MASK;
    uint8_t opcode = cmd->cdb[RSOC_OPCODE_BYTE];
    bool has_sa = mc_cdb_opcode_has_sa(opcode);

    /* Asking for one command in the form that does not fit it is an invalid field. */
    if (opt > OPT_EITHER || (opt == OPT_OPCODE && has_sa) ||
        (opt == OPT_OPCODE_SA && opcode_known(opcode) && !has_sa)) {
        mc_sense_cdb_field(res, RSOC_OPTIONS_BYTE, OPTIONS_TOP_BIT);
        return -1;
    }
    mc_plan_data_in(cmd, plan, mc_be32(cmd->cdb + RSOC_ALLOC_BYTE));
    return 0;
}

static size_t put_timeouts(uint8_t *p)
{
    memset(p, 0, TIMEOUTS_DESC);
    mc_put16(p, TIMEOUTS_LEN);
    mc_put32(p + 4, MC_CMD_TIMEOUT_S);  /* nominal */
    mc_put32(p + 8, MC_CMD_TIMEOUT_S);  /* recommended */
    return TIMEOUTS_DESC;
}

static void report_all(mc_cmd *cmd, mc_scsi_result *res, bool rctd)
{
    size_t count;
    const mc_cdb_op *t = mc_cdb_table(&count);
    size_t per = ALL_DESC + (rctd ? TIMEOUTS_DESC : 0);
    size_t len = ALL_HEADER + count * per;
    uint8_t *buf = calloc(1, len);
    uint8_t *p;

    if (!buf) {
        mc_scsi_set_sense(res, MC_SK_HARDWARE_ERROR, MC_ASC_NONE);
        return;
    }
    mc_put32(buf, (uint32_t)(len - ALL_HEADER));
    p = buf + ALL_HEADER;
    for (size_t i = 0; i < count; i++, p += per) {
        p[0] = t[i].opcode;
        if (t[i].flags & MC_OP_SA) {
            mc_put16(p + 2, t[i].sa);
            p[5] = SERVACTV;
        }
        if (rctd) {
            p[5] |= CTDP_ALL;
            put_timeouts(p + ALL_DESC);
        }
        mc_put16(p + 6, t[i].cdb_len);
    }
    mc_reply(cmd, res, buf, len);
    free(buf);
}

static void report_one(mc_cmd *cmd, mc_scsi_result *res, bool rctd)
{
    uint8_t buf[ONE_HEADER + MC_CDB_MAX + TIMEOUTS_DESC];
    uint8_t opcode = cmd->cdb[RSOC_OPCODE_BYTE];
    uint16_t sa = mc_be16(cmd->cdb + RSOC_SA_BYTE);
    const mc_cdb_op *op = NULL;
    size_t n = ONE_HEADER;

    if (!mc_cdb_opcode_has_sa(opcode))
        op = mc_cdb_find(opcode, 0);
    else if (sa <= MC_SA_MASK)
        op = mc_cdb_find(opcode, (uint8_t)sa);
    memset(buf, 0, sizeof buf);
    if (!op) {
        buf[1] = SUPPORT_NONE;  /* CDB SIZE 0, no usage data */
        mc_reply(cmd, res, buf, ONE_HEADER);
        return;
    }
    buf[1] = SUPPORT_STANDARD | (rctd ? CTDP_ONE : 0u);
    mc_put16(buf + 2, op->cdb_len);
    memcpy(buf + n, op->usage, op->cdb_len);
    n += op->cdb_len;
    if (rctd)
        n += put_timeouts(buf + n);
    mc_reply(cmd, res, buf, n);
}

void mc_exec_report_opcodes(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    bool rctd = (cmd->cdb[RSOC_OPTIONS_BYTE] & RSOC_RCTD) != 0;

    if ((cmd->cdb[RSOC_OPTIONS_BYTE] & RSOC_OPTIONS_MASK) == OPT_ALL)
        report_all(cmd, res, rctd);
    else
        report_one(cmd, res, rctd);
}
