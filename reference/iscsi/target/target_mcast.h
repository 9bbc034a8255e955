/* The target's side of multicast mirroring (docs/mcast-data-path.md): registration and
 * termination Text keys, the group sockets in the event loop, group tasks fed by group and
 * unicast Data-Out, and the vLUN mapping. The rest of the target calls only these hooks. */
#ifndef MC_TARGET_MCAST_H
#define MC_TARGET_MCAST_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdu.h"
#include "text.h"

typedef struct mc_target mc_target;
struct tgt_conn;
struct tgt_session;

enum { TGT_MCAST_NOT_MINE = 0, TGT_MCAST_ANSWER = 1, TGT_MCAST_SILENT = 2 };
/* A complete Text Request's keys: NOT_MINE when no mirror key is in it; ANSWER with the
 * answer in *out; SILENT when nothing is to be sent (a mutant). */
int tgt_mcast_text(struct tgt_conn *c, const uint8_t *req, size_t len, mc_textbuf *out);
/* A unicast SCSI Command: true when it addressed a vLUN and was taken as a task here. A
 * non-WRITE to a vLUN has its LUN field rewritten to the first real LUN and returns false. */
bool tgt_mcast_scsi_cmd(struct tgt_conn *c, mc_pdu *p);
/* A unicast Data-Out: true when it belonged to a task of this file. */
bool tgt_mcast_data_out(struct tgt_conn *c, mc_pdu *p);
/* ABORT TASK naming a group tag (§7.3): true with *response set when handled here. */
bool tgt_mcast_abort(struct tgt_conn *c, const mc_pdu *p, uint8_t *response);
/* Event loop: how many pollfds the group sockets need, filling them; handling them; the
 * nearest timer as a poll timeout; and running expired timers. */
size_t tgt_mcast_nfds(const mc_target *t);
size_t tgt_mcast_fill(mc_target *t, struct pollfd *pf);
void tgt_mcast_on_poll(mc_target *t, const struct pollfd *pf, size_t n);
int tgt_mcast_timeout(const mc_target *t, int timeout_ms);
void tgt_mcast_tick(mc_target *t);
/* A session is going away: its registrations, group tasks and fences go with it (§7.4). */
void tgt_mcast_session_gone(mc_target *t, struct tgt_session *s);
void tgt_mcast_free(mc_target *t);

#endif
