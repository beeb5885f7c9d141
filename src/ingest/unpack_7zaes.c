/*
 * unpack_7zaes.c - encrypted 7z archives (see sevenzip.h).
 *
 * Until the AES reader lands, an encrypted 7z is reported as encrypted and so unscannable,
 * never clean.
 */
#include "sevenzip.h"

int fg_7z_unpack_encrypted(struct fg_ctx *ctx, struct fg_obj *obj)
{
    fg_ctx_encrypted(ctx, obj, "7z", "7z AES encryption");
    return FG_EENCRYPTED;
}
