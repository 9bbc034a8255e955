/* The loopback virtual SAN of vsan_rig.h. */
#include "vsan_rig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "mod_vsan.h"
#include "tap.h"

#define RIG_STORE_SIZE "1M"
#define RIG_LEASE_MS "600"
#define RIG_READY_MS 10000u          /* a process prints its ready line within this */
#define RIG_STOP_MS 5000u            /* SIGTERM, then SIGKILL after this */
#define RIG_POLL_MS 20u
#define RIG_STATUS_TIMEOUT_MS 2000u
#define RIG_SCRIPT_MAX 4096u
#define RIG_KEEP 16u                 /* results kept at once (rig_eval, rig_get) */
#define RIG_ARGS_MAX 24u
#define NS_PER_MS 1000000l
#define MS_PER_S 1000u

static const char *const node_ip[RIG_NODES + 1] = {"", "127.0.1.1", "127.0.1.2", "127.0.1.3"};

void rig_sleep(unsigned ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / MS_PER_S), .tv_nsec = (long)(ms % MS_PER_S) * NS_PER_MS};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* A copy of s in the next of RIG_KEEP buffers, so several results can be compared at once. */
static const char *keep(const char *s)
{
    static char ring[RIG_KEEP][RIG_SCRIPT_MAX];
    static unsigned next;
    char *b = ring[next++ % RIG_KEEP];
    snprintf(b, RIG_SCRIPT_MAX, "%s", s);
    return b;
}

const char *rig_eval(rig *r, const char *fmt, ...)
{
    char script[RIG_SCRIPT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(script, sizeof script, fmt, ap);
    va_end(ap);
    r->rc = Tcl_Eval(r->interp, script);
    return keep(Tcl_GetStringResult(r->interp));
}

const char *rig_get(rig *r, const char *var, const char *path)
{
    Tcl_Obj *cmd = Tcl_ObjPrintf("if {[dict exists $%s %s]} {dict get $%s %s}", var, path, var, path);
    Tcl_IncrRefCount(cmd);
    r->rc = Tcl_EvalObjEx(r->interp, cmd, 0);
    Tcl_DecrRefCount(cmd);
    return r->rc == TCL_OK ? keep(Tcl_GetStringResult(r->interp)) : "";
}

/* A free TCP port on addr (bound, read and released: the server binds it next). */
static uint16_t free_port(const char *addr)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t l = sizeof a;
    inet_pton(AF_INET, addr, &a.sin_addr);
    uint16_t port = 0;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(s, (struct sockaddr *)&a, &l) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

static pid_t spawn(rig *r, unsigned id, char *const argv[])
{
    char out[RIG_PATH_MAX + 16], err[RIG_PATH_MAX + 16];
    snprintf(out, sizeof out, "%s/out%u", r->dir, id);
    snprintf(err, sizeof err, "%s/err%u", r->dir, id);
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0 || dup2(p[0], STDIN_FILENO) < 0 || dup2(o, STDOUT_FILENO) < 0 || dup2(e, STDERR_FILENO) < 0)
            _exit(127);
        close(p[1]);
        execv(MC_MIRRORCERT_BIN, argv);
        _exit(127);
    }
    close(p[0]);
    if (pid < 0) {
        close(p[1]);
        return -1;
    }
    fcntl(p[1], F_SETFD, FD_CLOEXEC);
    r->in[id] = p[1];
    return pid;
}

/* Waits for the ready line in the process's output file. */
static bool ready(rig *r, unsigned id)
{
    char path[RIG_PATH_MAX + 16], buf[512];
    snprintf(path, sizeof path, "%s/out%u", r->dir, id);
    for (unsigned waited = 0; waited < RIG_READY_MS; waited += RIG_POLL_MS) {
        FILE *f = fopen(path, "r");
        bool ok = f && fgets(buf, sizeof buf, f) && strstr(buf, " ready ");
        if (f)
            fclose(f);
        if (ok)
            return true;
        if (waitpid(r->pid[id], NULL, WNOHANG) == r->pid[id]) {
            r->pid[id] = 0;
            return false;
        }
        rig_sleep(RIG_POLL_MS);
    }
    return false;
}

static void diag_file(const rig *r, const char *name)
{
    char path[RIG_PATH_MAX + 16], line[256];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    FILE *f = fopen(path, "r");
    for (int n = 0; f && n < 20 && fgets(line, sizeof line, f); n++)
        tap_diag("%s: %s", name, strtok(line, "\n") ? line : "");
    if (f)
        fclose(f);
}

static int open_relays(rig *r, uint16_t *via12, uint16_t *via21)
{
    /* r12 listens on server 2's address (server 1's configured address for 2), so the source
     * address server 2 sees, server 1's, is the one it has for 1; and the other way round. */
    rig_eval(r, "vsan relay open -name r12 -listen %s:0 -to %s:%u -from %s", node_ip[2], node_ip[2], r->link[2], node_ip[1]);
    if (r->rc != TCL_OK)
        return -1;
    rig_eval(r, "vsan relay open -name r21 -listen %s:0 -to %s:%u -from %s", node_ip[1], node_ip[1], r->link[1], node_ip[2]);
    if (r->rc != TCL_OK)
        return -1;
    *via12 = (uint16_t)atoi(rig_eval(r, "lindex [split [dict get [vsan relay info r12] listen] :] 1"));
    *via21 = (uint16_t)atoi(rig_eval(r, "lindex [split [dict get [vsan relay info r21] listen] :] 1"));
    return *via12 && *via21 ? 0 : -1;
}

int rig_start(rig *r, const char *capture_path)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/mc-vsan-rig.XXXXXX");
    if (!mkdtemp(r->dir))
        return -1;
    r->interp = Tcl_CreateInterp();
    if (mc_mod_capture_init(r->interp) != TCL_OK || mc_mod_vsan_init(r->interp) != TCL_OK)
        return -1;
    if (capture_path)
        snprintf(r->capture, sizeof r->capture, "%s", capture_path);
    else
        snprintf(r->capture, sizeof r->capture, "%s/link.pcap", r->dir);
    rig_eval(r, "capture open {%s}", r->capture);
    uint16_t portal[RIG_NODES + 1] = {0}, via12 = 0, via21 = 0;
    for (unsigned i = 1; i <= RIG_NODES; i++) {
        r->link[i] = free_port(node_ip[i]);
        portal[i] = i < RIG_NODES ? free_port(node_ip[i]) : 0;
        snprintf(r->portal[i], sizeof r->portal[i], "%s:%u", node_ip[i], portal[i]);
        snprintf(r->store[i], sizeof r->store[i], "%s/store%u", r->dir, i);
    }
    if (r->rc != TCL_OK || open_relays(r, &via12, &via21) != 0) {
        tap_diag("rig: %s", Tcl_GetStringResult(r->interp));
        return -1;
    }
    char a[RIG_NODES + 1][8][64];
    for (unsigned i = 1; i <= RIG_NODES; i++) {
        snprintf(a[i][0], sizeof a[i][0], "%u", i);
        snprintf(a[i][1], sizeof a[i][1], "%s:%u", node_ip[i], r->link[i]);
        snprintf(a[i][2], sizeof a[i][2], "%s:%u", node_ip[i], portal[i]);
        snprintf(a[i][3], sizeof a[i][3], "3=%s:%u", node_ip[3], r->link[3]);
    }
    snprintf(a[1][4], sizeof a[1][4], "2=%s:%u", node_ip[2], via12);   /* through the relays */
    snprintf(a[2][4], sizeof a[2][4], "1=%s:%u", node_ip[1], via21);
    snprintf(a[3][4], sizeof a[3][4], "1=%s:%u", node_ip[1], r->link[1]);
    snprintf(a[3][5], sizeof a[3][5], "2=%s:%u", node_ip[2], r->link[2]);
    for (unsigned i = 1; i < RIG_NODES; i++) {
        char *argv[RIG_ARGS_MAX] = {"mirrorcert", "serve", "vsan-server", "--id", a[i][0], "--store", r->store[i],
                                    "--size", RIG_STORE_SIZE, "--portal", a[i][2], "--link", a[i][1], "--peer",
                                    a[i][4], "--witness", a[i][3], "--lease-ms", RIG_LEASE_MS, NULL};
        r->pid[i] = spawn(r, i, argv);
    }
    char *wargv[RIG_ARGS_MAX] = {"mirrorcert", "serve", "vsan-witness", "--id", a[3][0], "--link", a[3][1],
                                 "--peer", a[3][4], "--peer", a[3][5], "--lease-ms", RIG_LEASE_MS, NULL};
    r->pid[3] = spawn(r, 3, wargv);
    for (unsigned i = 1; i <= RIG_NODES; i++) {
        char name[16];
        if (r->pid[i] > 0 && ready(r, i))
            continue;
        tap_diag("rig: process %u did not get ready", i);
        snprintf(name, sizeof name, "err%u", i);
        diag_file(r, name);
        return -1;
    }
    return 0;
}

bool rig_wait_pair(rig *r, unsigned ms)
{
    for (unsigned waited = 0; waited < ms; waited += RIG_POLL_MS * 5u) {
        bool whole = true;
        for (unsigned i = 1; i < RIG_NODES && whole; i++) {
            rig_eval(r, "set ::rig_st [vsan status %s -target %s -timeout %u]", r->portal[i], RIG_IQN, RIG_STATUS_TIMEOUT_MS);
            whole = r->rc == TCL_OK && strcmp(rig_get(r, "::rig_st", "members"), "1+2") == 0 &&
                    strcmp(rig_get(r, "::rig_st", "syncing"), "none") == 0 &&
                    strcmp(rig_get(r, "::rig_st", "lease"), "yes") == 0;
        }
        if (whole)
            return true;
        rig_sleep(RIG_POLL_MS * 5u);
    }
    return false;
}

void rig_stop(rig *r, bool keep)
{
    for (unsigned i = 1; i <= RIG_NODES; i++)
        if (r->pid[i] > 0)
            kill(r->pid[i], SIGTERM);
    for (unsigned i = 1; i <= RIG_NODES; i++) {
        if (r->pid[i] <= 0)
            continue;
        unsigned waited = 0;
        while (waitpid(r->pid[i], NULL, WNOHANG) == 0) {
            if (waited >= RIG_STOP_MS) {
                kill(r->pid[i], SIGKILL);
                waitpid(r->pid[i], NULL, 0);
                break;
            }
            rig_sleep(RIG_POLL_MS);
            waited += RIG_POLL_MS;
        }
        if (r->in[i] > 0)
            close(r->in[i]);
    }
    if (r->interp)
        Tcl_DeleteInterp(r->interp);   /* relays, clients, the capture */
    r->interp = NULL;
    if (keep || !r->dir[0])
        return;
    const char *names[] = {"out1", "out2", "out3", "err1", "err2", "err3", "link.pcap", "store1", "store2",
                           "store1.meta", "store2.meta"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[RIG_PATH_MAX + 16];
        snprintf(p, sizeof p, "%s/%s", r->dir, names[i]);
        unlink(p);
    }
    rmdir(r->dir);
}
