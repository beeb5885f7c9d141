/*
 * flow_graph.c - nodes, edges and the maps that find them.  Everything grows with the run,
 * so every table is capped (FG_CAP_FLOW_* in limits.h); a run that makes more distinct nodes
 * than a profile could ever hold is itself reported by the caller.
 */
#define _GNU_SOURCE
#include "flow_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "flowgate/flowgate.h"

uint64_t flow_hash(const char *a, const char *b, const char *c)
{
    /* FNV-1a over the three strings with separators, so ("ab","c") differs from ("a","bc"). */
    uint64_t h = 0xcbf29ce484222325ULL;
    const char *parts[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        for (const unsigned char *p = (const unsigned char *)(parts[i] ? parts[i] : ""); *p; p++)
            h = (h ^ *p) * 0x100000001b3ULL;
        h = (h ^ 0x1f) * 0x100000001b3ULL;
    }
    return h ? h : 1; /* 0 marks an empty map slot */
}

/* ---- map ---- */

static int map_grow(struct flow_map *m)
{
    size_t nc = m->cap ? m->cap * 2 : 256;
    uint64_t *k = calloc(nc, sizeof *k);
    uint32_t *v = calloc(nc, sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return FG_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->key[i])
            continue;
        size_t j = (m->key[i] * 0x9e3779b97f4a7c15ULL) & (nc - 1);
        while (k[j])
            j = (j + 1) & (nc - 1);
        k[j] = m->key[i];
        v[j] = m->val[i];
    }
    free(m->key);
    free(m->val);
    m->key = k;
    m->val = v;
    m->cap = nc;
    return 0;
}

static long map_get(const struct flow_map *m, uint64_t key)
{
    if (!m->cap)
        return -1;
    size_t j = (key * 0x9e3779b97f4a7c15ULL) & (m->cap - 1);
    while (m->key[j]) {
        if (m->key[j] == key)
            return m->val[j];
        j = (j + 1) & (m->cap - 1);
    }
    return -1;
}

static int map_put(struct flow_map *m, uint64_t key, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        int rc = map_grow(m);
        if (rc)
            return rc;
    }
    size_t j = (key * 0x9e3779b97f4a7c15ULL) & (m->cap - 1);
    while (m->key[j] && m->key[j] != key)
        j = (j + 1) & (m->cap - 1);
    if (!m->key[j])
        m->n++;
    m->key[j] = key;
    m->val[j] = val;
    return 0;
}

static void map_free(struct flow_map *m)
{
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof *m);
}

/* ---- graph ---- */

void flow_graph_init(struct flow_graph *g)
{
    memset(g, 0, sizeof *g);
}

void flow_graph_free(struct flow_graph *g)
{
    for (size_t i = 0; i < g->nnode; i++) {
        free(g->node[i].call);
        free(g->node[i].cls);
        free(g->node[i].ctx);
        free(g->node[i].detail);
    }
    free(g->node);
    free(g->edge);
    map_free(&g->node_ix);
    map_free(&g->edge_ix);
    map_free(&g->kind_ix);
    memset(g, 0, sizeof *g);
}

long flow_graph_add_node(struct flow_graph *g, const char *call, const char *cls,
                         const char *ctx, enum trc_kind kind, const char *detail,
                         unsigned flags, unsigned violations)
{
    uint64_t id = flow_hash(call, cls, ctx);
    long ix = map_get(&g->node_ix, id);
    if (ix >= 0) {
        g->node[ix].count++;
        return ix;
    }
    if (g->nnode >= FG_CAP_FLOW_NODES)
        return FG_ELIMIT;
    if (g->nnode == g->capnode) {
        size_t nc = g->capnode ? g->capnode * 2 : 128;
        void *p = realloc(g->node, nc * sizeof *g->node);
        if (!p)
            return FG_ENOMEM;
        g->node = p;
        g->capnode = nc;
    }
    struct flow_node *n = &g->node[g->nnode];
    memset(n, 0, sizeof *n);
    n->id = id;
    n->kind_id = flow_hash(call, cls, NULL);
    n->call = strdup(call);
    n->cls = strdup(cls);
    n->ctx = strdup(ctx ? ctx : "");
    n->detail = detail && detail[0] ? strdup(detail) : NULL;
    if (!n->call || !n->cls || !n->ctx) {
        free(n->call), free(n->cls), free(n->ctx), free(n->detail);
        return FG_ENOMEM;
    }
    n->kind = kind;
    n->count = 1;
    n->docs = 1;
    n->flags = flags;
    n->violations = violations;
    if (map_put(&g->node_ix, id, (uint32_t)g->nnode) ||
        (map_get(&g->kind_ix, n->kind_id) < 0 &&
         map_put(&g->kind_ix, n->kind_id, (uint32_t)g->nnode))) {
        free(n->call), free(n->cls), free(n->ctx), free(n->detail);
        return FG_ENOMEM;
    }
    return (long)g->nnode++;
}

int flow_graph_add_edge(struct flow_graph *g, uint64_t from, uint64_t to)
{
    uint64_t key = (from * 0x100000001b3ULL) ^ (to + 0x9e3779b97f4a7c15ULL);
    key = key ? key : 1;
    if (map_get(&g->edge_ix, key) >= 0)
        return 0;
    if (g->nedge >= FG_CAP_FLOW_EDGES)
        return FG_ELIMIT;
    if (g->nedge == g->capedge) {
        size_t nc = g->capedge ? g->capedge * 2 : 256;
        void *p = realloc(g->edge, nc * sizeof *g->edge);
        if (!p)
            return FG_ENOMEM;
        g->edge = p;
        g->capedge = nc;
    }
    g->edge[g->nedge] = (struct flow_edge){.from = from, .to = to, .docs = 1};
    if (map_put(&g->edge_ix, key, (uint32_t)g->nedge))
        return FG_ENOMEM;
    g->nedge++;
    return 0;
}

const struct flow_node *flow_graph_node(const struct flow_graph *g, uint64_t id)
{
    long ix = map_get(&g->node_ix, id);
    return ix >= 0 ? &g->node[ix] : NULL;
}

bool flow_graph_has_kind(const struct flow_graph *g, uint64_t kind_id)
{
    return map_get(&g->kind_ix, kind_id) >= 0;
}

bool flow_graph_has_edge(const struct flow_graph *g, uint64_t from, uint64_t to)
{
    uint64_t key = (from * 0x100000001b3ULL) ^ (to + 0x9e3779b97f4a7c15ULL);
    return map_get(&g->edge_ix, key ? key : 1) >= 0;
}

int flow_graph_merge(struct flow_graph *p, const struct flow_graph *run)
{
    for (size_t i = 0; i < run->nnode; i++) {
        const struct flow_node *n = &run->node[i];
        long ix = map_get(&p->node_ix, n->id);
        if (ix >= 0) {
            p->node[ix].docs += n->docs;
            p->node[ix].count += n->count;
            continue;
        }
        ix = flow_graph_add_node(p, n->call, n->cls, n->ctx, n->kind, NULL, n->flags, 0);
        if (ix < 0)
            return (int)ix;
        p->node[ix].docs = n->docs;
        p->node[ix].count = n->count;
    }
    for (size_t i = 0; i < run->nedge; i++) {
        const struct flow_edge *e = &run->edge[i];
        uint64_t key = (e->from * 0x100000001b3ULL) ^ (e->to + 0x9e3779b97f4a7c15ULL);
        long ix = map_get(&p->edge_ix, key ? key : 1);
        if (ix >= 0) {
            p->edge[ix].docs += e->docs;
            continue;
        }
        int rc = flow_graph_add_edge(p, e->from, e->to);
        if (rc)
            return rc;
        p->edge[p->nedge - 1].docs = e->docs;
    }
    return 0;
}

void flow_context(const struct trc_event *ev, char *out, size_t len)
{
    size_t o = 0;
    out[0] = 0;
    for (unsigned i = 0; i < ev->nframes && i < FLOW_CTX_FRAMES; i++) {
        const struct trc_frame *f = &ev->frames[i];
        int w = f->mod ? snprintf(out + o, len - o, "%s%s+0x%llx", i ? ";" : "", f->mod->key,
                                  (unsigned long long)f->off)
                       : snprintf(out + o, len - o, "%s?", i ? ";" : "");
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
}
