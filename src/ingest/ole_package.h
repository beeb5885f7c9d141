/*
 * ole_package.h - the OLE1 Packager's native data, the wrapper Windows puts around a file
 * embedded in a document.  It reaches us in two ways: as the "\x01Ole10Native" stream of an
 * OLE2 storage (unpack_ole.c) and as the native data of an RTF \objdata object
 * (unpack_rtf.c); both hand it here.
 */
#ifndef FG_OLE_PACKAGE_H
#define FG_OLE_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/scan.h"

/*
 * Parses the Packager layout (no library reads it): u16 signature, label\0, source path\0,
 * u16 reserved, u16 kind (3 embedded file, 1 link), u32 length + temporary path\0, u32 data
 * size, data.  Emits the carried file as a child of 'obj', named by the base name of the
 * source path (else of the temporary path, else the label).  A data size past the end leaves
 * a malformed.member finding and the bytes present are scanned.  Returns 0, FG_ETIMEOUT or
 * FG_ENOMEM, or -1 when the layout does not hold (nothing emitted).
 */
int fg_ole_package_emit(struct fg_ctx *ctx, struct fg_obj *obj, const uint8_t *d, size_t len);

#endif
