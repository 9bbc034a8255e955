/* Writes the seed corpus of the mirror link fuzz target (tests/fuzz/corpus/vsan_link): one valid
 * message of every type, a stream of them all, and one frame for each malformed case of §2. Each
 * file is the target's input: a control byte (0x01: block size 512, either direction, see
 * vsan_link_fuzz.c), then the bytes. usage: vsan_link_corpus OUTDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"

#define CTRL 0x01u                 /* block size 512, no direction expected */
#define BLOCK 512u
#define HISTORY 2u                 /* generations in the corpus's HELLOs */
#define REGIONS 3u                 /* regions in its RECONCILE_OK */

static uint8_t frame[MC_VSAN_FRAME_MAX];
static const char *outdir;
static int failures;

static void put(uint8_t *p, unsigned width, uint64_t v)
{
    for (unsigned i = width; i > 0; i--, v >>= 8)
        p[i - 1] = (uint8_t)v;
}

static void write_file(const char *name, const uint8_t *bytes, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.bin", outdir, name);
    FILE *f = fopen(path, "wb");
    uint8_t ctrl = CTRL;
    if (!f || fwrite(&ctrl, 1, 1, f) != 1 || fwrite(bytes, 1, len, f) != len) {
        fprintf(stderr, "vsan_link_corpus: cannot write %s\n", path);
        failures++;
    }
    if (f)
        fclose(f);
}

/* A valid message of type with every integer field at 1 (or its lowest valid value). */
static size_t valid(unsigned type, uint8_t *out, size_t cap, uint32_t seq)
{
    static uint8_t cluster[MC_VSAN_CLUSTER_LEN] = "corpus";
    static uint8_t history[HISTORY * 8], regions[REGIONS * 4], data[BLOCK];
    mc_vsan_msg m;
    mc_vsan_msg_init(&m, type);
    m.h.sender = 1;
    m.h.receiver = 2;
    m.h.seq = seq;
    m.h.term = 1;
    m.h.tag = seq;
    const mc_vsan_type_desc *t = mc_vsan_type_info(type);
    mc_vsan_span s = mc_vsan_layout_span(t->layout);
    for (unsigned i = 0; i < s.n; i++) {
        mc_vsan_field f = (mc_vsan_field)(s.first + i);
        const mc_vsan_field_desc *d = mc_vsan_field_info(f);
        if (d->kind == MC_VSAN_U)
            mc_vsan_set(&m, f, d->lo > 1 ? d->lo : 1);
    }
    if (t->data != MC_VSAN_DATA_NONE && mc_vsan_field_of(type, MC_VSAN_F_STATUS))
        mc_vsan_set(&m, MC_VSAN_F_STATUS, MC_VSAN_ST_OK);   /* READ_OK carries its data */
    if (type == MC_VSAN_T_HELLO || type == MC_VSAN_T_HELLO_OK) {
        m.ref[MC_VSAN_F_HELLO_CLUSTER] = cluster;
        mc_vsan_set(&m, MC_VSAN_F_HELLO_HISTORY_COUNT, HISTORY);
        for (unsigned i = 0; i < HISTORY; i++)
            mc_vsan_elem_put(history, MC_VSAN_F_HELLO_HISTORY, i, 0x1000u + i);
        m.ref[MC_VSAN_F_HELLO_HISTORY] = history;
    }
    if (type == MC_VSAN_T_RECONCILE_OK) {
        mc_vsan_set(&m, MC_VSAN_F_RECONCILE_OK_COUNT, REGIONS);
        for (unsigned i = 0; i < REGIONS; i++)
            mc_vsan_elem_put(regions, MC_VSAN_F_RECONCILE_OK_REGIONS, i, 7u * i);
        m.ref[MC_VSAN_F_RECONCILE_OK_REGIONS] = regions;
    }
    if (t->data != MC_VSAN_DATA_NONE) {
        for (unsigned i = 0; i < BLOCK; i++)
            data[i] = (uint8_t)i;
        m.data = data;
        m.data_len = BLOCK;
    }
    mc_vsan_opts o = {.block_size = BLOCK};
    size_t len = 0;
    mc_vsan_res r = mc_vsan_encode(&m, &o, out, cap, &len);
    if (r != MC_VSAN_R_OK) {
        fprintf(stderr, "vsan_link_corpus: %s: %s\n", t->name, mc_vsan_res_name(r));
        failures++;
    }
    return len;
}

/* A GRANT (8-byte body) changed by `what` and resealed so only that case is wrong. */
static void malformed(const char *name, void (*what)(uint8_t *f, size_t *len))
{
    size_t len = valid(MC_VSAN_T_GRANT, frame, sizeof(frame), 1);
    what(frame, &len);
    write_file(name, frame, len);
}

static void bad_magic(uint8_t *f, size_t *len) { f[MC_VSAN_HDR_OFF_magic] ^= 0x20; mc_vsan_seal(f, *len); }
static void bad_version(uint8_t *f, size_t *len) { f[MC_VSAN_HDR_OFF_version] = 2; mc_vsan_seal(f, *len); }
static void bad_hcrc(uint8_t *f, size_t *len) { f[MC_VSAN_HDR_OFF_hcrc] ^= 0x01; }
static void bad_pcrc(uint8_t *f, size_t *len) { f[MC_VSAN_HDR_LEN] ^= 0x01; }
static void too_long(uint8_t *f, size_t *len)
{
    put(f + MC_VSAN_HDR_OFF_length, MC_VSAN_HDR_WIDTH_length, MC_VSAN_MAX_PAYLOAD + 1);
    mc_vsan_seal(f, MC_VSAN_HDR_LEN);
    *len = MC_VSAN_HDR_LEN;
}
static void short_body(uint8_t *f, size_t *len)
{
    uint32_t pl = (uint32_t)(*len - MC_VSAN_HDR_LEN - MC_VSAN_PCRC_LEN) - 1;
    put(f + MC_VSAN_HDR_OFF_length, MC_VSAN_HDR_WIDTH_length, pl);
    *len -= 1;
    mc_vsan_seal(f, *len);
}
static void unknown_type(uint8_t *f, size_t *len) { f[MC_VSAN_HDR_OFF_type] = 99; mc_vsan_seal(f, *len); }
static void data_forbidden(uint8_t *f, size_t *len)
{
    uint32_t pl = (uint32_t)(*len - MC_VSAN_HDR_LEN - MC_VSAN_PCRC_LEN) + BLOCK;
    memset(f + *len - MC_VSAN_PCRC_LEN, 0, BLOCK);
    put(f + MC_VSAN_HDR_OFF_length, MC_VSAN_HDR_WIDTH_length, pl);
    *len += BLOCK;
    mc_vsan_seal(f, *len);
}
static void truncated(uint8_t *f, size_t *len) { *len = MC_VSAN_HDR_LEN / 2; }

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: vsan_link_corpus OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    size_t all = 0;
    size_t cap = (size_t)MC_VSAN_T_MAX * MC_VSAN_FRAME_MAX;
    uint8_t *stream = malloc(cap);
    for (unsigned ty = 1; ty <= MC_VSAN_T_MAX; ty++) {
        char name[64];
        size_t len = valid(ty, frame, sizeof(frame), 1);
        snprintf(name, sizeof(name), "valid-%02u-%s", ty, mc_vsan_type_name(ty));
        write_file(name, frame, len);
        all += valid(ty, stream + all, cap - all, ty);
    }
    write_file("stream-every-type", stream, all);
    free(stream);
    /* WRITE's data not whole blocks: 511 bytes */
    size_t len = valid(MC_VSAN_T_WRITE, frame, sizeof(frame), 1);
    uint32_t pl = (uint32_t)(len - MC_VSAN_HDR_LEN - MC_VSAN_PCRC_LEN) - 1;
    put(frame + MC_VSAN_HDR_OFF_length, MC_VSAN_HDR_WIDTH_length, pl);
    mc_vsan_seal(frame, len - 1);
    write_file("bad-data-not-blocks", frame, len - 1);
    malformed("bad-magic", bad_magic);
    malformed("bad-version", bad_version);
    malformed("bad-hcrc", bad_hcrc);
    malformed("bad-pcrc", bad_pcrc);
    malformed("bad-too-long", too_long);
    malformed("bad-short-body", short_body);
    malformed("bad-unknown-type", unknown_type);
    malformed("bad-data-forbidden", data_forbidden);
    malformed("bad-truncated", truncated);
    return failures ? 1 : 0;
}
