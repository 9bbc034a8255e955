/* The login/text key table (RFC 7143 section 13, security keys of section 12.1) and the rules a
 * responder and an originator use to negotiate one key (section 6.2). One table, MC_KEYS: the enum,
 * the descriptor array and every lookup derive from it. */
#ifndef MC_ISCSI_KEYS_H
#define MC_ISCSI_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value types (5.1, 6.2). */
typedef enum mc_key_type {
    MC_KT_BOOL,     /* Yes / No */
    MC_KT_NUM,      /* numerical value in [lo, hi] */
    MC_KT_RANGE,    /* numerical range "a~b" (6.2.1); no standard key uses it, X- keys may */
    MC_KT_LIST,     /* comma list of values, the first supported one is selected */
    MC_KT_STRING,   /* text (names, addresses, aliases) */
    MC_KT_BINARY,   /* large binary value, 0x hex or 0b base64 (CHAP_C, CHAP_R) */
} mc_key_type;

/* Result functions (6.2.2) plus declarations. */
typedef enum mc_key_rule {
    MC_RULE_MIN,      /* numerical: the lower of offer and answer */
    MC_RULE_MAX,      /* numerical: the higher */
    MC_RULE_AND,      /* boolean: Yes only if both say Yes */
    MC_RULE_OR,       /* boolean: Yes if either says Yes */
    MC_RULE_LIST,     /* list: responder selects one offered value */
    MC_RULE_DECL,     /* declarative: no negotiation, the sender states its own value */
    MC_RULE_NONE,     /* not negotiated: SendTargets (13.3) and the obsoleted marker keys (13.25) */
} mc_key_rule;

/* Scope (section 13 "Scope"): LO = leading connection only and session-wide, SW = session-wide,
 * CO = per connection. */
typedef enum mc_key_scope { MC_SCOPE_LO, MC_SCOPE_SW, MC_SCOPE_CO } mc_key_scope;

/* Where a key may appear ("Use"): SEC = security stage only (12.1), IO = login only, ALL = login and
 * Full Feature Phase, FFP = Full Feature Phase only (SendTargets, 13.3). */
typedef enum mc_key_use { MC_USE_SEC, MC_USE_IO, MC_USE_ALL, MC_USE_FFP } mc_key_use;

/* Who may send the key first ("Senders"). */
typedef enum mc_key_senders { MC_SEND_I, MC_SEND_T, MC_SEND_IT } mc_key_senders;

/* Flags. */
#define MC_KF_ANY_STAGE 0x01u      /* "Any-Stage": also legal in the security stage */
#define MC_KF_NODISC 0x02u         /* Irrelevant when SessionType=Discovery */
#define MC_KF_REPEAT 0x04u         /* may be declared more than once per login (TargetAddress, 6.2) */
#define MC_KF_OBSOLETE 0x08u       /* obsoleted by RFC 7143 (13.25): answered Reject */
#define MC_KF_SECURITY 0x10u       /* security key (12.1): security stage only */
#define MC_KF_LARGE 0x20u          /* value may reach MC_TEXT_LARGE_VALUE_MAX (6.1) */
#define MC_KF_FREE_TEXT 0x40u      /* value is UTF-8 text, not limited to the text-value set */
#define MC_KF_ISCSI_NAME 0x80u      /* value is an iSCSI name: iqn., eui. or naa. form (4.2.7) */

/* X(ID, "Name", type, rule, default, lo, hi, legal values (list keys), scope, use, senders, flags,
 * "RFC 7143 section"). lo/hi bound numerical values; default is the value before negotiation. */
#define MC_KEYS(X) \
    X(HEADER_DIGEST,      "HeaderDigest",       MC_KT_LIST,   MC_RULE_LIST, "None", 0, 0, "CRC32C,None", MC_SCOPE_CO, MC_USE_IO, MC_SEND_IT, 0, "13.1") \
    X(DATA_DIGEST,        "DataDigest",         MC_KT_LIST,   MC_RULE_LIST, "None", 0, 0, "CRC32C,None", MC_SCOPE_CO, MC_USE_IO, MC_SEND_IT, 0, "13.1") \
    X(MAX_CONNECTIONS,    "MaxConnections",     MC_KT_NUM,    MC_RULE_MIN,  "1", 1, 65535, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, MC_KF_NODISC, "13.2") \
    X(SEND_TARGETS,       "SendTargets",        MC_KT_STRING, MC_RULE_NONE, NULL, 0, 0, NULL, MC_SCOPE_SW, MC_USE_FFP, MC_SEND_I, 0, "13.3") \
    X(TARGET_NAME,        "TargetName",         MC_KT_STRING, MC_RULE_DECL, NULL, 0, 0, NULL, MC_SCOPE_SW, MC_USE_ALL, MC_SEND_IT, MC_KF_ANY_STAGE | MC_KF_ISCSI_NAME, "13.4") \
    X(INITIATOR_NAME,     "InitiatorName",      MC_KT_STRING, MC_RULE_DECL, NULL, 0, 0, NULL, MC_SCOPE_SW, MC_USE_IO, MC_SEND_I, MC_KF_ANY_STAGE | MC_KF_ISCSI_NAME, "13.5") \
    X(TARGET_ALIAS,       "TargetAlias",        MC_KT_STRING, MC_RULE_DECL, NULL, 0, 0, NULL, MC_SCOPE_SW, MC_USE_ALL, MC_SEND_T, MC_KF_ANY_STAGE | MC_KF_FREE_TEXT, "13.6") \
    X(INITIATOR_ALIAS,    "InitiatorAlias",     MC_KT_STRING, MC_RULE_DECL, NULL, 0, 0, NULL, MC_SCOPE_SW, MC_USE_ALL, MC_SEND_I, MC_KF_ANY_STAGE | MC_KF_FREE_TEXT, "13.7") \
    X(TARGET_ADDRESS,     "TargetAddress",      MC_KT_STRING, MC_RULE_DECL, NULL, 0, 0, NULL, MC_SCOPE_SW, MC_USE_ALL, MC_SEND_T, MC_KF_ANY_STAGE | MC_KF_REPEAT, "13.8") \
    X(TARGET_PORTAL_GROUP_TAG, "TargetPortalGroupTag", MC_KT_NUM, MC_RULE_DECL, NULL, 0, 65535, NULL, MC_SCOPE_SW, MC_USE_IO, MC_SEND_T, MC_KF_ANY_STAGE, "13.9") \
    X(INITIAL_R2T,        "InitialR2T",         MC_KT_BOOL,   MC_RULE_OR,   "Yes", 0, 1, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, MC_KF_NODISC, "13.10") \
    X(IMMEDIATE_DATA,     "ImmediateData",      MC_KT_BOOL,   MC_RULE_AND,  "Yes", 0, 1, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, MC_KF_NODISC, "13.11") \
    X(MAX_RECV_DATA_SEGMENT_LENGTH, "MaxRecvDataSegmentLength", MC_KT_NUM, MC_RULE_DECL, "8192", 512, 16777215, NULL, MC_SCOPE_CO, MC_USE_ALL, MC_SEND_IT, 0, "13.12") \
    X(MAX_BURST_LENGTH,   "MaxBurstLength",     MC_KT_NUM,    MC_RULE_MIN,  "262144", 512, 16777215, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, MC_KF_NODISC, "13.13") \
    X(FIRST_BURST_LENGTH, "FirstBurstLength",   MC_KT_NUM,    MC_RULE_MIN,  "65536", 512, 16777215, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, MC_KF_NODISC, "13.14") \
    X(DEFAULT_TIME2WAIT,  "DefaultTime2Wait",   MC_KT_NUM,    MC_RULE_MAX,  "2", 0, 3600, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, 0, "13.15") \
    X(DEFAULT_TIME2RETAIN, "DefaultTime2Retain", MC_KT_NUM,   MC_RULE_MIN,  "20", 0, 3600, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, 0, "13.16") \
    X(MAX_OUTSTANDING_R2T, "MaxOutstandingR2T", MC_KT_NUM,    MC_RULE_MIN,  "1", 1, 65535, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, MC_KF_NODISC, "13.17") \
    X(DATA_PDU_IN_ORDER,  "DataPDUInOrder",     MC_KT_BOOL,   MC_RULE_OR,   "Yes", 0, 1, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, MC_KF_NODISC, "13.18") \
    X(DATA_SEQUENCE_IN_ORDER, "DataSequenceInOrder", MC_KT_BOOL, MC_RULE_OR, "Yes", 0, 1, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, MC_KF_NODISC, "13.19") \
    X(ERROR_RECOVERY_LEVEL, "ErrorRecoveryLevel", MC_KT_NUM,  MC_RULE_MIN,  "0", 0, 2, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, 0, "13.20") \
    X(SESSION_TYPE,       "SessionType",        MC_KT_LIST,   MC_RULE_DECL, "Normal", 0, 0, "Discovery,Normal", MC_SCOPE_LO, MC_USE_IO, MC_SEND_I, MC_KF_ANY_STAGE, "13.21") \
    X(TASK_REPORTING,     "TaskReporting",      MC_KT_LIST,   MC_RULE_LIST, "RFC3720", 0, 0, "RFC3720,ResponseFence,FastAbort", MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, MC_KF_NODISC, "13.23") \
    X(ISCSI_PROTOCOL_LEVEL, "iSCSIProtocolLevel", MC_KT_NUM,  MC_RULE_MIN,  "1", 0, 31, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, 0, "13.24") \
    X(AUTH_METHOD,        "AuthMethod",         MC_KT_LIST,   MC_RULE_LIST, "None", 0, 0, "KRB5,SRP,SPKM1,SPKM2,CHAP,None", MC_SCOPE_CO, MC_USE_SEC, MC_SEND_IT, MC_KF_SECURITY, "12.1") \
    X(CHAP_A,             "CHAP_A",             MC_KT_LIST,   MC_RULE_LIST, NULL, 0, 0, "5", MC_SCOPE_CO, MC_USE_SEC, MC_SEND_I, MC_KF_SECURITY, "12.1.3") \
    X(CHAP_I,             "CHAP_I",             MC_KT_NUM,    MC_RULE_DECL, NULL, 0, 255, NULL, MC_SCOPE_CO, MC_USE_SEC, MC_SEND_IT, MC_KF_SECURITY, "12.1.3") \
    X(CHAP_C,             "CHAP_C",             MC_KT_BINARY, MC_RULE_DECL, NULL, 0, 0, NULL, MC_SCOPE_CO, MC_USE_SEC, MC_SEND_IT, MC_KF_SECURITY | MC_KF_LARGE, "12.1.3") \
    X(CHAP_N,             "CHAP_N",             MC_KT_STRING, MC_RULE_DECL, NULL, 0, 0, NULL, MC_SCOPE_CO, MC_USE_SEC, MC_SEND_IT, MC_KF_SECURITY | MC_KF_FREE_TEXT, "12.1.3") \
    X(CHAP_R,             "CHAP_R",             MC_KT_BINARY, MC_RULE_DECL, NULL, 0, 0, NULL, MC_SCOPE_CO, MC_USE_SEC, MC_SEND_IT, MC_KF_SECURITY | MC_KF_LARGE, "12.1.3") \
    X(OF_MARKER,          "OFMarker",           MC_KT_BOOL,   MC_RULE_NONE, NULL, 0, 1, NULL, MC_SCOPE_CO, MC_USE_IO, MC_SEND_IT, MC_KF_OBSOLETE, "13.25") \
    X(IF_MARKER,          "IFMarker",           MC_KT_BOOL,   MC_RULE_NONE, NULL, 0, 1, NULL, MC_SCOPE_CO, MC_USE_IO, MC_SEND_IT, MC_KF_OBSOLETE, "13.25") \
    X(OF_MARK_INT,        "OFMarkInt",          MC_KT_STRING, MC_RULE_NONE, NULL, 0, 0, NULL, MC_SCOPE_CO, MC_USE_IO, MC_SEND_IT, MC_KF_OBSOLETE, "13.25") \
    X(IF_MARK_INT,        "IFMarkInt",          MC_KT_STRING, MC_RULE_NONE, NULL, 0, 0, NULL, MC_SCOPE_CO, MC_USE_IO, MC_SEND_IT, MC_KF_OBSOLETE, "13.25") \
    X(X_NODE_ARCHITECTURE, "X#NodeArchitecture", MC_KT_STRING, MC_RULE_DECL, NULL, 0, 0, NULL, MC_SCOPE_LO, MC_USE_IO, MC_SEND_IT, 0, "13.26")

typedef enum mc_key_id {
#define MC_KEY_ENUM(id, name, type, rule, def, lo, hi, legal, scope, use, senders, flags, sec) MC_KEY_##id,
    MC_KEYS(MC_KEY_ENUM)
#undef MC_KEY_ENUM
    MC_KEY_COUNT
} mc_key_id;

typedef struct mc_key_info {
    mc_key_id id;
    const char *name;
    mc_key_type type;
    mc_key_rule rule;
    const char *def;      /* default value, NULL when the key has none */
    uint32_t lo, hi;      /* numerical bounds */
    const char *legal;    /* legal values of list keys, comma separated; NULL otherwise */
    mc_key_scope scope;
    mc_key_use use;
    mc_key_senders senders;
    unsigned flags;
    const char *section;  /* RFC 7143 section that defines the key */
} mc_key_info;

/* Special answers (6.2). */
#define MC_VAL_REJECT "Reject"
#define MC_VAL_IRRELEVANT "Irrelevant"
#define MC_VAL_NOT_UNDERSTOOD "NotUnderstood"
#define MC_VAL_NONE "None"
#define MC_VAL_YES "Yes"
#define MC_VAL_NO "No"
#define MC_KEY_PRIVATE_PREFIX "X-"   /* private extension keys (13.22) */
#define MC_KEY_PUBLIC_PREFIX "X#"    /* IANA-registered public extension keys (13.22, 13.26) */
/* Longest answer the helpers produce: any legal standard value fits in 255 bytes (6.1). */
#define MC_KEY_ANSWER_MAX 256u

const mc_key_info *mc_key_info_of(mc_key_id id);
/* Case-sensitive lookup of a standard key (key names are case sensitive, 6.1); NULL when unknown. */
const mc_key_info *mc_key_lookup(const char *name);
bool mc_key_is_extension(const char *name);   /* X- or X# */
/* Largest value length the key admits: MC_TEXT_LARGE_VALUE_MAX or MC_TEXT_VALUE_MAX. */
size_t mc_key_value_max(const char *name);

/* Checks a value against the key's type and bounds: 0, or -1 with a message. Special answers
 * (Reject, Irrelevant, NotUnderstood) are not values and fail here. */
int mc_key_check_value(const mc_key_info *k, const char *value, char *err, size_t errlen);

/* What a responder sends back for one key. */
typedef enum mc_key_answer_kind {
    MC_ANS_VALUE,           /* answer holds the negotiated value */
    MC_ANS_NONE,            /* declarative key: nothing to send back */
    MC_ANS_REJECT,          /* malformed or out-of-range offer (6.2.1: answer "Reject") */
    MC_ANS_IRRELEVANT,      /* key does not apply here (e.g. a Normal-only key in Discovery) */
    MC_ANS_NOT_UNDERSTOOD,  /* unknown key, extensions included (6.2) */
} mc_key_answer_kind;

/* Context a responder needs to decide Irrelevant. */
typedef struct mc_key_ctx {
    bool discovery;   /* SessionType=Discovery */
    bool ffp;         /* the exchange is a Text Request in Full Feature Phase */
} mc_key_ctx;

/* Responder side of one key (6.2): given the offered value and this side's preference (a value
 * for boolean/numerical keys, an ordered list of supported values for list keys; NULL means the
 * key's default), writes the answer into answer[0..anslen) and returns its kind. Unknown keys
 * (including X- and X# extensions other than X#NodeArchitecture) are NotUnderstood; the obsoleted
 * marker keys are answered Reject (13.25). */
mc_key_answer_kind mc_key_respond(const char *name, const char *offer, const char *local,
                                  const mc_key_ctx *ctx, char *answer, size_t anslen);

/* Originator side: checks the answer against what was offered (6.2.1-6.2.2: a Minimum answer must
 * not exceed the offer, a list answer must be one of the offered values, ...). Returns 0 and the
 * resulting value in result, 1 when the answer was Reject/Irrelevant/NotUnderstood (result is then
 * the key's default, or empty when it has none), or -1 with a message when the answer is illegal
 * (the originator then fails the login, 6.2). */
int mc_key_result(const char *name, const char *offer, const char *answer, char *result,
                  size_t reslen, char *err, size_t errlen);

/* Computes a result function directly (exposed for tests and the negotiation state). */
uint32_t mc_key_combine_num(mc_key_rule rule, uint32_t a, uint32_t b);
bool mc_key_combine_bool(mc_key_rule rule, bool a, bool b);

#endif
