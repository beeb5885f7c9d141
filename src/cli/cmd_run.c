/*
 * cmd_run.c - `flowgate run`: runs a program in the sandbox with no profile and reports
 * what it did: programs started, files changed, network destinations, persistence attempts,
 * anti-sandbox probes, privilege changes, and the code-origin checks.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flow_cli.h"
#include "flowgate/flow.h"

static void run_usage(FILE *f)
{
    fprintf(f,
"Usage: flowgate run [OPTIONS] -- PROGRAM [ARGS...]\n"
"\n"
"Runs PROGRAM inside the sandbox (no network but loopback, a private root with the system\n"
"directories read-only, a scratch work directory, no privileges, limits on time, memory\n"
"and processes) under the tracer, and reports its behaviour: the programs it started,\n"
"the files it created, changed or deleted (decoys included), the network destinations\n"
"it tried, persistence attempts (cron, systemd, shell start-up files ...), anti-sandbox\n"
"probes (CPU count, memory, uptime, debugger checks), privilege changes, calls the\n"
"sandbox refuses, and code running from data or ROP.  PROGRAM must be visible inside:\n"
"under /usr, /bin, /lib ..., or under a directory given with --bind; the work directory\n"
"is /work (also its HOME).\n"
"\n"
"      --dot FILE          write the flow graph of the run (Graphviz DOT) to FILE\n"
"\n");
    flow_cli_usage(f, FLOW_USAGE_RUN);
    fprintf(f,
"  -h, --help              show this help\n"
"\n"
"Exit status: 1 if the behaviour is suspicious or malicious, 3 if the run hit the time\n"
"limit, 2 if the sandbox could not run it (or on a usage error), else 0.\n"
"See flowgate-run(1).\n");
}

int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        FLOW_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct flow_cli c;
    memset(&c, 0, sizeof c);
    int opt;
    /* '+': options end at the program's name, even without "--". */
    while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        int r = flow_cli_option(&c, opt, optarg);
        if (r < 0)
            return FG_EXIT_ERROR;
        if (r && opt != FLOW_OPT_HANDLER && opt != FLOW_OPT_EXEC && opt != FLOW_OPT_PROFILE)
            continue;
        if (opt == 'h') {
            run_usage(stdout);
            return FG_EXIT_CLEAN;
        }
        run_usage(stderr);
        return FG_EXIT_ERROR;
    }
    if (optind >= argc) {
        fprintf(stderr, "flowgate run: no program given (flowgate run --help)\n");
        return FG_EXIT_ERROR;
    }
    c.fo.handler = argv[optind];
    c.fo.argv = (const char *const *)(argv + optind);
    c.binds[c.nbinds] = NULL;
    c.fo.ro_binds = c.nbinds ? c.binds : NULL;
    c.fo.decoy_dir = c.decoys;
    c.fo.timeout_ms = c.timeout * 1000;
    c.fo.mem_bytes = c.mem;
    c.fo.no_stacks = c.no_stacks;
    fg_detonation *d = NULL;
    if (fg_detonate(&c.fo, NULL, NULL, NULL, &d)) {
        fprintf(stderr, "flowgate run: out of memory\n");
        return FG_EXIT_ERROR;
    }
    enum fg_verdict v = fg_detonation_verdict(d);
    if (c.json) {
        char *j = fg_detonation_json(d);
        if (j)
            printf("%s\n", j);
        free(j);
    } else {
        flow_cli_print(stdout, d, argv[optind]);
    }
    if (c.dot) {
        char *dot = fg_detonation_dot(d);
        FILE *f = dot ? fopen(c.dot, "we") : NULL;
        if (f) {
            fputs(dot, f);
            fclose(f);
        }
        free(dot);
    }
    fg_detonation_free(d);
    return v == FG_VERDICT_MALICIOUS || v == FG_VERDICT_SUSPICIOUS ? FG_EXIT_DETECTED
           : v == FG_VERDICT_UNSCANNABLE ? FG_EXIT_UNSCANNABLE
           : v == FG_VERDICT_ERROR ? FG_EXIT_ERROR : FG_EXIT_CLEAN;
}
