/*
 * sevenzip_decode.c - decodes 7z folders as streams: it owns the coder table, the check of a
 * folder's coder graph, the AES key derivation and its per-archive cache, and the stages the
 * bytes go through: AES (OpenSSL), LZMA/LZMA2 with BCJ/Delta filters (liblzma), Deflate
 * (zlib), copy, and BCJ2 (our own, four inputs).  Every stage works in bounded chunks.
 */
#include "sevenzip_int.h"

#include <limits.h>
#include <lzma.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define KDF_MAX_POWER 24  /* 7-Zip refuses more rounds too; 2^24 SHA-256 runs take seconds */
#define KDF_RAW 0x3F      /* "no hashing": the key is salt + password, zero-padded */

enum { MK_COPY = 1, MK_LZMA, MK_FILTER, MK_DEFLATE, MK_AES, MK_BCJ2 };

/* Coder methods we decode; the id bytes are read as a big-endian number.  nin: the coder's
 * in streams (on the packed side). */
static const struct method {
    uint64_t id;
    unsigned idlen;
    int kind;
    lzma_vli filter;
    uint32_t nin;
} methods[] = {
    {0x00, 1, MK_COPY, 0, 1},
    {0x21, 1, MK_LZMA, LZMA_FILTER_LZMA2, 1},
    {0x030101, 3, MK_LZMA, LZMA_FILTER_LZMA1, 1},
    {0x03, 1, MK_FILTER, LZMA_FILTER_DELTA, 1},
    {0x03030103, 4, MK_FILTER, LZMA_FILTER_X86, 1},
    {0x03030205, 4, MK_FILTER, LZMA_FILTER_POWERPC, 1},
    {0x03030401, 4, MK_FILTER, LZMA_FILTER_IA64, 1},
    {0x03030501, 4, MK_FILTER, LZMA_FILTER_ARM, 1},
    {0x03030701, 4, MK_FILTER, LZMA_FILTER_ARMTHUMB, 1},
    {0x03030805, 4, MK_FILTER, LZMA_FILTER_SPARC, 1},
#ifdef LZMA_FILTER_ARM64
    {0x0A, 1, MK_FILTER, LZMA_FILTER_ARM64, 1},
#endif
    {0x0303011B, 4, MK_BCJ2, 0, 4},
    {0x040108, 3, MK_DEFLATE, 0, 1},
    {0x06F10701, 4, MK_AES, 0, 1},
};

static const struct method *method_of(const struct fg_7z_coder *c)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (methods[i].id == c->id && (methods[i].idlen == c->idlen ||
                                       (!c->idlen && !methods[i].id)))
            return &methods[i];
    return NULL;
}

int fg_7z_folder_encrypted(const struct fg_7z_folder *f)
{
    for (uint32_t i = 0; i < f->ncoders; i++) {
        const struct method *m = method_of(&f->coder[i]);
        if (m && m->kind == MK_AES)
            return 1;
    }
    return 0;
}

/* ---- keys ---- */

/* The password in UTF-16LE, as 7-Zip hashes it; bytes that are not UTF-8 count as Latin-1. */
static uint8_t *utf16le(const char *s, size_t *nbytes)
{
    char *u = fg_7z_iconv("UTF-16LE", "UTF-8", s, strlen(s), nbytes);
    return (uint8_t *)(u ? u : fg_7z_iconv("UTF-16LE", "ISO-8859-1", s, strlen(s), nbytes));
}

/* SHA-256 over (salt, password, 8-byte round counter) for 2^power rounds.  The rounds are
 * hashed in batches so that OpenSSL sees a few large updates instead of a million small ones. */
static int kdf_rounds(struct fg_7z_src *src, const uint8_t *unit0, size_t ulen,
                      unsigned power, uint8_t key[32])
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
        if (((done + k) >> 16) != (done >> 16) && fg_ctx_expired(src->ctx)) {
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
static int derive_key(struct fg_7z_src *src, size_t pw, const uint8_t *salt, unsigned nsalt,
                      unsigned power, uint8_t key[32])
{
    for (unsigned i = 0; i < src->nkeys; i++) {
        const struct fg_7z_key *e = &src->keys[i];
        if (e->pw == pw && e->power == power && e->nsalt == nsalt &&
            !memcmp(e->salt, salt, nsalt)) {
            memcpy(key, e->key, 32);
            return FG_OK;
        }
    }
    size_t n16;
    uint8_t *p16 = utf16le(src->pw[pw], &n16), *unit = p16 ? malloc(nsalt + n16 + 8) : NULL;
    int rc = FG_OK;
    if (unit) {
        memcpy(unit, salt, nsalt);
        memcpy(unit + nsalt, p16, n16);
        memset(key, 0, 32);
        if (power == KDF_RAW)
            memcpy(key, unit, nsalt + n16 < 32 ? nsalt + n16 : 32);
        else
            rc = kdf_rounds(src, unit, nsalt + n16 + 8, power, key);
    }
    free(unit);
    free(p16);
    if (!unit || rc)
        return unit ? rc : FG_ENOMEM;
    struct fg_7z_key *e = &src->keys[src->nkeys < FG_7Z_KEYCACHE
                                         ? src->nkeys++
                                         : src->nextkey++ % FG_7Z_KEYCACHE];
    *e = (struct fg_7z_key){.pw = pw, .nsalt = nsalt, .power = power};
    memcpy(e->salt, salt, nsalt);
    memcpy(e->key, key, 32);
    return FG_OK;
}

/* ---- decoding a folder: a tree of stages, pulled from the output end ---- */

enum { ST_COPY, ST_AES, ST_XZ, ST_ZLIB, ST_BCJ2 };

/* One input of a stage, fed by another stage or by a pack stream. */
struct input {
    int from;            /* index of the stage that feeds it, or -1: the packed bytes pk */
    const uint8_t *pk;
    size_t pk_len, pk_pos;
    uint8_t buf[FG_7Z_CHUNK];
    size_t pos, len;     /* buf[pos, len) is not consumed yet */
    int eof;
};

/* BCJ2 puts x86 CALL (E8) and JMP/Jcc (E9, 0F 8x) targets in streams of their own as absolute
 * big-endian addresses; a range-coded bit per opcode byte says whether it was converted. */
#define BCJ2_NPROB (2 + 256) /* E8 by the byte before it, E9, Jcc */
struct bcj2 {
    uint16_t prob[BCJ2_NPROB];
    uint32_t range, code, ip; /* ip: bytes produced so far, the address base (mod 2^32) */
    uint8_t prev;             /* the last byte produced */
    uint8_t addr[4];          /* a converted address not handed out yet */
    unsigned naddr, addr_pos;
    int rc_ready;
};

struct fg_7z_stage {
    int kind, done, zinit, xzinit;
    uint64_t left; /* bytes it may still produce: the size the header declares */
    size_t dec_end; /* AES has decrypted in[0].buf[pos, dec_end) */
    lzma_stream xz;
    lzma_filter filt[LZMA_FILTERS_MAX + 1];
    z_stream zs;
    EVP_CIPHER_CTX *aes;
    struct bcj2 b2;
    unsigned nin;
    struct input in[]; /* nin: BCJ2 has four (main, call, jump, range coder), others one */
};

static long pipe_fail(struct fg_7z_pipe *p, const char *why)
{
    p->why = why;
    return FG_EFORMAT;
}

static long stage_read(struct fg_7z_pipe *p, unsigned k, uint8_t *out, size_t cap);

/* Moves the unconsumed bytes of an input to the front and tops it up from its source;
 * returns how many came (0: its source has ended). */
static long input_fill(struct fg_7z_pipe *p, struct input *in)
{
    if (in->pos) {
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
    }
    size_t room = FG_7Z_CHUNK - in->len;
    long n;
    if (!room)
        return pipe_fail(p, "decoder stalled");
    if (in->from < 0) {
        n = (long)(in->pk_len - in->pk_pos < room ? in->pk_len - in->pk_pos : room);
        memcpy(in->buf + in->len, in->pk + in->pk_pos, (size_t)n);
        in->pk_pos += (size_t)n;
    } else if ((n = stage_read(p, (unsigned)in->from, in->buf + in->len, room)) < 0) {
        return n;
    }
    if (n == 0)
        in->eof = 1;
    in->len += (size_t)n;
    return n;
}

/* One byte of an input: 1, 0 at its end, or an error. */
static long input_byte(struct fg_7z_pipe *p, struct input *in, uint8_t *b)
{
    while (in->pos == in->len) {
        long n = in->eof ? 0 : input_fill(p, in);
        if (n <= 0)
            return n;
    }
    *b = in->buf[in->pos++];
    return 1;
}

/* A one-input stage's input topped up; AES keeps track of what it decrypted already. */
static long stage_fill(struct fg_7z_pipe *p, struct fg_7z_stage *s)
{
    if (s->kind == ST_AES)
        s->dec_end -= s->in[0].pos;
    return input_fill(p, &s->in[0]);
}

static long step_aes(struct fg_7z_pipe *p, struct fg_7z_stage *s, uint8_t *out, size_t cap)
{
    struct input *in = &s->in[0];
    if (s->dec_end == in->pos) { /* decrypt whole blocks in place */
        size_t n = (in->len - s->dec_end) & ~(size_t)15;
        int outl = 0;
        if (n && (!EVP_DecryptUpdate(s->aes, in->buf + s->dec_end, &outl, in->buf + s->dec_end,
                                     (int)n) || (size_t)outl != n))
            return pipe_fail(p, "AES decryption failed");
        s->dec_end += n;
    }
    size_t n = s->dec_end - in->pos < cap ? s->dec_end - in->pos : cap;
    memcpy(out, in->buf + in->pos, n);
    in->pos += n;
    return (long)n;
}

static long step_copy(struct fg_7z_stage *s, uint8_t *out, size_t cap)
{
    struct input *in = &s->in[0];
    size_t n = in->len - in->pos < cap ? in->len - in->pos : cap;
    memcpy(out, in->buf + in->pos, n);
    in->pos += n;
    return (long)n;
}

static long step_xz(struct fg_7z_pipe *p, struct fg_7z_stage *s, uint8_t *out, size_t cap)
{
    struct input *in = &s->in[0];
    s->xz.next_in = in->buf + in->pos;
    s->xz.avail_in = in->len - in->pos;
    s->xz.next_out = out;
    s->xz.avail_out = cap;
    lzma_ret r = lzma_code(&s->xz, in->eof ? LZMA_FINISH : LZMA_RUN);
    in->pos = in->len - s->xz.avail_in;
    if (r == LZMA_STREAM_END)
        s->done = 1;
    else if (r == LZMA_MEM_ERROR)
        return FG_ENOMEM;
    else if (r != LZMA_OK && r != LZMA_BUF_ERROR)
        return pipe_fail(p, "LZMA data error");
    return (long)(cap - s->xz.avail_out);
}

static long step_zlib(struct fg_7z_pipe *p, struct fg_7z_stage *s, uint8_t *out, size_t cap)
{
    struct input *in = &s->in[0];
    s->zs.next_in = in->buf + in->pos;
    s->zs.avail_in = (uInt)(in->len - in->pos);
    s->zs.next_out = out;
    s->zs.avail_out = (uInt)cap;
    int r = inflate(&s->zs, Z_NO_FLUSH);
    in->pos = in->len - s->zs.avail_in;
    if (r == Z_STREAM_END)
        s->done = 1;
    else if (r == Z_MEM_ERROR)
        return FG_ENOMEM;
    else if (r != Z_OK && r != Z_BUF_ERROR)
        return pipe_fail(p, "Deflate data error");
    return (long)(cap - s->zs.avail_out);
}

/* ---- BCJ2 ---- */

enum { B2_MAIN, B2_CALL, B2_JUMP, B2_RC };

#define B2_ENDED "BCJ2 stream ends early"

/* One bit of the selector stream: a binary range coder with 11-bit probabilities that adapt
 * by 1/32 of the distance to certainty, as LZMA's.  Its first five bytes load the code. */
static long bcj2_bit(struct fg_7z_pipe *p, struct fg_7z_stage *s, uint16_t *prob)
{
    struct bcj2 *b = &s->b2;
    uint8_t c;
    long r;
    if (!b->rc_ready) {
        b->range = 0xFFFFFFFFu;
        for (int i = 0; i < 5; i++) {
            if ((r = input_byte(p, &s->in[B2_RC], &c)) <= 0)
                return r ? r : pipe_fail(p, B2_ENDED);
            b->code = b->code << 8 | c;
        }
        b->rc_ready = 1;
    }
    if (b->range < (1u << 24)) {
        if ((r = input_byte(p, &s->in[B2_RC], &c)) <= 0)
            return r ? r : pipe_fail(p, B2_ENDED);
        b->range <<= 8;
        b->code = b->code << 8 | c;
    }
    uint32_t bound = (b->range >> 11) * *prob;
    if (b->code < bound) {
        b->range = bound;
        *prob = (uint16_t)(*prob + ((2048 - *prob) >> 5));
        return 0;
    }
    b->range -= bound;
    b->code -= bound;
    *prob = (uint16_t)(*prob - (*prob >> 5));
    return 1;
}

/* After opcode byte op (with 'before' the byte before it): if the selector says so, the
 * absolute target from the call or jump stream becomes a relative one again, queued. */
static long bcj2_branch(struct fg_7z_pipe *p, struct fg_7z_stage *s, uint8_t before, uint8_t op)
{
    struct bcj2 *b = &s->b2;
    uint16_t *prob = &b->prob[op == 0xE8 ? before : op == 0xE9 ? 256 : 257];
    long bit = bcj2_bit(p, s, prob);
    if (bit <= 0)
        return bit;
    struct input *in = &s->in[op == 0xE8 ? B2_CALL : B2_JUMP];
    uint32_t abs = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c;
        long r = input_byte(p, in, &c);
        if (r <= 0)
            return r ? r : pipe_fail(p, B2_ENDED);
        abs = abs << 8 | c;
    }
    /* ip is where the address goes; the CPU adds the offset to the next instruction's */
    uint32_t rel = abs - (b->ip + 4);
    for (int i = 0; i < 4; i++)
        b->addr[i] = (uint8_t)(rel >> (8 * i));
    b->naddr = 4;
    b->addr_pos = 0;
    b->ip += 4;
    b->prev = b->addr[3];
    return 0;
}

static int bcj2_is_branch(uint8_t before, uint8_t op)
{
    return (op & 0xFE) == 0xE8 || (before == 0x0F && (op & 0xF0) == 0x80);
}

/* Up to cap (<= s->left) bytes: main-stream bytes as they are, converted addresses put back
 * behind their opcodes.  No selector bit follows the stream's very last byte. */
static long step_bcj2(struct fg_7z_pipe *p, struct fg_7z_stage *s, uint8_t *out, size_t cap)
{
    struct bcj2 *b = &s->b2;
    struct input *m = &s->in[B2_MAIN];
    size_t n = 0;
    while (n < cap) {
        if (b->addr_pos < b->naddr) {
            out[n++] = b->addr[b->addr_pos++];
            continue;
        }
        if (m->pos == m->len) {
            long r = m->eof ? 0 : input_fill(p, m);
            if (r < 0)
                return r;
            if (r == 0)
                break;
        }
        uint8_t before = b->prev, op = m->buf[m->pos++];
        out[n++] = op;
        b->ip++;
        b->prev = op;
        if (bcj2_is_branch(before, op) && s->left > n) {
            long r = bcj2_branch(p, s, before, op);
            if (r < 0)
                return r;
        }
    }
    return (long)n;
}

/* ---- the stages ---- */

/* Up to cap bytes of stage k's output; 0 at its end (which may come before its declared
 * size: the caller sees a short stream). */
static long stage_read(struct fg_7z_pipe *p, unsigned k, uint8_t *out, size_t cap)
{
    struct fg_7z_stage *s = p->st[k];
    if (cap > s->left)
        cap = (size_t)s->left;
    if (s->kind == ST_BCJ2) {
        long n = cap ? step_bcj2(p, s, out, cap) : 0;
        if (n > 0)
            s->left -= (uint64_t)n;
        return n;
    }
    while (cap && !s->done) {
        size_t used = s->in[0].pos;
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
        if (s->in[0].pos != used) /* input consumed, no output yet */
            continue;
        if (s->in[0].eof)
            break;
        if ((n = stage_fill(p, s)) < 0)
            return n;
    }
    return 0;
}

void fg_7z_pipe_close(struct fg_7z_pipe *p)
{
    for (unsigned i = 0; i < p->nst; i++) {
        struct fg_7z_stage *s = p->st[i];
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

/* ---- planning: how the coders of a folder connect ---- */

/* Every coder we decode has one out stream, so out stream i is coder i's output. */
struct plan {
    const struct method *m[FG_CAP_7Z_CODERS];
    uint32_t in_base[FG_CAP_7Z_CODERS]; /* each coder's first in stream */
    int feed[FG_CAP_7Z_CODERS];         /* per in stream: the coder feeding it, or -1 - k:
                                         * the folder's k-th pack stream */
};

#define UNSET_FEED INT32_MIN

/* Checks that every in stream is fed exactly once and that the coders form one tree whose
 * root gives the folder's output (so no stage is read from twice, and pulling ends). */
static int plan_links(const struct fg_7z_folder *f, struct plan *pl, const char **why)
{
    const uint32_t *packed = f->bind + 2 * f->nbind;
    uint8_t seen[FG_CAP_7Z_CODERS] = {0};
    uint32_t stack[FG_CAP_7Z_CODERS], nstack = 0, nseen = 0;
    *why = "bad bind pairs";
    for (uint32_t i = 0; i < f->nin; i++)
        pl->feed[i] = UNSET_FEED;
    for (uint32_t b = 0; b < f->nbind + f->npacked; b++) {
        uint32_t in = b < f->nbind ? f->bind[2 * b] : packed[b - f->nbind];
        if (in >= f->nin || pl->feed[in] != UNSET_FEED)
            return FG_EFORMAT;
        pl->feed[in] = b < f->nbind ? (int)f->bind[2 * b + 1] : -1 - (int)(b - f->nbind);
    }
    for (uint32_t i = 0; i < f->nin; i++)
        if (pl->feed[i] == UNSET_FEED || pl->feed[i] >= (int)f->ncoders)
            return FG_EFORMAT;
    *why = "coders do not form a tree";
    stack[nstack++] = f->main_out;
    seen[f->main_out] = 1;
    while (nstack) {
        uint32_t c = stack[--nstack];
        nseen++;
        for (uint32_t i = 0; i < f->coder[c].nin; i++) {
            int from = pl->feed[pl->in_base[c] + i];
            if (from < 0)
                continue;
            if (seen[from])
                return FG_EFORMAT;
            seen[from] = 1;
            stack[nstack++] = (uint32_t)from;
        }
    }
    return nseen == f->ncoders ? FG_OK : FG_EFORMAT;
}

/* liblzma runs BCJ/Delta filters only in front of LZMA: each chain of filters must end in an
 * LZMA coder, and be short enough for one liblzma filter chain. */
static int plan_filters(const struct fg_7z_folder *f, const struct plan *pl, const char **why)
{
    *why = "filter not after LZMA";
    for (uint32_t c = 0; c < f->ncoders; c++) {
        uint32_t d = c, nf = 0;
        while (pl->m[d]->kind == MK_FILTER) {
            int from = pl->feed[pl->in_base[d]];
            if (from < 0 || ++nf >= LZMA_FILTERS_MAX)
                return FG_EUNSUPPORTED;
            d = (uint32_t)from;
        }
        if (nf && pl->m[d]->kind != MK_LZMA)
            return FG_EUNSUPPORTED;
    }
    return FG_OK;
}

/* Checks that we know every coder of the folder and that they connect as 7-Zip connects
 * them; fills pl. */
static int folder_plan(const struct fg_7z_folder *f, struct plan *pl, const char **why)
{
    uint32_t base = 0;
    *why = "coder graph not supported";
    for (uint32_t c = 0; c < f->ncoders; c++)
        if (f->coder[c].nout != 1)
            return FG_EUNSUPPORTED;
    *why = "compression method not supported (e.g. PPMd, BZip2)";
    for (uint32_t c = 0; c < f->ncoders; c++)
        if (!(pl->m[c] = method_of(&f->coder[c])))
            return FG_EUNSUPPORTED;
    *why = "coder with the wrong number of streams";
    for (uint32_t c = 0; c < f->ncoders; c++) {
        if (f->coder[c].nin != pl->m[c]->nin)
            return FG_EFORMAT;
        pl->in_base[c] = base;
        base += f->coder[c].nin;
    }
    int rc = plan_links(f, pl, why);
    if (!rc)
        rc = plan_filters(f, pl, why);
    if (!rc)
        *why = NULL;
    return rc;
}

int fg_7z_folder_check(const struct fg_7z_folder *f, const char **why)
{
    struct plan pl;
    return folder_plan(f, &pl, why);
}

static int aes_init(struct fg_7z_src *src, struct fg_7z_pipe *p, struct fg_7z_stage *s,
                    const struct fg_7z_coder *c, size_t pw)
{
    uint8_t iv[16] = {0}, salt[16] = {0}, key[32];
    const uint8_t *d = c->props;
    unsigned nsalt = 0, niv = 0;
    if (c->nprops < 1)
        return (int)pipe_fail(p, "AES properties missing");
    unsigned power = d[0] & 0x3F;
    if (pw == FG_7Z_NOPW)
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
    int rc = derive_key(src, pw, salt, nsalt, power, key);
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

/* An LZMA/LZMA2 coder and the chain of BCJ/Delta filters after it become one liblzma chain.
 * chain[0, nf) are the filters, the one nearest the output first (as liblzma wants them). */
static int xz_init(struct fg_7z_src *src, struct fg_7z_pipe *p, struct fg_7z_stage *s,
                   const struct fg_7z_folder *f, const uint32_t *chain, unsigned nf,
                   uint32_t lzc)
{
    for (unsigned k = 0; k <= nf; k++) {
        const struct fg_7z_coder *c = &f->coder[k < nf ? chain[k] : lzc];
        s->filt[k].id = method_of(c)->filter;
        if (lzma_properties_decode(&s->filt[k], NULL, c->props, c->nprops) != LZMA_OK)
            return (int)pipe_fail(p, "bad LZMA or filter properties");
    }
    s->filt[nf + 1].id = LZMA_VLI_UNKNOWN;
    /* A dictionary larger than the data it decodes is never needed; hostile headers declare
     * 4 GiB ones to make us allocate it. */
    lzma_options_lzma *lz = s->filt[nf].options;
    uint64_t want = f->unpack[lzc], total = fg_ctx_limits(src->ctx)->max_total_size;
    if (total && want > total)
        want = total;
    if (lz->dict_size > want)
        lz->dict_size = want < 4096 ? 4096 : (uint32_t)want;
#ifdef LZMA_FILTER_LZMA1EXT
    /* 7z's LZMA streams have no end marker.  Told the size, liblzma ends the stream there,
     * and only then does a BCJ filter in front of it hand over its last few bytes. */
    if (s->filt[nf].id == LZMA_FILTER_LZMA1) {
        s->filt[nf].id = LZMA_FILTER_LZMA1EXT;
        lz->ext_flags = LZMA_LZMA1EXT_ALLOW_EOPM;
        lz->ext_size_low = (uint32_t)f->unpack[lzc];
        lz->ext_size_high = (uint32_t)(f->unpack[lzc] >> 32);
    }
#endif
    lzma_ret r = lzma_raw_decoder(&s->xz, s->filt);
    if (r == LZMA_MEM_ERROR)
        return FG_ENOMEM;
    if (r != LZMA_OK)
        return (int)pipe_fail(p, "LZMA options not supported");
    s->xzinit = 1;
    s->kind = ST_XZ;
    return FG_OK;
}

/* Sets stage s up to run coder c, with the filters chain[0, nf) after it if it is LZMA. */
static int stage_init(struct fg_7z_src *src, struct fg_7z_pipe *p, struct fg_7z_stage *s,
                      const struct fg_7z_folder *f, const uint32_t *chain, unsigned nf,
                      uint32_t c, size_t pw)
{
    switch (method_of(&f->coder[c])->kind) {
    case MK_COPY:
        s->kind = ST_COPY;
        return FG_OK;
    case MK_AES:
        return aes_init(src, p, s, &f->coder[c], pw);
    case MK_LZMA:
        return xz_init(src, p, s, f, chain, nf, c);
    case MK_DEFLATE:
        if (inflateInit2(&s->zs, -15) != Z_OK)
            return FG_ENOMEM;
        s->zinit = 1;
        s->kind = ST_ZLIB;
        return FG_OK;
    case MK_BCJ2:
        for (unsigned i = 0; i < BCJ2_NPROB; i++)
            s->b2.prob[i] = 1024; /* one half */
        s->kind = ST_BCJ2;
        return FG_OK;
    default: /* folder_plan() let no other filter through */
        return FG_EINTERNAL;
    }
}

/* The bytes of the folder's k-th pack stream, as the packed input of a stage. */
static int pack_input(struct fg_7z_src *src, struct fg_7z_pipe *p, const struct fg_7z_db *db,
                      const struct fg_7z_folder *f, uint32_t k, struct input *in)
{
    size_t room = src->len - FG_7Z_SIG_LEN; /* the caller checked len >= FG_7Z_SIG_LEN */
    size_t ps = f->pack_first + k;           /* the parser checked it is < db->npack */
    uint64_t off = db->pack_off[ps], size = db->pack_size[ps];
    if (off > room || size > room - off) {
        p->why = "packed data lies outside the file";
        return FG_EFORMAT;
    }
    in->from = -1;
    in->pk = src->data + FG_7Z_SIG_LEN + off;
    in->pk_len = (size_t)size;
    return FG_OK;
}

/* Adds the stage that produces coder top's output, then (depth first) the stages that feed
 * it.  Recursion ends: folder_plan() checked that the coders form a tree of at most
 * FG_CAP_7Z_CODERS. */
static int stage_add(struct fg_7z_src *src, struct fg_7z_pipe *p, const struct plan *pl,
                     const struct fg_7z_db *db, const struct fg_7z_folder *f, uint32_t top,
                     size_t pw)
{
    uint32_t chain[LZMA_FILTERS_MAX], c = top;
    unsigned nf = 0;
    while (pl->m[c]->kind == MK_FILTER) { /* merged into the LZMA stage below them */
        chain[nf++] = c;
        c = (uint32_t)pl->feed[pl->in_base[c]];
    }
    uint32_t nin = f->coder[c].nin;
    if (p->nst == FG_CAP_7Z_CODERS)
        return FG_EINTERNAL;
    struct fg_7z_stage *s = calloc(1, sizeof *s + nin * sizeof s->in[0]);
    if (!s)
        return FG_ENOMEM;
    p->st[p->nst++] = s;
    s->nin = nin;
    s->left = f->unpack[top];
    for (uint32_t i = 0; i < nin; i++) {
        int from = pl->feed[pl->in_base[c] + i], rc;
        if (from < 0) {
            rc = pack_input(src, p, db, f, (uint32_t)(-1 - from), &s->in[i]);
        } else {
            s->in[i].from = (int)p->nst;
            rc = stage_add(src, p, pl, db, f, (uint32_t)from, pw);
        }
        if (rc)
            return rc;
    }
    return stage_init(src, p, s, f, chain, nf, c, pw);
}

int fg_7z_pipe_open(struct fg_7z_src *src, const struct fg_7z_db *db,
                    const struct fg_7z_folder *f, size_t pw, struct fg_7z_pipe *p)
{
    struct plan pl;
    memset(p, 0, sizeof *p);
    int rc = folder_plan(f, &pl, &p->why);
    if (!rc)
        rc = stage_add(src, p, &pl, db, f, f->main_out, pw);
    return rc;
}

int fg_7z_pipe_read(struct fg_7z_src *src, struct fg_7z_pipe *p, uint8_t *out, size_t n)
{
    while (n) {
        long got = stage_read(p, 0, out, n < FG_7Z_CHUNK ? n : FG_7Z_CHUNK);
        if (got < 0)
            return (int)got;
        if (got == 0)
            return (int)pipe_fail(p, "data ends early");
        out += got;
        n -= (size_t)got;
        if (fg_ctx_expired(src->ctx))
            return FG_ETIMEOUT;
    }
    return FG_OK;
}

void fg_7z_src_clear(struct fg_7z_src *src)
{
    OPENSSL_cleanse(src->keys, sizeof src->keys);
    src->nkeys = src->nextkey = 0;
}
