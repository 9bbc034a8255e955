/* `mirrorcert`: the reference devices' entry points, and the harness (Tcl 8.6 + Expect embedded;
 * the command line, vector framework and reports are driven from harness/tcl/main.tcl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tcl.h>

#include "initiator_cli.h"
#include "junit_merge.h"
#include "member.h"
#include "mirror.h"
#include "modules.h"
#include "server.h"
#include "soak.h"

/* The exit status of a usage or environment error (README.md, "Running a suite"); the others
 * come from harness/tcl/main.tcl. */
enum { MC_EXIT_USAGE = 2 };
/* Room for one error message with a file name or two in it. */
enum { MC_ERR_LEN = 1024 };

/* The source tree holding harness/tcl, conformance/ and vectors/; MIRRORCERT_HOME overrides it
 * so an installed or relocated program still finds its Tcl layer. */
#ifndef MC_SOURCE_DIR
#error "MC_SOURCE_DIR must name the source tree"
#endif
#ifndef MC_VERSION
#error "MC_VERSION must name the program version"
#endif

/* `merge-junit -o OUT IN...`: the shards' JUnit files as one (harness/report/junit_merge.h). */
static int merge_junit(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[0], "-o") != 0) {
        fprintf(stderr, "usage: mirrorcert merge-junit -o OUT.xml IN.xml... (see `mirrorcert help`)\n");
        return MC_EXIT_USAGE;
    }
    char err[MC_ERR_LEN];
    if (mc_junit_merge((const char *const *)argv + 2, (size_t)argc - 2, argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "mirrorcert: %s\n", err);
        return MC_EXIT_USAGE;
    }
    return 0;
}

/* The reference devices `mirrorcert serve` starts: one row per device. */
static const struct {
    const char *name;
    int (*main)(int argc, char **argv);
} serve_table[] = {
    {"iscsi-target", mc_mcast_target_main},   /* the target, multicast member plugged in */
    {"vsan-server", mc_vsan_server_main},     /* the target, mirror engine plugged in */
    {"vsan-witness", mc_vsan_witness_main},
};

static int serve(int argc, char **argv)
{
    for (size_t i = 0; argc >= 1 && i < sizeof serve_table / sizeof serve_table[0]; i++)
        if (strcmp(argv[0], serve_table[i].name) == 0)
            return serve_table[i].main(argc, argv);
    fprintf(stderr, "usage: mirrorcert serve iscsi-target|vsan-server|vsan-witness [options] (--help)\n");
    return MC_EXIT_USAGE;
}

/* Runs harness/tcl/main.tcl's `::mc::main` with the command line; its result is the exit status. */
static int harness(int argc, char **argv)
{
    Tcl_Interp *interp = Tcl_CreateInterp();
    int status = MC_EXIT_USAGE;
    const char *home = getenv("MIRRORCERT_HOME");
    if (home == NULL || home[0] == '\0')
        home = MC_SOURCE_DIR;

    if (Tcl_Init(interp) != TCL_OK || mc_modules_init(interp) != TCL_OK) {
        fprintf(stderr, "mirrorcert: cannot set up Tcl: %s\n", Tcl_GetStringResult(interp));
        goto out;
    }
    Tcl_Obj *args = Tcl_NewListObj(0, NULL);
    for (int i = 1; i < argc; i++)
        Tcl_ListObjAppendElement(NULL, args, Tcl_NewStringObj(argv[i], -1));
    Tcl_CreateNamespace(interp, "::mc", NULL, NULL);
    Tcl_SetVar2Ex(interp, "::mc::home", NULL, Tcl_NewStringObj(home, -1), 0);
    Tcl_SetVar2Ex(interp, "::mc::version", NULL, Tcl_NewStringObj(MC_VERSION, -1), 0);

    Tcl_Obj *script = Tcl_ObjPrintf("%s/harness/tcl/main.tcl", home);
    Tcl_IncrRefCount(script);
    int rc = Tcl_FSEvalFile(interp, script);
    Tcl_DecrRefCount(script);
    if (rc != TCL_OK) {
        fprintf(stderr, "mirrorcert: cannot load the harness from %s (set MIRRORCERT_HOME?): %s\n", home,
                Tcl_GetStringResult(interp));
        goto out;
    }
    Tcl_Obj *call = Tcl_NewListObj(0, NULL);
    Tcl_ListObjAppendElement(NULL, call, Tcl_NewStringObj("::mc::main", -1));
    Tcl_ListObjAppendElement(NULL, call, args);
    Tcl_IncrRefCount(call);
    rc = Tcl_EvalObjEx(interp, call, TCL_EVAL_GLOBAL);
    Tcl_DecrRefCount(call);
    if (rc != TCL_OK) {
        /* ::mc::main catches every error; one that escapes it is a harness fault: one line,
         * Tcl's stack only when MIRRORCERT_DEBUG asks for it. */
        const char *debug = getenv("MIRRORCERT_DEBUG");
        const char *msg = Tcl_GetStringResult(interp);
        fprintf(stderr, "mirrorcert: internal error: %.*s\n", (int)strcspn(msg, "\n"), msg);
        if (debug != NULL && debug[0] != '\0')
            fprintf(stderr, "%s\n", Tcl_GetVar2(interp, "errorInfo", NULL, TCL_GLOBAL_ONLY));
        status = MC_EXIT_USAGE;
        goto out;
    }
    if (Tcl_GetIntFromObj(interp, Tcl_GetObjResult(interp), &status) != TCL_OK)
        status = MC_EXIT_USAGE;
out:
    Tcl_DeleteInterp(interp);
    return status;
}

int main(int argc, char **argv)
{
    Tcl_FindExecutable(argv[0]);
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return serve(argc - 2, argv + 2);
    if (argc >= 3 && strcmp(argv[1], "initiator") == 0 && strcmp(argv[2], "console") == 0)
        return mc_mcast_console_main(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "initiator") == 0)
        return mc_initiator_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "merge-junit") == 0)
        return merge_junit(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "soak") == 0)
        return mc_vsan_soak_main(argc - 1, argv + 1);
    return harness(argc, argv);
}
