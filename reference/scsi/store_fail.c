/* The failing store: forwards every operation to an inner store, except reads and writes that
 * touch a failed byte range (or any byte, while the whole-store switch is on), which end in -EIO
 * without moving a byte. A lock guards the ranges, so a test or a harness may fail and heal a
 * store from another thread while a transport's thread does I/O through it. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "store.h"

typedef struct fail_range {
    uint64_t off;
    uint64_t len;
    unsigned mode;
} fail_range;

typedef struct fail_store {
    mc_store *inner;
    pthread_mutex_t lock;
    unsigned all;                                   /* whole-store switch: failed directions */
    size_t nranges;
    fail_range ranges[MC_STORE_FAIL_MAX_RANGES];
} fail_store;

/* Whether an access of len > 0 bytes at off, in direction dir, touches a failed byte. */
static bool fails(fail_store *f, unsigned dir, size_t len, uint64_t off)
{
    bool hit;

    pthread_mutex_lock(&f->lock);
    hit = (f->all & dir) != 0;
    for (size_t i = 0; i < f->nranges && !hit; i++) {
        const fail_range *r = &f->ranges[i];
        /* both ranges lie within the store, so neither end overflows */
        hit = (r->mode & dir) && off < r->off + r->len && r->off < off + len;
    }
    pthread_mutex_unlock(&f->lock);
    return hit;
}

static int fail_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    fail_store *f = ctx;
    return fails(f, MC_STORE_FAIL_READ, len, off) ? -EIO : mc_store_read(f->inner, buf, len, off);
}

static int fail_write(void *ctx, const void *buf, size_t len, uint64_t off)
{
    fail_store *f = ctx;
    return fails(f, MC_STORE_FAIL_WRITE, len, off) ? -EIO
                                                   : mc_store_write(f->inner, buf, len, off);
}

static int fail_flush(void *ctx)
{
    fail_store *f = ctx;
    bool failed;

    pthread_mutex_lock(&f->lock);
    failed = (f->all & MC_STORE_FAIL_WRITE) != 0;
    pthread_mutex_unlock(&f->lock);
    return failed ? -EIO : mc_store_flush(f->inner);
}

static uint64_t fail_size(void *ctx) { return mc_store_size(((fail_store *)ctx)->inner); }

static void fail_close(void *ctx)
{
    fail_store *f = ctx;

    mc_store_close(f->inner);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

static const mc_store_ops fail_ops = {
    .name = "fail",
    .read = fail_read,
    .write = fail_write,
    .flush = fail_flush,
    .size = fail_size,
    .close = fail_close,
};

mc_store *mc_store_fail_wrap(mc_store *inner)
{
    fail_store *f;
    mc_store *s;

    if (!inner)
        return NULL;
    f = calloc(1, sizeof *f);
    if (!f || pthread_mutex_init(&f->lock, NULL) != 0) {
        free(f);
        mc_store_close(inner);
        return NULL;
    }
    f->inner = inner;
    s = mc_store_new(&fail_ops, f, mc_store_flags(inner));
    if (!s)
        fail_close(f);
    return s;
}

static bool valid_mode(unsigned mode) { return (mode & ~(unsigned)MC_STORE_FAIL_BOTH) == 0; }

int mc_store_fail_add(mc_store *s, unsigned mode, uint64_t off, uint64_t len)
{
    fail_store *f = mc_store_ctx(s, &fail_ops);
    int rc = 0;

    if (!f || mode == 0 || !valid_mode(mode))
        return -EINVAL;
    uint64_t size = mc_store_size(f->inner);
    if (len == 0 || off >= size || len > size - off)
        return -EINVAL;
    pthread_mutex_lock(&f->lock);
    if (f->nranges == MC_STORE_FAIL_MAX_RANGES)
        rc = -ENOSPC;
    else
        f->ranges[f->nranges++] = (fail_range){.off = off, .len = len, .mode = mode};
    pthread_mutex_unlock(&f->lock);
    return rc;
}

int mc_store_fail_all(mc_store *s, unsigned mode)
{
    fail_store *f = mc_store_ctx(s, &fail_ops);

    if (!f || !valid_mode(mode))
        return -EINVAL;
    pthread_mutex_lock(&f->lock);
    f->all = mode;
    pthread_mutex_unlock(&f->lock);
    return 0;
}

int mc_store_fail_clear(mc_store *s)
{
    fail_store *f = mc_store_ctx(s, &fail_ops);

    if (!f)
        return -EINVAL;
    pthread_mutex_lock(&f->lock);
    f->all = 0;
    f->nranges = 0;
    pthread_mutex_unlock(&f->lock);
    return 0;
}
