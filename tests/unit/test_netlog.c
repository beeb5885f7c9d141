/*
 * test_netlog.c - `flowgate netlog` internals: each log format's parser on good, malformed,
 * IPv6 and binary lines, format detection, timestamps, the distinct counter and the beacon
 * statistic; then the detectors and role learning on small synthetic logs read through the
 * public API, and hostile input that must only be counted.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowgate/netlog.h"
#include "ir/netlog_int.h"
#include "testutil.h"

static int parse_as(int fmt, const char *line, struct nl_rec *r)
{
    struct nl_file f;
    nl_file_init(&f, fmt, 2024, 0, 0);
    memset(r, 0, sizeof *r);
    return nl_format_by_id(fmt)->parse(&f, line, strlen(line), r);
}

static uint32_t ip(const char *s)
{
    uint32_t a = 0;
    assert_int_equal(nl_parse_ipv4(s, strlen(s), &a), 0);
    return a;
}

static void test_netfilter(void **state)
{
    (void)state;
    struct nl_rec r;
    const char *syn = "Mar  4 03:05:00 fw01 kernel: [1234.5] FW-ACCEPT: IN=eth1 OUT=eth0 MAC=00:01 "
                      "SRC=10.1.1.37 DST=91.203.5.17 LEN=60 TOS=0x00 TTL=63 ID=1 DF PROTO=TCP "
                      "SPT=51000 DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0";
    assert_int_equal(parse_as(FG_NETLOG_NETFILTER, syn, &r), NL_LINE_REC);
    assert_int_equal(r.src, ip("10.1.1.37"));
    assert_int_equal(r.dst, ip("91.203.5.17"));
    assert_int_equal(r.sport, 51000);
    assert_int_equal(r.dport, 443);
    assert_int_equal(r.proto, 6);
    assert_int_equal(r.bytes_out, 60);
    assert_int_equal(r.is_conn, 1);
    assert_int_equal(r.state, NL_ST_OK);
    assert_int_equal(r.ts_ms, (nl_days_from_civil(2024, 3, 4) * 86400 + 3 * 3600 + 300) * 1000);
    /* A data packet of the same connection adds bytes, not a connection. */
    const char *ack = "Mar  4 03:05:01 fw01 kernel: [UFW BLOCK] IN=eth1 OUT= SRC=10.1.1.37 "
                      "DST=91.203.5.17 LEN=65535 PROTO=TCP SPT=51000 DPT=443 ACK PSH URGP=0";
    assert_int_equal(parse_as(FG_NETLOG_NETFILTER, ack, &r), NL_LINE_REC);
    assert_int_equal(r.is_conn, 0);
    assert_int_equal(r.state, NL_ST_NOREPLY);
    /* RFC 5424 and ISO timestamps; UDP's second LEN= is not the packet's. */
    const char *iso = "<4>1 2024-03-04T10:00:00.250+01:00 fw01 kernel - - - FWD-REJECT IN=eth0 "
                      "OUT=eth1 SRC=10.0.0.5 DST=10.0.0.9 LEN=76 PROTO=UDP SPT=123 DPT=123 LEN=56";
    assert_int_equal(parse_as(FG_NETLOG_NETFILTER, iso, &r), NL_LINE_REC);
    assert_int_equal(r.ts_ms, (nl_days_from_civil(2024, 3, 4) * 86400 + 9 * 3600) * 1000 + 250);
    assert_int_equal(r.bytes_out, 76);
    assert_int_equal(r.state, NL_ST_REFUSED);
    assert_int_equal(r.is_conn, 1);
    /* Other syslog messages are not records; broken ones are malformed; IPv6 is set aside. */
    assert_int_equal(parse_as(FG_NETLOG_NETFILTER, "Mar  4 03:05:00 fw01 sshd[1]: Accepted", &r),
                     NL_LINE_IGNORE);
    assert_int_equal(parse_as(FG_NETLOG_NETFILTER, "garbage IN=x SRC=1.2.3.4 DST=1.2.3.4", &r),
                     NL_LINE_BAD);
    assert_int_equal(parse_as(FG_NETLOG_NETFILTER, "Mar  4 03:05:00 h kernel: IN=a SRC=10.0.0.1 "
                              "DST=300.1.1.1 PROTO=TCP", &r), NL_LINE_BAD);
    assert_int_equal(parse_as(FG_NETLOG_NETFILTER, "Mar  4 03:05:00 h kernel: IN=a SRC=10.0.0.1 "
                              "PROTO=TCP", &r), NL_LINE_BAD);
    assert_int_equal(parse_as(FG_NETLOG_NETFILTER, "Mar  4 03:05:00 h kernel: IN=a SRC=fe80::1 "
                              "DST=ff02::1 PROTO=UDP", &r), NL_LINE_IPV6);
    assert_int_equal(parse_as(FG_NETLOG_NETFILTER, "Xyz 44 99:05:00 h kernel: IN=a SRC=10.0.0.1 "
                              "DST=10.0.0.2 PROTO=TCP", &r), NL_LINE_BAD);
}

static void test_year_rollover(void **state)
{
    (void)state;
    struct nl_file f;
    struct nl_rec r;
    const char *dec = "Dec 31 23:59:59 h kernel: IN=a SRC=10.0.0.1 DST=8.8.8.8 PROTO=UDP SPT=1 DPT=53";
    /* A file last written in January 2025 holds December lines of 2024. */
    nl_file_init(&f, FG_NETLOG_NETFILTER, 0, 2025, 1);
    memset(&r, 0, sizeof r);
    assert_int_equal(nl_formats[0].parse(&f, dec, strlen(dec), &r), NL_LINE_REC);
    assert_int_equal(r.ts_ms / 1000, nl_days_from_civil(2024, 12, 31) * 86400 + 86399);
    /* --year wins. */
    nl_file_init(&f, FG_NETLOG_NETFILTER, 2020, 2025, 1);
    assert_int_equal(nl_formats[0].parse(&f, dec, strlen(dec), &r), NL_LINE_REC);
    assert_int_equal(r.ts_ms / 1000, nl_days_from_civil(2020, 12, 31) * 86400 + 86399);
    assert_int_equal(nl_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(nl_days_from_civil(2000, 3, 1), 11017);
}

static void test_zeek(void **state)
{
    (void)state;
    struct nl_file f;
    struct nl_rec r;
    nl_file_init(&f, FG_NETLOG_ZEEK, 0, 2024, 3);
    const struct nl_format *z = nl_format_by_id(FG_NETLOG_ZEEK);
    /* A header with the columns in another order than Zeek's default. */
    const char *hdr[] = {"#separator \\x09", "#fields\tuid\tts\tid.resp_h\tid.resp_p\tid.orig_h\t"
                         "id.orig_p\tproto\tconn_state\torig_bytes\tresp_bytes\tduration"};
    for (int i = 0; i < 2; i++)
        assert_int_equal(z->parse(&f, hdr[i], strlen(hdr[i]), &r), NL_LINE_IGNORE);
    const char *l = "Cx\t1709510400.123456\t1.2.3.4\t25\t10.0.0.7\t40000\ttcp\tREJ\t-\t-\t-";
    memset(&r, 0, sizeof r);
    assert_int_equal(z->parse(&f, l, strlen(l), &r), NL_LINE_REC);
    assert_int_equal(r.ts_ms, 1709510400123LL);
    assert_int_equal(r.src, ip("10.0.0.7"));
    assert_int_equal(r.dst, ip("1.2.3.4"));
    assert_int_equal(r.dport, 25);
    assert_int_equal(r.state, NL_ST_REFUSED);
    assert_int_equal(r.bytes_out, 0);
    const char *l2 = "Cy\t1709510400.5\t1.2.3.4\t443\t10.0.0.7\t40000\ttcp\tSF\t1000\t2000\t3.25";
    memset(&r, 0, sizeof r);
    assert_int_equal(z->parse(&f, l2, strlen(l2), &r), NL_LINE_REC);
    assert_int_equal(r.bytes_out, 1000);
    assert_int_equal(r.bytes_in, 2000);
    assert_int_equal(r.dur_ms, 3250);
    const char *bad[] = {"Cz\tnot-a-time\t1.2.3.4\t443\t10.0.0.7\t1\ttcp\tSF\t1\t2\t3",
                         "Cz\t1709510400.5\t1.2.3.4\t443", /* cut short */
                         "Cz\t1709510400.5\t1.2.3.4\t443\t10.0.0.7\t1\ttcp\tSF\t-12\t2\t3"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(z->parse(&f, bad[i], strlen(bad[i]), &r), NL_LINE_BAD);
    const char *v6 = "Cz\t1709510400.5\t2001:db8::1\t443\tfe80::2\t1\ttcp\tSF\t1\t2\t3";
    assert_int_equal(z->parse(&f, v6, strlen(v6), &r), NL_LINE_IPV6);
}

static void test_zeek_json_and_csv(void **state)
{
    (void)state;
    struct nl_rec r;
    const char *j = "{\"ts\":1709510400.25,\"uid\":\"C\\\"x\",\"id.orig_h\":\"10.1.1.9\","
                    "\"id.orig_p\":5000,\"id.resp_h\":\"8.8.8.8\",\"id.resp_p\":53,\"proto\":"
                    "\"udp\",\"duration\":0.5,\"orig_bytes\":40,\"resp_bytes\":90,\"conn_state\":"
                    "\"SF\",\"tunnel_parents\":[\"a\",{\"b\":[1]}]}";
    assert_int_equal(parse_as(FG_NETLOG_ZEEK_JSON, j, &r), NL_LINE_REC);
    assert_int_equal(r.ts_ms, 1709510400250LL);
    assert_int_equal(r.src, ip("10.1.1.9"));
    assert_int_equal(r.dport, 53);
    assert_int_equal(r.proto, 17);
    assert_int_equal(r.bytes_in, 90);
    assert_int_equal(r.dur_ms, 500);
    const char *iso = "{\"ts\":\"2024-03-04T00:00:01.500Z\",\"id.orig_h\":\"10.1.1.9\","
                      "\"id.resp_h\":\"8.8.8.8\"}";
    assert_int_equal(parse_as(FG_NETLOG_ZEEK_JSON, iso, &r), NL_LINE_REC);
    assert_int_equal(r.ts_ms, 1709510401500LL);
    const char *jbad[] = {"{\"ts\":1709510400.25,\"id.orig_h\":\"10.1.1.9\",\"id.resp_h\":\"8.8",
                          "{\"ts\":1709510400.25,\"id.orig_h\":\"10.1.1.9\"}", "[1,2]", "{",
                          "{\"ts\":1709510400.25,\"id.orig_h\":{\"x\":1},\"id.resp_h\":\"8.8.8.8\"}"};
    for (size_t i = 0; i < sizeof jbad / sizeof jbad[0]; i++)
        assert_int_equal(parse_as(FG_NETLOG_ZEEK_JSON, jbad[i], &r), NL_LINE_BAD);

    assert_int_equal(parse_as(FG_NETLOG_CSV, "ts,src,sport,dst,dport,proto,bytes_out,bytes_in,"
                              "duration,state", &r), NL_LINE_IGNORE);
    assert_int_equal(parse_as(FG_NETLOG_CSV, "2024-03-04T03:00:00Z,10.0.0.2,,10.0.0.3,445,tcp,,,,"
                              "timeout", &r), NL_LINE_REC);
    assert_int_equal(r.ts_ms, (nl_days_from_civil(2024, 3, 4) * 86400 + 3 * 3600) * 1000);
    assert_int_equal(r.state, NL_ST_NOREPLY);
    assert_int_equal(parse_as(FG_NETLOG_CSV, "1709510400,10.0.0.2,1,10.0.0.3,445,6,10,20,1.5,ok",
                              &r), NL_LINE_REC);
    assert_int_equal(r.proto, 6);
    assert_int_equal(r.dur_ms, 1500);
    assert_int_equal(parse_as(FG_NETLOG_CSV, "1709510400,10.0.0.2,1,10.0.0.3,99999,6,1,2,1,ok", &r),
                     NL_LINE_BAD);
    assert_int_equal(parse_as(FG_NETLOG_CSV, "1709510400,10.0.0.2", &r), NL_LINE_BAD);
}

static void test_detect(void **state)
{
    (void)state;
    const char *nf = "Mar  4 00:00:01 fw systemd[1]: Started.\n"
                     "Mar  4 00:00:02 fw kernel: X IN=a OUT=b SRC=10.0.0.1 DST=1.1.1.1 PROTO=TCP\n";
    const char *zk = "#separator \\x09\n#fields\tts\tuid\n";
    const char *zj = "{\"ts\":1.0,\"id.orig_h\":\"10.0.0.1\"}\n";
    const char *csv = "1709510400,10.0.0.2,1,10.0.0.3,445,6,10,20,1.5,ok\n";
    assert_int_equal(nl_detect(nf, strlen(nf)), FG_NETLOG_NETFILTER);
    assert_int_equal(nl_detect(zk, strlen(zk)), FG_NETLOG_ZEEK);
    assert_int_equal(nl_detect(zj, strlen(zj)), FG_NETLOG_ZEEK_JSON);
    assert_int_equal(nl_detect(csv, strlen(csv)), FG_NETLOG_CSV);
    assert_int_equal(nl_detect("hello world\n\x01\x02", 14), 0);
    assert_int_equal(fg_netlog_format_parse("zeek-json"), FG_NETLOG_ZEEK_JSON);
    assert_int_equal(fg_netlog_format_parse("pcap"), -1);
}

static void test_hll(void **state)
{
    (void)state;
    static const unsigned ns[] = {1, 20, 300, 5000};
    for (size_t k = 0; k < 4; k++) {
        struct nl_hll h;
        memset(&h, 0, sizeof h);
        for (unsigned i = 0; i < ns[k]; i++) {
            nl_hll_add(&h, 0x0A000000u + i * 31u);
            nl_hll_add(&h, 0x0A000000u + i * 31u); /* repeats do not count */
        }
        double est = nl_hll_count(&h);
        assert_true(fabs(est - ns[k]) <= 0.12 * ns[k] + 1);
    }
}

/* A pair with 'n' connections at the given intervals (ms) and sizes. */
static double beacon_score(uint32_t n, uint32_t (*iv)(uint32_t), uint32_t (*sz)(uint32_t))
{
    struct nl_beacon b;
    struct nl_pair p;
    memset(&b, 0, sizeof b);
    memset(&p, 0, sizeof p);
    int64_t t = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t d = iv(i);
        if (i && b.n < FG_CAP_NL_BEACON_SAMPLES) {
            b.iv_ms[b.n] = d;
            b.size[b.n++] = sz(i);
        }
        t += i ? d : 0;
    }
    p.conns = n;
    p.end_ms = t;
    struct nl_beacon_score s;
    if (nl_beacon_stat(&b, &p, &s))
        return -1;
    return s.score;
}

static uint32_t rnd(uint32_t i)
{
    return (i * 2654435761u) >> 16;
}
static uint32_t iv_regular(uint32_t i) { return 300000 + rnd(i) % 5000; }
static uint32_t iv_random(uint32_t i) { return (uint32_t)(-log((rnd(i) % 9999 + 1) / 10000.0) * 300000); }
static uint32_t sz_same(uint32_t i) { return 400 + rnd(i) % 20; }
static uint32_t sz_wild(uint32_t i) { return 100 + rnd(i) % 100000; }
static uint32_t iv_burst(uint32_t i) { return i == 30 ? 20 * 3600000u : 1000; }

static void test_beacon_stat(void **state)
{
    (void)state;
    assert_true(beacon_score(288, iv_regular, sz_same) >= 0.9);
    assert_true(beacon_score(288, iv_regular, sz_wild) >= 0.7);
    assert_true(beacon_score(288, iv_random, sz_same) < 0.7);
    assert_true(beacon_score(288, iv_random, sz_wild) < 0.7);
    /* A quick burst and then silence fills little of its window. */
    assert_true(beacon_score(60, iv_burst, sz_same) < 0.8);
    /* Too few connections: no statistic. */
    assert_true(beacon_score(10, iv_regular, sz_same) < 0);
}

/* ---- detectors on synthetic logs ---- */

struct tbuf {
    char *p;
    size_t len, cap;
};

static void add(struct tbuf *b, int64_t ts, const char *src, const char *dst, unsigned dport,
                uint64_t out, uint64_t in, double dur, const char *st)
{
    char line[256];
    int n = snprintf(line, sizeof line, "%lld,%s,40000,%s,%u,tcp,%llu,%llu,%.1f,%s\n",
                     (long long)ts, src, dst, dport, (unsigned long long)out,
                     (unsigned long long)in, dur, st);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, line, (size_t)n + 1);
    b->len += (size_t)n;
}

static const struct fg_netlog_host *find(fg_netlog *n, const char *host, size_t *rank)
{
    for (size_t i = 0; i < fg_netlog_host_count(n); i++)
        if (!strcmp(fg_netlog_host(n, i)->host, host)) {
            if (rank)
                *rank = i;
            return fg_netlog_host(n, i);
        }
    return NULL;
}

static const struct fg_finding *finding(const struct fg_netlog_host *h, const char *id)
{
    for (size_t k = 0; h && k < h->nfindings; k++)
        if (!strcmp(h->findings[k].id, id))
            return &h->findings[k];
    return NULL;
}

#define T0 1709510400LL /* 2024-03-04 00:00 */

static fg_netlog *scored(struct tbuf *b, const char *roles)
{
    fg_netlog *n = NULL;
    struct tu_quiet q;
    tu_quiet_begin(&q);
    assert_int_equal(fg_netlog_new(&n), 0);
    if (roles) {
        tu_write("roles.txt", roles);
        assert_int_equal(fg_netlog_load_roles(n, "roles.txt"), 0);
    }
    assert_int_equal(fg_netlog_read_mem(n, "t.csv", b->p, b->len, FG_NETLOG_CSV), 0);
    assert_int_equal(fg_netlog_score(n), 0);
    tu_quiet_end(&q);
    free(b->p);
    memset(b, 0, sizeof *b);
    return n;
}

/* Ten ordinary office hosts: some browsing in office hours. */
static void office(struct tbuf *b)
{
    char h[32], d[32];
    for (int i = 0; i < 10; i++) {
        snprintf(h, sizeof h, "10.0.1.%d", 10 + i);
        for (int k = 0; k < 60; k++) {
            snprintf(d, sizeof d, "93.184.%d.%d", k % 7, 1 + (k * 13 + i) % 200);
            add(b, T0 + 9 * 3600 + k * 500 + i * 7, h, d, 443, 2000 + k, 30000, 2, "ok");
        }
    }
}

static void test_mass_mail_and_relay(void **state)
{
    (void)state;
    struct tbuf b = {0};
    char d[32], c[32];
    office(&b);
    for (int i = 0; i < 150; i++) { /* the planted mailer */
        snprintf(d, sizeof d, "77.%d.%d.9", i / 200, i % 200);
        add(&b, T0 + 14 * 3600 + i * 10, "10.0.1.99", d, 25, 5000, 300, 1, "ok");
    }
    for (int i = 0; i < 25; i++) { /* a smaller one */
        snprintf(d, sizeof d, "78.1.%d.9", i);
        add(&b, T0 + 15 * 3600 + i * 10, "10.0.1.98", d, 25, 5000, 300, 1, "ok");
    }
    for (int i = 0; i < 6; i++) { /* the relay: clients submit, it delivers */
        snprintf(c, sizeof c, "10.0.1.%d", 10 + i);
        add(&b, T0 + 10 * 3600 + i, c, "10.0.0.25", 587, 9000, 500, 1, "ok");
    }
    for (int i = 0; i < 150; i++) {
        snprintf(d, sizeof d, "79.%d.%d.9", i / 200, i % 200);
        add(&b, T0 + i * 500, "10.0.0.25", d, 25, 5000, 300, 1, "ok");
    }
    fg_netlog *n = scored(&b, NULL);
    size_t r1, r2, rr;
    const struct fg_netlog_host *m1 = find(n, "10.0.1.99", &r1), *m2 = find(n, "10.0.1.98", &r2),
                                *relay = find(n, "10.0.0.25", &rr);
    assert_non_null(finding(m1, "netlog.mass-mail"));
    assert_int_equal(finding(m1, "netlog.mass-mail")->severity, FG_SEV_HIGH);
    assert_int_equal(finding(m2, "netlog.mass-mail")->severity, FG_SEV_MEDIUM);
    assert_string_equal(relay->role, "mail-relay");
    assert_int_equal(finding(relay, "netlog.mass-mail")->severity, FG_SEV_INFO);
    assert_true(r1 < rr && r2 < rr);
    assert_true(m1->score > m2->score);
    char *j = fg_netlog_host_json(n, 0);
    assert_non_null(strstr(j, "\"host\":\"10.0.1.99\""));
    assert_non_null(strstr(j, "\"id\":\"netlog.mass-mail\""));
    free(j);
    /* Office hosts stay quiet. */
    assert_true(find(n, "10.0.1.12", NULL)->severity < FG_SEV_MEDIUM);
    fg_netlog_free(n);
}

static void test_scan_and_monitoring(void **state)
{
    (void)state;
    struct tbuf b = {0};
    char d[32];
    office(&b);
    for (int i = 0; i < 80; i++) /* scanner: 80 hosts x 3 ports, 90 % refused */
        for (int p = 0; p < 3; p++) {
            snprintf(d, sizeof d, "10.0.5.%d", i + 1);
            add(&b, T0 + 11 * 3600 + i * 3 + p, "10.0.1.66", d, 22 + p * 400, 0, 0, 0,
                (i * 3 + p) % 10 ? "refused" : "ok");
        }
    for (int k = 0; k < 30; k++) /* monitoring: 12 hosts polled 30 times */
        for (int i = 0; i < 12; i++) {
            snprintf(d, sizeof d, "10.0.1.%d", 10 + i);
            add(&b, T0 + k * 60 + i, "10.0.0.30", d, 9100, 300, 8000, 0, "ok");
        }
    fg_netlog *n = scored(&b, NULL);
    const struct fg_netlog_host *s = find(n, "10.0.1.66", NULL), *m = find(n, "10.0.0.30", NULL);
    assert_non_null(finding(s, "netlog.internal-scan"));
    assert_true(s->severity >= FG_SEV_MEDIUM);
    assert_string_equal(m->role, "monitoring");
    assert_null(finding(m, "netlog.internal-scan"));
    assert_true(m->severity < FG_SEV_MEDIUM);
    fg_netlog_free(n);
    /* Named an authorised scanner in the roles file: explained. */
    office(&b);
    for (int i = 0; i < 80; i++) {
        snprintf(d, sizeof d, "10.0.5.%d", i + 1);
        add(&b, T0 + 11 * 3600 + i, "10.0.1.66", d, 22, 0, 0, 0, "refused");
    }
    n = scored(&b, "# vulnerability scanner\n10.0.1.66 scanner\n");
    s = find(n, "10.0.1.66", NULL);
    assert_string_equal(s->role, "scanner");
    assert_int_equal(finding(s, "netlog.internal-scan")->severity, FG_SEV_INFO);
    fg_netlog_free(n);
}

static void test_exfil_and_backup(void **state)
{
    (void)state;
    struct tbuf b = {0};
    char c[32];
    office(&b);
    /* 500 MB at 03:00 to one address from an office host. */
    add(&b, T0 + 3 * 3600, "10.0.1.15", "185.1.2.3", 443, 500ULL << 20, 1 << 20, 4000, "ok");
    /* A backup server receives nightly pushes and copies them off-site. */
    for (int i = 0; i < 4; i++) {
        snprintf(c, sizeof c, "10.0.0.%d", 40 + i);
        add(&b, T0 + 3600 + i * 60, c, "10.0.0.50", 873, 400ULL << 20, 1000, 600, "ok");
    }
    add(&b, T0 + 2 * 3600, "10.0.0.50", "198.51.100.7", 443, 1600ULL << 20, 1000, 5000, "ok");
    fg_netlog *n = scored(&b, NULL);
    size_t rx, rb;
    const struct fg_netlog_host *x = find(n, "10.0.1.15", &rx), *bk = find(n, "10.0.0.50", &rb);
    const struct fg_finding *f = finding(x, "netlog.exfil");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_HIGH);
    assert_non_null(strstr(f->evidence, "185.1.2.3"));
    assert_non_null(strstr(f->evidence, "quiet hours"));
    assert_string_equal(bk->role, "backup");
    assert_int_equal(finding(bk, "netlog.exfil")->severity, FG_SEV_INFO);
    assert_true(rx < rb);
    fg_netlog_free(n);
}

static void test_hostile(void **state)
{
    (void)state;
    fg_netlog *n = NULL;
    struct fg_netlog_stats st;
    size_t len = 1 << 20;
    char *junk = malloc(len);
    assert_non_null(junk);
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (char)(x >> 16);
    }
    memset(junk + 1000, 'A', 100000); /* one line over FG_CAP_NL_LINE */
    junk[999] = '\n';
    junk[101000] = '\n';
    struct tu_quiet q;
    tu_quiet_begin(&q);
    assert_int_equal(fg_netlog_new(&n), 0);
    assert_int_equal(fg_netlog_read_mem(n, "junk", junk, len, FG_NETLOG_AUTO), FG_EFORMAT);
    for (int fmt = FG_NETLOG_NETFILTER; fmt <= FG_NETLOG_CSV; fmt++)
        assert_int_equal(fg_netlog_read_mem(n, "junk", junk, len, (enum fg_netlog_format)fmt), 0);
    assert_int_equal(fg_netlog_score(n), 0);
    tu_quiet_end(&q);
    fg_netlog_stats(n, &st);
    assert_int_equal(st.files, 4);
    assert_int_equal(st.records, 0);
    assert_true(st.skipped > 0);
    assert_true(st.skip_binary > 0);
    assert_int_equal(st.skip_long, 4);
    assert_int_equal(fg_netlog_host_count(n), 0);
    assert_int_equal(fg_netlog_read_mem(n, "late", "x", 1, FG_NETLOG_CSV), FG_EINVAL);
    fg_netlog_free(n);
    free(junk);
    /* Options: bad networks and roles are refused with a message. */
    assert_int_equal(fg_netlog_new(&n), 0);
    assert_int_equal(fg_netlog_add_internal(n, "100.64.0.0/10"), 0);
    assert_int_equal(fg_netlog_add_internal(n, "100.64.0.0/33"), FG_EINVAL);
    assert_int_equal(fg_netlog_add_internal(n, "example.com"), FG_EINVAL);
    assert_int_equal(fg_netlog_add_role(n, "10.0.0.1", "printer"), FG_EINVAL);
    assert_non_null(strstr(fg_netlog_error(n), "printer"));
    fg_netlog_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netfilter),
        cmocka_unit_test(test_year_rollover),
        cmocka_unit_test(test_zeek),
        cmocka_unit_test(test_zeek_json_and_csv),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_hll),
        cmocka_unit_test(test_beacon_stat),
        cmocka_unit_test_setup_teardown(test_mass_mail_and_relay, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_scan_and_monitoring, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_exfil_and_backup, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_hostile, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
