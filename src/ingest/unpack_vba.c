/*
 * unpack_vba.c - VBA macro source out of OLE2 files (.doc/.xls/.ppt, vbaProject.bin): reads
 * each project's "dir" stream, decompresses every module (MS-OVBA compression, decoded here)
 * and emits its source as a "vba" child; in a .ppt it first digs the project's storage (and
 * the embedded objects' storages) out of the "PowerPoint Document" stream.  Owns nothing
 * past the call.
 */
#define _GNU_SOURCE
#include "unpack_vba.h"

#include <errno.h>
#include <stdarg.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "ole_check.h"
#include "unpack.h"

static const char *const vba_types[] = {"ole2", NULL};


/* ---- MS-OVBA decompression (MS-OVBA 2.4.1) ----
 * A container is the byte 0x01 and a run of chunks.  Each chunk has a u16 header: bits 0-11
 * hold the chunk's size minus 3, bits 12-14 the constant 0b011, bit 15 says whether the data
 * is compressed.  A raw chunk carries 4096 literal bytes.  A compressed one is a run of token
 * groups: a flag byte, then eight tokens, bit i of the flag telling whether token i is one
 * literal byte (0) or a two-byte copy token (1).  A copy token refers back into the current
 * chunk's output only; how its 16 bits divide between length and distance depends on how
 * much of the chunk has been produced, because the distance never needs more bits than that.
 */

#define VBA_CHUNK 4096

/* Bits of a copy token that hold the distance, given 'done' bytes of the chunk so far:
 * the fewest that can express 'done', but at least 4 and at most 12. */
static unsigned copy_distance_bits(size_t done)
{
    unsigned bits = 4;
    while (bits < 12 && ((size_t)1 << bits) < done)
        bits++;
    return bits;
}

/* One compressed chunk's data [p, end); its output starts at out->len. */
static int decompress_chunk(const uint8_t *p, const uint8_t *end, struct fg_buf *out,
                            const char **why)
{
    size_t start = out->len;
    while (p < end) {
        uint8_t flags = *p++;
        for (unsigned bit = 0; bit < 8 && p < end; bit++) {
            size_t done = out->len - start;
            int rc;
            if (!(flags & (1u << bit))) {
                if (done >= VBA_CHUNK) {
                    *why = "a chunk decompresses to more than 4096 bytes";
                    return FG_EFORMAT;
                }
                if ((rc = fg_buf_putc(out, *p++)))
                    return rc;
                continue;
            }
            if (end - p < 2) {
                *why = "a copy token is cut off";
                return FG_EFORMAT;
            }
            unsigned tok = (unsigned)p[0] | (unsigned)p[1] << 8;
            p += 2;
            unsigned bits = copy_distance_bits(done);
            size_t length = (tok & (0xFFFFu >> bits)) + 3;
            size_t dist = (tok >> (16 - bits)) + 1;
            if (dist > done) {
                *why = "a copy token points before the start of its chunk";
                return FG_EFORMAT;
            }
            if (done + length > VBA_CHUNK) {
                *why = "a chunk decompresses to more than 4096 bytes";
                return FG_EFORMAT;
            }
            /* Byte by byte: source and destination overlap when dist < length (a run). */
            for (size_t i = 0; i < length; i++)
                if ((rc = fg_buf_putc(out, out->p[out->len - dist])))
                    return rc;
        }
    }
    return FG_OK;
}

int fg_vba_decompress(const uint8_t *in, size_t len, struct fg_buf *out, const char **why)
{
    static const char *unused;
    if (!why)
        why = &unused;
    if (len < 1 || in[0] != 0x01) {
        *why = "the compressed container does not start with 0x01";
        return FG_EFORMAT;
    }
    size_t pos = 1;
    while (pos < len) {
        if (len - pos < 2) {
            *why = "a chunk header is cut off";
            return FG_EFORMAT;
        }
        unsigned hdr = (unsigned)in[pos] | (unsigned)in[pos + 1] << 8;
        if (((hdr >> 12) & 7) != 3) {
            *why = "a chunk header has a wrong signature";
            return FG_EFORMAT;
        }
        size_t data = pos + 2, end = pos + (hdr & 0xFFF) + 3;
        int truncated = end > len;
        if (truncated)
            end = len;
        int rc;
        if (!(hdr & 0x8000)) {
            /* A raw chunk always holds 4096 bytes, whatever its size field says. */
            size_t avail = len - data < VBA_CHUNK ? len - data : VBA_CHUNK;
            if ((rc = fg_buf_append(out, in + data, avail)))
                return rc;
            truncated = avail < VBA_CHUNK;
            end = data + avail;
        } else if ((rc = decompress_chunk(in + data, in + end, out, why))) {
            return rc;
        }
        if (truncated) {
            *why = "the last chunk is cut off";
            return FG_EFORMAT;
        }
        pos = end;
    }
    return FG_OK;
}

/* ---- text in the project's code page ---- */

/* iconv's name for a Windows code page number; (iconv_t)-1 when it has none. */
static iconv_t open_codepage(unsigned cp)
{
    char name[24];
    if (cp == 65001)
        snprintf(name, sizeof name, "UTF-8");
    else if (cp == 1200)
        snprintf(name, sizeof name, "UTF-16LE");
    else if (cp == 10000)
        snprintf(name, sizeof name, "MACINTOSH");
    else if (cp == 20127)
        snprintf(name, sizeof name, "ASCII");
    else
        snprintf(name, sizeof name, "CP%u", cp);
    return iconv_open("UTF-8", name);
}

/* Converts to UTF-8; a byte sequence the code page does not define becomes U+FFFD, and
 * 'unit' bytes are skipped (1 for byte code pages, 2 for UTF-16). */
static int to_utf8(iconv_t cd, const uint8_t *in, size_t n, size_t unit, struct fg_buf *out)
{
    char tmp[4096];
    char *ip = (char *)in;
    size_t il = n;
    iconv(cd, NULL, NULL, NULL, NULL);
    while (il > 0) {
        char *op = tmp;
        size_t ol = sizeof tmp;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        int err = r == (size_t)-1 ? errno : 0;
        int rc = fg_buf_append(out, tmp, sizeof tmp - ol);
        if (rc)
            return rc;
        if (err && err != E2BIG) {
            size_t skip = unit < il ? unit : il;
            ip += skip;
            il -= skip;
            if ((rc = fg_buf_append(out, "\xEF\xBF\xBD", 3)))
                return rc;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    char *op = tmp;
    size_t ol = sizeof tmp;
    iconv(cd, NULL, NULL, &op, &ol); /* a stateful code page's closing shift */
    return fg_buf_append(out, tmp, sizeof tmp - ol);
}

/* A name from the dir stream as a malloc'ed UTF-8 string: the UTF-16 form if there is one,
 * else the code-page form, else the bytes as they are (fg_emit_child() escapes them). */
static char *dir_name(iconv_t u16, iconv_t cp, const uint8_t *uni, size_t ulen,
                      const uint8_t *mb, size_t mlen)
{
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    int rc = -1;
    if (uni && ulen && u16 != (iconv_t)-1)
        rc = to_utf8(u16, uni, ulen & ~(size_t)1, 2, &b);
    if (rc && mb && mlen) {
        b.len = 0;
        rc = cp != (iconv_t)-1 ? to_utf8(cp, mb, mlen, 1, &b) : fg_buf_append(&b, mb, mlen);
    }
    if (rc == FG_OK && b.len && fg_buf_putc(&b, 0) == FG_OK)
        return (char *)b.p;
    fg_buf_free(&b);
    return NULL;
}

/* ---- the dir stream (MS-OVBA 2.3.4.2) ----
 * A sequence of records: u16 id, u32 size, data.  The one exception is PROJECTVERSION
 * (0x0009), whose size field is a constant 4 although 6 bytes follow.  Of the rest only the
 * code page and the module records matter here. */

struct vba_mod {
    const uint8_t *name, *uname, *stream, *ustream; /* views into the dir buffer */
    size_t name_len, uname_len, stream_len, ustream_len;
    uint32_t offset;
    int has_offset;
    int kind; /* 0 not said, 1 procedural (.bas), 2 document, class or designer */
};

struct vba_dir {
    unsigned codepage;
    struct vba_mod *mods;
    size_t n;
    const char *problem; /* the first thing wrong with the records, or NULL */
    size_t problem_at;
};

static int dir_parse(const uint8_t *d, size_t n, struct vba_dir *dir)
{
    size_t off = 0, alloc = 0;
    struct vba_mod *cur = NULL;
    dir->codepage = 1252;
    while (off < n) {
        uint16_t id;
        uint32_t size;
        struct fg_view v = {d, n};
        if (fg_view_u16le(&v, off, &id) || fg_view_u32le(&v, off + 2, &size)) {
            dir->problem = "the dir stream ends inside a record header";
            break;
        }
        dir->problem_at = off;
        off += 6;
        if (id == 0x0009)
            size = 6;
        if (size > n - off) {
            dir->problem = "a dir record runs past the end of the stream";
            break;
        }
        const uint8_t *p = d + off;
        off += size;
        if (id == 0x0010) /* end of the dir stream */
            return FG_OK;
        if (id == 0x0003 && size >= 2) {
            dir->codepage = (unsigned)p[0] | (unsigned)p[1] << 8;
        } else if (id == 0x0019) { /* MODULENAME opens a module's records */
            if (dir->n >= FG_CAP_VBA_MODULES) {
                dir->problem = "the project lists too many modules; the rest were skipped";
                return FG_OK;
            }
            if (dir->n == alloc) {
                alloc = alloc ? alloc * 2 : 16;
                struct vba_mod *nm = realloc(dir->mods, alloc * sizeof *nm);
                if (!nm)
                    return FG_ENOMEM;
                dir->mods = nm;
            }
            cur = &dir->mods[dir->n++];
            *cur = (struct vba_mod){.name = p, .name_len = size};
        } else if (!cur) {
            continue; /* project information and references */
        } else if (id == 0x0047) {
            cur->uname = p, cur->uname_len = size;
        } else if (id == 0x001A) {
            cur->stream = p, cur->stream_len = size;
        } else if (id == 0x0032) {
            cur->ustream = p, cur->ustream_len = size;
        } else if (id == 0x0031 && size >= 4) {
            cur->offset = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                          (uint32_t)p[3] << 24;
            cur->has_offset = 1;
        } else if (id == 0x0021) {
            cur->kind = 1;
        } else if (id == 0x0022) {
            cur->kind = 2;
        } else if (id == 0x002B) {
            cur = NULL;
        }
    }
    if (!dir->problem)
        dir->problem = "the dir stream has no terminator record";
    return FG_OK;
}

/* ---- reading the compound file through libgsf ---- */

struct vwalk {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    int flags;
    fg_vba_module_fn fn;
    void *arg;
    unsigned projects;
};

static void note(struct vwalk *w, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A malformed.member finding on the object, in the unpacker's pass only (the analyzer walks
 * the same project again and must not repeat it). */
static void note(struct vwalk *w, const char *where, const char *fmt, ...)
{
    if (!(w->flags & FG_VBA_REPORT))
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fg_finding_add(w->ctx, w->obj, "malformed.member", FG_SEV_LOW, 1, where, "%s", msg);
}

static int is_storage(GsfInput *in)
{
    return GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0;
}

/* The child of 'dir' called 'name' (OLE2 names compare without case) of the wanted kind;
 * the caller unrefs it.  NULL if there is none. */
static GsfInput *child_named(GsfInfile *dir, const char *name, int storage)
{
    int n = gsf_infile_num_children(dir);
    for (int i = 0; i < n; i++) {
        const char *cn = gsf_infile_name_by_index(dir, i);
        if (!cn || strcasecmp(cn, name))
            continue;
        GsfInput *c = gsf_infile_child_by_index(dir, i);
        if (c && is_storage(c) == storage)
            return c;
        if (c)
            g_object_unref(c);
    }
    return NULL;
}

/* Reads a whole stream; it cannot hold more than the file, so that is the cap. */
static int read_stream(GsfInput *in, uint64_t cap, struct fg_buf *b)
{
    gsf_off_t size = gsf_input_size(in);
    if (size < 0 || (uint64_t)size > cap)
        return FG_EFORMAT;
    fg_buf_init(b, cap);
    while (gsf_input_remaining(in) > 0) {
        size_t n = gsf_input_remaining(in) < 65536 ? (size_t)gsf_input_remaining(in) : 65536;
        const guint8 *p = gsf_input_read(in, n, NULL);
        if (!p)
            return FG_EFORMAT;
        int rc = fg_buf_append(b, p, n);
        if (rc)
            return rc;
    }
    return FG_OK;
}

static char *join3(const char *a, const char *b, const char *c)
{
    char *s = NULL;
    if (asprintf(&s, "%s%s%s", a, b, c) < 0)
        return NULL;
    return s;
}

struct project {
    GsfInfile *top;  /* the storage holding VBA (and the designers' storages) */
    GsfInfile *vba;
    const char *vpath; /* "Macros/VBA/" ... */
    iconv_t cp, u16;
    unsigned index;
};

/* Decompresses one module's source from its stream and hands it to the callback. */
static int do_module(struct vwalk *w, struct project *pj, const struct vba_mod *m,
                     unsigned k)
{
    int rc = FG_ENOMEM;
    char *mname = dir_name(pj->u16, pj->cp, m->uname, m->uname_len, m->name, m->name_len);
    char *sname = dir_name(pj->u16, pj->cp, m->ustream, m->ustream_len, m->stream,
                           m->stream_len);
    char *child = NULL, fallback[32];
    struct fg_buf raw = {0}, src = {0}, utf = {0};
    GsfInput *in = NULL, *designer = NULL;
    snprintf(fallback, sizeof fallback, "module%u", k + 1);
    in = sname ? child_named(pj->vba, sname, 0) : NULL;
    /* Document, class and designer modules share one type; a designer (a UserForm) also
     * has a storage of its own beside the VBA storage, named like its stream. */
    designer = in && m->kind == 2 ? child_named(pj->top, sname, 1) : NULL;
    const char *ext = m->kind == 2 ? (designer ? ".frm" : ".cls") : ".bas";
    if (!(child = join3(pj->vpath, mname ? mname : fallback, ext)))
        goto out;
    rc = FG_OK;
    if (!in || !m->has_offset) {
        note(w, child, "%s", !in ? "VBA module stream is missing"
                                 : "VBA module has no source offset (MODULEOFFSET)");
        goto out;
    }
    rc = read_stream(in, w->obj->len, &raw);
    if (rc == FG_ENOMEM)
        goto out;
    if (rc || m->offset > raw.len) {
        note(w, child, "%s",
             rc ? "VBA module stream cannot be read"
                : "VBA module source offset is past the end of its stream");
        rc = FG_OK;
        goto out;
    }
    uint64_t room = fg_child_room(w->ctx, w->obj);
    const char *why = NULL;
    fg_buf_init(&src, room);
    rc = fg_vba_decompress(raw.p + m->offset, raw.len - m->offset, &src, &why);
    if (rc == FG_EFORMAT) {
        note(w, child, "VBA module source is damaged (%s); what could be read was scanned",
             why);
        rc = FG_OK;
    }
    if (rc == FG_OK && pj->cp != (iconv_t)-1) {
        fg_buf_init(&utf, room);
        rc = to_utf8(pj->cp, src.p ? src.p : (const uint8_t *)"", src.len, 1, &utf);
    }
    if (rc == FG_ELIMIT) {
        if (w->flags & FG_VBA_REPORT)
            fg_limit_size_hit(w->ctx, w->obj, child);
        rc = FG_OK;
        goto out;
    }
    const struct fg_buf *text = pj->cp != (iconv_t)-1 ? &utf : &src;
    if (rc == FG_OK && text->len) {
        struct fg_vba_module mod = {child, text->p, text->len, pj->index};
        rc = w->fn(w->arg, &mod);
    }
out:
    if (in)
        g_object_unref(in);
    if (designer)
        g_object_unref(designer);
    fg_buf_free(&raw);
    fg_buf_free(&src);
    fg_buf_free(&utf);
    free(mname);
    free(sname);
    free(child);
    return rc;
}

/* One project: 'top' holds the storage 'vba', which holds the dir stream 'dirs'. */
static int do_project(struct vwalk *w, GsfInfile *top, GsfInfile *vba, GsfInput *dirs,
                      const char *prefix)
{
    struct fg_buf raw = {0}, dec = {0};
    struct vba_dir dir = {0};
    struct project pj = {.top = top, .vba = vba, .cp = (iconv_t)-1, .u16 = (iconv_t)-1,
                         .index = w->projects++};
    char *dpath = NULL, *vpath = NULL;
    const char *vname = gsf_input_name(GSF_INPUT(vba));
    int rc = FG_ENOMEM;
    if (asprintf(&vpath, "%s%s%s/", prefix, *prefix ? "/" : "", vname ? vname : "VBA") < 0) {
        vpath = NULL;
        goto out;
    }
    if (!(dpath = join3(vpath, "dir", "")))
        goto out;
    pj.vpath = vpath;
    rc = read_stream(dirs, w->obj->len, &raw);
    if (rc == FG_ENOMEM)
        goto out;
    const char *why = "the stream cannot be read";
    fg_buf_init(&dec, FG_CAP_VBA_DIR);
    if (rc == FG_OK)
        rc = fg_vba_decompress(raw.p, raw.len, &dec, &why);
    if (rc == FG_ENOMEM)
        goto out;
    if (rc == FG_ELIMIT)
        why = "it decompresses to more than 4 MiB";
    if (rc)
        note(w, dpath, "VBA dir stream is damaged: %s", why);
    if ((rc = dir_parse(dec.p ? dec.p : (const uint8_t *)"", dec.len, &dir)))
        goto out;
    if (dir.problem && dec.len)
        note(w, dpath, "VBA project: %s (record at offset %zu of the decompressed stream)",
             dir.problem, dir.problem_at);
    pj.cp = open_codepage(dir.codepage);
    pj.u16 = iconv_open("UTF-8", "UTF-16LE");
    for (size_t k = 0; k < dir.n; k++) {
        if (fg_ctx_expired(w->ctx)) {
            rc = FG_ETIMEOUT;
            goto out;
        }
        rc = do_module(w, &pj, &dir.mods[k], (unsigned)k);
        if (rc)
            goto out;
    }
    rc = FG_OK;
out:
    if (pj.cp != (iconv_t)-1)
        iconv_close(pj.cp);
    if (pj.u16 != (iconv_t)-1)
        iconv_close(pj.u16);
    free(dir.mods);
    fg_buf_free(&raw);
    fg_buf_free(&dec);
    free(dpath);
    free(vpath);
    return rc;
}

/* Looks for a project in 'dir' and then in every storage below it. */
static int walk_storage(struct vwalk *w, GsfInfile *dir, const char *prefix, unsigned depth)
{
    int rc = FG_OK;
    GsfInput *vba = child_named(dir, "VBA", 1);
    GsfInput *dirs = vba ? child_named(GSF_INFILE(vba), "dir", 0) : NULL;
    if (dirs && w->projects < FG_CAP_VBA_PROJECTS)
        rc = do_project(w, dir, GSF_INFILE(vba), dirs, prefix);
    if (dirs)
        g_object_unref(dirs);
    int n = gsf_infile_num_children(dir);
    for (int i = 0; rc == FG_OK && i < n && depth + 1 < FG_CAP_OLE_DEPTH; i++) {
        const char *name = gsf_infile_name_by_index(dir, i);
        if (vba && name && !strcasecmp(name, gsf_input_name(vba)))
            continue;
        if (fg_ctx_expired(w->ctx)) {
            rc = FG_ETIMEOUT;
            break;
        }
        GsfInput *c = gsf_infile_child_by_index(dir, i);
        if (c && is_storage(c)) {
            char *sub = NULL;
            if (asprintf(&sub, "%s%s%s", prefix, *prefix ? "/" : "", name ? name : "") < 0)
                rc = FG_ENOMEM;
            else
                rc = walk_storage(w, GSF_INFILE(c), sub, depth + 1);
            free(sub);
        }
        if (c)
            g_object_unref(c);
    }
    if (vba)
        g_object_unref(vba);
    return rc;
}

/* libgsf on a compound file that passed the pre-flight check; NULL if it does not open. */
static GsfInfile *open_ole(const uint8_t *d, size_t n)
{
    if (fg_ole_preflight(d, n))
        return NULL;
    GsfInput *mem = gsf_input_memory_new(d, (gsf_off_t)n, FALSE);
    if (!mem)
        return NULL;
    GsfInfile *ole = gsf_infile_msole_new(mem, NULL);
    g_object_unref(mem);
    return ole;
}

int fg_vba_foreach(struct fg_ctx *ctx, struct fg_obj *obj, int flags, fg_vba_module_fn fn,
                   void *arg)
{
    GsfInfile *ole = open_ole(obj->data, obj->len);
    if (!ole)
        return FG_OK; /* unpack_ole.c says why, as malformed.ole2 */
    struct vwalk w = {.ctx = ctx, .obj = obj, .flags = flags, .fn = fn, .arg = arg};
    int rc = walk_storage(&w, ole, "", 0);
    g_object_unref(ole);
    return rc;
}

/* ---- PowerPoint: the project is a compressed storage inside a record ----
 * A .ppt keeps its VBA project not as storages of the file but in the "PowerPoint Document"
 * stream, as a top-level record of type ExOleObjStg (0x1011) whose data is an OLE2 file of
 * its own: raw (record instance 0) or a u32 size and a zlib stream (instance 1).  Embedded
 * OLE objects use the same record type; they are emitted too (ExOleObjStg@<offset>), since
 * they are inflated here anyway and nothing else would show their packages, links and
 * class ids to the unpackers and analyzers of OLE2 files. */

/* Inflates up to 'want' bytes (the size the record states).  PowerPoint does not always
 * finish the zlib stream once that much is out, so reaching 'want' counts as complete. */
static int inflate_capped(const uint8_t *in, size_t n, size_t want, struct fg_buf *out,
                          const char **why)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return FG_ENOMEM;
    z.next_in = (Bytef *)in;
    z.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
    uint8_t tmp[16384];
    int rc = FG_OK, zr;
    do {
        z.next_out = tmp;
        z.avail_out = sizeof tmp;
        zr = inflate(&z, Z_NO_FLUSH);
        size_t got = sizeof tmp - z.avail_out;
        if (got > want - out->len)
            got = want - out->len;
        if ((rc = fg_buf_append(out, tmp, got)) || out->len == want)
            break;
        if (zr == Z_STREAM_END) {
            *why = "its zlib stream ends before the size it states";
            rc = FG_EFORMAT;
        } else if (zr == Z_BUF_ERROR || (zr == Z_OK && z.avail_in == 0 && z.avail_out != 0)) {
            *why = "its zlib stream is cut off";
            rc = FG_EFORMAT;
        } else if (zr != Z_OK) {
            *why = zr == Z_MEM_ERROR ? "out of memory" : "its zlib stream is corrupt";
            rc = zr == Z_MEM_ERROR ? FG_ENOMEM : FG_EFORMAT;
        }
    } while (rc == FG_OK);
    inflateEnd(&z);
    return rc;
}

static int holds_project(const uint8_t *d, size_t n)
{
    GsfInfile *ole = open_ole(d, n);
    if (!ole)
        return 0;
    GsfInput *vba = child_named(ole, "VBA", 1);
    GsfInput *dirs = vba ? child_named(GSF_INFILE(vba), "dir", 0) : NULL;
    int found = dirs != NULL;
    if (dirs)
        g_object_unref(dirs);
    if (vba)
        g_object_unref(vba);
    g_object_unref(ole);
    return found;
}

static int ppt_record(struct vwalk *w, const uint8_t *d, size_t n, unsigned inst,
                      size_t at, unsigned *found)
{
    struct fg_buf b;
    const char *why = NULL;
    char where[64];
    int rc = FG_OK;
    snprintf(where, sizeof where, "PowerPoint Document@0x%zx", at);
    fg_buf_init(&b, fg_child_room(w->ctx, w->obj));
    if (inst == 1 && n >= 4)
        rc = inflate_capped(d + 4, n - 4,
                            (size_t)d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16 |
                                (size_t)d[3] << 24,
                            &b, &why);
    else if (inst == 0)
        rc = fg_buf_append(&b, d, n);
    if (rc == FG_ELIMIT)
        fg_limit_size_hit(w->ctx, w->obj, where);
    if (rc == FG_ENOMEM || rc == FG_ELIMIT)
        goto out;
    if (b.len < 8 || memcmp(b.p, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
        goto out;
    int project = holds_project(b.p, b.len);
    if (project && *found >= FG_CAP_VBA_PROJECTS)
        goto out;
    if (rc == FG_EFORMAT)
        note(w, where, "%s in a presentation is damaged: %s",
             project ? "VBA project storage" : "embedded object", why);
    char name[96];
    if (!project)
        snprintf(name, sizeof name, "PowerPoint Document/ExOleObjStg@0x%zx", at);
    else if ((*found)++)
        snprintf(name, sizeof name, "PowerPoint Document/VbaProjectStg@0x%zx", at);
    else
        snprintf(name, sizeof name, "PowerPoint Document/VbaProjectStg");
    rc = fg_emit_child(w->ctx, w->obj, name, b.p, b.len, NULL, 0);
out:
    fg_buf_free(&b);
    return rc == FG_ETIMEOUT || rc == FG_ENOMEM ? rc : FG_OK;
}

static int ppt_projects(struct vwalk *w, GsfInfile *root)
{
    GsfInput *s = child_named(root, "PowerPoint Document", 0);
    if (!s)
        return FG_OK;
    struct fg_buf b;
    int rc = read_stream(s, w->obj->len, &b);
    g_object_unref(s);
    unsigned found = 0;
    struct fg_view v = {b.p, b.len};
    /* Top-level records follow each other; a header that does not fit ends the walk. */
    for (size_t off = 0; rc == FG_OK && off + 8 <= b.len;) {
        uint16_t verinst, type;
        uint32_t rlen;
        fg_view_u16le(&v, off, &verinst);
        fg_view_u16le(&v, off + 2, &type);
        fg_view_u32le(&v, off + 4, &rlen);
        if (rlen > b.len - off - 8)
            break;
        if (type == 0x1011)
            rc = ppt_record(w, b.p + off + 8, rlen, verinst >> 4, off, &found);
        off += 8 + (size_t)rlen;
        if (rc == FG_OK && fg_ctx_expired(w->ctx))
            rc = FG_ETIMEOUT;
    }
    fg_buf_free(&b);
    return rc == FG_ETIMEOUT || rc == FG_ENOMEM ? rc : FG_OK;
}

/* ---- the unpacker ---- */

static int emit_module(void *arg, const struct fg_vba_module *m)
{
    struct vwalk *w = arg;
    return fg_emit_child(w->ctx, w->obj, m->name, m->text, m->len, "vba", FG_CHILD_TYPE_HINT);
}

static int unpack(struct fg_ctx *ctx, struct fg_obj *obj)
{
    GsfInfile *ole = open_ole(obj->data, obj->len);
    if (!ole)
        return FG_OK; /* unpack_ole.c reports the file as malformed */
    struct vwalk w = {.ctx = ctx, .obj = obj, .flags = FG_VBA_REPORT, .fn = emit_module};
    w.arg = &w;
    int rc = walk_storage(&w, ole, "", 0);
    if (rc == FG_OK)
        rc = ppt_projects(&w, ole);
    g_object_unref(ole);
    return rc == FG_ETIMEOUT || rc == FG_ENOMEM ? rc : FG_OK;
}

const struct fg_unpacker fg_unpack_vba = {
    .name = "vba",
    .types = vba_types,
    .unpack = unpack,
};
