/*
 * tracer.h - runs a command in the sandbox under ptrace and reports, through a callback,
 * every recorded system call with its argument class and its call stack (module + offset,
 * keyed by build-id), plus the checks that need no training (code origin, call-preceded
 * return addresses, W^X, stack pointer).  Process starts, execs and exits are reported too,
 * so that a caller can build the flow graph and the behaviour summary from the events alone.
 */
#ifndef FG_TRACER_H
#define FG_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/limits.h"
#include "sandbox.h"
#include "trc_args.h"
#include "trc_maps.h"

/* Code-origin violations found at one stop.  Executable memory that is not a system file
 * (W^X) is not among them: it is seen at the mmap/mprotect call that asks for it
 * (trc_args.exec_prot), a call the flow layer grades like any other, so that a handler with a
 * JIT can learn it. */
enum {
    TRC_V_SYSCALL_ORIGIN = 1 << 0, /* the system call was made from no file-backed code */
    TRC_V_RET_ORIGIN = 1 << 1,     /* a return address points outside file-backed code */
    TRC_V_ROP = 1 << 2,            /* a return address does not follow a call instruction */
    TRC_V_STACK = 1 << 4,          /* the stack pointer is outside every stack */
    TRC_V_UNTRUSTED = 1 << 5,      /* code runs from a file the run could have written */
};

enum trc_ev_type {
    TRC_EV_SYSCALL, /* a recorded call (kind, cls, detail, frames) */
    TRC_EV_HOSTILE, /* a call the sandbox refuses: the run is killed right after */
    TRC_EV_SPAWN,   /* a new process (not a thread): pid, ppid */
    TRC_EV_EXEC,    /* a process replaced its program: detail = the program */
    TRC_EV_EXIT,    /* a process ended: code or signal */
};

struct trc_frame {
    const struct trc_module *mod; /* NULL: not in any file-backed code */
    uint64_t off;                 /* module-relative (link-time) address, or the raw address */
};

struct trc_event {
    enum trc_ev_type type;
    pid_t pid, tid, ppid;          /* host ids; ppid for SPAWN */
    int nr;                        /* system call number */
    const char *call;              /* its name */
    struct trc_args args;          /* class, detail, kind */
    unsigned nframes;
    struct trc_frame frames[FG_CAP_TRC_FRAMES];
    unsigned violations;           /* TRC_V_* */
    char why[256];                 /* what the violation is, for people */
    int exit_code, exit_signal;    /* EXIT */
};

struct trc_stats {
    uint64_t stops;                /* seccomp stops handled */
    uint64_t events;               /* events reported */
    uint64_t dropped;              /* events over FG_CAP_TRC_EVENTS, counted only */
    uint64_t processes;            /* processes seen */
    uint64_t unwind_ns;            /* time spent unwinding and checking */
    uint64_t maps_reads;           /* times a process's /proc/PID/maps was read */
    bool cmd_exited;               /* the command's first process exited by itself ... */
    int cmd_code;                  /* ... with this code */
    int cmd_signal;                /* or was killed by this signal */
};

/* Returns nonzero to stop the run (the tree is killed).  The event and the modules its
 * frames point to are borrowed for the call: copy what is kept (the module key). */
typedef int (*trc_event_fn)(void *arg, const struct trc_event *ev);

struct trc_opts {
    bool stacks;                   /* unwind at each stop (false: calls and arguments only) */
    const char *input_path;        /* the document's path inside the sandbox */
};

/* Runs cfg under the tracer (cfg->traced and the trace list are set here).  Returns 0 when
 * the run completed (the command's own failure, a timeout or a hostile call are results, in
 * sb->status and the events), or FG_E* when the sandbox or the tracer could not work; then
 * err says why.  sb is left for the caller to inspect (work directory) and finish. */
int fg_trace_run(struct fg_sandbox_cfg *cfg, const struct trc_opts *opts, trc_event_fn fn,
                 void *arg, struct fg_sandbox *sb, struct trc_stats *stats, char *err,
                 size_t errlen);

#endif
