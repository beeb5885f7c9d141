/*
 * handlers.c - the handler registry: which program opens which kind of document.  Built-in
 * defaults below; a handlers file (docs/formats/handlers.md) adds entries or replaces them
 * by name.  One line per handler: NAME TYPES COMMAND..., TYPES comma-separated content types
 * as `flowgate scan` names them, COMMAND split at blanks, "double quotes" keep blanks, {}
 * stands for the document.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowgate/flow.h"

#define MAX_HANDLERS 64
#define MAX_ARGS 32
#define MAX_LINE 2048

struct handler {
    char name[32];
    char types[256];
    char *argv[MAX_ARGS + 1];
};

static const char *const builtin[] = {
    /* poppler: the first two pages at a low resolution exercise the parser, the fonts and the
     * renderer without spending seconds on large documents. */
    "pdf     pdf                        pdftoppm -r 50 -l 2 -png {} /work/page",
    "office  ole2,ooxml,rtf,odf         soffice --headless --norestore --nolockcheck --convert-to pdf --outdir /work/out {}",
    "image   png,jpeg,gif,bmp,tiff,webp convert {} -resize 256x256 /work/thumb.png",
    "archive zip,tar,7z,rar,cab,iso9660 bsdtar -tvf {}",
};

static void handler_clear(struct handler *h)
{
    for (size_t i = 0; h->argv[i]; i++)
        free(h->argv[i]);
    memset(h, 0, sizeof *h);
}

/* Splits one line; 1 for a handler, 0 for a blank or comment line, -1 if malformed. */
static int parse_line(const char *line, struct handler *h)
{
    memset(h, 0, sizeof *h);
    char *fields[MAX_ARGS + 2];
    size_t n = 0;
    char buf[MAX_LINE];
    snprintf(buf, sizeof buf, "%s", line);
    char *p = buf;
    while (*p && n < MAX_ARGS + 2) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p || *p == '#')
            break;
        char *start = p;
        if (*p == '"') {
            start = ++p;
            while (*p && *p != '"')
                p++;
            if (!*p)
                return -1;
        } else {
            while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
                p++;
        }
        if (*p)
            *p++ = 0;
        fields[n++] = start;
    }
    /* More arguments than a handler holds: refused, never cut short. */
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p && *p != '#')
        return -1;
    if (n == 0)
        return 0;
    if (n < 3 || strlen(fields[0]) >= sizeof h->name || strlen(fields[1]) >= sizeof h->types)
        return -1;
    snprintf(h->name, sizeof h->name, "%s", fields[0]);
    snprintf(h->types, sizeof h->types, "%s", fields[1]);
    for (size_t i = 2; i < n; i++)
        if (!(h->argv[i - 2] = strdup(fields[i]))) {
            handler_clear(h);
            return -1;
        }
    return 1;
}

struct registry {
    struct handler h[MAX_HANDLERS];
    size_t n;
};

static void registry_free(struct registry *r)
{
    for (size_t i = 0; i < r->n; i++)
        handler_clear(&r->h[i]);
    r->n = 0;
}

static void registry_put(struct registry *r, struct handler *h)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->h[i].name, h->name)) {
            handler_clear(&r->h[i]);
            r->h[i] = *h;
            return;
        }
    if (r->n < MAX_HANDLERS)
        r->h[r->n++] = *h;
    else
        handler_clear(h);
}

static int registry_load(struct registry *r, const char *path, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        struct handler h;
        if (parse_line(builtin[i], &h) == 1)
            registry_put(r, &h);
    }
    if (!path)
        return 0;
    FILE *f = fopen(path, "re");
    if (!f) {
        if (err)
            snprintf(err, errlen, "cannot read handlers file %s", path);
        registry_free(r); /* the built-ins are already in */
        return FG_EIO;
    }
    char line[MAX_LINE];
    unsigned no = 0;
    while (fgets(line, sizeof line, f)) {
        no++;
        struct handler h;
        int rc = parse_line(line, &h);
        /* A line longer than the buffer would otherwise be read as two lines. */
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            int c = fgetc(f);
            if (c != EOF) {
                if (rc == 1)
                    handler_clear(&h);
                rc = -1;
            }
        }
        if (rc < 0) {
            if (err)
                snprintf(err, errlen, "%s:%u: expected NAME TYPES COMMAND... (at most %d "
                         "arguments, %d bytes a line)", path, no, MAX_ARGS, MAX_LINE - 1);
            fclose(f);
            registry_free(r);
            return FG_EFORMAT;
        }
        if (rc == 1)
            registry_put(r, &h);
    }
    fclose(f);
    return 0;
}

FG_API void fg_handler_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

FG_API int fg_handler_get(const char *path, const char *name, char ***argv, char *err,
                          size_t errlen)
{
    struct registry r;
    int rc = registry_load(&r, path, err, errlen);
    if (rc)
        return rc;
    rc = FG_EINVAL;
    for (size_t i = 0; i < r.n; i++) {
        if (strcmp(r.h[i].name, name))
            continue;
        size_t n = 0;
        while (r.h[i].argv[n])
            n++;
        char **v = calloc(n + 1, sizeof *v);
        if (!v) {
            rc = FG_ENOMEM;
            break;
        }
        for (size_t k = 0; k < n; k++) {
            v[k] = r.h[i].argv[k];
            r.h[i].argv[k] = NULL; /* handed over */
        }
        *argv = v;
        rc = 0;
        break;
    }
    if (rc == FG_EINVAL && err)
        snprintf(err, errlen, "no handler named '%s' (flowgate detonate --list-handlers)", name);
    registry_free(&r);
    return rc;
}

FG_API int fg_handler_for_type(const char *path, const char *type, char **name)
{
    struct registry r;
    if (registry_load(&r, path, NULL, 0))
        return FG_EIO;
    int rc = FG_EINVAL;
    for (size_t i = 0; i < r.n && rc; i++) {
        char types[256];
        snprintf(types, sizeof types, "%s", r.h[i].types);
        for (char *save = NULL, *t = strtok_r(types, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (!strcmp(t, type)) {
                *name = strdup(r.h[i].name);
                rc = *name ? 0 : FG_ENOMEM;
                break;
            }
    }
    registry_free(&r);
    return rc;
}

FG_API char *fg_handler_list(const char *path)
{
    struct registry r;
    if (registry_load(&r, path, NULL, 0))
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f) {
        for (size_t i = 0; i < r.n; i++) {
            fprintf(f, "%s\t%s\t", r.h[i].name, r.h[i].types);
            for (size_t k = 0; r.h[i].argv[k]; k++)
                fprintf(f, "%s%s", k ? " " : "", r.h[i].argv[k]);
            fputc('\n', f);
        }
        fclose(f);
    }
    registry_free(&r);
    return buf;
}
