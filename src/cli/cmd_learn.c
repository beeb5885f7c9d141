/*
 * cmd_learn.c - `flowgate learn`: runs a handler on benign documents in the sandbox and
 * merges their flow graphs into a profile.  Each worker process learns into its own profile;
 * the parent merges them, and into the existing profile file if there is one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "flow_cli.h"
#include "flowgate/flow.h"

static void learn_usage(FILE *f)
{
    fprintf(f,
"Usage: flowgate learn --profile FILE [--handler NAME | --exec 'CMD {}'] [OPTIONS] CORPUS...\n"
"\n"
"Runs the handler on every benign document of CORPUS (files or directories, walked\n"
"recursively) inside the sandbox, records how the handler's code flows (system calls,\n"
"their argument classes and call stacks) and merges everything into the profile FILE.\n"
"An existing profile is extended; --new starts over.  Documents whose run shows code\n"
"running from data, ROP or refused calls are not learnt and are listed: a benign corpus\n"
"should have none.  Then `flowgate detonate --profile FILE` flags what the handler never\n"
"does with benign documents.\n"
"\n"
"      --profile FILE      the profile to write (required)\n"
"      --new               do not extend an existing profile\n"
"\n");
    flow_cli_usage(f, FLOW_USAGE_LEARN);
    fprintf(f,
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 when the profile was written and every document was learnt, 1 when some\n"
"documents were not learnt (listed), 2 on errors.  See flowgate-learn(1).\n");
}

struct learn {
    struct flow_cli c;
    struct cli_paths docs;
    fg_profile *mine;      /* the worker's profile */
    fg_profile *total;     /* the parent's */
    size_t learnt, refused, errors;
};

static int learn_work(void *arg, size_t i, FILE *out)
{
    struct learn *t = arg;
    if (!t->mine && fg_profile_new(t->c.handler, &t->mine))
        return 2;
    fg_detonation *d = NULL;
    const char *doc = t->docs.p[i];
    if (fg_detonate(&t->c.fo, doc, NULL, t->mine, &d))
        return 2;
    int v = fg_detonation_learnt(d) ? 0 : fg_detonation_error(d) ? 2 : 1;
    if (t->c.json) {
        char *j = fg_detonation_json(d);
        if (j)
            fprintf(out, "%s\n", j);
        free(j);
    } else if (v == 2) {
        fprintf(out, "%s: not learnt: %s\n", doc, fg_detonation_error(d));
    } else if (v == 1) {
        fprintf(out, "%s: not learnt: the run is not benign:\n", doc);
        for (size_t k = 0; k < fg_detonation_finding_count(d); k++) {
            const struct fg_finding *f = fg_detonation_finding(d, k);
            if (f->severity >= FG_SEV_MEDIUM)
                fprintf(out, "  %s %s: %s\n", fg_severity_name(f->severity), f->id, f->message);
        }
    }
    fg_detonation_free(d);
    return v;
}

static void learn_done(void *arg, size_t i, int v)
{
    (void)i;
    struct learn *t = arg;
    if (v == 0)
        t->learnt++;
    else if (v == 1)
        t->refused++;
    else
        t->errors++;
}

static int learn_worker_end(void *arg, unsigned k, const char *dir)
{
    struct learn *t = arg;
    if (!t->mine)
        return 0;
    char path[4096], err[512];
    int w = snprintf(path, sizeof path, "%s/worker-%u.profile", dir, k);
    if (w < 0 || (size_t)w >= sizeof path)
        return -1;
    if (fg_profile_save(t->mine, path, err, sizeof err)) {
        fprintf(stderr, "flowgate learn: %s\n", err);
        return -1;
    }
    return 0;
}

static int learn_parent_end(void *arg, unsigned n, const char *dir)
{
    struct learn *t = arg;
    for (unsigned k = 0; k < n; k++) {
        char path[4096], err[512];
        int w = snprintf(path, sizeof path, "%s/worker-%u.profile", dir, k);
        if (w < 0 || (size_t)w >= sizeof path || access(path, F_OK))
            continue; /* that worker had no document */
        fg_profile *p = NULL;
        if (fg_profile_load(path, &p, err, sizeof err)) {
            fprintf(stderr, "flowgate learn: %s\n", err);
            return -1;
        }
        int rc = fg_profile_merge(t->total, p);
        fg_profile_free(p);
        unlink(path);
        if (rc) {
            fprintf(stderr, "flowgate learn: cannot merge: %s\n", fg_strerror(rc));
            return -1;
        }
    }
    return 0;
}

static const char *learn_label(void *arg, size_t i)
{
    return ((struct learn *)arg)->docs.p[i];
}

int cmd_learn(int argc, char **argv)
{
    enum { O_NEW = 0x300 };
    static const struct option longopts[] = {
        FLOW_LONG_OPTIONS,
        {"new", no_argument, NULL, O_NEW},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct learn t;
    memset(&t, 0, sizeof t);
    t.c.progress = -1;
    int opt, fresh = 0;
    while ((opt = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
        int r = flow_cli_option(&t.c, opt, optarg);
        if (r < 0)
            return FG_EXIT_ERROR;
        if (r)
            continue;
        if (opt == O_NEW) {
            fresh = 1;
        } else if (opt == 'h') {
            learn_usage(stdout);
            return FG_EXIT_CLEAN;
        } else {
            learn_usage(stderr);
            return FG_EXIT_ERROR;
        }
    }
    if (!t.c.profile || optind >= argc) {
        fprintf(stderr, "flowgate learn: --profile FILE and at least one document are needed "
                        "(flowgate learn --help)\n");
        return FG_EXIT_ERROR;
    }
    if (flow_cli_finish(&t.c, "learn"))
        return FG_EXIT_ERROR;
    int rc = FG_EXIT_ERROR;
    char err[512];
    if (!fresh && access(t.c.profile, F_OK) == 0) {
        if (fg_profile_load(t.c.profile, &t.total, err, sizeof err)) {
            fprintf(stderr, "flowgate learn: %s (use --new to start over)\n", err);
            goto out;
        }
        if (strcmp(fg_profile_handler(t.total), t.c.handler)) {
            fprintf(stderr, "flowgate learn: %s was learnt for handler '%s', not '%s'\n",
                    t.c.profile, fg_profile_handler(t.total), t.c.handler);
            goto out;
        }
    } else if (fg_profile_new(t.c.handler, &t.total)) {
        goto out;
    }
    for (int i = optind; i < argc; i++)
        cli_walk(argv[i], &t.docs);
    if (!t.docs.n) {
        fprintf(stderr, "flowgate learn: no readable document\n");
        goto out;
    }
    struct flow_pool_ops ops = {.work = learn_work, .done = learn_done,
                                .worker_end = learn_worker_end,
                                .parent_end = learn_parent_end, .label = learn_label};
    if (flow_cli_pool(&t.c, t.docs.n, &ops, &t))
        goto out;
    if (fg_profile_save(t.total, t.c.profile, err, sizeof err)) {
        fprintf(stderr, "flowgate learn: %s\n", err);
        goto out;
    }
    char *info = fg_profile_info_json(t.total);
    fprintf(stderr, "flowgate learn: %zu document(s) learnt, %zu not benign, %zu failed; "
                    "profile %s: %s\n", t.learnt, t.refused, t.errors, t.c.profile,
            info ? info : "");
    free(info);
    rc = (t.refused || t.errors || t.docs.errors) ? FG_EXIT_DETECTED : FG_EXIT_CLEAN;
    if (t.errors && !t.learnt)
        rc = FG_EXIT_ERROR;
out:
    fg_profile_free(t.total);
    fg_profile_free(t.mine);
    cli_paths_free(&t.docs);
    flow_cli_free(&t.c);
    return rc;
}
