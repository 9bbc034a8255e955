/* The extension API of the reference target: what a hook module (target_hooks.h) may see of a
 * connection, a session, the target and a task, and what it may do with them. Handles are
 * opaque; the target's own structures stay private to it. Every call is made on the target's
 * thread, from inside a hook. */
#ifndef MC_TARGET_EXT_H
#define MC_TARGET_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lun.h"
#include "pdu.h"
#include "target.h"

typedef struct tgt_conn mc_conn;        /* one TCP connection */
typedef struct tgt_session mc_session;  /* one iSCSI session (one connection: MaxConnections=1) */
typedef struct tgt_task mc_task;        /* one SCSI task the target made of a SCSI Command */
struct mc_target_hooks;

#define MC_TARGET_EDTL_MAX (16u << 20)  /* largest transfer one command may ask of the target */

/* A session's operational parameters (RFC 7143 section 13), the initiator's where declarative. */
typedef struct mc_session_params {
    uint32_t mrdsl_out;        /* the initiator's MaxRecvDataSegmentLength: most we send per PDU */
    uint32_t mrdsl_in;         /* ours: most we accept */
    uint32_t max_burst;
    uint32_t first_burst;
    uint32_t max_outstanding_r2t;
    uint32_t time2wait;
    uint32_t time2retain;
    uint32_t max_connections;
    uint8_t erl;               /* ErrorRecoveryLevel */
    bool initial_r2t;
    bool immediate_data;
    bool header_digest;
    bool data_digest;
    bool data_pdu_in_order;
    bool data_seq_in_order;
} mc_session_params;

/* What sending does with the connection's StatSN (RFC 7143 4.2.2.2, 11.8, 11.19). */
typedef enum mc_send_statsn {
    MC_SEND_STATSN_NONE = 0,   /* Login Responses before full feature phase stamp their own */
    MC_SEND_STATSN_ADVANCE,    /* a response: takes the next StatSN, with ExpCmdSN and MaxCmdSN */
    MC_SEND_STATSN_CARRY,      /* R2T, unsolicited NOP-In, Data-In without status: carried, not advanced */
} mc_send_statsn;

typedef enum mc_conn_state {
    MC_CONN_LOGIN = 0,         /* logging in */
    MC_CONN_FFP,               /* full feature phase */
    MC_CONN_CLOSED,            /* closed; gone after this loop round */
} mc_conn_state;

/* Connection. */
mc_session *mc_conn_session(const mc_conn *c);    /* NULL until login made the session */
mc_target *mc_conn_target(const mc_conn *c);
mc_conn_state mc_conn_get_state(const mc_conn *c);
/* The TCP peer's and our own IPv4 address, host order: 0, or -1 when not available. */
int mc_conn_peer_ipv4(const mc_conn *c, uint32_t *addr);
int mc_conn_local_ipv4(const mc_conn *c, uint32_t *addr);
/* Queues p with its StatSN set per mode and, for a response, the CmdSN window stamped; keep
 * holds a response for Status SNACK at ErrorRecoveryLevel 1. 0, or -1 (connection closed). */
int mc_conn_send(mc_conn *c, mc_pdu *p, mc_send_statsn mode, bool keep);
/* ExpCmdSN and MaxCmdSN of the session into p (a PDU sent without advancing StatSN). */
void mc_conn_stamp_window(mc_conn *c, mc_pdu *p);
/* A SCSI Response for a command the module answers itself: Response 0 (completed), res's
 * status and sense, the residual (RFC 7143 11.4.5) and ExpDataSN (11.4.8), StatSN advanced;
 * keep holds it for Status SNACK. */
void mc_conn_send_status(mc_conn *c, uint32_t itt, const mc_scsi_result *res, bool overflow, bool underflow,
                         uint32_t residual, uint32_t expdatasn, bool keep);
/* A Reject carrying the header bhs with this reason (RFC 7143 11.17). */
void mc_conn_reject(mc_conn *c, const uint8_t *bhs, uint8_t reason);
/* Closes the connection at the end of this round; its session ends with it. */
void mc_conn_close(mc_conn *c, const char *why);
/* One line in the target's log, naming the session and connection; level 0 errors, 1 protocol
 * events, 2 every PDU. */
void mc_conn_log(const mc_conn *c, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Session. */
uint64_t mc_session_isid(const mc_session *s);
uint16_t mc_session_tsih(const mc_session *s);
const char *mc_session_initiator(const mc_session *s);
bool mc_session_is_discovery(const mc_session *s);
const mc_session_params *mc_session_get_params(const mc_session *s);
/* A fresh Target Transfer Tag of the session, never 0 or 0xffffffff (RFC 7143 11.8.1). */
uint32_t mc_session_ttt(mc_session *s);
mc_conn *mc_session_conn(const mc_session *s);    /* NULL while the session is ending */
mc_target *mc_session_target(const mc_session *s);
/* The target's task with this Initiator Task Tag, in any state, or NULL. */
mc_task *mc_session_task(const mc_session *s, uint32_t itt);

/* Target. */
mc_lun *mc_target_lun(const mc_target *t, uint16_t lun);   /* NULL: no such LU */
mc_lun_set *mc_target_luns(const mc_target *t);
/* The active mutant of the module whose table is h: its index + 1 in h->mutants, 0 for none. */
int mc_target_module_mutant(const mc_target *t, const struct mc_target_hooks *h);
/* The target's clock: milliseconds, monotonic; deadlines and ticks use it. */
uint64_t mc_target_now_ms(const mc_target *t);

/* Task. */
uint32_t mc_task_itt(const mc_task *k);
uint16_t mc_task_lun(const mc_task *k);
const uint8_t *mc_task_cdb(const mc_task *k);      /* MC_CDB_LEN bytes, as the LU would run them */
/* The write data (every byte has arrived), *len bytes; NULL and 0 for a command without. */
const uint8_t *mc_task_data_out(const mc_task *k, size_t *len);
/* Bytes of data-in the command may return (0 unless it reads). */
size_t mc_task_data_in_cap(const mc_task *k);
mc_session *mc_task_session(const mc_task *k);
/* Finishes a task a module took at execute: res is its status and sense, data_in the len
 * bytes it read (len at most mc_task_data_in_cap). The target then sends Data-In and status as
 * for a task it ran itself. Returns 0, after which the handle is no longer the module's; -1 when
 * the task is not TAKEN now (called from inside execute or cancel) or len is too long, and then
 * nothing is done. A task is TAKEN from execute returning MC_HOOK_TAKEN until this call or the
 * module's cancel hook, whichever comes first; after cancel the handle is freed. */
int mc_target_task_complete(mc_task *k, const mc_scsi_result *res, const uint8_t *data_in, size_t len);

#endif
