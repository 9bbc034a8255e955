/* `mirrorcert serve vsan-server` and `mirrorcert serve vsan-witness`: command lines, the ready
 * line, a clean stop on SIGTERM/SIGINT. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "server.h"
#include "target_hooks.h"

#define EXIT_USAGE 2
#define EXIT_RUNTIME 1
#define DEFAULT_SIZE (64ull << 20)
#define DEFAULT_CLUSTER "mirrorcert"
#define DEFAULT_IQN "iqn.2026-11.org.mirrorcert:vsan"
#define DEFAULT_LUN 1u
#define BLOCK_SIZE 512u                 /* the LUN core's block (target_loop.c SIZE_UNIT) */
#define LOG_LEVEL_MAX 3u
#define META_SUFFIX ".meta"
#define PATH_TEXT_MAX 4096u
#define WITNESS_POLL_MAX 64u
#define FNV64_BASIS 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull
#define NAA_LOCAL 0x3ull                /* NAA 3: locally assigned (SPC-4 7.8.6.6.1) */
#define NAA_SHIFT 60u

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void usage(FILE *out, bool witness)
{
    if (witness) {
        fprintf(out, "usage: mirrorcert serve vsan-witness --id N --link ADDR:PORT --peer ID=ADDR:PORT ...\n"
                     "       [--state PATH] [--cluster NAME] [--region-size BYTES] [--lease-ms MS]\n"
                     "       [--quorum majority|off] [--log-level 0-3]\n");
        return;
    }
    fprintf(out, "usage: mirrorcert serve vsan-server --id N --store mem|PATH|file:PATH --portal ADDR:PORT\n"
                 "       --link ADDR:PORT --peer ID=ADDR:PORT ... [--witness ID=ADDR:PORT] [--size BYTES]\n"
                 "       [--cluster NAME] [--iqn IQN] [--lun N] [--region-size BYTES] [--lease-ms MS]\n"
                 "       [--quorum majority|off] [--discard-store] [--mutant NAME|list] [--log-level 0-3]\n"
                 "  A file store keeps the engine's state in PATH.meta; a memory store returns as a new server.\n"
                 "  Control lines on stdin: store fail read|write|both [OFFSET LENGTH], store heal, status.\n");
}

typedef struct opts {
    mc_vsan_node_cfg node;
    const char *store, *iqn, *mutant;
    struct sockaddr_in portal;
    bool have_portal, have_link, discard;
    uint64_t size;
    uint32_t lun;
    char meta[PATH_TEXT_MAX];
} opts;

static int add_peer(opts *o, const char *v, uint8_t role)
{
    uint32_t id;
    struct sockaddr_in a;
    if (mc_cli_id_addr(v, MC_VSAN_ID_MAX, &id, &a) != 0 || o->node.engine.roles[id] || o->node.npeers >= MC_VSAN_ID_MAX)
        return -1;
    o->node.engine.roles[id] = role;
    o->node.peers[o->node.npeers++] = (mc_vsan_peer){.id = (uint16_t)id, .addr = a};
    return 0;
}

/* Options both commands share; 1 when opt was one of them (v consumed), 0 when not, -1 bad. */
static int common_opt(opts *o, const char *opt, const char *v)
{
    mc_vsan_config *c = &o->node.engine;
    uint32_t u;
    uint64_t size;
    if (strcmp(opt, "--id") == 0)
        return mc_cli_u32(v, 1, MC_VSAN_ID_MAX, &u) == 0 ? (c->id = (uint16_t)u, 1) : -1;
    if (strcmp(opt, "--link") == 0)
        return mc_cli_ipv4_port(v, &o->node.link) == 0 ? (o->have_link = true, 1) : -1;
    if (strcmp(opt, "--peer") == 0)
        return add_peer(o, v, MC_VSAN_ROLE_SERVER) == 0 ? 1 : -1;
    if (strcmp(opt, "--witness") == 0)
        return add_peer(o, v, MC_VSAN_ROLE_WITNESS) == 0 ? 1 : -1;
    if (strcmp(opt, "--cluster") == 0) {
        if (strlen(v) == 0 || strlen(v) > MC_VSAN_CLUSTER_MAX)
            return -1;
        snprintf(c->cluster, sizeof c->cluster, "%s", v);
        return 1;
    }
    if (strcmp(opt, "--region-size") == 0)
        return mc_cli_size(v, &size) == 0 && size <= UINT32_MAX ? (c->region_size = (uint32_t)size, 1) : -1;
    if (strcmp(opt, "--lease-ms") == 0)
        return mc_cli_u32(v, MC_VSAN_MIN_LEASE_MS, MC_VSAN_MAX_LEASE_MS, &c->lease_ms) == 0 ? 1 : -1;
    if (strcmp(opt, "--quorum") == 0) {
        if (strcmp(v, "majority") && strcmp(v, "off"))
            return -1;
        c->quorum = strcmp(v, "off") == 0 ? MC_VSAN_QUORUM_OFF : MC_VSAN_QUORUM_MAJORITY;
        return 1;
    }
    if (strcmp(opt, "--log-level") == 0)
        return mc_cli_u32(v, 0, LOG_LEVEL_MAX, &u) == 0 ? (o->node.log_level = (int)u, 1) : -1;
    return 0;
}

static void defaults(opts *o, uint8_t role)
{
    memset(o, 0, sizeof *o);
    o->node.engine.role = role;
    o->node.engine.block_size = BLOCK_SIZE;
    o->node.engine.region_size = MC_VSAN_DEFAULT_REGION;
    o->node.engine.lease_ms = MC_VSAN_DEFAULT_LEASE_MS;
    snprintf(o->node.engine.cluster, sizeof o->node.engine.cluster, "%s", DEFAULT_CLUSTER);
    o->node.log_level = 1;
    o->size = DEFAULT_SIZE;
    o->lun = DEFAULT_LUN;
    o->iqn = DEFAULT_IQN;
}

static int finish_common(opts *o, bool witness)
{
    mc_vsan_config *c = &o->node.engine;
    if (!c->id || !o->have_link || !o->node.npeers) {
        fprintf(stderr, "vsan: --id, --link and at least one --peer are required\n");
        return -1;
    }
    if (c->roles[c->id]) {
        fprintf(stderr, "vsan: our own ID %u is also given as a peer\n", (unsigned)c->id);
        return -1;
    }
    c->roles[c->id] = witness ? MC_VSAN_ROLE_WITNESS : MC_VSAN_ROLE_SERVER;
    return 0;
}

/* --- the server ------------------------------------------------------------------------------ */

static uint64_t fnv64(const char *s)
{
    uint64_t h = FNV64_BASIS;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * FNV64_PRIME;
    return h;
}

static int parse_server(int argc, char **argv, opts *o)
{
    defaults(o, MC_VSAN_ROLE_SERVER);
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0) {
            usage(stdout, false);
            return 1;
        }
        if (strcmp(opt, "--discard-store") == 0) {
            o->discard = true;
            continue;
        }
        if (strcmp(opt, "--mutant") == 0 && i + 1 < argc && strcmp(argv[i + 1], "list") == 0) {
            mc_mutant_print(stdout, mc_vsan_mutants, mc_vsan_mutant_count);
            return 1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "vsan-server: %s needs a value\n", opt);
            return -1;
        }
        const char *v = argv[++i];
        int c = common_opt(o, opt, v);
        uint64_t size;
        if (c == 0) {
            if (strcmp(opt, "--store") == 0)
                o->store = v, c = 1;
            else if (strcmp(opt, "--portal") == 0)
                c = mc_cli_ipv4_port(v, &o->portal) == 0 ? (o->have_portal = true, 1) : -1;
            else if (strcmp(opt, "--size") == 0)
                c = mc_cli_size(v, &size) == 0 ? (o->size = size, 1) : -1;
            else if (strcmp(opt, "--iqn") == 0)
                o->iqn = v, c = 1;
            else if (strcmp(opt, "--lun") == 0)
                c = mc_cli_u32(v, 0, UINT16_MAX, &o->lun) == 0 ? 1 : -1;
            else if (strcmp(opt, "--mutant") == 0)
                o->mutant = v, c = 1;
        }
        if (c <= 0) {
            fprintf(stderr, "vsan-server: %s %s: %s\n", opt, v, c < 0 ? "bad value" : "unknown option");
            usage(stderr, false);
            return -1;
        }
    }
    if (!o->store || !o->have_portal) {
        fprintf(stderr, "vsan-server: --store and --portal are required\n");
        return -1;
    }
    if (finish_common(o, false) != 0)
        return -1;
    int m = mc_mutant_lookup(mc_vsan_mutants, mc_vsan_mutant_count, o->mutant);
    if (m < 0) {
        fprintf(stderr, "vsan-server: unknown mutant %s (--mutant list)\n", o->mutant);
        return -1;
    }
    o->node.engine.mutant = m;
    o->node.engine.blocks = o->size / BLOCK_SIZE;
    bool mem = strcmp(o->store, MC_STORE_SPEC_MEM) == 0;
    const char *path = strncmp(o->store, MC_STORE_SPEC_FILE, strlen(MC_STORE_SPEC_FILE)) == 0
                           ? o->store + strlen(MC_STORE_SPEC_FILE)
                           : o->store;
    if (!mem) {
        int n = snprintf(o->meta, sizeof o->meta, "%s%s", path, META_SUFFIX);
        if (n < 0 || (size_t)n >= sizeof o->meta)
            return -1;
        o->node.engine.meta_path = o->meta;
    }
    return 0;
}

int mc_vsan_server_main(int argc, char **argv)
{
    opts o;
    int p = parse_server(argc, argv, &o);
    if (p != 0)
        return p > 0 ? 0 : EXIT_USAGE;
    if (o.discard && o.node.engine.meta_path)
        unlink(o.node.engine.meta_path);  /* §8.4: this side returns as a new server */
    char err[512] = "";
    mc_store *raw = NULL;
    if (mc_store_open_spec(o.store, o.size, &raw, err, sizeof err) != 0) {
        fprintf(stderr, "vsan-server: %s\n", err);
        return EXIT_RUNTIME;
    }
    mc_store *store = mc_store_fail_wrap(raw);  /* the control lines fail and heal it */
    char serial[32], addr[INET_ADDRSTRLEN];
    uint64_t h = fnv64(o.node.engine.cluster);
    snprintf(serial, sizeof serial, "VSAN%016llx", (unsigned long long)h);
    inet_ntop(AF_INET, &o.portal.sin_addr, addr, sizeof addr);
    mc_target_config tc = {.host = addr, .port = ntohs(o.portal.sin_port), .iqn = o.iqn, .nluns = 1,
                           .mutant = o.mutant, .log_level = o.node.log_level};
    /* One device through every server (docs/vsan-link.md §9.1): the identity is the cluster's. */
    tc.luns[0] = (mc_target_lun_spec){.lun = (uint16_t)o.lun, .store = store, .product = "VSAN VOLUME",
                                      .serial = serial, .naa_id = (NAA_LOCAL << NAA_SHIFT) | (h >> 4)};
    mc_target *t = NULL;
    mc_vsan_srv *srv = NULL;
    int rc = EXIT_RUNTIME;
    if (!store || mc_target_new(&t, &tc, err, sizeof err) != 0) {
        fprintf(stderr, "vsan-server: %s\n", err[0] ? err : "out of memory");
        goto out;
    }
    mc_vsan_srv_cfg sc = {.node = o.node, .store = store, .lun = (uint16_t)o.lun, .control_fd = STDIN_FILENO};
    srv = mc_vsan_srv_attach(t, &sc, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "vsan-server: %s\n", err);
        goto out;
    }
    catch_signals();
    struct sockaddr_in link = mc_vsan_node_link(mc_vsan_srv_node(srv));
    char laddr[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &link.sin_addr, laddr, sizeof laddr);
    printf("mirrorcert vsan-server ready id=%u portal=%s:%u link=%s:%u lun=%u iqn=%s mutant=%s\n",
           (unsigned)o.node.engine.id, addr, (unsigned)mc_target_port(t), laddr, (unsigned)ntohs(link.sin_port),
           (unsigned)o.lun, o.iqn, o.mutant ? o.mutant : "none");
    fflush(stdout);
    rc = mc_target_run(t, &stop_flag, err, sizeof err) == 0 ? 0 : EXIT_RUNTIME;
    if (rc)
        fprintf(stderr, "vsan-server: %s\n", err);
out:
    mc_target_free(t);  /* frees the module, its node and engine */
    mc_store_close(store);
    return rc;
}

/* --- the witness ------------------------------------------------------------------------------- */

int mc_vsan_witness_main(int argc, char **argv)
{
    opts o;
    defaults(&o, MC_VSAN_ROLE_WITNESS);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout, true);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "vsan-witness: %s needs a value\n", argv[i]);
            return EXIT_USAGE;
        }
        const char *opt = argv[i], *v = argv[++i];
        int c = common_opt(&o, opt, v);
        if (c == 0 && strcmp(opt, "--state") == 0) {
            snprintf(o.meta, sizeof o.meta, "%s", v);
            o.node.engine.meta_path = o.meta;
            c = 1;
        }
        if (c <= 0) {
            fprintf(stderr, "vsan-witness: %s %s: %s\n", opt, v, c < 0 ? "bad value" : "unknown option");
            usage(stderr, true);
            return EXIT_USAGE;
        }
    }
    if (finish_common(&o, true) != 0)
        return EXIT_USAGE;
    char err[512];
    mc_vsan_node *n = mc_vsan_node_new(&o.node, NULL, err, sizeof err);
    if (!n) {
        fprintf(stderr, "vsan-witness: %s\n", err);
        return EXIT_RUNTIME;
    }
    catch_signals();
    struct sockaddr_in link = mc_vsan_node_link(n);
    char laddr[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &link.sin_addr, laddr, sizeof laddr);
    printf("mirrorcert vsan-witness ready id=%u link=%s:%u\n", (unsigned)o.node.engine.id, laddr,
           (unsigned)ntohs(link.sin_port));
    fflush(stdout);
    struct pollfd pf[WITNESS_POLL_MAX];
    while (!stop_flag) {
        size_t k = mc_vsan_node_fill(n, pf, WITNESS_POLL_MAX);
        uint64_t d = mc_vsan_node_next_deadline(n), now = mc_vsan_node_now();
        int timeout = d == 0 ? -1 : d <= now ? 0 : (int)(d - now);
        if (poll(pf, k, timeout) < 0 && errno != EINTR)
            break;
        mc_vsan_node_on_poll(n, pf, k);
        mc_vsan_node_tick(n);
    }
    mc_vsan_node_free(n);
    return 0;
}
