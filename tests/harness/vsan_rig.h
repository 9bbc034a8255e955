/* A virtual SAN on loopback for the `vsan` module's tests: two `mirrorcert serve vsan-server`
 * processes (127.0.1.1 and 127.0.1.2, file stores) and a witness (127.0.1.3), with a relay of
 * the module on each direction of the servers' link (r12 carries server 1's connection to server
 * 2, r21 the other), driven through a Tcl interpreter holding the `capture` and `vsan` modules.
 * Every wait is bounded. */
#ifndef MC_TEST_VSAN_RIG_H
#define MC_TEST_VSAN_RIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <tcl.h>

#define RIG_NODES 3u                 /* servers 1 and 2, witness 3 */
#define RIG_PATH_MAX 512u
#define RIG_DIR_MAX 64u               /* the temporary directory's path, so paths in it fit RIG_PATH_MAX */
#define RIG_IQN "iqn.2026-11.org.mirrorcert:vsan"
#define RIG_LUN 1u

typedef struct rig {
    char dir[RIG_DIR_MAX];           /* a temporary directory of its own */
    char store[RIG_NODES + 1][RIG_PATH_MAX];
    char capture[RIG_PATH_MAX];
    char portal[RIG_NODES + 1][32];  /* "127.0.1.1:PORT" (servers only) */
    uint16_t link[RIG_NODES + 1];
    pid_t pid[RIG_NODES + 1];
    int in[RIG_NODES + 1];           /* the control lines' pipe */
    Tcl_Interp *interp;
    int rc;                          /* of the last rig_eval */
} rig;

/* Opens the capture (at capture_path when given, else in the rig's directory), the relays r12
 * and r21, and starts the three processes; 0, or -1 with a diagnostic printed. */
int rig_start(rig *r, const char *capture_path);
/* Stops the processes (SIGTERM, then SIGKILL after a bound), frees the interpreter (and with it
 * the relays and clients), removes the directory unless keep. */
void rig_stop(rig *r, bool keep);
/* Evaluates a formatted script; the result string stays valid for the next 15 rig_eval and rig_get calls. */
const char *rig_eval(rig *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The value at path (keys, space separated) of the dict in Tcl variable var, or "" when absent. */
const char *rig_get(rig *r, const char *var, const char *path);
/* Waits until both servers report the pair whole (members 1+2, nothing syncing); ms bound. */
bool rig_wait_pair(rig *r, unsigned ms);
/* Sleeps ms (the relay thread and the servers go on). */
void rig_sleep(unsigned ms);

#endif
