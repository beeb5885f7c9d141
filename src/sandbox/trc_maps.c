/*
 * trc_maps.c - reads a traced process's mappings and the ELF files behind them.  Only files
 * under the sandbox's read-only directories are parsed: the traced program can write its own
 * "library" into the work directory, and the tracer (which runs outside the sandbox) must
 * not parse a file crafted by it.  Those files still get a module, marked untrusted.
 */
#define _GNU_SOURCE
#include "trc_maps.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../core/digest.h"
#include "../core/limits.h"
#include "../core/scan.h"
#include "flowgate/flowgate.h"

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

static bool is_trusted(const struct trc_modules *mods, const char *path)
{
    if (strstr(path, "/../") || strstr(path, "/./"))
        return false;
    for (const char *const *d = mods->trusted; d && *d; d++)
        if (under(path, *d))
            return true;
    return false;
}

/* ---- ELF: build-id, PT_LOAD segments, .eh_frame_hdr (64-bit little-endian only) ---- */

static const void *img_at(const struct trc_module *m, uint64_t off, uint64_t len)
{
    if (off > m->image_len || len > m->image_len - off)
        return NULL;
    return m->image + off;
}

static void note_build_id(struct trc_module *m, const Elf64_Phdr *ph, char *hex, size_t hexsz)
{
    const uint8_t *p = img_at(m, ph->p_offset, ph->p_filesz);
    if (!p)
        return;
    uint64_t pos = 0, end = ph->p_filesz;
    while (end - pos >= sizeof(Elf64_Nhdr)) {
        Elf64_Nhdr nh;
        memcpy(&nh, p + pos, sizeof nh);
        uint64_t name_sz = (nh.n_namesz + 3ULL) & ~3ULL, desc_sz = (nh.n_descsz + 3ULL) & ~3ULL;
        pos += sizeof nh;
        if (name_sz > end - pos || desc_sz > end - pos - name_sz)
            return;
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && !memcmp(p + pos, "GNU", 4)) {
            /* The first 8 bytes name a build well enough for a module key. */
            size_t n = nh.n_descsz < 8 ? nh.n_descsz : 8;
            if (hexsz > 2 * n)
                fg_hex(p + pos + name_sz, n, hex);
            return;
        }
        pos += name_sz + desc_sz;
    }
}

/* .eh_frame_hdr with the encodings every toolchain here emits: version 1, eh_frame_ptr
 * pcrel|sdata4, fde_count udata4, table datarel|sdata4.  Anything else: no unwinding. */
static void note_eh_frame_hdr(struct trc_module *m, const Elf64_Phdr *ph)
{
    const uint8_t *h = img_at(m, ph->p_offset, 12);
    if (!h || h[0] != 1 || h[1] != 0x1b || h[2] != 0x03 || h[3] != 0x3b)
        return;
    uint32_t count;
    memcpy(&count, h + 8, 4);
    if (!img_at(m, ph->p_offset + 12, (uint64_t)count * 8))
        return;
    m->ehhdr_vaddr = ph->p_vaddr;
    m->fde_count = count;
    m->table_off = 12;
    m->have_ehframe = count > 0;
}

static void parse_elf(struct trc_module *m, char *bid, size_t bidsz)
{
    const Elf64_Ehdr *eh = img_at(m, 0, sizeof(Elf64_Ehdr));
    if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_phentsize != sizeof(Elf64_Phdr))
        return;
    const Elf64_Phdr *ph0 = img_at(m, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr));
    if (!ph0)
        return;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, ph0 + i, sizeof ph);
        if (ph.p_type == PT_LOAD && m->nload < sizeof m->load / sizeof m->load[0]) {
            m->load[m->nload].vaddr = ph.p_vaddr;
            m->load[m->nload].memsz = ph.p_memsz;
            m->load[m->nload].offset = ph.p_offset;
            m->load[m->nload].filesz = ph.p_filesz;
            m->nload++;
        } else if (ph.p_type == PT_NOTE && !bid[0]) {
            note_build_id(m, &ph, bid, bidsz);
        } else if (ph.p_type == PT_GNU_EH_FRAME) {
            note_eh_frame_hdr(m, &ph);
        }
    }
}

bool trc_module_read(const struct trc_module *m, uint64_t vaddr, void *out, size_t len)
{
    for (unsigned i = 0; i < m->nload; i++) {
        uint64_t v = m->load[i].vaddr, fs = m->load[i].filesz;
        if (vaddr >= v && vaddr - v < fs && len <= fs - (vaddr - v)) {
            const void *p = img_at(m, m->load[i].offset + (vaddr - v), len);
            if (!p)
                return false;
            memcpy(out, p, len);
            return true;
        }
    }
    return false;
}

/* Opens a module the first time a process maps it. */
static struct trc_module *module_get(struct trc_modules *mods, pid_t pid, const char *path,
                                     dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < mods->n; i++)
        if (mods->mod[i]->dev == dev && mods->mod[i]->ino == ino &&
            !strcmp(mods->mod[i]->path, path))
            return mods->mod[i];
    if (mods->n >= FG_CAP_TRC_MODULES)
        return NULL;
    if (mods->n == mods->cap) {
        size_t nc = mods->cap ? mods->cap * 2 : 32;
        void *p = realloc(mods->mod, nc * sizeof *mods->mod);
        if (!p)
            return NULL;
        mods->mod = p;
        mods->cap = nc;
    }
    struct trc_module *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->dev = dev;
    m->ino = ino;
    snprintf(m->path, sizeof m->path, "%s", path);
    m->trusted = is_trusted(mods, path);
    char bid[17] = "";
    if (m->trusted) {
        char host[320];
        snprintf(host, sizeof host, "/proc/%d/root%s", (int)pid, path);
        int fd = open(host, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
            (uint64_t)st.st_size <= FG_CAP_TRC_MODULE_SIZE && st.st_ino == ino) {
            void *img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (img != MAP_FAILED) {
                m->image = img;
                m->image_len = (size_t)st.st_size;
                parse_elf(m, bid, sizeof bid);
            }
        }
        if (fd >= 0)
            close(fd);
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    /* The name is the run's choice for a file it wrote: escaped to printable UTF-8, since
     * keys end up in JSON reports and profiles, where an invalid string is dropped. */
    char *name = fg_str_sanitize(base, strlen(base), 64);
    snprintf(m->key, sizeof m->key, "%s@%s", name ? name : "?",
             bid[0] ? bid : (m->trusted ? "-" : "untrusted"));
    free(name);
    mods->mod[mods->n++] = m;
    return m;
}

void trc_modules_free(struct trc_modules *mods)
{
    for (size_t i = 0; i < mods->n; i++) {
        if (mods->mod[i]->image)
            munmap((void *)mods->mod[i]->image, mods->mod[i]->image_len);
        free(mods->mod[i]);
    }
    free(mods->mod);
    mods->mod = NULL;
    mods->n = mods->cap = 0;
}

/* Link-time address of the file offset a mapping starts at, from the PT_LOAD holding it. */
static void set_bias(struct trc_map *mp)
{
    const struct trc_module *m = mp->mod;
    mp->bias = (int64_t)(mp->start - mp->offset);
    for (unsigned i = 0; m && i < m->nload; i++) {
        uint64_t o = m->load[i].offset & ~0xfffULL;
        if (mp->offset >= o && mp->offset < m->load[i].offset + m->load[i].filesz) {
            mp->bias = (int64_t)(mp->start - (m->load[i].vaddr - m->load[i].offset + mp->offset));
            return;
        }
    }
}

static int parse_line(struct trc_space *sp, struct trc_modules *mods, pid_t pid, char *line)
{
    unsigned long long start, end, off, inode;
    unsigned maj, min;
    char perm[8];
    int name_at = 0;
    if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perm, &off, &maj, &min,
               &inode, &name_at) < 7)
        return 0;
    char *name = line + name_at;
    name[strcspn(name, "\n")] = 0;
    if (sp->n == sp->cap) {
        size_t nc = sp->cap ? sp->cap * 2 : 64;
        if (nc > FG_CAP_TRC_MAPS)
            return FG_ELIMIT;
        void *p = realloc(sp->map, nc * sizeof *sp->map);
        if (!p)
            return FG_ENOMEM;
        sp->map = p;
        sp->cap = nc;
    }
    struct trc_map *mp = &sp->map[sp->n++];
    memset(mp, 0, sizeof *mp);
    mp->start = start;
    mp->end = end;
    mp->offset = off;
    mp->prot = (perm[0] == 'r' ? PROT_READ : 0) | (perm[1] == 'w' ? PROT_WRITE : 0) |
               (perm[2] == 'x' ? PROT_EXEC : 0);
    mp->shared = perm[3] == 's';
    mp->anon = inode == 0;
    /* The kernel's own code pages: the vDSO, and the legacy vsyscall page (execute-only). */
    mp->vdso = !strcmp(name, "[vdso]") || !strcmp(name, "[vsyscall]");
    mp->stack = !strcmp(name, "[stack]") || (mp->anon && name[0] == 0 && (mp->prot & PROT_WRITE));
    if (!mp->anon && name[0] == '/') {
        char *del = strstr(name, " (deleted)");
        if (del)
            *del = 0;
        mp->mod = module_get(mods, pid, name, makedev(maj, min), (ino_t)inode);
        set_bias(mp);
    }
    return 0;
}

void trc_space_clear(struct trc_space *sp)
{
    free(sp->map);
    memset(sp, 0, sizeof *sp);
}

int trc_space_load(struct trc_space *sp, struct trc_modules *mods, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return FG_EIO;
    sp->n = 0;
    sp->pid = pid;
    char line[512 + 64];
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len && line[len - 1] != '\n' && !feof(f)) {
            /* A path longer than the line: skip the rest; the mapping stays nameless. */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
        }
        rc = parse_line(sp, mods, pid, line);
    }
    fclose(f);
    sp->dirty = false;
    return rc;
}

const struct trc_map *trc_space_find(const struct trc_space *sp, uint64_t addr)
{
    size_t lo = 0, hi = sp->n; /* the kernel lists mappings in address order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (addr < sp->map[mid].start)
            hi = mid;
        else if (addr >= sp->map[mid].end)
            lo = mid + 1;
        else
            return &sp->map[mid];
    }
    return NULL;
}

bool trc_code_offset(const struct trc_space *sp, uint64_t addr, const struct trc_module **mod,
                     uint64_t *off)
{
    const struct trc_map *mp = trc_space_find(sp, addr);
    if (!mp || !(mp->prot & PROT_EXEC) || !mp->mod)
        return false;
    *mod = mp->mod;
    *off = (uint64_t)((int64_t)addr - mp->bias);
    return true;
}
