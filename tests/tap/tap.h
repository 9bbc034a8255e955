/* A TAP 13 producer for the unit tests: plan, points, diagnostics, exit status. */
#ifndef MC_TAP_H
#define MC_TAP_H

#include <stddef.h>
#include <stdint.h>

/* Declare the plan up front; 0 means "print the plan at the end" (done_testing). */
void tap_plan(int n);
/* One test point; returns cond so a caller can stop early on a failed precondition. */
int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Equality points that print what was expected and what was seen on failure. */
int tap_is_int(long long got, long long want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int tap_is_str(const char *got, const char *want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int tap_is_mem(const void *got, const void *want, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void tap_skip(int n, const char *why);
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the trailing plan when none was given and returns the process exit status. */
int tap_done(void);

#endif
