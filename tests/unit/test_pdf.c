/*
 * test_pdf.c - PDF streams and embedded files through libqpdf (ingest/unpack_pdf.c): every
 * standard filter and chain, object streams, embedded files under their names, encrypted
 * files, bombs refused before they are decoded, and no crash on damaged input.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <qpdf/qpdf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "testutil.h"

/* Markers are 16 bytes long: libyara 4.2 stores match data unaligned, and an odd length
 * before a second match on one object trips UBSan in an_yara.c (reported separately). */
#define RULE(name, text)                                                                   \
    "rule " name " { meta: severity = \"info\" strings: $a = \"" text "\" condition: $a }\n"
#define RULES                                                                              \
    RULE("MFLATE", "MARKER_FLATE_123")                                                     \
    RULE("MAHX", "MARKER_AHX_56789")                                                       \
    RULE("MLZW", "-----A---B")                                                             \
    RULE("MRL", "MARKER_RL_999999")                                                        \
    RULE("MCHAIN", "MARKER_CHAIN_777")                                                     \
    RULE("MEMB", "MARKER_EMBEDDED4")                                                       \
    RULE("MOBJSTM", "MARKER_OBJSTM_31")                                                    \
    RULE("MJPEG", "MARKER_JPEG_0001")                                                      \
    RULE("MJS", "MARKER_PLAINJS55")

/* ---- writing PDFs by hand ---- */

struct pdfw {
    uint8_t *p;
    size_t len, cap;
    long off[64]; /* byte offset of each object, 0 if none */
};

static void w_bytes(struct pdfw *w, const void *d, size_t n)
{
    if (w->len + n + 1 > w->cap) {
        w->cap = (w->len + n + 1) * 2;
        w->p = realloc(w->p, w->cap);
        assert_non_null(w->p);
    }
    memcpy(w->p + w->len, d, n);
    w->len += n;
}

static void w_str(struct pdfw *w, const char *s) { w_bytes(w, s, strlen(s)); }

static void w_obj(struct pdfw *w, int num, const char *body)
{
    char head[32];
    w->off[num] = (long)w->len;
    snprintf(head, sizeof head, "%d 0 obj\n", num);
    w_str(w, head);
    w_str(w, body);
    w_str(w, "\nendobj\n");
}

static void w_stream(struct pdfw *w, int num, const char *dict, const void *data, size_t n)
{
    char head[512];
    w->off[num] = (long)w->len;
    snprintf(head, sizeof head, "%d 0 obj\n<< %s /Length %zu >>\nstream\n", num, dict, n);
    w_str(w, head);
    w_bytes(w, data, n);
    w_str(w, "\nendstream\nendobj\n");
}

/* A classic xref table and trailer for objects 1..n-1. */
static void w_xref_table(struct pdfw *w, int n)
{
    char line[128];
    long x = (long)w->len;
    snprintf(line, sizeof line, "xref\n0 %d\n0000000000 65535 f \n", n);
    w_str(w, line);
    for (int i = 1; i < n; i++) {
        snprintf(line, sizeof line, "%010ld 00000 %c \n", w->off[i], w->off[i] ? 'n' : 'f');
        w_str(w, line);
    }
    snprintf(line, sizeof line, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n",
             n, x);
    w_str(w, line);
}

static uint8_t *zip_bytes(const void *d, size_t n, size_t *outlen)
{
    uLongf l = compressBound(n);
    uint8_t *o = malloc(l);
    assert_non_null(o);
    assert_int_equal(compress2(o, &l, d, n, 9), Z_OK);
    *outlen = l;
    return o;
}

static char *hex_of(const void *d, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *h = malloc(n * 3 + 2);
    assert_non_null(h);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        h[k++] = digits[((const uint8_t *)d)[i] >> 4];
        h[k++] = digits[((const uint8_t *)d)[i] & 15];
        if (i % 16 == 15)
            h[k++] = '\n'; /* whitespace is allowed anywhere in ASCIIHex */
    }
    h[k++] = '>';
    h[k] = 0;
    return h;
}

static char *a85_of(const uint8_t *d, size_t n)
{
    char *o = malloc(n / 4 * 5 + 16);
    assert_non_null(o);
    size_t k = 0;
    for (size_t i = 0; i < n; i += 4) {
        size_t m = n - i < 4 ? n - i : 4;
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++)
            v = v << 8 | (j < m ? d[i + j] : 0);
        if (m == 4 && v == 0) {
            o[k++] = 'z';
            continue;
        }
        char g[5];
        for (int j = 4; j >= 0; j--) {
            g[j] = (char)('!' + v % 85);
            v /= 85;
        }
        memcpy(o + k, g, m + 1);
        k += m + 1;
    }
    memcpy(o + k, "~>", 3);
    return o;
}

/*
 * The main fixture: Flate, ASCIIHex, LZW, RunLength and an ASCII85+Flate chain, an
 * embedded file named only by a file spec that sits in a compressed object stream, and a
 * cross-reference stream (the only way to point into an object stream).
 */
enum { FIX_PLAIN = 0, FIX_BROKEN = 1 };

static uint8_t *make_pdf(int flags, size_t *len)
{
    struct pdfw w = {0};
    size_t zl;
    uint8_t *z;
    w_str(&w, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
    /* /Extra keeps every object referenced, so that qpdf keeps them when it rewrites. */
    w_obj(&w, 1, "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles "
                 "<< /Names [(invoice.exe) 7 0 R] >> >> "
                 "/Extra [3 0 R 4 0 R 5 0 R 9 0 R 10 0 R 11 0 R 13 0 R 14 0 R] >>");
    w_obj(&w, 2, "<< /Type /Pages /Kids [] /Count 0 >>");
    const char *text = "BT /F1 12 Tf (MARKER_FLATE_123) Tj ET";
    z = zip_bytes(text, strlen(text), &zl);
    w_stream(&w, 3, "/Filter /FlateDecode", z, zl);
    free(z);
    char *h = hex_of("MARKER_AHX_56789", 16);
    w_stream(&w, 4, "/Filter /AHx", h, strlen(h));
    free(h);
    /* The LZW example of the PDF reference: "-----A---B", codes 256 45 258 258 65 259 66 257. */
    static const uint8_t lzw[] = {0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01};
    w_stream(&w, 5, "/Filter /LZWDecode", lzw, sizeof lzw);
    const char *emb = "MZ\x90\0 this is not a program MARKER_EMBEDDED4";
    z = zip_bytes(emb, 43, &zl);
    w_stream(&w, 6, "/Type /EmbeddedFile /Filter /FlateDecode", z, zl);
    free(z);
    /* Object stream 8 holds the file spec (7) and a JavaScript action (11). */
    const char *o7 = "<< /Type /Filespec /F (invoice.exe) /UF (invoice.exe) /EF << /F 6 0 R >> >>";
    const char *o11 = "<< /S /JavaScript /JS (app.alert\\('MARKER_OBJSTM_31'\\)) >>";
    char objs[512], hdr[64], dict[128];
    snprintf(hdr, sizeof hdr, "7 0 11 %zu\n", strlen(o7) + 1);
    snprintf(objs, sizeof objs, "%s%s\n%s", hdr, o7, o11);
    z = zip_bytes(objs, strlen(objs), &zl);
    snprintf(dict, sizeof dict, "/Type /ObjStm /N 2 /First %zu /Filter /FlateDecode", strlen(hdr));
    w_stream(&w, 8, dict, z, zl);
    free(z);
    /* RunLength: a literal run, a repeated run, the marker, end of data. */
    uint8_t rl[64];
    size_t k = 0;
    rl[k++] = 2, memcpy(rl + k, "abc", 3), k += 3;
    rl[k++] = 257 - 5, rl[k++] = 'x';
    rl[k++] = 9, memcpy(rl + k, "MARKER_RL_", 10), k += 10;
    rl[k++] = 257 - 6, rl[k++] = '9'; /* so the marker is not in the file as it stands */
    rl[k++] = 128;
    w_stream(&w, 9, "/Filter /RunLengthDecode", rl, k);
    const char *chain = "(MARKER_CHAIN_777) Tj";
    z = zip_bytes(chain, strlen(chain), &zl);
    char *a = a85_of(z, zl);
    w_stream(&w, 10, "/Filter [/A85 /Fl]", a, strlen(a));
    free(a);
    free(z);
    /* A JavaScript action as a plain object: in an encrypted file its string is encrypted. */
    w_obj(&w, 13, "<< /S /JavaScript /JS (app.alert\\('MARKER_PLAINJS55'\\)) >>");
    /* An image: Flate is undone, DCT is not (the JPEG bytes are what the file carries). */
    static const char jpeg[] = "\xff\xd8\xff\xe0\0\x10JFIF\0 MARKER_JPEG_0001 \xff\xd9";
    z = zip_bytes(jpeg, sizeof jpeg - 1, &zl);
    w_stream(&w, 14, "/Filter [/FlateDecode /DCTDecode] /Subtype /Image", z, zl);
    free(z);
    if (flags & FIX_BROKEN) {
        z = zip_bytes(text, strlen(text), &zl);
        memset(z + 2, 0xFF, zl - 6); /* not deflate any more */
        w_stream(&w, 15, "/Filter /FlateDecode", z, zl);
        free(z);
    }
    /* Cross-reference stream: type 1 = offset, type 2 = (object stream, index). */
    int size = (flags & FIX_BROKEN) ? 16 : 15;
    long xoff = (long)w.len;
    w.off[12] = xoff;
    uint8_t xr[16 * 7];
    for (int i = 0; i < size; i++) {
        uint8_t *e = xr + i * 7;
        long v = w.off[i];
        int type = i == 0 ? 0 : (i == 7 || i == 11) ? 2 : v ? 1 : 0;
        if (type == 2)
            v = 8;
        uint16_t idx = i == 11 ? 1 : 0;
        if (i == 0)
            idx = 65535;
        e[0] = (uint8_t)type;
        for (int b = 0; b < 4; b++)
            e[1 + b] = (uint8_t)(v >> (24 - 8 * b));
        e[5] = (uint8_t)(idx >> 8), e[6] = (uint8_t)idx;
    }
    snprintf(dict, sizeof dict, "/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R", size);
    w_stream(&w, 12, dict, xr, (size_t)size * 7);
    char tail[64];
    snprintf(tail, sizeof tail, "startxref\n%ld\n%%%%EOF\n", xoff);
    w_str(&w, tail);
    *len = w.len;
    return w.p;
}

/* ---- checks ---- */

/* Some object below 'prefix' has the finding (object numbers change when qpdf rewrites). */
static int some_object_has(const fg_result *r, const char *prefix, const char *id)
{
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        if (strncmp(o->path, prefix, strlen(prefix)))
            continue;
        for (size_t j = 0; j < o->nfindings; j++)
            if (!strcmp(o->findings[j].id, id))
                return 1;
    }
    return 0;
}

static void test_streams_and_embedded_file(void **state)
{
    (void)state;
    size_t n;
    uint8_t *pdf = make_pdf(FIX_PLAIN, &n);
    fg_engine *e = tu_engine(RULES);
    fg_result *r = tu_scan(e, "mail.pdf", pdf, n);
    if (!tu_object_has(r, "mail.pdf > invoice.exe", "yara.MEMB"))
        tu_dump(r);
    assert_string_equal(tu_object(r, NULL)->type, "pdf");
    assert_true(tu_object_has(r, "mail.pdf > obj 3", "yara.MFLATE"));
    assert_true(tu_object_has(r, "mail.pdf > obj 4", "yara.MAHX"));
    assert_true(tu_object_has(r, "mail.pdf > obj 5", "yara.MLZW"));
    assert_true(tu_object_has(r, "mail.pdf > obj 9", "yara.MRL"));
    assert_true(tu_object_has(r, "mail.pdf > obj 10", "yara.MCHAIN"));
    assert_true(tu_object_has(r, "mail.pdf > obj 8", "yara.MOBJSTM"));
    assert_true(tu_object_has(r, "mail.pdf > obj 14", "yara.MJPEG"));
    assert_string_equal(tu_object(r, "mail.pdf > obj 14")->type, "image");
    /* The embedded file is named by its file spec, which lives in the object stream. */
    assert_true(tu_object_has(r, "mail.pdf > invoice.exe", "yara.MEMB"));
    assert_null(tu_object(r, "> obj 6"));
    /* Nothing was hidden from us, and nothing was broken. */
    assert_false(tu_has_finding(r, "malformed.*"));
    assert_false(tu_has_finding(r, "limit.*"));
    /* None of the markers is visible in the raw file: only decoding finds them. */
    assert_false(tu_object_has(r, "mail.pdf", "yara.MFLATE"));
    /* A file that is not encrypted has no "objects" child: its objects are in plain view. */
    assert_true(tu_object_has(r, "mail.pdf", "yara.MJS"));
    assert_null(tu_object(r, "> objects"));
    fg_result_free(r);
    fg_engine_free(e);
    free(pdf);
}

/* A stream that does not decode leaves a finding with its object number; the rest goes on. */
static void test_broken_stream(void **state)
{
    (void)state;
    size_t n;
    uint8_t *pdf = make_pdf(FIX_BROKEN, &n);
    fg_engine *e = tu_engine(RULES);
    fg_result *r = tu_scan(e, "b.pdf", pdf, n);
    const struct fg_object_info *root = tu_object(r, NULL);
    int found = 0;
    for (size_t i = 0; i < root->nfindings; i++)
        if (!strcmp(root->findings[i].id, "malformed.member") &&
            strstr(root->findings[i].message, "15 0"))
            found = 1;
    if (!found)
        tu_dump(r);
    assert_true(found);
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_UNSCANNABLE);
    assert_true(tu_object_has(r, "b.pdf > obj 3", "yara.MFLATE"));
    assert_true(tu_object_has(r, "b.pdf > invoice.exe", "yara.MEMB"));
    fg_result_free(r);
    fg_engine_free(e);
    free(pdf);
}

/* n zero bytes, zlib-compressed without ever holding them. */
static uint8_t *zip_zeros(size_t n, size_t *outlen)
{
    static const uint8_t zeros[65536];
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit(&z, 9), Z_OK);
    size_t cap = n / 512 + 4096;
    uint8_t *o = malloc(cap);
    assert_non_null(o);
    z.next_out = o;
    z.avail_out = (uInt)cap;
    for (size_t left = n; left;) {
        size_t k = left < sizeof zeros ? left : sizeof zeros;
        z.next_in = (Bytef *)zeros;
        z.avail_in = (uInt)k;
        left -= k;
        assert_int_equal(deflate(&z, left ? Z_NO_FLUSH : Z_FINISH), left ? Z_OK : Z_STREAM_END);
    }
    *outlen = cap - z.avail_out;
    deflateEnd(&z);
    return o;
}

struct bits {
    struct pdfw out;
    uint32_t acc;
    int n;
};

static void put_code(struct bits *b, unsigned code, int width)
{
    b->acc = b->acc << width | code;
    b->n += width;
    while (b->n >= 8) {
        uint8_t c = (uint8_t)(b->acc >> (b->n - 8));
        w_bytes(&b->out, &c, 1);
        b->n -= 8;
    }
}

/*
 * LZW that decodes to about 7 MB of 'A' per table: after a clear, 'A' and then always the
 * code about to be defined, so that each code stands for one 'A' more than the last.  Code
 * width grows one code early, as PDF's /EarlyChange 1 says.
 */
static uint8_t *lzw_bomb(int tables, size_t *len)
{
    struct bits b = {{0}, 0, 0};
    int width = 9;
    for (int t = 0; t < tables; t++) {
        put_code(&b, 256, width);
        width = 9;
        put_code(&b, 'A', width);
        for (unsigned code = 258; code < 4000; code++) {
            put_code(&b, code, width);
            if (code + 1 == 511 || code + 1 == 1023 || code + 1 == 2047)
                width++;
        }
    }
    put_code(&b, 257, width);
    put_code(&b, 0, 7); /* flush */
    *len = b.out.len;
    return b.out.p;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A small stream that inflates past the size limit is refused (limit finding), alone and
 * behind another filter, and LZW, before qpdf decodes it: the scan's peak memory stays far
 * below the 512 MiB the streams would take.  The ordinary streams next to it are still scanned. */
static void test_bombs_refused(void **state)
{
    (void)state;
    size_t zl;
    uint8_t *z = zip_zeros(512u << 20, &zl);
    char *hz = hex_of(z, zl);
    struct pdfw w = {0};
    w_str(&w, "%PDF-1.4\n");
    w_obj(&w, 1, "<< /Type /Catalog /Pages 2 0 R >>");
    w_obj(&w, 2, "<< /Type /Pages /Kids [] /Count 0 >>");
    w_stream(&w, 3, "/Filter /FlateDecode", z, zl);
    w_stream(&w, 4, "/Filter [/ASCIIHexDecode /FlateDecode]", hz, strlen(hz));
    size_t tl;
    const char *text = "MARKER_FLATE_123";
    uint8_t *t = zip_bytes(text, strlen(text), &tl);
    w_stream(&w, 5, "/Filter /FlateDecode", t, tl);
    size_t ll;
    uint8_t *lzw = lzw_bomb(80, &ll); /* some 560 MB */
    w_stream(&w, 6, "/Filter /LZWDecode", lzw, ll);
    free(lzw);
    w_xref_table(&w, 7);
    free(t);
    free(hz);
    free(z);

    struct fg_limits l;
    fg_limits_default(&l);
    l.max_object_size = 8u << 20;
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_rules_string(e, "t", RULES), 0);
    assert_int_equal(fg_engine_set_limits(e, &l), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    long before = peak_rss_kb();
    fg_result *r = tu_scan(e, "bomb.pdf", w.p, w.len);
    long grew_mb = (peak_rss_kb() - before) / 1024;
    print_message("peak memory grew by %ld MiB\n", grew_mb);
    assert_true(grew_mb < 200);
    /* One limit finding per container, whichever stream hit it first. */
    if (!tu_object_has(r, "bomb.pdf", "limit.object-size"))
        tu_dump(r);
    assert_true(tu_object_has(r, "bomb.pdf", "limit.object-size"));
    assert_null(tu_object(r, "> obj 3"));
    assert_null(tu_object(r, "> obj 4"));
    assert_null(tu_object(r, "> obj 6"));
    assert_true(tu_object_has(r, "bomb.pdf > obj 5", "yara.MFLATE"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_UNSCANNABLE);
    fg_result_free(r);
    fg_engine_free(e);
    free(w.p);
}

/* Encrypts the main fixture with qpdf itself (AES-256). */
static uint8_t *encrypt_pdf(const char *user, const char *owner, size_t *len)
{
    size_t n;
    uint8_t *pdf = make_pdf(FIX_PLAIN, &n);
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    assert_int_equal(qpdf_read_memory(q, "fixture", (const char *)pdf, n, NULL) & QPDF_ERRORS, 0);
    assert_int_equal(qpdf_init_write_memory(q) & QPDF_ERRORS, 0);
    qpdf_set_r6_encryption_parameters2(q, user, owner, 1, 1, 1, 1, 1, 1, qpdf_r3p_full, 1);
    assert_int_equal(qpdf_write(q) & QPDF_ERRORS, 0);
    *len = qpdf_get_buffer_length(q);
    uint8_t *out = malloc(*len);
    assert_non_null(out);
    memcpy(out, qpdf_get_buffer(q), *len);
    qpdf_cleanup(&q);
    free(pdf);
    return out;
}

static void test_encrypted(void **state)
{
    (void)state;
    size_t n;
    fg_engine *e = tu_engine(RULES);

    /* Only an owner password: readers open it without asking, and so do we. */
    uint8_t *pdf = encrypt_pdf("", "owner-secret", &n);
    assert_null(memmem(pdf, n, "MARKER_", 7));
    fg_result *r = tu_scan(e, "owner.pdf", pdf, n);
    if (!tu_object_has(r, "owner.pdf > invoice.exe", "yara.MEMB"))
        tu_dump(r);
    assert_true(tu_object_has(r, "owner.pdf > invoice.exe", "yara.MEMB"));
    assert_false(tu_has_finding(r, "encrypted.*"));
    /* The action's string is encrypted in the file; decrypted, it is in "objects". */
    if (!tu_object_has(r, "owner.pdf > objects", "yara.MJS"))
        tu_dump(r);
    assert_true(tu_object_has(r, "owner.pdf > objects", "yara.MJS"));
    assert_false(tu_object_has(r, "owner.pdf", "yara.MJS"));
    fg_result_free(r);
    free(pdf);

    /* A user password we do not know: encrypted.pdf, unscannable. */
    pdf = encrypt_pdf("user-secret", "owner-secret", &n);
    r = tu_scan(e, "locked.pdf", pdf, n);
    assert_true(tu_object_has(r, "locked.pdf", "encrypted.pdf"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_UNSCANNABLE);
    assert_null(tu_object(r, "> invoice.exe"));
    fg_result_free(r);
    fg_engine_free(e);

    /* ... which the user's password list opens. */
    fg_engine *e2 = NULL;
    assert_int_equal(fg_engine_new(&e2), 0);
    assert_int_equal(fg_engine_add_rules_string(e2, "t", RULES), 0);
    assert_int_equal(fg_engine_add_password(e2, "wrong"), 0);
    assert_int_equal(fg_engine_add_password(e2, "user-secret"), 0);
    assert_int_equal(fg_engine_compile(e2), 0);
    r = tu_scan(e2, "locked.pdf", pdf, n);
    assert_true(tu_object_has(r, "locked.pdf > invoice.exe", "yara.MEMB"));
    assert_true(some_object_has(r, "locked.pdf > obj ", "yara.MCHAIN"));
    assert_false(tu_has_finding(r, "encrypted.pdf"));
    fg_result_free(r);
    fg_engine_free(e2);
    free(pdf);
}

/* Not a PDF at all behind the magic: a finding, not a crash. */
static void test_garbage(void **state)
{
    (void)state;
    static const char junk[] = "%PDF-1.7\nthis is no pdf at all\n";
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "junk.pdf", junk, sizeof junk - 1);
    assert_true(tu_has_finding(r, "malformed.pdf"));
    fg_result_free(r);
    fg_engine_free(e);
}

static fg_engine *fuzz_engine(void)
{
    struct fg_limits l;
    fg_limits_default(&l);
    l.max_seconds = 20;
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_set_limits(e, &l), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    return e;
}

static void scan_timed(fg_engine *e, const uint8_t *d, size_t n)
{
    time_t t0 = time(NULL);
    fg_result *r = tu_scan(e, "f.pdf", d, n);
    fg_result_free(r);
    assert_true(time(NULL) - t0 < 15);
}

/* Truncated at many lengths and with random bytes changed: no crash, no hang, and not a
 * word from qpdf on stdout or stderr (library code never prints). */
static void test_truncated_and_flipped(void **state)
{
    (void)state;
    size_t n;
    uint8_t *pdf = make_pdf(FIX_BROKEN, &n);
    fg_engine *e = fuzz_engine();
    struct tu_quiet q;
    tu_quiet_begin(&q);
    for (size_t cut = 0; cut < n; cut += 1 + cut / 24)
        scan_timed(e, pdf, cut);
    uint8_t *m = malloc(n);
    assert_non_null(m);
    srand(1234);
    for (int round = 0; round < 300; round++) {
        memcpy(m, pdf, n);
        int flips = 1 + rand() % 8;
        for (int i = 0; i < flips; i++)
            m[(size_t)rand() % n] = (uint8_t)rand();
        scan_timed(e, m, n);
    }
    tu_quiet_end(&q);
    free(m);
    fg_engine_free(e);
    free(pdf);
}

/* An xref table that lists only object 0 makes qpdf fail on a stream it reaches through
 * /OpenAction; qpdf_cleanup() used to print that unread error to stderr (regression). */
static void test_unread_error_not_printed(void **state)
{
    (void)state;
    static const char content[] = "BT /F1 12 Tf 72 720 Td (hello) Tj ET";
    uint8_t z[256];
    uLongf zl = sizeof z;
    assert_int_equal(compress(z, &zl, (const Bytef *)content, sizeof content - 1), Z_OK);
    struct tu_bytes b = {0};
    char hdr[512];
    int hl = snprintf(hdr, sizeof hdr,
        "%%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>\nendobj\n"
        "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>\nendobj\n"
        "4 0 obj\n<< /Length %lu /Filter /FlateDecode >>\nstream\n", (unsigned long)zl);
    tu_bytes_put(&b, hdr, (size_t)hl);
    size_t xref_at;
    tu_bytes_put(&b, z, zl);
    tu_bytes_put(&b, "\nendstream\nendobj\n", 19);
    xref_at = b.len;
    hl = snprintf(hdr, sizeof hdr, "xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 5 /Root 1 0 R >>\n"
                  "startxref\n%zu\n%%%%EOF\n", xref_at);
    tu_bytes_put(&b, hdr, (size_t)hl);
    fg_engine *e = fuzz_engine();
    struct tu_quiet q;
    tu_quiet_begin(&q);
    fg_result *r = tu_scan(e, "old.pdf", b.p, b.len);
    tu_quiet_end(&q);
    fg_result_free(r);
    fg_engine_free(e);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_streams_and_embedded_file, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_broken_stream, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_bombs_refused, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_encrypted, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_garbage, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_flipped, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_unread_error_not_printed, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
