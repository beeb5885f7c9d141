/*
 * trc_unwind.h - call stacks of a stopped tracee, unwound from a copy: the registers and the
 * top of the stack are read once per stop, the unwind tables come from the module files the
 * tracer has mapped (trc_maps.c), so a walk costs no further system calls.
 */
#ifndef FG_TRC_UNWIND_H
#define FG_TRC_UNWIND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/user.h>

#include "trc_maps.h"

struct trc_unwinder; /* one per run */

int trc_unwinder_new(struct trc_unwinder **out);
void trc_unwinder_free(struct trc_unwinder *u);

/* What one stop looks like, all borrowed for the duration of trc_unwind(). */
struct trc_snapshot {
    const struct trc_space *sp;
    const struct user_regs_struct *regs;
    const uint8_t *stack;  /* copy of [stack_lo, stack_lo + stack_len) */
    uint64_t stack_lo;
    size_t stack_len;
};

/* Fills pcs[0] = the instruction pointer and pcs[1..] = return addresses, at most max;
 * returns how many.  sig[i] is set when pcs[i] was not reached by a call (it is the return
 * address of a signal frame, or the instruction a signal interrupted).  The walk stops at the first frame it cannot unwind (no tables: an
 * untrusted module, anonymous code, or a stack that makes no sense). */
unsigned trc_unwind(struct trc_unwinder *u, const struct trc_snapshot *s, uint64_t *pcs,
                    bool *sig, unsigned max);

#endif
