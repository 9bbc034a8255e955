/* vsan_bench's device of another make: `mirrorcert hold --device PROFILE` started with a pipe on
 * its standard input and output (harness/tcl/hold.tcl), its portals read from what it prints, its
 * servers killed and started again by the profile through it, and the device stopped by closing
 * its input, on every exit path (the guard's exit hook does it from a signal handler too). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "vsan_bench.h"

extern char **environ;

#define LINE_MAX_TEXT 1024u
/* Bounds, our choice for a loaded two-core host: the profile's start makes a GlusterFS volume
 * (glusterd, a volume create and start, a FUSE mount: each of its own steps is bounded at 60 s);
 * a command starts a brick and a tgtd again (bounded at 30 s by the profile); the stop ends the
 * tgtds, stops the volume and ends every process of the device. */
#define HOLD_START_TIMEOUT_MS 300000u
#define HOLD_COMMAND_TIMEOUT_MS 120000u
#define HOLD_STOP_TIMEOUT_MS 120000u
#define HOLD_TERM_TIMEOUT_MS 30000u   /* after SIGTERM, which the holder takes as its end of input */
#define REAP_KILL_TIMEOUT_MS 5000u
#define EXEC_FAILED 127
#define FILE_MODE 0644
#define ENV_MAX 512u                  /* environment entries handed on, with margin */
#define PIXIT_NAME "pixit.tcl"
#define LOG_NAME "hold.log"

/* The holder running now, for the exit hook: its pid, its input, and its folder's files. */
static volatile pid_t hold_pid;
static volatile int hold_in = -1;
static char hold_files[2][VB_PATH_MAX], hold_dir[VB_PATH_MAX];
static volatile sig_atomic_t hold_keep_log, hold_skipped;

/* Also run from a signal handler: close, kill, waitpid, unlink, rmdir and the clock only. Returns
 * whether the holder ended with status 0 on its own. */
static bool hold_end(void)
{
    bool clean = false;
    pid_t p = hold_pid;
    if (hold_in >= 0)
        close(hold_in);
    hold_in = -1;
    if (p > 0) {
        int st = 0;
        double end = vb_now() + HOLD_STOP_TIMEOUT_MS / 1000.0;
        pid_t r;
        while ((r = waitpid(p, &st, WNOHANG)) == 0 && vb_now() < end)
            vb_sleep_ms(VB_POLL_MS);
        if (r == p) {
            clean = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        } else if (r == 0) {
            kill(p, SIGTERM);
            if (!vb_reap(p, HOLD_TERM_TIMEOUT_MS)) {
                kill(p, SIGKILL);
                vb_reap(p, REAP_KILL_TIMEOUT_MS);
            }
        }
        hold_pid = 0;
    }
    if (hold_dir[0]) {
        unlink(hold_files[0]);
        if (!hold_keep_log && (clean || hold_skipped)) {  /* a holder that failed keeps its log */
            unlink(hold_files[1]);
            rmdir(hold_dir);
        }
        hold_dir[0] = '\0';
    }
    return clean;
}

static void on_exit_hook(void) { (void)hold_end(); }

/* The last line of the holder's log (its error), into out; "" without one. */
static void log_tail(char *out, size_t cap)
{
    char buf[LINE_MAX_TEXT];
    out[0] = '\0';
    FILE *f = fopen(hold_files[1], "r");
    if (!f)
        return;
    while (fgets(buf, sizeof buf, f)) {
        size_t n = strlen(buf);
        if (buf[0] == '\n' || cap == 0)
            continue;
        n = n < cap - 1 ? n : cap - 1;  /* a longer line is cut */
        memcpy(out, buf, n);
        out[n] = '\0';
    }
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

static int write_pixit(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* The volume the benchmark's offsets need, as the reference servers' (VB_VOLUME). */
    fprintf(f, "# The volume's size in bytes\nvsan-size %llu\n", (unsigned long long)VB_VOLUME);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* One line of the holder's description: member NAME HOST:PORT, target-iqn IQN, lun N. */
static int describe(vb_device *d, const char *line, char *err, size_t errlen)
{
    char key[VB_NAME_MAX] = "", name[VB_NAME_MAX], value[LINE_MAX_TEXT];
    if (sscanf(line, "%31s %1023s", key, value) != 2)
        return 0;  /* ready, or an item without a value */
    if (sscanf(line, "member %31s %1023s", name, value) == 2) {
        struct sockaddr_in a;
        if (d->nmembers >= VB_DEV_MEMBERS || mc_cli_ipv4_port(value, &a) != 0) {
            snprintf(err, errlen, "holder: too many members, or a bad portal: %s", line);
            return -1;
        }
        vb_proc *m = &d->member[d->nmembers];
        memset(m, 0, sizeof *m);
        m->out_fd = -1;
        inet_ntop(AF_INET, &a.sin_addr, m->host, sizeof m->host);
        m->port = ntohs(a.sin_port);
        snprintf(d->name[d->nmembers++], VB_NAME_MAX, "%s", name);
    } else if (strcmp(key, "target-iqn") == 0) {
        snprintf(d->iqn, sizeof d->iqn, "%s", value);
    } else if (strcmp(key, "lun") == 0 && mc_cli_u32(value, 0, UINT32_MAX, &d->lun) != 0) {
        snprintf(err, errlen, "holder: bad LUN: %s", line);
        return -1;
    }
    return 0;
}

static int spawn(vb_device *d, const char *prog, const char *profile, const char *base, char *err, size_t errlen)
{
    char tmpdir[VB_PATH_MAX + sizeof "TMPDIR="];
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", base);
    char *envp[ENV_MAX + 2];
    size_t n = 0;
    for (char **e = environ; *e && n < ENV_MAX; e++)
        if (strncmp(*e, "TMPDIR=", strlen("TMPDIR=")) != 0)
            envp[n++] = *e;
    envp[n++] = tmpdir;  /* the holder's working directory, and so the device's stores, under base */
    envp[n] = NULL;
    char *argv[] = {(char *)prog, "hold", "--device", (char *)profile, "--pixit", hold_files[0], NULL};
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    int logfd = open(hold_files[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, FILE_MODE);
    if (logfd < 0 || pipe(in) != 0 || pipe(out) != 0 || fcntl(in[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(in[1], F_SETFD, FD_CLOEXEC) != 0 || fcntl(out[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(out[1], F_SETFD, FD_CLOEXEC) != 0) {
        snprintf(err, errlen, "%s: %s", hold_files[1], strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        /* No death signal: when the benchmark dies its end of the input pipe closes, and the
         * holder stops the device. Only async-signal-safe calls here. */
        if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 || dup2(logfd, STDERR_FILENO) < 0)
            _exit(EXEC_FAILED);
        execve(prog, argv, envp);
        _exit(EXEC_FAILED);
    }
    d->pid = hold_pid = pid;
    close(in[0]);
    close(out[1]);
    close(logfd);
    d->in_fd = hold_in = in[1];
    d->out_fd = out[0];
    return 0;
fail:
    if (logfd >= 0)
        close(logfd);
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
    }
    return -1;
}

int vb_device_start(vb_device *d, const char *prog, const char *profile, const char *base, char *err,
                    size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->in_fd = d->out_fd = -1;
    int n = snprintf(d->dir, sizeof d->dir, "%s/vsan_bench.%s.XXXXXX", base, profile);
    if (n < 0 || (size_t)n >= sizeof d->dir || !mkdtemp(d->dir)) {
        snprintf(err, errlen, "mkdtemp %s: %s", d->dir, strerror(errno));
        d->dir[0] = '\0';
        return -1;
    }
    if (snprintf(hold_files[0], VB_PATH_MAX, "%s/" PIXIT_NAME, d->dir) >= (int)VB_PATH_MAX ||
        snprintf(hold_files[1], VB_PATH_MAX, "%s/" LOG_NAME, d->dir) >= (int)VB_PATH_MAX) {
        snprintf(err, errlen, "%s: path too long", d->dir);
        rmdir(d->dir);
        d->dir[0] = '\0';
        return -1;
    }
    snprintf(hold_dir, sizeof hold_dir, "%s", d->dir);
    hold_keep_log = hold_skipped = 0;
    vb_proc_on_exit(on_exit_hook);
    if (write_pixit(hold_files[0], err, errlen) != 0 || spawn(d, prog, profile, base, err, errlen) != 0)
        return -1;
    d->lun = VB_LUN;
    char line[LINE_MAX_TEXT];
    for (;;) {
        if (vb_read_line(d->out_fd, line, sizeof line, HOLD_START_TIMEOUT_MS, err, errlen) != 0) {
            char why[VB_ERR_MAX], said[VB_ERR_MAX];
            snprintf(why, sizeof why, "%s", err);
            log_tail(said, sizeof said);
            snprintf(err, errlen, "%s hold --device %s: %s%s%s (its log: %s)", prog, profile, why, said[0] ? ": " : "",
                     said, hold_files[1]);
            return -1;
        }
        if (strncmp(line, "skipped: ", strlen("skipped: ")) == 0) {
            snprintf(err, errlen, "%s", line + strlen("skipped: "));
            hold_skipped = 1;
            return VB_SKIPPED;
        }
        if (strcmp(line, "ready") == 0)
            break;
        if (describe(d, line, err, errlen) != 0)
            return -1;
    }
    if (d->nmembers < VB_SERVERS || d->iqn[0] == '\0' || d->lun != VB_LUN) {
        snprintf(err, errlen,
                 "device %s: %u servers, target \"%s\", LUN %u (the benchmark needs %u servers and LUN %u)",
                 profile, d->nmembers, d->iqn, d->lun, VB_SERVERS, VB_LUN);
        return -1;
    }
    return 0;
}

int vb_device_command(vb_device *d, const char *op, const char *name, char *err, size_t errlen)
{
    char cmd[VB_NAME_MAX * 2u], line[LINE_MAX_TEXT];
    int n = snprintf(cmd, sizeof cmd, "%s %s\n", op, name);
    if (d->pid <= 0 || n < 0 || (size_t)n >= sizeof cmd || write(d->in_fd, cmd, (size_t)n) != n) {
        snprintf(err, errlen, "holder: cannot send \"%s %s\": %s", op, name,
                 d->pid > 0 ? strerror(errno) : "not running");
        return -1;
    }
    if (vb_read_line(d->out_fd, line, sizeof line, HOLD_COMMAND_TIMEOUT_MS, err, errlen) != 0)
        return -1;
    if (strcmp(line, "ok") != 0) {
        snprintf(err, errlen, "holder: %s %s: %s", op, name, line);
        return -1;
    }
    return 0;
}

int vb_device_stop(vb_device *d, bool keep_logs)
{
    if (d->pid <= 0 && d->dir[0] == '\0')
        return 0;
    hold_keep_log = keep_logs;
    bool clean = hold_end();
    vb_proc_on_exit(NULL);
    if (d->out_fd >= 0)
        close(d->out_fd);
    d->out_fd = d->in_fd = -1;
    d->pid = 0;
    d->dir[0] = '\0';
    return clean ? 0 : -1;
}
