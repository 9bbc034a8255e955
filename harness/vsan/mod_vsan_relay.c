/* The relays' thread (mod_vsan_relay.h): accepts connections on each relay's address, connects to
 * the real endpoint from the -from address, reads both directions through the link codec's stream
 * reader, logs each message, applies the seeded faults, renumbers what passes when a message was
 * withheld or replayed, and writes what it delivers into the run's capture. */
#define _GNU_SOURCE   /* accept4, pipe2 */
#include "mod_vsan_relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define LISTEN_BACKLOG 8
#define CORRUPT_INDEX_SHIFT 8u      /* a corruption's draw: low byte the mask, the rest the place */
#define CORRUPT_FIRST MC_VSAN_HDR_OFF_flags  /* the first byte a corruption may hit: from here on
                                               * every byte is under the hcrc or the payload CRC */
#define DIR_SEED_MIX 0x9e3779b97f4a7c15ull   /* golden-ratio spread of the two directions' seeds */
#define WAKE_DRAIN 16u

const char *const mv_dir_names[MV_DIRS] = {"fwd", "rev"};

/* The relay is not the receiver: any data length, either direction; rule 8 is the receiver's. */
static const mc_vsan_opts relay_opts = {.block_size = 1, .dir = 0};

/* --- log ---------------------------------------------------------------------------------------- */

static mv_entry *log_add(mv_relay *r, const mv_conn *c, uint8_t event, uint8_t dir)
{
    size_t slot;
    if (r->log_len == MV_RELAY_LOG_MAX) {
        slot = r->log_first;
        r->log_first = (r->log_first + 1u) % MV_RELAY_LOG_MAX;
        r->log_dropped++;
    } else {
        slot = (r->log_first + r->log_len) % MV_RELAY_LOG_MAX;
        r->log_len++;
    }
    mv_entry *e = &r->log[slot];
    memset(e, 0, sizeof *e);
    e->n = ++r->log_total;
    e->t_us = mv_now_us();
    e->event = event;
    e->dir = dir;
    if (c) {
        e->conn = c->id;
        e->a = c->a;
    }
    return e;
}

static void note(mv_entry *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(mv_entry *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->note, sizeof e->note, fmt, ap);
    va_end(ap);
}

const mv_entry *mv_relay_entry_locked(const mv_relay *r, size_t i)
{
    return i < r->log_len ? &r->log[(r->log_first + i) % MV_RELAY_LOG_MAX] : NULL;
}

/* The message's body as the codec's table names it (only a message that decoded whole). */
static void entry_fill(mv_entry *e, const mc_vsan_msg *m, mc_vsan_res res)
{
    e->h = m->h;
    e->res = (uint8_t)res;
    e->out_seq = m->h.seq;
    if (res != MC_VSAN_R_OK)
        return;
    e->data_len = m->data_len;
    const mc_vsan_type_desc *t = mc_vsan_type_info(m->h.type);
    mc_vsan_span sp = mc_vsan_layout_span(t->layout);
    e->nfields = sp.n < MV_RELAY_FIELDS_MAX ? sp.n : MV_RELAY_FIELDS_MAX;
    for (unsigned i = 0; i < e->nfields; i++) {
        mc_vsan_field f = (mc_vsan_field)(sp.first + i);
        const mc_vsan_field_desc *d = mc_vsan_field_info(f);
        if (d->kind == MC_VSAN_U || d->kind == MC_VSAN_COUNT) {
            e->v[i] = mc_vsan_get(m, f);
        } else if (d->kind == MC_VSAN_BYTES && m->ref[f]) {
            memcpy(e->bytes, m->ref[f], d->width < sizeof e->bytes ? d->width : sizeof e->bytes);
        } else if (d->kind == MC_VSAN_ARRAY && i > 0) {
            e->arr_count = (uint32_t)e->v[i - 1u];   /* the COUNT field precedes its ARRAY */
            e->arr_kept = e->arr_count < MV_RELAY_ARRAY_MAX ? e->arr_count : MV_RELAY_ARRAY_MAX;
            for (uint32_t k = 0; k < e->arr_kept; k++)
                e->arr[k] = mc_vsan_elem(m, f, k);
        }
    }
}

/* --- connections --------------------------------------------------------------------------------- */

static mv_frame *frame_new(const uint8_t *bytes, size_t len, uint64_t due_us)
{
    mv_frame *f = malloc(sizeof *f + len);
    if (!f)
        return NULL;
    f->next = NULL;
    f->due_us = due_us;
    f->len = len;
    f->off = 0;
    f->captured = false;
    memcpy(f->bytes, bytes, len);
    return f;
}

static void enqueue(mv_side *s, mv_frame *f)
{
    if (s->tail)
        s->tail->next = f;
    else
        s->head = f;
    s->tail = f;
    s->queued += f->len;
}

static void side_free(mv_side *s)
{
    for (mv_frame *f = s->head, *next; f; f = next) {
        next = f->next;
        free(f);
    }
    s->head = s->tail = NULL;
    s->queued = 0;
    mc_vsan_rx_free(&s->rx);
}

static void conn_close(mv_relay *r, mv_conn *c, const char *why)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    mc_pcap_flow_close(r->pcap, &c->flow, &tv);
    for (unsigned d = 0; d < MV_DIRS; d++) {
        if (c->fd[d] >= 0)
            close(c->fd[d]);
        c->fd[d] = -1;
        side_free(&c->side[d]);
    }
    note(log_add(r, c, MV_EV_CLOSE, MV_FWD), "%s", why);
    r->closed++;
    c->used = false;
}

static void no_delay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   /* messages pass as they come */
}

static void conn_opened(mv_relay *r, mv_conn *c)
{
    c->connecting = false;
    char from[INET_ADDRSTRLEN], to[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &r->from.sin_addr, from, sizeof from);
    inet_ntop(AF_INET, &r->to.sin_addr, to, sizeof to);
    note(log_add(r, c, MV_EV_OPEN, MV_FWD), "carried to %s:%u from %s", to, (unsigned)ntohs(r->to.sin_port), from);
}

static void conn_start(mv_relay *r, mv_conn *c, int fd, const struct sockaddr_in *a)
{
    memset(c, 0, sizeof *c);
    c->used = true;
    c->id = ++r->next_conn;
    c->a = *a;
    c->fd[MV_FWD] = fd;
    c->fd[MV_REV] = -1;
    for (unsigned d = 0; d < MV_DIRS; d++)
        mc_vsan_rx_init(&c->side[d].rx);
    mc_pcap_flow_init(&c->flow, a, &r->to);
    r->accepted++;
    no_delay(fd);
    struct sockaddr_in from = r->from;
    from.sin_port = 0;
    int b = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->fd[MV_REV] = b;
    if (b < 0 || bind(b, (const struct sockaddr *)&from, sizeof from) != 0) {
        r->connect_failed++;
        conn_close(r, c, strerror(errno));
        return;
    }
    no_delay(b);
    if (connect(b, (const struct sockaddr *)&r->to, sizeof r->to) == 0) {
        conn_opened(r, c);
    } else if (errno == EINPROGRESS) {
        c->connecting = true;
        c->connect_deadline_us = mv_now_us() + (uint64_t)MV_RELAY_CONNECT_MS * MV_US_PER_MS;
    } else {
        r->connect_failed++;
        conn_close(r, c, strerror(errno));
    }
}

static void connect_done(mv_relay *r, mv_conn *c)
{
    int err = 0;
    socklen_t l = sizeof err;
    if (getsockopt(c->fd[MV_REV], SOL_SOCKET, SO_ERROR, &err, &l) != 0)
        err = errno;
    if (err == 0) {
        conn_opened(r, c);
        return;
    }
    r->connect_failed++;
    conn_close(r, c, strerror(err));
}

static void accept_all(mv_relay *r)
{
    for (;;) {
        struct sockaddr_in a;
        socklen_t al = sizeof a;
        int fd = accept4(r->lfd, (struct sockaddr *)&a, &al, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        mv_conn *c = NULL;
        for (unsigned i = 0; i < MV_RELAY_CONNS && !c; i++)
            if (!r->conns[i].used)
                c = &r->conns[i];
        if (r->cut || !c) {
            close(fd);
            r->refused++;
            mv_entry *e = log_add(r, NULL, MV_EV_REFUSED, MV_FWD);
            e->a = a;
            note(e, "%s", r->cut ? "the relay is cut" : "connections at their bound");
            continue;
        }
        conn_start(r, c, fd, &a);
    }
}

/* --- messages ---------------------------------------------------------------------------------- */

/* What the direction's faults do to one message: four draws per message, always, so one outcome
 * never shifts the next decisions. 0, or -1 when the connection was closed. */
static int on_message(mv_relay *r, mv_conn *c, unsigned d, const uint8_t *frame, size_t len, const mc_vsan_msg *m,
                      mc_vsan_res res)
{
    uint64_t now = mv_now_us();
    mv_dir_stats *st = &r->st[d];
    mv_side *s = &c->side[d];
    mv_dir_faults *f = &r->f[d];
    st->messages++;
    st->bytes += len;
    st->types[m->h.type <= MC_VSAN_T_MAX ? m->h.type : 0u]++;
    st->malformed += res != MC_VSAN_R_OK;
    mv_entry *e = log_add(r, c, MV_EV_MSG, (uint8_t)d);
    entry_fill(e, m, res);
    f->plan.seen++;
    bool drop = mc_fault_roll(&f->plan, f->plan.drop_ppm);
    bool drop_type = mc_fault_roll(&f->plan, f->drop_type_ppm) && f->drop_type && f->drop_type == m->h.type;
    bool corrupt = mc_fault_roll(&f->plan, f->plan.corrupt_ppm);
    uint64_t where = mc_fault_next(&f->plan);
    if (r->hold_type && r->hold_type == m->h.type && (r->hold_dirs & (1u << d))) {
        uint8_t *copy = malloc(len);
        if (copy) {
            memcpy(copy, frame, len);
            free(r->held);
            r->held = copy;
            r->held_len = len;
            r->held_dir = (uint8_t)d;
            r->hold_type = 0;
            e->faults |= MV_F(HELD);
            st->held++;
            if (r->hold_withhold) {
                e->out_seq = m->h.seq + (uint32_t)s->delta;   /* the number it would have had */
                s->delta--;   /* what follows is renumbered: the receiver sees no gap */
                e->faults |= MV_F(WITHHELD);
                st->withheld++;
                return 0;
            }
        }
    }
    if (drop || drop_type) {
        e->faults |= MV_F(DROPPED);   /* the numbering is left broken: rule 5 */
        st->dropped++;
        f->plan.dropped++;
        return 0;
    }
    mv_frame *fr = frame_new(frame, len, now + (uint64_t)f->plan.delay_ms * MV_US_PER_MS);
    if (!fr) {
        conn_close(r, c, "out of memory");
        return -1;
    }
    uint32_t seq = m->h.seq + (uint32_t)s->delta;
    if (seq != m->h.seq && mc_vsan_reseq(fr->bytes, len, seq) == 0)
        e->faults |= MV_F(RESEQ);
    e->out_seq = seq;
    s->last_out_seq = seq;
    if (corrupt) {
        size_t at = CORRUPT_FIRST + (size_t)((where >> CORRUPT_INDEX_SHIFT) % (len - CORRUPT_FIRST));
        fr->bytes[at] ^= (uint8_t)(where | 1u);   /* odd, so never zero: the byte always changes */
        e->faults |= MV_F(CORRUPTED);
        e->corrupt_at = (uint32_t)at;
        st->corrupted++;
        f->plan.corrupted++;
    }
    if (f->plan.delay_ms) {
        e->faults |= MV_F(DELAYED);
        e->delay_ms = f->plan.delay_ms;
        st->delayed++;
        f->plan.delayed++;
    }
    enqueue(s, fr);
    return 0;
}

/* The codec gave up on this direction (rules 2-4): what is buffered and all that follows passes
 * unparsed; the receiver closes on it as it would without the relay. */
static int go_raw(mv_relay *r, mv_conn *c, unsigned d, mc_vsan_res res)
{
    mv_side *s = &c->side[d];
    s->raw = true;
    mv_entry *e = log_add(r, c, MV_EV_RAW, (uint8_t)d);
    e->res = (uint8_t)res;
    note(e, "%s: the rest passes unparsed", mc_vsan_res_name(res));
    size_t n = mc_vsan_rx_pending(&s->rx);
    if (n == 0)
        return 0;
    mv_frame *fr = frame_new(s->rx.buf + s->rx.start, n, mv_now_us());
    if (!fr) {
        conn_close(r, c, "out of memory");
        return -1;
    }
    r->st[d].raw_bytes += n;
    enqueue(s, fr);
    return 0;
}

static int parse(mv_relay *r, mv_conn *c, unsigned d)
{
    mv_side *s = &c->side[d];
    for (;;) {
        size_t at = s->rx.start;   /* the frame rx_next takes starts here; the buffer stays put */
        mc_vsan_msg m;
        mc_vsan_res res = mc_vsan_rx_next(&s->rx, &relay_opts, &m);
        if (res == MC_VSAN_R_NEED_MORE)
            return 0;
        if (mc_vsan_res_fatal(res))
            return go_raw(r, c, d, res);
        if (on_message(r, c, d, s->rx.buf + at, mc_vsan_frame_len(m.h.length), &m, res) != 0)
            return -1;
    }
}

static void side_read(mv_hub *h, mv_relay *r, mv_conn *c, unsigned d)
{
    mv_side *s = &c->side[d];
    while (s->queued < MV_RELAY_QUEUE_MAX) {
        ssize_t n;
        if (s->raw) {
            n = read(c->fd[d], h->scratch, MV_RELAY_RAW_CHUNK);
            if (n > 0) {
                mv_frame *fr = frame_new(h->scratch, (size_t)n, mv_now_us());
                if (!fr) {
                    conn_close(r, c, "out of memory");
                    return;
                }
                r->st[d].raw_bytes += (uint64_t)n;
                enqueue(s, fr);
                continue;
            }
        } else {
            uint8_t *p;
            size_t room;
            if (mc_vsan_rx_space(&s->rx, &p, &room) != 0) {
                conn_close(r, c, "out of memory");
                return;
            }
            if (room == 0)
                return;
            n = read(c->fd[d], p, room);
            if (n > 0) {
                mc_vsan_rx_commit(&s->rx, (size_t)n);
                if (parse(r, c, d) != 0)
                    return;
                continue;
            }
        }
        if (n == 0) {
            conn_close(r, c, d == MV_FWD ? "closed by the connecting server" : "closed by the peer");
            return;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            conn_close(r, c, strerror(errno));
        return;
    }
}

/* Writes side d's due frames to the other socket; a frame goes into the capture as it starts. */
static void side_write(mv_relay *r, mv_conn *c, unsigned d)
{
    mv_side *s = &c->side[d];
    int fd = c->fd[MV_DIRS - 1u - d];
    uint64_t now = mv_now_us();
    while (s->head && s->head->due_us <= now) {
        mv_frame *f = s->head;
        if (!f->captured) {
            struct timeval tv;
            gettimeofday(&tv, NULL);
            mc_pcap_write(r->pcap, &c->flow, d == MV_FWD, f->bytes, f->len, &tv);
            f->captured = true;
        }
        ssize_t n = send(fd, f->bytes + f->off, f->len - f->off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                conn_close(r, c, strerror(errno));
            return;
        }
        f->off += (size_t)n;
        if (f->off < f->len)
            return;
        s->head = f->next;
        if (!s->head)
            s->tail = NULL;
        s->queued -= f->len;
        free(f);
    }
}

/* --- the thread -------------------------------------------------------------------------------- */

enum { W_WAKE, W_LISTEN, W_CONNECT, W_READ, W_WRITE };
typedef struct poll_who {
    unsigned relay, slot, conn, dir;
    int kind;
} poll_who;

static mv_relay *relay_by_id(mv_hub *h, unsigned id)
{
    for (mv_relay *r = h->relays; r; r = r->next)
        if (r->id == id)
            return r;
    return NULL;
}

static size_t add(struct pollfd *pf, poll_who *w, size_t n, int fd, short ev, poll_who who)
{
    if (n >= MV_RELAY_POLL_MAX)
        return n;
    pf[n] = (struct pollfd){.fd = fd, .events = ev};
    w[n] = who;
    return n + 1u;
}

/* Fills the poll set from every relay; *wake_at is lowered to the next frame due or connect
 * deadline. */
static size_t fill(mv_hub *h, struct pollfd *pf, poll_who *w, uint64_t now, uint64_t *wake_at)
{
    size_t n = add(pf, w, 0, h->wake[0], POLLIN, (poll_who){.kind = W_WAKE});
    for (mv_relay *r = h->relays; r; r = r->next) {
        n = add(pf, w, n, r->lfd, POLLIN, (poll_who){.relay = r->id, .kind = W_LISTEN});
        for (unsigned i = 0; i < MV_RELAY_CONNS; i++) {
            mv_conn *c = &r->conns[i];
            poll_who who = {.relay = r->id, .slot = i, .conn = c->id};
            if (!c->used)
                continue;
            if (c->connecting) {
                who.kind = W_CONNECT;
                n = add(pf, w, n, c->fd[MV_REV], POLLOUT, who);
                if (c->connect_deadline_us < *wake_at)
                    *wake_at = c->connect_deadline_us;
                continue;
            }
            for (unsigned d = 0; d < MV_DIRS; d++) {
                mv_side *s = &c->side[d];
                who.dir = d;
                if (s->queued < MV_RELAY_QUEUE_MAX) {
                    who.kind = W_READ;
                    n = add(pf, w, n, c->fd[d], POLLIN, who);
                }
                if (s->head && s->head->due_us <= now) {
                    who.kind = W_WRITE;
                    n = add(pf, w, n, c->fd[MV_DIRS - 1u - d], POLLOUT, who);
                } else if (s->head && s->head->due_us < *wake_at) {
                    *wake_at = s->head->due_us;
                }
            }
        }
    }
    return n;
}

static void dispatch(mv_hub *h, const struct pollfd *p, const poll_who *w)
{
    if (w->kind == W_WAKE) {
        char b[WAKE_DRAIN];
        while (read(h->wake[0], b, sizeof b) > 0) {
        }
        return;
    }
    mv_relay *r = relay_by_id(h, w->relay);
    if (!r)
        return;   /* closed while the thread polled */
    if (w->kind == W_LISTEN) {
        accept_all(r);
        return;
    }
    mv_conn *c = &r->conns[w->slot];
    if (!c->used || c->id != w->conn)
        return;   /* closed by an earlier event of this round */
    if (w->kind == W_CONNECT)
        connect_done(r, c);
    else if (w->kind == W_READ && !c->connecting)
        side_read(h, r, c, w->dir);
    else if (w->kind == W_WRITE && !c->connecting && (p->revents & (POLLOUT | POLLERR | POLLHUP)))
        side_write(r, c, w->dir);
}

static void *hub_loop(void *arg)
{
    mv_hub *h = arg;
    struct pollfd pf[MV_RELAY_POLL_MAX];
    poll_who w[MV_RELAY_POLL_MAX];
    pthread_mutex_lock(&h->lock);
    while (!h->stop) {
        uint64_t now = mv_now_us(), wake_at = now + (uint64_t)MV_RELAY_IDLE_MS * MV_US_PER_MS;
        size_t n = fill(h, pf, w, now, &wake_at);
        int timeout = wake_at > now ? (int)((wake_at - now + MV_US_PER_MS - 1u) / MV_US_PER_MS) : 0;
        pthread_mutex_unlock(&h->lock);
        int k = poll(pf, (nfds_t)n, timeout);
        pthread_mutex_lock(&h->lock);
        if (h->stop)
            break;
        for (size_t j = 0; k > 0 && j < n; j++)
            if (pf[j].revents)
                dispatch(h, &pf[j], &w[j]);
        now = mv_now_us();
        for (mv_relay *r = h->relays; r; r = r->next)
            for (unsigned i = 0; i < MV_RELAY_CONNS; i++)
                if (r->conns[i].used && r->conns[i].connecting && now >= r->conns[i].connect_deadline_us) {
                    r->connect_failed++;
                    conn_close(r, &r->conns[i], "connect timed out");
                }
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* --- the hub and its relays -------------------------------------------------------------------- */

void mv_hub_wake(mv_hub *h)
{
    if (write(h->wake[1], "w", 1) < 0) {
        /* a full pipe already wakes the loop */
    }
}

mv_hub *mv_hub_new(char *err, size_t errlen)
{
    mv_hub *h = calloc(1, sizeof *h);
    if (!h || !(h->scratch = malloc(MV_RELAY_RAW_CHUNK))) {
        snprintf(err, errlen, "out of memory");
        if (h)
            free(h);
        return NULL;
    }
    pthread_mutex_init(&h->lock, NULL);
    if (pipe2(h->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        pthread_mutex_destroy(&h->lock);
        free(h->scratch);
        free(h);
        return NULL;
    }
    if (pthread_create(&h->thread, NULL, hub_loop, h) != 0) {
        snprintf(err, errlen, "cannot start the relay thread");
        close(h->wake[0]);
        close(h->wake[1]);
        pthread_mutex_destroy(&h->lock);
        free(h->scratch);
        free(h);
        return NULL;
    }
    h->running = true;
    return h;
}

void mv_relay_free_locked(mv_hub *h, mv_relay *r)
{
    for (mv_relay **p = &h->relays; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            h->nrelays--;
            break;
        }
    for (unsigned i = 0; i < MV_RELAY_CONNS; i++)
        if (r->conns[i].used)
            conn_close(r, &r->conns[i], "relay closed");
    if (r->lfd >= 0)
        close(r->lfd);
    mc_pcap_unref(r->pcap);
    free(r->held);
    free(r->log);
    free(r);
}

void mv_hub_free(mv_hub *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stop = true;
    pthread_mutex_unlock(&h->lock);
    mv_hub_wake(h);
    if (h->running)
        pthread_join(h->thread, NULL);
    while (h->relays)
        mv_relay_free_locked(h, h->relays);
    close(h->wake[0]);
    close(h->wake[1]);
    pthread_mutex_destroy(&h->lock);
    free(h->scratch);
    free(h);
}

mv_relay *mv_relay_find_locked(mv_hub *h, const char *name)
{
    for (mv_relay *r = h->relays; r; r = r->next)
        if (strcmp(r->name, name) == 0)
            return r;
    return NULL;
}

int mv_relay_open(mv_hub *h, const mv_relay_cfg *cfg, mv_relay **out, char *err, size_t errlen)
{
    mv_relay *r = calloc(1, sizeof *r);
    if (r)
        r->log = calloc(MV_RELAY_LOG_MAX, sizeof *r->log);
    if (!r || !r->log) {
        free(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(r->name, sizeof r->name, "%s", cfg->name);
    r->listen = cfg->listen;
    r->to = cfg->to;
    r->from = cfg->from;
    for (unsigned d = 0; d < MV_DIRS; d++)
        mc_fault_init(&r->f[d].plan, 0);
    mv_relay_seed_locked(r, cfg->seed);
    int one = 1;
    socklen_t sl = sizeof r->listen;
    r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (r->lfd < 0 || setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(r->lfd, (const struct sockaddr *)&r->listen, sizeof r->listen) != 0 ||
        listen(r->lfd, LISTEN_BACKLOG) != 0 || getsockname(r->lfd, (struct sockaddr *)&r->listen, &sl) != 0) {
        snprintf(err, errlen, "relay %s: %s", r->name, strerror(errno));
        if (r->lfd >= 0)
            close(r->lfd);
        free(r->log);
        free(r);
        return -1;
    }
    r->pcap = cfg->pcap;
    mc_pcap_ref(r->pcap);
    pthread_mutex_lock(&h->lock);
    int rc = 0;
    if (mv_relay_find_locked(h, r->name)) {
        snprintf(err, errlen, "a relay named %s is open already", r->name);
        rc = -1;
    } else if (h->nrelays >= MV_RELAYS_MAX) {
        snprintf(err, errlen, "at most %u relays per interpreter", MV_RELAYS_MAX);
        rc = -1;
    } else {
        r->id = ++h->next_id;
        r->next = h->relays;
        h->relays = r;
        h->nrelays++;
    }
    pthread_mutex_unlock(&h->lock);
    if (rc != 0) {
        close(r->lfd);
        mc_pcap_unref(r->pcap);
        free(r->log);
        free(r);
        return -1;
    }
    mv_hub_wake(h);
    *out = r;
    return 0;
}

void mv_relay_seed_locked(mv_relay *r, uint64_t seed)
{
    for (unsigned d = 0; d < MV_DIRS; d++)
        r->f[d].plan.state = seed ^ (d * DIR_SEED_MIX);
}

void mv_relay_cut_locked(mv_relay *r)
{
    r->cut = true;
    for (unsigned i = 0; i < MV_RELAY_CONNS; i++)
        if (r->conns[i].used)
            conn_close(r, &r->conns[i], "cut");
}

int mv_relay_replay_locked(mv_relay *r, char *err, size_t errlen)
{
    if (!r->held) {
        snprintf(err, errlen, "relay %s holds no message (hold TYPE first)", r->name);
        return -1;
    }
    mv_conn *c = NULL;
    for (unsigned i = 0; i < MV_RELAY_CONNS; i++) {
        mv_conn *k = &r->conns[i];
        if (k->used && !k->connecting && !k->side[r->held_dir].raw && (!c || k->id > c->id))
            c = k;
    }
    if (!c) {
        snprintf(err, errlen, "relay %s has no connection to replay into", r->name);
        return -1;
    }
    mv_side *s = &c->side[r->held_dir];
    mv_frame *fr = frame_new(r->held, r->held_len, mv_now_us());
    if (!fr) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint32_t seq = s->last_out_seq + 1u;
    mc_vsan_reseq(fr->bytes, fr->len, seq);
    s->delta++;   /* the sender's next message comes after the one injected */
    s->last_out_seq = seq;
    mv_entry *e = log_add(r, c, MV_EV_MSG, r->held_dir);
    mc_vsan_msg m;
    size_t used;
    entry_fill(e, &m, mc_vsan_decode(r->held, r->held_len, &relay_opts, &m, &used));
    e->out_seq = seq;
    e->faults = MV_F(REPLAYED) | MV_F(RESEQ);
    r->st[r->held_dir].replayed++;
    enqueue(s, fr);
    return 0;
}
