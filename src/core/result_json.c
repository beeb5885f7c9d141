/*
 * result_json.c - a result as one line of JSON (the --json output format, documented in
 * docs/formats/scan-json.md).  Built with jansson, never by hand, so quoting is always right.
 */
#include <jansson.h>
#include <stdlib.h>

#include "result.h"

static json_t *finding_json(const struct fg_finding *f)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", f->id, "severity",
                     fg_severity_name(f->severity), "message", f->message, "evidence",
                     f->evidence, "unscannable", f->unscannable);
}

static json_t *object_json(const struct fg_objrec *o)
{
    json_t *fs = json_array();
    if (!fs)
        return NULL;
    for (size_t i = 0; i < o->nfindings; i++)
        json_array_append_new(fs, finding_json(&o->findings[i]));
    return json_pack("{s:s, s:s, s:s, s:I, s:i, s:o}", "path", o->info.path, "type",
                     o->info.type, "sha256", o->info.sha256, "size", (json_int_t)o->info.size,
                     "depth", (int)o->info.depth, "findings", fs);
}

char *fg_result_json(const fg_result *r)
{
    json_t *objs = json_array();
    if (!objs)
        return NULL;
    for (size_t i = 0; i < r->nobj; i++)
        json_array_append_new(objs, object_json(&r->obj[i]));
    json_t *root = json_pack("{s:s, s:s, s:I, s:s, s:i, s:o}", "path", r->path, "sha256",
                             r->sha256, "size", (json_int_t)r->size, "verdict",
                             fg_verdict_name(r->verdict), "score", (int)r->score, "objects", objs);
    if (!root)
        return NULL;
    if (r->error)
        json_object_set_new(root, "error", json_string(r->error));
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}
