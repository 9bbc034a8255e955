/* The persistent state of docs/vsan-link.md §8.2: term, vote, last committed view, history, dirty
 * bitmaps, dirty-self and the activity log, in one file written whole to PATH.tmp, synced and
 * renamed. Big-endian, CRC32C over the file with its CRC field zero. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdu.h"  /* mc_crc32c */
#include "engine_int.h"

#define META_MAGIC 0x4d43564du        /* "MCVM" */
#define META_VERSION 1u
#define META_FIXED 380u               /* bytes before the bitmaps (layout below) */
#define META_NBITMAPS (MC_VSAN_ID_MAX + 3u)  /* dirty for servers 1..8, dirty-self, log, stale */
#define META_CRC_AT 12u
#define META_FILE_MODE 0644

/* Layout: 0 magic, 4 version, 8 file length, 12 crc, 16 id(2) role(1) pad(1), 20 cluster(32),
 * 52 region_size, 56 nregions, 60 term, 64 voted_term, 68 voted_for(2) pad(2), 72 last view
 * (term, seq, gen(8), members, syncing), 96 prepared view (same), 120 nhist, 124 hist (32 x 8),
 * 380 bitmaps. */

typedef struct wbuf {
    uint8_t *p;
    size_t off, cap;
} wbuf;

static void put(wbuf *w, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        w->p[w->off + i] = (uint8_t)(v >> (8u * (width - 1u - i)));
    w->off += width;
}

static uint64_t get(const uint8_t *p, size_t *off, unsigned width)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v = (v << 8) | p[*off + i];
    *off += width;
    return v;
}

static size_t bitmap_bytes(const mc_vsan_engine *e) { return ((size_t)e->nregions + 7u) / 8u; }

static size_t file_len(const mc_vsan_engine *e)
{
    return META_FIXED + META_NBITMAPS * bitmap_bytes(e);
}

static vs_bits *bitmap_at(mc_vsan_engine *e, unsigned i)
{
    if (i < MC_VSAN_ID_MAX)
        return &e->dirty[i + 1u];
    if (i == MC_VSAN_ID_MAX)
        return &e->dirty_self;
    if (i == MC_VSAN_ID_MAX + 1u)
        return &e->al;
    return &e->stale;
}

void vs_hist_push(mc_vsan_engine *e, uint64_t gen)
{
    if (e->nhist && e->hist[0] == gen)
        return;
    uint32_t n = e->nhist < MC_VSAN_HISTORY_MAX ? e->nhist + 1u : MC_VSAN_HISTORY_MAX;
    memmove(&e->hist[1], &e->hist[0], (n - 1u) * sizeof e->hist[0]);
    e->hist[0] = gen;
    e->nhist = n;
    e->meta_dirty = true;
}

bool vs_hist_has(const uint64_t *hist, uint32_t n, uint64_t gen)
{
    for (uint32_t i = 0; i < n; i++)
        if (hist[i] == gen)
            return true;
    return false;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int vs_meta_save(mc_vsan_engine *e)
{
    if (!e->meta_dirty)
        return 0;
    if (!e->cfg.meta_path) {
        e->meta_dirty = false;
        return 0;
    }
    size_t len = file_len(e);
    wbuf w = {.p = calloc(1, len), .cap = len};
    if (!w.p)
        return -1;
    put(&w, META_MAGIC, 4);
    put(&w, META_VERSION, 4);
    put(&w, len, 4);
    put(&w, 0, 4);  /* crc, below */
    put(&w, e->cfg.id, 2);
    put(&w, e->cfg.role, 1);
    put(&w, 0, 1);
    memcpy(w.p + w.off, e->cfg.cluster, strlen(e->cfg.cluster));
    w.off += MC_VSAN_CLUSTER_LEN;
    put(&w, e->cfg.region_size, 4);
    put(&w, e->nregions, 4);
    put(&w, e->term, 4);
    put(&w, e->voted_term, 4);
    put(&w, e->voted_for, 2);
    put(&w, 0, 2);
    put(&w, e->last.term, 4);
    put(&w, e->last.seq, 4);
    put(&w, e->last.gen, 8);
    put(&w, e->last.members, 4);
    put(&w, e->last.syncing, 4);
    put(&w, e->prepared.term, 4);
    put(&w, e->prepared.seq, 4);
    put(&w, e->prepared.gen, 8);
    put(&w, e->prepared.members, 4);
    put(&w, e->prepared.syncing, 4);
    put(&w, e->nhist, 4);
    for (unsigned i = 0; i < MC_VSAN_HISTORY_MAX; i++)
        put(&w, i < e->nhist ? e->hist[i] : 0, 8);
    for (unsigned i = 0; i < META_NBITMAPS; i++) {
        const vs_bits *b = bitmap_at(e, i);
        if (b->b)
            memcpy(w.p + w.off, b->b, bitmap_bytes(e));
        w.off += bitmap_bytes(e);
    }
    uint32_t crc = mc_crc32c(0, w.p, len);
    size_t at = META_CRC_AT;
    w.off = at;
    put(&w, crc, 4);

    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", e->cfg.meta_path);
    int rc = -1;
    if (n > 0 && (size_t)n < sizeof tmp) {
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, META_FILE_MODE);
        if (fd >= 0) {
            rc = write_all(fd, w.p, len) == 0 && fdatasync(fd) == 0 ? 0 : -1;
            close(fd);
            if (rc == 0)
                rc = rename(tmp, e->cfg.meta_path);
        }
    }
    free(w.p);
    if (rc == 0)
        e->meta_dirty = false;
    else
        vs_log(e, 0, "cannot write %s: %s", e->cfg.meta_path, strerror(errno));
    return rc;
}

int vs_meta_load(mc_vsan_engine *e, char *err, size_t errlen)
{
    if (!e->cfg.meta_path)
        return 0;
    FILE *f = fopen(e->cfg.meta_path, "rb");
    if (!f)
        return 0;  /* none yet: a new server */
    size_t len = file_len(e);
    uint8_t *p = malloc(len + 1u);
    size_t got = p ? fread(p, 1, len + 1u, f) : 0;
    fclose(f);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t off = 0;
    uint32_t magic = (uint32_t)(got >= META_FIXED ? get(p, &off, 4) : 0);
    uint32_t version = (uint32_t)(got >= META_FIXED ? get(p, &off, 4) : 0);
    uint32_t flen = (uint32_t)(got >= META_FIXED ? get(p, &off, 4) : 0);
    uint32_t crc = (uint32_t)(got >= META_FIXED ? get(p, &off, 4) : 0);
    if (got >= META_FIXED)
        memset(p + META_CRC_AT, 0, 4);
    if (got != len || magic != META_MAGIC || version != META_VERSION || (size_t)flen != len ||
        mc_crc32c(0, p, len) != crc) {
        /* A torn or foreign file: start as a new server, which resyncs from the others. */
        vs_log(e, 0, "%s is not a whole state file of this configuration: starting as a new server",
               e->cfg.meta_path);
        free(p);
        return 0;
    }
    uint16_t id = (uint16_t)get(p, &off, 2);
    off += 2;  /* role, pad */
    char cluster[MC_VSAN_CLUSTER_LEN + 1] = {0};
    memcpy(cluster, p + off, MC_VSAN_CLUSTER_LEN);
    off += MC_VSAN_CLUSTER_LEN;
    uint32_t region_size = (uint32_t)get(p, &off, 4);
    uint32_t nregions = (uint32_t)get(p, &off, 4);
    if (id != e->cfg.id || strcmp(cluster, e->cfg.cluster) != 0 || region_size != e->cfg.region_size ||
        nregions != e->nregions) {
        snprintf(err, errlen, "%s belongs to server %u of cluster \"%s\" (%u regions of %u bytes), "
                 "not to this one", e->cfg.meta_path, (unsigned)id, cluster, (unsigned)nregions,
                 (unsigned)region_size);
        free(p);
        return -1;
    }
    e->term = (uint32_t)get(p, &off, 4);
    e->voted_term = (uint32_t)get(p, &off, 4);
    e->voted_for = (uint16_t)get(p, &off, 2);
    off += 2;
    e->last.term = (uint32_t)get(p, &off, 4);
    e->last.seq = (uint32_t)get(p, &off, 4);
    e->last.gen = get(p, &off, 8);
    e->last.members = (uint32_t)get(p, &off, 4);
    e->last.syncing = (uint32_t)get(p, &off, 4);
    e->prepared.term = (uint32_t)get(p, &off, 4);
    e->prepared.seq = (uint32_t)get(p, &off, 4);
    e->prepared.gen = get(p, &off, 8);
    e->prepared.members = (uint32_t)get(p, &off, 4);
    e->prepared.syncing = (uint32_t)get(p, &off, 4);
    uint32_t nhist = (uint32_t)get(p, &off, 4);
    e->nhist = nhist < MC_VSAN_HISTORY_MAX ? nhist : MC_VSAN_HISTORY_MAX;
    for (unsigned i = 0; i < MC_VSAN_HISTORY_MAX; i++) {
        uint64_t g = get(p, &off, 8);
        if (i < e->nhist)
            e->hist[i] = g;
    }
    for (unsigned i = 0; i < META_NBITMAPS; i++) {
        vs_bits *b = bitmap_at(e, i);
        if (b->b)
            memcpy(b->b, p + off, bitmap_bytes(e));
        off += bitmap_bytes(e);
    }
    free(p);
    return 1;
}

/* §8.2: a region's last write is on every store that should hold it. */
void vs_al_settled(mc_vsan_engine *e, uint32_t r)
{
    if (!e->reg[r].inflight && !e->reg[r].unconf_writer && !e->reg[r].cut)
        e->reg[r].settled_ms = vs_now(e);
}

/* Settled regions idle for idle_ms leave the activity log, all in one save: a region written
 * often stays in it and costs no save per write. */
static void al_trim_idle(mc_vsan_engine *e, uint64_t now, uint64_t idle_ms)
{
    bool any = false;
    for (uint32_t r = vs_bits_next(&e->al, 0); r != UINT32_MAX; r = vs_bits_next(&e->al, r + 1u)) {
        const vs_region *g = &e->reg[r];
        if (g->settled_ms && now >= g->settled_ms + idle_ms && !g->inflight && !g->unconf_writer && !g->cut &&
            e->copy_state[r] == 0) {
            vs_bits_clear(&e->al, r);
            any = true;
        }
    }
    if (any) {
        e->meta_dirty = true;
        vs_meta_save(e);
    }
}

void vs_al_trim(mc_vsan_engine *e, uint64_t now) { al_trim_idle(e, now, VS_AL_IDLE_MS); }

/* A clean stop: every settled region leaves the log at once, so the next start resends none. */
void mc_vsan_engine_shutdown(mc_vsan_engine *e)
{
    if (e)
        al_trim_idle(e, vs_now(e), 0);
}
