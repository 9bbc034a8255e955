/* The target's mutants: switches that each break exactly one rule, so a conformance suite can
 * prove it catches the breakage. Rows in the common format of reference/common/mutant.h:
 * X(ID, "name", "roles", "clause", "what it breaks"). */
#ifndef MC_TARGET_MUTANT_H
#define MC_TARGET_MUTANT_H

#include <stddef.h>

#include "mutant.h"

#define MC_TARGET_MUTANTS(X) \
    X(STATSN_SKIP, "statsn-skip", "target", "RFC7143:4.2.2.2", "StatSN advances by 2 per response") \
    X(TEXT_NO_FINAL, "text-no-final", "target", "RFC7143:11.11.1", "F bit missing on the final Text Response") \
    X(CMDSN_WINDOW_IGNORED, "cmdsn-window-ignored", "target", "RFC7143:4.2.2.1", "commands outside ExpCmdSN..MaxCmdSN are executed") \
    X(R2T_OFFSET_WRONG, "r2t-offset-wrong", "target", "RFC7143:11.8.4", "R2T BufferOffset is 512 bytes too high") \
    X(REJECT_REASON_WRONG, "reject-reason-wrong", "target", "RFC7143:11.17.1", "unknown opcodes are rejected as protocol error, not 0x05") \
    X(MAXCMDSN_STUCK, "maxcmdsn-stuck", "target", "RFC7143:4.2.2.1", "MaxCmdSN never advances past its login value") \
    X(DATASN_RESTART, "datasn-restart", "target", "RFC7143:11.7.5", "Data-In DataSN restarts at 0 in every PDU") \
    X(RESIDUAL_MISSING, "residual-missing", "target", "RFC7143:11.4.5", "no U/O bits or residual count when EDTL differs") \
    X(NOP_TTT_WRONG, "nop-ttt-wrong", "target", "RFC7143:11.19.2", "NOP-In answering a ping carries TTT 0 instead of 0xffffffff") \
    X(LOGOUT_NO_RESPONSE, "logout-no-response", "target", "RFC7143:11.15", "Logout closes the connection without a Logout Response") \
    X(LOGIN_STATSN_WRONG, "login-statsn-wrong", "target", "RFC7143:11.13.4", "Login Responses do not advance StatSN") \
    X(R2TSN_WRONG, "r2tsn-wrong", "target", "RFC7143:11.8.6", "R2TSN starts at 1 instead of 0 for every task") \
    X(SENSE_LENGTH_WRONG, "sense-length-wrong", "target", "RFC7143:11.4.7.2", "SenseLength prefix counts 2 bytes more than the sense") \
    X(TTT_RESERVED_ON_TEXT_CONTINUE, "ttt-reserved-on-text-continue", "target", "RFC7143:11.11.4", "a continued Text Response (F=0) carries TTT 0xffffffff")

/* MC_MUTANT_NONE (0) is the conformant target; MC_MUTANT_X is row X's index + 1, as
 * mc_mutant_lookup counts. */
enum mc_target_mutant {
    MC_MUTANT_NONE = 0,
#define MC_TARGET_MUTANT_ENUM(id, name, roles, clause, what) MC_MUTANT_##id,
    MC_TARGET_MUTANTS(MC_TARGET_MUTANT_ENUM)
#undef MC_TARGET_MUTANT_ENUM
    MC_MUTANT_COUNT
};

/* The table, MC_MUTANT_COUNT - 1 rows. */
extern const mc_mutant_def mc_target_mutants[];
extern const size_t mc_target_nmutants;

#endif
