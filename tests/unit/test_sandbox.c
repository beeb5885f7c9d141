/*
 * test_sandbox.c - the sandbox (src/sandbox/): an ordinary command works and leaves its
 * output readable through the work directory, and each wall holds against a probe program
 * (tests/sandbox/sbx_probe.c) that tries to get through it: host files, writes outside the
 * work directory, the network, a fork bomb, unbounded memory, the timeout, hostile system
 * calls (also x32 and int 0x80).  A small tracer proves the traced mode end to end.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "sandbox/sandbox.h"
#include "sandbox/sbx_int.h"

#define PROBE FG_SBX_PROGS "/sbx_probe"

static const char *const binds[] = {FG_SBX_PROGS, NULL};

static struct fg_sandbox_cfg probe_cfg(const char *const *argv)
{
    struct fg_sandbox_cfg c;
    memset(&c, 0, sizeof c);
    c.argv = argv;
    c.ro_binds = binds;
    c.stdout_fd = c.stderr_fd = -1;
    c.timeout_ms = 20000;
    return c;
}

/* Starts, runs to the end and waits; stdout goes to out (NUL-terminated).  The sandbox is
 * left for the test to inspect and finish. */
static int run(struct fg_sandbox_cfg *cfg, struct fg_sandbox *sb, char *out, size_t outlen)
{
    int fd = open("stdout.txt", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    cfg->stdout_fd = fd;
    int rc = fg_sandbox_start(cfg, sb);
    if (rc) {
        close(fd);
        return rc;
    }
    close(fd); /* the sandbox holds its own copy */
    assert_int_equal(fg_sandbox_go(sb), 0);
    rc = fg_sandbox_wait(sb);
    fd = open("stdout.txt", O_RDONLY | O_CLOEXEC);
    ssize_t n = read(fd, out, outlen - 1);
    out[n > 0 ? n : 0] = 0;
    close(fd);
    return rc;
}

/* The pid namespace of a live init, to look for leftovers once it is gone. */
static ino_t pidns_of(pid_t pid)
{
    char p[64];
    struct stat st;
    snprintf(p, sizeof p, "/proc/%d/ns/pid", (int)pid);
    return stat(p, &st) ? 0 : st.st_ino;
}

static unsigned processes_in(ino_t ns)
{
    unsigned n = 0;
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d));) {
        char p[300];
        struct stat st;
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(p, sizeof p, "/proc/%s/ns/pid", e->d_name);
        if (!stat(p, &st) && st.st_ino == ns)
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

static void test_ordinary_command(void **state)
{
    (void)state;
    tu_write("input.txt", "document bytes\n");
    assert_int_equal(mkdir("decoys", 0755), 0);
    tu_write("decoys/invoice.xlsx", "decoy one");
    tu_write("decoys/notes.docx", "decoy two");
    char in[4096], dec[4096];
    assert_non_null(realpath("input.txt", in));
    assert_non_null(realpath("decoys", dec));
    const char *argv[] = {"sh", "-c", "cat /work/input > /work/out && ls /work && echo done", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    cfg.input_path = in;
    cfg.input_name = "input";
    cfg.decoy_dir = dec;
    struct fg_sandbox sb;
    char out[4096];
    struct tu_quiet q;
    tu_quiet_begin(&q);
    int rc = run(&cfg, &sb, out, sizeof out);
    tu_quiet_end(&q);
    assert_int_equal(rc, 0);
    assert_true(sb.status.exited);
    assert_int_equal(sb.status.exit_code, 0);
    assert_false(sb.status.timed_out);
    assert_true(sb.command_pid > 0 && sb.command_pid != sb.init_pid);
    assert_non_null(strstr(out, "invoice.xlsx"));
    assert_non_null(strstr(out, "notes.docx"));
    assert_non_null(strstr(out, "done"));
    /* The caller reads the output through the work directory. */
    int wd = fg_sandbox_workdir_fd(&sb);
    assert_true(wd >= 0);
    int fd = openat(wd, "out", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    assert_true(fd >= 0);
    char buf[64] = "";
    assert_int_equal(read(fd, buf, sizeof buf - 1), 15);
    assert_string_equal(buf, "document bytes\n");
    close(fd);
    /* cgroup limits are applied exactly where the host delegates them. */
    char parent[4096];
    assert_int_equal(sb.status.cgroup,
                     !sbx_cgroup_find("/proc/self/mountinfo", "/proc/self/cgroup", parent,
                                      sizeof parent));
    ino_t ns = pidns_of(sb.init_pid);
    fg_sandbox_finish(&sb);
    assert_int_equal(processes_in(ns), 0);
    assert_int_equal(fg_sandbox_workdir_fd(&sb), FG_EINVAL);
    fg_sandbox_finish(&sb); /* twice is fine */
}

static void test_host_files_hidden(void **state)
{
    (void)state;
    char secret[4200], readme[4200];
    tu_write("secret.txt", "user data");
    assert_non_null(realpath("secret.txt", secret));
    const char *src = getenv("FG_SOURCE_DIR");
    snprintf(readme, sizeof readme, "%s/README.md", src ? src : "/work/main");
    assert_int_equal(access(readme, R_OK), 0); /* visible outside */
    const char *argv[] = {PROBE, "read", secret, readme, "/root/.bashrc", "/home",
                          "/var/log", "/sys/fs/cgroup", "/proc/1/root/etc/hostname",
                          "/etc/shadow", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    struct fg_sandbox sb;
    char out[4096];
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    if (sb.status.exit_code)
        print_message("%s", out);
    assert_true(sb.status.exited);
    assert_int_equal(sb.status.exit_code, 0);
    assert_null(strstr(out, "READABLE"));
    fg_sandbox_finish(&sb);
}

/* As root the sandbox's root is "nobody" on the host: a root-only file in a bound directory
 * stays unreadable, a world-readable one is fine. */
static void test_root_maps_to_nobody(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    char dir[4200], priv[4300], pub[4300];
    assert_int_equal(mkdir("bound", 0755), 0);
    tu_write("bound/private", "root only");
    tu_write("bound/public", "anyone");
    assert_int_equal(chmod("bound/private", 0600), 0);
    assert_int_equal(chmod("bound/public", 0644), 0);
    assert_non_null(realpath("bound", dir));
    snprintf(priv, sizeof priv, "%s/private", dir);
    snprintf(pub, sizeof pub, "%s/public", dir);
    const char *b[] = {FG_SBX_PROGS, dir, NULL};
    /* The test's directory is private (0700): nobody cannot reach it, and start says so. */
    struct fg_sandbox_cfg cfg0 = probe_cfg((const char *const[]){"true", NULL});
    cfg0.ro_binds = b;
    struct fg_sandbox sb0;
    assert_int_equal(fg_sandbox_start(&cfg0, &sb0), FG_EINVAL);
    assert_non_null(strstr(sb0.error, "not open to others"));
    assert_int_equal(chmod(".", 0755), 0);
    const char *argv[] = {"sh", "-c", "cat \"$0\"; echo; cat \"$1\" || echo DENIED; id -u",
                          pub, priv, NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    cfg.ro_binds = b;
    struct fg_sandbox sb;
    char out[4096];
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    assert_non_null(strstr(out, "anyone"));
    assert_null(strstr(out, "root only"));
    assert_non_null(strstr(out, "DENIED"));
    fg_sandbox_finish(&sb);
}

static void test_writes_outside_workdir(void **state)
{
    (void)state;
    const char *argv[] = {PROBE, "write", "/newfile", "/etc/flowgate-x", "/usr/x", "/dev/x",
                          "/proc/sys/kernel/hostname", FG_SBX_PROGS "/x", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    struct fg_sandbox sb;
    char out[4096];
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    if (sb.status.exit_code)
        print_message("%s", out);
    assert_int_equal(sb.status.exit_code, 0);
    assert_int_equal(access(FG_SBX_PROGS "/x", F_OK), -1);
    fg_sandbox_finish(&sb);
    /* ... while the work directory and /tmp are writable. */
    const char *argv2[] = {"sh", "-c", "echo a > /work/a && echo b > /tmp/b && echo ok", NULL};
    cfg = probe_cfg(argv2);
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    assert_string_equal(out, "ok\n");
    fg_sandbox_finish(&sb);
}

static void test_network_loopback_only(void **state)
{
    (void)state;
    const char *argv[] = {PROBE, "net", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    struct fg_sandbox sb;
    char out[4096];
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    if (sb.status.exit_code)
        print_message("%s", out);
    assert_int_equal(sb.status.exit_code, 0);
    assert_non_null(strstr(out, "loopback: connected"));
    fg_sandbox_finish(&sb);
}

static void test_fork_bomb(void **state)
{
    (void)state;
    const char *argv[] = {PROBE, "forkbomb", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    cfg.nproc = 16;
    cfg.timeout_ms = 1500;
    struct fg_sandbox sb;
    char out[4096];
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    assert_true(sb.status.timed_out); /* it never ends by itself ... */
    unsigned n = 0;
    assert_int_equal(sscanf(out, "limited after %u", &n), 1); /* ... but is held at nproc */
    assert_true(n < 16);
    ino_t ns = pidns_of(sb.init_pid);
    fg_sandbox_finish(&sb);
    assert_int_equal(processes_in(ns), 0);
}

static void test_memory_limit(void **state)
{
    (void)state;
    const char *argv[] = {PROBE, "alloc", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    cfg.mem_bytes = 256ULL << 20;
    struct fg_sandbox sb;
    char out[4096];
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    unsigned mib = 0;
    assert_int_equal(sscanf(out, "alloc failed at %u MiB", &mib), 1);
    assert_true(mib > 16 && mib < 256);
    assert_int_equal(sb.status.exit_code, 0);
    fg_sandbox_finish(&sb);
}

static void test_timeout_kills_everything(void **state)
{
    (void)state;
    const char *argv[] = {PROBE, "sleep", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    cfg.timeout_ms = 500;
    struct fg_sandbox sb;
    char out[4096];
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    assert_true(sb.status.timed_out);
    assert_false(sb.status.exited);
    assert_non_null(strstr(out, "sleeping"));
    assert_true(sb.status.wall_ms >= 500 && sb.status.wall_ms < 5000);
    assert_true(fg_sandbox_workdir_fd(&sb) < 0); /* init is gone */
    ino_t ns = pidns_of(sb.init_pid);
    fg_sandbox_finish(&sb);
    assert_int_equal(processes_in(ns), 0);
}

/* Every hostile call kills the process (SIGSYS) and is reported as such. */
static void test_hostile_calls_killed(void **state)
{
    (void)state;
    static const char *const calls[] = {"ptrace", "module", "finit_module", "mount",
                                        "fsopen", "unshare", "bpf", "io_uring", "keyctl",
                                        "personality", "x32", "int80"};
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        const char *argv[] = {PROBE, "hostile", calls[i], NULL};
        struct fg_sandbox_cfg cfg = probe_cfg(argv);
        struct fg_sandbox sb;
        char out[4096];
        assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
        if (sb.status.term_signal != SIGSYS)
            print_message("%s: exited=%d code=%d signal=%d: %s", calls[i], sb.status.exited,
                          sb.status.exit_code, sb.status.term_signal, out);
        assert_int_equal(sb.status.term_signal, SIGSYS);
        assert_true(sb.status.hostile_killed);
        fg_sandbox_finish(&sb);
    }
}

/* What the command is: no capabilities at all, no new privileges, filtered, its own session
 * without a terminal, pid 2 of its namespace. */
static void test_command_identity(void **state)
{
    (void)state;
    const char *argv[] = {PROBE, "ids", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    struct fg_sandbox sb;
    char out[4096];
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    assert_non_null(strstr(out, "CapEff:\t0000000000000000"));
    assert_non_null(strstr(out, "CapPrm:\t0000000000000000"));
    assert_non_null(strstr(out, "CapBnd:\t0000000000000000"));
    assert_non_null(strstr(out, "NoNewPrivs:\t1"));
    assert_non_null(strstr(out, "Seccomp:\t2"));
    assert_non_null(strstr(out, "uid=0 gid=0 pid=2 sid=2 host=sandbox tty="));
    assert_null(strstr(out, "tty=OPEN")); /* no controlling terminal: no TIOCSTI */
    fg_sandbox_finish(&sb);
    /* init is a copy of the caller, whose command line must not show through /proc/1. */
    const char *argv2[] = {"sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline; echo end", NULL};
    cfg = probe_cfg(argv2);
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    assert_non_null(strstr(out, "end"));
    assert_null(strstr(out, "test_sandbox"));
    fg_sandbox_finish(&sb);
}

static void test_errors(void **state)
{
    (void)state;
    struct fg_sandbox sb;
    char out[256];
    const char *nosuch[] = {"no-such-command-here", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(nosuch);
    assert_int_equal(run(&cfg, &sb, out, sizeof out), FG_EINVAL);
    assert_non_null(strstr(sb.error, "cannot execute no-such-command-here"));
    assert_int_equal(sb.status.exit_code, 127);
    fg_sandbox_finish(&sb);

    const char *argv[] = {"true", NULL};
    cfg = probe_cfg(argv);
    cfg.input_path = "/nonexistent/file";
    cfg.input_name = "input";
    assert_int_equal(fg_sandbox_start(&cfg, &sb), FG_EIO);
    fg_sandbox_finish(&sb); /* safe after a failed start */
    cfg.input_path = "/etc/hostname";
    cfg.input_name = "../escape";
    assert_int_equal(fg_sandbox_start(&cfg, &sb), FG_EINVAL);
    const char *rel[] = {"relative/path", NULL};
    cfg = probe_cfg(argv);
    cfg.ro_binds = rel;
    assert_int_equal(fg_sandbox_start(&cfg, &sb), FG_EINVAL);
    const int bad[] = {-5};
    cfg = probe_cfg(argv);
    cfg.traced = true;
    cfg.trace_syscalls = bad;
    cfg.n_trace_syscalls = 1;
    assert_int_equal(fg_sandbox_start(&cfg, &sb), FG_EINVAL);
    /* A start that is never let go is finished cleanly too. */
    cfg = probe_cfg(argv);
    assert_int_equal(fg_sandbox_start(&cfg, &sb), 0);
    pid_t init = sb.init_pid;
    fg_sandbox_finish(&sb);
    assert_int_equal(kill(init, 0), -1);
}

/* A minimal tracer, as the real one (tracer.c) uses the sandbox: seize init before go, follow
 * every process, count the seccomp stops by their data. */
struct trace_counts {
    unsigned records, hostile, tasks_seen;
};

static void trace(struct fg_sandbox *sb, struct trace_counts *tc)
{
    long o = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
             PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
    assert_int_equal(ptrace(PTRACE_SEIZE, sb->init_pid, 0, (void *)o), 0);
    assert_int_equal(fg_sandbox_go(sb), 0);
    pid_t live[256];
    size_t nlive = 0;
    for (;;) {
        int st;
        pid_t t = waitpid(-1, &st, __WALL);
        if (t < 0 && errno == EINTR)
            continue;
        assert_true(t > 0);
        if (WIFEXITED(st) || WIFSIGNALED(st)) {
            if (t == sb->init_pid) {
                fg_sandbox_reaped_init(sb, st);
                break;
            }
            for (size_t i = 0; i < nlive; i++)
                if (live[i] == t)
                    live[i] = live[--nlive];
            if (!nlive && tc->tasks_seen)
                break; /* only init is left */
            continue;
        }
        if (t != sb->init_pid) {
            bool known = false;
            for (size_t i = 0; i < nlive; i++)
                known |= live[i] == t;
            if (!known && nlive < 256) {
                live[nlive++] = t;
                tc->tasks_seen++;
            }
        }
        int ev = (unsigned)st >> 16, sig = WSTOPSIG(st);
        if (ev == PTRACE_EVENT_SECCOMP) {
            unsigned long data = 0;
            ptrace(PTRACE_GETEVENTMSG, t, 0, &data);
            if (data == FG_SECCOMP_RECORD)
                tc->records++;
            if (data == FG_SECCOMP_HOSTILE) {
                tc->hostile++;
                fg_sandbox_kill(sb);
            }
        }
        ptrace(PTRACE_CONT, t, 0, (void *)(uintptr_t)(!ev && sig != SIGTRAP ? sig : 0));
    }
}

static void test_traced_mode(void **state)
{
    (void)state;
    tu_write("input.txt", "traced input\n");
    char in[4096];
    assert_non_null(realpath("input.txt", in));
    const int calls[] = {SYS_openat, SYS_ptrace /* hostile anyway */};
    const char *argv[] = {"sh", "-c", "cat /work/input > /work/out", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    cfg.input_path = in;
    cfg.input_name = "input";
    cfg.traced = true;
    cfg.trace_syscalls = calls;
    cfg.n_trace_syscalls = 2;
    struct fg_sandbox sb;
    assert_int_equal(fg_sandbox_start(&cfg, &sb), 0);
    struct trace_counts tc = {0, 0, 0};
    trace(&sb, &tc);
    assert_int_equal(fg_sandbox_wait(&sb), 0); /* collects init's report */
    assert_true(fg_sandbox_command_done(&sb));
    assert_true(sb.status.exited);
    assert_int_equal(sb.status.exit_code, 0);
    /* sh and cat load libraries and open the input and the output with openat. */
    assert_true(tc.records >= 4);
    assert_int_equal(tc.hostile, 0);
    int wd = fg_sandbox_workdir_fd(&sb);
    assert_true(wd >= 0);
    int fd = openat(wd, "out", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    char buf[64] = "";
    assert_true(fd >= 0);
    assert_int_equal(read(fd, buf, sizeof buf - 1), 13);
    close(fd);
    fg_sandbox_finish(&sb);

    /* A hostile call stops with FG_SECCOMP_HOSTILE; this tracer then kills the run. */
    const char *argv2[] = {PROBE, "hostile", "ptrace", NULL};
    cfg = probe_cfg(argv2);
    cfg.traced = true;
    cfg.trace_syscalls = calls;
    cfg.n_trace_syscalls = 1;
    assert_int_equal(fg_sandbox_start(&cfg, &sb), 0);
    memset(&tc, 0, sizeof tc);
    trace(&sb, &tc);
    assert_int_equal(tc.hostile, 1);
    fg_sandbox_wait(&sb);
    assert_false(sb.status.exited);
    ino_t ns = pidns_of(sb.init_pid);
    fg_sandbox_finish(&sb);
    assert_int_equal(processes_in(ns), 0);
}

/* Traced mode without a tracer: the listed calls fail with ENOSYS (here openat, which the
 * dynamic loader needs), so the command cannot run. */
static void test_traced_without_tracer(void **state)
{
    (void)state;
    const int calls[] = {SYS_openat};
    const char *argv[] = {"cat", "/etc/hostname", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    cfg.traced = true;
    cfg.trace_syscalls = calls;
    cfg.n_trace_syscalls = 1;
    struct fg_sandbox sb;
    char out[256];
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0);
    assert_true(sb.status.exited);
    assert_int_not_equal(sb.status.exit_code, 0);
    fg_sandbox_finish(&sb);
}

/* init closes what it inherited from the caller: a pipe of another run (or of anything else)
 * held open by init would keep its reader waiting for an end of file. */
static void test_inherited_fds_closed(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0); /* not close-on-exec, as careless code leaves them */
    const char *argv[] = {"sh", "-c", "ls /proc/self/fd | wc -l", NULL};
    struct fg_sandbox_cfg cfg = probe_cfg(argv);
    struct fg_sandbox sb;
    char out[256];
    assert_int_equal(run(&cfg, &sb, out, sizeof out), 0); /* init lives on until finish */
    close(p[1]);
    struct pollfd pf = {p[0], POLLIN, 0};
    assert_int_equal(poll(&pf, 1, 1000), 1);
    char c;
    assert_int_equal(read(p[0], &c, 1), 0); /* end of file: nobody else holds the write end */
    close(p[0]);
    assert_int_equal(strtol(out, NULL, 10), 4); /* 0, 1, 2 and the one ls opens */
    fg_sandbox_finish(&sb);
}

/* Runs from several threads at once (the CLI's workers), with timeouts among them. */
struct par_run {
    pthread_t th;
    int ok;
};

static void *par_worker(void *arg)
{
    struct par_run *r = arg;
    for (int i = 0; i < 3; i++) {
        const char *argv[] = {"sh", "-c", i == 1 ? "sleep 30" : "echo hi", NULL};
        struct fg_sandbox_cfg cfg = probe_cfg(argv);
        cfg.timeout_ms = 700;
        struct fg_sandbox sb;
        if (fg_sandbox_start(&cfg, &sb))
            return NULL;
        if (!fg_sandbox_go(&sb) && !fg_sandbox_wait(&sb) &&
            (i == 1 ? sb.status.timed_out : sb.status.exited && !sb.status.exit_code))
            r->ok++;
        fg_sandbox_finish(&sb);
    }
    return NULL;
}

static void test_concurrent_runs(void **state)
{
    (void)state;
    struct par_run r[4];
    memset(r, 0, sizeof r);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&r[i].th, NULL, par_worker, &r[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(r[i].th, NULL);
        assert_int_equal(r[i].ok, 3);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 10); /* one timeout each, not a chain of them */
}

/* cgroup v2 detection on a fake hierarchy: delegated with both controllers, then without. */
static void test_cgroup_detection(void **state)
{
    (void)state;
    char cwd[4096], mi[8400], path[4300];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(mi, sizeof mi,
             "30 1 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs rw\n"
             "35 30 0:30 / %s/cg rw,relatime shared:9 - cgroup2 cgroup2 rw\n", cwd);
    tu_write("mountinfo", mi);
    tu_write("self", "4:memory:/x\n0::/user/app\n");
    assert_int_equal(mkdir("cg", 0755), 0);
    assert_int_equal(mkdir("cg/user", 0755), 0);
    assert_int_equal(mkdir("cg/user/app", 0755), 0);
    tu_write("cg/user/app/cgroup.controllers", "cpu io memory pids\n");
    tu_write("cg/user/app/cgroup.subtree_control", "memory pids\n");
    char parent[4096];
    assert_int_equal(sbx_cgroup_find("mountinfo", "self", parent, sizeof parent), 0);
    snprintf(path, sizeof path, "%s/cg/user/app", cwd);
    assert_string_equal(parent, path);
    struct sbx_cgroup cg;
    assert_int_equal(sbx_cgroup_create(&cg, parent, 1u << 30, 64), 0);
    snprintf(path, sizeof path, "%s/pids.max", cg.path);
    size_t len;
    char *v = (char *)tu_read(path, &len);
    assert_true(len == 2 && !memcmp(v, "65", 2)); /* init counts */
    free(v);
    snprintf(path, sizeof path, "%s/memory.max", cg.path);
    v = (char *)tu_read(path, &len);
    assert_true(len == 10 && !memcmp(v, "1073741824", 10));
    free(v);
    /* This machine's case: cgroup v2 without the memory controller. */
    tu_write("cg/user/app/cgroup.controllers", "hugetlb\n");
    assert_int_equal(sbx_cgroup_find("mountinfo", "self", parent, sizeof parent),
                     FG_EUNSUPPORTED);
    tu_write("mountinfo", "35 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
    assert_int_equal(sbx_cgroup_find("mountinfo", "self", parent, sizeof parent),
                     FG_EUNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ordinary_command, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_host_files_hidden, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_root_maps_to_nobody, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_writes_outside_workdir, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_network_loopback_only, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fork_bomb, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_memory_limit, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_timeout_kills_everything, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_calls_killed, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_command_identity, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_errors, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_traced_mode, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_traced_without_tracer, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_inherited_fds_closed, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_runs, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_cgroup_detection, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
