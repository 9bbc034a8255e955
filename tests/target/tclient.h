/* Test scaffolding for the target: the target on 127.0.0.1 port 0 in a thread, and a raw-socket
 * initiator that speaks PDUs through the codec, every wait bounded by a deadline. */
#ifndef MC_TEST_TCLIENT_H
#define MC_TEST_TCLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pdu.h"
#include "target.h"
#include "target_hooks.h"

#define TC_IQN "iqn.2026-11.org.mirrorcert:unit"
#define TC_INITIATOR "iqn.2026-11.org.mirrorcert:tester"
#define TC_WAIT_MS 5000          /* how long a test waits for an answer that must come */
#define TC_QUIET_MS 300          /* how long it listens to show that nothing comes */

typedef struct tc_target {
    mc_target *t;
    pthread_t thread;
    uint16_t port;
    bool running;
} tc_target;

/* Starts a target with two memory LUNs (1 and 2) unless cfg names its own; cfg may be NULL. */
int tc_target_start(tc_target *tt, const mc_target_config *cfg);
/* The same with one hook module plugged in (h may be NULL); ctx stays the caller's. */
int tc_target_start_hooks(tc_target *tt, const mc_target_config *cfg, const mc_target_hooks *h, void *ctx);
/* The same with a module that plugs a fresh instance of itself in (mod->attach). */
int tc_target_start_module(tc_target *tt, const mc_target_config *cfg, const mc_target_module *mod);
void tc_target_stop(tc_target *tt);

typedef struct tc_conn {
    int fd;
    uint8_t *buf;
    size_t len, cap;
    mc_wire_opts wo;
    mc_dec_limits lim;
    uint64_t isid;
    uint16_t tsih;
    uint16_t cid;            /* CID the login names (0 unless a test sets it) */
    uint32_t itt, cmdsn, expstatsn;
    uint32_t login_statsn;   /* StatSN of the last Login Response */
} tc_conn;

int tc_connect(tc_conn *c, uint16_t port, uint64_t isid);
void tc_close(tc_conn *c);
int tc_send(tc_conn *c, const mc_pdu *p);
int tc_send_raw(tc_conn *c, const void *b, size_t n);
/* 0 and a PDU (caller frees), 1 on timeout, -1 when the connection closed or broke;
 * *st (may be NULL) gets the decoder's verdict. */
int tc_recv_st(tc_conn *c, mc_pdu *p, int timeout_ms, mc_dec_status *st);
int tc_recv(tc_conn *c, mc_pdu *p, int timeout_ms);
/* True when the target closes the connection within timeout_ms (PDUs before EOF are dropped). */
bool tc_wait_closed(tc_conn *c, int timeout_ms);

/* A request with the next ITT, the current CmdSN and ExpStatSN; advance says whether the
 * CmdSN moves (non-immediate commands). */
void tc_request(tc_conn *c, mc_pdu *p, uint8_t opcode, bool advance);

/* Logs in straight to full feature phase (operational stage only, AuthMethod not offered).
 * keys: extra "Key=Value" strings, NULL-terminated (may be NULL). Returns the login status
 * (class << 8 | detail), or -1 on a transport failure. Digest keys apply to the connection. */
int tc_login(tc_conn *c, const char *target, const char *const *keys);
/* One Login Request with the given stage flags and keys; *rsp gets the Login Response. */
int tc_login_step(tc_conn *c, int csg, int nsg, bool transit, const char *const *keys, mc_pdu *rsp);
int tc_status(const mc_pdu *rsp);  /* status class << 8 | detail */
/* Same for a discovery session. */
int tc_login_discovery(tc_conn *c);

/* Full feature phase helpers. */
int tc_nop_ping(tc_conn *c);  /* 0 when a NOP-In answers with the same ITT and the next StatSN */
/* Key=value list helpers for Text/Login data. */
bool tc_text_has(const mc_pdu *p, const char *pair);

/* A SCSI Command; data (may be NULL) goes as immediate data. */
void tc_scsi(tc_conn *c, mc_pdu *p, uint16_t lun, const uint8_t *cdb, size_t cdb_len, bool read,
             bool write, uint32_t edtl);

/* READ(10)/WRITE(10) CDB for lba and a block count (SBC-3). */
void tc_rw10(uint8_t cdb[10], uint8_t op, uint32_t lba, uint16_t blocks);
/* Sends and frees p; true when it went out. */
bool tc_send_free(tc_conn *c, mc_pdu *p);
/* One Data-Out to LUN 1 with this ITT/TTT/DataSN/offset. */
bool tc_data_out(tc_conn *c, uint32_t itt, uint32_t ttt, uint32_t datasn, uint32_t off, const uint8_t *d,
                 uint32_t len, bool final);

#endif
