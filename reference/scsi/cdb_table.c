/* The one opcode table (SPC-4 / SBC-3 operation codes): the dispatcher, the reserved-bit check
 * and REPORT SUPPORTED OPERATION CODES all read these rows, so nothing is listed twice.
 * usage[] is the CDB usage data of SPC-4 6.33.3; the last byte is CONTROL, of which we evaluate
 * nothing (NACA unsupported, so a set NACA bit is an invalid field). */
#include "handlers.h"

/* Operation codes (SPC-4 table D.2, SBC-3 table 19). */
enum {
    OP_TEST_UNIT_READY = 0x00,
    OP_REQUEST_SENSE = 0x03,
    OP_READ6 = 0x08,
    OP_WRITE6 = 0x0a,
    OP_INQUIRY = 0x12,
    OP_MODE_SENSE6 = 0x1a,
    OP_START_STOP_UNIT = 0x1b,
    OP_READ_CAPACITY10 = 0x25,
    OP_READ10 = 0x28,
    OP_WRITE10 = 0x2a,
    OP_WRITE_VERIFY10 = 0x2e,
    OP_VERIFY10 = 0x2f,
    OP_PREFETCH10 = 0x34,
    OP_SYNC_CACHE10 = 0x35,
    OP_WRITE_SAME10 = 0x41,
    OP_UNMAP = 0x42,
    OP_MODE_SENSE10 = 0x5a,
    OP_READ16 = 0x88,
    OP_COMPARE_AND_WRITE = 0x89,
    OP_WRITE16 = 0x8a,
    OP_ORWRITE16 = 0x8b,
    OP_WRITE_VERIFY16 = 0x8e,
    OP_VERIFY16 = 0x8f,
    OP_PREFETCH16 = 0x90,
    OP_SYNC_CACHE16 = 0x91,
    OP_WRITE_SAME16 = 0x93,
    OP_SERVICE_ACTION_IN16 = 0x9e,
    OP_REPORT_LUNS = 0xa0,
    OP_MAINTENANCE_IN = 0xa3,
    OP_READ12 = 0xa8,
    OP_WRITE12 = 0xaa,
    OP_WRITE_VERIFY12 = 0xae,
    OP_VERIFY12 = 0xaf,
};

/* Service actions. */
enum {
    SA_READ_CAPACITY16 = 0x10,   /* SERVICE ACTION IN(16), SBC-3 5.16 */
    SA_GET_LBA_STATUS = 0x12,    /* SERVICE ACTION IN(16), SBC-3 5.8 */
    SA_REPORT_OPCODES = 0x0c,    /* MAINTENANCE IN, SPC-4 6.33 */
};

/* Byte 1 usage of the block commands: xxPROTECT (7-5), DPO (4), FUA (3), FUA_NV (1). */
#define RW_FLAGS 0xfa
#define VERIFY_FLAGS 0xf6   /* VRPROTECT/WRPROTECT (7-5), DPO (4), BYTCHK (2-1) */
#define GROUP 0x1f          /* GROUP NUMBER */
#define IMMED 0x02
#define LBA4 0xff, 0xff, 0xff, 0xff
#define LBA8 LBA4, LBA4
#define LEN2 0xff, 0xff
#define LEN4 LBA4

static const mc_cdb_op table[] = {
    {OP_TEST_UNIT_READY, 0, MC_OP_MEDIUM, 6, {OP_TEST_UNIT_READY, 0, 0, 0, 0, 0},
     mc_plan_no_data, mc_exec_no_op},
    {OP_REQUEST_SENSE, 0, MC_OP_ANY_LUN, 6, {OP_REQUEST_SENSE, 0x01, 0, 0, 0xff, 0},
     mc_plan_request_sense, mc_exec_request_sense},
    {OP_READ6, 0, MC_OP_MEDIUM, 6, {OP_READ6, 0x1f, 0xff, 0xff, 0xff, 0}, mc_plan_read,
     mc_exec_read},
    {OP_WRITE6, 0, MC_OP_MEDIUM, 6, {OP_WRITE6, 0x1f, 0xff, 0xff, 0xff, 0}, mc_plan_write,
     mc_exec_write},
    {OP_INQUIRY, 0, MC_OP_ANY_LUN, 6, {OP_INQUIRY, 0x01, 0xff, 0xff, 0xff, 0}, mc_plan_inquiry,
     mc_exec_inquiry},
    {OP_MODE_SENSE6, 0, 0, 6, {OP_MODE_SENSE6, 0x08, 0xff, 0xff, 0xff, 0}, mc_plan_mode_sense,
     mc_exec_mode_sense},
    {OP_START_STOP_UNIT, 0, 0, 6, {OP_START_STOP_UNIT, 0x01, 0, 0x0f, 0xf7, 0},
     mc_plan_start_stop, mc_exec_start_stop},
    {OP_READ_CAPACITY10, 0, MC_OP_MEDIUM, 10,
     {OP_READ_CAPACITY10, 0, LBA4, 0, 0, 0x01, 0}, mc_plan_read_capacity10,
     mc_exec_read_capacity10},
    {OP_READ10, 0, MC_OP_MEDIUM, 10, {OP_READ10, RW_FLAGS, LBA4, GROUP, LEN2, 0}, mc_plan_read,
     mc_exec_read},
    {OP_WRITE10, 0, MC_OP_MEDIUM, 10, {OP_WRITE10, RW_FLAGS, LBA4, GROUP, LEN2, 0},
     mc_plan_write, mc_exec_write},
    {OP_WRITE_VERIFY10, 0, MC_OP_MEDIUM, 10,
     {OP_WRITE_VERIFY10, VERIFY_FLAGS, LBA4, GROUP, LEN2, 0}, mc_plan_write_verify,
     mc_exec_write_verify},
    {OP_VERIFY10, 0, MC_OP_MEDIUM, 10, {OP_VERIFY10, VERIFY_FLAGS, LBA4, GROUP, LEN2, 0},
     mc_plan_verify, mc_exec_verify},
    {OP_PREFETCH10, 0, MC_OP_MEDIUM, 10, {OP_PREFETCH10, IMMED, LBA4, GROUP, LEN2, 0},
     mc_plan_cache_range, mc_exec_prefetch},
    {OP_SYNC_CACHE10, 0, MC_OP_MEDIUM, 10, {OP_SYNC_CACHE10, IMMED, LBA4, GROUP, LEN2, 0},
     mc_plan_cache_range, mc_exec_sync_cache},
    /* WRITE SAME byte 1: WRPROTECT (7-5), UNMAP (3); ANCHOR, PBDATA, LBDATA unsupported */
    {OP_WRITE_SAME10, 0, MC_OP_MEDIUM, 10, {OP_WRITE_SAME10, 0xe8, LBA4, GROUP, LEN2, 0},
     mc_plan_write_same, mc_exec_write_same},
    {OP_UNMAP, 0, MC_OP_MEDIUM, 10, {OP_UNMAP, 0, 0, 0, 0, 0, GROUP, LEN2, 0}, mc_plan_unmap,
     mc_exec_unmap},
    {OP_MODE_SENSE10, 0, 0, 10, {OP_MODE_SENSE10, 0x18, 0xff, 0xff, 0, 0, 0, LEN2, 0},
     mc_plan_mode_sense, mc_exec_mode_sense},
    {OP_READ16, 0, MC_OP_MEDIUM, 16, {OP_READ16, RW_FLAGS, LBA8, LEN4, GROUP, 0}, mc_plan_read,
     mc_exec_read},
    {OP_COMPARE_AND_WRITE, 0, MC_OP_MEDIUM, 16,
     {OP_COMPARE_AND_WRITE, RW_FLAGS, LBA8, 0, 0, 0, 0xff, GROUP, 0}, mc_plan_compare_write,
     mc_exec_compare_write},
    {OP_WRITE16, 0, MC_OP_MEDIUM, 16, {OP_WRITE16, RW_FLAGS, LBA8, LEN4, GROUP, 0},
     mc_plan_write, mc_exec_write},
    {OP_ORWRITE16, 0, MC_OP_MEDIUM, 16, {OP_ORWRITE16, RW_FLAGS, LBA8, LEN4, GROUP, 0},
     mc_plan_write, mc_exec_orwrite},
    {OP_WRITE_VERIFY16, 0, MC_OP_MEDIUM, 16,
     {OP_WRITE_VERIFY16, VERIFY_FLAGS, LBA8, LEN4, GROUP, 0}, mc_plan_write_verify,
     mc_exec_write_verify},
    {OP_VERIFY16, 0, MC_OP_MEDIUM, 16, {OP_VERIFY16, VERIFY_FLAGS, LBA8, LEN4, GROUP, 0},
     mc_plan_verify, mc_exec_verify},
    {OP_PREFETCH16, 0, MC_OP_MEDIUM, 16, {OP_PREFETCH16, IMMED, LBA8, LEN4, GROUP, 0},
     mc_plan_cache_range, mc_exec_prefetch},
    {OP_SYNC_CACHE16, 0, MC_OP_MEDIUM, 16, {OP_SYNC_CACHE16, IMMED, LBA8, LEN4, GROUP, 0},
     mc_plan_cache_range, mc_exec_sync_cache},
    /* WRITE SAME(16) byte 1 adds NDOB (0) */
    {OP_WRITE_SAME16, 0, MC_OP_MEDIUM, 16, {OP_WRITE_SAME16, 0xe9, LBA8, LEN4, GROUP, 0},
     mc_plan_write_same, mc_exec_write_same},
    {OP_SERVICE_ACTION_IN16, SA_READ_CAPACITY16, MC_OP_SA | MC_OP_MEDIUM, 16,
     {OP_SERVICE_ACTION_IN16, SA_READ_CAPACITY16, LBA8, LEN4, 0x01, 0},
     mc_plan_read_capacity16, mc_exec_read_capacity16},
    {OP_SERVICE_ACTION_IN16, SA_GET_LBA_STATUS, MC_OP_SA | MC_OP_MEDIUM, 16,
     {OP_SERVICE_ACTION_IN16, SA_GET_LBA_STATUS, LBA8, LEN4, 0, 0}, mc_plan_lba_status,
     mc_exec_lba_status},
    {OP_REPORT_LUNS, 0, MC_OP_ANY_LUN, 12, {OP_REPORT_LUNS, 0, 0xff, 0, 0, 0, LEN4, 0, 0},
     mc_plan_report_luns, mc_exec_report_luns},
    /* byte 2: RCTD (7), REPORTING OPTIONS (2-0) */
    {OP_MAINTENANCE_IN, SA_REPORT_OPCODES, MC_OP_SA, 12,
     {OP_MAINTENANCE_IN, SA_REPORT_OPCODES, 0x87, 0xff, LEN2, LEN4, 0, 0},
     mc_plan_report_opcodes, mc_exec_report_opcodes},
    {OP_READ12, 0, MC_OP_MEDIUM, 12, {OP_READ12, RW_FLAGS, LBA4, LEN4, GROUP, 0}, mc_plan_read,
     mc_exec_read},
    {OP_WRITE12, 0, MC_OP_MEDIUM, 12, {OP_WRITE12, RW_FLAGS, LBA4, LEN4, GROUP, 0},
     mc_plan_write, mc_exec_write},
    {OP_WRITE_VERIFY12, 0, MC_OP_MEDIUM, 12,
     {OP_WRITE_VERIFY12, VERIFY_FLAGS, LBA4, LEN4, GROUP, 0}, mc_plan_write_verify,
     mc_exec_write_verify},
    {OP_VERIFY12, 0, MC_OP_MEDIUM, 12, {OP_VERIFY12, VERIFY_FLAGS, LBA4, LEN4, GROUP, 0},
     mc_plan_verify, mc_exec_verify},
};

const mc_cdb_op *mc_cdb_table(size_t *count)
{
    *count = sizeof table / sizeof table[0];
    return table;
}

bool mc_cdb_opcode_has_sa(uint8_t opcode)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].opcode == opcode)
            return (table[i].flags & MC_OP_SA) != 0;
    return false;
}

const mc_cdb_op *mc_cdb_find(uint8_t opcode, uint8_t sa)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const mc_cdb_op *op = &table[i];
        if (op->opcode == opcode && (!(op->flags & MC_OP_SA) || op->sa == sa))
            return op;
    }
    return NULL;
}
