/*
 * test_ole.c - OLE2 compound files through libgsf (ingest/unpack_ole.c): every stream is a
 * child named by its storage path, an Ole10Native package yields the embedded file, real
 * Office files from oletools unpack as expected, and truncated, corrupted or hostile files
 * (directory trees built to exhaust libgsf's recursion) leave a finding and never crash.
 */
#define _GNU_SOURCE
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-utils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define MARKER "FG-TEST-MARKER-OLE"
#define RULE "rule Marker { meta: severity = \"high\" strings: $a = \"" MARKER "\" condition: $a }"

static int has_finding_on(const struct fg_object_info *o, const char *id)
{
    for (size_t i = 0; o && i < o->nfindings; i++)
        if (!strncmp(o->findings[i].id, id, strlen(id)))
            return 1;
    return 0;
}

static const char *finding_evidence(const fg_result *r, const char *id)
{
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t j = 0; j < o->nfindings; j++)
            if (!strcmp(o->findings[j].id, id))
                return o->findings[j].evidence;
    }
    return NULL;
}

/* An OLE1 Package as Word stores it in "\x01Ole10Native". */
static size_t make_package(uint8_t *out, const char *payload)
{
    static const char label[] = "payload.exe", path[] = "C:\\Users\\x\\Desktop\\payload.exe",
                      tmp[] = "C:\\Users\\x\\AppData\\Local\\Temp\\payload.exe";
    size_t n = 4, dl = strlen(payload);
    out[n++] = 2;
    out[n++] = 0;
    memcpy(out + n, label, sizeof label);
    n += sizeof label;
    memcpy(out + n, path, sizeof path);
    n += sizeof path;
    tu_put_u32le(out + n, 0x00030000);
    tu_put_u32le(out + n + 4, (uint32_t)sizeof tmp);
    n += 8;
    memcpy(out + n, tmp, sizeof tmp);
    n += sizeof tmp;
    tu_put_u32le(out + n, (uint32_t)dl);
    n += 4;
    memcpy(out + n, payload, dl);
    n += dl;
    tu_put_u32le(out, (uint32_t)(n - 4));
    return n;
}

static void write_stream(GsfOutfile *dir, const char *name, const void *d, size_t n)
{
    GsfOutput *s = gsf_outfile_new_child(dir, name, FALSE);
    assert_non_null(s);
    assert_true(gsf_output_write(s, n, d));
    assert_true(gsf_output_close(s));
    g_object_unref(s);
}

/* Macros/VBA/ThisDocument with the marker, and ObjectPool/_1234 (class Package) holding an
 * Ole10Native stream that wraps payload.exe, itself with the marker; the stream data is
 * large enough for big blocks so that both allocation tables are used. */
static uint8_t *make_ole(size_t *len)
{
    static const guint8 package_clsid[16] = {0x0C, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
                                             0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    GsfOutput *mem = gsf_output_memory_new();
    GsfOutfile *ole = gsf_outfile_msole_new(mem);
    assert_non_null(ole);
    GsfOutfile *macros = GSF_OUTFILE(gsf_outfile_new_child(ole, "Macros", TRUE));
    GsfOutfile *vba = GSF_OUTFILE(gsf_outfile_new_child(macros, "VBA", TRUE));
    char *src = malloc(6000);
    assert_non_null(src);
    memset(src, '\'', 6000);
    memcpy(src + 5000, MARKER, strlen(MARKER));
    write_stream(vba, "ThisDocument", src, 6000);
    free(src);
    gsf_output_close(GSF_OUTPUT(vba));
    g_object_unref(vba);
    gsf_output_close(GSF_OUTPUT(macros));
    g_object_unref(macros);
    GsfOutfile *pool = GSF_OUTFILE(gsf_outfile_new_child(ole, "ObjectPool", TRUE));
    GsfOutfile *obj = GSF_OUTFILE(gsf_outfile_new_child(pool, "_1234", TRUE));
    gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(obj), package_clsid);
    uint8_t pkg[512];
    size_t pl = make_package(pkg, "MZ this is not a program " MARKER);
    write_stream(obj, "\001Ole10Native", pkg, pl);
    write_stream(obj, "\001CompObj", "small stream", 12);
    gsf_output_close(GSF_OUTPUT(obj));
    g_object_unref(obj);
    gsf_output_close(GSF_OUTPUT(pool));
    g_object_unref(pool);
    write_stream(ole, "WordDocument", "not really a Word document", 26);
    assert_true(gsf_output_close(GSF_OUTPUT(ole)));
    g_object_unref(ole);
    *len = (size_t)gsf_output_size(mem);
    uint8_t *b = malloc(*len);
    assert_non_null(b);
    memcpy(b, gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)), *len);
    g_object_unref(mem); /* closing the OLE file closed it */
    return b;
}

static void test_streams_and_package(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = make_ole(&len);
    fg_engine *e = tu_engine(RULE);
    fg_result *r = tu_scan(e, "t.doc", b, len);
    assert_string_equal(tu_object(r, NULL)->type, "ole2");
    const struct fg_object_info *o = tu_object(r, "t.doc > Macros/VBA/ThisDocument");
    assert_non_null(o);
    assert_int_equal(o->size, 6000);
    assert_true(has_finding_on(o, "yara.Marker"));
    o = tu_object(r, "t.doc > ObjectPool/_1234/\\x01Ole10Native > payload.exe");
    assert_non_null(o);
    assert_true(has_finding_on(o, "yara.Marker"));
    assert_non_null(tu_object(r, "t.doc > ObjectPool/_1234/\\x01CompObj"));
    const char *ev = finding_evidence(r, "ole2.clsid");
    assert_non_null(ev);
    assert_non_null(
        strstr(ev, "ObjectPool/_1234 {0003000C-0000-0000-C000-000000000046} (Package)"));
    assert_false(tu_has_finding(r, "malformed.*"));
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
}

/* A broken Package layout leaves a finding on the stream; the rest is still unpacked. */
static void test_broken_package(void **state)
{
    (void)state;
    uint8_t pkg[512];
    size_t pl = make_package(pkg, "x " MARKER);
    fg_engine *e = tu_engine(RULE);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    /* Through the type hint the OLE unpacker gives it; here via an OLE file each time. */
    for (size_t cut = 0; cut < pl; cut++) {
        GsfOutput *mem = gsf_output_memory_new();
        GsfOutfile *ole = gsf_outfile_msole_new(mem);
        write_stream(ole, "\001Ole10Native", pkg, cut);
        write_stream(ole, "Other", MARKER, strlen(MARKER));
        gsf_output_close(GSF_OUTPUT(ole));
        g_object_unref(ole);
        size_t n = (size_t)gsf_output_size(mem);
        fg_result *r = tu_scan_with(sc, "t.doc", gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)), n);
        if (cut > 0 && !tu_has_finding(r, "malformed.member"))
            fail_msg("package cut at %zu of %zu: no malformed.member", cut, pl);
        if (!has_finding_on(tu_object(r, "t.doc > Other"), "yara.Marker"))
            fail_msg("package cut at %zu: the other stream was not scanned", cut);
        fg_result_free(r);
        g_object_unref(mem);
    }
    fg_scanner_free(sc);
    fg_engine_free(e);
}

static void test_truncated_and_flipped(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = make_ole(&len);
    fg_engine *e = tu_engine(RULE);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    /* Cut anywhere from inside the header to the last byte. */
    for (size_t cut = 8; cut < len; cut += cut < 1024 ? 61 : 509) {
        fg_result *r = tu_scan_with(sc, "t.doc", b, cut);
        if (!tu_has_finding(r, "malformed.*"))
            fail_msg("cut at %zu of %zu: no malformed finding", cut, len);
        fg_result_free(r);
    }
    uint8_t *m = malloc(len);
    assert_non_null(m);
    for (size_t pos = 0; pos < len; pos += pos < 2048 ? 3 : 97) {
        memcpy(m, b, len);
        m[pos] ^= 0xA5;
        fg_result_free(tu_scan_with(sc, "t.doc", m, len));
    }
    free(m);
    fg_scanner_free(sc);
    fg_engine_free(e);
    free(b);
}

/* ---- hostile directories, built by hand ---- */

struct cfb_entry {
    uint8_t type;
    uint32_t left, right, child;
};

/* A compound file with 512-byte sectors: directory sectors first, then the FAT. */
static uint8_t *make_cfb(const struct cfb_entry *ent, size_t nent, size_t *len)
{
    size_t ndir = (nent + 3) / 4, nfat = 1;
    while (nfat * 128 < ndir + nfat)
        nfat++;
    assert_true(nfat <= 109);
    *len = 512 * (1 + ndir + nfat);
    uint8_t *b = calloc(1, *len);
    assert_non_null(b);
    memcpy(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    b[0x18] = 0x3E;
    b[0x1A] = 3;
    b[0x1C] = 0xFE;
    b[0x1D] = 0xFF;
    b[0x1E] = 9;
    b[0x20] = 6;
    tu_put_u32le(b + 0x2C, (uint32_t)nfat);
    tu_put_u32le(b + 0x30, 0);
    tu_put_u32le(b + 0x38, 4096);
    tu_put_u32le(b + 0x3C, 0xFFFFFFFE);
    tu_put_u32le(b + 0x44, 0xFFFFFFFE);
    for (size_t i = 0; i < 109; i++)
        tu_put_u32le(b + 0x4C + 4 * i, i < nfat ? (uint32_t)(ndir + i) : 0xFFFFFFFF);
    uint8_t *fat = b + 512 * (1 + ndir);
    for (size_t s = 0; s < nfat * 128; s++)
        tu_put_u32le(fat + 4 * s, s + 1 < ndir ? (uint32_t)(s + 1)
                             : s + 1 == ndir ? 0xFFFFFFFE
                             : s < ndir + nfat ? 0xFFFFFFFD
                                               : 0xFFFFFFFF);
    for (size_t i = 0; i < nent; i++) {
        uint8_t *d = b + 512 + 128 * i;
        char name[16];
        int nl = i ? snprintf(name, sizeof name, "s%zu", i)
                   : snprintf(name, sizeof name, "Root Entry");
        for (int k = 0; k < nl; k++)
            d[2 * k] = (uint8_t)name[k];
        d[0x40] = (uint8_t)(2 * (nl + 1));
        d[0x42] = ent[i].type;
        tu_put_u32le(d + 0x44, ent[i].left);
        tu_put_u32le(d + 0x48, ent[i].right);
        tu_put_u32le(d + 0x4C, ent[i].child);
        tu_put_u32le(d + 0x74, 0xFFFFFFFE);
    }
    return b;
}

#define NOSTREAM 0xFFFFFFFFu

/* Siblings 1..n-1 under the root, as a balanced tree or as one long chain. */
static struct cfb_entry *siblings(size_t n, int chain)
{
    struct cfb_entry *e = calloc(n, sizeof *e);
    assert_non_null(e);
    e[0] = (struct cfb_entry){5, NOSTREAM, NOSTREAM, 1};
    for (size_t i = 1; i < n; i++)
        e[i] = (struct cfb_entry){2, NOSTREAM, chain && i + 1 < n ? (uint32_t)(i + 1) : NOSTREAM,
                                  NOSTREAM};
    if (!chain) {
        /* Heap layout: entry i has children 2i and 2i+1 (all indices from 1). */
        for (size_t i = 1; i < n; i++) {
            e[i].left = 2 * i < n ? (uint32_t)(2 * i) : NOSTREAM;
            e[i].right = 2 * i + 1 < n ? (uint32_t)(2 * i + 1) : NOSTREAM;
        }
    }
    return e;
}

static void test_hostile_directory(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        int chain;
        const char *why; /* NULL: must open */
    } cases[] = {
        {200, 1, NULL},    /* a degenerate but shallow chain: libgsf copes */
        {2000, 0, NULL},   /* many entries, balanced */
        {5000, 1, "too deep"},
        {14000, 0, "too many entries"},
    };
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cfb_entry *ent = siblings(cases[i].n, cases[i].chain);
        size_t len;
        uint8_t *b = make_cfb(ent, cases[i].n, &len);
        fg_result *r = tu_scan(e, "t.doc", b, len);
        const char *ev = finding_evidence(r, "malformed.ole2");
        if (!cases[i].why && ev)
            fail_msg("%zu entries: refused: %s", cases[i].n, ev);
        if (cases[i].why && (!ev || !strstr(ev, cases[i].why)))
            fail_msg("%zu entries: want '%s', got '%s'", cases[i].n, cases[i].why, ev ? ev : "");
        fg_result_free(r);
        free(b);
        free(ent);
    }
    fg_engine_free(e);
}

/* ---- real files (oletools test data, BSD-licensed; see the corpus README) ---- */

static void test_oletools_corpus(void **state)
{
    (void)state;
    static const struct {
        const char *file, *child; /* child: a path suffix that must exist */
        const char *child_type;
        enum fg_verdict verdict;
        const char *finding;
    } cases[] = {
        {"oleobj/embedded-simple-2007.doc", "\\x01Ole10Native > simple-text-file.txt", "text",
         FG_VERDICT_CLEAN, "ole2.clsid"},
        /* a document carrying a program is suspicious (an_oleobj.c, ole.package) */
        {"oleobj/sample_with_calc_embedded.doc", "\\x01Ole10Native > calc.exe", "pe",
         FG_VERDICT_SUSPICIOUS, "ole.package"},
        {"msodde/harmless-clean.doc", "> WordDocument", NULL, FG_VERDICT_CLEAN, NULL},
        {"olevba/sample_with_vba.ppt", "> PowerPoint Document", NULL, FG_VERDICT_CLEAN, NULL},
        {"basic/encrypted.docx", "> EncryptedPackage", NULL, FG_VERDICT_UNSCANNABLE,
         "encrypted.office"},
    };
    fg_engine *e = tu_engine(NULL);
    int found = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *b = tu_oletools(cases[i].file, &len);
        if (!b)
            continue;
        found++;
        fg_result *r = tu_scan(e, cases[i].file, b, len);
        const struct fg_object_info *o = tu_object(r, cases[i].child);
        if (!o)
            fail_msg("%s: no object ending in '%s'", cases[i].file, cases[i].child);
        if (cases[i].child_type && strcmp(o->type, cases[i].child_type))
            fail_msg("%s: %s is %s", cases[i].file, cases[i].child, o->type);
        if (fg_result_verdict(r) != cases[i].verdict)
            fail_msg("%s: verdict %s", cases[i].file, fg_verdict_name(fg_result_verdict(r)));
        if (tu_has_finding(r, "malformed.*"))
            fail_msg("%s: malformed finding", cases[i].file);
        if (cases[i].finding && !tu_has_finding(r, cases[i].finding))
            fail_msg("%s: no %s finding", cases[i].file, cases[i].finding);
        fg_result_free(r);
        free(b);
    }
    fg_engine_free(e);
    if (!found)
        skip(); /* the shared corpus is not checked out beside the source */
}

int main(void)
{
    gsf_init();
#define T(f) cmocka_unit_test_setup_teardown(f, tu_tmpdir_setup, tu_tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_streams_and_package),
        T(test_broken_package),
        T(test_truncated_and_flipped),
        T(test_hostile_directory),
        T(test_oletools_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
