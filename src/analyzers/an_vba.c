/*
 * an_vba.c - VBA macro source.  On each module (type "vba", emitted by unpack_vba.c): auto-run
 * triggers, actions that write, download or execute, obfuscation and IOCs, each with the
 * line that shows it.  On each OLE2 file: an auto-run trigger in one module together with
 * such an action in another, which no single module can show.
 *
 * The source is read the way VBA reads it: lines joined at " _" continuations, comments
 * (' and Rem) dropped, string literals told apart from code, so that a keyword in a comment
 * says nothing and a ProgID counts only inside a string.  See docs/internals/vba.md.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../ingest/unpack_vba.h"
#include "analyzer.h"

#define EV_TEXT 200        /* bytes of the line shown in the evidence */
/* Obfuscation thresholds.  Chr(13), Chr(10) and Chr(34) are how plain code writes line
 * breaks and quotes; chains of letters spelled as numbers are not. */
#define CHAIN_MIN 8        /* Chr() calls with printable values in one statement */
#define MODULE_CHR_MIN 100 /* ... or spread over one module */
#define LONG_LITERAL 100   /* a base64 or hex string literal this long */
#define B64_PIECE 40       /* base64-looking literals at least this long ... */
#define B64_TOTAL 1000     /* ... adding up to this much in one module */

enum cat { C_AUTOEXEC, C_EXECUTE, C_DOWNLOAD, C_WRITE, C_API, C_OBFUSCATION, C_IOC, C_N };
static const char *const cat_id[C_N] = {"vba.autoexec", "vba.execute", "vba.download",
                                        "vba.write",    "vba.api",     "vba.obfuscation",
                                        "vba.ioc"};

/* Indicator flags. */
#define ACT 0x1      /* writes, downloads or executes: with an auto-run trigger, malicious */
#define DOT 0x2      /* only as a method or property (.Name) */
#define NODOT 0x4    /* only as a statement or function, never after a dot */
#define LAUNCH 0x8   /* an object that can start programs: .Run/.Exec/.Create on it can */

struct ind {
    const char *word; /* lower case */
    unsigned char cat, sev, flags;
    const char *what; /* the finding's message */
};

#define LOW FG_SEV_LOW
#define MED FG_SEV_MEDIUM

/* Identifiers in code (outside strings and comments).  WScript.Shell-style objects are
 * low and no action on their own, because benign macros use them to read special folders,
 * the registry or a process list; a module that also calls .Run, .Exec or .Create gets
 * "runs a program" (medium, an action) in finish_module(). */
static const struct ind code_words[] = {
    {"shell", C_EXECUTE, MED, ACT, "runs a program (Shell)"},
    {"shellexecute", C_EXECUTE, MED, ACT, "runs a program (ShellExecute)"},
    {"shellexecutea", C_EXECUTE, MED, ACT, "runs a program (ShellExecute)"},
    {"shellexecutew", C_EXECUTE, MED, ACT, "runs a program (ShellExecute)"},
    {"wshshell", C_EXECUTE, LOW, LAUNCH, "uses the script host's shell object (WshShell)"},
    {"iwshshell", C_EXECUTE, LOW, LAUNCH, "uses the script host's shell object (WshShell)"},
    {"iwshshell2", C_EXECUTE, LOW, LAUNCH, "uses the script host's shell object (WshShell)"},
    {"iwshshell3", C_EXECUTE, LOW, LAUNCH, "uses the script host's shell object (WshShell)"},
    {"callbyname", C_EXECUTE, LOW, ACT, "calls a method named at run time (CallByName)"},
    {"macscript", C_EXECUTE, MED, ACT, "runs AppleScript (MacScript)"},
    {"applescripttask", C_EXECUTE, LOW, ACT, "runs an AppleScript file (AppleScriptTask)"},
    {"executeexcel4macro", C_EXECUTE, MED, ACT,
     "runs an Excel 4.0 macro formula (ExecuteExcel4Macro)"},
    {"urldownloadtofile", C_DOWNLOAD, MED, ACT, "downloads a file (URLDownloadToFile)"},
    {"urldownloadtofilea", C_DOWNLOAD, MED, ACT, "downloads a file (URLDownloadToFile)"},
    {"urldownloadtofilew", C_DOWNLOAD, MED, ACT, "downloads a file (URLDownloadToFile)"},
    {"savetofile", C_WRITE, LOW, ACT, "writes a file (SaveToFile)"},
    {"kill", C_WRITE, LOW, ACT | NODOT, "deletes files (Kill)"},
    {"filecopy", C_WRITE, LOW, ACT | NODOT, "copies a file (FileCopy)"},
    {"createtextfile", C_WRITE, LOW, ACT | DOT, "creates a file (CreateTextFile)"},
    {"copyfile", C_WRITE, LOW, ACT | DOT, "copies a file (CopyFile)"},
    {"movefile", C_WRITE, LOW, ACT | DOT, "moves a file (MoveFile)"},
    {"deletefile", C_WRITE, LOW, ACT | DOT, "deletes a file (DeleteFile)"},
    {"regwrite", C_WRITE, LOW, ACT | DOT, "writes to the registry (RegWrite)"},
};

/* Substrings of string literals (and of strings decoded from Chr/StrReverse/Replace). */
static const struct ind string_words[] = {
    {"powershell", C_EXECUTE, MED, ACT, "starts PowerShell"},
    {"cmd.exe", C_EXECUTE, MED, ACT, "starts cmd.exe"},
    {"cmd /c", C_EXECUTE, MED, ACT, "starts cmd.exe"},
    {"cmd /k", C_EXECUTE, MED, ACT, "starts cmd.exe"},
    {"mshta", C_EXECUTE, MED, ACT, "starts mshta (HTML applications)"},
    {"rundll32", C_EXECUTE, MED, ACT, "starts rundll32"},
    {"regsvr32", C_EXECUTE, MED, ACT, "starts regsvr32"},
    {"wscript.exe", C_EXECUTE, MED, ACT, "starts the Windows Script Host"},
    {"cscript", C_EXECUTE, MED, ACT, "starts the Windows Script Host"},
    {"certutil", C_EXECUTE, MED, ACT, "starts certutil"},
    {"schtasks", C_EXECUTE, MED, ACT, "schedules a task (schtasks)"},
    {"schedule.service", C_EXECUTE, MED, ACT, "schedules a task (Schedule.Service)"},
    {"wscript.shell", C_EXECUTE, LOW, LAUNCH,
     "uses the script host's shell object (WScript.Shell)"},
    {"shell.application", C_EXECUTE, LOW, 0, "uses the Explorer shell object (Shell.Application)"},
    {"winmgmts:", C_EXECUTE, LOW, 0, "uses WMI (winmgmts:)"},
    {"win32_process", C_EXECUTE, LOW, LAUNCH, "uses WMI processes (Win32_Process)"},
    {"bitsadmin", C_DOWNLOAD, MED, ACT, "downloads with bitsadmin"},
    {"net.webclient", C_DOWNLOAD, MED, ACT, "downloads with .NET WebClient"},
    {"downloadfile", C_DOWNLOAD, MED, ACT, "downloads a file (DownloadFile)"},
    {"downloadstring", C_DOWNLOAD, MED, ACT, "downloads a script (DownloadString)"},
    {"invoke-webrequest", C_DOWNLOAD, MED, ACT, "downloads with Invoke-WebRequest"},
    {"start-bitstransfer", C_DOWNLOAD, MED, ACT, "downloads with Start-BitsTransfer"},
    {"urldownloadtofile", C_DOWNLOAD, MED, ACT, "downloads a file (URLDownloadToFile)"},
    {"xmlhttp", C_DOWNLOAD, LOW, ACT, "makes HTTP requests (XMLHTTP)"},
    {"winhttprequest", C_DOWNLOAD, LOW, ACT, "makes HTTP requests (WinHttpRequest)"},
    {"internetexplorer.application", C_DOWNLOAD, LOW, ACT, "drives Internet Explorer"},
    {"adodb.stream", C_WRITE, LOW, ACT, "writes binary data to files (ADODB.Stream)"},
};

/* Windows functions named in Declare ... Lib (or its Alias), without the A/W suffix.
 * RtlMoveMemory alone is low and no action: benign add-ins copy API structures with it;
 * the allocation and thread functions are what a shellcode loader adds. */
static const struct ind api_words[] = {
    {"winexec", C_EXECUTE, MED, ACT, "declares a Windows function that starts programs"},
    {"shellexecute", C_EXECUTE, MED, ACT, "declares a Windows function that starts programs"},
    {"shellexecuteex", C_EXECUTE, MED, ACT, "declares a Windows function that starts programs"},
    {"createprocess", C_EXECUTE, MED, ACT, "declares a Windows function that starts programs"},
    {"createprocessasuser", C_EXECUTE, MED, ACT,
     "declares a Windows function that starts programs"},
    {"createthread", C_API, MED, ACT, "declares a Windows function that runs code in memory"},
    {"createremotethread", C_API, MED, ACT,
     "declares a Windows function that runs code in memory"},
    {"queueuserapc", C_API, MED, ACT, "declares a Windows function that runs code in memory"},
    {"ntqueueapcthread", C_API, MED, ACT,
     "declares a Windows function that runs code in memory"},
    {"callwindowproc", C_API, MED, ACT, "declares a Windows function that runs code in memory"},
    {"enumsystemcodepages", C_API, MED, ACT,
     "declares a Windows function that runs code in memory"},
    {"enumsystemlocales", C_API, MED, ACT,
     "declares a Windows function that runs code in memory"},
    {"enumdateformats", C_API, MED, ACT, "declares a Windows function that runs code in memory"},
    {"enumtimeformats", C_API, MED, ACT, "declares a Windows function that runs code in memory"},
    {"virtualalloc", C_API, MED, ACT, "declares a Windows function that allocates memory to run"},
    {"virtualallocex", C_API, MED, ACT,
     "declares a Windows function that allocates memory to run"},
    {"virtualprotect", C_API, MED, ACT, "declares a Windows function that makes memory runnable"},
    {"virtualprotectex", C_API, MED, ACT,
     "declares a Windows function that makes memory runnable"},
    {"ntallocatevirtualmemory", C_API, MED, ACT,
     "declares a Windows function that allocates memory to run"},
    {"writeprocessmemory", C_API, MED, ACT,
     "declares a Windows function that writes into another process"},
    {"ntwritevirtualmemory", C_API, MED, ACT,
     "declares a Windows function that writes into another process"},
    {"urldownloadtofile", C_DOWNLOAD, MED, ACT, "declares a Windows function that downloads files"},
    {"urldownloadtocachefile", C_DOWNLOAD, MED, ACT,
     "declares a Windows function that downloads files"},
    {"urlopenblockingstream", C_DOWNLOAD, MED, ACT,
     "declares a Windows function that downloads files"},
    {"internetopen", C_DOWNLOAD, LOW, ACT, "declares WinINet network functions"},
    {"internetopenurl", C_DOWNLOAD, LOW, ACT, "declares WinINet network functions"},
    {"internetreadfile", C_DOWNLOAD, LOW, ACT, "declares WinINet network functions"},
    {"rtlmovememory", C_API, LOW, 0, "declares RtlMoveMemory (copies raw memory)"},
};

/* Procedures Office runs by itself: when a document opens or closes, a workbook activates,
 * a slide show moves on, or an ActiveX control on the page is drawn. */
static const char *const autoexec_names[] = {
    "autoexec",       "autoopen",         "autoclose",        "autonew",
    "autoexit",       "auto_open",        "auto_close",       "document_open",
    "document_close", "document_new",     "documentopen",     "documentbeforeclose",
    "newdocument",    "workbook_open",    "workbook_activate", "workbook_beforeclose",
    "workbook_deactivate", "workbook_windowactivate", "worksheet_calculate",
    "onslideshowpagechange", "onslideshowterminate", "application_startup",
    "document_documentopened",
};
static const char *const autoexec_suffixes[] = {
    "_layout",         "_painted",          "_painting",     "_resize",
    "_gotfocus",       "_lostfocus",        "_documentcomplete", "_navigatecomplete2",
    "_beforenavigate2", "_downloadbegin",   "_downloadcomplete", "_progresschange",
    "_statustextchange", "_titlechange",    "_documentopen",  "_workbookopen",
};
static const char *const exe_exts[] = {"exe", "dll", "scr", "pif", "bat", "cmd", "vbs",
                                       "vbe", "js",  "jse", "wsf", "ps1", "hta", "jar",
                                       "msi", "lnk", "cpl"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- what one module shows ---- */

struct hit {
    unsigned char cat, sev, action;
    const char *what;
    char val[128]; /* the IOC, for vba.ioc */
    char ev[FG_CAP_EVIDENCE];
};

struct mscan {
    const char *name;
    struct hit hits[FG_CAP_VBA_HITS];
    size_t nhits;
    unsigned niocs, code_lines, decodes;
    unsigned chr_total, chain_reported;
    char chr_ev[FG_CAP_EVIDENCE];
    size_t b64_total;
    unsigned b64_count, b64_reported;
    char b64_ev[FG_CAP_EVIDENCE];
    int launcher; /* WScript.Shell or Win32_Process seen */
    char run_ev[FG_CAP_EVIDENCE]; /* the first .Run/.Exec/.Create */
};

struct span {
    size_t a, b; /* [a, b) */
};

/* One logical line, lexed. */
struct line {
    const char *t; /* the text */
    size_t full;   /* its length */
    size_t n;      /* where its comment starts (or full) */
    char *lc;      /* lower case, string contents blanked: the code alone */
    char *ls;      /* lower case, string contents kept */
    struct span str[FG_CAP_VBA_STRINGS];
    size_t nstr;
    struct span tok[FG_CAP_VBA_TOKENS];
    size_t ntok;
    unsigned lineno;
};

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int is_ident(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c >= 0x80;
}
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }

/* "<module>:<line>: <text>", the text trimmed to a window around 'at' on UTF-8 boundaries;
 * then the decoded string, if any. */
static void evidence(char *out, size_t cap, const char *module, unsigned lineno,
                     const char *t, size_t n, size_t at, const char *dec, size_t dlen)
{
    size_t s = 0, e = n;
    while (s < e && (is_space((unsigned char)t[s]) || t[s] == '\0'))
        s++;
    while (e > s && is_space((unsigned char)t[e - 1]))
        e--;
    at = at < s ? s : at > e ? e : at;
    size_t ws = s, we = e;
    if (e - s > EV_TEXT) {
        ws = at > s + 60 ? at - 60 : s;
        if (ws + EV_TEXT > e)
            ws = e - EV_TEXT;
        we = ws + EV_TEXT;
        while (ws < we && ((unsigned char)t[ws] & 0xC0) == 0x80)
            ws++;
        while (we > ws && we < e && ((unsigned char)t[we] & 0xC0) == 0x80)
            we--;
    }
    int k = snprintf(out, cap, "%s:%u: %s%.*s%s", module, lineno, ws > s ? "..." : "",
                     (int)(we - ws), t + ws, we < e ? "..." : "");
    if (dec && k > 0 && (size_t)k < cap)
        snprintf(out + k, cap - (size_t)k, " => decoded: %.*s", (int)(dlen > 200 ? 200 : dlen),
                 dec);
}

static struct hit *add_hit(struct mscan *ms, const struct line *L, unsigned cat, unsigned sev,
                           int action, const char *what, const char *val, size_t at,
                           const char *dec, size_t dlen)
{
    for (size_t i = 0; i < ms->nhits; i++)
        if (ms->hits[i].cat == cat && !strcmp(ms->hits[i].what, what) &&
            !strcmp(ms->hits[i].val, val ? val : ""))
            return NULL;
    if (ms->nhits >= FG_CAP_VBA_HITS || (cat == C_IOC && ms->niocs >= FG_CAP_VBA_IOCS))
        return NULL;
    struct hit *h = &ms->hits[ms->nhits++];
    ms->niocs += cat == C_IOC;
    h->cat = (unsigned char)cat;
    h->sev = (unsigned char)sev;
    h->action = (unsigned char)action;
    h->what = what;
    snprintf(h->val, sizeof h->val, "%s", val ? val : "");
    evidence(h->ev, sizeof h->ev, ms->name, L->lineno, L->t, L->full, at, dec, dlen);
    return h;
}

static void add_ind(struct mscan *ms, const struct line *L, const struct ind *d, size_t at,
                    const char *dec, size_t dlen)
{
    ms->launcher |= !!(d->flags & LAUNCH);
    add_hit(ms, L, d->cat, d->sev, d->flags & ACT, d->what, NULL, at, dec, dlen);
}

/* ---- lexing ---- */

static void lex(struct line *L)
{
    const char *t = L->t;
    size_t n = L->full, i = 0;
    int stmt = 1;
    L->n = n;
    L->nstr = L->ntok = 0;
    while (i < n) {
        unsigned char c = (unsigned char)t[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < n && !(t[j] == '"' && !(j + 1 < n && t[j + 1] == '"')))
                j += t[j] == '"' ? 2 : 1;
            if (j > n)
                j = n;
            if (L->nstr < FG_CAP_VBA_STRINGS)
                L->str[L->nstr++] = (struct span){i + 1, j};
            L->lc[i] = L->ls[i] = '"';
            for (size_t k = i + 1; k < j; k++) {
                L->ls[k] = (char)lower((unsigned char)t[k]);
                L->lc[k] = ' ';
            }
            if (j < n)
                L->lc[j] = L->ls[j] = '"';
            i = j + 1;
            stmt = 0;
        } else if (c == '\'') {
            L->n = i;
            return;
        } else if (is_ident(c) && !(c >= '0' && c <= '9')) {
            size_t j = i;
            while (j < n && is_ident((unsigned char)t[j]))
                j++;
            if (j < n && t[j] == '$') /* type suffix: Chr$, Mid$ */
                j++;
            if (stmt && j - i == 3 && !strncasecmp(t + i, "rem", 3)) {
                L->n = i;
                return;
            }
            for (size_t k = i; k < j; k++)
                L->lc[k] = L->ls[k] = (char)lower((unsigned char)t[k]);
            if (L->ntok < FG_CAP_VBA_TOKENS)
                L->tok[L->ntok++] = (struct span){i, j};
            i = j;
            stmt = 0;
        } else {
            L->lc[i] = L->ls[i] = (char)lower(c);
            if (c == ':' && !(i + 1 < n && t[i + 1] == '='))
                stmt = 1; /* a statement separator, not a named argument (:=) */
            else if (!is_space(c))
                stmt = 0;
            i++;
        }
    }
}

static int tok_is(const struct line *L, size_t k, const char *w)
{
    if (k >= L->ntok)
        return 0;
    size_t len = L->tok[k].b - L->tok[k].a;
    return len == strlen(w) && !memcmp(L->lc + L->tok[k].a, w, len);
}

/* Index of the first non-blank code byte at or after 'i' (L->n if none). */
static size_t skip_blank(const struct line *L, size_t i)
{
    while (i < L->n && is_space((unsigned char)L->lc[i]))
        i++;
    return i;
}

/* The string literal that opens at byte 'i' (its quote), or NULL.  Literals are recorded
 * in the order they appear. */
static const struct span *literal_at(const struct line *L, size_t i)
{
    size_t lo = 0, hi = L->nstr;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (L->str[mid].a < i + 1)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < L->nstr && L->str[lo].a == i + 1 ? &L->str[lo] : NULL;
}

/* A literal's value, with "" unescaped, into out (capped). */
static size_t literal_value(const struct line *L, const struct span *s, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = s->a; i < s->b && n + 1 < cap; i++) {
        out[n++] = L->t[i];
        if (L->t[i] == '"')
            i++;
    }
    out[n] = 0;
    return n;
}

/* ---- checks on strings ---- */

static int has_ext(const char *lc, size_t n, size_t dot, const char *ext)
{
    size_t el = strlen(ext);
    return dot + 1 + el <= n && !memcmp(lc + dot + 1, ext, el) &&
           (dot + 1 + el == n || !is_ident((unsigned char)lc[dot + 1 + el]));
}

static void ioc(struct mscan *ms, const struct line *L, const char *what, const char *t,
                size_t a, size_t b, size_t at, const char *dec, size_t dlen)
{
    char v[128];
    snprintf(v, sizeof v, "%.*s", (int)(b - a > 120 ? 120 : b - a), t + a);
    add_hit(ms, L, C_IOC, FG_SEV_INFO, 0, what, v, at, dec, dlen);
}

/* URLs, IPv4 addresses and executable names in a string: 't' as written, 'lc' lower case.
 * 'at' is where the string sits in the line (for the evidence window). */
static void find_iocs(struct mscan *ms, const struct line *L, const char *t, const char *lc,
                      size_t n, size_t at, const char *dec, size_t dlen)
{
    static const char *const schemes[] = {"http://", "https://", "ftp://"};
    for (size_t s = 0; s < NELEM(schemes); s++) {
        size_t sl = strlen(schemes[s]);
        for (const char *p = lc; (p = memmem(p, n - (size_t)(p - lc), schemes[s], sl));) {
            size_t a = (size_t)(p - lc), b = a + sl;
            while (b < n && (unsigned char)t[b] > 0x20 && !strchr("\"'<>`", t[b]))
                b++;
            if (b > a + sl)
                ioc(ms, L, "URL in a macro", t, a, b, at + a, dec, dlen);
            p = lc + b;
            if (b >= n)
                break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!(lc[i] >= '0' && lc[i] <= '9') ||
            (i > 0 && ((lc[i - 1] >= '0' && lc[i - 1] <= '9') || lc[i - 1] == '.')))
            continue;
        size_t j = i;
        int parts = 0, ok = 1;
        while (parts < 4 && ok) {
            unsigned v = 0, digits = 0;
            while (j < n && lc[j] >= '0' && lc[j] <= '9' && digits < 4)
                v = v * 10 + (unsigned)(lc[j++] - '0'), digits++;
            ok = digits >= 1 && digits <= 3 && v <= 255;
            parts++;
            if (parts < 4 && ok && (j >= n || lc[j++] != '.'))
                ok = 0;
        }
        if (ok && !(j < n && ((lc[j] >= '0' && lc[j] <= '9') ||
                              (lc[j] == '.' && j + 1 < n && lc[j + 1] >= '0' && lc[j + 1] <= '9'))))
            ioc(ms, L, "IP address in a macro", t, i, j, at + i, dec, dlen);
    }
    for (size_t d = 1; d < n; d++) {
        if (lc[d] != '.' || !(is_ident((unsigned char)lc[d - 1]) || lc[d - 1] == '-'))
            continue;
        for (size_t e = 0; e < NELEM(exe_exts); e++) {
            if (!has_ext(lc, n, d, exe_exts[e]))
                continue;
            size_t a = d;
            while (a > 0 && d - a < 120 && (is_ident((unsigned char)lc[a - 1]) ||
                                            (lc[a - 1] && strchr("-.\\/:%~$", lc[a - 1]))))
                a--;
            ioc(ms, L, "executable file name in a macro", t, a, d + 1 + strlen(exe_exts[e]),
                at + a, dec, dlen);
            break;
        }
    }
}

/* Indicators and IOCs in one string (a literal, or a string decoded from the code). */
static void check_string(struct mscan *ms, const struct line *L, const char *t, size_t n,
                         size_t at, const char *dec, size_t dlen)
{
    char lc[FG_CAP_VBA_DECODED];
    char *big = NULL;
    char *l = lc;
    if (n > sizeof lc && !(l = big = malloc(n)))
        return;
    for (size_t i = 0; i < n; i++)
        l[i] = (char)lower((unsigned char)t[i]);
    for (size_t k = 0; k < NELEM(string_words); k++)
        if (memmem(l, n, string_words[k].word, strlen(string_words[k].word)))
            add_ind(ms, L, &string_words[k], at, dec, dlen);
    if (n > 4 && !memcmp(l, "new:", 4))
        add_hit(ms, L, C_EXECUTE, MED, ACT, "creates a COM object by class id (\"new:\")", NULL,
                at, dec, dlen);
    if (ms->niocs < FG_CAP_VBA_IOCS)
        find_iocs(ms, L, t, l, n, at, dec, dlen);
    free(big);
}

/* Base64 text decoded for a reader when it is text (UTF-16LE text too, as PowerShell's
 * -EncodedCommand has it); 0 if it is binary. */
static size_t b64_text(const char *in, size_t n, char *out, size_t cap)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t raw[FG_CAP_VBA_DECODED * 2];
    size_t rn = 0, zeros = 0, printable = 0, o = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < n && in[i] != '=' && rn < sizeof raw; i++) {
        const char *p = strchr(abc, in[i]);
        if (!p || !in[i])
            return 0;
        acc = (acc << 6) | (unsigned)(p - abc);
        if ((bits += 6) >= 8) {
            bits -= 8;
            raw[rn++] = (uint8_t)(acc >> bits);
        }
    }
    for (size_t i = 1; i < rn; i += 2)
        zeros += raw[i] == 0;
    int wide = rn >= 4 && zeros * 10 >= rn / 2 * 9;
    for (size_t i = 0; i < rn && o + 1 < cap; i += wide ? 2 : 1) {
        uint8_t c = raw[i];
        printable += (c >= 0x20 && c < 0x7F) || c == '\t' || c == '\r' || c == '\n';
        out[o++] = (char)(c >= 0x20 && c < 0x7F ? c : '.');
    }
    return o && printable * 10 >= o * 9 ? o : 0;
}

/* Long base64 or hex literals: encoded payloads. */
static void check_encoded(struct mscan *ms, const struct line *L, const struct span *s)
{
    size_t n = s->b - s->a, up = 0, lo = 0, dig = 0, hex = 0;
    if (n < B64_PIECE)
        return;
    for (size_t i = s->a; i < s->b; i++) {
        int c = (unsigned char)L->t[i];
        int is_hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        hex += is_hex;
        if (c >= 'A' && c <= 'Z')
            up++;
        else if (c >= 'a' && c <= 'z')
            lo++;
        else if (c >= '0' && c <= '9')
            dig++;
        else if (c != '+' && c != '/' && c != '=')
            return;
    }
    if (hex == n) {
        if (n >= LONG_LITERAL)
            add_hit(ms, L, C_OBFUSCATION, MED, 0, "long hex string literal (encoded data)", NULL,
                    s->a, NULL, 0);
        return;
    }
    if (!up || !lo || !dig)
        return;
    if (n >= LONG_LITERAL) {
        char dec[FG_CAP_VBA_DECODED];
        size_t dn = b64_text(L->t + s->a, n, dec, sizeof dec);
        if (add_hit(ms, L, C_OBFUSCATION, MED, 0, "long base64 string literal (encoded data)",
                    NULL, s->a, dn ? dec : NULL, dn))
            ms->b64_reported = 1;
        if (dn)
            check_string(ms, L, dec, dn, s->a, dec, dn);
    }
    if (!ms->b64_count++)
        evidence(ms->b64_ev, sizeof ms->b64_ev, ms->name, L->lineno, L->t, L->full, s->a, NULL, 0);
    ms->b64_total += n;
}

/* ---- checks on code ---- */

/* An integer literal (decimal, &H hex, &O octal) as a call's only argument: "(104)".
 * Returns the value or -1; *end is set past the ")". */
static long int_arg(const struct line *L, size_t i, size_t *end)
{
    i = skip_blank(L, i);
    if (i >= L->n || L->lc[i] != '(')
        return -1;
    i = skip_blank(L, i + 1);
    int neg = 0, base = 10;
    if (i < L->n && L->lc[i] == '-')
        neg = 1, i++;
    if (i + 1 < L->n && L->lc[i] == '&' && (L->lc[i + 1] == 'h' || L->lc[i + 1] == 'o'))
        base = L->lc[i + 1] == 'h' ? 16 : 8, i += 2;
    long v = 0;
    size_t digits = 0;
    for (; i < L->n && digits < 8; i++, digits++) {
        int c = L->lc[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 99;
        if (d >= base)
            break;
        v = v * base + d;
    }
    if (!digits)
        return -1;
    while (i < L->n && (L->lc[i] == '&' || L->lc[i] == '%' || is_space((unsigned char)L->lc[i])))
        i++;
    if (i >= L->n || L->lc[i] != ')')
        return -1;
    *end = i + 1;
    return neg ? (v <= 32768 ? 65536 - v : -1) : v;
}

static int is_chr(const struct line *L, size_t k)
{
    return tok_is(L, k, "chr") || tok_is(L, k, "chrw") || tok_is(L, k, "chrb") ||
           tok_is(L, k, "chr$") || tok_is(L, k, "chrw$") || tok_is(L, k, "chrb$");
}

static size_t put_utf8(char *o, size_t n, size_t cap, long v)
{
    if (v < 0x80 && n + 1 < cap)
        o[n++] = (char)v;
    else if (v < 0x800 && n + 2 < cap)
        o[n++] = (char)(0xC0 | v >> 6), o[n++] = (char)(0x80 | (v & 0x3F));
    else if (v >= 0x800 && v <= 0xFFFF && n + 3 < cap)
        o[n++] = (char)(0xE0 | v >> 12), o[n++] = (char)(0x80 | ((v >> 6) & 0x3F)),
        o[n++] = (char)(0x80 | (v & 0x3F));
    return n;
}

/* Chr() chains: counts the calls that do not spell a space, line break or quote; a long chain
 * in one statement is decoded (constant arguments only, with the string literals between the
 * calls) and checked like a literal.  The spaces and quotes inside a chain are not counted
 * but are decoded: "cmd /c calc" must read as such to be checked (control characters are
 * shown as a space). */
static void check_chr(struct mscan *ms, const struct line *L)
{
    char dec[FG_CAP_VBA_DECODED];
    size_t dn = 0, first = SIZE_MAX, si = 0;
    unsigned printable = 0;
    for (size_t k = 0; k < L->ntok; k++) {
        if (!is_chr(L, k))
            continue;
        size_t end;
        long v = int_arg(L, L->tok[k].b, &end);
        int plain = v >= 0 && (v <= 32 || v == 34); /* how plain code writes them */
        if (plain && first == SIZE_MAX)
            continue;
        if (first == SIZE_MAX)
            first = L->tok[k].a;
        /* string literals between the previous call and this one are part of the chain */
        for (; si < L->nstr && L->str[si].a < L->tok[k].a; si++)
            if (L->str[si].a > first)
                for (size_t i = L->str[si].a; i < L->str[si].b && dn + 1 < sizeof dec; i++)
                    dec[dn++] = L->t[i];
        dn = v >= 0 ? put_utf8(dec, dn, sizeof dec, v < 32 ? ' ' : v) : dn;
        printable += !plain;
    }
    for (; first != SIZE_MAX && si < L->nstr; si++) /* and the literals after the last call */
        for (size_t i = L->str[si].a; i < L->str[si].b && dn + 1 < sizeof dec; i++)
            dec[dn++] = L->t[i];
    if (!printable)
        return;
    if (!ms->chr_total)
        evidence(ms->chr_ev, sizeof ms->chr_ev, ms->name, L->lineno, L->t, L->full, first, NULL,
                 0);
    ms->chr_total += printable;
    if (printable < CHAIN_MIN)
        return;
    ms->chain_reported = 1;
    add_hit(ms, L, C_OBFUSCATION, MED, 0, "builds strings from long Chr() chains", NULL, first,
            dec, dn);
    check_string(ms, L, dec, dn, first, dec, dn);
}

/* StrReverse("...") and Replace("...", "...", "...") on constants: decoded and checked. */
static void check_decoders(struct mscan *ms, const struct line *L, size_t k)
{
    int rev = tok_is(L, k, "strreverse") || tok_is(L, k, "strreverse$");
    int rep = tok_is(L, k, "replace") || tok_is(L, k, "replace$");
    if ((!rev && !rep) || ms->decodes >= FG_CAP_VBA_DECODES)
        return;
    ms->decodes++;
    size_t at = L->tok[k].a;
    static const char reverses[] = "reverses strings (StrReverse)";
    size_t i = skip_blank(L, L->tok[k].b);
    const struct span *args[3];
    int nargs = 0;
    if (i >= L->n || L->lc[i] != '(')
        goto opaque;
    i = skip_blank(L, i + 1);
    while (nargs < (rev ? 1 : 3)) {
        const struct span *s = i < L->n && L->lc[i] == '"' ? literal_at(L, i) : NULL;
        if (!s)
            goto opaque;
        args[nargs++] = s;
        i = skip_blank(L, s->b + 1);
        if (nargs < (rev ? 1 : 3)) {
            if (i >= L->n || L->lc[i] != ',')
                goto opaque;
            i = skip_blank(L, i + 1);
        }
    }
    char a[FG_CAP_VBA_DECODED], f[256], r[256], dec[FG_CAP_VBA_DECODED];
    size_t an = literal_value(L, args[0], a, sizeof a), dn = 0;
    if (rev) {
        for (size_t j = an; j > 0; j--)
            dec[dn++] = a[j - 1];
        add_hit(ms, L, C_OBFUSCATION, MED, 0, reverses, NULL, at, dec, dn);
    } else {
        size_t fn = literal_value(L, args[1], f, sizeof f);
        size_t rn = literal_value(L, args[2], r, sizeof r);
        if (!fn)
            return;
        for (size_t j = 0; j < an && dn + 1 < sizeof dec;) {
            if (j + fn <= an && !memcmp(a + j, f, fn)) {
                for (size_t q = 0; q < rn && dn + 1 < sizeof dec; q++)
                    dec[dn++] = r[q];
                j += fn;
            } else {
                dec[dn++] = a[j++];
            }
        }
        add_hit(ms, L, C_OBFUSCATION, MED, 0, "builds strings with Replace() on constants", NULL,
                at, dec, dn);
    }
    check_string(ms, L, dec, dn, at, dec, dn);
    return;
opaque:
    /* Reversing a variable is also how plain code finds the last "\\" of a path: low. */
    if (rev)
        add_hit(ms, L, C_OBFUSCATION, LOW, 0, reverses, NULL, at, NULL, 0);
}

/* CreateObject/GetObject with a name computed at run time hides which object it is. */
static void check_object(struct mscan *ms, const struct line *L, size_t k)
{
    if (!tok_is(L, k, "createobject") && !tok_is(L, k, "getobject"))
        return;
    size_t i = skip_blank(L, L->tok[k].b);
    if (i >= L->n || L->lc[i] != '(')
        return;
    i = skip_blank(L, i + 1);
    if (i >= L->n || L->lc[i] == ')')
        return;
    if (L->lc[i] == '"') {
        const struct span *s = literal_at(L, i);
        size_t j = s ? skip_blank(L, s->b + 1) : L->n;
        if (j < L->n && (L->lc[j] == ')' || L->lc[j] == ','))
            return; /* a plain ProgID: the string checks judge it */
    } else {
        /* a bare variable or constant is ordinary code */
        size_t j = i;
        while (j < L->n && (is_ident((unsigned char)L->lc[j]) || L->lc[j] == '.'))
            j++;
        j = skip_blank(L, j);
        if (j < L->n && (L->lc[j] == ')' || L->lc[j] == ','))
            return;
    }
    add_hit(ms, L, C_EXECUTE, LOW, ACT, "creates an object whose name is computed at run time",
            NULL, L->tok[k].a, NULL, 0);
}

/* Open <file> For Output|Append|Binary|Random (and not Access Read) writes a file. */
static void check_open(struct mscan *ms, const struct line *L, size_t k)
{
    size_t a = L->tok[k].a;
    while (a > 0 && is_space((unsigned char)L->lc[a - 1]))
        a--;
    if (a > 0 && L->lc[a - 1] != ':' && !tok_is(L, k - 1, "then") && !tok_is(L, k - 1, "else"))
        return; /* not a statement: xhr.Open, Workbooks.Open ... */
    for (size_t j = k + 1; j + 1 < L->ntok && j < k + 64; j++) {
        if (!tok_is(L, j, "for"))
            continue;
        if (!tok_is(L, j + 1, "output") && !tok_is(L, j + 1, "append") &&
            !tok_is(L, j + 1, "binary") && !tok_is(L, j + 1, "random"))
            return;
        if (tok_is(L, j + 2, "access") && tok_is(L, j + 3, "read") && !tok_is(L, j + 4, "write"))
            return;
        add_hit(ms, L, C_WRITE, LOW, ACT, "writes a file (Open ... For Output/Binary)", NULL,
                L->tok[k].a, NULL, 0);
        return;
    }
}

static void check_procedure(struct mscan *ms, const struct line *L)
{
    size_t k = 0;
    while (tok_is(L, k, "public") || tok_is(L, k, "private") || tok_is(L, k, "friend") ||
           tok_is(L, k, "static"))
        k++;
    if (!(tok_is(L, k, "sub") || tok_is(L, k, "function")) || k + 1 >= L->ntok)
        return;
    const char *w = L->lc + L->tok[k + 1].a;
    size_t len = L->tok[k + 1].b - L->tok[k + 1].a;
    int found = 0;
    for (size_t i = 0; i < NELEM(autoexec_names) && !found; i++)
        found = len == strlen(autoexec_names[i]) && !memcmp(w, autoexec_names[i], len);
    if (!(len > 9 && !memcmp(w, "userform_", 9)) && !(len > 6 && !memcmp(w, "class_", 6)))
        for (size_t i = 0; i < NELEM(autoexec_suffixes) && !found; i++) {
            size_t sl = strlen(autoexec_suffixes[i]);
            found = len > sl && !memcmp(w + len - sl, autoexec_suffixes[i], sl);
        }
    if (found)
        add_hit(ms, L, C_AUTOEXEC, LOW, 0,
                "runs by itself when the document opens or closes, or a control is drawn", NULL,
                L->tok[k + 1].a, NULL, 0);
}

static void check_declare(struct mscan *ms, const struct line *L)
{
    size_t k = 0;
    while (tok_is(L, k, "public") || tok_is(L, k, "private"))
        k++;
    if (!tok_is(L, k, "declare"))
        return;
    k += 1 + tok_is(L, k + 1, "ptrsafe");
    if (!(tok_is(L, k, "sub") || tok_is(L, k, "function")) || k + 1 >= L->ntok)
        return;
    size_t name = k + 1, lib = 0;
    for (size_t j = name + 1; j < L->ntok && !lib; j++)
        lib = tok_is(L, j, "lib") ? j : 0;
    if (!lib)
        return;
    /* Alias "RealName" says which function it really is. */
    char fn[128];
    size_t fl = 0;
    for (size_t j = lib + 1; j < L->ntok; j++) {
        if (!tok_is(L, j, "alias"))
            continue;
        size_t i = skip_blank(L, L->tok[j].b);
        const struct span *s = i < L->n && L->lc[i] == '"' ? literal_at(L, i) : NULL;
        if (s) {
            fl = s->b - s->a < sizeof fn - 1 ? s->b - s->a : sizeof fn - 1;
            for (size_t q = 0; q < fl; q++)
                fn[q] = (char)lower((unsigned char)L->t[s->a + q]);
        }
        break;
    }
    if (!fl) {
        fl = L->tok[name].b - L->tok[name].a;
        fl = fl < sizeof fn - 1 ? fl : sizeof fn - 1;
        memcpy(fn, L->lc + L->tok[name].a, fl);
    }
    fn[fl] = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < NELEM(api_words); i++)
            if (!strcmp(fn, api_words[i].word)) {
                add_ind(ms, L, &api_words[i], L->tok[name].a, NULL, 0);
                return;
            }
        /* ANSI and wide variants: CreateProcessA, ShellExecuteW */
        if (fl < 2 || (fn[fl - 1] != 'a' && fn[fl - 1] != 'w'))
            break;
        fn[--fl] = 0;
    }
    add_hit(ms, L, C_API, LOW, 0, "declares a function from a DLL (Declare ... Lib)", NULL,
            L->tok[name].a, NULL, 0);
}

static void check_code(struct mscan *ms, const struct line *L)
{
    check_procedure(ms, L);
    check_declare(ms, L);
    for (size_t k = 0; k < L->ntok; k++) {
        size_t a = L->tok[k].a;
        int dot = a > 0 && L->lc[a - 1] == '.';
        for (size_t i = 0; i < NELEM(code_words); i++) {
            const struct ind *d = &code_words[i];
            if (!tok_is(L, k, d->word) || ((d->flags & DOT) && !dot) ||
                ((d->flags & NODOT) && dot))
                continue;
            add_ind(ms, L, d, a, NULL, 0);
        }
        if (dot && (tok_is(L, k, "run") || tok_is(L, k, "exec") || tok_is(L, k, "create")) &&
            !ms->run_ev[0])
            evidence(ms->run_ev, sizeof ms->run_ev, ms->name, L->lineno, L->t, L->full, a, NULL,
                     0);
        if (tok_is(L, k, "open") && !dot)
            check_open(ms, L, k);
        check_object(ms, L, k);
        check_decoders(ms, L, k);
    }
    check_chr(ms, L);
}

static void analyse_line(struct mscan *ms, struct line *L)
{
    lex(L);
    if (L->ntok && tok_is(L, 0, "attribute"))
        return; /* VB_Name, VB_Base ... written by the editor */
    if (L->ntok || L->nstr)
        ms->code_lines++;
    check_code(ms, L);
    for (size_t s = 0; s < L->nstr; s++) {
        const struct span *sp = &L->str[s];
        check_string(ms, L, L->t + sp->a, sp->b - sp->a, sp->a, NULL, 0);
        check_encoded(ms, L, sp);
    }
}

/* Module-wide conclusions, after the last line. */
static void finish_module(struct mscan *ms)
{
    struct line none = {.t = "", .lineno = 0};
    if (ms->chr_total >= MODULE_CHR_MIN && !ms->chain_reported &&
        add_hit(ms, &none, C_OBFUSCATION, MED, 0, "builds strings from many Chr() calls", NULL, 0,
                NULL, 0))
        snprintf(ms->hits[ms->nhits - 1].ev, FG_CAP_EVIDENCE, "%s", ms->chr_ev);
    if (ms->b64_total >= B64_TOTAL && ms->b64_count >= 3 && !ms->b64_reported &&
        add_hit(ms, &none, C_OBFUSCATION, MED, 0,
                "holds base64 data split over many string literals", NULL, 0, NULL, 0))
        snprintf(ms->hits[ms->nhits - 1].ev, FG_CAP_EVIDENCE, "%s", ms->b64_ev);
    if (ms->launcher && ms->run_ev[0] &&
        add_hit(ms, &none, C_EXECUTE, MED, ACT,
                "runs a program through WScript.Shell or WMI (.Run/.Exec/.Create)", NULL, 0,
                NULL, 0))
        snprintf(ms->hits[ms->nhits - 1].ev, FG_CAP_EVIDENCE, "%s", ms->run_ev);
    const struct hit *dl = NULL, *wr = NULL;
    for (size_t i = 0; i < ms->nhits; i++) {
        if (ms->hits[i].cat == C_DOWNLOAD && !dl)
            dl = &ms->hits[i];
        if (ms->hits[i].cat == C_WRITE && !wr)
            wr = &ms->hits[i];
    }
    if (dl && wr && dl->sev < MED) {
        char ev[FG_CAP_EVIDENCE];
        snprintf(ev, sizeof ev, "%.250s ; %.250s", dl->ev, wr->ev);
        if (add_hit(ms, &none, C_DOWNLOAD, MED, ACT, "downloads data and writes it to a file",
                    NULL, 0, NULL, 0))
            snprintf(ms->hits[ms->nhits - 1].ev, FG_CAP_EVIDENCE, "%s", ev);
    }
}

/* Reads the module line by line; logical lines joined at " _" continuations. */
static int scan_module(struct fg_ctx *ctx, struct mscan *ms, const uint8_t *text, size_t n)
{
    struct line *L = calloc(1, sizeof *L);
    char *buf = malloc(FG_CAP_VBA_LINE), *lc = malloc(FG_CAP_VBA_LINE), *ls = malloc(FG_CAP_VBA_LINE);
    int rc = FG_OK;
    if (!L || !buf || !lc || !ls) {
        rc = FG_ENOMEM;
        goto out;
    }
    L->t = buf, L->lc = lc, L->ls = ls;
    const char *t = (const char *)text;
    size_t pos = 0, blen = 0;
    unsigned lineno = 0, joins = 0, first = 1;
    while (pos < n) {
        size_t e = pos;
        while (e < n && t[e] != '\n' && t[e] != '\r')
            e++;
        size_t next = e < n ? e + 1 : e;
        if (e < n && t[e] == '\r' && next < n && t[next] == '\n')
            next++;
        if (++lineno % 4096 == 0 && fg_ctx_expired(ctx)) {
            rc = FG_ETIMEOUT;
            goto out;
        }
        size_t le = e;
        while (le > pos && is_space((unsigned char)t[le - 1]))
            le--;
        int cont = le > pos && t[le - 1] == '_' &&
                   (le - 1 == pos || is_space((unsigned char)t[le - 2])) && joins < FG_CAP_VBA_JOINS;
        size_t end = cont ? le - 1 : e;
        for (size_t p = pos; p < end;) {
            size_t take = end - p < FG_CAP_VBA_LINE - blen ? end - p : FG_CAP_VBA_LINE - blen;
            memcpy(buf + blen, t + p, take);
            blen += take;
            p += take;
            if (blen == FG_CAP_VBA_LINE) { /* a crafted line: analysed in pieces, time checked */
                L->full = blen, L->lineno = first;
                analyse_line(ms, L);
                blen = 0;
                if (fg_ctx_expired(ctx)) {
                    rc = FG_ETIMEOUT;
                    goto out;
                }
            }
        }
        pos = next;
        if (cont && pos < n) {
            joins++;
            if (blen < FG_CAP_VBA_LINE)
                buf[blen++] = ' ';
            continue;
        }
        L->full = blen, L->lineno = first;
        analyse_line(ms, L);
        blen = 0, joins = 0, first = lineno + 1;
    }
    finish_module(ms);
out:
    free(L);
    free(buf);
    free(lc);
    free(ls);
    return rc;
}

/* ---- findings ---- */

static const struct hit *first_of(const struct mscan *ms, int autoexec)
{
    for (size_t i = 0; i < ms->nhits; i++)
        if (autoexec ? ms->hits[i].cat == C_AUTOEXEC : ms->hits[i].action)
            return &ms->hits[i];
    return NULL;
}

static void report_combination(struct fg_ctx *ctx, struct fg_obj *obj, const struct hit *trig,
                               const struct hit *act, const char *where)
{
    char ev[FG_CAP_EVIDENCE];
    snprintf(ev, sizeof ev, "%.250s ; %.250s", trig->ev, act->ev);
    fg_finding_add(ctx, obj, "vba.autoexec-action", FG_SEV_HIGH, 0, ev,
                   "auto-run macro together with an action%s: %s", where, act->what);
}

static void report_module(struct fg_ctx *ctx, struct fg_obj *obj, const struct mscan *ms)
{
    if (ms->code_lines) {
        char ev[FG_CAP_EVIDENCE];
        snprintf(ev, sizeof ev, "%s: %u line(s) of code", ms->name, ms->code_lines);
        fg_finding_add(ctx, obj, "vba.macros", FG_SEV_INFO, 0, ev, "VBA macro source");
    }
    for (size_t i = 0; i < ms->nhits; i++) {
        const struct hit *h = &ms->hits[i];
        if (h->cat == C_IOC) {
            char ev[FG_CAP_EVIDENCE];
            snprintf(ev, sizeof ev, "%.127s (%.380s)", h->val, h->ev);
            fg_finding_add(ctx, obj, cat_id[h->cat], (enum fg_severity)h->sev, 0, ev, "%s",
                           h->what);
        } else {
            fg_finding_add(ctx, obj, cat_id[h->cat], (enum fg_severity)h->sev, 0, h->ev, "%s",
                           h->what);
        }
    }
    const struct hit *trig = first_of(ms, 1), *act = first_of(ms, 0);
    if (trig && act)
        report_combination(ctx, obj, trig, act, "");
}

/* A module's source as a "vba" object. */
static int run_module(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct mscan *ms = calloc(1, sizeof *ms);
    if (!ms)
        return FG_ENOMEM;
    ms->name = obj->name ? obj->name : "-";
    int rc = scan_module(ctx, ms, obj->data, obj->len);
    if (rc == FG_OK)
        report_module(ctx, obj, ms);
    free(ms);
    return rc;
}

/*
 * The whole project, on the OLE2 object.  Each module reports its own findings (run_module),
 * and the trigger-plus-action rule within one module too.  But a trigger in ThisDocument
 * that calls a procedure in Module1 is the usual layout of a malicious document, and the
 * module objects are analysed one by one, so only the project's file can see both: this pass
 * re-reads the modules through unpack_vba.c and reports only that cross-module case, on the
 * OLE2 object that holds the project.
 */
struct project_scan {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    struct mscan *ms;
    unsigned project;
    int started, both_in_one;
    struct hit trig, act;
    int has_trig, has_act;
};

static void project_done(struct project_scan *ps)
{
    if (ps->started && ps->has_trig && ps->has_act && !ps->both_in_one)
        report_combination(ps->ctx, ps->obj, &ps->trig, &ps->act, " in another module");
    ps->started = ps->has_trig = ps->has_act = ps->both_in_one = 0;
}

static int project_module(void *arg, const struct fg_vba_module *m)
{
    struct project_scan *ps = arg;
    if (ps->started && m->project != ps->project)
        project_done(ps);
    ps->started = 1;
    ps->project = m->project;
    memset(ps->ms, 0, sizeof *ps->ms);
    ps->ms->name = m->name;
    int rc = scan_module(ps->ctx, ps->ms, m->text, m->len);
    if (rc)
        return rc;
    const struct hit *trig = first_of(ps->ms, 1), *act = first_of(ps->ms, 0);
    ps->both_in_one |= trig && act;
    if (trig && !ps->has_trig)
        ps->trig = *trig, ps->has_trig = 1;
    if (act && !ps->has_act)
        ps->act = *act, ps->has_act = 1;
    return FG_OK;
}

static int run_project(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct project_scan ps = {.ctx = ctx, .obj = obj};
    if (!(ps.ms = calloc(1, sizeof *ps.ms)))
        return FG_ENOMEM;
    int rc = fg_vba_foreach(ctx, obj, 0, project_module, &ps);
    if (rc == FG_OK)
        project_done(&ps);
    free(ps.ms);
    return rc == FG_ETIMEOUT || rc == FG_ENOMEM ? rc : FG_OK;
}

static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    return strcmp(obj->type, "vba") ? run_project(ctx, obj) : run_module(ctx, obj);
}

static const char *const vba_types[] = {"vba", "ole2", NULL};

const struct fg_analyzer fg_an_vba = {
    .name = "vba",
    .types = vba_types,
    .run = run,
};
