/*
 * trc_origin.h - checks that need no training: is a return address preceded by a call
 * instruction?  (A return-oriented chain returns into the middle of code, right after
 * whatever instruction precedes its gadget, almost never a call.)  Decoded with capstone,
 * cached per module offset: a run asks about the same few hundred return sites again and
 * again.
 */
#ifndef FG_TRC_ORIGIN_H
#define FG_TRC_ORIGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "trc_maps.h"

struct trc_origin;

int trc_origin_new(struct trc_origin **out);
void trc_origin_free(struct trc_origin *o);

/* True when the bytes before link-time offset off of trusted module m decode as a call that
 * ends exactly at off. Untrusted modules are never checked: false. */
bool trc_call_preceded(struct trc_origin *o, const struct trc_module *m, uint64_t off);

#endif
