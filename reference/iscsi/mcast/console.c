/* `mirrorcert initiator console`: the mirroring initiator driven line by line by a person or an
 * Expect script. Prompt "mc> "; every command answers exactly one line, "ok ..." or "error ...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mirror_int.h"

#define LINE_MAX_LEN 8192u
#define ARGS_MAX 16u
#define RES_LEN 2048u
#define WRITE_MAX_BLOCKS 16384u       /* 8 MiB per console write */
#define PROMPT "mc> "

static const char *const help_text =
    "target add NAME HOST:PORT IQN | login | logout | register GROUP VLUN LUNMAP [--dialect literal]"
    " [--port P] | write VLUN LBA HEX|--file F|--random N SEED | read NAME LUN LBA N |"
    " terminate GROUP VLUN | counters NAME | status | recovery fig5|fig6|fig7 | loss P SEED |"
    " timeout DATA_MS [CMD_MS] | quit  (LUNMAP: NAME:LUN[+LUN..],... or one LUN for every target)";

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x2545f4914f6cdd1dull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end)
        return false;
    *out = v;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The write payload, padded with zeros to whole blocks. */
static uint8_t *payload(char **a, size_t n, uint32_t *blocks, char *res, size_t rl)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (n >= 2 && strcmp(a[0], "--random") == 0) {
        uint64_t nb, seed;
        if (n != 3 || !parse_u64(a[1], &nb) || !parse_u64(a[2], &seed) || nb == 0 || nb > WRITE_MAX_BLOCKS) {
            mm_fail(res, rl, "write --random N SEED with 1..%u blocks", WRITE_MAX_BLOCKS);
            return NULL;
        }
        len = nb * MC_MIRROR_BLOCK;
        buf = malloc(len);
        for (size_t i = 0; buf && i < len; i += 8) {
            uint64_t v = xorshift(&seed);
            memcpy(buf + i, &v, 8);
        }
    } else if (n == 2 && strcmp(a[0], "--file") == 0) {
        FILE *f = fopen(a[1], "rb");
        if (!f) {
            mm_fail(res, rl, "write: cannot open %s", a[1]);
            return NULL;
        }
        size_t cap = (size_t)WRITE_MAX_BLOCKS * MC_MIRROR_BLOCK;
        buf = calloc(1, cap);
        len = buf ? fread(buf, 1, cap, f) : 0;
        fclose(f);
        if (buf && len == 0) {
            free(buf);
            mm_fail(res, rl, "write: %s is empty", a[1]);
            return NULL;
        }
    } else if (n == 1) {
        size_t hl = strlen(a[0]);
        if (hl == 0 || hl % 2 || hl / 2 > (size_t)WRITE_MAX_BLOCKS * MC_MIRROR_BLOCK) {
            mm_fail(res, rl, "write: HEX needs an even number of digits");
            return NULL;
        }
        len = hl / 2;
        buf = calloc(1, len + MC_MIRROR_BLOCK);
        for (size_t i = 0; buf && i < len; i++) {
            int hi = hexval(a[0][2 * i]), lo = hexval(a[0][2 * i + 1]);
            if (hi < 0 || lo < 0) {
                free(buf);
                mm_fail(res, rl, "write: not a hex string");
                return NULL;
            }
            buf[i] = (uint8_t)(hi << 4 | lo);
        }
    } else {
        mm_fail(res, rl, "write VLUN LBA HEX|--file F|--random N SEED");
        return NULL;
    }
    if (!buf) {
        mm_fail(res, rl, "write: out of memory");
        return NULL;
    }
    *blocks = (uint32_t)((len + MC_MIRROR_BLOCK - 1) / MC_MIRROR_BLOCK);
    return buf;
}

/* "t1:1,t2:1+2" or "1" (that LUN on every logged-in target). */
static int parse_map(mc_mirror *m, const char *s, mc_mirror_member *mem, size_t *n)
{
    *n = 0;
    uint64_t one;
    if (parse_u64(s, &one)) {
        for (size_t i = 0; i < m->ntg; i++) {
            if (!m->tg[i].up || one > MC_MG_VLUN_MAX)
                continue;
            snprintf(mem[*n].name, sizeof(mem[*n].name), "%s", m->tg[i].name);
            mem[*n].real[0] = (uint16_t)one;
            mem[(*n)++].nreal = 1;
        }
        return *n ? 0 : -1;
    }
    char copy[LINE_MAX_LEN];
    snprintf(copy, sizeof(copy), "%s", s);
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        if (!colon || *n == MC_MIRROR_TARGETS_MAX)
            return -1;
        *colon = '\0';
        mc_mirror_member *e = &mem[(*n)++];
        memset(e, 0, sizeof(*e));
        snprintf(e->name, sizeof(e->name), "%s", item);
        for (char *s2 = NULL, *l = strtok_r(colon + 1, "+", &s2); l; l = strtok_r(NULL, "+", &s2)) {
            uint64_t v;
            if (!parse_u64(l, &v) || v > MC_MG_VLUN_MAX || e->nreal == MC_MG_MAP_MAX)
                return -1;
            e->real[e->nreal++] = (uint16_t)v;
        }
        if (e->nreal == 0)
            return -1;
    }
    return *n ? 0 : -1;
}

static int cmd_register(mc_mirror *m, char **a, size_t n, char *res, size_t rl)
{
    uint64_t vlun, port = MC_MG_DEFAULT_PORT;
    int dialect = MC_DIALECT_DEFAULT;
    if (n < 3 || !parse_u64(a[1], &vlun) || vlun > MC_MG_VLUN_MAX)
        return mm_fail(res, rl, "register GROUP VLUN LUNMAP [--dialect literal] [--port P]");
    for (size_t i = 3; i < n; i++) {
        if (strcmp(a[i], "--dialect") == 0 && i + 1 < n) {
            dialect = strcmp(a[++i], "literal") == 0 ? MC_DIALECT_LITERAL : MC_DIALECT_DEFAULT;
        } else if (strcmp(a[i], "--port") == 0 && i + 1 < n && parse_u64(a[i + 1], &port) && port &&
                   port <= UINT16_MAX) {
            i++;
        } else {
            return mm_fail(res, rl, "register: unknown option %s", a[i]);
        }
    }
    mc_mirror_member mem[MC_MIRROR_TARGETS_MAX];
    size_t nm;
    if (parse_map(m, a[2], mem, &nm) != 0)
        return mm_fail(res, rl, "register: bad LUNMAP %s", a[2]);
    return mc_mirror_register(m, a[0], (uint16_t)port, (uint8_t)vlun, mem, nm, dialect, res, rl);
}

static int cmd_write(mc_mirror *m, char **a, size_t n, char *res, size_t rl)
{
    uint64_t vlun, lba;
    uint32_t blocks = 0;
    if (n < 3 || !parse_u64(a[0], &vlun) || vlun > MC_MG_VLUN_MAX || !parse_u64(a[1], &lba))
        return mm_fail(res, rl, "write VLUN LBA HEX|--file F|--random N SEED");
    uint8_t *buf = payload(a + 2, n - 2, &blocks, res, rl);
    if (!buf)
        return -1;
    int rc = mc_mirror_write(m, (uint8_t)vlun, lba, blocks, buf, res, rl);
    free(buf);
    return rc;
}

static int cmd_read(mc_mirror *m, char **a, size_t n, char *res, size_t rl)
{
    uint64_t lun, lba, nb;
    if (n != 4 || !parse_u64(a[1], &lun) || !parse_u64(a[2], &lba) || !parse_u64(a[3], &nb) || nb == 0 ||
        nb > WRITE_MAX_BLOCKS || lun > MC_MG_VLUN_MAX)
        return mm_fail(res, rl, "read NAME LUN LBA N (N 1..%u)", WRITE_MAX_BLOCKS);
    uint8_t *buf = malloc(nb * MC_MIRROR_BLOCK);
    if (!buf)
        return mm_fail(res, rl, "read: out of memory");
    int rc = mc_mirror_read(m, a[0], (uint16_t)lun, lba, (uint32_t)nb, buf, res, rl);
    free(buf);
    return rc;
}

static int dispatch(mc_mirror *m, char **a, size_t n, char *res, size_t rl, bool *quit)
{
    const char *c = a[0];
    uint64_t v1, v2;
    if (strcmp(c, "quit") == 0 || strcmp(c, "exit") == 0) {
        *quit = true;
        snprintf(res, rl, "bye");
        return 0;
    }
    if (strcmp(c, "help") == 0) {
        snprintf(res, rl, "%s", help_text);
        return 0;
    }
    if (strcmp(c, "target") == 0 && n == 5 && strcmp(a[1], "add") == 0) {
        char host[64];
        const char *colon = strrchr(a[3], ':');
        uint16_t port = MC_ISCSI_DEFAULT_PORT;
        size_t hl = colon ? (size_t)(colon - a[3]) : strlen(a[3]);
        if (colon && (!parse_u64(colon + 1, &v1) || v1 == 0 || v1 > UINT16_MAX))
            return mm_fail(res, rl, "target add: bad portal %s", a[3]);
        if (colon)
            port = (uint16_t)v1;
        if (hl == 0 || hl >= sizeof(host))
            return mm_fail(res, rl, "target add: bad portal %s", a[3]);
        memcpy(host, a[3], hl);
        host[hl] = '\0';
        return mc_mirror_target_add(m, a[2], host, port, a[4], res, rl);
    }
    if (strcmp(c, "login") == 0 && n == 1)
        return mc_mirror_login(m, res, rl);
    if (strcmp(c, "logout") == 0 && n == 1)
        return mc_mirror_logout(m, res, rl);
    if (strcmp(c, "register") == 0)
        return cmd_register(m, a + 1, n - 1, res, rl);
    if (strcmp(c, "write") == 0)
        return cmd_write(m, a + 1, n - 1, res, rl);
    if (strcmp(c, "read") == 0)
        return cmd_read(m, a + 1, n - 1, res, rl);
    if (strcmp(c, "terminate") == 0 && n == 3 && parse_u64(a[2], &v1) && v1 <= MC_MG_VLUN_MAX)
        return mc_mirror_terminate(m, a[1], (uint8_t)v1, res, rl);
    if (strcmp(c, "counters") == 0 && n == 2)
        return mc_mirror_counters(m, a[1], res, rl);
    if (strcmp(c, "status") == 0 && n == 1)
        return mc_mirror_status(m, res, rl);
    if (strcmp(c, "recovery") == 0 && n == 2) {
        int fig = strcmp(a[1], "fig5") == 0 ? MC_RECOVERY_FIG5 : strcmp(a[1], "fig6") == 0 ? MC_RECOVERY_FIG6
                  : strcmp(a[1], "fig7") == 0 ? MC_RECOVERY_FIG7 : 0;
        if (!fig)
            return mm_fail(res, rl, "recovery fig5|fig6|fig7");
        bool any_up = false;
        for (size_t i = 0; i < m->ntg; i++)
            any_up = any_up || m->tg[i].up;
        mc_mirror_set_recovery(m, fig);
        /* Figure 7 needs ErrorRecoveryLevel 1, which is fixed at login */
        snprintf(res, rl, "recovery %s%s", a[1], any_up ? " (ErrorRecoveryLevel applies at the next login)" : "");
        return 0;
    }
    if (strcmp(c, "loss") == 0 && n == 3 && parse_u64(a[2], &v1)) {
        char *end;
        double p = strtod(a[1], &end);
        if (*end || p < 0 || p > 0.3)
            return mm_fail(res, rl, "loss P SEED (0 <= P <= 0.3)");
        mc_mirror_set_loss(m, p, v1);
        snprintf(res, rl, "loss %.3f seed=%llu", p, (unsigned long long)v1);
        return 0;
    }
    if (strcmp(c, "timeout") == 0 && (n == 2 || n == 3) && parse_u64(a[1], &v1) &&
        v1 >= MC_MG_TIMEOUT_MIN_MS && v1 <= MC_MG_TIMEOUT_MAX_MS) {
        v2 = 0;
        if (n == 3 && !parse_u64(a[2], &v2))
            return mm_fail(res, rl, "timeout DATA_MS [CMD_MS]");
        mc_mirror_set_timeouts(m, (uint32_t)v1, (uint32_t)v2);
        snprintf(res, rl, "timeout data=%llu cmd=%llu", (unsigned long long)v1, (unsigned long long)v2);
        return 0;
    }
    return mm_fail(res, rl, "unknown command or arguments: %s (try help)", c);
}

int mc_mcast_console_run(mc_mirror *m, FILE *in, FILE *out)
{
    char *line = malloc(LINE_MAX_LEN);
    char res[RES_LEN];
    if (!line)
        return 1;
    bool quit = false;
    while (!quit) {
        fputs(PROMPT, out);
        fflush(out);
        if (!fgets(line, (int)LINE_MAX_LEN, in))
            break;
        char *a[ARGS_MAX];
        size_t n = 0;
        for (char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save); tok && n < ARGS_MAX;
             tok = strtok_r(NULL, " \t\r\n", &save))
            a[n++] = tok;
        if (n == 0 || a[0][0] == '#')
            continue;
        res[0] = '\0';
        int rc = dispatch(m, a, n, res, sizeof(res), &quit);
        fprintf(out, "%s %s\n", rc == 0 ? "ok" : "error", res);
        fflush(out);
    }
    free(line);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: mirrorcert initiator console [--mtu N] [--recovery fig5|fig6|fig7]\n"
                    "       [--data-timeout MS] [--cmd-timeout MS] [--retries N] [--burst BYTES]\n"
                    "       [--mcast-if ADDR] [--ttl N] [--name IQN] [--mutant NAME|list]\n");
    return 2;
}

int mc_mcast_console_main(int argc, char **argv)
{
    mc_mirror_opts o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0)
            return usage();
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        uint64_t n = 0;
        bool num = parse_u64(v, &n) && n <= UINT32_MAX;
        if (strcmp(a, "--mutant") == 0) {
            if (strcmp(v, "list") == 0) {
                mc_mutant_print(stdout, mc_mirror_mutants, mc_mirror_nmutants);
                return 0;
            }
            o.mutant = mc_mutant_lookup(mc_mirror_mutants, mc_mirror_nmutants, v);
            if (o.mutant < 0) {
                fprintf(stderr, "console: unknown mutant %s (--mutant list)\n", v);
                return 2;
            }
        } else if (strcmp(a, "--mtu") == 0 && num && n >= 576) {
            o.mtu = (uint32_t)n;
        } else if (strcmp(a, "--recovery") == 0) {
            o.recovery = strcmp(v, "fig6") == 0 ? MC_RECOVERY_FIG6 : strcmp(v, "fig7") == 0 ? MC_RECOVERY_FIG7
                                                                                         : MC_RECOVERY_FIG5;
        } else if (strcmp(a, "--data-timeout") == 0 && num && n >= MC_MG_TIMEOUT_MIN_MS && n <= MC_MG_TIMEOUT_MAX_MS) {
            o.data_timeout_ms = (uint32_t)n;
        } else if (strcmp(a, "--cmd-timeout") == 0 && num) {
            o.cmd_timeout_ms = (uint32_t)n;
        } else if (strcmp(a, "--retries") == 0 && num && n > 0 && n < 100) {
            o.retries = (unsigned)n;
        } else if (strcmp(a, "--burst") == 0 && num && n >= MC_MG_BURST_UNIT && n % MC_MG_BURST_UNIT == 0) {
            o.burst = (uint32_t)n;
        } else if (strcmp(a, "--mcast-if") == 0) {
            o.mcast_if = v;
        } else if (strcmp(a, "--ttl") == 0 && num && n > 0 && n < 256) {
            o.ttl = (uint8_t)n;
        } else if (strcmp(a, "--name") == 0) {
            o.initiator_name = v;
        } else {
            return usage();
        }
    }
    mc_mirror *m = mc_mirror_new(&o);
    if (!m) {
        fprintf(stderr, "console: out of memory\n");
        return 1;
    }
    int rc = mc_mcast_console_run(m, stdin, stdout);
    mc_mirror_free(m);
    return rc;
}
