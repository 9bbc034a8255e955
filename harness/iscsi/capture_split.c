/* The iSCSI PDUs of a captured TCP flow (capture_split.h). */
#include "capture_split.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* RFC 7143 13.1: the port a target listens on unless told otherwise. */
#define ISCSI_PORT 3260
/* Target PDUs keep the two bits above the opcode reserved (11.2.1.2); initiator PDUs the top one. */
#define TARGET_RESERVED_BITS 0xC0u
#define INITIATOR_RESERVED_BIT 0x80u
#define FIRST_TARGET_OPCODE MC_OP_NOP_IN
/* Login stage 3 is the full-feature phase (11.12.3). */
#define STAGE_FFP 3
#define DSL_MAX 0xFFFFFFu  /* DataSegmentLength is 24 bits (11.2.1.5) */

typedef struct splitter {
    mc_capsplit *out;
    const mc_capread_flow *f;
    size_t cap;
    bool failed;    /* out of memory: the split is refused */
    bool full;      /* MC_CAPSPLIT_MAX_PDUS reached: the split stops, with a note */
    char *err;
    size_t errlen;
} splitter;

static void note(splitter *s, const char *fmt, ...)
{
    mc_capsplit *o = s->out;
    if (o->nnotes >= MC_CAPSPLIT_MAX_NOTES)
        return;
    if (o->notes == NULL && (o->notes = calloc(MC_CAPSPLIT_MAX_NOTES, sizeof *o->notes)) == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->notes[o->nnotes++], MC_CAPREAD_NOTE_LEN, fmt, ap);
    va_end(ap);
}

static bool plausible_bhs(const uint8_t *b, size_t n, bool target)
{
    if (n < MC_BHS_LEN)
        return false;
    uint8_t op = b[0] & MC_OP_MASK;
    if (!mc_opcode_known(op) || (op >= FIRST_TARGET_OPCODE) != target)
        return false;
    return target ? (b[0] & TARGET_RESERVED_BITS) == 0 : (b[0] & INITIATOR_RESERVED_BIT) == 0;
}

/* Decodes the PDU at b[0..n); MC_DEC_OK etc. */
static mc_dec_status decode_at(const uint8_t *b, size_t n, bool hd, bool dd, mc_pdu *p, size_t *used)
{
    mc_dec_limits lim = {.max_data = DSL_MAX, .header_digest = hd, .data_digest = dd};
    char err[128];
    memset(p, 0, sizeof *p);
    return mc_pdu_decode(b, n, &lim, p, used, err, sizeof err);
}

/* Two well-formed PDUs in a row at off (or one that ends the piece exactly). */
static bool boundary_at(const mc_capread_piece *pc, size_t off, bool target, bool hd, bool dd)
{
    size_t at = off;
    for (int k = 0; k < 2; k++) {
        if (at == pc->len)
            return k > 0;
        if (!plausible_bhs(pc->bytes + at, pc->len - at, target))
            return false;
        mc_pdu p;
        size_t used = 0;
        mc_dec_status st = decode_at(pc->bytes + at, pc->len - at, hd, dd, &p, &used);
        if (st == MC_DEC_OK || st == MC_DEC_DATA_DIGEST)
            mc_pdu_free(&p);
        if (st != MC_DEC_OK)
            return false;
        at += used;
    }
    return true;
}

static int add_pdu(splitter *s, int dir, const mc_capread_dir *d, uint64_t offset, mc_pdu *p, bool dd_bad)
{
    mc_capsplit *o = s->out;
    if (o->npdus >= MC_CAPSPLIT_MAX_PDUS) {
        mc_pdu_free(p);
        if (!s->full)
            note(s, "flow %u holds more than %u PDUs (MC_CAPSPLIT_MAX_PDUS): the rest is not framed; filter the "
                    "capture to the frames of interest first", s->f->id, MC_CAPSPLIT_MAX_PDUS);
        s->full = true;
        return 0;
    }
    if (o->npdus == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        mc_cap_pdu *n = realloc(o->pdus, ncap * sizeof *n);
        if (n == NULL) {
            mc_pdu_free(p);
            snprintf(s->err, s->errlen, "out of memory splitting flow %u into PDUs", s->f->id);
            s->failed = true;
            return -1;
        }
        o->pdus = n;
        s->cap = ncap;
    }
    const mc_capread_mark *m = mc_capread_mark_of(d, offset);
    o->pdus[o->npdus++] = (mc_cap_pdu){.dir = dir, .offset = offset, .frame = m ? m->frame : 0, .time = m ? m->time : 0,
                                       .pdu = *p, .data_digest_bad = dd_bad};
    return 0;
}

/* Reads the outcome of the login from a Login Response: the digests it settles (the target's
 * answer is the negotiated value, 6.2.1), and whether it is the final one. */
static bool login_response(splitter *s, const mc_pdu *p)
{
    mc_kvlist kv;
    mc_kvlist_init(&kv);
    char err[128];
    if (mc_text_parse(p->data, p->data_len, MC_TEXT_ALLOW_DUP | MC_TEXT_LENIENT, &kv, NULL, err, sizeof err) == MC_TEXT_OK) {
        const char *h = mc_kvlist_get(&kv, "HeaderDigest"), *d = mc_kvlist_get(&kv, "DataDigest");
        if (h)
            s->out->header_digest = strcmp(h, "CRC32C") == 0;
        if (d)
            s->out->data_digest = strcmp(d, "CRC32C") == 0;
    }
    mc_kvlist_free(&kv);
    return mc_pdu_get(p, MC_F_TRANSIT) && mc_pdu_get(p, MC_F_NSG) == STAGE_FFP &&
           mc_pdu_get(p, MC_F_STATUS_CLASS) == 0;
}

/* Splits one direction. login_pdus: for the initiator's direction, how many Login Requests come
 * before digests apply (the number of Login Responses up to the final one); for the target's
 * it is found here and returned through *final_login. */
static int split_dir(splitter *s, int dir, const mc_capread_dir *d, bool known_start, size_t login_pdus,
                     size_t *final_login)
{
    bool target = dir == 1;
    const char *who = target ? "target" : "initiator";
    size_t logins = 0;
    bool in_login = known_start;
    for (size_t i = 0; i < d->npieces && !s->failed && !s->full; i++) {
        const mc_capread_piece *pc = &d->pieces[i];
        size_t off = 0;
        bool synced = i == 0 && known_start;
        while (off < pc->len && !s->failed && !s->full) {
            bool hd = !in_login && s->out->header_digest, dd = !in_login && s->out->data_digest;
            if (!synced) {
                size_t limit = pc->len - off < MC_CAPSPLIT_RESYNC_WINDOW ? pc->len - off : MC_CAPSPLIT_RESYNC_WINDOW;
                size_t found = SIZE_MAX;
                bool login_known = s->out->login_seen;
                for (size_t k = 0; k < limit && found == SIZE_MAX; k++) {
                    if (!plausible_bhs(pc->bytes + off + k, pc->len - off - k, target))
                        continue;
                    if (login_known && boundary_at(pc, off + k, target, hd, dd))
                        found = k;
                    else if (!login_known) {
                        /* No login in the capture: the digests are whatever makes headers check. */
                        for (int t = 0; t < 2 && found == SIZE_MAX; t++)
                            if (boundary_at(pc, off + k, target, t == 0, t == 0)) {
                                found = k;
                                s->out->header_digest = s->out->data_digest = t == 0;
                                in_login = false;
                                s->out->login_seen = true;
                            }
                    }
                }
                const mc_capread_mark *m = mc_capread_mark_of(d, pc->offset + off);
                if (found == SIZE_MAX) {
                    note(s, "%s stream from frame %llu: no PDU boundary within %zu bytes; %zu bytes not framed", who,
                         (unsigned long long)(m ? m->frame : 0), limit, pc->len - off);
                    break;
                }
                if (found == 0 && i > 0)
                    note(s, "%s stream: PDUs go on after the gap, at frame %llu", who, (unsigned long long)(m ? m->frame : 0));
                else if (found > 0 || i > 0 || !known_start)
                    note(s, "%s stream: the first PDU boundary is at frame %llu, after %zu bytes that start no PDU",
                         who, (unsigned long long)(m ? m->frame : 0), found);
                off += found;
                synced = true;
                hd = !in_login && s->out->header_digest;
                dd = !in_login && s->out->data_digest;
            }
            mc_pdu p;
            size_t used = 0;
            mc_dec_status st = decode_at(pc->bytes + off, pc->len - off, hd, dd, &p, &used);
            const mc_capread_mark *m = mc_capread_mark_of(d, pc->offset + off);
            unsigned long long fr = m ? (unsigned long long)m->frame : 0;
            if (st == MC_DEC_MORE) {
                if (i + 1 < d->npieces)
                    note(s, "%s stream: a gap cuts the PDU that starts in frame %llu (%zu of its %zu bytes held): "
                            "it is left out", who, fr, pc->len - off, used);
                else
                    note(s, "%s stream: the capture ends inside the PDU that starts in frame %llu (%zu of its %zu "
                            "bytes held): it is left out", who, fr, pc->len - off, used);
                break;
            }
            if (st == MC_DEC_NOMEM) {
                snprintf(s->err, s->errlen, "out of memory decoding frame %llu", fr);
                s->failed = true;
                return -1;
            }
            if (st != MC_DEC_OK && st != MC_DEC_DATA_DIGEST) {
                note(s, "%s stream: frame %llu holds no well-formed PDU (%s); looking for the next one", who, fr,
                     st == MC_DEC_HEADER_DIGEST ? "header digest wrong" : "length out of range");
                synced = false;
                off++;
                continue;
            }
            uint8_t op = mc_pdu_opcode(&p);
            bool final = false;
            if (in_login && op == MC_OP_LOGIN_RSP)
                final = login_response(s, &p);
            if (in_login && op == MC_OP_LOGIN_REQ)
                logins++;
            if (add_pdu(s, dir, d, pc->offset + off, &p, st == MC_DEC_DATA_DIGEST) != 0)
                return -1;
            off += used;
            if (target && final) {
                in_login = false;
                s->out->login_seen = true;
                *final_login = s->out->npdus;  /* responses so far: counted by the caller */
            }
            if (!target && in_login && s->out->login_seen && logins >= login_pdus)
                in_login = false;
        }
    }
    return 0;
}

static int cmp_pdu(const void *a, const void *b)
{
    const mc_cap_pdu *x = a, *y = b;
    if (x->frame != y->frame)
        return x->frame < y->frame ? -1 : 1;
    if (x->dir != y->dir)
        return x->dir < y->dir ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int mc_capsplit_flow(const mc_capread_flow *f, mc_capsplit *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    splitter s = {.out = out, .f = f, .err = err, .errlen = errlen};
    if (f->proto != MC_CAPREAD_TCP) {
        note(&s, "flow %u is UDP, not an iSCSI connection", f->id);
        return 0;
    }
    /* The initiator's side: the one whose stream opens with a Login Request, else the one that
     * talks to port 3260, else the side that opened the connection. */
    int init = -1;
    for (int di = 0; di < 2 && init < 0; di++) {
        const mc_capread_dir *d = &f->dir[di];
        if (d->npieces > 0 && d->pieces[0].offset == 0 && d->pieces[0].len > 0 &&
            (d->pieces[0].bytes[0] & MC_OP_MASK) == MC_OP_LOGIN_REQ && f->syn_seen)
            init = di;
    }
    if (init < 0 && (f->server_port == ISCSI_PORT || f->client_port == ISCSI_PORT))
        init = f->server_port == ISCSI_PORT ? 0 : 1;
    if (init < 0 && f->dir[1].npieces > 0 && f->dir[1].pieces[0].len > 0 &&
        (f->dir[1].pieces[0].bytes[0] & MC_OP_MASK) == MC_OP_LOGIN_RSP)
        init = 0;
    if (init < 0) {
        note(&s, "flow %u (%s to %s): neither side opens with a login nor uses port %d: not iSCSI", f->id, f->client,
             f->server, ISCSI_PORT);
        return 0;
    }
    out->iscsi = true;
    out->initiator_dir = init;
    /* The target's direction first: where its login ends says when the initiator's digests begin. */
    const mc_capread_dir *td = &f->dir[1 - init], *id = &f->dir[init];
    bool known = f->syn_seen;
    size_t final_at = 0;
    if (split_dir(&s, 1, td, known && td->npieces > 0 && td->pieces[0].offset == 0, 0, &final_at) != 0)
        return -1;
    size_t login_rsps = 0;
    for (size_t i = 0; i < final_at; i++)
        login_rsps += mc_pdu_opcode(&out->pdus[i].pdu) == MC_OP_LOGIN_RSP;
    if (known && !out->login_seen && td->npieces > 0)
        note(&s, "flow %u: the capture holds no final Login Response; no digests assumed", f->id);
    size_t dummy = 0;
    if (split_dir(&s, 0, id, known && id->npieces > 0 && id->pieces[0].offset == 0,
                  out->login_seen ? login_rsps : SIZE_MAX, &dummy) != 0)
        return -1;
    if (out->npdus > 1)
        qsort(out->pdus, out->npdus, sizeof *out->pdus, cmp_pdu);
    return 0;
}

void mc_capsplit_free(mc_capsplit *s)
{
    for (size_t i = 0; i < s->npdus; i++)
        mc_pdu_free(&s->pdus[i].pdu);
    free(s->pdus);
    free(s->notes);
    memset(s, 0, sizeof *s);
}
