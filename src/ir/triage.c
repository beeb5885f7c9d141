/*
 * triage.c - the triage driver: opens a ROOT, tells Linux from Windows by its contents, runs
 * the autostart checks, then walks every file once (names, places, staging, indicators, the
 * body-file timeline).  It owns the findings, and the cache of examined programs through
 * which every program is hashed and scanned by the caller's engines exactly once.
 */
#define _GNU_SOURCE
#include "tri_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "limits.h"
#include "digest.h"
#include "scan.h"

struct tri_ioc {
    enum fg_ioc_type type;
    char *value;
};

struct fg_triage {
    fg_engine *scan, *cap;
    fg_scanner *ssc, *csc;
    struct fg_tri_finding *f;
    size_t n, alloc;
    uint64_t dropped;
    fg_tri_body_fn body;
    void *body_arg;
    fg_tri_progress_fn prog;
    void *prog_arg;
    struct tri_ioc *ioc;
    size_t nioc;
    uint64_t files;
    char os[32];
    char err[512];
};

struct tri_exam_ent {
    char *path;
    int rc, deep;
    struct tri_exam ex;
};

/* ---- small helpers shared by the checks ---- */

int tri_ends_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

int tri_starts_ci(const char *s, const char *prefix)
{
    return !strncasecmp(s, prefix, strlen(prefix));
}

const char *tri_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* UTF-16LE (with or without BOM, as task XML and some scripts are) to UTF-8. */
static char *utf16_to_utf8(const uint8_t *p, size_t len)
{
    char *o = malloc(len / 2 * 3 + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        unsigned c = p[i] | (unsigned)p[i + 1] << 8;
        if (c >= 0xD800 && c <= 0xDFFF)
            c = '?'; /* surrogates: names in task XML are not worth pairing */
        if (c == 0)
            c = ' ';
        k += fg_utf8_put(o + k, c);
    }
    o[k] = 0;
    return o;
}

char *tri_read_text(struct tri_host *h, const char *path, int *unreadable)
{
    uint8_t *d;
    size_t len;
    int trunc;
    struct tri_stat st;
    if (tri_fs_lstat(h->fs, path, &st) || st.type != TRI_REG)
        return NULL;
    if (tri_fs_read(h->fs, path, FG_CAP_TRI_TEXT, &d, &len, &trunc)) {
        if (unreadable)
            *unreadable = 1;
        return NULL;
    }
    if (trunc && unreadable)
        *unreadable = 1;
    int utf16 = (len >= 2 && d[0] == 0xFF && d[1] == 0xFE) ||
                (len >= 4 && d[0] == '<' && d[1] == 0 && d[3] == 0);
    if (utf16) {
        size_t skip = d[0] == 0xFF ? 2 : 0;
        char *u = utf16_to_utf8(d + skip, len - skip);
        free(d);
        return u;
    }
    for (size_t i = 0; i < len; i++)
        if (!d[i])
            d[i] = ' ';
    return (char *)d;
}

struct each_ctx {
    struct tri_host *h;
    const char *dir;
    tri_file_fn fn;
    void *arg;
    int dirs;
};

static int each_cb(void *arg, const char *name, const struct tri_stat *st)
{
    struct each_ctx *c = arg;
    if (c->dirs ? st->type != TRI_DIR : (st->type != TRI_REG && st->type != TRI_LNK))
        return 0;
    char p[4096];
    if ((size_t)snprintf(p, sizeof(p), "%s/%s", strcmp(c->dir, "/") ? c->dir : "", name) >= sizeof(p))
        return 0;
    c->fn(c->h, p, name, st, c->arg);
    return 0;
}

void tri_each_file(struct tri_host *h, const char *dir, tri_file_fn fn, void *arg)
{
    struct each_ctx c = {h, dir, fn, arg, 0};
    tri_fs_list(h->fs, dir, each_cb, &c);
}

void tri_each_dir(struct tri_host *h, const char *dir, tri_file_fn fn, void *arg)
{
    struct each_ctx c = {h, dir, fn, arg, 1};
    tri_fs_list(h->fs, dir, each_cb, &c);
}

/* ---- findings ---- */

void tri_display(const struct tri_host *h, const char *path, char *out, size_t n)
{
    if (h->is_windows && !h->is_linux) {
        size_t k = (size_t)snprintf(out, n, "C:");
        for (const char *p = path; *p && k + 1 < n; p++)
            out[k++] = *p == '/' ? '\\' : *p;
        out[k < n ? k : n - 1] = 0;
        if (!path[1] && k + 1 < n) { /* the root itself */
            out[2] = '\\';
            out[3] = 0;
        }
    } else {
        snprintf(out, n, "%s", path);
    }
}

static char *clean(const char *s)
{
    return fg_str_sanitize(s ? s : "", s ? strlen(s) : 0, FG_CAP_PATH);
}

void tri_report(struct tri_host *h, const struct tri_note *n, const char *evidence,
                const char *fmt, ...)
{
    fg_triage *t = h->t;
    if (t->n >= FG_CAP_TRI_FINDINGS && strcmp(n->id, "tri.limit.findings")) {
        t->dropped++;
        return;
    }
    if (t->n == t->alloc) {
        size_t na = t->alloc ? t->alloc * 2 : 256;
        struct fg_tri_finding *nf = realloc(t->f, na * sizeof(*nf));
        if (!nf)
            return;
        t->f = nf;
        t->alloc = na;
    }
    char msg[2048], disp[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n->raw_path)
        snprintf(disp, sizeof(disp), "%s", n->path ? n->path : "");
    else
        tri_display(h, n->path ? n->path : "/", disp, sizeof(disp));
    struct fg_tri_finding *f = &t->f[t->n];
    memset(f, 0, sizeof(*f));
    f->host = clean(h->host);
    f->id = clean(n->id);
    f->severity = n->sev;
    f->path = clean(disp);
    f->message = clean(msg);
    f->evidence = fg_str_sanitize(evidence ? evidence : "", evidence ? strlen(evidence) : 0,
                                  2048);
    f->sha256 = clean(n->sha256);
    f->command = clean(n->command);
    f->rule = clean(n->rule);
    f->name = clean(n->name);
    f->unreadable = n->unreadable;
    if (!f->host || !f->id || !f->path || !f->message || !f->evidence || !f->sha256 ||
        !f->command || !f->rule || !f->name) {
        free((void *)f->host); free((void *)f->id); free((void *)f->path);
        free((void *)f->message); free((void *)f->evidence); free((void *)f->sha256);
        free((void *)f->command); free((void *)f->rule); free((void *)f->name);
        return;
    }
    t->n++;
}

/* ---- examining programs through the engines ---- */

static uint64_t fnv(const char *s)
{
    uint64_t x = 1469598103934665603ULL;
    for (; *s; s++)
        x = (x ^ (uint8_t)*s) * 1099511628211ULL;
    return x;
}

static struct tri_exam_ent **exam_slot(struct tri_host *h, const char *path)
{
    if (!h->exam_alloc)
        return NULL;
    size_t m = h->exam_alloc - 1, i = (size_t)fnv(path) & m;
    while (h->exam[i] && strcmp(h->exam[i]->path, path))
        i = (i + 1) & m;
    return &h->exam[i];
}

static int exam_grow(struct tri_host *h)
{
    if (h->nexam * 2 < h->exam_alloc)
        return 0;
    size_t na = h->exam_alloc ? h->exam_alloc * 2 : 1024;
    struct tri_exam_ent **old = h->exam;
    size_t oa = h->exam_alloc;
    h->exam = calloc(na, sizeof(*h->exam));
    if (!h->exam) {
        h->exam = old;
        return FG_ENOMEM;
    }
    h->exam_alloc = na;
    for (size_t i = 0; i < oa; i++)
        if (old[i])
            *exam_slot(h, old[i]->path) = old[i];
    free(old);
    return 0;
}

static void digest(const uint8_t *d, size_t len, struct tri_exam *ex)
{
    fg_sha256(d, len, NULL, ex->sha256);
    fg_md5_hex(d, len, ex->md5);
}

/* YARA and the analyzers: findings of medium or more flag the program. */
static void exam_scan(struct tri_host *h, const char *path, const char *disp, const uint8_t *d,
                      size_t len, struct tri_exam *ex)
{
    fg_triage *t = h->t;
    if (!t->scan || (!t->ssc && fg_scanner_new(t->scan, &t->ssc)))
        return;
    fg_result *r = NULL;
    if (fg_scan_mem(t->ssc, disp, d, len, &r) || !r)
        return;
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t j = 0; j < o->nfindings; j++) {
            const struct fg_finding *f = &o->findings[j];
            /* name.* findings repeat triage's own name checks (tri_names.c) */
            if (f->severity < FG_SEV_MEDIUM || !strncmp(f->id, "name.", 5))
                continue;
            int yara = !strncmp(f->id, "yara.", 5);
            if (!ex->flagged)
                snprintf(ex->rule, sizeof(ex->rule), "%s", yara ? f->id + 5 : f->id);
            ex->flagged = 1;
            struct tri_note n = {.id = yara ? "tri.yara" : "tri.scan", .sev = f->severity,
                                 .path = path, .sha256 = ex->sha256, .name = tri_basename(path),
                                 .rule = yara ? f->id + 5 : f->id};
            char ev[1024];
            snprintf(ev, sizeof(ev), "%s%s%s; sha256 %s", f->id, f->evidence[0] ? ": " : "",
                     f->evidence, ex->sha256);
            tri_report(h, &n, ev, "%s (%s)", f->message, o->path);
        }
    }
    fg_result_free(r);
}

/* Capability analysis: a program in an unusual place that can send data out is a finding. */
static void exam_caps(struct tri_host *h, const char *path, const char *disp, const uint8_t *d,
                      size_t len, struct tri_exam *ex)
{
    fg_triage *t = h->t;
    if (!t->cap || (!t->csc && fg_scanner_new(t->cap, &t->csc)))
        return;
    fg_analysis *a = NULL;
    if (fg_analyze_mem(t->csc, disp, d, len, &a) || !a)
        return;
    const struct fg_analysis_info *ai = fg_analysis_get(a);
    ex->network = ai->network;
    ex->exfil = ai->exfiltration == FG_EXFIL_YES;
    if (ex->exfil) {
        char ev[1024];
        size_t k = (size_t)snprintf(ev, sizeof(ev), "%s; capabilities:",
                                    ai->exfiltration_reason ? ai->exfiltration_reason : "");
        for (size_t i = 0; i < ai->ncapabilities && i < 8 && k < sizeof(ev); i++)
            k += (size_t)snprintf(ev + k, sizeof(ev) - k, "%s %s", i ? "," : "",
                                  ai->capabilities[i].name);
        struct tri_note n = {.id = "tri.capability", .sev = FG_SEV_MEDIUM, .path = path,
                             .sha256 = ex->sha256, .name = tri_basename(path)};
        tri_report(h, &n, ev, "program in an unusual place can send data out (%s %s)",
                   ai->format, ai->kind);
    }
    fg_analysis_free(a);
}

int tri_examine(struct tri_host *h, const char *path, int deep, struct tri_exam *ex)
{
    struct tri_exam_ent **slot = exam_slot(h, path);
    if (slot && *slot && (*slot)->deep >= deep) {
        *ex = (*slot)->ex;
        return (*slot)->rc;
    }
    memset(ex, 0, sizeof(*ex));
    if (!slot || !*slot) {
        if (h->nexam >= FG_CAP_TRI_EXAMS || exam_grow(h))
            return FG_ELIMIT;
        slot = exam_slot(h, path);
        struct tri_exam_ent *e = calloc(1, sizeof(*e));
        if (!e || !(e->path = strdup(path))) {
            free(e);
            return FG_ENOMEM;
        }
        e->deep = -1;
        *slot = e;
        h->nexam++;
    }
    struct tri_exam_ent *e = *slot;
    int prev_deep = e->deep;
    uint8_t *d;
    size_t len;
    int trunc, rc = tri_fs_read(h->fs, path, FG_CAP_TRI_EXAM, &d, &len, &trunc);
    char disp[4096];
    tri_display(h, path, disp, sizeof(disp));
    if (!rc) {
        if (trunc) {
            ex->unreadable = 1;
            if (prev_deep < 0) {
                struct tri_note n = {.id = "tri.limit.size", .sev = FG_SEV_LOW, .path = path,
                                     .unreadable = 1, .name = tri_basename(path)};
                tri_report(h, &n, "", "only the first %u MiB were hashed and scanned",
                           FG_CAP_TRI_EXAM >> 20);
            }
        }
        digest(d, len, ex);
        if (prev_deep < 0)
            exam_scan(h, path, disp, d, len, ex);
        else {
            ex->flagged = e->ex.flagged;
            memcpy(ex->rule, e->ex.rule, sizeof(ex->rule));
        }
        if (deep)
            exam_caps(h, path, disp, d, len, ex);
        free(d);
    }
    e->rc = rc;
    e->deep = deep;
    e->ex = *ex;
    return rc;
}

int tri_looks_executable(struct tri_host *h, const char *path, const struct tri_stat *st)
{
    if (st->type != TRI_REG || st->size < 2)
        return 0;
    unsigned char m[4] = {0};
    size_t got = 0;
    if (tri_fs_pread(h->fs, path, 0, m, sizeof(m), &got) || got < 2)
        return 0;
    return (m[0] == 'M' && m[1] == 'Z') || (m[0] == '#' && m[1] == '!') ||
           (got == 4 && !memcmp(m, "\177ELF", 4));
}

/* ---- the walk ---- */

static void body_line(struct tri_host *h, const char *path, const struct tri_stat *st)
{
    fg_triage *t = h->t;
    if (!t->body)
        return;
    char disp[4096];
    tri_display(h, path, disp, sizeof(disp));
    char *s = fg_str_sanitize(disp, strlen(disp), FG_CAP_PATH);
    if (!s)
        return;
    for (char *p = s; *p; p++)
        if (*p == '|')
            *p = '?'; /* the body format has no escape for its separator */
    struct tri_exam_ent **slot = exam_slot(h, path);
    struct fg_tri_body b = {.md5 = slot && *slot && !(*slot)->rc ? (*slot)->ex.md5 : "0",
                            .path = s, .inode = st->ino, .mode = st->mode, .uid = st->uid,
                            .gid = st->gid, .size = st->size, .atime = st->atime,
                            .mtime = st->mtime, .ctime = st->ctime, .crtime = st->crtime};
    t->body(t->body_arg, &b);
    free(s);
}

struct walk_dir {
    char **names;
    struct tri_stat *st;
    size_t n, alloc;
};

static int walk_collect(void *arg, const char *name, const struct tri_stat *st)
{
    struct walk_dir *w = arg;
    if (w->n == w->alloc) {
        size_t na = w->alloc ? w->alloc * 2 : 64;
        char **nn = realloc(w->names, na * sizeof(char *));
        if (!nn)
            return 1;
        w->names = nn;
        struct tri_stat *ns = realloc(w->st, na * sizeof(*ns));
        if (!ns)
            return 1;
        w->st = ns;
        w->alloc = na;
    }
    if (!(w->names[w->n] = strdup(name)))
        return 1;
    w->st[w->n++] = *st;
    return 0;
}

/* Pseudo file systems of a live root are not evidence; /dev is walked only for /dev/shm. */
static int skip_dir(const char *path, const char *name)
{
    if (!strcmp(path, "/proc") || !strcmp(path, "/sys"))
        return 1;
    return !strncmp(path, "/dev/", 5) && strcmp(name, "shm") && !strchr(path + 5, '/');
}

static void walk(struct tri_host *h, const char *dir, unsigned depth)
{
    struct walk_dir w = {0};
    if (tri_fs_list(h->fs, dir, walk_collect, &w)) {
        struct tri_note n = {.id = "tri.unreadable", .sev = FG_SEV_LOW, .path = dir, .unreadable = 1};
        tri_report(h, &n, "", "directory could not be listed");
    }
    for (size_t i = 0; i < w.n; i++) {
        char p[4096];
        const char *name = w.names[i];
        const struct tri_stat *st = &w.st[i];
        if ((size_t)snprintf(p, sizeof(p), "%s/%s", strcmp(dir, "/") ? dir : "", name) >= sizeof(p))
            continue;
        if (h->files >= FG_CAP_TRI_FILES)
            break;
        if (++h->files % 4096 == 0 && h->t->prog)
            h->t->prog(h->t->prog_arg, h->host, h->t->files + h->files);
        if (st->mtime > h->newest)
            h->newest = st->mtime;
        tri_names_check(h, p, name, st);
        if (st->type == TRI_REG) {
            tri_staging_file(h, p, name, st);
            tri_ioc_file(h, p, name, st);
        }
        body_line(h, p, st);
        if (st->type == TRI_DIR && !skip_dir(p, name)) {
            if (depth + 1 >= FG_CAP_TRI_DEPTH) {
                struct tri_note n = {.id = "tri.limit.depth", .sev = FG_SEV_LOW, .path = p,
                                     .unreadable = 1};
                tri_report(h, &n, "", "directories nested deeper than %d were not walked",
                           FG_CAP_TRI_DEPTH);
            } else {
                walk(h, p, depth + 1);
            }
        }
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.names[i]);
    free(w.names);
    free(w.st);
}

/* ---- OS detection and the run ---- */

static void detect_os(struct tri_host *h)
{
    char p[4096];
    const char *lin[] = {"/etc/os-release", "/usr/lib/os-release", "/etc/passwd", "/etc/fstab"};
    for (size_t i = 0; i < sizeof(lin) / sizeof(lin[0]) && !h->is_linux; i++)
        h->is_linux = !tri_fs_resolve(h->fs, lin[i], 0, p, sizeof(p));
    h->is_windows = !tri_fs_resolve(h->fs, "/Windows/System32/config", 1, p, sizeof(p)) ||
                    !tri_fs_resolve(h->fs, "/Windows/System32", 1, p, sizeof(p));
    char ev[512] = "";
    if (h->is_linux && !tri_fs_resolve(h->fs, "/etc/os-release", 0, p, sizeof(p))) {
        char *txt = tri_read_text(h, p, NULL);
        const char *pn = txt ? strstr(txt, "PRETTY_NAME=") : NULL;
        if (pn) {
            pn += 12;
            size_t l = strcspn(pn, "\n");
            snprintf(ev, sizeof(ev), "%.*s", (int)(l < 200 ? l : 200), pn);
        }
        free(txt);
    }
    if (h->is_windows && !h->is_linux)
        snprintf(ev, sizeof(ev), "Windows/System32 present");
    const char *os = h->is_linux && h->is_windows ? "linux+windows"
                   : h->is_linux ? "linux" : h->is_windows ? "windows" : "unknown";
    snprintf(h->t->os, sizeof(h->t->os), "%s", os);
    struct tri_note n = {.id = "tri.host.os", .sev = FG_SEV_INFO, .path = "/"};
    tri_report(h, &n, ev, "operating system: %s%s", os,
               tri_fs_is_image(h->fs) ? " (disk image, read through libtsk)" : "");
}

int fg_triage_run(fg_triage *t, const char *root)
{
    if (!t || !root)
        return FG_EINVAL;
    struct tri_host h = {.t = t, .host = root};
    int rc = tri_fs_open(root, &h.fs, t->err, sizeof(t->err));
    if (rc)
        return rc;
    detect_os(&h);
    if (h.is_linux)
        tri_linux_run(&h);
    if (h.is_windows)
        tri_windows_run(&h);
    walk(&h, "/", 0);
    if (h.files >= FG_CAP_TRI_FILES) {
        struct tri_note n = {.id = "tri.limit.files", .sev = FG_SEV_LOW, .path = "/", .unreadable = 1};
        tri_report(&h, &n, "", "only the first %u files were walked", FG_CAP_TRI_FILES);
    }
    tri_staging_finish(&h);
    if (t->dropped) {
        struct tri_note n = {.id = "tri.limit.findings", .sev = FG_SEV_LOW, .path = "/", .unreadable = 1};
        t->dropped = 0;
        tri_report(&h, &n, "", "more than %u findings; the rest were counted only",
                   FG_CAP_TRI_FINDINGS);
    }
    t->files += h.files;
    for (size_t i = 0; i < h.exam_alloc; i++)
        if (h.exam[i]) {
            free(h.exam[i]->path);
            free(h.exam[i]);
        }
    free(h.exam);
    free(h.sets);
    for (size_t i = 0; i < h.nusers; i++)
        free(h.users[i]);
    free(h.users);
    tri_fs_close(h.fs);
    return 0;
}

/* ---- the public handle ---- */

int fg_triage_new(fg_engine *scan, fg_engine *cap, fg_triage **out)
{
    if (!out)
        return FG_EINVAL;
    fg_triage *t = calloc(1, sizeof(*t));
    if (!t)
        return FG_ENOMEM;
    t->scan = scan;
    t->cap = cap;
    snprintf(t->os, sizeof(t->os), "unknown");
    *out = t;
    return 0;
}

void fg_triage_free(fg_triage *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        struct fg_tri_finding *f = &t->f[i];
        free((void *)f->host); free((void *)f->id); free((void *)f->path);
        free((void *)f->message); free((void *)f->evidence); free((void *)f->sha256);
        free((void *)f->command); free((void *)f->rule); free((void *)f->name);
    }
    free(t->f);
    for (size_t i = 0; i < t->nioc; i++)
        free(t->ioc[i].value);
    free(t->ioc);
    fg_scanner_free(t->ssc);
    fg_scanner_free(t->csc);
    free(t);
}

const char *fg_triage_error(const fg_triage *t)
{
    return t ? t->err : "";
}

void fg_triage_set_bodyfile(fg_triage *t, fg_tri_body_fn fn, void *arg)
{
    t->body = fn;
    t->body_arg = arg;
}

void fg_triage_set_progress(fg_triage *t, fg_tri_progress_fn fn, void *arg)
{
    t->prog = fn;
    t->prog_arg = arg;
}

int fg_triage_add_ioc(fg_triage *t, enum fg_ioc_type type, const char *value)
{
    if (!t || !value || !*value)
        return FG_EINVAL;
    if (t->nioc >= FG_CAP_TRI_IOCS)
        return FG_ELIMIT;
    struct tri_ioc *n = realloc(t->ioc, (t->nioc + 1) * sizeof(*n));
    if (!n)
        return FG_ENOMEM;
    t->ioc = n;
    if (!(n[t->nioc].value = strdup(value)))
        return FG_ENOMEM;
    if (type == FG_IOC_SHA256 || type == FG_IOC_DOMAIN)
        for (char *p = n[t->nioc].value; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    n[t->nioc++].type = type;
    return 0;
}

size_t tri_ioc_count(const fg_triage *t)
{
    return t->nioc;
}

const char *tri_ioc_get(const fg_triage *t, size_t i, enum fg_ioc_type *type)
{
    *type = t->ioc[i].type;
    return t->ioc[i].value;
}

size_t fg_triage_count(const fg_triage *t)
{
    return t ? t->n : 0;
}

const struct fg_tri_finding *fg_triage_get(const fg_triage *t, size_t i)
{
    return t && i < t->n ? &t->f[i] : NULL;
}

const char *fg_triage_os(const fg_triage *t)
{
    return t->os;
}

uint64_t fg_triage_files(const fg_triage *t)
{
    return t->files;
}

char *fg_tri_finding_json(const struct fg_tri_finding *f)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "host", f->host, "id", f->id,
                          "severity", fg_severity_name(f->severity), "path", f->path,
                          "message", f->message, "evidence", f->evidence);
    if (!o)
        return NULL;
    if (f->sha256[0])
        json_object_set_new(o, "sha256", json_string(f->sha256));
    if (f->command[0])
        json_object_set_new(o, "command", json_string(f->command));
    if (f->rule[0])
        json_object_set_new(o, "rule", json_string(f->rule));
    if (f->unreadable)
        json_object_set_new(o, "unreadable", json_true());
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

int fg_tri_body_format(const struct fg_tri_body *b, char *buf, size_t n)
{
    /* mode_as_string as ls prints it: mactime shows it as is. */
    char m[11];
    uint32_t md = b->mode;
    m[0] = S_ISDIR(md) ? 'd' : S_ISLNK(md) ? 'l' : S_ISREG(md) ? '-' : '?';
    const char *rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        m[1 + i] = (md & (0400u >> i)) ? rwx[i] : '-';
    m[10] = 0;
    return snprintf(buf, n, "%s|%s|%llu|%s|%u|%u|%llu|%lld|%lld|%lld|%lld", b->md5, b->path,
                    (unsigned long long)b->inode, m, b->uid, b->gid,
                    (unsigned long long)b->size, (long long)b->atime, (long long)b->mtime,
                    (long long)b->ctime, (long long)b->crtime);
}
