/*
 * cmd_netlog.c - `flowgate netlog`: options, the logs read one after another into one
 * fg_netlog, and the ranking printed as a table with its evidence (or one JSON object per
 * host).  The analysis itself is in src/ir/netlog*.c.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "flowgate/netlog.h"

static void netlog_usage(FILE *f)
{
    fprintf(f,
"Usage: flowgate netlog [OPTIONS] LOG...\n"
"\n"
"Reads firewall and flow logs and ranks the internal hosts by how much their traffic looks\n"
"like an infected machine's: mass mail (direct SMTP to many mail servers), beaconing\n"
"(regular intervals and sizes to one destination), exfiltration (outbound volume far above\n"
"the host's own and its peers', long connections, uploads at quiet hours) and internal\n"
"scanning (many internal hosts or ports, mostly refused).  Servers whose role explains\n"
"their traffic (mail relay, proxy, backup, monitoring) are learnt from the data or named\n"
"with --roles; their explained findings stay informational.\n"
"\n"
"Formats, detected per file: netfilter LOG lines in syslog, Zeek conn.log (TSV with its\n"
"header, or JSON lines), and flowgate CSV (docs/formats/netlog-csv.md).  LOG '-' is\n"
"standard input.  Logs are read as streams: memory does not grow with their length.\n"
"\n"
"Options:\n"
"      --json              one JSON object per host, highest score first\n"
"      --top N             show the N highest-ranked hosts (default 20, 0: all)\n"
"      --roles FILE        server roles, one 'ADDRESS ROLE' per line (mail-relay, proxy,\n"
"                          backup, monitoring, scanner)\n"
"      --internal CIDR     an internal network besides RFC 1918 (repeatable)\n"
"      --year YYYY         year of syslog timestamps without one (default: from the\n"
"                          file's modification time)\n"
"      --format FMT        auto, netfilter, zeek, zeek-json or csv (default auto)\n"
"      --no-progress       no progress line on a terminal\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 no host has a finding above low; 1 a host has a medium or higher finding;\n"
"2 error (a log could not be read or its format was not recognised).  See flowgate-netlog(1).\n");
}

struct nopts {
    int json, progress;
    unsigned top;
};

struct prog {
    double last;
};

static void on_progress(void *arg, const char *path, uint64_t done, uint64_t total)
{
    struct prog *p = arg;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    if (t - p->last < 0.2 && done != total)
        return;
    p->last = t;
    if (total)
        fprintf(stderr, "\r\033[Kflowgate netlog: %s %llu/%llu MB", path,
                (unsigned long long)(done >> 20), (unsigned long long)(total >> 20));
    else
        fprintf(stderr, "\r\033[Kflowgate netlog: %s %llu MB", path,
                (unsigned long long)(done >> 20));
    if (done == total)
        fprintf(stderr, "\r\033[K");
    fflush(stderr);
}

static void print_table(const fg_netlog *n, size_t shown)
{
    printf("%4s  %-15s  %5s  %-8s  %-11s  %s\n", "RANK", "HOST", "SCORE", "SEVERITY", "ROLE",
           "FINDINGS");
    for (size_t i = 0; i < shown; i++) {
        const struct fg_netlog_host *h = fg_netlog_host(n, i);
        printf("%4zu  %-15s  %5u  %-8s  %-11s  ", i + 1, h->host, h->score,
               fg_severity_name(h->severity), h->role[0] ? h->role : "-");
        int any = 0;
        for (size_t k = 0; k < h->nfindings; k++) {
            if (h->findings[k].severity < FG_SEV_LOW)
                continue;
            printf("%s%s (%s)", any ? ", " : "", h->findings[k].id,
                   fg_severity_name(h->findings[k].severity));
            any = 1;
        }
        printf("%s\n", any ? "" : "-");
    }
    if (shown < fg_netlog_host_count(n))
        printf("(%zu more hosts below; --top 0 shows all)\n", fg_netlog_host_count(n) - shown);
    printf("\nEvidence\n");
    for (size_t i = 0; i < shown; i++) {
        const struct fg_netlog_host *h = fg_netlog_host(n, i);
        if (!h->nfindings)
            continue;
        printf("\n%s  score %u%s%s\n", h->host, h->score, h->role[0] ? "  role " : "", h->role);
        for (size_t k = 0; k < h->nfindings; k++) {
            const struct fg_finding *f = &h->findings[k];
            printf("  %-8s %s: %s\n", fg_severity_name(f->severity), f->id, f->message);
            if (f->evidence[0])
                printf("           %s\n", f->evidence);
        }
    }
}

static void print_summary(const fg_netlog *n)
{
    struct fg_netlog_stats s;
    fg_netlog_stats(n, &s);
    fprintf(stderr,
            "flowgate netlog: %llu file%s, %llu lines, %llu records, %llu hosts, %llu external "
            "pairs", (unsigned long long)s.files, s.files == 1 ? "" : "s",
            (unsigned long long)s.lines, (unsigned long long)s.records,
            (unsigned long long)s.hosts, (unsigned long long)s.pairs);
    if (s.skipped)
        fprintf(stderr, "; %llu lines skipped (%llu too long, %llu binary, %llu malformed, "
                "%llu IPv6)", (unsigned long long)s.skipped, (unsigned long long)s.skip_long,
                (unsigned long long)s.skip_binary, (unsigned long long)s.skip_fields,
                (unsigned long long)s.skip_ipv6);
    fprintf(stderr, "\n");
    if (s.over_cap_hosts || s.over_cap_pairs || s.over_cap_beacons)
        fprintf(stderr, "flowgate netlog: caps reached: %llu records of untracked hosts, "
                "%llu of untracked pairs, %llu pairs not sampled for beaconing\n",
                (unsigned long long)s.over_cap_hosts, (unsigned long long)s.over_cap_pairs,
                (unsigned long long)s.over_cap_beacons);
}

enum { O_JSON = 256, O_TOP, O_ROLES, O_INTERNAL, O_YEAR, O_FORMAT, O_NO_PROGRESS };

static const struct option longopts[] = {
    {"json", no_argument, NULL, O_JSON},
    {"top", required_argument, NULL, O_TOP},
    {"roles", required_argument, NULL, O_ROLES},
    {"internal", required_argument, NULL, O_INTERNAL},
    {"year", required_argument, NULL, O_YEAR},
    {"format", required_argument, NULL, O_FORMAT},
    {"no-progress", no_argument, NULL, O_NO_PROGRESS},
    {"progress", no_argument, NULL, 'P'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Options into o and the handle; returns -1 to go on, else the exit status. */
static int parse_opts(int argc, char **argv, struct nopts *o, fg_netlog *n, int *fmt)
{
    int c;
    unsigned v;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': netlog_usage(stdout); return 0;
        case O_JSON: o->json = 1; break;
        case O_NO_PROGRESS: o->progress = 0; break;
        case 'P': o->progress = 1; break;
        case O_TOP:
            if (cli_parse_uint(optarg, &o->top)) {
                fprintf(stderr, "flowgate netlog: bad --top '%s'\n", optarg);
                return FG_EXIT_ERROR;
            }
            break;
        case O_YEAR:
            if (cli_parse_uint(optarg, &v) || v < 1970 || v > 9999) {
                fprintf(stderr, "flowgate netlog: bad --year '%s'\n", optarg);
                return FG_EXIT_ERROR;
            }
            fg_netlog_set_year(n, (int)v);
            break;
        case O_FORMAT:
            if ((*fmt = fg_netlog_format_parse(optarg)) < 0) {
                fprintf(stderr, "flowgate netlog: unknown --format '%s'\n", optarg);
                return FG_EXIT_ERROR;
            }
            break;
        case O_INTERNAL:
            if (fg_netlog_add_internal(n, optarg)) {
                fprintf(stderr, "flowgate netlog: %s\n", fg_netlog_error(n));
                return FG_EXIT_ERROR;
            }
            break;
        case O_ROLES:
            if (fg_netlog_load_roles(n, optarg)) {
                fprintf(stderr, "flowgate netlog: %s\n", fg_netlog_error(n));
                return FG_EXIT_ERROR;
            }
            break;
        default: netlog_usage(stderr); return FG_EXIT_ERROR;
        }
    }
    if (optind >= argc) {
        netlog_usage(stderr);
        return FG_EXIT_ERROR;
    }
    return -1;
}

int cmd_netlog(int argc, char **argv)
{
    struct nopts o = {.progress = 1, .top = 20};
    struct prog pg = {0};
    fg_netlog *n = NULL;
    int fmt = FG_NETLOG_AUTO, rc = fg_netlog_new(&n);
    if (rc) {
        fprintf(stderr, "flowgate netlog: %s\n", fg_strerror(rc));
        return FG_EXIT_ERROR;
    }
    int status = parse_opts(argc, argv, &o, n, &fmt), errors = 0;
    if (status >= 0)
        goto out;
    if (o.progress && isatty(2))
        fg_netlog_set_progress(n, on_progress, &pg);
    for (int i = optind; i < argc; i++) {
        if (fg_netlog_read_file(n, argv[i], (enum fg_netlog_format)fmt)) {
            fprintf(stderr, "flowgate netlog: %s\n", fg_netlog_error(n));
            errors++;
        }
    }
    if ((rc = fg_netlog_score(n))) {
        fprintf(stderr, "flowgate netlog: %s\n", fg_netlog_error(n));
        status = FG_EXIT_ERROR;
        goto out;
    }
    print_summary(n);
    size_t total = fg_netlog_host_count(n), shown = o.top && o.top < total ? o.top : total;
    int detected = 0;
    for (size_t i = 0; i < total; i++)
        detected |= fg_netlog_host(n, i)->severity >= FG_SEV_MEDIUM;
    if (o.json) {
        for (size_t i = 0; i < shown; i++) {
            char *j = fg_netlog_host_json(n, i);
            if (j)
                printf("%s\n", j);
            free(j);
        }
    } else {
        print_table(n, shown);
    }
    status = errors ? FG_EXIT_ERROR : detected ? FG_EXIT_DETECTED : FG_EXIT_CLEAN;
out:
    fflush(stdout);
    fg_netlog_free(n);
    return status;
}
