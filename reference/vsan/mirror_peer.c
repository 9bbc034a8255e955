/* A member's side of mirroring (docs/vsan-link.md §7): the WRITE copies, COMMITs and READs a
 * peer's engine sends us. The client's side is mirror.c. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

static uint32_t check_range(const mc_vsan_engine *e, uint64_t off, size_t len)
{
    uint64_t volume = e->cfg.blocks * e->cfg.block_size;
    if (len == 0 || off % e->cfg.block_size || len % e->cfg.block_size || off > volume || len > volume - off)
        return MC_VSAN_ST_OUT_OF_RANGE;
    return MC_VSAN_ST_OK;
}

void vs_on_write(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    uint64_t off = mc_vsan_get(m, MC_VSAN_F_WRITE_OFFSET);
    uint64_t epoch = mc_vsan_get(m, MC_VSAN_F_WRITE_EPOCH);
    bool sync = (mc_vsan_get(m, MC_VSAN_F_WRITE_FLAGS) & MC_VSAN_WRITE_SYNC) != 0;
    uint32_t st = check_range(e, off, m->data_len);
    if (st == MC_VSAN_ST_OK && (!vs_is_member(e, peer) || !vs_is_member(e, e->cfg.id)))
        st = MC_VSAN_ST_NOT_MEMBER;
    uint32_t first = 0, last = 0;
    if (st == MC_VSAN_ST_OK) {
        first = vs_region_of(e, off);
        last = vs_region_of(e, off + m->data_len - 1u);
        /* §6.2: an older writer never overwrites a newer one. */
        bool stale = (epoch >> 32) != e->term;
        for (uint32_t r = first; r <= last; r++)
            stale = stale || epoch < e->reg[r].seen_epoch;
        if (stale && !vs_mutant(e, MC_VSAN_MUT_ACCEPT_STALE)) {
            st = MC_VSAN_ST_STALE_EPOCH;
            e->counters.stale_refused++;
        }
    }
    if (st == MC_VSAN_ST_OK && !sync) {
        /* The log records what our store takes before it is confirmed everywhere, and is on disk
         * before the bytes are: a restart cannot forget that these regions may differ (§8.2). */
        for (uint32_t r = first; r <= last; r++)
            e->reg[r].settled_ms = 0;
        vs_mark_range(e, &e->al, first, last);
        if (vs_meta_save(e) != 0)
            st = MC_VSAN_ST_BUSY;
    }
    if (st == MC_VSAN_ST_OK) {
        if (vs_store_write(e, off, m->data, m->data_len) != 0) {
            /* Delivered, not stored (§7.1 step 5): the writer and the other full members hold it. */
            vs_mark_stale(e, first, last);
            st = MC_VSAN_ST_STORE_FAILED;
        } else {
            vs_whole_regions_current(e, off, m->data_len);
        }
        for (uint32_t r = first; r <= last; r++) {
            if (epoch > e->reg[r].seen_epoch)
                e->reg[r].seen_epoch = epoch;
            if (sync)
                vs_region_repaired(e, r);
            else
                vs_unconf_set(e, r, peer, (uint32_t)mc_vsan_get(m, MC_VSAN_F_WRITE_WSEQ));
        }
        vs_mark_dirty_absent(e, first, last);
        if (sync)
            e->counters.resync_received += m->data_len;
        if (vs_meta_save(e) != 0)
            st = MC_VSAN_ST_BUSY;
    }
    vs_answer_status(e, peer, m, MC_VSAN_T_WRITE_OK, st);
}

void vs_on_commit(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    uint32_t mark = (uint32_t)mc_vsan_get(m, MC_VSAN_F_COMMIT_WSEQ);
    uint32_t members = (uint32_t)mc_vsan_get(m, MC_VSAN_F_COMMIT_MEMBERS);
    if (e->nunconf) {
        for (uint32_t r = 0; r < e->nregions; r++) {
            vs_region *g = &e->reg[r];
            if (g->unconf_writer != peer || g->unconf_tag > mark)
                continue;
            /* The writer completed it without the servers outside its view: they miss it. */
            vs_mark_absent(e, members, r, r);
            vs_unconf_clear(e, r);
            vs_al_settled(e, r);
        }
        vs_meta_save(e);
        e->kick_pending = true;
    }
    vs_answer_status(e, peer, m, MC_VSAN_T_OK, MC_VSAN_ST_OK);
}

void vs_on_read(mc_vsan_engine *e, uint16_t peer, const mc_vsan_msg *m)
{
    uint64_t off = mc_vsan_get(m, MC_VSAN_F_READ_OFFSET);
    size_t len = (size_t)mc_vsan_get(m, MC_VSAN_F_READ_LENGTH);
    uint32_t st = check_range(e, off, len);
    if (st == MC_VSAN_ST_OK && len > VS_MAX_DATA)
        st = MC_VSAN_ST_OUT_OF_RANGE;
    if (st == MC_VSAN_ST_OK && (!vs_is_member(e, peer) || !vs_serving(e) || !vs_is_full(e, e->cfg.id)))
        st = MC_VSAN_ST_NOT_MEMBER;
    uint8_t *buf = NULL;
    bool copy = (m->h.flags & MC_VSAN_READ_COPY) != 0;
    if (st == MC_VSAN_ST_OK) {
        uint32_t first = vs_region_of(e, off), last = vs_region_of(e, off + len - 1u);
        for (uint32_t r = first; r <= last && st == MC_VSAN_ST_OK; r++)
            if ((e->reg[r].inflight || e->reg[r].unconf_writer || e->reg[r].cut) && !(copy && peer == e->coordinator))
                st = MC_VSAN_ST_BUSY;  /* not yet settled here (§7.2); the coordinator's repair settles it */
            else if (vs_region_suspect(e, r))
                st = MC_VSAN_ST_STORE_FAILED;
        buf = st == MC_VSAN_ST_OK ? malloc(len) : NULL;
        if (st == MC_VSAN_ST_OK && !buf)
            st = MC_VSAN_ST_BUSY;
        if (buf && vs_store_read(e, off, buf, len) != 0) {
            vs_mark_range(e, &e->dirty_self, first, last);
            vs_meta_save(e);
            st = MC_VSAN_ST_STORE_FAILED;
        }
    }
    mc_vsan_msg a;
    mc_vsan_msg_init(&a, MC_VSAN_T_READ_OK);
    mc_vsan_set(&a, MC_VSAN_F_STATUS, st);
    if (st == MC_VSAN_ST_OK) {
        a.data = buf;
        a.data_len = len;
    }
    vs_answer(e, peer, m, MC_VSAN_T_READ_OK, &a);
    free(buf);
}
