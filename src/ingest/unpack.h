/*
 * unpack.h - the unpacker table.  An unpacker is a name, the content types it opens and one
 * function that hands every member it finds to fg_emit_child().  Adding a format is one file
 * plus one line in unpack_registry.c; the scan driver never switches on types.
 *
 * unpack() returns 0, or FG_EFORMAT / FG_EUNSUPPORTED with a detail set by fg_ctx_set_error()
 * (the driver turns that into a finding), FG_ELIMIT / FG_EENCRYPTED when the unpacker already
 * left the finding, or FG_ETIMEOUT / FG_ENOMEM, which end the scan of the input.  A broken
 * member must not end the unpacking of the others.
 */
#ifndef FG_UNPACK_H
#define FG_UNPACK_H

#include "../core/scan.h"

struct fg_unpacker {
    const char *name;
    const char *const *types; /* NULL-terminated */
    int (*unpack)(struct fg_ctx *ctx, struct fg_obj *obj);
};

extern const struct fg_unpacker *const fg_unpackers[]; /* NULL-terminated */

/* Process-wide library set-up (GMime, libgsf); reference-counted, call from one thread. */
int fg_ingest_init(void);
void fg_ingest_fini(void);

extern const struct fg_unpacker fg_unpack_archive;
extern const struct fg_unpacker fg_unpack_mime;
extern const struct fg_unpacker fg_unpack_uuencode;
extern const struct fg_unpacker fg_unpack_ole;
extern const struct fg_unpacker fg_unpack_tnef;
extern const struct fg_unpacker fg_unpack_pdf;
extern const struct fg_unpacker fg_unpack_rtf;
extern const struct fg_unpacker fg_unpack_binhex;
extern const struct fg_unpacker fg_unpack_mspack;
extern const struct fg_unpacker fg_unpack_vba;

#endif
