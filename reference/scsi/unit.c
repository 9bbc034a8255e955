/* Unit state and capacity: TEST UNIT READY, REQUEST SENSE, START STOP UNIT (SBC-3 5.25),
 * READ CAPACITY 10 and 16 (SBC-3 5.15-5.16). */
#include <string.h>

#include "bytes.h"
#include "handlers.h"

#define REQUEST_SENSE_DESC 0x01u
#define REQUEST_SENSE_ALLOC_BYTE 4u
#define SSU_START 0x01u
#define SSU_POWER_SHIFT 4u
#define POWER_START_VALID 0x0u        /* SBC-3 table 48: the START bit applies */
#define POWER_ACTIVE 0x1u
#define POWER_IDLE 0x2u
#define POWER_STANDBY 0x3u
#define POWER_LU_CONTROL 0x7u
#define POWER_FORCE_IDLE_0 0xau
#define POWER_FORCE_STANDBY_0 0xbu
#define SSU_POWER_BYTE 4u
#define SSU_POWER_TOP_BIT 7u
#define RC10_LEN 8u
#define RC10_PMI_BYTE 8u
#define RC10_PMI 0x01u
#define RC10_MAX_LBA 0xffffffffu      /* "use READ CAPACITY(16)" */
#define RC16_LEN 32u
#define RC16_ALLOC_BYTE 10u
#define RC16_LBPME 0x80u              /* logical block provisioning management enabled */
#define RC16_LBPRZ 0x40u              /* unmapped blocks read zero */
#define NO_BIT 8u

int mc_plan_no_data(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    return 0;
}

void mc_exec_no_op(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res) {}

int mc_plan_request_sense(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    mc_plan_data_in(cmd, plan, cmd->cdb[REQUEST_SENSE_ALLOC_BYTE]);
    return 0;
}

void mc_exec_request_sense(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    uint8_t buf[MC_SENSE_LEN];
    bool desc = (cmd->cdb[1] & REQUEST_SENSE_DESC) != 0;
    size_t len;

    /* Sense is delivered with the failing command (autosense); what remains to report is
     * the state of the LUN (SPC-4 6.39). */
    if (!lun)
        len = mc_sense_build(buf, sizeof buf, desc, MC_SK_ILLEGAL_REQUEST,
                             MC_ASC_LUN_NOT_SUPPORTED);
    else if (lun->stopped)
        len = mc_sense_build(buf, sizeof buf, desc, MC_SK_NOT_READY, MC_ASC_NOT_READY_STOPPED);
    else
        len = mc_sense_build(buf, sizeof buf, desc, MC_SK_NO_SENSE, MC_ASC_NONE);
    mc_reply(cmd, res, buf, len);
}

int mc_plan_start_stop(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    switch (cmd->cdb[SSU_POWER_BYTE] >> SSU_POWER_SHIFT) {
    case POWER_START_VALID:
    case POWER_ACTIVE:
    case POWER_IDLE:
    case POWER_STANDBY:
    case POWER_LU_CONTROL:
    case POWER_FORCE_IDLE_0:
    case POWER_FORCE_STANDBY_0:
        return 0;
    default:
        mc_sense_cdb_field(res, SSU_POWER_BYTE, SSU_POWER_TOP_BIT);
        return -1;
    }
}

void mc_exec_start_stop(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    /* Power conditions other than START_VALID leave the START bit ignored; with no removable
     * medium LOEJ has nothing to load or eject. Stopping flushes unless NO_FLUSH is set, and a
     * flush is harmless, so it always happens. */
    if ((cmd->cdb[SSU_POWER_BYTE] >> SSU_POWER_SHIFT) != POWER_START_VALID)
        return;
    if (!(cmd->cdb[SSU_POWER_BYTE] & SSU_START) && mc_io_flush(lun, res) < 0)
        return;
    lun->stopped = !(cmd->cdb[SSU_POWER_BYTE] & SSU_START);
}

int mc_plan_read_capacity10(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    /* SBC-3 5.15: with PMI zero the LOGICAL BLOCK ADDRESS field must be zero. */
    if (!(cmd->cdb[RC10_PMI_BYTE] & RC10_PMI) && mc_be32(cmd->cdb + 2) != 0) {
        mc_sense_cdb_field(res, 2, NO_BIT);
        return -1;
    }
    mc_plan_data_in(cmd, plan, RC10_LEN);
    return 0;
}

void mc_exec_read_capacity10(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    uint8_t buf[RC10_LEN];
    uint64_t last = lun->blocks - 1;

    mc_put32(buf, last >= RC10_MAX_LBA ? RC10_MAX_LBA : (uint32_t)last);
    mc_put32(buf + 4, lun->block_size);
    mc_reply(cmd, res, buf, sizeof buf);
}

int mc_plan_read_capacity16(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res)
{
    mc_plan_data_in(cmd, plan, mc_be32(cmd->cdb + RC16_ALLOC_BYTE));
    return 0;
}

void mc_exec_read_capacity16(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res)
{
    uint8_t buf[RC16_LEN];

    memset(buf, 0, sizeof buf);
    mc_put64(buf, lun->blocks - 1);
    mc_put32(buf + 8, lun->block_size);
    /* byte 12: no protection; byte 13: one logical block per physical block */
    buf[14] = RC16_LBPME | RC16_LBPRZ;  /* UNMAP is supported and unmapped blocks read zero */
    mc_reply(cmd, res, buf, sizeof buf);
}
