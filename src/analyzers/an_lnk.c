/*
 * an_lnk.c - Windows shortcuts (.lnk, MS-SHLLINK) and the disk images that carry them.
 *
 * The Shell Link format is parsed here, by our own reader (no library), every read through
 * a bounded struct fg_view: header, the LinkTargetIDList (skipped by its size), LinkInfo's
 * local base path, the StringData strings and the EnvironmentVariableDataBlock.  What the
 * shortcut runs is judged by its target and arguments: a scripting or download host with a
 * hidden window, an encoded command or a URL is how shortcut droppers work.  On an ISO 9660
 * image the directory tree is walked (names only) for a .lnk next to a .dll.
 */
#include "analyzer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/buf.h"

#define LNK_HEADER_SIZE 0x4C
#define LNK_LONG_ARGS 1024 /* longer arguments hide past the properties dialog's field */

/* LinkFlags */
#define F_IDLIST 0x1
#define F_LINKINFO 0x2
#define F_NAME 0x4
#define F_RELPATH 0x8
#define F_WORKDIR 0x10
#define F_ARGS 0x20
#define F_ICON 0x40
#define F_UNICODE 0x80
#define F_EXPSTRING 0x200

#define SW_SHOWMINNOACTIVE 7
#define SIG_ENV_BLOCK 0xA0000001u

static const uint8_t lnk_clsid[16] = {0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

enum { S_NAME, S_RELPATH, S_WORKDIR, S_ARGS, S_ICON, S_COUNT };

struct lnk {
    uint32_t flags;
    uint32_t show;
    char *base_path; /* LinkInfo local base path */
    char *env_target;
    char *str[S_COUNT];
    size_t args_chars; /* length of the arguments in characters, before any cap */
};

static void lnk_free(struct lnk *l)
{
    free(l->base_path);
    free(l->env_target);
    for (int i = 0; i < S_COUNT; i++)
        free(l->str[i]);
}

/* UTF-16LE code units (n of them) to a malloc'ed UTF-8 string; a lone surrogate becomes
 * U+FFFD and a NUL ends the string, as Windows would read it. */
static char *utf16_to_utf8(const uint8_t *p, size_t n)
{
    char *out = malloc(n * 3 + 1);
    size_t o = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[2 * i] | (unsigned)p[2 * i + 1] << 8;
        if (c == 0)
            break;
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n) {
            unsigned d = p[2 * i + 2] | (unsigned)p[2 * i + 3] << 8;
            if (d >= 0xDC00 && d <= 0xDFFF) {
                c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
                i++;
            } else {
                c = 0xFFFD;
            }
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        o += fg_utf8_put(out + o, c);
    }
    out[o] = 0;
    return out;
}

/* An ANSI (code page) string of at most n bytes, up to its NUL. */
static char *ansi_copy(const uint8_t *p, size_t n)
{
    const uint8_t *z = memchr(p, 0, n);
    return fg_str_sanitize(p, z ? (size_t)(z - p) : n, n * 4 + 1);
}

/* LinkInfo: only the local base path matters to us (the Unicode one when present). */
static int parse_linkinfo(const struct fg_view *v, size_t off, struct lnk *l, size_t *next)
{
    uint32_t size, hsize, flags, base_off, base_off_u = 0;
    if (fg_view_u32le(v, off, &size) || size < 0x1C || !fg_view_at(v, off, size))
        return 1;
    *next = off + size;
    struct fg_view li = {v->p + off, size};
    if (fg_view_u32le(&li, 4, &hsize) || fg_view_u32le(&li, 8, &flags) ||
        fg_view_u32le(&li, 16, &base_off))
        return 1;
    if (!(flags & 1))
        return 0; /* a network share only: no local path */
    if (hsize >= 0x24 && !fg_view_u32le(&li, 0x1C, &base_off_u) && base_off_u &&
        base_off_u < size) {
        l->base_path = utf16_to_utf8(li.p + base_off_u, (size - base_off_u) / 2);
        return l->base_path ? 0 : FG_ENOMEM;
    }
    if (base_off && base_off < size) {
        l->base_path = ansi_copy(li.p + base_off, size - base_off);
        return l->base_path ? 0 : FG_ENOMEM;
    }
    return 0;
}

/* StringData: a 16-bit count of characters, then the characters (1 or 2 bytes each). */
static int parse_strings(const struct fg_view *v, size_t *off, struct lnk *l)
{
    static const uint32_t bit[S_COUNT] = {F_NAME, F_RELPATH, F_WORKDIR, F_ARGS, F_ICON};
    size_t unit = l->flags & F_UNICODE ? 2 : 1;
    for (int i = 0; i < S_COUNT; i++) {
        if (!(l->flags & bit[i]))
            continue;
        uint16_t count;
        const uint8_t *p;
        if (fg_view_u16le(v, *off, &count) || !(p = fg_view_at(v, *off + 2, count * unit)))
            return 1;
        *off += 2 + count * unit;
        if (i == S_ARGS)
            l->args_chars = count;
        l->str[i] = unit == 2 ? utf16_to_utf8(p, count) : ansi_copy(p, count);
        if (!l->str[i])
            return FG_ENOMEM;
    }
    return 0;
}

/* ExtraData: size-prefixed blocks up to a terminal block smaller than 4 bytes. */
static int parse_extra(const struct fg_view *v, size_t off, struct lnk *l)
{
    for (int guard = 0; guard < 64; guard++) {
        uint32_t size, sig;
        if (fg_view_u32le(v, off, &size) || size < 8 || !fg_view_at(v, off, size))
            return 0;
        if (fg_view_u32le(v, off + 4, &sig))
            return 0;
        if (sig == SIG_ENV_BLOCK && size >= 0x314 && !l->env_target) {
            const uint8_t *u = v->p + off + 8 + 260;
            l->env_target = u[0] || u[1] ? utf16_to_utf8(u, 260) : ansi_copy(v->p + off + 8, 260);
            if (!l->env_target)
                return FG_ENOMEM;
        }
        off += size;
    }
    return 0;
}

/* Returns 0 when the header and at least part of the rest were read, 1 when the object is
 * not a shortcut we can read, FG_ENOMEM. */
static int lnk_parse(const struct fg_view *v, struct lnk *l)
{
    uint32_t hsize;
    const uint8_t *clsid = fg_view_at(v, 4, 16);
    if (fg_view_u32le(v, 0, &hsize) || hsize != LNK_HEADER_SIZE || !clsid ||
        memcmp(clsid, lnk_clsid, 16) || fg_view_u32le(v, 0x14, &l->flags) ||
        fg_view_u32le(v, 0x3C, &l->show) || !fg_view_at(v, 0, LNK_HEADER_SIZE))
        return 1;
    size_t off = LNK_HEADER_SIZE;
    int rc;
    if (l->flags & F_IDLIST) {
        uint16_t n;
        if (fg_view_u16le(v, off, &n))
            return 0;
        off += 2 + (size_t)n;
    }
    if (l->flags & F_LINKINFO) {
        size_t next;
        rc = parse_linkinfo(v, off, l, &next);
        if (rc == FG_ENOMEM)
            return rc;
        if (rc)
            return 0;
        off = next;
    }
    rc = parse_strings(v, &off, l);
    if (rc == FG_ENOMEM)
        return rc;
    if (rc)
        return 0;
    return parse_extra(v, off, l);
}

/* ---- judging ---- */

static const char *const lolbins[] = {"cmd", "powershell", "pwsh", "mshta", "rundll32",
                                      "regsvr32", "wscript", "cscript", "certutil", "bitsadmin",
                                      "curl", NULL};

static char *lower_dup(const char *s)
{
    char *d = strdup(s ? s : "");
    for (char *p = d; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

/* The program a path names, if it is one of the hosts above: "c:\\windows\\system32\\
 * windowspowershell\\v1.0\\powershell.exe" -> "powershell". */
static const char *lolbin_of_path(const char *lpath)
{
    const char *b = lpath;
    for (const char *p = lpath; *p; p++)
        if (*p == '\\' || *p == '/')
            b = p + 1;
    for (int i = 0; lolbins[i]; i++) {
        size_t n = strlen(lolbins[i]);
        if (!strncmp(b, lolbins[i], n) && (!b[n] || !strcmp(b + n, ".exe")))
            return lolbins[i];
    }
    return NULL;
}

/* A host named inside the arguments (explorer.exe "cmd /c ...", or a path to one). */
static const char *lolbin_in_args(const char *largs)
{
    for (int i = 0; lolbins[i]; i++) {
        size_t n = strlen(lolbins[i]);
        for (const char *p = strstr(largs, lolbins[i]); p; p = strstr(p + 1, lolbins[i])) {
            int start = p == largs || strchr(" \t\"'\\/&|(", p[-1]);
            int end = !p[n] || strchr(" \t\"'.&|", p[n]);
            if (start && end)
                return lolbins[i];
        }
    }
    return NULL;
}

/* A command-line switch: '-' or '/' then a prefix of 'word' at least 'min' long. */
static int has_switch(const char *largs, const char *word, size_t min)
{
    for (const char *p = largs; *p; p++) {
        if ((*p != '-' && *p != '/') || (p != largs && !isspace((unsigned char)p[-1])))
            continue;
        size_t n = strcspn(p + 1, " \t\"");
        if (n >= min && n <= strlen(word) && !strncmp(p + 1, word, n))
            return 1;
    }
    return 0;
}

static void signs_of(const char *largs, uint32_t show, char *out, size_t cap)
{
    size_t carets = 0, pct = 0;
    for (const char *p = largs; *p; p++) {
        carets += *p == '^';
        pct += *p == '%';
    }
    struct {
        int on;
        const char *what;
    } s[] = {
        {show == SW_SHOWMINNOACTIVE, "minimised window"},
        {strstr(largs, "hidden") != NULL || has_switch(largs, "windowstyle", 1) ||
             has_switch(largs, "min", 3),
         "hidden window"},
        {has_switch(largs, "encodedcommand", 1) || has_switch(largs, "ec", 2),
         "encoded command"},
        {strstr(largs, "frombase64string") != NULL, "FromBase64String"},
        {carets >= 3 || pct >= 6 || strstr(largs, ":~") != NULL, "^/% obfuscation"},
        {strstr(largs, "http://") || strstr(largs, "https://") || strstr(largs, "ftp://"),
         "download URL"},
    };
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i].on && o + strlen(s[i].what) + 3 < cap)
            o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? ", " : "", s[i].what);
}

static void report(struct fg_ctx *ctx, struct fg_obj *obj, const struct lnk *l)
{
    const char *target = l->base_path && *l->base_path ? l->base_path
                         : l->env_target && *l->env_target ? l->env_target
                                                           : l->str[S_RELPATH];
    const char *args = l->str[S_ARGS] ? l->str[S_ARGS] : "";
    char *ev = NULL;
    size_t evlen = 0;
    FILE *f = open_memstream(&ev, &evlen);
    if (f) {
        fprintf(f, "target=%s", target ? target : "(none)");
        if (*args)
            fprintf(f, " args=%.400s%s", args, strlen(args) > 400 ? "..." : "");
        if (l->str[S_WORKDIR])
            fprintf(f, " workdir=%s", l->str[S_WORKDIR]);
        if (l->str[S_ICON])
            fprintf(f, " icon=%s", l->str[S_ICON]);
        fprintf(f, " show=%u", (unsigned)l->show);
        fclose(f);
    }
    fg_finding_add(ctx, obj, "lnk.target", FG_SEV_INFO, 0, ev, "Windows shortcut");

    char *lt = lower_dup(target), *la = lower_dup(args);
    if (!lt || !la)
        goto out;
    const char *host = lolbin_of_path(lt);
    if (!host)
        host = lolbin_in_args(la);
    if (!host && lolbin_in_args(lt))
        host = lolbin_in_args(lt); /* a relative target such as "..\\..\\cmd.exe" */
    char signs[160];
    signs_of(la, l->show, signs, sizeof signs);
    int padded = l->args_chars > LNK_LONG_ARGS;
    if (host && (*signs || padded))
        fg_finding_add(ctx, obj, "lnk.suspicious", FG_SEV_HIGH, 0, ev,
                       "shortcut runs %s with %s%s%s", host, signs, *signs && padded ? ", " : "",
                       padded ? "padded arguments" : "");
    else if (host)
        fg_finding_add(ctx, obj, "lnk.suspicious", FG_SEV_MEDIUM, 0, ev,
                       "shortcut runs %s", host);
    else if (padded)
        fg_finding_add(ctx, obj, "lnk.suspicious", FG_SEV_MEDIUM, 0, ev,
                       "shortcut arguments are %zu characters long (hidden from the dialog)",
                       l->args_chars);
out:
    free(lt);
    free(la);
    free(ev);
}

/* ---- ISO 9660: a .lnk beside a .dll ---- */

#define ISO_MAX_DIRS 256

/* Walks the primary volume's directory tree (names only) and sets bit 1 for a .lnk, bit 2
 * for a .dll.  A broken image ends the walk early; it never reads outside the view. */
static unsigned iso_scan_names(const struct fg_view *v, char *lnk_name, size_t cap)
{
    const uint8_t *pvd = fg_view_at(v, 0x8000, 2048);
    uint16_t bs;
    uint32_t ext, len;
    if (!pvd || pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5))
        return 0;
    struct fg_view pv = {pvd, 2048};
    if (fg_view_u16le(&pv, 128, &bs) || !bs || fg_view_u32le(&pv, 156 + 2, &ext) ||
        fg_view_u32le(&pv, 156 + 10, &len))
        return 0;
    struct {
        uint64_t off, len;
    } stack[ISO_MAX_DIRS];
    size_t sp = 0, visited = 0;
    unsigned found = 0;
    stack[sp].off = (uint64_t)ext * bs;
    stack[sp++].len = len;
    while (sp && visited++ < 4 * ISO_MAX_DIRS && found != 3) {
        sp--;
        uint64_t base = stack[sp].off, dlen = stack[sp].len;
        if (base > v->len || dlen > v->len - base)
            continue;
        size_t pos = 0;
        while (pos < dlen) {
            const uint8_t *r = v->p + base + pos;
            if (r[0] == 0 || pos + r[0] > dlen || r[0] < 34) {
                pos = (pos / bs + 1) * bs; /* records do not cross a sector */
                continue;
            }
            size_t nl = r[32];
            if (33 + nl > r[0]) {
                pos += r[0];
                continue;
            }
            const char *nm = (const char *)r + 33;
            if (r[25] & 2) {
                if (nl == 1 && (nm[0] == 0 || nm[0] == 1)) {
                    pos += r[0];
                    continue;
                }
                uint32_t cext = r[2] | r[3] << 8 | r[4] << 16 | (uint32_t)r[5] << 24;
                uint32_t clen = r[10] | r[11] << 8 | r[12] << 16 | (uint32_t)r[13] << 24;
                if (sp < ISO_MAX_DIRS) {
                    stack[sp].off = (uint64_t)cext * bs;
                    stack[sp++].len = clen;
                }
            } else {
                size_t e = nl;
                const char *semi = memchr(nm, ';', nl);
                if (semi)
                    e = (size_t)(semi - nm);
                while (e && nm[e - 1] == '.')
                    e--;
                if (e >= 4 && !strncasecmp(nm + e - 4, ".lnk", 4)) {
                    if (!(found & 1))
                        snprintf(lnk_name, cap, "%.*s", (int)e, nm);
                    found |= 1;
                }
                if (e >= 4 && !strncasecmp(nm + e - 4, ".dll", 4))
                    found |= 2;
            }
            pos += r[0];
        }
    }
    return found;
}

static void check_iso(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct fg_view v = {obj->data, obj->len};
    char name[256] = "";
    if (iso_scan_names(&v, name, sizeof name) == 3)
        fg_finding_add(ctx, obj, "lnk.iso-delivery", FG_SEV_HIGH, 0, name,
                       "disk image holds a shortcut next to a DLL (a mail delivery pattern)");
}

static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    if (!strcmp(obj->type, "iso9660")) {
        check_iso(ctx, obj);
        return FG_OK;
    }
    struct fg_view v = {obj->data, obj->len};
    struct lnk l;
    memset(&l, 0, sizeof l);
    int rc = lnk_parse(&v, &l);
    if (rc == FG_ENOMEM)
        goto out;
    if (rc == 0) {
        report(ctx, obj, &l);
        if (obj->parent && obj->parent->type && !strcmp(obj->parent->type, "iso9660"))
            fg_finding_add(ctx, obj, "lnk.in-image", FG_SEV_MEDIUM, 0, obj->name,
                           "shortcut inside a disk image");
    }
    rc = FG_OK;
out:
    lnk_free(&l);
    return rc;
}

static const char *const types[] = {"lnk", "iso9660", NULL};

const struct fg_analyzer fg_an_lnk = {
    .name = "lnk",
    .types = types,
    .run = run,
};
