/* The memory store: zeroed memory, nothing to flush. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

typedef struct mem_store {
    uint8_t *bytes;
    uint64_t size;
} mem_store;

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    mem_store *m = ctx;
    memcpy(buf, m->bytes + off, len);
    return 0;
}

static int mem_write(void *ctx, const void *buf, size_t len, uint64_t off)
{
    mem_store *m = ctx;
    memcpy(m->bytes + off, buf, len);
    return 0;
}

static int mem_flush(void *ctx)
{
    (void)ctx;
    return 0;
}

static uint64_t mem_size(void *ctx) { return ((mem_store *)ctx)->size; }

static void mem_close(void *ctx)
{
    mem_store *m = ctx;

    free(m->bytes);
    free(m);
}

static const mc_store_ops mem_ops = {
    .name = "mem",
    .read = mem_read,
    .write = mem_write,
    .flush = mem_flush,
    .size = mem_size,
    .close = mem_close,
};

mc_store *mc_store_mem_new(uint64_t size, char *err, size_t errlen)
{
    mem_store *m;
    mc_store *s;

    if (size == 0 || size > SIZE_MAX) {
        snprintf(err, errlen, "a memory store needs a size that fits in memory");
        return NULL;
    }
    m = calloc(1, sizeof *m);
    if (m)
        m->bytes = calloc(1, (size_t)size);
    if (!m || !m->bytes) {
        snprintf(err, errlen, "cannot allocate %llu bytes", (unsigned long long)size);
        free(m);
        return NULL;
    }
    m->size = size;
    s = mc_store_new(&mem_ops, m, 0);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        mem_close(m);
    }
    return s;
}
