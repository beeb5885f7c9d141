/*
 * trc_origin.c - call-preceded return addresses, decoded with capstone.  x86 calls are
 * 2 to 7 bytes long (with prefixes up to 15, which compilers do not emit for calls), so the
 * check decodes one instruction at each length before the return address and accepts a call
 * that ends exactly there.
 */
#include "trc_origin.h"

#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "flowgate/flowgate.h"

#define CACHE_BITS 16 /* 65,536 remembered return sites; an overwritten slot is re-decoded */

struct slot {
    const struct trc_module *m;
    uint64_t off;
    bool ok;
};

struct trc_origin {
    csh cs;
    cs_insn *insn;
    struct slot cache[1u << CACHE_BITS];
};

int trc_origin_new(struct trc_origin **out)
{
    struct trc_origin *o = calloc(1, sizeof *o);
    if (!o)
        return FG_ENOMEM;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &o->cs) != CS_ERR_OK) {
        free(o);
        return FG_EINTERNAL;
    }
    cs_option(o->cs, CS_OPT_DETAIL, CS_OPT_ON);
    o->insn = cs_malloc(o->cs);
    if (!o->insn) {
        cs_close(&o->cs);
        free(o);
        return FG_ENOMEM;
    }
    *out = o;
    return 0;
}

void trc_origin_free(struct trc_origin *o)
{
    if (!o)
        return;
    cs_free(o->insn, 1);
    cs_close(&o->cs);
    free(o);
}

static bool is_call(struct trc_origin *o)
{
    if (o->insn->id == X86_INS_CALL)
        return true;
    const cs_detail *d = o->insn->detail;
    for (uint8_t i = 0; d && i < d->groups_count; i++)
        if (d->groups[i] == CS_GRP_CALL)
            return true;
    return false;
}

static bool decode(struct trc_origin *o, const struct trc_module *m, uint64_t off)
{
    enum { BACK = 7 };
    uint8_t code[BACK];
    for (unsigned len = 2; len <= BACK; len++) {
        if (off < len || !trc_module_read(m, off - len, code, len))
            continue;
        const uint8_t *p = code;
        size_t n = len;
        uint64_t addr = off - len;
        if (cs_disasm_iter(o->cs, &p, &n, &addr, o->insn) && n == 0 && is_call(o))
            return true;
    }
    return false;
}

bool trc_call_preceded(struct trc_origin *o, const struct trc_module *m, uint64_t off)
{
    if (!m || !m->trusted || !m->image)
        return false;
    uint64_t h = (off ^ ((uintptr_t)m >> 4)) * 0x9e3779b97f4a7c15ULL;
    struct slot *s = &o->cache[h >> (64 - CACHE_BITS)];
    if (s->m == m && s->off == off)
        return s->ok;
    s->m = m;
    s->off = off;
    s->ok = decode(o, m, off);
    return s->ok;
}
