/*
 * scan_int.h - the scan context's layout, shared by the core's own files only.
 * Unpackers and analyzers see struct fg_ctx as opaque (scan.h).
 */
#ifndef FG_SCAN_INT_H
#define FG_SCAN_INT_H

#include "engine.h"
#include "pwpool.h"
#include "result.h"
#include "scan.h"

struct fg_ctx {
    fg_scanner *sc;
    fg_engine *eng;
    fg_result *res;
    struct fg_limits limits;
    struct fg_obj *root;
    uint64_t total;     /* bytes of all objects so far */
    unsigned nobjects;
    double deadline;
    int expired;
    char err[256];      /* detail of the last unpacker failure */
    /* Mails seen in this input, and the password lists handed out (freed at the end). */
    struct fg_mailkeys **mails;
    size_t nmails;
    char **pw;          /* candidates handed out by the last fg_ctx_passwords() */
    size_t npw;
    uint64_t pw_seq;    /* pool sequence when those candidates were collected */
};

double fg_now(void);
int fg_limit_check_child(struct fg_ctx *ctx, struct fg_obj *parent, const char *name,
                         uint64_t len);

#endif
