/*
 * analyze_rules.c - capability rules: the set shipped in rules/capabilities (compiled into
 * the library), and matching them against a sample to record each matched rule as a
 * capability with its meta fields and evidence.
 *
 * A rule's meta fields say what it means: capability (a name for people), namespace (where
 * it belongs, which decides how it counts in the judgement), attack (ATT&CK technique ids,
 * comma-separated) and description.  A rule without them is still listed, under its own
 * identifier, but counts toward no conclusion.
 */
#define _GNU_SOURCE
#include "analyze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "capability_rules.h"
#include "engine.h"
#include "limits.h"
#include "scan.h"

int fg_engine_add_capability_rules(fg_engine *e)
{
    for (size_t i = 0; i < fg_capability_rules_count; i++) {
        int rc = fg_engine_add_rules_string(e, fg_capability_rules[i].name,
                                            fg_capability_rules[i].text);
        if (rc)
            return rc;
    }
    return FG_OK;
}

struct match_arg {
    struct fg_analysis *a;
    int too_many;
};

static const char *meta_string(const YR_RULE *rule, const char *key)
{
    const YR_META *m;
    yr_rule_metas_foreach(rule, m)
    {
        if (m->type == META_TYPE_STRING && !strcmp(m->identifier, key))
            return m->string;
    }
    return NULL;
}

/* "T1071.001, T1095" -> a NULL-terminated array of pool strings (malloc'ed array). */
static int split_attack(struct fg_analysis *a, const char *s, struct fg_capability *c)
{
    size_t max = 1;
    for (const char *q = s; *q; q++)
        max += *q == ',';
    const char **v = calloc(max + 1, sizeof(char *));
    if (!v)
        return FG_ENOMEM;
    size_t n = 0;
    while (*s) {
        s += strspn(s, ", \t");
        size_t l = strcspn(s, ", \t");
        if (l) {
            if (!(v[n++] = an_str(a, s, l))) {
                free(v);
                return FG_ENOMEM;
            }
        }
        s += l;
    }
    c->attack = v;
    c->nattack = n;
    return FG_OK;
}

/* The section holding a file offset, or NULL. */
static const struct fg_section *section_at(const struct fg_analysis *a, uint64_t off)
{
    for (size_t i = 0; i < a->nsections; i++) {
        const struct fg_section *s = &a->sections[i];
        if (s->size && off >= s->offset && off - s->offset < s->size)
            return s;
    }
    return NULL;
}

/* An import whose function part (after '!' for PE) is exactly 'name', or NULL. */
static const char *import_named(const struct fg_analysis *a, const char *name)
{
    for (size_t i = 0; i < a->imports.n; i++) {
        const char *imp = a->imports.v[i], *bang = strchr(imp, '!');
        if (!strcmp(bang ? bang + 1 : imp, name))
            return imp;
    }
    return NULL;
}

/* One matched string described for a person: an import or symbol when the text is the name
 * of one, else the text and where it is. */
static void describe_match(const struct fg_analysis *a, int wide, const uint8_t *data,
                           size_t len, uint64_t offset, char *out, size_t cap)
{
    char text[128];
    size_t tl = 0;
    wide = wide && len >= 2 && data[1] == 0;
    for (size_t i = 0; i < len && tl < sizeof text - 1; i += wide ? 2 : 1)
        text[tl++] = (char)data[i];
    text[tl] = 0;
    char *clean = fg_str_sanitize(text, tl, 96);
    const char *t = clean ? clean : "";
    const char *imp = import_named(a, t);
    const struct fg_section *sec = section_at(a, offset);
    if (imp && !strcmp(a->format, "pe"))
        snprintf(out, cap, "import %s", imp);
    else if (imp)
        snprintf(out, cap, "imported symbol %s", imp);
    else if (sec && (!strcmp(sec->name, ".dynstr") || !strcmp(sec->name, ".strtab")))
        snprintf(out, cap, "symbol %s", t);
    else
        snprintf(out, cap, "%s\"%s\" at 0x%llx%s%s", wide ? "wide " : "", t,
                 (unsigned long long)offset, sec ? " in " : "", sec ? sec->name : "");
    free(clean);
}

/* Whether a match lies in a symbol string table, where a name means a symbol. */
static int in_symbol_strings(const struct fg_analysis *a, uint64_t off)
{
    const struct fg_section *s = section_at(a, off);
    return s && (!strcmp(s->name, ".dynstr") || !strcmp(s->name, ".strtab"));
}

/* libyara 4.2 keeps YR_MATCH records unaligned in its arena (see an_yara.c). */
__attribute__((no_sanitize("alignment")))
static void rule_evidence(struct fg_analysis *a, YR_SCAN_CONTEXT *sctx, const YR_RULE *rule,
                          char *ev, size_t cap)
{
    const YR_STRING *str;
    size_t used = 0, shown = 0, more = 0;
    ev[0] = 0;
    yr_rule_strings_foreach(rule, str)
    {
        /* The first match, or a later one in a symbol table: "symbol connect" says more than
         * the same word in a message. */
        const YR_MATCH *m, *pick = NULL;
        int looked = 0;
        yr_string_matches_foreach(sctx, str, m)
        {
            if (!pick)
                pick = m;
            if (in_symbol_strings(a, (uint64_t)m->offset)) {
                pick = m;
                break;
            }
            if (++looked >= 64)
                break;
        }
        if (!pick)
            continue;
        char item[256];
        /* Copied out here: only this function is exempt from the alignment check. */
        describe_match(a, STRING_IS_WIDE(str) != 0, pick->data,
                       pick->data_length > 0 ? (size_t)pick->data_length : 0,
                       (uint64_t)pick->offset, item, sizeof item);
        /* The same import or text found by two strings is named once. */
        if (strstr(ev, item))
            continue;
        if (shown >= FG_CAP_AN_EVIDENCE_ITEMS) {
            more++;
            continue;
        }
        int k = snprintf(ev + used, cap - used, "%s%s", shown ? "; " : "", item);
        if (k < 0 || (size_t)k >= cap - used) {
            ev[used] = 0;
            more++;
            continue;
        }
        used += (size_t)k;
        shown++;
    }
    if (more && used + 32 < cap)
        snprintf(ev + used, cap - used, "; and %zu more", more);
    if (!shown)
        snprintf(ev, cap, "matched on the file's structure (imports, symbols or headers)");
}

static int add_capability(struct match_arg *ma, YR_SCAN_CONTEXT *sctx, const YR_RULE *rule)
{
    struct fg_analysis *a = ma->a;
    if (a->ncaps >= FG_CAP_AN_CAPABILITIES) {
        if (!a->caps_dropped++)
            an_warn(a, "more than %u capability rules matched; the rest are not listed",
                    FG_CAP_AN_CAPABILITIES);
        return FG_OK;
    }
    if (a->ncaps == a->caps_alloc) {
        size_t na = a->caps_alloc ? a->caps_alloc * 2 : 16;
        struct fg_capability *nc = realloc(a->caps, na * sizeof *nc);
        if (!nc)
            return FG_ENOMEM;
        a->caps = nc;
        a->caps_alloc = na;
    }
    struct fg_capability *c = &a->caps[a->ncaps];
    memset(c, 0, sizeof *c);
    const char *name = meta_string(rule, "capability");
    const char *ns = meta_string(rule, "namespace");
    const char *desc = meta_string(rule, "description");
    const char *attack = meta_string(rule, "attack");
    char ev[FG_CAP_EVIDENCE];
    rule_evidence(a, sctx, rule, ev, sizeof ev);
    c->id = an_str(a, rule->identifier, strlen(rule->identifier));
    c->name = name ? an_str(a, name, strlen(name)) : c->id;
    c->ns = an_str(a, ns ? ns : "", ns ? strlen(ns) : 0);
    c->description = an_str(a, desc ? desc : "", desc ? strlen(desc) : 0);
    c->evidence = an_str(a, ev, strlen(ev));
    if (!c->id || !c->name || !c->ns || !c->description || !c->evidence ||
        split_attack(a, attack ? attack : "", c))
        return FG_ENOMEM;
    a->ncaps++;
    return FG_OK;
}

static int callback(YR_SCAN_CONTEXT *sctx, int message, void *data, void *user)
{
    struct match_arg *ma = user;
    if (message == CALLBACK_MSG_TOO_MANY_MATCHES)
        ma->too_many = 1;
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    if (add_capability(ma, sctx, data)) {
        ma->a->oom = 1;
        return CALLBACK_ABORT;
    }
    return CALLBACK_CONTINUE;
}

static int cmp_caps(const void *x, const void *y)
{
    const struct fg_capability *a = x, *b = y;
    int c = strcmp(a->ns, b->ns);
    return c ? c : strcmp(a->id, b->id);
}

int an_rules_match(fg_scanner *s, struct fg_analysis *a, const uint8_t *p, size_t n)
{
    if (!s->yr) {
        an_warn(a, "no capability rules are loaded");
        return FG_OK;
    }
    struct match_arg ma = {a, 0};
    unsigned secs = s->eng->limits.max_seconds;
    yr_scanner_set_callback(s->yr, callback, &ma);
    yr_scanner_set_timeout(s->yr, secs ? (int)secs : 0);
    yr_scanner_set_flags(s->yr, SCAN_FLAGS_REPORT_RULES_MATCHING);
    int r = yr_scanner_scan_mem(s->yr, p, n);
    if (a->oom || r == ERROR_INSUFFICIENT_MEMORY)
        return FG_ENOMEM;
    if (r == ERROR_SCAN_TIMEOUT)
        an_warn(a, "capability rules ran out of time (%u s); the list may be incomplete", secs);
    else if (r != ERROR_SUCCESS && r != ERROR_TOO_MANY_MATCHES)
        an_warn(a, "capability rules failed (libyara error %d); the list may be incomplete", r);
    if (ma.too_many)
        an_warn(a, "a rule string matched too often; later matches were not recorded");
    /* Stable order for people and for diffs: by namespace, then rule. */
    if (a->ncaps > 1)
        qsort(a->caps, a->ncaps, sizeof *a->caps, cmp_caps);
    return FG_OK;
}
