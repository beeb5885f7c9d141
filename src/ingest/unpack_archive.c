/*
 * unpack_archive.c - archives and compressed streams through libarchive: zip (and OOXML,
 * ODF, JAR), 7z, rar, tar, cpio, ar, iso9660, cab, lha, xar, and gzip, bzip2, xz, lzma,
 * lzip, zstd and compress streams.
 *
 * Formats and filters are enabled one by one, never with *_all(): libarchive falls back to
 * running external programs for some filters (lrzip, lzop, grzip), and its mtree format
 * reads files named inside the archive from the local disk.  Neither may ever happen on a
 * hostile input.
 */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../core/buf.h"
#include "sevenzip.h"
#include "unpack.h"

#define CHUNK 65536

static const char *const archive_types[] = {"zip", "7z", "rar", "tar", "cpio", "ar", "iso9660",
                                            "cab", "lha", "xar", "gzip", "bzip2", "xz",
                                            "zstd", "lzip", "arj", NULL};

static int is_stream_type(const char *t)
{
    return !strcmp(t, "gzip") || !strcmp(t, "bzip2") || !strcmp(t, "xz") ||
           !strcmp(t, "zstd") || !strcmp(t, "lzip");
}

static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int l = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        if (!l)
            return 0;
        for (int i = 1; i < l; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += l;
    }
    return 1;
}

/* Zip files made on Japanese Windows carry Shift_JIS (CP932) names without the UTF-8 flag.
 * Returns a malloc'ed UTF-8 name, or NULL if the bytes are not CP932 either. */
static char *from_cp932(const char *s)
{
    iconv_t cd = iconv_open("UTF-8", "CP932");
    if (cd == (iconv_t)-1)
        return NULL;
    size_t inl = strlen(s), outl = inl * 3 + 1;
    char *out = malloc(outl), *op = out;
    char *ip = (char *)s;
    if (out && iconv(cd, &ip, &inl, &op, &outl) != (size_t)-1 && inl == 0) {
        *op = 0;
    } else {
        free(out);
        out = NULL;
    }
    iconv_close(cd);
    return out;
}

/* Name of a compressed stream's content: "a.tar.gz" -> "a.tar", "x.tgz" -> "x.tar". */
static char *stream_member_name(const char *parent)
{
    static const char *const sfx[][2] = {{".tgz", ".tar"}, {".tbz2", ".tar"}, {".tbz", ".tar"},
                                         {".txz", ".tar"}, {".tzst", ".tar"}, {".gz", ""},
                                         {".bz2", ""}, {".xz", ""}, {".zst", ""}, {".lz", ""},
                                         {".z", ""}};
    const char *base = strrchr(parent, '/');
    base = base ? base + 1 : parent;
    size_t l = strlen(base);
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        size_t sl = strlen(sfx[i][0]);
        if (l > sl && !strcasecmp(base + l - sl, sfx[i][0])) {
            char *n;
            if (asprintf(&n, "%.*s%s", (int)(l - sl), base, sfx[i][1]) < 0)
                return NULL;
            return n;
        }
    }
    return strdup("(decompressed)");
}

/* The entry's name as UTF-8 (caller frees). */
static char *entry_name(struct archive_entry *ent)
{
    const char *u = archive_entry_pathname_utf8(ent);
    if (u && valid_utf8(u))
        return strdup(u);
    const char *raw = archive_entry_pathname(ent);
    if (!raw)
        return strdup("(unnamed)");
    if (valid_utf8(raw))
        return strdup(raw);
    char *c = from_cp932(raw);
    return c ? c : strdup(raw); /* fg_emit_child escapes whatever is left */
}

static struct archive *open_archive(struct fg_obj *obj, const char *const *pw, size_t npw)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_lzma(a);
    archive_read_support_filter_lzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_compress(a);
    if (is_stream_type(obj->type)) {
        /* A compressed stream is one member, whatever it holds.  Letting tar bid here would
         * read content that starts with a zero block as an empty tar and hide the rest; the
         * decompressed member is identified and unpacked on its own instead. */
        archive_read_support_format_raw(a);
        goto open;
    }
    archive_read_support_format_zip(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_ar(a);
    archive_read_support_format_iso9660(a);
    archive_read_support_format_cab(a);
    archive_read_support_format_lha(a);
    archive_read_support_format_xar(a);
open:
    for (size_t i = 0; i < npw; i++)
        archive_read_add_passphrase(a, pw[i]);
    if (archive_read_open_memory(a, obj->data, obj->len) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

struct state {
    size_t members, enc_failed, enc_opened, broken;
    int ooxml, odf, jar;
    char first_enc[128];
    char *failed[FG_CAP_RETRY_MEMBERS]; /* encrypted members no candidate list opened */
    size_t nfailed;
};

/* Reads one member's data into a capped buffer; returns 0, FG_ELIMIT or a libarchive error. */
static int read_member(struct fg_ctx *ctx, struct fg_obj *obj, struct archive *a,
                       struct fg_buf *b)
{
    uint8_t *chunk = malloc(CHUNK);
    if (!chunk)
        return FG_ENOMEM;
    int rc = FG_OK;
    for (;;) {
        la_ssize_t n = archive_read_data(a, chunk, CHUNK);
        if (n == 0)
            break;
        if (n < 0) {
            rc = (int)n; /* ARCHIVE_WARN / FAILED / FATAL */
            if (n == ARCHIVE_WARN)
                continue;
            break;
        }
        if ((rc = fg_buf_append(b, chunk, (size_t)n)))
            break;
        if (fg_ctx_expired(ctx)) {
            rc = FG_ETIMEOUT;
            break;
        }
    }
    free(chunk);
    (void)obj;
    return rc;
}

static void note_name(struct state *st, const char *name, size_t idx)
{
    if (!strcmp(name, "[Content_Types].xml"))
        st->ooxml = 1;
    else if (idx == 0 && !strcmp(name, "mimetype"))
        st->odf = 1;
    else if (!strcmp(name, "META-INF/MANIFEST.MF"))
        st->jar = 1;
}

static int one_member(struct fg_ctx *ctx, struct fg_obj *obj, struct archive *a,
                      struct archive_entry *ent, struct state *st)
{
    char *name = entry_name(ent);
    if (!name)
        return FG_ENOMEM;
    if (archive_format(a) == ARCHIVE_FORMAT_RAW) {
        free(name);
        if (!(name = stream_member_name(obj->name ? obj->name : "")))
            return FG_ENOMEM;
    }
    note_name(st, name, st->members);
    st->members++;
    int encrypted = archive_entry_is_data_encrypted(ent) > 0;
    struct fg_buf b;
    fg_buf_init(&b, fg_child_room(ctx, obj));
    int rc = read_member(ctx, obj, a, &b);
    if (rc == FG_ELIMIT) {
        fg_limit_size_hit(ctx, obj, name);
        rc = FG_OK;
    } else if (rc == FG_ETIMEOUT || rc == FG_ENOMEM) {
        /* fall through to cleanup with rc */
    } else if (rc < 0) {
        const char *why = archive_error_string(a);
        if (encrypted) {
            if (!st->enc_failed++)
                snprintf(st->first_enc, sizeof st->first_enc, "%s", name);
            if (st->nfailed < FG_CAP_RETRY_MEMBERS && (st->failed[st->nfailed] = strdup(name)))
                st->nfailed++;
        } else {
            st->broken++;
            /* libarchive says "Unsupported" for methods it lacks (zip deflate64, implode):
             * that is our gap, not a broken file, and the report should say which. */
            int unsupported = why && strstr(why, "nsupported");
            fg_finding_add(ctx, obj, unsupported ? "unsupported.member" : "malformed.member",
                           FG_SEV_LOW, 1, name, "member could not be read: %s",
                           why ? why : "unknown error");
        }
        rc = rc == ARCHIVE_FATAL ? FG_EFORMAT : FG_OK;
    } else {
        if (encrypted)
            st->enc_opened++;
        rc = fg_emit_child(ctx, obj, name, b.p, b.len, NULL, 0);
    }
    fg_buf_free(&b);
    free(name);
    return rc;
}

/* Index of 'name' among the failed members not yet opened, or -1. */
static long failed_index(struct state *st, const char *name)
{
    for (size_t i = 0; i < st->nfailed; i++)
        if (st->failed[i] && !strcmp(st->failed[i], name))
            return (long)i;
    return -1;
}

/*
 * ZipCrypto checks a password against one byte of the member's header, so one wrong
 * candidate in 256 passes that check; libarchive then decrypts with it, fails, and never
 * tries the right candidate after it.  Words from mail text make such false passes common,
 * so members that failed with the whole list are tried once more with each candidate alone.
 */
static int retry_one_by_one(struct fg_ctx *ctx, struct fg_obj *obj, struct state *st,
                            const char *const *pw, size_t npw)
{
    int rc = FG_OK;
    for (size_t i = 0; i < npw && st->enc_failed && rc == FG_OK; i++) {
        struct archive *a = open_archive(obj, &pw[i], 1);
        if (!a)
            break;
        struct archive_entry *ent;
        while (rc == FG_OK && archive_read_next_header(a, &ent) == ARCHIVE_OK) {
            char *name = entry_name(ent);
            long k = name ? failed_index(st, name) : -1;
            if (k >= 0) {
                struct fg_buf b;
                fg_buf_init(&b, fg_child_room(ctx, obj));
                int r = read_member(ctx, obj, a, &b);
                if (r == FG_ETIMEOUT || r == FG_ENOMEM) {
                    rc = r;
                } else if (r == FG_OK) {
                    free(st->failed[k]);
                    st->failed[k] = NULL;
                    st->enc_failed--;
                    st->enc_opened++;
                    rc = fg_emit_child(ctx, obj, name, b.p, b.len, NULL, 0);
                }
                fg_buf_free(&b);
            }
            free(name);
        }
        archive_read_free(a);
    }
    return rc;
}

static int unpack(struct fg_ctx *ctx, struct fg_obj *obj)
{
    if (!strcmp(obj->type, "arj")) {
        /* No library in Debian reads ARJ; an archive we cannot open is never clean. */
        fg_ctx_set_error(ctx, "no ARJ reader is available");
        return FG_EUNSUPPORTED;
    }
    const char *const *pw = NULL;
    size_t npw = 0;
    if (!strcmp(obj->type, "zip") || !strcmp(obj->type, "7z") || !strcmp(obj->type, "rar"))
        npw = fg_ctx_passwords(ctx, obj, &pw);
    struct archive *a = open_archive(obj, pw, npw);
    if (!a) {
        fg_ctx_set_error(ctx, "not a readable %s archive", obj->type);
        return FG_EFORMAT;
    }
    struct state st = {0};
    struct archive_entry *ent;
    int rc = FG_OK, r;
    while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        /* Only directories and links carry no data.  Mode bits come from the archive, so a
         * member marked FIFO or device may still hold a payload that extractors write out:
         * anything else is read like a file. */
        mode_t ft = archive_entry_filetype(ent);
        if (ft == AE_IFDIR || ft == AE_IFLNK ||
            (archive_entry_hardlink(ent) && archive_entry_size(ent) == 0)) {
            archive_read_data_skip(a);
            continue;
        }
        rc = one_member(ctx, obj, a, ent, &st);
        if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
            break;
        if (rc == FG_EFORMAT) {
            r = ARCHIVE_FATAL;
            break;
        }
    }
    int fatal = r == ARCHIVE_FATAL;
    const char *why = archive_error_string(a);
    int hdr_encrypted = fatal && why && strstr(why, "ncrypt");
    int is7z = archive_format(a) == ARCHIVE_FORMAT_7ZIP || !strcmp(obj->type, "7z");
    char whybuf[256];
    snprintf(whybuf, sizeof whybuf, "%s", why ? why : "");
    archive_read_free(a);
    if (rc == FG_OK && !is7z && st.enc_failed && st.enc_failed == st.nfailed && npw > 1)
        rc = retry_one_by_one(ctx, obj, &st, pw, npw);
    for (size_t i = 0; i < st.nfailed; i++)
        free(st.failed[i]);
    if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
        return rc;

    if (st.ooxml)
        fg_obj_set_type(ctx, obj, "ooxml");
    else if (st.odf)
        fg_obj_set_type(ctx, obj, "odf");
    else if (st.jar)
        fg_obj_set_type(ctx, obj, "jar");

    if (is7z && (st.enc_failed || hdr_encrypted))
        /* libarchive reads no 7z AES; our own reader takes over (unpack_7zaes.c). */
        return fg_7z_unpack_encrypted(ctx, obj);
    if (is7z && fatal && !st.members)
        /* libarchive gave up before the first member (more coders than it allows). */
        return fg_7z_unpack_all(ctx, obj);
    if (st.enc_failed || hdr_encrypted) {
        char ev[200];
        snprintf(ev, sizeof ev, "%s%s%zu encrypted member(s)%s", st.first_enc,
                 st.first_enc[0] ? "; " : "", st.enc_failed ? st.enc_failed : 1,
                 hdr_encrypted ? ", names encrypted too" : "");
        fg_ctx_encrypted(ctx, obj, obj->type, ev);
        return FG_EENCRYPTED;
    }
    if (st.enc_opened)
        fg_finding_add(ctx, obj, "encrypted.opened", FG_SEV_INFO, 0, NULL,
                       "%zu encrypted member(s) opened with a known password", st.enc_opened);
    if (fatal) {
        fg_ctx_set_error(ctx, "%s", whybuf[0] ? whybuf : "archive is truncated or corrupt");
        return FG_EFORMAT;
    }
    return FG_OK;
}

const struct fg_unpacker fg_unpack_archive = {
    .name = "archive",
    .types = archive_types,
    .unpack = unpack,
};
