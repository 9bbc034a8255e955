/* Registration, termination and counter-query keys (docs/mcast-data-path.md §4.2, §4.3, §8.1,
 * §9): the private default dialect and the spec's literal one, parsed into one mc_mreg. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcast.h"

#define MCAST_NET 0xe0000000u        /* 224.0.0.0/4 */
#define MCAST_MASK 0xf0000000u
#define LOCAL_NET 0xe0000000u        /* 224.0.0.0/24: link-local control, never a data group */
#define LOCAL_MASK 0xffffff00u
#define GSN_FIELD_MAX 0xffffffffu

/* Literal dialect keys (§4.3). */
static const char *const literal_keys[] = {"Command", "command", "multicast_group_ip", "lun_map",
                                           "virtual_lun"};

static bool is_literal_key(const char *k)
{
    for (size_t i = 0; i < sizeof(literal_keys) / sizeof(literal_keys[0]); i++)
        if (strcmp(k, literal_keys[i]) == 0)
            return true;
    return false;
}

static bool is_default_key(const char *k)
{
    return strncmp(k, MC_MK_PREFIX, strlen(MC_MK_PREFIX)) == 0;
}

bool mc_mg_parse_group(const char *s, uint32_t *group)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    uint32_t g = ntohl(a.s_addr);
    if ((g & MCAST_MASK) != MCAST_NET || (g & LOCAL_MASK) == LOCAL_NET)
        return false;
    *group = g;
    return true;
}

void mc_mg_format_group(uint32_t group, char *buf, size_t len)
{
    struct in_addr a = {.s_addr = htonl(group)};
    if (!inet_ntop(AF_INET, &a, buf, (socklen_t)len) && len)
        buf[0] = '\0';
}

/* Copies s without spaces (the literal dialect allows them around '=' and values). */
static void strip_spaces(const char *s, char *out, size_t len)
{
    size_t o = 0;
    for (; *s && o + 1 < len; s++)
        if (*s != ' ')
            out[o++] = *s;
    out[o] = '\0';
}

static bool parse_num(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return mc_text_parse_u32(s, lo, hi, out) == MC_TEXT_OK;
}

/* "1:5" or "0:5,1:5": every virtual part must equal vlun (checked by the caller). */
static bool parse_map_default(const char *s, mc_mreg *r, uint32_t *virt)
{
    r->nreal = 0;
    *virt = UINT32_MAX;
    for (size_t i = 0;; i++) {
        char item[32];
        if (!mc_text_list_item(s, i, item, sizeof(item)))
            return i > 0;
        char *colon = strchr(item, ':');
        uint32_t real, v;
        if (!colon || r->nreal == MC_MG_MAP_MAX)
            return false;
        *colon = '\0';
        if (!parse_num(item, 0, MC_MG_VLUN_MAX, &real) || !parse_num(colon + 1, 0, MC_MG_VLUN_MAX, &v))
            return false;
        if (*virt != UINT32_MAX && *virt != v)
            return false;
        *virt = v;
        r->real[r->nreal++] = (uint16_t)real;
    }
}

/* "(r1,...,rn,v)" or "(r1,...,rn),v". */
static bool parse_map_literal(const char *s, mc_mreg *r, uint32_t *virt)
{
    uint32_t nums[MC_MG_MAP_MAX + 1];
    size_t n = 0;
    if (*s != '(')
        return false;
    s++;
    bool closed = false;
    while (*s) {
        char num[16];
        size_t k = 0;
        while (isdigit((unsigned char)*s) && k + 1 < sizeof(num))
            num[k++] = *s++;
        num[k] = '\0';
        if (n == MC_MG_MAP_MAX + 1 || !parse_num(num, 0, MC_MG_VLUN_MAX, &nums[n]))
            return false;
        n++;
        if (*s == ')') {
            if (closed)
                return false;
            closed = true;
            s++;
            if (!*s)
                break;
        } else if (!*s && closed) {
            break;  /* the vLUN after the template's closing parenthesis */
        }
        if (*s != ',')
            return false;
        s++;
    }
    if (!closed || n < 2)
        return false;
    r->nreal = n - 1;
    for (size_t i = 0; i + 1 < n; i++)
        r->real[i] = (uint16_t)nums[i];
    *virt = nums[n - 1];
    return true;
}

static int fail(char *status, size_t sl, const char *what, char *bad, size_t bl, const char *key)
{
    snprintf(status, sl, "%s", what);
    snprintf(bad, bl, "%s", key ? key : "");
    return MC_MREG_FAILED;
}

static int parse_default(const mc_kvlist *req, mc_mreg *r, char *st, size_t sl, char *bad, size_t bl)
{
    const char *cmd = mc_kvlist_get(req, MC_MK_COMMAND);
    if (mc_kvlist_get(req, MC_MK_COUNTERS) && !cmd) {
        r->cmd = MC_MREG_COUNTERS;
        return MC_MREG_OK;
    }
    if (!cmd)
        return fail(st, sl, "BadParameter", bad, bl, MC_MK_COMMAND);
    if (strcmp(cmd, "register") == 0)
        r->cmd = MC_MREG_REGISTER;
    else if (strcmp(cmd, "terminate") == 0)
        r->cmd = MC_MREG_TERMINATE;
    else
        return fail(st, sl, "BadParameter", bad, bl, MC_MK_COMMAND);
    const char *v;
    if ((v = mc_kvlist_get(req, MC_MK_GROUP)) != NULL) {
        if (!mc_mg_parse_group(v, &r->group))
            return fail(st, sl, "BadAddress", bad, bl, MC_MK_GROUP);
        r->group_set = true;
    } else if (r->cmd == MC_MREG_REGISTER) {
        return fail(st, sl, "BadParameter", bad, bl, MC_MK_GROUP);
    }
    uint32_t n;
    if ((v = mc_kvlist_get(req, MC_MK_PORT)) != NULL) {
        if (!parse_num(v, 1, UINT16_MAX, &n))
            return fail(st, sl, "BadParameter", bad, bl, MC_MK_PORT);
        r->port = (uint16_t)n;
    }
    if (!(v = mc_kvlist_get(req, MC_MK_VLUN)) || !parse_num(v, 0, MC_MG_VLUN_MAX, &n))
        return fail(st, sl, "BadParameter", bad, bl, MC_MK_VLUN);
    r->vlun = (uint8_t)n;
    r->vlun_set = true;
    if (r->cmd == MC_MREG_TERMINATE)
        return MC_MREG_OK;
    uint32_t virt;
    if (!(v = mc_kvlist_get(req, MC_MK_MAP)))
        return fail(st, sl, "BadParameter", bad, bl, MC_MK_MAP);
    if (!parse_map_default(v, r, &virt) || virt != r->vlun)
        return fail(st, sl, "BadMap", bad, bl, MC_MK_MAP);
    if ((v = mc_kvlist_get(req, MC_MK_BURST)) != NULL &&
        (!parse_num(v, MC_MG_BURST_UNIT, MC_DSL_MAX, &r->burst) || r->burst % MC_MG_BURST_UNIT))
        return fail(st, sl, "BadParameter", bad, bl, MC_MK_BURST);
    if ((v = mc_kvlist_get(req, MC_MK_TASKS)) != NULL && !parse_num(v, 1, MC_MG_TASKS_MAX, &r->tasks))
        return fail(st, sl, "BadParameter", bad, bl, MC_MK_TASKS);
    if ((v = mc_kvlist_get(req, MC_MK_TIMEOUT)) != NULL &&
        !parse_num(v, MC_MG_TIMEOUT_MIN_MS, MC_MG_TIMEOUT_MAX_MS, &r->timeout_ms))
        return fail(st, sl, "BadParameter", bad, bl, MC_MK_TIMEOUT);
    if ((v = mc_kvlist_get(req, MC_MK_NEXT_GSN)) != NULL) {
        if (!parse_num(v, 0, GSN_FIELD_MAX, &r->next_gsn))
            return fail(st, sl, "BadParameter", bad, bl, MC_MK_NEXT_GSN);
        r->next_gsn_set = true;
    }
    return MC_MREG_OK;
}

static int parse_literal(const mc_kvlist *req, mc_mreg *r, char *st, size_t sl, char *bad, size_t bl)
{
    const char *cmd = mc_kvlist_get(req, "Command");
    const char *ckey = "Command";
    if (!cmd) {
        cmd = mc_kvlist_get(req, "command");
        ckey = "command";
    }
    if (!cmd)
        return fail(st, sl, "BadParameter", bad, bl, "Command");
    if (strcmp(cmd, "register") == 0)
        r->cmd = MC_MREG_REGISTER;
    else if (strcmp(cmd, "terminate") == 0)
        r->cmd = MC_MREG_TERMINATE;
    else
        return fail(st, sl, "BadParameter", bad, bl, ckey);
    const char *v;
    if ((v = mc_kvlist_get(req, "multicast_group_ip")) != NULL) {
        if (!mc_mg_parse_group(v, &r->group))
            return fail(st, sl, "BadAddress", bad, bl, "multicast_group_ip");
        r->group_set = true;
    } else if (r->cmd == MC_MREG_REGISTER) {
        return fail(st, sl, "BadParameter", bad, bl, "multicast_group_ip");
    }
    uint32_t n;
    if (r->cmd == MC_MREG_TERMINATE) {
        if (!(v = mc_kvlist_get(req, "virtual_lun")) || !parse_num(v, 0, MC_MG_VLUN_MAX, &n))
            return fail(st, sl, "BadParameter", bad, bl, "virtual_lun");
        r->vlun = (uint8_t)n;
        r->vlun_set = true;
        return MC_MREG_OK;
    }
    uint32_t virt;
    if (!(v = mc_kvlist_get(req, "lun_map")) || !parse_map_literal(v, r, &virt))
        return fail(st, sl, "BadMap", bad, bl, "lun_map");
    if ((v = mc_kvlist_get(req, "virtual_lun")) != NULL && (!parse_num(v, 0, MC_MG_VLUN_MAX, &n) || n != virt))
        return fail(st, sl, "BadMap", bad, bl, "virtual_lun");
    r->vlun = (uint8_t)virt;
    r->vlun_set = true;
    return MC_MREG_OK;
}

int mc_mreg_parse(const uint8_t *buf, size_t len, mc_mreg *r, mc_kvlist *req, char *status,
                  size_t status_len, char *bad_key, size_t bad_key_len)
{
    memset(r, 0, sizeof(*r));
    r->port = MC_MG_DEFAULT_PORT;
    status[0] = bad_key[0] = '\0';
    mc_kvlist raw;
    mc_kvlist_init(&raw);
    char err[128];
    /* Lenient: the literal dialect breaks section 6.1's character rules on purpose (§4.3). */
    if (mc_text_parse(buf, len, MC_TEXT_LENIENT, &raw, NULL, err, sizeof(err)) != MC_TEXT_OK) {
        mc_kvlist_free(&raw);
        return MC_MREG_NOT_MINE;
    }
    bool any_default = false, any_literal = false, blank_key = false;
    for (size_t i = 0; i < raw.count; i++) {
        char k[MC_TEXT_KEY_MAX + 2], v[MC_TEXT_VALUE_MAX + 1];
        strip_spaces(raw.items[i].key, k, sizeof(k));
        strip_spaces(raw.items[i].value, v, sizeof(v));
        if (!k[0]) {   /* a key of spaces only: no name to echo in the answer (an empty key is no text) */
            blank_key = true;
            continue;
        }
        any_default = any_default || is_default_key(k);
        any_literal = any_literal || is_literal_key(k);
        if (mc_kvlist_add(req, k, v) != 0) {
            mc_kvlist_free(&raw);
            return fail(status, status_len, "BadParameter", bad_key, bad_key_len, NULL);
        }
    }
    mc_kvlist_free(&raw);
    if (!any_default && !any_literal)
        return MC_MREG_NOT_MINE;
    r->dialect = req->count && is_literal_key(req->items[0].key) ? MC_DIALECT_LITERAL : MC_DIALECT_DEFAULT;
    if (blank_key)
        return fail(status, status_len, "BadParameter", bad_key, bad_key_len, NULL);
    if (any_default && any_literal)
        return fail(status, status_len, "MixedDialect", bad_key, bad_key_len, NULL);
    if (r->dialect == MC_DIALECT_DEFAULT && strcmp(req->items[0].key, MC_MK_COMMAND) != 0 &&
        strcmp(req->items[0].key, MC_MK_COUNTERS) != 0)
        return fail(status, status_len, "BadParameter", bad_key, bad_key_len, MC_MK_COMMAND);
    return r->dialect == MC_DIALECT_LITERAL
               ? parse_literal(req, r, status, status_len, bad_key, bad_key_len)
               : parse_default(req, r, status, status_len, bad_key, bad_key_len);
}

static const char *const known_default[] = {MC_MK_COMMAND, MC_MK_GROUP, MC_MK_PORT, MC_MK_VLUN,
                                            MC_MK_MAP, MC_MK_BURST, MC_MK_TASKS, MC_MK_TIMEOUT,
                                            MC_MK_NEXT_GSN, MC_MK_COUNTERS};

static bool known(const char *k)
{
    for (size_t i = 0; i < sizeof(known_default) / sizeof(known_default[0]); i++)
        if (strcmp(k, known_default[i]) == 0)
            return true;
    return false;
}

int mc_mreg_answer(const mc_mreg *r, const mc_kvlist *req, const char *status, const char *bad_key,
                   mc_textbuf *out)
{
    bool literal = r->dialect == MC_DIALECT_LITERAL;
    bool mixed = status && strcmp(status, "MixedDialect") == 0;
    for (size_t i = 0; i < req->count; i++) {
        const char *k = req->items[i].key, *v = req->items[i].value;
        if (literal && mixed && (is_literal_key(k) || is_default_key(k)))
            v = "Reject";
        else if (literal && bad_key && *bad_key && strcmp(k, bad_key) == 0)
            v = "Reject";
        else if (!literal && is_default_key(k) && !known(k))
            v = "NotUnderstood";
        else if (!is_default_key(k) && !is_literal_key(k))
            v = "NotUnderstood";
        if (mc_textbuf_add(out, k, v) != 0)
            return -1;
    }
    if (!literal && status && *status && mc_textbuf_add(out, MC_MK_STATUS, status) != 0)
        return -1;
    return 0;
}

int mc_mreg_request(const mc_mreg *r, mc_textbuf *out)
{
    char g[INET_ADDRSTRLEN], num[16], map[MC_MG_MAP_MAX * 8 + 8];
    mc_mg_format_group(r->group, g, sizeof(g));
    size_t at = 0;
    int rc = 0;
    if (r->dialect == MC_DIALECT_LITERAL) {
        if (r->cmd == MC_MREG_REGISTER) {
            at += (size_t)snprintf(map, sizeof(map), "(");
            for (size_t i = 0; i < r->nreal; i++)
                at += (size_t)snprintf(map + at, sizeof(map) - at, "%u,", (unsigned)r->real[i]);
            snprintf(map + at, sizeof(map) - at, "%u)", (unsigned)r->vlun);
            rc |= mc_textbuf_add(out, "Command", "register");
            rc |= mc_textbuf_add(out, "multicast_group_ip", g);
            rc |= mc_textbuf_add(out, "lun_map", map);
        } else {
            snprintf(num, sizeof(num), "%u", (unsigned)r->vlun);
            rc |= mc_textbuf_add(out, "command", "terminate");
            rc |= mc_textbuf_add(out, "virtual_lun", num);
            rc |= mc_textbuf_add(out, "multicast_group_ip", g);
        }
        return rc ? -1 : 0;
    }
    if (r->cmd == MC_MREG_COUNTERS)
        return mc_textbuf_add(out, MC_MK_COUNTERS, "Query");
    rc |= mc_textbuf_add(out, MC_MK_COMMAND, r->cmd == MC_MREG_REGISTER ? "register" : "terminate");
    rc |= mc_textbuf_add(out, MC_MK_GROUP, g);
    snprintf(num, sizeof(num), "%u", (unsigned)r->port);
    if (r->port != MC_MG_DEFAULT_PORT)
        rc |= mc_textbuf_add(out, MC_MK_PORT, num);
    snprintf(num, sizeof(num), "%u", (unsigned)r->vlun);
    rc |= mc_textbuf_add(out, MC_MK_VLUN, num);
    if (r->cmd == MC_MREG_TERMINATE)
        return rc ? -1 : 0;
    map[0] = '\0';
    for (size_t i = 0; i < r->nreal; i++)
        at += (size_t)snprintf(map + at, sizeof(map) - at, "%s%u:%u", i ? "," : "", (unsigned)r->real[i],
                               (unsigned)r->vlun);
    rc |= mc_textbuf_add(out, MC_MK_MAP, map);
    snprintf(num, sizeof(num), "%u", (unsigned)r->burst);
    rc |= mc_textbuf_add(out, MC_MK_BURST, num);
    snprintf(num, sizeof(num), "%u", (unsigned)r->tasks);
    rc |= mc_textbuf_add(out, MC_MK_TASKS, num);
    snprintf(num, sizeof(num), "%u", (unsigned)r->timeout_ms);
    rc |= mc_textbuf_add(out, MC_MK_TIMEOUT, num);
    snprintf(num, sizeof(num), "%u", (unsigned)r->next_gsn);
    rc |= mc_textbuf_add(out, MC_MK_NEXT_GSN, num);
    return rc ? -1 : 0;
}
