/*
 * sandbox.h - run one command in a throw-away Linux sandbox.
 *
 * The command runs as a child in fresh user, PID, mount, network, IPC and UTS namespaces with
 * a private root (system directories bind-mounted read-only, a tmpfs work directory holding
 * the input and any decoys, nothing else of the host's files), loopback-only networking, no
 * new privileges, no capabilities, rlimits, cgroup v2 limits where the host delegates them,
 * and a seccomp filter.  The whole process tree dies when the run ends, times out, or when
 * the calling process dies.
 *
 * Process layout:
 *
 *     caller (tracer)  ->  init (pid 1 in the new namespaces; our code)  ->  command
 *
 * fg_sandbox_start() creates init and leaves it blocked, so that a tracer can PTRACE_SEIZE
 * it (with PTRACE_O_TRACEFORK and friends the command is then traced from its first
 * instruction) before fg_sandbox_go() lets it continue.  init builds the private root, forks
 * the command, reaps everything that runs in the namespace, and waits, still alive, until
 * fg_sandbox_finish(): while it lives the caller can read the work directory through
 * fg_sandbox_workdir_fd().
 *
 * Untraced use: start, go, wait, (inspect the work directory), finish.
 * Traced use:   start, seize init, go, run the ptrace loop until the command's processes are
 *               gone (fg_sandbox_command_done() tells), (inspect), finish.
 *
 * All functions return 0 or a negative FG_E* code; on failure sb->error says why.  Nothing
 * here prints or exits in the caller's process.
 */
#ifndef FG_SANDBOX_H
#define FG_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* seccomp data values of SECCOMP_RET_TRACE, read by the tracer with PTRACE_GETEVENTMSG. */
#define FG_SECCOMP_RECORD 1  /* a call the tracer records (cfg.trace_syscalls) */
#define FG_SECCOMP_HOSTILE 2 /* a hostile call (module loading, mount, bpf ...): record, kill */

struct fg_sandbox_cfg {
    /* The command: argv[0] is looked up in PATH inside the sandbox. */
    const char *const *argv;
    /* Environment of the command; NULL gives a small fixed one (PATH, HOME=/work, LANG=C.UTF-8,
     * TMPDIR=/tmp). */
    const char *const *envp;
    /* Host file copied into the work directory as input_name (both optional). */
    const char *input_path;
    const char *input_name;
    /* Regular files of this host directory are copied into the work directory (optional). */
    const char *decoy_dir;
    /* Extra host paths bind-mounted read-only at the same place (NULL-terminated, optional),
     * e.g. the directory of a test program that is not under /usr. */
    const char *const *ro_binds;
    /* A host file shown as /etc/resolv.conf (optional).  flowgate run points the resolver at
     * 127.0.0.1, so that the queries a program sends are seen (and go nowhere). */
    const char *resolv_conf;

    /* Limits; 0 means the default in limits.h (FG_DEF_SB_*). */
    unsigned timeout_ms;     /* wall clock, from fg_sandbox_go() */
    uint64_t mem_bytes;      /* RLIMIT_AS, and memory.max where cgroups are available */
    unsigned cpu_seconds;    /* RLIMIT_CPU */
    uint64_t fsize_bytes;    /* RLIMIT_FSIZE */
    unsigned nofile;         /* RLIMIT_NOFILE */
    unsigned nproc;          /* processes and threads (pids.max, RLIMIT_NPROC) */
    uint64_t workdir_bytes;  /* size of the work directory tmpfs */

    /* Descriptors for the command's stdout and stderr; -1 gives /dev/null.  stdin is
     * always /dev/null. */
    int stdout_fd;
    int stderr_fd;

    /* Traced mode: the calls listed here stop the command with SECCOMP_RET_TRACE
     * (data FG_SECCOMP_RECORD), hostile calls stop it with data FG_SECCOMP_HOSTILE.  Without
     * traced, listed calls are simply allowed and hostile calls kill the process
     * (SECCOMP_RET_KILL_PROCESS, seen as SIGSYS in the exit status). */
    bool traced;
    const int *trace_syscalls;   /* x86_64 system call numbers */
    size_t n_trace_syscalls;
};

/* What is known about a run once it is over. */
struct fg_sandbox_status {
    bool timed_out;         /* the wall-clock limit killed the tree */
    bool exited;            /* the command exited by itself ... */
    int exit_code;          /* ... with this code */
    int term_signal;        /* or was killed by this signal (SIGSYS: seccomp) */
    bool hostile_killed;    /* seccomp killed a process for a hostile call (untraced mode) */
    bool cgroup;            /* cgroup v2 limits were applied */
    uint64_t wall_ms;       /* from go to the end of the command */
};

struct fg_sandbox {
    pid_t init_pid;         /* host pid of init */
    pid_t command_pid;      /* host pid of the command once known (0 before) */
    int ctl_fd;             /* private: control pipe to init */
    int status_fd;          /* private: status pipe from init */
    void *priv;             /* private: watchdog, cgroup, ... */
    struct fg_sandbox_status status;
    char error[256];
};

/* Creates init in its namespaces, blocked before it does anything else. */
int fg_sandbox_start(const struct fg_sandbox_cfg *cfg, struct fg_sandbox *sb);

/* Lets init build the root and start the command; starts the wall clock. */
int fg_sandbox_go(struct fg_sandbox *sb);

/* Untraced mode: waits for the command (and everything it started) to end or time out.
 * Returns 0 when the run is over however it ended (sb->status says how: exit, signal,
 * timed_out), FG_EINVAL if the command could not be executed (not found), FG_EINTERNAL if the
 * sandbox could not be set up; sb->error says why.  Traced mode: call it once the tracer has
 * seen every process but init end; it then only collects init's report (init never stops
 * for a signal, so it needs no more help from the tracer). */
int fg_sandbox_wait(struct fg_sandbox *sb);

/* Traced mode: true once init reported that every process of the command is gone. Never
 * blocks.  The tracer calls it after each tracee exit. */
bool fg_sandbox_command_done(struct fg_sandbox *sb);

/* A descriptor (O_DIRECTORY) for the work directory as the command left it, valid until
 * fg_sandbox_finish(); read it with openat(..., O_NOFOLLOW) only: the command may have left
 * symbolic links. Returns a negative FG_E* code after the sandbox has gone.  The sandbox owns
 * the descriptor (do not close it); repeated calls return the same one. */
int fg_sandbox_workdir_fd(struct fg_sandbox *sb);

/* Traced mode: the tracer's wait loop (waitpid(-1, __WALL)) may reap init itself; it hands
 * init's wait status over here so that fg_sandbox_finish() does not wait for it again. */
void fg_sandbox_reaped_init(struct fg_sandbox *sb, int wstatus);

/* Kills the whole tree at once (timeout, hostile call). Safe to call more than once. */
void fg_sandbox_kill(struct fg_sandbox *sb);

/* Kills what is left, reaps init, removes the cgroup, frees everything. Always safe after
 * fg_sandbox_start(), whatever happened in between. */
void fg_sandbox_finish(struct fg_sandbox *sb);

/* Work directory path inside the sandbox, where the input is placed. */
#define FG_SANDBOX_WORKDIR "/work"

#endif
