/*
 * flow_graph.h - the flow of a run, and of a profile: nodes are (system call, argument
 * class, call-site context), edges the order in which one thread produced them.  A profile is
 * the union of the graphs of many benign runs, so both use this one structure; "docs" counts
 * in how many runs a node or edge appeared.
 */
#ifndef FG_FLOW_GRAPH_H
#define FG_FLOW_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sandbox/tracer.h"

/* Frames of the call stack that make a node's context.  Deeper contexts tell apart more
 * call sites but make ordinary variety look new; four frames above the system call wrapper
 * name the caller's caller in the handler's own code. */
#define FLOW_CTX_FRAMES 5

struct flow_node {
    uint64_t id;        /* hash of call, class and context */
    uint64_t kind_id;   /* hash of call and class: "what", without "from where" */
    char *call;
    char *cls;
    char *ctx;          /* "module@buildid+0xoff;..." from the system call outwards */
    enum trc_kind kind;
    uint32_t count;     /* times made (this run), or runs seen (profile) */
    uint32_t docs;
    uint32_t last_doc;  /* run serial that last counted docs (merging) */
    char *detail;       /* first example, for reports (runs only) */
    unsigned flags;     /* FLOW_F_* */
    unsigned violations;/* TRC_V_* of the first occurrence */
};

enum {
    FLOW_F_OUTSIDE_WORK = 1,
    FLOW_F_NET_OUTSIDE = 2,
    FLOW_F_EXEC_PROT = 4,
};

struct flow_edge {
    uint64_t from, to;
    uint32_t docs;
    uint32_t last_doc;
};

/* Open-addressing map from a 64-bit id to an index. */
struct flow_map {
    uint64_t *key;
    uint32_t *val;
    size_t cap, n;
};

struct flow_graph {
    struct flow_node *node;
    size_t nnode, capnode;
    struct flow_edge *edge;
    size_t nedge, capedge;
    struct flow_map node_ix, edge_ix, kind_ix; /* kind_ix: kind id -> first node */
    uint32_t serial;                           /* runs merged in */
};

void flow_graph_init(struct flow_graph *g);
void flow_graph_free(struct flow_graph *g);

/* Adds one occurrence of a node (strings are copied); returns its index or a negative FG_E*. */
long flow_graph_add_node(struct flow_graph *g, const char *call, const char *cls,
                         const char *ctx, enum trc_kind kind, const char *detail,
                         unsigned flags, unsigned violations);
int flow_graph_add_edge(struct flow_graph *g, uint64_t from, uint64_t to);

const struct flow_node *flow_graph_node(const struct flow_graph *g, uint64_t id);
bool flow_graph_has_kind(const struct flow_graph *g, uint64_t kind_id);
bool flow_graph_has_edge(const struct flow_graph *g, uint64_t from, uint64_t to);

/* Adds every node and edge of run to profile, adding their docs counts; the caller counts
 * the documents (serial). */
int flow_graph_merge(struct flow_graph *profile, const struct flow_graph *run);

uint64_t flow_hash(const char *a, const char *b, const char *c);

/* Context string of an event's frames ("" when stacks were not collected). */
void flow_context(const struct trc_event *ev, char *out, size_t len);

#endif
