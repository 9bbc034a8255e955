/* Hook modules: how a system plugs into the reference target. A module gives a table of hooks
 * (every entry optional, NULL = not interested) and a context; the target calls the hooks at
 * fixed points of its loop and PDU handling, and the module acts through the extension API
 * (target_ext.h). Multicast mirroring (reference/iscsi/mcast/member*.c) is one such module. */
#ifndef MC_TARGET_HOOKS_H
#define MC_TARGET_HOOKS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mutant.h"
#include "pdu.h"
#include "target.h"
#include "target_ext.h"
#include "text.h"

/* Hook modules one target carries: multicast mirroring and the virtual SAN engine, with room
 * for a test module and one more. */
#define MC_TARGET_HOOKS_MAX 4u

/* What the text hook did with a Text Request. */
enum mc_hook_text {
    MC_HOOK_TEXT_NOT_MINE = 0,  /* none of its keys: the target answers as usual */
    MC_HOOK_TEXT_ANSWER = 1,    /* answered: *out holds the answer's key=value pairs */
    MC_HOOK_TEXT_SILENT = 2,    /* handled, and nothing is to be sent */
};                              /* negative: out of memory; the connection closes */

/* What the execute hook did with a task. */
enum mc_hook_exec {
    MC_HOOK_PASS = 0,           /* the target runs it on the LUN core as usual */
    MC_HOOK_TAKEN = 1,          /* the module finishes it with mc_target_task_complete */
};

typedef struct mc_target_hooks {
    const char *name;                       /* in logs and errors */
    const mc_mutant_def *mutants;           /* the module's mutants (reference/common/mutant.h) */
    size_t nmutants;

    /* A complete Text Request (every continuation joined) in full feature phase that the
     * target's own key handling does not claim (a key outside section 13, or text it cannot
     * parse): an enum mc_hook_text. */
    int (*text)(void *ctx, mc_conn *c, const uint8_t *req, size_t len, mc_textbuf *out);
    /* A SCSI Command in CmdSN order, before the target makes a task of it: true when the module
     * took it (it answers it itself). It may rewrite p's LUN field and return false. */
    bool (*scsi_cmd)(void *ctx, mc_conn *c, mc_pdu *p);
    /* A Data-Out PDU with a good data digest: true when it belonged to a task of the module. */
    bool (*data_out)(void *ctx, mc_conn *c, const mc_pdu *p);
    /* ABORT TASK (RFC 7143 11.5), before the target looks for the referenced tag among its own
     * tasks: true with *response set when the tag is the module's. */
    bool (*abort)(void *ctx, mc_conn *c, const mc_pdu *req, uint8_t *response);
    /* A target task whose data-out is complete (or a read, or a command without data), just
     * before the target would run it on the LUN core: an enum mc_hook_exec. The first module
     * that takes it owns it. A TAKEN task stays in its session's task list (its tag in use)
     * until the module completes it; while TAKEN the target may have to drop it (ABORT TASK, a
     * task set cleared or reset, the session ending), and then calls cancel first. */
    int (*execute)(void *ctx, mc_task *k);
    /* The target drops a task this module took: forget it; the handle is freed on return and
     * mc_target_task_complete refuses it meanwhile. Required with execute. */
    void (*cancel)(void *ctx, mc_task *k);

    /* Extra descriptors in the target's poll round: how many now, fill at most max of them
     * (returns how many it filled), and their results after poll. */
    size_t (*nfds)(void *ctx);
    size_t (*fill)(void *ctx, struct pollfd *pf, size_t max);
    void (*on_poll)(void *ctx, const struct pollfd *pf, size_t n);
    /* The module's next timer, absolute on the target's clock (mc_target_now_ms); 0 = none.
     * Poll wakes by then. */
    uint64_t (*next_deadline)(void *ctx);
    /* After every loop round, with the target's clock. */
    void (*tick)(void *ctx, uint64_t now_ms);

    /* A session is going away; its tasks are still there (TAKEN ones are cancelled after). */
    void (*session_end)(void *ctx, mc_session *s);
    /* The target is being freed, after every session ended. */
    void (*free)(void *ctx);
} mc_target_hooks;

/* Plugs a module into t before t first runs. ctx is the module's, handed to every hook and
 * to free. A mutant named in the target's config that the core table does not know is looked
 * up in h->mutants. 0; -1 when t already holds MC_TARGET_HOOKS_MAX modules, already ran, or h
 * has execute without cancel (the reason goes to the target's log), and then the caller keeps
 * ctx. */
int mc_target_add_hooks(mc_target *t, const mc_target_hooks *h, void *ctx);

/* A module as the serve entry knows it: its table (read before any target exists, for the
 * mutant names) and how to plug a fresh instance into a target (creates the context and calls
 * mc_target_add_hooks). */
typedef struct mc_target_module {
    const mc_target_hooks *hooks;
    int (*attach)(mc_target *t, char *err, size_t errlen);
} mc_target_module;

/* `mirrorcert serve iscsi-target ...` with these modules plugged into the target: parses the
 * arguments, prints one ready line, serves until SIGTERM/SIGINT. Returns a process exit status
 * (0 clean stop, 2 usage, 1 runtime error). */
int mc_target_main(int argc, char **argv, const mc_target_module *mods, size_t nmods);
/* Every mutant the core and these modules know, core first, in the common format. */
void mc_target_mutants_print(FILE *out, const mc_target_module *mods, size_t nmods);
/* Whether name is conformant ("none", "", NULL) or a mutant of the core or of a module. */
bool mc_target_mutant_known(const char *name, const mc_target_module *mods, size_t nmods);

#endif
