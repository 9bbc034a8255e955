/* Emulated multicast mirroring targets, inside the harness: N tiny iSCSI targets that a
 * mirroring initiator DUT logs in to, registers with, and mirrors to. They run on one thread
 * (poll loop) so an Expect conversation with the DUT can proceed meanwhile; they record every
 * PDU and datagram as plain bytes, turned into Tcl dicts only on the interp's thread. */
#ifndef MC_MOD_MCAST_EMU_H
#define MC_MOD_MCAST_EMU_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "mod_mcast.h"
#include "text.h"

#define EMU_TARGETS_MAX 8u
#define EMU_CONNS_MAX 16u         /* connections one emulated target serves at once */
#define EMU_REGS_MAX 8u           /* registrations per target */
#define EMU_TASKS_MAX 16u         /* live tasks per connection */
#define EMU_LUNS_MAX 4u
#define EMU_MAP_MAX 8u
#define EMU_EDTL_MAX (4u * 1024u * 1024u)   /* largest WRITE an emulated target takes */
#define EMU_RECV_MAX (1u << 20)             /* bytes buffered per connection before a PDU completes */
#define EMU_MRDSL 65536u          /* MaxRecvDataSegmentLength the emulated targets declare */
#define EMU_DEFAULT_MRDSL 8192u   /* the initiator's MaxRecvDataSegmentLength until declared (RFC 7143 13.12) */
#define EMU_TTT_SPAN 0x1000u      /* TTTs of target k start at (k + 1) x this */
#define EMU_LOG_BYTES_MAX (64u * 1024u * 1024u)   /* bytes of PDUs and datagrams the log keeps */
#define EMU_LOG_MAX 20000u        /* records kept; later ones are counted, not stored */
#define EMU_RECOVERY_TRIES 3u     /* recovery R2Ts per range before giving up (§7.1) */
#define EMU_FENCES_MAX 8u         /* fenced group tags kept per session (GroupTasks default, §7.3) */

/* What an emulated target does wrong on purpose (`mcast emulate script`). Counters count down. */
typedef struct emu_script {
    int register_mode;            /* EMU_REG_* */
    unsigned check_tasks;         /* group WRITEs answered CHECK CONDITION (MEDIUM ERROR) */
    unsigned drop_data;           /* group tasks whose first group Data-Out is ignored */
    unsigned ignore_cmds;         /* group SCSI Commands ignored (no R2T) */
    unsigned check_unicast;       /* unicast WRITEs answered CHECK CONDITION */
    bool silent;                  /* answers nothing in Full Feature Phase */
    unsigned erl_max;             /* ErrorRecoveryLevel the target accepts at most */
    unsigned timeout_ms;          /* DataTimeout override, 0: the registration's */
    unsigned r2t_delay_ms;        /* group tasks: first R2T this late (a slow member) */
    unsigned reg_delay_ms;        /* mirror Text Responses this late (a slow registration) */
    unsigned r2t_burst;           /* group tasks solicited in bursts of this many bytes, 0: the
                                     registration's GroupBurst (an R2T outside the plan, §5.2) */
} emu_script;

enum { EMU_REG_OK = 0, EMU_REG_FAIL, EMU_REG_SILENT, EMU_REG_NOTUNDERSTOOD };

/* The drop counters of §8.1 (X(ID, "name")), answered to MirrorCounters=Query. */
#define EMU_COUNTERS(X) \
    X(ACCEPTED, "accepted") X(BAD_HEADER, "bad-header") X(BAD_SOURCE, "bad-source") \
    X(BAD_OPCODE, "bad-opcode") X(BAD_LUN, "bad-lun") X(BAD_COMMAND, "bad-command") \
    X(NO_TASK, "no-task") X(UNSOLICITED, "unsolicited") X(DUPLICATE, "duplicate") X(GSN_GAP, "gsn-gap")
enum {
#define EMU_CTR_ENUM(id, name) CTR_##id,
    EMU_COUNTERS(EMU_CTR_ENUM)
#undef EMU_CTR_ENUM
    EMU_CTR_COUNT
};

typedef struct emu_rec {
    unsigned target;
    char via;                     /* 't' TCP PDU, 'g' group datagram, 'e' event */
    bool outbound;                /* sent by the emulated target */
    double time;
    struct sockaddr_in src, dst;
    uint8_t *bytes;               /* PDU wire bytes or the whole datagram */
    size_t len;
    char note[96];
} emu_rec;

typedef struct emu_reg {
    bool used, literal;
    struct in_addr group;
    uint16_t port;
    uint16_t vlun;
    uint16_t reals[EMU_MAP_MAX];
    unsigned nreal;
    uint32_t burst, tasks, timeout_ms;
    int conn;                     /* index of the registering connection */
} emu_reg;

typedef struct emu_burst {
    uint32_t offset, len, ttt, r2tsn;
    uint32_t next_datasn;         /* group Data-Out must arrive in DataSN order (rule 7 of §8) */
    bool open;                    /* solicited, not yet complete */
    double deadline;
    unsigned tries;
} emu_burst;

typedef struct emu_task {
    bool used, group;
    uint32_t itt;
    uint64_t lun_field;
    uint16_t vlun;
    uint16_t reals[EMU_MAP_MAX];
    unsigned nreal;
    uint64_t lba;
    uint32_t edtl, burst, timeout_ms;
    uint8_t *buf, *have;          /* data and a per-byte received map */
    uint32_t got, next_offset, r2tsn;
    emu_burst bursts[EMU_TASKS_MAX];
    bool drop_first;              /* script: ignore the first group Data-Out */
    double solicit_at;            /* script: when the delayed first R2T goes, 0 when sent */
} emu_task;

typedef struct emu_conn {
    int fd;
    struct sockaddr_in peer;
    uint8_t *rbuf;
    size_t rlen, rcap;
    bool ffp;
    uint64_t isid;
    uint16_t tsih;
    uint32_t statsn, expcmdsn, erl, max_burst, max_r2t, peer_mrdsl;
    uint32_t ttt_next;
    uint32_t fences[EMU_FENCES_MAX];   /* group tags aborted before their command arrived (§7.3) */
    unsigned nfence;
    uint32_t next_gsn;                 /* GSN expected next from this session (§6) */
    bool gsn_known;
    mc_pdu delayed;               /* a Text Response held back by script, sent at delayed_at */
    bool has_delayed;
    double delayed_at;
    emu_task tasks[EMU_TASKS_MAX];
} emu_conn;

typedef struct emu_group_sock {
    int fd;
    struct in_addr group;
    uint16_t port;
} emu_group_sock;

typedef struct emu_target {
    unsigned idx;
    char name[32];
    char iqn[224];
    int lfd;
    struct sockaddr_in addr;
    emu_conn conns[EMU_CONNS_MAX];
    emu_reg regs[EMU_REGS_MAX];
    emu_group_sock gs[EMU_REGS_MAX];
    uint16_t luns[EMU_LUNS_MAX];
    uint8_t *store[EMU_LUNS_MAX];
    unsigned nluns;
    uint32_t blocks;
    emu_script script;
    uint64_t counters[EMU_CTR_COUNT];
} emu_target;

struct mcm_emu {
    pthread_t thread;
    pthread_mutex_t lock;         /* guards everything below the thread may touch */
    bool running, stop;
    int wake[2];
    struct in_addr ifaddr;        /* interface of the group joins */
    emu_target t[EMU_TARGETS_MAX];
    unsigned n;
    emu_rec *log;
    size_t nlog, caplog, lost, flushed;
    size_t laddered;              /* records already added to the vector's ladder */
    size_t log_bytes;             /* bytes held by the records, at most EMU_LOG_BYTES_MAX */
    mc_pcap *pcap;
    mc_pcap_flow flows[EMU_TARGETS_MAX * EMU_CONNS_MAX];   /* TCP flows written to the capture */
    size_t nflows;
};

/* Recording (mod_mcast_emu.c); the lock is held by the caller. */
void emu_record(mcm_emu *e, unsigned target, char via, bool outbound, const struct sockaddr_in *src,
                const struct sockaddr_in *dst, const uint8_t *bytes, size_t len, const char *note);
/* Protocol (mod_mcast_emu_iscsi.c), called on the emulation thread with the lock held. */
void emu_on_pdu(mcm_emu *e, emu_target *t, emu_conn *c, const mc_pdu *p);
void emu_on_datagram(mcm_emu *e, emu_target *t, const struct sockaddr_in *from, const struct sockaddr_in *to,
                     const uint8_t *dg, size_t len);
void emu_tick(mcm_emu *e, emu_target *t, double now);
void emu_conn_close(mcm_emu *e, emu_target *t, emu_conn *c);
int emu_send(mcm_emu *e, emu_target *t, emu_conn *c, mc_pdu *p);
/* Login, Text and registration (mod_mcast_emu_reg.c). */
void emu_login(mcm_emu *e, emu_target *t, emu_conn *c, const mc_pdu *p);
void emu_text(mcm_emu *e, emu_target *t, emu_conn *c, const mc_pdu *p);
void emu_leave_unused(mcm_emu *e, emu_target *t);

#endif
