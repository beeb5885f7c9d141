/*
 * sbx_probe.c - a test program run inside the sandbox by tests/unit/test_sandbox.c: each
 * mode tries to get through one wall (read a host file, write outside the work directory,
 * reach the network, exhaust processes or memory, outlive the timeout, make a hostile system
 * call) and prints what happened.  Exit status 0: the wall held as expected.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Paths that must not be readable. */
static int mode_read(int argc, char **argv)
{
    int bad = 0;
    for (int i = 0; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        printf("%s: %s\n", argv[i], fd >= 0 ? "READABLE" : strerror(errno));
        bad |= fd >= 0;
        if (fd >= 0)
            close(fd);
    }
    return bad;
}

/* Paths that must not be writable (created or opened for writing). */
static int mode_write(int argc, char **argv)
{
    int bad = 0;
    for (int i = 0; i < argc; i++) {
        int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);
        printf("%s: %s\n", argv[i], fd >= 0 ? "WRITABLE" : strerror(errno));
        bad |= fd >= 0;
        if (fd >= 0)
            close(fd);
    }
    return bad;
}

static int try_connect(const char *ip, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -errno;
    int rc = connect(s, (struct sockaddr *)&a, sizeof a) ? -errno : 0;
    close(s);
    return rc;
}

/* Loopback must work, anything else must not. */
static int mode_net(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&a, &len)) {
        printf("loopback listen: %s\n", strerror(errno));
        return 1;
    }
    int lo = try_connect("127.0.0.1", ntohs(a.sin_port));
    int out = try_connect("192.0.2.1", 80);  /* TEST-NET-1 */
    int out2 = try_connect("1.1.1.1", 53);
    printf("loopback: %s\n", lo ? strerror(-lo) : "connected");
    printf("192.0.2.1: %s\n", out ? strerror(-out) : "CONNECTED");
    printf("1.1.1.1: %s\n", out2 ? strerror(-out2) : "CONNECTED");
    return lo != 0 || out == 0 || out2 == 0;
}

/* Every process forks for ever; the first refusal is reported once. */
static _Noreturn void mode_forkbomb(void)
{
    unsigned n = 0;
    int reported = 0;
    pid_t top = getpid();
    for (;;) {
        pid_t p = fork();
        if (p > 0 && getpid() == top)
            n++;
        if (p < 0 && getpid() == top && !reported) {
            printf("limited after %u: %s\n", n, strerror(errno));
            fflush(stdout);
            reported = 1;
        }
        if (p < 0)
            usleep(1000);
    }
}

/* Allocates and touches 1 MiB at a time until refused (or 8 GiB: no limit). */
static int mode_alloc(void)
{
    for (unsigned mib = 0; mib < 8192; mib++) {
        char *p = malloc(1 << 20);
        if (!p) {
            printf("alloc failed at %u MiB\n", mib);
            return 0;
        }
        memset(p, 1, 1 << 20);
    }
    printf("ALLOCATED 8 GiB\n");
    return 1;
}

/* Leaves a daemon (new session, double fork) and sleeps past any timeout. */
static int mode_sleep(void)
{
    pid_t p = fork();
    if (p == 0) {
        setsid();
        if (fork() == 0) {
            sleep(3600);
            _exit(0);
        }
        _exit(0);
    }
    waitpid(p, NULL, 0);
    printf("sleeping\n");
    fflush(stdout);
    sleep(3600);
    return 1;
}

/* Each of these must be killed by the filter; surviving is the failure. */
static int mode_hostile(const char *what)
{
    long r = -1;
    if (!strcmp(what, "ptrace")) {
        r = ptrace(PTRACE_ATTACH, getppid(), 0, 0);
    } else if (!strcmp(what, "module")) {
        r = syscall(SYS_init_module, NULL, 0, "");
    } else if (!strcmp(what, "finit_module")) {
        r = syscall(SYS_finit_module, 0, "", 0);
    } else if (!strcmp(what, "mount")) {
        r = mount("none", "/tmp", "tmpfs", 0, NULL);
    } else if (!strcmp(what, "fsopen")) {
        r = syscall(SYS_fsopen, "tmpfs", 0);
    } else if (!strcmp(what, "unshare")) {
        r = unshare(CLONE_NEWUSER);
    } else if (!strcmp(what, "bpf")) {
        r = syscall(SYS_bpf, 0, NULL, 0);
    } else if (!strcmp(what, "io_uring")) {
        r = syscall(SYS_io_uring_setup, 1, NULL);
    } else if (!strcmp(what, "keyctl")) {
        r = syscall(SYS_keyctl, 0, 0, 0, 0, 0);
    } else if (!strcmp(what, "personality")) {
        /* the query and the default are fine; turning off randomisation is not */
        if (personality(0xffffffff) < 0 || personality(PER_LINUX) < 0)
            return 2;
        r = personality(ADDR_NO_RANDOMIZE);
    } else if (!strcmp(what, "x32")) {
        r = syscall(0x40000000 | SYS_getpid); /* x32 ABI: bit 30 */
    } else if (!strcmp(what, "int80")) {
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory"); /* i386 getpid */
    } else {
        return 2;
    }
    printf("%s survived: %ld %s\n", what, r, strerror(errno));
    return 1;
}

/* Prints what the command is (ids, capabilities, filter, session) for the test to check. */
static int mode_ids(void)
{
    char line[256], host[64] = "";
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) ||
            !strncmp(line, "Seccomp:", 8))
            fputs(line, stdout);
    if (f)
        fclose(f);
    gethostname(host, sizeof host);
    int tty = open("/dev/tty", O_RDWR);
    printf("uid=%d gid=%d pid=%d sid=%d host=%s tty=%s\n", (int)getuid(), (int)getgid(),
           (int)getpid(), (int)getsid(0), host, tty >= 0 ? "OPEN" : strerror(errno));
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2)
        return 2;
    const char *m = argv[1];
    if (!strcmp(m, "read"))
        return mode_read(argc - 2, argv + 2);
    if (!strcmp(m, "write"))
        return mode_write(argc - 2, argv + 2);
    if (!strcmp(m, "net"))
        return mode_net();
    if (!strcmp(m, "forkbomb"))
        mode_forkbomb();
    if (!strcmp(m, "alloc"))
        return mode_alloc();
    if (!strcmp(m, "sleep"))
        return mode_sleep();
    if (!strcmp(m, "ids"))
        return mode_ids();
    if (!strcmp(m, "hostile") && argc > 2)
        return mode_hostile(argv[2]);
    return 2;
}
