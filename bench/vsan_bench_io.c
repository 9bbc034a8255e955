/* vsan_bench's measurements: the workloads, command latency and throughput through the reference initiator,
 * the link round trip as a TCP ping-pong of encoded link messages, the failover probes and trials. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "link.h"
#include "vsan_bench.h"

#define US_PER_S 1e6
#define MS_PER_S 1000.0
#define MIB (1024.0 * 1024.0)
#define DEPTH_MAX 64u
#define FILL_MUL 131u
#define FILL_ADD 7u
#define PP_SENDER 1u                  /* the ping-pong's frames: server 1 to server 2, term 1 */
#define PP_RECEIVER 2u
#define PP_TERM 1u
#define PP_EPOCH ((uint64_t)PP_TERM << 32)
#define SETTLE_LEASES 2u              /* after the first write, reads go on this many leases */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

vb_mmm vb_stats(double *v, size_t n)
{
    vb_mmm m = {0, 0, 0};
    if (n == 0)
        return m;
    qsort(v, n, sizeof *v, cmp_double);
    m.min = v[0];
    m.max = v[n - 1];
    m.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    return m;
}

vb_mmm vb_mmm_of(const double *v, size_t n)
{
    double tmp[VB_REPEATS_MAX];
    n = n < VB_REPEATS_MAX ? n : VB_REPEATS_MAX;
    memcpy(tmp, v, n * sizeof *v);
    return vb_stats(tmp, n);
}

void vb_cell(char *out, vb_mmm m, int prec)
{
    int n = snprintf(out, VB_CELL, "%.*f/%.*f/%.*f", prec, m.min, prec, m.med, prec, m.max);
    if (n < 0 || n >= (int)VB_CELL)
        snprintf(out, VB_CELL, "(too wide)");
}

const vb_workload vb_wls[VB_NWL] = {
    {"write 4 KiB latency us", true, true, VB_LAT_LEN, 1},
    {"read 4 KiB latency us", false, true, VB_LAT_LEN, 1},
    {"write 64 KiB MiB/s", true, false, 64u * VB_KIB, 1},
    {"write 1 MiB MiB/s", true, false, VB_KIB * VB_KIB, 1},
    {"write 64 KiB MiB/s", true, false, 64u * VB_KIB, VB_DEPTH_HIGH},
    {"write 1 MiB MiB/s", true, false, VB_KIB * VB_KIB, VB_DEPTH_HIGH},
    {"read 64 KiB MiB/s", false, false, 64u * VB_KIB, 1},
    {"read 1 MiB MiB/s", false, false, VB_KIB * VB_KIB, 1},
    {"read 64 KiB MiB/s", false, false, 64u * VB_KIB, VB_DEPTH_HIGH},
    {"read 1 MiB MiB/s", false, false, VB_KIB * VB_KIB, VB_DEPTH_HIGH},
};

static uint8_t *pattern(size_t len)
{
    uint8_t *b = malloc(len ? len : 1);
    for (size_t i = 0; b && i < len; i++)
        b[i] = (uint8_t)(i * FILL_MUL + FILL_ADD);
    return b;
}

static int io(vb_sess *s, bool write, uint64_t off, size_t len, uint8_t *buf, uint64_t deadline, char *err,
              size_t errlen)
{
    uint64_t lba = off / s->block_size;
    uint32_t n = (uint32_t)(len / s->block_size);
    return write ? mc_ini_write(s->ini, VB_LUN, lba, n, s->block_size, buf, deadline, err, errlen)
                 : mc_ini_read(s->ini, VB_LUN, lba, n, s->block_size, buf, deadline, err, errlen);
}

int vb_latency(vb_sess *s, bool write, uint64_t off, size_t len, unsigned count, double *median_us, char *err,
               size_t errlen)
{
    uint8_t *buf = pattern(len);
    double *lat = calloc(count ? count : 1, sizeof *lat);
    int rc = buf && lat ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "out of memory");
    for (unsigned i = 0; rc == 0 && i < count; i++) {
        double t = vb_now();
        rc = io(s, write, off + (uint64_t)i * len, len, buf, mc_ini_deadline(VB_IO_TIMEOUT_MS), err, errlen);
        lat[i] = (vb_now() - t) * US_PER_S;
    }
    if (rc == 0)
        *median_us = vb_stats(lat, count).med;
    free(lat);
    free(buf);
    return rc == 0 ? 0 : -1;
}

/* --- throughput: one thread per session, started together --------------------------------------- */

typedef struct worker {
    vb_sess *s;
    bool write;
    uint64_t off, bytes;
    size_t len;
    pthread_barrier_t *start;
    double done_at;
    int rc;
    char err[VB_ERR_MAX];
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    uint8_t *buf = pattern(w->len);
    w->rc = buf ? 0 : -1;
    pthread_barrier_wait(w->start);
    for (uint64_t done = 0; w->rc == 0 && done < w->bytes; done += w->len)
        w->rc = io(w->s, w->write, w->off + done, w->len, buf, mc_ini_deadline(VB_IO_TIMEOUT_MS), w->err,
                   sizeof w->err);
    w->done_at = vb_now();
    free(buf);
    return NULL;
}

int vb_throughput(vb_sess *s, unsigned depth, bool write, uint64_t off, size_t len, uint64_t total, double *mib_s,
                  char *err, size_t errlen)
{
    if (depth == 0 || depth > DEPTH_MAX || total % ((uint64_t)depth * len) != 0) {
        snprintf(err, errlen, "throughput: %llu bytes do not split into %u sessions of %zu-byte commands",
                 (unsigned long long)total, depth, len);
        return -1;
    }
    worker w[DEPTH_MAX];
    pthread_t th[DEPTH_MAX];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, depth + 1u);
    unsigned started = 0;
    for (unsigned i = 0; i < depth; i++) {
        w[i] = (worker){.s = &s[i], .write = write, .off = off + i * (total / depth), .bytes = total / depth,
                        .len = len, .start = &start};
        if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
            break;
        started++;
    }
    if (started < depth) {
        /* The barrier cannot be passed: nothing was measured; fail without waiting on it. */
        fprintf(stderr, "vsan_bench: cannot start %u threads\n", depth);
        exit(1);  /* the exit handler kills the children */
    }
    pthread_barrier_wait(&start);
    double t0 = vb_now(), last = t0;
    int rc = 0;
    for (unsigned i = 0; i < depth; i++) {
        pthread_join(th[i], NULL);
        if (w[i].rc != 0 && rc == 0) {
            snprintf(err, errlen, "%s", w[i].err[0] ? w[i].err : "out of memory");
            rc = -1;
        }
        if (w[i].done_at > last)
            last = w[i].done_at;
    }
    pthread_barrier_destroy(&start);
    if (rc == 0)
        *mib_s = (double)total / MIB / (last - t0);
    return rc;
}

/* --- the link round trip ------------------------------------------------------------------------ */

struct vb_pingpong {
    int cfd, sfd;                     /* the requester's and the answerer's sockets */
    pthread_t echo;
    bool echo_running;
    mc_vsan_buf req, ans;             /* the encoded WRITE and WRITE_OK */
    uint8_t *rbuf;                    /* the answerer's receive buffer (req.len bytes) */
};

static const mc_vsan_opts pp_opts = {.block_size = 1, .dir = 0};

static int xfer(int fd, uint8_t *p, size_t n, bool send_it)
{
    while (n) {
        ssize_t r = send_it ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;  /* closed, or the socket's timeout passed */
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static bool decodes(const uint8_t *buf, size_t len)
{
    mc_vsan_msg m;
    size_t used = 0;
    return mc_vsan_decode(buf, len, &pp_opts, &m, &used) == MC_VSAN_R_OK && used == len;
}

/* Until the next request's first bytes, or the end of the connection (vb_pingpong_close shuts it
 * down): the workloads between two runs of one ping-pong may take longer than the socket's
 * timeout, which then bounds each request once it began. */
static bool request_arrives(int fd)
{
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int r;
    while ((r = poll(&pf, 1, (int)VB_IO_TIMEOUT_MS)) == 0 || (r < 0 && errno == EINTR)) {
    }
    return r > 0;
}

static void *echo(void *arg)
{
    vb_pingpong *p = arg;
    while (request_arrives(p->sfd) && xfer(p->sfd, p->rbuf, p->req.len, false) == 0 && decodes(p->rbuf, p->req.len) &&
           xfer(p->sfd, p->ans.p, p->ans.len, true) == 0) {
    }
    return NULL;
}

static void timeouts(int fd)
{
    struct timeval tv = {.tv_sec = VB_IO_TIMEOUT_MS / 1000u, .tv_usec = 0};
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  /* as the link connections */
}

static int encode(vb_pingpong *p, size_t len)
{
    uint8_t *data = pattern(len);
    mc_vsan_msg w, ok;
    mc_vsan_msg_init(&w, MC_VSAN_T_WRITE);
    w.h.sender = ok.h.receiver = PP_SENDER;
    w.h.receiver = PP_RECEIVER;
    w.h.seq = w.h.tag = 1;
    w.h.term = PP_TERM;
    mc_vsan_set(&w, MC_VSAN_F_WRITE_EPOCH, PP_EPOCH);
    mc_vsan_set(&w, MC_VSAN_F_WRITE_WSEQ, 1);
    w.data = data;
    w.data_len = len;
    mc_vsan_msg_init(&ok, MC_VSAN_T_WRITE_OK);
    ok.h.sender = PP_RECEIVER;
    ok.h.receiver = PP_SENDER;
    ok.h.seq = ok.h.tag = 1;
    ok.h.term = PP_TERM;
    mc_vsan_set(&ok, MC_VSAN_F_STATUS, MC_VSAN_ST_OK);
    int rc = data && mc_vsan_encode_buf(&w, &pp_opts, &p->req) == MC_VSAN_R_OK &&
                     mc_vsan_encode_buf(&ok, &pp_opts, &p->ans) == MC_VSAN_R_OK
                 ? 0
                 : -1;
    free(data);
    return rc;
}

vb_pingpong *vb_pingpong_open(struct in_addr a, struct in_addr b, size_t len, char *err, size_t errlen)
{
    vb_pingpong *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cfd = p->sfd = -1;
    struct sockaddr_in la = {.sin_family = AF_INET, .sin_addr = a}, lb = {.sin_family = AF_INET, .sin_addr = b};
    socklen_t sl = sizeof lb;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    p->cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = lfd >= 0 && p->cfd >= 0 && bind(lfd, (struct sockaddr *)&lb, sizeof lb) == 0 && listen(lfd, 1) == 0 &&
              getsockname(lfd, (struct sockaddr *)&lb, &sl) == 0 &&
              bind(p->cfd, (struct sockaddr *)&la, sizeof la) == 0 &&
              connect(p->cfd, (struct sockaddr *)&lb, sizeof lb) == 0 &&
              (p->sfd = accept(lfd, NULL, NULL)) >= 0 && fcntl(p->sfd, F_SETFD, FD_CLOEXEC) == 0;
    if (!ok)
        snprintf(err, errlen, "ping-pong sockets: %s", strerror(errno));
    if (lfd >= 0)
        close(lfd);
    if (ok) {
        timeouts(p->cfd);
        timeouts(p->sfd);
        ok = encode(p, len) == 0 && (p->rbuf = malloc(p->req.len)) != NULL;
        if (!ok)
            snprintf(err, errlen, "ping-pong: cannot encode the link messages");
    }
    if (ok && pthread_create(&p->echo, NULL, echo, p) == 0)
        p->echo_running = true;
    else if (ok)
        snprintf(err, errlen, "ping-pong: no thread");
    if (!p->echo_running) {
        vb_pingpong_close(p);
        return NULL;
    }
    return p;
}

int vb_pingpong_run(vb_pingpong *p, unsigned count, double *median_us, char *err, size_t errlen)
{
    double *lat = calloc(count ? count : 1, sizeof *lat);
    uint8_t *abuf = malloc(p->ans.len);
    int rc = lat && abuf ? 0 : -1;
    for (unsigned i = 0; rc == 0 && i < count; i++) {
        double t = vb_now();
        rc = xfer(p->cfd, p->req.p, p->req.len, true) == 0 && xfer(p->cfd, abuf, p->ans.len, false) == 0 &&
                     decodes(abuf, p->ans.len)
                 ? 0
                 : -1;
        lat[i] = (vb_now() - t) * US_PER_S;
    }
    if (rc == 0)
        *median_us = vb_stats(lat, count).med;
    else
        snprintf(err, errlen, "ping-pong failed: %s", strerror(errno));
    free(abuf);
    free(lat);
    return rc;
}

void vb_pingpong_close(vb_pingpong *p)
{
    if (!p)
        return;
    if (p->cfd >= 0)
        shutdown(p->cfd, SHUT_RDWR);  /* the answerer's read ends */
    if (p->echo_running)
        pthread_join(p->echo, NULL);
    if (p->cfd >= 0)
        close(p->cfd);
    if (p->sfd >= 0)
        close(p->sfd);
    mc_vsan_buf_free(&p->req);
    mc_vsan_buf_free(&p->ans);
    free(p->rbuf);
    free(p);
}

/* --- failover probes ------------------------------------------------------------------------------- */

typedef struct probe {
    vb_sess *s;
    bool write;
    uint64_t off;
    double t0, end;
    atomic_bool *stop;
    double first_ok, gap;
    unsigned refused;
    int rc;
    char err[VB_ERR_MAX];
} probe;

static void *probe_loop(void *arg)
{
    probe *p = arg;
    uint8_t *buf = pattern(p->s->block_size);
    double last_ok = 0;
    p->first_ok = -1;
    p->gap = 0;
    p->rc = buf ? 0 : -1;
    while (buf && !atomic_load(p->stop) && vb_now() < p->end) {
        uint64_t left_ms = (uint64_t)((p->end - vb_now()) * MS_PER_S) + 1u;
        int rc = io(p->s, p->write, p->off, p->s->block_size, buf, mc_ini_deadline(left_ms), p->err, sizeof p->err);
        double t = (vb_now() - p->t0) * MS_PER_S;
        if (rc == MC_INI_OK) {
            if (p->first_ok < 0)
                p->first_ok = t;
            if (t - last_ok > p->gap)
                p->gap = t - last_ok;
            last_ok = t;
            if (p->write)
                break;
        } else if (rc == MC_INI_REFUSED) {
            p->refused++;  /* CHECK CONDITION: not serving yet, or a write aborted (§9.1) */
        } else if (rc == MC_INI_TIMEOUT) {
            break;         /* the probe's deadline: it never happened */
        } else {
            p->rc = -1;    /* the session itself failed */
            break;
        }
        vb_sleep_ms(VB_POLL_MS);
    }
    double t_end = (vb_now() - p->t0) * MS_PER_S;
    if (t_end - last_ok > p->gap)
        p->gap = t_end - last_ok;  /* still without a read when the probe ended */
    free(buf);
    return NULL;
}

int vb_failover_probe(vb_sess *reader, vb_sess *writer, uint64_t read_off, uint64_t write_off, double t0,
                      double deadline_s, vb_failover *out, char *err, size_t errlen)
{
    atomic_bool stop_reader = false, stop_writer = false;
    probe r = {.s = reader, .write = false, .off = read_off, .t0 = t0, .end = t0 + deadline_s, .stop = &stop_reader};
    probe w = {.s = writer, .write = true, .off = write_off, .t0 = t0, .end = t0 + deadline_s,
               .stop = &stop_writer};
    pthread_t tr, tw;
    if (pthread_create(&tr, NULL, probe_loop, &r) != 0) {
        snprintf(err, errlen, "no thread");
        return -1;
    }
    if (pthread_create(&tw, NULL, probe_loop, &w) != 0) {
        atomic_store(&stop_reader, true);
        pthread_join(tr, NULL);
        snprintf(err, errlen, "no thread");
        return -1;
    }
    pthread_join(tw, NULL);  /* ends at its first success or at the deadline */
    double settle_end = vb_now() + SETTLE_LEASES * VB_LEASE_MS / MS_PER_S;
    while (vb_now() < settle_end && vb_now() < r.end)
        vb_sleep_ms(VB_POLL_MS);
    atomic_store(&stop_reader, true);
    pthread_join(tr, NULL);
    *out = (vb_failover){.first_read = r.first_ok, .read_gap = r.gap, .first_write = w.first_ok,
                         .refused_reads = r.refused, .refused_writes = w.refused};
    if (r.rc != 0 || w.rc != 0) {
        snprintf(err, errlen, "failover probe session failed: %s", r.rc ? r.err : w.err);
        return -1;
    }
    return 0;
}

int vb_failover_trial(vb_sess *rd, vb_sess *wr, uint64_t read_off, uint64_t write_off, vb_take_down take_down,
                      void *ctx, vb_failover *out, char *err, size_t errlen)
{
    uint8_t *blk = calloc(1, wr->block_size > rd->block_size ? wr->block_size : rd->block_size);
    if (!blk) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Warm: the writer's block written (its write priority held), the reader's read, before the loss. */
    uint64_t dl = mc_ini_deadline(VB_IO_TIMEOUT_MS);
    int rc = io(wr, true, write_off, wr->block_size, blk, dl, err, errlen) == MC_INI_OK &&
                     io(rd, false, read_off, rd->block_size, blk, dl, err, errlen) == MC_INI_OK
                 ? 0
                 : -1;
    free(blk);
    double t0;
    if (rc == 0)
        rc = take_down(ctx, &t0, err, errlen);
    if (rc == 0)
        rc = vb_failover_probe(rd, wr, read_off, write_off, t0, VB_FAILOVER_DEADLINE_S, out, err, errlen);
    return rc;
}

int vb_measure(vb_sess *s, const vb_workload *w, uint64_t off, unsigned lat_ops, uint64_t tput_bytes, double *out,
               char *err, size_t errlen)
{
    if (w->latency)
        return vb_latency(s, w->write, off, w->len, lat_ops, out, err, errlen);
    return vb_throughput(s, w->depth, w->write, off, w->len, tput_bytes, out, err, errlen);
}
