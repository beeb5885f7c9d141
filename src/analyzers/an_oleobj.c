/*
 * an_oleobj.c - embedded OLE objects: in RTF, the \object groups (their classes,
 * \objupdate, Equation Editor and OLE2Link objects, control words broken on purpose); in
 * OLE2 compound files, the class ids and stream names of the directory (Equation Editor,
 * OLE2Link with a URL moniker, ActiveX controls); in an OLE1 Package ("\x01Ole10Native"),
 * the name and extension of the file it carries.
 *
 * It owns nothing beyond one call.  The compound file directory is read here, not through
 * libgsf: the analyzer needs only names, class ids and the first bytes of one small stream,
 * and a bounded walk of its own cannot be led astray by what the unpacker already refused.
 */
#include "analyzer.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/buf.h"

static const char *const types[] = {"rtf", "ole2", "ole10native", NULL};

#define RTF_CLASSES 256     /* bytes of the list of \objclass names kept for evidence */
#define RTF_CLASS_NAME 64   /* bytes of one \objclass name */
#define RTF_JUNK_RUN 64     /* empty groups or \'xx escapes in a row inside \objdata */
#define OLE_DIR_ENTRIES 4096 /* directory entries looked at */
#define OLE_CHAIN 65536     /* sectors followed in one chain */

/* ---- RTF ---- */

struct rtfscan {
    const uint8_t *p;
    size_t n, i;
    unsigned depth;
    unsigned objects, objupdate, equation, ole2link;
    unsigned od_depth;      /* depth of the group that opened \objdata, 0: outside */
    unsigned cls_depth;     /* same for \objclass */
    char cls[RTF_CLASS_NAME];
    size_t cls_len;
    char classes[RTF_CLASSES];
    char hexring[24];       /* last hex digits inside \objdata, lower case */
    size_t nhex;
    unsigned junk, run, longword, maxrun;
    char why[160];
};

static void why_add(struct rtfscan *r, const char *what)
{
    if (strstr(r->why, what))
        return;
    size_t used = strlen(r->why);
    snprintf(r->why + used, sizeof r->why - used, "%s%s", used ? "; " : "", what);
}

static void class_done(struct rtfscan *r)
{
    r->cls[r->cls_len] = 0;
    if (!strncasecmp(r->cls, "Equation", 8))
        r->equation++;
    if (!strcasecmp(r->cls, "OLE2Link"))
        r->ole2link++;
    size_t used = strlen(r->classes);
    if (r->cls_len && !strstr(r->classes, r->cls))
        snprintf(r->classes + used, sizeof r->classes - used, "%s%s", used ? ", " : "", r->cls);
    r->cls_depth = 0;
    r->cls_len = 0;
}

/* Hex digits of \objdata in a ring; the class name of an OLE1 object or of an OLE2
 * storage's CompObj stream shows there even when no \objclass says it. */
static void hex_digit(struct rtfscan *r, uint8_t c)
{
    static const char eq[] = "4571756174696f6e2e33";  /* "Equation.3" */
    static const char link[] = "4f4c45324c696e6b";    /* "OLE2Link" */
    size_t cap = sizeof r->hexring - 1;
    if (r->nhex == cap) {
        memmove(r->hexring, r->hexring + 1, cap - 1);
        r->nhex--;
    }
    r->hexring[r->nhex++] = (char)tolower(c);
    r->hexring[r->nhex] = 0;
    if (r->nhex >= sizeof eq - 1 && !memcmp(r->hexring + r->nhex - (sizeof eq - 1), eq, sizeof eq - 1))
        r->equation++;
    if (r->nhex >= sizeof link - 1 &&
        !memcmp(r->hexring + r->nhex - (sizeof link - 1), link, sizeof link - 1))
        r->ole2link++;
}

static void rtf_control(struct rtfscan *r)
{
    size_t s = ++r->i;
    if (r->i < r->n && r->p[r->i] == '\'') {
        r->i += r->i + 2 < r->n ? 3 : r->n - r->i;
        if (r->od_depth && ++r->run > r->maxrun)
            r->maxrun = r->run;
        return;
    }
    while (r->i < r->n && isalpha(r->p[r->i]))
        r->i++;
    size_t wl = r->i - s;
    if (!wl) {
        if (r->i < r->n)
            r->i++; /* a control symbol */
        return;
    }
    if (wl > FG_CAP_RTF_WORD)
        r->longword++;
    char w[FG_CAP_RTF_WORD + 1];
    size_t cl = wl < FG_CAP_RTF_WORD ? wl : FG_CAP_RTF_WORD;
    memcpy(w, r->p + s, cl);
    w[cl] = 0;
    if (r->i < r->n && r->p[r->i] == '-')
        r->i++;
    long num = 0;
    while (r->i < r->n && isdigit(r->p[r->i]) && num < 1000000000L)
        num = num * 10 + (r->p[r->i++] - '0');
    if (r->i < r->n && r->p[r->i] == ' ')
        r->i++;
    if (!strcmp(w, "object"))
        r->objects++;
    else if (!strcmp(w, "objupdate"))
        r->objupdate++;
    else if (!strcmp(w, "objclass") && !r->od_depth)
        r->cls_depth = r->depth;
    else if (!strcmp(w, "objdata") && !r->od_depth) {
        r->od_depth = r->depth;
        r->nhex = 0;
    } else if (!strcmp(w, "bin") && num > 0)
        r->i += (size_t)num < r->n - r->i ? (size_t)num : r->n - r->i;
    r->run = 0;
}

static void rtf_walk(struct rtfscan *r)
{
    while (r->i < r->n) {
        uint8_t c = r->p[r->i];
        if (c == '\\') {
            rtf_control(r);
            continue;
        }
        r->i++;
        if (c == '{') {
            r->depth++;
            if (r->od_depth && r->i < r->n && r->p[r->i] == '}' && ++r->run > r->maxrun)
                r->maxrun = r->run;
        } else if (c == '}') {
            if (r->cls_depth && r->depth <= r->cls_depth)
                class_done(r);
            if (r->od_depth && r->depth <= r->od_depth)
                r->od_depth = 0;
            if (r->depth)
                r->depth--;
        } else if (r->cls_depth) {
            if (c >= 0x20 && c != ';' && r->cls_len < sizeof r->cls - 1)
                r->cls[r->cls_len++] = (char)c;
        } else if (r->od_depth) {
            if (isxdigit(c)) {
                hex_digit(r, c);
                r->run = 0;
            } else if (!isspace(c) && c != 0)
                r->junk++;
        }
    }
    if (r->cls_depth)
        class_done(r);
}

static void analyze_rtf(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct rtfscan r = {.p = obj->data, .n = obj->len};
    rtf_walk(&r);

    /* Word takes "{\rt" followed by anything; only "{\rtf1" is what editors write. */
    if (r.n >= 5 && !memcmp(r.p, "{\\rtf", 5) && (r.n < 6 || !isdigit(r.p[5])) &&
        !(r.n >= 6 && (r.p[5] == ' ' || r.p[5] == '\\' || r.p[5] == '{' || r.p[5] == '\r' || r.p[5] == '\n')))
        why_add(&r, "header is not {\\rtf1");
    else if (r.n >= 4 && !memcmp(r.p, "{\\rt", 4) && (r.n < 5 || r.p[4] != 'f'))
        why_add(&r, "header is not {\\rtf1");
    if (r.junk)
        why_add(&r, "non-hex characters inside \\objdata");
    if (r.maxrun >= RTF_JUNK_RUN)
        why_add(&r, "long run of {} or \\'xx inside \\objdata");
    if (r.longword)
        why_add(&r, "control word longer than 32 letters");

    if (r.objects)
        fg_finding_add(ctx, obj, "rtf.object", FG_SEV_INFO, 0, r.classes[0] ? r.classes : NULL,
                       "%u embedded object(s)", r.objects);
    if (r.objupdate)
        fg_finding_add(ctx, obj, "rtf.objupdate", FG_SEV_MEDIUM, 0, "\\objupdate",
                       "an embedded object loads itself when the document opens, without a click");
    if (r.equation)
        fg_finding_add(ctx, obj, "rtf.equation", FG_SEV_HIGH, 0, "Equation.3",
                       "Equation Editor object (the CVE-2017-11882 family of exploits)");
    if (r.ole2link)
        fg_finding_add(ctx, obj, "rtf.ole2link", FG_SEV_HIGH, 0, "OLE2Link",
                       "OLE2Link object fetching a remote document (CVE-2017-0199)");
    if (r.why[0])
        fg_finding_add(ctx, obj, "rtf.obfuscation", FG_SEV_MEDIUM, 0, r.why,
                       "RTF control words broken on purpose to hide from parsers");
}

/* ---- OLE2 compound file ---- */

static const uint8_t clsid_equation[16] = {0x02, 0xCE, 0x02, 0x00, 0, 0, 0, 0,
                                           0xC0, 0, 0, 0, 0, 0, 0, 0x46};
static const uint8_t clsid_ole2link[16] = {0x00, 0x03, 0x00, 0x00, 0, 0, 0, 0,
                                           0xC0, 0, 0, 0, 0, 0, 0, 0x46};
/* The URL moniker 79EAC9E0-BAF9-11CE-8C82-00AA004BA90B as stored. */
static const uint8_t clsid_urlmon[16] = {0xE0, 0xC9, 0xEA, 0x79, 0xF9, 0xBA, 0xCE, 0x11,
                                         0x8C, 0x82, 0x00, 0xAA, 0x00, 0x4B, 0xA9, 0x0B};

struct cfb {
    struct fg_view v;
    unsigned shift;      /* sector size 1 << shift */
    uint32_t nfat;       /* FAT sectors */
    uint32_t difat_first, ndifat;
};

static size_t sec_off(const struct cfb *c, uint32_t s) { return ((size_t)s + 1) << c->shift; }

/* The FAT sector number 'k' (through the header's 109 slots, then the DIFAT chain). */
static int fat_sector(const struct cfb *c, uint32_t k, uint32_t *out)
{
    if (k < 109)
        return fg_view_u32le(&c->v, 0x4C + 4u * k, out);
    uint32_t per = (1u << c->shift) / 4 - 1, s = c->difat_first;
    k -= 109;
    for (uint32_t hops = 0; k >= per; hops++) {
        if (hops > c->ndifat || fg_view_u32le(&c->v, sec_off(c, s) + 4u * per, &s))
            return -1;
        k -= per;
    }
    return fg_view_u32le(&c->v, sec_off(c, s) + 4u * k, out);
}

static int fat_next(const struct cfb *c, uint32_t s, uint32_t *next)
{
    uint32_t per = (1u << c->shift) / 4, fs;
    if (s / per >= c->nfat || fat_sector(c, s / per, &fs))
        return -1;
    return fg_view_u32le(&c->v, sec_off(c, fs) + 4u * (s % per), next);
}

/* Reads up to 'want' bytes of a regular (not mini) chain starting at 's'. */
static size_t chain_read(const struct cfb *c, uint32_t s, uint8_t *out, size_t want)
{
    size_t got = 0, ss = 1u << c->shift;
    for (unsigned hops = 0; got < want && s < 0xFFFFFFFAu && hops < OLE_CHAIN; hops++) {
        size_t take = want - got < ss ? want - got : ss;
        const uint8_t *p = fg_view_at(&c->v, sec_off(c, s), take);
        if (!p)
            break;
        memcpy(out + got, p, take);
        got += take;
        if (fat_next(c, s, &s))
            break;
    }
    return got;
}

struct olefind {
    unsigned equation, ole2link_clsid, ole_link, activex, entries;
    char where[160];
};

static void where_add(struct olefind *f, const char *what)
{
    size_t used = strlen(f->where);
    if (!strstr(f->where, what))
        snprintf(f->where + used, sizeof f->where - used, "%s%s", used ? "; " : "", what);
}

/* Stream name narrowed to ASCII (other characters as '?'), control bytes kept. */
static void entry_name(const uint8_t *e, char *out, size_t cap)
{
    uint16_t nl = (uint16_t)(e[0x40] | e[0x41] << 8);
    size_t chars = nl >= 2 && nl <= 64 ? nl / 2 - 1 : 0, k = 0;
    for (size_t i = 0; i < chars && k + 1 < cap; i++) {
        unsigned ch = e[2 * i] | e[2 * i + 1] << 8;
        out[k++] = ch < 0x80 ? (char)ch : '?';
    }
    out[k] = 0;
}

/* The "\x01Ole" stream: flags bit 0 marks a linked object; a moniker follows. */
static void check_ole_stream(const struct cfb *c, const uint8_t *root, const uint8_t *e,
                             uint32_t cutoff, struct olefind *f)
{
    uint32_t start = (uint32_t)(e[0x74] | e[0x75] << 8 | e[0x76] << 16 | (uint32_t)e[0x77] << 24);
    uint32_t size = (uint32_t)(e[0x78] | e[0x79] << 8 | e[0x7A] << 16 | (uint32_t)e[0x7B] << 24);
    uint8_t buf[512];
    size_t want = size < sizeof buf ? size : sizeof buf, got = 0;
    if (size >= cutoff) {
        got = chain_read(c, start, buf, want);
    } else {
        /* Mini stream: 64-byte sectors inside the root entry's chain, mapped by the mini FAT. */
        uint32_t mf, rs = (uint32_t)(root[0x74] | root[0x75] << 8 | root[0x76] << 16 |
                                     (uint32_t)root[0x77] << 24);
        if (fg_view_u32le(&c->v, 0x3C, &mf))
            return;
        uint32_t ms = start;
        for (unsigned hops = 0; got < want && ms < 0xFFFFFFFAu && hops < OLE_CHAIN; hops++) {
            size_t byte = (size_t)ms * 64, ss = 1u << c->shift;
            uint32_t s = rs;
            for (size_t k = byte / ss, h = 0; k > 0 && h < OLE_CHAIN; k--, h++)
                if (fat_next(c, s, &s))
                    return;
            size_t take = want - got < 64 ? want - got : 64;
            const uint8_t *p = fg_view_at(&c->v, sec_off(c, s) + byte % ss, take);
            if (!p)
                break;
            memcpy(buf + got, p, take);
            got += take;
            uint32_t per = (uint32_t)ss / 4, mfs = mf;
            for (uint32_t k = ms / per, h = 0; k > 0 && h < OLE_CHAIN; k--, h++)
                if (fat_next(c, mfs, &mfs))
                    return;
            if (fg_view_u32le(&c->v, sec_off(c, mfs) + 4u * (ms % per), &ms))
                break;
        }
    }
    uint32_t flags, msize;
    struct fg_view s = {buf, got};
    if (fg_view_u32le(&s, 4, &flags) || !(flags & 1))
        return;
    if (!fg_view_u32le(&s, 16, &msize) && msize)
        f->ole_link++;
    else if (fg_view_find(&s, 0, clsid_urlmon, 16) >= 0)
        f->ole_link++;
}

static void ole_directory(const struct cfb *c, struct olefind *f)
{
    uint32_t dir, cutoff;
    if (fg_view_u32le(&c->v, 0x30, &dir) || fg_view_u32le(&c->v, 0x38, &cutoff))
        return;
    size_t ss = 1u << c->shift, per = ss / 128;
    uint8_t root[128] = {0};
    for (unsigned hops = 0; dir < 0xFFFFFFFAu && hops < OLE_CHAIN && f->entries < OLE_DIR_ENTRIES;
         hops++) {
        for (size_t k = 0; k < per && f->entries < OLE_DIR_ENTRIES; k++) {
            const uint8_t *e = fg_view_at(&c->v, sec_off(c, dir) + 128 * k, 128);
            if (!e)
                return;
            uint8_t type = e[0x42];
            if (type == 0)
                continue;
            if (f->entries++ == 0 && type == 5)
                memcpy(root, e, sizeof root);
            char name[40];
            entry_name(e, name, sizeof name);
            if (!memcmp(e + 0x50, clsid_equation, 16)) {
                f->equation++;
                where_add(f, name[0] ? name : "root");
            }
            if (!memcmp(e + 0x50, clsid_ole2link, 16))
                f->ole2link_clsid++;
            if (type == 2 && (!strcmp(name, "\003OCXNAME") || !strcmp(name, "\003OCXDATA")))
                f->activex++;
            if (type == 2 && !strcmp(name, "\001Ole") && root[0x42] == 5)
                check_ole_stream(c, root, e, cutoff, f);
        }
        if (fat_next(c, dir, &dir))
            return;
    }
}

static void analyze_ole2(struct fg_ctx *ctx, struct fg_obj *obj)
{
    static const uint8_t magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    struct cfb c = {.v = {obj->data, obj->len}};
    uint16_t shift;
    if (!fg_view_at(&c.v, 0, 512) || memcmp(obj->data, magic, 8) ||
        fg_view_u16le(&c.v, 0x1E, &shift) || (shift != 9 && shift != 12) ||
        fg_view_u32le(&c.v, 0x2C, &c.nfat) || fg_view_u32le(&c.v, 0x44, &c.difat_first) ||
        fg_view_u32le(&c.v, 0x48, &c.ndifat))
        return;
    c.shift = shift;
    struct olefind f = {0};
    ole_directory(&c, &f);

    if (f.equation)
        fg_finding_add(ctx, obj, "ole.equation", FG_SEV_HIGH, 0, f.where,
                       "Equation Editor object {0002CE02-0000-0000-C000-000000000046} "
                       "(the CVE-2017-11882 family of exploits)");
    /* The OLE2Link class alone is every linked object; with a URL moniker it fetches. */
    int url = fg_view_find(&c.v, 0, clsid_urlmon, 16) >= 0;
    if (f.ole_link || (f.ole2link_clsid && url))
        fg_finding_add(ctx, obj, "ole.ole2link", FG_SEV_HIGH, 0,
                       f.ole_link ? "\\x01Ole stream with a link moniker" : "OLE2Link + URL moniker",
                       "linked OLE object that loads its source from elsewhere (CVE-2017-0199)");
    if (f.activex)
        fg_finding_add(ctx, obj, "ole.activex", FG_SEV_LOW, 0, "\\x03OCXNAME",
                       "%u ActiveX control stream(s)", f.activex);
}

/* ---- OLE1 Package ---- */

/* A document that carries a program to double-click is how many mail attacks deliver it;
 * ordinary documents embed pictures and spreadsheets, not executables: medium. */
#define PACKAGE_EXEC_SEV FG_SEV_MEDIUM

static const char *const exec_exts[] = {"exe", "scr", "com", "pif", "bat", "cmd", "js",
                                        "jse", "vbs", "vbe", "wsf", "hta", "lnk", "ps1",
                                        "dll", "cpl", "msi", NULL};

/* A NUL-terminated string at *off; advances past it. */
static const char *cstr(const struct fg_view *v, size_t *off)
{
    for (size_t i = *off; i < v->len && i - *off < 1024; i++)
        if (!v->p[i]) {
            const char *s = (const char *)v->p + *off;
            *off = i + 1;
            return s;
        }
    return NULL;
}

static void analyze_package(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct fg_view v = {obj->data, obj->len};
    uint16_t sig;
    size_t off = 6;
    if (fg_view_u16le(&v, 4, &sig) || sig != 2)
        return;
    const char *label = cstr(&v, &off), *src = label ? cstr(&v, &off) : NULL;
    if (!src)
        return;
    const char *base = src;
    for (const char *p = src; *p; p++)
        if (*p == '\\' || *p == '/')
            base = p + 1;
    if (!*base)
        base = label;
    const char *dot = strrchr(base, '.');
    const char *ext = dot ? dot + 1 : "";
    int exec = 0;
    for (size_t i = 0; exec_exts[i]; i++)
        if (!strcasecmp(ext, exec_exts[i]))
            exec = 1;
    enum fg_severity sev = exec ? PACKAGE_EXEC_SEV : FG_SEV_LOW;
    char ev[300];
    snprintf(ev, sizeof ev, "%.200s (extension: %.32s)", base, *ext ? ext : "none");
    fg_finding_add(ctx, obj, "ole.package", sev, 0, ev,
                   exec ? "embedded package carries an executable file"
                                        : "embedded package carries a file");
}

static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    if (!strcmp(obj->type, "rtf"))
        analyze_rtf(ctx, obj);
    else if (!strcmp(obj->type, "ole10native"))
        analyze_package(ctx, obj);
    else
        analyze_ole2(ctx, obj);
    return FG_OK;
}

const struct fg_analyzer fg_an_oleobj = {.name = "oleobj", .types = types, .run = run};
