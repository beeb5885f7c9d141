/*
 * test_tracer.c - the tracer (src/sandbox/tracer.c, trc_*.c) on small programs of
 * tests/sandbox/ run in the sandbox: what a user relies on from a trace - an exec with its
 * command line, file writes and connects with their classes, call stacks keyed by build-id,
 * code-origin and ROP violations, threads followed to the end, timeouts and hostile calls
 * ending the run - and what fg_detonate() makes of them in run mode.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <jansson.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "flowgate/flow.h"
#include "sandbox/tracer.h"

#define PROG FG_SBX_PROGS "/trc_prog"
#define PROBE FG_SBX_PROGS "/sbx_probe"

static const char *const binds[] = {FG_SBX_PROGS, NULL};

/* One reported event, copied (the tracer's event and modules are borrowed). */
struct rec {
    enum trc_ev_type type;
    pid_t pid, tid, ppid;
    char call[32], cls[160], detail[512];
    enum trc_kind kind;
    bool outside_work, net_outside, exec_prot;
    unsigned violations, nframes;
    char frame[FG_CAP_TRC_FRAMES][128];
};

struct trace {
    struct rec *r;
    size_t n, cap;
    struct fg_sandbox sb;
    struct trc_stats st;
    int rc;
    uint64_t ms;
    char out[4096]; /* what the command printed */
};

static int collect(void *arg, const struct trc_event *ev)
{
    struct trace *t = arg;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->r = realloc(t->r, t->cap * sizeof *t->r);
        assert_non_null(t->r);
    }
    struct rec *r = &t->r[t->n++];
    memset(r, 0, sizeof *r);
    r->type = ev->type;
    r->pid = ev->pid;
    r->tid = ev->tid;
    r->ppid = ev->ppid;
    snprintf(r->call, sizeof r->call, "%s", ev->call ? ev->call : "");
    snprintf(r->cls, sizeof r->cls, "%s", ev->args.cls);
    snprintf(r->detail, sizeof r->detail, "%s", ev->args.detail);
    r->kind = ev->args.kind;
    r->outside_work = ev->args.outside_work;
    r->net_outside = ev->args.net_outside;
    r->exec_prot = ev->args.exec_prot;
    r->violations = ev->violations;
    r->nframes = ev->nframes;
    for (unsigned i = 0; i < ev->nframes; i++) {
        const struct trc_frame *f = &ev->frames[i];
        if (f->mod)
            snprintf(r->frame[i], sizeof r->frame[i], "%s+0x%llx", f->mod->key,
                     (unsigned long long)f->off);
        else
            snprintf(r->frame[i], sizeof r->frame[i], "0x%llx", (unsigned long long)f->off);
    }
    return 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs argv under the tracer with stacks; the sandbox is left for the caller to finish. */
static void trace_run(struct trace *t, const char *const *argv, unsigned timeout_ms,
                      unsigned nproc)
{
    memset(t, 0, sizeof *t);
    struct fg_sandbox_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.argv = argv;
    cfg.ro_binds = binds;
    int fd = open("stdout.txt", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    cfg.stdout_fd = fd;
    cfg.stderr_fd = -1;
    cfg.timeout_ms = timeout_ms;
    cfg.nproc = nproc;
    struct trc_opts o = {.stacks = true, .input_path = NULL};
    char err[512] = "";
    uint64_t t0 = now_ms();
    t->rc = fg_trace_run(&cfg, &o, collect, t, &t->sb, &t->st, err, sizeof err);
    t->ms = now_ms() - t0;
    ssize_t n = pread(fd, t->out, sizeof t->out - 1, 0);
    t->out[n > 0 ? n : 0] = 0;
    close(fd);
    if (t->rc)
        print_message("fg_trace_run: %s\n", err);
}

static void trace_done(struct trace *t)
{
    fg_sandbox_finish(&t->sb);
    free(t->r);
    t->r = NULL;
}

static void dump(const struct trace *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct rec *r = &t->r[i];
        print_message("  ev%d %d/%d %s %s [%s] v=%#x frames=%u %s\n", r->type, r->pid, r->tid,
                      r->call, r->cls, r->detail, r->violations, r->nframes,
                      r->nframes ? r->frame[0] : "");
    }
}

/* The first recorded call with this name and class (class NULL: any). */
static const struct rec *find(const struct trace *t, const char *call, const char *cls)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->r[i].type == TRC_EV_SYSCALL && !strcmp(t->r[i].call, call) &&
            (!cls || !strcmp(t->r[i].cls, cls)))
            return &t->r[i];
    dump(t);
    print_message("no %s %s among %zu events\n", call, cls ? cls : "", t->n);
    return NULL;
}

static size_t count_type(const struct trace *t, enum trc_ev_type type)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += t->r[i].type == type;
    return n;
}

/* flowgate run: fg_detonate() without a document or profile. */
static fg_detonation *run_mode(const char *const *argv, unsigned timeout_ms)
{
    struct fg_flow_opts o;
    memset(&o, 0, sizeof o);
    o.argv = argv;
    o.ro_binds = binds;
    o.timeout_ms = timeout_ms;
    fg_detonation *d = NULL;
    assert_int_equal(fg_detonate(&o, NULL, NULL, NULL, &d), 0);
    assert_non_null(d);
    return d;
}

static const struct fg_finding *finding(const fg_detonation *d, const char *id)
{
    for (size_t i = 0; i < fg_detonation_finding_count(d); i++)
        if (!strcmp(fg_detonation_finding(d, i)->id, id))
            return fg_detonation_finding(d, i);
    char *j = fg_detonation_json(d);
    print_message("no finding %s in %s\n", id, j ? j : "?");
    free(j);
    return NULL;
}

/* "libc.so.6@" and the first 8 bytes of the build-id of the C library this test runs on:
 * the sandbox binds the same file. */
static int libc_key_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    const char *base = strrchr(info->dlpi_name, '/');
    if (!base || strcmp(base + 1, "libc.so.6"))
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
        const uint8_t *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            ElfW(Nhdr) nh;
            memcpy(&nh, p, sizeof nh);
            size_t name = (nh.n_namesz + 3u) & ~3u, desc = (nh.n_descsz + 3u) & ~3u;
            const uint8_t *d = p + sizeof nh + name;
            if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && nh.n_descsz >= 8 &&
                !memcmp(p + sizeof nh, "GNU", 4)) {
                char *out = arg;
                int o = snprintf(out, 32, "libc.so.6@");
                for (int k = 0; k < 8; k++)
                    o += snprintf(out + o, 32 - (size_t)o, "%02x", d[k]);
                return 1;
            }
            p = d + desc;
        }
    }
    return 0;
}

static bool starts(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* ---- tests ---- */

static void test_exec_recorded(void **state)
{
    (void)state;
    const char *argv[] = {PROG, "exec", NULL};
    struct trace t;
    trace_run(&t, argv, 20000, 0);
    assert_int_equal(t.rc, 0);
    assert_true(t.st.cmd_exited);
    assert_int_equal(t.st.cmd_code, 0);
    const struct rec *r = find(&t, "execve", "bin:true");
    assert_non_null(r);
    assert_int_equal(r->kind, TRC_K_EXEC);
    assert_string_equal(r->detail, "/bin/true: true --from-trc-prog x");
    /* The child is a process of its own, reported as spawned by the command and as
     * exec'ing /bin/true. */
    assert_int_equal(t.r[0].type, TRC_EV_SPAWN);
    pid_t cmd = t.r[0].pid;
    assert_int_not_equal(r->pid, cmd);
    bool spawn_ev = false, exec_ev = false;
    for (size_t i = 0; i < t.n; i++) {
        spawn_ev |= t.r[i].type == TRC_EV_SPAWN && t.r[i].pid == r->pid && t.r[i].ppid == cmd;
        exec_ev |= t.r[i].type == TRC_EV_EXEC && t.r[i].pid == r->pid &&
                   starts(t.r[i].detail, "/bin/true");
    }
    assert_true(spawn_ev);
    assert_true(exec_ev);
    assert_true(t.st.processes >= 2);
    trace_done(&t);
}

static void test_write_classes(void **state)
{
    (void)state;
    const char *argv[] = {PROG, "write", "/work/x", "/tmp/../etc/cron.d/x", NULL};
    struct trace t;
    trace_run(&t, argv, 20000, 0);
    assert_int_equal(t.rc, 0);
    const struct rec *w = find(&t, "openat", "work:wc");
    assert_non_null(w);
    assert_int_equal(w->kind, TRC_K_FILE_WRITE);
    assert_string_equal(w->detail, "/work/x");
    assert_false(w->outside_work);
    /* Lexically normalised: the write lands in /etc, whatever the path says. */
    const struct rec *e = find(&t, "openat", "config:wc");
    assert_non_null(e);
    assert_string_equal(e->detail, "/etc/cron.d/x");
    assert_true(e->outside_work);
    assert_int_equal(e->kind, TRC_K_FILE_WRITE);
    trace_done(&t);

    /* flowgate run: a write to cron is persistence, high, whether or not it succeeded. */
    const char *argv2[] = {PROG, "write", "/tmp/../etc/cron.d/x", NULL};
    fg_detonation *d = run_mode(argv2, 20000);
    const struct fg_finding *f = finding(d, "flow.persistence");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_HIGH);
    assert_non_null(strstr(f->evidence, "/etc/cron.d/x"));
    assert_int_equal(fg_detonation_verdict(d), FG_VERDICT_MALICIOUS);
    fg_detonation_free(d);
}

static void test_connect_classes(void **state)
{
    (void)state;
    const char *argv[] = {PROG, "connect", "192.0.2.1", "443", NULL};
    struct trace t;
    trace_run(&t, argv, 20000, 0);
    assert_int_equal(t.rc, 0);
    const struct rec *s = find(&t, "socket", "inet:stream");
    assert_non_null(s);
    assert_int_equal(s->kind, TRC_K_NET);
    const struct rec *c = find(&t, "connect", "inet:public:https");
    assert_non_null(c);
    assert_string_equal(c->detail, "192.0.2.1:443");
    assert_true(c->net_outside);
    trace_done(&t);

    const char *argv2[] = {PROG, "connect", "127.0.0.1", "8080", NULL};
    trace_run(&t, argv2, 20000, 0);
    assert_int_equal(t.rc, 0);
    c = find(&t, "connect", "inet:loopback:http");
    assert_non_null(c);
    assert_string_equal(c->detail, "127.0.0.1:8080");
    assert_false(c->net_outside);
    trace_done(&t);
}

/* Every recorded call of an ordinary program has a real call stack of module+offset frames
 * that survive ASLR, and no violation. */
static void test_ordinary_stacks(void **state)
{
    (void)state;
    char libc[32] = "";
    assert_int_equal(dl_iterate_phdr(libc_key_cb, libc), 1);
    const char *argv[] = {PROG, "plain", NULL};
    struct trace t;
    trace_run(&t, argv, 20000, 0);
    assert_int_equal(t.rc, 0);
    assert_true(t.st.cmd_exited);
    assert_int_equal(t.st.cmd_code, 0);
    assert_int_equal(count_type(&t, TRC_EV_HOSTILE), 0);
    size_t calls = 0, own = 0;
    for (size_t i = 0; i < t.n; i++) {
        const struct rec *r = &t.r[i];
        if (r->type != TRC_EV_SYSCALL)
            continue;
        calls++;
        if (r->nframes < 2 || r->violations)
            dump(&t);
        assert_true(r->nframes >= 2);
        assert_int_equal(r->violations, 0);
        /* The dynamic loader makes the first calls, the C library all others. */
        assert_true(starts(r->frame[0], libc) || starts(r->frame[0], "ld-linux-x86-64.so.2@"));
        bool from_prog = false;
        for (unsigned k = 1; k < r->nframes; k++)
            from_prog |= starts(r->frame[k], "trc_prog@");
        if (from_prog) {
            own++;
            assert_true(starts(r->frame[0], libc));
            assert_true(strlen(r->frame[0]) > strlen(libc) + 3); /* "+0x..." */
        }
    }
    assert_true(calls >= 8);
    assert_true(own >= 3); /* hostname, plain.txt, mmap, uname */
    const struct rec *h = NULL;
    for (size_t i = 0; i < t.n && !h; i++)
        if (!strcmp(t.r[i].detail, "/etc/hostname"))
            h = &t.r[i];
    assert_non_null(h);
    assert_string_equal(h->call, "openat");
    assert_string_equal(h->cls, "config:r");
    assert_int_equal(h->kind, TRC_K_FILE_READ);
    assert_false(h->outside_work);
    assert_non_null(find(&t, "uname", NULL));
    trace_done(&t);
}

static void test_rwx_code_origin(void **state)
{
    (void)state;
    const char *argv[] = {PROG, "rwx", NULL};
    struct trace t;
    trace_run(&t, argv, 20000, 0);
    assert_int_equal(t.rc, 0);
    assert_int_equal(t.st.cmd_code, 0); /* the stub really ran */
    assert_non_null(strstr(t.out, "stub uname: 0 Linux"));
    const struct rec *m = find(&t, "mmap", "prot=rwx anon private");
    assert_non_null(m);
    assert_true(m->exec_prot);
    assert_int_equal(m->violations, 0); /* asking for it is not yet injected code */
    const struct rec *u = find(&t, "uname", NULL);
    assert_non_null(u);
    assert_true(u->violations & TRC_V_SYSCALL_ORIGIN);
    assert_true(starts(u->frame[0], "0x")); /* in no module */
    trace_done(&t);

    fg_detonation *d = run_mode(argv, 20000);
    const struct fg_finding *f = finding(d, "flow.code-origin");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_CRITICAL);
    assert_non_null(strstr(f->evidence, "uname"));
    assert_non_null(finding(d, "flow.wx"));
    assert_int_equal(fg_detonation_verdict(d), FG_VERDICT_MALICIOUS);
    fg_detonation_free(d);
}

static void test_rop(void **state)
{
    (void)state;
    const char *argv[] = {PROG, "rop", NULL};
    struct trace t;
    trace_run(&t, argv, 20000, 0);
    assert_int_equal(t.rc, 0);
    assert_int_equal(t.st.cmd_code, 0);
    assert_non_null(strstr(t.out, "rop uname: 0 Linux")); /* the return-entered call worked */
    const struct rec *u = find(&t, "uname", NULL);
    assert_non_null(u);
    if (!(u->violations & TRC_V_ROP))
        dump(&t);
    assert_true(u->violations & TRC_V_ROP);
    assert_false(u->violations & (TRC_V_SYSCALL_ORIGIN | TRC_V_RET_ORIGIN));
    assert_true(u->nframes >= 2);
    assert_true(starts(u->frame[1], "trc_prog@")); /* the landing pad */
    /* Nothing else of the run is flagged: the check is about that one return. */
    for (size_t i = 0; i < t.n; i++)
        if (t.r[i].type == TRC_EV_SYSCALL && strcmp(t.r[i].call, "uname"))
            assert_int_equal(t.r[i].violations, 0);
    trace_done(&t);

    fg_detonation *d = run_mode(argv, 20000);
    const struct fg_finding *f = finding(d, "flow.rop");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_CRITICAL);
    assert_int_equal(fg_detonation_verdict(d), FG_VERDICT_MALICIOUS);
    fg_detonation_free(d);
}

/* Threads that end before their creator's clone event is read once kept the tracer waiting
 * for them until the timeout. */
static void test_threads_followed(void **state)
{
    (void)state;
    const char *argv[] = {PROG, "threads", NULL};
    for (int round = 0; round < 3; round++) {
        struct trace t;
        trace_run(&t, argv, 30000, 0);
        assert_int_equal(t.rc, 0);
        assert_false(t.sb.status.timed_out);
        assert_true(t.st.cmd_exited);
        assert_int_equal(t.st.cmd_code, 0);
        if (t.ms >= 15000)
            print_message("round %d took %llu ms\n", round, (unsigned long long)t.ms);
        assert_true(t.ms < 15000);
        const struct rec *w = find(&t, "openat", "work:wc");
        assert_non_null(w);
        assert_string_equal(w->detail, "/work/thread.txt");
        assert_int_not_equal(w->tid, w->pid); /* recorded in the thread, for the process */
        assert_true(w->nframes >= 2);
        assert_int_equal(w->violations, 0);
        assert_int_equal(t.st.processes, 1); /* threads are not processes */
        trace_done(&t);
    }
}

static void test_timeout_ends_run(void **state)
{
    (void)state;
    const char *sleeper[] = {PROBE, "sleep", NULL};
    struct trace t;
    trace_run(&t, sleeper, 1000, 0);
    assert_int_equal(t.rc, 0);
    assert_true(t.sb.status.timed_out);
    assert_false(t.st.cmd_exited);
    assert_true(t.ms >= 1000 && t.ms < 10000);
    trace_done(&t);

    const char *bomb[] = {PROBE, "forkbomb", NULL};
    trace_run(&t, bomb, 1500, 16);
    assert_int_equal(t.rc, 0);
    assert_true(t.sb.status.timed_out);
    assert_true(t.ms >= 1500 && t.ms < 15000);
    assert_true(t.st.processes >= 2 && t.st.processes <= 64);
    trace_done(&t);

    fg_detonation *d = run_mode(sleeper, 1000);
    const struct fg_finding *f = finding(d, "flow.timeout");
    assert_non_null(f);
    assert_true(f->unscannable);
    assert_int_equal(fg_detonation_verdict(d), FG_VERDICT_UNSCANNABLE);
    fg_detonation_free(d);
}

/* The call never runs: the tracer kills the process before it continues the stop.  (A
 * tracer that only killed init let the call through now and then: several rounds.) */
static void test_hostile_call_kills(void **state)
{
    (void)state;
    static const char *const calls[] = {"ptrace", "mount"};
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        const char *argv[] = {PROBE, "hostile", calls[i], NULL};
        for (int round = 0; round < 4; round++) {
            struct trace t;
            trace_run(&t, argv, 20000, 0);
            assert_int_equal(t.rc, 0);
            assert_int_equal(count_type(&t, TRC_EV_HOSTILE), 1);
            const struct rec *h = NULL;
            for (size_t k = 0; k < t.n; k++)
                if (t.r[k].type == TRC_EV_HOSTILE)
                    h = &t.r[k];
            assert_string_equal(h->call, calls[i]);
            assert_int_equal(h->kind, TRC_K_HOSTILE);
            /* Killed at the call: it never ran, nor anything after it. */
            if (strstr(t.out, "survived"))
                print_message("%s", t.out);
            assert_null(strstr(t.out, "survived"));
            assert_false(t.st.cmd_exited);
            assert_false(t.sb.status.exited);
            assert_false(t.sb.status.timed_out);
            assert_true(t.ms < 10000);
            trace_done(&t);
        }
        fg_detonation *d = run_mode(argv, 20000);
        const struct fg_finding *f = finding(d, "flow.hostile-call");
        assert_non_null(f);
        assert_int_equal(f->severity, FG_SEV_CRITICAL);
        assert_non_null(strstr(f->evidence, calls[i]));
        assert_int_equal(fg_detonation_verdict(d), FG_VERDICT_MALICIOUS);
        fg_detonation_free(d);
    }
}

/* A program the run wrote itself, under a name that is not UTF-8: its code is untrusted,
 * and the JSON report still carries that finding (names from the run are escaped). */
static void test_untrusted_code_reported(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c",
                          "n=/work/$(printf '\\377\\376')prog; cp " PROG " \"$n\" && \"$n\" plain",
                          NULL};
    fg_detonation *d = run_mode(argv, 20000);
    const struct fg_finding *f = finding(d, "flow.untrusted-code");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_MEDIUM); /* run mode: a program may load its own code */
    char *j = fg_detonation_json(d);
    assert_non_null(j);
    json_error_t je;
    json_t *o = json_loads(j, 0, &je);
    assert_non_null(o);
    bool listed = false;
    json_t *fs = json_object_get(o, "findings"), *x;
    size_t i;
    json_array_foreach(fs, i, x)
        listed |= !strcmp(json_string_value(json_object_get(x, "id")), "flow.untrusted-code");
    if (!listed)
        print_message("%s\n", j);
    assert_true(listed);
    json_t *v = json_object_get(json_object_get(o, "behaviour"), "violations");
    assert_true(json_array_size(v) >= 1);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(v, 0), "stack")),
                           "\\xFF\\xFEprog@untrusted"));
    json_decref(o);
    free(j);
    fg_detonation_free(d);
}

/* A program that cannot be executed is an error of the run, never a clean result. */
static void test_cannot_execute(void **state)
{
    (void)state;
    const char *argv[] = {"/no/such/program", NULL};
    struct trace t;
    trace_run(&t, argv, 20000, 0);
    assert_int_equal(t.rc, FG_EINVAL);
    trace_done(&t);
    fg_detonation *d = run_mode(argv, 20000);
    assert_int_equal(fg_detonation_verdict(d), FG_VERDICT_ERROR);
    assert_non_null(fg_detonation_error(d));
    assert_non_null(strstr(fg_detonation_error(d), "cannot execute /no/such/program"));
    fg_detonation_free(d);
}

/* An ordinary run prints nothing from the library and is clean. */
static void test_clean_run_quiet(void **state)
{
    (void)state;
    const char *argv[] = {PROG, "plain", NULL};
    struct tu_quiet q;
    tu_quiet_begin(&q);
    fg_detonation *d = run_mode(argv, 20000);
    tu_quiet_end(&q);
    if (fg_detonation_verdict(d) != FG_VERDICT_CLEAN) {
        char *j = fg_detonation_json(d);
        print_message("%s\n", j);
        free(j);
    }
    assert_int_equal(fg_detonation_verdict(d), FG_VERDICT_CLEAN);
    assert_null(fg_detonation_error(d));
    uint64_t wall = 0, stops = 0;
    fg_detonation_stats(d, &wall, &stops, NULL);
    assert_true(stops >= 8);
    fg_detonation_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exec_recorded, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_write_classes, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_connect_classes, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_ordinary_stacks, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_rwx_code_origin, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_rop, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_threads_followed, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_timeout_ends_run, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_call_kills, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_untrusted_code_reported, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_cannot_execute, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_clean_run_quiet, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
