/* Login through its stages (RFC 7143 sections 6.3, 11.12, 11.13) with C-bit continuation and
 * CHAP (12.1.3), driven the way a plain initiator would; vectors judge the PDUs it returns. */
#include "mod_iscsi_flow.h"

#include <stdio.h>
#include <string.h>

#include "chap.h"
#include "keys.h"
#include "text.h"

#define DEFAULT_INITIATOR_NAME "iqn.2026-11.org.mirrorcert:harness"

/* A key goes to the security stage when the key table says it may (12.1, "Any-Stage"). */
static bool security_stage_key(const char *name)
{
    const mc_key_info *k = mc_key_lookup(name);
    return k && (k->use == MC_USE_SEC || (k->flags & MC_KF_ANY_STAGE));
}

static void kv_to_list(const mc_kvlist *l, Tcl_Obj *out)
{
    for (size_t i = 0; i < l->count; i++) {
        Tcl_ListObjAppendElement(NULL, out, Tcl_NewStringObj(l->items[i].key, -1));
        Tcl_ListObjAppendElement(NULL, out, Tcl_NewStringObj(l->items[i].value, -1));
    }
}

static int list_to_kv(Tcl_Interp *interp, Tcl_Obj *kv, mc_kvlist *out)
{
    int n;
    Tcl_Obj **e;
    if (Tcl_ListObjGetElements(interp, kv, &n, &e) != TCL_OK)
        return TCL_ERROR;
    for (int i = 0; i + 1 < n; i += 2)
        if (mc_kvlist_add(out, Tcl_GetString(e[i]), Tcl_GetString(e[i + 1])) != 0)
            return mc_tcl_error(interp, "NOMEM", "out of memory");
    return TCL_OK;
}

typedef struct login_ctx {
    mc_iconn *c;
    uint32_t itt;
    Tcl_Obj *pdus;
    Tcl_WideInt deadline;
} login_ctx;

/* One Login Request/Response round trip; gathers C-bit continued responses (11.13.3). */
static int login_step(Tcl_Interp *interp, login_ctx *lx, int csg, int nsg, bool transit, Tcl_Obj *keys,
                      Tcl_Obj **rsp)
{
    mc_iconn *c = lx->c;
    Tcl_DString text;
    Tcl_DStringInit(&text);
    if (keys && mc_text_encode(interp, keys, &text) != TCL_OK) {
        Tcl_DStringFree(&text);
        return TCL_ERROR;
    }
    Tcl_Obj *joined = Tcl_NewObj();
    Tcl_IncrRefCount(joined);
    int rc = TCL_ERROR;
    for (int trip = 0; trip < MC_FLOW_MAX_ROUND_TRIPS; trip++) {
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_LOGIN_REQ);
        bool given[MC_F_COUNT] = {false};
        mc_pdu_set(&p, MC_F_ITT, lx->itt);
        given[MC_F_ITT] = true;
        mc_pdu_set(&p, MC_F_CSG, (uint64_t)csg);
        mc_pdu_set(&p, MC_F_NSG, (uint64_t)(transit ? nsg : 0));
        mc_pdu_set(&p, MC_F_TRANSIT, transit);
        if (trip == 0 && mc_flow_set_data(interp, &p, (const uint8_t *)Tcl_DStringValue(&text),
                                  (size_t)Tcl_DStringLength(&text)) != TCL_OK) {
            mc_pdu_free(&p);
            goto out;
        }
        int src = mc_flow_send(interp, c, &p, given, lx->pdus);
        mc_pdu_free(&p);
        if (src != TCL_OK)
            goto out;
        Tcl_Obj *d, *pred = Tcl_ObjPrintf("opcode %u", MC_OP_LOGIN_RSP);
        Tcl_IncrRefCount(pred);
        int erc = mc_iconn_expect(interp, c, pred, mc_flow_remaining_ms(lx->deadline), &d);
        Tcl_DecrRefCount(pred);
        if (erc != TCL_OK)
            goto out;
        Tcl_ListObjAppendElement(NULL, lx->pdus, d);
        Tcl_Obj *data = mc_flow_obj(d, "data");
        Tcl_AppendObjToObj(joined, data);
        if (FIELD(d, "status_class") != MC_LOGIN_SUCCESS) {
            *rsp = d;
            rc = TCL_OK;
            goto out;
        }
        c->tsih = (uint32_t)FIELD(d, "tsih");
        if (FIELD(d, "C") != 1) {
            int n;
            const unsigned char *b = Tcl_GetByteArrayFromObj(joined, &n);
            mc_iconn_merge_keys(c, b, (size_t)n);
            *rsp = d;
            rc = TCL_OK;
            goto out;
        }
        /* C=1: the target has more text; an empty request with T=0 fetches it (11.12.2). */
        transit = false;
    }
    mc_tcl_error(interp, "PROTOCOL", "%s: login response continued more than %d times", c->name, MC_FLOW_MAX_ROUND_TRIPS);
out:
    Tcl_DecrRefCount(joined);
    Tcl_DStringFree(&text);
    return rc;
}

static int login_failed(Tcl_Interp *interp, mc_iconn *c, Tcl_Obj *rsp)
{
    char cls[16], det[16];
    snprintf(cls, sizeof cls, "%" TCL_LL_MODIFIER "d", FIELD(rsp, "status_class"));
    snprintf(det, sizeof det, "%" TCL_LL_MODIFIER "d", FIELD(rsp, "status_detail"));
    Tcl_SetObjResult(interp, Tcl_ObjPrintf("%s: login refused, status class %s detail %s", c->name, cls, det));
    Tcl_SetErrorCode(interp, "MIRRORCERT", "LOGIN", cls, det, (char *)NULL);
    return TCL_ERROR;
}

/* Runs one stage until the target agrees to move to nsg (T=1 in the response, 11.13.1). */
static int login_stage(Tcl_Interp *interp, login_ctx *lx, int csg, int nsg, Tcl_Obj *keys, Tcl_Obj **rsp)
{
    Tcl_Obj *send = keys;
    for (int trip = 0; trip < MC_FLOW_MAX_ROUND_TRIPS; trip++) {
        if (login_step(interp, lx, csg, nsg, true, send, rsp) != TCL_OK)
            return TCL_ERROR;
        if (FIELD(*rsp, "status_class") != MC_LOGIN_SUCCESS)
            return login_failed(interp, lx->c, *rsp);
        if (FIELD(*rsp, "T") == 1)
            return TCL_OK;
        send = NULL;
    }
    return mc_tcl_error(interp, "PROTOCOL", "%s: target never agreed to leave login stage %d", lx->c->name, csg);
}

static int chap_stage(Tcl_Interp *interp, login_ctx *lx, Tcl_Obj *keys, Tcl_Obj *chap, int nsg, Tcl_Obj **rsp)
{
    int n;
    Tcl_Obj **e;
    if (Tcl_ListObjGetElements(interp, chap, &n, &e) != TCL_OK)
        return TCL_ERROR;
    if (n != 2)
        return mc_tcl_error(interp, "USAGE", "-chap takes {user secret}");
    mc_chap_creds creds;
    if (mc_chap_creds_set(&creds, Tcl_GetString(e[0]), Tcl_GetString(e[1])) != 0)
        return mc_tcl_error(interp, "USAGE", "CHAP name or secret too long");
    /* AuthMethod=CHAP, then CHAP_A, then CHAP_N/CHAP_R (12.1.3), each without transit. */
    if (login_step(interp, lx, MC_STAGE_SECURITY, 0, false, keys, rsp) != TCL_OK)
        return TCL_ERROR;
    if (FIELD(*rsp, "status_class") != MC_LOGIN_SUCCESS)
        return login_failed(interp, lx->c, *rsp);
    Tcl_Obj *alg = Tcl_ObjPrintf("CHAP_A %u", MC_CHAP_ALG_MD5);
    Tcl_IncrRefCount(alg);
    int rc = login_step(interp, lx, MC_STAGE_SECURITY, 0, false, alg, rsp);
    Tcl_DecrRefCount(alg);
    if (rc != TCL_OK)
        return TCL_ERROR;
    if (FIELD(*rsp, "status_class") != MC_LOGIN_SUCCESS)
        return login_failed(interp, lx->c, *rsp);
    mc_kvlist in, out;
    mc_kvlist_init(&in);
    mc_kvlist_init(&out);
    char err[256];
    rc = list_to_kv(interp, mc_flow_obj(*rsp, "text"), &in);
    if (rc == TCL_OK && mc_chap_initiator_respond(&in, &creds, NULL, &out, err, sizeof err) != 0)
        rc = mc_tcl_error(interp, "CHAP", "%s: %s", lx->c->name, err);
    Tcl_Obj *answer = Tcl_NewListObj(0, NULL);
    Tcl_IncrRefCount(answer);
    kv_to_list(&out, answer);
    mc_kvlist_free(&in);
    mc_kvlist_free(&out);
    if (rc == TCL_OK)
        rc = login_stage(interp, lx, MC_STAGE_SECURITY, nsg, answer, rsp);
    Tcl_DecrRefCount(answer);
    return rc;
}

int mc_iscsi_login_cmd(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[])
{
    Tcl_Obj *keys = NULL, *chap = NULL;
    const char *stages = NULL;
    int timeout = c->timeout_ms;
    uint64_t isid = 0;
    bool isid_given = false;
    for (int i = 3; i + 1 < objc; i += 2) {
        const char *a = Tcl_GetString(objv[i]);
        if (strcmp(a, "-keys") == 0)
            keys = objv[i + 1];
        else if (strcmp(a, "-chap") == 0)
            chap = objv[i + 1];
        else if (strcmp(a, "-stages") == 0)
            stages = Tcl_GetString(objv[i + 1]);
        else if (strcmp(a, "-timeout") == 0) {
            if (Tcl_GetIntFromObj(interp, objv[i + 1], &timeout) != TCL_OK)
                return TCL_ERROR;
        } else if (strcmp(a, "-isid") == 0) {
            /* One ISID for several sessions of one initiator (RFC 7143 4.4.3; multicast §2). */
            Tcl_WideInt v;
            if (Tcl_GetWideIntFromObj(interp, objv[i + 1], &v) != TCL_OK)
                return TCL_ERROR;
            if (v < 0 || (uint64_t)v > MC_ISID_MAX)
                return mc_tcl_error(interp, "USAGE", "-isid %lld is not a 48-bit ISID", (long long)v);
            isid = (uint64_t)v;
            isid_given = true;
        } else
            return mc_tcl_error(interp, "USAGE", "usage: iscsi login CONN ?-keys {K V ...}? ?-stages sec,op|op|sec? "
                                                   "?-chap {user secret}? ?-isid ISID? ?-timeout ms?");
    }
    if ((objc - 3) % 2)
        return mc_tcl_error(interp, "USAGE", "iscsi login: options need values");
    if (c->full_feature)
        return mc_tcl_error(interp, "USAGE", "%s: already logged in", c->name);
    if (isid_given)
        c->isid = isid;
    bool want_sec = chap || !stages || strstr(stages, "sec");
    bool want_op = !stages || strstr(stages, "op");
    if (!want_sec && !want_op)
        return mc_tcl_error(interp, "USAGE", "-stages names sec and/or op");

    /* Split the offered keys: security-stage keys first, operational keys after (12, 13). */
    Tcl_Obj *sec = Tcl_NewListObj(0, NULL), *op = Tcl_NewListObj(0, NULL);
    Tcl_IncrRefCount(sec);
    Tcl_IncrRefCount(op);
    Tcl_Obj *offered = Tcl_NewDictObj();
    Tcl_IncrRefCount(offered);
    int n = 0;
    Tcl_Obj **e = NULL;
    int rc = TCL_ERROR;
    if (keys && Tcl_ListObjGetElements(interp, keys, &n, &e) != TCL_OK)
        goto out;
    for (int i = 0; i + 1 < n; i += 2)
        Tcl_DictObjPut(NULL, offered, e[i], e[i + 1]);
    if (!mc_flow_obj(offered, "InitiatorName"))
        Tcl_ListObjAppendList(NULL, sec, Tcl_NewStringObj("InitiatorName " DEFAULT_INITIATOR_NAME, -1));
    if (!mc_flow_obj(offered, "SessionType"))
        Tcl_ListObjAppendList(NULL, sec, Tcl_NewStringObj("SessionType Normal", -1));
    if (want_sec && !mc_flow_obj(offered, "AuthMethod"))
        Tcl_ListObjAppendList(NULL, sec, Tcl_NewStringObj(chap ? "AuthMethod CHAP" : "AuthMethod None", -1));
    for (int i = 0; i + 1 < n; i += 2) {
        Tcl_Obj *dst = (want_sec && want_op && !security_stage_key(Tcl_GetString(e[i]))) ? op : sec;
        Tcl_ListObjAppendElement(NULL, dst, e[i]);
        Tcl_ListObjAppendElement(NULL, dst, e[i + 1]);
    }
    login_ctx lx = {.c = c, .itt = mc_iconn_alloc_itt(c),
                    .pdus = Tcl_NewListObj(0, NULL),
                    .deadline = mc_now_us() + (Tcl_WideInt)timeout * MC_US_PER_MS};
    Tcl_IncrRefCount(lx.pdus);
    Tcl_Obj *rsp = NULL;
    if (want_sec) {
        int next = want_op ? MC_STAGE_OPERATIONAL : MC_STAGE_FULL_FEATURE;
        int src = chap ? chap_stage(interp, &lx, sec, chap, next, &rsp)
                       : login_stage(interp, &lx, MC_STAGE_SECURITY, next, sec, &rsp);
        if (src != TCL_OK)
            goto out_pdus;
        if (want_op && FIELD(rsp, "nsg") == MC_STAGE_FULL_FEATURE)
            want_op = false;  /* the target went straight to full feature (11.13.1) */
    }
    if (want_op && login_stage(interp, &lx, MC_STAGE_OPERATIONAL, MC_STAGE_FULL_FEATURE,
                               want_sec ? op : sec, &rsp) != TCL_OK)
        goto out_pdus;
    c->full_feature = true;
    /* The first command after login carries the CmdSN of the login (4.2.2.1). */
    mc_iconn_apply_keys(c, c->keys);
    if (mc_flow_obj(offered, "MaxRecvDataSegmentLength"))
        c->our_mrdsl = mc_flow_key_u32(offered, "MaxRecvDataSegmentLength", MC_ISCSI_DEFAULT_MRDSL);
    Tcl_SetObjResult(interp, c->keys);
    rc = TCL_OK;
out_pdus:
    Tcl_DecrRefCount(lx.pdus);
out:
    Tcl_DecrRefCount(offered);
    Tcl_DecrRefCount(sec);
    Tcl_DecrRefCount(op);
    return rc;
}
