/* vsan_bench's parts: the processes it starts (vsan_bench_proc.c), the I/O it measures
 * (vsan_bench_io.c) and the sections it prints (vsan_bench.c). */
#ifndef VSAN_BENCH_H
#define VSAN_BENCH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "initiator.h"
#include "vsan.h"

#define VB_ERR_MAX 512u
#define VB_PATH_MAX 4096u
#define VB_SERVERS 2u                 /* servers 1 and 2 mirror; the witness is voter 3 */
#define VB_WITNESS_ID 3u
#define VB_LUN 1u
#define VB_VOLUME (64ull << 20)       /* the volume of every server and of the plain target */
#define VB_REGION MC_VSAN_DEFAULT_REGION
#define VB_LEASE_MS MC_VSAN_DEFAULT_LEASE_MS   /* passed explicitly, printed as the configured lease */
#define VB_POLL_MS 5u                 /* status polls and failover probes: one attempt per period */
#define VB_IO_TIMEOUT_MS 10000u       /* one command (a failover probe uses its own deadline) */
#define VB_START_TIMEOUT_MS 10000u    /* a process's ready line */
#define VB_HEALTHY_TIMEOUT_MS 60000u  /* both servers in the view and nothing syncing (a full resync included) */
#define VB_VSAN_IQN "iqn.2026-11.org.mirrorcert:vsanbench"
#define VB_PLAIN_IQN "iqn.2026-11.org.mirrorcert:vsanbench-plain"
#define VB_REPEATS_MAX 100u
#define VB_KIB 1024u
#define VB_LAT_LEN (4u * VB_KIB)     /* the latency figures' command size */
#define VB_DEPTH_HIGH 4u              /* sessions with one command each */
#define VB_CELL 24u                   /* a printed "min/median/max" cell, with its NUL */
#define VB_LAT_OPS 500u               /* commands per latency figure (their median) */
#define VB_TPUT_BYTES (32ull << 20)   /* bytes per throughput figure, and most per link round-trip figure */
/* Where the failover probes go: the reader reads one region nothing writes; each failover trial's
 * writer writes a region never written before (a write priority held across a resync of its region
 * has been seen refused STALE_EPOCH by the resynced server). */
#define VB_FAILOVER_READ_OFF (VB_VOLUME / 8u * 5u)
#define VB_FAILOVER_POOL (VB_VOLUME / 4u * 3u)
#define VB_FAILOVER_DEADLINE_S 15.0

double vb_now(void);                  /* CLOCK_MONOTONIC seconds */
void vb_sleep_ms(unsigned ms);

/* --- processes (vsan_bench_proc.c) ------------------------------------------------------------ */

typedef struct vb_proc {
    pid_t pid;                        /* 0: not running */
    int out_fd;                       /* the child's stdout, kept open until it is reaped */
    char host[INET_ADDRSTRLEN];       /* the portal of its ready line ("" for the witness) */
    uint16_t port;
    double ready_at;                  /* vb_now() when its ready line arrived */
} vb_proc;

/* Kills (SIGKILL) and reaps every child still running when the program exits or is signalled. */
void vb_proc_guard(void);
/* Sends sig (SIGKILL: the outage; SIGTERM: a clean stop, SIGKILL after a deadline) and reaps. */
void vb_proc_stop(vb_proc *p, int sig);
/* Reaps child p within timeout_ms (also from a signal handler); false when it still runs. */
bool vb_reap(pid_t p, unsigned timeout_ms);
/* fn runs first on every exit path the guard covers (exit, SIGINT, SIGTERM, SIGHUP): async-signal-safe
 * calls only. One at a time; NULL removes it. */
void vb_proc_on_exit(void (*fn)(void));
/* One line of fd (without its newline) within timeout_ms, read a byte at a time so that nothing after
 * it is taken; -1 with a message at its end, on a line longer than cap - 1 or at the deadline. */
int vb_read_line(int fd, char *line, size_t cap, unsigned timeout_ms, char *err, size_t errlen);

/* A plain reference target and a vsan pair with its witness, every store in dir. */
typedef struct vb_cluster {
    const char *prog;                 /* the mirrorcert program */
    char dir[VB_PATH_MAX];
    char store[VB_SERVERS + 1][VB_PATH_MAX];   /* by server ID */
    char plain_store[VB_PATH_MAX];
    struct sockaddr_in link[VB_WITNESS_ID + 1];  /* by voter ID */
    vb_proc srv[VB_SERVERS + 1];
    vb_proc witness, plain;
    struct vb_sess *status[VB_SERVERS + 1];     /* status sessions, opened when needed */
} vb_cluster;

/* Creates a run directory under base, starts the four processes and waits until the pair is in
 * sync. -1 with a message (whatever started is stopped by vb_cluster_stop). */
int vb_cluster_start(vb_cluster *c, const char *prog, const char *base, char *err, size_t errlen);
/* (Re)starts server id on its store; discard: as a new server (--discard-store). */
int vb_server_start(vb_cluster *c, unsigned id, bool discard, char *err, size_t errlen);
/* kill -9 of server id (its status session is dropped); *t0 is when the signal went. */
void vb_server_kill(vb_cluster *c, unsigned id, double *t0);
/* Stops every process and removes the run directory (keep_logs: all but its logs). */
void vb_cluster_stop(vb_cluster *c, bool keep_logs);

/* --- sessions and status (vsan_bench_proc.c) -------------------------------------------------- */

typedef struct vb_sess {
    mc_ini *ini;
    uint32_t block_size;
    uint64_t blocks;
} vb_sess;

int vb_sess_open(vb_sess *s, const vb_proc *target, const char *iqn, char *err, size_t errlen);
void vb_sess_close(vb_sess *s);

/* docs/vsan-link.md §9.2, the items the benchmark uses. */
typedef struct vb_status {
    unsigned id, coordinator;
    char role[16], members[32], syncing[32];
    bool lease;
    uint64_t resync_bytes;
} vb_status;

/* Asks server id (its status session is opened, and reopened after a failure). */
int vb_status_get(vb_cluster *c, unsigned id, vb_status *st, char *err, size_t errlen);
/* Waits until both servers are in the view, nothing syncs and the member holds its lease;
 * *coordinator is the coordinator's ID. */
int vb_wait_in_sync(vb_cluster *c, unsigned *coordinator, double timeout_s, char *err, size_t errlen);
/* Waits until the coordinator's view no longer holds server gone. */
int vb_wait_left(vb_cluster *c, unsigned coordinator, unsigned gone, double timeout_s, char *err, size_t errlen);

/* --- the I/O measured (vsan_bench_io.c) -------------------------------------------------------- */

/* The median latency (microseconds) of count commands of len bytes each, one at a time, at
 * consecutive offsets from off. */
int vb_latency(vb_sess *s, bool write, uint64_t off, size_t len, unsigned count, double *median_us, char *err,
               size_t errlen);
/* MiB/s of total bytes in commands of len bytes, spread over depth sessions (each its own slice,
 * one command in flight per session) starting together. */
int vb_throughput(vb_sess *s, unsigned depth, bool write, uint64_t off, size_t len, uint64_t total, double *mib_s,
                  char *err, size_t errlen);

/* A TCP ping-pong between sockets bound to two link addresses: one encoded link WRITE of len
 * data bytes, answered by an encoded WRITE_OK, each decoded (CRCs checked) by its receiver. */
typedef struct vb_pingpong vb_pingpong;
vb_pingpong *vb_pingpong_open(struct in_addr a, struct in_addr b, size_t len, char *err, size_t errlen);
int vb_pingpong_run(vb_pingpong *p, unsigned count, double *median_us, char *err, size_t errlen);
void vb_pingpong_close(vb_pingpong *p);

/* Failover: from t0 (the kill) a reader (at read_off) and a writer (at write_off), each on its own
 * session to a survivor, send one block-sized command every VB_POLL_MS; the writer stops at its
 * first success, the reader SETTLE_LEASES leases later, both at deadline_s after t0 at the latest.
 * Times in ms from t0; negative when it never happened. */
typedef struct vb_failover {
    double first_read, first_write;
    double read_gap;                  /* the longest time without a read completing, from the kill to the end */
    unsigned refused_reads, refused_writes;   /* CHECK CONDITION answers (not ready, aborted) */
} vb_failover;
int vb_failover_probe(vb_sess *reader, vb_sess *writer, uint64_t read_off, uint64_t write_off, double t0,
                      double deadline_s, vb_failover *out, char *err, size_t errlen);

/* min / median / max of n values (sorts v). */
typedef struct vb_mmm {
    double min, med, max;
} vb_mmm;
/* The name of the filesystem holding dir (its magic number when unknown, into buf); NULL when
 * statfs fails (vsan_bench.c). */
const char *vb_fs_name(const char *dir, char *buf, size_t cap);
/* The load averages and CPUs online, "load average WHEN: ..." (vsan_bench.c). */
void vb_print_load(const char *when);
vb_mmm vb_stats(double *v, size_t n);
/* The same of n <= VB_REPEATS_MAX values, the input left in place. */
vb_mmm vb_mmm_of(const double *v, size_t n);
/* "min/median/max" with prec decimals into out[VB_CELL]. */
void vb_cell(char *out, vb_mmm m, int prec);

/* The workloads of the latency and throughput figures, and one measurement of one of them: lat_ops
 * commands one at a time (their median latency, us), or tput_bytes over its depth sessions s[0..]
 * (MiB/s), from offset off. */
typedef struct vb_workload {
    const char *what;
    bool write, latency;
    size_t len;
    unsigned depth;
} vb_workload;
#define VB_NWL 10u
extern const vb_workload vb_wls[VB_NWL];
int vb_measure(vb_sess *s, const vb_workload *w, uint64_t off, unsigned lat_ops, uint64_t tput_bytes, double *out,
               char *err, size_t errlen);

/* One failover trial on sessions rd and wr to the server that survives: wr writes its block at
 * write_off and rd reads read_off (before the loss, so both are warm), then take_down(ctx, &t0, ..)
 * takes the other server down (t0: when it went) and vb_failover_probe runs from t0. */
typedef int (*vb_take_down)(void *ctx, double *t0, char *err, size_t errlen);
int vb_failover_trial(vb_sess *rd, vb_sess *wr, uint64_t read_off, uint64_t write_off, vb_take_down take_down,
                      void *ctx, vb_failover *out, char *err, size_t errlen);
/* One failover trial (vb_failover_trial) once the pair is in sync: kill -9 of the coordinator
 * (kill_coord) or of the other member, read and written through the survivor, whose writer writes
 * the block at write_off; the server killed is started again. */
int vb_cluster_failover(vb_cluster *c, bool kill_coord, uint64_t write_off, vb_failover *out, char *err,
                        size_t errlen);

/* --- a device started through its profile (vsan_bench_dev.c) ------------------------------------- */

#define VB_DEV_MEMBERS 3u             /* servers of a device held up: a pair, or a trio */
#define VB_NAME_MAX 32u
#define VB_SKIPPED 77                 /* the device cannot run here: ctest's SKIP_RETURN_CODE */

/* `mirrorcert hold --device PROFILE`: the device's servers, their portals and the holder. */
typedef struct vb_device {
    pid_t pid;                        /* the holder; 0: not running */
    int in_fd, out_fd;                /* its standard input (closed: the device stops) and output */
    char dir[VB_PATH_MAX];            /* its PIXIT file and log */
    unsigned nmembers;
    char name[VB_DEV_MEMBERS][VB_NAME_MAX];
    vb_proc member[VB_DEV_MEMBERS];   /* host and port of each server's portal */
    char iqn[VB_PATH_MAX];
    unsigned lun;
} vb_device;

/* Starts `prog hold --device profile` with its working directory under base (a PIXIT file gives
 * it a volume of VB_VOLUME bytes) and reads its portals. 0; VB_SKIPPED with the holder's reason in
 * err (nothing runs); -1 with a message (what started is stopped by vb_device_stop). */
int vb_device_start(vb_device *d, const char *prog, const char *profile, const char *base, char *err,
                    size_t errlen);
/* "kill NAME" or "start NAME" through the device's profile; -1 with its answer. */
int vb_device_command(vb_device *d, const char *op, const char *name, char *err, size_t errlen);
/* Closes the holder's input (the profile stops the device) and reaps it (SIGTERM, then SIGKILL past
 * the deadline); removes its folder (keep_logs: all but its log). 0 when it ended with status 0. */
int vb_device_stop(vb_device *d, bool keep_logs);

/* --- the reference pair beside a device of another make (vsan_bench_peer.c) ---------------------- */

#define VB_BRIEF_LAT_OPS 50u          /* --brief: enough commands for a median, a figure in a second or so */
#define VB_BRIEF_TPUT_BYTES (4ull << 20)
/* vsan_bench --peer PROFILE: the exit status (0, 1, VB_SKIPPED). brief: fewer commands a figure. */
int vb_peer_run(const char *prog, const char *profile, const char *dir, unsigned repeats, bool brief);

#endif
