/* The target's event loop: one thread, poll(2), non-blocking sockets, one buffer pair per
 * connection. A peer's mistake costs that connection at most, never the loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <stdatomic.h>
#include <unistd.h>

#include "target_int.h"

#define LISTEN_BACKLOG 64
#define SIZE_UNIT 512u  /* LU block size, and the granule LU sizes are rounded down to */
#define SPARE_FD_PATH "/dev/null"  /* any file: the descriptor is only held, never used */

uint64_t tgt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One log line: "iscsi-target: " WHO MESSAGE, WHO naming the connection or empty. */
static void target_vlog(const mc_target *t, int level, const char *who, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static void target_vlog(const mc_target *t, int level, const char *who, const char *fmt, va_list ap)
{
    if (level > t->log_level)
        return;
    FILE *out = t->log ? t->log : stderr;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    fprintf(out, "iscsi-target: %s%s\n", who, msg);
    fflush(out);
}

void tgt_vlog(const tgt_conn *c, int level, const char *fmt, va_list ap)
{
    char who[128];
    snprintf(who, sizeof(who), "tsih=%u conn=%u %s: ", c->sess ? c->sess->tsih : 0u, (unsigned)c->id, c->peer);
    target_vlog(c->t, level, who, fmt, ap);
}

void tgt_log(const tgt_conn *c, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tgt_vlog(c, level, fmt, ap);
    va_end(ap);
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int open_luns(mc_target *t, const mc_target_config *cfg, char *err, size_t errlen)
{
    t->luns = mc_lun_set_new();
    if (!t->luns) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint64_t size = cfg->lun_size ? cfg->lun_size : TGT_DEFAULT_LUN_SIZE;
    size -= size % SIZE_UNIT;
    if (cfg->nluns > MC_TARGET_MAX_LUNS) {
        snprintf(err, errlen, "at most %u LUNs", MC_TARGET_MAX_LUNS);
        return -1;
    }
    for (size_t i = 0; i < cfg->nluns; i++) {
        const mc_target_lun_spec *ls = &cfg->luns[i];
        char serial[32];
        snprintf(serial, sizeof(serial), "MCT%05u%03u", (unsigned)(t->port), (unsigned)ls->lun);
        mc_lun *lu = NULL;
        char lerr[256];
        mc_store *store = mc_store_ref(ls->store);  /* NULL without one */
        if (!store && mc_store_open_spec(ls->path ? ls->path : MC_STORE_SPEC_MEM, size, &store,
                                         lerr, sizeof(lerr)) != 0) {
            snprintf(err, errlen, "LUN %u: %s", (unsigned)ls->lun, lerr);
            return -1;
        }
        mc_lun_config lc = {
            .store = store,
            .size = ls->store ? 0 : size,
            .block_size = SIZE_UNIT,
            .vendor = "MIRRORC",
            .product = ls->product ? ls->product : "REFERENCE TARGET",
            .revision = "0001",
            .serial = ls->serial ? ls->serial : serial,
            .naa_id = ls->naa_id ? ls->naa_id
                                 : ((uint64_t)(uint32_t)getpid() << 24) ^ ((uint64_t)t->port << 8) ^ ls->lun,
        };
        if (mc_lun_open(&lu, &lc, lerr, sizeof(lerr)) != 0) {
            mc_store_close(store);  /* a refused LU leaves its store with us */
            snprintf(err, errlen, "LUN %u: %s", (unsigned)ls->lun, lerr);
            return -1;
        }
        if (mc_lun_set_add(t->luns, ls->lun, lu) != 0) {
            mc_lun_close(lu);
            snprintf(err, errlen, "LUN %u given twice", (unsigned)ls->lun);
            return -1;
        }
        t->lun_ids[t->nluns++] = ls->lun;
    }
    return 0;
}

static int open_listener(mc_target *t, char *err, size_t errlen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(t->port)};
    if (inet_pton(AF_INET, t->host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "portal address %s is not a numeric IPv4 address", t->host);
        return -1;
    }
    t->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (t->listen_fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(t->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(t->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(t->listen_fd, LISTEN_BACKLOG) != 0 || set_nonblock(t->listen_fd) != 0) {
        snprintf(err, errlen, "listen on %s:%u: %s", t->host, (unsigned)t->port, strerror(errno));
        return -1;
    }
    socklen_t sl = sizeof(sa);
    if (getsockname(t->listen_fd, (struct sockaddr *)&sa, &sl) != 0) {
        snprintf(err, errlen, "getsockname: %s", strerror(errno));
        return -1;
    }
    t->port = ntohs(sa.sin_port);
    if (pipe(t->wake) != 0 || set_nonblock(t->wake[0]) != 0 || set_nonblock(t->wake[1]) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int mc_target_new(mc_target **out, const mc_target_config *cfg, char *err, size_t errlen)
{
    *out = NULL;
    if (!cfg->iqn || !*cfg->iqn) {
        snprintf(err, errlen, "a target name (IQN) is required");
        return -1;
    }
    if ((cfg->chap_user == NULL) != (cfg->chap_secret == NULL) ||
        (cfg->chap_mutual_user == NULL) != (cfg->chap_mutual_secret == NULL)) {
        snprintf(err, errlen, "CHAP needs both a user and a secret");
        return -1;
    }
    if (cfg->chap_mutual_user && !cfg->chap_user) {
        snprintf(err, errlen, "mutual CHAP needs the initiator's CHAP credentials too");
        return -1;
    }
    mc_target *t = calloc(1, sizeof(*t));
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->listen_fd = t->wake[0] = t->wake[1] = -1;
    t->spare_fd = open(SPARE_FD_PATH, O_RDONLY | O_CLOEXEC);  /* -1: accept backs off instead */
    t->host = strdup(cfg->host ? cfg->host : "127.0.0.1");
    t->iqn = strdup(cfg->iqn);
    t->chap_user = dup_or_null(cfg->chap_user);
    t->chap_secret = dup_or_null(cfg->chap_secret);
    t->chap_mutual_user = dup_or_null(cfg->chap_mutual_user);
    t->chap_mutual_secret = dup_or_null(cfg->chap_mutual_secret);
    t->port = cfg->port;
    /* the core table first; a name it does not know waits for a hook module's table */
    t->mutant = mc_mutant_lookup(mc_target_mutants, mc_target_nmutants, cfg->mutant);
    if (t->mutant < 0) {
        t->mutant = MC_MUTANT_NONE;
        t->pending_mutant = strdup(cfg->mutant);
        if (!t->pending_mutant) {
            snprintf(err, errlen, "out of memory");
            mc_target_free(t);
            return -1;
        }
    }
    t->log_level = cfg->log_level;
    t->login_timeout_ms = cfg->login_timeout_ms ? cfg->login_timeout_ms : TGT_LOGIN_TIMEOUT_MS;
    t->nop_interval_ms = cfg->nop_interval_ms;
    t->pdu_timeout_ms = cfg->pdu_timeout_ms ? cfg->pdu_timeout_ms : TGT_PDU_TIMEOUT_MS;
    t->data_out_timeout_ms = cfg->data_out_timeout_ms ? cfg->data_out_timeout_ms : TGT_DATA_OUT_TIMEOUT_MS;
    t->log = cfg->log;
    t->next_tsih = 1;
    if (!t->host || !t->iqn || (cfg->chap_user && (!t->chap_user || !t->chap_secret)) ||
        (cfg->chap_mutual_user && (!t->chap_mutual_user || !t->chap_mutual_secret))) {
        snprintf(err, errlen, "out of memory");
        mc_target_free(t);
        return -1;
    }
    if (open_listener(t, err, errlen) != 0 || open_luns(t, cfg, err, errlen) != 0) {
        mc_target_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

uint16_t mc_target_port(const mc_target *t)
{
    return t->port;
}

size_t mc_target_session_count(const mc_target *t)
{
    size_t n = 0;
    for (const tgt_session *s = t->sessions; s; s = s->next)
        n++;
    return n;
}

size_t mc_target_conn_count(const mc_target *t)
{
    size_t n = 0;
    for (const tgt_conn *c = t->conns; c; c = c->next)
        n++;
    return n;
}

void mc_target_stop(mc_target *t)
{
    atomic_store(&t->stop_requested, true);
    char b = 1;
    ssize_t r = write(t->wake[1], &b, 1);
    (void)r;
}

static void conn_free(tgt_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    tgt_login_free(c->login);
    free(c->rbuf);
    free(c->wbuf);
    free(c->text_req);
    free(c->text_rsp);
    for (size_t i = 0; i < c->nkept; i++)
        mc_pdu_free(&c->kept[i].pdu);
    free(c);
}

/* A session ends: the hook modules hear of it while its tasks are still there, then it is
 * unlinked and freed (TAKEN tasks cancelled with their module first). */
static void session_end(mc_target *t, tgt_session *s)
{
    s->conn = NULL;
    tgt_hooks_session_end(t, s);
    for (tgt_session **sp = &t->sessions; *sp; sp = &(*sp)->next)
        if (*sp == s) {
            *sp = s->next;
            break;
        }
    tgt_session_free(s);
}

/* Unlinks dead connections; a session dies with its (only) connection. */
static void reap(mc_target *t)
{
    tgt_conn **pp = &t->conns;
    while (*pp) {
        tgt_conn *c = *pp;
        if (!c->dead) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        if (c->sess)
            session_end(t, c->sess);
        conn_free(c);
    }
}

void mc_target_free(mc_target *t)
{
    if (!t)
        return;
    for (tgt_conn *c = t->conns; c; c = c->next)
        c->dead = true;
    reap(t);
    while (t->sessions)  /* sessions without a connection (none expected) */
        session_end(t, t->sessions);
    tgt_hooks_free(t);
    free(t->pending_mutant);
    if (t->luns)
        mc_lun_set_free(t->luns);
    if (t->listen_fd >= 0)
        close(t->listen_fd);
    if (t->spare_fd >= 0)
        close(t->spare_fd);
    if (t->wake[0] >= 0)
        close(t->wake[0]);
    if (t->wake[1] >= 0)
        close(t->wake[1]);
    free(t->host);
    free(t->iqn);
    free(t->chap_user);
    free(t->chap_secret);
    free(t->chap_mutual_user);
    free(t->chap_mutual_secret);
    free(t);
}

static void target_log(const mc_target *t, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void target_log(const mc_target *t, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    target_vlog(t, level, "", fmt, ap);
    va_end(ap);
}

/* accept() found no descriptor (EMFILE, ENFILE). The spare descriptor makes room to accept the
 * newcomer and close it at once, so it hears a refusal instead of waiting for a timeout and the
 * listening socket stops being readable; without a spare, accept pauses for
 * TGT_ACCEPT_BACKOFF_MS. Either way the loop does not spin, and the shortage is logged once. */
static bool accept_no_fd(mc_target *t, int err)
{
    if (!t->accept_emfile_logged)
        target_log(t, 0, "accept: %s (descriptor limit reached; new connections refused until "
                   "descriptors are free)", strerror(err));
    t->accept_emfile_logged = true;
    if (t->spare_fd >= 0) {
        close(t->spare_fd);
        int fd = accept(t->listen_fd, NULL, NULL);
        if (fd >= 0)
            close(fd);
        t->spare_fd = open(SPARE_FD_PATH, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && t->spare_fd >= 0)
            return true;  /* shed one; there may be more */
    }
    t->accept_resume_ms = tgt_now_ms() + TGT_ACCEPT_BACKOFF_MS;
    return false;
}

/* A connection on a connected socket, in the login phase; NULL (fd left open) when out of memory
 * or over the connection bound. */
static tgt_conn *conn_new(mc_target *t, int fd, const char *peer)
{
    if (mc_target_conn_count(t) >= TGT_CONNS_MAX)
        return NULL;  /* bounded: a connection flood costs the newcomers, not the sessions */
    tgt_conn *c = calloc(1, sizeof(*c));
    if (!c || set_nonblock(fd) != 0) {
        free(c);
        return NULL;
    }
    c->t = t;
    c->fd = fd;
    c->id = ++t->next_conn_id;
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    c->phase = PHASE_LOGIN;
    c->login_deadline_ms = tgt_now_ms() + t->login_timeout_ms;
    c->next = t->conns;
    t->conns = c;
    tgt_log(c, 1, "connection accepted");
    return c;
}

int mc_target_adopt(mc_target *t, int fd, const char *peer)
{
    if (!conn_new(t, fd, peer ? peer : "?")) {
        close(fd);
        return -1;
    }
    return 0;
}

static void accept_all(mc_target *t)
{
    for (;;) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);
        int fd = accept(t->listen_fd, (struct sockaddr *)&sa, &sl);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
            if (accept_no_fd(t, errno))
                continue;
            return;
        }
        if (fd < 0)
            return;  /* EAGAIN, or a transient failure: poll again */
        if (t->spare_fd < 0)
            t->spare_fd = open(SPARE_FD_PATH, O_RDONLY | O_CLOEXEC);
        if (t->accept_emfile_logged)
            target_log(t, 0, "accept: descriptors available again");
        t->accept_emfile_logged = false;
        if (mc_target_conn_count(t) >= TGT_CONNS_MAX) {
            /* bounded: a connection flood costs the newcomers, not the sessions */
            target_log(t, 1, "connection refused: %u connections open (TGT_CONNS_MAX)", TGT_CONNS_MAX);
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        char addr[INET_ADDRSTRLEN] = "?", peer[sizeof(((tgt_conn *)0)->peer)];
        inet_ntop(AF_INET, &sa.sin_addr, addr, sizeof(addr));
        snprintf(peer, sizeof(peer), "%s:%u", addr, (unsigned)ntohs(sa.sin_port));
        if (!conn_new(t, fd, peer))
            close(fd);
    }
}

void tgt_conn_close(tgt_conn *c, const char *why)
{
    if (!c->dead)
        tgt_log(c, 1, "closing connection: %s", why);
    c->dead = true;
}

static mc_dec_limits conn_limits(const tgt_conn *c)
{
    mc_dec_limits lim = {.max_data = TGT_LOGIN_DATA_MAX};
    if (c->phase == PHASE_FFP && c->sess) {
        lim.max_data = c->sess->p.mrdsl_in;
        lim.header_digest = c->sess->p.header_digest;
        lim.data_digest = c->sess->p.data_digest;
    }
    return lim;
}

static void dispatch(tgt_conn *c, mc_pdu *p, mc_dec_status st)
{
    if (st == MC_DEC_DATA_DIGEST) {
        /* 7.8 / 11.17.1: the header is good, the data is not; reject it, and for Data-Out
         * account for the hole so ErrorRecoveryLevel 1 can ask for it again. */
        tgt_log(c, 0, "data digest error on %s ITT 0x%08x",
                mc_opcode_name(mc_pdu_opcode(p)) ? mc_opcode_name(mc_pdu_opcode(p)) : "PDU",
                (unsigned)mc_pdu_get(p, MC_F_ITT));
        tgt_reject(c, p->bhs, MC_REJ_DATA_DIGEST);
        if (c->phase == PHASE_FFP && mc_pdu_opcode(p) == MC_OP_DATA_OUT)
            tgt_data_out(c, p, true);
        return;
    }
    if (c->phase == PHASE_LOGIN)
        tgt_login_pdu(c, p);
    else
        tgt_conn_ffp(c, p);
}

/* Decodes and handles the complete PDUs in the read buffer, each only while the output bound
 * (TGT_WBUF_HIGH) is not reached: past it the rest waits, unread, until the peer reads its
 * answers (c->paused). Returns whether a PDU was taken off the buffer. */
static bool consume(tgt_conn *c)
{
    size_t off = 0;
    while (!c->dead && !c->closing && c->rlen - off >= MC_BHS_LEN) {
        if (tgt_output_full(c)) {
            if (!c->paused)
                tgt_log(c, 1, "%zu bytes of output queued (bound TGT_WBUF_HIGH %u): PDUs held until "
                        "the peer reads", c->wlen - c->woff, TGT_WBUF_HIGH);
            c->paused = true;
            break;
        }
        mc_dec_limits lim = conn_limits(c);
        mc_pdu p;
        memset(&p, 0, sizeof(p));
        size_t used = 0;
        char err[160] = "";
        mc_dec_status st = mc_pdu_decode(c->rbuf + off, c->rlen - off, &lim, &p, &used, err, sizeof(err));
        if (st == MC_DEC_MORE) {
            size_t need = used > c->rlen - off ? used : c->rlen - off + 1;
            if (need > c->rcap) {
                uint8_t *nb = realloc(c->rbuf, need);
                if (!nb) {
                    tgt_conn_close(c, "out of memory for a PDU");
                    break;
                }
                c->rbuf = nb;
                c->rcap = need;
            }
            break;
        }
        if (st == MC_DEC_TOO_LONG) {
            /* 11.17.1 / 7.9: a data segment above our MaxRecvDataSegmentLength is a protocol
             * error; the stream can no longer be trusted, so the connection ends. */
            tgt_log(c, 0, "DataSegmentLength above MaxRecvDataSegmentLength %u: %s",
                    (unsigned)lim.max_data, err);
            tgt_reject(c, c->rbuf + off, MC_REJ_PROTOCOL_ERROR);
            c->closing = true;
            break;
        }
        if (st == MC_DEC_HEADER_DIGEST) {
            /* 7.8: discard the PDU. Without a sync layer the length is untrusted, so at
             * ErrorRecoveryLevel 0 the connection ends; at 1 the header's length is used. */
            bool erl1 = c->phase == PHASE_FFP && c->sess && c->sess->p.erl >= 1;
            tgt_log(c, 0, "header digest error (%s)", erl1 ? "PDU discarded" : "connection closed");
            if (!erl1 || used == 0 || used > c->rlen - off) {
                tgt_conn_close(c, "header digest error");
                break;
            }
            off += used;
            continue;
        }
        if (st != MC_DEC_OK && st != MC_DEC_DATA_DIGEST) {
            tgt_log(c, 0, "undecodable PDU: %s", err);
            tgt_conn_close(c, "undecodable PDU");
            break;
        }
        off += used;
        dispatch(c, &p, st);
        mc_pdu_free(&p);
    }
    if (off > 0) {
        memmove(c->rbuf, c->rbuf + off, c->rlen - off);
        c->rlen -= off;
    }
    if (c->rlen == 0 && c->rcap > TGT_RBUF_KEEP) {  /* a long PDU's room is not kept */
        free(c->rbuf);
        c->rbuf = NULL;
        c->rcap = 0;
    }
    return off > 0;
}

/* Consumes what it may, then times the unfinished PDU left in the read buffer: its deadline
 * starts when it began, which is now when a PDU ended in this read (the peer is making
 * progress), and does not run while the connection is paused for its output. */
static void consume_and_time(tgt_conn *c, uint64_t now)
{
    bool progressed = consume(c);
    if (c->rlen == 0 || c->paused)
        c->partial_since_ms = 0;
    else if (progressed || c->partial_since_ms == 0)
        c->partial_since_ms = now;  /* a PDU has begun; its rest must follow in time */
}

static void on_readable(tgt_conn *c)
{
    /* Grow only when little room is left: growing whenever the room was below a whole chunk
     * copied the buffer on every read, so a peer sending a byte at a time cost 64 KiB a byte. */
    if (c->rcap - c->rlen < TGT_READ_ROOM_MIN) {
        size_t cap = c->rlen + TGT_READ_CHUNK;
        uint8_t *nb = realloc(c->rbuf, cap);
        if (!nb) {
            tgt_conn_close(c, "out of memory");
            return;
        }
        c->rbuf = nb;
        c->rcap = cap;
    }
    ssize_t n = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
    if (n == 0) {
        if (c->rlen > 0)
            tgt_log(c, 0, "peer closed with %zu bytes of a truncated PDU pending", c->rlen);
        tgt_conn_close(c, "peer closed");
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            tgt_conn_close(c, strerror(errno));
        return;
    }
    c->rlen += (size_t)n;
    c->last_rx_ms = tgt_now_ms();
    consume_and_time(c, c->last_rx_ms);
}

/* Sends what the socket takes; once the output is below its bound again, a paused connection
 * executes the PDUs it holds and reads again. */
static void on_writable(tgt_conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                tgt_conn_close(c, strerror(errno));
                return;
            }
            break;
        }
        c->woff += (size_t)n;
        c->tx_progress_ms = tgt_now_ms();
    }
    if (c->woff == c->wlen) {
        c->woff = c->wlen = 0;
        if (c->wcap > TGT_WBUF_KEEP) {  /* a burst's room is not kept */
            free(c->wbuf);
            c->wbuf = NULL;
            c->wcap = 0;
        }
        if (c->closing) {
            tgt_conn_close(c, "done");
            return;
        }
    }
    if (c->paused && !tgt_output_full(c)) {
        tgt_log(c, 2, "output below TGT_WBUF_HIGH again: executing held PDUs");
        c->paused = false;
        if (c->phase == PHASE_FFP && c->sess)
            tgt_session_resume(c);  /* queued commands first: they come before what is unread */
        consume_and_time(c, tgt_now_ms());
    }
}

/* Lowers *timeout_ms (negative: none yet) so that poll wakes at deadline (0: no deadline). */
static void wake_by(int *timeout_ms, uint64_t deadline, uint64_t now)
{
    if (deadline == 0)
        return;
    uint64_t left = deadline > now ? deadline - now : 0;
    if (*timeout_ms < 0 || left < (uint64_t)*timeout_ms)
        *timeout_ms = (int)left;
}

int mc_target_run_once(mc_target *t, int timeout_ms, char *err, size_t errlen)
{
    if (t->pending_mutant) {
        snprintf(err, errlen, "unknown mutant %s: neither the target nor a hook module lists it", t->pending_mutant);
        return -1;
    }
    t->started = true;
    size_t nhook = tgt_hooks_nfds(t);
    size_t n = 2 + mc_target_conn_count(t) + nhook;
    struct pollfd *pf = calloc(n, sizeof(*pf));
    tgt_conn **who = calloc(n, sizeof(*who));
    if (!pf || !who) {
        free(pf);
        free(who);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint64_t now = tgt_now_ms();
    if (t->accept_resume_ms && now >= t->accept_resume_ms)
        t->accept_resume_ms = 0;
    pf[0].fd = t->accept_resume_ms ? -1 : t->listen_fd;  /* poll skips a negative descriptor */
    wake_by(&timeout_ms, t->accept_resume_ms, now);
    pf[0].events = POLLIN;
    pf[1].fd = t->wake[0];
    pf[1].events = POLLIN;
    size_t k = 2;
    for (tgt_conn *c = t->conns; c; c = c->next) {
        pf[k].fd = c->fd;
        if (!c->closing && !c->paused && !tgt_output_full(c))
            pf[k].events |= POLLIN;
        if (c->wlen > c->woff)
            pf[k].events |= POLLOUT;
        if (c->phase == PHASE_LOGIN)
            wake_by(&timeout_ms, c->login_deadline_ms, now);
        if (c->partial_since_ms)
            wake_by(&timeout_ms, c->partial_since_ms + t->pdu_timeout_ms, now);
        wake_by(&timeout_ms, tgt_nop_deadline(c), now);
        if (c->wlen > c->woff)
            wake_by(&timeout_ms, c->tx_progress_ms + TGT_OUTPUT_STALL_MS, now);
        if (c->sess)
            wake_by(&timeout_ms, tgt_tasks_deadline(c->sess), now);
        who[k++] = c;
    }
    size_t hook_first = k, hook_counts[MC_TARGET_HOOKS_MAX];  /* the hook modules' follow the connections */
    k += tgt_hooks_fill(t, pf + k, nhook, hook_counts);
    wake_by(&timeout_ms, tgt_hooks_next_deadline(t), now);
    int r = poll(pf, k, timeout_ms);
    if (r < 0 && errno != EINTR) {
        snprintf(err, errlen, "poll: %s", strerror(errno));
        free(pf);
        free(who);
        return -1;
    }
    if (r > 0) {
        if (pf[1].revents & POLLIN) {
            char drain[64];
            while (read(t->wake[0], drain, sizeof(drain)) > 0) {
            }
        }
        tgt_hooks_on_poll(t, pf + hook_first, hook_counts);
        for (size_t i = 2; i < hook_first; i++) {
            tgt_conn *c = who[i];
            if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) && !c->paused)
                on_readable(c);
            if (!c->dead && c->wlen > c->woff)
                on_writable(c);
        }
        if (pf[0].revents & POLLIN)
            accept_all(t);
    }
    now = tgt_now_ms();
    tgt_hooks_tick(t, now);
    for (tgt_conn *c = t->conns; c; c = c->next)
        if (c->phase == PHASE_LOGIN && now >= c->login_deadline_ms && !c->dead) {
            tgt_log(c, 0, "login not completed within %u ms", t->login_timeout_ms);
            tgt_conn_close(c, "login timeout");
        } else if (c->partial_since_ms && now >= c->partial_since_ms + t->pdu_timeout_ms && !c->dead) {
            tgt_log(c, 0, "%zu bytes of a PDU, the rest not sent within %u ms", c->rlen, t->pdu_timeout_ms);
            tgt_conn_close(c, "PDU timeout");
        } else if (c->wlen > c->woff && now >= c->tx_progress_ms + TGT_OUTPUT_STALL_MS && !c->dead) {
            tgt_log(c, 0, "%zu bytes of output not read by the peer within %u ms (TGT_OUTPUT_STALL_MS)",
                    c->wlen - c->woff, TGT_OUTPUT_STALL_MS);
            tgt_conn_close(c, "output stalled");
        } else if (!c->dead) {
            tgt_nop_tick(c, now);
            if (c->sess && c->phase == PHASE_FFP)
                tgt_tasks_tick(c, now);
        }
    free(pf);
    free(who);
    reap(t);
    return 0;
}

#define RUN_ROUND_MS 200

int mc_target_run(mc_target *t, const volatile sig_atomic_t *stop, char *err, size_t errlen)
{
    for (;;) {
        if (stop && *stop)
            return 0;
        if (mc_target_run_once(t, RUN_ROUND_MS, err, errlen) != 0)
            return -1;
        if (atomic_load(&t->stop_requested))
            return 0;
    }
}
