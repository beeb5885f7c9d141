/*
 * unpack_7zaes.c - our own 7z reader for what libarchive cannot open: 7zAES-encrypted data and
 * encrypted headers.  It parses the container, finds the password among the candidates
 * (checked on the header or on a file's CRC) and emits the members.  A folder ("block") is
 * decoded as a stream through a chain of stages: AES (OpenSSL), LZMA/LZMA2 with BCJ/Delta
 * filters (liblzma), Deflate (zlib), copy.
 */
#define _GNU_SOURCE
#include "sevenzip.h"

#include <iconv.h>
#include <lzma.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../core/buf.h"

#define CHUNK 65536
#define KEYCACHE 32       /* derived keys kept per archive: (password, salt, cycles) */
#define KDF_MAX_POWER 24  /* 7-Zip refuses more rounds too; 2^24 SHA-256 runs take seconds */
#define KDF_RAW 0x3F      /* "no hashing": the key is salt + password, zero-padded */
#define SIG_LEN 32
#define WRONG_KEY 1       /* private result: this password did not decode it */
#define NOPW SIZE_MAX     /* password index: none */

/* Property ids of the 7z header. */
enum {
    K_END = 0x00, K_HEADER = 0x01, K_ARCHIVE_PROPS = 0x02, K_ADD_STREAMS = 0x03,
    K_MAIN_STREAMS = 0x04, K_FILES = 0x05, K_PACK_INFO = 0x06, K_UNPACK_INFO = 0x07,
    K_SUBSTREAMS = 0x08, K_SIZE = 0x09, K_CRC = 0x0A, K_FOLDER = 0x0B, K_UNPACK_SIZE = 0x0C,
    K_NUM_UNPACK = 0x0D, K_EMPTY_STREAM = 0x0E, K_EMPTY_FILE = 0x0F, K_ANTI = 0x10,
    K_NAME = 0x11, K_ENCODED_HEADER = 0x17,
};

enum { MK_COPY = 1, MK_LZMA, MK_FILTER, MK_DEFLATE, MK_AES };

/* Coder methods we decode; the id bytes are read as a big-endian number. */
static const struct method {
    uint64_t id;
    unsigned idlen;
    int kind;
    lzma_vli filter;
} methods[] = {
    {0x00, 1, MK_COPY, 0},
    {0x21, 1, MK_LZMA, LZMA_FILTER_LZMA2},
    {0x030101, 3, MK_LZMA, LZMA_FILTER_LZMA1},
    {0x03, 1, MK_FILTER, LZMA_FILTER_DELTA},
    {0x03030103, 4, MK_FILTER, LZMA_FILTER_X86},
    {0x03030205, 4, MK_FILTER, LZMA_FILTER_POWERPC},
    {0x03030401, 4, MK_FILTER, LZMA_FILTER_IA64},
    {0x03030501, 4, MK_FILTER, LZMA_FILTER_ARM},
    {0x03030701, 4, MK_FILTER, LZMA_FILTER_ARMTHUMB},
    {0x03030805, 4, MK_FILTER, LZMA_FILTER_SPARC},
#ifdef LZMA_FILTER_ARM64
    {0x0A, 1, MK_FILTER, LZMA_FILTER_ARM64},
#endif
    {0x040108, 3, MK_DEFLATE, 0},
    {0x06F10701, 4, MK_AES, 0},
};

struct coder {
    uint64_t id;
    unsigned idlen;
    uint32_t nin, nout;
    const uint8_t *props; /* points into the header bytes */
    size_t nprops;
};

struct folder {
    struct coder *coder;
    uint64_t *unpack;   /* size of each out stream */
    uint32_t *bind;     /* nbind pairs (in, out), then the npacked in-stream indices */
    uint32_t ncoders, nin, nout, nbind, npacked, main_out;
    size_t pack_first;  /* its first pack stream */
    size_t sub_first, nsub; /* its substreams (files with data) in db.sub */
    uint32_t crc;
    int has_crc;
};

struct sub {
    uint64_t size;
    uint32_t crc;
    int has_crc;
    size_t file;
};

struct file {
    char *name;
    int has_stream, is_dir, anti;
};

struct db {
    uint64_t pack_pos;
    uint64_t *pack_size, *pack_off; /* pack_off: from the end of the signature header */
    size_t npack, nfolders, nsubs, nfiles;
    struct folder *folder;
    struct sub *sub;
    struct file *file;
    const char *why; /* what is wrong, for fg_ctx_set_error */
};

struct keyent {
    size_t pw; /* index in job.pw */
    uint8_t salt[16], key[32];
    unsigned nsalt, power;
};

struct job {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    char **pw; /* our copy: a child's unpacker may reload the context's list */
    size_t npw, good; /* good: the password that worked last, tried first */
    struct keyent keys[KEYCACHE];
    unsigned nkeys, nextkey;
    int emit_all;     /* header was encrypted: libarchive emitted nothing */
    int hdr_opened;
    size_t opened, locked, emitted, encrypted; /* blocks */
    char locked_name[128];
    uint8_t *hdr;     /* decoded header bytes, if it was encoded */
    struct db db;
    const char *why;
    uint8_t chunk[CHUNK];
};

#define NEED(cond, msg)                                                                         \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            db->why = (msg);                                                                    \
            return FG_EFORMAT;                                                                  \
        }                                                                                       \
    } while (0)
#define TRUNC "header is truncated"

/* ---- reading header bytes ---- */

struct rd {
    const uint8_t *p;
    size_t len, pos;
};

static int rd_u8(struct rd *r, uint8_t *v)
{
    if (r->pos >= r->len)
        return -1;
    *v = r->p[r->pos++];
    return 0;
}

/* 7z numbers: the leading one bits of the first byte say how many bytes follow (little
 * endian); the first byte's remaining bits are the top of the value. */
static int rd_num(struct rd *r, uint64_t *v)
{
    uint8_t first, b, mask = 0x80;
    uint64_t val = 0;
    if (rd_u8(r, &first))
        return -1;
    for (int i = 0; i < 8; i++, mask >>= 1) {
        if (!(first & mask)) {
            *v = val | (uint64_t)(first & (mask - 1)) << (8 * i);
            return 0;
        }
        if (rd_u8(r, &b))
            return -1;
        val |= (uint64_t)b << (8 * i);
    }
    *v = val;
    return 0;
}

static int rd_count(struct rd *r, uint64_t max, size_t *v)
{
    uint64_t n;
    if (rd_num(r, &n) || n > max)
        return -1;
    *v = (size_t)n;
    return 0;
}

static int rd_u32(struct rd *r, uint32_t *v)
{
    if (r->len - r->pos < 4)
        return -1;
    const uint8_t *p = r->p + r->pos;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    r->pos += 4;
    return 0;
}

static int rd_skip_prop(struct rd *r)
{
    uint64_t n;
    if (rd_num(r, &n) || n > r->len - r->pos)
        return -1;
    r->pos += (size_t)n;
    return 0;
}

/* A bit vector of n items, most significant bit first; one byte per item in out. */
static int rd_bits(struct rd *r, size_t n, uint8_t *out)
{
    uint8_t b = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0 && rd_u8(r, &b))
            return -1;
        out[i] = (b >> (7 - i % 8)) & 1;
    }
    return 0;
}

/* CRCs of n items: an all-defined byte or a bit vector, then a CRC32 per defined item.
 * crc and def may be NULL to skip them. */
static int rd_digests(struct rd *r, size_t n, uint32_t *crc, uint8_t *def)
{
    uint8_t all;
    if (rd_u8(r, &all))
        return -1;
    size_t bits = r->pos;
    if (!all && (n + 7) / 8 > r->len - r->pos)
        return -1;
    if (!all)
        r->pos += (n + 7) / 8;
    for (size_t i = 0; i < n; i++) {
        int d = all || ((r->p[bits + i / 8] >> (7 - i % 8)) & 1);
        uint32_t c = 0;
        if (d && rd_u32(r, &c))
            return -1;
        if (crc) {
            crc[i] = c;
            def[i] = (uint8_t)d;
        }
    }
    return 0;
}

/* ---- the header model ---- */

static void db_free(struct db *db)
{
    for (size_t i = 0; i < db->nfolders && db->folder; i++) {
        free(db->folder[i].coder);
        free(db->folder[i].unpack);
        free(db->folder[i].bind);
    }
    for (size_t i = 0; i < db->nfiles && db->file; i++)
        free(db->file[i].name);
    free(db->folder);
    free(db->file);
    free(db->sub);
    free(db->pack_size);
    free(db->pack_off);
    memset(db, 0, sizeof *db);
}

static const struct method *method_of(const struct coder *c)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (methods[i].id == c->id && (methods[i].idlen == c->idlen ||
                                       (!c->idlen && !methods[i].id)))
            return &methods[i];
    return NULL;
}

static int folder_encrypted(const struct folder *f)
{
    for (uint32_t i = 0; i < f->ncoders; i++) {
        const struct method *m = method_of(&f->coder[i]);
        if (m && m->kind == MK_AES)
            return 1;
    }
    return 0;
}

static uint64_t folder_size(const struct folder *f) { return f->unpack[f->main_out]; }

/* ---- parsing ---- */

static int parse_coder(struct db *db, struct rd *r, struct coder *c)
{
    uint8_t flags, b;
    uint64_t a, z;
    /* bit 7 announced alternative methods, which no 7-Zip ever wrote */
    NEED(!rd_u8(r, &flags) && !(flags & 0x80), "bad coder");
    c->idlen = flags & 0x0F;
    for (unsigned i = 0; i < c->idlen; i++) {
        NEED(!rd_u8(r, &b), TRUNC);
        c->id = c->id << 8 | b;
    }
    if (c->idlen > 8)
        c->id = UINT64_MAX; /* no such method */
    c->nin = c->nout = 1;
    if (flags & 0x10) {
        NEED(!rd_num(r, &a) && !rd_num(r, &z), TRUNC);
        NEED(a <= FG_CAP_7Z_CODERS && z <= FG_CAP_7Z_CODERS, "too many coder streams");
        c->nin = (uint32_t)a;
        c->nout = (uint32_t)z;
    }
    if (flags & 0x20) {
        NEED(!rd_num(r, &a) && a <= r->len - r->pos, TRUNC);
        c->props = r->p + r->pos;
        c->nprops = (size_t)a;
        r->pos += (size_t)a;
    }
    return FG_OK;
}

/* Whether a bind pair uses stream idx as its in stream (side 0) or its out stream (side 1). */
static int is_bound(const struct folder *f, int side, uint32_t idx)
{
    for (uint32_t b = 0; b < f->nbind; b++)
        if (f->bind[2 * b + side] == idx)
            return 1;
    return 0;
}

static int parse_folder(struct db *db, struct rd *r, struct folder *f)
{
    size_t n;
    uint64_t v;
    NEED(!rd_count(r, FG_CAP_7Z_CODERS, &n) && n > 0, "bad coder count");
    if (!(f->coder = calloc(n, sizeof *f->coder)))
        return FG_ENOMEM;
    f->ncoders = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        int rc = parse_coder(db, r, &f->coder[i]);
        if (rc)
            return rc;
        f->nin += f->coder[i].nin;
        f->nout += f->coder[i].nout;
        NEED(f->nin <= FG_CAP_7Z_CODERS && f->nout <= FG_CAP_7Z_CODERS, "too many streams");
    }
    NEED(f->nout > 0 && f->nin >= f->nout, "bad coder streams");
    f->nbind = f->nout - 1;
    f->npacked = f->nin - f->nbind;
    f->unpack = calloc(f->nout, sizeof *f->unpack);
    f->bind = calloc(2 * f->nbind + f->npacked, sizeof *f->bind);
    if (!f->unpack || !f->bind)
        return FG_ENOMEM;
    for (uint32_t b = 0; b < 2 * f->nbind; b++) {
        NEED(!rd_num(r, &v) && v < (b % 2 ? f->nout : f->nin), "bad bind pair");
        f->bind[b] = (uint32_t)v;
    }
    uint32_t *packed = f->bind + 2 * f->nbind;
    if (f->npacked > 1) {
        for (uint32_t i = 0; i < f->npacked; i++) {
            NEED(!rd_num(r, &v) && v < f->nin, "bad packed stream");
            packed[i] = (uint32_t)v;
        }
    } else { /* the single packed stream is the in stream no bind pair feeds */
        uint32_t i = 0;
        while (i < f->nin && is_bound(f, 0, i))
            i++;
        NEED(i < f->nin, "no packed stream");
        packed[0] = i;
    }
    unsigned unbound = 0; /* the out stream no bind pair consumes is the folder's output */
    for (uint32_t o = 0; o < f->nout; o++)
        if (!is_bound(f, 1, o)) {
            f->main_out = o;
            unbound++;
        }
    NEED(unbound == 1, "bad bind pairs");
    return FG_OK;
}

static int read_crcs(struct db *db, struct rd *r, size_t n, uint32_t **crc, uint8_t **def)
{
    *crc = calloc(n + 1, sizeof **crc);
    *def = calloc(n + 1, 1);
    if (!*crc || !*def)
        return FG_ENOMEM;
    NEED(!rd_digests(r, n, *crc, *def), TRUNC);
    return FG_OK;
}

static int parse_pack_info(struct db *db, struct rd *r)
{
    uint64_t id;
    NEED(!db->pack_size, "two pack infos");
    NEED(!rd_num(r, &db->pack_pos) && !rd_count(r, FG_CAP_7Z_ITEMS, &db->npack), TRUNC);
    NEED(!rd_num(r, &id) && id == K_SIZE, "pack sizes missing");
    db->pack_size = calloc(db->npack + 1, sizeof *db->pack_size);
    db->pack_off = calloc(db->npack + 1, sizeof *db->pack_off);
    if (!db->pack_size || !db->pack_off)
        return FG_ENOMEM;
    uint64_t off = db->pack_pos;
    for (size_t i = 0; i < db->npack; i++) {
        NEED(!rd_num(r, &db->pack_size[i]), TRUNC);
        db->pack_off[i] = off; /* an overflow saturates; the bounds check refuses it */
        off = off > UINT64_MAX - db->pack_size[i] ? UINT64_MAX : off + db->pack_size[i];
    }
    for (;;) { /* pack stream CRCs and newer properties: not needed */
        NEED(!rd_num(r, &id), TRUNC);
        if (id == K_END)
            return FG_OK;
        NEED(!(id == K_CRC ? rd_digests(r, db->npack, NULL, NULL) : rd_skip_prop(r)), TRUNC);
    }
}

static int parse_unpack_info(struct db *db, struct rd *r)
{
    uint64_t id;
    uint8_t ext;
    int rc;
    NEED(!db->folder, "two folder lists");
    NEED(!rd_num(r, &id) && id == K_FOLDER, "folders missing");
    NEED(!rd_count(r, FG_CAP_7Z_ITEMS, &db->nfolders), "too many folders");
    NEED(!rd_u8(r, &ext) && ext == 0, "folders stored elsewhere");
    if (!(db->folder = calloc(db->nfolders + 1, sizeof *db->folder)))
        return FG_ENOMEM;
    for (size_t i = 0; i < db->nfolders; i++)
        if ((rc = parse_folder(db, r, &db->folder[i])))
            return rc;
    NEED(!rd_num(r, &id) && id == K_UNPACK_SIZE, "unpack sizes missing");
    for (size_t i = 0; i < db->nfolders; i++)
        for (uint32_t o = 0; o < db->folder[i].nout; o++)
            NEED(!rd_num(r, &db->folder[i].unpack[o]), TRUNC);
    for (;;) {
        NEED(!rd_num(r, &id), TRUNC);
        if (id == K_END)
            return FG_OK;
        if (id != K_CRC) {
            NEED(!rd_skip_prop(r), TRUNC);
            continue;
        }
        uint32_t *crc;
        uint8_t *def;
        rc = read_crcs(db, r, db->nfolders, &crc, &def);
        for (size_t i = 0; !rc && i < db->nfolders; i++) {
            db->folder[i].crc = crc[i];
            db->folder[i].has_crc = def[i];
        }
        free(crc);
        free(def);
        if (rc)
            return rc;
    }
}

/* Lays out the substreams of all folders; a folder of one substream gives it its size and CRC. */
static int alloc_subs(struct db *db)
{
    size_t total = 0, pack = 0;
    for (size_t i = 0; i < db->nfolders; i++) {
        struct folder *f = &db->folder[i];
        NEED(f->nsub <= FG_CAP_7Z_ITEMS - total, "too many substreams");
        f->sub_first = total;
        total += f->nsub;
        NEED(f->npacked <= db->npack && pack <= db->npack - f->npacked, "pack streams missing");
        f->pack_first = pack;
        pack += f->npacked;
    }
    if (!(db->sub = calloc(total + 1, sizeof *db->sub)))
        return FG_ENOMEM;
    db->nsubs = total;
    for (size_t i = 0; i < db->nfolders; i++) {
        struct folder *f = &db->folder[i];
        if (f->nsub == 1)
            db->sub[f->sub_first] = (struct sub){folder_size(f), f->crc, f->has_crc, SIZE_MAX};
    }
    return FG_OK;
}

static int parse_sub_sizes(struct db *db, struct rd *r)
{
    for (size_t i = 0; i < db->nfolders; i++) {
        struct folder *f = &db->folder[i];
        uint64_t sum = 0, fsize = folder_size(f);
        if (!f->nsub)
            continue;
        for (size_t k = 0; k + 1 < f->nsub; k++) {
            uint64_t s;
            NEED(!rd_num(r, &s) && s <= fsize - sum, "substreams larger than their folder");
            db->sub[f->sub_first + k].size = s;
            sum += s;
        }
        db->sub[f->sub_first + f->nsub - 1].size = fsize - sum;
    }
    return FG_OK;
}

static int parse_sub_crcs(struct db *db, struct rd *r)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < db->nfolders; i++)
        if (!(db->folder[i].nsub == 1 && db->folder[i].has_crc))
            n += db->folder[i].nsub;
    uint32_t *crc;
    uint8_t *def;
    int rc = read_crcs(db, r, n, &crc, &def);
    for (size_t i = 0; !rc && i < db->nfolders; i++) {
        const struct folder *f = &db->folder[i];
        if (f->nsub == 1 && f->has_crc)
            continue;
        for (size_t s = 0; s < f->nsub; s++, k++) {
            db->sub[f->sub_first + s].crc = crc[k];
            db->sub[f->sub_first + s].has_crc = def[k];
        }
    }
    free(crc);
    free(def);
    return rc;
}

static int parse_substreams(struct db *db, struct rd *r)
{
    uint64_t id, v;
    int rc;
    NEED(!rd_num(r, &id), TRUNC);
    if (id == K_NUM_UNPACK) {
        for (size_t i = 0; i < db->nfolders; i++) {
            NEED(!rd_num(r, &v) && v <= FG_CAP_7Z_ITEMS, "too many substreams");
            db->folder[i].nsub = (size_t)v;
        }
        NEED(!rd_num(r, &id), TRUNC);
    }
    if ((rc = alloc_subs(db)))
        return rc;
    if (id == K_SIZE) {
        if ((rc = parse_sub_sizes(db, r)))
            return rc;
        NEED(!rd_num(r, &id), TRUNC);
    } else {
        for (size_t i = 0; i < db->nfolders; i++)
            NEED(db->folder[i].nsub <= 1, "substream sizes missing");
    }
    for (;;) {
        if (id == K_END)
            return FG_OK;
        if (id == K_CRC) {
            if ((rc = parse_sub_crcs(db, r)))
                return rc;
        } else {
            NEED(!rd_skip_prop(r), TRUNC);
        }
        NEED(!rd_num(r, &id), TRUNC);
    }
}

static int parse_streams(struct db *db, struct rd *r)
{
    uint64_t id;
    int rc = FG_OK;
    NEED(!rd_num(r, &id), TRUNC);
    if (id == K_PACK_INFO) {
        if ((rc = parse_pack_info(db, r)))
            return rc;
        NEED(!rd_num(r, &id), TRUNC);
    }
    if (id == K_UNPACK_INFO) {
        if ((rc = parse_unpack_info(db, r)))
            return rc;
        for (size_t i = 0; i < db->nfolders; i++)
            db->folder[i].nsub = 1;
        NEED(!rd_num(r, &id), TRUNC);
    }
    if (id == K_SUBSTREAMS) {
        rc = parse_substreams(db, r);
        if (!rc)
            NEED(!rd_num(r, &id), TRUNC);
    } else {
        rc = alloc_subs(db);
    }
    if (rc)
        return rc;
    NEED(id == K_END, "bad streams info");
    return FG_OK;
}

/* Text from one encoding to another in one go; NULL if the input is not valid in 'from'. */
static char *convert(const char *to, const char *from, const void *in, size_t inl,
                     size_t *outl)
{
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1)
        return NULL;
    size_t left = 2 * inl + 2, r = (size_t)-1; /* no conversion here more than doubles */
    char *out = malloc(left + 2), *o = out, *ip = (char *)in;
    if (out)
        r = iconv(cd, &ip, &inl, &o, &left);
    iconv_close(cd);
    if (r == (size_t)-1 || inl) {
        free(out);
        return NULL;
    }
    o[0] = o[1] = 0;
    if (outl)
        *outl = (size_t)(o - out);
    return out;
}

static int parse_names(struct db *db, struct rd *p)
{
    uint8_t ext;
    NEED(!rd_u8(p, &ext) && ext == 0, "names stored elsewhere");
    for (size_t i = 0; i < db->nfiles; i++) {
        size_t end = p->pos;
        while (end + 1 < p->len && (p->p[end] | p->p[end + 1]))
            end += 2;
        NEED(end + 1 < p->len, "unterminated name");
        free(db->file[i].name);
        db->file[i].name = convert("UTF-8", "UTF-16LE", p->p + p->pos, end - p->pos, NULL);
        if (!db->file[i].name && !(db->file[i].name = strdup("(name not UTF-16)")))
            return FG_ENOMEM;
        p->pos = end + 2;
    }
    return FG_OK;
}

/* One property of the files info; only the ones that say what to emit matter. */
static int parse_file_prop(struct db *db, uint64_t type, struct rd *p, uint8_t *bits[3],
                           size_t *nempty)
{
    switch (type) {
    case K_EMPTY_STREAM:
        NEED(!rd_bits(p, db->nfiles, bits[0]), TRUNC);
        *nempty = 0;
        for (size_t i = 0; i < db->nfiles; i++)
            *nempty += bits[0][i];
        return FG_OK;
    case K_EMPTY_FILE:
        NEED(!rd_bits(p, *nempty, bits[1]), TRUNC);
        return FG_OK;
    case K_ANTI:
        NEED(!rd_bits(p, *nempty, bits[2]), TRUNC);
        return FG_OK;
    case K_NAME:
        return parse_names(db, p);
    default: /* times, attributes, padding */
        return FG_OK;
    }
}

static int parse_files(struct db *db, struct rd *r)
{
    uint8_t *bits[3] = {NULL, NULL, NULL};
    size_t nempty = 0, k = 0;
    uint64_t type, size;
    int rc = FG_OK;
    NEED(!db->file && !rd_count(r, FG_CAP_7Z_ITEMS, &db->nfiles), "too many files");
    db->file = calloc(db->nfiles + 1, sizeof *db->file);
    for (int i = 0; i < 3; i++)
        bits[i] = calloc(db->nfiles + 1, 1);
    if (!db->file || !bits[0] || !bits[1] || !bits[2])
        rc = FG_ENOMEM;
    while (!rc) {
        if (rd_num(r, &type) || (type != K_END && (rd_num(r, &size) || size > r->len - r->pos))) {
            db->why = TRUNC;
            rc = FG_EFORMAT;
            break;
        }
        if (type == K_END)
            break;
        struct rd p = {r->p + r->pos, (size_t)size, 0};
        r->pos += (size_t)size;
        rc = parse_file_prop(db, type, &p, bits, &nempty);
    }
    for (size_t i = 0; !rc && i < db->nfiles; i++) {
        struct file *f = &db->file[i];
        f->has_stream = !bits[0][i];
        if (!f->has_stream) {
            f->is_dir = !bits[1][k];
            f->anti = bits[2][k++];
        }
    }
    for (int i = 0; i < 3; i++)
        free(bits[i]);
    return rc;
}

/* Files with data take the substreams in order. */
static int link_files(struct db *db)
{
    size_t s = 0;
    for (size_t i = 0; i < db->nfiles; i++) {
        if (!db->file[i].has_stream)
            continue;
        NEED(s < db->nsubs, "more files than streams");
        db->sub[s++].file = i;
    }
    NEED(s == db->nsubs, "more streams than files");
    return FG_OK;
}

static int parse_header(struct db *db, struct rd *r)
{
    uint64_t id;
    int rc;
    NEED(!rd_num(r, &id), TRUNC);
    if (id == K_ARCHIVE_PROPS) {
        for (;;) {
            NEED(!rd_num(r, &id), TRUNC);
            if (id == K_END)
                break;
            NEED(!rd_skip_prop(r), TRUNC);
        }
        NEED(!rd_num(r, &id), TRUNC);
    }
    if (id == K_ADD_STREAMS) {
        db->why = "additional streams";
        return FG_EUNSUPPORTED;
    }
    if (id == K_MAIN_STREAMS) {
        if ((rc = parse_streams(db, r)))
            return rc;
        NEED(!rd_num(r, &id), TRUNC);
    }
    if (id == K_FILES) {
        if ((rc = parse_files(db, r)))
            return rc;
        NEED(!rd_num(r, &id), TRUNC);
    }
    NEED(id == K_END, "bad header");
    return link_files(db);
}

/* ---- keys ---- */

/* The password in UTF-16LE, as 7-Zip hashes it; bytes that are not UTF-8 count as Latin-1. */
static uint8_t *utf16le(const char *s, size_t *nbytes)
{
    char *u = convert("UTF-16LE", "UTF-8", s, strlen(s), nbytes);
    return (uint8_t *)(u ? u : convert("UTF-16LE", "ISO-8859-1", s, strlen(s), nbytes));
}

/* SHA-256 over (salt, password, 8-byte round counter) for 2^power rounds.  The rounds are
 * hashed in batches so that OpenSSL sees a few large updates instead of a million small ones. */
static int kdf_rounds(struct job *j, const uint8_t *unit0, size_t ulen, unsigned power,
                      uint8_t key[32])
{
    size_t batch = 4096 / ulen + 1;
    uint8_t *buf = malloc(batch * ulen);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = FG_OK;
    if (!buf || !md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        rc = buf && md ? FG_EINTERNAL : FG_ENOMEM;
        goto out;
    }
    for (size_t b = 0; b < batch; b++)
        memcpy(buf + b * ulen, unit0, ulen - 8);
    for (uint64_t done = 0, total = 1ULL << power; done < total;) {
        uint64_t k = total - done < batch ? total - done : batch;
        for (uint64_t b = 0; b < k; b++)
            for (int i = 0; i < 8; i++)
                buf[b * ulen + ulen - 8 + i] = (uint8_t)((done + b) >> (8 * i));
        if (!EVP_DigestUpdate(md, buf, (size_t)(k * ulen))) {
            rc = FG_EINTERNAL;
            goto out;
        }
        if (((done + k) >> 16) != (done >> 16) && fg_ctx_expired(j->ctx)) {
            rc = FG_ETIMEOUT;
            goto out;
        }
        done += k;
    }
    if (!EVP_DigestFinal_ex(md, key, NULL))
        rc = FG_EINTERNAL;
out:
    EVP_MD_CTX_free(md);
    free(buf);
    return rc;
}

/* The AES key for (password, salt, power); derived once per archive, it costs 2^19 hashes. */
static int derive_key(struct job *j, size_t pw, const uint8_t *salt, unsigned nsalt,
                      unsigned power, uint8_t key[32])
{
    for (unsigned i = 0; i < j->nkeys; i++) {
        const struct keyent *e = &j->keys[i];
        if (e->pw == pw && e->power == power && e->nsalt == nsalt &&
            !memcmp(e->salt, salt, nsalt)) {
            memcpy(key, e->key, 32);
            return FG_OK;
        }
    }
    size_t n16;
    uint8_t *p16 = utf16le(j->pw[pw], &n16), *unit = p16 ? malloc(nsalt + n16 + 8) : NULL;
    int rc = FG_OK;
    if (unit) {
        memcpy(unit, salt, nsalt);
        memcpy(unit + nsalt, p16, n16);
        memset(key, 0, 32);
        if (power == KDF_RAW)
            memcpy(key, unit, nsalt + n16 < 32 ? nsalt + n16 : 32);
        else
            rc = kdf_rounds(j, unit, nsalt + n16 + 8, power, key);
    }
    free(unit);
    free(p16);
    if (!unit || rc)
        return unit ? rc : FG_ENOMEM;
    struct keyent *e = &j->keys[j->nkeys < KEYCACHE ? j->nkeys++ : j->nextkey++ % KEYCACHE];
    *e = (struct keyent){.pw = pw, .nsalt = nsalt, .power = power};
    memcpy(e->salt, salt, nsalt);
    memcpy(e->key, key, 32);
    return FG_OK;
}

/* ---- decoding a folder: a chain of stages, the packed bytes at one end ---- */

enum { ST_COPY, ST_AES, ST_XZ, ST_ZLIB };

struct stage {
    int kind, done, zinit, xzinit;
    uint64_t left; /* bytes it may still produce: the size the header declares */
    uint8_t in[CHUNK];
    size_t in_pos, in_len, dec_end; /* AES has decrypted in[in_pos, dec_end) */
    int in_eof;
    lzma_stream xz;
    lzma_filter filt[LZMA_FILTERS_MAX + 1];
    z_stream zs;
    EVP_CIPHER_CTX *aes;
};

struct pipe {
    struct stage *st[FG_CAP_7Z_CODERS];
    unsigned nst;
    const uint8_t *pk; /* the folder's packed bytes */
    size_t pk_len, pk_pos;
    const char *why;
};

static long pipe_fail(struct pipe *p, const char *why)
{
    p->why = why;
    return FG_EFORMAT;
}

static long stage_read(struct pipe *p, unsigned k, uint8_t *out, size_t cap);

/* Moves unread input to the front and tops it up from the previous stage. */
static long stage_fill(struct pipe *p, unsigned k)
{
    struct stage *s = p->st[k];
    if (s->in_pos) {
        memmove(s->in, s->in + s->in_pos, s->in_len - s->in_pos);
        s->in_len -= s->in_pos;
        if (s->kind == ST_AES)
            s->dec_end -= s->in_pos;
        s->in_pos = 0;
    }
    size_t room = CHUNK - s->in_len;
    long n;
    if (!room)
        return pipe_fail(p, "decoder stalled");
    if (k == 0) {
        n = (long)(p->pk_len - p->pk_pos < room ? p->pk_len - p->pk_pos : room);
        memcpy(s->in + s->in_len, p->pk + p->pk_pos, (size_t)n);
        p->pk_pos += (size_t)n;
    } else if ((n = stage_read(p, k - 1, s->in + s->in_len, room)) < 0) {
        return n;
    }
    if (n == 0)
        s->in_eof = 1;
    s->in_len += (size_t)n;
    return n;
}

static long step_aes(struct pipe *p, struct stage *s, uint8_t *out, size_t cap)
{
    if (s->dec_end == s->in_pos) { /* decrypt whole blocks in place */
        size_t n = (s->in_len - s->dec_end) & ~(size_t)15;
        int outl = 0;
        if (n && (!EVP_DecryptUpdate(s->aes, s->in + s->dec_end, &outl, s->in + s->dec_end,
                                     (int)n) || (size_t)outl != n))
            return pipe_fail(p, "AES decryption failed");
        s->dec_end += n;
    }
    size_t n = s->dec_end - s->in_pos < cap ? s->dec_end - s->in_pos : cap;
    memcpy(out, s->in + s->in_pos, n);
    s->in_pos += n;
    return (long)n;
}

static long step_copy(struct stage *s, uint8_t *out, size_t cap)
{
    size_t n = s->in_len - s->in_pos < cap ? s->in_len - s->in_pos : cap;
    memcpy(out, s->in + s->in_pos, n);
    s->in_pos += n;
    return (long)n;
}

static long step_xz(struct pipe *p, struct stage *s, uint8_t *out, size_t cap)
{
    s->xz.next_in = s->in + s->in_pos;
    s->xz.avail_in = s->in_len - s->in_pos;
    s->xz.next_out = out;
    s->xz.avail_out = cap;
    lzma_ret r = lzma_code(&s->xz, s->in_eof ? LZMA_FINISH : LZMA_RUN);
    s->in_pos = s->in_len - s->xz.avail_in;
    if (r == LZMA_STREAM_END)
        s->done = 1;
    else if (r == LZMA_MEM_ERROR)
        return FG_ENOMEM;
    else if (r != LZMA_OK && r != LZMA_BUF_ERROR)
        return pipe_fail(p, "LZMA data error");
    return (long)(cap - s->xz.avail_out);
}

static long step_zlib(struct pipe *p, struct stage *s, uint8_t *out, size_t cap)
{
    s->zs.next_in = s->in + s->in_pos;
    s->zs.avail_in = (uInt)(s->in_len - s->in_pos);
    s->zs.next_out = out;
    s->zs.avail_out = (uInt)cap;
    int r = inflate(&s->zs, Z_NO_FLUSH);
    s->in_pos = s->in_len - s->zs.avail_in;
    if (r == Z_STREAM_END)
        s->done = 1;
    else if (r == Z_MEM_ERROR)
        return FG_ENOMEM;
    else if (r != Z_OK && r != Z_BUF_ERROR)
        return pipe_fail(p, "Deflate data error");
    return (long)(cap - s->zs.avail_out);
}

/* Up to cap bytes of stage k's output; 0 at its end (which may come before its declared
 * size: the caller sees a short stream). */
static long stage_read(struct pipe *p, unsigned k, uint8_t *out, size_t cap)
{
    struct stage *s = p->st[k];
    if (cap > s->left)
        cap = (size_t)s->left;
    while (cap && !s->done) {
        size_t used = s->in_pos;
        long n;
        if (s->kind == ST_AES)
            n = step_aes(p, s, out, cap);
        else if (s->kind == ST_XZ)
            n = step_xz(p, s, out, cap);
        else if (s->kind == ST_ZLIB)
            n = step_zlib(p, s, out, cap);
        else
            n = step_copy(s, out, cap);
        if (n < 0)
            return n;
        if (n > 0) {
            s->left -= (uint64_t)n;
            return n;
        }
        if (s->in_pos != used) /* input consumed, no output yet */
            continue;
        if (s->in_eof)
            break;
        if ((n = stage_fill(p, k)) < 0)
            return n;
    }
    return 0;
}

static void pipe_close(struct pipe *p)
{
    for (unsigned i = 0; i < p->nst; i++) {
        struct stage *s = p->st[i];
        if (s->xzinit)
            lzma_end(&s->xz);
        if (s->zinit)
            inflateEnd(&s->zs);
        EVP_CIPHER_CTX_free(s->aes);
        for (int f = 0; f < LZMA_FILTERS_MAX; f++)
            free(s->filt[f].options);
        free(s);
    }
    p->nst = 0;
}

/* Checks that the folder is a chain of one-in one-out coders we know, and lists them from the
 * packed side to the output. */
static int folder_plan(const struct folder *f, uint32_t *order, unsigned *n, const char **why)
{
    *why = "coder graph not supported (e.g. BCJ2)";
    if (f->npacked != 1)
        return FG_EUNSUPPORTED;
    for (uint32_t i = 0; i < f->ncoders; i++)
        if (f->coder[i].nin != 1 || f->coder[i].nout != 1)
            return FG_EUNSUPPORTED;
    *why = "compression method not supported (e.g. PPMd, BZip2)";
    for (uint32_t i = 0; i < f->ncoders; i++)
        if (!method_of(&f->coder[i]))
            return FG_EUNSUPPORTED;
    /* with one stream per coder, in stream i and out stream i both belong to coder i */
    uint32_t c = f->bind[2 * f->nbind];
    for (*n = 0; *n < f->ncoders;) {
        order[(*n)++] = c;
        uint32_t b = 0;
        while (b < f->nbind && f->bind[2 * b + 1] != c)
            b++;
        if (b == f->nbind)
            break;
        c = f->bind[2 * b];
    }
    if (*n != f->ncoders || c != f->main_out) {
        *why = "coders do not form a chain";
        return FG_EFORMAT;
    }
    *why = NULL;
    return FG_OK;
}

static int aes_init(struct job *j, struct pipe *p, struct stage *s, const struct coder *c,
                    size_t pw)
{
    uint8_t iv[16] = {0}, salt[16] = {0}, key[32];
    const uint8_t *d = c->props;
    unsigned nsalt = 0, niv = 0;
    if (c->nprops < 1)
        return (int)pipe_fail(p, "AES properties missing");
    unsigned power = d[0] & 0x3F;
    if (pw == NOPW)
        return (int)pipe_fail(p, "no password");
    if (d[0] & 0xC0) {
        if (c->nprops < 2)
            return (int)pipe_fail(p, "AES properties truncated");
        nsalt = (d[0] >> 7 & 1) + (d[1] >> 4);
        niv = (d[0] >> 6 & 1) + (d[1] & 0x0F);
        if (c->nprops < 2 + nsalt + niv)
            return (int)pipe_fail(p, "AES properties truncated");
        memcpy(salt, d + 2, nsalt);
        memcpy(iv, d + 2 + nsalt, niv);
    }
    if (power > KDF_MAX_POWER && power != KDF_RAW) {
        p->why = "AES key derivation with too many rounds";
        return FG_EUNSUPPORTED;
    }
    int rc = derive_key(j, pw, salt, nsalt, power, key);
    if (rc)
        return rc;
    s->kind = ST_AES;
    if (!(s->aes = EVP_CIPHER_CTX_new()))
        return FG_ENOMEM;
    if (!EVP_DecryptInit_ex(s->aes, EVP_aes_256_cbc(), NULL, key, iv) ||
        !EVP_CIPHER_CTX_set_padding(s->aes, 0))
        return FG_EINTERNAL;
    return FG_OK;
}

/* An LZMA/LZMA2 coder and the BCJ/Delta filters right after it become one liblzma chain. */
static int xz_init(struct job *j, struct pipe *p, struct stage *s, const struct folder *f,
                   const uint32_t *order, unsigned n, unsigned *i)
{
    unsigned last = *i, nf = 1;
    while (last + 1 < n && nf < LZMA_FILTERS_MAX &&
           method_of(&f->coder[order[last + 1]])->kind == MK_FILTER) {
        last++;
        nf++;
    }
    for (unsigned k = 0; k < nf; k++) { /* liblzma wants the filter nearest the output first */
        const struct coder *c = &f->coder[order[last - k]];
        s->filt[k].id = method_of(c)->filter;
        if (lzma_properties_decode(&s->filt[k], NULL, c->props, c->nprops) != LZMA_OK)
            return (int)pipe_fail(p, "bad LZMA or filter properties");
    }
    s->filt[nf].id = LZMA_VLI_UNKNOWN;
    /* A dictionary larger than the data it decodes is never needed; hostile headers declare
     * 4 GiB ones to make us allocate it. */
    lzma_options_lzma *lz = s->filt[nf - 1].options;
    uint64_t want = f->unpack[order[*i]], total = fg_ctx_limits(j->ctx)->max_total_size;
    if (total && want > total)
        want = total;
    if (lz->dict_size > want)
        lz->dict_size = want < 4096 ? 4096 : (uint32_t)want;
#ifdef LZMA_FILTER_LZMA1EXT
    /* 7z's LZMA streams have no end marker.  Told the size, liblzma ends the stream there,
     * and only then does a BCJ filter in front of it hand over its last few bytes. */
    if (s->filt[nf - 1].id == LZMA_FILTER_LZMA1) {
        s->filt[nf - 1].id = LZMA_FILTER_LZMA1EXT;
        lz->ext_flags = LZMA_LZMA1EXT_ALLOW_EOPM;
        lz->ext_size_low = (uint32_t)f->unpack[order[*i]];
        lz->ext_size_high = (uint32_t)(f->unpack[order[*i]] >> 32);
    }
#endif
    lzma_ret r = lzma_raw_decoder(&s->xz, s->filt);
    if (r == LZMA_MEM_ERROR)
        return FG_ENOMEM;
    if (r != LZMA_OK)
        return (int)pipe_fail(p, "LZMA options not supported");
    s->xzinit = 1;
    s->kind = ST_XZ;
    s->left = f->unpack[order[last]];
    *i = last;
    return FG_OK;
}

static int stage_init(struct job *j, struct pipe *p, struct stage *s, const struct folder *f,
                      const uint32_t *order, unsigned n, unsigned *i, size_t pw)
{
    const struct coder *c = &f->coder[order[*i]];
    s->left = f->unpack[order[*i]];
    switch (method_of(c)->kind) {
    case MK_COPY:
        s->kind = ST_COPY;
        return FG_OK;
    case MK_AES:
        return aes_init(j, p, s, c, pw);
    case MK_LZMA:
        return xz_init(j, p, s, f, order, n, i);
    case MK_DEFLATE:
        if (inflateInit2(&s->zs, -15) != Z_OK)
            return FG_ENOMEM;
        s->zinit = 1;
        s->kind = ST_ZLIB;
        return FG_OK;
    default: /* liblzma runs BCJ/Delta only in front of LZMA */
        p->why = "filter not after LZMA";
        return FG_EUNSUPPORTED;
    }
}

static int pipe_open(struct job *j, const struct db *db, const struct folder *f, size_t pw,
                     struct pipe *p)
{
    uint32_t order[FG_CAP_7Z_CODERS];
    unsigned n;
    memset(p, 0, sizeof *p);
    int rc = folder_plan(f, order, &n, &p->why);
    if (rc)
        return rc;
    size_t room = j->obj->len - SIG_LEN; /* the caller checked len >= SIG_LEN */
    uint64_t off = db->pack_off[f->pack_first], size = db->pack_size[f->pack_first];
    if (off > room || size > room - off) {
        p->why = "packed data lies outside the file";
        return FG_EFORMAT;
    }
    p->pk = j->obj->data + SIG_LEN + off;
    p->pk_len = (size_t)size;
    for (unsigned i = 0; i < n; i++) {
        struct stage *s = calloc(1, sizeof *s);
        if (!s)
            return FG_ENOMEM;
        p->st[p->nst++] = s;
        if ((rc = stage_init(j, p, s, f, order, n, &i, pw)))
            return rc;
    }
    return FG_OK;
}

/* Exactly n bytes of the folder's output, checking the clock between chunks. */
static int pipe_read(struct job *j, struct pipe *p, uint8_t *out, size_t n)
{
    while (n) {
        long got = stage_read(p, p->nst - 1, out, n < CHUNK ? n : CHUNK);
        if (got < 0)
            return (int)got;
        if (got == 0)
            return (int)pipe_fail(p, "data ends early");
        out += got;
        n -= (size_t)got;
        if (fg_ctx_expired(j->ctx))
            return FG_ETIMEOUT;
    }
    return FG_OK;
}

/* ---- emitting ---- */

struct piece {
    struct fg_buf b;
    uint32_t crc;
    int over, cut; /* over: larger than the room; cut: decoding stopped there */
};

/* Decodes one substream into pc->b, capped at the room; what is past the cap is decoded and
 * dropped so that the next file can be reached, unless this is the folder's last file. */
static int read_sub(struct job *j, struct pipe *p, uint64_t size, int last, struct piece *pc)
{
    uLong crc = crc32(0, NULL, 0);
    fg_buf_init(&pc->b, fg_child_room(j->ctx, j->obj));
    while (size) {
        size_t n = size < CHUNK ? (size_t)size : CHUNK;
        int rc = pipe_read(j, p, j->chunk, n);
        if (rc)
            return rc;
        crc = crc32(crc, j->chunk, (uInt)n);
        size -= n;
        if (pc->over)
            continue;
        if ((rc = fg_buf_append(&pc->b, j->chunk, n)) == FG_ELIMIT) {
            pc->over = 1;
            fg_buf_free(&pc->b);
            if (last && size) {
                pc->cut = 1;
                return FG_OK;
            }
        } else if (rc) {
            return rc;
        }
    }
    pc->crc = (uint32_t)crc;
    return FG_OK;
}

static const char *file_name(const struct job *j, size_t file)
{
    const char *n = file < j->db.nfiles ? j->db.file[file].name : NULL;
    return n ? n : "(unnamed)";
}

static int emit(struct job *j, const char *name, const void *data, size_t len)
{
    j->emitted++;
    return fg_emit_child(j->ctx, j->obj, name, data ? data : "", len, NULL, 0);
}

/* Hands one decoded file over; rc is how decoding it ended. */
static int deliver(struct job *j, const struct sub *s, struct piece *pc, int rc, const char *why)
{
    const char *name = file_name(j, s->file);
    if (rc) {
        fg_finding_add(j->ctx, j->obj, "malformed.member", FG_SEV_LOW, 1, name,
                       "7z member could not be decoded (%s); the rest of its block was not "
                       "examined", why ? why : fg_strerror(rc));
        int erc = pc->b.len ? emit(j, name, pc->b.p, pc->b.len) : FG_OK;
        return erc ? erc : rc;
    }
    if (pc->over) {
        fg_limit_size_hit(j->ctx, j->obj, name);
        return FG_OK;
    }
    if (s->has_crc && pc->crc != s->crc)
        fg_finding_add(j->ctx, j->obj, "malformed.member", FG_SEV_LOW, 1, name,
                       "7z member fails its CRC check");
    return emit(j, name, pc->b.p, pc->b.len);
}

/* Decodes a folder and emits its files.  With a password, the first non-empty file is the
 * test: if it does not decode or fails its CRC, WRONG_KEY comes back and nothing but empty
 * files was emitted.  0 means the folder opened (its members' problems are findings by then). */
static int extract_folder(struct job *j, const struct folder *f, size_t pw)
{
    struct pipe p;
    int rc = pipe_open(j, &j->db, f, pw, &p), checked = pw == NOPW;
    for (size_t k = 0; !rc && k < f->nsub; k++) {
        const struct sub *s = &j->db.sub[f->sub_first + k];
        struct piece pc = {.over = 0, .cut = 0};
        int drc = read_sub(j, &p, s->size, k + 1 == f->nsub, &pc);
        if (drc == FG_ETIMEOUT || drc == FG_ENOMEM) {
            rc = drc;
        } else if (!checked && (drc || (!pc.cut && s->has_crc && pc.crc != s->crc))) {
            rc = WRONG_KEY;
        } else {
            checked |= s->size > 0;
            rc = deliver(j, s, &pc, drc, p.why);
            if (rc != FG_ETIMEOUT && rc != FG_ENOMEM)
                rc = FG_OK; /* reported as a finding */
        }
        fg_buf_free(&pc.b);
        if (drc || pc.cut) /* the stream position is lost or nothing more is wanted */
            break;
    }
    j->why = p.why;
    pipe_close(&p);
    return rc;
}

static void folder_problem(struct job *j, const struct folder *f, int rc, const char *why)
{
    size_t first = f->nsub ? j->db.sub[f->sub_first].file : SIZE_MAX;
    fg_finding_add(j->ctx, j->obj, rc == FG_EUNSUPPORTED ? "unsupported.member"
                                                          : "malformed.member",
                   FG_SEV_LOW, 1, file_name(j, first), "7z block of %zu member(s) not read: %s",
                   f->nsub, why ? why : fg_strerror(rc));
}

/* Tries the candidates on an encrypted folder, the one that worked last first. */
static int open_folder(struct job *j, const struct folder *f)
{
    uint32_t order[FG_CAP_7Z_CODERS];
    unsigned n;
    const char *why;
    int rc = folder_plan(f, order, &n, &why);
    if (rc) {
        folder_problem(j, f, rc, why);
        return FG_OK;
    }
    if (!folder_encrypted(f)) {
        rc = extract_folder(j, f, NOPW);
    } else {
        rc = WRONG_KEY;
        for (size_t t = 0; rc == WRONG_KEY && t < j->npw; t++) {
            size_t i = (j->good + t) % j->npw;
            if ((rc = extract_folder(j, f, i)) == FG_OK) {
                j->good = i;
                j->opened++;
            }
        }
        if (rc == WRONG_KEY) {
            if (!j->locked++)
                snprintf(j->locked_name, sizeof j->locked_name, "%s",
                         file_name(j, j->db.sub[f->sub_first].file));
            return FG_OK;
        }
    }
    if (rc != FG_OK && rc != FG_ETIMEOUT && rc != FG_ENOMEM) {
        folder_problem(j, f, rc, j->why);
        rc = FG_OK;
    }
    return rc;
}

static int extract_all(struct job *j)
{
    for (size_t i = 0; i < j->db.nfolders; i++) {
        const struct folder *f = &j->db.folder[i];
        /* libarchive has already emitted what is not encrypted, unless it could not even
         * read the names */
        if (!f->nsub || (!j->emit_all && !folder_encrypted(f)))
            continue;
        j->encrypted += folder_encrypted(f);
        int rc = open_folder(j, f);
        if (rc)
            return rc;
    }
    if (!j->emit_all && !j->encrypted) {
        /* libarchive saw encryption where we see none: never let that pass as clean */
        j->why = "no encrypted block found";
        return FG_EFORMAT;
    }
    for (size_t i = 0; j->emit_all && i < j->db.nfiles; i++) {
        const struct file *f = &j->db.file[i];
        if (!f->has_stream && !f->is_dir && !f->anti) {
            int rc = emit(j, file_name(j, i), NULL, 0);
            if (rc)
                return rc;
        }
    }
    return FG_OK;
}

/* ---- the container ---- */

/* The 32-byte signature header points to the header at the end of the archive. */
static int read_signature(struct job *j, struct fg_view *nh)
{
    static const uint8_t sig[6] = {'7', 'z', 0xBC, 0xAF, 0x27, 0x1C};
    struct fg_view v = {j->obj->data, j->obj->len};
    uint64_t off, size;
    uint32_t crc, nh_crc;
    const uint8_t *p = fg_view_at(&v, 0, SIG_LEN);
    j->why = "not a 7z archive";
    if (!p || memcmp(p, sig, 6) || p[6] != 0)
        return FG_EFORMAT;
    fg_view_u32le(&v, 8, &crc);
    fg_view_u64le(&v, 12, &off);
    fg_view_u64le(&v, 20, &size);
    fg_view_u32le(&v, 28, &nh_crc);
    j->why = "start header fails its CRC check";
    if (crc32(0, p + 12, 20) != crc)
        return FG_EFORMAT;
    j->why = "archive is truncated (header lies past the end)";
    if (off > v.len - SIG_LEN || size > v.len - SIG_LEN - off)
        return FG_EFORMAT;
    nh->p = p + SIG_LEN + off;
    nh->len = (size_t)size;
    j->why = "header fails its CRC check";
    return crc32_z(0, nh->p, nh->len) == nh_crc ? FG_OK : FG_EFORMAT;
}

/* Decodes the packed header with one password (or none) into j->hdr; WRONG_KEY if that
 * password was not it. */
static int decode_header(struct job *j, struct db *hdb, size_t pw, size_t *hlen)
{
    const struct folder *f = &hdb->folder[0];
    uint64_t size = folder_size(f);
    struct pipe p;
    if (size == 0 || size >= fg_child_room(j->ctx, j->obj)) {
        j->why = "header is empty or too large";
        return FG_EFORMAT;
    }
    uint8_t *buf = malloc((size_t)size);
    if (!buf)
        return FG_ENOMEM;
    int rc = pipe_open(j, hdb, f, pw, &p); /* fails only for reasons no password changes */
    j->why = p.why;
    if (!rc) {
        rc = pipe_read(j, &p, buf, (size_t)size);
        if (!rc && ((f->has_crc && crc32_z(0, buf, (size_t)size) != f->crc) ||
                    buf[0] != K_HEADER))
            rc = FG_EFORMAT;
        j->why = p.why ? p.why : "header does not decode";
        /* a wrong key makes garbage, which may fail in any way */
        if (pw != NOPW && rc && rc != FG_ETIMEOUT && rc != FG_ENOMEM)
            rc = WRONG_KEY;
    }
    pipe_close(&p);
    if (rc) {
        free(buf);
        return rc;
    }
    free(j->hdr);
    j->hdr = buf;
    *hlen = (size_t)size;
    return FG_OK;
}

/* kEncodedHeader: the real header is packed (and maybe encrypted) like a file. */
static int open_encoded_header(struct job *j, struct rd *r)
{
    struct db hdb = {0};
    size_t hlen = 0;
    int rc = parse_streams(&hdb, r);
    j->why = hdb.why;
    if (!rc && (hdb.nfolders != 1 || !hdb.npack)) {
        j->why = "bad packed header";
        rc = FG_EFORMAT;
    }
    if (!rc && !folder_encrypted(&hdb.folder[0])) {
        rc = decode_header(j, &hdb, NOPW, &hlen);
    } else if (!rc) {
        j->emit_all = 1;
        rc = WRONG_KEY;
        for (size_t i = 0; rc == WRONG_KEY && i < j->npw; i++)
            if ((rc = decode_header(j, &hdb, i, &hlen)) == FG_OK) {
                j->good = i;
                j->hdr_opened = 1;
            }
        if (rc == WRONG_KEY)
            rc = FG_EENCRYPTED;
    }
    db_free(&hdb);
    if (rc)
        return rc;
    struct rd h = {j->hdr, hlen, 1};
    rc = parse_header(&j->db, &h);
    j->why = j->db.why;
    return rc;
}

static int read_database(struct job *j, const struct fg_view *nh)
{
    struct rd r = {nh->p, nh->len, 1};
    if (nh->len == 0)
        return FG_OK; /* an empty archive */
    if (nh->p[0] == K_HEADER) {
        int rc = parse_header(&j->db, &r);
        j->why = j->db.why;
        return rc;
    }
    if (nh->p[0] == K_ENCODED_HEADER)
        return open_encoded_header(j, &r);
    j->why = "unknown header type";
    return FG_EFORMAT;
}

static int job_init(struct job *j, struct fg_ctx *ctx, struct fg_obj *obj)
{
    const char *const *list = NULL;
    size_t n = fg_ctx_passwords(ctx, obj, &list);
    j->ctx = ctx;
    j->obj = obj;
    if (n && !(j->pw = calloc(n, sizeof *j->pw)))
        return FG_ENOMEM;
    for (; j->npw < n; j->npw++)
        if (!(j->pw[j->npw] = strdup(list[j->npw])))
            return FG_ENOMEM;
    return FG_OK;
}

static void job_free(struct job *j)
{
    for (size_t i = 0; i < j->npw; i++)
        free(j->pw[i]);
    OPENSSL_cleanse(j->keys, sizeof j->keys);
    free(j->pw);
    free(j->hdr);
    db_free(&j->db);
    free(j);
}

/* Turns what happened into findings and the unpacker's return value. */
static int finish(struct job *j, int rc)
{
    char ev[200];
    if (j->opened || j->hdr_opened)
        fg_finding_add(j->ctx, j->obj, "encrypted.opened", FG_SEV_INFO, 0, NULL,
                       "encrypted 7z opened with a known password (%zu block(s)%s)",
                       j->opened, j->hdr_opened ? ", names encrypted too" : "");
    if (rc == FG_EENCRYPTED || (!rc && j->locked)) {
        if (j->emitted) { /* a child's unpacker may have reloaded the context's candidates */
            const char *const *list;
            fg_ctx_passwords(j->ctx, j->obj, &list);
        }
        if (rc == FG_EENCRYPTED)
            snprintf(ev, sizeof ev, "header encrypted: names and contents hidden");
        else
            snprintf(ev, sizeof ev, "%s; %zu encrypted block(s) not opened", j->locked_name,
                     j->locked);
        fg_ctx_encrypted(j->ctx, j->obj, "7z", ev);
        return FG_EENCRYPTED;
    }
    if (rc == FG_EFORMAT || rc == FG_EUNSUPPORTED || rc == FG_EINTERNAL)
        fg_ctx_set_error(j->ctx, "7z: %s", j->why ? j->why : fg_strerror(rc));
    return rc == FG_EINTERNAL ? FG_EFORMAT : rc;
}

int fg_7z_unpack_encrypted(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct job *j = calloc(1, sizeof *j);
    struct fg_view nh;
    if (!j)
        return FG_ENOMEM;
    int rc = job_init(j, ctx, obj);
    if (!rc)
        rc = read_signature(j, &nh);
    if (!rc)
        rc = read_database(j, &nh);
    if (!rc)
        rc = extract_all(j);
    rc = rc == FG_ENOMEM || rc == FG_ETIMEOUT ? rc : finish(j, rc);
    job_free(j);
    return rc;
}
