/*
 * test_tnef.c - TNEF (winmail.dat) through libytnef (ingest/unpack_tnef.c): attachments
 * come out under their names, the compressed RTF body is decoded, and truncated, corrupted
 * or hostile streams leave a finding, never crash and never make libytnef print.
 * The streams are built here record by record.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define MARKER "FG-TEST-MARKER-TNEF"
#define RULE "rule Marker { meta: severity = \"high\" strings: $a = \"" MARKER "\" condition: $a }"

/* Attribute ids (level byte, then these): type << 16 | id, as in MS-OXTNEF. */
#define ATT_VERSION 0x00089006u
#define ATT_RENDDATA 0x00069002u
#define ATT_TITLE 0x00018010u
#define ATT_DATA 0x0006800Fu
#define ATT_ATTACHMENT 0x00069005u
#define ATT_MAPIPROPS 0x00069003u
#define ATT_BODY 0x0002800Cu

struct tb {
    uint8_t *p;
    size_t n, cap;
    size_t ends[64]; /* where each record ends: cuts there are not truncations */
    size_t nends;
};

static void b8(struct tb *t, unsigned v)
{
    assert_true(t->n < t->cap);
    t->p[t->n++] = (uint8_t)v;
}
static void b16(struct tb *t, unsigned v) { b8(t, v & 255); b8(t, v >> 8); }
static void b32(struct tb *t, uint32_t v) { b16(t, v & 65535); b16(t, v >> 16); }
static void bmem(struct tb *t, const void *d, size_t n)
{
    assert_true(n <= t->cap - t->n);
    memcpy(t->p + t->n, d, n);
    t->n += n;
}

static void tb_init(struct tb *t, size_t cap)
{
    memset(t, 0, sizeof *t);
    t->p = malloc(cap);
    assert_non_null(t->p);
    t->cap = cap;
}

static void start(struct tb *t)
{
    t->n = t->nends = 0;
    b32(t, 0x223E9F78u);
    b16(t, 0x1234); /* key */
    t->ends[t->nends++] = t->n;
}

static void record(struct tb *t, unsigned level, uint32_t id, const void *d, size_t n)
{
    unsigned sum = 0;
    b8(t, level);
    b32(t, id);
    b32(t, (uint32_t)n);
    bmem(t, d, n);
    for (size_t i = 0; i < n; i++)
        sum += ((const uint8_t *)d)[i];
    b16(t, sum & 0xFFFF);
    t->ends[t->nends++] = t->n;
}

/* A MAPI block with one string property (PT_STRING8): count, tag, 1, size, bytes, pad. */
static size_t mapi_string(uint8_t *out, unsigned prop, const char *s)
{
    uint8_t mem[1024];
    struct tb t = {.p = mem, .cap = sizeof mem};
    size_t l = strlen(s) + 1;
    b32(&t, 1);
    b32(&t, (uint32_t)prop << 16 | 0x001E);
    b32(&t, 1);
    b32(&t, (uint32_t)l);
    bmem(&t, s, l);
    while (t.n % 4)
        b8(&t, 0);
    memcpy(out, t.p, t.n);
    return t.n;
}

/* The same with a PT_UNICODE value, from UTF-8 text (two-byte sequences and ASCII). */
static size_t mapi_utf16(uint8_t *out, unsigned prop, const char *utf8)
{
    uint8_t mem[1024];
    struct tb t = {.p = mem, .cap = sizeof mem};
    uint16_t u[128];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)utf8; *c && n < 127; c++) {
        if ((c[0] & 0xE0) == 0xC0 && c[1]) {
            u[n++] = (uint16_t)((c[0] & 0x1F) << 6 | (c[1] & 0x3F));
            c++;
        } else {
            u[n++] = c[0];
        }
    }
    u[n++] = 0;
    b32(&t, 1);
    b32(&t, (uint32_t)prop << 16 | 0x001F);
    b32(&t, 1);
    b32(&t, (uint32_t)(2 * n));
    for (size_t i = 0; i < n; i++)
        b16(&t, u[i]);
    while (t.n % 4)
        b8(&t, 0);
    memcpy(out, t.p, t.n);
    return t.n;
}

/* Compressed RTF (LZFu) whose output is "{\rtf1" taken from the preset dictionary, then
 * the literals, then the end marker: the marker appears only if the decoder is right. */
static size_t lzfu(uint8_t *out, const char *lit)
{
    uint8_t mem[1024];
    struct tb t = {.p = mem, .n = 16, .cap = sizeof mem};
    size_t nlit = strlen(lit), tok = 0, ctlpos = 0;
    unsigned w = 207;
    for (size_t i = 0; i < nlit + 2; i++, tok++) {
        if (tok % 8 == 0) {
            ctlpos = t.n;
            b8(&t, 0);
        }
        if (i == 0) { /* reference: offset 0, length 6 */
            t.p[ctlpos] |= (uint8_t)(1u << (tok % 8));
            b8(&t, 0x00);
            b8(&t, 0x04);
            w += 6;
        } else if (i <= nlit) {
            b8(&t, (uint8_t)lit[i - 1]);
            w++;
        } else { /* end: a reference to the current write position */
            t.p[ctlpos] |= (uint8_t)(1u << (tok % 8));
            b8(&t, (w << 4) >> 8);
            b8(&t, (w << 4) & 0xFF);
        }
    }
    size_t total = t.n;
    t.n = 0;
    b32(&t, (uint32_t)(total - 4));
    b32(&t, (uint32_t)(6 + nlit));
    bmem(&t, "LZFu", 4);
    b32(&t, 0); /* CRC: not checked */
    memcpy(out, t.p, total);
    return total;
}

/* A MAPI block holding PR_RTF_COMPRESSED (PT_BINARY). */
static size_t mapi_rtf(uint8_t *out, const char *lit)
{
    uint8_t z[512];
    size_t zl = lzfu(z, lit);
    uint8_t mem[1024];
    struct tb t = {.p = mem, .cap = sizeof mem};
    b32(&t, 1);
    b32(&t, 0x1009u << 16 | 0x0102);
    b32(&t, 1);
    b32(&t, (uint32_t)zl);
    bmem(&t, z, zl);
    while (t.n % 4)
        b8(&t, 0);
    memcpy(out, t.p, t.n);
    return t.n;
}

static void build(struct tb *t)
{
    static const uint8_t version[4] = {0, 0, 1, 0};
    static const uint8_t rend[14] = {1, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    const char *data = "Invoice no. 42\n" MARKER "\n";
    uint8_t m[1024];
    start(t);
    record(t, 1, ATT_VERSION, version, sizeof version);
    record(t, 1, ATT_BODY, "plain body text", 15);
    record(t, 1, ATT_MAPIPROPS, m, mapi_rtf(m, " " MARKER "-RTF}"));
    /* Attachment 1: title only. */
    record(t, 2, ATT_RENDDATA, rend, sizeof rend);
    record(t, 2, ATT_TITLE, "invoice.txt", 12);
    record(t, 2, ATT_DATA, data, strlen(data));
    /* Attachment 2: an 8.3 title and the real name in its MAPI properties. */
    record(t, 2, ATT_RENDDATA, rend, sizeof rend);
    record(t, 2, ATT_TITLE, "REPORT~1.JS", 12);
    record(t, 2, ATT_DATA, "var x = '" MARKER "';", 30);
    record(t, 2, ATT_ATTACHMENT, m, mapi_string(m, 0x3707, "report for accounting.js"));
    /* Attachment 3: no title, a UTF-16 (PT_UNICODE) long name. */
    record(t, 2, ATT_RENDDATA, rend, sizeof rend);
    record(t, 2, ATT_DATA, "third " MARKER, 6 + strlen(MARKER));
    record(t, 2, ATT_ATTACHMENT, m, mapi_utf16(m, 0x3707, "\u0441\u0447\u0451\u0442.exe"));
}

static int has_finding_on(const struct fg_object_info *o, const char *id)
{
    for (size_t i = 0; o && i < o->nfindings; i++)
        if (!strncmp(o->findings[i].id, id, strlen(id)))
            return 1;
    return 0;
}

static void test_attachments(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 8192);
    build(&t);
    fg_engine *e = tu_engine(RULE);
    struct tu_quiet q;
    tu_quiet_begin(&q);
    fg_result *r = tu_scan(e, "winmail.dat", t.p, t.n);
    tu_quiet_end(&q);
    assert_string_equal(tu_object(r, NULL)->type, "tnef");
    const struct fg_object_info *o = tu_object(r, "winmail.dat > invoice.txt");
    assert_non_null(o);
    assert_true(has_finding_on(o, "yara.Marker"));
    o = tu_object(r, "winmail.dat > report for accounting.js");
    assert_non_null(o);
    assert_true(has_finding_on(o, "yara.Marker"));
    assert_null(tu_object(r, "REPORT~1.JS"));
    o = tu_object(r, "winmail.dat > \u0441\u0447\u0451\u0442.exe");
    assert_non_null(o);
    assert_true(has_finding_on(o, "yara.Marker"));
    assert_non_null(tu_object(r, "winmail.dat > body.txt"));
    /* The RTF body decompressed: "{\rtf1" from the dictionary plus the literals. */
    o = tu_object(r, "winmail.dat > body.rtf");
    assert_non_null(o);
    assert_int_equal(o->size, 6 + strlen(" " MARKER "-RTF}"));
    assert_true(has_finding_on(o, "yara.Marker"));
    assert_false(tu_has_finding(r, "malformed.*"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    fg_result_free(r);
    fg_engine_free(e);
    free(t.p);
}

static int is_boundary(const struct tb *t, size_t cut)
{
    for (size_t i = 0; i < t->nends; i++)
        if (t->ends[i] == cut)
            return 1;
    return 0;
}

/* Every cut: no crash, nothing printed; a cut inside a record leaves a finding, and what
 * came before the cut is still unpacked. */
static void test_truncated(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 8192);
    build(&t);
    fg_engine *e = tu_engine(RULE);
    size_t after_first = t.ends[6]; /* header, version, body, MAPI, rend, title, data */
    char why[160] = "";
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    struct tu_quiet q;
    tu_quiet_begin(&q); /* failures are reported after stdout is back */
    for (size_t cut = 4; cut < t.n && !why[0]; cut++) {
        fg_result *r = tu_scan_with(sc, "winmail.dat", t.p, cut);
        if (!is_boundary(&t, cut) && !tu_has_finding(r, "malformed.tnef"))
            snprintf(why, sizeof why, "cut at %zu of %zu: no malformed.tnef finding", cut, t.n);
        else if (!is_boundary(&t, cut) && fg_result_verdict(r) == FG_VERDICT_CLEAN)
            snprintf(why, sizeof why, "cut at %zu: clean", cut);
        else if (cut >= after_first && !tu_object(r, "winmail.dat > invoice.txt"))
            snprintf(why, sizeof why, "cut at %zu: the complete first attachment is lost", cut);
        fg_result_free(r);
    }
    tu_quiet_end(&q);
    fg_scanner_free(sc);
    free(t.p);
    if (why[0])
        fail_msg("%s", why);
    fg_engine_free(e);
}

/* Flipped bytes and hostile MAPI blocks: libytnef must not see what it cannot parse. */
static void test_corrupt(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 8192);
    build(&t);
    fg_engine *e = tu_engine(RULE);
    uint8_t *m = malloc(t.n);
    assert_non_null(m);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    struct tu_quiet q;
    tu_quiet_begin(&q);
    for (size_t pos = 6; pos < t.n; pos++) {
        for (unsigned x = 1; x < 256; x <<= 2) {
            memcpy(m, t.p, t.n);
            m[pos] ^= (uint8_t)x;
            fg_result *r = tu_scan_with(sc, "winmail.dat", m, t.n);
            fg_result_free(r);
        }
    }
    tu_quiet_end(&q);
    fg_scanner_free(sc);
    free(m);

    /* A MAPI block whose multi-valued property claims 5000 values and one that stops
     * right after a property tag: skipped with a finding; the attachment still comes out. */
    static const uint32_t bad1[] = {1, 0x0E08u << 16 | 0x1003u, 5000};
    static const uint32_t bad2[] = {1, 0x0E08u << 16 | 0x1003u};
    static const uint8_t rend[14];
    const struct {
        const void *d;
        size_t n;
    } bad[] = {{bad1, sizeof bad1}, {bad2, sizeof bad2}};
    for (size_t i = 0; i < 2; i++) {
        start(&t);
        record(&t, 1, ATT_MAPIPROPS, bad[i].d, bad[i].n);
        record(&t, 2, ATT_RENDDATA, rend, sizeof rend);
        record(&t, 2, ATT_TITLE, "invoice.txt", 12);
        record(&t, 2, ATT_DATA, MARKER, strlen(MARKER));
        tu_quiet_begin(&q);
        fg_result *r = tu_scan(e, "winmail.dat", t.p, t.n);
        tu_quiet_end(&q);
        assert_true(tu_has_finding(r, "malformed.member"));
        assert_true(has_finding_on(tu_object(r, "winmail.dat > invoice.txt"), "yara.Marker"));
        fg_result_free(r);
    }

    /* Data before any attachment record, twice: both kept, as separate attachments. */
    start(&t);
    record(&t, 2, ATT_DATA, "first " MARKER, 6 + strlen(MARKER));
    record(&t, 2, ATT_DATA, "second", 6);
    fg_result *r = tu_scan(e, "winmail.dat", t.p, t.n);
    assert_true(has_finding_on(tu_object(r, "winmail.dat > attachment-1"), "yara.Marker"));
    assert_non_null(tu_object(r, "winmail.dat > attachment-2"));
    fg_result_free(r);

    /* A wrong checksum is reported, and the data is scanned anyway. */
    start(&t);
    record(&t, 2, ATT_RENDDATA, rend, sizeof rend);
    record(&t, 2, ATT_DATA, MARKER, strlen(MARKER));
    t.p[t.n - 1] ^= 0xFF;
    r = tu_scan(e, "winmail.dat", t.p, t.n);
    assert_true(tu_has_finding(r, "malformed.checksum"));
    assert_true(has_finding_on(tu_object(r, "winmail.dat > attachment-1"), "yara.Marker"));
    fg_result_free(r);
    fg_engine_free(e);
    free(t.p);
}

/* What libytnef 2.0 refuses (and prints about): a title over 100 bytes, a body over 100000,
 * a MAPI value over 512 KiB, a multi-valued property at the end of a block.  None of it may
 * reach libytnef; the content must still be scanned. */
static void test_libytnef_limits(void **state)
{
    (void)state;
    static const uint8_t rend[14];
    struct tb t;
    tb_init(&t, 2u << 20);
    fg_engine *e = tu_engine(RULE);
    char title[160];
    memset(title, 'n', sizeof title);
    memcpy(title + 140, ".txt", 5);
    size_t big = 600000;
    uint8_t *blob = calloc(1, big + 64);
    assert_non_null(blob);
    memset(blob, ' ', big + 64);
    /* "MELA": an uncompressed RTF body, bigger than libytnef takes. */
    struct tb r = {.p = blob, .cap = big + 64};
    b32(&r, 1);                   /* one property */
    b32(&r, 0x1009u << 16 | 0x0102); /* PR_RTF_COMPRESSED, PT_BINARY */
    b32(&r, 1);
    b32(&r, (uint32_t)(big - 16));
    size_t rtf = r.n;
    b32(&r, (uint32_t)(big - 16 - 4));
    b32(&r, (uint32_t)(big - 32));
    bmem(&r, "MELA", 4);
    b32(&r, 0);
    memcpy(blob + rtf + 1000, "{\\rtf1 " MARKER "-BIGRTF", 8 + strlen(MARKER) + 7);
    r.n = 16 + big - 16;
    /* A multi-valued property with two values at the end of a block: libytnef misreads it. */
    static const uint32_t mv[] = {1, 0x0E08u << 16 | 0x1003u, 2, 7, 8};
    char *body = malloc(150001);
    assert_non_null(body);
    memset(body, 'b', 150000);
    memcpy(body + 120000, MARKER "-BODY", strlen(MARKER) + 5);

    start(&t);
    record(&t, 1, ATT_BODY, body, 150000);
    record(&t, 1, ATT_MAPIPROPS, blob, r.n);
    record(&t, 2, ATT_RENDDATA, rend, sizeof rend);
    record(&t, 2, ATT_TITLE, title, 145);
    record(&t, 2, ATT_DATA, MARKER, strlen(MARKER));
    record(&t, 2, ATT_ATTACHMENT, mv, sizeof mv);
    struct tu_quiet q;
    tu_quiet_begin(&q);
    fg_result *res = tu_scan(e, "winmail.dat", t.p, t.n);
    tu_quiet_end(&q);
    assert_true(has_finding_on(tu_object(res, "winmail.dat > body.txt"), "yara.Marker"));
    assert_true(has_finding_on(tu_object(res, "winmail.dat > body.rtf"), "yara.Marker"));
    title[100] = 0; /* libytnef keeps 100 bytes of a title */
    assert_true(has_finding_on(tu_object(res, title), "yara.Marker"));
    assert_false(tu_has_finding(res, "malformed.*"));
    fg_result_free(res);
    fg_engine_free(e);
    free(body);
    free(blob);
    free(t.p);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_tmpdir_setup, tu_tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_attachments),
        T(test_truncated),
        T(test_corrupt),
        T(test_libytnef_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
