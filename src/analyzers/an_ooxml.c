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
#include "xml_scan.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TYPE_CAP 256     /* bytes of a relationship type kept */
#define TARGET_CAP 1024  /* bytes of a target kept (the evidence cap is lower anyway) */
#define REPORT_CAP 16    /* relationships reported one by one per part; the rest summed up */
#define FLAT_OPC_SNIFF 4096


/* "text" too: a part without an XML declaration, or in UTF-16, is not identified as xml. */
static const char *const types[] = {"xml", "text", NULL};

/* ---- a small, bounded XML reader: start tags, attributes, entities ---- */


/* An attribute value with its entities decoded, NUL-terminated in out[cap]. */
static void decode_value(const uint8_t *s, size_t n, char *out, size_t cap)
{
    out[fg_xml_decode(s, n, out, cap)] = 0;
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

static void one_relationship(struct fg_ctx *ctx, struct fg_obj *obj, struct fg_xml_cursor *c,
                             size_t *reported, struct tally *t)
{
    char type[TYPE_CAP] = "", target[TARGET_CAP] = "", mode[32] = "";
    const uint8_t *an, *av;
    size_t al, vl;
    while (fg_xml_next_attr(c, &an, &al, &av, &vl)) {
        if (fg_xml_name_is(an, al, "Type"))
            decode_value(av, vl, type, sizeof type);
        else if (fg_xml_name_is(an, al, "Target"))
            decode_value(av, vl, target, sizeof target);
        else if (fg_xml_name_is(an, al, "TargetMode"))
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
    uint8_t *wide = fg_utf16_narrow(obj->data, obj->len, &len);
    const uint8_t *d = wide ? wide : obj->data;
    if (!(obj->name && ends_with(obj->name, ".rels")) && !is_flat_opc(d, len)) {
        free(wide);
        return FG_OK;
    }
    struct fg_xml_cursor c = {d, d + len, 0};
    const uint8_t *name;
    size_t nlen, reported = 0;
    struct tally t = {0};
    while (fg_xml_next_start_tag(&c, &name, &nlen)) {
        if (fg_xml_name_is(name, nlen, "Relationship"))
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
