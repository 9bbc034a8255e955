/* The iSCSI multicast data path shared by the mirroring initiator and target
 * (docs/mcast-data-path.md): the group datagram header (§3), the registration and termination
 * keys in both dialects (§4.2, §4.3), the drop counters (§8.1) and the constants of §10. */
#ifndef MC_ISCSI_MCAST_H
#define MC_ISCSI_MCAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdu.h"
#include "text.h"

/* §3 / §10 */
#define MC_MG_HDR_LEN 24u
#define MC_MG_MAGIC 0x4d47u               /* "MG" */
#define MC_MG_VERSION 1u
#define MC_MG_DEFAULT_PORT 3260u          /* IANA iscsi-target, TCP and UDP */
#define MC_MG_IPV4_HDR 20u
#define MC_MG_UDP_HDR 8u
#define MC_MG_UDP_PAYLOAD_MAX 65507u      /* 65535 - IPv4 header - UDP header */
#define MC_MG_LOOPBACK_MTU 65536u         /* path MTU of the loopback topology (§3) */
#define MC_MG_PDUS_MAX 64u                /* PDUs one datagram may carry (bounds a peer's count) */
/* §4.2 ranges and §10 defaults */
#define MC_MG_VLUN_MAX 255u               /* single-level peripheral addressing */
#define MC_MG_MAP_MAX 16u                 /* real LUNs one vLUN may map */
#define MC_MG_BURST_UNIT 512u             /* GroupBurst is a multiple of 512 */
#define MC_MG_LITERAL_BURST 262144u       /* MaxBurstLength default, RFC 7143 section 13 */
#define MC_MG_DEFAULT_TASKS 8u
#define MC_MG_TASKS_MAX 64u
#define MC_MG_DEFAULT_TIMEOUT_MS 2000u
#define MC_MG_TIMEOUT_MIN_MS 100u
#define MC_MG_TIMEOUT_MAX_MS 60000u
#define MC_MG_RECOVERY_TRIES 3u           /* recovery R2Ts per range before giving up (§7.1) */
#define MC_MG_ASC_RESPONSE_TIMEOUT 0x4b06u /* INITIATOR RESPONSE TIMEOUT (SPC), §7.2 */

/* The key names of the default dialect (§4.2). */
#define MC_MK_PREFIX "X-org.mirrorcert."
#define MC_MK_COMMAND MC_MK_PREFIX "MirrorCommand"
#define MC_MK_GROUP MC_MK_PREFIX "MulticastGroup"
#define MC_MK_PORT MC_MK_PREFIX "MulticastPort"
#define MC_MK_VLUN MC_MK_PREFIX "VirtualLUN"
#define MC_MK_MAP MC_MK_PREFIX "LunMap"
#define MC_MK_BURST MC_MK_PREFIX "GroupBurst"
#define MC_MK_TASKS MC_MK_PREFIX "GroupTasks"
#define MC_MK_TIMEOUT MC_MK_PREFIX "DataTimeout"
#define MC_MK_NEXT_GSN MC_MK_PREFIX "NextGSN"
#define MC_MK_STATUS MC_MK_PREFIX "MirrorStatus"
#define MC_MK_COUNTERS MC_MK_PREFIX "MirrorCounters"

/* The group header of §3. */
typedef struct mc_mg_hdr {
    uint64_t isid;            /* 48 bits */
    uint16_t pdu_count;
    uint32_t gsn;
    uint32_t payload_length;
} mc_mg_hdr;

/* Bytes of data one group Data-Out may carry at this path MTU (§3), before MaxRecvDataSegmentLength. */
uint32_t mc_mg_segment_for_mtu(uint32_t mtu);
/* Writes header and CRC32C in front of payload: out must hold MC_MG_HDR_LEN + payload_len. */
void mc_mg_build(const mc_mg_hdr *h, const uint8_t *payload, size_t payload_len, uint8_t *out);
/* Appends one PDU (no digests) to a datagram payload being built; -1 when it does not fit cap. */
int mc_mg_append(uint8_t *payload, size_t *len, size_t cap, const mc_pdu *p);
/* Checks rule 2 of §8 and decodes the PDUs into pdus[0..*n) (caller frees each). Returns 0, or -1
 * with the reason in err (nothing to free). */
int mc_mg_parse(const uint8_t *dg, size_t len, mc_mg_hdr *h, mc_pdu *pdus, size_t cap, size_t *n,
                char *err, size_t errlen);

/* Counters of §8.1: X(ID, "name"). */
#define MC_MG_COUNTERS(X) \
    X(ACCEPTED, "accepted") X(BAD_HEADER, "bad-header") X(BAD_SOURCE, "bad-source") \
    X(BAD_OPCODE, "bad-opcode") X(BAD_LUN, "bad-lun") X(BAD_COMMAND, "bad-command") \
    X(NO_TASK, "no-task") X(UNSOLICITED, "unsolicited") X(DUPLICATE, "duplicate") \
    X(GSN_GAP, "gsn-gap")
enum mc_mg_counter {
#define MC_MG_CTR_ENUM(id, name) MC_MGC_##id,
    MC_MG_COUNTERS(MC_MG_CTR_ENUM)
#undef MC_MG_CTR_ENUM
    MC_MGC_COUNT
};
const char *mc_mg_counter_name(int c);
/* "accepted:12,bad-header:0,..." into buf; false when it does not fit. */
bool mc_mg_counters_format(const uint64_t v[MC_MGC_COUNT], char *buf, size_t len);
/* Parses that list back (the initiator console and tests); false on a malformed list. */
bool mc_mg_counters_parse(const char *s, uint64_t v[MC_MGC_COUNT]);

/* A registration, termination or counter query as parsed from a Text Request. */
enum mc_mreg_cmd { MC_MREG_REGISTER = 1, MC_MREG_TERMINATE, MC_MREG_COUNTERS };
enum mc_mreg_dialect { MC_DIALECT_DEFAULT = 0, MC_DIALECT_LITERAL = 1 };
typedef struct mc_mreg {
    int cmd;
    int dialect;
    bool group_set;
    uint32_t group;           /* IPv4, host order */
    uint16_t port;
    bool vlun_set;
    uint8_t vlun;
    uint16_t real[MC_MG_MAP_MAX];
    size_t nreal;
    uint32_t burst;           /* 0: the dialect's default */
    uint32_t tasks;
    uint32_t timeout_ms;
    bool next_gsn_set;
    uint32_t next_gsn;
} mc_mreg;

/* Outcomes of mc_mreg_parse. */
enum { MC_MREG_NOT_MINE = 0, MC_MREG_OK = 1, MC_MREG_FAILED = 2 };
/* Parses a Text Request's key list. NOT_MINE: no mirror key (the caller handles it as usual).
 * OK: *r filled. FAILED: status holds the §4.2 failure value and bad_key the key to answer
 * Reject in the literal dialect (may be empty). *req gets the request's pairs with literal
 * keys and values trimmed of spaces, in order, for the echo. */
int mc_mreg_parse(const uint8_t *buf, size_t len, mc_mreg *r, mc_kvlist *req, char *status,
                  size_t status_len, char *bad_key, size_t bad_key_len);
/* The answer (§4.2/§4.3): every request key echoed (default-dialect keys this version does not
 * know answered NotUnderstood), then MirrorStatus in the default dialect; in the literal dialect a
 * failure answers bad_key with Reject. extra: optional pairs appended (counters). */
int mc_mreg_answer(const mc_mreg *r, const mc_kvlist *req, const char *status, const char *bad_key,
                   mc_textbuf *out);
/* Builds a request (the initiator side). For MC_MREG_REGISTER every field of r is used. */
int mc_mreg_request(const mc_mreg *r, mc_textbuf *out);
/* "239.1.2.3" into host order; false unless a multicast address outside 224.0.0.0/24. */
bool mc_mg_parse_group(const char *s, uint32_t *group);
void mc_mg_format_group(uint32_t group, char *buf, size_t len);

#endif
