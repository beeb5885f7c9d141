/*
 * ocr_int.h - helpers shared by the office_crypto files (ocr_ecma.c, ocr_rc4.c,
 * office_crypto.c): digests through OpenSSL's EVP and the hashed-password loop.
 */
#ifndef FG_OCR_INT_H
#define FG_OCR_INT_H

#include <openssl/evp.h>

#include "office_crypto.h"

const EVP_MD *fg_ocr_md(enum fg_ocr_hash h);

/* out = H(a || b); either part may be empty.  0 or FG_EINTERNAL. */
int fg_ocr_digest(const EVP_MD *md, const void *a, size_t an, const void *b, size_t bn,
                  uint8_t *out);

/* The iterated hash of MS-OFFCRYPTO 2.3.4.7 / 2.3.4.11: H0 = H(salt || password), then
 * 'spin' rounds of Hn = H(le32(n) || Hn-1).  ctx (may be NULL) is asked about the time.
 * 0, FG_ETIMEOUT, FG_ENOMEM or FG_EINTERNAL. */
int fg_ocr_spin(struct fg_ctx *ctx, const EVP_MD *md, const uint8_t *salt, size_t salt_len,
                const uint8_t *pw16, size_t pw16_len, uint32_t spin, uint8_t *out);

/* EncryptionHeader + EncryptionVerifier (Standard encryption and RC4 CryptoAPI, in an
 * EncryptionInfo stream or a FILEPASS record), from the Flags field on. */
int fg_ocr_parse_capi(const uint8_t *p, size_t n, struct fg_ocr_info *out, const char **why);

/* The RC4 kinds' password key (ocr_rc4.c); as fg_ocr_password_key(). */
int fg_ocr_rc4_password_key(const struct fg_ocr_info *in, const uint8_t *pw16, size_t n,
                            uint8_t key[64], size_t *key_len);

#endif
