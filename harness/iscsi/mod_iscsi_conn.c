/* Connection I/O for the `iscsi` command: non-blocking socket, every wait bounded by a deadline,
 * each PDU recorded in the history and the capture, with the fault plan applied on the way. */
#include "mod_iscsi.h"
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define US_PER_MS 1000
#define US_PER_S 1000000
#define READ_CHUNK 65536u

Tcl_WideInt mc_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (Tcl_WideInt)ts.tv_sec * US_PER_S + ts.tv_nsec / 1000;
}

uint32_t mc_iconn_alloc_itt(mc_iconn *c)
{
    uint32_t itt = c->itt_next++;
    if (c->itt_next == MC_RESERVED_TAG)
        c->itt_next = 1;  /* 0xffffffff is reserved (11.2.1.8) */
    return itt;
}

/* Time left before the owning interpreter's time limit (the vector or step watchdog), so no
 * wait in C outlives the deadline the harness set for the Tcl code around it. */
static Tcl_WideInt interp_limit_left(const mc_iconn *c, Tcl_WideInt left)
{
    Tcl_Interp *interp = c->mod->interp;
    if (!Tcl_LimitTypeEnabled(interp, TCL_LIMIT_TIME))
        return left;
    Tcl_Time lim, now;
    Tcl_LimitGetTime(interp, &lim);
    Tcl_GetTime(&now);
    Tcl_WideInt until = ((Tcl_WideInt)lim.sec - now.sec) * US_PER_S + (lim.usec - now.usec);
    return until < left ? until : left;
}

static int wait_fd(mc_iconn *c, short events, Tcl_WideInt deadline_us)
{
    for (;;) {
        Tcl_WideInt left = interp_limit_left(c, deadline_us - mc_now_us());
        if (left <= 0)
            return 0;
        struct pollfd pfd = {.fd = c->fd, .events = events};
        int ms = (int)((left + US_PER_MS - 1) / US_PER_MS);
        int r = poll(&pfd, 1, ms);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

int mc_iconn_connect(Tcl_Interp *interp, mc_iconn *c, const char *host, int port, int timeout_ms)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int gai = getaddrinfo(host, portstr, &hints, &res);
    if (gai != 0 || !res)
        return mc_tcl_error(interp, "CONNECT", "iscsi connect: %s:%d: %s", host, port, gai_strerror(gai));
    memcpy(&c->peer, res->ai_addr, sizeof c->peer);
    freeaddrinfo(res);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return mc_tcl_error(interp, "CONNECT", "iscsi connect: socket: %s", strerror(errno));
    c->timeout_ms = timeout_ms;
    if (connect(c->fd, (struct sockaddr *)&c->peer, sizeof c->peer) < 0) {
        if (errno != EINPROGRESS)
            return mc_tcl_error(interp, "CONNECT", "iscsi connect: %s:%d: %s", host, port, strerror(errno));
        int w = wait_fd(c, POLLOUT, mc_now_us() + (Tcl_WideInt)timeout_ms * US_PER_MS);
        if (w == 0)
            return mc_tcl_error(interp, "TIMEOUT", "iscsi connect: %s:%d: no answer in %d ms", host, port,
                                  timeout_ms);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (w < 0 || soerr)
            return mc_tcl_error(interp, "CONNECT", "iscsi connect: %s:%d: %s", host, port,
                                  strerror(soerr ? soerr : errno));
    }
    socklen_t ll = sizeof c->local;
    getsockname(c->fd, (struct sockaddr *)&c->local, &ll);
    c->t0_us = mc_now_us();
    if (c->pcap) {
        mc_pcap_flow_init(&c->flow, &c->local, &c->peer);
        mc_pcap_flow_frame_port(&c->flow, MC_ISCSI_DEFAULT_PORT);
    }
    return TCL_OK;
}

void mc_iconn_free(mc_iconn *c)
{
    if (c->pcap) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        mc_pcap_flow_close(c->pcap, &c->flow, &tv);
        mc_pcap_unref(c->pcap);
    }
    if (c->fd >= 0)
        close(c->fd);
    free(c->rbuf);
    if (c->keys)
        Tcl_DecrRefCount(c->keys);
    if (c->queue)
        Tcl_DecrRefCount(c->queue);
    if (c->history)
        Tcl_DecrRefCount(c->history);
    if (c->taken)
        Tcl_DecrRefCount(c->taken);
    c->mod->history_bytes -= c->head_bytes + c->tail_bytes;
    c->mod->queue_bytes -= c->queue_bytes;
    free(c);
}

/* The PDU bytes an entry of the history or the queue stands for: its BHS and data, or the raw
 * bytes a vector sent. */
static size_t entry_bytes(Tcl_Obj *d)
{
    Tcl_Obj *v = NULL, *k = Tcl_NewStringObj("raw", -1);
    Tcl_IncrRefCount(k);
    Tcl_DictObjGet(NULL, d, k, &v);
    Tcl_DecrRefCount(k);
    int n = 0;
    if (v != NULL) {
        Tcl_GetByteArrayFromObj(v, &n);
        return (size_t)n;
    }
    k = Tcl_NewStringObj("data", -1);
    Tcl_IncrRefCount(k);
    Tcl_DictObjGet(NULL, d, k, &v);
    Tcl_DecrRefCount(k);
    if (v != NULL)
        Tcl_GetByteArrayFromObj(v, &n);
    return MC_BHS_LEN + (size_t)n;
}

/* Says in the vector's report (its `log` command, when the interpreter has one) that the history
 * of c dropped PDUs; the interpreter's result and error state are left as they were. */
static void note_history_drop(mc_iconn *c)
{
    Tcl_Interp *interp = c->mod->interp;
    Tcl_Obj *cmd = Tcl_NewStringObj("log", -1);
    Tcl_IncrRefCount(cmd);
    if (Tcl_GetCommandFromObj(interp, cmd) != NULL) {
        Tcl_InterpState st = Tcl_SaveInterpState(interp, TCL_OK);
        Tcl_Obj *msg = Tcl_ObjPrintf(
            "iscsi %s: more PDUs than its history keeps (the first %d and the last %d, %u bytes each part, "
            "%u bytes for all of the vector's connections): the middle is dropped from now on "
            "(iscsi state gives the counts)",
            c->name, MC_ISCSI_HISTORY_HEAD, MC_ISCSI_HISTORY_TAIL, MC_ISCSI_HISTORY_PART_BYTES,
            MC_ISCSI_HISTORY_VECTOR_BYTES);
        Tcl_Obj *objv[2] = {cmd, msg};
        Tcl_IncrRefCount(msg);
        Tcl_EvalObjv(interp, 2, objv, TCL_EVAL_GLOBAL);
        Tcl_DecrRefCount(msg);
        Tcl_RestoreInterpState(interp, st);
    }
    Tcl_DecrRefCount(cmd);
}

void mc_iconn_history_add(mc_iconn *c, Tcl_Obj *d)
{
    mc_iscsi_mod *m = c->mod;
    size_t b = entry_bytes(d);
    mc_ladder_add_pdu(&m->ladder, mc_ladder_now_us(), c->name, d);
    c->history_seen++;
    if (c->history_seen == 1)
        c->history_head_open = true;
    m->history_bytes += b;
    if (c->history_head_open && c->history_head < MC_ISCSI_HISTORY_HEAD &&
        c->head_bytes + b <= MC_ISCSI_HISTORY_PART_BYTES && m->history_bytes <= MC_ISCSI_HISTORY_VECTOR_BYTES) {
        Tcl_ListObjAppendElement(NULL, c->history, d);
        c->history_head++;
        c->head_bytes += b;
        return;
    }
    c->history_head_open = false;
    Tcl_ListObjAppendElement(NULL, c->history, d);
    c->tail_bytes += b;
    int n = 0;
    Tcl_ListObjLength(NULL, c->history, &n);
    /* The newest entry always stays: a sender reads it back as its result. */
    while (n - c->history_head > 1 &&
           (n - c->history_head > MC_ISCSI_HISTORY_TAIL || c->tail_bytes > MC_ISCSI_HISTORY_PART_BYTES ||
            m->history_bytes > MC_ISCSI_HISTORY_VECTOR_BYTES)) {
        Tcl_Obj *old = NULL;
        Tcl_ListObjIndex(NULL, c->history, c->history_head, &old);
        size_t ob = entry_bytes(old);
        Tcl_ListObjReplace(NULL, c->history, c->history_head, 1, 0, NULL);
        c->tail_bytes -= ob;
        m->history_bytes -= ob;
        if (c->dropped_pdus++ == 0)
            note_history_drop(c);
        c->dropped_bytes += (Tcl_WideInt)ob;
        n--;
    }
}

int mc_iconn_queue_push(Tcl_Interp *interp, mc_iconn *c, Tcl_Obj *d)
{
    int n = 0;
    size_t b = entry_bytes(d);
    Tcl_ListObjLength(NULL, c->queue, &n);
    if (n >= MC_ISCSI_QUEUE_MAX || c->mod->queue_bytes + b > MC_ISCSI_QUEUE_BYTES)
        return mc_tcl_error(interp, "BOUND",
                            "%s: the device sent more PDUs than the vector consumed: %d PDUs (%zu bytes) wait "
                            "unread, at the bound of %d PDUs a connection or %u bytes a vector "
                            "(MC_ISCSI_QUEUE_MAX, MC_ISCSI_QUEUE_BYTES)",
                            c->name, n, c->queue_bytes, MC_ISCSI_QUEUE_MAX, MC_ISCSI_QUEUE_BYTES);
    Tcl_ListObjAppendElement(NULL, c->queue, d);
    c->queue_bytes += b;
    c->mod->queue_bytes += b;
    return TCL_OK;
}

Tcl_Obj *mc_iconn_queue_take(mc_iconn *c, int i)
{
    Tcl_Obj *d = NULL;
    Tcl_ListObjIndex(NULL, c->queue, i, &d);
    Tcl_IncrRefCount(d);
    if (c->taken)
        Tcl_DecrRefCount(c->taken);
    c->taken = d;
    Tcl_ListObjReplace(NULL, c->queue, i, 1, 0, NULL);
    size_t b = entry_bytes(d);
    c->queue_bytes -= b;
    c->mod->queue_bytes -= b;
    return d;
}

static double rel_time(const mc_iconn *c)
{
    return (double)(mc_now_us() - c->t0_us) / US_PER_S;
}

static void capture(mc_iconn *c, bool outbound, const uint8_t *b, size_t n)
{
    if (!c->pcap || !n)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    mc_pcap_write(c->pcap, &c->flow, outbound, b, n, &tv);
}

static int write_all(Tcl_Interp *interp, mc_iconn *c, const uint8_t *b, size_t n)
{
    if (c->closed)
        return mc_tcl_error(interp, "CLOSED", "%s: connection closed", c->name);
    Tcl_WideInt deadline = mc_now_us() + (Tcl_WideInt)c->timeout_ms * US_PER_MS;
    size_t done = 0;
    while (done < n) {
        ssize_t w = send(c->fd, b + done, n - done, MSG_NOSIGNAL);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_fd(c, POLLOUT, deadline);
            if (r == 0)
                return mc_tcl_error(interp, "TIMEOUT", "%s: peer stopped reading (%zu of %zu bytes sent)",
                                      c->name, done, n);
            if (r > 0)
                continue;
        }
        c->closed = true;
        return mc_tcl_error(interp, "CLOSED", "%s: send: %s", c->name, strerror(errno));
    }
    capture(c, true, b, n);
    return TCL_OK;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static void note_fault(Tcl_Obj *d, unsigned kinds)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    if (kinds & MC_FAULT_DROP)
        Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj("drop", -1));
    if (kinds & MC_FAULT_DUP)
        Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj("dup", -1));
    if (kinds & MC_FAULT_CORRUPT)
        Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj("corrupt", -1));
    if (kinds & MC_FAULT_DELAY)
        Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj("delay", -1));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("fault", -1), l);
}

/* Our MaxRecvDataSegmentLength is what we declare during login (13.12), whoever built the PDU. */
static void note_declared_mrdsl(mc_iconn *c, const mc_pdu *p)
{
    Tcl_Obj *kv = mc_text_decode(p->data, p->data_len);
    Tcl_IncrRefCount(kv);
    int n;
    Tcl_Obj **e;
    Tcl_ListObjGetElements(NULL, kv, &n, &e);
    for (int i = 0; i + 1 < n; i += 2) {
        uint32_t v;
        if (strcmp(Tcl_GetString(e[i]), "MaxRecvDataSegmentLength") == 0 &&
            mc_text_parse_u32(Tcl_GetString(e[i + 1]), 0, MC_DSL_MAX, &v) == MC_TEXT_OK)
            c->our_mrdsl = v;
    }
    Tcl_DecrRefCount(kv);
}

int mc_iconn_send_pdu(Tcl_Interp *interp, mc_iconn *c, mc_pdu *p, const mc_wire_opts *extra)
{
    mc_wire_opts o = {0};
    if (extra)
        o = *extra;
    o.header_digest = c->full_feature && c->header_digest;
    o.data_digest = c->full_feature && c->data_digest;
    uint8_t *wire = NULL;
    size_t n = 0;
    char err[256];
    if (mc_pdu_encode(p, &o, &wire, &n, err, sizeof err) != 0)
        return mc_tcl_error(interp, "ENCODE", "%s: %s", c->name, err);
    /* Record the PDU as encoded (lengths filled in) before any fault touches the bytes. */
    mc_pdu shown;
    memset(&shown, 0, sizeof shown);
    memcpy(shown.bhs, wire, MC_BHS_LEN);
    shown.ahs = p->ahs;
    shown.ahs_len = p->ahs_len;
    shown.data = p->data;
    shown.data_len = p->data_len;
    Tcl_Obj *d = mc_pdu_to_dict(&shown, true, rel_time(c));
    if (mc_pdu_opcode(p) == MC_OP_LOGIN_REQ)
        note_declared_mrdsl(c, p);
    mc_fault_decision f = {0};
    if (c->fault_on)
        f = mc_fault_decide(&c->fault, &shown, true, n);
    if (f.kinds)
        note_fault(d, f.kinds);
    mc_iconn_history_add(c, d);
    int rc = TCL_OK;
    if (f.kinds & MC_FAULT_DELAY) {
        /* An injected delay never outlasts the vector's own deadline. */
        Tcl_WideInt cap = interp_limit_left(c, (Tcl_WideInt)f.delay_ms * US_PER_MS);
        if (cap > 0)
            sleep_ms((uint32_t)(cap / US_PER_MS));
    }
    if (!(f.kinds & MC_FAULT_DROP)) {
        if (f.kinds & MC_FAULT_CORRUPT)
            wire[f.corrupt_at] ^= f.corrupt_xor;
        rc = write_all(interp, c, wire, n);
        if (rc == TCL_OK && (f.kinds & MC_FAULT_DUP))
            rc = write_all(interp, c, wire, n);
    }
    free(wire);
    return rc;
}

int mc_iconn_send_raw(Tcl_Interp *interp, mc_iconn *c, const uint8_t *bytes, size_t len)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("dir", -1), Tcl_NewStringObj("out", -1));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("raw", -1), Tcl_NewByteArrayObj(bytes, (int)len));
    Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("time", -1), Tcl_NewDoubleObj(rel_time(c)));
    mc_iconn_history_add(c, d);
    return write_all(interp, c, bytes, len);
}

/* StatSN is valid (and acknowledged through ExpStatSN) on every target PDU that carries status;
 * R2T and NOP-In with the reserved ITT carry the next StatSN without advancing it (11.8.3, 11.19.4). */
static bool advances_statsn(const mc_pdu *p)
{
    uint8_t op = mc_pdu_opcode(p);
    switch (op) {
    case MC_OP_R2T:
        return false;
    case MC_OP_DATA_IN:
        return mc_pdu_get(p, MC_F_STATUS_PRESENT) != 0;
    case MC_OP_NOP_IN:
        return mc_pdu_get(p, MC_F_ITT) != MC_RESERVED_TAG;
    default:
        return mc_field_applies(MC_F_STATSN, op);
    }
}

void mc_iconn_merge_keys(mc_iconn *c, const uint8_t *data, size_t len)
{
    if (!len)
        return;
    if (Tcl_IsShared(c->keys)) {
        Tcl_Obj *k = Tcl_DuplicateObj(c->keys);
        Tcl_IncrRefCount(k);
        Tcl_DecrRefCount(c->keys);
        c->keys = k;
    }
    Tcl_Obj *kv = mc_text_decode(data, len);
    Tcl_IncrRefCount(kv);
    int n;
    Tcl_Obj **e;
    Tcl_ListObjGetElements(NULL, kv, &n, &e);
    for (int i = 0; i + 1 < n; i += 2)
        Tcl_DictObjPut(NULL, c->keys, e[i], e[i + 1]);
    Tcl_DecrRefCount(kv);
}

/* Login Responses move the connection along whoever built the requests (a vector sending its
 * own Login PDUs, or `iscsi login`): keys, TSIH, and full feature after T=1 with NSG=3 (11.13). */
static void track_login(mc_iconn *c, const mc_pdu *p)
{
    if (mc_pdu_get(p, MC_F_STATUS_CLASS) != MC_LOGIN_SUCCESS)
        return;
    c->tsih = (uint32_t)mc_pdu_get(p, MC_F_TSIH);
    if (!mc_pdu_get(p, MC_F_CONTINUE))
        mc_iconn_merge_keys(c, p->data, p->data_len);
    if (mc_pdu_get(p, MC_F_TRANSIT) && mc_pdu_get(p, MC_F_NSG) == MC_STAGE_FULL_FEATURE) {
        c->full_feature = true;
        mc_iconn_apply_keys(c, c->keys);
    }
}

static void track_inbound(mc_iconn *c, const mc_pdu *p)
{
    uint8_t op = mc_pdu_opcode(p);
    if (op == MC_OP_LOGIN_RSP)
        track_login(c, p);
    if (!mc_field_applies(MC_F_STATSN, op))
        return;
    uint32_t statsn = (uint32_t)mc_pdu_get(p, MC_F_STATSN);
    if (advances_statsn(p) && (op == MC_OP_LOGIN_RSP || mc_sn_le(c->expstatsn, statsn)))
        c->expstatsn = statsn + 1;
    c->expcmdsn = (uint32_t)mc_pdu_get(p, MC_F_EXPCMDSN);
    c->maxcmdsn = (uint32_t)mc_pdu_get(p, MC_F_MAXCMDSN);
}

static int fill(Tcl_Interp *interp, mc_iconn *c, size_t need, Tcl_WideInt deadline_us)
{
    if (need > c->rcap) {
        size_t cap = c->rcap ? c->rcap : READ_CHUNK;
        while (cap < need)
            cap *= 2;
        uint8_t *nb = realloc(c->rbuf, cap);
        if (!nb)
            return mc_tcl_error(interp, "NOMEM", "%s: out of memory", c->name);
        c->rbuf = nb;
        c->rcap = cap;
    }
    for (;;) {
        ssize_t r = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
        if (r > 0) {
            capture(c, false, c->rbuf + c->rlen, (size_t)r);
            c->rlen += (size_t)r;
            return TCL_OK;
        }
        if (r == 0) {
            c->closed = true;
            return mc_tcl_error(interp, "CLOSED", "%s: target closed the connection", c->name);
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            c->closed = true;
            return mc_tcl_error(interp, "CLOSED", "%s: recv: %s", c->name, strerror(errno));
        }
        int w = wait_fd(c, POLLIN, deadline_us);
        if (w == 0)
            return mc_tcl_error(interp, "TIMEOUT", "%s: no PDU from the target in time", c->name);
        if (w < 0) {
            c->closed = true;
            return mc_tcl_error(interp, "CLOSED", "%s: poll: %s", c->name, strerror(errno));
        }
    }
}

int mc_iconn_read_pdu(Tcl_Interp *interp, mc_iconn *c, Tcl_WideInt deadline_us, Tcl_Obj **out)
{
    for (;;) {
        mc_dec_limits lim = {
            .max_data = c->full_feature ? c->our_mrdsl : MC_ISCSI_DEFAULT_MRDSL,
            .header_digest = c->full_feature && c->header_digest,
            .data_digest = c->full_feature && c->data_digest,
        };
        mc_pdu p;
        memset(&p, 0, sizeof p);
        size_t used = 0;
        char err[256] = "";
        mc_dec_status st = c->rlen ? mc_pdu_decode(c->rbuf, c->rlen, &lim, &p, &used, err, sizeof err)
                                   : MC_DEC_MORE;
        if (st == MC_DEC_MORE) {
            if (c->closed)
                return mc_tcl_error(interp, "CLOSED", "%s: connection closed", c->name);
            if (fill(interp, c, used > c->rlen ? used : c->rlen + 1, deadline_us) != TCL_OK)
                return TCL_ERROR;
            continue;
        }
        if (st == MC_DEC_HEADER_DIGEST || st == MC_DEC_TOO_LONG) {
            /* The length of what follows cannot be trusted: the byte stream is lost (7.8). */
            c->closed = true;
            return mc_tcl_error(interp, "BADPDU", "%s: %s", c->name,
                                  err[0] ? err : (st == MC_DEC_TOO_LONG ? "data segment too long" : "header digest"));
        }
        if (st != MC_DEC_OK && st != MC_DEC_DATA_DIGEST) {
            c->closed = true;
            return mc_tcl_error(interp, "BADPDU", "%s: undecodable PDU: %s", c->name, err);
        }
        memmove(c->rbuf, c->rbuf + used, c->rlen - used);
        c->rlen -= used;
        Tcl_Obj *d = mc_pdu_to_dict(&p, false, rel_time(c));
        if (st == MC_DEC_DATA_DIGEST)
            Tcl_DictObjPut(NULL, d, Tcl_NewStringObj("digest_error", -1), Tcl_NewStringObj("data", -1));
        mc_fault_decision f = {0};
        if (c->fault_on)
            f = mc_fault_decide(&c->fault, &p, false, used);
        if (f.kinds)
            note_fault(d, f.kinds);
        if (!(f.kinds & MC_FAULT_DROP))
            track_inbound(c, &p);
        mc_pdu_free(&p);
        mc_iconn_history_add(c, d);
        if (f.kinds & MC_FAULT_DROP)
            continue;
        if ((f.kinds & MC_FAULT_DUP) && mc_iconn_queue_push(interp, c, d) != TCL_OK)
            return TCL_ERROR;
        *out = d;
        return TCL_OK;
    }
}

static Tcl_WideInt deadline_of(const mc_iconn *c, int timeout_ms)
{
    return mc_now_us() + (Tcl_WideInt)(timeout_ms >= 0 ? timeout_ms : c->timeout_ms) * US_PER_MS;
}

int mc_iconn_recv(Tcl_Interp *interp, mc_iconn *c, int timeout_ms, Tcl_Obj **out)
{
    int n = 0;
    Tcl_ListObjLength(NULL, c->queue, &n);
    if (n > 0) {
        *out = mc_iconn_queue_take(c, 0);
        return TCL_OK;
    }
    return mc_iconn_read_pdu(interp, c, deadline_of(c, timeout_ms), out);
}

int mc_iconn_expect(Tcl_Interp *interp, mc_iconn *c, Tcl_Obj *pred, int timeout_ms, Tcl_Obj **out)
{
    int n = 0;
    Tcl_ListObjLength(NULL, c->queue, &n);
    for (int i = 0; i < n; i++) {
        Tcl_Obj *d;
        bool m = false;
        Tcl_ListObjIndex(NULL, c->queue, i, &d);
        if (mc_pred_match(interp, d, pred, &m) != TCL_OK)
            return TCL_ERROR;
        if (m) {
            *out = mc_iconn_queue_take(c, i);
            return TCL_OK;
        }
    }
    Tcl_WideInt deadline = deadline_of(c, timeout_ms);
    for (;;) {
        Tcl_Obj *d;
        if (mc_iconn_read_pdu(interp, c, deadline, &d) != TCL_OK)
            return TCL_ERROR;
        bool m = false;
        if (mc_pred_match(interp, d, pred, &m) != TCL_OK)
            return TCL_ERROR;
        if (m) {
            *out = d;
            return TCL_OK;
        }
        if (mc_iconn_queue_push(interp, c, d) != TCL_OK)
            return TCL_ERROR;
    }
}
