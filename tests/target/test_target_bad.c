/* Bad input to the target, one case at a time, each with a second session running beside the
 * offending one that must not notice (RFC 7143 4.2.2.1, 6.1, 7.8, 11.17.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lun.h"
#include "tap.h"
#include "tclient.h"

#define ISID_BAD 0x400003000001ull
#define ISID_GOOD 0x400003000002ull
#define UNKNOWN_OPCODE 0x0f            /* not assigned in 11.2.1.2 */
#define OUR_MRDSL 262144u              /* what the target declares */
#define TEXT_OVER_LIMIT 70000u         /* above the 64 KiB a text exchange may reach */
#define CMDSN_FAR_AHEAD 1000u

typedef struct pair {
    tc_conn bad, good;
} pair;

static bool open_pair(uint16_t port, pair *p, const char *const *bad_keys)
{
    bool ok = tc_connect(&p->good, port, ISID_GOOD) == 0 && tc_login(&p->good, TC_IQN, NULL) == 0 &&
              tc_connect(&p->bad, port, ISID_BAD) == 0 && tc_login(&p->bad, TC_IQN, bad_keys) == 0;
    return tap_ok(ok, "two sessions logged in") && tap_is_int(tc_nop_ping(&p->good), 0, "good session answers");
}

static void close_pair(pair *p)
{
    tap_is_int(tc_nop_ping(&p->good), 0, "the other session is untouched");
    tc_close(&p->bad);
    tc_close(&p->good);
}

/* Receives one PDU and checks it is a Reject with this reason quoting this ITT. */
static bool got_reject(tc_conn *c, uint8_t reason, uint32_t itt)
{
    mc_pdu r;
    if (tc_recv(c, &r, TC_WAIT_MS) != 0)
        return false;
    bool ok = mc_pdu_opcode(&r) == MC_OP_REJECT && mc_pdu_get(&r, MC_F_REJECT_REASON) == reason &&
              r.data_len >= MC_BHS_LEN;
    if (ok) {
        mc_pdu quoted;
        memset(&quoted, 0, sizeof(quoted));
        memcpy(quoted.bhs, r.data, MC_BHS_LEN);
        ok = mc_pdu_get(&quoted, MC_F_ITT) == itt && mc_pdu_get(&r, MC_F_STATSN) == c->expstatsn;
    }
    if (ok)
        c->expstatsn++;
    mc_pdu_free(&r);
    return ok;
}

static void truncated_header(uint16_t port)
{
    pair p;
    if (!open_pair(port, &p, NULL))
        return;
    mc_pdu n;
    tc_request(&p.bad, &n, MC_OP_NOP_OUT, false);
    tc_send_raw(&p.bad, n.bhs, MC_BHS_LEN / 2);
    mc_pdu_free(&n);
    shutdown(p.bad.fd, SHUT_WR);
    tap_ok(tc_wait_closed(&p.bad, TC_WAIT_MS), "truncated header then EOF: the connection closes");
    close_pair(&p);
}

static void unknown_opcode(uint16_t port)
{
    pair p;
    if (!open_pair(port, &p, NULL))
        return;
    mc_pdu n;
    tc_request(&p.bad, &n, MC_OP_NOP_OUT, false);
    n.bhs[0] = (uint8_t)(MC_OP_IMMEDIATE | UNKNOWN_OPCODE);
    uint32_t itt = (uint32_t)mc_pdu_get(&n, MC_F_ITT);
    mc_wire_opts raw = {.keep_lengths = true};
    uint8_t *wire;
    size_t len;
    char err[128];
    if (mc_pdu_encode(&n, &raw, &wire, &len, err, sizeof(err)) == 0) {
        tc_send_raw(&p.bad, wire, len);
        free(wire);
    }
    mc_pdu_free(&n);
    tap_ok(got_reject(&p.bad, MC_REJ_CMD_NOT_SUPPORTED, itt), "unknown opcode: Reject 0x05 quoting the header");
    tap_is_int(tc_nop_ping(&p.bad), 0, "the offending connection carries on");
    close_pair(&p);
}

static void segment_too_long(uint16_t port)
{
    pair p;
    if (!open_pair(port, &p, NULL))
        return;
    mc_pdu n;
    tc_request(&p.bad, &n, MC_OP_NOP_OUT, false);
    mc_pdu_set(&n, MC_F_FINAL, 1);
    mc_pdu_set(&n, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set(&n, MC_F_DSL, OUR_MRDSL + MC_PAD);
    uint32_t itt = (uint32_t)mc_pdu_get(&n, MC_F_ITT);
    tc_send_raw(&p.bad, n.bhs, MC_BHS_LEN);
    mc_pdu_free(&n);
    tap_ok(got_reject(&p.bad, MC_REJ_PROTOCOL_ERROR, itt),
           "DataSegmentLength above MaxRecvDataSegmentLength: Reject 0x04");
    tap_ok(tc_wait_closed(&p.bad, TC_WAIT_MS), "and that connection closes");
    close_pair(&p);
}

static void text_request(tc_conn *c, const void *data, size_t len, bool cont, uint32_t *itt)
{
    mc_pdu t;
    tc_request(c, &t, MC_OP_TEXT_REQ, true);
    mc_pdu_set(&t, MC_F_FINAL, !cont);
    mc_pdu_set(&t, MC_F_CONTINUE, cont);
    mc_pdu_set(&t, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&t, data, len);
    *itt = (uint32_t)mc_pdu_get(&t, MC_F_ITT);
    tc_send_free(c, &t);
}

static void text_limits(uint16_t port)
{
    pair p;
    if (!open_pair(port, &p, NULL))
        return;
    char kv[400];
    uint32_t itt;
    memset(kv, 'K', 64);
    strcpy(kv + 64, "=1");
    text_request(&p.bad, kv, strlen(kv) + 1, false, &itt);
    tap_ok(got_reject(&p.bad, MC_REJ_PROTOCOL_ERROR, itt), "Text key of 64 bytes: Reject (6.1)");
    strcpy(kv, "X-org.mirrorcert.Long=");
    size_t at = strlen(kv);
    memset(kv + at, 'v', 256);
    kv[at + 256] = '\0';
    text_request(&p.bad, kv, strlen(kv) + 1, false, &itt);
    tap_ok(got_reject(&p.bad, MC_REJ_PROTOCOL_ERROR, itt), "Text value of 256 bytes: Reject (6.1)");
    char *big = malloc(TEXT_OVER_LIMIT);
    if (big) {
        memset(big, 'x', TEXT_OVER_LIMIT);
        text_request(&p.bad, big, TEXT_OVER_LIMIT, true, &itt);
        free(big);
        tap_ok(got_reject(&p.bad, MC_REJ_PROTOCOL_ERROR, itt), "text exchange past 64 KiB: Reject");
    }
    tap_is_int(tc_nop_ping(&p.bad), 0, "the offending session carries on");
    close_pair(&p);
}

static void cmdsn_window(uint16_t port)
{
    pair p;
    if (!open_pair(port, &p, NULL))
        return;
    mc_pdu n, r;
    tc_request(&p.bad, &n, MC_OP_NOP_OUT, true);
    mc_pdu_set(&n, MC_F_FINAL, 1);
    mc_pdu_set(&n, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set(&n, MC_F_CMDSN, p.bad.cmdsn + CMDSN_FAR_AHEAD);
    p.bad.cmdsn--;
    tc_send_free(&p.bad, &n);
    tap_is_int(tc_recv(&p.bad, &r, TC_QUIET_MS), 1, "CmdSN beyond MaxCmdSN: silently ignored (4.2.2.1)");
    tc_request(&p.bad, &n, MC_OP_NOP_OUT, true);
    mc_pdu_set(&n, MC_F_FINAL, 1);
    mc_pdu_set(&n, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set(&n, MC_F_CMDSN, p.bad.cmdsn - 2);
    p.bad.cmdsn--;
    tc_send_free(&p.bad, &n);
    tap_is_int(tc_recv(&p.bad, &r, TC_QUIET_MS), 1, "CmdSN below ExpCmdSN: silently ignored");
    tc_request(&p.bad, &n, MC_OP_NOP_OUT, true);
    mc_pdu_set(&n, MC_F_FINAL, 1);
    mc_pdu_set(&n, MC_F_TTT, MC_RESERVED_TAG);
    tc_send_free(&p.bad, &n);
    tap_ok(tc_recv(&p.bad, &r, TC_WAIT_MS) == 0 && mc_pdu_get(&r, MC_F_STATSN) == p.bad.expstatsn &&
               mc_pdu_get(&r, MC_F_EXPCMDSN) == p.bad.cmdsn,
           "the in-window command is answered; StatSN and ExpCmdSN did not move for the ignored ones");
    p.bad.expstatsn++;
    mc_pdu_free(&r);
    close_pair(&p);
}

static void unknown_lun(uint16_t port)
{
    pair p;
    if (!open_pair(port, &p, NULL))
        return;
    mc_pdu n, r;
    uint8_t tur[6] = {0};
    tc_scsi(&p.bad, &n, 77, tur, sizeof(tur), false, false, 0);
    tc_send_free(&p.bad, &n);
    tap_ok(tc_recv(&p.bad, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_SCSI_RSP &&
               mc_pdu_get(&r, MC_F_STATUS) == MC_SAM_CHECK_CONDITION,
           "unknown LUN: CHECK CONDITION (LUN NOT SUPPORTED)");
    p.bad.expstatsn++;
    mc_pdu_free(&r);

    /* an EDTL of 4 GiB - 1 for a one-block read: the CDB, not the EDTL, sizes the work */
    uint8_t cdb[10];
    tc_rw10(cdb, 0x28, 0, 1);
    tc_scsi(&p.bad, &n, 1, cdb, sizeof(cdb), true, false, UINT32_MAX);
    tc_send_free(&p.bad, &n);
    tap_ok(tc_recv(&p.bad, &r, TC_WAIT_MS) == 0 && mc_pdu_opcode(&r) == MC_OP_DATA_IN && r.data_len == 512 &&
               mc_pdu_get(&r, MC_F_STATUS) == MC_SAM_GOOD && mc_pdu_get(&r, MC_F_UNDERFLOW) &&
               mc_pdu_get(&r, MC_F_RESIDUAL) == UINT32_MAX - 512u,
           "EDTL 0xffffffff for one block: one block back, underflow of the rest");
    p.bad.expstatsn++;
    mc_pdu_free(&r);
    close_pair(&p);
}

static void header_digest(uint16_t port, bool erl1)
{
    const char *keys0[] = {"HeaderDigest=CRC32C", "ErrorRecoveryLevel=0", NULL};
    const char *keys1[] = {"HeaderDigest=CRC32C", "ErrorRecoveryLevel=1", NULL};
    pair p;
    if (!open_pair(port, &p, erl1 ? keys1 : keys0))
        return;
    tap_ok(p.bad.wo.header_digest, "header digest negotiated");
    mc_pdu n, r;
    tc_request(&p.bad, &n, MC_OP_NOP_OUT, false);
    mc_pdu_set(&n, MC_F_FINAL, 1);
    mc_pdu_set(&n, MC_F_TTT, MC_RESERVED_TAG);
    p.bad.wo.corrupt_header_digest = true;
    tc_send_free(&p.bad, &n);
    p.bad.wo.corrupt_header_digest = false;
    if (erl1) {
        tap_is_int(tc_recv(&p.bad, &r, TC_QUIET_MS), 1, "header digest error at ERL 1: PDU discarded (7.8)");
        tap_is_int(tc_nop_ping(&p.bad), 0, "and the connection carries on");
    } else {
        tap_ok(tc_wait_closed(&p.bad, TC_WAIT_MS), "header digest error at ERL 0: connection closed (7.8)");
    }
    close_pair(&p);
}

static void data_digest(uint16_t port)
{
    const char *keys[] = {"DataDigest=CRC32C", NULL};
    pair p;
    if (!open_pair(port, &p, keys))
        return;
    tap_ok(p.bad.wo.data_digest, "data digest negotiated");
    mc_pdu n;
    tc_request(&p.bad, &n, MC_OP_NOP_OUT, false);
    mc_pdu_set(&n, MC_F_FINAL, 1);
    mc_pdu_set(&n, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&n, "payload!", 8);
    uint32_t itt = (uint32_t)mc_pdu_get(&n, MC_F_ITT);
    p.bad.wo.corrupt_data_digest = true;
    tc_send_free(&p.bad, &n);
    p.bad.wo.corrupt_data_digest = false;
    tap_ok(got_reject(&p.bad, MC_REJ_DATA_DIGEST, itt), "data digest error: Reject 0x02 (11.17.1)");
    tap_is_int(tc_nop_ping(&p.bad), 0, "the connection carries on");
    close_pair(&p);
}

#define PDU_TIMEOUT_FOR_TEST_MS 200u

/* Half a header and then silence: the connection must not wait for the rest forever. */
static void stalled_pdu(void)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.pdu_timeout_ms = PDU_TIMEOUT_FOR_TEST_MS;
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, &cfg) == 0, "target with a short PDU timeout starts"))
        return;
    pair p;
    if (open_pair(tt.port, &p, NULL)) {
        mc_pdu n;
        tc_request(&p.bad, &n, MC_OP_NOP_OUT, false);
        tc_send_raw(&p.bad, n.bhs, MC_BHS_LEN / 2);
        mc_pdu_free(&n);
        tap_ok(tc_wait_closed(&p.bad, TC_WAIT_MS), "a PDU left half sent ends the connection");
        close_pair(&p);
    }
    tc_target_stop(&tt);
}

int main(void)
{
    tc_target tt;
    if (!tap_ok(tc_target_start(&tt, NULL) == 0, "target starts"))
        return tap_done();
    truncated_header(tt.port);
    unknown_opcode(tt.port);
    segment_too_long(tt.port);
    text_limits(tt.port);
    cmdsn_window(tt.port);
    unknown_lun(tt.port);
    header_digest(tt.port, false);
    header_digest(tt.port, true);
    data_digest(tt.port);
    tc_target_stop(&tt);
    stalled_pdu();
    return tap_done();
}
