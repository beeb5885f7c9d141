/*
 * scan.c - the scan driver: one input becomes a tree of objects, each identified, hashed,
 * unpacked by every unpacker that takes its type and analysed by every analyzer that does.
 *
 * The driver knows no file format: it loops over the unpacker and analyzer tables
 * (ingest/unpack_registry.c, analyzers/registry.c).  Recursion depth is bounded by the depth
 * limit, and each object's bytes live only while its own subtree is scanned.
 */
#define _GNU_SOURCE
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../analyzers/analyzer.h"
#include "digest.h"
#include "../ingest/identify.h"
#include "../ingest/unpack.h"
#include "scan_int.h"

double fg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int type_in(const char *const *types, const char *t)
{
    if (!types)
        return 1;
    for (; *types; types++)
        if (!strcmp(*types, t))
            return 1;
    return 0;
}

void fg_finding_add(struct fg_ctx *ctx, struct fg_obj *obj, const char *id,
                    enum fg_severity sev, int unscannable, const char *evidence,
                    const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *ev = evidence ? fg_str_sanitize(evidence, strlen(evidence), FG_CAP_EVIDENCE) : NULL;
    fg_result_add_finding(ctx->res, obj->index, id, sev, unscannable, msg, ev ? ev : "");
    free(ev);
}

void fg_ctx_set_error(struct fg_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
    va_end(ap);
}

void fg_obj_set_type(struct fg_ctx *ctx, struct fg_obj *obj, const char *type)
{
    obj->type = type;
    ctx->res->obj[obj->index].info.type = type;
}

const char *fg_obj_path(struct fg_ctx *ctx, const struct fg_obj *obj)
{
    return ctx->res->obj[obj->index].info.path;
}

struct fg_scanner *fg_ctx_scanner(struct fg_ctx *ctx) { return ctx->sc; }
const struct fg_limits *fg_ctx_limits(struct fg_ctx *ctx) { return &ctx->limits; }

static int run_unpackers(struct fg_ctx *ctx, struct fg_obj *obj)
{
    for (const struct fg_unpacker *const *u = fg_unpackers; *u; u++) {
        if (!type_in((*u)->types, obj->type))
            continue;
        ctx->err[0] = 0;
        int rc = (*u)->unpack(ctx, obj);
        if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
            return rc;
        /* Limits and encryption leave their own findings where they are detected. */
        if (rc < 0 && rc != FG_ELIMIT && rc != FG_EENCRYPTED) {
            char id[64];
            snprintf(id, sizeof id, "%s.%s",
                     rc == FG_EUNSUPPORTED ? "unsupported" : "malformed", (*u)->name);
            fg_finding_add(ctx, obj, id, FG_SEV_LOW, 1, ctx->err[0] ? ctx->err : NULL,
                           "%s object could not be fully unpacked: %s", obj->type,
                           fg_strerror(rc));
        }
    }
    return FG_OK;
}

static int scan_object(struct fg_ctx *ctx, struct fg_obj *obj, const char *type_hint,
                       int fallback)
{
    uint8_t h[32];
    char hex[65];
    struct fg_objrec *rec = &ctx->res->obj[obj->index];
    fg_sha256(obj->data, obj->len, h, hex);
    rec->info.size = obj->len;
    rec->info.sha256 = strdup(hex);
    if (!rec->info.sha256) {
        rec->info.sha256 = "";
        return FG_ENOMEM;
    }
    if (obj->depth == 0)
        memcpy(ctx->res->sha256, hex, 65);
    if (type_hint && !fallback)
        fg_obj_set_type(ctx, obj, type_hint);
    else
        fg_obj_set_type(ctx, obj, fg_identify_or(ctx->sc, obj->data, obj->len, type_hint));

    if (fg_hashset_contains(&ctx->eng->allow, h)) {
        fg_finding_add(ctx, obj, "hash.allow", FG_SEV_INFO, 0, hex,
                       "SHA-256 is on the allow list; not examined further");
        return FG_OK;
    }
    if (fg_hashset_contains(&ctx->eng->deny, h))
        fg_finding_add(ctx, obj, "hash.deny", FG_SEV_CRITICAL, 0, hex,
                       "SHA-256 is on the deny list");

    int rc = run_unpackers(ctx, obj);
    if (rc)
        return rc;
    if (fg_ctx_expired(ctx))
        return FG_ETIMEOUT;
    for (const struct fg_analyzer *const *a = fg_analyzers; *a; a++) {
        if (!type_in((*a)->types, obj->type))
            continue;
        rc = (*a)->run(ctx, obj);
        if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
            return rc;
    }
    if (ctx->sc->obj_fn)
        /* rec may have moved: children were appended to the result since. */
        ctx->sc->obj_fn(ctx->sc->obj_arg, obj->index, obj->type,
                        ctx->res->obj[obj->index].info.sha256, obj->data, obj->len);
    return FG_OK;
}

void fg_scanner_set_object_callback(fg_scanner *s, fg_object_fn fn, void *arg)
{
    if (!s)
        return;
    s->obj_fn = fn;
    s->obj_arg = arg;
}

int fg_emit_child(struct fg_ctx *ctx, struct fg_obj *parent, const char *name,
                  const void *data, size_t len, const char *type, int flags)
{
    if (fg_ctx_expired(ctx))
        return FG_ETIMEOUT;
    if (!name || !*name)
        name = "(unnamed)";
    char *sname = fg_str_sanitize(name, strlen(name), FG_CAP_NAME);
    if (!sname)
        return FG_ENOMEM;
    int rc = FG_OK;
    char *path = NULL;
    if (fg_limit_check_child(ctx, parent, sname, len))
        goto out; /* the limit left its finding; the scan goes on with the next member */
    const char *ppath = fg_obj_path(ctx, parent);
    if (asprintf(&path, "%s > %s", ppath, sname) < 0) {
        path = NULL;
        rc = FG_ENOMEM;
        goto out;
    }
    if (strlen(path) > FG_CAP_PATH)
        memcpy(path + FG_CAP_PATH - 3, "...", 4);
    long idx = fg_result_add_object(ctx->res, path, parent->depth + 1);
    if (idx < 0) {
        rc = (int)idx;
        goto out;
    }
    ctx->nobjects++;
    ctx->total += len;
    struct fg_obj child = {
        .parent = parent,
        .data = len ? data : (const uint8_t *)"",
        .len = len,
        .name = sname,
        .depth = parent->depth + 1,
        .index = (size_t)idx,
    };
    rc = scan_object(ctx, &child, (flags & (FG_CHILD_TYPE_HINT | FG_CHILD_TYPE_FALLBACK)) ? type : NULL,
                     (flags & FG_CHILD_TYPE_FALLBACK) != 0);
    if (rc != FG_ETIMEOUT && rc != FG_ENOMEM)
        rc = FG_OK;
out:
    free(path);
    free(sname);
    return rc;
}

/* ---- passwords ---- */

static const struct fg_mailkeys *mail_of(const struct fg_obj *obj)
{
    for (; obj; obj = obj->parent)
        if (obj->mail)
            return obj->mail;
    return NULL;
}

static void free_pw(struct fg_ctx *ctx)
{
    for (size_t i = 0; i < ctx->npw; i++)
        free(ctx->pw[i]);
    free(ctx->pw);
    ctx->pw = NULL;
    ctx->npw = 0;
}

size_t fg_ctx_passwords(struct fg_ctx *ctx, struct fg_obj *obj, const char *const **out)
{
    free_pw(ctx);
    size_t max = ctx->limits.max_passwords ? ctx->limits.max_passwords : SIZE_MAX;
    for (size_t i = 0; i < ctx->eng->npasswords && ctx->npw < max; i++) {
        char **nl = realloc(ctx->pw, (ctx->npw + 1) * sizeof(char *));
        if (!nl)
            break;
        ctx->pw = nl;
        if ((ctx->pw[ctx->npw] = strdup(ctx->eng->passwords[i])))
            ctx->npw++;
    }
    const struct fg_mailkeys *k = mail_of(obj);
    if (k) {
        uint64_t seq = fg_pwpool_collect(&ctx->eng->pool, k, &ctx->pw, &ctx->npw, max);
        ctx->pw_seq = seq;
    }
    *out = (const char *const *)ctx->pw;
    return ctx->npw;
}

void fg_ctx_encrypted(struct fg_ctx *ctx, struct fg_obj *obj, const char *what,
                      const char *evidence)
{
    char id[64];
    snprintf(id, sizeof id, "encrypted.%s", what);
    fg_finding_add(ctx, obj, id, FG_SEV_LOW, 1, evidence,
                   "encrypted %s; none of the %zu known passwords opened it", what, ctx->npw);
    const struct fg_mailkeys *k = mail_of(obj);
    if (!k)
        return;
    fg_result *r = ctx->res;
    if (!r->awaits_password || ctx->pw_seq < r->await_seq)
        r->await_seq = ctx->pw_seq;
    r->awaits_password = 1;
    fg_mailkeys_merge(&r->await_keys, k);
}

struct fg_mailkeys *fg_ctx_mailkeys_new(struct fg_ctx *ctx)
{
    struct fg_mailkeys **nm = realloc(ctx->mails, (ctx->nmails + 1) * sizeof(*nm));
    if (!nm)
        return NULL;
    ctx->mails = nm;
    struct fg_mailkeys *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    ctx->mails[ctx->nmails++] = k;
    /* A key no other mail has, so a password in a mail always applies to its own
     * attachments even when the mail has no sender, id or subject. */
    char self[32];
    snprintf(self, sizeof self, "%llu",
             (unsigned long long)__atomic_add_fetch(&ctx->eng->mail_serial, 1, __ATOMIC_RELAXED));
    fg_mailkeys_add(k, "self", self);
    return k;
}

void fg_mailkeys_add(struct fg_mailkeys *k, const char *kind, const char *value)
{
    if (!k || !value || !*value || k->n >= FG_CAP_MAIL_KEYS)
        return;
    char *s;
    if (asprintf(&s, "%s:%s", kind, value) < 0)
        return;
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    for (size_t i = 0; i < k->n; i++) {
        if (!strcmp(k->keys[i], s)) {
            free(s);
            return;
        }
    }
    k->keys[k->n++] = s;
}

struct learn_arg {
    struct fg_ctx *ctx;
    const struct fg_mailkeys *k;
};

static void learn_one(void *arg, const char *pw, size_t n)
{
    struct learn_arg *la = arg;
    char *s = strndup(pw, n);
    if (!s)
        return;
    fg_pwpool_add(&la->ctx->eng->pool, s, la->k);
    free(s);
}

void fg_ctx_learn_passwords(struct fg_ctx *ctx, const struct fg_mailkeys *k, const char *text,
                            size_t len)
{
    if (!k || !text)
        return;
    struct learn_arg la = {ctx, k};
    fg_pw_extract(text, len, learn_one, &la);
}

/* ---- inputs ---- */

static void ctx_free(struct fg_ctx *ctx)
{
    free_pw(ctx);
    for (size_t i = 0; i < ctx->nmails; i++) {
        fg_mailkeys_clear(ctx->mails[i]);
        free(ctx->mails[i]);
    }
    free(ctx->mails);
}

static int scan_once(fg_scanner *s, const char *name, const void *data, size_t len,
                     const char *type, fg_result **out)
{
    fg_result *r = NULL;
    int rc = fg_result_new(&r, name);
    if (rc)
        return rc;
    struct fg_ctx ctx = {.sc = s, .eng = s->eng, .res = r, .limits = s->eng->limits};
    ctx.deadline = fg_now() + ctx.limits.max_seconds;
    long idx = fg_result_add_object(r, name, 0);
    if (idx < 0) {
        fg_result_free(r);
        return (int)idx;
    }
    struct fg_obj root = {.data = len ? data : (const uint8_t *)"", .len = len, .name = name};
    ctx.root = &root;
    ctx.nobjects = 1;
    ctx.total = len;
    r->size = len;
    rc = scan_object(&ctx, &root, type, 0);
    ctx_free(&ctx);
    if (rc == FG_ENOMEM) {
        fg_result_free(r);
        return rc;
    }
    fg_result_decide(r);
    *out = r;
    return FG_OK;
}

int fg_engine_has_new_passwords(fg_engine *e, const fg_result *r)
{
    return r->awaits_password && fg_pwpool_latest(&e->pool, &r->await_keys) > r->await_seq;
}

int fg_scan_mem(fg_scanner *s, const char *name, const void *data, size_t len, fg_result **out)
{
    return fg_scan_mem_as(s, name, data, len, NULL, out);
}

int fg_scan_mem_as(fg_scanner *s, const char *name, const void *data, size_t len,
                   const char *type, fg_result **out)
{
    if (!s || !out || (!data && len))
        return FG_EINVAL;
    if (!s->eng->compiled)
        return FG_EINVAL;
    int rc = scan_once(s, name ? name : "-", data, len, type, out);
    if (rc)
        return rc;
    /* A password that came later in the same input (mbox, a forwarded thread) opens an
     * archive met earlier: one more pass with what was learnt. */
    if (fg_engine_has_new_passwords(s->eng, *out)) {
        fg_result *again = NULL;
        if (scan_once(s, name ? name : "-", data, len, type, &again) == FG_OK) {
            fg_result_free(*out);
            *out = again;
        }
    }
    return FG_OK;
}

static int error_result(const char *path, const char *why, fg_result **out)
{
    fg_result *r = NULL;
    int rc = fg_result_new(&r, path);
    if (rc)
        return rc;
    r->error = strdup(why);
    fg_result_decide(r);
    *out = r;
    return FG_OK;
}

int fg_result_oversize(const char *path, uint64_t size, fg_result **out)
{
    /* Too big to look into, and so never clean. */
    fg_result *r = NULL;
    char why[64];
    int rc = fg_result_new(&r, path);
    if (rc)
        return rc;
    r->size = size;
    if (fg_result_add_object(r, path, 0) < 0) {
        fg_result_free(r);
        return FG_ENOMEM;
    }
    r->obj[0].info.size = size;
    snprintf(why, sizeof why, "%llu bytes", (unsigned long long)size);
    if (fg_result_add_finding(r, 0, fg_limit_id(FG_LIM_OBJECT_SIZE), FG_SEV_LOW, 1,
                              "input larger than the object size limit; not examined", why)) {
        fg_result_free(r);
        return FG_ENOMEM;
    }
    fg_result_decide(r);
    *out = r;
    return FG_OK;
}

int fg_scan_file(fg_scanner *s, const char *path, fg_result **out)
{
    if (!s || !path || !out)
        return FG_EINVAL;
    char why[512];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
        return error_result(path, why, out);
    }
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        snprintf(why, sizeof why, "not a regular file");
        close(fd);
        return error_result(path, why, out);
    }
    uint64_t max = s->eng->limits.max_object_size;
    if (max && (uint64_t)st.st_size > max) {
        close(fd);
        return fg_result_oversize(path, (uint64_t)st.st_size, out);
    }
    size_t len = (size_t)st.st_size, got = 0;
    uint8_t *data = malloc(len ? len : 1);
    if (!data) {
        close(fd);
        return FG_ENOMEM;
    }
    while (got < len) {
        ssize_t n = read(fd, data + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    int err = errno;
    close(fd);
    if (got < len && got == 0 && len) {
        free(data);
        snprintf(why, sizeof why, "cannot read: %s", strerror(err));
        return error_result(path, why, out);
    }
    /* A file that shrank while we read it is scanned as it was read. */
    int rc = fg_scan_mem(s, path, data, got, out);
    free(data);
    return rc;
}
