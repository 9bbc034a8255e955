/* The mirroring initiator (docs/mcast-data-path.md): one iSCSI session per target built on the
 * reference initiator library, plus the UDP group sender. Registration (Figure 3), group WRITEs
 * (Figure 4), status from every member, recovery per Figures 5-7, termination (Figure 8). */
#ifndef MC_MCAST_MIRROR_H
#define MC_MCAST_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mutant.h"

#define MC_MIRROR_TARGETS_MAX 16u
#define MC_MIRROR_REGS_MAX 16u
#define MC_MIRROR_BLOCK 512u          /* block size of the LUs mirrored */

/* Which recovery the initiator applies (spec Figures 5, 6, 7). */
enum mc_mirror_recovery { MC_RECOVERY_FIG5 = 5, MC_RECOVERY_FIG6 = 6, MC_RECOVERY_FIG7 = 7 };

/* Initiator mutants, one claim element each, in the common format of reference/common/mutant.h:
 * X(ID, "name", "roles", "clause", "what it breaks"). */
#define MC_MIRROR_MUTANTS(X) \
    X(WRITE_BEFORE_CONFIRM, "mcast-write-before-confirm", "initiator", "000:1(a) 000:11", "registration returns after the first member's confirmation, so writes start before every member answered") \
    X(DATA_BEFORE_ALL_R2T, "mcast-data-before-all-r2t", "initiator", "000:1(d) mcast-data-path:5.2", "a burst goes to the group as soon as one member's R2T arrives") \
    X(FAILED_NOT_NAMED, "mcast-failed-not-named", "initiator", "000:13(ii)", "a failed write is reported without naming the failed target") \
    X(GROUP_CMD_REAL_LUN, "mcast-group-cmd-real-lun", "initiator", "000:6", "the group WRITE carries the first member's real LUN, not the vLUN") \
    X(GROUP_CMD_CMDSN, "mcast-group-cmd-cmdsn", "initiator", "mcast-data-path:6", "the group WRITE goes with I=0 and the first session's CmdSN") \
    X(TERMINATE_FIRST_ONLY, "mcast-terminate-first-only", "initiator", "000:2(f)", "termination goes to the first member only") \
    X(NO_RETRY, "mcast-no-retry", "initiator", "000:13(ii)", "a failed member is reported without the retry of Figures 5 and 6")

enum mc_mirror_mutant {
    MC_MIRROR_MUTANT_NONE = 0,
#define MC_MIRROR_MUTANT_ENUM(id, name, roles, clause, what) MC_MIRROR_MUTANT_##id,
    MC_MIRROR_MUTANTS(MC_MIRROR_MUTANT_ENUM)
#undef MC_MIRROR_MUTANT_ENUM
    MC_MIRROR_MUTANT_COUNT
};
/* The table, MC_MIRROR_MUTANT_COUNT - 1 rows (mc_mutant_lookup gives the enum value). */
extern const mc_mutant_def mc_mirror_mutants[];
extern const size_t mc_mirror_nmutants;
const char *mc_mirror_mutant_name(int m);   /* "none" for 0, "?" out of range */

typedef struct mc_mirror_opts {
    uint32_t mtu;              /* path MTU; 0: loopback (65536) */
    uint8_t ttl;               /* IP_MULTICAST_TTL, 0: 1 (the link) */
    const char *initiator_name;/* NULL: the library default */
    const char *mcast_if;      /* IPv4 address to send the group from; NULL: the first session's */
    int recovery;              /* mc_mirror_recovery; 0: Figure 5 */
    unsigned retries;          /* unicast or group retries per write (PIXIT), 0: 2 */
    uint32_t data_timeout_ms;  /* DataTimeout registered; 0: 2000 */
    uint32_t cmd_timeout_ms;   /* how long a member may take to complete a write; 0: 4 x DataTimeout + 2 s */
    uint32_t burst;            /* GroupBurst; 0: 65536 */
    uint32_t tasks;            /* GroupTasks; 0: 8 */
    int mutant;
} mc_mirror_opts;

typedef struct mc_mirror mc_mirror;

/* Traffic the initiator sent, for the benchmark: bytes on the group and on TCP. */
typedef struct mc_mirror_stats {
    uint64_t udp_bytes, udp_datagrams, tcp_bytes;
    uint64_t group_resends, unicast_retries, unicast_bursts, aborts;
    uint64_t recovery_r2ts;    /* R2Ts of a group task served by unicast (Figure 7, late members) */
} mc_mirror_stats;

mc_mirror *mc_mirror_new(const mc_mirror_opts *o);
void mc_mirror_free(mc_mirror *m);
void mc_mirror_set_recovery(mc_mirror *m, int recovery);
void mc_mirror_set_timeouts(mc_mirror *m, uint32_t data_timeout_ms, uint32_t cmd_timeout_ms);
/* Seeded drop / duplicate / reorder of group datagrams, each with probability p. */
void mc_mirror_set_loss(mc_mirror *m, double p, uint64_t seed);
const mc_mirror_stats *mc_mirror_get_stats(const mc_mirror *m);

/* Every call writes one line of result into res ("..." without the ok/error word). */
int mc_mirror_target_add(mc_mirror *m, const char *name, const char *host, uint16_t port, const char *iqn,
                         char *res, size_t reslen);
/* Logs in every target not logged in yet (ErrorRecoveryLevel 1 under Figure 7, else 0). */
int mc_mirror_login(mc_mirror *m, char *res, size_t reslen);
int mc_mirror_logout(mc_mirror *m, char *res, size_t reslen);

/* A member and its real LUNs, for registration. */
typedef struct mc_mirror_member {
    char name[32];
    uint16_t real[16];
    size_t nreal;
} mc_mirror_member;
/* Registers (or re-registers) vlun on group with these members; members of an earlier
 * registration of the vlun not named again are terminated. Waits for every confirmation. */
int mc_mirror_register(mc_mirror *m, const char *group, uint16_t port, uint8_t vlun,
                       const mc_mirror_member *mem, size_t nmem, int dialect, char *res, size_t reslen);
int mc_mirror_terminate(mc_mirror *m, const char *group, uint8_t vlun, char *res, size_t reslen);
/* One mirrored WRITE of nblocks blocks at lba; succeeds only when every member reported GOOD. */
int mc_mirror_write(mc_mirror *m, uint8_t vlun, uint64_t lba, uint32_t nblocks, const uint8_t *data,
                    char *res, size_t reslen);
/* The same WRITE sent by unicast on every member's own session at once (no group): the peer the
 * benchmark measures multicast against. */
int mc_mirror_write_unicast(mc_mirror *m, uint8_t vlun, uint64_t lba, uint32_t nblocks, const uint8_t *data,
                            char *res, size_t reslen);
/* A unicast READ from one target's LUN. */
int mc_mirror_read(mc_mirror *m, const char *name, uint16_t lun, uint64_t lba, uint32_t nblocks,
                   uint8_t *buf, char *res, size_t reslen);
/* The member's §8.1 counters of the groups its session registered ("accepted:1,..."). */
int mc_mirror_counters(mc_mirror *m, const char *name, char *res, size_t reslen);
int mc_mirror_status(mc_mirror *m, char *res, size_t reslen);

/* `mirrorcert initiator console [--mtu N] [--mutant NAME|list] ...`: the line console. */
int mc_mcast_console_main(int argc, char **argv);
/* Runs the console on in/out (tests). */
int mc_mcast_console_run(mc_mirror *m, FILE *in, FILE *out);

#endif
