/*
 * flow_report.c - a detonation for people and for programs: the accessors, one JSON line
 * (docs/formats/detonate-json.md), the behaviour summary as text, and the deviating part of
 * the flow graph in Graphviz DOT.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/result.h"
#include "detonation.h"
#include "profile.h"

FG_API enum fg_verdict fg_detonation_verdict(const fg_detonation *d)
{
    return d ? d->verdict : FG_VERDICT_ERROR;
}

FG_API const char *fg_detonation_error(const fg_detonation *d)
{
    return d ? d->error : NULL;
}

FG_API int fg_detonation_learnt(const fg_detonation *d)
{
    return d && d->learnt;
}

FG_API size_t fg_detonation_finding_count(const fg_detonation *d)
{
    return d ? d->nfinding : 0;
}

FG_API const struct fg_finding *fg_detonation_finding(const fg_detonation *d, size_t i)
{
    return d && i < d->nfinding ? &d->finding[i] : NULL;
}

FG_API void fg_detonation_stats(const fg_detonation *d, uint64_t *wall_ms, uint64_t *stops,
                                uint64_t *unwind_ns)
{
    if (wall_ms)
        *wall_ms = d ? d->wall_ms : 0;
    if (stops)
        *stops = d ? d->stats.stops : 0;
    if (unwind_ns)
        *unwind_ns = d ? d->stats.unwind_ns : 0;
}

static json_t *list_json(const struct flow_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->item[i]));
    return a;
}

static json_t *behaviour_json(const fg_detonation *d)
{
    json_t *b = json_object();
    json_object_set_new(b, "exit_code", d->stats.cmd_exited ? json_integer(d->stats.cmd_code)
                                                            : json_null());
    json_object_set_new(b, "exit_signal", d->stats.cmd_signal ? json_integer(d->stats.cmd_signal)
                                                              : json_null());
    json_object_set_new(b, "timed_out", json_boolean(d->timed_out));
    json_object_set_new(b, "processes", list_json(&d->processes));
    json_object_set_new(b, "files_written", list_json(&d->written));
    json_object_set_new(b, "files_written_total", json_integer((json_int_t)d->written.total));
    json_object_set_new(b, "network", list_json(&d->network));
    json_object_set_new(b, "dns", list_json(&d->dns));
    json_object_set_new(b, "persistence", list_json(&d->persistence));
    json_object_set_new(b, "notable", list_json(&d->notable));
    json_object_set_new(b, "hostile_calls", list_json(&d->hostile));
    json_object_set_new(b, "crashes", list_json(&d->crashes));
    if (d->decoys)
        json_object_set_new(b, "decoys", json_pack("{s:I,s:I,s:I}", "total", (json_int_t)d->decoys,
                                                   "changed", (json_int_t)d->decoys_changed,
                                                   "gone", (json_int_t)d->decoys_gone));
    json_t *v = json_array();
    for (size_t i = 0; i < d->nviol; i++)
        json_array_append_new(v, json_pack("{s:s,s:s,s:s,s:s}", "call", d->viol[i].call, "why",
                                           d->viol[i].why, "detail", d->viol[i].detail, "stack",
                                           d->viol[i].stack));
    json_object_set_new(b, "violations", v);
    return b;
}

static json_t *flow_json(const fg_detonation *d)
{
    json_t *f = json_object(), *nodes = json_array();
    json_object_set_new(f, "nodes", json_integer((json_int_t)d->g.nnode));
    json_object_set_new(f, "edges", json_integer((json_int_t)d->g.nedge));
    json_object_set_new(f, "new_kinds", json_integer((json_int_t)d->new_kinds));
    json_object_set_new(f, "new_contexts", json_integer((json_int_t)d->new_contexts));
    json_object_set_new(f, "new_edges", json_integer((json_int_t)d->new_edges));
    /* New kinds first: they are what the findings are about. */
    size_t shown = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < d->ndev && shown < FG_CAP_FLOW_REPORT; i++) {
            if ((pass == 0) != !strcmp(d->dev_why[i], "new-kind"))
                continue;
            const struct flow_node *n = flow_graph_node(&d->g, d->dev_nodes[i]);
            if (!n)
                continue;
            char id[17];
            snprintf(id, sizeof id, "%016" PRIx64, n->id);
            json_array_append_new(nodes, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "id", id,
                                                   "why", d->dev_why[i], "call", n->call, "class",
                                                   n->cls, "context", n->ctx, "detail",
                                                   n->detail ? n->detail : "", "count",
                                                   (json_int_t)n->count));
            shown++;
        }
    json_object_set_new(f, "deviations", nodes);
    return f;
}

FG_API char *fg_detonation_json(const fg_detonation *d)
{
    if (!d)
        return NULL;
    json_t *o = json_object(), *fs = json_array();
    json_object_set_new(o, "path", json_string(d->path));
    json_object_set_new(o, "sha256", d->sha256 ? json_string(d->sha256) : json_null());
    json_object_set_new(o, "handler", json_string(d->handler));
    json_object_set_new(o, "command", d->command ? json_string(d->command) : json_null());
    json_object_set_new(o, "verdict", json_string(fg_verdict_name(d->verdict)));
    if (d->error)
        json_object_set_new(o, "error", json_string(d->error));
    for (size_t i = 0; i < d->nfinding; i++) {
        const struct fg_finding *f = &d->finding[i];
        json_array_append_new(fs, json_pack("{s:s,s:s,s:s,s:s,s:b}", "id", f->id, "severity",
                                            fg_severity_name(f->severity), "message", f->message,
                                            "evidence", f->evidence, "unscannable",
                                            f->unscannable));
    }
    json_object_set_new(o, "findings", fs);
    if (!d->error) {
        json_object_set_new(o, "behaviour", behaviour_json(d));
        json_object_set_new(o, "flow", flow_json(d));
        json_object_set_new(o, "stats", json_pack("{s:I,s:I,s:I,s:I,s:I}", "wall_ms",
                                                  (json_int_t)d->wall_ms, "stops",
                                                  (json_int_t)d->stats.stops, "processes",
                                                  (json_int_t)d->stats.processes, "unwind_us",
                                                  (json_int_t)(d->stats.unwind_ns / 1000),
                                                  "maps_reads", (json_int_t)d->stats.maps_reads));
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* ---- text ---- */

static void text_list(FILE *f, const char *label, const struct flow_list *l)
{
    if (!l->total)
        return;
    fprintf(f, "  %s (%zu):\n", label, l->total);
    for (size_t i = 0; i < l->n && i < 12; i++)
        fprintf(f, "    %s\n", l->item[i]);
    if (l->total > 12)
        fprintf(f, "    ... %zu more\n", l->total - 12);
}

FG_API char *fg_detonation_summary(const fg_detonation *d)
{
    if (!d)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    if (d->error) {
        fprintf(f, "  error: %s\n", d->error);
    } else {
        fprintf(f, "  ran: %s (%llu ms, %llu recorded calls, %llu processes)\n", d->command,
                (unsigned long long)d->wall_ms, (unsigned long long)d->stats.stops,
                (unsigned long long)d->stats.processes);
        if (d->timed_out)
            fprintf(f, "  ended: killed at the time limit\n");
        else if (d->stats.cmd_signal)
            fprintf(f, "  ended: killed by signal %d\n", d->stats.cmd_signal);
        else
            fprintf(f, "  ended: exit status %d\n", d->stats.cmd_code);
        text_list(f, "programs started", &d->processes);
        text_list(f, "files written", &d->written);
        text_list(f, "network", &d->network);
        text_list(f, "DNS names looked up", &d->dns);
        text_list(f, "persistence", &d->persistence);
        text_list(f, "notable calls", &d->notable);
        text_list(f, "refused calls", &d->hostile);
        text_list(f, "crashes", &d->crashes);
        if (d->decoys)
            fprintf(f, "  decoys: %u, %u rewritten, %u renamed or deleted\n", d->decoys,
                    d->decoys_changed, d->decoys_gone);
        if (d->ndev)
            fprintf(f, "  flow: %zu distinct calls, %zu new kinds, %zu from new call sites, "
                       "%zu new transitions\n", d->g.nnode, d->new_kinds, d->new_contexts,
                    d->new_edges);
    }
    fclose(f);
    return buf;
}

/* ---- DOT ---- */

static void dot_label(FILE *f, const struct flow_node *n)
{
    fputc('"', f);
    const char *parts[3] = {n->call, n->cls, n->detail ? n->detail : ""};
    for (int k = 0; k < 3; k++) {
        if (k)
            fputs("\\n", f);
        for (const char *p = parts[k]; *p && p - parts[k] < 80; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', f);
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

FG_API char *fg_detonation_dot(const fg_detonation *d)
{
    if (!d)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "digraph flow {\n  node [shape=box, fontname=\"monospace\", fontsize=9];\n");
    /* The deviating nodes, red for new kinds, orange for new call sites, and every node
     * that leads into one of them, grey, so the path there can be read. */
    size_t shown = 0;
    for (size_t i = 0; i < d->ndev && shown < FG_CAP_FLOW_REPORT; i++, shown++) {
        const struct flow_node *n = flow_graph_node(&d->g, d->dev_nodes[i]);
        if (!n)
            continue;
        fprintf(f, "  n%016" PRIx64 " [label=", n->id);
        dot_label(f, n);
        fprintf(f, ", color=%s];\n", !strcmp(d->dev_why[i], "new-kind") ? "red" : "orange");
    }
    for (size_t e = 0; e < d->g.nedge; e++) {
        bool to_dev = false, from_dev = false;
        for (size_t i = 0; i < shown; i++) {
            to_dev |= d->dev_nodes[i] == d->g.edge[e].to;
            from_dev |= d->dev_nodes[i] == d->g.edge[e].from;
        }
        if (!to_dev)
            continue;
        if (!from_dev) {
            const struct flow_node *n = flow_graph_node(&d->g, d->g.edge[e].from);
            if (n) {
                fprintf(f, "  n%016" PRIx64 " [label=", n->id);
                dot_label(f, n);
                fprintf(f, ", color=grey];\n");
            }
        }
        fprintf(f, "  n%016" PRIx64 " -> n%016" PRIx64 ";\n", d->g.edge[e].from, d->g.edge[e].to);
    }
    fprintf(f, "}\n");
    fclose(f);
    return buf;
}

FG_API int fg_result_add_detonation(fg_result *r, size_t index, const fg_detonation *d)
{
    if (!r || !d || index >= r->nobj)
        return FG_EINVAL;
    char msg[512];
    if (d->error)
        snprintf(msg, sizeof msg, "could not be opened in the sandbox with handler %s: %s",
                 d->handler, d->error);
    else
        snprintf(msg, sizeof msg, "opened with handler %s in the sandbox: %s (%llu recorded "
                 "calls, %llu ms)", d->handler, fg_verdict_name(d->verdict),
                 (unsigned long long)d->stats.stops, (unsigned long long)d->wall_ms);
    int rc = fg_result_add_finding(r, index, d->error ? "flow.error" : "flow.detonated",
                                   FG_SEV_INFO, 0, msg, d->command ? d->command : "");
    for (size_t i = 0; !rc && i < d->nfinding; i++) {
        const struct fg_finding *f = &d->finding[i];
        rc = fg_result_add_finding(r, index, f->id, f->severity, f->unscannable, f->message,
                                   f->evidence);
    }
    fg_result_decide(r);
    return rc;
}
