/*
 * digest.h - the fingerprints flowgate reports: SHA-256 and MD5 of a buffer, as lower-case
 * hex.  One place, so that every report, list and signature spells a hash the same way.
 */
#ifndef FG_DIGEST_H
#define FG_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/* Writes n bytes as 2n lower-case hex digits and a NUL into out. */
void fg_hex(const uint8_t *d, size_t n, char *out);

/* SHA-256 of d[0..n): raw (may be NULL) gets the 32 bytes, hex the 64 digits and a NUL. */
void fg_sha256(const void *d, size_t n, uint8_t raw[32], char hex[65]);

/* MD5 of d[0..n) as 32 hex digits and a NUL (ClamAV .hdb lines name samples by it). */
void fg_md5_hex(const void *d, size_t n, char hex[33]);

#endif
