/*
 * sbx_plan.c - turns a struct fg_sandbox_cfg into the plan init executes: the list of mount
 * operations for the private root, the files to copy into the work directory (opened here,
 * with the caller's rights), argv, environment and the PATH candidates of the command, and
 * the limits with their defaults.  Owns everything in struct sbx_plan except the seccomp
 * programs (sbx_seccomp.c).
 */
#define _GNU_SOURCE
#include "sbx_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/limits.h"

/* System directories shown read-only (or as the same symbolic link, on merged-/usr systems). */
static const char *const sys_dirs[] = {"/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc"};
/* Device nodes of the minimal /dev: bind mounts of the host's nodes (a user namespace cannot
 * create device nodes). */
static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom"};
/* Parts of the fresh /proc that stay read-only: kernel knobs a process of the sandbox must
 * not turn even where its user namespace would let it. */
static const char *const proc_ro[] = {"sys", "sysrq-trigger", "irq", "bus"};

static const char *const default_env[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=" FG_SANDBOX_WORKDIR,
    "LANG=C.UTF-8", "TMPDIR=/tmp", NULL};

static char *keep(struct sbx_plan *p, char *s)
{
    if (!s)
        return NULL;
    if (p->nstrs == p->capstrs) {
        size_t n = p->capstrs ? p->capstrs * 2 : 64;
        char **v = realloc(p->strs, n * sizeof *v);
        if (!v) {
            free(s);
            return NULL;
        }
        p->strs = v;
        p->capstrs = n;
    }
    p->strs[p->nstrs++] = s;
    return s;
}

__attribute__((format(printf, 2, 3))) static char *fmt(struct sbx_plan *p, const char *f, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, f);
    int n = vasprintf(&s, f, ap);
    va_end(ap);
    return n < 0 ? NULL : keep(p, s);
}

static int op(struct sbx_plan *p, enum sbx_op_kind kind, const char *src, const char *dst,
              const char *data, bool optional)
{
    if (!dst || (kind == SBX_OP_BIND_RO && !src) || (kind == SBX_OP_BIND_DEV && !src) ||
        (kind == SBX_OP_SYMLINK && !src))
        return FG_ENOMEM; /* a fmt() above failed */
    if (p->nops == p->capops) {
        size_t n = p->capops ? p->capops * 2 : 64;
        struct sbx_op *v = realloc(p->ops, n * sizeof *v);
        if (!v)
            return FG_ENOMEM;
        p->ops = v;
        p->capops = n;
    }
    p->ops[p->nops++] = (struct sbx_op){kind, src, dst, data, optional};
    return 0;
}

static int add_copy(struct sbx_plan *p, int fd, const char *name)
{
    const char *dst = fmt(p, SBX_NEWROOT FG_SANDBOX_WORKDIR "/%s", name);
    if (dst && p->ncopies == p->capcopies) {
        size_t n = p->capcopies ? p->capcopies * 2 : 8;
        struct sbx_copy *v = realloc(p->copies, n * sizeof *v);
        if (v) {
            p->copies = v;
            p->capcopies = n;
        } else {
            dst = NULL;
        }
    }
    if (!dst) {
        close(fd);
        return FG_ENOMEM;
    }
    p->copies[p->ncopies++] = (struct sbx_copy){fd, dst};
    return 0;
}

/* A single file name: no directory part, not "." or "..". */
static bool plain_name(const char *s)
{
    size_t n = strlen(s);
    return n && n <= NAME_MAX && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static int system_dirs(struct sbx_plan *p, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof sys_dirs / sizeof *sys_dirs; i++) {
        struct stat st;
        char target[PATH_MAX];
        const char *d = sys_dirs[i];
        int rc;
        if (lstat(d, &st))
            continue; /* not on this system */
        if (S_ISLNK(st.st_mode)) {
            ssize_t n = readlink(d, target, sizeof target - 1);
            if (n < 0)
                continue;
            target[n] = 0;
            rc = op(p, SBX_OP_SYMLINK, fmt(p, "%s", target), fmt(p, SBX_NEWROOT "%s", d), NULL,
                    false);
        } else if (S_ISDIR(st.st_mode)) {
            const char *dst = fmt(p, SBX_NEWROOT "%s", d);
            rc = op(p, SBX_OP_MKDIR, NULL, dst, NULL, false);
            if (!rc)
                rc = op(p, SBX_OP_BIND_RO, fmt(p, SBX_OLDROOT "%s", d), dst, NULL, false);
        } else {
            continue;
        }
        if (rc) {
            snprintf(err, errlen, "out of memory");
            return rc;
        }
    }
    return 0;
}

/* /proc, /dev, /tmp and the work directory. */
static int special_dirs(struct sbx_plan *p)
{
    int rc = op(p, SBX_OP_MKDIR, NULL, SBX_NEWROOT "/proc", NULL, false);
    rc = rc ? rc : op(p, SBX_OP_PROC, NULL, SBX_NEWROOT "/proc", NULL, false);
    for (size_t i = 0; !rc && i < sizeof proc_ro / sizeof *proc_ro; i++) {
        const char *d = fmt(p, SBX_NEWROOT "/proc/%s", proc_ro[i]);
        rc = op(p, SBX_OP_BIND_RO, d, d, NULL, true);
    }
    rc = rc ? rc : op(p, SBX_OP_MKDIR, NULL, SBX_NEWROOT "/dev", NULL, false);
    rc = rc ? rc : op(p, SBX_OP_TMPFS, NULL, SBX_NEWROOT "/dev", "mode=0755,size=64k", false);
    for (size_t i = 0; !rc && i < sizeof dev_nodes / sizeof *dev_nodes; i++) {
        const char *d = fmt(p, SBX_NEWROOT "/dev/%s", dev_nodes[i]);
        rc = op(p, SBX_OP_MKFILE, NULL, d, NULL, false);
        rc = rc ? rc : op(p, SBX_OP_BIND_DEV, fmt(p, SBX_OLDROOT "/dev/%s", dev_nodes[i]), d,
                          NULL, false);
    }
    static const char *const links[][2] = {{"/proc/self/fd", "fd"},
                                           {"/proc/self/fd/0", "stdin"},
                                           {"/proc/self/fd/1", "stdout"},
                                           {"/proc/self/fd/2", "stderr"}};
    for (size_t i = 0; !rc && i < sizeof links / sizeof *links; i++)
        rc = op(p, SBX_OP_SYMLINK, links[i][0], fmt(p, SBX_NEWROOT "/dev/%s", links[i][1]),
                NULL, false);
    const char *sz = fmt(p, "mode=1777,size=%llu", (unsigned long long)p->workdir);
    rc = rc ? rc : op(p, SBX_OP_MKDIR, NULL, SBX_NEWROOT "/dev/shm", NULL, false);
    rc = rc ? rc : op(p, SBX_OP_TMPFS, NULL, SBX_NEWROOT "/dev/shm", sz, false);
    rc = rc ? rc : op(p, SBX_OP_REMOUNT_RO, NULL, SBX_NEWROOT "/dev", NULL, false);
    rc = rc ? rc : op(p, SBX_OP_MKDIR, NULL, SBX_NEWROOT "/tmp", NULL, false);
    rc = rc ? rc : op(p, SBX_OP_TMPFS, NULL, SBX_NEWROOT "/tmp", sz, false);
    rc = rc ? rc : op(p, SBX_OP_MKDIR, NULL, SBX_NEWROOT FG_SANDBOX_WORKDIR, NULL, false);
    rc = rc ? rc : op(p, SBX_OP_TMPFS, NULL, SBX_NEWROOT FG_SANDBOX_WORKDIR,
                      fmt(p, "mode=0755,size=%llu", (unsigned long long)p->workdir), false);
    return rc;
}

/* True if path is dir or lies below it. */
static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

/* A root caller's sandbox runs as "nobody" on the host, which must be able to reach the
 * path to bind it: every directory on the way searchable by others, the path itself readable
 * (group permissions of nobody are not considered). */
static bool reachable_by_others(char *real, char *err, size_t errlen)
{
    struct stat st;
    for (char *s = real;; s = strchr(s + 1, '/')) {
        char c = s ? *s : 0;
        if (s)
            *s = 0;
        const char *at = s && s == real ? "/" : real;
        bool last = !s, ok = !stat(at, &st);
        if (ok && S_ISDIR(st.st_mode))
            ok = (st.st_mode & S_IXOTH) && (!last || (st.st_mode & S_IROTH));
        else if (ok)
            ok = !last || (st.st_mode & S_IROTH);
        if (s)
            *s = c;
        if (!ok) {
            snprintf(err, errlen, "ro_bind %s: %s is not open to others, and the sandbox runs "
                     "as nobody on the host", real, at);
            return false;
        }
        if (last)
            return true;
    }
}

/* One extra read-only bind at the same place: the parents are created (inside /work or /tmp
 * too: they are mounted earlier, so the bind stays visible). */
static int ro_bind(struct sbx_plan *p, const char *path, char *err, size_t errlen)
{
    char real[PATH_MAX];
    struct stat st;
    if (path[0] != '/' || !realpath(path, real) || stat(real, &st)) {
        snprintf(err, errlen, "ro_bind %s: %s", path,
                 path[0] != '/' ? "not an absolute path" : strerror(errno));
        return FG_EINVAL;
    }
    if (!strcmp(real, "/") || under(real, "/proc") || under(real, "/dev")) {
        snprintf(err, errlen, "ro_bind %s: cannot be bound into the sandbox", path);
        return FG_EINVAL;
    }
    for (size_t i = 0; i < sizeof sys_dirs / sizeof *sys_dirs; i++)
        if (under(real, sys_dirs[i]))
            return 0; /* already visible, read-only */
    if (p->setgroups && !reachable_by_others(real, err, errlen))
        return FG_EINVAL;
    int rc = 0;
    for (char *s = strchr(real + 1, '/'); s && !rc; s = strchr(s + 1, '/')) {
        *s = 0;
        rc = op(p, SBX_OP_MKDIR, NULL, fmt(p, SBX_NEWROOT "%s", real), NULL, false);
        *s = '/';
    }
    const char *dst = fmt(p, SBX_NEWROOT "%s", real);
    rc = rc ? rc : op(p, S_ISDIR(st.st_mode) ? SBX_OP_MKDIR : SBX_OP_MKFILE, NULL, dst, NULL,
                      false);
    rc = rc ? rc : op(p, SBX_OP_BIND_RO, fmt(p, SBX_OLDROOT "%s", real), dst, NULL, false);
    if (rc)
        snprintf(err, errlen, "out of memory");
    return rc;
}

/* A file shown as /etc/resolv.conf, over the read-only /etc. */
static int resolv_bind(struct sbx_plan *p, const char *path, char *err, size_t errlen)
{
    char real[PATH_MAX];
    struct stat st;
    if (path[0] != '/' || !realpath(path, real) || stat(real, &st) || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "resolv_conf %s: not a regular file", path);
        return FG_EINVAL;
    }
    if (p->setgroups && !reachable_by_others(real, err, errlen))
        return FG_EINVAL;
    int rc = op(p, SBX_OP_MKFILE, NULL, SBX_NEWROOT "/etc/resolv.conf", NULL, false);
    rc = rc ? rc : op(p, SBX_OP_BIND_RO, fmt(p, SBX_OLDROOT "%s", real),
                      SBX_NEWROOT "/etc/resolv.conf", NULL, false);
    if (rc)
        snprintf(err, errlen, "out of memory");
    return rc;
}

/* The input and the decoys, opened now with the caller's rights: init runs as an unprivileged
 * id and could not read them. */
static int inputs(struct sbx_plan *p, const struct fg_sandbox_cfg *cfg, char *err, size_t errlen)
{
    if (cfg->input_path) {
        int fd = open(cfg->input_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "input %s: %s", cfg->input_path,
                     fd < 0 ? strerror(errno) : "not a regular file");
            if (fd >= 0)
                close(fd);
            return FG_EIO;
        }
        if (add_copy(p, fd, cfg->input_name))
            return FG_ENOMEM;
    }
    if (!cfg->decoy_dir)
        return 0;
    DIR *d = opendir(cfg->decoy_dir);
    if (!d) {
        snprintf(err, errlen, "decoy directory %s: %s", cfg->decoy_dir, strerror(errno));
        return FG_EIO;
    }
    int rc = 0;
    unsigned n = 0;
    for (struct dirent *e; !rc && n < FG_CAP_SB_DECOYS && (e = readdir(d));) {
        struct stat st;
        if (!plain_name(e->d_name) || (cfg->input_name && !strcmp(e->d_name, cfg->input_name)))
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
            continue;
        if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
            close(fd);
            continue;
        }
        rc = add_copy(p, fd, e->d_name);
        n++;
    }
    closedir(d);
    if (rc)
        snprintf(err, errlen, "out of memory");
    return rc;
}

static char **copy_vec(struct sbx_plan *p, const char *const *v)
{
    size_t n = 0;
    while (v[n])
        n++;
    char **out = calloc(n + 1, sizeof *out);
    if (!out || !keep(p, (char *)out))
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!(out[i] = fmt(p, "%s", v[i])))
            return NULL;
    return out;
}

/* Candidate paths of argv[0]: execvpe() is not safe after clone in a threaded caller, so the
 * PATH lookup is spelled out here and init only tries them in order. */
static int exec_paths(struct sbx_plan *p)
{
    const char *a0 = p->argv[0], *path = default_env[0] + 5;
    for (char **e = p->envp; *e; e++)
        if (!strncmp(*e, "PATH=", 5))
            path = *e + 5;
    size_t n = 1;
    for (const char *s = path; *s; s++)
        n += *s == ':';
    p->exec_paths = calloc(n, sizeof *p->exec_paths);
    if (!p->exec_paths || !keep(p, (char *)p->exec_paths))
        return FG_ENOMEM;
    if (strchr(a0, '/')) {
        p->exec_paths[p->nexec++] = p->argv[0];
        return 0;
    }
    for (const char *s = path;; s++) {
        const char *e = strchrnul(s, ':');
        /* An empty PATH entry means the current directory, as in execvp(). */
        char *c = e == s ? fmt(p, "%s", a0) : fmt(p, "%.*s/%s", (int)(e - s), s, a0);
        if (!c)
            return FG_ENOMEM;
        p->exec_paths[p->nexec++] = c;
        if (!*e)
            break;
        s = e;
    }
    return 0;
}

static int read_cap_last(void)
{
    int v = CAP_LAST_CAP;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f) {
        int x;
        if (fscanf(f, "%d", &x) == 1 && x >= 0 && x < 64)
            v = x;
        fclose(f);
    }
    return v;
}

/* arg_start and arg_end are fields 48 and 49 of /proc/self/stat, counted after the command
 * name in parentheses (which may hold anything). */
static void read_args_area(struct sbx_plan *p)
{
    char buf[2048];
    FILE *f = fopen("/proc/self/stat", "re");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    char *s = strrchr(buf, ')');
    unsigned long long v[2];
    for (int field = 2; s && field < 48; field++)
        s = strchr(s + 1, ' ');
    if (s && sscanf(s, " %llu %llu", &v[0], &v[1]) == 2 && v[0] < v[1] &&
        v[1] - v[0] < (1u << 20)) {
        p->arg_start = (uintptr_t)v[0];
        p->arg_end = (uintptr_t)v[1];
    }
}

static void limits(struct sbx_plan *p, const struct fg_sandbox_cfg *cfg)
{
    p->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : FG_DEF_SB_TIMEOUT_MS;
    p->mem = cfg->mem_bytes ? cfg->mem_bytes : FG_DEF_SB_MEM;
    p->cpu = cfg->cpu_seconds ? cfg->cpu_seconds : FG_DEF_SB_CPU_SECONDS;
    p->fsize = cfg->fsize_bytes ? cfg->fsize_bytes : FG_DEF_SB_FSIZE;
    p->nofile = cfg->nofile ? cfg->nofile : FG_DEF_SB_NOFILE;
    p->nproc = cfg->nproc ? cfg->nproc : FG_DEF_SB_NPROC;
    p->workdir = cfg->workdir_bytes ? cfg->workdir_bytes : FG_DEF_SB_WORKDIR;
    p->cap_last = read_cap_last();
    p->traced = cfg->traced;
    p->setgroups = geteuid() == 0;
    read_args_area(p);
}

static int check_cfg(const struct fg_sandbox_cfg *cfg, char *err, size_t errlen)
{
    if (!cfg->argv || !cfg->argv[0] || !cfg->argv[0][0]) {
        snprintf(err, errlen, "no command");
        return FG_EINVAL;
    }
    if (!cfg->input_path != !cfg->input_name ||
        (cfg->input_name && !plain_name(cfg->input_name))) {
        snprintf(err, errlen, "input_path and input_name go together; the name is one file name");
        return FG_EINVAL;
    }
    size_t nb = 0;
    for (const char *const *b = cfg->ro_binds; b && *b; b++)
        nb++;
    if (nb > FG_CAP_SB_BINDS) {
        snprintf(err, errlen, "more than %d ro_binds", FG_CAP_SB_BINDS);
        return FG_EINVAL;
    }
    return 0;
}

int sbx_plan_build(struct sbx_plan *p, const struct fg_sandbox_cfg *cfg, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->out_fd = p->err_fd = -1;
    int rc = check_cfg(cfg, err, errlen);
    if (rc)
        return rc;
    limits(p, cfg);
    rc = system_dirs(p, err, errlen);
    if (!rc && (rc = special_dirs(p)))
        snprintf(err, errlen, "out of memory");
    for (const char *const *b = cfg->ro_binds; !rc && b && *b; b++)
        rc = ro_bind(p, *b, err, errlen);
    if (!rc && cfg->resolv_conf)
        rc = resolv_bind(p, cfg->resolv_conf, err, errlen);
    rc = rc ? rc : inputs(p, cfg, err, errlen);
    if (rc)
        return rc;
    p->argv = copy_vec(p, cfg->argv);
    p->envp = copy_vec(p, cfg->envp ? cfg->envp : default_env);
    if (!p->argv || !p->envp || exec_paths(p)) {
        snprintf(err, errlen, "out of memory");
        return FG_ENOMEM;
    }
    /* Private duplicates above 2, so that the command's dup2() calls cannot clobber one with
     * the other whatever numbers the caller passed. */
    if (cfg->stdout_fd >= 0 && (p->out_fd = fcntl(cfg->stdout_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
        snprintf(err, errlen, "stdout_fd: %s", strerror(errno));
        return FG_EINVAL;
    }
    if (cfg->stderr_fd >= 0 && (p->err_fd = fcntl(cfg->stderr_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
        snprintf(err, errlen, "stderr_fd: %s", strerror(errno));
        return FG_EINVAL;
    }
    return 0;
}

void sbx_plan_free(struct sbx_plan *p)
{
    for (size_t i = 0; i < p->ncopies; i++)
        close(p->copies[i].fd);
    for (size_t i = 0; i < p->nstrs; i++)
        free(p->strs[i]);
    if (p->out_fd >= 0)
        close(p->out_fd);
    if (p->err_fd >= 0)
        close(p->err_fd);
    sbx_seccomp_free(p);
    free(p->strs);
    free(p->ops);
    free(p->copies);
    memset(p, 0, sizeof *p);
    p->out_fd = p->err_fd = -1;
}

static const char *step_name(int step)
{
    switch (step) {
    case SBX_STEP_IDS: return "switching to the sandbox's user and group";
    case SBX_STEP_NET: return "bringing up the loopback interface";
    case SBX_STEP_UTS: return "setting the host name";
    case SBX_STEP_STAGE: return "preparing the staging root";
    case SBX_STEP_PIVOT: return "switching to the new root";
    case SBX_STEP_FORK: return "starting the command";
    case SBX_STEP_ROOT_RO: return "making the root read-only";
    case SBX_STEP_COMMAND: return "preparing the command (limits, capabilities, seccomp)";
    default: return "setup";
    }
}

void sbx_plan_describe(const struct sbx_plan *p, const struct sbx_msg *m, char *out, size_t len)
{
    static const char *const kinds[] = {"mkdir", "create", "symlink", "bind", "bind", "tmpfs",
                                        "proc", "read-only remount"};
    const char *e = strerror(m->err);
    if (m->step >= 0 && (size_t)m->step < p->nops) {
        const struct sbx_op *o = &p->ops[m->step];
        snprintf(out, len, "sandbox setup: %s %s%s%s: %s", kinds[o->kind], o->src ? o->src : "",
                 o->src ? " -> " : "", o->dst, e);
    } else if (m->step == SBX_STEP_COPY && m->value >= 0 && (size_t)m->value < p->ncopies) {
        snprintf(out, len, "sandbox setup: copying %s: %s", p->copies[m->value].dst, e);
    } else if (m->step == SBX_STEP_EXEC) {
        snprintf(out, len, "sandbox: cannot execute %s: %s", p->argv ? p->argv[0] : "?", e);
    } else {
        snprintf(out, len, "sandbox setup: %s: %s", step_name(m->step), e);
    }
}
