/*
 * analyze_pe.c - facts of a Windows PE file for `flowgate analyze`: machine, kind, sections
 * with their entropy, overlay, imports and their imphash, presence of a signature.
 *
 * Read by hand through a bounds-checked view: every header field is hostile, every RVA is
 * mapped through the section table and every walk is capped (analyze.h).  libyara's pe module
 * parses the same file for the capability rules; its parse is not reachable from C (libyara
 * exports no object accessors), hence this reader.
 */
#define _GNU_SOURCE
#include "analyze.h"
#include "digest.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

#define PE_SCN_CNT_CODE 0x00000020u
#define PE_SCN_MEM_EXECUTE 0x20000000u
#define PE_SCN_MEM_READ 0x40000000u
#define PE_SCN_MEM_WRITE 0x80000000u
#define PE_DIR_IMPORT 1
#define PE_DIR_SECURITY 4

struct pe_sect {
    uint32_t va, vsize, raw_off, raw_size;
};

struct pe {
    struct fg_view v;
    int plus; /* PE32+ */
    struct pe_sect *sect;
    unsigned nsect;
    uint32_t size_of_headers;
    uint32_t dir_rva[16], dir_size[16];
    unsigned ndirs;
    EVP_MD_CTX *md; /* imphash */
    int md_first;
};

static int pe_bid(const uint8_t *p, size_t n)
{
    if (n < 0x40 || p[0] != 'M' || p[1] != 'Z')
        return 0;
    uint32_t off = (uint32_t)p[0x3c] | (uint32_t)p[0x3d] << 8 | (uint32_t)p[0x3e] << 16 |
                   (uint32_t)p[0x3f] << 24;
    return off <= n - 4 && !memcmp(p + off, "PE\0\0", 4);
}

static const char *machine_name(uint16_t m)
{
    switch (m) {
    case 0x014c: return "i386";
    case 0x8664: return "x86-64";
    case 0xaa64: return "aarch64";
    case 0x01c0: return "arm";
    case 0x01c4: return "armv7";
    case 0x0200: return "ia64";
    default: return "other";
    }
}

static const char *subsystem_name(uint16_t s)
{
    switch (s) {
    case 1: return "native";
    case 2: return "gui";
    case 3: return "console";
    case 5: return "os2-console";
    case 7: return "posix-console";
    case 9: return "windows-ce";
    case 10: return "efi-application";
    case 11: return "efi-boot-driver";
    case 12: return "efi-runtime-driver";
    case 13: return "efi-rom";
    case 14: return "xbox";
    case 16: return "boot-application";
    default: return "other";
    }
}

/* File offset of an RVA, or -1 if no section (nor the headers) holds it in the file. */
static long long rva_to_off(const struct pe *pe, uint32_t rva)
{
    if (rva < pe->size_of_headers)
        return rva < pe->v.len ? (long long)rva : -1;
    for (unsigned i = 0; i < pe->nsect; i++) {
        const struct pe_sect *s = &pe->sect[i];
        uint32_t span = s->vsize > s->raw_size ? s->vsize : s->raw_size;
        if (rva >= s->va && rva - s->va < span && rva - s->va < s->raw_size) {
            uint64_t off = (uint64_t)s->raw_off + (rva - s->va);
            return off < pe->v.len ? (long long)off : -1;
        }
    }
    return -1;
}

/* A NUL-terminated name at an RVA, at most FG_CAP_AN_NAME bytes; its length, or -1. */
static long name_at(const struct pe *pe, uint32_t rva, const char **out)
{
    long long off = rva_to_off(pe, rva);
    if (off < 0)
        return -1;
    const uint8_t *p = pe->v.p + off;
    size_t room = pe->v.len - (size_t)off, n = 0;
    if (room > FG_CAP_AN_NAME)
        room = FG_CAP_AN_NAME;
    while (n < room && p[n])
        n++;
    if (n == 0 || n == room)
        return -1;
    *out = (const char *)p;
    return (long)n;
}

/* Feeds one import to the imphash: "dll.function" in lower case, joined by commas, where
 * the DLL name loses a .dll/.ocx/.sys extension and an ordinal import is "ord<N>". */
static void imphash_add(struct pe *pe, const char *dll, size_t dlen, const char *fn, size_t flen,
                        unsigned ordinal)
{
    char buf[2 * FG_CAP_AN_NAME + 32];
    size_t n = 0;
    if (dlen > 4 && (!strncasecmp(dll + dlen - 4, ".dll", 4) ||
                     !strncasecmp(dll + dlen - 4, ".ocx", 4) ||
                     !strncasecmp(dll + dlen - 4, ".sys", 4)))
        dlen -= 4;
    if (!pe->md_first)
        buf[n++] = ',';
    for (size_t i = 0; i < dlen && n < sizeof buf - 1; i++)
        buf[n++] = (char)tolower((unsigned char)dll[i]);
    buf[n++] = '.';
    if (fn) {
        for (size_t i = 0; i < flen && n < sizeof buf - 1; i++)
            buf[n++] = (char)tolower((unsigned char)fn[i]);
    } else {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "ord%u", ordinal);
    }
    if (pe->md)
        EVP_DigestUpdate(pe->md, buf, n);
    pe->md_first = 0;
}

/* One DLL's thunk array; returns FG_EFORMAT when it runs off the file. */
static int read_thunks(struct fg_analysis *a, struct pe *pe, const char *dll, size_t dlen,
                       uint32_t rva, size_t *walked)
{
    size_t esz = pe->plus ? 8 : 4;
    long long off = rva_to_off(pe, rva);
    if (off < 0)
        return FG_EFORMAT;
    for (size_t i = 0;; i++) {
        if (++*walked > FG_CAP_AN_WALK) {
            an_warn(a, "more than %u import entries; the rest were not read", FG_CAP_AN_WALK);
            return FG_OK;
        }
        uint64_t t;
        if (pe->plus) {
            if (fg_view_u64le(&pe->v, (size_t)off + i * esz, &t))
                return FG_EFORMAT;
        } else {
            uint32_t t32;
            if (fg_view_u32le(&pe->v, (size_t)off + i * esz, &t32))
                return FG_EFORMAT;
            t = t32;
        }
        if (!t)
            return FG_OK;
        uint64_t ordflag = pe->plus ? 1ULL << 63 : 1ULL << 31;
        char item[2 * FG_CAP_AN_NAME + 16];
        int n;
        if (t & ordflag) {
            unsigned ord = (unsigned)(t & 0xffff);
            imphash_add(pe, dll, dlen, NULL, 0, ord);
            n = snprintf(item, sizeof item, "%.*s!#%u", (int)dlen, dll, ord);
        } else {
            const char *fn;
            long fl = name_at(pe, (uint32_t)(t & 0x7fffffff) + 2, &fn); /* after the hint */
            if (fl < 0)
                return FG_EFORMAT;
            imphash_add(pe, dll, dlen, fn, (size_t)fl, 0);
            n = snprintf(item, sizeof item, "%.*s!%.*s", (int)dlen, dll, (int)fl, fn);
        }
        if (n > 0 && an_strlist_add(a, &a->imports, item, strlen(item)))
            return FG_ENOMEM;
    }
}

static int read_imports(struct fg_analysis *a, struct pe *pe)
{
    if (pe->ndirs <= PE_DIR_IMPORT || !pe->dir_rva[PE_DIR_IMPORT])
        return FG_OK;
    long long off = rva_to_off(pe, pe->dir_rva[PE_DIR_IMPORT]);
    if (off < 0) {
        an_warn(a, "PE import directory at RVA 0x%x is outside the file", pe->dir_rva[PE_DIR_IMPORT]);
        return FG_EFORMAT;
    }
    size_t walked = 0;
    for (size_t d = 0; d < FG_CAP_AN_LIBRARIES * 4; d++) {
        const uint8_t *desc = fg_view_at(&pe->v, (size_t)off + d * 20, 20);
        if (!desc) {
            an_warn(a, "PE import directory runs past the end of the file");
            return FG_EFORMAT;
        }
        uint32_t ilt, name, iat;
        fg_view_u32le(&pe->v, (size_t)off + d * 20, &ilt);
        fg_view_u32le(&pe->v, (size_t)off + d * 20 + 12, &name);
        fg_view_u32le(&pe->v, (size_t)off + d * 20 + 16, &iat);
        if (!name && !ilt && !iat)
            return FG_OK;
        const char *dll;
        long dl = name_at(pe, name, &dll);
        if (dl < 0) {
            an_warn(a, "PE import descriptor %zu has no readable DLL name", d);
            return FG_EFORMAT;
        }
        if (an_strlist_add(a, &a->libraries, dll, (size_t)dl))
            return FG_ENOMEM;
        int rc = read_thunks(a, pe, dll, (size_t)dl, ilt ? ilt : iat, &walked);
        if (rc == FG_EFORMAT)
            an_warn(a, "PE imports of %.*s run outside the file", (int)dl, dll);
        if (rc)
            return rc;
        if (walked > FG_CAP_AN_WALK)
            return FG_OK;
    }
    an_warn(a, "more than %u imported DLLs; the rest were not read", FG_CAP_AN_LIBRARIES * 4);
    return FG_OK;
}

/* Sections, and the overlay: bytes after the end of the last section's raw data that are not
 * the certificate table (which the format places at the end of the file). */
static int read_sections(struct fg_analysis *a, struct pe *pe, size_t sh_off, unsigned nsect)
{
    uint64_t end = pe->size_of_headers;
    for (unsigned i = 0; i < nsect; i++) {
        size_t o = sh_off + (size_t)i * 40;
        const uint8_t *h = fg_view_at(&pe->v, o, 40);
        if (!h) {
            an_warn(a, "PE section table is cut short after %u of %u sections", i, nsect);
            return FG_EFORMAT;
        }
        struct pe_sect *s = &pe->sect[pe->nsect++];
        uint32_t flags;
        fg_view_u32le(&pe->v, o + 8, &s->vsize);
        fg_view_u32le(&pe->v, o + 12, &s->va);
        fg_view_u32le(&pe->v, o + 16, &s->raw_size);
        fg_view_u32le(&pe->v, o + 20, &s->raw_off);
        fg_view_u32le(&pe->v, o + 36, &flags);
        if (s->raw_size && (uint64_t)s->raw_off + s->raw_size > end)
            end = (uint64_t)s->raw_off + s->raw_size;
        int x = (flags & (PE_SCN_MEM_EXECUTE | PE_SCN_CNT_CODE)) != 0;
        if (an_section_add(a, (const char *)h, 8, s->raw_off, s->raw_size, s->va, s->vsize,
                           (flags & PE_SCN_MEM_READ) != 0, (flags & PE_SCN_MEM_WRITE) != 0, x,
                           pe->v.p, pe->v.len))
            return FG_ENOMEM;
    }
    uint64_t file_end = pe->v.len;
    if (pe->ndirs > PE_DIR_SECURITY && pe->dir_size[PE_DIR_SECURITY]) {
        uint64_t co = pe->dir_rva[PE_DIR_SECURITY], cs = pe->dir_size[PE_DIR_SECURITY];
        if (co >= end && co + cs <= file_end && co + cs + 8 > file_end)
            file_end = co; /* the certificate table ends the file (up to padding) */
    }
    if (end < file_end) {
        a->info.overlay_offset = end;
        a->info.overlay_size = file_end - end;
        a->info.overlay_entropy = an_entropy(pe->v.p + end, (size_t)(file_end - end));
    }
    return FG_OK;
}

static int read_headers(struct fg_analysis *a, struct pe *pe, size_t *sh_off, unsigned *nsect)
{
    uint32_t lfanew, ts, entry = 0;
    uint16_t machine, ns, optsize, chars, magic = 0, subsys = 0;
    fg_view_u32le(&pe->v, 0x3c, &lfanew);
    size_t coff = (size_t)lfanew + 4;
    if (fg_view_u16le(&pe->v, coff, &machine) || fg_view_u16le(&pe->v, coff + 2, &ns) ||
        fg_view_u32le(&pe->v, coff + 4, &ts) || fg_view_u16le(&pe->v, coff + 16, &optsize) ||
        fg_view_u16le(&pe->v, coff + 18, &chars)) {
        an_warn(a, "PE file header is cut short");
        return FG_EFORMAT;
    }
    a->info.arch = machine_name(machine);
    a->info.timestamp = ts;
    a->info.kind = (chars & 0x2000) ? "dll" : (chars & 0x0002) ? "executable" : "object";
    size_t opt = coff + 20;
    *sh_off = opt + optsize;
    *nsect = ns;
    if (optsize < 2 || fg_view_u16le(&pe->v, opt, &magic) || (magic != 0x10b && magic != 0x20b)) {
        an_warn(a, "PE optional header missing or of unknown kind (magic 0x%x)", magic);
        return FG_EFORMAT;
    }
    pe->plus = magic == 0x20b;
    a->info.bits = pe->plus ? 64 : 32;
    uint32_t ndirs = 0;
    size_t dirs = opt + (pe->plus ? 112 : 96);
    if (fg_view_u32le(&pe->v, opt + 16, &entry) || fg_view_u16le(&pe->v, opt + 68, &subsys) ||
        fg_view_u32le(&pe->v, opt + 60, &pe->size_of_headers) ||
        fg_view_u32le(&pe->v, dirs - 4, &ndirs)) {
        an_warn(a, "PE optional header is cut short");
        return FG_EFORMAT;
    }
    a->info.entry = entry;
    a->info.subsystem = subsystem_name(subsys);
    pe->ndirs = ndirs > 16 ? 16 : ndirs;
    /* Directories that would lie past the optional header's declared size do not exist. */
    while (pe->ndirs && dirs + 8 * pe->ndirs > *sh_off)
        pe->ndirs--;
    for (unsigned i = 0; i < pe->ndirs; i++)
        if (fg_view_u32le(&pe->v, dirs + 8 * i, &pe->dir_rva[i]) ||
            fg_view_u32le(&pe->v, dirs + 8 * i + 4, &pe->dir_size[i]))
            pe->ndirs = i;
    return FG_OK;
}

static int pe_read(struct fg_analysis *a, const uint8_t *p, size_t n)
{
    struct pe pe = {.v = {p, n}, .md_first = 1};
    struct pe_sect sect[FG_CAP_AN_SECTIONS];
    size_t sh_off = 0;
    unsigned nsect = 0;
    pe.sect = sect;
    int rc = read_headers(a, &pe, &sh_off, &nsect);
    if (rc)
        return rc;
    if (pe.ndirs > PE_DIR_SECURITY && pe.dir_size[PE_DIR_SECURITY] &&
        (uint64_t)pe.dir_rva[PE_DIR_SECURITY] + pe.dir_size[PE_DIR_SECURITY] <= n)
        a->info.signature = 1;
    if (nsect > FG_CAP_AN_SECTIONS) {
        an_warn(a, "PE header claims %u sections; the first %u were read", nsect,
                FG_CAP_AN_SECTIONS);
        nsect = FG_CAP_AN_SECTIONS;
    }
    rc = read_sections(a, &pe, sh_off, nsect);
    if (rc == FG_ENOMEM)
        return rc;
    pe.md = EVP_MD_CTX_new();
    if (!pe.md || !EVP_DigestInit_ex(pe.md, EVP_md5(), NULL)) {
        EVP_MD_CTX_free(pe.md);
        return FG_ENOMEM;
    }
    int irc = read_imports(a, &pe);
    if (!pe.md_first && irc == FG_OK) {
        uint8_t h[16];
        unsigned hl = 0;
        EVP_DigestFinal_ex(pe.md, h, &hl);
        fg_hex(h, hl < 16 ? hl : 16, a->imphash);
    }
    EVP_MD_CTX_free(pe.md);
    return irc ? irc : rc;
}

const struct an_format an_format_pe = {
    .name = "pe",
    .bid = pe_bid,
    .read = pe_read,
};
