/* Full Feature Phase exchanges other than SCSI commands: Text with continuation (11.10, 11.11),
 * SendTargets (13.3, Appendix C), NOP-Out ping (11.18, 11.19), task management (11.5, 11.6). */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "lun.h"

#define MC_INI_TEXT_ROUNDS_MAX 4096u  /* continuation PDUs accepted for one text answer */

static int need_ffp(const mc_ini *ini, char *err, size_t errlen)
{
    if (!ini->full_feature)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "not logged in");
    return MC_INI_OK;
}

/* Receives the response to the request with tag itt, skipping unsolicited pings and events. */
static int recv_answer(mc_ini *ini, uint32_t itt, uint8_t want_op, mc_pdu *p, uint64_t deadline, char *err,
                       size_t errlen)
{
    for (;;) {
        int rc = mc_ini_recv_pdu(ini, p, deadline, err, errlen);
        if (rc != MC_INI_OK)
            return rc;
        uint8_t op = mc_pdu_opcode(p);
        if (op == MC_OP_NOP_IN && mc_pdu_get(p, MC_F_ITT) == MC_RESERVED_TAG) {
            mc_pdu_free(p);
            continue;
        }
        if (op == MC_OP_ASYNC) {
            mc_pdu_free(p);
            continue;
        }
        if (op == MC_OP_REJECT) {
            rc = mc_ini_rejected(p, err, errlen);
            mc_pdu_free(p);
            return rc;
        }
        if (op != want_op || mc_pdu_get(p, MC_F_ITT) != itt) {
            rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "expected %s for ITT 0x%08x, got opcode 0x%02x ITT 0x%08x",
                             mc_opcode_name(want_op), itt, op, (unsigned)mc_pdu_get(p, MC_F_ITT));
            mc_pdu_free(p);
            return rc;
        }
        return MC_INI_OK;
    }
}

static int send_text_pdu(mc_ini *ini, uint32_t itt, uint32_t ttt, bool cont, const void *data, size_t len,
                         uint64_t deadline, char *err, size_t errlen)
{
    mc_pdu q;
    mc_pdu_init(&q, MC_OP_TEXT_REQ);
    mc_pdu_set(&q, MC_F_FINAL, !cont);  /* 11.10.2: C=1 requires F=0 */
    mc_pdu_set(&q, MC_F_CONTINUE, cont);
    mc_pdu_set(&q, MC_F_ITT, itt);
    mc_pdu_set(&q, MC_F_TTT, ttt);
    int rc = MC_INI_OK;
    if (len && mc_pdu_set_data(&q, data, len) != 0)
        rc = mc_ini_fail(err, errlen, MC_INI_ERR, "out of memory");
    if (rc == MC_INI_OK)
        rc = mc_ini_send_pdu(ini, &q, deadline, err, errlen);
    mc_pdu_free(&q);
    return rc;
}

int mc_ini_text(mc_ini *ini, const char *kv, size_t kv_len, char **resp, size_t *resp_len, uint64_t deadline,
                char *err, size_t errlen)
{
    *resp = NULL;
    *resp_len = 0;
    int rc = need_ffp(ini, err, errlen);
    if (rc != MC_INI_OK)
        return rc;
    uint32_t itt = mc_ini_next_itt(ini);
    uint32_t ttt = MC_RESERVED_TAG;   /* a new exchange (11.10.4) */
    size_t chunk = ini->neg.max_send_dsl;
    size_t off = 0;
    /* A request longer than the target's MaxRecvDataSegmentLength goes with C=1; the target
     * acknowledges each part with an empty response carrying its TTT (11.10.2). */
    while (kv_len - off > chunk) {
        rc = send_text_pdu(ini, itt, ttt, true, kv + off, chunk, deadline, err, errlen);
        mc_pdu p;
        if (rc == MC_INI_OK)
            rc = recv_answer(ini, itt, MC_OP_TEXT_RSP, &p, deadline, err, errlen);
        if (rc != MC_INI_OK)
            return rc;
        ttt = (uint32_t)mc_pdu_get(&p, MC_F_TTT);
        bool bad = mc_pdu_get(&p, MC_F_FINAL) || p.data_len;
        mc_pdu_free(&p);
        if (bad)
            return mc_ini_fail(err, errlen, MC_INI_PROTOCOL,
                               "target answered a continued Text Request before its end (11.10.2)");
        off += chunk;
    }
    rc = send_text_pdu(ini, itt, ttt, false, kv + off, kv_len - off, deadline, err, errlen);
    char *buf = NULL;
    size_t len = 0;
    for (unsigned round = 0; rc == MC_INI_OK; round++) {
        mc_pdu p;
        rc = recv_answer(ini, itt, MC_OP_TEXT_RSP, &p, deadline, err, errlen);
        if (rc != MC_INI_OK)
            break;
        bool fin = mc_pdu_get(&p, MC_F_FINAL) != 0;
        bool cont = mc_pdu_get(&p, MC_F_CONTINUE) != 0;
        uint32_t rttt = (uint32_t)mc_pdu_get(&p, MC_F_TTT);
        if (fin && cont)
            rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "Text Response with both F and C set (11.11.2)");
        else if (!fin && rttt == MC_RESERVED_TAG)
            rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "Text Response F=0 with TTT 0xffffffff (11.11.4)");
        else if (len + p.data_len > MC_INI_TEXT_MAX || round > MC_INI_TEXT_ROUNDS_MAX)
            rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "text response longer than %u bytes", MC_INI_TEXT_MAX);
        if (rc == MC_INI_OK && p.data_len) {
            char *nb = realloc(buf, len + p.data_len + 1);
            if (!nb) {
                rc = mc_ini_fail(err, errlen, MC_INI_ERR, "out of memory");
            } else {
                buf = nb;
                memcpy(buf + len, p.data, p.data_len);
                len += p.data_len;
                buf[len] = '\0';
            }
        }
        mc_pdu_free(&p);
        if (rc != MC_INI_OK || fin)
            break;
        rc = send_text_pdu(ini, itt, rttt, false, NULL, 0, deadline, err, errlen);  /* "go on" */
    }
    if (rc == MC_INI_OK && len && buf[len - 1] != '\0')
        rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "text response does not end with NUL (6.1)");
    if (rc != MC_INI_OK) {
        free(buf);
        return rc;
    }
    *resp = buf;
    *resp_len = len;
    return MC_INI_OK;
}

int mc_ini_send_targets(mc_ini *ini, const char *what, char **resp, size_t *resp_len, uint64_t deadline,
                        char *err, size_t errlen)
{
    static const char key[] = "SendTargets=";
    size_t wl = strlen(what ? what : "All");
    size_t n = sizeof key - 1 + wl + 1;
    char *kv = malloc(n);
    if (!kv)
        return mc_ini_fail(err, errlen, MC_INI_ERR, "out of memory");
    memcpy(kv, key, sizeof key - 1);
    memcpy(kv + sizeof key - 1, what ? what : "All", wl + 1);
    int rc = mc_ini_text(ini, kv, n, resp, resp_len, deadline, err, errlen);
    free(kv);
    return rc;
}

int mc_ini_ping(mc_ini *ini, const void *data, size_t len, uint64_t deadline, char *err, size_t errlen)
{
    int rc = need_ffp(ini, err, errlen);
    if (rc != MC_INI_OK)
        return rc;
    uint32_t itt = mc_ini_next_itt(ini);
    mc_pdu q;
    mc_pdu_init(&q, MC_OP_NOP_OUT);
    mc_pdu_set(&q, MC_F_IMMEDIATE, 1);
    mc_pdu_set(&q, MC_F_FINAL, 1);
    mc_pdu_set(&q, MC_F_ITT, itt);
    mc_pdu_set(&q, MC_F_TTT, MC_RESERVED_TAG);  /* 11.18.3: an initiator ping carries no TTT */
    if (len && mc_pdu_set_data(&q, data, len) != 0)
        rc = mc_ini_fail(err, errlen, MC_INI_ERR, "out of memory");
    if (rc == MC_INI_OK)
        rc = mc_ini_send_pdu(ini, &q, deadline, err, errlen);
    mc_pdu_free(&q);
    if (rc != MC_INI_OK)
        return rc;
    mc_pdu p;
    rc = recv_answer(ini, itt, MC_OP_NOP_IN, &p, deadline, err, errlen);
    if (rc != MC_INI_OK)
        return rc;
    /* 11.19.4: the answer returns the ping data (possibly cut to the initiator's limit). */
    if (p.data_len > len || (p.data_len && memcmp(p.data, data, p.data_len) != 0))
        rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "NOP-In did not echo the ping data");
    else if (mc_pdu_get(&p, MC_F_TTT) != MC_RESERVED_TAG)
        rc = mc_ini_fail(err, errlen, MC_INI_PROTOCOL, "NOP-In answering a ping has TTT 0x%08x (11.19.2)",
                         (unsigned)mc_pdu_get(&p, MC_F_TTT));
    mc_pdu_free(&p);
    return rc;
}

int mc_ini_tmf(mc_ini *ini, uint8_t function, uint16_t lun, uint32_t ref_itt, uint32_t ref_cmdsn,
               uint8_t *response, uint64_t deadline, char *err, size_t errlen)
{
    int rc = need_ffp(ini, err, errlen);
    if (rc != MC_INI_OK)
        return rc;
    uint32_t itt = mc_ini_next_itt(ini);
    mc_pdu q;
    mc_pdu_init(&q, MC_OP_TMF_REQ);
    mc_pdu_set(&q, MC_F_IMMEDIATE, 1);
    mc_pdu_set(&q, MC_F_FINAL, 1);
    mc_pdu_set(&q, MC_F_TMF_FUNCTION, function);
    mc_pdu_set(&q, MC_F_LUN, mc_lun_encode(lun));
    mc_pdu_set(&q, MC_F_ITT, itt);
    /* 11.5.4: Referenced Task Tag only for ABORT TASK (and TASK REASSIGN), else 0xffffffff. */
    bool refers = function == MC_TMF_ABORT_TASK || function == MC_TMF_TASK_REASSIGN;
    mc_pdu_set(&q, MC_F_RTT, refers ? ref_itt : MC_RESERVED_TAG);
    mc_pdu_set(&q, MC_F_REFCMDSN, refers ? ref_cmdsn : 0);
    rc = mc_ini_send_pdu(ini, &q, deadline, err, errlen);
    mc_pdu_free(&q);
    if (rc != MC_INI_OK)
        return rc;
    mc_pdu p;
    rc = recv_answer(ini, itt, MC_OP_TMF_RSP, &p, deadline, err, errlen);
    if (rc != MC_INI_OK)
        return rc;
    uint8_t r = (uint8_t)mc_pdu_get(&p, MC_F_RESPONSE);
    mc_pdu_free(&p);
    if (response)
        *response = r;
    if (r != MC_TMF_RSP_COMPLETE)
        return mc_ini_fail(err, errlen, MC_INI_REFUSED, "task management function %u answered %u", function, r);
    return MC_INI_OK;
}
