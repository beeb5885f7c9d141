/*
 * netlog_parse.c - the log formats of `flowgate netlog`: a table of parsers (netfilter LOG
 * lines in syslog, Zeek conn.log as TSV and as JSON, flowgate CSV), each bidding on a file's
 * first lines and turning one line into a struct nl_rec.  Hand-written field splitting, no
 * allocation: this is the loop that must run at a million lines a second.
 */
#define _GNU_SOURCE
#include <string.h>

#include "netlog_int.h"

static inline int dig(char c)
{
    return (unsigned char)(c - '0') < 10;
}

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* ---- small field parsers (every one bounded by its length) ---- */

/* Hex digits, colons and dots (an embedded IPv4 part) only. */
static int ipv6_like(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = lower(p[i]);
        if (!dig(c) && !(c >= 'a' && c <= 'f') && c != ':' && c != '.')
            return 0;
    }
    return n >= 2;
}


int nl_parse_ipv4(const char *p, size_t n, uint32_t *out)
{
    uint32_t a = 0, v = 0;
    unsigned parts = 0, nd = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (dig(c)) {
            v = v * 10 + (uint32_t)(c - '0');
            if (++nd > 3 || v > 255)
                return -1;
        } else if (c == '.' && nd && parts < 3) {
            a = a << 8 | v;
            parts++;
            v = nd = 0;
        } else {
            return -1;
        }
    }
    if (parts != 3 || !nd)
        return -1;
    *out = a << 8 | v;
    return 0;
}

/* An address field of any format: 0 with *out set for IPv4, NL_LINE_IPV6 for a well-formed
 * IPv6 address (counted, not analysed), NL_LINE_BAD for anything else. */
static int addr_value(const char *p, size_t n, uint32_t *out)
{
    if (memchr(p, ':', n))
        return ipv6_like(p, n) ? NL_LINE_IPV6 : NL_LINE_BAD;
    return nl_parse_ipv4(p, n, out) ? NL_LINE_BAD : 0;
}

void nl_ipv4_str(uint32_t a, char out[16])
{
    char *o = out;
    for (int i = 3; i >= 0; i--) {
        unsigned b = (a >> (i * 8)) & 255;
        if (b >= 100)
            *o++ = (char)('0' + b / 100);
        if (b >= 10)
            *o++ = (char)('0' + b / 10 % 10);
        *o++ = (char)('0' + b % 10);
        if (i)
            *o++ = '.';
    }
    *o = 0;
}

static int parse_u64(const char *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (!n || n > 19)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!dig(p[i]))
            return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *out = v;
    return 0;
}

static int parse_port(const char *p, size_t n, uint16_t *out)
{
    uint64_t v;
    if (parse_u64(p, n, &v) || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

/* "1709287200.123456" or "12.5" -> milliseconds (sub-millisecond digits dropped). */
static int parse_secs_ms(const char *p, size_t n, int64_t *ms)
{
    size_t i = 0;
    int64_t s = 0, frac = 0;
    while (i < n && dig(p[i])) {
        if (i >= 12)
            return -1;
        s = s * 10 + (p[i++] - '0');
    }
    if (!i)
        return -1;
    if (i < n) {
        if (p[i++] != '.')
            return -1;
        int k = 0;
        for (; i < n; i++, k++) {
            if (!dig(p[i]))
                return -1;
            if (k < 3)
                frac = frac * 10 + (p[i] - '0');
        }
        for (; k < 3; k++)
            frac *= 10;
    }
    *ms = s * 1000 + frac;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (the era arithmetic avoids any table). */
int64_t nl_days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int num2(const char *p, unsigned *v)
{
    if (!dig(p[0]) || !dig(p[1]))
        return -1;
    *v = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
    return 0;
}

/* "HH:MM:SS" at p (8 bytes available) -> seconds of the day. */
static int parse_hms(const char *p, int64_t *secs)
{
    unsigned h, mi, s;
    if (num2(p, &h) || p[2] != ':' || num2(p + 3, &mi) || p[5] != ':' || num2(p + 6, &s) ||
        h > 23 || mi > 59 || s > 60)
        return -1;
    *secs = h * 3600 + mi * 60 + s;
    return 0;
}

int nl_parse_iso(const char *p, size_t n, int64_t *ms, size_t *used)
{
    unsigned y1, y2, mo, d;
    int64_t hms, frac = 0;
    if (n < 19 || num2(p, &y1) || num2(p + 2, &y2) || p[4] != '-' || num2(p + 5, &mo) ||
        p[7] != '-' || num2(p + 8, &d) || (p[10] != 'T' && p[10] != ' ') || mo < 1 || mo > 12 ||
        d < 1 || d > 31 || parse_hms(p + 11, &hms))
        return -1;
    size_t i = 19;
    if (i < n && (p[i] == '.' || p[i] == ',')) {
        int k = 0;
        for (i++; i < n && dig(p[i]); i++, k++)
            if (k < 3)
                frac = frac * 10 + (p[i] - '0');
        for (; k < 3; k++)
            frac *= 10;
    }
    int64_t off = 0;
    if (i < n && p[i] == 'Z') {
        i++;
    } else if (i + 5 <= n && (p[i] == '+' || p[i] == '-')) {
        unsigned oh, om;
        size_t j = i + 3 + (p[i + 3] == ':'); /* "+01:00" or "+0100"; i + 3 < n here */
        if (num2(p + i + 1, &oh) || j + 2 > n || num2(p + j, &om))
            return -1;
        off = (int64_t)(oh * 3600 + om * 60) * (p[i] == '+' ? 1 : -1);
        i = j + 2;
    }
    int64_t days = nl_days_from_civil((int)(y1 * 100 + y2), mo, d);
    *ms = ((days * 86400 + hms) - off) * 1000 + frac;
    if (used)
        *used = i;
    return 0;
}

static uint8_t parse_proto(const char *p, size_t n)
{
    uint64_t v;
    if (n == 3 && lower(p[0]) == 't' && lower(p[1]) == 'c' && lower(p[2]) == 'p')
        return 6;
    if (n == 3 && lower(p[0]) == 'u' && lower(p[1]) == 'd' && lower(p[2]) == 'p')
        return 17;
    if (n == 4 && lower(p[0]) == 'i' && lower(p[1]) == 'c')
        return 1;
    if (!parse_u64(p, n, &v) && v < 256)
        return (uint8_t)v;
    return 0;
}

static int eqn(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n != l)
        return 0;
    for (size_t i = 0; i < l; i++)
        if (lower(p[i]) != lit[i])
            return 0;
    return 1;
}

/* Zeek conn_state codes, and the words of our CSV. */
static uint8_t parse_state(const char *p, size_t n)
{
    static const struct {
        const char *w;
        uint8_t st;
    } words[] = {
        {"sf", NL_ST_OK}, {"s1", NL_ST_OK}, {"s2", NL_ST_OK}, {"s3", NL_ST_OK},
        {"rsto", NL_ST_OK}, {"rstr", NL_ST_OK}, {"ok", NL_ST_OK}, {"accept", NL_ST_OK},
        {"accepted", NL_ST_OK}, {"allow", NL_ST_OK}, {"allowed", NL_ST_OK},
        {"established", NL_ST_OK}, {"rej", NL_ST_REFUSED}, {"rstos0", NL_ST_REFUSED},
        {"rstrh", NL_ST_REFUSED}, {"sh", NL_ST_REFUSED}, {"shr", NL_ST_REFUSED},
        {"refused", NL_ST_REFUSED}, {"reject", NL_ST_REFUSED}, {"rejected", NL_ST_REFUSED},
        {"rst", NL_ST_REFUSED}, {"reset", NL_ST_REFUSED}, {"s0", NL_ST_NOREPLY},
        {"drop", NL_ST_NOREPLY}, {"dropped", NL_ST_NOREPLY}, {"deny", NL_ST_NOREPLY},
        {"denied", NL_ST_NOREPLY}, {"block", NL_ST_NOREPLY}, {"blocked", NL_ST_NOREPLY},
        {"timeout", NL_ST_NOREPLY},
    };
    if (!n || n > 11)
        return NL_ST_UNKNOWN;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (eqn(p, n, words[i].w))
            return words[i].st;
    return NL_ST_UNKNOWN;
}

/* ---- netfilter LOG lines in syslog ---- */

static int month3(const char *p)
{
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    char a = lower(p[0]), b = lower(p[1]), c = lower(p[2]);
    for (int i = 0; i < 12; i++)
        if (names[i * 3] == a && names[i * 3 + 1] == b && names[i * 3 + 2] == c)
            return i + 1;
    return 0;
}

/* The syslog timestamp at the start of a line: RFC 3164 "Mar  1 10:00:00", RFC 5424
 * "<13>1 2024-03-01T10:00:00Z" or ISO "2024-03-01T10:00:00.123+01:00".  Returns the offset
 * after it, or 0 if the line does not start with one. */
static size_t syslog_ts(const struct nl_file *f, const char *s, size_t n, int64_t *ms)
{
    size_t i = 0;
    if (n && s[0] == '<') {
        for (i = 1; i < n && i < 5 && dig(s[i]); i++)
            ;
        if (i >= n || s[i] != '>')
            return 0;
        i++;
        if (i + 1 < n && s[i] == '1' && s[i + 1] == ' ')
            i += 2;
    }
    const char *p = s + i;
    size_t left = n - i, used;
    if (left >= 19 && dig(p[0]) && p[4] == '-') {
        if (nl_parse_iso(p, left, ms, &used))
            return 0;
        return i + used;
    }
    int mon;
    unsigned day;
    int64_t hms;
    if (left < 15 || !(mon = month3(p)) || p[3] != ' ' || p[6] != ' ')
        return 0;
    if (p[4] == ' ' && dig(p[5]))
        day = (unsigned)(p[5] - '0');
    else if (num2(p + 4, &day))
        return 0;
    if (day < 1 || day > 31 || parse_hms(p + 7, &hms))
        return 0;
    int year = f->year - (f->mtime_mon && mon > f->mtime_mon);
    *ms = (nl_days_from_civil(year, (unsigned)mon, day) * 86400 + hms) * 1000;
    return i + 15;
}

/* The firewall's verdict from the log prefix ("[UFW BLOCK]", "FWD-DROP: ", "ACCEPT ..."). */
static uint8_t nf_action(const char *p, const char *e)
{
    static const struct {
        const char *w;
        uint8_t st;
    } words[] = {{"reject", NL_ST_REFUSED}, {"drop", NL_ST_NOREPLY}, {"block", NL_ST_NOREPLY},
                 {"deny", NL_ST_NOREPLY},   {"accept", NL_ST_OK},    {"allow", NL_ST_OK}};
    for (; p < e; p++) {
        char c = lower(*p);
        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
            const char *w = words[k].w;
            if (c != w[0])
                continue;
            size_t l = strlen(w), j = 1;
            while (j < l && p + j < e && lower(p[j]) == w[j])
                j++;
            if (j == l)
                return words[k].st;
        }
    }
    return NL_ST_UNKNOWN;
}

static const char *find_in(const char *p, const char *e)
{
    while (p < e) {
        const char *q = memmem(p, (size_t)(e - p), "IN=", 3);
        if (!q)
            return NULL;
        if (q > p && (q[-1] == ' ' || q[-1] == ']'))
            return q;
        p = q + 3;
    }
    return NULL;
}

static int nf_bid(const char *s, size_t n)
{
    if (memmem(s, n, "IN=", 3) && memmem(s, n, " SRC=", 5) && memmem(s, n, " DST=", 5))
        return 100;
    return 0;
}

/* The KEY=VALUE tokens after IN=; returns NL_LINE_*. */
static int nf_fields(const char *p, const char *e, struct nl_rec *r)
{
    int have = 0, syn = 0, ack = 0, len_seen = 0;
    while (p < e) {
        const char *t = p, *end = memchr(p, ' ', (size_t)(e - p));
        if (!end)
            end = e;
        p = end + 1;
        size_t tl = (size_t)(end - t);
        if (tl < 3)
            continue;
        const char *v = t + 4;
        size_t vl = tl >= 4 ? tl - 4 : 0;
        switch (t[0]) {
        case 'S':
            if (t[1] == 'R' && t[2] == 'C' && t[3] == '=') {
                int st = addr_value(v, vl, &r->src);
                if (st)
                    return st;
                have |= 1;
            } else if (t[1] == 'P' && t[2] == 'T' && t[3] == '=') {
                if (parse_port(v, vl, &r->sport))
                    return NL_LINE_BAD;
            } else if (tl == 3 && t[1] == 'Y' && t[2] == 'N') {
                syn = 1;
            }
            break;
        case 'D':
            if (t[1] == 'S' && t[2] == 'T' && t[3] == '=') {
                int st = addr_value(v, vl, &r->dst);
                if (st)
                    return st;
                have |= 2;
            } else if (t[1] == 'P' && t[2] == 'T' && t[3] == '=') {
                if (parse_port(v, vl, &r->dport))
                    return NL_LINE_BAD;
            }
            break;
        case 'P':
            if (tl > 6 && !memcmp(t, "PROTO=", 6)) {
                r->proto = parse_proto(t + 6, tl - 6);
                have |= 4;
            }
            break;
        case 'L':
            /* The first LEN= is the IP packet's; a later one is the UDP header's. */
            if (!len_seen && t[1] == 'E' && t[2] == 'N' && t[3] == '=') {
                if (parse_u64(v, vl, &r->bytes_out))
                    return NL_LINE_BAD;
                len_seen = 1;
            }
            break;
        case 'A':
            if (tl == 3 && t[1] == 'C' && t[2] == 'K')
                ack = 1;
            break;
        }
    }
    if ((have & 7) != 7)
        return NL_LINE_BAD;
    /* Rules that log every packet of a connection: only the opening SYN counts as a
     * connection, later packets add their bytes. */
    r->is_conn = r->proto != 6 || (syn && !ack);
    return NL_LINE_REC;
}

static int nf_parse(struct nl_file *f, const char *s, size_t n, struct nl_rec *r)
{
    const char *e = s + n;
    size_t off = syslog_ts(f, s, n, &r->ts_ms);
    if (!off)
        return NL_LINE_BAD;
    const char *in = find_in(s + off, e);
    if (!in)
        return NL_LINE_IGNORE; /* another syslog message */
    const char *pre = memmem(s + off, (size_t)(in - (s + off)), "kernel:", 7);
    r->state = nf_action(pre ? pre + 7 : s + off, in);
    return nf_fields(in, e, r);
}

/* ---- Zeek conn.log, tab-separated ---- */

static const char *const zeek_names[NL_Z_N] = {
    "ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "duration",
    "orig_bytes", "resp_bytes", "conn_state"};

/* Zeek's default conn.log column order, for a log whose header was cut off. */
static void zeek_default(struct nl_file *f)
{
    static const int8_t def[] = {NL_Z_TS, -1, NL_Z_OH, NL_Z_OP, NL_Z_RH, NL_Z_RP, NL_Z_PROTO,
                                 -1, NL_Z_DUR, NL_Z_OB, NL_Z_RB, NL_Z_STATE};
    memset(f->zfield, -1, sizeof f->zfield);
    memcpy(f->zfield, def, sizeof def);
    f->zlast = (int)sizeof def - 1;
}

static void zeek_header(struct nl_file *f, const char *s, size_t n)
{
    if (n > 11 && !memcmp(s, "#separator ", 11)) {
        const char *v = s + 11;
        size_t vl = n - 11;
        if (vl == 4 && v[0] == '\\' && v[1] == 'x') {
            int hi = v[2] <= '9' ? v[2] - '0' : (lower(v[2]) - 'a' + 10);
            int lo = v[3] <= '9' ? v[3] - '0' : (lower(v[3]) - 'a' + 10);
            f->sep = (char)((hi & 15) << 4 | (lo & 15));
        } else if (vl == 1) {
            f->sep = v[0];
        }
        return;
    }
    if (n < 8 || memcmp(s, "#fields", 7))
        return;
    memset(f->zfield, -1, sizeof f->zfield);
    f->zlast = -1;
    const char *p = s + 8, *e = s + n;
    for (int col = 0; p <= e && col < NL_ZCOLS; col++) {
        const char *end = memchr(p, f->sep, (size_t)(e - p));
        if (!end)
            end = e;
        for (int k = 0; k < NL_Z_N; k++) {
            if ((size_t)(end - p) == strlen(zeek_names[k]) && !memcmp(p, zeek_names[k], (size_t)(end - p))) {
                f->zfield[col] = (int8_t)k;
                f->zlast = col;
            }
        }
        p = end + 1;
    }
}

static int zeek_bid(const char *s, size_t n)
{
    if ((n > 10 && !memcmp(s, "#separator", 10)) || (n > 7 && !memcmp(s, "#fields", 7)))
        return 100;
    if (n && s[0] == '#')
        return 0;
    int tabs = 0;
    for (size_t i = 0; i < n; i++)
        tabs += s[i] == '\t';
    return tabs >= 11 && dig(s[0]) ? 40 : 0;
}

static int is_unset(const char *p, size_t n)
{
    return n == 0 || (n == 1 && p[0] == '-') || (n == 7 && !memcmp(p, "(empty)", 7));
}

/* One field's value into the record; 'have' collects the fields present. */
static int put_field(struct nl_rec *r, int k, const char *p, size_t n, unsigned *have)
{
    int64_t ms;
    if (is_unset(p, n))
        return 0;
    switch (k) {
    case NL_Z_TS:
        if (parse_secs_ms(p, n, &r->ts_ms) && nl_parse_iso(p, n, &r->ts_ms, NULL))
            return -1;
        break;
    case NL_Z_OH:
    case NL_Z_RH: {
        int st = addr_value(p, n, k == NL_Z_OH ? &r->src : &r->dst);
        if (st)
            return st;
        break;
    }
    case NL_Z_OP:
        return parse_port(p, n, &r->sport);
    case NL_Z_RP:
        return parse_port(p, n, &r->dport);
    case NL_Z_PROTO:
        r->proto = parse_proto(p, n);
        break;
    case NL_Z_DUR:
        if (parse_secs_ms(p, n, &ms))
            return -1;
        r->dur_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
        break;
    case NL_Z_OB:
        return parse_u64(p, n, &r->bytes_out);
    case NL_Z_RB:
        return parse_u64(p, n, &r->bytes_in);
    case NL_Z_STATE:
        r->state = parse_state(p, n);
        break;
    }
    *have |= 1u << k;
    return 0;
}

#define NL_NEED ((1u << NL_Z_TS) | (1u << NL_Z_OH) | (1u << NL_Z_RH))

static int zeek_parse(struct nl_file *f, const char *s, size_t n, struct nl_rec *r)
{
    if (s[0] == '#') {
        zeek_header(f, s, n);
        return NL_LINE_IGNORE;
    }
    const char *p = s, *e = s + n;
    unsigned have = 0;
    for (int col = 0; col <= f->zlast; col++) {
        if (p > e)
            return NL_LINE_BAD;
        const char *end = memchr(p, f->sep, (size_t)(e - p));
        if (!end)
            end = e;
        int k = f->zfield[col];
        if (k >= 0) {
            int rc = put_field(r, k, p, (size_t)(end - p), &have);
            if (rc)
                return rc == NL_LINE_IPV6 ? rc : NL_LINE_BAD;
        }
        p = end + 1;
    }
    if ((have & NL_NEED) != NL_NEED)
        return NL_LINE_BAD;
    r->is_conn = 1;
    return NL_LINE_REC;
}

/* ---- Zeek conn.log as JSON lines ---- */

static int zjson_bid(const char *s, size_t n)
{
    return n && s[0] == '{' && memmem(s, n, "\"id.orig_h\"", 11) ? 100 : 0;
}

/* End of a JSON string whose opening quote is at p[-1]; NULL if unterminated. */
static const char *json_str_end(const char *p, const char *e)
{
    while (p < e) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        if (!q)
            return NULL;
        size_t bs = 0;
        while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
            bs++;
        if (!(bs & 1))
            return q;
        p = q + 1;
    }
    return NULL;
}

/* End of a scalar, object or array value starting at p. */
static const char *json_skip(const char *p, const char *e)
{
    int depth = 0;
    for (; p < e; p++) {
        char c = *p;
        if (c == '"') {
            p = json_str_end(p + 1, e);
            if (!p)
                return NULL;
            if (!depth)
                return p + 1;
        } else if (c == '{' || c == '[') {
            if (++depth > 64)
                return NULL;
        } else if (c == '}' || c == ']') {
            if (!depth)
                return p;
            if (!--depth)
                return p + 1;
        } else if (!depth && c == ',') {
            return p;
        }
    }
    return depth ? NULL : p;
}

static int zjson_key(const char *k, size_t kl)
{
    for (int i = 0; i < NL_Z_N; i++)
        if (strlen(zeek_names[i]) == kl && !memcmp(k, zeek_names[i], kl))
            return i;
    return -1;
}

static int zjson_parse(struct nl_file *f, const char *s, size_t n, struct nl_rec *r)
{
    (void)f;
    const char *p = s, *e = s + n;
    unsigned have = 0;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= e || *p++ != '{')
        return NL_LINE_BAD;
    for (;;) {
        while (p < e && (*p == ' ' || *p == ','))
            p++;
        if (p >= e)
            return NL_LINE_BAD; /* truncated */
        if (*p == '}')
            break;
        if (*p != '"')
            return NL_LINE_BAD;
        const char *k = p + 1, *ke = json_str_end(k, e);
        if (!ke)
            return NL_LINE_BAD;
        p = ke + 1;
        while (p < e && *p == ' ')
            p++;
        if (p >= e || *p++ != ':')
            return NL_LINE_BAD;
        while (p < e && *p == ' ')
            p++;
        const char *v = p, *ve = json_skip(p, e);
        if (!ve || ve == v)
            return NL_LINE_BAD;
        p = ve;
        int kid = zjson_key(k, (size_t)(ke - k));
        if (kid < 0)
            continue;
        if (*v == '"') { /* a string: its contents */
            v++;
            ve--;
        }
        int rc = put_field(r, kid, v, (size_t)(ve - v), &have);
        if (rc)
            return rc == NL_LINE_IPV6 ? rc : NL_LINE_BAD;
    }
    if ((have & NL_NEED) != NL_NEED)
        return NL_LINE_BAD;
    r->is_conn = 1;
    return NL_LINE_REC;
}

/* ---- flowgate CSV (docs/formats/netlog-csv.md) ---- */

static const int8_t csv_cols[] = {NL_Z_TS, NL_Z_OH, NL_Z_OP, NL_Z_RH, NL_Z_RP, NL_Z_PROTO,
                                  NL_Z_OB, NL_Z_RB, NL_Z_DUR, NL_Z_STATE};

static int csv_bid(const char *s, size_t n)
{
    if (n > 7 && !memcmp(s, "ts,src,", 7))
        return 100;
    int commas = 0;
    const char *c2 = NULL, *c1 = NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ',') {
            commas++;
            if (commas == 1)
                c1 = s + i;
            else if (commas == 2)
                c2 = s + i;
        }
    }
    uint32_t ip;
    if (commas == 9 && c1 && c2 && !nl_parse_ipv4(c1 + 1, (size_t)(c2 - c1 - 1), &ip))
        return 60;
    return 0;
}

static int csv_parse(struct nl_file *f, const char *s, size_t n, struct nl_rec *r)
{
    (void)f;
    if (s[0] == '#' || (n >= 3 && !memcmp(s, "ts,", 3)))
        return NL_LINE_IGNORE;
    const char *p = s, *e = s + n;
    unsigned have = 0;
    for (size_t col = 0; col < sizeof csv_cols; col++) {
        if (p > e)
            return NL_LINE_BAD;
        const char *end = memchr(p, ',', (size_t)(e - p));
        if (!end)
            end = e;
        int rc = put_field(r, csv_cols[col], p, (size_t)(end - p), &have);
        if (rc)
            return rc == NL_LINE_IPV6 ? rc : NL_LINE_BAD;
        p = end + 1;
    }
    if ((have & NL_NEED) != NL_NEED)
        return NL_LINE_BAD;
    r->is_conn = 1;
    return NL_LINE_REC;
}

/* ---- the table ---- */

/* Cheap bidders first does not matter here: every bidder looks at a few lines only. */
const struct nl_format nl_formats[] = {
    {"netfilter", FG_NETLOG_NETFILTER, nf_bid, nf_parse},
    {"zeek", FG_NETLOG_ZEEK, zeek_bid, zeek_parse},
    {"zeek-json", FG_NETLOG_ZEEK_JSON, zjson_bid, zjson_parse},
    {"csv", FG_NETLOG_CSV, csv_bid, csv_parse},
    {NULL, 0, NULL, NULL},
};

const struct nl_format *nl_format_by_id(int id)
{
    for (const struct nl_format *f = nl_formats; f->name; f++)
        if ((int)f->id == id)
            return f;
    return NULL;
}

void nl_file_init(struct nl_file *f, int fmt, int year, int mtime_year, int mtime_mon)
{
    memset(f, 0, sizeof *f);
    f->fmt = fmt;
    f->sep = '\t';
    f->year = year > 0 ? year : mtime_year;
    f->mtime_mon = year > 0 ? 0 : mtime_mon;
    zeek_default(f);
}

int nl_detect(const char *buf, size_t len)
{
    int score[8] = {0};
    const char *p = buf, *e = buf + (len > FG_CAP_NL_DETECT ? FG_CAP_NL_DETECT : len);
    for (int lines = 0; p < e && lines < 32; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t n = (size_t)((nl ? nl : e) - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n)
            for (int i = 0; nl_formats[i].name; i++)
                score[i] += nl_formats[i].bid(p, n);
        if (!nl)
            break;
        p = nl + 1;
    }
    int best = -1;
    for (int i = 0; nl_formats[i].name; i++)
        if (score[i] > 0 && (best < 0 || score[i] > score[best]))
            best = i;
    return best < 0 ? 0 : (int)nl_formats[best].id;
}
