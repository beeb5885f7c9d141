/*
 * engine.c - the engine (rules, hash lists, limits, passwords) and per-thread scanners.
 *
 * YARA rules are compiled once per engine; every scanner gets its own YR_SCANNER on the
 * shared YR_RULES, which libyara allows across threads.
 */
#define _GNU_SOURCE
#include "engine.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>

#include "../ingest/identify.h"
#include "../ingest/unpack.h"
#include "builtin_rules.h"
#include "limits.h"

void fg_engine_set_error(fg_engine *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
}

const char *fg_engine_error(const fg_engine *e) { return e ? e->err : ""; }

static void compiler_cb(int level, const char *file, int line, const YR_RULE *rule,
                        const char *msg, void *arg)
{
    fg_engine *e = arg;
    (void)rule;
    if (level == YARA_ERROR_LEVEL_ERROR && !e->err[0])
        fg_engine_set_error(e, "%s:%d: %s", file ? file : "(rules)", line, msg);
}

int fg_engine_new(fg_engine **out)
{
    fg_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return FG_ENOMEM;
    fg_limits_default(&e->limits);
    fg_pwpool_init(&e->pool);
    if (yr_initialize() != ERROR_SUCCESS) {
        fg_pwpool_free(&e->pool);
        free(e);
        return FG_EINTERNAL;
    }
    int rc = fg_ingest_init();
    if (rc) {
        yr_finalize();
        fg_pwpool_free(&e->pool);
        free(e);
        return rc;
    }
    if (yr_compiler_create(&e->compiler) != ERROR_SUCCESS) {
        fg_engine_free(e);
        return FG_ENOMEM;
    }
    yr_compiler_set_callback(e->compiler, compiler_cb, e);
    *out = e;
    return FG_OK;
}

void fg_engine_free(fg_engine *e)
{
    if (!e)
        return;
    if (e->compiler)
        yr_compiler_destroy(e->compiler);
    if (e->rules)
        yr_rules_destroy(e->rules);
    for (size_t i = 0; i < e->npasswords; i++)
        free(e->passwords[i]);
    free(e->passwords);
    free(e->deny.h);
    free(e->allow.h);
    fg_pwpool_free(&e->pool);
    fg_ingest_fini();
    yr_finalize();
    free(e);
}

int fg_engine_set_limits(fg_engine *e, const struct fg_limits *l)
{
    e->limits = *l;
    return FG_OK;
}

void fg_engine_get_limits(const fg_engine *e, struct fg_limits *l) { *l = e->limits; }

static int compiler_usable(fg_engine *e)
{
    if (e->compiled || !e->compiler) {
        fg_engine_set_error(e, "rules can only be added before the engine is compiled");
        return FG_EINVAL;
    }
    return FG_OK;
}

int fg_engine_add_rules_string(fg_engine *e, const char *name, const char *text)
{
    int rc = compiler_usable(e);
    if (rc)
        return rc;
    e->err[0] = 0;
    if (yr_compiler_add_string(e->compiler, text, NULL) != 0) {
        if (!e->err[0])
            fg_engine_set_error(e, "%s: rules do not compile", name);
        /* libyara's compiler cannot be used again after an error. */
        yr_compiler_destroy(e->compiler);
        e->compiler = NULL;
        return FG_ERULES;
    }
    e->nrules_sources++;
    return FG_OK;
}

int fg_engine_add_builtin_rules(fg_engine *e)
{
    for (size_t i = 0; i < fg_builtin_rules_count; i++) {
        int rc = fg_engine_add_rules_string(e, fg_builtin_rules[i].name, fg_builtin_rules[i].text);
        if (rc)
            return rc;
    }
    return FG_OK;
}

static int add_rules_file(fg_engine *e, const char *path)
{
    int rc = compiler_usable(e);
    if (rc)
        return rc;
    FILE *f = fopen(path, "re");
    if (!f) {
        fg_engine_set_error(e, "%s: %s", path, strerror(errno));
        return FG_EIO;
    }
    e->err[0] = 0;
    int errors = yr_compiler_add_file(e->compiler, f, NULL, path);
    fclose(f);
    if (errors) {
        if (!e->err[0])
            fg_engine_set_error(e, "%s: rules do not compile", path);
        yr_compiler_destroy(e->compiler);
        e->compiler = NULL;
        return FG_ERULES;
    }
    e->nrules_sources++;
    return FG_OK;
}

static int is_rule_name(const char *n)
{
    size_t l = strlen(n);
    return (l > 4 && !strcmp(n + l - 4, ".yar")) || (l > 5 && !strcmp(n + l - 5, ".yara"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rule files below a directory, in sorted order so that compile errors are reproducible. */
static int add_rules_dir(fg_engine *e, const char *dir, int depth)
{
    if (depth > 16) {
        fg_engine_set_error(e, "%s: directories nested too deep", dir);
        return FG_ELIMIT;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fg_engine_set_error(e, "%s: %s", dir, strerror(errno));
        return FG_EIO;
    }
    char **names = NULL;
    size_t n = 0;
    int rc = FG_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char **nn = realloc(names, (n + 1) * sizeof(char *));
        if (!nn) {
            rc = FG_ENOMEM;
            break;
        }
        names = nn;
        if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0) {
            rc = FG_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n && rc == FG_OK; i++) {
        struct stat st;
        if (stat(names[i], &st))
            continue;
        if (S_ISDIR(st.st_mode))
            rc = add_rules_dir(e, names[i], depth + 1);
        else if (S_ISREG(st.st_mode) && is_rule_name(names[i]))
            rc = add_rules_file(e, names[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int fg_engine_add_rules_path(fg_engine *e, const char *path)
{
    struct stat st;
    if (stat(path, &st)) {
        fg_engine_set_error(e, "%s: %s", path, strerror(errno));
        return FG_EIO;
    }
    if (S_ISDIR(st.st_mode))
        return add_rules_dir(e, path, 0);
    return add_rules_file(e, path);
}

int fg_engine_add_password(fg_engine *e, const char *password)
{
    if (!password || strlen(password) > FG_CAP_PASSWORD) {
        fg_engine_set_error(e, "password longer than %d bytes", FG_CAP_PASSWORD);
        return FG_EINVAL;
    }
    for (size_t i = 0; i < e->npasswords; i++)
        if (!strcmp(e->passwords[i], password))
            return FG_OK;
    char **np = realloc(e->passwords, (e->npasswords + 1) * sizeof(char *));
    if (!np)
        return FG_ENOMEM;
    e->passwords = np;
    if (!(e->passwords[e->npasswords] = strdup(password)))
        return FG_ENOMEM;
    e->npasswords++;
    return FG_OK;
}

/* Reads a small text file whole; the caller frees *out. */
static int read_small_file(fg_engine *e, const char *path, char **out)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        fg_engine_set_error(e, "%s: %s", path, strerror(errno));
        return FG_EIO;
    }
    size_t cap = FG_CAP_PASSWORD_FILE, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return FG_ENOMEM;
    }
    n = fread(buf, 1, cap + 1, f);
    int err = ferror(f);
    fclose(f);
    if (err || n > cap) {
        free(buf);
        fg_engine_set_error(e, "%s: %s", path, err ? "read error" : "file too large");
        return err ? FG_EIO : FG_ELIMIT;
    }
    buf[n] = 0;
    *out = buf;
    return FG_OK;
}

int fg_engine_add_password_file(fg_engine *e, const char *path)
{
    char *buf = NULL, *save = NULL;
    int rc = read_small_file(e, path, &buf);
    if (rc)
        return rc;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = 0;
        if (!l || line[0] == '#')
            continue;
        if ((rc = fg_engine_add_password(e, line)))
            break;
    }
    free(buf);
    return rc;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_sha256(const char *s, uint8_t out[32])
{
    for (int i = 0; i < 32; i++) {
        int hi = hexval((unsigned char)s[2 * i]), lo = hi < 0 ? -1 : hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return FG_EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return isxdigit((unsigned char)s[64]) ? FG_EINVAL : FG_OK;
}

int fg_engine_add_hash(fg_engine *e, enum fg_hashlist which, const char *hex)
{
    uint8_t h[32];
    if (!hex || strlen(hex) < 64 || parse_sha256(hex, h)) {
        fg_engine_set_error(e, "not a SHA-256 hash: %.80s", hex ? hex : "");
        return FG_EINVAL;
    }
    struct fg_hashset *s = which == FG_LIST_DENY ? &e->deny : &e->allow;
    if (s->n == s->alloc) {
        size_t na = s->alloc ? s->alloc * 2 : 64;
        uint8_t(*nh)[32] = realloc(s->h, na * 32);
        if (!nh)
            return FG_ENOMEM;
        s->h = nh;
        s->alloc = na;
    }
    memcpy(s->h[s->n++], h, 32);
    return FG_OK;
}

int fg_engine_add_hash_file(fg_engine *e, enum fg_hashlist which, const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        fg_engine_set_error(e, "%s: %s", path, strerror(errno));
        return FG_EIO;
    }
    char line[4096];
    int rc = FG_OK, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            continue;
        if ((rc = fg_engine_add_hash(e, which, p))) {
            fg_engine_set_error(e, "%s:%d: not a SHA-256 hash", path, lineno);
            break;
        }
    }
    fclose(f);
    return rc;
}

static int cmp_hash(const void *a, const void *b) { return memcmp(a, b, 32); }

int fg_hashset_contains(const struct fg_hashset *s, const uint8_t h[32])
{
    return s->n && bsearch(h, s->h, s->n, 32, cmp_hash) != NULL;
}

int fg_engine_compile(fg_engine *e)
{
    if (e->compiled)
        return FG_OK;
    if (!e->compiler) {
        if (!e->err[0])
            fg_engine_set_error(e, "rules failed to compile earlier");
        return FG_ERULES;
    }
    if (e->nrules_sources) {
        if (yr_compiler_get_rules(e->compiler, &e->rules) != ERROR_SUCCESS) {
            fg_engine_set_error(e, "cannot build compiled rules");
            return FG_ERULES;
        }
    }
    yr_compiler_destroy(e->compiler);
    e->compiler = NULL;
    if (e->deny.n)
        qsort(e->deny.h, e->deny.n, 32, cmp_hash);
    if (e->allow.n)
        qsort(e->allow.h, e->allow.n, 32, cmp_hash);
    e->compiled = 1;
    return FG_OK;
}

int fg_scanner_new(fg_engine *e, fg_scanner **out)
{
    if (!e || !e->compiled)
        return FG_EINVAL;
    fg_scanner *s = calloc(1, sizeof(*s));
    if (!s)
        return FG_ENOMEM;
    s->eng = e;
    if (e->rules && yr_scanner_create(e->rules, &s->yr) != ERROR_SUCCESS) {
        free(s);
        return FG_ENOMEM;
    }
    int rc = fg_identify_scanner_init(s);
    if (rc) {
        fg_scanner_free(s);
        return rc;
    }
    *out = s;
    return FG_OK;
}

void fg_scanner_free(fg_scanner *s)
{
    if (!s)
        return;
    if (s->yr)
        yr_scanner_destroy(s->yr);
    fg_identify_scanner_fini(s);
    free(s);
}
