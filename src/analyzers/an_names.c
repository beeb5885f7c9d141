/*
 * an_names.c - names that lie about what a file is: double extensions ("請求書.pdf.exe",
 * "invoice.doc      .scr"), direction overrides that reverse part of a name on screen
 * ("invoice<U+202E>fdp.exe" shows as "invoiceexe.pdf"), and executables whose name claims
 * a document or picture.
 *
 * It looks at every object's name: a member's name as its container gave it, and for the
 * input itself its base name.  Member names reach us sanitised by fg_emit_child(), which
 * writes direction and invisible characters as "\u{NNNN}" and bytes that are not UTF-8 as
 * "\xNN"; the input's own name is the raw path.  So both forms are decoded back into code
 * points here, and the checks work on code points.  (A name that literally holds the text
 * "\u{202E}" is treated like one holding the character: either way it is meant to be read
 * as one, and no ordinary file is named like that.)
 */
#include "analyzer.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NAME_CPS 1024 /* code points of a base name examined; a longer name keeps its end */
#define OPAQUE 0xFFFFFFFFu /* a byte that was not UTF-8 */

struct cpname {
    uint32_t cp[NAME_CPS];
    size_t n;
};

static int hexval(uint8_t c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One code point at s (n bytes left): a \u{...} or \xNN escape, or UTF-8.  Returns the
 * bytes it took (at least 1). */
static size_t decode_one(const uint8_t *s, size_t n, uint32_t *cp)
{
    if (s[0] == '\\' && n >= 4 && s[1] == 'x' && hexval(s[2]) >= 0 && hexval(s[3]) >= 0) {
        int v = hexval(s[2]) << 4 | hexval(s[3]);
        *cp = v < 0x20 || v == 0x7F ? (uint32_t)v : OPAQUE;
        return 4;
    }
    if (s[0] == '\\' && n >= 5 && s[1] == 'u' && s[2] == '{') {
        uint32_t v = 0;
        size_t i = 3;
        while (i < n && i < 10 && hexval(s[i]) >= 0)
            v = v << 4 | (uint32_t)hexval(s[i++]);
        if (i > 3 && i < n && s[i] == '}' && v <= 0x10FFFF) {
            *cp = v;
            return i + 1;
        }
    }
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t l = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!l || l > n) {
        *cp = OPAQUE;
        return 1;
    }
    uint32_t v = s[0] & (0x7F >> l);
    for (size_t i = 1; i < l; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = OPAQUE;
            return 1;
        }
        v = v << 6 | (s[i] & 0x3F);
    }
    *cp = v;
    return l;
}

/* The last path component of a name, decoded; of a longer one, its last NAME_CPS code
 * points (kept in a ring, then put in order).  Separators are '/' and a backslash that does
 * not start an escape. */
static void base_name(const char *name, struct cpname *out)
{
    const uint8_t *s = (const uint8_t *)name;
    size_t n = strlen(name), i = 0, total = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = decode_one(s + i, n - i, &cp);
        if (l == 1 && (s[i] == '/' || s[i] == '\\'))
            total = 0; /* a directory ended */
        else
            out->cp[total++ % NAME_CPS] = cp;
        i += l;
    }
    out->n = total < NAME_CPS ? total : NAME_CPS;
    if (total > NAME_CPS) {
        uint32_t tmp[NAME_CPS];
        size_t head = total % NAME_CPS;
        memcpy(tmp, out->cp + head, (NAME_CPS - head) * sizeof tmp[0]);
        memcpy(tmp + NAME_CPS - head, out->cp, head * sizeof tmp[0]);
        memcpy(out->cp, tmp, sizeof tmp);
    }
}

/* Overrides, embeddings and isolates change the order in which a name is shown. */
static int is_direction_control(uint32_t c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/* Marks that only nudge neutral characters; Arabic and Hebrew names carry them. */
static int is_direction_mark(uint32_t c) { return c == 0x200E || c == 0x200F || c == 0x061C; }

/* Characters that show as nothing (or as blank space) and can pad or split a name.  Zero-
 * width joiners are left out: Indic and Persian text and emoji need them. */
static int is_invisible(uint32_t c)
{
    return c == 0x200B || c == 0x2060 || c == 0xFEFF || c == 0x00AD || c == 0x180E ||
           c == 0x3164 || c == 0x115F || c == 0x1160 || c == 0xFFA0 || c == 0x2800;
}

static int is_blank(uint32_t c)
{
    return c == ' ' || c == '\t' || c == 0xA0 || (c >= 0x2000 && c <= 0x200A) || c == 0x3000 ||
           c == 0x202F || c == 0x205F || is_invisible(c) || is_direction_mark(c);
}

/* ---- extensions ---- */

static const char *const exec_exts[] = {
    "exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "wsf", "wsh", "ws",
    "hta", "lnk", "ps1", "psm1", "msi", "msp", "mst", "cpl", "jar", "iso", "img", "vhd", "vhdx",
    "reg", "dll", "ocx", "chm", "url", "scf", "inf", "msc", "sct", "xll", "gadget", "application",
    "appref-ms", "settingcontent-ms", "library-ms", "search-ms", "appx", "msix", "msixbundle",
    "appinstaller", "xbap", "ade", "adp", "mde", "accde", "diagcab", "wim", NULL};

/* What a victim expects to open harmlessly.  "web" ones only count in front of a native
 * executable extension: build tools name compiled templates "page.html.js". */
static const char *const doc_exts[] = {
    "pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pptm", "rtf", "odt",
    "ods", "odp", "txt", "csv", "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "heic",
    "ico", "mp3", "mp4", "avi", "mov", "wav", "wmv", "mkv", "zip", "rar", "7z", "eml", "msg",
    "one", "xps", "hwp", NULL};
static const char *const web_exts[] = {"htm", "html", "xml", "svg", NULL};
/* Formats a shell script could not be mistaken for by accident. */
static const char *const binary_doc_exts[] = {
    "pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pptm", "rtf", "odt",
    "ods", "odp", "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "heic", "mp3",
    "mp4", "avi", "mov", "wav", "zip", "rar", "7z", "xps", NULL};
/* Script hosts run these by name alone; a native loader needs more than a name. */
static const char *const script_exts[] = {"js", "jse", "vbs", "vbe", "wsf", "wsh", "ws", NULL};

static int in_list(const char *const *list, const char *e)
{
    for (; *list; list++)
        if (!strcasecmp(*list, e))
            return 1;
    return 0;
}

/* Copies an extension (ASCII letters, digits and '-') that spans cp[from, to); returns 0 if
 * the span is not one. */
static int ext_at(const struct cpname *nm, size_t from, size_t to, char *out, size_t cap)
{
    if (to <= from || to - from >= cap)
        return 0;
    for (size_t i = from; i < to; i++) {
        uint32_t c = nm->cp[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return 0;
        out[i - from] = (char)c;
    }
    out[to - from] = 0;
    return 1;
}

struct exts {
    char last[24], prev[8];
    int has_prev;
    size_t padding; /* blank or invisible characters just before the last dot */
};

static int split_exts(const struct cpname *nm, struct exts *x)
{
    memset(x, 0, sizeof *x);
    size_t end = nm->n;
    /* Windows drops trailing dots and spaces: "a.exe. " runs as "a.exe". */
    while (end && (nm->cp[end - 1] == '.' || nm->cp[end - 1] == ' '))
        end--;
    size_t dot = end;
    while (dot && nm->cp[dot - 1] != '.')
        dot--;
    if (!dot || dot == 1 || !ext_at(nm, dot, end, x->last, sizeof x->last))
        return 0;
    size_t stem_end = dot - 1;
    while (stem_end && is_blank(nm->cp[stem_end - 1])) {
        stem_end--;
        x->padding++;
    }
    size_t pdot = stem_end;
    while (pdot && nm->cp[pdot - 1] != '.' && stem_end - pdot < 8)
        pdot--;
    if (pdot > 1 && nm->cp[pdot - 1] == '.' && ext_at(nm, pdot, stem_end, x->prev, sizeof x->prev))
        x->has_prev = 1;
    return 1;
}

/* ---- evidence ---- */

static size_t put_cp(char *o, uint32_t cp)
{
    return fg_utf8_put(o, cp == OPAQUE ? '?' : cp);
}

/* The name as written (escapes and all, so nothing hides) into 'out'. */
static void shown_raw(const struct cpname *nm, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < nm->n; i++) {
        char tmp[16];
        uint32_t c = nm->cp[i];
        size_t l = is_direction_control(c) || is_direction_mark(c) || is_invisible(c) || c < 0x20
                       ? (size_t)snprintf(tmp, sizeof tmp, "\\u{%04X}", (unsigned)c)
                       : put_cp(tmp, c);
        if (o + l + 1 > cap)
            break;
        memcpy(out + o, tmp, l);
        o += l;
    }
    out[o] = 0;
}

/* Roughly what a file manager shows: the text after a right-to-left override (up to the
 * pop) reversed, every control left out.  Enough to show what the victim reads. */
static void shown_visual(const struct cpname *nm, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    while (i < nm->n) {
        uint32_t c = nm->cp[i];
        if (c == 0x202E) {
            size_t j = i + 1;
            while (j < nm->n && nm->cp[j] != 0x202C)
                j++;
            for (size_t k = j; k > i + 1; k--) {
                uint32_t r = nm->cp[k - 1];
                if (is_direction_control(r) || is_direction_mark(r) || is_invisible(r))
                    continue;
                if (o + 5 > cap)
                    goto done;
                o += put_cp(out + o, r);
            }
            i = j + 1;
            continue;
        }
        if (!is_direction_control(c) && !is_direction_mark(c) && !is_invisible(c)) {
            if (o + 5 > cap)
                goto done;
            o += put_cp(out + o, c);
        }
        i++;
    }
done:
    out[o] = 0;
}

/* ---- the checks ---- */

static void check_direction(struct fg_ctx *ctx, struct fg_obj *obj, const struct cpname *nm)
{
    int control = 0, invisible = 0, mark = 0;
    for (size_t i = 0; i < nm->n; i++) {
        control |= is_direction_control(nm->cp[i]);
        invisible |= is_invisible(nm->cp[i]);
        mark |= is_direction_mark(nm->cp[i]);
    }
    if (!control && !invisible && !mark)
        return;
    char raw[512], vis[400], ev[1024];
    shown_raw(nm, raw, sizeof raw);
    shown_visual(nm, vis, sizeof vis);
    snprintf(ev, sizeof ev, "%s (shown as \"%s\")", raw, vis);
    if (control)
        fg_finding_add(ctx, obj, "name.rtlo", FG_SEV_HIGH, 0, ev,
                       "name holds a direction override that changes how it is displayed");
    else if (invisible)
        fg_finding_add(ctx, obj, "name.rtlo", FG_SEV_LOW, 0, ev,
                       "name holds invisible characters");
    else
        fg_finding_add(ctx, obj, "name.rtlo", FG_SEV_INFO, 0, ev,
                       "name holds direction marks (usual in right-to-left scripts)");
}

static void check_double_ext(struct fg_ctx *ctx, struct fg_obj *obj, const struct cpname *nm,
                             const struct exts *x)
{
    int exec = in_list(exec_exts, x->last);
    int decoy = x->has_prev &&
                (in_list(doc_exts, x->prev) ||
                 (!in_list(script_exts, x->last) && in_list(web_exts, x->prev)));
    /* Padding pushes the real extension out of sight in a narrow column of a mail client. */
    int padded = x->padding >= 3;
    if (exec ? !(decoy || padded) : !padded)
        return;
    char raw[512];
    shown_raw(nm, raw, sizeof raw);
    if (exec)
        fg_finding_add(ctx, obj, "name.double-extension", FG_SEV_HIGH, 0, raw,
                       "executable extension .%s %s", x->last,
                       decoy ? "behind a document extension" : "pushed out of sight by padding");
    else
        fg_finding_add(ctx, obj, "name.double-extension", FG_SEV_LOW, 0, raw,
                       "extension .%s pushed out of sight by padding", x->last);
}

static void check_disguise(struct fg_ctx *ctx, struct fg_obj *obj, const struct cpname *nm,
                           const struct exts *x)
{
    const char *t = obj->type ? obj->type : "";
    int native = !strcmp(t, "pe") || !strcmp(t, "elf");
    int script = !strcmp(t, "script");
    if (!(native && (in_list(doc_exts, x->last) || in_list(web_exts, x->last))) &&
        !(script && in_list(binary_doc_exts, x->last)))
        return;
    char raw[512], ev[600];
    shown_raw(nm, raw, sizeof raw);
    snprintf(ev, sizeof ev, "%s (content: %s)", raw, t);
    fg_finding_add(ctx, obj, "name.disguised-executable", FG_SEV_HIGH, 0, ev,
                   "%s program named like a .%s file", native ? "an executable" : "a script",
                   x->last);
}

static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    if (!obj->name || !*obj->name || (obj->depth == 0 && !strcmp(obj->name, "-")))
        return FG_OK;
    struct cpname nm;
    base_name(obj->name, &nm);
    if (!nm.n)
        return FG_OK;
    check_direction(ctx, obj, &nm);
    struct exts x;
    if (!split_exts(&nm, &x))
        return FG_OK;
    check_double_ext(ctx, obj, &nm, &x);
    check_disguise(ctx, obj, &nm, &x);
    return FG_OK;
}

const struct fg_analyzer fg_an_names = {
    .name = "names",
    .types = NULL,
    .run = run,
};
