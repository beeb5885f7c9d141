/*
 * sanitize.c - turns untrusted bytes (member names, evidence) into printable UTF-8.
 *
 * Names from archives and mail are attacker-chosen: they may hold invalid UTF-8, terminal
 * escape sequences or right-to-left overrides meant to disguise an extension.  Output and
 * JSON must show exactly what was there, so such bytes become visible \xNN / \u{NNNN}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n, unsigned *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t l;
    unsigned c, min;
    if ((p[0] & 0xE0) == 0xC0) { l = 2; c = p[0] & 0x1F; min = 0x80; }
    else if ((p[0] & 0xF0) == 0xE0) { l = 3; c = p[0] & 0x0F; min = 0x800; }
    else if ((p[0] & 0xF8) == 0xF0) { l = 4; c = p[0] & 0x07; min = 0x10000; }
    else return 0;
    if (n < l)
        return 0;
    for (size_t i = 1; i < l; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return l;
}

/* Invisible or direction-changing code points that can disguise a name. */
static int is_deceptive(unsigned cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200E || cp == 0x200F || cp == 0x061C || cp == 0xFEFF ||
           (cp >= 0x80 && cp < 0xA0);
}

char *fg_str_sanitize(const void *s, size_t n, size_t cap)
{
    const unsigned char *p = s;
    if (cap < 16)
        cap = 16;
    char *out = malloc(cap + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned cp = 0;
        size_t l = utf8_len(p + i, n - i, &cp);
        char esc[16];
        size_t el = 0;
        if (l == 0) {
            el = (size_t)snprintf(esc, sizeof esc, "\\x%02X", p[i]);
            l = 1;
        } else if (cp < 0x20 || cp == 0x7F) {
            el = (size_t)snprintf(esc, sizeof esc, "\\x%02X", cp);
        } else if (is_deceptive(cp)) {
            el = (size_t)snprintf(esc, sizeof esc, "\\u{%04X}", cp);
        }
        size_t need = el ? el : l;
        if (o + need > cap) {
            /* Mark the cut so nobody mistakes a prefix for the whole name. */
            if (o + 3 > cap)
                o = cap - 3;
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, el ? esc : (const char *)p + i, need);
        o += need;
        i += l;
    }
    out[o] = 0;
    return out;
}

size_t fg_utf8_put(char *o, unsigned cp)
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
