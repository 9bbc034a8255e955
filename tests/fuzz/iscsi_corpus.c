/* Writes the seed corpora of the iSCSI and multicast fuzz targets (tests/fuzz/corpus/NAME):
 *   iscsi_pdu     one valid PDU of every opcode, without and with digests, and a stream of them
 *   iscsi_text    key lists of a login (security, operational, discovery, CHAP), a target's
 *                 answers, extension keys
 *   iscsi_target  connections: a login, then commands of each kind (iscsi_target_fuzz.c)
 *   mcast         group datagrams (docs/mcast-data-path.md §3) and registration key lists (§4.2)
 * Each file is its target's input: a control byte (see each *_fuzz.c), then the bytes.
 * usage: iscsi_corpus NAME OUTDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcast.h"
#include "pdu.h"

#define OUT_MAX (1u << 20)
#define BLOCK 512u                /* the fuzz target's LU block size (SBC default) */
#define PDU_DATA_LEN 16u          /* data segment of the opcodes that carry one */
#define ISID 0x400001000001ull    /* random-format ISID (RFC 7143 10.12.5), fixed */
#define CMDSN0 1u
#define ITT0 0x100u
#define GSN0 7u
#define VLUN 5u
#define CTRL_PDU_PLAIN 0x00u      /* iscsi_pdu_fuzz.c: no digests, login limit */
#define CTRL_PDU_DIGESTS 0x03u    /* header and data digests */
#define CTRL_TEXT_SECURITY 0x00u  /* iscsi_text_fuzz.c: security stage */
#define CTRL_TEXT_OPERATIONAL 0x02u
#define CTRL_TEXT_DISCOVERY 0x04u
#define CTRL_TEXT_LENIENT 0x01u
#define CTRL_TARGET_WHOLE 0x00u   /* iscsi_target_fuzz.c: 64 KiB writes */
#define CTRL_TARGET_SPLIT 0x04u   /* 7-byte writes */
#define CTRL_MCAST_RAW 0x00u      /* mcast_fuzz.c: a datagram as received */
#define CTRL_MCAST_KEYS 0x02u     /* a registration key list */
#define OP_INQUIRY 0x12u          /* SPC */
#define OP_TEST_UNIT_READY 0x00u
#define OP_READ_CAPACITY10 0x25u  /* SBC */
#define OP_READ10 0x28u
#define OP_WRITE10 0x2au
#define OP_REPORT_LUNS 0xa0u
#define INQUIRY_ALLOC 96u
#define CAPACITY_LEN 8u
#define REPORT_LUNS_ALLOC 64u

static const char *outdir;
static int failures;
static uint8_t out[OUT_MAX];
static size_t outlen;

static void emit(const char *name, uint8_t ctrl)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.bin", outdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(&ctrl, 1, 1, f) != 1 || fwrite(out, 1, outlen, f) != outlen) {
        fprintf(stderr, "iscsi_corpus: cannot write %s\n", path);
        failures++;
    }
    if (f)
        fclose(f);
    outlen = 0;
}

static void put_bytes(const void *p, size_t n)
{
    if (n > OUT_MAX - outlen) {
        fprintf(stderr, "iscsi_corpus: a seed above %u bytes\n", OUT_MAX);
        exit(1);
    }
    memcpy(out + outlen, p, n);
    outlen += n;
}

/* Appends p's wire form and frees it. */
static void put_pdu(mc_pdu *p, bool digests)
{
    mc_wire_opts o = {.header_digest = digests, .data_digest = digests};
    uint8_t *w = NULL;
    size_t len = 0;
    char err[128];
    if (mc_pdu_encode(p, &o, &w, &len, err, sizeof(err)) != 0) {
        fprintf(stderr, "iscsi_corpus: %s\n", err);
        exit(1);
    }
    put_bytes(w, len);
    free(w);
    mc_pdu_free(p);
}

/* key=value\0 pairs from a list of strings ending with NULL. */
static void put_keys(const char *const *kv)
{
    for (size_t i = 0; kv[i]; i++)
        put_bytes(kv[i], strlen(kv[i]) + 1);
}

static size_t keys_len(const char *const *kv, uint8_t *buf, size_t cap)
{
    size_t at = 0;
    for (size_t i = 0; kv[i]; i++) {
        size_t l = strlen(kv[i]) + 1;
        if (l > cap - at)
            exit(1);
        memcpy(buf + at, kv[i], l);
        at += l;
    }
    return at;
}

/* ---- iscsi_pdu ---- */

static void sample_pdu(mc_pdu *p, uint8_t op)
{
    static const uint8_t data[PDU_DATA_LEN] = "key=value\0abcdef";
    mc_pdu_init(p, op);
    mc_pdu_set(p, MC_F_ITT, ITT0 + op);
    for (int f = 0; f < MC_F_COUNT; f++)
        if (f != MC_F_OPCODE && f != MC_F_ITT && f != MC_F_DSL && f != MC_F_TOTAL_AHS_LENGTH &&
            !mc_field_info((mc_field)f)->mask && mc_field_applies((mc_field)f, op))
            mc_pdu_set(p, (mc_field)f, 1);   /* every integer field of the opcode at 1 */
    mc_pdu_set(p, MC_F_FINAL, 1);
    if (op == MC_OP_SCSI_CMD) {
        static const uint8_t cdb[] = {OP_WRITE10, 0, 0, 0, 0, 0, 0, 0, 1, 0};
        mc_pdu_set_cdb(p, cdb, sizeof(cdb));
        mc_pdu_set(p, MC_F_WRITE, 1);
    }
    if (op != MC_OP_NOP_IN && op != MC_OP_R2T && op != MC_OP_TMF_REQ && op != MC_OP_TMF_RSP &&
        op != MC_OP_LOGOUT_REQ && op != MC_OP_LOGOUT_RSP && op != MC_OP_SNACK)
        mc_pdu_set_data(p, data, op == MC_OP_SCSI_CMD || op == MC_OP_DATA_OUT ? PDU_DATA_LEN : PDU_DATA_LEN - 3);
}

static void corpus_pdu(void)
{
    for (unsigned op = 0; op <= MC_OP_MASK; op++) {
        if (!mc_opcode_known((uint8_t)op))
            continue;
        const char *name = mc_opcode_name((uint8_t)op);
        char file[96];
        mc_pdu p;
        snprintf(file, sizeof(file), "op-%02x-%s", op, name);
        for (char *c = file; *c; c++)
            if (*c == ' ' || *c == '/')
                *c = '_';
        sample_pdu(&p, (uint8_t)op);
        put_pdu(&p, false);
        emit(file, CTRL_PDU_PLAIN);
        snprintf(file + strlen(file), sizeof(file) - strlen(file), "-digests");
        sample_pdu(&p, (uint8_t)op);
        put_pdu(&p, true);
        emit(file, CTRL_PDU_DIGESTS);
    }
    for (unsigned op = 0; op <= MC_OP_MASK; op++)
        if (mc_opcode_known((uint8_t)op)) {
            mc_pdu p;
            sample_pdu(&p, (uint8_t)op);
            put_pdu(&p, false);
        }
    emit("stream-every-opcode", CTRL_PDU_PLAIN);
    mc_pdu p;
    sample_pdu(&p, MC_OP_SCSI_CMD);
    static const uint8_t ahs[8] = {0, 5, 3, 0, 0, 0, 0, 0};   /* one extended-CDB AHS (11.2.2) */
    p.ahs = malloc(sizeof(ahs));
    if (!p.ahs)
        exit(1);
    memcpy(p.ahs, ahs, sizeof(ahs));
    p.ahs_len = sizeof(ahs);
    put_pdu(&p, true);
    emit("scsi-command-with-ahs", CTRL_PDU_DIGESTS);
}

/* ---- iscsi_text ---- */

static void corpus_text(void)
{
    static const char *const security[] = {
        "InitiatorName=iqn.2026-11.org.mirrorcert:host", "TargetName=iqn.2026-11.org.mirrorcert:fuzz",
        "SessionType=Normal", "AuthMethod=None", NULL};
    static const char *const operational[] = {
        "HeaderDigest=CRC32C,None", "DataDigest=None", "MaxConnections=1", "InitialR2T=No",
        "ImmediateData=Yes", "MaxRecvDataSegmentLength=65536", "MaxBurstLength=262144",
        "FirstBurstLength=65536", "DefaultTime2Wait=2", "DefaultTime2Retain=20", "MaxOutstandingR2T=1",
        "DataPDUInOrder=Yes", "DataSequenceInOrder=Yes", "ErrorRecoveryLevel=1", "iSCSIProtocolLevel=1",
        "TaskReporting=ResponseFence,RFC3720", NULL};
    static const char *const discovery[] = {
        "InitiatorName=iqn.2026-11.org.mirrorcert:host", "SessionType=Discovery", "AuthMethod=None", NULL};
    static const char *const chap[] = {
        "AuthMethod=CHAP,None", "CHAP_A=5", "CHAP_I=17", "CHAP_C=0x0123456789abcdef0123456789abcdef",
        "CHAP_N=user", "CHAP_R=0bASNFZ4mrze8BI0VniavN7w==", NULL};
    static const char *const answers[] = {
        "HeaderDigest=None", "DataDigest=None", "TargetPortalGroupTag=1", "TargetAlias=fuzz disk",
        "MaxRecvDataSegmentLength=262144", "InitialR2T=Yes", "ImmediateData=No", "MaxBurstLength=65536",
        "X-org.example.Private=NotUnderstood", "OFMarker=Reject", NULL};
    static const char *const extensions[] = {
        "X-org.mirrorcert.MirrorCommand=register", "X#NodeArchitecture=mirrorcert/1.0",
        "TargetAddress=127.0.0.1:3260,1", "SendTargets=All", "ErrorRecoveryLevel=0x1", NULL};
    static const char *const literal[] = {"Command=register", "multicast_group_ip = 239.1.2.3", NULL};
    put_keys(security);
    emit("login-security", CTRL_TEXT_SECURITY);
    put_keys(operational);
    emit("login-operational", CTRL_TEXT_OPERATIONAL);
    put_keys(security);
    put_keys(operational + 1);
    emit("login-one-stage", CTRL_TEXT_OPERATIONAL);
    put_keys(discovery);
    emit("login-discovery", CTRL_TEXT_DISCOVERY);
    put_keys(chap);
    emit("chap", CTRL_TEXT_SECURITY);
    put_keys(answers);
    emit("target-answers", CTRL_TEXT_OPERATIONAL);
    put_keys(extensions);
    emit("extensions", CTRL_TEXT_OPERATIONAL);
    put_keys(literal);
    emit("literal-dialect", CTRL_TEXT_LENIENT);
}

/* ---- iscsi_target ---- */

typedef struct conn {
    uint32_t cmdsn, itt;
} conn;

static void login(conn *c, const char *const *kv, int csg, int nsg)
{
    uint8_t text[1024];
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_LOGIN_REQ);
    mc_pdu_set(&p, MC_F_IMMEDIATE, 1);
    mc_pdu_set(&p, MC_F_TRANSIT, 1);
    mc_pdu_set(&p, MC_F_CSG, (uint64_t)csg);
    mc_pdu_set(&p, MC_F_NSG, (uint64_t)nsg);
    mc_pdu_set(&p, MC_F_ISID, ISID);
    mc_pdu_set(&p, MC_F_ITT, c->itt++);
    mc_pdu_set(&p, MC_F_CMDSN, c->cmdsn);
    mc_pdu_set_data(&p, text, keys_len(kv, text, sizeof(text)));
    put_pdu(&p, false);
}

static void normal_login(conn *c, bool unsolicited)
{
    static const char *const keys[] = {
        "InitiatorName=iqn.2026-11.org.mirrorcert:host", "TargetName=iqn.2026-11.org.mirrorcert:fuzz",
        "SessionType=Normal", "ErrorRecoveryLevel=1", NULL};
    static const char *const keys_unsolicited[] = {
        "InitiatorName=iqn.2026-11.org.mirrorcert:host", "TargetName=iqn.2026-11.org.mirrorcert:fuzz",
        "SessionType=Normal", "InitialR2T=No", "ImmediateData=Yes", NULL};
    c->cmdsn = CMDSN0;
    c->itt = ITT0;
    login(c, unsolicited ? keys_unsolicited : keys, MC_STAGE_OPERATIONAL, MC_STAGE_FULL_FEATURE);
}

static void scsi(conn *c, const uint8_t *cdb, size_t cdb_len, uint32_t edtl, bool read, bool write,
                 const uint8_t *data, size_t len)
{
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_SCSI_CMD);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_READ, read);
    mc_pdu_set(&p, MC_F_WRITE, write);
    mc_pdu_set(&p, MC_F_ATTR, 1);   /* SIMPLE task attribute */
    mc_pdu_set(&p, MC_F_LUN, (uint64_t)1 << 48);   /* LUN 1, peripheral addressing (SAM) */
    mc_pdu_set(&p, MC_F_ITT, c->itt++);
    mc_pdu_set(&p, MC_F_EDTL, edtl);
    mc_pdu_set(&p, MC_F_CMDSN, c->cmdsn++);
    mc_pdu_set_cdb(&p, cdb, cdb_len);
    if (len)
        mc_pdu_set_data(&p, data, len);
    put_pdu(&p, false);
}

static void simple(conn *c, uint8_t op, uint64_t f1, uint64_t v1, bool immediate)
{
    mc_pdu p;
    mc_pdu_init(&p, op);
    mc_pdu_set(&p, MC_F_IMMEDIATE, immediate);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_ITT, c->itt++);
    if (op == MC_OP_NOP_OUT || op == MC_OP_TEXT_REQ)
        mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set(&p, MC_F_CMDSN, immediate ? c->cmdsn : c->cmdsn++);
    if (f1 < MC_F_COUNT)
        mc_pdu_set(&p, (mc_field)f1, v1);
    if (op == MC_OP_TEXT_REQ) {
        static const char st[] = "SendTargets=All";
        mc_pdu_set_data(&p, st, sizeof(st));
    }
    put_pdu(&p, false);
}

static void logout(conn *c)
{
    simple(c, MC_OP_LOGOUT_REQ, MC_F_LOGOUT_REASON, MC_LOGOUT_SESSION, true);
}

static void corpus_target(void)
{
    static const uint8_t inquiry[] = {OP_INQUIRY, 0, 0, 0, INQUIRY_ALLOC, 0};
    static const uint8_t tur[6] = {OP_TEST_UNIT_READY};
    static const uint8_t capacity[10] = {OP_READ_CAPACITY10};
    static const uint8_t read1[] = {OP_READ10, 0, 0, 0, 0, 2, 0, 0, 1, 0};
    static const uint8_t write1[] = {OP_WRITE10, 0, 0, 0, 0, 2, 0, 0, 1, 0};
    static const uint8_t luns[] = {OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, REPORT_LUNS_ALLOC, 0, 0};
    static uint8_t block[BLOCK];
    for (unsigned i = 0; i < BLOCK; i++)
        block[i] = (uint8_t)i;
    conn c;

    normal_login(&c, false);
    emit("login", CTRL_TARGET_WHOLE);

    normal_login(&c, false);
    logout(&c);
    emit("login-logout", CTRL_TARGET_WHOLE);

    normal_login(&c, false);
    simple(&c, MC_OP_NOP_OUT, MC_F_COUNT, 0, true);
    scsi(&c, tur, sizeof(tur), 0, false, false, NULL, 0);
    scsi(&c, inquiry, sizeof(inquiry), INQUIRY_ALLOC, true, false, NULL, 0);
    scsi(&c, capacity, sizeof(capacity), CAPACITY_LEN, true, false, NULL, 0);
    scsi(&c, luns, sizeof(luns), REPORT_LUNS_ALLOC, true, false, NULL, 0);
    scsi(&c, write1, sizeof(write1), BLOCK, false, true, block, BLOCK);
    scsi(&c, read1, sizeof(read1), BLOCK, true, false, NULL, 0);
    logout(&c);
    emit("commands", CTRL_TARGET_WHOLE);

    normal_login(&c, false);
    scsi(&c, write1, sizeof(write1), BLOCK, false, true, block, BLOCK);
    scsi(&c, read1, sizeof(read1), BLOCK, true, false, NULL, 0);
    emit("write-read-split", CTRL_TARGET_SPLIT);

    /* InitialR2T=No: a WRITE without immediate data, then its data unsolicited (TTT reserved) */
    normal_login(&c, true);
    uint32_t itt = c.itt;
    scsi(&c, write1, sizeof(write1), BLOCK, false, true, NULL, 0);
    mc_pdu p;
    mc_pdu_init(&p, MC_OP_DATA_OUT);
    mc_pdu_set(&p, MC_F_FINAL, 1);
    mc_pdu_set(&p, MC_F_LUN, (uint64_t)1 << 48);
    mc_pdu_set(&p, MC_F_ITT, itt);
    mc_pdu_set(&p, MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&p, block, BLOCK);
    put_pdu(&p, false);
    logout(&c);
    emit("unsolicited-data-out", CTRL_TARGET_WHOLE);

    normal_login(&c, false);
    simple(&c, MC_OP_TMF_REQ, MC_F_TMF_FUNCTION, MC_TMF_ABORT_TASK, true);
    simple(&c, MC_OP_TMF_REQ, MC_F_TMF_FUNCTION, MC_TMF_LUN_RESET, true);
    simple(&c, MC_OP_SNACK, MC_F_SNACK_TYPE, MC_SNACK_STATUS, false);
    simple(&c, MC_OP_TEXT_REQ, MC_F_COUNT, 0, false);
    logout(&c);
    emit("tmf-snack-text", CTRL_TARGET_WHOLE);

    static const char *const disc[] = {"InitiatorName=iqn.2026-11.org.mirrorcert:host", "SessionType=Discovery",
                                       NULL};
    c.cmdsn = CMDSN0;
    c.itt = ITT0;
    login(&c, disc, MC_STAGE_OPERATIONAL, MC_STAGE_FULL_FEATURE);
    simple(&c, MC_OP_TEXT_REQ, MC_F_COUNT, 0, false);
    logout(&c);
    emit("discovery", CTRL_TARGET_WHOLE);

    static const char *const sec[] = {"InitiatorName=iqn.2026-11.org.mirrorcert:host",
                                      "TargetName=iqn.2026-11.org.mirrorcert:fuzz", "SessionType=Normal",
                                      "AuthMethod=None", NULL};
    static const char *const op[] = {"HeaderDigest=None", "DataDigest=None", "MaxRecvDataSegmentLength=65536",
                                     NULL};
    c.cmdsn = CMDSN0;
    c.itt = ITT0;
    login(&c, sec, MC_STAGE_SECURITY, MC_STAGE_OPERATIONAL);
    login(&c, op, MC_STAGE_OPERATIONAL, MC_STAGE_FULL_FEATURE);
    scsi(&c, inquiry, sizeof(inquiry), INQUIRY_ALLOC, true, false, NULL, 0);
    logout(&c);
    emit("two-stage-login", CTRL_TARGET_WHOLE);
}

/* ---- mcast ---- */

static void datagram(const char *name, uint32_t gsn, mc_pdu *pdus, size_t n)
{
    static uint8_t payload[MC_MG_UDP_PAYLOAD_MAX], dg[MC_MG_UDP_PAYLOAD_MAX];
    size_t plen = 0;
    for (size_t i = 0; i < n; i++) {
        if (mc_mg_append(payload, &plen, sizeof(payload) - MC_MG_HDR_LEN, &pdus[i]) != 0)
            exit(1);
        mc_pdu_free(&pdus[i]);
    }
    mc_mg_hdr h = {.isid = ISID, .pdu_count = (uint16_t)n, .gsn = gsn, .payload_length = (uint32_t)plen};
    mc_mg_build(&h, payload, plen, dg);
    put_bytes(dg, MC_MG_HDR_LEN + plen);
    emit(name, CTRL_MCAST_RAW);
}

static void reg(const char *name, const mc_mreg *r)
{
    mc_textbuf b;
    mc_textbuf_init(&b);
    if (mc_mreg_request(r, &b) != 0)
        exit(1);
    put_bytes(b.data, b.len);
    mc_textbuf_free(&b);
    emit(name, CTRL_MCAST_KEYS);
}

static void corpus_mcast(void)
{
    static const uint8_t write1[] = {OP_WRITE10, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    static uint8_t block[BLOCK];
    for (unsigned i = 0; i < BLOCK; i++)
        block[i] = (uint8_t)(BLOCK - i);
    mc_pdu p[2];
    mc_pdu_init(&p[0], MC_OP_SCSI_CMD);
    mc_pdu_set(&p[0], MC_F_FINAL, 1);
    mc_pdu_set(&p[0], MC_F_WRITE, 1);
    mc_pdu_set(&p[0], MC_F_LUN, (uint64_t)VLUN << 48);
    mc_pdu_set(&p[0], MC_F_ITT, ITT0);
    mc_pdu_set(&p[0], MC_F_EDTL, BLOCK);
    mc_pdu_set_cdb(&p[0], write1, sizeof(write1));
    mc_pdu_init(&p[1], MC_OP_DATA_OUT);
    mc_pdu_set(&p[1], MC_F_FINAL, 1);
    mc_pdu_set(&p[1], MC_F_LUN, (uint64_t)VLUN << 48);
    mc_pdu_set(&p[1], MC_F_ITT, ITT0);
    mc_pdu_set(&p[1], MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set_data(&p[1], block, BLOCK);
    datagram("datagram-command-and-data", GSN0, p, 2);
    mc_pdu_init(&p[0], MC_OP_DATA_OUT);
    mc_pdu_set(&p[0], MC_F_FINAL, 1);
    mc_pdu_set(&p[0], MC_F_LUN, (uint64_t)VLUN << 48);
    mc_pdu_set(&p[0], MC_F_ITT, ITT0);
    mc_pdu_set(&p[0], MC_F_TTT, MC_RESERVED_TAG);
    mc_pdu_set(&p[0], MC_F_BUFFER_OFFSET, BLOCK);
    mc_pdu_set_data(&p[0], block, BLOCK - 3);   /* padded on the wire */
    datagram("datagram-data-out", GSN0 + 1, p, 1);

    mc_mreg r = {.cmd = MC_MREG_REGISTER, .group_set = true, .group = 0xef010203u, .port = MC_MG_DEFAULT_PORT,
                 .vlun_set = true, .vlun = VLUN, .real = {1, 2}, .nreal = 2, .burst = MC_MG_LITERAL_BURST,
                 .tasks = MC_MG_DEFAULT_TASKS, .timeout_ms = MC_MG_DEFAULT_TIMEOUT_MS, .next_gsn_set = true,
                 .next_gsn = GSN0};
    reg("register", &r);
    r.cmd = MC_MREG_TERMINATE;
    reg("terminate", &r);
    r.cmd = MC_MREG_COUNTERS;
    reg("counters", &r);
    r.dialect = MC_DIALECT_LITERAL;
    r.cmd = MC_MREG_REGISTER;
    reg("register-literal", &r);
    r.cmd = MC_MREG_TERMINATE;
    reg("terminate-literal", &r);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*write)(void);
    } corpora[] = {{"iscsi_pdu", corpus_pdu}, {"iscsi_text", corpus_text}, {"iscsi_target", corpus_target},
                   {"mcast", corpus_mcast}};
    if (argc != 3) {
        fprintf(stderr, "usage: iscsi_corpus NAME OUTDIR\n");
        return 2;
    }
    outdir = argv[2];
    for (size_t i = 0; i < sizeof(corpora) / sizeof(corpora[0]); i++)
        if (strcmp(argv[1], corpora[i].name) == 0) {
            corpora[i].write();
            return failures ? 1 : 0;
        }
    fprintf(stderr, "iscsi_corpus: no corpus named %s\n", argv[1]);
    return 2;
}
