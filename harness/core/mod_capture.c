/* The `capture` ensemble: opens and closes the run's pcap file, which every module's
 * connections and sockets write into (capture.h). */
#include "capture.h"

#include <stdio.h>
#include <stdlib.h>

#include "ensemble.h"

#define ASSOC_KEY "mirrorcert::capture"
/* Longest capture path shown by `capture info`. */
#define CAPTURE_PATH_MAX 1024

typedef struct capture_state {
    mc_pcap *pcap;               /* NULL when no capture is open in this interpreter */
    char path[CAPTURE_PATH_MAX];
} capture_state;

static capture_state *state_of(Tcl_Interp *interp)
{
    return Tcl_GetAssocData(interp, ASSOC_KEY, NULL);
}

mc_pcap *mc_capture_for(Tcl_Interp *interp)
{
    for (Tcl_Interp *i = interp; i; i = Tcl_GetMaster(i)) {
        capture_state *s = state_of(i);
        if (s && s->pcap)
            return s->pcap;
    }
    return NULL;
}

static Tcl_Obj *wide(uint64_t v)
{
    return Tcl_NewWideIntObj((Tcl_WideInt)v);
}

/* capture open FILE: creates (truncates) FILE; a capture open before is closed first. */
static int cmd_open(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    capture_state *s = cd;
    if (objc != 2)
        return mc_tcl_error(interp, "USAGE", "usage: capture open FILE");
    char err[CAPTURE_PATH_MAX + 128];
    mc_pcap *p = mc_pcap_open(Tcl_GetString(objv[1]), err, sizeof err);
    if (!p)
        return mc_tcl_error(interp, "IO", "%s", err);
    mc_pcap_unref(s->pcap);
    s->pcap = p;
    snprintf(s->path, sizeof s->path, "%s", Tcl_GetString(objv[1]));
    return TCL_OK;
}

/* capture close: the frames written; connections still open keep writing until they close. */
static int cmd_close(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    capture_state *s = cd;
    if (objc != 1)
        return mc_tcl_error(interp, "USAGE", "usage: capture close");
    Tcl_SetObjResult(interp, wide(mc_pcap_frames(s->pcap)));
    mc_pcap_unref(s->pcap);
    s->pcap = NULL;
    s->path[0] = '\0';
    return TCL_OK;
}

/* capture info: {file PATH frames N} of the capture this interpreter writes into. */
static int cmd_info(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 1)
        return mc_tcl_error(interp, "USAGE", "usage: capture info");
    const char *path = "";
    for (Tcl_Interp *i = interp; i; i = Tcl_GetMaster(i)) {
        capture_state *s = state_of(i);
        if (s && s->pcap) {
            path = s->path;
            break;
        }
    }
    Tcl_Obj *d = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("file", -1), Tcl_NewStringObj(path, -1));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("frames", -1), wide(mc_pcap_frames(mc_capture_for(interp))));
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}

static void state_free(ClientData cd, Tcl_Interp *interp)
{
    capture_state *s = cd;
    mc_pcap_unref(s->pcap);
    free(s);
}

int mc_mod_capture_init(Tcl_Interp *interp)
{
    if (state_of(interp))
        return TCL_OK;
    capture_state *s = calloc(1, sizeof *s);
    if (!s)
        return mc_tcl_error(interp, "NOMEM", "out of memory");
    Tcl_SetAssocData(interp, ASSOC_KEY, state_free, s);
    static const struct mc_subcommand table[] = {
        {"open", cmd_open},
        {"close", cmd_close},
        {"info", cmd_info},
        {NULL, NULL},
    };
    return mc_ensemble_create(interp, "capture", table, s);
}
