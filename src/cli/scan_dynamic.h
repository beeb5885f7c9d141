/*
 * scan_dynamic.h - `flowgate scan --dynamic`: objects whose type has a handler and a learnt
 * profile are opened in the sandbox after the static scan, and the detonation's findings join
 * the object's static ones (one verdict explains both).
 */
#ifndef FG_SCAN_DYNAMIC_H
#define FG_SCAN_DYNAMIC_H

#include <stddef.h>

#include "flowgate/flow.h"
#include "flowgate/flowgate.h"

#define DYN_MAX_PROFILES 16
#define DYN_MAX_PENDING 32 /* objects detonated per input; more get a finding */

struct scan_dynamic {
    struct {
        fg_profile *profile;
        char **argv;
        char *handler;
        char *types;   /* the handler's content types, ",pdf,ole2," (looked up once) */
    } h[DYN_MAX_PROFILES];
    size_t n;
    const char *handlers_file;
    unsigned timeout_ms;
};

/* Loads every DIR/<handler>.prof whose handler the registry knows; -1 with a message on
 * stderr if none can be used. */
int scan_dynamic_init(struct scan_dynamic *d, const char *dir, const char *handlers_file,
                      unsigned timeout_s);
void scan_dynamic_free(struct scan_dynamic *d);

/* One input's objects to detonate, collected by the scanner's object callback. */
struct dyn_collect {
    const struct scan_dynamic *d;
    struct {
        size_t index;
        size_t h;
        char *tmp;
        char sha256[65];
    } p[DYN_MAX_PENDING];
    size_t n, skipped;
};

void scan_dynamic_attach(fg_scanner *s, struct dyn_collect *c, const struct scan_dynamic *d);
/* Detonates what was collected, adds the findings to r and forgets the objects. */
void scan_dynamic_run(struct dyn_collect *c, fg_result *r);

#endif
