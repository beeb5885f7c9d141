/*
 * sbx_init.c - the code that runs inside the sandbox: init (pid 1 of the new namespaces),
 * which executes the plan, starts the command and reaps every process, and the command's
 * last steps before execve (limits, capabilities, seccomp).  Both run in a child of a caller
 * that may be multi-threaded, created by a raw clone: they make system calls only (no malloc,
 * stdio, glibc fork or set*id wrappers, whose locks and thread lists belong to the caller).
 */
#define _GNU_SOURCE
#include "sbx_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/limits.h"

#define SBX_HOSTNAME "sandbox"

static void send_msg(int st, int type, int step, int err, int value, pid_t creds_pid)
{
    struct sbx_msg m = {type, step, err, value};
    struct iovec iov = {&m, sizeof m};
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (creds_pid > 0) {
        /* The kernel translates the pid into the receiver's namespace: the caller learns the
         * command's host pid.  init may name another process: it holds CAP_SYS_ADMIN over
         * its pid namespace. */
        memset(&u, 0, sizeof u);
        mh.msg_control = u.buf;
        mh.msg_controllen = sizeof u.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_CREDENTIALS;
        c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
        struct ucred cr = {creds_pid, 0, 0};
        memcpy(CMSG_DATA(c), &cr, sizeof cr);
    }
    for (;;) {
        if (sendmsg(st, &mh, MSG_NOSIGNAL) >= 0)
            return;
        if (errno == EINTR)
            continue;
        if (!mh.msg_control)
            return;
        mh.msg_control = NULL; /* send the message without the pid rather than not at all */
        mh.msg_controllen = 0;
    }
}

static _Noreturn void fail(int st, int step, int value)
{
    send_msg(st, SBX_MSG_ERROR, step, errno, value, 0);
    _exit(127);
}

/* Closes every descriptor inherited from the caller except the ones the plan needs: another
 * sandbox's pipe held open here would keep that sandbox's caller waiting. */
static void close_others(const struct sbx_plan *p, int ctl, int st)
{
    int keep[FG_CAP_SB_DECOYS + 8];
    size_t n = 0;
    keep[n++] = ctl;
    keep[n++] = st;
    if (p->out_fd >= 0)
        keep[n++] = p->out_fd;
    if (p->err_fd >= 0)
        keep[n++] = p->err_fd;
    for (size_t i = 0; i < p->ncopies && n < sizeof keep / sizeof *keep; i++)
        keep[n++] = p->copies[i].fd;
    for (size_t i = 1; i < n; i++) /* insertion sort: a few dozen at most */
        for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    unsigned lo = 3;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned)keep[i] > lo)
            syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
        if ((unsigned)keep[i] + 1 > lo)
            lo = (unsigned)keep[i] + 1;
    }
    syscall(SYS_close_range, lo, ~0u, 0);
}

/* Waits for fg_sandbox_go(); false if the caller went away (or finished) instead. */
static bool wait_go(int ctl)
{
    char c;
    for (;;) {
        ssize_t n = read(ctl, &c, 1);
        if (n == 1)
            return c == 'g';
        if (n < 0 && errno == EINTR)
            continue; /* a ptrace stop */
        return false;
    }
}

/* Becomes the namespace's root, i.e. the unprivileged host id the caller mapped it to: until
 * now init kept the caller's host ids, which are unmapped here. */
static int set_ids(const struct sbx_plan *p)
{
    if (syscall(SYS_setresgid, 0, 0, 0))
        return -1;
    if (p->setgroups && syscall(SYS_setgroups, 0, NULL))
        return -1;
    return (int)syscall(SYS_setresuid, 0, 0, 0);
}

static int loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) ? -1 : 0;
    if (!rc) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0) {
        int e = errno;
        close(s);
        errno = e;
    }
    return rc;
}

/* A tmpfs over /tmp becomes the root, with the host's root moved to SBX_OLDROOT (where its
 * /tmp shows again) and the new root being built at SBX_NEWROOT. */
static int stage(void)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") ||
        chdir("/tmp") || mkdir("newroot", 0755) || mkdir("oldroot", 0755) ||
        mount("tmpfs", "newroot", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") ||
        syscall(SYS_pivot_root, ".", "oldroot") || chdir("/"))
        return -1;
    return 0;
}

/* Read-only, nosuid, nodev, keeping the flags the kernel locks on mounts inherited from a
 * more privileged namespace (a remount without them fails). */
static int make_ro(const char *path, bool recursive)
{
    struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    if (!syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &a, sizeof a))
        return 0;
    if (errno != ENOSYS)
        return -1;
    /* Before Linux 5.12: the top mount only. */
    struct statfs sf;
    if (statfs(path, &sf))
        return -1;
    unsigned long fl = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV;
    fl |= (sf.f_flags & ST_NOEXEC ? MS_NOEXEC : 0) | (sf.f_flags & ST_NOATIME ? MS_NOATIME : 0) |
          (sf.f_flags & ST_NODIRATIME ? MS_NODIRATIME : 0) |
          (sf.f_flags & ST_RELATIME ? MS_RELATIME : 0);
    return mount(NULL, path, NULL, fl, NULL);
}

static int run_op(const struct sbx_op *o)
{
    int fd;
    switch (o->kind) {
    case SBX_OP_MKDIR:
        return mkdir(o->dst, 0755) && errno != EEXIST ? -1 : 0;
    case SBX_OP_MKFILE:
        /* An existing file is fine: it may sit in a read-only bind (/etc/resolv.conf), where
         * opening it for writing would fail. */
        fd = open(o->dst, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);
        return fd < 0 ? -1 : close(fd);
    case SBX_OP_SYMLINK:
        return symlink(o->src, o->dst) && errno != EEXIST ? -1 : 0;
    case SBX_OP_BIND_RO:
        if (mount(o->src, o->dst, NULL, MS_BIND | MS_REC, NULL))
            return -1;
        return make_ro(o->dst, true);
    case SBX_OP_BIND_DEV:
        return mount(o->src, o->dst, NULL, MS_BIND, NULL);
    case SBX_OP_TMPFS:
        return mount("tmpfs", o->dst, "tmpfs", MS_NOSUID | MS_NODEV, o->data);
    case SBX_OP_PROC:
        return mount("proc", o->dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    case SBX_OP_REMOUNT_RO:
        return make_ro(o->dst, false);
    }
    errno = EINVAL;
    return -1;
}

static int copy_file(const struct sbx_copy *c)
{
    int out = open(c->dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (out < 0)
        return -1;
    off_t off = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = sendfile(out, c->fd, &off, 1 << 20);
        if (n > 0)
            continue;
        if (n == 0 || errno != EINTR) {
            rc = n == 0 ? 0 : -1;
            break;
        }
    }
    if (rc && (errno == EINVAL || errno == ENOSYS)) { /* a file system without sendfile */
        char buf[8192];
        ssize_t n;
        rc = 0;
        while (!rc && (n = pread(c->fd, buf, sizeof buf, off)) != 0) {
            if (n < 0 && errno == EINTR)
                continue;
            rc = n < 0 || write(out, buf, (size_t)n) != n ? -1 : 0;
            off += n > 0 ? n : 0;
        }
    }
    int e = errno;
    close(out);
    errno = e;
    return rc;
}

/* Detaches the host's root and makes SBX_NEWROOT the root (pivot_root(".", ".") stacks the
 * staging root over the new one; unmounting "." then drops it). */
static int enter_root(void)
{
    if (umount2(SBX_OLDROOT, MNT_DETACH) || chdir(SBX_NEWROOT) ||
        syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) || chdir("/"))
        return -1;
    return 0;
}

static int set_limit(int res, uint64_t soft, uint64_t hard)
{
    struct rlimit r = {soft, hard};
    return setrlimit(res, &r);
}

static int drop_caps(const struct sbx_plan *p)
{
    /* A root that execs must not regain capabilities in its namespace, nor keep any. */
    if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                     SECBIT_NO_CAP_AMBIENT_RAISE |
                                     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED))
        return -1;
    for (int c = 0; c <= p->cap_last; c++)
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
            return -1;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
        return -1;
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    return (int)syscall(SYS_capset, &h, d);
}

/* The command's own preparation, then execve.  Seccomp comes last: nothing of ours runs
 * under the filter but the execve calls. */
static _Noreturn void command(const struct sbx_plan *p, int st)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (setsid() < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
        fail(st, SBX_STEP_COMMAND, 0);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(p->out_fd >= 0 ? p->out_fd : null, 1) < 0 ||
        dup2(p->err_fd >= 0 ? p->err_fd : null, 2) < 0)
        fail(st, SBX_STEP_COMMAND, 0);
    /* Everything else is close-on-exec, the status socket included, which stays usable for
     * reporting until the execve succeeds. */
    if (syscall(SYS_close_range, 3, ~0u, CLOSE_RANGE_CLOEXEC) && errno != ENOSYS)
        fail(st, SBX_STEP_COMMAND, 0);
    if (chdir(FG_SANDBOX_WORKDIR) || set_limit(RLIMIT_AS, p->mem, p->mem) ||
        set_limit(RLIMIT_CPU, p->cpu, p->cpu + 1u) || set_limit(RLIMIT_FSIZE, p->fsize, p->fsize) ||
        set_limit(RLIMIT_NOFILE, p->nofile, p->nofile) ||
        /* init counts as one process of the namespace's root */
        set_limit(RLIMIT_NPROC, p->nproc + 1u, p->nproc + 1u) || set_limit(RLIMIT_CORE, 0, 0))
        fail(st, SBX_STEP_COMMAND, 0);
    if (drop_caps(p) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->prog, 0, 0) ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->prog_pers, 0, 0))
        fail(st, SBX_STEP_COMMAND, 0);
    int first = 0;
    for (size_t i = 0; i < p->nexec; i++) {
        execve(p->exec_paths[i], p->argv, p->envp);
        if (!first || first == ENOENT || first == ENOTDIR)
            first = errno;
    }
    errno = first;
    fail(st, SBX_STEP_EXEC, 0);
}

/* Reaps every process of the namespace; returns the command's wait status. */
static int reap(pid_t cmd, bool *hostile)
{
    int cmd_status = 0;
    for (;;) {
        int ws;
        pid_t r = waitpid(-1, &ws, __WALL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return cmd_status; /* ECHILD: nobody is left */
        }
        if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGSYS)
            *hostile = true;
        if (r == cmd)
            cmd_status = ws;
    }
}

static void setup(const struct sbx_plan *p, int st)
{
    prctl(PR_SET_NAME, "fg-sbx-init", 0, 0, 0);
    if (set_ids(p))
        fail(st, SBX_STEP_IDS, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* the command must not read or write init's memory */
    if (sethostname(SBX_HOSTNAME, sizeof SBX_HOSTNAME - 1))
        fail(st, SBX_STEP_UTS, 0);
    if (loopback_up())
        fail(st, SBX_STEP_NET, 0);
    if (stage())
        fail(st, SBX_STEP_STAGE, 0);
    for (size_t i = 0; i < p->nops; i++)
        if (run_op(&p->ops[i]) && !p->ops[i].optional)
            fail(st, (int)i, 0);
    for (size_t i = 0; i < p->ncopies; i++) {
        if (copy_file(&p->copies[i]))
            fail(st, SBX_STEP_COPY, (int)i);
        close(p->copies[i].fd);
    }
    if (enter_root())
        fail(st, SBX_STEP_PIVOT, 0);
    if (make_ro("/", false))
        fail(st, SBX_STEP_ROOT_RO, 0);
}

_Noreturn void sbx_init_main(const struct sbx_plan *p, int ctl, int st)
{
    /* init dies with the caller (more exactly: with the thread that started it).  All
     * signals stay blocked in init: none can interrupt it, and a traced init never stops
     * for one, so it can report to a tracer that has stopped waiting for it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL); /* handlers of the caller have no business here */
    close_others(p, ctl, st);
    if (p->arg_end > p->arg_start)
        memset((void *)p->arg_start, 0, p->arg_end - p->arg_start);
    if (!wait_go(ctl))
        _exit(0);
    setup(p, st);
    pid_t cmd = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0);
    if (cmd < 0)
        fail(st, SBX_STEP_FORK, 0);
    if (cmd == 0)
        command(p, st);
    send_msg(st, SBX_MSG_PID, 0, 0, cmd, cmd);
    bool hostile = false;
    int ws = reap(cmd, &hostile);
    /* Nobody else is left: the caller may now open the work directory through /proc, which
     * for an unprivileged caller needs init to be dumpable. */
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    send_msg(st, SBX_MSG_STATUS, hostile ? SBX_STATUS_HOSTILE : 0, 0, ws, 0);
    for (;;) { /* until fg_sandbox_finish() */
        char c;
        ssize_t n = read(ctl, &c, 1);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    _exit(0);
}
