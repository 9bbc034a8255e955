/* JUnit XML in the strict Ant form (one <testsuite> root; properties, testcases, system-out and
 * system-err in that order; at most one of skipped/error/failure per testcase, with a type). */
#ifndef MC_JUNIT_H
#define MC_JUNIT_H

#include <stddef.h>
#include <time.h>

enum mc_junit_outcome { MC_JUNIT_PASSED, MC_JUNIT_FAILURE, MC_JUNIT_ERROR, MC_JUNIT_SKIPPED };

struct mc_junit_case {
    const char *classname, *name;     /* the pair is unique within the suite */
    long long time_ms;
    enum mc_junit_outcome outcome;
    const char *type;                 /* failure/error type, required for those two; optional for skipped */
    const char *message;              /* one line; may be NULL */
    const char *detail;               /* element text (diagnostics); may be NULL */
};

struct mc_junit_property {
    const char *name, *value;         /* name non-empty */
};

struct mc_junit_suite {
    const char *name;
    time_t started;                   /* written in UTC as YYYY-MM-DDTHH:MM:SS */
    const char *hostname;             /* NULL: this machine's name */
    long long time_ms;
    const struct mc_junit_property *props;
    size_t nprops;
    const struct mc_junit_case *cases;
    size_t ncases;
    const char *system_out, *system_err;  /* may be NULL: written empty */
};

/* Writes the suite to path; the tests/failures/errors/skipped counts come from the cases.
 * Returns 0, or -1 with a message in err (invalid suite, duplicate case, I/O failure). */
int mc_junit_write(const struct mc_junit_suite *s, const char *path, char *err, size_t errlen);

#endif
