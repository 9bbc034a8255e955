/* SCSI command execution (RFC 7143 sections 11.3-11.8): immediate and unsolicited data up to
 * FirstBurstLength, R2T-driven Data-Out within MaxBurstLength, Data-In sequencing, status and
 * sense from Data-In or the SCSI Response, residuals. */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "lun.h"

/* The progress of one command while its PDUs come and go. */
typedef struct task {
    mc_ini *ini;
    mc_ini_cmd *cmd;
    uint32_t itt;
    uint32_t next_datasn;   /* Data-In DataSN expected next (11.7.4) */
    uint32_t next_r2tsn;    /* R2TSN expected next (11.8.5) */
    uint64_t next_r2t_off;  /* where the next R2T must start (DataSequenceInOrder, 13.19) */
    uint64_t next_in_off;   /* where the next Data-In must start (DataPDUInOrder, 13.18) */
    uint64_t deadline;
    char *err;
    size_t errlen;
} task;

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* Sends data_out[off, off+len) as Data-Out PDUs of at most MaxRecvDataSegmentLength each, DataSN
 * from 0, F on the last (11.7); ttt is the R2T's tag or 0xffffffff for unsolicited data. */
static int send_data_out(task *t, size_t off, size_t len, uint32_t ttt)
{
    mc_ini *ini = t->ini;
    size_t chunk_max = ini->neg.max_send_dsl;
    uint32_t datasn = 0;
    size_t end = off + len;
    while (off < end) {
        size_t n = min_sz(chunk_max, end - off);
        mc_pdu d;
        mc_pdu_init(&d, MC_OP_DATA_OUT);
        mc_pdu_set(&d, MC_F_FINAL, off + n == end);
        mc_pdu_set(&d, MC_F_LUN, mc_lun_encode(t->cmd->lun));
        mc_pdu_set(&d, MC_F_ITT, t->itt);
        mc_pdu_set(&d, MC_F_TTT, ttt);
        mc_pdu_set(&d, MC_F_DATASN, datasn++);
        mc_pdu_set(&d, MC_F_BUFFER_OFFSET, off);
        int rc = MC_INI_OK;
        if (mc_pdu_set_data(&d, t->cmd->data_out + off, n) != 0)
            rc = mc_ini_fail(t->err, t->errlen, MC_INI_ERR, "out of memory");
        if (rc == MC_INI_OK)
            rc = mc_ini_send_pdu(ini, &d, t->deadline, t->err, t->errlen);
        mc_pdu_free(&d);
        if (rc != MC_INI_OK)
            return rc;
        t->cmd->data_out_pdus++;
        off += n;
    }
    return MC_INI_OK;
}

/* 11.8: an R2T asks for [offset, offset+DDTL) of the write data. */
static int on_r2t(task *t, const mc_pdu *p)
{
    mc_ini_cmd *c = t->cmd;
    uint32_t r2tsn = (uint32_t)mc_pdu_get(p, MC_F_R2TSN);
    uint64_t off = mc_pdu_get(p, MC_F_BUFFER_OFFSET);
    uint64_t len = mc_pdu_get(p, MC_F_DDTL);
    if (!c->data_out_len)
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL, "R2T for a command without write data");
    if (r2tsn != t->next_r2tsn)
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL, "R2TSN %u, expected %u (11.8.5)", r2tsn,
                           t->next_r2tsn);
    if (len == 0 || len > t->ini->neg.max_burst)
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL,
                           "R2T DesiredDataTransferLength %llu outside 1..MaxBurstLength %u (11.8.4)",
                           (unsigned long long)len, t->ini->neg.max_burst);
    if (off + len > c->data_out_len)
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL,
                           "R2T asks for bytes %llu..%llu of a %zu-byte write", (unsigned long long)off,
                           (unsigned long long)(off + len), c->data_out_len);
    /* 13.19: with DataSequenceInOrder=Yes (the only value offered) sequences follow each other; at
     * ErrorRecoveryLevel 0 no recovery R2T may ask again for data already sent. The initiator answers
     * each R2T in full before reading the next PDU, so it never holds more than one outstanding
     * (MaxOutstandingR2T, 13.17) however many the target queues. */
    if (t->ini->neg.error_recovery_level == 0 && off != t->next_r2t_off)
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL, "R2T BufferOffset %llu, expected %llu (13.19)",
                           (unsigned long long)off, (unsigned long long)t->next_r2t_off);
    t->next_r2t_off = off + len;
    uint32_t ttt = (uint32_t)mc_pdu_get(p, MC_F_TTT);
    if (ttt == MC_RESERVED_TAG)
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL, "R2T with the reserved TTT 0xffffffff (11.8.2)");
    t->next_r2tsn++;
    c->r2ts++;
    return send_data_out(t, (size_t)off, (size_t)len, ttt);
}

static void take_residual(mc_ini_cmd *c, const mc_pdu *p)
{
    c->overflow = mc_pdu_get(p, MC_F_OVERFLOW) != 0;
    c->underflow = mc_pdu_get(p, MC_F_UNDERFLOW) != 0;
    c->residual = (c->overflow || c->underflow) ? (uint32_t)mc_pdu_get(p, MC_F_RESIDUAL) : 0;
}

/* 11.7: Data-In in DataSN order within the read buffer; returns 1 when it carried status. */
static int on_data_in(task *t, const mc_pdu *p)
{
    mc_ini_cmd *c = t->cmd;
    uint32_t datasn = (uint32_t)mc_pdu_get(p, MC_F_DATASN);
    uint64_t off = mc_pdu_get(p, MC_F_BUFFER_OFFSET);
    if (datasn != t->next_datasn)
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL, "Data-In DataSN %u, expected %u (11.7.4)",
                           datasn, t->next_datasn);
    if (off != t->next_in_off)  /* DataPDUInOrder=Yes and DataSequenceInOrder=Yes (13.18, 13.19) */
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL, "Data-In BufferOffset %llu, expected %llu (13.18)",
                           (unsigned long long)off, (unsigned long long)t->next_in_off);
    if (off + p->data_len > c->data_in_len)
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL,
                           "Data-In bytes %llu..%llu beyond the %zu-byte read buffer", (unsigned long long)off,
                           (unsigned long long)(off + p->data_len), c->data_in_len);
    if (p->data_len)
        memcpy(c->data_in + off, p->data, p->data_len);
    if (off + p->data_len > c->data_in_got)
        c->data_in_got = (size_t)(off + p->data_len);
    t->next_in_off = off + p->data_len;
    t->next_datasn++;
    c->data_in_pdus++;
    if (!mc_pdu_get(p, MC_F_STATUS_PRESENT))
        return 0;
    if (!mc_pdu_get(p, MC_F_FINAL))
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL, "Data-In with S=1 but F=0 (11.7.1)");
    c->response = MC_RSP_COMPLETED;
    c->status = (uint8_t)mc_pdu_get(p, MC_F_STATUS);
    c->sense_len = 0;
    take_residual(c, p);
    return 1;
}

/* 11.4: SCSI Response: response, status, residuals, sense (SenseLength + sense, 11.4.7.2). */
static int on_response(task *t, const mc_pdu *p)
{
    mc_ini_cmd *c = t->cmd;
    c->response = (uint8_t)mc_pdu_get(p, MC_F_RESPONSE);
    c->status = (uint8_t)mc_pdu_get(p, MC_F_STATUS);
    take_residual(c, p);
    c->sense_len = 0;
    if (p->data_len >= MC_INI_SENSE_LEN_FIELD) {
        size_t sl = (size_t)p->data[0] << 8 | p->data[1];
        if (sl > p->data_len - MC_INI_SENSE_LEN_FIELD)
            return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL,
                               "SenseLength %zu exceeds the %zu-byte data segment", sl, p->data_len);
        c->sense_len = min_sz(sl, sizeof c->sense);
        memcpy(c->sense, p->data + MC_INI_SENSE_LEN_FIELD, c->sense_len);
    }
    /* ExpDataSN serves Data-In recovery (11.4.8); at ErrorRecoveryLevel 0 nothing depends on it and
     * deployed targets (tgtd) leave it 0 after Data-In, so it is checked only when recovery is on. */
    if (c->response == MC_RSP_COMPLETED && c->data_in_len && t->ini->neg.error_recovery_level > 0 &&
        (uint32_t)mc_pdu_get(p, MC_F_EXPDATASN) != t->next_datasn)
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL,
                           "SCSI Response ExpDataSN %u after %u Data-In PDUs (11.4.8)",
                           (unsigned)mc_pdu_get(p, MC_F_EXPDATASN), t->next_datasn);
    if (c->response != MC_RSP_COMPLETED)
        return mc_ini_fail(t->err, t->errlen, MC_INI_REFUSED, "SCSI Response: target failure (response 0x%02x)",
                           c->response);
    return 1;
}

/* A Reject of one of our PDUs ends the task only when it names this task (11.17.3). */
static int on_reject(task *t, const mc_pdu *p)
{
    if (p->data_len >= MC_BHS_LEN) {
        mc_pdu hdr;
        mc_pdu_init(&hdr, 0);
        memcpy(hdr.bhs, p->data, MC_BHS_LEN);
        if (mc_pdu_get(&hdr, MC_F_ITT) != t->itt)
            return 0;
    }
    return mc_ini_rejected(p, t->err, t->errlen);
}

static int dispatch(task *t, const mc_pdu *p)
{
    uint8_t op = mc_pdu_opcode(p);
    switch (op) {
    case MC_OP_NOP_IN:
    case MC_OP_ASYNC:
        return 0;   /* answered in mc_ini_recv_pdu / informational here */
    case MC_OP_REJECT:
        return on_reject(t, p);
    default:
        break;
    }
    uint32_t itt = (uint32_t)mc_pdu_get(p, MC_F_ITT);
    if (itt != t->itt)
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL,
                           "%s for ITT 0x%08x while only 0x%08x is outstanding",
                           mc_opcode_name(op) ? mc_opcode_name(op) : "unknown PDU", itt, t->itt);
    switch (op) {
    case MC_OP_R2T:
        return on_r2t(t, p);
    case MC_OP_DATA_IN:
        return on_data_in(t, p);
    case MC_OP_SCSI_RSP:
        return on_response(t, p);
    default:
        return mc_ini_fail(t->err, t->errlen, MC_INI_PROTOCOL, "unexpected opcode 0x%02x during a SCSI command", op);
    }
}

static int check_cmd(const mc_ini *ini, const mc_ini_cmd *c, char *err, size_t errlen)
{
    if (!ini->full_feature || ini->p.discovery)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "SCSI commands need a logged-in normal session");
    if (c->cdb_len == 0 || c->cdb_len > MC_CDB_LEN)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "CDB length %zu not in 1..%u (longer CDBs need an AHS)",
                           c->cdb_len, MC_CDB_LEN);
    if (c->data_out_len && c->data_in_len)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "bidirectional commands are not supported");
    if (c->data_out_len > UINT32_MAX || c->data_in_len > UINT32_MAX)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "transfer longer than the 32-bit EDTL");
    if ((c->data_out_len && !c->data_out) || (c->data_in_len && !c->data_in))
        return mc_ini_fail(err, errlen, MC_INI_ERR, "transfer length without a buffer");
    return MC_INI_OK;
}

int mc_ini_scsi(mc_ini *ini, mc_ini_cmd *c, uint64_t deadline, char *err, size_t errlen)
{
    int rc = check_cmd(ini, c, err, errlen);
    if (rc != MC_INI_OK)
        return rc;
    task t = {.ini = ini, .cmd = c, .itt = mc_ini_next_itt(ini), .deadline = deadline, .err = err,
              .errlen = errlen};
    c->itt = t.itt;
    c->response = MC_RSP_COMPLETED;
    c->status = 0;
    c->sense_len = 0;
    c->data_in_got = 0;
    c->overflow = c->underflow = false;
    c->residual = 0;
    c->data_in_pdus = c->r2ts = c->data_out_pdus = 0;

    /* 11.3 + 13.10/13.11/13.14: immediate data, then unsolicited Data-Out, both within FirstBurstLength. */
    const mc_ini_negotiated *n = &ini->neg;
    size_t unsolicited = n->initial_r2t ? 0 : min_sz(c->data_out_len, n->first_burst);
    size_t immediate = n->immediate_data ? min_sz(min_sz(c->data_out_len, n->first_burst), n->max_send_dsl) : 0;
    if (unsolicited < immediate)
        unsolicited = immediate;

    mc_pdu cmd;
    mc_pdu_init(&cmd, MC_OP_SCSI_CMD);
    mc_pdu_set(&cmd, MC_F_FINAL, unsolicited == immediate);  /* F: no unsolicited Data-Out follows */
    mc_pdu_set(&cmd, MC_F_READ, c->data_in_len != 0);
    mc_pdu_set(&cmd, MC_F_WRITE, c->data_out_len != 0);
    mc_pdu_set(&cmd, MC_F_ATTR, c->attr);
    mc_pdu_set(&cmd, MC_F_LUN, mc_lun_encode(c->lun));
    mc_pdu_set(&cmd, MC_F_ITT, t.itt);
    mc_pdu_set(&cmd, MC_F_EDTL, c->data_out_len ? c->data_out_len : c->data_in_len);
    mc_pdu_set_cdb(&cmd, c->cdb, c->cdb_len);
    if (immediate && mc_pdu_set_data(&cmd, c->data_out, immediate) != 0)
        rc = mc_ini_fail(err, errlen, MC_INI_ERR, "out of memory");
    if (rc == MC_INI_OK)
        rc = mc_ini_send_pdu(ini, &cmd, deadline, err, errlen);
    mc_pdu_free(&cmd);
    t.next_r2t_off = unsolicited;
    if (rc == MC_INI_OK && unsolicited > immediate)
        rc = send_data_out(&t, immediate, unsolicited - immediate, MC_RESERVED_TAG);
    while (rc == MC_INI_OK) {
        mc_pdu p;
        rc = mc_ini_recv_pdu(ini, &p, deadline, err, errlen);
        if (rc != MC_INI_OK)
            break;
        int d = dispatch(&t, &p);
        mc_pdu_free(&p);
        if (d < 0)
            rc = d;
        else if (d == 1)
            break;
    }
    return rc;
}
