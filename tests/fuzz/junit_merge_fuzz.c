/* Fuzz target of `mirrorcert merge-junit` (harness/report/junit_merge.c). The input is one to three
 * JUnit files separated by NUL bytes (which no XML file holds); they are merged as files (memory
 * files, no disk). A merge succeeds or fails with a message; what it writes is a JUnit file that
 * merges again, alone, into the same bytes. */
#define _GNU_SOURCE   /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_trap.h"
#include "junit_merge.h"

#define INPUTS_MAX 3u
#define PATH_LEN 64u
#define ERR_LEN 512u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fds[INPUTS_MAX], out_fd = -1, again_fd = -1;
static char paths[INPUTS_MAX][PATH_LEN], out_path[PATH_LEN], again_path[PATH_LEN];

static int mem_file(const char *name, char *path)
{
    int fd = memfd_create(name, 0);
    if (fd < 0)
        abort();   /* the fuzz run itself cannot go on */
    snprintf(path, PATH_LEN, "/proc/self/fd/%d", fd);
    return fd;
}

static void fill(int fd, const uint8_t *p, size_t n)
{
    if (ftruncate(fd, 0) != 0 || pwrite(fd, p, n, 0) != (ssize_t)n)
        abort();
}

static uint8_t *slurp(int fd, size_t *n)
{
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0)
        abort();
    uint8_t *b = malloc((size_t)end + 1);
    if (!b || pread(fd, b, (size_t)end, 0) != (ssize_t)end)
        abort();
    *n = (size_t)end;
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (out_fd < 0) {
        for (unsigned i = 0; i < INPUTS_MAX; i++)
            fds[i] = mem_file("junit-in", paths[i]);
        out_fd = mem_file("junit-out", out_path);
        again_fd = mem_file("junit-again", again_path);
    }
    const char *names[INPUTS_MAX];
    size_t n = 0, off = 0;
    while (n < INPUTS_MAX) {
        const uint8_t *nul = memchr(data + off, 0, size - off);
        size_t len = nul && n + 1 < INPUTS_MAX ? (size_t)(nul - (data + off)) : size - off;
        fill(fds[n], data + off, len);
        names[n] = paths[n];
        n++;
        off += len;
        if (off == size || n == INPUTS_MAX)
            break;
        off++;   /* the separator */
    }
    fill(out_fd, NULL, 0);
    char err[ERR_LEN] = "";
    if (mc_junit_merge(names, n, out_path, err, sizeof(err)) != 0) {
        if (!err[0])
            FUZZ_TRAP();   /* every refusal says why */
        return 0;
    }
    const char *merged[1] = {out_path};
    if (mc_junit_merge(merged, 1, again_path, err, sizeof(err)) != 0)
        FUZZ_TRAP();   /* what merge-junit writes, merge-junit reads */
    size_t na = 0, nb = 0;
    uint8_t *a = slurp(out_fd, &na), *b = slurp(again_fd, &nb);
    if (na != nb || memcmp(a, b, na) != 0)
        FUZZ_TRAP();   /* one file merges into itself */
    free(a);
    free(b);
    return 0;
}
