/*
 * xml_scan.c - the bounded XML reader shared by the document analyzers (see xml_scan.h).
 */
#define _GNU_SOURCE
#include "xml_scan.h"

#include <stdlib.h>
#include <string.h>

#include "../core/scan.h"

static int xml_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Decodes character data (named and numeric entities) into out[0, cap-1); returns the length
 * (no NUL is written). */
size_t fg_xml_decode(const uint8_t *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < cap;) {
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
                o += fg_utf8_put(out + o, cp);
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
    return o;
}

int fg_xml_next_start_tag(struct fg_xml_cursor *c, const uint8_t **name, size_t *nlen)
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
        while (c->p < c->end && !xml_space(*c->p) && *c->p != '>' && *c->p != '/')
            c->p++;
        const uint8_t *colon = memrchr(s, ':', (size_t)(c->p - s));
        *name = colon ? colon + 1 : s;
        *nlen = (size_t)(c->p - *name);
        c->selfclose = 0;
        return 1;
    }
    c->p = c->end;
    return 0;
}

int fg_xml_next_attr(struct fg_xml_cursor *c, const uint8_t **name, size_t *nlen, const uint8_t **val,
                     size_t *vlen)
{
    while (c->p < c->end && (xml_space(*c->p) || *c->p == '/'))
        c->p++;
    if (c->p >= c->end || *c->p == '>' || *c->p == '<') {
        if (c->p < c->end && *c->p == '>') {
            c->selfclose = c->p[-1] == '/';
            c->p++;
        }
        return 0;
    }
    const uint8_t *s = c->p;
    while (c->p < c->end && !xml_space(*c->p) && *c->p != '=' && *c->p != '>' && *c->p != '<')
        c->p++;
    const uint8_t *colon = memrchr(s, ':', (size_t)(c->p - s));
    *name = colon ? colon + 1 : s;
    *nlen = (size_t)(c->p - *name);
    while (c->p < c->end && xml_space(*c->p))
        c->p++;
    if (c->p >= c->end || *c->p != '=')
        return 0;
    c->p++;
    while (c->p < c->end && xml_space(*c->p))
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

void fg_xml_skip_attrs(struct fg_xml_cursor *c)
{
    const uint8_t *an, *av;
    size_t al, vl;
    while (fg_xml_next_attr(c, &an, &al, &av, &vl))
        ;
}

/* The character data after the current start tag (up to the next tag), decoded. */
size_t fg_xml_element_text(struct fg_xml_cursor *c, char *out, size_t cap)
{
    fg_xml_skip_attrs(c);
    if (c->selfclose || c->p >= c->end)
        return 0;
    const uint8_t *lt = memchr(c->p, '<', (size_t)(c->end - c->p));
    size_t n = lt ? (size_t)(lt - c->p) : (size_t)(c->end - c->p);
    size_t l = fg_xml_decode(c->p, n, out, cap);
    c->p += n;
    return l;
}

int fg_xml_name_is(const uint8_t *n, size_t l, const char *want)
{
    return strlen(want) == l && !memcmp(n, want, l);
}

uint8_t *fg_utf16_narrow(const uint8_t *d, size_t n, size_t *out_len)
{
    if (n < 2 || !((d[0] == 0xFF && d[1] == 0xFE) || (d[0] == 0xFE && d[1] == 0xFF)))
        return NULL;
    int be = d[0] == 0xFE;
    size_t units = (n - 2) / 2;
    if (units > FG_CAP_UTF16_TEXT)
        units = FG_CAP_UTF16_TEXT;
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

