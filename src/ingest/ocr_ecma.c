/*
 * ocr_ecma.c - ECMA-376 document encryption (MS-OFFCRYPTO 2.3.4): parses the EncryptionInfo
 * stream (Standard: binary header and verifier; Agile: the XML descriptor), derives the key
 * from a password, checks the verifier and decrypts the EncryptedPackage stream.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "ocr_int.h"

/* ---- digests ---- */

const EVP_MD *fg_ocr_md(enum fg_ocr_hash h)
{
    switch (h) {
    case FG_OCR_SHA1: return EVP_sha1();
    case FG_OCR_SHA256: return EVP_sha256();
    case FG_OCR_SHA384: return EVP_sha384();
    case FG_OCR_SHA512: return EVP_sha512();
    case FG_OCR_MD5: return EVP_md5();
    }
    return NULL;
}

int fg_ocr_digest(const EVP_MD *md, const void *a, size_t an, const void *b, size_t bn,
                  uint8_t *out)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, md, NULL) && EVP_DigestUpdate(c, a, an) &&
             EVP_DigestUpdate(c, b, bn) && EVP_DigestFinal_ex(c, out, NULL);
    EVP_MD_CTX_free(c);
    return ok ? FG_OK : FG_EINTERNAL;
}

int fg_ocr_spin(struct fg_ctx *ctx, const EVP_MD *md, const uint8_t *salt, size_t salt_len,
                const uint8_t *pw16, size_t pw16_len, uint32_t spin, uint8_t *out)
{
    size_t hl = (size_t)EVP_MD_get_size(md);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c)
        return FG_ENOMEM;
    int rc = fg_ocr_digest(md, salt, salt_len, pw16, pw16_len, out);
    for (uint32_t i = 0; !rc && i < spin; i++) {
        uint8_t it[4] = {(uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16), (uint8_t)(i >> 24)};
        if (!EVP_DigestInit_ex(c, md, NULL) || !EVP_DigestUpdate(c, it, 4) ||
            !EVP_DigestUpdate(c, out, hl) || !EVP_DigestFinal_ex(c, out, NULL))
            rc = FG_EINTERNAL;
        /* A hostile spin count is capped, but even the cap is seconds of work. */
        if ((i & 0xFFFF) == 0xFFFF && ctx && fg_ctx_expired(ctx))
            rc = FG_ETIMEOUT;
    }
    EVP_MD_CTX_free(c);
    return rc;
}

/* ---- Standard encryption (binary EncryptionInfo) ---- */

#define ALG_RC4 0x6801
#define ALG_AES128 0x660E
#define ALG_AES192 0x660F
#define ALG_AES256 0x6610
#define ALG_SHA1 0x8004
#define FLAG_CRYPTOAPI 0x04
#define FLAG_EXTERNAL 0x10
#define FLAG_AES 0x20

int fg_ocr_parse_capi(const uint8_t *p, size_t n, struct fg_ocr_info *out, const char **why)
{
    struct fg_view v = {p, n};
    uint32_t flags, hsize, alg, alg_hash, bits, salt_size, vh_size;
    if (fg_view_u32le(&v, 0, &flags) || fg_view_u32le(&v, 4, &hsize) || hsize < 32 ||
        hsize > n - 8 || fg_view_u32le(&v, 16, &alg) || fg_view_u32le(&v, 20, &alg_hash) ||
        fg_view_u32le(&v, 24, &bits)) {
        *why = "EncryptionHeader is truncated";
        return FG_EFORMAT;
    }
    if (flags & FLAG_EXTERNAL) {
        *why = "extensible (external provider) encryption";
        return FG_EUNSUPPORTED;
    }
    if (alg_hash != 0 && alg_hash != ALG_SHA1) {
        *why = "hash algorithm other than SHA-1";
        return FG_EUNSUPPORTED;
    }
    if (alg == 0)
        alg = (flags & FLAG_AES) ? ALG_AES128 : ALG_RC4;
    size_t off = 8 + hsize;
    if (fg_view_u32le(&v, off, &salt_size) || salt_size != 16 || !fg_view_at(&v, off + 4, 32) ||
        fg_view_u32le(&v, off + 36, &vh_size) || vh_size != 20) {
        *why = "EncryptionVerifier is truncated or not of the documented sizes";
        return FG_EFORMAT;
    }
    out->hash = FG_OCR_SHA1;
    out->hash_len = 20;
    out->salt_len = 16;
    memcpy(out->salt, p + off + 4, 16);
    out->verifier_len = 16;
    memcpy(out->verifier, p + off + 20, 16);
    if (alg == ALG_RC4) {
        out->kind = FG_OCR_RC4_CAPI;
        out->key_len = bits ? bits / 8 : 5; /* 0 means 40 bits */
        out->verifier_hash_len = 20;
        if (out->key_len < 5 || out->key_len > 16) {
            *why = "RC4 key size out of range";
            return FG_EFORMAT;
        }
    } else if (alg == ALG_AES128 || alg == ALG_AES192 || alg == ALG_AES256) {
        out->kind = FG_OCR_STANDARD;
        out->key_len = alg == ALG_AES128 ? 16 : alg == ALG_AES192 ? 24 : 32;
        out->spin = 50000;
        out->verifier_hash_len = 32; /* 20 bytes of SHA-1 padded to AES blocks */
        if (bits && bits / 8 != out->key_len) {
            *why = "AES key size does not match the algorithm";
            return FG_EFORMAT;
        }
    } else {
        *why = "cipher other than AES or RC4";
        return FG_EUNSUPPORTED;
    }
    if (!fg_view_at(&v, off + 40, out->verifier_hash_len)) {
        *why = "EncryptionVerifier is truncated";
        return FG_EFORMAT;
    }
    memcpy(out->verifier_hash, p + off + 40, out->verifier_hash_len);
    return FG_OK;
}

/* ---- Agile encryption (XML descriptor) ---- */

/* The value of attribute 'name' between s and e (one start tag), or NULL. */
static const char *attr(const char *s, const char *e, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    for (const char *p = s; p + nl + 2 < e; p++) {
        if ((p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\r' && p[-1] != '\n') ||
            memcmp(p, name, nl) || p[nl] != '=' || (p[nl + 1] != '"' && p[nl + 1] != '\''))
            continue;
        const char *v = p + nl + 2, *q = memchr(v, p[nl + 1], (size_t)(e - v));
        if (!q)
            return NULL;
        *vlen = (size_t)(q - v);
        return v;
    }
    return NULL;
}

/* The attributes of the first element named 'elem' (any prefix) that carries attribute
 * 'must' (NULL: any): returns where they start, and the tag's '>' in *elem_end, or NULL.
 * The descriptor is small, machine-written XML; a malformed one only makes a lookup fail. */
static const char *find_elem(const char *x, const char *end, const char *elem, const char *must,
                             const char **elem_end)
{
    size_t el = strlen(elem);
    for (const char *p = x; p < end; p++) {
        p = memchr(p, '<', (size_t)(end - p));
        if (!p)
            return NULL;
        const char *name = p + 1, *q = name;
        while (q < end && *q != ' ' && *q != '>' && *q != '/' && *q != '\t' && *q != '\r' &&
               *q != '\n')
            q++;
        const char *colon = memchr(name, ':', (size_t)(q - name));
        const char *local = colon ? colon + 1 : name;
        const char *close = memchr(q, '>', (size_t)(end - q));
        if (!close)
            return NULL;
        size_t vl;
        if ((size_t)(q - local) == el && !memcmp(local, elem, el) &&
            (!must || attr(q, close, must, &vl))) {
            *elem_end = close;
            return q;
        }
    }
    return NULL;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Base64 into out; returns the decoded length, or -1 if it does not fit or is not base64. */
static long b64(const char *s, size_t n, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' || s[i] == ' ' || s[i] == '\r' || s[i] == '\n' || s[i] == '\t')
            continue;
        int v = b64val((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        if ((bits += 6) >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)o;
}

static int attr_u32(const char *s, const char *e, const char *name, uint32_t *out)
{
    size_t vl;
    const char *v = attr(s, e, name, &vl);
    if (!v || !vl || vl > 10)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < vl; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > UINT32_MAX)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

static int attr_b64(const char *s, const char *e, const char *name, uint8_t *out, size_t cap,
                    size_t *len)
{
    size_t vl;
    const char *v = attr(s, e, name, &vl);
    long n = v ? b64(v, vl, out, cap) : -1;
    if (n <= 0)
        return -1;
    *len = (size_t)n;
    return 0;
}

/* hashAlgorithm, cipherAlgorithm, cipherChaining and keyBits of one element; the key length
 * goes to *key_len. */
static int agile_algs(const char *s, const char *e, struct fg_ocr_info *out, size_t *key_len,
                      const char **why)
{
    static const struct {
        const char *name;
        enum fg_ocr_hash h;
        size_t len;
    } hashes[] = {{"SHA1", FG_OCR_SHA1, 20}, {"SHA-1", FG_OCR_SHA1, 20},
                  {"SHA256", FG_OCR_SHA256, 32}, {"SHA384", FG_OCR_SHA384, 48},
                  {"SHA512", FG_OCR_SHA512, 64}};
    size_t vl;
    const char *v = attr(s, e, "hashAlgorithm", &vl);
    size_t i = 0;
    for (; v && i < sizeof hashes / sizeof hashes[0]; i++)
        if (strlen(hashes[i].name) == vl && !memcmp(v, hashes[i].name, vl))
            break;
    if (!v || i == sizeof hashes / sizeof hashes[0]) {
        *why = "hash algorithm other than SHA-1, SHA-256, SHA-384 or SHA-512";
        return FG_EUNSUPPORTED;
    }
    out->hash = hashes[i].h;
    out->hash_len = hashes[i].len;
    uint32_t bits, hsize;
    v = attr(s, e, "cipherAlgorithm", &vl);
    if (!v || vl != 3 || memcmp(v, "AES", 3)) {
        *why = "cipher other than AES";
        return FG_EUNSUPPORTED;
    }
    v = attr(s, e, "cipherChaining", &vl);
    if (!v || vl != 15 || memcmp(v, "ChainingModeCBC", 15)) {
        *why = "AES chaining other than CBC";
        return FG_EUNSUPPORTED;
    }
    if (attr_u32(s, e, "keyBits", &bits) || (bits != 128 && bits != 192 && bits != 256) ||
        (!attr_u32(s, e, "hashSize", &hsize) && hsize != out->hash_len)) {
        *why = "key or hash size not of AES or of the hash";
        return FG_EFORMAT;
    }
    *key_len = bits / 8;
    return FG_OK;
}

static int parse_agile(const uint8_t *p, size_t n, struct fg_ocr_info *out, const char **why)
{
    const char *x = (const char *)p, *end = x + n, *ke, *ee;
    const char *kd = find_elem(x, end, "keyData", NULL, &ke);
    const char *ek = find_elem(x, end, "encryptedKey", "spinCount", &ee);
    if (!kd || !ek) {
        *why = ek ? "Agile descriptor without keyData"
                  : "no password key encryptor (certificate encryption only?)";
        return ek ? FG_EFORMAT : FG_EUNSUPPORTED;
    }
    struct fg_ocr_info data;
    int rc = agile_algs(kd, ke, &data, &out->key_len, why);
    if (rc || (rc = agile_algs(ek, ee, out, &out->pw_key_len, why)))
        return rc;
    if (data.hash != out->hash) {
        /* Office writes one hash for both; mixing them is allowed but never seen. */
        *why = "different hash algorithms for the key and the data";
        return FG_EUNSUPPORTED;
    }
    out->kind = FG_OCR_AGILE;
    if (attr_u32(ek, ee, "spinCount", &out->spin) ||
        attr_b64(kd, ke, "saltValue", out->data_salt, sizeof out->data_salt,
                 &out->data_salt_len) ||
        attr_b64(ek, ee, "saltValue", out->salt, sizeof out->salt, &out->salt_len) ||
        attr_b64(ek, ee, "encryptedVerifierHashInput", out->verifier, sizeof out->verifier,
                 &out->verifier_len) ||
        attr_b64(ek, ee, "encryptedVerifierHashValue", out->verifier_hash,
                 sizeof out->verifier_hash, &out->verifier_hash_len) ||
        attr_b64(ek, ee, "encryptedKeyValue", out->wrapped_key, sizeof out->wrapped_key,
                 &out->wrapped_key_len)) {
        *why = "Agile descriptor lacks a value or has one of an unexpected size";
        return FG_EFORMAT;
    }
    if (out->verifier_len % 16 || out->verifier_hash_len % 16 || out->wrapped_key_len % 16 ||
        out->verifier_hash_len < out->hash_len || out->wrapped_key_len < out->key_len ||
        out->salt_len < 1 || out->data_salt_len < 1) {
        *why = "Agile encrypted values are not whole AES blocks of the right size";
        return FG_EFORMAT;
    }
    return FG_OK;
}

int fg_ocr_parse_info(const uint8_t *p, size_t n, struct fg_ocr_info *out, const char **why)
{
    struct fg_view v = {p, n};
    uint16_t major, minor;
    memset(out, 0, sizeof *out);
    *why = NULL;
    if (fg_view_u16le(&v, 0, &major) || fg_view_u16le(&v, 2, &minor) || n < 8) {
        *why = "EncryptionInfo is truncated";
        return FG_EFORMAT;
    }
    if (major == 4 && minor == 4)
        return parse_agile(p + 8, n - 8, out, why);
    if ((major == 3 || major == 4) && minor == 3) {
        *why = "extensible encryption (a third-party cryptographic provider)";
        return FG_EUNSUPPORTED;
    }
    if (major >= 2 && major <= 4 && minor == 2) {
        int rc = fg_ocr_parse_capi(p + 4, n - 4, out, why);
        if (!rc && out->kind != FG_OCR_STANDARD) {
            *why = "RC4 CryptoAPI encryption of an OOXML package";
            return FG_EUNSUPPORTED;
        }
        return rc;
    }
    *why = "unknown EncryptionInfo version";
    return FG_EUNSUPPORTED;
}

void fg_ocr_describe(const struct fg_ocr_info *in, char *out, size_t cap)
{
    static const char *const hn[] = {"SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5"};
    switch (in->kind) {
    case FG_OCR_STANDARD:
    case FG_OCR_AGILE:
        snprintf(out, cap, "%s encryption, AES-%zu, %s, %u rounds",
                 in->kind == FG_OCR_AGILE ? "Agile" : "Standard", in->key_len * 8,
                 hn[in->hash], in->spin);
        break;
    case FG_OCR_RC4:
        snprintf(out, cap, "Office 97-2003 RC4 encryption (40-bit key, MD5)");
        break;
    case FG_OCR_RC4_CAPI:
        snprintf(out, cap, "RC4 CryptoAPI encryption (%zu-bit key, SHA-1)", in->key_len * 8);
        break;
    default:
        snprintf(out, cap, "unknown encryption");
    }
}

/* ---- keys ---- */

size_t fg_ocr_utf16le(const char *pw, uint8_t *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)pw;
    size_t o = 0;
    while (*s && o + 4 <= cap) {
        unsigned cp = *s, need = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
        size_t k = 1;
        if (need && cp < 0xF8) {
            cp &= 0x3F >> need;
            for (; k <= need && (s[k] & 0xC0) == 0x80; k++)
                cp = (cp << 6) | (s[k] & 0x3Fu);
            if (k <= need) /* broken sequence: take the lead byte as Latin-1 */
                cp = *s, k = 1;
        }
        s += k;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            unsigned hi = 0xD800 + (cp >> 10), lo = 0xDC00 + (cp & 0x3FF);
            out[o++] = (uint8_t)hi, out[o++] = (uint8_t)(hi >> 8);
            out[o++] = (uint8_t)lo, out[o++] = (uint8_t)(lo >> 8);
        } else {
            out[o++] = (uint8_t)cp, out[o++] = (uint8_t)(cp >> 8);
        }
    }
    return o;
}

static const EVP_CIPHER *aes(size_t key_len, int cbc)
{
    if (key_len == 16)
        return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
    if (key_len == 24)
        return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ecb();
    return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ecb();
}

/* AES decryption without padding of n bytes (a multiple of 16) from in to out. */
static int aes_dec(size_t key_len, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                   size_t n, uint8_t *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    int ok = c && n <= INT32_MAX && EVP_DecryptInit_ex(c, aes(key_len, iv != NULL), NULL, key, iv) &&
             EVP_CIPHER_CTX_set_padding(c, 0) && EVP_DecryptUpdate(c, out, &l1, in, (int)n) &&
             EVP_DecryptFinal_ex(c, out + l1, &l2);
    EVP_CIPHER_CTX_free(c);
    return ok ? FG_OK : FG_EINTERNAL;
}

/* Agile: key for one purpose = H(Hn || block key), cut or padded with 0x36 to len. */
static int agile_key(const struct fg_ocr_info *in, const uint8_t *hn, const uint8_t blk[8],
                     size_t len, uint8_t *out)
{
    uint8_t h[64];
    int rc = fg_ocr_digest(fg_ocr_md(in->hash), hn, in->hash_len, blk, 8, h);
    memset(out, 0x36, len);
    memcpy(out, h, len < in->hash_len ? len : in->hash_len);
    return rc;
}

static int agile_check(const struct fg_ocr_info *in, const uint8_t *hn, uint8_t key[64],
                       size_t *key_len)
{
    static const uint8_t blk_in[8] = {0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79};
    static const uint8_t blk_val[8] = {0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e};
    static const uint8_t blk_key[8] = {0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6};
    uint8_t k[32], iv[16], vin[64], vh[80], h[64], wk[80];
    memset(iv, 0x36, sizeof iv);
    memcpy(iv, in->salt, in->salt_len < 16 ? in->salt_len : 16);
    size_t kl = in->pw_key_len;
    int rc = agile_key(in, hn, blk_in, kl, k);
    if (!rc)
        rc = aes_dec(kl, k, iv, in->verifier, in->verifier_len, vin);
    if (!rc) /* the verifier input is salt-sized; the rest of its last block is padding */
        rc = fg_ocr_digest(fg_ocr_md(in->hash), vin,
                           in->verifier_len < in->salt_len ? in->verifier_len : in->salt_len,
                           NULL, 0, h);
    if (!rc && !(rc = agile_key(in, hn, blk_val, kl, k)))
        rc = aes_dec(kl, k, iv, in->verifier_hash, in->verifier_hash_len, vh);
    if (rc)
        return rc;
    if (memcmp(h, vh, in->hash_len))
        return 1;
    if ((rc = agile_key(in, hn, blk_key, kl, k)) ||
        (rc = aes_dec(kl, k, iv, in->wrapped_key, in->wrapped_key_len, wk)))
        return rc;
    memcpy(key, wk, in->key_len);
    *key_len = in->key_len;
    return FG_OK;
}

/* Standard: the AES key from H(Hn || le32(0)) through the CryptDeriveKey construction. */
static int standard_check(const struct fg_ocr_info *in, const uint8_t *hn, uint8_t key[64],
                          size_t *key_len)
{
    static const uint8_t zero[4];
    uint8_t hf[20], b1[64], b2[64], x[40], v[16], vh[32], h[20];
    const EVP_MD *md = EVP_sha1();
    int rc = fg_ocr_digest(md, hn, 20, zero, 4, hf);
    memset(b1, 0x36, 64);
    memset(b2, 0x5c, 64);
    for (int i = 0; i < 20; i++)
        b1[i] ^= hf[i], b2[i] ^= hf[i];
    if (rc || (rc = fg_ocr_digest(md, b1, 64, NULL, 0, x)) ||
        (rc = fg_ocr_digest(md, b2, 64, NULL, 0, x + 20)))
        return rc;
    if ((rc = aes_dec(in->key_len, x, NULL, in->verifier, 16, v)) ||
        (rc = aes_dec(in->key_len, x, NULL, in->verifier_hash, 32, vh)) ||
        (rc = fg_ocr_digest(md, v, 16, NULL, 0, h)))
        return rc;
    if (memcmp(h, vh, 20))
        return 1;
    memcpy(key, x, in->key_len);
    *key_len = in->key_len;
    return FG_OK;
}

int fg_ocr_password_key(struct fg_ctx *ctx, const struct fg_ocr_info *in, const char *pw,
                        uint8_t key[64], size_t *key_len)
{
    uint8_t pw16[4 * FG_CAP_PASSWORD + 4], hn[64];
    size_t n = fg_ocr_utf16le(pw, pw16, sizeof pw16);
    if (in->kind == FG_OCR_RC4 || in->kind == FG_OCR_RC4_CAPI)
        return fg_ocr_rc4_password_key(in, pw16, n, key, key_len);
    if (in->spin > FG_CAP_OCR_SPIN)
        return FG_ELIMIT;
    const EVP_MD *md = fg_ocr_md(in->hash);
    int rc = fg_ocr_spin(ctx, md, in->salt, in->salt_len, pw16, n, in->spin, hn);
    if (rc)
        return rc;
    return in->kind == FG_OCR_AGILE ? agile_check(in, hn, key, key_len)
                                    : standard_check(in, hn, key, key_len);
}

/* ---- the package ---- */

#define SEGMENT 4096

int fg_ocr_decrypt_package(struct fg_ctx *ctx, const struct fg_ocr_info *in,
                           const uint8_t *key, size_t key_len, const uint8_t *pkg, size_t n,
                           struct fg_buf *out)
{
    struct fg_view v = {pkg, n};
    uint64_t size;
    if (fg_view_u64le(&v, 0, &size))
        return FG_EFORMAT;
    if (size > out->cap)
        return FG_ELIMIT;
    /* Decrypt whole AES blocks only: a stream cut short (or padded oddly) keeps what it has. */
    size_t have = (n - 8) & ~(size_t)15, want = size < have ? (size_t)size : have;
    uint8_t seg[SEGMENT], iv[64];
    int rc = FG_OK;
    for (size_t off = 0, i = 0; !rc && off < want; off += SEGMENT, i++) {
        size_t len = have - off < SEGMENT ? have - off : SEGMENT;
        const uint8_t *ivp = NULL;
        if (in->kind == FG_OCR_AGILE) {
            uint8_t le[4] = {(uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16),
                             (uint8_t)(i >> 24)};
            rc = fg_ocr_digest(fg_ocr_md(in->hash), in->data_salt, in->data_salt_len, le, 4, iv);
            ivp = iv;
        }
        if (!rc)
            rc = aes_dec(key_len, key, ivp, pkg + 8 + off, len, seg);
        if (!rc)
            rc = fg_buf_append(out, seg, want - off < len ? want - off : len);
        if (!rc && (i & 255) == 255 && ctx && fg_ctx_expired(ctx))
            rc = FG_ETIMEOUT;
    }
    if (!rc && want < size)
        return FG_EFORMAT; /* truncated: the caller still has what was decrypted */
    return rc;
}
