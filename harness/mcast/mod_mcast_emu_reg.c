/* Emulated targets: login (just enough negotiation for a Normal session), Text Requests, and the
 * mirror registration/termination of docs/mcast-data-path.md §4 and §9 in both dialects, with
 * the group joins and leaves they cause. */
#include "mod_mcast_emu.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lun.h"

#define CMD_WINDOW 31u              /* MaxCmdSN - ExpCmdSN: credit the emulated targets grant */
#define TPGT "1"
#define LOGIN_MAX_BURST 262144u     /* RFC 7143 13.13 default and the most we accept */
#define LOGIN_FIRST_BURST 65536u    /* 13.14 default */
#define LOGIN_MAX_R2T 1u            /* one R2T outstanding per task keeps the burst plan simple */
#define VALUE_MAX 256u
#define RCVBUF_BYTES (4 * 1024 * 1024)
#define DEFAULT_PORT_STR "3260"
#define STAGE_FFP 3u
#define MS_PER_S 1000.0

static void set_window(emu_conn *c, mc_pdu *p)
{
    mc_pdu_set(p, MC_F_EXPCMDSN, c->expcmdsn);
    mc_pdu_set(p, MC_F_MAXCMDSN, c->expcmdsn + CMD_WINDOW);
}

static uint32_t parse_num(const char *s, uint32_t dflt)
{
    uint64_t v;
    return s && mc_text_parse_u64(s, &v) == MC_TEXT_OK && v <= UINT32_MAX ? (uint32_t)v : dflt;
}

static void answer_u32(mc_textbuf *b, const char *k, uint32_t v)
{
    char s[16];
    snprintf(s, sizeof s, "%u", v);
    mc_textbuf_add(b, k, s);
}

/* Answers one login key (RFC 7143 13): the emulated target's choice or declaration. */
static void login_key(emu_target *t, emu_conn *c, const char *k, const char *v, mc_textbuf *b)
{
    uint32_t n = parse_num(v, 0);
    if (strcmp(k, "AuthMethod") == 0)
        mc_textbuf_add(b, k, "None");
    else if (strcmp(k, "HeaderDigest") == 0 || strcmp(k, "DataDigest") == 0)
        mc_textbuf_add(b, k, "None");
    else if (strcmp(k, "MaxRecvDataSegmentLength") == 0)
        c->peer_mrdsl = n ? n : c->peer_mrdsl;
    else if (strcmp(k, "InitialR2T") == 0)
        mc_textbuf_add(b, k, "Yes");
    else if (strcmp(k, "ImmediateData") == 0)
        mc_textbuf_add(b, k, "No");
    else if (strcmp(k, "MaxBurstLength") == 0) {
        c->max_burst = n && n < LOGIN_MAX_BURST ? n : LOGIN_MAX_BURST;
        answer_u32(b, k, c->max_burst);
    } else if (strcmp(k, "FirstBurstLength") == 0)
        answer_u32(b, k, n && n < LOGIN_FIRST_BURST ? n : LOGIN_FIRST_BURST);
    else if (strcmp(k, "MaxOutstandingR2T") == 0)
        answer_u32(b, k, LOGIN_MAX_R2T);
    else if (strcmp(k, "ErrorRecoveryLevel") == 0) {
        c->erl = n < t->script.erl_max ? n : t->script.erl_max;
        answer_u32(b, k, c->erl);
    } else if (strcmp(k, "MaxConnections") == 0)
        mc_textbuf_add(b, k, "1");
    else if (strcmp(k, "DataPDUInOrder") == 0 || strcmp(k, "DataSequenceInOrder") == 0)
        mc_textbuf_add(b, k, "Yes");
    else if (strcmp(k, "IFMarker") == 0 || strcmp(k, "OFMarker") == 0)
        mc_textbuf_add(b, k, "No");
    else if (strcmp(k, "DefaultTime2Wait") == 0 || strcmp(k, "DefaultTime2Retain") == 0)
        mc_textbuf_add(b, k, v);
    else if (strcmp(k, "InitiatorName") == 0 || strcmp(k, "InitiatorAlias") == 0 ||
             strcmp(k, "TargetName") == 0 || strcmp(k, "SessionType") == 0)
        return;   /* declarations (13.4-13.6, 13.21) need no answer */
    else
        mc_textbuf_add(b, k, "NotUnderstood");
}

void emu_login(mcm_emu *e, emu_target *t, emu_conn *c, const mc_pdu *p)
{
    mc_kvlist kv;
    mc_kvlist_init(&kv);
    char err[128];
    mc_text_parse(p->data, p->data_len, MC_TEXT_LENIENT | MC_TEXT_ALLOW_DUP, &kv, NULL, err, sizeof err);
    mc_textbuf b;
    mc_textbuf_init(&b);
    bool first = c->statsn == 0;
    if (first) {
        c->statsn = 1;
        c->max_burst = LOGIN_MAX_BURST;
        c->max_r2t = LOGIN_MAX_R2T;
        mc_textbuf_add(&b, "TargetPortalGroupTag", TPGT);   /* first Login Response, 13.9 */
    }
    for (size_t i = 0; i < kv.count; i++)
        login_key(t, c, kv.items[i].key, kv.items[i].value, &b);
    unsigned csg = (unsigned)mc_pdu_get(p, MC_F_CSG), nsg = (unsigned)mc_pdu_get(p, MC_F_NSG);
    bool transit = mc_pdu_get(p, MC_F_TRANSIT) != 0;
    if (csg == 1 || (transit && nsg == STAGE_FFP))
        answer_u32(&b, "MaxRecvDataSegmentLength", EMU_MRDSL);
    c->expcmdsn = (uint32_t)mc_pdu_get(p, MC_F_CMDSN);
    c->isid = mc_pdu_get(p, MC_F_ISID);
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_LOGIN_RSP);
    mc_pdu_set(&r, MC_F_TRANSIT, transit);
    mc_pdu_set(&r, MC_F_CSG, csg);
    mc_pdu_set(&r, MC_F_NSG, transit ? nsg : 0);
    mc_pdu_set(&r, MC_F_ISID, c->isid);
    if (transit && nsg == STAGE_FFP)
        c->tsih = (uint16_t)(t->idx + 1);
    mc_pdu_set(&r, MC_F_TSIH, c->tsih);
    mc_pdu_set(&r, MC_F_ITT, mc_pdu_get(p, MC_F_ITT));
    mc_pdu_set(&r, MC_F_STATSN, c->statsn++);
    set_window(c, &r);
    mc_pdu_set_data(&r, b.data, b.len);
    emu_send(e, t, c, &r);
    mc_pdu_free(&r);
    if (transit && nsg == STAGE_FFP)
        c->ffp = true;
    mc_textbuf_free(&b);
    mc_kvlist_free(&kv);
}

static const char *trim(const char *s, char *buf, size_t cap)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return buf;
}

static emu_group_sock *find_gs(emu_target *t, struct in_addr g, uint16_t port)
{
    for (unsigned i = 0; i < EMU_REGS_MAX; i++)
        if (t->gs[i].fd >= 0 && t->gs[i].group.s_addr == g.s_addr && t->gs[i].port == port)
            return &t->gs[i];
    return NULL;
}

/* Joins (group, port) unless already joined (§4.4: one socket per group address and port). */
static int join(mcm_emu *e, emu_target *t, struct in_addr g, uint16_t port)
{
    if (find_gs(t, g, port))
        return 0;
    for (unsigned i = 0; i < EMU_REGS_MAX; i++) {
        emu_group_sock *s = &t->gs[i];
        if (s->fd >= 0)
            continue;
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, rb = RCVBUF_BYTES;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr = g, .sin_port = htons(port)};
        struct ip_mreq mr = {.imr_multiaddr = g, .imr_interface = e->ifaddr};
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb) != 0 ||
            bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
            setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) {
            char note[96];
            snprintf(note, sizeof note, "join %s:%u failed: %s", inet_ntoa(g), port, strerror(errno));
            emu_record(e, t->idx, 'e', true, &t->addr, &a, NULL, 0, note);
            if (fd >= 0)
                close(fd);
            return -1;
        }
        s->fd = fd;
        s->group = g;
        s->port = port;
        char note[96];
        snprintf(note, sizeof note, "joined %s:%u", inet_ntoa(g), port);
        emu_record(e, t->idx, 'e', true, &t->addr, &a, NULL, 0, note);
        return 0;
    }
    return -1;
}

/* Leaves every joined group no registration needs any more (§4.4, §9). */
void emu_leave_unused(mcm_emu *e, emu_target *t)
{
    for (unsigned i = 0; i < EMU_REGS_MAX; i++) {
        emu_group_sock *s = &t->gs[i];
        if (s->fd < 0)
            continue;
        bool used = false;
        for (unsigned j = 0; j < EMU_REGS_MAX; j++)
            used |= t->regs[j].used && t->regs[j].group.s_addr == s->group.s_addr && t->regs[j].port == s->port;
        if (used)
            continue;
        struct ip_mreq mr = {.imr_multiaddr = s->group, .imr_interface = e->ifaddr};
        (void)setsockopt(s->fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr, sizeof mr);
        close(s->fd);
        s->fd = -1;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr = s->group, .sin_port = htons(s->port)};
        char note[96];
        snprintf(note, sizeof note, "left %s:%u", inet_ntoa(s->group), s->port);
        emu_record(e, t->idx, 'e', true, &t->addr, &a, NULL, 0, note);
    }
}

static bool has_lun(const emu_target *t, unsigned lun)
{
    for (unsigned i = 0; i < t->nluns; i++)
        if (t->luns[i] == lun)
            return true;
    return false;
}

/* The parsed content of a mirror request in either dialect. */
typedef struct mirror_req {
    bool literal, reg, term, have_group, have_vlun, have_map;
    char group_s[VALUE_MAX];
    uint32_t port, vlun, burst, tasks, timeout;
    uint16_t reals[EMU_MAP_MAX];
    unsigned nreal;
    bool map_ok;
} mirror_req;

/* "(1,5)" or "(1,2),5": real LUNs then the vLUN (§4.3). */
static void parse_literal_map(const char *s, mirror_req *m)
{
    uint32_t nums[EMU_MAP_MAX + 1];
    unsigned n = 0;
    bool ok = *s == '(';
    for (const char *q = s; *q && ok; q++) {
        if (isdigit((unsigned char)*q)) {
            char *end;
            unsigned long v = strtoul(q, &end, 10);
            if (n > EMU_MAP_MAX || v > 0xffff) {
                ok = false;
                break;
            }
            nums[n++] = (uint32_t)v;
            q = end - 1;
        } else if (!strchr("(), ", *q)) {
            ok = false;
        }
    }
    if (!ok || n < 2) {
        m->map_ok = false;
        return;
    }
    m->map_ok = true;
    m->vlun = nums[n - 1];
    m->have_vlun = true;
    m->nreal = n - 1;
    for (unsigned i = 0; i + 1 < n; i++)
        m->reals[i] = (uint16_t)nums[i];
}

/* "1:5,2:5" (§4.2). */
static void parse_std_map(const char *s, mirror_req *m)
{
    m->map_ok = true;
    m->nreal = 0;
    char item[32];
    for (size_t i = 0; mc_text_list_item(s, i, item, sizeof item); i++) {
        unsigned r, v;
        char extra;
        if (m->nreal == EMU_MAP_MAX || sscanf(item, "%u:%u%c", &r, &v, &extra) != 2 || r > 0xffff ||
            (m->have_vlun && v != m->vlun)) {
            m->map_ok = false;
            return;
        }
        m->reals[m->nreal++] = (uint16_t)r;
    }
    m->map_ok = m->nreal > 0;
}

static bool is_mirror_key(const char *k, bool *literal)
{
    static const char *const lit[] = {"Command", "command", "multicast_group_ip", "lun_map", "virtual_lun"};
    if (strncmp(k, "X-org.mirrorcert.", strlen("X-org.mirrorcert.")) == 0) {
        *literal = false;
        return true;
    }
    char b[64];
    trim(k, b, sizeof b);
    for (size_t i = 0; i < sizeof lit / sizeof lit[0]; i++) {
        if (strcmp(b, lit[i]) == 0) {
            *literal = true;
            return true;
        }
    }
    return false;
}

/* The keys of the default dialect (§4.2); any other X-org.mirrorcert. key is NotUnderstood. */
static bool known_std_key(const char *k)
{
    static const char *const std[] = {"X-org.mirrorcert.MirrorCommand", "X-org.mirrorcert.MulticastGroup",
                                      "X-org.mirrorcert.MulticastPort", "X-org.mirrorcert.VirtualLUN",
                                      "X-org.mirrorcert.LunMap", "X-org.mirrorcert.GroupBurst",
                                      "X-org.mirrorcert.GroupTasks", "X-org.mirrorcert.DataTimeout",
                                      "X-org.mirrorcert.NextGSN"};
    for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
        if (strcmp(k, std[i]) == 0)
            return true;
    return false;
}

/* GroupBurst, GroupTasks and DataTimeout within the ranges of §4.2 (the burst at most the
 * session's MaxBurstLength, when one was negotiated). */
static bool params_ok(const mirror_req *m, const emu_conn *c)
{
    return m->burst >= MCM_BURST_UNIT && m->burst % MCM_BURST_UNIT == 0 && (!c->max_burst || m->burst <= c->max_burst) &&
           m->tasks >= 1 && m->tasks <= MCM_TASKS_MAX && m->timeout >= MCM_TIMEOUT_MIN_MS &&
           m->timeout <= MCM_TIMEOUT_MAX_MS;
}

static emu_reg *find_reg(emu_target *t, int conn, uint32_t vlun)
{
    for (unsigned i = 0; i < EMU_REGS_MAX; i++)
        if (t->regs[i].used && t->regs[i].conn == conn && t->regs[i].vlun == vlun)
            return &t->regs[i];
    return NULL;
}

/* Registration or termination (§4, §9); answers in the request's dialect. */
static void mirror_text(mcm_emu *e, emu_target *t, emu_conn *c, const mc_kvlist *kv, mc_textbuf *b)
{
    mirror_req m = {.port = MCM_DEFAULT_PORT, .tasks = MCM_DEFAULT_TASKS, .timeout = MCM_DEFAULT_TIMEOUT_MS,
                    .burst = c->max_burst < MCM_LITERAL_BURST ? c->max_burst : MCM_LITERAL_BURST};
    bool mixed = false, lit_seen = false, std_seen = false;
    const char *map_s = NULL;
    char kb[64], vb[VALUE_MAX];
    for (size_t i = 0; i < kv->count; i++) {
        bool literal;
        if (!is_mirror_key(kv->items[i].key, &literal))
            continue;
        lit_seen |= literal;
        std_seen |= !literal;
        const char *k = trim(kv->items[i].key, kb, sizeof kb), *v = trim(kv->items[i].value, vb, sizeof vb);
        if (!strcmp(k, "X-org.mirrorcert.MirrorCommand") || !strcmp(k, "Command") || !strcmp(k, "command")) {
            m.reg = !strcmp(v, "register");
            m.term = !strcmp(v, "terminate");
        } else if (!strcmp(k, "X-org.mirrorcert.MulticastGroup") || !strcmp(k, "multicast_group_ip")) {
            snprintf(m.group_s, sizeof m.group_s, "%s", v);
            m.have_group = true;
        } else if (!strcmp(k, "X-org.mirrorcert.MulticastPort")) {
            m.port = parse_num(v, 0);
        } else if (!strcmp(k, "X-org.mirrorcert.VirtualLUN") || !strcmp(k, "virtual_lun")) {
            m.vlun = parse_num(v, UINT32_MAX);
            m.have_vlun = true;
        } else if (!strcmp(k, "X-org.mirrorcert.LunMap")) {
            map_s = kv->items[i].value;
        } else if (!strcmp(k, "lun_map")) {
            parse_literal_map(v, &m);
            m.have_map = true;
        } else if (!strcmp(k, "X-org.mirrorcert.GroupBurst")) {
            m.burst = parse_num(v, 0);
        } else if (!strcmp(k, "X-org.mirrorcert.GroupTasks")) {
            m.tasks = parse_num(v, 0);
        } else if (!strcmp(k, "X-org.mirrorcert.DataTimeout")) {
            m.timeout = parse_num(v, 0);
        }
    }
    mixed = lit_seen && std_seen;
    m.literal = lit_seen && !std_seen;
    if (map_s) {
        parse_std_map(map_s, &m);
        m.have_map = true;
    }
    struct in_addr g = {0};
    const char *status = m.reg ? "Registered" : "Terminated";
    const char *bad_key = NULL;
    char gtrim[VALUE_MAX];
    const char *gs = m.group_s;
    if (gs[0] == '[')
        gs = "";   /* IPv6 groups are not emulated */
    snprintf(gtrim, sizeof gtrim, "%s", gs);
    if (mixed) {
        status = "MixedDialect";
    } else if (t->script.register_mode == EMU_REG_FAIL) {
        status = "JoinFailed";
        bad_key = "multicast_group_ip";
    } else if (!m.reg && !m.term) {
        status = "BadParameter";
        bad_key = "Command";
    } else if (m.reg && (!m.have_group || !m.have_vlun || !m.have_map)) {
        status = "BadParameter";
        bad_key = "lun_map";
    } else if (m.have_group && (inet_pton(AF_INET, gtrim, &g) != 1 || !IN_MULTICAST(ntohl(g.s_addr)))) {
        status = "BadAddress";
        bad_key = "multicast_group_ip";
    } else if (m.reg && !m.map_ok) {
        status = "BadMap";
        bad_key = "lun_map";
    } else if (m.vlun > MCM_VLUN_MAX || m.port == 0 || m.port > 0xffff ||
               (m.reg && !params_ok(&m, c))) {
        status = "BadParameter";
        bad_key = "virtual_lun";
    } else if (m.reg) {
        for (unsigned i = 0; i < m.nreal && bad_key == NULL; i++) {
            if (!has_lun(t, m.reals[i])) {
                status = "NoSuchLUN";
                bad_key = "lun_map";
            }
        }
        if (!bad_key && has_lun(t, m.vlun)) {
            status = "LUNInUse";
            bad_key = "virtual_lun";
        }
    }
    int ci = (int)(c - t->conns);
    if (!bad_key && !mixed && m.reg) {
        emu_reg *r = find_reg(t, ci, m.vlun);
        for (unsigned i = 0; !r && i < EMU_REGS_MAX; i++)
            if (!t->regs[i].used)
                r = &t->regs[i];
        if (!r || join(e, t, g, (uint16_t)m.port) != 0) {
            status = "JoinFailed";
            bad_key = "multicast_group_ip";
        } else {
            *r = (emu_reg){.used = true, .literal = m.literal, .group = g, .port = (uint16_t)m.port,
                           .vlun = (uint16_t)m.vlun, .nreal = m.nreal, .burst = m.burst, .tasks = m.tasks,
                           .timeout_ms = m.timeout, .conn = ci};
            memcpy(r->reals, m.reals, sizeof r->reals);
        }
    } else if (!bad_key && !mixed && m.term) {
        emu_reg *r = find_reg(t, ci, m.vlun);
        if (!r || (m.have_group && r->group.s_addr != g.s_addr)) {
            status = "NotRegistered";
            bad_key = "virtual_lun";
        } else {
            r->used = false;
            emu_leave_unused(e, t);
        }
    }
    /* The answer: every key of the request, in order (§4.1). */
    for (size_t i = 0; i < kv->count; i++) {
        bool literal;
        const char *k = kv->items[i].key;
        if (!is_mirror_key(k, &literal)) {
            mc_textbuf_add(b, k, "NotUnderstood");
            continue;
        }
        const char *tk = trim(k, kb, sizeof kb);
        if (m.literal) {
            bool fails = bad_key && (strcmp(tk, bad_key) == 0 ||
                                     (strcmp(bad_key, "Command") == 0 && strcmp(tk, "command") == 0));
            mc_textbuf_add(b, tk, fails ? "Reject" : trim(kv->items[i].value, vb, sizeof vb));
        } else if (mixed && literal) {
            mc_textbuf_add(b, tk, "Reject");
        } else if (!literal && !known_std_key(tk)) {
            mc_textbuf_add(b, tk, "NotUnderstood");
        } else {
            mc_textbuf_add(b, tk, trim(kv->items[i].value, vb, sizeof vb));
        }
    }
    if (!m.literal)
        mc_textbuf_add(b, "X-org.mirrorcert.MirrorStatus", status);
}

/* "accepted:12,bad-header:0,..." (§8.1). */
static const char *counters_value(const emu_target *t, char *v, size_t cap)
{
#define EMU_CTR_NAME(id, name) name,
    static const char *const names[] = {EMU_COUNTERS(EMU_CTR_NAME)};
#undef EMU_CTR_NAME
    size_t n = 0;
    v[0] = 0;
    for (size_t i = 0; i < EMU_CTR_COUNT && n < cap; i++)
        n += (size_t)snprintf(v + n, cap - n, "%s%s:%llu", i ? "," : "", names[i], (unsigned long long)t->counters[i]);
    return v;
}

void emu_text(mcm_emu *e, emu_target *t, emu_conn *c, const mc_pdu *p)
{
    char v[VALUE_MAX];
    mc_kvlist kv;
    mc_kvlist_init(&kv);
    char err[128];
    mc_text_parse(p->data, p->data_len, MC_TEXT_LENIENT | MC_TEXT_ALLOW_DUP, &kv, NULL, err, sizeof err);
    mc_textbuf b;
    mc_textbuf_init(&b);
    bool mirror = false, literal;
    for (size_t i = 0; i < kv.count; i++)
        mirror |= is_mirror_key(kv.items[i].key, &literal) &&
                  strcmp(kv.items[i].key, "X-org.mirrorcert.MirrorCounters") != 0;
    if (mirror && t->script.register_mode == EMU_REG_SILENT) {
        emu_record(e, t->idx, 'e', true, &t->addr, &c->peer, NULL, 0, "registration left unanswered by script");
        goto out;
    }
    if (mirror && t->script.register_mode != EMU_REG_NOTUNDERSTOOD) {
        mirror_text(e, t, c, &kv, &b);
    } else {
        for (size_t i = 0; i < kv.count; i++) {
            const char *k = kv.items[i].key;
            if (strcmp(k, "SendTargets") == 0) {
                char addr[64];
                snprintf(addr, sizeof addr, "%s:%u," TPGT, inet_ntoa(t->addr.sin_addr), ntohs(t->addr.sin_port));
                mc_textbuf_add(&b, "TargetName", t->iqn);
                mc_textbuf_add(&b, "TargetAddress", addr);
            } else if (strcmp(k, "X-org.mirrorcert.MirrorCounters") == 0 &&
                       t->script.register_mode != EMU_REG_NOTUNDERSTOOD) {
                mc_textbuf_add(&b, k, counters_value(t, v, sizeof v));
            } else {
                mc_textbuf_add(&b, k, "NotUnderstood");
            }
        }
    }
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_TEXT_RSP);
    mc_pdu_set(&r, MC_F_FINAL, 1);
    mc_pdu_set(&r, MC_F_ITT, mc_pdu_get(p, MC_F_ITT));
    mc_pdu_set(&r, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set(&r, MC_F_STATSN, c->statsn++);
    set_window(c, &r);
    mc_pdu_set_data(&r, b.data, b.len);
    if (mirror && t->script.reg_delay_ms && !c->has_delayed) {
        c->delayed = r;   /* ownership moves; emu_tick sends and frees it */
        c->has_delayed = true;
        c->delayed_at = mcm_now_s() + t->script.reg_delay_ms / MS_PER_S;
        goto out;
    }
    emu_send(e, t, c, &r);
    mc_pdu_free(&r);
out:
    mc_textbuf_free(&b);
    mc_kvlist_free(&kv);
}
