/*
 * util.c - option value parsing and the directory walk shared by the commands.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int cli_parse_uint(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > 0xFFFFFFFFul)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 0: break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return -1;
    }
    if (*end == 'i' && end[1] == 'B')
        end += 2;
    else if (*end == 'B')
        end++;
    if (*end || (shift && v > (~0ULL >> shift)))
        return -1;
    *out = v << shift;
    return 0;
}

static int push(struct cli_paths *out, const char *p)
{
    if (out->n == out->alloc) {
        size_t na = out->alloc ? out->alloc * 2 : 64;
        char **np = realloc(out->p, na * sizeof(char *));
        if (!np)
            return -1;
        out->p = np;
        out->alloc = na;
    }
    if (!(out->p[out->n] = strdup(p)))
        return -1;
    out->n++;
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(const char *dir, struct cli_paths *out, int depth)
{
    if (depth > 256) {
        fprintf(stderr, "flowgate: %s: directories nested too deep, skipped\n", dir);
        out->errors++;
        return 0;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "flowgate: %s: %s\n", dir, strerror(errno));
        out->errors++;
        return 0;
    }
    struct cli_paths here = {0};
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *p;
        if (asprintf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name) < 0)
            break;
        push(&here, p);
        free(p);
    }
    closedir(d);
    if (here.n)
        qsort(here.p, here.n, sizeof(char *), cmp);
    int rc = 0;
    for (size_t i = 0; i < here.n && !rc; i++) {
        struct stat st;
        /* lstat: a symlink is not followed, so a link loop or a link to /dev cannot stall us */
        if (lstat(here.p[i], &st))
            continue;
        if (S_ISDIR(st.st_mode))
            rc = walk_dir(here.p[i], out, depth + 1);
        else if (S_ISREG(st.st_mode))
            rc = push(out, here.p[i]);
    }
    cli_paths_free(&here);
    return rc;
}

int cli_walk(const char *path, struct cli_paths *out)
{
    struct stat st;
    if (!strcmp(path, "-"))
        return push(out, path);
    if (stat(path, &st)) {
        /* Still an input: it will be reported as an error with its reason. */
        return push(out, path);
    }
    if (S_ISDIR(st.st_mode))
        return walk_dir(path, out, 0);
    return push(out, path);
}

void cli_paths_free(struct cli_paths *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->p[i]);
    free(p->p);
    p->p = NULL;
    p->n = p->alloc = 0;
}
