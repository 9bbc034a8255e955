/* Mirroring (docs/vsan-link.md §7, claims 004:1, 9-11, 20, 23): a client's write is executed on
 * our store and copied by our mirror engine to every member before it is acknowledged; a read is
 * served from our store, or from a member's when ours failed or is not current (004:4-6, 14,
 * 15, 19). Completions are delivered from the engine's tick, never inside the call that began
 * the I/O. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

/* How long a client I/O waits for a lease, a grant or a commit before it is refused: an
 * election takes about one lease (§4.1), so two cover one failover. */
static uint64_t io_patience(const mc_vsan_engine *e) { return 2u * (uint64_t)e->cfg.lease_ms + VS_WRITE_MS; }

int vs_store_read(mc_vsan_engine *e, uint64_t off, uint8_t *buf, size_t len)
{
    return e->store ? mc_store_read(e->store, buf, len, off) : -1;
}

int vs_store_write(mc_vsan_engine *e, uint64_t off, const uint8_t *buf, size_t len)
{
    return e->store ? mc_store_write(e->store, buf, len, off) : -1;
}

void vs_mark_range(mc_vsan_engine *e, vs_bits *b, uint32_t first, uint32_t last)
{
    for (uint32_t r = first; r <= last; r++)
        if (!vs_bits_get(b, r)) {
            vs_bits_set(b, r);
            e->meta_dirty = true;
        }
}

/* §7.3: our store missed a write. Its bytes are on every full member whose store took it; a
 * full member that missed it too refuses to serve the region, so any full member that answers
 * holds every byte we missed. Only full members are ever asked: a server that was away, or is
 * being resynced, may lack other writes of the region. */
void vs_mark_stale(mc_vsan_engine *e, uint32_t first, uint32_t last)
{
    for (uint32_t r = first; r <= last; r++)
        vs_bits_set(&e->stale, r);
    e->meta_dirty = true;
}

/* A whole region's bytes were just stored here: it is current again. */
void vs_region_current(mc_vsan_engine *e, uint32_t r)
{
    if (!vs_bits_get(&e->stale, r) && !vs_bits_get(&e->dirty_self, r))
        return;
    vs_bits_clear(&e->stale, r);
    vs_bits_clear(&e->dirty_self, r);
    e->meta_dirty = true;
}

bool vs_region_suspect(const mc_vsan_engine *e, uint32_t r)
{
    return vs_bits_get(&e->stale, r) || vs_bits_get(&e->dirty_self, r);
}

bool vs_region_range_stale(const mc_vsan_engine *e, uint32_t first, uint32_t last)
{
    for (uint32_t r = first; r <= last; r++)
        if (vs_bits_get(&e->stale, r))
            return true;
    return false;
}

bool vs_other_full_member(const mc_vsan_engine *e)
{
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if (i != e->cfg.id && vs_is_full(e, i) && e->peers[i].up)
            return true;
    return false;
}

/* Regions wholly inside [off, off + len): what a write of those bytes makes current. */
void vs_whole_regions_current(mc_vsan_engine *e, uint64_t off, size_t len)
{
    uint64_t volume = e->cfg.blocks * e->cfg.block_size;
    for (uint32_t r = vs_region_of(e, off); r < e->nregions; r++) {
        uint64_t start = (uint64_t)r * e->cfg.region_size;
        uint64_t end = start + e->cfg.region_size < volume ? start + e->cfg.region_size : volume;
        if (start >= off + len)
            break;
        if (start >= off && end <= off + len)
            vs_region_current(e, r);
    }
}

/* A write applied here whose completion everywhere is not known yet (§7.2): reads of the region
 * wait for the writer's COMMIT, or for a repair. */
void vs_unconf_set(mc_vsan_engine *e, uint32_t r, uint16_t writer, uint32_t wseq)
{
    /* Another writer's unconfirmed write stays the region's until a repair settles it: the new
     * writer's COMMIT must not release it (a writer that died never sends its own). */
    if (e->reg[r].unconf_writer && e->reg[r].unconf_writer != writer)
        return;
    if (!e->reg[r].unconf_writer)
        e->nunconf++;
    e->reg[r].unconf_writer = writer;
    e->reg[r].unconf_tag = wseq;
}

/* A repair's or resync's copy reached our store: it holds what every store holds. */
void vs_region_repaired(mc_vsan_engine *e, uint32_t r)
{
    vs_unconf_clear(e, r);
    e->reg[r].cut = false;
    vs_al_settled(e, r);  /* a region the log held since a restart leaves it too */
}

void vs_unconf_clear(mc_vsan_engine *e, uint32_t r)
{
    if (e->reg[r].unconf_writer && e->nunconf)
        e->nunconf--;
    if (e->reg[r].unconf_writer)
        vs_log(e, 3, "region %u: the write of server %u settled", (unsigned)r, (unsigned)e->reg[r].unconf_writer);
    e->reg[r].unconf_writer = 0;
}

/* §8.1: what a server outside the view misses, recorded for its resync. */
void vs_mark_absent(mc_vsan_engine *e, uint32_t members, uint32_t first, uint32_t last)
{
    if (vs_mutant(e, MC_VSAN_MUT_NO_DIRTY))
        return;
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
        if (e->cfg.roles[i] == MC_VSAN_ROLE_SERVER && !(members & vs_bit(i)) && i != e->cfg.id)
            vs_mark_range(e, &e->dirty[i], first, last);
}

void vs_mark_dirty_absent(mc_vsan_engine *e, uint32_t first, uint32_t last)
{
    vs_mark_absent(e, e->last.members, first, last);
}

static void finish(mc_vsan_engine *e, vs_io *io, mc_vsan_io_status st)
{
    if (io->state == IO_DONE)
        return;
    io->state = IO_DONE;
    io->status = st;
    e->done_pending = true;
}

/* --- writes --------------------------------------------------------------------------------- */

/* The highest write sequence number below which all our writes are complete everywhere. */
static uint32_t commit_mark(const mc_vsan_engine *e)
{
    /* A write cut short is never confirmed by us: a repair settles its regions (§8.3). */
    uint32_t low = e->commit_hold ? e->commit_hold : e->next_wseq + 1u;
    for (const vs_io *io = e->ios; io; io = io->next)
        if (io->write && io->state == IO_MIRROR && io->wseq < low)
            low = io->wseq;
    return low - 1u;
}

void vs_commit_release(mc_vsan_engine *e)
{
    e->commit_hold = 0;
    e->hold_dropped = false;
}

/* Sent from the next tick, after the clients heard of their writes: COMMIT is off the
 * acknowledgement's path, and one COMMIT covers every write completed meanwhile. */
void vs_send_commits(mc_vsan_engine *e)
{
    e->commit_pending = false;
    uint32_t mark = commit_mark(e);
    if (mark == e->commit_sent)
        return;
    e->commit_sent = mark;
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        if (i == e->cfg.id || !vs_is_member(e, i))
            continue;
        mc_vsan_msg m;
        mc_vsan_msg_init(&m, MC_VSAN_T_COMMIT);
        mc_vsan_set(&m, MC_VSAN_F_COMMIT_WSEQ, mark);
        mc_vsan_set(&m, MC_VSAN_F_COMMIT_VIEW_SEQ, e->last.seq);
        mc_vsan_set(&m, MC_VSAN_F_COMMIT_MEMBERS, e->last.members);
        vs_request(e, i, REQ_COMMIT, &m, VS_WRITE_MS);
    }
}

/* A write of ours that our store took ended without its acknowledgement (refused, or our lease
 * or view went): our store may hold bytes the others never get. No read is served from those
 * regions until every store agrees again: as coordinator we repair them ourselves; a member
 * stops renewing, is dropped, and its RECONCILE reports them for its resync (§8.3). */
static void cut_short(mc_vsan_engine *e, vs_io *io)
{
    /* Our store may hold these bytes alone: another writer's COMMIT must not make them readable. */
    for (uint32_t r = io->first; r <= io->last; r++)
        e->reg[r].cut = true;
    if (!e->commit_hold || io->wseq < e->commit_hold)
        e->commit_hold = io->wseq;
    for (uint32_t r = io->first; r <= io->last; r++)
        if (!e->reg[r].unconf_writer)
            vs_unconf_set(e, r, e->cfg.id, 0);
    if (!e->coordinating) {
        e->must_rejoin = true;
        return;
    }
    for (uint32_t r = io->first; r <= io->last; r++)
        vs_bits_set(&e->repair_set, r);
    vs_sync_start_repair(e, &e->repair_set);
    vs_bits_zero(&e->repair_set);
}

static void write_done(mc_vsan_engine *e, vs_io *io, mc_vsan_io_status st)
{
    /* An acknowledged write is on at least one store: with every store failing it fails. */
    if (st == MC_VSAN_IO_OK && !io->sync && io->stored == 0)
        st = MC_VSAN_IO_MEDIUM;
    for (uint32_t r = io->first; r <= io->last; r++)
        if (e->reg[r].inflight)
            e->reg[r].inflight--;
    if (st == MC_VSAN_IO_OK) {
        /* §8.1: recorded (and persisted) before the client hears of it. */
        vs_mark_dirty_absent(e, io->first, io->last);
        if (!io->sync)
            for (uint32_t r = io->first; r <= io->last; r++)
                vs_al_settled(e, r);
        if (io->local_failed) {
            vs_log(e, 2, "regions %u-%u stale here, held by 0x%x", (unsigned)io->first, (unsigned)io->last,
                   (unsigned)io->storers);
            vs_mark_stale(e, io->first, io->last);
        }
        if (vs_meta_save(e) != 0)
            st = MC_VSAN_IO_ABORTED;
    } else if (io->local_failed) {
        vs_mark_range(e, &e->dirty_self, io->first, io->last);  /* its outcome is unknown */
        vs_meta_save(e);
    } else if (io->state == IO_MIRROR && !io->sync) {
        cut_short(e, io);
    }
    finish(e, io, st);
    e->commit_pending = true;
    vs_police_settle(e);
}

static void write_chunks(mc_vsan_engine *e, vs_io *io, uint16_t peer)
{
    for (size_t off = 0; off < io->len; off += VS_MAX_DATA) {
        size_t n = io->len - off < VS_MAX_DATA ? io->len - off : VS_MAX_DATA;
        mc_vsan_msg m;
        mc_vsan_msg_init(&m, MC_VSAN_T_WRITE);
        mc_vsan_set(&m, MC_VSAN_F_WRITE_EPOCH, io->epoch);
        mc_vsan_set(&m, MC_VSAN_F_WRITE_OFFSET, io->off + off);
        mc_vsan_set(&m, MC_VSAN_F_WRITE_WSEQ, io->sync ? 0 : io->wseq);
        mc_vsan_set(&m, MC_VSAN_F_WRITE_FLAGS, io->sync ? MC_VSAN_WRITE_SYNC : 0);
        m.data = io->data + off;
        m.data_len = n;
        vs_req *r = vs_request(e, peer, REQ_WRITE, &m, VS_WRITE_MS);
        if (!r) {
            /* Cannot reach it: it leaves the view (§5.2), and the write completes then, with the
             * regions marked dirty for it (vs_io_view_changed). */
            io->waiting |= vs_bit(peer);
            vs_suspect(e, peer);
            return;
        }
        vs_req_attach(r, io);
        io->pending[peer]++;
        io->waiting |= vs_bit(peer);
    }
}

/* The copy to every member, then our store (§7.1 steps 2-4). */
static void start_write(mc_vsan_engine *e, vs_io *io)
{
    io->epoch = io->sync ? io->epoch : e->max_epoch;
    io->wseq = io->sync ? 0 : ++e->next_wseq;
    for (uint32_t r = io->first; r <= io->last; r++) {
        e->reg[r].inflight++;
        if (io->epoch > e->reg[r].seen_epoch)
            e->reg[r].seen_epoch = io->epoch;
    }
    if (!io->sync) {
        for (uint32_t r = io->first; r <= io->last; r++)
            e->reg[r].settled_ms = 0;
        vs_mark_range(e, &e->al, io->first, io->last);
        if (vs_meta_save(e) != 0) {
            write_done(e, io, MC_VSAN_IO_ABORTED);
            return;
        }
    }
    io->state = IO_MIRROR;
    io->waiting = 0;
    uint32_t to = io->sync && io->sync_target ? vs_bit(io->sync_target) : e->last.members;
    bool ack_early = vs_mutant(e, MC_VSAN_MUT_ACK_BEFORE_PEER);
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        if (i == e->cfg.id || !(to & vs_bit(i)))
            continue;
        if (vs_mutant(e, MC_VSAN_MUT_FIRST_PEER_ONLY) && i != 0 && io->waiting)
            continue;  /* the mutant mirrors to one peer only */
        if (vs_mutant(e, MC_VSAN_MUT_NO_MIRROR_BACK) && e->cfg.id != 1 && !io->sync)
            continue;  /* the mutant's second server does not mirror its own writes */
        write_chunks(e, io, i);
    }
    /* Our store takes it while the copies travel and the members store theirs (§7.1 steps
     * 2-4 overlap; the client hears only after all of them). */
    bool local = !io->sync || io->local_write;
    if (local && vs_store_write(e, io->off, io->data, io->len) == 0) {
        io->stored += vs_is_full(e, e->cfg.id) && !vs_region_range_stale(e, io->first, io->last);
        vs_whole_regions_current(e, io->off, io->len);
    } else if (local) {
        /* §7.3: a failed store is not a failed server; the copies still mirror. What the
         * failure cost our store is known once the members have answered (write_done). */
        io->local_failed = true;
    }
    e->counters.writes_mirrored++;
    if (!io->waiting || ack_early)
        write_done(e, io, MC_VSAN_IO_OK);
}

/* --- reads ---------------------------------------------------------------------------------- */

static bool regions_settled(const mc_vsan_engine *e, const vs_io *io)
{
    for (uint32_t r = io->first; r <= io->last; r++)
        if (e->reg[r].inflight || e->reg[r].unconf_writer || e->reg[r].cut)
            return false;
    return true;
}

static bool local_current(const mc_vsan_engine *e, const vs_io *io)
{
    if (!vs_is_full(e, e->cfg.id))
        return false;
    for (uint32_t r = io->first; r <= io->last; r++)
        if (vs_region_suspect(e, r))
            return false;
    return true;
}

/* With no other full member, regions our store only failed to read (never stale ones) are read
 * from it again: it is the one copy (§7.3). */
static bool local_last_resort(const mc_vsan_engine *e, const vs_io *io)
{
    if (!vs_is_full(e, e->cfg.id) || vs_other_full_member(e))
        return false;
    for (uint32_t r = io->first; r <= io->last; r++)
        if (vs_bits_get(&e->stale, r))
            return false;
    return true;
}

/* Asks the next member not yet tried for the bytes (§7.2): a full member, or for a job's read
 * of a stale region one of the servers holding its latest bytes (READ flag SOURCE). */
static void read_remote(mc_vsan_engine *e, vs_io *io)
{
    for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
        if (i == e->cfg.id || !vs_is_full(e, i) || (io->tried & vs_bit(i)) || !e->peers[i].up)
            continue;
        io->tried |= vs_bit(i);
        io->waiting = 0;
        for (size_t off = 0; off < io->len; off += VS_MAX_DATA) {
            size_t n = io->len - off < VS_MAX_DATA ? io->len - off : VS_MAX_DATA;
            mc_vsan_msg m;
            mc_vsan_msg_init(&m, MC_VSAN_T_READ);
            if (io->raw)
                m.h.flags = MC_VSAN_READ_COPY;  /* a copy job of ours: settled by that copy */
            mc_vsan_set(&m, MC_VSAN_F_READ_OFFSET, io->off + off);
            mc_vsan_set(&m, MC_VSAN_F_READ_LENGTH, n);
            vs_req *r = vs_request(e, i, REQ_READ, &m, VS_WRITE_MS);
            if (!r)
                break;
            vs_req_attach(r, io);
            r->offset = io->off + off;
            io->pending[i]++;
            io->waiting |= vs_bit(i);
        }
        if (io->waiting) {
            io->state = IO_REMOTE_READ;
            io->read_from = i;
            e->counters.reads_failed_over++;
            return;
        }
    }
    if (!io->raw && local_last_resort(e, io) && vs_store_read(e, io->off, io->data, io->len) == 0) {
        for (uint32_t r = io->first; r <= io->last; r++)
            vs_bits_clear(&e->dirty_self, r);
        e->meta_dirty = true;
        finish(e, io, MC_VSAN_IO_OK);
        return;
    }
    finish(e, io, io->store_failed_seen ? MC_VSAN_IO_MEDIUM : MC_VSAN_IO_UNAVAILABLE);
}

static void start_read(mc_vsan_engine *e, vs_io *io)
{
    if (local_current(e, io) || vs_mutant(e, MC_VSAN_MUT_READ_FAILED_STORE)) {
        if (vs_store_read(e, io->off, io->data, io->len) == 0 || vs_mutant(e, MC_VSAN_MUT_READ_FAILED_STORE)) {
            finish(e, io, MC_VSAN_IO_OK);
            return;
        }
        vs_mark_range(e, &e->dirty_self, io->first, io->last);
        vs_meta_save(e);
    }
    read_remote(e, io);
}

/* --- the I/O queue ---------------------------------------------------------------------------- */

void vs_io_kick(mc_vsan_engine *e)
{
    uint64_t now = vs_now(e);
    for (vs_io *io = e->ios; io; io = io->next) {
        if (io->state == IO_MIRROR && now >= io->suspect_at) {
            /* A member whose requests are gone (timed out, or its link dropped) but which we
             * still wait for is reported again every beat: a report lost with a link must not
             * leave the write waiting for ever (§5.2). */
            io->suspect_at = now + VS_BEAT_MS;
            for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++)
                if ((io->waiting & vs_bit(i)) && io->pending[i] == 0 && io->started_ms + VS_WRITE_MS <= now)
                    vs_suspect(e, i);
        }
        if (io->state != IO_WAIT_GRANT && io->state != IO_WAIT_READS)
            continue;
        bool late = now >= io->started_ms + io_patience(e);
        if (io->sync) {
            /* A copy of a resync or repair job: its regions are held by the job (sync.c). */
            start_write(e, io);
            continue;
        }
        if (io->raw) {
            read_remote(e, io);
            continue;
        }
        bool may = vs_serving(e) && (io->write ? vs_is_full(e, e->cfg.id) : vs_is_member(e, e->cfg.id));
        if (!may) {
            if (late)
                finish(e, io, MC_VSAN_IO_UNAVAILABLE);
            continue;
        }
        if (io->write) {
            bool busy = false;
            /* A region being copied waits; so does one our store missed writes of: what we would
             * write there could be overwritten when it heals from the servers holding the rest
             * of its latest bytes (§7.3). */
            for (uint32_t r = io->first; r <= io->last && !busy; r++)
                busy = vs_sync_busy(e, r) || vs_bits_get(&e->stale, r);
            bool police = !vs_mutant(e, MC_VSAN_MUT_NO_POLICING);
            if ((police && !vs_holds(e, io->first, io->last)) || busy) {
                if (late)
                    finish(e, io, MC_VSAN_IO_UNAVAILABLE);
                else if (police)
                    vs_police_need(e, io->first, io->last);
                continue;
            }
            start_write(e, io);
            continue;
        }
        if (!regions_settled(e, io)) {
            if (late)
                finish(e, io, MC_VSAN_IO_UNAVAILABLE);
            continue;
        }
        start_read(e, io);
    }
}

static vs_io *io_new(mc_vsan_engine *e, bool write, uint64_t off, size_t len, mc_vsan_done_fn done, void *ctx)
{
    if (e->nios >= VS_MAX_IOS)
        return NULL;
    vs_io *io = calloc(1, sizeof *io);
    if (!io)
        return NULL;
    io->e = e;
    io->write = write;
    io->off = off;
    io->len = len;
    io->done = done;
    io->ctx = ctx;
    io->started_ms = vs_now(e);
    io->state = write ? IO_WAIT_GRANT : IO_WAIT_READS;
    uint64_t volume = e->cfg.blocks * e->cfg.block_size;
    if (len == 0 || len % e->cfg.block_size || off % e->cfg.block_size || off > volume || len > volume - off) {
        io->state = IO_DONE;
        io->status = MC_VSAN_IO_RANGE;
        e->done_pending = true;
    } else {
        io->first = vs_region_of(e, off);
        io->last = vs_region_of(e, off + len - 1u);
    }
    io->next = e->ios;
    e->ios = io;
    e->nios++;
    return io;
}

mc_vsan_io *mc_vsan_write(mc_vsan_engine *e, uint64_t off, const uint8_t *data, size_t len,
                          mc_vsan_done_fn done, void *ctx)
{
    vs_io *io = io_new(e, true, off, len, done, ctx);
    if (!io)
        return NULL;
    if (io->state != IO_DONE) {
        io->data = malloc(len);
        if (!io->data) {
            io->state = IO_DONE;
            io->status = MC_VSAN_IO_ABORTED;
            e->done_pending = true;
            return io;
        }
        memcpy(io->data, data, len);
        io->owned = true;
    }
    e->kick_pending = true;
    return io;
}

mc_vsan_io *mc_vsan_read(mc_vsan_engine *e, uint64_t off, uint8_t *buf, size_t len,
                         mc_vsan_done_fn done, void *ctx)
{
    vs_io *io = io_new(e, false, off, len, done, ctx);
    if (io) {
        io->data = buf;
        e->kick_pending = true;
    }
    return io;
}

vs_io *vs_io_sync(mc_vsan_engine *e, uint64_t off, uint8_t *owned, size_t len, uint64_t epoch,
                  uint16_t target, vs_job *job)
{
    vs_io *io = io_new(e, true, off, len, NULL, NULL);
    if (!io) {
        free(owned);
        return NULL;
    }
    io->data = owned;
    io->owned = true;
    io->sync = true;
    io->sync_target = target;
    io->epoch = epoch;
    io->job = job;
    e->kick_pending = true;
    return io;
}

/* A job's read of a whole region from a full member (sync.c); the bytes go to the job. */
vs_io *vs_io_job_read(mc_vsan_engine *e, uint64_t off, uint8_t *owned, size_t len, vs_job *job)
{
    vs_io *io = io_new(e, false, off, len, NULL, NULL);
    if (!io) {
        free(owned);
        return NULL;
    }
    io->data = owned;
    io->owned = true;
    io->raw = true;
    io->job = job;
    e->kick_pending = true;
    return io;
}

void mc_vsan_io_cancel(mc_vsan_io *io)
{
    if (io)
        io->cancelled = true;  /* its buffer is no longer ours to write (remote reads stop) */
}

/* Delivers finished I/Os and frees them (engine.c calls it from the tick). */
void vs_io_deliver(mc_vsan_engine *e)
{
    e->done_pending = false;
    vs_io **pp = &e->ios;
    while (*pp) {
        vs_io *io = *pp;
        if (io->state != IO_DONE) {
            pp = &io->next;
            continue;
        }
        *pp = io->next;
        e->nios--;
        vs_io_detach(e, io);  /* answers still out for it will find nothing */
        if (io->job && !io->write) {
            vs_sync_read_done(e, io->job, io->first, io->data, io->status);
            io->owned = false;  /* the job took the bytes */
        } else if (io->job) {
            vs_sync_copied(e, io->job, io->first, io->status);
        } else if (!io->cancelled && io->done && !io->sync && !io->raw) {
            io->done(io->ctx, io->status);
        }
        if (io->owned)
            free(io->data);
        free(io);
    }
}

/* Our authority, lease or view ended: writes already on their way have an unknown outcome
 * (§7.1 step 8; the regions are repaired, §8.3); remote reads ask again; I/Os that had not
 * started wait, for the next lease or their patience. */
void vs_io_interrupt(mc_vsan_engine *e)
{
    for (vs_io *io = e->ios; io; io = io->next) {
        if (io->state == IO_MIRROR) {
            write_done(e, io, MC_VSAN_IO_ABORTED);
        } else if (io->state == IO_REMOTE_READ && !io->raw) {
            vs_io_detach(e, io);
            memset(io->pending, 0, sizeof io->pending);
            io->state = IO_WAIT_READS;
            io->waiting = 0;
            io->tried = 0;
        } else if (io->state == IO_REMOTE_READ) {
            finish(e, io, MC_VSAN_IO_ABORTED);  /* a job's read: the job starts over */
        }
    }
    e->kick_pending = true;
}

void vs_io_free_all(mc_vsan_engine *e)
{
    while (e->ios) {
        vs_io *io = e->ios;
        e->ios = io->next;
        if (io->owned)
            free(io->data);
        free(io);
    }
    e->nios = 0;
}

/* Members that left the view are no longer waited for (§7.1 step 7). */
void vs_io_view_changed(mc_vsan_engine *e)
{
    for (vs_io *io = e->ios; io; io = io->next) {
        if (io->state == IO_MIRROR) {
            uint32_t to = io->sync && io->sync_target ? vs_bit(io->sync_target) & e->last.members : e->last.members;
            io->waiting &= to;
            if (!io->waiting)
                write_done(e, io, io->sync && io->sync_target && !(e->last.members & vs_bit(io->sync_target)) ?
                                      MC_VSAN_IO_ABORTED : MC_VSAN_IO_OK);
        } else if (io->state == IO_REMOTE_READ && !vs_is_full(e, io->read_from)) {
            read_remote(e, io);
        }
    }
    e->kick_pending = true;
}

/* --- answers to our requests ------------------------------------------------------------------ */

void vs_io_on_answer(mc_vsan_engine *e, vs_req *r, const mc_vsan_msg *m)
{
    vs_io *io = r->io;
    if (!io || io->state == IO_DONE)
        return;
    uint32_t st = MC_VSAN_ST_MALFORMED;
    mc_vsan_msg_status(m, &st);
    if (io->pending[r->peer])
        io->pending[r->peer]--;
    if (r->kind == REQ_WRITE) {
        if (st == MC_VSAN_ST_STALE_EPOCH || st == MC_VSAN_ST_STALE_TERM || st == MC_VSAN_ST_NOT_MEMBER) {
            /* Our priority or our view is gone: the write's outcome is unknown (§7.1 step 8). */
            vs_log(e, 1, "WRITE refused by server %u: %s", (unsigned)r->peer, mc_vsan_status_name(st));
            write_done(e, io, MC_VSAN_IO_ABORTED);
            return;
        }
        /* Only a full member's store is a complete copy to count on (§7.1 step 6). */
        if (st == MC_VSAN_ST_OK && io->pending[r->peer] == 0 && vs_is_full(e, r->peer)) {
            io->stored++;
            io->storers |= vs_bit(r->peer);
        }
        if (io->pending[r->peer] == 0)
            io->waiting &= ~vs_bit(r->peer);
        if (!io->waiting)
            write_done(e, io, MC_VSAN_IO_OK);
        return;
    }
    /* READ_OK */
    if (st != MC_VSAN_ST_OK) {
        if (st == MC_VSAN_ST_STORE_FAILED)
            io->store_failed_seen = true;
        io->waiting = 0;
        read_remote(e, io);
        return;
    }
    uint64_t off = r->offset;
    if (off >= io->off && m->data_len <= io->len - (off - io->off) && !io->cancelled)
        memcpy(io->data + (off - io->off), m->data, m->data_len);
    if (io->pending[r->peer] == 0) {
        io->waiting = 0;
        finish(e, io, MC_VSAN_IO_OK);
    }
}

void vs_io_on_timeout(mc_vsan_engine *e, vs_req *r)
{
    vs_io *io = r->io;
    if (!io || io->state == IO_DONE)
        return;
    if (io->pending[r->peer])
        io->pending[r->peer]--;
    if (r->kind == REQ_WRITE) {
        /* Keep waiting: the member leaves the view (§5.2) and vs_io_view_changed completes it. */
        vs_suspect(e, r->peer);
        return;
    }
    io->waiting = 0;
    read_remote(e, io);
}

/* --- requests from peers ---------------------------------------------------------------------- */
