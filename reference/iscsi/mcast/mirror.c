/* The mirroring initiator's sessions, group socket, seeded datagram faults, and the text
 * exchanges of registration (Figure 3), termination (Figure 8) and counter queries (§8.1). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mirror_int.h"
#include "session.h"

int mm_fail(char *res, size_t reslen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res, reslen, fmt, ap);
    va_end(ap);
    return -1;
}

int mm_fd(const mc_ini *ini)
{
    return ini->fd;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return (double)(splitmix(s) >> 11) / (double)(1ull << 53);
}

/* Counts every byte the sessions send, for the benchmark's bytes-per-byte ratio. */
static int count_hook(void *ctx, mc_pdu *pdu)
{
    mc_mirror *m = ctx;
    mc_wire_opts o = {0};
    m->st.tcp_bytes += mc_pdu_wire_len(pdu, &o);
    return MC_HOOK_SEND;
}

mc_mirror *mc_mirror_new(const mc_mirror_opts *o)
{
    mc_mirror *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->o = *o;
    if (!m->o.mtu)
        m->o.mtu = MC_MG_LOOPBACK_MTU;
    if (!m->o.ttl)
        m->o.ttl = 1;
    if (!m->o.recovery)
        m->o.recovery = MC_RECOVERY_FIG5;
    if (!m->o.retries)
        m->o.retries = MM_DEFAULT_RETRIES;
    if (!m->o.data_timeout_ms)
        m->o.data_timeout_ms = MC_MG_DEFAULT_TIMEOUT_MS;
    if (!m->o.burst)
        m->o.burst = MM_DEFAULT_BURST;
    if (!m->o.tasks)
        m->o.tasks = MC_MG_DEFAULT_TASKS;
    m->udp = -1;
    /* One ISID for every session of this initiator (§2): OUI format, a random qualifier. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)m;
    uint64_t r = splitmix(&seed);
    m->isid[0] = MM_ISID_OUI_FORMAT;
    for (int i = 1; i < 6; i++)
        m->isid[i] = (uint8_t)(r >> (8 * i));
    for (int i = 0; i < 6; i++)
        m->isid64 = m->isid64 << 8 | m->isid[i];
    m->next_gitt = MM_GROUP_ITT_BASE | (uint32_t)(r & 0xffffu);
    return m;
}

void mc_mirror_free(mc_mirror *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->ntg; i++)
        mc_ini_free(m->tg[i].ini);
    if (m->udp >= 0)
        close(m->udp);
    free(m->held);
    free(m);
}

void mc_mirror_set_recovery(mc_mirror *m, int recovery) { m->o.recovery = recovery; }
void mc_mirror_set_timeouts(mc_mirror *m, uint32_t data_timeout_ms, uint32_t cmd_timeout_ms)
{
    if (data_timeout_ms)
        m->o.data_timeout_ms = data_timeout_ms;
    m->o.cmd_timeout_ms = cmd_timeout_ms;
}
void mc_mirror_set_loss(mc_mirror *m, double p, uint64_t seed)
{
    m->loss = p;
    m->rng = seed;
}
const mc_mirror_stats *mc_mirror_get_stats(const mc_mirror *m) { return &m->st; }

uint32_t mm_next_group_itt(mc_mirror *m)
{
    uint32_t itt = m->next_gitt++;
    if (m->next_gitt == MC_RESERVED_TAG)
        m->next_gitt = MM_GROUP_ITT_BASE;
    return itt;
}

static mm_target *target_by_name(mc_mirror *m, const char *name)
{
    for (size_t i = 0; i < m->ntg; i++)
        if (strcmp(m->tg[i].name, name) == 0)
            return &m->tg[i];
    return NULL;
}

int mc_mirror_target_add(mc_mirror *m, const char *name, const char *host, uint16_t port, const char *iqn,
                         char *res, size_t reslen)
{
    if (target_by_name(m, name))
        return mm_fail(res, reslen, "target %s exists", name);
    if (m->ntg == MC_MIRROR_TARGETS_MAX)
        return mm_fail(res, reslen, "at most %u targets", MC_MIRROR_TARGETS_MAX);
    if (strlen(name) >= sizeof(m->tg[0].name) || strlen(host) >= sizeof(m->tg[0].host) ||
        strlen(iqn) >= sizeof(m->tg[0].iqn))
        return mm_fail(res, reslen, "name, host or IQN too long");
    mm_target *t = &m->tg[m->ntg++];
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", name);
    snprintf(t->host, sizeof(t->host), "%s", host);
    snprintf(t->iqn, sizeof(t->iqn), "%s", iqn);
    t->port = port;
    snprintf(res, reslen, "target %s %s:%u %s", name, host, (unsigned)port, iqn);
    return 0;
}

static int local_addr(int fd, uint32_t *out)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0 || sa.sin_family != AF_INET)
        return -1;
    *out = ntohl(sa.sin_addr.s_addr);
    return 0;
}

int mc_mirror_login(mc_mirror *m, char *res, size_t reslen)
{
    size_t at = (size_t)snprintf(res, reslen, "login");
    int rc = 0;
    for (size_t i = 0; i < m->ntg; i++) {
        mm_target *t = &m->tg[i];
        if (t->up)
            continue;
        /* §2: every byte solicited by an R2T, so no immediate or unsolicited data is offered */
        mc_ini_params p = {.initiator_name = m->o.initiator_name, .target_name = t->iqn,
                           .no_immediate_data = true, .initial_r2t = true,
                           .error_recovery_level = m->o.recovery == MC_RECOVERY_FIG7 ? 1u : 0u};
        memcpy(p.isid, m->isid, sizeof(p.isid));
        mc_ini_free(t->ini);
        t->ini = mc_ini_new(&p);
        char err[256] = "";
        uint64_t dl = mc_ini_deadline(MM_LOGIN_MS);
        if (!t->ini || mc_ini_connect(t->ini, t->host, t->port, dl, err, sizeof(err)) != MC_INI_OK ||
            mc_ini_login(t->ini, dl, err, sizeof(err)) != MC_INI_OK || local_addr(mm_fd(t->ini), &t->local) != 0) {
            at += (size_t)snprintf(res + at, at < reslen ? reslen - at : 0, " %s:failed(%s)", t->name,
                                   t->ini ? err : "out of memory");
            rc = -1;
            continue;
        }
        mc_ini_set_hooks(t->ini, count_hook, NULL, m);
        t->max_send_dsl = mc_ini_negotiated_values(t->ini)->max_send_dsl;
        t->up = true;
        at += (size_t)snprintf(res + at, at < reslen ? reslen - at : 0, " %s", t->name);
    }
    return rc;
}

int mc_mirror_logout(mc_mirror *m, char *res, size_t reslen)
{
    for (size_t i = 0; i < m->ntg; i++)
        if (m->tg[i].up) {
            char err[128];
            mc_ini_logout(m->tg[i].ini, mc_ini_deadline(MM_TEXT_MS), err, sizeof(err));
            m->tg[i].up = false;
        }
    snprintf(res, reslen, "logout");
    return 0;
}

int mm_open_udp(mc_mirror *m, char *res, size_t reslen)
{
    if (m->udp >= 0)
        return 0;
    uint32_t src = 0;
    if (m->o.mcast_if) {
        struct in_addr a;
        if (inet_pton(AF_INET, m->o.mcast_if, &a) != 1)
            return mm_fail(res, reslen, "bad multicast interface %s", m->o.mcast_if);
        src = ntohl(a.s_addr);
    } else {
        for (size_t i = 0; i < m->ntg && !src; i++)
            if (m->tg[i].up)
                src = m->tg[i].local;
    }
    if (!src)
        return mm_fail(res, reslen, "no session to take the group source address from");
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return mm_fail(res, reslen, "socket: %s", strerror(errno));
    /* The source address must be the one the members see on our TCP sessions (§8 rule 3). */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(src)};
    struct in_addr ifa = {.s_addr = htonl(src)};
    unsigned char loop = 1, ttl = m->o.ttl;
    int sndbuf = 4 << 20;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof(ifa)) != 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) != 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) != 0) {
        int e = errno;
        close(fd);
        return mm_fail(res, reslen, "group socket: %s", strerror(e));
    }
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    m->udp = fd;
    m->udp_local = src;
    return 0;
}

static void send_now(mc_mirror *m, uint32_t group, uint16_t port, const uint8_t *dg, size_t len)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(group)};
    for (int tries = 0; tries < 100; tries++) {
        ssize_t n = sendto(m->udp, dg, len, 0, (struct sockaddr *)&to, sizeof(to));
        if (n >= 0 || (errno != ENOBUFS && errno != EAGAIN && errno != EINTR))
            break;
        struct timespec pause = {0, 200000};  /* the local queue is full: let it drain */
        nanosleep(&pause, NULL);
    }
    m->st.udp_bytes += len;
    m->st.udp_datagrams++;
}

void mm_flush_held(mc_mirror *m)
{
    if (!m->held)
        return;
    send_now(m, m->held_group, m->held_port, m->held, m->held_len);
    free(m->held);
    m->held = NULL;
}

static mm_stream *stream(mc_mirror *m, uint32_t group, uint16_t port)
{
    for (size_t i = 0; i < m->nstreams; i++)
        if (m->streams[i].group == group && m->streams[i].port == port)
            return &m->streams[i];
    if (m->nstreams == MM_STREAMS_MAX)
        return &m->streams[0];
    m->streams[m->nstreams] = (mm_stream){.group = group, .port = port, .next_gsn = 1};
    return &m->streams[m->nstreams++];
}

int mm_send_group(mc_mirror *m, uint32_t group, uint16_t port, const uint8_t *payload, size_t len,
                  uint16_t pdus)
{
    uint8_t *dg = malloc(MC_MG_HDR_LEN + len);
    if (!dg)
        return -1;
    mc_mg_hdr h = {.isid = m->isid64, .pdu_count = pdus, .gsn = stream(m, group, port)->next_gsn++};
    mc_mg_build(&h, payload, len, dg);
    size_t dlen = MC_MG_HDR_LEN + len;
    if (m->loss > 0) {
        double u = uniform(&m->rng);
        if (u < m->loss) {           /* dropped */
            free(dg);
            return 0;
        }
        if (u < 2 * m->loss) {       /* duplicated */
            send_now(m, group, port, dg, dlen);
        } else if (u < 3 * m->loss && !m->held) {  /* reordered behind the next one */
            m->held = dg;
            m->held_len = dlen;
            m->held_group = group;
            m->held_port = port;
            return 0;
        }
    }
    send_now(m, group, port, dg, dlen);
    free(dg);
    mm_flush_held(m);
    return 0;
}

mm_reg *mm_reg_find(mc_mirror *m, uint8_t vlun)
{
    for (size_t i = 0; i < MC_MIRROR_REGS_MAX; i++)
        if (m->reg[i].used && m->reg[i].vlun == vlun)
            return &m->reg[i];
    return NULL;
}

int mm_wait_any(mc_mirror *m, const bool *want, uint64_t deadline)
{
    struct pollfd pf[MC_MIRROR_TARGETS_MAX];
    size_t idx[MC_MIRROR_TARGETS_MAX], n = 0;
    for (size_t i = 0; i < m->ntg; i++) {
        if (!want[i] || !m->tg[i].up)
            continue;
        if (m->tg[i].ini->rx_len >= MC_BHS_LEN)
            return (int)i;  /* bytes already buffered may hold a whole PDU */
        pf[n] = (struct pollfd){.fd = mm_fd(m->tg[i].ini), .events = POLLIN};
        idx[n++] = i;
    }
    mm_flush_held(m);
    uint64_t now = mc_ini_now_ms();
    int ms = deadline > now ? (int)(deadline - now) : 0;
    if (n == 0) {
        if (ms > 0) {
            struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        return -1;
    }
    int r = poll(pf, n, ms);
    if (r <= 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (pf[i].revents)
            return (int)idx[i];
    return -1;
}

/* Sends one Text Request to each target in want[] and gathers every answer (or a deadline). */
static int text_all(mc_mirror *m, const bool *want, mc_textbuf *const *req, char **ans, size_t *anslen,
                    bool first_only)
{
    uint32_t itt[MC_MIRROR_TARGETS_MAX] = {0};
    bool pending[MC_MIRROR_TARGETS_MAX] = {false};
    size_t npend = 0;
    for (size_t i = 0; i < m->ntg; i++) {
        ans[i] = NULL;
        anslen[i] = 0;
        if (!want[i] || !m->tg[i].up)
            continue;
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_TEXT_REQ);
        mc_pdu_set(&p, MC_F_FINAL, 1);
        itt[i] = mc_ini_next_itt(m->tg[i].ini);
        mc_pdu_set(&p, MC_F_ITT, itt[i]);
        mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
        char err[160];
        int rc = mc_pdu_set_data(&p, req[i]->data, req[i]->len) == 0
                     ? mc_ini_send_pdu(m->tg[i].ini, &p, mc_ini_deadline(MM_TEXT_MS), err, sizeof(err)) : -1;
        mc_pdu_free(&p);
        if (rc == MC_INI_OK) {
            pending[i] = true;
            npend++;
        }
    }
    uint64_t dl = mc_ini_deadline(MM_TEXT_MS);
    while (npend > 0 && mc_ini_now_ms() < dl) {
        int i = mm_wait_any(m, pending, dl);
        if (i < 0)
            break;
        mc_pdu p;
        char err[160];
        int rc = mc_ini_recv_pdu(m->tg[i].ini, &p, mc_ini_now_ms(), err, sizeof(err));
        if (rc == MC_INI_TIMEOUT)
            continue;
        if (rc != MC_INI_OK) {
            m->tg[i].up = false;
            pending[i] = false;
            npend--;
            continue;
        }
        if (mc_pdu_opcode(&p) == MC_OP_TEXT_RSP && mc_pdu_get(&p, MC_F_ITT) == itt[i]) {
            ans[i] = malloc(p.data_len + 1);
            if (ans[i]) {
                memcpy(ans[i], p.data, p.data_len);
                ans[i][p.data_len] = '\0';
                anslen[i] = p.data_len;
            }
            pending[i] = false;
            npend--;
            if (first_only)
                npend = 0;  /* mutant: the rest are left unread */
        }
        mc_pdu_free(&p);
    }
    return 0;
}

/* The member's verdict from its answer: "" when confirmed, else why not. */
static void verdict(const char *ans, size_t len, int dialect, const char *want, char *why, size_t wl)
{
    if (!ans) {
        snprintf(why, wl, "no answer");
        return;
    }
    mc_kvlist l;
    mc_kvlist_init(&l);
    char err[128];
    if (mc_text_parse((const uint8_t *)ans, len, MC_TEXT_LENIENT | MC_TEXT_ALLOW_DUP, &l, NULL, err,
                      sizeof(err)) != MC_TEXT_OK) {
        snprintf(why, wl, "unparsable answer");
        mc_kvlist_free(&l);
        return;
    }
    why[0] = '\0';
    if (dialect == MC_DIALECT_DEFAULT) {
        const char *st = mc_kvlist_get(&l, MC_MK_STATUS);
        if (!st)
            snprintf(why, wl, "NotUnderstood");
        else if (strcmp(st, want) != 0)
            snprintf(why, wl, "%s", st);
    } else {
        for (size_t i = 0; i < l.count && !why[0]; i++)
            if (strcmp(l.items[i].value, "Reject") == 0 || strcmp(l.items[i].value, "NotUnderstood") == 0)
                snprintf(why, wl, "%s=%s", l.items[i].key, l.items[i].value);
        if (l.count == 0)
            snprintf(why, wl, "empty answer");
    }
    mc_kvlist_free(&l);
}

static int exchange(mc_mirror *m, const bool *want, const mc_mreg *q, const mc_mreg *perq, const char *okword,
                    bool first_only, char *fails, size_t fl, bool *ok)
{
    mc_textbuf bufs[MC_MIRROR_TARGETS_MAX];
    mc_textbuf *req[MC_MIRROR_TARGETS_MAX];
    char *ans[MC_MIRROR_TARGETS_MAX];
    size_t anslen[MC_MIRROR_TARGETS_MAX];
    int rc = 0;
    for (size_t i = 0; i < m->ntg; i++) {
        mc_textbuf_init(&bufs[i]);
        req[i] = &bufs[i];
        if (want[i] && mc_mreg_request(perq ? &perq[i] : q, &bufs[i]) != 0)
            rc = -1;
    }
    if (rc == 0)
        text_all(m, want, req, ans, anslen, first_only);
    size_t at = 0;
    fails[0] = '\0';
    for (size_t i = 0; i < m->ntg; i++) {
        mc_textbuf_free(&bufs[i]);
        ok[i] = false;
        if (!want[i] || rc != 0)
            continue;
        char why[96];
        if (!m->tg[i].up)
            snprintf(why, sizeof(why), "not logged in");
        else if (first_only && !ans[i])
            why[0] = '\0';  /* mutant: not waited for */
        else
            verdict(ans[i], anslen[i], perq ? perq[i].dialect : q->dialect, okword, why, sizeof(why));
        free(ans[i]);
        ok[i] = !why[0];
        if (why[0])
            at += (size_t)snprintf(fails + at, at < fl ? fl - at : 0, "%s%s:%s", at ? " " : "", m->tg[i].name, why);
    }
    return rc;
}

int mc_mirror_register(mc_mirror *m, const char *group, uint16_t port, uint8_t vlun,
                       const mc_mirror_member *mem, size_t nmem, int dialect, char *res, size_t reslen)
{
    uint32_t g;
    if (!mc_mg_parse_group(group, &g))
        return mm_fail(res, reslen, "register %s: not a multicast group address", group);
    if (nmem == 0 || nmem > MC_MIRROR_TARGETS_MAX)
        return mm_fail(res, reslen, "register: 1..%u members", MC_MIRROR_TARGETS_MAX);
    mc_mreg perq[MC_MIRROR_TARGETS_MAX];
    bool want[MC_MIRROR_TARGETS_MAX] = {false};
    mm_reg nr = {.used = true, .group = g, .port = port, .vlun = vlun, .dialect = dialect,
                 .burst = m->o.burst};
    for (size_t i = 0; i < nmem; i++) {
        mm_target *t = target_by_name(m, mem[i].name);
        if (!t)
            return mm_fail(res, reslen, "register: no target %s", mem[i].name);
        size_t ti = (size_t)(t - m->tg);
        if (mem[i].nreal == 0 || mem[i].nreal > MC_MG_MAP_MAX)
            return mm_fail(res, reslen, "register: %s needs 1..%u real LUNs", t->name, MC_MG_MAP_MAX);
        if (dialect == MC_DIALECT_LITERAL && t->ini) {
            /* §4.3: the literal dialect cannot name GroupBurst; a member then solicits by
             * min(262144, its session's MaxBurstLength), so the plan is the least of those. */
            uint32_t mb = mc_ini_negotiated_values(t->ini)->max_burst;
            uint32_t lb = mb && mb < MC_MG_LITERAL_BURST ? mb : MC_MG_LITERAL_BURST;
            if (nr.nmem == 0 || lb < nr.burst)
                nr.burst = lb;
        }
        mc_mreg *q = &perq[ti];
        *q = (mc_mreg){.cmd = MC_MREG_REGISTER, .dialect = dialect, .group_set = true, .group = g,
                       .port = port, .vlun_set = true, .vlun = vlun, .nreal = mem[i].nreal,
                       .burst = m->o.burst, .tasks = m->o.tasks, .timeout_ms = m->o.data_timeout_ms,
                       .next_gsn_set = true, .next_gsn = stream(m, g, port)->next_gsn};
        memcpy(q->real, mem[i].real, mem[i].nreal * sizeof(q->real[0]));
        want[ti] = true;
        nr.mem[nr.nmem].t = ti;
        nr.mem[nr.nmem].nreal = mem[i].nreal;
        memcpy(nr.mem[nr.nmem].real, mem[i].real, mem[i].nreal * sizeof(uint16_t));
        nr.nmem++;
    }
    if (mm_open_udp(m, res, reslen) != 0)
        return -1;
    /* Members of an earlier registration of this vLUN that are not named again leave it. */
    mm_reg *old = mm_reg_find(m, vlun);
    bool drop[MC_MIRROR_TARGETS_MAX] = {false};
    bool any_drop = false;
    if (old)
        for (size_t i = 0; i < old->nmem; i++)
            if (!want[old->mem[i].t]) {
                drop[old->mem[i].t] = true;
                any_drop = true;
            }
    char fails[512];
    bool ok[MC_MIRROR_TARGETS_MAX];
    if (any_drop) {
        mc_mreg tq = {.cmd = MC_MREG_TERMINATE, .dialect = old->dialect, .group_set = true,
                      .group = old->group, .port = old->port, .vlun_set = true, .vlun = vlun};
        exchange(m, drop, &tq, NULL, "Terminated", false, fails, sizeof(fails), ok);
    }
    bool first_only = m->o.mutant == MC_MIRROR_MUTANT_WRITE_BEFORE_CONFIRM;
    if (exchange(m, want, NULL, perq, "Registered", first_only, fails, sizeof(fails), ok) != 0)
        return mm_fail(res, reslen, "register: out of memory");
    /* Only confirmed members are members (§4). */
    mm_reg keep = nr;
    keep.nmem = 0;
    for (size_t i = 0; i < nr.nmem; i++)
        if (ok[nr.mem[i].t])
            keep.mem[keep.nmem++] = nr.mem[i];
    mm_reg *slot = old;
    for (size_t i = 0; i < MC_MIRROR_REGS_MAX && !slot; i++)
        if (!m->reg[i].used)
            slot = &m->reg[i];
    if (!slot)
        return mm_fail(res, reslen, "register: at most %u registrations", MC_MIRROR_REGS_MAX);
    *slot = keep;
    if (keep.nmem == 0)
        slot->used = false;
    size_t at = (size_t)snprintf(res, reslen, "register %s vlun=%u members=", group, (unsigned)vlun);
    for (size_t i = 0; i < keep.nmem; i++)
        at += (size_t)snprintf(res + at, at < reslen ? reslen - at : 0, "%s%s", i ? "," : "",
                               m->tg[keep.mem[i].t].name);
    if (fails[0]) {
        snprintf(res + at, at < reslen ? reslen - at : 0, " failed=%s", fails);
        return -1;
    }
    return 0;
}

int mc_mirror_terminate(mc_mirror *m, const char *group, uint8_t vlun, char *res, size_t reslen)
{
    uint32_t g;
    mm_reg *r = mm_reg_find(m, vlun);
    if (!mc_mg_parse_group(group, &g) || !r || r->group != g)
        return mm_fail(res, reslen, "terminate %s vlun=%u: not registered", group, (unsigned)vlun);
    bool want[MC_MIRROR_TARGETS_MAX] = {false};
    for (size_t i = 0; i < r->nmem; i++)
        if (i == 0 || m->o.mutant != MC_MIRROR_MUTANT_TERMINATE_FIRST_ONLY)
            want[r->mem[i].t] = true;
    mc_mreg q = {.cmd = MC_MREG_TERMINATE, .dialect = r->dialect, .group_set = true, .group = g,
                 .port = r->port, .vlun_set = true, .vlun = vlun};
    char fails[512];
    bool ok[MC_MIRROR_TARGETS_MAX];
    exchange(m, want, &q, NULL, "Terminated", false, fails, sizeof(fails), ok);
    r->used = false;
    if (fails[0])
        return mm_fail(res, reslen, "terminate %s vlun=%u failed=%s", group, (unsigned)vlun, fails);
    snprintf(res, reslen, "terminate %s vlun=%u", group, (unsigned)vlun);
    return 0;
}

int mc_mirror_counters(mc_mirror *m, const char *name, char *res, size_t reslen)
{
    mm_target *t = target_by_name(m, name);
    if (!t || !t->up)
        return mm_fail(res, reslen, "counters %s: no such target logged in", name);
    bool want[MC_MIRROR_TARGETS_MAX] = {false};
    want[t - m->tg] = true;
    mc_textbuf b;
    mc_textbuf_init(&b);
    mc_textbuf *req[MC_MIRROR_TARGETS_MAX] = {NULL};
    req[t - m->tg] = &b;
    char *ans[MC_MIRROR_TARGETS_MAX];
    size_t anslen[MC_MIRROR_TARGETS_MAX];
    mc_mreg q = {.cmd = MC_MREG_COUNTERS};
    if (mc_mreg_request(&q, &b) != 0) {
        mc_textbuf_free(&b);
        return mm_fail(res, reslen, "counters: out of memory");
    }
    text_all(m, want, req, ans, anslen, false);
    mc_textbuf_free(&b);
    char *a = ans[t - m->tg];
    const char *pfx = MC_MK_COUNTERS "=";
    int rc = 0;
    if (a && strncmp(a, pfx, strlen(pfx)) == 0)
        snprintf(res, reslen, "counters %s %s", name, a + strlen(pfx));
    else
        rc = mm_fail(res, reslen, "counters %s: no counter list in the answer", name);
    free(a);
    return rc;
}

int mc_mirror_status(mc_mirror *m, char *res, size_t reslen)
{
    size_t at = (size_t)snprintf(res, reslen, "status recovery=fig%d loss=%.3f", m->o.recovery, m->loss);
    for (size_t i = 0; i < m->ntg; i++)
        at += (size_t)snprintf(res + at, at < reslen ? reslen - at : 0, " %s=%s", m->tg[i].name,
                               m->tg[i].up ? "up" : "down");
    for (size_t i = 0; i < MC_MIRROR_REGS_MAX; i++) {
        const mm_reg *r = &m->reg[i];
        if (!r->used)
            continue;
        char g[INET_ADDRSTRLEN];
        mc_mg_format_group(r->group, g, sizeof(g));
        at += (size_t)snprintf(res + at, at < reslen ? reslen - at : 0, " vlun%u@%s:", (unsigned)r->vlun, g);
        for (size_t k = 0; k < r->nmem; k++)
            at += (size_t)snprintf(res + at, at < reslen ? reslen - at : 0, "%s%s", k ? "," : "",
                                   m->tg[r->mem[k].t].name);
    }
    return 0;
}
