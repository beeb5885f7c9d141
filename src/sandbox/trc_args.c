/*
 * trc_args.c - recorded system calls and their argument classes.  A class must not depend on
 * things that change between runs of the same handler (addresses, descriptor numbers, pids,
 * the document's name), or every run would look new; the detail keeps the specifics for
 * the report.  All tracee memory is read with process_vm_readv, bounded.
 */
#define _GNU_SOURCE
#include "trc_args.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "../core/scan.h"

/* Copies n bytes of s into out as printable, valid UTF-8 (the report is JSON). */
static void put_clean(char *out, size_t len, const char *s, size_t n)
{
    char *c = fg_str_sanitize(s, n, len - 1);
    snprintf(out, len, "%s", c ? c : "?");
    free(c);
}

const struct trc_call trc_calls[] = {
    {SYS_open, "open", TRC_K_FILE_READ},
    {SYS_mmap, "mmap", TRC_K_MEM},
    {SYS_mprotect, "mprotect", TRC_K_MEM},
    {SYS_socket, "socket", TRC_K_NET},
    {SYS_connect, "connect", TRC_K_NET},
    {SYS_sendto, "sendto", TRC_K_NET},
    {SYS_sendmsg, "sendmsg", TRC_K_NET},
    {SYS_bind, "bind", TRC_K_NET},
    {SYS_listen, "listen", TRC_K_NET},
    {SYS_execve, "execve", TRC_K_EXEC},
    {SYS_kill, "kill", TRC_K_PROC},
    {SYS_uname, "uname", TRC_K_PROBE},
    {SYS_truncate, "truncate", TRC_K_FILE_WRITE},
    {SYS_chdir, "chdir", TRC_K_PROC},
    {SYS_fchdir, "fchdir", TRC_K_PROC},
    {SYS_rename, "rename", TRC_K_FILE_WRITE},
    {SYS_mkdir, "mkdir", TRC_K_FILE_WRITE},
    {SYS_rmdir, "rmdir", TRC_K_FILE_WRITE},
    {SYS_creat, "creat", TRC_K_FILE_WRITE},
    {SYS_link, "link", TRC_K_FILE_WRITE},
    {SYS_unlink, "unlink", TRC_K_FILE_WRITE},
    {SYS_symlink, "symlink", TRC_K_FILE_WRITE},
    {SYS_chmod, "chmod", TRC_K_FILE_WRITE},
    {SYS_fchmod, "fchmod", TRC_K_FILE_WRITE},
    {SYS_sysinfo, "sysinfo", TRC_K_PROBE},
    {SYS_setuid, "setuid", TRC_K_PROC},
    {SYS_setgid, "setgid", TRC_K_PROC},
    {SYS_setreuid, "setreuid", TRC_K_PROC},
    {SYS_setresuid, "setresuid", TRC_K_PROC},
    {SYS_setresgid, "setresgid", TRC_K_PROC},
    {SYS_prctl, "prctl", TRC_K_PROC},
    {SYS_tkill, "tkill", TRC_K_PROC},
    {SYS_sched_getaffinity, "sched_getaffinity", TRC_K_PROBE},
    {SYS_tgkill, "tgkill", TRC_K_PROC},
    {SYS_openat, "openat", TRC_K_FILE_READ},
    {SYS_mkdirat, "mkdirat", TRC_K_FILE_WRITE},
    {SYS_unlinkat, "unlinkat", TRC_K_FILE_WRITE},
    {SYS_renameat, "renameat", TRC_K_FILE_WRITE},
    {SYS_linkat, "linkat", TRC_K_FILE_WRITE},
    {SYS_symlinkat, "symlinkat", TRC_K_FILE_WRITE},
    {SYS_fchmodat, "fchmodat", TRC_K_FILE_WRITE},
    {SYS_renameat2, "renameat2", TRC_K_FILE_WRITE},
    {SYS_sendmmsg, "sendmmsg", TRC_K_NET},
    {SYS_memfd_create, "memfd_create", TRC_K_MEM},
    {SYS_execveat, "execveat", TRC_K_EXEC},
    {SYS_pkey_mprotect, "pkey_mprotect", TRC_K_MEM},
    {SYS_openat2, "openat2", TRC_K_FILE_READ},
};
const size_t trc_ncalls = sizeof trc_calls / sizeof trc_calls[0];

const struct trc_call *trc_call_find(int nr)
{
    for (size_t i = 0; i < trc_ncalls; i++)
        if (trc_calls[i].nr == nr)
            return &trc_calls[i];
    return NULL;
}

/* Names of the calls the sandbox treats as hostile (src/sandbox/ seccomp list). */
static const struct {
    int nr;
    const char *name;
} hostile_names[] = {
    {SYS_ptrace, "ptrace"}, {SYS_mount, "mount"}, {SYS_umount2, "umount2"},
    {SYS_pivot_root, "pivot_root"}, {SYS_init_module, "init_module"},
    {SYS_finit_module, "finit_module"}, {SYS_delete_module, "delete_module"},
    {SYS_kexec_load, "kexec_load"}, {SYS_kexec_file_load, "kexec_file_load"}, {SYS_bpf, "bpf"},
    {SYS_io_uring_setup, "io_uring_setup"}, {SYS_io_uring_enter, "io_uring_enter"},
    {SYS_io_uring_register, "io_uring_register"}, {SYS_swapon, "swapon"},
    {SYS_swapoff, "swapoff"}, {SYS_reboot, "reboot"}, {SYS_process_vm_writev, "process_vm_writev"},
    {SYS_perf_event_open, "perf_event_open"}, {SYS_userfaultfd, "userfaultfd"},
    {SYS_keyctl, "keyctl"}, {SYS_add_key, "add_key"}, {SYS_request_key, "request_key"},
    {SYS_unshare, "unshare"}, {SYS_setns, "setns"}, {SYS_open_by_handle_at, "open_by_handle_at"},
    {SYS_personality, "personality"},
};

const char *trc_call_name(int nr, char *buf, size_t len)
{
    const struct trc_call *c = trc_call_find(nr);
    if (c)
        return c->name;
    for (size_t i = 0; i < sizeof hostile_names / sizeof hostile_names[0]; i++)
        if (hostile_names[i].nr == nr)
            return hostile_names[i].name;
    snprintf(buf, len, "syscall_%d", nr);
    return buf;
}

/* ---- tracee memory ---- */

static size_t read_mem(pid_t tid, uint64_t addr, void *out, size_t len)
{
    struct iovec local = {out, len}, remote = {(void *)(uintptr_t)addr, len};
    ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n < 0) {
        /* A string near the end of a mapping: read up to the page boundary only. */
        size_t first = 4096 - (addr & 4095);
        if (first >= len)
            return 0;
        remote.iov_len = local.iov_len = first;
        n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    }
    return n > 0 ? (size_t)n : 0;
}

static bool read_str(pid_t tid, uint64_t addr, char *out, size_t len)
{
    out[0] = 0;
    if (!addr || len < 2)
        return false;
    size_t n = read_mem(tid, addr, out, len - 1);
    out[n] = 0;
    return n > 0 && memchr(out, 0, n) != NULL;
}

/* ---- paths ---- */

void trc_path_normalise(const char *cwd, const char *path, char *out, size_t len)
{
    char tmp[1024];
    if (path[0] == '/')
        snprintf(tmp, sizeof tmp, "%s", path);
    else
        snprintf(tmp, sizeof tmp, "%s/%s", cwd && cwd[0] ? cwd : "/", path);
    /* Components are pushed onto out; ".." pops one (never above the root). */
    size_t o = 0;
    out[0] = 0;
    for (char *save = NULL, *p = strtok_r(tmp, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
        if (!strcmp(p, "."))
            continue;
        if (!strcmp(p, "..")) {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            out[o] = 0;
            continue;
        }
        int w = snprintf(out + o, len - o, "/%s", p);
        if (w < 0 || (size_t)w >= len - o) {
            out[o] = 0; /* no half a name: "/work/abc" of "/work/abcdef" is another file */
            break;
        }
        o += (size_t)w;
    }
    if (!o)
        snprintf(out, len, "/");
}

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

const char *trc_path_class(const char *path, const char *input)
{
    static const struct {
        const char *dir, *cls;
    } table[] = {
        {"/usr/share/fonts", "font"}, {"/usr/share/fontconfig", "font"},
        {"/usr/local/share/fonts", "font"},
        {"/etc/fonts", "font"}, {"/var/cache/fontconfig", "font"},
        {"/usr/lib", "syslib"}, {"/lib", "syslib"}, {"/lib64", "syslib"},
        {"/usr/lib64", "syslib"}, {"/usr/libexec", "syslib"}, {"/usr/local/lib", "syslib"},
        {"/usr/bin", "bin"}, {"/bin", "bin"}, {"/usr/sbin", "bin"}, {"/sbin", "bin"},
        {"/usr/share", "sysdata"}, {"/etc", "config"},
        {"/tmp", "tmp"}, {"/dev/shm", "tmp"}, {"/var/tmp", "tmp"},
        {"/proc", "proc"}, {"/sys", "sys"}, {"/dev", "dev"},
    };
    if (input && !strcmp(path, input))
        return "input";
    if (under(path, "/work"))
        return "work";
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (under(path, table[i].dir))
            return table[i].cls;
    return "elsewhere";
}

/* /proc, /sys and /dev paths keep their name (cpuinfo, meminfo, null ...) in the class,
 * with numbers (pids, cpus) folded, since which of them a program reads is the signal. */
static void fold_special(const char *path, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = path; *p && o + 2 < len; p++) {
        if (*p >= '0' && *p <= '9') {
            out[o++] = 'N';
            while (p[1] >= '0' && p[1] <= '9')
                p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = 0;
    char *self = strstr(out, "/self/");
    if (self)
        memcpy(self, "/N/", 3), memmove(self + 3, self + 6, strlen(self + 6) + 1);
}

static void path_arg(const struct trc_proc_view *pv, int dirfd, uint64_t addr, char *abs,
                     size_t len)
{
    char raw[512];
    if (!read_str(pv->tid, addr, raw, sizeof raw)) {
        snprintf(abs, len, "?");
        return;
    }
    char base[512];
    const char *cwd = pv->cwd;
    if (raw[0] != '/' && dirfd != AT_FDCWD && dirfd >= 0) {
        char link[64];
        snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)pv->tid, dirfd);
        ssize_t n = readlink(link, base, sizeof base - 1);
        base[n > 0 ? n : 0] = 0;
        cwd = n > 0 ? base : "/?";
    }
    trc_path_normalise(cwd, raw, abs, len);
}

static void file_class(const struct trc_proc_view *pv, const char *abs, const char *mode,
                       struct trc_args *a)
{
    const char *cls = trc_path_class(abs, pv->input);
    if (!strcmp(cls, "proc") || !strcmp(cls, "sys") || !strcmp(cls, "dev")) {
        char folded[160], clean[121];
        fold_special(abs, folded, sizeof folded);
        /* The path is the tracee's: escaped and cut to valid UTF-8, as classes go to JSON. */
        put_clean(clean, sizeof clean, folded, strlen(folded));
        snprintf(a->cls, sizeof a->cls, "%s:%s:%s", cls, clean, mode);
    } else {
        snprintf(a->cls, sizeof a->cls, "%s:%s", cls, mode);
    }
    put_clean(a->detail, sizeof a->detail, abs, strlen(abs));
    if (strchr(mode, 'w') || strchr(mode, 'c')) /* "rw": O_RDWR writes too */
        a->outside_work = strcmp(cls, "work") && strcmp(cls, "input") && strcmp(cls, "dev");
}

static const char *open_mode(unsigned long flags)
{
    bool w = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT));
    if (!w)
        return (flags & O_DIRECTORY) ? "d" : "r";
    if (flags & O_CREAT)
        return (flags & O_ACCMODE) == O_RDWR ? "rwc" : "wc";
    return (flags & O_ACCMODE) == O_RDWR ? "rw" : "w";
}

/* ---- sockets ---- */

static const char *ipv4_class(uint32_t a /* host order */)
{
    if ((a >> 24) == 127)
        return "loopback";
    if ((a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8)
        return "private";
    if ((a >> 16) == 0xa9fe)
        return "linklocal";
    if ((a >> 28) == 0xe)
        return "multicast";
    if (a == 0)
        return "any";
    return "public";
}

static const char *port_class(unsigned port)
{
    switch (port) {
    case 25: case 465: case 587: return "smtp";
    case 53: return "dns";
    case 80: case 8080: return "http";
    case 443: case 8443: return "https";
    case 0: return "0";
    default: return port < 1024 ? "low" : "high";
    }
}

static void sockaddr_arg(const struct trc_proc_view *pv, uint64_t addr, uint64_t alen,
                         struct trc_args *a)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    size_t n = alen < sizeof ss ? (size_t)alen : sizeof ss;
    if (!addr || !n || read_mem(pv->tid, addr, &ss, n) < sizeof(sa_family_t)) {
        snprintf(a->cls, sizeof a->cls, "none");
        return;
    }
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        const char *c = ipv4_class(ntohl(in->sin_addr.s_addr));
        unsigned port = ntohs(in->sin_port);
        snprintf(a->cls, sizeof a->cls, "inet:%s:%s", c, port_class(port));
        snprintf(a->detail, sizeof a->detail, "%s:%u", ip, port);
        a->net_outside = strcmp(c, "loopback") && strcmp(c, "any");
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        bool lo = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) || IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
        unsigned port = ntohs(in6->sin6_port);
        snprintf(a->cls, sizeof a->cls, "inet6:%s:%s", lo ? "loopback" : "public", port_class(port));
        snprintf(a->detail, sizeof a->detail, "[%s]:%u", ip, port);
        a->net_outside = !lo;
    } else if (ss.ss_family == AF_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)&ss;
        size_t plen = n > offsetof(struct sockaddr_un, sun_path)
                          ? n - offsetof(struct sockaddr_un, sun_path) : 0;
        if (plen && un->sun_path[0] == 0) {
            snprintf(a->cls, sizeof a->cls, "unix:abstract");
            put_clean(a->detail, sizeof a->detail, un->sun_path + 1, strnlen(un->sun_path + 1, plen - 1));
        } else {
            char p[sizeof un->sun_path + 1], abs[512];
            memcpy(p, un->sun_path, sizeof un->sun_path);
            p[sizeof un->sun_path] = 0;
            trc_path_normalise(pv->cwd, p, abs, sizeof abs);
            snprintf(a->cls, sizeof a->cls, "unix:%s", trc_path_class(abs, pv->input));
            put_clean(a->detail, sizeof a->detail, abs, strlen(abs));
        }
    } else if (ss.ss_family == AF_NETLINK) {
        snprintf(a->cls, sizeof a->cls, "netlink");
    } else {
        snprintf(a->cls, sizeof a->cls, "family%u", (unsigned)ss.ss_family);
    }
}

/* A DNS query as a stub resolver sends it: header with one question and nothing else, the
 * name as length-prefixed labels, then type and class IN.  Anything less strict is not taken
 * for one.  out gets the name ("www.example.com"). */
static bool dns_query(const uint8_t *b, size_t n, char *out, size_t len)
{
    if (n < 17 || len < 2)
        return false;
    unsigned flags = (unsigned)b[2] << 8 | b[3];
    unsigned qd = (unsigned)b[4] << 8 | b[5], an = (unsigned)b[6] << 8 | b[7];
    unsigned ns = (unsigned)b[8] << 8 | b[9], ar = (unsigned)b[10] << 8 | b[11];
    if ((flags & 0xf800) || qd != 1 || an || ns || ar > 1)
        return false; /* a response, another opcode, or not one question */
    size_t i = 12, o = 0;
    while (i < n && b[i]) {
        unsigned l = b[i++];
        if (l > 63 || i + l > n)
            return false;
        for (unsigned k = 0; k < l; k++) {
            uint8_t c = b[i + k];
            if (c <= 0x20 || c >= 0x7f)
                return false;
            if (o + 2 < len)
                out[o++] = (char)c;
        }
        i += l;
        if (o + 2 < len && b[i])
            out[o++] = '.';
    }
    out[o] = 0;
    if (i + 5 > n || !o)
        return false;
    unsigned cls = (unsigned)b[i + 3] << 8 | b[i + 4];
    return cls == 1;
}

/* The first buffer of a send: a DNS query becomes class "dns-query" with the name as detail,
 * so that the names a program looks up are seen even though no answer ever comes. */
static bool send_payload(const struct trc_proc_view *pv, const struct trc_call *c,
                         const struct user_regs_struct *r, struct trc_args *a)
{
    uint64_t base = 0, blen = 0;
    if (c->nr == SYS_sendto) {
        base = r->rsi;
        blen = r->rdx;
    } else {
        /* sendmsg: struct msghdr *; sendmmsg: struct mmsghdr[] whose first member is one. */
        struct msghdr mh;
        struct iovec iov;
        if (read_mem(pv->tid, r->rsi, &mh, sizeof mh) != sizeof mh || !mh.msg_iovlen ||
            read_mem(pv->tid, (uint64_t)(uintptr_t)mh.msg_iov, &iov, sizeof iov) != sizeof iov)
            return false;
        base = (uint64_t)(uintptr_t)iov.iov_base;
        blen = iov.iov_len;
    }
    uint8_t buf[512];
    size_t n = blen < sizeof buf ? (size_t)blen : sizeof buf;
    char name[256];
    if (!n || read_mem(pv->tid, base, buf, n) != n || !dns_query(buf, n, name, sizeof name))
        return false;
    snprintf(a->cls, sizeof a->cls, "dns-query");
    put_clean(a->detail, sizeof a->detail, name, strlen(name));
    return true;
}

static const char *family_name(unsigned long f)
{
    switch (f) {
    case AF_UNIX: return "unix";
    case AF_INET: return "inet";
    case AF_INET6: return "inet6";
    case AF_NETLINK: return "netlink";
    case AF_PACKET: return "packet";
    default: return "other";
    }
}

/* ---- memory ---- */

static const char *prot_name(unsigned long prot)
{
    static const char *const names[] = {"none", "r", "w", "rw", "x", "rx", "wx", "rwx"};
    return names[(prot & (PROT_READ | PROT_WRITE)) | ((prot & PROT_EXEC) ? 4 : 0)];
}

static void fd_path(pid_t tid, long fd, char *out, size_t len)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/%d/fd/%ld", (int)tid, fd);
    ssize_t n = readlink(link, out, len - 1);
    out[n > 0 ? n : 0] = 0;
}

static void mem_class(const struct trc_proc_view *pv, const struct trc_call *c,
                      const struct user_regs_struct *r, struct trc_args *a)
{
    if (c->nr == SYS_memfd_create) {
        snprintf(a->cls, sizeof a->cls, "memfd");
        read_str(pv->tid, r->rdi, a->detail, sizeof a->detail);
        return;
    }
    unsigned long prot = r->rdx;
    if (c->nr == SYS_mmap) {
        unsigned long flags = r->r10;
        const char *share = (flags & MAP_SHARED) ? "shared" : "private";
        if ((flags & MAP_ANONYMOUS) || (long)r->r8 < 0) {
            snprintf(a->cls, sizeof a->cls, "prot=%s anon %s", prot_name(prot), share);
            a->exec_prot = (prot & PROT_EXEC) != 0;
        } else {
            char p[512];
            fd_path(pv->tid, (long)r->r8, p, sizeof p);
            const char *pc = p[0] == '/' ? trc_path_class(p, pv->input) : "other";
            snprintf(a->cls, sizeof a->cls, "prot=%s file:%s %s", prot_name(prot), pc, share);
            put_clean(a->detail, sizeof a->detail, p, strlen(p));
            /* Executable code from a file the run itself could have written. */
            a->exec_prot = (prot & PROT_EXEC) && strcmp(pc, "syslib") && strcmp(pc, "bin");
        }
        return;
    }
    /* mprotect: what kind of memory is being changed. */
    const struct trc_map *mp = pv->sp ? trc_space_find(pv->sp, r->rdi) : NULL;
    const char *what = !mp ? "unmapped" : mp->vdso ? "vdso" : mp->mod ? "file" :
                       mp->stack ? "stack" : "anon";
    snprintf(a->cls, sizeof a->cls, "prot=%s %s", prot_name(prot), what);
    snprintf(a->detail, sizeof a->detail, "0x%llx+%llu %s", (unsigned long long)r->rdi,
             (unsigned long long)r->rsi, mp && mp->mod ? mp->mod->path : what);
    /* Writable and executable at once is W^X broken even on a file's own pages (a data
     * segment turned into code, as a ROP chain calling mprotect does). */
    a->exec_prot = (prot & PROT_EXEC) && (!mp || !mp->mod || (prot & PROT_WRITE));
}

/* ---- exec ---- */

static void exec_class(const struct trc_proc_view *pv, const struct trc_call *c,
                       const struct user_regs_struct *r, struct trc_args *a)
{
    char abs[512];
    uint64_t path = c->nr == SYS_execve ? r->rdi : r->rsi;
    int dirfd = c->nr == SYS_execve ? AT_FDCWD : (int)r->rdi;
    uint64_t argv = c->nr == SYS_execve ? r->rsi : r->rdx;
    path_arg(pv, dirfd, path, abs, sizeof abs);
    const char *base = strrchr(abs, '/');
    base = base ? base + 1 : abs;
    char b[64];
    put_clean(b, sizeof b, base, strlen(base));
    snprintf(a->cls, sizeof a->cls, "%s:%s", trc_path_class(abs, pv->input), b);
    /* The command line, for the report: up to 16 arguments. */
    char line[1024];
    size_t o = 0;
    line[0] = 0;
    for (unsigned i = 0; i < 16 && argv; i++) {
        uint64_t p = 0;
        char arg[256];
        if (read_mem(pv->tid, argv + 8 * i, &p, 8) != 8 || !p)
            break;
        read_str(pv->tid, p, arg, sizeof arg);
        int w = snprintf(line + o, sizeof line - o, "%s%s", i ? " " : "", arg);
        if (w < 0 || (size_t)w >= sizeof line - o)
            break;
        o += (size_t)w;
    }
    char full[1600];
    snprintf(full, sizeof full, "%s: %s", abs, line);
    put_clean(a->detail, sizeof a->detail, full, strlen(full));
}

void trc_args_classify(const struct trc_proc_view *pv, const struct trc_call *c,
                       const struct user_regs_struct *r, struct trc_args *a)
{
    memset(a, 0, sizeof *a);
    a->kind = c->kind;
    char abs[512];
    switch (c->nr) {
    case SYS_open:
    case SYS_openat:
    case SYS_openat2:
    case SYS_creat: {
        int dirfd = c->nr == SYS_openat || c->nr == SYS_openat2 ? (int)r->rdi : AT_FDCWD;
        uint64_t p = c->nr == SYS_openat || c->nr == SYS_openat2 ? r->rsi : r->rdi;
        unsigned long flags = c->nr == SYS_open ? r->rsi : c->nr == SYS_openat ? r->rdx
                              : c->nr == SYS_creat ? (O_WRONLY | O_CREAT | O_TRUNC) : 0;
        if (c->nr == SYS_openat2) {
            uint64_t how = 0;
            read_mem(pv->tid, r->rdx, &how, sizeof how);
            flags = how;
        }
        path_arg(pv, dirfd, p, abs, sizeof abs);
        const char *mode = open_mode(flags);
        if (mode[0] == 'w' || mode[1] == 'w')
            a->kind = TRC_K_FILE_WRITE;
        file_class(pv, abs, mode, a);
        return;
    }
    case SYS_execve:
    case SYS_execveat:
        exec_class(pv, c, r, a);
        return;
    case SYS_socket:
        snprintf(a->cls, sizeof a->cls, "%s:%s", family_name(r->rdi),
                 (r->rsi & 0xf) == SOCK_STREAM ? "stream" : (r->rsi & 0xf) == SOCK_DGRAM ? "dgram"
                 : (r->rsi & 0xf) == SOCK_RAW ? "raw" : "other");
        return;
    case SYS_connect:
    case SYS_bind:
        sockaddr_arg(pv, r->rsi, r->rdx, a);
        return;
    case SYS_sendto:
    case SYS_sendmsg:
    case SYS_sendmmsg:
        if (send_payload(pv, c, r, a))
            return;
        /* Only sends with an address say where they go; connected sends were seen at connect. */
        if (c->nr == SYS_sendto && r->r8)
            sockaddr_arg(pv, r->r8, r->r9, a);
        else
            snprintf(a->cls, sizeof a->cls, "connected");
        return;
    case SYS_mmap:
    case SYS_mprotect:
    case SYS_pkey_mprotect:
    case SYS_memfd_create:
        mem_class(pv, c, r, a);
        return;
    case SYS_chdir:
        path_arg(pv, AT_FDCWD, r->rdi, abs, sizeof abs);
        file_class(pv, abs, "d", a);
        snprintf(a->newcwd, sizeof a->newcwd, "%s", abs);
        return;
    case SYS_fchdir:
        fd_path(pv->tid, (long)r->rdi, abs, sizeof abs);
        snprintf(a->newcwd, sizeof a->newcwd, "%s", abs);
        snprintf(a->cls, sizeof a->cls, "fd");
        return;
    case SYS_kill:
    case SYS_tkill:
    case SYS_tgkill: {
        unsigned long long sig = c->nr == SYS_tgkill ? r->rdx : r->rsi;
        snprintf(a->cls, sizeof a->cls, "sig=%llu", sig);
        return;
    }
    case SYS_prctl:
        snprintf(a->cls, sizeof a->cls, "option=%llu", (unsigned long long)r->rdi);
        return;
    case SYS_unlink: case SYS_rmdir: case SYS_mkdir: case SYS_chmod: case SYS_truncate:
        path_arg(pv, AT_FDCWD, r->rdi, abs, sizeof abs);
        file_class(pv, abs, "w", a);
        return;
    case SYS_unlinkat: case SYS_mkdirat: case SYS_fchmodat:
        path_arg(pv, (int)r->rdi, r->rsi, abs, sizeof abs);
        file_class(pv, abs, "w", a);
        return;
    case SYS_rename: case SYS_link: case SYS_symlink:
        /* The new name is where the write lands. */
        path_arg(pv, AT_FDCWD, r->rsi, abs, sizeof abs);
        file_class(pv, abs, "w", a);
        return;
    case SYS_renameat: case SYS_renameat2: case SYS_linkat:
        path_arg(pv, (int)r->rdx, r->r10, abs, sizeof abs);
        file_class(pv, abs, "w", a);
        return;
    case SYS_symlinkat:
        path_arg(pv, (int)r->rsi, r->rdx, abs, sizeof abs);
        file_class(pv, abs, "w", a);
        return;
    case SYS_fchmod:
        fd_path(pv->tid, (long)r->rdi, abs, sizeof abs);
        file_class(pv, abs[0] == '/' ? abs : "/?", "w", a);
        return;
    default:
        snprintf(a->cls, sizeof a->cls, "-");
        return;
    }
}
