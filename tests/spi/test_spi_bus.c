/* The bus core and the conventional protocol: arbitration priority, selection and reselection
 * timing (against the named parameters), every information phase, parity, messages, time-out. */
#include <string.h>

#include "rig.h"
#include "spi_internal.h"
#include "spi_model.h"
#include "tap.h"

/* A bare arbiter: arbitrates once at t = 0 and records whether and when it won. */
typedef struct arbiter {
    mc_spi_arb arb;
    mc_spi_bus *bus;
    unsigned id;
    bool won;
    uint64_t t_won;
} arbiter;

static void arbiter_wake(void *ctx, mc_spi_bus *bus, unsigned why)
{
    arbiter *a = ctx;
    if (mc_spi_arb_wake(&a->arb, bus, why) == ARB_WON) {
        a->won = true;
        a->t_won = mc_spi_now(bus);
        mc_spi_drive(bus, a->id, 0); /* give the bus back: nothing to select */
    }
}

typedef struct won_ctx {
    const arbiter *a;
    size_t n;
} won_ctx;

static bool any_won(void *ctx)
{
    const won_ctx *w = ctx;
    for (size_t i = 0; i < w->n; i++)
        if (w->a[i].won)
            return true;
    return false;
}

static int arbitrate(const unsigned *ids, size_t n, uint64_t *t_won)
{
    mc_spi_params p;
    mc_spi_params_u320_wide(&p);
    char err[128];
    mc_spi_bus *bus;
    arbiter a[MC_SPI_MAX_ID];
    memset(a, 0, sizeof a);
    if (mc_spi_bus_new(&bus, &p, err, sizeof err) < 0)
        return -2;
    for (size_t i = 0; i < n; i++) {
        a[i].id = ids[i];
        a[i].bus = bus;
        mc_spi_bus_attach(bus, ids[i], arbiter_wake, &a[i], err, sizeof err);
    }
    for (size_t i = 0; i < n; i++)
        mc_spi_arb_start(&a[i].arb, bus, ids[i], 0);
    /* run until the first win: the others go back to waiting for BUS FREE */
    int winner = -1;
    won_ctx wc = {a, n};
    mc_spi_run(bus, UINT64_MAX, any_won, &wc);
    for (size_t i = 0; i < n; i++)
        if (a[i].won && winner < 0) {
            winner = (int)a[i].id;
            *t_won = a[i].t_won;
        }
    mc_spi_bus_free(bus);
    return winner;
}

static void arbitration(void)
{
    mc_spi_params p;
    mc_spi_params_u320_wide(&p);
    uint64_t t = 0;
    const unsigned s1[] = {3, 7, 12, 8};
    tap_is_int(arbitrate(s1, 4, &t), 7, "ID 7 beats 3, 12 and 8");
    tap_is_int((long long)t, (long long)(p.bus_settle + p.bus_free + p.arbitration + p.bus_clear + p.bus_settle),
               "winner owns the bus a settle, bus free, arbitration, bus clear and settle delay after BUS FREE");
    const unsigned s2[] = {12, 0, 15};
    tap_is_int(arbitrate(s2, 3, &t), 0, "ID 0 beats every ID of 8..15");
    const unsigned s3[] = {8, 12, 9};
    tap_is_int(arbitrate(s3, 3, &t), 12, "within 8..15 the higher ID wins");
    const unsigned s4[] = {2};
    tap_is_int(arbitrate(s4, 1, &t), 2, "a lone arbiter wins");
}

typedef struct req_log {
    uint64_t after;
    uint64_t first_req;
    uint32_t prev;
    unsigned req_edges;
} req_log;

static void req_listen(void *ctx, uint64_t t, uint32_t lines, const uint32_t *drive)
{
    (void)drive;
    req_log *l = ctx;
    if ((lines & MC_SPI_REQ) && !(l->prev & MC_SPI_REQ)) {
        l->req_edges++;
        if (t >= l->after && !l->first_req)
            l->first_req = t;
    }
    l->prev = lines;
}

static const mc_spi_ev *find_ev(const rig *r, int kind, uint64_t after, size_t *at)
{
    const mc_spi_ev *e;
    size_t n = mc_spi_trace_events(r->trace, &e);
    for (size_t i = at ? *at : 0; i < n; i++)
        if (e[i].kind == kind && e[i].t >= after) {
            if (at)
                *at = i + 1;
            return &e[i];
        }
    return NULL;
}

static void phases_and_timing(int speed, bool disconnect, const char *name)
{
    rig r;
    rig_opts o = {.speed = speed, .ndisks = 1, .trace = true, .disconnect = disconnect};
    req_log log = {0};
    rig_open(&r, &o);
    mc_spi_bus_listen(r.bus, req_listen, &log, r.err, sizeof r.err);
    tap_ok(rig_setup(&r) == 0, "%s: negotiation and discovery", name);
    const mc_spi_params *p = mc_spi_bus_params(r.bus);
    const mc_spi_ev *neg = find_ev(&r, MC_EV_MSG_OUT, 0, NULL);
    size_t at = 0;
    find_ev(&r, MC_EV_MSG_OUT, 0, &at);
    const mc_spi_ev *xm = find_ev(&r, MC_EV_MSG_OUT, 0, &at);
    tap_ok(neg && neg->b[0] >= MC_MSG_IDENTIFY, "%s: first MESSAGE OUT is IDENTIFY", name);
    tap_ok(xm && xm->b[0] == MC_MSG_EXTENDED && xm->b[2] == (p->sync_width == 2 ? MC_XMSG_PPR : MC_XMSG_SDTR),
           "%s: then %s", name, p->sync_width == 2 ? "PPR" : "SDTR");
    const mc_spi_ev *ans = find_ev(&r, MC_EV_MSG_IN, 0, NULL);
    tap_ok(ans && xm && ans->len == xm->len && memcmp(ans->b, xm->b, xm->len) == 0,
           "%s: target answers the same transfer agreement", name);

    uint8_t data[2 * RIG_BLOCK], back[2 * RIG_BLOCK];
    rig_pattern(data, sizeof data, 5);
    memset(back, 0, sizeof back);
    uint64_t t0 = mc_spi_now(r.bus);
    log.after = t0;
    log.first_req = 0;
    mc_spi_op w = {.kind = MC_OP_WRITE, .target = (uint8_t)r.ids[0], .lba = 3, .blocks = 2,
                   .block_size = RIG_BLOCK, .data = data};
    mc_spi_op rd = {.kind = MC_OP_READ, .target = (uint8_t)r.ids[0], .lba = 3, .blocks = 2,
                    .block_size = RIG_BLOCK, .rdata = back};
    mc_spi_host_queue(r.host, &w, r.err, sizeof r.err);
    mc_spi_host_queue(r.host, &rd, r.err, sizeof r.err);
    tap_ok(rig_run(&r) == 0, "%s: write and read ran", name);
    tap_is_int((long long)(log.first_req - t0), (long long)mc_spi_model_connect(p),
               "%s: first REQ a connect time (4 settle + bus free + arbitration + bus clear + 4 deskew) after BUS FREE", name);
    tap_ok(memcmp(data, back, sizeof data) == 0, "%s: read returns what was written", name);
    at = 0;
    const mc_spi_ev *sel = find_ev(&r, MC_EV_SELECTION, t0, &at);
    tap_ok(sel && sel->atn && sel->init == RIG_HOST_ID && sel->target == r.ids[0],
           "%s: selection with ATN from ID 7 to the disk", name);
    const mc_spi_ev *cmd = find_ev(&r, MC_EV_COMMAND, t0, NULL);
    tap_ok(cmd && cmd->b[0] == 0x2a && cmd->len == MC_CDB10_LEN, "%s: COMMAND phase carries WRITE(10)", name);
    const mc_spi_ev *dout = find_ev(&r, MC_EV_DATA_OUT, t0, NULL);
    tap_ok(dout && dout->len == sizeof data, "%s: DATA OUT moves %zu bytes", name, sizeof data);
    const mc_spi_ev *din = find_ev(&r, MC_EV_DATA_IN, t0, NULL);
    tap_ok(din && din->len == sizeof data && dout && din->hash == dout->hash, "%s: DATA IN returns the same bytes", name);
    const mc_spi_ev *st = find_ev(&r, MC_EV_STATUS, t0, NULL);
    tap_ok(st && st->b[0] == MC_SAM_GOOD, "%s: STATUS GOOD", name);
    size_t mi_at = 0;
    const mc_spi_ev *mi = NULL, *cc = NULL;
    while ((mi = find_ev(&r, MC_EV_MSG_IN, t0, &mi_at)) != NULL)
        if (mi->b[0] == MC_MSG_COMMAND_COMPLETE && !cc)
            cc = mi;
    tap_ok(cc != NULL, "%s: MESSAGE IN COMMAND COMPLETE", name);
    if (disconnect) {
        mi_at = 0;
        bool sdp = false, disc = false;
        while ((mi = find_ev(&r, MC_EV_MSG_IN, t0, &mi_at)) != NULL) {
            sdp |= mi->b[0] == MC_MSG_SAVE_DATA_POINTER;
            disc |= mi->b[0] == MC_MSG_DISCONNECT;
        }
        tap_ok(sdp && disc, "%s: SAVE DATA POINTER and DISCONNECT before status", name);
        const mc_spi_ev *rs = find_ev(&r, MC_EV_RESELECTION, t0, NULL);
        tap_ok(rs && rs->target == r.ids[0] && rs->init == RIG_HOST_ID, "%s: the disk reselects ID 7", name);
        size_t bf = 0;
        const mc_spi_ev *free_ev = find_ev(&r, MC_EV_BUS_FREE, dout ? dout->t : t0, &bf);
        tap_ok(rs && free_ev && rs->t > free_ev->t, "%s: reselection after the disconnect's BUS FREE", name);
    }
    size_t bad = 0;
    for (int c = 0; c < MC_CHK_COUNT; c++)
        if (!mc_spi_check_info_of(c)->warning)
            bad += mc_spi_trace_count(r.trace, c);
    tap_is_int((long long)bad, 0, "%s: checker finds nothing (parity, phases, drivers)", name);
    rig_close(&r);
}

static void selection_without_atn(void)
{
    rig r;
    rig_opts o = {.speed = 1, .ndisks = 1, .trace = true};
    uint8_t data[RIG_BLOCK];
    rig_pattern(data, sizeof data, 8);
    rig_open(&r, &o);
    rig_setup(&r);
    uint64_t t0 = mc_spi_now(r.bus);
    mc_spi_op w = {.kind = MC_OP_WRITE, .target = (uint8_t)r.ids[0], .lba = 9, .blocks = 1,
                   .block_size = RIG_BLOCK, .data = data, .no_atn = true};
    mc_spi_host_queue(r.host, &w, r.err, sizeof r.err);
    tap_ok(rig_run(&r) == 0 && mc_spi_host_op(r.host, 2)->state == MC_OP_OK, "write selected without ATN is OK");
    size_t at = 0;
    const mc_spi_ev *sel = find_ev(&r, MC_EV_SELECTION, t0, &at);
    const mc_spi_ev *e;
    mc_spi_trace_events(r.trace, &e);
    tap_ok(sel && !sel->atn, "selection with ATN false");
    tap_ok(sel && e[at].kind == MC_EV_COMMAND, "COMMAND follows the selection directly (no MESSAGE OUT)");
    tap_ok(rig_disk_has(&r, 0, 9, data, sizeof data), "block stored");
    rig_close(&r);
}

static void selection_timeout(void)
{
    rig r;
    rig_opts o = {.speed = 2, .ndisks = 1, .trace = true};
    rig_open(&r, &o);
    mc_spi_op neg = {.kind = MC_OP_NEGOTIATE, .target = 9};
    mc_spi_host_queue(r.host, &neg, r.err, sizeof r.err);
    tap_ok(rig_run(&r) == 0, "selection of an absent ID ends");
    const mc_spi_op *op = mc_spi_host_op(r.host, 0);
    tap_ok(op->state == MC_OP_FAILED && strstr(op->err, "time-out"), "op fails with a selection time-out (%s)", op->err);
    tap_is_int((long long)(mc_spi_lines(r.bus) & (MC_SPI_BSY | MC_SPI_SEL)), 0, "bus is free afterwards");
    rig_close(&r);
}

static void codec(void)
{
    tap_ok(mc_spi_parity(0x00) && !mc_spi_parity(0x01) && mc_spi_parity(0xff) && mc_spi_parity(0x03),
           "odd parity bit set for an even number of ones");
    tap_ok(mc_spi_parity_ok(mc_spi_db_word(0x1234), true) && !mc_spi_parity_ok(MC_SPI_DB_WORD(0x1234), true),
           "wide parity covers both bytes");
    uint8_t b[MC_MSG_MAX];
    mc_sm_msg m = {.code = MC_SM_MIRROR, .gid = 0x12, .last = true}, back;
    size_t n = mc_sm_encode(b, &m, false);
    tap_ok(n == 5 && b[0] == MC_MSG_EXTENDED && b[1] == 3 && b[2] == MC_SM_MIRROR && b[4] == MC_SM_LAST,
           "MIRROR with last indicator: 01 03 E1 12 FF");
    tap_ok(mc_sm_parse(b, n, &back) == 0 && back.gid == 0x12 && back.last, "MIRROR parses back");
    n = mc_sm_encode(b, &m, true);
    tap_ok(n == 3 && b[0] == MC_SM_MIRROR && b[2] == MC_SM_LAST, "raw form is Table 1's xx yz FF");
    tap_is_int((long long)mc_sm_raw_len(b, 2, true), 0, "raw: two bytes with ATN still asserted need a third");
    tap_is_int((long long)mc_sm_raw_len(b, 2, false), 2, "raw: ATN dropped after two bytes ends it");
    mc_sm_msg ext = {.code = MC_SM_EXTENT, .lun = 1, .lba = 0x01020304, .blocks = 0x0506, .flags = 1};
    n = mc_sm_encode(b, &ext, false);
    tap_ok(mc_sm_parse(b, n, &back) == 0 && back.lba == 0x01020304 && back.blocks == 0x0506 && back.lun == 1,
           "EXTENT round trip");
    const uint8_t sdtr[] = {MC_MSG_EXTENDED, 3, MC_XMSG_SDTR, 0x0c, 15};
    tap_is_int((long long)mc_spi_msg_len(sdtr, 2), 5, "extended length from its second byte");
    tap_is_int(mc_sm_parse(sdtr, sizeof sdtr, &back), -1, "SDTR is not a silent-mirroring message");
}

int main(void)
{
    codec();
    arbitration();
    phases_and_timing(2, false, "Ultra320");
    phases_and_timing(1, false, "Fast-20");
    phases_and_timing(0, true, "async, disconnecting");
    selection_without_atn();
    selection_timeout();
    return tap_done();
}
