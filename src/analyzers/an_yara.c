/*
 * an_yara.c - YARA signatures on every object of the tree, through the scanner's own
 * YR_SCANNER on the engine's compiled rules.
 *
 * A rule's meta "severity" (info, low, medium, high, critical) sets the finding's severity;
 * without it a match is high.  The evidence names the first matched strings with their
 * offsets, so an analyst can find them in the object.
 */
#include <stdio.h>
#include <string.h>
#include <yara.h>

#include "../core/engine.h"
#include "analyzer.h"

#define EVIDENCE_STRINGS 4

struct match_arg {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    int too_many;
};

static enum fg_severity rule_severity(const YR_RULE *rule, const char **desc)
{
    const YR_META *meta;
    int sev = FG_SEV_HIGH;
    *desc = NULL;
    yr_rule_metas_foreach(rule, meta)
    {
        if (meta->type != META_TYPE_STRING)
            continue;
        if (!strcmp(meta->identifier, "severity")) {
            int s = fg_severity_parse(meta->string);
            if (s >= 0)
                sev = s;
        } else if (!strcmp(meta->identifier, "description")) {
            *desc = meta->string;
        }
    }
    return (enum fg_severity)sev;
}

/* libyara 4.2 keeps YR_MATCH records in an arena that does not align them, so walking the
 * match list trips UBSan's alignment check although x86 reads them fine.  Exempt only this
 * function rather than the whole build. */
__attribute__((no_sanitize("alignment")))
static void rule_evidence(YR_SCAN_CONTEXT *sctx, const YR_RULE *rule, char *ev, size_t cap)
{
    const YR_STRING *str;
    size_t used = 0;
    int shown = 0;
    ev[0] = 0;
    yr_rule_strings_foreach(rule, str)
    {
        const YR_MATCH *m;
        yr_string_matches_foreach(sctx, str, m)
        {
            if (shown >= EVIDENCE_STRINGS)
                break;
            int n = snprintf(ev + used, cap - used, "%s%s@0x%llx", shown ? ", " : "",
                             str->identifier, (unsigned long long)m->offset);
            if (n < 0 || (size_t)n >= cap - used)
                return;
            used += (size_t)n;
            shown++;
            break; /* first match of each string is enough */
        }
    }
}

static int callback(YR_SCAN_CONTEXT *sctx, int message, void *data, void *user)
{
    struct match_arg *ma = user;
    if (message == CALLBACK_MSG_TOO_MANY_MATCHES) {
        ma->too_many = 1;
        return CALLBACK_CONTINUE;
    }
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    const YR_RULE *rule = data;
    const char *desc;
    enum fg_severity sev = rule_severity(rule, &desc);
    char id[160], ev[256];
    snprintf(id, sizeof id, "yara.%s", rule->identifier);
    rule_evidence(sctx, rule, ev, sizeof ev);
    fg_finding_add(ma->ctx, ma->obj, id, sev, 0, ev, "signature %s matched%s%s",
                   rule->identifier, desc ? ": " : "", desc ? desc : "");
    return CALLBACK_CONTINUE;
}

static int run(struct fg_ctx *ctx, struct fg_obj *obj)
{
    fg_scanner *sc = fg_ctx_scanner(ctx);
    if (!sc->yr)
        return FG_OK;
    const struct fg_limits *l = fg_ctx_limits(ctx);
    struct match_arg ma = {ctx, obj, 0};
    yr_scanner_set_callback(sc->yr, callback, &ma);
    yr_scanner_set_timeout(sc->yr, l->max_seconds ? (int)l->max_seconds : 0);
    yr_scanner_set_flags(sc->yr, SCAN_FLAGS_REPORT_RULES_MATCHING);
    int r = yr_scanner_scan_mem(sc->yr, obj->data, obj->len);
    if (r == ERROR_SCAN_TIMEOUT) {
        fg_finding_add(ctx, obj, "limit.time", FG_SEV_LOW, 1, NULL,
                       "signature matching ran out of time on this object");
    } else if (r == ERROR_INSUFFICIENT_MEMORY) {
        return FG_ENOMEM;
    } else if (r != ERROR_SUCCESS && r != ERROR_TOO_MANY_MATCHES) {
        fg_finding_add(ctx, obj, "yara.error", FG_SEV_LOW, 1, NULL,
                       "signature matching failed (libyara error %d)", r);
    }
    if (ma.too_many)
        fg_finding_add(ctx, obj, "yara.too-many-matches", FG_SEV_INFO, 0, NULL,
                       "a string matched too often; later matches were not recorded");
    return FG_OK;
}

const struct fg_analyzer fg_an_yara = {
    .name = "yara",
    .types = NULL,
    .run = run,
};
