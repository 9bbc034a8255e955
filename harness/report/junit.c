#include "junit.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xmlsafe.h"

#define TIMESTAMP_LEN 32
#define NUMBER_LEN 32
#define HOSTNAME_LEN 256

static int check_suite(const struct mc_junit_suite *s, char *err, size_t errlen)
{
    if (s->name == NULL || s->name[0] == '\0') {
        snprintf(err, errlen, "junit: the suite has no name");
        return -1;
    }
    for (size_t i = 0; i < s->nprops; i++)
        if (s->props[i].name == NULL || s->props[i].name[0] == '\0' || s->props[i].value == NULL) {
            snprintf(err, errlen, "junit: property %zu has no name or value", i);
            return -1;
        }
    for (size_t i = 0; i < s->ncases; i++) {
        const struct mc_junit_case *c = &s->cases[i];
        if (c->classname == NULL || c->name == NULL || c->classname[0] == '\0' || c->name[0] == '\0') {
            snprintf(err, errlen, "junit: testcase %zu has no classname or name", i);
            return -1;
        }
        if ((c->outcome == MC_JUNIT_FAILURE || c->outcome == MC_JUNIT_ERROR) &&
            (c->type == NULL || c->type[0] == '\0')) {
            snprintf(err, errlen, "junit: testcase %s has a failure or error without a type", c->name);
            return -1;
        }
        /* GitLab drops repeated names silently: refuse them instead (quadratic, suites are small). */
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->cases[j].classname, c->classname) == 0 && strcmp(s->cases[j].name, c->name) == 0) {
                snprintf(err, errlen, "junit: testcase %s.%s appears twice", c->classname, c->name);
                return -1;
            }
    }
    return 0;
}

static int write_case(xmlTextWriterPtr w, const struct mc_junit_case *c)
{
    char seconds[NUMBER_LEN];
    mc_xml_seconds(seconds, sizeof seconds, c->time_ms);
    if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 || mc_xml_attr(w, "classname", c->classname) ||
        mc_xml_attr(w, "name", c->name) || mc_xml_attr(w, "time", seconds))
        return -1;
    static const char *const element[] = {
        [MC_JUNIT_FAILURE] = "failure", [MC_JUNIT_ERROR] = "error", [MC_JUNIT_SKIPPED] = "skipped"};
    if (c->outcome != MC_JUNIT_PASSED) {
        /* The Ant schema leaves <skipped> untyped (any attributes): its type, when given, tells
         * the kinds of skip apart (n/a, expected-failure). */
        const char *typed[] = {"type", c->type, "message", c->message, NULL};
        const char *untyped[] = {"message", c->message, NULL};
        const char *const *attrs = c->type == NULL || c->type[0] == '\0' ? untyped : typed;
        if (mc_xml_element(w, element[c->outcome], attrs, c->detail) != 0)
            return -1;
    }
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int write_suite(xmlTextWriterPtr w, const struct mc_junit_suite *s)
{
    size_t failures = 0, errors = 0, skipped = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        failures += s->cases[i].outcome == MC_JUNIT_FAILURE;
        errors += s->cases[i].outcome == MC_JUNIT_ERROR;
        skipped += s->cases[i].outcome == MC_JUNIT_SKIPPED;
    }
    char stamp[TIMESTAMP_LEN], host[HOSTNAME_LEN], seconds[NUMBER_LEN];
    char tests_s[NUMBER_LEN], failures_s[NUMBER_LEN], errors_s[NUMBER_LEN], skipped_s[NUMBER_LEN];
    struct tm tm;
    if (gmtime_r(&s->started, &tm) == NULL || strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return -1;
    const char *hostname = s->hostname;
    if (hostname == NULL) {
        if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
            snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        hostname = host;
    }
    mc_xml_seconds(seconds, sizeof seconds, s->time_ms);
    snprintf(tests_s, sizeof tests_s, "%zu", s->ncases);
    snprintf(failures_s, sizeof failures_s, "%zu", failures);
    snprintf(errors_s, sizeof errors_s, "%zu", errors);
    snprintf(skipped_s, sizeof skipped_s, "%zu", skipped);

    if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 || mc_xml_attr(w, "name", s->name) ||
        mc_xml_attr(w, "timestamp", stamp) || mc_xml_attr(w, "hostname", hostname) ||
        mc_xml_attr(w, "tests", tests_s) || mc_xml_attr(w, "failures", failures_s) ||
        mc_xml_attr(w, "errors", errors_s) || mc_xml_attr(w, "skipped", skipped_s) ||
        mc_xml_attr(w, "time", seconds))
        return -1;
    if (xmlTextWriterStartElement(w, BAD_CAST "properties") < 0)
        return -1;
    for (size_t i = 0; i < s->nprops; i++) {
        const char *attrs[] = {"name", s->props[i].name, "value", s->props[i].value, NULL};
        if (mc_xml_element(w, "property", attrs, NULL) != 0)
            return -1;
    }
    if (xmlTextWriterEndElement(w) < 0)
        return -1;
    for (size_t i = 0; i < s->ncases; i++)
        if (write_case(w, &s->cases[i]) != 0)
            return -1;
    if (mc_xml_element(w, "system-out", NULL, s->system_out ? s->system_out : "") != 0 ||
        mc_xml_element(w, "system-err", NULL, s->system_err ? s->system_err : "") != 0)
        return -1;
    return xmlTextWriterEndDocument(w) < 0 ? -1 : 0;
}

int mc_junit_write(const struct mc_junit_suite *s, const char *path, char *err, size_t errlen)
{
    if (check_suite(s, err, errlen) != 0)
        return -1;
    struct mc_xml_out o;
    if (mc_xml_out_open(&o) != 0) {
        snprintf(err, errlen, "junit: out of memory writing %s", path);
        return -1;
    }
    int ok = write_suite(o.w, s) == 0;
    return mc_xml_out_save(&o, ok, path, err, errlen);
}
