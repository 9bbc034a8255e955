/* The phase-sequence pattern language of `spi match`:
 *   PATTERN := TOKEN { " " TOKEN }
 *   TOKEN   := KIND [":" NAME] { "," KEY "=" VALUE }      one event
 *            | "*" { "!" KIND }                            any events, none of the KINDs
 * KIND is FREE ARB SEL RESEL MO MI CMD DOUT DIN STATUS RESET; NAME is a message name
 * (IDENTIFY, SM-MIRROR, COMMAND-COMPLETE, ...); KEY is one of init target by atn len gid last
 * raw status op. Tokens match consecutive events; the pattern may start at any event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mod_spi.h"

#define MAX_TOKENS 32u
#define MAX_ATTRS 8u
#define MAX_EXCL 8u
#define NAME_LEN 32u

typedef struct attr {
    char key[12];
    long long value;
} attr;

typedef struct token {
    bool gap;
    int kind;
    char name[NAME_LEN];
    attr a[MAX_ATTRS];
    unsigned na;
    int excl[MAX_EXCL];
    unsigned nexcl;
} token;

static const char *const kinds[] = {"FREE", "ARB", "SEL", "RESEL", "MO", "MI", "CMD", "DOUT", "DIN", "STATUS", "RESET"};
#define NKINDS (sizeof kinds / sizeof kinds[0])

const char *mc_spi_ev_short(int kind)
{
    return kind >= 0 && (size_t)kind < NKINDS ? kinds[kind] : "?";
}

static int kind_of(const char *s, size_t n)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (strlen(kinds[i]) == n && strncmp(kinds[i], s, n) == 0)
            return (int)i;
    return -1;
}

void mc_spi_ev_msgname(const mc_spi_ev *e, char *buf, size_t len)
{
    const char *n;
    uint8_t ext[3] = {MC_MSG_EXTENDED, 1, e->sm.code};
    if (e->is_sm)
        n = mc_spi_msg_name(ext, sizeof ext);
    else
        n = mc_spi_msg_name(e->b, e->len);
    snprintf(buf, len, "%s", n);
    for (char *p = buf; *p; p++)
        if (*p == ' ')
            *p = '-';
}

static bool attr_value(const mc_spi_ev *e, const char *key, long long *v)
{
    if (!strcmp(key, "init")) *v = e->init;
    else if (!strcmp(key, "target")) *v = e->target;
    else if (!strcmp(key, "by")) *v = e->driver;
    else if (!strcmp(key, "atn")) *v = e->atn;
    else if (!strcmp(key, "len")) *v = e->len;
    else if (!strcmp(key, "gid") && e->is_sm) *v = e->sm.gid;
    else if (!strcmp(key, "last") && e->is_sm) *v = e->sm.last;
    else if (!strcmp(key, "raw") && e->is_sm) *v = e->sm.raw;
    else if (!strcmp(key, "status") && e->kind == MC_EV_STATUS) *v = e->b[0];
    else if (!strcmp(key, "op") && e->kind == MC_EV_COMMAND) *v = e->b[0];
    else return false;
    return true;
}

static int parse_token(const char *s, size_t n, token *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (s[0] == '*') {
        t->gap = true;
        const char *p = s + 1, *end = s + n;
        while (p < end) {
            if (*p != '!' || t->nexcl == MAX_EXCL) {
                snprintf(err, errlen, "bad gap token \"%.*s\"", (int)n, s);
                return -1;
            }
            const char *q = p + 1;
            while (q < end && *q != '!')
                q++;
            int k = kind_of(p + 1, (size_t)(q - p - 1));
            if (k < 0) {
                snprintf(err, errlen, "unknown event kind in \"%.*s\"", (int)n, s);
                return -1;
            }
            t->excl[t->nexcl++] = k;
            p = q;
        }
        return 0;
    }
    char buf[128];
    if (n >= sizeof buf) {
        snprintf(err, errlen, "token too long");
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = 0;
    char *save = NULL, *part = strtok_r(buf, ",", &save);
    char *colon = strchr(part, ':');
    if (colon) {
        *colon = 0;
        snprintf(t->name, sizeof t->name, "%s", colon + 1);
    }
    t->kind = kind_of(part, strlen(part));
    if (t->kind < 0) {
        snprintf(err, errlen, "unknown event kind \"%s\"", part);
        return -1;
    }
    while ((part = strtok_r(NULL, ",", &save)) != NULL) {
        char *eq = strchr(part, '=');
        if (!eq || t->na == MAX_ATTRS || (size_t)(eq - part) >= sizeof t->a[0].key) {
            snprintf(err, errlen, "bad attribute \"%s\"", part);
            return -1;
        }
        *eq = 0;
        char *end;
        t->a[t->na].value = strtoll(eq + 1, &end, 0);
        if (*end || end == eq + 1) {
            snprintf(err, errlen, "attribute %s: \"%s\" is not a number", part, eq + 1);
            return -1;
        }
        snprintf(t->a[t->na].key, sizeof t->a[0].key, "%s", part);
        t->na++;
    }
    return 0;
}

static bool event_matches(const token *t, const mc_spi_ev *e)
{
    if (e->kind != t->kind)
        return false;
    if (t->name[0]) {
        char nm[NAME_LEN];
        mc_spi_ev_msgname(e, nm, sizeof nm);
        if (strcmp(nm, t->name) != 0)
            return false;
    }
    for (unsigned i = 0; i < t->na; i++) {
        long long v;
        if (!attr_value(e, t->a[i].key, &v) || v != t->a[i].value)
            return false;
    }
    return true;
}

static bool excluded(const token *t, int kind)
{
    for (unsigned i = 0; i < t->nexcl; i++)
        if (t->excl[i] == kind)
            return true;
    return false;
}

typedef struct matcher {
    const mc_spi_ev *ev;
    size_t n;
    const token *tok;
    size_t nt;
    unsigned char *failed;   /* memo: (token, event) pairs known not to match */
    size_t *hit;
} matcher;

static bool match_at(matcher *m, size_t ti, size_t ei)
{
    if (ti == m->nt)
        return true;
    unsigned char *memo = &m->failed[ti * (m->n + 1) + ei];
    if (*memo)
        return false;
    const token *t = &m->tok[ti];
    bool ok = false;
    if (t->gap) {
        for (size_t k = ei; k <= m->n && !ok; k++) {
            ok = match_at(m, ti + 1, k);
            if (k < m->n && excluded(t, m->ev[k].kind))
                break;
        }
    } else if (ei < m->n && event_matches(t, &m->ev[ei])) {
        m->hit[ti] = ei;
        ok = match_at(m, ti + 1, ei + 1);
    }
    if (!ok)
        *memo = 1;
    return ok;
}

int mc_spi_match(const mc_spi_ev *ev, size_t n, const char *pattern, size_t *out, size_t outcap,
                 size_t *nout, char *err, size_t errlen)
{
    token tok[MAX_TOKENS];
    size_t nt = 0;
    const char *p = pattern;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        const char *q = p;
        while (*q && *q != ' ' && *q != '\t' && *q != '\n')
            q++;
        if (nt == MAX_TOKENS) {
            snprintf(err, errlen, "more than %u tokens", MAX_TOKENS);
            return -1;
        }
        if (parse_token(p, (size_t)(q - p), &tok[nt], err, errlen) < 0)
            return -1;
        nt++;
        p = q;
    }
    if (!nt) {
        snprintf(err, errlen, "empty pattern");
        return -1;
    }
    matcher m = {ev, n, tok, nt, calloc((nt + 1) * (n + 1), 1), calloc(nt, sizeof(size_t))};
    if (!m.failed || !m.hit) {
        free(m.failed);
        free(m.hit);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *nout = 0;
    for (size_t s = 0; s < n; s++)
        if (match_at(&m, 0, s)) {
            for (size_t i = 0; i < nt && *nout < outcap; i++)
                if (!tok[i].gap)
                    out[(*nout)++] = m.hit[i];
            break;
        }
    free(m.failed);
    free(m.hit);
    return 0;
}
