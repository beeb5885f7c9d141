/*
 * buf.c - capped growable buffers and bounds-checked views (see buf.h).
 */
#define _GNU_SOURCE
#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "flowgate/flowgate.h"

void fg_buf_init(struct fg_buf *b, uint64_t cap)
{
    b->p = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

int fg_buf_append(struct fg_buf *b, const void *data, size_t n)
{
    if (n == 0)
        return FG_OK;
    if (n > b->cap || b->len > b->cap - n)
        return FG_ELIMIT;
    if (b->len + n > b->alloc) {
        size_t want = b->alloc ? b->alloc : 4096;
        while (want < b->len + n)
            want = want > SIZE_MAX / 2 ? b->len + n : want * 2;
        if (want > b->cap)
            want = (size_t)b->cap;
        uint8_t *np = realloc(b->p, want);
        if (!np)
            return FG_ENOMEM;
        b->p = np;
        b->alloc = want;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return FG_OK;
}

int fg_buf_putc(struct fg_buf *b, uint8_t c)
{
    if (b->len < b->alloc) {
        if (b->len >= b->cap)
            return FG_ELIMIT;
        b->p[b->len++] = c;
        return FG_OK;
    }
    return fg_buf_append(b, &c, 1);
}

uint8_t *fg_buf_steal(struct fg_buf *b, size_t *len)
{
    uint8_t *p = b->p;
    *len = b->len;
    if (!p)
        p = malloc(1); /* an empty member is still an object */
    b->p = NULL;
    b->len = b->alloc = 0;
    return p;
}

void fg_buf_free(struct fg_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->alloc = 0;
}

int fg_view_u16le(const struct fg_view *v, size_t off, uint16_t *out)
{
    const uint8_t *p = fg_view_at(v, off, 2);
    if (!p)
        return FG_EFORMAT;
    *out = (uint16_t)(p[0] | p[1] << 8);
    return FG_OK;
}

int fg_view_u16be(const struct fg_view *v, size_t off, uint16_t *out)
{
    const uint8_t *p = fg_view_at(v, off, 2);
    if (!p)
        return FG_EFORMAT;
    *out = (uint16_t)(p[1] | p[0] << 8);
    return FG_OK;
}

int fg_view_u32le(const struct fg_view *v, size_t off, uint32_t *out)
{
    const uint8_t *p = fg_view_at(v, off, 4);
    if (!p)
        return FG_EFORMAT;
    *out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return FG_OK;
}

int fg_view_u32be(const struct fg_view *v, size_t off, uint32_t *out)
{
    const uint8_t *p = fg_view_at(v, off, 4);
    if (!p)
        return FG_EFORMAT;
    *out = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
    return FG_OK;
}

int fg_view_u64le(const struct fg_view *v, size_t off, uint64_t *out)
{
    uint32_t lo, hi;
    if (fg_view_u32le(v, off, &lo) || fg_view_u32le(v, off + 4, &hi))
        return FG_EFORMAT;
    *out = (uint64_t)hi << 32 | lo;
    return FG_OK;
}

long fg_view_find(const struct fg_view *v, size_t from, const void *needle, size_t n)
{
    if (from >= v->len)
        return -1;
    const uint8_t *hit = memmem(v->p + from, v->len - from, needle, n);
    return hit ? (long)(hit - v->p) : -1;
}
