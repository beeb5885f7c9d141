/*
 * sandbox.c - the caller's side of the sandbox (sandbox.h): builds the plan, creates init in
 * its namespaces and maps its ids, runs the wall-clock watchdog, reads init's reports, and
 * tears everything down.  Owns struct fg_sandbox's private state.
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/limits.h"
#include "sbx_int.h"

/* Host id the sandbox's root maps to when the caller is root: "nobody", which owns nothing,
 * so that root-owned host files are neither writable nor (unless world-readable) readable. */
#define SBX_ROOT_HOST_ID 65534

struct sbx_priv {
    struct sbx_plan plan;
    struct sbx_cgroup cg;
    int pidfd;          /* init, immune to pid reuse once a tracer has reaped it */
    int workdir_fd;
    int stop[2];        /* wakes the watchdog */
    pthread_t watchdog;
    bool watchdog_on, went, done, eof, status_seen;
    int rc;             /* a failure init or the command reported */
    struct timespec t0; /* go */
    pthread_mutex_t mu; /* done, init_reaped, sb->status.timed_out vs the watchdog */
    bool init_reaped;
    struct fg_sandbox *sb;
};

static uint64_t ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000 + (uint64_t)((t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Sends SIGKILL to init unless it is already reaped; the kernel then kills every process of
 * its pid namespace.  Caller holds mu. */
static void kill_init_locked(struct fg_sandbox *sb, struct sbx_priv *v)
{
    if (v->init_reaped || sb->init_pid <= 0)
        return;
    /* Without a pidfd (kernels before 5.3) the pid is safe only because init is not reaped:
     * neither by us (init_reaped) nor, a moment earlier, by a tracer. */
    if (v->pidfd >= 0)
        syscall(SYS_pidfd_send_signal, v->pidfd, SIGKILL, NULL, 0);
    else
        kill(sb->init_pid, SIGKILL);
}

static void *watchdog(void *arg)
{
    struct sbx_priv *v = arg;
    uint64_t limit = v->plan.timeout_ms;
    for (;;) {
        uint64_t el = ms_since(&v->t0);
        if (el >= limit)
            break;
        struct pollfd pf = {v->stop[0], POLLIN, 0};
        uint64_t left = limit - el;
        int r = poll(&pf, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0)
            return NULL; /* stopped: the run is over */
    }
    pthread_mutex_lock(&v->mu);
    if (!v->done) {
        v->sb->status.timed_out = true;
        kill_init_locked(v->sb, v);
    }
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

static void stop_watchdog(struct sbx_priv *v)
{
    if (!v->watchdog_on)
        return;
    char c = 's';
    while (write(v->stop[1], &c, 1) < 0 && errno == EINTR)
        ;
    pthread_join(v->watchdog, NULL);
    v->watchdog_on = false;
}

static void mark_done(struct fg_sandbox *sb, struct sbx_priv *v)
{
    pthread_mutex_lock(&v->mu);
    v->done = true;
    pthread_mutex_unlock(&v->mu);
    if (!sb->status.wall_ms)
        sb->status.wall_ms = ms_since(&v->t0);
}

static void on_status(struct fg_sandbox *sb, struct sbx_priv *v, const struct sbx_msg *m)
{
    int ws = m->value;
    struct fg_sandbox_status *s = &sb->status;
    s->exited = WIFEXITED(ws);
    s->exit_code = s->exited ? WEXITSTATUS(ws) : 0;
    s->term_signal = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
    s->hostile_killed = !v->plan.traced && (m->step & SBX_STATUS_HOSTILE);
    v->status_seen = true;
    mark_done(sb, v);
}

/* Handles one message from init; returns false when there is nothing (more) to read now. */
static bool read_msg(struct fg_sandbox *sb, struct sbx_priv *v, bool block)
{
    struct sbx_msg m;
    struct iovec iov = {&m, sizeof m};
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf};
    ssize_t n = recvmsg(sb->status_fd, &mh, MSG_CMSG_CLOEXEC | (block ? 0 : MSG_DONTWAIT));
    if (n < 0)
        return errno == EINTR;
    if (n == 0) { /* init is gone: killed (timeout, fg_sandbox_kill) or failed */
        v->eof = true;
        if (!v->status_seen && !sb->status.timed_out && !v->rc)
            sb->status.term_signal = SIGKILL;
        mark_done(sb, v);
        return false;
    }
    if (n != sizeof m)
        return true;
    if (m.type == SBX_MSG_PID) {
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        struct ucred cr;
        if (c && c->cmsg_type == SCM_CREDENTIALS) {
            memcpy(&cr, CMSG_DATA(c), sizeof cr);
            if (cr.pid > 0 && cr.pid != sb->init_pid)
                sb->command_pid = cr.pid;
        }
    } else if (m.type == SBX_MSG_ERROR) {
        if (!v->rc) {
            sbx_plan_describe(&v->plan, &m, sb->error, sizeof sb->error);
            v->rc = m.step == SBX_STEP_EXEC ? FG_EINVAL : FG_EINTERNAL;
        }
    } else if (m.type == SBX_MSG_STATUS) {
        on_status(sb, v, &m);
    }
    return true;
}

int sbx_write_text(const char *path, int oflags, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | oflags, 0644);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int write_file(pid_t pid, const char *name, const char *text)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    return sbx_write_text(path, 0, text);
}

/* The namespace's root is SBX_ROOT_HOST_ID for a root caller, else the caller itself. */
static int map_ids(struct fg_sandbox *sb, const struct sbx_priv *v)
{
    char m[64];
    unsigned uid = v->plan.setgroups ? SBX_ROOT_HOST_ID : (unsigned)geteuid();
    unsigned gid = v->plan.setgroups ? SBX_ROOT_HOST_ID : (unsigned)getegid();
    if (!v->plan.setgroups && write_file(sb->init_pid, "setgroups", "deny"))
        goto fail;
    snprintf(m, sizeof m, "0 %u 1\n", uid);
    if (write_file(sb->init_pid, "uid_map", m))
        goto fail;
    snprintf(m, sizeof m, "0 %u 1\n", gid);
    if (write_file(sb->init_pid, "gid_map", m))
        goto fail;
    return 0;
fail:
    snprintf(sb->error, sizeof sb->error, "sandbox: cannot map the user namespace's ids: %s",
             strerror(errno));
    return FG_EUNSUPPORTED;
}

static void free_priv(struct sbx_priv *v)
{
    sbx_plan_free(&v->plan);
    sbx_cgroup_remove(&v->cg);
    if (v->pidfd >= 0)
        close(v->pidfd);
    if (v->workdir_fd >= 0)
        close(v->workdir_fd);
    if (v->stop[0] >= 0)
        close(v->stop[0]);
    if (v->stop[1] >= 0)
        close(v->stop[1]);
    pthread_mutex_destroy(&v->mu);
    free(v);
}

/* Creates init; in the child, runs it.  ctl and st are the two pipes' ends. */
static int spawn(struct fg_sandbox *sb, struct sbx_priv *v)
{
    int ctl[2] = {-1, -1}, st[2] = {-1, -1}, one = 1, rc = FG_EUNSUPPORTED;
    if (pipe2(ctl, O_CLOEXEC) ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st) ||
        setsockopt(st[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one)) {
        snprintf(sb->error, sizeof sb->error, "sandbox: pipes: %s", strerror(errno));
        rc = FG_EINTERNAL;
        goto fail;
    }
    /* A raw clone, so that no fork handler of the caller's libraries runs in the child. */
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS |
                                              CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD,
                               NULL, NULL, NULL, 0);
    if (pid == 0) {
        close(ctl[1]);
        close(st[0]);
        sbx_init_main(&v->plan, ctl[0], st[1]);
    }
    if (pid < 0) {
        snprintf(sb->error, sizeof sb->error,
                 "sandbox: cannot create namespaces: %s (are user namespaces disabled?)",
                 strerror(errno));
        goto fail;
    }
    close(ctl[0]);
    close(st[1]);
    sb->init_pid = pid;
    sb->ctl_fd = ctl[1];
    sb->status_fd = st[0];
    v->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (ctl[i] >= 0)
            close(ctl[i]);
        if (st[i] >= 0)
            close(st[i]);
    }
    return rc;
}

int fg_sandbox_start(const struct fg_sandbox_cfg *cfg, struct fg_sandbox *sb)
{
    memset(sb, 0, sizeof *sb);
    sb->ctl_fd = sb->status_fd = -1;
    struct sbx_priv *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(sb->error, sizeof sb->error, "out of memory");
        return FG_ENOMEM;
    }
    v->pidfd = v->workdir_fd = v->stop[0] = v->stop[1] = -1;
    v->sb = sb;
    pthread_mutex_init(&v->mu, NULL);
    int rc = sbx_plan_build(&v->plan, cfg, sb->error, sizeof sb->error);
    rc = rc ? rc : sbx_seccomp_build(&v->plan, cfg, sb->error, sizeof sb->error);
    if (rc)
        goto fail;
    char parent[4096];
    if (!sbx_cgroup_find("/proc/self/mountinfo", "/proc/self/cgroup", parent, sizeof parent))
        sb->status.cgroup =
            !sbx_cgroup_create(&v->cg, parent, v->plan.mem, v->plan.nproc);
    if ((rc = spawn(sb, v)))
        goto fail;
    sb->priv = v;
    if ((rc = map_ids(sb, v)))
        goto fail_child;
    if (sb->status.cgroup && sbx_cgroup_attach(&v->cg, sb->init_pid))
        sb->status.cgroup = false;
    return 0;
fail_child:
    fg_sandbox_finish(sb);
    return rc;
fail:
    free_priv(v);
    return rc;
}

int fg_sandbox_go(struct fg_sandbox *sb)
{
    struct sbx_priv *v = sb->priv;
    if (!v || v->went) {
        snprintf(sb->error, sizeof sb->error, "sandbox: not started, or already going");
        return FG_EINVAL;
    }
    clock_gettime(CLOCK_MONOTONIC, &v->t0);
    v->went = true;
    if (pipe2(v->stop, O_CLOEXEC) || pthread_create(&v->watchdog, NULL, watchdog, v)) {
        snprintf(sb->error, sizeof sb->error, "sandbox: cannot start the watchdog");
        return FG_EINTERNAL;
    }
    v->watchdog_on = true;
    ssize_t n;
    while ((n = write(sb->ctl_fd, "g", 1)) < 0 && errno == EINTR)
        ;
    if (n != 1) {
        snprintf(sb->error, sizeof sb->error, "sandbox: init is gone: %s", strerror(errno));
        return FG_EINTERNAL;
    }
    return 0;
}

int fg_sandbox_wait(struct fg_sandbox *sb)
{
    struct sbx_priv *v = sb->priv;
    if (!v || !v->went)
        return FG_EINVAL;
    while (!v->done)
        read_msg(sb, v, true);
    stop_watchdog(v);
    return v->rc;
}

bool fg_sandbox_command_done(struct fg_sandbox *sb)
{
    struct sbx_priv *v = sb->priv;
    if (!v)
        return true;
    while (!v->done && read_msg(sb, v, false))
        ;
    if (v->done)
        stop_watchdog(v);
    return v->done;
}

int fg_sandbox_workdir_fd(struct fg_sandbox *sb)
{
    struct sbx_priv *v = sb->priv;
    if (!v)
        return FG_EINVAL;
    if (v->workdir_fd >= 0)
        return v->workdir_fd;
    pthread_mutex_lock(&v->mu);
    bool gone = v->init_reaped || v->eof;
    pthread_mutex_unlock(&v->mu);
    if (gone) {
        snprintf(sb->error, sizeof sb->error, "sandbox: the work directory is gone with init");
        return FG_EIO;
    }
    /* init is our child and not reaped, so the pid cannot name another process. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/root" FG_SANDBOX_WORKDIR, (int)sb->init_pid);
    v->workdir_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (v->workdir_fd < 0) {
        snprintf(sb->error, sizeof sb->error, "sandbox: %s: %s", path, strerror(errno));
        return FG_EIO;
    }
    return v->workdir_fd;
}

void fg_sandbox_reaped_init(struct fg_sandbox *sb, int wstatus)
{
    struct sbx_priv *v = sb->priv;
    (void)wstatus;
    if (!v)
        return;
    pthread_mutex_lock(&v->mu);
    v->init_reaped = true;
    pthread_mutex_unlock(&v->mu);
}

void fg_sandbox_kill(struct fg_sandbox *sb)
{
    struct sbx_priv *v = sb->priv;
    if (!v)
        return;
    pthread_mutex_lock(&v->mu);
    kill_init_locked(sb, v);
    pthread_mutex_unlock(&v->mu);
}

void fg_sandbox_finish(struct fg_sandbox *sb)
{
    struct sbx_priv *v = sb->priv;
    if (!v)
        return;
    stop_watchdog(v);
    if (v->went && !v->done)
        fg_sandbox_command_done(sb); /* take what init reported before it dies */
    fg_sandbox_kill(sb);
    if (!v->init_reaped && sb->init_pid > 0) {
        int ws;
        while (waitpid(sb->init_pid, &ws, __WALL) < 0 && errno == EINTR)
            ;
        v->init_reaped = true;
    }
    if (v->went && !sb->status.wall_ms)
        sb->status.wall_ms = ms_since(&v->t0);
    if (sb->ctl_fd >= 0)
        close(sb->ctl_fd);
    if (sb->status_fd >= 0)
        close(sb->status_fd);
    sb->ctl_fd = sb->status_fd = -1;
    free_priv(v);
    sb->priv = NULL;
}
