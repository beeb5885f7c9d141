/*
 * tri_int.h - internals of host triage: the file-access layer over a directory or a disk
 * image (tri_fs.c), the per-ROOT run state, and the checks (tri_linux.c, tri_windows.c,
 * tri_names.c, tri_staging.c, tri_cmd.c) that triage.c drives.
 */
#ifndef FG_TRI_INT_H
#define FG_TRI_INT_H

#include <stddef.h>
#include <stdint.h>

#include "flowgate/flowgate.h"
#include "flowgate/triage.h"

/* ---- tri_fs.c: read-only access below a ROOT; symbolic links are never followed out ---- */
enum { TRI_REG = 1, TRI_DIR, TRI_LNK, TRI_OTHER };

struct tri_stat {
    int type;
    uint64_t size, ino;
    uint32_t mode, uid, gid; /* mode: st_mode bits (type and permissions) */
    int64_t atime, mtime, ctime, crtime;
};

struct tri_fs;
/* Paths are absolute inside the ROOT: "/", "/etc/passwd"; components are matched exactly.
 * A directory ROOT is read with openat(O_NOFOLLOW) per component, anything else is opened
 * as a disk image through libtsk ('part' selects a file system: 0 the first found). */
int tri_fs_open(const char *root, struct tri_fs **out, char *err, size_t errn);
void tri_fs_close(struct tri_fs *fs);
int tri_fs_is_image(const struct tri_fs *fs);
int tri_fs_lstat(struct tri_fs *fs, const char *path, struct tri_stat *st);
typedef int (*tri_dir_fn)(void *arg, const char *name, const struct tri_stat *st);
/* Calls fn for every entry but "." and ".."; fn returns nonzero to stop. */
int tri_fs_list(struct tri_fs *fs, const char *path, tri_dir_fn fn, void *arg);
/* Reads up to cap bytes of a regular file (malloc'ed, NUL-terminated); *truncated says
 * whether the file was longer. */
int tri_fs_read(struct tri_fs *fs, const char *path, uint64_t cap, uint8_t **data,
                size_t *len, int *truncated);
/* Reads n bytes at off; *got may be short at the end of the file. */
int tri_fs_pread(struct tri_fs *fs, const char *path, uint64_t off, void *buf, size_t n,
                 size_t *got);
int tri_fs_readlink(struct tri_fs *fs, const char *path, char *buf, size_t n);
/* Resolves a path inside the ROOT: symbolic links are followed as the system would, but
 * never above the ROOT; with ci, components match case-insensitively (Windows paths).
 * Writes the real path into out; FG_EIO if it does not exist. */
int tri_fs_resolve(struct tri_fs *fs, const char *path, int ci, char *out, size_t n);

/* ---- per-ROOT state ---- */
struct tri_exam_ent;

struct tri_host {
    fg_triage *t;
    struct tri_fs *fs;
    const char *host;
    int is_linux, is_windows;
    uint64_t files;
    int64_t newest; /* latest mtime seen: "recent" is measured from it */
    struct tri_exam_ent **exam; /* cache of examined files, open addressing */
    size_t nexam, exam_alloc;
    struct tri_set *sets; /* split archive sets */
    size_t nsets;
    char **users;         /* Windows profiles (C:\Users\<name>) */
    size_t nusers;
};

/* What reporting a finding needs; unset fields are "". */
struct tri_note {
    const char *id;
    enum fg_severity sev;
    const char *path; /* internal path (converted for display) or, with raw_path, as is */
    int raw_path;
    const char *sha256, *command, *rule, *name;
    int unreadable;
};
void tri_report(struct tri_host *h, const struct tri_note *n, const char *evidence,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The path as it sits on that system: "/etc/x" or "C:\Windows\x". */
void tri_display(const struct tri_host *h, const char *path, char *out, size_t n);

/* Hash, scan (YARA and analyzers) and, with deep, capability analysis of one file; the
 * result is cached per path and findings (tri.yara, tri.scan, tri.capability) are reported
 * once.  Returns 0 and fills ex, or FG_EIO if the file is not there. */
struct tri_exam {
    char sha256[65];
    char md5[33];
    int flagged;        /* a finding of medium or more from the scan engine */
    char rule[128];     /* the first such finding's id */
    int exfil, network; /* capability analysis */
    int unreadable;
};
int tri_examine(struct tri_host *h, const char *path, int deep, struct tri_exam *ex);
/* Does the file start like a program or script (ELF, MZ, #!)? */
int tri_looks_executable(struct tri_host *h, const char *path, const struct tri_stat *st);

/* ---- tri_cmd.c: what an autostart command runs and whether that is unusual ---- */
struct tri_cmdinfo {
    char target[1024]; /* internal path of the program, "" if none could be named */
    int exists;
    int unusual;
    char why[256];     /* why it is unusual */
};
/* user: the Windows profile for %APPDATA% and the like (NULL: machine-wide). */
void tri_cmd_inspect(struct tri_host *h, const char *cmd, int windows, const char *user,
                     struct tri_cmdinfo *ci);
/* Text of a script or command that downloads, decodes or hides: the reason or NULL. */
const char *tri_cmd_suspicious_text(const char *s);
/* Reports one autostart entry: where is the display path of the entry (file or registry
 * value), kind a few words ("systemd unit", "Run key"). */
void tri_autostart(struct tri_host *h, const char *id, const char *where, int raw_where,
                   const char *kind, const char *cmd, int windows, const char *user);

/* ---- the checks ---- */
void tri_linux_run(struct tri_host *h);
void tri_windows_run(struct tri_host *h);
/* Called for every file and directory the walk meets. */
void tri_names_check(struct tri_host *h, const char *path, const char *name,
                     const struct tri_stat *st);
void tri_staging_file(struct tri_host *h, const char *path, const char *name,
                      const struct tri_stat *st);
void tri_staging_finish(struct tri_host *h);
void tri_ioc_file(struct tri_host *h, const char *path, const char *name,
                  const struct tri_stat *st);
/* The indicators given with fg_triage_add_ioc() (triage.c). */
size_t tri_ioc_count(const fg_triage *t);
const char *tri_ioc_get(const fg_triage *t, size_t i, enum fg_ioc_type *type);
/* tri_names.c: why a program's name or place is suspicious, or NULL. */
const char *tri_name_reason(const char *path, int windows);

/* Places (tri_names.c): bit flags for where an internal path lies. */
enum {
    TRI_PL_TEMP = 1,      /* /tmp, /var/tmp, Windows\Temp, AppData\Local\Temp */
    TRI_PL_SHM = 2,       /* /dev/shm */
    TRI_PL_APPDATA = 4,   /* Users\*\AppData */
    TRI_PL_PROGDATA = 8,  /* ProgramData */
    TRI_PL_RECYCLE = 16,  /* $Recycle.Bin, RECYCLER */
    TRI_PL_PUBLIC = 32,   /* Users\Public */
    TRI_PL_HOME = 64,     /* /home, /root, C:\Users */
    TRI_PL_HIDDEN = 128,  /* a directory component starting with '.' */
};
unsigned tri_place(const char *path);
/* Directories below the place's own directory before this file: AppData\Local\Foo\x.exe -> 1. */
unsigned tri_place_depth(const char *path);
const char *tri_place_name(unsigned pl);
int tri_is_archive_name(const char *name);
int tri_levenshtein(const char *a, const char *b, int max);

/* Small string helpers (triage.c). */
int tri_ends_ci(const char *s, const char *suffix);
int tri_starts_ci(const char *s, const char *prefix);
const char *tri_basename(const char *path);
/* Reads a text file (UTF-16 converted to UTF-8), capped; NULL if missing/unreadable.
 * *unreadable is set when the file exists but could not be read whole. */
char *tri_read_text(struct tri_host *h, const char *path, int *unreadable);
/* Calls fn(arg, path, name, st) for regular files (and links, with links) in a directory. */
typedef void (*tri_file_fn)(struct tri_host *h, const char *path, const char *name,
                            const struct tri_stat *st, void *arg);
void tri_each_file(struct tri_host *h, const char *dir, tri_file_fn fn, void *arg);
/* Directories below dir ("/home" -> each user's home). */
void tri_each_dir(struct tri_host *h, const char *dir, tri_file_fn fn, void *arg);

#endif
