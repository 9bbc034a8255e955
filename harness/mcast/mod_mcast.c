/* The `mcast` ensemble: group sender/receiver for a target DUT (the harness plays the mirroring
 * initiator), registration keys in both dialects, and the emulated targets for an initiator DUT
 * (mod_mcast_emu.c). No claim logic: vectors decide what a datagram means. */
#include "mod_mcast.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fault_tcl.h"
#include "pdu_tcl.h"

#define ASSOC_KEY "mirrorcert::mcast"
#define RCVBUF_BYTES (4 * 1024 * 1024)   /* room for a burst of group traffic between drains */
#define TTL_DEFAULT 1                    /* the link (§3, PIXIT mcast-ttl) */
#define TTL_MAX 255
#define SEEN_WAIT_MAX_MS 60000

typedef struct mcm_group {
    char name[32];
    int tx, rx;
    struct sockaddr_in dst, src;     /* group address/port; our sending address */
    uint32_t gsn;                    /* next GSN when a send does not name one */
    Tcl_Obj *seen;                   /* decoded datagrams, in arrival order */
    mc_fault_plan fault;
    bool fault_on;
    uint32_t reorder_ppm;
    bool reorder_once;
    uint8_t *held;                   /* a datagram held back to be sent after the next one */
    size_t held_len;
    uint64_t sent, dropped, duplicated, reordered, corrupted;
    mc_pcap *pcap;
} mcm_group;

typedef struct mcm_mod {
    Tcl_HashTable groups;
    unsigned long next_id;
    mcm_emu *emu;
    mc_ladder ladder;   /* group datagrams sent, the emulation's records: `mcast ladder` */
} mcm_mod;

static Tcl_Obj *wide(uint64_t v) { return Tcl_NewWideIntObj((Tcl_WideInt)v); }
static void put(Tcl_Obj *d, const char *k, Tcl_Obj *v) { Tcl_DictObjPut(NULL, d, Tcl_NewStringObj(k, -1), v); }

static void group_free(mcm_group *g)
{
    if (g->tx >= 0)
        close(g->tx);
    if (g->rx >= 0)
        close(g->rx);
    free(g->held);
    if (g->seen)
        Tcl_DecrRefCount(g->seen);
    mc_pcap_unref(g->pcap);
    free(g);
}

static int group_from(Tcl_Interp *interp, mcm_mod *m, Tcl_Obj *o, mcm_group **out)
{
    Tcl_HashEntry *e = Tcl_FindHashEntry(&m->groups, Tcl_GetString(o));
    if (!e)
        return mc_tcl_error(interp, "USAGE", "no mcast group \"%s\"", Tcl_GetString(o));
    *out = Tcl_GetHashValue(e);
    return TCL_OK;
}

static int sock_error(Tcl_Interp *interp, const char *what)
{
    return mc_tcl_error(interp, "USAGE", "mcast: %s: %s", what, strerror(errno));
}

/* mcast group open GROUP PORT ?-if ADDR? ?-ttl N? */
static int group_open(Tcl_Interp *interp, mcm_mod *m, int objc, Tcl_Obj *const objv[])
{
    if (objc < 5 || objc % 2 == 0)
        return mc_tcl_error(interp, "USAGE", "usage: mcast group open GROUP PORT ?-if ADDR? ?-ttl N?");
    struct in_addr grp, ifa;
    int port, ttl = TTL_DEFAULT;
    if (mcm_parse_addr(Tcl_GetString(objv[3]), &grp) != 0 || !IN_MULTICAST(ntohl(grp.s_addr)))
        return mc_tcl_error(interp, "USAGE", "\"%s\" is not an IPv4 multicast address", Tcl_GetString(objv[3]));
    if (Tcl_GetIntFromObj(interp, objv[4], &port) != TCL_OK)
        return TCL_ERROR;
    if (port <= 0 || port > 0xffff)
        return mc_tcl_error(interp, "USAGE", "port %d out of range", port);
    ifa.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 5; i + 1 < objc; i += 2) {
        const char *a = Tcl_GetString(objv[i]);
        if (strcmp(a, "-if") == 0) {
            if (mcm_parse_addr(Tcl_GetString(objv[i + 1]), &ifa) != 0)
                return mc_tcl_error(interp, "USAGE", "bad interface address \"%s\"", Tcl_GetString(objv[i + 1]));
        } else if (strcmp(a, "-ttl") == 0) {
            if (Tcl_GetIntFromObj(interp, objv[i + 1], &ttl) != TCL_OK)
                return TCL_ERROR;
            if (ttl < 0 || ttl > TTL_MAX)
                return mc_tcl_error(interp, "USAGE", "ttl %d out of range", ttl);
        } else {
            return mc_tcl_error(interp, "USAGE", "usage: mcast group open GROUP PORT ?-if ADDR? ?-ttl N?");
        }
    }
    mcm_group *g = calloc(1, sizeof *g);
    if (!g)
        return mc_tcl_error(interp, "USAGE", "out of memory");
    g->tx = g->rx = -1;
    g->gsn = 1;
    mc_fault_init(&g->fault, 0);
    g->dst.sin_family = AF_INET;
    g->dst.sin_addr = grp;
    g->dst.sin_port = htons((uint16_t)port);
    g->src.sin_family = AF_INET;
    g->src.sin_addr = ifa;
    unsigned char loop = 1, cttl = (unsigned char)ttl;
    int one = 1, rcvbuf = RCVBUF_BYTES;
    socklen_t sl = sizeof g->src;
    g->tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (g->tx < 0 || bind(g->tx, (struct sockaddr *)&g->src, sizeof g->src) != 0 ||
        getsockname(g->tx, (struct sockaddr *)&g->src, &sl) != 0 ||
        setsockopt(g->tx, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof ifa) != 0 ||
        setsockopt(g->tx, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) != 0 ||
        setsockopt(g->tx, IPPROTO_IP, IP_MULTICAST_TTL, &cttl, sizeof cttl) != 0) {
        group_free(g);
        return sock_error(interp, "group sender");
    }
    /* The receiver binds the group address (not the wildcard) so it shares the port with the
     * members on this host (§3) and sees only this group. */
    struct ip_mreq mr = {.imr_multiaddr = grp, .imr_interface = ifa};
    g->rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (g->rx < 0 || setsockopt(g->rx, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(g->rx, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0 ||
        bind(g->rx, (struct sockaddr *)&g->dst, sizeof g->dst) != 0 ||
        setsockopt(g->rx, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) {
        group_free(g);
        return sock_error(interp, "group receiver");
    }
    g->seen = Tcl_NewListObj(0, NULL);
    Tcl_IncrRefCount(g->seen);
    g->pcap = mc_capture_for(interp);
    mc_pcap_ref(g->pcap);
    snprintf(g->name, sizeof g->name, "mgroup%lu", ++m->next_id);
    int isnew;
    Tcl_SetHashValue(Tcl_CreateHashEntry(&m->groups, g->name, &isnew), g);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(g->name, -1));
    return TCL_OK;
}

static void record_pcap(mcm_group *g, const struct sockaddr_in *src, const uint8_t *b, size_t n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    mc_pcap_write_udp(g->pcap, src, &g->dst, b, n, &tv);
}

/* Reads every datagram waiting on the receiver; waits up to wait_ms for the first. */
static void drain(mcm_group *g, int wait_ms)
{
    uint8_t *buf = malloc(MCM_DGRAM_MAX + 1);
    if (!buf)
        return;
    struct pollfd pfd = {.fd = g->rx, .events = POLLIN};
    if (wait_ms > 0)
        (void)poll(&pfd, 1, wait_ms);
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(g->rx, buf, MCM_DGRAM_MAX + 1, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            break;
        bool ours = from.sin_addr.s_addr == g->src.sin_addr.s_addr && from.sin_port == g->src.sin_port;
        if (!ours)
            record_pcap(g, &from, buf, (size_t)n);
        mcm_parsed *p = malloc(sizeof *p);
        if (!p)
            break;
        mcm_parse(buf, (size_t)n, p);
        char src[64];
        snprintf(src, sizeof src, "%s:%u", inet_ntoa(from.sin_addr), ntohs(from.sin_port));
        Tcl_Obj *d = mcm_parsed_dict(p, src, mcm_now_s());
        put(d, "ours", Tcl_NewBooleanObj(ours));
        Tcl_ListObjAppendElement(NULL, g->seen, d);
        mcm_parsed_free(p);
        free(p);
    }
    free(buf);
}

static int sendto_group(Tcl_Interp *interp, mcm_group *g, int fd, const uint8_t *b, size_t n)
{
    if (sendto(fd, b, n, 0, (struct sockaddr *)&g->dst, sizeof g->dst) < 0)
        return sock_error(interp, "sendto group");
    g->sent++;
    return TCL_OK;
}

/* Applies the fault plan to one datagram and sends what remains; *kinds says what happened. */
static int send_faulted(Tcl_Interp *interp, mcm_group *g, int fd, const struct sockaddr_in *src,
                        uint8_t *dg, size_t n, const mc_pdu *first, Tcl_Obj *kinds)
{
    unsigned k = 0;
    bool reorder = false;
    if (g->fault_on && fd == g->tx) {
        mc_fault_decision d = mc_fault_decide(&g->fault, first, true, n);
        k = d.kinds;
        /* One extra draw per datagram, taken whatever the outcome, keeps replays exact. */
        uint64_t r = mc_fault_next(&g->fault) % MC_FAULT_PPM;
        if (g->reorder_once && mc_fault_matches(&g->fault, first)) {
            reorder = true;
            g->reorder_once = false;
        } else if (r < g->reorder_ppm && mc_fault_matches(&g->fault, first)) {
            reorder = true;
        }
        if ((k & MC_FAULT_CORRUPT) && n > 0) {
            dg[d.corrupt_at % n] ^= d.corrupt_xor;
            g->corrupted++;
            Tcl_ListObjAppendElement(NULL, kinds, Tcl_NewStringObj("corrupt", -1));
        }
        if (k & MC_FAULT_DROP) {
            g->dropped++;
            Tcl_ListObjAppendElement(NULL, kinds, Tcl_NewStringObj("drop", -1));
            return TCL_OK;
        }
    }
    record_pcap(g, src, dg, n);
    if (reorder && !g->held) {
        g->held = malloc(n);
        if (!g->held)
            return mc_tcl_error(interp, "USAGE", "out of memory");
        memcpy(g->held, dg, n);
        g->held_len = n;
        g->reordered++;
        Tcl_ListObjAppendElement(NULL, kinds, Tcl_NewStringObj("reorder", -1));
        return TCL_OK;
    }
    if (sendto_group(interp, g, fd, dg, n) != TCL_OK)
        return TCL_ERROR;
    if (k & MC_FAULT_DUP) {
        g->duplicated++;
        Tcl_ListObjAppendElement(NULL, kinds, Tcl_NewStringObj("dup", -1));
        if (sendto_group(interp, g, fd, dg, n) != TCL_OK)
            return TCL_ERROR;
    }
    if (g->held && fd == g->tx) {
        uint8_t *h = g->held;
        size_t hl = g->held_len;
        g->held = NULL;
        int rc = sendto_group(interp, g, fd, h, hl);
        free(h);
        return rc;
    }
    return TCL_OK;
}

/* A socket sending from another source address (rule 3 of §8: spoofed or foreign senders). */
static int foreign_sender(Tcl_Interp *interp, mcm_group *g, const char *addr, struct sockaddr_in *src)
{
    memset(src, 0, sizeof *src);
    src->sin_family = AF_INET;
    if (mcm_parse_addr(addr, &src->sin_addr) != 0) {
        mc_tcl_error(interp, "USAGE", "bad -from address \"%s\"", addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    unsigned char loop = 1;
    socklen_t sl = sizeof *src;
    struct in_addr ifa = g->src.sin_addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)src, sizeof *src) != 0 ||
        getsockname(fd, (struct sockaddr *)src, &sl) != 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof ifa) != 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) != 0) {
        sock_error(interp, "foreign sender");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* mcast send G ISID {PDU ...} ?-gsn N? ?-magic N? ?-version N? ?-reserved N? ?-pdu-count N?
 *   ?-payload-length N? ?-crc N|bad? ?-truncate N? ?-trailing N? ?-from ADDR? */
static int cmd_send(Tcl_Interp *interp, mcm_mod *m, int objc, Tcl_Obj *const objv[])
{
    if (objc < 5 || objc % 2 == 0)
        return mc_tcl_error(interp, "USAGE", "usage: mcast send G ISID {PDU ...} ?-gsn N? ?-magic N? ?-version N? "
                                 "?-reserved N? ?-pdu-count N? ?-payload-length N? ?-crc N|bad? "
                                 "?-truncate N? ?-trailing N? ?-from ADDR?");
    mcm_group *g;
    if (group_from(interp, m, objv[2], &g) != TCL_OK)
        return TCL_ERROR;
    Tcl_WideInt isid;
    if (Tcl_GetWideIntFromObj(interp, objv[3], &isid) != TCL_OK)
        return TCL_ERROR;
    int npdu;
    Tcl_Obj **specs;
    if (Tcl_ListObjGetElements(interp, objv[4], &npdu, &specs) != TCL_OK)
        return TCL_ERROR;
    if (npdu < 1 || (size_t)npdu > MCM_PDUS_MAX)
        return mc_tcl_error(interp, "USAGE", "a datagram holds 1..%u PDUs, not %d", MCM_PDUS_MAX, npdu);
    mcm_hdr h = {.magic = MCM_MAGIC, .version = MCM_VERSION, .isid = (uint64_t)isid & MCM_ISID_MASK,
                 .pdu_count = (uint16_t)npdu, .gsn = g->gsn};
    bool gsn_given = false, plen_given = false, crc_given = false, crc_bad = false;
    Tcl_WideInt truncate_to = -1, trailing = 0;
    const char *from = NULL;
    for (int i = 5; i + 1 < objc; i += 2) {
        const char *a = Tcl_GetString(objv[i]);
        Tcl_WideInt v = 0;
        if (strcmp(a, "-from") == 0) {
            from = Tcl_GetString(objv[i + 1]);
            continue;
        }
        if (strcmp(a, "-crc") == 0 && strcmp(Tcl_GetString(objv[i + 1]), "bad") == 0) {
            crc_bad = true;
            continue;
        }
        if (Tcl_GetWideIntFromObj(interp, objv[i + 1], &v) != TCL_OK)
            return TCL_ERROR;
        if (strcmp(a, "-gsn") == 0) {
            h.gsn = (uint32_t)v;
            gsn_given = true;
        } else if (strcmp(a, "-magic") == 0) {
            h.magic = (uint16_t)v;
        } else if (strcmp(a, "-version") == 0) {
            h.version = (uint8_t)v;
        } else if (strcmp(a, "-reserved") == 0) {
            h.reserved = (uint8_t)v;
        } else if (strcmp(a, "-pdu-count") == 0) {
            h.pdu_count = (uint16_t)v;
        } else if (strcmp(a, "-payload-length") == 0) {
            h.payload_length = (uint32_t)v;
            plen_given = true;
        } else if (strcmp(a, "-crc") == 0) {
            h.crc = (uint32_t)v;
            crc_given = true;
        } else if (strcmp(a, "-truncate") == 0) {
            truncate_to = v;
        } else if (strcmp(a, "-trailing") == 0) {
            if (v < 0 || v > MC_BHS_LEN)
                return mc_tcl_error(interp, "USAGE", "-trailing takes 0..%u bytes", MC_BHS_LEN);
            trailing = v;
        } else {
            return mc_tcl_error(interp, "USAGE", "unknown mcast send option %s", a);
        }
    }
    uint8_t *dg = malloc(MCM_DGRAM_MAX);
    mc_pdu first;
    mc_pdu_init(&first, MC_OP_NOP_OUT);
    if (!dg)
        return mc_tcl_error(interp, "USAGE", "out of memory");
    size_t len = MCM_HDR_LEN;
    int rc = TCL_ERROR;
    Tcl_Obj *res = Tcl_NewDictObj(), *kinds = Tcl_NewListObj(0, NULL);
    Tcl_IncrRefCount(res);
    for (int i = 0; i < npdu; i++) {
        mc_pdu p;
        bool keep;
        if (mcm_pdu_from_list(interp, specs[i], &p, &keep) != TCL_OK)
            goto out;
        mc_wire_opts o = {.keep_lengths = keep};   /* group PDUs carry no digests (§3) */
        uint8_t *w;
        size_t wl;
        char err[256];
        int erc = mc_pdu_encode(&p, &o, &w, &wl, err, sizeof err);
        if (erc == 0 && wl > MCM_DGRAM_MAX - len) {
            free(w);
            erc = -1;
            snprintf(err, sizeof err, "PDUs exceed the largest UDP datagram (%u bytes)", MCM_DGRAM_MAX);
        }
        if (erc != 0) {
            mc_pdu_free(&p);
            mc_tcl_error(interp, "USAGE", "PDU %d: %s", i, err);
            goto out;
        }
        memcpy(dg + len, w, wl);
        len += wl;
        free(w);
        if (i == 0) {
            mc_pdu_free(&first);
            first = p;
        } else {
            mc_pdu_free(&p);
        }
    }
    if (len + (size_t)trailing > MCM_DGRAM_MAX) {
        mc_tcl_error(interp, "USAGE", "datagram too long");
        goto out;
    }
    memset(dg + len, 0, (size_t)trailing);
    len += (size_t)trailing;
    if (!plen_given)
        h.payload_length = (uint32_t)(len - MCM_HDR_LEN);
    mcm_put_hdr(dg, &h);
    uint32_t crc = mcm_crc(dg, len);
    h.crc = crc_given ? h.crc : crc_bad ? ~crc : crc;
    mcm_put_hdr(dg, &h);
    if (truncate_to >= 0 && (size_t)truncate_to < len)
        len = (size_t)truncate_to;
    if (!gsn_given)
        g->gsn++;
    int fd = g->tx;
    struct sockaddr_in src = g->src;
    if (from && (fd = foreign_sender(interp, g, from, &src)) < 0)
        goto out;
    rc = send_faulted(interp, g, fd, &src, dg, len, &first, kinds);
    if (fd != g->tx)
        close(fd);
    if (rc != TCL_OK)
        goto out;
    mcm_ladder_add_dgram(&m->ladder, mc_ladder_now_us(), "out", dg, len);
    put(res, "gsn", wide(h.gsn));
    put(res, "length", wide(len));
    put(res, "crc32c", wide(h.crc));
    put(res, "faults", kinds);
    put(res, "src", Tcl_ObjPrintf("%s:%u", inet_ntoa(src.sin_addr), ntohs(src.sin_port)));
    Tcl_SetObjResult(interp, res);
out:
    Tcl_DecrRefCount(res);
    mc_pdu_free(&first);
    free(dg);
    return rc;
}

/* mcast seen G ?-wait MS? ?-clear 1?: every datagram seen on the group so far. */
static int cmd_seen(Tcl_Interp *interp, mcm_mod *m, int objc, Tcl_Obj *const objv[])
{
    if (objc < 3 || objc % 2 == 0)
        return mc_tcl_error(interp, "USAGE", "usage: mcast seen G ?-wait MS? ?-clear 0|1?");
    mcm_group *g;
    if (group_from(interp, m, objv[2], &g) != TCL_OK)
        return TCL_ERROR;
    int wait = 0, clear = 0;
    for (int i = 3; i + 1 < objc; i += 2) {
        const char *a = Tcl_GetString(objv[i]);
        if (strcmp(a, "-wait") == 0) {
            if (Tcl_GetIntFromObj(interp, objv[i + 1], &wait) != TCL_OK)
                return TCL_ERROR;
            if (wait < 0 || wait > SEEN_WAIT_MAX_MS)
                return mc_tcl_error(interp, "USAGE", "-wait %d out of range 0..%d", wait, SEEN_WAIT_MAX_MS);
        } else if (strcmp(a, "-clear") == 0) {
            if (Tcl_GetBooleanFromObj(interp, objv[i + 1], &clear) != TCL_OK)
                return TCL_ERROR;
        } else {
            return mc_tcl_error(interp, "USAGE", "unknown mcast seen option %s", a);
        }
    }
    drain(g, wait);
    Tcl_SetObjResult(interp, g->seen);
    if (clear) {
        Tcl_DecrRefCount(g->seen);
        g->seen = Tcl_NewListObj(0, NULL);
        Tcl_IncrRefCount(g->seen);
    }
    return TCL_OK;
}

static int cmd_fault(Tcl_Interp *interp, mcm_mod *m, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "usage: mcast fault G ?-seed N? ?-drop P? ?-dup P? ?-reorder P? ?-corrupt P? "
                              "?-once drop|dup|reorder|corrupt? ?-match {field value ...}? ?-off?";
    if (objc < 3)
        return mc_tcl_error(interp, "USAGE", use);
    mcm_group *g;
    if (group_from(interp, m, objv[2], &g) != TCL_OK)
        return TCL_ERROR;
    for (int i = 3; i < objc; i++) {
        const char *a = Tcl_GetString(objv[i]);
        if (strcmp(a, "-off") == 0) {
            g->fault_on = false;
            if (g->held) {
                /* A datagram held back for reordering goes out now rather than never. */
                int rc = sendto_group(interp, g, g->tx, g->held, g->held_len);
                free(g->held);
                g->held = NULL;
                if (rc != TCL_OK)
                    return rc;
            }
            continue;
        }
        if (i + 1 >= objc)
            return mc_tcl_error(interp, "USAGE", use);
        Tcl_Obj *v = objv[++i];
        bool shared;
        if (mc_fault_tcl_option(interp, &g->fault, a, v, &shared) != TCL_OK)
            return TCL_ERROR;
        if (shared) {
            /* -seed, -drop, -dup, -corrupt and -match were set by fault_tcl.c */
        } else if (strcmp(a, "-reorder") == 0) {
            if (mc_fault_tcl_ppm(interp, a, v, &g->reorder_ppm) != TCL_OK)
                return TCL_ERROR;
        } else if (strcmp(a, "-once") == 0) {
            static const char *const kinds[] = {"drop", "dup", "corrupt", "reorder", NULL};
            int k;
            if (Tcl_GetIndexFromObj(interp, v, kinds, "fault", 0, &k) != TCL_OK)
                return TCL_ERROR;
            if (k == 3)
                g->reorder_once = true;
            else
                g->fault.once = k == 0 ? MC_FAULT_DROP : k == 1 ? MC_FAULT_DUP : MC_FAULT_CORRUPT;
        } else {
            return mc_tcl_error(interp, "USAGE", use);
        }
        g->fault_on = true;
    }
    Tcl_Obj *d = Tcl_NewDictObj();
    put(d, "active", Tcl_NewBooleanObj(g->fault_on));
    put(d, "sent", wide(g->sent));
    put(d, "dropped", wide(g->dropped));
    put(d, "duplicated", wide(g->duplicated));
    put(d, "reordered", wide(g->reordered));
    put(d, "corrupted", wide(g->corrupted));
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}

/* mcast keys register|terminate|counters ?-group A? ?-port P? -vlun V -map {REAL ...}
 *   ?-dialect standard|literal? ?-burst B? ?-tasks N? ?-timeout MS? ?-next-gsn N? ?-spaces 1?
 * The key list for `iscsi text` (§4.2, §4.3). -map lists real LUNs; without -vlun its last item
 * is the vLUN, as in the spec's lun_map=(1,5). */
static int cmd_keys(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "usage: mcast keys register|terminate|counters ?-group A? ?-port P? ?-vlun V? "
                              "?-map {REAL ...}? ?-dialect standard|literal? ?-burst B? ?-tasks N? "
                              "?-timeout MS? ?-next-gsn N? ?-spaces 0|1?";
    if (objc < 3 || objc % 2 == 0)
        return mc_tcl_error(interp, "USAGE", use);
    const char *what = Tcl_GetString(objv[2]);
    bool reg = strcmp(what, "register") == 0, term = strcmp(what, "terminate") == 0;
    if (strcmp(what, "counters") == 0) {
        Tcl_Obj *l = Tcl_NewListObj(0, NULL);
        Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj("X-org.mirrorcert.MirrorCounters", -1));
        Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj("Query", -1));
        Tcl_SetObjResult(interp, l);
        return TCL_OK;
    }
    if (!reg && !term)
        return mc_tcl_error(interp, "USAGE", use);
    Tcl_Obj *group = NULL, *port = NULL, *vlun = NULL, *map = NULL, *burst = NULL, *tasks = NULL,
            *timeout = NULL, *next = NULL;
    bool literal = false;
    int spaces = 0;
    for (int i = 3; i + 1 < objc; i += 2) {
        const char *a = Tcl_GetString(objv[i]);
        Tcl_Obj *v = objv[i + 1];
        if (strcmp(a, "-group") == 0) group = v;
        else if (strcmp(a, "-port") == 0) port = v;
        else if (strcmp(a, "-vlun") == 0) vlun = v;
        else if (strcmp(a, "-map") == 0) map = v;
        else if (strcmp(a, "-burst") == 0) burst = v;
        else if (strcmp(a, "-tasks") == 0) tasks = v;
        else if (strcmp(a, "-timeout") == 0) timeout = v;
        else if (strcmp(a, "-next-gsn") == 0) next = v;
        else if (strcmp(a, "-spaces") == 0) {
            if (Tcl_GetBooleanFromObj(interp, v, &spaces) != TCL_OK)
                return TCL_ERROR;
        } else if (strcmp(a, "-dialect") == 0) {
            const char *d = Tcl_GetString(v);
            if (strcmp(d, "literal") == 0)
                literal = true;
            else if (strcmp(d, "standard") != 0)
                return mc_tcl_error(interp, "USAGE", "dialect is standard or literal, not \"%s\"", d);
        } else {
            return mc_tcl_error(interp, "USAGE", use);
        }
    }
    int nmap = 0;
    Tcl_Obj **reals = NULL;
    if (map && Tcl_ListObjGetElements(interp, map, &nmap, &reals) != TCL_OK)
        return TCL_ERROR;
    if (!vlun && nmap >= 2) {
        vlun = reals[nmap - 1];
        nmap--;
    }
    if (!vlun)
        return mc_tcl_error(interp, "USAGE", "mcast keys: -vlun (or a -map ending with the vLUN) is required");
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
#define KV(k, v) do { Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj(k, -1)); \
                      Tcl_ListObjAppendElement(NULL, l, (v)); } while (0)
    if (literal) {
        /* The spec's example keys; -spaces adds its "key = value" spacing. */
        const char *sp = spaces ? " " : "";
        if (reg) {
            Tcl_Obj *m = Tcl_NewStringObj("(", -1);
            for (int i = 0; i < nmap; i++)
                Tcl_AppendPrintfToObj(m, "%s,", Tcl_GetString(reals[i]));
            Tcl_AppendPrintfToObj(m, "%s)", Tcl_GetString(vlun));
            KV("Command", Tcl_NewStringObj("register", -1));
            if (group)
                KV(spaces ? "multicast_group_ip " : "multicast_group_ip", Tcl_ObjPrintf("%s%s", sp, Tcl_GetString(group)));
            KV("lun_map", m);
        } else {
            KV("command", Tcl_NewStringObj("terminate", -1));
            KV("virtual_lun", vlun);
            if (group)
                KV("multicast_group_ip", group);
        }
    } else {
        KV("X-org.mirrorcert.MirrorCommand", Tcl_NewStringObj(reg ? "register" : "terminate", -1));
        if (group)
            KV("X-org.mirrorcert.MulticastGroup", group);
        if (port)
            KV("X-org.mirrorcert.MulticastPort", port);
        KV("X-org.mirrorcert.VirtualLUN", vlun);
        if (reg) {
            Tcl_Obj *m = Tcl_NewObj();
            for (int i = 0; i < nmap; i++)
                Tcl_AppendPrintfToObj(m, "%s%s:%s", i ? "," : "", Tcl_GetString(reals[i]), Tcl_GetString(vlun));
            KV("X-org.mirrorcert.LunMap", m);
            if (burst)
                KV("X-org.mirrorcert.GroupBurst", burst);
            if (tasks)
                KV("X-org.mirrorcert.GroupTasks", tasks);
            if (timeout)
                KV("X-org.mirrorcert.DataTimeout", timeout);
            if (next)
                KV("X-org.mirrorcert.NextGSN", next);
        }
    }
#undef KV
    Tcl_SetObjResult(interp, l);
    return TCL_OK;
}

/* mcast decode BYTES: a datagram's dict, for vectors that build or capture raw bytes. */
static int cmd_decode(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 3)
        return mc_tcl_error(interp, "USAGE", "usage: mcast decode BYTES");
    int n;
    const unsigned char *b = Tcl_GetByteArrayFromObj(objv[2], &n);
    mcm_parsed *p = malloc(sizeof *p);
    if (!p)
        return mc_tcl_error(interp, "USAGE", "out of memory");
    mcm_parse(b, (size_t)n, p);
    Tcl_SetObjResult(interp, mcm_parsed_dict(p, "", 0.0));
    mcm_parsed_free(p);
    free(p);
    return TCL_OK;
}

static int group_cmd(Tcl_Interp *interp, mcm_mod *m, int objc, Tcl_Obj *const objv[])
{
    const char *w = objc >= 3 ? Tcl_GetString(objv[2]) : "";
    if (strcmp(w, "open") == 0)
        return group_open(interp, m, objc, objv);
    if (strcmp(w, "close") == 0 && objc == 4) {
        Tcl_HashEntry *e = Tcl_FindHashEntry(&m->groups, Tcl_GetString(objv[3]));
        if (e) {
            group_free(Tcl_GetHashValue(e));
            Tcl_DeleteHashEntry(e);
        }
        return TCL_OK;
    }
    if (strcmp(w, "info") == 0 && objc == 4) {
        mcm_group *g;
        if (group_from(interp, m, objv[3], &g) != TCL_OK)
            return TCL_ERROR;
        Tcl_Obj *d = Tcl_NewDictObj();
        put(d, "group", Tcl_NewStringObj(inet_ntoa(g->dst.sin_addr), -1));
        put(d, "port", wide(ntohs(g->dst.sin_port)));
        put(d, "src", Tcl_ObjPrintf("%s:%u", inet_ntoa(g->src.sin_addr), ntohs(g->src.sin_port)));
        put(d, "next_gsn", wide(g->gsn));
        Tcl_SetObjResult(interp, d);
        return TCL_OK;
    }
    return mc_tcl_error(interp, "USAGE", "usage: mcast group open GROUP PORT ?-if ADDR? ?-ttl N? | close G | info G");
}

static int mcast_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    mcm_mod *m = cd;
    static const char *const subs[] = {"group", "send", "seen", "fault", "keys", "decode", "emulate", "ladder", NULL};
    enum { GROUP, SEND, SEEN, FAULT, KEYS, DECODE, EMULATE, LADDER };
    int sub;
    if (objc < 2)
        return mc_tcl_error(interp, "USAGE", "usage: mcast group|send|seen|fault|keys|decode|emulate|ladder ...");
    if (Tcl_GetIndexFromObj(interp, objv[1], subs, "subcommand", 0, &sub) != TCL_OK)
        return TCL_ERROR;
    switch (sub) {
    case GROUP: return group_cmd(interp, m, objc, objv);
    case SEND: return cmd_send(interp, m, objc, objv);
    case SEEN: return cmd_seen(interp, m, objc, objv);
    case FAULT: return cmd_fault(interp, m, objc, objv);
    case KEYS: return cmd_keys(interp, objc, objv);
    case DECODE: return cmd_decode(interp, objc, objv);
    case LADDER:
        /* mcast ladder: the vector's group datagrams and emulated targets' PDUs (ladder.h). */
        mcm_emu_to_ladder(m->emu, &m->ladder);
        Tcl_SetObjResult(interp, mc_ladder_obj(&m->ladder));
        return TCL_OK;
    default:
        /* The emulation's records join the ladder before it stops and they go. */
        if (objc >= 3 && strcmp(Tcl_GetString(objv[2]), "stop") == 0)
            mcm_emu_to_ladder(m->emu, &m->ladder);
        return mcm_emu_cmd(interp, &m->emu, objc, objv);
    }
}

static void mod_free(ClientData cd, Tcl_Interp *interp)
{
    (void)interp;
    mcm_mod *m = cd;
    Tcl_HashSearch s;
    for (Tcl_HashEntry *e = Tcl_FirstHashEntry(&m->groups, &s); e; e = Tcl_NextHashEntry(&s))
        group_free(Tcl_GetHashValue(e));
    Tcl_DeleteHashTable(&m->groups);
    mcm_emu_free(m->emu);
    mc_ladder_free(&m->ladder);
    free(m);
}

int mc_mod_mcast_init(Tcl_Interp *interp)
{
    if (Tcl_GetAssocData(interp, ASSOC_KEY, NULL))
        return TCL_OK;
    mcm_mod *m = calloc(1, sizeof *m);
    if (!m)
        return mc_tcl_error(interp, "USAGE", "out of memory");
    Tcl_InitHashTable(&m->groups, TCL_STRING_KEYS);
    Tcl_SetAssocData(interp, ASSOC_KEY, mod_free, m);
    Tcl_CreateObjCommand(interp, "mcast", mcast_cmd, m, NULL);
    return TCL_OK;
}
