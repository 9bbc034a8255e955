/* A pcap file of the harness's iSCSI traffic: each PDU becomes TCP payload inside synthesised
 * Ethernet/IPv4/TCP headers carrying the real endpoint addresses, so Wireshark dissects it. An
 * iSCSI flow is framed on the iSCSI port (mc_pcap_flow_frame_port) whatever port the device
 * listens on, so Wireshark dissects it with no decode-as; the real port is in the run's report. */
#ifndef MC_PCAP_WRITER_H
#define MC_PCAP_WRITER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* Every call may come from any thread: the file is written one frame sequence at a time; a flow
 * is its caller's and must not be written from two threads at once. */
typedef struct mc_pcap mc_pcap;

/* One TCP connection as written to the file: endpoints and each direction's next sequence number. */
typedef struct mc_pcap_flow {
    struct sockaddr_in initiator;
    struct sockaddr_in target;
    struct sockaddr_in framed_target;  /* the target as the frames show it */
    uint32_t seq_out;   /* initiator -> target */
    uint32_t seq_in;    /* target -> initiator */
    bool opened;        /* handshake written */
} mc_pcap_flow;

/* Creates (truncates) path; NULL with a message in err on failure. */
mc_pcap *mc_pcap_open(const char *path, char *err, size_t errlen);
/* Shared ownership: connections hold a reference so the file outlives whoever closes it first. */
void mc_pcap_ref(mc_pcap *p);
void mc_pcap_unref(mc_pcap *p);

/* Sets up a flow's endpoints and initial sequence numbers (derived from the ports, so reruns
 * produce identical files). */
void mc_pcap_flow_init(mc_pcap_flow *f, const struct sockaddr_in *initiator,
                       const struct sockaddr_in *target);
/* Frames the flow's target side on port (host order) from now on; its real endpoint is kept. */
void mc_pcap_flow_frame_port(mc_pcap_flow *f, uint16_t port);
/* Writes bytes sent in one direction (outbound = initiator to target) as one or more segments;
 * the three-way handshake is written before the first payload. Returns 0 or -1 on write error. */
int mc_pcap_write(mc_pcap *p, mc_pcap_flow *f, bool outbound, const uint8_t *bytes, size_t len,
                  const struct timeval *ts);
/* Writes FIN segments for both directions. */
int mc_pcap_flow_close(mc_pcap *p, mc_pcap_flow *f, const struct timeval *ts);
/* Writes one UDP datagram (group traffic of multicast mirroring) from src to dst; a multicast
 * destination gets its group MAC address. Returns 0 or -1 on write error. */
int mc_pcap_write_udp(mc_pcap *p, const struct sockaddr_in *src, const struct sockaddr_in *dst,
                      const uint8_t *payload, size_t len, const struct timeval *ts);
/* Frames written so far (for reports and tests). */
uint64_t mc_pcap_frames(mc_pcap *p);

#endif
