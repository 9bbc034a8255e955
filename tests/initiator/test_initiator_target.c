/* The initiator against the reference target running in-process: discovery, login with and
 * without CHAP and digests, INQUIRY, READ CAPACITY, writes and reads in every data-out mode,
 * REPORT LUNS, ping, LUN reset, logout. */
#include <stdlib.h>
#include <string.h>

#include "initiator.h"
#include "tap.h"
#include "tclient.h"

#define T_DEADLINE_MS 10000
#define BLOCK 512u
#define IO_BLOCKS 300u            /* 150 KiB: above FirstBurstLength, several R2Ts */
#define T_VENDOR "MIRRORC "       /* the reference LU's T10 vendor, 8 bytes padded */
#define INQ_VENDOR_OFF 8u
#define T_LUN_SIZE (4u << 20)     /* each memory LU of the target under test */

static mc_ini *session(uint16_t port, const mc_ini_params *prm, char *err, size_t errlen, int *rc)
{
    mc_ini *ini = mc_ini_new(prm);
    uint64_t dl = mc_ini_deadline(T_DEADLINE_MS);
    *rc = ini ? mc_ini_connect(ini, "127.0.0.1", port, dl, err, errlen) : MC_INI_ERR;
    if (*rc == MC_INI_OK)
        *rc = mc_ini_login(ini, dl, err, errlen);
    return ini;
}

static void test_discovery(uint16_t port)
{
    char err[256] = "";
    int rc;
    mc_ini_params prm = {.discovery = true};
    mc_ini *ini = session(port, &prm, err, sizeof err, &rc);
    tap_is_int(rc, MC_INI_OK, "discovery login (%s)", err);
    char *resp = NULL;
    size_t len = 0;
    if (rc == MC_INI_OK)
        rc = mc_ini_send_targets(ini, "All", &resp, &len, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "SendTargets=All (%s)", err);
    static const char want[] = "TargetName=" TC_IQN;
    tap_ok(resp && len >= sizeof want && memcmp(resp, want, sizeof want) == 0, "the target lists its name first");
    free(resp);
    rc = mc_ini_logout(ini, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "discovery logout (%s)", err);
    mc_ini_free(ini);
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 13 + seed + (i >> 9));
}

/* One normal session with the given data-out and digest settings. */
static void test_io(uint16_t port, bool initial_r2t, bool immediate, bool digests)
{
    char err[256] = "";
    int rc;
    mc_ini_params prm = {.target_name = TC_IQN, .initial_r2t = initial_r2t, .no_immediate_data = !immediate,
                         .header_digest = digests, .data_digest = digests};
    const char *mode = digests ? "CRC32C digests" : "no digests";
    mc_ini *ini = session(port, &prm, err, sizeof err, &rc);
    tap_is_int(rc, MC_INI_OK, "login, InitialR2T=%s ImmediateData=%s, %s (%s)", initial_r2t ? "Yes" : "No",
               immediate ? "Yes" : "No", mode, err);
    if (rc != MC_INI_OK) {
        mc_ini_free(ini);
        return;
    }
    const mc_ini_negotiated *n = mc_ini_negotiated_values(ini);
    tap_ok(n->header_digest == digests && n->data_digest == digests, "digests in force as asked");
    uint64_t dl = mc_ini_deadline(T_DEADLINE_MS);
    uint8_t inq[96];
    size_t got = 0;
    rc = mc_ini_inquiry(ini, 1, inq, sizeof inq, &got, dl, err, sizeof err);
    tap_ok(rc == MC_INI_OK && got >= 36 && memcmp(inq + INQ_VENDOR_OFF, T_VENDOR, 8) == 0,
           "INQUIRY names the vendor (%s)", err);
    uint64_t blocks = 0;
    uint32_t bs = 0;
    rc = mc_ini_read_capacity16(ini, 1, &blocks, &bs, dl, err, sizeof err);
    tap_ok(rc == MC_INI_OK && bs == BLOCK && blocks * bs == T_LUN_SIZE, "READ CAPACITY (16): %llu x %u (%s)",
           (unsigned long long)blocks, bs, err);
    size_t len = (size_t)IO_BLOCKS * BLOCK;
    uint8_t *w = malloc(len), *r = calloc(1, len);
    unsigned seed = (initial_r2t ? 1u : 0u) | (immediate ? 2u : 0u) | (digests ? 4u : 0u);
    fill(w, len, seed);
    uint64_t lba = 1000 + seed * IO_BLOCKS;
    rc = mc_ini_write(ini, 1, lba, IO_BLOCKS, BLOCK, w, dl, err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "WRITE (16) of %u blocks (%s)", IO_BLOCKS, err);
    rc = mc_ini_read(ini, 1, lba, IO_BLOCKS, BLOCK, r, dl, err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "READ (16) of the same blocks (%s)", err);
    tap_ok(memcmp(w, r, len) == 0, "read back what was written");
    free(w);
    free(r);
    rc = mc_ini_ping(ini, "abc", 3, dl, err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "NOP-Out ping (%s)", err);
    mc_ini_free(ini);
}

static void test_misc(uint16_t port)
{
    char err[256] = "";
    int rc;
    mc_ini_params prm = {.target_name = TC_IQN};
    mc_ini *ini = session(port, &prm, err, sizeof err, &rc);
    tap_is_int(rc, MC_INI_OK, "login (%s)", err);
    uint64_t dl = mc_ini_deadline(T_DEADLINE_MS);
    uint16_t luns[8];
    size_t count = 0;
    rc = mc_ini_report_luns(ini, luns, 8, &count, dl, err, sizeof err);
    tap_ok(rc == MC_INI_OK && count == 2 && luns[0] + luns[1] == 3, "REPORT LUNS lists LUNs 1 and 2 (%s)", err);
    rc = mc_ini_test_unit_ready(ini, 2, dl, err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "TEST UNIT READY on LUN 2 (%s)", err);
    uint8_t resp = 0xff;
    rc = mc_ini_tmf(ini, MC_TMF_LUN_RESET, 1, 0, 0, &resp, dl, err, sizeof err);
    tap_ok(rc == MC_INI_OK && resp == MC_TMF_RSP_COMPLETE, "LOGICAL UNIT RESET completes (%s)", err);
    rc = mc_ini_test_unit_ready(ini, 1, dl, err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "the unit attention after the reset is passed over (%s)", err);
    rc = mc_ini_tmf(ini, MC_TMF_ABORT_TASK, 1, 0x7777, mc_ini_cmdsn(ini), &resp, dl, err, sizeof err);
    tap_ok(resp == MC_TMF_RSP_COMPLETE || resp == MC_TMF_RSP_NO_TASK,
           "ABORT TASK of an unknown tag: complete or no such task (%u)", resp);
    uint8_t buf[BLOCK];
    rc = mc_ini_read(ini, 1, T_LUN_SIZE / BLOCK, 1, BLOCK, buf, dl, err, sizeof err);
    tap_ok(rc == MC_INI_REFUSED && strstr(err, "sense key 0x5"), "read past the end: ILLEGAL REQUEST (%s)", err);
    rc = mc_ini_logout(ini, dl, err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "logout (%s)", err);
    mc_ini_free(ini);
}

static void test_chap(void)
{
    tc_target tt;
    mc_target_config cfg = {.iqn = TC_IQN, .lun_size = T_LUN_SIZE, .chap_user = "bob", .chap_secret = "secret-of-bob"};
    if (!tap_ok(tc_target_start(&tt, &cfg) == 0, "a CHAP target starts"))
        return;
    char err[256] = "";
    int rc;
    mc_ini_params prm = {.target_name = TC_IQN, .chap_user = "bob", .chap_secret = "secret-of-bob"};
    mc_ini *ini = session(tt.port, &prm, err, sizeof err, &rc);
    tap_is_int(rc, MC_INI_OK, "CHAP login with the right secret (%s)", err);
    if (rc == MC_INI_OK)
        rc = mc_ini_test_unit_ready(ini, 1, mc_ini_deadline(T_DEADLINE_MS), err, sizeof err);
    tap_is_int(rc, MC_INI_OK, "and a command after it (%s)", err);
    mc_ini_free(ini);
    prm.chap_secret = "not-the-secret";
    ini = session(tt.port, &prm, err, sizeof err, &rc);
    tap_is_int(rc, MC_INI_REFUSED, "a wrong secret is refused: %s", err);
    mc_ini_free(ini);
    prm.chap_user = prm.chap_secret = NULL;
    ini = session(tt.port, &prm, err, sizeof err, &rc);
    tap_ok(rc != MC_INI_OK, "no CHAP where the target requires it is refused: %s", err);
    mc_ini_free(ini);
    tc_target_stop(&tt);
}

int main(void)
{
    tc_target tt;
    mc_target_config cfg = {.iqn = TC_IQN, .lun_size = T_LUN_SIZE};
    if (!tap_ok(tc_target_start(&tt, &cfg) == 0, "the reference target starts in-process"))
        return tap_done();
    test_discovery(tt.port);
    for (int mode = 0; mode < 8; mode++)
        test_io(tt.port, mode & 1, mode & 2, mode & 4);
    test_misc(tt.port);
    tc_target_stop(&tt);
    test_chap();
    return tap_done();
}
