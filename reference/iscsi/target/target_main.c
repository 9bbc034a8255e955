/* `mirrorcert serve iscsi-target`: the command line, the ready line, and a clean stop on
 * SIGTERM/SIGINT. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"
#include "target_hooks.h"
#include "target_mutant.h"

#define EXIT_USAGE 2
#define LOG_LEVEL_MAX 2
#define NOP_INTERVAL_MAX_S 3600u
#define MS_PER_S 1000u

/* The only process-wide state: set by the signal handler, read by the loop. */
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mirrorcert serve iscsi-target --portal HOST:PORT --iqn IQN --lun N=STORE\n"
            "       [--lun N=STORE ...] [--size BYTES[K|M|G]] [--chap USER:SECRET]\n"
            "       STORE: mem, PATH or file:PATH (file:mem for a file named mem), of --size bytes\n"
            "       [--chap-mutual NAME:SECRET]   the target's own credentials for mutual CHAP\n"
            "       [--mutant NAME|list] [--log-level 0-2|error|info|debug]\n"
            "       [--nop-interval SECONDS]   ping idle initiators, drop silent ones (0 = off)\n");
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    else if (*end != '\0')
        return -1;
    if (shift && end[1] != '\0')
        return -1;
    if (v == 0 || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int parse_portal(char *s, mc_target_config *cfg)
{
    char *colon = strrchr(s, ':');
    if (!colon)
        return -1;
    *colon = '\0';
    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port > UINT16_MAX)
        return -1;
    cfg->host = s;
    cfg->port = (uint16_t)port;
    return 0;
}

static int parse_lun(char *s, mc_target_config *cfg)
{
    char *eq = strchr(s, '=');
    if (!eq || cfg->nluns == MC_TARGET_MAX_LUNS)
        return -1;
    *eq = '\0';
    char *end;
    errno = 0;
    unsigned long n = strtoul(s, &end, 10);
    if (errno || *end || end == s || n > UINT16_MAX || !eq[1])
        return -1;
    cfg->luns[cfg->nluns].lun = (uint16_t)n;
    cfg->luns[cfg->nluns].path = eq + 1;  /* a store spec, opened by mc_target_new */
    cfg->nluns++;
    return 0;
}

static int parse_level(const char *s)
{
    if (strcmp(s, "error") == 0)
        return 0;
    if (strcmp(s, "info") == 0)
        return 1;
    if (strcmp(s, "debug") == 0)
        return LOG_LEVEL_MAX;
    if (s[0] >= '0' && s[0] <= '0' + LOG_LEVEL_MAX && s[1] == '\0')
        return s[0] - '0';
    return -1;
}

/* Parses argv into cfg; the strings stay in the copies kept in *scratch. Returns 0, 1 when
 * everything was already done (--mutant list, --help), or -1 on a usage error. */
static int parse_args(int argc, char **argv, mc_target_config *cfg, char **scratch, const mc_target_module *mods,
                      size_t nmods)
{
    char *portal = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "iscsi-target: %s needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--portal") == 0) {
            free(portal);
            portal = strdup(v);
            if (!portal || parse_portal(portal, cfg) != 0) {
                fprintf(stderr, "iscsi-target: bad portal %s (HOST:PORT)\n", v);
                free(portal);
                return -1;
            }
        } else if (strcmp(a, "--iqn") == 0) {
            cfg->iqn = v;
        } else if (strcmp(a, "--lun") == 0) {
            if (cfg->nluns == MC_TARGET_MAX_LUNS) {
                fprintf(stderr, "iscsi-target: at most %u LUNs\n", MC_TARGET_MAX_LUNS);
                free(portal);
                return -1;
            }
            char *copy = strdup(v);
            scratch[1 + cfg->nluns] = copy;
            if (!copy || parse_lun(copy, cfg) != 0) {
                fprintf(stderr, "iscsi-target: bad --lun %s (N=mem, N=PATH or N=file:PATH)\n", v);
                free(portal);
                return -1;
            }
        } else if (strcmp(a, "--size") == 0) {
            if (parse_size(v, &cfg->lun_size) != 0) {
                fprintf(stderr, "iscsi-target: bad --size %s\n", v);
                free(portal);
                return -1;
            }
        } else if (strcmp(a, "--chap") == 0) {
            char *copy = strdup(v);
            free(scratch[1 + MC_TARGET_MAX_LUNS]);
            scratch[1 + MC_TARGET_MAX_LUNS] = copy;
            char *colon = copy ? strchr(copy, ':') : NULL;
            if (!colon || colon == copy || !colon[1]) {
                fprintf(stderr, "iscsi-target: bad --chap (USER:SECRET)\n");
                free(portal);
                return -1;
            }
            *colon = '\0';
            cfg->chap_user = copy;
            cfg->chap_secret = colon + 1;
        } else if (strcmp(a, "--chap-mutual") == 0) {
            char *copy = strdup(v);
            free(scratch[2 + MC_TARGET_MAX_LUNS]);
            scratch[2 + MC_TARGET_MAX_LUNS] = copy;
            char *colon = copy ? strchr(copy, ':') : NULL;
            if (!colon || colon == copy || !colon[1]) {
                fprintf(stderr, "iscsi-target: bad --chap-mutual (NAME:SECRET)\n");
                free(portal);
                return -1;
            }
            *colon = '\0';
            cfg->chap_mutual_user = copy;
            cfg->chap_mutual_secret = colon + 1;
        } else if (strcmp(a, "--mutant") == 0) {
            if (strcmp(v, "list") == 0) {
                mc_target_mutants_print(stdout, mods, nmods);
                free(portal);
                return 1;
            }
            cfg->mutant = v;
            if (!mc_target_mutant_known(v, mods, nmods)) {
                fprintf(stderr, "iscsi-target: unknown mutant %s (--mutant list)\n", v);
                free(portal);
                return -1;
            }
        } else if (strcmp(a, "--nop-interval") == 0) {
            char *end;
            errno = 0;
            unsigned long s = strtoul(v, &end, 10);
            if (errno || *end || end == v || s > NOP_INTERVAL_MAX_S) {
                fprintf(stderr, "iscsi-target: bad --nop-interval %s (seconds, 0 = off)\n", v);
                free(portal);
                return -1;
            }
            cfg->nop_interval_ms = (unsigned)(s * MS_PER_S);
        } else if (strcmp(a, "--log-level") == 0) {
            cfg->log_level = parse_level(v);
            if (cfg->log_level < 0) {
                fprintf(stderr, "iscsi-target: bad --log-level %s\n", v);
                free(portal);
                return -1;
            }
        } else {
            fprintf(stderr, "iscsi-target: unknown option %s\n", a);
            free(portal);
            return -1;
        }
    }
    scratch[0] = portal;
    if (!portal || !cfg->iqn || cfg->nluns == 0) {
        fprintf(stderr, "iscsi-target: --portal, --iqn and at least one --lun are required\n");
        return -1;
    }
    return 0;
}

void mc_target_mutants_print(FILE *out, const mc_target_module *mods, size_t nmods)
{
    mc_mutant_print(out, mc_target_mutants, mc_target_nmutants);
    for (size_t i = 0; i < nmods; i++)
        mc_mutant_print(out, mods[i].hooks->mutants, mods[i].hooks->nmutants);
}

bool mc_target_mutant_known(const char *name, const mc_target_module *mods, size_t nmods)
{
    if (mc_mutant_lookup(mc_target_mutants, mc_target_nmutants, name) >= 0)
        return true;
    for (size_t i = 0; i < nmods; i++)
        if (mc_mutant_lookup(mods[i].hooks->mutants, mods[i].hooks->nmutants, name) > 0)
            return true;
    return false;
}

/* A target with every module attached, or NULL with the reason in err. */
static mc_target *start(const mc_target_config *cfg, const mc_target_module *mods, size_t nmods, char *err,
                        size_t errlen)
{
    mc_target *t = NULL;
    if (mc_target_new(&t, cfg, err, errlen) != 0)
        return NULL;
    for (size_t i = 0; i < nmods; i++)
        if (mods[i].attach(t, err, errlen) != 0) {
            mc_target_free(t);
            return NULL;
        }
    return t;
}

int mc_target_main(int argc, char **argv, const mc_target_module *mods, size_t nmods)
{
    mc_target_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    char *scratch[MC_TARGET_MAX_LUNS + 3] = {0};
    int pr = parse_args(argc, argv, &cfg, scratch, mods, nmods);
    int status = pr < 0 ? EXIT_USAGE : 0;
    if (pr < 0)
        usage(stderr);
    if (pr == 0) {
        char err[256];
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        mc_target *t = start(&cfg, mods, nmods, err, sizeof(err));
        if (!t) {
            fprintf(stderr, "iscsi-target: %s\n", err);
            status = 1;
        } else {
            printf("mirrorcert iscsi-target ready portal=%s:%u iqn=%s luns=%zu mutant=%s\n", cfg.host,
                   (unsigned)mc_target_port(t), cfg.iqn, cfg.nluns, cfg.mutant && cfg.mutant[0] ? cfg.mutant : "none");
            fflush(stdout);
            if (mc_target_run(t, &stop_flag, err, sizeof(err)) != 0) {
                fprintf(stderr, "iscsi-target: %s\n", err);
                status = 1;
            }
            mc_target_free(t);
        }
    }
    for (size_t i = 0; i < MC_TARGET_MAX_LUNS + 3; i++)
        free(scratch[i]);
    return status;
}
