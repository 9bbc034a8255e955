/* Internal state of the mirroring initiator, shared by mirror*.c. */
#ifndef MC_MCAST_MIRROR_INT_H
#define MC_MCAST_MIRROR_INT_H

#include "initiator.h"
#include "mcast.h"
#include "mirror.h"

#define MM_DEFAULT_BURST 65536u
#define MM_DEFAULT_RETRIES 2u
#define MM_CMD_GRACE_MS 2000u          /* added to 4 x DataTimeout for a member's whole answer */
#define MM_LOGIN_MS 10000u
#define MM_TEXT_MS 10000u
#define MM_GROUP_ITT_BASE 0x80000000u  /* group tags live apart from each session's own tags (§6) */
#define MM_STREAMS_MAX 16u
#define MM_ISID_OUI_FORMAT 0x00u       /* ISID type 00b: OUI format (RFC 7143 11.12.5) */

typedef struct mm_target {
    char name[32], host[64], iqn[224];
    uint16_t port;
    mc_ini *ini;
    bool up;
    uint32_t local;                    /* our address on this session, host order */
    uint32_t max_send_dsl;
} mm_target;

typedef struct mm_member {
    size_t t;                          /* index into targets */
    uint16_t real[MC_MG_MAP_MAX];
    size_t nreal;
} mm_member;

typedef struct mm_reg {
    bool used;
    uint32_t group;
    uint16_t port;
    uint8_t vlun;
    int dialect;
    uint32_t burst;
    mm_member mem[MC_MIRROR_TARGETS_MAX];
    size_t nmem;
} mm_reg;

typedef struct mm_stream {
    uint32_t group;
    uint16_t port;
    uint32_t next_gsn;
} mm_stream;

struct mc_mirror {
    mc_mirror_opts o;
    mm_target tg[MC_MIRROR_TARGETS_MAX];
    size_t ntg;
    mm_reg reg[MC_MIRROR_REGS_MAX];
    uint8_t isid[6];
    uint64_t isid64;
    int udp;
    uint32_t udp_local;
    uint32_t next_gitt;
    mm_stream streams[MM_STREAMS_MAX];
    size_t nstreams;
    /* seeded group-datagram faults */
    double loss;
    uint64_t rng;
    uint8_t *held;                     /* a datagram held back to be sent after the next one */
    size_t held_len;
    uint32_t held_group;
    uint16_t held_port;
    mc_mirror_stats st;
};

/* mirror.c */
int mm_fail(char *res, size_t reslen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int mm_open_udp(mc_mirror *m, char *res, size_t reslen);
/* Sends one datagram (header + payload) to the group through the fault plan. */
int mm_send_group(mc_mirror *m, uint32_t group, uint16_t port, const uint8_t *payload, size_t len,
                  uint16_t pdus);
void mm_flush_held(mc_mirror *m);
mm_reg *mm_reg_find(mc_mirror *m, uint8_t vlun);
int mm_fd(const mc_ini *ini);
/* Waits until one of the sessions in want[] has a PDU or until deadline; returns the index of a
 * target whose session has input (or buffered input), -1 on timeout. */
int mm_wait_any(mc_mirror *m, const bool *want, uint64_t deadline);
uint32_t mm_next_group_itt(mc_mirror *m);

#endif
