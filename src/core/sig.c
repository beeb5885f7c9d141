/*
 * sig.c - the fg_sig handle of `flowgate sig`: samples, goodware directories and options in;
 * the rule, its check and the ClamAV signatures out.  Owns the order of the work: strings of
 * the samples, libyara probes against samples and goodware, selection, rule, check, retry.
 */
#define _GNU_SOURCE
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yara.h>

#include "limits.h"
#include "digest.h"

struct sig_sample {
    char *path;
    uint8_t *data;
    size_t len;
    char sha256[65], md5[33];
};

struct fg_sig {
    char name[160];
    int name_given;
    char *author;
    unsigned min_length, max_strings;
    struct sig_sample *smp;
    size_t nsmp;
    char **dirs; /* goodware directories given; none: the defaults */
    size_t ndirs;
    struct sig_goodware gw;
    struct sig_strtab tab;
    size_t *cand; /* candidate strings (indices into tab.v), probed against goodware */
    size_t ncand;
    size_t sel[FG_CAP_SIG_RULE_STRINGS];
    size_t nsel;
    unsigned k;
    struct sig_header hdr;
    char cond[256];
    char *rule, *hdb, *ndb;
    struct fg_sig_string strings[FG_CAP_SIG_RULE_STRINGS];
    char ids[FG_CAP_SIG_RULE_STRINGS][8];
    const char **spaths, **ssha, **gwpaths, **gwdirs;
    struct fg_sig_info info;
    fg_sig_progress_fn progress;
    void *progress_arg;
    char err[512];
};

static void set_error(fg_sig *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(fg_sig *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err, sizeof g->err, fmt, ap);
    va_end(ap);
}

const char *fg_sig_error(const fg_sig *g) { return g ? g->err : ""; }

void fg_sig_options_default(struct fg_sig_options *o)
{
    *o = (struct fg_sig_options){.min_length = 6, .max_strings = 12};
}

int fg_sig_new(const struct fg_sig_options *o, fg_sig **out)
{
    struct fg_sig_options d;
    fg_sig_options_default(&d);
    if (!o)
        o = &d;
    *out = NULL;
    if (o->min_length < 4 || o->min_length > FG_CAP_SIG_STRING || !o->max_strings ||
        o->max_strings > FG_CAP_SIG_RULE_STRINGS)
        return FG_EINVAL;
    fg_sig *g = calloc(1, sizeof *g);
    if (!g)
        return FG_ENOMEM;
    if (yr_initialize() != ERROR_SUCCESS) {
        free(g);
        return FG_EINTERNAL;
    }
    sig_strtab_init(&g->tab);
    g->min_length = o->min_length;
    g->max_strings = o->max_strings;
    g->author = strdup(o->author ? o->author : "flowgate sig");
    if (!g->author) {
        fg_sig_free(g);
        return FG_ENOMEM;
    }
    if (o->name) {
        if (!sig_name_valid(o->name)) {
            fg_sig_free(g);
            return FG_EINVAL;
        }
        snprintf(g->name, sizeof g->name, "%s", o->name);
        g->name_given = 1;
    }
    *out = g;
    return FG_OK;
}

void fg_sig_free(fg_sig *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nsmp; i++) {
        free(g->smp[i].path);
        free(g->smp[i].data);
    }
    free(g->smp);
    for (size_t i = 0; i < g->ndirs; i++)
        free(g->dirs[i]);
    free(g->dirs);
    sig_goodware_free(&g->gw);
    sig_strtab_free(&g->tab);
    free(g->cand);
    free(g->rule);
    free(g->hdb);
    free(g->ndb);
    free(g->spaths);
    free(g->ssha);
    free(g->gwpaths);
    free(g->gwdirs);
    free(g->author);
    yr_finalize();
    free(g);
}

void fg_sig_set_progress(fg_sig *g, fg_sig_progress_fn fn, void *arg)
{
    g->progress = fn;
    g->progress_arg = arg;
}

int fg_sig_add_sample_mem(fg_sig *g, const char *name, const void *data, size_t len)
{
    if (g->nsmp >= FG_CAP_SIG_SAMPLES) {
        set_error(g, "%s: more than %d samples", name, FG_CAP_SIG_SAMPLES);
        return FG_ELIMIT;
    }
    if (len > FG_CAP_SIG_SAMPLE_SIZE) {
        set_error(g, "%s: larger than %u MiB", name, FG_CAP_SIG_SAMPLE_SIZE >> 20);
        return FG_ELIMIT;
    }
    if (!len) {
        set_error(g, "%s: empty file", name);
        return FG_EINVAL;
    }
    struct sig_sample *ns = realloc(g->smp, (g->nsmp + 1) * sizeof *ns);
    if (!ns)
        return FG_ENOMEM;
    g->smp = ns;
    struct sig_sample *s = &g->smp[g->nsmp];
    memset(s, 0, sizeof *s);
    s->path = strdup(name);
    s->data = malloc(len);
    if (!s->path || !s->data) {
        free(s->path);
        free(s->data);
        return FG_ENOMEM;
    }
    memcpy(s->data, data, len);
    s->len = len;
    fg_sha256(data, len, NULL, s->sha256);
    fg_md5_hex(data, len, s->md5);
    g->nsmp++;
    return FG_OK;
}

int fg_sig_add_sample(fg_sig *g, const char *path)
{
    uint8_t *buf = NULL;
    size_t alloc = 0, len = 0;
    struct stat st;
    if (stat(path, &st)) {
        set_error(g, "%s: %s", path, strerror(errno));
        return FG_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        set_error(g, "%s: not a regular file", path);
        return FG_EIO;
    }
    if ((uint64_t)st.st_size > FG_CAP_SIG_SAMPLE_SIZE) {
        set_error(g, "%s: larger than %u MiB", path, FG_CAP_SIG_SAMPLE_SIZE >> 20);
        return FG_ELIMIT;
    }
    int rc = sig_file_read(path, 1, &buf, &alloc, &len);
    if (rc) {
        set_error(g, "%s: %s", path, strerror(errno ? errno : EIO));
        free(buf);
        return rc;
    }
    rc = fg_sig_add_sample_mem(g, path, buf, len);
    free(buf);
    return rc;
}

int fg_sig_add_goodware(fg_sig *g, const char *dir)
{
    struct stat st;
    if (stat(dir, &st)) {
        set_error(g, "goodware %s: %s", dir, strerror(errno));
        return FG_EIO;
    }
    char **nd = realloc(g->dirs, (g->ndirs + 1) * sizeof *nd);
    if (!nd)
        return FG_ENOMEM;
    g->dirs = nd;
    if (!(g->dirs[g->ndirs] = strdup(dir)))
        return FG_ENOMEM;
    g->ndirs++;
    return FG_OK;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(fg_sig *g, const char *stage, uint64_t done, uint64_t total)
{
    if (g->progress)
        g->progress(g->progress_arg, stage, done, total);
}

/* ---- strings and candidates */

static int by_candidate(const void *a, const void *b, void *arg)
{
    const struct sig_strtab *t = arg;
    const struct sig_str *x = &t->v[*(const size_t *)a], *y = &t->v[*(const size_t *)b];
    int cx = __builtin_popcountll(x->exact), cy = __builtin_popcountll(y->exact);
    if (cx != cy)
        return cy - cx;
    if (x->score != y->score)
        return y->score - x->score;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* Extracts and scores the samples' strings and keeps the best FG_CAP_SIG_CANDIDATES, those
 * found whole in the most samples first. */
static int collect(fg_sig *g)
{
    for (size_t i = 0; i < g->nsmp; i++) {
        int rc = sig_strings_extract(&g->tab, g->smp[i].data, g->smp[i].len, g->min_length,
                                     (unsigned)i);
        if (rc) {
            set_error(g, "%s: strings: %s", g->smp[i].path, fg_strerror(rc));
            return rc;
        }
    }
    g->cand = malloc((g->tab.n ? g->tab.n : 1) * sizeof *g->cand);
    if (!g->cand)
        return FG_ENOMEM;
    for (size_t i = 0; i < g->tab.n; i++) {
        struct sig_str *s = &g->tab.v[i];
        s->score = sig_score(sig_str_text(&g->tab, s), s->len);
        if (s->score >= 0)
            g->cand[g->ncand++] = i;
        else
            g->info.rejected++;
    }
    qsort_r(g->cand, g->ncand, sizeof *g->cand, by_candidate, &g->tab);
    if (g->ncand > FG_CAP_SIG_CANDIDATES)
        g->ncand = FG_CAP_SIG_CANDIDATES;
    return FG_OK;
}

/* The probe: one rule per thousand candidates (libyara's per-rule string limit is 10,000),
 * each string named "$c<index into the table>". */
static char *probe_text(const fg_sig *g)
{
    struct fg_buf b;
    fg_buf_init(&b, (uint64_t)g->ncand * (4 * FG_CAP_SIG_STRING + 64) + 4096);
    int rc = FG_OK;
    for (size_t i = 0; i < g->ncand && !rc; i++) {
        char line[64];
        const struct sig_str *s = &g->tab.v[g->cand[i]];
        if (i % 1000 == 0) {
            int n = snprintf(line, sizeof line, "%srule probe%zu { strings:\n",
                             i ? "condition: any of them }\n" : "", i / 1000);
            rc = fg_buf_append(&b, line, (size_t)n);
        }
        int n = snprintf(line, sizeof line, "$c%zu = \"", g->cand[i]);
        if (!rc)
            rc = fg_buf_append(&b, line, (size_t)n);
        if (!rc)
            rc = sig_yara_escape(&b, (const uint8_t *)sig_str_text(&g->tab, s), s->len);
        if (!rc)
            rc = fg_buf_append(&b, s->wide ? "\" wide\n" : "\"\n", s->wide ? 7 : 2);
    }
    if (!rc && g->ncand)
        rc = fg_buf_append(&b, "condition: any of them }\n", 25);
    if (!rc)
        rc = fg_buf_putc(&b, 0);
    size_t len;
    if (rc) {
        fg_buf_free(&b);
        return NULL;
    }
    return (char *)fg_buf_steal(&b, &len);
}

struct hit_arg {
    fg_sig *g;
    uint64_t bit;   /* sample bit to set in cover; 0: a goodware file */
    size_t *rule_hits; /* for the check: hits of "$s<i>" are marked here */
};

static void on_probe_hit(void *arg, size_t idx)
{
    struct hit_arg *a = arg;
    if (idx >= a->g->tab.n)
        return;
    if (a->bit)
        a->g->tab.v[idx].cover |= a->bit;
    else
        a->g->tab.v[idx].in_goodware = 1;
}

static int same_as_sample(const fg_sig *g, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < g->nsmp; i++)
        if (g->smp[i].len == n && !memcmp(g->smp[i].data, p, n))
            return 1;
    return 0;
}

/* Scans every goodware file with 'rules'; cb gets the string hits ('prefix' strings).
 * During the probe (first pass) unreadable files and copies of samples are marked skipped.
 * *matched counts the files any rule matched. */
static int scan_goodware(fg_sig *g, YR_RULES *rules, char prefix, const char *stage,
                         void (*cb)(void *, size_t), void *arg, size_t *matched)
{
    uint8_t *buf = NULL;
    size_t alloc = 0, len = 0;
    int rc = FG_OK, first = prefix == 'c';
    *matched = 0;
    for (size_t i = 0; i < g->gw.n && rc != FG_ENOMEM; i++) {
        struct sig_gwfile *f = &g->gw.f[i];
        progress(g, stage, i + 1, g->gw.n);
        if (f->skip)
            continue;
        if (sig_file_read(f->path, 0, &buf, &alloc, &len)) {
            f->skip = 1;
            g->gw.unreadable++;
            continue;
        }
        if (first && same_as_sample(g, buf, len)) {
            f->skip = 1;
            g->gw.same_as_sample++;
            continue;
        }
        int m = 0;
        rc = sig_yara_scan(rules, buf, len, prefix, cb, arg, &m);
        if (rc == FG_ETIMEOUT && first) {
            /* What it contains is unknown: it cannot vouch for any string. */
            f->skip = 1;
            g->gw.unreadable++;
            rc = FG_OK;
        }
        *matched += m != 0;
    }
    free(buf);
    return rc == FG_ETIMEOUT ? FG_OK : rc;
}

static int probe(fg_sig *g)
{
    char *text = probe_text(g);
    YR_RULES *rules = NULL;
    char err[256];
    if (!text)
        return FG_ENOMEM;
    int rc = sig_yara_compile(text, &rules, err, sizeof err);
    free(text);
    if (rc) {
        set_error(g, "internal: probe rules: %s", err);
        return rc == FG_ERULES ? FG_EINTERNAL : rc;
    }
    for (size_t i = 0; i < g->nsmp && !rc; i++) {
        struct hit_arg a = {g, 1ULL << i, NULL};
        int m;
        rc = sig_yara_scan(rules, g->smp[i].data, g->smp[i].len, 'c', on_probe_hit, &a, &m);
        if (rc)
            set_error(g, "%s: probe scan: %s", g->smp[i].path, fg_strerror(rc));
    }
    size_t matched;
    struct hit_arg a = {g, 0, NULL};
    if (!rc)
        rc = scan_goodware(g, rules, 'c', "probe", on_probe_hit, &a, &matched);
    yr_rules_destroy(rules);
    for (size_t i = 0; i < g->ncand; i++)
        g->info.in_goodware += g->tab.v[g->cand[i]].in_goodware;
    return rc;
}

/* ---- the rule, its check, and what went into it */

static uint64_t all_mask(const fg_sig *g)
{
    return g->nsmp >= 64 ? ~0ULL : (1ULL << g->nsmp) - 1;
}

/* Why no rule could be built, in numbers a user can act on. */
static void explain_empty(fg_sig *g)
{
    size_t shared = 0, shared_gw = 0;
    for (size_t i = 0; i < g->ncand; i++) {
        const struct sig_str *s = &g->tab.v[g->cand[i]];
        if ((s->cover & all_mask(g)) == all_mask(g)) {
            shared++;
            shared_gw += s->in_goodware;
        }
    }
    set_error(g,
              "no usable string: the samples have %zu strings of %u or more characters; %zu "
              "were rejected (padding, repeated characters, format or runtime boilerplate); "
              "of the %zu best, %zu are in every sample and %zu of those are also in the "
              "goodware set (%zu files)",
              g->tab.n, g->min_length, g->info.rejected, g->ncand, shared, shared_gw,
              g->gw.n - g->gw.unreadable - g->gw.same_as_sample);
}

static int build_rule(fg_sig *g)
{
    unsigned k = 0;
    size_t n = sig_select(&g->tab, g->nsmp, g->max_strings, g->sel, &k);
    if (!n) {
        explain_empty(g);
        return FG_EFORMAT;
    }
    if (!k) {
        for (size_t s = 0; s < g->nsmp; s++) {
            int hit = 0;
            for (size_t i = 0; i < n; i++)
                hit |= (int)((g->tab.v[g->sel[i]].cover >> s) & 1);
            if (!hit) {
                set_error(g, "%s shares no string absent from goodware with the other samples; "
                          "make a separate rule for it", g->smp[s].path);
                break;
            }
        }
        return FG_EFORMAT;
    }
    g->nsel = n;
    g->k = k;
    char date[16];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    uint64_t max = 0;
    for (size_t i = 0; i < g->nsmp; i++)
        if (g->smp[i].len > max)
            max = g->smp[i].len;
    struct sig_rule_in in = {
        .name = g->name, .author = g->author, .date = date, .sha256 = g->ssha,
        .nsamples = g->nsmp, .ngoodware = g->gw.n - g->gw.unreadable - g->gw.same_as_sample,
        .max_size = max, .header = &g->hdr, .t = &g->tab, .sel = g->sel, .nsel = n, .k = k};
    free(g->rule);
    g->rule = sig_rule_text(&in, g->cond, sizeof g->cond);
    return g->rule ? FG_OK : FG_ENOMEM;
}

static void on_check_hit(void *arg, size_t idx)
{
    struct hit_arg *a = arg;
    if (idx < a->g->nsel)
        a->g->tab.v[a->g->sel[idx]].in_goodware = 1;
}

/* Compiles the rule and scans samples and goodware with it.  Strings seen in a goodware
 * file the rule matched are marked, for the next attempt. */
static int check_rule(fg_sig *g)
{
    YR_RULES *rules = NULL;
    char err[256];
    int rc = sig_yara_compile(g->rule, &rules, err, sizeof err);
    if (rc) {
        set_error(g, "internal: the generated rule does not compile: %s", err);
        return rc == FG_ERULES ? FG_EINTERNAL : rc;
    }
    struct hit_arg a = {g, 0, NULL};
    g->info.samples_matched = 0;
    for (size_t i = 0; i < g->nsmp && !rc; i++) {
        int m = 0;
        rc = sig_yara_scan(rules, g->smp[i].data, g->smp[i].len, 's', on_check_hit, &a, &m);
        g->info.samples_matched += m != 0;
    }
    /* A sample's own strings are not goodware: undo what its scan marked. */
    for (size_t i = 0; i < g->nsel; i++)
        g->tab.v[g->sel[i]].in_goodware = 0;
    if (!rc)
        rc = scan_goodware(g, rules, 's', "check", on_check_hit, &a, &g->info.goodware_matched);
    yr_rules_destroy(rules);
    if (rc)
        set_error(g, "checking the rule: %s", fg_strerror(rc));
    return rc;
}

static int finish_clamav(fg_sig *g)
{
    const char **md5 = calloc(g->nsmp, sizeof *md5);
    uint64_t *size = calloc(g->nsmp, sizeof *size);
    struct sig_view *v = calloc(g->nsmp, sizeof *v);
    int rc = FG_ENOMEM;
    if (!md5 || !size || !v)
        goto out;
    for (size_t i = 0; i < g->nsmp; i++) {
        md5[i] = g->smp[i].md5;
        size[i] = g->smp[i].len;
        v[i] = (struct sig_view){g->smp[i].data, g->smp[i].len};
    }
    g->hdb = sig_clamav_hdb(g->name, md5, g->ssha, size, g->nsmp);
    g->ndb = sig_clamav_ndb(g->name, g->hdr.kind, v, g->nsmp, &g->tab, g->sel, g->nsel,
                            &g->info.ndb_bytes);
    if (g->hdb && g->ndb)
        rc = FG_OK;
out:
    free(md5);
    free(size);
    free(v);
    return rc;
}

/* Lists the goodware files and prepares the arrays the info points into. */
static int prepare(fg_sig *g)
{
    const char *const *dirs = (const char *const *)g->dirs;
    size_t ndirs = g->ndirs;
    if (!ndirs) {
        dirs = sig_goodware_default_dirs();
        while (dirs[ndirs])
            ndirs++;
    }
    g->gwdirs = calloc(ndirs + 1, sizeof *g->gwdirs);
    g->spaths = calloc(g->nsmp, sizeof *g->spaths);
    g->ssha = calloc(g->nsmp, sizeof *g->ssha);
    if (!g->gwdirs || !g->spaths || !g->ssha)
        return FG_ENOMEM;
    for (size_t i = 0; i < g->nsmp; i++) {
        g->spaths[i] = g->smp[i].path;
        g->ssha[i] = g->smp[i].sha256;
    }
    for (size_t i = 0; i < ndirs; i++) {
        g->gwdirs[i] = dirs[i];
        progress(g, "list", i + 1, ndirs);
        int rc = sig_goodware_walk(&g->gw, dirs[i]);
        if (rc == FG_EIO)
            g->gw.unreadable++;
        else if (rc)
            return rc;
    }
    g->info.ngoodware_dirs = ndirs;
    if (!g->name_given)
        sig_name_derive(g->smp[0].path, g->name, sizeof g->name);
    struct sig_view *v = calloc(g->nsmp, sizeof *v);
    if (!v)
        return FG_ENOMEM;
    for (size_t i = 0; i < g->nsmp; i++)
        v[i] = (struct sig_view){g->smp[i].data, g->smp[i].len};
    sig_header_detect(v, g->nsmp, &g->hdr);
    free(v);
    return FG_OK;
}

static int fill_info(fg_sig *g)
{
    struct fg_sig_info *i = &g->info;
    size_t listed = 0;
    g->gwdirs[i->ngoodware_dirs] = NULL;
    g->gwpaths = calloc(g->gw.n + 1, sizeof *g->gwpaths);
    if (!g->gwpaths)
        return FG_ENOMEM;
    for (size_t k = 0; k < g->gw.n; k++)
        if (!g->gw.f[k].skip)
            g->gwpaths[listed++] = g->gw.f[k].path;
    for (size_t k = 0; k < g->nsel; k++) {
        const struct sig_str *s = &g->tab.v[g->sel[k]];
        snprintf(g->ids[k], sizeof g->ids[k], "$s%u", (unsigned)(k % FG_CAP_SIG_RULE_STRINGS));
        g->strings[k] = (struct fg_sig_string){g->ids[k], sig_str_text(&g->tab, s), s->wide,
                                               s->score};
    }
    for (size_t k = 0; k < g->ncand; k++) {
        const struct sig_str *s = &g->tab.v[g->cand[k]];
        i->partial += !s->in_goodware && s->cover && (s->cover & all_mask(g)) != all_mask(g);
    }
    int partial_mode = 0;
    for (size_t k = 0; k < g->nsel; k++)
        partial_mode |= (g->tab.v[g->sel[k]].cover & all_mask(g)) != all_mask(g);
    i->name = g->name;
    i->rule = g->rule;
    i->hdb = g->hdb;
    i->ndb = g->ndb;
    i->condition = g->cond;
    i->kind = g->hdr.kind;
    i->nsamples = g->nsmp;
    i->sample_paths = g->spaths;
    i->sample_sha256 = g->ssha;
    i->nstrings = g->nsel;
    i->strings = g->strings;
    i->k = g->k;
    i->candidates = g->ncand;
    i->partial_mode = partial_mode;
    i->goodware_dirs = g->gwdirs;
    i->goodware_files = listed;
    i->goodware_paths = g->gwpaths;
    i->goodware_bytes = 0;
    for (size_t k = 0; k < g->gw.n; k++)
        i->goodware_bytes += g->gw.f[k].skip ? 0 : g->gw.f[k].size;
    i->goodware_too_large = g->gw.too_large;
    i->goodware_unreadable = g->gw.unreadable;
    i->goodware_same = g->gw.same_as_sample;
    i->goodware_capped = g->gw.capped;
    return FG_OK;
}

int fg_sig_generate(fg_sig *g)
{
    if (!g->nsmp) {
        set_error(g, "no samples");
        return FG_EINVAL;
    }
    if (g->rule) {
        set_error(g, "fg_sig_generate() was already called on this handle");
        return FG_EINVAL;
    }
    double t0 = now();
    int rc = prepare(g);
    double t1 = now();
    if (!rc)
        rc = collect(g);
    if (!rc)
        rc = probe(g);
    double t2 = now();
    g->info.seconds_list = t1 - t0;
    g->info.seconds_probe = t2 - t1;
    while (!rc) {
        rc = build_rule(g);
        if (!rc)
            rc = check_rule(g);
        if (rc || !g->info.goodware_matched)
            break;
        if (g->info.retries == FG_CAP_SIG_RETRIES) {
            set_error(g, "the rule still matches %zu goodware file(s) after %u rebuilds",
                      g->info.goodware_matched, g->info.retries);
            rc = FG_ERULES;
            break;
        }
        g->info.retries++;
    }
    g->info.seconds_check = now() - t2;
    if (!rc && g->info.samples_matched != g->nsmp) {
        set_error(g, "internal: the rule matches %zu of %zu samples", g->info.samples_matched,
                  g->nsmp);
        rc = FG_EINTERNAL;
    }
    if (!rc)
        rc = finish_clamav(g);
    if (g->gwdirs && (!rc || rc == FG_ERULES)) {
        int r2 = fill_info(g);
        rc = rc ? rc : r2;
    }
    if (rc == FG_ENOMEM && !g->err[0])
        set_error(g, "out of memory");
    return rc;
}

const struct fg_sig_info *fg_sig_get(const fg_sig *g) { return &g->info; }

/* ---- JSON summary (docs/internals/sig.md) */

static json_t *str_list(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

char *fg_sig_json(const fg_sig *g)
{
    const struct fg_sig_info *i = &g->info;
    json_t *o = json_object(), *strs = json_array(), *smp = json_array();
    if (!o || !strs || !smp) {
        json_decref(o);
        json_decref(strs);
        json_decref(smp);
        return NULL;
    }
    for (size_t k = 0; k < i->nstrings; k++)
        json_array_append_new(strs, json_pack("{s:s, s:s, s:b, s:i}", "id", i->strings[k].id,
                                              "text", i->strings[k].text, "wide",
                                              i->strings[k].wide, "score", i->strings[k].score));
    for (size_t k = 0; k < i->nsamples; k++)
        json_array_append_new(smp, json_pack("{s:s, s:s, s:I}", "path", g->smp[k].path,
                                             "sha256", g->smp[k].sha256, "size",
                                             (json_int_t)g->smp[k].len));
    json_object_set_new(o, "name", json_string(g->name));
    json_object_set_new(o, "ok", json_boolean(i->rule && !i->goodware_matched &&
                                              i->samples_matched == i->nsamples));
    json_object_set_new(o, "samples", smp);
    json_object_set_new(o, "samples_matched", json_integer((json_int_t)i->samples_matched));
    json_object_set_new(o, "kind", json_string(i->kind ? i->kind : ""));
    json_object_set_new(o, "condition", json_string(i->condition ? i->condition : ""));
    json_object_set_new(o, "strings", strs);
    json_object_set_new(o, "required", json_integer(i->k));
    json_object_set_new(o, "partial_mode", json_boolean(i->partial_mode));
    json_object_set_new(o, "candidates", json_integer((json_int_t)i->candidates));
    json_object_set_new(o, "candidates_in_goodware", json_integer((json_int_t)i->in_goodware));
    json_object_set_new(o, "candidates_partial", json_integer((json_int_t)i->partial));
    json_object_set_new(o, "rejected", json_integer((json_int_t)i->rejected));
    json_object_set_new(o, "goodware", json_pack(
        "{s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:f, s:f, s:f}",
        "dirs", str_list(i->goodware_dirs, i->ngoodware_dirs),
        "files", (json_int_t)i->goodware_files, "bytes", (json_int_t)i->goodware_bytes,
        "too_large", (json_int_t)i->goodware_too_large,
        "unreadable", (json_int_t)i->goodware_unreadable,
        "same_as_sample", (json_int_t)i->goodware_same, "capped", i->goodware_capped,
        "matched", (json_int_t)i->goodware_matched, "seconds_list", i->seconds_list,
        "seconds_probe", i->seconds_probe, "seconds_check", i->seconds_check));
    json_object_set_new(o, "retries", json_integer(i->retries));
    json_object_set_new(o, "rule", json_string(i->rule ? i->rule : ""));
    json_object_set_new(o, "clamav", json_pack("{s:s, s:s, s:I}", "hdb", i->hdb ? i->hdb : "",
                                               "ndb", i->ndb ? i->ndb : "", "ndb_bytes",
                                               (json_int_t)i->ndb_bytes));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}
