/* PDUs as Tcl dicts (every field of the opcode by its pdu.h name) and the reverse: field/value
 * pairs onto a PDU, text key=value segments, and the predicates of `iscsi expect`. */
#include "mod_iscsi.h"

#include <stdio.h>
#include <string.h>

/* SCSI Response data: a 2-byte SenseLength then the sense data (11.4.7.2); fixed-format sense
 * keeps the key in byte 2 and ASC/ASCQ in bytes 12-13 (SPC-4 4.5.3). */
#define SENSE_LENGTH_BYTES 2u
#define SENSE_FIXED_KEY 2u
#define SENSE_FIXED_ASC 12u
#define SENSE_FIXED_ASCQ 13u
#define SENSE_KEY_MASK 0x0fu
#define SENSE_RESPONSE_CODE_MASK 0x7fu
#define SENSE_DESC_FORMAT_MIN 0x72u   /* 0x72/0x73: descriptor format, ASC/ASCQ in bytes 2-3 */
#define SENSE_DESC_KEY 1u
#define SENSE_DESC_ASC 2u
#define SENSE_DESC_ASCQ 3u

/* Short names vectors may use for opcodes; the long names come from mc_opcode_name. */
static const struct {
    const char *name;
    uint8_t op;
} short_ops[] = {
    {"nop-out", MC_OP_NOP_OUT},       {"scsi", MC_OP_SCSI_CMD},       {"tmf", MC_OP_TMF_REQ},
    {"login", MC_OP_LOGIN_REQ},       {"text", MC_OP_TEXT_REQ},       {"data-out", MC_OP_DATA_OUT},
    {"logout", MC_OP_LOGOUT_REQ},     {"snack", MC_OP_SNACK},         {"nop-in", MC_OP_NOP_IN},
    {"scsi-rsp", MC_OP_SCSI_RSP},     {"tmf-rsp", MC_OP_TMF_RSP},     {"login-rsp", MC_OP_LOGIN_RSP},
    {"text-rsp", MC_OP_TEXT_RSP},     {"data-in", MC_OP_DATA_IN},     {"logout-rsp", MC_OP_LOGOUT_RSP},
    {"r2t", MC_OP_R2T},               {"async", MC_OP_ASYNC},         {"reject", MC_OP_REJECT},
};

int mc_opcode_from_obj(Tcl_Interp *interp, Tcl_Obj *o, uint8_t *op)
{
    int v;
    const char *s = Tcl_GetString(o);
    for (size_t i = 0; i < sizeof short_ops / sizeof short_ops[0]; i++) {
        if (strcmp(s, short_ops[i].name) == 0) {
            *op = short_ops[i].op;
            return TCL_OK;
        }
    }
    if (Tcl_GetIntFromObj(NULL, o, &v) == TCL_OK && v >= 0 && v <= (int)MC_OP_MASK) {
        *op = (uint8_t)v;
        return TCL_OK;
    }
    Tcl_Obj *msg = Tcl_ObjPrintf("unknown opcode \"%s\": give 0x00-0x3f or one of", s);
    for (size_t i = 0; i < sizeof short_ops / sizeof short_ops[0]; i++)
        Tcl_AppendPrintfToObj(msg, " %s", short_ops[i].name);
    Tcl_SetObjResult(interp, msg);
    Tcl_SetErrorCode(interp, "MIRRORCERT", "USAGE", Tcl_GetString(msg), (char *)NULL);
    return TCL_ERROR;
}

static void put(Tcl_Obj *d, const char *k, Tcl_Obj *v)
{
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj(k, -1), v);
}

static Tcl_Obj *hex_obj(const uint8_t *b, size_t n)
{
    Tcl_Obj *o = Tcl_NewObj();
    for (size_t i = 0; i < n; i++)
        Tcl_AppendPrintfToObj(o, "%02x", b[i]);
    return o;
}

Tcl_Obj *mc_text_decode(const uint8_t *data, size_t len)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && data[j] != 0)
            j++;
        if (j > i) {
            const uint8_t *eq = memchr(data + i, '=', j - i);
            size_t klen = eq ? (size_t)(eq - (data + i)) : j - i;
            Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj((const char *)data + i, (int)klen));
            Tcl_ListObjAppendElement(NULL, l, eq ? Tcl_NewStringObj((const char *)eq + 1, (int)(j - i - klen - 1))
                                                 : Tcl_NewObj());
        }
        i = j + 1;
    }
    return l;
}

int mc_text_encode(Tcl_Interp *interp, Tcl_Obj *kv, Tcl_DString *out)
{
    int n;
    Tcl_Obj **e;
    if (Tcl_ListObjGetElements(interp, kv, &n, &e) != TCL_OK)
        return TCL_ERROR;
    if (n % 2)
        return mc_tcl_error(interp, "USAGE", "text keys need KEY VALUE pairs, got %d words", n);
    for (int i = 0; i < n; i += 2) {
        Tcl_DStringAppend(out, Tcl_GetString(e[i]), -1);
        Tcl_DStringAppend(out, "=", 1);
        Tcl_DStringAppend(out, Tcl_GetString(e[i + 1]), -1);
        Tcl_DStringAppend(out, "", 1);  /* each pair ends with NUL (6.1) */
    }
    return TCL_OK;
}

static Tcl_Obj *sense_dict(const uint8_t *d, size_t n)
{
    Tcl_Obj *s = Tcl_NewDictObj();
    size_t slen = n >= SENSE_LENGTH_BYTES ? (size_t)d[0] << 8 | d[1] : 0;
    put(s, "length", Tcl_NewWideIntObj((Tcl_WideInt)slen));
    const uint8_t *b = d + SENSE_LENGTH_BYTES;
    size_t avail = n >= SENSE_LENGTH_BYTES ? n - SENSE_LENGTH_BYTES : 0;
    size_t have = slen < avail ? slen : avail;
    put(s, "bytes", hex_obj(b, have));
    if (have > SENSE_DESC_ASCQ && (b[0] & SENSE_RESPONSE_CODE_MASK) >= SENSE_DESC_FORMAT_MIN) {
        put(s, "key", Tcl_NewIntObj(b[SENSE_DESC_KEY] & SENSE_KEY_MASK));
        put(s, "asc", Tcl_NewIntObj(b[SENSE_DESC_ASC]));
        put(s, "ascq", Tcl_NewIntObj(b[SENSE_DESC_ASCQ]));
    } else if (have > SENSE_FIXED_ASCQ) {
        put(s, "key", Tcl_NewIntObj(b[SENSE_FIXED_KEY] & SENSE_KEY_MASK));
        put(s, "asc", Tcl_NewIntObj(b[SENSE_FIXED_ASC]));
        put(s, "ascq", Tcl_NewIntObj(b[SENSE_FIXED_ASCQ]));
    }
    return s;
}

Tcl_Obj *mc_pdu_to_dict(const mc_pdu *p, bool outbound, double time_s)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    uint8_t op = mc_pdu_opcode(p);
    const char *name = mc_opcode_name(op);
    put(d, "dir", Tcl_NewStringObj(outbound ? "out" : "in", -1));
    put(d, "opcode_name", Tcl_NewStringObj(name ? name : "unknown", -1));
    for (int f = 0; f < MC_F_COUNT; f++) {
        if (mc_field_applies((mc_field)f, op))
            put(d, mc_field_info((mc_field)f)->name, Tcl_NewWideIntObj((Tcl_WideInt)mc_pdu_get(p, (mc_field)f)));
    }
    if (op == MC_OP_SCSI_CMD) {
        uint8_t cdb[MC_CDB_LEN];
        mc_pdu_get_cdb(p, cdb);
        put(d, "cdb", hex_obj(cdb, MC_CDB_LEN));
    }
    put(d, "ahs", Tcl_NewByteArrayObj(p->ahs, (int)p->ahs_len));
    put(d, "data", Tcl_NewByteArrayObj(p->data, (int)p->data_len));
    if (op == MC_OP_LOGIN_REQ || op == MC_OP_LOGIN_RSP || op == MC_OP_TEXT_REQ || op == MC_OP_TEXT_RSP)
        put(d, "text", mc_text_decode(p->data, p->data_len));
    if (op == MC_OP_SCSI_RSP && p->data_len >= SENSE_LENGTH_BYTES)
        put(d, "sense", sense_dict(p->data, p->data_len));
    if (op == MC_OP_REJECT && p->data_len >= MC_BHS_LEN) {
        /* The data segment of a Reject is the rejected PDU's header (11.17.1). */
        mc_pdu r;
        memset(&r, 0, sizeof r);
        memcpy(r.bhs, p->data, MC_BHS_LEN);
        put(d, "rejected", mc_pdu_to_dict(&r, true, time_s));
    }
    put(d, "time", Tcl_NewDoubleObj(time_s));
    return d;
}

static int unknown_field(Tcl_Interp *interp, const char *name, uint8_t op)
{
    Tcl_Obj *msg = Tcl_ObjPrintf("field \"%s\" does not belong to opcode 0x%02x; valid fields:", name, op);
    for (int f = 0; f < MC_F_COUNT; f++) {
        if (mc_field_applies((mc_field)f, op))
            Tcl_AppendPrintfToObj(msg, " %s", mc_field_info((mc_field)f)->name);
    }
    Tcl_SetObjResult(interp, msg);
    Tcl_SetErrorCode(interp, "MIRRORCERT", "USAGE", Tcl_GetString(msg), (char *)NULL);
    return TCL_ERROR;
}

int mc_pdu_apply_fields(Tcl_Interp *interp, mc_pdu *p, Tcl_Obj *const *pairs, int n, bool given[MC_F_COUNT])
{
    uint8_t op = mc_pdu_opcode(p);
    if (n % 2)
        return mc_tcl_error(interp, "USAGE", "fields need FIELD VALUE pairs");
    for (int i = 0; i < n; i += 2) {
        const char *name = Tcl_GetString(pairs[i]);
        mc_field f;
        if (mc_field_by_name(name, op, &f) != 0)
            return unknown_field(interp, name, op);
        Tcl_WideInt v;
        if (Tcl_GetWideIntFromObj(interp, pairs[i + 1], &v) != TCL_OK)
            return TCL_ERROR;
        mc_pdu_set(p, f, (uint64_t)v);
        if (given)
            given[f] = true;
        if (f == MC_F_OPCODE)
            op = mc_pdu_opcode(p);
    }
    return TCL_OK;
}

int mc_hex_decode(Tcl_Interp *interp, const char *hex, uint8_t *out, size_t max, size_t *len)
{
    size_t n = 0;
    for (const char *s = hex; *s;) {
        if (*s == ' ' || *s == '_' || *s == ':') {
            s++;
            continue;
        }
        unsigned v;
        if (!s[1] || sscanf(s, "%2x", &v) != 1 || n >= max)
            return mc_tcl_error(interp, "USAGE", "bad hex string \"%s\" (at most %zu bytes)", hex, max);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    *len = n;
    return TCL_OK;
}

static int compare(Tcl_Interp *interp, Tcl_Obj *seen, Tcl_Obj *want, bool *match)
{
    int n = 0;
    Tcl_Obj **e = NULL;
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">=", "in", NULL};
    enum { EQ, NE, LT, LE, GT, GE, IN };
    int which = EQ;
    Tcl_Obj *value = want;
    if (Tcl_ListObjGetElements(NULL, want, &n, &e) == TCL_OK && n == 2 &&
        Tcl_GetIndexFromObj(NULL, e[0], ops, "op", TCL_EXACT, &which) == TCL_OK)
        value = e[1];
    else
        which = EQ;
    if (which == IN) {
        int m;
        Tcl_Obj **v;
        if (Tcl_ListObjGetElements(interp, value, &m, &v) != TCL_OK)
            return TCL_ERROR;
        *match = false;
        for (int i = 0; i < m && !*match; i++)
            if (compare(interp, seen, v[i], match) != TCL_OK)
                return TCL_ERROR;
        return TCL_OK;
    }
    Tcl_WideInt a, b;
    if (Tcl_GetWideIntFromObj(NULL, seen, &a) == TCL_OK && Tcl_GetWideIntFromObj(NULL, value, &b) == TCL_OK) {
        switch (which) {
        case EQ: *match = a == b; break;
        case NE: *match = a != b; break;
        case LT: *match = a < b; break;
        case LE: *match = a <= b; break;
        case GT: *match = a > b; break;
        default: *match = a >= b; break;
        }
        return TCL_OK;
    }
    int c = strcmp(Tcl_GetString(seen), Tcl_GetString(value));
    switch (which) {
    case EQ: *match = c == 0; break;
    case NE: *match = c != 0; break;
    default: return mc_tcl_error(interp, "USAGE", "ordering needs numbers: %s", Tcl_GetString(want));
    }
    return TCL_OK;
}

int mc_pred_match(Tcl_Interp *interp, Tcl_Obj *pdu, Tcl_Obj *pred, bool *match)
{
    int n;
    Tcl_Obj **e;
    if (Tcl_ListObjGetElements(interp, pred, &n, &e) != TCL_OK)
        return TCL_ERROR;
    if (n % 2)
        return mc_tcl_error(interp, "USAGE", "predicate needs FIELD VALUE pairs");
    *match = true;
    for (int i = 0; i < n && *match; i += 2) {
        Tcl_Obj *seen = NULL;
        if (Tcl_DictObjGet(NULL, pdu, e[i], &seen) != TCL_OK || !seen) {
            *match = false;
            break;
        }
        if (compare(interp, seen, e[i + 1], match) != TCL_OK)
            return TCL_ERROR;
    }
    return TCL_OK;
}
