/* Command-line values every serve command parses the same way. */
#ifndef MC_COMMON_CLI_H
#define MC_COMMON_CLI_H

#include <netinet/in.h>
#include <stdint.h>

/* A size: digits with an optional K, M or G suffix (powers of 1024), above 0. 0 or -1. */
int mc_cli_size(const char *s, uint64_t *out);
/* An unsigned decimal in [lo, hi]. 0 or -1. */
int mc_cli_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);
/* A numeric IPv4 ADDRESS:PORT (port 0 allowed: any free port). 0 or -1. */
int mc_cli_ipv4_port(const char *s, struct sockaddr_in *out);
/* ID=ADDRESS:PORT, the ID in [1, max_id]. 0 or -1. */
int mc_cli_id_addr(const char *s, uint32_t max_id, uint32_t *id, struct sockaddr_in *out);

#endif
