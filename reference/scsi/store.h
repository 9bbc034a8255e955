/* The storage under a logical unit: a small table of operations (read, write, flush, size,
 * close) and the stores built on it. A file, memory, and a failing store that wraps another and
 * returns -EIO for chosen byte ranges, switched at run time, so a transport's medium-error paths
 * can be exercised on any LU. Every operation returns 0 or a negative errno. */
#ifndef MC_SCSI_STORE_H
#define MC_SCSI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One kind of store. Offsets and lengths reaching read and write lie within size (the
 * mc_store_* calls check them first), so an implementation need not check them again. */
typedef struct mc_store_ops {
    const char *name;                                           /* "file", "mem", "fail", ... */
    int (*read)(void *ctx, void *buf, size_t len, uint64_t off);
    int (*write)(void *ctx, const void *buf, size_t len, uint64_t off);
    int (*flush)(void *ctx);                     /* makes written data durable */
    uint64_t (*size)(void *ctx);                 /* bytes; fixed for the store's life */
    void (*close)(void *ctx);                    /* frees ctx */
} mc_store_ops;

/* Store properties a logical unit reports. */
enum mc_store_flags {
    MC_STORE_WRITE_CACHE = 0x01u,  /* written data sits in a volatile cache until flush
                                      (the WCE bit of the caching mode page) */
};

typedef struct mc_store mc_store;

/* A store of the given kind. Takes ctx on success; NULL when ops lacks an operation or memory
 * is short (the caller keeps ctx). The store starts with one reference. */
mc_store *mc_store_new(const mc_store_ops *ops, void *ctx, unsigned flags);
/* Another reference to the store: each holder closes its own. Not thread-safe: take and drop
 * references from the thread that set the store up. Returns s. */
mc_store *mc_store_ref(mc_store *s);
/* Drops one reference; the last closes the store. NULL is ignored. */
void mc_store_close(mc_store *s);

/* -EINVAL when [off, off+len) leaves the store; otherwise what the store's operation returns. */
int mc_store_read(mc_store *s, void *buf, size_t len, uint64_t off);
int mc_store_write(mc_store *s, const void *buf, size_t len, uint64_t off);
int mc_store_flush(mc_store *s);
uint64_t mc_store_size(const mc_store *s);
unsigned mc_store_flags(const mc_store *s);
const char *mc_store_name(const mc_store *s);
/* The store's ctx when it is of kind ops, else NULL: how a kind's own functions find theirs. */
void *mc_store_ctx(const mc_store *s, const mc_store_ops *ops);

/* A regular file, created when missing and extended to size bytes; size 0 = the file's current
 * size. A file longer than size keeps its tail, which the store does not address. */
mc_store *mc_store_file_open(const char *path, uint64_t size, char *err, size_t errlen);
/* size bytes of zeroed memory. */
mc_store *mc_store_mem_new(uint64_t size, char *err, size_t errlen);

/* Store specs of command lines: "mem" (memory of size bytes), "file:PATH", or any other text
 * as a file path (so a file named "mem" is "file:mem"). Returns 0, or -1 with a message. */
#define MC_STORE_SPEC_MEM "mem"
#define MC_STORE_SPEC_FILE "file:"
int mc_store_open_spec(const char *spec, uint64_t size, mc_store **out, char *err, size_t errlen);

/* The failing store: forwards to inner, but a read or write touching a failed byte range ends in
 * -EIO and moves no byte. Ranges are added and cleared at run time, from any thread. */
enum mc_store_fail_mode {
    MC_STORE_FAIL_READ = 0x1u,
    MC_STORE_FAIL_WRITE = 0x2u,
    MC_STORE_FAIL_BOTH = MC_STORE_FAIL_READ | MC_STORE_FAIL_WRITE,
};
/* Our own bound: enough for any scenario of scattered bad blocks a test builds, small enough that
 * the per-request scan costs nothing. */
#define MC_STORE_FAIL_MAX_RANGES 64u

/* Takes inner (even on failure, when it is closed); NULL when inner is NULL or out of memory. */
mc_store *mc_store_fail_wrap(mc_store *inner);
/* Fails [off, off+len) for mode's directions. -EINVAL when s is no failing store, mode is empty
 * or unknown, len is 0 or the range leaves the store; -ENOSPC beyond MC_STORE_FAIL_MAX_RANGES. */
int mc_store_fail_add(mc_store *s, unsigned mode, uint64_t off, uint64_t len);
/* The whole store fails for mode's directions (0: the switch is off); flush fails too while
 * writes are failed. -EINVAL when s is no failing store or mode is unknown. */
int mc_store_fail_all(mc_store *s, unsigned mode);
/* Removes every range and turns the whole-store switch off. -EINVAL when s is no failing store. */
int mc_store_fail_clear(mc_store *s);

#endif
