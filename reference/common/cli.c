#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KIB_SHIFT 10u
#define MIB_SHIFT 20u
#define GIB_SHIFT 30u
#define ADDR_TEXT_MAX 64u   /* longer than any dotted IPv4 address with a port */

int mc_cli_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = KIB_SHIFT;
    else if (*end == 'M' || *end == 'm')
        shift = MIB_SHIFT;
    else if (*end == 'G' || *end == 'g')
        shift = GIB_SHIFT;
    else if (*end != '\0')
        return -1;
    if (shift && end[1] != '\0')
        return -1;
    if (v == 0 || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int mc_cli_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int mc_cli_ipv4_port(const char *s, struct sockaddr_in *out)
{
    char buf[ADDR_TEXT_MAX];
    size_t n = strlen(s);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n + 1);
    char *colon = strrchr(buf, ':');
    uint32_t port;
    if (!colon)
        return -1;
    *colon = '\0';
    if (mc_cli_u32(colon + 1, 0, UINT16_MAX, &port) != 0)
        return -1;
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, buf, &out->sin_addr) == 1 ? 0 : -1;
}

int mc_cli_id_addr(const char *s, uint32_t max_id, uint32_t *id, struct sockaddr_in *out)
{
    const char *eq = strchr(s, '=');
    char num[16];
    if (!eq || (size_t)(eq - s) >= sizeof num)
        return -1;
    memcpy(num, s, (size_t)(eq - s));
    num[eq - s] = '\0';
    if (mc_cli_u32(num, 1, max_id, id) != 0)
        return -1;
    return mc_cli_ipv4_port(eq + 1, out);
}
