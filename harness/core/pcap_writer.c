/* Synthesised Ethernet II + IPv4 + TCP framing around the harness's iSCSI bytes, dumped with
 * libpcap. Checksums are computed so no reader flags the frames as damaged. */
#include "pcap_writer.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETH_HDR_LEN 14u
#define ETH_TYPE_IPV4 0x0800u
#define IPV4_HDR_LEN 20u
#define IPV4_VERSION_IHL 0x45u        /* version 4, 5 words of header (RFC 791) */
#define IPV4_DONT_FRAGMENT 0x4000u
#define IPV4_TTL 64u
#define IPPROTO_TCP_NUM 6u
#define TCP_HDR_LEN 20u
#define TCP_DATA_OFFSET_WORDS (TCP_HDR_LEN / 4u)
#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u
#define TCP_WINDOW 0xffffu
#define FRAME_HDR_LEN (ETH_HDR_LEN + IPV4_HDR_LEN + TCP_HDR_LEN)
#define IPV4_MAX_TOTAL 0xffffu        /* IPv4 total length is 16 bits */
#define SEGMENT_MAX (IPV4_MAX_TOTAL - IPV4_HDR_LEN - TCP_HDR_LEN)
#define SNAPLEN (FRAME_HDR_LEN + SEGMENT_MAX)
#define ISN_MIX 0x9e3779b9u           /* spreads the port numbers into an initial sequence number */

struct mc_pcap {
    pthread_mutex_t lock;         /* writers on several threads (the VSAN relays, clients) share one file */
    pcap_t *dead;
    pcap_dumper_t *dumper;
    unsigned refs;
    uint64_t frames;
    uint8_t frame[SNAPLEN];
};

mc_pcap *mc_pcap_open(const char *path, char *err, size_t errlen)
{
    mc_pcap *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "pcap: out of memory");
        return NULL;
    }
    p->dead = pcap_open_dead(DLT_EN10MB, (int)SNAPLEN);
    if (!p->dead) {
        snprintf(err, errlen, "pcap: pcap_open_dead failed");
        free(p);
        return NULL;
    }
    p->dumper = pcap_dump_open(p->dead, path);
    if (!p->dumper) {
        snprintf(err, errlen, "pcap: %s: %s", path, pcap_geterr(p->dead));
        pcap_close(p->dead);
        free(p);
        return NULL;
    }
    p->refs = 1;
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void mc_pcap_ref(mc_pcap *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->refs++;
    pthread_mutex_unlock(&p->lock);
}

void mc_pcap_unref(mc_pcap *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    unsigned left = --p->refs;
    pthread_mutex_unlock(&p->lock);
    if (left > 0)
        return;
    pthread_mutex_destroy(&p->lock);
    pcap_dump_close(p->dumper);
    pcap_close(p->dead);
    free(p);
}

uint64_t mc_pcap_frames(mc_pcap *p)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->lock);
    uint64_t n = p->frames;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void mc_pcap_flow_init(mc_pcap_flow *f, const struct sockaddr_in *initiator,
                       const struct sockaddr_in *target)
{
    memset(f, 0, sizeof *f);
    f->initiator = *initiator;
    f->target = *target;
    f->framed_target = *target;
    f->seq_out = ((uint32_t)ntohs(initiator->sin_port) * ISN_MIX) ^ ntohs(target->sin_port);
    f->seq_in = ((uint32_t)ntohs(target->sin_port) * ISN_MIX) ^ ntohs(initiator->sin_port);
}

void mc_pcap_flow_frame_port(mc_pcap_flow *f, uint16_t port)
{
    f->framed_target.sin_port = htons(port);
}

static void put16(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
    put16(b, v >> 16);
    put16(b + 2, v);
}

/* The Internet checksum (RFC 1071) over buf, continuing from sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)buf[i] << 8 | buf[i + 1];
    if (len & 1u)
        sum += (uint32_t)buf[len - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Locally administered MAC addresses derived from the IPv4 address, so hosts stay distinct. */
static void put_mac(uint8_t *b, const struct sockaddr_in *a)
{
    uint32_t ip = ntohl(a->sin_addr.s_addr);
    b[0] = 0x02;
    b[1] = 0x00;
    put32(b + 2, ip);
}

static int emit(mc_pcap *p, const struct sockaddr_in *src, const struct sockaddr_in *dst, uint32_t seq,
                uint32_t ack, uint8_t flags, const uint8_t *payload, size_t len, const struct timeval *ts)
{
    uint8_t *eth = p->frame, *ip = eth + ETH_HDR_LEN, *tcp = ip + IPV4_HDR_LEN;
    put_mac(eth, dst);
    put_mac(eth + 6, src);
    put16(eth + 12, ETH_TYPE_IPV4);

    memset(ip, 0, IPV4_HDR_LEN);
    ip[0] = IPV4_VERSION_IHL;
    put16(ip + 2, (uint32_t)(IPV4_HDR_LEN + TCP_HDR_LEN + len));
    put16(ip + 4, (uint32_t)p->frames);
    put16(ip + 6, IPV4_DONT_FRAGMENT);
    ip[8] = IPV4_TTL;
    ip[9] = IPPROTO_TCP_NUM;
    memcpy(ip + 12, &src->sin_addr.s_addr, 4);
    memcpy(ip + 16, &dst->sin_addr.s_addr, 4);
    put16(ip + 10, csum_fold(csum_add(0, ip, IPV4_HDR_LEN)));

    memset(tcp, 0, TCP_HDR_LEN);
    memcpy(tcp, &src->sin_port, 2);
    memcpy(tcp + 2, &dst->sin_port, 2);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = (uint8_t)(TCP_DATA_OFFSET_WORDS << 4);
    tcp[13] = flags;
    put16(tcp + 14, TCP_WINDOW);
    if (len)
        memcpy(tcp + TCP_HDR_LEN, payload, len);
    /* TCP checksum covers a pseudo-header: addresses, protocol, TCP length (RFC 793). */
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_TCP_NUM;
    put16(pseudo + 10, (uint32_t)(TCP_HDR_LEN + len));
    uint32_t sum = csum_add(0, pseudo, sizeof pseudo);
    put16(tcp + 16, csum_fold(csum_add(sum, tcp, TCP_HDR_LEN + len)));

    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts = *ts;
    h.caplen = h.len = (bpf_u_int32)(FRAME_HDR_LEN + len);
    pcap_dump((u_char *)p->dumper, &h, p->frame);
    p->frames++;
    return 0;
}

static int handshake(mc_pcap *p, mc_pcap_flow *f, const struct timeval *ts)
{
    /* SYN consumes one sequence number in each direction. */
    emit(p, &f->initiator, &f->framed_target, f->seq_out, 0, TCP_SYN, NULL, 0, ts);
    emit(p, &f->framed_target, &f->initiator, f->seq_in, f->seq_out + 1, TCP_SYN | TCP_ACK, NULL, 0, ts);
    f->seq_out++;
    f->seq_in++;
    emit(p, &f->initiator, &f->framed_target, f->seq_out, f->seq_in, TCP_ACK, NULL, 0, ts);
    f->opened = true;
    return 0;
}

static int write_locked(mc_pcap *p, mc_pcap_flow *f, bool outbound, const uint8_t *bytes, size_t len,
                        const struct timeval *ts)
{
    if (!f->opened)
        handshake(p, f, ts);
    const struct sockaddr_in *src = outbound ? &f->initiator : &f->framed_target;
    const struct sockaddr_in *dst = outbound ? &f->framed_target : &f->initiator;
    uint32_t *seq = outbound ? &f->seq_out : &f->seq_in;
    uint32_t ack = outbound ? f->seq_in : f->seq_out;
    size_t done = 0;
    do {
        size_t n = len - done > SEGMENT_MAX ? SEGMENT_MAX : len - done;
        emit(p, src, dst, *seq, ack, TCP_ACK | TCP_PSH, bytes + done, n, ts);
        *seq += (uint32_t)n;
        done += n;
    } while (done < len);
    return pcap_dump_flush(p->dumper) == 0 ? 0 : -1;
}

static int flow_close_locked(mc_pcap *p, mc_pcap_flow *f, const struct timeval *ts)
{
    if (!f->opened)
        return 0;
    emit(p, &f->initiator, &f->framed_target, f->seq_out, f->seq_in, TCP_FIN | TCP_ACK, NULL, 0, ts);
    f->seq_out++;
    emit(p, &f->framed_target, &f->initiator, f->seq_in, f->seq_out, TCP_FIN | TCP_ACK, NULL, 0, ts);
    f->seq_in++;
    f->opened = false;
    return pcap_dump_flush(p->dumper) == 0 ? 0 : -1;
}

#define IPPROTO_UDP_NUM 17u
#define UDP_HDR_LEN 8u
#define UDP_MAX_PAYLOAD (IPV4_MAX_TOTAL - IPV4_HDR_LEN - UDP_HDR_LEN)
#define IPV4_MCAST_MASK 0xf0000000u   /* 224.0.0.0/4 (RFC 5771) */
#define IPV4_MCAST_NET 0xe0000000u
#define MCAST_MAC_LOW23 0x7fffffu     /* group MAC 01:00:5e + low 23 bits of the address (RFC 1112 6.4) */

static int write_udp_locked(mc_pcap *p, const struct sockaddr_in *src, const struct sockaddr_in *dst,
                            const uint8_t *payload, size_t len, const struct timeval *ts)
{
    if (len > UDP_MAX_PAYLOAD)
        len = UDP_MAX_PAYLOAD;
    uint8_t *eth = p->frame, *ip = eth + ETH_HDR_LEN, *udp = ip + IPV4_HDR_LEN;
    uint32_t dip = ntohl(dst->sin_addr.s_addr);
    if ((dip & IPV4_MCAST_MASK) == IPV4_MCAST_NET) {
        eth[0] = 0x01;
        eth[1] = 0x00;
        eth[2] = 0x5e;
        eth[3] = (uint8_t)((dip & MCAST_MAC_LOW23) >> 16);
        eth[4] = (uint8_t)(dip >> 8);
        eth[5] = (uint8_t)dip;
    } else {
        put_mac(eth, dst);
    }
    put_mac(eth + 6, src);
    put16(eth + 12, ETH_TYPE_IPV4);
    memset(ip, 0, IPV4_HDR_LEN);
    ip[0] = IPV4_VERSION_IHL;
    put16(ip + 2, (uint32_t)(IPV4_HDR_LEN + UDP_HDR_LEN + len));
    put16(ip + 4, (uint32_t)p->frames);
    put16(ip + 6, IPV4_DONT_FRAGMENT);
    ip[8] = IPV4_TTL;
    ip[9] = IPPROTO_UDP_NUM;
    memcpy(ip + 12, &src->sin_addr.s_addr, 4);
    memcpy(ip + 16, &dst->sin_addr.s_addr, 4);
    put16(ip + 10, csum_fold(csum_add(0, ip, IPV4_HDR_LEN)));
    memcpy(udp, &src->sin_port, 2);
    memcpy(udp + 2, &dst->sin_port, 2);
    put16(udp + 4, (uint32_t)(UDP_HDR_LEN + len));
    put16(udp + 6, 0);
    memcpy(udp + UDP_HDR_LEN, payload, len);
    /* UDP checksum over the pseudo-header and datagram (RFC 768); 0 is sent as 0xffff. */
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_UDP_NUM;
    put16(pseudo + 10, (uint32_t)(UDP_HDR_LEN + len));
    uint16_t sum = csum_fold(csum_add(csum_add(0, pseudo, sizeof pseudo), udp, UDP_HDR_LEN + len));
    put16(udp + 6, sum ? sum : 0xffffu);
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts = *ts;
    h.caplen = h.len = (bpf_u_int32)(ETH_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN + len);
    pcap_dump((u_char *)p->dumper, &h, p->frame);
    p->frames++;
    return pcap_dump_flush(p->dumper) == 0 ? 0 : -1;
}

/* The public writers: one frame sequence at a time, whatever thread writes. */
int mc_pcap_write(mc_pcap *p, mc_pcap_flow *f, bool outbound, const uint8_t *bytes, size_t len,
                  const struct timeval *ts)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->lock);
    int rc = write_locked(p, f, outbound, bytes, len, ts);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int mc_pcap_flow_close(mc_pcap *p, mc_pcap_flow *f, const struct timeval *ts)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->lock);
    int rc = flow_close_locked(p, f, ts);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int mc_pcap_write_udp(mc_pcap *p, const struct sockaddr_in *src, const struct sockaddr_in *dst,
                      const uint8_t *payload, size_t len, const struct timeval *ts)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->lock);
    int rc = write_udp_locked(p, src, dst, payload, len, ts);
    pthread_mutex_unlock(&p->lock);
    return rc;
}
