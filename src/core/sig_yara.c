/*
 * sig_yara.c - libyara for `flowgate sig`: compiles generated rule text and scans bytes with
 * it, reporting which strings matched.  The probes (which candidate strings a sample or a
 * goodware file contains) and the final check of the rule both go through here, so a string
 * is judged with exactly the matching semantics the rule will have.
 */
#define _GNU_SOURCE
#include "sig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "limits.h"

struct cerr {
    char *buf;
    size_t cap;
};

static void compiler_cb(int level, const char *file, int line, const YR_RULE *rule,
                        const char *msg, void *arg)
{
    struct cerr *e = arg;
    (void)file;
    (void)rule;
    if (level == YARA_ERROR_LEVEL_ERROR && !e->buf[0])
        snprintf(e->buf, e->cap, "line %d: %s", line, msg);
}

int sig_yara_compile(const char *text, struct YR_RULES **out, char *err, size_t errcap)
{
    YR_COMPILER *c = NULL;
    struct cerr e = {err, errcap};
    err[0] = 0;
    *out = NULL;
    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        return FG_ENOMEM;
    yr_compiler_set_callback(c, compiler_cb, &e);
    int rc = FG_OK;
    if (yr_compiler_add_string(c, text, NULL) != 0) {
        if (!err[0])
            snprintf(err, errcap, "the rule does not compile");
        rc = FG_ERULES;
    } else if (yr_compiler_get_rules(c, out) != ERROR_SUCCESS) {
        rc = FG_ENOMEM;
    }
    yr_compiler_destroy(c);
    return rc;
}

struct scan_arg {
    char prefix;
    void (*hit)(void *arg, size_t idx);
    void *arg;
    int matched;
};

/* libyara 4.2 keeps YR_MATCH records unaligned in its arena (see an_yara.c): only whether a
 * string has a match is read here, through the list head, never the records' fields. */
__attribute__((no_sanitize("alignment")))
static int callback(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
    struct scan_arg *a = user;
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    const YR_RULE *rule = data;
    const YR_STRING *s;
    a->matched = 1;
    yr_rule_strings_foreach(rule, s)
    {
        if (!ctx->matches[s->idx].head)
            continue;
        const char *id = s->identifier;
        char *end;
        if (id[0] != '$' || id[1] != a->prefix)
            continue;
        unsigned long idx = strtoul(id + 2, &end, 10);
        if (end != id + 2 && !*end && a->hit)
            a->hit(a->arg, (size_t)idx);
    }
    return CALLBACK_CONTINUE;
}

int sig_yara_scan(struct YR_RULES *r, const uint8_t *p, size_t n, char prefix,
                  void (*hit)(void *arg, size_t idx), void *arg, int *matched)
{
    YR_SCANNER *sc = NULL;
    struct scan_arg a = {prefix, hit, arg, 0};
    *matched = 0;
    if (yr_scanner_create(r, &sc) != ERROR_SUCCESS)
        return FG_ENOMEM;
    yr_scanner_set_callback(sc, callback, &a);
    yr_scanner_set_timeout(sc, FG_CAP_SIG_SCAN_SECONDS);
    /* Fast mode: one match per string is enough to know a file contains it, and a string
     * repeated a million times in one file then costs nothing. */
    yr_scanner_set_flags(sc, SCAN_FLAGS_FAST_MODE);
    int yr = yr_scanner_scan_mem(sc, p, n);
    yr_scanner_destroy(sc);
    *matched = a.matched;
    if (yr == ERROR_SCAN_TIMEOUT)
        return FG_ETIMEOUT;
    if (yr == ERROR_INSUFFICIENT_MEMORY)
        return FG_ENOMEM;
    return yr == ERROR_SUCCESS ? FG_OK : FG_EINTERNAL;
}
