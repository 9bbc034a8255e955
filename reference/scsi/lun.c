/* A logical unit's life and its backing store: open (file or memory), raw I/O, close. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lun_internal.h"

#define DEFAULT_BLOCK_SIZE 512u
#define MIN_BLOCK_SIZE 512u
#define MAX_BLOCK_SIZE 65536u
#define FILE_MODE 0644
#define ZERO_CHUNK 65536u            /* bytes written per step when filling a range */

static const char default_vendor[] = "MIRRCERT";
static const char default_product[] = "mirrorcert LUN";
static const char default_revision[] = "0001";

/* SPC-4 4.4.1: INQUIRY ASCII fields hold 0x20-0x7e, left-aligned, padded with spaces. */
static int ascii_field(char *dst, size_t width, const char *src, const char *dflt, const char *what,
                       char *err, size_t errlen)
{
    const char *s = src ? src : dflt;
    size_t n = strlen(s);

    if (n > width) {
        snprintf(err, errlen, "%s '%s' longer than %zu characters", what, s, width);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e) {
            snprintf(err, errlen, "%s holds a non-printable character", what);
            return -1;
        }
    }
    memset(dst, ' ', width);
    memcpy(dst, s, n);
    return 0;
}

static int set_identity(mc_lun *lun, const mc_lun_config *cfg, char *err, size_t errlen)
{
    if (ascii_field(lun->vendor, MC_T10_VENDOR_LEN, cfg->vendor, default_vendor, "vendor", err,
                    errlen) < 0 ||
        ascii_field(lun->product, MC_PRODUCT_LEN, cfg->product, default_product, "product", err,
                    errlen) < 0 ||
        ascii_field(lun->revision, MC_REVISION_LEN, cfg->revision, default_revision, "revision",
                    err, errlen) < 0)
        return -1;
    lun->naa_id = cfg->naa_id;
    if (cfg->serial) {
        size_t n = strlen(cfg->serial);
        if (n == 0 || n > MC_SERIAL_MAX) {
            snprintf(err, errlen, "serial must be 1..%u characters", MC_SERIAL_MAX);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (cfg->serial[i] <= 0x20 || cfg->serial[i] > 0x7e) {
                snprintf(err, errlen, "serial holds a space or non-printable character");
                return -1;
            }
        }
        memcpy(lun->serial, cfg->serial, n + 1);
    } else {
        /* Without a configured serial the NAA identifier is unique per LU, so derive it. */
        snprintf(lun->serial, sizeof lun->serial, "%016llx", (unsigned long long)cfg->naa_id);
    }
    return 0;
}

static int open_file(mc_lun *lun, const mc_lun_config *cfg, uint64_t *size, char *err,
                     size_t errlen)
{
    struct stat st;

    lun->fd = open(cfg->path, O_RDWR | O_CREAT | O_CLOEXEC, FILE_MODE);
    if (lun->fd < 0) {
        snprintf(err, errlen, "open %s: %s", cfg->path, strerror(errno));
        return -1;
    }
    if (fstat(lun->fd, &st) < 0) {
        snprintf(err, errlen, "stat %s: %s", cfg->path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", cfg->path);
        return -1;
    }
    *size = cfg->size ? cfg->size : (uint64_t)st.st_size;
    if (*size > (uint64_t)st.st_size && ftruncate(lun->fd, (off_t)*size) < 0) {
        snprintf(err, errlen, "extend %s to %llu bytes: %s", cfg->path,
                 (unsigned long long)*size, strerror(errno));
        return -1;
    }
    return 0;
}

int mc_lun_open(mc_lun **out, const mc_lun_config *cfg, char *err, size_t errlen)
{
    uint32_t bs;
    uint64_t size;
    mc_lun *lun;

    if (!out || !cfg) {
        snprintf(err, errlen, "no configuration");
        return -1;
    }
    *out = NULL;
    bs = cfg->block_size ? cfg->block_size : DEFAULT_BLOCK_SIZE;
    size = cfg->size;
    if (bs < MIN_BLOCK_SIZE || bs > MAX_BLOCK_SIZE || (bs & (bs - 1)) != 0) {
        snprintf(err, errlen, "block size %u is not a power of two in %u..%u", bs,
                 MIN_BLOCK_SIZE, MAX_BLOCK_SIZE);
        return -1;
    }
    if (size > INT64_MAX) {
        snprintf(err, errlen, "size %llu too large", (unsigned long long)size);
        return -1;
    }
    lun = calloc(1, sizeof *lun);
    if (!lun) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    lun->fd = -1;
    lun->block_size = bs;
    if (set_identity(lun, cfg, err, errlen) < 0)
        goto fail;
    if (cfg->path) {
        if (open_file(lun, cfg, &size, err, errlen) < 0)
            goto fail;
    } else {
        if (size == 0 || size > SIZE_MAX) {
            snprintf(err, errlen, "a memory-backed LU needs a size that fits in memory");
            goto fail;
        }
        lun->mem = calloc(1, (size_t)size);
        if (!lun->mem) {
            snprintf(err, errlen, "cannot allocate %llu bytes", (unsigned long long)size);
            goto fail;
        }
    }
    lun->blocks = size / bs;
    if (lun->blocks == 0) {
        snprintf(err, errlen, "size %llu holds no %u-byte block", (unsigned long long)size, bs);
        goto fail;
    }
    *out = lun;
    return 0;
fail:
    mc_lun_close(lun);
    return -1;
}

void mc_lun_close(mc_lun *lun)
{
    if (!lun)
        return;
    if (lun->fd >= 0)
        close(lun->fd);
    free(lun->mem);
    free(lun);
}

uint64_t mc_lun_blocks(const mc_lun *lun) { return lun->blocks; }
uint32_t mc_lun_block_size(const mc_lun *lun) { return lun->block_size; }

static bool in_bounds(const mc_lun *lun, size_t len, uint64_t off)
{
    uint64_t size = lun->blocks * lun->block_size;
    return off <= size && len <= size - off;
}

int mc_lun_pread(mc_lun *lun, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;

    if (!in_bounds(lun, len, off))
        return -1;
    if (lun->mem) {
        memcpy(p, lun->mem + off, len);
        return 0;
    }
    while (len > 0) {
        ssize_t n = pread(lun->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
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

int mc_lun_pwrite(mc_lun *lun, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;

    if (!in_bounds(lun, len, off))
        return -1;
    if (lun->mem) {
        memcpy(lun->mem + off, p, len);
        return 0;
    }
    while (len > 0) {
        ssize_t n = pwrite(lun->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

int mc_lun_flush(mc_lun *lun)
{
    if (lun->fd < 0)
        return 0;
    return fdatasync(lun->fd);
}

int mc_lun_fill(mc_lun *lun, uint64_t lba, uint64_t blocks, const uint8_t *pattern)
{
    uint8_t *chunk;
    size_t per = ZERO_CHUNK / lun->block_size;  /* blocks per chunk, at least 1 */
    uint64_t off = lba * lun->block_size;
    int rc = 0;

    if (per == 0)
        per = 1;
    if (lun->mem && !pattern) {
        if (!in_bounds(lun, (size_t)(blocks * lun->block_size), off))
            return -1;
        memset(lun->mem + off, 0, (size_t)(blocks * lun->block_size));
        return 0;
    }
    chunk = calloc(per, lun->block_size);
    if (!chunk)
        return -1;
    if (pattern)
        for (size_t i = 0; i < per; i++)
            memcpy(chunk + i * lun->block_size, pattern, lun->block_size);
    while (blocks > 0 && rc == 0) {
        uint64_t n = blocks < per ? blocks : per;
        rc = mc_lun_pwrite(lun, chunk, (size_t)(n * lun->block_size), off);
        off += n * lun->block_size;
        blocks -= n;
    }
    free(chunk);
    return rc;
}

int mc_check_lba(const mc_lun *lun, uint64_t lba, uint64_t blocks, mc_scsi_result *res)
{
    /* SBC-3 4.5: an LBA past the last one, or a range running off the end, is out of range
     * even when the transfer length is zero. */
    if (lba >= lun->blocks || blocks > lun->blocks - lba) {
        mc_scsi_set_sense(res, MC_SK_ILLEGAL_REQUEST, MC_ASC_LBA_OUT_OF_RANGE);
        return -1;
    }
    return 0;
}

uint32_t mc_max_xfer_blocks(const mc_lun *lun) { return MC_MAX_XFER_BYTES / lun->block_size; }
uint32_t mc_max_ws_blocks(const mc_lun *lun) { return MC_MAX_WS_BYTES / lun->block_size; }
uint32_t mc_max_unmap_blocks(const mc_lun *lun) { return MC_MAX_UNMAP_BYTES / lun->block_size; }
