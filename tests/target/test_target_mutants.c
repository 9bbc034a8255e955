/* Every mutant of the target breaks its rule: the same probe holds against the conformant
 * target and fails against the mutant, so a suite that runs the probe catches it. */
#include <stdio.h>
#include <string.h>

#include "lun.h"
#include "target_mutant.h"
#include "tap.h"
#include "tclient.h"

#define ISID 0x400005000001ull
#define BLOCK 512u
#define OP_READ10 0x28
#define OP_WRITE10 0x2a
#define UNKNOWN_OPCODE 0x0f
#define CMDSN_FAR_AHEAD 1000u
#define SENSE_PREFIX 2u
#define TEXT_KEYS 40

typedef bool (*probe_fn)(tc_conn *c, uint16_t port);

static bool login(tc_conn *c, uint16_t port, const char *const *keys)
{
    return tc_connect(c, port, ISID) == 0 && tc_login(c, TC_IQN, keys) == 0;
}

static bool recv_op(tc_conn *c, mc_pdu *r, uint8_t op)
{
    if (tc_recv(c, r, TC_WAIT_MS) != 0)
        return false;
    if (mc_pdu_opcode(r) == op)
        return true;
    mc_pdu_free(r);
    return false;
}

/* 4.2.2.2: StatSN advances by one per response (also catches login-statsn-wrong) */
static bool statsn_by_one(tc_conn *c, uint16_t port)
{
    return login(c, port, NULL) && tc_nop_ping(c) == 0 && tc_nop_ping(c) == 0;
}

static bool text_request(tc_conn *c, const char *text, size_t len, uint32_t ttt, uint32_t itt)
{
    mc_pdu p;
    tc_request(c, &p, MC_OP_TEXT_REQ, true);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TTT, ttt);
    if (itt != MC_RESERVED_TAG)
        mc_pdu_set(&p, MC_F_ITT, itt);
    if (len)
        mc_pdu_set_data(&p, text, len);
    return tc_send_free(c, &p);
}

/* 11.11.1: the last Text Response has F=1 */
static bool text_final(tc_conn *c, uint16_t port)
{
    mc_pdu r;
    if (!login(c, port, NULL) || !text_request(c, "X-org.mirrorcert.A=1", 21, MC_RESERVED_TAG, MC_RESERVED_TAG) ||
        !recv_op(c, &r, MC_OP_TEXT_RSP))
        return false;
    bool ok = mc_pdu_get(&r, MC_F_FINAL) == 1;
    mc_pdu_free(&r);
    return ok;
}

/* 11.11.4: a continued answer (F=0) carries a TTT other than 0xffffffff */
static bool text_continue_ttt(tc_conn *c, uint16_t port)
{
    const char *keys[] = {"MaxRecvDataSegmentLength=512", NULL};
    char text[2048];
    size_t tl = 0;
    for (int i = 0; i < TEXT_KEYS; i++)
        tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "X-org.mirrorcert.K%02d=v", i) + 1;
    mc_pdu r;
    if (!login(c, port, keys) || !text_request(c, text, tl, MC_RESERVED_TAG, MC_RESERVED_TAG) ||
        !recv_op(c, &r, MC_OP_TEXT_RSP))
        return false;
    bool ok = mc_pdu_get(&r, MC_F_FINAL) == 0 && mc_pdu_get(&r, MC_F_TTT) != MC_RESERVED_TAG;
    mc_pdu_free(&r);
    return ok;
}

/* 4.2.2.1: a command beyond MaxCmdSN is ignored */
static bool cmdsn_window(tc_conn *c, uint16_t port)
{
    if (!login(c, port, NULL))
        return false;
    mc_pdu p, r;
    tc_request(c, &p, MC_OP_NOP_OUT, true);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set(&p, MC_F_CMDSN, c->cmdsn + CMDSN_FAR_AHEAD);
    tc_send_free(c, &p);
    int got = tc_recv(c, &r, TC_QUIET_MS);
    if (got == 0)
        mc_pdu_free(&r);
    return got == 1;
}

/* 4.2.2.1: MaxCmdSN moves with ExpCmdSN */
static bool maxcmdsn_moves(tc_conn *c, uint16_t port)
{
    if (!login(c, port, NULL))
        return false;
    uint32_t first = 0, last = 0;
    for (int i = 0; i < 2; i++) {
        mc_pdu p, r;
        tc_request(c, &p, MC_OP_NOP_OUT, true);
        mc_pdu_set(&p, MC_F_FINAL, 1);
        mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
        tc_send_free(c, &p);
        if (!recv_op(c, &r, MC_OP_NOP_IN))
            return false;
        c->expstatsn++;
        last = (uint32_t)mc_pdu_get(&r, MC_F_MAXCMDSN);
        if (i == 0)
            first = last;
        mc_pdu_free(&r);
    }
    return last == first + 1;
}

/* R2T fields of a one-block write: 11.8.4 BufferOffset 0, 11.8.6 R2TSN 0 */
static bool first_r2t(tc_conn *c, uint16_t port, mc_field f)
{
    const char *keys[] = {"ImmediateData=No", "InitialR2T=Yes", NULL};
    if (!login(c, port, keys))
        return false;
    uint8_t cdb[10];
    mc_pdu p, r;
    tc_rw10(cdb, OP_WRITE10, 0, 1);
    tc_scsi(c, &p, 1, cdb, sizeof(cdb), false, true, BLOCK);
    tc_send_free(c, &p);
    if (!recv_op(c, &r, MC_OP_R2T))
        return false;
    bool ok = mc_pdu_get(&r, f) == 0;
    mc_pdu_free(&r);
    return ok;
}

static bool r2t_offset(tc_conn *c, uint16_t port)
{
    return first_r2t(c, port, MC_F_BUFFER_OFFSET);
}

static bool r2tsn_zero(tc_conn *c, uint16_t port)
{
    return first_r2t(c, port, MC_F_R2TSN);
}

/* 11.17.1: an unknown opcode is "command not supported" */
static bool reject_reason(tc_conn *c, uint16_t port)
{
    if (!login(c, port, NULL))
        return false;
    mc_pdu p, r;
    tc_request(c, &p, MC_OP_NOP_OUT, false);
    p.bhs[0] = (uint8_t)(MC_OP_IMMEDIATE | UNKNOWN_OPCODE);
    tc_send_raw(c, p.bhs, MC_BHS_LEN);
    mc_pdu_free(&p);
    if (!recv_op(c, &r, MC_OP_REJECT))
        return false;
    bool ok = mc_pdu_get(&r, MC_F_REJECT_REASON) == MC_REJ_CMD_NOT_SUPPORTED;
    mc_pdu_free(&r);
    return ok;
}

/* 11.7.5: two Data-In of one read count DataSN 0, 1 */
static bool read_datasn(tc_conn *c, uint16_t port)
{
    const char *keys[] = {"MaxRecvDataSegmentLength=512", NULL};
    if (!login(c, port, keys))
        return false;
    uint8_t cdb[10];
    mc_pdu p, r;
    tc_rw10(cdb, OP_READ10, 0, 2);
    tc_scsi(c, &p, 1, cdb, sizeof(cdb), true, false, 2 * BLOCK);
    tc_send_free(c, &p);
    bool ok = true;
    for (uint32_t sn = 0; sn < 2; sn++) {
        if (!recv_op(c, &r, MC_OP_DATA_IN))
            return false;
        ok = ok && mc_pdu_get(&r, MC_F_DATASN) == sn;
        mc_pdu_free(&r);
    }
    return ok;
}

/* 11.4.5: one block read with EDTL 1024 reports an underflow of 512 */
static bool residual(tc_conn *c, uint16_t port)
{
    if (!login(c, port, NULL))
        return false;
    uint8_t cdb[10];
    mc_pdu p, r;
    tc_rw10(cdb, OP_READ10, 0, 1);
    tc_scsi(c, &p, 1, cdb, sizeof(cdb), true, false, 2 * BLOCK);
    tc_send_free(c, &p);
    if (!recv_op(c, &r, MC_OP_DATA_IN))
        return false;
    bool ok = mc_pdu_get(&r, MC_F_UNDERFLOW) == 1 && mc_pdu_get(&r, MC_F_RESIDUAL) == BLOCK;
    mc_pdu_free(&r);
    return ok;
}

/* 11.19.2: the answer to a ping carries TTT 0xffffffff */
static bool nop_ttt(tc_conn *c, uint16_t port)
{
    if (!login(c, port, NULL))
        return false;
    mc_pdu p, r;
    tc_request(c, &p, MC_OP_NOP_OUT, false);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    tc_send_free(c, &p);
    if (!recv_op(c, &r, MC_OP_NOP_IN))
        return false;
    bool ok = mc_pdu_get(&r, MC_F_TTT) == MC_RESERVED_TAG;
    mc_pdu_free(&r);
    return ok;
}

/* 11.15: a Logout Request is answered before the connection closes */
static bool logout_answered(tc_conn *c, uint16_t port)
{
    if (!login(c, port, NULL))
        return false;
    mc_pdu p, r;
    tc_request(c, &p, MC_OP_LOGOUT_REQ, false);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_LOGOUT_REASON, MC_LOGOUT_SESSION);
    tc_send_free(c, &p);
    if (!recv_op(c, &r, MC_OP_LOGOUT_RSP))
        return false;
    mc_pdu_free(&r);
    return true;
}

/* 11.4.7.2: SenseLength counts exactly the sense bytes that follow */
static bool sense_length(tc_conn *c, uint16_t port)
{
    if (!login(c, port, NULL))
        return false;
    uint8_t cdb[10];
    mc_pdu p, r;
    tc_rw10(cdb, OP_READ10, 0x7fffffff, 1);
    tc_scsi(c, &p, 1, cdb, sizeof(cdb), true, false, BLOCK);
    tc_send_free(c, &p);
    if (!recv_op(c, &r, MC_OP_SCSI_RSP))
        return false;
    bool ok = r.data_len > SENSE_PREFIX && (size_t)((r.data[0] << 8) | r.data[1]) == r.data_len - SENSE_PREFIX;
    mc_pdu_free(&r);
    return ok;
}

typedef struct mutant_probe {
    const char *mutant;
    probe_fn probe;
} mutant_probe;

static const mutant_probe probes[] = {
    {"statsn-skip", statsn_by_one},
    {"text-no-final", text_final},
    {"cmdsn-window-ignored", cmdsn_window},
    {"r2t-offset-wrong", r2t_offset},
    {"reject-reason-wrong", reject_reason},
    {"maxcmdsn-stuck", maxcmdsn_moves},
    {"datasn-restart", read_datasn},
    {"residual-missing", residual},
    {"nop-ttt-wrong", nop_ttt},
    {"logout-no-response", logout_answered},
    {"login-statsn-wrong", statsn_by_one},
    {"r2tsn-wrong", r2tsn_zero},
    {"sense-length-wrong", sense_length},
    {"ttt-reserved-on-text-continue", text_continue_ttt},
};

static bool run_probe(const mutant_probe *mp, const char *mutant)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mutant = mutant;
    tc_target tt;
    if (tc_target_start(&tt, &cfg) != 0)
        return false;
    tc_conn c;
    bool held = mp->probe(&c, tt.port);
    tc_close(&c);
    tc_target_stop(&tt);
    return held;
}

int main(void)
{
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        const mutant_probe *mp = &probes[i];
        int m = mc_mutant_lookup(mc_target_mutants, mc_target_nmutants, mp->mutant);
        if (!tap_ok(m > 0, "mutant %s exists", mp->mutant))
            continue;
        tap_ok(run_probe(mp, NULL), "%s: the rule holds on the conformant target", mp->mutant);
        tap_ok(!run_probe(mp, mp->mutant), "%s: the probe catches the mutant", mp->mutant);
    }
    return tap_done();
}
