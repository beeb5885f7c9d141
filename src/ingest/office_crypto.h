/*
 * office_crypto.h - password-encrypted Office documents (MS-OFFCRYPTO): OOXML packages inside
 * OLE2 (Standard and Agile encryption) and Excel 97-2003 workbooks (RC4, RC4 CryptoAPI) are
 * decrypted with Excel's default password or the scan's candidates; Word and PowerPoint
 * 97-2003 encryption is detected and reported.  unpack_ole.c calls in; see office-crypto.md.
 */
#ifndef FG_OFFICE_CRYPTO_H
#define FG_OFFICE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/scan.h"

/* The password Excel uses when a workbook is encrypted without one (read-only protection,
 * "VelvetSweatshop"); malware relies on it to hide content that still opens without a prompt. */
#define FG_OCR_DEFAULT_PASSWORD "VelvetSweatshop"

/*
 * Reads the top-level stream 'name' of the OLE2 file being unpacked: its first min(size, max)
 * bytes into 'out' (initialised by the callee, freed by the caller) and its full size into
 * *size.  Returns 0, or FG_EFORMAT when there is no such stream or it cannot be read.
 */
typedef int (*fg_ocr_read_fn)(void *arg, const char *name, size_t max, struct fg_buf *out,
                              uint64_t *size);

/*
 * Looks at an OLE2 file's top-level streams after unpack_ole.c has walked it: decrypts an
 * EncryptedPackage (emitted as the child "EncryptedPackage") and reports encrypted Word and
 * PowerPoint 97-2003 documents.  Leaves the findings.  Returns 0, FG_ETIMEOUT or FG_ENOMEM.
 */
int fg_ocr_ole(struct fg_ctx *ctx, struct fg_obj *obj, fg_ocr_read_fn rd, void *arg);

/*
 * An Excel "Workbook" (or Excel 5.0/95 "Book") stream: if a FILEPASS record says it is
 * encrypted, finds the password and decrypts the record bodies in place (the caller then
 * emits the clear stream); Excel 95's XOR obfuscation is only reported.
 * Leaves the findings on obj.  Returns 0, FG_ETIMEOUT or FG_ENOMEM.
 */
int fg_ocr_workbook(struct fg_ctx *ctx, struct fg_obj *obj, uint8_t *wb, size_t len);

/* ---- the pieces, for the unit tests ---- */

enum fg_ocr_kind {
    FG_OCR_STANDARD = 1, /* ECMA-376 Standard: AES-ECB, SHA-1, 50,000 rounds */
    FG_OCR_AGILE,        /* ECMA-376 Agile: XML descriptor, AES-CBC, SHA-1/256/384/512 */
    FG_OCR_RC4,          /* Office 97-2003 binary RC4 (MD5) */
    FG_OCR_RC4_CAPI,     /* RC4 CryptoAPI (SHA-1) */
};

enum fg_ocr_hash { FG_OCR_SHA1, FG_OCR_SHA256, FG_OCR_SHA384, FG_OCR_SHA512, FG_OCR_MD5 };

/* What an EncryptionInfo stream (or FILEPASS record) says: the parameters of key derivation,
 * the password verifier and, for Agile, the wrapped data key. */
struct fg_ocr_info {
    enum fg_ocr_kind kind;
    enum fg_ocr_hash hash;
    size_t hash_len;   /* bytes of one digest */
    size_t key_len;    /* bytes of the data key (Agile keyData, Standard and RC4 KeySize) */
    size_t pw_key_len; /* bytes of the password key (Agile encryptedKey keyBits) */
    uint32_t spin;     /* hash rounds in key derivation */
    uint8_t salt[64];  /* password salt */
    size_t salt_len;
    uint8_t data_salt[64]; /* Agile keyData salt: per-segment IVs */
    size_t data_salt_len;
    uint8_t verifier[64]; /* encrypted verifier (Agile: encryptedVerifierHashInput) */
    size_t verifier_len;
    uint8_t verifier_hash[80]; /* its encrypted hash */
    size_t verifier_hash_len;
    uint8_t wrapped_key[80]; /* Agile encryptedKeyValue */
    size_t wrapped_key_len;
};

/* Parses an EncryptionInfo stream.  0, or FG_EFORMAT / FG_EUNSUPPORTED with *why set. */
int fg_ocr_parse_info(const uint8_t *p, size_t n, struct fg_ocr_info *out, const char **why);

/* "Agile encryption, AES-128, SHA-1, 100000 rounds" (for evidence). */
void fg_ocr_describe(const struct fg_ocr_info *in, char *out, size_t cap);

/*
 * Derives the data key from a password (UTF-8) and checks it against the verifier.  Returns
 * 0 with the key in key[0, *key_len), 1 for a wrong password, FG_ETIMEOUT when ctx (may be
 * NULL) runs out of time, FG_ENOMEM or FG_EFORMAT.  For the RC4 kinds the "key" is the
 * password hash that per-block keys are derived from (fg_ocr_rc4_block_key()).
 */
int fg_ocr_password_key(struct fg_ctx *ctx, const struct fg_ocr_info *in, const char *pw,
                        uint8_t key[64], size_t *key_len);

/* Decrypts an EncryptedPackage stream (u64 size, then data) into out, capped by out->cap.
 * 0, FG_ELIMIT (cleartext larger than the cap), FG_EFORMAT, FG_ENOMEM or FG_ETIMEOUT. */
int fg_ocr_decrypt_package(struct fg_ctx *ctx, const struct fg_ocr_info *in,
                           const uint8_t *key, size_t key_len, const uint8_t *pkg, size_t n,
                           struct fg_buf *out);

/* Password as UTF-16LE (how every Office scheme hashes it); returns bytes written (at most
 * 2 * FG_CAP_PASSWORD * 2), invalid UTF-8 bytes taken as Latin-1. */
size_t fg_ocr_utf16le(const char *pw, uint8_t *out, size_t cap);

/* RC4 (written here: OpenSSL 3 keeps it in the legacy provider, which may not be loaded). */
struct fg_rc4 {
    uint8_t s[256];
    uint8_t i, j;
};
void fg_rc4_init(struct fg_rc4 *r, const uint8_t *key, size_t n);
void fg_rc4_crypt(struct fg_rc4 *r, uint8_t *buf, size_t n);

/* The RC4 key of block 'block' of a binary document (16 bytes). */
void fg_ocr_rc4_block_key(const struct fg_ocr_info *in, const uint8_t *key, size_t key_len,
                          uint32_t block, uint8_t out[16]);

/* Parses the FILEPASS record body of a workbook: 0, or FG_EUNSUPPORTED (XOR obfuscation and
 * what we do not read) / FG_EFORMAT with *why set. */
int fg_ocr_parse_filepass(const uint8_t *p, size_t n, struct fg_ocr_info *out,
                          const char **why);

/* Decrypts the record bodies of a workbook stream in place (1024-byte RC4 blocks keyed by
 * stream offset; BOF, FILEPASS and the other clear records are left alone), and changes the
 * FILEPASS record's type to 0xFFFF so that readers of the clear stream read on. */
void fg_ocr_xls_decrypt(const struct fg_ocr_info *in, const uint8_t *key, size_t key_len,
                        uint8_t *wb, size_t len, size_t filepass_end);

#endif
