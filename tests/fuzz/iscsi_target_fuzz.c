/* Fuzz target of the reference iSCSI target's connection handling (reference/iscsi/target): the
 * input is what one initiator sends on one connection, handed to a target in this process through
 * a socketpair (mc_target_adopt). The first input byte picks how the stream is cut into writes,
 * so PDUs arrive split anywhere; the rest is the byte stream: a login, then whatever follows. The
 * target's answers are read and dropped. When the stream ends the connection must close and its
 * session go, within a bounded number of event-loop rounds; a target that keeps it open, or
 * keeps a session without a connection, traps. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_trap.h"
#include "target.h"

#define FUZZ_IQN "iqn.2026-11.org.mirrorcert:fuzz"
#define FUZZ_LUN 1u
#define FUZZ_LUN_SIZE (1u << 20)   /* 1 MiB: room for every seed's I/O, quick to allocate */
#define ROUNDS_BASE 64u            /* event-loop rounds allowed beyond one per write (our choice:
                                      every write is taken within a round or two; a target that
                                      needs more is stuck) */
#define DRAIN_LEN 65536u
#define LOG_EVERY_PDU 2            /* mc_target_config.log_level */
#define ERR_LEN 256u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes of these sizes: whole segments at once, a BHS at a time, odd sizes that split PDUs. */
static const size_t chunks[] = {65536u, 48u, 1000u, 4096u, 7u};
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

static mc_target *target;
static uint8_t drain_buf[DRAIN_LEN];

/* MC_FUZZ_TARGET_LOG set: the target logs every PDU on stderr (to see what a replayed input does). */
static void start_target(void)
{
    bool verbose = getenv("MC_FUZZ_TARGET_LOG") != NULL;
    FILE *log = verbose ? stderr : fopen("/dev/null", "w");
    mc_target_config cfg = {.host = "127.0.0.1", .iqn = FUZZ_IQN, .nluns = 1, .lun_size = FUZZ_LUN_SIZE,
                            .log = log, .log_level = verbose ? LOG_EVERY_PDU : 0};
    cfg.luns[0] = (mc_target_lun_spec){.lun = FUZZ_LUN, .path = "mem"};
    char err[ERR_LEN];
    if (!log || mc_target_new(&target, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "iscsi_target_fuzz: the target does not start: %s\n", log ? err : "no /dev/null");
        abort();
    }
}

static void drain(int fd)
{
    while (read(fd, drain_buf, sizeof(drain_buf)) > 0) {
    }
}

static void round_once(void)
{
    char err[ERR_LEN];
    if (mc_target_run_once(target, 0, err, sizeof(err)) != 0)
        FUZZ_TRAP();   /* a peer's bytes never fail the target itself */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!target)
        start_target();
    size_t chunk = chunks[data[0] % NCHUNKS];
    const uint8_t *s = data + 1;
    size_t n = size - 1, off = 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    if (mc_target_adopt(target, sv[0], "fuzz") != 0)
        FUZZ_TRAP();   /* the only connection is never over the bound */
    size_t rounds = ROUNDS_BASE + 2 * (n / chunk + 1), r = 0;
    bool shut = false;
    for (; r < rounds && mc_target_conn_count(target) > 0; r++) {
        if (off < n) {   /* one write a round, so PDUs are cut where the chunk says */
            size_t want = n - off < chunk ? n - off : chunk;
            ssize_t w = write(sv[1], s + off, want);
            if (w > 0)
                off += (size_t)w;   /* else the target reads no faster: its turn */
        }
        if (off == n && !shut) {
            shutdown(sv[1], SHUT_WR);
            shut = true;
        }
        round_once();
        drain(sv[1]);
    }
    if (mc_target_conn_count(target) != 0 || mc_target_session_count(target) != 0)
        FUZZ_TRAP();   /* the stream ended, yet the connection or its session lives on */
    close(sv[1]);
    return 0;
}
