/*
 * trc_args.h - the system calls the tracer records and how their arguments are normalised
 * into classes ("font:r", "inet:public:443", "prot=rx file:syslib") that are the same from one
 * run to the next, plus a human-readable detail (the path, the destination, the command line).
 */
#ifndef FG_TRC_ARGS_H
#define FG_TRC_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "trc_maps.h"

/* What a recorded call is about; the flow layer grades new behaviour by kind. */
enum trc_kind {
    TRC_K_FILE_READ,   /* open for reading */
    TRC_K_FILE_WRITE,  /* open for writing, create, rename, unlink, chmod ... */
    TRC_K_EXEC,        /* execve, execveat */
    TRC_K_NET,         /* socket, connect, bind, listen */
    TRC_K_MEM,         /* mmap, mprotect */
    TRC_K_PROC,        /* kill, prctl, setuid ..., chdir */
    TRC_K_PROBE,       /* sysinfo, sched_getaffinity, uname: what anti-sandbox code asks */
    TRC_K_HOSTILE,     /* a call the sandbox refuses outright */
};

struct trc_call {
    int nr;
    const char *name;
    enum trc_kind kind;
};

/* The calls recorded, in system call number order. */
extern const struct trc_call trc_calls[];
extern const size_t trc_ncalls;
const struct trc_call *trc_call_find(int nr);
/* Name of any x86_64 call we may see as hostile (for reports); "syscall_N" otherwise. */
const char *trc_call_name(int nr, char *buf, size_t len);

/* Per-process state the classification needs. */
struct trc_proc_view {
    pid_t tid;
    const char *cwd;            /* the process's working directory inside the sandbox */
    const char *input;          /* the input document's path inside the sandbox */
    const struct trc_space *sp; /* its mappings (mprotect targets) */
};

struct trc_args {
    char cls[160];       /* argument class */
    char detail[512];    /* for people: path, destination, argv */
    enum trc_kind kind;  /* may be refined (open with O_WRONLY -> FILE_WRITE) */
    bool outside_work;   /* a write that lands outside /work and /tmp */
    bool net_outside;    /* a destination that is not loopback */
    bool exec_prot;      /* mmap/mprotect asking for executable memory that is not a file */
    char newcwd[512];    /* chdir: the new directory */
};

/* Classifies the call at this stop; reads the tracee's memory (paths, sockaddr, argv). */
void trc_args_classify(const struct trc_proc_view *pv, const struct trc_call *c,
                       const struct user_regs_struct *r, struct trc_args *out);

/* Class of a normalised absolute path: "input", "work", "tmp", "syslib", "font", ... */
const char *trc_path_class(const char *path, const char *input);

/* Lexically normalises path (joined to cwd when relative) into out. */
void trc_path_normalise(const char *cwd, const char *path, char *out, size_t len);

#endif
