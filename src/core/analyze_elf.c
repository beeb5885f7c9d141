/*
 * analyze_elf.c - facts of an ELF file for `flowgate analyze`, read with libelf: machine and
 * kind, interpreter, static or dynamic linking, needed libraries, the dynamic symbols it
 * imports, sections (or, without section headers, loadable segments) with their entropy.
 *
 * libelf reads a private copy of the sample: with a foreign byte order it may convert data
 * in place, and the capability rules must see the bytes as they are in the file.
 */
#define _GNU_SOURCE
#include "analyze.h"

#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DF_1_PIE
#define DF_1_PIE 0x08000000
#endif

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;
static int elf_ok;

static void elf_init(void) { elf_ok = elf_version(EV_CURRENT) != EV_NONE; }

static int elf_bid(const uint8_t *p, size_t n)
{
    return n >= 16 && !memcmp(p, "\177ELF", 4);
}

static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_386: return "i386";
    case EM_X86_64: return "x86-64";
    case EM_AARCH64: return "aarch64";
    case EM_ARM: return "arm";
    case EM_MIPS: return "mips";
    case EM_PPC: return "ppc";
    case EM_PPC64: return "ppc64";
    case EM_S390: return "s390";
    case EM_RISCV: return "riscv";
    case EM_SPARCV9: return "sparc64";
    case EM_LOONGARCH: return "loongarch";
    default: return "other";
    }
}

struct elf_state {
    int has_interp, has_dynamic, pie_flag, has_symtab;
    size_t nload;
};

/* Program headers: the interpreter, whether there is a dynamic segment, and (for a file
 * without section headers, as packers leave them) the loadable segments as sections. */
static int read_segments(struct fg_analysis *a, Elf *e, const uint8_t *p, size_t n,
                         struct elf_state *st, int as_sections)
{
    size_t nph = 0;
    if (elf_getphdrnum(e, &nph)) {
        an_warn(a, "ELF program headers unreadable: %s", elf_errmsg(-1));
        return FG_EFORMAT;
    }
    for (size_t i = 0; i < nph && i < FG_CAP_AN_WALK; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph)) {
            an_warn(a, "ELF program header %zu unreadable", i);
            return FG_EFORMAT;
        }
        if (ph.p_type == PT_INTERP && !st->has_interp) {
            st->has_interp = 1;
            if (ph.p_offset < n && ph.p_filesz) {
                size_t room = n - (size_t)ph.p_offset;
                if (room > ph.p_filesz)
                    room = (size_t)ph.p_filesz;
                if (room > FG_CAP_AN_NAME)
                    room = FG_CAP_AN_NAME;
                const char *s = (const char *)p + ph.p_offset;
                a->info.interpreter = an_str(a, s, strnlen(s, room));
                if (!a->info.interpreter)
                    return FG_ENOMEM;
            } else {
                an_warn(a, "ELF interpreter segment lies outside the file");
            }
        } else if (ph.p_type == PT_DYNAMIC) {
            st->has_dynamic = 1;
        } else if (ph.p_type == PT_LOAD && as_sections) {
            char name[32];
            snprintf(name, sizeof name, "LOAD%zu", st->nload++);
            if (an_section_add(a, name, sizeof name, ph.p_offset, ph.p_filesz, ph.p_vaddr,
                               ph.p_memsz, (ph.p_flags & PF_R) != 0, (ph.p_flags & PF_W) != 0,
                               (ph.p_flags & PF_X) != 0, p, n))
                return FG_ENOMEM;
        }
    }
    return FG_OK;
}

/* .dynsym: counts entries; undefined ones with a name are what the program imports. */
static int read_dynsym(struct fg_analysis *a, Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
                       size_t *walked)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    size_t esz = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
    if (!d || !esz)
        return FG_EFORMAT;
    size_t count = d->d_size / esz;
    a->info.ndynsyms += count;
    for (size_t i = 1; i < count; i++) {
        if (++*walked > FG_CAP_AN_WALK) {
            an_warn(a, "more than %u symbols; the rest were not read", FG_CAP_AN_WALK);
            return FG_OK;
        }
        GElf_Sym sym;
        if (!gelf_getsym(d, (int)i, &sym))
            return FG_EFORMAT;
        if (sym.st_shndx != SHN_UNDEF || !sym.st_name)
            continue;
        const char *name = elf_strptr(e, sh->sh_link, sym.st_name);
        if (!name || !*name)
            continue;
        if (an_strlist_add(a, &a->imports, name, strnlen(name, FG_CAP_AN_NAME)))
            return FG_ENOMEM;
    }
    return FG_OK;
}

/* .dynamic: DT_NEEDED libraries and the PIE flag. */
static int read_dynamic(struct fg_analysis *a, Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
                        struct elf_state *st, size_t *walked)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    size_t esz = gelf_fsize(e, ELF_T_DYN, 1, EV_CURRENT);
    if (!d || !esz)
        return FG_EFORMAT;
    size_t count = d->d_size / esz;
    for (size_t i = 0; i < count; i++) {
        if (++*walked > FG_CAP_AN_WALK)
            return FG_OK;
        GElf_Dyn dyn;
        if (!gelf_getdyn(d, (int)i, &dyn))
            return FG_EFORMAT;
        if (dyn.d_tag == DT_NULL)
            break;
        if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
            st->pie_flag = 1;
        if (dyn.d_tag != DT_NEEDED)
            continue;
        const char *name = elf_strptr(e, sh->sh_link, dyn.d_un.d_val);
        if (name && an_strlist_add(a, &a->libraries, name, strnlen(name, FG_CAP_AN_NAME)))
            return FG_ENOMEM;
    }
    return FG_OK;
}

static int read_sections(struct fg_analysis *a, Elf *e, const uint8_t *p, size_t n,
                         struct elf_state *st)
{
    size_t shstrndx = 0, walked = 0;
    int have_names = elf_getshdrstrndx(e, &shstrndx) == 0;
    int rc = FG_OK;
    Elf_Scn *scn = NULL;
    for (size_t i = 0; (scn = elf_nextscn(e, scn)) != NULL; i++) {
        GElf_Shdr sh;
        if (i >= FG_CAP_AN_WALK || !gelf_getshdr(scn, &sh)) {
            an_warn(a, "ELF section header %zu unreadable", i);
            return FG_EFORMAT;
        }
        const char *name = have_names ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
        if (!name)
            name = "";
        if (sh.sh_type != SHT_NULL) {
            uint64_t fsize = sh.sh_type == SHT_NOBITS ? 0 : sh.sh_size;
            if (an_section_add(a, name, strnlen(name, FG_CAP_AN_NAME), sh.sh_offset, fsize,
                               sh.sh_addr, sh.sh_size, (sh.sh_flags & SHF_ALLOC) != 0,
                               (sh.sh_flags & SHF_WRITE) != 0, (sh.sh_flags & SHF_EXECINSTR) != 0,
                               p, n))
                return FG_ENOMEM;
        }
        int r = FG_OK;
        if (sh.sh_type == SHT_SYMTAB)
            st->has_symtab = 1;
        else if (sh.sh_type == SHT_DYNSYM)
            r = read_dynsym(a, e, scn, &sh, &walked);
        else if (sh.sh_type == SHT_DYNAMIC)
            r = read_dynamic(a, e, scn, &sh, st, &walked);
        if (r == FG_ENOMEM)
            return r;
        if (r) {
            an_warn(a, "ELF section %s unreadable: %s", name, elf_errmsg(-1));
            rc = r;
        }
    }
    return rc;
}

static void set_kind(struct fg_analysis *a, const GElf_Ehdr *eh, const struct elf_state *st)
{
    switch (eh->e_type) {
    case ET_REL: a->info.kind = "relocatable"; break;
    case ET_EXEC: a->info.kind = "executable"; break;
    case ET_CORE: a->info.kind = "core"; break;
    case ET_DYN:
        a->info.kind = st->has_interp || st->pie_flag ? "pie executable" : "shared object";
        break;
    default: a->info.kind = "other"; break;
    }
    if (eh->e_type == ET_REL || eh->e_type == ET_CORE)
        a->info.linkage = "";
    else if (st->has_interp)
        a->info.linkage = "dynamic";
    else if (st->has_dynamic && eh->e_type == ET_DYN && st->pie_flag)
        a->info.linkage = "static-pie";
    else if (st->has_dynamic)
        a->info.linkage = "dynamic";
    else
        a->info.linkage = "static";
    a->info.stripped = !st->has_symtab;
}

static int elf_read(struct fg_analysis *a, const uint8_t *p, size_t n)
{
    pthread_once(&elf_once, elf_init);
    if (!elf_ok) {
        an_warn(a, "libelf could not be initialised");
        return FG_EFORMAT;
    }
    char *copy = malloc(n);
    if (!copy)
        return FG_ENOMEM;
    memcpy(copy, p, n);
    int rc = FG_OK;
    struct elf_state st = {0};
    Elf *e = elf_memory(copy, n);
    GElf_Ehdr eh;
    if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
        an_warn(a, "ELF header unreadable: %s", elf_errmsg(-1));
        rc = FG_EFORMAT;
        goto out;
    }
    a->info.bits = gelf_getclass(e) == ELFCLASS64 ? 64 : 32;
    a->info.arch = machine_name(eh.e_machine);
    a->info.entry = eh.e_entry;
    size_t nsh = 0;
    if (elf_getshdrnum(e, &nsh)) {
        an_warn(a, "ELF section headers unreadable: %s", elf_errmsg(-1));
        nsh = 0;
    }
    rc = read_segments(a, e, p, n, &st, nsh == 0);
    if (rc == FG_ENOMEM)
        goto out;
    int r = read_sections(a, e, p, n, &st);
    if (r)
        rc = r;
    set_kind(a, &eh, &st);
out:
    if (e)
        elf_end(e);
    free(copy);
    return rc;
}

const struct an_format an_format_elf = {
    .name = "elf",
    .bid = elf_bid,
    .read = elf_read,
};
