/*
 * cmd_profile.c - `flowgate profile info|merge`: what a learnt profile holds, and merging
 * profiles learnt on different machines or corpora.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flowgate/flow.h"

static void profile_usage(FILE *f)
{
    fprintf(f,
"Usage: flowgate profile info [--json] FILE...\n"
"       flowgate profile merge -o OUT FILE...\n"
"\n"
"info   the handler, how many documents a profile was learnt from, its nodes (system call,\n"
"       argument class, call site), edges and call kinds, and how many nodes were seen in\n"
"       one document only (many of those: learn on more documents)\n"
"merge  one profile from several of the same handler, written to OUT\n"
"\n"
"The format is described in docs/formats/profile.md.  Exit status: 0, or 2 on errors.\n");
}

static int info(int argc, char **argv)
{
    int json = 0, rc = FG_EXIT_CLEAN;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
            continue;
        }
        fg_profile *p = NULL;
        char err[512];
        if (fg_profile_load(argv[i], &p, err, sizeof err)) {
            fprintf(stderr, "flowgate profile: %s\n", err);
            rc = FG_EXIT_ERROR;
            continue;
        }
        char *j = fg_profile_info_json(p);
        if (json) {
            /* Built with jansson: a file name may hold quotes, backslashes, any bytes. */
            json_t *o = json_object();
            json_t *name = json_string(argv[i]);
            json_object_set_new(o, "path", name ? name : json_null());
            json_object_set_new(o, "info", j ? json_loads(j, 0, NULL) : json_null());
            char *line = json_dumps(o, JSON_COMPACT);
            printf("%s\n", line ? line : "null");
            free(line);
            json_decref(o);
        } else {
            printf("%s: %s\n", argv[i], j ? j : "?");
        }
        free(j);
        fg_profile_free(p);
    }
    return rc;
}

static int merge(int argc, char **argv)
{
    const char *out = NULL;
    fg_profile *total = NULL;
    int rc = FG_EXIT_ERROR;
    char err[512];
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            out = argv[++i];
            continue;
        }
        fg_profile *p = NULL;
        if (fg_profile_load(argv[i], &p, err, sizeof err)) {
            fprintf(stderr, "flowgate profile: %s\n", err);
            goto done;
        }
        if (!total) {
            total = p;
            continue;
        }
        int m = fg_profile_merge(total, p);
        if (m)
            fprintf(stderr, "flowgate profile: %s: %s\n", argv[i],
                    m == FG_EINVAL ? "learnt for another handler" : fg_strerror(m));
        fg_profile_free(p);
        if (m)
            goto done;
    }
    if (!out || !total) {
        fprintf(stderr, "flowgate profile merge: -o OUT and at least one profile are needed\n");
        goto done;
    }
    if (fg_profile_save(total, out, err, sizeof err)) {
        fprintf(stderr, "flowgate profile: %s\n", err);
        goto done;
    }
    rc = FG_EXIT_CLEAN;
done:
    fg_profile_free(total);
    return rc;
}

int cmd_profile(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        profile_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? FG_EXIT_ERROR : FG_EXIT_CLEAN;
    }
    if (!strcmp(argv[1], "info"))
        return info(argc - 2, argv + 2);
    if (!strcmp(argv[1], "merge"))
        return merge(argc - 2, argv + 2);
    profile_usage(stderr);
    return FG_EXIT_ERROR;
}
