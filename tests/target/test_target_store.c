/* The target's LUs on stores (mc_target_lun_spec.store and store specs): a failing store failed
 * while the target runs reaches the initiator as MEDIUM ERROR sense (RFC 7143 11.4.7, SBC-3),
 * and heals; a file:PATH spec stores on the file; a bad spec stops mc_target_new. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lun.h"
#include "tap.h"
#include "tclient.h"

#define ISID 0x400002000077ull
#define BLOCK 512u
#define STORE_BLOCKS 100u       /* the failing store's size, below the target's lun_size */
#define BAD 5u                  /* the block the test fails */
#define OP_READ10 0x28
#define OP_WRITE10 0x2a
#define SENSE_PREFIX 2          /* SenseLength before the sense data (11.4.7.2) */
#define SENSE_VALID 0x80        /* fixed-format sense, SPC-4 4.5.3: byte 0 bit 7 */
#define SENSE_INFO_BYTE 3
#define SENSE_KEY_BYTE 2
#define SENSE_ASC_BYTE 12
#define SK_MEDIUM_ERROR 0x3
#define SK_ILLEGAL_REQUEST 0x5
#define ASC_WRITE_ERROR 0x0c
#define ASC_UNRECOVERED_READ 0x11
#define ASC_LBA_OUT_OF_RANGE 0x21

/* One READ(10)/WRITE(10) of blocks at lba on lun; the write carries data as immediate data.
 * Returns the SCSI status; the response (or the Data-In with status) is left in *r. */
static int rw(tc_conn *c, uint16_t lun, uint8_t op, uint32_t lba, uint16_t blocks,
              const uint8_t *data, mc_pdu *r)
{
    uint8_t cdb[10];
    mc_pdu p;
    uint32_t len = (uint32_t)blocks * BLOCK;

    tc_rw10(cdb, op, lba, blocks);
    tc_scsi(c, &p, lun, cdb, sizeof cdb, op == OP_READ10, op == OP_WRITE10, len);
    if (data)
        mc_pdu_set_data(&p, data, len);
    tc_send_free(c, &p);
    memset(r, 0, sizeof *r);
    if (tc_recv(c, r, TC_WAIT_MS) != 0)
        return -1;
    c->expstatsn++;
    return (int)mc_pdu_get(r, MC_F_STATUS);
}

/* The response carries fixed sense key/ASC and, when info >= 0, VALID with that INFORMATION. */
static bool sense_is(const mc_pdu *r, uint8_t key, uint8_t asc, long info)
{
    const uint8_t *s = r->data + SENSE_PREFIX;

    if (mc_pdu_opcode(r) != MC_OP_SCSI_RSP || r->data_len < SENSE_PREFIX + MC_SENSE_LEN)
        return false;
    if ((s[SENSE_KEY_BYTE] & 0xf) != key || s[SENSE_ASC_BYTE] != asc)
        return false;
    if (info < 0)
        return true;
    uint32_t got = ((uint32_t)s[SENSE_INFO_BYTE] << 24) | ((uint32_t)s[SENSE_INFO_BYTE + 1] << 16) |
                   ((uint32_t)s[SENSE_INFO_BYTE + 2] << 8) | s[SENSE_INFO_BYTE + 3];
    return (s[0] & SENSE_VALID) && got == (uint32_t)info;
}

static void failing_store(mc_store *fs, uint16_t port, const char *file)
{
    tc_conn c;
    mc_pdu r;
    uint8_t data[2 * BLOCK], back[BLOCK];

    if (!tap_is_int(tc_connect(&c, port, ISID) == 0 ? tc_login(&c, TC_IQN, NULL) : -1, 0, "login"))
        return;
    memset(data, 0x3c, sizeof data);
    tap_is_int(rw(&c, 1, OP_WRITE10, BAD, 1, data, &r), MC_SAM_GOOD, "WRITE(10) before the fault");
    mc_pdu_free(&r);
    tap_is_int(mc_store_fail_add(fs, MC_STORE_FAIL_BOTH, (uint64_t)BAD * BLOCK, BLOCK), 0,
               "the block is failed while the target runs");
    tap_is_int(rw(&c, 1, OP_READ10, BAD - 1, 2, NULL, &r), MC_SAM_CHECK_CONDITION,
               "READ(10) over the failed block: CHECK CONDITION");
    tap_ok(sense_is(&r, SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ, BAD),
           "MEDIUM ERROR / UNRECOVERED READ ERROR, INFORMATION = the failed block");
    mc_pdu_free(&r);
    tap_is_int(rw(&c, 1, OP_WRITE10, BAD, 1, data, &r), MC_SAM_CHECK_CONDITION,
               "WRITE(10) of the failed block: CHECK CONDITION");
    tap_ok(sense_is(&r, SK_MEDIUM_ERROR, ASC_WRITE_ERROR, BAD), "MEDIUM ERROR / WRITE ERROR");
    mc_pdu_free(&r);
    tap_is_int(rw(&c, 1, OP_READ10, BAD + 1, 1, NULL, &r), MC_SAM_GOOD, "the block after reads");
    mc_pdu_free(&r);
    tap_is_int(mc_store_fail_clear(fs), 0, "healed");
    tap_ok(rw(&c, 1, OP_READ10, BAD, 1, NULL, &r) == MC_SAM_GOOD && r.data_len == BLOCK &&
               !memcmp(r.data, data, BLOCK),
           "the block written before the fault reads back");
    mc_pdu_free(&r);
    tap_is_int(rw(&c, 1, OP_READ10, STORE_BLOCKS - 1, 1, NULL, &r), MC_SAM_GOOD,
               "the LU on a given store has the store's size: its last block reads");
    mc_pdu_free(&r);
    rw(&c, 1, OP_READ10, STORE_BLOCKS, 1, NULL, &r);
    tap_ok(sense_is(&r, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, -1),
           "and the block after it is out of range");
    mc_pdu_free(&r);
    /* LUN 2 is the file:PATH spec */
    memset(data, 0x6b, BLOCK);
    tap_is_int(rw(&c, 2, OP_WRITE10, 3, 1, data, &r), MC_SAM_GOOD, "WRITE(10) to the file LU");
    mc_pdu_free(&r);
    int fd = open(file, O_RDONLY);
    tap_ok(fd >= 0 && pread(fd, back, BLOCK, 3 * BLOCK) == BLOCK && !memcmp(back, data, BLOCK),
           "the file:PATH spec stored the block in the file");
    if (fd >= 0)
        close(fd);
    tc_close(&c);
}

static void bad_spec(void)
{
    char err[256];
    mc_target *t = NULL;
    mc_store *s = mc_store_mem_new(STORE_BLOCKS * BLOCK, err, sizeof err);
    mc_target_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.host = "127.0.0.1";
    cfg.iqn = TC_IQN;
    cfg.lun_size = STORE_BLOCKS * BLOCK;
    cfg.luns[0] = (mc_target_lun_spec){.lun = 1, .store = s};
    cfg.luns[1] = (mc_target_lun_spec){.lun = 2, .path = "file:"};
    cfg.nluns = 2;
    err[0] = 0;
    tap_ok(mc_target_new(&t, &cfg, err, sizeof err) != 0 && t == NULL && strstr(err, "LUN 2"),
           "a spec naming no file stops the target, naming the LUN (%s)", err);
    tap_ok(mc_store_write(s, "x", 1, 0) == 0, "the caller's store outlives the failed target");
    mc_store_close(s);
}

int main(void)
{
    char err[256], file[PATH_MAX], spec[PATH_MAX + 8];
    const char *dir = getenv("TMPDIR");
    mc_store *fs = mc_store_fail_wrap(mc_store_mem_new(STORE_BLOCKS * BLOCK, err, sizeof err));
    mc_target_config cfg;
    tc_target tt;

    snprintf(file, sizeof file, "%s/mc_target_store_%ld", dir ? dir : "/tmp", (long)getpid());
    snprintf(spec, sizeof spec, "file:%s", file);
    memset(&cfg, 0, sizeof cfg);
    cfg.luns[0] = (mc_target_lun_spec){.lun = 1, .store = fs};
    cfg.luns[1] = (mc_target_lun_spec){.lun = 2, .path = spec};
    cfg.luns[2] = (mc_target_lun_spec){.lun = 3, .path = "mem"};
    cfg.nluns = 3;
    if (tap_ok(fs && tc_target_start(&tt, &cfg) == 0, "target with LUs on a failing store, a file "
                                                      "spec and a memory spec starts")) {
        failing_store(fs, tt.port, file);
        tc_target_stop(&tt);
    }
    mc_store_close(fs);
    unlink(file);
    bad_spec();
    return tap_done();
}
