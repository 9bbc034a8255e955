/* The pcap writer: a file written through it reads back with libpcap as Ethernet/IPv4/TCP frames
 * whose lengths, checksums, sequence numbers and payloads are consistent per direction. */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcap_writer.h"
#include "tap.h"

#define ETH 14u
#define IP 20u
#define TCP 20u
#define BIG 100000u        /* more than one IPv4 datagram can carry: split into two segments */
#define SEG_MAX (0xffffu - IP - TCP)

static uint32_t get32(const uint8_t *b) { return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }
static uint16_t get16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }

static uint16_t csum(const uint8_t *b, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)b[i] << 8 | b[i + 1];
    if (n & 1u)
        sum += (uint32_t)b[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint16_t tcp_csum(const uint8_t *ip, const uint8_t *tcp, size_t tcplen)
{
    uint8_t ph[12];
    memcpy(ph, ip + 12, 8);
    ph[8] = 0;
    ph[9] = 6;
    ph[10] = (uint8_t)(tcplen >> 8);
    ph[11] = (uint8_t)tcplen;
    uint32_t s = 0;
    for (size_t i = 0; i < sizeof ph; i += 2)
        s += (uint32_t)ph[i] << 8 | ph[i + 1];
    return csum(tcp, tcplen, s);
}

int main(void)
{
    char path[] = "/tmp/mc_test_pcap_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);

    char err[256];
    mc_pcap *p = mc_pcap_open(path, err, sizeof err);
    tap_ok(p != NULL, "open %s", p ? path : err);
    if (!p)
        return tap_done();
    tap_ok(mc_pcap_open("/nonexistent-dir/x.pcap", err, sizeof err) == NULL && err[0], "unwritable path fails with a message");

    struct sockaddr_in ini = {.sin_family = AF_INET, .sin_port = htons(40000)};
    struct sockaddr_in tgt = {.sin_family = AF_INET, .sin_port = htons(3260)};
    inet_pton(AF_INET, "127.0.0.1", &ini.sin_addr);
    inet_pton(AF_INET, "127.0.0.2", &tgt.sin_addr);
    mc_pcap_flow f;
    mc_pcap_flow_init(&f, &ini, &tgt);
    uint32_t isn_out = f.seq_out, isn_in = f.seq_in;
    struct timeval tv = {.tv_sec = 1700000000, .tv_usec = 5};

    uint8_t a[48], b[60];
    uint8_t *big = malloc(BIG);
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(0xa0 + i);
    for (size_t i = 0; i < BIG; i++)
        big[i] = (uint8_t)(i * 7u);
    tap_ok(mc_pcap_write(p, &f, true, a, sizeof a, &tv) == 0, "write outbound PDU");
    tap_ok(mc_pcap_write(p, &f, false, b, sizeof b, &tv) == 0, "write inbound PDU");
    tap_ok(mc_pcap_write(p, &f, true, big, BIG, &tv) == 0, "write a PDU larger than one segment");
    tap_ok(mc_pcap_flow_close(p, &f, &tv) == 0, "close flow");
    /* 3 handshake + 1 + 1 + 2 segments + 2 FIN */
    tap_is_int((long long)mc_pcap_frames(p), 9, "frame count");
    mc_pcap_unref(p);

    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *r = pcap_open_offline(path, perr);
    tap_ok(r != NULL, "pcap_open_offline reads the file back");
    if (!r) {
        free(big);
        unlink(path);
        return tap_done();
    }
    tap_is_int(pcap_datalink(r), DLT_EN10MB, "link type Ethernet");
    struct pcap_pkthdr *h;
    const u_char *d;
    int n = 0, csum_ok = 1, len_ok = 1;
    uint32_t next_out = isn_out, next_in = isn_in;
    int seq_ok = 1;
    size_t out_payload = 0, in_payload = 0;
    uint8_t *outbuf = malloc(sizeof a + BIG), *inbuf = malloc(sizeof b);
    uint8_t flags[16] = {0};
    while (pcap_next_ex(r, &h, &d) == 1) {
        const uint8_t *ip = d + ETH, *tcp = ip + IP;
        size_t payload = h->caplen - ETH - IP - TCP;
        if (h->caplen != h->len || get16(d + 12) != 0x0800 || get16(ip + 2) != h->caplen - ETH)
            len_ok = 0;
        if (csum(ip, IP, 0) != 0 || tcp_csum(ip, tcp, TCP + payload) != 0)
            csum_ok = 0;
        int outbound = get16(tcp) == 40000;
        uint32_t seq = get32(tcp + 4);
        if (n < 16)
            flags[n] = tcp[13];
        if (n > 1) {  /* after the SYNs each segment starts where the last one of its direction ended */
            if (seq != (outbound ? next_out : next_in))
                seq_ok = 0;
        }
        uint32_t adv = (uint32_t)payload + ((tcp[13] & 0x03u) ? 1u : 0u);  /* SYN and FIN count one */
        if (outbound) {
            next_out = seq + adv;
            if (payload && out_payload + payload <= sizeof a + BIG) {
                memcpy(outbuf + out_payload, tcp + TCP, payload);
                out_payload += payload;
            }
        } else {
            next_in = seq + adv;
            if (payload && in_payload + payload <= sizeof b) {
                memcpy(inbuf + in_payload, tcp + TCP, payload);
                in_payload += payload;
            }
        }
        if (payload > SEG_MAX)
            len_ok = 0;
        n++;
    }
    pcap_close(r);
    tap_is_int(n, 9, "frames read back");
    tap_ok(len_ok, "Ethernet type, IPv4 total length and caplen agree, segments fit IPv4");
    tap_ok(csum_ok, "IPv4 and TCP checksums verify");
    tap_ok(seq_ok, "sequence numbers continue per direction");
    tap_is_int(flags[0], 0x02, "first frame is SYN");
    tap_is_int(flags[1], 0x12, "second frame is SYN-ACK");
    tap_is_int(flags[7] & 0x01, 1, "FIN at the end");
    tap_is_int((long long)out_payload, (long long)(sizeof a + BIG), "outbound payload length");
    tap_is_int((long long)in_payload, (long long)sizeof b, "inbound payload length");
    tap_ok(out_payload == sizeof a + BIG && memcmp(outbuf, a, sizeof a) == 0 &&
               memcmp(outbuf + sizeof a, big, BIG) == 0, "outbound bytes round-trip");
    tap_is_mem(inbuf, b, sizeof b, "inbound bytes round-trip");
    free(outbuf);
    free(inbuf);
    free(big);
    unlink(path);
    return tap_done();
}
