/*
 * netlog_int.h - internals of `flowgate netlog` shared by its files: the record every parser
 * produces (netlog_parse.c), the bounded per-host and per-pair tables (netlog_hosts.c), the
 * detectors and ranking (netlog_score.c) and the handle that ties them (netlog.c).
 */
#ifndef FG_NETLOG_INT_H
#define FG_NETLOG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "flowgate/netlog.h"
#include "../core/limits.h"

/* ---- records (netlog_parse.c) ---- */

enum nl_state {
    NL_ST_UNKNOWN = 0, /* the log does not say (netfilter without an action in its prefix) */
    NL_ST_OK,          /* answered / accepted */
    NL_ST_REFUSED,     /* rejected or reset by the target (Zeek REJ, RSTOS0, SH ...) */
    NL_ST_NOREPLY,     /* dropped, blocked or never answered (Zeek S0) */
};

/* One connection (or, in netfilter logs, one packet) as the parsers hand it over. */
struct nl_rec {
    int64_t ts_ms;      /* Unix time in ms (RFC 3164 local times taken as if UTC) */
    uint32_t src, dst;  /* IPv4, host order */
    uint16_t sport, dport;
    uint8_t proto;      /* IP protocol number; 0 unknown */
    uint8_t state;      /* enum nl_state */
    uint8_t is_conn;    /* 0: a data packet of a connection already counted (netfilter) */
    uint64_t bytes_out; /* originator to responder */
    uint64_t bytes_in;
    uint32_t dur_ms;
};

enum nl_line {
    NL_LINE_REC = 1,    /* *rec filled in */
    NL_LINE_IGNORE = 0, /* a comment, header or other syslog message: not an error */
    NL_LINE_BAD = -1,   /* malformed: a field missing or not parseable */
    NL_LINE_IPV6 = -2,  /* well-formed, but IPv6 (not analysed) */
};

/* Zeek columns we read, mapped from its #fields header. */
enum nl_zcol { NL_Z_TS, NL_Z_OH, NL_Z_OP, NL_Z_RH, NL_Z_RP, NL_Z_PROTO, NL_Z_DUR, NL_Z_OB,
               NL_Z_RB, NL_Z_STATE, NL_Z_N };
#define NL_ZCOLS 64 /* columns of a Zeek header we map; conn.log has 21 */

/* Per-file parser state. */
struct nl_file {
    int fmt;             /* enum fg_netlog_format, never AUTO once reading */
    int year, mtime_mon; /* RFC 3164: year of the file's records, month of its mtime (1..12) */
    char sep;            /* Zeek #separator */
    int8_t zfield[NL_ZCOLS]; /* Zeek: the field (enum nl_zcol) of each column, -1 unused */
    int zlast;           /* highest column index we need */
};

/* Formats are a table: each bids on the first lines of a file and parses one line. */
struct nl_format {
    const char *name;
    enum fg_netlog_format id;
    /* 0..100: how sure the line is of this format */
    int (*bid)(const char *line, size_t len);
    /* enum nl_line; 'line' has no newline and is not NUL-terminated */
    int (*parse)(struct nl_file *f, const char *line, size_t len, struct nl_rec *rec);
};
extern const struct nl_format nl_formats[];
const struct nl_format *nl_format_by_id(int id);
void nl_file_init(struct nl_file *f, int fmt, int year, int mtime_year, int mtime_mon);
/* The format of a file from the lines at its start (up to 'len' bytes); 0 if none bids. */
int nl_detect(const char *buf, size_t len);

/* Helpers shared with the tests. */
int nl_parse_ipv4(const char *p, size_t n, uint32_t *out);
void nl_ipv4_str(uint32_t a, char out[16]);
int64_t nl_days_from_civil(int y, unsigned m, unsigned d);
/* "2024-03-01T10:00:00.123+01:00" (T or space; Z, offset or none) -> Unix ms. */
int nl_parse_iso(const char *p, size_t n, int64_t *ms, size_t *used);

/* ---- bounded distinct counting ---- */

#define NL_HLL_P 9
#define NL_HLL_M (1u << NL_HLL_P)
struct nl_hll {
    uint8_t reg[NL_HLL_M];
};
void nl_hll_add(struct nl_hll *h, uint64_t key);
double nl_hll_count(const struct nl_hll *h);

/* ---- the tables (netlog_hosts.c) ---- */

enum nl_role { NL_ROLE_NONE = 0, NL_ROLE_MAIL, NL_ROLE_PROXY, NL_ROLE_BACKUP, NL_ROLE_MONITOR,
               NL_ROLE_SCANNER, NL_ROLE_N };
const char *nl_role_name(int role);
int nl_role_parse(const char *s);

/* Distinct counters kept per internal host, allocated on first use. */
enum nl_dist {
    NL_D_SMTP_DSTS,     /* external destinations of its port-25 connections */
    NL_D_INT_DSTS,      /* internal hosts it connected to */
    NL_D_INT_DSTPORTS,  /* internal (host, port) pairs it connected to */
    NL_D_INT_PORTS,     /* ports it connected to on internal hosts */
    NL_D_SMTP_CLIENTS,  /* internal hosts that sent it SMTP */
    NL_D_PROXY_CLIENTS, /* internal hosts that used it as a web proxy */
    NL_D_N
};

/* The heaviest internal senders to a host, kept with the space-saving algorithm: exact while
 * there are at most NL_BULK_SLOTS of them, an overestimate of the newest one after that. */
#define NL_BULK_SLOTS 8
#define NL_BULK_MIN_RECORD 8192 /* smaller records (SYNs, polls) never enter it */
struct nl_bulk {
    uint32_t addr;
    uint64_t bytes;
};

struct nl_host {
    uint32_t addr;
    uint8_t used, role, sent; /* role: configured (enum nl_role); sent: it started anything */
    uint64_t conns, ext_conns, int_conns;
    uint64_t int_known, int_fail; /* internal connections whose outcome the log gives; failed */
    uint64_t ext_out, ext_in, int_out;
    uint64_t smtp_conns;          /* to external port 25 */
    int64_t smtp_first, smtp_last;
    uint64_t long_conns;          /* external connections of FG_NL_EXFIL_LONG_MS or more */
    uint32_t max_dur_ms, max_dur_dst;
    struct nl_bulk bulk[NL_BULK_SLOTS]; /* internal hosts that sent it most (space-saving) */
    uint32_t conns_hour[24];      /* connections it started, internal or external */
    uint64_t ext_out_hour[24];
    struct nl_hll *d[NL_D_N];
};

/* Per-pair sample for beaconing: a reservoir of intervals and sizes, bounded. */
struct nl_beacon {
    uint32_t n, seen;                 /* kept, offered */
    uint64_t rng;
    uint32_t iv_ms[FG_CAP_NL_BEACON_SAMPLES];
    uint32_t size[FG_CAP_NL_BEACON_SAMPLES];
};

/* An internal host and one external destination. */
struct nl_pair {
    uint32_t src, dst;
    uint32_t conns;
    uint32_t beacon;  /* index + 1 into the beacon blocks, 0 none */
    int64_t first_ms, last_ms, end_ms; /* earliest, last read, latest */
    uint64_t out, in;
    uint32_t max_dur_s;
    uint16_t dport;   /* the last destination port (for evidence) */
    uint8_t used;
};

struct nl_net {
    uint32_t addr, mask;
};

struct nl_agg {
    struct nl_host *hosts;
    size_t nhosts, hcap; /* hcap: slots (power of two) */
    struct nl_pair *pairs;
    size_t npairs, pcap;
    struct nl_beacon **beacons;
    size_t nbeacons, bcap;
    struct nl_net nets[FG_CAP_NL_NETS];
    size_t nnets;
    uint64_t bytes, peak_bytes, hll_count;
    uint64_t over_hosts, over_pairs, over_beacons;
    int failed; /* out of memory once: later records are counted only */
};

int nl_agg_init(struct nl_agg *a);
void nl_agg_free(struct nl_agg *a);
int nl_agg_add_net(struct nl_agg *a, uint32_t addr, unsigned bits);
int nl_is_internal(const struct nl_agg *a, uint32_t ip);
void nl_agg_add(struct nl_agg *a, const struct nl_rec *r);
/* Room for 'more' new hosts without moving the slots (FG_ENOMEM). */
int nl_host_reserve(struct nl_agg *a, size_t more);
/* The host slot of 'ip', created with 'create' (NULL if absent, over the cap or without
 * room reserved). */
struct nl_host *nl_host_get(struct nl_agg *a, uint32_t ip, int create);
struct nl_pair *nl_pair_find(const struct nl_agg *a, uint32_t src, uint32_t dst);
const struct nl_beacon *nl_pair_beacon(const struct nl_agg *a, const struct nl_pair *p);

/* Thresholds the tables need while reading (the detectors' own are in netlog_score.c). */
#define NL_BULK_BYTES (50ULL << 20)  /* an internal sender this large is a bulk (backup) peer */
#define NL_EXFIL_LONG_MS 3600000u    /* an external connection this long is "long" */
#define NL_BEACON_START 3            /* a pair gets a beacon sample at its third connection */

/* ---- detectors (netlog_score.c) ---- */

/* What a detector found, before it becomes an fg_finding. */
struct nl_hit {
    const char *id;
    enum fg_severity sev;
    unsigned score; /* 0..100 */
    int explained;  /* the host's role explains it */
    char msg[256];
    char ev[FG_CAP_EVIDENCE];
};

/* The beacon statistic of one pair's sample: 0..1 per part and overall. */
struct nl_beacon_score {
    double ts_skew, ts_disp, coverage, ds_skew, ds_disp, score;
    double median_iv_s, mad_iv_s, median_size;
};
int nl_beacon_stat(const struct nl_beacon *b, const struct nl_pair *p,
                   struct nl_beacon_score *out);

struct nl_ranked {
    struct fg_netlog_host pub;
    char addr[16];
    char *role_why;
    struct fg_finding *f;
};

struct nl_scored {
    struct nl_ranked *r;
    size_t n;
};
int nl_score(struct nl_agg *a, struct nl_scored *out);
void nl_scored_free(struct nl_scored *s);

#endif
