/*
 * flow_cli.h - what the sandbox commands (learn, detonate, run) share: the handler and
 * sandbox options, and a pool of worker processes.  Each worker is a process, not a thread:
 * a tracer owns every child it waits for, so one tracer per process keeps them apart.
 */
#ifndef FG_FLOW_CLI_H
#define FG_FLOW_CLI_H

#include <stdio.h>

#include "flowgate/flow.h"

struct flow_cli {
    const char *handler;       /* --handler */
    const char *exec;          /* --exec */
    const char *handlers_file; /* --handlers */
    const char *profile;       /* --profile */
    const char *decoys;        /* --decoys */
    const char *dot;           /* --dot */
    const char *binds[16];     /* --bind */
    size_t nbinds;
    unsigned timeout;          /* --timeout seconds */
    uint64_t mem;              /* --max-memory */
    unsigned jobs;             /* --jobs */
    int json, no_stacks, progress, quiet;
    char **argv;               /* the resolved command */
    struct fg_flow_opts fo;
};

/* Long options every sandbox command takes; values >= FLOW_OPT_BASE. */
enum {
    FLOW_OPT_BASE = 0x200,
    FLOW_OPT_HANDLER, FLOW_OPT_EXEC, FLOW_OPT_HANDLERS, FLOW_OPT_PROFILE, FLOW_OPT_DECOYS,
    FLOW_OPT_DOT, FLOW_OPT_BIND, FLOW_OPT_TIMEOUT, FLOW_OPT_MEM, FLOW_OPT_JOBS, FLOW_OPT_JSON,
    FLOW_OPT_NO_STACKS, FLOW_OPT_PROGRESS, FLOW_OPT_NO_PROGRESS, FLOW_OPT_QUIET, FLOW_OPT_LIST,
};
#define FLOW_LONG_OPTIONS                                                                  \
    {"handler", required_argument, NULL, FLOW_OPT_HANDLER},                               \
    {"exec", required_argument, NULL, FLOW_OPT_EXEC},                                     \
    {"handlers", required_argument, NULL, FLOW_OPT_HANDLERS},                             \
    {"profile", required_argument, NULL, FLOW_OPT_PROFILE},                               \
    {"decoys", required_argument, NULL, FLOW_OPT_DECOYS},                                 \
    {"dot", required_argument, NULL, FLOW_OPT_DOT},                                       \
    {"bind", required_argument, NULL, FLOW_OPT_BIND},                                     \
    {"timeout", required_argument, NULL, FLOW_OPT_TIMEOUT},                               \
    {"max-memory", required_argument, NULL, FLOW_OPT_MEM},                                \
    {"jobs", required_argument, NULL, FLOW_OPT_JOBS},                                     \
    {"json", no_argument, NULL, FLOW_OPT_JSON},                                           \
    {"no-stacks", no_argument, NULL, FLOW_OPT_NO_STACKS},                                 \
    {"progress", no_argument, NULL, FLOW_OPT_PROGRESS},                                   \
    {"no-progress", no_argument, NULL, FLOW_OPT_NO_PROGRESS},                             \
    {"quiet", no_argument, NULL, FLOW_OPT_QUIET},                                         \
    {"list-handlers", no_argument, NULL, FLOW_OPT_LIST}

/* Handles one option; 1 if it was one of ours, 0 if not, -1 on a bad value (said on stderr). */
int flow_cli_option(struct flow_cli *c, int opt, const char *arg);
/* Resolves the command (--exec or --handler) and fills c->fo; -1 with a message on stderr. */
int flow_cli_finish(struct flow_cli *c, const char *cmd);
void flow_cli_free(struct flow_cli *c);
/* A detonation for people: verdict, findings with evidence, then what the run did. */
void flow_cli_print(FILE *out, const fg_detonation *d, const char *name);

/* The option help every sandbox command prints; `run` has no handler and no pool. */
enum { FLOW_USAGE_DETONATE, FLOW_USAGE_LEARN, FLOW_USAGE_RUN };
void flow_cli_usage(FILE *f, int what);

/* The worker pool: work(i) runs for i in [0, n) in c->jobs worker processes; what it writes
 * to 'out' is printed on stdout in input order as soon as it and all before it are done, and
 * its return value (0..255) reaches done(i, value) in the parent, in order.  A worker calls
 * worker_end(k, dir) after its last item (to leave, say, its partial profile in dir), the
 * parent calls parent_end(nworkers, dir) after every worker has finished.  Any callback may
 * be NULL.  Returns -1 if the pool could not start or a worker died. */
struct flow_pool_ops {
    int (*work)(void *arg, size_t i, FILE *out);
    void (*done)(void *arg, size_t i, int value);
    int (*worker_end)(void *arg, unsigned k, const char *dir);
    int (*parent_end)(void *arg, unsigned nworkers, const char *dir);
    const char *(*label)(void *arg, size_t i); /* for the progress line */
};
int flow_cli_pool(struct flow_cli *c, size_t n, const struct flow_pool_ops *ops, void *arg);

#endif
