/*
 * netlog.h - the public API of firewall and flow log analysis (`flowgate netlog`): read
 * netfilter, Zeek conn.log (TSV or JSON) and flowgate CSV logs as streams, then score and rank
 * the internal hosts (mass mail, beaconing, exfiltration, internal scanning), with the roles
 * of servers learnt from the data or given.  See docs/internals/netlog.md.
 *
 * Same conventions as flowgate.h: 0 or a negative FG_E* code; nothing prints or exits.
 */
#ifndef FLOWGATE_NETLOG_H
#define FLOWGATE_NETLOG_H

#include "flowgate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fg_netlog fg_netlog;

enum fg_netlog_format {
    FG_NETLOG_AUTO = 0,   /* detected per file from its first lines */
    FG_NETLOG_NETFILTER,  /* Linux netfilter LOG lines in syslog (RFC 3164 or 5424/ISO) */
    FG_NETLOG_ZEEK,       /* Zeek conn.log, tab-separated with its #fields header */
    FG_NETLOG_ZEEK_JSON,  /* Zeek conn.log as JSON lines */
    FG_NETLOG_CSV,        /* docs/formats/netlog-csv.md */
};

/* "auto", "netfilter", "zeek", "zeek-json", "csv" -> the format; -1 if unknown. */
FG_API int fg_netlog_format_parse(const char *s);
FG_API const char *fg_netlog_format_name(enum fg_netlog_format f);

FG_API int fg_netlog_new(fg_netlog **out);
FG_API void fg_netlog_free(fg_netlog *n);
/* Text of the last error on this handle, or "". */
FG_API const char *fg_netlog_error(const fg_netlog *n);

/* Internal networks ("10.0.0.0/8", "192.168.1.7").  Without any, RFC 1918 is internal;
 * networks given here are added to RFC 1918. */
FG_API int fg_netlog_add_internal(fg_netlog *n, const char *cidr);
/* The year of RFC 3164 syslog timestamps (which have none); 0 (default): the year of each
 * file's modification time, one less for months after that time's month. */
FG_API void fg_netlog_set_year(fg_netlog *n, int year);
/* A server's role: "mail-relay", "proxy", "backup", "monitoring", "scanner". */
FG_API int fg_netlog_add_role(fg_netlog *n, const char *addr, const char *role);
/* A roles file: "ADDRESS ROLE" per line, '#' comments (docs/man/flowgate-netlog.1). */
FG_API int fg_netlog_load_roles(fg_netlog *n, const char *path);

/* Called now and then while a file is read: bytes done of total (0 if unknown). */
typedef void (*fg_netlog_progress_fn)(void *arg, const char *path, uint64_t done, uint64_t total);
FG_API void fg_netlog_set_progress(fg_netlog *n, fg_netlog_progress_fn fn, void *arg);

/* Reads one log ("-": standard input) as a stream.  FG_EIO if it cannot be read,
 * FG_EFORMAT if auto-detection recognised no format (nothing of it was used). */
FG_API int fg_netlog_read_file(fg_netlog *n, const char *path, enum fg_netlog_format fmt);
/* The same on bytes in memory; name is used in messages. */
FG_API int fg_netlog_read_mem(fg_netlog *n, const char *name, const void *data, size_t len,
                              enum fg_netlog_format fmt);

/* Learns roles, runs the detectors and ranks the hosts.  Call once, after the reads. */
FG_API int fg_netlog_score(fg_netlog *n);

/* One ranked host; strings are owned by the handle. */
struct fg_netlog_host {
    const char *host;     /* dotted address */
    unsigned score;       /* 0..100 */
    const char *role;     /* "" or the role, e.g. "mail-relay" */
    const char *role_why; /* "" or how the role was known ("roles file", the learnt evidence) */
    enum fg_severity severity; /* highest of the findings, FG_SEV_INFO if none */
    size_t nfindings;
    const struct fg_finding *findings; /* highest severity first */
};
/* Hosts that sent anything, highest score first (ties: by address). */
FG_API size_t fg_netlog_host_count(const fg_netlog *n);
FG_API const struct fg_netlog_host *fg_netlog_host(const fg_netlog *n, size_t i);
/* One line of JSON: host, score, role, findings [{id, severity, message, evidence}]
 * (malloc'ed). */
FG_API char *fg_netlog_host_json(const fg_netlog *n, size_t i);

/* What was read, and what was not. */
struct fg_netlog_stats {
    uint64_t files, bytes, lines;
    uint64_t records;          /* lines that became a connection or packet record */
    uint64_t ignored;          /* comments, headers, other syslog lines: not records, not errors */
    uint64_t skipped;          /* malformed lines, all reasons together */
    uint64_t skip_long;        /* longer than FG_CAP_NL_LINE */
    uint64_t skip_binary;      /* NUL or control bytes */
    uint64_t skip_fields;      /* a field missing or not parseable */
    uint64_t skip_ipv6;        /* IPv6 records: not analysed */
    uint64_t over_cap_hosts;   /* records whose host did not fit FG_CAP_NL_HOSTS */
    uint64_t over_cap_pairs;   /* records whose (host, destination) did not fit FG_CAP_NL_PAIRS */
    uint64_t over_cap_beacons; /* pairs not sampled for beaconing (FG_CAP_NL_BEACON_PAIRS) */
    uint64_t hosts, pairs;     /* internal hosts and (host, external destination) pairs kept */
    uint64_t peak_bytes;       /* most memory the tables held */
};
FG_API void fg_netlog_stats(const fg_netlog *n, struct fg_netlog_stats *out);

#ifdef __cplusplus
}
#endif

#endif
