/*
 * sig_goodware.c - the goodware set of `flowgate sig`: the list of clean files (a user's
 * directories, or the system's program and library directories) a rule must not match, walked
 * within the caps of limits.h, and the bounded read of one of them.
 */
#define _GNU_SOURCE
#include "sig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "limits.h"

void sig_goodware_free(struct sig_goodware *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->f[i].path);
    free(g->f);
    memset(g, 0, sizeof *g);
}

const char *const *sig_goodware_default_dirs(void)
{
    /* Programs and shared libraries: what an unrelated binary most likely shares with a
     * sample (runtime strings, library messages).  The multiarch directory is recursed into
     * (gconv, perl, dri ...); the first one that exists of each kind is taken. */
    static const char *const dirs[] = {"/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu",
                                       "/usr/lib/aarch64-linux-gnu", "/usr/lib64", NULL};
    static const char *found[sizeof dirs / sizeof *dirs];
    size_t n = 0;
    int lib = 0;
    for (size_t i = 0; dirs[i]; i++) {
        struct stat st;
        int is_lib = i >= 2;
        if ((is_lib && lib) || stat(dirs[i], &st) || !S_ISDIR(st.st_mode))
            continue;
        found[n++] = dirs[i];
        lib |= is_lib;
    }
    found[n] = NULL;
    return found;
}

static int push(struct sig_goodware *g, const char *path, uint64_t size)
{
    if (g->n == g->alloc) {
        size_t na = g->alloc ? g->alloc * 2 : 256;
        struct sig_gwfile *nf = realloc(g->f, na * sizeof *nf);
        if (!nf)
            return FG_ENOMEM;
        g->f = nf;
        g->alloc = na;
    }
    char *p = strdup(path);
    if (!p)
        return FG_ENOMEM;
    g->f[g->n++] = (struct sig_gwfile){.path = p, .size = size};
    g->bytes += size;
    return FG_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in one directory, sorted, so that the set (and a capped walk) is the same on
 * every run. */
static char **read_names(DIR *d, size_t *count)
{
    char **v = NULL;
    size_t n = 0, alloc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            char **nv = realloc(v, alloc * sizeof *nv);
            if (!nv)
                goto fail;
            v = nv;
        }
        if (!(v[n] = strdup(de->d_name)))
            goto fail;
        n++;
    }
    if (n)
        qsort(v, n, sizeof *v, by_name);
    *count = n;
    return v ? v : calloc(1, sizeof *v);
fail:
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return NULL;
}

static int walk(struct sig_goodware *g, const char *dir, unsigned depth)
{
    DIR *d = depth < FG_CAP_SIG_GW_DEPTH ? opendir(dir) : NULL;
    if (!d) {
        g->unreadable++;
        return FG_OK;
    }
    size_t n = 0;
    char **names = read_names(d, &n);
    closedir(d);
    if (!names)
        return FG_ENOMEM;
    int rc = FG_OK;
    for (size_t i = 0; i < n && !rc && !g->capped; i++) {
        char *p;
        struct stat st;
        if (asprintf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]) < 0) {
            rc = FG_ENOMEM;
            break;
        }
        /* lstat: links are not followed, so a loop or a link to /dev cannot stall the walk,
         * and a file reached by several links is scanned once. */
        if (lstat(p, &st)) {
            g->unreadable++;
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(g, p, depth + 1);
        } else if (S_ISREG(st.st_mode) && st.st_size > 0) {
            if ((uint64_t)st.st_size > FG_CAP_SIG_GW_FILE)
                g->too_large++;
            else if (g->n >= FG_CAP_SIG_GW_FILES ||
                     g->bytes + (uint64_t)st.st_size > FG_CAP_SIG_GW_BYTES)
                g->capped = 1;
            else
                rc = push(g, p, (uint64_t)st.st_size);
        }
        free(p);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int sig_goodware_walk(struct sig_goodware *g, const char *dir)
{
    struct stat st;
    if (stat(dir, &st))
        return FG_EIO;
    if (S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > FG_CAP_SIG_GW_FILE) {
            g->too_large++;
            return FG_OK;
        }
        return push(g, dir, (uint64_t)st.st_size);
    }
    return walk(g, dir, 0);
}

int sig_file_read(const char *path, int follow, uint8_t **buf, size_t *alloc, size_t *len)
{
    /* O_NONBLOCK: a FIFO put where a file was cannot stall the open. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW));
    if (fd < 0)
        return FG_EIO;
    struct stat st;
    int rc = FG_EIO;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode))
        goto out;
    /* The file may have grown since the walk: never read more than the cap. */
    size_t want = (uint64_t)st.st_size > FG_CAP_SIG_GW_FILE ? FG_CAP_SIG_GW_FILE
                                                             : (size_t)st.st_size;
    if (want > *alloc || !*buf) {
        uint8_t *nb = realloc(*buf, want ? want : 1);
        if (!nb) {
            rc = FG_ENOMEM;
            goto out;
        }
        *buf = nb;
        *alloc = want ? want : 1;
    }
    size_t got = 0;
    while (got < want) {
        ssize_t r = read(fd, *buf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    *len = got;
    rc = FG_OK;
out:
    close(fd);
    return rc;
}
