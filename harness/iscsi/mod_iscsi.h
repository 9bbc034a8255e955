/* The `iscsi` Tcl command: PDU-level iSCSI initiator connections for vectors. Shared between the
 * command files; vectors see only the Tcl surface. */
#ifndef MC_MOD_ISCSI_H
#define MC_MOD_ISCSI_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <tcl.h>

#include "ensemble.h"
#include "fault.h"
#include "ladder.h"
#include "capture.h"
#include "lun.h"
#include "pdu.h"
#include "pdu_tcl.h"

#define MC_ISCSI_DEFAULT_TIMEOUT_MS 5000
#define MC_ISCSI_MAX_TIMEOUT_MS 600000
/* MaxRecvDataSegmentLength before it is negotiated, and during login (RFC 7143 13.12). */
#define MC_ISCSI_DEFAULT_MRDSL 8192u
#define MC_ISCSI_MRDSL_MIN 512u            /* smallest legal MaxRecvDataSegmentLength (13.12) */
/* FirstBurstLength and MaxBurstLength defaults (13.14, 13.13). */
#define MC_ISCSI_DEFAULT_FIRST_BURST 65536u
#define MC_ISCSI_DEFAULT_MAX_BURST 262144u
#define MC_ISCSI_TASK_ATTR_SIMPLE 1u       /* SCSI Command ATTR "Simple" (11.3.1) */
#define MC_ISCSI_LUN_MAX 0x3fffu           /* single-level LUNs the harness encodes (SAM-5 4.7) */
#define MC_ISID_MAX UINT64_C(0xffffffffffff) /* the ISID is 6 bytes (RFC 7143 11.12.5) */

/* What a connection keeps of its PDUs (our choice: a vector's checks read the first exchanges
 * and the latest ones, and a device that floods PDUs must cost bounded memory, never the run):
 * the first MC_ISCSI_HISTORY_HEAD PDUs and the last MC_ISCSI_HISTORY_TAIL, each part at most
 * MC_ISCSI_HISTORY_PART_BYTES of PDU bytes, and all the connections of a vector (one module
 * instance) at most MC_ISCSI_HISTORY_VECTOR_BYTES together; the middle is dropped, counted and
 * logged. The newest PDU of a connection is always kept (a sender reads it back). */
#define MC_ISCSI_HISTORY_HEAD 1024
#define MC_ISCSI_HISTORY_TAIL 1024
#define MC_ISCSI_HISTORY_PART_BYTES (16u << 20)
#define MC_ISCSI_HISTORY_VECTOR_BYTES (64u << 20)
/* Received PDUs not yet consumed (our choice: far above what any exchange leaves waiting, far
 * below what would exhaust memory): MC_ISCSI_QUEUE_MAX on a connection, MC_ISCSI_QUEUE_BYTES of
 * PDU bytes on all the vector's connections together. Reaching either ends the vector with an
 * error naming it. */
#define MC_ISCSI_QUEUE_MAX 4096
#define MC_ISCSI_QUEUE_BYTES (64u << 20)

typedef struct mc_iscsi_mod mc_iscsi_mod;

typedef struct mc_iconn {
    mc_iscsi_mod *mod;
    char name[32];
    int fd;
    bool closed;                    /* peer closed or the connection failed */
    struct sockaddr_in local, peer;
    int timeout_ms;                 /* default deadline of every wait */
    Tcl_WideInt t0_us;              /* connect time, for the `time` of each PDU */

    /* Session and connection numbering (RFC 7143 4.2.2). */
    uint32_t cmdsn, expstatsn, expcmdsn, maxcmdsn, itt_next;
    uint64_t isid;
    uint32_t tsih;
    uint16_t cid;
    bool full_feature;
    bool header_digest, data_digest;
    uint32_t peer_mrdsl;            /* what the target accepts from us */
    uint32_t our_mrdsl;             /* what we declared */
    uint32_t first_burst, max_burst;
    bool immediate_data, initial_r2t;
    Tcl_Obj *keys;                  /* negotiated keys, a dict */

    uint8_t *rbuf;                  /* bytes read, not yet a whole PDU */
    size_t rlen, rcap;
    Tcl_Obj *queue;                 /* received PDU dicts not yet consumed */
    size_t queue_bytes;             /* their PDU bytes */
    Tcl_Obj *taken;                 /* the last PDU taken off the queue, held for the caller */
    Tcl_Obj *history;               /* PDU dicts, both directions: a head and a tail (above) */
    int history_head;               /* how many of history's first entries are the head */
    bool history_head_open;         /* the head still takes PDUs */
    size_t head_bytes, tail_bytes;  /* PDU bytes of the head and of the tail */
    Tcl_WideInt history_seen;       /* PDUs recorded, kept or not */
    Tcl_WideInt dropped_pdus, dropped_bytes; /* the middle dropped */

    mc_fault_plan fault;
    bool fault_on;
    mc_pcap *pcap;                  /* reference held while the connection lives */
    mc_pcap_flow flow;
} mc_iconn;

struct mc_iscsi_mod {
    Tcl_Interp *interp;
    Tcl_HashTable conns;            /* name -> mc_iconn* */
    unsigned long next_id;
    size_t history_bytes;           /* PDU bytes the connections' histories keep */
    size_t queue_bytes;             /* PDU bytes the connections' queues hold */
    mc_ladder ladder;               /* the vector's PDUs, compact (ladder.h): `iscsi ladder` */
};

/* Connection I/O (mod_iscsi_conn.c). Errors leave a message and -errorcode in the interp. */
int mc_iconn_connect(Tcl_Interp *interp, mc_iconn *c, const char *host, int port, int timeout_ms);
void mc_iconn_free(mc_iconn *c);
int mc_iconn_send_pdu(Tcl_Interp *interp, mc_iconn *c, mc_pdu *p, const mc_wire_opts *extra);
int mc_iconn_send_raw(Tcl_Interp *interp, mc_iconn *c, const uint8_t *bytes, size_t len);
/* Reads one PDU from the socket (not the queue) within the deadline; *out is a new dict. */
int mc_iconn_read_pdu(Tcl_Interp *interp, mc_iconn *c, Tcl_WideInt deadline_us, Tcl_Obj **out);
/* Records PDU dict d in the history (its bounds above; the first drop is logged). */
void mc_iconn_history_add(mc_iconn *c, Tcl_Obj *d);
/* Adds d to the queue of received PDUs; TCL_ERROR (errorcode MC ISCSI BOUND) at its bounds. */
int mc_iconn_queue_push(Tcl_Interp *interp, mc_iconn *c, Tcl_Obj *d);
/* Takes the queue's entry i; the object stays valid until the next take or the connection's end. */
Tcl_Obj *mc_iconn_queue_take(mc_iconn *c, int i);
/* Next PDU: the queue first, then the socket. */
int mc_iconn_recv(Tcl_Interp *interp, mc_iconn *c, int timeout_ms, Tcl_Obj **out);
/* First PDU matching pred (a dict of field -> value or {op value}); others stay queued. */
int mc_iconn_expect(Tcl_Interp *interp, mc_iconn *c, Tcl_Obj *pred, int timeout_ms, Tcl_Obj **out);
Tcl_WideInt mc_now_us(void);
/* A millisecond count in 0..MC_ISCSI_MAX_TIMEOUT_MS (mod_iscsi.c). */
int mc_iscsi_get_ms(Tcl_Interp *interp, Tcl_Obj *o, int *ms);
/* `iscsi fault C ...` (mod_iscsi_fault.c). */
int mc_iscsi_fault_cmd(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[]);
uint32_t mc_iconn_alloc_itt(mc_iconn *c);

/* PDUs as Tcl values: pdu_tcl.h. */

/* Fills unset fields from the connection state, sends, and advances CmdSN (mod_iscsi.c). */
int mc_iscsi_send_built(Tcl_Interp *interp, mc_iconn *c, mc_pdu *p, const bool given[MC_F_COUNT],
                        const mc_wire_opts *o);

/* Composite exchanges (mod_iscsi_login.c, mod_iscsi_text.c, mod_iscsi_scsi.c). */
int mc_iscsi_login_cmd(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[]);
int mc_iscsi_text_cmd(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[]);
int mc_iscsi_scsi_cmd(Tcl_Interp *interp, mc_iconn *c, int objc, Tcl_Obj *const objv[]);
/* Records negotiated values into the connection state. */
void mc_iconn_apply_keys(mc_iconn *c, Tcl_Obj *keys);
/* Adds the key=value pairs of a login or text data segment to the negotiated keys. */
void mc_iconn_merge_keys(mc_iconn *c, const uint8_t *data, size_t len);

/* `iscsi capture FILE ?FLOW?` (mod_iscsi_capture.c): a foreign capture's flows or one flow's PDUs. */
int mc_iscsi_capture_cmd(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[]);
int mc_mod_iscsi_init(Tcl_Interp *interp);

#endif
