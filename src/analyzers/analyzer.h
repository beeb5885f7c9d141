/*
 * analyzer.h - the analyzer table.  An analyzer is a name, the content types it examines
 * (NULL: every object) and one function that adds findings to an object.  Adding one is a
 * file plus a line in registry.c.  run() returns 0, or FG_ETIMEOUT / FG_ENOMEM, which end
 * the scan of the input; anything else it reports as a finding.
 */
#ifndef FG_ANALYZER_H
#define FG_ANALYZER_H

#include "../core/scan.h"

struct fg_analyzer {
    const char *name;
    const char *const *types;
    int (*run)(struct fg_ctx *ctx, struct fg_obj *obj);
};

extern const struct fg_analyzer *const fg_analyzers[]; /* NULL-terminated */

extern const struct fg_analyzer fg_an_yara;
extern const struct fg_analyzer fg_an_vba;
extern const struct fg_analyzer fg_an_ooxml, fg_an_dde, fg_an_pdf, fg_an_names;
extern const struct fg_analyzer fg_an_script;
extern const struct fg_analyzer fg_an_lnk;
extern const struct fg_analyzer fg_an_oleobj;
extern const struct fg_analyzer fg_an_phish;
extern const struct fg_analyzer fg_an_xlm;

#endif
