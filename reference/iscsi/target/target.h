/* The reference iSCSI target: an event-driven RFC 7143 target serving many sessions. */
#ifndef MC_ISCSI_TARGET_H
#define MC_ISCSI_TARGET_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

#define MC_TARGET_MAX_LUNS 16u

typedef struct mc_target mc_target;

typedef struct mc_target_lun_spec {
    uint16_t lun;
    const char *path;  /* without a store: a store spec ("mem", PATH or file:PATH, store.h) of
                          lun_size bytes; NULL = "mem" */
    mc_store *store;   /* the LU's store, of its own size; NULL = path. The target takes a
                          reference of its own: the caller closes its own when it likes, and may
                          fail the store at run time while it holds it */
    /* The identity INQUIRY reports: product (16 characters at most), unit serial number (VPD
     * 0x80) and NAA designator (VPD 0x83). NULL / 0: the target's own, unique per LU; set, so
     * that several targets present one device to a multipathing initiator. */
    const char *product;
    const char *serial;
    uint64_t naa_id;
} mc_target_lun_spec;

typedef struct mc_target_config {
    const char *host;            /* numeric IPv4 address to listen on */
    uint16_t port;               /* 0: any free port (see mc_target_port) */
    const char *iqn;             /* TargetName */
    mc_target_lun_spec luns[MC_TARGET_MAX_LUNS];
    size_t nluns;
    uint64_t lun_size;           /* bytes per LU; 0 = 64 MiB */
    const char *chap_user;       /* both set: CHAP required (RFC 7143 12.1.3) */
    const char *chap_secret;
    const char *chap_mutual_user;   /* both set: the target answers mutual CHAP with these */
    const char *chap_mutual_secret;
    const char *mutant;          /* a mutant by name (--mutant list); NULL, "" or "none" = conformant */
    int log_level;               /* 0 errors only, 1 protocol events, 2 every PDU */
    unsigned login_timeout_ms;   /* 0 = default */
    unsigned pdu_timeout_ms;     /* the rest of a begun PDU must arrive within; 0 = default */
    unsigned data_out_timeout_ms;  /* a task waiting for Data-Out ends when none comes within;
                                      0 = default (30 s) */
    unsigned nop_interval_ms;    /* idle time before a NOP-In ping, and its answer's deadline;
                                    0 = the target sends no pings */
    FILE *log;                   /* NULL = stderr */
} mc_target_config;

/* Opens the LUs and the listening socket. The config's strings are copied. */
int mc_target_new(mc_target **out, const mc_target_config *cfg, char *err, size_t errlen);
uint16_t mc_target_port(const mc_target *t);
/* One round of the event loop, waiting at most timeout_ms for activity. Returns 0, -1 on a
 * failure of the target itself (message in err); a peer's mistake never fails the round. */
int mc_target_run_once(mc_target *t, int timeout_ms, char *err, size_t errlen);
/* Runs until *stop is set (may be NULL) or mc_target_stop is called from another thread. */
int mc_target_run(mc_target *t, const volatile sig_atomic_t *stop, char *err, size_t errlen);
/* Thread-safe and async-signal-safe: makes mc_target_run return after the current round. */
void mc_target_stop(mc_target *t);
/* Takes a connected stream socket (a socketpair's end, for a target driven in memory) as a new
 * connection in the login phase, as if accepted; peer names it in the log (NULL: "?"). Returns
 * 0, or -1 when out of memory or at the connection bound, the socket then closed. */
int mc_target_adopt(mc_target *t, int fd, const char *peer);
/* Closes every session and connection and frees everything. */
void mc_target_free(mc_target *t);

/* The number of sessions and connections now open (tests and the harness watch these). */
size_t mc_target_session_count(const mc_target *t);
size_t mc_target_conn_count(const mc_target *t);

#endif
