/*
 * tri_staging.c - traces of data being packed for sending out: split archive sets (.7z.001,
 * .zip.001, .z01, .partN.rar, .r00), large or recent archives in temp and staging places, and
 * archivers where no installer puts them.  Sets are gathered during the walk and reported
 * once it is done, with their part count, total size and times.
 */
#define _GNU_SOURCE
#include "tri_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "limits.h"

#define TRI_LARGE_ARCHIVE (50ULL << 20) /* an archive this big in a temp place is "large" */
#define TRI_RECENT (7 * 86400)          /* "recent": within a week of the newest file */

struct tri_set {
    char first[1024]; /* path of the first part seen */
    char key[1024];   /* directory + set name, lower case */
    int split;        /* 0: a single archive in a staging place */
    unsigned parts;
    uint64_t size;
    int64_t oldest, newest;
};

static const char *const archive_ext[] = {".7z", ".zip", ".rar", ".tar", ".tgz", ".tar.gz",
                                          ".gz", ".bz2", ".xz", ".cab", ".zst", ".tbz2", ".txz"};

int tri_is_archive_name(const char *name)
{
    for (size_t i = 0; i < sizeof(archive_ext) / sizeof(archive_ext[0]); i++)
        if (tri_ends_ci(name, archive_ext[i]))
            return 1;
    return 0;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return n > 0 && !s[n];
}

/* Length of the set name if 'name' is one part of a split archive, else 0. */
static size_t split_stem(const char *name)
{
    size_t l = strlen(name);
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return 0;
    const char *ext = dot + 1;
    size_t el = strlen(ext);
    /* data.7z.001: a numbered part after an archive extension */
    if (el == 3 && digits(ext, 3)) {
        size_t sl = (size_t)(dot - name);
        char stem[1024];
        if (sl >= sizeof(stem))
            return 0;
        memcpy(stem, name, sl);
        stem[sl] = 0;
        return tri_is_archive_name(stem) ? sl : 0;
    }
    /* backup.z01 (zip spanning), old.r00 (rar volumes) */
    if (el == 3 && (ext[0] == 'z' || ext[0] == 'Z' || ext[0] == 'r' || ext[0] == 'R') &&
        digits(ext + 1, 2))
        return (size_t)(dot - name);
    /* x.part1.rar */
    if (tri_ends_ci(name, ".rar") && l > 4) {
        const char *p = name + l - 4;
        const char *q = p;
        while (q > name && isdigit((unsigned char)q[-1]))
            q--;
        if (q < p && q - name >= 5 && !strncasecmp(q - 5, ".part", 5))
            return (size_t)(q - 5 - name);
    }
    return 0;
}

static struct tri_set *set_for(struct tri_host *h, const char *path, size_t dirlen,
                               const char *stem, size_t sl, int split)
{
    char key[1024];
    snprintf(key, sizeof(key), "%d:%.*s/%.*s", split, (int)dirlen, path, (int)sl, stem);
    for (char *p = key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    for (size_t i = 0; i < h->nsets; i++)
        if (!strcmp(h->sets[i].key, key))
            return &h->sets[i];
    if (h->nsets >= FG_CAP_TRI_SETS)
        return NULL;
    struct tri_set *n = realloc(h->sets, (h->nsets + 1) * sizeof(*n));
    if (!n)
        return NULL;
    h->sets = n;
    struct tri_set *s = &h->sets[h->nsets++];
    memset(s, 0, sizeof(*s));
    snprintf(s->key, sizeof(s->key), "%s", key);
    snprintf(s->first, sizeof(s->first), "%s", path);
    s->split = split;
    s->oldest = INT64_MAX;
    return s;
}

static int staging_place(const char *path)
{
    unsigned pl = tri_place(path);
    return (pl & (TRI_PL_TEMP | TRI_PL_SHM | TRI_PL_RECYCLE | TRI_PL_PUBLIC | TRI_PL_HIDDEN)) ||
           ((pl & (TRI_PL_APPDATA | TRI_PL_PROGDATA)) && tri_place_depth(path) == 0);
}

static void archiver(struct tri_host *h, const char *path, const char *name)
{
    static const char *const names[] = {"7z.exe", "7za.exe", "7zr.exe", "7zg.exe", "rar.exe",
                                        "winrar.exe", "7z", "7za", "7zr", "rar", "makecab.exe.bak"};
    int hit = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        hit |= !strcasecmp(name, names[i]);
    if (!hit)
        return;
    static const char *const homes[] = {"/program files/", "/program files (x86)/", "/usr/",
                                        "/bin/", "/opt/", "/snap/", "/nix/", "/windows/winsxs/"};
    char lp[4096];
    size_t i = 0;
    for (; path[i] && i + 1 < sizeof(lp); i++)
        lp[i] = (char)tolower((unsigned char)path[i]);
    lp[i] = 0;
    for (i = 0; i < sizeof(homes) / sizeof(homes[0]); i++)
        if (!strncmp(lp, homes[i], strlen(homes[i])))
            return;
    struct tri_exam ex = {0};
    int ok = !tri_examine(h, path, 1, &ex);
    struct tri_note n = {.id = "tri.staging.archiver",
                         .sev = staging_place(path) ? FG_SEV_HIGH : FG_SEV_MEDIUM,
                         .path = path, .name = name, .sha256 = ok ? ex.sha256 : ""};
    char ev[256];
    snprintf(ev, sizeof(ev), "%s%s", ok ? "sha256 " : "", ok ? ex.sha256 : "");
    tri_report(h, &n, ev, "archiver outside any installation directory");
}

void tri_staging_file(struct tri_host *h, const char *path, const char *name,
                      const struct tri_stat *st)
{
    archiver(h, path, name);
    size_t sl = split_stem(name);
    int single = !sl && tri_is_archive_name(name) && staging_place(path);
    if (!sl && !single)
        return;
    size_t dirlen = (size_t)(tri_basename(path) - path);
    struct tri_set *s = set_for(h, path, dirlen ? dirlen - 1 : 0, name, sl ? sl : strlen(name), sl != 0);
    if (!s)
        return;
    if (strcmp(path, s->first) < 0)
        snprintf(s->first, sizeof(s->first), "%s", path); /* report the set by its first part */
    s->parts++;
    s->size += st->size;
    if (st->mtime < s->oldest)
        s->oldest = st->mtime;
    if (st->mtime > s->newest)
        s->newest = st->mtime;
}

static void when(int64_t t, char *o, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(o, n, "%Y-%m-%d %H:%M:%SZ", &tm))
        snprintf(o, n, "%lld", (long long)t);
}

void tri_staging_finish(struct tri_host *h)
{
    for (size_t i = 0; i < h->nsets; i++) {
        struct tri_set *s = &h->sets[i];
        int staged = staging_place(s->first);
        int recent = h->newest - s->newest < TRI_RECENT;
        int large = s->size >= TRI_LARGE_ARCHIVE;
        char t0[64], t1[64], ev[512];
        when(s->oldest, t0, sizeof(t0));
        when(s->newest, t1, sizeof(t1));
        snprintf(ev, sizeof(ev), "%u part(s), %llu bytes, written %s .. %s%s", s->parts,
                 (unsigned long long)s->size, t0, t1, recent ? " (recent)" : "");
        struct tri_note n = {.path = s->first, .name = tri_basename(s->first)};
        if (s->split) {
            n.id = "tri.staging.split-archive";
            n.sev = staged ? FG_SEV_HIGH : FG_SEV_MEDIUM;
            tri_report(h, &n, ev, "split archive set%s", staged ? " in a staging place" : "");
        } else {
            n.id = "tri.staging.archive";
            n.sev = large || recent ? FG_SEV_MEDIUM : FG_SEV_LOW;
            tri_report(h, &n, ev, "%sarchive in a temp or staging place",
                       large ? "large " : recent ? "recent " : "");
        }
    }
}
