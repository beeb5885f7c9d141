/*
 * sevenzip_int.h - what the three files of the 7z reader share: the header model that
 * sevenzip_header.c builds, the folder decoder of sevenzip_decode.c (with the AES key cache),
 * and the constants unpack_7zaes.c uses to drive both.  Not for use outside src/ingest/.
 */
#ifndef FG_SEVENZIP_INT_H
#define FG_SEVENZIP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/limits.h"
#include "../core/scan.h"

#define FG_7Z_CHUNK 65536
#define FG_7Z_SIG_LEN 32       /* the signature header at the start of the archive */
#define FG_7Z_WRONG_KEY 1      /* private result: this password did not decode it */
#define FG_7Z_NOPW SIZE_MAX    /* password index: none */
#define FG_7Z_KEYCACHE 32      /* derived keys kept per archive: (password, salt, cycles) */

/* The two kinds of header the signature header may point to. */
enum { FG_7Z_K_HEADER = 0x01, FG_7Z_K_ENCODED_HEADER = 0x17 };

/* ---- the unpacker (unpack_7zaes.c) ---- */


/* ---- the header model (sevenzip_header.c) ---- */

struct fg_7z_coder {
    uint64_t id;
    unsigned idlen;
    uint32_t nin, nout;
    const uint8_t *props; /* points into the header bytes */
    size_t nprops;
};

/* A folder ("block"): coders whose in streams (the packed side) are fed by pack streams or,
 * through bind pairs, by the out streams of other coders; one out stream is left over, the
 * folder's output. */
struct fg_7z_folder {
    struct fg_7z_coder *coder;
    uint64_t *unpack;   /* size of each out stream */
    uint32_t *bind;     /* nbind pairs (in, out), then the npacked in-stream indices */
    uint32_t ncoders, nin, nout, nbind, npacked, main_out;
    size_t pack_first;  /* its first pack stream */
    size_t sub_first, nsub; /* its substreams (files with data) in db.sub */
    uint32_t crc;
    int has_crc;
};

struct fg_7z_sub {
    uint64_t size;
    uint32_t crc;
    int has_crc;
    size_t file;
};

struct fg_7z_file {
    char *name;
    int has_stream, is_dir, anti;
};

struct fg_7z_db {
    uint64_t pack_pos;
    uint64_t *pack_size, *pack_off; /* pack_off: from the end of the signature header */
    size_t npack, nfolders, nsubs, nfiles;
    struct fg_7z_folder *folder;
    struct fg_7z_sub *sub;
    struct fg_7z_file *file;
    const char *why; /* what is wrong, for fg_ctx_set_error */
};

/* Checks the signature header of data[0, len) and finds the next header it points to (a view
 * into data).  FG_EFORMAT with *why set if it is no 7z or is damaged. */
int fg_7z_read_signature(const uint8_t *data, size_t len, const uint8_t **hdr, size_t *hlen,
                         const char **why);
/* A plain header, p[0] being kHeader; coder properties in db point into p. */
int fg_7z_parse_header(struct fg_7z_db *db, const uint8_t *p, size_t len);
/* The streams info of a kEncodedHeader (p[0]), which says how the real header is packed. */
int fg_7z_parse_encoded(struct fg_7z_db *db, const uint8_t *p, size_t len);
/* Frees what the parsers allocated and zeroes db; a half-built db is fine. */
void fg_7z_db_free(struct fg_7z_db *db);
/* Text from one iconv encoding to another in one go, malloc'ed with two NUL bytes after it;
 * NULL if the input is not valid in 'from'. */
char *fg_7z_iconv(const char *to, const char *from, const void *in, size_t inl, size_t *outl);

static inline uint64_t fg_7z_folder_size(const struct fg_7z_folder *f)
{
    return f->unpack[f->main_out];
}

/* ---- decoding folders (sevenzip_decode.c) ---- */

struct fg_7z_key {
    size_t pw; /* index in the password list */
    uint8_t salt[16], key[32];
    unsigned nsalt, power;
};

/* One archive being decoded: its bytes and the password candidates (both borrowed from the
 * caller) and the AES keys derived from them, which are costly and so are kept. */
struct fg_7z_src {
    struct fg_ctx *ctx;
    const uint8_t *data;
    size_t len; /* at least FG_7Z_SIG_LEN */
    char *const *pw;
    size_t npw;
    struct fg_7z_key keys[FG_7Z_KEYCACHE];
    unsigned nkeys, nextkey;
};

/* Wipes the derived keys. */
void fg_7z_src_clear(struct fg_7z_src *s);

struct fg_7z_stage;

/* A folder being decoded: a tree of stages (one per coder, or LZMA with its filters) fed by
 * pack streams, pulled from the output end. */
struct fg_7z_pipe {
    struct fg_7z_stage *st[FG_CAP_7Z_CODERS];
    unsigned nst;       /* st[0] gives the folder's output */
    const char *why; /* what went wrong, static text */
};

/* Whether a coder of the folder is 7zAES. */
int fg_7z_folder_encrypted(const struct fg_7z_folder *f);
/* Whether we can decode the folder: FG_EUNSUPPORTED (method or coder graph we do not decode)
 * or FG_EFORMAT (a graph no 7-Zip writes) with *why set, else FG_OK. */
int fg_7z_folder_check(const struct fg_7z_folder *f, const char **why);
/* Sets up decoding folder f of db with password pw (an index in src->pw, or FG_7Z_NOPW).
 * On failure p->why may say why; p must be closed either way. */
int fg_7z_pipe_open(struct fg_7z_src *src, const struct fg_7z_db *db,
                    const struct fg_7z_folder *f, size_t pw, struct fg_7z_pipe *p);
/* Exactly n more bytes of the folder's output, checking the clock between chunks. */
int fg_7z_pipe_read(struct fg_7z_src *src, struct fg_7z_pipe *p, uint8_t *out, size_t n);
void fg_7z_pipe_close(struct fg_7z_pipe *p);

#endif
