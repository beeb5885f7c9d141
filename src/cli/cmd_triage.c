/*
 * cmd_triage.c - `flowgate triage`: options, the two engines, and the report (text, JSON
 * Lines, a self-contained HTML page, a TSK body file).  The checks are in src/ir/.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tri_cli.h"

static void triage_usage(FILE *f)
{
    fprintf(f,
"Usage: flowgate triage [OPTIONS] ROOT...\n"
"\n"
"Triage a host from its evidence.  ROOT is a mounted file system, a directory copy of one,\n"
"or a disk image (raw or E01, read through libtsk; never mounted, never written).  Linux\n"
"and Windows are told apart by their files.  Reported: autostart entries (systemd, cron,\n"
"at, init scripts, shell start-up files, XDG autostart, ld.so.preload, SSH keys, udev,\n"
"modules; Run keys, services, Winlogon, IFEO, AppInit_DLLs, Startup folders, scheduled\n"
"tasks, WMI consumers) with the program each runs; system names outside their home and\n"
"look-alikes; double extensions and right-to-left overrides; programs in temp, AppData,\n"
"ProgramData, the recycle bin and /dev/shm; split archives and archivers (exfiltration\n"
"staging).  Programs in unusual places are hashed, matched against YARA rules and analysed\n"
"for capabilities.\n"
"\n"
"Options:\n"
"  -r, --rules PATH        add YARA rules: a .yar file or a directory of them (repeatable)\n"
"      --no-builtin-rules  do not load the rules shipped inside flowgate\n"
"      --json              one JSON object per finding, one per line (all severities)\n"
"      --html FILE         also write a self-contained HTML report to FILE\n"
"      --bodyfile FILE     write a timeline of every file in The Sleuth Kit's body format\n"
"                          (for mactime, Plaso, Timesketch)\n"
"  -a, --all               text output: also list info findings (every autostart entry)\n"
"      --progress          progress on standard error (default when it is a terminal)\n"
"      --no-progress       no progress output\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 1 if any finding is medium or worse, else 3 if part of the evidence could\n"
"not be read, else 2 on errors (a ROOT that cannot be opened, bad usage), else 0.\n"
"See flowgate-triage(1).\n");
}

enum { O_JSON = 1000, O_HTML, O_BODY, O_NO_BUILTIN, O_PROGRESS, O_NO_PROGRESS };

static const struct option longopts[] = {
    {"rules", required_argument, NULL, 'r'},
    {"no-builtin-rules", no_argument, NULL, O_NO_BUILTIN},
    {"json", no_argument, NULL, O_JSON},
    {"html", required_argument, NULL, O_HTML},
    {"bodyfile", required_argument, NULL, O_BODY},
    {"all", no_argument, NULL, 'a'},
    {"progress", no_argument, NULL, O_PROGRESS},
    {"no-progress", no_argument, NULL, O_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int tri_cli_engines(const char *cmd, int builtin, char **rules, size_t nrules,
                    fg_engine **scan, fg_engine **cap)
{
    *scan = *cap = NULL;
    if (fg_engine_new(scan) || fg_engine_new(cap)) {
        fprintf(stderr, "flowgate %s: cannot initialise the engine\n", cmd);
        return -1;
    }
    fg_engine *e = *scan;
    int rc = builtin ? fg_engine_add_builtin_rules(e) : 0;
    for (size_t i = 0; !rc && i < nrules; i++)
        rc = fg_engine_add_rules_path(e, rules[i]);
    if (!rc)
        rc = fg_engine_compile(e);
    if (!rc) {
        e = *cap;
        rc = fg_engine_add_capability_rules(e);
        if (!rc)
            rc = fg_engine_compile(e);
    }
    if (rc) {
        fprintf(stderr, "flowgate %s: %s\n", cmd, fg_engine_error(e)[0] ? fg_engine_error(e) : fg_strerror(rc));
        return -1;
    }
    return 0;
}

static void body_out(void *arg, const struct fg_tri_body *b)
{
    char line[8192];
    int n = fg_tri_body_format(b, line, sizeof(line));
    if (n > 0 && (size_t)n < sizeof(line))
        fprintf(arg, "%s\n", line);
}

static void progress(void *arg, const char *host, uint64_t files)
{
    (void)arg;
    fprintf(stderr, "\rflowgate triage: %s: %llu files", host, (unsigned long long)files);
}

static int by_severity(const void *a, const void *b)
{
    const struct fg_tri_finding *x = *(const struct fg_tri_finding *const *)a;
    const struct fg_tri_finding *y = *(const struct fg_tri_finding *const *)b;
    if (x->severity != y->severity)
        return (int)y->severity - (int)x->severity;
    return strcmp(x->path, y->path);
}

static void print_text(fg_triage *t, size_t from, size_t to, int all)
{
    size_t n = to - from, shown = 0;
    const struct fg_tri_finding **v = calloc(n ? n : 1, sizeof(*v));
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = fg_triage_get(t, from + i);
    qsort(v, n, sizeof(*v), by_severity);
    unsigned counts[5] = {0};
    for (size_t i = 0; i < n; i++) {
        counts[v[i]->severity]++;
        if (v[i]->severity == FG_SEV_INFO && !all && strcmp(v[i]->id, "tri.host.os"))
            continue;
        if (!shown++)
            printf("%s:\n", v[i]->host);
        printf("  %-8s %-26s %s\n           %s\n", fg_severity_name(v[i]->severity), v[i]->id,
               v[i]->path, v[i]->message);
        if (v[i]->evidence[0])
            printf("           evidence: %s\n", v[i]->evidence);
    }
    printf("  %u critical, %u high, %u medium, %u low, %u info%s\n", counts[4], counts[3],
           counts[2], counts[1], counts[0], all || !counts[0] ? "" : " (--all lists info)");
    free(v);
}

struct tri_opts {
    int json, all, progress, builtin;
    const char *html, *body;
};

static int parse(int argc, char **argv, struct tri_opts *o, char **rules, size_t *nrules)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:ah", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': triage_usage(stdout); return 0;
        case 'r': rules[(*nrules)++] = optarg; break;
        case 'a': o->all = 1; break;
        case O_NO_BUILTIN: o->builtin = 0; break;
        case O_JSON: o->json = 1; break;
        case O_HTML: o->html = optarg; break;
        case O_BODY: o->body = optarg; break;
        case O_PROGRESS: o->progress = 1; break;
        case O_NO_PROGRESS: o->progress = 0; break;
        default: fprintf(stderr, "Try 'flowgate triage --help'.\n"); return FG_EXIT_ERROR;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "flowgate triage: no ROOT given\nTry 'flowgate triage --help'.\n");
        return FG_EXIT_ERROR;
    }
    return -1;
}

int cmd_triage(int argc, char **argv)
{
    struct tri_opts o = {.builtin = 1, .progress = -1};
    char **rules = calloc((size_t)argc + 1, sizeof(char *));
    size_t nrules = 0;
    fg_engine *scan = NULL, *cap = NULL;
    fg_triage *t = NULL;
    FILE *body = NULL;
    int *failed = calloc((size_t)argc + 1, sizeof(int));
    int rc = FG_EXIT_ERROR, errors = 0;
    if (!rules || !failed)
        goto out;
    if ((rc = parse(argc, argv, &o, rules, &nrules)) >= 0)
        goto out;
    rc = FG_EXIT_ERROR;
    if (o.progress < 0)
        o.progress = isatty(2);
    if (tri_cli_engines("triage", o.builtin, rules, nrules, &scan, &cap) ||
        fg_triage_new(scan, cap, &t))
        goto out;
    if (o.body && !(body = fopen(o.body, "w"))) {
        perror(o.body);
        goto out;
    }
    if (body)
        fg_triage_set_bodyfile(t, body_out, body);
    if (o.progress)
        fg_triage_set_progress(t, progress, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = optind; i < argc; i++) {
        size_t before = fg_triage_count(t);
        int r = fg_triage_run(t, argv[i]);
        if (o.progress)
            fputc('\n', stderr);
        if (r) {
            fprintf(stderr, "flowgate triage: %s\n", fg_triage_error(t)[0] ? fg_triage_error(t) : fg_strerror(r));
            failed[i - optind] = 1;
            errors++;
            continue;
        }
        size_t after = fg_triage_count(t);
        if (o.json) {
            for (size_t k = before; k < after; k++) {
                char *j = fg_tri_finding_json(fg_triage_get(t, k));
                if (j)
                    puts(j);
                free(j);
            }
        } else {
            print_text(t, before, after, o.all);
        }
        fflush(stdout);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (!o.json)
        printf("\n%d root(s), %llu files in %.2f s\n", argc - optind,
               (unsigned long long)fg_triage_files(t), secs);
    if (o.html && tri_cli_html(o.html, "flowgate triage", &t, 1)) {
        perror(o.html);
        goto out;
    }
    int detected = 0, unreadable = 0;
    for (size_t k = 0; k < fg_triage_count(t); k++) {
        const struct fg_tri_finding *f = fg_triage_get(t, k);
        detected |= f->severity >= FG_SEV_MEDIUM;
        unreadable |= f->unreadable;
    }
    rc = detected ? FG_EXIT_DETECTED : unreadable ? FG_EXIT_UNSCANNABLE
       : errors ? FG_EXIT_ERROR : FG_EXIT_CLEAN;
out:
    if (body && fclose(body)) {
        perror(o.body);
        rc = FG_EXIT_ERROR;
    }
    fg_triage_free(t);
    fg_engine_free(scan);
    fg_engine_free(cap);
    free(rules);
    free(failed);
    return rc;
}
