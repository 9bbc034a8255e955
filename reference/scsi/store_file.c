/* The file store: a regular file, created when missing and extended to the store's size. The
 * host's page cache in front of it is a volatile write cache that flush (fdatasync) empties. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

#define FILE_MODE 0644  /* a created backing file: the owner writes, everyone reads */

typedef struct file_store {
    int fd;
    uint64_t size;
} file_store;

static int file_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    file_store *f = ctx;
    uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pread(f->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0) {  /* a file shortened behind our back reads as zeros */
            memset(p, 0, len);
            return 0;
        }
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int file_write(void *ctx, const void *buf, size_t len, uint64_t off)
{
    file_store *f = ctx;
    const uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pwrite(f->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;  /* no progress and no reason: do not spin */
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int file_flush(void *ctx)
{
    file_store *f = ctx;
    return fdatasync(f->fd) < 0 ? -errno : 0;
}

static uint64_t file_size(void *ctx) { return ((file_store *)ctx)->size; }

static void file_close(void *ctx)
{
    file_store *f = ctx;

    if (f->fd >= 0)
        close(f->fd);
    free(f);
}

static const mc_store_ops file_ops = {
    .name = "file",
    .read = file_read,
    .write = file_write,
    .flush = file_flush,
    .size = file_size,
    .close = file_close,
};

static int open_fd(file_store *f, const char *path, uint64_t size, char *err, size_t errlen)
{
    struct stat st;

    if (size > INT64_MAX) {
        snprintf(err, errlen, "size %llu too large", (unsigned long long)size);
        return -1;
    }
    f->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, FILE_MODE);
    if (f->fd < 0) {
        snprintf(err, errlen, "open %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(f->fd, &st) < 0) {
        snprintf(err, errlen, "stat %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        return -1;
    }
    f->size = size ? size : (uint64_t)st.st_size;
    if (f->size > (uint64_t)st.st_size && ftruncate(f->fd, (off_t)f->size) < 0) {
        snprintf(err, errlen, "extend %s to %llu bytes: %s", path, (unsigned long long)f->size,
                 strerror(errno));
        return -1;
    }
    return 0;
}

mc_store *mc_store_file_open(const char *path, uint64_t size, char *err, size_t errlen)
{
    file_store *f;
    mc_store *s;

    if (!path || !*path) {
        snprintf(err, errlen, "no file path");
        return NULL;
    }
    f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->fd = -1;
    if (open_fd(f, path, size, err, errlen) < 0) {
        file_close(f);
        return NULL;
    }
    s = mc_store_new(&file_ops, f, MC_STORE_WRITE_CACHE);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        file_close(f);
    }
    return s;
}
