/* The extension API (target_ext.h): hook modules see the target's connections, sessions, LUs
 * and tasks only through these. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/socket.h>

#include "target_int.h"

mc_session *mc_conn_session(const mc_conn *c)
{
    return c->sess;
}

mc_target *mc_conn_target(const mc_conn *c)
{
    return c->t;
}

mc_conn_state mc_conn_get_state(const mc_conn *c)
{
    if (c->dead)
        return MC_CONN_CLOSED;
    return c->phase == PHASE_FFP ? MC_CONN_FFP : MC_CONN_LOGIN;
}

static int sock_ipv4(int fd, bool peer, uint32_t *addr)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int r = peer ? getpeername(fd, (struct sockaddr *)&sa, &sl) : getsockname(fd, (struct sockaddr *)&sa, &sl);
    if (r != 0 || sa.sin_family != AF_INET)
        return -1;
    *addr = ntohl(sa.sin_addr.s_addr);
    return 0;
}

int mc_conn_peer_ipv4(const mc_conn *c, uint32_t *addr)
{
    return sock_ipv4(c->fd, true, addr);
}

int mc_conn_local_ipv4(const mc_conn *c, uint32_t *addr)
{
    return sock_ipv4(c->fd, false, addr);
}

int mc_conn_send(mc_conn *c, mc_pdu *p, mc_send_statsn mode, bool keep)
{
    return tgt_send(c, p, mode, keep);
}

void mc_conn_stamp_window(mc_conn *c, mc_pdu *p)
{
    tgt_stamp_window(c, p);
}

void mc_conn_send_status(mc_conn *c, uint32_t itt, const mc_scsi_result *res, bool overflow, bool underflow,
                         uint32_t residual, uint32_t expdatasn, bool keep)
{
    tgt_send_status(c, itt, res, overflow, underflow, residual, expdatasn, keep);
}

void mc_conn_reject(mc_conn *c, const uint8_t *bhs, uint8_t reason)
{
    tgt_reject(c, bhs, reason);
}

void mc_conn_close(mc_conn *c, const char *why)
{
    tgt_conn_close(c, why);
}

void mc_conn_log(const mc_conn *c, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tgt_vlog(c, level, fmt, ap);
    va_end(ap);
}

uint64_t mc_session_isid(const mc_session *s)
{
    return s->isid;
}

uint16_t mc_session_tsih(const mc_session *s)
{
    return s->tsih;
}

const char *mc_session_initiator(const mc_session *s)
{
    return s->initiator;
}

bool mc_session_is_discovery(const mc_session *s)
{
    return s->discovery;
}

const mc_session_params *mc_session_get_params(const mc_session *s)
{
    return &s->p;
}

uint32_t mc_session_ttt(mc_session *s)
{
    return tgt_session_ttt(s);
}

mc_conn *mc_session_conn(const mc_session *s)
{
    return s->conn;
}

mc_target *mc_session_target(const mc_session *s)
{
    return s->t;
}

mc_task *mc_session_task(const mc_session *s, uint32_t itt)
{
    return tgt_task_find(s, itt);
}

mc_lun *mc_target_lun(const mc_target *t, uint16_t lun)
{
    return mc_lun_set_get(t->luns, lun);
}

mc_lun_set *mc_target_luns(const mc_target *t)
{
    return t->luns;
}

uint64_t mc_target_now_ms(const mc_target *t)
{
    (void)t;  /* one clock for every target of the process */
    return tgt_now_ms();
}

uint32_t mc_task_itt(const mc_task *k)
{
    return k->itt;
}

uint16_t mc_task_lun(const mc_task *k)
{
    return k->lun;
}

const uint8_t *mc_task_cdb(const mc_task *k)
{
    return k->cdb;
}

const uint8_t *mc_task_data_out(const mc_task *k, size_t *len)
{
    *len = k->plan.dir == MC_XFER_TO_DEV && k->buf ? k->plan.length : 0;
    return *len ? k->buf : NULL;
}

size_t mc_task_data_in_cap(const mc_task *k)
{
    return k->plan.dir == MC_XFER_FROM_DEV ? k->plan.length : 0;
}

mc_session *mc_task_session(const mc_task *k)
{
    return k->sess;
}
