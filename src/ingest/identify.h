/*
 * identify.h - content type identification.  Types are short static strings ("zip", "mail",
 * "ole2" ...) that unpackers and analyzers list in their table entries.
 */
#ifndef FG_IDENTIFY_H
#define FG_IDENTIFY_H

#include <stddef.h>
#include <stdint.h>

struct fg_scanner;

/* Never NULL: unknown binary content is "data", unknown text is "text". */
const char *fg_identify(struct fg_scanner *sc, const uint8_t *d, size_t n);
/* As fg_identify(), but binary data no sniffer claims is 'fallback' (libmagic not asked). */
const char *fg_identify_or(struct fg_scanner *sc, const uint8_t *d, size_t n,
                           const char *fallback);

int fg_identify_scanner_init(struct fg_scanner *sc);
void fg_identify_scanner_fini(struct fg_scanner *sc);

#endif
