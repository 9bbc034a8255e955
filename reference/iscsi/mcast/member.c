/* Multicast mirroring at a target, as a hook module (member.h): registration and termination
 * (docs/mcast-data-path.md §4, §9), the group sockets and their joins (§4.4), the acceptance
 * rule for group datagrams (§8) with its counters (§8.1), and the module's place in the
 * target's loop. Group tasks themselves live in member_task.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "member_int.h"

static const mc_mutant_def member_mutants[] = {MC_MEMBER_MUTANTS(MC_MUTANT_ROW)};

bool mg_mutant(const mg_member *m, int which)
{
    return mc_target_module_mutant(m->t, &mc_member_hooks) == which;
}

mg_ctr *mg_counters(mg_member *m, uint32_t group, uint16_t port)
{
    size_t n = 0;
    for (mg_ctr *k = m->ctrs; k; k = k->next, n++)
        if (k->group == group && k->port == port)
            return k;
    if (n >= MG_COUNTER_SETS_MAX)
        return NULL;
    mg_ctr *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->group = group;
    k->port = port;
    k->next = m->ctrs;
    m->ctrs = k;
    return k;
}

void mg_count(mg_member *m, uint32_t group, uint16_t port, int which)
{
    mg_ctr *k = mg_counters(m, group, port);
    if (k)
        k->v[which]++;
}

/* One socket per group address and port, bound to the group (not the wildcard) with
 * SO_REUSEADDR so several members on one host each get every datagram (§3). */
static mg_sock *sock_get(mg_member *m, uint32_t group, uint16_t port)
{
    for (mg_sock *k = m->socks; k; k = k->next)
        if (k->group == group && k->port == port)
            return k;
    mg_sock *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1, zero = 0, rcv = (int)MG_SOCK_RCVBUF;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(group)};
    if (k->fd < 0 || setsockopt(k->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(k->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (k->fd >= 0)
            close(k->fd);
        free(k);
        return NULL;
    }
    /* Only the groups this socket joined, not every group some socket of the host joined. */
    setsockopt(k->fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof(zero));
    setsockopt(k->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    k->group = group;
    k->port = port;
    k->next = m->socks;
    m->socks = k;
    return k;
}

static void sock_close_if_unused(mg_member *m, mg_sock *k)
{
    if (k->njoins > 0)
        return;
    for (mg_reg *r = m->regs; r; r = r->next)
        if (r->sock == k)
            return;
    for (mg_sock **pp = &m->socks; *pp; pp = &(*pp)->next)
        if (*pp == k) {
            *pp = k->next;
            break;
        }
    close(k->fd);
    free(k);
}

static int membership(mg_sock *k, uint32_t local, int opt)
{
    struct ip_mreqn mr;
    memset(&mr, 0, sizeof(mr));
    mr.imr_multiaddr.s_addr = htonl(k->group);
    mr.imr_address.s_addr = htonl(local);
    return setsockopt(k->fd, IPPROTO_IP, opt, &mr, sizeof(mr));
}

static size_t count_socks(const mg_member *m, uint32_t group, uint16_t port, bool *exists)
{
    size_t n = 0;
    *exists = false;
    for (const mg_sock *k = m->socks; k; k = k->next) {
        n++;
        *exists = *exists || (k->group == group && k->port == port);
    }
    return n;
}

/* Joins the group on the interface carrying the session (spec step 2). -1 when the join
 * failed (errno), -2 when it would need a socket beyond MG_SOCKS_MAX. */
static int join(mg_member *m, mg_reg *r)
{
    bool exists;
    if (count_socks(m, r->group, r->port, &exists) >= MG_SOCKS_MAX && !exists)
        return -2;
    mg_sock *k = sock_get(m, r->group, r->port);
    if (!k)
        return -1;
    for (size_t i = 0; i < k->njoins; i++)
        if (k->joins[i].local == r->local) {
            k->joins[i].refs++;
            r->sock = k;
            return 0;
        }
    if (k->njoins == MG_JOINS_MAX || (membership(k, r->local, IP_ADD_MEMBERSHIP) != 0 && errno != EADDRINUSE)) {
        sock_close_if_unused(m, k);
        return -1;
    }
    k->joins[k->njoins++] = (mg_join){.local = r->local, .refs = 1};
    r->sock = k;
    return 0;
}

/* Leaves the group when this was the last registration on it over that interface (Figure 8). */
static void leave(mg_member *m, mg_reg *r)
{
    mg_sock *k = r->sock;
    r->sock = NULL;
    if (!k)
        return;
    for (size_t i = 0; i < k->njoins; i++) {
        if (k->joins[i].local != r->local)
            continue;
        bool last = --k->joins[i].refs == 0;
        if (last || mg_mutant(m, MC_MEMBER_MUTANT_LEAVE_IN_USE)) {
            membership(k, r->local, IP_DROP_MEMBERSHIP);
            if (last)
                k->joins[i] = k->joins[--k->njoins];
        }
        break;
    }
    sock_close_if_unused(m, k);
}

static void reg_remove(mg_member *m, mg_reg *r)
{
    for (mg_reg **pp = &m->regs; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    leave(m, r);
    free(r);
}

static mg_reg *reg_find(mg_member *m, const mc_session *s, uint8_t vlun)
{
    for (mg_reg *r = m->regs; r; r = r->next)
        if (r->s == s && r->vlun == vlun)
            return r;
    return NULL;
}

static const char *do_register(mc_conn *c, mg_member *m, const mc_mreg *q)
{
    mc_session *s = mc_conn_session(c);
    if (mc_target_lun(m->t, q->vlun))
        return "LUNInUse";
    for (size_t i = 0; i < q->nreal; i++)
        if (!mc_target_lun(m->t, q->real[i]))
            return "NoSuchLUN";
    uint32_t peer, local;
    if (mc_conn_peer_ipv4(c, &peer) != 0 || mc_conn_local_ipv4(c, &local) != 0)
        return "JoinFailed";
    for (mg_reg *o = m->regs; o; o = o->next)
        if (o->s != s && o->group == q->group && o->port == q->port && o->peer == peer &&
            mc_session_isid(o->s) == mc_session_isid(s) && o->vlun == q->vlun)
            return "LUNInUse";
    uint32_t max_burst = mc_session_get_params(s)->max_burst;
    uint32_t burst = q->burst;
    if (q->dialect == MC_DIALECT_LITERAL || burst == 0)
        burst = max_burst < MC_MG_LITERAL_BURST ? max_burst : MC_MG_LITERAL_BURST;
    if (burst > max_burst || burst < MC_MG_BURST_UNIT)
        return "BadParameter";
    size_t nregs = 0;
    for (const mg_reg *o = m->regs; o; o = o->next)
        nregs += o->s != s || o->vlun != q->vlun;  /* the one it replaces does not count */
    if (nregs >= MG_REGS_MAX) {
        mc_conn_log(c, 0, "registration refused: the member holds %zu registrations (bound MG_REGS_MAX %u)",
                    nregs, MG_REGS_MAX);
        return "JoinFailed";
    }
    mg_reg *r = calloc(1, sizeof(*r));
    if (!r)
        return "JoinFailed";
    r->s = s;
    r->peer = peer;
    r->local = local;
    r->group = q->group;
    r->port = q->port;
    r->vlun = q->vlun;
    memcpy(r->real, q->real, sizeof(r->real));
    r->nreal = q->nreal;
    r->burst = burst;
    r->tasks = q->tasks ? q->tasks : MC_MG_DEFAULT_TASKS;
    r->timeout_ms = q->timeout_ms ? q->timeout_ms : MC_MG_DEFAULT_TIMEOUT_MS;
    r->dialect = q->dialect;
    r->gsn_known = q->next_gsn_set;
    r->next_gsn = q->next_gsn;
    /* Registering (session, vLUN) again replaces the earlier registration (§4.2). */
    mg_reg *old = reg_find(m, s, q->vlun);
    if (old)
        reg_remove(m, old);
    int joined = 0;
    if (mg_mutant(m, MC_MEMBER_MUTANT_ANSWER_BEFORE_JOIN)) {
        r->join_at = mc_target_now_ms(m->t) + MG_LATE_JOIN_MS;
    } else if ((joined = join(m, r)) != 0) {
        if (joined == -2)
            mc_conn_log(c, 0, "registration refused: %u group sockets open (bound MG_SOCKS_MAX)", MG_SOCKS_MAX);
        else
            mc_conn_log(c, 0, "joining the group failed: %s", strerror(errno));
        free(r);
        return "JoinFailed";
    }
    mg_counters(m, r->group, r->port);
    r->next = m->regs;
    m->regs = r;
    char g[INET_ADDRSTRLEN];
    mc_mg_format_group(r->group, g, sizeof(g));
    mc_conn_log(c, 1, "registered vLUN %u on %s:%u (%zu real LUNs, burst %u)", (unsigned)r->vlun, g,
                (unsigned)r->port, r->nreal, (unsigned)r->burst);
    return "Registered";
}

static const char *do_terminate(mc_conn *c, mg_member *m, const mc_mreg *q)
{
    mg_reg *r = reg_find(m, mc_conn_session(c), q->vlun);
    if (!r || (q->group_set && (r->group != q->group || r->port != q->port)))
        return "NotRegistered";
    if (!mg_mutant(m, MC_MEMBER_MUTANT_KEEP_MAPPING))
        reg_remove(m, r);
    mc_conn_log(c, 1, "terminated vLUN %u", (unsigned)q->vlun);
    return "Terminated";
}

/* §8.1: the counters of every group this session registered (or, after its last termination,
 * every group it is still counted under: the sets outlive the registrations). */
static int counters_answer(mg_member *m, const mc_session *s, mc_textbuf *out)
{
    uint64_t sum[MC_MGC_COUNT] = {0};
    for (mg_ctr *k = m->ctrs; k; k = k->next) {
        bool mine = false;
        for (mg_reg *r = m->regs; r && !mine; r = r->next)
            mine = r->s == s && r->group == k->group && r->port == k->port;
        bool any_reg = false;
        for (mg_reg *r = m->regs; r && !any_reg; r = r->next)
            any_reg = r->s == s;
        if (!mine && any_reg)
            continue;
        for (int i = 0; i < MC_MGC_COUNT; i++)
            sum[i] += k->v[i];
    }
    char list[512];
    if (!mc_mg_counters_format(sum, list, sizeof(list)))
        return -1;
    return mc_textbuf_add(out, MC_MK_COUNTERS, list);
}

/* The text hook: a mirror registration, termination or counter query, either dialect. */
static int member_text(void *ctx, mc_conn *c, const uint8_t *req, size_t len, mc_textbuf *out)
{
    mg_member *m = ctx;
    mc_session *s = mc_conn_session(c);
    mc_mreg q;
    mc_kvlist keys;
    mc_kvlist_init(&keys);
    char status[32], bad[MC_TEXT_KEY_MAX + 2];
    int pr = mc_mreg_parse(req, len, &q, &keys, status, sizeof(status), bad, sizeof(bad));
    if (pr == MC_MREG_NOT_MINE) {
        mc_kvlist_free(&keys);
        return MC_HOOK_TEXT_NOT_MINE;
    }
    int rc = MC_HOOK_TEXT_ANSWER;
    if (pr == MC_MREG_OK && q.cmd == MC_MREG_COUNTERS) {
        if (counters_answer(m, s, out) != 0)
            rc = -1;
        mc_kvlist_free(&keys);
        return rc;
    } else if (pr == MC_MREG_OK && mc_session_is_discovery(s)) {
        snprintf(status, sizeof(status), "BadParameter");  /* §2: a Normal session only */
    } else if (pr == MC_MREG_OK) {
        const char *st = q.cmd == MC_MREG_REGISTER ? do_register(c, m, &q) : do_terminate(c, m, &q);
        snprintf(status, sizeof(status), "%s", st);
        if (q.cmd == MC_MREG_TERMINATE && mg_mutant(m, MC_MEMBER_MUTANT_NO_TERM_CONFIRM))
            rc = MC_HOOK_TEXT_SILENT;
    }
    bool ok = strcmp(status, "Registered") == 0 || strcmp(status, "Terminated") == 0;
    if (!ok && q.dialect == MC_DIALECT_LITERAL && !bad[0]) {
        /* literal failures answer the key that failed with Reject (§4.3) */
        snprintf(bad, sizeof(bad), "%s", q.cmd == MC_MREG_TERMINATE ? "virtual_lun" : "lun_map");
    }
    if (rc == MC_HOOK_TEXT_ANSWER && mc_mreg_answer(&q, &keys, status, ok ? NULL : bad, out) != 0)
        rc = -1;
    mc_kvlist_free(&keys);
    return rc;
}

/* Rule 3: the session whose TCP peer sent it and whose ISID it names, in full feature phase. */
static mc_session *match_source(mg_member *m, mg_sock *k, uint32_t src, uint64_t isid, mg_reg **first)
{
    for (mg_reg *r = m->regs; r; r = r->next) {
        mc_conn *c = mc_session_conn(r->s);
        if (r->sock != k || !c || mc_conn_get_state(c) != MC_CONN_FFP)
            continue;
        if (mc_session_isid(r->s) != isid)
            continue;
        if (r->peer != src && !mg_mutant(m, MC_MEMBER_MUTANT_ANY_SOURCE))
            continue;
        *first = r;
        return r->s;
    }
    return NULL;
}

static void gsn_track(mg_member *m, mg_reg *r, uint32_t gsn)
{
    if (!r->gsn_known) {
        r->gsn_known = true;
    } else if (gsn != r->next_gsn) {
        if (mc_sn_gt(gsn, r->next_gsn)) {
            mg_ctr *k = mg_counters(m, r->group, r->port);
            if (k)
                k->v[MC_MGC_GSN_GAP] += gsn - r->next_gsn;
        } else {
            mg_count(m, r->group, r->port, MC_MGC_DUPLICATE);
            return;
        }
    }
    r->next_gsn = gsn + 1;
}

static void on_datagram(mg_member *m, mg_sock *k, const uint8_t *dg, size_t len, uint32_t src)
{
    mc_mg_hdr h;
    mc_pdu pdus[MC_MG_PDUS_MAX];
    size_t n = 0;
    char err[160];
    if (mc_mg_parse(dg, len, &h, pdus, MC_MG_PDUS_MAX, &n, err, sizeof(err)) != 0) {
        mg_count(m, k->group, k->port, MC_MGC_BAD_HEADER);
        return;
    }
    mg_reg *first = NULL;
    mc_session *s = match_source(m, k, src, h.isid, &first);
    if (!s) {
        mg_count(m, k->group, k->port, MC_MGC_BAD_SOURCE);
    } else {
        mg_count(m, k->group, k->port, MC_MGC_ACCEPTED);
        gsn_track(m, first, h.gsn);
    }
    for (size_t i = 0; i < n; i++) {
        mc_pdu *p = &pdus[i];
        uint8_t op = mc_pdu_opcode(p);
        if (!s) {
        } else if ((op != MC_OP_SCSI_CMD && op != MC_OP_DATA_OUT) || p->ahs_len != 0) {
            mg_count(m, k->group, k->port, MC_MGC_BAD_OPCODE);  /* rule 4 */
        } else {
            uint16_t lun = mc_lun_decode(mc_pdu_get(p, MC_F_LUN));
            mg_reg *r = lun <= MC_MG_VLUN_MAX ? reg_find(m, s, (uint8_t)lun) : NULL;
            if (r && r->sock != k)
                r = NULL;
            if (!r && mg_mutant(m, MC_MEMBER_MUTANT_VLUN_IGNORED))
                r = first;
            if (!r)
                mg_count(m, k->group, k->port, MC_MGC_BAD_LUN);  /* rule 5 */
            else if (op == MC_OP_SCSI_CMD)  /* match_source chose a session with a connection */
                mg_group_command(m, mc_session_conn(s), r, p);
            else
                mg_group_data(m, mc_session_conn(s), r, p);
        }
        mc_pdu_free(p);
    }
}

static size_t member_nfds(void *ctx)
{
    const mg_member *m = ctx;
    size_t n = 0;
    for (const mg_sock *k = m->socks; k; k = k->next)
        n++;
    return n;
}

static size_t member_fill(void *ctx, struct pollfd *pf, size_t max)
{
    mg_member *m = ctx;
    size_t n = 0;
    for (const mg_sock *k = m->socks; k && n < max; k = k->next, n++)
        pf[n] = (struct pollfd){.fd = k->fd, .events = POLLIN};
    return n;
}

static void member_on_poll(void *ctx, const struct pollfd *pf, size_t n)
{
    mg_member *m = ctx;
    for (size_t i = 0; i < n; i++) {
        if (!(pf[i].revents & POLLIN))
            continue;
        for (unsigned round = 0; round < MG_RECV_PER_ROUND; round++) {
            mg_sock *k = m->socks;
            while (k && k->fd != pf[i].fd)
                k = k->next;
            if (!k)
                break;  /* closed by a termination during this round */
            struct sockaddr_in sa;
            socklen_t sl = sizeof(sa);
            ssize_t got = recvfrom(k->fd, m->rx, sizeof(m->rx), 0, (struct sockaddr *)&sa, &sl);
            if (got < 0)
                break;
            on_datagram(m, k, m->rx, (size_t)got, ntohl(sa.sin_addr.s_addr));
        }
    }
}

static uint64_t member_next_deadline(void *ctx)
{
    const mg_member *m = ctx;
    uint64_t d = mg_tasks_next_deadline(m);
    for (const mg_reg *r = m->regs; r; r = r->next)
        if (r->join_at && (d == 0 || r->join_at < d))
            d = r->join_at;
    return d;
}

static void member_tick(void *ctx, uint64_t now)
{
    mg_member *m = ctx;
    for (mg_reg *r = m->regs; r; r = r->next)
        if (r->join_at && now >= r->join_at) {
            r->join_at = 0;
            join(m, r);
        }
    mg_tasks_tick(m, now);
}

/* ABORT TASK: a group task of the session is dropped; a tag neither the module nor the target
 * holds is fenced on every registration of the session (§7.3). */
static bool member_abort(void *ctx, mc_conn *c, const mc_pdu *req, uint8_t *response)
{
    mg_member *m = ctx;
    mc_session *s = mc_conn_session(c);
    uint32_t rtt = (uint32_t)mc_pdu_get(req, MC_F_RTT);
    mg_task *k = mg_task_find(m, s, rtt);
    if (k) {
        mg_task_drop(m, k);
        *response = MC_TMF_RSP_COMPLETE;
        return true;
    }
    if (mc_session_task(s, rtt))
        return false;  /* an ordinary task of the session: the usual path */
    bool any = false;
    for (mg_reg *r = m->regs; r; r = r->next) {
        if (r->s != s)
            continue;
        /* §7.3: a group tag not (yet) held is fenced, the oldest fence giving way */
        if (r->nfences == r->tasks && r->nfences > 0) {
            memmove(r->fences, r->fences + 1, (r->nfences - 1) * sizeof(r->fences[0]));
            r->nfences--;
        }
        r->fences[r->nfences++] = rtt;
        any = true;
    }
    if (any)
        *response = MC_TMF_RSP_COMPLETE;
    return any;
}

/* A session is going away: its registrations, group tasks and fences go with it (§7.4). */
static void member_session_end(void *ctx, mc_session *s)
{
    mg_member *m = ctx;
    for (mg_task **pp = &m->tasks; *pp;) {
        mg_task *k = *pp;
        if (k->s == s)
            mg_task_drop(m, k);
        else
            pp = &k->next;
    }
    for (mg_reg **pp = &m->regs; *pp;) {
        mg_reg *r = *pp;
        if (r->s == s)
            reg_remove(m, r);
        else
            pp = &r->next;
    }
}

static void member_free(void *ctx)
{
    mg_member *m = ctx;
    while (m->tasks)
        mg_task_drop(m, m->tasks);
    while (m->regs)
        reg_remove(m, m->regs);
    while (m->socks) {
        mg_sock *k = m->socks;
        m->socks = k->next;
        close(k->fd);
        free(k);
    }
    while (m->ctrs) {
        mg_ctr *k = m->ctrs;
        m->ctrs = k->next;
        free(k);
    }
    free(m);
}

const mc_target_hooks mc_member_hooks = {
    .name = "mcast-member",
    .mutants = member_mutants,
    .nmutants = sizeof(member_mutants) / sizeof(member_mutants[0]),
    .text = member_text,
    .scsi_cmd = mg_hook_scsi_cmd,
    .data_out = mg_hook_data_out,
    .abort = member_abort,
    .nfds = member_nfds,
    .fill = member_fill,
    .on_poll = member_on_poll,
    .next_deadline = member_next_deadline,
    .tick = member_tick,
    .session_end = member_session_end,
    .free = member_free,
};

int mc_member_attach(mc_target *t, char *err, size_t errlen)
{
    mg_member *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory for multicast mirroring");
        return -1;
    }
    m->t = t;
    if (mc_target_add_hooks(t, &mc_member_hooks, m) != 0) {
        free(m);
        snprintf(err, errlen, "multicast mirroring cannot plug into the target (see its log)");
        return -1;
    }
    return 0;
}

const mc_target_module mc_member_module = {&mc_member_hooks, mc_member_attach};

int mc_mcast_target_main(int argc, char **argv)
{
    return mc_target_main(argc, argv, &mc_member_module, 1);
}
