/* The initiator's connection: socket set-up, deadline-bounded PDU send and receive, hooks, and the
 * sequence-number bookkeeping every PDU passes through (RFC 7143 sections 4.2.2, 11.2). */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MC_INI_READ_CHUNK 65536u

uint64_t mc_ini_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t mc_ini_deadline(uint64_t ms) { return mc_ini_now_ms() + ms; }

int mc_ini_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

mc_ini *mc_ini_new(const mc_ini_params *params)
{
    mc_ini *ini = calloc(1, sizeof *ini);
    if (!ini)
        return NULL;
    ini->fd = -1;
    if (params)
        ini->p = *params;
    ini->initiator_name = strdup(ini->p.initiator_name ? ini->p.initiator_name : MC_INI_DEFAULT_NAME);
    ini->target_name = dup_or_null(ini->p.target_name);
    ini->chap_user = dup_or_null(ini->p.chap_user);
    ini->chap_secret = dup_or_null(ini->p.chap_secret);
    if (!ini->initiator_name || (ini->p.target_name && !ini->target_name) ||
        (ini->p.chap_user && !ini->chap_user) || (ini->p.chap_secret && !ini->chap_secret)) {
        mc_ini_free(ini);
        return NULL;
    }
    ini->p.initiator_name = ini->initiator_name;
    ini->p.target_name = ini->target_name;
    ini->p.chap_user = ini->chap_user;
    ini->p.chap_secret = ini->chap_secret;
    if (!ini->p.max_recv_dsl)
        ini->p.max_recv_dsl = MC_INI_DEFAULT_RECV_DSL;
    if (!ini->p.max_burst)
        ini->p.max_burst = MC_INI_DEFAULT_MAX_BURST;
    if (!ini->p.first_burst)  /* 13.14: never above MaxBurstLength, so a lower burst lowers it too */
        ini->p.first_burst = ini->p.max_burst < MC_INI_DEFAULT_FIRST_BURST ? ini->p.max_burst
                                                                           : MC_INI_DEFAULT_FIRST_BURST;
    if (!ini->p.max_outstanding_r2t)
        ini->p.max_outstanding_r2t = 1;
    ini->recv_limit = MC_INI_LOGIN_DSL;
    ini->next_itt = 1;
    return ini;
}

void mc_ini_free(mc_ini *ini)
{
    if (!ini)
        return;
    if (ini->fd >= 0)
        close(ini->fd);
    free(ini->rx);
    free(ini->initiator_name);
    free(ini->target_name);
    if (ini->chap_secret)
        memset(ini->chap_secret, 0, strlen(ini->chap_secret));
    free(ini->chap_secret);
    free(ini->chap_user);
    free(ini);
}

void mc_ini_set_hooks(mc_ini *ini, mc_ini_send_hook send, mc_ini_recv_hook recv, void *ctx)
{
    ini->send_hook = send;
    ini->recv_hook = recv;
    ini->hook_ctx = ctx;
}

const mc_ini_negotiated *mc_ini_negotiated_values(const mc_ini *ini) { return &ini->neg; }

void mc_ini_login_status(const mc_ini *ini, uint8_t *status_class, uint8_t *status_detail)
{
    *status_class = ini->login_class;
    *status_detail = ini->login_detail;
}

uint32_t mc_ini_next_itt(mc_ini *ini)
{
    uint32_t itt = ini->next_itt++;
    if (ini->next_itt == MC_RESERVED_TAG)  /* 0xffffffff is never a task tag (11.2.1.8) */
        ini->next_itt = 1;
    return itt;
}
uint32_t mc_ini_cmdsn(const mc_ini *ini) { return ini->cmdsn; }
uint32_t mc_ini_expstatsn(const mc_ini *ini) { return ini->expstatsn; }
uint32_t mc_ini_maxcmdsn(const mc_ini *ini) { return ini->maxcmdsn; }

static int remaining_ms(uint64_t deadline)
{
    uint64_t now = mc_ini_now_ms();
    if (now >= deadline)
        return 0;
    uint64_t left = deadline - now;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

static int set_nonblocking(int fd, char *err, size_t errlen)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "fcntl: %s", strerror(errno));
    return MC_INI_OK;
}

int mc_ini_adopt_fd(mc_ini *ini, int fd, char *err, size_t errlen)
{
    if (ini->fd >= 0)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "already connected");
    if (set_nonblocking(fd, err, errlen) != MC_INI_OK)
        return MC_INI_ERR;
    ini->fd = fd;
    return MC_INI_OK;
}

/* One non-blocking connect to one resolved address, finished by poll before the deadline. */
static int connect_one(const struct addrinfo *ai, uint64_t deadline, int *out, char *err, size_t errlen)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "socket: %s", strerror(errno));
    if (set_nonblocking(fd, err, errlen) != MC_INI_OK) {
        close(fd);
        return MC_INI_ERR;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  /* PDUs are latency bound */
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        return mc_ini_fail(err, errlen, e == ECONNREFUSED ? MC_INI_CLOSED : MC_INI_ERR,
                           "connect: %s", strerror(e));
    }
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int n;
    do {
        n = poll(&pfd, 1, remaining_ms(deadline));
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        close(fd);
        return mc_ini_fail(err, errlen, MC_INI_TIMEOUT, "connect: timed out");
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
        int e = n < 0 ? errno : soerr;
        close(fd);
        return mc_ini_fail(err, errlen, e == ECONNREFUSED ? MC_INI_CLOSED : MC_INI_ERR,
                           "connect: %s", strerror(e));
    }
    *out = fd;
    return MC_INI_OK;
}

int mc_ini_connect(mc_ini *ini, const char *host, uint16_t port, uint64_t deadline, char *err,
                   size_t errlen)
{
    if (ini->fd >= 0)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "already connected");
    char name[256];
    size_t hl = strlen(host);
    if (hl >= sizeof name)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "host name too long");
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {  /* [v6] as written in portals */
        memcpy(name, host + 1, hl - 2);
        name[hl - 2] = '\0';
    } else {
        memcpy(name, host, hl + 1);
    }
    char svc[8];
    snprintf(svc, sizeof svc, "%u", (unsigned)port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int g = getaddrinfo(name, svc, &hints, &res);
    if (g != 0)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "%s: %s", name, gai_strerror(g));
    int rc = MC_INI_ERR;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = -1;
        rc = connect_one(ai, deadline, &fd, err, errlen);
        if (rc == MC_INI_OK) {
            ini->fd = fd;
            break;
        }
        if (rc == MC_INI_TIMEOUT)
            break;
    }
    freeaddrinfo(res);
    return rc;
}

static int write_all(mc_ini *ini, const uint8_t *buf, size_t len, uint64_t deadline, char *err,
                     size_t errlen)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(ini->fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return mc_ini_fail(err, errlen, errno == EPIPE || errno == ECONNRESET ? MC_INI_CLOSED : MC_INI_ERR,
                               "send: %s", strerror(errno));
        struct pollfd pfd = {.fd = ini->fd, .events = POLLOUT};
        int p = poll(&pfd, 1, remaining_ms(deadline));
        if (p == 0)
            return mc_ini_fail(err, errlen, MC_INI_TIMEOUT, "send: timed out with %zu of %zu bytes sent",
                               off, len);
        if (p < 0 && errno != EINTR)
            return mc_ini_fail(err, errlen, MC_INI_ERR, "poll: %s", strerror(errno));
    }
    return MC_INI_OK;
}

int mc_ini_send_raw(mc_ini *ini, mc_pdu *pdu, uint64_t deadline, char *err, size_t errlen)
{
    if (ini->fd < 0)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "not connected");
    if (ini->send_hook) {
        int h = ini->send_hook(ini->hook_ctx, pdu);
        if (h == MC_HOOK_DROP)
            return MC_INI_OK;
        if (h < 0)
            return mc_ini_fail(err, errlen, h, "send hook refused the %s PDU",
                               mc_opcode_name(mc_pdu_opcode(pdu)) ? mc_opcode_name(mc_pdu_opcode(pdu)) : "unknown");
    }
    uint8_t *wire = NULL;
    size_t wlen = 0;
    if (mc_pdu_encode(pdu, &ini->wire, &wire, &wlen, err, errlen) != 0)
        return MC_INI_ERR;
    int rc = write_all(ini, wire, wlen, deadline, err, errlen);
    free(wire);
    return rc;
}

int mc_ini_send_pdu(mc_ini *ini, mc_pdu *pdu, uint64_t deadline, char *err, size_t errlen)
{
    uint8_t op = mc_pdu_opcode(pdu);
    bool immediate = mc_pdu_get(pdu, MC_F_IMMEDIATE) != 0;
    if (mc_field_applies(MC_F_CMDSN, op)) {
        /* 4.2.2.1: a non-immediate command needs CmdSN within the window. */
        if (!immediate && ini->full_feature) {
            int rc = mc_ini_wait_window(ini, deadline, err, errlen);
            if (rc != MC_INI_OK)
                return rc;
        }
        mc_pdu_set(pdu, MC_F_CMDSN, ini->cmdsn);
        /* 3.2.2.1: immediate commands and login PDUs do not advance CmdSN. */
        if (!immediate && op != MC_OP_LOGIN_REQ)
            ini->cmdsn++;
    }
    if (mc_field_applies(MC_F_EXPSTATSN, op))
        mc_pdu_set(pdu, MC_F_EXPSTATSN, ini->expstatsn);
    return mc_ini_send_raw(ini, pdu, deadline, err, errlen);
}

/* 4.2.2.1: ExpCmdSN/MaxCmdSN move forward only, and a pair with MaxCmdSN < ExpCmdSN - 1 is
 * ignored. StatSN advances on every status-bearing PDU (4.2.2.2). */
static void track_numbers(mc_ini *ini, const mc_pdu *pdu)
{
    uint8_t op = mc_pdu_opcode(pdu);
    if (!mc_field_applies(MC_F_STATSN, op))
        return;
    uint32_t exp = (uint32_t)mc_pdu_get(pdu, MC_F_EXPCMDSN);
    uint32_t max = (uint32_t)mc_pdu_get(pdu, MC_F_MAXCMDSN);
    if (op != MC_OP_LOGIN_RSP || mc_pdu_get(pdu, MC_F_STATUS_CLASS) == MC_LOGIN_SUCCESS) {
        if (!mc_sn_lt(max, exp - 1)) {
            if (!ini->full_feature || mc_sn_gt(exp, ini->expcmdsn))
                ini->expcmdsn = exp;
            if (!ini->full_feature || mc_sn_gt(max, ini->maxcmdsn))
                ini->maxcmdsn = max;
        }
    }
    bool advances;
    switch (op) {
    case MC_OP_R2T:
        advances = false;
        break;
    case MC_OP_NOP_IN:
        advances = mc_pdu_get(pdu, MC_F_ITT) != MC_RESERVED_TAG;  /* 11.19.5 */
        break;
    case MC_OP_DATA_IN:
        advances = mc_pdu_get(pdu, MC_F_STATUS_PRESENT) != 0;  /* StatSN only with S (11.7.5) */
        break;
    default:
        advances = true;
    }
    if (advances) {
        ini->expstatsn = (uint32_t)mc_pdu_get(pdu, MC_F_STATSN) + 1;
        ini->statsn_known = true;
    }
}

/* Room for the largest PDU the limits allow: BHS, AHS, two digests, data padded. */
static size_t rx_bound(const mc_ini *ini)
{
    return MC_BHS_LEN + MC_AHS_MAX + 2 * MC_DIGEST_LEN + ini->recv_limit + MC_PAD;
}

int mc_ini_recv_any(mc_ini *ini, mc_pdu *pdu, uint64_t deadline, char *err, size_t errlen)
{
    if (ini->fd < 0)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "not connected");
    mc_dec_limits lim = {.max_data = ini->recv_limit, .header_digest = ini->wire.header_digest,
                         .data_digest = ini->wire.data_digest};
    for (;;) {
        if (ini->rx_len > 0) {
            size_t consumed = 0;
            char derr[160] = "";
            mc_dec_status st = mc_pdu_decode(ini->rx, ini->rx_len, &lim, pdu, &consumed, derr, sizeof derr);
            if (st == MC_DEC_OK) {
                memmove(ini->rx, ini->rx + consumed, ini->rx_len - consumed);
                ini->rx_len -= consumed;
                if (ini->recv_hook)
                    ini->recv_hook(ini->hook_ctx, pdu);
                track_numbers(ini, pdu);
                return MC_INI_OK;
            }
            if (st == MC_DEC_DATA_DIGEST)
                mc_pdu_free(pdu);
            if (st != MC_DEC_MORE)  /* at ErrorRecoveryLevel 0 a digest error ends the connection (7.8) */
                return mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "received PDU: %s", derr);
        }
        if (ini->rx_cap - ini->rx_len < MC_INI_READ_CHUNK) {
            size_t want = ini->rx_len + MC_INI_READ_CHUNK;
            size_t bound = rx_bound(ini) + MC_INI_READ_CHUNK;
            if (want > bound)
                want = bound;
            if (want <= ini->rx_len)
                return mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "received PDU larger than %zu bytes",
                                   rx_bound(ini));
            uint8_t *nrx = realloc(ini->rx, want);
            if (!nrx)
                return mc_ini_fail(err, errlen, MC_INI_ERR, "out of memory");
            ini->rx = nrx;
            ini->rx_cap = want;
        }
        ssize_t n = recv(ini->fd, ini->rx + ini->rx_len, ini->rx_cap - ini->rx_len, 0);
        if (n > 0) {
            ini->rx_len += (size_t)n;
            continue;
        }
        if (n == 0)
            return mc_ini_fail(err, errlen, MC_INI_CLOSED, "connection closed by the target%s",
                               ini->rx_len ? " in the middle of a PDU" : "");
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return mc_ini_fail(err, errlen, errno == ECONNRESET ? MC_INI_CLOSED : MC_INI_ERR,
                               "recv: %s", strerror(errno));
        struct pollfd pfd = {.fd = ini->fd, .events = POLLIN};
        int p = poll(&pfd, 1, remaining_ms(deadline));
        if (p == 0)
            return mc_ini_fail(err, errlen, MC_INI_TIMEOUT, "timed out waiting for a PDU from the target");
        if (p < 0 && errno != EINTR)
            return mc_ini_fail(err, errlen, MC_INI_ERR, "poll: %s", strerror(errno));
    }
}

/* 11.18.1: a NOP-In with a TTT other than 0xffffffff asks for a NOP-Out echoing TTT and LUN. */
static int answer_ping(mc_ini *ini, const mc_pdu *in, uint64_t deadline, char *err, size_t errlen)
{
    mc_pdu out;
    mc_pdu_init(&out, MC_OP_NOP_OUT);
    mc_pdu_set(&out, MC_F_IMMEDIATE, 1);
    mc_pdu_set(&out, MC_F_FINAL, 1);
    mc_pdu_set(&out, MC_F_LUN, mc_pdu_get(in, MC_F_LUN));
    mc_pdu_set(&out, MC_F_ITT, MC_RESERVED_TAG);
    mc_pdu_set(&out, MC_F_TTT, mc_pdu_get(in, MC_F_TTT));
    int rc = MC_INI_OK;
    if (in->data_len && mc_pdu_set_data(&out, in->data, in->data_len) != 0)
        rc = mc_ini_fail(err, errlen, MC_INI_ERR, "out of memory");
    if (rc == MC_INI_OK)
        rc = mc_ini_send_pdu(ini, &out, deadline, err, errlen);
    mc_pdu_free(&out);
    return rc;
}

int mc_ini_recv_pdu(mc_ini *ini, mc_pdu *pdu, uint64_t deadline, char *err, size_t errlen)
{
    for (;;) {
        int rc = mc_ini_recv_any(ini, pdu, deadline, err, errlen);
        if (rc != MC_INI_OK)
            return rc;
        if (mc_pdu_opcode(pdu) == MC_OP_NOP_IN && mc_pdu_get(pdu, MC_F_ITT) == MC_RESERVED_TAG &&
            mc_pdu_get(pdu, MC_F_TTT) != MC_RESERVED_TAG) {
            rc = answer_ping(ini, pdu, deadline, err, errlen);
            mc_pdu_free(pdu);
            if (rc != MC_INI_OK)
                return rc;
            continue;
        }
        return MC_INI_OK;
    }
}

int mc_ini_wait_window(mc_ini *ini, uint64_t deadline, char *err, size_t errlen)
{
    while (mc_sn_gt(ini->cmdsn, ini->maxcmdsn)) {
        mc_pdu pdu;
        int rc = mc_ini_recv_pdu(ini, &pdu, deadline, err, errlen);
        if (rc != MC_INI_OK) {
            if (rc == MC_INI_TIMEOUT)
                mc_ini_fail(err, errlen, rc, "command window closed (CmdSN %u, MaxCmdSN %u) until the deadline",
                            ini->cmdsn, ini->maxcmdsn);
            return rc;
        }
        uint8_t op = mc_pdu_opcode(&pdu);
        mc_pdu_free(&pdu);
        if (op != MC_OP_NOP_IN && op != MC_OP_ASYNC)
            return mc_ini_fail(err, errlen, MC_INI_PROTOCOL,
                               "unexpected 0x%02x PDU while no task is outstanding", op);
    }
    return MC_INI_OK;
}

int mc_ini_rejected(const mc_pdu *pdu, char *err, size_t errlen)
{
    unsigned reason = (unsigned)mc_pdu_get(pdu, MC_F_REJECT_REASON);
    if (pdu->data_len < MC_BHS_LEN)
        return mc_ini_fail(err, errlen, MC_INI_REFUSED, "target sent Reject, reason 0x%02x", reason);
    mc_pdu rejected;   /* 11.17.3: the data segment is the rejected PDU's header */
    mc_pdu_init(&rejected, 0);
    memcpy(rejected.bhs, pdu->data, MC_BHS_LEN);
    const char *name = mc_opcode_name(mc_pdu_opcode(&rejected));
    return mc_ini_fail(err, errlen, MC_INI_REFUSED, "target sent Reject, reason 0x%02x, of a %s PDU",
                       reason, name ? name : "unknown");
}
