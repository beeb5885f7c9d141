/*
 * cmd_sweep.c - `flowgate sweep`: triages many hosts at once (one triage per worker thread,
 * the engines shared), then reports the indicators they share and the hunted ones (--ioc).
 * Correlation is in src/ir/sweep.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/limits.h" /* the one place caps live, also for the commands */
#include "cli.h"
#include "tri_cli.h"

static void sweep_usage(FILE *f)
{
    fprintf(f,
"Usage: flowgate sweep [OPTIONS] ROOT...\n"
"\n"
"Triage many hosts (directories or disk images, several at once) and correlate them: the\n"
"same file hash, the same autostart command, the same suspicious name or the same YARA hit\n"
"on more than one host, each with the hosts that share it, so one infection found leads to\n"
"the others even where the program was renamed.\n"
"\n"
"Options:\n"
"      --ioc FILE          hunt indicators, one per line: 'sha256 HEX', 'name PATTERN'\n"
"                          (fnmatch, case-insensitive), 'yara FILE', 'ip ADDRESS',\n"
"                          'domain NAME'; a bare value is typed by its form; # comments\n"
"  -r, --rules PATH        add YARA rules (repeatable)\n"
"      --no-builtin-rules  do not load the rules shipped inside flowgate\n"
"      --json              one JSON object per indicator, one per line\n"
"      --findings          also print every host's own triage findings (medium and worse)\n"
"      --html FILE         also write a self-contained HTML report of every host's findings\n"
"  -j, --jobs N            hosts triaged at once (default: number of CPUs)\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 1 if any indicator is shared or hunted or any finding is medium or worse,\n"
"else 3 if part of the evidence could not be read, else 2 on errors, else 0.\n"
"See flowgate-sweep(1).\n");
}

struct ioc {
    enum fg_ioc_type type;
    char *value;
};

struct sweep {
    fg_engine *scan, *cap;
    struct ioc *iocs;
    size_t niocs;
    char **roots;
    fg_triage **t;
    int *failed;
    size_t n, next;
    pthread_mutex_t lock;
};

static int is_hex64(const char *s)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return i == 64;
}

/* One --ioc line: "type value" or a bare value; yara files go to the rules. */
static int ioc_line(char *l, struct sweep *s, char ***yara, size_t *nyara)
{
    while (isspace((unsigned char)*l))
        l++;
    size_t e = strlen(l);
    while (e && isspace((unsigned char)l[e - 1]))
        l[--e] = 0;
    if (!*l || *l == '#')
        return 0;
    char *v = l, *sp = strpbrk(l, " \t");
    const char *type = NULL;
    if (sp) {
        *sp = 0;
        type = l;
        v = sp + 1;
        while (isspace((unsigned char)*v))
            v++;
    }
    unsigned char a4[16];
    if (!type)
        type = is_hex64(v) ? "sha256" : inet_pton(AF_INET, v, a4) == 1 || inet_pton(AF_INET6, v, a4) == 1 ? "ip"
             : (strstr(v, ".yar") ? "yara" : strpbrk(v, "*?[") ? "name" : "domain");
    if (!strcmp(type, "yara")) {
        char **ny = realloc(*yara, (*nyara + 1) * sizeof(char *));
        if (!ny || !(ny[*nyara] = strdup(v)))
            return -1;
        *yara = ny;
        (*nyara)++;
        return 0;
    }
    enum fg_ioc_type t;
    if (!strcmp(type, "sha256") && is_hex64(v))
        t = FG_IOC_SHA256;
    else if (!strcmp(type, "name"))
        t = FG_IOC_NAME;
    else if (!strcmp(type, "ip"))
        t = FG_IOC_IP;
    else if (!strcmp(type, "domain"))
        t = FG_IOC_DOMAIN;
    else
        return -2;
    struct ioc *ni = realloc(s->iocs, (s->niocs + 1) * sizeof(*ni));
    if (!ni)
        return -1;
    s->iocs = ni;
    if (!(ni[s->niocs].value = strdup(v)))
        return -1;
    ni[s->niocs++].type = t;
    return 0;
}

static int read_iocs(const char *path, struct sweep *s, char ***yara, size_t *nyara)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[4096];
    unsigned no = 0;
    long total = 0;
    int rc = 0;
    while (!rc && fgets(line, sizeof(line), f)) {
        no++;
        total += (long)strlen(line);
        if (total > (long)FG_CAP_TRI_IOC_FILE) {
            fprintf(stderr, "flowgate sweep: %s: larger than %u MiB\n", path, FG_CAP_TRI_IOC_FILE >> 20);
            rc = -1;
        } else if ((rc = ioc_line(line, s, yara, nyara)) == -2) {
            fprintf(stderr, "flowgate sweep: %s:%u: unknown indicator type\n", path, no);
        }
    }
    fclose(f);
    return rc;
}

static void *worker(void *arg)
{
    struct sweep *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        size_t i = s->next < s->n ? s->next++ : s->n;
        pthread_mutex_unlock(&s->lock);
        if (i >= s->n)
            break;
        fg_triage *t = NULL;
        if (fg_triage_new(s->scan, s->cap, &t)) {
            s->failed[i] = 1;
            continue;
        }
        for (size_t k = 0; k < s->niocs; k++)
            fg_triage_add_ioc(t, s->iocs[k].type, s->iocs[k].value);
        int rc = fg_triage_run(t, s->roots[i]);
        if (rc) {
            pthread_mutex_lock(&s->lock);
            fprintf(stderr, "flowgate sweep: %s\n", fg_triage_error(t)[0] ? fg_triage_error(t) : fg_strerror(rc));
            pthread_mutex_unlock(&s->lock);
            s->failed[i] = 1;
        }
        s->t[i] = t;
    }
    return NULL;
}

static void print_text(const fg_sweep *sw)
{
    if (!fg_sweep_count(sw))
        printf("No indicator is shared by two hosts, and no hunted indicator was found.\n");
    for (size_t i = 0; i < fg_sweep_count(sw); i++) {
        const struct fg_sweep_indicator *d = fg_sweep_get(sw, i);
        printf("%s %s: %s (%zu host%s)\n", d->hunted ? "hunted" : "shared", d->type, d->value,
               d->nhosts, d->nhosts == 1 ? "" : "s");
        for (size_t j = 0; j < d->nhits; j++)
            printf("    %s: %s\n", d->hits[j].host, d->hits[j].path);
    }
}

enum { O_JSON = 1000, O_IOC, O_HTML, O_NO_BUILTIN, O_FINDINGS };

static const struct option longopts[] = {
    {"ioc", required_argument, NULL, O_IOC},       {"rules", required_argument, NULL, 'r'},
    {"no-builtin-rules", no_argument, NULL, O_NO_BUILTIN},
    {"json", no_argument, NULL, O_JSON},           {"html", required_argument, NULL, O_HTML},
    {"findings", no_argument, NULL, O_FINDINGS},   {"jobs", required_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},              {NULL, 0, NULL, 0},
};

static int run_pool(struct sweep *s, unsigned jobs)
{
    if (jobs > s->n)
        jobs = (unsigned)s->n;
    pthread_t th[256];
    unsigned started = 0;
    for (unsigned i = 0; i < jobs && i < 256; i++)
        if (!pthread_create(&th[started], NULL, worker, s))
            started++;
    if (!started)
        worker(s);
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    return 0;
}

/* hunt_yara: YARA files came with --ioc, so a hit on one host is already worth reporting. */
static int report(struct sweep *s, int json, int findings, const char *html, int hunt_yara)
{
    fg_sweep *sw = NULL;
    int rc = FG_EXIT_ERROR;
    if (fg_sweep_correlate(s->t, s->n, hunt_yara, &sw))
        return FG_EXIT_ERROR;
    int detected = fg_sweep_count(sw) > 0, unreadable = 0, errors = 0;
    for (size_t i = 0; i < s->n; i++) {
        errors |= s->failed[i];
        for (size_t k = 0; s->t[i] && k < fg_triage_count(s->t[i]); k++) {
            const struct fg_tri_finding *f = fg_triage_get(s->t[i], k);
            detected |= f->severity >= FG_SEV_MEDIUM;
            unreadable |= f->unreadable;
            if (findings && f->severity >= FG_SEV_MEDIUM && !json)
                printf("%s: %-8s %-26s %s\n", f->host, fg_severity_name(f->severity), f->id, f->path);
        }
    }
    if (json) {
        for (size_t i = 0; i < fg_sweep_count(sw); i++) {
            char *j = fg_sweep_indicator_json(fg_sweep_get(sw, i));
            if (j)
                puts(j);
            free(j);
        }
    } else {
        if (findings)
            putchar('\n');
        print_text(sw);
    }
    if (html && tri_cli_html(html, "flowgate sweep", s->t, s->n)) {
        perror(html);
        goto out;
    }
    rc = detected ? FG_EXIT_DETECTED : unreadable ? FG_EXIT_UNSCANNABLE
       : errors ? FG_EXIT_ERROR : FG_EXIT_CLEAN;
out:
    fg_sweep_free(sw);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    struct sweep s = {0};
    char **rules = calloc((size_t)argc + 1, sizeof(char *)), **yara = NULL;
    size_t nrules = 0, nyara = 0;
    int json = 0, findings = 0, builtin = 1, rc = FG_EXIT_ERROR, c;
    const char *html = NULL;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned jobs = ncpu > 0 ? (unsigned)ncpu : 1;
    pthread_mutex_init(&s.lock, NULL);
    if (!rules)
        goto out;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': sweep_usage(stdout); rc = 0; goto out;
        case 'r': rules[nrules++] = optarg; break;
        case O_NO_BUILTIN: builtin = 0; break;
        case O_JSON: json = 1; break;
        case O_FINDINGS: findings = 1; break;
        case O_HTML: html = optarg; break;
        case O_IOC:
            if (read_iocs(optarg, &s, &yara, &nyara))
                goto out;
            break;
        case 'j':
            if (cli_parse_uint(optarg, &jobs) || !jobs || jobs > 256) {
                fprintf(stderr, "flowgate sweep: invalid value for --jobs: '%s'\n", optarg);
                goto out;
            }
            break;
        default: fprintf(stderr, "Try 'flowgate sweep --help'.\n"); goto out;
        }
    }
    if (optind >= argc || argc - optind > FG_CAP_TRI_HOSTS) {
        fprintf(stderr, "flowgate sweep: give 1 to %d ROOTs\nTry 'flowgate sweep --help'.\n", FG_CAP_TRI_HOSTS);
        goto out;
    }
    char **all = calloc(nrules + nyara + 1, sizeof(char *));
    if (!all)
        goto out;
    memcpy(all, rules, nrules * sizeof(char *));
    if (nyara)
        memcpy(all + nrules, yara, nyara * sizeof(char *));
    int bad = tri_cli_engines("sweep", builtin, all, nrules + nyara, &s.scan, &s.cap);
    free(all);
    if (bad)
        goto out;
    s.roots = argv + optind;
    s.n = (size_t)(argc - optind);
    s.t = calloc(s.n, sizeof(*s.t));
    s.failed = calloc(s.n, sizeof(int));
    if (!s.t || !s.failed)
        goto out;
    run_pool(&s, jobs);
    rc = report(&s, json, findings, html, nyara > 0);
out:
    for (size_t i = 0; i < s.n && s.t; i++)
        fg_triage_free(s.t[i]);
    free(s.t);
    free(s.failed);
    for (size_t i = 0; i < s.niocs; i++)
        free(s.iocs[i].value);
    free(s.iocs);
    for (size_t i = 0; i < nyara; i++)
        free(yara[i]);
    free(yara);
    free(rules);
    fg_engine_free(s.scan);
    fg_engine_free(s.cap);
    pthread_mutex_destroy(&s.lock);
    return rc;
}
