/* Internal state of one initiator session, shared by the files of the initiator library. */
#ifndef MC_ISCSI_INITIATOR_SESSION_H
#define MC_ISCSI_INITIATOR_SESSION_H

#include "initiator.h"

#include <stdarg.h>

/* RFC 7143 section 13 defaults and bounds used by the initiator. */
#define MC_INI_LOGIN_DSL 8192u            /* MaxRecvDataSegmentLength in force during login (13.12) */
#define MC_INI_DSL_MIN 512u               /* 13.12: 512 to 2^24-1 */
#define MC_INI_DEFAULT_RECV_DSL 262144u
#define MC_INI_DEFAULT_MAX_BURST 262144u  /* 13.13 default */
#define MC_INI_DEFAULT_FIRST_BURST 65536u /* 13.14 default */
#define MC_INI_TEXT_MAX (1u << 20)        /* a text response gathered over continuations, bound */
#define MC_INI_SENSE_LEN_FIELD 2u         /* SenseLength precedes sense data (11.4.7.2) */

struct mc_ini {
    mc_ini_params p;               /* string members point into the owned copies below */
    char *initiator_name, *target_name, *chap_user, *chap_secret;
    int fd;
    mc_wire_opts wire;             /* digests in force for this connection */
    uint32_t recv_limit;           /* DataSegmentLength we accept now */
    uint8_t *rx;                   /* bytes read but not yet decoded */
    size_t rx_len, rx_cap;
    uint32_t cmdsn, expstatsn, expcmdsn, maxcmdsn, next_itt;
    bool statsn_known, full_feature;
    mc_ini_negotiated neg;
    uint8_t login_class, login_detail;
    uint8_t sense_key, sense_asc, sense_ascq;  /* the last CHECK CONDITION a convenience command met */
    mc_ini_send_hook send_hook;
    mc_ini_recv_hook recv_hook;
    void *hook_ctx;
};

/* err formatting: every failing path writes one message and returns its code. */
int mc_ini_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Receives the next PDU, skipping nothing; pings are answered by mc_ini_recv_pdu. */
int mc_ini_recv_any(mc_ini *ini, mc_pdu *pdu, uint64_t deadline, char *err, size_t errlen);
/* Describes a Reject PDU into err and returns MC_INI_REFUSED. */
int mc_ini_rejected(const mc_pdu *pdu, char *err, size_t errlen);
/* Waits for the command window to open (CmdSN <= MaxCmdSN) by reading unsolicited PDUs. */
int mc_ini_wait_window(mc_ini *ini, uint64_t deadline, char *err, size_t errlen);

#endif
