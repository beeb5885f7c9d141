/*
 * scan.h - the scan context and the object interface that unpackers and analyzers use.
 *
 * A scan walks one input depth-first.  Each object (the input itself, or a member some
 * unpacker extracted) is identified, hashed, unpacked and analysed while its bytes are in
 * memory; its bytes are freed when its subtree is done, and only its metadata and findings
 * stay in the result.  Unpackers hand children to fg_emit_child(), which checks every limit
 * (through limits.c), scans the child recursively and returns.
 */
#ifndef FG_SCAN_H
#define FG_SCAN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "flowgate/flowgate.h"
#include "limits.h"

struct fg_mailkeys;

struct fg_obj {
    struct fg_obj *parent;
    const uint8_t *data;   /* borrowed: valid only while this object is being scanned */
    size_t len;
    const char *type;      /* static string from identify.c; an unpacker may refine it */
    const char *name;      /* member name (sanitised UTF-8); points into the result */
    unsigned depth;        /* 0 for the input itself */
    size_t index;          /* index of this object in the result */
    /* Thread keys of the mail this object is, if it is one (owned by the scan context). */
    const struct fg_mailkeys *mail;
};

struct fg_ctx;

/* Flags for fg_emit_child(). */
#define FG_CHILD_TYPE_HINT 0x1 /* 'type' argument overrides identification */
/* 'type' is what the container declares (a PDF image stream): our content sniffers still
 * run, so a zip in disguise is still a zip, but libmagic is not asked. */
#define FG_CHILD_TYPE_FALLBACK 0x2

/*
 * Scans a child of 'parent' recursively.  'data' is borrowed for the call.  Returns 0 when
 * the child was scanned or skipped because of a limit (the limit left a finding), FG_ETIMEOUT
 * once the input's time is up (the unpacker should stop), or FG_ENOMEM.
 */
int fg_emit_child(struct fg_ctx *ctx, struct fg_obj *parent, const char *name,
                  const void *data, size_t len, const char *type, int flags);

/*
 * How many bytes the next child of 'parent' may have: the smallest of the object size limit,
 * what is left of the input's total, and the ratio limit.  Unpackers cap their output buffer
 * with this and call fg_limit_size_hit() when it overflows.
 */
uint64_t fg_child_room(struct fg_ctx *ctx, const struct fg_obj *parent);
void fg_limit_size_hit(struct fg_ctx *ctx, struct fg_obj *parent, const char *child_name);

/* Nonzero once the input's wall-clock limit has passed (leaves one finding, once). */
int fg_ctx_expired(struct fg_ctx *ctx);

/* Adds a finding to an object.  'evidence' may be NULL; it is sanitised and capped. */
void fg_finding_add(struct fg_ctx *ctx, struct fg_obj *obj, const char *id,
                    enum fg_severity sev, int unscannable, const char *evidence,
                    const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Detail of an unpacker's failure; the driver turns it into a "malformed.*" finding. */
void fg_ctx_set_error(struct fg_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Changes the content type of an object after a closer look (zip -> ooxml). */
void fg_obj_set_type(struct fg_ctx *ctx, struct fg_obj *obj, const char *type);

/* Provenance path of an object, e.g. "mail.eml > a.zip > b.doc". */
const char *fg_obj_path(struct fg_ctx *ctx, const struct fg_obj *obj);

/*
 * Passwords for an encrypted object: the user's, then those learnt from mails related to the
 * object's nearest mail ancestor (same sender or thread).  Returns the number of candidates;
 * *out is an array owned by the context, valid until the scan ends.
 */
size_t fg_ctx_passwords(struct fg_ctx *ctx, struct fg_obj *obj, const char *const **out);

/* Records that 'obj' stayed encrypted, so a later rescan can retry it with new passwords;
 * also adds the "encrypted" finding (unscannable). 'what' names the format, e.g. "zip". */
void fg_ctx_encrypted(struct fg_ctx *ctx, struct fg_obj *obj, const char *what,
                      const char *evidence);

/* Mail unpackers: remember a mail's thread keys and the password candidates in its text. */
struct fg_mailkeys *fg_ctx_mailkeys_new(struct fg_ctx *ctx);
void fg_mailkeys_add(struct fg_mailkeys *k, const char *kind, const char *value);
void fg_ctx_learn_passwords(struct fg_ctx *ctx, const struct fg_mailkeys *k,
                            const char *text, size_t len);

/* The scanner's libmagic handle etc. live behind the context. */
struct fg_scanner *fg_ctx_scanner(struct fg_ctx *ctx);
const struct fg_limits *fg_ctx_limits(struct fg_ctx *ctx);

/* Scans bytes as if they had been identified as 'type' (fuzz targets and tests reach one
 * parser directly this way).  Otherwise as fg_scan_mem(). */
int fg_scan_mem_as(struct fg_scanner *s, const char *name, const void *data, size_t len,
                   const char *type, fg_result **out);

/* Copies bytes into a printable UTF-8 string: invalid UTF-8 and control characters become
 * \xNN.  At most 'cap' output bytes; the result is malloc'ed. */
char *fg_str_sanitize(const void *s, size_t n, size_t cap);

/* Writes code point cp (at most 0x10FFFF) as UTF-8, 1 to 4 bytes; returns the count. */
size_t fg_utf8_put(char *o, unsigned cp);

#endif
