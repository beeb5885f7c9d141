/*
 * unpack_binhex.c - BinHex 4.0 (.hqx): the data fork becomes a child under the file's stored
 * name, a non-empty resource fork "<name>.rsrc".  Every block in the input is decoded.
 *
 * Written by hand: no library in Debian decodes BinHex.  The layers are 6-bit text between
 * ':' markers, then run-length coding (0x90), then a header and two forks, each followed by
 * a CRC-16/XMODEM.  Decoding is one streaming pass; a fork is kept only up to
 * fg_child_room(), and a run of repeated bytes past that is counted, not produced.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "unpack.h"

#define BINHEX_MARK "(This file must be converted with BinHex"
#define BINHEX_TICK (1u << 20) /* input bytes between checks of the time limit */

static const char *const binhex_types[] = {"binhex", NULL};

static const char alphabet[] =
    "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

enum part { P_HEADER, P_DATA, P_DCRC, P_RSRC, P_RCRC, P_DONE };

struct hqx {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    uint16_t crctab[256];
    enum part part;
    /* header: name length, name, version, type, creator, flags, two lengths, CRC */
    uint8_t hdr[1 + 255 + 1 + 4 + 4 + 2 + 4 + 4 + 2];
    size_t hdrlen, hdrneed;
    char name[256 + 5];
    uint32_t forklen[2];
    uint64_t got;       /* bytes of the current fork seen */
    uint16_t crc;       /* running CRC of the current part */
    uint8_t crcbytes[2];
    int crcgot;
    int keep;           /* the current fork still fits fg_child_room(): bytes are kept */
    struct fg_buf fork;
    /* run-length layer */
    int have_prev, marker;
    uint8_t prev;
    int rc;             /* FG_ETIMEOUT / FG_ENOMEM from emitting ends everything */
};

static void crc_table(uint16_t t[256])
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t c = (uint16_t)(i << 8);
        for (int k = 0; k < 8; k++)
            c = (uint16_t)(c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1);
        t[i] = c;
    }
}

static uint16_t crc_byte(const struct hqx *h, uint16_t crc, uint8_t b)
{
    return (uint16_t)((crc << 8) ^ h->crctab[(uint8_t)((crc >> 8) ^ b)]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum fork_end { FE_GOOD, FE_BADCRC, FE_NOCRC, FE_TRUNCATED };

/* The name a fork is emitted under: the stored name, "<name>.rsrc" for the resource fork. */
static char *fork_name(const struct hqx *h, int rsrc)
{
    char *n = NULL;
    return asprintf(&n, "%s%s", h->name, rsrc ? ".rsrc" : "") < 0 ? NULL : n;
}

/* Starts a fork.  Its bytes are kept up to fg_child_room(); the header's length is not
 * trusted for more than a cap, so a header that lies about it still yields the data. */
static void fork_begin(struct hqx *h, int rsrc)
{
    h->got = 0;
    h->crc = 0;
    h->keep = 1;
    uint64_t room = fg_child_room(h->ctx, h->obj);
    fg_buf_init(&h->fork, h->forklen[rsrc] < room ? h->forklen[rsrc] : room);
}

/* More of the fork than fits: report once, then only count. */
static void fork_overflow(struct hqx *h, int rsrc)
{
    char *n = fork_name(h, rsrc);
    fg_limit_size_hit(h->ctx, h->obj, n ? n : h->name);
    free(n);
    h->keep = 0;
    fg_buf_free(&h->fork);
}

/* A fork is complete, or the input ended inside it: emit what there is. */
static void fork_end(struct hqx *h, int rsrc, enum fork_end how)
{
    static const char *const what[] = {"data fork", "resource fork"};
    char *n = fork_name(h, rsrc);
    if (!n) {
        h->rc = FG_ENOMEM;
        goto out;
    }
    if (how == FE_TRUNCATED)
        fg_finding_add(h->ctx, h->obj, "malformed.member", FG_SEV_LOW, 1, n,
                       "BinHex %s is truncated: %llu of %u bytes", what[rsrc],
                       (unsigned long long)h->got, h->forklen[rsrc]);
    else if (how == FE_BADCRC && h->keep)
        fg_finding_add(h->ctx, h->obj, "malformed.member", FG_SEV_LOW, 1, n,
                       "BinHex %s CRC does not match", what[rsrc]);
    else if (how == FE_NOCRC)
        fg_finding_add(h->ctx, h->obj, "malformed.member", FG_SEV_LOW, 1, n,
                       "BinHex %s has no CRC", what[rsrc]);
    if (h->keep && h->fork.len) {
        int rc = fg_emit_child(h->ctx, h->obj, n, h->fork.p, h->fork.len, NULL, 0);
        if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
            h->rc = rc;
    }
out:
    fg_buf_free(&h->fork);
    free(n);
}

static void header_done(struct hqx *h)
{
    size_t nl = h->hdr[0], k = 0;
    while (k < nl && h->hdr[1 + k])
        k++; /* a name ends at a NUL, if it has one */
    memcpy(h->name, h->hdr + 1, k);
    h->name[k] = 0;
    const uint8_t *f = h->hdr + 1 + nl + 1 + 4 + 4 + 2;
    h->forklen[0] = be32(f);
    h->forklen[1] = be32(f + 4);
    uint16_t stored = (uint16_t)(f[8] << 8 | f[9]);
    if (stored != h->crc)
        fg_finding_add(h->ctx, h->obj, "malformed.member", FG_SEV_LOW, 1, h->name,
                       "BinHex header CRC does not match");
    h->part = P_DATA;
    fork_begin(h, 0);
}

/* One byte of the header. */
static void header_byte(struct hqx *h, uint8_t b)
{
    if (h->hdrlen == 0)
        h->hdrneed = (size_t)b + 1 + 1 + 4 + 4 + 2 + 4 + 4 + 2;
    h->hdr[h->hdrlen++] = b;
    if (h->hdrlen <= h->hdrneed - 2)
        h->crc = crc_byte(h, h->crc, b);
    if (h->hdrlen == h->hdrneed)
        header_done(h);
}

/* 'count' copies of byte b after run-length decoding. */
static void put_bytes(struct hqx *h, uint8_t b, uint64_t count)
{
    while (count && h->part != P_DONE && !h->rc) {
        if (h->part == P_HEADER) {
            header_byte(h, b);
            count--;
        } else if (h->part == P_DATA || h->part == P_RSRC) {
            int rsrc = h->part == P_RSRC;
            uint64_t left = h->forklen[rsrc] - h->got;
            uint64_t take = count < left ? count : left;
            for (uint64_t i = 0; h->keep && i < take; i++) {
                int prc = fg_buf_putc(&h->fork, b);
                if (prc == FG_ENOMEM)
                    h->rc = FG_ENOMEM;
                if (prc) {
                    fork_overflow(h, rsrc);
                    break;
                }
                h->crc = crc_byte(h, h->crc, b);
            }
            h->got += take;
            count -= take;
            if (h->got == h->forklen[rsrc]) {
                h->part = rsrc ? P_RCRC : P_DCRC;
                h->crcgot = 0;
            }
        } else { /* a fork's CRC */
            h->crcbytes[h->crcgot++] = b;
            count--;
            if (h->crcgot == 2) {
                int rsrc = h->part == P_RCRC;
                uint16_t stored = (uint16_t)(h->crcbytes[0] << 8 | h->crcbytes[1]);
                fork_end(h, rsrc, stored == h->crc ? FE_GOOD : FE_BADCRC);
                h->part = rsrc ? P_DONE : P_RSRC;
                if (!rsrc)
                    fork_begin(h, 1);
            }
        }
    }
}

/* The run-length layer: 0x90 n repeats the previous byte n-1 more times; 0x90 0 is 0x90. */
static void rle_byte(struct hqx *h, uint8_t b)
{
    if (h->marker) {
        h->marker = 0;
        if (b == 0) {
            h->prev = 0x90;
            h->have_prev = 1;
            put_bytes(h, 0x90, 1);
        } else if (h->have_prev) {
            put_bytes(h, h->prev, (uint64_t)b - 1);
        }
        return;
    }
    if (b == 0x90) {
        h->marker = 1;
        return;
    }
    h->prev = b;
    h->have_prev = 1;
    put_bytes(h, b, 1);
}

/*
 * Decodes the 6-bit text from 'p' up to the closing ':'; returns the number of input bytes
 * used.  *bad is set when a character outside the alphabet cut the data short.
 */
static size_t decode_text(struct hqx *h, const uint8_t *p, size_t n, int *bad)
{
    int8_t val[256];
    memset(val, -1, sizeof val);
    for (int i = 0; alphabet[i]; i++)
        val[(uint8_t)alphabet[i]] = (int8_t)i;
    uint32_t acc = 0;
    int nbits = 0;
    size_t i = 0, tick = BINHEX_TICK;
    for (; i < n && h->part != P_DONE && !h->rc; i++) {
        uint8_t c = p[i];
        if (c == ':')
            return i + 1;
        if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
            continue;
        if (val[c] < 0) {
            *bad = 1;
            return i;
        }
        acc = (acc << 6 | (uint32_t)val[c]) & 0xFFFFFF;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            rle_byte(h, (uint8_t)(acc >> nbits));
        }
        if (i >= tick) {
            tick = i + BINHEX_TICK;
            if (fg_ctx_expired(h->ctx))
                h->rc = FG_ETIMEOUT;
        }
    }
    return i;
}

/* One BinHex block whose data starts at 'p'.  Returns 0, FG_EFORMAT (with the error set)
 * when not even the header of the first block could be read, or FG_ETIMEOUT / FG_ENOMEM. */
static int decode_block(struct hqx *h, const uint8_t *p, size_t n, int first, size_t *used)
{
    int bad = 0;
    *used = decode_text(h, p, n, &bad);
    if (h->rc)
        goto out;
    switch (h->part) {
    case P_HEADER:
        if (first) {
            fg_ctx_set_error(h->ctx, "BinHex data ends inside the header%s",
                             bad ? " (invalid character)" : "");
            h->rc = FG_EFORMAT;
        } else { /* a later block is a member like any other */
            fg_finding_add(h->ctx, h->obj, "malformed.member", FG_SEV_LOW, 1, NULL,
                           "a BinHex block ends inside its header%s",
                           bad ? " (invalid character)" : "");
        }
        break;
    case P_DATA:
        fork_end(h, 0, FE_TRUNCATED);
        break;
    case P_DCRC:
        fork_end(h, 0, FE_NOCRC);
        break;
    case P_RSRC:
        /* Nothing of an empty resource fork, not even its CRC, is no loss. */
        fork_end(h, 1, h->forklen[1] == 0 ? FE_GOOD : FE_TRUNCATED);
        break;
    case P_RCRC:
        fork_end(h, 1, FE_NOCRC);
        break;
    case P_DONE:
        break;
    }
out:
    fg_buf_free(&h->fork);
    return h->rc;
}

static int unpack(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct hqx *h = malloc(sizeof *h);
    if (!h)
        return FG_ENOMEM;
    const uint8_t *d = obj->data;
    size_t n = obj->len, pos = 0, blocks = 0;
    int rc = FG_OK, format_error = 0;
    for (;;) {
        const uint8_t *m = memmem(d + pos, n - pos, BINHEX_MARK, sizeof BINHEX_MARK - 1);
        if (!m)
            break;
        /* The data starts at the first ':' after the line that names BinHex (lines may
         * end in CR alone: BinHex comes from the classic Mac OS). */
        const uint8_t *eol = m;
        while (eol < d + n && *eol != '\n' && *eol != '\r')
            eol++;
        const uint8_t *colon = eol < d + n ? memchr(eol, ':', n - (size_t)(eol - d)) : NULL;
        if (!colon) {
            if (!blocks)
                fg_ctx_set_error(ctx, "no BinHex data after the BinHex line");
            format_error = !blocks;
            break;
        }
        memset(h, 0, sizeof *h);
        h->ctx = ctx;
        h->obj = obj;
        crc_table(h->crctab);
        pos = (size_t)(colon - d) + 1;
        size_t used;
        rc = decode_block(h, d + pos, n - pos, blocks == 0, &used);
        pos += used;
        blocks++;
        if (rc == FG_EFORMAT) {
            format_error = 1;
            rc = FG_OK;
        }
        if (rc)
            break;
    }
    free(h);
    if (rc)
        return rc;
    return format_error ? FG_EFORMAT : FG_OK;
}

const struct fg_unpacker fg_unpack_binhex = {
    .name = "binhex",
    .types = binhex_types,
    .unpack = unpack,
};
