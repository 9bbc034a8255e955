/* ErrorRecoveryLevel 1 on the target: recovery R2T for Data-Out lost or failed by digest,
 * Data/R2T SNACK, Status SNACK, DataACK, R-Data SNACK, and SNACK refused at level 0 (RFC 7143 6.7, 7.1,
 * 11.7.2, 11.16). */
#include <stdio.h>
#include <string.h>

#include "lun.h"
#include "tap.h"
#include "tclient.h"

#define ISID 0x400004000001ull
#define BLOCK 512u
#define OP_READ10 0x28
#define OP_WRITE10 0x2a

static void data_out(tc_conn *c, uint32_t itt, uint32_t ttt, uint32_t datasn, uint32_t off,
                     const uint8_t *d, uint32_t len, bool final, bool corrupt)
{
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_DATA_OUT);
    mc_pdu_set(&p, MC_F_FINAL, final);
    mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(1));
    mc_pdu_set(&p, MC_F_ITT, itt);
    mc_pdu_set(&p, MC_F_TTT, ttt);
    mc_pdu_set(&p, MC_F_EXPSTATSN, c->expstatsn);
    mc_pdu_set(&p, MC_F_DATASN, datasn);
    mc_pdu_set(&p, MC_F_BUFFER_OFFSET, off);
    mc_pdu_set_data(&p, d, len);
    c->wo.corrupt_data_digest = corrupt;
    tc_send_free(c, &p);
    c->wo.corrupt_data_digest = false;
}

static void snack(tc_conn *c, unsigned type, uint32_t itt, uint32_t ttt, uint32_t beg, uint32_t run)
{
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_SNACK);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_SNACK_TYPE, type);
    mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(1));
    mc_pdu_set(&p, MC_F_ITT, itt);
    mc_pdu_set(&p, MC_F_TTT, ttt);
    mc_pdu_set(&p, MC_F_EXPSTATSN, c->expstatsn);
    mc_pdu_set(&p, MC_F_BEGRUN, beg);
    mc_pdu_set(&p, MC_F_RUNLENGTH, run);
    tc_send_free(c, &p);
}

static int login(tc_conn *c, uint16_t port, const char *erl)
{
    const char *keys[] = {erl, "MaxRecvDataSegmentLength=512", "DataDigest=CRC32C", "ImmediateData=No",
                          "InitialR2T=Yes", "MaxBurstLength=1024", "FirstBurstLength=512", NULL};
    if (tc_connect(c, port, ISID) != 0)
        return -1;
    return tc_login(c, TC_IQN, keys);
}

static bool expect_r2t(tc_conn *c, uint32_t r2tsn, uint32_t off, uint32_t len, uint32_t *ttt)
{
    mc_pdu r;
    if (tc_recv(c, &r, TC_WAIT_MS) != 0)
        return false;
    bool ok = mc_pdu_opcode(&r) == MC_OP_R2T && mc_pdu_get(&r, MC_F_R2TSN) == r2tsn &&
              mc_pdu_get(&r, MC_F_BUFFER_OFFSET) == off && mc_pdu_get(&r, MC_F_DDTL) == len;
    if (!ok)
        tap_diag("got opcode 0x%02x R2TSN %u offset %u length %u", mc_pdu_opcode(&r),
                 (unsigned)mc_pdu_get(&r, MC_F_R2TSN), (unsigned)mc_pdu_get(&r, MC_F_BUFFER_OFFSET),
                 (unsigned)mc_pdu_get(&r, MC_F_DDTL));
    *ttt = (uint32_t)mc_pdu_get(&r, MC_F_TTT);
    mc_pdu_free(&r);
    return ok;
}

static bool expect_good(tc_conn *c)
{
    mc_pdu r;
    bool ok = tc_recv(c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_SCSI_RSP &&
              mc_pdu_get(&r, MC_F_STATUS) == MC_SAM_GOOD && mc_pdu_get(&r, MC_F_STATSN) == c->expstatsn;
    if (ok)
        c->expstatsn++;
    mc_pdu_free(&r);
    return ok;
}

static bool expect_reject(tc_conn *c, uint8_t reason)
{
    mc_pdu r;
    bool ok = tc_recv(c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_REJECT &&
              mc_pdu_get(&r, MC_F_REJECT_REASON) == reason;
    if (ok)
        c->expstatsn++;
    mc_pdu_free(&r);
    return ok;
}

/* Reads lba..lba+blocks back with the plain path and compares. */
static bool read_back(tc_conn *c, uint32_t lba, const uint8_t *want, uint32_t len)
{
    uint8_t cdb[10], got[4 * BLOCK];
    tc_rw10(cdb, OP_READ10, lba, (uint16_t)(len / BLOCK));
    mc_pdu p, r;
    tc_scsi(c, &p, 1, cdb, sizeof(cdb), true, false, len);
    tc_send_free(c, &p);
    for (;;) {
        if (tc_recv(c, &r, TC_WAIT_MS) != 0 || mc_pdu_opcode(&r) != MC_OP_DATA_IN)
            return false;
        uint32_t off = (uint32_t)mc_pdu_get(&r, MC_F_BUFFER_OFFSET);
        if (off + r.data_len <= sizeof(got))
            memcpy(got + off, r.data, r.data_len);
        bool s = mc_pdu_get(&r, MC_F_STATUS_PRESENT) != 0;
        mc_pdu_free(&r);
        if (s)
            break;
    }
    c->expstatsn++;
    return memcmp(got, want, len) == 0;
}

static void recovery_r2t(uint16_t port)
{
    tc_conn c;
    tap_is_int(login(&c, port, "ErrorRecoveryLevel=1"), 0, "login at ErrorRecoveryLevel 1 with DataDigest");
    uint8_t data[2 * BLOCK], cdb[10];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i ^ 0x5a);
    mc_pdu p;
    tc_rw10(cdb, OP_WRITE10, 40, 2);
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), false, true, sizeof(data));
    uint32_t itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(&c, &p);
    uint32_t ttt;
    tap_ok(expect_r2t(&c, 0, 0, 2 * BLOCK, &ttt), "R2T 0 asks for both blocks");
    data_out(&c, itt, ttt, 0, 0, data, BLOCK, false, false);
    data_out(&c, itt, ttt, 1, BLOCK, data + BLOCK, BLOCK, true, true);
    tap_ok(expect_reject(&c, MC_REJ_DATA_DIGEST), "the corrupted Data-Out is rejected with 0x02");
    tap_ok(expect_r2t(&c, 1, BLOCK, BLOCK, &ttt), "a recovery R2T (R2TSN 1) asks for the lost block (6.7)");
    data_out(&c, itt, ttt, 0, BLOCK, data + BLOCK, BLOCK, true, false);
    tap_ok(expect_good(&c), "the write completes with GOOD");
    tap_ok(read_back(&c, 40, data, sizeof(data)), "and every byte arrived");

    /* a Data-Out that never arrives shows as a DataSN gap */
    tc_rw10(cdb, OP_WRITE10, 50, 2);
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), false, true, sizeof(data));
    itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(&c, &p);
    tap_ok(expect_r2t(&c, 0, 0, 2 * BLOCK, &ttt), "R2T for the second write");
    data_out(&c, itt, ttt, 1, BLOCK, data + BLOCK, BLOCK, true, false);
    tap_ok(expect_r2t(&c, 1, 0, BLOCK, &ttt), "DataSN 0 missing: recovery R2T for the first block");
    data_out(&c, itt, ttt, 0, 0, data, BLOCK, true, false);
    tap_ok(expect_good(&c), "and the write completes");
    tap_ok(read_back(&c, 50, data, sizeof(data)), "with the right data");
    tc_close(&c);
}

static void r2t_snack(uint16_t port)
{
    tc_conn c;
    tap_is_int(login(&c, port, "ErrorRecoveryLevel=1"), 0, "login for R2T SNACK");
    uint8_t data[2 * BLOCK] = {0}, cdb[10];
    mc_pdu p;
    tc_rw10(cdb, OP_WRITE10, 60, 2);
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), false, true, sizeof(data));
    uint32_t itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(&c, &p);
    uint32_t ttt, again;
    tap_ok(expect_r2t(&c, 0, 0, 2 * BLOCK, &ttt), "R2T 0");
    snack(&c, MC_SNACK_DATA_R2T, itt, 0, 0, 1);
    tap_ok(expect_r2t(&c, 0, 0, 2 * BLOCK, &again) && again == ttt, "R2T SNACK resends R2T 0 unchanged");
    data_out(&c, itt, ttt, 0, 0, data, sizeof(data), true, false);
    tap_ok(expect_good(&c), "write completes");
    tc_close(&c);
}

static void data_and_status_snack(uint16_t port)
{
    tc_conn c;
    tap_is_int(login(&c, port, "ErrorRecoveryLevel=1"), 0, "login for Data and Status SNACK");
    uint8_t cdb[10];
    mc_pdu p, r;
    tc_rw10(cdb, OP_READ10, 0, 4);
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), true, false, 4 * BLOCK);
    uint32_t itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(&c, &p);
    uint8_t first[4][BLOCK];
    uint32_t ack_ttt = MC_RESERVED_TAG, n = 0, statsn = 0;
    bool a_ok = false;
    while (n < 4) {
        if (tc_recv(&c, &r, TC_WAIT_MS) != 0 || mc_pdu_opcode(&r) != MC_OP_DATA_IN)
            break;
        if (r.data_len == BLOCK)
            memcpy(first[n], r.data, BLOCK);
        if (mc_pdu_get(&r, MC_F_ACK)) {
            ack_ttt = (uint32_t)mc_pdu_get(&r, MC_F_TTT);
            a_ok = mc_pdu_get(&r, MC_F_DATASN) == 1 && mc_pdu_get(&r, MC_F_FINAL);
        }
        if (mc_pdu_get(&r, MC_F_STATUS_PRESENT))
            statsn = (uint32_t)mc_pdu_get(&r, MC_F_STATSN);
        n++;
        mc_pdu_free(&r);
    }
    tap_is_int(n, 4, "four Data-In");
    tap_ok(a_ok && ack_ttt != MC_RESERVED_TAG,
           "the end of the first 1024-byte sequence asks for a DataACK (A bit, TTT) (11.7.2)");
    snack(&c, MC_SNACK_DATA_R2T, itt, 0, 1, 2);
    bool same = true;
    for (uint32_t i = 1; i <= 2; i++) {
        same = same && tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_DATA_IN &&
               mc_pdu_get(&r, MC_F_DATASN) == i && mc_pdu_get(&r, MC_F_BUFFER_OFFSET) == i * BLOCK &&
               r.data_len == BLOCK && memcmp(r.data, first[i], BLOCK) == 0;
        mc_pdu_free(&r);
    }
    tap_ok(same, "Data SNACK BegRun 1 RunLength 2 resends DataSN 1 and 2 unchanged");
    snack(&c, MC_SNACK_STATUS, 0, 0, statsn, 1);
    tap_ok(tc_recv(&c, &r, TC_WAIT_MS) == 0 && mc_pdu_get(&r, MC_F_STATSN) == statsn &&
               mc_pdu_get(&r, MC_F_STATUS_PRESENT),
           "Status SNACK resends the status with its StatSN");
    mc_pdu_free(&r);
    snack(&c, MC_SNACK_DATA_ACK, MC_RESERVED_TAG, ack_ttt, 2, 0);
    tap_is_int(tc_recv(&c, &r, TC_QUIET_MS), 1, "DataACK draws no answer");
    snack(&c, MC_SNACK_DATA_R2T, itt, 0, 0, 1);
    tap_ok(expect_reject(&c, MC_REJ_PROTOCOL_ERROR), "Data SNACK for acknowledged data: Reject 0x04");
    c.expstatsn = statsn + 2;  /* acknowledges the status and the Reject */
    snack(&c, MC_SNACK_STATUS, 0, 0, statsn, 1);
    tap_ok(expect_reject(&c, MC_REJ_PROTOCOL_ERROR), "Status SNACK for an acknowledged status: Reject 0x04");
    tap_is_int(tc_nop_ping(&c), 0, "the session goes on");
    tc_close(&c);
}

/* Reads 4 blocks (two 1024-byte sequences of 512-byte Data-In), sends an R-Data SNACK with tag, and
 * returns 1 when DataSN from..3 come again, unchanged and without status, followed by a SCSI
 * Response carrying the SNACK Tag and the StatSN of the first status (11.16.3). */
static int rdata_round(tc_conn *c, uint32_t itt, const uint8_t first[4][BLOCK], uint32_t statsn,
                       uint32_t from, uint32_t tag)
{
    mc_pdu r;
    snack(c, MC_SNACK_RDATA, itt, tag, 0, 0);
    for (uint32_t i = from; i < 4; i++) {
        bool same = tc_recv(c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_DATA_IN &&
                    mc_pdu_get(&r, MC_F_DATASN) == i && mc_pdu_get(&r, MC_F_BUFFER_OFFSET) == i * BLOCK &&
                    !mc_pdu_get(&r, MC_F_STATUS_PRESENT) && r.data_len == BLOCK &&
                    memcmp(r.data, first[i], BLOCK) == 0;
        mc_pdu_free(&r);
        if (!same)
            return 0;
    }
    bool rsp = tc_recv(c, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_SCSI_RSP &&
               mc_pdu_get(&r, MC_F_SNACK_TAG) == tag && mc_pdu_get(&r, MC_F_STATSN) == statsn &&
               mc_pdu_get(&r, MC_F_STATUS) == 0 && mc_pdu_get(&r, MC_F_ITT) == itt;
    mc_pdu_free(&r);
    return rsp;
}

static void rdata_snack(uint16_t port)
{
    tc_conn c;
    tap_is_int(login(&c, port, "ErrorRecoveryLevel=1"), 0, "login for R-Data SNACK");
    uint8_t cdb[10];
    mc_pdu p, r;
    tc_rw10(cdb, OP_READ10, 0, 4);
    tc_scsi(&c, &p, 1, cdb, sizeof(cdb), true, false, 4 * BLOCK);
    uint32_t itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    tc_send_free(&c, &p);
    uint8_t first[4][BLOCK];
    uint32_t ack_ttt = MC_RESERVED_TAG, statsn = 0, n = 0;
    for (; n < 4 && tc_recv(&c, &r, TC_WAIT_MS) == 0; n++) {
        if (mc_pdu_opcode(&r) == MC_OP_DATA_IN && r.data_len == BLOCK)
            memcpy(first[n], r.data, BLOCK);
        if (mc_pdu_get(&r, MC_F_ACK))
            ack_ttt = (uint32_t)mc_pdu_get(&r, MC_F_TTT);
        if (mc_pdu_get(&r, MC_F_STATUS_PRESENT))
            statsn = (uint32_t)mc_pdu_get(&r, MC_F_STATSN);
        mc_pdu_free(&r);
    }
    tap_is_int(n, 4, "four Data-In, the last with the status");
    tap_ok(rdata_round(&c, itt, first, statsn, 0, 0x1234),
           "R-Data SNACK: DataSN 0..3 again without status, then a SCSI Response with the SNACK Tag and the first StatSN");
    snack(&c, MC_SNACK_DATA_ACK, MC_RESERVED_TAG, ack_ttt, 2, 0);
    tap_ok(rdata_round(&c, itt, first, statsn, 2, 0x1235),
           "after a DataACK of DataSN 0..1, R-Data SNACK brings DataSN 2..3 and the response with the new tag");
    c.expstatsn = statsn + 1;  /* acknowledges the status: the ping takes the next StatSN */
    tap_is_int(tc_nop_ping(&c), 0, "the session goes on");
    tc_close(&c);
}

static void snack_at_erl0(uint16_t port)
{
    tc_conn c;
    tap_is_int(login(&c, port, "ErrorRecoveryLevel=0"), 0, "login at ErrorRecoveryLevel 0");
    snack(&c, MC_SNACK_STATUS, 0, 0, c.expstatsn, 0);
    tap_ok(expect_reject(&c, MC_REJ_SNACK), "SNACK at level 0: Reject 0x03");
    tap_is_int(tc_nop_ping(&c), 0, "the session goes on");
    tc_close(&c);
}

int main(void)
{
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, NULL) == 0, "target starts"))
        return tap_done();
    recovery_r2t(tt.port);
    r2t_snack(tt.port);
    data_and_status_snack(tt.port);
    rdata_snack(tt.port);
    snack_at_erl0(tt.port);
    tc_target_stop(&tt);
    return tap_done();
}
