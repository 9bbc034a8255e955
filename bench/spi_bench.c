/* Silent mirroring against conventional mirroring on the simulated bus: simulated bus time for a
 * mirrored write in 512-byte blocks to 1 + N disks, beside the analytic model of spi_model.h,
 * plus simulator speed (bus events per wall second). Prints ratios; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spi_dev.h"
#include "spi_model.h"

#define HOST_ID 7u
#define BLOCK 512u
#define MAX_MIRRORS 7u
#define KIB 1024u
#define DEFAULT_KIB 1024u
#define NS_PER_S 1e9
#define NS_PER_MS 1e6
#define PERCENT 100.0

static const unsigned disk_ids[MAX_MIRRORS + 1] = {6, 5, 4, 3, 2, 1, 0, 8};

typedef struct bench {
    mc_spi_bus *bus;
    mc_spi_host *host;
    mc_spi_disk *disk[MAX_MIRRORS + 1];
    mc_lun_set *luns[MAX_MIRRORS + 1];
    unsigned n;
    char err[256];
} bench;

static void bench_close(bench *b)
{
    mc_spi_host_free(b->host);
    for (unsigned i = 0; i <= MAX_MIRRORS; i++) {
        mc_spi_disk_free(b->disk[i]);
        mc_lun_set_free(b->luns[i]);
    }
    mc_spi_bus_free(b->bus);
}

static int bench_open(bench *b, const mc_spi_params *p, unsigned disks, uint32_t blocks)
{
    memset(b, 0, sizeof *b);
    mc_spi_host_config hc = {.id = HOST_ID};
    if (mc_spi_bus_new(&b->bus, p, b->err, sizeof b->err) < 0 ||
        mc_spi_host_new(&b->host, b->bus, &hc, b->err, sizeof b->err) < 0)
        return -1;
    for (unsigned i = 0; i < disks; i++) {
        mc_lun_config lc = {.size = (uint64_t)blocks * BLOCK};
        mc_lun *lu;
        if (mc_lun_open(&lu, &lc, b->err, sizeof b->err) < 0)
            return -1;
        b->luns[i] = mc_lun_set_new();
        if (!b->luns[i] || mc_lun_set_add(b->luns[i], 0, lu) < 0)
            return -1;
        mc_spi_disk_config dc = {.id = disk_ids[i], .luns = b->luns[i], .silent_capable = true};
        if (mc_spi_disk_new(&b->disk[i], b->bus, &dc, b->err, sizeof b->err) < 0)
            return -1;
        mc_spi_op neg = {.kind = MC_OP_NEGOTIATE, .target = (uint8_t)disk_ids[i]};
        mc_spi_op q = {.kind = MC_OP_DISCOVER, .target = (uint8_t)disk_ids[i], .gid = MC_SM_GID(0, i),
                       .last = i + 1 == disks};
        if (mc_spi_host_queue(b->host, &neg, b->err, sizeof b->err) < 0 ||
            mc_spi_host_queue(b->host, &q, b->err, sizeof b->err) < 0)
            return -1;
        b->n++;
    }
    return mc_spi_host_run(b->host, b->err, sizeof b->err);
}

static int queue_mode(bench *b, int mode, const uint8_t *data, uint32_t blocks)
{
    mc_spi_op op = {.block_size = BLOCK, .data = data};
    switch (mode) {
    case MC_MODEL_CONV_PER_BLOCK:
        op.kind = MC_OP_WRITE;
        op.blocks = 1;
        for (uint32_t k = 0; k < blocks; k++)
            for (unsigned i = 0; i < b->n; i++) {
                op.target = (uint8_t)disk_ids[i];
                op.lba = k;
                op.data = data + (size_t)k * BLOCK;
                if (mc_spi_host_queue(b->host, &op, b->err, sizeof b->err) < 0)
                    return -1;
            }
        return 0;
    case MC_MODEL_CONV_ONE_COMMAND:
        op.kind = MC_OP_WRITE;
        op.blocks = blocks;
        for (unsigned i = 0; i < b->n; i++) {
            op.target = (uint8_t)disk_ids[i];
            if (mc_spi_host_queue(b->host, &op, b->err, sizeof b->err) < 0)
                return -1;
        }
        return 0;
    default:
        op.kind = MC_OP_SILENT;
        op.blocks = 1;
        op.n = b->n;
        for (unsigned i = 0; i < b->n; i++)
            op.order[i] = (uint8_t)disk_ids[i];
        op.target = op.order[0];
        for (uint32_t k = 0; k < blocks; k++) {
            op.lba = k;
            op.data = data + (size_t)k * BLOCK;
            op.status_now = mode == MC_MODEL_SILENT_STATUS_EACH || k + 1 == blocks;
            if (mc_spi_host_queue(b->host, &op, b->err, sizeof b->err) < 0)
                return -1;
        }
        return 0;
    }
}

typedef struct result {
    double sim_ns, model_ns, events, wall_s;
    bool ok;
} result;

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_S;
}

static result run_one(const mc_spi_params *p, unsigned mirrors, int mode, const uint8_t *data,
                      uint32_t blocks)
{
    result r = {0};
    bench b;
    if (bench_open(&b, p, mirrors + 1, blocks) < 0 || queue_mode(&b, mode, data, blocks) < 0) {
        fprintf(stderr, "setup: %s\n", b.err);
        bench_close(&b);
        return r;
    }
    uint64_t t0 = mc_spi_now(b.bus), e0 = mc_spi_events(b.bus);
    size_t first = mc_spi_host_op_count(b.host) - (mode == MC_MODEL_CONV_PER_BLOCK ? blocks * (mirrors + 1)
                                                   : mode == MC_MODEL_CONV_ONE_COMMAND ? mirrors + 1 : blocks);
    double w0 = wall();
    int rc = mc_spi_host_run(b.host, b.err, sizeof b.err);
    r.wall_s = wall() - w0;
    r.sim_ns = (double)(mc_spi_now(b.bus) - t0);
    r.events = (double)(mc_spi_events(b.bus) - e0);
    r.model_ns = (double)mc_spi_model_ns(p, mode, mirrors + 1, blocks, BLOCK);
    r.ok = rc == 0;
    for (size_t i = first; i < mc_spi_host_op_count(b.host); i++)
        if (mc_spi_host_op(b.host, i)->state != MC_OP_OK)
            r.ok = false;
    for (unsigned i = 0; i <= mirrors && r.ok; i++) { /* every disk holds the whole write */
        uint8_t buf[BLOCK];
        for (uint32_t k = 0; k < blocks && r.ok; k++)
            if (mc_lun_pread(mc_lun_set_get(b.luns[i], 0), buf, BLOCK, (uint64_t)k * BLOCK) < 0 ||
                memcmp(buf, data + (size_t)k * BLOCK, BLOCK) != 0)
                r.ok = false;
    }
    bench_close(&b);
    return r;
}

int main(int argc, char **argv)
{
    unsigned kib = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : DEFAULT_KIB;
    if (kib == 0 || kib > 16 * KIB) {
        fprintf(stderr, "usage: %s [KiB to write, 1..16384]\n", argv[0]);
        return 2;
    }
    uint32_t blocks = kib * KIB / BLOCK;
    uint8_t *data = malloc((size_t)blocks * BLOCK);
    if (!data)
        return 1;
    for (size_t i = 0; i < (size_t)blocks * BLOCK; i++)
        data[i] = (uint8_t)(i * 131 + (i >> 9));
    static const char *const mode_name[MC_MODEL_MODES] = {"conv per block", "conv one cmd", "silent status once",
                                                          "silent status each"};
    printf("# %u KiB in %u-byte blocks to 1 + N disks; times are simulated bus time in ms\n", kib, BLOCK);
    printf("# model = spi_model.h closed form; err = (sim - model) / model\n");
    int bad = 0;
    for (int speed = 0; speed < 2; speed++) {
        mc_spi_params p;
        if (speed == 0)
            mc_spi_params_u320_wide(&p);
        else
            mc_spi_params_fast20_narrow(&p);
        unsigned max_n = speed == 0 ? MAX_MIRRORS : MC_SPI_NARROW_IDS - 2; /* host + 1 + N <= 8 */
        printf("\n## %s\n", speed == 0 ? "Ultra320 wide (6.25 ns per 16-bit transfer)" : "Fast-20 narrow (50 ns per byte)");
        printf("%2s %-19s %10s %10s %7s %10s %10s %9s %s\n", "N", "mode", "sim ms", "model ms", "err %",
               "vs perblk", "vs onecmd", "Mev/s", "data");
        for (unsigned n = 1; n <= max_n; n++) {
            result res[MC_MODEL_MODES];
            for (int m = 0; m < MC_MODEL_MODES; m++)
                res[m] = run_one(&p, n, m, data, blocks);
            for (int m = 0; m < MC_MODEL_MODES; m++) {
                double err = (res[m].sim_ns - res[m].model_ns) / res[m].model_ns * PERCENT;
                if (!res[m].ok || err > 1.0 || err < -1.0)
                    bad = 1;
                printf("%2u %-19s %10.3f %10.3f %7.3f %9.2fx %9.2fx %9.1f %s\n", n, mode_name[m],
                       res[m].sim_ns / NS_PER_MS, res[m].model_ns / NS_PER_MS, err,
                       res[MC_MODEL_CONV_PER_BLOCK].sim_ns / res[m].sim_ns,
                       res[MC_MODEL_CONV_ONE_COMMAND].sim_ns / res[m].sim_ns,
                       res[m].events / res[m].wall_s / 1e6, res[m].ok ? "identical" : "MISMATCH");
            }
        }
        if (speed == 1)
            printf("%2u (a narrow bus has 8 IDs: host + 7 disks, so N <= 6)\n", MAX_MIRRORS);
    }
    free(data);
    return bad;
}
