/* From CDB to handler: table lookup, reserved-bit check against the usage data, LU state, then
 * the row's plan; execution re-plans so a transport cannot run an unchecked CDB. */
#include <string.h>

#include "handlers.h"

#define CDB_BYTE_SA 1u
#define SA_TOP_BIT 4u  /* field pointer bit for an unsupported service action */
#define NO_BIT 8u      /* field pointer without a bit pointer */
#define TOP_BIT 7u

/* The first bit set in a CDB byte that the table does not mark as used: INVALID FIELD IN CDB
 * naming it (SPC-4 4.2.5: reserved fields must be zero). */
static int check_reserved(const mc_cdb_op *op, const uint8_t *cdb, mc_scsi_result *res)
{
    for (uint8_t i = 1; i < op->cdb_len; i++) {
        uint8_t used = op->usage[i];
        uint8_t extra;

        if (i == CDB_BYTE_SA && (op->flags & MC_OP_SA))
            used |= MC_SA_MASK;
        extra = (uint8_t)(cdb[i] & ~used);
        if (extra) {
            uint8_t bit = TOP_BIT;
            while (!(extra & (1u << bit)))
                bit--;
            mc_sense_cdb_field(res, i, bit);
            return -1;
        }
    }
    return 0;
}

int mc_dispatch_plan(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    const mc_cdb_op *op;
    uint8_t opcode;

    mc_result_good(res);
    plan->dir = MC_XFER_NONE;
    plan->length = 0;
    cmd->op = NULL;
    if (!cmd->cdb || cmd->cdb_len == 0 || cmd->cdb_len > MC_CDB_MAX) {
        mc_scsi_set_sense(res, MC_SK_ILLEGAL_REQUEST, MC_ASC_INVALID_OPCODE);
        return -1;
    }
    opcode = cmd->cdb[0];
    if (mc_cdb_opcode_has_sa(opcode))
        op = cmd->cdb_len > CDB_BYTE_SA ? mc_cdb_find(opcode, cmd->cdb[CDB_BYTE_SA] & MC_SA_MASK)
                                        : NULL;
    else
        op = mc_cdb_find(opcode, 0);
    /* SPC-4 4.6.20: with no LU behind the LUN only INQUIRY, REPORT LUNS and REQUEST SENSE are
     * answered; anything else is LOGICAL UNIT NOT SUPPORTED. */
    if (!lun && (!op || !(op->flags & MC_OP_ANY_LUN))) {
        mc_scsi_set_sense(res, MC_SK_ILLEGAL_REQUEST, MC_ASC_LUN_NOT_SUPPORTED);
        return -1;
    }
    if (!op) {
        if (mc_cdb_opcode_has_sa(opcode))
            mc_sense_cdb_field(res, CDB_BYTE_SA, SA_TOP_BIT);
        else
            mc_scsi_set_sense(res, MC_SK_ILLEGAL_REQUEST, MC_ASC_INVALID_OPCODE);
        return -1;
    }
    if (cmd->cdb_len < op->cdb_len) {
        /* The CDB is shorter than its group code says: its last bytes are missing. */
        mc_sense_cdb_field(res, (uint16_t)cmd->cdb_len, NO_BIT);
        return -1;
    }
    if (check_reserved(op, cmd->cdb, res) < 0)
        return -1;
    if (lun && lun->stopped && (op->flags & MC_OP_MEDIUM)) {
        mc_scsi_set_sense(res, MC_SK_NOT_READY, MC_ASC_NOT_READY_STOPPED);
        return -1;
    }
    cmd->op = op;
    return op->plan(lun, cmd, plan, res);
}

void mc_dispatch_execute(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    mc_scsi_plan plan;

    if (mc_dispatch_plan(lun, cmd, &plan, res) < 0)
        return;
    cmd->op->exec(lun, cmd, res);
}

int mc_lun_plan(mc_lun *lun, const uint8_t *cdb, size_t cdb_len, mc_scsi_plan *plan,
                mc_scsi_result *res)
{
    mc_cmd cmd;

    memset(&cmd, 0, sizeof cmd);
    cmd.cdb = cdb;
    cmd.cdb_len = cdb_len;
    cmd.set = lun ? lun->set : NULL;  /* no LU: answered as a LUN without one */
    return mc_dispatch_plan(lun, &cmd, plan, res);
}

int mc_lun_execute(mc_lun *lun, const uint8_t *cdb, size_t cdb_len, const uint8_t *data_out,
                   size_t data_out_len, uint8_t *data_in, size_t data_in_cap, mc_scsi_result *res)
{
    mc_cmd cmd;

    memset(&cmd, 0, sizeof cmd);
    cmd.cdb = cdb;
    cmd.cdb_len = cdb_len;
    cmd.set = lun ? lun->set : NULL;
    cmd.out = data_out;
    cmd.out_len = data_out ? data_out_len : 0;
    cmd.in = data_in;
    cmd.in_cap = data_in ? data_in_cap : 0;
    mc_dispatch_execute(lun, &cmd, res);
    return 0;
}
