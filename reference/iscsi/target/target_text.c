/* Text requests in full feature phase (RFC 7143 6.6, 11.10-11.11, 13.3): SendTargets, keys the
 * target does not negotiate after login, and long answers split with F/C and a TTT. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "keys.h"
#include "text.h"
#include "target_int.h"

static void text_reset(tgt_conn *c)
{
    free(c->text_req);
    free(c->text_rsp);
    c->text_req = c->text_rsp = NULL;
    c->text_req_len = c->text_rsp_len = c->text_rsp_off = 0;
    c->text_active = false;
}

/* Sends the next piece of the pending answer: F=1 and TTT 0xffffffff on the last, otherwise
 * C=1 and a TTT the initiator returns to ask for more (11.11.1, 11.11.4). */
static void send_piece(tgt_conn *c, const mc_pdu *req)
{
    size_t left = c->text_rsp_len - c->text_rsp_off;
    size_t n = left < c->sess->p.mrdsl_out ? left : c->sess->p.mrdsl_out;
    bool last = n == left;
    mc_pdu r;
    mc_pdu_init(&r, MC_OP_TEXT_RSP);
    mc_pdu_set(&r, MC_F_LUN, mc_pdu_get(req, MC_F_LUN));
    mc_pdu_set(&r, MC_F_ITT, c->text_itt);
    if (last) {
        mc_pdu_set(&r, MC_F_FINAL, tgt_mutant(c->t, MC_MUTANT_TEXT_NO_FINAL) ? 0 : 1);
        mc_pdu_set(&r, MC_F_TTT, MC_RESERVED_TAG);
    } else {
        mc_pdu_set(&r, MC_F_CONTINUE, 1);
        if (c->text_ttt == 0 || c->text_ttt == MC_RESERVED_TAG)
            c->text_ttt = tgt_session_ttt(c->sess);
        mc_pdu_set(&r, MC_F_TTT, tgt_mutant(c->t, MC_MUTANT_TTT_RESERVED_ON_TEXT_CONTINUE)
                                     ? MC_RESERVED_TAG : c->text_ttt);
    }
    if (n > 0 && mc_pdu_set_data(&r, c->text_rsp + c->text_rsp_off, n) != 0) {
        mc_pdu_free(&r);
        tgt_conn_close(c, "out of memory");
        return;
    }
    c->text_rsp_off += n;
    tgt_send(c, &r, MC_SEND_STATSN_ADVANCE, true);
    mc_pdu_free(&r);
    if (last)
        text_reset(c);
}

/* 13.3: SendTargets=All lists every target, a name lists that one, empty means the target of
 * this (normal) session. One target here, reachable at the portal it listens on. */
static int send_targets(tgt_conn *c, const char *what, mc_kvlist *out)
{
    mc_target *t = c->t;
    bool all = strcmp(what, "All") == 0;
    if (all && !c->sess->discovery)
        return mc_kvlist_add(out, "SendTargets", MC_VAL_REJECT);  /* 13.3: All only in discovery */
    if (!all && *what && strcmp(what, t->iqn) != 0)
        return 0;
    if (!*what && c->sess->discovery)
        return mc_kvlist_add(out, "SendTargets", MC_VAL_REJECT);
    /* the address this connection reached, so a wildcard listener names a usable portal */
    char host[INET_ADDRSTRLEN];
    snprintf(host, sizeof(host), "%s", t->host);
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    if (getsockname(c->fd, (struct sockaddr *)&sa, &sl) == 0 && sa.sin_family == AF_INET)
        inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
    char addr[96];
    snprintf(addr, sizeof(addr), "%s:%u,%u", host, (unsigned)t->port, TGT_TPGT);
    if (mc_kvlist_add(out, "TargetName", t->iqn) != 0 || mc_kvlist_add(out, "TargetAddress", addr) != 0)
        return -1;
    return 0;
}

static int answer(tgt_conn *c, const mc_kvlist *in, mc_kvlist *out)
{
    mc_key_ctx ctx = {.discovery = c->sess->discovery, .ffp = true};
    for (size_t i = 0; i < in->count; i++) {
        const char *k = in->items[i].key, *v = in->items[i].value;
        if (strcmp(k, "SendTargets") == 0) {
            if (send_targets(c, v, out) != 0)
                return -1;
            continue;
        }
        if (strcmp(k, "MaxRecvDataSegmentLength") == 0) {
            /* 13.12: declarative, may change in FFP; it bounds what we send from now on */
            uint32_t v32;
            if (mc_text_parse_u32(v, 512, MC_DSL_MAX, &v32) == MC_TEXT_OK) {
                c->sess->p.mrdsl_out = v32;
                char ours[16];
                snprintf(ours, sizeof(ours), "%u", (unsigned)c->sess->p.mrdsl_in);
                if (mc_kvlist_add(out, k, ours) != 0)
                    return -1;
            } else if (mc_kvlist_add(out, k, MC_VAL_REJECT) != 0) {
                return -1;
            }
            continue;
        }
        char ans[MC_KEY_ANSWER_MAX];
        mc_key_answer_kind kind = mc_key_respond(k, v, NULL, &ctx, ans, sizeof(ans));
        const char *val = NULL;
        switch (kind) {
        case MC_ANS_VALUE:
            val = ans;
            break;
        case MC_ANS_NONE:
            break;
        case MC_ANS_REJECT:
            val = MC_VAL_REJECT;
            break;
        case MC_ANS_IRRELEVANT:
            val = MC_VAL_IRRELEVANT;
            break;
        case MC_ANS_NOT_UNDERSTOOD:
            val = MC_VAL_NOT_UNDERSTOOD;
            break;
        }
        if (val && mc_kvlist_add(out, k, val) != 0)
            return -1;
    }
    return 0;
}

/* Whether the target's own key handling claims the whole request: it parses, and every key is
 * one of section 13 (SendTargets among them). Only a request it does not claim is offered to
 * the hook modules, so a module never answers for a key of the standard. */
static bool target_claims(const tgt_conn *c)
{
    mc_kvlist in;
    mc_kvlist_init(&in);
    char err[200];
    bool all = mc_text_parse((const uint8_t *)c->text_req, c->text_req_len, 0, &in, NULL, err, sizeof(err)) ==
               MC_TEXT_OK;
    for (size_t i = 0; all && i < in.count; i++)
        all = mc_key_lookup(in.items[i].key) != NULL;
    mc_kvlist_free(&in);
    return all;
}

/* A request a hook module claims (target_hooks.h): answered by it, or left to answer(). */
static bool module_text(tgt_conn *c, mc_pdu *p)
{
    if (target_claims(c))
        return false;
    mc_textbuf b;
    mc_textbuf_init(&b);
    int r = tgt_hooks_text(c, (const uint8_t *)c->text_req, c->text_req_len, &b);
    if (r == MC_HOOK_TEXT_NOT_MINE) {
        mc_textbuf_free(&b);
        return false;
    }
    free(c->text_req);
    c->text_req = NULL;
    c->text_req_len = 0;
    if (r != MC_HOOK_TEXT_ANSWER) {
        mc_textbuf_free(&b);
        if (r < 0)
            tgt_conn_close(c, "out of memory");
        else
            text_reset(c);
        return true;
    }
    c->text_rsp = b.data ? (char *)b.data : malloc(1);
    c->text_rsp_len = b.len;
    c->text_rsp_off = 0;
    if (!c->text_rsp) {
        tgt_conn_close(c, "out of memory");
        return true;
    }
    send_piece(c, p);
    return true;
}

void tgt_text(tgt_conn *c, mc_pdu *p)
{
    uint32_t itt = (uint32_t)mc_pdu_get(p, MC_F_ITT);
    uint32_t ttt = (uint32_t)mc_pdu_get(p, MC_F_TTT);
    bool final = mc_pdu_get(p, MC_F_FINAL) != 0;
    bool cont = mc_pdu_get(p, MC_F_CONTINUE) != 0;
    bool ours = c->text_active && ttt == c->text_ttt && itt == c->text_itt;
    if (ttt != MC_RESERVED_TAG && !ours) {
        /* 11.10.4: a TTT other than 0xffffffff must be one we gave for this ITT */
        tgt_log(c, 0, "Text Request TTT 0x%08x continues no exchange", (unsigned)ttt);
        tgt_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
        return;
    }
    if (ours && c->text_rsp) {  /* the initiator asks for the next piece of our answer */
        send_piece(c, p);
        return;
    }
    if (cont && final) {
        tgt_log(c, 0, "Text Request with both C and F");  /* 11.10.2 */
        tgt_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
        return;
    }
    if (!ours)
        text_reset(c);  /* 11.10.4: TTT 0xffffffff starts a new request and resets the old state */
    c->text_active = true;
    c->text_itt = itt;
    c->text_ttt = MC_RESERVED_TAG;
    if (c->text_req_len + p->data_len > TGT_TEXT_MAX) {
        /* 6.6: a text exchange past the negotiation limit is refused */
        tgt_log(c, 0, "Text Request exchange above %u bytes", TGT_TEXT_MAX);
        tgt_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
        text_reset(c);
        return;
    }
    if (p->data_len > 0) {
        char *nb = realloc(c->text_req, c->text_req_len + p->data_len);
        if (!nb) {
            tgt_conn_close(c, "out of memory");
            return;
        }
        memcpy(nb + c->text_req_len, p->data, p->data_len);
        c->text_req = nb;
        c->text_req_len += p->data_len;
    }
    if (cont) {
        /* 11.11: answer each continued piece with an empty response until C=0 */
        mc_pdu r;
        mc_pdu_init(&r, MC_OP_TEXT_RSP);
        mc_pdu_set(&r, MC_F_LUN, mc_pdu_get(p, MC_F_LUN));
        mc_pdu_set(&r, MC_F_ITT, itt);
        c->text_ttt = tgt_session_ttt(c->sess);  /* the initiator copies it into its next piece */
        mc_pdu_set(&r, MC_F_TTT, c->text_ttt);
        tgt_send(c, &r, MC_SEND_STATSN_ADVANCE, true);
        mc_pdu_free(&r);
        return;
    }
    if (module_text(c, p))
        return;
    mc_kvlist in, out;
    mc_kvlist_init(&in);
    mc_kvlist_init(&out);
    char err[200];
    int pr = mc_text_parse((const uint8_t *)c->text_req, c->text_req_len, 0, &in, NULL, err, sizeof(err));
    if (pr != MC_TEXT_OK) {
        /* 6.1: a key above 63 bytes, a value above 255 and the like make the request invalid */
        tgt_log(c, 0, "Text Request: %s", err);
        tgt_reject(c, p->bhs, MC_REJ_PROTOCOL_ERROR);
        text_reset(c);
        goto out;
    }
    mc_textbuf b;
    mc_textbuf_init(&b);
    if (answer(c, &in, &out) != 0 || mc_text_serialize(&out, &b) != 0) {
        mc_textbuf_free(&b);
        tgt_conn_close(c, "out of memory");
        goto out;
    }
    free(c->text_req);
    c->text_req = NULL;
    c->text_req_len = 0;
    c->text_rsp = (char *)b.data;
    c->text_rsp_len = b.len;
    c->text_rsp_off = 0;
    if (!c->text_rsp) {  /* an empty answer still needs one Text Response */
        c->text_rsp = malloc(1);
        if (!c->text_rsp) {
            tgt_conn_close(c, "out of memory");
            goto out;
        }
    }
    send_piece(c, p);
out:
    mc_kvlist_free(&in);
    mc_kvlist_free(&out);
}
