/*
 * netlog.c - the fg_netlog handle (include/flowgate/netlog.h): options, the roles file, and
 * reading logs as streams through a fixed buffer, line by line into the parser of the file's
 * format and on into the tables.  A line is never allocated; what cannot be parsed is counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "netlog_int.h"

struct fg_netlog {
    struct nl_agg agg;
    int year;
    char err[256];
    fg_netlog_progress_fn prog;
    void *prog_arg;
    struct fg_netlog_stats st;
    struct nl_scored sc;
    int scored;
};

static int fail(fg_netlog *n, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->err, sizeof n->err, fmt, ap);
    va_end(ap);
    return rc;
}

int fg_netlog_format_parse(const char *s)
{
    if (!strcmp(s, "auto"))
        return FG_NETLOG_AUTO;
    for (const struct nl_format *f = nl_formats; f->name; f++)
        if (!strcmp(s, f->name))
            return (int)f->id;
    return -1;
}

const char *fg_netlog_format_name(enum fg_netlog_format fmt)
{
    const struct nl_format *f = nl_format_by_id((int)fmt);
    return f ? f->name : "auto";
}

int fg_netlog_new(fg_netlog **out)
{
    fg_netlog *n = calloc(1, sizeof *n);
    if (!n)
        return FG_ENOMEM;
    if (nl_agg_init(&n->agg)) {
        free(n);
        return FG_ENOMEM;
    }
    /* RFC 1918 is always internal; --internal adds to it. */
    nl_agg_add_net(&n->agg, 0x0A000000u, 8);
    nl_agg_add_net(&n->agg, 0xAC100000u, 12);
    nl_agg_add_net(&n->agg, 0xC0A80000u, 16);
    *out = n;
    return 0;
}

void fg_netlog_free(fg_netlog *n)
{
    if (!n)
        return;
    nl_scored_free(&n->sc);
    nl_agg_free(&n->agg);
    free(n);
}

const char *fg_netlog_error(const fg_netlog *n)
{
    return n ? n->err : "";
}

int fg_netlog_add_internal(fg_netlog *n, const char *cidr)
{
    char ip[32];
    unsigned long bits = 32;
    const char *slash = strchr(cidr, '/');
    size_t l = slash ? (size_t)(slash - cidr) : strlen(cidr);
    uint32_t a;
    if (l >= sizeof ip)
        return fail(n, FG_EINVAL, "bad network '%s'", cidr);
    memcpy(ip, cidr, l);
    ip[l] = 0;
    if (slash) {
        char *end;
        errno = 0;
        bits = strtoul(slash + 1, &end, 10);
        if (errno || end == slash + 1 || *end || bits > 32)
            return fail(n, FG_EINVAL, "bad prefix length in '%s'", cidr);
    }
    if (nl_parse_ipv4(ip, l, &a))
        return fail(n, FG_EINVAL, "bad network '%s' (IPv4 address or CIDR expected)", cidr);
    if (nl_agg_add_net(&n->agg, a, (unsigned)bits))
        return fail(n, FG_ELIMIT, "more than %d internal networks", FG_CAP_NL_NETS);
    return 0;
}

void fg_netlog_set_year(fg_netlog *n, int year)
{
    n->year = year;
}

int fg_netlog_add_role(fg_netlog *n, const char *addr, const char *role)
{
    uint32_t a;
    int r = nl_role_parse(role);
    if (nl_parse_ipv4(addr, strlen(addr), &a))
        return fail(n, FG_EINVAL, "bad address '%s'", addr);
    if (r < 0)
        return fail(n, FG_EINVAL, "unknown role '%s' (mail-relay, proxy, backup, monitoring, "
                    "scanner)", role);
    struct nl_host *h = nl_host_reserve(&n->agg, 1) ? NULL : nl_host_get(&n->agg, a, 1);
    if (!h)
        return fail(n, FG_ELIMIT, "more than %d hosts", FG_CAP_NL_HOSTS);
    h->role = (uint8_t)r;
    return 0;
}

int fg_netlog_load_roles(fg_netlog *n, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(n, FG_EIO, "%s: %s", path, strerror(errno));
    char line[512];
    int rc = 0, no = 0;
    long total = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        no++;
        total += (long)strlen(line);
        if (total > (long)FG_CAP_NL_ROLES_FILE) {
            rc = fail(n, FG_ELIMIT, "%s: larger than %u bytes", path, FG_CAP_NL_ROLES_FILE);
            break;
        }
        char *hash = strchr(line, '#'), *save = NULL;
        if (hash)
            *hash = 0;
        char *addr = strtok_r(line, " \t\r\n", &save);
        char *role = addr ? strtok_r(NULL, " \t\r\n", &save) : NULL;
        if (!addr)
            continue;
        if (!role || strtok_r(NULL, " \t\r\n", &save)) {
            rc = fail(n, FG_EINVAL, "%s:%d: expected 'ADDRESS ROLE'", path, no);
            break;
        }
        if ((rc = fg_netlog_add_role(n, addr, role))) {
            char e[sizeof n->err];
            memcpy(e, n->err, sizeof e);
            fail(n, rc, "%s:%d: %s", path, no, e);
        }
    }
    fclose(f);
    return rc;
}

void fg_netlog_set_progress(fg_netlog *n, fg_netlog_progress_fn fn, void *arg)
{
    n->prog = fn;
    n->prog_arg = arg;
}

/* ---- reading ---- */

static int binary_line(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t')
            return 1;
    }
    return 0;
}

static void one_line(fg_netlog *n, const struct nl_format *fmt, struct nl_file *f,
                     const char *s, size_t len)
{
    n->st.lines++;
    if (len && s[len - 1] == '\r')
        len--;
    if (!len) {
        n->st.ignored++;
        return;
    }
    if (len > FG_CAP_NL_LINE) {
        n->st.skipped++;
        n->st.skip_long++;
        return;
    }
    struct nl_rec r;
    memset(&r, 0, sizeof r);
    int rc = fmt->parse(f, s, len, &r);
    if (rc == NL_LINE_REC) {
        n->st.records++;
        nl_agg_add(&n->agg, &r);
    } else if (rc == NL_LINE_IGNORE) {
        n->st.ignored++;
    } else if (rc == NL_LINE_IPV6) {
        n->st.skipped++;
        n->st.skip_ipv6++;
    } else {
        n->st.skipped++;
        if (binary_line(s, len))
            n->st.skip_binary++;
        else
            n->st.skip_fields++;
    }
}

/* The complete lines of buf; returns the bytes used (the tail is an unfinished line). */
static size_t lines(fg_netlog *n, const struct nl_format *fmt, struct nl_file *f,
                    const char *buf, size_t len, int eof)
{
    const char *p = buf, *e = buf + len;
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        if (!nl) {
            if (!eof)
                break;
            one_line(n, fmt, f, p, (size_t)(e - p)); /* a truncated last line */
            p = e;
            break;
        }
        one_line(n, fmt, f, p, (size_t)(nl - p));
        p = nl + 1;
    }
    return (size_t)(p - buf);
}

static int pick_format(fg_netlog *n, const char *name, const char *buf, size_t len,
                       enum fg_netlog_format want, const struct nl_format **out)
{
    int id = want != FG_NETLOG_AUTO ? (int)want : nl_detect(buf, len);
    *out = nl_format_by_id(id);
    if (!*out)
        return fail(n, FG_EFORMAT, "%s: not a log format flowgate reads (netfilter, zeek, "
                    "zeek-json, csv)", name);
    return 0;
}

static void year_of(time_t t, int *year, int *mon)
{
    struct tm tm;
    if (!localtime_r(&t, &tm)) {
        *year = 1970;
        *mon = 0;
        return;
    }
    *year = tm.tm_year + 1900;
    *mon = tm.tm_mon + 1;
}

int fg_netlog_read_mem(fg_netlog *n, const char *name, const void *data, size_t len,
                       enum fg_netlog_format want)
{
    const struct nl_format *fmt;
    struct nl_file f;
    int y, m, rc;
    if (n->scored)
        return fail(n, FG_EINVAL, "logs must be read before fg_netlog_score()");
    if (!len) {
        n->st.files++;
        return 0;
    }
    if ((rc = pick_format(n, name, data, len, want, &fmt)))
        return rc;
    year_of(time(NULL), &y, &m);
    nl_file_init(&f, (int)fmt->id, n->year, y, m);
    n->st.files++;
    n->st.bytes += len;
    lines(n, fmt, &f, data, len, 1);
    return n->agg.failed ? fail(n, FG_ENOMEM, "%s: out of memory", name) : 0;
}

/* Fills buf from fd as far as it goes: reads from pipes come in small pieces. */
static ssize_t fill(int fd, char *buf, size_t want)
{
    size_t got = 0;
    while (got < want) {
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int read_fd(fg_netlog *n, const char *name, int fd, uint64_t total, time_t mtime,
                   enum fg_netlog_format want)
{
    char *buf = malloc(FG_CAP_NL_READ);
    if (!buf)
        return fail(n, FG_ENOMEM, "out of memory");
    const struct nl_format *fmt = NULL;
    struct nl_file f;
    size_t have = 0;
    uint64_t done = 0, next_prog = 64u << 20;
    int rc = 0, discard = 0, eof = 0;
    while (!eof) {
        ssize_t r = fill(fd, buf + have, FG_CAP_NL_READ - have);
        if (r < 0) {
            rc = fail(n, FG_EIO, "%s: %s", name, strerror(errno));
            break;
        }
        eof = r == 0 || have + (size_t)r < FG_CAP_NL_READ;
        size_t len = have + (size_t)r, start = 0;
        done += (uint64_t)r;
        if (!fmt && !len)
            break; /* an empty log: nothing to read, nothing wrong */
        if (!fmt) {
            int y, m;
            if ((rc = pick_format(n, name, buf, len, want, &fmt)))
                break;
            year_of(mtime, &y, &m);
            nl_file_init(&f, (int)fmt->id, n->year, y, m);
        }
        if (discard) { /* the rest of a line longer than the buffer */
            char *nl = memchr(buf, '\n', len);
            start = nl ? (size_t)(nl - buf) + 1 : len;
            discard = !nl;
        }
        size_t used = start + lines(n, fmt, &f, buf + start, len - start, eof);
        have = len - used;
        if (have == FG_CAP_NL_READ) { /* no newline in the whole buffer */
            n->st.lines++;
            n->st.skipped++;
            n->st.skip_long++;
            have = 0;
            discard = 1;
        } else if (have) {
            memmove(buf, buf + used, have);
        }
        if (n->prog && done >= next_prog) {
            n->prog(n->prog_arg, name, done, total);
            next_prog = done + (64u << 20);
        }
    }
    free(buf);
    n->st.files++;
    n->st.bytes += done;
    if (!rc && n->prog)
        n->prog(n->prog_arg, name, done, total);
    if (!rc && n->agg.failed)
        rc = fail(n, FG_ENOMEM, "%s: out of memory", name);
    return rc;
}

int fg_netlog_read_file(fg_netlog *n, const char *path, enum fg_netlog_format want)
{
    if (n->scored)
        return fail(n, FG_EINVAL, "logs must be read before fg_netlog_score()");
    int stdin_ = !strcmp(path, "-");
    int fd = stdin_ ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(n, FG_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st)) {
        int e = errno;
        if (!stdin_)
            close(fd);
        return fail(n, FG_EIO, "%s: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return fail(n, FG_EIO, "%s: is a directory", path);
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    int rc = read_fd(n, stdin_ ? "(stdin)" : path, fd, S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0,
                     S_ISREG(st.st_mode) ? st.st_mtime : time(NULL), want);
    if (!stdin_)
        close(fd);
    return rc;
}

/* ---- results ---- */

int fg_netlog_score(fg_netlog *n)
{
    if (n->scored)
        return 0;
    int rc = nl_score(&n->agg, &n->sc);
    if (rc)
        return fail(n, rc, "out of memory while scoring");
    n->scored = 1;
    return 0;
}

size_t fg_netlog_host_count(const fg_netlog *n)
{
    return n->sc.n;
}

const struct fg_netlog_host *fg_netlog_host(const fg_netlog *n, size_t i)
{
    return i < n->sc.n ? &n->sc.r[i].pub : NULL;
}

char *fg_netlog_host_json(const fg_netlog *n, size_t i)
{
    const struct fg_netlog_host *h = fg_netlog_host(n, i);
    if (!h)
        return NULL;
    json_t *fs = json_array();
    if (!fs)
        return NULL;
    for (size_t k = 0; k < h->nfindings; k++) {
        const struct fg_finding *f = &h->findings[k];
        json_array_append_new(fs, json_pack("{s:s, s:s, s:s, s:s}", "id", f->id, "severity",
                                            fg_severity_name(f->severity), "message", f->message,
                                            "evidence", f->evidence));
    }
    json_t *root = json_pack("{s:s, s:i, s:s, s:s, s:o}", "host", h->host, "score",
                             (int)h->score, "severity", fg_severity_name(h->severity), "role",
                             h->role, "findings", fs);
    if (!root)
        return NULL;
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}

void fg_netlog_stats(const fg_netlog *n, struct fg_netlog_stats *out)
{
    *out = n->st;
    out->over_cap_hosts = n->agg.over_hosts;
    out->over_cap_pairs = n->agg.over_pairs;
    out->over_cap_beacons = n->agg.over_beacons;
    out->hosts = n->agg.nhosts;
    out->pairs = n->agg.npairs;
    out->peak_bytes = n->agg.peak_bytes + FG_CAP_NL_READ;
}
