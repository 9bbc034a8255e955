/* Registration and termination keys (docs/mcast-data-path.md §4.2, §4.3, §9): both dialects,
 * failure values, the echo answer. */
#include <string.h>

#include "mtest.h"
#include "tap.h"

static int parse(const char *kv, size_t len, mc_mreg *r, char *st, char *bad)
{
    mc_kvlist l;
    mc_kvlist_init(&l);
    int rc = mc_mreg_parse((const uint8_t *)kv, len, r, &l, st, 32, bad, 64);
    mc_kvlist_free(&l);
    return rc;
}
#define P(lit, r, st, bad) parse(lit, sizeof(lit) - 1, r, st, bad)

int main(void)
{
    tap_plan(0);
    mc_mreg r;
    char st[32], bad[64];
    tap_is_int(P("X-org.mirrorcert.MirrorCommand=register\0X-org.mirrorcert.MulticastGroup=239.1.2.3\0"
                 "X-org.mirrorcert.VirtualLUN=5\0X-org.mirrorcert.LunMap=0:5,1:5\0"
                 "X-org.mirrorcert.GroupBurst=65536\0X-org.mirrorcert.NextGSN=4096\0", &r, st, bad),
               MC_MREG_OK, "default registration parses (%s)", st);
    tap_ok(r.cmd == MC_MREG_REGISTER && r.vlun == 5 && r.nreal == 2 && r.real[1] == 1 && r.burst == 65536 &&
           r.port == MC_MG_DEFAULT_PORT && r.next_gsn_set && r.next_gsn == 4096 && r.group == 0xef010203u,
           "fields of the default registration");
    tap_is_int(P("X-org.mirrorcert.MirrorCommand=register\0X-org.mirrorcert.MulticastGroup=128.12.15.3\0"
                 "X-org.mirrorcert.VirtualLUN=5\0X-org.mirrorcert.LunMap=1:5\0", &r, st, bad),
               MC_MREG_FAILED, "the spec's 128.12.15.3 is not multicast");
    tap_is_str(st, "BadAddress", "answered BadAddress");
    P("X-org.mirrorcert.MirrorCommand=register\0X-org.mirrorcert.MulticastGroup=224.0.0.9\0"
      "X-org.mirrorcert.VirtualLUN=5\0X-org.mirrorcert.LunMap=1:5\0", &r, st, bad);
    tap_is_str(st, "BadAddress", "224.0.0.0/24 is refused");
    P("X-org.mirrorcert.MirrorCommand=register\0X-org.mirrorcert.MulticastGroup=239.1.2.3\0"
      "X-org.mirrorcert.VirtualLUN=5\0X-org.mirrorcert.LunMap=1:6\0", &r, st, bad);
    tap_is_str(st, "BadMap", "LunMap virtual part differs from VirtualLUN");
    P("X-org.mirrorcert.MirrorCommand=register\0X-org.mirrorcert.MulticastGroup=239.1.2.3\0"
      "X-org.mirrorcert.VirtualLUN=5\0", &r, st, bad);
    tap_is_str(st, "BadParameter", "LunMap missing");
    P("X-org.mirrorcert.MirrorCommand=register\0X-org.mirrorcert.MulticastGroup=239.1.2.3\0"
      "X-org.mirrorcert.VirtualLUN=5\0X-org.mirrorcert.LunMap=1:5\0X-org.mirrorcert.GroupTasks=65\0", &r, st, bad);
    tap_is_str(st, "BadParameter", "GroupTasks above 64");
    P("X-org.mirrorcert.MirrorCommand=register\0X-org.mirrorcert.MulticastGroup=239.1.2.3\0"
      "X-org.mirrorcert.VirtualLUN=5\0X-org.mirrorcert.LunMap=1:5\0X-org.mirrorcert.DataTimeout=50\0", &r, st, bad);
    tap_is_str(st, "BadParameter", "DataTimeout below 100 ms");
    tap_is_int(P("MaxRecvDataSegmentLength=8192\0", &r, st, bad), MC_MREG_NOT_MINE, "standard keys are not mine");
    tap_is_int(P("X-org.mirrorcert.MirrorCounters=Query\0", &r, st, bad), MC_MREG_OK, "counter query");
    tap_is_int(r.cmd, MC_MREG_COUNTERS, "is a counter query");

    /* §4.3: the spec's literal text, spaces and all */
    tap_is_int(P("Command=register\0multicast_group_ip = 239.12.15.3\0lun_map=(1,5)\0", &r, st, bad), MC_MREG_OK,
               "literal registration parses (%s)", st);
    tap_ok(r.dialect == MC_DIALECT_LITERAL && r.vlun == 5 && r.nreal == 1 && r.real[0] == 1, "literal (1,5): LUN 1 as vLUN 5");
    P("Command=register\0multicast_group_ip=239.12.15.3\0lun_map=(0,1,2),7\0", &r, st, bad);
    tap_ok(r.vlun == 7 && r.nreal == 3 && r.real[2] == 2, "literal template form (0,1,2),7");
    tap_is_int(P("command=terminate\0virtual_lun=5\0", &r, st, bad), MC_MREG_OK, "literal termination without group");
    tap_ok(r.cmd == MC_MREG_TERMINATE && r.vlun == 5 && !r.group_set, "terminate vLUN 5");
    tap_is_int(P("Command=register\0multicast_group_ip=128.12.15.3\0lun_map=(1,5)\0", &r, st, bad), MC_MREG_FAILED,
               "literal with the spec's non-multicast address");
    tap_is_str(bad, "multicast_group_ip", "the failing key is named for Reject");
    tap_is_int(P("Command=register\0X-org.mirrorcert.VirtualLUN=5\0lun_map=(1,5)\0", &r, st, bad), MC_MREG_FAILED,
               "mixed dialects");
    tap_is_str(st, "MixedDialect", "MixedDialect");

    /* a key of spaces only (found by the mcast fuzz target): refused, and the answer echoes only
     * named keys, so it stays a key list a receiver parses */
    static const char blank[] = "  =    \x1e  239@1.2.3\0lun_map=(,5)\0";
    mc_kvlist req;
    mc_kvlist_init(&req);
    tap_is_int(mc_mreg_parse((const uint8_t *)blank, sizeof(blank) - 1, &r, &req, st, sizeof(st), bad, sizeof(bad)),
               MC_MREG_FAILED, "a blank key in a literal request fails it");
    tap_is_str(st, "BadParameter", "as BadParameter");
    mc_textbuf ans;
    mc_textbuf_init(&ans);
    mc_kvlist back;
    mc_kvlist_init(&back);
    char perr[128] = "";
    tap_ok(mc_mreg_answer(&r, &req, st, bad, &ans) == 0 &&
               mc_text_parse(ans.data, ans.len, MC_TEXT_LENIENT | MC_TEXT_ALLOW_DUP, &back, NULL, perr, sizeof(perr)) ==
                   MC_TEXT_OK,
           "its answer parses (%s)", perr);
    tap_ok(back.count == 1 && strcmp(back.items[0].key, "lun_map") == 0, "and echoes lun_map only");
    mc_kvlist_free(&back);
    mc_textbuf_free(&ans);
    mc_kvlist_free(&req);

    /* requests the initiator builds parse back to what it meant */
    mc_mreg q = {.cmd = MC_MREG_REGISTER, .dialect = MC_DIALECT_DEFAULT, .group = 0xef070707u, .port = 3260,
                 .vlun = 9, .nreal = 2, .real = {1, 2}, .burst = 65536, .tasks = 8, .timeout_ms = 2000,
                 .next_gsn = 77};
    for (int d = 0; d < 2; d++) {
        q.dialect = d;
        mc_textbuf b;
        mc_textbuf_init(&b);
        tap_is_int(mc_mreg_request(&q, &b), 0, "request built (dialect %d)", d);
        mc_kvlist l;
        mc_kvlist_init(&l);
        int rc = mc_mreg_parse(b.data, b.len, &r, &l, st, sizeof(st), bad, sizeof(bad));
        tap_ok(rc == MC_MREG_OK && r.vlun == 9 && r.nreal == 2 && r.real[1] == 2 && r.group == q.group &&
               r.dialect == d, "request parses back (dialect %d)", d);
        mc_textbuf out;
        mc_textbuf_init(&out);
        tap_is_int(mc_mreg_answer(&r, &l, "Registered", NULL, &out), 0, "answer built");
        bool has_status = false;
        const char *want = MC_MK_STATUS "=Registered";
        for (size_t at = 0; at < out.len; at += strlen((const char *)out.data + at) + 1)
            has_status = has_status || strcmp((const char *)out.data + at, want) == 0;
        tap_ok(d == 0 ? has_status : !has_status, "MirrorStatus only in the default dialect");
        mc_textbuf_free(&out);
        mc_kvlist_free(&l);
        mc_textbuf_free(&b);
    }
    return tap_done();
}
