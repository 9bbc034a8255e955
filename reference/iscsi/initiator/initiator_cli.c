/* `mirrorcert initiator SUBCOMMAND [options]`: discovery, INQUIRY, READ CAPACITY, block read/write
 * and NOP ping against one target, each bounded by --timeout. */
#include "initiator_cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initiator.h"

#define CLI_DEFAULT_TIMEOUT_S 10u
#define CLI_MS_PER_S 1000u
#define CLI_INQUIRY_LEN 96u           /* standard INQUIRY data we ask for (SPC-4 6.6.2) */
#define CLI_INQ_VENDOR 8u             /* T10 VENDOR IDENTIFICATION at byte 8, 8 bytes */
#define CLI_INQ_PRODUCT 16u           /* PRODUCT IDENTIFICATION at byte 16, 16 bytes */
#define CLI_INQ_REVISION 32u          /* PRODUCT REVISION LEVEL at byte 32, 4 bytes */
#define CLI_INQ_END 36u
#define CLI_PDT_MASK 0x1fu            /* peripheral device type, byte 0 bits 4-0 */
#define CLI_HEX_PER_LINE 16u
#define CLI_MAX_BLOCKS 65536u         /* one READ/WRITE of the CLI moves at most this many blocks */

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef struct cli_opts {
    const char *sub;
    char host[256];
    uint16_t port;
    bool have_portal;
    const char *target;
    const char *initiator_name;
    uint16_t lun;
    char *chap_user, *chap_secret;
    bool digest;
    uint64_t timeout_ms;
    uint64_t lba;
    uint32_t blocks;
    bool have_lba, have_blocks;
    const char *out, *in;
} cli_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mirrorcert initiator SUBCOMMAND --portal HOST[:PORT] [options]\n"
            "  discover                      SendTargets=All on a discovery session\n"
            "  inquiry  --target IQN         standard INQUIRY of --lun\n"
            "  readcap  --target IQN         READ CAPACITY (16) of --lun\n"
            "  read     --target IQN --lba L --blocks N [--out FILE]   (hex dump without --out)\n"
            "  write    --target IQN --lba L --in FILE                 (whole blocks)\n"
            "  ping     --target IQN         NOP-Out / NOP-In round trip\n"
            "  console ...                   the multicast mirroring console (reference/iscsi/mcast)\n"
            "options: --lun N (0)  --chap USER:SECRET  --digest crc32c|none  --timeout SECONDS (%u)\n"
            "         --initiator-name IQN\n"
            "exit status: 0 done, 1 the target or the network failed, 2 usage\n",
            CLI_DEFAULT_TIMEOUT_S);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mirrorcert initiator: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    usage(stderr);
    return EXIT_USAGE;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

/* HOST, HOST:PORT, [V6] or [V6]:PORT; a bare address with several colons is IPv6 without a port. */
static bool parse_portal(const char *s, cli_opts *o)
{
    const char *port = NULL;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            return false;
        hl = (size_t)(close - s - 1);
        s++;
        if (close[1] == ':')
            port = close + 2;
        else if (close[1])
            return false;
    } else {
        const char *c = strchr(s, ':');
        if (c && strchr(c + 1, ':'))
            c = NULL;
        hl = c ? (size_t)(c - s) : strlen(s);
        port = c ? c + 1 : NULL;
    }
    if (hl == 0 || hl >= sizeof o->host)
        return false;
    memcpy(o->host, s, hl);
    o->host[hl] = '\0';
    uint64_t p = MC_ISCSI_DEFAULT_PORT;
    if (port && (!parse_u64(port, UINT16_MAX, &p) || p == 0))
        return false;
    o->port = (uint16_t)p;
    return true;
}

static int parse_args(int argc, char **argv, cli_opts *o)
{
    o->timeout_ms = (uint64_t)CLI_DEFAULT_TIMEOUT_S * CLI_MS_PER_S;
    o->sub = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (strcmp(a, "--digest") == 0 && v) {
            if (strcmp(v, "crc32c") != 0 && strcmp(v, "none") != 0)
                return usage_error("--digest takes crc32c or none, not '%s'", v);
            o->digest = strcmp(v, "crc32c") == 0;
        } else if (strcmp(a, "--portal") == 0 && v) {
            if (!parse_portal(v, o))
                return usage_error("bad portal '%s' (HOST[:PORT] or [IPV6][:PORT])", v);
            o->have_portal = true;
        } else if (strcmp(a, "--target") == 0 && v) {
            o->target = v;
        } else if (strcmp(a, "--initiator-name") == 0 && v) {
            o->initiator_name = v;
        } else if (strcmp(a, "--lun") == 0 && v) {
            if (!parse_u64(v, UINT16_MAX, &n))
                return usage_error("bad LUN '%s'", v);
            o->lun = (uint16_t)n;
        } else if (strcmp(a, "--chap") == 0 && v) {
            const char *c = strchr(v, ':');
            if (!c || c == v || !c[1])
                return usage_error("--chap takes USER:SECRET, got '%s'", v);
            free(o->chap_user);
            free(o->chap_secret);
            o->chap_user = strndup(v, (size_t)(c - v));
            o->chap_secret = strdup(c + 1);
        } else if (strcmp(a, "--timeout") == 0 && v) {
            if (!parse_u64(v, UINT32_MAX, &n) || n == 0)
                return usage_error("bad timeout '%s' (whole seconds, at least 1)", v);
            o->timeout_ms = n * CLI_MS_PER_S;
        } else if (strcmp(a, "--lba") == 0 && v) {
            if (!parse_u64(v, UINT64_MAX, &o->lba))
                return usage_error("bad LBA '%s'", v);
            o->have_lba = true;
        } else if (strcmp(a, "--blocks") == 0 && v) {
            if (!parse_u64(v, CLI_MAX_BLOCKS, &n) || n == 0)
                return usage_error("bad block count '%s'", v);
            o->blocks = (uint32_t)n;
            o->have_blocks = true;
        } else if (strcmp(a, "--out") == 0 && v) {
            o->out = v;
        } else if (strcmp(a, "--in") == 0 && v) {
            o->in = v;
        } else {
            return usage_error("unknown or incomplete option '%s'", a);
        }
        i++;
    }
    if (!o->have_portal)
        return usage_error("%s needs --portal HOST[:PORT]", o->sub);
    if (strcmp(o->sub, "discover") != 0 && !o->target)
        return usage_error("%s needs --target IQN", o->sub);
    if (strcmp(o->sub, "read") == 0 && (!o->have_lba || !o->have_blocks))
        return usage_error("%s needs --lba and --blocks", o->sub);
    if (strcmp(o->sub, "write") == 0 && (!o->have_lba || !o->in))
        return usage_error("%s needs --lba and --in FILE", o->sub);
    return EXIT_OK;
}

/* what: a prefix for messages that do not already name the operation, or NULL. */
static int fail(const char *what, const char *err)
{
    if (what)
        fprintf(stderr, "mirrorcert initiator: %s: %s\n", what, err);
    else
        fprintf(stderr, "mirrorcert initiator: %s\n", err);
    return EXIT_FAIL;
}

/* Connects and logs in; on failure prints why and returns NULL. */
static mc_ini *open_session(const cli_opts *o, bool discovery, uint64_t deadline)
{
    mc_ini_params p = {.initiator_name = o->initiator_name, .target_name = o->target, .discovery = discovery,
                       .chap_user = o->chap_user, .chap_secret = o->chap_secret, .header_digest = o->digest,
                       .data_digest = o->digest};
    mc_ini *ini = mc_ini_new(&p);
    char err[256] = "";
    if (!ini) {
        fail("initiator", "out of memory");
        return NULL;
    }
    if (mc_ini_connect(ini, o->host, o->port, deadline, err, sizeof err) != MC_INI_OK) {
        fail(NULL, err);
        mc_ini_free(ini);
        return NULL;
    }
    if (mc_ini_login(ini, deadline, err, sizeof err) != MC_INI_OK) {
        fail("login", err);
        mc_ini_free(ini);
        return NULL;
    }
    return ini;
}

static int close_session(mc_ini *ini, int status, uint64_t deadline)
{
    char err[256] = "";
    if (mc_ini_logout(ini, deadline, err, sizeof err) != MC_INI_OK && status == EXIT_OK)
        status = fail("logout", err);
    mc_ini_free(ini);
    return status;
}

static int cmd_discover(mc_ini *ini, const cli_opts *o, uint64_t deadline)
{
    char err[256] = "";
    char *resp = NULL;
    size_t len = 0;
    if (mc_ini_send_targets(ini, "All", &resp, &len, deadline, err, sizeof err) != MC_INI_OK)
        return fail("SendTargets", err);
    for (size_t off = 0; off < len;) {  /* one key=value per line */
        size_t n = strnlen(resp + off, len - off);
        if (n)
            printf("%.*s\n", (int)n, resp + off);
        off += n + 1;
    }
    free(resp);
    return EXIT_OK;
}

static void print_field(const char *label, const uint8_t *b, size_t from, size_t to)
{
    printf("%s: ", label);
    for (size_t i = from; i < to; i++)
        putchar(b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.');
    putchar('\n');
}

static int cmd_inquiry(mc_ini *ini, const cli_opts *o, uint64_t deadline)
{
    uint8_t buf[CLI_INQUIRY_LEN] = {0};
    size_t got = 0;
    char err[256] = "";
    if (mc_ini_inquiry(ini, o->lun, buf, sizeof buf, &got, deadline, err, sizeof err) != MC_INI_OK)
        return fail(NULL, err);
    if (got < CLI_INQ_END)
        return fail("INQUIRY", "short standard INQUIRY data");
    printf("Peripheral device type: 0x%02x\n", buf[0] & CLI_PDT_MASK);
    print_field("Vendor", buf, CLI_INQ_VENDOR, CLI_INQ_PRODUCT);
    print_field("Product", buf, CLI_INQ_PRODUCT, CLI_INQ_REVISION);
    print_field("Revision", buf, CLI_INQ_REVISION, CLI_INQ_END);
    return EXIT_OK;
}

static int cmd_readcap(mc_ini *ini, const cli_opts *o, uint64_t deadline)
{
    uint64_t blocks;
    uint32_t bs;
    char err[256] = "";
    if (mc_ini_read_capacity16(ini, o->lun, &blocks, &bs, deadline, err, sizeof err) != MC_INI_OK)
        return fail(NULL, err);
    printf("Blocks: %" PRIu64 "\nBlock size: %u\nTotal size: %" PRIu64 "\n", blocks, bs, blocks * bs);
    return EXIT_OK;
}

static int block_size_of(mc_ini *ini, const cli_opts *o, uint32_t *bs, uint64_t deadline)
{
    uint64_t blocks;
    char err[256] = "";
    if (mc_ini_read_capacity16(ini, o->lun, &blocks, bs, deadline, err, sizeof err) != MC_INI_OK)
        return fail(NULL, err);
    return EXIT_OK;
}

static void hexdump(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i += CLI_HEX_PER_LINE) {
        printf("%08zx ", i);
        for (size_t j = i; j < i + CLI_HEX_PER_LINE && j < n; j++)
            printf(" %02x", b[j]);
        putchar('\n');
    }
}

static int cmd_read(mc_ini *ini, const cli_opts *o, uint64_t deadline)
{
    uint32_t bs;
    if (block_size_of(ini, o, &bs, deadline) != EXIT_OK)
        return EXIT_FAIL;
    size_t len = (size_t)o->blocks * bs;
    uint8_t *buf = malloc(len);
    if (!buf)
        return fail("read", "out of memory");
    char err[256] = "";
    int status = EXIT_OK;
    if (mc_ini_read(ini, o->lun, o->lba, o->blocks, bs, buf, deadline, err, sizeof err) != MC_INI_OK) {
        status = fail(NULL, err);
    } else if (o->out) {
        FILE *f = fopen(o->out, "wb");
        if (!f || fwrite(buf, 1, len, f) != len)
            status = fail(o->out, strerror(errno));
        if (f && fclose(f) != 0 && status == EXIT_OK)
            status = fail(o->out, strerror(errno));
    } else {
        hexdump(buf, len);
    }
    free(buf);
    return status;
}

static int cmd_write(mc_ini *ini, const cli_opts *o, uint64_t deadline)
{
    uint32_t bs;
    if (block_size_of(ini, o, &bs, deadline) != EXIT_OK)
        return EXIT_FAIL;
    FILE *f = fopen(o->in, "rb");
    if (!f)
        return fail(o->in, strerror(errno));
    size_t cap = (size_t)CLI_MAX_BLOCKS * bs;
    uint8_t *buf = malloc(cap + 1);
    size_t len = buf ? fread(buf, 1, cap + 1, f) : 0;
    bool rerr = ferror(f);
    fclose(f);
    int status = EXIT_OK;
    char err[256] = "";
    if (!buf)
        status = fail("write", "out of memory");
    else if (rerr)
        status = fail(o->in, "read error");
    else if (len == 0 || len % bs || len > cap) {
        char why[128];
        snprintf(why, sizeof why, "size must be a non-zero whole number of %u-byte blocks, at most %u of them",
                 bs, CLI_MAX_BLOCKS);
        status = fail(o->in, why);
    }
    else if (mc_ini_write(ini, o->lun, o->lba, (uint32_t)(len / bs), bs, buf, deadline, err, sizeof err) != MC_INI_OK)
        status = fail(NULL, err);
    else
        printf("Wrote %zu blocks at LBA %" PRIu64 "\n", len / bs, o->lba);
    free(buf);
    return status;
}

static int cmd_ping(mc_ini *ini, const cli_opts *o, uint64_t deadline)
{
    static const char payload[] = "mirrorcert-ping";
    char err[256] = "";
    uint64_t t0 = mc_ini_now_ms();
    if (mc_ini_ping(ini, payload, sizeof payload, deadline, err, sizeof err) != MC_INI_OK)
        return fail("NOP-Out", err);
    printf("NOP-In answered in %" PRIu64 " ms\n", mc_ini_now_ms() - t0);
    return EXIT_OK;
}

typedef int (*cli_fn)(mc_ini *, const cli_opts *, uint64_t);

static const struct {
    const char *name;
    cli_fn fn;
} subcommands[] = {
    {"discover", cmd_discover}, {"inquiry", cmd_inquiry}, {"readcap", cmd_readcap},
    {"read", cmd_read},         {"write", cmd_write},     {"ping", cmd_ping},
};

int mc_initiator_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    cli_fn fn = NULL;
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            fn = subcommands[i].fn;
    if (!fn)
        return usage_error("unknown subcommand '%s'", argv[1]);
    cli_opts o = {0};
    int status = parse_args(argc, argv, &o);
    if (status == EXIT_OK) {
        uint64_t deadline = mc_ini_deadline(o.timeout_ms);
        bool discovery = fn == cmd_discover;
        mc_ini *ini = open_session(&o, discovery, deadline);
        if (!ini) {
            status = EXIT_FAIL;
        } else {
            status = fn(ini, &o, deadline);
            status = close_session(ini, status, deadline);
        }
    }
    if (o.chap_secret)
        memset(o.chap_secret, 0, strlen(o.chap_secret));
    free(o.chap_user);
    free(o.chap_secret);
    return status;
}
