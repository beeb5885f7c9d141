/*
 * triage.h - host triage (`flowgate triage`) and fleet sweep (`flowgate sweep`) on evidence.
 *
 * A triage reads one host's file system - a directory (a mounted file system or a copy of
 * one) or a disk image (raw or E01, through libtsk; never mounted) - without changing it, and
 * reports autostart entries, suspicious names and places, exfiltration staging and flagged
 * programs as findings.  Programs are examined with the caller's engines (fg_scan_mem for
 * YARA and the analyzers, fg_analyze_mem for capabilities): there is no second scanner.
 * See docs/internals/triage.md for every check.
 */
#ifndef FLOWGATE_TRIAGE_H
#define FLOWGATE_TRIAGE_H

#include <stddef.h>
#include <stdint.h>

#include "flowgate/flowgate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fg_triage fg_triage;

/* One finding.  Strings are owned by the triage handle and live until fg_triage_free(). */
struct fg_tri_finding {
    const char *host;     /* the ROOT as given */
    const char *id;       /* e.g. "tri.autostart.run", "tri.name.lookalike" */
    enum fg_severity severity;
    const char *path;     /* as the evidence sits on that system: "/etc/cron.d/x",
                           * "C:\Users\x\a.exe", "HKLM\SOFTWARE\...\Run\OneDrive" */
    const char *message;
    const char *evidence;
    /* For correlation across hosts (sweep); "" when they do not apply. */
    const char *sha256;   /* the file the finding is about, if it was hashed */
    const char *command;  /* an autostart entry's command, as written */
    const char *rule;     /* a YARA rule or engine finding id that flagged the file */
    const char *name;     /* the file name the finding is about */
    int unreadable;       /* part of the evidence could not be read (exit status 3) */
};

/* One file of the timeline (TSK body format 3.x).  Borrowed for the callback only. */
struct fg_tri_body {
    const char *md5;      /* "0" unless the file was hashed */
    const char *path;     /* as in findings */
    uint64_t inode;
    uint32_t mode;        /* st_mode bits */
    uint32_t uid, gid;
    uint64_t size;
    int64_t atime, mtime, ctime, crtime; /* seconds since 1970; 0 if unknown */
};
typedef void (*fg_tri_body_fn)(void *arg, const struct fg_tri_body *b);
/* Formats one body-file line (no newline): MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime.
 * Returns the length it needed (as snprintf). */
FG_API int fg_tri_body_format(const struct fg_tri_body *b, char *buf, size_t n);

/* Progress: files walked so far (called every few thousand files). */
typedef void (*fg_tri_progress_fn)(void *arg, const char *host, uint64_t files);

/* Indicator kinds hunted with fg_triage_add_ioc() (sweep --ioc). */
enum fg_ioc_type { FG_IOC_SHA256, FG_IOC_NAME, FG_IOC_IP, FG_IOC_DOMAIN };

/* scan: an engine with YARA rules (built-in plus the responder's), compiled; cap: an engine
 * with the capability rules, compiled; either may be NULL (that analysis is skipped).  Both
 * are borrowed and must outlive the triage. */
FG_API int fg_triage_new(fg_engine *scan, fg_engine *cap, fg_triage **out);
FG_API void fg_triage_free(fg_triage *t);
FG_API const char *fg_triage_error(const fg_triage *t);
FG_API void fg_triage_set_bodyfile(fg_triage *t, fg_tri_body_fn fn, void *arg);
FG_API void fg_triage_set_progress(fg_triage *t, fg_tri_progress_fn fn, void *arg);
/* value is copied.  Names are fnmatch(3) patterns, matched case-insensitively on file names. */
FG_API int fg_triage_add_ioc(fg_triage *t, enum fg_ioc_type type, const char *value);

/* Triage one ROOT (directory or image).  Findings add up over several calls.  FG_EIO if the
 * ROOT cannot be opened at all; parts that cannot be read give findings with unreadable set. */
FG_API int fg_triage_run(fg_triage *t, const char *root);

FG_API size_t fg_triage_count(const fg_triage *t);
FG_API const struct fg_tri_finding *fg_triage_get(const fg_triage *t, size_t i);
/* Operating systems seen in the last ROOT: "linux", "windows", "linux+windows" or "unknown". */
FG_API const char *fg_triage_os(const fg_triage *t);
/* Files walked in all ROOTs so far. */
FG_API uint64_t fg_triage_files(const fg_triage *t);
/* One finding as one line of JSON (malloc'ed, no newline; NULL on ENOMEM). */
FG_API char *fg_tri_finding_json(const struct fg_tri_finding *f);

/*
 * Sweep: correlation of the findings of several triaged hosts.  An indicator is a file hash,
 * an autostart command, a suspicious file name or a YARA rule seen on two or more hosts (and
 * flagged, medium or worse, on at least one), or a hunted indicator (fg_triage_add_ioc(), and
 * with hunt_yara every YARA hit) found on any host.
 */
typedef struct fg_sweep fg_sweep;

struct fg_sweep_hit {
    const char *host, *path, *evidence;
};

struct fg_sweep_indicator {
    const char *type;     /* "sha256", "autostart", "name", "yara", "ip", "domain" */
    const char *value;
    int hunted;           /* given with --ioc */
    size_t nhosts;
    const char *const *hosts;
    size_t nhits;
    const struct fg_sweep_hit *hits;
};

/* The triage handles are read, not kept: they may be freed after this returns. */
FG_API int fg_sweep_correlate(fg_triage *const *t, size_t n, int hunt_yara, fg_sweep **out);
FG_API void fg_sweep_free(fg_sweep *s);
FG_API size_t fg_sweep_count(const fg_sweep *s);
FG_API const struct fg_sweep_indicator *fg_sweep_get(const fg_sweep *s, size_t i);
/* One indicator as one line of JSON (malloc'ed; NULL on ENOMEM); docs/formats/triage-json.md. */
FG_API char *fg_sweep_indicator_json(const struct fg_sweep_indicator *ind);

#ifdef __cplusplus
}
#endif
#endif
