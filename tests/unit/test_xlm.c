/*
 * test_xlm.c - Excel 4.0 macros and BIFF8 DDE links (analyzers/biff.c, an_xlm.c): formulas
 * rendered from their tokens with the functions they call, records joined over CONTINUE,
 * hostile token streams that end early without harm, and whole workbooks (.xls BIFF8/BIFF5,
 * xlsm, xlsb, SYLK, built by tests/gen/xls_sample.py; the oletools excel4-macros corpus read
 * in place) judged with the right findings while their benign twins stay clean.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/biff.h"
#include "core/scan.h"
#include "testutil.h"

static void decode(enum fg_biff_ver v, const void *rgce, size_t n, struct fg_xlm_formula *f)
{
    struct fg_xlm_decoder *d = fg_xlm_decoder_new();
    assert_non_null(d);
    fg_xlm_decode(d, v, rgce, n, NULL, NULL, f);
    fg_xlm_decoder_free(d);
}

static int calls(const struct fg_xlm_formula *f, unsigned id)
{
    for (size_t i = 0; i < f->nfuncs; i++)
        if (f->funcs[i] == id)
            return 1;
    return 0;
}

/* EXEC("cmd /c calc") as BIFF8, BIFF5 and BIFF12 store it. */
static void test_decode_versions(void **state)
{
    (void)state;
    static const uint8_t b8[] = {0x17, 11, 0, 'c', 'm', 'd', ' ', '/', 'c', ' ', 'c', 'a',
                                 'l', 'c', 0x42, 1, 110, 0};
    static const uint8_t b5[] = {0x17, 11, 'c', 'm', 'd', ' ', '/', 'c', ' ', 'c', 'a', 'l',
                                 'c', 0x42, 1, 110, 0};
    static const uint8_t b12[] = {0x17, 4, 0, 'c', 0, 'a', 0, 'l', 0, 'c', 0, 0x42, 1, 110, 0};
    struct fg_xlm_formula f;
    decode(FG_BIFF8, b8, sizeof b8, &f);
    assert_string_equal(f.text, "EXEC(\"cmd /c calc\")");
    assert_true(f.complete && calls(&f, 110));
    decode(FG_BIFF5, b5, sizeof b5, &f);
    assert_string_equal(f.text, "EXEC(\"cmd /c calc\")");
    decode(FG_BIFF12, b12, sizeof b12, &f);
    assert_string_equal(f.text, "EXEC(\"calc\")");
    /* ALERT is a command: ptgFuncVar with bit 15 of its index set. */
    static const uint8_t alert[] = {0x17, 2, 0, 'h', 'i', 0x42, 1, 0x76, 0x80};
    decode(FG_BIFF8, alert, sizeof alert, &f);
    assert_string_equal(f.text, "ALERT(\"hi\")");
    assert_true(calls(&f, FG_XLM_CMD | 0x76));
}

/* CHAR(99)&CHAR(97)... folds into the string it builds, and is counted. */
static void test_decode_char_folding(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = 0;
    const char *w = "calc";
    for (size_t i = 0; w[i]; i++) {
        b[n++] = 0x1E, b[n++] = (uint8_t)w[i], b[n++] = 0;
        b[n++] = 0x41, b[n++] = 111, b[n++] = 0;
        if (i)
            b[n++] = 0x08;
    }
    b[n++] = 0x42, b[n++] = 1, b[n++] = 110, b[n++] = 0;
    struct fg_xlm_formula f;
    decode(FG_BIFF8, b, n, &f);
    assert_string_equal(f.text, "EXEC(\"calc\")");
    assert_int_equal(f.nchar, 4);
    /* References and operators render as Excel shows them. */
    static const uint8_t sum[] = {0x25, 0, 0, 4, 0, 1, 0xC0, 1, 0xC0, 0x19, 0x10, 0, 0,
                                  0x1E, 2, 0, 0x05};
    decode(FG_BIFF8, sum, sizeof sum, &f);
    assert_string_equal(f.text, "SUM(B1:B5)*2");
}

/* Truncated tokens, unknown tokens hiding an EXEC after them, a stack pushed past its cap
 * and calls with more operands than there are: no crash, and nothing read out of range
 * (ASan), and the hidden call is still seen. */
static void test_decode_hostile(void **state)
{
    (void)state;
    static const uint8_t b8[] = {0x17, 11, 0, 'c', 'm', 'd', ' ', '/', 'c', ' ', 'c', 'a',
                                 'l', 'c', 0x42, 1, 110, 0};
    struct fg_xlm_formula f;
    for (size_t n = 0; n < sizeof b8; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, b8, n);
        decode(FG_BIFF8, cut, n, &f);
        assert_true(f.len <= FG_CAP_XLM_TEXT);
        free(cut);
    }
    decode(FG_BIFF8, b8, 5, &f);
    assert_false(f.complete);
    static const uint8_t junk[] = {0xFF, 0x00, 0x17, 1, 0, 'x', 0x42, 1, 110, 0};
    decode(FG_BIFF8, junk, sizeof junk, &f);
    assert_false(f.complete);
    assert_true(calls(&f, 110));
    uint8_t many[3 * 200 + 4];
    for (size_t i = 0; i < 200; i++)
        many[3 * i] = 0x1E, many[3 * i + 1] = (uint8_t)i, many[3 * i + 2] = 0;
    memcpy(many + 600, "\x42\x7F\x04\x00", 4); /* SUM of 127 operands */
    decode(FG_BIFF12, many, sizeof many, &f);
    assert_true(f.complete);
    assert_true(f.len <= FG_CAP_XLM_TEXT && !strncmp(f.text, "SUM(", 4));
    static const uint8_t lone[] = {0x08, 0x15, 0x42, 0x40, 150, 0};
    decode(FG_BIFF8, lone, sizeof lone, &f);
    assert_true(calls(&f, 150));
}

/* Formula text: functions outside literals only, _xlfn. prefixes dropped. */
static void test_scan_text(void **state)
{
    (void)state;
    struct fg_xlm_formula f;
    const char *t = "FORMULA(\"=EXEC(\"\"calc\"\")\",A1)";
    fg_xlm_scan_text(t, strlen(t), &f);
    assert_true(calls(&f, FG_XLM_CMD | 0x60));
    assert_false(calls(&f, 110));
    t = "_xlfn.CALL(\"k\",\"f\",\"J\")+register(1)";
    fg_xlm_scan_text(t, strlen(t), &f);
    assert_true(calls(&f, 150) && calls(&f, 149));
    char c[16];
    fg_xlm_cell_name(0, 0, c, sizeof c);
    assert_string_equal(c, "A1");
    fg_xlm_cell_name(9, 27, c, sizeof c);
    assert_string_equal(c, "AB10");
    fg_xlm_cell_name(1048575, 16383, c, sizeof c);
    assert_string_equal(c, "XFD1048576");
}

/* Records: a CONTINUE joins the record before it; a cut record ends the stream. */
static void test_records(void **state)
{
    (void)state;
    static const uint8_t s[] = {0x06, 0x00, 0x02, 0x00, 'a', 'b', 0x3C, 0x00, 0x01, 0x00, 'c',
                                0x0A, 0x00, 0x00, 0x00, 0x18, 0x00, 0x09, 0x00, 1};
    struct fg_biff_iter it;
    struct fg_biff_rec r;
    fg_biff_iter_init(&it, s, sizeof s);
    assert_true(fg_biff_next(&it, &r));
    assert_int_equal(r.type, 0x0006);
    assert_int_equal(r.len, 3);
    assert_memory_equal(r.p, "abc", 3);
    assert_true(fg_biff_next(&it, &r));
    assert_int_equal(r.type, 0x000A);
    assert_int_equal(r.off, 11);
    assert_false(fg_biff_next(&it, &r)); /* the NAME claims 9 bytes, 1 is there */
    fg_biff_iter_free(&it);
    static const uint8_t b12[] = {0x9C, 0x01, 0x02, 'x', 'y', 0x27, 0x85, 0x01, 'z'};
    size_t pos = 0;
    uint32_t type, size;
    const uint8_t *body;
    assert_true(fg_biff12_next(b12, sizeof b12, &pos, &type, &body, &size));
    assert_int_equal(type, 0x9C);
    assert_int_equal(size, 2);
    assert_false(fg_biff12_next(b12, sizeof b12, &pos, &type, &body, &size)); /* 133 > 1 */
    assert_int_equal(fg_biff_stream_version((const uint8_t *)"\x09\x08\x10\x00\x00\x06\x05\x00", 8),
                     FG_BIFF8);
    assert_int_equal(fg_biff_stream_version((const uint8_t *)"\x09\x08\x10\x00\x00\x06\x10\x00", 8), 0);
}

/* ---- whole files ---- */

static fg_engine *eng;

static void put16(struct tu_bytes *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    tu_bytes_put(b, x, 2);
}

static void rec(struct tu_bytes *b, unsigned type, const void *body, size_t n)
{
    put16(b, type);
    put16(b, (unsigned)n);
    if (n)
        tu_bytes_put(b, body, n);
}

/* A bare Workbook stream scanned as type "biff" (how the fuzz target reaches the analyzer):
 * globals naming one visible macro sheet, then the sheet with EXEC("calc"). */
static void test_biff_type(void **state)
{
    (void)state;
    struct tu_bytes b = {0};
    static const uint8_t bof_g[] = {0, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t bof_m[] = {0, 6, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    uint8_t sheet[] = {0, 0, 0, 0, 0, 1, 6, 0, 'M', 'a', 'c', 'r', 'o', '1'};
    static const uint8_t fml[] = {0, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0, 0, 11, 0, 0x17, 4, 0, 'c', 'a', 'l', 'c', 0x42, 1,
                                  110, 0};
    rec(&b, 0x0809, bof_g, sizeof bof_g);
    size_t at = b.len;
    rec(&b, 0x0085, sheet, sizeof sheet);
    rec(&b, 0x000A, NULL, 0);
    tu_put_u32le(b.p + at + 4, (uint32_t)b.len); /* the sheet's BOF comes next */
    rec(&b, 0x0809, bof_m, sizeof bof_m);
    rec(&b, 0x0006, fml, sizeof fml);
    rec(&b, 0x000A, NULL, 0);
    fg_scanner *sc;
    assert_int_equal(fg_scanner_new(eng, &sc), 0);
    fg_result *r = NULL;
    assert_int_equal(fg_scan_mem_as(sc, "Workbook", b.p, b.len, "biff", &r), 0);
    const struct fg_object_info *o = tu_object(r, NULL);
    int found = 0;
    for (size_t i = 0; i < o->nfindings; i++)
        found |= !strcmp(o->findings[i].id, "xlm.exec") &&
                 strstr(o->findings[i].evidence, "Macro1!A1: EXEC(\"calc\")") != NULL;
    if (!found) {
        tu_dump(r);
        fail_msg("no xlm.exec on the stream");
    }
    fg_result_free(r);
    fg_scanner_free(sc);
    free(b.p);
}

static fg_result *scan_file(const char *path)
{
    size_t n;
    uint8_t *d = tu_read(path, &n);
    fg_result *r = tu_scan(eng, path, d, n);
    free(d);
    return r;
}

static int severity_of(const fg_result *r, const char *id)
{
    int sev = -1;
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t k = 0; k < o->nfindings; k++)
            if (!strcmp(o->findings[k].id, id) && (int)o->findings[k].severity > sev)
                sev = (int)o->findings[k].severity;
    }
    return sev;
}

static const char *evidence_of(const fg_result *r, const char *id)
{
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t k = 0; k < o->nfindings; k++)
            if (!strcmp(o->findings[k].id, id))
                return o->findings[k].evidence;
    }
    return "";
}

struct fcase {
    const char *file;
    enum fg_verdict verdict;
    const char *ids[8];  /* findings that must be there */
    const char *ev_id, *ev; /* and one evidence that must show */
};

static void test_samples(void **state)
{
    (void)state;
    char cmd[1024];
    const char *src = getenv("FG_SOURCE_DIR");
    snprintf(cmd, sizeof cmd, "python3 '%s/tests/gen/xls_sample.py' .", src ? src : "../..");
    assert_int_equal(system(cmd), 0);
    static const struct fcase cases[] = {
        {"xlm-biff8.xls", FG_VERDICT_MALICIOUS,
         {"xlm.macrosheet", "xlm.very-hidden", "xlm.autorun", "xlm.exec", "xlm.register",
          "xlm.call", "xlm.download", "xlm.autorun-action"},
         "xlm.exec", "Macro1!A5: EXEC(\"calc.exe\")"},
        {"xlm-biff5.xls", FG_VERDICT_MALICIOUS,
         {"xlm.macrosheet", "xlm.very-hidden", "xlm.autorun-action", "xlm.anti-analysis",
          "xlm.obfuscation"},
         "xlm.autorun", "Auto_Open -> Macro1!A1"},
        {"xlm-continue.xls", FG_VERDICT_MALICIOUS, {"xlm.autorun", "xlm.exec"},
         "xlm.exec", "EXEC(\"cmd /c calc\")"},
        {"dde-cmd.xls", FG_VERDICT_MALICIOUS, {"dde.field"}, "dde.field", "cmd|/c calc!A0"},
        {"dde-feed.xls", FG_VERDICT_SUSPICIOUS, {"dde.field"}, "dde.field", "REUTER|IDN!EUR="},
        {"xlm.xlsm", FG_VERDICT_MALICIOUS,
         {"xlm.very-hidden", "xlm.autorun", "xlm.exec", "xlm.register", "xlm.obfuscation",
          "xlm.autorun-action"},
         "xlm.exec", "Hidden!A2: EXEC(\"powershell"},
        {"xlm.xlsb", FG_VERDICT_MALICIOUS,
         {"xlm.hidden", "xlm.autorun", "xlm.exec", "xlm.call", "xlm.autorun-action"},
         "xlm.call", "Macro1!A2: CALL(\"Shell32\",\"ShellExecuteA\""},
        {"xlm.slk", FG_VERDICT_MALICIOUS,
         {"xlm.macrosheet", "xlm.autorun", "xlm.exec", "xlm.download", "xlm.autorun-action"},
         "xlm.autorun", "Auto_open -> R1C1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fg_result *r = scan_file(cases[i].file);
        for (size_t k = 0; k < 8 && cases[i].ids[k]; k++) {
            if (severity_of(r, cases[i].ids[k]) < 0) {
                tu_dump(r);
                fail_msg("%s: no %s", cases[i].file, cases[i].ids[k]);
            }
        }
        if (!strstr(evidence_of(r, cases[i].ev_id), cases[i].ev)) {
            tu_dump(r);
            fail_msg("%s: %s evidence lacks %s", cases[i].file, cases[i].ev_id, cases[i].ev);
        }
        assert_int_equal(fg_result_verdict(r), cases[i].verdict);
        fg_result_free(r);
    }
    /* The twins: formulas, sums, an external workbook link, and no finding of ours. */
    static const char *const clean[] = {"benign.xls", "benign.xlsx", "benign.xlsb",
                                        "benign.slk"};
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
        fg_result *r = scan_file(clean[i]);
        if (tu_has_finding(r, "xlm.*") || tu_has_finding(r, "dde.*") ||
            fg_result_verdict(r) != FG_VERDICT_CLEAN) {
            tu_dump(r);
            fail_msg("%s is not clean", clean[i]);
        }
        fg_result_free(r);
    }
}

/* oletools' Excel 4 samples (Auto_Open -> ALERT, HALT) in every format: each is found. */
static void test_oletools_corpus(void **state)
{
    (void)state;
    static const char *const files[] = {
        "excel4-macros/excel4_sample_macro.xls",  "excel4-macros/excel4_sample_macro.xlt",
        "excel4-macros/excel4_sample_macro.xlsb", "excel4-macros/excel4_sample_macro.xlsm",
        "excel4-macros/excel4_sample_macro.xltm", "excel4-macros/excel4_sample_macro.slk",
        "excel4-macros/excel4_sample_macro_excel5_format.xls"};
    size_t seen = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t n;
        uint8_t *d = tu_oletools(files[i], &n);
        if (!d)
            continue;
        seen++;
        fg_result *r = tu_scan(eng, files[i], d, n);
        free(d);
        if (severity_of(r, "xlm.macrosheet") < 0 || severity_of(r, "xlm.autorun") != FG_SEV_MEDIUM ||
            !strstr(evidence_of(r, "xlm.autorun"), "Auto_Open") ||
            fg_result_verdict(r) != FG_VERDICT_SUSPICIOUS) {
            tu_dump(r);
            fail_msg("%s", files[i]);
        }
        fg_result_free(r);
    }
    if (!seen)
        skip();
    static const char *const clean[] = {"msodde/harmless-clean.doc", "msodde/harmless-clean.docx",
                                        "msodde/harmless-clean.docm", "oleobj/embedded-simple-2007.xls",
                                        "oleobj/embedded-simple-2007.xlsm",
                                        "oleobj/embedded-simple-2007.xlsb"};
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
        size_t n;
        uint8_t *d = tu_oletools(clean[i], &n);
        if (!d)
            continue;
        fg_result *r = tu_scan(eng, clean[i], d, n);
        free(d);
        if (tu_has_finding(r, "xlm.*")) {
            tu_dump(r);
            fail_msg("%s has xlm findings", clean[i]);
        }
        fg_result_free(r);
    }
}

int main(void)
{
    eng = tu_engine(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_versions),
        cmocka_unit_test(test_decode_char_folding),
        cmocka_unit_test(test_decode_hostile),
        cmocka_unit_test(test_scan_text),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_biff_type),
        cmocka_unit_test_setup_teardown(test_samples, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test(test_oletools_corpus),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    fg_engine_free(eng);
    return rc;
}
