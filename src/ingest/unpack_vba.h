/*
 * unpack_vba.h - VBA projects inside OLE2 files: the MS-OVBA decompressor and a walk over
 * every module's source, shared by the unpacker (unpack_vba.c, which emits each module as a
 * "vba" child) and the VBA analyzer (an_vba.c, which looks across a project's modules).
 */
#ifndef FG_UNPACK_VBA_H
#define FG_UNPACK_VBA_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/scan.h"

/*
 * Decompresses an MS-OVBA CompressedContainer (signature byte 1, then chunks of at most 4096
 * decompressed bytes) into 'out', which caps the output.  Returns 0; FG_EFORMAT when the
 * container is broken (*why, a static string, says how; what was decoded before the fault
 * stays in 'out'); FG_ELIMIT when the output would pass out->cap; FG_ENOMEM.
 */
int fg_vba_decompress(const uint8_t *in, size_t len, struct fg_buf *out, const char **why);

/* One module's source as the walk hands it over; everything is borrowed for the call. */
struct fg_vba_module {
    const char *name;    /* "<storage path>/VBA/<module>.bas|.cls|.frm", e.g. "VBA/Module1.bas" */
    const uint8_t *text; /* the source, converted to UTF-8 from the project's code page */
    size_t len;
    unsigned project;    /* which project of the file (0, 1 ...): modules arrive in order */
};

typedef int (*fg_vba_module_fn)(void *arg, const struct fg_vba_module *m);

/* fg_vba_foreach() flags */
#define FG_VBA_REPORT 0x1 /* leave malformed.member and limit findings on the object */

/*
 * Finds every VBA project in the OLE2 object 'obj' (any storage holding a "VBA" storage with
 * a "dir" stream) and calls fn for each module whose source could be read.  Each module is
 * capped at fg_child_room(ctx, obj).  Returns 0 (also when the file holds no project or
 * libgsf cannot read it), FG_ETIMEOUT, FG_ENOMEM, or the first nonzero value fn returned.
 */
int fg_vba_foreach(struct fg_ctx *ctx, struct fg_obj *obj, int flags, fg_vba_module_fn fn,
                   void *arg);

#endif
