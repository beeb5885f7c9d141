/*
 * tri_cli.h - what `flowgate triage` and `flowgate sweep` share: the two engines a triage
 * examines programs with, and the self-contained HTML report.
 */
#ifndef FG_TRI_CLI_H
#define FG_TRI_CLI_H

#include <stdio.h>

#include "flowgate/flowgate.h"
#include "flowgate/triage.h"

/* The scan engine (built-in rules unless builtin is 0, plus each rules path) and the
 * capability engine; on failure prints why (prefixed with cmd) and returns -1. */
int tri_cli_engines(const char *cmd, int builtin, char **rules, size_t nrules,
                    fg_engine **scan, fg_engine **cap);
/* Writes the findings of one or more triaged hosts as one HTML file. */
int tri_cli_html(const char *path, const char *title, fg_triage *const *t, size_t nt);
/* HTML-escaped text. */
void tri_cli_html_text(FILE *f, const char *s);

#endif
