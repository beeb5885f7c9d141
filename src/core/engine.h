/*
 * engine.h - internal layout of the engine and the per-thread scanner.
 *
 * The engine owns what every scan shares: compiled YARA rules, hash lists, limits and the
 * password pool.  Only the password pool changes during scans, under its own lock.
 */
#ifndef FG_ENGINE_H
#define FG_ENGINE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "flowgate/flowgate.h"
#include "pwpool.h"

struct _YR_COMPILER;
struct YR_RULES;
struct YR_SCAN_CONTEXT;

struct fg_hashset {
    uint8_t (*h)[32]; /* sorted after compile */
    size_t n, alloc;
};

struct fg_engine {
    struct fg_limits limits;
    struct _YR_COMPILER *compiler; /* until compile */
    struct YR_RULES *rules;       /* after compile */
    int nrules_sources;
    int compiled;
    struct fg_hashset deny, allow;
    char **passwords; /* the user's, in the order given */
    size_t npasswords;
    struct fg_pwpool pool;
    uint64_t mail_serial; /* unique key per mail seen, atomically incremented */
    char err[512];
};

struct fg_scanner {
    fg_engine *eng;
    struct YR_SCAN_CONTEXT *yr;
    void *magic; /* magic_t */
    void *analyzer_state[16];
    fg_object_fn obj_fn; /* fg_scanner_set_object_callback() */
    void *obj_arg;
};

void fg_engine_set_error(fg_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fg_hashset_contains(const struct fg_hashset *s, const uint8_t h[32]);

#endif
