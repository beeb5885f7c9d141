/*
 * unpack_tnef.c - TNEF (winmail.dat, application/ms-tnef) through libytnef: every
 * attachment becomes a child under its long file name, and so does the message body.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "unpack.h"

#include <ytnef.h> /* last: its headers #define BYTE, WORD, DWORD */

static const char *const tnef_types[] = {"tnef", NULL};

#define TNEF_SIGNATURE 0x223E9F78u
#define MAX_INPUT (256u << 20) /* libytnef keeps sizes in int */
#define RENDDATA_SIZE 14
/* What libytnef 2.0 accepts (larger values make it print and give up). */
#define YT_MAX_TITLE 100
#define YT_MAX_BODY 100000
#define YT_MAX_VALUE 524288
#define YT_MAX_UNICODE 100000 /* to_utf8() has its own, smaller limit */

/* A value too large for libytnef, emitted from the input instead. */
struct aside {
    unsigned att; /* attachment number, 0 for the message */
    uint32_t id, type;
    const uint8_t *p;
    uint32_t n;
};

struct san {
    unsigned records;
    unsigned skipped; /* records left out as malformed */
    unsigned bad_sums;
    int truncated;
    unsigned msg_seen; /* message records already passed (libytnef would leak a repeat) */
    unsigned att_seen; /* the same for the attachment being built */
    int in_att;
    unsigned natt;
    struct aside *aside;
    size_t naside;
    char why[128]; /* the first skipped record, for evidence */
};

static void skip(struct san *s, const char *fmt, uint32_t id)
{
    if (!s->skipped++)
        snprintf(s->why, sizeof s->why, fmt, id);
}

static void put_aside(struct san *s, unsigned att, uint32_t id, uint32_t type, const uint8_t *p,
                      uint32_t n)
{
    struct aside *na = realloc(s->aside, (s->naside + 1) * sizeof *na);
    if (!na)
        return; /* the value is lost; nothing else breaks */
    s->aside = na;
    s->aside[s->naside++] = (struct aside){att, id, type, p, n};
}

/* ---- MAPI property blocks (attMAPIProps, attAttachment), read per MS-OXTNEF ---- */

struct mprop {
    uint32_t id, type; /* type without the multi-value flag */
    int multi;
    const uint8_t *val; /* the first value */
    uint32_t len;
};

/* Stored size of a fixed-size value (padded to 4); 0 for counted types; -1 if unknown. */
static int fixed_size(uint32_t type)
{
    switch (type) {
    case PT_I2: case PT_LONG: case PT_R4: case PT_ERROR: case PT_BOOLEAN:
        return 4;
    case PT_DOUBLE: case PT_CURRENCY: case PT_APPTIME: case PT_I8: case PT_SYSTIME:
        return 8;
    case PT_CLSID:
        return 16;
    case PT_STRING8: case PT_UNICODE: case PT_BINARY: case PT_OBJECT:
        return 0;
    default:
        return -1;
    }
}

static int mapi_value(const struct fg_view *v, size_t *off, uint32_t type, const uint8_t **val,
                      uint32_t *len)
{
    int fs = fixed_size(type);
    uint32_t l = (uint32_t)fs;
    if (fs < 0)
        return -1;
    if (fs == 0) {
        if (fg_view_u32le(v, *off, &l))
            return -1;
        *off += 4;
    }
    size_t stored = (size_t)l + (4 - l % 4) % 4;
    if (!(*val = fg_view_at(v, *off, stored)))
        return -1;
    *len = l;
    *off += stored;
    return 0;
}

/* Skips the name of a named property (id 0x8000 and up): GUID, kind, then id or string. */
static int mapi_skip_name(const struct fg_view *v, size_t *off)
{
    uint32_t kind, l;
    if (!fg_view_at(v, *off, 16) || fg_view_u32le(v, *off + 16, &kind) ||
        fg_view_u32le(v, *off + 20, &l) || kind > 1)
        return -1;
    *off += 24;
    if (kind == 1) {
        size_t stored = (size_t)l + (4 - l % 4) % 4;
        if (!fg_view_at(v, *off, stored))
            return -1;
        *off += stored;
    }
    return 0;
}

/* Calls fn for every property of a block; 0 if the block parsed to its exact end. */
static int mapi_walk(const uint8_t *d, size_t size, void (*fn)(void *, const struct mprop *),
                     void *arg)
{
    struct fg_view v = {d, size};
    uint32_t count, tag, nval;
    size_t off = 4;
    if (fg_view_u32le(&v, 0, &count))
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        if (fg_view_u32le(&v, off, &tag))
            return -1;
        off += 4;
        struct mprop p = {.id = tag >> 16, .type = tag & 0xFFFF};
        if (p.id >= 0x8000 && mapi_skip_name(&v, &off))
            return -1;
        p.multi = (p.type & MV_FLAG) != 0;
        p.type &= ~(uint32_t)MV_FLAG;
        nval = 1;
        /* Multi-valued and counted (string, binary) properties give a value count. */
        if (p.multi || fixed_size(p.type) == 0) {
            if (fg_view_u32le(&v, off, &nval))
                return -1;
            off += 4;
        }
        for (uint32_t j = 0; j < nval; j++) {
            const uint8_t *val;
            uint32_t len;
            if (mapi_value(&v, &off, p.type, &val, &len))
                return -1;
            if (j == 0) {
                p.val = val;
                p.len = len;
            }
        }
        if (nval > 0 && fn)
            fn(arg, &p);
    }
    return off == size ? 0 : -1;
}

/* The properties we read, by where they are. */
static int wanted(unsigned att, const struct mprop *p)
{
    if (att == 0)
        return (p->id == PR_RTF_COMPRESSED && p->type == PT_BINARY) ? 1
               : (p->id == PR_BODY_HTML && (p->type == PT_BINARY || p->type == PT_STRING8)) ? 2
               : (p->id == PR_BODY && (p->type == PT_STRING8 || p->type == PT_UNICODE)) ? 4
                                                                                        : 0;
    int str = p->type == PT_STRING8 || p->type == PT_UNICODE;
    return (p->id == PR_ATTACH_LONG_FILENAME && str) ? 1
           : (p->id == PR_ATTACH_FILENAME && str)    ? 2
           : (p->id == PR_ATTACH_DATA_OBJ && (p->type == PT_OBJECT || p->type == PT_BINARY)) ? 4
                                                                                             : 0;
}

struct filter {
    struct san *s;
    unsigned att, seen, n;
    struct fg_buf out;
    int err;
};

static int put_le(struct fg_buf *b, uint32_t v, int n)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return fg_buf_append(b, t, (size_t)n);
}

/* Copies a wanted single-valued property into the block libytnef will read, in the one
 * form it reads right (tag, count 1, size, bytes, padding). */
static void keep_prop(void *arg, const struct mprop *p)
{
    static const uint8_t pad[3];
    struct filter *f = arg;
    unsigned bit = (unsigned)wanted(f->att, p);
    if (!bit || p->multi || (f->seen & bit) || f->err)
        return;
    f->seen |= bit;
    if (p->len > (p->type == PT_UNICODE ? YT_MAX_UNICODE : YT_MAX_VALUE)) {
        if (f->att == 0 || bit == 4) /* a name that long is not worth keeping */
            put_aside(f->s, f->att, p->id, p->type, p->val, p->len);
        return;
    }
    int rc = put_le(&f->out, p->type | p->id << 16, 4);
    if (!rc)
        rc = put_le(&f->out, 1, 4);
    if (!rc)
        rc = put_le(&f->out, p->len, 4);
    if (!rc)
        rc = fg_buf_append(&f->out, p->val, p->len);
    if (!rc)
        rc = fg_buf_append(&f->out, pad, (4 - p->len % 4) % 4);
    f->err = rc;
    f->n++;
}

/* ---- the sanitized copy ---- */

static int put_record(struct fg_buf *b, uint8_t level, uint32_t id, const uint8_t *data,
                      uint32_t size, const uint8_t *head, uint32_t nhead)
{
    unsigned sum = 0;
    for (uint32_t i = 0; i < nhead; i++)
        sum += head[i];
    for (uint32_t i = 0; i < size; i++)
        sum += data[i];
    int rc = fg_buf_putc(b, level);
    if (!rc)
        rc = put_le(b, id, 4);
    if (!rc)
        rc = put_le(b, nhead + size, 4);
    if (!rc)
        rc = fg_buf_append(b, head, nhead);
    if (!rc)
        rc = fg_buf_append(b, data, size);
    return rc ? rc : put_le(b, sum & 0xFFFF, 2);
}

/* A MAPI record, reduced to what we read; nothing is written if none of it is wanted. */
static int pass_mapi(struct san *s, struct fg_buf *b, uint8_t level, uint32_t id,
                     const uint8_t *data, uint32_t size, unsigned att)
{
    struct filter f = {.s = s, .att = att};
    fg_buf_init(&f.out, (uint64_t)size + 64);
    if (mapi_walk(data, size, keep_prop, &f)) {
        skip(s, "MAPI property block 0x%08x is malformed", id);
        f.n = 0;
    }
    int rc = f.err;
    if (!rc && f.n) {
        uint8_t head[4] = {(uint8_t)f.n, 0, 0, 0};
        rc = put_record(b, level, id, f.out.p, (uint32_t)f.out.len, head, sizeof head);
    }
    fg_buf_free(&f.out);
    return rc == FG_ELIMIT ? FG_ENOMEM : rc;
}

static unsigned att_bit(uint32_t id)
{
    return id == attAttachData ? 1 : id == attAttachTitle ? 2 : id == attAttachment ? 4 : 0;
}

/* Decides what libytnef sees of one complete record. */
static int pass_record(struct fg_ctx *ctx, struct fg_obj *obj, struct san *s, struct fg_buf *b,
                       uint8_t level, uint32_t id, const uint8_t *data, uint32_t size)
{
    static const uint8_t zero_rend[RENDDATA_SIZE];
    unsigned ab = att_bit(id);
    if (size == 0)
        return FG_OK; /* an empty record ends libytnef's parse */
    if (id == attBody || id == attMAPIProps) {
        unsigned mb = id == attBody ? 1 : 2;
        if (s->msg_seen & mb) {
            skip(s, "attribute 0x%08x is repeated", id);
            return FG_OK;
        }
        s->msg_seen |= mb;
        if (id == attMAPIProps)
            return pass_mapi(s, b, level, id, data, size, 0);
        if (size > YT_MAX_BODY) {
            put_aside(s, 0, PR_BODY, PT_STRING8, data, size);
            return FG_OK;
        }
        return put_record(b, level, id, data, size, NULL, 0);
    }
    if (id == attAttachRenddata) {
        s->in_att = 1;
        s->att_seen = 0;
        s->natt++;
        return put_record(b, level, id, data, size, NULL, 0);
    }
    if (!ab)
        return FG_OK; /* libytnef is given only what we read */
    if (!s->in_att || (s->att_seen & ab)) {
        /* An attachment attribute with no attachment open (libytnef would keep it in a
         * placeholder it never frees), or a second one for the same attachment (it would
         * overwrite the first): open a new attachment so that nothing is lost. */
        int rc = put_record(b, LVL_ATTACHMENT, attAttachRenddata, zero_rend, RENDDATA_SIZE,
                            NULL, 0);
        if (rc)
            return rc;
        s->in_att = 1;
        s->att_seen = 0;
        s->natt++;
    }
    s->att_seen |= ab;
    if (id == attAttachment)
        return pass_mapi(s, b, level, id, data, size, s->natt);
    if (id == attAttachTitle && size > YT_MAX_TITLE)
        size = YT_MAX_TITLE; /* the full name is normally in PR_ATTACH_LONG_FILENAME */
    if (id == attAttachData && (uint64_t)size >= fg_child_room(ctx, obj)) {
        char ev[32];
        snprintf(ev, sizeof ev, "attachment %u", s->natt);
        fg_limit_size_hit(ctx, obj, ev);
        return FG_OK;
    }
    return put_record(b, level, id, data, size, NULL, 0);
}

/*
 * libytnef parses in-process and has had memory-safety bugs.  The 2.0 we build against
 * also prints to stdout (where our JSON goes) on malformed input, gives up the whole parse
 * on a title over 100 bytes, a body over 100000 or a MAPI value over 512 KiB, and misreads
 * multi-valued properties.  So sanitize() walks the records first and hands libytnef a
 * rebuilt stream it parses without error: only the records we use, complete, checksummed,
 * not repeated, MAPI blocks reduced to the properties we need.  Values over its limits are
 * kept aside and emitted from the input directly.
 */
static int sanitize(struct fg_ctx *ctx, struct fg_obj *obj, struct san *s, struct fg_buf *b)
{
    struct fg_view v = {obj->data, obj->len};
    uint32_t sig, id, size;
    uint16_t key, sum;
    if (fg_view_u32le(&v, 0, &sig) || sig != TNEF_SIGNATURE || fg_view_u16le(&v, 4, &key)) {
        fg_ctx_set_error(ctx, "no TNEF signature and key");
        return FG_EFORMAT;
    }
    int rc = put_le(b, sig, 4);
    if (!rc)
        rc = put_le(b, key, 2);
    size_t off = 6;
    while (!rc && off < v.len) {
        const uint8_t *lvl = fg_view_at(&v, off, 1);
        if (fg_view_u32le(&v, off + 1, &id) || fg_view_u32le(&v, off + 5, &size) ||
            !fg_view_at(&v, off + 9, size) || fg_view_u16le(&v, off + 9 + (size_t)size, &sum)) {
            s->truncated = 1;
            break;
        }
        const uint8_t *data = v.p + off + 9;
        unsigned calc = 0;
        for (uint32_t i = 0; i < size; i++)
            calc += data[i];
        /* A wrong checksum is rewritten, not obeyed: the data is scanned either way. */
        if ((calc & 0xFFFF) != sum)
            s->bad_sums++;
        s->records++;
        rc = pass_record(ctx, obj, s, b, *lvl, id, data, size);
        off += 9 + (size_t)size + 2;
        if (!rc && fg_ctx_expired(ctx))
            rc = FG_ETIMEOUT;
    }
    return rc;
}

/* ---- compressed RTF (MS-OXRTFCP) ----
 * Decoded here: libytnef's DecompressRTF() trusts the sizes in the header. */

/* The dictionary's initial content, fixed by the format. */
static const char rtf_prebuf[] =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
    "\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0"
    "\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
_Static_assert(sizeof rtf_prebuf - 1 == 207, "RTF dictionary preload is 207 bytes");

static int lzfu_put(struct fg_buf *out, uint8_t *dict, size_t *w, uint8_t c)
{
    dict[*w] = c;
    *w = (*w + 1) % 4096;
    return fg_buf_putc(out, c);
}

/* Decodes into a capped buffer: 0, FG_ELIMIT, FG_ENOMEM or FG_EFORMAT.  Input that ends
 * early just ends the output (the caller has what there was). */
static int rtf_decompress(const uint8_t *p, size_t n, struct fg_buf *out)
{
    struct fg_view v = {p, n};
    uint32_t csize, rawsize, magic;
    if (fg_view_u32le(&v, 0, &csize) || fg_view_u32le(&v, 4, &rawsize) ||
        fg_view_u32le(&v, 8, &magic) || n < 16)
        return FG_EFORMAT;
    size_t end = csize <= n - 4 ? 4 + (size_t)csize : n;
    if (magic == 0x414C454Du) /* "MELA": stored as is */
        return fg_buf_append(out, p + 16, rawsize < n - 16 ? rawsize : n - 16);
    if (magic != 0x75465A4Cu) /* "LZFu" */
        return FG_EFORMAT;
    uint8_t dict[4096] = {0};
    memcpy(dict, rtf_prebuf, sizeof rtf_prebuf - 1);
    size_t w = sizeof rtf_prebuf - 1, i = 16;
    int rc = FG_OK;
    while (!rc && i < end) {
        unsigned ctl = p[i++];
        for (int bit = 0; bit < 8 && !rc; bit++) {
            if (!(ctl & (1u << bit))) {
                if (i >= end)
                    return FG_OK;
                rc = lzfu_put(out, dict, &w, p[i++]);
                continue;
            }
            if (i + 2 > end)
                return FG_OK;
            size_t ref = (size_t)p[i] << 8 | p[i + 1], from = ref >> 4, len = (ref & 15) + 2;
            i += 2;
            if (from == w)
                return FG_OK; /* the end marker points at the write position */
            for (size_t k = 0; k < len && !rc; k++)
                rc = lzfu_put(out, dict, &w, dict[(from + k) % 4096]);
        }
    }
    return rc;
}

/* ---- children ---- */

struct val {
    const uint8_t *p;
    size_t n;
    uint32_t type;
};

/* A property from libytnef's parse, else one we kept aside.  libytnef answers
 * MAPI_UNDEFINED, not NULL, when a property is absent. */
static int find_val(MAPIProps *mp, const struct san *s, unsigned att, uint32_t id,
                    const uint32_t *types, struct val *out)
{
    for (const uint32_t *t = types; *t; t++) {
        variableLength *vl = MAPIFindProperty(mp, PROP_TAG(*t, id));
        if (vl != MAPI_UNDEFINED && vl && vl->data && vl->size > 0) {
            *out = (struct val){vl->data, (size_t)vl->size, *t};
            return 1;
        }
    }
    for (size_t i = 0; i < s->naside; i++) {
        const struct aside *a = &s->aside[i];
        if (a->att == att && a->id == id) {
            *out = (struct val){a->p, a->n, a->type};
            return 1;
        }
    }
    return 0;
}

static const uint32_t str_types[] = {PT_UNICODE, PT_STRING8, 0};

/* A string property as a C string (libytnef has turned UTF-16 into UTF-8). */
static void name_prop(MAPIProps *mp, uint32_t id, char *out, size_t outsz)
{
    variableLength *vl = MAPI_UNDEFINED;
    for (const uint32_t *t = str_types; *t && (vl == MAPI_UNDEFINED || !vl || !vl->data); t++)
        vl = MAPIFindProperty(mp, PROP_TAG(*t, id));
    out[0] = 0;
    if (vl != MAPI_UNDEFINED && vl && vl->data && vl->size > 0)
        snprintf(out, outsz, "%.*s", (int)strnlen((char *)vl->data, (size_t)vl->size),
                 (char *)vl->data);
}

static int emit(struct fg_ctx *ctx, struct fg_obj *obj, const char *name, const void *d,
                size_t n)
{
    if ((uint64_t)n >= fg_child_room(ctx, obj)) {
        fg_limit_size_hit(ctx, obj, name);
        return FG_OK;
    }
    return fg_emit_child(ctx, obj, name, d, n, NULL, 0);
}

static int emit_attachment(struct fg_ctx *ctx, struct fg_obj *obj, const struct san *s,
                           Attachment *a, unsigned no)
{
    static const uint32_t obj_types[] = {PT_OBJECT, PT_BINARY, 0};
    char name[512];
    struct val v;
    name_prop(&a->MAPI, PR_ATTACH_LONG_FILENAME, name, sizeof name);
    if (!name[0] && a->Title.size > 0 && a->Title.data)
        snprintf(name, sizeof name, "%.*s",
                 (int)strnlen((char *)a->Title.data, (size_t)a->Title.size), (char *)a->Title.data);
    if (!name[0])
        name_prop(&a->MAPI, PR_ATTACH_FILENAME, name, sizeof name);
    if (!name[0])
        snprintf(name, sizeof name, "attachment-%u", no);
    if (a->FileData.size > 0 && a->FileData.data)
        return emit(ctx, obj, name, a->FileData.data, (size_t)a->FileData.size);
    if (!find_val(&a->MAPI, s, no, PR_ATTACH_DATA_OBJ, obj_types, &v))
        return FG_OK; /* a link or an empty attachment: nothing to scan */
    /* An embedded OLE object: a PT_OBJECT value starts with the 16-byte id of the
     * interface it was stored through. */
    if (v.type == PT_OBJECT && v.n > 16)
        return emit(ctx, obj, name, v.p + 16, v.n - 16);
    return emit(ctx, obj, name, v.p, v.n);
}

static int emit_bodies(struct fg_ctx *ctx, struct fg_obj *obj, const struct san *s,
                       TNEFStruct *t)
{
    static const uint32_t html_types[] = {PT_BINARY, PT_STRING8, 0};
    static const uint32_t bin_types[] = {PT_BINARY, 0};
    struct val v;
    int rc = FG_OK;
    if (t->body.size > 0 && t->body.data)
        rc = emit(ctx, obj, "body.txt", t->body.data, (size_t)t->body.size);
    else if (find_val(&t->MapiProperties, s, 0, PR_BODY, str_types, &v))
        rc = emit(ctx, obj, "body.txt", v.p, v.n);
    if (!rc && find_val(&t->MapiProperties, s, 0, PR_BODY_HTML, html_types, &v))
        rc = emit(ctx, obj, "body.html", v.p, v.n);
    if (rc || !find_val(&t->MapiProperties, s, 0, PR_RTF_COMPRESSED, bin_types, &v))
        return rc;
    struct fg_buf b;
    fg_buf_init(&b, fg_child_room(ctx, obj));
    int r = rtf_decompress(v.p, v.n, &b);
    if (r == FG_ELIMIT)
        fg_limit_size_hit(ctx, obj, "body.rtf");
    else if (r == FG_ENOMEM)
        rc = r;
    else if (r == FG_EFORMAT)
        fg_finding_add(ctx, obj, "malformed.member", FG_SEV_LOW, 1, "body.rtf",
                       "compressed RTF body has an unknown header");
    else
        rc = fg_emit_child(ctx, obj, "body.rtf", b.p, b.len, NULL, 0);
    fg_buf_free(&b);
    return rc;
}

static int emit_all(struct fg_ctx *ctx, struct fg_obj *obj, const struct san *s,
                    TNEFStruct *t)
{
    unsigned no = 0;
    int rc = emit_bodies(ctx, obj, s, t);
    for (Attachment *a = t->starting_attach.next; a && rc != FG_ETIMEOUT && rc != FG_ENOMEM;
         a = a->next) {
        if (fg_ctx_expired(ctx))
            return FG_ETIMEOUT;
        rc = emit_attachment(ctx, obj, s, a, ++no);
    }
    return rc;
}

static void report(struct fg_ctx *ctx, struct fg_obj *obj, const struct san *s)
{
    if (s->skipped)
        fg_finding_add(ctx, obj, "malformed.member", FG_SEV_LOW, 1, s->why,
                       "%u TNEF attribute(s) were malformed and skipped", s->skipped);
    if (s->bad_sums)
        fg_finding_add(ctx, obj, "malformed.checksum", FG_SEV_LOW, 0, NULL,
                       "%u TNEF attribute(s) have a wrong checksum (read anyway)", s->bad_sums);
}

static int unpack(struct fg_ctx *ctx, struct fg_obj *obj)
{
    if (obj->len > MAX_INPUT) {
        fg_ctx_set_error(ctx, "TNEF stream larger than %u bytes", MAX_INPUT);
        return FG_EUNSUPPORTED;
    }
    struct san s = {0};
    struct fg_buf b;
    /* Each record (12 bytes or more) may gain one 25-byte placeholder attachment. */
    fg_buf_init(&b, (uint64_t)obj->len * 4 + 64);
    int rc = sanitize(ctx, obj, &s, &b);
    if (rc == FG_OK) {
        TNEFStruct t;
        memset(&t, 0, sizeof t); /* TNEFInitialize() leaves Debug unset */
        TNEFInitialize(&t);
        int yr = TNEFParseMemory(b.p, (long)b.len, &t);
        rc = emit_all(ctx, obj, &s, &t);
        TNEFFree(&t);
        TNEFFreeAttachment(&t.starting_attach);
        report(ctx, obj, &s);
        if (rc == FG_OK && (s.truncated || yr < 0)) {
            fg_ctx_set_error(ctx, s.truncated ? "TNEF stream is truncated after %u record(s)"
                                              : "libytnef failed after %u record(s)",
                             s.records);
            rc = FG_EFORMAT;
        }
    } else if (rc == FG_ELIMIT) {
        fg_ctx_set_error(ctx, "TNEF stream could not be copied");
        rc = FG_EFORMAT;
    }
    free(s.aside);
    fg_buf_free(&b);
    return rc;
}

const struct fg_unpacker fg_unpack_tnef = {
    .name = "tnef",
    .types = tnef_types,
    .unpack = unpack,
};
