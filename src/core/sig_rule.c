/*
 * sig_rule.c - from scored strings to a YARA rule: rule names, escaping, the header all
 * samples share, the choice of strings and of how many the condition requires, and the
 * rule text.
 */
#define _GNU_SOURCE
#include "sig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

/* Words the YARA grammar reserves (4.x); a rule cannot be named like one. */
static const char *const keywords[] = {
    "all", "and", "any", "ascii", "at", "base64", "base64wide", "condition", "contains",
    "defined", "endswith", "entrypoint", "false", "filesize", "for", "fullword", "global",
    "icontains", "iendswith", "iequals", "import", "in", "include", "int16", "int16be",
    "int32", "int32be", "int8", "int8be", "istartswith", "matches", "meta", "nocase", "none",
    "not", "of", "or", "private", "rule", "startswith", "strings", "them", "true", "uint16",
    "uint16be", "uint32", "uint32be", "uint8", "uint8be", "wide", "xor", NULL};

static int ident_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

int sig_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (!n || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!ident_char(name[i], i == 0))
            return 0;
    for (size_t i = 0; keywords[i]; i++)
        if (!strcmp(name, keywords[i]))
            return 0;
    return 1;
}

void sig_name_derive(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base && base[1] ? base + 1 : path;
    char tmp[72];
    size_t n = 0;
    for (size_t i = 0; base[i] && n < 64; i++)
        tmp[n++] = ident_char(base[i], 0) ? base[i] : '_';
    tmp[n] = 0;
    /* A name that starts with a digit, is empty or is a keyword gets a prefix. */
    if (sig_name_valid(tmp))
        snprintf(out, cap, "%s", tmp);
    else
        snprintf(out, cap, "sig_%s", tmp);
}

int sig_yara_escape(struct fg_buf *b, const uint8_t *s, size_t n)
{
    int rc = FG_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        uint8_t c = s[i];
        char esc[5];
        if (c == '"' || c == '\\')
            rc = fg_buf_putc(b, '\\') ? FG_ENOMEM : fg_buf_putc(b, c);
        else if (c == '\t')
            rc = fg_buf_append(b, "\\t", 2);
        else if (c == '\n')
            rc = fg_buf_append(b, "\\n", 2);
        else if (c == '\r')
            rc = fg_buf_append(b, "\\r", 2);
        else if (c < 0x20 || c >= 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            rc = fg_buf_append(b, esc, 4);
        } else
            rc = fg_buf_putc(b, c);
    }
    return rc;
}

int sig_yara_hex(struct fg_buf *b, const uint8_t *s, size_t n)
{
    int rc = fg_buf_append(b, "{", 1);
    for (size_t i = 0; i < n && !rc; i++) {
        char h[4];
        snprintf(h, sizeof h, " %02X", s[i]);
        rc = fg_buf_append(b, h, 3);
    }
    return rc ? rc : fg_buf_append(b, " }", 2);
}

/* ---- the header condition */

struct magic {
    const char *kind;
    const char *bytes;
    size_t n;
    const char *cond;
};

static const struct magic magics[] = {
    {"elf", "\x7f" "ELF", 4, "uint32(0) == 0x464C457F"},
    {"pdf", "%PDF", 4, "uint32(0) == 0x46445025"},
    {"zip", "PK\x03\x04", 4, "uint32(0) == 0x04034B50"},
    {"ole2", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8,
     "uint32(0) == 0xE011CFD0 and uint32(4) == 0xE11AB1A1"},
    {"rtf", "{\\rt", 4, "uint32(0) == 0x74725C7B"},
};

static int has_prefix(const struct sig_view *s, size_t n, const void *bytes, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].len < len || memcmp(s[i].p, bytes, len))
            return 0;
    return 1;
}

/* True if every sample is a PE image: "MZ", and "PE\0\0" where e_lfanew points. */
static int all_pe(const struct sig_view *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].len < 0x40 || memcmp(s[i].p, "MZ", 2))
            return 0;
        uint32_t lfanew = (uint32_t)s[i].p[0x3c] | (uint32_t)s[i].p[0x3d] << 8 |
                          (uint32_t)s[i].p[0x3e] << 16 | (uint32_t)s[i].p[0x3f] << 24;
        if (lfanew > s[i].len - 4 || memcmp(s[i].p + lfanew, "PE\0\0", 4))
            return 0;
    }
    return 1;
}

void sig_header_detect(const struct sig_view *s, size_t n, struct sig_header *h)
{
    h->kind = "";
    h->cond[0] = 0;
    if (!n)
        return;
    if (has_prefix(s, n, "MZ", 2)) {
        h->kind = "pe";
        snprintf(h->cond, sizeof h->cond, "uint16(0) == 0x5A4D%s",
                 all_pe(s, n) ? " and uint32(uint32(0x3C)) == 0x00004550" : "");
        return;
    }
    for (size_t i = 0; i < sizeof magics / sizeof *magics; i++)
        if (has_prefix(s, n, magics[i].bytes, magics[i].n)) {
            h->kind = magics[i].kind;
            snprintf(h->cond, sizeof h->cond, "%s", magics[i].cond);
            return;
        }
    /* No known magic: the first four (or two) bytes, if all samples agree on them. */
    size_t common = 0;
    while (common < 4 && has_prefix(s, n, s[0].p, common + 1))
        common++;
    const uint8_t *p = s[0].p;
    if (common == 4) {
        h->kind = "bytes";
        snprintf(h->cond, sizeof h->cond, "uint32(0) == 0x%02X%02X%02X%02X", p[3], p[2], p[1],
                 p[0]);
    } else if (common >= 2) {
        h->kind = "bytes";
        snprintf(h->cond, sizeof h->cond, "uint16(0) == 0x%02X%02X", p[1], p[0]);
    }
}

/* ---- choosing the strings */

static int by_worth(const void *a, const void *b, void *arg)
{
    const struct sig_strtab *t = arg;
    const struct sig_str *x = &t->v[*(const size_t *)a];
    const struct sig_str *y = &t->v[*(const size_t *)b];
    int cx = __builtin_popcountll(x->cover), cy = __builtin_popcountll(y->cover);
    if (cx != cy)
        return cy - cx;
    if (x->score != y->score)
        return y->score - x->score;
    int c = strcmp(sig_str_text(t, x), sig_str_text(t, y));
    return c ? c : x->wide - y->wide;
}

/* A string inside another chosen one adds nothing: whatever contains one contains both. */
static int redundant(const struct sig_strtab *t, const size_t *out, size_t n, size_t cand)
{
    const struct sig_str *c = &t->v[cand];
    const char *ct = sig_str_text(t, c);
    for (size_t i = 0; i < n; i++) {
        const struct sig_str *s = &t->v[out[i]];
        if (s->wide != c->wide)
            continue;
        const char *st = sig_str_text(t, s);
        if ((s->len >= c->len && memmem(st, s->len, ct, c->len)) ||
            (c->len > s->len && memmem(ct, c->len, st, s->len)))
            return 1;
    }
    return 0;
}

/* A string of one sample only is no family trait: with several samples, a string must be
 * shared by two at least. */
static int usable(const struct sig_str *s, size_t nsamples)
{
    int shared = __builtin_popcountll(s->cover);
    return s->score >= 0 && !s->in_goodware && shared >= (nsamples > 1 ? 2 : 1);
}

size_t sig_select(const struct sig_strtab *t, size_t nsamples, size_t max, size_t *out,
                  unsigned *k)
{
    uint64_t all = nsamples >= 64 ? ~0ULL : (1ULL << nsamples) - 1;
    size_t ne = 0, nfull = 0, n = 0;
    *k = 0;
    size_t *e = malloc((t->n ? t->n : 1) * sizeof *e);
    if (!e)
        return 0;
    for (size_t i = 0; i < t->n; i++)
        if (usable(&t->v[i], nsamples)) {
            e[ne++] = i;
            nfull += (t->v[i].cover & all) == all;
        }
    qsort_r(e, ne, sizeof *e, by_worth, (void *)t);
    if (nfull >= 2 || nfull == ne) {
        /* Strong strings first; weak ones only to reach SIG_MIN_STRONG. */
        for (int weak = 0; weak < 2; weak++)
            for (size_t i = 0; i < nfull && n < max; i++)
                if ((t->v[e[i]].score <= SIG_WEAK) == weak &&
                    (!weak || n < SIG_MIN_STRONG) && !redundant(t, out, n, e[i]))
                    out[n++] = e[i];
        *k = n <= 2 ? (unsigned)n : (unsigned)((2 * n + 2) / 3);
        free(e);
        return n;
    }
    /* Partial mode: first, for each sample not yet covered, the best string it contains;
     * then the best of the rest.  The condition asks for as many as the worst-covered sample
     * has, so each sample still matches. */
    for (size_t smp = 0; smp < nsamples && n < max; smp++) {
        int covered = 0;
        for (size_t i = 0; i < n && !covered; i++)
            covered = (t->v[out[i]].cover >> smp) & 1;
        for (size_t i = 0; i < ne && !covered; i++)
            if (((t->v[e[i]].cover >> smp) & 1) && !redundant(t, out, n, e[i])) {
                out[n++] = e[i];
                covered = 1;
            }
    }
    for (size_t i = 0; i < ne && n < max; i++) {
        int taken = 0;
        for (size_t j = 0; j < n && !taken; j++)
            taken = out[j] == e[i];
        if (!taken && !redundant(t, out, n, e[i]))
            out[n++] = e[i];
    }
    unsigned least = (unsigned)n;
    for (size_t smp = 0; smp < nsamples; smp++) {
        unsigned hits = 0;
        for (size_t i = 0; i < n; i++)
            hits += (t->v[out[i]].cover >> smp) & 1;
        if (hits < least)
            least = hits;
    }
    *k = least;
    free(e);
    return n;
}

/* ---- the rule text */

static int meta_line(struct fg_buf *b, const char *key, const char *val)
{
    int rc = fg_buf_append(b, "        ", 8);
    if (!rc)
        rc = fg_buf_append(b, key, strlen(key));
    if (!rc)
        rc = fg_buf_append(b, " = \"", 4);
    if (!rc)
        rc = sig_yara_escape(b, (const uint8_t *)val, strlen(val));
    return rc ? rc : fg_buf_append(b, "\"\n", 2);
}

static void size_bound(uint64_t max, char *out, size_t cap)
{
    /* Twice the largest sample: a rebuilt variant with more code still matches. */
    uint64_t kb = (max * 2 + 1023) / 1024;
    if (!kb)
        kb = 1;
    if (kb % 1024 == 0)
        snprintf(out, cap, "%lluMB", (unsigned long long)(kb / 1024));
    else
        snprintf(out, cap, "%lluKB", (unsigned long long)kb);
}

static int strings_section(struct fg_buf *b, const struct sig_rule_in *in)
{
    int rc = fg_buf_append(b, "    strings:\n", 13);
    for (size_t i = 0; i < in->nsel && !rc; i++) {
        const struct sig_str *s = &in->t->v[in->sel[i]];
        char head[32];
        int n = snprintf(head, sizeof head, "        $s%zu = \"", i);
        rc = fg_buf_append(b, head, (size_t)n);
        if (!rc)
            rc = sig_yara_escape(b, (const uint8_t *)sig_str_text(in->t, s), s->len);
        if (!rc)
            rc = fg_buf_append(b, s->wide ? "\" wide\n" : "\" ascii\n", s->wide ? 7 : 8);
    }
    return rc;
}

char *sig_rule_text(const struct sig_rule_in *in, char *cond, size_t condcap)
{
    struct fg_buf b;
    char line[256], bound[32];
    fg_buf_init(&b, 1u << 20);
    size_bound(in->max_size, bound, sizeof bound);
    char of[32];
    if (in->k == in->nsel)
        snprintf(of, sizeof of, "all of ($s*)");
    else
        snprintf(of, sizeof of, "%u of ($s*)", in->k);
    snprintf(cond, condcap, "%s%sfilesize < %s and %s", in->header->cond,
             in->header->cond[0] ? " and " : "", bound, of);
    snprintf(line, sizeof line, "rule %s\n{\n    meta:\n", in->name);
    int rc = fg_buf_append(&b, line, strlen(line));
    snprintf(line, sizeof line,
             "Generated by flowgate sig from %zu sample%s; its strings are in %s and in none "
             "of %zu goodware files",
             in->nsamples, in->nsamples == 1 ? "" : "s",
             in->nsamples == 1 ? "the sample" : "the samples", in->ngoodware);
    if (!rc)
        rc = meta_line(&b, "description", line);
    if (!rc)
        rc = meta_line(&b, "author", in->author);
    if (!rc)
        rc = meta_line(&b, "date", in->date);
    if (!rc)
        rc = meta_line(&b, "generator", "flowgate " FG_VERSION);
    for (size_t i = 0; i < in->nsamples && !rc; i++) {
        char key[32];
        snprintf(key, sizeof key, "hash%zu", i + 1);
        rc = meta_line(&b, key, in->sha256[i]);
    }
    if (!rc)
        rc = strings_section(&b, in);
    if (!rc)
        rc = fg_buf_append(&b, "    condition:\n        ", 23);
    if (!rc)
        rc = fg_buf_append(&b, cond, strlen(cond));
    if (!rc)
        rc = fg_buf_append(&b, "\n}\n", 4); /* with the NUL */
    if (rc) {
        fg_buf_free(&b);
        return NULL;
    }
    size_t len;
    return (char *)fg_buf_steal(&b, &len);
}
