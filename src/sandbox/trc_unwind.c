/*
 * trc_unwind.c - libunwind's remote interface over a snapshot of one stop.  libunwind-ptrace
 * reads the tracee word by word with PTRACE_PEEKDATA and re-reads /proc/PID/maps for every
 * module it enters (tens of microseconds a frame); here every read is served from memory:
 * stack words from the copy taken at the stop, unwind tables from the module files.
 */
#define _GNU_SOURCE
#include "trc_unwind.h"

#include <libunwind.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "flowgate/flowgate.h"

/* libunwind exports its .eh_frame_hdr search but has no header for it (perf declares it the
 * same way); it walks the binary-search table through our access_mem(). */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
                                              unw_dyn_info_t *di, unw_proc_info_t *pi,
                                              int need_unwind_info, void *arg);

struct trc_unwinder {
    unw_addr_space_t as;
};

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
                          int need_unwind_info, void *arg)
{
    const struct trc_snapshot *s = arg;
    const struct trc_map *mp = trc_space_find(s->sp, ip);
    if (!mp || !(mp->prot & PROT_EXEC) || !mp->mod || !mp->mod->trusted ||
        !mp->mod->have_ehframe)
        return -UNW_ENOINFO;
    const struct trc_module *m = mp->mod;
    unw_dyn_info_t di;
    memset(&di, 0, sizeof di);
    di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
    di.start_ip = mp->start;
    di.end_ip = mp->end;
    di.u.rti.segbase = (unw_word_t)((int64_t)m->ehhdr_vaddr + mp->bias);
    di.u.rti.table_data = di.u.rti.segbase + m->table_off;
    /* Table entries are two 32-bit words; libunwind counts the table in unw_word_t. */
    di.u.rti.table_len = m->fde_count * 8 / sizeof(unw_word_t);
    return UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need_unwind_info, arg);
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
    (void)as, (void)pi, (void)arg; /* libunwind keeps unwind_info in its own pool */
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
    (void)as, (void)addr, (void)arg;
    return -UNW_ENOINFO;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
                      void *arg)
{
    (void)as;
    const struct trc_snapshot *s = arg;
    if (write)
        return -UNW_EINVAL;
    if (addr >= s->stack_lo && s->stack_len >= sizeof *val &&
        addr - s->stack_lo <= s->stack_len - sizeof *val) {
        memcpy(val, s->stack + (addr - s->stack_lo), sizeof *val);
        return 0;
    }
    const struct trc_map *mp = trc_space_find(s->sp, addr);
    if (mp && mp->mod && mp->mod->trusted &&
        trc_module_read(mp->mod, (uint64_t)((int64_t)addr - mp->bias), val, sizeof *val))
        return 0;
    return -UNW_EINVAL;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write,
                      void *arg)
{
    (void)as;
    const struct trc_snapshot *s = arg;
    const struct user_regs_struct *r = s->regs;
    if (write)
        return -UNW_EINVAL;
    switch (reg) {
    case UNW_X86_64_RAX: *val = r->rax; break;
    case UNW_X86_64_RDX: *val = r->rdx; break;
    case UNW_X86_64_RCX: *val = r->rcx; break;
    case UNW_X86_64_RBX: *val = r->rbx; break;
    case UNW_X86_64_RSI: *val = r->rsi; break;
    case UNW_X86_64_RDI: *val = r->rdi; break;
    case UNW_X86_64_RBP: *val = r->rbp; break;
    case UNW_X86_64_RSP: *val = r->rsp; break;
    case UNW_X86_64_R8: *val = r->r8; break;
    case UNW_X86_64_R9: *val = r->r9; break;
    case UNW_X86_64_R10: *val = r->r10; break;
    case UNW_X86_64_R11: *val = r->r11; break;
    case UNW_X86_64_R12: *val = r->r12; break;
    case UNW_X86_64_R13: *val = r->r13; break;
    case UNW_X86_64_R14: *val = r->r14; break;
    case UNW_X86_64_R15: *val = r->r15; break;
    case UNW_X86_64_RIP: *val = r->rip; break;
    default: return -UNW_EBADREG;
    }
    return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
                        void *arg)
{
    (void)as, (void)reg, (void)val, (void)write, (void)arg;
    return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
    (void)as, (void)c, (void)arg;
    return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
                         unw_word_t *off, void *arg)
{
    (void)as, (void)addr, (void)buf, (void)len, (void)off, (void)arg;
    return -UNW_ENOINFO;
}

static unw_accessors_t accessors = {
    .find_proc_info = find_proc_info,
    .put_unwind_info = put_unwind_info,
    .get_dyn_info_list_addr = get_dyn_info_list_addr,
    .access_mem = access_mem,
    .access_reg = access_reg,
    .access_fpreg = access_fpreg,
    .resume = resume,
    .get_proc_name = get_proc_name,
};

int trc_unwinder_new(struct trc_unwinder **out)
{
    struct trc_unwinder *u = calloc(1, sizeof *u);
    if (!u)
        return FG_ENOMEM;
    u->as = unw_create_addr_space(&accessors, 0);
    if (!u->as) {
        free(u);
        return FG_EINTERNAL;
    }
    /* Different processes of a run map modules at different addresses: no caching. */
    unw_set_caching_policy(u->as, UNW_CACHE_NONE);
    *out = u;
    return 0;
}

void trc_unwinder_free(struct trc_unwinder *u)
{
    if (!u)
        return;
    unw_destroy_addr_space(u->as);
    free(u);
}

unsigned trc_unwind(struct trc_unwinder *u, const struct trc_snapshot *s, uint64_t *pcs,
                    bool *sig, unsigned max)
{
    if (!max)
        return 0;
    pcs[0] = s->regs->rip;
    sig[0] = false;
    unsigned n = 1;
    unw_cursor_t c;
    if (unw_init_remote(&c, u->as, (void *)s) < 0)
        return n;
    while (n < max) {
        /* The frame above a signal frame was interrupted, not called. */
        bool after_signal = unw_is_signal_frame(&c) > 0;
        if (unw_step(&c) <= 0)
            break;
        unw_word_t ip;
        if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || ip == 0)
            break;
        /* The signal trampoline itself is a return address no call put there. */
        sig[n] = after_signal || unw_is_signal_frame(&c) > 0;
        pcs[n++] = ip;
    }
    return n;
}
