/*
 * ole_check.c - a non-recursive check of an OLE2 compound file's directory, run before libgsf
 * opens it (shared by unpack_ole.c and unpack_vba.c, which both hand the file to libgsf).
 */
#include "ole_check.h"

#include <stdlib.h>

#include "../core/buf.h"
#include "../core/limits.h"

/* What libgsf will do with the directory, without recursion:
 * libgsf reads the directory tree recursively (prev, next and child links), inserts each
 * entry into a sorted list of its siblings, and puts on its stack a bitmap the size of the
 * allocation table for every chain it follows.  A crafted 8 MB file with one long chain of
 * siblings overflows its stack; a wide storage costs quadratic time.  fg_ole_preflight()
 * walks the same structures iteratively and refuses such files before libgsf sees them. */

struct cfb {
    struct fg_view v;
    unsigned shift;
    size_t ssz;         /* sector size */
    uint64_t nsect;     /* sectors the file holds */
    uint32_t *fat;      /* sector ids of the FAT sectors (from the DIFAT) */
    uint32_t nfat;
    uint64_t nblocks;   /* FAT entries: the domain of every chain */
};

static const uint8_t *cfb_sector(const struct cfb *c, uint32_t s)
{
    if (s >= c->nsect)
        return NULL;
    size_t hdr = c->ssz > 512 ? c->ssz : 512; /* the header sector is padded to ssz */
    return fg_view_at(&c->v, hdr + (size_t)s * c->ssz, c->ssz);
}

#define CHAIN_END 0xFFFFFFFEu

static uint32_t cfb_next(const struct cfb *c, uint32_t s)
{
    size_t per = c->ssz / 4;
    if (s / per >= c->nfat)
        return CHAIN_END;
    const uint8_t *p = cfb_sector(c, c->fat[s / per]);
    if (!p)
        return CHAIN_END;
    p += (s % per) * 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads the header and the DIFAT; 0 or a reason. */
static const char *cfb_open(struct cfb *c, const uint8_t *d, size_t n)
{
    c->v = (struct fg_view){d, n};
    uint16_t shift;
    uint32_t nfat, difat, ndifat;
    if (fg_view_u16le(&c->v, 0x1E, &shift) || fg_view_u32le(&c->v, 0x2C, &nfat) ||
        fg_view_u32le(&c->v, 0x44, &difat) || fg_view_u32le(&c->v, 0x48, &ndifat) || n < 512)
        return "header is truncated";
    if (shift < 7 || shift > 16)
        return "unusual sector size";
    c->shift = shift;
    c->ssz = (size_t)1 << shift;
    c->nsect = (n - 512 + c->ssz - 1) / c->ssz;
    if (nfat > c->nsect)
        return "more FAT sectors than the file holds";
    c->nblocks = (uint64_t)nfat * (c->ssz / 4);
    if (c->nblocks / 8 + 1 > FG_CAP_OLE_BAT_BITMAP)
        return "allocation table too large";
    c->fat = malloc(((size_t)nfat + 1) * sizeof *c->fat);
    if (!c->fat)
        return "out of memory";
    uint32_t k = 0;
    for (; k < nfat && k < 109; k++)
        fg_view_u32le(&c->v, 0x4C + 4 * k, &c->fat[k]);
    size_t per = c->ssz / 4 - 1; /* the last slot of a DIFAT sector links to the next */
    while (k < nfat && ndifat-- > 0) {
        const uint8_t *p = cfb_sector(c, difat);
        if (!p)
            return "DIFAT chain leaves the file";
        struct fg_view sv = {p, c->ssz};
        for (size_t j = 0; j < per && k < nfat; j++)
            fg_view_u32le(&sv, 4 * j, &c->fat[k++]);
        fg_view_u32le(&sv, 4 * per, &difat);
    }
    c->nfat = k;
    return k < nfat ? "DIFAT lists fewer FAT sectors than the header" : NULL;
}

/* Follows a chain as libgsf's ole_make_bat() does (stops at a cycle); its sectors go to
 * *out (malloc'ed) if out is not NULL.  Returns the length, or -1 when out of memory. */
static long cfb_chain(const struct cfb *c, uint32_t s, uint32_t **out)
{
    uint8_t *seen = calloc(c->nblocks / 8 + 1, 1);
    uint32_t *v = NULL;
    size_t len = 0, cap = 0;
    if (!seen)
        return -1;
    while (s < c->nblocks && !(seen[s / 8] & (1u << (s % 8)))) {
        seen[s / 8] |= (uint8_t)(1u << (s % 8));
        if (out && len == cap) {
            cap = cap ? cap * 2 : 64;
            uint32_t *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                free(v);
                free(seen);
                return -1;
            }
            v = nv;
        }
        if (out)
            v[len] = s;
        len++;
        s = cfb_next(c, s);
    }
    free(seen);
    if (out)
        *out = v;
    return (long)len;
}

struct dfs_item {
    uint32_t entry, parent, depth;
};

/* Replays libgsf's ole_dirent_new() (prev, next, then child; each entry once) with an
 * explicit stack: returns 0, or a reason when its recursion or sorting would be too much. */
static const char *cfb_dir_walk(const struct cfb *c, const uint32_t *dir, size_t ndir)
{
    size_t nent = ndir * c->ssz / 128 + 1;
    uint8_t *seen = calloc(nent, 1);
    uint32_t *kids = calloc(nent, sizeof *kids);
    size_t cap = 64, sp = 0;
    struct dfs_item *st = malloc(cap * sizeof *st);
    const char *why = (!seen || !kids || !st) ? "out of memory" : NULL;
    uint64_t cost = 0;
    if (st)
        st[sp++] = (struct dfs_item){0, UINT32_MAX, 1};
    while (!why && sp > 0) {
        struct dfs_item it = st[--sp];
        size_t blk = ((size_t)it.entry * 128) >> c->shift;
        if (it.entry >= nent || blk >= ndir || seen[it.entry])
            continue;
        seen[it.entry] = 1;
        const uint8_t *sec = cfb_sector(c, dir[blk]);
        if (!sec)
            continue;
        const uint8_t *e = sec + ((size_t)it.entry * 128) % c->ssz;
        struct fg_view ev = {e, 128};
        uint8_t type = e[0x42];
        uint32_t prev, next, child;
        if (it.parent == UINT32_MAX)
            type = 5; /* libgsf treats entry 0 as the root whatever it says */
        if (type != 1 && type != 2 && type != 5)
            continue;
        if (it.depth > FG_CAP_OLE_DIR_RECURSION) {
            why = "directory tree too deep";
            break;
        }
        if (it.parent != UINT32_MAX)
            cost += kids[it.parent]++; /* g_list_insert_sorted() walks the siblings */
        if (cost > FG_CAP_OLE_SORT_COST) {
            why = "too many entries in one storage";
            break;
        }
        fg_view_u32le(&ev, 0x44, &prev);
        fg_view_u32le(&ev, 0x48, &next);
        fg_view_u32le(&ev, 0x4C, &child);
        if (sp + 3 > cap) {
            struct dfs_item *ns = realloc(st, (cap *= 2) * sizeof *st);
            if (!ns) {
                why = "out of memory";
                break;
            }
            st = ns;
        }
        /* Pushed in reverse so that prev's subtree is walked first, as libgsf does. */
        if (type != 2)
            st[sp++] = (struct dfs_item){child, it.entry, it.depth + 1};
        st[sp++] = (struct dfs_item){next, it.parent, it.depth + 1};
        st[sp++] = (struct dfs_item){prev, it.parent, it.depth + 1};
    }
    free(seen);
    free(kids);
    free(st);
    return why;
}

/* 0 if libgsf may open the file; otherwise why not. */
const char *fg_ole_preflight(const uint8_t *d, size_t n)
{
    struct cfb c = {0};
    uint32_t dirstart, minifat, *dir = NULL;
    const char *why = cfb_open(&c, d, n);
    if (!why && (fg_view_u32le(&c.v, 0x30, &dirstart) || fg_view_u32le(&c.v, 0x3C, &minifat)))
        why = "header is truncated";
    if (!why) {
        /* ole_make_bat() for small-block streams puts a mini-FAT-sized bitmap on the stack. */
        long nmini = cfb_chain(&c, minifat, NULL);
        if (nmini < 0)
            why = "out of memory";
        else if ((uint64_t)nmini * (c.ssz / 4) / 8 + 1 > FG_CAP_OLE_BAT_BITMAP)
            why = "mini allocation table too large";
    }
    if (!why) {
        long ndir = cfb_chain(&c, dirstart, &dir);
        if (ndir < 0)
            why = "out of memory";
        else if (ndir == 0)
            why = "no directory";
        else
            why = cfb_dir_walk(&c, dir, (size_t)ndir);
    }
    free(dir);
    free(c.fat);
    return why;
}
