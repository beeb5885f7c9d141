/*
 * sig_clamav.c - ClamAV signatures for the samples of `flowgate sig`: an .hdb line per sample
 * (MD5 and size) and an .ndb body signature, the hex of a byte run the samples share around
 * one of the rule's strings (so the run, too, is absent from every goodware file).
 */
#define _GNU_SOURCE
#include "sig.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

char *sig_clamav_hdb(const char *name, const char *const *md5, const char *const *sha256,
                     const uint64_t *size, size_t n)
{
    struct fg_buf b;
    fg_buf_init(&b, (uint64_t)n * 256 + 1);
    int rc = FG_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        char line[256];
        int len = snprintf(line, sizeof line, "%s:%llu:%s.%.8s\n", md5[i],
                           (unsigned long long)size[i], name, sha256[i]);
        rc = fg_buf_append(&b, line, (size_t)len);
    }
    if (!rc)
        rc = fg_buf_putc(&b, 0);
    size_t len;
    if (rc) {
        fg_buf_free(&b);
        return NULL;
    }
    return (char *)fg_buf_steal(&b, &len);
}

/* ClamAV target types (docs: signatures/BodySignatureFormat): the matcher of the file type,
 * so the signature is not tried on every other file. */
static int target(const char *kind)
{
    if (!strcmp(kind, "pe"))
        return 1;
    if (!strcmp(kind, "ole2"))
        return 2;
    if (!strcmp(kind, "elf"))
        return 6;
    if (!strcmp(kind, "pdf"))
        return 10;
    return 0;
}

struct run {
    size_t left, right; /* bytes added before and after the string */
};

/* How far the bytes around the string's first occurrence agree in all samples of 'mask'.
 * off[i] is the occurrence in sample i. */
static struct run extend(const struct sig_view *s, size_t n, const size_t *off, size_t len,
                         uint64_t mask, size_t first)
{
    struct run r = {0, 0};
    size_t room = FG_CAP_SIG_NDB_RUN > len ? FG_CAP_SIG_NDB_RUN - len : 0;
    for (int grow = 1; grow && r.left + r.right < room;) {
        grow = 0;
        int ok = off[first] > r.left;
        for (size_t i = 0; i < n && ok; i++)
            if ((mask >> i) & 1)
                ok = off[i] > r.left && s[i].p[off[i] - r.left - 1] ==
                                            s[first].p[off[first] - r.left - 1];
        if (ok && r.left + r.right < room) {
            r.left++;
            grow = 1;
        }
        ok = off[first] + len + r.right < s[first].len;
        for (size_t i = 0; i < n && ok; i++)
            if ((mask >> i) & 1)
                ok = off[i] + len + r.right < s[i].len &&
                     s[i].p[off[i] + len + r.right] == s[first].p[off[first] + len + r.right];
        if (ok && r.left + r.right < room) {
            r.right++;
            grow = 1;
        }
    }
    return r;
}

/* The string's bytes as they appear in the file. */
static size_t raw_bytes(const struct sig_strtab *t, const struct sig_str *st, uint8_t *out)
{
    const char *text = sig_str_text(t, st);
    if (!st->wide) {
        memcpy(out, text, st->len);
        return st->len;
    }
    for (size_t i = 0; i < st->len; i++) {
        out[2 * i] = (uint8_t)text[i];
        out[2 * i + 1] = 0;
    }
    return 2 * (size_t)st->len;
}

/* The run for one string: start in sample 'first' and length, or 0 if a sample of its
 * cover lacks it. */
static size_t string_run(const struct sig_view *s, size_t n, const struct sig_strtab *t,
                         const struct sig_str *st, size_t *first, size_t *start)
{
    uint8_t raw[2 * FG_CAP_SIG_STRING];
    size_t len = raw_bytes(t, st, raw), off[64];
    *first = n;
    for (size_t i = 0; i < n; i++) {
        if (!((st->cover >> i) & 1))
            continue;
        const uint8_t *hit = memmem(s[i].p, s[i].len, raw, len);
        if (!hit)
            return 0;
        off[i] = (size_t)(hit - s[i].p);
        if (*first == n)
            *first = i;
    }
    if (*first == n)
        return 0;
    struct run r = extend(s, n, off, len, st->cover, *first);
    /* Zero padding at the edges says nothing about the sample and breaks on a rebuild that
     * aligns differently. */
    const uint8_t *b = s[*first].p + off[*first];
    while (r.left && b[-(ptrdiff_t)r.left] == 0)
        r.left--;
    while (r.right && b[len + r.right - 1] == 0)
        r.right--;
    *start = off[*first] - r.left;
    return r.left + len + r.right;
}

static int ndb_line(struct fg_buf *b, const char *name, int tgt, const uint8_t *p, size_t len)
{
    char head[200];
    int n = snprintf(head, sizeof head, "%s:%d:*:", name, tgt);
    int rc = fg_buf_append(b, head, (size_t)n);
    for (size_t i = 0; i < len && !rc; i++) {
        char h[3];
        snprintf(h, sizeof h, "%02x", p[i]);
        rc = fg_buf_append(b, h, 2);
    }
    return rc ? rc : fg_buf_putc(b, '\n');
}

char *sig_clamav_ndb(const char *name, const char *kind, const struct sig_view *s, size_t n,
                     const struct sig_strtab *t, const size_t *sel, size_t nsel, size_t *runlen)
{
    uint64_t all = n >= 64 ? ~0ULL : (1ULL << n) - 1;
    struct fg_buf b;
    fg_buf_init(&b, (nsel + 1) * (2 * FG_CAP_SIG_NDB_RUN + 256));
    size_t best = 0, best_first = 0, best_start = 0, lines = 0;
    int rc = FG_OK;
    *runlen = 0;
    for (size_t i = 0; i < nsel && !rc; i++) {
        const struct sig_str *st = &t->v[sel[i]];
        size_t first, start, len = string_run(s, n, t, st, &first, &start);
        if (!len)
            continue;
        if ((st->cover & all) == all) {
            /* Every sample has it: one signature, the longest such run, is enough. */
            if (len > best) {
                best = len;
                best_first = first;
                best_start = start;
            }
            continue;
        }
        /* A string of some samples only (partial mode): one signature per string, so that
         * every sample is detected by at least one. */
        char sub[160];
        snprintf(sub, sizeof sub, "%s.%zu", name, ++lines);
        rc = ndb_line(&b, sub, target(kind), s[first].p + start, len);
        if (len > *runlen)
            *runlen = len;
    }
    if (!rc && best) {
        rc = ndb_line(&b, name, target(kind), s[best_first].p + best_start, best);
        *runlen = best;
    }
    if (!rc)
        rc = fg_buf_putc(&b, 0);
    size_t len;
    if (rc) {
        fg_buf_free(&b);
        return NULL;
    }
    return (char *)fg_buf_steal(&b, &len);
}
