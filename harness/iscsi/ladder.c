/* A ladder of a vector's PDUs (ladder.h). */
#include "ladder.h"

#include <string.h>
#include <sys/time.h>

#define US_PER_S 1000000

Tcl_WideInt mc_ladder_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (Tcl_WideInt)tv.tv_sec * US_PER_S + tv.tv_usec;
}

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

static Tcl_Obj *dict_get(Tcl_Obj *d, const char *key)
{
    Tcl_Obj *k = Tcl_NewStringObj(key, -1), *v = NULL;
    Tcl_IncrRefCount(k);
    Tcl_DictObjGet(NULL, d, k, &v);
    Tcl_DecrRefCount(k);
    return v;
}

Tcl_Obj *mc_ladder_fields(Tcl_Obj *d)
{
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
    Tcl_Obj *sense = dict_get(d, "sense");
    if (sense) {
        static const char *const parts[] = {"key", "asc", "ascq"};
        for (int i = 0; i < 3; i++) {
            Tcl_Obj *p = dict_get(sense, parts[i]);
            if (p)
                Tcl_DictObjPut(NULL, fields, Tcl_ObjPrintf("sense_%s", parts[i]), p);
        }
    }
    return fields;
}

void mc_ladder_add(mc_ladder *l, Tcl_WideInt wall_us, const char *conn, const char *dir, const char *op,
                   Tcl_Obj *fields)
{
    if (!l->entries) {
        l->entries = Tcl_NewListObj(0, NULL);
        Tcl_IncrRefCount(l->entries);
    }
    Tcl_Obj *e[] = {Tcl_NewWideIntObj(wall_us), Tcl_NewStringObj(conn, -1), Tcl_NewStringObj(dir, -1),
                    Tcl_NewStringObj(op, -1), fields ? fields : Tcl_NewDictObj()};
    Tcl_ListObjAppendElement(NULL, l->entries, Tcl_NewListObj(5, e));
    l->seen++;
    if (l->seen <= MC_LADDER_HEAD)
        return;
    /* Past the head: the newest MC_LADDER_TAIL stay, older ones of the tail go. */
    int n = 0;
    Tcl_ListObjLength(NULL, l->entries, &n);
    if (n > MC_LADDER_HEAD + MC_LADDER_TAIL) {
        Tcl_ListObjReplace(NULL, l->entries, MC_LADDER_HEAD, 1, 0, NULL);
        l->dropped++;
    }
}

void mc_ladder_add_pdu(mc_ladder *l, Tcl_WideInt wall_us, const char *conn, Tcl_Obj *d)
{
    Tcl_Obj *dir = dict_get(d, "dir"), *op = dict_get(d, "opcode_name");
    mc_ladder_add(l, wall_us, conn, dir ? Tcl_GetString(dir) : "out", op ? Tcl_GetString(op) : "raw bytes",
                  mc_ladder_fields(d));
}

Tcl_Obj *mc_ladder_obj(const mc_ladder *l)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("pdus", -1), l->entries ? l->entries : Tcl_NewListObj(0, NULL));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("dropped", -1), Tcl_NewWideIntObj(l->dropped));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("head", -1), Tcl_NewIntObj(MC_LADDER_HEAD));
    return d;
}

void mc_ladder_free(mc_ladder *l)
{
    if (l->entries)
        Tcl_DecrRefCount(l->entries);
    l->entries = NULL;
}
