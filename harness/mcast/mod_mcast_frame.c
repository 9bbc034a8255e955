/* Group datagrams (docs/mcast-data-path.md §3): the 24-byte header, the CRC32C over the whole
 * datagram, and the PDUs that follow, decoded without digests. Every length is bounded by the
 * bytes actually received before it is used. */
#include "mod_mcast.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lun.h"
#include "pdu_tcl.h"

#define NS_PER_S 1e9

static void put16(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
    put16(b, v >> 16);
    put16(b + 2, v);
}

static uint32_t get16(const uint8_t *b) { return (uint32_t)b[0] << 8 | b[1]; }
static uint32_t get32(const uint8_t *b) { return get16(b) << 16 | get16(b + 2); }

uint32_t mcm_crc(const uint8_t *dg, size_t len)
{
    static const uint8_t zero[4] = {0};
    if (len < MCM_HDR_LEN)
        return mc_crc32c(0, dg, len);
    uint32_t c = mc_crc32c(0, dg, MCM_OFF_CRC);
    c = mc_crc32c(c, zero, sizeof zero);
    return mc_crc32c(c, dg + MCM_HDR_LEN, len - MCM_HDR_LEN);
}

void mcm_put_hdr(uint8_t *dg, const mcm_hdr *h)
{
    put16(dg + MCM_OFF_MAGIC, h->magic);
    dg[MCM_OFF_VERSION] = h->version;
    dg[MCM_OFF_RESERVED] = h->reserved;
    for (int i = 0; i < 6; i++)
        dg[MCM_OFF_ISID + i] = (uint8_t)(h->isid >> (8 * (5 - i)));
    put16(dg + MCM_OFF_COUNT, h->pdu_count);
    put32(dg + MCM_OFF_GSN, h->gsn);
    put32(dg + MCM_OFF_PAYLOAD, h->payload_length);
    put32(dg + MCM_OFF_CRC, h->crc);
}

static size_t pad4(size_t n) { return (n + MC_PAD - 1) / MC_PAD * MC_PAD; }

void mcm_parse(const uint8_t *dg, size_t len, mcm_parsed *out)
{
    memset(out, 0, sizeof *out);
    out->len = len;
    if (len < MCM_HDR_LEN) {
        snprintf(out->problem, sizeof out->problem, "datagram of %zu bytes is shorter than the header", len);
        return;
    }
    mcm_hdr *h = &out->h;
    h->magic = (uint16_t)get16(dg + MCM_OFF_MAGIC);
    h->version = dg[MCM_OFF_VERSION];
    h->reserved = dg[MCM_OFF_RESERVED];
    for (int i = 0; i < 6; i++)
        h->isid = h->isid << 8 | dg[MCM_OFF_ISID + i];
    h->pdu_count = (uint16_t)get16(dg + MCM_OFF_COUNT);
    h->gsn = get32(dg + MCM_OFF_GSN);
    h->payload_length = get32(dg + MCM_OFF_PAYLOAD);
    h->crc = get32(dg + MCM_OFF_CRC);
    out->crc_ok = mcm_crc(dg, len) == h->crc;
    size_t payload = len - MCM_HDR_LEN, off = MCM_HDR_LEN, count = 0;
    bool ok = h->payload_length == payload;
    if (!ok)
        snprintf(out->problem, sizeof out->problem, "payload_length %u but %zu bytes follow the header",
                 h->payload_length, payload);
    /* Walk the PDUs by their own lengths, within the bytes received whatever the header says. */
    while (off < len) {
        if (len - off < MC_BHS_LEN) {
            if (!out->problem[0])
                snprintf(out->problem, sizeof out->problem, "%zu trailing bytes after PDU %zu", len - off, count);
            ok = false;
            break;
        }
        const uint8_t *b = dg + off;
        size_t dsl = (size_t)b[5] << 16 | (size_t)b[6] << 8 | b[7];
        size_t need = MC_BHS_LEN + (size_t)b[4] * MC_PAD + pad4(dsl);
        if (need > len - off) {
            if (!out->problem[0])
                snprintf(out->problem, sizeof out->problem, "PDU %zu needs %zu bytes, %zu remain", count, need, len - off);
            ok = false;
            break;
        }
        if (out->npdus < MCM_PDUS_MAX) {
            size_t used;
            char err[128];
            if (mc_pdu_decode(b, need, NULL, &out->pdus[out->npdus], &used, err, sizeof err) == MC_DEC_OK)
                out->npdus++;
        }
        off += need;
        count++;
    }
    if (count != h->pdu_count || count == 0) {
        if (!out->problem[0])
            snprintf(out->problem, sizeof out->problem, "pdu_count %u but %zu PDUs found", h->pdu_count, count);
        ok = false;
    }
    if (h->magic != MCM_MAGIC && !out->problem[0])
        snprintf(out->problem, sizeof out->problem, "magic 0x%04x", h->magic);
    if (h->version != MCM_VERSION && !out->problem[0])
        snprintf(out->problem, sizeof out->problem, "version %u", h->version);
    if (!out->crc_ok && !out->problem[0])
        snprintf(out->problem, sizeof out->problem, "crc32c 0x%08x wrong", h->crc);
    out->lengths_ok = ok;
}

void mcm_parsed_free(mcm_parsed *p)
{
    for (size_t i = 0; i < p->npdus; i++)
        mc_pdu_free(&p->pdus[i]);
    p->npdus = 0;
}

static void put(Tcl_Obj *d, const char *k, Tcl_Obj *v) { Tcl_DictObjPut(NULL, d, Tcl_NewStringObj(k, -1), v); }
static Tcl_Obj *wide(uint64_t v) { return Tcl_NewWideIntObj((Tcl_WideInt)v); }

Tcl_Obj *mcm_parsed_dict(const mcm_parsed *p, const char *src, double time_s)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    put(d, "src", Tcl_NewStringObj(src, -1));
    put(d, "time", Tcl_NewDoubleObj(time_s));
    put(d, "magic", wide(p->h.magic));
    put(d, "version", wide(p->h.version));
    put(d, "isid", wide(p->h.isid));
    put(d, "pdu_count", wide(p->h.pdu_count));
    put(d, "gsn", wide(p->h.gsn));
    put(d, "payload_length", wide(p->h.payload_length));
    put(d, "crc32c", wide(p->h.crc));
    put(d, "crc_ok", Tcl_NewBooleanObj(p->crc_ok));
    put(d, "lengths_ok", Tcl_NewBooleanObj(p->lengths_ok));
    put(d, "problem", Tcl_NewStringObj(p->problem, -1));
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (size_t i = 0; i < p->npdus; i++) {
        Tcl_Obj *pd = mc_pdu_to_dict(&p->pdus[i], true, time_s);
        uint8_t op = mc_pdu_opcode(&p->pdus[i]);
        if (mc_field_applies(MC_F_LUN, op))
            put(pd, "lun_number", wide(mc_lun_decode(mc_pdu_get(&p->pdus[i], MC_F_LUN))));
        Tcl_ListObjAppendElement(NULL, l, pd);
    }
    put(d, "pdus", l);
    put(d, "length", wide(p->len));
    return d;
}

int mcm_pdu_from_list(Tcl_Interp *interp, Tcl_Obj *spec, mc_pdu *p, bool *keep_lengths)
{
    int n;
    Tcl_Obj **e;
    if (Tcl_ListObjGetElements(interp, spec, &n, &e) != TCL_OK)
        return TCL_ERROR;
    if (n < 1)
        return mc_tcl_error(interp, "USAGE", "a PDU is {OPCODE ?field value ...? ?-data BYTES? ?-cdb HEX? ?-lun N?}");
    uint8_t op;
    if (mc_opcode_from_obj(interp, e[0], &op) != TCL_OK)
        return TCL_ERROR;
    mc_pdu_init(p, op);
    bool given[MC_F_COUNT] = {false};
    Tcl_Obj *fields = Tcl_NewListObj(0, NULL);
    Tcl_IncrRefCount(fields);
    int rc = TCL_ERROR;
    *keep_lengths = false;
    for (int i = 1; i < n; i++) {
        const char *a = Tcl_GetString(e[i]);
        if (strcmp(a, "-raw-lengths") == 0) {
            *keep_lengths = true;
            continue;
        }
        if (i + 1 >= n) {
            mc_tcl_error(interp, "USAGE", "PDU item \"%s\" has no value", a);
            goto out;
        }
        Tcl_Obj *v = e[++i];
        if (strcmp(a, "-data") == 0) {
            int len;
            const unsigned char *b = Tcl_GetByteArrayFromObj(v, &len);
            if (mc_pdu_set_data(p, b, (size_t)len) != 0) {
                mc_tcl_error(interp, "USAGE", "data segment of %d bytes too long", len);
                goto out;
            }
        } else if (strcmp(a, "-text") == 0) {
            Tcl_DString t;
            Tcl_DStringInit(&t);
            int ok = mc_text_encode(interp, v, &t) == TCL_OK &&
                     mc_pdu_set_data(p, Tcl_DStringValue(&t), (size_t)Tcl_DStringLength(&t)) == 0;
            Tcl_DStringFree(&t);
            if (!ok)
                goto out;
        } else if (strcmp(a, "-cdb") == 0) {
            uint8_t cdb[MC_CDB_LEN];
            size_t clen;
            if (mc_hex_decode(interp, Tcl_GetString(v), cdb, sizeof cdb, &clen) != TCL_OK)
                goto out;
            mc_pdu_set_cdb(p, cdb, clen);
        } else if (strcmp(a, "-lun") == 0) {
            int lun;
            if (Tcl_GetIntFromObj(interp, v, &lun) != TCL_OK)
                goto out;
            if (lun < 0 || lun > 0xffff) {
                mc_tcl_error(interp, "USAGE", "LUN %d out of range", lun);
                goto out;
            }
            mc_pdu_set(p, MC_F_LUN, mc_lun_encode((uint16_t)lun));
        } else {
            Tcl_ListObjAppendElement(NULL, fields, e[i - 1]);
            Tcl_ListObjAppendElement(NULL, fields, v);
        }
    }
    int nf;
    Tcl_Obj **fv;
    Tcl_ListObjGetElements(NULL, fields, &nf, &fv);
    if (mc_pdu_apply_fields(interp, p, fv, nf, given) != TCL_OK)
        goto out;
    if (given[MC_F_DSL] || given[MC_F_TOTAL_AHS_LENGTH])
        *keep_lengths = true;
    if (*keep_lengths && !given[MC_F_DSL])
        mc_pdu_set(p, MC_F_DSL, p->data_len);
    rc = TCL_OK;
out:
    Tcl_DecrRefCount(fields);
    if (rc != TCL_OK)
        mc_pdu_free(p);
    return rc;
}

double mcm_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_S;
}

int mcm_parse_addr(const char *s, struct in_addr *out)
{
    return inet_pton(AF_INET, s, out) == 1 ? 0 : -1;
}

void mcm_ladder_add_dgram(mc_ladder *l, Tcl_WideInt wall_us, const char *dir, const uint8_t *dg, size_t len)
{
    mcm_parsed *p = malloc(sizeof *p);
    if (!p)
        return;
    mcm_parse(dg, len, p);
    Tcl_Obj *f = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, f, Tcl_NewStringObj("gsn", -1), Tcl_NewWideIntObj(p->h.gsn));
    Tcl_DictObjPut(NULL, f, Tcl_NewStringObj("pdu_count", -1), Tcl_NewIntObj(p->h.pdu_count));
    Tcl_DictObjPut(NULL, f, Tcl_NewStringObj("length", -1), Tcl_NewWideIntObj((Tcl_WideInt)len));
    Tcl_DictObjPut(NULL, f, Tcl_NewStringObj("crc_ok", -1), Tcl_NewIntObj(p->crc_ok));
    Tcl_Obj *ops = Tcl_NewListObj(0, NULL);
    for (size_t i = 0; i < p->npdus; i++) {
        const char *name = mc_opcode_name(mc_pdu_opcode(&p->pdus[i]));
        Tcl_ListObjAppendElement(NULL, ops, Tcl_NewStringObj(name ? name : "unknown", -1));
    }
    Tcl_DictObjPut(NULL, f, Tcl_NewStringObj("pdus", -1), ops);
    char op[64];
    const char *first = p->npdus ? mc_opcode_name(mc_pdu_opcode(&p->pdus[0])) : NULL;
    snprintf(op, sizeof op, "Group datagram: %s%s", first ? first : "no PDU", p->npdus > 1 ? ", ..." : "");
    mc_ladder_add(l, wall_us, "group", dir, op, f);
    mcm_parsed_free(p);
    free(p);
}
