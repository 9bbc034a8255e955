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
vb_mmm vb_stats(double *v, size_t n);

#endif
