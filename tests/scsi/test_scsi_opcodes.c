/* REPORT SUPPORTED OPERATION CODES against the dispatcher: every listed command is accepted
 * and every unlisted opcode refused, and the usage data is exactly what the CDB check enforces. */
#include <stdlib.h>
#include <string.h>

#include "scsi_util.h"
#include "tap.h"

static void rsoc(mc_lun *lun, uint8_t options, uint8_t op, uint16_t sa, uint32_t alloc,
                 uint8_t *in, size_t cap, t_run *r)
{
    uint8_t cdb[12] = {T_MAINT_IN, T_SA_RSOC, options, op};
    t_put16(cdb + 4, sa);
    t_put32(cdb + 6, alloc);
    t_exec(lun, cdb, 12, NULL, 0, in, cap, r);
}

typedef struct listed {
    uint8_t op;
    uint16_t sa;
    bool servactv;
    uint16_t cdb_len;
} listed;

int main(void)
{
    mc_lun *lun = t_mem_lun(4096, 512);
    uint8_t *in = malloc(65536), one[64];
    listed cmds[256];
    size_t ncmd = 0;
    t_run r;

    if (!tap_ok(lun && in, "LU and buffer"))
        return tap_done();
    rsoc(lun, 0, 0, 0, 65536, in, 65536, &r);
    t_good(&r, "REPORT SUPPORTED OPERATION CODES, all commands");
    tap_ok(r.plan.dir == MC_XFER_FROM_DEV && r.plan.length == 65536, "plans allocation length");
    uint32_t dl = t_be32(in);
    tap_ok(dl % 8 == 0 && dl + 4 == r.res.data_in_len, "COMMAND DATA LENGTH = 8 x descriptors");
    for (uint32_t off = 4; off + 8 <= dl + 4 && ncmd < 256; off += 8) {
        cmds[ncmd].op = in[off];
        cmds[ncmd].sa = t_be16(in + off + 2);
        cmds[ncmd].servactv = in[off + 5] & 0x01;
        cmds[ncmd].cdb_len = t_be16(in + off + 6);
        ncmd++;
    }
    tap_diag("%zu commands listed", ncmd);
    static const uint8_t must[] = {T_TUR, T_REQUEST_SENSE, T_READ6, T_WRITE6, T_INQUIRY,
                                   T_MODE_SENSE6, T_START_STOP, T_READ_CAP10, T_READ10,
                                   T_WRITE10, T_WRITE_VERIFY10, T_VERIFY10, T_PREFETCH10,
                                   T_SYNC10, T_WRITE_SAME10, T_UNMAP, T_MODE_SENSE10, T_READ16,
                                   T_CAW, T_WRITE16, T_WRITE_VERIFY16, T_VERIFY16, T_PREFETCH16,
                                   T_SYNC16, T_WRITE_SAME16, T_SAI16, T_REPORT_LUNS, T_MAINT_IN,
                                   T_READ12, T_WRITE12, T_WRITE_VERIFY12, T_VERIFY12};
    for (size_t i = 0; i < sizeof must; i++) {
        bool found = false;
        for (size_t j = 0; j < ncmd; j++)
            found = found || cmds[j].op == must[i];
        tap_ok(found, "opcode 0x%02x listed", must[i]);
    }
    /* every listed command: the matching one-command form works, the other is refused, and
     * each bit the usage data leaves clear is refused by the dispatcher at that very bit */
    for (size_t j = 0; j < ncmd; j++) {
        listed *c = &cmds[j];
        uint8_t form = c->servactv ? 2 : 1, other = c->servactv ? 1 : 2;
        rsoc(lun, form, c->op, c->sa, sizeof one, one, sizeof one, &r);
        bool ok = r.res.status == MC_SAM_GOOD && (one[1] & 0x07) == 3 &&
                  t_be16(one + 2) == c->cdb_len && one[4] == c->op &&
                  r.res.data_in_len == 4u + c->cdb_len &&
                  (!c->servactv || (one[5] & 0x1f) == c->sa);
        tap_ok(ok, "0x%02x/%02x: one-command form %u: supported, CDB size %u, usage[0]=opcode",
               c->op, c->sa, form, c->cdb_len);
        uint8_t usage[16];
        memcpy(usage, one + 4, c->cdb_len < 16 ? c->cdb_len : 16);
        rsoc(lun, other, c->op, c->sa, sizeof one, one, sizeof one, &r);
        t_field(&r, 2, 2, "one-command form that does not fit the opcode");
        bool consistent = true;
        for (uint16_t b = 1; b < c->cdb_len && consistent; b++) {
            for (uint8_t bit = 0; bit < 8; bit++) {
                uint8_t mask = (uint8_t)(1u << bit), cdb[16];
                if (usage[b] & mask)
                    continue;
                if (b == 1 && c->servactv && (mask & 0x1f))
                    continue;  /* service action bits select the command */
                memset(cdb, 0, sizeof cdb);
                cdb[0] = c->op;
                if (c->servactv)
                    cdb[1] = (uint8_t)c->sa;
                cdb[b] |= mask;
                t_exec(lun, cdb, c->cdb_len, NULL, 0, in, 65536, &r);
                const uint8_t *s = r.res.sense;
                if (!(r.res.status == MC_SAM_CHECK_CONDITION &&
                      mc_scsi_sense_asc(&r.res) == MC_ASC_INVALID_FIELD_IN_CDB &&
                      t_be16(s + 16) == b && (s[15] & 0x0f) == (0x08 | bit))) {
                    tap_diag("0x%02x byte %u bit %u not refused as reserved", c->op, b, bit);
                    consistent = false;
                    break;
                }
            }
        }
        tap_ok(consistent, "0x%02x/%02x: every bit outside the usage data is refused", c->op,
               c->sa);
    }
    /* opcodes not listed are INVALID COMMAND OPERATION CODE, every one of them */
    size_t refused = 0, unlisted = 0;
    for (unsigned op = 0; op < 256; op++) {
        bool is_listed = false;
        for (size_t j = 0; j < ncmd; j++)
            is_listed = is_listed || cmds[j].op == op;
        if (is_listed)
            continue;
        unlisted++;
        uint8_t cdb[16] = {(uint8_t)op};
        t_exec(lun, cdb, 16, NULL, 0, in, 65536, &r);
        if (r.res.status == MC_SAM_CHECK_CONDITION &&
            mc_scsi_sense_key(&r.res) == MC_SK_ILLEGAL_REQUEST &&
            mc_scsi_sense_asc(&r.res) == MC_ASC_INVALID_OPCODE)
            refused++;
        else
            tap_diag("unlisted opcode 0x%02x not refused", op);
    }
    tap_ok(refused == unlisted && unlisted > 0, "all %zu unlisted opcodes are refused", unlisted);
    /* an unlisted service action of a listed opcode */
    uint8_t cdb[16] = {T_SAI16, 0x1f};
    t_exec(lun, cdb, 16, NULL, 0, in, 65536, &r);
    t_field(&r, 1, 4, "SERVICE ACTION IN(16) with an unsupported service action");
    rsoc(lun, 2, T_SAI16, 0x1f, sizeof one, one, sizeof one, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && (one[1] & 0x07) == 1 && t_be16(one + 2) == 0,
           "one-command query of an unsupported service action: SUPPORT 001b");
    rsoc(lun, 1, 0xc7, 0, sizeof one, one, sizeof one, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && (one[1] & 0x07) == 1 && r.res.data_in_len == 4,
           "one-command query of an unsupported opcode: SUPPORT 001b");
    rsoc(lun, 2, 0xc7, 1, sizeof one, one, sizeof one, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && (one[1] & 0x07) == 1,
           "form 2 query of an unknown opcode: SUPPORT 001b");
    rsoc(lun, 3, T_READ10, 0, sizeof one, one, sizeof one, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && (one[1] & 0x07) == 3 && t_be16(one + 2) == 10,
           "form 3 for an opcode without service actions");
    rsoc(lun, 3, T_SAI16, T_SA_READ_CAP16, sizeof one, one, sizeof one, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && (one[1] & 0x07) == 3 && one[5] == 0x10,
           "form 3 for SERVICE ACTION IN(16)/READ CAPACITY(16)");
    rsoc(lun, 4, 0, 0, sizeof one, one, sizeof one, &r);
    t_field(&r, 2, 2, "REPORTING OPTIONS 4");
    /* RCTD: 20-byte descriptors with CTDP, and the timeouts descriptor in one-command form */
    rsoc(lun, 0x80, 0, 0, 65536, in, 65536, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && t_be32(in) == ncmd * 20u && (in[4 + 5] & 0x02) &&
               t_be16(in + 4 + 8) == 0x0a,
           "RCTD: 20-byte descriptors, CTDP set, timeouts descriptor length 0x0a");
    rsoc(lun, 0x81, T_READ16, 0, sizeof one, one, sizeof one, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && (one[1] & 0x80) && r.res.data_in_len == 4 + 16 + 12 &&
               t_be16(one + 20) == 0x0a && t_be32(one + 24) > 0,
           "RCTD one-command: CTDP and a timeouts descriptor after the usage data");
    rsoc(lun, 0, 0, 0, 10, in, 65536, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && r.res.data_in_len == 10 && t_be32(in) == dl,
           "allocation length 10 truncates, COMMAND DATA LENGTH unchanged");
    mc_lun_close(lun);
    free(in);
    return tap_done();
}
