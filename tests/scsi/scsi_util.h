/* Helpers for the mc_scsi unit tests: CDB builders, one-call plan+execute, sense checks. */
#ifndef MC_SCSI_TEST_UTIL_H
#define MC_SCSI_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lun.h"

/* Operation codes as SPC-4/SBC-3 number them, written out independently of the library. */
enum {
    T_TUR = 0x00, T_REQUEST_SENSE = 0x03, T_READ6 = 0x08, T_WRITE6 = 0x0a, T_INQUIRY = 0x12,
    T_MODE_SENSE6 = 0x1a, T_START_STOP = 0x1b, T_READ_CAP10 = 0x25, T_READ10 = 0x28,
    T_WRITE10 = 0x2a, T_WRITE_VERIFY10 = 0x2e, T_VERIFY10 = 0x2f, T_PREFETCH10 = 0x34,
    T_SYNC10 = 0x35, T_WRITE_SAME10 = 0x41, T_UNMAP = 0x42, T_MODE_SENSE10 = 0x5a,
    T_READ16 = 0x88, T_CAW = 0x89, T_WRITE16 = 0x8a, T_ORWRITE16 = 0x8b,
    T_WRITE_VERIFY16 = 0x8e, T_VERIFY16 = 0x8f, T_PREFETCH16 = 0x90, T_SYNC16 = 0x91,
    T_WRITE_SAME16 = 0x93, T_SAI16 = 0x9e, T_REPORT_LUNS = 0xa0, T_MAINT_IN = 0xa3,
    T_READ12 = 0xa8, T_WRITE12 = 0xaa, T_WRITE_VERIFY12 = 0xae, T_VERIFY12 = 0xaf,
};
enum { T_SA_READ_CAP16 = 0x10, T_SA_LBA_STATUS = 0x12, T_SA_RSOC = 0x0c };

#define T_BUF (1u << 20)  /* data-in buffer of the helpers */

/* The outcome of one command run through plan and execute. */
typedef struct t_run {
    int plan_rc;
    mc_scsi_plan plan;
    mc_scsi_result res;
    uint8_t *in;          /* points at the caller's buffer */
} t_run;

mc_lun *t_mem_lun(uint64_t blocks, uint32_t block_size);
/* A file-backed LU on a fresh temporary path (written to path, PATH_MAX bytes). */
mc_lun *t_file_lun(uint64_t bytes, uint32_t block_size, char *path);

/* Plans, then executes when the plan succeeded, and checks both agree on a refusal. */
void t_exec(mc_lun *lun, const uint8_t *cdb, size_t cdb_len, const uint8_t *out, size_t out_len,
            uint8_t *in, size_t in_cap, t_run *r);

void t_cdb6(uint8_t *c, uint8_t op, uint32_t lba, uint8_t len);
void t_cdb10(uint8_t *c, uint8_t op, uint8_t flags, uint32_t lba, uint16_t len);
void t_cdb12(uint8_t *c, uint8_t op, uint8_t flags, uint32_t lba, uint32_t len);
void t_cdb16(uint8_t *c, uint8_t op, uint8_t flags, uint64_t lba, uint32_t len);

/* TAP points: status GOOD; CHECK CONDITION with key and ASC/ASCQ. */
int t_good(const t_run *r, const char *what);
int t_sense(const t_run *r, uint8_t key, uint16_t asc, const char *what);
/* INVALID FIELD IN CDB whose field pointer names byte (and bit, or 8 for none). */
int t_field(const t_run *r, uint16_t byte, uint8_t bit, const char *what);

uint16_t t_be16(const uint8_t *p);
uint32_t t_be32(const uint8_t *p);
uint64_t t_be64(const uint8_t *p);
void t_put16(uint8_t *p, uint16_t v);
void t_put32(uint8_t *p, uint32_t v);
void t_put64(uint8_t *p, uint64_t v);

#endif
