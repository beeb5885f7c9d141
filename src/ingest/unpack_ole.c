/*
 * unpack_ole.c - OLE2 compound files (.doc/.xls/.ppt/.msg, vbaProject.bin, oleObject*.bin)
 * through libgsf: every stream becomes a child named by its storage path, and the file
 * inside an OLE1 Package ("\x01Ole10Native" stream) a child of that stream.
 */
#define _GNU_SOURCE
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "ole_package.h"
#include "unpack.h"

static const char *const ole_types[] = {"ole2", "ole10native", NULL};

#define CHUNK 65536

/* ---- pre-flight: what libgsf will do with the directory, without recursion ----
 * libgsf reads the directory tree recursively (prev, next and child links), inserts each
 * entry into a sorted list of its siblings, and puts on its stack a bitmap the size of the
 * allocation table for every chain it follows.  A crafted 8 MB file with one long chain of
 * siblings overflows its stack; a wide storage costs quadratic time.  cfb_preflight()
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
static const char *cfb_preflight(const uint8_t *d, size_t n)
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

/* ---- the walk through libgsf ---- */

struct walk {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    char clsids[512];
    unsigned nclsid;
    int encrypted;
};

static const struct {
    const char *guid, *what;
} known_clsids[] = {
    {"0003000C-0000-0000-C000-000000000046", "Package"},
    {"F20DA720-C02F-11CE-927B-0800095AE340", "Packager"},
    {"0002CE02-0000-0000-C000-000000000046", "Equation Editor 3.0"},
    {"00020906-0000-0000-C000-000000000046", "Word 97-2003 document"},
    {"00020820-0000-0000-C000-000000000046", "Excel 97-2003 workbook"},
    {"64818D10-4F9B-11CF-86EA-00AA00B929E8", "PowerPoint 97-2003 presentation"},
};

/* Notes the class id of a storage (which application owns an embedded object), so that
 * e.g. an Equation Editor object shows in the findings. */
static void note_clsid(struct walk *w, GsfInput *storage, const char *path)
{
    guint8 id[16];
    static const guint8 zero[16];
    if (!GSF_IS_INFILE_MSOLE(storage) ||
        !gsf_infile_msole_get_class_id(GSF_INFILE_MSOLE(storage), id) || !memcmp(id, zero, 16))
        return;
    if (w->nclsid++ >= FG_CAP_OLE_CLSIDS)
        return;
    char g[40];
    snprintf(g, sizeof g, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
             id[3], id[2], id[1], id[0], id[5], id[4], id[7], id[6], id[8], id[9], id[10],
             id[11], id[12], id[13], id[14], id[15]);
    const char *what = NULL;
    for (size_t i = 0; i < sizeof known_clsids / sizeof known_clsids[0]; i++)
        if (!strcmp(g, known_clsids[i].guid))
            what = known_clsids[i].what;
    size_t used = strlen(w->clsids);
    snprintf(w->clsids + used, sizeof w->clsids - used, "%s%s {%s}%s%s%s", used ? "; " : "",
             *path ? path : "(root)", g, what ? " (" : "", what ? what : "", what ? ")" : "");
}

static char *join_path(const char *prefix, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s%s%s", prefix, *prefix ? "/" : "", name ? name : "") < 0)
        return NULL;
    return p;
}

/* Reads one stream into a capped buffer and emits it; a short read keeps what was read. */
static int emit_stream(struct walk *w, GsfInput *in, const char *path, const char *name)
{
    gsf_off_t size = gsf_input_size(in);
    uint64_t room = fg_child_room(w->ctx, w->obj);
    if (size == 0)
        return FG_OK; /* nothing to scan; empty streams are common and only add noise */
    if (size < 0 || (uint64_t)size >= room) {
        fg_limit_size_hit(w->ctx, w->obj, path);
        return FG_OK;
    }
    struct fg_buf b;
    fg_buf_init(&b, room);
    int rc = FG_OK, short_read = 0;
    uint8_t *chunk = malloc(CHUNK);
    if (!chunk)
        return FG_ENOMEM;
    while (gsf_input_remaining(in) > 0) {
        size_t n = gsf_input_remaining(in) < CHUNK ? (size_t)gsf_input_remaining(in) : CHUNK;
        if (!gsf_input_read(in, n, chunk)) {
            short_read = 1;
            break;
        }
        if ((rc = fg_buf_append(&b, chunk, n)))
            break;
        if (fg_ctx_expired(w->ctx)) {
            rc = FG_ETIMEOUT;
            break;
        }
    }
    free(chunk);
    if (rc == FG_OK) {
        if (short_read)
            fg_finding_add(w->ctx, w->obj, "malformed.member", FG_SEV_LOW, 1, path,
                           "stream ends after %zu of %lld bytes", b.len, (long long)size);
        /* The Ole10Native layout is not known from content alone: say what it is. */
        int native = !strcmp(name, "\001Ole10Native");
        rc = fg_emit_child(w->ctx, w->obj, path, b.p, b.len, native ? "ole10native" : NULL,
                           native ? FG_CHILD_TYPE_HINT : 0);
    } else if (rc == FG_ELIMIT) {
        fg_limit_size_hit(w->ctx, w->obj, path);
        rc = FG_OK;
    }
    fg_buf_free(&b);
    return rc;
}

static int walk_storage(struct walk *w, GsfInfile *dir, const char *prefix, unsigned depth);

static int walk_child(struct walk *w, GsfInfile *dir, int i, const char *prefix,
                      unsigned depth)
{
    const char *name = gsf_infile_name_by_index(dir, i);
    char *path = join_path(prefix, name);
    if (!path)
        return FG_ENOMEM;
    int rc = FG_OK;
    GsfInput *child = gsf_infile_child_by_index(dir, i);
    if (!child) {
        fg_finding_add(w->ctx, w->obj, "malformed.member", FG_SEV_LOW, 1, path,
                       "stream could not be opened (broken block chain)");
    } else if (GSF_IS_INFILE(child) && gsf_infile_num_children(GSF_INFILE(child)) >= 0) {
        note_clsid(w, child, path);
        if (depth + 1 >= FG_CAP_OLE_DEPTH)
            fg_finding_add(w->ctx, w->obj, "malformed.member", FG_SEV_LOW, 1, path,
                           "storages nested more than %d deep", FG_CAP_OLE_DEPTH);
        else
            rc = walk_storage(w, GSF_INFILE(child), path, depth + 1);
    } else {
        if (depth == 0 && name && !strcmp(name, "EncryptedPackage"))
            w->encrypted = 1;
        rc = emit_stream(w, child, path, name ? name : "");
    }
    if (child)
        g_object_unref(child);
    free(path);
    return rc;
}

static int walk_storage(struct walk *w, GsfInfile *dir, const char *prefix, unsigned depth)
{
    int n = gsf_infile_num_children(dir);
    for (int i = 0; i < n; i++) {
        if (fg_ctx_expired(w->ctx))
            return FG_ETIMEOUT;
        int rc = walk_child(w, dir, i, prefix, depth);
        if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
            return rc;
    }
    return FG_OK;
}

static int unpack_ole2(struct fg_ctx *ctx, struct fg_obj *obj)
{
    const char *why = cfb_preflight(obj->data, obj->len);
    if (why) {
        fg_ctx_set_error(ctx, "OLE2 file refused before parsing: %s", why);
        return FG_EFORMAT;
    }
    GsfInput *mem = gsf_input_memory_new(obj->data, (gsf_off_t)obj->len, FALSE);
    if (!mem)
        return FG_ENOMEM;
    GError *err = NULL;
    GsfInfile *ole = gsf_infile_msole_new(mem, &err);
    g_object_unref(mem);
    if (!ole) {
        fg_ctx_set_error(ctx, "not a readable OLE2 file: %s", err ? err->message : "?");
        if (err)
            g_error_free(err);
        return FG_EFORMAT;
    }
    struct walk w = {.ctx = ctx, .obj = obj};
    note_clsid(&w, GSF_INPUT(ole), "");
    int rc = walk_storage(&w, ole, "", 0);
    g_object_unref(ole);
    if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
        return rc;
    if (w.nclsid)
        fg_finding_add(ctx, obj, "ole2.clsid", FG_SEV_INFO, 0, w.clsids,
                       "%u storage(s) name the application that owns them", w.nclsid);
    if (w.encrypted)
        /* ECMA-376 encryption: the real document is the EncryptedPackage stream, which
         * flowgate cannot decrypt, so its content was not examined. */
        fg_finding_add(ctx, obj, "encrypted.office", FG_SEV_LOW, 1, "EncryptedPackage",
                       "encrypted Office document; its content could not be examined");
    return FG_OK;
}

/* ---- Ole10Native (OLE1 Package) ---- */

/*
 * The stream is a u32 size of the rest, then the OLE1 object's native data.  For a Package
 * (u16 flags 2) that is the Packager layout, parsed in ole_package.c.  Other OLE1 objects (a
 * Paintbrush picture ...) keep raw data there and are left alone: the stream itself has been
 * scanned as a whole.
 */
static int unpack_ole10native(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct fg_view v = {obj->data, obj->len};
    uint16_t flags;
    if (fg_view_u16le(&v, 4, &flags)) {
        fg_finding_add(ctx, obj, "malformed.member", FG_SEV_LOW, 1, obj->name,
                       "Ole10Native header is truncated");
        return FG_OK;
    }
    if (flags != 2)
        return FG_OK;
    int rc = fg_ole_package_emit(ctx, obj, obj->data + 4, obj->len - 4);
    if (rc == -1) {
        fg_finding_add(ctx, obj, "malformed.member", FG_SEV_LOW, 1, obj->name,
                       "Ole10Native package layout does not parse");
        return FG_OK;
    }
    return rc;
}

static int unpack(struct fg_ctx *ctx, struct fg_obj *obj)
{
    if (!strcmp(obj->type, "ole10native"))
        return unpack_ole10native(ctx, obj);
    return unpack_ole2(ctx, obj);
}

const struct fg_unpacker fg_unpack_ole = {
    .name = "ole2",
    .types = ole_types,
    .unpack = unpack,
};
