/* Silent-mirroring rules (001) checked on decoded events: discovery assignments, leader
 * identification, switch-role messages, last indicator, release, status reselections. */
#include <string.h>

#include "trace_internal.h"

#define STATUS_GOOD 0x00u /* SAM-5 GOOD */

void chk_sm_init(sm_ctx *s)
{
    memset(s, 0, sizeof *s);
    for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
        s->gid_of[i] = -1;
    s->leader = s->current = MC_SPI_NOBODY;
}

static int id_of_gid(const sm_ctx *s, uint8_t gid)
{
    for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
        if (s->gid_of[i] == gid)
            return (int)i;
    return -1;
}

uint8_t chk_expected_driver(const mc_spi_trace *t)
{
    if (t->sm.in_op && !t->sm.released && t->sm.current < MC_SPI_MAX_ID)
        return t->sm.current;
    return t->target;
}

static void status_missing(mc_spi_trace *t, const char *when)
{
    if (!t->sm.await_status)
        return;
    t->sm.await_status = false;
    if (t->sm.nstatus < t->sm.expected)
        trace_finding(t, MC_CHK_SM_STATUS_MISSING, "%u of %u participants reselected for status %s",
                      t->sm.nstatus, t->sm.expected, when);
}

static void end_op(mc_spi_trace *t)
{
    sm_ctx *s = &t->sm;
    s->in_op = false;
    if (s->released && s->status_flag) {
        s->await_status = true;
        s->expected = s->n;
        s->nstatus = 0;
    }
}

static void mirror(mc_spi_trace *t, const mc_spi_ev *e)
{
    sm_ctx *s = &t->sm;
    int id = id_of_gid(s, e->sm.gid);
    if (id < 0)
        trace_finding(t, MC_CHK_SM_UNASSIGNED_GID, "MIRROR names group %u ID %u, never assigned at discovery",
                      MC_SM_GROUP(e->sm.gid), MC_SM_ID(e->sm.gid));
    if (s->leader_msg_pending) { /* leader identification right after the selection */
        s->leader_msg_pending = false;
        status_missing(t, "before the next silent operation");
        s->in_op = true;
        s->released = false;
        s->leader = s->current = e->target;
        s->order[0] = e->target;
        s->n = 1;
        s->last_seen = e->sm.last;
        s->first_data = true;
        if (e->target < MC_SPI_MAX_ID)
            s->failed[e->target] = false;
        return;
    }
    if (!s->in_op)
        return;
    s->current = id >= 0 ? (uint8_t)id : MC_SPI_NOBODY;
    if (s->n < MC_SPI_MAX_ID)
        s->order[s->n++] = s->current;
    s->last_seen = e->sm.last;
}

/* The same extent and data again through a new selection, with no failed status to repeat:
 * the block reached this target through a nexus, not a switch-role message (001:1). */
static void first_block(mc_spi_trace *t, const mc_spi_ev *e)
{
    sm_ctx *s = &t->sm;
    s->first_data = false;
    bool any_failed = false;
    for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
        any_failed |= s->failed_seen[i];
    if (s->prev_valid && s->prev_lba == s->ext_lba && s->prev_blocks == s->ext_blocks &&
        s->prev_hash == e->hash && !any_failed)
        trace_finding(t, MC_CHK_SM_PARTICIPANT_SELECTED,
                      "ID %u got the block of the previous operation through its own selection", s->leader);
    s->prev_valid = true;
    s->prev_lba = s->ext_lba;
    s->prev_blocks = s->ext_blocks;
    s->prev_hash = e->hash;
    memset(s->failed_seen, 0, sizeof s->failed_seen);
}

static void message_out(mc_spi_trace *t, const mc_spi_ev *e)
{
    sm_ctx *s = &t->sm;
    if (e->is_sm && e->sm.raw) {
        trace_finding(t, MC_CHK_RAW_IDENTIFY, "raw byte %02x reads as IDENTIFY (LUN %u) on a standard target",
                      e->b[0], e->b[0] & MC_MSG_IDENTIFY_LUN_MASK);
        trace_finding(t, MC_CHK_SM_NOT_VENDOR, "silent message %02x sent outside an extended message",
                      e->b[0]);
    }
    if (!e->is_sm)
        return;
    if (s->in_op && s->released) {
        trace_finding(t, MC_CHK_SM_RELEASE_NO_FREE, "message after the release, before BUS FREE");
        return;
    }
    switch (e->sm.code) {
    case MC_SM_QUERY:
        if (e->target < MC_SPI_MAX_ID) {
            s->query_pending[e->target] = true;
            s->query_gid[e->target] = e->sm.gid;
        }
        return;
    case MC_SM_EXTENT:
        s->status_flag = (e->sm.flags & MC_SM_FLAG_STATUS) != 0;
        s->ext_lba = e->sm.lba;
        s->ext_blocks = e->sm.blocks;
        return;
    case MC_SM_MIRROR:
        mirror(t, e);
        return;
    case MC_SM_RELEASE:
        if (!s->in_op)
            return;
        if (!s->last_seen)
            trace_finding(t, MC_CHK_SM_NO_LAST, "release without a last indicator on the final MIRROR");
        s->released = true;
        return;
    default:
        return;
    }
}

static void reselection(mc_spi_trace *t, const mc_spi_ev *e)
{
    sm_ctx *s = &t->sm;
    if (!s->await_status)
        return;
    if (s->nstatus < s->expected && s->order[s->nstatus] != e->target)
        trace_finding(t, MC_CHK_SM_STATUS_ORDER, "status reselection %u from ID %u; transfer order says ID %u",
                      s->nstatus, e->target, s->order[s->nstatus]);
    if (s->nstatus < MC_SPI_MAX_ID)
        s->status_order[s->nstatus] = e->target;
    s->nstatus++;
    if (s->nstatus >= s->expected)
        s->await_status = false;
}

void chk_event(mc_spi_trace *t, const mc_spi_ev *e)
{
    sm_ctx *s = &t->sm;
    switch (e->kind) {
    case MC_EV_SELECTION:
        s->leader_msg_pending = true;
        return;
    case MC_EV_RESELECTION:
        reselection(t, e);
        return;
    case MC_EV_MSG_OUT:
        message_out(t, e);
        return;
    case MC_EV_MSG_IN:
        if (e->is_sm && e->sm.code == MC_SM_QUERY && e->target < MC_SPI_MAX_ID &&
            s->query_pending[e->target] && s->query_gid[e->target] == e->sm.gid) {
            s->query_pending[e->target] = false;
            s->gid_of[e->target] = e->sm.gid;
        }
        return;
    case MC_EV_DATA_OUT:
        if (s->in_op && s->first_data)
            first_block(t, e);
        /* fall through */
    case MC_EV_DATA_IN:
    case MC_EV_COMMAND:
        s->leader_msg_pending = false;
        if (s->in_op && s->released)
            trace_finding(t, MC_CHK_SM_RELEASE_NO_FREE, "information phase after the release");
        return;
    case MC_EV_STATUS:
        if (e->b[0] != STATUS_GOOD && e->target < MC_SPI_MAX_ID)
            s->failed[e->target] = s->failed_seen[e->target] = true;
        return;
    case MC_EV_BUS_FREE:
        if (s->in_op && !s->released)
            trace_finding(t, MC_CHK_SM_BUS_FREE_IN_OP, "BUS FREE inside a silent operation led by ID %u",
                          s->leader);
        if (s->in_op)
            end_op(t);
        return;
    case MC_EV_RESET:
        if (s->in_op && !s->released)
            trace_finding(t, MC_CHK_SM_NO_RELEASE, "silent operation ended by a bus reset, no release");
        else if (s->in_op)
            trace_finding(t, MC_CHK_SM_RELEASE_NO_FREE, "bus reset instead of BUS FREE after the release");
        s->in_op = false;
        status_missing(t, "before the bus reset");
        return;
    default:
        return;
    }
}

void chk_finish(mc_spi_trace *t)
{
    if (t->sm.in_op && !t->sm.released)
        trace_finding(t, MC_CHK_SM_NO_RELEASE, "trace ends inside a silent operation");
    status_missing(t, "by the end of the trace");
}
