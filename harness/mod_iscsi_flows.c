/* Composite exchanges built from single PDUs: login through its stages (with CHAP), Text with
 * F/C continuation, and a SCSI command through R2T/Data-Out and Data-In. They drive the DUT the
 * way a plain initiator would and return every PDU, so vectors judge the details. */
#include "mod_iscsi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chap.h"
#include "keys.h"
#include "text.h"

#define US_PER_MS 1000
/* A login or text exchange that needs more round trips than this is a babbling peer. */
#define MAX_ROUND_TRIPS 64
/* A text exchange is bounded by its total size (MC_TEXT_EXCHANGE_MAX) at the smallest legal
 * MaxRecvDataSegmentLength of 512 bytes (13.12): more PDUs than that is a babbling peer. */
#define MAX_TEXT_PDUS ((int)(MC_TEXT_EXCHANGE_MAX / MC_ISCSI_MRDSL_MIN) + 1)
#define DEFAULT_INITIATOR_NAME "iqn.2026-11.org.mirrorcert:harness"
#define FIELD(d, name) dict_wide(d, name)

static Tcl_WideInt dict_wide(Tcl_Obj *d, const char *name)
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

static Tcl_Obj *dict_obj(Tcl_Obj *d, const char *name)
{
    Tcl_Obj *v = NULL;
    Tcl_Obj *k = Tcl_NewStringObj(name, -1);
    Tcl_IncrRefCount(k);
    Tcl_DictObjGet(NULL, d, k, &v);
    Tcl_DecrRefCount(k);
    return v;
}

static int remaining_ms(Tcl_WideInt deadline)
{
    Tcl_WideInt left = (deadline - mc_now_us()) / US_PER_MS;
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

/* Waits for the next PDU of task itt (or a Reject quoting it); others stay queued. */
static int next_for_task(Tcl_Interp *interp, mc_iconn *c, uint32_t itt, Tcl_WideInt deadline, Tcl_Obj **out)
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
        Tcl_Obj *rej = dict_obj(d, "rejected");
        bool mine = FIELD(d, "itt") == (Tcl_WideInt)itt || (rej && FIELD(rej, "itt") == (Tcl_WideInt)itt);
        if (mine) {
            if (pass < n) {
                Tcl_IncrRefCount(d);
                Tcl_ListObjReplace(NULL, c->queue, pass, 1, 0, NULL);
                Tcl_DecrRefCount(d);
            }
            *out = d;
            return TCL_OK;
        }
        if (pass >= n)
            Tcl_ListObjAppendElement(NULL, c->queue, d);
    }
}

static int send_pdu(Tcl_Interp *interp, mc_iconn *c, mc_pdu *p, bool given[MC_F_COUNT], Tcl_Obj *pdus)
{
    int rc = mc_iscsi_send_built(interp, c, p, given, NULL);
    if (rc == TCL_OK && pdus)
        Tcl_ListObjAppendElement(NULL, pdus, last_sent(c));
    return rc;
}

static int set_text(Tcl_Interp *interp, mc_pdu *p, const uint8_t *b, size_t n)
{
    if (n && mc_pdu_set_data(p, b, n) != 0)
        return mc_iscsi_error(interp, "USAGE", "text of %zu bytes too long", n);
    return TCL_OK;
}

static uint32_t key_u32(Tcl_Obj *keys, const char *name, uint32_t dflt)
{
    Tcl_Obj *v = dict_obj(keys, name);
    uint32_t out;
    if (v && mc_text_parse_u32(Tcl_GetString(v), 0, UINT32_MAX, &out) == MC_TEXT_OK)
        return out;
    return dflt;
}

static bool key_is(Tcl_Obj *keys, const char *name, const char *value)
{
    Tcl_Obj *v = dict_obj(keys, name);
    return v && strcmp(Tcl_GetString(v), value) == 0;
}

void mc_iconn_apply_keys(mc_iconn *c, Tcl_Obj *keys)
{
    c->header_digest = key_is(keys, "HeaderDigest", "CRC32C");
    c->data_digest = key_is(keys, "DataDigest", "CRC32C");
    c->peer_mrdsl = key_u32(keys, "MaxRecvDataSegmentLength", MC_ISCSI_DEFAULT_MRDSL);
    c->first_burst = key_u32(keys, "FirstBurstLength", MC_ISCSI_DEFAULT_FIRST_BURST);
    c->max_burst = key_u32(keys, "MaxBurstLength", MC_ISCSI_DEFAULT_MAX_BURST);
    if (dict_obj(keys, "ImmediateData"))
        c->immediate_data = key_is(keys, "ImmediateData", "Yes");
    if (dict_obj(keys, "InitialR2T"))
        c->initial_r2t = key_is(keys, "InitialR2T", "Yes");
}

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
            return mc_iscsi_error(interp, "NOMEM", "out of memory");
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
    for (int trip = 0; trip < MAX_ROUND_TRIPS; trip++) {
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_LOGIN_REQ);
        bool given[MC_F_COUNT] = {false};
        mc_pdu_set(&p, MC_F_ITT, lx->itt);
        given[MC_F_ITT] = true;
        mc_pdu_set(&p, MC_F_CSG, (uint64_t)csg);
        mc_pdu_set(&p, MC_F_NSG, (uint64_t)(transit ? nsg : 0));
        mc_pdu_set(&p, MC_F_TRANSIT, transit);
        if (trip == 0 && set_text(interp, &p, (const uint8_t *)Tcl_DStringValue(&text),
                                  (size_t)Tcl_DStringLength(&text)) != TCL_OK) {
            mc_pdu_free(&p);
            goto out;
        }
        int src = send_pdu(interp, c, &p, given, lx->pdus);
        mc_pdu_free(&p);
        if (src != TCL_OK)
            goto out;
        Tcl_Obj *d, *pred = Tcl_ObjPrintf("opcode %u", MC_OP_LOGIN_RSP);
        Tcl_IncrRefCount(pred);
        int erc = mc_iconn_expect(interp, c, pred, remaining_ms(lx->deadline), &d);
        Tcl_DecrRefCount(pred);
        if (erc != TCL_OK)
            goto out;
        Tcl_ListObjAppendElement(NULL, lx->pdus, d);
        Tcl_Obj *data = dict_obj(d, "data");
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
    mc_iscsi_error(interp, "PROTOCOL", "%s: login response continued more than %d times", c->name, MAX_ROUND_TRIPS);
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
    for (int trip = 0; trip < MAX_ROUND_TRIPS; trip++) {
        if (login_step(interp, lx, csg, nsg, true, send, rsp) != TCL_OK)
            return TCL_ERROR;
        if (FIELD(*rsp, "status_class") != MC_LOGIN_SUCCESS)
            return login_failed(interp, lx->c, *rsp);
        if (FIELD(*rsp, "T") == 1)
            return TCL_OK;
        send = NULL;
    }
    return mc_iscsi_error(interp, "PROTOCOL", "%s: target never agreed to leave login stage %d", lx->c->name, csg);
}

static int chap_stage(Tcl_Interp *interp, login_ctx *lx, Tcl_Obj *keys, Tcl_Obj *chap, int nsg, Tcl_Obj **rsp)
{
    int n;
    Tcl_Obj **e;
    if (Tcl_ListObjGetElements(interp, chap, &n, &e) != TCL_OK)
        return TCL_ERROR;
    if (n != 2)
        return mc_iscsi_error(interp, "USAGE", "-chap takes {user secret}");
    mc_chap_creds creds;
    if (mc_chap_creds_set(&creds, Tcl_GetString(e[0]), Tcl_GetString(e[1])) != 0)
        return mc_iscsi_error(interp, "USAGE", "CHAP name or secret too long");
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
    rc = list_to_kv(interp, dict_obj(*rsp, "text"), &in);
    if (rc == TCL_OK && mc_chap_initiator_respond(&in, &creds, NULL, &out, err, sizeof err) != 0)
        rc = mc_iscsi_error(interp, "CHAP", "%s: %s", lx->c->name, err);
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
        } else
            return mc_iscsi_error(interp, "USAGE", "usage: iscsi login CONN ?-keys {K V ...}? ?-stages sec,op|op|sec? "
                                                   "?-chap {user secret}? ?-timeout ms?");
    }
    if ((objc - 3) % 2)
        return mc_iscsi_error(interp, "USAGE", "iscsi login: options need values");
    if (c->full_feature)
        return mc_iscsi_error(interp, "USAGE", "%s: already logged in", c->name);
    bool want_sec = chap || !stages || strstr(stages, "sec");
    bool want_op = !stages || strstr(stages, "op");
    if (!want_sec && !want_op)
        return mc_iscsi_error(interp, "USAGE", "-stages names sec and/or op");

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
    if (!dict_obj(offered, "InitiatorName"))
        Tcl_ListObjAppendList(NULL, sec, Tcl_NewStringObj("InitiatorName " DEFAULT_INITIATOR_NAME, -1));
    if (!dict_obj(offered, "SessionType"))
        Tcl_ListObjAppendList(NULL, sec, Tcl_NewStringObj("SessionType Normal", -1));
    if (want_sec && !dict_obj(offered, "AuthMethod"))
        Tcl_ListObjAppendList(NULL, sec, Tcl_NewStringObj(chap ? "AuthMethod CHAP" : "AuthMethod None", -1));
    for (int i = 0; i + 1 < n; i += 2) {
        Tcl_Obj *dst = (want_sec && want_op && !security_stage_key(Tcl_GetString(e[i]))) ? op : sec;
        Tcl_ListObjAppendElement(NULL, dst, e[i]);
        Tcl_ListObjAppendElement(NULL, dst, e[i + 1]);
    }
    login_ctx lx = {.c = c, .itt = mc_iconn_alloc_itt(c),
                    .pdus = Tcl_NewListObj(0, NULL),
                    .deadline = mc_now_us() + (Tcl_WideInt)timeout * US_PER_MS};
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
    if (dict_obj(offered, "MaxRecvDataSegmentLength"))
        c->our_mrdsl = key_u32(offered, "MaxRecvDataSegmentLength", MC_ISCSI_DEFAULT_MRDSL);
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

/* Text Request/Response exchange (11.10, 11.11): a key list longer than the target accepts goes
 * out in C=1 pieces; a response with F=0 is continued by an empty request echoing its TTT. */
int mc_iscsi_text_cmd(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[])
{
    if (objc < 4 || objc % 2)
        return mc_iscsi_error(interp, "USAGE", "usage: iscsi text CONN {K V ...} ?-timeout ms?");
    int timeout = c->timeout_ms;
    for (int i = 4; i + 1 < objc; i += 2) {
        if (strcmp(Tcl_GetString(objv[i]), "-timeout") != 0 || Tcl_GetIntFromObj(interp, objv[i + 1], &timeout) != TCL_OK)
            return mc_iscsi_error(interp, "USAGE", "usage: iscsi text CONN {K V ...} ?-timeout ms?");
    }
    Tcl_WideInt deadline = mc_now_us() + (Tcl_WideInt)timeout * US_PER_MS;
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
        int src = set_text(interp, &p, (const uint8_t *)Tcl_DStringValue(&text) + off, piece);
        if (src == TCL_OK)
            src = send_pdu(interp, c, &p, given, pdus);
        mc_pdu_free(&p);
        if (src != TCL_OK)
            goto out;
        off += piece;
        if (next_for_task(interp, c, itt, deadline, &d) != TCL_OK)
            goto out;
        Tcl_ListObjAppendElement(NULL, pdus, d);
        /* A Reject or anything else ends the exchange; the vector judges it. */
        done = FIELD(d, "opcode") != MC_OP_TEXT_RSP || (FIELD(d, "F") == 1 && !more);
        if (FIELD(d, "opcode") == MC_OP_TEXT_RSP && !more)
            Tcl_AppendObjToObj(joined, dict_obj(d, "data"));
        if (done)
            break;
        ttt = (uint32_t)FIELD(d, "ttt");
    }
    if (!done) {
        mc_iscsi_error(interp, "PROTOCOL", "%s: text exchange not finished after %d PDUs", c->name, MAX_TEXT_PDUS);
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
        int rc = set_text(interp, &p, t->out + off, n);
        if (rc == TCL_OK)
            rc = send_pdu(interp, c, &p, given, t->pdus);
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
        return mc_iscsi_error(interp, "USAGE", "%s", use);
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
            return mc_iscsi_error(interp, "USAGE", "%s", use);
        if (ok != TCL_OK)
            return TCL_ERROR;
    }
    if (!have_cdb)
        return mc_iscsi_error(interp, "USAGE", "%s", use);
    if (lun < 0 || (unsigned)lun > MC_ISCSI_LUN_MAX)
        return mc_iscsi_error(interp, "USAGE", "LUN %d outside 0-%u", lun, MC_ISCSI_LUN_MAX);
    if (!c->full_feature)
        return mc_iscsi_error(interp, "USAGE", "%s: not logged in", c->name);
    int out_len = 0;
    const unsigned char *out = out_obj ? Tcl_GetByteArrayFromObj(out_obj, &out_len) : NULL;
    if (in_len < 0)
        in_len = 0;
    if (edtl < 0)
        edtl = out_obj ? out_len : in_len;
    Tcl_WideInt deadline = mc_now_us() + (Tcl_WideInt)timeout * US_PER_MS;

    scsi_task t = {.c = c, .itt = mc_iconn_alloc_itt(c), .lun = mc_lun_encode((uint16_t)lun),
                   .out = out, .out_len = (size_t)out_len, .pdus = Tcl_NewListObj(0, NULL)};
    Tcl_IncrRefCount(t.pdus);
    /* Read data lands at its BufferOffset; bounded by EDTL (11.7.5). */
    size_t in_cap = in_len > 0 ? (size_t)in_len : 0;
    uint8_t *in = calloc(1, in_cap ? in_cap : 1);
    size_t in_hi = 0;
    int rc = TCL_ERROR;
    if (!in) {
        mc_iscsi_error(interp, "NOMEM", "out of memory");
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
    int src = set_text(interp, &p, out, imm);
    if (src == TCL_OK)
        src = send_pdu(interp, c, &p, given, t.pdus);
    mc_pdu_free(&p);
    if (src != TCL_OK)
        goto out;
    if (first > imm && data_out_burst(interp, &t, MC_RESERVED_TAG, imm, first - imm) != TCL_OK)
        goto out;
    Tcl_Obj *d = NULL;
    for (;;) {
        if (next_for_task(interp, c, t.itt, deadline, &d) != TCL_OK)
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
            const unsigned char *b = Tcl_GetByteArrayFromObj(dict_obj(d, "data"), &n);
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
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("response_data", -1), dict_obj(d, "data"));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("data", -1), Tcl_NewByteArrayObj(in, (int)in_hi));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("pdus", -1), t.pdus);
    Tcl_SetObjResult(interp, d);
    rc = TCL_OK;
out:
    free(in);
    Tcl_DecrRefCount(t.pdus);
    return rc;
}
