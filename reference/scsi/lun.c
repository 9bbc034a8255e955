/* A logical unit's life: open on a store (given, a file path, or memory), raw I/O, close. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lun_internal.h"

#define DEFAULT_BLOCK_SIZE 512u
#define MIN_BLOCK_SIZE 512u
#define MAX_BLOCK_SIZE 65536u

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

/* The store the configuration names; *owned when this call opened it (else it is cfg->store). */
static mc_store *config_store(const mc_lun_config *cfg, bool *owned, char *err, size_t errlen)
{
    *owned = cfg->store == NULL;
    if (cfg->store)
        return cfg->store;
    if (cfg->path)
        return mc_store_file_open(cfg->path, cfg->size, err, errlen);
    return mc_store_mem_new(cfg->size, err, errlen);
}

int mc_lun_open(mc_lun **out, const mc_lun_config *cfg, char *err, size_t errlen)
{
    uint32_t bs;
    uint64_t size, store_size;
    mc_store *store = NULL;
    bool owned = false;
    mc_lun *lun;

    if (!out || !cfg) {
        snprintf(err, errlen, "no configuration");
        return -1;
    }
    *out = NULL;
    bs = cfg->block_size ? cfg->block_size : DEFAULT_BLOCK_SIZE;
    if (bs < MIN_BLOCK_SIZE || bs > MAX_BLOCK_SIZE || (bs & (bs - 1)) != 0) {
        snprintf(err, errlen, "block size %u is not a power of two in %u..%u", bs,
                 MIN_BLOCK_SIZE, MAX_BLOCK_SIZE);
        return -1;
    }
    if (cfg->store && cfg->path) {
        snprintf(err, errlen, "a store and a path are given: one names the LU's store");
        return -1;
    }
    lun = calloc(1, sizeof *lun);
    if (!lun) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    lun->block_size = bs;
    if (set_identity(lun, cfg, err, errlen) < 0)
        goto fail;
    store = config_store(cfg, &owned, err, errlen);
    if (!store)
        goto fail;
    store_size = mc_store_size(store);
    size = cfg->size ? cfg->size : store_size;
    if (size > store_size) {
        snprintf(err, errlen, "size %llu exceeds the %s store's %llu bytes",
                 (unsigned long long)size, mc_store_name(store),
                 (unsigned long long)store_size);
        goto fail;
    }
    lun->blocks = size / bs;
    if (lun->blocks == 0) {
        snprintf(err, errlen, "size %llu holds no %u-byte block", (unsigned long long)size, bs);
        goto fail;
    }
    lun->store = store;
    *out = lun;
    return 0;
fail:
    if (owned)
        mc_store_close(store);
    free(lun);
    return -1;
}

void mc_lun_close(mc_lun *lun)
{
    if (!lun)
        return;
    mc_store_close(lun->store);
    free(lun);
}

uint64_t mc_lun_blocks(const mc_lun *lun) { return lun->blocks; }
uint32_t mc_lun_block_size(const mc_lun *lun) { return lun->block_size; }
mc_store *mc_lun_store(mc_lun *lun) { return lun->store; }

static bool in_lun(const mc_lun *lun, size_t len, uint64_t off)
{
    uint64_t size = lun->blocks * lun->block_size;
    return off <= size && len <= size - off;
}

int mc_lun_pread(mc_lun *lun, void *buf, size_t len, uint64_t off)
{
    return in_lun(lun, len, off) ? mc_store_read(lun->store, buf, len, off) : -EINVAL;
}

int mc_lun_pwrite(mc_lun *lun, const void *buf, size_t len, uint64_t off)
{
    return in_lun(lun, len, off) ? mc_store_write(lun->store, buf, len, off) : -EINVAL;
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
