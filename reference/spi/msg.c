/* Message lengths, names and the silent-mirroring vendor message codec. */
#include <string.h>

#include "spi_msg.h"

#define EXT_LEN_256 0u          /* an extended length byte of 0 means 256 */
#define EXT_HDR 2u              /* 0x01 and the length byte */
#define TWO_BYTE 2u

size_t mc_spi_msg_len(const uint8_t *m, size_t have)
{
    if (have == 0)
        return 0;
    if (m[0] == MC_MSG_EXTENDED) {
        if (have < EXT_HDR)
            return 0;
        return EXT_HDR + (m[1] == EXT_LEN_256 ? 256u : m[1]);
    }
    if (m[0] >= MC_MSG_TWO_BYTE_FIRST && m[0] <= MC_MSG_TWO_BYTE_LAST)
        return TWO_BYTE;
    return 1;
}

const char *mc_spi_msg_name(const uint8_t *m, size_t len)
{
    if (len == 0)
        return "(empty)";
    if (m[0] >= MC_MSG_IDENTIFY)
        return "IDENTIFY";
    switch (m[0]) {
    case MC_MSG_COMMAND_COMPLETE: return "COMMAND COMPLETE";
    case MC_MSG_SAVE_DATA_POINTER: return "SAVE DATA POINTER";
    case MC_MSG_RESTORE_POINTERS: return "RESTORE POINTERS";
    case MC_MSG_DISCONNECT: return "DISCONNECT";
    case MC_MSG_INITIATOR_DETECTED_ERROR: return "INITIATOR DETECTED ERROR";
    case MC_MSG_ABORT_TASK_SET: return "ABORT TASK SET";
    case MC_MSG_MESSAGE_REJECT: return "MESSAGE REJECT";
    case MC_MSG_NO_OPERATION: return "NO OPERATION";
    case MC_MSG_PARITY_ERROR: return "MESSAGE PARITY ERROR";
    case MC_MSG_EXTENDED: break;
    default: return "RESERVED";
    }
    if (len < EXT_HDR + 1)
        return "EXTENDED (short)";
    switch (m[2]) {
    case MC_XMSG_MODIFY_DATA_POINTER: return "MODIFY DATA POINTER";
    case MC_XMSG_SDTR: return "SDTR";
    case MC_XMSG_WDTR: return "WDTR";
    case MC_XMSG_PPR: return "PPR";
    case MC_SM_QUERY: return "SM QUERY";
    case MC_SM_MIRROR: return "SM MIRROR";
    case MC_SM_RELEASE: return "SM RELEASE";
    case MC_SM_EXTENT: return "SM EXTENT";
    default: return m[2] >= MC_XMSG_VENDOR_FIRST ? "EXTENDED VENDOR" : "EXTENDED RESERVED";
    }
}

static size_t put_ext(uint8_t *out, const uint8_t *body, size_t n)
{
    out[0] = MC_MSG_EXTENDED;
    out[1] = (uint8_t)n;
    memcpy(out + EXT_HDR, body, n);
    return EXT_HDR + n;
}

size_t mc_sm_encode(uint8_t *out, const mc_sm_msg *m, bool raw)
{
    uint8_t b[MC_MSG_MAX];
    size_t n = 0;
    b[n++] = m->code;
    switch (m->code) {
    case MC_SM_QUERY:
    case MC_SM_MIRROR:
        b[n++] = m->gid;
        if (m->last)
            b[n++] = MC_SM_LAST;
        break;
    case MC_SM_EXTENT:
        raw = false; /* Table 1 has no literal form for the extent */
        b[n++] = m->lun;
        b[n++] = (uint8_t)(m->lba >> 24);
        b[n++] = (uint8_t)(m->lba >> 16);
        b[n++] = (uint8_t)(m->lba >> 8);
        b[n++] = (uint8_t)m->lba;
        b[n++] = (uint8_t)(m->blocks >> 8);
        b[n++] = (uint8_t)m->blocks;
        b[n++] = m->flags;
        break;
    default:
        break;
    }
    if (raw) {
        memcpy(out, b, n);
        return n;
    }
    return put_ext(out, b, n);
}

static int parse_body(const uint8_t *b, size_t n, mc_sm_msg *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1)
        return -1;
    out->code = b[0];
    switch (b[0]) {
    case MC_SM_QUERY:
    case MC_SM_MIRROR:
        if (n != 2 && n != 3)
            return -1;
        out->gid = b[1];
        if (n == 3) {
            if (b[2] != MC_SM_LAST)
                return -1;
            out->last = true;
        }
        return 0;
    case MC_SM_RELEASE:
        return n == 1 ? 0 : -1;
    case MC_SM_EXTENT:
        if (n != 1 + MC_SM_EXTENT_ARGS)
            return -1;
        out->lun = b[1];
        out->lba = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5];
        out->blocks = (uint16_t)(b[6] << 8 | b[7]);
        out->flags = b[8];
        return 0;
    default:
        return -1;
    }
}

int mc_sm_parse(const uint8_t *m, size_t len, mc_sm_msg *out)
{
    if (len < EXT_HDR + 1 || m[0] != MC_MSG_EXTENDED || mc_spi_msg_len(m, len) != len)
        return -1;
    return parse_body(m + EXT_HDR, len - EXT_HDR, out);
}

bool mc_sm_raw_code(uint8_t b) { return b == MC_SM_QUERY || b == MC_SM_MIRROR || b == MC_SM_RELEASE; }

/* Table 1 literal form: xx yz [FF]. Whether FF follows is known only from the next byte, so the
 * receiver passes more_follows (ATN still asserted) to decide. */
size_t mc_sm_raw_len(const uint8_t *m, size_t have, bool more_follows)
{
    if (have == 0 || !mc_sm_raw_code(m[0]))
        return 0;
    if (m[0] == MC_SM_RELEASE)
        return 1;
    if (have < 2)
        return 0;
    if (have == 2)
        return more_follows ? 0 : 2;
    return m[2] == MC_SM_LAST ? 3 : 2;
}

int mc_sm_parse_raw(const uint8_t *m, size_t len, mc_sm_msg *out)
{
    int rc = parse_body(m, len, out);
    out->raw = true;
    return rc;
}

size_t mc_msg_sdtr(uint8_t *out, uint8_t factor, uint8_t offset)
{
    const uint8_t b[] = {MC_XMSG_SDTR, factor, offset};
    return put_ext(out, b, sizeof b);
}

size_t mc_msg_wdtr(uint8_t *out, uint8_t width_exp)
{
    const uint8_t b[] = {MC_XMSG_WDTR, width_exp};
    return put_ext(out, b, sizeof b);
}

size_t mc_msg_ppr(uint8_t *out, uint8_t factor, uint8_t offset, uint8_t width_exp, uint8_t opts)
{
    const uint8_t b[] = {MC_XMSG_PPR, factor, 0, offset, width_exp, opts};
    return put_ext(out, b, sizeof b);
}
