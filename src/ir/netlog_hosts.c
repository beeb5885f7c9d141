/*
 * netlog_hosts.c - the bounded tables of `flowgate netlog`: one slot per internal host (totals,
 * hour-of-day profiles, HyperLogLog distinct counters) and one per (internal host, external
 * destination) pair (volume, timing, a reservoir sample for beaconing).  Everything is capped
 * (FG_CAP_NL_*), so memory depends on how many hosts and pairs a log has, never on its length.
 */
#include <stdlib.h>
#include <string.h>

#include "netlog_int.h"

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* ---- HyperLogLog (512 registers: ~4.6 % error, and exact-ish below ~1,000 by linear
 * counting, which is where our thresholds are) ---- */

void nl_hll_add(struct nl_hll *h, uint64_t key)
{
    uint64_t x = mix64(key + 0x9e3779b97f4a7c15ULL);
    unsigned idx = (unsigned)(x >> (64 - NL_HLL_P));
    uint64_t rest = (x << NL_HLL_P) | (1ULL << (NL_HLL_P - 1)); /* never all zero */
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > h->reg[idx])
        h->reg[idx] = rank;
}

double nl_hll_count(const struct nl_hll *h)
{
    double sum = 0;
    unsigned zeros = 0;
    for (unsigned i = 0; i < NL_HLL_M; i++) {
        sum += 1.0 / (double)(1ULL << h->reg[i]);
        zeros += !h->reg[i];
    }
    double m = NL_HLL_M, est = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
    if (est <= 2.5 * m && zeros)
        est = m * __builtin_log(m / zeros);
    return est;
}

/* ---- roles ---- */

static const char *const role_names[NL_ROLE_N] = {"", "mail-relay", "proxy", "backup",
                                                  "monitoring", "scanner"};

const char *nl_role_name(int role)
{
    return role > 0 && role < NL_ROLE_N ? role_names[role] : "";
}

int nl_role_parse(const char *s)
{
    for (int i = 1; i < NL_ROLE_N; i++)
        if (!strcmp(s, role_names[i]))
            return i;
    return -1;
}

/* ---- the tables ---- */

static void account(struct nl_agg *a, int64_t delta)
{
    a->bytes = (uint64_t)((int64_t)a->bytes + delta);
    if (a->bytes > a->peak_bytes)
        a->peak_bytes = a->bytes;
}

int nl_agg_init(struct nl_agg *a)
{
    memset(a, 0, sizeof *a);
    a->hcap = 1024;
    a->pcap = 4096;
    a->hosts = calloc(a->hcap, sizeof *a->hosts);
    a->pairs = calloc(a->pcap, sizeof *a->pairs);
    if (!a->hosts || !a->pairs) {
        nl_agg_free(a);
        return FG_ENOMEM;
    }
    account(a, (int64_t)(a->hcap * sizeof *a->hosts + a->pcap * sizeof *a->pairs));
    return 0;
}

void nl_agg_free(struct nl_agg *a)
{
    if (a->hosts)
        for (size_t i = 0; i < a->hcap; i++)
            for (int k = 0; k < NL_D_N; k++)
                free(a->hosts[i].d[k]);
    free(a->hosts);
    free(a->pairs);
    for (size_t i = 0; i < a->nbeacons; i++)
        free(a->beacons[i]);
    free(a->beacons);
    a->hosts = NULL;
    a->pairs = NULL;
    a->beacons = NULL;
}

int nl_agg_add_net(struct nl_agg *a, uint32_t addr, unsigned bits)
{
    if (a->nnets >= FG_CAP_NL_NETS || bits > 32)
        return FG_ELIMIT;
    uint32_t mask = bits ? 0xFFFFFFFFu << (32 - bits) : 0;
    a->nets[a->nnets].addr = addr & mask;
    a->nets[a->nnets].mask = mask;
    a->nnets++;
    return 0;
}

int nl_is_internal(const struct nl_agg *a, uint32_t ip)
{
    for (size_t i = 0; i < a->nnets; i++)
        if ((ip & a->nets[i].mask) == a->nets[i].addr)
            return 1;
    return 0;
}

static int host_grow(struct nl_agg *a)
{
    size_t ncap = a->hcap * 2;
    struct nl_host *nh = calloc(ncap, sizeof *nh);
    if (!nh)
        return FG_ENOMEM;
    for (size_t i = 0; i < a->hcap; i++) {
        if (!a->hosts[i].used)
            continue;
        size_t j = mix64(a->hosts[i].addr) & (ncap - 1);
        while (nh[j].used)
            j = (j + 1) & (ncap - 1);
        nh[j] = a->hosts[i];
    }
    free(a->hosts);
    account(a, (int64_t)((ncap - a->hcap) * sizeof *nh));
    a->hosts = nh;
    a->hcap = ncap;
    return 0;
}

int nl_host_reserve(struct nl_agg *a, size_t more)
{
    /* Half full at most: probes stay short and the slot array is at most 2 x the cap. */
    while ((a->nhosts + more) * 2 > a->hcap && a->hcap < 2 * (size_t)FG_CAP_NL_HOSTS) {
        if (host_grow(a)) {
            a->failed = 1;
            return FG_ENOMEM;
        }
    }
    return 0;
}

struct nl_host *nl_host_get(struct nl_agg *a, uint32_t ip, int create)
{
    size_t mask = a->hcap - 1, j = mix64(ip) & mask;
    while (a->hosts[j].used) {
        if (a->hosts[j].addr == ip)
            return &a->hosts[j];
        j = (j + 1) & mask;
    }
    /* nl_host_reserve() made room: slots never move while a record is added, so pointers
     * to two hosts taken for one record stay valid. */
    if (!create || a->nhosts >= FG_CAP_NL_HOSTS || (a->nhosts + 1) * 2 > a->hcap)
        return NULL;
    a->hosts[j].used = 1;
    a->hosts[j].addr = ip;
    a->nhosts++;
    return &a->hosts[j];
}

static void dist_add(struct nl_agg *a, struct nl_host *h, int k, uint64_t key)
{
    if (!h->d[k]) {
        h->d[k] = calloc(1, sizeof *h->d[k]);
        if (!h->d[k]) {
            a->failed = 1;
            return;
        }
        account(a, sizeof *h->d[k]);
    }
    nl_hll_add(h->d[k], key);
}

static inline uint64_t pair_key(uint32_t src, uint32_t dst)
{
    return (uint64_t)src << 32 | dst;
}

static int pair_grow(struct nl_agg *a)
{
    size_t ncap = a->pcap * 2;
    struct nl_pair *np = calloc(ncap, sizeof *np);
    if (!np)
        return FG_ENOMEM;
    for (size_t i = 0; i < a->pcap; i++) {
        if (!a->pairs[i].used)
            continue;
        size_t j = mix64(pair_key(a->pairs[i].src, a->pairs[i].dst)) & (ncap - 1);
        while (np[j].used)
            j = (j + 1) & (ncap - 1);
        np[j] = a->pairs[i];
    }
    free(a->pairs);
    account(a, (int64_t)((ncap - a->pcap) * sizeof *np));
    a->pairs = np;
    a->pcap = ncap;
    return 0;
}

static struct nl_pair *pair_get(struct nl_agg *a, uint32_t src, uint32_t dst, int create)
{
    size_t mask = a->pcap - 1, j = mix64(pair_key(src, dst)) & mask;
    while (a->pairs[j].used) {
        if (a->pairs[j].src == src && a->pairs[j].dst == dst)
            return &a->pairs[j];
        j = (j + 1) & mask;
    }
    if (!create || a->npairs >= FG_CAP_NL_PAIRS)
        return NULL;
    /* Three quarters full at most: the cap is 3/4 of 2^20 slots. */
    if ((a->npairs + 1) * 4 > a->pcap * 3) {
        if (pair_grow(a)) {
            a->failed = 1;
            return NULL;
        }
        return pair_get(a, src, dst, create);
    }
    struct nl_pair *p = &a->pairs[j];
    p->used = 1;
    p->src = src;
    p->dst = dst;
    a->npairs++;
    return p;
}

struct nl_pair *nl_pair_find(const struct nl_agg *a, uint32_t src, uint32_t dst)
{
    return pair_get((struct nl_agg *)a, src, dst, 0);
}

const struct nl_beacon *nl_pair_beacon(const struct nl_agg *a, const struct nl_pair *p)
{
    return p->beacon ? a->beacons[p->beacon - 1] : NULL;
}

static void beacon_start(struct nl_agg *a, struct nl_pair *p)
{
    if (a->nbeacons >= FG_CAP_NL_BEACON_PAIRS) {
        a->over_beacons++;
        return;
    }
    if (a->nbeacons == a->bcap) {
        size_t ncap = a->bcap ? a->bcap * 2 : 256;
        struct nl_beacon **nb = realloc(a->beacons, ncap * sizeof *nb);
        if (!nb) {
            a->failed = 1;
            return;
        }
        account(a, (int64_t)((ncap - a->bcap) * sizeof *nb));
        a->beacons = nb;
        a->bcap = ncap;
    }
    struct nl_beacon *b = calloc(1, sizeof *b);
    if (!b) {
        a->failed = 1;
        return;
    }
    account(a, sizeof *b);
    b->rng = mix64(pair_key(p->src, p->dst)) | 1;
    a->beacons[a->nbeacons++] = b;
    p->beacon = (uint32_t)a->nbeacons;
}

/* Reservoir sampling (algorithm R): a uniform sample of the intervals however many there
 * are; the generator is seeded from the pair, so runs are reproducible. */
static void beacon_offer(struct nl_beacon *b, uint32_t iv_ms, uint32_t size)
{
    uint32_t k = b->seen++;
    if (k >= FG_CAP_NL_BEACON_SAMPLES) {
        b->rng ^= b->rng << 13;
        b->rng ^= b->rng >> 7;
        b->rng ^= b->rng << 17;
        k = (uint32_t)(b->rng % ((uint64_t)k + 1));
        if (k >= FG_CAP_NL_BEACON_SAMPLES)
            return;
    } else {
        b->n++;
    }
    b->iv_ms[k] = iv_ms;
    b->size[k] = size;
}

static int hour_of(int64_t ms)
{
    int64_t s = ms / 1000 % 86400;
    if (s < 0)
        s += 86400;
    return (int)(s / 3600);
}

static int failed_state(uint8_t st)
{
    return st == NL_ST_REFUSED || st == NL_ST_NOREPLY;
}

static void bulk_add(struct nl_host *h, uint32_t from, uint64_t bytes)
{
    int min = 0;
    for (int i = 0; i < NL_BULK_SLOTS; i++) {
        if (h->bulk[i].bytes && h->bulk[i].addr == from) {
            h->bulk[i].bytes += bytes;
            return;
        }
        if (h->bulk[i].bytes < h->bulk[min].bytes)
            min = i;
    }
    h->bulk[min].addr = from;
    h->bulk[min].bytes += bytes;
}

/* Traffic between two internal hosts: scanning counters on the source, and the counters that
 * reveal a server's role on the destination. */
static void add_internal(struct nl_agg *a, struct nl_host *h, const struct nl_rec *r)
{
    h->int_out += r->bytes_out;
    if (r->is_conn) {
        h->int_conns++;
        if (r->state != NL_ST_UNKNOWN) {
            h->int_known++;
            h->int_fail += failed_state(r->state);
        }
        dist_add(a, h, NL_D_INT_DSTS, r->dst);
        dist_add(a, h, NL_D_INT_DSTPORTS, (uint64_t)r->dst << 16 | r->dport);
        dist_add(a, h, NL_D_INT_PORTS, r->dport);
    }
    if (failed_state(r->state))
        return;
    int k = -1;
    uint16_t p = r->dport;
    if (p == 25 || p == 465 || p == 587)
        k = NL_D_SMTP_CLIENTS;
    else if (p == 3128 || p == 3129 || p == 8080)
        k = NL_D_PROXY_CLIENTS;
    if (k >= 0 && r->is_conn) {
        struct nl_host *d = nl_host_get(a, r->dst, 1);
        if (d)
            dist_add(a, d, k, r->src);
    }
    /* Pushed backups land on the destination, pulled ones on the source.  netfilter logs
     * give a bulk transfer as many packet records, so the sums are per peer, not per record. */
    if (r->bytes_out >= NL_BULK_MIN_RECORD) {
        struct nl_host *d = nl_host_get(a, r->dst, 1);
        if (d)
            bulk_add(d, r->src, r->bytes_out);
    }
    if (r->bytes_in >= NL_BULK_MIN_RECORD)
        bulk_add(h, r->dst, r->bytes_in);
}

static void add_pair(struct nl_agg *a, const struct nl_rec *r)
{
    struct nl_pair *p = pair_get(a, r->src, r->dst, 1);
    if (!p) {
        a->over_pairs++;
        return;
    }
    p->out += r->bytes_out;
    p->in += r->bytes_in;
    if (r->dur_ms / 1000 > p->max_dur_s)
        p->max_dur_s = r->dur_ms / 1000;
    if (!r->is_conn)
        return;
    if (!p->conns || r->ts_ms < p->first_ms)
        p->first_ms = r->ts_ms;
    if (!p->conns || r->ts_ms > p->end_ms)
        p->end_ms = r->ts_ms;
    if (p->beacon) {
        int64_t iv = r->ts_ms - p->last_ms;
        if (iv < 0)
            iv = -iv; /* files read out of order: one odd interval, not a crash */
        beacon_offer(a->beacons[p->beacon - 1], iv > UINT32_MAX ? UINT32_MAX : (uint32_t)iv,
                     r->bytes_out > UINT32_MAX ? UINT32_MAX : (uint32_t)r->bytes_out);
    }
    p->conns++;
    p->last_ms = r->ts_ms;
    p->dport = r->dport;
    if (p->conns == NL_BEACON_START - 1 && !p->beacon)
        beacon_start(a, p);
}

void nl_agg_add(struct nl_agg *a, const struct nl_rec *r)
{
    /* Only what internal hosts start is scored; inbound and transit records are read and
     * counted but say nothing about an internal host's behaviour here. */
    if (a->failed || !nl_is_internal(a, r->src) || nl_host_reserve(a, 2))
        return;
    struct nl_host *h = nl_host_get(a, r->src, 1);
    if (!h) {
        a->over_hosts++;
        return;
    }
    h->sent = 1;
    int hour = hour_of(r->ts_ms);
    if (r->is_conn) {
        h->conns++;
        h->conns_hour[hour]++;
    }
    if (nl_is_internal(a, r->dst)) {
        add_internal(a, h, r);
        return;
    }
    h->ext_out += r->bytes_out;
    h->ext_in += r->bytes_in;
    h->ext_out_hour[hour] += r->bytes_out;
    if (r->dur_ms >= NL_EXFIL_LONG_MS)
        h->long_conns++;
    if (r->dur_ms > h->max_dur_ms) {
        h->max_dur_ms = r->dur_ms;
        h->max_dur_dst = r->dst;
    }
    if (r->is_conn) {
        h->ext_conns++;
        if (r->dport == 25) {
            if (!h->smtp_conns || r->ts_ms < h->smtp_first)
                h->smtp_first = r->ts_ms;
            if (!h->smtp_conns || r->ts_ms > h->smtp_last)
                h->smtp_last = r->ts_ms;
            h->smtp_conns++;
            dist_add(a, h, NL_D_SMTP_DSTS, r->dst);
        }
    }
    add_pair(a, r);
}
