/*
 * tri_fs.c - read-only access to the evidence: a directory ROOT (openat with O_NOFOLLOW on
 * every component, so a symbolic link can never lead out of the evidence, and O_NOATIME so
 * reading leaves no trace) or a disk image read through libtsk (raw, E01 through libewf).
 * Every check in triage works on both through this one interface.
 */
#define _GNU_SOURCE
#include "tri_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tsk/libtsk.h>

#include "limits.h"

struct tri_fs {
    int rootfd;          /* directory back end; -1 for an image */
    TSK_IMG_INFO *img;
    TSK_FS_INFO *tfs;
};

static void set_err(char *err, size_t n, const char *what, const char *why)
{
    if (err && n)
        snprintf(err, n, "%s: %s", what, why);
}

/* The first file system of an image: at offset 0, or in the first partition that holds one. */
static TSK_FS_INFO *open_first_fs(TSK_IMG_INFO *img)
{
    TSK_FS_INFO *fs = tsk_fs_open_img(img, 0, TSK_FS_TYPE_DETECT);
    if (fs)
        return fs;
    TSK_VS_INFO *vs = tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT);
    if (!vs)
        return NULL;
    for (TSK_PNUM_T i = 0; i < vs->part_count && !fs; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        if (p && (p->flags & TSK_VS_PART_FLAG_ALLOC))
            fs = tsk_fs_open_vol(p, TSK_FS_TYPE_DETECT);
    }
    /* The file system keeps a reference to the image, not to the volume system. */
    tsk_vs_close(vs);
    return fs;
}

int tri_fs_open(const char *root, struct tri_fs **out, char *err, size_t errn)
{
    struct tri_fs *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return FG_ENOMEM;
    fs->rootfd = -1;
    struct stat st;
    if (stat(root, &st)) {
        set_err(err, errn, root, strerror(errno));
        free(fs);
        return FG_EIO;
    }
    if (S_ISDIR(st.st_mode)) {
        fs->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fs->rootfd < 0) {
            set_err(err, errn, root, strerror(errno));
            free(fs);
            return FG_EIO;
        }
        *out = fs;
        return 0;
    }
    /* E01 by its signature, else raw: libtsk's own detection also probes VMDK and VHD, whose
     * libraries leak on every file that is neither. */
    unsigned char sig[8] = {0};
    FILE *f = fopen(root, "rb");
    size_t got = f ? fread(sig, 1, sizeof(sig), f) : 0;
    if (f)
        fclose(f);
    int ewf = got == 8 && !memcmp(sig, "EVF\x09\x0d\x0a\xff\x00", 8);
    fs->img = tsk_img_open_utf8_sing(root, ewf ? TSK_IMG_TYPE_EWF_EWF : TSK_IMG_TYPE_RAW, 0);
    if (fs->img)
        fs->tfs = open_first_fs(fs->img);
    if (!fs->tfs) {
        set_err(err, errn, root, fs->img ? "no file system libtsk can read in the image"
                                         : "neither a directory nor a disk image libtsk can open");
        tsk_error_reset();
        tri_fs_close(fs);
        return FG_EFORMAT;
    }
    *out = fs;
    return 0;
}

void tri_fs_close(struct tri_fs *fs)
{
    if (!fs)
        return;
    if (fs->rootfd >= 0)
        close(fs->rootfd);
    if (fs->tfs)
        tsk_fs_close(fs->tfs);
    if (fs->img)
        tsk_img_close(fs->img);
    free(fs);
}

int tri_fs_is_image(const struct tri_fs *fs)
{
    return fs->rootfd < 0;
}

/* ---- directory back end ---- */

/* Opens the directory that holds the last component of path (O_PATH, no link followed) and
 * returns it with *last pointing at that component in buf; "." for the ROOT itself. */
static int dir_parent(struct tri_fs *fs, const char *path, char *buf, size_t n, const char **last)
{
    if (strlen(path) >= n)
        return -1;
    snprintf(buf, n, "%s", path);
    char *p = buf;
    while (*p == '/')
        p++;
    int fd = dup(fs->rootfd);
    if (fd < 0)
        return -1;
    if (!*p) {
        *last = ".";
        return fd;
    }
    for (;;) {
        char *slash = strchr(p, '/');
        while (slash && slash[1] == '/')
            *slash++ = 0;
        if (!slash || !slash[1]) {
            if (slash)
                *slash = 0;
            if (!strcmp(p, "..") || !strcmp(p, ".")) {
                close(fd);
                return -1;
            }
            *last = p;
            return fd;
        }
        *slash = 0;
        if (!strcmp(p, "..") || !strcmp(p, ".") || !*p) {
            close(fd);
            return -1;
        }
        int nfd = openat(fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        if (nfd < 0)
            return -1;
        fd = nfd;
        p = slash + 1;
    }
}

static void from_stat(const struct stat *s, struct tri_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->type = S_ISREG(s->st_mode) ? TRI_REG : S_ISDIR(s->st_mode) ? TRI_DIR
             : S_ISLNK(s->st_mode) ? TRI_LNK : TRI_OTHER;
    st->size = (uint64_t)s->st_size;
    st->ino = (uint64_t)s->st_ino;
    st->mode = (uint32_t)s->st_mode;
    st->uid = (uint32_t)s->st_uid;
    st->gid = (uint32_t)s->st_gid;
    st->atime = s->st_atime;
    st->mtime = s->st_mtime;
    st->ctime = s->st_ctime;
}

/* Opens a regular file for reading without following a link and without touching atime. */
static int dir_open_file(struct tri_fs *fs, const char *path)
{
    char buf[4096];
    const char *last;
    int pfd = dir_parent(fs, path, buf, sizeof(buf), &last);
    if (pfd < 0)
        return -1;
    int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    int fd = openat(pfd, last, flags | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = openat(pfd, last, flags);
    close(pfd);
    struct stat s;
    if (fd >= 0 && (fstat(fd, &s) || !S_ISREG(s.st_mode))) {
        close(fd); /* a FIFO or device must never block or be read */
        return -1;
    }
    return fd;
}

/* ---- image back end ---- */

static void from_meta(const TSK_FS_META *m, struct tri_stat *st)
{
    memset(st, 0, sizeof(*st));
    if (!m) {
        st->type = TRI_OTHER;
        return;
    }
    uint32_t t = 0;
    switch (m->type) {
    case TSK_FS_META_TYPE_REG: st->type = TRI_REG; t = S_IFREG; break;
    case TSK_FS_META_TYPE_DIR:
    case TSK_FS_META_TYPE_VIRT_DIR: st->type = TRI_DIR; t = S_IFDIR; break;
    case TSK_FS_META_TYPE_LNK: st->type = TRI_LNK; t = S_IFLNK; break;
    default: st->type = TRI_OTHER; break;
    }
    st->size = m->size > 0 ? (uint64_t)m->size : 0;
    st->ino = (uint64_t)m->addr;
    st->mode = t | ((uint32_t)m->mode & 07777);
    st->uid = (uint32_t)m->uid;
    st->gid = (uint32_t)m->gid;
    st->atime = m->atime;
    st->mtime = m->mtime;
    st->ctime = m->ctime;
    st->crtime = m->crtime;
}

static TSK_FS_FILE *img_open(struct tri_fs *fs, const char *path)
{
    TSK_FS_FILE *f = tsk_fs_file_open(fs->tfs, NULL, path[0] ? path : "/");
    if (!f)
        tsk_error_reset();
    return f;
}

/* ---- the interface ---- */

int tri_fs_lstat(struct tri_fs *fs, const char *path, struct tri_stat *st)
{
    if (fs->rootfd < 0) {
        TSK_FS_FILE *f = img_open(fs, path);
        if (!f)
            return FG_EIO;
        from_meta(f->meta, st);
        tsk_fs_file_close(f);
        return 0;
    }
    char buf[4096];
    const char *last;
    int pfd = dir_parent(fs, path, buf, sizeof(buf), &last);
    if (pfd < 0)
        return FG_EIO;
    struct stat s;
    int rc = fstatat(pfd, last, &s, AT_SYMLINK_NOFOLLOW | (!strcmp(last, ".") ? AT_EMPTY_PATH : 0));
    close(pfd);
    if (rc)
        return FG_EIO;
    from_stat(&s, st);
    return 0;
}

static int list_img(struct tri_fs *fs, const char *path, tri_dir_fn fn, void *arg)
{
    TSK_FS_DIR *d = tsk_fs_dir_open(fs->tfs, path[0] ? path : "/");
    if (!d) {
        tsk_error_reset();
        return FG_EIO;
    }
    size_t n = tsk_fs_dir_getsize(d);
    for (size_t i = 0; i < n; i++) {
        TSK_FS_FILE *f = tsk_fs_dir_get(d, i);
        if (!f)
            continue;
        int stop = 0;
        const TSK_FS_NAME *nm = f->name;
        /* Deleted names are left to carving tools; NTFS metadata files ($MFT ...) are not
         * part of the system's own view (but $Recycle.Bin is). */
        if (nm && nm->name && !(nm->flags & TSK_FS_NAME_FLAG_UNALLOC) &&
            strcmp(nm->name, ".") && strcmp(nm->name, "..") &&
            !(nm->name[0] == '$' && f->meta && f->meta->addr < 16 &&
              TSK_FS_TYPE_ISNTFS(fs->tfs->ftype))) {
            struct tri_stat st;
            from_meta(f->meta, &st);
            stop = fn(arg, nm->name, &st);
        }
        tsk_fs_file_close(f);
        if (stop)
            break;
    }
    tsk_fs_dir_close(d);
    return 0;
}

int tri_fs_list(struct tri_fs *fs, const char *path, tri_dir_fn fn, void *arg)
{
    if (fs->rootfd < 0)
        return list_img(fs, path, fn, arg);
    char buf[4096];
    const char *last;
    int pfd = dir_parent(fs, path, buf, sizeof(buf), &last);
    if (pfd < 0)
        return FG_EIO;
    int fd = openat(pfd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    close(pfd);
    if (fd < 0)
        return FG_EIO;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return FG_EIO;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        struct stat s;
        struct tri_stat st;
        if (fstatat(dirfd(d), e->d_name, &s, AT_SYMLINK_NOFOLLOW)) {
            memset(&st, 0, sizeof(st));
            st.type = TRI_OTHER;
        } else {
            from_stat(&s, &st);
        }
        if (fn(arg, e->d_name, &st))
            break;
    }
    closedir(d);
    return 0;
}

int tri_fs_pread(struct tri_fs *fs, const char *path, uint64_t off, void *buf, size_t n,
                 size_t *got)
{
    *got = 0;
    if (fs->rootfd < 0) {
        TSK_FS_FILE *f = img_open(fs, path);
        if (!f)
            return FG_EIO;
        int rc = 0;
        if (!f->meta || f->meta->type != TSK_FS_META_TYPE_REG) {
            rc = FG_EIO;
        } else if (off < (uint64_t)f->meta->size) {
            ssize_t r = tsk_fs_file_read(f, (TSK_OFF_T)off, buf, n, TSK_FS_FILE_READ_FLAG_NONE);
            if (r < 0) {
                tsk_error_reset();
                rc = FG_EIO;
            } else {
                *got = (size_t)r;
            }
        }
        tsk_fs_file_close(f);
        return rc;
    }
    int fd = dir_open_file(fs, path);
    if (fd < 0)
        return FG_EIO;
    int rc = 0;
    while (*got < n) {
        ssize_t r = pread(fd, (char *)buf + *got, n - *got, (off_t)(off + *got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = FG_EIO;
        if (r <= 0)
            break;
        *got += (size_t)r;
    }
    close(fd);
    return rc;
}

int tri_fs_read(struct tri_fs *fs, const char *path, uint64_t cap, uint8_t **data,
                size_t *len, int *truncated)
{
    struct tri_stat st;
    *data = NULL;
    *len = 0;
    *truncated = 0;
    if (tri_fs_lstat(fs, path, &st) || st.type != TRI_REG)
        return FG_EIO;
    uint64_t want = st.size < cap ? st.size : cap;
    uint8_t *p = malloc((size_t)want + 1);
    if (!p)
        return FG_ENOMEM;
    size_t got = 0;
    int rc = tri_fs_pread(fs, path, 0, p, (size_t)want, &got);
    if (rc) {
        free(p);
        return rc;
    }
    p[got] = 0;
    *truncated = st.size > cap;
    *data = p;
    *len = got;
    return 0;
}

int tri_fs_readlink(struct tri_fs *fs, const char *path, char *buf, size_t n)
{
    if (n == 0)
        return FG_EINVAL;
    if (fs->rootfd < 0) {
        TSK_FS_FILE *f = img_open(fs, path);
        if (!f)
            return FG_EIO;
        int rc = FG_EIO;
        if (f->meta && f->meta->type == TSK_FS_META_TYPE_LNK) {
            if (f->meta->link) {
                snprintf(buf, n, "%s", f->meta->link);
                rc = 0;
            } else {
                ssize_t r = tsk_fs_file_read(f, 0, buf, n - 1, TSK_FS_FILE_READ_FLAG_NONE);
                if (r >= 0) {
                    buf[r] = 0;
                    rc = 0;
                }
                tsk_error_reset();
            }
        }
        tsk_fs_file_close(f);
        return rc;
    }
    char pb[4096];
    const char *last;
    int pfd = dir_parent(fs, path, pb, sizeof(pb), &last);
    if (pfd < 0)
        return FG_EIO;
    ssize_t r = readlinkat(pfd, last, buf, n - 1);
    close(pfd);
    if (r < 0)
        return FG_EIO;
    buf[r] = 0;
    return 0;
}

struct ci_find {
    const char *want;
    char found[256];
};

static int ci_cb(void *arg, const char *name, const struct tri_stat *st)
{
    (void)st;
    struct ci_find *c = arg;
    if (!strcasecmp(name, c->want)) {
        snprintf(c->found, sizeof(c->found), "%s", name);
        return 1;
    }
    return 0;
}

/* Appends component comp to the resolved prefix, matching case-insensitively if asked. */
static int step(struct tri_fs *fs, char *cur, size_t n, const char *comp, int ci)
{
    size_t l = strlen(cur);
    const char *use = comp;
    struct ci_find c = {.want = comp};
    char probe[4096];
    if ((size_t)snprintf(probe, sizeof(probe), "%s/%s", l > 1 ? cur : "", comp) >= sizeof(probe))
        return FG_ELIMIT;
    struct tri_stat st;
    if (tri_fs_lstat(fs, probe, &st)) {
        if (!ci || tri_fs_list(fs, l ? cur : "/", ci_cb, &c) || !c.found[0])
            return FG_EIO;
        use = c.found;
    }
    if (l + 1 + strlen(use) + 1 > n)
        return FG_ELIMIT;
    if (l > 1 || (l == 1 && cur[0] != '/'))
        cur[l++] = '/';
    else if (l == 0)
        cur[l++] = '/';
    snprintf(cur + l, n - l, "%s", use);
    return 0;
}

int tri_fs_resolve(struct tri_fs *fs, const char *path, int ci, char *out, size_t n)
{
    /* 'rest' holds what is left to walk; a link's target is put in front of it. */
    char rest[8192], cur[4096] = "/", tmp[8192];
    unsigned links = 0;
    snprintf(rest, sizeof(rest), "%s", path);
    char *r = rest;
    for (;;) {
        while (*r == '/')
            r++;
        if (!*r)
            break;
        char comp[256];
        size_t cl = strcspn(r, "/");
        if (cl >= sizeof(comp))
            return FG_EIO;
        memcpy(comp, r, cl);
        comp[cl] = 0;
        r += cl;
        if (!strcmp(comp, "."))
            continue;
        if (!strcmp(comp, "..")) { /* never above the ROOT */
            char *s = strrchr(cur, '/');
            if (s && s != cur)
                *s = 0;
            else
                snprintf(cur, sizeof(cur), "/");
            continue;
        }
        size_t before = strlen(cur);
        int rc = step(fs, cur, sizeof(cur), comp, ci);
        if (rc)
            return rc;
        struct tri_stat st;
        if (tri_fs_lstat(fs, cur, &st))
            return FG_EIO;
        if (st.type != TRI_LNK)
            continue;
        char target[4096];
        if (++links > FG_CAP_TRI_LINKS || tri_fs_readlink(fs, cur, target, sizeof(target)))
            return FG_EIO;
        if (target[0] == '/')
            snprintf(cur, sizeof(cur), "/");
        else
            cur[before > 1 ? before : 1] = 0;
        if (strlen(target) + strlen(r) + 2 > sizeof(tmp))
            return FG_EIO;
        if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", target, r) >= sizeof(tmp))
            return FG_EIO;
        memcpy(rest, tmp, sizeof(rest));
        r = rest;
    }
    if (strlen(cur) >= n)
        return FG_ELIMIT;
    snprintf(out, n, "%s", cur);
    struct tri_stat st;
    return tri_fs_lstat(fs, out, &st) ? FG_EIO : 0;
}
