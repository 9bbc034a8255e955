/* Phase decoder: settled bus samples to events (BUS FREE, arbitration, (re)selection, messages,
 * commands, data blocks, status, reset) with who drove them. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "spi_internal.h"
#include "trace_internal.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define BUS_BUSY (MC_SPI_BSY | MC_SPI_SEL)
#define EV_INITIAL 256u
#define MAX_FINDINGS 4096u

int mc_spi_trace_new(mc_spi_trace **out, char *err, size_t errlen)
{
    mc_spi_trace *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->init = t->target = t->driver = MC_SPI_NOBODY;
    chk_sm_init(&t->sm);
    *out = t;
    return 0;
}

void mc_spi_trace_free(mc_spi_trace *t)
{
    if (!t)
        return;
    free(t->ev);
    free(t->f);
    free(t);
}

static void listen_cb(void *ctx, uint64_t time, uint32_t lines, const uint32_t *drive)
{
    mc_spi_trace_feed(ctx, time, lines, drive);
}

int mc_spi_trace_attach(mc_spi_trace *t, mc_spi_bus *bus, char *err, size_t errlen)
{
    return mc_spi_bus_listen(bus, listen_cb, t, err, errlen);
}

size_t mc_spi_trace_events(const mc_spi_trace *t, const mc_spi_ev **evs)
{
    *evs = t->ev;
    return t->nev;
}

size_t mc_spi_trace_findings(const mc_spi_trace *t, const mc_spi_finding **f)
{
    *f = t->f;
    return t->nf;
}

size_t mc_spi_trace_count(const mc_spi_trace *t, int code)
{
    return code >= 0 && code < MC_CHK_COUNT ? t->count[code] : 0;
}

void trace_finding(mc_spi_trace *t, int code, const char *fmt, ...)
{
    t->count[code]++;
    if (t->nf >= MAX_FINDINGS)
        return; /* counted, not kept: a broken device repeats itself */
    if (t->nf == t->fcap) {
        size_t cap = t->fcap ? 2 * t->fcap : EV_INITIAL;
        mc_spi_finding *f = realloc(t->f, cap * sizeof *f);
        if (!f)
            return; /* the count above still records it */
        t->f = f;
        t->fcap = cap;
    }
    mc_spi_finding *f = &t->f[t->nf++];
    f->t = t->now;
    f->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->text, sizeof f->text, fmt, ap);
    va_end(ap);
}

static mc_spi_ev *emit(mc_spi_trace *t, int kind, uint64_t start)
{
    if (t->nev == t->evcap) {
        size_t cap = t->evcap ? 2 * t->evcap : EV_INITIAL;
        mc_spi_ev *e = realloc(t->ev, cap * sizeof *e);
        if (!e)
            return NULL;
        t->ev = e;
        t->evcap = cap;
    }
    mc_spi_ev *e = &t->ev[t->nev++];
    memset(e, 0, sizeof *e);
    e->t = start;
    e->t_end = t->now;
    e->kind = kind;
    e->init = t->init;
    e->target = t->target;
    e->driver = t->driver;
    return e;
}

/* Events are complete when emitted; the checker sees each one once. */
static void done(mc_spi_trace *t, mc_spi_ev *e)
{
    if (e)
        chk_event(t, e);
}

static int highest_id(uint16_t db)
{
    int best = -1;
    for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
        if ((db & (1u << i)) && (best < 0 || mc_spi_prio(i) > mc_spi_prio((unsigned)best)))
            best = (int)i;
    return best;
}

static uint8_t req_driver(const mc_spi_trace *t)
{
    if (t->have_drive)
        for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
            if (t->drive[i] & MC_SPI_REQ)
                return (uint8_t)i;
    return chk_expected_driver(t);
}

static void emit_message(mc_spi_trace *t, bool out, size_t n, bool raw)
{
    mc_spi_ev *e = emit(t, out ? MC_EV_MSG_OUT : MC_EV_MSG_IN, t->t_msg);
    if (!e)
        return;
    e->len = (uint32_t)n;
    memcpy(e->b, t->msg, n);
    if (raw) {
        e->is_sm = mc_sm_parse_raw(t->msg, n, &e->sm) == 0;
    } else if (mc_sm_parse(t->msg, n, &e->sm) == 0) {
        e->is_sm = true;
    }
    /* negotiation answers set the width of later data transfers */
    if (!out && n == 2 + MC_XMSG_PPR_LEN && t->msg[2] == MC_XMSG_PPR && t->driver < MC_SPI_MAX_ID)
        t->wide[t->driver] = t->msg[6] == MC_WDTR_WIDE16;
    if (!out && n == 2 + MC_XMSG_WDTR_LEN && t->msg[2] == MC_XMSG_WDTR && t->driver < MC_SPI_MAX_ID)
        t->wide[t->driver] = t->msg[3] == MC_WDTR_WIDE16;
    done(t, e);
}

static void msg_byte(mc_spi_trace *t, uint8_t b, bool out, bool atn)
{
    if (t->mlen == 0)
        t->t_msg = t->now;
    if (t->mlen == MC_MSG_MAX)
        t->mlen = 0;
    t->msg[t->mlen++] = b;
    for (;;) {
        bool raw = out && mc_sm_raw_code(t->msg[0]);
        size_t need = raw ? mc_sm_raw_len(t->msg, t->mlen, atn) : mc_spi_msg_len(t->msg, t->mlen);
        if (!need || need > t->mlen)
            return;
        size_t rest = t->mlen - need;
        emit_message(t, out, need, raw);
        memmove(t->msg, t->msg + need, rest);
        t->mlen = rest;
        if (!rest)
            return;
    }
}

static void flush_phase(mc_spi_trace *t)
{
    if (!t->in_phase)
        return;
    t->in_phase = false;
    mc_spi_ev *e = NULL;
    switch (t->phase) {
    case MC_SPI_DATA_OUT:
    case MC_SPI_DATA_IN:
        e = emit(t, t->phase == MC_SPI_DATA_OUT ? MC_EV_DATA_OUT : MC_EV_DATA_IN, t->t_phase);
        if (e) {
            e->len = t->len;
            e->hash = t->hash;
            memcpy(e->b, t->buf, t->blen);
        }
        break;
    case MC_SPI_COMMAND:
        e = emit(t, MC_EV_COMMAND, t->t_phase);
        if (e) {
            e->len = t->len;
            memcpy(e->b, t->buf, t->blen);
        }
        break;
    case MC_SPI_MSG_OUT:
    case MC_SPI_MSG_IN:
        if (t->mlen) { /* a message cut short by the phase change */
            mc_sm_raw_code(t->msg[0]) ? emit_message(t, true, t->mlen, true)
                                       : emit_message(t, t->phase == MC_SPI_MSG_OUT, t->mlen, false);
            t->mlen = 0;
        }
        break;
    default:
        break;
    }
    done(t, e);
}

static void latch(mc_spi_trace *t, uint32_t v)
{
    uint16_t db = MC_SPI_DB(v);
    bool out = !(t->phase & MC_SPI_IO);
    bool data = t->phase == MC_SPI_DATA_OUT || t->phase == MC_SPI_DATA_IN;
    unsigned width = data && t->driver < MC_SPI_MAX_ID && t->wide[t->driver] ? 2 : 1;
    for (unsigned i = 0; i < width; i++) {
        uint8_t b = (uint8_t)(db >> (8 * i));
        t->hash = (t->hash ^ b) * FNV_PRIME;
        if (t->blen < MC_MSG_MAX)
            t->buf[t->blen++] = b;
        t->len++;
    }
    if (t->phase == MC_SPI_MSG_OUT || t->phase == MC_SPI_MSG_IN) {
        msg_byte(t, (uint8_t)db, out, (v & MC_SPI_ATN) != 0);
    } else if (t->phase == MC_SPI_STATUS) {
        mc_spi_ev *e = emit(t, MC_EV_STATUS, t->now);
        if (e) {
            e->len = 1;
            e->b[0] = (uint8_t)db;
        }
        done(t, e);
    }
}

static void start_phase(mc_spi_trace *t, uint32_t phase)
{
    flush_phase(t);
    t->in_phase = true;
    t->phase = phase;
    t->t_phase = t->now;
    t->blen = 0;
    t->len = 0;
    t->mlen = 0;
    t->hash = FNV_OFFSET;
}

static void selection(mc_spi_trace *t, uint32_t v)
{
    uint16_t db = MC_SPI_DB(v);
    int winner = t->init != MC_SPI_NOBODY ? t->init : highest_id(db);
    uint16_t other = db & (uint16_t)~(winner >= 0 ? 1u << winner : 0);
    int peer = other ? __builtin_ctz(other) : -1;
    t->resel = (v & MC_SPI_IO) != 0;
    if (t->resel) {
        t->target = (uint8_t)winner;
        t->init = peer >= 0 ? (uint8_t)peer : MC_SPI_NOBODY;
    } else {
        t->init = (uint8_t)winner;
        t->target = peer >= 0 ? (uint8_t)peer : MC_SPI_NOBODY;
    }
    t->driver = t->target;
    mc_spi_ev *e = emit(t, t->resel ? MC_EV_RESELECTION : MC_EV_SELECTION, t->now);
    if (e)
        e->atn = (v & MC_SPI_ATN) != 0;
    t->bus = B_SEL_ANSWERED;
    t->first_msg = true;
    done(t, e);
}

void mc_spi_trace_feed(mc_spi_trace *t, uint64_t time, uint32_t v, const uint32_t *drive)
{
    uint32_t old = t->started ? t->prev : 0;
    t->started = true;
    t->now = time;
    if (drive) {
        memcpy(t->drive, drive, sizeof t->drive);
        t->have_drive = true;
    }
    chk_sample(t, old, v, drive);
    uint32_t rise = v & ~old, fall = old & ~v;
    t->prev = v;
    if (rise & MC_SPI_RST) {
        flush_phase(t);
        done(t, emit(t, MC_EV_RESET, time));
        t->bus = B_RESET;
        return;
    }
    if (t->bus == B_RESET) {
        if (v & MC_SPI_RST)
            return;
        t->bus = B_FREE;
    }
    if (!(v & BUS_BUSY)) {
        if (old & BUS_BUSY) {
            flush_phase(t);
            done(t, emit(t, MC_EV_BUS_FREE, time));
        }
        t->bus = B_FREE;
        t->init = t->target = t->driver = MC_SPI_NOBODY;
        return;
    }
    if (t->bus == B_FREE && (v & MC_SPI_BSY) && !(v & MC_SPI_SEL)) {
        t->bus = B_ARB;
        return;
    }
    if ((t->bus == B_FREE || t->bus == B_ARB) && (rise & MC_SPI_SEL)) {
        int w = highest_id(MC_SPI_DB(v));
        t->init = w >= 0 ? (uint8_t)w : MC_SPI_NOBODY;
        t->target = MC_SPI_NOBODY;
        mc_spi_ev *e = emit(t, MC_EV_ARBITRATION, time);
        t->bus = B_SEL;
        done(t, e);
        return;
    }
    if (t->bus == B_SEL) {
        if ((fall & MC_SPI_BSY) && (v & MC_SPI_SEL))
            selection(t, v);
        return;
    }
    if (t->bus == B_SEL_ANSWERED) {
        if ((fall & MC_SPI_SEL) && (v & MC_SPI_BSY))
            t->bus = B_CONN;
        return;
    }
    if (t->bus != B_CONN)
        return;
    if (rise & MC_SPI_REQ) {
        uint32_t ph = v & MC_SPI_PHASE_MASK;
        t->driver = req_driver(t);
        if (!t->in_phase || ph != t->phase)
            start_phase(t, ph);
        if (ph & MC_SPI_IO)
            latch(t, v);
    }
    if ((rise & MC_SPI_ACK) && t->in_phase && !(t->phase & MC_SPI_IO))
        latch(t, v);
}

void mc_spi_trace_finish(mc_spi_trace *t)
{
    flush_phase(t);
    chk_finish(t);
}
