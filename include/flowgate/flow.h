/*
 * flow.h - the public API of execution-flow whitelisting: run a document's handler (or any
 * program) in the sandbox under the tracer, learn profiles from benign documents, and detect
 * what a handler never does with benign documents.  See docs/internals/flow.md and the
 * profile format in docs/formats/profile.md.
 *
 * Same conventions as flowgate.h: 0 or a negative FG_E* code; nothing prints or exits.
 */
#ifndef FLOWGATE_FLOW_H
#define FLOWGATE_FLOW_H

#include "flowgate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fg_profile fg_profile;
typedef struct fg_detonation fg_detonation;

/* How to run a handler. */
struct fg_flow_opts {
    const char *handler;          /* name, recorded in profiles and reports */
    /* The command; an argument "{}" (or containing it) gets the document's path inside the
     * sandbox.  Without a document (flowgate run) it is run as it is. */
    const char *const *argv;
    const char *decoy_dir;        /* files copied next to the document (optional) */
    const char *const *ro_binds;  /* extra read-only host paths (optional) */
    unsigned timeout_ms;          /* 0: default */
    uint64_t mem_bytes;           /* 0: default */
    int no_stacks;                /* 1: record calls without their call stacks (faster) */
};

/* ---- profiles ---- */

FG_API int fg_profile_new(const char *handler, fg_profile **out);
/* Reads a profile file; err (may be NULL) says what is wrong with a bad one. */
FG_API int fg_profile_load(const char *path, fg_profile **out, char *err, size_t errlen);
FG_API int fg_profile_save(const fg_profile *p, const char *path, char *err, size_t errlen);
/* Adds everything of 'from' to 'into'; both must be of the same handler (FG_EINVAL). */
FG_API int fg_profile_merge(fg_profile *into, const fg_profile *from);
FG_API const char *fg_profile_handler(const fg_profile *p);
/* Size and coverage as one JSON object (malloc'ed). */
FG_API char *fg_profile_info_json(const fg_profile *p);
FG_API void fg_profile_free(fg_profile *p);

/* ---- runs ---- */

/*
 * Runs the handler on doc (NULL: runs opts->argv as a program, `flowgate run`).
 *   profile: compare the run with it and report deviations (NULL: behaviour only);
 *   learn:   add the run's flow to this profile (NULL: do not learn); a run with
 *            code-origin violations or refused calls is not added (fg_detonation_learnt()).
 * A run that the sandbox or the tracer could not carry out still gives a detonation with
 * verdict "error"; a negative return means no detonation at all.
 */
FG_API int fg_detonate(const struct fg_flow_opts *opts, const char *doc, const fg_profile *profile,
                       fg_profile *learn, fg_detonation **out);
FG_API enum fg_verdict fg_detonation_verdict(const fg_detonation *d);
FG_API const char *fg_detonation_error(const fg_detonation *d);
FG_API int fg_detonation_learnt(const fg_detonation *d);
FG_API size_t fg_detonation_finding_count(const fg_detonation *d);
FG_API const struct fg_finding *fg_detonation_finding(const fg_detonation *d, size_t i);
/* One line of JSON: path, sha256, handler, verdict, findings, behaviour, flow (malloc'ed). */
FG_API char *fg_detonation_json(const fg_detonation *d);
/* The behaviour summary for people, several lines (malloc'ed). */
FG_API char *fg_detonation_summary(const fg_detonation *d);
/* Graphviz DOT of the deviating part of the flow (malloc'ed). */
FG_API char *fg_detonation_dot(const fg_detonation *d);
/* Tracer cost of the run: wall time of the run, stops, time spent unwinding (ns). */
FG_API void fg_detonation_stats(const fg_detonation *d, uint64_t *wall_ms, uint64_t *stops,
                                uint64_t *unwind_ns);
FG_API void fg_detonation_free(fg_detonation *d);

/* `flowgate scan --dynamic`: adds a detonation's findings to object 'index' of a scan result
 * (plus an info finding saying what ran) and decides the verdict again, so static and dynamic
 * findings explain one verdict. */
FG_API int fg_result_add_detonation(fg_result *r, size_t index, const fg_detonation *d);

/* ---- handlers ---- */

/* The handler registry: built-in defaults (pdf, office, image, archive) and, if path is not
 * NULL, a handlers file (docs/formats/handlers.md) that adds or overrides entries.
 * Returns the command of handler 'name' as a NULL-terminated argv (free with
 * fg_handler_argv_free) or FG_EINVAL with err set. */
FG_API int fg_handler_get(const char *path, const char *name, char ***argv, char *err,
                          size_t errlen);
/* The handler for a content type (as `flowgate scan` names types: "pdf", "ole2" ...), or
 * FG_EINVAL if none. */
FG_API int fg_handler_for_type(const char *path, const char *type, char **name);
FG_API void fg_handler_argv_free(char **argv);
/* One line per handler: "name<TAB>types<TAB>command" (malloc'ed). */
FG_API char *fg_handler_list(const char *path);

#ifdef __cplusplus
}
#endif

#endif
