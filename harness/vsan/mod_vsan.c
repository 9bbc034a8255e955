/* The `vsan` ensemble: per-interpreter state (relays, clients and their history), freed with the
 * interpreter, and the option parsing its command files share. No claim logic here: vectors and
 * the check library decide what a message, a history or a store means. */
#include "mod_vsan.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define ASSOC_KEY "mirrorcert::vsan"
#define US_PER_S 1000000ull
#define NS_PER_US 1000ull

uint64_t mv_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * US_PER_S + (uint64_t)ts.tv_nsec / NS_PER_US;
}

mv_mod *mv_mod_of(Tcl_Interp *interp) { return Tcl_GetAssocData(interp, ASSOC_KEY, NULL); }

int mv_usage(Tcl_Interp *interp, const char *text) { return mc_tcl_error(interp, "USAGE", "usage: vsan %s", text); }

int mv_get_ms(Tcl_Interp *interp, Tcl_Obj *o, int *ms)
{
    if (Tcl_GetIntFromObj(interp, o, ms) != TCL_OK)
        return TCL_ERROR;
    if (*ms < 0 || *ms > MV_MAX_TIMEOUT_MS)
        return mc_tcl_error(interp, "USAGE", "%d ms out of range 0-%d", *ms, MV_MAX_TIMEOUT_MS);
    return TCL_OK;
}

int mv_get_range(Tcl_Interp *interp, const char *what, Tcl_Obj *o, Tcl_WideInt lo, Tcl_WideInt hi, Tcl_WideInt *out)
{
    if (Tcl_GetWideIntFromObj(interp, o, out) != TCL_OK)
        return TCL_ERROR;
    if (*out < lo || *out > hi)
        return mc_tcl_error(interp, "USAGE", "%s %lld outside %lld..%lld", what, (long long)*out, (long long)lo,
                            (long long)hi);
    return TCL_OK;
}

int mv_get_addr(Tcl_Interp *interp, const char *what, Tcl_Obj *o, bool no_port, struct sockaddr_in *a)
{
    const char *s = Tcl_GetString(o);
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    bool ok = no_port ? inet_pton(AF_INET, s, &a->sin_addr) == 1 : mc_cli_ipv4_port(s, a) == 0;
    if (!ok)
        return mc_tcl_error(interp, "USAGE", "%s \"%s\" is not a numeric IPv4 %s", what, s,
                            no_port ? "address" : "ADDRESS:PORT");
    return TCL_OK;
}

Tcl_Obj *mv_addr_obj(const struct sockaddr_in *a)
{
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    return Tcl_ObjPrintf("%s:%u", ip, (unsigned)ntohs(a->sin_port));
}

void mv_put(Tcl_Obj *dict, const char *key, Tcl_Obj *value)
{
    Tcl_DictObjPut(NULL, dict, Tcl_NewStringObj(key, -1), value);
}

Tcl_Obj *mv_wide(uint64_t v) { return Tcl_NewWideIntObj((Tcl_WideInt)v); }

uint64_t mv_vector_seed(Tcl_Interp *interp)
{
    Tcl_WideInt seed = 0;
    Tcl_Obj *sv = Tcl_GetVar2Ex(interp, "::mc::seed", NULL, TCL_GLOBAL_ONLY);
    if (sv && Tcl_GetWideIntFromObj(NULL, sv, &seed) != TCL_OK)
        seed = 0;
    return (uint64_t)seed;
}

static void mod_free(ClientData cd, Tcl_Interp *interp)
{
    mv_mod *m = cd;
    mv_hub_free(m->hub);
    mv_clients_free(m->clients);
    free(m);
}

int mc_mod_vsan_init(Tcl_Interp *interp)
{
    if (mv_mod_of(interp))
        return TCL_OK;
    mv_mod *m = calloc(1, sizeof *m);
    if (!m)
        return mc_tcl_error(interp, "NOMEM", "out of memory");
    m->interp = interp;
    m->clients = mv_clients_new();
    if (!m->clients) {
        free(m);
        return mc_tcl_error(interp, "NOMEM", "out of memory");
    }
    Tcl_SetAssocData(interp, ASSOC_KEY, mod_free, m);
    static const struct mc_subcommand table[] = {
        {"relay", mv_relay_cmd},     {"client", mv_client_cmd}, {"history", mv_history_cmd},
        {"status", mv_status_cmd},   {"store", mv_store_cmd},   {NULL, NULL},
    };
    return mc_ensemble_create(interp, "vsan", table, m);
}
