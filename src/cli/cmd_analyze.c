/*
 * cmd_analyze.c - `flowgate analyze`: what can a program do?  Options, the engine with the
 * capability rules, and the report (text for people, one JSON object per sample).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "flowgate/flowgate.h"

static void analyze_usage(FILE *f)
{
    struct fg_limits d;
    fg_limits_default(&d);
    fprintf(f,
"Usage: flowgate analyze [OPTIONS] SAMPLE...\n"
"\n"
"Tells what a Windows (PE) or Linux (ELF) program can do, without running it: a list of\n"
"capabilities (network communication, HTTP, DNS, encryption, compression, keylogging,\n"
"screenshots, clipboard, persistence, process injection, anti-analysis, privilege\n"
"escalation, self-deletion), each with evidence and MITRE ATT&CK technique ids.  It\n"
"answers two questions directly: does the program have a network capability, and can it\n"
"exfiltrate data (yes when it can talk over the network and also gathers, archives or\n"
"encrypts data; unknown when it is packed).  It also reports the file's facts: sections\n"
"and their entropy, imports and imphash, overlay, signature, interpreter, linkage.\n"
"\n"
"Capabilities are YARA rules (rules/capabilities/ in the source, built into flowgate);\n"
"see flowgate-analyze(1) for their meta fields.  SAMPLE is a file, a directory (walked\n"
"recursively) or '-' for standard input.\n"
"\n"
"Options:\n"
"  -r, --rules PATH        add capability rules: a .yar file or a directory (repeatable)\n"
"      --no-builtin-rules  use only the rules given with --rules\n"
"      --json              one JSON object per sample, one per line (see flowgate-analyze(1))\n"
"  -v, --verbose           text output: list every section and import\n"
"      --max-size SIZE     largest sample analysed, e.g. 100M (default %lluM)\n"
"      --timeout SECONDS   time the rules may take per sample (default %u)\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 if every sample was analysed, 2 if any could not be (or on a usage\n"
"error).  The findings themselves do not change the exit status.\n",
            (unsigned long long)(d.max_object_size >> 20), d.max_seconds);
}

struct aopts {
    int json, verbose, builtin;
};

static void print_list(const char *label, const char *const *v, size_t shown, size_t total,
                       size_t max)
{
    if (!total)
        return;
    printf("  %-20s", label);
    size_t n = shown < max ? shown : max;
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", v[i]);
    if (total > n)
        printf("%s... (%zu in all)", n ? ", " : "", total);
    printf("\n");
}

static void print_facts(const struct aopts *o, const struct fg_analysis_info *i)
{
    if (!strcmp(i->format, "unknown")) {
        printf("  %-20snot a PE or ELF program\n", "format:");
        return;
    }
    printf("  %-20s%s %u-bit %s %s", "format:", !strcmp(i->format, "pe") ? "PE" : "ELF", i->bits,
           i->arch, i->kind);
    if (i->linkage[0])
        printf(", %s", i->linkage);
    if (i->subsystem[0])
        printf(", %s subsystem", i->subsystem);
    printf("\n");
    if (i->interpreter[0])
        printf("  %-20s%s\n", "interpreter:", i->interpreter);
    if (!strcmp(i->format, "pe")) {
        char when[32] = "";
        time_t t = (time_t)i->timestamp;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
        printf("  %-20s%s\n", "compiled (stamp):", when);
        printf("  %-20s%s\n", "imphash:", i->imphash[0] ? i->imphash : "(no imports)");
        printf("  %-20s%s\n", "signature:",
               i->signature ? "present (not verified)" : "none");
        if (i->overlay_size)
            printf("  %-20s%llu bytes at 0x%llx, entropy %.2f\n", "overlay:",
                   (unsigned long long)i->overlay_size, (unsigned long long)i->overlay_offset,
                   i->overlay_entropy);
    } else if (i->stripped) {
        printf("  %-20sstripped (no symbol table)\n", "symbols:");
    }
    size_t max = o->verbose ? (size_t)-1 : 12;
    print_list("libraries:", i->libraries, i->nlibraries, i->nlibraries, max);
    print_list("imports:", i->imports, i->nimports_listed, i->nimports, max);
    printf("  %-20s%zu\n", "sections:", i->nsections);
    for (size_t k = 0; k < i->nsections; k++) {
        const struct fg_section *s = &i->sections[k];
        /* Without -v only the sections that say something about packing. */
        if (!o->verbose && s->entropy < 7.0)
            continue;
        printf("    %-16s %s  %10llu bytes at 0x%-8llx entropy %.2f\n", s->name, s->flags,
               (unsigned long long)s->size, (unsigned long long)s->offset, s->entropy);
    }
}

static void print_text(const struct aopts *o, const struct fg_analysis_info *i)
{
    printf("%s\n", i->path);
    if (i->error) {
        printf("  error: %s\n\n", i->error);
        return;
    }
    printf("  %-20s%s\n", "sha256:", i->sha256);
    printf("  %-20s%llu bytes, entropy %.2f\n", "size:", (unsigned long long)i->size,
           i->entropy);
    print_facts(o, i);
    printf("\n  network capability: %s (%s)\n", i->network ? "yes" : "no", i->network_reason);
    printf("  can exfiltrate data: %s: %s\n", fg_exfil_name(i->exfiltration),
           i->exfiltration_reason);
    printf("  packed: %s\n", i->packed ? "likely" : "no");
    for (size_t k = 0; k < i->npacked_evidence; k++)
        printf("    - %s\n", i->packed_evidence[k]);
    printf("\n  capabilities (%zu):\n", i->ncapabilities);
    for (size_t k = 0; k < i->ncapabilities; k++) {
        const struct fg_capability *c = &i->capabilities[k];
        printf("    %-30s %s", c->ns[0] ? c->ns : "(no namespace)", c->name);
        for (size_t j = 0; j < c->nattack; j++)
            printf("%s%s", j ? ", " : "  [", c->attack[j]);
        printf("%s\n", c->nattack ? "]" : "");
        printf("      rule %s: %s\n", c->id, c->evidence);
    }
    if (!i->ncapabilities)
        printf("    none matched\n");
    for (size_t k = 0; k < i->nwarnings; k++)
        printf("  warning: %s\n", i->warnings[k]);
    printf("\n");
}

/* Standard input, whole, up to 'cap' bytes; NULL with *too_big set past that. */
static uint8_t *read_stdin(uint64_t cap, size_t *len, int *too_big)
{
    size_t alloc = 65536, n = 0;
    uint8_t *buf = malloc(alloc);
    *too_big = 0;
    while (buf) {
        if (n == alloc) {
            if (alloc >= cap) {
                *too_big = 1;
                break;
            }
            alloc = alloc * 2 > cap ? (size_t)cap : alloc * 2;
            uint8_t *nb = realloc(buf, alloc);
            if (!nb)
                break;
            buf = nb;
        }
        ssize_t r = read(0, buf + n, alloc - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        if (r == 0) {
            *len = n;
            return buf;
        }
        n += (size_t)r;
    }
    free(buf);
    return NULL;
}

static int analyze_one(fg_scanner *sc, const struct aopts *o, const char *path, uint64_t max)
{
    fg_analysis *a = NULL;
    int rc;
    if (!strcmp(path, "-")) {
        size_t len = 0;
        int too_big = 0;
        uint8_t *data = read_stdin(max ? max : (1ULL << 40), &len, &too_big);
        if (!data) {
            fprintf(stderr, "flowgate analyze: standard input: %s\n",
                    too_big ? "larger than --max-size" : "cannot read");
            return FG_EXIT_ERROR;
        }
        rc = fg_analyze_mem(sc, "-", data, len, &a);
        free(data);
    } else {
        rc = fg_analyze_file(sc, path, &a);
    }
    if (rc) {
        fprintf(stderr, "flowgate analyze: %s: %s\n", path, fg_strerror(rc));
        return FG_EXIT_ERROR;
    }
    const struct fg_analysis_info *i = fg_analysis_get(a);
    if (o->json) {
        char *j = fg_analysis_json(a);
        if (j)
            puts(j);
        free(j);
    } else {
        print_text(o, i);
    }
    fflush(stdout);
    int bad = i->error != NULL;
    if (bad)
        fprintf(stderr, "flowgate analyze: %s: %s\n", i->path, i->error);
    fg_analysis_free(a);
    return bad ? FG_EXIT_ERROR : 0;
}

enum { O_JSON = 1000, O_NO_BUILTIN, O_MAX_SIZE, O_TIMEOUT };

static const struct option longopts[] = {
    {"rules", required_argument, NULL, 'r'},
    {"no-builtin-rules", no_argument, NULL, O_NO_BUILTIN},
    {"json", no_argument, NULL, O_JSON},
    {"verbose", no_argument, NULL, 'v'},
    {"max-size", required_argument, NULL, O_MAX_SIZE},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Builds the engine: built-in capability rules first, then the analyst's. */
static int build_engine(fg_engine *e, const struct aopts *o, char **rules, size_t nrules,
                        const struct fg_limits *l)
{
    if (o->builtin && fg_engine_add_capability_rules(e)) {
        fprintf(stderr, "flowgate analyze: built-in capability rules: %s\n", fg_engine_error(e));
        return -1;
    }
    for (size_t i = 0; i < nrules; i++)
        if (fg_engine_add_rules_path(e, rules[i])) {
            fprintf(stderr, "flowgate analyze: %s\n", fg_engine_error(e));
            return -1;
        }
    fg_engine_set_limits(e, l);
    if (fg_engine_compile(e)) {
        fprintf(stderr, "flowgate analyze: %s\n", fg_engine_error(e));
        return -1;
    }
    return 0;
}

int cmd_analyze(int argc, char **argv)
{
    struct aopts o = {.builtin = 1};
    fg_engine *e = NULL;
    fg_scanner *sc = NULL;
    struct cli_paths paths = {0};
    char **rules = calloc((size_t)argc + 1, sizeof(char *));
    size_t nrules = 0;
    int rc = FG_EXIT_ERROR, c;
    struct fg_limits l;
    fg_limits_default(&l);
    if (!rules)
        goto out;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:vh", longopts, NULL)) != -1) {
        uint64_t sz;
        switch (c) {
        case 'h': analyze_usage(stdout); rc = 0; goto out;
        case 'r': rules[nrules++] = optarg; break;
        case 'v': o.verbose = 1; break;
        case O_JSON: o.json = 1; break;
        case O_NO_BUILTIN: o.builtin = 0; break;
        case O_MAX_SIZE:
            if (cli_parse_size(optarg, &sz)) {
                fprintf(stderr, "flowgate analyze: invalid value for --max-size: '%s'\n", optarg);
                goto out;
            }
            l.max_object_size = sz;
            break;
        case O_TIMEOUT:
            if (cli_parse_uint(optarg, &l.max_seconds)) {
                fprintf(stderr, "flowgate analyze: invalid value for --timeout: '%s'\n", optarg);
                goto out;
            }
            break;
        default: fprintf(stderr, "Try 'flowgate analyze --help'.\n"); goto out;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "flowgate analyze: no SAMPLE given\nTry 'flowgate analyze --help'.\n");
        goto out;
    }
    if (!o.builtin && !nrules) {
        fprintf(stderr, "flowgate analyze: --no-builtin-rules needs --rules\n");
        goto out;
    }
    if (fg_engine_new(&e)) {
        fprintf(stderr, "flowgate analyze: cannot initialise the engine\n");
        goto out;
    }
    if (build_engine(e, &o, rules, nrules, &l))
        goto out;
    if (fg_scanner_new(e, &sc)) {
        fprintf(stderr, "flowgate analyze: cannot start a scanner\n");
        goto out;
    }
    for (int i = optind; i < argc; i++)
        if (cli_walk(argv[i], &paths)) {
            fprintf(stderr, "flowgate analyze: out of memory\n");
            goto out;
        }
    rc = paths.errors ? FG_EXIT_ERROR : 0;
    for (size_t i = 0; i < paths.n; i++)
        if (analyze_one(sc, &o, paths.p[i], l.max_object_size))
            rc = FG_EXIT_ERROR;
out:
    free(rules);
    cli_paths_free(&paths);
    fg_scanner_free(sc);
    fg_engine_free(e);
    return rc;
}
