/* VCD reader: header ($timescale, $var), then value changes, fed into a trace one time step at
 * a time. Unknown signals are skipped; x and z read as released (0). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spi_trace.h"
#include "vcd_common.h"

#define LINE_MAX_LEN 4096u
#define ID_MAX_LEN 16u
#define MAX_SIGNALS 256u
#define DECIMAL 10
/* IEEE 1364-2005 section 18.2.3.3 allows a $timescale multiplier of 1, 10 or 100; larger ones
 * ("1000 ps") are accepted up to this bound (our choice), which keeps the remainder's product in
 * the time conversion (below 10^6 x 10^6) far from overflowing 64 bits. */
#define TIMESCALE_MULT_MAX 1000000ul

enum sig_kind { SIG_LINE, SIG_DB, SIG_DB_BIT, SIG_DRIVE };

typedef struct sig {
    char id[ID_MAX_LEN + 1];
    int kind;
    uint32_t bit;     /* SIG_LINE: line bit; SIG_DB_BIT: DB bit index; SIG_DRIVE: device */
} sig;

typedef struct reader {
    FILE *f;
    mc_spi_trace *t;
    sig s[MAX_SIGNALS];
    size_t ns;
    uint64_t scale;   /* file time units per ns numerator (ns = time * scale / div) */
    uint64_t div;
    uint32_t lines;
    uint32_t drive[MC_SPI_MAX_ID];
    bool have_drive;
    bool pending;
    bool in_comment;
    uint64_t time;
    char *err;
    size_t errlen;
} reader;

static int fail(reader *r, const char *what, const char *tok)
{
    snprintf(r->err, r->errlen, "VCD: %s%s%s", what, tok ? ": " : "", tok ? tok : "");
    return -1;
}

static int timescale(reader *r, const char *txt)
{
    char unit[8] = "";
    unsigned long mult = 0;
    if (sscanf(txt, "%lu %7s", &mult, unit) < 1 || !mult)
        return fail(r, "bad $timescale", txt);
    if (mult > TIMESCALE_MULT_MAX)
        return fail(r, "$timescale multiplier above 1000000", txt);
    if (!unit[0]) { /* "1ns" written without a space */
        const char *u = txt;
        while (*u == ' ' || (*u >= '0' && *u <= '9'))
            u++;
        snprintf(unit, sizeof unit, "%s", u);
        char *sp = strchr(unit, ' ');
        if (sp)
            *sp = 0;
    }
    static const struct { const char *u; uint64_t num, div; } units[] = {
        {"s", 1000000000ull, 1}, {"ms", 1000000, 1}, {"us", 1000, 1}, {"ns", 1, 1},
        {"ps", 1, 1000}, {"fs", 1, 1000000},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(unit, units[i].u) == 0) {
            r->scale = mult * units[i].num;
            r->div = units[i].div;
            return 0;
        }
    return fail(r, "unknown time unit", unit);
}

static void add_var(reader *r, unsigned width, const char *id, const char *name)
{
    if (r->ns == MAX_SIGNALS || strlen(id) > ID_MAX_LEN)
        return;
    sig *s = &r->s[r->ns];
    snprintf(s->id, sizeof s->id, "%s", id);
    if (width == 1) {
        for (size_t i = 0; i < VCD_NLINES; i++)
            if (strcmp(name, vcd_lines[i].name) == 0) {
                s->kind = SIG_LINE;
                s->bit = vcd_lines[i].bit;
                r->ns++;
                return;
            }
        size_t pl = strlen(VCD_DB_NAME);
        if (strncmp(name, VCD_DB_NAME, pl) == 0 && name[pl] >= '0' && name[pl] <= '9') {
            unsigned long b = strtoul(name + pl, NULL, DECIMAL);
            if (b < VCD_DB_WIDTH) {
                s->kind = SIG_DB_BIT;
                s->bit = (uint32_t)b;
                r->ns++;
            }
        }
        return;
    }
    if (strcmp(name, VCD_DB_NAME) == 0 && width == VCD_DB_WIDTH) {
        s->kind = SIG_DB;
        r->ns++;
        return;
    }
    size_t pl = strlen(VCD_DRIVE_PREFIX);
    if (strncmp(name, VCD_DRIVE_PREFIX, pl) == 0 && width == VCD_DRIVE_WIDTH) {
        unsigned long d = strtoul(name + pl, NULL, DECIMAL);
        if (d < MC_SPI_MAX_ID) {
            s->kind = SIG_DRIVE;
            s->bit = (uint32_t)d;
            r->ns++;
        }
    }
}

static const sig *find(const reader *r, const char *id)
{
    for (size_t i = 0; i < r->ns; i++)
        if (strcmp(r->s[i].id, id) == 0)
            return &r->s[i];
    return NULL;
}

static void flush(reader *r)
{
    if (r->pending)
        mc_spi_trace_feed(r->t, r->time, r->lines, r->have_drive ? r->drive : NULL);
    r->pending = false;
}

static void set_scalar(reader *r, const sig *s, bool one)
{
    if (s->kind == SIG_LINE) {
        r->lines = one ? r->lines | s->bit : r->lines & ~s->bit;
    } else if (s->kind == SIG_DB_BIT) {
        uint32_t b = 1u << (MC_SPI_DB_SHIFT + s->bit);
        r->lines = one ? r->lines | b : r->lines & ~b;
    }
    r->pending = true;
}

static void set_vector(reader *r, const sig *s, const char *bits)
{
    uint32_t v = 0;
    for (const char *p = bits; *p; p++)
        v = (v << 1) | (*p == '1');
    if (s->kind == SIG_DB)
        r->lines = (r->lines & ~MC_SPI_DB_MASK) | MC_SPI_DB_WORD(v);
    else if (s->kind == SIG_DRIVE) {
        r->drive[s->bit] = v;
        r->have_drive = true;
    }
    r->pending = true;
}

/* A file time in ns (time * scale / div, rounded down), or -1 when it does not fit 64 bits:
 * t = q * div + rem, so the product is q * scale + rem * scale / div, each part checked. */
static int to_ns(const reader *r, uint64_t t, uint64_t *ns)
{
    uint64_t q = t / r->div, rem = t % r->div;
    uint64_t part = rem * r->scale / r->div;   /* rem < div <= 10^6 and scale <= 10^6 when div > 1 */
    if (q > (UINT64_MAX - part) / r->scale)
        return -1;
    *ns = q * r->scale + part;
    return 0;
}

/* One whitespace-separated token of the value-change section. */
static int body_token(reader *r, char *tok, char **save)
{
    if (tok[0] == '#') {
        char *end;
        errno = 0;
        unsigned long long t = strtoull(tok + 1, &end, DECIMAL);
        if (errno || *end)
            return fail(r, "bad time", tok);
        uint64_t ns = 0;
        if (to_ns(r, t, &ns) != 0)
            return fail(r, "time overflows 64-bit nanoseconds", tok);
        if (r->pending && ns < r->time)
            return fail(r, "time goes backwards", tok);
        if (ns != r->time)
            flush(r);
        r->time = ns;
        return 0;
    }
    if (r->in_comment) { /* $comment text $end: skipped whatever it holds */
        r->in_comment = strcmp(tok, "$end") != 0;
        return 0;
    }
    if (strcmp(tok, "$comment") == 0) {
        r->in_comment = true;
        return 0;
    }
    if (tok[0] == '$') /* $dumpvars, $end, ...: values inside are ordinary changes */
        return 0;
    if (tok[0] == 'b' || tok[0] == 'B') {
        char *id = strtok_r(NULL, " \t\r\n", save);
        if (!id)
            return fail(r, "vector without identifier", tok);
        if (strlen(tok + 1) > VCD_DRIVE_WIDTH)
            return fail(r, "vector wider than 32 bits", tok);
        const sig *s = find(r, id);
        if (s)
            set_vector(r, s, tok + 1);
        return 0;
    }
    if (strchr("01xXzZ", tok[0])) {
        const sig *s = find(r, tok + 1);
        if (s)
            set_scalar(r, s, tok[0] == '1');
        return 0;
    }
    if (tok[0] == 'r' || tok[0] == 'R') { /* real values: skip the identifier */
        strtok_r(NULL, " \t\r\n", save);
        return 0;
    }
    return fail(r, "unexpected token", tok);
}

static int header_section(reader *r, char *line, bool *done)
{
    char kw[32], a[64], b[ID_MAX_LEN + 8], c[64];
    unsigned width;
    if (sscanf(line, " $var %31s %u %23s %63s", kw, &width, b, c) == 4) {
        add_var(r, width, b, c);
        return 0;
    }
    if (strstr(line, "$timescale")) {
        char *p = strstr(line, "$timescale") + strlen("$timescale");
        char *e = strstr(p, "$end");
        if (!e) { /* the value may be on the next line */
            if (!fgets(a, sizeof a, r->f))
                return fail(r, "truncated $timescale", NULL);
            return timescale(r, a);
        }
        *e = 0;
        return timescale(r, p);
    }
    if (strstr(line, "$enddefinitions"))
        *done = true;
    return 0;
}

int mc_spi_vcd_read_stream(FILE *f, mc_spi_trace *t, char *err, size_t errlen)
{
    reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->f = f;
    r->t = t;
    r->err = err;
    r->errlen = errlen;
    r->scale = r->div = 1;
    int rc = 0;
    char *line = malloc(LINE_MAX_LEN + 2);
    bool in_body = false;
    while (rc == 0 && line && fgets(line, LINE_MAX_LEN + 2, r->f)) {
        if (strlen(line) > LINE_MAX_LEN) {
            rc = fail(r, "line longer than 4096 bytes", NULL);
            break;
        }
        if (!in_body) {
            rc = header_section(r, line, &in_body);
            continue;
        }
        char *save = NULL;
        for (char *tok = strtok_r(line, " \t\r\n", &save); tok && rc == 0;
             tok = strtok_r(NULL, " \t\r\n", &save))
            rc = body_token(r, tok, &save);
    }
    if (!line)
        rc = fail(r, "out of memory", NULL);
    else if (rc == 0 && !in_body)
        rc = fail(r, "no $enddefinitions", NULL);
    if (rc == 0) {
        flush(r);
        mc_spi_trace_finish(t);
    }
    free(line);
    free(r);
    return rc;
}

int mc_spi_vcd_read(const char *path, mc_spi_trace *t, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = mc_spi_vcd_read_stream(f, t, err, errlen);
    fclose(f);
    return rc;
}
