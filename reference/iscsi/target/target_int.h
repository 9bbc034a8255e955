/* The target's internal structures: the target, its connections, sessions and tasks. */
#ifndef MC_TARGET_INT_H
#define MC_TARGET_INT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lun.h"
#include "target_mutant.h"
#include "pdu.h"
#include "ranges.h"
#include "target.h"

#define TGT_QUEUE_DEPTH 32u            /* commands the window admits: MaxCmdSN - ExpCmdSN + 1 */
#define TGT_LOGIN_TIMEOUT_MS 15000u    /* a connection must reach full feature phase by then */
#define TGT_PDU_TIMEOUT_MS 30000u      /* the rest of a begun PDU must arrive by then */
#define TGT_LOGIN_DATA_MAX 8192u       /* data segment limit during login (RFC 7143 13.12) */
#define TGT_OUR_MRDSL 262144u          /* the MaxRecvDataSegmentLength we declare */
#define TGT_EDTL_MAX (16u << 20)       /* largest transfer one command may ask of us */
#define TGT_SESSION_BYTES_MAX (64u << 20)  /* write buffers and kept Data-In one session may hold */
#define TGT_WBUF_HIGH (8u << 20)       /* stop reading from a peer that does not read its answers */
#define TGT_KEPT_MAX 256u              /* responses kept for Status SNACK (6.7) */
#define TGT_TEXT_MAX 65536u            /* longest text a request may accumulate (6.6) */
#define TGT_READ_CHUNK 65536u
#define TGT_PENDING_MAX TGT_QUEUE_DEPTH
#define TGT_CONNS_MAX 512u             /* connections open at once; more are closed on accept */
#define TGT_DEFAULT_LUN_SIZE (64ull << 20)
#define TGT_TPGT 1u                    /* the one target portal group tag we serve */

/* Operational parameters of a session (RFC 7143 13); the initiator's values where declarative. */
typedef struct tgt_params {
    uint32_t mrdsl_out;        /* initiator's MaxRecvDataSegmentLength: most we send per PDU */
    uint32_t mrdsl_in;         /* ours: most we accept */
    uint32_t max_burst;
    uint32_t first_burst;
    uint32_t max_outstanding_r2t;
    uint32_t time2wait;
    uint32_t time2retain;
    uint32_t max_connections;
    uint8_t erl;
    bool initial_r2t;
    bool immediate_data;
    bool header_digest;
    bool data_digest;
    bool data_pdu_in_order;
    bool data_seq_in_order;
} tgt_params;

/* One R2T as sent; kept so an R2T SNACK can resend it by R2TSN (6.7). */
typedef struct tgt_r2t {
    uint32_t r2tsn, ttt, off, len;
    uint32_t next_datasn;      /* DataSN the next Data-Out of this sequence must carry */
    bool open;                 /* its sequence has not ended yet */
} tgt_r2t;

typedef enum tgt_task_state { TASK_WAIT_DATA, TASK_DONE } tgt_task_state;

typedef struct tgt_task {
    struct tgt_task *next;
    uint32_t itt, cmdsn;
    uint64_t lun_field;
    uint16_t lun;
    uint8_t cdb[MC_CDB_LEN];
    uint32_t edtl;
    mc_scsi_plan plan;
    tgt_task_state state;
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
} tgt_pending;

struct tgt_conn;

typedef struct tgt_session {
    struct tgt_session *next;
    mc_target *t;
    uint64_t isid;
    uint16_t tsih;
    char *initiator;
    bool discovery;
    tgt_params p;
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
    FILE *log;
    mc_lun_set *luns;
    uint16_t lun_ids[MC_TARGET_MAX_LUNS];
    size_t nluns;
    int listen_fd;
    int wake[2];
    atomic_bool stop_requested;
    tgt_conn *conns;
    tgt_session *sessions;
    uint32_t next_conn_id;
    uint16_t next_tsih;
    struct tgt_mcast *mcast;    /* multicast mirroring state (target_mcast.c), NULL until used */
};

/* target_loop.c */
uint64_t tgt_now_ms(void);
void tgt_log(const tgt_conn *c, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline bool tgt_mutant(const mc_target *t, int m) { return t->mutant == m; }

/* target_send.c: every PDU the target sends goes through here. */
enum {
    SEND_STATSN_NONE = 0,   /* Login responses before FFP stamp their own numbers */
    SEND_STATSN_ADVANCE,    /* a response: takes the next StatSN */
    SEND_STATSN_CARRY,      /* R2T, unsolicited NOP-In, Data-In without status: carry, not advance */
};
int tgt_send(tgt_conn *c, mc_pdu *p, int sn_mode, bool keep);
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
void tgt_conn_close(tgt_conn *c, const char *why);

/* target_login.c */
void tgt_login_pdu(tgt_conn *c, mc_pdu *p);
void tgt_login_free(struct tgt_login *l);
void tgt_params_default(tgt_params *p);

/* target_scsi.c */
void tgt_scsi_cmd(tgt_conn *c, mc_pdu *p);
void tgt_data_out(tgt_conn *c, mc_pdu *p, bool digest_bad);
void tgt_task_free(tgt_task *k);
tgt_task *tgt_task_find(tgt_session *s, uint32_t itt);
void tgt_task_remove(tgt_session *s, tgt_task *k);
int tgt_datain_resend(tgt_conn *c, tgt_task *k, uint32_t beg, uint32_t run);
int tgt_r2t_resend(tgt_conn *c, tgt_task *k, uint32_t beg, uint32_t run);
void tgt_tasks_ack(tgt_session *s, uint32_t exp_statsn);

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
