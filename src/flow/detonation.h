/*
 * detonation.h - one run of a handler (or program) in the sandbox: its flow graph, what it
 * did (behaviour), the code-origin violations the tracer saw, and the findings and verdict
 * made from them.  flow_run.c fills it, flow_detect.c scores it, flow_report.c prints it.
 */
#ifndef FG_DETONATION_H
#define FG_DETONATION_H

#include <stdbool.h>

#include "flow_graph.h"
#include "flowgate/flow.h"

#define FLOW_CAP_LIST 64   /* entries kept per behaviour list; more are counted */
#define FLOW_CAP_FINDINGS 64

struct flow_list {
    char *item[FLOW_CAP_LIST];
    size_t n, total;
};

struct flow_violation {
    unsigned flags;        /* TRC_V_* */
    char *call;
    char *why;
    char *stack;           /* the frames, module+offset or raw addresses */
    char *detail;
};

struct fg_detonation {
    char *path, *sha256, *handler, *command;
    char *error;
    bool run_mode;         /* flowgate run: a program, no document */
    bool learnt;           /* the run was added to the learning profile */
    /* the run */
    struct flow_graph g;
    struct trc_stats stats;
    bool timed_out;
    uint64_t wall_ms;
    /* behaviour */
    struct flow_list processes;   /* "pid program args" */
    struct flow_list written;     /* files created, written, renamed, deleted */
    struct flow_list network;     /* "connect inet:public:https 192.0.2.1:443" */
    struct flow_list dns;         /* names looked up (flowgate run) */
    struct flow_list notable;     /* probes, privilege changes, signals to others */
    struct flow_list persistence; /* writes to autostart places */
    struct flow_list crashes;     /* processes killed by a fault signal */
    struct flow_violation viol[16];
    size_t nviol, viol_total;
    struct flow_list hostile;
    unsigned decoys, decoys_changed, decoys_gone;
    /* detection */
    uint64_t *dev_nodes;          /* ids of nodes the profile lacks */
    char **dev_why;               /* "new-kind" or "new-context", parallel to dev_nodes */
    size_t ndev, capdev;
    size_t new_kinds, new_contexts, new_edges;
    /* findings */
    struct fg_finding finding[FLOW_CAP_FINDINGS];
    size_t nfinding;
    enum fg_verdict verdict;
};

void flow_list_add(struct flow_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void flow_list_free(struct flow_list *l);

void flow_finding(struct fg_detonation *d, const char *id, enum fg_severity sev, int unscannable,
                  const char *evidence, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Compares the run with the profile (may be NULL: behaviour findings only) and decides. */
int flow_detect(struct fg_detonation *d, const struct fg_profile *profile);

#endif
