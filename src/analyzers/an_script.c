/*
 * an_script.c - Windows scripts: VBScript, JScript run by the Windows Script Host, HTA,
 * PowerShell and batch.  Reports download cradles, program execution, encoded PowerShell
 * commands (decoded into the evidence) and obfuscation, each with the line that shows it.
 *
 * The language comes from the name's extension, else from the first lines of the content.
 * Web JavaScript and POSIX shell scripts are left alone: fetching a URL is what a web page
 * or a Debian maintainer script does every day, and only the Windows hosts (ActiveX,
 * WScript) turn a download into a dropper.  Work is linear in the bytes examined, which
 * are capped at SCRIPT_MAX.
 */
#define _GNU_SOURCE
#include "analyzer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCRIPT_MAX (4u << 20) /* bytes of a script examined */
#define SNIFF_LINES 60        /* non-blank lines read to guess a language from content */
#define EVIDENCE_MAX 300      /* bytes of a line quoted as evidence */
#define LONG_LITERAL 1024     /* a base64 or hex run this long is a hidden payload */
#define B64_MIN 20            /* shortest argument of -EncodedCommand we decode */
#define DECODE_MAX 4096       /* base64 characters of such an argument decoded */

enum { L_VBS = 1, L_JS = 2, L_PS = 4, L_BAT = 8, L_ALL = 15, L_HTA = 16 };

/* What a line can show.  The first five are reported; the rest only combine. */
enum { C_DL, C_EX, C_ENC, C_OBF, C_HIDE, C_XHR, C_STREAM, C_WSHELL, C_RUN, NCAT };

#define P_WORD 1 /* no letter, digit, '_' or '-' may touch the match */
#define P_HTTP 2 /* only on a line that holds a URL */

struct pat {
    const char *s;    /* lower case */
    const char *also; /* must also be on the line, or NULL */
    unsigned char cat, langs, flags;
};

static const struct pat pats[] = {
    {"net.webclient", NULL, C_DL, L_ALL, 0},
    {"downloadstring", NULL, C_DL, L_ALL, 0},
    {"downloadfile", NULL, C_DL, L_ALL, 0},
    {"downloaddata", NULL, C_DL, L_ALL, 0},
    {"invoke-webrequest", NULL, C_DL, L_ALL, 0},
    {"invoke-restmethod", NULL, C_DL, L_ALL, 0},
    {"iwr", NULL, C_DL, L_ALL, P_WORD},
    {"start-bitstransfer", NULL, C_DL, L_ALL, 0},
    {"urldownloadtofile", NULL, C_DL, L_ALL, 0},
    {"certutil", "urlcache", C_DL, L_ALL, 0},
    {"bitsadmin", "/transfer", C_DL, L_ALL, 0},
    {"curl", NULL, C_DL, L_ALL, P_WORD | P_HTTP},
    {"wget", NULL, C_DL, L_ALL, P_WORD | P_HTTP},
    {"xmlhttp", NULL, C_XHR, L_VBS | L_JS, 0},
    {"winhttprequest", NULL, C_XHR, L_VBS | L_JS, 0},
    {"adodb.stream", NULL, C_STREAM, L_VBS | L_JS, 0},
    {"wscript.shell", NULL, C_WSHELL, L_VBS | L_JS, 0},
    {".run", NULL, C_RUN, L_VBS | L_JS, P_WORD},
    {".exec", NULL, C_RUN, L_VBS | L_JS, P_WORD},
    {"shellexecute", NULL, C_EX, L_ALL, 0},
    {"invoke-expression", NULL, C_EX, L_ALL, 0},
    {"iex", NULL, C_EX, L_ALL, P_WORD},
    {"start-process", NULL, C_EX, L_ALL, 0},
    {"diagnostics.process]::start", NULL, C_EX, L_ALL, 0},
    {"cmd /c", NULL, C_EX, L_ALL, P_WORD},
    {"cmd.exe /c", NULL, C_EX, L_ALL, P_WORD},
    {"cmd /k", NULL, C_EX, L_ALL, P_WORD},
    {"cmd.exe /k", NULL, C_EX, L_ALL, P_WORD},
    {"powershell", NULL, C_EX, L_VBS | L_JS | L_BAT, P_WORD},
    {"pwsh", NULL, C_EX, L_VBS | L_JS | L_BAT, P_WORD},
    {"rundll32", NULL, C_EX, L_ALL, P_WORD},
    {"regsvr32", NULL, C_EX, L_ALL, P_WORD},
    {"mshta", NULL, C_EX, L_ALL, P_WORD},
    {"wmic", "call create", C_EX, L_ALL, P_WORD},
    {"win32_process", "create", C_EX, L_ALL, 0},
    {"frombase64string", NULL, C_ENC, L_ALL, 0},
    /* certutil decodes a payload that came as text (base64 or hex) into a program: */
    {"certutil", "-decode", C_ENC, L_ALL, P_WORD},
    {"certutil", "/decode", C_ENC, L_ALL, P_WORD},
    {"strreverse", NULL, C_OBF, L_VBS, 0},
    {".reverse().join", NULL, C_OBF, L_JS, 0},
    {"[array]::reverse", NULL, C_OBF, L_PS, 0},
    {"-w hidden", NULL, C_HIDE, L_ALL, 0},
    {"-wi hidden", NULL, C_HIDE, L_ALL, 0},
    {"-win hidden", NULL, C_HIDE, L_ALL, 0},
    {"-window hidden", NULL, C_HIDE, L_ALL, 0},
    {"-windowstyle hidden", NULL, C_HIDE, L_ALL, 0},
    {"-windowstyle 1", NULL, C_HIDE, L_ALL, P_WORD},
};

struct state {
    unsigned langs;
    const uint8_t *raw;   /* the sample */
    const char *low;      /* its lower-case copy */
    size_t n;
    int hit[NCAT];
    char ev[NCAT][EVIDENCE_MAX + 1];
    char decoded[512];    /* an encoded PowerShell command, as text */
    int encoded_ps;
    size_t chr_total;
};

static int is_ident(int c) { return isalnum(c) || c == '_' || c == '-'; }

static int word_ok(const char *line, size_t len, size_t at, size_t plen, const char *p)
{
    if (is_ident((unsigned char)p[0]) && at > 0 && is_ident((unsigned char)line[at - 1]))
        return 0;
    return at + plen >= len ||
           (!isalnum((unsigned char)line[at + plen]) && line[at + plen] != '_');
}

/* Does 'p' occur in the line (with word boundaries if asked)? */
static int line_has(const char *line, size_t len, const char *p, int word)
{
    size_t pl = strlen(p), off = 0;
    while (off < len) {
        const char *m = memmem(line + off, len - off, p, pl);
        if (!m)
            return 0;
        size_t at = (size_t)(m - line);
        if (!word || word_ok(line, len, at, pl, p))
            return 1;
        off = at + 1;
    }
    return 0;
}

static size_t count_of(const char *line, size_t len, const char *p)
{
    size_t pl = strlen(p), off = 0, k = 0;
    const char *m;
    while (off < len && (m = memmem(line + off, len - off, p, pl))) {
        k++;
        off = (size_t)(m - line) + pl;
    }
    return k;
}

static void note(struct state *st, int cat, size_t start, size_t len)
{
    if (st->hit[cat]++)
        return;
    while (len && isspace(st->raw[start])) {
        start++;
        len--;
    }
    while (len && isspace(st->raw[start + len - 1]))
        len--;
    size_t l = len < EVIDENCE_MAX ? len : EVIDENCE_MAX;
    memcpy(st->ev[cat], st->raw + start, l);
    st->ev[cat][l] = 0;
}

/* ---- encoded PowerShell commands ---- */

static int b64val(int c)
{
    return c >= 'A' && c <= 'Z'   ? c - 'A'
           : c >= 'a' && c <= 'z' ? c - 'a' + 26
           : c >= '0' && c <= '9' ? c - '0' + 52
           : c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes base64 read as UTF-16LE text into 'out'.  Returns 1 if it is printable ASCII
 * text, as an encoded command is; random base64 is not. */
static int decode_utf16_b64(const uint8_t *s, size_t n, char *out, size_t cap)
{
    unsigned acc = 0, bits = 0;
    size_t o = 0, bytes = 0, good = 0, total = 0;
    int lo = 0;
    if (n > DECODE_MAX)
        n = DECODE_MAX;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(s[i]);
        if (v < 0)
            break;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits < 8)
            continue;
        bits -= 8;
        int b = (int)(acc >> bits) & 0xFF;
        if (bytes++ % 2 == 0) {
            lo = b;
            continue;
        }
        total++;
        if (b == 0 && (isprint(lo) || lo == '\t' || lo == '\r' || lo == '\n')) {
            good++;
            if (o + 1 < cap)
                out[o++] = isprint(lo) ? (char)lo : ' ';
        }
    }
    out[o] = 0;
    return total >= 4 && good * 10 >= total * 9;
}

/* "-e", "-enc", "-EncodedCommand" (any prefix of it, as PowerShell accepts) and a base64
 * argument. */
static void find_encoded(struct state *st, const char *line, size_t len, size_t start)
{
    static const char full[] = "encodedcommand";
    for (size_t i = 0; i + 2 < len; i++) {
        if (line[i] != '-' || line[i + 1] != 'e' || (i && !isspace((unsigned char)line[i - 1]) &&
                                                     line[i - 1] != '"' && line[i - 1] != '\''))
            continue;
        size_t j = i + 1;
        while (j < len && j - i - 1 < sizeof full - 1 && line[j] == full[j - i - 1])
            j++;
        if (j >= len || !isspace((unsigned char)line[j]))
            continue;
        while (j < len && isspace((unsigned char)line[j]))
            j++;
        if (j < len && (line[j] == '"' || line[j] == '\''))
            j++;
        size_t k = j;
        while (k < len && (b64val(st->raw[start + k]) >= 0 || st->raw[start + k] == '='))
            k++;
        if (k - j < B64_MIN)
            continue;
        char text[sizeof st->decoded];
        if (!decode_utf16_b64(st->raw + start + j, k - j, text, sizeof text))
            continue;
        if (!st->encoded_ps) {
            st->encoded_ps = 1;
            snprintf(st->decoded, sizeof st->decoded, "%s", text);
            note(st, C_ENC, start, len);
        }
        return;
    }
}

/* ---- obfuscation ---- */

static int long_literal(const uint8_t *s, size_t len)
{
    size_t b64 = 0, hex = 0;
    for (size_t i = 0; i < len; i++) {
        b64 = b64val(s[i]) >= 0 || s[i] == '=' ? b64 + 1 : 0;
        hex = isxdigit(s[i]) ? hex + 1 : 0;
        if (b64 >= LONG_LITERAL || hex >= LONG_LITERAL)
            return 1;
    }
    return 0;
}

static int obfuscated_line(struct state *st, const char *line, size_t len, size_t start)
{
    size_t chr = count_of(line, len, "chr(") + count_of(line, len, "chrw(") +
                 count_of(line, len, "chrb(") + count_of(line, len, "[char]");
    st->chr_total += chr;
    if (chr >= 10 || st->chr_total >= 40)
        return 1;
    if ((st->langs & L_JS) && line_has(line, len, "fromcharcode", 0) &&
        (count_of(line, len, ",") >= 15 || count_of(line, len, "fromcharcode") >= 10))
        return 1;
    if ((st->langs & L_PS) && count_of(line, len, "-replace") + count_of(line, len, "-join") >= 4)
        return 1;
    size_t carets = 0;
    for (size_t i = 1; i + 1 < len; i++)
        carets += line[i] == '^' && isalpha((unsigned char)line[i - 1]) &&
                  isalpha((unsigned char)line[i + 1]);
    if (carets >= 4)
        return 1;
    if ((st->langs & L_BAT) && count_of(line, len, ":~") >= 4)
        return 1;
    return long_literal(st->raw + start, len);
}

/* A Run(cmd, 0) call: window style 0 is hidden. */
static int run_hidden(const char *line, size_t len)
{
    const char *r = memmem(line, len, ".run", 4);
    if (!r)
        return 0;
    for (size_t i = (size_t)(r - line); i < len; i++) {
        if (line[i] != ',')
            continue;
        size_t j = i + 1;
        while (j < len && line[j] == ' ')
            j++;
        if (j < len && line[j] == '0' && (j + 1 >= len || !isalnum((unsigned char)line[j + 1])))
            return 1;
    }
    return 0;
}

static void scan_line(struct state *st, size_t start, size_t len)
{
    const char *line = st->low + start;
    for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
        const struct pat *p = &pats[k];
        if (!(p->langs & st->langs) || st->hit[p->cat])
            continue;
        if (!line_has(line, len, p->s, p->flags & P_WORD))
            continue;
        if (p->also && !line_has(line, len, p->also, 0))
            continue;
        if ((p->flags & P_HTTP) && !line_has(line, len, "http", 0))
            continue;
        note(st, p->cat, start, len);
    }
    if ((st->langs & (L_VBS | L_JS)) && run_hidden(line, len))
        note(st, C_HIDE, start, len);
    if (!st->encoded_ps)
        find_encoded(st, line, len, start);
    if (!st->hit[C_OBF] && obfuscated_line(st, line, len, start))
        note(st, C_OBF, start, len);
}

/* ---- which language ---- */

static const char *extension(const char *name)
{
    if (!name)
        return "";
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot + 1 : "";
}

static int starts(const char *s, size_t n, const char *p)
{
    size_t l = strlen(p);
    return n >= l && !memcmp(s, p, l);
}

static int has(const struct state *st, const char *p)
{
    return memmem(st->low, st->n, p, strlen(p)) != NULL;
}

static int wsh_js(const struct state *st)
{
    return has(st, "activexobject") || has(st, "wscript.") || has(st, "shell.application") ||
           has(st, "new activex");
}

/* Guesses from the first non-blank lines: each language has lines only it starts with. */
static unsigned sniff(const struct state *st)
{
    static const char *const ps_cmds[] = {
        "param(", "param (", "[cmdletbinding", "#requires", "get-", "set-", "new-object",
        "invoke-", "start-", "write-host", "write-output", "import-module", "add-type",
        "remove-item", "copy-item", "new-item", NULL};
    static const char *const vbs_starts[] = {"dim ", "option explicit", "on error resume next",
                                             "wscript.", "set ", "const ", NULL};
    size_t i = 0, lines = 0, ps_cmd = 0, ps_var = 0, vbs = 0, js = 0;
    if (starts(st->low, st->n, "#!")) {
        const char *nl = memchr(st->low, '\n', st->n);
        size_t l = nl ? (size_t)(nl - st->low) : st->n;
        return memmem(st->low, l, "pwsh", 4) || memmem(st->low, l, "powershell", 10) ? L_PS : 0;
    }
    while (i < st->n && lines < SNIFF_LINES) {
        const char *nl = memchr(st->low + i, '\n', st->n - i);
        size_t e = nl ? (size_t)(nl - st->low) : st->n;
        const char *s = st->low + i;
        size_t l = e - i;
        while (l && isspace((unsigned char)*s)) {
            s++;
            l--;
        }
        if (l) {
            lines++;
            if (starts(s, l, "@echo off"))
                return L_BAT;
            if (l > 1 && s[0] == '$' && (isalpha((unsigned char)s[1]) || s[1] == '{') &&
                memchr(s, '=', l))
                ps_var++;
            for (size_t k = 0; ps_cmds[k]; k++)
                ps_cmd += starts(s, l, ps_cmds[k]);
            for (size_t k = 0; vbs_starts[k]; k++)
                vbs += starts(s, l, vbs_starts[k]);
            js += starts(s, l, "var ") || (l && s[l - 1] == ';') ||
                  (l > 1 && s[l - 1] == '\r' && s[l - 2] == ';');
        }
        i = e + 1;
    }
    if ((ps_cmd && ps_var) || ps_cmd >= 2)
        return L_PS;
    if (vbs >= 2 && (has(st, "createobject(") || has(st, "wscript.")) && js < vbs)
        return L_VBS;
    if (js && wsh_js(st))
        return L_JS;
    return 0;
}

static unsigned language(const struct state *st, const struct fg_obj *obj)
{
    const char *e = extension(obj->name);
    const char *t = obj->type ? obj->type : "";
    if (!strcasecmp(e, "hta"))
        return L_VBS | L_JS | L_HTA;
    if (!strcmp(t, "html"))
        return has(st, "<hta:application") || wsh_js(st) || has(st, "\"vbscript\"")
                   ? L_VBS | L_JS | L_HTA : 0;
    if (!strcasecmp(e, "vbs") || !strcasecmp(e, "vbe"))
        return L_VBS;
    if (!strcasecmp(e, "wsf"))
        return L_VBS | L_JS;
    if (!strcasecmp(e, "js") || !strcasecmp(e, "jse"))
        return wsh_js(st) ? L_JS : 0;
    if (!strcasecmp(e, "ps1") || !strcasecmp(e, "psm1") || !strcasecmp(e, "psd1"))
        return L_PS;
    if (!strcasecmp(e, "bat") || !strcasecmp(e, "cmd"))
        return L_BAT;
    if (!strcmp(t, "xml"))
        return 0; /* only a .wsf is a script among XML files */
    return sniff(st);
}

static const char *lang_name(unsigned l)
{
    return l & L_HTA ? "HTA" : l & L_PS ? "PowerShell" : l & L_BAT ? "batch"
           : l == (L_VBS | L_JS) ? "WSF" : l & L_VBS ? "VBScript" : "JScript";
}

/* ---- the verdict ---- */

static void report(struct fg_ctx *ctx, struct fg_obj *obj, struct state *st)
{
    if (st->hit[C_XHR] && st->hit[C_STREAM] && !st->hit[C_DL])
        memcpy(st->ev[C_DL], st->ev[C_XHR], sizeof st->ev[C_DL]), st->hit[C_DL] = 1;
    if (st->hit[C_WSHELL] && st->hit[C_RUN] && !st->hit[C_EX])
        memcpy(st->ev[C_EX], st->ev[C_RUN], sizeof st->ev[C_EX]), st->hit[C_EX] = 1;
    int dl = !!st->hit[C_DL], ex = !!st->hit[C_EX], obf = !!st->hit[C_OBF];
    int hidden = !!st->hit[C_HIDE];
    if (!dl && !ex && !st->hit[C_ENC] && !obf)
        return;
    int high = (dl && ex) || st->encoded_ps || (hidden && (dl || ex) && obf);
    enum fg_severity sev = high ? FG_SEV_HIGH : FG_SEV_MEDIUM;
    const char *lang = lang_name(st->langs);
    if (dl)
        fg_finding_add(ctx, obj, "script.download", sev, 0, st->ev[C_DL],
                       "%s script downloads from the network%s", lang,
                       ex ? " and runs programs" : "");
    if (ex)
        fg_finding_add(ctx, obj, "script.execute", sev, 0, st->ev[C_EX],
                       "%s script runs a program%s", lang,
                       hidden ? " with a hidden window" : "");
    if (st->hit[C_ENC]) {
        if (st->encoded_ps) {
            char ev[EVIDENCE_MAX + sizeof st->decoded + 16];
            snprintf(ev, sizeof ev, "%s => decoded: %s", st->ev[C_ENC], st->decoded);
            fg_finding_add(ctx, obj, "script.encoded", sev, 0, ev,
                           "%s script runs an encoded PowerShell command", lang);
        } else {
            fg_finding_add(ctx, obj, "script.encoded", sev, 0, st->ev[C_ENC],
                           "%s script decodes base64 data", lang);
        }
    }
    if (obf)
        fg_finding_add(ctx, obj, "script.obfuscation", sev, 0, st->ev[C_OBF],
                       "%s script hides its text (character codes, reversal, splicing, "
                       "long encoded literals)", lang);
}

static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    if (!obj->data || !obj->len)
        return FG_OK;
    struct state *st = calloc(1, sizeof *st);
    if (!st)
        return FG_ENOMEM;
    int rc = FG_OK;
    st->n = obj->len < SCRIPT_MAX ? obj->len : SCRIPT_MAX;
    st->raw = obj->data;
    char *low = malloc(st->n + 1);
    if (!low) {
        rc = FG_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < st->n; i++)
        low[i] = (char)tolower(obj->data[i]);
    low[st->n] = 0;
    st->low = low;
    st->langs = language(st, obj);
    if (!st->langs)
        goto out;
    for (size_t i = 0; i < st->n;) {
        const char *nl = memchr(low + i, '\n', st->n - i);
        size_t e = nl ? (size_t)(nl - low) : st->n;
        scan_line(st, i, e - i);
        i = e + 1;
    }
    report(ctx, obj, st);
out:
    free(low);
    free(st);
    return rc;
}

static const char *const types[] = {"text", "script", "html", "xml", NULL};

const struct fg_analyzer fg_an_script = {
    .name = "script",
    .types = types,
    .run = run,
};
