/* Reading a foreign capture into TCP streams and UDP datagram flows (pcap_reader.h). */
#include "pcap_reader.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Link-layer types libpcap reports (linktypes registry, tcpdump.org/linktypes.html). */
#define LT_NULL 0
#define LT_EN10MB 1
#define LT_RAW 12
#define LT_RAW_OPENBSD 14
#define LT_RAW_LINKTYPE 101
#define LT_LOOP 108
#define LT_LINUX_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_LINUX_SLL2 276
/* Header lengths: Ethernet II (IEEE 802.3), an 802.1Q/802.1ad tag, Linux cooked v1 and v2, the
 * BSD loopback family word. */
#define ETH_HDR 14
#define VLAN_TAG 4
#define VLAN_TAGS_MAX 2
#define SLL_HDR 16
#define SLL2_HDR 20
#define NULL_HDR 4
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88A8
/* Address family values of the BSD loopback header: AF_INET everywhere, AF_INET6 as each BSD and
 * Linux numbers it. */
#define BSD_AF_INET 2
#define BSD_AF_INET6_BSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30
#define BSD_AF_INET6_LINUX 10
/* IPv4 (RFC 791), IPv6 (RFC 8200), TCP (RFC 9293), UDP (RFC 768). */
#define IPV4_HDR_MIN 20
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1FFF
#define IPV6_HDR 40
#define IPV6_EXT_HOP 0
#define IPV6_EXT_ROUTING 43
#define IPV6_EXT_FRAGMENT 44
#define IPV6_EXT_DEST 60
#define IPV6_EXT_MAX 8
#define IPPROTO_TCP_NUM 6
#define IPPROTO_UDP_NUM 17
#define TCP_HDR_MIN 20
#define UDP_HDR 8
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
/* Flow lookup buckets (a power of two above MC_CAPREAD_MAX_FLOWS). */
#define FLOW_BUCKETS 8192u
#define USEC_PER_SEC 1e6

typedef struct seg {
    int64_t rel;     /* sequence offset from the direction's base, unwrapped */
    uint8_t *data;
    size_t len;
    uint64_t frame;
    double time;
} seg;

typedef struct dir_build {
    bool based;
    bool from_syn;      /* the base is the SYN's sequence number + 1 */
    uint32_t base;      /* sequence number of offset 0 */
    int64_t last_rel;   /* for unwrapping past 2^32 */
    seg *segs;
    size_t nsegs, cap;
} dir_build;

typedef struct flow_key {
    int family;
    uint8_t addr[2][16];
    uint16_t port[2];   /* [0] the client's */
} flow_key;

typedef struct flow_build {
    mc_capread_flow f;
    flow_key key;
    dir_build d[2];
    unsigned next;      /* bucket chain: index + 1, 0 ends */
} flow_build;

struct mc_capread {
    flow_build *flows;
    size_t nflows, cap;
    unsigned buckets[FLOW_BUCKETS];
    uint64_t frames, skipped, bytes;
    uint64_t fragments, first_fragment;
    uint64_t max_bytes;
    unsigned max_flows;
    int linktype;
    char linkname[32];
    char *err;
    size_t errlen;
    bool failed;
    char warning[MC_CAPREAD_NOTE_LEN];  /* the file ended badly; what came before is kept */
};

static void fail(mc_capread *c, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
}

static void note(mc_capread_flow *f, const char *fmt, ...)
{
    if (f->nnotes >= MC_CAPREAD_MAX_NOTES) {
        f->notes_dropped++;
        return;
    }
    if (f->notes == NULL) {
        f->notes = calloc(MC_CAPREAD_MAX_NOTES, sizeof *f->notes);
        if (f->notes == NULL) {
            f->notes_dropped++;
            return;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->notes[f->nnotes++], MC_CAPREAD_NOTE_LEN, fmt, ap);
    va_end(ap);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static unsigned key_hash(const flow_key *k)
{
    /* FNV-1a over the endpoints in a fixed order, so both directions hash alike. */
    uint32_t h = 2166136261u;
    int lo = memcmp(k->addr[0], k->addr[1], sizeof k->addr[0]) < 0 ||
             (memcmp(k->addr[0], k->addr[1], sizeof k->addr[0]) == 0 && k->port[0] <= k->port[1]) ? 0 : 1;
    for (int s = 0; s < 2; s++) {
        int i = s == 0 ? lo : 1 - lo;
        for (size_t j = 0; j < sizeof k->addr[i]; j++)
            h = (h ^ k->addr[i][j]) * 16777619u;
        h = (h ^ (k->port[i] >> 8)) * 16777619u;
        h = (h ^ (k->port[i] & 0xFF)) * 16777619u;
    }
    return h & (FLOW_BUCKETS - 1);
}

static void endpoint_text(char *out, int family, const uint8_t *addr, uint16_t port)
{
    char a[INET6_ADDRSTRLEN] = "?";
    inet_ntop(family, addr, a, sizeof a);
    if (family == AF_INET6)
        snprintf(out, MC_CAPREAD_ADDR_LEN, "[%s]:%u", a, port);
    else
        snprintf(out, MC_CAPREAD_ADDR_LEN, "%s:%u", a, port);
}

/* The flow of a packet from (src, sport) to (dst, dport), made when new; *from_client says
 * which direction the packet goes. NULL when the flow table is full (c failed). */
static flow_build *flow_of(mc_capread *c, mc_capread_proto proto, int family, const uint8_t *src,
                           const uint8_t *dst, uint16_t sport, uint16_t dport, bool syn_only,
                           int *from_client)
{
    size_t alen = family == AF_INET6 ? 16 : 4;
    flow_key k = {.family = family, .port = {sport, dport}};
    memcpy(k.addr[0], src, alen);
    memcpy(k.addr[1], dst, alen);
    unsigned b = key_hash(&k);
    for (unsigned i = c->buckets[b]; i != 0; i = c->flows[i - 1].next) {
        flow_build *fb = &c->flows[i - 1];
        if (fb->key.family != family || fb->f.proto != proto)
            continue;
        for (int d = 0; d < 2; d++)
            if (memcmp(fb->key.addr[d], src, alen) == 0 && fb->key.port[d] == sport &&
                memcmp(fb->key.addr[1 - d], dst, alen) == 0 && fb->key.port[1 - d] == dport) {
                *from_client = d == 0;
                return fb;
            }
    }
    if (c->nflows >= c->max_flows) {
        fail(c, "frame %llu: more than %u flows (MC_CAPREAD_MAX_FLOWS); filter the capture to the "
                "connections of interest first (tcpdump -r IN -w OUT 'port 3260')",
             (unsigned long long)c->frames, c->max_flows);
        return NULL;
    }
    if (c->nflows == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        flow_build *n = realloc(c->flows, ncap * sizeof *n);
        if (n == NULL) {
            fail(c, "out of memory for %zu flows", ncap);
            return NULL;
        }
        c->flows = n;
        c->cap = ncap;
    }
    flow_build *fb = &c->flows[c->nflows++];
    memset(fb, 0, sizeof *fb);
    fb->key = k;
    fb->f.id = (unsigned)c->nflows;
    fb->f.proto = proto;
    fb->f.first_frame = c->frames;
    fb->f.syn_seen = syn_only;
    endpoint_text(fb->f.client, family, src, sport);
    endpoint_text(fb->f.server, family, dst, dport);
    fb->f.client_port = sport;
    fb->f.server_port = dport;
    fb->next = c->buckets[b];
    c->buckets[b] = (unsigned)c->nflows;
    *from_client = 1;
    return fb;
}

static int add_seg(mc_capread *c, dir_build *d, int64_t rel, const uint8_t *p, size_t n, double t)
{
    if (n > c->max_bytes - c->bytes) {
        fail(c, "frame %llu: the capture holds more than %llu bytes of payload (MC_CAPREAD_MAX_BYTES); "
                "filter it to the connections of interest first",
             (unsigned long long)c->frames, (unsigned long long)c->max_bytes);
        return -1;
    }
    if (d->nsegs == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 32;
        seg *s = realloc(d->segs, ncap * sizeof *s);
        if (s == NULL) {
            fail(c, "out of memory at frame %llu", (unsigned long long)c->frames);
            return -1;
        }
        d->segs = s;
        d->cap = ncap;
    }
    uint8_t *copy = malloc(n ? n : 1);
    if (copy == NULL) {
        fail(c, "out of memory at frame %llu", (unsigned long long)c->frames);
        return -1;
    }
    if (n > 0)
        memcpy(copy, p, n);
    d->segs[d->nsegs++] = (seg){.rel = rel, .data = copy, .len = n, .frame = c->frames, .time = t};
    c->bytes += n;
    return 0;
}

static void tcp_packet(mc_capread *c, int family, const uint8_t *src, const uint8_t *dst, const uint8_t *p,
                       size_t n, size_t wire_n, double t)
{
    if (n < TCP_HDR_MIN) {
        c->skipped++;
        return;
    }
    size_t hl = (size_t)(p[12] >> 4) * 4;
    uint8_t flags = p[13];
    if (hl < TCP_HDR_MIN || hl > n) {
        c->skipped++;
        return;
    }
    bool syn = (flags & TCP_SYN) != 0, ack = (flags & TCP_ACK) != 0;
    int from_client = 1;
    flow_build *fb = flow_of(c, MC_CAPREAD_TCP, family, src, dst, be16(p), be16(p + 2), syn && !ack, &from_client);
    if (fb == NULL)
        return;
    fb->f.frames++;
    int di = from_client ? 0 : 1;
    dir_build *d = &fb->d[di];
    uint32_t seq = be32(p + 4);
    if (syn) {
        if (!d->based || d->nsegs == 0) {
            d->based = true;
            d->from_syn = true;
            d->base = seq + 1;
            d->last_rel = 0;
        }
        if (!ack && di == 0)
            fb->f.syn_seen = true;
        seq++;
    }
    if (flags & (TCP_FIN | TCP_RST))
        fb->f.dir[di].fin = true;
    size_t len = n - hl;
    if (wire_n > n)
        note(&fb->f, "frame %llu was cut by the snap length: %zu of %zu TCP payload bytes kept",
             (unsigned long long)c->frames, len, len + (wire_n - n));
    if (len == 0)
        return;
    if (!d->based) {
        d->based = true;
        d->base = seq;
        d->last_rel = 0;
        if (di == 0 && !fb->f.syn_seen)
            note(&fb->f, "frame %llu: the capture does not hold this connection's start (no SYN); "
                         "its streams start mid-way", (unsigned long long)c->frames);
    }
    uint32_t at = (uint32_t)(d->base + (uint32_t)d->last_rel);
    int64_t rel = d->last_rel + (int32_t)(seq - at);
    if (rel > d->last_rel)
        d->last_rel = rel;
    add_seg(c, d, rel, p + hl, len, t);
}

static void udp_packet(mc_capread *c, int family, const uint8_t *src, const uint8_t *dst, const uint8_t *p,
                       size_t n, size_t wire_n, double t)
{
    if (n < UDP_HDR) {
        c->skipped++;
        return;
    }
    size_t ulen = be16(p + 4);
    int from_client = 1;
    flow_build *fb = flow_of(c, MC_CAPREAD_UDP, family, src, dst, be16(p), be16(p + 2), false, &from_client);
    if (fb == NULL)
        return;
    fb->f.frames++;
    if (ulen < UDP_HDR || ulen > wire_n) {
        note(&fb->f, "frame %llu: UDP length %zu does not fit the packet; datagram dropped",
             (unsigned long long)c->frames, ulen);
        return;
    }
    if (ulen > n) {
        note(&fb->f, "frame %llu was cut by the snap length: datagram dropped (%zu of %zu bytes)",
             (unsigned long long)c->frames, n - UDP_HDR, ulen - UDP_HDR);
        return;
    }
    dir_build *d = &fb->d[from_client ? 0 : 1];
    d->based = true;
    /* Datagrams are kept back to back, each its own piece (see assemble). */
    add_seg(c, d, d->last_rel, p + UDP_HDR, ulen - UDP_HDR, t);
    d->last_rel += (int64_t)(ulen - UDP_HDR);
}

/* One IP packet of caplen n (wire length wire_n) from frame c->frames. */
static void ip_packet(mc_capread *c, const uint8_t *p, size_t n, size_t wire_n, double t)
{
    if (n < 1) {
        c->skipped++;
        return;
    }
    int version = p[0] >> 4;
    int family, proto;
    const uint8_t *src, *dst;
    size_t hl, total;
    if (version == 4) {
        if (n < IPV4_HDR_MIN || (hl = (size_t)(p[0] & 0x0F) * 4) < IPV4_HDR_MIN || hl > n) {
            c->skipped++;
            return;
        }
        total = be16(p + 2);
        if (total < hl) {
            c->skipped++;
            return;
        }
        family = AF_INET;
        proto = p[9];
        src = p + 12;
        dst = p + 16;
        uint16_t frag = be16(p + 6);
        if ((frag & IPV4_MF) || (frag & IPV4_OFFSET_MASK)) {
            c->skipped++;
            if (c->fragments++ == 0)
                c->first_fragment = c->frames;
            return;
        }
    } else if (version == 6) {
        if (n < IPV6_HDR) {
            c->skipped++;
            return;
        }
        family = AF_INET6;
        total = IPV6_HDR + be16(p + 4);
        src = p + 8;
        dst = p + 24;
        proto = p[6];
        hl = IPV6_HDR;
        for (int i = 0; i < IPV6_EXT_MAX && (proto == IPV6_EXT_HOP || proto == IPV6_EXT_ROUTING ||
                                             proto == IPV6_EXT_DEST || proto == IPV6_EXT_FRAGMENT); i++) {
            if (proto == IPV6_EXT_FRAGMENT && c->fragments++ == 0)
                c->first_fragment = c->frames;
            if (proto == IPV6_EXT_FRAGMENT || hl + 2 > n) {
                c->skipped++;
                return;
            }
            proto = p[hl];
            hl += ((size_t)p[hl + 1] + 1) * 8;
        }
        if (hl > n) {
            c->skipped++;
            return;
        }
    } else {
        c->skipped++;
        return;
    }
    /* Ethernet pads short frames: the IP total length bounds the payload; the capture may hold
     * less than it (snap length). */
    size_t have = n < total ? n : total;
    size_t wire = wire_n < total ? wire_n : total;
    if (wire < have)
        wire = have;
    if (have < hl) {
        /* The IP length ends inside the IP headers (an IPv6 payload length shorter than its
         * extension headers). */
        c->skipped++;
        return;
    }
    if (proto == IPPROTO_TCP_NUM)
        tcp_packet(c, family, src, dst, p + hl, have - hl, wire - hl, t);
    else if (proto == IPPROTO_UDP_NUM)
        udp_packet(c, family, src, dst, p + hl, have - hl, wire - hl, t);
    else
        c->skipped++;
}

static void frame(mc_capread *c, const struct pcap_pkthdr *h, const uint8_t *p)
{
    c->frames++;
    size_t n = h->caplen, wire = h->len > h->caplen ? h->len : h->caplen;
    double t = (double)h->ts.tv_sec + (double)h->ts.tv_usec / USEC_PER_SEC;
    size_t off = 0;
    int ethertype = -1;
    switch (c->linktype) {
    case LT_EN10MB:
        if (n < ETH_HDR)
            break;
        ethertype = be16(p + 12);
        off = ETH_HDR;
        for (int i = 0; i < VLAN_TAGS_MAX && (ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ); i++) {
            if (n < off + VLAN_TAG) {
                ethertype = -1;
                break;
            }
            ethertype = be16(p + off + 2);
            off += VLAN_TAG;
        }
        break;
    case LT_LINUX_SLL:
        if (n >= SLL_HDR) {
            ethertype = be16(p + 14);
            off = SLL_HDR;
        }
        break;
    case LT_LINUX_SLL2:
        if (n >= SLL2_HDR) {
            ethertype = be16(p);
            off = SLL2_HDR;
        }
        break;
    case LT_NULL:
    case LT_LOOP:
        if (n >= NULL_HDR) {
            uint32_t fam = c->linktype == LT_LOOP ? be32(p) : (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                                                               (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            if (fam > 0xFFFF)  /* written on a big-endian host */
                fam = be32(p);
            ethertype = fam == BSD_AF_INET ? ETHERTYPE_IPV4
                        : fam == BSD_AF_INET6_BSD || fam == BSD_AF_INET6_FREEBSD || fam == BSD_AF_INET6_DARWIN ||
                                  fam == BSD_AF_INET6_LINUX ? ETHERTYPE_IPV6 : -1;
            off = NULL_HDR;
        }
        break;
    default:  /* raw IP */
        ethertype = n > 0 && (p[0] >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
        break;
    }
    if (ethertype != ETHERTYPE_IPV4 && ethertype != ETHERTYPE_IPV6) {
        c->skipped++;
        return;
    }
    ip_packet(c, p + off, n - off, wire - off, t);
}

static int seg_cmp(const void *a, const void *b)
{
    const seg *x = a, *y = b;
    if (x->rel != y->rel)
        return x->rel < y->rel ? -1 : 1;
    return x->frame < y->frame ? -1 : x->frame > y->frame;
}

static int push_piece(mc_capread *c, mc_capread_dir *out, uint64_t offset)
{
    mc_capread_piece *n = realloc(out->pieces, (out->npieces + 1) * sizeof *n);
    if (n == NULL) {
        fail(c, "out of memory putting a stream together");
        return -1;
    }
    out->pieces = n;
    out->pieces[out->npieces++] = (mc_capread_piece){.offset = offset};
    return 0;
}

static int push_mark(mc_capread *c, mc_capread_dir *out, uint64_t offset, const seg *s)
{
    if (out->nmarks > 0 && out->marks[out->nmarks - 1].offset == offset)
        return 0;
    mc_capread_mark *n = realloc(out->marks, (out->nmarks + 1) * sizeof *n);
    if (n == NULL) {
        fail(c, "out of memory putting a stream together");
        return -1;
    }
    out->marks = n;
    out->marks[out->nmarks++] = (mc_capread_mark){.offset = offset, .frame = s->frame, .time = s->time};
    return 0;
}

/* Puts one direction's segments together in sequence order: overlaps keep the first copy in
 * sequence order, gaps start a new piece (and a note), UDP datagrams are each a piece. */
static int assemble(mc_capread *c, flow_build *fb, int di)
{
    dir_build *d = &fb->d[di];
    mc_capread_dir *out = &fb->f.dir[di];
    if (d->nsegs == 0)
        return 0;
    if (fb->f.proto == MC_CAPREAD_TCP)
        qsort(d->segs, d->nsegs, sizeof *d->segs, seg_cmp);
    /* Offset 0 is the byte after the SYN, or with no SYN the first byte the capture holds. */
    int64_t start = d->from_syn && d->segs[0].rel >= 0 ? 0 : d->segs[0].rel;
    int64_t next = start;
    mc_capread_piece *cur = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < d->nsegs; i++) {
        seg *s = &d->segs[i];
        int64_t end = s->rel + (int64_t)s->len;
        size_t skip = 0;
        bool new_piece = cur == NULL || fb->f.proto == MC_CAPREAD_UDP;
        if (fb->f.proto == MC_CAPREAD_TCP) {
            if (end <= next && cur != NULL) {
                out->retransmitted += s->len;
                continue;
            }
            if (s->rel > next) {
                note(&fb->f, "%s stream: %lld bytes missing before frame %llu (offset %lld): the capture lost "
                             "a segment; what follows is kept as a separate piece",
                     di == 0 ? "client's" : "server's", (long long)(s->rel - next), (unsigned long long)s->frame,
                     (long long)(next - start));
                new_piece = true;
            } else if (s->rel < next) {
                skip = (size_t)(next - s->rel);
                out->retransmitted += skip;
            }
        }
        uint64_t off = (uint64_t)((skip ? next : s->rel) - start);
        if (new_piece) {
            if (push_piece(c, out, off) != 0)
                return -1;
            cur = &out->pieces[out->npieces - 1];
            cap = 0;
        }
        size_t add = s->len - skip;
        if (cur->len + add > cap) {
            size_t ncap = cap ? cap : 4096;
            while (ncap < cur->len + add)
                ncap *= 2;
            uint8_t *b = realloc(cur->bytes, ncap);
            if (b == NULL) {
                fail(c, "out of memory putting a stream together");
                return -1;
            }
            cur->bytes = b;
            cap = ncap;
        }
        if (add > 0)  /* an empty datagram is a piece of no bytes */
            memcpy(cur->bytes + cur->len, s->data + skip, add);
        cur->len += add;
        out->bytes += add;
        if (push_mark(c, out, off, s) != 0)
            return -1;
        next = s->rel + (int64_t)s->len;
    }
    return 0;
}

static void free_build(flow_build *fb)
{
    for (int di = 0; di < 2; di++) {
        for (size_t i = 0; i < fb->d[di].nsegs; i++)
            free(fb->d[di].segs[i].data);
        free(fb->d[di].segs);
        fb->d[di].segs = NULL;
        fb->d[di].nsegs = fb->d[di].cap = 0;
    }
}

static const char *link_name(int lt)
{
    switch (lt) {
    case LT_EN10MB: return "Ethernet";
    case LT_LINUX_SLL: return "Linux cooked (v1)";
    case LT_LINUX_SLL2: return "Linux cooked (v2)";
    case LT_NULL:
    case LT_LOOP: return "BSD loopback";
    case LT_RAW:
    case LT_RAW_OPENBSD:
    case LT_RAW_LINKTYPE:
    case LT_IPV4:
    case LT_IPV6: return "raw IP";
    default: return NULL;
    }
}

static mc_capread *read_all(pcap_t *pc, const char *what, const mc_capread_limits *lim, char *err, size_t errlen)
{
    mc_capread *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(err, errlen, "%s: out of memory", what);
        pcap_close(pc);
        return NULL;
    }
    c->err = err;
    c->errlen = errlen;
    c->max_bytes = lim && lim->max_bytes ? lim->max_bytes : MC_CAPREAD_MAX_BYTES;
    c->max_flows = lim && lim->max_flows ? lim->max_flows : MC_CAPREAD_MAX_FLOWS;
    if (c->max_flows > MC_CAPREAD_MAX_FLOWS)
        c->max_flows = MC_CAPREAD_MAX_FLOWS;
    c->linktype = pcap_datalink(pc);
    const char *ln = link_name(c->linktype);
    if (ln == NULL) {
        snprintf(err, errlen, "%s: link type %d (%s) is not one mirrorcert reads (Ethernet, Linux cooked, BSD "
                              "loopback, raw IP)", what, c->linktype,
                 pcap_datalink_val_to_name(c->linktype) ? pcap_datalink_val_to_name(c->linktype) : "unknown");
        pcap_close(pc);
        free(c);
        return NULL;
    }
    snprintf(c->linkname, sizeof c->linkname, "%s", ln);
    struct pcap_pkthdr *h;
    const u_char *p;
    int rc;
    while (!c->failed && (rc = pcap_next_ex(pc, &h, &p)) == 1)
        frame(c, h, p);
    if (!c->failed && rc == PCAP_ERROR) {
        if (c->frames == 0)
            fail(c, "%s: no frame could be read: %s", what, pcap_geterr(pc));
        else
            snprintf(c->warning, sizeof c->warning, "the capture ends badly after frame %llu (%s): the frames "
                     "before it are read", (unsigned long long)c->frames, pcap_geterr(pc));
    }
    pcap_close(pc);
    for (size_t i = 0; !c->failed && i < c->nflows; i++)
        for (int di = 0; di < 2 && !c->failed; di++)
            assemble(c, &c->flows[i], di);
    for (size_t i = 0; i < c->nflows; i++)
        free_build(&c->flows[i]);
    if (c->failed) {
        mc_capread_free(c);
        return NULL;
    }
    c->err = NULL;
    return c;
}

mc_capread *mc_capread_open(const char *path, const mc_capread_limits *lim, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = pcap_open_offline(path, perr);
    if (pc == NULL) {
        snprintf(err, errlen, "%s: not a capture libpcap reads (pcap or pcapng): %s", path, perr);
        return NULL;
    }
    return read_all(pc, path, lim, err, errlen);
}

mc_capread *mc_capread_mem(const uint8_t *data, size_t len, const mc_capread_limits *lim, char *err, size_t errlen)
{
    FILE *f = fmemopen((void *)data, len, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "capture in memory: %s", strerror(errno));
        return NULL;
    }
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = pcap_fopen_offline(f, perr);  /* closes f with pc */
    if (pc == NULL) {
        fclose(f);
        snprintf(err, errlen, "capture in memory: not a capture libpcap reads (pcap or pcapng): %s", perr);
        return NULL;
    }
    return read_all(pc, "capture in memory", lim, err, errlen);
}

void mc_capread_free(mc_capread *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nflows; i++) {
        flow_build *fb = &c->flows[i];
        free_build(fb);
        for (int di = 0; di < 2; di++) {
            for (size_t j = 0; j < fb->f.dir[di].npieces; j++)
                free(fb->f.dir[di].pieces[j].bytes);
            free(fb->f.dir[di].pieces);
            free(fb->f.dir[di].marks);
        }
        free(fb->f.notes);
    }
    free(c->flows);
    free(c);
}

size_t mc_capread_nflows(const mc_capread *c) { return c->nflows; }
const mc_capread_flow *mc_capread_flow_at(const mc_capread *c, size_t i) { return &c->flows[i].f; }
uint64_t mc_capread_frames(const mc_capread *c) { return c->frames; }
uint64_t mc_capread_skipped(const mc_capread *c) { return c->skipped; }
const char *mc_capread_linktype(const mc_capread *c) { return c->linkname; }

const char *mc_capread_warning(const mc_capread *c) { return c->warning[0] ? c->warning : NULL; }

uint64_t mc_capread_fragments(const mc_capread *c, uint64_t *first_frame)
{
    if (first_frame)
        *first_frame = c->first_fragment;
    return c->fragments;
}

const mc_capread_mark *mc_capread_mark_of(const mc_capread_dir *d, uint64_t offset)
{
    size_t lo = 0, hi = d->nmarks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->marks[mid].offset <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? (d->nmarks ? &d->marks[0] : NULL) : &d->marks[lo - 1];
}
