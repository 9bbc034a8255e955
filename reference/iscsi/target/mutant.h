/* Mutants: switches that each break exactly one rule, so a conformance suite can prove it
 * catches the breakage. Table: X(ID, "name", "what it breaks"). */
#ifndef MC_TARGET_MUTANT_H
#define MC_TARGET_MUTANT_H

#include <stdio.h>

#define MC_MUTANTS(X) \
    X(STATSN_SKIP, "statsn-skip", "StatSN advances by 2 per response (RFC 7143 4.2.2.2)") \
    X(TEXT_NO_FINAL, "text-no-final", "F bit missing on the final Text Response (11.11.1)") \
    X(CMDSN_WINDOW_IGNORED, "cmdsn-window-ignored", "commands outside ExpCmdSN..MaxCmdSN are executed (4.2.2.1)") \
    X(R2T_OFFSET_WRONG, "r2t-offset-wrong", "R2T BufferOffset is 512 bytes too high (11.8.4)") \
    X(REJECT_REASON_WRONG, "reject-reason-wrong", "unknown opcodes are rejected as protocol error, not 0x05 (11.17.1)") \
    X(MAXCMDSN_STUCK, "maxcmdsn-stuck", "MaxCmdSN never advances past its login value (4.2.2.1)") \
    X(DATASN_RESTART, "datasn-restart", "Data-In DataSN restarts at 0 in every PDU (11.7.5)") \
    X(RESIDUAL_MISSING, "residual-missing", "no U/O bits or residual count when EDTL differs (11.4.5)") \
    X(NOP_TTT_WRONG, "nop-ttt-wrong", "NOP-In answering a ping carries TTT 0 instead of 0xffffffff (11.19.2)") \
    X(LOGOUT_NO_RESPONSE, "logout-no-response", "Logout closes the connection without a Logout Response (11.15)") \
    X(LOGIN_STATSN_WRONG, "login-statsn-wrong", "Login Responses do not advance StatSN (11.13.4)") \
    X(R2TSN_WRONG, "r2tsn-wrong", "R2TSN starts at 1 instead of 0 for every task (11.8.6)") \
    X(SENSE_LENGTH_WRONG, "sense-length-wrong", "SenseLength prefix counts 2 bytes more than the sense (11.4.7.2)") \
    X(TTT_RESERVED_ON_TEXT_CONTINUE, "ttt-reserved-on-text-continue", "a continued Text Response (F=0) carries TTT 0xffffffff (11.11.4)") \
    MC_MCAST_TARGET_MUTANTS(X)

/* Multicast mirroring (docs/mcast-data-path.md), one claim element each. */
#define MC_MCAST_TARGET_MUTANTS(X) \
    X(MCAST_ANSWER_BEFORE_JOIN, "mcast-answer-before-join", "registration is confirmed before the group is joined, the join follows 500 ms later (000:11, 000:10)") \
    X(MCAST_VLUN_IGNORED, "mcast-vlun-ignored", "group PDUs are taken whatever LUN they name (000:1(b), rule 5 of mcast §8)") \
    X(MCAST_ANY_SOURCE, "mcast-any-source", "group datagrams are taken from any source address (mcast §8 rule 3)") \
    X(MCAST_UNSOLICITED_DATA, "mcast-unsolicited-data", "group Data-Out for a burst not yet solicited is written (000:1(d), mcast §8 rule 7)") \
    X(MCAST_LEAVE_IN_USE, "mcast-leave-in-use", "termination leaves the group although another registration still uses it (000:4)") \
    X(MCAST_KEEP_MAPPING, "mcast-keep-mapping", "termination answers Terminated but keeps the vLUN mapping (000:3)") \
    X(MCAST_NO_TERM_CONFIRM, "mcast-no-term-confirm", "termination is carried out but never answered (000:14)")

enum mc_mutant {
    MC_MUTANT_NONE = 0,
#define MC_MUTANT_ENUM(id, name, what) MC_MUTANT_##id,
    MC_MUTANTS(MC_MUTANT_ENUM)
#undef MC_MUTANT_ENUM
    MC_MUTANT_COUNT
};

/* MC_MUTANT_NONE for "none"; -1 when the name is unknown. */
int mc_mutant_by_name(const char *name);
const char *mc_mutant_name(int mutant);
void mc_mutant_list(FILE *out);

#endif
