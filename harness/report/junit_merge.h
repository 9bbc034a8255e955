/* Merging JUnit files of a sharded run (`mirrorcert merge-junit`): one strict-Ant <testsuite>
 * holding every testcase of the inputs, written by the JUnit writer (junit.h). */
#ifndef MC_JUNIT_MERGE_H
#define MC_JUNIT_MERGE_H

#include <stddef.h>

/* Reads the n JUnit files (each a <testsuite> root, as mc_junit_write writes them) and writes
 * their union to out: every testcase, counts recounted, times summed, the earliest timestamp,
 * properties on which the inputs do not disagree, system-out/err concatenated. The suite keeps
 * the inputs' name when they share one. Returns 0, or -1 with a message in err (an unreadable or
 * malformed input, a classname+name pair in two places, an output that cannot be written);
 * on failure out is not written. */
int mc_junit_merge(const char *const *inputs, size_t n, const char *out, char *err, size_t errlen);

#endif
