/* Sense data (SPC-4 4.5): fixed format for autosense, fixed or descriptor for REQUEST SENSE. */
#include <string.h>

#include "bytes.h"
#include "lun_internal.h"

#define SENSE_FIXED_CURRENT 0x70u   /* response code: current error, fixed format */
#define SENSE_DESC_CURRENT 0x72u    /* response code: current error, descriptor format */
#define SENSE_VALID 0x80u           /* INFORMATION field is meaningful */
#define SENSE_FIXED_ADD_LEN 10u     /* bytes after byte 7 in 18-byte fixed sense */
#define SENSE_DESC_HEADER 8u
#define SENSE_SKSV 0x80u            /* sense-key specific field valid */
#define SENSE_CD 0x40u              /* field pointer points into the CDB, not parameter data */
#define SENSE_BPV 0x08u             /* bit pointer valid */
#define SENSE_BIT_NONE 8u
#define FIXED_KEY_AT 2u             /* fixed format offsets, SPC-4 table 45 */
#define FIXED_INFO_AT 3u
#define FIXED_ADD_LEN_AT 7u
#define FIXED_ASC_AT 12u
#define FIXED_ASCQ_AT 13u
#define FIXED_SKS_AT 15u
#define FIXED_FIELD_PTR_AT 16u
#define DESC_KEY_AT 1u              /* descriptor format offsets, SPC-4 table 28 */
#define DESC_ASC_AT 2u
#define DESC_ASCQ_AT 3u
#define SENSE_KEY_MASK 0x0fu

void mc_result_good(mc_scsi_result *res)
{
    memset(res, 0, sizeof *res);
    res->status = MC_SAM_GOOD;
}

static void fixed_sense(uint8_t *s, uint8_t key, uint16_t asc_ascq)
{
    memset(s, 0, MC_SENSE_LEN);
    s[0] = SENSE_FIXED_CURRENT;
    s[FIXED_KEY_AT] = key & SENSE_KEY_MASK;
    s[FIXED_ADD_LEN_AT] = SENSE_FIXED_ADD_LEN;
    s[FIXED_ASC_AT] = (uint8_t)(asc_ascq >> 8);
    s[FIXED_ASCQ_AT] = (uint8_t)asc_ascq;
}

void mc_scsi_set_sense(mc_scsi_result *res, uint8_t key, uint16_t asc_ascq)
{
    res->status = MC_SAM_CHECK_CONDITION;
    res->data_in_len = 0;
    fixed_sense(res->sense, key, asc_ascq);
    res->sense_len = MC_SENSE_LEN;
}

uint8_t mc_scsi_sense_key(const mc_scsi_result *res)
{
    if (res->sense_len <= FIXED_KEY_AT)
        return MC_SK_NO_SENSE;
    return res->sense[0] == SENSE_DESC_CURRENT ? (res->sense[DESC_KEY_AT] & SENSE_KEY_MASK)
                                               : (res->sense[FIXED_KEY_AT] & SENSE_KEY_MASK);
}

uint16_t mc_scsi_sense_asc(const mc_scsi_result *res)
{
    if (res->sense[0] == SENSE_DESC_CURRENT && res->sense_len > DESC_ASCQ_AT)
        return (uint16_t)((res->sense[DESC_ASC_AT] << 8) | res->sense[DESC_ASCQ_AT]);
    if (res->sense_len <= FIXED_ASCQ_AT)
        return MC_ASC_NONE;
    return (uint16_t)((res->sense[FIXED_ASC_AT] << 8) | res->sense[FIXED_ASCQ_AT]);
}

static void field_pointer(mc_scsi_result *res, bool in_cdb, uint16_t byte, uint8_t bit)
{
    uint8_t *s = res->sense;
    s[FIXED_SKS_AT] = (uint8_t)(SENSE_SKSV | (in_cdb ? SENSE_CD : 0u));
    if (bit < SENSE_BIT_NONE)
        s[FIXED_SKS_AT] |= (uint8_t)(SENSE_BPV | bit);
    mc_put16(s + FIXED_FIELD_PTR_AT, byte);
}

void mc_sense_cdb_field(mc_scsi_result *res, uint16_t byte, uint8_t bit)
{
    mc_scsi_set_sense(res, MC_SK_ILLEGAL_REQUEST, MC_ASC_INVALID_FIELD_IN_CDB);
    field_pointer(res, true, byte, bit);
}

void mc_sense_param_field(mc_scsi_result *res, uint16_t byte, uint8_t bit)
{
    mc_scsi_set_sense(res, MC_SK_ILLEGAL_REQUEST, MC_ASC_INVALID_FIELD_IN_PARAM);
    field_pointer(res, false, byte, bit);
}

void mc_sense_info(mc_scsi_result *res, uint8_t key, uint16_t asc_ascq, uint64_t info)
{
    mc_scsi_set_sense(res, key, asc_ascq);
    if (info > UINT32_MAX)
        return;
    res->sense[0] |= SENSE_VALID;
    mc_put32(res->sense + FIXED_INFO_AT, (uint32_t)info);
}

size_t mc_sense_build(uint8_t *buf, size_t cap, bool descriptor, uint8_t key, uint16_t asc_ascq)
{
    uint8_t s[MC_SENSE_LEN];
    size_t len;

    if (descriptor) {
        memset(s, 0, SENSE_DESC_HEADER);
        s[0] = SENSE_DESC_CURRENT;
        s[DESC_KEY_AT] = key & SENSE_KEY_MASK;
        s[DESC_ASC_AT] = (uint8_t)(asc_ascq >> 8);
        s[DESC_ASCQ_AT] = (uint8_t)asc_ascq;
        len = SENSE_DESC_HEADER;  /* additional sense length 0: no descriptors */
    } else {
        fixed_sense(s, key, asc_ascq);
        len = MC_SENSE_LEN;
    }
    if (len > cap)
        len = cap;
    memcpy(buf, s, len);
    return len;
}

void mc_reply(mc_cmd *cmd, mc_scsi_result *res, const uint8_t *buf, size_t len)
{
    if (len > cmd->alloc)
        len = cmd->alloc;
    if (len > cmd->in_cap)
        len = cmd->in_cap;
    if (len > 0)
        memcpy(cmd->in, buf, len);
    res->data_in_len = len;
}
