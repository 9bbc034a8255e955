/* The simulated virtual SAN (sim.h). */
#include "sim.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block_value.h"
#include "link.h"
#include "store.h"

#define SIM_STEP_GUARD 200000000u  /* steps one run may take: a bug that stops time, not a bound a test meets */
#define SIM_OP_TIMEOUT_MS 10000u   /* a client gives up on an operation after this */
#define SIM_THINK_MAX_MS 5u        /* a client's pause between operations */
#define SIM_VALUE_CLIENT_SHIFT 40u

typedef struct sim_msg {
    struct sim_msg *next;
    unsigned from, to;
    uint64_t at;
    uint32_t epoch;
    uint8_t *bytes;
    size_t len;
} sim_msg;

typedef struct node {
    unsigned id;
    uint8_t role;
    mc_vsan_engine *e;
    mc_store *inner;   /* the memory the store lives in (kept across crashes) */
    mc_store *store;   /* the failing store in front of it */
    char meta[512];
    uint8_t *image;    /* sim_store_bytes */
    bool failed;       /* its store is failed by the test */
} node;

typedef struct client {
    bool busy;
    unsigned server;
    mc_vsan_io *io;
    size_t hop;        /* its operation in the history */
    uint8_t buf[SIM_BLOCK];
    uint64_t deadline, next_at;
    bool sync;         /* sim_write/sim_read wait for it */
    int status;
} client;

struct sim {
    sim_opts o;
    uint64_t now, rng, counter;
    node n[SIM_MAX_NODES + 1];
    unsigned nn;
    bool cut[SIM_MAX_NODES + 1][SIM_MAX_NODES + 1];
    bool link[SIM_MAX_NODES + 1][SIM_MAX_NODES + 1];
    uint32_t epoch[SIM_MAX_NODES + 1][SIM_MAX_NODES + 1];
    uint64_t last_at[SIM_MAX_NODES + 1][SIM_MAX_NODES + 1];
    sim_msg *q, **qtail;
    mc_hop *hist;
    size_t nhist, caphist;
    client c[SIM_MAX_CLIENTS];
    unsigned nclients;
    uint64_t client_blocks;
    unsigned write_pct;
    uint64_t sent[MC_VSAN_T_MAX + 1];
    uint64_t sync_bytes;
    struct env_ctx {
        struct sim *s;
        unsigned id;
    } ctx[SIM_MAX_NODES + 1];     /* each engine's environment context */
    uint64_t watch_seen[SIM_MAX_NODES + 1];
};

static uint64_t rnd(sim *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

uint64_t sim_now(const sim *s) { return s->now; }

/* --- the engines' environment ------------------------------------------------------------------ */

typedef struct env_ctx env_ctx;

/* One line of the run's log at a verbosity level (sim_opts.verbose), stamped with virtual time. */
static void say(const sim *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(const sim *s, int level, const char *fmt, ...)
{
    if (level > s->o.verbose)
        return;
    FILE *out = s->o.log ? s->o.log : stderr;
    va_list ap;
    va_start(ap, fmt);
    fprintf(out, "# %8llu ms  ", (unsigned long long)s->now);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    va_end(ap);
}

static uint64_t env_now(void *ctx) { return ((env_ctx *)ctx)->s->now; }
static uint64_t env_rand(void *ctx) { return rnd(((env_ctx *)ctx)->s); }

static void env_log(void *ctx, int level, const char *msg)
{
    env_ctx *c = ctx;
    say(c->s, level < SIM_LOG_FAULTS ? SIM_LOG_FAULTS : level, "server %u: %s", c->id, msg);
}

static int env_send(void *ctx, uint16_t peer, const mc_vsan_msg *m)
{
    env_ctx *c = ctx;
    sim *s = c->s;
    if (peer > s->nn || !s->link[c->id][peer])
        return -1;
    mc_vsan_opts o = {.block_size = SIM_BLOCK};
    mc_vsan_buf b = {0};
    if (mc_vsan_encode_buf(m, &o, &b) != MC_VSAN_R_OK) {
        fprintf(stderr, "# engine %u built a message the codec refuses (type %u)\n", c->id, (unsigned)m->h.type);
        abort();  /* a test rig's own invariant: the engine never sends a malformed message */
    }
    sim_msg *q = calloc(1, sizeof *q);
    if (!q)
        abort();
    q->from = c->id;
    q->to = peer;
    q->epoch = s->epoch[c->id][peer];
    uint64_t lat = s->o.latency_ms + (s->o.latency_ms ? rnd(s) % (s->o.latency_ms + 1u) : 0);
    q->at = s->now + lat;
    if (q->at < s->last_at[c->id][peer])
        q->at = s->last_at[c->id][peer];  /* one stream per pair: order kept, as TCP keeps it */
    s->last_at[c->id][peer] = q->at;
    q->bytes = b.p;
    q->len = b.len;
    *s->qtail = q;
    s->qtail = &q->next;
    if (m->h.type <= MC_VSAN_T_MAX)
        s->sent[m->h.type]++;
    if (m->h.type == MC_VSAN_T_WRITE && (mc_vsan_get(m, MC_VSAN_F_WRITE_FLAGS) & MC_VSAN_WRITE_SYNC))
        s->sync_bytes += m->data_len;
    return 0;
}

static void start_engine(sim *s, unsigned id)
{
    node *n = &s->n[id];
    mc_vsan_config cfg = {.id = (uint16_t)id, .role = n->role, .quorum = s->o.quorum,
                          .block_size = SIM_BLOCK, .region_size = s->o.region_size,
                          .blocks = n->role == MC_VSAN_ROLE_SERVER ? s->o.blocks : 0,
                          .lease_ms = s->o.lease_ms, .meta_path = s->o.persist ? n->meta : NULL,
                          .mutant = n->role == MC_VSAN_ROLE_SERVER ? s->o.mutant : 0};
    snprintf(cfg.cluster, sizeof cfg.cluster, "sim");
    for (unsigned i = 1; i <= s->nn; i++)
        cfg.roles[i] = s->n[i].role;
    s->ctx[id] = (env_ctx){.s = s, .id = id};
    mc_vsan_env env = {.ctx = &s->ctx[id], .now_ms = env_now, .rand64 = env_rand, .send = env_send, .log = env_log};
    char err[256];
    if (mc_vsan_engine_new(&n->e, &cfg, &env, n->store, err, sizeof err) != 0) {
        fprintf(stderr, "# engine %u: %s\n", id, err);
        abort();
    }
}

sim *sim_new(const sim_opts *o, const char *tmpdir)
{
    sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->o = *o;
    if (!s->o.region_size)
        s->o.region_size = 8u * SIM_BLOCK;
    if (!s->o.lease_ms)
        s->o.lease_ms = MC_VSAN_DEFAULT_LEASE_MS;
    s->rng = o->seed * 0x9e3779b97f4a7c15ull + 1u;
    s->qtail = &s->q;
    s->nn = o->servers + (o->witness ? 1u : 0u);
    for (unsigned i = 1; i <= s->nn; i++) {
        node *n = &s->n[i];
        n->id = i;
        n->role = i <= o->servers ? MC_VSAN_ROLE_SERVER : MC_VSAN_ROLE_WITNESS;
        snprintf(n->meta, sizeof n->meta, "%s/sim-%llu-%u.meta", tmpdir, (unsigned long long)o->seed, i);
        unlink(n->meta);
        if (n->role == MC_VSAN_ROLE_SERVER) {
            char err[128];
            n->inner = mc_store_mem_new(o->blocks * SIM_BLOCK, err, sizeof err);
            n->store = mc_store_fail_wrap(mc_store_ref(n->inner));
        }
    }
    for (unsigned i = 1; i <= s->nn; i++)
        start_engine(s, i);
    return s;
}

/* --- links ---------------------------------------------------------------------------------------- */

static void hello_to(sim *s, unsigned from, unsigned to)
{
    mc_vsan_msg m;
    uint8_t hist[MC_VSAN_HISTORY_MAX * 8u];
    mc_vsan_hello(s->n[from].e, (uint16_t)to, &m, hist);
    mc_vsan_opts o = {.block_size = SIM_BLOCK};
    mc_vsan_buf b = {0};
    if (mc_vsan_encode_buf(&m, &o, &b) != MC_VSAN_R_OK)
        abort();
    mc_vsan_msg d;
    size_t used;
    if (mc_vsan_decode(b.p, b.len, &o, &d, &used) != MC_VSAN_R_OK)
        abort();
    mc_vsan_on_link_up(s->n[to].e, (uint16_t)from, &d);
    mc_vsan_buf_free(&b);
}

static void links(sim *s)
{
    for (unsigned a = 1; a <= s->nn; a++)
        for (unsigned b = a + 1u; b <= s->nn; b++) {
            bool want = s->n[a].e && s->n[b].e && !s->cut[a][b];
            if (want == s->link[a][b])
                continue;
            s->link[a][b] = s->link[b][a] = want;
            s->epoch[a][b]++;
            s->epoch[b][a]++;
            if (want) {
                hello_to(s, a, b);
                if (s->n[a].e && s->n[b].e)
                    hello_to(s, b, a);
            } else {
                if (s->n[a].e)
                    mc_vsan_on_link_down(s->n[a].e, (uint16_t)b);
                if (s->n[b].e)
                    mc_vsan_on_link_down(s->n[b].e, (uint16_t)a);
            }
        }
}

/* --- clients ---------------------------------------------------------------------------------------- */

static size_t hist_add(sim *s, const mc_hop *h)
{
    if (s->nhist == s->caphist) {
        size_t cap = s->caphist ? 2u * s->caphist : 1024u;
        mc_hop *p = realloc(s->hist, cap * sizeof *p);
        if (!p)
            abort();
        s->hist = p;
        s->caphist = cap;
    }
    s->hist[s->nhist] = *h;
    return s->nhist++;
}

static void op_end(sim *s, client *c, int status)
{
    mc_hop *h = &s->hist[c->hop];
    say(s, SIM_LOG_CLIENTS, "client %u: %s block %llu on server %u ends %d", (unsigned)(c - s->c),
        h->kind == MC_HOP_WRITE ? "write" : "read", (unsigned long long)h->key, c->server, status);
    h->completed = s->now * 1000u + 1u;
    if (status == MC_VSAN_IO_OK) {
        h->outcome = MC_HOP_OK;
        if (h->kind == MC_HOP_READ)
            h->value = mc_block_value_decode(c->buf, SIM_BLOCK);
    } else {
        h->outcome = h->kind == MC_HOP_WRITE ? MC_HOP_UNKNOWN : MC_HOP_FAIL;
    }
    c->busy = false;
    c->io = NULL;
    c->status = status;
    c->next_at = s->now + rnd(s) % (SIM_THINK_MAX_MS + 1u);
}

typedef struct done_ctx {
    sim *s;
    unsigned client;
} done_ctx;
static done_ctx dctx[SIM_MAX_CLIENTS];

static void op_done(void *ctx, mc_vsan_io_status st)
{
    done_ctx *d = ctx;
    op_end(d->s, &d->s->c[d->client], (int)st);
}

static bool op_start(sim *s, unsigned ci, unsigned server, bool write, uint64_t block)
{
    client *c = &s->c[ci];
    node *n = &s->n[server];
    if (!n->e || n->role != MC_VSAN_ROLE_SERVER)
        return false;
    mc_hop h = {.process = ci, .kind = write ? MC_HOP_WRITE : MC_HOP_READ, .key = block,
                .invoked = s->now * 1000u, .outcome = MC_HOP_UNKNOWN};
    dctx[ci] = (done_ctx){s, ci};
    if (write) {
        h.value = ((uint64_t)(ci + 1u) << SIM_VALUE_CLIENT_SHIFT) | ++s->counter;
        mc_block_value_fill(h.value, c->buf, SIM_BLOCK);
        c->io = mc_vsan_write(n->e, block * SIM_BLOCK, c->buf, SIM_BLOCK, op_done, &dctx[ci]);
    } else {
        c->io = mc_vsan_read(n->e, block * SIM_BLOCK, c->buf, SIM_BLOCK, op_done, &dctx[ci]);
    }
    if (!c->io)
        return false;
    c->hop = hist_add(s, &h);
    say(s, SIM_LOG_CLIENTS, "client %u: %s block %llu on server %u value %llu", ci, write ? "write" : "read",
        (unsigned long long)block, server, (unsigned long long)h.value);
    c->busy = true;
    c->server = server;
    c->deadline = s->now + SIM_OP_TIMEOUT_MS;
    return true;
}

static void clients_step(sim *s)
{
    for (unsigned i = 0; i < SIM_MAX_CLIENTS; i++) {
        client *c = &s->c[i];
        if (c->busy && s->now >= c->deadline) {
            mc_vsan_io_cancel(c->io);
            op_end(s, c, -1);
        }
        if (i >= s->nclients || c->busy || c->sync || s->now < c->next_at)
            continue;
        unsigned server = 1u + (unsigned)(rnd(s) % s->o.servers);
        bool write = rnd(s) % 100u < s->write_pct;
        op_start(s, i, server, write, rnd(s) % s->client_blocks);
        if (!c->busy)
            c->next_at = s->now + 1u;
    }
}

void sim_clients(sim *s, unsigned n, uint64_t blocks, unsigned write_pct)
{
    s->nclients = n < SIM_MAX_CLIENTS ? n : SIM_MAX_CLIENTS;
    s->client_blocks = blocks ? blocks : 1u;
    s->write_pct = write_pct;
}

void sim_clients_stop(sim *s)
{
    s->nclients = 0;
    for (int guard = 0; guard < 100000; guard++) {
        bool busy = false;
        for (unsigned i = 0; i < SIM_MAX_CLIENTS; i++)
            busy = busy || (s->c[i].busy && !s->c[i].sync);
        if (!busy)
            return;
        sim_run(s, 1);
    }
}

/* --- time -------------------------------------------------------------------------------------------- */

static void deliver_due(sim *s)
{
    sim_msg **pp = &s->q;
    while (*pp) {
        sim_msg *q = *pp;
        if (q->at > s->now) {
            pp = &q->next;
            continue;
        }
        *pp = q->next;
        if (!*pp)
            s->qtail = pp;
        if (q->epoch == s->epoch[q->from][q->to] && s->link[q->from][q->to] && s->n[q->to].e) {
            mc_vsan_opts o = {.block_size = SIM_BLOCK};
            mc_vsan_msg m;
            size_t used;
            if (mc_vsan_decode(q->bytes, q->len, &o, &m, &used) == MC_VSAN_R_OK)
                mc_vsan_on_message(s->n[q->to].e, (uint16_t)q->from, &m);
        }
        free(q->bytes);
        free(q);
        pp = &s->q;  /* delivery may have queued more: start over, keeping per-pair order */
    }
}

static uint64_t next_time(sim *s, uint64_t until)
{
    uint64_t t = until;
    for (sim_msg *q = s->q; q; q = q->next)
        if (q->at < t)
            t = q->at;
    for (unsigned i = 1; i <= s->nn; i++)
        if (s->n[i].e) {
            uint64_t d = mc_vsan_next_deadline(s->n[i].e);
            if (d && d < t)
                t = d;
        }
    for (unsigned i = 0; i < SIM_MAX_CLIENTS; i++) {
        const client *c = &s->c[i];
        if (c->busy && c->deadline < t)
            t = c->deadline;
        if (i < s->nclients && !c->busy && c->next_at < t)
            t = c->next_at;
    }
    return t < s->now ? s->now : t;
}

/* sim_opts.watch: every change of that block in any store is logged. */
static void watch(sim *s)
{
    if (!s->o.watch)
        return;
    uint64_t blk = s->o.watch - 1u;
    for (unsigned i = 1; i <= s->o.servers; i++) {
        uint8_t b[SIM_BLOCK];
        if (mc_store_read(s->n[i].inner, b, SIM_BLOCK, blk * SIM_BLOCK) != 0)
            continue;
        uint64_t v = mc_block_value_decode(b, SIM_BLOCK);
        if (v != s->watch_seen[i])
            say(s, 0, "store %u: block %llu now %llu", i, (unsigned long long)blk, (unsigned long long)v);
        s->watch_seen[i] = v;
    }
}

void sim_run(sim *s, uint64_t ms)
{
    uint64_t until = s->now + ms;
    for (unsigned long guard = 0; guard < SIM_STEP_GUARD; guard++) {
        links(s);
        deliver_due(s);
        for (unsigned i = 1; i <= s->nn; i++)
            if (s->n[i].e && mc_vsan_next_deadline(s->n[i].e) <= s->now)
                mc_vsan_tick(s->n[i].e);
        clients_step(s);
        watch(s);
        if (s->now >= until)
            return;
        /* The next event; what is due now was handled above, so time moves at least 1 ms. */
        uint64_t t = next_time(s, until);
        s->now = t > s->now ? t : s->now + 1u;
        if (s->now > until)
            s->now = until;
    }
    fprintf(stderr, "# the simulation stopped making progress at %llu ms\n", (unsigned long long)s->now);
    abort();
}

bool sim_settled(sim *s)
{
    uint32_t want = 0;
    for (unsigned i = 1; i <= s->o.servers; i++)
        want |= 1u << i;
    for (unsigned i = 1; i <= s->o.servers; i++) {
        mc_vsan_info st;
        if (!s->n[i].e)
            return false;
        mc_vsan_get_info(s->n[i].e, &st);
        if (st.members != want || st.syncing || !st.lease || st.rejoining || st.suspected || st.dirty_self)
            return false;
        for (unsigned k = 1; k <= s->o.servers; k++)
            if (st.dirty[k])
                return false;
    }
    return true;
}

bool sim_settle(sim *s, uint64_t ms)
{
    uint64_t until = s->now + ms;
    while (s->now < until) {
        sim_run(s, 50);
        for (unsigned i = 1; i <= s->o.servers; i++)
            if (!s->n[i].e)
                return false;  /* a killed server never settles */
        if (sim_settled(s))
            return true;
    }
    return false;
}

/* --- faults ---------------------------------------------------------------------------------------- */

bool sim_alive(const sim *s, unsigned id) { return id <= s->nn && s->n[id].e; }

void sim_kill(sim *s, unsigned id)
{
    if (!sim_alive(s, id))
        return;
    say(s, SIM_LOG_FAULTS, "FAULT kill %u", id);
    for (unsigned i = 0; i < SIM_MAX_CLIENTS; i++)
        if (s->c[i].busy && s->c[i].server == id)
            op_end(s, &s->c[i], -1);  /* its server died: the outcome is unknown */
    mc_vsan_engine_free(s->n[id].e);
    s->n[id].e = NULL;
    links(s);
}

void sim_restart(sim *s, unsigned id)
{
    if (id <= s->nn && !s->n[id].e)
        say(s, SIM_LOG_FAULTS, "FAULT restart %u", id);
    if (id <= s->nn && !s->n[id].e)
        start_engine(s, id);
}

void sim_cut(sim *s, unsigned a, unsigned b, bool cut)
{
    if (s->cut[a][b] != cut)
        say(s, SIM_LOG_FAULTS, "FAULT %s %u-%u", cut ? "cut" : "heal", a, b);
    s->cut[a][b] = s->cut[b][a] = cut;
    links(s);
}

void sim_fail_store(sim *s, unsigned id, bool fail)
{
    if (s->n[id].failed != fail)
        say(s, SIM_LOG_FAULTS, "FAULT store %u %s", id, fail ? "fails" : "heals");
    s->n[id].failed = fail;
    if (fail)
        mc_store_fail_all(s->n[id].store, MC_STORE_FAIL_BOTH);
    else
        mc_store_fail_clear(s->n[id].store);
}

bool sim_store_failed(const sim *s, unsigned id) { return id <= s->nn && s->n[id].failed; }

/* --- synchronous operations and results --------------------------------------------------------- */

static int sync_op(sim *s, unsigned ci, unsigned server, bool write, uint64_t block, uint64_t *value)
{
    client *c = &s->c[ci];
    c->sync = true;
    while (c->busy)
        sim_run(s, 1);
    if (!op_start(s, ci, server, write, block)) {
        c->sync = false;
        return -1;
    }
    while (c->busy)
        sim_run(s, 1);
    c->sync = false;
    if (value)
        *value = s->hist[c->hop].value;
    return c->status;
}

int sim_write(sim *s, unsigned who, unsigned server, uint64_t block, uint64_t *value_out)
{
    return sync_op(s, who, server, true, block, value_out);
}

int sim_read(sim *s, unsigned who, unsigned server, uint64_t block, uint64_t *value_out)
{
    return sync_op(s, who, server, false, block, value_out);
}

const uint8_t *sim_store_bytes(sim *s, unsigned id, uint64_t *len)
{
    node *n = &s->n[id];
    uint64_t size = s->o.blocks * SIM_BLOCK;
    if (!n->image)
        n->image = malloc(size);
    if (!n->image || mc_store_read(n->inner, n->image, size, 0) != 0)
        return NULL;
    *len = size;
    return n->image;
}

mc_vsan_engine *sim_engine(sim *s, unsigned id) { return id <= s->nn ? s->n[id].e : NULL; }
uint64_t sim_sent(const sim *s, unsigned type) { return type <= MC_VSAN_T_MAX ? s->sent[type] : 0; }
uint64_t sim_sync_bytes(const sim *s) { return s->sync_bytes; }

const mc_hop *sim_history(const sim *s, size_t *n)
{
    *n = s->nhist;
    return s->hist;
}

int sim_check(sim *s, mc_history_result *out)
{
    return mc_history_check(s->hist, s->nhist, NULL, out);
}

size_t sim_acked_writes(const sim *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nhist; i++)
        n += s->hist[i].kind == MC_HOP_WRITE && s->hist[i].outcome == MC_HOP_OK;
    return n;
}

void sim_free(sim *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < SIM_MAX_CLIENTS; i++)
        if (s->c[i].busy)
            mc_vsan_io_cancel(s->c[i].io);
    for (unsigned i = 1; i <= s->nn; i++) {
        mc_vsan_engine_free(s->n[i].e);
        mc_store_close(s->n[i].store);
        mc_store_close(s->n[i].inner);
        free(s->n[i].image);
        unlink(s->n[i].meta);
    }
    while (s->q) {
        sim_msg *q = s->q;
        s->q = q->next;
        free(q->bytes);
        free(q);
    }
    free(s->hist);
    free(s);
}

bool sim_all_up(const sim *s)
{
    for (unsigned a = 1; a <= s->nn; a++) {
        if (!s->n[a].e)
            return false;
        for (unsigned b = a + 1u; b <= s->nn; b++)
            if (s->cut[a][b])
                return false;
    }
    return true;
}

#define SIM_SHOW_DIFFERING 8u   /* differing blocks named per store pair */

/* Whether stores a and b hold the same bytes; with show, names the first blocks that differ. */
bool sim_same_stores(sim *s, unsigned a, unsigned b, FILE *show)
{
    uint64_t la, lb;
    const uint8_t *pa = sim_store_bytes(s, a, &la);
    uint8_t *copy = pa ? malloc(la) : NULL;
    if (!copy)
        return false;
    memcpy(copy, pa, la);  /* the next call may reuse the buffer */
    const uint8_t *pb = sim_store_bytes(s, b, &lb);
    bool same = pb && la == lb && memcmp(copy, pb, la) == 0;
    unsigned shown = 0;
    for (uint64_t off = 0; show && !same && pb && off + SIM_BLOCK <= la && off + SIM_BLOCK <= lb &&
                           shown < SIM_SHOW_DIFFERING;
         off += SIM_BLOCK)
        if (memcmp(copy + off, pb + off, SIM_BLOCK) != 0) {
            fprintf(show, "# stores %u and %u differ at block %" PRIu64 " (region %" PRIu64 ")\n", a, b,
                    off / SIM_BLOCK, off / s->o.region_size);
            shown++;
        }
    free(copy);
    return same;
}
