/*
 * sevenzip_header.c - parses 7z headers into the model of sevenzip_int.h: the signature
 * header, the streams info (pack streams, folders and their coders, substreams), the files
 * info, and the streams info of an encoded header.  Every count and size is checked here
 * against the header's own bounds and FG_CAP_7Z_*; nothing is decoded.
 */
#define _GNU_SOURCE
#include "sevenzip_int.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../core/buf.h"

/* Property ids of the 7z header (kHeader and kEncodedHeader are in sevenzip_int.h). */
enum {
    K_END = 0x00, K_ARCHIVE_PROPS = 0x02, K_ADD_STREAMS = 0x03, K_MAIN_STREAMS = 0x04,
    K_FILES = 0x05, K_PACK_INFO = 0x06, K_UNPACK_INFO = 0x07, K_SUBSTREAMS = 0x08,
    K_SIZE = 0x09, K_CRC = 0x0A, K_FOLDER = 0x0B, K_UNPACK_SIZE = 0x0C, K_NUM_UNPACK = 0x0D,
    K_EMPTY_STREAM = 0x0E, K_EMPTY_FILE = 0x0F, K_ANTI = 0x10, K_NAME = 0x11,
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

void fg_7z_db_free(struct fg_7z_db *db)
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

/* ---- parsing ---- */

static int parse_coder(struct fg_7z_db *db, struct rd *r, struct fg_7z_coder *c)
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
static int is_bound(const struct fg_7z_folder *f, int side, uint32_t idx)
{
    for (uint32_t b = 0; b < f->nbind; b++)
        if (f->bind[2 * b + side] == idx)
            return 1;
    return 0;
}

static int parse_folder(struct fg_7z_db *db, struct rd *r, struct fg_7z_folder *f)
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

static int read_crcs(struct fg_7z_db *db, struct rd *r, size_t n, uint32_t **crc,
                     uint8_t **def)
{
    *crc = calloc(n + 1, sizeof **crc);
    *def = calloc(n + 1, 1);
    if (!*crc || !*def)
        return FG_ENOMEM;
    NEED(!rd_digests(r, n, *crc, *def), TRUNC);
    return FG_OK;
}

static int parse_pack_info(struct fg_7z_db *db, struct rd *r)
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

static int parse_unpack_info(struct fg_7z_db *db, struct rd *r)
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
static int alloc_subs(struct fg_7z_db *db)
{
    size_t total = 0, pack = 0;
    for (size_t i = 0; i < db->nfolders; i++) {
        struct fg_7z_folder *f = &db->folder[i];
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
        struct fg_7z_folder *f = &db->folder[i];
        if (f->nsub == 1)
            db->sub[f->sub_first] =
                (struct fg_7z_sub){fg_7z_folder_size(f), f->crc, f->has_crc, SIZE_MAX};
    }
    return FG_OK;
}

static int parse_sub_sizes(struct fg_7z_db *db, struct rd *r)
{
    for (size_t i = 0; i < db->nfolders; i++) {
        struct fg_7z_folder *f = &db->folder[i];
        uint64_t sum = 0, fsize = fg_7z_folder_size(f);
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

static int parse_sub_crcs(struct fg_7z_db *db, struct rd *r)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < db->nfolders; i++)
        if (!(db->folder[i].nsub == 1 && db->folder[i].has_crc))
            n += db->folder[i].nsub;
    uint32_t *crc;
    uint8_t *def;
    int rc = read_crcs(db, r, n, &crc, &def);
    for (size_t i = 0; !rc && i < db->nfolders; i++) {
        const struct fg_7z_folder *f = &db->folder[i];
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

static int parse_substreams(struct fg_7z_db *db, struct rd *r)
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

static int parse_streams(struct fg_7z_db *db, struct rd *r)
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

char *fg_7z_iconv(const char *to, const char *from, const void *in, size_t inl, size_t *outl)
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

static int parse_names(struct fg_7z_db *db, struct rd *p)
{
    uint8_t ext;
    NEED(!rd_u8(p, &ext) && ext == 0, "names stored elsewhere");
    for (size_t i = 0; i < db->nfiles; i++) {
        size_t end = p->pos;
        while (end + 1 < p->len && (p->p[end] | p->p[end + 1]))
            end += 2;
        NEED(end + 1 < p->len, "unterminated name");
        free(db->file[i].name);
        db->file[i].name = fg_7z_iconv("UTF-8", "UTF-16LE", p->p + p->pos, end - p->pos, NULL);
        if (!db->file[i].name && !(db->file[i].name = strdup("(name not UTF-16)")))
            return FG_ENOMEM;
        p->pos = end + 2;
    }
    return FG_OK;
}

/* One property of the files info; only the ones that say what to emit matter. */
static int parse_file_prop(struct fg_7z_db *db, uint64_t type, struct rd *p,
                           uint8_t *bits[3], size_t *nempty)
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

static int parse_files(struct fg_7z_db *db, struct rd *r)
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
        struct fg_7z_file *f = &db->file[i];
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
static int link_files(struct fg_7z_db *db)
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

static int parse_header(struct fg_7z_db *db, struct rd *r)
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
/* ---- entry points ---- */

int fg_7z_parse_header(struct fg_7z_db *db, const uint8_t *p, size_t len)
{
    struct rd r = {p, len, 1};
    return parse_header(db, &r);
}

int fg_7z_parse_encoded(struct fg_7z_db *db, const uint8_t *p, size_t len)
{
    struct rd r = {p, len, 1};
    return parse_streams(db, &r);
}

/* The 32-byte signature header points to the header at the end of the archive. */
int fg_7z_read_signature(const uint8_t *data, size_t len, const uint8_t **hdr, size_t *hlen,
                         const char **why)
{
    static const uint8_t sig[6] = {'7', 'z', 0xBC, 0xAF, 0x27, 0x1C};
    struct fg_view v = {data, len};
    uint64_t off, size;
    uint32_t crc, nh_crc;
    const uint8_t *p = fg_view_at(&v, 0, FG_7Z_SIG_LEN);
    *why = "not a 7z archive";
    if (!p || memcmp(p, sig, 6) || p[6] != 0)
        return FG_EFORMAT;
    fg_view_u32le(&v, 8, &crc);
    fg_view_u64le(&v, 12, &off);
    fg_view_u64le(&v, 20, &size);
    fg_view_u32le(&v, 28, &nh_crc);
    *why = "start header fails its CRC check";
    if (crc32(0, p + 12, 20) != crc)
        return FG_EFORMAT;
    *why = "archive is truncated (header lies past the end)";
    if (off > v.len - FG_7Z_SIG_LEN || size > v.len - FG_7Z_SIG_LEN - off)
        return FG_EFORMAT;
    *hdr = p + FG_7Z_SIG_LEN + off;
    *hlen = (size_t)size;
    *why = "header fails its CRC check";
    return crc32_z(0, *hdr, *hlen) == nh_crc ? FG_OK : FG_EFORMAT;
}
