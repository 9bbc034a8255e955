/* What an `iscsi` connection keeps of a peer's PDUs is bounded (mod_iscsi.h): the history keeps
 * its first MC_ISCSI_HISTORY_HEAD and last MC_ISCSI_HISTORY_TAIL PDUs, drops and counts the
 * middle and logs the first drop once; PDUs left unread stop at MC_ISCSI_QUEUE_MAX a connection
 * and MC_ISCSI_QUEUE_BYTES a vector, with errorcode MIRRORCERT BOUND. Boundaries: exactly at each
 * bound, and one past it. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <tcl.h>
#include <unistd.h>

#include "mod_iscsi.h"
#include "tap.h"

/* The data segment of the byte-bound PDUs: the largest the harness accepts before login
 * (MaxRecvDataSegmentLength's default, RFC 7143 13.12). */
#define BIG_DATA MC_ISCSI_DEFAULT_MRDSL
/* Each NOP-In of the peer's numbers its ITT from this, so kept PDUs can be told apart. */
#define FIRST_ITT 1u
#define SCRIPT_LEN 512

static Tcl_Interp *interp;

static int listener(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 4) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &l) < 0)
        return -1;
    *port = ntohs(a.sin_port);
    return s;
}

/* The peer's side of a connection: count NOP-Ins numbered from itt, each with data bytes of
 * data, written from a thread of their own (the harness reads them on the main thread). */
struct burst {
    int fd;
    unsigned count;
    uint32_t itt;
    size_t data;
    int done; /* set by the peer's thread when it has written all it will */
    pthread_t thread;
};

static void *burst_main(void *arg)
{
    struct burst *b = arg;
    uint8_t *data = calloc(1, b->data ? b->data : 1);
    for (unsigned i = 0; data != NULL && i < b->count; i++) {
        mc_pdu p;
        mc_pdu_init(&p, MC_OP_NOP_IN);
        mc_pdu_set(&p, MC_F_FINAL, 1);
        mc_pdu_set(&p, MC_F_ITT, b->itt + i);
        mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
        mc_pdu_set_data(&p, data, b->data);
        uint8_t *w = NULL;
        size_t n = 0;
        char err[128];
        mc_wire_opts o = {0};
        int ok = mc_pdu_encode(&p, &o, &w, &n, err, sizeof err) == 0;
        for (size_t off = 0; ok && off < n;) {
            ssize_t r = write(b->fd, w + off, n - off);
            ok = r > 0;
            off += ok ? (size_t)r : 0;
        }
        free(w);
        mc_pdu_free(&p);
        if (!ok)
            break;
    }
    free(data);
    __atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void burst_start(struct burst *b, int fd, unsigned count, uint32_t itt, size_t data)
{
    b->fd = fd;
    b->count = count;
    b->itt = itt;
    b->data = data;
    b->done = 0;
    if (pthread_create(&b->thread, NULL, burst_main, b) != 0)
        tap_diag("cannot start the peer's thread");
}

static const char *evs(const char *script, int *rc)
{
    int r = Tcl_Eval(interp, script);
    if (rc)
        *rc = r;
    return Tcl_GetStringResult(interp);
}

static long long evi(const char *script)
{
    long long v = -1;
    Tcl_Obj *o = Tcl_NewStringObj(evs(script, NULL), -1);
    Tcl_WideInt w;
    Tcl_IncrRefCount(o);
    if (Tcl_GetWideIntFromObj(NULL, o, &w) == TCL_OK)
        v = (long long)w;
    Tcl_DecrRefCount(o);
    return v;
}

static const char *errcode(void)
{
    Tcl_Obj *o = Tcl_GetVar2Ex(interp, "errorCode", NULL, TCL_GLOBAL_ONLY);
    return o ? Tcl_GetString(o) : "";
}

/* Waits with `iscsi expect ... {opcode 0x3f}` (an opcode no target sends) on the harness's
 * connection var until the peer's thread has written all its PDUs and a wait queues nothing more
 * (what the socket still held is read too), and joins the thread. The peer blocks in write()
 * while the harness does not read, so one wait of a fixed length would deadlock a slow
 * (Valgrind) run; the rounds are bounded so a harness that stops reading fails the test instead
 * of hanging it. Returns the last wait's result, its Tcl code in *rc. */
#define DRAIN_WAIT_MS 1000
#define DRAIN_ROUNDS_MAX 300
static const char *drain(struct burst *b, const char *var, int *rc)
{
    static char last[SCRIPT_LEN];
    char cmd[SCRIPT_LEN], state[SCRIPT_LEN];
    long long queued = -1;
    snprintf(cmd, sizeof cmd, "iscsi expect $%s {opcode 0x3f} -timeout %d", var, DRAIN_WAIT_MS);
    snprintf(state, sizeof state, "dict get [iscsi state $%s] queued", var);
    for (int i = 0; i < DRAIN_ROUNDS_MAX; i++) {
        int was_done = __atomic_load_n(&b->done, __ATOMIC_ACQUIRE);
        snprintf(last, sizeof last, "%s", evs(cmd, rc));
        if (*rc != TCL_ERROR || strncmp(errcode(), "MIRRORCERT TIMEOUT", 18) != 0)
            break;
        long long now = evi(state);
        if (was_done && now == queued)
            break;
        queued = now;
    }
    if (!__atomic_load_n(&b->done, __ATOMIC_ACQUIRE)) {
        tap_diag("the harness stopped reading before the peer wrote all its PDUs");
        shutdown(b->fd, SHUT_RDWR);
    }
    pthread_join(b->thread, NULL);
    return last;
}

/* Connects the harness side as Tcl variable var; returns the peer's descriptor. */
static int connect_as(int ls, int port, const char *var)
{
    char cmd[SCRIPT_LEN];
    int rc;
    snprintf(cmd, sizeof cmd, "set %s [iscsi connect 127.0.0.1 %d -timeout 2000]", var, port);
    const char *r = evs(cmd, &rc);
    tap_is_int(rc, TCL_OK, "connect %s: %s", var, r);
    return accept(ls, NULL, NULL);
}

static void history_bounds(int ls, int port)
{
    const int keep = MC_ISCSI_HISTORY_HEAD + MC_ISCSI_HISTORY_TAIL;
    char cmd[SCRIPT_LEN];
    int fd = connect_as(ls, port, "h");
    struct burst b;
    burst_start(&b, fd, (unsigned)keep + 2, FIRST_ITT, 0);
    snprintf(cmd, sizeof cmd, "for {set i 0} {$i < %d} {incr i} {iscsi recv $h -timeout 2000}", keep);
    int rc;
    const char *r = evs(cmd, &rc);
    tap_is_int(rc, TCL_OK, "the first %d PDUs read: %s", keep, r);
    tap_is_int(evi("llength [iscsi history $h]"), keep, "exactly head + tail PDUs: all kept");
    tap_is_int(evi("dict get [iscsi state $h] history_dropped"), 0, "none dropped");
    tap_is_int(evi("llength $::logged"), 0, "nothing logged");

    evs("iscsi recv $h -timeout 2000", &rc);
    tap_is_int(rc, TCL_OK, "one PDU past the bound read");
    tap_is_int(evi("llength [iscsi history $h]"), keep, "the history stays at head + tail");
    tap_is_int(evi("dict get [iscsi state $h] history_pdus"), keep + 1, "every PDU counted");
    tap_is_int(evi("dict get [iscsi state $h] history_dropped"), 1, "one dropped");
    tap_is_int(evi("dict get [iscsi state $h] history_dropped_bytes"), MC_BHS_LEN, "its bytes counted");
    tap_is_int(evi("dict get [lindex [iscsi history $h] 0] itt"), FIRST_ITT, "the head starts with the first PDU");
    snprintf(cmd, sizeof cmd, "dict get [lindex [iscsi history $h] %d] itt", MC_ISCSI_HISTORY_HEAD - 1);
    tap_is_int(evi(cmd), FIRST_ITT + MC_ISCSI_HISTORY_HEAD - 1, "and ends with PDU %d", MC_ISCSI_HISTORY_HEAD);
    snprintf(cmd, sizeof cmd, "dict get [lindex [iscsi history $h] %d] itt", MC_ISCSI_HISTORY_HEAD);
    tap_is_int(evi(cmd), FIRST_ITT + MC_ISCSI_HISTORY_HEAD + 1, "the oldest of the tail was dropped");
    tap_is_int(evi("dict get [lindex [iscsi history $h] end] itt"), FIRST_ITT + keep, "the newest is kept");
    tap_is_int(evi("llength $::logged"), 1, "the first drop is logged");
    tap_ok(strstr(evs("lindex $::logged 0", NULL), "the middle is dropped") != NULL, "saying so: %s",
           evs("lindex $::logged 0", NULL));

    evs("iscsi recv $h -timeout 2000", &rc);
    tap_is_int(evi("dict get [iscsi state $h] history_dropped"), 2, "the next one drops one more");
    tap_is_int(evi("llength $::logged"), 1, "without logging again");
    pthread_join(b.thread, NULL);
    evs("iscsi close $h", NULL);
    close(fd);
}

static void queue_bounds(int ls, int port)
{
    int rc;
    /* One connection: exactly MC_ISCSI_QUEUE_MAX small PDUs wait; one more is refused. */
    int fd = connect_as(ls, port, "q");
    struct burst b;
    burst_start(&b, fd, MC_ISCSI_QUEUE_MAX, FIRST_ITT, 0);
    drain(&b, "q", &rc);
    tap_is_int(rc, TCL_ERROR, "nothing matches");
    tap_ok(strncmp(errcode(), "MIRRORCERT TIMEOUT", 18) == 0, "at the bound the wait still times out (%s)", errcode());
    tap_is_int(evi("dict get [iscsi state $q] queued"), MC_ISCSI_QUEUE_MAX, "%d PDUs wait", MC_ISCSI_QUEUE_MAX);
    burst_start(&b, fd, 1, FIRST_ITT + MC_ISCSI_QUEUE_MAX, 0);
    const char *r = drain(&b, "q", &rc);
    tap_is_int(rc, TCL_ERROR, "one past the bound fails");
    tap_ok(strncmp(errcode(), "MIRRORCERT BOUND", 16) == 0, "errorcode MIRRORCERT BOUND (%s)", errcode());
    tap_ok(strstr(r, "MC_ISCSI_QUEUE_MAX") != NULL, "naming the bound: %s", r);
    tap_is_int(evi("dict get [iscsi recv $q] itt"), FIRST_ITT, "what waits is still read in order");

    /* 8 KiB PDUs on two more connections: the bytes bound is the vector's, across connections. */
    const size_t each = MC_BHS_LEN + BIG_DATA;
    int fd2 = connect_as(ls, port, "q2");
    burst_start(&b, fd2, MC_ISCSI_QUEUE_MAX, FIRST_ITT, BIG_DATA);
    drain(&b, "q2", &rc);
    tap_ok(rc == TCL_ERROR && strncmp(errcode(), "MIRRORCERT TIMEOUT", 18) == 0, "a second connection holds %d PDUs of %zu bytes (%s)",
           MC_ISCSI_QUEUE_MAX, each, errcode());
    size_t held = (size_t)(MC_ISCSI_QUEUE_MAX - 1) * MC_BHS_LEN + (size_t)MC_ISCSI_QUEUE_MAX * each;
    unsigned fit = (unsigned)((MC_ISCSI_QUEUE_BYTES - held) / each);
    tap_ok(fit < MC_ISCSI_QUEUE_MAX, "on a third, the bytes bound comes before the count (%u PDUs fit)", fit);
    int fd4 = connect_as(ls, port, "q4");
    burst_start(&b, fd4, fit, FIRST_ITT, BIG_DATA);
    drain(&b, "q4", &rc);
    tap_ok(rc == TCL_ERROR && strncmp(errcode(), "MIRRORCERT TIMEOUT", 18) == 0, "exactly %u fit (%s)", fit, errcode());
    tap_is_int(evi("dict get [iscsi state $q4] queued"), fit, "all of them wait");
    burst_start(&b, fd4, 1, FIRST_ITT + fit, BIG_DATA);
    r = drain(&b, "q4", &rc);
    tap_ok(rc == TCL_ERROR && strncmp(errcode(), "MIRRORCERT BOUND", 16) == 0,
           "one more passes the vector's bytes bound: %s", r);
    evs("iscsi close $q4", NULL);
    close(fd4);
    evs("iscsi close $q", NULL);
    evs("iscsi close $q2", NULL);
    close(fd);
    close(fd2);
    /* The closed connections gave their bytes back: a new one queues again. */
    int fd3 = connect_as(ls, port, "q3");
    burst_start(&b, fd3, 2, FIRST_ITT, BIG_DATA);
    drain(&b, "q3", &rc);
    tap_ok(strncmp(errcode(), "MIRRORCERT TIMEOUT", 18) == 0, "after close the bytes are free again (%s)", errcode());
    tap_is_int(evi("dict get [iscsi state $q3] queued"), 2, "two PDUs wait");
    close(fd3);
}

int main(void)
{
    interp = Tcl_CreateInterp();
    tap_ok(mc_mod_iscsi_init(interp) == TCL_OK, "module registers");
    /* The vector's `log`, as the harness aliases it: here it keeps the lines. */
    evs("set ::logged {}; proc log {msg} {lappend ::logged $msg}", NULL);
    int port = 0;
    int ls = listener(&port);
    if (!tap_ok(ls >= 0, "peer listens on loopback"))
        return tap_done();
    history_bounds(ls, port);
    queue_bounds(ls, port);
    Tcl_DeleteInterp(interp);
    close(ls);
    Tcl_Finalize();
    return tap_done();
}
