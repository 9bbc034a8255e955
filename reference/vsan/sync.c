/* Copies of whole regions (docs/vsan-link.md §7.3, §8.3): the coordinator's resync of a joining
 * server and repair of regions that may differ, and every server's self-heal of its failed store.
 * A region being copied is held by the copy: no write starts on it (vs_sync_busy) and the
 * coordinator grants it to nobody until the copy is done. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

enum { COPY_NONE = 0, COPY_WANTED, COPY_ACTIVE };

bool vs_sync_busy(const mc_vsan_engine *e, uint32_t region)
{
    return e->copy_state[region] != COPY_NONE;
}

static uint64_t region_off(const mc_vsan_engine *e, uint32_t r) { return (uint64_t)r * e->cfg.region_size; }

static size_t region_len(const mc_vsan_engine *e, uint32_t r)
{
    uint64_t volume = e->cfg.blocks * e->cfg.block_size;
    uint64_t off = region_off(e, r);
    return (size_t)(volume - off < e->cfg.region_size ? volume - off : e->cfg.region_size);
}

/* A fresh epoch for a copy (§6.2). Our own later writes must not carry less than what the copy
 * left on every store, so our write epoch rises with it (we are the coordinator: the grant is
 * ours to make). */
static uint64_t vs_copy_epoch(mc_vsan_engine *e)
{
    uint64_t epoch = ((uint64_t)e->term << 32) | ++e->next_epoch;
    if (epoch > e->max_epoch)
        e->max_epoch = epoch;
    return epoch;
}

static vs_job *job_new(vs_job_kind kind, uint16_t target, uint32_t nregions)
{
    vs_job *j = calloc(1, sizeof *j);
    if (!j || vs_bits_init(&j->todo, nregions) != 0) {
        free(j);
        return NULL;
    }
    j->kind = kind;
    j->target = target;
    return j;
}

static void job_free(mc_vsan_engine *e, vs_job *j)
{
    if (!j)
        return;
    for (vs_io *io = e->ios; io; io = io->next)
        if (io->job == j)
            io->job = NULL;  /* its answer is no longer awaited */
    vs_bits_free(&j->todo);
    free(j);
}

static vs_job **slot_of(mc_vsan_engine *e, vs_job_kind kind, uint16_t target)
{
    if (kind == JOB_HEAL)
        return &e->heal;
    return kind == JOB_REPAIR ? &e->jobs[0] : &e->jobs[target];
}

static void release_copy(mc_vsan_engine *e, uint32_t r)
{
    e->copy_state[r] = COPY_NONE;
    vs_police_kick(e);
    e->kick_pending = true;
}

void vs_sync_start_resync(mc_vsan_engine *e, uint16_t target, const vs_bits *regions)
{
    vs_job **slot = slot_of(e, JOB_RESYNC, target);
    if (!*slot)
        *slot = job_new(JOB_RESYNC, target, e->nregions);
    if (!*slot)
        return;
    if (vs_mutant(e, MC_VSAN_MUT_RESYNC_ALL))
        vs_bits_fill(&(*slot)->todo);
    else if (!vs_mutant(e, MC_VSAN_MUT_RESYNC_NONE))
        vs_bits_or(&(*slot)->todo, regions);
    vs_log(e, 1, "resync of server %u: %u regions", (unsigned)target, (unsigned)vs_bits_count(&(*slot)->todo));
}

/* Regions that may differ between stores are held from the moment that is known: no grant and no
 * write of ours starts on them until their repair copied them (§8.3). */
void vs_sync_reserve(mc_vsan_engine *e, const vs_bits *regions)
{
    for (uint32_t r = vs_bits_next(regions, 0); r != UINT32_MAX; r = vs_bits_next(regions, r + 1u))
        if (e->copy_state[r] == COPY_NONE)
            e->copy_state[r] = COPY_WANTED;
}

void vs_sync_start_repair(mc_vsan_engine *e, const vs_bits *regions)
{
    vs_job **slot = slot_of(e, JOB_REPAIR, 0);
    if (!*slot)
        *slot = job_new(JOB_REPAIR, 0, e->nregions);
    if (*slot)
        vs_bits_or(&(*slot)->todo, regions);
    vs_sync_reserve(e, regions);
}

void vs_sync_stop_target(mc_vsan_engine *e, uint16_t target)
{
    vs_job **slot = slot_of(e, JOB_RESYNC, target);
    if (*slot) {
        for (uint32_t r = 0; r < e->nregions; r++)
            if ((*slot)->active && e->copy_owner[r] == *slot)
                release_copy(e, r);
        job_free(e, *slot);
        *slot = NULL;
    }
}

void vs_sync_stop(mc_vsan_engine *e)
{
    for (uint16_t i = 0; i <= MC_VSAN_ID_MAX; i++) {
        job_free(e, e->jobs[i]);
        e->jobs[i] = NULL;
    }
    job_free(e, e->heal);
    e->heal = NULL;
    memset(e->copy_state, 0, e->nregions);
    memset(e->copy_owner, 0, e->nregions * sizeof e->copy_owner[0]);
}

/* The copy's bytes: a write to the target (our own store's bytes), or, when our store cannot
 * give them, a read from a full member first. */
static void copy_region(mc_vsan_engine *e, vs_job *j, uint32_t r)
{
    size_t len = region_len(e, r);
    uint8_t *buf = malloc(len);
    if (!buf) {
        release_copy(e, r);
        return;
    }
    j->active++;
    e->copy_owner[r] = j;
    e->copy_state[r] = COPY_ACTIVE;
    vs_log(e, 2, "copy of region %u (%s, target %u): stale %d suspect %d", (unsigned)r,
           j->kind == JOB_HEAL ? "heal" : j->kind == JOB_REPAIR ? "repair" : "resync", (unsigned)j->target,
           vs_bits_get(&e->stale, r), vs_region_suspect(e, r));
    /* Where the region's bytes come from (§7.3): our store when it is current for the region,
     * else a full member (one whose own store missed them refuses). With no other full member,
     * a region our store only failed to read is taken as it reads now: it is the one copy. */
    bool stale = vs_bits_get(&e->stale, r);
    bool only = !vs_other_full_member(e);
    bool mine = !vs_region_suspect(e, r) || (!stale && only);
    if (mine && (j->kind != JOB_HEAL || vs_region_suspect(e, r))) {
        if (vs_store_read(e, region_off(e, r), buf, len) != 0) {
            free(buf);
            vs_sync_copied(e, j, r, MC_VSAN_IO_MEDIUM);
            return;
        }
        vs_region_current(e, r);
        if (j->kind == JOB_HEAL) {
            free(buf);
            vs_sync_copied(e, j, r, MC_VSAN_IO_OK);
            return;
        }
        uint64_t epoch = vs_copy_epoch(e);
        vs_io *io = vs_io_sync(e, region_off(e, r), buf, len, epoch, j->target, j);
        if (!io)
            vs_sync_copied(e, j, r, MC_VSAN_IO_ABORTED);
        return;
    }
    vs_io *io = vs_io_job_read(e, region_off(e, r), buf, len, j);
    if (!io)
        vs_sync_copied(e, j, r, MC_VSAN_IO_ABORTED);
}

/* A job read finished: heal writes our store; resync and repair send the bytes on. */
void vs_sync_read_done(mc_vsan_engine *e, vs_job *j, uint32_t r, uint8_t *buf, mc_vsan_io_status st)
{
    if (st != MC_VSAN_IO_OK) {
        free(buf);
        vs_sync_copied(e, j, r, st);
        return;
    }
    size_t len = region_len(e, r);
    if (j->kind == JOB_HEAL) {
        int rc = vs_store_write(e, region_off(e, r), buf, len);
        free(buf);
        if (rc == 0)
            e->counters.heal_bytes += len;
        vs_sync_copied(e, j, r, rc == 0 ? MC_VSAN_IO_OK : MC_VSAN_IO_MEDIUM);
        return;
    }
    uint64_t epoch = vs_copy_epoch(e);
    vs_io *io = vs_io_sync(e, region_off(e, r), buf, len, epoch, j->target, j);
    if (io)
        io->local_write = true;  /* our store gets the member's bytes too */
    else
        vs_sync_copied(e, j, r, MC_VSAN_IO_ABORTED);
}

void vs_sync_copied(mc_vsan_engine *e, vs_job *j, uint32_t r, mc_vsan_io_status st)
{
    if (j->active)
        j->active--;
    if (st != MC_VSAN_IO_OK)
        j->retry_at = vs_now(e) + VS_RETRY_MS;  /* no source answered: not again at once */
    if (st == MC_VSAN_IO_OK) {
        vs_bits_clear(&j->todo, r);
        size_t len = region_len(e, r);
        switch (j->kind) {
        case JOB_RESYNC:
            vs_bits_clear(&e->dirty[j->target], r);
            e->counters.resync_bytes += len;
            break;
        case JOB_REPAIR:
            vs_region_repaired(e, r);
            vs_bits_clear(&e->al, r);
            e->counters.repair_bytes += len;
            break;
        case JOB_HEAL:
            vs_region_current(e, r);
            break;
        }
        e->meta_dirty = true;
    }
    e->copy_owner[r] = NULL;
    release_copy(e, r);
}

/* Takes the next regions of a job it may copy now, up to its window. */
static void job_step(mc_vsan_engine *e, vs_job *j)
{
    if (vs_now(e) < j->retry_at)
        return;
    for (uint32_t r = vs_bits_next(&j->todo, j->cursor); r != UINT32_MAX && j->active < VS_SYNC_WINDOW;
         r = vs_bits_next(&j->todo, r + 1u)) {
        if (e->copy_state[r] == COPY_ACTIVE)
            continue;
        vs_region *g = &e->reg[r];
        if (j->kind == JOB_HEAL) {
            /* Our own write priority keeps every writer off the region while we heal it. */
            if (!vs_holds(e, r, r) || g->inflight) {
                vs_police_need(e, r, r);
                continue;
            }
        } else {
            e->copy_state[r] = COPY_WANTED;  /* the coordinator grants it to nobody meanwhile */
            if (g->holder && g->holder != e->cfg.id) {
                if (!g->revoke_sent) {
                    g->revoke_sent = true;
                    vs_police_revoke(e, g->holder, r, r);
                }
                continue;
            }
            if (g->inflight)
                continue;  /* our own writes on it finish first */
        }
        copy_region(e, j, r);
    }
    j->cursor = 0;
}

void vs_sync_tick(mc_vsan_engine *e, uint64_t now)
{
    if (e->coordinating && !e->reconciling && !e->view_pending) {
        vs_job *rep = e->jobs[0];
        if (rep) {
            job_step(e, rep);
            if (!vs_bits_any(&rep->todo) && !rep->active) {
                job_free(e, rep);
                e->jobs[0] = NULL;
                vs_meta_save(e);
            }
        }
        if (!e->jobs[0] && e->commit_hold)
            vs_commit_release(e);  /* every write we cut short is repaired */
        for (uint16_t i = 1; i <= MC_VSAN_ID_MAX; i++) {
            vs_job *j = e->jobs[i];
            if (!j)
                continue;
            if (!(e->last.syncing & vs_bit(i))) {
                vs_sync_stop_target(e, i);
                continue;
            }
            job_step(e, j);
            if (!vs_bits_any(&j->todo) && !j->active && !e->view_pending) {
                /* Every region copied: the server is current (§8.3). */
                vs_log(e, 1, "resync of server %u done", (unsigned)i);
                job_free(e, j);
                e->jobs[i] = NULL;
                vs_view_full(e, i);
            }
        }
    }
    /* §7.3: heal what our store lost, from a member, every HEAL_MS. */
    if (now < e->next_heal || !vs_serving(e) || (!vs_bits_any(&e->dirty_self) && !vs_bits_any(&e->stale)))
        return;
    e->next_heal = now + VS_HEAL_MS;
    if (!e->heal)
        e->heal = job_new(JOB_HEAL, e->cfg.id, e->nregions);
    if (!e->heal)
        return;
    vs_bits_zero(&e->heal->todo);
    vs_bits_or(&e->heal->todo, &e->dirty_self);
    vs_bits_or(&e->heal->todo, &e->stale);
    job_step(e, e->heal);
}

/* A returned server is in the view: its resync covers what it was seen to miss (seed, gathered
 * when it asked to come back, §8.3) and what it missed while away (dirty). */
void vs_peer_joined(mc_vsan_engine *e, uint16_t peer)
{
    vs_bits_or(&e->seed[peer], &e->dirty[peer]);
    vs_sync_start_resync(e, peer, &e->seed[peer]);
    vs_bits_zero(&e->seed[peer]);
}
