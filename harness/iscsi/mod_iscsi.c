/* The `iscsi` ensemble: connections owned by the interp that opened them (freed with it), PDU
 * send/receive by field name, history, state and fault plans; every connection writes into the
 * run's capture (core/capture.h). No claim logic here: vectors and the check library decide
 * what a PDU means. */
#include "mod_iscsi.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ASSOC_KEY "mirrorcert::iscsi"
#define ISID_RANDOM_TYPE (UINT64_C(0x80) << 40)  /* ISID T=10b: random qualifier (11.12.5) */
#define ISID_PID_SHIFT 16u
#define ISID_QUAL_MASK UINT64_C(0xffffffffff)
#define FAULT_SEED_MIX UINT64_C(0x9e3779b97f4a7c15)  /* golden-ratio spread of connection numbers */

static mc_iscsi_mod *mod_of(Tcl_Interp *interp)
{
    return Tcl_GetAssocData(interp, ASSOC_KEY, NULL);
}

static int usage(Tcl_Interp *interp, const char *text)
{
    return mc_tcl_error(interp, "USAGE", "usage: iscsi %s", text);
}

static int conn_from(Tcl_Interp *interp, mc_iscsi_mod *m, Tcl_Obj *o, mc_iconn **out)
{
    Tcl_HashEntry *e = Tcl_FindHashEntry(&m->conns, Tcl_GetString(o));
    if (!e)
        return mc_tcl_error(interp, "USAGE", "no iscsi connection \"%s\"", Tcl_GetString(o));
    *out = Tcl_GetHashValue(e);
    return TCL_OK;
}

int mc_iscsi_get_ms(Tcl_Interp *interp, Tcl_Obj *o, int *ms)
{
    if (Tcl_GetIntFromObj(interp, o, ms) != TCL_OK)
        return TCL_ERROR;
    if (*ms < 0 || *ms > MC_ISCSI_MAX_TIMEOUT_MS)
        return mc_tcl_error(interp, "USAGE", "timeout %d ms out of range 0-%d", *ms, MC_ISCSI_MAX_TIMEOUT_MS);
    return TCL_OK;
}

static int cmd_connect(Tcl_Interp *interp, mc_iscsi_mod *m, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "connect HOST PORT ?-timeout ms?  |  connect HOST:PORT ?-timeout ms?";
    /* HOST:PORT (a PIXIT portal) or HOST PORT; the port defaults to 3260 (13.1 of RFC 7143). */
    char host[256];
    int port = MC_ISCSI_DEFAULT_PORT, timeout = MC_ISCSI_DEFAULT_TIMEOUT_MS, next = 3;
    if (objc < 3)
        return usage(interp, use);
    snprintf(host, sizeof host, "%s", Tcl_GetString(objv[2]));
    char *colon = strrchr(host, ':');
    if (colon) {
        *colon = 0;
        if (Tcl_GetInt(interp, colon + 1, &port) != TCL_OK)
            return TCL_ERROR;
    } else if (objc > 3 && Tcl_GetString(objv[3])[0] != '-') {
        if (Tcl_GetIntFromObj(interp, objv[3], &port) != TCL_OK)
            return TCL_ERROR;
        next = 4;
    }
    if (port <= 0 || port > 0xffff)
        return mc_tcl_error(interp, "USAGE", "port %d out of range", port);
    if (objc == next + 2 && strcmp(Tcl_GetString(objv[next]), "-timeout") == 0) {
        if (mc_iscsi_get_ms(interp, objv[next + 1], &timeout) != TCL_OK)
            return TCL_ERROR;
    } else if (objc != next) {
        return usage(interp, use);
    }
    mc_iconn *c = calloc(1, sizeof *c);
    if (!c)
        return mc_tcl_error(interp, "NOMEM", "out of memory");
    c->mod = m;
    c->fd = -1;
    snprintf(c->name, sizeof c->name, "iscsi%lu", ++m->next_id);
    c->itt_next = 1;
    c->cmdsn = 1;
    c->isid = ISID_RANDOM_TYPE | ((((uint64_t)getpid() << ISID_PID_SHIFT) | m->next_id) & ISID_QUAL_MASK);
    c->peer_mrdsl = MC_ISCSI_DEFAULT_MRDSL;
    c->our_mrdsl = MC_ISCSI_DEFAULT_MRDSL;
    c->first_burst = MC_ISCSI_DEFAULT_FIRST_BURST;
    c->max_burst = MC_ISCSI_DEFAULT_MAX_BURST;
    c->initial_r2t = true;   /* InitialR2T=Yes and ImmediateData=Yes are the defaults (13.10, 13.11) */
    c->immediate_data = true;
    c->keys = Tcl_NewDictObj();
    c->queue = Tcl_NewListObj(0, NULL);
    c->history = Tcl_NewListObj(0, NULL);
    Tcl_IncrRefCount(c->keys);
    Tcl_IncrRefCount(c->queue);
    Tcl_IncrRefCount(c->history);
    /* Fault plans default to the vector's seed (::mc::seed, from --seed) mixed with the
     * connection number, so a run replays exactly without the vector naming a seed. */
    Tcl_WideInt seed = 0;
    Tcl_Obj *sv = Tcl_GetVar2Ex(interp, "::mc::seed", NULL, TCL_GLOBAL_ONLY);
    if (sv)
        Tcl_GetWideIntFromObj(NULL, sv, &seed);
    mc_fault_init(&c->fault, (uint64_t)seed ^ ((uint64_t)m->next_id * FAULT_SEED_MIX));
    c->pcap = mc_capture_for(interp);
    mc_pcap_ref(c->pcap);
    if (mc_iconn_connect(interp, c, host, port, timeout) != TCL_OK) {
        mc_iconn_free(c);
        return TCL_ERROR;
    }
    int isnew;
    Tcl_HashEntry *e = Tcl_CreateHashEntry(&m->conns, c->name, &isnew);
    Tcl_SetHashValue(e, c);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(c->name, -1));
    return TCL_OK;
}

static int cmd_close(Tcl_Interp *interp, mc_iscsi_mod *m, int objc, Tcl_Obj *const objv[])
{
    if (objc != 3)
        return usage(interp, "close CONN");
    Tcl_HashEntry *e = Tcl_FindHashEntry(&m->conns, Tcl_GetString(objv[2]));
    if (!e)
        return TCL_OK;  /* closing twice is harmless: cleanup paths may race a failed vector */
    mc_iconn_free(Tcl_GetHashValue(e));
    Tcl_DeleteHashEntry(e);
    return TCL_OK;
}

/* Fills what the vector did not give from the connection's state (RFC 7143 4.2.2, 11.2). */
static void fill_defaults(mc_iconn *c, mc_pdu *p, const bool given[MC_F_COUNT], size_t data_len)
{
    uint8_t op = mc_pdu_opcode(p);
#define DEFAULT(f, v) do { if (!given[f] && mc_field_applies(f, op)) mc_pdu_set(p, f, v); } while (0)
    if (!given[MC_F_FLAGS]) {
        DEFAULT(MC_F_FINAL, 1);
        if (op == MC_OP_LOGIN_REQ)
            DEFAULT(MC_F_IMMEDIATE, 1);  /* Login Requests are immediate (11.12) */
        if (op == MC_OP_SCSI_CMD)
            DEFAULT(MC_F_ATTR, MC_ISCSI_TASK_ATTR_SIMPLE);
    }
    if (!given[MC_F_ITT]) {
        if (op == MC_OP_DATA_OUT || op == MC_OP_SNACK)
            mc_pdu_set(p, MC_F_ITT, c->itt_next > 1 ? c->itt_next - 1 : MC_RESERVED_TAG);
        else
            mc_pdu_set(p, MC_F_ITT, mc_iconn_alloc_itt(c));
    }
    DEFAULT(MC_F_TTT, MC_RESERVED_TAG);
    DEFAULT(MC_F_RTT, MC_RESERVED_TAG);
    DEFAULT(MC_F_CMDSN, c->cmdsn);
    DEFAULT(MC_F_EXPSTATSN, c->expstatsn);
    DEFAULT(MC_F_EDTL, data_len);
    if (op == MC_OP_LOGIN_REQ) {
        DEFAULT(MC_F_ISID, c->isid);
        DEFAULT(MC_F_TSIH, c->tsih);
        DEFAULT(MC_F_CID, c->cid);
    }
    if (op == MC_OP_LOGOUT_REQ)
        DEFAULT(MC_F_CID, c->cid);
#undef DEFAULT
}

/* After a PDU went out: a non-immediate command with a defaulted CmdSN takes the next number. */
static void advance_after_send(mc_iconn *c, const mc_pdu *p, const bool given[MC_F_COUNT])
{
    uint8_t op = mc_pdu_opcode(p);
    if (op == MC_OP_LOGIN_REQ || !mc_field_applies(MC_F_CMDSN, op) || given[MC_F_CMDSN])
        return;
    if (!mc_pdu_get(p, MC_F_IMMEDIATE))
        c->cmdsn++;
}

int mc_iscsi_send_built(Tcl_Interp *interp, mc_iconn *c, mc_pdu *p, const bool given[MC_F_COUNT],
                        const mc_wire_opts *o)
{
    fill_defaults(c, p, given, p->data_len);
    if (mc_iconn_send_pdu(interp, c, p, o) != TCL_OK)
        return TCL_ERROR;
    advance_after_send(c, p, given);
    return TCL_OK;
}

static int cmd_send(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[])
{
    if (objc < 4)
        return usage(interp, "send CONN OPCODE ?field value ...? ?-data BYTES? ?-text {K V ...}? ?-ahs BYTES? "
                             "?-cdb HEX? ?-lun N? ?-raw-lengths? ?-digest-corrupt header|data?");
    uint8_t op;
    if (mc_opcode_from_obj(interp, objv[3], &op) != TCL_OK)
        return TCL_ERROR;
    mc_pdu p;
    mc_pdu_init(&p, op);
    bool given[MC_F_COUNT] = {false};
    mc_wire_opts o = {0};
    Tcl_DString data;
    Tcl_DStringInit(&data);
    int rc = TCL_ERROR;
    Tcl_Obj *fields = Tcl_NewListObj(0, NULL);
    Tcl_IncrRefCount(fields);
    for (int i = 4; i < objc; i++) {
        const char *a = Tcl_GetString(objv[i]);
        bool has_arg = i + 1 < objc;
        if (strcmp(a, "-raw-lengths") == 0) {
            o.keep_lengths = true;
        } else if (strcmp(a, "-data") == 0 && has_arg) {
            int n;
            const unsigned char *b = Tcl_GetByteArrayFromObj(objv[++i], &n);
            Tcl_DStringAppend(&data, (const char *)b, n);
        } else if (strcmp(a, "-text") == 0 && has_arg) {
            if (mc_text_encode(interp, objv[++i], &data) != TCL_OK)
                goto out;
        } else if (strcmp(a, "-ahs") == 0 && has_arg) {
            int n;
            const unsigned char *b = Tcl_GetByteArrayFromObj(objv[++i], &n);
            if ((size_t)n > MC_AHS_MAX) {
                mc_tcl_error(interp, "USAGE", "AHS of %d bytes exceeds %u", n, MC_AHS_MAX);
                goto out;
            }
            free(p.ahs);
            p.ahs = malloc(n ? (size_t)n : 1u);
            if (!p.ahs) {
                mc_tcl_error(interp, "NOMEM", "out of memory");
                goto out;
            }
            memcpy(p.ahs, b, (size_t)n);
            p.ahs_len = (size_t)n;
        } else if (strcmp(a, "-cdb") == 0 && has_arg) {
            uint8_t cdb[MC_CDB_LEN];
            size_t n;
            if (mc_hex_decode(interp, Tcl_GetString(objv[++i]), cdb, sizeof cdb, &n) != TCL_OK)
                goto out;
            mc_pdu_set_cdb(&p, cdb, n);
        } else if (strcmp(a, "-lun") == 0 && has_arg) {
            int lun;
            if (Tcl_GetIntFromObj(interp, objv[++i], &lun) != TCL_OK)
                goto out;
            if (lun < 0 || (unsigned)lun > MC_ISCSI_LUN_MAX) {
                mc_tcl_error(interp, "USAGE", "LUN %d outside 0-%u", lun, MC_ISCSI_LUN_MAX);
                goto out;
            }
            if (!mc_field_applies(MC_F_LUN, op)) {
                mc_tcl_error(interp, "USAGE", "opcode 0x%02x has no LUN field", op);
                goto out;
            }
            mc_pdu_set(&p, MC_F_LUN, mc_lun_encode((uint16_t)lun));
            given[MC_F_LUN] = true;
        } else if (strcmp(a, "-digest-corrupt") == 0 && has_arg) {
            const char *w = Tcl_GetString(objv[++i]);
            if (strcmp(w, "header") == 0)
                o.corrupt_header_digest = true;
            else if (strcmp(w, "data") == 0)
                o.corrupt_data_digest = true;
            else {
                mc_tcl_error(interp, "USAGE", "-digest-corrupt takes header or data, not \"%s\"", w);
                goto out;
            }
        } else if (a[0] == '-' && !has_arg) {
            mc_tcl_error(interp, "USAGE", "option %s needs a value", a);
            goto out;
        } else if (has_arg) {
            Tcl_ListObjAppendElement(NULL, fields, objv[i]);
            Tcl_ListObjAppendElement(NULL, fields, objv[++i]);
        } else {
            mc_tcl_error(interp, "USAGE", "field \"%s\" has no value", a);
            goto out;
        }
    }
    if (Tcl_DStringLength(&data) > 0 &&
        mc_pdu_set_data(&p, Tcl_DStringValue(&data), (size_t)Tcl_DStringLength(&data)) != 0) {
        mc_tcl_error(interp, "USAGE", "data segment of %d bytes too long", Tcl_DStringLength(&data));
        goto out;
    }
    int nf;
    Tcl_Obj **fv;
    Tcl_ListObjGetElements(NULL, fields, &nf, &fv);
    if (mc_pdu_apply_fields(interp, &p, fv, nf, given) != TCL_OK)
        goto out;
    if (given[MC_F_DSL] || given[MC_F_TOTAL_AHS_LENGTH])
        o.keep_lengths = true;
    if (o.keep_lengths) {
        if (!given[MC_F_DSL])
            mc_pdu_set(&p, MC_F_DSL, p.data_len);
        if (!given[MC_F_TOTAL_AHS_LENGTH])
            mc_pdu_set(&p, MC_F_TOTAL_AHS_LENGTH, (p.ahs_len + MC_PAD - 1) / MC_PAD);
    }
    if (mc_iscsi_send_built(interp, c, &p, given, &o) != TCL_OK)
        goto out;
    Tcl_Obj *last;
    int hn;
    Tcl_ListObjLength(NULL, c->history, &hn);
    Tcl_ListObjIndex(NULL, c->history, hn - 1, &last);
    Tcl_SetObjResult(interp, last);
    rc = TCL_OK;
out:
    Tcl_DecrRefCount(fields);
    Tcl_DStringFree(&data);
    mc_pdu_free(&p);
    return rc;
}

static int opt_timeout(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], int from, int *ms)
{
    *ms = -1;
    for (int i = from; i < objc; i += 2) {
        if (strcmp(Tcl_GetString(objv[i]), "-timeout") != 0 || i + 1 >= objc)
            return mc_tcl_error(interp, "USAGE", "expected -timeout MS, got \"%s\"", Tcl_GetString(objv[i]));
        if (mc_iscsi_get_ms(interp, objv[i + 1], ms) != TCL_OK)
            return TCL_ERROR;
    }
    return TCL_OK;
}

static int cmd_recv(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[])
{
    int ms;
    Tcl_Obj *d;
    if (opt_timeout(interp, objc, objv, 3, &ms) != TCL_OK || mc_iconn_recv(interp, c, ms, &d) != TCL_OK)
        return TCL_ERROR;
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}

static int cmd_expect(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[])
{
    if (objc < 4)
        return usage(interp, "expect CONN {field value ...} ?-timeout ms?");
    int ms;
    Tcl_Obj *d;
    if (opt_timeout(interp, objc, objv, 4, &ms) != TCL_OK)
        return TCL_ERROR;
    if (mc_iconn_expect(interp, c, objv[3], ms, &d) != TCL_OK) {
        Tcl_AppendResult(interp, " (waiting for ", Tcl_GetString(objv[3]), ")", (char *)NULL);
        return TCL_ERROR;
    }
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}

static int cmd_sendraw(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[])
{
    if (objc != 4)
        return usage(interp, "sendraw CONN BYTES");
    int n;
    const unsigned char *b = Tcl_GetByteArrayFromObj(objv[3], &n);
    return mc_iconn_send_raw(interp, c, b, (size_t)n);
}

static Tcl_Obj *wide(uint64_t v) { return Tcl_NewWideIntObj((Tcl_WideInt)v); }

static int cmd_state(Tcl_Interp *interp, mc_iconn *c)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    struct { const char *k; Tcl_Obj *v; } kv[] = {
        {"cmdsn", wide(c->cmdsn)},           {"expstatsn", wide(c->expstatsn)},
        {"expcmdsn", wide(c->expcmdsn)},     {"maxcmdsn", wide(c->maxcmdsn)},
        {"itt_next", wide(c->itt_next)},     {"isid", wide(c->isid)},
        {"tsih", wide(c->tsih)},             {"cid", wide(c->cid)},
        {"full_feature", Tcl_NewBooleanObj(c->full_feature)},
        {"header_digest", Tcl_NewBooleanObj(c->header_digest)},
        {"data_digest", Tcl_NewBooleanObj(c->data_digest)},
        {"closed", Tcl_NewBooleanObj(c->closed)},
        {"peer_mrdsl", wide(c->peer_mrdsl)}, {"first_burst", wide(c->first_burst)},
        {"max_burst", wide(c->max_burst)},   {"keys", c->keys},
        {"local", Tcl_ObjPrintf("%s:%d", inet_ntoa(c->local.sin_addr), ntohs(c->local.sin_port))},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj(kv[i].k, -1), kv[i].v);
    int q;
    Tcl_ListObjLength(NULL, c->queue, &q);
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("queued", -1), Tcl_NewIntObj(q));
    /* The history's counts: PDUs recorded, and those dropped from its middle (mod_iscsi.h). */
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("history_pdus", -1), Tcl_NewWideIntObj(c->history_seen));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("history_dropped", -1), Tcl_NewWideIntObj(c->dropped_pdus));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("history_dropped_bytes", -1), Tcl_NewWideIntObj(c->dropped_bytes));
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}

static int iscsi_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    mc_iscsi_mod *m = cd;
    static const char *const subs[] = {"connect", "close", "send", "sendraw", "recv", "expect", "history",
                                       "state", "login", "text", "scsi", "fault", "lun", "ladder", "capture", NULL};
    enum { CONNECT, CLOSE, SEND, SENDRAW, RECV, EXPECT, HISTORY, STATE, LOGIN, TEXT, SCSI, FAULT, LUN, LADDER, CAPTURE };
    int sub;
    if (objc < 2)
        return usage(interp, "connect|close|send|sendraw|recv|expect|history|state|login|text|scsi|fault|lun|ladder|capture ...");
    if (Tcl_GetIndexFromObj(interp, objv[1], subs, "subcommand", 0, &sub) != TCL_OK)
        return TCL_ERROR;
    if (sub == CONNECT)
        return cmd_connect(interp, m, objc, objv);
    if (sub == CLOSE)
        return cmd_close(interp, m, objc, objv);
    if (sub == CAPTURE)
        return mc_iscsi_capture_cmd(interp, objc, objv);
    if (sub == LADDER)
        return objc == 2 ? (Tcl_SetObjResult(interp, mc_ladder_obj(&m->ladder)), TCL_OK) : usage(interp, "ladder");
    if (sub == LUN) {
        int lun;
        if (objc != 3 || Tcl_GetIntFromObj(interp, objv[2], &lun) != TCL_OK || lun < 0 || (unsigned)lun > MC_ISCSI_LUN_MAX)
            return usage(interp, "lun N  (the 8-byte LUN field value for LUN N)");
        Tcl_SetObjResult(interp, wide(mc_lun_encode((uint16_t)lun)));
        return TCL_OK;
    }
    if (objc < 3)
        return usage(interp, "SUBCOMMAND CONN ...");
    mc_iconn *c = NULL;
    if (conn_from(interp, m, objv[2], &c) != TCL_OK)
        return TCL_ERROR;
    switch (sub) {
    case SEND: return cmd_send(interp, c, objc, objv);
    case SENDRAW: return cmd_sendraw(interp, c, objc, objv);
    case RECV: return cmd_recv(interp, c, objc, objv);
    case EXPECT: return cmd_expect(interp, c, objc, objv);
    case HISTORY: Tcl_SetObjResult(interp, c->history); return TCL_OK;
    case STATE: return cmd_state(interp, c);
    case LOGIN: return mc_iscsi_login_cmd(interp, c, objc, objv);
    case TEXT: return mc_iscsi_text_cmd(interp, c, objc, objv);
    case SCSI: return mc_iscsi_scsi_cmd(interp, c, objc, objv);
    default: return mc_iscsi_fault_cmd(interp, c, objc, objv);
    }
}

static void mod_free(ClientData cd, Tcl_Interp *interp)
{
    mc_iscsi_mod *m = cd;
    Tcl_HashSearch s;
    for (Tcl_HashEntry *e = Tcl_FirstHashEntry(&m->conns, &s); e; e = Tcl_NextHashEntry(&s))
        mc_iconn_free(Tcl_GetHashValue(e));
    Tcl_DeleteHashTable(&m->conns);
    mc_ladder_free(&m->ladder);
    free(m);
}

int mc_mod_iscsi_init(Tcl_Interp *interp)
{
    if (mod_of(interp))
        return TCL_OK;
    mc_iscsi_mod *m = calloc(1, sizeof *m);
    if (!m)
        return mc_tcl_error(interp, "NOMEM", "out of memory");
    m->interp = interp;
    Tcl_InitHashTable(&m->conns, TCL_STRING_KEYS);
    Tcl_SetAssocData(interp, ASSOC_KEY, mod_free, m);
    Tcl_CreateObjCommand(interp, "iscsi", iscsi_cmd, m, NULL);
    return TCL_OK;
}
