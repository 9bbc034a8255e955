/* Helpers shared by the composite exchanges (login, text, SCSI): dict field access, waiting for a
 * task's PDUs, sending with the PDU recorded, and the negotiated values a connection uses. */
#include "mod_iscsi_flow.h"

#include <string.h>

#include "text.h"

Tcl_WideInt mc_flow_wide(Tcl_Obj *d, const char *name)
{
    Tcl_Obj *v = NULL;
    Tcl_WideInt w = -1;
    Tcl_Obj *k = Tcl_NewStringObj(name, -1);
    Tcl_IncrRefCount(k);
    if (Tcl_DictObjGet(NULL, d, k, &v) == TCL_OK && v)
        Tcl_GetWideIntFromObj(NULL, v, &w);
    Tcl_DecrRefCount(k);
    return w;
}

Tcl_Obj *mc_flow_obj(Tcl_Obj *d, const char *name)
{
    Tcl_Obj *v = NULL;
    Tcl_Obj *k = Tcl_NewStringObj(name, -1);
    Tcl_IncrRefCount(k);
    Tcl_DictObjGet(NULL, d, k, &v);
    Tcl_DecrRefCount(k);
    return v;
}

int mc_flow_remaining_ms(Tcl_WideInt deadline)
{
    Tcl_WideInt left = (deadline - mc_now_us()) / MC_US_PER_MS;
    return left > 0 ? (int)left : 0;
}

static Tcl_Obj *last_sent(mc_iconn *c)
{
    int n;
    Tcl_Obj *d = NULL;
    Tcl_ListObjLength(NULL, c->history, &n);
    Tcl_ListObjIndex(NULL, c->history, n - 1, &d);
    return d;
}

int mc_flow_next_for_task(Tcl_Interp *interp, mc_iconn *c, uint32_t itt, Tcl_WideInt deadline, Tcl_Obj **out)
{
    int n;
    Tcl_ListObjLength(NULL, c->queue, &n);
    for (int pass = 0;; pass++) {
        Tcl_Obj *d = NULL;
        if (pass < n) {
            Tcl_ListObjIndex(NULL, c->queue, pass, &d);
        } else if (mc_iconn_read_pdu(interp, c, deadline, &d) != TCL_OK) {
            return TCL_ERROR;
        }
        Tcl_Obj *rej = mc_flow_obj(d, "rejected");
        bool mine = FIELD(d, "itt") == (Tcl_WideInt)itt || (rej && FIELD(rej, "itt") == (Tcl_WideInt)itt);
        if (mine) {
            if (pass < n)
                d = mc_iconn_queue_take(c, pass);
            *out = d;
            return TCL_OK;
        }
        if (pass >= n && mc_iconn_queue_push(interp, c, d) != TCL_OK)
            return TCL_ERROR;
    }
}

int mc_flow_send(Tcl_Interp *interp, mc_iconn *c, mc_pdu *p, bool given[MC_F_COUNT], Tcl_Obj *pdus)
{
    int rc = mc_iscsi_send_built(interp, c, p, given, NULL);
    if (rc == TCL_OK && pdus)
        Tcl_ListObjAppendElement(NULL, pdus, last_sent(c));
    return rc;
}

int mc_flow_set_data(Tcl_Interp *interp, mc_pdu *p, const uint8_t *b, size_t n)
{
    if (n && mc_pdu_set_data(p, b, n) != 0)
        return mc_tcl_error(interp, "USAGE", "text of %zu bytes too long", n);
    return TCL_OK;
}

uint32_t mc_flow_key_u32(Tcl_Obj *keys, const char *name, uint32_t dflt)
{
    Tcl_Obj *v = mc_flow_obj(keys, name);
    uint32_t out;
    if (v && mc_text_parse_u32(Tcl_GetString(v), 0, UINT32_MAX, &out) == MC_TEXT_OK)
        return out;
    return dflt;
}

static bool key_is(Tcl_Obj *keys, const char *name, const char *value)
{
    Tcl_Obj *v = mc_flow_obj(keys, name);
    return v && strcmp(Tcl_GetString(v), value) == 0;
}

void mc_iconn_apply_keys(mc_iconn *c, Tcl_Obj *keys)
{
    c->header_digest = key_is(keys, "HeaderDigest", "CRC32C");
    c->data_digest = key_is(keys, "DataDigest", "CRC32C");
    c->peer_mrdsl = mc_flow_key_u32(keys, "MaxRecvDataSegmentLength", MC_ISCSI_DEFAULT_MRDSL);
    c->first_burst = mc_flow_key_u32(keys, "FirstBurstLength", MC_ISCSI_DEFAULT_FIRST_BURST);
    c->max_burst = mc_flow_key_u32(keys, "MaxBurstLength", MC_ISCSI_DEFAULT_MAX_BURST);
    if (mc_flow_obj(keys, "ImmediateData"))
        c->immediate_data = key_is(keys, "ImmediateData", "Yes");
    if (mc_flow_obj(keys, "InitialR2T"))
        c->initial_r2t = key_is(keys, "InitialR2T", "Yes");
}

