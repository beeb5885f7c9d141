/*
 * an_pdf.c - what a PDF does besides showing pages: JavaScript, actions that run when it
 * opens (/OpenAction, /AA), launching programs, embedded files, form submission, Flash
 * (/RichMedia), XFA forms and links (/URI).
 *
 * It reads PDF syntax itself, in one linear pass over the raw file (type "pdf"), and
 * inflates the file's object streams (where most dictionaries of a modern PDF live) and the
 * streams that /JS names, so that one table of objects covers the whole document.  Names
 * are compared after #xx escapes are decoded, so /J#61vaScript is /JavaScript.  A trigger
 * (/OpenAction, or /AA with an open/close/print/save key) is followed through indirect
 * references to the action it runs; a page destination or a form field's keystroke script
 * is not a trigger.  The decoded streams the PDF unpacker emits ("obj N") are looked at
 * for JavaScript code, and "objects" (the decrypted objects of an encrypted file) like the
 * raw file.  Severities and why: docs/internals/indicators.md.
 */
#define _GNU_SOURCE
#include "analyzer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define NAME_CAP 64          /* bytes of a decoded name compared; longer names are not ours */
#define REFS_PER_OBJ 16
#define TRIG_CAP 64          /* triggers followed */
#define TARGETS_PER_TRIG 8
#define JSREF_CAP 64         /* distinct streams named by /JS that are read */
#define FOLLOW_DEPTH 4       /* references followed from a trigger to its action */
#define FOLLOW_VISITS 64
#define EV_CAP 400           /* bytes of text kept for one piece of evidence */
#define URL_LIST_CAP 480
#define SNIPPET 160          /* raw bytes shown from where an action is named */
#define EXPIRY_EVERY 65536   /* tokens between two looks at the clock */

static const char *const types[] = {"pdf", "text", "data", "script", "html", "xml", NULL};

/* What an object holds (flags of struct pobj). */
enum {
    F_JS = 1,        /* a JavaScript action or script */
    F_LAUNCH = 2,    /* a /Launch action */
    F_AUTOKEY = 4,   /* an open/close/print/save key, as in an /AA dictionary */
    F_SUBMIT = 8,    /* a /SubmitForm action */
    F_DEST = 16,     /* an array: a page destination */
    F_FOUND = 32,    /* (follow() only) a target was found */
    F_OBJSTM = 64,   /* an object stream */
    F_FLATE = 128,   /* a FlateDecode stream */
    F_OTHERFILTER = 256, /* a filter (or predictor) this analyzer does not decode */
};
enum { K_OPEN = 0, K_AA = 1 };

struct pobj {
    uint32_t num, ref_at;
    uint16_t nref, flags;
};

struct stm {
    uint32_t num;
    uint16_t flags;
    size_t start, end; /* stream data in the raw file */
};

struct trig {
    uint8_t kind, flags, ntargets;
    uint8_t aa_dict;     /* the target is the /AA dictionary itself, not an action */
    uint8_t inline_dict; /* the action is written in place, not referred to */
    uint32_t targets[TARGETS_PER_TRIG];
    char ev[SNIPPET + 1];
};

/* One document: what the raw file and its object streams hold. */
struct body {
    struct pobj *objs;
    size_t nobj, capobj;
    uint32_t *refs;
    size_t nrefs, caprefs;
    struct stm *stms;
    size_t nstm, capstm;
    struct trig trig[TRIG_CAP];
    size_t ntrig;
    uint32_t js_refs[JSREF_CAP];
    size_t njs_refs;
    int encrypted;
    /* indicators */
    size_t n_js, n_launch, n_embedded, n_submit, n_richmedia, n_xfa, n_uri;
    int js_escaped;    /* a JavaScript name was written with #xx escapes */
    int js_names_tree; /* /JavaScript as a key: document-level scripts, run at open */
    int js_unread;     /* some code was not read: a /JS stream not decoded, or over the cap */
    char js_text[EV_CAP + 1];
    size_t js_text_len;
    char *jsbuf; /* all JavaScript seen, for the code checks */
    size_t jslen;
    char urls[URL_LIST_CAP + 1];
    size_t urls_len, nurls_shown;
    char launch_ev[SNIPPET + 1], submit_ev[SNIPPET + 1];
};

/* ---- small helpers ---- */

static int is_ws(uint8_t c)
{
    return c == 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}
static int is_delim(uint8_t c) { return c && strchr("()<>[]{}/%", c) != NULL; }
static int hexv(uint8_t c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int has(const char *s, size_t n, const char *needle)
{
    return memmem(s, n, needle, strlen(needle)) != NULL;
}

static size_t count(const char *s, size_t n, const char *needle, size_t stop)
{
    size_t c = 0, nl = strlen(needle);
    const char *p = s, *end = s + n;
    while (c < stop && (p = memmem(p, (size_t)(end - p), needle, nl))) {
        c++;
        p += nl;
    }
    return c;
}

/* ---- JavaScript checks ---- */

/* A printf format with a width or precision of 1000 or more ("%45000f"): the util.printf
 * overflow (CVE-2008-2992) needs one; forms print "%.2f". */
static int wide_format(const char *s, size_t n)
{
    for (const char *p = s, *end = s + n; (p = memchr(p, '%', (size_t)(end - p))); p++) {
        const char *q = p + 1;
        while (q < end && q - p < 4 && *q && strchr("-+ #,0.", *q))
            q++;
        size_t digits = 0;
        while (q < end && *q >= '0' && *q <= '9') {
            q++;
            digits++;
        }
        if (digits >= 4)
            return 1;
    }
    return 0;
}

/* eval() of a .replace() result: "eval(s.replace(/!/g, '%'))" decodes a hidden script and
 * runs it, while quiz and form code evaluates field names ("eval(aSqList[i])") and, elsewhere,
 * cleans input with .replace(). */
static int eval_of_replace(const char *s, size_t n)
{
    for (const char *p = s, *end = s + n; (p = memmem(p, (size_t)(end - p), "eval(", 5)); p += 5) {
        for (const char *q = p + 5; q < end && q - p < 80 && *q != ';' && *q != ')'; q++)
            if (*q == '.' && end - q >= 9 && !memcmp(q, ".replace(", 9))
                return 1;
    }
    return 0;
}

/* String.fromCharCode as a decoder: over a list of numbers ("101,118,97,108"), an array, or
 * other characters' codes (charCodeAt, parseInt, ^ key).  A quiz that labels answers with
 * fromCharCode(96 + i) decodes nothing. */
static int char_decoder(const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while ((p = memmem(p, (size_t)(end - p), "fromCharCode", 12))) {
        p += 12;
        if (p < end && *p == '.')
            return 1; /* fromCharCode.apply(null, codes) */
        int depth = 0, commas = 0;
        for (const char *q = p; q < end && q - p < 200; q++) {
            if (*q == '(')
                depth++;
            else if (*q == ')' && --depth <= 0)
                break;
            else if (*q == ',' && depth == 1)
                commas++;
            else if (*q == '[' || *q == '^' ||
                     (end - q >= 10 && !memcmp(q, "charCodeAt", 10)) ||
                     (end - q >= 8 && !memcmp(q, "parseInt", 8)))
                return 1;
        }
        if (commas >= 2)
            return 1;
    }
    return 0;
}

/* Code that exploits and droppers use and forms do not.  Writes the reason to 'why'. */
static int js_dangerous(const char *s, size_t n, char *why, size_t cap)
{
    static const char *const apis[] = {
        "Collab.collectEmailInfo", "Collab.getIcon", "media.newPlayer",
        "spell.customDictionaryOpen", "getAnnots(",  "syncAnnotScan",  "printSeps",
        "Doc.getPageNumWords", "app.removeToolButton"};
    for (size_t i = 0; i < sizeof apis / sizeof apis[0]; i++) {
        if (has(s, n, apis[i])) {
            snprintf(why, cap, "uses %s, known from exploits", apis[i]);
            return 1;
        }
    }
    if (has(s, n, "util.printf") && wide_format(s, n)) {
        snprintf(why, cap, "calls util.printf with a format thousands wide (CVE-2008-2992)");
        return 1;
    }
    if (count(s, n, "%u", 16) >= 16) {
        snprintf(why, cap, "holds %%u-escaped binary data (heap spray)");
        return 1;
    }
    if (has(s, n, "eval(") && (has(s, n, "unescape(") || char_decoder(s, n) ||
                                eval_of_replace(s, n) || has(s, n, "atob("))) {
        snprintf(why, cap, "builds code from strings and runs it with eval()");
        return 1;
    }
    if (has(s, n, "exportDataObject") && has(s, n, "nLaunch")) {
        snprintf(why, cap, "opens an embedded file (exportDataObject with nLaunch)");
        return 1;
    }
    if (count(s, n, "\\x", 128) >= 128 || count(s, n, "\\u00", 128) >= 128) {
        snprintf(why, cap, "holds long escaped binary strings");
        return 1;
    }
    return 0;
}

/* Does an import call (importAnFDF ...) name a remote place?  Only a string literal that is a
 * URL or a UNC path says so; an argument computed at run time may be anything and counts as
 * remote.  AcroTeX documents import .fdf files that sit next to them. */
static int remote_import(const char *s, size_t n, const char *api)
{
    size_t alen = strlen(api);
    for (size_t i = 0; i + alen < n; i++) {
        if (memcmp(s + i, api, alen))
            continue;
        size_t j = i + alen;
        while (j < n && (s[j] == ' ' || s[j] == '('))
            j++;
        if (j >= n || (s[j] != '"' && s[j] != '\''))
            return 1;
        char q = s[j++];
        size_t k = j;
        while (k < n && s[k] != q && k - j < 512)
            k++;
        if (memmem(s + j, k - j, "://", 3) || (k - j >= 2 && s[j] == '\\' && s[j + 1] == '\\'))
            return 1;
    }
    return 0;
}

/* What automatic code may do and still be graded low: code that calls none of these only
 * works on the document itself (its fields, annotations, animation frames, timers) and the
 * person reading it (message boxes, questions: quizzes and form helpers use them).  These
 * reach the network, files, programs or other documents, or decode code at run time.
 * Returns the first one found, or NULL.  eval alone is not here: quiz packages evaluate the
 * reader's answers with it; eval over decoded text is exploit-like (above). */
static const char *js_reach(const char *s, size_t n)
{
    static const char *const apis[] = {
        "launchURL",   "getURL",         "submitForm",         "mailDoc",        "mailForm",
        "mailMsg",     "DataObject",     "exportAsFDF",        "openDoc",        "newDoc",
        "saveAs",      "execMenuItem",   "beginPriv",          "trustedFunction", "SOAP.",
        "Net.",        "readFileIntoStream", "setAction",      "addScript",
        "unescape(",   "atob(",          "Function(",          "xfa.",           "setProfile",
        "app.launch"};
    for (size_t i = 0; i < sizeof apis / sizeof apis[0]; i++)
        if (has(s, n, apis[i]))
            return apis[i];
    /* Collab reaches the network and mail, except hashString, which AcroTeX quizzes use to
     * check a PIN. */
    if (count(s, n, "Collab.", 64) > count(s, n, "Collab.hashString", 64))
        return "Collab.";
    /* Escaped text hides code; a handful of escapes is ordinary (a trim() polyfill escapes
     * the byte-order mark and the no-break space). */
    if (count(s, n, "\\x", 16) + count(s, n, "\\u00", 16) >= 16)
        return "escaped strings";
    static const char *const imports[] = {"importAnFDF", "importAnXFDF", "importTextData",
                                          "importXFAData"};
    for (size_t i = 0; i < sizeof imports / sizeof imports[0]; i++)
        if (remote_import(s, n, imports[i]))
            return imports[i];
    return char_decoder(s, n) ? "String.fromCharCode as a decoder" : NULL;
}

/* Does a decoded stream look like JavaScript?  An Acrobat object or function together with
 * ordinary JavaScript syntax, or code that builds and runs code. */
static int js_like(const char *s, size_t n)
{
    static const char *const acro[] = {"app.",     "this.",    "event.",   "util.",
                                       "Collab.",  "xfa.",     "getField(", "AFNumber_",
                                       "AFSimple_", "AFDate_", "console.println", "media."};
    static const char *const syntax[] = {"function", "var ", "let ", "return", "if (", "if(",
                                         "for (", "for(", ");", "};", "eval("};
    int a = 0, b = 0;
    for (size_t i = 0; i < sizeof acro / sizeof acro[0] && !a; i++)
        a = has(s, n, acro[i]);
    for (size_t i = 0; i < sizeof syntax / sizeof syntax[0] && !b; i++)
        b = has(s, n, syntax[i]);
    if (a && b)
        return 1;
    return has(s, n, "eval(") && (has(s, n, "unescape(") || has(s, n, "fromCharCode"));
}

/* Page content streams (text and graphics operators) are not code, whatever words the
 * text on the page holds. */
static int content_stream(const char *s, size_t n)
{
    static const char *const ops[] = {" Tf", " Tj", " TJ", " Do", " cm", " re", "BT", "ET"};
    int hits = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const char *p = s, *end = s + n;
        size_t ol = strlen(ops[i]);
        while ((p = memmem(p, (size_t)(end - p), ops[i], ol))) {
            const char *after = p + ol;
            if (after >= end || is_ws((uint8_t)*after)) {
                hits++;
                break;
            }
            p += ol;
        }
    }
    return hits >= 2;
}

/* An object stream starts with "number offset" pairs; the scripts in its dictionaries are
 * read (and judged with the whole document) by the raw file's analysis. */
static int object_stream(const char *s, size_t n)
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        while (i < n && is_ws((uint8_t)s[i]))
            i++;
        size_t st = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == st || i >= n || !is_ws((uint8_t)s[i]))
            return 0;
    }
    return 1;
}

/* ---- object, reference and stream tables ---- */

static struct pobj *cur_obj(struct body *b, long cur) { return cur >= 0 ? &b->objs[cur] : NULL; }

/* Grows an array of 'size'-byte elements to hold one more, up to 'limit' elements. */
static int grow(void **v, size_t *cap, size_t n, size_t size, size_t limit)
{
    if (n < *cap)
        return 1;
    if (*cap >= limit)
        return 0;
    size_t nc = *cap ? *cap * 2 : 256;
    void *nv = realloc(*v, nc * size);
    if (!nv)
        return 0;
    *v = nv;
    *cap = nc;
    return 1;
}

static long new_obj(struct body *b, uint32_t num)
{
    if (!grow((void **)&b->objs, &b->capobj, b->nobj, sizeof *b->objs, FG_CAP_PDFIND_OBJECTS))
        return -1;
    b->objs[b->nobj] = (struct pobj){num, (uint32_t)b->nrefs, 0, 0};
    return (long)b->nobj++;
}

static void add_ref(struct body *b, long cur, uint32_t num)
{
    struct pobj *o = cur_obj(b, cur);
    if (!o || o->nref >= REFS_PER_OBJ ||
        !grow((void **)&b->refs, &b->caprefs, b->nrefs, sizeof *b->refs, FG_CAP_PDFIND_REFS))
        return;
    /* An object's references are consecutive: objects are read one after the other. */
    if (o->ref_at + o->nref != b->nrefs)
        return;
    b->refs[b->nrefs++] = num;
    o->nref++;
}

static void add_stream(struct body *b, long cur, size_t start, size_t end)
{
    struct pobj *o = cur_obj(b, cur);
    if (!o || !grow((void **)&b->stms, &b->capstm, b->nstm, sizeof *b->stms, FG_CAP_PDFIND_STREAMS))
        return;
    b->stms[b->nstm++] = (struct stm){o->num, o->flags, start, end};
}

static int obj_cmp(const void *x, const void *y)
{
    const struct pobj *a = x, *c = y;
    return a->num < c->num ? -1 : a->num > c->num;
}

/* Flags of object 'num' (all its definitions, as incremental updates may redefine it); its
 * references are appended to the queue.  Returns -1 if the document does not hold it. */
static int lookup(const struct body *b, uint32_t num, uint32_t *queue, size_t *qn, size_t qcap,
                  int need_autokey)
{
    size_t lo = 0, hi = b->nobj;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->objs[mid].num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= b->nobj || b->objs[lo].num != num)
        return -1;
    int flags = 0;
    for (size_t i = lo; i < b->nobj && b->objs[i].num == num; i++) {
        const struct pobj *o = &b->objs[i];
        /* An /AA dictionary counts only for its open/close/print/save entries. */
        if (need_autokey && !(o->flags & F_AUTOKEY))
            continue;
        flags |= o->flags;
        for (uint16_t k = 0; k < o->nref && *qn < qcap; k++)
            queue[(*qn)++] = b->refs[o->ref_at + k];
    }
    return flags;
}

/* What a trigger reaches: flags of the objects met following references from its targets. */
static int follow(const struct body *b, const struct trig *t)
{
    uint32_t queue[FOLLOW_VISITS];
    uint8_t level[FOLLOW_VISITS];
    size_t qn = 0;
    int flags = t->flags;
    for (size_t i = 0; i < t->ntargets && qn < FOLLOW_VISITS; i++) {
        level[qn] = 0;
        queue[qn++] = t->targets[i];
    }
    for (size_t i = 0; i < qn; i++) {
        size_t before = qn;
        int f = lookup(b, queue[i], queue, &qn, FOLLOW_VISITS, t->aa_dict && level[i] == 0);
        if (f < 0)
            continue;
        flags |= f & (F_JS | F_LAUNCH | F_SUBMIT);
        if (level[i] == 0)
            flags |= (f & F_DEST) | F_FOUND;
        for (size_t k = before; k < qn; k++)
            level[k] = (uint8_t)(level[i] + 1);
        if (level[i] + 1 >= FOLLOW_DEPTH)
            qn = before;
    }
    return flags;
}

/* ---- strings ---- */

/* A literal string starting at d[pos] == '(': returns the offset after it, and appends its
 * decoded bytes to out (if given, up to cap). */
static size_t literal_string(const uint8_t *d, size_t n, size_t pos, char *out, size_t *olen,
                             size_t cap)
{
    int nest = 0;
    size_t i = pos + 1;
    for (; i < n; i++) {
        uint8_t c = d[i];
        int emit = -1;
        if (c == '\\' && i + 1 < n) {
            uint8_t e = d[++i];
            static const char from[] = "nrtbf()\\", to[] = "\n\r\t\b\f()\\";
            const char *k = memchr(from, e, sizeof from - 1);
            if (k) {
                emit = (uint8_t)to[k - from];
            } else if (e >= '0' && e <= '7') {
                int v = e - '0';
                for (int m = 0; m < 2 && i + 1 < n && d[i + 1] >= '0' && d[i + 1] <= '7'; m++)
                    v = v * 8 + (d[++i] - '0');
                emit = v & 0xFF;
            } else if (e == '\r' || e == '\n') {
                if (e == '\r' && i + 1 < n && d[i + 1] == '\n')
                    i++;
            } else {
                emit = e;
            }
        } else if (c == '(') {
            nest++;
            emit = c;
        } else if (c == ')') {
            if (!nest)
                return i + 1;
            nest--;
            emit = c;
        } else {
            emit = c;
        }
        if (emit >= 0 && out && *olen < cap)
            out[(*olen)++] = (char)emit;
    }
    return n;
}

static size_t hex_string(const uint8_t *d, size_t n, size_t pos, char *out, size_t *olen,
                         size_t cap)
{
    int hi = -1;
    size_t i = pos + 1;
    for (; i < n && d[i] != '>'; i++) {
        int v = hexv(d[i]);
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            if (out && *olen < cap)
                out[(*olen)++] = (char)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0 && out && *olen < cap)
        out[(*olen)++] = (char)(hi << 4);
    return i < n ? i + 1 : n;
}

/* UTF-16BE text strings (with a BOM) are how PDF writes non-Latin text; JavaScript and URLs
 * are shown as their ASCII part. */
static size_t unwide(char *s, size_t n)
{
    if (n < 2 || (uint8_t)s[0] != 0xFE || (uint8_t)s[1] != 0xFF)
        return n;
    size_t o = 0;
    for (size_t i = 2; i + 1 < n; i += 2)
        s[o++] = s[i] == 0 ? s[i + 1] : '?';
    return o;
}

/* ---- the tokenizer ---- */

enum mode { M_RAW, M_OBJSTM, M_TEXT };
enum pending { P_NONE, P_JS, P_URI, P_OPEN, P_AA };

struct scan {
    struct body *b;
    const uint8_t *d;
    size_t n;
    enum mode mode;
    long cur;           /* current object, or -1 */
    int fresh;          /* no token of the current object read yet */
    size_t depth;       /* dictionary nesting */
    char last[NAME_CAP + 1];
    int last_was_s;     /* the previous name was /S: the next name is an action type */
    long ints[2];
    int nints;
    enum pending pend;
    size_t pend_at;
    /* an inline trigger dictionary being read */
    long itrig;
    size_t itrig_depth;
    int aa_key_auto;
    /* object stream: header pairs (number, offset), and where objects start */
    uint32_t *hdr;
    size_t nhdr, hdr_i, first;
};

/* The raw text from where an action is named to the end of the dictionary holding it. */
static void snippet(const uint8_t *d, size_t n, size_t at, char *out, size_t cap)
{
    size_t l = n - at < SNIPPET ? n - at : SNIPPET;
    if (l >= cap)
        l = cap - 1;
    const uint8_t *p = d + at;
    long depth = 0;
    for (size_t i = 0; i + 1 < l; i++) {
        if (p[i] == '<' && p[i + 1] == '<') {
            depth++;
            i++;
        } else if (p[i] == '>' && p[i + 1] == '>') {
            if (--depth < 0) {
                l = i;
                break;
            }
            i++;
        }
    }
    const uint8_t *e = memmem(p, l, "endobj", 6);
    if (e)
        l = (size_t)(e - p);
    memcpy(out, p, l);
    while (l && (out[l - 1] == ' ' || out[l - 1] == '\r' || out[l - 1] == '\n'))
        l--;
    out[l] = 0;
    for (size_t i = 0; i < l; i++)
        if (out[i] == '\r' || out[i] == '\n' || out[i] == 0)
            out[i] = ' ';
}

/* Where the dictionary holding position 'at' opens ("<</F(a.pdf)/S/Launch>>" names the file
 * before the action), looking back at most SNIPPET bytes; 'at' itself if not found. */
static size_t dict_start(const uint8_t *d, size_t at)
{
    long depth = 0;
    for (size_t i = at; i >= 2 && at - i < SNIPPET; i--) {
        if (d[i - 1] == '>' && d[i - 2] == '>') {
            depth++;
            i--;
        } else if (d[i - 1] == '<' && d[i - 2] == '<') {
            if (depth-- == 0)
                return i - 2;
            i--;
        }
    }
    return at;
}

static int is_auto_key(const char *k)
{
    static const char *const keys[] = {"O", "PO", "PC", "PV", "PI", "WC", "WS", "DS", "WP", "DP"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(k, keys[i]))
            return 1;
    return 0;
}

/* References under these keys lead from a trigger to what it runs. */
static int is_follow_key(const char *k)
{
    return is_auto_key(k) || !strcmp(k, "Next") || !strcmp(k, "JS") || !strcmp(k, "AA") ||
           !strcmp(k, "OpenAction") || !strcmp(k, "A");
}

static int is_other_filter(const char *k)
{
    static const char *const f[] = {"ASCIIHexDecode", "AHx", "ASCII85Decode", "A85",
                                    "LZWDecode", "LZW", "RunLengthDecode", "RL", "Crypt",
                                    "Predictor", "DCTDecode", "JPXDecode", "JBIG2Decode",
                                    "CCITTFaxDecode"};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!strcmp(k, f[i]))
            return 1;
    return 0;
}

static long add_trigger(struct scan *s, int kind)
{
    struct body *b = s->b;
    if (b->ntrig >= TRIG_CAP)
        return -1;
    struct trig *t = &b->trig[b->ntrig];
    *t = (struct trig){.kind = (uint8_t)kind};
    snippet(s->d, s->n, s->pend_at, t->ev, sizeof t->ev);
    return (long)b->ntrig++;
}

static void trig_target(struct body *b, long t, uint32_t num)
{
    if (t >= 0 && b->trig[t].ntargets < TARGETS_PER_TRIG)
        b->trig[t].targets[b->trig[t].ntargets++] = num;
}

/* Inside an inline trigger dictionary, does what we meet belong to what it runs? */
static int in_trigger(const struct scan *s)
{
    if (s->itrig < 0 || s->depth <= s->itrig_depth)
        return 0;
    return s->b->trig[s->itrig].kind == K_OPEN || s->aa_key_auto;
}

static void mark(struct scan *s, int flag)
{
    struct pobj *o = cur_obj(s->b, s->cur);
    if (o)
        o->flags |= (uint16_t)flag;
    if (in_trigger(s))
        s->b->trig[s->itrig].flags |= (uint8_t)flag;
}

static void add_url(struct body *b, const char *u, size_t n)
{
    while (n && is_ws((uint8_t)*u)) {
        u++;
        n--;
    }
    if (!n || b->nurls_shown >= 16 || b->urls_len + n + 2 > URL_LIST_CAP ||
        memmem(b->urls, b->urls_len, u, n))
        return;
    if (b->urls_len)
        b->urls[b->urls_len++] = ' ';
    memcpy(b->urls + b->urls_len, u, n);
    b->urls_len += n;
    b->urls[b->urls_len] = 0;
    b->nurls_shown++;
}

static void js_code(struct body *b, const char *t, size_t n)
{
    if (!b->js_text_len) {
        size_t l = n < EV_CAP ? n : EV_CAP;
        memcpy(b->js_text, t, l);
        b->js_text[l] = 0;
        b->js_text_len = l;
    }
    if (!b->jsbuf)
        b->jsbuf = malloc(FG_CAP_PDFIND_JS);
    if (b->jsbuf) {
        size_t room = FG_CAP_PDFIND_JS - b->jslen, l = n < room ? n : room;
        memcpy(b->jsbuf + b->jslen, t, l);
        b->jslen += l;
        b->js_unread |= l < n;
    } else {
        b->js_unread = 1;
    }
}

static void on_name(struct scan *s, const char *nm, int escaped, size_t at)
{
    struct body *b = s->b;
    int after_s = s->last_was_s;
    /* A name at the top level of an inline /AA dictionary is one of its keys. */
    if (s->itrig >= 0 && s->depth == s->itrig_depth + 1 && b->trig[s->itrig].kind == K_AA &&
        !after_s)
        s->aa_key_auto = is_auto_key(nm);
    if (!strcmp(nm, "JS") || !strcmp(nm, "JavaScript")) {
        b->n_js++;
        b->js_escaped |= escaped;
        mark(s, F_JS);
        if (!strcmp(nm, "JS"))
            s->pend = P_JS;
        else if (!after_s)
            b->js_names_tree = 1;
    } else if (!strcmp(nm, "OpenAction") || !strcmp(nm, "AA")) {
        s->pend = nm[0] == 'O' ? P_OPEN : P_AA;
        s->pend_at = at;
    } else if (!strcmp(nm, "Launch")) {
        if (!b->n_launch++)
            snippet(s->d, s->n, dict_start(s->d, at), b->launch_ev, sizeof b->launch_ev);
        mark(s, F_LAUNCH);
    } else if (!strcmp(nm, "EmbeddedFile")) {
        b->n_embedded++;
    } else if (!strcmp(nm, "SubmitForm")) {
        if (!b->n_submit++)
            snippet(s->d, s->n, at, b->submit_ev, sizeof b->submit_ev);
        mark(s, F_SUBMIT);
    } else if (!strcmp(nm, "RichMedia")) {
        b->n_richmedia++;
    } else if (!strcmp(nm, "XFA")) {
        b->n_xfa++;
    } else if (!strcmp(nm, "URI")) {
        if (!after_s) { /* /S /URI names the action; the /URI key holds the address */
            b->n_uri++;
            s->pend = P_URI;
        }
    } else if (!strcmp(nm, "Encrypt")) {
        b->encrypted = 1;
    } else if (!strcmp(nm, "ObjStm")) {
        mark(s, F_OBJSTM);
    } else if (!strcmp(nm, "FlateDecode") || !strcmp(nm, "Fl")) {
        mark(s, F_FLATE);
    } else if (is_other_filter(nm)) {
        mark(s, F_OTHERFILTER);
    } else if (is_auto_key(nm) && !after_s) {
        struct pobj *o = cur_obj(b, s->cur);
        if (o)
            o->flags |= F_AUTOKEY;
    }
    if (!after_s)
        snprintf(s->last, sizeof s->last, "%s", nm);
    s->last_was_s = !strcmp(nm, "S");
}

static void on_ref(struct scan *s, uint32_t num)
{
    struct body *b = s->b;
    if (s->pend == P_OPEN || s->pend == P_AA) {
        long t = add_trigger(s, s->pend == P_OPEN ? K_OPEN : K_AA);
        trig_target(b, t, num);
        if (t >= 0)
            b->trig[t].aa_dict = s->pend == P_AA;
    } else if (s->pend == P_JS) {
        /* An animation names the same few scripts from every frame: keep each once. */
        size_t k = 0;
        while (k < b->njs_refs && b->js_refs[k] != num)
            k++;
        if (k == b->njs_refs && k < JSREF_CAP)
            b->js_refs[b->njs_refs++] = num;
        else if (k == b->njs_refs)
            b->js_unread = 1;
    }
    s->pend = P_NONE;
    if (in_trigger(s))
        trig_target(b, s->itrig, num);
    if (is_follow_key(s->last))
        add_ref(b, s->cur, num);
}

/* The object a position of an object stream belongs to, from its header. */
static void objstm_locate(struct scan *s, size_t pos)
{
    size_t i = s->hdr_i;
    while (i + 1 < s->nhdr && pos >= s->first + s->hdr[2 * (i + 1) + 1])
        i++;
    if ((i != s->hdr_i || s->cur < 0) && pos >= s->first + s->hdr[2 * i + 1] &&
        !(i == s->hdr_i && s->cur == -2)) {
        s->hdr_i = i;
        s->cur = new_obj(s->b, s->hdr[2 * i]);
        if (s->cur < 0)
            s->cur = -2; /* the table is full: do not try again for this object */
        s->fresh = 1;
        s->depth = 0;
        s->itrig = -1;
    }
}

/* Reads the "number offset" pairs at the start of an object stream.  Returns the offset of
 * the first object's text, or 0 (and no header) if the data does not start like one. */
static size_t objstm_header(struct scan *s, const uint8_t *d, size_t n)
{
    size_t i = 0, cap = 0;
    uint32_t last_off = 0;
    for (;;) {
        uint32_t v[2];
        size_t save = i;
        int ok = 1;
        for (int k = 0; k < 2 && ok; k++) {
            while (i < n && is_ws(d[i]))
                i++;
            size_t st = i;
            uint64_t x = 0;
            while (i < n && d[i] >= '0' && d[i] <= '9' && x <= 0xFFFFFFFFu)
                x = x * 10 + (uint64_t)(d[i++] - '0');
            ok = i > st && x <= 0xFFFFFFFFu && (i >= n || is_ws(d[i]) || is_delim(d[i]));
            v[k] = (uint32_t)x;
        }
        if (!ok || (s->nhdr && v[1] < last_off)) {
            i = save;
            break;
        }
        if (!grow((void **)&s->hdr, &cap, s->nhdr, 2 * sizeof *s->hdr, FG_CAP_PDFIND_OBJECTS))
            break;
        s->hdr[2 * s->nhdr] = v[0];
        s->hdr[2 * s->nhdr + 1] = v[1];
        s->nhdr++;
        last_off = v[1];
    }
    while (i < n && is_ws(d[i]))
        i++;
    if (!s->nhdr || i >= n) {
        s->nhdr = 0;
        return 0;
    }
    s->first = i >= s->hdr[1] ? i - s->hdr[1] : 0;
    return i;
}

/* A string value: the text of /JS, the address of /URI. */
static size_t on_string(struct scan *s, size_t i)
{
    const uint8_t *d = s->d;
    size_t n = s->n, sl = 0;
    char buf[EV_CAP + 1];
    int want = s->pend == P_JS || s->pend == P_URI;
    int lit = d[i] == '(';
    size_t end = lit ? literal_string(d, n, i, want ? buf : NULL, &sl, EV_CAP)
                     : hex_string(d, n, i, want ? buf : NULL, &sl, EV_CAP);
    if (s->pend == P_JS && s->b->jslen < FG_CAP_PDFIND_JS && end - i > EV_CAP) {
        /* The whole script for the code checks, not only what is shown. */
        size_t cap = end - i < FG_CAP_PDFIND_JS ? end - i : FG_CAP_PDFIND_JS, fl = 0;
        char *full = malloc(cap);
        if (full) {
            if (lit)
                literal_string(d, n, i, full, &fl, cap);
            else
                hex_string(d, n, i, full, &fl, cap);
            js_code(s->b, full, unwide(full, fl));
            free(full);
        }
    } else if (s->pend == P_JS) {
        js_code(s->b, buf, unwide(buf, sl));
    } else if (s->pend == P_URI) {
        add_url(s->b, buf, unwide(buf, sl));
    }
    return end;
}

/* A keyword or number at d[st, i). */
static size_t on_word(struct scan *s, size_t st, size_t i)
{
    const char *tok = (const char *)s->d + st;
    size_t tl = i - st;
    int integer = tl && tl <= 10;
    for (size_t k = 0; k < tl && integer; k++)
        integer = tok[k] >= '0' && tok[k] <= '9';
    if (integer) {
        long v = 0;
        for (size_t k = 0; k < tl; k++)
            v = v * 10 + (tok[k] - '0');
        s->ints[0] = s->nints ? s->ints[1] : 0;
        s->ints[1] = v;
        s->nints = s->nints < 2 ? s->nints + 1 : 2;
        return i; /* an /OpenAction waits for "N G R" */
    }
    if (tl == 1 && tok[0] == 'R' && s->nints == 2) {
        on_ref(s, (uint32_t)s->ints[0]);
    } else if (tl == 3 && !memcmp(tok, "obj", 3) && s->nints == 2 && s->mode != M_OBJSTM) {
        s->cur = new_obj(s->b, (uint32_t)s->ints[0]);
        s->fresh = 1;
        s->depth = 0;
        s->itrig = -1;
    } else if (tl == 6 && !memcmp(tok, "endobj", 6) && s->mode != M_OBJSTM) {
        s->cur = -1;
    } else if (s->mode == M_RAW && tl == 6 && !memcmp(tok, "stream", 6)) {
        /* Stream data is binary: skip it, and remember where it is. */
        size_t a = i;
        if (a < s->n && s->d[a] == '\r')
            a++;
        if (a < s->n && s->d[a] == '\n')
            a++;
        const uint8_t *e = memmem(s->d + a, s->n - a, "endstream", 9);
        size_t z = e ? (size_t)(e - s->d) : s->n;
        add_stream(s->b, s->cur, a, z);
        i = e ? z + 9 : s->n;
    }
    s->pend = P_NONE;
    s->nints = 0;
    return i;
}

static int scan_body(struct fg_ctx *ctx, struct body *b, const uint8_t *d, size_t n,
                     enum mode mode)
{
    struct scan s = {.b = b, .d = d, .n = n, .mode = mode, .cur = -1, .itrig = -1};
    size_t i = 0;
    if (mode == M_OBJSTM && !(i = objstm_header(&s, d, n))) {
        free(s.hdr);
        return FG_OK;
    }
    unsigned long tokens = 0;
    int rc = FG_OK;
    while (i < n) {
        if (++tokens % EXPIRY_EVERY == 0 && fg_ctx_expired(ctx)) {
            rc = FG_ETIMEOUT;
            break;
        }
        uint8_t c = d[i];
        if (is_ws(c)) {
            i++;
            continue;
        }
        if (s.nhdr)
            objstm_locate(&s, i);
        if (s.fresh) {
            /* An object that is an array is a destination, not an action. */
            struct pobj *o = cur_obj(b, s.cur);
            if (o && c == '[')
                o->flags |= F_DEST;
            s.fresh = 0;
        }
        if (c == '%') {
            const uint8_t *nl = memchr(d + i, '\n', n - i);
            const uint8_t *cr = memchr(d + i, '\r', (size_t)((nl ? nl : d + n) - (d + i)));
            i = cr ? (size_t)(cr - d) : nl ? (size_t)(nl - d) : n;
            continue;
        }
        if (c == '/') {
            char nm[NAME_CAP + 1];
            size_t l = 0, at = i;
            int escaped = 0;
            for (i++; i < n && !is_ws(d[i]) && !is_delim(d[i]); i++) {
                int ch = d[i];
                if (ch == '#' && i + 2 < n && hexv(d[i + 1]) >= 0 && hexv(d[i + 2]) >= 0) {
                    ch = hexv(d[i + 1]) << 4 | hexv(d[i + 2]);
                    i += 2;
                    escaped = 1;
                }
                if (l < NAME_CAP)
                    nm[l++] = (char)ch;
            }
            nm[l] = 0;
            s.pend = P_NONE;
            s.nints = 0;
            on_name(&s, nm, escaped, at);
            continue;
        }
        if (c == '(' || (c == '<' && !(i + 1 < n && d[i + 1] == '<'))) {
            i = on_string(&s, i);
            s.pend = P_NONE;
            s.nints = 0;
            continue;
        }
        if ((c == '<' || c == '>') && i + 1 < n && d[i + 1] == c) {
            if (c == '<') {
                s.depth++;
                if (s.pend == P_OPEN || s.pend == P_AA) {
                    s.itrig = add_trigger(&s, s.pend == P_OPEN ? K_OPEN : K_AA);
                    if (s.itrig >= 0)
                        b->trig[s.itrig].inline_dict = 1;
                    s.itrig_depth = s.depth - 1;
                    s.aa_key_auto = 0;
                }
            } else {
                if (s.depth)
                    s.depth--;
                if (s.itrig >= 0 && s.depth <= s.itrig_depth)
                    s.itrig = -1;
            }
            i += 2;
            s.pend = P_NONE;
            s.nints = 0;
            continue;
        }
        if (is_delim(c)) {
            i++;
            s.pend = P_NONE; /* an /OpenAction array is a page destination */
            s.nints = 0;
            continue;
        }
        size_t st = i;
        while (i < n && !is_ws(d[i]) && !is_delim(d[i]))
            i++;
        i = on_word(&s, st, i);
    }
    free(s.hdr);
    return rc;
}

static void body_free(struct body *b)
{
    free(b->objs);
    free(b->refs);
    free(b->stms);
    free(b->jsbuf);
}

/* ---- the whole document ---- */

/* Inflates a FlateDecode stream (zlib, or raw deflate as some writers produce) into at most
 * 'cap' bytes; a damaged stream gives what came out before the damage.  NULL if nothing. */
static uint8_t *inflate_capped(const uint8_t *d, size_t n, size_t cap, size_t *out_len)
{
    size_t have = 0, alloc = n * 4 + 1024 < cap ? n * 4 + 1024 : cap;
    uint8_t *out = malloc(alloc ? alloc : 1);
    if (!out)
        return NULL;
    for (int attempt = 0; attempt < 2 && !have; attempt++) {
        z_stream z = {0};
        if ((attempt ? inflateInit2(&z, -15) : inflateInit(&z)) != Z_OK)
            break;
        z.next_in = (Bytef *)d;
        z.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
        int zr = Z_OK;
        while (zr == Z_OK && have < cap) {
            if (have == alloc) {
                size_t na = alloc * 2 < cap ? alloc * 2 : cap;
                uint8_t *no = realloc(out, na);
                if (!no)
                    break;
                out = no;
                alloc = na;
            }
            z.next_out = out + have;
            z.avail_out = (uInt)(alloc - have > UINT32_MAX ? UINT32_MAX : alloc - have);
            uInt before = z.avail_out;
            zr = inflate(&z, Z_NO_FLUSH);
            have += before - z.avail_out;
            if (zr == Z_BUF_ERROR && z.avail_out)
                break; /* input ended early */
            if (zr == Z_BUF_ERROR)
                zr = Z_OK;
        }
        inflateEnd(&z);
    }
    if (!have) {
        free(out);
        return NULL;
    }
    *out_len = have;
    return out;
}

/* The data of a stream as far as we decode it: FlateDecode or none. */
static uint8_t *stream_data(const uint8_t *raw, const struct stm *st, size_t cap, size_t *len)
{
    if (st->flags & F_OTHERFILTER)
        return NULL;
    const uint8_t *p = raw + st->start;
    size_t n = st->end - st->start;
    if (st->flags & F_FLATE)
        return inflate_capped(p, n, cap, len);
    n = n < cap ? n : cap;
    uint8_t *c = malloc(n ? n : 1);
    if (c) {
        memcpy(c, p, n);
        *len = n;
    }
    return c;
}

/* Object streams hold most dictionaries of a modern PDF; the streams /JS names hold code. */
static int read_streams(struct fg_ctx *ctx, struct body *b, const uint8_t *raw)
{
    if (b->encrypted) {
        b->js_unread = 1; /* the strings read are ciphertext, not code */
        return FG_OK; /* encrypted data: the unpacker's "objects" child has it decrypted */
    }
    size_t budget = FG_CAP_PDFIND_OBJSTM_TOTAL, nstm = b->nstm;
    for (size_t i = 0; i < nstm && budget; i++) {
        if (!(b->stms[i].flags & F_OBJSTM))
            continue;
        if (fg_ctx_expired(ctx))
            return FG_ETIMEOUT;
        size_t len = 0;
        uint8_t *d = stream_data(raw, &b->stms[i], budget < FG_CAP_PDFIND_OBJSTM ? budget : FG_CAP_PDFIND_OBJSTM,
                                 &len);
        if (!d)
            continue;
        budget -= len;
        int rc = scan_body(ctx, b, d, len, M_OBJSTM);
        free(d);
        if (rc)
            return rc;
    }
    for (size_t k = 0; k < b->njs_refs; k++) {
        int read = 0;
        for (size_t i = 0; i < nstm; i++) {
            if (b->stms[i].num != b->js_refs[k] || (b->stms[i].flags & F_OBJSTM))
                continue;
            size_t len = 0;
            uint8_t *d = stream_data(raw, &b->stms[i], FG_CAP_PDFIND_JS, &len);
            if (d)
                js_code(b, (const char *)d, len);
            read = d != NULL;
            free(d);
            break;
        }
        /* A script in a string object, or behind a filter we do not decode, is unknown. */
        b->js_unread |= !read;
    }
    return FG_OK;
}

/* ---- findings ---- */

/* Documents opened by /Launch without parameters are another PDF, page or source file
 * (hyperref's "run:" links to a manual's sources), not a program; so is a name without a
 * letter or digit ("..." in an example).  The file is the /F string of the action. */
static int launches_document(const char *ev)
{
    if (strstr(ev, "/P") || strstr(ev, "/Win") || strstr(ev, "/Unix") || strstr(ev, "/Mac"))
        return 0;
    const char *f = strstr(ev, "/F("), *e;
    f = f ? f + 3 : (f = strstr(ev, "/F (")) ? f + 4 : NULL;
    if (!f || !(e = strchr(f, ')')))
        return 0;
    int alnum = 0;
    for (const char *c = f; c < e && !alnum; c++)
        alnum = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z');
    if (!alnum)
        return 1;
    static const char *const docs[] = {".pdf", ".html", ".htm", ".txt", ".tex", ".ltx", ".sty",
                                       ".cls", ".dtx", ".bib", ".mp",   ".md",  ".csv", ".xml",
                                       ".png", ".jpg", ".svg", ".eps"};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        size_t l = strlen(docs[i]);
        if ((size_t)(e - f) > l && !strncasecmp(e - l, docs[i], l))
            return 1;
    }
    return 0;
}

struct trig_result {
    int js, launch, submit, other;
    const char *ev;
};

static void judge_triggers(const struct body *b, struct trig_result *tr)
{
    for (size_t i = 0; i < b->ntrig; i++) {
        const struct trig *t = &b->trig[i];
        int f = follow(b, t);
        /* An open action whose target is not in the file (or not read) is not known to be
         * more than a page to show. */
        int other = t->kind == K_OPEN && (t->inline_dict || (f & F_FOUND)) && !(f & F_DEST);
        f &= F_JS | F_LAUNCH | F_SUBMIT;
        if (!other && !f)
            continue;
        if (!tr->ev || ((f & F_JS) && !tr->js))
            tr->ev = t->ev;
        tr->js |= (f & F_JS) != 0;
        tr->launch |= (f & F_LAUNCH) != 0;
        tr->submit |= (f & F_SUBMIT) != 0;
        tr->other |= other;
    }
}

static void report(struct fg_ctx *ctx, struct fg_obj *obj, const struct body *b,
                   const struct trig_result *tr)
{
    char why[128] = "", ev[EV_CAP + 64];
    int danger = b->jslen && js_dangerous(b->jsbuf, b->jslen, why, sizeof why);
    if (b->n_js) {
        if (b->js_text_len)
            snprintf(ev, sizeof ev, "%s", b->js_text);
        else if (b->njs_refs)
            snprintf(ev, sizeof ev, "/JS %u 0 R (the code is stream \"obj %u\")",
                     (unsigned)b->js_refs[0], (unsigned)b->js_refs[0]);
        else
            snprintf(ev, sizeof ev, "%zu JavaScript name(s)", b->n_js);
        enum fg_severity sev = danger || b->js_escaped ? FG_SEV_MEDIUM : FG_SEV_LOW;
        fg_finding_add(ctx, obj, "pdf.javascript", sev, 0, ev, "JavaScript%s%s%s%s",
                       b->js_names_tree ? " (document-level, runs when the file opens)" : "",
                       b->js_escaped ? "; its name is hidden with #xx escapes" : "",
                       danger ? "; the code " : "", danger ? why : "");
    }
    const char *reach = b->jslen ? js_reach(b->jsbuf, b->jslen) : NULL;
    if (tr->js && (danger || reach || b->js_unread || !b->jslen))
        fg_finding_add(ctx, obj, "pdf.openaction", danger ? FG_SEV_HIGH : FG_SEV_MEDIUM, 0,
                       tr->ev, "JavaScript runs automatically (opening the file or a page)%s%s%s%s",
                       danger ? "; the code " : "", danger ? why : "",
                       !danger && reach ? "; the code calls " : "",
                       !danger && reach ? reach : !danger ? "; not all of the code was read" : "");
    else if (tr->js)
        /* Animations, media players and quiz forms start and stop themselves this way; all
         * of the document's code was read and none of it reaches outside the document. */
        fg_finding_add(ctx, obj, "pdf.openaction", FG_SEV_LOW, 0, tr->ev,
                       "JavaScript runs automatically (opening the file or a page); it only "
                       "works on the document (no network, files, programs or decoded code)");
    else if (tr->launch || tr->submit)
        fg_finding_add(ctx, obj, "pdf.openaction", FG_SEV_MEDIUM, 0, tr->ev,
                       "%s runs automatically when the file opens",
                       tr->launch ? "a /Launch action" : "a form submission");
    else if (tr->other)
        fg_finding_add(ctx, obj, "pdf.openaction", FG_SEV_INFO, 0, tr->ev,
                       "an action runs when the file opens");
    if (b->n_launch) {
        if (launches_document(b->launch_ev))
            fg_finding_add(ctx, obj, "pdf.launch", FG_SEV_LOW, 0, b->launch_ev,
                           "/Launch action opening another document");
        else
            fg_finding_add(ctx, obj, "pdf.launch", FG_SEV_HIGH, 0, b->launch_ev,
                           "/Launch action: the PDF asks the reader to start a program");
    }
    if (b->n_embedded) {
        snprintf(ev, sizeof ev, "%zu /EmbeddedFile stream(s)", b->n_embedded);
        fg_finding_add(ctx, obj, "pdf.embedded-file", FG_SEV_LOW, 0, ev,
                       "files embedded in the PDF (each is scanned as a member)");
    }
    if (b->n_submit) {
        int mail = strcasestr(b->submit_ev, "mailto:") != NULL;
        fg_finding_add(ctx, obj, "pdf.submitform", mail ? FG_SEV_LOW : FG_SEV_MEDIUM, 0,
                       b->submit_ev, "form sends what is typed into it to %s",
                       mail ? "a mail address" : "a server");
    }
    if (b->n_richmedia) {
        snprintf(ev, sizeof ev, "%zu /RichMedia name(s)", b->n_richmedia);
        /* Low: Flash was the vector of many PDF exploits, but readers stopped playing it in
         * 2021, while LaTeX (media9, animate) still embeds video players this way; an
         * exploit document still shows through its JavaScript and its other findings. */
        fg_finding_add(ctx, obj, "pdf.richmedia", FG_SEV_LOW, 0, ev,
                       "embedded Flash or other rich media (a dead plug-in with a long list of "
                       "exploited holes; current readers no longer play it)");
    }
    if (b->n_xfa) {
        snprintf(ev, sizeof ev, "%zu /XFA name(s)", b->n_xfa);
        fg_finding_add(ctx, obj, "pdf.xfa", FG_SEV_LOW, 0, ev, "XFA form");
    }
    if (b->n_uri)
        fg_finding_add(ctx, obj, "pdf.uri", FG_SEV_INFO, 0, b->urls_len ? b->urls : NULL,
                       "%zu link(s) to URLs", b->n_uri);
}

/* A PDF file, or the decrypted objects of one: read, follow, report. */
static int analyse(struct fg_ctx *ctx, struct fg_obj *obj, enum mode mode)
{
    struct body b = {0};
    struct trig_result tr = {0};
    int rc = scan_body(ctx, &b, obj->data, obj->len, mode);
    if (!rc && mode == M_RAW)
        rc = read_streams(ctx, &b, obj->data);
    else if (b.njs_refs)
        b.js_unread = 1; /* the decrypted objects come without their streams */
    if (!rc) {
        if (b.nobj > 1)
            qsort(b.objs, b.nobj, sizeof *b.objs, obj_cmp);
        judge_triggers(&b, &tr);
        report(ctx, obj, &b, &tr);
    }
    body_free(&b);
    return rc;
}

/* A decoded stream of a PDF that holds JavaScript code (what a /JS reference points at, or
 * an XFA form's scripts). */
static void js_stream(struct fg_ctx *ctx, struct fg_obj *obj)
{
    const char *s = (const char *)obj->data;
    size_t n = obj->len;
    if (content_stream(s, n) || object_stream(s, n) || !js_like(s, n))
        return;
    char why[128] = "", ev[EV_CAP + 1];
    int danger = js_dangerous(s, n, why, sizeof why);
    size_t l = n < EV_CAP ? n : EV_CAP;
    memcpy(ev, s, l);
    ev[l] = 0;
    fg_finding_add(ctx, obj, "pdf.javascript", danger ? FG_SEV_MEDIUM : FG_SEV_LOW, 0, ev,
                   "JavaScript code in a PDF stream%s%s", danger ? "; the code " : "",
                   danger ? why : "");
}

static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    if (!strcmp(obj->type, "pdf"))
        return analyse(ctx, obj, M_RAW);
    if (!obj->parent || strcmp(obj->parent->type, "pdf") || !obj->name)
        return FG_OK;
    if (!strcmp(obj->name, "objects"))
        return analyse(ctx, obj, M_TEXT);
    if (!strncmp(obj->name, "obj ", 4))
        js_stream(ctx, obj);
    return FG_OK;
}

const struct fg_analyzer fg_an_pdf = {
    .name = "pdf",
    .types = types,
    .run = run,
};
