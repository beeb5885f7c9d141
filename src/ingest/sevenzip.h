/*
 * sevenzip.h - encrypted 7z archives.  libarchive lists 7z members but decrypts no 7z AES
 * (libarchive issue #878), so encrypted 7z archives are read by our own reader.
 */
#ifndef FG_SEVENZIP_H
#define FG_SEVENZIP_H

#include "../core/scan.h"

/* Opens an encrypted 7z archive with the known passwords and emits its members.  Leaves the
 * "encrypted.7z" finding and returns FG_EENCRYPTED if no password works. */
int fg_7z_unpack_encrypted(struct fg_ctx *ctx, struct fg_obj *obj);

/* The same reader for a 7z archive of which libarchive read nothing: every member is
 * emitted, encrypted or not.  libarchive refuses folders of more than four coders, and BCJ2
 * with AES makes eight (what `7z a -mx9 -p` does to an .exe). */
int fg_7z_unpack_all(struct fg_ctx *ctx, struct fg_obj *obj);

#endif
