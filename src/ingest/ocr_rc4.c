/*
 * ocr_rc4.c - Office 97-2003 encryption (MS-OFFCRYPTO 2.3.5, 2.3.6; MS-XLS 2.2.10): RC4
 * itself, the RC4 and RC4 CryptoAPI password keys and verifiers, the FILEPASS record of an
 * Excel workbook and the in-place decryption of its record bodies.
 */
#include <string.h>

#include "ocr_int.h"

void fg_rc4_init(struct fg_rc4 *r, const uint8_t *key, size_t n)
{
    for (int i = 0; i < 256; i++)
        r->s[i] = (uint8_t)i;
    uint8_t j = 0;
    for (int i = 0; i < 256; i++) {
        j = (uint8_t)(j + r->s[i] + key[(size_t)i % n]);
        uint8_t t = r->s[i];
        r->s[i] = r->s[j];
        r->s[j] = t;
    }
    r->i = r->j = 0;
}

void fg_rc4_crypt(struct fg_rc4 *r, uint8_t *buf, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        r->i = (uint8_t)(r->i + 1);
        r->j = (uint8_t)(r->j + r->s[r->i]);
        uint8_t t = r->s[r->i];
        r->s[r->i] = r->s[r->j];
        r->s[r->j] = t;
        buf[k] ^= r->s[(uint8_t)(r->s[r->i] + r->s[r->j])];
    }
}

void fg_ocr_rc4_block_key(const struct fg_ocr_info *in, const uint8_t *key, size_t key_len,
                          uint32_t block, uint8_t out[16])
{
    uint8_t le[4] = {(uint8_t)block, (uint8_t)(block >> 8), (uint8_t)(block >> 16),
                     (uint8_t)(block >> 24)};
    uint8_t h[20];
    if (in->kind == FG_OCR_RC4) {
        /* MD5 of the 40-bit intermediate key and the block number: a full 128-bit key. */
        if (fg_ocr_digest(EVP_md5(), key, 5, le, 4, h))
            memset(h, 0, sizeof h);
        memcpy(out, h, 16);
        return;
    }
    (void)key_len;
    if (fg_ocr_digest(EVP_sha1(), key, 20, le, 4, h))
        memset(h, 0, sizeof h);
    /* CryptoAPI: the first KeySize bits; a 40-bit key is used as 128 bits, zero-filled. */
    memset(out, 0, 16);
    memcpy(out, h, in->key_len);
}

/* The verifier check shared by both kinds: RC4 with block 0's key over the verifier and then
 * (same keystream) its hash; the hash of the clear verifier must match. */
static int rc4_verify(const struct fg_ocr_info *in, const uint8_t *key, size_t key_len)
{
    uint8_t k[16], v[16], vh[20], h[20];
    struct fg_rc4 r;
    fg_ocr_rc4_block_key(in, key, key_len, 0, k);
    fg_rc4_init(&r, k, in->kind == FG_OCR_RC4 ? 16 : (in->key_len == 5 ? 16 : in->key_len));
    memcpy(v, in->verifier, 16);
    memcpy(vh, in->verifier_hash, in->verifier_hash_len);
    fg_rc4_crypt(&r, v, 16);
    fg_rc4_crypt(&r, vh, in->verifier_hash_len);
    const EVP_MD *md = in->kind == FG_OCR_RC4 ? EVP_md5() : EVP_sha1();
    if (fg_ocr_digest(md, v, 16, NULL, 0, h))
        return FG_EINTERNAL;
    return memcmp(h, vh, in->verifier_hash_len) ? 1 : FG_OK;
}

int fg_ocr_rc4_password_key(const struct fg_ocr_info *in, const uint8_t *pw16, size_t n,
                            uint8_t key[64], size_t *key_len)
{
    if (in->kind == FG_OCR_RC4_CAPI) {
        /* H0 = SHA-1(salt || password); no iterations in this scheme. */
        if (fg_ocr_digest(EVP_sha1(), in->salt, 16, pw16, n, key))
            return FG_EINTERNAL;
        *key_len = 20;
    } else {
        /* 2.3.6.2: MD5 of the password, its first 5 bytes and the salt repeated 16 times,
         * MD5 of that, cut to 5 bytes (40 bits, the export-era key size). */
        uint8_t h0[16], buf[16 * 21], h1[16];
        if (fg_ocr_digest(EVP_md5(), pw16, n, NULL, 0, h0))
            return FG_EINTERNAL;
        for (int i = 0; i < 16; i++) {
            memcpy(buf + 21 * i, h0, 5);
            memcpy(buf + 21 * i + 5, in->salt, 16);
        }
        if (fg_ocr_digest(EVP_md5(), buf, sizeof buf, NULL, 0, h1))
            return FG_EINTERNAL;
        memcpy(key, h1, 5);
        *key_len = 5;
    }
    return rc4_verify(in, key, *key_len);
}

int fg_ocr_parse_filepass(const uint8_t *p, size_t n, struct fg_ocr_info *out,
                          const char **why)
{
    struct fg_view v = {p, n};
    uint16_t type, major, minor;
    memset(out, 0, sizeof *out);
    if (fg_view_u16le(&v, 0, &type)) {
        *why = "FILEPASS record is truncated";
        return FG_EFORMAT;
    }
    if (type == 0) {
        *why = "XOR obfuscation (Excel 95 style)";
        return FG_EUNSUPPORTED;
    }
    if (type != 1 || fg_view_u16le(&v, 2, &major) || fg_view_u16le(&v, 4, &minor)) {
        *why = type != 1 ? "unknown FILEPASS encryption type" : "FILEPASS record is truncated";
        return type != 1 ? FG_EUNSUPPORTED : FG_EFORMAT;
    }
    if (major == 1 && minor == 1) {
        if (!fg_view_at(&v, 6, 48)) {
            *why = "FILEPASS record is truncated";
            return FG_EFORMAT;
        }
        out->kind = FG_OCR_RC4;
        out->hash = FG_OCR_MD5;
        out->hash_len = 16;
        out->key_len = 5;
        out->salt_len = out->verifier_len = out->verifier_hash_len = 16;
        memcpy(out->salt, p + 6, 16);
        memcpy(out->verifier, p + 22, 16);
        memcpy(out->verifier_hash, p + 38, 16);
        return FG_OK;
    }
    if (major >= 2 && major <= 4 && minor == 2) {
        int rc = fg_ocr_parse_capi(p + 6, n - 6, out, why);
        if (!rc && out->kind != FG_OCR_RC4_CAPI) {
            *why = "FILEPASS names a cipher other than RC4";
            return FG_EUNSUPPORTED;
        }
        return rc;
    }
    *why = "unknown FILEPASS encryption version";
    return FG_EUNSUPPORTED;
}

/* Records Excel leaves in clear text in an encrypted stream (MS-XLS 2.2.10). */
static int clear_record(uint16_t type)
{
    switch (type) {
    case 0x0809: /* BOF */
    case 0x002F: /* FILEPASS */
    case 0x0194: /* UsrExcl */
    case 0x0195: /* FileLock */
    case 0x00E1: /* InterfaceHdr */
    case 0x0196: /* RRDInfo */
    case 0x0138: /* RRDHead */
        return 1;
    }
    return 0;
}

#define XLS_BLOCK 1024

/* The keystream runs over the whole stream by offset (record headers use it up without
 * being encrypted), restarting with a new key every 1024 bytes. */
struct keystream {
    const struct fg_ocr_info *in;
    const uint8_t *key;
    size_t key_len;
    uint32_t block;
    int have;
    uint8_t ks[XLS_BLOCK];
};

static uint8_t ks_at(struct keystream *k, size_t off)
{
    uint32_t b = (uint32_t)(off / XLS_BLOCK);
    if (!k->have || b != k->block) {
        uint8_t bk[16];
        struct fg_rc4 r;
        fg_ocr_rc4_block_key(k->in, k->key, k->key_len, b, bk);
        fg_rc4_init(&r, bk, k->in->kind == FG_OCR_RC4_CAPI && k->in->key_len != 5
                                ? k->in->key_len : 16);
        memset(k->ks, 0, sizeof k->ks);
        fg_rc4_crypt(&r, k->ks, sizeof k->ks);
        k->block = b;
        k->have = 1;
    }
    return k->ks[off % XLS_BLOCK];
}

void fg_ocr_xls_decrypt(const struct fg_ocr_info *in, const uint8_t *key, size_t key_len,
                        uint8_t *wb, size_t len, size_t filepass_end)
{
    struct keystream k = {.in = in, .key = key, .key_len = key_len, .have = 0};
    size_t off = filepass_end;
    /* The clear stream no longer needs its FILEPASS: readers that stop at one (as Excel
     * would without the key) should read on, so its type becomes one no reader knows. */
    if (filepass_end >= 4 + 6) {
        for (size_t p = 0; p + 4 <= filepass_end;) {
            size_t size = (size_t)(wb[p + 2] | wb[p + 3] << 8);
            if (p + 4 + size == filepass_end && wb[p] == 0x2F && wb[p + 1] == 0) {
                wb[p] = wb[p + 1] = 0xFF;
                break;
            }
            p += 4 + size;
        }
    }
    while (off + 4 <= len) {
        uint16_t type = (uint16_t)(wb[off] | wb[off + 1] << 8);
        size_t size = (size_t)(wb[off + 2] | wb[off + 3] << 8), body = off + 4;
        size_t end = size > len - body ? len : body + size;
        if (!clear_record(type)) {
            /* BoundSheet8 keeps its stream offset (lbPlyPos) readable. */
            size_t from = type == 0x0085 ? body + 4 : body;
            for (size_t p = from; p < end; p++)
                wb[p] ^= ks_at(&k, p);
        }
        off = end;
    }
}
