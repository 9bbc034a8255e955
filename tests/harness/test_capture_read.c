/* Foreign captures read back (core/pcap_reader.h) and split into iSCSI PDUs
 * (harness/iscsi/capture_split.h): captures are written here frame by frame with libpcap, with the
 * faults a field capture has: segments reordered, retransmitted (whole and overlapping), lost,
 * cut by the snap length; a flow that starts mid-session; sequence numbers that wrap; a file cut
 * in a record; link types other than Ethernet; and the reader's bounds. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_split.h"
#include "pcap_reader.h"
#include "tap.h"

#define ETH 14
#define IP4 20
#define TCPH 20
#define SLL2 20
#define FRAME_MAX 2048
#define SNAP_FULL 65535
#define CLIENT_PORT 40000
#define ISN_C 1000u
#define ISN_S 500000u
#define LT_EN10MB 1
#define LT_RAW 12
#define LT_SLL2 276
#define FLAG_SYN 0x02
#define FLAG_ACK 0x10
#define FLAG_PSH 0x08

static char path[] = "/tmp/mc-capread-XXXXXX";
static unsigned client_port = CLIENT_PORT;  /* the flow seg() writes into */

typedef struct cap {
    pcap_t *dead;
    pcap_dumper_t *d;
    int linktype;
    unsigned snap;
    unsigned sec;
} cap;

static void cap_open(cap *c, int linktype, unsigned snap)
{
    c->linktype = linktype;
    c->snap = snap;
    c->sec = 1;
    c->dead = pcap_open_dead(linktype, (int)snap);
    c->d = pcap_dump_open(c->dead, path);
}

static void cap_close(cap *c)
{
    pcap_dump_close(c->d);
    pcap_close(c->dead);
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xFFFF); }

/* One TCP segment from the client (dir 0) or the server, seq, flags, payload. */
static void seg(cap *c, int from_server, uint32_t seq, uint8_t flags, const uint8_t *pl, size_t n)
{
    uint8_t f[FRAME_MAX] = {0};
    size_t l2 = c->linktype == LT_EN10MB ? ETH : c->linktype == LT_SLL2 ? SLL2 : 0;
    if (c->linktype == LT_EN10MB)
        put16(f + 12, 0x0800);
    else if (c->linktype == LT_SLL2)
        put16(f, 0x0800);
    uint8_t *ip = f + l2, *t = ip + IP4;
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(IP4 + TCPH + n));
    ip[8] = 64;
    ip[9] = 6;
    uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    memcpy(ip + 12, from_server ? b : a, 4);
    memcpy(ip + 16, from_server ? a : b, 4);
    put16(t, from_server ? 3260 : client_port);
    put16(t + 2, from_server ? client_port : 3260);
    put32(t + 4, seq);
    t[12] = 5 << 4;
    t[13] = flags;
    if (n)
        memcpy(t + TCPH, pl, n);
    size_t len = l2 + IP4 + TCPH + n;
    struct pcap_pkthdr h = {.ts = {.tv_sec = c->sec++, .tv_usec = 0}, .len = (bpf_u_int32)len,
                            .caplen = (bpf_u_int32)(len < c->snap ? len : c->snap)};
    pcap_dump((u_char *)c->d, &h, f);
}

static void handshake(cap *c, uint32_t isn_c, uint32_t isn_s)
{
    seg(c, 0, isn_c, FLAG_SYN, NULL, 0);
    seg(c, 1, isn_s, FLAG_SYN | FLAG_ACK, NULL, 0);
    seg(c, 0, isn_c + 1, FLAG_ACK, NULL, 0);
}

/* The wire bytes of a PDU. */
static size_t pdu_bytes(uint8_t op, uint8_t flags, uint32_t itt, const char *text, bool hd, uint8_t *out)
{
    mc_pdu p;
    mc_pdu_init(&p, op);
    p.bhs[1] = flags;
    mc_pdu_set(&p, MC_F_ITT, itt);
    if (text)
        mc_pdu_set_data(&p, text, strlen(text) + 1);
    mc_wire_opts o = {.header_digest = hd};
    uint8_t *w = NULL;
    size_t n = 0;
    char err[128];
    if (mc_pdu_encode(&p, &o, &w, &n, err, sizeof err) != 0)
        n = 0;
    memcpy(out, w, n);
    free(w);
    mc_pdu_free(&p);
    return n;
}

/* Login Request/Response (T=1, CSG=1, NSG=3), then a NOP-Out/NOP-In pair with header digests. */
#define LOGIN_FLAGS 0x87
static const char login_rsp_text[] = "HeaderDigest=CRC32C";
static size_t client_stream(uint8_t *b)
{
    size_t n = pdu_bytes(MC_OP_LOGIN_REQ | MC_OP_IMMEDIATE, LOGIN_FLAGS, 1, "HeaderDigest=CRC32C,None", false, b);
    n += pdu_bytes(MC_OP_NOP_OUT | MC_OP_IMMEDIATE, 0x80, 2, NULL, true, b + n);
    n += pdu_bytes(MC_OP_NOP_OUT | MC_OP_IMMEDIATE, 0x80, 3, NULL, true, b + n);
    return n;
}
static size_t server_stream(uint8_t *b)
{
    size_t n = pdu_bytes(MC_OP_LOGIN_RSP, LOGIN_FLAGS, 1, login_rsp_text, false, b);
    n += pdu_bytes(MC_OP_NOP_IN, 0x80, 2, NULL, true, b + n);
    n += pdu_bytes(MC_OP_NOP_IN, 0x80, 3, NULL, true, b + n);
    return n;
}

static mc_capread *read_back(const mc_capread_limits *lim, char *err, size_t errlen)
{
    return mc_capread_open(path, lim, err, errlen);
}

static const mc_capread_dir *client_dir(mc_capread *r)
{
    return &mc_capread_flow_at(r, 0)->dir[0];
}

static bool has_note(const mc_capread_flow *f, const char *needle)
{
    for (size_t i = 0; i < f->nnotes; i++)
        if (strstr(f->notes[i], needle))
            return true;
    return false;
}

/* Writes the client stream in chunks of size chunk, in the order given (indexes of chunks). */
static void write_chunks(cap *c, const uint8_t *b, size_t n, size_t chunk, const int *order, size_t norder)
{
    for (size_t i = 0; i < norder; i++) {
        size_t off = (size_t)order[i] * chunk;
        if (off >= n)
            continue;
        size_t len = n - off < chunk ? n - off : chunk;
        seg(c, 0, ISN_C + 1 + (uint32_t)off, FLAG_ACK | FLAG_PSH, b + off, len);
    }
}

static void in_order_and_split(void)
{
    uint8_t cs[FRAME_MAX], ss[FRAME_MAX];
    size_t cn = client_stream(cs), sn = server_stream(ss);
    cap c;
    cap_open(&c, LT_EN10MB, SNAP_FULL);
    handshake(&c, ISN_C, ISN_S);
    seg(&c, 0, ISN_C + 1, FLAG_ACK | FLAG_PSH, cs, cn);
    seg(&c, 1, ISN_S + 1, FLAG_ACK | FLAG_PSH, ss, sn);
    cap_close(&c);
    char err[512];
    mc_capread *r = read_back(NULL, err, sizeof err);
    if (!tap_ok(r != NULL, "an Ethernet capture reads: %s", r ? "" : err))
        return;
    tap_is_int((long long)mc_capread_nflows(r), 1, "one flow");
    const mc_capread_flow *f = mc_capread_flow_at(r, 0);
    tap_ok(f->syn_seen, "its start is in the capture");
    tap_is_str(f->client, "10.0.0.1:40000", "the client is the side that sent the SYN");
    tap_is_int((long long)f->dir[0].npieces, 1, "the client's stream is one piece");
    tap_is_int((long long)f->dir[0].pieces[0].len, (long long)cn, "of every byte sent");
    tap_is_mem(f->dir[0].pieces[0].bytes, cs, cn, "byte for byte");
    tap_is_int((long long)f->dir[1].pieces[0].len, (long long)sn, "the server's stream too");
    mc_capsplit s;
    tap_is_int(mc_capsplit_flow(f, &s, err, sizeof err), 0, "the flow splits");
    tap_ok(s.iscsi && s.initiator_dir == 0, "into iSCSI, the client the initiator");
    tap_ok(s.login_seen && s.header_digest && !s.data_digest, "the login settled HeaderDigest=CRC32C only");
    tap_is_int((long long)s.npdus, 6, "six PDUs, the NOPs after the login read with header digests");
    if (s.npdus == 6) {
        tap_is_int(mc_pdu_opcode(&s.pdus[0].pdu), MC_OP_LOGIN_REQ, "first the Login Request");
        tap_is_int((long long)s.pdus[0].frame, 4, "from frame 4");
        tap_is_int(mc_pdu_opcode(&s.pdus[5].pdu), MC_OP_NOP_IN, "last a NOP-In");
        tap_is_int((long long)mc_pdu_get(&s.pdus[5].pdu, MC_F_ITT), 3, "the second, ITT 3");
        tap_is_int((long long)s.pdus[5].frame, 5, "from frame 5");
    }
    tap_is_int((long long)s.nnotes, 0, "nothing to say about it");
    mc_capsplit_free(&s);
    mc_capread_free(r);
}

static void reorder_retransmit_loss(void)
{
    uint8_t cs[FRAME_MAX], ss[FRAME_MAX];
    size_t cn = client_stream(cs), sn = server_stream(ss);
    const size_t chunk = 37;  /* not a multiple of anything in the PDUs */
    char err[512];

    /* Reordered: 2 0 1 3 4 5 ... */
    int order[32];
    size_t nch = (cn + chunk - 1) / chunk;
    for (size_t i = 0; i < nch; i++)
        order[i] = (int)i;
    order[0] = 2;
    order[2] = 0;
    cap c;
    cap_open(&c, LT_EN10MB, SNAP_FULL);
    handshake(&c, ISN_C, ISN_S);
    write_chunks(&c, cs, cn, chunk, order, nch);
    seg(&c, 1, ISN_S + 1, FLAG_ACK, ss, sn);
    cap_close(&c);
    mc_capread *r = read_back(NULL, err, sizeof err);
    if (tap_ok(r != NULL, "reordered segments read")) {
        const mc_capread_dir *d = client_dir(r);
        tap_ok(d->npieces == 1 && d->pieces[0].len == cn && memcmp(d->pieces[0].bytes, cs, cn) == 0,
               "reordered segments put back in sequence order");
        tap_is_int((long long)mc_capread_mark_of(d, 0)->frame, 6, "the stream's first byte came in frame 6, after chunks 2 and 1");
        mc_capread_free(r);
    }

    /* Retransmitted: chunk 1 twice, and a segment overlapping chunks 2 and 3. */
    cap_open(&c, LT_EN10MB, SNAP_FULL);
    handshake(&c, ISN_C, ISN_S);
    int o2[] = {0, 1, 1, 2};
    write_chunks(&c, cs, cn, chunk, o2, 4);
    seg(&c, 0, ISN_C + 1 + (uint32_t)(2 * chunk + 5), FLAG_ACK, cs + 2 * chunk + 5, chunk);
    int o3[32];
    size_t k = 0;
    for (size_t i = 3; i < nch; i++)
        o3[k++] = (int)i;
    write_chunks(&c, cs, cn, chunk, o3, k);
    cap_close(&c);
    r = read_back(NULL, err, sizeof err);
    if (tap_ok(r != NULL, "retransmissions read")) {
        const mc_capread_dir *d = client_dir(r);
        tap_ok(d->npieces == 1 && d->pieces[0].len == cn && memcmp(d->pieces[0].bytes, cs, cn) == 0,
               "retransmitted bytes kept once");
        tap_is_int((long long)d->retransmitted, (long long)(chunk + chunk), "and counted: %zu bytes", 2 * chunk);
        mc_capread_free(r);
    }

    /* Lost: chunk 1 never captured. */
    cap_open(&c, LT_EN10MB, SNAP_FULL);
    handshake(&c, ISN_C, ISN_S);
    int o4[32];
    k = 0;
    for (size_t i = 0; i < nch; i++)
        if (i != 1)
            o4[k++] = (int)i;
    write_chunks(&c, cs, cn, chunk, o4, k);
    seg(&c, 1, ISN_S + 1, FLAG_ACK, ss, sn);
    cap_close(&c);
    r = read_back(NULL, err, sizeof err);
    if (tap_ok(r != NULL, "a capture with a lost segment reads")) {
        const mc_capread_flow *f = mc_capread_flow_at(r, 0);
        const mc_capread_dir *d = &f->dir[0];
        tap_is_int((long long)d->npieces, 2, "the gap splits the stream in two pieces");
        tap_is_int((long long)d->pieces[1].offset, (long long)(2 * chunk), "the second starts after the gap");
        tap_ok(has_note(f, "37 bytes missing before frame 5"), "the gap is named with its frame: %s",
               f->nnotes ? f->notes[0] : "(no note)");
        mc_capsplit s;
        mc_capsplit_flow(f, &s, err, sizeof err);
        size_t nops = 0;
        for (size_t i = 0; i < s.npdus; i++)
            nops += s.pdus[i].dir == 0 && mc_pdu_opcode(&s.pdus[i].pdu) == MC_OP_NOP_OUT;
        tap_ok(nops >= 1, "PDUs after the gap are found again (%zu NOP-Outs)", nops);
        bool said = false;
        for (size_t i = 0; i < s.nnotes; i++)
            said |= strstr(s.notes[i], "found again") != NULL || strstr(s.notes[i], "ends inside") != NULL;
        tap_ok(said, "and the split says what it skipped");
        mc_capsplit_free(&s);
        mc_capread_free(r);
    }
}

static void snap_and_midsession(void)
{
    uint8_t cs[FRAME_MAX], ss[FRAME_MAX];
    size_t cn = client_stream(cs), sn = server_stream(ss);
    char err[512];
    cap c;
    /* Snap length 100: the first client segment loses its tail. */
    cap_open(&c, LT_EN10MB, ETH + IP4 + TCPH + 40);
    handshake(&c, ISN_C, ISN_S);
    seg(&c, 0, ISN_C + 1, FLAG_ACK, cs, cn);
    cap_close(&c);
    mc_capread *r = read_back(NULL, err, sizeof err);
    if (tap_ok(r != NULL, "a capture cut by its snap length reads")) {
        const mc_capread_flow *f = mc_capread_flow_at(r, 0);
        tap_ok(has_note(f, "frame 4 was cut by the snap length: 40 of"), "the cut frame is named: %s",
               f->nnotes ? f->notes[0] : "(no note)");
        tap_is_int((long long)f->dir[0].bytes, 40, "40 bytes kept");
        mc_capread_free(r);
    }

    /* Mid-session, sequence numbers wrapping: the capture begins 20 bytes into the second PDU
     * (header digests on), no SYN; the client's ISN puts 2^32 inside the stream. */
    size_t first = pdu_bytes(MC_OP_LOGIN_REQ | MC_OP_IMMEDIATE, LOGIN_FLAGS, 1, "HeaderDigest=CRC32C,None", false, cs);
    size_t skip = first + 20;
    uint32_t isn = UINT32_MAX - 30;
    cap_open(&c, LT_SLL2, SNAP_FULL);
    seg(&c, 0, isn + (uint32_t)skip, FLAG_ACK, cs + skip, 30);
    seg(&c, 0, isn + (uint32_t)skip + 30, FLAG_ACK, cs + skip + 30, cn - skip - 30);
    seg(&c, 1, ISN_S + 1 + (uint32_t)(sn / 2), FLAG_ACK, ss + sn / 2, sn - sn / 2);
    cap_close(&c);
    r = read_back(NULL, err, sizeof err);
    if (tap_ok(r != NULL, "a Linux cooked v2 capture reads: %s", r ? mc_capread_linktype(r) : err)) {
        const mc_capread_flow *f = mc_capread_flow_at(r, 0);
        tap_ok(!f->syn_seen && has_note(f, "no SYN"), "a flow without its start is said to start mid-way");
        tap_ok(f->dir[0].npieces == 1 && f->dir[0].pieces[0].len == cn - skip, "across the sequence wrap, one piece");
        mc_capsplit s;
        mc_capsplit_flow(f, &s, err, sizeof err);
        tap_ok(s.iscsi && s.header_digest, "port 3260 makes it iSCSI; header digests found by their CRC");
        size_t outs = 0;
        for (size_t i = 0; i < s.npdus; i++)
            outs += s.pdus[i].dir == 0;
        tap_is_int((long long)outs, 1, "the one whole PDU of the initiator is found (the last NOP-Out)");
        mc_capsplit_free(&s);
        mc_capread_free(r);
    }
}

static void files_and_bounds(void)
{
    char err[512];
    FILE *f = fopen(path, "w");
    fputs("this is not a capture\n", f);
    fclose(f);
    mc_capread *r = read_back(NULL, err, sizeof err);
    tap_ok(r == NULL && strstr(err, "not a capture libpcap reads"), "a text file is refused: %s", err);

    uint8_t cs[FRAME_MAX];
    size_t cn = client_stream(cs);
    cap c;
    cap_open(&c, LT_RAW, SNAP_FULL);
    handshake(&c, ISN_C, ISN_S);
    seg(&c, 0, ISN_C + 1, FLAG_ACK, cs, cn);
    cap_close(&c);
    /* Cut the file inside its last record. */
    FILE *g = fopen(path, "r+");
    fseek(g, 0, SEEK_END);
    long size = ftell(g);
    fclose(g);
    if (truncate(path, size - 10) != 0)
        tap_diag("cannot truncate the capture");
    r = read_back(NULL, err, sizeof err);
    if (tap_ok(r != NULL, "a capture cut in its last record still reads")) {
        tap_ok(mc_capread_warning(r) && strstr(mc_capread_warning(r), "after frame 3"),
               "the bad end is said: %s", mc_capread_warning(r) ? mc_capread_warning(r) : "(none)");
        tap_is_str(mc_capread_linktype(r), "raw IP", "of a raw IP capture");
        mc_capread_free(r);
    }

    /* Three flows against a bound of two; 100 bytes of payload against a bound of 50. */
    cap_open(&c, LT_EN10MB, SNAP_FULL);
    for (unsigned i = 0; i < 3; i++) {
        client_port = CLIENT_PORT + i;
        seg(&c, 0, ISN_C, FLAG_SYN, NULL, 0);
    }
    client_port = CLIENT_PORT;
    cap_close(&c);
    mc_capread_limits lim = {.max_flows = 2};
    err[0] = '\0';
    r = read_back(&lim, err, sizeof err);
    tap_ok(r == NULL && strstr(err, "more than 2 flows (MC_CAPREAD_MAX_FLOWS)") && strstr(err, "frame 3"),
           "one flow past the bound is refused, naming the frame: %s", err);
    mc_capread_free(r);
    cap_open(&c, LT_EN10MB, SNAP_FULL);
    seg(&c, 0, ISN_C, FLAG_ACK, cs, 50);
    seg(&c, 0, ISN_C + 50, FLAG_ACK, cs + 50, 1);
    cap_close(&c);
    mc_capread_limits lim2 = {.max_bytes = 50};
    r = read_back(&lim2, err, sizeof err);
    tap_ok(r == NULL && strstr(err, "frame 2") && strstr(err, "MC_CAPREAD_MAX_BYTES"),
           "one byte past the payload bound is refused: %s", err);
    mc_capread_free(r);
    lim2.max_bytes = 51;
    r = read_back(&lim2, err, sizeof err);
    tap_ok(r != NULL && client_dir(r)->bytes == 51, "exactly at the bound it reads");
    mc_capread_free(r);
}

int main(void)
{
    int fd = mkstemp(path);
    if (!tap_ok(fd >= 0, "a scratch file"))
        return tap_done();
    close(fd);
    in_order_and_split();
    reorder_retransmit_loss();
    snap_and_midsession();
    files_and_bounds();
    unlink(path);
    return tap_done();
}
