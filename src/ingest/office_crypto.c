/*
 * office_crypto.c - what the scan does with an encrypted Office document: tries Excel's
 * default password and the scan's candidates, emits the decrypted package or decrypts a
 * workbook stream in place, and leaves encrypted.opened / encrypted.office findings.  The
 * formats themselves are in ocr_ecma.c (OOXML) and ocr_rc4.c (97-2003 binaries).
 */
#define _GNU_SOURCE
#include "office_crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"

/* ---- passwords ---- */

struct attempt {
    char which[96]; /* how the key was found, for the evidence */
    size_t tried;   /* candidates tried, the default included */
    uint8_t key[64];
    size_t key_len;
};

/* Rounds of hashing one password costs under this scheme (the few fixed digests around the
 * loop are not counted, so that one password at the spec's maximum fits the total cap). */
static uint64_t cost(const struct fg_ocr_info *in)
{
    int spins = in->kind == FG_OCR_STANDARD || in->kind == FG_OCR_AGILE;
    return spins && in->spin ? in->spin : 1;
}

/*
 * Tries the default password, then the scan's candidates.  0 when one opened it (a->key),
 * 1 when none did, FG_ELIMIT when the spin count or the total work is over its cap, or
 * FG_ETIMEOUT / FG_ENOMEM / FG_EINTERNAL.
 */
static int find_key(struct fg_ctx *ctx, struct fg_obj *obj, const struct fg_ocr_info *in,
                    struct attempt *a)
{
    if (in->spin > FG_CAP_OCR_SPIN)
        return FG_ELIMIT;
    const char *const *pw = NULL;
    size_t npw = fg_ctx_passwords(ctx, obj, &pw);
    uint64_t work = 0;
    for (size_t i = 0; i <= npw; i++) {
        const char *p = i ? pw[i - 1] : FG_OCR_DEFAULT_PASSWORD;
        if (i && !strcmp(p, FG_OCR_DEFAULT_PASSWORD))
            continue;
        if ((work += cost(in)) > FG_CAP_OCR_WORK)
            return FG_ELIMIT;
        a->tried++;
        int rc = fg_ocr_password_key(ctx, in, p, a->key, &a->key_len);
        if (rc == 1)
            continue;
        if (rc)
            return rc;
        if (i)
            snprintf(a->which, sizeof a->which, "password candidate %zu of %zu", i, npw);
        else
            snprintf(a->which, sizeof a->which, "the default password %s",
                     FG_OCR_DEFAULT_PASSWORD);
        return FG_OK;
    }
    return 1;
}

/* Turns the outcome of find_key() into findings; returns 0 when the caller may decrypt,
 * 1 when it may not, or the error that ends the input. */
static int report_key(struct fg_ctx *ctx, struct fg_obj *obj, const struct fg_ocr_info *in,
                      const char *what, struct attempt *a, int rc)
{
    char desc[96], ev[320];
    fg_ocr_describe(in, desc, sizeof desc);
    if (rc == FG_OK) {
        snprintf(ev, sizeof ev, "%s; %s", desc, a->which);
        fg_finding_add(ctx, obj, "encrypted.opened", FG_SEV_INFO, 0, ev,
                       "encrypted %s opened with %s", what, a->which);
        return 0;
    }
    if (rc == 1) {
        snprintf(ev, sizeof ev, "%s, %s; neither the default password %s nor the other "
                 "%zu candidate(s) opened it, so its content was not examined", what, desc,
                 FG_OCR_DEFAULT_PASSWORD, a->tried ? a->tried - 1 : 0);
        fg_ctx_encrypted(ctx, obj, "office", ev);
        return 1;
    }
    if (rc == FG_ELIMIT) {
        snprintf(ev, sizeof ev, "%s, %s", what, desc);
        fg_finding_add(ctx, obj, "encrypted.office", FG_SEV_LOW, 1, ev,
                       "encrypted Office document whose key derivation is over flowgate's "
                       "cap (%u rounds per password, %u in all); its content was not examined",
                       FG_CAP_OCR_SPIN, FG_CAP_OCR_WORK);
        return 1;
    }
    if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
        return rc;
    /* FG_EINTERNAL: never silently clean */
    fg_finding_add(ctx, obj, "encrypted.office", FG_SEV_LOW, 1, what,
                   "encrypted Office document: the cryptographic library failed (%s); its "
                   "content was not examined", fg_strerror(rc));
    return 1;
}

static void not_decryptable(struct fg_ctx *ctx, struct fg_obj *obj, const char *what,
                            const char *why)
{
    char ev[256];
    snprintf(ev, sizeof ev, "%s: %s", what, why);
    fg_finding_add(ctx, obj, "encrypted.office", FG_SEV_LOW, 1, ev,
                   "encrypted Office document in a form flowgate does not decrypt; its "
                   "content was not examined");
}

/* ---- OOXML in OLE2: EncryptionInfo + EncryptedPackage ---- */

/* Decrypts the package and emits it; a package cut short is emitted as far as it goes. */
static int emit_package(struct fg_ctx *ctx, struct fg_obj *obj, const struct fg_ocr_info *in,
                        const struct attempt *a, const struct fg_buf *pkg)
{
    struct fg_buf out;
    fg_buf_init(&out, fg_child_room(ctx, obj));
    int rc = fg_ocr_decrypt_package(ctx, in, a->key, a->key_len, pkg->p, pkg->len, &out);
    if (rc == FG_ELIMIT) {
        fg_limit_size_hit(ctx, obj, "EncryptedPackage");
        rc = FG_OK;
    } else if (rc == FG_EFORMAT || rc == FG_EINTERNAL) {
        fg_finding_add(ctx, obj, "malformed.member", FG_SEV_LOW, 1, "EncryptedPackage",
                       "decrypted package ends after %zu bytes, before its stated size",
                       out.len);
        rc = out.len ? fg_emit_child(ctx, obj, "EncryptedPackage", out.p, out.len, NULL, 0)
                     : FG_OK;
    } else if (rc == FG_OK) {
        rc = fg_emit_child(ctx, obj, "EncryptedPackage", out.p ? out.p : (uint8_t *)"",
                           out.len, NULL, 0);
    }
    fg_buf_free(&out);
    return rc;
}

static int ooxml_package(struct fg_ctx *ctx, struct fg_obj *obj, fg_ocr_read_fn rd, void *arg)
{
    struct fg_buf info, pkg;
    uint64_t isize = 0, psize = 0;
    struct fg_ocr_info in = {.kind = 0};
    struct attempt a = {.tried = 0};
    const char *why = NULL;
    int opened = 0;
    uint64_t room = fg_child_room(ctx, obj);
    int rc = rd(arg, "EncryptionInfo", FG_CAP_OCR_INFO, &info, &isize);
    if (!rc && (rc = fg_ocr_parse_info(info.p, info.len, &in, &why)) == FG_OK) {
        rc = report_key(ctx, obj, &in, "Office document (OOXML package)", &a,
                        find_key(ctx, obj, &in, &a));
        opened = rc == 0;
    } else {
        not_decryptable(ctx, obj, "EncryptedPackage", why ? why : "no EncryptionInfo stream");
        rc = 1;
    }
    fg_buf_free(&info);
    if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
        return rc;
    /* The package itself: decrypted, or as it is so that its bytes are still scanned. */
    size_t max = room > SIZE_MAX - 64 ? SIZE_MAX - 64 : (size_t)room;
    if (rd(arg, "EncryptedPackage", max + 32, &pkg, &psize)) {
        fg_buf_free(&pkg);
        return FG_OK;
    }
    if (psize > pkg.len)
        fg_limit_size_hit(ctx, obj, "EncryptedPackage");
    else if (opened)
        rc = emit_package(ctx, obj, &in, &a, &pkg);
    else if (pkg.len)
        rc = fg_emit_child(ctx, obj, "EncryptedPackage", pkg.p, pkg.len, NULL, 0);
    else
        rc = FG_OK;
    fg_buf_free(&pkg);
    return rc;
}

/* ---- Word and PowerPoint 97-2003: detected, not decrypted ---- */

static const char *binary_scheme(const uint8_t *p, size_t n)
{
    struct fg_view v = {p, n};
    uint16_t major, minor;
    if (fg_view_u16le(&v, 0, &major) || fg_view_u16le(&v, 2, &minor))
        return "encryption header unreadable";
    if (major == 1 && minor == 1)
        return "Office 97-2003 RC4";
    if (major >= 2 && major <= 4 && minor == 2)
        return "RC4 CryptoAPI";
    return "unknown encryption version";
}

static void word_document(struct fg_ctx *ctx, struct fg_obj *obj, fg_ocr_read_fn rd,
                          void *arg)
{
    struct fg_buf b, t;
    uint64_t size;
    uint16_t ident, flags;
    if (rd(arg, "WordDocument", 32, &b, &size) == FG_OK) {
        struct fg_view v = {b.p, b.len};
        /* FIB: wIdent 0xA5EC; flags at 0x0A: fEncrypted 0x0100, fWhichTblStm 0x0200,
         * fObfuscated 0x8000. */
        if (!fg_view_u16le(&v, 0, &ident) && ident == 0xA5EC && !fg_view_u16le(&v, 10, &flags) &&
            (flags & 0x0100)) {
            const char *scheme = "XOR obfuscation";
            if (!(flags & 0x8000)) {
                const char *tbl = (flags & 0x0200) ? "1Table" : "0Table";
                scheme = rd(arg, tbl, 8, &t, &size) ? "its table stream is missing"
                                                    : binary_scheme(t.p, t.len);
                fg_buf_free(&t);
            }
            not_decryptable(ctx, obj, "Word 97-2003 document", scheme);
        }
    }
    fg_buf_free(&b);
}

static void powerpoint(struct fg_ctx *ctx, struct fg_obj *obj, fg_ocr_read_fn rd, void *arg)
{
    struct fg_buf b;
    uint64_t size;
    uint32_t token;
    /* CurrentUserAtom.headerToken says whether the document is encrypted. */
    if (rd(arg, "Current User", 16, &b, &size) == FG_OK) {
        struct fg_view v = {b.p, b.len};
        if (!fg_view_u32le(&v, 12, &token) && token == 0xF3D1C4DF)
            not_decryptable(ctx, obj, "PowerPoint 97-2003 presentation", "RC4 CryptoAPI");
    }
    fg_buf_free(&b);
}

int fg_ocr_ole(struct fg_ctx *ctx, struct fg_obj *obj, fg_ocr_read_fn rd, void *arg)
{
    struct fg_buf b;
    uint64_t size;
    int has_pkg = rd(arg, "EncryptedPackage", 0, &b, &size) == FG_OK;
    fg_buf_free(&b);
    if (has_pkg)
        return ooxml_package(ctx, obj, rd, arg);
    word_document(ctx, obj, rd, arg);
    powerpoint(ctx, obj, rd, arg);
    return FG_OK;
}

/* ---- Excel 97-2003 ---- */

/* Offset of the end of the FILEPASS record, or 0.  It follows the first BOF; the records
 * before it are clear, so only the first few are looked at. */
static size_t find_filepass(const uint8_t *wb, size_t len, const uint8_t **body, size_t *blen)
{
    size_t off = 0;
    for (unsigned i = 0; i < FG_CAP_OCR_XLS_RECORDS && off + 4 <= len; i++) {
        uint16_t type = (uint16_t)(wb[off] | wb[off + 1] << 8);
        size_t size = (size_t)(wb[off + 2] | wb[off + 3] << 8);
        if (i == 0 && type != 0x0809)
            return 0; /* not a BIFF8 workbook stream */
        if (size > len - off - 4)
            return 0;
        if (type == 0x002F) {
            *body = wb + off + 4;
            *blen = size;
            return off + 4 + size;
        }
        off += 4 + size;
    }
    return 0;
}

int fg_ocr_workbook(struct fg_ctx *ctx, struct fg_obj *obj, uint8_t *wb, size_t len)
{
    const uint8_t *fp;
    size_t fplen, end = find_filepass(wb, len, &fp, &fplen);
    if (!end)
        return FG_OK;
    struct fg_ocr_info in;
    const char *why = NULL;
    /* BOF's first field is the BIFF version: Excel 5.0/95 (0x0500) knows only XOR. */
    if (len >= 6 && wb[4] == 0x00 && wb[5] == 0x05) {
        not_decryptable(ctx, obj, "Excel 5.0/95 workbook", "XOR obfuscation");
        return FG_OK;
    }
    int rc = fg_ocr_parse_filepass(fp, fplen, &in, &why);
    if (rc) {
        not_decryptable(ctx, obj, "Excel 97-2003 workbook", why);
        return FG_OK;
    }
    struct attempt a = {.tried = 0};
    rc = report_key(ctx, obj, &in, "Excel 97-2003 workbook", &a, find_key(ctx, obj, &in, &a));
    if (rc == 0)
        fg_ocr_xls_decrypt(&in, a.key, a.key_len, wb, len, end);
    return rc == 1 ? FG_OK : rc;
}
