/* A fuzz target's broken invariant: names the file and line on stderr, then aborts, which
 * libFuzzer reports as a crash and the replay as a failed run (a bare trap is merged by the
 * optimiser and tells no line). */
#ifndef MC_FUZZ_TRAP_H
#define MC_FUZZ_TRAP_H

#include <stdio.h>
#include <stdlib.h>

static inline _Noreturn void fuzz_fail(const char *file, int line)
{
    fprintf(stderr, "%s:%d: fuzz invariant broken\n", file, line);
    abort();
}
#define FUZZ_TRAP() fuzz_fail(__FILE__, __LINE__)

#endif
