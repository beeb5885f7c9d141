/*
 * testutil.h - helpers for unit tests: a fresh temporary directory per test, an engine
 * with given rules, and a scan of bytes with a lookup of findings.
 */
#ifndef FG_TESTUTIL_H
#define FG_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "flowgate/flowgate.h"

/* Creates and enters a fresh temporary directory (cmocka setup). */
int tu_tmpdir_setup(void **state);
int tu_tmpdir_teardown(void **state);

/* An engine with the built-in rules plus 'rules' (may be NULL), compiled. */
fg_engine *tu_engine(const char *rules);
/* Scans bytes with a fresh scanner; fails the test on error. */
fg_result *tu_scan(fg_engine *e, const char *name, const void *data, size_t len);
/* The first object whose path ends with 'suffix' (NULL: root). */
const struct fg_object_info *tu_object(const fg_result *r, const char *suffix);
/* Nonzero if any object has a finding with this id (prefix match if id ends in '*'). */
int tu_has_finding(const fg_result *r, const char *id);
/* Scans bytes with a given scanner (loops over many inputs share one). */
fg_result *tu_scan_with(fg_scanner *sc, const char *name, const void *data, size_t len);
/* Nonzero if the object whose path ends with 'suffix' has a finding with this id. */
int tu_object_has(const fg_result *r, const char *suffix, const char *id);
/* Prints the result as JSON (for a failing test's log). */
void tu_dump(const fg_result *r);
/* Writes a text file in the current directory. */
void tu_write(const char *name, const char *text);
void tu_put_u32le(uint8_t *p, uint32_t v);

/* A growing byte string for building fixtures; always NUL-terminated. */
struct tu_bytes {
    uint8_t *p;
    size_t len, cap;
};
void tu_bytes_put(struct tu_bytes *b, const void *d, size_t n);

/* The third-party oletools test documents, read in place: $FG_SOURCE_DIR/../shared/corpora
 * (a clone with shared/ beside it, as in CI), else /work/shared/corpora.  'rel' is relative
 * to corpora/oletools.  tu_oletools_path() returns a malloc'ed path or NULL if the file is
 * not there; tu_oletools() its bytes, or NULL. */
char *tu_oletools_path(const char *rel);
uint8_t *tu_oletools(const char *rel, size_t *len);

/* Library code never prints: tu_quiet_begin() sends stdout and stderr to a file in the
 * current directory, tu_quiet_end() restores them and fails the test if anything was
 * written (showing what).  Assertions in between report only after the end. */
struct tu_quiet {
    int out, err;
};
void tu_quiet_begin(struct tu_quiet *q);
void tu_quiet_end(struct tu_quiet *q);

/* Reads a whole file (test data); fails the test if missing. */
uint8_t *tu_read(const char *path, size_t *len);

#endif
