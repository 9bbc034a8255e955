/* The reference iSCSI initiator (RFC 7143): one session of one connection, blocking calls that
 * each take an absolute deadline, hooks on every PDU sent and received. */
#ifndef MC_ISCSI_INITIATOR_H
#define MC_ISCSI_INITIATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdu.h"

/* Return codes of every call; the message goes to err. */
enum mc_ini_rc {
    MC_INI_OK = 0,
    MC_INI_ERR = -1,       /* local failure: memory, socket, usage */
    MC_INI_TIMEOUT = -2,   /* the deadline passed */
    MC_INI_CLOSED = -3,    /* the peer closed the connection */
    MC_INI_PROTOCOL = -4,  /* the peer broke RFC 7143; the connection is no longer usable */
    MC_INI_REFUSED = -5,   /* the peer answered with a refusal (login status, reject, TMF response) */
};

/* Deadlines are CLOCK_MONOTONIC milliseconds; mc_ini_deadline(ms) is "ms from now". */
uint64_t mc_ini_now_ms(void);
uint64_t mc_ini_deadline(uint64_t ms);

/* What the initiator offers at login (RFC 7143 section 13). Zero/NULL fields take the defaults. */
typedef struct mc_ini_params {
    const char *initiator_name;   /* default MC_INI_DEFAULT_NAME */
    const char *target_name;      /* required for a normal session, ignored for discovery */
    bool discovery;               /* SessionType=Discovery */
    const char *chap_user;        /* CHAP when both are set, AuthMethod=None otherwise */
    const char *chap_secret;
    bool header_digest;           /* offer CRC32C (otherwise None) */
    bool data_digest;
    bool no_immediate_data;       /* offer ImmediateData=No (default Yes) */
    bool initial_r2t;             /* offer InitialR2T=Yes (default No) */
    uint32_t max_recv_dsl;        /* MaxRecvDataSegmentLength we accept, default 262144 */
    uint32_t max_burst;           /* MaxBurstLength offered, default 262144 */
    uint32_t first_burst;         /* FirstBurstLength offered, default 65536 */
    uint32_t max_outstanding_r2t; /* default 1 */
    uint32_t error_recovery_level;/* default 0 */
    uint8_t isid[6];              /* all zero: a random-qualifier OUI-format ISID is chosen */
} mc_ini_params;
#define MC_INI_DEFAULT_NAME "iqn.2026-11.org.mirrorcert:initiator"

/* The operational values in force after login (the results of negotiation). */
typedef struct mc_ini_negotiated {
    bool header_digest, data_digest, immediate_data, initial_r2t;
    uint32_t max_send_dsl;        /* the target's MaxRecvDataSegmentLength */
    uint32_t max_recv_dsl;
    uint32_t max_burst, first_burst, max_outstanding_r2t, error_recovery_level;
    uint16_t tsih;
} mc_ini_negotiated;

/* Send hook: sees each outgoing PDU before it is encoded; may change it. Returns MC_HOOK_SEND,
 * MC_HOOK_DROP (not sent, the call carries on as if it had been) or a negative mc_ini_rc. */
enum { MC_HOOK_SEND = 0, MC_HOOK_DROP = 1 };
typedef int (*mc_ini_send_hook)(void *ctx, mc_pdu *pdu);
/* Receive hook: sees each decoded incoming PDU before the initiator acts on it. */
typedef void (*mc_ini_recv_hook)(void *ctx, const mc_pdu *pdu);

typedef struct mc_ini mc_ini;

mc_ini *mc_ini_new(const mc_ini_params *params);   /* copies params; NULL on ENOMEM */
void mc_ini_free(mc_ini *ini);                      /* closes the socket without logout */
void mc_ini_set_hooks(mc_ini *ini, mc_ini_send_hook send, mc_ini_recv_hook recv, void *ctx);

/* host may be a name, an IPv4 address or an IPv6 address (brackets optional). */
int mc_ini_connect(mc_ini *ini, const char *host, uint16_t port, uint64_t deadline, char *err,
                   size_t errlen);
/* Uses an already connected stream socket (tests, socketpairs); the initiator owns it. */
int mc_ini_adopt_fd(mc_ini *ini, int fd, char *err, size_t errlen);
int mc_ini_login(mc_ini *ini, uint64_t deadline, char *err, size_t errlen);
const mc_ini_negotiated *mc_ini_negotiated_values(const mc_ini *ini);
/* The last login response's status class and detail (11.13.5), for callers reporting refusals. */
void mc_ini_login_status(const mc_ini *ini, uint8_t *status_class, uint8_t *status_detail);
int mc_ini_logout(mc_ini *ini, uint64_t deadline, char *err, size_t errlen);

/* Text exchange (11.10/11.11): sends key=value\0 pairs, gathers a response sent with
 * continuation (C bit) into one malloc'd buffer. */
int mc_ini_text(mc_ini *ini, const char *kv, size_t kv_len, char **resp, size_t *resp_len,
                uint64_t deadline, char *err, size_t errlen);
/* SendTargets=<what> on a discovery or normal session; resp as for mc_ini_text. */
int mc_ini_send_targets(mc_ini *ini, const char *what, char **resp, size_t *resp_len,
                        uint64_t deadline, char *err, size_t errlen);

/* NOP-Out ping expecting NOP-In echoing data (11.18/11.19). */
int mc_ini_ping(mc_ini *ini, const void *data, size_t len, uint64_t deadline, char *err,
                size_t errlen);

/* One SCSI command (11.3/11.4). The caller fills the request half; the call fills the result. */
typedef struct mc_ini_cmd {
    uint16_t lun;
    uint8_t cdb[MC_CDB_LEN];
    size_t cdb_len;
    const uint8_t *data_out;   /* write data, data_out_len bytes (EDTL for a write) */
    size_t data_out_len;
    uint8_t *data_in;          /* read buffer, data_in_len bytes (EDTL for a read) */
    size_t data_in_len;
    uint8_t attr;              /* task attribute (0 untagged, 1 simple) */
    /* results */
    uint8_t response;          /* 11.4.3: 0 completed at target */
    uint8_t status;            /* SAM status */
    uint8_t sense[252];
    size_t sense_len;
    size_t data_in_got;        /* highest byte of data_in the target filled */
    bool overflow, underflow;
    uint32_t residual;
    uint32_t itt;              /* tag the command went out with */
    uint32_t data_in_pdus, r2ts, data_out_pdus;
} mc_ini_cmd;
int mc_ini_scsi(mc_ini *ini, mc_ini_cmd *cmd, uint64_t deadline, char *err, size_t errlen);

/* Task management (11.5/11.6). ref_itt/ref_cmdsn name the task for ABORT TASK. The target's
 * response code lands in *response; a code other than "function complete" returns MC_INI_REFUSED. */
int mc_ini_tmf(mc_ini *ini, uint8_t function, uint16_t lun, uint32_t ref_itt, uint32_t ref_cmdsn,
               uint8_t *response, uint64_t deadline, char *err, size_t errlen);

/* PDU-level access for callers building their own exchanges: the sequence numbers to use, and a
 * send and a receive that still run the hooks and keep ExpStatSN/MaxCmdSN current. */
uint32_t mc_ini_next_itt(mc_ini *ini);
uint32_t mc_ini_cmdsn(const mc_ini *ini);
uint32_t mc_ini_expstatsn(const mc_ini *ini);
uint32_t mc_ini_maxcmdsn(const mc_ini *ini);
/* Stamps CmdSN (advancing it for non-immediate commands) and ExpStatSN, then sends. */
int mc_ini_send_pdu(mc_ini *ini, mc_pdu *pdu, uint64_t deadline, char *err, size_t errlen);
/* Sends exactly as given: no numbering. */
int mc_ini_send_raw(mc_ini *ini, mc_pdu *pdu, uint64_t deadline, char *err, size_t errlen);
/* Next PDU from the target (caller frees with mc_pdu_free). NOP-In pings are answered inside. */
int mc_ini_recv_pdu(mc_ini *ini, mc_pdu *pdu, uint64_t deadline, char *err, size_t errlen);

/* Convenience commands on top of mc_ini_scsi; a CHECK CONDITION returns MC_INI_REFUSED with the
 * sense key and ASC/ASCQ in err. */
int mc_ini_test_unit_ready(mc_ini *ini, uint16_t lun, uint64_t deadline, char *err, size_t errlen);
int mc_ini_inquiry(mc_ini *ini, uint16_t lun, uint8_t *buf, size_t len, size_t *got,
                   uint64_t deadline, char *err, size_t errlen);
int mc_ini_read_capacity16(mc_ini *ini, uint16_t lun, uint64_t *blocks, uint32_t *block_size,
                           uint64_t deadline, char *err, size_t errlen);
int mc_ini_read(mc_ini *ini, uint16_t lun, uint64_t lba, uint32_t nblocks, uint32_t block_size,
                uint8_t *buf, uint64_t deadline, char *err, size_t errlen);
int mc_ini_write(mc_ini *ini, uint16_t lun, uint64_t lba, uint32_t nblocks, uint32_t block_size,
                 const uint8_t *buf, uint64_t deadline, char *err, size_t errlen);
/* The sense key and ASC/ASCQ of the CHECK CONDITION that ended the last convenience command
 * (all 0 when it ended otherwise), for callers that act on the sense rather than the message. */
void mc_ini_last_sense(const mc_ini *ini, uint8_t *key, uint8_t *asc, uint8_t *ascq);
/* LUN numbers from REPORT LUNS (single-level); *count is how many the target listed. */
int mc_ini_report_luns(mc_ini *ini, uint16_t *luns, size_t cap, size_t *count, uint64_t deadline,
                       char *err, size_t errlen);

#endif
