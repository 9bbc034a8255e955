/* The stream reader of the mirror link (docs/vsan-link.md §2): bytes as they arrive, one frame at
 * a time out through mc_vsan_decode. Its buffer is sized by what the decoder asked for, which is
 * bounded by rule 3 before any byte of it is allocated. */
#include "link.h"

#include <stdlib.h>
#include <string.h>

void mc_vsan_rx_init(mc_vsan_rx *rx)
{
    memset(rx, 0, sizeof(*rx));
    rx->failed = MC_VSAN_R_OK;
}

void mc_vsan_rx_free(mc_vsan_rx *rx)
{
    free(rx->buf);
    mc_vsan_rx_init(rx);
}

void mc_vsan_rx_reset(mc_vsan_rx *rx)
{
    rx->start = rx->end = rx->need = 0;
    rx->failed = MC_VSAN_R_OK;
}

int mc_vsan_rx_space(mc_vsan_rx *rx, uint8_t **p, size_t *room)
{
    *p = NULL;
    *room = 0;
    if (rx->failed != MC_VSAN_R_OK)
        return 0;   /* nothing more is read from a stream that broke rules 2-4 */
    if (rx->start > 0) {
        memmove(rx->buf, rx->buf + rx->start, rx->end - rx->start);
        rx->end -= rx->start;
        rx->start = 0;
    }
    size_t want = rx->need > MC_VSAN_RX_CHUNK ? rx->need : MC_VSAN_RX_CHUNK;
    if (rx->cap < want) {
        uint8_t *nb = realloc(rx->buf, want);
        if (!nb)
            return -1;
        rx->buf = nb;
        rx->cap = want;
    }
    *p = rx->buf + rx->end;
    *room = rx->cap - rx->end;
    return 0;
}

void mc_vsan_rx_commit(mc_vsan_rx *rx, size_t n)
{
    if (n <= rx->cap - rx->end)
        rx->end += n;
}

size_t mc_vsan_rx_feed(mc_vsan_rx *rx, const void *bytes, size_t n)
{
    uint8_t *p;
    size_t room;
    if (mc_vsan_rx_space(rx, &p, &room) != 0 || room == 0)
        return 0;
    size_t take = n < room ? n : room;
    memcpy(p, bytes, take);
    mc_vsan_rx_commit(rx, take);
    return take;
}

mc_vsan_res mc_vsan_rx_next(mc_vsan_rx *rx, const mc_vsan_opts *o, mc_vsan_msg *m)
{
    if (rx->failed != MC_VSAN_R_OK)
        return rx->failed;
    if (rx->end == rx->start) {
        memset(m, 0, sizeof(*m));
        rx->need = MC_VSAN_HDR_LEN;
        return MC_VSAN_R_NEED_MORE;
    }
    size_t used = 0;
    mc_vsan_res r = mc_vsan_decode(rx->buf + rx->start, rx->end - rx->start, o, m, &used);
    if (r == MC_VSAN_R_NEED_MORE) {
        rx->need = used;
        return r;
    }
    if (mc_vsan_res_fatal(r)) {
        rx->failed = r;
        return r;
    }
    rx->start += used;
    rx->need = 0;
    if (rx->start == rx->end)
        rx->start = rx->end = 0;
    return r;
}
