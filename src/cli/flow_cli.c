/*
 * flow_cli.c - options and the worker-process pool of the sandbox commands (learn,
 * detonate, run).  Results travel from workers to the parent as files in a private
 * temporary directory: "<i>.out" holds what item i printed, "<i>.done" (renamed into place
 * last) its status, so the parent never reads half a result.
 */
#define _GNU_SOURCE
#include "flow_cli.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void flow_cli_usage(FILE *f, int what)
{
    if (what != FLOW_USAGE_RUN)
        fprintf(f,
"Handler (what opens the document inside the sandbox):\n"
"      --handler NAME      a handler of the registry: pdf, office, image, archive, or one\n"
"                          from --handlers (default: pdf); --list-handlers shows them\n"
"      --exec 'CMD ARGS'   the command itself; {} stands for the document, e.g.\n"
"                          --exec 'pdftotext {} /work/out.txt'\n"
"      --handlers FILE     a handlers file that adds or overrides entries\n"
"                          (see flowgate-detonate(1))\n"
"\n");
    fprintf(f,
"Sandbox:\n"
"      --timeout SECONDS   wall-clock limit of one run (default 30)\n"
"      --max-memory SIZE   address space per process, e.g. 1G (default 2G)\n"
"      --decoys DIR        copy the files of DIR next to the %s; runs that rewrite\n"
"                          or delete most of them are reported (ransomware)\n"
"      --bind PATH         make a host path visible read-only inside (repeatable)\n"
"      --no-stacks         record calls without call stacks (faster, no code-origin\n"
"                          checks%s)\n"
"\n"
"Output%s:\n"
"      --json              one JSON object per %s, one per line\n",
            what == FLOW_USAGE_RUN ? "program" : "document",
            what == FLOW_USAGE_LEARN ? ", coarser profiles" : "",
            what == FLOW_USAGE_RUN ? "" : " and speed",
            what == FLOW_USAGE_RUN ? "run" : "document");
    if (what != FLOW_USAGE_RUN)
        fprintf(f,
"  -j, --jobs N            documents run in parallel (default: number of CPUs)\n"
"      --progress          progress on standard error (default when it is a terminal)\n"
"      --no-progress       no progress output\n");
}

int flow_cli_option(struct flow_cli *c, int opt, const char *arg)
{
    switch (opt) {
    case FLOW_OPT_HANDLER: c->handler = arg; return 1;
    case FLOW_OPT_EXEC: c->exec = arg; return 1;
    case FLOW_OPT_HANDLERS: c->handlers_file = arg; return 1;
    case FLOW_OPT_PROFILE: c->profile = arg; return 1;
    case FLOW_OPT_DECOYS: c->decoys = arg; return 1;
    case FLOW_OPT_DOT: c->dot = arg; return 1;
    case FLOW_OPT_JSON: c->json = 1; return 1;
    case FLOW_OPT_NO_STACKS: c->no_stacks = 1; return 1;
    case FLOW_OPT_PROGRESS: c->progress = 1; return 1;
    case FLOW_OPT_NO_PROGRESS: c->progress = 0; return 1;
    case FLOW_OPT_QUIET: c->quiet = 1; return 1;
    case FLOW_OPT_BIND:
        if (c->nbinds >= sizeof c->binds / sizeof c->binds[0] - 1 || arg[0] != '/') {
            fprintf(stderr, "flowgate: --bind takes an absolute path (at most 15)\n");
            return -1;
        }
        c->binds[c->nbinds++] = arg;
        return 1;
    case FLOW_OPT_TIMEOUT:
        if (cli_parse_uint(arg, &c->timeout) || !c->timeout || c->timeout > 86400) {
            fprintf(stderr, "flowgate: --timeout takes seconds, 1 to 86400\n");
            return -1;
        }
        return 1;
    case FLOW_OPT_MEM:
        if (cli_parse_size(arg, &c->mem) || c->mem < (16u << 20)) {
            fprintf(stderr, "flowgate: --max-memory takes a size of at least 16M\n");
            return -1;
        }
        return 1;
    case 'j':
    case FLOW_OPT_JOBS:
        if (cli_parse_uint(arg, &c->jobs) || !c->jobs || c->jobs > 256) {
            fprintf(stderr, "flowgate: --jobs takes a number from 1 to 256\n");
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

/* --exec splits like a handlers-file line: blanks separate, double quotes keep blanks. */
static char **split_exec(const char *s)
{
    char **v = calloc(65, sizeof *v);
    size_t n = 0;
    const char *p = s;
    while (v && *p && n < 64) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *start = p;
        size_t len;
        if (*p == '"') {
            start = ++p;
            while (*p && *p != '"')
                p++;
            len = (size_t)(p - start);
            if (*p)
                p++;
        } else {
            while (*p && *p != ' ' && *p != '\t')
                p++;
            len = (size_t)(p - start);
        }
        v[n++] = strndup(start, len);
    }
    if (v && n == 0) {
        free(v);
        return NULL;
    }
    return v;
}

int flow_cli_finish(struct flow_cli *c, const char *cmd)
{
    if (c->exec) {
        c->argv = split_exec(c->exec);
        if (!c->argv) {
            fprintf(stderr, "flowgate %s: --exec needs a command\n", cmd);
            return -1;
        }
        if (!c->handler)
            c->handler = c->argv[0];
    } else {
        char err[512];
        if (!c->handler)
            c->handler = "pdf";
        if (fg_handler_get(c->handlers_file, c->handler, &c->argv, err, sizeof err)) {
            fprintf(stderr, "flowgate %s: %s\n", cmd, err);
            return -1;
        }
    }
    if (!c->jobs) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c->jobs = n > 0 ? (unsigned)n : 1;
    }
    if (c->progress < 0)
        c->progress = isatty(STDERR_FILENO);
    c->binds[c->nbinds] = NULL;
    c->fo.handler = c->handler;
    c->fo.argv = (const char *const *)c->argv;
    c->fo.decoy_dir = c->decoys;
    c->fo.ro_binds = c->nbinds ? c->binds : NULL;
    c->fo.timeout_ms = c->timeout * 1000;
    c->fo.mem_bytes = c->mem;
    c->fo.no_stacks = c->no_stacks;
    return 0;
}

void flow_cli_free(struct flow_cli *c)
{
    fg_handler_argv_free(c->argv);
    c->argv = NULL;
}

void flow_cli_print(FILE *out, const fg_detonation *d, const char *name)
{
    fprintf(out, "%s: %s\n", name, fg_verdict_name(fg_detonation_verdict(d)));
    for (size_t i = 0; i < fg_detonation_finding_count(d); i++) {
        const struct fg_finding *f = fg_detonation_finding(d, i);
        fprintf(out, "  %-8s %s: %s\n", fg_severity_name(f->severity), f->id, f->message);
        if (f->evidence && f->evidence[0])
            fprintf(out, "           %.600s\n", f->evidence);
    }
    char *s = fg_detonation_summary(d);
    if (s)
        fputs(s, out);
    free(s);
}

/* ---- the pool ---- */

/* dir/<i>.<ext>; false if it does not fit (it always does: dir comes from mkdtemp). */
static bool item_path(char *out, size_t len, const char *dir, size_t i, const char *ext)
{
    int n = snprintf(out, len, "%s/%zu.%s", dir, i, ext);
    return n > 0 && (size_t)n < len;
}

static int worker(const struct flow_pool_ops *ops, void *arg, const char *dir, unsigned k,
                  unsigned jobs, size_t n, int notify)
{
    for (size_t i = k; i < n; i += jobs) {
        char out[4096], done[4096], tmp[4096];
        if (!item_path(out, sizeof out, dir, i, "out") || !item_path(done, sizeof done, dir, i, "done") ||
            !item_path(tmp, sizeof tmp, dir, i, "st"))
            return 2;
        FILE *f = fopen(out, "we");
        if (!f)
            return 2;
        int v = ops->work ? ops->work(arg, i, f) : 0;
        fclose(f);
        FILE *s = fopen(tmp, "we");
        if (!s)
            return 2;
        fprintf(s, "%d\n", v);
        fclose(s);
        if (rename(tmp, done))
            return 2;
        /* Wakes the parent: it prints results as they come instead of polling for them. */
        ssize_t w = write(notify, "", 1);
        (void)w;
    }
    if (ops->worker_end && ops->worker_end(arg, k, dir))
        return 2;
    return 0;
}

/* Prints item i if it is done; 1 if it was, 0 if not yet. */
static int collect(const struct flow_pool_ops *ops, void *arg, const char *dir, size_t i)
{
    char path[4096];
    if (!item_path(path, sizeof path, dir, i, "done"))
        return 0;
    FILE *s = fopen(path, "re");
    if (!s)
        return 0;
    int v = 2;
    if (fscanf(s, "%d", &v) != 1)
        v = 2;
    fclose(s);
    unlink(path);
    FILE *f = item_path(path, sizeof path, dir, i, "out") ? fopen(path, "re") : NULL;
    if (f) {
        char buf[65536];
        size_t r;
        while ((r = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, r, stdout);
        fclose(f);
        fflush(stdout);
        unlink(path);
    }
    if (ops->done)
        ops->done(arg, i, v);
    return 1;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                char p[4096];
                int w = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                if (w > 0 && (size_t)w < sizeof p)
                    unlink(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

int flow_cli_pool(struct flow_cli *c, size_t n, const struct flow_pool_ops *ops, void *arg)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/flowgate.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "flowgate: cannot make a temporary directory: %s\n", strerror(errno));
        return -1;
    }
    unsigned jobs = c->jobs < n ? c->jobs : (unsigned)(n ? n : 1);
    pid_t pids[256];
    int note[2];
    if (pipe2(note, O_CLOEXEC)) {
        fprintf(stderr, "flowgate: cannot make a pipe: %s\n", strerror(errno));
        rm_dir(dir);
        return -1;
    }
    fflush(NULL);
    for (unsigned k = 0; k < jobs; k++) {
        pids[k] = fork();
        if (pids[k] == 0) {
            close(note[0]);
            _exit(worker(ops, arg, dir, k, jobs, n, note[1]));
        }
        if (pids[k] < 0) {
            fprintf(stderr, "flowgate: cannot start a worker: %s\n", strerror(errno));
            jobs = k;
            break;
        }
    }
    close(note[1]);
    size_t next = 0;
    unsigned alive = jobs;
    int failed = 0;
    time_t t0 = time(NULL);
    while (next < n || alive) {
        while (next < n && collect(ops, arg, dir, next)) {
            next++;
            if (c->progress && ops->label) {
                long el = (long)(time(NULL) - t0);
                fprintf(stderr, "\r\033[K[%zu/%zu %lds] %.60s", next, n, el, ops->label(arg, next - 1));
            }
        }
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p > 0) {
            alive--;
            if (!WIFEXITED(st) || WEXITSTATUS(st))
                failed = 1;
            continue;
        }
        if (p < 0 && errno == ECHILD) {
            alive = 0;
            if (next < n && !collect(ops, arg, dir, next)) {
                failed = 1; /* a worker died before finishing its items */
                break;
            }
            continue;
        }
        /* Until a worker finishes an item (or exits: end of file); the timeout only keeps
         * the progress line's clock going. */
        struct pollfd pfd = {.fd = note[0], .events = POLLIN};
        if (poll(&pfd, 1, 1000) > 0) {
            char buf[256];
            if (read(note[0], buf, sizeof buf) <= 0) {
                struct timespec ts = {0, 5 * 1000 * 1000}; /* all wrote ends closed */
                nanosleep(&ts, NULL);
            }
        }
    }
    close(note[0]);
    if (c->progress && ops->label)
        fprintf(stderr, "\r\033[K");
    if (!failed && ops->parent_end && ops->parent_end(arg, jobs, dir))
        failed = 1;
    rm_dir(dir);
    return failed ? -1 : 0;
}
