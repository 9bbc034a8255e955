/* The scripted fake target (see peer.h). */
#include "peer.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PEER_LOGIN_DSL 8192u   /* limit in force during login (RFC 7143 13.12) */
#define PEER_RECV_DSL (1u << 20)

void peer_failf(peer *p, const char *fmt, ...)
{
    if (p->fail[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->fail, sizeof p->fail, fmt, ap);
    va_end(ap);
}

static void *peer_main(void *arg)
{
    peer *p = arg;
    p->script(p, p->arg);
    return NULL;
}

int peer_start(peer *p, peer_script script, void *arg, int *ini_fd)
{
    memset(p, 0, sizeof *p);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    p->fd = sv[0];
    *ini_fd = sv[1];
    p->script = script;
    p->arg = arg;
    p->lim.max_data = PEER_LOGIN_DSL;
    if (pthread_create(&p->thread, NULL, peer_main, p) != 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    return 0;
}

const char *peer_join(peer *p)
{
    pthread_join(p->thread, NULL);
    close(p->fd);
    free(p->buf);
    p->buf = NULL;
    return p->fail[0] ? p->fail : NULL;
}

int peer_recv(peer *p, mc_pdu *pdu, int timeout_ms)
{
    for (;;) {
        if (p->len) {
            size_t used = 0;
            char err[128];
            mc_dec_status st = mc_pdu_decode(p->buf, p->len, &p->lim, pdu, &used, err, sizeof err);
            if (st == MC_DEC_OK) {
                memmove(p->buf, p->buf + used, p->len - used);
                p->len -= used;
                return 0;
            }
            if (st == MC_DEC_DATA_DIGEST)
                mc_pdu_free(pdu);
            if (st != MC_DEC_MORE) {
                peer_failf(p, "peer could not decode a PDU: %s", err);
                return -1;
            }
        }
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        int n = poll(&pfd, 1, timeout_ms);
        if (n == 0)
            return 1;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (p->cap - p->len < 4096) {
            size_t ncap = p->cap ? p->cap * 2 : 65536;
            uint8_t *nb = realloc(p->buf, ncap);
            if (!nb)
                return -1;
            p->buf = nb;
            p->cap = ncap;
        }
        ssize_t r = read(p->fd, p->buf + p->len, p->cap - p->len);
        if (r <= 0)
            return -1;
        p->len += (size_t)r;
    }
}

bool peer_expect(peer *p, mc_pdu *pdu, uint8_t opcode)
{
    int rc = peer_recv(p, pdu, PEER_WAIT_MS);
    if (rc != 0) {
        peer_failf(p, "peer waited for opcode 0x%02x: %s", opcode, rc > 0 ? "timed out" : "connection closed");
        return false;
    }
    if (mc_pdu_opcode(pdu) != opcode) {
        peer_failf(p, "peer expected opcode 0x%02x, got 0x%02x", opcode, mc_pdu_opcode(pdu));
        mc_pdu_free(pdu);
        return false;
    }
    return true;
}

int peer_send(peer *p, mc_pdu *pdu)
{
    uint8_t *wire = NULL;
    size_t n = 0;
    char err[128];
    int rc = mc_pdu_encode(pdu, &p->wo, &wire, &n, err, sizeof err);
    mc_pdu_free(pdu);
    if (rc != 0) {
        peer_failf(p, "peer could not encode: %s", err);
        return -1;
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(p->fd, wire + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            free(wire);
            return -1;
        }
        off += (size_t)w;
    }
    free(wire);
    return 0;
}

void peer_saw(peer *p, const mc_pdu *req)
{
    if (!mc_pdu_get(req, MC_F_IMMEDIATE) && mc_field_applies(MC_F_CMDSN, mc_pdu_opcode(req)))
        p->expcmdsn = (uint32_t)mc_pdu_get(req, MC_F_CMDSN) + 1;
}

void peer_response(peer *p, mc_pdu *pdu, uint8_t opcode, uint32_t itt, bool advance)
{
    mc_pdu_init(pdu, opcode);
    mc_pdu_set(pdu, MC_F_ITT, itt);
    mc_pdu_set(pdu, MC_F_STATSN, advance ? p->statsn++ : p->statsn);
    mc_pdu_set(pdu, MC_F_EXPCMDSN, p->expcmdsn);
    mc_pdu_set(pdu, MC_F_MAXCMDSN, p->expcmdsn + PEER_WINDOW - 1);
}

bool peer_has_key(peer *p, const mc_pdu *pdu, const char *pair)
{
    size_t pl = strlen(pair);
    for (size_t off = 0; off < pdu->data_len;) {
        size_t n = strnlen((const char *)pdu->data + off, pdu->data_len - off);
        if (n == pl && memcmp(pdu->data + off, pair, pl) == 0)
            return true;
        off += n + 1;
    }
    peer_failf(p, "login/text data lacks %s", pair);
    return false;
}

static bool list_has(const char *keys, size_t len, const char *pair)
{
    size_t pl = strlen(pair);
    for (size_t off = 0; off < len;) {
        size_t n = strnlen(keys + off, len - off);
        if (n == pl && memcmp(keys + off, pair, pl) == 0)
            return true;
        off += n + 1;
    }
    return false;
}

/* The answers of the list that match a key the request offered, plus the target's declarations. */
static void answer_offered(mc_pdu *rsp, const char *keys, size_t len, const mc_pdu *req)
{
    char *out = malloc(len ? len : 1);
    size_t n = 0;
    if (!out)
        return;
    for (size_t off = 0; off < len;) {
        size_t pl = strnlen(keys + off, len - off);
        const char *eq = memchr(keys + off, '=', pl);
        size_t kl = eq ? (size_t)(eq - (keys + off)) + 1 : pl;   /* "Key=" */
        bool declaration = strncmp(keys + off, "MaxRecvDataSegmentLength=", kl) == 0 ||
                           strncmp(keys + off, "TargetPortalGroupTag=", kl) == 0;
        bool offered = false;
        for (size_t r = 0; r < req->data_len && !offered;) {
            size_t rl = strnlen((const char *)req->data + r, req->data_len - r);
            offered = rl >= kl && memcmp(req->data + r, keys + off, kl) == 0;
            r += rl + 1;
        }
        if (declaration || offered) {
            memcpy(out + n, keys + off, pl + 1 <= len - off ? pl + 1 : pl);
            n += pl + 1 <= len - off ? pl + 1 : pl;
        }
        off += pl + 1;
    }
    if (n)
        mc_pdu_set_data(rsp, out, n);
    free(out);
}

bool peer_login(peer *p, const char *keys, size_t keys_len)
{
    for (int round = 0; round < 4; round++) {
        mc_pdu req;
        if (!peer_expect(p, &req, MC_OP_LOGIN_REQ))
            return false;
        if (!mc_pdu_get(&req, MC_F_IMMEDIATE))
            peer_failf(p, "Login Request without the I bit");
        bool transit = mc_pdu_get(&req, MC_F_TRANSIT) != 0;
        uint64_t csg = mc_pdu_get(&req, MC_F_CSG), nsg = mc_pdu_get(&req, MC_F_NSG);
        uint32_t itt = (uint32_t)mc_pdu_get(&req, MC_F_ITT);
        uint64_t isid = mc_pdu_get(&req, MC_F_ISID);
        p->expcmdsn = (uint32_t)mc_pdu_get(&req, MC_F_CMDSN);
        mc_pdu req_copy = req;   /* keeps the offered keys until the answer is built */
        mc_pdu rsp;
        peer_response(p, &rsp, MC_OP_LOGIN_RSP, itt, true);
        mc_pdu_set(&rsp, MC_F_ISID, isid);
        mc_pdu_set(&rsp, MC_F_CSG, csg);
        bool done = transit && csg == MC_STAGE_OPERATIONAL && nsg == MC_STAGE_FULL_FEATURE;
        mc_pdu_set(&rsp, MC_F_TRANSIT, transit);
        mc_pdu_set(&rsp, MC_F_NSG, transit ? nsg : 0);
        if (done)
            mc_pdu_set(&rsp, MC_F_TSIH, PEER_TSIH);
        if (round == 0 && keys_len)
            answer_offered(&rsp, keys, keys_len, &req_copy);
        mc_pdu_free(&req_copy);
        if (peer_send(p, &rsp) != 0)
            return false;
        if (done) {
            p->wo.header_digest = p->lim.header_digest = list_has(keys, keys_len, "HeaderDigest=CRC32C");
            p->wo.data_digest = p->lim.data_digest = list_has(keys, keys_len, "DataDigest=CRC32C");
            p->lim.max_data = PEER_RECV_DSL;
            return true;
        }
    }
    peer_failf(p, "login did not reach full feature phase in 4 requests");
    return false;
}
