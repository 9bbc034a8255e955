/* mcast_bench: for N = 1..8 members, the initiator's bytes sent per byte mirrored and the
 * mirrored write throughput of multicast mirroring, against the same writes mirrored by N
 * separate unicast sessions, measured in the same run on loopback (not a test). Bytes are
 * counted at the iSCSI level: UDP payloads (group header + PDUs) and TCP PDUs, no IP headers. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mirror.h"
#include "member.h"

#define MEMBERS_MAX 8u
#define WRITES 200u
#define BLOCKS 128u                     /* 64 KiB per write */
#define LUN_SIZE (16u << 20)
#define VLUN 5u
#define GROUP "239.9.9.9"
#define GROUP_PORT 23999u
#define ROUND_MS 50

typedef struct bench_target {
    mc_target *t;
    pthread_t th;
    atomic_bool stop;
    char host[32], iqn[96];
} bench_target;

static void *loop(void *arg)
{
    bench_target *b = arg;
    char err[256];
    while (!atomic_load(&b->stop) && mc_target_run_once(b->t, ROUND_MS, err, sizeof(err)) == 0) {
    }
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct result {
    double bytes_per_byte, mib_s;
} result;

static int measure(mc_mirror *m, bool unicast, const uint8_t *data, result *r)
{
    char res[1024];
    const mc_mirror_stats *st = mc_mirror_get_stats(m);
    uint64_t b0 = st->udp_bytes + st->tcp_bytes;
    double t0 = now_s();
    for (unsigned i = 0; i < WRITES; i++) {
        uint64_t lba = (uint64_t)(i % 64u) * BLOCKS;
        int rc = unicast ? mc_mirror_write_unicast(m, VLUN, lba, BLOCKS, data, res, sizeof(res))
                         : mc_mirror_write(m, VLUN, lba, BLOCKS, data, res, sizeof(res));
        if (rc != 0) {
            fprintf(stderr, "mcast_bench: %s\n", res);
            return -1;
        }
    }
    double secs = now_s() - t0;
    double mirrored = (double)WRITES * BLOCKS * MC_MIRROR_BLOCK;
    r->bytes_per_byte = (double)(st->udp_bytes + st->tcp_bytes - b0) / mirrored;
    r->mib_s = mirrored / secs / (1024.0 * 1024.0);
    return 0;
}

int main(void)
{
    bench_target tg[MEMBERS_MAX];
    memset(tg, 0, sizeof(tg));
    for (unsigned i = 0; i < MEMBERS_MAX; i++) {
        snprintf(tg[i].host, sizeof(tg[i].host), "127.0.0.%u", 2 + i);
        snprintf(tg[i].iqn, sizeof(tg[i].iqn), "iqn.2026-11.org.mirrorcert:bench%u", i + 1);
        mc_target_config c = {.host = tg[i].host, .iqn = tg[i].iqn, .nluns = 1, .lun_size = LUN_SIZE};
        c.luns[0] = (mc_target_lun_spec){.lun = 1, .path = "mem"};
        char err[256];
        if (mc_target_new(&tg[i].t, &c, err, sizeof(err)) != 0 || mc_member_attach(tg[i].t, err, sizeof(err)) != 0 ||
            pthread_create(&tg[i].th, NULL, loop, &tg[i]) != 0) {
            fprintf(stderr, "mcast_bench: target %u: %s\n", i + 1, err);
            return 1;
        }
    }
    uint8_t *data = malloc((size_t)BLOCKS * MC_MIRROR_BLOCK);
    for (size_t i = 0; data && i < (size_t)BLOCKS * MC_MIRROR_BLOCK; i++)
        data[i] = (uint8_t)(i * 131u + 7u);
    printf("mcast_bench: %u writes of %u KiB per N, loopback, one run\n", WRITES, BLOCKS * MC_MIRROR_BLOCK / 1024u);
    printf("%2s  %12s %12s %8s  %12s %12s %8s\n", "N", "mcast B/B", "unicast B/B", "ratio", "mcast MiB/s",
           "unicast MiB/s", "ratio");
    int status = 0;
    for (unsigned n = 1; n <= MEMBERS_MAX && data; n++) {
        mc_mirror_opts o = {.data_timeout_ms = 2000};
        mc_mirror *m = mc_mirror_new(&o);
        char res[1024];
        mc_mirror_member mem[MEMBERS_MAX];
        for (unsigned i = 0; m && i < n; i++) {
            char name[16];
            snprintf(name, sizeof(name), "t%u", i + 1);
            mc_mirror_target_add(m, name, tg[i].host, mc_target_port(tg[i].t), tg[i].iqn, res, sizeof(res));
            memset(&mem[i], 0, sizeof(mem[i]));
            snprintf(mem[i].name, sizeof(mem[i].name), "%s", name);
            mem[i].real[0] = 1;
            mem[i].nreal = 1;
        }
        result mc, uc;
        if (!m || mc_mirror_login(m, res, sizeof(res)) != 0 ||
            mc_mirror_register(m, GROUP, GROUP_PORT, VLUN, mem, n, 0, res, sizeof(res)) != 0 ||
            measure(m, false, data, &mc) != 0 || measure(m, true, data, &uc) != 0) {
            fprintf(stderr, "mcast_bench: N=%u: %s\n", n, res);
            status = 1;
            mc_mirror_free(m);
            break;
        }
        printf("%2u  %12.3f %12.3f %8.2f  %12.1f %12.1f %8.2f\n", n, mc.bytes_per_byte, uc.bytes_per_byte,
               uc.bytes_per_byte / mc.bytes_per_byte, mc.mib_s, uc.mib_s, mc.mib_s / uc.mib_s);
        mc_mirror_terminate(m, GROUP, VLUN, res, sizeof(res));
        mc_mirror_free(m);
    }
    printf("ratio columns: unicast bytes / multicast bytes, multicast throughput / unicast throughput\n");
    for (unsigned i = 0; i < MEMBERS_MAX; i++) {
        atomic_store(&tg[i].stop, true);
        pthread_join(tg[i].th, NULL);
        mc_target_free(tg[i].t);
    }
    free(data);
    return status;
}
