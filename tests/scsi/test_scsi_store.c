/* Stores under the LUN core: the file and memory stores, the spec parser, the failing store, and
 * the sense every command earns when its store fails (store.h, lun.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scsi_util.h"
#include "tap.h"

#define STORE_BYTES 5000u  /* a store size that is no multiple of a block */
#define BLOCKS 64u
#define BS 512u
#define BAD 20u            /* the failed block of the LUN tests */

static void temp_path(char *path, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, PATH_MAX, "%s/mc_store_%s_%ld", dir ? dir : "/tmp", name, (long)getpid());
    unlink(path);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7u);
}

/* What every store does the same: bounds, first and last byte, flush, references. */
static void common_ops(mc_store *s, const char *kind)
{
    uint8_t a[STORE_BYTES], b[STORE_BYTES];
    uint64_t size = mc_store_size(s);

    tap_is_str(mc_store_name(s), kind, "%s: name", kind);
    tap_is_int((long long)size, STORE_BYTES, "%s: size", kind);
    fill(a, sizeof a, 0x31);
    tap_is_int(mc_store_write(s, a, sizeof a, 0), 0, "%s: write of every byte", kind);
    memset(b, 0, sizeof b);
    tap_ok(mc_store_read(s, b, sizeof b, 0) == 0 && !memcmp(a, b, sizeof a),
           "%s: every byte reads back", kind);
    tap_ok(mc_store_write(s, "\x5a", 1, size - 1) == 0 && mc_store_read(s, b, 1, size - 1) == 0 &&
               b[0] == 0x5a,
           "%s: the last byte is written and read", kind);
    tap_ok(mc_store_write(s, "\xa5", 1, 0) == 0 && mc_store_read(s, b, 1, 0) == 0 && b[0] == 0xa5,
           "%s: the first byte is written and read", kind);
    tap_is_int(mc_store_read(s, b, 1, size), -EINVAL, "%s: a read one past the end", kind);
    tap_is_int(mc_store_write(s, a, 1, size), -EINVAL, "%s: a write one past the end", kind);
    tap_is_int(mc_store_read(s, b, 2, size - 1), -EINVAL, "%s: a read running off the end", kind);
    tap_is_int(mc_store_read(s, b, 1, UINT64_MAX), -EINVAL, "%s: a read at offset 2^64-1", kind);
    tap_is_int(mc_store_read(s, b, 0, size), 0, "%s: an empty read at the end moves nothing",
               kind);
    tap_is_int(mc_store_flush(s), 0, "%s: flush", kind);
    tap_ok(mc_store_ref(s) == s, "%s: a second reference", kind);
    mc_store_close(s);
    tap_ok(mc_store_read(s, b, 1, size - 1) == 0 && b[0] == 0x5a,
           "%s: the store lives while a reference remains", kind);
    mc_store_close(s);
}

static void file_store(void)
{
    char path[PATH_MAX], err[256];
    struct stat st;
    uint8_t b[16], zero[16] = {0};
    mc_store *s;

    temp_path(path, "file");
    s = mc_store_file_open(path, STORE_BYTES, err, sizeof err);
    if (!tap_ok(s != NULL, "file store created (%s)", s ? "ok" : err))
        return;
    tap_ok(stat(path, &st) == 0 && st.st_size == STORE_BYTES, "the file is extended to the size");
    tap_ok(mc_store_flags(s) & MC_STORE_WRITE_CACHE, "a file store has a volatile write cache");
    common_ops(s, "file");
    s = mc_store_file_open(path, 0, err, sizeof err);
    tap_ok(s && mc_store_size(s) == STORE_BYTES && mc_store_read(s, b, 1, STORE_BYTES - 1) == 0 &&
               b[0] == 0x5a,
           "reopened with size 0: the file's size, and the data survived");
    /* a file shortened behind the store's back reads as zeros past its new end */
    if (truncate(path, 100) == 0 && s)
        tap_ok(mc_store_read(s, b, sizeof b, 200) == 0 && !memcmp(b, zero, sizeof b),
               "bytes beyond a shortened file read as zeros");
    mc_store_close(s);
    s = mc_store_file_open(path, 2 * STORE_BYTES, err, sizeof err);
    tap_ok(s && mc_store_size(s) == 2 * STORE_BYTES && stat(path, &st) == 0 &&
               st.st_size == 2 * STORE_BYTES,
           "a larger size extends the file");
    mc_store_close(s);
    s = mc_store_file_open(path, 10, err, sizeof err);
    tap_ok(s && mc_store_size(s) == 10 && stat(path, &st) == 0 && st.st_size == 2 * STORE_BYTES,
           "a smaller size addresses a prefix and never truncates");
    mc_store_close(s);
    unlink(path);
    err[0] = 0;
    tap_ok(!mc_store_file_open("/nonexistent-dir/x", 512, err, sizeof err) &&
               strstr(err, "nonexistent-dir"),
           "an unopenable path is refused, naming it (%s)", err);
    tap_ok(!mc_store_file_open("/tmp", 512, err, sizeof err) && strstr(err, "/tmp"),
           "a directory is refused, naming it (%s)", err);
    tap_ok(!mc_store_file_open("", 512, err, sizeof err), "an empty path is refused");
    tap_ok(!mc_store_file_open(NULL, 512, err, sizeof err), "no path is refused");
}

static void mem_store(void)
{
    char err[256];
    mc_store *s = mc_store_mem_new(STORE_BYTES, err, sizeof err);
    uint8_t b[8], zero[8] = {0};

    if (!tap_ok(s != NULL, "memory store created"))
        return;
    tap_ok(mc_store_read(s, b, sizeof b, 100) == 0 && !memcmp(b, zero, sizeof b),
           "a memory store starts zeroed");
    tap_is_int(mc_store_flags(s), 0, "a memory store has no write cache");
    common_ops(s, "mem");
    err[0] = 0;
    tap_ok(!mc_store_mem_new(0, err, sizeof err) && err[0], "a memory store of 0 bytes refused");
    static const mc_store_ops partial = {.name = "partial"};
    tap_ok(mc_store_new(&partial, NULL, 0) == NULL, "ops without their functions are refused");
    tap_ok(mc_store_new(NULL, NULL, 0) == NULL, "no ops are refused");
}

static void spec_parser(void)
{
    char path[PATH_MAX], spec[PATH_MAX + 8], err[256], cwd[PATH_MAX], dir[PATH_MAX];
    mc_store *s = (mc_store *)&err;  /* must be reset to NULL on failure */
    struct stat st;

    tap_ok(mc_store_open_spec("mem", 4096, &s, err, sizeof err) == 0 &&
               !strcmp(mc_store_name(s), "mem") && mc_store_size(s) == 4096,
           "spec mem: a memory store");
    mc_store_close(s);
    temp_path(path, "spec");
    tap_ok(mc_store_open_spec(path, 4096, &s, err, sizeof err) == 0 &&
               !strcmp(mc_store_name(s), "file") && stat(path, &st) == 0 && st.st_size == 4096,
           "spec PATH: a file store");
    mc_store_close(s);
    unlink(path);
    snprintf(spec, sizeof spec, "file:%s", path);
    tap_ok(mc_store_open_spec(spec, 1024, &s, err, sizeof err) == 0 &&
               !strcmp(mc_store_name(s), "file") && stat(path, &st) == 0 && st.st_size == 1024,
           "spec file:PATH: a file store");
    mc_store_close(s);
    unlink(path);
    /* file:mem names a file called mem, in a directory of its own */
    snprintf(dir, sizeof dir, "%s/mc_store_dir_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (getcwd(cwd, sizeof cwd) && mkdtemp(dir) && chdir(dir) == 0) {
        tap_ok(mc_store_open_spec("file:mem", 512, &s, err, sizeof err) == 0 &&
                   !strcmp(mc_store_name(s), "file") && stat("mem", &st) == 0,
               "spec file:mem: a file named mem");
        mc_store_close(s);
        unlink("mem");
        tap_ok(chdir(cwd) == 0 && rmdir(dir) == 0, "scratch directory removed");
    } else {
        tap_ok(0, "scratch directory for file:mem");
    }
    static const char *const bad[] = {"", "file:", "file:/nonexistent-dir/x", "/tmp"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        s = (mc_store *)&err;
        tap_ok(mc_store_open_spec(bad[i], 512, &s, err, sizeof err) < 0 && s == NULL && err[0],
               "bad spec '%s' refused (%s)", bad[i], err);
    }
    err[0] = 0;
    tap_ok(mc_store_open_spec(NULL, 512, &s, err, sizeof err) < 0 && s == NULL && err[0],
           "no spec refused");
    tap_ok(mc_store_open_spec("mem", 0, &s, err, sizeof err) < 0 && s == NULL,
           "spec mem without a size refused (%s)", err);
    tap_ok(mc_store_open_spec("mem", 512, NULL, err, sizeof err) < 0, "no place for the store");
}

/* A failing store over memory, with a second reference to the memory to see what moved. */
static mc_store *fail_over_mem(mc_store **inner)
{
    char err[256];
    mc_store *mem = mc_store_mem_new(STORE_BYTES, err, sizeof err);

    *inner = mc_store_ref(mem);
    return mc_store_fail_wrap(mem);
}

static void fail_ranges(void)
{
    mc_store *inner, *s = fail_over_mem(&inner);
    uint8_t a[STORE_BYTES], b[STORE_BYTES], was[STORE_BYTES];
    const uint64_t end = STORE_BYTES;

    if (!tap_ok(s && inner, "failing store over memory"))
        return;
    tap_is_str(mc_store_name(s), "fail", "its name");
    tap_is_int((long long)mc_store_size(s), STORE_BYTES, "its size is the inner store's");
    tap_is_int(mc_store_flags(s), 0, "its flags are the inner store's");
    fill(a, sizeof a, 0x40);
    tap_ok(mc_store_write(s, a, sizeof a, 0) == 0 && mc_store_read(inner, b, sizeof b, 0) == 0 &&
               !memcmp(a, b, sizeof a),
           "without ranges a write reaches the inner store");
    /* the first byte */
    tap_is_int(mc_store_fail_add(s, MC_STORE_FAIL_BOTH, 0, 1), 0, "fail the first byte");
    tap_is_int(mc_store_read(s, b, 1, 0), -EIO, "a read of the first byte fails");
    tap_is_int(mc_store_read(s, b, sizeof b, 0), -EIO, "a read of the whole store fails");
    tap_ok(mc_store_read(s, b, end - 1, 1) == 0 && !memcmp(b, a + 1, end - 1),
           "a read of everything after it succeeds");
    memset(b, 0xff, sizeof b);
    tap_is_int(mc_store_write(s, b, 8, 0), -EIO, "a write over the first byte fails");
    tap_ok(mc_store_read(inner, was, 8, 0) == 0 && !memcmp(was, a, 8),
           "and moved no byte, not even the good ones");
    tap_is_int(mc_store_fail_clear(s), 0, "clear");
    tap_is_int(mc_store_read(s, b, sizeof b, 0), 0, "after clearing the whole store reads");
    /* the last byte */
    tap_is_int(mc_store_fail_add(s, MC_STORE_FAIL_BOTH, end - 1, 1), 0, "fail the last byte");
    tap_is_int(mc_store_read(s, b, 1, end - 1), -EIO, "a read of the last byte fails");
    tap_is_int(mc_store_read(s, b, 2, end - 2), -EIO, "a read ending on it fails");
    tap_is_int(mc_store_read(s, b, end - 1, 0), 0, "a read of everything before it succeeds");
    tap_is_int(mc_store_write(s, b, 1, end - 1), -EIO, "a write of the last byte fails");
    mc_store_fail_clear(s);
    /* ranges that leave the store, and other bad arguments */
    tap_is_int(mc_store_fail_add(s, MC_STORE_FAIL_BOTH, end, 1), -EINVAL,
               "a range one past the end is refused");
    tap_is_int(mc_store_fail_add(s, MC_STORE_FAIL_BOTH, end - 1, 2), -EINVAL,
               "a range running off the end is refused");
    tap_is_int(mc_store_fail_add(s, MC_STORE_FAIL_BOTH, 1, UINT64_MAX), -EINVAL,
               "a range whose end overflows is refused");
    tap_is_int(mc_store_fail_add(s, MC_STORE_FAIL_BOTH, 0, 0), -EINVAL, "an empty range refused");
    tap_is_int(mc_store_fail_add(s, 0, 0, 1), -EINVAL, "a range failing nothing is refused");
    tap_is_int(mc_store_fail_add(s, 4, 0, 1), -EINVAL, "an unknown mode is refused");
    tap_is_int(mc_store_fail_add(inner, MC_STORE_FAIL_BOTH, 0, 1), -EINVAL,
               "a store that is no failing store cannot be failed");
    tap_ok(mc_store_fail_all(inner, MC_STORE_FAIL_BOTH) == -EINVAL &&
               mc_store_fail_clear(inner) == -EINVAL && mc_store_fail_clear(NULL) == -EINVAL,
           "nor switched or cleared");
    /* read-only failure of bytes 100..149 */
    tap_is_int(mc_store_fail_add(s, MC_STORE_FAIL_READ, 100, 50), 0, "fail reads of 100..149");
    tap_ok(mc_store_read(s, b, 1, 100) == -EIO && mc_store_read(s, b, 1, 149) == -EIO,
           "reads of its first and last byte fail");
    tap_ok(mc_store_read(s, b, 10, 90) == 0 && mc_store_read(s, b, 10, 150) == 0,
           "reads just before and just after succeed");
    tap_is_int(mc_store_read(s, b, 2, 99), -EIO, "a read straddling its start fails");
    fill(b, 50, 0x99);
    tap_ok(mc_store_write(s, b, 50, 100) == 0 && mc_store_read(inner, was, 50, 100) == 0 &&
               !memcmp(was, b, 50),
           "writes of read-failed bytes succeed and land");
    tap_is_int(mc_store_flush(s), 0, "a range alone does not fail flush");
    mc_store_fail_clear(s);
    /* write-only failure of bytes 200..207 */
    tap_is_int(mc_store_fail_add(s, MC_STORE_FAIL_WRITE, 200, 8), 0, "fail writes of 200..207");
    tap_ok(mc_store_write(s, b, 1, 200) == -EIO && mc_store_write(s, b, 1, 207) == -EIO &&
               mc_store_write(s, b, 2, 199) == -EIO,
           "writes touching it fail");
    tap_ok(mc_store_write(s, b, 4, 196) == 0 && mc_store_write(s, b, 4, 208) == 0,
           "writes just before and just after succeed");
    tap_is_int(mc_store_read(s, b, 8, 200), 0, "reads of write-failed bytes succeed");
    mc_store_fail_clear(s);
    /* the bound on ranges */
    size_t added = 0;
    for (uint64_t i = 0; i < MC_STORE_FAIL_MAX_RANGES; i++)
        added += mc_store_fail_add(s, MC_STORE_FAIL_READ, 2 * i, 1) == 0;
    tap_is_int((long long)added, MC_STORE_FAIL_MAX_RANGES, "%u ranges are accepted",
               MC_STORE_FAIL_MAX_RANGES);
    tap_is_int(mc_store_fail_add(s, MC_STORE_FAIL_READ, 4000, 1), -ENOSPC, "one more is refused");
    tap_ok(mc_store_read(s, b, 1, 2 * (MC_STORE_FAIL_MAX_RANGES - 1)) == -EIO &&
               mc_store_read(s, b, 1, 2 * MC_STORE_FAIL_MAX_RANGES - 1) == 0,
           "the last accepted range fails, the gap after it does not");
    mc_store_fail_clear(s);
    tap_is_int(mc_store_fail_add(s, MC_STORE_FAIL_READ, 4000, 1), 0, "clear frees every slot");
    mc_store_fail_clear(s);
    mc_store_close(inner);
    mc_store_close(s);
}

static void fail_whole(void)
{
    char err[256], path[PATH_MAX];
    mc_store *inner, *s = fail_over_mem(&inner);
    uint8_t b[16];

    if (!tap_ok(s != NULL, "failing store for the whole-store switch"))
        return;
    tap_is_int(mc_store_fail_all(s, MC_STORE_FAIL_READ), 0, "fail every read");
    tap_ok(mc_store_read(s, b, 1, 0) == -EIO && mc_store_read(s, b, 1, STORE_BYTES - 1) == -EIO,
           "reads of the first and last byte fail");
    tap_ok(mc_store_write(s, b, 1, 0) == 0 && mc_store_flush(s) == 0,
           "writes and flush still succeed");
    tap_is_int(mc_store_fail_all(s, MC_STORE_FAIL_WRITE), 0, "fail every write instead");
    tap_ok(mc_store_write(s, b, 1, STORE_BYTES - 1) == -EIO && mc_store_read(s, b, 1, 0) == 0,
           "writes fail, reads succeed");
    tap_is_int(mc_store_flush(s), -EIO, "flush fails while every write does");
    tap_is_int(mc_store_fail_all(s, MC_STORE_FAIL_BOTH), 0, "fail both");
    tap_ok(mc_store_read(s, b, 1, 0) == -EIO && mc_store_write(s, b, 1, 0) == -EIO,
           "reads and writes fail");
    tap_is_int(mc_store_fail_all(s, 8), -EINVAL, "an unknown mode is refused");
    tap_is_int(mc_store_fail_all(s, 0), 0, "switch off");
    tap_ok(mc_store_read(s, b, 1, 0) == 0 && mc_store_write(s, b, 1, 0) == 0 &&
               mc_store_flush(s) == 0,
           "everything succeeds again");
    mc_store_fail_all(s, MC_STORE_FAIL_BOTH);
    mc_store_fail_clear(s);
    tap_ok(mc_store_read(s, b, 1, 0) == 0 && mc_store_flush(s) == 0,
           "clear turns the switch off too");
    mc_store_close(inner);
    mc_store_close(s);
    tap_ok(mc_store_fail_wrap(NULL) == NULL, "wrapping no store gives none");
    temp_path(path, "failfile");
    s = mc_store_fail_wrap(mc_store_file_open(path, STORE_BYTES, err, sizeof err));
    tap_ok(s && (mc_store_flags(s) & MC_STORE_WRITE_CACHE), "over a file: the file's write cache");
    tap_ok(s && mc_store_fail_add(s, MC_STORE_FAIL_BOTH, 10, 1) == 0 &&
               mc_store_read(s, b, 1, 10) == -EIO && mc_store_read(s, b, 1, 11) == 0,
           "over a file: ranges fail as over memory");
    mc_store_close(s);
    unlink(path);
}

/* LUs built on stores: ownership and size rules of mc_lun_open. */
static void lun_open_on_store(void)
{
    char err[256];
    mc_store *s = mc_store_mem_new(10 * BS + 100, err, sizeof err);
    mc_lun *lun = NULL;

    mc_lun_config both = {.store = s, .path = "/tmp/x"};
    tap_ok(mc_lun_open(&lun, &both, err, sizeof err) < 0 && lun == NULL,
           "a store and a path together are refused (%s)", err);
    mc_lun_config big = {.store = s, .size = 11 * BS};
    tap_ok(mc_lun_open(&lun, &big, err, sizeof err) < 0 && strstr(err, "exceeds"),
           "a size beyond the store is refused (%s)", err);
    mc_lun_config bad_bs = {.store = s, .block_size = 100};
    tap_ok(mc_lun_open(&lun, &bad_bs, err, sizeof err) < 0, "a bad block size is refused");
    tap_ok(mc_store_write(s, "x", 1, 0) == 0, "after each refusal the caller still owns the store");
    mc_lun_config prefix = {.store = mc_store_ref(s), .size = 4 * BS};
    tap_ok(mc_lun_open(&lun, &prefix, err, sizeof err) == 0 && mc_lun_blocks(lun) == 4 &&
               mc_lun_store(lun) == s,
           "a smaller size addresses a prefix; mc_lun_store gives the store");
    mc_lun_close(lun);
    tap_ok(mc_store_write(s, "x", 1, 0) == 0, "closing the LU drops only its reference");
    mc_lun_config whole = {.store = s};
    tap_ok(mc_lun_open(&lun, &whole, err, sizeof err) == 0 && mc_lun_blocks(lun) == 10,
           "size 0: the store's whole blocks");
    mc_lun_close(lun);  /* the last reference: valgrind sees the store freed */
}

/* The LUN tests: an LU on a failing memory store, a model of what its blocks must hold. */
typedef struct rig {
    mc_lun *lun;
    mc_store *fs;
    uint8_t model[BLOCKS * BS];
} rig;

static uint8_t in[BLOCKS * BS];

static int medium(const t_run *r, uint16_t asc, uint64_t info, const char *what)
{
    t_sense(r, MC_SK_MEDIUM_ERROR, asc, what);
    if (!(r->res.sense[0] & 0x80) || t_be32(r->res.sense + 3) != info)
        tap_diag("VALID %u INFORMATION %u", r->res.sense[0] >> 7, t_be32(r->res.sense + 3));
    return tap_ok((r->res.sense[0] & 0x80) && t_be32(r->res.sense + 3) == info,
                  "%s: VALID, INFORMATION = LBA %llu", what, (unsigned long long)info);
}

static void rw_cdb(uint8_t *cdb, uint8_t op, uint64_t lba, uint16_t blocks)
{
    if (op == T_READ10 || op == T_WRITE10 || op == T_VERIFY10 || op == T_SYNC10)
        t_cdb10(cdb, op, 0, (uint32_t)lba, blocks);
    else
        t_cdb16(cdb, op, 0, lba, blocks);
}

static size_t cdb_len(uint8_t op) { return op < 0x80 ? 10 : 16; }

/* A write of blocks at lba with fresh data; on success the model follows. */
static void lun_write(rig *g, uint8_t op, uint64_t lba, uint16_t blocks, uint8_t seed, t_run *r)
{
    uint8_t cdb[16], data[8 * BS];

    fill(data, (size_t)blocks * BS, seed);
    rw_cdb(cdb, op, lba, blocks);
    t_exec(g->lun, cdb, cdb_len(op), data, (size_t)blocks * BS, NULL, 0, r);
    if (r->res.status == MC_SAM_GOOD)
        memcpy(g->model + lba * BS, data, (size_t)blocks * BS);
}

static void lun_read(rig *g, uint8_t op, uint64_t lba, uint16_t blocks, t_run *r)
{
    uint8_t cdb[16];

    rw_cdb(cdb, op, lba, blocks);
    t_exec(g->lun, cdb, cdb_len(op), NULL, 0, in, sizeof in, r);
}

static void reads_and_writes(rig *g)
{
    static const uint8_t reads[] = {T_READ10, T_READ16}, writes[] = {T_WRITE10, T_WRITE16};
    t_run r;

    mc_store_fail_add(g->fs, MC_STORE_FAIL_BOTH, (uint64_t)BAD * BS, BS);
    for (size_t i = 0; i < 2; i++) {
        const char *name = i ? "READ(16)" : "READ(10)";
        lun_read(g, reads[i], BAD, 1, &r);
        medium(&r, MC_ASC_UNRECOVERED_READ, BAD, name);
        lun_read(g, reads[i], BAD - 2, 4, &r);
        medium(&r, MC_ASC_UNRECOVERED_READ, BAD, "a read from two blocks before");
        lun_read(g, reads[i], BAD - 1, 1, &r);
        tap_ok(t_good(&r, "the block before") && r.res.data_in_len == BS &&
                   !memcmp(in, g->model + (BAD - 1) * BS, BS),
               "%s of the block before the failed one returns its data", name);
        lun_read(g, reads[i], BAD + 1, 1, &r);
        tap_ok(t_good(&r, "the block after") && !memcmp(in, g->model + (BAD + 1) * BS, BS),
               "%s of the block after the failed one returns its data", name);
    }
    for (size_t i = 0; i < 2; i++) {
        const char *name = i ? "WRITE(16)" : "WRITE(10)";
        lun_write(g, writes[i], BAD, 1, 0x60, &r);
        medium(&r, MC_ASC_WRITE_ERROR, BAD, name);
        lun_write(g, writes[i], BAD - 1, 1, (uint8_t)(0x61 + i), &r);
        t_good(&r, "a write of the block before");
        lun_write(g, writes[i], BAD + 1, 1, (uint8_t)(0x63 + i), &r);
        t_good(&r, "a write of the block after");
    }
    /* a write running into the failed block stores the blocks before it, as a disk would */
    uint8_t cdb[16], data[4 * BS];
    fill(data, sizeof data, 0x70);
    t_cdb16(cdb, T_WRITE16, 0, BAD - 3, 4);
    t_exec(g->lun, cdb, 16, data, sizeof data, NULL, 0, &r);
    medium(&r, MC_ASC_WRITE_ERROR, BAD, "WRITE(16) from three blocks before");
    memcpy(g->model + (BAD - 3) * BS, data, 3 * BS);
    lun_read(g, T_READ10, BAD - 3, 3, &r);
    tap_ok(r.res.status == MC_SAM_GOOD && !memcmp(in, data, 3 * BS),
           "the blocks before the failed one were written");
    mc_store_fail_clear(g->fs);
    /* read-only failure: writes succeed, reads of the block fail */
    mc_store_fail_add(g->fs, MC_STORE_FAIL_READ, (uint64_t)BAD * BS + BS - 1, 1);
    lun_write(g, T_WRITE10, BAD, 1, 0x71, &r);
    t_good(&r, "WRITE(10) of a block whose last byte fails reads");
    lun_read(g, T_READ16, BAD, 1, &r);
    medium(&r, MC_ASC_UNRECOVERED_READ, BAD, "READ(16) of a block whose last byte fails");
    mc_store_fail_clear(g->fs);
}

static void verify_and_compare(rig *g)
{
    uint8_t cdb[16], buf[4 * BS];
    t_run r;

    mc_store_fail_add(g->fs, MC_STORE_FAIL_READ, (uint64_t)BAD * BS, BS);
    t_cdb10(cdb, T_VERIFY10, 0, BAD - 2, 4);
    t_exec(g->lun, cdb, 10, NULL, 0, NULL, 0, &r);
    medium(&r, MC_ASC_UNRECOVERED_READ, BAD, "VERIFY(10) BYTCHK 0 over the failed block");
    t_cdb16(cdb, T_VERIFY16, 0x02, BAD - 1, 2);
    t_exec(g->lun, cdb, 16, g->model + (BAD - 1) * BS, 2 * BS, NULL, 0, &r);
    medium(&r, MC_ASC_UNRECOVERED_READ, BAD, "VERIFY(16) BYTCHK 1 over the failed block");
    t_cdb10(cdb, T_VERIFY10, 0x02, BAD + 1, 2);
    t_exec(g->lun, cdb, 10, g->model + (BAD + 1) * BS, 2 * BS, NULL, 0, &r);
    t_good(&r, "VERIFY(10) BYTCHK 1 of the blocks after");
    /* COMPARE AND WRITE: a read failure stops the compare */
    memcpy(buf, g->model + BAD * BS, 2 * BS);
    fill(buf + 2 * BS, 2 * BS, 0x80);
    t_cdb16(cdb, T_CAW, 0, BAD, 0);
    cdb[13] = 2;
    t_exec(g->lun, cdb, 16, buf, sizeof buf, NULL, 0, &r);
    medium(&r, MC_ASC_UNRECOVERED_READ, BAD, "COMPARE AND WRITE reading the failed block");
    mc_store_fail_clear(g->fs);
    /* a write failure after an equal compare */
    mc_store_fail_add(g->fs, MC_STORE_FAIL_WRITE, (uint64_t)(BAD + 1) * BS, 1);
    t_exec(g->lun, cdb, 16, buf, sizeof buf, NULL, 0, &r);
    medium(&r, MC_ASC_WRITE_ERROR, BAD + 1, "COMPARE AND WRITE writing the failed block");
    memcpy(g->model + BAD * BS, buf + 2 * BS, BS);  /* the block before it was written */
    /* ORWRITE and WRITE AND VERIFY read too */
    t_cdb16(cdb, T_ORWRITE16, 0, BAD + 1, 1);
    t_exec(g->lun, cdb, 16, buf, BS, NULL, 0, &r);
    medium(&r, MC_ASC_WRITE_ERROR, BAD + 1, "ORWRITE(16) writing the failed block");
    t_cdb16(cdb, T_WRITE_VERIFY16, 0x02, BAD + 1, 1);
    t_exec(g->lun, cdb, 16, buf, BS, NULL, 0, &r);
    medium(&r, MC_ASC_WRITE_ERROR, BAD + 1, "WRITE AND VERIFY(16) writing the failed block");
    mc_store_fail_clear(g->fs);
    mc_store_fail_add(g->fs, MC_STORE_FAIL_READ, (uint64_t)(BAD + 1) * BS, 1);
    t_exec(g->lun, cdb, 16, buf, BS, NULL, 0, &r);
    medium(&r, MC_ASC_UNRECOVERED_READ, BAD + 1, "WRITE AND VERIFY(16) verifying the block");
    memcpy(g->model + (BAD + 1) * BS, buf, BS);  /* written before the verify failed */
    t_cdb16(cdb, T_ORWRITE16, 0, BAD + 1, 1);
    t_exec(g->lun, cdb, 16, buf, BS, NULL, 0, &r);
    medium(&r, MC_ASC_UNRECOVERED_READ, BAD + 1, "ORWRITE(16) reading the failed block");
    mc_store_fail_clear(g->fs);
}

static size_t unmap_one(uint8_t *p, uint64_t lba, uint32_t n)
{
    memset(p, 0, 24);
    t_put16(p, 22);
    t_put16(p + 2, 16);
    t_put64(p + 8, lba);
    t_put32(p + 16, n);
    return 24;
}

static void provisioning_and_cache(rig *g)
{
    uint8_t cdb[16], blk[BS], list[24];
    t_run r;

    mc_store_fail_add(g->fs, MC_STORE_FAIL_WRITE, (uint64_t)BAD * BS + 10, 1);
    memset(blk, 0x5c, BS);
    t_cdb10(cdb, T_WRITE_SAME10, 0, BAD - 4, 8);
    t_exec(g->lun, cdb, 10, blk, BS, NULL, 0, &r);
    medium(&r, MC_ASC_WRITE_ERROR, BAD, "WRITE SAME(10) over the failed block");
    for (unsigned b = BAD - 4; b < BAD; b++)
        memcpy(g->model + b * BS, blk, BS);  /* filled up to the failed block */
    t_cdb16(cdb, T_WRITE_SAME16, 0x01, BAD, 1);  /* NDOB */
    t_exec(g->lun, cdb, 16, NULL, 0, NULL, 0, &r);
    medium(&r, MC_ASC_WRITE_ERROR, BAD, "WRITE SAME(16) NDOB of the failed block");
    t_cdb10(cdb, T_UNMAP, 0, 0, 24);
    t_exec(g->lun, cdb, 10, list, unmap_one(list, BAD, 1), NULL, 0, &r);
    medium(&r, MC_ASC_WRITE_ERROR, BAD, "UNMAP of the failed block");
    t_cdb10(cdb, T_SYNC10, 0, 0, 0);
    t_exec(g->lun, cdb, 10, NULL, 0, NULL, 0, &r);
    t_good(&r, "SYNCHRONIZE CACHE(10) with only a range failed");
    mc_store_fail_clear(g->fs);
    mc_store_fail_add(g->fs, MC_STORE_FAIL_READ, (uint64_t)BAD * BS, BS);
    t_cdb16(cdb, T_SAI16, T_SA_LBA_STATUS, BAD - 5, 64);
    t_exec(g->lun, cdb, 16, NULL, 0, in, 64, &r);
    medium(&r, MC_ASC_UNRECOVERED_READ, BAD, "GET LBA STATUS scanning the failed block");
    t_cdb10(cdb, T_PREFETCH10, 0, BAD, 1);
    t_exec(g->lun, cdb, 10, NULL, 0, NULL, 0, &r);
    t_good(&r, "PRE-FETCH(10) reads nothing, so a failed block cannot fail it");
    mc_store_fail_clear(g->fs);
    /* a failed flush: SYNCHRONIZE CACHE and stopping the unit */
    mc_store_fail_all(g->fs, MC_STORE_FAIL_WRITE);
    for (size_t i = 0; i < 2; i++) {
        uint8_t op = i ? T_SYNC16 : T_SYNC10;
        rw_cdb(cdb, op, 0, 0);
        t_exec(g->lun, cdb, cdb_len(op), NULL, 0, NULL, 0, &r);
        t_sense(&r, MC_SK_MEDIUM_ERROR, MC_ASC_WRITE_ERROR, "SYNCHRONIZE CACHE, flush failing");
        tap_ok(!(r.res.sense[0] & 0x80), "SYNCHRONIZE CACHE(%u): no block named (VALID 0)",
               (unsigned)cdb_len(op));
    }
    uint8_t ssu[6] = {T_START_STOP, 0, 0, 0, 0, 0};
    t_exec(g->lun, ssu, 6, NULL, 0, NULL, 0, &r);
    t_sense(&r, MC_SK_MEDIUM_ERROR, MC_ASC_WRITE_ERROR, "STOP UNIT with its flush failing");
    uint8_t tur[6] = {T_TUR, 0, 0, 0, 0, 0};
    t_exec(g->lun, tur, 6, NULL, 0, NULL, 0, &r);
    t_good(&r, "the unit did not stop");
    lun_write(g, T_WRITE10, 0, 1, 0x90, &r);
    medium(&r, MC_ASC_WRITE_ERROR, 0, "WRITE(10) of LBA 0 with every write failing");
    lun_write(g, T_WRITE16, BLOCKS - 1, 1, 0x91, &r);
    medium(&r, MC_ASC_WRITE_ERROR, BLOCKS - 1, "WRITE(16) of the last LBA");
    mc_store_fail_all(g->fs, MC_STORE_FAIL_READ);
    lun_read(g, T_READ16, BLOCKS - 1, 1, &r);
    medium(&r, MC_ASC_UNRECOVERED_READ, BLOCKS - 1, "READ(16) of the last LBA, reads failing");
    mc_store_fail_clear(g->fs);
}

static void lun_core(void)
{
    char err[256];
    static rig g;
    t_run r;

    g.fs = mc_store_fail_wrap(mc_store_mem_new((uint64_t)BLOCKS * BS, err, sizeof err));
    mc_lun_config cfg = {.store = g.fs};
    if (!tap_ok(g.fs && mc_lun_open(&g.lun, &cfg, err, sizeof err) == 0,
                "an LU on a failing memory store"))
        return;
    tap_ok(mc_lun_store(g.lun) == g.fs, "mc_lun_store reaches the failing store");
    for (uint64_t lba = 0; lba < BLOCKS; lba += 8) {
        lun_write(&g, T_WRITE16, lba, 8, (uint8_t)lba, &r);
        if (r.res.status != MC_SAM_GOOD)
            tap_diag("initial WRITE(16) at %llu failed", (unsigned long long)lba);
    }
    reads_and_writes(&g);
    verify_and_compare(&g);
    provisioning_and_cache(&g);
    /* healed: every command succeeds, and every block holds what was written before and
     * around the faults */
    lun_read(&g, T_READ16, 0, BLOCKS, &r);
    t_good(&r, "after clearing, READ(16) of the whole LU");
    tap_ok(!memcmp(in, g.model, sizeof g.model), "every block holds what was written");
    lun_write(&g, T_WRITE10, BAD, 1, 0xa0, &r);
    t_good(&r, "after clearing, WRITE(10) of the failed block");
    uint8_t cdb[16];
    t_cdb10(cdb, T_VERIFY10, 0x02, BAD, 1);
    t_exec(g.lun, cdb, 10, g.model + BAD * BS, BS, NULL, 0, &r);
    t_good(&r, "after clearing, VERIFY(10) BYTCHK 1 of it");
    t_cdb10(cdb, T_SYNC10, 0, 0, 0);
    t_exec(g.lun, cdb, 10, NULL, 0, NULL, 0, &r);
    t_good(&r, "after clearing, SYNCHRONIZE CACHE(10)");
    mc_lun_close(g.lun);
}

int main(void)
{
    file_store();
    mem_store();
    spec_parser();
    fail_ranges();
    fail_whole();
    lun_open_on_store();
    lun_core();
    return tap_done();
}
