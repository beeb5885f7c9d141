/*
 * test_names.c - names that disguise a file (analyzers/an_names.c): double extensions with
 * and without padding, direction overrides and invisible characters, and programs named
 * like documents; on the input's own name and on members of a zip (whose names reach the
 * analyzer escaped by fg_emit_child()).  Ordinary dotted names stay clean.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Smallest byte strings our identification calls pe, elf and script. */
static const uint8_t pe[0x60] = {'M', 'Z', [0x3C] = 0x40, [0x40] = 'P', [0x41] = 'E'};
static const uint8_t elf[16] = {0x7F, 'E', 'L', 'F', 2, 1, 1};
static const char script[] = "#!/bin/sh\necho hello\n";
static const char text[] = "Meeting at ten.\n";

enum content { C_TEXT, C_PE, C_ELF, C_SCRIPT };

struct ncase {
    const char *name;
    enum content content;
    const char *id; /* expected finding, NULL: no name.* finding */
    int sev;
};

static const struct ncase cases[] = {
    {"請求書.pdf.exe", C_TEXT, "name.double-extension", FG_SEV_HIGH},
    {"invoice.doc      .scr", C_TEXT, "name.double-extension", FG_SEV_HIGH},
    {"Invoice.PDF.js", C_TEXT, "name.double-extension", FG_SEV_HIGH},
    {"photo.jpg.lnk", C_TEXT, "name.double-extension", FG_SEV_HIGH},
    {"statement.xlsx.exe. ", C_TEXT, "name.double-extension", FG_SEV_HIGH},
    {"report\xE2\x80\x8B.pdf\xE2\x80\x8B.exe", C_TEXT, "name.double-extension", FG_SEV_HIGH},
    {"scan                 .exe", C_TEXT, "name.double-extension", FG_SEV_HIGH},
    {"notes.txt        .dat", C_TEXT, "name.double-extension", FG_SEV_LOW},
    {"invoice\xE2\x80\xAE" "fdp.exe", C_TEXT, "name.rtlo", FG_SEV_HIGH},
    {"photo_\xE2\x81\xA7gpj.scr", C_TEXT, "name.rtlo", FG_SEV_HIGH},
    {"notes\xE2\x80\x8B.txt", C_TEXT, "name.rtlo", FG_SEV_LOW},
    {"\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D\xE2\x80\x8F.docx", C_TEXT, "name.rtlo", FG_SEV_INFO},
    {"photo.jpg", C_PE, "name.disguised-executable", FG_SEV_HIGH},
    {"report.pdf", C_ELF, "name.disguised-executable", FG_SEV_HIGH},
    {"minutes.docx", C_SCRIPT, "name.disguised-executable", FG_SEV_HIGH},
    /* ordinary names */
    {"report.v2.final.pdf", C_TEXT, NULL, 0},
    {"archive.tar.gz", C_TEXT, NULL, 0},
    {"web/js/jquery.min.js", C_TEXT, NULL, 0},
    {"templates/page.html.js", C_TEXT, NULL, 0},
    {"setup-1.2.3.exe", C_PE, NULL, 0},
    {"python-3.12.0-amd64.exe", C_PE, NULL, 0},
    {"Report.doc - Shortcut.lnk", C_TEXT, NULL, 0},
    {"document.pdf.zip", C_TEXT, NULL, 0},
    {"install.sh", C_SCRIPT, NULL, 0},
    {"example.sh.txt", C_SCRIPT, NULL, 0},
    {"libfoo.so.1", C_ELF, NULL, 0},
    {"My Document  2024.docx", C_TEXT, NULL, 0},
    {"\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D.docx", C_TEXT, NULL, 0},
    {".bashrc", C_TEXT, NULL, 0},
    {"a.", C_TEXT, NULL, 0},
    {"\\u{202E}", C_TEXT, "name.rtlo", FG_SEV_HIGH},
};

static const void *content_of(enum content c, size_t *n)
{
    switch (c) {
    case C_PE: *n = sizeof pe; return pe;
    case C_ELF: *n = sizeof elf; return elf;
    case C_SCRIPT: *n = strlen(script); return script;
    default: *n = strlen(text); return text;
    }
}

static int name_findings(const fg_result *r, const char *suffix, const char *id, int *sev)
{
    const struct fg_object_info *o = tu_object(r, suffix);
    int n = 0;
    if (!o)
        return -1;
    for (size_t i = 0; i < o->nfindings; i++) {
        if (strncmp(o->findings[i].id, "name.", 5))
            continue;
        n++;
        if (id && !strcmp(o->findings[i].id, id))
            *sev = (int)o->findings[i].severity;
    }
    return n;
}

static int check(const fg_result *r, const char *suffix, const struct ncase *c)
{
    int sev = -1;
    int n = name_findings(r, suffix, c->id, &sev);
    int ok = c->id ? sev == c->sev : n == 0;
    enum fg_verdict want = c->id && c->sev >= FG_SEV_HIGH ? FG_VERDICT_MALICIOUS : FG_VERDICT_CLEAN;
    ok = ok && fg_result_verdict(r) == want;
    if (!ok) {
        print_message("name '%s' failed\n", c->name);
        tu_dump(r);
    }
    return ok;
}

/* The input's own name: its last path component. */
static void test_input_names(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct ncase *c = &cases[i];
        char path[512];
        snprintf(path, sizeof path, "/home/u/Downloads/%s", c->name);
        size_t n;
        const void *d = content_of(c->content, &n);
        fg_result *r = tu_scan(e, path, d, n);
        assert_true(check(r, NULL, c));
        fg_result_free(r);
    }
    fg_engine_free(e);
}

/* Members of a zip: their names arrive escaped (\u{202E}) and must mean the same. */
static void test_member_names(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct ncase *c = &cases[i];
        if (strchr(c->name, '/') || !strcmp(c->name, "\\u{202E}"))
            continue; /* directories and backslashes mean other things in a zip */
        if (system("rm -rf z && mkdir z") != 0)
            fail();
        char path[512];
        snprintf(path, sizeof path, "z/%s", c->name);
        size_t n;
        const void *d = content_of(c->content, &n);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(d, 1, n, f);
        fclose(f);
        assert_int_equal(system("rm -f m.zip && cd z && zip -q -X ../m.zip * .[!.]* "
                                "2>/dev/null; cd .. && test -s m.zip"), 0);
        size_t zl;
        uint8_t *zd = tu_read("m.zip", &zl);
        fg_result *r = tu_scan(e, "m.zip", zd, zl);
        /* The member is the second object; the zip itself has no name finding. */
        assert_true(fg_result_object_count(r) >= 2);
        const struct fg_object_info *m = fg_result_object(r, 1);
        assert_true(check(r, m->path, c));
        int dummy = -1;
        assert_int_equal(name_findings(r, NULL, NULL, &dummy), 0);
        fg_result_free(r);
        free(zd);
    }
    fg_engine_free(e);
}

/* What a person reads: the escaped name and how it shows on screen. */
static void test_evidence(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "invoice\xE2\x80\xAE" "fdp.exe", text, strlen(text));
    const struct fg_object_info *o = tu_object(r, NULL);
    assert_int_equal(o->nfindings, 1);
    assert_string_equal(o->findings[0].evidence,
                        "invoice\\u{202E}fdp.exe (shown as \"invoiceexe.pdf\")");
    fg_result_free(r);
    /* A name of 5000 characters: its end is what counts. */
    char *longname = malloc(5100);
    assert_non_null(longname);
    memset(longname, 'a', 5000);
    strcpy(longname + 5000, ".pdf.exe");
    r = tu_scan(e, longname, text, strlen(text));
    assert_true(tu_has_finding(r, "name.double-extension"));
    fg_result_free(r);
    /* Invalid UTF-8 and escapes cut in the middle. */
    static const char *const odd[] = {"\xFF\xFE.pdf.exe", "x\\u{", "x\\u{202E", "\\x", "\\xZZ.exe",
                                      "x\\u{FFFFFFFFFF}.exe", "\xE2\x80", "..........", ". .exe"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        r = tu_scan(e, odd[i], text, strlen(text));
        fg_result_free(r);
    }
    free(longname);
    fg_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_input_names, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_member_names, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_evidence, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
