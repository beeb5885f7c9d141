/*
 * ole_package.c - the file inside an OLE1 Packager object (see ole_package.h); shared by the
 * OLE2 and RTF unpackers, which find the same wrapper in different containers.
 */
#include "ole_package.h"

#include <string.h>

#include "../core/buf.h"

/* A NUL-terminated string at *off; advances past the NUL.  NULL if it runs off the end. */
static const char *view_cstr(const struct fg_view *v, size_t *off)
{
    const uint8_t *p = fg_view_at(v, *off, 0);
    if (!p)
        return NULL;
    const uint8_t *nul = memchr(p, 0, v->len - *off);
    if (!nul)
        return NULL;
    *off += (size_t)(nul - p) + 1;
    return (const char *)p;
}

/* Windows paths inside the wrapper use backslashes; either separator ends a directory. */
static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '\\' || *p == '/')
            b = p + 1;
    return b;
}

int fg_ole_package_emit(struct fg_ctx *ctx, struct fg_obj *obj, const uint8_t *d, size_t len)
{
    struct fg_view v = {d, len};
    size_t off = 2; /* signature: writers disagree, Word does not check it */
    uint32_t tmplen, size;
    const char *label = view_cstr(&v, &off);
    const char *src = label ? view_cstr(&v, &off) : NULL;
    if (!src || fg_view_u32le(&v, off + 4, &tmplen))
        return -1;
    off += 8; /* reserved, kind (a link carries no data: the size check below says so) */
    const char *tmp = view_cstr(&v, &off);
    if (!tmp || fg_view_u32le(&v, off, &size))
        return -1;
    off += 4;
    const char *name = *base_name(src) ? base_name(src)
                       : *base_name(tmp) ? base_name(tmp)
                       : *label          ? label
                                         : "(package)";
    size_t have = len - off < size ? len - off : size;
    if (have < size)
        /* Scan what is there: a payload cut short is still worth a signature. */
        fg_finding_add(ctx, obj, "malformed.member", FG_SEV_LOW, 1, name,
                       "Package data is truncated: %zu of %u bytes", have, size);
    (void)tmplen; /* the NUL ends the path; the length field is not trusted */
    return fg_emit_child(ctx, obj, name, d + off, have, NULL, 0);
}
