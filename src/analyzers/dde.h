/*
 * dde.h - what the DDE analyzers share: whether a DDE target starts a program (an_dde.c for
 * documents, an_xlm.c for the links of binary Excel workbooks).
 */
#ifndef FG_DDE_H
#define FG_DDE_H

#include <stddef.h>

/* True when the application name or topic s[0..n) names a command interpreter, a script
 * host, an executable file or a URL, as a word of its own. */
int fg_dde_runs_command(const char *s, size_t n);

#endif
