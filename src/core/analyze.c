/*
 * analyze.c - capability analysis of one sample: reads it, lets the format readers (a table:
 * PE, ELF) collect its facts, matches the capability rules and judges the result.  Owns the
 * analysis object, its string pool and the public accessors.
 */
#define _GNU_SOURCE
#include "analyze.h"
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "limits.h"
#include "scan.h"

/* Cheap, exact magic checks: the first reader whose bid is nonzero reads the sample. */
static const struct an_format *const formats[] = {
    &an_format_pe,
    &an_format_elf,
    NULL,
};

const char *fg_exfil_name(enum fg_exfil x)
{
    switch (x) {
    case FG_EXFIL_NO: return "no";
    case FG_EXFIL_YES: return "yes";
    case FG_EXFIL_UNKNOWN: return "unknown";
    }
    return "unknown";
}

double an_entropy(const uint8_t *p, size_t n)
{
    if (!n)
        return 0.0;
    size_t count[256] = {0};
    for (size_t i = 0; i < n; i++)
        count[p[i]]++;
    double h = 0.0;
    for (int i = 0; i < 256; i++) {
        if (!count[i])
            continue;
        double q = (double)count[i] / (double)n;
        h -= q * log2(q);
    }
    return h;
}

static int list_push(struct an_strlist *l, char *s)
{
    if (l->n == l->alloc) {
        size_t na = l->alloc ? l->alloc * 2 : 16;
        char **nv = realloc(l->v, na * sizeof(char *));
        if (!nv)
            return FG_ENOMEM;
        l->v = nv;
        l->alloc = na;
    }
    l->v[l->n++] = s;
    return FG_OK;
}

static void list_free(struct an_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

const char *an_str(struct fg_analysis *a, const void *s, size_t n)
{
    char *c = fg_str_sanitize(s, n, FG_CAP_EVIDENCE);
    if (!c || list_push(&a->pool, c)) {
        free(c);
        a->oom = 1;
        return NULL;
    }
    return c;
}

int an_strlist_add(struct fg_analysis *a, struct an_strlist *l, const void *s, size_t n)
{
    l->total++;
    if (l->cap && l->n >= l->cap)
        return FG_OK;
    char *c = fg_str_sanitize(s, n, FG_CAP_EVIDENCE);
    if (!c || list_push(l, c)) {
        free(c);
        a->oom = 1;
        return FG_ENOMEM;
    }
    return FG_OK;
}

void an_warn(struct fg_analysis *a, const char *fmt, ...)
{
    char buf[FG_CAP_EVIDENCE];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    an_strlist_add(a, &a->warnings, buf, strlen(buf));
}

int an_section_add(struct fg_analysis *a, const char *name, size_t name_len, uint64_t offset,
                   uint64_t size, uint64_t addr, uint64_t vsize, int r, int w, int x,
                   const uint8_t *file, size_t file_len)
{
    a->sections_total++;
    if (a->nsections >= FG_CAP_AN_SECTIONS)
        return FG_OK;
    if (a->nsections == a->sections_alloc) {
        size_t na = a->sections_alloc ? a->sections_alloc * 2 : 16;
        struct fg_section *ns = realloc(a->sections, na * sizeof *ns);
        if (!ns) {
            a->oom = 1;
            return FG_ENOMEM;
        }
        a->sections = ns;
        a->sections_alloc = na;
    }
    char flags[4] = {r ? 'r' : '-', w ? 'w' : '-', x ? 'x' : '-', 0};
    struct fg_section *s = &a->sections[a->nsections];
    memset(s, 0, sizeof *s);
    s->name = an_str(a, name, strnlen(name, name_len));
    s->flags = an_str(a, flags, 3);
    if (!s->name || !s->flags)
        return FG_ENOMEM;
    s->offset = offset;
    s->size = size;
    s->addr = addr;
    s->vsize = vsize;
    /* Entropy only of the bytes that are really in the file: a header may claim more.
     * Hostile headers can make every section span the whole file; the work stays within
     * a few passes over it. */
    if (offset < file_len) {
        uint64_t avail = file_len - offset, n = size < avail ? size : avail;
        if (a->entropy_bytes + n <= 4 * (uint64_t)file_len + (1u << 20)) {
            a->entropy_bytes += n;
            s->entropy = an_entropy(file + offset, (size_t)n);
        } else if (!a->entropy_skipped++) {
            an_warn(a, "sections overlap too much; the entropy of some was not computed");
        }
    }
    a->nsections++;
    return FG_OK;
}

static int analysis_new(const char *name, fg_analysis **out)
{
    fg_analysis *a = calloc(1, sizeof *a);
    if (!a)
        return FG_ENOMEM;
    a->path = fg_str_sanitize(name, strlen(name), FG_CAP_PATH);
    if (!a->path) {
        free(a);
        return FG_ENOMEM;
    }
    a->format = "unknown";
    a->info.arch = a->info.kind = a->info.subsystem = a->info.interpreter = a->info.linkage = "";
    a->libraries.cap = FG_CAP_AN_LIBRARIES;
    a->imports.cap = FG_CAP_AN_IMPORTS;
    a->warnings.cap = FG_CAP_AN_WARNINGS;
    a->packed_evidence.cap = 16;
    *out = a;
    return FG_OK;
}

void fg_analysis_free(fg_analysis *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ncaps; i++)
        free((void *)a->caps[i].attack);
    free(a->caps);
    free(a->sections);
    list_free(&a->pool);
    list_free(&a->libraries);
    list_free(&a->imports);
    list_free(&a->warnings);
    list_free(&a->packed_evidence);
    free(a->path);
    free(a);
}

/* Points the public view at what was built. */
static void publish(fg_analysis *a, uint64_t size)
{
    struct fg_analysis_info *i = &a->info;
    i->path = a->path;
    i->sha256 = a->sha256;
    i->size = size;
    i->format = a->format;
    i->imphash = a->imphash;
    i->nsections = a->nsections;
    i->sections = a->sections;
    i->nlibraries = a->libraries.n;
    i->libraries = (const char *const *)a->libraries.v;
    i->nimports = a->imports.total;
    i->nimports_listed = a->imports.n;
    i->imports = (const char *const *)a->imports.v;
    i->npacked_evidence = a->packed_evidence.n;
    i->packed_evidence = (const char *const *)a->packed_evidence.v;
    i->ncapabilities = a->ncaps;
    i->capabilities = a->caps;
    i->nwarnings = a->warnings.n;
    i->warnings = (const char *const *)a->warnings.v;
    if (!i->network_reason)
        i->network_reason = "";
    if (!i->exfiltration_reason)
        i->exfiltration_reason = "";
}

int fg_analyze_mem(fg_scanner *s, const char *name, const void *data, size_t len,
                   fg_analysis **out)
{
    if (!s || !name || !out || (!data && len))
        return FG_EINVAL;
    fg_analysis *a = NULL;
    int rc = analysis_new(name, &a);
    if (rc)
        return rc;
    const uint8_t *p = data ? data : (const uint8_t *)"";
    fg_sha256(p, len, NULL, a->sha256);
    a->info.entropy = an_entropy(p, len);
    for (const struct an_format *const *f = formats; *f; f++) {
        if (!(*f)->bid(p, len))
            continue;
        a->format = (*f)->name;
        rc = (*f)->read(a, p, len);
        if (rc == FG_EFORMAT)
            rc = FG_OK; /* a warning says what was wrong; the rules still run */
        break;
    }
    if (!rc)
        rc = an_rules_match(s, a, p, len);
    if (!rc)
        rc = an_judge(a, p, len);
    if (!rc && a->oom)
        rc = FG_ENOMEM;
    if (rc) {
        fg_analysis_free(a);
        return rc;
    }
    publish(a, len);
    *out = a;
    return FG_OK;
}

static int error_analysis(const char *path, uint64_t size, const char *why, fg_analysis **out)
{
    fg_analysis *a = NULL;
    int rc = analysis_new(path, &a);
    if (rc)
        return rc;
    a->info.error = an_str(a, why, strlen(why));
    if (!a->info.error) {
        fg_analysis_free(a);
        return FG_ENOMEM;
    }
    a->info.exfiltration = FG_EXFIL_UNKNOWN;
    publish(a, size);
    *out = a;
    return FG_OK;
}

int fg_analyze_file(fg_scanner *s, const char *path, fg_analysis **out)
{
    if (!s || !path || !out)
        return FG_EINVAL;
    char why[512];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
        return error_analysis(path, 0, why, out);
    }
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return error_analysis(path, 0, "not a regular file", out);
    }
    uint64_t max = s->eng->limits.max_object_size;
    if (max && (uint64_t)st.st_size > max) {
        close(fd);
        snprintf(why, sizeof why, "larger than the object size limit (%llu bytes); not analysed",
                 (unsigned long long)st.st_size);
        return error_analysis(path, (uint64_t)st.st_size, why, out);
    }
    size_t len = (size_t)st.st_size, got = 0;
    uint8_t *data = malloc(len ? len : 1);
    if (!data) {
        close(fd);
        return FG_ENOMEM;
    }
    int err = 0;
    while (got < len) {
        ssize_t n = read(fd, data + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            err = errno;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    int rc;
    if (got < len) {
        /* A file that shrank or failed mid-way: analysing a prefix could miss what matters. */
        snprintf(why, sizeof why, "cannot read: %s", err ? strerror(err) : "file shrank");
        rc = error_analysis(path, (uint64_t)st.st_size, why, out);
    } else {
        rc = fg_analyze_mem(s, path, data, len, out);
    }
    free(data);
    return rc;
}

const struct fg_analysis_info *fg_analysis_get(const fg_analysis *a)
{
    return a ? &a->info : NULL;
}
