/* Internal state of the multicast member module, shared by member*.c. */
#ifndef MC_MCAST_MEMBER_INT_H
#define MC_MCAST_MEMBER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "mcast.h"
#include "member.h"
#include "ranges.h"
#include "target_ext.h"

#define MG_JOINS_MAX 16u              /* interfaces one group socket joins on */
#define MG_COUNTER_SETS_MAX 64u       /* distinct group:port counter sets kept */
#define MG_SOCK_RCVBUF (4u << 20)     /* room for bursts of datagrams between two poll rounds */
#define MG_LATE_JOIN_MS 500u          /* mutant mcast-answer-before-join: join this much later */
#define MG_RECV_PER_ROUND 256u        /* datagrams read per socket per loop round */
/* Group sockets (one per group address and port) the member opens at most, target-wide: each
 * is a descriptor, and registrations must never take those the target needs for connections.
 * Our choice: 64, far above the groups a mirroring deployment uses and far below the 1,024
 * descriptors of a default RLIMIT_NOFILE; a registration needing one more answers JoinFailed. */
#define MG_SOCKS_MAX 64u
/* Registrations the member holds at most, target-wide (our choice: four sessions with every
 * vLUN, MC_MG_VLUN_MAX); one more answers JoinFailed. */
#define MG_REGS_MAX (4u * MC_MG_VLUN_MAX)

typedef struct mg_join {
    uint32_t local;                   /* interface address, host order */
    unsigned refs;
} mg_join;

typedef struct mg_sock {
    struct mg_sock *next;
    int fd;
    uint32_t group;
    uint16_t port;
    mg_join joins[MG_JOINS_MAX];
    size_t njoins;
} mg_sock;

typedef struct mg_ctr {
    struct mg_ctr *next;
    uint32_t group;
    uint16_t port;
    uint64_t v[MC_MGC_COUNT];
} mg_ctr;

typedef struct mg_reg {
    struct mg_reg *next;
    mc_session *s;
    uint32_t peer, local;             /* the session's TCP addresses, host order */
    uint32_t group;
    uint16_t port;
    uint8_t vlun;
    uint16_t real[MC_MG_MAP_MAX];
    size_t nreal;
    uint32_t burst, tasks, timeout_ms;
    int dialect;
    mg_sock *sock;                    /* NULL until joined */
    uint64_t join_at;                 /* mutant: when the late join happens; 0 = joined */
    bool gsn_known;
    uint32_t next_gsn;
    uint32_t fences[MC_MG_TASKS_MAX];
    size_t nfences;
} mg_reg;

typedef struct mg_r2t {
    uint32_t ttt, r2tsn, off, len, next_datasn;
    uint64_t deadline;
    unsigned tries;                   /* recovery R2Ts already spent on this range */
    bool open, recovery;
} mg_r2t;

typedef struct mg_task {
    struct mg_task *next;
    mc_session *s;
    bool group;                       /* created from a group command (false: unicast on a vLUN) */
    uint32_t itt;
    uint64_t lun_field;
    uint8_t vlun;
    uint8_t cdb[MC_CDB_LEN];
    uint32_t edtl, burst, timeout_ms;
    uint16_t real[MC_MG_MAP_MAX];     /* the task's own binding, kept past a termination (§9) */
    size_t nreal;
    uint8_t *buf;
    mc_ranges got;
    uint32_t next_off, next_r2tsn, r2ts_sent;
    mg_r2t *r2t;
    size_t nr2t, r2t_cap;
} mg_task;

/* The module's context: one per target. */
typedef struct mg_member {
    mc_target *t;
    mg_sock *socks;
    mg_ctr *ctrs;
    mg_reg *regs;
    mg_task *tasks;
    uint8_t rx[MC_MG_UDP_PAYLOAD_MAX + 1];
} mg_member;

/* member.c */
bool mg_mutant(const mg_member *m, int which);  /* which: an mc_member_mutant */
mg_ctr *mg_counters(mg_member *m, uint32_t group, uint16_t port);
void mg_count(mg_member *m, uint32_t group, uint16_t port, int which);

/* member_task.c: group tasks, and the hooks that feed them from the session */
void mg_group_command(mg_member *m, mc_conn *c, mg_reg *r, const mc_pdu *p);
void mg_group_data(mg_member *m, mc_conn *c, mg_reg *r, const mc_pdu *p);
mg_task *mg_task_find(const mg_member *m, const mc_session *s, uint32_t itt);
void mg_task_drop(mg_member *m, mg_task *k);
bool mg_hook_scsi_cmd(void *ctx, mc_conn *c, mc_pdu *p);
bool mg_hook_data_out(void *ctx, mc_conn *c, const mc_pdu *p);
void mg_tasks_tick(mg_member *m, uint64_t now);
uint64_t mg_tasks_next_deadline(const mg_member *m);

#endif
