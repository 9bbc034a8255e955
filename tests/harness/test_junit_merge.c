/* Merging sharded JUnit files: every testcase kept, counts and times summed, the result valid
 * against the strict Ant schema; duplicates and broken inputs refused without writing. */
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "junit.h"
#include "junit_check.h"
#include "junit_merge.h"
#include "tap.h"

#ifndef MC_JUNIT_XSD
#error "MC_JUNIT_XSD must name the Ant JUnit schema"
#endif

#define ERR_LEN 512
#define DIR_LEN 32
#define PATH_LEN 64

struct files {
    char dir[DIR_LEN];
    char a[PATH_LEN], b[PATH_LEN], out[PATH_LEN], bad[PATH_LEN];
};

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    int rc = fputs(text, f) < 0;
    return (fclose(f) != 0 || rc) ? -1 : 0;
}

/* Two shards of suite s: a has pass and fail, b has error and n/a; they differ in "shard". */
static int write_shards(const struct files *f, char *err)
{
    const struct mc_junit_property pa[] = {{"seed", "7"}, {"shard", "1/2"}, {"claims.s.pass", "000:1"}};
    const struct mc_junit_property pb[] = {{"seed", "7"}, {"shard", "2/2"}, {"claims.s.error", "000:2"}};
    const struct mc_junit_case ca[] = {
        {"mirrorcert.s", "s.pass", 1500, MC_JUNIT_PASSED, NULL, NULL, NULL},
        {"mirrorcert.s", "s.fail", 20, MC_JUNIT_FAILURE, "fail", "field opcode: expected 0x24", "detail"},
    };
    const struct mc_junit_case cb[] = {
        {"mirrorcert.s", "s.error", 3, MC_JUNIT_ERROR, "error", "watchdog", "trace"},
        {"mirrorcert.s", "s.na", 0, MC_JUNIT_SKIPPED, NULL, "n/a: requires erl1", NULL},
    };
    struct mc_junit_suite a = {.name = "mirrorcert.s", .started = 100, .hostname = "h", .time_ms = 1600,
                               .props = pa, .nprops = 3, .cases = ca, .ncases = 2, .system_out = "shard one"};
    struct mc_junit_suite b = {.name = "mirrorcert.s", .started = 60, .hostname = "h", .time_ms = 2450,
                               .props = pb, .nprops = 3, .cases = cb, .ncases = 2, .system_out = "shard two"};
    return mc_junit_write(&a, f->a, err, ERR_LEN) != 0 || mc_junit_write(&b, f->b, err, ERR_LEN) != 0 ? -1 : 0;
}

static void merged_content(const struct files *f, char *err)
{
    const char *in[] = {f->a, f->b};
    tap_is_int(mc_junit_merge(in, 2, f->out, err, ERR_LEN), 0, "two shards merge (%s)", err);
    int v = junit_validates(MC_JUNIT_XSD, f->out);
    if (v < 0)
        tap_skip(1, "the Ant JUnit schema is not at " MC_JUNIT_XSD);
    else
        tap_ok(v == 1, "the merged file validates against the strict Ant schema");
    junit_is_xpath(f->out, "string(/testsuite/@name)", "mirrorcert.s");
    junit_is_xpath(f->out, "concat(/testsuite/@tests, '/', /testsuite/@failures, '/', /testsuite/@errors, '/', "
                           "/testsuite/@skipped)", "4/1/1/1");
    junit_is_xpath(f->out, "string(/testsuite/@time)", "4.050");
    junit_is_xpath(f->out, "string(/testsuite/@timestamp)", "1970-01-01T00:01:00");
    junit_is_xpath(f->out, "string(/testsuite/testcase[@name='s.pass']/@time)", "1.500");
    junit_is_xpath(f->out, "string(/testsuite/testcase[@name='s.fail']/failure/@message)",
                   "field opcode: expected 0x24");
    junit_is_xpath(f->out, "string(/testsuite/testcase[@name='s.error']/error)", "trace");
    junit_is_xpath(f->out, "count(/testsuite/testcase[@name='s.na']/skipped)", "1");
    junit_is_xpath(f->out, "string(//property[@name='seed']/@value)", "7");
    junit_is_xpath(f->out, "count(//property[@name='shard'])", "0");
    junit_is_xpath(f->out, "count(//property[starts-with(@name, 'claims.')])", "2");
    junit_is_xpath(f->out, "string(/testsuite/system-out)", "shard one\nshard two");
}

static void refusals(const struct files *f, char *err)
{
    unlink(f->out);
    const char *twice[] = {f->a, f->b, f->a};
    tap_is_int(mc_junit_merge(twice, 3, f->out, err, ERR_LEN), -1, "a shard given twice is refused");
    tap_ok(strstr(err, "mirrorcert.s.s.pass appears twice") != NULL, "naming the testcase: %s", err);
    tap_ok(access(f->out, F_OK) != 0, "and nothing is written");

    const char *missing[] = {f->a, "/nonexistent/shard.xml"};
    tap_is_int(mc_junit_merge(missing, 2, f->out, err, ERR_LEN), -1, "an unreadable input is refused");
    tap_ok(strstr(err, "/nonexistent/shard.xml") != NULL, "naming it: %s", err);

    static const struct { const char *text, *what; } broken[] = {
        {"<testsuite name='x'", "XML that is not well-formed"},
        {"<testsuites/>", "a root other than testsuite"},
        {"<testsuite name='x' timestamp='1970-01-01T00:00:00' hostname='h' tests='2' time='0'>"
         "<properties/><testcase classname='c' name='n' time='0'/><system-out/><system-err/></testsuite>",
         "a tests count that is not the testcases'"},
        {"<testsuite name='x' timestamp='1970-01-01T00:00:00' hostname='h' tests='1' time='0'>"
         "<properties/><testcase classname='c' name='n' time='soon'/><system-out/><system-err/></testsuite>",
         "a testcase time that is not seconds"},
        {"<testsuite name='x' timestamp='yesterday' hostname='h' tests='0' time='0'>"
         "<properties/><system-out/><system-err/></testsuite>", "a timestamp that is not ISO 8601"},
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        const char *in[] = {f->a, f->bad};
        if (write_text(f->bad, broken[i].text) != 0) {
            tap_ok(0, "writing %s", f->bad);
            continue;
        }
        int rc = mc_junit_merge(in, 2, f->out, err, ERR_LEN);
        tap_ok(rc == -1 && strstr(err, f->bad) != NULL && access(f->out, F_OK) != 0,
               "%s is refused, naming the file: %s", broken[i].what, err);
    }
    tap_is_int(mc_junit_merge(NULL, 0, f->out, err, ERR_LEN), -1, "no inputs is an error");
}

int main(void)
{
    tap_plan(27);
    struct files f;
    snprintf(f.dir, sizeof f.dir, "/tmp/mc-merge-XXXXXX");
    if (!tap_ok(mkdtemp(f.dir) != NULL, "temporary folder"))
        return tap_done();
    snprintf(f.a, sizeof f.a, "%s/a.xml", f.dir);
    snprintf(f.b, sizeof f.b, "%s/b.xml", f.dir);
    snprintf(f.out, sizeof f.out, "%s/out.xml", f.dir);
    snprintf(f.bad, sizeof f.bad, "%s/bad.xml", f.dir);
    char err[ERR_LEN] = "";
    if (tap_ok(write_shards(&f, err) == 0, "two shard files are written (%s)", err)) {
        merged_content(&f, err);
        refusals(&f, err);
    }
    unlink(f.a), unlink(f.b), unlink(f.out), unlink(f.bad);
    rmdir(f.dir);
    xmlCleanupParser();
    return tap_done();
}
