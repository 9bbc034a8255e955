/* Initiator session tests against the scripted fake target: login success and refusal, CHAP,
 * ping, text continuation, timeouts, a peer that closes, hooks. */
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chap.h"
#include "initiator.h"
#include "peer.h"
#include "tap.h"
#include "text.h"

#define T_IQN "iqn.2026-11.org.mirrorcert:fake"
#define T_DEADLINE_MS 5000
#define T_SHORT_MS 200
#define KEYS(s) s, sizeof(s) - 1
#define BASIC_KEYS "InitialR2T=No\0MaxRecvDataSegmentLength=8192\0"

/* Connects an initiator with params to a fresh peer running script. */
static mc_ini *start(peer *p, peer_script script, void *arg, const mc_ini_params *params)
{
    int fd = -1;
    if (peer_start(p, script, arg, &fd) != 0)
        return NULL;
    mc_ini_params def = {.target_name = T_IQN};
    mc_ini *ini = mc_ini_new(params ? params : &def);
    char err[256];
    if (!ini || mc_ini_adopt_fd(ini, fd, err, sizeof err) != MC_INI_OK) {
        mc_ini_free(ini);
        return NULL;
    }
    return ini;
}

static void report_peer(peer *p, const char *what)
{
    const char *f = peer_join(p);
    tap_ok(f == NULL, "%s: the fake target saw what it expected%s%s", what, f ? ": " : "", f ? f : "");
}

/* ---- login ---- */

static void script_login_ok(peer *p, void *arg)
{
    mc_pdu req;
    if (!peer_expect(p, &req, MC_OP_LOGIN_REQ))
        return;
    peer_has_key(p, &req, "InitiatorName=" MC_INI_DEFAULT_NAME);
    peer_has_key(p, &req, "TargetName=" T_IQN);
    peer_has_key(p, &req, "SessionType=Normal");
    peer_has_key(p, &req, "InitialR2T=No");
    if (mc_pdu_get(&req, MC_F_CSG) != MC_STAGE_OPERATIONAL || !mc_pdu_get(&req, MC_F_TRANSIT) ||
        mc_pdu_get(&req, MC_F_NSG) != MC_STAGE_FULL_FEATURE)
        peer_failf(p, "first Login Request is not operational stage with T=1 to full feature");
    if (mc_pdu_get(&req, MC_F_TSIH) != 0)
        peer_failf(p, "new session login with TSIH %u", (unsigned)mc_pdu_get(&req, MC_F_TSIH));
    uint32_t itt = (uint32_t)mc_pdu_get(&req, MC_F_ITT);
    uint64_t isid = mc_pdu_get(&req, MC_F_ISID);
    p->expcmdsn = (uint32_t)mc_pdu_get(&req, MC_F_CMDSN);
    mc_pdu_free(&req);
    mc_pdu rsp;
    peer_response(p, &rsp, MC_OP_LOGIN_RSP, itt, true);
    mc_pdu_set(&rsp, MC_F_ISID, isid);
    mc_pdu_set(&rsp, MC_F_TRANSIT, 1);
    mc_pdu_set(&rsp, MC_F_CSG, MC_STAGE_OPERATIONAL);
    mc_pdu_set(&rsp, MC_F_NSG, MC_STAGE_FULL_FEATURE);
    mc_pdu_set(&rsp, MC_F_TSIH, PEER_TSIH);
    static const char keys[] = "InitialR2T=No\0MaxRecvDataSegmentLength=4096\0MaxBurstLength=131072\0"
                               "TargetPortalGroupTag=1\0";
    mc_pdu_set_data(&rsp, keys, sizeof keys - 1);
    peer_send(p, &rsp);
    /* then a logout */
    if (!peer_expect(p, &req, MC_OP_LOGOUT_REQ))
        return;
    itt = (uint32_t)mc_pdu_get(&req, MC_F_ITT);
    mc_pdu_free(&req);
    peer_response(p, &rsp, MC_OP_LOGOUT_RSP, itt, true);
    mc_pdu_set(&rsp, MC_F_FINAL, 1);
    peer_send(p, &rsp);
}

static void test_login_ok(void)
{
    peer p;
    mc_ini_params prm = {.target_name = T_IQN, .max_burst = 131072};
    mc_ini *ini = start(&p, script_login_ok, NULL, &prm);
    char err[256] = "";
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "login succeeds (%s)", err);
    const mc_ini_negotiated *n = mc_ini_negotiated_values(ini);
    tap_is_int(n->max_send_dsl, 4096, "the target's MaxRecvDataSegmentLength limits what we send");
    tap_is_int(n->max_burst, 131072, "MaxBurstLength answered");
    tap_is_int(n->first_burst, 65536, "FirstBurstLength keeps its default");
    tap_ok(!n->initial_r2t && n->immediate_data, "InitialR2T=No and ImmediateData=Yes in force");
    tap_is_int(n->tsih, PEER_TSIH, "TSIH from the final Login Response");
    rc = mc_ini_logout(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "logout answered (%s)", err);
    report_peer(&p, "login");
    mc_ini_free(ini);
}

static void script_login_refused(peer *p, void *arg)
{
    mc_pdu req, rsp;
    if (!peer_expect(p, &req, MC_OP_LOGIN_REQ))
        return;
    uint32_t itt = (uint32_t)mc_pdu_get(&req, MC_F_ITT);
    mc_pdu_free(&req);
    peer_response(p, &rsp, MC_OP_LOGIN_RSP, itt, false);
    mc_pdu_set(&rsp, MC_F_CSG, MC_STAGE_OPERATIONAL);
    mc_pdu_set(&rsp, MC_F_STATUS_CLASS, MC_LOGIN_INITIATOR_ERR);
    mc_pdu_set(&rsp, MC_F_STATUS_DETAIL, MC_LOGIN_D_NOT_FOUND);
    peer_send(p, &rsp);
}

static void test_login_refused(void)
{
    peer p;
    mc_ini *ini = start(&p, script_login_refused, NULL, NULL);
    char err[256] = "";
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_REFUSED, "a Login Response with status class 2 refuses the login");
    uint8_t cls = 0, det = 0;
    mc_ini_login_status(ini, &cls, &det);
    tap_ok(cls == MC_LOGIN_INITIATOR_ERR && det == MC_LOGIN_D_NOT_FOUND, "status class/detail kept (%u/%u)", cls, det);
    tap_ok(strstr(err, "not found") != NULL, "the message says why: %s", err);
    report_peer(&p, "refused login");
    mc_ini_free(ini);
}

static void script_login_bad_answer(peer *p, void *arg)
{
    /* MaxBurstLength negotiates with Minimum (13.13): an answer above the offer is illegal. */
    peer_login(p, KEYS("InitialR2T=No\0MaxRecvDataSegmentLength=8192\0MaxBurstLength=999999\0"));
    mc_pdu d;
    while (peer_recv(p, &d, PEER_WAIT_MS) == 0) {
        peer_failf(p, "initiator carried on after an illegal answer (opcode 0x%02x)", mc_pdu_opcode(&d));
        mc_pdu_free(&d);
    }
}

static void test_login_bad_answer(void)
{
    peer p;
    mc_ini_params prm = {.target_name = T_IQN, .max_burst = 131072};
    mc_ini *ini = start(&p, script_login_bad_answer, NULL, &prm);
    char err[256] = "";
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_PROTOCOL, "an answer above a Minimum offer fails the login: %s", err);
    mc_ini_free(ini);
    report_peer(&p, "illegal login answer");
}

/* ---- CHAP ---- */

typedef struct chap_case {
    const char *secret;   /* what the target knows */
} chap_case;

static bool lookup(void *arg, const char *name, mc_chap_creds *out)
{
    const chap_case *c = arg;
    return strcmp(name, "alice") == 0 && mc_chap_creds_set(out, name, c->secret) == 0;
}

/* Sends a security-stage Login Response with the given keys. */
static void sec_rsp(peer *p, uint32_t itt, uint64_t isid, bool transit, const mc_kvlist *keys, int cls, int det)
{
    mc_pdu rsp;
    peer_response(p, &rsp, MC_OP_LOGIN_RSP, itt, cls == 0);
    mc_pdu_set(&rsp, MC_F_ISID, isid);
    mc_pdu_set(&rsp, MC_F_CSG, MC_STAGE_SECURITY);
    mc_pdu_set(&rsp, MC_F_TRANSIT, transit);
    mc_pdu_set(&rsp, MC_F_NSG, transit ? MC_STAGE_OPERATIONAL : 0);
    mc_pdu_set(&rsp, MC_F_STATUS_CLASS, (uint64_t)cls);
    mc_pdu_set(&rsp, MC_F_STATUS_DETAIL, (uint64_t)det);
    mc_textbuf tb;
    mc_textbuf_init(&tb);
    if (keys && mc_text_serialize(keys, &tb) == 0 && tb.len)
        mc_pdu_set_data(&rsp, tb.data, tb.len);
    mc_textbuf_free(&tb);
    peer_send(p, &rsp);
}

static bool recv_keys(peer *p, mc_pdu *req, mc_kvlist *in)
{
    if (!peer_expect(p, req, MC_OP_LOGIN_REQ))
        return false;
    mc_kvlist_init(in);
    char err[128];
    if (mc_text_parse(req->data, req->data_len, 0, in, NULL, err, sizeof err) != MC_TEXT_OK) {
        peer_failf(p, "login keys: %s", err);
        return false;
    }
    return true;
}

static void script_chap(peer *p, void *arg)
{
    chap_case *c = arg;
    mc_pdu req;
    mc_kvlist in, out;
    mc_kvlist_init(&out);
    if (!recv_keys(p, &req, &in))
        return;
    if (mc_pdu_get(&req, MC_F_CSG) != MC_STAGE_SECURITY)
        peer_failf(p, "CHAP login does not start in the security stage");
    peer_has_key(p, &req, "AuthMethod=CHAP");
    uint32_t itt = (uint32_t)mc_pdu_get(&req, MC_F_ITT);
    uint64_t isid = mc_pdu_get(&req, MC_F_ISID);
    mc_pdu_free(&req);
    mc_kvlist_free(&in);
    mc_kvlist_add(&out, "AuthMethod", "CHAP");
    sec_rsp(p, itt, isid, false, &out, 0, 0);
    mc_kvlist_free(&out);
    mc_kvlist_init(&out);
    if (!recv_keys(p, &req, &in))
        return;
    mc_pdu_free(&req);
    mc_chap_state st = {0};
    char err[160];
    if (mc_chap_target_challenge(&st, mc_kvlist_get(&in, "CHAP_A") ? mc_kvlist_get(&in, "CHAP_A") : "", &out, err,
                                 sizeof err) != 0)
        peer_failf(p, "challenge: %s", err);
    mc_kvlist_free(&in);
    sec_rsp(p, itt, isid, false, &out, 0, 0);
    mc_kvlist_free(&out);
    mc_kvlist_init(&out);
    if (!recv_keys(p, &req, &in))
        return;
    bool transit = mc_pdu_get(&req, MC_F_TRANSIT) != 0;
    mc_pdu_free(&req);
    bool ok = mc_chap_target_verify(&st, &in, lookup, c, NULL, &out, err, sizeof err) == 0;
    mc_kvlist_free(&in);
    if (!ok) {
        sec_rsp(p, itt, isid, false, NULL, MC_LOGIN_INITIATOR_ERR, MC_LOGIN_D_AUTH_FAILED);
        mc_kvlist_free(&out);
        return;
    }
    if (!transit)
        peer_failf(p, "the CHAP response did not ask to leave the security stage");
    sec_rsp(p, itt, isid, true, &out, 0, 0);
    mc_kvlist_free(&out);
    peer_login(p, KEYS(BASIC_KEYS));
}

static void test_chap(const char *target_secret, int want, const char *what)
{
    peer p;
    chap_case c = {.secret = target_secret};
    mc_ini_params prm = {.target_name = T_IQN, .chap_user = "alice", .chap_secret = "wonderland12"};
    mc_ini *ini = start(&p, script_chap, &c, &prm);
    char err[256] = "";
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, want, "%s (%s)", what, err);
    if (want != MC_INI_OK)
        tap_ok(strstr(err, "authentication failed") != NULL, "the refusal names authentication: %s", err);
    report_peer(&p, what);
    mc_ini_free(ini);
}

/* ---- ping, target ping, text continuation ---- */

static void script_ping(peer *p, void *arg)
{
    if (!peer_login(p, KEYS(BASIC_KEYS)))
        return;
    /* A target ping: the initiator must echo TTT and data in an immediate NOP-Out with ITT
     * 0xffffffff (11.18), whether it arrives before or after the initiator's own ping. */
    mc_pdu nop, req, ping;
    mc_pdu_init(&ping, MC_OP_NOP_OUT);
    bool have_ping = false, have_echo = false;
    peer_response(p, &nop, MC_OP_NOP_IN, MC_RESERVED_TAG, false);
    mc_pdu_set(&nop, MC_F_FINAL, 1);
    mc_pdu_set(&nop, MC_F_TTT, 0x1234);
    mc_pdu_set_data(&nop, "ab", 2);
    peer_send(p, &nop);
    while (!(have_ping && have_echo)) {
        if (!peer_expect(p, &req, MC_OP_NOP_OUT))
            break;
        if (mc_pdu_get(&req, MC_F_ITT) == MC_RESERVED_TAG) {
            if (mc_pdu_get(&req, MC_F_TTT) != 0x1234 || !mc_pdu_get(&req, MC_F_IMMEDIATE) || req.data_len != 2 ||
                memcmp(req.data, "ab", 2) != 0)
                peer_failf(p, "the answer to a target ping does not echo TTT/data with I=1");
            have_echo = true;
            mc_pdu_free(&req);
        } else {
            if (mc_pdu_get(&req, MC_F_TTT) != MC_RESERVED_TAG)
                peer_failf(p, "initiator ping with TTT other than 0xffffffff");
            ping = req;
            have_ping = true;
        }
    }
    if (!have_ping)
        return;
    peer_response(p, &nop, MC_OP_NOP_IN, (uint32_t)mc_pdu_get(&ping, MC_F_ITT), true);
    mc_pdu_set(&nop, MC_F_FINAL, 1);
    mc_pdu_set(&nop, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&nop, ping.data, ping.data_len);
    mc_pdu_free(&ping);
    peer_send(p, &nop);
}

static void test_ping(void)
{
    peer p;
    mc_ini *ini = start(&p, script_ping, NULL, NULL);
    char err[256] = "";
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    if (rc == MC_INI_OK)
        rc = mc_ini_ping(ini, "hello", 5, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "ping answered after a target ping was echoed (%s)", err);
    tap_is_int(mc_ini_expstatsn(ini), 2, "ExpStatSN counts the login and ping responses, not the target ping");
    report_peer(&p, "ping");
    mc_ini_free(ini);
}

static void script_text(peer *p, void *arg)
{
    if (!peer_login(p, KEYS(BASIC_KEYS)))
        return;
    mc_pdu req, rsp;
    if (!peer_expect(p, &req, MC_OP_TEXT_REQ))
        return;
    peer_saw(p, &req);
    peer_has_key(p, &req, "SendTargets=All");
    uint32_t itt = (uint32_t)mc_pdu_get(&req, MC_F_ITT);
    if (mc_pdu_get(&req, MC_F_TTT) != MC_RESERVED_TAG)
        peer_failf(p, "a new text exchange with TTT other than 0xffffffff");
    mc_pdu_free(&req);
    /* The answer split in the middle of a pair, with C=1 and a TTT (11.11.2). */
    static const char part1[] = "TargetName=" T_IQN "\0TargetAdd";
    static const char part2[] = "ress=127.0.0.1:3260,1\0";
    peer_response(p, &rsp, MC_OP_TEXT_RSP, itt, true);
    mc_pdu_set(&rsp, MC_F_CONTINUE, 1);
    mc_pdu_set(&rsp, MC_F_TTT, 0x77);
    mc_pdu_set_data(&rsp, part1, sizeof part1 - 1);
    peer_send(p, &rsp);
    if (!peer_expect(p, &req, MC_OP_TEXT_REQ))
        return;
    peer_saw(p, &req);
    if (mc_pdu_get(&req, MC_F_TTT) != 0x77 || req.data_len != 0 || mc_pdu_get(&req, MC_F_ITT) != itt)
        peer_failf(p, "continuation request does not carry TTT 0x77, the same ITT and no data");
    mc_pdu_free(&req);
    peer_response(p, &rsp, MC_OP_TEXT_RSP, itt, true);
    mc_pdu_set(&rsp, MC_F_FINAL, 1);
    mc_pdu_set(&rsp, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&rsp, part2, sizeof part2 - 1);
    peer_send(p, &rsp);
}

static void test_text(void)
{
    peer p;
    mc_ini *ini = start(&p, script_text, NULL, NULL);
    char err[256] = "";
    char *resp = NULL;
    size_t len = 0;
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    if (rc == MC_INI_OK)
        rc = mc_ini_send_targets(ini, "All", &resp, &len, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "SendTargets answered over two PDUs (%s)", err);
    static const char want[] = "TargetName=" T_IQN "\0TargetAddress=127.0.0.1:3260,1\0";
    tap_ok(len == sizeof want - 1 && resp && memcmp(resp, want, len) == 0, "the pieces join into the key list");
    free(resp);
    report_peer(&p, "text continuation");
    mc_ini_free(ini);
}

/* ---- silence, closing ---- */

static void script_silent(peer *p, void *arg)
{
    if (!peer_login(p, KEYS(BASIC_KEYS)))
        return;
    mc_pdu req;
    peer_expect(p, &req, MC_OP_NOP_OUT);
    mc_pdu_free(&req);
    /* says nothing; waits until the initiator hangs up */
    while (peer_recv(p, &req, PEER_WAIT_MS) == 0)
        mc_pdu_free(&req);
}

static void test_silent(void)
{
    peer p;
    mc_ini *ini = start(&p, script_silent, NULL, NULL);
    char err[256] = "";
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "login (%s)", err);
    rc = mc_ini_ping(ini, NULL, 0, mc_ini_deadline(T_SHORT_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_TIMEOUT, "a silent target ends the ping at its deadline: %s", err);
    mc_ini_free(ini);   /* closes the socket, which ends the script */
    report_peer(&p, "silent target");
}

static void script_close(peer *p, void *arg)
{
    if (!peer_login(p, KEYS(BASIC_KEYS)))
        return;
    mc_pdu req;
    if (peer_expect(p, &req, MC_OP_SCSI_CMD))
        mc_pdu_free(&req);
    shutdown(p->fd, SHUT_RDWR);
}

static void test_close(void)
{
    peer p;
    mc_ini *ini = start(&p, script_close, NULL, NULL);
    char err[256] = "";
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    uint8_t buf[512];
    if (rc == MC_INI_OK)
        rc = mc_ini_read(ini, 1, 0, 1, sizeof buf, buf, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_CLOSED, "a target that closes mid-command yields MC_INI_CLOSED: %s", err);
    report_peer(&p, "closing target");
    mc_ini_free(ini);
}

/* ---- hooks ---- */

typedef struct hook_log {
    int sent[64], got[64];
    int nsent, ngot;
    bool drop_pings;
} hook_log;

static int send_hook(void *ctx, mc_pdu *pdu)
{
    hook_log *h = ctx;
    if (h->nsent < 64)
        h->sent[h->nsent++] = mc_pdu_opcode(pdu);
    if (mc_pdu_opcode(pdu) == MC_OP_NOP_OUT && h->drop_pings)
        return MC_HOOK_DROP;
    return MC_HOOK_SEND;
}

static void recv_hook(void *ctx, const mc_pdu *pdu)
{
    hook_log *h = ctx;
    if (h->ngot < 64)
        h->got[h->ngot++] = mc_pdu_opcode(pdu);
}

static void test_hooks(void)
{
    peer p;
    hook_log h = {0};
    mc_ini *ini = start(&p, script_silent, NULL, NULL);
    mc_ini_set_hooks(ini, send_hook, recv_hook, &h);
    char err[256] = "";
    int rc = mc_ini_login(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "login with hooks (%s)", err);
    tap_ok(h.nsent == 1 && h.sent[0] == MC_OP_LOGIN_REQ, "the send hook saw the Login Request");
    tap_ok(h.ngot == 1 && h.got[0] == MC_OP_LOGIN_RSP, "the receive hook saw the Login Response");
    h.drop_pings = true;
    rc = mc_ini_ping(ini, NULL, 0, mc_ini_deadline(T_SHORT_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_TIMEOUT, "a ping dropped by the hook is never answered");
    h.drop_pings = false;
    rc = mc_ini_ping(ini, NULL, 0, mc_ini_deadline(T_SHORT_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_TIMEOUT, "the next ping reaches the (silent) target");
    tap_is_int(h.nsent, 3, "the hook saw every PDU, dropped ones included");
    mc_ini_free(ini);
    report_peer(&p, "hooks");
}

/* ---- connect ---- */

/* A listener on the loopback address of the family; returns the fd and its port in *port. */
static int listener(int family, uint16_t *port)
{
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        sl = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl = sizeof *a;
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static void test_connect(int family, const char *host)
{
    uint16_t port = 0;
    int lfd = listener(family, &port);
    if (lfd < 0) {
        tap_skip(2, family == AF_INET6 ? "no IPv6 loopback on this host" : "no IPv4 loopback");
        return;
    }
    mc_ini *ini = mc_ini_new(NULL);
    char err[256] = "";
    int rc = mc_ini_connect(ini, host, port, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "connect to %s (%s)", host, err);
    mc_ini_free(ini);
    close(lfd);   /* the port is now closed: a second connect is refused */
    ini = mc_ini_new(NULL);
    rc = mc_ini_connect(ini, host, port, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_CLOSED, "connect to a closed port on %s is refused: %s", host, err);
    mc_ini_free(ini);
}

int main(void)
{
    test_connect(AF_INET, "127.0.0.1");
    test_connect(AF_INET6, "[::1]");
    test_login_ok();
    test_login_refused();
    test_login_bad_answer();
    test_chap("wonderland12", MC_INI_OK, "CHAP login with the right secret");
    test_chap("looking-glass", MC_INI_REFUSED, "CHAP login with a wrong secret is refused");
    test_ping();
    test_text();
    test_silent();
    test_close();
    test_hooks();
    return tap_done();
}
