/* The `mcast` Tcl command: the harness's side of the multicast data path
 * (docs/mcast-data-path.md). As the initiator it sends group datagrams and watches the group;
 * as N emulated targets it answers a mirroring initiator and records every PDU it sends. The
 * framing here is the harness's own reading of the contract, not the reference devices' code. */
#ifndef MC_MOD_MCAST_H
#define MC_MOD_MCAST_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tcl.h>

#include "ensemble.h"
#include "fault.h"
#include "capture.h"
#include "ladder.h"
#include "pdu.h"

/* §3 and §10 of the contract. */
#define MCM_HDR_LEN 24u
#define MCM_MAGIC 0x4d47u            /* "MG" */
#define MCM_VERSION 1u
#define MCM_DEFAULT_PORT 3260u       /* IANA iscsi-target, UDP too */
#define MCM_DGRAM_MAX 65507u         /* largest UDP payload over IPv4 */
#define MCM_PDUS_MAX 64u             /* PDUs the harness decodes from one datagram */
#define MCM_ISID_MASK UINT64_C(0xffffffffffff)  /* the ISID is 6 bytes (RFC 7143 11.12.5) */
#define MCM_DEFAULT_TASKS 8u
#define MCM_DEFAULT_TIMEOUT_MS 2000u
#define MCM_LITERAL_BURST 262144u    /* MaxBurstLength default, RFC 7143 13.13 */
#define MCM_BLOCK 512u               /* block size of the emulated LUNs */
#define MCM_VLUN_MAX 255u            /* single-level peripheral addressing (§4.2) */
#define MCM_BURST_UNIT 512u          /* GroupBurst is a multiple of this (§4.2) */
#define MCM_TASKS_MAX 64u            /* GroupTasks is 1..64 (§4.2) */
#define MCM_TIMEOUT_MIN_MS 100u      /* DataTimeout is 100..60000 ms (§4.2) */
#define MCM_TIMEOUT_MAX_MS 60000u

/* Field offsets of the group header (§3). */
enum {
    MCM_OFF_MAGIC = 0,
    MCM_OFF_VERSION = 2,
    MCM_OFF_RESERVED = 3,
    MCM_OFF_ISID = 4,
    MCM_OFF_COUNT = 10,
    MCM_OFF_GSN = 12,
    MCM_OFF_PAYLOAD = 16,
    MCM_OFF_CRC = 20,
};

/* A group header as sent or seen. */
typedef struct mcm_hdr {
    uint16_t magic;
    uint8_t version, reserved;
    uint64_t isid;
    uint16_t pdu_count;
    uint32_t gsn, payload_length, crc;
} mcm_hdr;

/* Result of reading a datagram: what the header says, whether it holds, the PDUs found. */
typedef struct mcm_parsed {
    mcm_hdr h;
    bool crc_ok;
    bool lengths_ok;     /* payload_length and pdu_count agree with the bytes (§3) */
    char problem[128];   /* the first rule-2 violation, or "" */
    size_t len;          /* bytes of the datagram */
    mc_pdu pdus[MCM_PDUS_MAX];
    size_t npdus;
} mcm_parsed;

/* Framing (mod_mcast_frame.c). */
uint32_t mcm_crc(const uint8_t *dg, size_t len);   /* CRC32C with the crc field taken as zero */
void mcm_put_hdr(uint8_t *dg, const mcm_hdr *h);
/* Decodes dg; never fails (problems are recorded); caller calls mcm_parsed_free. */
void mcm_parse(const uint8_t *dg, size_t len, mcm_parsed *out);
void mcm_parsed_free(mcm_parsed *p);
/* A datagram as a Tcl dict: header fields, crc_ok, lengths_ok, problem, pdus (dicts). */
Tcl_Obj *mcm_parsed_dict(const mcm_parsed *p, const char *src, double time_s);
/* Builds one PDU from a list {OPCODE field value ... ?-data B? ?-cdb HEX? ?-lun N? ?-raw-lengths?}. */
int mcm_pdu_from_list(Tcl_Interp *interp, Tcl_Obj *spec, mc_pdu *p, bool *keep_lengths);

double mcm_now_s(void);
int mcm_parse_addr(const char *s, struct in_addr *out);

/* Emulated targets (mod_mcast_emu*.c): one opaque set per interp. */
typedef struct mcm_emu mcm_emu;
int mcm_emu_cmd(Tcl_Interp *interp, mcm_emu **emu, int objc, Tcl_Obj *const objv[]);
/* Adds the emulation's records not added yet (TCP PDUs of each target; group datagrams once)
 * to the vector's ladder (ladder.h). */
void mcm_emu_to_ladder(mcm_emu *e, mc_ladder *l);
/* A group datagram's entry in a ladder: gsn, pdu count, length and its PDUs' opcode names. */
void mcm_ladder_add_dgram(mc_ladder *l, Tcl_WideInt wall_us, const char *dir, const uint8_t *dg, size_t len);
void mcm_emu_free(mcm_emu *e);

int mc_mod_mcast_init(Tcl_Interp *interp);

#endif
