/*
 * unpack_mspack.c - Microsoft compressed formats through libmspack: CHM help files (every
 * content file) and SZDD / KWAJ ("SETUP.EX_") single-file compression.
 *
 * libmspack does its I/O through a table of callbacks.  Ours reads from the object's bytes
 * and writes into a capped buffer; the "file names" libmspack passes around are pointers to
 * our own handles, so the library can never open, create or overwrite a real file.
 */
#define _GNU_SOURCE
#include <mspack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "unpack.h"

static const char *const mspack_types[] = {"chm", "szdd", "kwaj", NULL};

#define HANDLE_MAGIC 0x66676d73u /* "fgms" */

enum { H_SRC, H_SINK };

/* What libmspack receives as a "file name". */
struct handle {
    unsigned magic;
    int kind;
    const uint8_t *p; /* H_SRC */
    size_t len;
    const uint8_t *patch; /* H_SRC: bytes shown instead of p[patch_off...] */
    size_t patch_off, patch_len;
    struct fg_buf *out; /* H_SINK */
    int over;           /* the sink's cap was hit */
    int nomem;
};

struct memsys {
    struct mspack_system sys; /* first: libmspack hands &sys back to open() and alloc() */
    struct fg_ctx *ctx;
    int expired;
    int corrupt;   /* libmspack said the directory was only partly readable */
    char msg[160]; /* its first message, for evidence */
};

/* What open() returns. */
struct memfile {
    struct memsys *ms;
    struct handle *h;
    size_t pos;
};

static struct mspack_file *ms_open(struct mspack_system *self, const char *filename, int mode)
{
    struct handle *h = (struct handle *)(uintptr_t)filename;
    if (!h || h->magic != HANDLE_MAGIC)
        return NULL;
    if ((mode == MSPACK_SYS_OPEN_READ) != (h->kind == H_SRC) ||
        (h->kind == H_SINK && mode != MSPACK_SYS_OPEN_WRITE))
        return NULL;
    struct memfile *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->ms = (struct memsys *)self;
    f->h = h;
    return (struct mspack_file *)f;
}

static void ms_close(struct mspack_file *file) { free(file); }

static int ms_read(struct mspack_file *file, void *buffer, int bytes)
{
    struct memfile *f = (struct memfile *)file;
    /* Every decompressor pulls its input through here, so this is where a bomb that
     * expands without writing (CHM skips to a file's offset) is stopped by the clock. */
    if (f->ms->expired || fg_ctx_expired(f->ms->ctx)) {
        f->ms->expired = 1;
        return -1;
    }
    if (bytes < 0 || f->h->kind != H_SRC)
        return -1;
    size_t n = f->h->len - f->pos;
    if (n > (size_t)bytes)
        n = (size_t)bytes;
    memcpy(buffer, f->h->p + f->pos, n);
    const struct handle *h = f->h;
    if (h->patch && f->pos < h->patch_off + h->patch_len && f->pos + n > h->patch_off) {
        size_t from = f->pos > h->patch_off ? f->pos : h->patch_off;
        size_t to = f->pos + n < h->patch_off + h->patch_len ? f->pos + n
                                                              : h->patch_off + h->patch_len;
        memcpy((uint8_t *)buffer + (from - f->pos), h->patch + (from - h->patch_off), to - from);
    }
    f->pos += n;
    return (int)n;
}

static int ms_write(struct mspack_file *file, void *buffer, int bytes)
{
    struct memfile *f = (struct memfile *)file;
    if (bytes < 0 || f->h->kind != H_SINK)
        return -1;
    int rc = fg_buf_append(f->h->out, buffer, (size_t)bytes);
    if (rc == FG_ELIMIT)
        f->h->over = 1;
    else if (rc)
        f->h->nomem = 1;
    return rc ? -1 : bytes;
}

static int ms_seek(struct mspack_file *file, off_t offset, int mode)
{
    struct memfile *f = (struct memfile *)file;
    size_t len = f->h->kind == H_SRC ? f->h->len : f->h->out->len;
    size_t base = mode == MSPACK_SYS_SEEK_START ? 0
                  : mode == MSPACK_SYS_SEEK_CUR ? f->pos
                  : mode == MSPACK_SYS_SEEK_END ? len
                                                : SIZE_MAX;
    if (base == SIZE_MAX)
        return -1;
    if (offset >= 0 ? (uint64_t)offset > len - base : (uint64_t)-(offset + 1) + 1 > base)
        return -1;
    f->pos = offset >= 0 ? base + (size_t)offset : base - ((size_t)-(offset + 1) + 1);
    return 0;
}

static off_t ms_tell(struct mspack_file *file) { return (off_t)((struct memfile *)file)->pos; }

static void ms_message(struct mspack_file *file, const char *format, ...)
{
    struct memfile *f = (struct memfile *)file;
    if (!f || f->ms->msg[0])
        return;
    va_list ap;
    va_start(ap, format);
    vsnprintf(f->ms->msg, sizeof f->ms->msg, format, ap);
    va_end(ap);
    /* chmd_real_open() turns a half-read directory into success plus this warning; it is
     * the only way to learn that some entries were lost. */
    if (strstr(f->ms->msg, "corrupt"))
        f->ms->corrupt = 1;
}

static void *ms_alloc(struct mspack_system *self, size_t bytes)
{
    (void)self;
    return bytes > FG_CAP_MSPACK_ALLOC ? NULL : malloc(bytes ? bytes : 1);
}

static void ms_free(void *ptr) { free(ptr); }
static void ms_copy(void *src, void *dest, size_t bytes) { memmove(dest, src, bytes); }

static void memsys_init(struct memsys *ms, struct fg_ctx *ctx)
{
    memset(ms, 0, sizeof *ms);
    ms->sys = (struct mspack_system){
        .open = ms_open, .close = ms_close, .read = ms_read, .write = ms_write,
        .seek = ms_seek, .tell = ms_tell, .message = ms_message, .alloc = ms_alloc,
        .free = ms_free, .copy = ms_copy, .null_ptr = NULL,
    };
    ms->ctx = ctx;
}

static struct handle src_handle(const struct fg_obj *obj)
{
    return (struct handle){.magic = HANDLE_MAGIC, .kind = H_SRC, .p = obj->data, .len = obj->len};
}

static struct handle sink_handle(struct fg_buf *b)
{
    return (struct handle){.magic = HANDLE_MAGIC, .kind = H_SINK, .out = b};
}

static const char *err_name(int err)
{
    switch (err) {
    case MSPACK_ERR_READ: return "truncated (read failed)";
    case MSPACK_ERR_SEEK: return "offset outside the file";
    case MSPACK_ERR_NOMEMORY: return "allocation refused";
    case MSPACK_ERR_SIGNATURE: return "bad signature";
    case MSPACK_ERR_DATAFORMAT: return "bad data format";
    case MSPACK_ERR_CHECKSUM: return "checksum mismatch";
    case MSPACK_ERR_DECRUNCH: return "decompression failed";
    case MSPACK_ERR_WRITE: return "output refused";
    default: return "libmspack error";
    }
}

/* Turns the outcome of one extraction into a child, a limit or a finding. */
static int finish_member(struct fg_ctx *ctx, struct fg_obj *obj, struct memsys *ms,
                         struct handle *out, int err, const char *name)
{
    if (ms->expired)
        return FG_ETIMEOUT;
    if (out->nomem)
        return FG_ENOMEM;
    if (out->over) {
        fg_limit_size_hit(ctx, obj, name);
        return FG_OK;
    }
    if (err != MSPACK_ERR_OK) {
        fg_finding_add(ctx, obj, "malformed.member", FG_SEV_LOW, 1, name,
                       "member could not be extracted: %s", err_name(err));
        return FG_OK;
    }
    return fg_emit_child(ctx, obj, name, out->out->p, out->out->len, NULL, 0);
}

/* ---- CHM ---- */

static int chm_file_cmp(const void *a, const void *b)
{
    const struct mschmd_file *x = *(const struct mschmd_file *const *)a;
    const struct mschmd_file *y = *(const struct mschmd_file *const *)b;
    if (x->section->id != y->section->id)
        return x->section->id < y->section->id ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The content files in extraction order.  libmspack restarts LZX decoding from the nearest
 * reset point whenever it has to go backwards, so directory (name) order could decompress
 * the same data over and over; offset order decodes each compressed byte once. */
static struct mschmd_file **chm_sorted(struct mschmd_header *chm, size_t *n)
{
    size_t cnt = 0;
    for (struct mschmd_file *f = chm->files; f; f = f->next)
        cnt++;
    struct mschmd_file **v = malloc((cnt ? cnt : 1) * sizeof *v);
    if (!v)
        return NULL;
    cnt = 0;
    for (struct mschmd_file *f = chm->files; f; f = f->next)
        v[cnt++] = f;
    qsort(v, cnt, sizeof *v, chm_file_cmp);
    *n = cnt;
    return v;
}

static int chm_member(struct fg_ctx *ctx, struct fg_obj *obj, struct memsys *ms,
                      struct mschm_decompressor *d, struct mschmd_file *f)
{
    /* Names are "/dir/page.html"; drop the leading slash so paths read like archives. */
    const char *name = f->filename[0] == '/' && f->filename[1] ? f->filename + 1 : f->filename;
    if (f->length <= 0)
        return FG_OK; /* nothing to scan */
    uint64_t room = fg_child_room(ctx, obj);
    if ((uint64_t)f->length >= room) {
        fg_limit_size_hit(ctx, obj, name);
        return FG_OK;
    }
    struct fg_buf b;
    fg_buf_init(&b, room);
    struct handle out = sink_handle(&b);
    int err = d->extract(d, f, (const char *)&out);
    int rc = finish_member(ctx, obj, ms, &out, err, name);
    fg_buf_free(&b);
    return rc;
}

/*
 * Only the normal files are members.  The "::" system files (libmspack keeps them apart in
 * chm->sysfiles) are the container's own plumbing: the LZX-compressed section that holds
 * every content file, its reset table and control data.  Their bytes all come back,
 * decompressed, as the normal files, so scanning them too would only count the same data
 * twice against the size limits.  The "#" and "$" index files are kept: they are small and
 * an attacker can put anything in them.
 */
static int unpack_chm(struct fg_ctx *ctx, struct fg_obj *obj, struct memsys *ms)
{
    struct mschm_decompressor *d = mspack_create_chm_decompressor(&ms->sys);
    if (!d)
        return FG_ENOMEM;
    struct handle in = src_handle(obj);
    /* The ITSF header carries two fixed GUIDs.  libmspack refuses a file whose GUIDs differ,
     * but other readers ignore them and some writers get them wrong (Free Pascal's chmcmd
     * writes the first one twice).  Show libmspack the expected ones so that such a file is
     * unpacked as a help viewer would open it, instead of being given up on. */
    static const uint8_t itsf_guids[32] = {
        0x10, 0xFD, 0x01, 0x7C, 0xAA, 0x7B, 0xD0, 0x11, 0x9E, 0x0C, 0x00,
        0xA0, 0xC9, 0x22, 0xE6, 0xEC, 0x11, 0xFD, 0x01, 0x7C, 0xAA, 0x7B,
        0xD0, 0x11, 0x9E, 0x0C, 0x00, 0xA0, 0xC9, 0x22, 0xE6, 0xEC};
    in.patch = itsf_guids;
    in.patch_off = 0x18;
    in.patch_len = sizeof itsf_guids;
    struct mschmd_header *chm = d->open(d, (const char *)&in);
    if (!chm) {
        int err = d->last_error(d);
        mspack_destroy_chm_decompressor(d);
        if (ms->expired)
            return FG_ETIMEOUT;
        fg_ctx_set_error(ctx, "not a readable CHM file: %s", err_name(err));
        return FG_EFORMAT;
    }
    size_t n = 0;
    struct mschmd_file **files = chm_sorted(chm, &n);
    int rc = files ? FG_OK : FG_ENOMEM;
    for (size_t i = 0; files && i < n; i++) {
        if (fg_ctx_expired(ctx)) {
            rc = FG_ETIMEOUT;
            break;
        }
        rc = chm_member(ctx, obj, ms, d, files[i]);
        if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
            break;
    }
    free(files);
    d->close(d, chm);
    mspack_destroy_chm_decompressor(d);
    if (rc == FG_OK && ms->corrupt) {
        fg_ctx_set_error(ctx, "CHM directory is corrupt; some files may be missing (%s)",
                         ms->msg);
        return FG_EFORMAT;
    }
    return rc;
}

/* ---- SZDD and KWAJ ---- */

/* "SETUP.EX_" plus the stored missing character 'E' gives "SETUP.EXE". */
static void szdd_name(const struct fg_obj *obj, char missing, char *out, size_t outsz)
{
    const char *base = obj->name ? strrchr(obj->name, '/') : NULL;
    base = base ? base + 1 : obj->name ? obj->name : "";
    size_t l = strlen(base);
    if (missing && l > 1 && l < outsz && base[l - 1] == '_') {
        memcpy(out, base, l - 1);
        out[l - 1] = missing;
        out[l] = 0;
    } else {
        snprintf(out, outsz, "(expanded)");
    }
}

/* A truncated SZDD/KWAJ stream just ends early: compare with the size the header gives. */
static void check_length(struct fg_ctx *ctx, struct fg_obj *obj, const char *name,
                         off_t want, const struct fg_buf *got)
{
    if (want > 0 && (uint64_t)want != got->len)
        fg_finding_add(ctx, obj, "malformed.member", FG_SEV_LOW, 1, name,
                       "expanded to %zu bytes, but the header says %lld", got->len,
                       (long long)want);
}

static int unpack_szdd(struct fg_ctx *ctx, struct fg_obj *obj, struct memsys *ms)
{
    struct msszdd_decompressor *d = mspack_create_szdd_decompressor(&ms->sys);
    if (!d)
        return FG_ENOMEM;
    struct handle in = src_handle(obj);
    struct msszddd_header *h = d->open(d, (const char *)&in);
    if (!h) {
        int err = d->last_error(d);
        mspack_destroy_szdd_decompressor(d);
        fg_ctx_set_error(ctx, "not a readable SZDD file: %s", err_name(err));
        return ms->expired ? FG_ETIMEOUT : FG_EFORMAT;
    }
    char name[256];
    szdd_name(obj, h->missing_char, name, sizeof name);
    struct fg_buf b;
    fg_buf_init(&b, fg_child_room(ctx, obj));
    struct handle out = sink_handle(&b);
    int err = d->extract(d, h, (const char *)&out);
    if (!err && !out.over)
        check_length(ctx, obj, name, h->length, &b);
    int rc = finish_member(ctx, obj, ms, &out, err, name);
    fg_buf_free(&b);
    d->close(d, h);
    mspack_destroy_szdd_decompressor(d);
    return rc;
}

static int unpack_kwaj(struct fg_ctx *ctx, struct fg_obj *obj, struct memsys *ms)
{
    struct mskwaj_decompressor *d = mspack_create_kwaj_decompressor(&ms->sys);
    if (!d)
        return FG_ENOMEM;
    struct handle in = src_handle(obj);
    struct mskwajd_header *h = d->open(d, (const char *)&in);
    if (!h) {
        int err = d->last_error(d);
        mspack_destroy_kwaj_decompressor(d);
        fg_ctx_set_error(ctx, "not a readable KWAJ file: %s", err_name(err));
        return ms->expired ? FG_ETIMEOUT : FG_EFORMAT;
    }
    /* KWAJ may store the original name (8.3); SZDD-style '_' naming is the fallback. */
    char name[256];
    if (h->filename && h->filename[0] && strcmp(h->filename, "."))
        snprintf(name, sizeof name, "%s", h->filename);
    else
        szdd_name(obj, 0, name, sizeof name);
    struct fg_buf b;
    fg_buf_init(&b, fg_child_room(ctx, obj));
    struct handle out = sink_handle(&b);
    int err = d->extract(d, h, (const char *)&out);
    if (!err && !out.over && (h->headers & MSKWAJ_HDR_HASLENGTH))
        check_length(ctx, obj, name, h->length, &b);
    int rc = finish_member(ctx, obj, ms, &out, err, name);
    fg_buf_free(&b);
    d->close(d, h);
    mspack_destroy_kwaj_decompressor(d);
    return rc;
}

static int unpack(struct fg_ctx *ctx, struct fg_obj *obj)
{
    int selftest;
    MSPACK_SYS_SELFTEST(selftest);
    if (selftest != MSPACK_ERR_OK) {
        /* The library was built with another off_t size: its structures would be misread. */
        fg_ctx_set_error(ctx, "libmspack is incompatible with this build");
        return FG_EUNSUPPORTED;
    }
    struct memsys ms;
    memsys_init(&ms, ctx);
    if (!strcmp(obj->type, "chm"))
        return unpack_chm(ctx, obj, &ms);
    if (!strcmp(obj->type, "szdd"))
        return unpack_szdd(ctx, obj, &ms);
    return unpack_kwaj(ctx, obj, &ms);
}

const struct fg_unpacker fg_unpack_mspack = {
    .name = "mspack",
    .types = mspack_types,
    .unpack = unpack,
};
