/* VCD round trip: a recorded run read back decodes to the same events and findings; the reader
 * refuses malformed files with a message. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "vcd_run.h"

static bool same_events(const mc_spi_trace *a, const mc_spi_trace *b, bool drivers)
{
    const mc_spi_ev *ea, *eb;
    size_t na = mc_spi_trace_events(a, &ea), nb = mc_spi_trace_events(b, &eb);
    if (na != nb) {
        tap_diag("event counts differ: %zu live, %zu from file", na, nb);
        return false;
    }
    for (size_t i = 0; i < na; i++) {
        if (ea[i].kind != eb[i].kind || ea[i].t != eb[i].t || ea[i].len != eb[i].len ||
            ea[i].hash != eb[i].hash || ea[i].init != eb[i].init || ea[i].target != eb[i].target ||
            (drivers && ea[i].driver != eb[i].driver) || memcmp(ea[i].b, eb[i].b, sizeof ea[i].b) != 0) {
            char x[160], y[160];
            mc_spi_ev_format(&ea[i], x, sizeof x);
            mc_spi_ev_format(&eb[i], y, sizeof y);
            tap_diag("event %zu differs: live '%s', file '%s'", i, x, y);
            return false;
        }
    }
    return true;
}

static bool same_counts(const mc_spi_trace *a, const mc_spi_trace *b)
{
    for (int c = 0; c < MC_CHK_COUNT; c++)
        if (mc_spi_trace_count(a, c) != mc_spi_trace_count(b, c)) {
            tap_diag("check %s: %zu live, %zu from file", mc_spi_check_info_of(c)->name,
                     mc_spi_trace_count(a, c), mc_spi_trace_count(b, c));
            return false;
        }
    return true;
}

static void round_trip(unsigned flags, unsigned mutants, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/round_trip_%u_%u.vcd", MC_TEST_TMPDIR, flags, mutants);
    rig r;
    int rc = vcd_run(&r, path, flags, mutants);
    tap_ok(rc == 0 || mutants, "%s: recorded (%s)", name, r.err);
    mc_spi_trace *back;
    char err[256] = "";
    mc_spi_trace_new(&back, err, sizeof err);
    tap_ok(mc_spi_vcd_read(path, back, err, sizeof err) == 0, "%s: read back (%s)", name, err);
    const mc_spi_ev *e;
    tap_ok(mc_spi_trace_events(back, &e) > 20, "%s: decoded events from the file", name);
    tap_ok(same_events(r.trace, back, (flags & MC_VCD_DRIVE_WORDS) != 0), "%s: same events as live", name);
    tap_ok(same_counts(r.trace, back) || !(flags & MC_VCD_DRIVE_WORDS), "%s: same findings as live", name);
    if (mutants)
        tap_ok(mc_spi_trace_count(back, MC_CHK_REQ_WITHOUT_PHASE_EN) > 0,
               "%s: mutant caught from the file's drive words", name);
    mc_spi_trace_free(back);
    rig_close(&r);
    remove(path);
}

static int read_text(const char *text, char *err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bad.vcd", MC_TEST_TMPDIR);
    FILE *f = fopen(path, "w");
    if (!f)
        return -2;
    fputs(text, f);
    fclose(f);
    mc_spi_trace *t;
    mc_spi_trace_new(&t, err, errlen);
    int rc = mc_spi_vcd_read(path, t, err, errlen);
    mc_spi_trace_free(t);
    remove(path);
    return rc;
}

static void malformed(void)
{
    char err[256];
    tap_is_int(read_text("$timescale 1 ns $end\n#0\n", err, sizeof err), -1, "no $enddefinitions: refused (%s)", err);
    tap_is_int(read_text("$timescale 1 parsec $end\n$enddefinitions $end\n", err, sizeof err), -1,
               "unknown time unit: refused (%s)", err);
    tap_is_int(read_text("$var wire 1 ! BSY $end\n$enddefinitions $end\n#10\n1!\n#5\n0!\n", err, sizeof err), -1,
               "time going backwards: refused (%s)", err);
    tap_is_int(read_text("$var wire 1 ! BSY $end\n$enddefinitions $end\n#0\n?!\n", err, sizeof err), -1,
               "unknown token: refused (%s)", err);
    static char longline[6000];
    memset(longline, '1', sizeof longline - 2);
    longline[sizeof longline - 2] = '\n';
    char text[6200];
    snprintf(text, sizeof text, "$enddefinitions $end\n%s", longline);
    tap_is_int(read_text(text, err, sizeof err), -1, "overlong line: refused (%s)", err);
    tap_is_int(read_text("$var wire 1 ! BSY $end\n$enddefinitions $end\n#0\n$comment captured on bench 3 $end\n0!\n#5\n1!\n",
                         err, sizeof err), 0, "$comment in the body is skipped");
    tap_is_int(read_text("$timescale 10 ps $end\n$var wire 1 ! BSY $end\n$enddefinitions $end\n#0\n0!\n#100\n1!\n",
                         err, sizeof err), 0, "ps timescale accepted");
}

/* A 1 s timescale: 18446744073 s is 18446744073000000000 ns, the last whole second below 2^64 ns;
 * one more second does not fit and must be refused as such, never wrap into "time goes
 * backwards" or a bogus early time. */
static void time_overflow(void)
{
    char err[256];
    tap_is_int(read_text("$timescale 1 s $end\n$var wire 1 ! BSY $end\n$enddefinitions $end\n"
                         "#0\n0!\n#18446744073\n1!\n", err, sizeof err), 0,
               "1 s timescale: the last second below 2^64 ns is read");
    err[0] = 0;
    tap_is_int(read_text("$timescale 1 s $end\n$var wire 1 ! BSY $end\n$enddefinitions $end\n"
                         "#0\n0!\n#18446744073\n1!\n#18446744074\n0!\n", err, sizeof err), -1,
               "1 s timescale: one second past 2^64 ns is refused (%s)", err);
    tap_ok(strstr(err, "overflows") != NULL, "and the error says the time overflows, not that it goes backwards");
    err[0] = 0;
    tap_is_int(read_text("$timescale 100 s $end\n$var wire 1 ! BSY $end\n$enddefinitions $end\n"
                         "#0\n0!\n#17179869184\n1!\n", err, sizeof err), -1,
               "100 s timescale, time 2^34: refused (%s)", err);
    tap_ok(strstr(err, "overflows") != NULL, "as an overflow");
    err[0] = 0;
    tap_is_int(read_text("$timescale 1 fs $end\n$var wire 1 ! BSY $end\n$enddefinitions $end\n"
                         "#0\n0!\n#18446744073709551615\n1!\n", err, sizeof err), 0,
               "1 fs timescale: the largest 64-bit time is read (%s)", err);
    tap_is_int(read_text("$timescale 1000001 ns $end\n$enddefinitions $end\n", err, sizeof err), -1,
               "a multiplier above 1000000 is refused (%s)", err);
    tap_is_int(read_text("$timescale 1000000 ns $end\n$enddefinitions $end\n", err, sizeof err), 0,
               "a multiplier of 1000000 is read");
}

int main(void)
{
    round_trip(0, 0, "DB vector");
    round_trip(MC_VCD_DRIVE_WORDS, 0, "DB vector + drive words");
    round_trip(MC_VCD_DB_BITS, 0, "DB as single wires");
    round_trip(MC_VCD_DRIVE_WORDS, MC_MUT_PARTICIPANT_NO_PHASE, "drive words, participant_no_phase");
    malformed();
    time_overflow();
    return tap_done();
}
