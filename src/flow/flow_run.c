/*
 * flow_run.c - fg_detonate(): runs the handler on one document in the sandbox under the
 * tracer, turns the tracer's events into the run's flow graph and behaviour summary, looks
 * at what the run left in the work directory (decoys), and hands over to flow_detect.c.
 */
#define _GNU_SOURCE
#include "detonation.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/limits.h"
#include "../core/digest.h"
#include "profile.h"

void flow_list_add(struct flow_list *l, const char *fmt, ...)
{
    l->total++;
    if (l->n >= FLOW_CAP_LIST)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) >= 0) {
        for (size_t i = 0; i < l->n; i++)
            if (!strcmp(l->item[i], s)) { /* lists are sets: a loop writing one file is one entry */
                free(s);
                l->total--;
                va_end(ap);
                return;
            }
        l->item[l->n++] = s;
    }
    va_end(ap);
}

void flow_list_free(struct flow_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->item[i]);
    memset(l, 0, sizeof *l);
}

/* ---- collecting events ---- */

struct collect {
    struct fg_detonation *d;
    struct { pid_t tid; uint64_t last; } thr[FG_CAP_TRC_TASKS];
    size_t nthr;
    int graph_full;
};

static uint64_t *last_of(struct collect *c, pid_t tid)
{
    for (size_t i = 0; i < c->nthr; i++)
        if (c->thr[i].tid == tid)
            return &c->thr[i].last;
    if (c->nthr >= FG_CAP_TRC_TASKS)
        return NULL;
    c->thr[c->nthr].tid = tid;
    c->thr[c->nthr].last = 0;
    return &c->thr[c->nthr++].last;
}

/* Places where a program writes to start again after a reboot or a login. */
static bool autostart_path(const char *p)
{
    static const char *const places[] = {
        "/etc/cron", "/var/spool/cron", "/etc/systemd/", "/lib/systemd/", "/usr/lib/systemd/",
        "/etc/init.d/", "/etc/rc.local", "/etc/profile", "/etc/ld.so.preload", "/etc/xdg/autostart",
        "/work/.config/autostart", "/work/.config/systemd", "/work/.bashrc", "/work/.profile",
        "/work/.bash_profile", "/work/.ssh/authorized_keys", "/etc/udev/rules.d",
        "/etc/modules-load.d", "/var/spool/at", "/etc/anacrontab",
    };
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
        if (!strncmp(p, places[i], strlen(places[i])))
            return true;
    return false;
}

static void stack_text(const struct trc_event *ev, char *out, size_t len)
{
    size_t o = 0;
    out[0] = 0;
    for (unsigned i = 0; i < ev->nframes; i++) {
        const struct trc_frame *f = &ev->frames[i];
        int w = f->mod ? snprintf(out + o, len - o, "%s%s+0x%llx", i ? " < " : "", f->mod->key,
                                  (unsigned long long)f->off)
                       : snprintf(out + o, len - o, "%s0x%llx", i ? " < " : "",
                                  (unsigned long long)f->off);
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
}

static void note_violation(struct fg_detonation *d, const struct trc_event *ev)
{
    d->viol_total++;
    if (d->nviol >= sizeof d->viol / sizeof d->viol[0])
        return;
    for (size_t i = 0; i < d->nviol; i++) /* one entry per kind of violation and call */
        if (d->viol[i].flags == ev->violations && !strcmp(d->viol[i].call, ev->call))
            return;
    char stack[1024];
    stack_text(ev, stack, sizeof stack);
    struct flow_violation *v = &d->viol[d->nviol++];
    v->flags = ev->violations;
    v->call = strdup(ev->call);
    v->why = strdup(ev->why);
    v->stack = strdup(stack);
    v->detail = strdup(ev->args.detail);
}

static void note_behaviour(struct fg_detonation *d, const struct trc_event *ev)
{
    const struct trc_args *a = &ev->args;
    switch (a->kind) {
    case TRC_K_FILE_WRITE:
        if (!strncmp(a->cls, "dev:", 4)) /* /dev/null and friends */
            break;
        flow_list_add(&d->written, "%s %s", ev->call, a->detail);
        if (autostart_path(a->detail))
            flow_list_add(&d->persistence, "%s %s", ev->call, a->detail);
        break;
    case TRC_K_NET:
        if (!strcmp(a->cls, "dns-query"))
            flow_list_add(&d->dns, "%s", a->detail);
        else if (ev->nr != 41 && strcmp(a->cls, "connected"))
            /* socket() alone says little, nor does a send on a connected socket: its
             * connect said where */
            flow_list_add(&d->network, "%s %s %s", ev->call, a->cls, a->detail);
        break;
    case TRC_K_PROBE:
        if (strcmp(ev->call, "uname")) /* every runtime asks for the kernel's name */
            flow_list_add(&d->notable, "%s (what anti-sandbox code asks)", ev->call);
        break;
    case TRC_K_PROC:
        if (strncmp(ev->call, "chdir", 5) && strncmp(ev->call, "fchdir", 6) &&
            strcmp(ev->call, "prctl"))
            flow_list_add(&d->notable, "%s %s", ev->call, a->cls);
        break;
    case TRC_K_FILE_READ: {
        /* Reads that fingerprint the machine or look for a debugger. */
        static const char *const probes[] = {"/proc/cpuinfo", "/proc/meminfo", "/proc/uptime",
                                             "/sys/class/dmi", "/sys/devices/virtual/dmi",
                                             "/proc/scsi", "/proc/N/status"};
        for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
            if (strstr(a->cls, probes[i]))
                flow_list_add(&d->notable, "reads %s (what anti-sandbox code asks)", a->detail);
        break;
    }
    default:
        break;
    }
}

static int on_event(void *arg, const struct trc_event *ev)
{
    struct collect *c = arg;
    struct fg_detonation *d = c->d;
    switch (ev->type) {
    case TRC_EV_SPAWN:
        return 0;
    case TRC_EV_EXEC:
        flow_list_add(&d->processes, "%d %s", (int)ev->pid, ev->args.detail);
        return 0;
    case TRC_EV_EXIT:
        if (ev->exit_signal == SIGSEGV || ev->exit_signal == SIGBUS || ev->exit_signal == SIGILL ||
            ev->exit_signal == SIGFPE || ev->exit_signal == SIGABRT || ev->exit_signal == SIGSYS)
            flow_list_add(&d->crashes, "process %d killed by %s", (int)ev->pid,
                          strsignal(ev->exit_signal));
        return 0;
    case TRC_EV_HOSTILE:
        flow_list_add(&d->hostile, "%s", ev->call);
        break;
    case TRC_EV_SYSCALL:
        break;
    }
    if (ev->violations)
        note_violation(d, ev);
    note_behaviour(d, ev);
    char ctx[1024];
    flow_context(ev, ctx, sizeof ctx);
    unsigned flags = (ev->args.outside_work ? FLOW_F_OUTSIDE_WORK : 0) |
                     (ev->args.net_outside ? FLOW_F_NET_OUTSIDE : 0) |
                     (ev->args.exec_prot ? FLOW_F_EXEC_PROT : 0);
    long ix = flow_graph_add_node(&d->g, ev->call, ev->args.cls, ctx, ev->args.kind,
                                  ev->args.detail, flags, ev->violations);
    if (ix < 0) {
        c->graph_full = 1;
        return 0;
    }
    uint64_t id = d->g.node[ix].id, *last = last_of(c, ev->tid);
    if (last) {
        if (*last)
            flow_graph_add_edge(&d->g, *last, id);
        *last = id;
    }
    return 0;
}

/* ---- the work directory afterwards ---- */

/* The work directory is the sandboxed program's: its names may be symbolic links planted to
 * make us read host files, hence nofollow there. */
static int hash_file(int dirfd, const char *name, bool nofollow, unsigned char out[32])
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_DigestInit_ex(m, EVP_sha256(), NULL);
    char buf[65536];
    ssize_t n;
    uint64_t total = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0 && total < FG_DEF_SB_WORKDIR) {
        EVP_DigestUpdate(m, buf, (size_t)n);
        total += (uint64_t)n;
    }
    unsigned len = 32;
    EVP_DigestFinal_ex(m, out, &len);
    EVP_MD_CTX_free(m);
    close(fd);
    return 0;
}

/* Ransomware shows as decoys rewritten, renamed away or deleted. */
static void check_decoys(struct fg_detonation *d, const char *decoy_dir, struct fg_sandbox *sb)
{
    if (!decoy_dir)
        return;
    int wfd = fg_sandbox_workdir_fd(sb);
    DIR *dir = opendir(decoy_dir);
    if (!dir)
        return; /* wfd belongs to the sandbox: never closed here */
    int hfd = dirfd(dir);
    struct dirent *e;
    while ((e = readdir(dir))) {
        unsigned char a[32], b[32];
        if (e->d_name[0] == '.' || hash_file(hfd, e->d_name, true, a))
            continue;
        d->decoys++;
        if (wfd < 0 || hash_file(wfd, e->d_name, true, b))
            d->decoys_gone++;
        else if (memcmp(a, b, 32))
            d->decoys_changed++;
    }
    closedir(dir);
}

/* ---- setting up ---- */

/* The document's name inside the sandbox: a fixed stem and the original extension (handlers
 * such as LibreOffice go by it), never the sample's own name. */
static void input_name(const char *doc, char *out, size_t len)
{
    const char *base = strrchr(doc, '/');
    base = base ? base + 1 : doc;
    const char *dot = strrchr(base, '.');
    char ext[12] = "";
    size_t k = 0;
    if (dot && dot != base)
        for (const char *p = dot + 1; *p && k < 8; p++)
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
                ext[k++] = *p;
    ext[k] = 0;
    snprintf(out, len, k ? "document.%s" : "document", ext);
}

static char **make_argv(const char *const *tmpl, const char *inside)
{
    size_t n = 0;
    while (tmpl[n])
        n++;
    char **v = calloc(n + 1, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *at = strstr(tmpl[i], "{}");
        if (at && inside) {
            if (asprintf(&v[i], "%.*s%s%s", (int)(at - tmpl[i]), tmpl[i], inside, at + 2) < 0)
                v[i] = NULL;
        } else {
            v[i] = strdup(tmpl[i]);
        }
        if (!v[i]) {
            fg_handler_argv_free(v);
            return NULL;
        }
    }
    return v;
}

static char *join_argv(char *const *v)
{
    size_t len = 1;
    for (size_t i = 0; v[i]; i++)
        len += strlen(v[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t o = 0;
    s[0] = 0;
    for (size_t i = 0; v[i]; i++)
        o += (size_t)snprintf(s + o, len - o, "%s%s", i ? " " : "", v[i]);
    return s;
}

static char *sha256_file(const char *path)
{
    unsigned char h[32];
    if (hash_file(AT_FDCWD, path, false, h))
        return NULL;
    char *s = malloc(65);
    if (s)
        fg_hex(h, 32, s);
    return s;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

FG_API int fg_detonate(const struct fg_flow_opts *o, const char *doc, const fg_profile *profile,
                       fg_profile *learn, fg_detonation **out)
{
    if (!o || !o->argv || !o->argv[0] || !out)
        return FG_EINVAL;
    fg_detonation *d = calloc(1, sizeof *d);
    struct collect *c = calloc(1, sizeof *c);
    char **argv = NULL;
    if (!d || !c) {
        free(d);
        free(c);
        return FG_ENOMEM;
    }
    flow_graph_init(&d->g);
    c->d = d;
    d->run_mode = doc == NULL;
    d->handler = strdup(o->handler ? o->handler : o->argv[0]);
    d->path = strdup(doc ? doc : o->argv[0]);
    d->sha256 = doc ? sha256_file(doc) : NULL;
    char name[32], inside[64];
    input_name(doc ? doc : "", name, sizeof name);
    snprintf(inside, sizeof inside, "%s/%s", FG_SANDBOX_WORKDIR, name);
    argv = make_argv(o->argv, doc ? inside : NULL);
    if (!d->handler || !d->path || !argv) {
        fg_handler_argv_free(argv);
        fg_detonation_free(d);
        free(c);
        return FG_ENOMEM;
    }
    d->command = join_argv(argv);
    if (doc && !d->sha256) {
        d->error = strdup("the document cannot be read");
        goto decide;
    }
    /* The host's font cache, read-only: without it fontconfig rescans every font directory
     * for a document without embedded fonts and tries to write a cache (2 % of Debian's
     * PDFs), noise that is neither the document's nor the handler's doing. */
    const char *binds[FG_CAP_SB_BINDS + 1];
    size_t nb = 0;
    struct stat fst;
    if (!stat("/var/cache/fontconfig", &fst) && S_ISDIR(fst.st_mode))
        binds[nb++] = "/var/cache/fontconfig";
    for (const char *const *b = o->ro_binds; b && *b && nb < FG_CAP_SB_BINDS; b++)
        binds[nb++] = *b;
    binds[nb] = NULL;
    struct fg_sandbox_cfg cfg = {
        .argv = (const char *const *)argv, .input_path = doc, .input_name = doc ? name : NULL,
        .decoy_dir = o->decoy_dir, .ro_binds = binds, .timeout_ms = o->timeout_ms,
        .mem_bytes = o->mem_bytes, .stdout_fd = -1, .stderr_fd = -1,
    };
    struct trc_opts topts = {.stacks = !o->no_stacks, .input_path = doc ? inside : NULL};
    /* flowgate run: the resolver asks 127.0.0.1, where the queries are seen (and go nowhere).
     * Only over a plain /etc/resolv.conf: a symbolic link there points outside the sandbox. */
    char resolv[64] = "";
    struct stat rst;
    if (!doc && !lstat("/etc/resolv.conf", &rst) && S_ISREG(rst.st_mode)) {
        snprintf(resolv, sizeof resolv, "/tmp/flowgate-resolv-XXXXXX");
        int rfd = mkstemp(resolv);
        static const char conf[] = "# flowgate run: queries are recorded, never answered\n"
                                   "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";
        if (rfd < 0 || write(rfd, conf, sizeof conf - 1) != (ssize_t)(sizeof conf - 1) ||
            fchmod(rfd, 0644)) {
            if (rfd >= 0)
                unlink(resolv);
            resolv[0] = 0;
        }
        if (rfd >= 0)
            close(rfd);
        cfg.resolv_conf = resolv[0] ? resolv : NULL;
    }
    struct fg_sandbox sb;
    memset(&sb, 0, sizeof sb);
    char err[512] = "";
    uint64_t t0 = now_ms();
    int rc = fg_trace_run(&cfg, &topts, on_event, c, &sb, &d->stats, err, sizeof err);
    d->wall_ms = now_ms() - t0;
    d->timed_out = sb.status.timed_out;
    if (rc) {
        d->error = strdup(err[0] ? err : fg_strerror(rc));
    } else {
        check_decoys(d, o->decoy_dir, &sb);
        if (c->graph_full)
            flow_finding(d, "flow.incomplete", FG_SEV_LOW, 1, NULL,
                         "the run made more distinct calls than a flow graph holds (%u)",
                         FG_CAP_FLOW_NODES);
    }
    if (sb.init_pid > 0)
        fg_sandbox_finish(&sb);
    if (resolv[0])
        unlink(resolv);
    if (!d->error && learn) {
        /* A "benign" document that injects code or makes refused calls is not learnt. */
        if (d->nviol || d->hostile.total) {
            learn->violations++;
        } else if (flow_graph_merge(&learn->g, &d->g)) {
            d->error = strdup("the profile is full");
        } else {
            learn->g.serial++;
            d->learnt = true;
        }
    }
decide:
    flow_detect(d, profile);
    fg_handler_argv_free(argv);
    free(c);
    *out = d;
    return 0;
}

FG_API void fg_detonation_free(fg_detonation *d)
{
    if (!d)
        return;
    free(d->path), free(d->sha256), free(d->handler), free(d->command), free(d->error);
    flow_graph_free(&d->g);
    struct flow_list *lists[] = {&d->processes, &d->written, &d->network, &d->dns, &d->notable,
                                 &d->persistence, &d->crashes, &d->hostile};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        flow_list_free(lists[i]);
    for (size_t i = 0; i < d->nviol; i++)
        free(d->viol[i].call), free(d->viol[i].why), free(d->viol[i].stack), free(d->viol[i].detail);
    for (size_t i = 0; i < d->ndev; i++)
        free(d->dev_why[i]);
    free(d->dev_nodes);
    free(d->dev_why);
    for (size_t i = 0; i < d->nfinding; i++) {
        free((char *)d->finding[i].id);
        free((char *)d->finding[i].message);
        free((char *)d->finding[i].evidence);
    }
    free(d);
}
