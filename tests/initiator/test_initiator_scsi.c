/* Initiator SCSI command tests against the scripted fake target: R2T-driven writes within
 * MaxBurstLength, immediate plus unsolicited data within FirstBurstLength, Data-In over several
 * PDUs, DataSN checking, sense data, residuals. */
#include <stdlib.h>
#include <string.h>

#include "initiator.h"
#include "peer.h"
#include "tap.h"

#define T_IQN "iqn.2026-11.org.mirrorcert:fake"
#define T_DEADLINE_MS 5000
#define KEYS(s) s, sizeof(s) - 1
#define BLOCK 512u
#define SEG 1024u          /* the fake target's MaxRecvDataSegmentLength */
#define BURST 4096u        /* MaxBurstLength both sides settle on */
#define WRITE_LEN 8192u
#define SAM_CHECK 0x02u
#define SENSE_ILLEGAL_REQUEST 0x05u
#define ASC_LBA_OUT_OF_RANGE 0x21u

static mc_ini *start(peer *p, peer_script script, void *arg, const mc_ini_params *prm)
{
    int fd = -1;
    if (peer_start(p, script, arg, &fd) != 0)
        return NULL;
    mc_ini *ini = mc_ini_new(prm);
    char err[256];
    if (!ini || mc_ini_adopt_fd(ini, fd, err, sizeof err) != MC_INI_OK) {
        mc_ini_free(ini);
        return NULL;
    }
    return ini;
}

static void report_peer(peer *p, const char *what)
{
    const char *f = peer_join(p);
    tap_ok(f == NULL, "%s: the fake target saw what it expected%s%s", what, f ? ": " : "", f ? f : "");
}

static void good_status(peer *p, uint32_t itt)
{
    mc_pdu rsp;
    peer_response(p, &rsp, MC_OP_SCSI_RSP, itt, true);
    mc_pdu_set(&rsp, MC_F_FINAL, 1);
    peer_send(p, &rsp);
}

/* What a write script gathered. */
typedef struct wcase {
    uint8_t got[WRITE_LEN];
    size_t immediate;       /* bytes of immediate data in the command */
    size_t unsolicited;     /* bytes of unsolicited Data-Out (TTT 0xffffffff) */
    unsigned r2ts;
    int bad;                /* 1: an R2T above MaxBurstLength; 2: an R2T that skips data */
} wcase;

/* Receives one sequence of Data-Out for ttt into w->got; checks DataSN from 0, offsets, F on last. */
static size_t take_data_out(peer *p, wcase *w, uint32_t itt, uint32_t ttt, size_t off, size_t want)
{
    uint32_t datasn = 0;
    size_t got = 0;
    for (;;) {
        mc_pdu d;
        if (!peer_expect(p, &d, MC_OP_DATA_OUT))
            return got;
        if (mc_pdu_get(&d, MC_F_ITT) != itt || mc_pdu_get(&d, MC_F_TTT) != ttt)
            peer_failf(p, "Data-Out ITT/TTT 0x%x/0x%x, expected 0x%x/0x%x", (unsigned)mc_pdu_get(&d, MC_F_ITT),
                       (unsigned)mc_pdu_get(&d, MC_F_TTT), itt, ttt);
        if (mc_pdu_get(&d, MC_F_DATASN) != datasn)
            peer_failf(p, "Data-Out DataSN %u, expected %u", (unsigned)mc_pdu_get(&d, MC_F_DATASN), datasn);
        if (mc_pdu_get(&d, MC_F_BUFFER_OFFSET) != off + got)
            peer_failf(p, "Data-Out offset %u, expected %zu", (unsigned)mc_pdu_get(&d, MC_F_BUFFER_OFFSET), off + got);
        if (d.data_len > SEG)
            peer_failf(p, "Data-Out of %zu bytes beyond MaxRecvDataSegmentLength %u", d.data_len, SEG);
        if (d.data_len && off + got + d.data_len <= WRITE_LEN)
            memcpy(w->got + off + got, d.data, d.data_len);
        got += d.data_len;
        datasn++;
        bool fin = mc_pdu_get(&d, MC_F_FINAL) != 0;
        mc_pdu_free(&d);
        if (got > want)
            peer_failf(p, "Data-Out sequence longer than the %zu bytes asked for", want);
        if (fin || got >= want) {
            if (!fin)
                peer_failf(p, "last Data-Out of a sequence without F");
            return got;
        }
    }
}

/* Serves one WRITE: immediate data, unsolicited Data-Out when F=0, then R2Ts of BURST bytes. */
static void script_write(peer *p, void *arg)
{
    wcase *w = arg;
    static const char keys[] = "InitialR2T=No\0MaxRecvDataSegmentLength=1024\0MaxBurstLength=4096\0"
                               "FirstBurstLength=2048\0";
    if (!peer_login(p, KEYS(keys)))
        return;
    mc_pdu cmd;
    if (!peer_expect(p, &cmd, MC_OP_SCSI_CMD))
        return;
    peer_saw(p, &cmd);
    uint32_t itt = (uint32_t)mc_pdu_get(&cmd, MC_F_ITT);
    if (mc_pdu_get(&cmd, MC_F_EDTL) != WRITE_LEN || !mc_pdu_get(&cmd, MC_F_WRITE))
        peer_failf(p, "WRITE command without W or EDTL %u", WRITE_LEN);
    w->immediate = cmd.data_len;
    if (cmd.data_len && cmd.data_len <= WRITE_LEN)
        memcpy(w->got, cmd.data, cmd.data_len);
    bool fin = mc_pdu_get(&cmd, MC_F_FINAL) != 0;
    mc_pdu_free(&cmd);
    size_t have = w->immediate;
    if (!fin) {
        w->unsolicited = take_data_out(p, w, itt, MC_RESERVED_TAG, have, WRITE_LEN - have);
        have += w->unsolicited;
    }
    for (uint32_t r2tsn = 0; have < WRITE_LEN; r2tsn++) {
        size_t n = WRITE_LEN - have < BURST ? WRITE_LEN - have : BURST;
        mc_pdu r2t;
        peer_response(p, &r2t, MC_OP_R2T, itt, false);
        mc_pdu_set(&r2t, MC_F_FINAL, 1);
        mc_pdu_set(&r2t, MC_F_TTT, 0x100 + r2tsn);
        mc_pdu_set(&r2t, MC_F_R2TSN, r2tsn);
        mc_pdu_set(&r2t, MC_F_BUFFER_OFFSET, w->bad == 2 ? have + BLOCK : have);
        mc_pdu_set(&r2t, MC_F_DDTL, w->bad == 1 ? 2 * BURST : n);
        peer_send(p, &r2t);
        if (w->bad) {   /* the initiator must give up; wait for it to hang up */
            mc_pdu d;
            while (peer_recv(p, &d, PEER_WAIT_MS) == 0) {
                peer_failf(p, "initiator answered a bad R2T with opcode 0x%02x", mc_pdu_opcode(&d));
                mc_pdu_free(&d);
            }
            return;
        }
        w->r2ts++;
        size_t got = take_data_out(p, w, itt, 0x100 + r2tsn, have, n);
        if (got != n)
            return;
        have += n;
    }
    good_status(p, itt);
}

static void fill(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 7 + (i >> 8));
}

static void test_write(bool initial_r2t, bool immediate)
{
    peer p;
    wcase *w = calloc(1, sizeof *w);
    mc_ini_params prm = {.target_name = T_IQN, .initial_r2t = initial_r2t, .no_immediate_data = !immediate,
                         .max_burst = BURST, .first_burst = 2048};
    mc_ini *ini = start(&p, script_write, w, &prm);
    char err[256] = "";
    static uint8_t data[WRITE_LEN];
    fill(data, sizeof data);
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    if (rc == MC_INI_OK)
        rc = mc_ini_write(ini, 1, 0, WRITE_LEN / BLOCK, BLOCK, data, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "write with InitialR2T=%s ImmediateData=%s completes (%s)", initial_r2t ? "Yes" : "No",
               immediate ? "Yes" : "No", err);
    report_peer(&p, "write");
    tap_ok(memcmp(w->got, data, WRITE_LEN) == 0, "the target received every byte in place");
    size_t want_imm = immediate ? SEG : 0;               /* one segment, within FirstBurstLength */
    size_t want_unsol = initial_r2t ? 0 : 2048 - want_imm; /* the rest of FirstBurstLength */
    tap_is_int((long long)w->immediate, (long long)want_imm, "immediate data bytes");
    tap_is_int((long long)w->unsolicited, (long long)want_unsol, "unsolicited Data-Out bytes");
    unsigned want_r2t = (unsigned)((WRITE_LEN - want_imm - want_unsol + BURST - 1) / BURST);
    tap_is_int(w->r2ts, want_r2t, "R2Ts of at most MaxBurstLength cover the rest");
    mc_ini_free(ini);
    free(w);
}

static void test_bad_r2t(int bad, const char *what, const char *needle)
{
    peer p;
    wcase *w = calloc(1, sizeof *w);
    w->bad = bad;
    mc_ini_params prm = {.target_name = T_IQN, .initial_r2t = true, .no_immediate_data = true, .max_burst = BURST};
    mc_ini *ini = start(&p, script_write, w, &prm);
    char err[256] = "";
    static uint8_t data[WRITE_LEN];
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    if (rc == MC_INI_OK)
        rc = mc_ini_write(ini, 1, 0, WRITE_LEN / BLOCK, BLOCK, data, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_PROTOCOL, "%s is a protocol error: %s", what, err);
    tap_ok(strstr(err, needle) != NULL, "the message cites %s", needle);
    mc_ini_free(ini);
    report_peer(&p, what);
    free(w);
}

/* ---- reads ---- */

typedef struct rcase {
    int mode;   /* 0 four Data-In with status in the last; 1 DataSN gap; 2 short read + SCSI Response
                 * with underflow; 3 CHECK CONDITION with sense */
} rcase;

static void script_read(peer *p, void *arg)
{
    rcase *r = arg;
    static const char keys[] = "InitialR2T=No\0MaxRecvDataSegmentLength=8192\0";
    if (!peer_login(p, KEYS(keys)))
        return;
    mc_pdu cmd, d;
    if (!peer_expect(p, &cmd, MC_OP_SCSI_CMD))
        return;
    peer_saw(p, &cmd);
    uint32_t itt = (uint32_t)mc_pdu_get(&cmd, MC_F_ITT);
    uint32_t edtl = (uint32_t)mc_pdu_get(&cmd, MC_F_EDTL);
    if (!mc_pdu_get(&cmd, MC_F_READ))
        peer_failf(p, "READ without the R bit");
    mc_pdu_free(&cmd);
    uint8_t seg[SEG];
    if (r->mode == 3) {
        uint8_t sense[2 + 18] = {0, 18, 0x70, 0, SENSE_ILLEGAL_REQUEST};
        sense[2 + 7] = 10;
        sense[2 + 12] = ASC_LBA_OUT_OF_RANGE;
        peer_response(p, &d, MC_OP_SCSI_RSP, itt, true);
        mc_pdu_set(&d, MC_F_FINAL, 1);
        mc_pdu_set(&d, MC_F_STATUS, SAM_CHECK);
        mc_pdu_set_data(&d, sense, sizeof sense);
        peer_send(p, &d);
        return;
    }
    uint32_t total = r->mode == 2 ? SEG : edtl;
    for (uint32_t off = 0, sn = 0; off < total; off += SEG, sn++) {
        for (size_t i = 0; i < SEG; i++)
            seg[i] = (uint8_t)(off + i);
        bool last = off + SEG >= total;
        peer_response(p, &d, MC_OP_DATA_IN, itt, false);
        mc_pdu_set(&d, MC_F_DATASN, r->mode == 1 && sn == 2 ? 3 : sn);
        mc_pdu_set(&d, MC_F_BUFFER_OFFSET, off);
        mc_pdu_set(&d, MC_F_TTT, MC_RESERVED_TAG);
        if (last && r->mode == 0) {
            mc_pdu_set(&d, MC_F_FINAL, 1);
            mc_pdu_set(&d, MC_F_STATUS_PRESENT, 1);
            mc_pdu_set(&d, MC_F_STATSN, p->statsn++);
        } else if (last) {
            mc_pdu_set(&d, MC_F_FINAL, 1);
        }
        mc_pdu_set_data(&d, seg, SEG);
        if (peer_send(p, &d) != 0)
            return;
    }
    if (r->mode == 2) {
        peer_response(p, &d, MC_OP_SCSI_RSP, itt, true);
        mc_pdu_set(&d, MC_F_FINAL, 1);
        mc_pdu_set(&d, MC_F_UNDERFLOW, 1);
        mc_pdu_set(&d, MC_F_RESIDUAL, edtl - SEG);
        mc_pdu_set(&d, MC_F_EXPDATASN, 1);
        peer_send(p, &d);
    }
    if (r->mode == 1)   /* the initiator hangs up on the gap; drain until it does */
        while (peer_recv(p, &d, PEER_WAIT_MS) == 0)
            mc_pdu_free(&d);
}

static void test_read_multi(void)
{
    peer p;
    rcase r = {0};
    mc_ini_params prm = {.target_name = T_IQN};
    mc_ini *ini = start(&p, script_read, &r, &prm);
    char err[256] = "";
    uint8_t buf[4 * SEG], want[4 * SEG];
    for (size_t i = 0; i < sizeof want; i++)
        want[i] = (uint8_t)i;
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    mc_ini_cmd c = {.lun = 1, .cdb_len = 16, .data_in = buf, .data_in_len = sizeof buf};
    c.cdb[0] = 0x88;  /* READ (16) */
    if (rc == MC_INI_OK)
        rc = mc_ini_scsi(ini, &c, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "read over four Data-In PDUs, status in the last (%s)", err);
    tap_is_int(c.data_in_pdus, 4, "four Data-In PDUs counted");
    tap_ok(c.status == 0 && c.data_in_got == sizeof buf && memcmp(buf, want, sizeof buf) == 0,
           "data placed by BufferOffset, status GOOD");
    tap_is_int(mc_ini_expstatsn(ini), 2, "StatSN of the Data-In with S advanced ExpStatSN");
    report_peer(&p, "multi-PDU read");
    mc_ini_free(ini);
}

static void test_read_gap(void)
{
    peer p;
    rcase r = {1};
    mc_ini_params prm = {.target_name = T_IQN};
    mc_ini *ini = start(&p, script_read, &r, &prm);
    char err[256] = "";
    uint8_t buf[4 * SEG];
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    if (rc == MC_INI_OK)
        rc = mc_ini_read(ini, 1, 0, sizeof buf / BLOCK, BLOCK, buf, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_PROTOCOL, "a DataSN gap is a protocol error: %s", err);
    tap_ok(strstr(err, "DataSN 3, expected 2") != NULL, "the message names the DataSN");
    mc_ini_free(ini);
    report_peer(&p, "DataSN gap");
}

static void test_read_underflow(void)
{
    peer p;
    rcase r = {2};
    mc_ini_params prm = {.target_name = T_IQN};
    mc_ini *ini = start(&p, script_read, &r, &prm);
    char err[256] = "";
    uint8_t buf[4 * SEG];
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    mc_ini_cmd c = {.lun = 1, .cdb_len = 16, .data_in = buf, .data_in_len = sizeof buf};
    c.cdb[0] = 0x88;
    if (rc == MC_INI_OK)
        rc = mc_ini_scsi(ini, &c, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "short read completes (%s)", err);
    tap_ok(c.underflow && !c.overflow && c.residual == 3 * SEG, "underflow with residual %u reported", c.residual);
    tap_is_int((long long)c.data_in_got, SEG, "one segment of data");
    report_peer(&p, "underflow");
    mc_ini_free(ini);
}

static void test_sense(void)
{
    peer p;
    rcase r = {3};
    mc_ini_params prm = {.target_name = T_IQN};
    mc_ini *ini = start(&p, script_read, &r, &prm);
    char err[256] = "";
    uint8_t buf[BLOCK];
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    mc_ini_cmd c = {.lun = 1, .cdb_len = 16, .data_in = buf, .data_in_len = sizeof buf};
    c.cdb[0] = 0x88;
    if (rc == MC_INI_OK)
        rc = mc_ini_scsi(ini, &c, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "a CHECK CONDITION is a completed command (%s)", err);
    tap_ok(c.status == SAM_CHECK && c.sense_len == 18 && (c.sense[2] & 0xf) == SENSE_ILLEGAL_REQUEST &&
               c.sense[12] == ASC_LBA_OUT_OF_RANGE,
           "status and the 18 sense bytes after SenseLength are returned");
    report_peer(&p, "sense");
    mc_ini_free(ini);

    r.mode = 3;
    ini = start(&p, script_read, &r, &prm);
    rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    if (rc == MC_INI_OK)
        rc = mc_ini_read(ini, 1, 0, 1, BLOCK, buf, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_REFUSED, "the convenience read turns sense into an error");
    tap_ok(strstr(err, "sense key 0x5") && strstr(err, "0x21/0x00"), "naming key and ASC/ASCQ: %s", err);
    uint8_t key, asc, ascq;
    mc_ini_last_sense(ini, &key, &asc, &ascq);
    tap_ok(key == SENSE_ILLEGAL_REQUEST && asc == ASC_LBA_OUT_OF_RANGE && ascq == 0, "and kept for the caller: key 0x%x, ASC/ASCQ 0x%02x/0x%02x", key, asc, ascq);
    report_peer(&p, "sense (convenience)");
    mc_ini_free(ini);
}

int main(void)
{
    test_write(true, false);
    test_write(false, true);
    test_write(false, false);
    test_write(true, true);
    test_bad_r2t(1, "an R2T above MaxBurstLength", "11.8.4");
    test_bad_r2t(2, "an R2T that skips data", "13.19");
    test_read_multi();
    test_read_gap();
    test_read_underflow();
    test_sense();
    return tap_done();
}
