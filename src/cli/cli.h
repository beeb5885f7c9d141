/*
 * cli.h - the command table of the flowgate tool and helpers shared by its commands.
 * Each command is one cmd_<name>.c; main.c only dispatches.
 */
#ifndef FG_CLI_H
#define FG_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct fg_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

extern const struct fg_command fg_commands[];

int cmd_scan(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_sig(int argc, char **argv);
int cmd_learn(int argc, char **argv);
int cmd_detonate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_netlog(int argc, char **argv);

/* Exit codes shared by every command (documented in flowgate(1)). */
enum {
    FG_EXIT_CLEAN = 0,
    FG_EXIT_DETECTED = 1,
    FG_EXIT_ERROR = 2,
    FG_EXIT_UNSCANNABLE = 3,
};

/* "10M", "2G", "4096" -> bytes; returns -1 on a malformed value. */
int cli_parse_size(const char *s, uint64_t *out);
int cli_parse_uint(const char *s, unsigned *out);

/* Files below the given paths, depth-first, symlinks not followed. */
struct cli_paths {
    char **p;
    size_t n, alloc;
    size_t errors; /* paths that could not be walked (reported on stderr) */
};
int cli_walk(const char *path, struct cli_paths *out);
void cli_paths_free(struct cli_paths *p);

#endif
