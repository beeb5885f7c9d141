/*
 * sbx_int.h - internals of the sandbox (sandbox.c and the sbx_*.c files): the plan the
 * caller builds before clone and init executes afterwards, the messages init sends back, the
 * seccomp program and the cgroup.  Plan first, act second: everything that allocates, looks
 * up or formats happens in the caller; init and the command only make system calls.
 */
#ifndef FG_SBX_INT_H
#define FG_SBX_INT_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowgate/flowgate.h"
#include "sandbox.h"

/* Where init builds the new root and where the host's root stays until it is detached (see
 * sbx_init.c: the staging tmpfs is mounted over /tmp, which pivot_root then uncovers). */
#define SBX_NEWROOT "/newroot"
#define SBX_OLDROOT "/oldroot"

/* One setup step, executed in order by init. Paths are absolute in init's view during the
 * setup (under SBX_NEWROOT or SBX_OLDROOT). */
enum sbx_op_kind {
    SBX_OP_MKDIR,      /* dst, mode 0755; an existing one is fine */
    SBX_OP_MKFILE,     /* empty file dst as a mount point; an existing one is fine */
    SBX_OP_SYMLINK,    /* dst -> src */
    SBX_OP_BIND_RO,    /* src onto dst, recursive, read-only, nosuid, nodev */
    SBX_OP_BIND_DEV,   /* a device node src onto dst, writable, nosuid */
    SBX_OP_TMPFS,      /* tmpfs on dst with options data */
    SBX_OP_PROC,       /* a fresh procfs on dst */
    SBX_OP_REMOUNT_RO, /* make the mount at dst read-only */
};

struct sbx_op {
    enum sbx_op_kind kind;
    const char *src;
    const char *dst;
    const char *data;
    bool optional; /* a failure is ignored (e.g. /proc/sysrq-trigger on a kernel without it) */
};

/* A host file the caller opened, copied by init into the work directory. */
struct sbx_copy {
    int fd;
    const char *dst;
};

struct sbx_plan {
    struct sbx_op *ops;
    size_t nops, capops;
    struct sbx_copy *copies;
    size_t ncopies, capcopies;
    /* Strings the plan owns (paths, argv, envp), freed with it. */
    char **strs;
    size_t nstrs, capstrs;

    char **argv;         /* NULL-terminated */
    char **envp;         /* NULL-terminated */
    char **exec_paths;   /* candidate paths of argv[0], tried in order */
    size_t nexec;

    struct sock_fprog prog;        /* the main seccomp program (sbx_seccomp.c) */
    struct sock_fprog prog_pers;   /* personality(2): only the default and the query */

    /* Limits, defaults applied. */
    uint64_t mem, fsize, workdir;
    unsigned cpu, nofile, nproc, timeout_ms;
    int cap_last;        /* highest capability number of this kernel */

    int out_fd, err_fd;  /* the command's stdout/stderr (dups, close-on-exec), -1: /dev/null */
    bool setgroups;      /* init may drop supplementary groups (root caller) */
    bool traced;
    /* The caller's command line (the argument area of its stack), which init blanks in its
     * copy: /proc/1/cmdline is readable by the command, dumpable or not. */
    uintptr_t arg_start, arg_end;
};

/* Messages from init on the status socket (SOCK_SEQPACKET, one per datagram). */
enum sbx_msg_type {
    SBX_MSG_PID = 1,    /* the command was forked; its host pid comes in SCM_CREDENTIALS */
    SBX_MSG_ERROR = 2,  /* setup failed: step, errno */
    SBX_MSG_STATUS = 3, /* every process but init is gone: value = the command's wait status */
};

/* Setup steps that are not plan operations (negative, so op indexes stay >= 0). */
enum sbx_step {
    SBX_STEP_IDS = -1,
    SBX_STEP_NET = -2,
    SBX_STEP_UTS = -3,
    SBX_STEP_STAGE = -4,
    SBX_STEP_PIVOT = -5,
    SBX_STEP_COPY = -6,   /* value: index of the copy */
    SBX_STEP_FORK = -7,
    SBX_STEP_ROOT_RO = -8,
    SBX_STEP_COMMAND = -9, /* from the command: preparing itself (limits, capabilities, seccomp) */
    SBX_STEP_EXEC = -10,   /* from the command: execve() of every candidate failed */
};

struct sbx_msg {
    int32_t type;
    int32_t step;
    int32_t err;
    int32_t value;
};

#define SBX_STATUS_HOSTILE 1 /* flag in step of SBX_MSG_STATUS: a process died of SIGSYS */

/* sbx_plan.c */
int sbx_plan_build(struct sbx_plan *p, const struct fg_sandbox_cfg *cfg, char *err, size_t errlen);
void sbx_plan_free(struct sbx_plan *p);
/* Describes a failed step for sb->error. */
void sbx_plan_describe(const struct sbx_plan *p, const struct sbx_msg *m, char *out, size_t len);

/* sbx_seccomp.c: compiles the filters into p->prog and p->prog_pers. */
int sbx_seccomp_build(struct sbx_plan *p, const struct fg_sandbox_cfg *cfg, char *err,
                      size_t errlen);
void sbx_seccomp_free(struct sbx_plan *p);

/* sbx_init.c: the body of init (never returns). ctl: read end of the control pipe; st: init's
 * end of the status socket. */
_Noreturn void sbx_init_main(const struct sbx_plan *p, int ctl, int st);

/* sbx_cgroup.c */
struct sbx_cgroup {
    char path[4096]; /* the run's own cgroup directory, "" if none */
};
/* Finds a writable cgroup v2 directory with the memory and pids controllers for the caller:
 * mountinfo and self_cgroup are normally /proc/self/mountinfo and /proc/self/cgroup (tests
 * pass fakes).  Returns 0 and the parent directory in out, or FG_EUNSUPPORTED. */
int sbx_cgroup_find(const char *mountinfo, const char *self_cgroup, char *out, size_t outlen);
/* Creates the run's cgroup under parent with the limits; 0 or FG_E*. */
int sbx_cgroup_create(struct sbx_cgroup *cg, const char *parent, uint64_t mem, unsigned nproc);
int sbx_cgroup_attach(const struct sbx_cgroup *cg, pid_t pid);
void sbx_cgroup_remove(struct sbx_cgroup *cg);

/* Writes a short text into a file (a /proc id map, a cgroup control file): 0, or -1 with
 * errno.  oflags are added to O_WRONLY | O_CLOEXEC (O_CREAT | O_TRUNC for new files). */
int sbx_write_text(const char *path, int oflags, const char *text);

#endif
