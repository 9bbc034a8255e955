/* A scripted fake target for the initiator's unit tests: one end of a socketpair served by a
 * thread that runs a script written with the PDU codec. The script records the first thing the
 * initiator did wrong; the test reports it after joining. */
#ifndef MC_TEST_INITIATOR_PEER_H
#define MC_TEST_INITIATOR_PEER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pdu.h"

#define PEER_WAIT_MS 5000  /* how long the peer waits for a PDU that must come */
#define PEER_TSIH 7u
#define PEER_WINDOW 16u    /* MaxCmdSN - ExpCmdSN + 1 the peer grants */

typedef struct peer peer;
typedef void (*peer_script)(peer *p, void *arg);

struct peer {
    int fd;
    uint8_t *buf;
    size_t len, cap;
    mc_wire_opts wo;
    mc_dec_limits lim;
    uint32_t statsn, expcmdsn;
    char fail[512];          /* first failure the script saw; empty when all went as expected */
    peer_script script;
    void *arg;
    pthread_t thread;
};

/* Starts the script on a thread; *ini_fd receives the initiator's end of the socketpair. */
int peer_start(peer *p, peer_script script, void *arg, int *ini_fd);
/* Waits for the script to end and closes the peer's end; returns the failure text or NULL. */
const char *peer_join(peer *p);

void peer_failf(peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0 and a PDU (caller frees), 1 on timeout, -1 when the connection closed or broke. */
int peer_recv(peer *p, mc_pdu *pdu, int timeout_ms);
/* Receives a PDU that must come, with the given opcode; false (and a failure) otherwise. */
bool peer_expect(peer *p, mc_pdu *pdu, uint8_t opcode);
int peer_send(peer *p, mc_pdu *pdu);   /* encodes, writes, frees; 0 or -1 */
/* A target PDU with StatSN (advanced when advance), ExpCmdSN and MaxCmdSN filled in. */
void peer_response(peer *p, mc_pdu *pdu, uint8_t opcode, uint32_t itt, bool advance);
/* Notes the CmdSN of a received non-immediate request so ExpCmdSN follows it. */
void peer_saw(peer *p, const mc_pdu *req);

/* Answers Login Requests in the operational stage with the given NUL-separated "Key=Value" list
 * (keys = "A=1\0B=2\0", keys_len bytes) and T=1/NSG=FullFeaturePhase. Applies HeaderDigest and
 * DataDigest=CRC32C from the list to the connection. Returns true when the login completed. */
bool peer_login(peer *p, const char *keys, size_t keys_len);
/* Fails unless the data segment of pdu contains the pair. */
bool peer_has_key(peer *p, const mc_pdu *pdu, const char *pair);

#endif
