#include "tclient.h"

#include "lun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TC_LUN_SIZE (4u << 20)
#define TC_MAX_DATA (16u << 20)

static void *run_target(void *arg)
{
    tc_target *tt = arg;
    char err[256];
    if (mc_target_run(tt->t, NULL, err, sizeof(err)) != 0)
        fprintf(stderr, "# target loop failed: %s\n", err);
    return NULL;
}

int tc_target_start(tc_target *tt, const mc_target_config *cfg)
{
    return tc_target_start_hooks(tt, cfg, NULL, NULL);
}

static int start(tc_target *tt, const mc_target_config *cfg, const mc_target_hooks *h, void *ctx,
                 const mc_target_module *mod)
{
    mc_target_config def;
    memset(&def, 0, sizeof(def));
    if (!cfg) {
        def.iqn = TC_IQN;
        cfg = &def;
    }
    mc_target_config use = *cfg;
    use.host = "127.0.0.1";
    use.port = 0;
    if (!use.iqn)
        use.iqn = TC_IQN;
    if (use.nluns == 0) {
        use.luns[0] = (mc_target_lun_spec){.lun = 1, .path = "mem"};
        use.luns[1] = (mc_target_lun_spec){.lun = 2, .path = "mem"};
        use.nluns = 2;
    }
    if (!use.lun_size)
        use.lun_size = TC_LUN_SIZE;
    char err[256];
    memset(tt, 0, sizeof(*tt));
    if (mc_target_new(&tt->t, &use, err, sizeof(err)) != 0) {
        fprintf(stderr, "# mc_target_new: %s\n", err);
        return -1;
    }
    if (h && mc_target_add_hooks(tt->t, h, ctx) != 0) {
        mc_target_free(tt->t);
        return -1;
    }
    if (mod && mod->attach(tt->t, err, sizeof(err)) != 0) {
        fprintf(stderr, "# attach %s: %s\n", mod->hooks->name, err);
        mc_target_free(tt->t);
        return -1;
    }
    tt->port = mc_target_port(tt->t);
    if (pthread_create(&tt->thread, NULL, run_target, tt) != 0) {
        mc_target_free(tt->t);
        return -1;
    }
    tt->running = true;
    return 0;
}

int tc_target_start_hooks(tc_target *tt, const mc_target_config *cfg, const mc_target_hooks *h, void *ctx)
{
    return start(tt, cfg, h, ctx, NULL);
}

int tc_target_start_module(tc_target *tt, const mc_target_config *cfg, const mc_target_module *mod)
{
    return start(tt, cfg, NULL, NULL, mod);
}

void tc_target_stop(tc_target *tt)
{
    if (!tt->running)
        return;
    mc_target_stop(tt->t);
    pthread_join(tt->thread, NULL);
    mc_target_free(tt->t);
    tt->running = false;
}

int tc_connect(tc_conn *c, uint16_t port, uint64_t isid)
{
    memset(c, 0, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->lim.max_data = TC_MAX_DATA;
    c->isid = isid;
    c->itt = 0x100;
    c->cmdsn = 1;
    return 0;
}

void tc_close(tc_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = 0;
}

int tc_send_raw(tc_conn *c, const void *b, size_t n)
{
    const uint8_t *p = b;
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int tc_send(tc_conn *c, const mc_pdu *p)
{
    uint8_t *wire;
    size_t len;
    char err[160];
    if (mc_pdu_encode(p, &c->wo, &wire, &len, err, sizeof(err)) != 0) {
        fprintf(stderr, "# encode: %s\n", err);
        return -1;
    }
    int r = tc_send_raw(c, wire, len);
    free(wire);
    return r;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Reads what is available within the deadline: 0 some bytes, 1 timeout, -1 EOF/error. */
static int fill(tc_conn *c, uint64_t deadline)
{
    uint64_t now = now_ms();
    if (now >= deadline)
        return 1;
    struct pollfd pf = {.fd = c->fd, .events = POLLIN};
    int r = poll(&pf, 1, (int)(deadline - now));
    if (r == 0)
        return 1;
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    if (c->cap - c->len < 65536) {
        uint8_t *nb = realloc(c->buf, c->cap + 65536);
        if (!nb)
            return -1;
        c->buf = nb;
        c->cap += 65536;
    }
    ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
    if (n <= 0)
        return -1;
    c->len += (size_t)n;
    return 0;
}

int tc_recv_st(tc_conn *c, mc_pdu *p, int timeout_ms, mc_dec_status *st)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    memset(p, 0, sizeof(*p));
    for (;;) {
        if (c->len >= MC_BHS_LEN) {
            size_t used = 0;
            char err[160];
            mc_dec_status s = mc_pdu_decode(c->buf, c->len, &c->lim, p, &used, err, sizeof(err));
            if (st)
                *st = s;
            if (s == MC_DEC_OK || s == MC_DEC_DATA_DIGEST) {
                memmove(c->buf, c->buf + used, c->len - used);
                c->len -= used;
                return 0;
            }
            if (s != MC_DEC_MORE) {
                fprintf(stderr, "# client decode: %s\n", err);
                return -1;
            }
        }
        int r = fill(c, deadline);
        if (r != 0)
            return r;
    }
}

int tc_recv(tc_conn *c, mc_pdu *p, int timeout_ms)
{
    return tc_recv_st(c, p, timeout_ms, NULL);
}

bool tc_wait_closed(tc_conn *c, int timeout_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        c->len = 0;
        int r = fill(c, deadline);
        if (r < 0)
            return true;
        if (r > 0)
            return false;
    }
}

void tc_request(tc_conn *c, mc_pdu *p, uint8_t opcode, bool advance)
{
    mc_pdu_init(p, opcode);
    mc_pdu_set(p, MC_F_ITT, c->itt++);
    mc_pdu_set(p, MC_F_CMDSN, c->cmdsn);
    mc_pdu_set(p, MC_F_EXPSTATSN, c->expstatsn);
    if (advance)
        c->cmdsn++;
    else
        mc_pdu_set(p, MC_F_IMMEDIATE, 1);
}

bool tc_text_has(const mc_pdu *p, const char *pair)
{
    size_t n = strlen(pair) + 1;  /* the NUL ends the pair */
    for (size_t i = 0; i + n <= p->data_len; i++)
        if ((i == 0 || p->data[i - 1] == 0) && memcmp(p->data + i, pair, n) == 0)
            return true;
    return false;
}

static int append_key(uint8_t **buf, size_t *len, const char *kv)
{
    size_t n = strlen(kv) + 1;
    uint8_t *nb = realloc(*buf, *len + n);
    if (!nb)
        return -1;
    memcpy(nb + *len, kv, n);
    *buf = nb;
    *len += n;
    return 0;
}

int tc_login_step(tc_conn *c, int csg, int nsg, bool transit, const char *const *keys, mc_pdu *rsp)
{
    uint8_t *text = NULL;
    size_t tlen = 0;
    for (size_t i = 0; keys && keys[i]; i++)
        if (append_key(&text, &tlen, keys[i]) != 0) {
            free(text);
            return -1;
        }
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_LOGIN_REQ);
    mc_pdu_set(&p, MC_F_IMMEDIATE, 1);
    mc_pdu_set(&p, MC_F_TRANSIT, transit);
    mc_pdu_set(&p, MC_F_CSG, (uint64_t)csg);
    mc_pdu_set(&p, MC_F_NSG, transit ? (uint64_t)nsg : 0);
    mc_pdu_set(&p, MC_F_ISID, c->isid);
    mc_pdu_set(&p, MC_F_TSIH, c->tsih);
    mc_pdu_set(&p, MC_F_CID, c->cid);
    mc_pdu_set(&p, MC_F_ITT, c->itt);
    mc_pdu_set(&p, MC_F_CMDSN, c->cmdsn);
    mc_pdu_set(&p, MC_F_EXPSTATSN, c->expstatsn);
    if (tlen)
        mc_pdu_set_data(&p, text, tlen);
    free(text);
    int r = tc_send(c, &p);
    mc_pdu_free(&p);
    if (r != 0 || tc_recv(c, rsp, TC_WAIT_MS) != 0)
        return -1;
    if (mc_pdu_opcode(rsp) != MC_OP_LOGIN_RSP) {
        mc_pdu_free(rsp);
        return -1;
    }
    c->login_statsn = (uint32_t)mc_pdu_get(rsp, MC_F_STATSN);
    c->expstatsn = c->login_statsn + 1;
    c->tsih = (uint16_t)mc_pdu_get(rsp, MC_F_TSIH);
    if (tc_text_has(rsp, "HeaderDigest=CRC32C"))
        c->wo.header_digest = c->lim.header_digest = true;
    if (tc_text_has(rsp, "DataDigest=CRC32C"))
        c->wo.data_digest = c->lim.data_digest = true;
    return 0;
}

int tc_status(const mc_pdu *rsp)
{
    return (int)((mc_pdu_get(rsp, MC_F_STATUS_CLASS) << 8) | mc_pdu_get(rsp, MC_F_STATUS_DETAIL));
}

static int login_common(tc_conn *c, const char *target, bool discovery, const char *const *keys)
{
    const char *all[64];
    size_t n = 0;
    char iname[256], tname[256];
    snprintf(iname, sizeof(iname), "InitiatorName=%s", TC_INITIATOR);
    all[n++] = iname;
    all[n++] = discovery ? "SessionType=Discovery" : "SessionType=Normal";
    if (target) {
        snprintf(tname, sizeof(tname), "TargetName=%s", target);
        all[n++] = tname;
    }
    for (size_t i = 0; keys && keys[i] && n < 63; i++)
        all[n++] = keys[i];
    all[n] = NULL;
    mc_pdu rsp;
    if (tc_login_step(c, MC_STAGE_OPERATIONAL, MC_STAGE_FULL_FEATURE, true, all, &rsp) != 0)
        return -1;
    int status = tc_status(&rsp);
    if (status == 0 && !mc_pdu_get(&rsp, MC_F_TRANSIT))
        status = -1;  /* these helpers expect one round trip to full feature phase */
    mc_pdu_free(&rsp);
    return status;
}

int tc_login(tc_conn *c, const char *target, const char *const *keys)
{
    return login_common(c, target, false, keys);
}

int tc_login_discovery(tc_conn *c)
{
    return login_common(c, NULL, true, NULL);
}

int tc_nop_ping(tc_conn *c)
{
    mc_pdu p;
    tc_request(c, &p, MC_OP_NOP_OUT, false);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    uint32_t itt = (uint32_t)mc_pdu_get(&p, MC_F_ITT);
    int r = tc_send(c, &p);
    mc_pdu_free(&p);
    if (r != 0)
        return -1;
    mc_pdu in;
    if (tc_recv(c, &in, TC_WAIT_MS) != 0)
        return -1;
    int ok = mc_pdu_opcode(&in) == MC_OP_NOP_IN && mc_pdu_get(&in, MC_F_ITT) == itt &&
             mc_pdu_get(&in, MC_F_STATSN) == c->expstatsn;
    if (ok)
        c->expstatsn++;
    mc_pdu_free(&in);
    return ok ? 0 : -1;
}

void tc_scsi(tc_conn *c, mc_pdu *p, uint16_t lun, const uint8_t *cdb, size_t cdb_len, bool read,
             bool write, uint32_t edtl)
{
    tc_request(c, p, MC_OP_SCSI_CMD, true);
    mc_pdu_set(p, MC_F_FINAL, 1);
    mc_pdu_set(p, MC_F_READ, read);
    mc_pdu_set(p, MC_F_WRITE, write);
    mc_pdu_set(p, MC_F_ATTR, 1);  /* SIMPLE task attribute */
    mc_pdu_set(p, MC_F_LUN, mc_lun_encode(lun));
    mc_pdu_set(p, MC_F_EDTL, edtl);
    mc_pdu_set_cdb(p, cdb, cdb_len);
}

void tc_rw10(uint8_t cdb[10], uint8_t op, uint32_t lba, uint16_t blocks)
{
    memset(cdb, 0, 10);
    cdb[0] = op;
    cdb[2] = (uint8_t)(lba >> 24);
    cdb[3] = (uint8_t)(lba >> 16);
    cdb[4] = (uint8_t)(lba >> 8);
    cdb[5] = (uint8_t)lba;
    cdb[7] = (uint8_t)(blocks >> 8);
    cdb[8] = (uint8_t)blocks;
}

bool tc_send_free(tc_conn *c, mc_pdu *p)
{
    bool ok = tc_send(c, p) == 0;
    mc_pdu_free(p);
    return ok;
}

bool tc_data_out(tc_conn *c, uint32_t itt, uint32_t ttt, uint32_t datasn, uint32_t off, const uint8_t *d,
                 uint32_t len, bool final)
{
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_DATA_OUT);
    mc_pdu_set(&p, MC_F_FINAL, final);
    mc_pdu_set(&p, MC_F_LUN, mc_lun_encode(1));
    mc_pdu_set(&p, MC_F_ITT, itt);
    mc_pdu_set(&p, MC_F_TTT, ttt);
    mc_pdu_set(&p, MC_F_EXPSTATSN, c->expstatsn);
    mc_pdu_set(&p, MC_F_DATASN, datasn);
    mc_pdu_set(&p, MC_F_BUFFER_OFFSET, off);
    if (len)
        mc_pdu_set_data(&p, d, len);
    return tc_send_free(c, &p);
}
