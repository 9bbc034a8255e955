#include "mtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUND_MS 50
#define PAUSE_NS 20000000L

static void *loop(void *arg)
{
    mt_target *tt = arg;
    char err[256];
    while (!atomic_load(&tt->stop)) {
        if (atomic_load(&tt->paused)) {
            struct timespec ts = {0, PAUSE_NS};
            nanosleep(&ts, NULL);
            continue;
        }
        if (mc_target_run_once(tt->t, ROUND_MS, err, sizeof(err)) != 0) {
            fprintf(stderr, "# target loop: %s\n", err);
            break;
        }
    }
    return NULL;
}

int mt_start(mt_target *tg, size_t n, const char *mutant)
{
    for (size_t i = 0; i < n; i++) {
        mt_target *tt = &tg[i];
        memset(tt, 0, sizeof(*tt));
        snprintf(tt->host, sizeof(tt->host), "127.0.0.%zu", 2 + i);
        snprintf(tt->iqn, sizeof(tt->iqn), "iqn.2026-11.org.mirrorcert:mtest%zu", i + 1);
        mc_target_config c;
        memset(&c, 0, sizeof(c));
        c.host = tt->host;
        c.iqn = tt->iqn;
        c.luns[0] = (mc_target_lun_spec){.lun = 0, .path = "mem"};
        c.luns[1] = (mc_target_lun_spec){.lun = 1, .path = "mem"};
        c.luns[2] = (mc_target_lun_spec){.lun = 2, .path = "mem"};
        c.nluns = 3;
        c.lun_size = MT_LUN_SIZE;
        c.mutant = mutant;
        char err[256];
        if (mc_target_new(&tt->t, &c, err, sizeof(err)) != 0) {
            fprintf(stderr, "# target %zu: %s\n", i + 1, err);
            mt_stop(tg, i);
            return -1;
        }
        if (mc_member_attach(tt->t, err, sizeof(err)) != 0) {
            fprintf(stderr, "# target %zu: %s\n", i + 1, err);
            mc_target_free(tt->t);
            mt_stop(tg, i);
            return -1;
        }
        tt->port = mc_target_port(tt->t);
        if (pthread_create(&tt->thread, NULL, loop, tt) != 0) {
            mc_target_free(tt->t);
            mt_stop(tg, i);
            return -1;
        }
        tt->running = true;
    }
    return 0;
}

void mt_stop(mt_target *tg, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!tg[i].running)
            continue;
        atomic_store(&tg[i].stop, true);
        pthread_join(tg[i].thread, NULL);
        mc_target_free(tg[i].t);
        tg[i].running = false;
    }
}

mc_mirror *mt_initiator(const mt_target *tg, size_t n, const mc_mirror_opts *o)
{
    mc_mirror_opts def;
    memset(&def, 0, sizeof(def));
    mc_mirror *m = mc_mirror_new(o ? o : &def);
    char res[1024];
    for (size_t i = 0; m && i < n; i++) {
        char name[24];
        snprintf(name, sizeof(name), "t%zu", i + 1);
        if (mc_mirror_target_add(m, name, tg[i].host, tg[i].port, tg[i].iqn, res, sizeof(res)) != 0) {
            fprintf(stderr, "# %s\n", res);
            mc_mirror_free(m);
            return NULL;
        }
    }
    if (m && mc_mirror_login(m, res, sizeof(res)) != 0) {
        fprintf(stderr, "# %s\n", res);
        mc_mirror_free(m);
        return NULL;
    }
    return m;
}

bool mt_members_hold(mc_mirror *m, size_t n, uint16_t lun, uint64_t lba, uint32_t blocks, const uint8_t *data)
{
    uint8_t *buf = malloc((size_t)blocks * MC_MIRROR_BLOCK);
    bool all = buf != NULL;
    char res[512];
    for (size_t i = 0; all && i < n; i++) {
        char name[24];
        snprintf(name, sizeof(name), "t%zu", i + 1);
        if (mc_mirror_read(m, name, lun, lba, blocks, buf, res, sizeof(res)) != 0 ||
            memcmp(buf, data, (size_t)blocks * MC_MIRROR_BLOCK) != 0) {
            fprintf(stderr, "# %s differs at lba %llu (%s)\n", name, (unsigned long long)lba, res);
            all = false;
        }
    }
    free(buf);
    return all;
}

uint16_t mt_group_port(unsigned salt)
{
    return (uint16_t)(MT_PORT_BASE + (unsigned)(getpid() % 1000) * 8 + salt);
}

size_t mt_members(mc_mirror_member *mem, size_t n, uint16_t lun)
{
    for (size_t i = 0; i < n; i++) {
        memset(&mem[i], 0, sizeof(mem[i]));
        snprintf(mem[i].name, sizeof(mem[i].name), "t%zu", i + 1);
        mem[i].real[0] = lun;
        mem[i].nreal = 1;
    }
    return n;
}

void mt_fill(uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
}

long long mt_counter(const char *res, const char *name)
{
    char key[64];
    snprintf(key, sizeof(key), "%s:", name);
    const char *p = strstr(res, key);
    if (!p)
        return -1;
    return strtoll(p + strlen(key), NULL, 10);
}
