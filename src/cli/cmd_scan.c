/*
 * cmd_scan.c - `flowgate scan`: options, the worker pool, and the report.
 *
 * Workers take inputs from a shared index and print each result as one complete block
 * (text) or line (JSON) under a lock, so output from parallel workers never interleaves.
 * Inputs whose encrypted archives may open with a password from a mail scanned later are
 * held back and scanned again once every other input is done.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "scan_dynamic.h"
#include "flowgate/flowgate.h"

static void scan_usage(FILE *f)
{
    struct fg_limits d;
    fg_limits_default(&d);
    fprintf(f,
"Usage: flowgate scan [OPTIONS] PATH...\n"
"\n"
"Scans files, directories (recursively) and '-' (standard input).  Mail, mbox files,\n"
"archives, compressed streams, OLE2 and OOXML documents, PDF, RTF and more are unpacked\n"
"recursively; every object is matched against the YARA rules.  Each input gets a\n"
"verdict: clean, suspicious, malicious, unscannable (encrypted or over a limit) or error.\n"
"\n"
"Signatures and lists:\n"
"  -r, --rules PATH        add YARA rules: a .yar file or a directory of them (repeatable)\n"
"      --no-builtin-rules  do not load the rules shipped inside flowgate\n"
"      --deny FILE         SHA-256 hashes (one per line) to report as malicious\n"
"      --allow FILE        SHA-256 hashes of objects known good; not examined further\n"
"\n"
"Passwords for encrypted archives (tried before those found in the carrying mail):\n"
"  -p, --password P        a password to try (repeatable)\n"
"      --passwords FILE    a file of passwords, one per line\n"
"\n"
"Limits (a limit that is hit makes the input unscannable, never clean):\n"
"      --max-depth N       container nesting depth (default %u)\n"
"      --max-size SIZE     size of one object, e.g. 100M (default %lluM)\n"
"      --max-total SIZE    bytes unpacked from one input (default %lluM)\n"
"      --max-objects N     objects in one input (default %u)\n"
"      --max-ratio N       expansion ratio of a member over its container (default %u)\n"
"      --timeout SECONDS   wall-clock time per input (default %u)\n"
"      --max-passwords N   password candidates tried per archive (default %u)\n"
"\n"
"Dynamic analysis (execution-flow whitelisting, see flowgate-detonate(1)):\n"
"      --dynamic           open each object whose type has a handler and a learnt profile\n"
"                          with that handler in the sandbox; deviations from the profile\n"
"                          join the object's findings\n"
"      --profiles DIR      where the profiles are: DIR/<handler>.prof, e.g. DIR/pdf.prof\n"
"                          (from flowgate learn; default /var/lib/flowgate/profiles)\n"
"      --handlers FILE     a handlers file that adds or overrides handlers\n"
"      --dynamic-timeout SECONDS  wall-clock limit of one detonation (default 30)\n"
"\n"
"Output:\n"
"      --json              one JSON object per input, one per line (see flowgate-scan(1))\n"
"  -q, --quiet             print only inputs that are not clean\n"
"  -a, --all-objects       text output: list every object, not only those with findings\n"
"  -j, --jobs N            parallel workers (default: number of CPUs)\n"
"      --progress          progress on standard error (default when it is a terminal)\n"
"      --no-progress       no progress output\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 1 if any input is suspicious or malicious, else 3 if any is unscannable,\n"
"else 2 if any could not be read (or on a usage error), else 0.\n",
            d.max_depth, (unsigned long long)(d.max_object_size >> 20),
            (unsigned long long)(d.max_total_size >> 20), d.max_objects, d.max_ratio,
            d.max_seconds, d.max_passwords);
}

struct opts {
    int json, quiet, all_objects, progress, builtin;
    unsigned jobs;
    const char *profiles, *handlers; /* --dynamic */
    unsigned dyn_timeout;
    struct scan_dynamic dyn;
};

struct input {
    char *path;
    uint8_t *stdin_data; /* '-' is read once and kept for a rescan */
    size_t stdin_len;
    uint64_t stdin_oversize; /* bytes read from '-' when it exceeded --max-size */
    fg_result *res;
};

struct pool {
    fg_engine *eng;
    const struct opts *o;
    struct input *in;
    size_t n, next, done;
    pthread_mutex_t lock;
    unsigned counts[5];
    size_t objects;
    int failed; /* a worker could not start */
};

static void print_text(const struct opts *o, const fg_result *r)
{
    enum fg_verdict v = fg_result_verdict(r);
    if (o->quiet && v == FG_VERDICT_CLEAN)
        return;
    if (v == FG_VERDICT_ERROR) {
        printf("%s: error: %s\n", fg_result_path(r), fg_result_error(r));
        return;
    }
    printf("%s: %s (score %u)\n", fg_result_path(r), fg_verdict_name(v), fg_result_score(r));
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *oi = fg_result_object(r, i);
        if (!oi->nfindings && !o->all_objects)
            continue;
        printf("  %s [%s, %llu bytes]\n", oi->path, oi->type, (unsigned long long)oi->size);
        for (size_t j = 0; j < oi->nfindings; j++) {
            const struct fg_finding *f = &oi->findings[j];
            printf("    %-8s %s: %s\n", fg_severity_name(f->severity), f->id, f->message);
            if (f->evidence[0])
                printf("             evidence: %s\n", f->evidence);
        }
    }
}

static void report(struct pool *p, const fg_result *r)
{
    if (p->o->json) {
        char *j = fg_result_json(r);
        if (j) {
            puts(j);
            free(j);
        }
    } else {
        print_text(p->o, r);
    }
    fflush(stdout);
    p->counts[fg_result_verdict(r)]++;
    p->objects += fg_result_object_count(r);
}

static void progress(struct pool *p)
{
    if (p->o->progress)
        fprintf(stderr, "\rflowgate: %zu/%zu inputs scanned", p->done, p->n);
}

static int scan_input(fg_scanner *sc, struct input *in, fg_result **res)
{
    if (in->stdin_oversize)
        return fg_result_oversize("-", in->stdin_oversize, res);
    if (in->stdin_data || !strcmp(in->path, "-"))
        return fg_scan_mem(sc, "-", in->stdin_data, in->stdin_len, res);
    return fg_scan_file(sc, in->path, res);
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    fg_scanner *sc = NULL;
    if (fg_scanner_new(p->eng, &sc)) {
        pthread_mutex_lock(&p->lock);
        p->failed = 1;
        pthread_mutex_unlock(&p->lock);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next < p->n ? p->next++ : p->n;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->n)
            break;
        struct input *in = &p->in[i];
        fg_result *r = NULL;
        struct dyn_collect dc;
        if (p->o->profiles)
            scan_dynamic_attach(sc, &dc, &p->o->dyn);
        int rc = scan_input(sc, in, &r);
        if (p->o->profiles) {
            scan_dynamic_run(&dc, rc ? NULL : r);
            fg_scanner_set_object_callback(sc, NULL, NULL);
        }
        pthread_mutex_lock(&p->lock);
        if (rc) {
            fprintf(stderr, "flowgate: %s: %s\n", in->path, fg_strerror(rc));
            p->counts[FG_VERDICT_ERROR]++;
        } else if (fg_result_awaits_password(r)) {
            in->res = r; /* held back: a later mail may carry its password */
        } else {
            report(p, r);
            fg_result_free(r);
        }
        p->done++;
        progress(p);
        pthread_mutex_unlock(&p->lock);
    }
    fg_scanner_free(sc);
    return NULL;
}

/* Reads standard input whole, up to cap bytes; past that it is drained and only counted,
 * so that it is reported unscannable like a file over the limit. */
static int read_stdin(struct input *in, uint64_t cap)
{
    size_t alloc = 65536, len = 0;
    uint64_t total = 0;
    int draining = 0;
    uint8_t *buf = malloc(alloc);
    if (!buf)
        return -1;
    for (;;) {
        if (len == alloc && !draining) {
            if (alloc >= cap) {
                draining = 1; /* keep reading into the same buffer, only counting */
            } else {
                alloc = alloc * 2 > cap ? (size_t)cap : alloc * 2;
                uint8_t *nb = realloc(buf, alloc);
                if (!nb) {
                    free(buf);
                    return -1;
                }
                buf = nb;
            }
        }
        ssize_t n = draining ? read(0, buf, alloc) : read(0, buf + len, alloc - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "flowgate: standard input: %s\n", strerror(errno));
            free(buf);
            return -1;
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        if (!draining)
            len += (size_t)n;
    }
    if (total > cap) {
        in->stdin_oversize = total;
        free(buf);
        return 0;
    }
    in->stdin_data = buf;
    in->stdin_len = len;
    return 0;
}

enum {
    O_JSON = 1000, O_NO_BUILTIN, O_DENY, O_ALLOW, O_PASSWORDS, O_MAX_DEPTH, O_MAX_SIZE,
    O_MAX_TOTAL, O_MAX_OBJECTS, O_MAX_RATIO, O_TIMEOUT, O_MAX_PASSWORDS, O_PROGRESS,
    O_NO_PROGRESS, O_DYNAMIC, O_PROFILES, O_HANDLERS, O_DYN_TIMEOUT,
};

static const struct option longopts[] = {
    {"rules", required_argument, NULL, 'r'},
    {"dynamic", no_argument, NULL, O_DYNAMIC},
    {"profiles", required_argument, NULL, O_PROFILES},
    {"handlers", required_argument, NULL, O_HANDLERS},
    {"dynamic-timeout", required_argument, NULL, O_DYN_TIMEOUT},
    {"no-builtin-rules", no_argument, NULL, O_NO_BUILTIN},
    {"deny", required_argument, NULL, O_DENY},
    {"allow", required_argument, NULL, O_ALLOW},
    {"password", required_argument, NULL, 'p'},
    {"passwords", required_argument, NULL, O_PASSWORDS},
    {"max-depth", required_argument, NULL, O_MAX_DEPTH},
    {"max-size", required_argument, NULL, O_MAX_SIZE},
    {"max-total", required_argument, NULL, O_MAX_TOTAL},
    {"max-objects", required_argument, NULL, O_MAX_OBJECTS},
    {"max-ratio", required_argument, NULL, O_MAX_RATIO},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"max-passwords", required_argument, NULL, O_MAX_PASSWORDS},
    {"json", no_argument, NULL, O_JSON},
    {"quiet", no_argument, NULL, 'q'},
    {"all-objects", no_argument, NULL, 'a'},
    {"jobs", required_argument, NULL, 'j'},
    {"progress", no_argument, NULL, O_PROGRESS},
    {"no-progress", no_argument, NULL, O_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int bad_value(const char *opt, const char *v)
{
    fprintf(stderr, "flowgate scan: invalid value for --%s: '%s'\n", opt, v);
    return FG_EXIT_ERROR;
}

/* Applies one engine option; returns an exit code or -1 to go on. */
static int engine_option(fg_engine *e, struct fg_limits *l, int c, const char *v)
{
    int rc = 0;
    uint64_t sz;
    switch (c) {
    case 'r': rc = fg_engine_add_rules_path(e, v); break;
    case O_DENY: rc = fg_engine_add_hash_file(e, FG_LIST_DENY, v); break;
    case O_ALLOW: rc = fg_engine_add_hash_file(e, FG_LIST_ALLOW, v); break;
    case 'p': rc = fg_engine_add_password(e, v); break;
    case O_PASSWORDS: rc = fg_engine_add_password_file(e, v); break;
    case O_MAX_DEPTH: if (cli_parse_uint(v, &l->max_depth)) return bad_value("max-depth", v); break;
    case O_MAX_OBJECTS: if (cli_parse_uint(v, &l->max_objects)) return bad_value("max-objects", v); break;
    case O_MAX_RATIO: if (cli_parse_uint(v, &l->max_ratio)) return bad_value("max-ratio", v); break;
    case O_TIMEOUT: if (cli_parse_uint(v, &l->max_seconds)) return bad_value("timeout", v); break;
    case O_MAX_PASSWORDS: if (cli_parse_uint(v, &l->max_passwords)) return bad_value("max-passwords", v); break;
    case O_MAX_SIZE:
        if (cli_parse_size(v, &sz)) return bad_value("max-size", v);
        l->max_object_size = sz;
        break;
    case O_MAX_TOTAL:
        if (cli_parse_size(v, &sz)) return bad_value("max-total", v);
        l->max_total_size = sz;
        break;
    default: return -1;
    }
    if (rc) {
        fprintf(stderr, "flowgate scan: %s\n", fg_engine_error(e)[0] ? fg_engine_error(e) : fg_strerror(rc));
        return FG_EXIT_ERROR;
    }
    return -1;
}

static int run_pool(struct pool *p)
{
    unsigned nthreads = p->o->jobs;
    if (nthreads > p->n)
        nthreads = (unsigned)p->n;
    if (nthreads == 0)
        nthreads = 1;
    pthread_t *t = calloc(nthreads, sizeof(pthread_t));
    if (!t)
        return -1;
    unsigned started = 0;
    for (unsigned i = 0; i < nthreads; i++)
        if (pthread_create(&t[started], NULL, worker, p) == 0)
            started++;
    if (!started)
        worker(p);
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    if (p->o->progress)
        fputc('\n', stderr);
    /* Inputs held back for passwords: every mail has been seen now. */
    fg_scanner *sc = NULL;
    if (fg_scanner_new(p->eng, &sc))
        return -1;
    for (size_t i = 0; i < p->n; i++) {
        struct input *in = &p->in[i];
        if (!in->res)
            continue;
        if (fg_engine_has_new_passwords(p->eng, in->res)) {
            fg_result *again = NULL;
            struct dyn_collect dc;
            if (p->o->profiles)
                scan_dynamic_attach(sc, &dc, &p->o->dyn);
            int rc = scan_input(sc, in, &again);
            if (p->o->profiles) {
                scan_dynamic_run(&dc, rc ? NULL : again);
                fg_scanner_set_object_callback(sc, NULL, NULL);
            }
            if (rc == 0) {
                fg_result_free(in->res);
                in->res = again;
            }
        }
        report(p, in->res);
        fg_result_free(in->res);
        in->res = NULL;
    }
    fg_scanner_free(sc);
    return p->failed ? -1 : 0;
}

static int exit_code(const unsigned c[5])
{
    if (c[FG_VERDICT_SUSPICIOUS] || c[FG_VERDICT_MALICIOUS])
        return FG_EXIT_DETECTED;
    if (c[FG_VERDICT_UNSCANNABLE])
        return FG_EXIT_UNSCANNABLE;
    if (c[FG_VERDICT_ERROR])
        return FG_EXIT_ERROR;
    return FG_EXIT_CLEAN;
}

int cmd_scan(int argc, char **argv)
{
    struct opts o = {.builtin = 1, .progress = -1};
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = ncpu > 0 ? (unsigned)ncpu : 1;
    fg_engine *e = NULL;
    struct cli_paths paths = {0};
    struct pool p = {0};
    int rc = FG_EXIT_ERROR, c, dynamic = 0;
    if (fg_engine_new(&e)) {
        fprintf(stderr, "flowgate scan: cannot initialise the engine\n");
        return FG_EXIT_ERROR;
    }
    struct fg_limits l;
    fg_engine_get_limits(e, &l);
    /* Rules given with -r are compiled after the built-in ones; collect options first. */
    char **rule_args = calloc((size_t)argc + 1, sizeof(char *));
    size_t nrule = 0;
    if (!rule_args)
        goto out;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:p:qaj:h", longopts, NULL)) != -1) {
        int r;
        switch (c) {
        case 'h': scan_usage(stdout); rc = 0; goto out;
        case O_JSON: o.json = 1; break;
        case 'q': o.quiet = 1; break;
        case 'a': o.all_objects = 1; break;
        case O_NO_BUILTIN: o.builtin = 0; break;
        case O_PROGRESS: o.progress = 1; break;
        case O_NO_PROGRESS: o.progress = 0; break;
        case O_DYNAMIC: dynamic = 1; break;
        case O_PROFILES: o.profiles = optarg; break;
        case O_HANDLERS: o.handlers = optarg; break;
        case O_DYN_TIMEOUT:
            if (cli_parse_uint(optarg, &o.dyn_timeout) || !o.dyn_timeout) {
                rc = bad_value("dynamic-timeout", optarg);
                goto out;
            }
            break;
        case 'j':
            if (cli_parse_uint(optarg, &o.jobs) || o.jobs == 0 || o.jobs > 256) {
                rc = bad_value("jobs", optarg);
                goto out;
            }
            break;
        case 'r': rule_args[nrule++] = optarg; break;
        case '?': fprintf(stderr, "Try 'flowgate scan --help'.\n"); goto out;
        default:
            if ((r = engine_option(e, &l, c, optarg)) >= 0) {
                rc = r;
                goto out;
            }
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "flowgate scan: no PATH given\nTry 'flowgate scan --help'.\n");
        goto out;
    }
    if (o.progress < 0)
        o.progress = isatty(2) && !o.json;
    if (dynamic || o.profiles) {
        if (!o.profiles)
            o.profiles = "/var/lib/flowgate/profiles";
        if (scan_dynamic_init(&o.dyn, o.profiles, o.handlers, o.dyn_timeout))
            goto out;
    }
    if (o.builtin && fg_engine_add_builtin_rules(e)) {
        fprintf(stderr, "flowgate scan: built-in rules: %s\n", fg_engine_error(e));
        goto out;
    }
    for (size_t i = 0; i < nrule; i++) {
        int r = engine_option(e, &l, 'r', rule_args[i]);
        if (r >= 0) {
            rc = r;
            goto out;
        }
    }
    fg_engine_set_limits(e, &l);
    if (fg_engine_compile(e)) {
        fprintf(stderr, "flowgate scan: %s\n", fg_engine_error(e));
        goto out;
    }
    for (int i = optind; i < argc; i++)
        if (cli_walk(argv[i], &paths)) {
            fprintf(stderr, "flowgate scan: out of memory\n");
            goto out;
        }
    p.eng = e;
    p.o = &o;
    p.n = paths.n;
    p.in = calloc(paths.n ? paths.n : 1, sizeof(struct input));
    if (!p.in)
        goto out;
    pthread_mutex_init(&p.lock, NULL);
    for (size_t i = 0; i < paths.n; i++) {
        p.in[i].path = paths.p[i];
        if (!strcmp(paths.p[i], "-") && read_stdin(&p.in[i], l.max_object_size ? l.max_object_size : (1ULL << 40)))
            goto out_pool;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (run_pool(&p)) {
        fprintf(stderr, "flowgate scan: cannot start a scanner\n");
        goto out_pool;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    p.counts[FG_VERDICT_ERROR] += (unsigned)paths.errors;
    if (!o.json && !o.quiet) {
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        printf("\n%zu input(s), %zu object(s) in %.2f s: %u clean, %u suspicious, %u malicious, "
               "%u unscannable, %u error(s)\n",
               p.n, p.objects, secs, p.counts[0], p.counts[1], p.counts[2], p.counts[3],
               p.counts[4]);
    }
    rc = exit_code(p.counts);
out_pool:
    pthread_mutex_destroy(&p.lock);
    for (size_t i = 0; i < p.n; i++)
        free(p.in[i].stdin_data);
    free(p.in);
out:
    scan_dynamic_free(&o.dyn);
    free(rule_args);
    cli_paths_free(&paths);
    fg_engine_free(e);
    return rc;
}
