/* Hook modules (target_hooks.h): plugging one in, its mutant, and calling the modules at each
 * point of the target, in the order they were added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target_int.h"

static void hooks_log(const mc_target *t, const char *name, const char *why)
{
    FILE *out = t->log ? t->log : stderr;
    fprintf(out, "iscsi-target: hook module %s not added: %s\n", name ? name : "?", why);
    fflush(out);
}

int mc_target_add_hooks(mc_target *t, const mc_target_hooks *h, void *ctx)
{
    if (t->started) {
        hooks_log(t, h->name, "added after the target started running");
        return -1;
    }
    if (t->nhooks == MC_TARGET_HOOKS_MAX) {
        char why[64];
        snprintf(why, sizeof(why), "a target carries at most %u modules", MC_TARGET_HOOKS_MAX);
        hooks_log(t, h->name, why);
        return -1;
    }
    if (h->execute && !h->cancel) {
        hooks_log(t, h->name, "an execute hook needs a cancel hook");
        return -1;
    }
    tgt_hook_slot *slot = &t->hooks[t->nhooks];
    slot->h = h;
    slot->ctx = ctx;
    slot->mutant = 0;
    if (t->pending_mutant) {
        int m = mc_mutant_lookup(h->mutants, h->nmutants, t->pending_mutant);
        if (m > 0) {
            slot->mutant = m;
            free(t->pending_mutant);
            t->pending_mutant = NULL;
        }
    }
    t->nhooks++;
    return 0;
}

int mc_target_module_mutant(const mc_target *t, const mc_target_hooks *h)
{
    for (size_t i = 0; i < t->nhooks; i++)
        if (t->hooks[i].h == h)
            return t->hooks[i].mutant;
    return 0;
}

int tgt_hooks_text(tgt_conn *c, const uint8_t *req, size_t len, mc_textbuf *out)
{
    mc_target *t = c->t;
    for (size_t i = 0; i < t->nhooks; i++) {
        const tgt_hook_slot *s = &t->hooks[i];
        if (!s->h->text)
            continue;
        int r = s->h->text(s->ctx, c, req, len, out);
        if (r != MC_HOOK_TEXT_NOT_MINE)
            return r;
    }
    return MC_HOOK_TEXT_NOT_MINE;
}

bool tgt_hooks_scsi_cmd(tgt_conn *c, mc_pdu *p)
{
    mc_target *t = c->t;
    for (size_t i = 0; i < t->nhooks; i++)
        if (t->hooks[i].h->scsi_cmd && t->hooks[i].h->scsi_cmd(t->hooks[i].ctx, c, p))
            return true;
    return false;
}

bool tgt_hooks_data_out(tgt_conn *c, const mc_pdu *p)
{
    mc_target *t = c->t;
    for (size_t i = 0; i < t->nhooks; i++)
        if (t->hooks[i].h->data_out && t->hooks[i].h->data_out(t->hooks[i].ctx, c, p))
            return true;
    return false;
}

bool tgt_hooks_abort(tgt_conn *c, const mc_pdu *req, uint8_t *response)
{
    mc_target *t = c->t;
    for (size_t i = 0; i < t->nhooks; i++)
        if (t->hooks[i].h->abort && t->hooks[i].h->abort(t->hooks[i].ctx, c, req, response))
            return true;
    return false;
}

bool tgt_hooks_execute(tgt_task *k)
{
    mc_target *t = k->sess->t;
    for (size_t i = 0; i < t->nhooks; i++) {
        const tgt_hook_slot *s = &t->hooks[i];
        if (!s->h->execute)
            continue;
        k->state = TASK_OFFERED;  /* mc_target_task_complete refuses it until the hook returns */
        int r = s->h->execute(s->ctx, k);
        if (r == MC_HOOK_TAKEN) {
            k->state = TASK_TAKEN;
            k->owner = i;
            return true;
        }
    }
    k->state = TASK_WAIT_DATA;
    return false;
}

void tgt_hooks_cancel(tgt_task *k)
{
    if (k->state != TASK_TAKEN)
        return;
    const tgt_hook_slot *s = &k->sess->t->hooks[k->owner];
    k->state = TASK_CANCELLED;  /* a completion from inside cancel is refused */
    s->h->cancel(s->ctx, k);
}

size_t tgt_hooks_nfds(const mc_target *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nhooks; i++)
        if (t->hooks[i].h->nfds && t->hooks[i].h->fill)
            n += t->hooks[i].h->nfds(t->hooks[i].ctx);
    return n;
}

size_t tgt_hooks_fill(mc_target *t, struct pollfd *pf, size_t max, size_t counts[MC_TARGET_HOOKS_MAX])
{
    size_t k = 0;
    for (size_t i = 0; i < t->nhooks; i++) {
        const tgt_hook_slot *s = &t->hooks[i];
        counts[i] = 0;
        if (!s->h->nfds || !s->h->fill)
            continue;
        size_t n = s->h->fill(s->ctx, pf + k, max - k);
        counts[i] = n <= max - k ? n : max - k;  /* a module never gets more than it was offered */
        k += counts[i];
    }
    return k;
}

void tgt_hooks_on_poll(mc_target *t, const struct pollfd *pf, const size_t counts[MC_TARGET_HOOKS_MAX])
{
    size_t k = 0;
    for (size_t i = 0; i < t->nhooks; i++) {
        const tgt_hook_slot *s = &t->hooks[i];
        if (counts[i] > 0 && s->h->on_poll)
            s->h->on_poll(s->ctx, pf + k, counts[i]);
        k += counts[i];
    }
}

uint64_t tgt_hooks_next_deadline(const mc_target *t)
{
    uint64_t d = 0;
    for (size_t i = 0; i < t->nhooks; i++) {
        if (!t->hooks[i].h->next_deadline)
            continue;
        uint64_t m = t->hooks[i].h->next_deadline(t->hooks[i].ctx);
        if (m != 0 && (d == 0 || m < d))
            d = m;
    }
    return d;
}

void tgt_hooks_tick(mc_target *t, uint64_t now)
{
    for (size_t i = 0; i < t->nhooks; i++)
        if (t->hooks[i].h->tick)
            t->hooks[i].h->tick(t->hooks[i].ctx, now);
}

void tgt_hooks_session_end(mc_target *t, tgt_session *s)
{
    for (size_t i = 0; i < t->nhooks; i++)
        if (t->hooks[i].h->session_end)
            t->hooks[i].h->session_end(t->hooks[i].ctx, s);
}

void tgt_hooks_free(mc_target *t)
{
    for (size_t i = 0; i < t->nhooks; i++)
        if (t->hooks[i].h->free)
            t->hooks[i].h->free(t->hooks[i].ctx);
    t->nhooks = 0;
}
