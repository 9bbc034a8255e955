/* The wired-OR bus, its device slots and the discrete-event loop (delta cycles, then timers). */
#include <stdio.h>
#include <stdlib.h>

#include "spi_bus.h"

#define MAX_LISTENERS 8u
#define NO_TIMER UINT64_MAX

typedef struct slot {
    mc_spi_wake_fn fn;
    void *ctx;
    uint32_t drive;
    uint32_t watch;
    uint64_t timer_at;
} slot;

struct mc_spi_bus {
    mc_spi_params p;
    uint64_t now;
    uint64_t events;
    uint32_t value;
    uint32_t pending;       /* slots to wake for a line change at this instant */
    bool changed;           /* bus value or a drive word changed since listeners last saw it */
    slot s[MC_SPI_MAX_ID];
    uint32_t drive_copy[MC_SPI_MAX_ID];
    struct { mc_spi_listen_fn fn; void *ctx; } l[MAX_LISTENERS];
    size_t nl;
};

int mc_spi_bus_new(mc_spi_bus **out, const mc_spi_params *p, char *err, size_t errlen)
{
    mc_spi_bus *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    b->p = *p;
    if (b->p.sync_width != 1 && b->p.sync_width != 2) {
        snprintf(err, errlen, "sync_width %u is neither 1 (narrow) nor 2 (wide)", p->sync_width);
        free(b);
        return -1;
    }
    for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
        b->s[i].timer_at = NO_TIMER;
    *out = b;
    return 0;
}

void mc_spi_bus_free(mc_spi_bus *bus) { free(bus); }
const mc_spi_params *mc_spi_bus_params(const mc_spi_bus *bus) { return &bus->p; }

int mc_spi_bus_attach(mc_spi_bus *bus, unsigned id, mc_spi_wake_fn fn, void *ctx, char *err,
                      size_t errlen)
{
    if (id >= MC_SPI_MAX_ID) {
        snprintf(err, errlen, "SCSI ID %u out of range 0..15", id);
        return -1;
    }
    if (bus->s[id].fn) {
        snprintf(err, errlen, "SCSI ID %u already taken", id);
        return -1;
    }
    bus->s[id].fn = fn;
    bus->s[id].ctx = ctx;
    return 0;
}

int mc_spi_bus_listen(mc_spi_bus *bus, mc_spi_listen_fn fn, void *ctx, char *err, size_t errlen)
{
    if (bus->nl == MAX_LISTENERS) {
        snprintf(err, errlen, "more than %u bus listeners", MAX_LISTENERS);
        return -1;
    }
    bus->l[bus->nl].fn = fn;
    bus->l[bus->nl].ctx = ctx;
    bus->nl++;
    return 0;
}

void mc_spi_drive(mc_spi_bus *bus, unsigned id, uint32_t word)
{
    if (id >= MC_SPI_MAX_ID || bus->s[id].drive == word)
        return;
    bus->s[id].drive = word;
    bus->changed = true;
    uint32_t v = 0;
    for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
        v |= bus->s[i].drive;
    v &= MC_SPI_WIRES;
    uint32_t diff = v ^ bus->value;
    bus->value = v;
    if (!diff)
        return;
    for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
        if (i != id && (bus->s[i].watch & diff))
            bus->pending |= 1u << i;
}

uint32_t mc_spi_driven(const mc_spi_bus *bus, unsigned id)
{
    return id < MC_SPI_MAX_ID ? bus->s[id].drive : 0;
}

void mc_spi_watch(mc_spi_bus *bus, unsigned id, uint32_t mask)
{
    if (id < MC_SPI_MAX_ID)
        bus->s[id].watch = mask;
}

void mc_spi_timer(mc_spi_bus *bus, unsigned id, uint64_t delay)
{
    if (id < MC_SPI_MAX_ID)
        bus->s[id].timer_at = bus->now + delay;
}

void mc_spi_timer_cancel(mc_spi_bus *bus, unsigned id)
{
    if (id < MC_SPI_MAX_ID)
        bus->s[id].timer_at = NO_TIMER;
}

uint32_t mc_spi_lines(const mc_spi_bus *bus) { return bus->value; }
uint64_t mc_spi_now(const mc_spi_bus *bus) { return bus->now; }
uint64_t mc_spi_events(const mc_spi_bus *bus) { return bus->events; }

static void settle(mc_spi_bus *bus)
{
    while (bus->pending) {
        unsigned id = (unsigned)__builtin_ctz(bus->pending);
        bus->pending &= bus->pending - 1;
        if (bus->s[id].fn) {
            bus->events++;
            bus->s[id].fn(bus->s[id].ctx, bus, MC_SPI_WAKE_LINES);
        }
    }
}

static void notify(mc_spi_bus *bus)
{
    if (bus->changed && bus->nl) {
        for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
            bus->drive_copy[i] = bus->s[i].drive;
        for (size_t i = 0; i < bus->nl; i++)
            bus->l[i].fn(bus->l[i].ctx, bus->now, bus->value, bus->drive_copy);
    }
    bus->changed = false;
}

int mc_spi_run(mc_spi_bus *bus, uint64_t until, mc_spi_done_fn done, void *ctx)
{
    for (;;) {
        settle(bus);
        unsigned next = MC_SPI_MAX_ID;
        uint64_t at = NO_TIMER;
        for (unsigned i = 0; i < MC_SPI_MAX_ID; i++)
            if (bus->s[i].timer_at < at) {
                at = bus->s[i].timer_at;
                next = i;
            }
        if (at != bus->now) { /* this instant is over: listeners see its settled state */
            notify(bus);
            if (done && done(ctx))
                return MC_SPI_RUN_DONE;
        }
        if (next == MC_SPI_MAX_ID)
            return MC_SPI_RUN_IDLE;
        if (at > until)
            return MC_SPI_RUN_DEADLINE;
        bus->now = at;
        bus->s[next].timer_at = NO_TIMER;
        bus->events++;
        bus->s[next].fn(bus->s[next].ctx, bus, MC_SPI_WAKE_TIMER);
    }
}
