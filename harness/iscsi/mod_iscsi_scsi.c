/* A SCSI command through immediate and unsolicited data, R2T/Data-Out and Data-In (RFC 7143
 * sections 11.3-11.8), as a plain initiator runs it; every PDU of the task is returned. */
#include "mod_iscsi_flow.h"

#include <stdlib.h>
#include <string.h>

typedef struct scsi_task {
    mc_iconn *c;
    uint32_t itt;
    uint64_t lun;
    const uint8_t *out;
    size_t out_len;
    Tcl_Obj *pdus;
} scsi_task;

/* Sends out[offset..offset+len) as Data-Out PDUs of at most the target's MaxRecvDataSegmentLength,
 * DataSN from 0 for this sequence, F on the last (11.7). */
static int data_out_burst(Tcl_Interp *interp, scsi_task *t, uint32_t ttt, size_t offset, size_t len)
{
    mc_iconn *c = t->c;
    size_t seg = c->peer_mrdsl ? c->peer_mrdsl : MC_ISCSI_DEFAULT_MRDSL;
    uint32_t datasn = 0;
    size_t end = offset + len > t->out_len ? t->out_len : offset + len;
    for (size_t off = offset; off < end; off += seg, datasn++) {
        size_t n = end - off > seg ? seg : end - off;
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_DATA_OUT);
        bool given[MC_F_COUNT] = {false};
        mc_pdu_set(&p, MC_F_ITT, t->itt);
        mc_pdu_set(&p, MC_F_TTT, ttt);
        mc_pdu_set(&p, MC_F_LUN, t->lun);
        mc_pdu_set(&p, MC_F_DATASN, datasn);
        mc_pdu_set(&p, MC_F_BUFFER_OFFSET, off);
        mc_pdu_set(&p, MC_F_FINAL, off + n >= end);
        given[MC_F_ITT] = given[MC_F_TTT] = given[MC_F_FLAGS] = given[MC_F_LUN] = true;
        int rc = mc_flow_set_data(interp, &p, t->out + off, n);
        if (rc == TCL_OK)
            rc = mc_flow_send(interp, c, &p, given, t->pdus);
        mc_pdu_free(&p);
        if (rc != TCL_OK)
            return rc;
    }
    return TCL_OK;
}

int mc_iscsi_scsi_cmd(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "usage: iscsi scsi CONN -cdb HEX ?-lun N? ?-out BYTES? ?-in N? ?-edtl N? "
                              "?-immediate 0|1? ?-unsolicited 0|1? ?-timeout ms?";
    uint8_t cdb[MC_CDB_LEN];
    size_t cdb_len = 0;
    int lun = 0, in_len = -1, timeout = c->timeout_ms;
    Tcl_WideInt edtl = -1;
    int immediate = c->immediate_data, unsolicited = !c->initial_r2t;
    Tcl_Obj *out_obj = NULL;
    bool have_cdb = false;
    if (objc % 2 == 0)
        return mc_tcl_error(interp, "USAGE", "%s", use);
    for (int i = 3; i + 1 < objc; i += 2) {
        const char *a = Tcl_GetString(objv[i]);
        Tcl_Obj *v = objv[i + 1];
        int ok = TCL_OK;
        if (strcmp(a, "-cdb") == 0) {
            ok = mc_hex_decode(interp, Tcl_GetString(v), cdb, sizeof cdb, &cdb_len);
            have_cdb = true;
        } else if (strcmp(a, "-lun") == 0)
            ok = Tcl_GetIntFromObj(interp, v, &lun);
        else if (strcmp(a, "-out") == 0)
            out_obj = v;
        else if (strcmp(a, "-in") == 0)
            ok = Tcl_GetIntFromObj(interp, v, &in_len);
        else if (strcmp(a, "-edtl") == 0)
            ok = Tcl_GetWideIntFromObj(interp, v, &edtl);
        else if (strcmp(a, "-immediate") == 0)
            ok = Tcl_GetBooleanFromObj(interp, v, &immediate);
        else if (strcmp(a, "-unsolicited") == 0)
            ok = Tcl_GetBooleanFromObj(interp, v, &unsolicited);
        else if (strcmp(a, "-timeout") == 0)
            ok = Tcl_GetIntFromObj(interp, v, &timeout);
        else
            return mc_tcl_error(interp, "USAGE", "%s", use);
        if (ok != TCL_OK)
            return TCL_ERROR;
    }
    if (!have_cdb)
        return mc_tcl_error(interp, "USAGE", "%s", use);
    if (lun < 0 || (unsigned)lun > MC_ISCSI_LUN_MAX)
        return mc_tcl_error(interp, "USAGE", "LUN %d outside 0-%u", lun, MC_ISCSI_LUN_MAX);
    if (!c->full_feature)
        return mc_tcl_error(interp, "USAGE", "%s: not logged in", c->name);
    int out_len = 0;
    const unsigned char *out = out_obj ? Tcl_GetByteArrayFromObj(out_obj, &out_len) : NULL;
    if (in_len < 0)
        in_len = 0;
    if (edtl < 0)
        edtl = out_obj ? out_len : in_len;
    Tcl_WideInt deadline = mc_now_us() + (Tcl_WideInt)timeout * MC_US_PER_MS;

    scsi_task t = {.c = c, .itt = mc_iconn_alloc_itt(c), .lun = mc_lun_encode((uint16_t)lun),
                   .out = out, .out_len = (size_t)out_len, .pdus = Tcl_NewListObj(0, NULL)};
    Tcl_IncrRefCount(t.pdus);
    /* Read data lands at its BufferOffset; bounded by EDTL (11.7.5). */
    size_t in_cap = in_len > 0 ? (size_t)in_len : 0;
    uint8_t *in = calloc(1, in_cap ? in_cap : 1);
    size_t in_hi = 0;
    int rc = TCL_ERROR;
    if (!in) {
        mc_tcl_error(interp, "NOMEM", "out of memory");
        goto out;
    }
    /* Unsolicited data: immediate in the command, then Data-Out with TTT 0xffffffff, together at
     * most FirstBurstLength (13.10, 13.11, 13.14). */
    size_t first = out_obj ? (size_t)out_len : 0;
    if (first > c->first_burst)
        first = c->first_burst;
    size_t imm = immediate ? first : 0;
    if (imm > c->peer_mrdsl)
        imm = c->peer_mrdsl;
    if (!unsolicited)
        first = imm;
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_SCSI_CMD);
    bool given[MC_F_COUNT] = {false};
    mc_pdu_set(&p, MC_F_ITT, t.itt);
    mc_pdu_set(&p, MC_F_LUN, t.lun);
    mc_pdu_set(&p, MC_F_EDTL, (uint64_t)edtl);
    mc_pdu_set(&p, MC_F_READ, in_len > 0);
    mc_pdu_set(&p, MC_F_WRITE, out_obj != NULL);
    mc_pdu_set(&p, MC_F_FINAL, first <= imm);
    mc_pdu_set(&p, MC_F_ATTR, MC_ISCSI_TASK_ATTR_SIMPLE);
    given[MC_F_ITT] = given[MC_F_LUN] = given[MC_F_EDTL] = given[MC_F_FLAGS] = true;
    mc_pdu_set_cdb(&p, cdb, cdb_len);
    int src = mc_flow_set_data(interp, &p, out, imm);
    if (src == TCL_OK)
        src = mc_flow_send(interp, c, &p, given, t.pdus);
    mc_pdu_free(&p);
    if (src != TCL_OK)
        goto out;
    if (first > imm && data_out_burst(interp, &t, MC_RESERVED_TAG, imm, first - imm) != TCL_OK)
        goto out;
    Tcl_Obj *d = NULL;
    for (;;) {
        if (mc_flow_next_for_task(interp, c, t.itt, deadline, &d) != TCL_OK)
            goto out;
        Tcl_ListObjAppendElement(NULL, t.pdus, d);
        Tcl_WideInt op = FIELD(d, "opcode");
        if (op == MC_OP_R2T) {
            if (data_out_burst(interp, &t, (uint32_t)FIELD(d, "ttt"), (size_t)FIELD(d, "buffer_offset"),
                               (size_t)FIELD(d, "ddtl")) != TCL_OK)
                goto out;
            continue;
        }
        if (op == MC_OP_DATA_IN) {
            int n;
            const unsigned char *b = Tcl_GetByteArrayFromObj(mc_flow_obj(d, "data"), &n);
            size_t off = (size_t)FIELD(d, "buffer_offset");
            if (off < in_cap) {
                size_t k = (size_t)n > in_cap - off ? in_cap - off : (size_t)n;
                memcpy(in + off, b, k);
                if (off + k > in_hi)
                    in_hi = off + k;
            }
            if (FIELD(d, "S") == 1)
                break;
            continue;
        }
        break;  /* SCSI Response, Reject or anything else ends the task */
    }
    d = Tcl_DuplicateObj(d);
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("response_data", -1), mc_flow_obj(d, "data"));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("data", -1), Tcl_NewByteArrayObj(in, (int)in_hi));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("pdus", -1), t.pdus);
    Tcl_SetObjResult(interp, d);
    rc = TCL_OK;
out:
    free(in);
    Tcl_DecrRefCount(t.pdus);
    return rc;
}
