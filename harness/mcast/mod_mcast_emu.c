/* `mcast emulate`: start, script, observe and stop the emulated targets. The targets live on one
 * thread with a poll loop; the interp's thread only touches them under the lock. Records become
 * Tcl dicts (and pcap frames) when a vector asks for the log. */
#define _GNU_SOURCE   /* accept4, pipe2 */
#include "mod_mcast_emu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lun.h"
#include "pdu_tcl.h"

#define POLL_MS 20                 /* timer resolution of the emulation loop */
#define LISTEN_BACKLOG 8
#define DEFAULT_BLOCKS 2048u       /* 1 MiB LUNs */
#define BLOCKS_MAX 32768u
#define POLLFDS_MAX (1u + EMU_TARGETS_MAX * (1u + EMU_CONNS_MAX + EMU_REGS_MAX))
#define READ_CHUNK 65536u

#define EMU_CTR_NAME(id, name) name,
static const char *const counter_names[] = {EMU_COUNTERS(EMU_CTR_NAME)};
#undef EMU_CTR_NAME

void emu_record(mcm_emu *e, unsigned target, char via, bool outbound, const struct sockaddr_in *src,
                const struct sockaddr_in *dst, const uint8_t *bytes, size_t len, const char *note)
{
    if (e->nlog >= EMU_LOG_MAX || len > EMU_LOG_BYTES_MAX - e->log_bytes) {
        e->lost++;
        return;
    }
    if (e->nlog == e->caplog) {
        size_t cap = e->caplog ? e->caplog * 2 : 256;
        emu_rec *n = realloc(e->log, cap * sizeof *n);
        if (!n) {
            e->lost++;
            return;
        }
        e->log = n;
        e->caplog = cap;
    }
    emu_rec *r = &e->log[e->nlog];
    memset(r, 0, sizeof *r);
    r->target = target;
    r->via = via;
    r->outbound = outbound;
    r->time = mcm_now_s();
    if (src)
        r->src = *src;
    if (dst)
        r->dst = *dst;
    if (len) {
        r->bytes = malloc(len);
        if (!r->bytes) {
            e->lost++;
            return;
        }
        memcpy(r->bytes, bytes, len);
        r->len = len;
        e->log_bytes += len;
    }
    snprintf(r->note, sizeof r->note, "%s", note ? note : "");
    e->nlog++;
}

static void conn_read(mcm_emu *e, emu_target *t, emu_conn *c)
{
    if (c->rlen + READ_CHUNK > c->rcap) {
        size_t cap = c->rcap * 2;
        uint8_t *nb = cap <= EMU_RECV_MAX ? realloc(c->rbuf, cap) : NULL;
        if (!nb) {
            emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "receive buffer overflow: connection closed");
            emu_conn_close(e, t, c);
            return;
        }
        c->rbuf = nb;
        c->rcap = cap;
    }
    ssize_t n = recv(c->fd, c->rbuf + c->rlen, READ_CHUNK, 0);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, NULL, 0, "connection closed by the initiator");
        emu_conn_close(e, t, c);
        return;
    }
    c->rlen += (size_t)n;
    while (c->fd >= 0 && c->rlen >= MC_BHS_LEN) {
        mc_pdu p;
        size_t used;
        char err[128];
        mc_dec_limits lim = {.max_data = EMU_RECV_MAX};
        mc_dec_status st = mc_pdu_decode(c->rbuf, c->rlen, &lim, &p, &used, err, sizeof err);
        if (st == MC_DEC_MORE)
            return;
        if (st != MC_DEC_OK) {
            emu_record(e, t->idx, 'e', false, &c->peer, &t->addr, c->rbuf, MC_BHS_LEN, err);
            emu_conn_close(e, t, c);
            return;
        }
        emu_record(e, t->idx, 't', false, &c->peer, &t->addr, c->rbuf, used, NULL);
        memmove(c->rbuf, c->rbuf + used, c->rlen - used);
        c->rlen -= used;
        emu_on_pdu(e, t, c, &p);
        mc_pdu_free(&p);
    }
}

static void accept_conn(mcm_emu *e, emu_target *t)
{
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int fd = accept4(t->lfd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (unsigned i = 0; i < EMU_CONNS_MAX; i++) {
        emu_conn *c = &t->conns[i];
        if (c->fd >= 0)
            continue;
        uint8_t *rb = malloc(READ_CHUNK);
        if (!rb)
            break;
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->peer = peer;
        c->rbuf = rb;
        c->rcap = READ_CHUNK;
        c->peer_mrdsl = EMU_DEFAULT_MRDSL;
        c->ttt_next = EMU_TTT_SPAN * (t->idx + 1);   /* distinct TTTs per target ease reading logs */
        emu_record(e, t->idx, 'e', false, &peer, &t->addr, NULL, 0, "connection accepted");
        return;
    }
    emu_record(e, t->idx, 'e', false, &peer, &t->addr, NULL, 0, "connection refused: too many");
    close(fd);
}

static void group_read(mcm_emu *e, emu_target *t, const emu_group_sock *gs)
{
    int fd = gs->fd;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = gs->group, .sin_port = htons(gs->port)};
    uint8_t *buf = malloc(MCM_DGRAM_MAX + 1);
    if (!buf)
        return;
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, buf, MCM_DGRAM_MAX + 1, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            break;
        emu_on_datagram(e, t, &from, &to, buf, (size_t)n);
    }
    free(buf);
}

static void *emu_loop(void *arg)
{
    mcm_emu *e = arg;
    struct pollfd pf[POLLFDS_MAX];
    struct { emu_target *t; int kind; unsigned i; } who[POLLFDS_MAX];
    for (;;) {
        size_t n = 0;
        pthread_mutex_lock(&e->lock);
        if (e->stop) {
            pthread_mutex_unlock(&e->lock);
            break;
        }
        pf[n] = (struct pollfd){.fd = e->wake[0], .events = POLLIN};
        who[n++].t = NULL;
        for (unsigned k = 0; k < e->n; k++) {
            emu_target *t = &e->t[k];
            pf[n] = (struct pollfd){.fd = t->lfd, .events = POLLIN};
            who[n].t = t, who[n].kind = 0, who[n++].i = 0;
            for (unsigned i = 0; i < EMU_CONNS_MAX; i++) {
                if (t->conns[i].fd < 0)
                    continue;
                pf[n] = (struct pollfd){.fd = t->conns[i].fd, .events = POLLIN};
                who[n].t = t, who[n].kind = 1, who[n++].i = i;
            }
            for (unsigned i = 0; i < EMU_REGS_MAX; i++) {
                if (t->gs[i].fd < 0)
                    continue;
                pf[n] = (struct pollfd){.fd = t->gs[i].fd, .events = POLLIN};
                who[n].t = t, who[n].kind = 2, who[n++].i = i;
            }
        }
        pthread_mutex_unlock(&e->lock);
        int r = poll(pf, (nfds_t)n, POLL_MS);
        pthread_mutex_lock(&e->lock);
        if (r > 0) {
            for (size_t j = 0; j < n; j++) {
                if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                if (!who[j].t) {
                    char b[16];
                    while (read(e->wake[0], b, sizeof b) > 0) {
                    }
                    continue;
                }
                emu_target *t = who[j].t;
                if (who[j].kind == 0)
                    accept_conn(e, t);
                else if (who[j].kind == 1 && t->conns[who[j].i].fd == pf[j].fd)
                    conn_read(e, t, &t->conns[who[j].i]);
                else if (who[j].kind == 2 && t->gs[who[j].i].fd == pf[j].fd)
                    group_read(e, t, &t->gs[who[j].i]);
            }
        }
        double now = mcm_now_s();
        for (unsigned k = 0; k < e->n; k++)
            emu_tick(e, &e->t[k], now);
        pthread_mutex_unlock(&e->lock);
    }
    return NULL;
}

static void emu_stop_thread(mcm_emu *e)
{
    if (!e->running)
        return;
    pthread_mutex_lock(&e->lock);
    e->stop = true;
    pthread_mutex_unlock(&e->lock);
    if (write(e->wake[1], "x", 1) < 0) {
        /* the loop wakes within POLL_MS anyway */
    }
    pthread_join(e->thread, NULL);
    e->running = false;
}

void mcm_emu_to_ladder(mcm_emu *e, mc_ladder *l)
{
    if (!e)
        return;
    /* The records' clock is the monotonic one: the offset to the wall clock, read now. */
    double offset_s = (double)mc_ladder_now_us() / 1e6 - mcm_now_s();
    pthread_mutex_lock(&e->lock);
    for (size_t i = e->laddered; i < e->nlog; i++) {
        const emu_rec *r = &e->log[i];
        Tcl_WideInt t = (Tcl_WideInt)((r->time + offset_s) * 1e6);
        if (r->via == 't') {
            mc_pdu p;
            size_t used;
            char err[128];
            if (mc_pdu_decode(r->bytes, r->len, NULL, &p, &used, err, sizeof err) == MC_DEC_OK) {
                Tcl_Obj *d = mc_pdu_to_dict(&p, r->outbound, r->time);
                Tcl_IncrRefCount(d);
                mc_ladder_add_pdu(l, t, e->t[r->target].name, d);
                Tcl_DecrRefCount(d);
                mc_pdu_free(&p);
            }
        } else if (r->via == 'g' && r->target == 0) {
            /* Every member records the same datagram: the first target's record stands for all. */
            mcm_ladder_add_dgram(l, t, r->outbound ? "out" : "in", r->bytes, r->len);
        }
    }
    e->laddered = e->nlog;
    pthread_mutex_unlock(&e->lock);
}

void mcm_emu_free(mcm_emu *e)
{
    if (!e)
        return;
    emu_stop_thread(e);
    for (unsigned k = 0; k < e->n; k++) {
        emu_target *t = &e->t[k];
        for (unsigned i = 0; i < EMU_CONNS_MAX; i++)
            if (t->conns[i].fd >= 0)
                emu_conn_close(e, t, &t->conns[i]);
        for (unsigned i = 0; i < EMU_REGS_MAX; i++)
            if (t->gs[i].fd >= 0)
                close(t->gs[i].fd);
        if (t->lfd >= 0)
            close(t->lfd);
        for (unsigned i = 0; i < t->nluns; i++)
            free(t->store[i]);
    }
    for (size_t i = 0; i < e->nlog; i++)
        free(e->log[i].bytes);
    free(e->log);
    close(e->wake[0]);
    close(e->wake[1]);
    pthread_mutex_destroy(&e->lock);
    mc_pcap_unref(e->pcap);
    free(e);
}

static void put(Tcl_Obj *d, const char *k, Tcl_Obj *v) { Tcl_DictObjPut(NULL, d, Tcl_NewStringObj(k, -1), v); }
static Tcl_Obj *addr_obj(const struct sockaddr_in *a)
{
    return Tcl_ObjPrintf("%s:%u", inet_ntoa(a->sin_addr), ntohs(a->sin_port));
}

static int start(Tcl_Interp *interp, mcm_emu **pe, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "usage: mcast emulate start -n N ?-addrs {ADDR ...}? ?-port P? ?-iqn-prefix S? "
                              "?-luns {N ...}? ?-blocks B? ?-if ADDR? ?-erl N?";
    if (*pe)
        return mc_tcl_error(interp, "USAGE", "emulated targets are running already: mcast emulate stop first");
    int n = 0, port = 0, erl = 1;
    Tcl_Obj *addrs = NULL, *luns = NULL;
    const char *prefix = "iqn.2026-11.org.mirrorcert.emu:t";
    Tcl_WideInt blocks = DEFAULT_BLOCKS;
    struct in_addr ifaddr = {.s_addr = htonl(INADDR_LOOPBACK)};
    if (objc % 2 == 0)
        return mc_tcl_error(interp, "USAGE", use);
    for (int i = 3; i + 1 < objc; i += 2) {
        const char *a = Tcl_GetString(objv[i]);
        Tcl_Obj *v = objv[i + 1];
        int ok = TCL_OK;
        if (strcmp(a, "-n") == 0) ok = Tcl_GetIntFromObj(interp, v, &n);
        else if (strcmp(a, "-addrs") == 0) addrs = v;
        else if (strcmp(a, "-port") == 0) ok = Tcl_GetIntFromObj(interp, v, &port);
        else if (strcmp(a, "-iqn-prefix") == 0) prefix = Tcl_GetString(v);
        else if (strcmp(a, "-luns") == 0) luns = v;
        else if (strcmp(a, "-blocks") == 0) ok = Tcl_GetWideIntFromObj(interp, v, &blocks);
        else if (strcmp(a, "-erl") == 0) ok = Tcl_GetIntFromObj(interp, v, &erl);
        else if (strcmp(a, "-if") == 0) {
            if (mcm_parse_addr(Tcl_GetString(v), &ifaddr) != 0)
                return mc_tcl_error(interp, "USAGE", "bad -if address \"%s\"", Tcl_GetString(v));
        } else
            return mc_tcl_error(interp, "USAGE", use);
        if (ok != TCL_OK)
            return TCL_ERROR;
    }
    if (n < 1 || (unsigned)n > EMU_TARGETS_MAX)
        return mc_tcl_error(interp, "USAGE", "-n takes 1..%u targets", EMU_TARGETS_MAX);
    if (port < 0 || port > 0xffff || blocks < 1 || blocks > BLOCKS_MAX || erl < 0 || erl > 2)
        return mc_tcl_error(interp, "USAGE", "-port, -blocks (1..%u) or -erl (0..2) out of range", BLOCKS_MAX);
    int naddr = 0, nlun = 0;
    Tcl_Obj **av = NULL, **lv = NULL;
    if (addrs && Tcl_ListObjGetElements(interp, addrs, &naddr, &av) != TCL_OK)
        return TCL_ERROR;
    if (luns && Tcl_ListObjGetElements(interp, luns, &nlun, &lv) != TCL_OK)
        return TCL_ERROR;
    if ((unsigned)nlun > EMU_LUNS_MAX)
        return mc_tcl_error(interp, "USAGE", "at most %u LUNs", EMU_LUNS_MAX);
    mcm_emu *e = calloc(1, sizeof *e);
    if (!e)
        return mc_tcl_error(interp, "USAGE", "out of memory");
    pthread_mutex_init(&e->lock, NULL);
    if (pipe2(e->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        pthread_mutex_destroy(&e->lock);
        free(e);
        return mc_tcl_error(interp, "USAGE", "pipe: %s", strerror(errno));
    }
    e->ifaddr = ifaddr;
    e->pcap = mc_capture_for(interp);
    mc_pcap_ref(e->pcap);
    Tcl_Obj *res = Tcl_NewListObj(0, NULL);
    for (int k = 0; k < n; k++) {
        emu_target *t = &e->t[k];
        t->idx = (unsigned)k;
        t->lfd = -1;
        for (unsigned i = 0; i < EMU_CONNS_MAX; i++)
            t->conns[i].fd = -1;
        for (unsigned i = 0; i < EMU_REGS_MAX; i++)
            t->gs[i].fd = -1;
        e->n++;
        snprintf(t->name, sizeof t->name, "t%d", k);
        snprintf(t->iqn, sizeof t->iqn, "%s%d", prefix, k);
        t->script.erl_max = (unsigned)erl;
        t->blocks = (uint32_t)blocks;
        t->nluns = nlun ? (unsigned)nlun : 2u;
        for (unsigned i = 0; i < t->nluns; i++) {
            int l = (int)i;
            if (nlun && (Tcl_GetIntFromObj(interp, lv[i], &l) != TCL_OK || l < 0 || l > 255)) {
                mcm_emu_free(e);
                return mc_tcl_error(interp, "USAGE", "bad LUN in -luns");
            }
            t->luns[i] = (uint16_t)l;
            t->store[i] = calloc(t->blocks, MCM_BLOCK);
            if (!t->store[i]) {
                mcm_emu_free(e);
                return mc_tcl_error(interp, "USAGE", "out of memory");
            }
        }
        t->addr.sin_family = AF_INET;
        t->addr.sin_port = htons((uint16_t)port);
        const char *as = k < naddr ? Tcl_GetString(av[k]) : "127.0.0.1";
        if (mcm_parse_addr(as, &t->addr.sin_addr) != 0) {
            mcm_emu_free(e);
            return mc_tcl_error(interp, "USAGE", "bad address \"%s\"", as);
        }
        int one = 1;
        socklen_t sl = sizeof t->addr;
        t->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (t->lfd < 0 || setsockopt(t->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
            bind(t->lfd, (struct sockaddr *)&t->addr, sizeof t->addr) != 0 || listen(t->lfd, LISTEN_BACKLOG) != 0 ||
            getsockname(t->lfd, (struct sockaddr *)&t->addr, &sl) != 0) {
            int err = errno;
            mcm_emu_free(e);
            return mc_tcl_error(interp, "USAGE", "emulated target on %s: %s", as, strerror(err));
        }
        Tcl_Obj *d = Tcl_NewDictObj();
        put(d, "name", Tcl_NewStringObj(t->name, -1));
        put(d, "portal", addr_obj(&t->addr));
        put(d, "iqn", Tcl_NewStringObj(t->iqn, -1));
        Tcl_ListObjAppendElement(NULL, res, d);
    }
    if (pthread_create(&e->thread, NULL, emu_loop, e) != 0) {
        mcm_emu_free(e);
        return mc_tcl_error(interp, "USAGE", "cannot start the emulation thread");
    }
    e->running = true;
    *pe = e;
    Tcl_SetObjResult(interp, res);
    return TCL_OK;
}

static emu_target *target_of(Tcl_Interp *interp, mcm_emu *e, Tcl_Obj *o)
{
    const char *s = Tcl_GetString(o);
    for (unsigned k = 0; k < e->n; k++)
        if (strcmp(e->t[k].name, s) == 0 || strcmp(e->t[k].iqn, s) == 0)
            return &e->t[k];
    int i;
    if (Tcl_GetIntFromObj(NULL, o, &i) == TCL_OK && i >= 0 && (unsigned)i < e->n)
        return &e->t[i];
    mc_tcl_error(interp, "USAGE", "no emulated target \"%s\"", s);
    return NULL;
}

static int script(Tcl_Interp *interp, mcm_emu *e, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "usage: mcast emulate script T {register ok|fail|silent|notunderstood check N "
                              "drop-data N ignore N check-unicast N silent 0|1 erl N timeout-ms MS r2t-delay-ms MS register-delay-ms MS r2t-burst BYTES}";
    if (objc != 5)
        return mc_tcl_error(interp, "USAGE", use);
    emu_target *t = target_of(interp, e, objv[3]);
    if (!t)
        return TCL_ERROR;
    int n;
    Tcl_Obj **kv;
    if (Tcl_ListObjGetElements(interp, objv[4], &n, &kv) != TCL_OK || n % 2)
        return mc_tcl_error(interp, "USAGE", use);
    emu_script s;
    pthread_mutex_lock(&e->lock);
    s = t->script;
    pthread_mutex_unlock(&e->lock);
    for (int i = 0; i < n; i += 2) {
        const char *k = Tcl_GetString(kv[i]);
        int v = 0;
        if (strcmp(k, "register") == 0) {
            static const char *const modes[] = {"ok", "fail", "silent", "notunderstood", NULL};
            if (Tcl_GetIndexFromObj(interp, kv[i + 1], modes, "register mode", 0, &v) != TCL_OK)
                return TCL_ERROR;
            s.register_mode = v;
            continue;
        }
        if (Tcl_GetIntFromObj(interp, kv[i + 1], &v) != TCL_OK)
            return TCL_ERROR;
        if (v < 0)
            return mc_tcl_error(interp, "USAGE", "%s takes a count >= 0", k);
        if (strcmp(k, "check") == 0) s.check_tasks = (unsigned)v;
        else if (strcmp(k, "drop-data") == 0) s.drop_data = (unsigned)v;
        else if (strcmp(k, "ignore") == 0) s.ignore_cmds = (unsigned)v;
        else if (strcmp(k, "check-unicast") == 0) s.check_unicast = (unsigned)v;
        else if (strcmp(k, "silent") == 0) s.silent = v != 0;
        else if (strcmp(k, "erl") == 0 && v <= 2) s.erl_max = (unsigned)v;
        else if (strcmp(k, "timeout-ms") == 0) s.timeout_ms = (unsigned)v;
        else if (strcmp(k, "r2t-delay-ms") == 0) s.r2t_delay_ms = (unsigned)v;
        else if (strcmp(k, "register-delay-ms") == 0) s.reg_delay_ms = (unsigned)v;
        else if (strcmp(k, "r2t-burst") == 0 && v % MCM_BLOCK == 0) s.r2t_burst = (unsigned)v;
        else
            return mc_tcl_error(interp, "USAGE", use);
    }
    pthread_mutex_lock(&e->lock);
    t->script = s;
    pthread_mutex_unlock(&e->lock);
    return TCL_OK;
}

static bool same_ep(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

/* The capture flow of one connection (sequence numbers carried from PDU to PDU), or NULL. */
static mc_pcap_flow *flow_of(mcm_emu *e, const struct sockaddr_in *ini, const struct sockaddr_in *tgt)
{
    for (size_t i = 0; i < e->nflows; i++)
        if (same_ep(&e->flows[i].initiator, ini) && same_ep(&e->flows[i].target, tgt))
            return &e->flows[i];
    if (e->nflows == sizeof e->flows / sizeof e->flows[0])
        return NULL;
    mc_pcap_flow_init(&e->flows[e->nflows], ini, tgt);
    mc_pcap_flow_frame_port(&e->flows[e->nflows], MCM_DEFAULT_PORT);
    return &e->flows[e->nflows++];
}

/* Decodes one record into a dict, writing it to the capture the first time it is seen. */
static Tcl_Obj *rec_dict(mcm_emu *e, const emu_rec *r, size_t idx)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    put(d, "target", Tcl_NewStringObj(e->t[r->target].name, -1));
    put(d, "via", Tcl_NewStringObj(r->via == 't' ? "tcp" : r->via == 'g' ? "group" : "event", -1));
    put(d, "dir", Tcl_NewStringObj(r->outbound ? "out" : "in", -1));
    put(d, "time", Tcl_NewDoubleObj(r->time));
    put(d, "src", addr_obj(&r->src));
    put(d, "dst", addr_obj(&r->dst));
    put(d, "note", Tcl_NewStringObj(r->note, -1));
    struct timeval tv;
    gettimeofday(&tv, NULL);
    if (r->via == 't') {
        mc_pdu p;
        size_t used;
        char err[128];
        if (mc_pdu_decode(r->bytes, r->len, NULL, &p, &used, err, sizeof err) == MC_DEC_OK) {
            Tcl_Obj *pd = mc_pdu_to_dict(&p, r->outbound, r->time);
            if (mc_field_applies(MC_F_LUN, mc_pdu_opcode(&p)))
                put(pd, "lun_number", Tcl_NewIntObj(mc_lun_decode(mc_pdu_get(&p, MC_F_LUN))));
            put(d, "pdu", pd);
            mc_pdu_free(&p);
        }
        if (idx >= e->flushed && e->pcap) {
            mc_pcap_flow *f = flow_of(e, r->outbound ? &r->dst : &r->src, r->outbound ? &r->src : &r->dst);
            if (f)
                mc_pcap_write(e->pcap, f, !r->outbound, r->bytes, r->len, &tv);
        }
    } else if (r->via == 'g') {
        mcm_parsed *p = malloc(sizeof *p);
        if (p) {
            mcm_parse(r->bytes, r->len, p);
            char src[64];
            snprintf(src, sizeof src, "%s:%u", inet_ntoa(r->src.sin_addr), ntohs(r->src.sin_port));
            put(d, "dgram", mcm_parsed_dict(p, src, r->time));
            mcm_parsed_free(p);
            free(p);
        }
        /* Every member records the same datagram: capture it once, from the first target. */
        if (idx >= e->flushed && e->pcap && r->target == 0)
            mc_pcap_write_udp(e->pcap, &r->src, &r->dst, r->bytes, r->len, &tv);
    }
    return d;
}

static int log_cmd(Tcl_Interp *interp, mcm_emu *e, int objc, Tcl_Obj *const objv[])
{
    int clear = 0;
    if (objc == 5 && strcmp(Tcl_GetString(objv[3]), "-clear") == 0) {
        if (Tcl_GetBooleanFromObj(interp, objv[4], &clear) != TCL_OK)
            return TCL_ERROR;
    } else if (objc != 3) {
        return mc_tcl_error(interp, "USAGE", "usage: mcast emulate log ?-clear 0|1?");
    }
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->nlog; i++)
        Tcl_ListObjAppendElement(NULL, l, rec_dict(e, &e->log[i], i));
    e->flushed = e->nlog;
    if (clear) {
        for (size_t i = 0; i < e->nlog; i++)
            free(e->log[i].bytes);
        e->nlog = e->flushed = e->laddered = 0;   /* what the ladder had not taken is gone */
        e->log_bytes = 0;
    }
    pthread_mutex_unlock(&e->lock);
    Tcl_SetObjResult(interp, l);
    return TCL_OK;
}

static int info_cmd(Tcl_Interp *interp, mcm_emu *e)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    pthread_mutex_lock(&e->lock);
    for (unsigned k = 0; k < e->n; k++) {
        emu_target *t = &e->t[k];
        Tcl_Obj *d = Tcl_NewDictObj(), *regs = Tcl_NewListObj(0, NULL), *joined = Tcl_NewListObj(0, NULL);
        Tcl_Obj *ctr = Tcl_NewDictObj();
        put(d, "name", Tcl_NewStringObj(t->name, -1));
        put(d, "portal", addr_obj(&t->addr));
        put(d, "iqn", Tcl_NewStringObj(t->iqn, -1));
        for (unsigned i = 0; i < EMU_REGS_MAX; i++) {
            const emu_reg *g = &t->regs[i];
            if (!g->used)
                continue;
            Tcl_Obj *rd = Tcl_NewDictObj(), *reals = Tcl_NewListObj(0, NULL);
            for (unsigned j = 0; j < g->nreal; j++)
                Tcl_ListObjAppendElement(NULL, reals, Tcl_NewIntObj(g->reals[j]));
            put(rd, "group", Tcl_NewStringObj(inet_ntoa(g->group), -1));
            put(rd, "port", Tcl_NewIntObj(g->port));
            put(rd, "vlun", Tcl_NewIntObj(g->vlun));
            put(rd, "reals", reals);
            put(rd, "burst", Tcl_NewWideIntObj(g->burst));
            put(rd, "literal", Tcl_NewBooleanObj(g->literal));
            Tcl_ListObjAppendElement(NULL, regs, rd);
        }
        for (unsigned i = 0; i < EMU_REGS_MAX; i++)
            if (t->gs[i].fd >= 0)
                Tcl_ListObjAppendElement(NULL, joined, Tcl_ObjPrintf("%s:%u", inet_ntoa(t->gs[i].group), t->gs[i].port));
        for (size_t i = 0; i < sizeof counter_names / sizeof counter_names[0]; i++)
            put(ctr, counter_names[i], Tcl_NewWideIntObj((Tcl_WideInt)t->counters[i]));
        put(d, "registrations", regs);
        put(d, "joined", joined);
        put(d, "counters", ctr);
        Tcl_ListObjAppendElement(NULL, l, d);
    }
    Tcl_Obj *lost = Tcl_NewWideIntObj((Tcl_WideInt)e->lost);
    pthread_mutex_unlock(&e->lock);
    Tcl_Obj *res = Tcl_NewDictObj();
    put(res, "targets", l);
    put(res, "lost_records", lost);
    Tcl_SetObjResult(interp, res);
    return TCL_OK;
}

/* mcast emulate read T LUN LBA BLOCKS: what a target's LUN holds. */
static int read_cmd(Tcl_Interp *interp, mcm_emu *e, int objc, Tcl_Obj *const objv[])
{
    if (objc != 7)
        return mc_tcl_error(interp, "USAGE", "usage: mcast emulate read T LUN LBA BLOCKS");
    emu_target *t = target_of(interp, e, objv[3]);
    int lun;
    Tcl_WideInt lba, blocks;
    if (!t || Tcl_GetIntFromObj(interp, objv[4], &lun) != TCL_OK || Tcl_GetWideIntFromObj(interp, objv[5], &lba) != TCL_OK ||
        Tcl_GetWideIntFromObj(interp, objv[6], &blocks) != TCL_OK)
        return TCL_ERROR;
    if (lba < 0 || blocks < 0 || lba + blocks > t->blocks)
        return mc_tcl_error(interp, "USAGE", "range %lld+%lld outside the %u blocks", (long long)lba, (long long)blocks, t->blocks);
    for (unsigned i = 0; i < t->nluns; i++) {
        if (t->luns[i] != lun)
            continue;
        pthread_mutex_lock(&e->lock);
        Tcl_Obj *b = Tcl_NewByteArrayObj(t->store[i] + lba * MCM_BLOCK, (int)(blocks * MCM_BLOCK));
        pthread_mutex_unlock(&e->lock);
        Tcl_SetObjResult(interp, b);
        return TCL_OK;
    }
    return mc_tcl_error(interp, "USAGE", "target %s has no LUN %d", t->name, lun);
}

int mcm_emu_cmd(Tcl_Interp *interp, mcm_emu **pe, int objc, Tcl_Obj *const objv[])
{
    const char *w = objc >= 3 ? Tcl_GetString(objv[2]) : "";
    if (strcmp(w, "start") == 0)
        return start(interp, pe, objc, objv);
    if (strcmp(w, "stop") == 0) {
        if (*pe) {
            /* Flush what the capture has not seen yet. */
            Tcl_Obj *keep = Tcl_NewListObj(0, NULL);
            Tcl_IncrRefCount(keep);
            pthread_mutex_lock(&(*pe)->lock);
            for (size_t i = (*pe)->flushed; i < (*pe)->nlog; i++)
                Tcl_ListObjAppendElement(NULL, keep, rec_dict(*pe, &(*pe)->log[i], i));
            pthread_mutex_unlock(&(*pe)->lock);
            Tcl_DecrRefCount(keep);
            mcm_emu_free(*pe);
            *pe = NULL;
        }
        return TCL_OK;
    }
    if (!*pe)
        return mc_tcl_error(interp, "USAGE", "no emulated targets: mcast emulate start first");
    if (strcmp(w, "script") == 0)
        return script(interp, *pe, objc, objv);
    if (strcmp(w, "log") == 0)
        return log_cmd(interp, *pe, objc, objv);
    if (strcmp(w, "info") == 0)
        return info_cmd(interp, *pe);
    if (strcmp(w, "read") == 0)
        return read_cmd(interp, *pe, objc, objv);
    return mc_tcl_error(interp, "USAGE", "usage: mcast emulate start|script|log|info|read|stop ...");
}
