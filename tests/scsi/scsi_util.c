/* Helpers shared by the mc_scsi unit tests. */
#include "scsi_util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

uint16_t t_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
uint32_t t_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
uint64_t t_be64(const uint8_t *p) { return ((uint64_t)t_be32(p) << 32) | t_be32(p + 4); }
void t_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
void t_put32(uint8_t *p, uint32_t v)
{
    t_put16(p, (uint16_t)(v >> 16));
    t_put16(p + 2, (uint16_t)v);
}
void t_put64(uint8_t *p, uint64_t v)
{
    t_put32(p, (uint32_t)(v >> 32));
    t_put32(p + 4, (uint32_t)v);
}

mc_lun *t_mem_lun(uint64_t blocks, uint32_t block_size)
{
    char err[256];
    mc_lun *lun = NULL;
    mc_lun_config cfg = {.size = blocks * (block_size ? block_size : 512u),
                         .block_size = block_size, .serial = "T0001", .naa_id = 0x1122334455667788ull};

    if (mc_lun_open(&lun, &cfg, err, sizeof err) < 0) {
        tap_diag("mc_lun_open: %s", err);
        return NULL;
    }
    return lun;
}

mc_lun *t_file_lun(uint64_t bytes, uint32_t block_size, char *path)
{
    char err[256];
    mc_lun *lun = NULL;
    const char *dir = getenv("TMPDIR");
    int fd;

    snprintf(path, PATH_MAX, "%s/mc_scsi_test_XXXXXX", dir ? dir : "/tmp");
    fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    close(fd);
    mc_lun_config cfg = {.path = path, .size = bytes, .block_size = block_size};
    if (mc_lun_open(&lun, &cfg, err, sizeof err) < 0) {
        tap_diag("mc_lun_open %s: %s", path, err);
        unlink(path);
        return NULL;
    }
    return lun;
}

void t_exec(mc_lun *lun, const uint8_t *cdb, size_t cdb_len, const uint8_t *out, size_t out_len,
            uint8_t *in, size_t in_cap, t_run *r)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->plan_rc = mc_lun_plan(lun, cdb, cdb_len, &r->plan, &r->res);
    if (r->plan_rc < 0) {
        mc_scsi_result again;
        mc_lun_execute(lun, cdb, cdb_len, out, out_len, in, in_cap, &again);
        if (again.status != r->res.status || memcmp(again.sense, r->res.sense, MC_SENSE_LEN))
            tap_diag("plan refused but execute answered differently (status %u)", again.status);
        if (r->res.status != MC_SAM_CHECK_CONDITION)
            r->res.status = 0xff;  /* a refused plan must carry CHECK CONDITION */
        return;
    }
    mc_lun_execute(lun, cdb, cdb_len, out, out_len, in, in_cap, &r->res);
}

void t_cdb6(uint8_t *c, uint8_t op, uint32_t lba, uint8_t len)
{
    memset(c, 0, 6);
    c[0] = op;
    c[1] = (uint8_t)((lba >> 16) & 0x1f);
    t_put16(c + 2, (uint16_t)lba);
    c[4] = len;
}

void t_cdb10(uint8_t *c, uint8_t op, uint8_t flags, uint32_t lba, uint16_t len)
{
    memset(c, 0, 10);
    c[0] = op;
    c[1] = flags;
    t_put32(c + 2, lba);
    t_put16(c + 7, len);
}

void t_cdb12(uint8_t *c, uint8_t op, uint8_t flags, uint32_t lba, uint32_t len)
{
    memset(c, 0, 12);
    c[0] = op;
    c[1] = flags;
    t_put32(c + 2, lba);
    t_put32(c + 6, len);
}

void t_cdb16(uint8_t *c, uint8_t op, uint8_t flags, uint64_t lba, uint32_t len)
{
    memset(c, 0, 16);
    c[0] = op;
    c[1] = flags;
    t_put64(c + 2, lba);
    t_put32(c + 10, len);
}

int t_good(const t_run *r, const char *what)
{
    if (r->res.status != MC_SAM_GOOD)
        tap_diag("status 0x%02x key 0x%x asc 0x%04x", r->res.status, mc_scsi_sense_key(&r->res),
                 mc_scsi_sense_asc(&r->res));
    return tap_ok(r->res.status == MC_SAM_GOOD && r->plan_rc == 0 && r->res.sense_len == 0,
                  "%s: GOOD", what);
}

int t_sense(const t_run *r, uint8_t key, uint16_t asc, const char *what)
{
    bool ok = r->res.status == MC_SAM_CHECK_CONDITION && r->res.sense_len == MC_SENSE_LEN &&
              (r->res.sense[0] & 0x7f) == 0x70 && r->res.sense[7] == 10 &&
              mc_scsi_sense_key(&r->res) == key && mc_scsi_sense_asc(&r->res) == asc &&
              r->res.data_in_len == 0;
    if (!ok)
        tap_diag("status 0x%02x sense_len %zu key 0x%x asc 0x%04x (want key 0x%x asc 0x%04x)",
                 r->res.status, r->res.sense_len, mc_scsi_sense_key(&r->res),
                 mc_scsi_sense_asc(&r->res), key, asc);
    return tap_ok(ok, "%s: CHECK CONDITION %x/%04x", what, key, asc);
}

int t_field(const t_run *r, uint16_t byte, uint8_t bit, const char *what)
{
    const uint8_t *s = r->res.sense;
    bool ok = r->res.status == MC_SAM_CHECK_CONDITION &&
              mc_scsi_sense_key(&r->res) == MC_SK_ILLEGAL_REQUEST &&
              mc_scsi_sense_asc(&r->res) == MC_ASC_INVALID_FIELD_IN_CDB &&
              (s[15] & 0xc0) == 0xc0 && t_be16(s + 16) == byte &&
              (bit > 7 ? !(s[15] & 0x08) : (s[15] & 0x0f) == (0x08 | bit));
    if (!ok)
        tap_diag("status 0x%02x asc 0x%04x sks %02x %02x %02x (want byte %u bit %u)",
                 r->res.status, mc_scsi_sense_asc(&r->res), s[15], s[16], s[17], byte, bit);
    return tap_ok(ok, "%s: INVALID FIELD IN CDB at byte %u", what, byte);
}
