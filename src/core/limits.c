/*
 * limits.c - the one place where scan limits are checked and where a limit that is hit
 * becomes a finding.  Every such finding is unscannable: part of the input was not seen.
 */
#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "scan_int.h"

void fg_limits_default(struct fg_limits *l)
{
    l->max_depth = FG_DEF_MAX_DEPTH;
    l->max_object_size = FG_DEF_MAX_OBJECT_SIZE;
    l->max_total_size = FG_DEF_MAX_TOTAL_SIZE;
    l->max_objects = FG_DEF_MAX_OBJECTS;
    l->max_ratio = FG_DEF_MAX_RATIO;
    l->max_seconds = FG_DEF_MAX_SECONDS;
    l->max_passwords = FG_DEF_MAX_PASSWORDS;
}

const char *fg_limit_id(enum fg_limit_kind k)
{
    switch (k) {
    case FG_LIM_DEPTH: return "limit.depth";
    case FG_LIM_OBJECT_SIZE: return "limit.object-size";
    case FG_LIM_TOTAL_SIZE: return "limit.total-size";
    case FG_LIM_OBJECTS: return "limit.objects";
    case FG_LIM_RATIO: return "limit.ratio";
    case FG_LIM_TIME: return "limit.time";
    }
    return "limit.unknown";
}

static void hit(struct fg_ctx *ctx, struct fg_obj *obj, enum fg_limit_kind k, const char *child,
                const char *what)
{
    /* One finding per limit and container: a thousand refused members say no more than
     * the first, and must not inflate the score. */
    const struct fg_objrec *rec = &ctx->res->obj[obj->index];
    for (size_t i = 0; i < rec->nfindings; i++)
        if (!strcmp(rec->findings[i].id, fg_limit_id(k)))
            return;
    fg_finding_add(ctx, obj, fg_limit_id(k), FG_SEV_LOW, 1, child,
                   "%s; the rest was not examined", what);
}

int fg_limit_check_child(struct fg_ctx *ctx, struct fg_obj *parent, const char *name,
                         uint64_t len)
{
    const struct fg_limits *l = &ctx->limits;
    char msg[160];
    if (l->max_depth && parent->depth + 1 > l->max_depth) {
        snprintf(msg, sizeof msg, "containers nested deeper than %u levels", l->max_depth);
        hit(ctx, parent, FG_LIM_DEPTH, name, msg);
        return FG_ELIMIT;
    }
    if (l->max_objects && ctx->nobjects + 1 > l->max_objects) {
        snprintf(msg, sizeof msg, "more than %u objects in one input", l->max_objects);
        hit(ctx, parent, FG_LIM_OBJECTS, name, msg);
        return FG_ELIMIT;
    }
    if (l->max_object_size && len > l->max_object_size) {
        snprintf(msg, sizeof msg, "member larger than %llu bytes",
                 (unsigned long long)l->max_object_size);
        hit(ctx, parent, FG_LIM_OBJECT_SIZE, name, msg);
        return FG_ELIMIT;
    }
    if (l->max_total_size && ctx->total + len > l->max_total_size) {
        snprintf(msg, sizeof msg, "more than %llu bytes unpacked from one input",
                 (unsigned long long)l->max_total_size);
        hit(ctx, parent, FG_LIM_TOTAL_SIZE, name, msg);
        return FG_ELIMIT;
    }
    if (l->max_ratio && len > FG_RATIO_FLOOR && len / (parent->len ? parent->len : 1) >= l->max_ratio) {
        snprintf(msg, sizeof msg, "member expands more than %u times its container",
                 l->max_ratio);
        hit(ctx, parent, FG_LIM_RATIO, name, msg);
        return FG_ELIMIT;
    }
    return FG_OK;
}

uint64_t fg_child_room(struct fg_ctx *ctx, const struct fg_obj *parent)
{
    const struct fg_limits *l = &ctx->limits;
    uint64_t room = l->max_object_size ? l->max_object_size : UINT64_MAX;
    if (l->max_total_size) {
        uint64_t left = ctx->total < l->max_total_size ? l->max_total_size - ctx->total : 0;
        if (left < room)
            room = left;
    }
    if (l->max_ratio) {
        uint64_t r = (uint64_t)(parent->len ? parent->len : 1) * l->max_ratio;
        if (r < FG_RATIO_FLOOR)
            r = FG_RATIO_FLOOR;
        if (r < room)
            room = r;
    }
    /* One byte over any limit is enough to know it was hit. */
    return room == UINT64_MAX ? room : room + 1;
}

void fg_limit_size_hit(struct fg_ctx *ctx, struct fg_obj *parent, const char *child_name)
{
    /* Report the limit that set the room: re-run the checks with a size just past it. */
    uint64_t room = fg_child_room(ctx, parent);
    if (fg_limit_check_child(ctx, parent, child_name, room) == FG_OK)
        hit(ctx, parent, FG_LIM_OBJECT_SIZE, child_name, "member too large");
}

int fg_ctx_expired(struct fg_ctx *ctx)
{
    if (ctx->expired)
        return 1;
    if (!ctx->limits.max_seconds)
        return 0;
    if (fg_now() < ctx->deadline)
        return 0;
    ctx->expired = 1;
    char msg[96];
    snprintf(msg, sizeof msg, "scan took longer than %u seconds", ctx->limits.max_seconds);
    hit(ctx, ctx->root, FG_LIM_TIME, NULL, msg);
    return 1;
}
