/*
 * testutil.c - see testutil.h.
 */
#define _GNU_SOURCE
#include "testutil.h"

#include <fcntl.h>
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

fg_result *tu_scan_with(fg_scanner *sc, const char *name, const void *data, size_t len)
{
    fg_result *r = NULL;
    assert_int_equal(fg_scan_mem(sc, name, data, len, &r), 0);
    assert_non_null(r);
    return r;
}

int tu_object_has(const fg_result *r, const char *suffix, const char *id)
{
    const struct fg_object_info *o = tu_object(r, suffix);
    if (!o)
        return 0;
    for (size_t i = 0; i < o->nfindings; i++)
        if (!strcmp(o->findings[i].id, id))
            return 1;
    return 0;
}

void tu_dump(const fg_result *r)
{
    char *j = fg_result_json(r);
    print_message("%s\n", j ? j : "(no JSON)");
    free(j);
}

void tu_write(const char *name, const char *text)
{
    FILE *f = fopen(name, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

void tu_put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void tu_bytes_put(struct tu_bytes *b, const void *d, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = 0;
}

char *tu_oletools_path(const char *rel)
{
    const char *src = getenv("FG_SOURCE_DIR");
    char *p = NULL;
    if (src && asprintf(&p, "%s/../shared/corpora/oletools/%s", src, rel) > 0 &&
        access(p, R_OK) == 0)
        return p;
    free(p);
    if (asprintf(&p, "/work/shared/corpora/oletools/%s", rel) > 0 && access(p, R_OK) == 0)
        return p;
    free(p);
    return NULL;
}

uint8_t *tu_oletools(const char *rel, size_t *len)
{
    char *p = tu_oletools_path(rel);
    if (!p)
        return NULL;
    uint8_t *b = tu_read(p, len);
    free(p);
    return b;
}

void tu_quiet_begin(struct tu_quiet *q)
{
    fflush(stdout);
    fflush(stderr);
    int fd = open("printed.txt", O_CREAT | O_TRUNC | O_WRONLY, 0600);
    assert_true(fd >= 0);
    q->out = dup(1);
    q->err = dup(2);
    assert_true(q->out >= 0 && q->err >= 0);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
}

void tu_quiet_end(struct tu_quiet *q)
{
    fflush(stdout);
    fflush(stderr);
    dup2(q->out, 1);
    dup2(q->err, 2);
    close(q->out);
    close(q->err);
    size_t n;
    uint8_t *b = tu_read("printed.txt", &n);
    if (n)
        fail_msg("library code printed: %.*s", (int)(n < 200 ? n : 200), (char *)b);
    free(b);
}
