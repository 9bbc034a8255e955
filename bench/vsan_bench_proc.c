/* vsan_bench's processes: `mirrorcert serve` children started from the main thread, their ready
 * lines, kills and reaping on every exit path; sessions to their portals and the vsan status text
 * key (docs/vsan-link.md §9.2). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "vsan_bench.h"

#define PROC_MAX 16u                  /* children alive at once, with margin */
#define READY_LINE_MAX 512u
#define STOP_TIMEOUT_MS 5000u         /* a clean stop before SIGKILL */
#define REAP_TIMEOUT_MS 5000u         /* reaping after SIGKILL */
#define REAP_STEP_MS 1u
#define EXEC_FAILED 127
#define LOG_MODE 0644
#define PORTAL_ANY "127.0.0.1:0"
#define LINK_NET "127.0.66."          /* voter i's link endpoint is LINK_NET i, on a free port */
#define ARG_MAX_COUNT 32u
#define ARG_TEXT 64u
#define STATUS_KEY "X-org.mirrorcert.VsanStatus"
#define STATUS_QUERY STATUS_KEY "=Query"
#define MS_PER_S 1000.0
#define NS_PER_S 1e9
#define NS_PER_MS 1000000L

double vb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_S;
}

void vb_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * NS_PER_MS};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* --- every child, for the exit paths ------------------------------------------------------------ */

static volatile pid_t live[PROC_MAX];

/* Also run from a signal handler: kill, waitpid, clock_gettime and nanosleep only. */
static void kill_all(void)
{
    for (unsigned i = 0; i < PROC_MAX; i++) {
        pid_t p = live[i];
        if (p > 0) {
            kill(p, SIGKILL);
            vb_reap(p, REAP_TIMEOUT_MS);
            live[i] = 0;
        }
    }
}

/* The run directory's files, as full paths made when it was created (stores and their state
 * files first, then the logs), so that every exit path, a signal handler too, can remove them. */
#define RUN_FILES_MAX 16u
static char run_dir[VB_PATH_MAX];
static char run_files[RUN_FILES_MAX][VB_PATH_MAX];
static volatile sig_atomic_t run_nfiles, run_nstores;

static void remove_run(bool keep_logs)
{
    for (sig_atomic_t i = 0; i < run_nfiles; i++)
        if (i < run_nstores || !keep_logs)
            unlink(run_files[i]);
    if (!keep_logs && run_dir[0])
        rmdir(run_dir);
    run_nfiles = run_nstores = 0;
    run_dir[0] = '\0';
}

static void (*volatile exit_hook)(void);

void vb_proc_on_exit(void (*fn)(void)) { exit_hook = fn; }

static void at_exit(void)
{
    void (*fn)(void) = exit_hook;
    exit_hook = NULL;
    if (fn)
        fn();
    kill_all();
    remove_run(false);
}

static void on_fatal_signal(int sig)
{
    at_exit();
    signal(sig, SIG_DFL);
    raise(sig);
}

void vb_proc_guard(void)
{
    atexit(at_exit);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void live_set(pid_t old, pid_t now)
{
    for (unsigned i = 0; i < PROC_MAX; i++)
        if (live[i] == old) {
            live[i] = now;
            return;
        }
}

bool vb_reap(pid_t p, unsigned timeout_ms)
{
    double end = vb_now() + timeout_ms / MS_PER_S;
    do {
        pid_t r = waitpid(p, NULL, WNOHANG);
        if (r == p || (r < 0 && errno == ECHILD))
            return true;
        vb_sleep_ms(REAP_STEP_MS);
    } while (vb_now() < end);
    return false;
}

void vb_proc_stop(vb_proc *p, int sig)
{
    if (p->pid <= 0)
        return;
    kill(p->pid, sig);
    if (!vb_reap(p->pid, sig == SIGKILL ? REAP_TIMEOUT_MS : STOP_TIMEOUT_MS)) {
        kill(p->pid, SIGKILL);
        if (!vb_reap(p->pid, REAP_TIMEOUT_MS))
            fprintf(stderr, "vsan_bench: process %d not reaped after SIGKILL\n", (int)p->pid);
    }
    live_set(p->pid, 0);
    p->pid = 0;
    if (p->out_fd >= 0)
        close(p->out_fd);
    p->out_fd = -1;
}

int vb_read_line(int fd, char *line, size_t cap, unsigned timeout_ms, char *err, size_t errlen)
{
    size_t n = 0;
    double end = vb_now() + timeout_ms / MS_PER_S;
    for (;;) {
        if (n + 1 >= cap) {
            snprintf(err, errlen, "a line longer than %zu bytes", cap - 1);
            return -1;
        }
        int left = (int)((end - vb_now()) * MS_PER_S);
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&pf, 1, left) <= 0) {
            if (left > 0 && errno == EINTR)
                continue;
            snprintf(err, errlen, "no line within %u ms", timeout_ms);
            return -1;
        }
        ssize_t r = read(fd, line + n, 1);  /* one byte: nothing after the line is taken */
        if (r <= 0) {
            snprintf(err, errlen, "output ended");
            return -1;
        }
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    return 0;
}

/* Reads the child's ready line; fills the portal when it names one. */
static int read_ready(vb_proc *p, char *err, size_t errlen)
{
    char line[READY_LINE_MAX];
    if (vb_read_line(p->out_fd, line, sizeof line, VB_START_TIMEOUT_MS, err, errlen) != 0)
        return -1;
    p->ready_at = vb_now();
    if (!strstr(line, " ready")) {
        snprintf(err, errlen, "unexpected first line: %s", line);
        return -1;
    }
    const char *portal = strstr(line, "portal=");
    if (portal) {
        char addr[READY_LINE_MAX];
        snprintf(addr, sizeof addr, "%s", portal + strlen("portal="));
        addr[strcspn(addr, " ")] = '\0';
        struct sockaddr_in a;
        if (mc_cli_ipv4_port(addr, &a) != 0) {
            snprintf(err, errlen, "bad portal in ready line: %s", line);
            return -1;
        }
        inet_ntop(AF_INET, &a.sin_addr, p->host, sizeof p->host);
        p->port = ntohs(a.sin_port);
    }
    return 0;
}

/* Starts argv (argv[0] the program) with stdin /dev/null, stdout a pipe read here and stderr
 * appended to log; returns once its ready line arrived. */
static int proc_start(vb_proc *p, char *const argv[], const char *log, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->out_fd = -1;
    int out[2] = {-1, -1};
    int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, LOG_MODE);
    int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t parent = getpid();
    if (logfd < 0 || nullfd < 0 || pipe(out) != 0 || fcntl(out[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(out[1], F_SETFD, FD_CLOEXEC) != 0) {
        snprintf(err, errlen, "%s: %s", log, strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        /* The child dies with the benchmark however it ends (we fork from the main thread only, which
         * lives to the end). Only async-signal-safe calls here; every descriptor the benchmark opens
         * is close-on-exec, so the program keeps only 0-2. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(EXEC_FAILED);
        if (dup2(nullfd, STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 || dup2(logfd, STDERR_FILENO) < 0)
            _exit(EXEC_FAILED);
        execv(argv[0], argv);
        _exit(EXEC_FAILED);
    }
    p->pid = pid;
    live_set(0, pid);
    close(out[1]);
    close(logfd);
    close(nullfd);
    p->out_fd = out[0];
    if (read_ready(p, err, errlen) != 0) {
        vb_proc_stop(p, SIGKILL);
        return -1;
    }
    return 0;
fail:
    if (logfd >= 0)
        close(logfd);
    if (nullfd >= 0)
        close(nullfd);
    if (out[0] >= 0)
        close(out[0]), close(out[1]);
    return -1;
}

/* --- the cluster ------------------------------------------------------------------------------ */

typedef struct args {
    char *v[ARG_MAX_COUNT + 1];
    char text[ARG_MAX_COUNT][VB_PATH_MAX];
    unsigned n;
} args;

static void arg(args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(args *a, const char *fmt, ...)
{
    if (a->n >= ARG_MAX_COUNT)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->text[a->n], sizeof a->text[a->n], fmt, ap);
    va_end(ap);
    a->v[a->n] = a->text[a->n];
    a->v[++a->n] = NULL;
}

static void addr_text(const struct sockaddr_in *s, char *out, size_t cap)
{
    char h[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &s->sin_addr, h, sizeof h);
    snprintf(out, cap, "%s:%u", h, (unsigned)ntohs(s->sin_port));
}

/* A port free on addr now (the child binds it right after). */
static int free_port(const char *host, struct sockaddr_in *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    inet_pton(AF_INET, host, &out->sin_addr);
    socklen_t len = sizeof *out;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd >= 0 && bind(fd, (struct sockaddr *)out, sizeof *out) == 0 &&
                     getsockname(fd, (struct sockaddr *)out, &len) == 0
                 ? 0
                 : -1;
    if (rc)
        snprintf(err, errlen, "no free port on %s: %s", host, strerror(errno));
    if (fd >= 0)
        close(fd);
    return rc;
}

/* dir/name, or -1 when it does not fit. */
static int path_in(const vb_cluster *c, const char *name, const char *suffix, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s%s", c->dir, name, suffix);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static void peer_args(const vb_cluster *c, args *a, unsigned self)
{
    char t[ARG_TEXT];
    for (unsigned id = 1; id <= VB_WITNESS_ID; id++) {
        if (id == self)
            continue;
        addr_text(&c->link[id], t, sizeof t);
        arg(a, id == VB_WITNESS_ID ? "--witness" : "--peer");
        arg(a, "%u=%s", id, t);
    }
    arg(a, "--lease-ms");
    arg(a, "%u", (unsigned)VB_LEASE_MS);
}

int vb_server_start(vb_cluster *c, unsigned id, bool discard, char *err, size_t errlen)
{
    args a = {.n = 0};
    char t[ARG_TEXT], log[VB_PATH_MAX], name[ARG_TEXT];
    addr_text(&c->link[id], t, sizeof t);
    arg(&a, "%s", c->prog);
    arg(&a, "serve");
    arg(&a, "vsan-server");
    arg(&a, "--id");
    arg(&a, "%u", id);
    arg(&a, "--store");
    arg(&a, "%s", c->store[id]);
    arg(&a, "--size");
    arg(&a, "%llu", (unsigned long long)VB_VOLUME);
    arg(&a, "--portal");
    arg(&a, PORTAL_ANY);
    arg(&a, "--iqn");
    arg(&a, VB_VSAN_IQN);
    arg(&a, "--link");
    arg(&a, "%s", t);
    peer_args(c, &a, id);
    if (discard)
        arg(&a, "--discard-store");
    snprintf(name, sizeof name, "server%u", id);
    if (path_in(c, name, ".log", log, sizeof log) != 0 || proc_start(&c->srv[id], a.v, log, err, errlen) != 0) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, " (server %u, log %s)", id, log);
        return -1;
    }
    return 0;
}

static int witness_start(vb_cluster *c, char *err, size_t errlen)
{
    args a = {.n = 0};
    char t[ARG_TEXT], log[VB_PATH_MAX];
    addr_text(&c->link[VB_WITNESS_ID], t, sizeof t);
    arg(&a, "%s", c->prog);
    arg(&a, "serve");
    arg(&a, "vsan-witness");
    arg(&a, "--id");
    arg(&a, "%u", VB_WITNESS_ID);
    arg(&a, "--link");
    arg(&a, "%s", t);
    peer_args(c, &a, VB_WITNESS_ID);
    return path_in(c, "witness", ".log", log, sizeof log) != 0 ? -1 : proc_start(&c->witness, a.v, log, err, errlen);
}

static int plain_start(vb_cluster *c, char *err, size_t errlen)
{
    args a = {.n = 0};
    char log[VB_PATH_MAX];
    arg(&a, "%s", c->prog);
    arg(&a, "serve");
    arg(&a, "iscsi-target");
    arg(&a, "--portal");
    arg(&a, PORTAL_ANY);
    arg(&a, "--iqn");
    arg(&a, VB_PLAIN_IQN);
    arg(&a, "--lun");
    arg(&a, "%u=%s", VB_LUN, c->plain_store);
    arg(&a, "--size");
    arg(&a, "%llu", (unsigned long long)VB_VOLUME);
    return path_in(c, "plain", ".log", log, sizeof log) != 0 ? -1 : proc_start(&c->plain, a.v, log, err, errlen);
}

/* Makes run_files' paths for c's directory (the names vb_server_start and the servers use). */
static int register_run(const vb_cluster *c)
{
    static const char *const stores[] = {"plain.img", "server1.img", "server1.img.meta", "server1.img.meta.tmp",
                                         "server2.img", "server2.img.meta", "server2.img.meta.tmp"};
    static const char *const logs[] = {"plain.log", "witness.log", "server1.log", "server2.log"};
    _Static_assert(sizeof stores / sizeof stores[0] + sizeof logs / sizeof logs[0] <= RUN_FILES_MAX, "room");
    sig_atomic_t n = 0;
    for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++)
        if (path_in(c, stores[i], "", run_files[n++], VB_PATH_MAX) != 0)
            return -1;
    run_nstores = n;
    for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++)
        if (path_in(c, logs[i], "", run_files[n++], VB_PATH_MAX) != 0)
            return -1;
    snprintf(run_dir, sizeof run_dir, "%s", c->dir);
    run_nfiles = n;
    return 0;
}

int vb_cluster_start(vb_cluster *c, const char *prog, const char *base, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->prog = prog;
    c->srv[1].out_fd = c->srv[2].out_fd = c->witness.out_fd = c->plain.out_fd = -1;
    int n = snprintf(c->dir, sizeof c->dir, "%s/vsan_bench.XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof c->dir || !mkdtemp(c->dir)) {
        snprintf(err, errlen, "mkdtemp %s: %s", c->dir, strerror(errno));
        c->dir[0] = '\0';
        return -1;
    }
    if (register_run(c) != 0) {
        snprintf(err, errlen, "%s: path too long", c->dir);
        return -1;
    }
    if (path_in(c, "plain", ".img", c->plain_store, sizeof c->plain_store) != 0) {
        snprintf(err, errlen, "%s: path too long", c->dir);
        return -1;
    }
    for (unsigned id = 1; id <= VB_WITNESS_ID; id++) {
        char host[INET_ADDRSTRLEN];
        snprintf(host, sizeof host, LINK_NET "%u", id);
        if (free_port(host, &c->link[id], err, errlen) != 0)
            return -1;
        char name[ARG_TEXT];
        snprintf(name, sizeof name, "server%u", id);
        if (id <= VB_SERVERS && path_in(c, name, ".img", c->store[id], sizeof c->store[id]) != 0)
            return -1;
    }
    if (plain_start(c, err, errlen) != 0 || witness_start(c, err, errlen) != 0)
        return -1;
    for (unsigned id = 1; id <= VB_SERVERS; id++)
        if (vb_server_start(c, id, false, err, errlen) != 0)
            return -1;
    unsigned coord;
    return vb_wait_in_sync(c, &coord, VB_HEALTHY_TIMEOUT_MS / MS_PER_S, err, errlen);
}

void vb_cluster_stop(vb_cluster *c, bool keep_logs)
{
    for (unsigned id = 1; id <= VB_SERVERS; id++) {
        if (c->status[id]) {
            vb_sess_close(c->status[id]);
            free(c->status[id]);
            c->status[id] = NULL;
        }
        vb_proc_stop(&c->srv[id], SIGTERM);
    }
    vb_proc_stop(&c->witness, SIGTERM);
    vb_proc_stop(&c->plain, SIGTERM);
    if (c->dir[0] && strcmp(c->dir, run_dir) == 0)
        remove_run(keep_logs);
}

/* --- sessions and status ------------------------------------------------------------------------ */

int vb_sess_open(vb_sess *s, const vb_proc *target, const char *iqn, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    mc_ini_params prm = {.target_name = iqn};
    uint64_t dl = mc_ini_deadline(VB_IO_TIMEOUT_MS);
    s->ini = mc_ini_new(&prm);
    if (!s->ini) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (mc_ini_connect(s->ini, target->host, target->port, dl, err, errlen) != MC_INI_OK ||
        mc_ini_login(s->ini, dl, err, errlen) != MC_INI_OK ||
        mc_ini_read_capacity16(s->ini, VB_LUN, &s->blocks, &s->block_size, dl, err, errlen) != MC_INI_OK) {
        vb_sess_close(s);
        return -1;
    }
    return 0;
}

void vb_sess_close(vb_sess *s)
{
    if (s->ini)
        mc_ini_free(s->ini);
    s->ini = NULL;
}

/* The value of item name in a "name:value,name:value" list; false when absent. */
static bool item(const char *list, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            size_t vl = strcspn(v, ",");
            snprintf(out, cap, "%.*s", (int)vl, v);
            return true;
        }
    }
    return false;
}

/* Looks name up in every value of the key=value\0 answer. */
static bool answer_item(const char *resp, size_t len, const char *name, char *out, size_t cap)
{
    for (size_t off = 0; off < len; off += strlen(resp + off) + 1) {
        const char *eq = strchr(resp + off, '=');
        if (eq && item(eq + 1, name, out, cap))
            return true;
    }
    return false;
}

static int status_parse(const char *resp, size_t len, vb_status *st)
{
    char v[READY_LINE_MAX];
    memset(st, 0, sizeof *st);
    if (!answer_item(resp, len, "id", v, sizeof v))
        return -1;
    st->id = (unsigned)strtoul(v, NULL, 10);
    if (answer_item(resp, len, "coordinator", v, sizeof v))
        st->coordinator = (unsigned)strtoul(v, NULL, 10);
    answer_item(resp, len, "role", st->role, sizeof st->role);
    answer_item(resp, len, "members", st->members, sizeof st->members);
    answer_item(resp, len, "syncing", st->syncing, sizeof st->syncing);
    st->lease = answer_item(resp, len, "lease", v, sizeof v) && strcmp(v, "yes") == 0;
    if (answer_item(resp, len, "resync-bytes", v, sizeof v))
        st->resync_bytes = strtoull(v, NULL, 10);
    return 0;
}

int vb_status_get(vb_cluster *c, unsigned id, vb_status *st, char *err, size_t errlen)
{
    if (c->srv[id].pid <= 0) {
        snprintf(err, errlen, "server %u is not running", id);
        return -1;
    }
    if (!c->status[id]) {
        vb_sess *s = calloc(1, sizeof *s);
        if (!s || vb_sess_open(s, &c->srv[id], VB_VSAN_IQN, err, errlen) != 0) {
            free(s);
            return -1;
        }
        c->status[id] = s;
    }
    static const char query[] = STATUS_QUERY;  /* key=value\0 */
    char *resp = NULL;
    size_t len = 0;
    int rc = mc_ini_text(c->status[id]->ini, query, sizeof query, &resp, &len, mc_ini_deadline(VB_IO_TIMEOUT_MS),
                         err, errlen);
    if (rc == MC_INI_OK && status_parse(resp, len, st) != 0) {
        snprintf(err, errlen, "server %u: no status in the text answer", id);
        rc = MC_INI_ERR;
    }
    free(resp);
    if (rc != MC_INI_OK) {
        vb_sess_close(c->status[id]);
        free(c->status[id]);
        c->status[id] = NULL;  /* reopened at the next call */
        return -1;
    }
    return 0;
}

static bool has_member(const char *members, unsigned id)
{
    char want[ARG_TEXT];
    snprintf(want, sizeof want, "%u", id);
    for (const char *p = members; *p; p += strcspn(p, "+"), p += *p == '+')
        if (strncmp(p, want, strlen(want)) == 0 && (p[strlen(want)] == '+' || p[strlen(want)] == '\0'))
            return true;
    return false;
}

int vb_wait_in_sync(vb_cluster *c, unsigned *coordinator, double timeout_s, char *err, size_t errlen)
{
    double end = vb_now() + timeout_s;
    char last[VB_ERR_MAX] = "no answer yet";
    do {
        vb_status st[VB_SERVERS + 1];
        unsigned coord = 0, ok = 0;
        for (unsigned id = 1; id <= VB_SERVERS; id++) {
            if (vb_status_get(c, id, &st[id], last, sizeof last) != 0)
                break;
            bool full = has_member(st[id].members, 1) && has_member(st[id].members, 2) &&
                        strcmp(st[id].syncing, "none") == 0 && st[id].lease;
            if (strcmp(st[id].role, "coordinator") == 0)
                coord = id;
            ok += full;
        }
        if (ok == VB_SERVERS && coord) {
            *coordinator = coord;
            return 0;
        }
        vb_sleep_ms(VB_POLL_MS);
    } while (vb_now() < end);
    snprintf(err, errlen, "servers not in sync within %.0f s (%s)", timeout_s, last);
    return -1;
}

int vb_wait_left(vb_cluster *c, unsigned coordinator, unsigned gone, double timeout_s, char *err, size_t errlen)
{
    double end = vb_now() + timeout_s;
    char last[VB_ERR_MAX] = "no answer yet";
    do {
        vb_status st;
        if (vb_status_get(c, coordinator, &st, last, sizeof last) == 0 && !has_member(st.members, gone) &&
            strcmp(st.role, "coordinator") == 0)
            return 0;
        vb_sleep_ms(VB_POLL_MS);
    } while (vb_now() < end);
    snprintf(err, errlen, "server %u still in server %u's view after %.0f s (%s)", gone, coordinator, timeout_s, last);
    return -1;
}

void vb_server_kill(vb_cluster *c, unsigned id, double *t0)
{
    *t0 = vb_now();
    vb_proc_stop(&c->srv[id], SIGKILL);
    if (c->status[id]) {
        vb_sess_close(c->status[id]);
        free(c->status[id]);
        c->status[id] = NULL;
    }
}

/* vb_failover_trial's take_down: kill -9 of one server of a cluster. */
typedef struct victim {
    vb_cluster *c;
    unsigned id;
} victim;

static int victim_kill(void *ctx, double *t0, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    victim *v = ctx;
    vb_server_kill(v->c, v->id, t0);
    return 0;
}

int vb_cluster_failover(vb_cluster *c, bool kill_coord, uint64_t write_off, vb_failover *out, char *err,
                        size_t errlen)
{
    unsigned coord;
    if (vb_wait_in_sync(c, &coord, VB_HEALTHY_TIMEOUT_MS / MS_PER_S, err, errlen) != 0)
        return -1;
    victim v = {c, kill_coord ? coord : (coord == 1 ? 2 : 1)};
    unsigned survivor = v.id == 1 ? 2 : 1;
    vb_sess rd, wr;
    memset(&wr, 0, sizeof wr);
    if (vb_sess_open(&rd, &c->srv[survivor], VB_VSAN_IQN, err, errlen) != 0)
        return -1;
    int rc = vb_sess_open(&wr, &c->srv[survivor], VB_VSAN_IQN, err, errlen);
    if (rc == 0)
        rc = vb_failover_trial(&rd, &wr, VB_FAILOVER_READ_OFF, write_off, victim_kill, &v, out, err, errlen);
    vb_sess_close(&rd);
    vb_sess_close(&wr);
    char again[VB_ERR_MAX];
    if (c->srv[v.id].pid <= 0 && vb_server_start(c, v.id, false, rc ? again : err, rc ? sizeof again : errlen) != 0)
        rc = -1;
    return rc;
}
