#include "junit_merge.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "junit.h"

#define MS_PER_S 1000
#define MS_DIGITS 3
/* Seconds beyond this are not a test's duration but a corrupt file (and would overflow ms). */
#define MAX_SECONDS 1000000000LL
#define COUNT_LEN 32
#define TM_YEAR_BASE 1900 /* struct tm counts years from 1900, months from 0 */

/* The merged suite under construction; every string it points to is in owned. */
struct merge {
    struct mc_junit_case *cases;
    size_t ncases, case_cap;
    struct mc_junit_property *props;
    int *conflict; /* per property: the inputs gave it different values, so it is left out */
    size_t nprops, prop_cap;
    char **owned;
    size_t nowned, owned_cap;
    char *out, *errtext; /* system-out, system-err so far */
    const char *name;
    int names_differ;
    const char *hostname;
    time_t started;
    long long time_ms;
};

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * elem);
    if (p == NULL)
        return -1;
    *arr = p;
    *cap = n;
    return 0;
}

/* Takes ownership of s (from libxml2, may be NULL); returns it, or NULL when out of memory. */
static char *keep(struct merge *m, xmlChar *s)
{
    if (s == NULL)
        return NULL;
    if (grow((void **)&m->owned, &m->owned_cap, m->nowned + 1, sizeof *m->owned) != 0) {
        xmlFree(s);
        return NULL;
    }
    return m->owned[m->nowned++] = (char *)s;
}

static void merge_free(struct merge *m)
{
    for (size_t i = 0; i < m->nowned; i++)
        xmlFree(m->owned[i]);
    free(m->owned);
    free(m->cases);
    free(m->props);
    free(m->conflict);
    free(m->out);
    free(m->errtext);
}

static int is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* xs:decimal seconds ("12.345") as milliseconds, digits past the millisecond dropped. */
static int parse_seconds(const char *s, long long *ms)
{
    long long whole = 0, frac = 0;
    int digits = 0, fdigits = 0;
    if (s == NULL)
        return -1;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        whole = whole * 10 + (*s - '0');
        if (whole > MAX_SECONDS)
            return -1;
    }
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, fdigits++)
            if (fdigits < MS_DIGITS)
                frac = frac * 10 + (*s - '0');
    if (*s != '\0' || digits + fdigits == 0)
        return -1;
    for (int i = fdigits; i < MS_DIGITS; i++)
        frac *= 10;
    *ms = whole * MS_PER_S + frac;
    return 0;
}

/* Appends text to *buf, one input's text per line. */
static int append_text(char **buf, const char *text)
{
    if (text == NULL || text[0] == '\0')
        return 0;
    size_t have = *buf ? strlen(*buf) : 0, add = strlen(text);
    char *p = realloc(*buf, have + add + 2);
    if (p == NULL)
        return -1;
    if (have > 0 && p[have - 1] != '\n')
        p[have++] = '\n';
    memcpy(p + have, text, add + 1);
    *buf = p;
    return 0;
}

static int add_property(struct merge *m, xmlNodePtr p)
{
    const char *name = keep(m, xmlGetProp(p, BAD_CAST "name"));
    const char *value = keep(m, xmlGetProp(p, BAD_CAST "value"));
    if (name == NULL || value == NULL || name[0] == '\0')
        return -1;
    for (size_t i = 0; i < m->nprops; i++)
        if (strcmp(m->props[i].name, name) == 0) {
            m->conflict[i] |= strcmp(m->props[i].value, value) != 0;
            return 0;
        }
    if (grow((void **)&m->props, &m->prop_cap, m->nprops + 1, sizeof *m->props) != 0)
        return -1;
    int *c = realloc(m->conflict, m->prop_cap * sizeof *c);
    if (c == NULL)
        return -1;
    m->conflict = c;
    m->props[m->nprops] = (struct mc_junit_property){name, value};
    m->conflict[m->nprops++] = 0;
    return 0;
}

/* One <testcase>: its outcome is its one <failure>, <error> or <skipped> child, if any. */
static int add_case(struct merge *m, xmlNodePtr t, char *err, size_t errlen, const char *path)
{
    struct mc_junit_case c = {.outcome = MC_JUNIT_PASSED};
    c.classname = keep(m, xmlGetProp(t, BAD_CAST "classname"));
    c.name = keep(m, xmlGetProp(t, BAD_CAST "name"));
    const char *time_s = keep(m, xmlGetProp(t, BAD_CAST "time"));
    if (c.classname == NULL || c.name == NULL || parse_seconds(time_s, &c.time_ms) != 0) {
        snprintf(err, errlen, "merge-junit: %s: a testcase lacks classname, name or a time in seconds", path);
        return -1;
    }
    static const struct { const char *element; enum mc_junit_outcome outcome; } outcomes[] = {
        {"failure", MC_JUNIT_FAILURE}, {"error", MC_JUNIT_ERROR}, {"skipped", MC_JUNIT_SKIPPED}};
    for (xmlNodePtr k = t->children; k != NULL; k = k->next)
        for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
            if (is_element(k, outcomes[i].element)) {
                if (c.outcome != MC_JUNIT_PASSED) {
                    snprintf(err, errlen, "merge-junit: %s: testcase %s has two outcomes", path, c.name);
                    return -1;
                }
                c.outcome = outcomes[i].outcome;
                c.type = keep(m, xmlGetProp(k, BAD_CAST "type"));
                c.message = keep(m, xmlGetProp(k, BAD_CAST "message"));
                c.detail = keep(m, xmlNodeGetContent(k));
            }
    if (grow((void **)&m->cases, &m->case_cap, m->ncases + 1, sizeof *m->cases) != 0)
        return -1;
    m->cases[m->ncases++] = c;
    return 0;
}

/* The suite-level attributes: name, timestamp (earliest wins), hostname, time (summed). */
static int add_suite_attrs(struct merge *m, xmlNodePtr root, char *err, size_t errlen, const char *path)
{
    const char *name = keep(m, xmlGetProp(root, BAD_CAST "name"));
    const char *stamp = keep(m, xmlGetProp(root, BAD_CAST "timestamp"));
    const char *host = keep(m, xmlGetProp(root, BAD_CAST "hostname"));
    const char *time_s = keep(m, xmlGetProp(root, BAD_CAST "time"));
    long long ms;
    struct tm tm = {0};
    int used = -1;
    if (stamp != NULL)
        sscanf(stamp, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec, &used);
    tm.tm_year -= TM_YEAR_BASE, tm.tm_mon -= 1;
    if (name == NULL || host == NULL || used < 0 || stamp[used] != '\0' || parse_seconds(time_s, &ms) != 0) {
        snprintf(err, errlen, "merge-junit: %s: the testsuite lacks name, hostname, timestamp or time", path);
        return -1;
    }
    time_t started = timegm(&tm);
    if (m->name == NULL) {
        m->name = name, m->hostname = host, m->started = started;
    } else {
        m->names_differ |= strcmp(m->name, name) != 0;
        if (started < m->started)
            m->started = started;
    }
    m->time_ms += ms;
    return 0;
}

/* The tests attribute must count the testcases, or the file was cut short or edited. */
static int check_count(xmlNodePtr root, size_t cases, char *err, size_t errlen, const char *path)
{
    char want[COUNT_LEN];
    snprintf(want, sizeof want, "%zu", cases);
    xmlChar *tests = xmlGetProp(root, BAD_CAST "tests");
    int ok = tests != NULL && strcmp((const char *)tests, want) == 0;
    if (!ok)
        snprintf(err, errlen, "merge-junit: %s: tests=\"%s\" but %zu testcases", path,
                 tests ? (const char *)tests : "", cases);
    xmlFree(tests);
    return ok ? 0 : -1;
}

static int add_file(struct merge *m, const char *path, char *err, size_t errlen)
{
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL) {
        snprintf(err, errlen, "merge-junit: %s: cannot be read or is not well-formed XML", path);
        return -1;
    }
    int rc = -1;
    err[0] = '\0';
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root == NULL || !is_element(root, "testsuite")) {
        snprintf(err, errlen, "merge-junit: %s: the root element is not <testsuite>", path);
        goto out;
    }
    if (add_suite_attrs(m, root, err, errlen, path) != 0)
        goto out;
    size_t first = m->ncases;
    for (xmlNodePtr n = root->children; n != NULL; n = n->next) {
        if (is_element(n, "properties")) {
            for (xmlNodePtr p = n->children; p != NULL; p = p->next)
                if (is_element(p, "property") && add_property(m, p) != 0)
                    goto out;
        } else if (is_element(n, "testcase")) {
            if (add_case(m, n, err, errlen, path) != 0)
                goto out;
        } else if (is_element(n, "system-out") || is_element(n, "system-err")) {
            char *text = keep(m, xmlNodeGetContent(n));
            if (text == NULL || append_text(is_element(n, "system-out") ? &m->out : &m->errtext, text) != 0)
                goto out;
        }
    }
    rc = check_count(root, m->ncases - first, err, errlen, path);
out:
    if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "merge-junit: %s: out of memory or a property without a name", path);
    xmlFreeDoc(doc);
    return rc;
}

int mc_junit_merge(const char *const *inputs, size_t n, const char *out, char *err, size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "merge-junit: no input files");
        return -1;
    }
    struct merge m = {0};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_file(&m, inputs[i], err, errlen);
    if (rc == 0) {
        /* Properties the shards disagree on (the shard itself) describe no merged run. */
        size_t kept = 0;
        for (size_t i = 0; i < m.nprops; i++)
            if (!m.conflict[i])
                m.props[kept++] = m.props[i];
        struct mc_junit_suite s = {
            .name = m.names_differ ? "mirrorcert" : m.name, .started = m.started, .hostname = m.hostname,
            .time_ms = m.time_ms, .props = m.props, .nprops = kept, .cases = m.cases, .ncases = m.ncases,
            .system_out = m.out, .system_err = m.errtext};
        /* The writer refuses a classname+name pair seen twice before it opens out. */
        rc = mc_junit_write(&s, out, err, errlen);
    }
    merge_free(&m);
    return rc;
}
