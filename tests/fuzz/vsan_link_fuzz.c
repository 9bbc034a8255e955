/* Fuzz target of the mirror link codec (docs/vsan-link.md §2-§3). The first input byte picks the
 * receiver's block size, the direction it expects and how the rest is split into reads; the rest
 * is a byte stream. The stream is decoded twice, frame by frame in place and through the stream
 * reader in those reads, and both must see the same results; every message decoded must encode
 * back to exactly its bytes. Any difference traps. */
#include <stdint.h>
#include <string.h>

#include "link.h"

#define EVENTS_MAX 4096u                   /* frames compared per input (a frame is >= 32 bytes) */
#define SPLIT_MUL 1103515245u              /* a linear congruential generator (ANSI C's) */
#define SPLIT_ADD 12345u
#define SPLIT_MAX 257u                     /* the largest read, so frames split anywhere */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct event {
    uint8_t res;
    uint32_t type, seq, length;
} event;

static const uint32_t block_sizes[] = {1u, 512u, 4096u};
static const uint8_t dirs[] = {0, MC_VSAN_REQUEST, MC_VSAN_ANSWER};
#define NBLOCKS (sizeof(block_sizes) / sizeof(block_sizes[0]))
#define NDIRS (sizeof(dirs) / sizeof(dirs[0]))

static uint8_t reencoded[MC_VSAN_FRAME_MAX];
static event in_place[EVENTS_MAX], streamed[EVENTS_MAX];

static event event_of(mc_vsan_res r, const mc_vsan_msg *m)
{
    return (event){(uint8_t)r, m->h.type, m->h.seq, m->h.length};
}

/* Frame by frame over the whole input; checks each decoded message re-encodes to its bytes. */
static size_t decode_in_place(const uint8_t *s, size_t n, const mc_vsan_opts *o)
{
    size_t off = 0, k = 0;
    while (k < EVENTS_MAX) {
        mc_vsan_msg m;
        size_t used = 0;
        mc_vsan_res r = mc_vsan_decode(s + off, n - off, o, &m, &used);
        if (r == MC_VSAN_R_NEED_MORE)
            break;
        in_place[k++] = event_of(r, &m);
        if (mc_vsan_res_fatal(r))
            break;
        if (used == 0 || used > n - off)
            __builtin_trap();   /* a frame the decoder took must lie within the input */
        if (r == MC_VSAN_R_OK) {
            size_t len = 0;
            if (mc_vsan_encode(&m, o, reencoded, sizeof(reencoded), &len) != MC_VSAN_R_OK || len != used ||
                memcmp(reencoded, s + off, len) != 0)
                __builtin_trap();
        }
        off += used;
    }
    return k;
}

/* The same input through the stream reader, in reads of pseudo-random sizes. */
static size_t decode_streamed(const uint8_t *s, size_t n, const mc_vsan_opts *o, uint32_t seed)
{
    mc_vsan_rx rx;
    mc_vsan_rx_init(&rx);
    size_t off = 0, k = 0;
    while (k < EVENTS_MAX) {
        mc_vsan_msg m;
        mc_vsan_res r = mc_vsan_rx_next(&rx, o, &m);
        if (r == MC_VSAN_R_NEED_MORE) {
            if (off == n)
                break;
            if (rx.need > MC_VSAN_FRAME_MAX)
                __builtin_trap();   /* the reader never awaits more than one frame */
            seed = seed * SPLIT_MUL + SPLIT_ADD;
            size_t chunk = 1 + (seed >> 16) % SPLIT_MAX;
            if (chunk > n - off)
                chunk = n - off;
            size_t took = mc_vsan_rx_feed(&rx, s + off, chunk);
            if (took == 0)
                __builtin_trap();   /* a reader awaiting bytes must take some */
            off += took;
            continue;
        }
        streamed[k++] = event_of(r, &m);
        if (mc_vsan_res_fatal(r))
            break;
    }
    mc_vsan_rx_free(&rx);
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctrl = data[0];
    mc_vsan_opts o = {.block_size = block_sizes[ctrl % NBLOCKS], .dir = dirs[(ctrl / NBLOCKS) % NDIRS]};
    const uint8_t *s = data + 1;
    size_t n = size - 1;
    size_t a = decode_in_place(s, n, &o);
    size_t b = decode_streamed(s, n, &o, ctrl);
    if (a != b || memcmp(in_place, streamed, a * sizeof(event)) != 0)
        __builtin_trap();
    return 0;
}
