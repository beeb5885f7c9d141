/*
 * unpack_pdf.c - PDF through libqpdf: every stream, decoded (Flate, LZW, ASCIIHex, ASCII85,
 * RunLength, in chains; object streams too), becomes a child "obj N"; a stream that a file
 * specification names (/EF) is emitted under that file name instead.  In an encrypted file
 * the decrypted text of the other objects is one more child, "objects".
 *
 * qpdf hands back a stream's data as one buffer of whatever size it decodes to, so we never
 * give it a whole filter chain: each filter is applied on its own (through a scratch stream),
 * and before it is, the size of its output is counted here without keeping it.  A stream
 * that would outgrow fg_child_room() is refused before qpdf allocates anything.
 */
#define _GNU_SOURCE
#include <qpdf/qpdf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../core/buf.h"
#include "unpack.h"

static const char *const pdf_types[] = {"pdf", NULL};

struct ref {
    int id, gen;
    int stream; /* set in the first pass */
};

struct refs {
    struct ref *v;
    size_t n, cap;
};

struct fname {
    int id, gen;
    char *name;
};

struct pdfdoc {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    qpdf_data q;
    qpdf_oh scratch; /* a stream we fill to run one filter at a time */
    struct fname *names;
    size_t nnames, capnames;
    long walk_budget;
    size_t ntop;     /* objects found by scan_refs(); object stream members come on top */
    int refs_capped; /* FG_CAP_PDF_OBJECTS objects in all: the rest were not looked at */
    /* In an encrypted file the strings of objects (a /JS action, say) are encrypted too:
     * their decrypted text is collected here and scanned as one child. */
    int encrypted;
    int objects_overflow;
    struct fg_buf objects;
};

enum stage_rc { ST_OK, ST_LIMIT, ST_FAIL, ST_TIMEOUT };

static int refs_push(struct refs *r, int id, int gen)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 256;
        struct ref *nv = realloc(r->v, nc * sizeof *nv);
        if (!nv)
            return FG_ENOMEM;
        r->v = nv;
        r->cap = nc;
    }
    r->v[r->n++] = (struct ref){id, gen, 0};
    return FG_OK;
}

static int ref_cmp(const void *a, const void *b)
{
    const struct ref *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->gen < y->gen ? -1 : x->gen > y->gen;
}

static void refs_sort_unique(struct refs *r)
{
    if (!r->n)
        return;
    qsort(r->v, r->n, sizeof *r->v, ref_cmp);
    size_t w = 1;
    for (size_t i = 1; i < r->n; i++)
        if (ref_cmp(&r->v[i], &r->v[w - 1]))
            r->v[w++] = r->v[i];
    r->n = w;
}

static int is_pdf_space(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0;
}

/* Reads a run of decimal digits that ends just before 'end'; returns its start or NULL. */
static const uint8_t *digits_before(const uint8_t *start, const uint8_t *end, long *val)
{
    const uint8_t *p = end;
    while (p > start && p[-1] >= '0' && p[-1] <= '9' && end - p < 10)
        p--;
    if (p == end || (p > start && p[-1] >= '0' && p[-1] <= '9'))
        return NULL;
    long v = 0;
    for (const uint8_t *q = p; q < end; q++)
        v = v * 10 + (*q - '0');
    *val = v;
    return p;
}

/*
 * Every "N G obj" in the file.  qpdf's C API has no way to list objects, and after xref
 * repair the trailer's /Size may not cover them all; an object stored outside an object
 * stream always starts with these tokens, wherever the xref says it is.  Text that merely
 * looks like one costs a lookup that finds nothing.
 */
static int scan_refs(struct pdfdoc *d, struct refs *r)
{
    const uint8_t *s = d->obj->data, *end = s + d->obj->len, *p = s;
    while (p < end) {
        const uint8_t *o = memmem(p, (size_t)(end - p), "obj", 3);
        if (!o)
            break;
        p = o + 3;
        const uint8_t *q = o;
        while (q > s && is_pdf_space(q[-1]))
            q--;
        long gen, id;
        const uint8_t *g = digits_before(s, q, &gen);
        if (!g || g == s || !is_pdf_space(g[-1]))
            continue;
        q = g;
        while (q > s && is_pdf_space(q[-1]))
            q--;
        const uint8_t *i = digits_before(s, q, &id);
        if (!i || id <= 0 || id > 0x7fffffffL || gen > 65535)
            continue;
        if (r->n >= FG_CAP_PDF_OBJECTS) {
            /* Repeats of one header cost nothing: only distinct objects count. */
            refs_sort_unique(r);
            if (r->n >= FG_CAP_PDF_OBJECTS / 2) {
                d->refs_capped = 1;
                break;
            }
        }
        if (refs_push(r, (int)id, (int)gen))
            return FG_ENOMEM;
    }
    refs_sort_unique(r);
    return FG_OK;
}

/* qpdf latches an error until it is read; reading it also clears it. */
/* qpdf_cleanup() prints an error nobody read to qpdf's default logger (stderr), not to ours:
 * read it first. */
static void pdf_close(qpdf_data *q)
{
    if (*q && qpdf_has_error(*q))
        (void)qpdf_get_error(*q);
    qpdf_cleanup(q);
}

static int had_error(qpdf_data q, char *why, size_t whylen)
{
    if (!qpdf_has_error(q))
        return 0;
    qpdf_error e = qpdf_get_error(q);
    if (why && whylen)
        snprintf(why, whylen, "%s", e ? qpdf_get_error_full_text(q, e) : "qpdf error");
    return 1;
}

/* Warnings pile up inside qpdf (one per damaged object); drop them as we go. */
static void drain_warnings(qpdf_data q)
{
    while (qpdf_more_warnings(q))
        (void)qpdf_next_warning(q);
}

/* qpdf says why a filter failed only in a warning; keep the last one's detail, without
 * the "error decoding stream data for object N G: " prefix (N would be our scratch). */
static void warning_detail(qpdf_data q, char *why, size_t whylen)
{
    while (qpdf_more_warnings(q)) {
        qpdf_error w = qpdf_next_warning(q);
        const char *t = w ? qpdf_get_error_message_detail(q, w) : NULL;
        if (!t)
            continue;
        const char *c = strncmp(t, "error decoding", 14) ? NULL : strstr(t, ": ");
        snprintf(why, whylen, "%s", c ? c + 2 : t);
    }
}

static int discard_log(char const *data, size_t len, void *udata)
{
    (void)data;
    (void)len;
    (void)udata;
    return 0;
}

/* A qpdf handle that never writes to stdout or stderr: library code never prints. */
static qpdf_data quiet_qpdf(void)
{
    qpdf_data q = qpdf_init();
    if (!q)
        return NULL;
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    qpdflogger_handle l = qpdflogger_create();
    if (l) {
        qpdflogger_set_info(l, qpdf_log_dest_custom, discard_log, NULL);
        qpdflogger_set_warn(l, qpdf_log_dest_custom, discard_log, NULL);
        qpdflogger_set_error(l, qpdf_log_dest_custom, discard_log, NULL);
        qpdf_set_logger(q, l);
        qpdflogger_cleanup(&l);
    }
    return q;
}

/* Reads the PDF with 'password'; returns 0, or qpdf's error code with its text in 'why'. */
static int try_open(struct pdfdoc *d, const char *password, char *why, size_t whylen)
{
    d->q = quiet_qpdf();
    if (!d->q) {
        snprintf(why, whylen, "qpdf could not be initialised");
        return qpdf_e_system;
    }
    QPDF_ERROR_CODE rc = qpdf_read_memory(d->q, "pdf", (const char *)d->obj->data,
                                          d->obj->len, password);
    if (!(rc & QPDF_ERRORS))
        return 0;
    qpdf_error e = qpdf_get_error(d->q);
    int code = e ? (int)qpdf_get_error_code(d->q, e) : (int)qpdf_e_damaged_pdf;
    snprintf(why, whylen, "%s", e ? qpdf_get_error_full_text(d->q, e) : "unreadable PDF");
    pdf_close(&d->q);
    return code ? code : qpdf_e_damaged_pdf;
}

/* Opens the document: no password (qpdf then tries the empty user password), then the
 * candidates the scan knows for this object. */
static int open_doc(struct pdfdoc *d)
{
    char why[256];
    int code = try_open(d, NULL, why, sizeof why);
    if (!code)
        return FG_OK;
    if (code != qpdf_e_password) {
        fg_ctx_set_error(d->ctx, "%s", why);
        return code == qpdf_e_unsupported ? FG_EUNSUPPORTED : FG_EFORMAT;
    }
    const char *const *pw = NULL;
    size_t npw = fg_ctx_passwords(d->ctx, d->obj, &pw);
    for (size_t i = 0; i < npw; i++) {
        if (fg_ctx_expired(d->ctx))
            return FG_ETIMEOUT;
        code = try_open(d, pw[i], why, sizeof why);
        if (!code) {
            fg_finding_add(d->ctx, d->obj, "encrypted.opened", FG_SEV_INFO, 0, NULL,
                           "encrypted PDF opened with a known password");
            return FG_OK;
        }
        if (code != qpdf_e_password)
            break;
    }
    fg_ctx_encrypted(d->ctx, d->obj, "pdf", "a user password is required");
    return FG_EENCRYPTED;
}

/* ---- counting what a filter would produce, without keeping it ---- */

static uint64_t count_flate(const uint8_t *in, size_t len, uint64_t room)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return room; /* cannot tell: refuse rather than risk it */
    uint8_t out[16384];
    uint64_t total = 0;
    z.next_in = (Bytef *)in;
    int rc = Z_OK;
    size_t left = len;
    while (rc == Z_OK && total < room) {
        if (z.avail_in == 0) {
            if (!left)
                break;
            z.avail_in = left > 0x40000000u ? 0x40000000u : (uInt)left;
            left -= z.avail_in;
        }
        z.next_out = out;
        z.avail_out = sizeof out;
        rc = inflate(&z, Z_NO_FLUSH);
        total += sizeof out - z.avail_out;
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && left)
            rc = Z_OK; /* needs the next slice of input */
    }
    inflateEnd(&z);
    return total;
}

/* LZW as PDF uses it: 9..12-bit codes, 256 clears, 257 ends, code width grows one code
 * early unless /EarlyChange is 0.  Only entry lengths are tracked. */
static uint64_t count_lzw(const uint8_t *in, size_t len, int early, uint64_t room)
{
    static const unsigned grow[] = {511, 1023, 2047};
    uint16_t *elen = calloc(4096, sizeof *elen);
    if (!elen)
        return room;
    uint64_t total = 0, bits = 0;
    unsigned width = 9, next = 258, prev = 256;
    size_t pos = 0;
    int nbits = 0;
    while (total < room) {
        while (nbits < (int)width && pos < len) {
            bits = (bits << 8) | in[pos++];
            nbits += 8;
        }
        if (nbits < (int)width)
            break;
        unsigned code = (unsigned)(bits >> (nbits - (int)width)) & ((1u << width) - 1);
        nbits -= (int)width;
        if (code == 257)
            break;
        if (code == 256) {
            next = 258;
            width = 9;
            prev = 256;
            continue;
        }
        unsigned clen;
        if (code < 256)
            clen = 1;
        else if (code < next)
            clen = elen[code];
        else if (code == next && prev != 256)
            clen = (prev < 256 ? 1u : elen[prev]) + 1;
        else
            break; /* qpdf stops here too */
        if (prev != 256) {
            if (next == 4096)
                break;
            elen[next] = (uint16_t)((prev < 256 ? 1u : elen[prev]) + 1);
            for (size_t i = 0; i < 3; i++)
                if (next + (early ? 1u : 0u) == grow[i])
                    width++;
            next++;
        }
        total += clen;
        prev = code;
    }
    free(elen);
    return total;
}

static uint64_t count_ahx(const uint8_t *in, size_t len)
{
    uint64_t digits = 0;
    for (size_t i = 0; i < len && in[i] != '>'; i++)
        if ((in[i] >= '0' && in[i] <= '9') || ((in[i] | 0x20) >= 'a' && (in[i] | 0x20) <= 'f'))
            digits++;
    return (digits + 1) / 2;
}

static uint64_t count_a85(const uint8_t *in, size_t len)
{
    uint64_t total = 0, group = 0;
    for (size_t i = 0; i < len && in[i] != '~'; i++) {
        if (in[i] == 'z')
            total += 4;
        else if (in[i] >= '!' && in[i] <= 'u' && ++group == 5) {
            total += 4;
            group = 0;
        }
    }
    return total + (group ? group - 1 : 0);
}

static uint64_t count_rl(const uint8_t *in, size_t len)
{
    uint64_t total = 0;
    size_t i = 0;
    while (i < len && in[i] != 128) {
        if (in[i] < 128) {
            total += (uint64_t)in[i] + 1;
            i += (size_t)in[i] + 2;
        } else {
            total += 257u - in[i];
            i += 2;
        }
    }
    return total;
}

enum fkind { F_FLATE, F_LZW, F_AHX, F_A85, F_RL, F_CRYPT, F_IMAGE, F_UNKNOWN };

static enum fkind filter_kind(const char *n)
{
    static const struct {
        const char *name;
        enum fkind kind;
    } map[] = {
        {"/FlateDecode", F_FLATE},   {"/Fl", F_FLATE},         {"/LZWDecode", F_LZW},
        {"/LZW", F_LZW},             {"/ASCIIHexDecode", F_AHX}, {"/AHx", F_AHX},
        {"/ASCII85Decode", F_A85},   {"/A85", F_A85},          {"/RunLengthDecode", F_RL},
        {"/RL", F_RL},               {"/Crypt", F_CRYPT},      {"/DCTDecode", F_IMAGE},
        {"/DCT", F_IMAGE},           {"/JPXDecode", F_IMAGE},  {"/JBIG2Decode", F_IMAGE},
        {"/CCITTFaxDecode", F_IMAGE}, {"/CCF", F_IMAGE},
    };
    for (size_t i = 0; n && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(n, map[i].name))
            return map[i].kind;
    return F_UNKNOWN;
}

static int early_change(qpdf_data q, qpdf_oh parms)
{
    int early = 1;
    if (qpdf_oh_is_dictionary(q, parms)) {
        qpdf_oh e = qpdf_oh_get_key(q, parms, "/EarlyChange");
        if (qpdf_oh_is_integer(q, e))
            early = qpdf_oh_get_int_value_as_int(q, e) != 0;
        qpdf_oh_release(q, e);
    }
    return early;
}

/* ---- decoding one stream ---- */

struct chain {
    qpdf_oh filter[FG_CAP_PDF_FILTERS];
    qpdf_oh parms[FG_CAP_PDF_FILTERS];
    int n;
};

/* The stream's /Filter and /DecodeParms as parallel lists (handles released by the caller). */
static int get_chain(qpdf_data q, qpdf_oh dict, struct chain *c, char *why, size_t whylen)
{
    qpdf_oh f = qpdf_oh_get_key(q, dict, "/Filter");
    qpdf_oh p = qpdf_oh_get_key(q, dict, "/DecodeParms");
    int rc = 0;
    c->n = 0;
    if (qpdf_oh_is_name(q, f)) {
        c->filter[0] = qpdf_oh_new_object(q, f);
        c->parms[0] = qpdf_oh_is_array(q, p) ? qpdf_oh_get_array_item(q, p, 0)
                                              : qpdf_oh_new_object(q, p);
        c->n = 1;
    } else if (qpdf_oh_is_array(q, f)) {
        int n = qpdf_oh_get_array_n_items(q, f);
        if (n > FG_CAP_PDF_FILTERS) {
            snprintf(why, whylen, "%d filters in one chain", n);
            rc = -1;
            n = 0;
        }
        for (int i = 0; i < n; i++) {
            c->filter[i] = qpdf_oh_get_array_item(q, f, i);
            c->parms[i] = qpdf_oh_is_array(q, p) ? qpdf_oh_get_array_item(q, p, i)
                                                  : qpdf_oh_new_null(q);
            c->n++;
        }
    } else if (!qpdf_oh_is_null(q, f)) {
        snprintf(why, whylen, "/Filter is neither a name nor an array");
        rc = -1;
    }
    qpdf_oh_release(q, f);
    qpdf_oh_release(q, p);
    return rc;
}

static void chain_release(qpdf_data q, struct chain *c)
{
    for (int i = 0; i < c->n; i++) {
        qpdf_oh_release(q, c->filter[i]);
        qpdf_oh_release(q, c->parms[i]);
    }
    c->n = 0;
}

/* Runs one filter on *buf through the scratch stream; *buf is replaced. */
static enum stage_rc run_filter(struct pdfdoc *d, qpdf_oh filter, qpdf_oh parms,
                                enum fkind kind, uint8_t **buf, size_t *len, uint64_t room,
                                char *why, size_t whylen)
{
    uint64_t out;
    switch (kind) {
    case F_FLATE: out = count_flate(*buf, *len, room); break;
    case F_LZW: out = count_lzw(*buf, *len, early_change(d->q, parms), room); break;
    case F_AHX: out = count_ahx(*buf, *len); break;
    case F_A85: out = count_a85(*buf, *len); break;
    default: out = count_rl(*buf, *len); break;
    }
    if (out >= room)
        return ST_LIMIT;
    qpdf_oh_replace_stream_data(d->q, d->scratch, *buf, *len, filter, parms);
    free(*buf);
    *buf = NULL;
    *len = 0;
    if (had_error(d->q, why, whylen))
        return ST_FAIL;
    QPDF_BOOL filtered = QPDF_FALSE;
    unsigned char *res = NULL;
    size_t rlen = 0;
    QPDF_ERROR_CODE rc = qpdf_oh_get_stream_data(d->q, d->scratch, qpdf_dl_specialized,
                                                 &filtered, &res, &rlen);
    int err = had_error(d->q, why, whylen);
    if ((rc & QPDF_ERRORS) || err) {
        warning_detail(d->q, why, whylen);
        free(res);
        return ST_FAIL;
    }
    if (!filtered) {
        free(res);
        snprintf(why, whylen, "qpdf cannot apply this filter with these parameters");
        return ST_FAIL;
    }
    *buf = res;
    *len = rlen;
    return rlen >= room ? ST_LIMIT : ST_OK;
}

/*
 * The stream's data with every filter we can undo undone.  Decoding stops without error at
 * an image filter (DCT, JPX, JBIG2, CCITT: their bytes are what the file carries).  On
 * ST_FAIL 'why' says what went wrong; *buf is set only on ST_OK.
 */
static enum stage_rc decode_stream(struct pdfdoc *d, qpdf_oh h, uint64_t room, uint8_t **buf,
                                   size_t *len, int *image, char *why, size_t whylen)
{
    *image = 0;
    *buf = NULL;
    *len = 0;
    why[0] = 0;
    unsigned char *raw = NULL;
    size_t rawlen = 0;
    /* qpdf_dl_none: decrypted, nothing decoded; never larger than the file. */
    QPDF_ERROR_CODE rc = qpdf_oh_get_stream_data(d->q, h, qpdf_dl_none, NULL, &raw, &rawlen);
    if ((rc & QPDF_ERRORS) || had_error(d->q, why, whylen)) {
        if (!why[0])
            snprintf(why, whylen, "stream data unreadable");
        free(raw);
        return ST_FAIL;
    }
    if (rawlen >= room) {
        free(raw);
        return ST_LIMIT;
    }
    *buf = raw;
    *len = rawlen;
    qpdf_oh dict = qpdf_oh_get_dict(d->q, h);
    struct chain c;
    enum stage_rc st = get_chain(d->q, dict, &c, why, whylen) ? ST_FAIL : ST_OK;
    qpdf_oh_release(d->q, dict);
    for (int i = 0; st == ST_OK && i < c.n; i++) {
        /* qpdf reuses the buffer of a returned name on its next call: copy it. */
        char fl[64] = "(not a name)";
        if (qpdf_oh_is_name(d->q, c.filter[i]))
            snprintf(fl, sizeof fl, "%s", qpdf_oh_get_name(d->q, c.filter[i]));
        enum fkind k = filter_kind(fl);
        if (k == F_CRYPT)
            continue; /* qpdf already decrypted the stream */
        if (k == F_IMAGE) {
            *image = 1;
            break;
        }
        if (k == F_UNKNOWN) {
            snprintf(why, whylen, "unsupported filter %s", fl);
            st = ST_FAIL;
            break;
        }
        st = run_filter(d, c.filter[i], c.parms[i], k, buf, len, room, why, whylen);
        if (st == ST_FAIL) {
            /* Name the filter that failed: "/FlateDecode: inflate: ..." */
            char detail[200];
            snprintf(detail, sizeof detail, "%s", why);
            snprintf(why, whylen, "%s: %s", fl, detail);
        }
        if (fg_ctx_expired(d->ctx))
            st = ST_TIMEOUT;
    }
    chain_release(d->q, &c);
    /* Let go of the scratch stream's copy of the last input. */
    qpdf_oh nul = qpdf_oh_new_null(d->q);
    qpdf_oh_replace_stream_data(d->q, d->scratch, (const unsigned char *)"", 0, nul, nul);
    qpdf_oh_release(d->q, nul);
    had_error(d->q, NULL, 0);
    if (st != ST_OK) {
        free(*buf);
        *buf = NULL;
        *len = 0;
    }
    return st;
}

/* ---- file specifications: which stream is which embedded file ---- */

static char *string_value(qpdf_data q, qpdf_oh dict, const char *key)
{
    qpdf_oh v = qpdf_oh_get_key(q, dict, key);
    char *s = NULL;
    const char *val = NULL;
    size_t len = 0;
    if (qpdf_oh_is_string(q, v) && qpdf_oh_get_value_as_utf8(q, v, &val, &len) && val && len)
        s = strndup(val, len); /* a name stops at its first NUL */
    qpdf_oh_release(q, v);
    return s;
}

static int add_name(struct pdfdoc *d, int id, int gen, const char *name)
{
    if (d->nnames == d->capnames) {
        size_t nc = d->capnames ? d->capnames * 2 : 16;
        struct fname *nv = realloc(d->names, nc * sizeof *nv);
        if (!nv)
            return FG_ENOMEM;
        d->names = nv;
        d->capnames = nc;
    }
    char *copy = strdup(name);
    if (!copy)
        return FG_ENOMEM;
    d->names[d->nnames++] = (struct fname){id, gen, copy};
    return FG_OK;
}

/* A dictionary with /EF: its /UF (Unicode) or /F name goes to every stream /EF points at. */
static int note_filespec(struct pdfdoc *d, qpdf_oh spec)
{
    static const char *const keys[] = {"/UF", "/F", "/DOS", "/Mac", "/Unix"};
    qpdf_data q = d->q;
    qpdf_oh ef = qpdf_oh_get_key(q, spec, "/EF");
    int rc = FG_OK;
    if (!qpdf_oh_is_dictionary(q, ef))
        goto out;
    char *name = NULL;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !name; i++)
        name = string_value(q, spec, keys[i]);
    for (size_t i = 0; name && i < sizeof keys / sizeof keys[0] && !rc; i++) {
        qpdf_oh s = qpdf_oh_get_key(q, ef, keys[i]);
        /* Only note the reference: resolving it here could make qpdf decode an object
         * stream we have not sized yet. */
        if (qpdf_oh_is_indirect(q, s))
            rc = add_name(d, qpdf_oh_get_object_id(q, s), qpdf_oh_get_generation(q, s), name);
        qpdf_oh_release(q, s);
    }
    free(name);
out:
    qpdf_oh_release(q, ef);
    had_error(q, NULL, 0);
    return rc;
}

static int walk(struct pdfdoc *d, qpdf_oh h, int depth);

static int walk_dict(struct pdfdoc *d, qpdf_oh h, int depth)
{
    qpdf_data q = d->q;
    int rc = qpdf_oh_has_key(q, h, "/EF") ? note_filespec(d, h) : FG_OK;
    /* Key iteration is one-at-a-time per qpdf handle: copy the keys before recursing. */
    size_t n = 0, cap = 0;
    char **keys = NULL;
    qpdf_oh_begin_dict_key_iter(q, h);
    while (!rc && qpdf_oh_dict_more_keys(q)) {
        const char *k = qpdf_oh_dict_next_key(q);
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nk = realloc(keys, nc * sizeof *nk);
            if (!nk) {
                rc = FG_ENOMEM;
                break;
            }
            keys = nk;
            cap = nc;
        }
        if (!(keys[n] = strdup(k ? k : ""))) {
            rc = FG_ENOMEM;
            break;
        }
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        if (!rc) {
            qpdf_oh v = qpdf_oh_get_key(q, h, keys[i]);
            if (!qpdf_oh_is_indirect(q, v))
                rc = walk(d, v, depth + 1);
            qpdf_oh_release(q, v);
        }
        free(keys[i]);
    }
    free(keys);
    return rc;
}

/* Looks through an object's direct parts (not following references) for file specs:
 * they may be objects of their own, or sit inside a /Names array or an annotation. */
static int walk(struct pdfdoc *d, qpdf_oh h, int depth)
{
    qpdf_data q = d->q;
    if (depth > FG_CAP_PDF_WALK_DEPTH || d->walk_budget <= 0)
        return FG_OK;
    if ((--d->walk_budget & 1023) == 0 && fg_ctx_expired(d->ctx))
        return FG_ETIMEOUT;
    int rc = FG_OK;
    if (qpdf_oh_is_dictionary(q, h)) {
        rc = walk_dict(d, h, depth);
    } else if (qpdf_oh_is_array(q, h)) {
        int n = qpdf_oh_get_array_n_items(q, h);
        for (int i = 0; i < n && !rc; i++) {
            qpdf_oh v = qpdf_oh_get_array_item(q, h, i);
            if (!qpdf_oh_is_indirect(q, v))
                rc = walk(d, v, depth + 1);
            qpdf_oh_release(q, v);
        }
    }
    had_error(q, NULL, 0);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    const struct fname *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->gen < y->gen ? -1 : x->gen > y->gen;
}

static const char *name_of(struct pdfdoc *d, int id, int gen)
{
    struct fname key = {id, gen, NULL};
    struct fname *f = d->nnames ? bsearch(&key, d->names, d->nnames, sizeof key, name_cmp) : NULL;
    return f ? f->name : NULL;
}

/* ---- the two passes ---- */

/* Object numbers an object stream holds, from its header of "number offset" pairs. */
static int objstm_members(struct pdfdoc *d, qpdf_oh h, struct refs *members)
{
    qpdf_data q = d->q;
    qpdf_oh dict = qpdf_oh_get_dict(q, h);
    qpdf_oh type = qpdf_oh_get_key(q, dict, "/Type");
    qpdf_oh count = qpdf_oh_get_key(q, dict, "/N");
    int is_objstm = qpdf_oh_is_name_and_equals(q, type, "/ObjStm");
    long long n = qpdf_oh_is_integer(q, count) ? qpdf_oh_get_int_value(q, count) : 0;
    qpdf_oh_release(q, count);
    qpdf_oh_release(q, type);
    qpdf_oh_release(q, dict);
    if (!is_objstm || n <= 0)
        return FG_OK;
    uint8_t *buf;
    size_t len;
    int image;
    char why[256];
    /* An object stream too large to decode here is never opened: qpdf would decode it
     * without a cap as soon as one of its members was asked for. */
    enum stage_rc st = decode_stream(d, h, fg_child_room(d->ctx, d->obj), &buf, &len, &image,
                                     why, sizeof why);
    int rc = st == ST_TIMEOUT ? FG_ETIMEOUT : FG_OK;
    for (size_t i = 0; st == ST_OK && i < len && n-- > 0 && !rc;) {
        if (d->ntop + members->n >= FG_CAP_PDF_OBJECTS) {
            d->refs_capped = 1;
            break;
        }
        long v[2] = {-1, -1};
        for (int k = 0; k < 2; k++) {
            while (i < len && is_pdf_space(buf[i]))
                i++;
            if (i >= len || buf[i] < '0' || buf[i] > '9')
                break;
            v[k] = 0;
            while (i < len && buf[i] >= '0' && buf[i] <= '9' && v[k] < 0x7fffffffL)
                v[k] = v[k] * 10 + (buf[i++] - '0');
        }
        if (v[0] <= 0 || v[1] < 0 || v[0] > 0x7fffffffL)
            break;
        rc = refs_push(members, (int)v[0], 0);
    }
    free(buf);
    return rc;
}

/* Appends "N G obj <decrypted object> endobj" to the text of an encrypted file's objects. */
static void keep_decrypted(struct pdfdoc *d, const struct ref *r, qpdf_oh h)
{
    if (!d->encrypted || d->objects_overflow || qpdf_oh_is_null(d->q, h))
        return;
    char head[48];
    int hl = snprintf(head, sizeof head, "%d %d obj\n", r->id, r->gen);
    const char *text = qpdf_oh_unparse_resolved(d->q, h);
    size_t tl = text ? qpdf_get_last_string_length(d->q) : 0;
    if (fg_buf_append(&d->objects, head, (size_t)hl) ||
        (tl && fg_buf_append(&d->objects, text, tl)) ||
        fg_buf_append(&d->objects, "\nendobj\n", 8))
        d->objects_overflow = 1;
}

/* First pass over one object: is it a stream, what does it hold, what file specs. */
static int survey(struct pdfdoc *d, struct ref *r, struct refs *members)
{
    qpdf_data q = d->q;
    qpdf_oh h = qpdf_get_object_by_id(q, r->id, r->gen);
    int rc = FG_OK;
    if (qpdf_oh_is_stream(q, h)) {
        r->stream = 1;
        if (members)
            rc = objstm_members(d, h, members);
        qpdf_oh dict = qpdf_oh_get_dict(q, h);
        if (!rc)
            rc = walk(d, dict, 0);
        keep_decrypted(d, r, dict);
        qpdf_oh_release(q, dict);
    } else {
        rc = walk(d, h, 0);
        keep_decrypted(d, r, h);
    }
    qpdf_oh_release(q, h);
    had_error(q, NULL, 0);
    drain_warnings(q);
    return rc;
}

/* Object stream members are dictionaries, arrays and the like, never streams: they are
 * only looked through for file specifications.  Those already known are skipped. */
static int survey_members(struct pdfdoc *d, struct refs *top, struct refs *members)
{
    refs_sort_unique(members);
    for (size_t i = 0; i < members->n; i++) {
        if (bsearch(&members->v[i], top->v, top->n, sizeof *top->v, ref_cmp))
            continue;
        if (fg_ctx_expired(d->ctx))
            return FG_ETIMEOUT;
        int rc = survey(d, &members->v[i], NULL);
        if (rc)
            return rc;
    }
    return FG_OK;
}

static int emit_stream(struct pdfdoc *d, const struct ref *r)
{
    qpdf_data q = d->q;
    char objname[48], why[256];
    if (r->gen)
        snprintf(objname, sizeof objname, "obj %d %d", r->id, r->gen);
    else
        snprintf(objname, sizeof objname, "obj %d", r->id);
    const char *fname = name_of(d, r->id, r->gen);
    const char *name = fname ? fname : objname;
    qpdf_oh h = qpdf_get_object_by_id(q, r->id, r->gen);
    uint8_t *buf;
    size_t len;
    int image;
    enum stage_rc st = decode_stream(d, h, fg_child_room(d->ctx, d->obj), &buf, &len, &image,
                                     why, sizeof why);
    qpdf_oh_release(q, h);
    drain_warnings(q);
    int rc = FG_OK;
    switch (st) {
    case ST_LIMIT: fg_limit_size_hit(d->ctx, d->obj, name); break;
    case ST_TIMEOUT: rc = FG_ETIMEOUT; break;
    case ST_FAIL:
        fg_finding_add(d->ctx, d->obj, "malformed.member", FG_SEV_LOW, 1, name,
                       "stream %d %d could not be decoded: %s", r->id, r->gen, why);
        break;
    case ST_OK: /* an empty stream is no object worth a line in the result */
        /* Image streams are most of a PDF's streams; what they declare spares libmagic. */
        rc = !len ? FG_OK
             : image ? fg_emit_child(d->ctx, d->obj, name, buf, len, "image", FG_CHILD_TYPE_FALLBACK)
                     : fg_emit_child(d->ctx, d->obj, name, buf, len, NULL, 0);
        break;
    }
    free(buf);
    return rc;
}

static int run(struct pdfdoc *d)
{
    struct refs top = {0}, members = {0};
    int rc = scan_refs(d, &top);
    d->ntop = top.n;
    for (size_t i = 0; !rc && i < top.n; i++) {
        if (fg_ctx_expired(d->ctx))
            rc = FG_ETIMEOUT;
        else
            rc = survey(d, &top.v[i], &members);
    }
    if (!rc)
        rc = survey_members(d, &top, &members);
    if (!rc && d->nnames)
        qsort(d->names, d->nnames, sizeof *d->names, name_cmp);
    if (!rc && d->objects_overflow)
        fg_limit_size_hit(d->ctx, d->obj, "objects");
    else if (!rc && d->objects.len)
        rc = fg_emit_child(d->ctx, d->obj, "objects", d->objects.p, d->objects.len, NULL, 0);
    fg_buf_free(&d->objects);
    for (size_t i = 0; !rc && i < top.n; i++) {
        if (!top.v[i].stream)
            continue;
        rc = fg_ctx_expired(d->ctx) ? FG_ETIMEOUT : emit_stream(d, &top.v[i]);
    }
    if (!rc && d->refs_capped)
        fg_finding_add(d->ctx, d->obj, "limit.objects", FG_SEV_LOW, 1, NULL,
                       "more than %u PDF objects; the rest were not examined",
                       FG_CAP_PDF_OBJECTS / 2);
    free(top.v);
    free(members.v);
    return rc;
}

static int unpack(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct pdfdoc d = {.ctx = ctx, .obj = obj, .walk_budget = FG_CAP_PDF_WALK};
    int rc = open_doc(&d);
    if (rc)
        return rc;
    d.scratch = qpdf_oh_new_stream(d.q);
    if (had_error(d.q, NULL, 0)) {
        fg_ctx_set_error(ctx, "qpdf could not create a work stream");
        rc = FG_EINTERNAL;
    } else {
        d.encrypted = qpdf_is_encrypted(d.q);
        fg_buf_init(&d.objects, fg_child_room(ctx, obj));
        rc = run(&d);
        fg_buf_free(&d.objects);
    }
    for (size_t i = 0; i < d.nnames; i++)
        free(d.names[i].name);
    free(d.names);
    pdf_close(&d.q);
    return rc;
}

const struct fg_unpacker fg_unpack_pdf = {
    .name = "pdf",
    .types = pdf_types,
    .unpack = unpack,
};
