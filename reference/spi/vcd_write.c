/* VCD writer: a bus listener that dumps every settled change. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spi_trace.h"
#include "vcd_common.h"

struct mc_spi_vcd {
    FILE *f;
    unsigned flags;
    bool started;
    uint32_t lines;
    uint32_t drive[MC_SPI_MAX_ID];
    bool io_error;
};

/* Identifier k: one printable character per signal (fewer than 94 signals). */
static char ident(unsigned k) { return (char)(VCD_ID_FIRST + k); }
#define ID_DB VCD_NLINES
#define ID_DRIVE(i) (VCD_NLINES + 1 + (i))
#define ID_DBBIT(i) (VCD_NLINES + (i))

/* Single wires only with MC_VCD_DB_BITS (what sigrok 0.5.2 reads): no drive-word vectors. */
static unsigned effective_flags(unsigned flags)
{
    return (flags & MC_VCD_DB_BITS) ? flags & ~(unsigned)MC_VCD_DRIVE_WORDS : flags;
}

int mc_spi_vcd_open(mc_spi_vcd **out, const char *path, unsigned flags, char *err, size_t errlen)
{
    mc_spi_vcd *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    v->f = fopen(path, "w");
    if (!v->f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(v);
        return -1;
    }
    flags = effective_flags(flags);
    v->flags = flags;
    fprintf(v->f, "$timescale 1 ns $end\n$scope module %s $end\n", VCD_SCOPE);
    for (unsigned i = 0; i < VCD_NLINES; i++)
        fprintf(v->f, "$var wire 1 %c %s $end\n", ident(i), vcd_lines[i].name);
    if (flags & MC_VCD_DB_BITS) {
        for (unsigned i = 0; i < VCD_DB_WIDTH; i++)
            fprintf(v->f, "$var wire 1 %c %s%u $end\n", ident(ID_DBBIT(i)), VCD_DB_NAME, i);
    } else {
        fprintf(v->f, "$var wire %u %c %s [%u:0] $end\n", VCD_DB_WIDTH, ident(ID_DB), VCD_DB_NAME,
                VCD_DB_WIDTH - 1);
    }
    if (flags & MC_VCD_DRIVE_WORDS)
        for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
            fprintf(v->f, "$var wire %u %c %s%u $end\n", VCD_DRIVE_WIDTH, ident(ID_DRIVE(i)),
                    VCD_DRIVE_PREFIX, i);
    fprintf(v->f, "$upscope $end\n$enddefinitions $end\n");
    *out = v;
    return 0;
}

static void put_vector(FILE *f, uint32_t value, char id)
{
    char bits[VCD_DRIVE_WIDTH + 1];
    int n = 0;
    bool lead = true;
    for (int b = (int)VCD_DRIVE_WIDTH - 1; b >= 0; b--) {
        bool one = (value >> b) & 1u;
        if (one)
            lead = false;
        if (!lead)
            bits[n++] = one ? '1' : '0';
    }
    if (n == 0)
        bits[n++] = '0';
    bits[n] = 0;
    fprintf(f, "b%s %c\n", bits, id);
}

void mc_spi_vcd_sample(mc_spi_vcd *v, uint64_t t, uint32_t lines, const uint32_t *drive)
{
    bool all = !v->started;
    uint32_t diff = all ? ~0u : lines ^ v->lines;
    bool drive_changed = all;
    if ((v->flags & MC_VCD_DRIVE_WORDS) && drive && !all)
        drive_changed = memcmp(drive, v->drive, sizeof v->drive) != 0;
    if (!diff && !drive_changed)
        return;
    fprintf(v->f, "#%llu\n", (unsigned long long)t);
    for (unsigned i = 0; i < VCD_NLINES; i++)
        if (diff & vcd_lines[i].bit)
            fprintf(v->f, "%c%c\n", (lines & vcd_lines[i].bit) ? '1' : '0', ident(i));
    if (diff & MC_SPI_DB_MASK) {
        uint16_t db = MC_SPI_DB(lines), was = MC_SPI_DB(v->lines);
        if (v->flags & MC_VCD_DB_BITS) {
            for (unsigned i = 0; i < VCD_DB_WIDTH; i++)
                if (all || ((db ^ was) >> i & 1u))
                    fprintf(v->f, "%c%c\n", (db >> i & 1u) ? '1' : '0', ident(ID_DBBIT(i)));
        } else {
            put_vector(v->f, db, ident(ID_DB));
        }
    }
    if ((v->flags & MC_VCD_DRIVE_WORDS) && (drive || all)) {
        for (unsigned i = 0; i < MC_SPI_MAX_ID; i++) {
            uint32_t w = drive ? drive[i] : 0;
            if (all || w != v->drive[i])
                put_vector(v->f, w, ident(ID_DRIVE(i)));
            v->drive[i] = w;
        }
    }
    v->lines = lines;
    v->started = true;
    if (ferror(v->f))
        v->io_error = true;
}

static void listen_cb(void *ctx, uint64_t t, uint32_t lines, const uint32_t *drive)
{
    mc_spi_vcd_sample(ctx, t, lines, drive);
}

int mc_spi_vcd_attach(mc_spi_vcd *v, mc_spi_bus *bus, char *err, size_t errlen)
{
    /* sigrok ignores $dumpvars: the explicit #0 values come from the first sample */
    mc_spi_vcd_sample(v, mc_spi_now(bus), mc_spi_lines(bus), NULL);
    return mc_spi_bus_listen(bus, listen_cb, v, err, errlen);
}

/* GTKWave save-file trace flags: binary, hexadecimal, and the opening and closing of a
 * collapsible group (gtkwave's TR_* values as its save files write them). */
#define GTKW_BINARY "@28"
#define GTKW_HEX "@22"
#define GTKW_GROUP_BEGIN "@800200"
#define GTKW_GROUP_END "@1000200"

int mc_spi_gtkw_write(const char *path, const char *vcd_name, unsigned flags, char *err, size_t errlen)
{
    flags = effective_flags(flags);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "[dumpfile] \"%s\"\n[timestart] 0\n", vcd_name);
    fprintf(f, "%s\n-Control\n%s\n", GTKW_GROUP_BEGIN, GTKW_BINARY);
    for (unsigned i = 0; i < VCD_NLINES; i++)
        fprintf(f, "%s.%s\n", VCD_SCOPE, vcd_lines[i].name);
    fprintf(f, "%s\n-Control\n%s\n", GTKW_GROUP_END, GTKW_HEX);
    if (flags & MC_VCD_DB_BITS) {
        fprintf(f, "#{%s.%s[%u:0]}", VCD_SCOPE, VCD_DB_NAME, VCD_DB_WIDTH - 1);
        for (unsigned i = VCD_DB_WIDTH; i-- > 0;)
            fprintf(f, " %s.%s%u", VCD_SCOPE, VCD_DB_NAME, i);
        fprintf(f, "\n");
    } else {
        fprintf(f, "%s.%s[%u:0]\n", VCD_SCOPE, VCD_DB_NAME, VCD_DB_WIDTH - 1);
    }
    if (flags & MC_VCD_DRIVE_WORDS) {
        fprintf(f, "%s\n-Drive words\n%s\n", GTKW_GROUP_BEGIN, GTKW_HEX);
        for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
            fprintf(f, "%s.%s%u\n", VCD_SCOPE, VCD_DRIVE_PREFIX, i);
        fprintf(f, "%s\n-Drive words\n", GTKW_GROUP_END);
    }
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "%s: write failed", path);
        return -1;
    }
    return 0;
}

int mc_spi_vcd_close(mc_spi_vcd *v, char *err, size_t errlen)
{
    if (!v)
        return 0;
    bool bad = v->io_error || ferror(v->f);
    if (fclose(v->f) != 0)
        bad = true;
    free(v);
    if (bad) {
        snprintf(err, errlen, "VCD write failed");
        return -1;
    }
    return 0;
}
