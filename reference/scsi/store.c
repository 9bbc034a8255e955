/* The store handle (ops, ctx, flags, references), bounds checks of every access, and the parser
 * of store specs. The kinds of store are in store_file.c, store_mem.c and store_fail.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct mc_store {
    const mc_store_ops *ops;
    void *ctx;
    unsigned flags;
    unsigned refs;
};

mc_store *mc_store_new(const mc_store_ops *ops, void *ctx, unsigned flags)
{
    mc_store *s;

    if (!ops || !ops->read || !ops->write || !ops->flush || !ops->size || !ops->close)
        return NULL;
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ops = ops;
    s->ctx = ctx;
    s->flags = flags;
    s->refs = 1;
    return s;
}

mc_store *mc_store_ref(mc_store *s)
{
    if (s)
        s->refs++;
    return s;
}

void mc_store_close(mc_store *s)
{
    if (!s || --s->refs > 0)
        return;
    s->ops->close(s->ctx);
    free(s);
}

static bool in_store(const mc_store *s, size_t len, uint64_t off)
{
    uint64_t size = s->ops->size(s->ctx);
    return off <= size && len <= size - off;
}

int mc_store_read(mc_store *s, void *buf, size_t len, uint64_t off)
{
    if (!in_store(s, len, off))
        return -EINVAL;
    return len ? s->ops->read(s->ctx, buf, len, off) : 0;
}

int mc_store_write(mc_store *s, const void *buf, size_t len, uint64_t off)
{
    if (!in_store(s, len, off))
        return -EINVAL;
    return len ? s->ops->write(s->ctx, buf, len, off) : 0;
}

int mc_store_flush(mc_store *s) { return s->ops->flush(s->ctx); }
uint64_t mc_store_size(const mc_store *s) { return s->ops->size(s->ctx); }
unsigned mc_store_flags(const mc_store *s) { return s->flags; }
const char *mc_store_name(const mc_store *s) { return s->ops->name; }

void *mc_store_ctx(const mc_store *s, const mc_store_ops *ops)
{
    return s && s->ops == ops ? s->ctx : NULL;
}

int mc_store_open_spec(const char *spec, uint64_t size, mc_store **out, char *err, size_t errlen)
{
    const char *path = spec;
    size_t prefix = strlen(MC_STORE_SPEC_FILE);

    if (!out) {
        snprintf(err, errlen, "no place for the store");
        return -1;
    }
    *out = NULL;
    if (!spec || !*spec) {
        snprintf(err, errlen, "an empty store spec (mem, PATH or file:PATH)");
        return -1;
    }
    if (strcmp(spec, MC_STORE_SPEC_MEM) == 0) {
        *out = mc_store_mem_new(size, err, errlen);
        return *out ? 0 : -1;
    }
    if (strncmp(spec, MC_STORE_SPEC_FILE, prefix) == 0)
        path = spec + prefix;
    if (!*path) {
        snprintf(err, errlen, "store spec '%s' names no file", spec);
        return -1;
    }
    *out = mc_store_file_open(path, size, err, errlen);
    return *out ? 0 : -1;
}
