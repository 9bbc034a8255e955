/* The JUnit writer: output valid against the strict Ant schema whatever the strings hold,
 * counts derived from the cases, and invalid suites refused. */
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "junit.h"
#include "junit_check.h"
#include "tap.h"

#ifndef MC_JUNIT_XSD
#error "MC_JUNIT_XSD must name the Ant JUnit schema"
#endif

#define ERR_LEN 256

int main(void)
{
    tap_plan(23);
    char path[] = "/tmp/mc-junit-XXXXXX";
    int fd = mkstemp(path);
    if (!tap_ok(fd >= 0, "temporary file"))
        return tap_done();
    close(fd);

    static const char hostile[] = "bad \x01 byte, \x1b[31mcolour\x1b[0m, \xff invalid, ]]> end";
    const struct mc_junit_property props[] = {{"device", "reference"}, {"seed", "42"}, {"note", hostile}};
    const struct mc_junit_case cases[] = {
        {"mirrorcert.s", "v.pass", 1500, MC_JUNIT_PASSED, NULL, NULL, NULL},
        {"mirrorcert.s", "v.fail", 20, MC_JUNIT_FAILURE, "fail", "field opcode: expected 0x24, seen 0x3f", hostile},
        {"mirrorcert.s", "v.error", 3, MC_JUNIT_ERROR, "error", hostile, "trace"},
        {"mirrorcert.s", "v.na", 0, MC_JUNIT_SKIPPED, "n/a", "n/a: requires erl1", NULL},
        {"mirrorcert.s", "v.xfail", 0, MC_JUNIT_SKIPPED, "expected-failure", "expected failure (dev-1)", NULL},
        {"mirrorcert.s", "v.skip", 0, MC_JUNIT_SKIPPED, NULL, "no type", NULL},
    };
    struct mc_junit_suite s = {.name = "mirrorcert.s", .started = 0, .hostname = NULL, .time_ms = 1523,
                               .props = props, .nprops = 3, .cases = cases, .ncases = 6,
                               .system_out = hostile, .system_err = NULL};
    char err[ERR_LEN] = "";
    tap_is_int(mc_junit_write(&s, path, err, sizeof err), 0, "a suite with every outcome is written");
    int v = junit_validates(MC_JUNIT_XSD, path);
    if (v < 0)
        tap_skip(1, "the Ant JUnit schema is not at " MC_JUNIT_XSD);
    else
        tap_ok(v == 1, "it validates against the strict Ant schema despite control bytes and invalid UTF-8");
    junit_is_xpath(path, "string(/testsuite/@tests)", "6");
    junit_is_xpath(path, "string(/testsuite/@failures)", "1");
    junit_is_xpath(path, "string(/testsuite/@errors)", "1");
    junit_is_xpath(path, "string(/testsuite/@skipped)", "3");
    junit_is_xpath(path, "string(/testsuite/@time)", "1.523");
    junit_is_xpath(path, "string(/testsuite/@timestamp)", "1970-01-01T00:00:00");
    junit_is_xpath(path, "string(/testsuite/testcase[@name='v.pass']/@time)", "1.500");
    junit_is_xpath(path, "string(/testsuite/testcase[@name='v.fail']/failure/@type)", "fail");
    junit_is_xpath(path, "string(/testsuite/testcase[@name='v.error']/error/@message)",
             "bad \\x01 byte, colour, \\xff invalid, ]]> end");
    junit_is_xpath(path, "count(/testsuite/testcase[@name='v.na']/*)", "1");
    junit_is_xpath(path, "string(/testsuite/testcase[@name='v.na']/skipped/@type)", "n/a");
    junit_is_xpath(path, "string(/testsuite/testcase[@name='v.xfail']/skipped/@type)", "expected-failure");
    junit_is_xpath(path, "count(/testsuite/testcase[@name='v.skip']/skipped/@type)", "0");
    junit_is_xpath(path, "string(/testsuite/properties/property[@name='seed']/@value)", "42");

    const struct mc_junit_case dup[] = {cases[0], cases[0]};
    s.cases = dup, s.ncases = 2;
    tap_is_int(mc_junit_write(&s, path, err, sizeof err), -1, "a repeated classname and name is refused");
    tap_ok(strstr(err, "appears twice") != NULL, "and the message says so: %s", err);

    const struct mc_junit_case untyped[] = {{"c", "n", 0, MC_JUNIT_FAILURE, NULL, "m", NULL}};
    s.cases = untyped, s.ncases = 1;
    tap_is_int(mc_junit_write(&s, path, err, sizeof err), -1, "a failure without a type is refused");

    s.cases = cases, s.ncases = 1, s.name = "";
    tap_is_int(mc_junit_write(&s, path, err, sizeof err), -1, "a suite without a name is refused");

    s.name = "mirrorcert.s";
    tap_is_int(mc_junit_write(&s, "/nonexistent-dir/out.xml", err, sizeof err), -1,
               "an unwritable path is an error, not a crash");
    tap_ok(strstr(err, "/nonexistent-dir/out.xml") != NULL, "naming the path: %s", err);

    unlink(path);
    xmlCleanupParser();
    return tap_done();
}
