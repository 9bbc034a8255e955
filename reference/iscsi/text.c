/* Key=value text (RFC 7143 sections 5.1, 6.1): parsing with bounds and character checks, value
 * forms, binary encodings, serialisation, and the multi-PDU accumulator. */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "keys.h"

static const char *const text_messages[MC_TEXT_E_COUNT] = {
    [MC_TEXT_OK] = "ok",
    [MC_TEXT_E_NOMEM] = "out of memory",
    [MC_TEXT_E_EMPTY_KEY] = "empty key name",
    [MC_TEXT_E_KEY_TOO_LONG] = "key name longer than 63 bytes (6.1)",
    [MC_TEXT_E_VALUE_TOO_LONG] = "value longer than the key allows (6.1)",
    [MC_TEXT_E_BAD_KEY_CHAR] = "illegal character in key name (6.1)",
    [MC_TEXT_E_BAD_VALUE_CHAR] = "illegal character in value (6.1)",
    [MC_TEXT_E_NO_EQUALS] = "key=value pair without '=' (6.1)",
    [MC_TEXT_E_DUPLICATE] = "key repeated in one list (6.2)",
    [MC_TEXT_E_UNTERMINATED] = "key=value list not terminated by NUL (6.1)",
    [MC_TEXT_E_TOO_LARGE] = "key=value list larger than the exchange limit",
    [MC_TEXT_E_BAD_NUMBER] = "malformed or out-of-range numerical value (6.1)",
    [MC_TEXT_E_BAD_BOOLEAN] = "boolean value is neither Yes nor No (6.1)",
    [MC_TEXT_E_BAD_BINARY] = "malformed 0x/0b binary value (6.1)",
    [MC_TEXT_E_PROTOCOL] = "text continuation rules broken (11.10.2)",
};

const char *mc_text_strerror(int code)
{
    if (code < 0)
        code = -code;
    if (code >= MC_TEXT_E_COUNT)
        return "unknown text error";
    return text_messages[code];
}

/* ---- lists ---- */

void mc_kvlist_init(mc_kvlist *l)
{
    l->items = NULL;
    l->count = 0;
    l->cap = 0;
}

void mc_kvlist_free(mc_kvlist *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    free(l->items);
    mc_kvlist_init(l);
}

int mc_kvlist_add(mc_kvlist *l, const char *key, const char *value)
{
    if (l->count == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        mc_kv *n = realloc(l->items, ncap * sizeof(*n));
        if (!n)
            return -1;
        l->items = n;
        l->cap = ncap;
    }
    char *k = strdup(key);
    char *v = strdup(value ? value : "");
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    l->items[l->count].key = k;
    l->items[l->count].value = v;
    l->count++;
    return 0;
}

long mc_kvlist_find(const mc_kvlist *l, const char *key)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return (long)i;
    return -1;
}

int mc_kvlist_set(mc_kvlist *l, const char *key, const char *value)
{
    long i = mc_kvlist_find(l, key);
    if (i < 0)
        return mc_kvlist_add(l, key, value);
    char *v = strdup(value ? value : "");
    if (!v)
        return -1;
    free(l->items[i].value);
    l->items[i].value = v;
    return 0;
}

int mc_kvlist_add_u32(mc_kvlist *l, const char *key, uint32_t value)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "%u", value);
    return mc_kvlist_add(l, key, buf);
}

const char *mc_kvlist_get(const mc_kvlist *l, const char *key)
{
    long i = mc_kvlist_find(l, key);
    return i < 0 ? NULL : l->items[i].value;
}

bool mc_kvlist_remove(mc_kvlist *l, const char *key)
{
    long i = mc_kvlist_find(l, key);
    if (i < 0)
        return false;
    free(l->items[i].key);
    free(l->items[i].value);
    memmove(&l->items[i], &l->items[i + 1], (l->count - (size_t)i - 1) * sizeof(mc_kv));
    l->count--;
    return true;
}

/* ---- character classes (6.1) ---- */

static bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* key-name: letters, digits, '.', '-', '+', '@', '_'. */
static bool key_char(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == '.' || c == '-' || c == '+' || c == '@' || c == '_';
}

/* standard-string: letters, digits, '.', '-', '+', '@', '_', '/', '[', ']', ':'. */
static bool value_char(unsigned char c)
{
    return key_char(c) || c == '/' || c == '[' || c == ']' || c == ':';
}

int mc_text_check_key(const char *key)
{
    size_t n = strlen(key);
    if (n == 0)
        return MC_TEXT_E_EMPTY_KEY;
    if (n > MC_TEXT_KEY_MAX)
        return MC_TEXT_E_KEY_TOO_LONG;
    /* No capital-letter rule: the standard key iSCSIProtocolLevel (13.24) starts in lower case.
     * Public extension keys are spelled "X#..." (13.22), the one place '#' may appear. */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        if (i == 1 && key[0] == 'X' && c == '#')
            continue;
        if (!key_char(c))
            return MC_TEXT_E_BAD_KEY_CHAR;
    }
    return MC_TEXT_OK;
}

static bool has_prefix_ci(const char *s, char a, char b)
{
    return s[0] == '0' && (s[1] == a || s[1] == b);
}

int mc_text_check_value(const char *value)
{
    bool b64 = has_prefix_ci(value, 'b', 'B');
    bool pad_seen = false;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (b64 && *p == '=') {   /* base64 padding, only at the end of a 0b value */
            pad_seen = true;
            continue;
        }
        if (pad_seen && b64)
            return MC_TEXT_E_BAD_VALUE_CHAR;
        if (*p == ',')            /* list separator */
            continue;
        if (!value_char(*p))
            return MC_TEXT_E_BAD_VALUE_CHAR;
    }
    return MC_TEXT_OK;
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return s[n] == '\0';
}

static bool prefix_ci(const char *s, const char *p)
{
    for (; *p; s++, p++)
        if ((*s | 0x20) != *p)
            return false;
    return true;
}

int mc_text_check_iscsi_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > MC_ISCSI_NAME_MAX)
        return MC_TEXT_E_BAD_VALUE_CHAR;
    if (prefix_ci(name, "eui."))   /* EUI-64: 16 hex digits (4.2.7.5) */
        return all_hex(name + 4, 16) ? MC_TEXT_OK : MC_TEXT_E_BAD_VALUE_CHAR;
    if (prefix_ci(name, "naa."))   /* NAA: 64- or 128-bit identifier in hex (4.2.7.6) */
        return (all_hex(name + 4, 16) || all_hex(name + 4, 32)) ? MC_TEXT_OK : MC_TEXT_E_BAD_VALUE_CHAR;
    if (!prefix_ci(name, "iqn."))
        return MC_TEXT_E_BAD_VALUE_CHAR;
    /* iqn.yyyy-mm.<reversed domain>[:<unique name>] (4.2.7.4) */
    const char *p = name + 4;
    for (int i = 0; i < 7; i++) {
        bool want_dash = i == 4;
        if (want_dash ? p[i] != '-' : !is_digit((unsigned char)p[i]))
            return MC_TEXT_E_BAD_VALUE_CHAR;
    }
    if (p[7] != '.' || !p[8])
        return MC_TEXT_E_BAD_VALUE_CHAR;
    for (p += 8; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == ':'))
            return MC_TEXT_E_BAD_VALUE_CHAR;
    }
    return MC_TEXT_OK;
}

/* ---- parser ---- */

static bool free_text_key(const char *key)
{
    if (mc_key_is_extension(key)) /* private/public extensions define their own values (13.22) */
        return true;
    const mc_key_info *k = mc_key_lookup(key);
    return k && (k->flags & MC_KF_FREE_TEXT);
}

static void drop_from(mc_kvlist *l, size_t start)
{
    while (l->count > start) {
        l->count--;
        free(l->items[l->count].key);
        free(l->items[l->count].value);
    }
}

int mc_text_parse(const uint8_t *buf, size_t len, unsigned flags, mc_kvlist *out, size_t *bad_index,
                  char *err, size_t errlen)
{
    size_t start = out->count;
    size_t index = 0;
    char shown[MC_TEXT_KEY_MAX + 1];
    int rc = MC_TEXT_OK;
    if (bad_index)
        *bad_index = 0;
    if (len > MC_TEXT_EXCHANGE_MAX) {
        mc_iscsi_seterr(err, errlen, "key=value list of %zu bytes exceeds %u", len, MC_TEXT_EXCHANGE_MAX);
        return MC_TEXT_E_TOO_LARGE;
    }
    if (len > 0 && buf[len - 1] != '\0') {
        mc_iscsi_seterr(err, errlen, "%s", text_messages[MC_TEXT_E_UNTERMINATED]);
        return MC_TEXT_E_UNTERMINATED;
    }
    size_t pos = 0;
    while (pos < len) {
        const char *pair = (const char *)buf + pos;
        size_t plen = strnlen(pair, len - pos);   /* bounded: buf[len-1] is NUL */
        pos += plen + 1;
        if (plen == 0)   /* tolerate extra NULs (some peers pad the list with zeros) */
            continue;
        if (index >= MC_TEXT_PAIRS_MAX) {
            mc_iscsi_seterr(err, errlen, "more than %u key=value pairs", MC_TEXT_PAIRS_MAX);
            rc = MC_TEXT_E_TOO_LARGE;
            break;
        }
        const char *eq = memchr(pair, '=', plen);
        if (!eq) {
            mc_iscsi_seterr(err, errlen, "pair %zu \"%s\": %s", index,
                            mc_iscsi_printable(pair, shown, sizeof(shown)), text_messages[MC_TEXT_E_NO_EQUALS]);
            rc = MC_TEXT_E_NO_EQUALS;
            break;
        }
        size_t klen = (size_t)(eq - pair);
        size_t vlen = plen - klen - 1;
        char key[MC_TEXT_KEY_MAX + 1];
        if (klen == 0) {
            mc_iscsi_seterr(err, errlen, "pair %zu: %s", index, text_messages[MC_TEXT_E_EMPTY_KEY]);
            rc = MC_TEXT_E_EMPTY_KEY;
            break;
        }
        if (klen > MC_TEXT_KEY_MAX) {
            memcpy(key, pair, MC_TEXT_KEY_MAX);
            key[MC_TEXT_KEY_MAX] = '\0';
            mc_iscsi_seterr(err, errlen, "pair %zu key \"%s...\" (%zu bytes): %s", index,
                            mc_iscsi_printable(key, shown, sizeof(shown)), klen,
                            text_messages[MC_TEXT_E_KEY_TOO_LONG]);
            rc = MC_TEXT_E_KEY_TOO_LONG;
            break;
        }
        memcpy(key, pair, klen);
        key[klen] = '\0';
        const char *value = eq + 1;
        if (!(flags & MC_TEXT_LENIENT) && mc_text_check_key(key) != MC_TEXT_OK) {
            mc_iscsi_seterr(err, errlen, "key \"%s\": %s", mc_iscsi_printable(key, shown, sizeof(shown)),
                            text_messages[MC_TEXT_E_BAD_KEY_CHAR]);
            rc = MC_TEXT_E_BAD_KEY_CHAR;
            break;
        }
        size_t vmax = mc_key_value_max(key);
        if (vlen > vmax) {
            mc_iscsi_seterr(err, errlen, "key \"%s\": value of %zu bytes exceeds %zu (6.1)",
                            mc_iscsi_printable(key, shown, sizeof(shown)), vlen, vmax);
            rc = MC_TEXT_E_VALUE_TOO_LONG;
            break;
        }
        if (!(flags & MC_TEXT_LENIENT) && !free_text_key(key) && mc_text_check_value(value) != MC_TEXT_OK) {
            mc_iscsi_seterr(err, errlen, "key \"%s\": %s", mc_iscsi_printable(key, shown, sizeof(shown)),
                            text_messages[MC_TEXT_E_BAD_VALUE_CHAR]);
            rc = MC_TEXT_E_BAD_VALUE_CHAR;
            break;
        }
        if (!(flags & MC_TEXT_ALLOW_DUP)) {
            bool dup = false;
            for (size_t i = start; i < out->count && !dup; i++)
                dup = strcmp(out->items[i].key, key) == 0;
            if (dup) {
                mc_iscsi_seterr(err, errlen, "key \"%s\": %s", mc_iscsi_printable(key, shown, sizeof(shown)),
                                text_messages[MC_TEXT_E_DUPLICATE]);
                rc = MC_TEXT_E_DUPLICATE;
                break;
            }
        }
        if (mc_kvlist_add(out, key, value) != 0) {
            mc_iscsi_seterr(err, errlen, "%s", text_messages[MC_TEXT_E_NOMEM]);
            rc = MC_TEXT_E_NOMEM;
            break;
        }
        index++;
    }
    if (rc != MC_TEXT_OK) {
        drop_from(out, start);
        if (bad_index)
            *bad_index = index;
    }
    return rc;
}

/* ---- value forms (5.1, 6.1) ---- */

static int hex_nibble(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int b64_sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int decode_hex(const char *s, uint8_t *out, size_t cap, size_t *outlen)
{
    size_t n = strlen(s);
    if (n == 0)
        return MC_TEXT_E_BAD_BINARY;
    size_t bytes = (n + 1) / 2;
    if (bytes > cap)
        return MC_TEXT_E_VALUE_TOO_LONG;
    size_t o = 0, i = 0;
    if (n % 2) {   /* an odd digit count: the first digit is a byte's low nibble */
        int v = hex_nibble((unsigned char)s[0]);
        if (v < 0)
            return MC_TEXT_E_BAD_BINARY;
        out[o++] = (uint8_t)v;
        i = 1;
    }
    for (; i < n; i += 2) {
        int hi = hex_nibble((unsigned char)s[i]), lo = hex_nibble((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return MC_TEXT_E_BAD_BINARY;
        out[o++] = (uint8_t)(hi << 4 | lo);
    }
    *outlen = o;
    return MC_TEXT_OK;
}

static int decode_b64(const char *s, uint8_t *out, size_t cap, size_t *outlen)
{
    size_t n = strlen(s);
    size_t pad = 0;
    while (n > 0 && s[n - 1] == '=' && pad < 2) {
        n--;
        pad++;
    }
    if (n == 0 || n % 4 == 1 || (pad && (n + pad) % 4 != 0))
        return MC_TEXT_E_BAD_BINARY;
    size_t bytes = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    if (bytes > cap)
        return MC_TEXT_E_VALUE_TOO_LONG;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_sextet((unsigned char)s[i]);
        if (v < 0)
            return MC_TEXT_E_BAD_BINARY;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    if (acc != 0)   /* leftover bits must be zero in canonical base64 (RFC 4648 3.5) */
        return MC_TEXT_E_BAD_BINARY;
    *outlen = o;
    return MC_TEXT_OK;
}

int mc_text_decode_binary(const char *s, uint8_t *out, size_t cap, size_t *outlen)
{
    *outlen = 0;
    if (has_prefix_ci(s, 'x', 'X'))
        return decode_hex(s + 2, out, cap, outlen);
    if (has_prefix_ci(s, 'b', 'B'))
        return decode_b64(s + 2, out, cap, outlen);
    return MC_TEXT_E_BAD_BINARY;
}

int mc_text_encode_hex(const uint8_t *bin, size_t len, char *out, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    if (cap < 2 * len + 3)
        return -1;
    size_t o = 0;
    out[o++] = '0';
    out[o++] = 'x';
    for (size_t i = 0; i < len; i++) {
        out[o++] = digits[bin[i] >> 4];
        out[o++] = digits[bin[i] & 0xfu];
    }
    out[o] = '\0';
    return 0;
}

int mc_text_encode_base64(const uint8_t *bin, size_t len, char *out, size_t cap)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (cap < (len + 2) / 3 * 4 + 3)
        return -1;
    size_t o = 0;
    out[o++] = '0';
    out[o++] = 'b';
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)bin[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)bin[i + 1] << 8;
        if (i + 2 < len)
            v |= bin[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return 0;
}

int mc_text_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (has_prefix_ci(s, 'x', 'X') || has_prefix_ci(s, 'b', 'B')) {
        uint8_t bin[MC_TEXT_VALUE_MAX];
        size_t n = 0;
        if (mc_text_decode_binary(s, bin, sizeof(bin), &n) != MC_TEXT_OK)
            return MC_TEXT_E_BAD_NUMBER;
        for (size_t i = 0; i < n; i++) {
            if (v >> 56)   /* would not fit in 64 bits */
                return MC_TEXT_E_BAD_NUMBER;
            v = (v << 8) | bin[i];
        }
        *out = v;
        return MC_TEXT_OK;
    }
    if (!*s)
        return MC_TEXT_E_BAD_NUMBER;
    for (const char *p = s; *p; p++) {
        if (!is_digit((unsigned char)*p))
            return MC_TEXT_E_BAD_NUMBER;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return MC_TEXT_E_BAD_NUMBER;
        v = v * 10 + d;
    }
    *out = v;
    return MC_TEXT_OK;
}

int mc_text_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    uint64_t v;
    if (mc_text_parse_u64(s, &v) != MC_TEXT_OK || v < lo || v > hi)
        return MC_TEXT_E_BAD_NUMBER;
    *out = (uint32_t)v;
    return MC_TEXT_OK;
}

int mc_text_parse_bool(const char *s, bool *out)
{
    if (strcmp(s, "Yes") == 0)
        *out = true;
    else if (strcmp(s, "No") == 0)
        *out = false;
    else
        return MC_TEXT_E_BAD_BOOLEAN;
    return MC_TEXT_OK;
}

bool mc_text_list_item(const char *list, size_t idx, char *buf, size_t buflen)
{
    const char *p = list;
    for (size_t i = 0; i < idx; i++) {
        p = strchr(p, ',');
        if (!p)
            return false;
        p++;
    }
    size_t n = strcspn(p, ",");
    if (n + 1 > buflen)
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return true;
}

bool mc_text_list_has(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, item, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

/* ---- serialisation ---- */

void mc_textbuf_init(mc_textbuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void mc_textbuf_free(mc_textbuf *b)
{
    free(b->data);
    mc_textbuf_init(b);
}

static int textbuf_append(mc_textbuf *b, const void *p, size_t n, size_t limit)
{
    if (n > limit || b->len > limit - n)
        return -1;
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n)
            ncap *= 2;
        uint8_t *d = realloc(b->data, ncap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = ncap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int mc_textbuf_add(mc_textbuf *b, const char *key, const char *value)
{
    size_t kl = strlen(key), vl = strlen(value ? value : "");
    size_t before = b->len;
    if (textbuf_append(b, key, kl, MC_TEXT_EXCHANGE_MAX) || textbuf_append(b, "=", 1, MC_TEXT_EXCHANGE_MAX) ||
        textbuf_append(b, value ? value : "", vl, MC_TEXT_EXCHANGE_MAX) ||
        textbuf_append(b, "", 1, MC_TEXT_EXCHANGE_MAX)) {
        b->len = before;
        return -1;
    }
    return 0;
}

int mc_text_serialize(const mc_kvlist *l, mc_textbuf *b)
{
    for (size_t i = 0; i < l->count; i++)
        if (mc_textbuf_add(b, l->items[i].key, l->items[i].value) != 0)
            return -1;
    return 0;
}

/* ---- accumulator (11.10.2, 11.12.2: C bit) ---- */

void mc_text_acc_init(mc_text_acc *a, size_t limit)
{
    mc_textbuf_init(&a->buf);
    a->limit = (limit == 0 || limit > MC_TEXT_EXCHANGE_MAX) ? MC_TEXT_EXCHANGE_MAX : limit;
    a->complete = false;
}

void mc_text_acc_free(mc_text_acc *a)
{
    mc_textbuf_free(&a->buf);
    a->complete = false;
}

void mc_text_acc_reset(mc_text_acc *a)
{
    a->buf.len = 0;
    a->complete = false;
}

int mc_text_acc_add(mc_text_acc *a, const uint8_t *data, size_t len, bool cont, char *err, size_t errlen)
{
    if (a->complete)
        mc_text_acc_reset(a);
    if (textbuf_append(&a->buf, data, len, a->limit) != 0) {
        bool over = len > a->limit || a->buf.len > a->limit - len;
        mc_iscsi_seterr(err, errlen, over ? "continued key list exceeds %zu bytes" : "out of memory (%zu)",
                        a->limit);
        return over ? -MC_TEXT_E_TOO_LARGE : -MC_TEXT_E_NOMEM;
    }
    if (cont)
        return 0;
    if (a->buf.len > 0 && a->buf.data[a->buf.len - 1] != '\0') {
        mc_iscsi_seterr(err, errlen, "%s", text_messages[MC_TEXT_E_UNTERMINATED]);
        return -MC_TEXT_E_UNTERMINATED;
    }
    a->complete = true;
    return 1;
}
