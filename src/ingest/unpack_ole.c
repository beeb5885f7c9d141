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
#include "office_crypto.h"
#include "ole_check.h"
#include "ole_package.h"
#include "unpack.h"

static const char *const ole_types[] = {"ole2", "ole10native", NULL};

#define CHUNK 65536

/* ---- the walk through libgsf ---- */

struct walk {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    char clsids[512];
    unsigned nclsid;
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
        /* An encrypted workbook is emitted decrypted when a password opens it. */
        if (!strcmp(path, "Workbook") || !strcmp(path, "Book"))
            rc = fg_ocr_workbook(w->ctx, w->obj, b.p, b.len);
        /* The Ole10Native layout is not known from content alone: say what it is. */
        int native = !strcmp(name, "\001Ole10Native");
        if (rc == FG_OK)
            rc = fg_emit_child(w->ctx, w->obj, path, b.p, b.len,
                               native ? "ole10native" : NULL, native ? FG_CHILD_TYPE_HINT : 0);
    } else if (rc == FG_ELIMIT) {
        fg_limit_size_hit(w->ctx, w->obj, path);
        rc = FG_OK;
    }
    fg_buf_free(&b);
    return rc;
}

static int walk_storage(struct walk *w, GsfInfile *dir, const char *prefix, unsigned depth);

/* fg_ocr_read_fn over the root storage: the first 'max' bytes of a top-level stream. */
static int read_top(void *arg, const char *name, size_t max, struct fg_buf *out, uint64_t *size)
{
    fg_buf_init(out, max);
    GsfInput *in = gsf_infile_child_by_name(GSF_INFILE(arg), name);
    if (!in)
        return FG_EFORMAT;
    int rc = FG_OK;
    gsf_off_t n = gsf_input_size(in);
    *size = n > 0 ? (uint64_t)n : 0;
    size_t want = *size < max ? (size_t)*size : max;
    uint8_t chunk[4096];
    while (!rc && out->len < want) {
        size_t k = want - out->len < sizeof chunk ? want - out->len : sizeof chunk;
        rc = gsf_input_read(in, k, chunk) ? fg_buf_append(out, chunk, k) : FG_EFORMAT;
    }
    g_object_unref(in);
    return rc == FG_ENOMEM ? FG_ENOMEM : rc ? FG_EFORMAT : FG_OK;
}

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
    } else if (depth == 0 && name && !strcmp(name, "EncryptedPackage")) {
        /* fg_ocr_ole() emits the package, decrypted if a password opens it */
    } else {
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
    const char *why = fg_ole_preflight(obj->data, obj->len);
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
    if (rc == FG_ETIMEOUT || rc == FG_ENOMEM) {
        g_object_unref(ole);
        return rc;
    }
    if (w.nclsid)
        fg_finding_add(ctx, obj, "ole2.clsid", FG_SEV_INFO, 0, w.clsids,
                       "%u storage(s) name the application that owns them", w.nclsid);
    /* Encryption (an ECMA-376 EncryptedPackage, Word or PowerPoint 97-2003): office_crypto.c
     * reads the top-level streams it needs through read_top(). */
    rc = fg_ocr_ole(ctx, obj, read_top, ole);
    g_object_unref(ole);
    return rc == FG_ETIMEOUT || rc == FG_ENOMEM ? rc : FG_OK;
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
