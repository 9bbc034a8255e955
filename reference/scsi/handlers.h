/* Plan and execute functions of every supported command; cdb_table.c binds them to opcodes. */
#ifndef MC_SCSI_HANDLERS_H
#define MC_SCSI_HANDLERS_H

#include "lun_internal.h"

/* unit.c: unit state and capacity */
int mc_plan_no_data(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_no_op(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
int mc_plan_request_sense(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_request_sense(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
int mc_plan_start_stop(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_start_stop(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
int mc_plan_read_capacity10(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_read_capacity10(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
int mc_plan_read_capacity16(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_read_capacity16(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

/* inquiry.c */
int mc_plan_inquiry(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_inquiry(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

/* mode.c */
int mc_plan_mode_sense(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_mode_sense(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

/* rw.c: READ, WRITE, WRITE AND VERIFY, ORWRITE */
int mc_plan_read(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_read(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
int mc_plan_write(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_write(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
int mc_plan_write_verify(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_write_verify(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
void mc_exec_orwrite(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

/* verify.c: VERIFY, COMPARE AND WRITE */
int mc_plan_verify(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_verify(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
int mc_plan_compare_write(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_compare_write(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

/* cache.c: SYNCHRONIZE CACHE, PRE-FETCH */
int mc_plan_cache_range(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_sync_cache(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
void mc_exec_prefetch(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

/* provision.c: WRITE SAME, UNMAP, GET LBA STATUS */
int mc_plan_write_same(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_write_same(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
int mc_plan_unmap(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_unmap(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);
int mc_plan_lba_status(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_lba_status(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

/* opcodes.c: REPORT SUPPORTED OPERATION CODES */
int mc_plan_report_opcodes(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_report_opcodes(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

/* lunset.c: REPORT LUNS */
int mc_plan_report_luns(mc_lun *lun, mc_cmd *cmd, mc_scsi_plan *plan, mc_scsi_result *res);
void mc_exec_report_luns(mc_lun *lun, mc_cmd *cmd, mc_scsi_result *res);

/* blockcdb.c: LBA and transfer length of the READ/WRITE family CDB layouts (SBC-3 5.x) */
typedef struct mc_block_fields {
    uint64_t lba;
    uint32_t blocks;
    uint8_t len_byte;  /* CDB byte where the length field starts, for the field pointer */
} mc_block_fields;
void mc_block_decode(const uint8_t *cdb, uint8_t cdb_len, mc_block_fields *f);
/* Rejects RDPROTECT/WRPROTECT/VRPROTECT != 0: the LU has no protection information. */
int mc_check_protect(const uint8_t *cdb, uint8_t cdb_len, mc_scsi_result *res);
/* Data-in planning for commands returning parameter data of allocation length alloc. */
void mc_plan_data_in(mc_cmd *cmd, mc_scsi_plan *plan, uint32_t alloc);

#endif
