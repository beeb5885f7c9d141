/*
 * an_ooxml.c - external relationships of OOXML packages: the *.rels parts of a docx/xlsx/
 * pptx (children of type "xml"), and the relationships inlined in Flat OPC documents
 * (Word/PowerPoint "XML document" files, <pkg:package>).
 *
 * A relationship with TargetMode="External" makes Office fetch or link something outside
 * the file.  What that costs depends on the relationship type and on where the target is:
 * a template or OLE object fetched from a web server when the document opens is the
 * template-injection and remote-OLE-link attack; the same relationship pointing at a local
 * template is how ordinary documents made from a company template look.  Plain web and
 * mail hyperlinks are in almost every document and are not reported.
 */
#define _GNU_SOURCE
#include "analyzer.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TYPE_CAP 256     /* bytes of a relationship type kept */
#define TARGET_CAP 1024  /* bytes of a target kept (the evidence cap is lower anyway) */
#define REPORT_CAP 16    /* relationships reported one by one per part; the rest summed up */
#define FLAT_OPC_SNIFF 4096

#define UTF16_CAP (8u << 20) /* bytes of a UTF-16 part narrowed for reading */

/* "text" too: a part without an XML declaration, or in UTF-16, is not identified as xml. */
static const char *const types[] = {"xml", "text", NULL};

/* ---- a small, bounded XML reader: start tags, attributes, entities ---- */

struct cursor {
    const uint8_t *p, *end;
};

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes an attribute value (the five named entities and numeric references) into 'out',
 * cut at 'cap' - 1 bytes and NUL-terminated.  Unknown entities are kept as written. */
static void decode_value(const uint8_t *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < cap;) {
        if (s[i] != '&') {
            out[o++] = (char)s[i++];
            continue;
        }
        const uint8_t *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
        size_t el = semi ? (size_t)(semi - (s + i)) : 0;
        static const struct { const char *name; char c; } named[] = {
            {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
        int done = 0;
        for (size_t k = 0; semi && k < sizeof named / sizeof named[0]; k++) {
            if (strlen(named[k].name) == el - 1 && !memcmp(s + i + 1, named[k].name, el - 1)) {
                out[o++] = named[k].c;
                done = 1;
            }
        }
        if (!done && semi && el >= 3 && s[i + 1] == '#') {
            unsigned cp = 0;
            int hex = s[i + 2] == 'x' || s[i + 2] == 'X', ok = 1;
            for (size_t k = i + (hex ? 3 : 2); k < i + el && ok; k++) {
                uint8_t c = s[k];
                int v = c >= '0' && c <= '9' ? c - '0'
                        : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (v < 0 || cp > 0x10FFFF)
                    ok = 0;
                else
                    cp = cp * (hex ? 16u : 10u) + (unsigned)v;
            }
            if (ok && cp && cp <= 0x10FFFF) {
                o += put_utf8(out + o, cp);
                done = 1;
            }
        }
        if (done) {
            i += el + 1;
        } else {
            out[o++] = '&';
            i++;
        }
    }
    out[o] = 0;
}

/* Moves to the next start tag and returns its local name (the part after a namespace
 * prefix) in name/nlen; comments, CDATA, processing instructions and end tags are skipped.
 * Returns 0 at the end of the data.  The cursor is left just after the name. */
static int next_start_tag(struct cursor *c, const uint8_t **name, size_t *nlen)
{
    while (c->p < c->end) {
        const uint8_t *lt = memchr(c->p, '<', (size_t)(c->end - c->p));
        if (!lt)
            break;
        c->p = lt + 1;
        size_t rest = (size_t)(c->end - c->p);
        if (rest >= 3 && !memcmp(c->p, "!--", 3)) {
            const uint8_t *e = memmem(c->p + 3, rest - 3, "-->", 3);
            c->p = e ? e + 3 : c->end;
            continue;
        }
        if (rest >= 8 && !memcmp(c->p, "![CDATA[", 8)) {
            const uint8_t *e = memmem(c->p + 8, rest - 8, "]]>", 3);
            c->p = e ? e + 3 : c->end;
            continue;
        }
        if (!rest || c->p[0] == '/' || c->p[0] == '?' || c->p[0] == '!')
            continue;
        const uint8_t *s = c->p;
        while (c->p < c->end && !is_space(*c->p) && *c->p != '>' && *c->p != '/')
            c->p++;
        const uint8_t *colon = memrchr(s, ':', (size_t)(c->p - s));
        *name = colon ? colon + 1 : s;
        *nlen = (size_t)(c->p - *name);
        return 1;
    }
    c->p = c->end;
    return 0;
}

/* Reads the next attribute of the current start tag.  Returns 0 at the tag's end ('>' or
 * "/>", consumed) or at malformed input; the value is raw (not yet decoded). */
static int next_attr(struct cursor *c, const uint8_t **name, size_t *nlen, const uint8_t **val,
                     size_t *vlen)
{
    while (c->p < c->end && (is_space(*c->p) || *c->p == '/'))
        c->p++;
    if (c->p >= c->end || *c->p == '>' || *c->p == '<') {
        if (c->p < c->end && *c->p == '>')
            c->p++;
        return 0;
    }
    const uint8_t *s = c->p;
    while (c->p < c->end && !is_space(*c->p) && *c->p != '=' && *c->p != '>' && *c->p != '<')
        c->p++;
    const uint8_t *colon = memrchr(s, ':', (size_t)(c->p - s));
    *name = colon ? colon + 1 : s;
    *nlen = (size_t)(c->p - *name);
    while (c->p < c->end && is_space(*c->p))
        c->p++;
    if (c->p >= c->end || *c->p != '=')
        return 0;
    c->p++;
    while (c->p < c->end && is_space(*c->p))
        c->p++;
    if (c->p >= c->end || (*c->p != '"' && *c->p != '\''))
        return 0;
    uint8_t q = *c->p++;
    const uint8_t *e = memchr(c->p, q, (size_t)(c->end - c->p));
    if (!e) {
        c->p = c->end;
        return 0;
    }
    *val = c->p;
    *vlen = (size_t)(e - c->p);
    c->p = e + 1;
    return 1;
}

static int name_is(const uint8_t *n, size_t l, const char *want)
{
    return strlen(want) == l && !memcmp(n, want, l);
}

/* Office reads parts written in UTF-16 as well; markup is ASCII, so keeping the low byte of
 * each ASCII code unit (anything else becomes '?') is enough to read tags and URLs.
 * Returns a malloc'ed buffer, or NULL if the data is not UTF-16 with a byte-order mark. */
static uint8_t *narrow_utf16(const uint8_t *d, size_t n, size_t *out_len)
{
    if (n < 2 || !((d[0] == 0xFF && d[1] == 0xFE) || (d[0] == 0xFE && d[1] == 0xFF)))
        return NULL;
    int be = d[0] == 0xFE;
    size_t units = (n - 2) / 2;
    if (units > UTF16_CAP)
        units = UTF16_CAP;
    uint8_t *o = malloc(units + 1);
    if (!o)
        return NULL;
    for (size_t i = 0; i < units; i++) {
        unsigned u = be ? (unsigned)d[2 + 2 * i] << 8 | d[3 + 2 * i]
                        : (unsigned)d[3 + 2 * i] << 8 | d[2 + 2 * i];
        o[i] = u < 0x80 ? (uint8_t)u : '?';
    }
    *out_len = units;
    return o;
}

/* ---- targets ---- */

enum target_class {
    T_LOCAL,  /* a path on this machine, or relative to the document */
    T_UNC,    /* a Windows network share (\\host\share, file://host/) */
    T_REMOTE, /* a web or FTP server, or a share addressed by IP or WebDAV */
    T_MAIL,   /* mailto: */
    T_SCHEME, /* any other URL scheme: a protocol handler on the reader's machine */
};

static int is_ipv4ish(const char *h, size_t n)
{
    int dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i] == '.')
            dots++;
        else if (h[i] < '0' || h[i] > '9')
            return 0;
    }
    return dots == 3;
}

/* A share whose host is an IP address or goes through WebDAV (host@SSL, host@80) is how a
 * document reaches a server on the internet over SMB/WebDAV; a plain host name is how an
 * office file server looks. */
static enum target_class unc_class(const char *host)
{
    size_t n = strcspn(host, "\\/");
    if (is_ipv4ish(host, n) || memchr(host, '@', n) || (n && host[0] == '['))
        return T_REMOTE;
    return T_UNC;
}

static enum target_class classify(const char *t)
{
    while (*t == ' ' || *t == '\t')
        t++;
    if ((t[0] == '\\' || t[0] == '/') && (t[1] == '\\' || t[1] == '/'))
        return unc_class(t + 2);
    size_t s = 0;
    if ((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z'))
        s = strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
    if (s < 2 || t[s] != ':') /* "C:" is a drive, not a scheme */
        return T_LOCAL;
    static const char *const remote[] = {"http", "https", "ftp", "ftps", "webdav", "dav"};
    for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
        if (strlen(remote[i]) == s && !strncasecmp(t, remote[i], s))
            return T_REMOTE;
    if (s == 6 && !strncasecmp(t, "mailto", 6))
        return T_MAIL;
    if (s != 4 || strncasecmp(t, "file", 4))
        return T_SCHEME;
    const char *p = t + 5;
    size_t slashes = strspn(p, "/\\");
    p += slashes;
    if (((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z')) &&
        (p[1] == ':' || p[1] == '|'))
        return T_LOCAL;
    if (slashes == 2 || slashes >= 4)
        return unc_class(p);
    return T_LOCAL; /* file:///home/... */
}

/* Hyperlink schemes that hand the target to a program other than the browser; each has
 * been used to run code or fetch payloads from a document link. */
static int dangerous_scheme(const char *t)
{
    static const char *const bad[] = {"ms-msdt:", "search-ms:", "search:", "ms-officecmd:",
                                      "ms-word:", "ms-excel:", "ms-powerpoint:", "javascript:",
                                      "vbscript:", "mhtml:", "ms-its:", "its:", "mk:", "hcp:",
                                      "ms-appinstaller:", "ms-cxh-full:", "ms-search:"};
    while (*t == ' ' || *t == '\t')
        t++;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!strncasecmp(t, bad[i], strlen(bad[i])))
            return 1;
    return 0;
}

/* ---- rules ---- */

struct verdict {
    const char *id;
    enum fg_severity sev;
    const char *why;
};

/* Decides what one external relationship means; returns 0 if it is not worth a finding. */
static int judge(const char *kind, const char *target, struct verdict *v)
{
    enum target_class tc = classify(target);
    if (!strcasecmp(kind, "hyperlink")) {
        if (tc == T_SCHEME && dangerous_scheme(target)) {
            *v = (struct verdict){"ooxml.external-relationship", FG_SEV_MEDIUM,
                                  "hyperlink to a protocol handler that can run code"};
            return 1;
        }
        if (tc == T_UNC) {
            *v = (struct verdict){"ooxml.external-relationship", FG_SEV_INFO,
                                  "hyperlink to a network share"};
            return 1;
        }
        return 0; /* web, mail and local links: every ordinary document has them */
    }
    int remote = tc == T_REMOTE || tc == T_SCHEME || tc == T_MAIL;
    if (!strcasecmp(kind, "attachedTemplate")) {
        *v = (struct verdict){"ooxml.external-template",
                              remote ? FG_SEV_HIGH : tc == T_UNC ? FG_SEV_MEDIUM : FG_SEV_LOW,
                              remote ? "template loaded from a remote server when the document "
                                       "opens (template injection)"
                              : tc == T_UNC ? "template loaded from a network share when the "
                                              "document opens"
                                            : "document attached to a local template"};
        return 1;
    }
    if (!strcasecmp(kind, "oleObject")) {
        *v = (struct verdict){"ooxml.external-oleobject",
                              remote ? FG_SEV_HIGH : tc == T_UNC ? FG_SEV_MEDIUM : FG_SEV_LOW,
                              remote ? "OLE object linked to a remote document (fetched and "
                                       "activated by Office)"
                              : tc == T_UNC ? "OLE object linked to a file on a network share"
                                            : "OLE object linked to a local file"};
        return 1;
    }
    if (tc == T_LOCAL) {
        *v = (struct verdict){"ooxml.external-relationship", FG_SEV_INFO,
                              "external relationship to a local file"};
        return 1;
    }
    *v = (struct verdict){"ooxml.external-relationship", FG_SEV_MEDIUM,
                          tc == T_UNC ? "external relationship to a network share (loaded "
                                        "when the document opens)"
                                      : "external relationship to a remote resource (loaded "
                                        "when the document opens)"};
    return 1;
}

struct tally {
    size_t extra;
    struct verdict worst;
    char worst_ev[TYPE_CAP + TARGET_CAP + 8];
};

static void one_relationship(struct fg_ctx *ctx, struct fg_obj *obj, struct cursor *c,
                             size_t *reported, struct tally *t)
{
    char type[TYPE_CAP] = "", target[TARGET_CAP] = "", mode[32] = "";
    const uint8_t *an, *av;
    size_t al, vl;
    while (next_attr(c, &an, &al, &av, &vl)) {
        if (name_is(an, al, "Type"))
            decode_value(av, vl, type, sizeof type);
        else if (name_is(an, al, "Target"))
            decode_value(av, vl, target, sizeof target);
        else if (name_is(an, al, "TargetMode"))
            decode_value(av, vl, mode, sizeof mode);
    }
    const char *m = mode;
    while (*m == ' ')
        m++;
    if (strncasecmp(m, "External", 8))
        return;
    const char *slash = strrchr(type, '/');
    const char *kind = slash ? slash + 1 : type;
    struct verdict v;
    if (!judge(kind, target, &v))
        return;
    char ev[sizeof t->worst_ev];
    size_t kl = strlen(kind), tl = strlen(target);
    memcpy(ev, kind, kl);
    memcpy(ev + kl, " -> ", 4);
    memcpy(ev + kl + 4, target, tl + 1);
    if (*reported < REPORT_CAP) {
        fg_finding_add(ctx, obj, v.id, v.sev, 0, ev, "%s", v.why);
        (*reported)++;
        return;
    }
    if (!t->extra || v.sev > t->worst.sev) {
        t->worst = v;
        memcpy(t->worst_ev, ev, strlen(ev) + 1);
    }
    t->extra++;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t l = strlen(s), sl = strlen(suffix);
    return l >= sl && !strcasecmp(s + l - sl, suffix);
}

/* A Flat OPC file names its package namespace near the top. */
static int is_flat_opc(const uint8_t *d, size_t len)
{
    size_t n = len < FLAT_OPC_SNIFF ? len : FLAT_OPC_SNIFF;
    return memmem(d, n, "schemas.microsoft.com/office/2006/xmlPackage", 44) != NULL;
}

static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    size_t len = obj->len;
    uint8_t *wide = narrow_utf16(obj->data, obj->len, &len);
    const uint8_t *d = wide ? wide : obj->data;
    if (!(obj->name && ends_with(obj->name, ".rels")) && !is_flat_opc(d, len)) {
        free(wide);
        return FG_OK;
    }
    struct cursor c = {d, d + len};
    const uint8_t *name;
    size_t nlen, reported = 0;
    struct tally t = {0};
    while (next_start_tag(&c, &name, &nlen)) {
        if (name_is(name, nlen, "Relationship"))
            one_relationship(ctx, obj, &c, &reported, &t);
    }
    if (t.extra)
        fg_finding_add(ctx, obj, t.worst.id, t.worst.sev, 0, t.worst_ev,
                       "%zu more external relationships; the most serious: %s", t.extra,
                       t.worst.why);
    free(wide);
    return FG_OK;
}

const struct fg_analyzer fg_an_ooxml = {
    .name = "ooxml",
    .types = types,
    .run = run,
};
