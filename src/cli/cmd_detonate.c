/*
 * cmd_detonate.c - `flowgate detonate`: opens each document with its handler in the sandbox
 * and reports what the handler did that it never does with benign documents (the profile),
 * plus the code-origin checks that need no profile.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flow_cli.h"
#include "flowgate/flow.h"

static void detonate_usage(FILE *f)
{
    fprintf(f,
"Usage: flowgate detonate --profile FILE [OPTIONS] DOC...\n"
"\n"
"Opens each document with its normal handler (pdftoppm for PDF, LibreOffice for Office\n"
"documents ...) inside a sandbox, records the handler's system calls with their call\n"
"stacks, and compares that flow with a profile learnt from benign documents\n"
"(flowgate learn).  Reported: code running from the stack or heap, returns that do not\n"
"go back to a call site (ROP), executable memory (critical); calls the handler never made\n"
"in training such as starting a program, connecting out or writing outside its work\n"
"directory (high); calls from new call sites (low, medium when most of the run is new).\n"
"DOC is a file or a directory (walked recursively).\n"
"\n"
"      --profile FILE      the learnt profile (flowgate learn); without it only the\n"
"                          checks that need no training are made\n"
"      --dot FILE          write the deviating part of the flow graph (Graphviz DOT) of\n"
"                          the last document to FILE\n"
"  -q, --quiet             print only documents that are not clean\n"
"\n");
    flow_cli_usage(f, FLOW_USAGE_DETONATE);
    fprintf(f,
"  -h, --help              show this help\n"
"\n"
"Exit status: 1 if any document is suspicious or malicious, else 3 if any could not be\n"
"examined completely (time limit), else 2 if any run failed (or on a usage error),\n"
"else 0.  See flowgate-detonate(1).\n");
}

struct det {
    struct flow_cli c;
    struct cli_paths docs;
    fg_profile *profile;
    int worst[5];
};

static int det_work(void *arg, size_t i, FILE *out)
{
    struct det *t = arg;
    fg_detonation *d = NULL;
    const char *doc = t->docs.p[i];
    if (fg_detonate(&t->c.fo, doc, t->profile, NULL, &d)) {
        fprintf(out, "%s: error: out of memory\n", doc);
        return FG_VERDICT_ERROR;
    }
    enum fg_verdict v = fg_detonation_verdict(d);
    if (t->c.json) {
        char *j = fg_detonation_json(d);
        if (j)
            fprintf(out, "%s\n", j);
        free(j);
    } else if (!t->c.quiet || v != FG_VERDICT_CLEAN) {
        flow_cli_print(out, d, doc);
    }
    if (t->c.dot && i + 1 == t->docs.n) {
        char *dot = fg_detonation_dot(d);
        FILE *f = dot ? fopen(t->c.dot, "we") : NULL;
        if (f) {
            fputs(dot, f);
            fclose(f);
        } else {
            fprintf(stderr, "flowgate detonate: cannot write %s\n", t->c.dot);
        }
        free(dot);
    }
    fg_detonation_free(d);
    return (int)v;
}

static void det_done(void *arg, size_t i, int v)
{
    (void)i;
    struct det *t = arg;
    if (v >= 0 && v < 5)
        t->worst[v]++;
    else
        t->worst[FG_VERDICT_ERROR]++;
}

static const char *det_label(void *arg, size_t i)
{
    return ((struct det *)arg)->docs.p[i];
}

int cmd_detonate(int argc, char **argv)
{
    static const struct option longopts[] = {
        FLOW_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct det t;
    memset(&t, 0, sizeof t);
    t.c.progress = -1;
    int opt, list = 0;
    while ((opt = getopt_long(argc, argv, "hqj:", longopts, NULL)) != -1) {
        int r = flow_cli_option(&t.c, opt == 'q' ? FLOW_OPT_QUIET : opt, optarg);
        if (r < 0)
            return FG_EXIT_ERROR;
        if (r)
            continue;
        if (opt == FLOW_OPT_LIST) {
            list = 1;
        } else if (opt == 'h') {
            detonate_usage(stdout);
            return FG_EXIT_CLEAN;
        } else {
            detonate_usage(stderr);
            return FG_EXIT_ERROR;
        }
    }
    if (list) {
        char *l = fg_handler_list(t.c.handlers_file);
        fputs(l ? l : "", stdout);
        free(l);
        return l ? FG_EXIT_CLEAN : FG_EXIT_ERROR;
    }
    if (optind >= argc) {
        fprintf(stderr, "flowgate detonate: no document given (flowgate detonate --help)\n");
        return FG_EXIT_ERROR;
    }
    if (flow_cli_finish(&t.c, "detonate"))
        return FG_EXIT_ERROR;
    int rc = FG_EXIT_ERROR;
    if (t.c.profile) {
        char err[512];
        if (fg_profile_load(t.c.profile, &t.profile, err, sizeof err)) {
            fprintf(stderr, "flowgate detonate: %s\n", err);
            goto out;
        }
        if (strcmp(fg_profile_handler(t.profile), t.c.handler))
            fprintf(stderr, "flowgate detonate: warning: the profile was learnt for handler '%s', "
                            "not '%s'\n", fg_profile_handler(t.profile), t.c.handler);
    } else {
        fprintf(stderr, "flowgate detonate: no --profile: only the checks that need no "
                        "training are made\n");
    }
    for (int i = optind; i < argc; i++)
        cli_walk(argv[i], &t.docs);
    if (!t.docs.n) {
        fprintf(stderr, "flowgate detonate: no readable document\n");
        goto out;
    }
    struct flow_pool_ops ops = {.work = det_work, .done = det_done, .label = det_label};
    if (flow_cli_pool(&t.c, t.docs.n, &ops, &t))
        goto out;
    rc = (t.worst[FG_VERDICT_MALICIOUS] || t.worst[FG_VERDICT_SUSPICIOUS]) ? FG_EXIT_DETECTED
         : t.worst[FG_VERDICT_UNSCANNABLE] ? FG_EXIT_UNSCANNABLE
         : (t.worst[FG_VERDICT_ERROR] || t.docs.errors) ? FG_EXIT_ERROR : FG_EXIT_CLEAN;
out:
    fg_profile_free(t.profile);
    cli_paths_free(&t.docs);
    flow_cli_free(&t.c);
    return rc;
}
