/*
 * cmd_sig.c - `flowgate sig`: a YARA rule (and ClamAV signatures) from samples.  Options, the
 * goodware progress line, writing the outputs only once every check passed, and the external
 * checks with the yara and clamscan commands when they are installed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "flowgate/flowgate.h"

static void sig_usage(FILE *f)
{
    fprintf(f,
"Usage: flowgate sig [OPTIONS] SAMPLE... > rule.yar\n"
"\n"
"Builds one YARA rule that matches every SAMPLE: up to --max-strings printable strings\n"
"(ASCII and UTF-16LE) the samples share, none of which occurs in any file of the goodware\n"
"set, plus the samples' common header (MZ/PE, ELF, PDF, zip, OLE2, RTF) and a file size\n"
"bound.  Padding, repeated characters, section names and compiler or runtime strings are\n"
"never used.  If no string is in every sample, the rule combines strings of some samples\n"
"so that each still matches, and says so.\n"
"\n"
"The rule is checked before it is written: compiled with libyara it must match every\n"
"sample and no goodware file (strings found in goodware are dropped and the rule rebuilt);\n"
"if the yara command is installed it must compile the rule and match every sample too.\n"
"With --clamav, NAME.hdb (MD5 and size of each sample) and NAME.ndb (a byte run the\n"
"samples share) are written as well and, if clamscan is installed, must detect every\n"
"sample and no goodware file.  The results are reported on standard error.\n"
"\n"
"The goodware set is every regular file below the --goodware directories (symbolic links\n"
"not followed); without --goodware, the system's program and library directories\n"
"(/usr/bin, /usr/sbin, /usr/lib/<multiarch>).  Files over 64 MiB are skipped and counted.\n"
"\n"
"Options:\n"
"  -n, --name NAME         rule name, a YARA identifier (default: from the first sample)\n"
"  -g, --goodware DIR      a directory (or file) of clean files (repeatable)\n"
"  -c, --clamav DIR        also write NAME.hdb and NAME.ndb into DIR\n"
"  -o, --output FILE       write the rule to FILE (default: standard output)\n"
"      --min-length N      shortest string used, in characters (default 6, 4 to 128)\n"
"      --max-strings N     most strings in the rule (default 12, at most 64)\n"
"      --author TEXT       meta author (default \"flowgate sig\")\n"
"      --json              print a JSON summary (with the rule text) instead of the rule\n"
"      --no-external       skip the checks with the yara and clamscan commands\n"
"      --no-progress       no progress line while the goodware set is read\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 the rule (and signatures) were written and every check passed; 1 no rule\n"
"passed the checks (it matched goodware, or yara/clamscan disagreed): nothing is written;\n"
"2 usage error, unreadable sample, or the samples share no usable string (the message\n"
"says how many strings were shared, rejected or found in goodware).\n");
}

struct sopts {
    const char *output, *clamav;
    int json, external, progress;
};

/* ---- progress on a terminal */

struct prog {
    int on;
    double last;
};

static void on_progress(void *arg, const char *stage, uint64_t done, uint64_t total)
{
    struct prog *p = arg;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    if (done != total && t - p->last < 0.2)
        return;
    p->last = t;
    const char *what = !strcmp(stage, "list")    ? "listing goodware directories"
                       : !strcmp(stage, "probe") ? "goodware: looking for the samples' strings"
                                                 : "goodware: checking the rule";
    fprintf(stderr, "\r\033[Kflowgate sig: %s %llu/%llu", what, (unsigned long long)done,
            (unsigned long long)total);
    if (done == total)
        fprintf(stderr, "\r\033[K");
    fflush(stderr);
}

/* ---- running yara and clamscan */

/* Runs argv with stdout and stderr into *out (NUL-terminated, at most 16 MiB kept);
 * returns the exit status, or -1 if it could not run. */
static int run_capture(char *const argv[], char **out)
{
    int pfd[2];
    *out = NULL;
    if (pipe2(pfd, O_CLOEXEC))
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    size_t len = 0, alloc = 65536;
    char *buf = malloc(alloc + 1);
    for (;;) {
        char tmp[65536];
        ssize_t r = read(pfd[0], tmp, sizeof tmp);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (!buf || len + (size_t)r > (16u << 20))
            continue; /* keep draining so the child never blocks */
        if (len + (size_t)r > alloc) {
            alloc = (len + (size_t)r) * 2;
            char *nb = realloc(buf, alloc + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = nb;
        }
        memcpy(buf + len, tmp, (size_t)r);
        len += (size_t)r;
    }
    close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (buf)
        buf[len] = 0;
    *out = buf;
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
        return -1;
    return WEXITSTATUS(st);
}

static int in_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = strdup(path), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", d, prog);
        found = access(p, X_OK) == 0;
    }
    free(copy);
    return found;
}

/* A list file of paths for --scan-list / --file-list (paths with a newline are left out). */
static int write_list(const char *path, const char *const *v, size_t n, size_t *listed)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    *listed = 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr(v[i], '\n')) {
            fprintf(f, "%s\n", v[i]);
            (*listed)++;
        }
    return fclose(f) ? -1 : 0;
}

/* How many listed paths a line of 'out' names with the marker (yara: "NAME path",
 * clamscan: "path: NAME FOUND"). */
static size_t count_hits(const char *out, const char *const *v, size_t n, int clam)
{
    size_t hits = 0;
    char *hay;
    /* A leading newline lets every line, the first too, be found as "\n<path>: ". */
    if (!out || asprintf(&hay, "\n%s", out) < 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char *needle;
        if (asprintf(&needle, clam ? "\n%s: " : " %s\n", v[i]) < 0)
            continue;
        char *at = strstr(hay, needle);
        if (at && clam) {
            char *eol = strchr(at + 1, '\n');
            size_t l = eol ? (size_t)(eol - at) : strlen(at);
            at = memmem(at, l, " FOUND", 6) ? at : NULL;
        }
        hits += at != NULL;
        free(needle);
    }
    free(hay);
    return hits;
}

struct ext {
    int yara_ran, yara_compiles;
    size_t yara_samples;
    int clam_ran;
    size_t clam_samples, clam_goodware, clam_goodware_listed;
    char yara_err[512];
};

static void yara_check(const char *rulefile, const char *tmpdir,
                       const struct fg_sig_info *i, struct ext *x)
{
    char list[PATH_MAX], *out = NULL;
    size_t listed;
    snprintf(list, sizeof list, "%s/samples.list", tmpdir);
    if (write_list(list, i->sample_paths, i->nsamples, &listed))
        return;
    char *argv[] = {"yara", "-w", (char *)rulefile, "--scan-list", list, NULL};
    int st = run_capture(argv, &out);
    x->yara_ran = st >= 0;
    x->yara_compiles = st == 0;
    if (st == 0)
        x->yara_samples = count_hits(out, i->sample_paths, i->nsamples, 0);
    else if (out)
        snprintf(x->yara_err, sizeof x->yara_err, "%s", out);
    free(out);
}

static void clam_check(const char *dbdir, const char *tmpdir, const struct fg_sig_info *i,
                       struct ext *x)
{
    char list[PATH_MAX], db[PATH_MAX + 8], *out = NULL;
    size_t listed;
    snprintf(db, sizeof db, "--database=%s", dbdir);
    snprintf(list, sizeof list, "%s/samples.list", tmpdir);
    if (write_list(list, i->sample_paths, i->nsamples, &listed))
        return;
    char *argv[] = {"clamscan", "--no-summary", "--stdout", "--infected", db, "-f", list, NULL};
    int st = run_capture(argv, &out);
    x->clam_ran = st == 0 || st == 1;
    if (!x->clam_ran) {
        free(out);
        return;
    }
    x->clam_samples = count_hits(out, i->sample_paths, i->nsamples, 1);
    free(out);
    snprintf(list, sizeof list, "%s/goodware.list", tmpdir);
    if (!i->goodware_files ||
        write_list(list, i->goodware_paths, i->goodware_files, &x->clam_goodware_listed))
        return;
    st = run_capture(argv, &out);
    if (st == 1)
        x->clam_goodware = count_hits(out, i->goodware_paths, i->goodware_files, 1);
    free(out);
}

/* ---- writing */

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f) ? -1 : 0;
}

static void rmtree_tmp(const char *dir)
{
    static const char *const names[] = {"rule.yar", "samples.list", "goodware.list",
                                        "db", NULL};
    char p[PATH_MAX];
    for (size_t i = 0; names[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (!strcmp(names[i], "db")) {
            DIR *d = opendir(p);
            struct dirent *de;
            while (d && (de = readdir(d))) {
                char q[PATH_MAX + 256];
                if (de->d_name[0] == '.')
                    continue;
                snprintf(q, sizeof q, "%s/%s", p, de->d_name);
                unlink(q);
            }
            if (d)
                closedir(d);
            rmdir(p);
        } else {
            unlink(p);
        }
    }
    rmdir(dir);
}

/* NAME.hdb and NAME.ndb into 'dir' (created if missing). */
static int write_clamav(const char *dir, const struct fg_sig_info *i)
{
    char p[PATH_MAX];
    if (mkdir(dir, 0755) && errno != EEXIST)
        return -1;
    snprintf(p, sizeof p, "%s/%s.hdb", dir, i->name);
    if (write_file(p, i->hdb))
        return -1;
    snprintf(p, sizeof p, "%s/%s.ndb", dir, i->name);
    if (i->ndb[0])
        return write_file(p, i->ndb);
    unlink(p);
    return 0;
}

static void report(const struct fg_sig_info *i, const struct ext *x, int clamav)
{
    double gb = (double)i->goodware_bytes / 1e9;
    fprintf(stderr, "flowgate sig: rule %s: %zu string%s, %s%u required%s%s\n", i->name,
            i->nstrings, i->nstrings == 1 ? "" : "s", i->k == i->nstrings ? "all " : "", i->k,
            i->kind[0] ? ", header " : "", i->kind);
    if (i->partial_mode)
        fprintf(stderr, "flowgate sig: no usable string is in every sample: the rule combines "
                        "strings of some samples, each sample has at least %u\n", i->k);
    else if (i->partial)
        fprintf(stderr, "flowgate sig: left out: %zu string(s) found in only some samples\n",
                i->partial);
    fprintf(stderr, "flowgate sig: rule matches %zu/%zu samples, %zu/%zu goodware files "
                    "(%.2f GB; %zu candidate strings, %zu of them in goodware; %u rebuild%s)\n",
            i->samples_matched, i->nsamples, i->goodware_matched, i->goodware_files, gb,
            i->candidates, i->in_goodware, i->retries, i->retries == 1 ? "" : "s");
    if (i->goodware_too_large || i->goodware_unreadable || i->goodware_same ||
        i->goodware_capped)
        fprintf(stderr, "flowgate sig: goodware not used: %zu over 64 MiB, %zu unreadable, "
                        "%zu identical to a sample%s\n",
                i->goodware_too_large, i->goodware_unreadable, i->goodware_same,
                i->goodware_capped ? "; the walk stopped at its file or byte cap" : "");
    if (x->yara_ran && x->yara_compiles)
        fprintf(stderr, "flowgate sig: yara(1): compiles, matches %zu/%zu samples\n",
                x->yara_samples, i->nsamples);
    else if (x->yara_ran)
        fprintf(stderr, "flowgate sig: yara(1): does not compile: %s\n", x->yara_err);
    if (clamav && x->clam_ran)
        fprintf(stderr, "flowgate sig: clamscan: %s.hdb + %s.ndb (%zu-byte run) detect %zu/%zu "
                        "samples, %zu/%zu goodware files\n",
                i->name, i->name, i->ndb_bytes, x->clam_samples, i->nsamples, x->clam_goodware,
                x->clam_goodware_listed);
}

static int print_json(fg_sig *g, const struct ext *x, int ok)
{
    char *s = fg_sig_json(g);
    json_t *o = s ? json_loads(s, 0, NULL) : NULL;
    free(s);
    if (!o)
        return -1;
    json_t *c = json_object();
    if (x->yara_ran)
        json_object_set_new(c, "yara", json_pack("{s:b, s:I}", "compiles", x->yara_compiles,
                                                 "samples_matched", (json_int_t)x->yara_samples));
    if (x->clam_ran)
        json_object_set_new(c, "clamscan",
                            json_pack("{s:I, s:I, s:I}", "samples_detected",
                                      (json_int_t)x->clam_samples, "goodware_detected",
                                      (json_int_t)x->clam_goodware, "goodware_files",
                                      (json_int_t)x->clam_goodware_listed));
    json_object_set_new(o, "external", c);
    json_object_set_new(o, "ok", json_boolean(ok));
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        return -1;
    puts(s);
    free(s);
    return 0;
}

/* Checks with the external tools in a temporary directory, then writes the outputs if the
 * library's check and theirs all passed.  Returns the exit status. */
static int verify_and_write(fg_sig *g, const struct sopts *o)
{
    const struct fg_sig_info *i = fg_sig_get(g);
    struct ext x = {0};
    /* Short enough that every path built below it fits PATH_MAX. */
    char tmp[1100], rule[1200], db[1200];
    const char *t = getenv("TMPDIR");
    if (!t || !t[0] || strlen(t) > 1000)
        t = "/tmp";
    snprintf(tmp, sizeof tmp, "%s/flowgate-sig.XXXXXX", t);
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "flowgate sig: temporary directory: %s\n", strerror(errno));
        return FG_EXIT_ERROR;
    }
    snprintf(rule, sizeof rule, "%s/rule.yar", tmp);
    snprintf(db, sizeof db, "%s/db", tmp);
    int rc = FG_EXIT_ERROR;
    if (write_file(rule, i->rule) || (o->clamav && write_clamav(db, i))) {
        fprintf(stderr, "flowgate sig: %s: %s\n", tmp, strerror(errno));
        goto out;
    }
    if (o->external && in_path("yara"))
        yara_check(rule, tmp, i, &x);
    if (o->external && o->clamav && in_path("clamscan"))
        clam_check(db, tmp, i, &x);
    report(i, &x, o->clamav != NULL);
    int ok = (!x.yara_ran || (x.yara_compiles && x.yara_samples == i->nsamples)) &&
             (!x.clam_ran || (x.clam_samples == i->nsamples && !x.clam_goodware));
    if (!ok)
        fprintf(stderr, "flowgate sig: an external check failed: nothing written\n");
    rc = ok ? FG_EXIT_CLEAN : FG_EXIT_DETECTED;
    if (o->json && print_json(g, &x, ok)) {
        fprintf(stderr, "flowgate sig: out of memory\n");
        rc = FG_EXIT_ERROR;
    }
    if (!ok)
        goto out;
    if (o->output ? write_file(o->output, i->rule) : (o->json ? 0 : fputs(i->rule, stdout) < 0)) {
        fprintf(stderr, "flowgate sig: %s: %s\n", o->output ? o->output : "standard output",
                strerror(errno));
        rc = FG_EXIT_ERROR;
    }
    if (o->clamav && write_clamav(o->clamav, i)) {
        fprintf(stderr, "flowgate sig: %s: %s\n", o->clamav, strerror(errno));
        rc = FG_EXIT_ERROR;
    }
out:
    rmtree_tmp(tmp);
    return rc;
}

enum { O_MIN = 1000, O_MAX, O_AUTHOR, O_JSON, O_NO_EXT, O_NO_PROGRESS };

static const struct option longopts[] = {
    {"name", required_argument, NULL, 'n'},
    {"goodware", required_argument, NULL, 'g'},
    {"clamav", required_argument, NULL, 'c'},
    {"output", required_argument, NULL, 'o'},
    {"min-length", required_argument, NULL, O_MIN},
    {"max-strings", required_argument, NULL, O_MAX},
    {"author", required_argument, NULL, O_AUTHOR},
    {"json", no_argument, NULL, O_JSON},
    {"no-external", no_argument, NULL, O_NO_EXT},
    {"no-progress", no_argument, NULL, O_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Options into o and so; goodware directories into gw.  -1: exit with *rc. */
static int parse(int argc, char **argv, struct sopts *o, struct fg_sig_options *so,
                 const char **gw, size_t *ngw, int *rc)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:g:c:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': sig_usage(stdout); *rc = 0; return -1;
        case 'n': so->name = optarg; break;
        case 'g': gw[(*ngw)++] = optarg; break;
        case 'c': o->clamav = optarg; break;
        case 'o': o->output = optarg; break;
        case O_AUTHOR: so->author = optarg; break;
        case O_JSON: o->json = 1; break;
        case O_NO_EXT: o->external = 0; break;
        case O_NO_PROGRESS: o->progress = 0; break;
        case O_MIN:
        case O_MAX: {
            unsigned v;
            unsigned lo = c == O_MIN ? 4 : 1, hi = c == O_MIN ? 128 : 64;
            if (cli_parse_uint(optarg, &v) || v < lo || v > hi) {
                fprintf(stderr, "flowgate sig: --%s must be a number from %u to %u, not '%s'\n",
                        c == O_MIN ? "min-length" : "max-strings", lo, hi, optarg);
                return -1;
            }
            *(c == O_MIN ? &so->min_length : &so->max_strings) = v;
            break;
        }
        default: fprintf(stderr, "Try 'flowgate sig --help'.\n"); return -1;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "flowgate sig: no SAMPLE given\nTry 'flowgate sig --help'.\n");
        return -1;
    }
    return 0;
}

int cmd_sig(int argc, char **argv)
{
    struct sopts o = {.external = 1, .progress = 1};
    struct fg_sig_options so;
    struct prog pg = {0};
    fg_sig *g = NULL;
    int rc = FG_EXIT_ERROR;
    const char **gw = calloc((size_t)argc + 1, sizeof *gw);
    size_t ngw = 0;
    fg_sig_options_default(&so);
    if (!gw || parse(argc, argv, &o, &so, gw, &ngw, &rc))
        goto out;
    int r = fg_sig_new(&so, &g);
    if (r == FG_EINVAL) {
        /* The option values were range-checked above: the name is what is wrong. */
        fprintf(stderr, "flowgate sig: --name '%s' is not a YARA identifier (letters, digits "
                        "and '_', not starting with a digit, not a keyword, at most 128)\n",
                so.name ? so.name : "");
        goto out;
    }
    if (r) {
        fprintf(stderr, "flowgate sig: cannot start: %s\n", fg_strerror(r));
        goto out;
    }
    for (int i = optind; i < argc; i++)
        if (fg_sig_add_sample(g, argv[i])) {
            fprintf(stderr, "flowgate sig: %s\n", fg_sig_error(g));
            goto out;
        }
    for (size_t i = 0; i < ngw; i++)
        if (fg_sig_add_goodware(g, gw[i])) {
            fprintf(stderr, "flowgate sig: %s\n", fg_sig_error(g));
            goto out;
        }
    pg.on = o.progress && isatty(2);
    if (pg.on)
        fg_sig_set_progress(g, on_progress, &pg);
    r = fg_sig_generate(g);
    if (r) {
        fprintf(stderr, "flowgate sig: %s\n", fg_sig_error(g));
        if (r == FG_ERULES) {
            report(fg_sig_get(g), &(struct ext){0}, 0);
            rc = FG_EXIT_DETECTED;
        }
        goto out;
    }
    rc = verify_and_write(g, &o);
out:
    free(gw);
    fg_sig_free(g);
    return rc;
}
