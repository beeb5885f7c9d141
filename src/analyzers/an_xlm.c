/*
 * an_xlm.c - Excel 4.0 (XLM) macros: macro sheets, the Auto_Open names that run them, and the
 * formulas they hold (EXEC, CALL, REGISTER, file writes, sandbox checks), in .xls/.xlt
 * (BIFF8 and Excel 5 BIFF5 Workbook streams), .xlsm/.xltm/.xlsb packages and SYLK text.
 * Also the DDE links of BIFF8 workbooks (SUPBOOK/EXTERNNAME), reported as dde.field like
 * an_dde.c reports the other formats'.
 *
 * Every format is read into the same judgement: sheets (kind, visibility), names and
 * formulas; findings are made once per object, one per indicator, with the first formula
 * that shows it as evidence.  Package parts are re-read from the package (libarchive) when
 * the package itself is analysed: the Auto_Open name lives in the workbook part and the
 * formulas in the macro sheet parts, and only the package sees both.
 */
#define _GNU_SOURCE
#include "analyzer.h"
#include "biff.h"
#include "dde.h"
#include "xml_scan.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const types[] = {"data", "text", "ooxml", "biff", NULL};

#define NAME_CAP 96 /* bytes of a sheet or defined name kept */

/* ---- the judgement ---- */

enum ind {
    I_MACROSHEET, I_HIDDEN, I_VERYHIDDEN, I_AUTORUN, I_EXEC, I_CALL, I_REGISTER,
    I_DOWNLOAD, I_WRITE, I_ANTI, I_OBFUSC, I_N
};

static const struct {
    const char *id;
    enum fg_severity sev;
    const char *what;
} inds[I_N] = {
    [I_MACROSHEET] = {"xlm.macrosheet", FG_SEV_LOW, "Excel 4.0 macro sheet"},
    [I_HIDDEN] = {"xlm.hidden", FG_SEV_LOW, "hidden Excel 4.0 macro sheet"},
    [I_VERYHIDDEN] = {"xlm.very-hidden", FG_SEV_MEDIUM,
                      "very hidden Excel 4.0 macro sheet (only a macro or a file editor can "
                      "show it again)"},
    [I_AUTORUN] = {"xlm.autorun", FG_SEV_MEDIUM,
                   "Excel 4.0 macros run by themselves (Auto_Open / Auto_Close name)"},
    [I_EXEC] = {"xlm.exec", FG_SEV_HIGH, "Excel 4.0 macro starts a program (EXEC)"},
    [I_CALL] = {"xlm.call", FG_SEV_HIGH, "Excel 4.0 macro calls a function of a DLL (CALL)"},
    [I_REGISTER] = {"xlm.register", FG_SEV_HIGH,
                    "Excel 4.0 macro imports a function of a DLL (REGISTER)"},
    [I_DOWNLOAD] = {"xlm.download", FG_SEV_HIGH,
                    "Excel 4.0 macro downloads a file (URLDownloadToFile)"},
    [I_WRITE] = {"xlm.write", FG_SEV_LOW, "Excel 4.0 macro writes or deletes files"},
    [I_ANTI] = {"xlm.anti-analysis", FG_SEV_LOW,
                "Excel 4.0 macro inspects its environment (GET.WORKSPACE / GET.WINDOW: "
                "how malware recognises a sandbox)"},
    [I_OBFUSC] = {"xlm.obfuscation", FG_SEV_MEDIUM,
                  "Excel 4.0 macro builds its code at run time (CHAR chains, formulas "
                  "written into cells)"},
};

struct hit {
    unsigned count;
    char ev[FG_CAP_EVIDENCE];
};

struct judge {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    struct hit h[I_N];
    unsigned formulas, macro_formulas, macrosheets, capped;
    char sheets[160];              /* names of the first macro sheets */
    char first[FG_CAP_EVIDENCE];   /* the first formula of a macro sheet */
    int any_macro_func; /* a formula calls a macro-sheet-only function (SYLK) */
};

static void hit(struct judge *j, enum ind i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void hit(struct judge *j, enum ind i, const char *fmt, ...)
{
    if (!j->h[i].count++) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(j->h[i].ev, sizeof j->h[i].ev, fmt, ap);
        va_end(ap);
    }
}

/* Functions that only a macro sheet runs: what tells a SYLK file of macros from a table. */
static int macro_only(unsigned id)
{
    static const uint16_t ids[] = {53,  54,  55,  87,  88,  89,  90,  94,  95,  104, 106,
                                   107, 108, 110, 123, 132, 133, 134, 135, 136, 137, 138,
                                   139, 149, 150, 161, 166, 171, 172, 173, 174, 175, 176,
                                   177, 178, 179, 185, 186, 187, 188, 201, 223, 224, 225,
                                   226, 236, 248, 257, 267, 268};
    if (id & FG_XLM_CMD)
        return 1;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

static int is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.';
}

/* 'w' occurs in s as a word of its own (case-insensitive). */
static int has_word(const char *s, const char *w)
{
    size_t wl = strlen(w);
    for (const char *p = s; (p = strcasestr(p, w)); p++)
        if ((p == s || !is_word(p[-1])) && !is_word(p[wl]))
            return 1;
    return 0;
}

/* Strings that name what the macro does, wherever they sit in the formula: a REGISTER of
 * URLDownloadToFileA, or EXEC written into a cell by FORMULA("=EXEC(...)"). */
static void judge_strings(struct judge *j, const char *ev, const char *t, int regcall)
{
    if (strcasestr(t, "URLDownloadToFile") || strcasestr(t, "URLDownloadToCacheFile") ||
        (regcall && (has_word(t, "urlmon") || strcasestr(t, "InternetOpenUrl") ||
                     strcasestr(t, "WinHttpOpen"))))
        hit(j, I_DOWNLOAD, "%s", ev);
    if (regcall && (strcasestr(t, "ShellExecute") || has_word(t, "WinExec") ||
                    strcasestr(t, "CreateProcess")))
        hit(j, I_EXEC, "%s", ev);
    if (strcasestr(t, "\"=") || strcasestr(t, "\"+")) {
        if (strcasestr(t, "EXEC("))
            hit(j, I_EXEC, "%s", ev);
        if (has_word(t, "CALL"))
            hit(j, I_CALL, "%s", ev);
        if (has_word(t, "REGISTER"))
            hit(j, I_REGISTER, "%s", ev);
    }
}

/* One formula of a sheet ('macro': a macro sheet's), at 'where' (Sheet!A1 or part!A1). */
static void judge_formula(struct judge *j, const char *where, const struct fg_xlm_formula *f,
                          int macro)
{
    char ev[FG_CAP_EVIDENCE];
    snprintf(ev, sizeof ev, "%s: %s", where, f->text);
    j->formulas++;
    if (macro && !j->macro_formulas++)
        snprintf(j->first, sizeof j->first, "%s", ev);
    int regcall = 0, writes_formula = 0;
    for (size_t i = 0; i < f->nfuncs; i++) {
        unsigned id = f->funcs[i];
        if (macro_only(id))
            j->any_macro_func = 1;
        switch (id) {
        case 110: case 175: case 178: hit(j, I_EXEC, "%s", ev); break; /* EXEC, INITIATE/EXECUTE */
        case 150: hit(j, I_CALL, "%s", ev), regcall = 1; break;
        case 149: case 267: hit(j, I_REGISTER, "%s", ev), regcall = 1; break;
        case 137: case 138: case FG_XLM_CMD | 0x06: hit(j, I_WRITE, "%s", ev); break;
        case 186: case 187: hit(j, I_ANTI, "%s", ev); break;
        case FG_XLM_CMD | 0x60: case FG_XLM_CMD | 0x61: case FG_XLM_CMD | 0x62:
            writes_formula = 1;
            break;
        default: break;
        }
    }
    if (f->nchar >= 8 || (writes_formula && strstr(f->text, "\"=")))
        hit(j, I_OBFUSC, "%s", ev);
    judge_strings(j, ev, f->text, regcall);
}

/* Built-in name codes of a BIFF NAME record ([MS-XLS] 2.5.157): 1 Auto_Open, 2 Auto_Close,
 * 0x0A Auto_Activate, 0x0B Auto_Deactivate. */
static const char *builtin_name(unsigned code)
{
    static const char *const n[] = {"Consolidate_Area", "Auto_Open", "Auto_Close", "Extract",
                                    "Database", "Criteria", "Print_Area", "Print_Titles",
                                    "Recorder", "Data_Form", "Auto_Activate",
                                    "Auto_Deactivate", "Sheet_Title", "_FilterDatabase"};
    return code < sizeof n / sizeof n[0] ? n[code] : "builtin?";
}

/* A defined name that Excel runs: Auto_Open (any suffix: Auto_Open2 runs too), Auto_Close,
 * Auto_Activate, Auto_Deactivate, and the names localised Excel versions write. */
static int autorun_name(const char *n)
{
    static const char *const p[] = {"auto_open",  "auto_close", "auto_activate",
                                    "auto_deactivate", "auto_ouvrir", "auto_fermer",
                                    "auto_abrir", "auto_cerrar", "auto_apri", "auto_chiudi",
                                    "auto_\303\266ffnen", "auto_schlie"};
    if (!strncasecmp(n, "_xlnm.", 6))
        n += 6;
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        if (!strncasecmp(n, p[i], strlen(p[i])))
            return 1;
    return 0;
}

static void judge_name(struct judge *j, const char *name, const char *target)
{
    if (autorun_name(name))
        hit(j, I_AUTORUN, "%s -> %s", name, target && *target ? target : "?");
}

static void judge_sheet(struct judge *j, const char *name, int state)
{
    size_t l = strlen(j->sheets);
    if (l + 8 < sizeof j->sheets)
        snprintf(j->sheets + l, sizeof j->sheets - l, "%s%s", j->macrosheets ? ", " : "", name);
    j->macrosheets++;
    if (state == 1)
        hit(j, I_HIDDEN, "%s", name);
    else if (state == 2)
        hit(j, I_VERYHIDDEN, "%s", name);
}

static void emit(struct judge *j)
{
    struct hit *h = j->h;
    int sheets = j->macrosheets || j->any_macro_func;
    if (sheets)
        fg_finding_add(j->ctx, j->obj, inds[I_MACROSHEET].id, inds[I_MACROSHEET].sev, 0,
                       j->first, "%u %s (%s) with %u formula(s)",
                       j->macrosheets ? j->macrosheets : 1, inds[I_MACROSHEET].what,
                       j->sheets[0] ? j->sheets : "SYLK", j->macro_formulas);
    if (!sheets && h[I_AUTORUN].count) /* the name may be a leftover or point elsewhere */
        fg_finding_add(j->ctx, j->obj, "xlm.autorun", FG_SEV_LOW, 0, h[I_AUTORUN].ev,
                       "Auto_Open name, but no Excel 4.0 macro sheet was found");
    for (int i = 0; i < I_N; i++) {
        if (!h[i].count || i == I_MACROSHEET || (i == I_AUTORUN && !sheets))
            continue;
        fg_finding_add(j->ctx, j->obj, inds[i].id, inds[i].sev, 0, h[i].ev, "%s%s (%u)",
                       inds[i].what, h[i].count > 1 ? "; first of" : "", h[i].count);
    }
    int action = h[I_EXEC].count || h[I_CALL].count || h[I_REGISTER].count ||
                 h[I_DOWNLOAD].count || h[I_WRITE].count;
    if (h[I_AUTORUN].count && action) {
        enum ind a = h[I_EXEC].count       ? I_EXEC
                     : h[I_DOWNLOAD].count ? I_DOWNLOAD
                     : h[I_REGISTER].count ? I_REGISTER
                     : h[I_CALL].count     ? I_CALL
                                           : I_WRITE;
        char ev[2 * FG_CAP_EVIDENCE + 4]; /* fg_finding_add() cuts it */
        snprintf(ev, sizeof ev, "%s; %s", h[I_AUTORUN].ev, h[a].ev);
        fg_finding_add(j->ctx, j->obj, "xlm.autorun-action", FG_SEV_HIGH, 0, ev,
                       "Excel 4.0 macros that run on opening and %s",
                       a == I_EXEC ? "start a program" : a == I_DOWNLOAD ? "download a file"
                       : a == I_WRITE ? "write files" : "call into DLLs");
    }
    if (j->capped)
        fg_finding_add(j->ctx, j->obj, "xlm.formulas", FG_SEV_INFO, 0, NULL,
                       "%u more formulas were not decoded (cap %u)", j->capped,
                       (unsigned)FG_CAP_XLM_FORMULAS);
}

/* ---- DDE links: the program a link names ---- */

static void dde_link(struct fg_ctx *ctx, struct fg_obj *obj, const char *link)
{
    int cmd = fg_dde_runs_command(link, strlen(link));
    fg_finding_add(ctx, obj, "dde.field", cmd ? FG_SEV_HIGH : FG_SEV_MEDIUM, 0, link,
                   "DDE link in an Excel 97-2003 workbook%s",
                   cmd ? " that starts a command interpreter or program" : "");
}

/* ---- BIFF5/BIFF8 Workbook streams ---- */

struct sheet {
    char name[NAME_CAP];
    uint32_t ply; /* stream offset of the sheet's BOF */
    uint8_t kind, state;
};

struct xls {
    struct judge *j;
    int ver;
    struct sheet *sheets;
    size_t nsheets;
    char (*names)[NAME_CAP];
    size_t nnames;
    uint16_t *xti_book; /* EXTERNSHEET: supporting link and first sheet of each entry */
    int16_t *xti_sheet;
    size_t nxti;
    int *book_self; /* per SUPBOOK: 1 for the workbook itself */
    size_t nbooks;
    char dde[FG_CAP_EVIDENCE]; /* a DDE link waiting for its first item */
    /* Auto_Open names, judged at the end: BIFF5 writes NAME before BOUNDSHEET, so the sheet
     * a name points to is known only then. */
    struct { char name[NAME_CAP]; uint8_t rgce[64]; size_t n; } pend[8];
    size_t npend;
    const struct sheet *cur;
    char look[NAME_CAP * 2];
};

/* An 8-bit or UTF-16 string of cch characters at p[0, n), as printable ASCII into out. */
static size_t xl_chars(const uint8_t *p, size_t n, size_t cch, int wide, char *out, size_t cap)
{
    size_t o = 0, w = wide ? 2 : 1;
    for (size_t i = 0; i < cch && (i + 1) * w <= n && o + 1 < cap; i++) {
        unsigned c = wide ? (unsigned)p[2 * i] | (unsigned)p[2 * i + 1] << 8 : p[i];
        out[o++] = c == 3 ? '|' : c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    out[o] = 0;
    return o;
}

static const char *xls_lookup(void *arg, enum fg_xlm_ref kind, uint32_t a, uint32_t b)
{
    struct xls *x = arg;
    if (kind == FG_XLM_REF_NAME)
        return a >= 1 && a <= x->nnames ? x->names[a - 1] : NULL;
    if (kind == FG_XLM_REF_NAMEX) {
        snprintf(x->look, sizeof x->look, "extname%u", (unsigned)b);
        return x->look;
    }
    size_t sheet = a;
    if (!b) { /* an EXTERNSHEET index: the sheet it names, if in this workbook */
        if (a >= x->nxti || x->xti_book[a] >= x->nbooks || !x->book_self[x->xti_book[a]] ||
            x->xti_sheet[a] < 0)
            return NULL;
        sheet = (size_t)x->xti_sheet[a];
    }
    return sheet < x->nsheets ? x->sheets[sheet].name : NULL;
}

static void xls_boundsheet(struct xls *x, const struct fg_biff_rec *r)
{
    size_t hdr = x->ver == FG_BIFF8 ? 8 : 7;
    if (r->len < hdr || x->nsheets >= FG_CAP_XLM_SHEETS)
        return;
    struct sheet *s = &x->sheets[x->nsheets++];
    const uint8_t *p = r->p;
    s->ply = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    s->state = p[4] & 3;
    s->kind = p[5];
    int wide = x->ver == FG_BIFF8 && (p[7] & 1);
    xl_chars(p + hdr, r->len - hdr, p[6], wide, s->name, sizeof s->name);
}

static void xls_name(struct xls *x, const struct fg_biff_rec *r)
{
    if (r->len < 15 || x->nnames >= FG_CAP_XLM_SHEETS)
        return;
    const uint8_t *p = r->p;
    unsigned grbit = p[0] | p[1] << 8, cch = p[3], cce = p[4] | p[5] << 8;
    size_t at = 14;
    int wide = 0;
    if (x->ver == FG_BIFF8)
        wide = p[at++] & 1;
    char *name = x->names[x->nnames++];
    size_t nbytes = (size_t)cch * (wide ? 2 : 1);
    if (grbit & 0x20) /* fBuiltin: the name is one character, a code */
        snprintf(name, NAME_CAP, "%s", builtin_name(at < r->len ? p[at] : 0xFF));
    else
        xl_chars(p + at, r->len - at, cch, wide, name, NAME_CAP);
    at += nbytes;
    if (!autorun_name(name) || x->npend == sizeof x->pend / sizeof x->pend[0])
        return;
    typeof(&x->pend[0]) pn = &x->pend[x->npend++];
    snprintf(pn->name, sizeof pn->name, "%s", name);
    pn->n = 0;
    if (at <= r->len) {
        pn->n = cce < r->len - at ? cce : r->len - at;
        if (pn->n > sizeof pn->rgce)
            pn->n = sizeof pn->rgce; /* a name's target is a reference: a few bytes */
        memcpy(pn->rgce, p + at, pn->n);
    }
}

static void xls_judge_names(struct xls *x, struct fg_xlm_decoder *dec)
{
    for (size_t i = 0; i < x->npend; i++) {
        struct fg_xlm_formula f;
        fg_xlm_decode(dec, x->ver, x->pend[i].rgce, x->pend[i].n, xls_lookup, x, &f);
        judge_name(x->j, x->pend[i].name, f.text);
    }
}

static void xls_externsheet(struct xls *x, const struct fg_biff_rec *r)
{
    if (x->ver != FG_BIFF8 || r->len < 2)
        return;
    size_t n = r->p[0] | r->p[1] << 8;
    for (size_t i = 0; i < n && 2 + 6 * (i + 1) <= r->len && x->nxti < FG_CAP_XLM_XTI; i++) {
        const uint8_t *e = r->p + 2 + 6 * i;
        x->xti_book[x->nxti] = (uint16_t)(e[0] | e[1] << 8);
        x->xti_sheet[x->nxti++] = (int16_t)(e[2] | e[3] << 8);
    }
}

static void xls_flush_dde(struct xls *x)
{
    if (x->dde[0])
        dde_link(x->j->ctx, x->j->obj, x->dde);
    x->dde[0] = 0;
}

/* SUPBOOK ([MS-XLS] 2.4.271): ctab, cch; cch 0x0401 is this workbook, 0x3A01 add-ins;
 * otherwise a path follows, and with ctab 0 it is a DDE or OLE link "app\x03topic". */
static void xls_supbook(struct xls *x, const struct fg_biff_rec *r)
{
    xls_flush_dde(x);
    if (r->len < 4 || x->nbooks >= FG_CAP_XLM_XTI)
        return;
    unsigned ctab = r->p[0] | r->p[1] << 8, cch = r->p[2] | r->p[3] << 8;
    x->book_self[x->nbooks++] = cch == 0x0401;
    if (cch == 0x0401 || cch == 0x3A01 || ctab != 0 || !cch || r->len < 5)
        return;
    char link[FG_CAP_EVIDENCE];
    xl_chars(r->p + 5, r->len - 5, cch, r->p[4] & 1, link, sizeof link - 64);
    if (link[0] && strcmp(link, "?"))
        snprintf(x->dde, sizeof x->dde, "%s", link);
}

/* EXTERNNAME after a DDE SUPBOOK: the item asked for (cell range or topic item). */
static void xls_externname(struct xls *x, const struct fg_biff_rec *r)
{
    if (!x->dde[0] || r->len < 8)
        return;
    char item[128];
    xl_chars(r->p + 8, r->len - 8, r->p[6], r->p[7] & 1, item, sizeof item);
    size_t l = strlen(x->dde);
    snprintf(x->dde + l, sizeof x->dde - l, "!%s", item);
    xls_flush_dde(x);
}

static void xls_formula(struct xls *x, struct fg_xlm_decoder *dec, const struct fg_biff_rec *r)
{
    if (r->len < 22)
        return;
    if (x->j->formulas >= FG_CAP_XLM_FORMULAS) {
        x->j->capped++;
        return;
    }
    const uint8_t *p = r->p;
    unsigned row = p[0] | p[1] << 8, col = p[2] | p[3] << 8, cce = p[20] | p[21] << 8;
    struct fg_xlm_formula f;
    fg_xlm_decode(dec, x->ver, p + 22, cce < r->len - 22 ? cce : r->len - 22, xls_lookup, x,
                  &f);
    char where[NAME_CAP + 32], cell[24];
    fg_xlm_cell_name(row, col, cell, sizeof cell);
    snprintf(where, sizeof where, "%s!%s", x->cur ? x->cur->name : "?", cell);
    judge_formula(x->j, where, &f, x->cur && x->cur->kind == 1);
}

/* A BOF starts a sheet's substream: the BOUNDSHEET with its offset says which sheet. */
static void xls_bof(struct xls *x, const struct fg_biff_rec *r)
{
    xls_flush_dde(x);
    for (size_t i = 0; i < x->nsheets; i++) {
        if (x->sheets[i].ply == r->off) {
            x->cur = &x->sheets[i];
            if (r->len >= 4 && (r->p[2] | r->p[3] << 8) == 0x0040)
                x->sheets[i].kind = 1; /* the BOF says macro sheet, whatever BOUNDSHEET said */
            return;
        }
    }
}

static int xls_alloc(struct xls *x)
{
    x->sheets = calloc(FG_CAP_XLM_SHEETS, sizeof *x->sheets);
    x->names = calloc(FG_CAP_XLM_SHEETS, sizeof *x->names);
    x->xti_book = calloc(FG_CAP_XLM_XTI, sizeof *x->xti_book);
    x->xti_sheet = calloc(FG_CAP_XLM_XTI, sizeof *x->xti_sheet);
    x->book_self = calloc(FG_CAP_XLM_XTI, sizeof *x->book_self);
    return x->sheets && x->names && x->xti_book && x->xti_sheet && x->book_self ? 0 : FG_ENOMEM;
}

static void xls_free(struct xls *x)
{
    free(x->sheets);
    free(x->names);
    free(x->xti_book);
    free(x->xti_sheet);
    free(x->book_self);
}

static int scan_xls(struct judge *j, const uint8_t *d, size_t len, int ver)
{
    struct xls x = {.j = j, .ver = ver};
    struct fg_xlm_decoder *dec = fg_xlm_decoder_new();
    int rc = xls_alloc(&x);
    if (rc || !dec) {
        rc = FG_ENOMEM;
        goto out;
    }
    struct fg_biff_iter it;
    struct fg_biff_rec r;
    fg_biff_iter_init(&it, d, len);
    while (fg_biff_next(&it, &r)) {
        switch (r.type) {
        case FG_BIFF_BOF: xls_bof(&x, &r); break;
        case FG_BIFF_BOUNDSHEET: xls_boundsheet(&x, &r); break;
        case FG_BIFF_NAME: xls_name(&x, &r); break;
        case FG_BIFF_EXTERNSHEET: xls_externsheet(&x, &r); break;
        case FG_BIFF_SUPBOOK: if (ver == FG_BIFF8) xls_supbook(&x, &r); break;
        case FG_BIFF_EXTERNNAME: if (ver == FG_BIFF8) xls_externname(&x, &r); break;
        case FG_BIFF_FORMULA: xls_formula(&x, dec, &r); break;
        default: break;
        }
        /* The rest of an encrypted stream is ciphertext (decryption is the unpacker's). */
        if (r.type == FG_BIFF_FILEPASS)
            break;
    }
    fg_biff_iter_free(&it);
    xls_flush_dde(&x);
    xls_judge_names(&x, dec);
    for (size_t i = 0; i < x.nsheets; i++)
        if (x.sheets[i].kind == 1)
            judge_sheet(j, x.sheets[i].name, x.sheets[i].state);
out:
    fg_xlm_decoder_free(dec);
    xls_free(&x);
    return rc;
}

/* ---- SYLK ---- */

/* "C;Y<row>;X<col>;...;E<formula>" cells and "NN;N<name>;E<formula>" names; ';;' is an
 * escaped ';' inside a field. */
static void sylk_line(struct judge *j, const char *s, size_t n, unsigned *row, unsigned *col)
{
    char f[FG_CAP_XLM_TEXT + 1], name[NAME_CAP];
    size_t fl = 0;
    int cell = n >= 2 && s[0] == 'C' && s[1] == ';';
    int nn = n >= 3 && !strncmp(s, "NN;", 3);
    if (!cell && !nn)
        return;
    name[0] = 0;
    for (size_t i = cell ? 1 : 2; i < n;) {
        size_t e = i + 1; /* field s[i+1, e) after the ';' at s[i] */
        while (e < n && !(s[e] == ';' && !(e + 1 < n && s[e + 1] == ';')))
            e += s[e] == ';' ? 2 : 1;
        if (e > n)
            e = n;
        if (e > i + 1) {
            char k = s[i + 1];
            const char *v = s + i + 2;
            size_t vl = e - i - 2;
            if (k == 'Y')
                *row = (unsigned)strtoul(v, NULL, 10);
            else if (k == 'X')
                *col = (unsigned)strtoul(v, NULL, 10);
            else if (k == 'N' && nn)
                snprintf(name, sizeof name, "%.*s", (int)vl, v);
            else if (k == 'E')
                for (size_t q = 0; q < vl && fl < FG_CAP_XLM_TEXT; q++)
                    if (!(v[q] == ';' && q && v[q - 1] == ';'))
                        f[fl++] = v[q];
        }
        i = e;
    }
    f[fl] = 0;
    if (nn && name[0]) {
        judge_name(j, name, f);
        return;
    }
    if (!fl || j->formulas >= FG_CAP_XLM_FORMULAS)
        return;
    struct fg_xlm_formula fm;
    fg_xlm_scan_text(f, fl, &fm);
    char where[48];
    snprintf(where, sizeof where, "R%uC%u", *row, *col);
    judge_formula(j, where, &fm, 1);
}

static void scan_sylk(struct judge *j, const uint8_t *d, size_t len)
{
    const char *s = (const char *)d, *end = s + len;
    unsigned row = 1, col = 1;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        if (n && s[n - 1] == '\r')
            n--;
        sylk_line(j, s, n, &row, &col);
        s = nl ? nl + 1 : end;
    }
    /* A SYLK file has no sheet kinds: macro functions or an Auto_Open name make it one. */
    if (j->any_macro_func || j->h[I_AUTORUN].count)
        judge_sheet(j, "SYLK", 0);
}

/* ---- OOXML packages (xlsm, xltm, xlam, xlsb) ---- */

struct part {
    char name[256];
    uint8_t *data;
    size_t len;
};

struct pkg {
    struct part *parts;
    size_t nparts;
    /* workbook entries: sheet name, visibility, relationship id */
    struct { char name[NAME_CAP], rid[32]; int state; } *sheets;
    size_t nsheets;
    struct { char rid[32], target[256]; } *rels;
    size_t nrels;
    int32_t *xti_sheet; /* BrtExternSheet: first sheet of each entry */
    size_t nxti;
};

static int part_wanted(const char *n)
{
    static const char *const exact[] = {"xl/workbook.xml", "xl/workbook.bin",
                                        "xl/_rels/workbook.xml.rels",
                                        "xl/_rels/workbook.bin.rels"};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (!strcasecmp(n, exact[i]))
            return 1;
    if (strncasecmp(n, "xl/macrosheets/", 15) || strchr(n + 15, '/'))
        return 0;
    return strncasecmp(n + 15, "binaryIndex", 11) != 0;
}

static int read_entry(struct archive *a, struct part *p)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_CAP_XLM_PART);
    uint8_t chunk[16384];
    la_ssize_t n;
    int rc = 0;
    while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0)
        if ((rc = fg_buf_append(&b, chunk, (size_t)n)))
            break; /* over the cap: what was read is judged */
    if (rc == FG_ENOMEM) {
        fg_buf_free(&b);
        return rc;
    }
    p->data = fg_buf_steal(&b, &p->len);
    return 0;
}

static int pkg_read(struct pkg *k, const uint8_t *d, size_t len)
{
    struct archive *a = archive_read_new();
    if (!a)
        return FG_ENOMEM;
    archive_read_support_format_zip(a);
    int rc = 0;
    if (archive_read_open_memory(a, d, len) != ARCHIVE_OK)
        goto out;
    struct archive_entry *e;
    while (k->nparts < FG_CAP_XLM_PARTS && archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *n = archive_entry_pathname(e);
        if (!n || !part_wanted(n) || strlen(n) >= sizeof k->parts[0].name)
            continue;
        struct part *p = &k->parts[k->nparts];
        snprintf(p->name, sizeof p->name, "%s", n);
        if ((rc = read_entry(a, p)))
            break;
        if (p->data)
            k->nparts++;
    }
out:
    archive_read_free(a);
    return rc;
}

static void attr_val(const uint8_t *v, size_t vl, char *out, size_t cap)
{
    out[fg_xml_decode(v, vl, out, cap - 1)] = 0;
}

/* The character data of an element whose attributes were read to its '>'. */
static void text_after(const struct fg_xml_cursor *c, char *out, size_t cap)
{
    size_t n = 0;
    if (!c->selfclose && c->p < c->end) {
        const uint8_t *lt = memchr(c->p, '<', (size_t)(c->end - c->p));
        n = fg_xml_decode(c->p, lt ? (size_t)(lt - c->p) : (size_t)(c->end - c->p), out,
                          cap - 1);
    }
    out[n] = 0;
}

/* workbook.xml: <sheet name state r:id> and <definedName name>target</definedName>. */
static void pkg_workbook_xml(struct judge *j, struct pkg *k, const struct part *p)
{
    struct fg_xml_cursor c = {p->data, p->data + p->len, 0};
    const uint8_t *nm, *an, *av;
    size_t nl, al, vl;
    while (fg_xml_next_start_tag(&c, &nm, &nl)) {
        if (fg_xml_name_is(nm, nl, "sheet") && k->nsheets < FG_CAP_XLM_SHEETS) {
            char state[16] = "";
            typeof(&k->sheets[0]) s = &k->sheets[k->nsheets++];
            s->name[0] = s->rid[0] = 0;
            while (fg_xml_next_attr(&c, &an, &al, &av, &vl)) {
                if (fg_xml_name_is(an, al, "name"))
                    attr_val(av, vl, s->name, sizeof s->name);
                else if (fg_xml_name_is(an, al, "id"))
                    attr_val(av, vl, s->rid, sizeof s->rid);
                else if (fg_xml_name_is(an, al, "state"))
                    attr_val(av, vl, state, sizeof state);
            }
            s->state = !strcmp(state, "hidden") ? 1 : !strcmp(state, "veryHidden") ? 2 : 0;
        } else if (fg_xml_name_is(nm, nl, "definedName")) {
            char name[NAME_CAP] = "", target[256];
            while (fg_xml_next_attr(&c, &an, &al, &av, &vl))
                if (fg_xml_name_is(an, al, "name"))
                    attr_val(av, vl, name, sizeof name);
            text_after(&c, target, sizeof target);
            judge_name(j, name, target);
        }
    }
}

/* An XLWideString (u32 count, UTF-16) at *pos, as ASCII; 0 if it does not fit. */
static int wide_str(const uint8_t *p, size_t n, size_t *pos, char *out, size_t cap)
{
    if (n - *pos < 4)
        return 0;
    uint32_t cch = (uint32_t)p[*pos] | (uint32_t)p[*pos + 1] << 8 |
                   (uint32_t)p[*pos + 2] << 16 | (uint32_t)p[*pos + 3] << 24;
    *pos += 4;
    if (cch == 0xFFFFFFFF) { /* a null string */
        out[0] = 0;
        return 1;
    }
    if (cch > (n - *pos) / 2)
        return 0;
    xl_chars(p + *pos, n - *pos, cch, 1, out, cap);
    *pos += 2 * (size_t)cch;
    return 1;
}

#define BRT_NAME 0x27      /* [MS-XLSB] 2.4.656 BrtName */
#define BRT_BUNDLESH 0x9C  /* 2.4.304 BrtBundleSh */
#define BRT_EXTERNSHEET 0x16A

static const char *pkg_lookup(void *arg, enum fg_xlm_ref kind, uint32_t a, uint32_t b)
{
    const struct pkg *k = arg;
    (void)b;
    if (kind != FG_XLM_REF_SHEET || a >= k->nxti || k->xti_sheet[a] < 0 ||
        (size_t)k->xti_sheet[a] >= k->nsheets)
        return NULL;
    return k->sheets[k->xti_sheet[a]].name;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* workbook.bin: BrtBundleSh (visibility, relationship id, name) and BrtName. */
static void pkg_workbook_bin(struct judge *j, struct pkg *k, const struct part *p,
                             struct fg_xlm_decoder *dec)
{
    size_t pos = 0, nrec = 0;
    uint32_t type, size;
    const uint8_t *b;
    while (nrec++ < FG_CAP_XLM_RECORDS && fg_biff12_next(p->data, p->len, &pos, &type, &b, &size)) {
        size_t q = 8;
        if (type == BRT_EXTERNSHEET && size >= 4) {
            uint32_t n = le32(b);
            for (uint32_t i = 0; i < n && 4 + 12 * ((size_t)i + 1) <= size &&
                                 k->nxti < FG_CAP_XLM_XTI; i++)
                k->xti_sheet[k->nxti++] = (int32_t)le32(b + 4 + 12 * (size_t)i + 4);
        } else if (type == BRT_BUNDLESH && size >= 8 && k->nsheets < FG_CAP_XLM_SHEETS) {
            typeof(&k->sheets[0]) s = &k->sheets[k->nsheets];
            s->state = b[0] & 3;
            if (wide_str(b, size, &q, s->rid, sizeof s->rid) &&
                wide_str(b, size, &q, s->name, sizeof s->name))
                k->nsheets++;
        } else if (type == BRT_NAME && size >= 9) {
            char name[NAME_CAP];
            q = 9;
            if (!wide_str(b, size, &q, name, sizeof name) || !autorun_name(name))
                continue;
            struct fg_xlm_formula f;
            f.text[0] = 0;
            if (size - q >= 4) {
                uint32_t cce = le32(b + q);
                q += 4;
                fg_xlm_decode(dec, FG_BIFF12, b + q, cce < size - q ? cce : size - q,
                              pkg_lookup, k, &f);
            }
            judge_name(j, name, f.text);
        }
    }
}

static void pkg_rels(struct pkg *k, const struct part *p)
{
    struct fg_xml_cursor c = {p->data, p->data + p->len, 0};
    const uint8_t *nm, *an, *av;
    size_t nl, al, vl;
    while (fg_xml_next_start_tag(&c, &nm, &nl) && k->nrels < FG_CAP_XLM_SHEETS) {
        if (!fg_xml_name_is(nm, nl, "Relationship"))
            continue;
        typeof(&k->rels[0]) r = &k->rels[k->nrels++];
        r->rid[0] = r->target[0] = 0;
        while (fg_xml_next_attr(&c, &an, &al, &av, &vl)) {
            if (fg_xml_name_is(an, al, "Id"))
                attr_val(av, vl, r->rid, sizeof r->rid);
            else if (fg_xml_name_is(an, al, "Target"))
                attr_val(av, vl, r->target, sizeof r->target);
        }
    }
}

/* The workbook entry of a macro sheet part, through the relationship that targets it
 * ("macrosheets/sheet1.xml" or "/xl/macrosheets/sheet1.xml"). */
static void pkg_sheet_of(const struct pkg *k, const char *part, const char **name, int *state)
{
    *name = part;
    *state = 0;
    const char *tail = part + 3; /* after "xl/" */
    for (size_t i = 0; i < k->nrels; i++) {
        const char *t = k->rels[i].target;
        if (!strncmp(t, "/xl/", 4))
            t += 4;
        if (strcasecmp(t, tail))
            continue;
        for (size_t s = 0; s < k->nsheets; s++) {
            if (!strcmp(k->sheets[s].rid, k->rels[i].rid)) {
                *name = k->sheets[s].name;
                *state = k->sheets[s].state;
                return;
            }
        }
    }
}

static void macro_xml(struct judge *j, const struct part *p, const char *sheet)
{
    struct fg_xml_cursor c = {p->data, p->data + p->len, 0};
    const uint8_t *nm, *an, *av;
    size_t nl, al, vl;
    char cell[24] = "?", f[FG_CAP_XLM_TEXT * 2];
    while (fg_xml_next_start_tag(&c, &nm, &nl)) {
        if (fg_xml_name_is(nm, nl, "c")) {
            while (fg_xml_next_attr(&c, &an, &al, &av, &vl))
                if (fg_xml_name_is(an, al, "r"))
                    attr_val(av, vl, cell, sizeof cell);
        } else if (fg_xml_name_is(nm, nl, "f")) {
            size_t fl = fg_xml_element_text(&c, f, sizeof f);
            if (!fl)
                continue;
            if (j->formulas >= FG_CAP_XLM_FORMULAS) {
                j->capped++;
                continue;
            }
            struct fg_xlm_formula fm;
            fg_xlm_scan_text(f, fl, &fm);
            char where[NAME_CAP + 32];
            snprintf(where, sizeof where, "%s!%s", sheet, cell);
            judge_formula(j, where, &fm, 1);
        }
    }
}

#define BRT_ROWHDR 0x00

/* Macro sheet .bin: BrtRowHdr gives the row; BrtFmlaString/Num/Bool/Error (0x08-0x0B) are
 * a cell (column, style), the cached value, flags, then the formula (cce, rgce). */
static void macro_bin(struct judge *j, const struct part *p, const char *sheet,
                      struct fg_xlm_decoder *dec)
{
    size_t pos = 0, nrec = 0;
    uint32_t type, size, row = 0;
    const uint8_t *b;
    while (nrec++ < FG_CAP_XLM_RECORDS && fg_biff12_next(p->data, p->len, &pos, &type, &b, &size)) {
        if (type == BRT_ROWHDR && size >= 4)
            row = le32(b);
        if (type < 0x08 || type > 0x0B || size < 8)
            continue;
        size_t q = 8;
        if (type == 0x08) { /* the cached string */
            char skip[2];
            if (!wide_str(b, size, &q, skip, sizeof skip))
                continue;
        } else {
            q += type == 0x09 ? 8 : 1;
        }
        q += 2; /* grbitFlags */
        if (q + 4 > size)
            continue;
        uint32_t cce = le32(b + q);
        q += 4;
        if (j->formulas >= FG_CAP_XLM_FORMULAS) {
            j->capped++;
            continue;
        }
        struct fg_xlm_formula f;
        fg_xlm_decode(dec, FG_BIFF12, b + q, cce < size - q ? cce : size - q, NULL, NULL, &f);
        char where[NAME_CAP + 32], cell[24];
        uint32_t col = le32(b);
        fg_xlm_cell_name(row, col & 0x3FFF, cell, sizeof cell);
        snprintf(where, sizeof where, "%s!%s", sheet, cell);
        judge_formula(j, where, &f, 1);
    }
}

static int pkg_alloc(struct pkg *k)
{
    k->parts = calloc(FG_CAP_XLM_PARTS, sizeof *k->parts);
    k->sheets = calloc(FG_CAP_XLM_SHEETS, sizeof *k->sheets);
    k->rels = calloc(FG_CAP_XLM_SHEETS, sizeof *k->rels);
    k->xti_sheet = calloc(FG_CAP_XLM_XTI, sizeof *k->xti_sheet);
    return k->parts && k->sheets && k->rels && k->xti_sheet ? 0 : FG_ENOMEM;
}

static void pkg_free(struct pkg *k)
{
    for (size_t i = 0; k->parts && i < k->nparts; i++)
        free(k->parts[i].data);
    free(k->parts);
    free(k->sheets);
    free(k->rels);
    free(k->xti_sheet);
}

static int is_bin(const char *n)
{
    size_t l = strlen(n);
    return l > 4 && !strcasecmp(n + l - 4, ".bin");
}

static int scan_pkg(struct judge *j, const uint8_t *d, size_t len)
{
    struct pkg k = {0};
    struct fg_xlm_decoder *dec = fg_xlm_decoder_new();
    int rc = pkg_alloc(&k);
    if (!rc && dec)
        rc = pkg_read(&k, d, len);
    else
        rc = FG_ENOMEM;
    if (rc)
        goto out;
    for (size_t i = 0; i < k.nparts; i++) { /* the workbook and its relationships first */
        struct part *p = &k.parts[i];
        if (!strcasecmp(p->name, "xl/workbook.xml"))
            pkg_workbook_xml(j, &k, p);
        else if (!strcasecmp(p->name, "xl/workbook.bin"))
            pkg_workbook_bin(j, &k, p, dec);
        else if (strstr(p->name, "_rels/"))
            pkg_rels(&k, p);
    }
    for (size_t i = 0; i < k.nparts; i++) {
        struct part *p = &k.parts[i];
        if (strncasecmp(p->name, "xl/macrosheets/", 15))
            continue;
        const char *name;
        int state;
        pkg_sheet_of(&k, p->name, &name, &state);
        judge_sheet(j, name, state);
        if (is_bin(p->name))
            macro_bin(j, p, name, dec);
        else
            macro_xml(j, p, name);
    }
out:
    fg_xlm_decoder_free(dec);
    pkg_free(&k);
    return rc;
}

/* ---- dispatch ---- */

static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct judge *j = calloc(1, sizeof *j);
    if (!j)
        return FG_ENOMEM;
    j->ctx = ctx;
    j->obj = obj;
    int rc = FG_OK;
    const char *t = obj->type;
    int ver;
    if (!strcmp(t, "ooxml")) {
        /* Zip names are stored in the clear: only a workbook package is opened again. */
        if (memmem(obj->data, obj->len, "xl/workbook.", 12))
            rc = scan_pkg(j, obj->data, obj->len);
    } else if (!strcmp(t, "text") && obj->len >= 3 && !memcmp(obj->data, "ID;", 3))
        scan_sylk(j, obj->data, obj->len);
    else if ((ver = fg_biff_stream_version(obj->data, obj->len)))
        rc = scan_xls(j, obj->data, obj->len, ver);
    if (!rc)
        emit(j);
    free(j);
    return rc;
}

const struct fg_analyzer fg_an_xlm = {
    .name = "xlm",
    .types = types,
    .run = run,
};
