/* Multicast mirroring at a target (docs/mcast-data-path.md): a hook module of the reference
 * target (target_hooks.h). Registration and termination Text keys in both dialects, the group
 * sockets in the target's poll round, group tasks fed by group and unicast Data-Out, the vLUN
 * mapping. It sees the target only through the extension API (target_ext.h). */
#ifndef MC_MCAST_MEMBER_H
#define MC_MCAST_MEMBER_H

#include <stddef.h>

#include "mutant.h"
#include "target_hooks.h"

/* The member's mutants, one claim element each, in the common format of
 * reference/common/mutant.h: X(ID, "name", "roles", "clause", "what it breaks"). */
#define MC_MEMBER_MUTANTS(X) \
    X(ANSWER_BEFORE_JOIN, "mcast-answer-before-join", "target", "000:11 000:10", "registration is confirmed before the group is joined, the join follows 500 ms later") \
    X(VLUN_IGNORED, "mcast-vlun-ignored", "target", "000:1(b) mcast-data-path:8", "group PDUs are taken whatever LUN they name (rule 5)") \
    X(ANY_SOURCE, "mcast-any-source", "target", "mcast-data-path:8", "group datagrams are taken from any source address (rule 3)") \
    X(UNSOLICITED_DATA, "mcast-unsolicited-data", "target", "000:1(d) mcast-data-path:8", "group Data-Out for a burst not yet solicited is written (rule 7)") \
    X(LEAVE_IN_USE, "mcast-leave-in-use", "target", "000:4", "termination leaves the group although another registration still uses it") \
    X(KEEP_MAPPING, "mcast-keep-mapping", "target", "000:3", "termination answers Terminated but keeps the vLUN mapping") \
    X(NO_TERM_CONFIRM, "mcast-no-term-confirm", "target", "000:14", "termination is carried out but never answered")

enum mc_member_mutant {
    MC_MEMBER_MUTANT_NONE = 0,
#define MC_MEMBER_MUTANT_ENUM(id, name, roles, clause, what) MC_MEMBER_MUTANT_##id,
    MC_MEMBER_MUTANTS(MC_MEMBER_MUTANT_ENUM)
#undef MC_MEMBER_MUTANT_ENUM
    MC_MEMBER_MUTANT_COUNT
};

/* The hook table (its mutant table included) and the module as the serve entry takes it. */
extern const mc_target_hooks mc_member_hooks;
extern const mc_target_module mc_member_module;

/* Plugs multicast mirroring into t (before it runs): 0, or -1 with the reason in err. */
int mc_member_attach(mc_target *t, char *err, size_t errlen);

/* `mirrorcert serve iscsi-target ...`: the reference target with multicast mirroring. */
int mc_mcast_target_main(int argc, char **argv);

#endif
