/* The target's internal structures: the target, its connections, sessions and tasks. */
#ifndef MC_TARGET_INT_H
#define MC_TARGET_INT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lun.h"
#include "pdu.h"
#include "ranges.h"
#include "target.h"
#include "target_ext.h"
#include "target_hooks.h"
#include "target_mutant.h"

#define TGT_QUEUE_DEPTH 32u            /* commands the window admits: MaxCmdSN - ExpCmdSN + 1 */
#define TGT_LOGIN_TIMEOUT_MS 15000u    /* a connection must reach full feature phase by then */
#define TGT_PDU_TIMEOUT_MS 30000u      /* the rest of a begun PDU must arrive by then */
#define TGT_LOGIN_DATA_MAX 8192u       /* data segment limit during login (RFC 7143 13.12) */
#define TGT_OUR_MRDSL 262144u          /* the MaxRecvDataSegmentLength we declare */
#define TGT_SESSION_BYTES_MAX (64u << 20)  /* write buffers and kept Data-In one session may hold */
/* Output a connection may have queued, checked before each PDU is executed: at or above it the
 * connection executes nothing more and reads nothing more until the peer has read its answers
 * below it. Our choice: 8 MiB, a few bursts of Data-In at the largest MaxBurstLength; one PDU
 * may overshoot it by its own answer (at most an EDTL, MC_TARGET_EDTL_MAX). */
#define TGT_WBUF_HIGH (8u << 20)
#define TGT_WBUF_KEEP (256u << 10)     /* output buffer capacity kept once drained; more is freed */
#define TGT_RBUF_KEEP (2u * TGT_READ_CHUNK)  /* read buffer capacity kept once empty */
#define TGT_OUTPUT_STALL_MS 60000u     /* queued output the peer has not read from for so long: close */
#define TGT_KEPT_MAX 256u              /* responses kept for Status SNACK (6.7) */
/* Bytes of responses kept for Status SNACK per connection (our choice: the output bound, so a
 * replay of everything kept fits in it); past it the oldest is forgotten. */
#define TGT_KEPT_BYTES_MAX TGT_WBUF_HIGH
/* Unanswered SCSI commands one session (one connection, MaxConnections=1) may hold: tasks
 * waiting for Data-Out or run by a hook module. Our choice: 4 x the CmdSN window; beyond it a
 * command ends with TASK SET FULL (SAM-5 5.3), which RFC 7143 4.2.2.1 lets the initiator retry. */
#define TGT_OPEN_TASKS_MAX (4u * TGT_QUEUE_DEPTH)
/* Unanswered immediate commands one session may hold (they bypass the CmdSN window, 3.2.2.1);
 * beyond it Reject 0x06, "too many immediate commands" (11.17.1). Our choice: half the window. */
#define TGT_IMMEDIATE_MAX (TGT_QUEUE_DEPTH / 2u)
/* Tasks of all sessions at once (our choice: the open bound of 32 sessions); beyond it TASK
 * SET FULL. */
#define TGT_TARGET_TASKS_MAX (32u * TGT_OPEN_TASKS_MAX)
/* A task waiting for Data-Out that receives none for so long ends with ABORTED COMMAND / DATA
 * PHASE ERROR (our choice: the deadline of a begun PDU; the initiator owes the data from the
 * R2T or the command on, and waits on nothing of ours meanwhile). */
#define TGT_DATA_OUT_TIMEOUT_MS 30000u
/* accept() failing for want of descriptors (EMFILE, ENFILE) with no spare to shed the newcomer:
 * the listening socket is left out of poll for this long (our choice), so the loop does not spin. */
#define TGT_ACCEPT_BACKOFF_MS 1000u
#define TGT_TEXT_MAX 65536u            /* longest text a request may accumulate (6.6) */
#define TGT_READ_CHUNK 65536u
#define TGT_READ_ROOM_MIN (TGT_READ_CHUNK / 4u)  /* read buffer room below which it grows by a chunk */
#define TGT_PENDING_MAX TGT_QUEUE_DEPTH
#define TGT_CONNS_MAX 512u             /* connections open at once; more are closed on accept */
#define TGT_DEFAULT_LUN_SIZE (64ull << 20)
#define TGT_TPGT 1u                    /* the one target portal group tag we serve */

/* One R2T as sent; kept so an R2T SNACK can resend it by R2TSN (6.7). */
typedef struct tgt_r2t {
    uint32_t r2tsn, ttt, off, len;
    uint32_t next_datasn;      /* DataSN the next Data-Out of this sequence must carry */
    bool open;                 /* its sequence has not ended yet */
} tgt_r2t;

typedef enum tgt_task_state {
    TASK_WAIT_DATA,             /* Data-Out still to come */
    TASK_OFFERED,               /* inside the hook modules' execute */
    TASK_TAKEN,                 /* a hook module runs it (owner) */
    TASK_CANCELLED,             /* inside its owner's cancel, freed after */
    TASK_DONE,                  /* status sent; kept for SNACK until acknowledged */
} tgt_task_state;

struct tgt_session;

typedef struct tgt_task {
    struct tgt_task *next;
    struct tgt_session *sess;
    uint32_t itt, cmdsn;
    uint64_t lun_field;
    uint16_t lun;
    uint8_t cdb[MC_CDB_LEN];
    uint32_t edtl;
    mc_scsi_plan plan;
    uint32_t spdtl;             /* bytes the CDB asked to move, before an EDTL cut it */
    tgt_task_state state;
    bool immediate;             /* arrived as an immediate command (3.2.2.1) */
    uint64_t data_deadline_ms;  /* while waiting for Data-Out: when it times out, 0 = not waiting */
    size_t owner;               /* while TAKEN: the hook module (index) that runs it */
    /* write side */
    uint8_t *buf;               /* EDTL bytes as they arrive */
    mc_ranges got;
    uint32_t unsol_len;         /* bytes the initiator may send unsolicited (immediate + Data-Out) */
    uint32_t unsol_next_datasn;
    bool unsol_open;
    uint32_t next_off;          /* first byte not yet asked for by an R2T */
    uint32_t next_r2tsn;
    tgt_r2t *r2t;
    size_t nr2t, r2t_cap;
    /* read side and status, kept for SNACK until acknowledged */
    uint8_t *data;
    uint32_t data_len;          /* bytes sent in Data-In */
    uint32_t datain_count;      /* Data-In PDUs sent */
    uint32_t data_acked;        /* DataACK: Data-In below this DataSN will not be asked for */
    uint32_t ack_ttt;           /* TTT of Data-In PDUs with the A bit (11.7.2), 0 = none yet */
    mc_scsi_result res;
    uint32_t residual;
    bool overflow, underflow;
    uint32_t statsn;            /* StatSN of the status, once sent */
} tgt_task;

typedef struct tgt_kept {
    uint32_t statsn;
    mc_pdu pdu;
} tgt_kept;

typedef struct tgt_pending {
    struct tgt_pending *next;
    mc_pdu pdu;
    bool aborted;               /* ABORT TASK ended it: its CmdSN is consumed in turn, not run */
} tgt_pending;

struct tgt_conn;

typedef struct tgt_session {
    struct tgt_session *next;
    mc_target *t;
    uint64_t isid;
    uint16_t tsih;
    char *initiator;
    bool discovery;
    mc_session_params p;
    uint32_t exp_cmdsn, max_cmdsn;
    tgt_task *tasks;
    tgt_pending *pending;       /* in-window commands that arrived ahead of ExpCmdSN */
    size_t npending;
    struct tgt_conn *conn;
    uint32_t next_ttt;
    /* SAM-5 6.3: after a LOGICAL UNIT or TARGET reset every I_T nexus gets a UNIT ATTENTION
     * once per LU; the LUN core has no nexus, so the session keeps the pending ones */
    uint16_t ua_luns[MC_TARGET_MAX_LUNS];
    size_t n_ua;
    const char *bound_hit;      /* the task bound last reached (logged once until one is admitted) */
} tgt_session;

typedef enum tgt_phase { PHASE_LOGIN, PHASE_FFP } tgt_phase;

struct tgt_login;

typedef struct tgt_conn {
    struct tgt_conn *next;
    mc_target *t;
    int fd;
    uint32_t id;
    char peer[64];
    tgt_phase phase;
    bool closing;               /* close once the write buffer is flushed */
    bool dead;                  /* close now */
    uint8_t *rbuf;
    size_t rlen, rcap;
    uint8_t *wbuf;
    size_t wlen, woff, wcap;
    tgt_session *sess;
    uint16_t cid;
    uint32_t statsn, exp_statsn;
    bool statsn_started;
    struct tgt_login *login;
    uint64_t login_deadline_ms;
    uint64_t last_rx_ms;        /* when the peer last sent anything */
    uint64_t partial_since_ms;  /* when the unfinished PDU in rbuf began, 0 = none */
    bool paused;                /* output at TGT_WBUF_HIGH: nothing executed or read until it drains */
    uint64_t tx_progress_ms;    /* when queued output last began or moved */
    uint32_t nop_ttt;           /* TTT of our NOP-In ping awaiting its NOP-Out, 0 = none */
    uint64_t nop_sent_ms;
    /* Text exchange in full feature phase (6.6, 11.10) */
    uint32_t text_itt, text_ttt;
    bool text_active;
    char *text_req;
    size_t text_req_len;
    char *text_rsp;
    size_t text_rsp_len, text_rsp_off;
    tgt_kept kept[TGT_KEPT_MAX];
    size_t nkept;
} tgt_conn;

/* One hook module plugged into the target (target_hooks.h). */
typedef struct tgt_hook_slot {
    const mc_target_hooks *h;
    void *ctx;
    int mutant;                 /* its active mutant: index + 1 in h->mutants, 0 = none */
} tgt_hook_slot;

struct mc_target {
    char *host;
    char *iqn;
    char *chap_user, *chap_secret;
    char *chap_mutual_user, *chap_mutual_secret;
    uint16_t port;
    int mutant;
    int log_level;
    unsigned login_timeout_ms;
    unsigned nop_interval_ms;
    unsigned pdu_timeout_ms;
    unsigned data_out_timeout_ms;
    FILE *log;
    mc_lun_set *luns;
    uint16_t lun_ids[MC_TARGET_MAX_LUNS];
    size_t nluns;
    int listen_fd;
    int spare_fd;               /* a descriptor held to shed a connection when accept hits EMFILE */
    uint64_t accept_resume_ms;  /* accept paused (no descriptor) until then, 0 = not paused */
    bool accept_emfile_logged;  /* the descriptor shortage was logged (once per episode) */
    size_t ntasks;              /* tasks of all sessions (TGT_TARGET_TASKS_MAX) */
    int wake[2];
    atomic_bool stop_requested;
    tgt_conn *conns;
    tgt_session *sessions;
    uint32_t next_conn_id;
    uint16_t next_tsih;
    tgt_hook_slot hooks[MC_TARGET_HOOKS_MAX];  /* in the order they were added */
    size_t nhooks;
    char *pending_mutant;       /* a mutant name the core table does not know, for a module */
    bool started;               /* a loop round ran: no more modules */
};

/* target_loop.c */
uint64_t tgt_now_ms(void);
void tgt_log(const tgt_conn *c, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tgt_vlog(const tgt_conn *c, int level, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
static inline bool tgt_mutant(const mc_target *t, int m) { return t->mutant == m; }

/* target_send.c: every PDU the target sends goes through here. */
/* The output bound (TGT_WBUF_HIGH) is reached: execute and read nothing more for now. */
static inline bool tgt_output_full(const tgt_conn *c) { return c->wlen - c->woff >= TGT_WBUF_HIGH; }
int tgt_send(tgt_conn *c, mc_pdu *p, mc_send_statsn sn_mode, bool keep);
void tgt_reject(tgt_conn *c, const uint8_t *bhs, uint8_t reason);
void tgt_ack_statsn(tgt_conn *c, uint32_t exp_statsn);
int tgt_resend_status(tgt_conn *c, uint32_t beg, uint32_t run);
void tgt_stamp_window(tgt_conn *c, mc_pdu *p);

/* target_session.c */
tgt_session *tgt_session_new(mc_target *t, uint64_t isid, const char *initiator, bool discovery);
void tgt_session_free(tgt_session *s);
tgt_session *tgt_session_find(mc_target *t, uint64_t isid, uint16_t tsih, const char *initiator);
void tgt_session_advance(tgt_session *s);
uint32_t tgt_session_ttt(tgt_session *s);
void tgt_conn_ffp(tgt_conn *c, mc_pdu *p);
/* Runs the commands queued ahead of ExpCmdSN whose turn has come, while the output bound allows;
 * sets c->paused when it stops for the bound. */
void tgt_session_resume(tgt_conn *c);
void tgt_conn_close(tgt_conn *c, const char *why);

/* target_login.c */
void tgt_login_pdu(tgt_conn *c, mc_pdu *p);
void tgt_login_free(struct tgt_login *l);
void tgt_params_default(mc_session_params *p);

/* target_scsi.c */
void tgt_scsi_cmd(tgt_conn *c, mc_pdu *p);
void tgt_data_out(tgt_conn *c, mc_pdu *p, bool digest_bad);
void tgt_task_free(tgt_task *k);
tgt_task *tgt_task_find(const tgt_session *s, uint32_t itt);
void tgt_task_remove(tgt_session *s, tgt_task *k);
/* A SCSI Response: Response 0, res's status and sense (SenseLength first, 11.4.7.2), residual
 * and ExpDataSN (11.4.5, 11.4.8); StatSN advanced; keep holds it for Status SNACK. */
void tgt_send_status(tgt_conn *c, uint32_t itt, const mc_scsi_result *res, bool overflow, bool underflow,
                     uint32_t residual, uint32_t expdatasn, bool keep);
int tgt_datain_resend(tgt_conn *c, tgt_task *k, uint32_t beg, uint32_t run);
int tgt_rdata_resend(tgt_conn *c, tgt_task *k, uint32_t snack_tag);
int tgt_r2t_resend(tgt_conn *c, tgt_task *k, uint32_t beg, uint32_t run);
void tgt_tasks_ack(tgt_session *s, uint32_t exp_statsn);
/* Tasks waiting for Data-Out: the earliest deadline (0 = none), and ending those past it. */
uint64_t tgt_tasks_deadline(const tgt_session *s);
void tgt_tasks_tick(tgt_conn *c, uint64_t now);

/* target_hooks.c: the hook modules at their points (target_hooks.h), in the order added */
int tgt_hooks_text(tgt_conn *c, const uint8_t *req, size_t len, mc_textbuf *out);
bool tgt_hooks_scsi_cmd(tgt_conn *c, mc_pdu *p);
bool tgt_hooks_data_out(tgt_conn *c, const mc_pdu *p);
bool tgt_hooks_abort(tgt_conn *c, const mc_pdu *req, uint8_t *response);
bool tgt_hooks_execute(tgt_task *k);           /* true: a module took it (TASK_TAKEN) */
void tgt_hooks_cancel(tgt_task *k);            /* a TAKEN task is being dropped */
size_t tgt_hooks_nfds(const mc_target *t);
/* Fills pf with at most max descriptors; counts[i] gets module i's share. */
size_t tgt_hooks_fill(mc_target *t, struct pollfd *pf, size_t max, size_t counts[MC_TARGET_HOOKS_MAX]);
void tgt_hooks_on_poll(mc_target *t, const struct pollfd *pf, const size_t counts[MC_TARGET_HOOKS_MAX]);
uint64_t tgt_hooks_next_deadline(const mc_target *t);  /* the earliest; 0 = none */
void tgt_hooks_tick(mc_target *t, uint64_t now);
void tgt_hooks_session_end(mc_target *t, tgt_session *s);
void tgt_hooks_free(mc_target *t);

/* target_ffp.c */
void tgt_text(tgt_conn *c, mc_pdu *p);
void tgt_tmf(tgt_conn *c, mc_pdu *p);
void tgt_snack(tgt_conn *c, mc_pdu *p);
void tgt_nop_out(tgt_conn *c, mc_pdu *p);
void tgt_logout(tgt_conn *c, mc_pdu *p);
/* Target-initiated NOP-In (11.19): the next time the connection's ping timer needs attention
 * (0 = never), and the timer's work at now (send a ping, or give up on an unanswered one). */
uint64_t tgt_nop_deadline(const tgt_conn *c);
void tgt_nop_tick(tgt_conn *c, uint64_t now);

#endif
