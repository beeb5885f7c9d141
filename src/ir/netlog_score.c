/*
 * netlog_score.c - the detectors of `flowgate netlog` and the ranking: roles learnt from the
 * tables (mail relay, proxy, backup, monitoring), then per host mass mail, beaconing,
 * exfiltration and internal scanning, each with the evidence behind it.  The statistics and
 * why each threshold is where it is: docs/internals/netlog.md.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netlog_int.h"

/* Role learning: how many distinct internal clients make a server. */
#define NL_ROLE_MIN_CLIENTS 5
#define NL_ROLE_BULK_PEERS 3
#define NL_ROLE_BULK_BYTES (1ULL << 30)
#define NL_ROLE_MON_DSTS 10
#define NL_ROLE_MON_PORTS 8
#define NL_ROLE_MON_REPEAT 10 /* connections per polled host */
/* Mass mail: distinct external port-25 destinations. */
#define NL_MAIL_MEDIUM 20
#define NL_MAIL_HIGH 100
/* Beaconing. */
#define NL_BEACON_MIN_CONNS 20
#define NL_BEACON_MIN_SPAN_MS (3600 * 1000)
#define NL_BEACON_REL_DISP 0.25   /* MAD / median at which a dispersion part reaches 0 */
#define NL_BEACON_TS_MIN 0.8      /* the timing part must be at least this regular */
#define NL_BEACON_PREVALENCE 0.2  /* destinations shared by this share of hosts are services */
/* Exfiltration. */
#define NL_EXFIL_MIN_BYTES (100ULL << 20)
#define NL_EXFIL_PEER_RATIO 10.0
#define NL_EXFIL_MIN_PEERS 3
/* Internal scanning. */
#define NL_SCAN_DSTS 50
#define NL_SCAN_DSTPORTS 100
#define NL_SCAN_MIN_KNOWN 20
#define NL_SCAN_FAIL 0.5
#define NL_SCAN_FAIL_HIGH 0.7

/* ---- the beacon statistic ---- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Quartiles, Bowley skew and median absolute deviation of a sample, and from them two scores
 * in 0..1: symmetry (1 - |skew|) and tightness (1 - MAD / (median * NL_BEACON_REL_DISP)),
 * with 'slack' as dispersion that counts as none (timer granularity, header jitter). */
static void robust(const uint32_t *in, uint32_t n, double slack, double *skew_s, double *disp_s,
                   double *median, double *mad)
{
    uint32_t v[FG_CAP_NL_BEACON_SAMPLES], dev[FG_CAP_NL_BEACON_SAMPLES];
    memcpy(v, in, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_u32);
    double q1 = v[n / 4], q2 = v[n / 2], q3 = v[(3 * n) / 4];
    double skew = q3 > q1 ? (q3 + q1 - 2 * q2) / (q3 - q1) : 0;
    for (uint32_t i = 0; i < n; i++)
        dev[i] = (uint32_t)fabs((double)v[i] - q2);
    qsort(dev, n, sizeof *dev, cmp_u32);
    double m = dev[n / 2];
    *skew_s = 1 - fabs(skew);
    double rel = m <= slack ? 0 : m / (q2 > 1 ? q2 : 1);
    *disp_s = rel >= NL_BEACON_REL_DISP ? 0 : 1 - rel / NL_BEACON_REL_DISP;
    *median = q2;
    *mad = m;
}

int nl_beacon_stat(const struct nl_beacon *b, const struct nl_pair *p,
                   struct nl_beacon_score *o)
{
    memset(o, 0, sizeof *o);
    if (!b || b->n < NL_BEACON_MIN_CONNS - 1 || p->conns < NL_BEACON_MIN_CONNS ||
        p->end_ms - p->first_ms < NL_BEACON_MIN_SPAN_MS)
        return -1;
    double mad_iv, mad_sz;
    robust(b->iv_ms, b->n, 1000, &o->ts_skew, &o->ts_disp, &o->median_iv_s, &mad_iv);
    robust(b->size, b->n, 32, &o->ds_skew, &o->ds_disp, &o->median_size, &mad_sz);
    o->median_iv_s /= 1000;
    o->mad_iv_s = mad_iv / 1000;
    /* A regular burst that stops is no beacon: the connections must fill the window. */
    double span_s = (double)(p->end_ms - p->first_ms) / 1000;
    double expect = o->median_iv_s > 0 ? span_s / o->median_iv_s + 1 : p->conns;
    o->coverage = fmin(1, p->conns / expect);
    double ts = (o->ts_skew + o->ts_disp + o->coverage) / 3;
    double ds = (o->ds_skew + o->ds_disp) / 2;
    /* Timing weighs more than size: a beacon that sometimes fetches a task changes size,
     * never its clock; and netfilter logs give only the SYN's size. */
    o->score = ts < NL_BEACON_TS_MIN ? ts * 0.65 : 0.65 * ts + 0.35 * ds;
    return 0;
}

/* ---- context shared by the detectors ---- */

struct side {
    const struct nl_pair *top;    /* largest outbound volume */
    const struct nl_pair *beacon; /* most regular */
    struct nl_beacon_score bs;
    uint32_t smtp[5];
    int nsmtp;
    int learnt; /* role was learnt, not given */
    char why[160];
};

struct ctx {
    struct nl_agg *a;
    struct side *side; /* per host slot */
    uint32_t *dst_keys, *dst_cnt; /* prevalence: internal sources per external destination */
    size_t dcap;
    size_t nsources; /* internal hosts with external connections */
    uint64_t peer_median;
    size_t npeers;
    int quiet[24], quiet_learnt;
};

static void fmt_bytes(uint64_t b, char *out, size_t n)
{
    static const char *u[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)b;
    int i = 0;
    while (v >= 1000 && i < 4) {
        v /= 1000;
        i++;
    }
    snprintf(out, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static void fmt_time(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(out, n, "?");
}

static size_t dst_slot(const struct ctx *c, uint32_t dst)
{
    size_t j = (size_t)((dst * 0x9E3779B1u) & (c->dcap - 1));
    while (c->dst_cnt[j] && c->dst_keys[j] != dst)
        j = (j + 1) & (c->dcap - 1);
    return j;
}

/* Destinations that at least NL_BEACON_PREVALENCE of the hosts talking outside (and at least
 * three) talk to. */
static int shared(const struct ctx *c, uint32_t dst)
{
    uint32_t n = c->dst_cnt[dst_slot(c, dst)];
    return n >= 3 && n >= NL_BEACON_PREVALENCE * (double)c->nsources;
}

static int sidx(const struct ctx *c, const struct nl_host *h)
{
    return (int)(h - c->a->hosts);
}

/* One walk over the pairs: prevalence of each destination, and per host its top destination,
 * its most regular pair and a few of its SMTP destinations. */
static int walk_pairs(struct ctx *c)
{
    struct nl_agg *a = c->a;
    c->dcap = 16;
    while (c->dcap < a->npairs * 2)
        c->dcap *= 2;
    c->dst_keys = calloc(c->dcap, sizeof *c->dst_keys);
    c->dst_cnt = calloc(c->dcap, sizeof *c->dst_cnt);
    if (!c->dst_keys || !c->dst_cnt)
        return FG_ENOMEM;
    for (size_t i = 0; i < a->pcap; i++) {
        const struct nl_pair *p = &a->pairs[i];
        if (p->used) {
            size_t j = dst_slot(c, p->dst);
            c->dst_keys[j] = p->dst;
            c->dst_cnt[j]++;
        }
    }
    for (size_t i = 0; i < a->pcap; i++) {
        const struct nl_pair *p = &a->pairs[i];
        if (!p->used)
            continue;
        struct nl_host *h = nl_host_get(a, p->src, 0);
        if (!h)
            continue;
        struct side *s = &c->side[sidx(c, h)];
        if (!s->top || p->out > s->top->out)
            s->top = p;
        if (p->dport == 25 && s->nsmtp < 5)
            s->smtp[s->nsmtp++] = p->dst;
        /* A destination many internal hosts keep time with or poll is a service (NTP,
         * updates), not a command server: it is never a host's beacon. */
        struct nl_beacon_score bs;
        if (!shared(c, p->dst) && !nl_beacon_stat(nl_pair_beacon(a, p), p, &bs) &&
            (!s->beacon || bs.score > s->bs.score)) {
            s->beacon = p;
            s->bs = bs;
        }
    }
    return 0;
}

static uint64_t dist(const struct nl_host *h, int k)
{
    return h->d[k] ? (uint64_t)llround(nl_hll_count(h->d[k])) : 0;
}

/* Internal hosts that sent this one at least NL_BULK_BYTES, and their bytes. */
static uint64_t bulk_peers(const struct nl_host *h, uint64_t *total)
{
    uint64_t n = 0;
    *total = 0;
    for (int i = 0; i < NL_BULK_SLOTS; i++) {
        if (h->bulk[i].bytes >= NL_BULK_BYTES) {
            n++;
            *total += h->bulk[i].bytes;
        }
    }
    return n;
}

/* Roles from the data, for hosts the roles file did not name. */
static void learn_role(struct ctx *c, struct nl_host *h)
{
    struct side *s = &c->side[sidx(c, h)];
    if (h->role) {
        snprintf(s->why, sizeof s->why, "named in the roles file");
        return;
    }
    uint64_t v, total;
    s->learnt = 1;
    if ((v = dist(h, NL_D_SMTP_CLIENTS)) >= NL_ROLE_MIN_CLIENTS) {
        h->role = NL_ROLE_MAIL;
        snprintf(s->why, sizeof s->why, "learnt: %llu internal hosts send it SMTP",
                 (unsigned long long)v);
    } else if ((v = dist(h, NL_D_PROXY_CLIENTS)) >= NL_ROLE_MIN_CLIENTS) {
        h->role = NL_ROLE_PROXY;
        snprintf(s->why, sizeof s->why, "learnt: %llu internal hosts use it on a proxy port",
                 (unsigned long long)v);
    } else if ((v = bulk_peers(h, &total)) >= NL_ROLE_BULK_PEERS && total >= NL_ROLE_BULK_BYTES) {
        char b[32];
        fmt_bytes(total, b, sizeof b);
        h->role = NL_ROLE_BACKUP;
        snprintf(s->why, sizeof s->why, "learnt: %s in bulk transfers from %llu internal hosts",
                 b, (unsigned long long)v);
    } else {
        uint64_t d = dist(h, NL_D_INT_DSTS), ports = dist(h, NL_D_INT_PORTS);
        double fail = h->int_known ? (double)h->int_fail / (double)h->int_known : 0;
        if (d >= NL_ROLE_MON_DSTS && ports <= NL_ROLE_MON_PORTS && fail <= 0.2 &&
            h->int_conns >= d * NL_ROLE_MON_REPEAT) {
            h->role = NL_ROLE_MONITOR;
            snprintf(s->why, sizeof s->why,
                     "learnt: polls %llu internal hosts on %llu ports, %llu connections, %.0f%% "
                     "answered", (unsigned long long)d, (unsigned long long)ports,
                     (unsigned long long)h->int_conns, 100 * (1 - fail));
        }
    }
    if (!h->role)
        s->why[0] = 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The fleet's quiet hours: an hour is busy for a host when it starts at least a quarter of
 * its busiest hour's connections (background such as NTP stays far below what people cause);
 * quiet for the fleet when at most a quarter as many hosts are busy then as in the busiest
 * hour.  Learnt rather than assumed, because Zeek writes UTC and syslog local time. */
static void learn_quiet(struct ctx *c)
{
    unsigned busy[24] = {0}, hosts = 0, peak = 0;
    for (size_t i = 0; i < c->a->hcap; i++) {
        const struct nl_host *h = &c->a->hosts[i];
        if (!h->used || h->role || h->conns < 24)
            continue;
        uint32_t mx = 0;
        for (int k = 0; k < 24; k++)
            mx = h->conns_hour[k] > mx ? h->conns_hour[k] : mx;
        for (int k = 0; k < 24; k++)
            busy[k] += (uint64_t)h->conns_hour[k] * 4 >= mx;
        hosts++;
    }
    for (int k = 0; k < 24; k++)
        peak = busy[k] > peak ? busy[k] : peak;
    c->quiet_learnt = hosts >= 5;
    for (int k = 0; k < 24; k++)
        c->quiet[k] = c->quiet_learnt ? busy[k] * 4 <= peak : (k < 6 || k >= 22);
}

static void learn_peers(struct ctx *c)
{
    uint64_t *v = malloc((c->a->nhosts + 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; v && i < c->a->hcap; i++) {
        const struct nl_host *h = &c->a->hosts[i];
        if (h->used && h->ext_conns)
            c->nsources++;
        if (h->used && !h->role && h->ext_conns)
            v[n++] = h->ext_out;
    }
    if (v && n) {
        qsort(v, n, sizeof *v, cmp_u64);
        c->peer_median = v[n / 2];
    }
    c->npeers = n;
    free(v);
}

/* ---- detectors: each fills a hit and returns 1, or returns 0 ---- */

static int role_explains(int role, const char *id)
{
    switch (role) {
    case NL_ROLE_MAIL: return !strcmp(id, "netlog.mass-mail") || !strcmp(id, "netlog.exfil") ||
                              !strcmp(id, "netlog.beacon");
    case NL_ROLE_PROXY: return !strcmp(id, "netlog.exfil") || !strcmp(id, "netlog.beacon");
    case NL_ROLE_BACKUP: return !strcmp(id, "netlog.exfil") || !strcmp(id, "netlog.beacon");
    case NL_ROLE_MONITOR: return !strcmp(id, "netlog.internal-scan") || !strcmp(id, "netlog.beacon");
    case NL_ROLE_SCANNER: return !strcmp(id, "netlog.internal-scan");
    }
    return 0;
}

static int det_mail(struct ctx *c, struct nl_host *h, struct nl_hit *o)
{
    uint64_t n = dist(h, NL_D_SMTP_DSTS);
    if (n < NL_MAIL_MEDIUM)
        return 0;
    struct side *s = &c->side[sidx(c, h)];
    char t1[32], t2[32], ip[16];
    o->id = "netlog.mass-mail";
    o->sev = n >= NL_MAIL_HIGH ? FG_SEV_HIGH : FG_SEV_MEDIUM;
    o->score = (unsigned)fmin(95, 55 + 40 * log10((double)n / NL_MAIL_MEDIUM));
    snprintf(o->msg, sizeof o->msg,
             "direct SMTP to about %llu distinct external mail servers from a host that is not a "
             "mail relay", (unsigned long long)n);
    fmt_time(h->smtp_first, t1, sizeof t1);
    fmt_time(h->smtp_last, t2, sizeof t2);
    int k = snprintf(o->ev, sizeof o->ev, "%llu connections to port 25, %s to %s UTC; e.g.",
                     (unsigned long long)h->smtp_conns, t1, t2);
    for (int i = 0; i < s->nsmtp && k > 0 && (size_t)k < sizeof o->ev; i++) {
        nl_ipv4_str(s->smtp[i], ip);
        k += snprintf(o->ev + k, sizeof o->ev - (size_t)k, " %s", ip);
    }
    return 1;
}

static int det_beacon(struct ctx *c, struct nl_host *h, struct nl_hit *o)
{
    const struct side *s = &c->side[sidx(c, h)];
    const struct nl_beacon_score *b = &s->bs;
    if (!s->beacon || b->score < 0.7)
        return 0;
    const struct nl_pair *p = s->beacon;
    uint32_t prev = c->dst_cnt[dst_slot(c, p->dst)];
    char ip[16];
    nl_ipv4_str(p->dst, ip);
    o->id = "netlog.beacon";
    o->sev = b->score >= 0.9 ? FG_SEV_HIGH : b->score >= 0.8 ? FG_SEV_MEDIUM : FG_SEV_LOW;
    o->score = (unsigned)(b->score * 100);
    snprintf(o->msg, sizeof o->msg,
             "regular connections to %s:%u every %.0f s with similar sizes (beaconing)", ip,
             p->dport, b->median_iv_s);
    snprintf(o->ev, sizeof o->ev,
             "%u connections over %.1f h; interval median %.0f s, MAD %.1f s, symmetry %.2f, "
             "coverage %.0f%%; size median %.0f B, symmetry %.2f, tightness %.2f; score %.2f; "
             "%u internal host%s talk to %s", p->conns,
             (double)(p->end_ms - p->first_ms) / 3.6e6, b->median_iv_s, b->mad_iv_s, b->ts_skew,
             100 * b->coverage, b->median_size, b->ds_skew, b->ds_disp, b->score, prev,
             prev == 1 ? "" : "s", ip);
    return 1;
}

static int det_exfil(struct ctx *c, struct nl_host *h, struct nl_hit *o)
{
    if (h->ext_out < NL_EXFIL_MIN_BYTES)
        return 0;
    int peers = c->npeers >= NL_EXFIL_MIN_PEERS;
    double ratio = c->peer_median ? (double)h->ext_out / (double)c->peer_median : 1e9;
    if (peers && ratio < NL_EXFIL_PEER_RATIO)
        return 0;
    const struct side *s = &c->side[sidx(c, h)];
    uint64_t quiet = 0, peak = 0, act[24];
    int na = 0, peak_h = 0;
    for (int k = 0; k < 24; k++) {
        uint64_t v = h->ext_out_hour[k];
        quiet += c->quiet[k] ? v : 0;
        if (v > peak) {
            peak = v;
            peak_h = k;
        }
        if (v)
            act[na++] = v;
    }
    qsort(act, (size_t)na, sizeof *act, cmp_u64);
    uint64_t usual = na ? act[na / 2] : 0; /* the host's own median active hour */
    double qshare = (double)quiet / (double)h->ext_out;
    double tshare = s->top ? (double)s->top->out / (double)h->ext_out : 0;
    int points = 1 + (qshare >= 0.5) + (h->long_conns > 0) + (tshare >= 0.8) +
                 (usual && peak >= 10 * usual) + (peers && ratio >= 100);
    char tot[32], med[32], pk[32], us[32], ip[16] = "?";
    fmt_bytes(h->ext_out, tot, sizeof tot);
    fmt_bytes(c->peer_median, med, sizeof med);
    fmt_bytes(peak, pk, sizeof pk);
    fmt_bytes(usual, us, sizeof us);
    if (s->top)
        nl_ipv4_str(s->top->dst, ip);
    o->id = "netlog.exfil";
    o->sev = points >= 4 ? FG_SEV_HIGH : points >= 2 ? FG_SEV_MEDIUM : FG_SEV_LOW;
    /* Most of it to a destination many internal hosts use (a conferencing or storage
     * service): still reported, but as low, since volume alone does not tell the two apart. */
    uint32_t prev = s->top ? c->dst_cnt[dst_slot(c, s->top->dst)] : 0;
    if (tshare >= 0.5 && s->top && shared(c, s->top->dst)) {
        o->sev = FG_SEV_LOW;
        points = 1;
    }
    o->score = (unsigned)(points >= 5 ? 95 : 40 + 12 * points);
    if (peers)
        snprintf(o->msg, sizeof o->msg, "sent %s to external hosts, %.0fx the median internal "
                 "host (%s)", tot, ratio, med);
    else
        snprintf(o->msg, sizeof o->msg, "sent %s to external hosts (too few hosts to compare)",
                 tot);
    snprintf(o->ev, sizeof o->ev,
             "top destination %s: %.0f%% of it, %u connections, longest %.1f h; %llu connection%s "
             "over 1 h; %.0f%% in quiet hours (%s); peak hour %02d:00 %s vs this host's usual %s "
             "per active hour; %u internal host%s use %s", ip, 100 * tshare, s->top ? s->top->conns : 0,
             s->top ? s->top->max_dur_s / 3600.0 : 0, (unsigned long long)h->long_conns,
             h->long_conns == 1 ? "" : "s", 100 * qshare,
             c->quiet_learnt ? "learnt from the hosts' activity" : "22:00-06:00 assumed", peak_h,
             pk, us, prev, prev == 1 ? "" : "s", ip);
    return 1;
}

static int det_scan(struct ctx *c, struct nl_host *h, struct nl_hit *o)
{
    (void)c;
    uint64_t d = dist(h, NL_D_INT_DSTS), dp = dist(h, NL_D_INT_DSTPORTS),
             ports = dist(h, NL_D_INT_PORTS);
    double fail = h->int_known ? (double)h->int_fail / (double)h->int_known : 0;
    o->id = "netlog.internal-scan";
    if (h->int_known >= NL_SCAN_MIN_KNOWN) {
        if ((d < NL_SCAN_DSTS && dp < NL_SCAN_DSTPORTS) || fail < NL_SCAN_FAIL)
            return 0;
        o->sev = fail >= NL_SCAN_FAIL_HIGH && (d >= 2 * NL_SCAN_DSTS ||
                 dp >= 5 * NL_SCAN_DSTPORTS) ? FG_SEV_HIGH : FG_SEV_MEDIUM;
        o->score = (unsigned)fmin(95, 50 + 30 * fail + fmin(15, (double)d / 20));
    } else {
        /* The log does not say what was answered (netfilter without a verdict in the
         * prefix): only a wide sweep counts, and never as high. */
        if (d < 2 * NL_SCAN_DSTS && dp < 5 * NL_SCAN_DSTPORTS)
            return 0;
        o->sev = FG_SEV_MEDIUM;
        o->score = 60;
    }
    snprintf(o->msg, sizeof o->msg,
             "connected to about %llu internal hosts on %llu (host, port) pairs, mostly refused or "
             "unanswered (internal scanning)", (unsigned long long)d, (unsigned long long)dp);
    if (h->int_known)
        snprintf(o->ev, sizeof o->ev, "%llu distinct ports; %llu of %llu connections with a "
                 "known outcome refused or unanswered (%.0f%%)", (unsigned long long)ports,
                 (unsigned long long)h->int_fail, (unsigned long long)h->int_known, 100 * fail);
    else
        snprintf(o->ev, sizeof o->ev, "%llu distinct ports, %llu connections; the log gives no "
                 "outcomes", (unsigned long long)ports, (unsigned long long)h->int_conns);
    return 1;
}

static int (*const detectors[])(struct ctx *, struct nl_host *, struct nl_hit *) = {
    det_mail, det_beacon, det_exfil, det_scan,
};
#define NL_NDET (sizeof detectors / sizeof detectors[0])

/* ---- ranking ---- */

static int cmp_finding(const void *a, const void *b)
{
    const struct fg_finding *x = a, *y = b;
    return (int)y->severity - (int)x->severity;
}

static int cmp_ranked(const void *a, const void *b)
{
    const struct nl_ranked *x = a, *y = b;
    if (x->pub.score != y->pub.score)
        return x->pub.score < y->pub.score ? 1 : -1;
    return strcmp(x->addr, y->addr);
}

static int add_finding(struct nl_ranked *r, const char *id, enum fg_severity sev, const char *msg,
                       const char *ev)
{
    struct fg_finding *f = (struct fg_finding *)&r->f[r->pub.nfindings];
    f->id = id;
    f->severity = sev;
    f->message = strdup(msg);
    f->evidence = strdup(ev);
    if (!f->message || !f->evidence) {
        free((char *)f->message);
        free((char *)f->evidence);
        return FG_ENOMEM;
    }
    r->pub.nfindings++;
    return 0;
}

/* Runs the detectors on one host: a role explains some findings, which stay as info (so the
 * evidence is visible) and add little to the score. */
static int score_host(struct ctx *c, struct nl_host *h, struct nl_ranked *r)
{
    const struct side *s = &c->side[sidx(c, h)];
    nl_ipv4_str(h->addr, r->addr);
    r->pub.host = r->addr;
    r->pub.role = nl_role_name(h->role);
    r->role_why = strdup(s->why);
    r->f = calloc(NL_NDET + 1, sizeof *r->f);
    if (!r->role_why || !r->f)
        return FG_ENOMEM;
    r->pub.role_why = r->role_why;
    r->pub.findings = r->f;
    double best = 0, rest = 0;
    for (size_t k = 0; k < NL_NDET; k++) {
        struct nl_hit hit;
        memset(&hit, 0, sizeof hit);
        if (!detectors[k](c, h, &hit))
            continue;
        if (role_explains(h->role, hit.id))
            hit.explained = 1;
        if (hit.explained) {
            char m[sizeof hit.msg + 64];
            snprintf(m, sizeof m, "%s; explained by its role: %s", hit.msg,
                     nl_role_name(h->role));
            memcpy(hit.msg, m, sizeof hit.msg - 1);
            hit.msg[sizeof hit.msg - 1] = 0;
            hit.sev = FG_SEV_INFO;
            hit.score /= 10;
        }
        if (hit.score > best) {
            rest += best;
            best = hit.score;
        } else {
            rest += hit.score;
        }
        if (add_finding(r, hit.id, hit.sev, hit.msg, hit.ev))
            return FG_ENOMEM;
    }
    if (h->role) {
        char m[96];
        snprintf(m, sizeof m, "acts as %s", nl_role_name(h->role));
        if (add_finding(r, "netlog.role", FG_SEV_INFO, m, s->why))
            return FG_ENOMEM;
    }
    qsort(r->f, r->pub.nfindings, sizeof *r->f, cmp_finding);
    r->pub.score = (unsigned)fmin(100, best + 0.2 * rest);
    r->pub.severity = r->pub.nfindings ? r->f[0].severity : FG_SEV_INFO;
    return 0;
}

int nl_score(struct nl_agg *a, struct nl_scored *out)
{
    struct ctx c;
    memset(&c, 0, sizeof c);
    memset(out, 0, sizeof *out);
    c.a = a;
    int rc = FG_ENOMEM;
    c.side = calloc(a->hcap, sizeof *c.side);
    out->r = calloc(a->nhosts + 1, sizeof *out->r);
    if (!c.side || !out->r)
        goto out;
    for (size_t i = 0; i < a->hcap; i++)
        if (a->hosts[i].used)
            learn_role(&c, &a->hosts[i]);
    learn_quiet(&c);
    learn_peers(&c);
    if ((rc = walk_pairs(&c)))
        goto out;
    for (size_t i = 0; i < a->hcap; i++) {
        struct nl_host *h = &a->hosts[i];
        if (!h->used || !h->sent)
            continue;
        if ((rc = score_host(&c, h, &out->r[out->n++])))
            goto out;
    }
    qsort(out->r, out->n, sizeof *out->r, cmp_ranked);
    for (size_t i = 0; i < out->n; i++) /* the address lives in the (moved) entry */
        out->r[i].pub.host = out->r[i].addr;
    rc = 0;
out:
    free(c.side);
    free(c.dst_keys);
    free(c.dst_cnt);
    if (rc)
        nl_scored_free(out);
    return rc;
}

void nl_scored_free(struct nl_scored *s)
{
    for (size_t i = 0; s->r && i < s->n; i++) {
        for (size_t k = 0; k < s->r[i].pub.nfindings; k++) {
            free((char *)s->r[i].f[k].message);
            free((char *)s->r[i].f[k].evidence);
        }
        free(s->r[i].f);
        free(s->r[i].role_why);
    }
    free(s->r);
    s->r = NULL;
    s->n = 0;
}
