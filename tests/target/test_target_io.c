/* Full feature phase of the target: Data-In splitting, R2T and Data-Out, immediate and
 * unsolicited data, residuals, sense, NOP, Text continuation, Task Management, Logout
 * (RFC 7143 11.3-11.11, 11.14-11.15, 11.18-11.19). */
#include <stdio.h>
#include <string.h>

#include "lun.h"
#include "tap.h"
#include "tclient.h"

#define ISID 0x400002000001ull
#define BLOCK 512u
#define OP_READ10 0x28
#define OP_WRITE10 0x2a
#define OP_TEST_UNIT_READY 0x00
#define OP_INQUIRY 0x12
#define INQUIRY_ALLOC 36u       /* standard INQUIRY data (SPC-4 6.6.2) */
#define SENSE_KEY_ILLEGAL_REQUEST 0x5
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_LUN_NOT_SUPPORTED 0x25
#define SENSE_KEY_BYTE 2        /* fixed-format sense: byte 2 low nibble (SPC-4 4.5.3) */
#define SENSE_ASC_BYTE 12
#define SENSE_PREFIX 2          /* SenseLength before the sense data (11.4.7.2) */

static int login(tc_conn *c, uint16_t port, const char *const *keys)
{
    if (tc_connect(c, port, ISID) != 0)
        return -1;
    return tc_login(c, TC_IQN, keys);
}

static void data_in_split(uint16_t port)
{
    tc_conn c;
    const char *keys[] = {"MaxRecvDataSegmentLength=512", "ImmediateData=Yes", "InitialR2T=No",
                          "FirstBurstLength=4096", "MaxBurstLength=4096", NULL};
    tap_is_int(login(&c, port, keys), 0, "login with MaxRecvDataSegmentLength=512");
    uint8_t data[4 * BLOCK], cdb[10];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
    mc_pdu p, r;
    tc_rw10(cdb, OP_WRITE10, 8, 4);
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), false, true, sizeof(data));
    mc_pdu_set_data(&p, data, BLOCK);  /* immediate data: one block */
    uint32_t itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(&c, &p);
    for (uint32_t i = 1; i < 4; i++)  /* unsolicited Data-Out for the rest of the first burst */
        tc_data_out(&c, itt, MC_RESERVED_TAG, i - 1, i * BLOCK, data + i * BLOCK, BLOCK, i == 3);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_SCSI_RSP &&
               mc_pdu_get(&r, MC_F_STATUS) == MC_SAM_GOOD,
           "write with immediate and unsolicited data completes with GOOD, no R2T");
    tap_is_int((long long)mc_pdu_get(&r, MC_F_STATSN), c.expstatsn, "SCSI Response StatSN is the next");
    tap_is_int((long long)mc_pdu_get(&r, MC_F_EXPCMDSN), c.cmdsn, "ExpCmdSN counts the command");
    tap_ok(mc_sn_le(c.cmdsn, (uint32_t)mc_pdu_get(&r, MC_F_MAXCMDSN)), "MaxCmdSN leaves the window open");
    c.expstatsn++;
    mc_pdu_free(&r);

    tc_rw10(cdb, OP_READ10, 8, 4);
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), true, false, sizeof(data));
    tc_send_free(&c, &p);
    uint8_t got[sizeof(data)];
    bool order = true, only_last_status = true, bounded = true;
    uint32_t n = 0, statsn = 0, status = 0xff;
    for (;;) {
        if (tc_recv(&c, &r, TC_WAIT_MS) != 0 || mc_pdu_opcode(&r) != MC_OP_DATA_IN) {
            order = false;
            break;
        }
        uint32_t off = (uint32_t)mc_pdu_get(&r, MC_F_BUFFER_OFFSET);
        order = order && mc_pdu_get(&r, MC_F_DATASN) == n && off == n * BLOCK;
        bounded = bounded && r.data_len <= BLOCK && off + r.data_len <= sizeof(got);
        if (bounded)
            memcpy(got + off, r.data, r.data_len);
        bool s = mc_pdu_get(&r, MC_F_STATUS_PRESENT) != 0;
        n++;
        if (s) {
            statsn = (uint32_t)mc_pdu_get(&r, MC_F_STATSN);
            status = (uint32_t)mc_pdu_get(&r, MC_F_STATUS);
            only_last_status = only_last_status && mc_pdu_get(&r, MC_F_FINAL);
            mc_pdu_free(&r);
            break;
        }
        mc_pdu_free(&r);
    }
    tap_is_int(n, 4, "2048 bytes come as four Data-In of at most 512 (MaxRecvDataSegmentLength)");
    tap_ok(order, "DataSN 0..3 and BufferOffset in order (11.7.4-11.7.5)");
    tap_ok(bounded && memcmp(got, data, sizeof(data)) == 0, "the data read back is what was written");
    tap_ok(only_last_status && status == MC_SAM_GOOD, "status GOOD rides in the final Data-In (S=1, F=1)");
    tap_is_int(statsn, c.expstatsn, "and takes the next StatSN");
    c.expstatsn++;
    tc_close(&c);
}

static void r2t_flow(uint16_t port)
{
    tc_conn c;
    const char *keys[] = {"ImmediateData=No", "InitialR2T=Yes", "MaxBurstLength=1024",
                          "FirstBurstLength=512", "MaxOutstandingR2T=1", NULL};
    tap_is_int(login(&c, port, keys), 0, "login with InitialR2T=Yes, MaxBurstLength=1024");
    uint8_t data[8 * BLOCK], cdb[10];
    memset(data, 0xa5, sizeof(data));
    tc_rw10(cdb, OP_WRITE10, 100, 8);
    mc_pdu p, r;
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), false, true, sizeof(data));
    uint32_t itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(&c, &p);
    bool sn_ok = true, off_ok = true, len_ok = true, statsn_ok = true, ttt_ok = true;
    uint32_t r2ts = 0, covered = 0;
    for (;;) {
        if (tc_recv(&c, &r, TC_WAIT_MS) != 0)
            break;
        if (mc_pdu_opcode(&r) != MC_OP_R2T)
            break;
        uint32_t off = (uint32_t)mc_pdu_get(&r, MC_F_BUFFER_OFFSET);
        uint32_t len = (uint32_t)mc_pdu_get(&r, MC_F_DDTL);
        uint32_t ttt = (uint32_t)mc_pdu_get(&r, MC_F_TTT);
        sn_ok = sn_ok && mc_pdu_get(&r, MC_F_R2TSN) == r2ts;
        off_ok = off_ok && off == covered;
        len_ok = len_ok && len > 0 && len <= 1024;
        statsn_ok = statsn_ok && mc_pdu_get(&r, MC_F_STATSN) == c.expstatsn;
        ttt_ok = ttt_ok && ttt != MC_RESERVED_TAG;
        mc_pdu_free(&r);
        for (uint32_t o = 0; o < len && off + o < sizeof(data); o += BLOCK)
            tc_data_out(&c, itt, ttt, o / BLOCK, off + o, data + off + o, BLOCK, o + BLOCK >= len);
        covered += len;
        r2ts++;
    }
    tap_is_int(r2ts, 4, "4096 bytes are asked for with four R2T of MaxBurstLength 1024");
    tap_ok(sn_ok, "R2TSN counts 0, 1, 2, 3 for the task (11.8.6)");
    tap_ok(off_ok && len_ok, "BufferOffset/DesiredDataTransferLength tile the buffer (11.8.4)");
    tap_ok(ttt_ok, "each R2T carries a real TTT");
    tap_ok(statsn_ok, "R2T carries the next StatSN without advancing it (11.8.3)");
    tap_ok(mc_pdu_opcode(&r) == MC_OP_SCSI_RSP && mc_pdu_get(&r, MC_F_STATUS) == MC_SAM_GOOD &&
               mc_pdu_get(&r, MC_F_STATSN) == c.expstatsn,
           "the write completes with GOOD and that StatSN");
    mc_pdu_free(&r);
    c.expstatsn++;
    tc_close(&c);
}

static void residuals_and_sense(uint16_t port)
{
    tc_conn c;
    tap_is_int(login(&c, port, NULL), 0, "login with defaults");
    uint8_t cdb[10];
    mc_pdu p, r;
    tc_rw10(cdb, OP_READ10, 0, 1);
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), true, false, 2 * BLOCK);
    tc_send_free(&c, &p);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_get(&r, MC_F_STATUS_PRESENT), "Data-In with status");
    tap_ok(mc_pdu_get(&r, MC_F_UNDERFLOW) && !mc_pdu_get(&r, MC_F_OVERFLOW) &&
               mc_pdu_get(&r, MC_F_RESIDUAL) == BLOCK,
           "EDTL 1024 for one block: U bit, residual 512 (11.4.5)");
    c.expstatsn++;
    mc_pdu_free(&r);

    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), true, false, BLOCK / 2);
    tc_send_free(&c, &p);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && r.data_len == BLOCK / 2, "only EDTL bytes are sent");
    tap_ok(mc_pdu_get(&r, MC_F_OVERFLOW) && mc_pdu_get(&r, MC_F_RESIDUAL) == BLOCK / 2,
           "EDTL 256 for one block: O bit, residual 256");
    c.expstatsn++;
    mc_pdu_free(&r);

    tc_rw10(cdb, OP_READ10, 0x7fffffff, 1);
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), true, false, BLOCK);
    tc_send_free(&c, &p);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_SCSI_RSP &&
               mc_pdu_get(&r, MC_F_STATUS) == MC_SAM_CHECK_CONDITION,
           "read beyond the end: SCSI Response CHECK CONDITION");
    tap_ok(r.data_len > SENSE_PREFIX && (size_t)((r.data[0] << 8) | r.data[1]) == r.data_len - SENSE_PREFIX,
           "sense data follow a 2-byte SenseLength that counts them (11.4.7.2)");
    tap_ok(r.data_len > SENSE_PREFIX + SENSE_ASC_BYTE &&
               (r.data[SENSE_PREFIX + SENSE_KEY_BYTE] & 0xf) == SENSE_KEY_ILLEGAL_REQUEST &&
               r.data[SENSE_PREFIX + SENSE_ASC_BYTE] == ASC_LBA_OUT_OF_RANGE,
           "ILLEGAL REQUEST / LBA OUT OF RANGE");
    c.expstatsn++;
    mc_pdu_free(&r);

    uint8_t tur[6] = {OP_TEST_UNIT_READY};
    tc_scsi(&c, &p, 9, tur, sizeof(tur), false, false, 0);
    tc_send_free(&c, &p);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_get(&r, MC_F_STATUS) == MC_SAM_CHECK_CONDITION &&
               r.data_len > SENSE_PREFIX + SENSE_ASC_BYTE &&
               (r.data[SENSE_PREFIX + SENSE_KEY_BYTE] & 0xf) == SENSE_KEY_ILLEGAL_REQUEST &&
               r.data[SENSE_PREFIX + SENSE_ASC_BYTE] == ASC_LUN_NOT_SUPPORTED,
           "unknown LUN 9: CHECK CONDITION ILLEGAL REQUEST / LUN NOT SUPPORTED");
    c.expstatsn++;
    mc_pdu_free(&r);
    tc_close(&c);
}

static void nop_and_text(uint16_t port)
{
    tc_conn c;
    const char *keys[] = {"MaxRecvDataSegmentLength=512", NULL};
    tap_is_int(login(&c, port, keys), 0, "login");
    mc_pdu p, r;
    tc_request(&c, &p, MC_OP_NOP_OUT, false);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&p, "ping-data", 9);
    uint32_t itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(&c, &p);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_NOP_IN &&
               mc_pdu_get(&r, MC_F_ITT) == itt && mc_pdu_get(&r, MC_F_TTT) == MC_RESERVED_TAG,
           "ping answered with the same ITT and TTT 0xffffffff (11.19)");
    tap_ok(r.data_len == 9 && memcmp(r.data, "ping-data", 9) == 0, "the ping data is echoed");
    c.expstatsn++;
    mc_pdu_free(&r);

    tc_request(&c, &p, MC_OP_NOP_OUT, false);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_ITT, MC_RESERVED_TAG);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    tc_send_free(&c, &p);
    tap_is_int(tc_recv(&c, &r, TC_QUIET_MS), 1, "NOP-Out with ITT 0xffffffff gets no answer");

    /* many unknown keys: the answer outgrows 512 bytes and comes in pieces */
    char text[4096];
    size_t tl = 0;
    for (int i = 0; i < 40; i++)
        tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "X-org.mirrorcert.Key%02d=v", i) + 1;
    tc_request(&c, &p, MC_OP_TEXT_REQ, true);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&p, text, tl);
    itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(&c, &p);
    char all[8192];
    size_t al = 0;
    int pieces = 0;
    bool ttt_ok = true, sn_ok = true, final = false;
    while (pieces < 40) {
        if (tc_recv(&c, &r, TC_WAIT_MS) != 0 || mc_pdu_opcode(&r) != MC_OP_TEXT_RSP)
            break;
        pieces++;
        sn_ok = sn_ok && mc_pdu_get(&r, MC_F_STATSN) == c.expstatsn;
        c.expstatsn++;
        if (r.data_len <= sizeof(all) - al) {
            memcpy(all + al, r.data, r.data_len);
            al += r.data_len;
        }
        final = mc_pdu_get(&r, MC_F_FINAL) != 0;
        uint32_t ttt = (uint32_t)mc_pdu_get(&r, MC_F_TTT);
        if (final) {
            ttt_ok = ttt_ok && ttt == MC_RESERVED_TAG;
            mc_pdu_free(&r);
            break;
        }
        ttt_ok = ttt_ok && ttt != MC_RESERVED_TAG && mc_pdu_get(&r, MC_F_CONTINUE);
        mc_pdu_free(&r);
        mc_pdu_init(&p, MC_OP_TEXT_REQ);
        mc_pdu_set(&p, MC_F_FINAL, 1);
        mc_pdu_set(&p, MC_F_ITT, itt);
        mc_pdu_set(&p, MC_F_TTT, ttt);
        mc_pdu_set(&p, MC_F_CMDSN, c.cmdsn++);
        mc_pdu_set(&p, MC_F_EXPSTATSN, c.expstatsn);
        tc_send_free(&c, &p);
    }
    tap_ok(pieces > 1 && final, "the long answer comes in %d pieces, the last with F=1", pieces);
    tap_ok(ttt_ok, "continued pieces carry C=1 and a TTT, the last TTT 0xffffffff (11.11)");
    tap_ok(sn_ok, "each piece takes the next StatSN");
    mc_pdu joined = {.data = (uint8_t *)all, .data_len = al};
    tap_ok(tc_text_has(&joined, "X-org.mirrorcert.Key00=NotUnderstood") &&
               tc_text_has(&joined, "X-org.mirrorcert.Key39=NotUnderstood"),
           "every unknown key is answered NotUnderstood (6.2)");
    tap_is_int(tc_nop_ping(&c), 0, "the connection still works");

    /* the initiator continues its own request: C=1, then the rest with the TTT it was given */
    tc_request(&c, &p, MC_OP_TEXT_REQ, true);
    mc_pdu_set(&p, MC_F_CONTINUE, 1);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&p, "X-org.mirrorcert.Sp", 19);
    itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(&c, &p);
    uint32_t given = MC_RESERVED_TAG;
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_TEXT_RSP &&
               r.data_len == 0 && !mc_pdu_get(&r, MC_F_FINAL) &&
               (given = (uint32_t)mc_pdu_get(&r, MC_F_TTT)) != MC_RESERVED_TAG,
           "a C=1 request piece is answered empty with F=0 and a TTT (11.10.2)");
    c.expstatsn++;
    mc_pdu_free(&r);
    mc_pdu_init(&p, MC_OP_TEXT_REQ);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_ITT, itt);
    mc_pdu_set(&p, MC_F_TTT, given);
    mc_pdu_set(&p, MC_F_CMDSN, c.cmdsn++);
    mc_pdu_set(&p, MC_F_EXPSTATSN, c.expstatsn);
    mc_pdu_set_data(&p, "lit=1", 6);
    tc_send_free(&c, &p);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_TEXT_RSP &&
               mc_pdu_get(&r, MC_F_FINAL) && tc_text_has(&r, "X-org.mirrorcert.Split=NotUnderstood"),
           "the rest sent with that TTT completes the key split across the pieces (11.10.4)");
    c.expstatsn++;
    mc_pdu_free(&r);
    tc_close(&c);
}

/* A six-byte CDB with no data; returns the status, or -1. */
static int scsi_status(tc_conn *c, uint8_t op, uint16_t lun)
{
    uint8_t cdb[6] = {op};
    mc_pdu p, r;
    uint32_t alloc = op == OP_INQUIRY ? INQUIRY_ALLOC : 0;
    cdb[4] = (uint8_t)alloc;
    tc_scsi(c, &p, lun, cdb, sizeof(cdb), alloc > 0, false, alloc);
    tc_send_free(c, &p);
    for (;;) {
        if (tc_recv(c, &r, TC_WAIT_MS) != 0)
            return -1;
        uint8_t o = mc_pdu_opcode(&r);
        bool last = o == MC_OP_SCSI_RSP || (o == MC_OP_DATA_IN && mc_pdu_get(&r, MC_F_STATUS_PRESENT));
        int st = last ? (int)mc_pdu_get(&r, MC_F_STATUS) : -1;
        mc_pdu_free(&r);
        if (last) {
            c->expstatsn++;
            return st;
        }
        if (o != MC_OP_DATA_IN)
            return -1;
    }
}

static int tmf(tc_conn *c, uint8_t fn, uint16_t lun, uint32_t rtt, uint32_t refcmdsn)
{
    mc_pdu p, r;
    tc_request(c, &p, MC_OP_TMF_REQ, false);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TMF_FUNCTION, fn);
    mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(lun));
    mc_pdu_set(&p, MC_F_RTT, rtt);
    mc_pdu_set(&p, MC_F_REFCMDSN, refcmdsn);
    tc_send_free(c, &p);
    if (tc_recv(c, &r, TC_WAIT_MS) != 0)
        return -1;
    int resp = mc_pdu_opcode(&r) == MC_OP_TMF_RSP && mc_pdu_get(&r, MC_F_STATSN) == c->expstatsn
                   ? (int)mc_pdu_get(&r, MC_F_RESPONSE) : -1;
    c->expstatsn++;
    mc_pdu_free(&r);
    return resp;
}

static void task_management(uint16_t port)
{
    tc_conn c;
    const char *keys[] = {"ImmediateData=No", "InitialR2T=Yes", NULL};
    tap_is_int(login(&c, port, keys), 0, "login for task management");
    uint8_t cdb[10];
    mc_pdu p, r;
    tc_rw10(cdb, OP_WRITE10, 0, 2);
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), false, true, 2 * BLOCK);
    uint32_t itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    uint32_t cmdsn = (uint32_t)mc_pdu_get(&p, MC_F_CMDSN);
    tc_send_free(&c, &p);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_R2T, "write waits at its R2T");
    uint32_t ttt = (uint32_t)mc_pdu_get(&r, MC_F_TTT);
    mc_pdu_free(&r);
    tap_is_int(tmf(&c, MC_TMF_ABORT_TASK, 1, itt, cmdsn), MC_TMF_RSP_COMPLETE,
               "ABORT TASK of the waiting write: function complete");
    uint8_t blk[2 * BLOCK] = {0};
    tc_data_out(&c, itt, ttt, 0, 0, blk, sizeof(blk), true);
    tap_is_int(tc_recv(&c, &r, TC_QUIET_MS), 1, "Data-Out for the aborted task draws no answer");
    tap_is_int(tmf(&c, MC_TMF_ABORT_TASK, 1, 0x7777, cmdsn), MC_TMF_RSP_NO_TASK,
               "ABORT TASK of a task never seen, RefCmdSN outside the window: task does not exist");
    tap_is_int(tmf(&c, MC_TMF_ABORT_TASK_SET, 1, 0, 0), MC_TMF_RSP_COMPLETE, "ABORT TASK SET: complete");
    tap_is_int(tmf(&c, MC_TMF_CLEAR_TASK_SET, 1, 0, 0), MC_TMF_RSP_COMPLETE, "CLEAR TASK SET: complete");
    tc_conn other;
    tap_ok(tc_connect(&other, port, ISID + 1) == 0 && tc_login(&other, TC_IQN, NULL) == 0,
           "a second session is open before the reset");
    tap_is_int(tmf(&c, MC_TMF_LUN_RESET, 1, 0, 0), MC_TMF_RSP_COMPLETE, "LUN RESET: complete");
    tap_is_int(scsi_status(&other, OP_INQUIRY, 1), MC_SAM_GOOD, "INQUIRY after the reset is not held up");
    tap_is_int(scsi_status(&other, OP_TEST_UNIT_READY, 1), MC_SAM_CHECK_CONDITION,
               "the other session's next command reports the reset (UNIT ATTENTION, SAM-5 6.3)");
    tap_is_int(scsi_status(&other, OP_TEST_UNIT_READY, 1), MC_SAM_GOOD, "once");
    tap_is_int(scsi_status(&c, OP_TEST_UNIT_READY, 1), MC_SAM_CHECK_CONDITION,
               "the resetting session gets it too");
    tap_is_int(scsi_status(&other, OP_TEST_UNIT_READY, 2), MC_SAM_GOOD, "LUN 2 was not reset");
    tc_close(&other);
    tap_is_int(tmf(&c, MC_TMF_LUN_RESET, 9, 0, 0), MC_TMF_RSP_NO_LUN, "LUN RESET of LUN 9: LUN does not exist");
    tap_is_int(tmf(&c, MC_TMF_TARGET_WARM_RESET, 0, 0, 0), MC_TMF_RSP_COMPLETE, "TARGET WARM RESET: complete");
    tap_is_int(tmf(&c, MC_TMF_CLEAR_ACA, 1, 0, 0), MC_TMF_RSP_NOT_SUPPORTED, "CLEAR ACA: not supported (5)");
    tap_is_int(tmf(&c, MC_TMF_TASK_REASSIGN, 1, itt, 0), MC_TMF_RSP_NO_REASSIGN,
               "TASK REASSIGN below ErrorRecoveryLevel 2: not supported (4)");
    tap_is_int(tc_nop_ping(&c), 0, "the session goes on");
    tc_close(&c);
}

static void logout(uint16_t port)
{
    tc_conn c;
    tap_is_int(login(&c, port, NULL), 0, "login for logout");
    mc_pdu p, r;
    tc_request(&c, &p, MC_OP_LOGOUT_REQ, false);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_LOGOUT_REASON, MC_LOGOUT_CONNECTION);
    mc_pdu_set(&p, MC_F_CID, 9);
    tc_send_free(&c, &p);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_LOGOUT_RSP &&
               mc_pdu_get(&r, MC_F_RESPONSE) == MC_LOGOUT_RSP_NO_CID,
           "closing an unknown CID: response 1 CID not found (11.15.1)");
    c.expstatsn++;
    mc_pdu_free(&r);
    tc_request(&c, &p, MC_OP_LOGOUT_REQ, false);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_LOGOUT_REASON, MC_LOGOUT_SESSION);
    tc_send_free(&c, &p);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_LOGOUT_RSP &&
               mc_pdu_get(&r, MC_F_RESPONSE) == MC_LOGOUT_RSP_OK && mc_pdu_get(&r, MC_F_STATSN) == c.expstatsn,
           "session logout: response 0 with the next StatSN");
    mc_pdu_free(&r);
    tap_ok(tc_wait_closed(&c, TC_WAIT_MS), "then the target closes the connection");
    tc_close(&c);
}

#define NOP_INTERVAL_FOR_TEST_MS 200u

static void target_ping(void)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.nop_interval_ms = NOP_INTERVAL_FOR_TEST_MS;
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, &cfg) == 0, "target with NOP-In pings starts"))
        return;
    tc_conn c;
    tap_is_int(login(&c, tt.port, NULL), 0, "login");
    mc_pdu r, p;
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_NOP_IN &&
               mc_pdu_get(&r, MC_F_ITT) == MC_RESERVED_TAG && mc_pdu_get(&r, MC_F_TTT) != MC_RESERVED_TAG,
           "an idle connection gets a NOP-In with ITT 0xffffffff and a TTT (11.19)");
    tap_is_int((long long)mc_pdu_get(&r, MC_F_STATSN), c.expstatsn, "it carries the next StatSN");
    uint32_t ttt = (uint32_t)mc_pdu_get(&r, MC_F_TTT);
    mc_pdu_free(&r);
    tc_request(&c, &p, MC_OP_NOP_OUT, false);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_ITT, MC_RESERVED_TAG);
    mc_pdu_set(&p, MC_F_TTT, ttt);
    tc_send_free(&c, &p);
    tap_is_int(tc_nop_ping(&c), 0, "after the answer, the next response has that same StatSN (not advanced)");
    bool pinged = tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_NOP_IN;
    if (pinged)
        mc_pdu_free(&r);
    tap_ok(pinged, "the next idle period brings another ping");
    tap_ok(tc_wait_closed(&c, TC_WAIT_MS), "left unanswered, the connection is closed");
    tc_close(&c);
    tc_target_stop(&tt);
}

int main(void)
{
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, NULL) == 0, "target starts"))
        return tap_done();
    data_in_split(tt.port);
    r2t_flow(tt.port);
    residuals_and_sense(tt.port);
    nop_and_text(tt.port);
    task_management(tt.port);
    logout(tt.port);
    tc_target_stop(&tt);
    target_ping();
    return tap_done();
}
