/*
 * scan_dynamic.c - `flowgate scan --dynamic`.  During the static scan the scanner's object
 * callback copies each object whose type has a handler with a profile into a private
 * temporary file; after the scan every such object is detonated (fg_detonate, one tracer per
 * worker thread) and its findings are added to the object in the result.
 */
#define _GNU_SOURCE
#include "scan_dynamic.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The registry's content types of one handler as ",t1,t2,", so that the object callback,
 * called for every object of every scan, never reads the handlers file again. */
static char *handler_types(const char *handlers_file, const char *name)
{
    char *list = fg_handler_list(handlers_file), *out = NULL;
    size_t nl = strlen(name);
    for (char *line = list, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        char *tab = strchr(line, '\t');
        if (!tab || (size_t)(tab - line) != nl || strncmp(line, name, nl))
            continue;
        char *types = tab + 1, *end = strchr(types, '\t');
        if (end && asprintf(&out, ",%.*s,", (int)(end - types), types) < 0)
            out = NULL;
        break;
    }
    free(list);
    return out;
}

int scan_dynamic_init(struct scan_dynamic *d, const char *dir, const char *handlers_file,
                      unsigned timeout_s)
{
    memset(d, 0, sizeof *d);
    d->handlers_file = handlers_file;
    d->timeout_ms = timeout_s * 1000;
    DIR *dh = opendir(dir);
    if (!dh) {
        fprintf(stderr, "flowgate scan: --profiles %s: %s\n", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(dh)) && d->n < DYN_MAX_PROFILES) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".prof"))
            continue;
        char path[4096], err[512];
        int w = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (w < 0 || (size_t)w >= sizeof path)
            continue;
        fg_profile *p = NULL;
        if (fg_profile_load(path, &p, err, sizeof err)) {
            fprintf(stderr, "flowgate scan: %s\n", err);
            continue;
        }
        char **argv = NULL;
        if (fg_handler_get(handlers_file, fg_profile_handler(p), &argv, err, sizeof err)) {
            fprintf(stderr, "flowgate scan: %s: %s\n", path, err);
            fg_profile_free(p);
            continue;
        }
        d->h[d->n].profile = p;
        d->h[d->n].argv = argv;
        d->h[d->n].handler = strdup(fg_profile_handler(p));
        d->h[d->n].types = handler_types(handlers_file, fg_profile_handler(p));
        d->n++;
    }
    closedir(dh);
    if (!d->n) {
        fprintf(stderr, "flowgate scan: no usable profile (<handler>.prof) in %s\n", dir);
        return -1;
    }
    return 0;
}

void scan_dynamic_free(struct scan_dynamic *d)
{
    for (size_t i = 0; i < d->n; i++) {
        fg_profile_free(d->h[i].profile);
        fg_handler_argv_free(d->h[i].argv);
        free(d->h[i].handler);
        free(d->h[i].types);
    }
    d->n = 0;
}

/* Handlers go by the extension (LibreOffice picks its import filter by it). */
static const char *ext_of(const char *type)
{
    static const char *const map[][2] = {
        {"pdf", ".pdf"}, {"ole2", ".doc"}, {"ooxml", ".docx"}, {"rtf", ".rtf"}, {"odf", ".odt"},
        {"png", ".png"}, {"jpeg", ".jpg"}, {"gif", ".gif"}, {"zip", ".zip"}, {"7z", ".7z"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], type))
            return map[i][1];
    return "";
}

static void on_object(void *arg, size_t index, const char *type, const char *sha256,
                      const void *data, size_t len)
{
    struct dyn_collect *c = arg;
    char want[64];
    int wl = snprintf(want, sizeof want, ",%s,", type);
    if (wl < 0 || (size_t)wl >= sizeof want)
        return;
    size_t h = c->d->n;
    for (size_t i = 0; i < c->d->n && h == c->d->n; i++)
        if (c->d->h[i].types && strstr(c->d->h[i].types, want))
            h = i;
    if (h == c->d->n)
        return; /* no handler with a profile for this type */
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->p[i].sha256, sha256)) {
            /* The same bytes again: a duplicate attachment, or the rescan of fg_scan_*()
             * whose result is the one that will be reported. */
            c->p[i].index = index;
            return;
        }
    if (c->n >= DYN_MAX_PENDING) {
        c->skipped++;
        return;
    }
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    const char *ext = ext_of(type);
    int w = snprintf(path, sizeof path, "%s/flowgate-dyn-XXXXXX%s",
                     tmpdir && tmpdir[0] ? tmpdir : "/tmp", ext);
    if (w < 0 || (size_t)w >= sizeof path)
        return;
    int fd = mkstemps(path, (int)strlen(ext));
    if (fd < 0)
        return;
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    close(fd);
    if (left || !(c->p[c->n].tmp = strdup(path))) {
        unlink(path);
        return;
    }
    c->p[c->n].index = index;
    c->p[c->n].h = h;
    snprintf(c->p[c->n].sha256, sizeof c->p[c->n].sha256, "%s", sha256);
    c->n++;
}

void scan_dynamic_attach(fg_scanner *s, struct dyn_collect *c, const struct scan_dynamic *d)
{
    memset(c, 0, sizeof *c);
    c->d = d;
    fg_scanner_set_object_callback(s, on_object, c);
}

void scan_dynamic_run(struct dyn_collect *c, fg_result *r)
{
    if (c->skipped)
        fprintf(stderr, "flowgate scan: %s: %zu more objects were not detonated (at most %d "
                        "per input)\n", r ? fg_result_path(r) : "?", c->skipped, DYN_MAX_PENDING);
    for (size_t i = 0; i < c->n; i++) {
        const struct scan_dynamic *d = c->d;
        struct fg_flow_opts fo = {.handler = d->h[c->p[i].h].handler,
                                  .argv = (const char *const *)d->h[c->p[i].h].argv,
                                  .timeout_ms = d->timeout_ms};
        fg_detonation *det = NULL;
        /* Objects of an earlier pass of the same input may no longer exist in r. */
        if (r && c->p[i].index < fg_result_object_count(r) &&
            !strcmp(fg_result_object(r, c->p[i].index)->sha256, c->p[i].sha256) &&
            fg_detonate(&fo, c->p[i].tmp, d->h[c->p[i].h].profile, NULL, &det) == 0) {
            fg_result_add_detonation(r, c->p[i].index, det);
            fg_detonation_free(det);
        }
        unlink(c->p[i].tmp);
        free(c->p[i].tmp);
    }
    c->n = 0;
}
