/*
 * unpack_7zaes.c - our own 7z reader for what libarchive cannot open: 7zAES-encrypted data and
 * encrypted headers.  This file drives it: it finds the password among the candidates
 * (checked on the header or on a file's CRC), emits the members and turns what happened into
 * findings.  Parsing is in sevenzip_header.c, decoding in sevenzip_decode.c.
 */
#define _GNU_SOURCE
#include "sevenzip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../core/buf.h"
#include "sevenzip_int.h"

struct job {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    char **pw; /* our copy: a child's unpacker may reload the context's list */
    size_t npw, good; /* good: the password that worked last, tried first */
    struct fg_7z_src src; /* what the decoder reads: the bytes, pw and the derived keys */
    int emit_all;     /* libarchive emitted nothing: the header was encrypted or unreadable */
    int hdr_opened;
    size_t opened, locked, emitted, encrypted; /* blocks */
    char locked_name[128];
    uint8_t *hdr;     /* decoded header bytes, if it was encoded */
    struct fg_7z_db db;
    const char *why;
    uint8_t chunk[FG_7Z_CHUNK];
};

/* ---- emitting ---- */

struct piece {
    struct fg_buf b;
    uint32_t crc;
    int over, cut; /* over: larger than the room; cut: decoding stopped there */
};

/* Decodes one substream into pc->b, capped at the room; what is past the cap is decoded and
 * dropped so that the next file can be reached, unless this is the folder's last file. */
static int read_sub(struct job *j, struct fg_7z_pipe *p, uint64_t size, int last,
                    struct piece *pc)
{
    uLong crc = crc32(0, NULL, 0);
    fg_buf_init(&pc->b, fg_child_room(j->ctx, j->obj));
    while (size) {
        size_t n = size < FG_7Z_CHUNK ? (size_t)size : FG_7Z_CHUNK;
        int rc = fg_7z_pipe_read(&j->src, p, j->chunk, n);
        if (rc)
            return rc;
        crc = crc32(crc, j->chunk, (uInt)n);
        size -= n;
        if (pc->over)
            continue;
        if ((rc = fg_buf_append(&pc->b, j->chunk, n)) == FG_ELIMIT) {
            pc->over = 1;
            fg_buf_free(&pc->b);
            if (last && size) {
                pc->cut = 1;
                return FG_OK;
            }
        } else if (rc) {
            return rc;
        }
    }
    pc->crc = (uint32_t)crc;
    return FG_OK;
}

static const char *file_name(const struct job *j, size_t file)
{
    const char *n = file < j->db.nfiles ? j->db.file[file].name : NULL;
    return n ? n : "(unnamed)";
}

static int emit(struct job *j, const char *name, const void *data, size_t len)
{
    j->emitted++;
    return fg_emit_child(j->ctx, j->obj, name, data ? data : "", len, NULL, 0);
}

/* Hands one decoded file over; rc is how decoding it ended. */
static int deliver(struct job *j, const struct fg_7z_sub *s, struct piece *pc, int rc,
                   const char *why)
{
    const char *name = file_name(j, s->file);
    if (rc) {
        fg_finding_add(j->ctx, j->obj, "malformed.member", FG_SEV_LOW, 1, name,
                       "7z member could not be decoded (%s); the rest of its block was not "
                       "examined", why ? why : fg_strerror(rc));
        int erc = pc->b.len ? emit(j, name, pc->b.p, pc->b.len) : FG_OK;
        return erc ? erc : rc;
    }
    if (pc->over) {
        fg_limit_size_hit(j->ctx, j->obj, name);
        return FG_OK;
    }
    if (s->has_crc && pc->crc != s->crc)
        fg_finding_add(j->ctx, j->obj, "malformed.member", FG_SEV_LOW, 1, name,
                       "7z member fails its CRC check");
    return emit(j, name, pc->b.p, pc->b.len);
}

/* Decodes a folder and emits its files.  With a password, the first non-empty file is the
 * test: if it does not decode or fails its CRC, FG_7Z_WRONG_KEY comes back and nothing but empty
 * files was emitted.  0 means the folder opened (its members' problems are findings by then). */
static int extract_folder(struct job *j, const struct fg_7z_folder *f, size_t pw)
{
    struct fg_7z_pipe p;
    int rc = fg_7z_pipe_open(&j->src, &j->db, f, pw, &p), checked = pw == FG_7Z_NOPW;
    for (size_t k = 0; !rc && k < f->nsub; k++) {
        const struct fg_7z_sub *s = &j->db.sub[f->sub_first + k];
        struct piece pc = {.over = 0, .cut = 0};
        int drc = read_sub(j, &p, s->size, k + 1 == f->nsub, &pc);
        if (drc == FG_ETIMEOUT || drc == FG_ENOMEM) {
            rc = drc;
        } else if (!checked && (drc || (!pc.cut && s->has_crc && pc.crc != s->crc))) {
            rc = FG_7Z_WRONG_KEY;
        } else {
            checked |= s->size > 0;
            rc = deliver(j, s, &pc, drc, p.why);
            if (rc != FG_ETIMEOUT && rc != FG_ENOMEM)
                rc = FG_OK; /* reported as a finding */
        }
        fg_buf_free(&pc.b);
        if (drc || pc.cut) /* the stream position is lost or nothing more is wanted */
            break;
    }
    j->why = p.why;
    fg_7z_pipe_close(&p);
    return rc;
}

static void folder_problem(struct job *j, const struct fg_7z_folder *f, int rc, const char *why)
{
    size_t first = f->nsub ? j->db.sub[f->sub_first].file : SIZE_MAX;
    fg_finding_add(j->ctx, j->obj, rc == FG_EUNSUPPORTED ? "unsupported.member"
                                                          : "malformed.member",
                   FG_SEV_LOW, 1, file_name(j, first), "7z block of %zu member(s) not read: %s",
                   f->nsub, why ? why : fg_strerror(rc));
}

/* Tries the candidates on an encrypted folder, the one that worked last first. */
static int open_folder(struct job *j, const struct fg_7z_folder *f)
{
    const char *why;
    int rc = fg_7z_folder_check(f, &why);
    if (rc) {
        folder_problem(j, f, rc, why);
        return FG_OK;
    }
    if (!fg_7z_folder_encrypted(f)) {
        rc = extract_folder(j, f, FG_7Z_NOPW);
    } else {
        rc = FG_7Z_WRONG_KEY;
        for (size_t t = 0; rc == FG_7Z_WRONG_KEY && t < j->npw; t++) {
            size_t i = (j->good + t) % j->npw;
            if ((rc = extract_folder(j, f, i)) == FG_OK) {
                j->good = i;
                j->opened++;
            }
        }
        if (rc == FG_7Z_WRONG_KEY) {
            if (!j->locked++)
                snprintf(j->locked_name, sizeof j->locked_name, "%s",
                         file_name(j, j->db.sub[f->sub_first].file));
            return FG_OK;
        }
    }
    if (rc != FG_OK && rc != FG_ETIMEOUT && rc != FG_ENOMEM) {
        folder_problem(j, f, rc, j->why);
        rc = FG_OK;
    }
    return rc;
}

static int extract_all(struct job *j)
{
    for (size_t i = 0; i < j->db.nfolders; i++) {
        const struct fg_7z_folder *f = &j->db.folder[i];
        /* libarchive has already emitted what is not encrypted, unless it could not even
         * read the names */
        if (!f->nsub || (!j->emit_all && !fg_7z_folder_encrypted(f)))
            continue;
        j->encrypted += fg_7z_folder_encrypted(f);
        int rc = open_folder(j, f);
        if (rc)
            return rc;
    }
    if (!j->emit_all && !j->encrypted) {
        /* libarchive saw encryption where we see none: never let that pass as clean */
        j->why = "no encrypted block found";
        return FG_EFORMAT;
    }
    for (size_t i = 0; j->emit_all && i < j->db.nfiles; i++) {
        const struct fg_7z_file *f = &j->db.file[i];
        if (!f->has_stream && !f->is_dir && !f->anti) {
            int rc = emit(j, file_name(j, i), NULL, 0);
            if (rc)
                return rc;
        }
    }
    return FG_OK;
}

/* Decodes the packed header with one password (or none) into j->hdr; FG_7Z_WRONG_KEY if that
 * password was not it. */
static int decode_header(struct job *j, struct fg_7z_db *hdb, size_t pw, size_t *hlen)
{
    const struct fg_7z_folder *f = &hdb->folder[0];
    uint64_t size = fg_7z_folder_size(f);
    struct fg_7z_pipe p;
    if (size == 0 || size >= fg_child_room(j->ctx, j->obj)) {
        j->why = "header is empty or too large";
        return FG_EFORMAT;
    }
    uint8_t *buf = malloc((size_t)size);
    if (!buf)
        return FG_ENOMEM;
    /* fails only for reasons no password changes */
    int rc = fg_7z_pipe_open(&j->src, hdb, f, pw, &p);
    j->why = p.why;
    if (!rc) {
        rc = fg_7z_pipe_read(&j->src, &p, buf, (size_t)size);
        if (!rc && ((f->has_crc && crc32_z(0, buf, (size_t)size) != f->crc) ||
                    buf[0] != FG_7Z_K_HEADER))
            rc = FG_EFORMAT;
        j->why = p.why ? p.why : "header does not decode";
        /* a wrong key makes garbage, which may fail in any way */
        if (pw != FG_7Z_NOPW && rc && rc != FG_ETIMEOUT && rc != FG_ENOMEM)
            rc = FG_7Z_WRONG_KEY;
    }
    fg_7z_pipe_close(&p);
    if (rc) {
        free(buf);
        return rc;
    }
    free(j->hdr);
    j->hdr = buf;
    *hlen = (size_t)size;
    return FG_OK;
}

/* kEncodedHeader: the real header is packed (and maybe encrypted) like a file. */
static int open_encoded_header(struct job *j, const uint8_t *p, size_t len)
{
    struct fg_7z_db hdb = {0};
    size_t hlen = 0;
    int rc = fg_7z_parse_encoded(&hdb, p, len);
    j->why = hdb.why;
    if (!rc && (hdb.nfolders != 1 || !hdb.npack)) {
        j->why = "bad packed header";
        rc = FG_EFORMAT;
    }
    if (!rc && !fg_7z_folder_encrypted(&hdb.folder[0])) {
        rc = decode_header(j, &hdb, FG_7Z_NOPW, &hlen);
    } else if (!rc) {
        j->emit_all = 1;
        rc = FG_7Z_WRONG_KEY;
        for (size_t i = 0; rc == FG_7Z_WRONG_KEY && i < j->npw; i++)
            if ((rc = decode_header(j, &hdb, i, &hlen)) == FG_OK) {
                j->good = i;
                j->hdr_opened = 1;
            }
        if (rc == FG_7Z_WRONG_KEY)
            rc = FG_EENCRYPTED;
    }
    fg_7z_db_free(&hdb);
    if (rc)
        return rc;
    rc = fg_7z_parse_header(&j->db, j->hdr, hlen);
    j->why = j->db.why;
    return rc;
}

static int read_database(struct job *j, const uint8_t *p, size_t len)
{
    if (len == 0)
        return FG_OK; /* an empty archive */
    if (p[0] == FG_7Z_K_HEADER) {
        int rc = fg_7z_parse_header(&j->db, p, len);
        j->why = j->db.why;
        return rc;
    }
    if (p[0] == FG_7Z_K_ENCODED_HEADER)
        return open_encoded_header(j, p, len);
    j->why = "unknown header type";
    return FG_EFORMAT;
}

static int job_init(struct job *j, struct fg_ctx *ctx, struct fg_obj *obj)
{
    const char *const *list = NULL;
    size_t n = fg_ctx_passwords(ctx, obj, &list);
    j->ctx = ctx;
    j->obj = obj;
    if (n && !(j->pw = calloc(n, sizeof *j->pw)))
        return FG_ENOMEM;
    for (; j->npw < n; j->npw++)
        if (!(j->pw[j->npw] = strdup(list[j->npw])))
            return FG_ENOMEM;
    j->src = (struct fg_7z_src){.ctx = ctx, .data = obj->data, .len = obj->len, .pw = j->pw,
                                .npw = j->npw};
    return FG_OK;
}

static void job_free(struct job *j)
{
    for (size_t i = 0; i < j->npw; i++)
        free(j->pw[i]);
    fg_7z_src_clear(&j->src);
    free(j->pw);
    free(j->hdr);
    fg_7z_db_free(&j->db);
    free(j);
}

/* Turns what happened into findings and the unpacker's return value. */
static int finish(struct job *j, int rc)
{
    char ev[200];
    if (j->opened || j->hdr_opened)
        fg_finding_add(j->ctx, j->obj, "encrypted.opened", FG_SEV_INFO, 0, NULL,
                       "encrypted 7z opened with a known password (%zu block(s)%s)",
                       j->opened, j->hdr_opened ? ", names encrypted too" : "");
    if (rc == FG_EENCRYPTED || (!rc && j->locked)) {
        if (j->emitted) { /* a child's unpacker may have reloaded the context's candidates */
            const char *const *list;
            fg_ctx_passwords(j->ctx, j->obj, &list);
        }
        if (rc == FG_EENCRYPTED)
            snprintf(ev, sizeof ev, "header encrypted: names and contents hidden");
        else
            snprintf(ev, sizeof ev, "%s; %zu encrypted block(s) not opened", j->locked_name,
                     j->locked);
        fg_ctx_encrypted(j->ctx, j->obj, "7z", ev);
        return FG_EENCRYPTED;
    }
    if (rc == FG_EFORMAT || rc == FG_EUNSUPPORTED || rc == FG_EINTERNAL)
        fg_ctx_set_error(j->ctx, "7z: %s", j->why ? j->why : fg_strerror(rc));
    return rc == FG_EINTERNAL ? FG_EFORMAT : rc;
}

static int unpack_7z(struct fg_ctx *ctx, struct fg_obj *obj, int all)
{
    struct job *j = calloc(1, sizeof *j);
    const uint8_t *hdr = NULL;
    size_t hlen = 0;
    if (!j)
        return FG_ENOMEM;
    j->emit_all = all;
    int rc = job_init(j, ctx, obj);
    if (!rc)
        rc = fg_7z_read_signature(obj->data, obj->len, &hdr, &hlen, &j->why);
    if (!rc)
        rc = read_database(j, hdr, hlen);
    if (!rc)
        rc = extract_all(j);
    rc = rc == FG_ENOMEM || rc == FG_ETIMEOUT ? rc : finish(j, rc);
    job_free(j);
    return rc;
}

int fg_7z_unpack_encrypted(struct fg_ctx *ctx, struct fg_obj *obj)
{
    return unpack_7z(ctx, obj, 0);
}

int fg_7z_unpack_all(struct fg_ctx *ctx, struct fg_obj *obj)
{
    return unpack_7z(ctx, obj, 1);
}
