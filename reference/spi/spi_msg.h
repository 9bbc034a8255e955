/* SCSI messages (SPI-5 / SAM messages) and the silent-mirroring vendor messages (001, 003). */
#ifndef MC_SPI_MSG_H
#define MC_SPI_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    MC_MSG_COMMAND_COMPLETE = 0x00,
    MC_MSG_EXTENDED = 0x01,
    MC_MSG_SAVE_DATA_POINTER = 0x02,
    MC_MSG_RESTORE_POINTERS = 0x03,
    MC_MSG_DISCONNECT = 0x04,
    MC_MSG_INITIATOR_DETECTED_ERROR = 0x05,
    MC_MSG_ABORT_TASK_SET = 0x06,
    MC_MSG_MESSAGE_REJECT = 0x07,
    MC_MSG_NO_OPERATION = 0x08,
    MC_MSG_PARITY_ERROR = 0x09,
    MC_MSG_TWO_BYTE_FIRST = 0x20, /* 0x20..0x2f: two-byte messages (queue tags, ...) */
    MC_MSG_TWO_BYTE_LAST = 0x2f,
    MC_MSG_IDENTIFY = 0x80,       /* 0x80..0xff: IDENTIFY */
    MC_MSG_IDENTIFY_DISCPRIV = 0x40,
    MC_MSG_IDENTIFY_LUN_MASK = 0x07,
};

/* Extended message codes (byte 2 of 01 len code args). */
enum {
    MC_XMSG_MODIFY_DATA_POINTER = 0x00,
    MC_XMSG_SDTR = 0x01,
    MC_XMSG_WDTR = 0x03,
    MC_XMSG_PPR = 0x04,
    MC_XMSG_VENDOR_FIRST = 0x80,  /* 0x80..0xff vendor specific: the legal home of vendor messages */
};
#define MC_XMSG_SDTR_LEN 3u
#define MC_XMSG_WDTR_LEN 2u
#define MC_XMSG_PPR_LEN 6u
#define MC_PPR_DT_REQ 0x02u
#define MC_WDTR_WIDE16 1u
#define MC_PERIOD_FACTOR_U320 0x08u   /* 6.25 ns */
#define MC_PERIOD_FACTOR_FAST20 0x0cu /* 50 ns */
#define MC_SYNC_OFFSET_DEFAULT 15u

/* Silent mirroring vendor codes. Table 1's ">xx" is any unused vendor byte; these are ours. */
enum {
    MC_SM_QUERY = 0xe0,    /* discovery: group/ID [, last]; the target echoes it in MESSAGE IN */
    MC_SM_MIRROR = 0xe1,   /* leader identification / switch role: group/ID [, last] */
    MC_SM_RELEASE = 0xe2,  /* the leader releases the bus after this message */
    MC_SM_EXTENT = 0xe3,   /* lun, lba(4), blocks(2), flags: where every participant writes */
    MC_SM_LAST = 0xff,     /* Table 1's ">FF": the named target is the last participant */
};
#define MC_SM_EXTENT_ARGS 8u
#define MC_SM_FLAG_STATUS 0x01u /* participants reselect for status after this operation */
#define MC_SM_GROUP(gid) ((unsigned)(gid) >> 4)
#define MC_SM_ID(gid) ((unsigned)(gid) & 0x0fu)
#define MC_SM_GID(group, id) ((uint8_t)(((group) << 4) | ((id) & 0x0fu)))
#define MC_MSG_MAX 64u

/* Bytes a message needs given its first `have` bytes: 0 = need more bytes to know. */
size_t mc_spi_msg_len(const uint8_t *m, size_t have);
const char *mc_spi_msg_name(const uint8_t *m, size_t len);

typedef struct mc_sm_msg {
    uint8_t code;      /* MC_SM_* */
    uint8_t gid;
    bool last;
    uint8_t lun;
    uint32_t lba;
    uint16_t blocks;
    uint8_t flags;
    bool raw;          /* came as the literal Table 1 bytes */
} mc_sm_msg;

/* Encoders return the length written (buffers of MC_MSG_MAX). raw = Table 1 literal bytes. */
size_t mc_sm_encode(uint8_t *out, const mc_sm_msg *m, bool raw);
/* Parses an extended vendor message; 0 when it is one of ours. */
int mc_sm_parse(const uint8_t *m, size_t len, mc_sm_msg *out);
/* Length of a raw Table 1 message at m (0 = need more, or not raw). */
size_t mc_sm_raw_len(const uint8_t *m, size_t have, bool more_follows);
int mc_sm_parse_raw(const uint8_t *m, size_t len, mc_sm_msg *out);
bool mc_sm_raw_code(uint8_t b);

size_t mc_msg_sdtr(uint8_t *out, uint8_t factor, uint8_t offset);
size_t mc_msg_wdtr(uint8_t *out, uint8_t width_exp);
size_t mc_msg_ppr(uint8_t *out, uint8_t factor, uint8_t offset, uint8_t width_exp, uint8_t opts);

#endif
