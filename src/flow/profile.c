/*
 * profile.c - learned profiles: a flow graph plus who it belongs to, stored as JSON
 * (docs/formats/profile.md).  A profile file may come from anywhere, so loading checks the
 * format, the version, every field's type and the caps, and recomputes every node id instead
 * of trusting the stored one.
 */
#define _GNU_SOURCE
#include "profile.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/limits.h"

static const char *const kind_names[] = {
    [TRC_K_FILE_READ] = "file-read", [TRC_K_FILE_WRITE] = "file-write", [TRC_K_EXEC] = "exec",
    [TRC_K_NET] = "net",             [TRC_K_MEM] = "mem",               [TRC_K_PROC] = "proc",
    [TRC_K_PROBE] = "probe",         [TRC_K_HOSTILE] = "hostile",
};

const char *flow_kind_name(enum trc_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "?";
}

static int kind_parse(const char *s)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (kind_names[i] && !strcmp(kind_names[i], s))
            return (int)i;
    return -1;
}

FG_API int fg_profile_new(const char *handler, fg_profile **out)
{
    if (!handler || !out)
        return FG_EINVAL;
    fg_profile *p = calloc(1, sizeof *p);
    if (!p || !(p->handler = strdup(handler))) {
        free(p);
        return FG_ENOMEM;
    }
    flow_graph_init(&p->g);
    *out = p;
    return 0;
}

FG_API void fg_profile_free(fg_profile *p)
{
    if (!p)
        return;
    flow_graph_free(&p->g);
    free(p->handler);
    free(p);
}

FG_API const char *fg_profile_handler(const fg_profile *p)
{
    return p ? p->handler : NULL;
}

FG_API int fg_profile_merge(fg_profile *into, const fg_profile *from)
{
    if (!into || !from)
        return FG_EINVAL;
    if (strcmp(into->handler, from->handler))
        return FG_EINVAL;
    int rc = flow_graph_merge(&into->g, &from->g);
    if (rc)
        return rc;
    into->g.serial += from->g.serial;
    into->violations += from->violations;
    return 0;
}

/* ---- saving ---- */

static json_t *to_json(const fg_profile *p)
{
    json_t *o = json_object(), *nodes = json_array(), *edges = json_array();
    if (!o || !nodes || !edges) {
        json_decref(o), json_decref(nodes), json_decref(edges);
        return NULL;
    }
    json_object_set_new(o, "format", json_string(FLOW_PROFILE_FORMAT));
    json_object_set_new(o, "version", json_integer(FLOW_PROFILE_VERSION));
    json_object_set_new(o, "handler", json_string(p->handler));
    json_object_set_new(o, "documents", json_integer(p->g.serial));
    json_object_set_new(o, "runs_with_violations", json_integer(p->violations));
    for (size_t i = 0; i < p->g.nnode; i++) {
        const struct flow_node *n = &p->g.node[i];
        char id[17];
        snprintf(id, sizeof id, "%016" PRIx64, n->id);
        json_array_append_new(nodes, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "id", id,
                                               "call", n->call, "class", n->cls, "kind",
                                               flow_kind_name(n->kind), "context", n->ctx,
                                               "docs", (json_int_t)n->docs, "count",
                                               (json_int_t)n->count, "flags",
                                               (json_int_t)n->flags));
    }
    for (size_t i = 0; i < p->g.nedge; i++) {
        char a[17], b[17];
        snprintf(a, sizeof a, "%016" PRIx64, p->g.edge[i].from);
        snprintf(b, sizeof b, "%016" PRIx64, p->g.edge[i].to);
        json_array_append_new(edges, json_pack("[s,s,I]", a, b, (json_int_t)p->g.edge[i].docs));
    }
    json_object_set_new(o, "nodes", nodes);
    json_object_set_new(o, "edges", edges);
    return o;
}

FG_API int fg_profile_save(const fg_profile *p, const char *path, char *err, size_t errlen)
{
    if (!p || !path)
        return FG_EINVAL;
    json_t *o = to_json(p);
    if (!o)
        return FG_ENOMEM;
    /* Written next to the target and renamed: a crash never leaves half a profile. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int rc = json_dump_file(o, tmp, JSON_COMPACT) ? FG_EIO : 0;
    json_decref(o);
    if (!rc && rename(tmp, path))
        rc = FG_EIO;
    if (rc) {
        if (err)
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        remove(tmp);
    }
    return rc;
}

/* ---- loading ---- */

static int bad(char *err, size_t errlen, const char *what, size_t i)
{
    if (err)
        snprintf(err, errlen, "not a valid profile: %s (entry %zu)", what, i);
    return FG_EFORMAT;
}

static int load_nodes(fg_profile *p, json_t *nodes, char *err, size_t errlen)
{
    if (!json_is_array(nodes) || json_array_size(nodes) > FG_CAP_FLOW_NODES)
        return bad(err, errlen, "nodes is not a list within the cap", 0);
    for (size_t i = 0; i < json_array_size(nodes); i++) {
        json_t *n = json_array_get(nodes, i);
        const char *id = NULL, *call = NULL, *cls = NULL, *kind = NULL, *ctx = NULL;
        json_int_t docs = 0, count = 0, flags = 0;
        if (json_unpack(n, "{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "id", &id, "call", &call,
                        "class", &cls, "kind", &kind, "context", &ctx, "docs", &docs, "count",
                        &count, "flags", &flags))
            return bad(err, errlen, "node lacks a field", i);
        int k = kind_parse(kind);
        if (k < 0 || docs < 0 || count < 0 || docs > UINT32_MAX || count > UINT32_MAX)
            return bad(err, errlen, "node has a bad kind or count", i);
        char want[17];
        snprintf(want, sizeof want, "%016" PRIx64, flow_hash(call, cls, ctx));
        if (strcmp(want, id))
            return bad(err, errlen, "node id does not match its content", i);
        /* A repeated node would be counted into the first one; the writer never repeats. */
        if (flow_graph_node(&p->g, flow_hash(call, cls, ctx)))
            return bad(err, errlen, "node listed twice", i);
        long ix = flow_graph_add_node(&p->g, call, cls, ctx, (enum trc_kind)k, NULL,
                                      (unsigned)flags, 0);
        if (ix < 0)
            return (int)ix;
        p->g.node[ix].docs = (uint32_t)docs;
        p->g.node[ix].count = (uint32_t)count;
    }
    return 0;
}

static int load_edges(fg_profile *p, json_t *edges, char *err, size_t errlen)
{
    if (!json_is_array(edges) || json_array_size(edges) > FG_CAP_FLOW_EDGES)
        return bad(err, errlen, "edges is not a list within the cap", 0);
    for (size_t i = 0; i < json_array_size(edges); i++) {
        const char *a = NULL, *b = NULL;
        json_int_t docs = 0;
        if (json_unpack(json_array_get(edges, i), "[s,s,I]", &a, &b, &docs) || docs < 0 ||
            docs > UINT32_MAX)
            return bad(err, errlen, "edge is not [from, to, docs]", i);
        char *ea, *eb;
        uint64_t from = strtoull(a, &ea, 16), to = strtoull(b, &eb, 16);
        if (*ea || *eb || !flow_graph_node(&p->g, from) || !flow_graph_node(&p->g, to))
            return bad(err, errlen, "edge names an unknown node", i);
        /* flow_graph_add_edge() ignores a repeated edge, and the docs below would then land
         * on whichever edge was added last. */
        if (flow_graph_has_edge(&p->g, from, to))
            return bad(err, errlen, "edge listed twice", i);
        int rc = flow_graph_add_edge(&p->g, from, to);
        if (rc)
            return rc;
        p->g.edge[p->g.nedge - 1].docs = (uint32_t)docs;
    }
    return 0;
}

FG_API int fg_profile_load(const char *path, fg_profile **out, char *err, size_t errlen)
{
    if (!path || !out)
        return FG_EINVAL;
    struct stat st;
    /* errno only when stat failed: after a successful stat it still holds whatever an
     * earlier call left there. */
    int serr = stat(path, &st) ? errno : 0;
    if (serr || !S_ISREG(st.st_mode)) {
        if (err)
            snprintf(err, errlen, "cannot read %s: %s", path,
                     serr ? strerror(serr) : "not a regular file");
        return FG_EIO;
    }
    if ((uint64_t)st.st_size > FG_CAP_PROFILE_FILE) {
        if (err)
            snprintf(err, errlen, "%s is larger than a profile can be (%u MiB)", path,
                     FG_CAP_PROFILE_FILE >> 20);
        return FG_ELIMIT;
    }
    json_error_t je;
    json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        if (err)
            snprintf(err, errlen, "%s: not JSON: %s (line %d)", path, je.text, je.line);
        return FG_EFORMAT;
    }
    const char *format = NULL, *handler = NULL;
    json_int_t version = 0, docs = 0, viol = 0;
    json_t *nodes = NULL, *edges = NULL;
    fg_profile *p = NULL;
    int rc = FG_EFORMAT;
    if (json_unpack(o, "{s:s,s:I,s:s,s:I,s?I,s:o,s:o}", "format", &format, "version", &version,
                    "handler", &handler, "documents", &docs, "runs_with_violations", &viol,
                    "nodes", &nodes, "edges", &edges) ||
        strcmp(format, FLOW_PROFILE_FORMAT)) {
        bad(err, errlen, "missing format, version, handler, documents, nodes or edges", 0);
        goto out;
    }
    if (version != FLOW_PROFILE_VERSION) {
        if (err)
            snprintf(err, errlen, "%s: profile version %lld; this flowgate reads version %d",
                     path, (long long)version, FLOW_PROFILE_VERSION);
        goto out;
    }
    if ((rc = fg_profile_new(handler, &p)))
        goto out;
    if ((rc = load_nodes(p, nodes, err, errlen)) || (rc = load_edges(p, edges, err, errlen)))
        goto out;
    p->g.serial = docs > 0 && docs < UINT32_MAX ? (uint32_t)docs : 0;
    p->violations = viol > 0 && viol < UINT32_MAX ? (uint32_t)viol : 0;
    *out = p;
    p = NULL;
    rc = 0;
out:
    fg_profile_free(p);
    json_decref(o);
    return rc;
}

FG_API char *fg_profile_info_json(const fg_profile *p)
{
    if (!p)
        return NULL;
    size_t per_kind[TRC_K_HOSTILE + 1] = {0}, kinds = 0, rare = 0;
    for (size_t i = 0; i < p->g.nnode; i++) {
        const struct flow_node *n = &p->g.node[i];
        if ((unsigned)n->kind <= TRC_K_HOSTILE)
            per_kind[n->kind]++;
        /* A node seen in one document only: the profile has not converged there yet. */
        rare += n->docs <= 1;
    }
    kinds = p->g.kind_ix.n;
    json_t *o = json_object(), *pk = json_object();
    json_object_set_new(o, "format", json_string(FLOW_PROFILE_FORMAT));
    json_object_set_new(o, "version", json_integer(FLOW_PROFILE_VERSION));
    json_object_set_new(o, "handler", json_string(p->handler));
    json_object_set_new(o, "documents", json_integer(p->g.serial));
    json_object_set_new(o, "nodes", json_integer((json_int_t)p->g.nnode));
    json_object_set_new(o, "edges", json_integer((json_int_t)p->g.nedge));
    json_object_set_new(o, "call_kinds", json_integer((json_int_t)kinds));
    json_object_set_new(o, "nodes_seen_once", json_integer((json_int_t)rare));
    json_object_set_new(o, "runs_with_violations", json_integer(p->violations));
    for (int k = 0; k <= TRC_K_HOSTILE; k++)
        json_object_set_new(pk, flow_kind_name((enum trc_kind)k), json_integer((json_int_t)per_kind[k]));
    json_object_set_new(o, "nodes_per_kind", pk);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}
