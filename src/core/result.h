/*
 * result.h - internal layout of a scan result: the flat, pre-order list of objects of one
 * input with their findings, and the verdict computed from them (verdict.c).
 */
#ifndef FG_RESULT_H
#define FG_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "flowgate/flowgate.h"
#include "pwpool.h"

struct fg_objrec {
    struct fg_object_info info; /* strings owned here */
    struct fg_finding *findings;
    size_t nfindings, alloc;
    size_t dropped; /* findings past FG_CAP_FINDINGS */
};

struct fg_result {
    char *path;
    char sha256[65];
    uint64_t size;
    enum fg_verdict verdict;
    unsigned score;
    char *error;
    struct fg_objrec *obj;
    size_t nobj, alloc;
    /* Encrypted objects that no password opened: keys of their mails, and the newest related
     * pool entry that had been tried, so a rescan happens only if something new arrived. */
    int awaits_password;
    struct fg_mailkeys await_keys;
    uint64_t await_seq;
};

int fg_result_new(fg_result **out, const char *path);
/* Appends an object record; returns its index or a negative error. */
long fg_result_add_object(fg_result *r, const char *path, unsigned depth);
int fg_result_add_finding(fg_result *r, size_t obj, const char *id, enum fg_severity sev,
                          int unscannable, const char *message, const char *evidence);
/* verdict.c: sets verdict and score from the findings. */
void fg_result_decide(fg_result *r);

#endif
