/*
 * flow_detect.c - findings from a run: the code-origin checks that need no training, the
 * behaviour that matters whatever the handler (persistence, decoys destroyed, hostile calls),
 * and, with a profile, what the run does that the handler never did with benign documents.
 *
 * Grading (docs/internals/flow.md): code-origin and ROP violations are critical; a call kind
 * (call + argument class) the profile lacks is high when it executes a program, reaches the
 * network beyond loopback, writes outside the work directory or asks for executable memory,
 * and low otherwise; known kinds from new call sites are summed up, low, medium only when a
 * large part of the run is new.  A finding's severity alone sets the verdict (verdict.c).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detonation.h"
#include "profile.h"

/* New call-site contexts: medium only when there are many and they are a large share of the
 * run's distinct nodes, since benign documents take new paths through the same code. */
#define NEWCTX_MEDIUM_MIN 60
#define NEWCTX_MEDIUM_SHARE 0.5

void flow_finding(struct fg_detonation *d, const char *id, enum fg_severity sev, int unscannable,
                  const char *evidence, const char *fmt, ...)
{
    if (d->nfinding >= FLOW_CAP_FINDINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    struct fg_finding *f = &d->finding[d->nfinding];
    f->id = strdup(id);
    f->message = msg;
    f->evidence = strdup(evidence ? evidence : "");
    f->severity = sev;
    f->unscannable = unscannable;
    if (!f->id || !f->message || !f->evidence) {
        free((char *)f->id), free(msg), free((char *)f->evidence);
        return;
    }
    d->nfinding++;
}

static void list_evidence(const struct flow_list *l, char *out, size_t len)
{
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < l->n && i < 8; i++) {
        int w = snprintf(out + o, len - o, "%s%s", i ? "; " : "", l->item[i]);
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
    if (l->total > 8 && o + 16 < len)
        snprintf(out + o, len - o, "; ... (%zu in all)", l->total);
}

static void origin_findings(struct fg_detonation *d)
{
    static const struct {
        unsigned flag;
        const char *id, *what;
    } kinds[] = {
        {TRC_V_SYSCALL_ORIGIN, "flow.code-origin", "a system call was made from memory that holds no program file (injected code)"},
        {TRC_V_RET_ORIGIN, "flow.code-origin", "a return address points into memory that holds no program file"},
        {TRC_V_ROP, "flow.rop", "a return address does not follow a call instruction (return-oriented programming)"},
        {TRC_V_STACK, "flow.stack-pivot", "the stack pointer left every stack (stack pivot)"},
        {TRC_V_UNTRUSTED, "flow.untrusted-code", "code ran from a file outside the read-only system directories"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (size_t i = 0; i < d->nviol; i++) {
            const struct flow_violation *v = &d->viol[i];
            if (!(v->flags & kinds[k].flag))
                continue;
            /* A program run on its own (flowgate run) may be a JIT or load its own code;
             * a document handler never should. */
            enum fg_severity sev = FG_SEV_CRITICAL;
            if (d->run_mode && (kinds[k].flag & TRC_V_UNTRUSTED))
                sev = FG_SEV_MEDIUM;
            char ev[1600];
            snprintf(ev, sizeof ev, "%s: %s; %s; stack: %s", v->call, v->why, v->detail, v->stack);
            flow_finding(d, kinds[k].id, sev, 0, ev, "%s", kinds[k].what);
            break; /* one finding per kind; the report lists them all */
        }
    }
}

/* Executable memory that holds no system file: a JIT in a program run on its own, an
 * injected stage in a document handler.  With a profile it is graded as a call kind. */
static void wx_findings(struct fg_detonation *d)
{
    for (size_t i = 0; i < d->g.nnode; i++) {
        const struct flow_node *n = &d->g.node[i];
        if (!(n->flags & FLOW_F_EXEC_PROT))
            continue;
        char ev[1600];
        snprintf(ev, sizeof ev, "%s %s %s; stack: %s", n->call, n->cls, n->detail ? n->detail : "",
                 n->ctx);
        flow_finding(d, "flow.wx", FG_SEV_MEDIUM, 0, ev,
                     "asked for writable-and-executable or anonymous executable memory");
        return;
    }
}

static void behaviour_findings(struct fg_detonation *d)
{
    char ev[1600];
    if (d->hostile.total) {
        list_evidence(&d->hostile, ev, sizeof ev);
        flow_finding(d, "flow.hostile-call", FG_SEV_CRITICAL, 0, ev,
                     "a system call no document handler makes (kernel modules, mount, ptrace ...); "
                     "the run was stopped");
    }
    if (d->persistence.total) {
        list_evidence(&d->persistence, ev, sizeof ev);
        flow_finding(d, "flow.persistence", FG_SEV_HIGH, 0, ev,
                     "wrote to a place that starts programs at boot or login");
    }
    if (d->decoys && (d->decoys_changed + d->decoys_gone) * 2 >= d->decoys &&
        d->decoys_changed + d->decoys_gone >= 2) {
        snprintf(ev, sizeof ev, "%u of %u decoy files rewritten, %u renamed or deleted",
                 d->decoys_changed, d->decoys, d->decoys_gone);
        flow_finding(d, "flow.ransomware", FG_SEV_HIGH, 0, ev,
                     "rewrote or removed most of the documents next to it (ransomware behaviour)");
    }
    if (d->crashes.total) {
        list_evidence(&d->crashes, ev, sizeof ev);
        flow_finding(d, "flow.crash", FG_SEV_MEDIUM, 0, ev,
                     "the handler crashed (failed exploits often do)");
    }
    if (d->timed_out)
        flow_finding(d, "flow.timeout", FG_SEV_LOW, 1, NULL,
                     "the run did not finish in time and was killed; what it would have done "
                     "next is unknown");
    if (d->stats.dropped)
        flow_finding(d, "flow.incomplete", FG_SEV_LOW, 1, NULL,
                     "%llu calls were over the recording cap and were not examined",
                     (unsigned long long)d->stats.dropped);
}

/* flowgate run: without a profile, report what the program did. */
static void run_findings(struct fg_detonation *d)
{
    char ev[1600];
    bool outside = false;
    for (size_t i = 0; i < d->g.nnode; i++)
        outside |= (d->g.node[i].flags & FLOW_F_NET_OUTSIDE) != 0;
    if (d->network.total) {
        list_evidence(&d->network, ev, sizeof ev);
        flow_finding(d, "run.network", outside ? FG_SEV_MEDIUM : FG_SEV_LOW, 0, ev,
                     outside ? "tried to reach hosts beyond this machine"
                             : "used local network sockets");
    }
    if (d->dns.total) {
        list_evidence(&d->dns, ev, sizeof ev);
        flow_finding(d, "run.dns", FG_SEV_LOW, 0, ev, "looked up %zu host name(s)",
                     d->dns.total);
    }
    if (d->processes.total > 1) {
        list_evidence(&d->processes, ev, sizeof ev);
        flow_finding(d, "run.processes", FG_SEV_LOW, 0, ev, "started %zu programs",
                     d->processes.total);
    }
    if (d->written.total) {
        list_evidence(&d->written, ev, sizeof ev);
        flow_finding(d, "run.files", FG_SEV_INFO, 0, ev, "changed %zu files", d->written.total);
    }
    if (d->notable.total) {
        list_evidence(&d->notable, ev, sizeof ev);
        flow_finding(d, "run.probes", FG_SEV_LOW, 0, ev,
                     "asked about the machine, its processes or privileges");
    }
}

static int dev_add(struct fg_detonation *d, uint64_t id, const char *why)
{
    if (d->ndev == d->capdev) {
        size_t nc = d->capdev ? d->capdev * 2 : 64;
        uint64_t *a = realloc(d->dev_nodes, nc * sizeof *a);
        if (!a)
            return -1;
        d->dev_nodes = a;
        char **b = realloc(d->dev_why, nc * sizeof *b);
        if (!b)
            return -1;
        d->dev_why = b;
        d->capdev = nc;
    }
    d->dev_why[d->ndev] = strdup(why);
    d->dev_nodes[d->ndev++] = id;
    return 0;
}

static bool dangerous(const struct flow_node *n)
{
    return n->kind == TRC_K_EXEC || (n->flags & (FLOW_F_OUTSIDE_WORK | FLOW_F_NET_OUTSIDE |
                                                 FLOW_F_EXEC_PROT)) ||
           n->kind == TRC_K_HOSTILE;
}

static void profile_findings(struct fg_detonation *d, const struct fg_profile *p)
{
    struct flow_graph kinds; /* the new kinds seen so far, as a set */
    flow_graph_init(&kinds);
    char ev[1600];
    size_t o = 0, low_o = 0;
    char low_ev[1600];
    size_t nlow = 0, ndanger = 0;
    ev[0] = low_ev[0] = 0;
    for (size_t i = 0; i < d->g.nnode; i++) {
        const struct flow_node *n = &d->g.node[i];
        if (flow_graph_node(&p->g, n->id))
            continue;
        if (!flow_graph_has_kind(&p->g, n->kind_id)) {
            dev_add(d, n->id, "new-kind");
            /* One kind made from several call sites is one new kind: counted and shown once. */
            if (flow_graph_has_kind(&kinds, n->kind_id))
                continue;
            flow_graph_add_node(&kinds, n->call, n->cls, "", n->kind, NULL, 0, 0);
            d->new_kinds++;
            char *buf = dangerous(n) ? ev : low_ev;
            size_t *po = dangerous(n) ? &o : &low_o;
            *(dangerous(n) ? &ndanger : &nlow) += 1;
            int w = snprintf(buf + *po, sizeof ev - *po, "%s%s %s %s", *po ? "; " : "", n->call,
                             n->cls, n->detail ? n->detail : "");
            if (w > 0 && (size_t)w < sizeof ev - *po)
                *po += (size_t)w;
        } else {
            d->new_contexts++;
            dev_add(d, n->id, "new-context");
        }
    }
    flow_graph_free(&kinds);
    for (size_t i = 0; i < d->g.nedge; i++)
        if (!flow_graph_has_edge(&p->g, d->g.edge[i].from, d->g.edge[i].to))
            d->new_edges++;
    if (ndanger)
        flow_finding(d, "flow.new-call", FG_SEV_HIGH, 0, ev,
                     "%zu kind(s) of system call the %s handler never made with benign documents "
                     "(program execution, network beyond loopback, writes outside its work "
                     "directory or executable memory)", ndanger, p->handler);
    if (nlow)
        flow_finding(d, "flow.new-kind", FG_SEV_LOW, 0, low_ev,
                     "%zu kind(s) of system call not seen in training", nlow);
    if (d->new_contexts) {
        bool many = d->new_contexts >= NEWCTX_MEDIUM_MIN &&
                    (double)d->new_contexts >= NEWCTX_MEDIUM_SHARE * (double)d->g.nnode;
        snprintf(ev, sizeof ev, "%zu of %zu distinct calls come from call sites not seen in "
                 "training; %zu new transitions", d->new_contexts, d->g.nnode, d->new_edges);
        flow_finding(d, "flow.new-context", many ? FG_SEV_MEDIUM : FG_SEV_LOW, 0, ev,
                     many ? "most of the run took code paths the handler never took with "
                            "benign documents"
                          : "known calls from new call sites");
    }
    /* Measured on Debian's PDFs (docs/benchmarks.md): pdftoppm's profile holds nearly all its
     * nodes after 100 documents, and not after 10. */
    if (p->g.serial < 100)
        flow_finding(d, "flow.small-profile", FG_SEV_INFO, 0, NULL,
                     "the profile was learnt from only %u document(s)", p->g.serial);
}

static void decide(struct fg_detonation *d)
{
    if (d->error) {
        d->verdict = FG_VERDICT_ERROR;
        return;
    }
    int max = -1, unscannable = 0;
    for (size_t i = 0; i < d->nfinding; i++) {
        if ((int)d->finding[i].severity > max)
            max = (int)d->finding[i].severity;
        unscannable |= d->finding[i].unscannable;
    }
    d->verdict = max >= FG_SEV_HIGH ? FG_VERDICT_MALICIOUS
                 : max == FG_SEV_MEDIUM ? FG_VERDICT_SUSPICIOUS
                 : unscannable ? FG_VERDICT_UNSCANNABLE : FG_VERDICT_CLEAN;
}

int flow_detect(struct fg_detonation *d, const struct fg_profile *profile)
{
    if (!d->error) {
        origin_findings(d);
        behaviour_findings(d);
        if (profile)
            profile_findings(d, profile);
        else
            wx_findings(d);
        if (!profile && d->run_mode)
            run_findings(d);
    }
    decide(d);
    return 0;
}
