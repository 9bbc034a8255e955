/* `iscsi capture FILE ?FLOW?`: a foreign capture's flows (each TCP flow with what its split says:
 * dict key split), or the iSCSI PDUs of one of them, as
 * Tcl values (core/pcap_reader.h puts the TCP streams together, capture_split.h frames the PDUs).
 * This is what `mirrorcert replay` reads a field capture with. */
#include <stdio.h>
#include <string.h>

#include "capture_split.h"
#include "ensemble.h"
#include "mod_iscsi.h"
#include "pcap_reader.h"
#include "pdu_tcl.h"

/* Room for a message naming a file and a frame. */
#define CAPTURE_ERR_LEN 1024

static void put(Tcl_Obj *d, const char *k, Tcl_Obj *v)
{
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj(k, -1), v);
}

static Tcl_Obj *wide(uint64_t v)
{
    return Tcl_NewWideIntObj((Tcl_WideInt)v);
}

static Tcl_Obj *notes_obj(const char (*notes)[MC_CAPREAD_NOTE_LEN], size_t n)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (size_t i = 0; i < n; i++)
        Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj(notes[i], -1));
    return l;
}

static Tcl_Obj *flow_obj(const mc_capread_flow *f)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    put(d, "id", wide(f->id));
    put(d, "proto", Tcl_NewStringObj(f->proto == MC_CAPREAD_TCP ? "tcp" : "udp", -1));
    put(d, "client", Tcl_NewStringObj(f->client, -1));
    put(d, "server", Tcl_NewStringObj(f->server, -1));
    put(d, "syn", Tcl_NewBooleanObj(f->syn_seen));
    put(d, "first_frame", wide(f->first_frame));
    put(d, "frames", wide(f->frames));
    for (int di = 0; di < 2; di++) {
        const mc_capread_dir *x = &f->dir[di];
        Tcl_Obj *s = Tcl_NewDictObj();
        put(s, "bytes", wide(x->bytes));
        put(s, "pieces", wide(x->npieces));
        put(s, "retransmitted", wide(x->retransmitted));
        put(s, "closed", Tcl_NewBooleanObj(x->fin));
        put(d, di == 0 ? "from_client" : "from_server", s);
    }
    Tcl_Obj *notes = notes_obj((const char (*)[MC_CAPREAD_NOTE_LEN])f->notes, f->nnotes);
    if (f->notes_dropped)
        Tcl_ListObjAppendElement(NULL, notes, Tcl_ObjPrintf("%llu more notes not kept", (unsigned long long)f->notes_dropped));
    put(d, "notes", notes);
    return d;
}

static Tcl_Obj *pdus_obj(const mc_capsplit *s)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (size_t i = 0; i < s->npdus; i++) {
        const mc_cap_pdu *p = &s->pdus[i];
        Tcl_Obj *d = mc_pdu_to_dict(&p->pdu, p->dir == 0, p->time);
        put(d, "frame", wide(p->frame));
        if (p->data_digest_bad)
            put(d, "data_digest_bad", Tcl_NewBooleanObj(1));
        Tcl_ListObjAppendElement(NULL, l, d);
    }
    return l;
}

/* What a split says of its flow: which side is the initiator, the login's digests, the notes,
 * and how many PDUs each way (the PDUs themselves are listed only for one flow). */
static void put_split(Tcl_Obj *d, const mc_capread_flow *f, const mc_capsplit *s)
{
    size_t out = 0;
    for (size_t i = 0; i < s->npdus; i++)
        out += s->pdus[i].dir == 0;
    put(d, "iscsi", Tcl_NewBooleanObj(s->iscsi));
    put(d, "initiator", Tcl_NewStringObj(s->initiator_dir == 0 ? f->client : f->server, -1));
    put(d, "target", Tcl_NewStringObj(s->initiator_dir == 0 ? f->server : f->client, -1));
    put(d, "login_seen", Tcl_NewBooleanObj(s->login_seen));
    put(d, "header_digest", Tcl_NewBooleanObj(s->header_digest));
    put(d, "data_digest", Tcl_NewBooleanObj(s->data_digest));
    put(d, "notes", notes_obj((const char (*)[MC_CAPREAD_NOTE_LEN])s->notes, s->nnotes));
    put(d, "pdu_count", wide(s->npdus));
    put(d, "pdu_count_out", wide(out));
}

int mc_iscsi_capture_cmd(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    int want = 0;
    if ((objc != 3 && objc != 4) || (objc == 4 && (Tcl_GetIntFromObj(NULL, objv[3], &want) != TCL_OK || want < 1)))
        return mc_tcl_error(interp, "USAGE", "usage: iscsi capture FILE ?FLOW?  (FLOW: a flow id >= 1)");
    char err[CAPTURE_ERR_LEN];
    mc_capread *c = mc_capread_open(Tcl_GetString(objv[2]), NULL, err, sizeof err);
    if (c == NULL)
        return mc_tcl_error(interp, "CAPTURE", "%s", err);
    Tcl_Obj *r = Tcl_NewDictObj();
    int rc = TCL_OK;
    if (want == 0) {
        uint64_t first = 0, frags = mc_capread_fragments(c, &first);
        put(r, "link", Tcl_NewStringObj(mc_capread_linktype(c), -1));
        put(r, "frames", wide(mc_capread_frames(c)));
        put(r, "skipped", wide(mc_capread_skipped(c)));
        put(r, "fragments", wide(frags));
        put(r, "first_fragment", wide(first));
        const char *w = mc_capread_warning(c);
        put(r, "warning", Tcl_NewStringObj(w ? w : "", -1));
        /* Every TCP flow split once here, so a listing reads the file once. */
        Tcl_Obj *flows = Tcl_NewListObj(0, NULL);
        for (size_t i = 0; rc == TCL_OK && i < mc_capread_nflows(c); i++) {
            const mc_capread_flow *f = mc_capread_flow_at(c, i);
            Tcl_Obj *fd = flow_obj(f);
            if (f->proto == MC_CAPREAD_TCP) {
                mc_capsplit s;
                if (mc_capsplit_flow(f, &s, err, sizeof err) != 0) {
                    rc = mc_tcl_error(interp, "CAPTURE", "%s", err);
                } else {
                    Tcl_Obj *sd = Tcl_NewDictObj();
                    put_split(sd, f, &s);
                    put(fd, "split", sd);
                }
                mc_capsplit_free(&s);
            }
            Tcl_ListObjAppendElement(NULL, flows, fd);
        }
        put(r, "flows", flows);
    } else if ((size_t)want > mc_capread_nflows(c)) {
        rc = mc_tcl_error(interp, "CAPTURE", "%s has %zu flows; there is no flow %d", Tcl_GetString(objv[2]),
                          mc_capread_nflows(c), want);
    } else {
        const mc_capread_flow *f = mc_capread_flow_at(c, (size_t)want - 1);
        mc_capsplit s;
        if (mc_capsplit_flow(f, &s, err, sizeof err) != 0) {
            rc = mc_tcl_error(interp, "CAPTURE", "%s", err);
        } else {
            put(r, "flow", flow_obj(f));
            put_split(r, f, &s);
            put(r, "pdus", pdus_obj(&s));
        }
        mc_capsplit_free(&s);
    }
    mc_capread_free(c);
    Tcl_IncrRefCount(r);
    if (rc == TCL_OK)
        Tcl_SetObjResult(interp, r);
    Tcl_DecrRefCount(r);
    return rc;
}
