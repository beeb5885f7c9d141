/*
 * sbx_cgroup.c - cgroup v2 memory and pids limits for one run, where the host delegates a
 * writable cgroup v2 directory with both controllers to the caller.  Elsewhere (cgroup v1,
 * a v2 hierarchy without these controllers, a read-only /sys/fs/cgroup) the run goes on with
 * rlimits only and status.cgroup stays false.  Owns the run's cgroup directory.
 */
#define _GNU_SOURCE
#include "sbx_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Reads a small control file (NUL-terminated, truncated to len-1 bytes). */
static int read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return 0;
}

static int write_small(const char *dir, const char *file, const char *text)
{
    char path[4200];
    int n = snprintf(path, sizeof path, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= sizeof path)
        return -1;
    return sbx_write_text(path, O_CREAT | O_TRUNC, text);
}

/* True if the space-separated list has this word. */
static bool has_word(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *s = list; (s = strstr(s, w)); s += n)
        if ((s == list || s[-1] == ' ') && (s[n] == 0 || s[n] == ' ' || s[n] == '\n'))
            return true;
    return false;
}

/* The caller's own cgroup v2 path ("0::/path" in /proc/self/cgroup). */
static int self_path(const char *self_cgroup, char *out, size_t len)
{
    char line[4200];
    FILE *f = fopen(self_cgroup, "re");
    int rc = -1;
    while (f && rc && fgets(line, sizeof line, f)) {
        if (strncmp(line, "0::", 3))
            continue;
        line[strcspn(line, "\n")] = 0;
        rc = snprintf(out, len, "%s", line + 3) < (int)len ? 0 : -1;
    }
    if (f)
        fclose(f);
    return rc;
}

/* The mount point of the cgroup2 file system whose root is "/" (mountinfo fields: id parent
 * dev root mountpoint options [optional...] - fstype source superoptions). */
static int v2_mount(const char *mountinfo, char *out, size_t len)
{
    char line[8192];
    FILE *f = fopen(mountinfo, "re");
    int rc = -1;
    while (f && rc && fgets(line, sizeof line, f)) {
        char root[4096], mp[4096];
        const char *sep = strstr(line, " - ");
        if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
            continue;
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mp) != 2 || strcmp(root, "/") ||
            strchr(mp, '\\'))
            continue; /* a bind of a sub-tree, or an escaped (odd) path */
        rc = snprintf(out, len, "%s", mp) < (int)len ? 0 : -1;
    }
    if (f)
        fclose(f);
    return rc;
}

int sbx_cgroup_find(const char *mountinfo, const char *self_cgroup, char *out, size_t outlen)
{
    char mp[4096], rel[4096], dir[8200], buf[512];
    if (v2_mount(mountinfo, mp, sizeof mp) || self_path(self_cgroup, rel, sizeof rel))
        return FG_EUNSUPPORTED;
    snprintf(dir, sizeof dir, "%s%s", mp, strcmp(rel, "/") ? rel : "");
    char file[8300];
    snprintf(file, sizeof file, "%s/cgroup.controllers", dir);
    if (read_small(file, buf, sizeof buf) || !has_word(buf, "memory") || !has_word(buf, "pids"))
        return FG_EUNSUPPORTED;
    if (access(dir, W_OK))
        return FG_EUNSUPPORTED;
    /* Our child cgroup gets the controllers only if they are enabled for the subtree; that
     * fails (EBUSY) in a non-root cgroup that holds processes, such as the caller's own. */
    snprintf(file, sizeof file, "%s/cgroup.subtree_control", dir);
    if (read_small(file, buf, sizeof buf))
        return FG_EUNSUPPORTED;
    if ((!has_word(buf, "memory") || !has_word(buf, "pids")) &&
        write_small(dir, "cgroup.subtree_control", "+memory +pids"))
        return FG_EUNSUPPORTED;
    if ((size_t)snprintf(out, outlen, "%s", dir) >= outlen)
        return FG_EUNSUPPORTED;
    return 0;
}

int sbx_cgroup_create(struct sbx_cgroup *cg, const char *parent, uint64_t mem, unsigned nproc)
{
    char v[32];
    cg->path[0] = 0;
    for (int tries = 0; tries < 16; tries++) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if ((size_t)snprintf(cg->path, sizeof cg->path, "%s/fg-sbx-%d-%lx", parent, (int)getpid(),
                             (unsigned long)ts.tv_nsec ^ (unsigned long)tries) >= sizeof cg->path)
            break;
        if (!mkdir(cg->path, 0755))
            goto made;
        if (errno != EEXIST)
            break;
    }
    cg->path[0] = 0;
    return FG_EUNSUPPORTED;
made:
    snprintf(v, sizeof v, "%llu", (unsigned long long)mem);
    if (write_small(cg->path, "memory.max", v))
        goto fail;
    snprintf(v, sizeof v, "%u", nproc + 1u); /* init is one of the tree */
    if (write_small(cg->path, "pids.max", v))
        goto fail;
    /* Optional: no swap to hide in, and an out-of-memory kill takes the whole tree. */
    write_small(cg->path, "memory.swap.max", "0");
    write_small(cg->path, "memory.oom.group", "1");
    return 0;
fail:
    sbx_cgroup_remove(cg);
    return FG_EUNSUPPORTED;
}

int sbx_cgroup_attach(const struct sbx_cgroup *cg, pid_t pid)
{
    char v[32];
    snprintf(v, sizeof v, "%d", (int)pid);
    return cg->path[0] && !write_small(cg->path, "cgroup.procs", v) ? 0 : FG_EUNSUPPORTED;
}

void sbx_cgroup_remove(struct sbx_cgroup *cg)
{
    if (!cg->path[0])
        return;
    /* The last exits are accounted a moment after they are reaped. */
    for (int i = 0; i < 50 && rmdir(cg->path) && errno == EBUSY; i++) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    cg->path[0] = 0;
}
