/*
 * test_mspack.c - CHM, SZDD and KWAJ through libmspack (ingest/unpack_mspack.c): members
 * come out under the right name with their content decoded, and truncated files leave a
 * finding and never crash.  SZDD and KWAJ are built by hand; CHM needs chmcmd (fp-utils).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define MARKER "FG-TEST-MARKER-MSPACK"
#define RULE "rule Marker { meta: severity = \"high\" strings: $a = \"" MARKER "\" condition: $a }"
#define PAYLOAD "MZ fake program. " MARKER " and some more text after it."

static int has_finding_on(const struct fg_object_info *o, const char *id)
{
    for (size_t i = 0; o && i < o->nfindings; i++)
        if (!strcmp(o->findings[i].id, id))
            return 1;
    return 0;
}

/* SZDD with LZSS data made only of literals: a control byte 0xFF, then 8 bytes. The marker
 * is split by control bytes, so it is found only if the data really is decompressed. */
static uint8_t *make_szdd(const char *text, size_t *len)
{
    size_t n = strlen(text);
    uint8_t *b = malloc(14 + n + n / 8 + 1);
    assert_non_null(b);
    memcpy(b, "SZDD\x88\xF0\x27\x33", 8);
    b[8] = 'A';
    b[9] = 'E'; /* the missing last character of "SETUP.EX_" */
    tu_put_u32le(b + 10, (uint32_t)n);
    size_t o = 14;
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0)
            b[o++] = 0xFF;
        b[o++] = (uint8_t)text[i];
    }
    *len = o;
    return b;
}

static void test_szdd(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = make_szdd(PAYLOAD, &len);
    assert_null(memmem(b, len, MARKER, strlen(MARKER)));
    fg_engine *e = tu_engine(RULE);
    fg_result *r = tu_scan(e, "SETUP.EX_", b, len);
    assert_string_equal(tu_object(r, NULL)->type, "szdd");
    const struct fg_object_info *o = tu_object(r, "SETUP.EX_ > SETUP.EXE");
    assert_non_null(o);
    assert_int_equal(o->size, strlen(PAYLOAD));
    assert_true(has_finding_on(o, "yara.Marker"));
    assert_false(tu_has_finding(r, "malformed.*"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
}

/* Every cut from the end of the magic on must leave a finding (header unreadable, or
 * fewer bytes than the header promises); none may crash. */
static void test_szdd_truncated(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = make_szdd(PAYLOAD, &len);
    fg_engine *e = tu_engine(RULE);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    for (size_t cut = 8; cut < len; cut++) {
        fg_result *r = tu_scan_with(sc, "SETUP.EX_", b, cut);
        if (!tu_has_finding(r, "malformed.*"))
            fail_msg("SZDD cut at %zu of %zu: no malformed finding", cut, len);
        if (fg_result_verdict(r) == FG_VERDICT_CLEAN)
            fail_msg("SZDD cut at %zu: clean", cut);
        fg_result_free(r);
    }
    fg_scanner_free(sc);
    fg_engine_free(e);
    free(b);
}

/* KWAJ, method 1 (XOR 0xFF), with the original name and length in optional headers. */
static uint8_t *make_kwaj(const char *text, size_t *len)
{
    size_t n = strlen(text);
    uint8_t *b = malloc(32 + n);
    assert_non_null(b);
    memcpy(b, "KWAJ\x88\xF0\x27\xD1", 8);
    size_t o = 14;
    tu_put_u32le(b + o, (uint32_t)n);
    o += 4;
    memcpy(b + o, "EVIL\0", 5);
    o += 5;
    memcpy(b + o, "EXE\0", 4);
    o += 4;
    b[8] = 1; /* XOR */
    b[9] = 0;
    b[10] = (uint8_t)o; /* data offset */
    b[11] = 0;
    b[12] = 0x01 | 0x08 | 0x10; /* length, file name, extension */
    b[13] = 0;
    for (size_t i = 0; i < n; i++)
        b[o++] = (uint8_t)text[i] ^ 0xFF;
    *len = o;
    return b;
}

static void test_kwaj(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = make_kwaj(PAYLOAD, &len);
    fg_engine *e = tu_engine(RULE);
    fg_result *r = tu_scan(e, "evil.ex_", b, len);
    assert_string_equal(tu_object(r, NULL)->type, "kwaj");
    const struct fg_object_info *o = tu_object(r, "evil.ex_ > EVIL.EXE");
    assert_non_null(o);
    assert_true(has_finding_on(o, "yara.Marker"));
    assert_false(tu_has_finding(r, "malformed.*"));
    fg_result_free(r);

    /* Cut inside the data: fewer bytes than the header's length. */
    r = tu_scan(e, "evil.ex_", b, len - 10);
    assert_true(tu_has_finding(r, "malformed.member"));
    fg_result_free(r);
    /* Cut inside the optional headers. */
    r = tu_scan(e, "evil.ex_", b, 16);
    assert_true(tu_has_finding(r, "malformed.mspack"));
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
}

/* Builds t.chm with chmcmd (Free Pascal's CHM compiler); 0 if it is not available. */
static int make_chm(void)
{
    if (access("/usr/bin/chmcmd", X_OK) != 0 && system("command -v chmcmd >/dev/null 2>&1"))
        return 0;
    tu_write("t.hhp", "[OPTIONS]\nCompiled file=t.chm\nDefault topic=index.html\nTitle=t\n\n"
                 "[FILES]\nindex.html\nsub/payload.txt\n");
    tu_write("index.html", "<html><body><a href=\"sub/payload.txt\">x</a></body></html>\n");
    if (system("mkdir -p sub"))
        return 0;
    /* Long enough that LZX has something to compress. */
    FILE *f = fopen("sub/payload.txt", "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fprintf(f, "line %d of filler text before the marker\n", i);
    fputs(PAYLOAD "\n", f);
    fclose(f);
    return system("chmcmd t.hhp >/dev/null 2>&1") == 0 && access("t.chm", R_OK) == 0;
}

static void test_chm(void **state)
{
    (void)state;
    if (!make_chm()) {
        skip(); /* no CHM writer on this machine */
        return;
    }
    size_t len;
    uint8_t *b = tu_read("t.chm", &len);
    fg_engine *e = tu_engine(RULE);
    fg_result *r = tu_scan(e, "t.chm", b, len);
    assert_string_equal(tu_object(r, NULL)->type, "chm");
    const struct fg_object_info *o = tu_object(r, "t.chm > sub/payload.txt");
    assert_non_null(o);
    assert_true(has_finding_on(o, "yara.Marker"));
    assert_non_null(tu_object(r, "t.chm > index.html"));
    /* System files ("::DataSpace/...") are plumbing and never members. */
    for (size_t i = 0; i < fg_result_object_count(r); i++)
        assert_null(strstr(fg_result_object(r, i)->path, "::"));
    assert_false(tu_has_finding(r, "malformed.*"));
    fg_result_free(r);

    /* Truncated: the directory or the content is cut off. */
    static const double cuts[] = {0.1, 0.25, 0.5, 0.75, 0.9, 0.99};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        size_t cut = (size_t)((double)len * cuts[i]);
        r = tu_scan(e, "t.chm", b, cut);
        if (!tu_has_finding(r, "malformed.*"))
            fail_msg("CHM cut at %zu of %zu: no malformed finding", cut, len);
        fg_result_free(r);
    }
    /* Flipped bytes anywhere: must not crash (findings depend on where). */
    uint8_t *m = malloc(len);
    assert_non_null(m);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    for (size_t pos = 0; pos < len; pos += 17) {
        memcpy(m, b, len);
        m[pos] ^= 0x5A;
        r = tu_scan_with(sc, "t.chm", m, len);
        fg_result_free(r);
    }
    fg_scanner_free(sc);
    free(m);
    fg_engine_free(e);
    free(b);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_tmpdir_setup, tu_tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_szdd),
        T(test_szdd_truncated),
        T(test_kwaj),
        T(test_chm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
