/*
 * xml_scan.h - a small, bounded reader for the XML inside documents (OOXML parts, Flat OPC,
 * Excel 2003 XML): start tags, attributes and character data with entities decoded.  It
 * does not build a tree or check well-formedness: hostile markup only makes it stop early.
 * Shared by an_ooxml.c and an_dde.c.
 */
#ifndef FG_XML_SCAN_H
#define FG_XML_SCAN_H

#include <stddef.h>
#include <stdint.h>

struct fg_xml_cursor {
    const uint8_t *p, *end;
    int selfclose; /* the last start tag read ended in "/>" */
};

/* Moves to the next start tag; its name (prefix included) in *name.  0 at the end. */
int fg_xml_next_start_tag(struct fg_xml_cursor *c, const uint8_t **name, size_t *nlen);
/* The next attribute of the current start tag, value raw (not decoded).  0 at the tag's end
 * ('>' or "/>", consumed) or at malformed input. */
int fg_xml_next_attr(struct fg_xml_cursor *c, const uint8_t **name, size_t *nlen,
                     const uint8_t **val, size_t *vlen);
void fg_xml_skip_attrs(struct fg_xml_cursor *c);
/* The character data after the current start tag (up to the next tag), decoded. */
size_t fg_xml_element_text(struct fg_xml_cursor *c, char *out, size_t cap);
/* The name without its namespace prefix equals 'want'. */
int fg_xml_name_is(const uint8_t *n, size_t l, const char *want);
/* Decodes named and numeric entities into out[0, cap-1); returns the length, writes no NUL. */
size_t fg_xml_decode(const uint8_t *s, size_t n, char *out, size_t cap);
/* UTF-16 text with a byte-order mark, narrowed to its ASCII (anything else becomes '?'), which
 * is enough to read markup and URLs; at most FG_CAP_UTF16_TEXT units.  malloc'ed, or NULL if
 * the data has no UTF-16 byte-order mark. */
uint8_t *fg_utf16_narrow(const uint8_t *d, size_t n, size_t *out_len);

#endif
