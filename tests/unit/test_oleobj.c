/*
 * test_oleobj.c - embedded OLE objects (analyzers/an_oleobj.c): RTF documents written here
 * for each rule next to a benign twin, compound files built sector by sector (Equation
 * Editor class, a linked "\x01Ole" stream, ActiveX), truncations that must not crash, and
 * the oletools test files (read from the shared corpus, never copied into the tree).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "testutil.h"

/* The worst severity of this analyzer's findings (rtf.* and ole.*), or -1 for none. */
static int worst(const fg_result *r)
{
    int w = -1;
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t k = 0; k < o->nfindings; k++) {
            const char *id = o->findings[k].id;
            if ((!strncmp(id, "rtf.", 4) || !strncmp(id, "ole.", 4)) &&
                (int)o->findings[k].severity > w)
                w = (int)o->findings[k].severity;
        }
    }
    return w;
}

static const struct rtf_case {
    const char *rtf;
    const char *finding; /* must be present */
    const char *absent;  /* must not be (NULL: none) */
} rtf_cases[] = {
    /* each rule, then its benign twin */
    {"{\\rtf1{\\object\\objemb{\\*\\objclass Word.Document.8}{\\*\\objdata 0105}}}",
     "rtf.object", "rtf.objupdate"},
    {"{\\rtf1{\\object\\objemb\\objupdate{\\*\\objclass Word.Document.8}{\\*\\objdata 0105}}}",
     "rtf.objupdate", NULL},
    {"{\\rtf1{\\object\\objemb{\\*\\objclass Equation.3}{\\*\\objdata 0105}}}", "rtf.equation",
     NULL},
    {"{\\rtf1{\\object\\objemb{\\*\\objclass Paint}{\\*\\objdata 01054571756174696F6E2E3300}}}",
     "rtf.equation", NULL},
    {"{\\rtf1{\\object\\objemb{\\*\\objclass Paint}{\\*\\objdata 0105 0000}}}", "rtf.object",
     "rtf.equation"},
    {"{\\rtf1 Equation.3 in plain text}", NULL, "rtf.equation"},
    {"{\\rtf1{\\object\\objautlink{\\*\\objclass OLE2Link}{\\*\\objdata 0105}}}", "rtf.ole2link",
     NULL},
    {"{\\rtf1{\\object{\\*\\objdata 01054f4c45324c696e6b00}}}", "rtf.ole2link", NULL},
    {"{\\rtf1 OLE2Link mentioned in text}", NULL, "rtf.ole2link"},
    {"{\\rtf1{\\object{\\*\\objdata 01zz05@@00}}}", "rtf.obfuscation", NULL},
    {"{\\rtf1{\\object{\\*\\objdata 01 05\r\n00\t00}}}", "rtf.object", "rtf.obfuscation"},
    {"{\\rtfabc{\\object{\\*\\objdata 0105}}}", "rtf.obfuscation", NULL},
    {"{\\rtf1\\ansi plain}", NULL, "rtf.obfuscation"},
    {"{\\rtf1{\\object{\\*\\objdata 01{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}"
     "{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}05}}}",
     "rtf.obfuscation", NULL},
    {"{\\rtf1\\aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa x}", "rtf.obfuscation", NULL},
};

static void test_rtf_rules(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof rtf_cases / sizeof rtf_cases[0]; i++) {
        const struct rtf_case *c = &rtf_cases[i];
        fg_result *r = tu_scan(e, "t.rtf", c->rtf, strlen(c->rtf));
        int ok = (!c->finding || tu_has_finding(r, c->finding)) &&
                 (!c->absent || !tu_has_finding(r, c->absent));
        if (!ok) {
            fprintf(stderr, "case %zu: %s\n", i, c->rtf);
            tu_dump(r);
        }
        assert_true(ok);
        if (!c->finding)
            assert_true(worst(r) < FG_SEV_MEDIUM);
        fg_result_free(r);
    }
    fg_engine_free(e);
}

/* ---- compound files: header, one FAT sector, one directory sector, one stream sector ---- */

struct cfb_spec {
    uint8_t root_clsid[16];
    const char *stream;      /* name of the one stream */
    const uint8_t *data;     /* its bytes (at most 512) */
    size_t len;
};

static void put_name(uint8_t *e, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++)
        e[2 * i] = (uint8_t)name[i];
    e[0x40] = (uint8_t)(2 * (n + 1));
}

static uint8_t *build_cfb(const struct cfb_spec *s, size_t *len)
{
    static const uint8_t magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    size_t n = 512 * 4;
    uint8_t *f = calloc(1, n);
    assert_non_null(f);
    memcpy(f, magic, 8);
    f[0x18] = 0x3E, f[0x1A] = 3, f[0x1C] = 0xFE, f[0x1D] = 0xFF, f[0x1E] = 9, f[0x20] = 6;
    tu_put_u32le(f + 0x2C, 1);          /* FAT sectors */
    tu_put_u32le(f + 0x30, 1);          /* directory */
    tu_put_u32le(f + 0x38, 16);         /* mini stream cutoff: our stream is a regular one */
    tu_put_u32le(f + 0x3C, 0xFFFFFFFE); /* no mini FAT */
    tu_put_u32le(f + 0x44, 0xFFFFFFFE); /* no DIFAT chain */
    tu_put_u32le(f + 0x4C, 0);          /* the FAT is sector 0 */
    for (size_t k = 1; k < 109; k++)
        tu_put_u32le(f + 0x4C + 4 * k, 0xFFFFFFFF);
    uint8_t *fat = f + 512;
    for (size_t k = 0; k < 128; k++)
        tu_put_u32le(fat + 4 * k, 0xFFFFFFFF);
    tu_put_u32le(fat, 0xFFFFFFFD);
    tu_put_u32le(fat + 4, 0xFFFFFFFE);
    tu_put_u32le(fat + 8, 0xFFFFFFFE);
    uint8_t *root = f + 1024, *st = root + 128;
    put_name(root, "Root Entry");
    root[0x42] = 5;
    tu_put_u32le(root + 0x4C, 1); /* child: the stream */
    tu_put_u32le(root + 0x44, 0xFFFFFFFF);
    tu_put_u32le(root + 0x48, 0xFFFFFFFF);
    memcpy(root + 0x50, s->root_clsid, 16);
    tu_put_u32le(root + 0x74, 0xFFFFFFFE);
    put_name(st, s->stream);
    st[0x42] = 2;
    tu_put_u32le(st + 0x44, 0xFFFFFFFF);
    tu_put_u32le(st + 0x48, 0xFFFFFFFF);
    tu_put_u32le(st + 0x4C, 0xFFFFFFFF);
    tu_put_u32le(st + 0x74, 2);
    tu_put_u32le(st + 0x78, (uint32_t)s->len);
    memcpy(f + 1536, s->data, s->len);
    *len = n;
    return f;
}

static void test_ole2_rules(void **state)
{
    (void)state;
    static const uint8_t eq[16] = {0x02, 0xCE, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46};
    static const uint8_t word[16] = {0x06, 0x09, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46};
    static const uint8_t link[16] = {0x00, 0x03, 0x00, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46};
    uint8_t ole_linked[64] = {0x01, 0x00, 0x00, 0x02, 0x01}, ole_embedded[64] = {0x01, 0, 0, 0x02};
    tu_put_u32le(ole_linked + 16, 40); /* moniker size */
    static const uint8_t urlmon[16] = {0xE0, 0xC9, 0xEA, 0x79, 0xF9, 0xBA, 0xCE, 0x11,
                                       0x8C, 0x82, 0x00, 0xAA, 0x00, 0x4B, 0xA9, 0x0B};
    memcpy(ole_linked + 20, urlmon, 16);
    static const uint8_t text[20] = "Equation Native....";
    const struct {
        struct cfb_spec spec;
        const char *finding, *absent;
    } cases[] = {
        {{{0}, "Equation Native", text, 20}, NULL, "ole.equation"},
        {{{0}, "\001Ole", ole_linked, sizeof ole_linked}, "ole.ole2link", NULL},
        {{{0}, "\001Ole", ole_embedded, sizeof ole_embedded}, NULL, "ole.ole2link"},
        {{{0}, "\003OCXNAME", text, 20}, "ole.activex", NULL},
        {{{0}, "OCXNAME", text, 20}, NULL, "ole.activex"},
    };
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] + 3; i++) {
        struct cfb_spec spec;
        const char *want = NULL, *absent = NULL;
        if (i < sizeof cases / sizeof cases[0]) {
            spec = cases[i].spec;
            want = cases[i].finding;
            absent = cases[i].absent;
        } else {
            /* class ids on the root: Equation Editor, Word (benign), OLE2Link without URL */
            size_t k = i - sizeof cases / sizeof cases[0];
            spec = (struct cfb_spec){{0}, "Equation Native", text, 20};
            memcpy(spec.root_clsid, k == 0 ? eq : k == 1 ? word : link, 16);
            want = k == 0 ? "ole.equation" : NULL;
            absent = k == 0 ? NULL : k == 1 ? "ole.equation" : "ole.ole2link";
        }
        size_t len;
        uint8_t *f = build_cfb(&spec, &len);
        fg_result *r = tu_scan(e, "t.doc", f, len);
        int ok = (!want || tu_has_finding(r, want)) && (!absent || !tu_has_finding(r, absent));
        if (!ok) {
            fprintf(stderr, "case %zu\n", i);
            tu_dump(r);
        }
        assert_true(ok);
        fg_result_free(r);
        /* truncations and a scribbled directory: no crash */
        for (size_t cut = 0; cut < len; cut += 97) {
            r = tu_scan(e, "t.doc", f, cut);
            fg_result_free(r);
        }
        memset(f + 1024 + 0x74, 0x7F, 8);
        r = tu_scan(e, "t.doc", f, len);
        fg_result_free(r);
        free(f);
    }
    fg_engine_free(e);
}

static void test_rtf_truncated(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof rtf_cases / sizeof rtf_cases[0]; i++) {
        const char *s = rtf_cases[i].rtf;
        for (size_t cut = 0; cut < strlen(s); cut++) {
            fg_result *r = tu_scan(e, "t.rtf", s, cut);
            fg_result_free(r);
        }
    }
    fg_engine_free(e);
}

/* ---- real files (oletools test data, BSD-licensed; see the corpus README) ---- */

static void test_corpus(void **state)
{
    (void)state;
    static const struct {
        const char *file, *finding; /* finding NULL: nothing medium or higher from us */
    } cases[] = {
        {"rtfobj/issue_251.rtf", "rtf.equation"},
        {"rtfobj/issue_251.rtf", "rtf.objupdate"},
        {"oleobj/sample_with_calc_embedded.doc", "ole.package"}, /* evidence: calc.exe */
        {"oleobj/sample_with_lnk_file.doc", "ole.package"},
        {"oleobj/embedded-simple-2007.doc", "ole.package"},
        {"msodde/RTF-Spec-1.7.rtf", NULL},
        {"msodde/harmless-clean.doc", NULL},
        {"msodde/harmless-clean.docx", NULL},
        {"msodde/harmless-clean.docm", NULL},
        {"msodde/harmless-clean.xml", NULL},
        {"msodde/harmless-clean-2003.xml", NULL},
    };
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *d = tu_oletools(cases[i].file, &len);
        if (!d) {
            fprintf(stderr, "skipped (corpus missing): %s\n", cases[i].file);
            continue;
        }
        fg_result *r = tu_scan(e, cases[i].file, d, len);
        int ok = cases[i].finding ? tu_has_finding(r, cases[i].finding) : worst(r) < FG_SEV_MEDIUM;
        if (!ok) {
            fprintf(stderr, "corpus %s\n", cases[i].file);
            tu_dump(r);
        }
        assert_true(ok);
        fg_result_free(r);
        free(d);
    }
    fg_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rtf_rules, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_rtf_truncated, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_ole2_rules, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_corpus, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
