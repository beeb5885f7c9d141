/*
 * testutil.c - see testutil.h.
 */
#define _GNU_SOURCE
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tu_tmpdir_setup(void **state)
{
    char tmpl[] = "/tmp/fgtest.XXXXXX";
    char *d = mkdtemp(tmpl);
    if (!d || chdir(d))
        return -1;
    *state = strdup(d);
    return 0;
}

int tu_tmpdir_teardown(void **state)
{
    char cmd[512];
    if (chdir("/"))
        return -1;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    free(*state);
    return rc == 0 ? 0 : -1;
}

fg_engine *tu_engine(const char *rules)
{
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_builtin_rules(e), 0);
    if (rules)
        assert_int_equal(fg_engine_add_rules_string(e, "test", rules), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    return e;
}

fg_result *tu_scan(fg_engine *e, const char *name, const void *data, size_t len)
{
    fg_scanner *s = NULL;
    fg_result *r = NULL;
    assert_int_equal(fg_scanner_new(e, &s), 0);
    assert_int_equal(fg_scan_mem(s, name, data, len, &r), 0);
    fg_scanner_free(s);
    assert_non_null(r);
    return r;
}

const struct fg_object_info *tu_object(const fg_result *r, const char *suffix)
{
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        size_t l = strlen(o->path), sl = suffix ? strlen(suffix) : 0;
        if (!suffix)
            return o;
        if (l >= sl && !strcmp(o->path + l - sl, suffix))
            return o;
    }
    return NULL;
}

int tu_has_finding(const fg_result *r, const char *id)
{
    size_t il = strlen(id);
    int prefix = il && id[il - 1] == '*';
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t j = 0; j < o->nfindings; j++) {
            const char *f = o->findings[j].id;
            if (prefix ? !strncmp(f, id, il - 1) : !strcmp(f, id))
                return 1;
        }
    }
    return 0;
}

uint8_t *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}
