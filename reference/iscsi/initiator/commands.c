/* Convenience SCSI commands over mc_ini_scsi (SPC-4, SBC-3), with CHECK CONDITION turned into an
 * error naming the sense key and ASC/ASCQ. */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "lun.h"

/* Operation codes (SPC-4 / SBC-3). */
enum {
    OP_TEST_UNIT_READY = 0x00,
    OP_INQUIRY = 0x12,
    OP_READ16 = 0x88,
    OP_WRITE16 = 0x8a,
    OP_SERVICE_ACTION_IN16 = 0x9e,
    SA_READ_CAPACITY16 = 0x10,
    OP_REPORT_LUNS = 0xa0,
};
#define CDB6_LEN 6u
#define CDB12_LEN 12u
#define CDB16_LEN 16u
#define READCAP16_LEN 32u           /* READ CAPACITY (16) parameter data (SBC-3 5.16.2) */
#define READCAP16_MIN 12u           /* RETURNED LOGICAL BLOCK ADDRESS (8) + LOGICAL BLOCK LENGTH (4) */
#define READCAP16_BLOCK_LEN_OFF 8u
/* CDB field offsets (SPC-4 6.6.1, 6.33.1; SBC-3 5.16.1, 5.8, 5.40). */
#define CDB_INQUIRY_ALLOC_OFF 3u
#define CDB_RC16_ALLOC_OFF 10u
#define CDB_RW16_LBA_OFF 2u
#define CDB_RW16_COUNT_OFF 10u
#define CDB_REPORT_LUNS_ALLOC_OFF 6u
#define REPORT_LUNS_HEADER 8u       /* LUN LIST LENGTH + reserved (SPC-4 6.33.2) */
#define REPORT_LUNS_ENTRY 8u
#define UA_RETRIES 3                /* unit attentions reported before a command goes through */
#define SENSE_KEY_OF(b) ((b) & 0x0fu)
#define SENSE_FIXED_KEY 2u
#define SENSE_DESC_KEY 1u
#define SENSE_FIXED_ASC 12u         /* fixed format ASC/ASCQ (SPC-4 4.5.3) */
#define SENSE_DESC_ASC 2u           /* descriptor format ASC/ASCQ (SPC-4 4.5.2) */
#define SENSE_MIN 3u                /* response code, (segment/)key bytes */
#define SENSE_RESP_CODE_MASK 0x7fu
#define SENSE_RESP_DESC_CURRENT 0x72u
#define SENSE_RESP_DESC_DEFERRED 0x73u

static void sense_parts(const mc_ini_cmd *c, unsigned *key, unsigned *asc, unsigned *ascq)
{
    *key = *asc = *ascq = 0;
    if (c->sense_len < SENSE_MIN)
        return;
    uint8_t rc = c->sense[0] & SENSE_RESP_CODE_MASK;
    if (rc == SENSE_RESP_DESC_CURRENT || rc == SENSE_RESP_DESC_DEFERRED) {
        *key = SENSE_KEY_OF(c->sense[SENSE_DESC_KEY]);
        *asc = c->sense[SENSE_DESC_ASC];
        *ascq = c->sense_len > SENSE_DESC_ASC + 1 ? c->sense[SENSE_DESC_ASC + 1] : 0;
    } else {
        *key = SENSE_KEY_OF(c->sense[SENSE_FIXED_KEY]);
        if (c->sense_len > SENSE_FIXED_ASC + 1) {
            *asc = c->sense[SENSE_FIXED_ASC];
            *ascq = c->sense[SENSE_FIXED_ASC + 1];
        }
    }
}

/* Runs c, retrying past UNIT ATTENTION (SAM-5 5.14: reported once per condition). */
static int run(mc_ini *ini, mc_ini_cmd *c, const char *what, uint64_t deadline, char *err, size_t errlen)
{
    ini->sense_key = ini->sense_asc = ini->sense_ascq = 0;
    for (int attempt = 0;; attempt++) {
        int rc = mc_ini_scsi(ini, c, deadline, err, errlen);
        if (rc != MC_INI_OK)
            return rc;
        if (c->status == MC_SAM_GOOD)
            return MC_INI_OK;
        unsigned key, asc, ascq;
        sense_parts(c, &key, &asc, &ascq);
        if (c->status == MC_SAM_CHECK_CONDITION) {
            ini->sense_key = (uint8_t)key;
            ini->sense_asc = (uint8_t)asc;
            ini->sense_ascq = (uint8_t)ascq;
        }
        if (c->status == MC_SAM_CHECK_CONDITION && key == MC_SK_UNIT_ATTENTION && attempt < UA_RETRIES)
            continue;
        if (c->status == MC_SAM_CHECK_CONDITION)
            return mc_ini_fail(err, errlen, MC_INI_REFUSED,
                               "%s: CHECK CONDITION, sense key 0x%x, ASC/ASCQ 0x%02x/0x%02x", what, key, asc, ascq);
        return mc_ini_fail(err, errlen, MC_INI_REFUSED, "%s: status 0x%02x", what, c->status);
    }
}

int mc_ini_test_unit_ready(mc_ini *ini, uint16_t lun, uint64_t deadline, char *err, size_t errlen)
{
    mc_ini_cmd c = {.lun = lun, .cdb_len = CDB6_LEN, .attr = 1};
    c.cdb[0] = OP_TEST_UNIT_READY;
    return run(ini, &c, "TEST UNIT READY", deadline, err, errlen);
}

int mc_ini_inquiry(mc_ini *ini, uint16_t lun, uint8_t *buf, size_t len, size_t *got, uint64_t deadline,
                   char *err, size_t errlen)
{
    if (len > UINT16_MAX)
        len = UINT16_MAX;  /* ALLOCATION LENGTH is 16 bits (SPC-4 6.6.1) */
    mc_ini_cmd c = {.lun = lun, .cdb_len = CDB6_LEN, .data_in = buf, .data_in_len = len, .attr = 1};
    c.cdb[0] = OP_INQUIRY;
    mc_put16(c.cdb + CDB_INQUIRY_ALLOC_OFF, (uint16_t)len);
    int rc = run(ini, &c, "INQUIRY", deadline, err, errlen);
    if (got)
        *got = rc == MC_INI_OK ? c.data_in_got : 0;
    return rc;
}

int mc_ini_read_capacity16(mc_ini *ini, uint16_t lun, uint64_t *blocks, uint32_t *block_size,
                           uint64_t deadline, char *err, size_t errlen)
{
    uint8_t buf[READCAP16_LEN] = {0};
    mc_ini_cmd c = {.lun = lun, .cdb_len = CDB16_LEN, .data_in = buf, .data_in_len = sizeof buf, .attr = 1};
    c.cdb[0] = OP_SERVICE_ACTION_IN16;
    c.cdb[1] = SA_READ_CAPACITY16;
    mc_put32(c.cdb + CDB_RC16_ALLOC_OFF, sizeof buf);
    int rc = run(ini, &c, "READ CAPACITY (16)", deadline, err, errlen);
    if (rc != MC_INI_OK)
        return rc;
    if (c.data_in_got < READCAP16_MIN)
        return mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "READ CAPACITY (16) returned %zu bytes", c.data_in_got);
    *blocks = mc_be64(buf) + 1;   /* RETURNED LOGICAL BLOCK ADDRESS is the last LBA */
    *block_size = mc_be32(buf + READCAP16_BLOCK_LEN_OFF);
    return MC_INI_OK;
}

static int rw_cdb(mc_ini_cmd *c, uint8_t op, uint64_t lba, uint32_t nblocks, uint32_t block_size, char *err,
                  size_t errlen)
{
    if (block_size == 0 || (uint64_t)nblocks * block_size > UINT32_MAX)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "transfer of %u blocks of %u bytes not possible", nblocks,
                           block_size);
    c->cdb_len = CDB16_LEN;
    c->cdb[0] = op;
    mc_put64(c->cdb + CDB_RW16_LBA_OFF, lba);
    mc_put32(c->cdb + CDB_RW16_COUNT_OFF, nblocks);
    c->attr = 1;
    return MC_INI_OK;
}

int mc_ini_read(mc_ini *ini, uint16_t lun, uint64_t lba, uint32_t nblocks, uint32_t block_size, uint8_t *buf,
                uint64_t deadline, char *err, size_t errlen)
{
    mc_ini_cmd c = {.lun = lun};
    int rc = rw_cdb(&c, OP_READ16, lba, nblocks, block_size, err, errlen);
    if (rc != MC_INI_OK)
        return rc;
    c.data_in = buf;
    c.data_in_len = (size_t)nblocks * block_size;
    rc = run(ini, &c, "READ (16)", deadline, err, errlen);
    if (rc == MC_INI_OK && (c.underflow || c.data_in_got != c.data_in_len))
        rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "READ (16) returned %zu of %zu bytes", c.data_in_got,
                         c.data_in_len);
    return rc;
}

int mc_ini_write(mc_ini *ini, uint16_t lun, uint64_t lba, uint32_t nblocks, uint32_t block_size,
                 const uint8_t *buf, uint64_t deadline, char *err, size_t errlen)
{
    mc_ini_cmd c = {.lun = lun};
    int rc = rw_cdb(&c, OP_WRITE16, lba, nblocks, block_size, err, errlen);
    if (rc != MC_INI_OK)
        return rc;
    c.data_out = buf;
    c.data_out_len = (size_t)nblocks * block_size;
    rc = run(ini, &c, "WRITE (16)", deadline, err, errlen);
    if (rc == MC_INI_OK && (c.underflow || c.overflow))
        rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "WRITE (16) completed with residual %u", c.residual);
    return rc;
}

int mc_ini_report_luns(mc_ini *ini, uint16_t *luns, size_t cap, size_t *count, uint64_t deadline, char *err,
                       size_t errlen)
{
    size_t len = REPORT_LUNS_HEADER + REPORT_LUNS_ENTRY * (cap ? cap : 1);
    uint8_t *buf = calloc(1, len);
    if (!buf)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "out of memory");
    mc_ini_cmd c = {.lun = 0, .cdb_len = CDB12_LEN, .data_in = buf, .data_in_len = len, .attr = 1};
    c.cdb[0] = OP_REPORT_LUNS;
    mc_put32(c.cdb + CDB_REPORT_LUNS_ALLOC_OFF, (uint32_t)len);
    int rc = run(ini, &c, "REPORT LUNS", deadline, err, errlen);
    if (rc == MC_INI_OK && c.data_in_got < REPORT_LUNS_HEADER)
        rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "REPORT LUNS returned %zu bytes", c.data_in_got);
    if (rc == MC_INI_OK) {
        size_t listed = mc_be32(buf) / REPORT_LUNS_ENTRY;
        size_t have = (c.data_in_got - REPORT_LUNS_HEADER) / REPORT_LUNS_ENTRY;
        *count = listed;
        for (size_t i = 0; i < listed && i < have && i < cap; i++)
            luns[i] = mc_lun_decode(mc_be64(buf + REPORT_LUNS_HEADER + i * REPORT_LUNS_ENTRY));
    }
    free(buf);
    return rc;
}

void mc_ini_last_sense(const mc_ini *ini, uint8_t *key, uint8_t *asc, uint8_t *ascq)
{
    *key = ini->sense_key;
    *asc = ini->sense_asc;
    *ascq = ini->sense_ascq;
}
