/*
 * test_rtf.c - RTF embedded objects (ingest/unpack_rtf.c): \objdata hex decoded through the
 * obfuscations exploit kits use, OLE1 objects named by class, Packager objects by the file
 * they carry, real third-party RTF, limits, and no crash or hang on damaged input.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#define RULES                                                                              \
    "rule MPAY { meta: severity = \"info\" strings: $a = \"MARKER_PAYLOAD_EXE\" "          \
    "condition: $a }\n"                                                                    \
    "rule MEQ { meta: severity = \"info\" strings: $a = \"MARKER_EQUATION{}\" "            \
    "condition: $a }\n"                                                                    \
    "rule MRAW { meta: severity = \"info\" strings: $a = \"MARKER_RAW_OBJDATA\" "          \
    "condition: $a }\n"

static void puts_(struct tu_bytes *b, const char *s) { tu_bytes_put(b, s, strlen(s)); }

static void le32(struct tu_bytes *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    tu_bytes_put(b, x, 4);
}

static void le16(struct tu_bytes *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    tu_bytes_put(b, x, 2);
}

/* LengthPrefixedAnsiString: u32 length counting the NUL, then the characters and the NUL. */
static void lpstr(struct tu_bytes *b, const char *s)
{
    if (!*s) {
        le32(b, 0);
        return;
    }
    le32(b, (uint32_t)strlen(s) + 1);
    tu_bytes_put(b, s, strlen(s) + 1);
}

/* An OLE1 embedded object: header, then 'native' (whose stated size may be a lie). */
static void ole1(struct tu_bytes *b, const char *cls, const void *native, size_t n, uint32_t size)
{
    le32(b, 0x00000501);
    le32(b, 2);
    lpstr(b, cls);
    lpstr(b, "");
    lpstr(b, "");
    le32(b, size);
    tu_bytes_put(b, native, n);
}

/* The Packager's native data for a file. */
static void package(struct tu_bytes *b, const char *label, const char *path, const void *d,
                    size_t n)
{
    le16(b, 2);
    tu_bytes_put(b, label, strlen(label) + 1);
    tu_bytes_put(b, path, strlen(path) + 1);
    le16(b, 0);
    le16(b, 3);
    le32(b, (uint32_t)strlen(path) + 1);
    tu_bytes_put(b, path, strlen(path) + 1);
    le32(b, (uint32_t)n);
    tu_bytes_put(b, d, n);
    /* Newer Packagers append Unicode copies of the names; they are not file data. */
    le32(b, 4);
    tu_bytes_put(b, "p\0a\0", 4);
}

/* Hex as Word writes it, plus what attackers add: line breaks, spaces and tabs anywhere. */
static void hex(struct tu_bytes *out, const uint8_t *d, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char h[2] = {digits[d[i] >> 4], digits[d[i] & 15]};
        tu_bytes_put(out, h, 1);
        if (i % 7 == 3)
            puts_(out, " \t");
        tu_bytes_put(out, h + 1, 1);
        if (i % 32 == 31)
            puts_(out, "\r\n");
    }
}

static const char payload[] = "MZ\x90 not a program, but MARKER_PAYLOAD_EXE is in it";

static uint8_t *package_rtf(size_t *len)
{
    struct tu_bytes pkg = {0}, obj = {0}, rtf = {0};
    package(&pkg, "payload.exe", "C:\\Users\\victim\\AppData\\Local\\Temp\\payload.exe",
            payload, sizeof payload - 1);
    ole1(&obj, "Package", pkg.p, pkg.len, (uint32_t)pkg.len);
    puts_(&rtf, "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\pard Hello\\par\n"
                "{\\object\\objemb\\objupdate{\\*\\objclass Package}\\objw1000\\objh600"
                "{\\*\\objdata\n");
    hex(&rtf, obj.p, obj.len);
    puts_(&rtf, "\n}{\\result{\\pict\\wmetafile8 0100}}}\\par}\n");
    free(pkg.p);
    free(obj.p);
    *len = rtf.len;
    return rtf.p;
}

static void test_package(void **state)
{
    (void)state;
    size_t n;
    uint8_t *rtf = package_rtf(&n);
    fg_engine *e = tu_engine(RULES);
    fg_result *r = tu_scan(e, "doc.rtf", rtf, n);
    if (!tu_object_has(r, "doc.rtf > payload.exe", "yara.MPAY"))
        tu_dump(r);
    assert_string_equal(tu_object(r, NULL)->type, "rtf");
    assert_true(tu_object_has(r, "doc.rtf > payload.exe", "yara.MPAY"));
    assert_int_equal(tu_object(r, "doc.rtf > payload.exe")->size, sizeof payload - 1);
    assert_false(tu_object_has(r, "doc.rtf", "yara.MPAY")); /* only decoding reveals it */
    assert_false(tu_has_finding(r, "malformed.*"));
    fg_result_free(r);
    fg_engine_free(e);
    free(rtf);
}

/*
 * What exploit documents do to \objdata: junk hex in groups that are destinations of their
 * own (\* or a known destination word), \'hh escapes, control words between the digits, an
 * odd \objdata parameter, raw \bin bytes that contain braces, stray closing braces.
 */
static void test_obfuscated(void **state)
{
    (void)state;
    static const char native[] = "MARKER_EQUATION{}";
    struct tu_bytes obj = {0}, rtf = {0};
    ole1(&obj, "Equation.3", native, sizeof native - 1, sizeof native - 1);
    /* All but the last 8 bytes as hex, split and interleaved with noise. */
    size_t head = obj.len - 8;
    puts_(&rtf, "{\\rtf1}}}\\ansi{\\object\\objemb\\objupdate{\\*\\objclass Equation.3}"
                "{\\*\\objdata123 ");
    for (size_t i = 0; i < head; i++) {
        char h[3];
        snprintf(h, sizeof h, "%02X", obj.p[i]);
        tu_bytes_put(&rtf, h, 1);
        switch (i % 5) {
        case 0: puts_(&rtf, "{\\*\\pnaiu 4142}"); break;
        case 1: puts_(&rtf, "\\'41\n"); break;
        case 2: puts_(&rtf, "{\\staticval ffff}"); break;
        case 3: puts_(&rtf, "\\rsid12345 \t"); break;
        default: puts_(&rtf, "{\\fs20 }"); break; /* not a destination: kept, holds no hex */
        }
        tu_bytes_put(&rtf, h + 1, 1);
    }
    /* The last 8 bytes raw, '}' among them: \bin data is never syntax. */
    puts_(&rtf, "\\bin8 ");
    tu_bytes_put(&rtf, obj.p + head, 8);
    puts_(&rtf, "}}\\par}");
    free(obj.p);
    fg_engine *e = tu_engine(RULES);
    fg_result *r = tu_scan(e, "obf.rtf", rtf.p, rtf.len);
    if (!tu_object_has(r, "obf.rtf > Equation.3", "yara.MEQ"))
        tu_dump(r);
    assert_true(tu_object_has(r, "obf.rtf > Equation.3", "yara.MEQ"));
    assert_int_equal(tu_object(r, "obf.rtf > Equation.3")->size, sizeof native - 1);
    assert_false(tu_has_finding(r, "malformed.*"));
    fg_result_free(r);
    fg_engine_free(e);
    free(rtf.p);
}

/* Not an OLE1 object, and an OLE1 object whose data is shorter than it says. */
static void test_raw_and_truncated(void **state)
{
    (void)state;
    static const char raw[] = "\x01\x02 MARKER_RAW_OBJDATA";
    static const char native[] = "MARKER_EQUATION{}";
    struct tu_bytes obj = {0}, rtf = {0};
    ole1(&obj, "Equation.3", native, sizeof native - 1, 4096);
    puts_(&rtf, "{\\rtf1{\\object{\\*\\objdata ");
    hex(&rtf, (const uint8_t *)raw, sizeof raw - 1);
    puts_(&rtf, "}}{\\object{\\*\\objdata ");
    hex(&rtf, obj.p, obj.len);
    puts_(&rtf, "}}}");
    free(obj.p);
    fg_engine *e = tu_engine(RULES);
    fg_result *r = tu_scan(e, "t.rtf", rtf.p, rtf.len);
    assert_true(tu_object_has(r, "t.rtf > objdata", "yara.MRAW"));
    assert_true(tu_object_has(r, "t.rtf > Equation.3", "yara.MEQ"));
    assert_true(tu_object_has(r, "t.rtf", "malformed.member"));
    fg_result_free(r);
    fg_engine_free(e);
    free(rtf.p);
}

/* Real RTF from the oletools test set: an obfuscated Equation.3 object, and one behind an
 * encrypted zip whose \objdata ends in a \bin run. */
static void test_corpus(void **state)
{
    (void)state;
    char *path = tu_oletools_path("rtfobj/issue_251.rtf");
    assert_non_null(path);
    size_t n;
    uint8_t *d = tu_read(path, &n);
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "issue_251.rtf", d, n);
    const struct fg_object_info *o = tu_object(r, "issue_251.rtf > equation.3");
    if (!o)
        tu_dump(r);
    assert_non_null(o);
    /* The native data starts with the OLE2 signature only if the junk hex in the
     * {\proptype\staticval abc} group was left out, as Word leaves it out. */
    assert_string_equal(o->type, "ole2");
    assert_true(tu_object_has(r, "issue_251.rtf", "malformed.member")); /* 8 of 3072 bytes */
    fg_result_free(r);
    fg_engine_free(e);
    free(d);
    free(path);

    path = tu_oletools_path("rtfobj/issue_185.rtf.zip");
    assert_non_null(path);
    d = tu_read(path, &n);
    fg_engine *e2 = NULL;
    assert_int_equal(fg_engine_new(&e2), 0);
    assert_int_equal(fg_engine_add_password(e2, "infected-test"), 0);
    assert_int_equal(fg_engine_compile(e2), 0);
    r = tu_scan(e2, "issue_185.rtf.zip", d, n);
    if (!tu_object(r, "issue_185.rtf > objdata"))
        tu_dump(r);
    assert_non_null(tu_object(r, "issue_185.rtf > objdata"));
    fg_result_free(r);
    fg_engine_free(e2);
    free(d);
    free(path);
}

/* An object larger than what is left of the total: a limit finding, not a buffer. */
static void test_limit(void **state)
{
    (void)state;
    struct tu_bytes rtf = {0};
    puts_(&rtf, "{\\rtf1{\\object{\\*\\objdata ");
    uint8_t chunk[4096];
    memset(chunk, 0x41, sizeof chunk);
    for (int i = 0; i < 128; i++)
        hex(&rtf, chunk, sizeof chunk);
    puts_(&rtf, "}}}");
    struct fg_limits l;
    fg_limits_default(&l);
    l.max_total_size = rtf.len + 100000;
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_set_limits(e, &l), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    fg_result *r = tu_scan(e, "big.rtf", rtf.p, rtf.len);
    assert_true(tu_object_has(r, "big.rtf", "limit.total-size"));
    assert_null(tu_object(r, "> objdata"));
    fg_result_free(r);
    fg_engine_free(e);
    free(rtf.p);
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

static void scan_timed(fg_engine *e, const uint8_t *d, size_t n, int max_seconds)
{
    time_t t0 = time(NULL);
    fg_result *r = tu_scan(e, "f.rtf", d, n);
    fg_result_free(r);
    assert_true(time(NULL) - t0 <= max_seconds);
}

/* Pathological structure: deep nesting, a huge \bin count, millions of control words
 * inside an object.  Linear time, no crash. */
static void test_hostile_structure(void **state)
{
    (void)state;
    fg_engine *e = fuzz_engine();
    struct tu_bytes b = {0};
    puts_(&b, "{\\rtf1{\\object{\\*\\objdata 0102");
    for (int i = 0; i < 200000; i++)
        puts_(&b, "{");
    puts_(&b, "4142\\bin99999999999999999999 tail");
    scan_timed(e, b.p, b.len, 5);
    b.len = 0;
    puts_(&b, "{\\rtf1{\\object{\\*\\objdata ");
    for (int i = 0; i < 300000; i++)
        puts_(&b, "{\\*\\mmath 41}\\x\\y12 0");
    scan_timed(e, b.p, b.len, 5);
    b.len = 0;
    for (int i = 0; i < 300000; i++)
        puts_(&b, "}\\objdata{");
    scan_timed(e, b.p, b.len, 5);
    free(b.p);
    fg_engine_free(e);
}

static void test_truncated_and_flipped(void **state)
{
    (void)state;
    size_t n;
    uint8_t *rtf = package_rtf(&n);
    fg_engine *e = fuzz_engine();
    for (size_t cut = 0; cut < n; cut += 1 + cut / 32)
        scan_timed(e, rtf, cut, 10);
    uint8_t *m = malloc(n);
    assert_non_null(m);
    srand(4321);
    for (int round = 0; round < 500; round++) {
        memcpy(m, rtf, n);
        int flips = 1 + rand() % 8;
        for (int i = 0; i < flips; i++)
            m[(size_t)rand() % n] = (uint8_t)rand();
        scan_timed(e, m, n, 10);
    }
    free(m);
    fg_engine_free(e);
    free(rtf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_package, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_obfuscated, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_raw_and_truncated, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_corpus, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_limit, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_structure, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_flipped, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
