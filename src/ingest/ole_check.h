/*
 * ole_check.h - the check every OLE2 file passes before libgsf sees it.  libgsf reads the
 * directory tree recursively and puts a bitmap the size of the allocation table on its stack
 * for every chain it follows, so a crafted file can overflow its stack or make it sort a huge
 * storage in quadratic time; fg_ole_preflight() walks the same structures iteratively first.
 */
#ifndef FG_OLE_CHECK_H
#define FG_OLE_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* NULL if libgsf may open the compound file; otherwise why not (a static string). */
const char *fg_ole_preflight(const uint8_t *d, size_t n);

#endif
