/* Event names and one-line descriptions. */
#include <stdio.h>

#include "spi_trace.h"

const char *mc_spi_ev_kind_name(int kind)
{
    switch (kind) {
    case MC_EV_BUS_FREE: return "BUS FREE";
    case MC_EV_ARBITRATION: return "ARBITRATION";
    case MC_EV_SELECTION: return "SELECTION";
    case MC_EV_RESELECTION: return "RESELECTION";
    case MC_EV_MSG_OUT: return "MESSAGE OUT";
    case MC_EV_MSG_IN: return "MESSAGE IN";
    case MC_EV_COMMAND: return "COMMAND";
    case MC_EV_DATA_OUT: return "DATA OUT";
    case MC_EV_DATA_IN: return "DATA IN";
    case MC_EV_STATUS: return "STATUS";
    case MC_EV_RESET: return "RESET";
    default: return "?";
    }
}

void mc_spi_ev_format(const mc_spi_ev *e, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%llu %s", (unsigned long long)e->t, mc_spi_ev_kind_name(e->kind));
    size_t used = n > 0 && (size_t)n < len ? (size_t)n : len;
    switch (e->kind) {
    case MC_EV_ARBITRATION:
        snprintf(buf + used, len - used, " winner=%u", e->init);
        return;
    case MC_EV_SELECTION:
    case MC_EV_RESELECTION:
        snprintf(buf + used, len - used, " init=%u target=%u atn=%d", e->init, e->target, e->atn);
        return;
    case MC_EV_MSG_OUT:
    case MC_EV_MSG_IN:
        if (e->is_sm)
            snprintf(buf + used, len - used, " %s%s gid=%02x last=%d by=%u", e->sm.raw ? "raw " : "",
                     mc_spi_msg_name((const uint8_t[]){MC_MSG_EXTENDED, 1, e->sm.code}, 3), e->sm.gid,
                     e->sm.last, e->driver);
        else
            snprintf(buf + used, len - used, " %s (%02x) by=%u", mc_spi_msg_name(e->b, e->len), e->b[0],
                     e->driver);
        return;
    case MC_EV_COMMAND:
        snprintf(buf + used, len - used, " op=%02x len=%u by=%u", e->b[0], e->len, e->driver);
        return;
    case MC_EV_DATA_OUT:
    case MC_EV_DATA_IN:
        snprintf(buf + used, len - used, " bytes=%u hash=%016llx by=%u", e->len,
                 (unsigned long long)e->hash, e->driver);
        return;
    case MC_EV_STATUS:
        snprintf(buf + used, len - used, " %02x by=%u", e->b[0], e->driver);
        return;
    default:
        return;
    }
}
