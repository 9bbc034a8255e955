/* The multicast member's bounds (reference/iscsi/mcast/member_int.h): group sockets and
 * registrations target-wide. Registrations past them answer JoinFailed and cost no descriptor,
 * so sessions keep logging in. The target runs in this process with a lowered RLIMIT_NOFILE. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "mcast.h"
#include "member.h"
#include "tap.h"
#include "tclient.h"

#define ISID_BASE 0x400006000000ull
#define FD_LIMIT 160u                /* fewer than the group sockets the sessions below ask for */
#define SOCK_SESSIONS 3u
#define SOCK_REGS_PER_SESSION 60u    /* 180 distinct groups in all */
#define SOCKS_BOUND 64u              /* MG_SOCKS_MAX */
#define REGS_BOUND 1020u             /* MG_REGS_MAX: 4 x MC_MG_VLUN_MAX */
#define VLUN_FIRST 3u                /* above the target's real LUNs 1 and 2 */
#define REG_SESSIONS 5u              /* 5 x 253 vLUNs: past REGS_BOUND */
#define POLL_MS 20u

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Descriptors this process holds now. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;  /* the directory's own */
}

/* One registration in a Text Request: 1 Registered, 0 JoinFailed, -1 anything else. */
static int reg(tc_conn *c, const char *group, unsigned vlun)
{
    char keys[512];
    int n = snprintf(keys, sizeof(keys), MC_MK_COMMAND "=register%c" MC_MK_GROUP "=%s%c" MC_MK_VLUN "=%u%c" MC_MK_MAP
                     "=1:%u%c",
                     0, group, 0, vlun, 0, vlun, 0);
    mc_pdu p;
    tc_request(c, &p, MC_OP_TEXT_REQ, true);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&p, keys, (size_t)n);
    if (!tc_send_free(c, &p))
        return -1;
    mc_pdu r;
    if (tc_recv(c, &r, TC_WAIT_MS) != 0)
        return -1;
    int res = -1;
    if (mc_pdu_opcode(&r) == MC_OP_TEXT_RSP) {
        c->expstatsn = (uint32_t)mc_pdu_get(&r, MC_F_STATSN) + 1u;
        if (tc_text_has(&r, MC_MK_STATUS "=Registered"))
            res = 1;
        else if (tc_text_has(&r, MC_MK_STATUS "=JoinFailed"))
            res = 0;
    }
    mc_pdu_free(&r);
    return res;
}

static void group_name(char *out, size_t len, unsigned a, unsigned b)
{
    snprintf(out, len, "239.9.%u.%u", a, b);
}

/* Group sockets: at most SOCKS_BOUND, whatever the sessions ask for. */
static void socket_bound(void)
{
    struct rlimit old;
    getrlimit(RLIMIT_NOFILE, &old);
    struct rlimit low = old;
    if (low.rlim_cur > FD_LIMIT)
        low.rlim_cur = FD_LIMIT;
    tap_is_int(setrlimit(RLIMIT_NOFILE, &low), 0, "descriptor limit lowered to %u", (unsigned)low.rlim_cur);
    tc_target tt;
    if (!tap_ok(tc_target_start_module(&tt, NULL, &mc_member_module) == 0, "target with the member module"))
        return;
    int base = open_fds();
    tc_conn s[SOCK_SESSIONS];
    bool in = true;
    for (unsigned i = 0; i < SOCK_SESSIONS; i++)
        in = tc_connect(&s[i], tt.port, ISID_BASE + i) == 0 && tc_login(&s[i], TC_IQN, NULL) == 0 && in;
    tap_ok(in, "%u sessions logged in", SOCK_SESSIONS);
    unsigned registered = 0, refused = 0, odd = 0;
    for (unsigned i = 0; i < SOCK_SESSIONS; i++)
        for (unsigned j = 0; j < SOCK_REGS_PER_SESSION; j++) {
            char g[32];
            group_name(g, sizeof(g), i, j);
            int r = reg(&s[i], g, VLUN_FIRST + j);
            registered += r == 1;
            refused += r == 0;
            odd += r < 0;
        }
    int during = open_fds();
    tap_diag("%u registrations on distinct groups: %u Registered, %u JoinFailed; descriptors %d -> %d (limit %u)",
             SOCK_SESSIONS * SOCK_REGS_PER_SESSION, registered, refused, base, during, FD_LIMIT);
    tap_is_int(registered, SOCKS_BOUND, "a group socket each, up to the bound");
    tap_is_int(refused, SOCK_SESSIONS * SOCK_REGS_PER_SESSION - SOCKS_BOUND, "past it JoinFailed");
    tap_is_int(odd, 0, "every registration answered");
    char g[32];
    group_name(g, sizeof(g), 0, 0);
    tap_is_int(reg(&s[SOCK_SESSIONS - 1], g, VLUN_FIRST + SOCK_REGS_PER_SESSION), 1,
               "a group whose socket is open still takes registrations");
    tc_conn late;
    tap_ok(tc_connect(&late, tt.port, ISID_BASE + SOCK_SESSIONS) == 0 && tc_login(&late, TC_IQN, NULL) == 0,
           "a new session logs in");
    tc_close(&late);
    for (unsigned i = 0; i < SOCK_SESSIONS; i++)
        tc_close(&s[i]);
    int after = open_fds();
    for (int waited = 0; after > base && waited < TC_WAIT_MS; waited += (int)POLL_MS) {
        sleep_ms(POLL_MS);
        after = open_fds();
    }
    tap_is_int(after, base, "the sessions gone, every group socket is closed");
    tc_target_stop(&tt);
    setrlimit(RLIMIT_NOFILE, &old);
}

/* Registrations: at most REGS_BOUND target-wide; replacing one still works at the bound. */
static void registration_bound(void)
{
    tc_target tt;
    if (!tap_ok(tc_target_start_module(&tt, NULL, &mc_member_module) == 0, "target with the member module"))
        return;
    tc_conn s[REG_SESSIONS];
    bool in = true;
    for (unsigned i = 0; i < REG_SESSIONS; i++)
        in = tc_connect(&s[i], tt.port, ISID_BASE + 0x100 + i) == 0 && tc_login(&s[i], TC_IQN, NULL) == 0 && in;
    tap_ok(in, "%u sessions logged in", REG_SESSIONS);
    unsigned registered = 0, first_refused = 0, odd = 0, last_i = 0, last_v = 0;
    char g[32];
    group_name(g, sizeof(g), 1, 1);
    for (unsigned i = 0; i < REG_SESSIONS && first_refused == 0 && odd == 0; i++)
        for (unsigned v = VLUN_FIRST; v <= MC_MG_VLUN_MAX && first_refused == 0; v++) {
            int r = reg(&s[i], g, v);
            if (r == 1) {
                registered++;
                last_i = i;
                last_v = v;
            } else if (r == 0) {
                first_refused = registered + 1;
            } else {
                odd++;
                break;
            }
        }
    tap_is_int(odd, 0, "every registration answered");
    tap_is_int(registered, REGS_BOUND, "registrations up to the bound are Registered");
    tap_is_int(first_refused, REGS_BOUND + 1, "the first past it answers JoinFailed");
    tap_is_int(reg(&s[last_i], g, last_v), 1, "registering a held (session, vLUN) again replaces it at the bound");
    tap_is_int(tc_nop_ping(&s[0]), 0, "the sessions go on");
    for (unsigned i = 0; i < REG_SESSIONS; i++)
        tc_close(&s[i]);
    tc_target_stop(&tt);
}

int main(void)
{
    socket_bound();
    registration_bound();
    return tap_done();
}
