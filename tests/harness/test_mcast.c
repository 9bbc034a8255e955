/* The `mcast` Tcl command alone: group header framing and its rule-2 checks, registration keys
 * in both dialects, a datagram sent to a loopback group and seen back, the emulated targets
 * answering a login, a registration and a group WRITE, and deleting the interp freeing it all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tcl.h>
#include <unistd.h>

#include "mod_iscsi.h"
#include "mod_mcast.h"
#include "tap.h"

static Tcl_Interp *interp;

static int ev(const char *script, const char **res)
{
    int rc = Tcl_Eval(interp, script);
    *res = Tcl_GetStringResult(interp);
    return rc;
}

/* One NOP-Out of 5 data bytes (padded to 8) behind a header. */
static size_t build(uint8_t *dg, mcm_hdr *h)
{
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_NOP_OUT);
    mc_pdu_set_data(&p, "hello", 5);
    mc_wire_opts o = {0};
    uint8_t *w;
    size_t wl;
    char err[64];
    if (mc_pdu_encode(&p, &o, &w, &wl, err, sizeof err) != 0)
        return 0;
    memcpy(dg + MCM_HDR_LEN, w, wl);
    free(w);
    mc_pdu_free(&p);
    h->magic = MCM_MAGIC;
    h->version = MCM_VERSION;
    h->isid = UINT64_C(0x80123456789a);
    h->pdu_count = 1;
    h->gsn = 77;
    h->payload_length = (uint32_t)wl;
    h->crc = 0;
    mcm_put_hdr(dg, h);
    h->crc = mcm_crc(dg, MCM_HDR_LEN + wl);
    mcm_put_hdr(dg, h);
    return MCM_HDR_LEN + wl;
}

static void framing(void)
{
    uint8_t dg[256];
    mcm_hdr h = {0};
    size_t n = build(dg, &h);
    tap_is_int((long long)n, MCM_HDR_LEN + MC_BHS_LEN + 8, "datagram is header + BHS + padded data");
    mcm_parsed p;
    mcm_parse(dg, n, &p);
    tap_ok(p.crc_ok && p.lengths_ok && !p.problem[0], "a well-formed datagram parses clean (%s)", p.problem);
    tap_is_int((long long)p.h.isid, (long long)h.isid, "isid read back");
    tap_is_int(p.h.gsn, 77, "gsn read back");
    tap_is_int((long long)p.npdus, 1, "one PDU decoded");
    tap_ok(p.npdus == 1 && p.pdus[0].data_len == 5 && memcmp(p.pdus[0].data, "hello", 5) == 0, "PDU data intact");
    mcm_parsed_free(&p);

    dg[MCM_HDR_LEN + MC_BHS_LEN] ^= 0x01;
    mcm_parse(dg, n, &p);
    tap_ok(!p.crc_ok && strstr(p.problem, "crc32c"), "a flipped payload byte fails the CRC (%s)", p.problem);
    mcm_parsed_free(&p);
    dg[MCM_HDR_LEN + MC_BHS_LEN] ^= 0x01;

    mcm_parse(dg, n - 4, &p);
    tap_ok(!p.lengths_ok, "a truncated datagram fails the length rule (%s)", p.problem);
    mcm_parsed_free(&p);

    h.pdu_count = 2;
    mcm_put_hdr(dg, &h);
    mcm_parse(dg, n, &p);
    tap_ok(!p.lengths_ok && strstr(p.problem, "pdu_count"), "pdu_count above the PDUs found fails (%s)", p.problem);
    mcm_parsed_free(&p);

    mcm_parse(dg, MCM_HDR_LEN - 1, &p);
    tap_ok(!p.lengths_ok && p.npdus == 0, "a datagram shorter than the header is refused");
    mcm_parsed_free(&p);

    /* A data segment length pointing past the datagram must not be read (bounded walk). */
    h.pdu_count = 1;
    dg[MCM_HDR_LEN + 5] = 0xff;
    mcm_put_hdr(dg, &h);
    mcm_parse(dg, n, &p);
    tap_ok(!p.lengths_ok && p.npdus == 0, "a PDU claiming more bytes than remain is not decoded (%s)", p.problem);
    mcm_parsed_free(&p);
}

static void keys(void)
{
    const char *r = "";
    tap_is_int(ev("mcast keys register -group 239.1.2.3 -vlun 5 -map {1 2} -burst 65536", &r), TCL_OK, "standard keys");
    tap_is_str(r, "X-org.mirrorcert.MirrorCommand register X-org.mirrorcert.MulticastGroup 239.1.2.3 "
                  "X-org.mirrorcert.VirtualLUN 5 X-org.mirrorcert.LunMap 1:5,2:5 X-org.mirrorcert.GroupBurst 65536",
               "standard registration keys (§4.2)");
    tap_is_int(ev("mcast keys register -group 239.1.2.3 -map {1 5} -dialect literal", &r), TCL_OK, "literal keys");
    tap_is_str(r, "Command register multicast_group_ip 239.1.2.3 lun_map (1,5)", "literal registration keys (§4.3)");
    tap_is_int(ev("mcast keys terminate -group 239.1.2.3 -vlun 5 -dialect literal", &r), TCL_OK, "literal terminate");
    tap_is_str(r, "command terminate virtual_lun 5 multicast_group_ip 239.1.2.3", "literal termination keys");
    tap_is_int(ev("mcast keys register -group 239.1.2.3", &r), TCL_ERROR, "a registration without a vLUN is refused");
}

static void loopback(void)
{
    const char *r = "";
    char cmd[512];
    unsigned x = (unsigned)getpid();
    snprintf(cmd, sizeof cmd, "set g [mcast group open 239.%u.%u.%u 3260]", (x >> 16) & 0xff, (x >> 8) & 0xff,
             1 + (x & 0xfe));
    tap_is_int(ev(cmd, &r), TCL_OK, "group opened: %s", r);
    tap_is_int(ev("mcast send $g 0x800000000001 {{nop-out I 1 itt 9 -data abcd}}", &r), TCL_OK, "datagram sent: %s", r);
    tap_is_int(ev("set s [mcast seen $g -wait 2000]; llength $s", &r), TCL_OK, "seen");
    tap_is_str(r, "1", "the harness's receiver sees its own datagram once");
    tap_is_int(ev("set d [lindex $s 0]; list [dict get $d ours] [dict get $d crc_ok] [dict get $d gsn] "
                  "[dict get [lindex [dict get $d pdus] 0] itt]", &r), TCL_OK, "decoded");
    tap_is_str(r, "1 1 1 9", "ours, CRC good, GSN 1, the PDU's ITT");
    tap_is_int(ev("mcast seen $g -clear 1; mcast send $g 1 {{nop-out}} -crc bad; mcast send $g 1 {{nop-out}} -from 127.0.0.9; "
                  "for {set i 0} {$i < 40 && [llength [set s [mcast seen $g]]] < 2} {incr i} {after 50}; "
                  "list [llength $s] [dict get [lindex $s 0] crc_ok] [dict get [lindex $s 1] ours] [dict get [lindex $s 1] src]",
                  &r), TCL_OK, "negative datagrams: %s", r);
    tap_ok(strncmp(r, "2 0 0 127.0.0.9:", 16) == 0, "a bad CRC is seen as bad, a foreign source as foreign (%s)", r);
    tap_is_int(ev("mcast fault $g -seed 5 -drop 1.0; mcast send $g 1 {{nop-out}}; dict get [mcast fault $g -off] dropped", &r),
               TCL_OK, "fault plan");
    tap_is_str(r, "1", "a drop probability of 1 drops the datagram");
}

/* Emulated targets driven by the iscsi module: login, registration, a group WRITE of one block. */
static void emulated(void)
{
    const char *r = "";
    unsigned x = (unsigned)getpid() + 1;
    char grp[32], cmd[1024];
    snprintf(grp, sizeof grp, "239.%u.%u.%u", (x >> 16) & 0xff, (x >> 8) & 0xff, 1 + (x & 0xfe));
    tap_is_int(ev("set ts [mcast emulate start -n 2 -luns {0 1}]; llength $ts", &r), TCL_OK, "two targets start: %s", r);
    snprintf(cmd, sizeof cmd,
             "set isid 0x800000000042\n"
             "set g [mcast group open %s 3260]\n"
             "set conns {}\n"
             "foreach t $ts {\n"
             "  set c [iscsi connect [dict get $t portal]]\n"
             "  iscsi login $c -isid $isid -keys [list InitiatorName iqn.2026-11.org.mirrorcert:test TargetName [dict get $t iqn]]\n"
             "  set a [iscsi text $c [mcast keys register -group %s -vlun 5 -map {1} -burst 512]]\n"
             "  lappend conns $c\n"
             "}\n"
             "set d [string repeat x 512]\n"
             "mcast send $g $isid [list [list scsi I 1 F 1 W 1 attr 1 itt 0x40000001 edtl 512 -lun 5 -cdb 2a00000000070000010000]]\n"
             "foreach c $conns { iscsi expect $c {opcode 0x31} -timeout 2000 }\n"
             "mcast send $g $isid [list [list data-out F 1 itt 0x40000001 ttt 0xffffffff -lun 5 -data $d]]\n"
             "set st {}\n"
             "foreach c $conns { lappend st [dict get [iscsi expect $c {opcode 0x21} -timeout 2000] status] }\n"
             "set st",
             grp, grp);
    tap_is_int(ev(cmd, &r), TCL_OK, "group WRITE through two emulated targets: %s", r);
    tap_is_str(r, "0 0", "both report GOOD");
    tap_is_int(ev("string equal [mcast emulate read t1 1 7 1] $d", &r), TCL_OK, "read back");
    tap_is_str(r, "1", "the data landed on the mapped real LUN");
    tap_is_int(ev("llength [mcast emulate log]", &r), TCL_OK, "log");
    tap_ok(atoi(r) > 10, "the log holds the exchange (%s records)", r);
    tap_is_int(ev("mcast emulate stop", &r), TCL_OK, "targets stop");
}

int main(void)
{
    framing();
    interp = Tcl_CreateInterp();
    tap_ok(mc_mod_iscsi_init(interp) == TCL_OK && mc_mod_mcast_init(interp) == TCL_OK, "modules register");
    keys();
    loopback();
    emulated();
    /* Leaves a running emulation and an open group to the interp's deletion. */
    const char *r = "";
    ev("mcast emulate start -n 1; mcast group open 239.255.1.1 3260", &r);
    Tcl_DeleteInterp(interp);
    Tcl_Finalize();
    return tap_done();
}
