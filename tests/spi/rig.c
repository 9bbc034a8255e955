/* Test bench construction: bus, host, disks on memory LUNs, optional live trace. */
#include <stdio.h>
#include <string.h>

#include "rig.h"

static const unsigned disk_ids[RIG_MAX_DISKS] = {5, 4, 3, 2, 1, 0, 6}; /* Table 1: 5, 4, 3 */
#define DEFAULT_BLOCKS 256u
#define TEST_WAIT_NS 2000000u /* host wait limit: 2 ms simulated keeps mutant hangs short */
#define MEDIA_NS 20000u

int rig_open(rig *r, const rig_opts *o)
{
    memset(r, 0, sizeof *r);
    mc_spi_params p;
    if (o->speed == 2)
        mc_spi_params_u320_wide(&p);
    else if (o->speed == 1)
        mc_spi_params_fast20_narrow(&p);
    else
        mc_spi_params_async(&p);
    if (mc_spi_bus_new(&r->bus, &p, r->err, sizeof r->err) < 0)
        return -1;
    if (o->trace && (mc_spi_trace_new(&r->trace, r->err, sizeof r->err) < 0 ||
                     mc_spi_trace_attach(r->trace, r->bus, r->err, sizeof r->err) < 0))
        return -1;
    mc_spi_host_config hc = {.id = RIG_HOST_ID, .raw = o->raw, .mutants = o->host_mutants,
                             .retransfer = o->retransfer,
                             .wait_ns = o->wait_ns ? o->wait_ns : TEST_WAIT_NS};
    if (mc_spi_host_new(&r->host, r->bus, &hc, r->err, sizeof r->err) < 0)
        return -1;
    for (unsigned i = 0; i < o->ndisks && i < RIG_MAX_DISKS; i++) {
        mc_lun_config lc = {.size = (o->lun_blocks ? o->lun_blocks : DEFAULT_BLOCKS) * RIG_BLOCK};
        mc_lun *lu;
        if (mc_lun_open(&lu, &lc, r->err, sizeof r->err) < 0)
            return -1;
        r->luns[i] = mc_lun_set_new();
        if (!r->luns[i] || mc_lun_set_add(r->luns[i], 0, lu) < 0) {
            mc_lun_close(lu);
            snprintf(r->err, sizeof r->err, "LUN set");
            return -1;
        }
        r->ids[i] = disk_ids[i];
        bool capable = !(o->incapable_last && i + 1 == o->ndisks);
        mc_spi_disk_config dc = {.id = r->ids[i], .luns = r->luns[i], .silent_capable = capable,
                                 .accept_raw = true, .disconnect = o->disconnect,
                                 .media_ns = MEDIA_NS, .mutants = o->disk_mutants};
        if (mc_spi_disk_new(&r->disk[i], r->bus, &dc, r->err, sizeof r->err) < 0)
            return -1;
        r->n++;
    }
    return 0;
}

void rig_close(rig *r)
{
    mc_spi_host_free(r->host);
    for (unsigned i = 0; i < RIG_MAX_DISKS; i++) {
        mc_spi_disk_free(r->disk[i]);
        mc_lun_set_free(r->luns[i]);
    }
    mc_spi_trace_free(r->trace);
    mc_spi_bus_free(r->bus);
}

int rig_setup(rig *r)
{
    for (unsigned i = 0; i < r->n; i++) {
        mc_spi_op neg = {.kind = MC_OP_NEGOTIATE, .target = (uint8_t)r->ids[i]};
        mc_spi_op q = {.kind = MC_OP_DISCOVER, .target = (uint8_t)r->ids[i],
                       .gid = MC_SM_GID(0, i), .last = i + 1 == r->n};
        if (mc_spi_host_queue(r->host, &neg, r->err, sizeof r->err) < 0 ||
            mc_spi_host_queue(r->host, &q, r->err, sizeof r->err) < 0)
            return -1;
    }
    return rig_run(r);
}

int rig_run(rig *r) { return mc_spi_host_run(r->host, r->err, sizeof r->err); }

int rig_silent(rig *r, const unsigned *order, unsigned n, uint32_t lba, uint32_t blocks,
               const uint8_t *data, bool status_now)
{
    mc_spi_op op = {.kind = MC_OP_SILENT, .lba = lba, .blocks = blocks, .block_size = RIG_BLOCK,
                    .data = data, .n = n, .status_now = status_now};
    for (unsigned i = 0; i < n; i++)
        op.order[i] = (uint8_t)r->ids[order[i]];
    op.target = op.order[0];
    return mc_spi_host_queue(r->host, &op, r->err, sizeof r->err);
}

bool rig_disk_has(rig *r, unsigned disk, uint32_t lba, const uint8_t *data, size_t len)
{
    uint8_t buf[RIG_BLOCK];
    for (size_t off = 0; off < len; off += RIG_BLOCK) {
        size_t n = len - off < RIG_BLOCK ? len - off : RIG_BLOCK;
        if (mc_lun_pread(mc_lun_set_get(r->luns[disk], 0), buf, n, (uint64_t)lba * RIG_BLOCK + off) < 0 ||
            memcmp(buf, data + off, n) != 0)
            return false;
    }
    return true;
}

void rig_pattern(uint8_t *buf, size_t len, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
}
