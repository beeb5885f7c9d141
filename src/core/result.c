/*
 * result.c - building and reading scan results (see result.h); owns every string in them.
 */
#include "result.h"

#include <stdlib.h>
#include <string.h>

int fg_result_new(fg_result **out, const char *path)
{
    fg_result *r = calloc(1, sizeof(*r));
    if (!r)
        return FG_ENOMEM;
    r->path = strdup(path ? path : "");
    if (!r->path) {
        free(r);
        return FG_ENOMEM;
    }
    *out = r;
    return FG_OK;
}

long fg_result_add_object(fg_result *r, const char *path, unsigned depth)
{
    if (r->nobj == r->alloc) {
        size_t na = r->alloc ? r->alloc * 2 : 16;
        struct fg_objrec *n = realloc(r->obj, na * sizeof(*n));
        if (!n)
            return FG_ENOMEM;
        r->obj = n;
        r->alloc = na;
    }
    struct fg_objrec *o = &r->obj[r->nobj];
    memset(o, 0, sizeof(*o));
    o->info.path = strdup(path);
    o->info.type = "data";
    o->info.sha256 = "";
    o->info.depth = depth;
    if (!o->info.path)
        return FG_ENOMEM;
    return (long)r->nobj++;
}

int fg_result_add_finding(fg_result *r, size_t idx, const char *id, enum fg_severity sev,
                          int unscannable, const char *message, const char *evidence)
{
    struct fg_objrec *o = &r->obj[idx];
    if (o->nfindings >= FG_CAP_FINDINGS) {
        o->dropped++;
        return FG_OK;
    }
    /* The same finding twice on one object (a rule matching in two passes, a limit hit by
     * two members) says nothing new. */
    for (size_t i = 0; i < o->nfindings; i++)
        if (!strcmp(o->findings[i].id, id) && !strcmp(o->findings[i].evidence, evidence))
            return FG_OK;
    if (o->nfindings == o->alloc) {
        size_t na = o->alloc ? o->alloc * 2 : 4;
        struct fg_finding *n = realloc(o->findings, na * sizeof(*n));
        if (!n)
            return FG_ENOMEM;
        o->findings = n;
        o->alloc = na;
    }
    struct fg_finding *f = &o->findings[o->nfindings];
    f->id = strdup(id);
    f->message = strdup(message);
    f->evidence = strdup(evidence ? evidence : "");
    f->severity = sev;
    f->unscannable = unscannable;
    if (!f->id || !f->message || !f->evidence) {
        free((char *)f->id);
        free((char *)f->message);
        free((char *)f->evidence);
        return FG_ENOMEM;
    }
    o->nfindings++;
    o->info.findings = o->findings;
    o->info.nfindings = o->nfindings;
    return FG_OK;
}

void fg_result_free(fg_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nobj; i++) {
        struct fg_objrec *o = &r->obj[i];
        free((char *)o->info.path);
        if (o->info.sha256[0])
            free((char *)o->info.sha256);
        for (size_t j = 0; j < o->nfindings; j++) {
            free((char *)o->findings[j].id);
            free((char *)o->findings[j].message);
            free((char *)o->findings[j].evidence);
        }
        free(o->findings);
    }
    free(r->obj);
    free(r->path);
    free(r->error);
    fg_mailkeys_clear(&r->await_keys);
    free(r);
}

const char *fg_result_path(const fg_result *r) { return r->path; }
const char *fg_result_sha256(const fg_result *r) { return r->sha256; }
uint64_t fg_result_size(const fg_result *r) { return r->size; }
enum fg_verdict fg_result_verdict(const fg_result *r) { return r->verdict; }
unsigned fg_result_score(const fg_result *r) { return r->score; }
const char *fg_result_error(const fg_result *r) { return r->error; }
size_t fg_result_object_count(const fg_result *r) { return r->nobj; }
int fg_result_awaits_password(const fg_result *r) { return r->awaits_password; }

const struct fg_object_info *fg_result_object(const fg_result *r, size_t i)
{
    return i < r->nobj ? &r->obj[i].info : NULL;
}
