/*
 * tri_html.c - the triage report as one self-contained HTML page (inline style, no script,
 * nothing fetched): a summary per host a manager can read, then the findings with their
 * evidence, and the inventory of ordinary autostart entries folded away.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tri_cli.h"

void tri_cli_html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static const char *const colour[] = {"#eef", "#dfd", "#ffd", "#fdb", "#f99"};

static void row(FILE *f, const struct fg_tri_finding *x)
{
    fprintf(f, "<tr style=\"background:%s\"><td>%s</td><td>", colour[x->severity],
            fg_severity_name(x->severity));
    tri_cli_html_text(f, x->id);
    fputs("</td><td><code>", f);
    tri_cli_html_text(f, x->path);
    fputs("</code></td><td>", f);
    tri_cli_html_text(f, x->message);
    fputs("<br><small>", f);
    tri_cli_html_text(f, x->evidence);
    fputs("</small></td></tr>\n", f);
}

static void host_section(FILE *f, fg_triage *const *t, size_t nt, const char *host)
{
    unsigned counts[5] = {0};
    for (size_t k = 0; k < nt; k++)
        for (size_t i = 0; i < fg_triage_count(t[k]); i++) {
            const struct fg_tri_finding *x = fg_triage_get(t[k], i);
            if (!strcmp(x->host, host))
                counts[x->severity]++;
        }
    fputs("<h2>", f);
    tri_cli_html_text(f, host);
    fprintf(f, "</h2>\n<p class=s>%s: %u critical, %u high, %u medium, %u low; %u informational "
               "entries.</p>\n",
            counts[4] + counts[3] ? "<b>Needs attention</b>" : counts[2] ? "<b>Review</b>" : "Quiet",
            counts[4], counts[3], counts[2], counts[1], counts[0]);
    fputs("<table><tr><th>Severity</th><th>Check</th><th>Where</th><th>What and evidence</th></tr>\n", f);
    for (int sev = FG_SEV_CRITICAL; sev >= FG_SEV_LOW; sev--)
        for (size_t k = 0; k < nt; k++)
            for (size_t i = 0; i < fg_triage_count(t[k]); i++) {
                const struct fg_tri_finding *x = fg_triage_get(t[k], i);
                if ((int)x->severity == sev && !strcmp(x->host, host))
                    row(f, x);
            }
    fputs("</table>\n<details><summary>Informational entries (autostart inventory, operating "
          "system)</summary><table>\n", f);
    for (size_t k = 0; k < nt; k++)
        for (size_t i = 0; i < fg_triage_count(t[k]); i++) {
            const struct fg_tri_finding *x = fg_triage_get(t[k], i);
            if (x->severity == FG_SEV_INFO && !strcmp(x->host, host))
                row(f, x);
        }
    fputs("</table></details>\n", f);
}

int tri_cli_html(const char *path, const char *title, fg_triage *const *t, size_t nt)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    time_t now = time(NULL);
    char when[64];
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
    tri_cli_html_text(f, title);
    fputs("</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
          "width:100%}td,th{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}"
          "code{word-break:break-all}small{color:#444;word-break:break-all}.s{font-size:1.1em}"
          "</style></head><body>\n<h1>", f);
    tri_cli_html_text(f, title);
    fprintf(f, "</h1>\n<p>Report written %s by flowgate %s. Severity: critical and high need "
               "action; medium needs review; low and info are context.</p>\n", when, fg_version());
    /* One section per host, in the order hosts first appear. */
    const char **seen = NULL;
    size_t nseen = 0;
    for (size_t k = 0; k < nt; k++)
        for (size_t i = 0; i < fg_triage_count(t[k]); i++) {
            const char *h = fg_triage_get(t[k], i)->host;
            size_t j = 0;
            while (j < nseen && strcmp(seen[j], h))
                j++;
            if (j < nseen)
                continue;
            const char **ns = realloc(seen, (nseen + 1) * sizeof(*ns));
            if (!ns)
                break;
            seen = ns;
            seen[nseen++] = h;
            host_section(f, t, nt, h);
        }
    free(seen);
    fputs("</body></html>\n", f);
    return fclose(f) ? -1 : 0;
}
