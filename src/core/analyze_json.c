/*
 * analyze_json.c - an analysis as one line of JSON (`flowgate analyze --json`, documented in
 * docs/formats/analyze-json.md).  Built with jansson, so quoting is always right.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

/* Entropies with two decimals: more digits mean nothing to a reader. */
static json_t *real2(double x) { return json_real(round(x * 100.0) / 100.0); }

static json_t *strings(const char *const *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, json_string(v[i]));
    return arr;
}

static json_t *capability_json(const struct fg_capability *c)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "id", c->id, "name", c->name,
                     "namespace", c->ns, "attack", strings(c->attack, c->nattack),
                     "description", c->description, "evidence", c->evidence);
}

static json_t *section_json(const struct fg_section *s)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:s}", "name", s->name, "offset",
                     (json_int_t)s->offset, "size", (json_int_t)s->size, "addr",
                     (json_int_t)s->addr, "vsize", (json_int_t)s->vsize, "entropy",
                     real2(s->entropy), "flags", s->flags);
}

static json_t *facts_json(const struct fg_analysis_info *i)
{
    json_t *secs = json_array();
    for (size_t k = 0; secs && k < i->nsections; k++)
        json_array_append_new(secs, section_json(&i->sections[k]));
    json_t *f = json_pack("{s:s, s:i, s:s, s:I, s:o, s:o, s:o, s:I, s:o}", "arch", i->arch,
                          "bits", (int)i->bits, "kind", i->kind, "entry", (json_int_t)i->entry,
                          "entropy", real2(i->entropy), "sections", secs, "libraries",
                          strings(i->libraries, i->nlibraries), "imports_count",
                          (json_int_t)i->nimports, "imports",
                          strings(i->imports, i->nimports_listed));
    if (!f)
        return NULL;
    if (!strcmp(i->format, "pe")) {
        json_t *ov = json_null();
        if (i->overlay_size)
            ov = json_pack("{s:I, s:I, s:o}", "offset", (json_int_t)i->overlay_offset, "size",
                           (json_int_t)i->overlay_size, "entropy", real2(i->overlay_entropy));
        json_object_set_new(f, "imphash", json_string(i->imphash));
        json_object_set_new(f, "signature", json_boolean(i->signature));
        json_object_set_new(f, "overlay", ov);
        json_object_set_new(f, "timestamp", json_integer(i->timestamp));
        json_object_set_new(f, "subsystem", json_string(i->subsystem));
    } else if (!strcmp(i->format, "elf")) {
        json_object_set_new(f, "interpreter", json_string(i->interpreter));
        json_object_set_new(f, "linkage", json_string(i->linkage));
        json_object_set_new(f, "dynamic_symbols", json_integer((json_int_t)i->ndynsyms));
        json_object_set_new(f, "stripped", json_boolean(i->stripped));
    }
    return f;
}

char *fg_analysis_json(const fg_analysis *a)
{
    const struct fg_analysis_info *i = &a->info;
    json_t *caps = json_array();
    for (size_t k = 0; caps && k < i->ncapabilities; k++)
        json_array_append_new(caps, capability_json(&i->capabilities[k]));
    json_t *root = json_pack(
        "{s:s, s:s, s:I, s:s, s:b, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "path", i->path,
        "sha256", i->error ? "" : i->sha256, "size", (json_int_t)i->size, "format", i->format,
        "network", i->network, "network_reason", i->network_reason, "exfiltration",
        fg_exfil_name(i->exfiltration), "exfiltration_reason", i->exfiltration_reason, "packed",
        i->packed ? "likely" : "no", "packed_evidence",
        strings(i->packed_evidence, i->npacked_evidence), "capabilities", caps, "facts",
        i->error ? json_object() : facts_json(i), "warnings", strings(i->warnings, i->nwarnings));
    if (!root)
        return NULL;
    if (i->error)
        json_object_set_new(root, "error", json_string(i->error));
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(root);
    return s;
}
