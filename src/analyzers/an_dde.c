/*
 * an_dde.c - DDE: fields and formulas that make Word or Excel ask another program (cmd,
 * powershell ...) for data, which starts that program.
 *
 * Where it looks:
 *   - Word XML (docx parts, Flat OPC, Word 2003 XML): field codes in <w:instrText> runs,
 *     joined between the begin/separate/end field characters, and <w:fldSimple w:instr>;
 *   - Word binary (.doc): field codes between the 0x13/0x14 marks of the WordDocument stream;
 *   - RTF: {\fldinst ...} groups, with escapes, \u characters and \bin data handled;
 *   - Excel: <ddeLink> in xlsx external links, the DDE supporting-link record of xlsb
 *     external links, cell formulas (xlsx <f>, Excel 2003 XML ss:Formula, SupBook <Path>),
 *     CSV and SYLK cells ("=cmd|' /C calc'!A0", "DDE(...)"), ODF dde-connection-decl.
 * DDEAUTO runs when the document opens; a DDE link that names a command interpreter or an
 * executable is an attack whatever the user answers.  Both are high; any other DDE link
 * (market-data feeds used them) is medium.
 */
#define _GNU_SOURCE
#include "analyzer.h"
#include "xml_scan.h"
#include "biff.h"
#include "dde.h"

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INSTR_CAP 1024       /* bytes of one field instruction kept */
#define FIELD_DEPTH 8        /* nested fields tracked; deeper ones are counted, not read */
#define REPORT_CAP 16        /* findings per object; the rest summed up in one */
#define FORMULA_WINDOW 1024  /* bytes of a CSV cell looked at */
#define DOC_INSTR_CAP 512    /* characters of a .doc field read */

static const char *const types[] = {"xml", "text", "rtf", "data", NULL};

/* ---- reporting ---- */

struct rep {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    size_t n, extra;
    enum fg_severity worst;
    char worst_ev[INSTR_CAP + 64];
};

static void report(struct rep *r, enum fg_severity sev, const char *what, const char *ev)
{
    if (r->n < REPORT_CAP) {
        fg_finding_add(r->ctx, r->obj, "dde.field", sev, 0, ev, "%s", what);
        r->n++;
        return;
    }
    if (!r->extra || sev > r->worst) {
        r->worst = sev;
        snprintf(r->worst_ev, sizeof r->worst_ev, "%s", ev);
    }
    r->extra++;
}

static void report_done(struct rep *r)
{
    if (r->extra)
        fg_finding_add(r->ctx, r->obj, "dde.field", r->worst, 0, r->worst_ev,
                       "%zu more DDE fields or formulas", r->extra);
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Does a DDE target start a program?  The application name or the topic names a command
 * interpreter, a script host or an executable file, as a word of its own ("Calculations"
 * is not calc).  Shared with an_xlm.c (DDE links of binary workbooks) through dde.h. */
int fg_dde_runs_command(const char *s, size_t n)
{
    static const char *const words[] = {
        "cmd",      "powershell", "pwsh",     "mshta",     "wscript",  "cscript", "rundll32",
        "regsvr32", "msiexec",    "certutil", "bitsadmin", "schtasks", "calc",    "command",
        ".exe",     ".bat",       ".ps1",     ".vbs",      ".hta",     ".scr",    ".js",
        "http:",    "https:"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const char *w = words[i];
        size_t wl = strlen(w);
        for (size_t k = 0; k + wl <= n; k++) {
            if (strncasecmp(s + k, w, wl))
                continue;
            int left = w[0] == '.' || k == 0 || !is_alnum(s[k - 1]);
            int right = w[wl - 1] == ':' || k + wl == n || !is_alnum(s[k + wl]);
            if (left && right)
                return 1;
        }
    }
    return 0;
}

/* ---- field instructions (Word XML, .doc, RTF) ---- */

static void judge_instr(struct rep *r, const char *ins, size_t n)
{
    size_t i = 0;
    while (i < n && (ins[i] == ' ' || ins[i] == '\t' || ins[i] == '\r' || ins[i] == '\n'))
        i++;
    size_t w = i;
    while (w < n && ((ins[w] >= 'a' && ins[w] <= 'z') || (ins[w] >= 'A' && ins[w] <= 'Z')))
        w++;
    int autorun = w - i == 7 && !strncasecmp(ins + i, "DDEAUTO", 7);
    if (!autorun && !(w - i == 3 && !strncasecmp(ins + i, "DDE", 3)))
        return;
    char ev[INSTR_CAP + 1];
    size_t l = n - i < INSTR_CAP ? n - i : INSTR_CAP;
    memcpy(ev, ins + i, l);
    ev[l] = 0;
    if (autorun)
        report(r, FG_SEV_HIGH, "DDEAUTO field: Office asks another program for data as the "
                               "document opens, which starts that program",
               ev);
    else if (fg_dde_runs_command(ins + w, n - w))
        report(r, FG_SEV_HIGH, "DDE field that starts a command interpreter or program", ev);
    else
        report(r, FG_SEV_MEDIUM, "DDE field (a link to another program's data)", ev);
}

struct field {
    char buf[INSTR_CAP];
    size_t len;
    int judged;
};

static void field_append(struct field *f, const char *s, size_t n)
{
    size_t room = INSTR_CAP - f->len;
    if (n > room)
        n = room;
    memcpy(f->buf + f->len, s, n);
    f->len += n;
}

/* QUOTE 68 68 69 shows "DDE": a nested QUOTE field can build the outer field's keyword. */
static void fold_quote(struct field *outer, const struct field *inner)
{
    const char *s = inner->buf;
    size_t n = inner->len, i = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (n - i < 6 || strncasecmp(s + i, "QUOTE", 5) || s[i + 5] != ' ')
        return;
    char out[INSTR_CAP];
    size_t o = 0;
    for (i += 5; i < n;) {
        while (i < n && s[i] == ' ')
            i++;
        if (i >= n)
            break;
        unsigned v = 0;
        size_t d = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && d < 4) {
            v = v * 10 + (unsigned)(s[i++] - '0');
            d++;
        }
        if (!d || (i < n && s[i] != ' ') || v == 0 || v > 255)
            return; /* not a list of character codes: a QUOTE of text shows as is */
        out[o++] = (char)v;
    }
    field_append(outer, out, o);
}

/* ---- a small XML reader (start tags, attributes, entities), bounded and linear ---- */

static int hexval(uint8_t c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}








/* ---- formulas (Excel XML, CSV, SYLK) ---- */

static int is_app_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '\\' || c == ':' || c == '$';
}

/* What may stand before an application name or DDE( in a formula: its start, an operator
 * or an argument separator. */
static int is_formula_boundary(const char *f, size_t at)
{
    if (at == 0)
        return 1;
    return strchr("=+-@(,;*/&^ ", f[at - 1]) != NULL && f[at - 1] != 0;
}

#define APP_NAME_CAP 256 /* characters looked back for an application name */

/* Is there a DDE reference at f[i]: app|'topic'!item or app|topic!item (Excel), or the
 * DDE() function (LibreOffice)?  f[lo, n) is the formula; *app_at is where the reference
 * starts.  Each look is short: back over one name, forward to the closing quote. */
static int dde_at(const char *f, size_t lo, size_t n, size_t i, size_t *app_at)
{
    if (f[i] == '|') {
        size_t a = i;
        while (a > lo && f[a - 1] == ' ')
            a--;
        size_t s = a;
        if (a >= lo + 2 && f[a - 1] == '\'') { /* 'application name'|... */
            size_t from = a - 1 - lo > APP_NAME_CAP ? a - 1 - APP_NAME_CAP : lo;
            const char *q = memrchr(f + from, '\'', a - 1 - from);
            if (!q || (size_t)(q - f) + 1 == a - 1)
                return 0;
            s = (size_t)(q - f);
        } else {
            while (s > lo && a - s < APP_NAME_CAP && is_app_char(f[s - 1]))
                s--;
            if (s == a)
                return 0;
        }
        if (!is_formula_boundary(f + lo, s - lo))
            return 0;
        size_t t = i + 1;
        while (t < n && f[t] == ' ')
            t++;
        if (t < n && f[t] == '\'') {
            const char *q = memchr(f + t + 1, '\'', n - t - 1);
            if (!q || (size_t)(q - f) + 1 >= n || q[1] != '!')
                return 0;
        } else {
            size_t u = t;
            while (u < n && is_app_char(f[u]))
                u++;
            if (u == t || u + 1 >= n || f[u] != '!' || !is_app_char(f[u + 1]))
                return 0;
        }
        *app_at = s;
        return 1;
    }
    if ((f[i] == 'D' || f[i] == 'd') && n - i >= 4 && !strncasecmp(f + i, "DDE(", 4) &&
        is_formula_boundary(f + lo, i - lo) && (i == lo || f[i - 1] != ' ')) {
        *app_at = i;
        return 1;
    }
    return 0;
}

static int formula_dde(const char *f, size_t n, size_t *app_at)
{
    for (size_t i = 0; i < n; i++)
        if ((f[i] == '|' || f[i] == 'D' || f[i] == 'd') && dde_at(f, 0, n, i, app_at))
            return 1;
    return 0;
}

static void judge_formula(struct rep *r, const char *f, size_t n, const char *where)
{
    size_t at;
    if (!formula_dde(f, n, &at))
        return;
    char ev[INSTR_CAP + 1], what[160];
    size_t l = n < INSTR_CAP ? n : INSTR_CAP;
    memcpy(ev, f, l);
    ev[l] = 0;
    int cmd = fg_dde_runs_command(f + at, n - at);
    snprintf(what, sizeof what, "DDE %s%s", where,
             cmd ? " that starts a command interpreter or program" : "");
    report(r, cmd ? FG_SEV_HIGH : FG_SEV_MEDIUM, what, ev);
}

static void judge_link(struct rep *r, const char *app, const char *topic, const char *what)
{
    char ev[INSTR_CAP + 8];
    snprintf(ev, sizeof ev, "%s|%s", app, topic);
    int cmd = fg_dde_runs_command(ev, strlen(ev));
    char msg[160];
    snprintf(msg, sizeof msg, "%s%s", what,
             cmd ? " that starts a command interpreter or program" : "");
    report(r, cmd ? FG_SEV_HIGH : FG_SEV_MEDIUM, msg, ev);
}

/* ---- XML documents ---- */

struct xmlstate {
    struct field f[FIELD_DEPTH];
    size_t depth; /* open fields, including those too deep to track */
};

static void fld_char(struct rep *r, struct xmlstate *st, struct fg_xml_cursor *c)
{
    const uint8_t *an, *av;
    size_t al, vl;
    char kind[16] = "";
    while (fg_xml_next_attr(c, &an, &al, &av, &vl))
        if (fg_xml_name_is(an, al, "fldCharType"))
            kind[fg_xml_decode(av, vl, kind, sizeof kind)] = 0;
    if (!strcmp(kind, "begin")) {
        if (st->depth < FIELD_DEPTH) {
            st->f[st->depth].len = 0;
            st->f[st->depth].judged = 0;
        }
        st->depth++;
        return;
    }
    if (!st->depth)
        return;
    size_t top = st->depth - 1;
    int sep = !strcmp(kind, "separate"), end = !strcmp(kind, "end");
    if ((sep || end) && top < FIELD_DEPTH && !st->f[top].judged) {
        judge_instr(r, st->f[top].buf, st->f[top].len);
        st->f[top].judged = 1;
    }
    if (end) {
        if (top > 0 && top < FIELD_DEPTH)
            fold_quote(&st->f[top - 1], &st->f[top]);
        st->depth--;
    }
}

static void attr_pair(struct fg_xml_cursor *c, const char *n1, char *v1, const char *n2, char *v2,
                      size_t cap, const char *formula_attr, struct rep *r)
{
    const uint8_t *an, *av;
    size_t al, vl;
    while (fg_xml_next_attr(c, &an, &al, &av, &vl)) {
        if (n1 && fg_xml_name_is(an, al, n1))
            v1[fg_xml_decode(av, vl, v1, cap)] = 0;
        else if (n2 && fg_xml_name_is(an, al, n2))
            v2[fg_xml_decode(av, vl, v2, cap)] = 0;
        else if (formula_attr && fg_xml_name_is(an, al, formula_attr)) {
            char f[INSTR_CAP];
            size_t fl = fg_xml_decode(av, vl, f, sizeof f);
            judge_formula(r, f, fl, "formula in a cell");
        }
    }
}

/* Excel 2003 XML ("XML Spreadsheet") names its namespace in the root element. */
static int is_excel2003(const uint8_t *d, size_t len)
{
    return memmem(d, len < 4096 ? len : 4096, "urn:schemas-microsoft-com:office:spreadsheet",
                  44) != NULL;
}

static void scan_xml(struct rep *r, const uint8_t *d, size_t len)
{
    int xl2003 = is_excel2003(d, len);
    struct xmlstate *st = malloc(sizeof *st);
    if (!st)
        return;
    st->depth = 0;
    struct fg_xml_cursor c = {d, d + len, 0};
    const uint8_t *nm;
    size_t nl;
    char a[INSTR_CAP], b[INSTR_CAP], t[INSTR_CAP];
    while (fg_xml_next_start_tag(&c, &nm, &nl)) {
        if (fg_xml_name_is(nm, nl, "fldChar")) {
            fld_char(r, st, &c);
        } else if (fg_xml_name_is(nm, nl, "instrText")) {
            size_t tl = fg_xml_element_text(&c, t, sizeof t);
            if (st->depth && st->depth <= FIELD_DEPTH)
                field_append(&st->f[st->depth - 1], t, tl);
            else if (!st->depth)
                judge_instr(r, t, tl); /* a code outside begin/end: judged on its own */
        } else if (fg_xml_name_is(nm, nl, "fldSimple")) {
            a[0] = 0;
            attr_pair(&c, "instr", a, NULL, NULL, sizeof a, NULL, r);
            judge_instr(r, a, strlen(a));
        } else if (fg_xml_name_is(nm, nl, "ddeLink")) {
            a[0] = b[0] = 0;
            attr_pair(&c, "ddeService", a, "ddeTopic", b, sizeof a, NULL, r);
            judge_link(r, a, b, "DDE link in an Excel workbook");
        } else if (fg_xml_name_is(nm, nl, "dde-connection-decl") || fg_xml_name_is(nm, nl, "dde-source")) {
            a[0] = b[0] = 0;
            attr_pair(&c, "dde-application", a, "dde-topic", b, sizeof a, NULL, r);
            if (a[0])
                judge_link(r, a, b, "DDE connection in an OpenDocument file");
        } else if (fg_xml_name_is(nm, nl, "f")) {
            size_t tl = fg_xml_element_text(&c, t, sizeof t);
            judge_formula(r, t, tl, "formula in a cell");
        } else if (xl2003 && fg_xml_name_is(nm, nl, "Cell")) {
            attr_pair(&c, NULL, NULL, NULL, NULL, 0, "Formula", r);
        } else if (xl2003 && fg_xml_name_is(nm, nl, "Path")) {
            size_t tl = fg_xml_element_text(&c, t, sizeof t);
            const char *bar = memchr(t, '|', tl);
            if (bar) {
                memcpy(a, t, (size_t)(bar - t));
                a[bar - t] = 0;
                memcpy(b, bar + 1, tl - (size_t)(bar - t) - 1);
                b[tl - (size_t)(bar - t) - 1] = 0;
                judge_link(r, a, b, "DDE link in an Excel 2003 XML workbook");
            }
        }
    }
    /* A field left open at the end of the document was still typed by someone. */
    for (size_t i = 0; i < st->depth && i < FIELD_DEPTH; i++)
        if (!st->f[i].judged)
            judge_instr(r, st->f[i].buf, st->f[i].len);
    free(st);
}

/* ---- CSV and SYLK text ---- */

static int formula_start(char c) { return c == '=' || c == '+' || c == '-' || c == '@'; }

/* Where a cell's formula starts (after an opening quote and blanks), or n if the cell is
 * not a formula. */
static size_t cell_formula(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '"'))
        i++;
    return i < n && formula_start(s[i]) ? i : n;
}

/* One pass over a line: cells are split at , ; and tab outside quotes; a bar or DDE( inside
 * a cell that starts like a formula is looked at once. */
static void scan_csv_line(struct rep *r, const char *s, size_t n)
{
    /* Only a line with a bar or a DDE( call can hold a DDE formula. */
    if (!memchr(s, '|', n) && !memmem(s, n, "DDE(", 4) && !memmem(s, n, "dde(", 4))
        return;
    size_t f = cell_formula(s, n, 0);
    int quoted = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (c == ',' || c == ';' || c == '\t')) {
            f = cell_formula(s, n, i + 1);
            quoted = f < n && memchr(s + i + 1, '"', f - i - 1) != NULL;
            if (f < n)
                i = f;
        } else if (f < n && i > f && (c == '|' || c == 'D' || c == 'd')) {
            size_t end = n - f < FORMULA_WINDOW ? n : f + FORMULA_WINDOW, at;
            if (i < end && dde_at(s, f, end, i, &at)) {
                judge_formula(r, s + f, end - f, "formula in a CSV cell");
                return; /* one finding per line: the rest of the line is this formula */
            }
        }
    }
}

/* SYLK: "C;X1;Y1;E<formula>" cells; the formula has no leading '='. */
static void scan_sylk_line(struct rep *r, const char *s, size_t n)
{
    if (n < 2 || s[0] != 'C' || s[1] != ';')
        return;
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] == ';' && s[i + 1] == 'E') {
            size_t w = n - i - 2 < FORMULA_WINDOW ? n - i - 2 : FORMULA_WINDOW;
            judge_formula(r, s + i + 2, w, "formula in a SYLK cell");
            return;
        }
    }
}

static void scan_text(struct rep *r, const uint8_t *d, size_t len)
{
    int sylk = len >= 3 && !memcmp(d, "ID;", 3);
    const char *s = (const char *)d, *end = s + len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        if (n && s[n - 1] == '\r')
            n--;
        if (sylk)
            scan_sylk_line(r, s, n);
        else
            scan_csv_line(r, s, n);
        s = nl ? nl + 1 : end;
    }
}

/* ---- RTF ---- */

struct rtf {
    const uint8_t *d;
    size_t len, i;
    size_t depth, cap_depth, skip_depth;
    int capturing, skipping, skip_fallback;
    struct field f;
};

static int is_alpha(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* A control word at d[i] == '\\': what it adds to a field code (in out, returned length). */
static size_t rtf_word(struct rtf *t, char *out)
{
    const uint8_t *d = t->d;
    size_t len = t->len, w = t->i + 1;
    while (w < len && w - t->i <= 32 && is_alpha(d[w]))
        w++;
    const char *word = (const char *)d + t->i + 1;
    size_t wl = w - t->i - 1;
    long param = 0;
    int neg = w < len && d[w] == '-', has_param = 0;
    w += (size_t)neg;
    while (w < len && d[w] >= '0' && d[w] <= '9') {
        if (param < 100000000L)
            param = param * 10 + (d[w] - '0');
        has_param = 1;
        w++;
    }
    if (neg)
        param = -param;
    if (w < len && d[w] == ' ')
        w++; /* the delimiter belongs to the word */
    t->i = w;
    if (wl == 7 && !memcmp(word, "fldinst", 7) && !t->capturing) {
        t->capturing = 1;
        t->cap_depth = t->depth;
        t->f.len = 0;
    } else if (wl == 3 && !memcmp(word, "bin", 3) && has_param && param > 0) {
        t->i += (size_t)param < len - t->i ? (size_t)param : len - t->i; /* raw bytes */
    } else if (wl == 1 && word[0] == 'u' && has_param) {
        long cp = param < 0 ? param + 65536 : param;
        t->skip_fallback = 1; /* the character after \uN is for readers without Unicode */
        return fg_utf8_put(out, (unsigned)(cp > 0 && cp < 0x110000 ? cp : '?'));
    } else if ((wl == 3 && (!memcmp(word, "tab", 3) || !memcmp(word, "par", 3))) ||
               (wl == 4 && !memcmp(word, "line", 4))) {
        out[0] = ' ';
        return 1;
    }
    return 0;
}

/* A control symbol at d[i] == '\\' (\'hh, \\, \{, \}, \~ ...). */
static size_t rtf_symbol(struct rtf *t, char *out)
{
    const uint8_t *d = t->d;
    uint8_t n1 = d[t->i + 1];
    if (n1 == '\'' && t->i + 3 < t->len) {
        int h1 = hexval(d[t->i + 2]), h2 = hexval(d[t->i + 3]);
        t->i += 4;
        if (t->skip_fallback) {
            t->skip_fallback = 0;
            return 0;
        }
        if (h1 < 0 || h2 < 0)
            return 0;
        out[0] = (char)(h1 << 4 | h2);
        return 1;
    }
    t->i += 2;
    if (n1 == '\\' || n1 == '{' || n1 == '}') {
        out[0] = (char)n1;
        return 1;
    }
    if (n1 == '~') {
        out[0] = ' ';
        return 1;
    }
    return 0;
}

static void rtf_brace(struct rep *r, struct rtf *t, uint8_t ch)
{
    const uint8_t *d = t->d;
    t->i++;
    if (ch == '{') {
        t->depth++;
        /* An ignorable destination inside a field code is data, not its text; a nested
         * field's code is read into the outer one. */
        size_t i = t->i, len = t->len;
        if (t->capturing && !t->skipping && len - i >= 2 && d[i] == '\\' && d[i + 1] == '*' &&
            !(len - i >= 10 && !memcmp(d + i + 2, "\\fldinst", 8))) {
            t->skipping = 1;
            t->skip_depth = t->depth;
        }
        return;
    }
    if (t->skipping && t->depth == t->skip_depth)
        t->skipping = 0;
    if (t->capturing && t->depth == t->cap_depth) {
        judge_instr(r, t->f.buf, t->f.len);
        t->capturing = 0;
    }
    if (t->depth)
        t->depth--;
}

/* Reads {\*\fldinst ...} groups: plain text, \'hh, \uN (its fallback character skipped),
 * escaped braces and backslashes; nested {\* ...} destinations and \binN data skipped. */
static void scan_rtf(struct rep *r, const uint8_t *d, size_t len)
{
    struct rtf *t = calloc(1, sizeof *t);
    if (!t)
        return;
    t->d = d;
    t->len = len;
    while (t->i < len) {
        uint8_t ch = d[t->i];
        char out[8];
        size_t ol = 0;
        if (ch == '{' || ch == '}') {
            rtf_brace(r, t, ch);
            continue;
        }
        if (ch == '\r' || ch == '\n') {
            t->i++;
            continue;
        }
        if (ch == '\\' && t->i + 1 < len) {
            ol = is_alpha(d[t->i + 1]) ? rtf_word(t, out) : rtf_symbol(t, out);
        } else {
            t->i++;
            if (t->skip_fallback) {
                t->skip_fallback = 0;
                continue;
            }
            out[0] = (char)ch;
            ol = 1;
        }
        if (ol && t->capturing && !t->skipping)
            field_append(&t->f, out, ol);
    }
    if (t->capturing)
        judge_instr(r, t->f.buf, t->f.len);
    free(t);
}

/* ---- Word binary (.doc): the WordDocument stream ---- */

/* Field codes sit between 0x13 (begin) and 0x14 (separator) or 0x15 (end), in 8-bit or
 * UTF-16LE text; the text runs of a .doc are stored in this stream. */
static void scan_worddoc(struct rep *r, const uint8_t *d, size_t len)
{
    char ins[DOC_INSTR_CAP + 1];
    for (size_t i = 0; i + 4 < len; i++) {
        if (d[i] != 0x13)
            continue;
        int wide = d[i + 1] == 0 && d[i + 2] != 0 && d[i + 3] == 0;
        size_t step = wide ? 2 : 1, k = i + step, n = 0;
        /* The keyword comes first: look at a few characters before reading more. */
        size_t q = k;
        while (q + step <= len && q - k < 16 * step && d[q] == ' ' && (!wide || d[q + 1] == 0))
            q += step;
        if (q + 3 * step > len || (d[q] | 0x20) != 'd' || (d[q + step] | 0x20) != 'd' ||
            (d[q + 2 * step] | 0x20) != 'e')
            continue;
        while (k + step <= len && n < DOC_INSTR_CAP) {
            unsigned c = wide ? (unsigned)d[k] | (unsigned)d[k + 1] << 8 : d[k];
            if (c == 0x13 || c == 0x14 || c == 0x15 || c == 0)
                break;
            ins[n++] = wide && c >= 0x80 ? '?' : (char)c;
            k += step;
        }
        /* Cheap test before the full judgement: the keyword comes first. */
        size_t s = 0;
        while (s < n && ins[s] == ' ')
            s++;
        if (n - s >= 3 && !strncasecmp(ins + s, "DDE", 3))
            judge_instr(r, ins, n);
    }
}

/* ---- Excel binary workbook (.xlsb): external link parts ---- */

/* An XLWideString (32-bit count of UTF-16 units) as ASCII-ish text. */
static int rd_wide(const uint8_t *d, size_t len, size_t *pos, char *out, size_t cap)
{
    if (len - *pos < 4)
        return 0;
    uint32_t cch = (uint32_t)d[*pos] | (uint32_t)d[*pos + 1] << 8 | (uint32_t)d[*pos + 2] << 16 |
                   (uint32_t)d[*pos + 3] << 24;
    *pos += 4;
    if (cch > (len - *pos) / 2)
        return 0;
    size_t o = 0;
    for (uint32_t i = 0; i < cch; i++) {
        unsigned u = (unsigned)d[*pos + 2 * i] | (unsigned)d[*pos + 2 * i + 1] << 8;
        if (o + 1 < cap)
            out[o++] = u >= 0x20 && u < 0x80 ? (char)u : '?';
    }
    out[o] = 0;
    *pos += 2 * (size_t)cch;
    return 1;
}

#define BRT_BEGIN_SUPBOOK 0x168 /* [MS-XLSB] 2.4.171 */
#define SUPBOOK_DDE 1

static void scan_xlsb_link(struct rep *r, const uint8_t *d, size_t len)
{
    size_t pos = 0;
    uint32_t rt, sz;
    const uint8_t *p;
    while (pos < len && fg_biff12_next(d, len, &pos, &rt, &p, &sz)) {
        if (rt == BRT_BEGIN_SUPBOOK && sz >= 2) {
            unsigned sbt = (unsigned)p[0] | (unsigned)p[1] << 8;
            char app[256], topic[INSTR_CAP];
            size_t q = 2;
            if (sbt == SUPBOOK_DDE && rd_wide(p, sz, &q, app, sizeof app) &&
                rd_wide(p, sz, &q, topic, sizeof topic))
                judge_link(r, app, topic, "DDE link in an Excel binary workbook");
        }
    }
}

/* ---- dispatch ---- */

static const char *base_of(const char *name)
{
    const char *s = strrchr(name, '/');
    return s ? s + 1 : name;
}


static int looks_xml(const uint8_t *d, size_t n)
{
    size_t i = 0;
    if (n >= 3 && !memcmp(d, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < n && is_space(d[i]))
        i++;
    return i < n && d[i] == '<';
}

/* A member's analyzers run while its container is still being unpacked, so the parts of
 * an xlsb see their parent as "zip": it becomes "ooxml" once all its members are read. */
static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct rep r = {.ctx = ctx, .obj = obj};
    const char *t = obj->type;
    const char *ptype = obj->parent ? obj->parent->type : "";
    const char *base = obj->name ? base_of(obj->name) : "";
    if (!strcmp(t, "rtf")) {
        scan_rtf(&r, obj->data, obj->len);
    } else if (!strcmp(t, "xml")) {
        scan_xml(&r, obj->data, obj->len);
    } else if (!strcmp(t, "text")) {
        size_t len = obj->len;
        uint8_t *narrow = fg_utf16_narrow(obj->data, obj->len, &len);
        const uint8_t *d = narrow ? narrow : obj->data;
        if (looks_xml(d, len))
            scan_xml(&r, d, len);
        else
            scan_text(&r, d, len);
        free(narrow);
    } else if (!strcmp(t, "data") && !strcmp(ptype, "ole2") && !strcmp(base, "WordDocument")) {
        scan_worddoc(&r, obj->data, obj->len);
    } else if (!strcmp(t, "data") && (!strcmp(ptype, "ooxml") || !strcmp(ptype, "zip")) &&
               strstr(obj->name, "externalLinks/") && !strncmp(base, "externalLink", 12)) {
        scan_xlsb_link(&r, obj->data, obj->len);
    }
    report_done(&r);
    return FG_OK;
}

const struct fg_analyzer fg_an_dde = {
    .name = "dde",
    .types = types,
    .run = run,
};
