/*
 * buf.h - a growable byte buffer with a hard cap, for every buffer that grows with input.
 *
 * fg_buf_append() refuses to grow past the cap and returns FG_ELIMIT, so a decompressor that
 * fills a buffer cannot be made to allocate without bound.
 */
#ifndef FG_BUF_H
#define FG_BUF_H

#include <stddef.h>
#include <stdint.h>

struct fg_buf {
    uint8_t *p;
    size_t len;
    size_t alloc;
    uint64_t cap; /* never grows past this many bytes */
};

void fg_buf_init(struct fg_buf *b, uint64_t cap);
int fg_buf_append(struct fg_buf *b, const void *data, size_t n);
int fg_buf_putc(struct fg_buf *b, uint8_t c);
/* Hands the bytes over to the caller (who frees them); the buffer is left empty. */
uint8_t *fg_buf_steal(struct fg_buf *b, size_t *len);
void fg_buf_free(struct fg_buf *b);

/* A bounds-checked read-only view of sample bytes: reads outside it return NULL / fail. */
struct fg_view {
    const uint8_t *p;
    size_t len;
};

static inline const uint8_t *fg_view_at(const struct fg_view *v, size_t off, size_t n)
{
    if (off > v->len || n > v->len - off)
        return NULL;
    return v->p + off;
}

int fg_view_u16le(const struct fg_view *v, size_t off, uint16_t *out);
int fg_view_u32le(const struct fg_view *v, size_t off, uint32_t *out);
int fg_view_u64le(const struct fg_view *v, size_t off, uint64_t *out);
int fg_view_u32be(const struct fg_view *v, size_t off, uint32_t *out);
int fg_view_u16be(const struct fg_view *v, size_t off, uint16_t *out);

/* memmem over a view, from offset 'from'; returns the offset or -1. */
long fg_view_find(const struct fg_view *v, size_t from, const void *needle, size_t n);

#endif
