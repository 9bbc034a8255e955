/* Text Request/Response exchanges in full feature phase (RFC 7143 sections 11.10, 11.11). */
#include "mod_iscsi_flow.h"

#include <string.h>

#include "text.h"

/* A text exchange is bounded by its total size (MC_TEXT_EXCHANGE_MAX) at the smallest legal
 * MaxRecvDataSegmentLength of 512 bytes (13.12): more PDUs than that is a babbling peer. */
#define MAX_TEXT_PDUS ((int)(MC_TEXT_EXCHANGE_MAX / MC_ISCSI_MRDSL_MIN) + 1)

/* Text Request/Response exchange (11.10, 11.11): a key list longer than the target accepts goes
 * out in C=1 pieces; a response with F=0 is continued by an empty request echoing its TTT. */
int mc_iscsi_text_cmd(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[])
{
    if (objc < 4 || objc % 2)
        return mc_tcl_error(interp, "USAGE", "usage: iscsi text CONN {K V ...} ?-timeout ms?");
    int timeout = c->timeout_ms;
    for (int i = 4; i + 1 < objc; i += 2) {
        if (strcmp(Tcl_GetString(objv[i]), "-timeout") != 0 || Tcl_GetIntFromObj(interp, objv[i + 1], &timeout) != TCL_OK)
            return mc_tcl_error(interp, "USAGE", "usage: iscsi text CONN {K V ...} ?-timeout ms?");
    }
    Tcl_WideInt deadline = mc_now_us() + (Tcl_WideInt)timeout * MC_US_PER_MS;
    Tcl_DString text;
    Tcl_DStringInit(&text);
    if (mc_text_encode(interp, objv[3], &text) != TCL_OK) {
        Tcl_DStringFree(&text);
        return TCL_ERROR;
    }
    Tcl_Obj *pdus = Tcl_NewListObj(0, NULL), *joined = Tcl_NewObj();
    Tcl_IncrRefCount(pdus);
    Tcl_IncrRefCount(joined);
    uint32_t itt = mc_iconn_alloc_itt(c), ttt = MC_RESERVED_TAG;
    size_t off = 0, total = (size_t)Tcl_DStringLength(&text);
    size_t piece_max = c->peer_mrdsl ? c->peer_mrdsl : MC_ISCSI_DEFAULT_MRDSL;
    int rc = TCL_ERROR;
    Tcl_Obj *d = NULL;
    bool done = false;
    for (int trip = 0; trip < MAX_TEXT_PDUS; trip++) {
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_TEXT_REQ);
        bool given[MC_F_COUNT] = {false};
        size_t piece = total - off > piece_max ? piece_max : total - off;
        bool more = off + piece < total;
        mc_pdu_set(&p, MC_F_ITT, itt);
        mc_pdu_set(&p, MC_F_TTT, ttt);
        given[MC_F_ITT] = given[MC_F_TTT] = given[MC_F_FLAGS] = true;
        mc_pdu_set(&p, MC_F_FINAL, !more);
        mc_pdu_set(&p, MC_F_CONTINUE, more);
        int src = mc_flow_set_data(interp, &p, (const uint8_t *)Tcl_DStringValue(&text) + off, piece);
        if (src == TCL_OK)
            src = mc_flow_send(interp, c, &p, given, pdus);
        mc_pdu_free(&p);
        if (src != TCL_OK)
            goto out;
        off += piece;
        if (mc_flow_next_for_task(interp, c, itt, deadline, &d) != TCL_OK)
            goto out;
        Tcl_ListObjAppendElement(NULL, pdus, d);
        /* A Reject or anything else ends the exchange; the vector judges it. */
        done = FIELD(d, "opcode") != MC_OP_TEXT_RSP || (FIELD(d, "F") == 1 && !more);
        if (FIELD(d, "opcode") == MC_OP_TEXT_RSP && !more)
            Tcl_AppendObjToObj(joined, mc_flow_obj(d, "data"));
        if (done)
            break;
        ttt = (uint32_t)FIELD(d, "ttt");
    }
    if (!done) {
        mc_tcl_error(interp, "PROTOCOL", "%s: text exchange not finished after %d PDUs", c->name, MAX_TEXT_PDUS);
        goto out;
    }
    d = Tcl_DuplicateObj(d);
    int n;
    const unsigned char *b = Tcl_GetByteArrayFromObj(joined, &n);
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("keys", -1), mc_text_decode(b, (size_t)n));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("pdus", -1), pdus);
    Tcl_SetObjResult(interp, d);
    rc = TCL_OK;
out:
    Tcl_DecrRefCount(pdus);
    Tcl_DecrRefCount(joined);
    Tcl_DStringFree(&text);
    return rc;
}
