/*
 * an_phish.c - phishing markup in HTML (mail bodies and HTML attachments): links whose
 * visible text names one site while the href goes to another or to a bare IP address, and
 * forms that post to an absolute URL on a foreign host, worse with a password field.
 *
 * It reads tags with the bounded reader of xml_scan.c (which tolerates any markup) and owns
 * nothing beyond a few stack buffers; every scan forward is capped, so the cost is linear.
 */
#include "analyzer.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "xml_scan.h"

#define PHISH_ANCHOR_SCAN 4096 /* bytes after <a ...> searched for its </a> */
#define PHISH_TEXT 512         /* bytes of visible text or of a decoded attribute kept */
#define PHISH_HOST 256         /* bytes of a host name */
#define PHISH_FINDINGS 16      /* findings of one id per object; more only make noise */

struct counts {
    unsigned link, form;
};

static int name_is(const uint8_t *n, size_t l, const char *want)
{
    return strlen(want) == l && !strncasecmp((const char *)n, want, l);
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* Trims blanks (ASCII and the UTF-8 no-break space) at both ends, in place. */
static char *trim(char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        else if ((uint8_t)s[0] == 0xC2 && (uint8_t)s[1] == 0xA0)
            s += 2;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
            n--;
        else if (n >= 2 && (uint8_t)s[n - 2] == 0xC2 && (uint8_t)s[n - 1] == 0xA0)
            n -= 2;
        else
            break;
    }
    s[n] = 0;
    return s;
}

/* ---- hosts ---- */

static int parse_num(const char *s, size_t n, unsigned long long *v)
{
    int base = 10;
    size_t i = 0;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    } else if (n >= 2 && s[0] == '0') {
        base = 8;
        i = 1;
    }
    if (i >= n && base != 8)
        return 0;
    unsigned long long x = 0;
    for (; i < n; i++) {
        int c = (unsigned char)s[i], d = isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : 99;
        if (d >= base || x > 0xFFFFFFFFull)
            return 0;
        x = x * (unsigned)base + (unsigned)d;
    }
    *v = x;
    return n > 0;
}

/* A host written as an IP address: dotted (each part decimal, octal or hex, as inet_aton
 * takes it), one decimal or hex number, or an IPv6 literal in brackets. */
static int host_is_ip(const char *h)
{
    if (h[0] == '[')
        return 1;
    size_t parts = 0;
    const char *p = h;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        unsigned long long v;
        if (!parse_num(p, l, &v) || ++parts > 4)
            return 0;
        if (!dot)
            break;
        p = dot + 1;
    }
    return parts == 1 || parts == 4;
}

/* Copies the host of an absolute http(s) or scheme-relative URL (userinfo and port dropped,
 * lower-cased) into 'out'.  0 if the URL is not one. */
static int url_host(const char *url, char *out, size_t cap)
{
    const char *p = url;
    if (!strncasecmp(p, "http://", 7))
        p += 7;
    else if (!strncasecmp(p, "https://", 8))
        p += 8;
    else if (!strncmp(p, "//", 2))
        p += 2;
    else
        return 0;
    size_t end = strcspn(p, "/?#\\");
    const char *at = NULL; /* userinfo ends at the last '@' before the path */
    for (size_t i = 0; i < end; i++)
        if (p[i] == '@')
            at = p + i;
    if (at) {
        end -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    size_t hl = end;
    if (p[0] == '[') {
        const char *rb = memchr(p, ']', end);
        hl = rb ? (size_t)(rb - p) + 1 : end;
    } else {
        const char *colon = memchr(p, ':', end);
        if (colon)
            hl = (size_t)(colon - p);
    }
    while (hl && p[hl - 1] == '.')
        hl--;
    if (!hl || hl >= cap)
        return 0;
    memcpy(out, p, hl);
    out[hl] = 0;
    lower(out);
    return 1;
}

/* Second-level labels under which a two-letter country code sells names (co.jp, com.au). */
static const char *const sld_labels[] = {"co", "com", "ac", "ne", "or", "net", "org", "gov",
                                         "edu", "go", "gr", "ed", "ltd", "plc", "sch", NULL};

/* The registrable part of a host: its last two labels, or three under "co.uk"-like pairs. */
static const char *registrable(const char *h)
{
    const char *last = NULL, *second = NULL, *third = NULL;
    for (const char *p = h; *p; p++)
        if (*p == '.') {
            third = second;
            second = last;
            last = p;
        }
    if (!second)
        return h;
    size_t tld = strlen(last + 1), sl = (size_t)(last - second - 1);
    if (tld == 2) {
        for (size_t k = 0; sld_labels[k]; k++)
            if (strlen(sld_labels[k]) == sl && !strncmp(second + 1, sld_labels[k], sl))
                return third ? third + 1 : h;
    }
    return second + 1;
}

/* File extensions that make "report.pdf" look like a domain; link text without a scheme or
 * "www." ending in one of these is a file name. */
static const char *const file_tlds[] = {"html", "htm", "php", "asp", "aspx", "pdf", "doc",
                                        "docx", "xls", "xlsx", "zip", "txt", "jpg", "png", "gif",
                                        "exe", "js", NULL};

/* Without a scheme or "www.", text reads as a domain only when it ends in a generic TLD mail
 * users know, or in a two-letter country code that is not also a file extension
 * ("Underscore.lua", "Dollar.swift" and "setup.py" are project and file names). */
static const char *const known_gtlds[] = {"com", "net", "org", "info", "biz", "edu", "gov",
                                          "io", "app", "dev", "xyz", "online", "site", "shop",
                                          "store", "top", "club", "bank", "cloud", "live",
                                          "email", "support", "security", NULL};
static const char *const code_exts2[] = {"js", "py", "rb", "md", "cs", "sh", "ts", "go", "rs",
                                         "hs", "ml", "pl", "pm", "gz", "xz", "db", "so", "mk",
                                         NULL};

static int in_list(const char *s, const char *const *list)
{
    for (size_t k = 0; list[k]; k++)
        if (!strcmp(s, list[k]))
            return 1;
    return 0;
}

static int bare_domain_tld(const char *tld)
{
    size_t l = strlen(tld);
    if (l == 2)
        return !in_list(tld, code_exts2);
    return in_list(tld, known_gtlds);
}

/* The host the visible text shows, if the text reads as a URL or a bare domain. */
static int text_host(const char *text, char *out, size_t cap)
{
    if (url_host(text, out, cap))
        return 1;
    if (strchr(text, '@') || strpbrk(text, " \t\r\n"))
        return 0;
    int www = !strncasecmp(text, "www.", 4);
    size_t hl = strcspn(text, "/?#:");
    if (!hl || hl >= cap)
        return 0;
    memcpy(out, text, hl);
    out[hl] = 0;
    lower(out);
    while (hl && out[hl - 1] == '.')
        out[--hl] = 0;
    if (host_is_ip(out) && strchr(out, '.'))
        return 1;
    const char *dot = strrchr(out, '.');
    if (!dot || dot == out)
        return 0;
    for (const char *p = out; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '.' || (uint8_t)*p >= 0x80))
            return 0;
    size_t tl = strlen(dot + 1);
    if (tl < 2)
        return 0;
    for (const char *p = dot + 1; *p; p++)
        if (!isalpha((unsigned char)*p))
            return 0;
    if (!www && (in_list(dot + 1, file_tlds) || !bare_domain_tld(dot + 1)))
        return 0;
    return 1;
}

/* ---- links ---- */

/* The visible text of the anchor whose start tag ended at c->p: up to its "</a", tags
 * stripped, entities decoded.  Reads at most PHISH_ANCHOR_SCAN bytes. */
static void anchor_text(const struct fg_xml_cursor *c, char *out, size_t cap)
{
    uint8_t raw[PHISH_TEXT];
    size_t r = 0, lim = (size_t)(c->end - c->p);
    const uint8_t *p = c->p;
    if (lim > PHISH_ANCHOR_SCAN)
        lim = PHISH_ANCHOR_SCAN;
    int intag = 0;
    for (size_t i = 0; i < lim; i++) {
        if (p[i] == '<') {
            if (i + 2 < lim && p[i + 1] == '/' && (p[i + 2] | 0x20) == 'a' &&
                (i + 3 >= lim || !isalnum(p[i + 3])))
                break;
            intag = 1;
        } else if (p[i] == '>' && intag) {
            intag = 0;
        } else if (!intag && r + 1 < sizeof raw) {
            raw[r++] = p[i];
        }
    }
    size_t l = fg_xml_decode(raw, r, out, cap);
    out[l] = 0;
}

static void check_link(struct fg_ctx *ctx, struct fg_obj *obj, struct counts *n,
                       const char *href, const char *text)
{
    char hh[PHISH_HOST], th[PHISH_HOST];
    if (!url_host(href, hh, sizeof hh))
        return;
    int href_ip = host_is_ip(hh);
    int shows = text_host(text, th, sizeof th);
    enum fg_severity sev;
    const char *why;
    if (href_ip && shows && !host_is_ip(th)) {
        sev = FG_SEV_HIGH;
        why = "link text shows a domain but the link goes to a bare IP address";
    } else if (href_ip && !(shows && !strcmp(th, hh))) {
        sev = FG_SEV_MEDIUM;
        why = "link goes to a bare IP address";
    } else if (shows && strcmp(registrable(th), registrable(hh))) {
        sev = FG_SEV_MEDIUM;
        why = "link text shows one domain but the link goes to another";
    } else {
        return;
    }
    if (n->link++ >= PHISH_FINDINGS)
        return;
    char ev[FG_CAP_EVIDENCE];
    snprintf(ev, sizeof ev, "text \"%.200s\" -> %.280s", text, href);
    fg_finding_add(ctx, obj, "phish.link-mismatch", sev, 0, ev, "%s", why);
}

/* ---- forms ---- */

struct form {
    int open;
    char action[PHISH_TEXT];
    int password;
};

static void form_done(struct fg_ctx *ctx, struct fg_obj *obj, struct counts *n, struct form *f,
                      const char *page_host)
{
    if (!f->open)
        return;
    f->open = 0;
    char h[PHISH_HOST];
    if (!url_host(f->action, h, sizeof h) || f->action[0] == '/')
        return;
    if (page_host[0] && !strcmp(registrable(h), registrable(page_host)))
        return;
    if (n->form++ >= PHISH_FINDINGS)
        return;
    char ev[FG_CAP_EVIDENCE];
    snprintf(ev, sizeof ev, "action %.300s%s", f->action,
             f->password ? " (with a password field)" : "");
    fg_finding_add(ctx, obj, "phish.form-post", f->password ? FG_SEV_HIGH : FG_SEV_LOW, 0, ev,
                   "%s", f->password ? "a login form posts a password to a foreign host"
                                     : "a form posts to a foreign host");
}

/* ---- the walk ---- */

/* A mail body or attachment has no origin of its own: any absolute URL is foreign to it. */
static int in_mail(const struct fg_obj *obj)
{
    for (const struct fg_obj *o = obj->parent; o; o = o->parent)
        if (o->mail)
            return 1;
    return 0;
}

static void attr_value(const uint8_t *v, size_t vl, char *out, size_t cap)
{
    size_t l = fg_xml_decode(v, vl, out, cap);
    out[l] = 0;
    char *t = trim(out);
    if (t != out)
        memmove(out, t, strlen(t) + 1);
}

static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct fg_xml_cursor c = {obj->data, obj->data + obj->len, 0};
    struct counts n = {0, 0};
    struct form f = {0, "", 0};
    char page_host[PHISH_HOST] = "";
    int mail = in_mail(obj);
    const uint8_t *tn;
    size_t tl;
    if (!obj->data)
        return FG_OK;
    while (fg_xml_next_start_tag(&c, &tn, &tl)) {
        if (fg_ctx_expired(ctx))
            return FG_ETIMEOUT;
        int is_a = name_is(tn, tl, "a"), is_form = name_is(tn, tl, "form");
        int is_input = name_is(tn, tl, "input"), is_base = name_is(tn, tl, "base");
        if (!is_a && !is_form && !is_input && !is_base)
            continue;
        if (is_form) {
            form_done(ctx, obj, &n, &f, page_host);
            f.action[0] = 0;
        }
        char href[PHISH_TEXT] = "", type[32] = "";
        int has_href = 0;
        const uint8_t *an, *av;
        size_t al, vl;
        while (fg_xml_next_attr(&c, &an, &al, &av, &vl)) {
            if ((is_a || is_base) && name_is(an, al, "href")) {
                attr_value(av, vl, href, sizeof href);
                has_href = 1;
            } else if (is_form && name_is(an, al, "action")) {
                attr_value(av, vl, f.action, sizeof f.action);
            } else if (is_input && name_is(an, al, "type")) {
                attr_value(av, vl, type, sizeof type);
            }
        }
        if (is_form) {
            f.open = 1;
            f.password = 0;
        } else if (is_input) {
            if (!strcasecmp(type, "password"))
                f.password = 1;
        } else if (is_base && has_href && !mail) {
            url_host(href, page_host, sizeof page_host);
        } else if (is_a && has_href && !c.selfclose) {
            char text[PHISH_TEXT];
            anchor_text(&c, text, sizeof text);
            check_link(ctx, obj, &n, href, trim(text));
        }
        if (is_form && !f.action[0])
            f.open = 0; /* posts back to where it came from */
    }
    form_done(ctx, obj, &n, &f, page_host);
    return FG_OK;
}

static const char *const types[] = {"html", NULL};

const struct fg_analyzer fg_an_phish = {
    .name = "phish",
    .types = types,
    .run = run,
};
