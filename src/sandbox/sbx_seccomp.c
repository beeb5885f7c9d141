/*
 * sbx_seccomp.c - the command's system call filter, compiled in the caller with libseccomp
 * and kept as a BPF program in memory, so that the command only has to load it (prctl) right
 * before execve.  Owns p->prog and p->prog_pers.  docs/internals/sandbox.md says why each
 * call is on the list.
 */
#define _GNU_SOURCE
#include "sbx_int.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../core/limits.h"

/* Calls no document handler makes and an exploit wants: kernel code and kernel attack
 * surface (modules, kexec, bpf, io_uring, perf, userfaultfd, keyrings), changing the file
 * system view (the old and the new mount API), reaching into other processes (ptrace,
 * process_vm_writev), escaping by file handle, and host administration. */
static const int hostile_calls[] = {
    SCMP_SYS(init_module),     SCMP_SYS(finit_module),      SCMP_SYS(delete_module),
    SCMP_SYS(kexec_load),      SCMP_SYS(kexec_file_load),   SCMP_SYS(bpf),
    SCMP_SYS(io_uring_setup),  SCMP_SYS(io_uring_enter),    SCMP_SYS(io_uring_register),
    SCMP_SYS(mount),           SCMP_SYS(umount2),           SCMP_SYS(pivot_root),
    SCMP_SYS(fsopen),          SCMP_SYS(fsconfig),          SCMP_SYS(fsmount),
    SCMP_SYS(fspick),          SCMP_SYS(move_mount),        SCMP_SYS(open_tree),
    SCMP_SYS(mount_setattr),   SCMP_SYS(swapon),            SCMP_SYS(swapoff),
    SCMP_SYS(reboot),          SCMP_SYS(ptrace),            SCMP_SYS(process_vm_writev),
    SCMP_SYS(perf_event_open), SCMP_SYS(userfaultfd),       SCMP_SYS(keyctl),
    SCMP_SYS(add_key),         SCMP_SYS(request_key),       SCMP_SYS(open_by_handle_at),
    SCMP_SYS(setns),
};

/* Namespace flags of unshare(2) and clone(2).  CLONE_NEWTIME shares its bit with the exit
 * signal of clone(), so it is checked for unshare() only. */
static const unsigned long ns_flags[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
                                         CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
                                         CLONE_NEWNET, CLONE_NEWTIME};
#define NS_MASK_CLONE                                                                          \
    (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
     CLONE_NEWPID | CLONE_NEWNET)
#define NS_MASK_UNSHARE (NS_MASK_CLONE | CLONE_NEWTIME)

static bool is_hostile(int nr)
{
    for (size_t i = 0; i < sizeof hostile_calls / sizeof *hostile_calls; i++)
        if (hostile_calls[i] == nr)
            return true;
    return false;
}

/* unshare() and clone() with a namespace flag are hostile; without one they are ordinary
 * calls, recorded in traced mode if listed. */
static int ns_rules(scmp_filter_ctx ctx, uint32_t hostile, int nr, unsigned long mask,
                    bool record)
{
    for (size_t i = 0; i < sizeof ns_flags / sizeof *ns_flags; i++) {
        if (!(ns_flags[i] & mask))
            continue;
        int rc = seccomp_rule_add(ctx, hostile, nr, 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
        if (rc)
            return rc;
    }
    return record ? seccomp_rule_add(ctx, SCMP_ACT_TRACE(FG_SECCOMP_RECORD), nr, 1,
                                     SCMP_A0(SCMP_CMP_MASKED_EQ, mask, 0))
                  : 0;
}

static bool listed(const struct fg_sandbox_cfg *cfg, int nr)
{
    for (size_t i = 0; cfg->traced && i < cfg->n_trace_syscalls; i++)
        if (cfg->trace_syscalls[i] == nr)
            return true;
    return false;
}

static int add_rules(scmp_filter_ctx ctx, const struct fg_sandbox_cfg *cfg, uint32_t hostile,
                     char *err, size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof hostile_calls / sizeof *hostile_calls; i++)
        rc = seccomp_rule_add(ctx, hostile, hostile_calls[i], 0);
    rc = rc ? rc : ns_rules(ctx, hostile, SCMP_SYS(unshare), NS_MASK_UNSHARE,
                            listed(cfg, SCMP_SYS(unshare)));
    rc = rc ? rc : ns_rules(ctx, hostile, SCMP_SYS(clone), NS_MASK_CLONE,
                            listed(cfg, SCMP_SYS(clone)));
    /* clone3() passes its flags in memory, out of the filter's reach: it fails as if the
     * kernel were older, and the C library falls back to clone(). */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (rc) {
        snprintf(err, errlen, "seccomp: cannot add the sandbox's rules: %s", strerror(-rc));
        return FG_EINTERNAL;
    }
    for (size_t i = 0; cfg->traced && i < cfg->n_trace_syscalls; i++) {
        int nr = cfg->trace_syscalls[i];
        if (nr < 0 || nr >= 1024) {
            snprintf(err, errlen, "seccomp: %d is no x86_64 system call number", nr);
            return FG_EINVAL;
        }
        if (is_hostile(nr) || nr == SCMP_SYS(unshare) || nr == SCMP_SYS(clone) ||
            nr == SCMP_SYS(clone3))
            continue;
        rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(FG_SECCOMP_RECORD), nr, 0);
        if (rc && rc != -EEXIST) {
            snprintf(err, errlen, "seccomp: cannot trace call %d: %s", nr, strerror(-rc));
            return FG_EINVAL;
        }
    }
    return 0;
}

/* libseccomp 2.5 writes its BPF to a descriptor only; a memfd keeps it in memory. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog *prog, char *err, size_t errlen)
{
    int fd = memfd_create("fg-seccomp", MFD_CLOEXEC), rc = FG_EINTERNAL;
    struct stat st;
    if (fd < 0 || seccomp_export_bpf(ctx, fd) || fstat(fd, &st) || st.st_size <= 0 ||
        st.st_size % sizeof(struct sock_filter) ||
        st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
        snprintf(err, errlen, "seccomp: cannot export the filter");
        goto out;
    }
    prog->filter = malloc((size_t)st.st_size);
    if (!prog->filter || pread(fd, prog->filter, (size_t)st.st_size, 0) != st.st_size) {
        snprintf(err, errlen, "seccomp: cannot read the filter back");
        goto out;
    }
    prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* personality(2) may only be queried (0xffffffff) or set to the default (PER_LINUX, 0):
 * changing it turns off address space randomisation or changes the ABI.  libseccomp cannot
 * say "neither A nor B" about one argument, so this is a second, hand-written filter
 * (the kernel runs both; the stricter result wins).  The argument is an unsigned int, so
 * only the low 32 bits (little endian: the first word of args[0]) count. */
static int personality_filter(struct sock_fprog *prog, uint32_t hostile)
{
    const struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), /* the main filter kills other ABIs */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_personality, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, hostile),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    prog->filter = malloc(sizeof f);
    if (!prog->filter)
        return FG_ENOMEM;
    memcpy(prog->filter, f, sizeof f);
    prog->len = sizeof f / sizeof *f;
    return 0;
}

int sbx_seccomp_build(struct sbx_plan *p, const struct fg_sandbox_cfg *cfg, char *err,
                      size_t errlen)
{
#if !defined(__x86_64__)
    (void)p;
    (void)cfg;
    snprintf(err, errlen, "the sandbox's system call filter is written for x86_64 only");
    return FG_EUNSUPPORTED;
#else
    /* Traced: the tracer sees the hostile call (and kills the run); untraced: the process
     * dies at once.  A 32-bit (int 0x80) or x32 call is hostile too: libseccomp sends x32
     * numbers (bit 30 set) on x86_64 to the bad-architecture action. */
    uint32_t hostile = cfg->traced ? SCMP_ACT_TRACE(FG_SECCOMP_HOSTILE) : SCMP_ACT_KILL_PROCESS;
    int rc = FG_EINTERNAL;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx || seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, hostile) ||
        seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) {
        snprintf(err, errlen, "seccomp: cannot create a filter");
        goto out;
    }
    rc = add_rules(ctx, cfg, hostile, err, errlen);
    rc = rc ? rc : export_bpf(ctx, &p->prog, err, errlen);
    if (!rc && personality_filter(&p->prog_pers, cfg->traced ? SECCOMP_RET_TRACE |
                                                                   FG_SECCOMP_HOSTILE
                                                             : SECCOMP_RET_KILL_PROCESS)) {
        snprintf(err, errlen, "out of memory");
        rc = FG_ENOMEM;
    }
out:
    if (ctx)
        seccomp_release(ctx);
    return rc;
#endif
}

void sbx_seccomp_free(struct sbx_plan *p)
{
    free(p->prog.filter);
    free(p->prog_pers.filter);
    p->prog.filter = p->prog_pers.filter = NULL;
    p->prog.len = p->prog_pers.len = 0;
}
