/*
 * trc_maps.h - what the tracer knows about a traced process's address space: its mappings
 * (/proc/PID/maps) and the program files behind them (modules), each keyed by its GNU
 * build-id so that a code address becomes "module + offset" that survives ASLR.
 */
#ifndef FG_TRC_MAPS_H
#define FG_TRC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A program file (executable or shared object) seen in some traced process. Modules are
 * shared by all processes of one run and live until trc_modules_free(). */
struct trc_module {
    dev_t dev;
    ino_t ino;
    char path[256];      /* as the traced process sees it */
    char key[96];        /* "name@buildid16": the module's identity in flows and profiles */
    bool trusted;        /* under a read-only system directory: its ELF may be parsed */
    /* Unwind tables, read from the file (trusted modules only). */
    const uint8_t *image; /* the whole file, mapped read-only */
    size_t image_len;
    bool have_ehframe;
    uint64_t ehhdr_vaddr; /* .eh_frame_hdr, link-time address */
    uint64_t fde_count;
    uint64_t table_off;   /* offset of the binary-search table inside .eh_frame_hdr */
    /* PT_LOAD segments, to turn link-time addresses into file offsets. */
    unsigned nload;
    struct { uint64_t vaddr, memsz, offset, filesz; } load[8];
};

struct trc_modules {
    struct trc_module **mod;
    size_t n, cap;
    /* Directories the traced program cannot write (read-only binds of the sandbox): only
     * files under them are parsed; NULL-terminated, borrowed. */
    const char *const *trusted;
};

/* One mapping of one address space. */
struct trc_map {
    uint64_t start, end, offset;
    unsigned prot;               /* PROT_READ | PROT_WRITE | PROT_EXEC */
    bool shared;
    bool anon;                   /* no file behind it ([heap], [stack], anonymous) */
    bool stack;                  /* [stack] or an anonymous rw mapping a thread may use */
    bool vdso;
    struct trc_module *mod;      /* the file's module, NULL for anonymous mappings */
    int64_t bias;                /* runtime address minus link-time address (file maps) */
};

struct trc_space {
    pid_t pid;                   /* the process whose maps these are */
    struct trc_map *map;
    size_t n, cap;
    bool dirty;                  /* re-read before the next lookup */
};

/* (Re)reads /proc/PID/maps; opens new modules through /proc/PID/root. 0 or FG_E*. */
int trc_space_load(struct trc_space *sp, struct trc_modules *mods, pid_t pid);
void trc_space_clear(struct trc_space *sp);

/* The mapping holding addr, or NULL. */
const struct trc_map *trc_space_find(const struct trc_space *sp, uint64_t addr);

/* Code address -> module-relative offset (link-time address); false when addr is not in a
 * file-backed executable mapping. */
bool trc_code_offset(const struct trc_space *sp, uint64_t addr, const struct trc_module **mod,
                     uint64_t *off);

/* Reads len bytes at link-time address vaddr of a trusted module's file; false if outside. */
bool trc_module_read(const struct trc_module *m, uint64_t vaddr, void *out, size_t len);

void trc_modules_free(struct trc_modules *mods);

#endif
