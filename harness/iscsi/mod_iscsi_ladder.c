/* The vector's ladder: a compact record of the PDUs of every connection the vector opened, kept
 * after the connections close, for the ladder diagram of the report (`iscsi ladder`). Each entry
 * is {time_ms conn dir opcode_name fields}, fields the PDU's BHS fields (and the sense triple)
 * without its data, so the record stays small whatever the device sends; at most
 * MC_ISCSI_LADDER_HEAD first and MC_ISCSI_LADDER_TAIL last entries are kept, the middle counted. */
#include <string.h>

#include "mod_iscsi.h"

/* Keys of a PDU dict that are not BHS fields: left out, or carried apart. */
static bool skipped_key(const char *k)
{
    static const char *const skip[] = {"dir", "opcode_name", "time", "data", "ahs", "text", "rejected",
                                       "sense", "fault", "digest_error", NULL};
    for (int i = 0; skip[i]; i++)
        if (strcmp(k, skip[i]) == 0)
            return true;
    return false;
}

static Tcl_Obj *dict_str(Tcl_Obj *d, const char *key)
{
    Tcl_Obj *k = Tcl_NewStringObj(key, -1), *v = NULL;
    Tcl_IncrRefCount(k);
    Tcl_DictObjGet(NULL, d, k, &v);
    Tcl_DecrRefCount(k);
    return v;
}

void mc_iscsi_ladder_add(mc_iscsi_mod *m, const mc_iconn *c, Tcl_Obj *d)
{
    if (!m->ladder) {
        m->ladder = Tcl_NewListObj(0, NULL);
        Tcl_IncrRefCount(m->ladder);
        m->ladder_t0_us = mc_now_us();
    }
    Tcl_Obj *fields = Tcl_NewDictObj();
    Tcl_DictSearch s;
    Tcl_Obj *k, *v;
    int done = 0;
    if (Tcl_DictObjFirst(NULL, d, &s, &k, &v, &done) == TCL_OK) {
        for (; !done; Tcl_DictObjNext(&s, &k, &v, &done))
            if (!skipped_key(Tcl_GetString(k)))
                Tcl_DictObjPut(NULL, fields, k, v);
        Tcl_DictObjDone(&s);
    }
    Tcl_Obj *sense = dict_str(d, "sense");
    if (sense) {
        static const char *const parts[] = {"key", "asc", "ascq"};
        for (int i = 0; i < 3; i++) {
            Tcl_Obj *p = dict_str(sense, parts[i]);
            if (p)
                Tcl_DictObjPut(NULL, fields, Tcl_ObjPrintf("sense_%s", parts[i]), p);
        }
    }
    Tcl_Obj *dir = dict_str(d, "dir"), *op = dict_str(d, "opcode_name");
    Tcl_Obj *e[] = {Tcl_NewDoubleObj((double)(mc_now_us() - m->ladder_t0_us) / 1000.0),
                    Tcl_NewStringObj(c->name, -1), dir ? dir : Tcl_NewStringObj("?", -1),
                    op ? op : Tcl_NewStringObj("raw bytes", -1), fields};
    Tcl_Obj *entry = Tcl_NewListObj(5, e);
    m->ladder_seen++;
    Tcl_ListObjAppendElement(NULL, m->ladder, entry);
    if (m->ladder_seen <= MC_ISCSI_LADDER_HEAD)
        return;
    /* Past the head: the newest MC_ISCSI_LADDER_TAIL stay, older ones of the tail go. */
    int n = 0;
    Tcl_ListObjLength(NULL, m->ladder, &n);
    if (n > MC_ISCSI_LADDER_HEAD + MC_ISCSI_LADDER_TAIL) {
        Tcl_ListObjReplace(NULL, m->ladder, MC_ISCSI_LADDER_HEAD, 1, 0, NULL);
        m->ladder_dropped++;
    }
}

/* `iscsi ladder`: {pdus LIST dropped N head H}; the dropped entries lie after the first H. */
int mc_iscsi_ladder_cmd(Tcl_Interp *interp, mc_iscsi_mod *m)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("pdus", -1), m->ladder ? m->ladder : Tcl_NewListObj(0, NULL));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("dropped", -1), Tcl_NewWideIntObj(m->ladder_dropped));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("head", -1), Tcl_NewIntObj(MC_ISCSI_LADDER_HEAD));
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}

void mc_iscsi_ladder_free(mc_iscsi_mod *m)
{
    if (m->ladder)
        Tcl_DecrRefCount(m->ladder);
    m->ladder = NULL;
}
