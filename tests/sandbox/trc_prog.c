/*
 * trc_prog.c - a test program run under the tracer by tests/unit/test_tracer.c: each mode
 * makes the system calls one test expects to see recorded (an exec, a write, a connect), or
 * reaches a recorded call the way an exploit would (from an RWX page, through a return that
 * no call precedes), or starts short-lived threads.  Failures of the calls themselves (the
 * sandbox refuses most of them) are printed, never fatal: the tracer sees the attempt.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* Enters uname() with a return instead of a call.  The return address it leaves for uname
 * is the label after eight NOPs: a return site that no call instruction precedes, as the
 * next gadget of a return-oriented chain would be.  The stack is aligned as after a call. */
int trc_rop_uname(struct utsname *buf);
__asm__(".text\n"
        ".globl trc_rop_uname\n"
        ".type trc_rop_uname,@function\n"
        "trc_rop_uname:\n"
        "  push %rbx\n"
        "  lea 1f(%rip), %rax\n"
        "  push %rax\n"
        "  mov uname@GOTPCREL(%rip), %rax\n"
        "  push %rax\n"
        "  ret\n"
        "  .fill 8, 1, 0x90\n"
        "1:\n"
        "  pop %rbx\n"
        "  ret\n"
        ".size trc_rop_uname, .-trc_rop_uname\n");

static int mode_exec(void)
{
    pid_t p = fork();
    if (p == 0) {
        char *const argv[] = {"true", "--from-trc-prog", "x", NULL};
        char *const envp[] = {"PATH=/usr/bin:/bin", NULL};
        execve("/bin/true", argv, envp);
        _exit(127);
    }
    int st = 0;
    if (p < 0 || waitpid(p, &st, 0) != p)
        return 1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static int mode_write(int n, char **paths)
{
    for (int i = 0; i < n; i++) {
        int fd = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        printf("%s: %s\n", paths[i], fd >= 0 ? "written" : strerror(errno));
        if (fd >= 0) {
            if (write(fd, "x\n", 2) != 2)
                printf("%s: short write\n", paths[i]);
            close(fd);
        }
    }
    return 0;
}

static int mode_connect(const char *ip, const char *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
        return 2;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return 1;
    int rc = connect(s, (struct sockaddr *)&a, sizeof a);
    printf("connect %s:%s: %s\n", ip, port, rc ? strerror(errno) : "connected");
    close(s);
    return 0;
}

/* What an ordinary program does: reads a configuration file, writes its output, maps
 * memory, asks for the system's name, all through the C library. */
static int mode_plain(void)
{
    char buf[256];
    int fd = open("/etc/hostname", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, buf, sizeof buf) < 0)
            printf("read: %s\n", strerror(errno));
        close(fd);
    }
    FILE *f = fopen("/work/plain.txt", "w");
    if (f) {
        fprintf(f, "plain\n");
        fclose(f);
    }
    void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED)
        munmap(m, 1 << 20);
    struct utsname u;
    uname(&u);
    return 0;
}

/* Copies "mov eax, SYS_uname; syscall; ret" into a fresh RWX page and calls it: the system
 * call instruction then lies in no file-backed mapping (injected code). */
static int mode_rwx(void)
{
    static const unsigned char stub[] = {0xb8, 0x3f, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3};
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        printf("mmap: %s\n", strerror(errno));
        return 1;
    }
    memcpy(page, stub, sizeof stub);
    struct utsname u;
    long (*fn)(struct utsname *) = (long (*)(struct utsname *))page;
    long rc = fn(&u);
    printf("stub uname: %ld %s\n", rc, rc == 0 ? u.sysname : "?");
    return rc == 0 ? 0 : 1;
}

static int mode_rop(void)
{
    struct utsname u;
    int rc = trc_rop_uname(&u);
    printf("rop uname: %d %s\n", rc, rc == 0 ? u.sysname : "?");
    return rc == 0 ? 0 : 1;
}

static void *quick(void *arg)
{
    return arg; /* exits at once, often before its creator's clone event is read */
}

static void *writer(void *arg)
{
    (void)arg;
    int fd = open("/work/thread.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int mode_threads(void)
{
    for (int round = 0; round < 20; round++) {
        pthread_t t[4];
        int n = 0;
        for (int i = 0; i < 4; i++)
            n += pthread_create(&t[n], NULL, quick, NULL) == 0;
        for (int i = 0; i < n; i++)
            pthread_join(t[i], NULL);
    }
    pthread_t w;
    if (pthread_create(&w, NULL, writer, NULL))
        return 1;
    pthread_join(w, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2)
        return 2;
    const char *m = argv[1];
    if (!strcmp(m, "exec"))
        return mode_exec();
    if (!strcmp(m, "write"))
        return mode_write(argc - 2, argv + 2);
    if (!strcmp(m, "connect") && argc == 4)
        return mode_connect(argv[2], argv[3]);
    if (!strcmp(m, "plain"))
        return mode_plain();
    if (!strcmp(m, "rwx"))
        return mode_rwx();
    if (!strcmp(m, "rop"))
        return mode_rop();
    if (!strcmp(m, "threads"))
        return mode_threads();
    return 2;
}
