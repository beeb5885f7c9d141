/*
 * tracer.c - the ptrace loop.  The tracer seizes the sandbox's init before it starts the
 * command, so every process and thread of the command is followed from its first
 * instruction (fork, clone and exec events); the seccomp filter stops only the calls worth
 * recording, so the command runs at full speed between them.  At each stop the registers
 * and the top of the stack are copied once; the arguments are classified and the call stack
 * is unwound from that copy.
 */
#define _GNU_SOURCE
#include "tracer.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flowgate/flowgate.h"
#include "trc_origin.h"
#include "trc_unwind.h"

struct proc {
    pid_t pid;
    pid_t ppid;
    struct trc_space sp;
    char cwd[512];
    unsigned threads;
    bool launched;      /* past the sandbox's own execve of the command */
    char exec_path[512];
};

struct task {
    pid_t tid;
    struct proc *proc;
};

struct tracer {
    struct fg_sandbox *sb;
    const struct trc_opts *opts;
    trc_event_fn fn;
    void *arg;
    struct trc_stats *stats;
    struct trc_modules mods;
    struct trc_unwinder *unw;
    struct trc_origin *origin;
    struct task *task;
    size_t ntask;
    struct proc *procs[FG_CAP_TRC_TASKS];
    size_t nproc;
    pid_t command;       /* the command's first process */
    /* Tasks already reaped: a short-lived thread can exit (and be reaped) before its
     * creator's clone event is read; that event must not bring it back as a task whose end
     * never comes. */
    pid_t gone[64];
    unsigned ngone;
    bool command_seen;
    bool stopping;       /* the tree is being killed */
    uint8_t *stack;      /* FG_CAP_TRC_STACK bytes */
    struct trc_event ev; /* reused: it is large */
};

/* Trusted code lives where the sandbox mounts the host's system directories read-only. */
static const char *const default_trusted[] = {"/usr", "/bin", "/sbin", "/lib", "/lib64", NULL};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- processes and tasks ---- */

static struct proc *proc_find(struct tracer *t, pid_t pid)
{
    for (size_t i = 0; i < t->nproc; i++)
        if (t->procs[i]->pid == pid)
            return t->procs[i];
    return NULL;
}

static struct proc *proc_new(struct tracer *t, pid_t pid, const struct proc *parent)
{
    if (t->nproc >= FG_CAP_TRC_TASKS)
        return NULL;
    struct proc *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->pid = pid;
    p->sp.dirty = true;
    if (parent) {
        p->ppid = parent->pid;
        p->launched = parent->launched;
        memcpy(p->cwd, parent->cwd, sizeof p->cwd);
    } else {
        snprintf(p->cwd, sizeof p->cwd, "%s", FG_SANDBOX_WORKDIR);
    }
    t->procs[t->nproc++] = p;
    if (pid != t->sb->init_pid)
        t->stats->processes++;
    return p;
}

static void proc_drop(struct tracer *t, struct proc *p)
{
    for (size_t i = 0; i < t->nproc; i++)
        if (t->procs[i] == p) {
            t->procs[i] = t->procs[--t->nproc];
            break;
        }
    trc_space_clear(&p->sp);
    free(p);
}

static struct task *task_find(struct tracer *t, pid_t tid)
{
    for (size_t i = 0; i < t->ntask; i++)
        if (t->task[i].tid == tid)
            return &t->task[i];
    return NULL;
}

/* The thread-group id of a task, from /proc (a clone event does not say whether the new task
 * is a thread or a process). */
static pid_t tgid_of(pid_t tid, pid_t *ppid)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    pid_t tgid = tid;
    *ppid = 0;
    if (!f)
        return tid;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "Tgid:", 5))
            tgid = (pid_t)strtol(line + 5, NULL, 10);
        else if (!strncmp(line, "PPid:", 5))
            *ppid = (pid_t)strtol(line + 5, NULL, 10);
    fclose(f);
    return tgid;
}

static void emit(struct tracer *t)
{
    if (t->stats->events >= FG_CAP_TRC_EVENTS) {
        t->stats->dropped++;
        return;
    }
    t->stats->events++;
    if (t->fn && t->fn(t->arg, &t->ev) && !t->stopping) {
        t->stopping = true;
        fg_sandbox_kill(t->sb);
    }
}

static void emit_simple(struct tracer *t, enum trc_ev_type type, struct proc *p)
{
    memset(&t->ev, 0, offsetof(struct trc_event, frames));
    t->ev.type = type;
    t->ev.pid = t->ev.tid = p->pid;
    t->ev.ppid = p->ppid;
    t->ev.nframes = 0;
    t->ev.violations = 0;
    t->ev.why[0] = 0;
}

/* A task the kernel reported before (or without) its parent's fork event. */
static struct task *task_add(struct tracer *t, pid_t tid, struct proc *parent)
{
    struct task *k = task_find(t, tid);
    if (k)
        return k;
    if (t->ntask >= FG_CAP_TRC_TASKS)
        return NULL;
    pid_t ppid;
    pid_t tgid = tgid_of(tid, &ppid);
    if (!parent && ppid)
        parent = proc_find(t, ppid); /* the child's stop came before the fork event */
    struct proc *p = proc_find(t, tgid);
    bool fresh = false;
    if (!p) {
        p = proc_new(t, tgid, parent);
        if (!p)
            return NULL;
        fresh = true;
    }
    p->threads++;
    t->task[t->ntask].tid = tid;
    t->task[t->ntask].proc = p;
    k = &t->task[t->ntask++];
    if (fresh && tid != t->sb->init_pid) {
        if (!t->command_seen && parent && parent->pid == t->sb->init_pid) {
            t->command_seen = true;
            t->command = tgid;
        }
        emit_simple(t, TRC_EV_SPAWN, p);
        emit(t);
    }
    return k;
}

static bool was_reaped(struct tracer *t, pid_t tid)
{
    for (unsigned i = 0; i < sizeof t->gone / sizeof t->gone[0]; i++)
        if (t->gone[i] == tid) {
            t->gone[i] = 0;
            return true;
        }
    return false;
}

static void task_exit(struct tracer *t, pid_t tid, int status)
{
    t->gone[t->ngone++ % (sizeof t->gone / sizeof t->gone[0])] = tid;
    struct task *k = task_find(t, tid);
    if (!k)
        return;
    struct proc *p = k->proc;
    *k = t->task[--t->ntask];
    if (--p->threads)
        return;
    if (p->pid != t->sb->init_pid) {
        emit_simple(t, TRC_EV_EXIT, p);
        t->ev.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        t->ev.exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        emit(t);
        if (p->pid == t->command) {
            t->stats->cmd_exited = WIFEXITED(status);
            t->stats->cmd_code = t->ev.exit_code;
            t->stats->cmd_signal = t->ev.exit_signal;
        }
    }
    proc_drop(t, p);
}

/* ---- one seccomp stop ---- */

static void reload_maps(struct tracer *t, struct proc *p)
{
    trc_space_load(&p->sp, &t->mods, p->pid);
    t->stats->maps_reads++;
}

static void why(struct tracer *t, unsigned flag, const char *fmt, unsigned long long a)
{
    if (!(t->ev.violations & flag) && !t->ev.why[0])
        snprintf(t->ev.why, sizeof t->ev.why, fmt, a);
    t->ev.violations |= flag;
}

/* A system call instruction followed right by `ret` is what return-oriented chains use to
 * make calls (no compiler-generated wrapper looks like that: they check the result first),
 * and the unwind tables of the function around such a gadget say nothing true about a
 * chain.  So where the next instruction is a ret, the word on top of the stack is where the
 * code goes next, and it gets the return-address checks itself. */
static void ret_after_syscall(struct tracer *t, const struct trc_space *sp,
                              const struct trc_snapshot *s)
{
    const struct trc_module *m = NULL;
    uint64_t off = 0, next = 0;
    uint8_t op = 0;
    if (!trc_code_offset(sp, s->regs->rip, &m, &off) || !m->trusted ||
        !trc_module_read(m, off, &op, 1) || (op != 0xc3 && op != 0xc2) ||
        s->stack_len < sizeof next)
        return;
    memcpy(&next, s->stack, sizeof next);
    const struct trc_module *nm = NULL;
    uint64_t noff = 0;
    if (!trc_code_offset(sp, next, &nm, &noff))
        why(t, TRC_V_RET_ORIGIN, "a syscall; ret sequence returns to 0x%llx, outside any program file",
            (unsigned long long)next);
    else if (nm->trusted && !trc_call_preceded(t->origin, nm, noff))
        why(t, TRC_V_ROP, "a syscall; ret sequence returns to 0x%llx, after no call instruction",
            (unsigned long long)next);
}

/* Copies the top of the stack and walks it; fills ev.frames and the origin checks. */
static void stack_walk(struct tracer *t, struct task *k, const struct user_regs_struct *r)
{
    struct proc *p = k->proc;
    const struct trc_map *sm = trc_space_find(&p->sp, r->rsp);
    struct trc_snapshot s = {.sp = &p->sp, .regs = r, .stack = t->stack, .stack_lo = r->rsp};
    if (!sm || !sm->stack) {
        why(t, TRC_V_STACK, "stack pointer 0x%llx is in no stack", (unsigned long long)r->rsp);
    }
    if (sm && (sm->prot & PROT_READ)) {
        size_t want = sm->end - r->rsp < FG_CAP_TRC_STACK ? sm->end - r->rsp : FG_CAP_TRC_STACK;
        struct iovec lo = {t->stack, want}, re = {(void *)(uintptr_t)r->rsp, want};
        ssize_t n = process_vm_readv(k->tid, &lo, 1, &re, 1, 0);
        s.stack_len = n > 0 ? (size_t)n : 0;
    }
    ret_after_syscall(t, &p->sp, &s);
    uint64_t pcs[FG_CAP_TRC_FRAMES];
    bool sig[FG_CAP_TRC_FRAMES];
    unsigned n = trc_unwind(t->unw, &s, pcs, sig, FG_CAP_TRC_FRAMES);
    t->ev.nframes = n;
    for (unsigned i = 0; i < n; i++) {
        const struct trc_module *m = NULL;
        uint64_t off = pcs[i];
        if (!trc_code_offset(&p->sp, pcs[i], &m, &off)) {
            t->ev.frames[i].mod = NULL;
            t->ev.frames[i].off = pcs[i];
            if (i == 0)
                why(t, TRC_V_SYSCALL_ORIGIN, "system call made from 0x%llx, outside any program file",
                    (unsigned long long)pcs[i]);
            else
                why(t, TRC_V_RET_ORIGIN, "return address 0x%llx is outside any program file",
                    (unsigned long long)pcs[i]);
            continue;
        }
        t->ev.frames[i].mod = m;
        t->ev.frames[i].off = off;
        if (!m->trusted) {
            why(t, TRC_V_UNTRUSTED, "code runs from a file outside the system directories (0x%llx)",
                (unsigned long long)pcs[i]);
            continue;
        }
        if (i > 0 && !sig[i] && !trc_call_preceded(t->origin, m, off))
            why(t, TRC_V_ROP, "return address 0x%llx follows no call instruction",
                (unsigned long long)pcs[i]);
    }
}

static void on_seccomp(struct tracer *t, struct task *k)
{
    unsigned long data = 0;
    struct user_regs_struct r;
    ptrace(PTRACE_GETEVENTMSG, k->tid, 0, &data);
    if (ptrace(PTRACE_GETREGS, k->tid, 0, &r) < 0)
        return;
    t->stats->stops++;
    struct proc *p = k->proc;
    int nr = (int)r.orig_rax;
    memset(&t->ev, 0, offsetof(struct trc_event, frames));
    t->ev.pid = p->pid;
    t->ev.tid = k->tid;
    t->ev.ppid = p->ppid;
    t->ev.nr = nr;
    t->ev.why[0] = 0;
    t->ev.violations = 0;
    t->ev.nframes = 0;
    char namebuf[32];
    t->ev.call = trc_call_name(nr, namebuf, sizeof namebuf);
    const struct trc_call *c = trc_call_find(nr);
    /* Between its seccomp filter and execve the command is still flowgate's own code
     * (sandbox set-up): nothing there is the handler's flow. */
    if (!p->launched && data != FG_SECCOMP_HOSTILE && c && c->kind != TRC_K_EXEC)
        return;
    bool fresh = p->sp.dirty || !p->sp.n;
    if (fresh)
        reload_maps(t, p);
    if (data == FG_SECCOMP_HOSTILE || !c) {
        t->ev.type = TRC_EV_HOSTILE;
        snprintf(t->ev.args.cls, sizeof t->ev.args.cls, "-");
        t->ev.args.kind = TRC_K_HOSTILE;
        if (t->opts->stacks)
            stack_walk(t, k, &r);
        emit(t);
        /* Killed here, before the loop continues the stop: with SIGKILL pending the kernel
         * skips the call.  Killing init alone reaches this process only later, and the
         * continued call would run in the meantime. */
        kill(p->pid, SIGKILL);
        if (!t->stopping) {
            t->stopping = true;
            fg_sandbox_kill(t->sb);
        }
        return;
    }
    t->ev.type = TRC_EV_SYSCALL;
    struct trc_proc_view pv = {.tid = k->tid, .cwd = p->cwd, .input = t->opts->input_path,
                               .sp = &p->sp};
    if (!fresh && (c->nr == SYS_mprotect || c->nr == SYS_pkey_mprotect) &&
        !trc_space_find(&p->sp, r.rdi)) {
        /* Memory mapped since the maps were read: its kind is part of the class. */
        reload_maps(t, p);
        fresh = true;
    }
    trc_args_classify(&pv, c, &r, &t->ev.args);
    if (c->kind == TRC_K_EXEC) {
        snprintf(p->exec_path, sizeof p->exec_path, "%s", t->ev.args.detail);
        /* The sandbox's own execvp() of the command (it may try several PATH entries): its
         * stack is flowgate's.  The command starts at the exec event that succeeds. */
        if (!p->launched)
            return;
    }
    if (t->opts->stacks) {
        uint64_t t0 = now_ns();
        stack_walk(t, k, &r);
        /* The maps are re-read only when code may have been mapped (below); a new thread's
         * stack or a data mapping shows up here as an address in no mapping: read them
         * again and walk once more before calling anything a violation. */
        if (t->ev.violations && !fresh) {
            reload_maps(t, p);
            t->ev.violations = 0;
            t->ev.why[0] = 0;
            stack_walk(t, k, &r);
        }
        t->stats->unwind_ns += now_ns() - t0;
    }
    if (t->ev.args.newcwd[0])
        snprintf(p->cwd, sizeof p->cwd, "%s", t->ev.args.newcwd);
    /* What changes the maps once the call runs: an exec, and a mapping or protection
     * change that makes memory executable (the code-origin checks depend on those; other
     * changes are picked up on a miss). */
    if (c->kind == TRC_K_EXEC || (c->kind == TRC_K_MEM && c->nr != SYS_memfd_create &&
                                  (r.rdx & PROT_EXEC)))
        p->sp.dirty = true;
    emit(t);
}

/* ---- the loop ---- */

static void on_event(struct tracer *t, struct task *k, int event)
{
    unsigned long msg = 0;
    switch (event) {
    case PTRACE_EVENT_SECCOMP:
        on_seccomp(t, k);
        break;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
        ptrace(PTRACE_GETEVENTMSG, k->tid, 0, &msg);
        if (!was_reaped(t, (pid_t)msg))
            task_add(t, (pid_t)msg, k->proc);
        break;
    case PTRACE_EVENT_EXEC: {
        /* A multi-threaded exec: the other threads are gone, the leader's tid remains. */
        ptrace(PTRACE_GETEVENTMSG, k->tid, 0, &msg);
        struct proc *p = k->proc;
        for (size_t i = 0; i < t->ntask;)
            if (t->task[i].proc == p && t->task[i].tid != k->tid) {
                t->task[i] = t->task[--t->ntask];
                p->threads--;
            } else {
                i++;
            }
        p->sp.dirty = true;
        if (p->pid != t->sb->init_pid) {
            p->launched = true;
            emit_simple(t, TRC_EV_EXEC, p);
            snprintf(t->ev.args.detail, sizeof t->ev.args.detail, "%s", p->exec_path);
            emit(t);
        }
        break;
    }
    default:
        break;
    }
}

static int trace_loop(struct tracer *t)
{
    for (;;) {
        int st;
        /* __WNOTHREAD: only this thread's tracees, so that tracers in several threads of
         * one process (flowgate scan --dynamic) keep apart. */
        pid_t tid = waitpid(-1, &st, __WALL | __WNOTHREAD);
        if (tid < 0) {
            if (errno == EINTR)
                continue;
            return errno == ECHILD ? 0 : FG_EINTERNAL;
        }
        if (WIFEXITED(st) || WIFSIGNALED(st)) {
            if (tid == t->sb->init_pid) {
                fg_sandbox_reaped_init(t->sb, st);
                task_exit(t, tid, st);
                if (t->ntask == 0)
                    return 0;
                continue;
            }
            task_exit(t, tid, st);
            bool init_alive = task_find(t, t->sb->init_pid) != NULL;
            if (t->command_seen && t->ntask == (init_alive ? 1u : 0u))
                return 0;
            continue;
        }
        if (!WIFSTOPPED(st))
            continue;
        struct task *k = task_find(t, tid);
        if (!k)
            k = task_add(t, tid, NULL);
        int sig = WSTOPSIG(st), event = (unsigned)st >> 16;
        int inject = 0;
        if (k && event)
            on_event(t, k, event);
        else if (!event && sig != SIGTRAP)
            inject = sig; /* an ordinary signal: deliver it */
        /* Group stops (PTRACE_EVENT_STOP) and the first stop of new tasks just continue. */
        if (ptrace(PTRACE_CONT, tid, 0, (void *)(uintptr_t)inject) < 0 && errno != ESRCH)
            continue;
    }
}

static int build_trace_list(int **out, size_t *n)
{
    int *list = calloc(trc_ncalls, sizeof *list);
    if (!list)
        return FG_ENOMEM;
    for (size_t i = 0; i < trc_ncalls; i++)
        list[i] = trc_calls[i].nr;
    *out = list;
    *n = trc_ncalls;
    return 0;
}

int fg_trace_run(struct fg_sandbox_cfg *cfg, const struct trc_opts *opts, trc_event_fn fn,
                 void *arg, struct fg_sandbox *sb, struct trc_stats *stats, char *err,
                 size_t errlen)
{
    struct tracer t = {.sb = sb, .opts = opts, .fn = fn, .arg = arg, .stats = stats};
    memset(stats, 0, sizeof *stats);
    int *list = NULL;
    size_t nlist = 0;
    int rc = build_trace_list(&list, &nlist);
    if (rc)
        return rc;
    const char *trusted[16];
    size_t nt = 0;
    for (const char *const *d = default_trusted; *d; d++)
        trusted[nt++] = *d;
    for (const char *const *d = cfg->ro_binds; d && *d && nt < 15; d++)
        trusted[nt++] = *d;
    trusted[nt] = NULL;
    t.mods.trusted = trusted;
    t.task = calloc(FG_CAP_TRC_TASKS, sizeof *t.task);
    t.stack = malloc(FG_CAP_TRC_STACK);
    if (!t.task || !t.stack) {
        rc = FG_ENOMEM;
        goto out;
    }
    if ((rc = trc_unwinder_new(&t.unw)) || (rc = trc_origin_new(&t.origin)))
        goto out;
    cfg->traced = true;
    cfg->trace_syscalls = list;
    cfg->n_trace_syscalls = nlist;
    rc = fg_sandbox_start(cfg, sb);
    if (rc) {
        snprintf(err, errlen, "sandbox: %s", sb->error);
        goto out;
    }
    long o = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
             PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SEIZE, sb->init_pid, 0, (void *)o) < 0) {
        snprintf(err, errlen, "ptrace: cannot trace the sandbox: %s", strerror(errno));
        rc = FG_EINTERNAL;
        goto out;
    }
    task_add(&t, sb->init_pid, NULL);
    rc = fg_sandbox_go(sb);
    if (rc) {
        snprintf(err, errlen, "sandbox: %s", sb->error);
        fg_sandbox_kill(sb);
        trace_loop(&t);
        goto out;
    }
    rc = trace_loop(&t);
    if (rc)
        snprintf(err, errlen, "tracer: waitpid failed: %s", strerror(errno));
    else if ((rc = fg_sandbox_wait(sb)) != 0) /* init's report: status, timeout flag */
        snprintf(err, errlen, "%s", sb->error[0] ? sb->error : fg_strerror(rc));
out:
    while (t.nproc)
        proc_drop(&t, t.procs[t.nproc - 1]);
    free(t.task);
    free(t.stack);
    trc_unwinder_free(t.unw);
    trc_origin_free(t.origin);
    trc_modules_free(&t.mods);
    free(list);
    cfg->trace_syscalls = NULL;
    cfg->n_trace_syscalls = 0;
    return rc;
}
