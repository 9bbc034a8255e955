#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One process runs one TAP stream, so the counters live here (test code, not a library). */
static int tap_planned = -1;
static int tap_run;
static int tap_failed;

static void tap_header(void)
{
    static int printed;
    if (!printed) {
        printf("TAP version 13\n");
        printed = 1;
    }
}

void tap_plan(int n)
{
    tap_header();
    if (n > 0) {
        printf("1..%d\n", n);
        tap_planned = n;
    }
}

static int tap_vok(int cond, const char *fmt, va_list ap)
{
    tap_header();
    tap_run++;
    if (!cond)
        tap_failed++;
    printf("%sok %d - ", cond ? "" : "not ", tap_run);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    return cond;
}

int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vok(cond, fmt, ap);
    va_end(ap);
    return cond;
}

int tap_is_int(long long got, long long want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int cond = tap_vok(got == want, fmt, ap);
    va_end(ap);
    if (!cond)
        printf("  ---\n  expected: %lld (0x%llx)\n  seen: %lld (0x%llx)\n  ...\n", want,
               (unsigned long long)want, got, (unsigned long long)got);
    return cond;
}

int tap_is_str(const char *got, const char *want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int same = (got && want) ? strcmp(got, want) == 0 : got == want;
    int cond = tap_vok(same, fmt, ap);
    va_end(ap);
    if (!cond)
        printf("  ---\n  expected: '%s'\n  seen: '%s'\n  ...\n", want ? want : "(null)",
               got ? got : "(null)");
    return cond;
}

int tap_is_mem(const void *got, const void *want, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int cond = tap_vok(memcmp(got, want, n) == 0, fmt, ap);
    va_end(ap);
    if (!cond) {
        const unsigned char *g = got, *w = want;
        for (size_t i = 0; i < n; i++)
            if (g[i] != w[i]) {
                printf("  ---\n  first difference at byte %zu: expected 0x%02x, seen 0x%02x\n  ...\n",
                       i, w[i], g[i]);
                break;
            }
    }
    return cond;
}

void tap_skip(int n, const char *why)
{
    tap_header();
    for (int i = 0; i < n; i++)
        printf("ok %d # SKIP %s\n", ++tap_run, why);
}

void tap_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

int tap_done(void)
{
    tap_header();
    if (tap_planned < 0)
        printf("1..%d\n", tap_run);
    else if (tap_planned != tap_run) {
        printf("# planned %d points, ran %d\n", tap_planned, tap_run);
        return 1;
    }
    fflush(stdout);
    return tap_failed ? 1 : 0;
}
