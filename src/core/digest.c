/*
 * digest.c - SHA-256 and MD5 through OpenSSL's one-shot EVP_Digest, and their hex text.
 */
#include "digest.h"

#include <openssl/evp.h>

void fg_hex(const uint8_t *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = 0;
}

void fg_sha256(const void *d, size_t n, uint8_t raw[32], char hex[65])
{
    uint8_t h[32];
    unsigned l = 0;
    EVP_Digest(d, n, h, &l, EVP_sha256(), NULL);
    if (raw)
        for (int i = 0; i < 32; i++)
            raw[i] = h[i];
    if (hex)
        fg_hex(h, 32, hex);
}

void fg_md5_hex(const void *d, size_t n, char hex[33])
{
    uint8_t h[16];
    unsigned l = 0;
    EVP_Digest(d, n, h, &l, EVP_md5(), NULL);
    fg_hex(h, 16, hex);
}
