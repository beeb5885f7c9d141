/*
 * sweep.c - correlation across triaged hosts (`flowgate sweep`): the same file hash, autostart
 * command, suspicious name or YARA hit on several hosts, and hunted indicators, each with the
 * hosts and paths where they were seen.  It owns copies of what it reports.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "flowgate/triage.h"

struct ind {
    struct fg_sweep_indicator pub;
    char **hosts;
    struct fg_sweep_hit *hits;
    size_t hit_alloc;
    int strong; /* flagged medium or worse somewhere */
};

struct fg_sweep {
    struct ind *v;
    size_t n, alloc;
    const struct fg_sweep_indicator **out; /* kept indicators, in report order */
    size_t nout;
};

static struct ind *get_ind(fg_sweep *s, const char *type, const char *value, int hunted)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].pub.type, type) && !strcmp(s->v[i].pub.value, value)) {
            s->v[i].pub.hunted |= hunted;
            return &s->v[i];
        }
    if (s->n == s->alloc) {
        size_t na = s->alloc ? s->alloc * 2 : 64;
        struct ind *nv = realloc(s->v, na * sizeof(*nv));
        if (!nv)
            return NULL;
        s->v = nv;
        s->alloc = na;
    }
    struct ind *d = &s->v[s->n];
    memset(d, 0, sizeof(*d));
    d->pub.type = strdup(type);
    d->pub.value = strdup(value);
    if (!d->pub.type || !d->pub.value) {
        free((void *)d->pub.type);
        free((void *)d->pub.value);
        return NULL;
    }
    d->pub.hunted = hunted;
    s->n++;
    return d;
}

static int add_hit(struct ind *d, const struct fg_tri_finding *f, int strong)
{
    d->strong |= strong;
    for (size_t i = 0; i < d->pub.nhits; i++)
        if (!strcmp(d->hits[i].host, f->host) && !strcmp(d->hits[i].path, f->path))
            return 0;
    if (d->pub.nhits == d->hit_alloc) {
        size_t na = d->hit_alloc ? d->hit_alloc * 2 : 8;
        struct fg_sweep_hit *nh = realloc(d->hits, na * sizeof(*nh));
        if (!nh)
            return -1;
        d->hits = nh;
        d->hit_alloc = na;
    }
    struct fg_sweep_hit *h = &d->hits[d->pub.nhits];
    h->host = strdup(f->host);
    h->path = strdup(f->path);
    h->evidence = strdup(f->evidence);
    if (!h->host || !h->path || !h->evidence) {
        free((void *)h->host);
        free((void *)h->path);
        free((void *)h->evidence);
        return -1;
    }
    d->pub.nhits++;
    size_t j = 0;
    while (j < d->pub.nhosts && strcmp(d->hosts[j], f->host))
        j++;
    if (j == d->pub.nhosts) {
        char **nh = realloc(d->hosts, (j + 1) * sizeof(char *));
        if (!nh || !(nh[j] = strdup(f->host))) {
            if (nh)
                d->hosts = nh;
            return -1;
        }
        d->hosts = nh;
        d->pub.nhosts++;
    }
    return 0;
}

/* What one finding says about indicators (an autostart finding names a command and the
 * target's hash; a name finding a name and a hash ...). */
static int absorb(fg_sweep *s, const struct fg_tri_finding *f)
{
    int strong = f->severity >= FG_SEV_MEDIUM, rc = 0;
    struct ind *d;
    if (!strcmp(f->id, "tri.ioc")) {
        d = get_ind(s, f->command, f->rule, 1);
        return d ? add_hit(d, f, 1) : -1;
    }
    if (f->sha256[0] && (d = get_ind(s, "sha256", f->sha256, 0)))
        rc |= add_hit(d, f, strong);
    if (!strncmp(f->id, "tri.autostart.", 14) && f->command[0] &&
        (d = get_ind(s, "autostart", f->command, 0)))
        rc |= add_hit(d, f, strong);
    if (!strncmp(f->id, "tri.name.", 9) && f->name[0]) {
        char low[1024];
        size_t i = 0;
        for (; f->name[i] && i + 1 < sizeof(low); i++)
            low[i] = (char)tolower((unsigned char)f->name[i]);
        low[i] = 0;
        if ((d = get_ind(s, "name", low, 0)))
            rc |= add_hit(d, f, strong);
    }
    if (!strcmp(f->id, "tri.yara") && f->rule[0] && (d = get_ind(s, "yara", f->rule, 0)))
        rc |= add_hit(d, f, 1);
    return rc;
}

static int order(const void *a, const void *b)
{
    const struct fg_sweep_indicator *x = *(const struct fg_sweep_indicator *const *)a;
    const struct fg_sweep_indicator *y = *(const struct fg_sweep_indicator *const *)b;
    if (x->hunted != y->hunted)
        return y->hunted - x->hunted;
    if (x->nhosts != y->nhosts)
        return x->nhosts < y->nhosts ? 1 : -1;
    int c = strcmp(x->type, y->type);
    return c ? c : strcmp(x->value, y->value);
}

int fg_sweep_correlate(fg_triage *const *t, size_t n, int hunt_yara, fg_sweep **out)
{
    fg_sweep *s = calloc(1, sizeof(*s));
    if (!s)
        return FG_ENOMEM;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; t[k] && i < fg_triage_count(t[k]); i++)
            if (absorb(s, fg_triage_get(t[k], i))) {
                fg_sweep_free(s);
                return FG_ENOMEM;
            }
    s->out = calloc(s->n ? s->n : 1, sizeof(*s->out));
    if (!s->out) {
        fg_sweep_free(s);
        return FG_ENOMEM;
    }
    for (size_t i = 0; i < s->n; i++) {
        struct ind *d = &s->v[i];
        d->pub.hosts = (const char *const *)d->hosts;
        d->pub.hits = d->hits;
        if (hunt_yara && !strcmp(d->pub.type, "yara"))
            d->pub.hunted = 1;
        if (d->pub.hunted || (d->pub.nhosts >= 2 && d->strong))
            s->out[s->nout++] = &d->pub;
    }
    qsort(s->out, s->nout, sizeof(*s->out), order);
    *out = s;
    return 0;
}

void fg_sweep_free(fg_sweep *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        struct ind *d = &s->v[i];
        free((void *)d->pub.type);
        free((void *)d->pub.value);
        for (size_t j = 0; j < d->pub.nhosts; j++)
            free(d->hosts[j]);
        free(d->hosts);
        for (size_t j = 0; j < d->pub.nhits; j++) {
            free((void *)d->hits[j].host);
            free((void *)d->hits[j].path);
            free((void *)d->hits[j].evidence);
        }
        free(d->hits);
    }
    free(s->v);
    free(s->out);
    free(s);
}

size_t fg_sweep_count(const fg_sweep *s)
{
    return s ? s->nout : 0;
}

const struct fg_sweep_indicator *fg_sweep_get(const fg_sweep *s, size_t i)
{
    return s && i < s->nout ? s->out[i] : NULL;
}

char *fg_sweep_indicator_json(const struct fg_sweep_indicator *ind)
{
    json_t *hosts = json_array(), *hits = json_array();
    for (size_t i = 0; i < ind->nhosts; i++)
        json_array_append_new(hosts, json_string(ind->hosts[i]));
    for (size_t i = 0; i < ind->nhits; i++)
        json_array_append_new(hits, json_pack("{s:s,s:s,s:s}", "host", ind->hits[i].host,
                                              "path", ind->hits[i].path, "evidence",
                                              ind->hits[i].evidence));
    json_t *o = json_pack("{s:{s:s,s:s},s:b,s:o,s:o}", "indicator", "type", ind->type, "value",
                          ind->value, "hunted", ind->hunted, "hosts", hosts, "findings", hits);
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}
