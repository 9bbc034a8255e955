/* Login negotiation state shared by target and initiator: the current value of every key of a
 * session/connection, what this side prefers, what was negotiated in this login (a key is
 * negotiated once, RFC 7143 section 6.2), and the login stage rules (CSG/NSG/T, 6.3 and 11.12). */
#ifndef MC_ISCSI_LOGIN_H
#define MC_ISCSI_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "pdu.h"
#include "text.h"

typedef enum mc_role { MC_ROLE_INITIATOR, MC_ROLE_TARGET } mc_role;

/* Per-key progress within one login or text exchange (bit flags). */
typedef enum mc_neg_progress {
    MC_NEG_UNSET = 0,            /* at its default, never mentioned */
    MC_NEG_OFFERED = 0x1,        /* this side offered it and waits for the answer */
    MC_NEG_DONE = 0x2,           /* negotiated: may not be offered again in this login (6.2) */
    MC_NEG_DECLARED_LOCAL = 0x4, /* this side declared it (declarative keys) */
    MC_NEG_DECLARED_PEER = 0x8,  /* the peer declared it */
} mc_neg_progress;

/* Negotiation outcomes beyond plain success. */
typedef enum mc_neg_err {
    MC_NEG_OK = 0,
    MC_NEG_E_NOMEM,
    MC_NEG_E_RENEGOTIATE,   /* a key offered twice in one login (6.2): login reject / drop */
    MC_NEG_E_BAD_ANSWER,    /* an answer that breaks the key's result function (6.2.2) */
    MC_NEG_E_WRONG_STAGE,   /* security key outside the security stage, or login key in FFP */
    MC_NEG_E_WRONG_SENDER,  /* a key this peer may not send (e.g. TargetAlias from an initiator) */
    MC_NEG_E_INCONSISTENT,  /* results that contradict each other (FirstBurstLength > MaxBurstLength, 13.14) */
    MC_NEG_E_COUNT
} mc_neg_err;

const char *mc_neg_strerror(int code);

typedef struct mc_neg {
    mc_role role;
    bool leading;                     /* leading connection of the session (LO keys allowed) */
    char *local[MC_KEY_COUNT];        /* this side's preference / declaration; NULL = default */
    char *value[MC_KEY_COUNT];        /* current value; NULL = the key's default (or none) */
    uint8_t progress[MC_KEY_COUNT];   /* mc_neg_progress */
} mc_neg;

/* Sets everything to defaults. leading: whether LO keys may be negotiated on this connection. */
void mc_neg_init(mc_neg *st, mc_role role, bool leading);
void mc_neg_free(mc_neg *st);
/* Starts a new login/text exchange: keeps values, forgets which keys were negotiated. */
void mc_neg_new_exchange(mc_neg *st);

/* This side's preference (list keys: ordered list of supported values; numerical: our limit;
 * declarative: what we declare). The value is checked against the key table: 0 or -1 + message. */
int mc_neg_set_local(mc_neg *st, mc_key_id id, const char *value, char *err, size_t errlen);
int mc_neg_set_local_u32(mc_neg *st, mc_key_id id, uint32_t v, char *err, size_t errlen);
const char *mc_neg_local(const mc_neg *st, mc_key_id id);   /* local or default, may be NULL */

/* Current values. For MaxRecvDataSegmentLength (declarative per direction, 13.12) value is what
 * the peer declared, i.e. the largest data segment this side may send; the local value is what
 * this side receives. mc_neg_u32 of a boolean key is 1 for Yes. Keys without a value read as 0/"". */
const char *mc_neg_str(const mc_neg *st, mc_key_id id);
uint32_t mc_neg_u32(const mc_neg *st, mc_key_id id);
bool mc_neg_bool(const mc_neg *st, mc_key_id id);
bool mc_neg_is_discovery(const mc_neg *st);
/* Forces a current value (e.g. applying a declaration learned elsewhere). */
int mc_neg_set_value(mc_neg *st, mc_key_id id, const char *value);

/* Offers one key with this side's local value (adds key=value to out, marks it OFFERED).
 * Fails with MC_NEG_E_RENEGOTIATE if it was already negotiated in this login. */
int mc_neg_offer(mc_neg *st, mc_key_id id, mc_kvlist *out, char *err, size_t errlen);
/* Offers every operational key whose local value differs from its default and that this role may
 * send (stage: MC_STAGE_SECURITY offers only Any-Stage declarations). Returns 0 or an mc_neg_err. */
int mc_neg_offer_all(mc_neg *st, int stage, mc_kvlist *out, char *err, size_t errlen);

/* Handles every pair received from the peer in one Login/Text PDU sequence: a key this side offered
 * is an answer (checked, result stored); any other key is an offer or declaration, answered into
 * replies (which the caller sends back). stage is the login stage (MC_STAGE_*; MC_STAGE_FULL_FEATURE
 * for Text in FFP). Unknown keys get NotUnderstood. CHAP_A/I/C/N/R are only stage-checked and otherwise
 * left to chap.h; SendTargets in FFP is left to the caller (it answers with the target list).
 * Returns MC_NEG_OK or an mc_neg_err (message in err); on error the login must fail (target:
 * Initiator Error status, initiator: drop the connection, 6.2). */
int mc_neg_receive(mc_neg *st, int stage, const mc_kvlist *received, mc_kvlist *replies, char *err,
                   size_t errlen);
/* Keys this side offered that the peer has not answered yet; offers whose result no answer can change
 * (AND with No, OR with Yes) are settled when offered and not counted (6.2.2). */
size_t mc_neg_pending(const mc_neg *st);
/* Checks relations between results (FirstBurstLength <= MaxBurstLength, 13.14). */
int mc_neg_check(const mc_neg *st, char *err, size_t errlen);

/* Receive limits and send options for the PDU codec from the current values: max_data is this
 * side's MaxRecvDataSegmentLength (13.12); digests are on when CRC32C was selected (13.1). During
 * login the caller keeps digests off: they start after the Login Response that ends the login. */
void mc_neg_dec_limits(const mc_neg *st, mc_dec_limits *lim);
void mc_neg_wire_opts(const mc_neg *st, mc_wire_opts *o);

/* Login stage machine (6.3, 11.12.3): a login starts in SecurityNegotiation or
 * LoginOperationalNegotiation, only moves forward, and ends when a response with T=1 and
 * NSG=FullFeaturePhase is sent. */
typedef struct mc_login_sm {
    int stage;          /* current stage (CSG of the next request); -1 before the first PDU */
    bool finished;      /* Full Feature Phase reached */
    bool security_done; /* a security stage was completed */
} mc_login_sm;

void mc_login_sm_init(mc_login_sm *sm);
/* Checks a Login Request's flags against the state: C=1 with T=1 is illegal (11.12.2), CSG must be
 * the current stage (the first request: 0 or 1), NSG with T=1 must be a later legal stage (1 or 3
 * from 0, 3 from 1; 2 is reserved, 11.12.3). Returns 0 or -1 with a message. */
int mc_login_check_request(const mc_login_sm *sm, bool transit, bool cont, int csg, int nsg,
                           char *err, size_t errlen);
/* Checks a Login Response against its request: same CSG; T=1 only if the request had T=1 and then
 * NSG at most the requested NSG (a target may not skip what the initiator did not ask, 11.13.1);
 * C=1 only with T=0. Returns 0 or -1 with a message. */
int mc_login_check_response(const mc_login_sm *sm, bool req_transit, int req_csg, int req_nsg,
                            bool transit, bool cont, int csg, int nsg, char *err, size_t errlen);
/* Applies a response: when transit is set the stage becomes nsg (and finished at Full Feature). */
void mc_login_sm_advance(mc_login_sm *sm, int csg, bool transit, int nsg);
const char *mc_login_stage_name(int stage);

#endif
