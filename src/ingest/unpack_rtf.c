/*
 * unpack_rtf.c - embedded objects of RTF documents: the hex of every \objdata destination,
 * decoded and read as an OLE1 object; its native data becomes a child named by the object's
 * class, and a Packager object ("Package") yields the file it carries, under its own name.
 *
 * Written by hand: no library in Debian extracts RTF objects.  Exploit documents bend RTF on
 * purpose (whitespace and junk inside the hex, unbalanced braces, \binN runs, groups that
 * Word skips), so this reads the way Word does rather than the way the spec says: one pass,
 * linear in the input, every count and buffer capped.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "ole_package.h"
#include "unpack.h"

/* How often (in input bytes) the time limit is checked. */
#define RTF_TICK (1u << 20)

static const char *const rtf_types[] = {"rtf", NULL};

/*
 * Destination control words (RTF 1.9.1, Office Math included).  Inside \objdata, a nested
 * group that names one of these (or starts with \*) is a destination of its own, and Word
 * leaves its text out of the object; exploit kits hide junk hex in such groups to break
 * naive extractors.  Kept in strcmp() order: looked up with bsearch().
 */
static const char *const destinations[] = {
    "aftncn", "aftnsep", "aftnsepc", "annotation", "atnauthor", "atndate", "atnicn", "atnid",
    "atnparent", "atnref", "atntime", "atrfend", "atrfstart", "author", "background",
    "bkmkend", "bkmkstart", "blipuid", "buptim", "category", "colorschememapping", "colortbl",
    "comment", "company", "creatim", "datafield", "datastore", "defchp", "defpap", "do",
    "doccomm", "docvar", "dptxbxtext", "ebcend", "ebcstart", "factoidname", "falt", "fchars",
    "ffdeftext", "ffentrymcr", "ffexitmcr", "ffformat", "ffhelptext", "ffl", "ffname",
    "ffstattext", "field", "file", "filetbl", "fldinst", "fldrslt", "fldtype", "fname",
    "fontemb", "fontfile", "fonttbl", "footer", "footerf", "footerl", "footerr", "footnote",
    "formfield", "ftncn", "ftnsep", "ftnsepc", "g", "generator", "gridtbl", "header",
    "headerf", "headerl", "headerr", "hl", "hlfr", "hlinkbase", "hlloc", "hlsrc", "hsv",
    "htmltag", "info", "keycode", "keywords", "latentstyles", "lchars", "levelnumbers",
    "leveltext", "lfolevel", "linkval", "list", "listlevel", "listname", "listoverride",
    "listoverridetable", "listpicture", "liststylename", "listtable", "listtext",
    "lsdlockedexcept", "macc", "maccPr", "mailmerge", "maln", "malnScr", "margPr", "mbar",
    "mbarPr", "mbaseJc", "mbegChr", "mborderBox", "mborderBoxPr", "mbox", "mboxPr", "mchr",
    "mcount", "mctrlPr", "md", "mdPr", "mdeg", "mdegHide", "mden", "mdiff", "me", "mendChr",
    "meqArr", "meqArrPr", "mf", "mfName", "mfPr", "mfunc", "mfuncPr", "mgroupChr",
    "mgroupChrPr", "mgrow", "mhideBot", "mhideLeft", "mhideRight", "mhideTop", "mhtmltag",
    "mlim", "mlimloc", "mlimlow", "mlimlowPr", "mlimupp", "mlimuppPr", "mm", "mmPr",
    "mmaddfieldname", "mmath", "mmathPict", "mmathPr", "mmaxdist", "mmc", "mmcJc", "mmcPr",
    "mmconnectstr", "mmconnectstrdata", "mmcs", "mmdatasource", "mmheadersource",
    "mmmailsubject", "mmodso", "mmodsofilter", "mmodsofldmpdata", "mmodsomappedname",
    "mmodsoname", "mmodsorecipdata", "mmodsosort", "mmodsosrc", "mmodsotable", "mmodsoudl",
    "mmodsoudldata", "mmodsouniquetag", "mmr", "mnary", "mnaryPr", "mnoBreak", "mnum",
    "moMath", "moMathPara", "moMathParaPr", "mobjDist", "mopEmu", "mphant", "mphantPr",
    "mplcHide", "mpos", "mr", "mrPr", "mrad", "mradPr", "msPre", "msPrePr", "msSub", "msSubPr",
    "msSubSup", "msSubSupPr", "msSup", "msSupPr", "msepChr", "mshow", "mshp", "mstrikeBLTR",
    "mstrikeH", "mstrikeTLBR", "mstrikeV", "msub", "msubHide", "msup", "msupHide", "mtransp",
    "mtype", "mvertJc", "mvfmf", "mvfml", "mvtof", "mvtol", "mzeroAsc", "mzeroDesc",
    "mzeroWid", "nesttableprops", "nextfile", "nonesttables", "nonshppict", "objalias",
    "objclass", "object", "objname", "objsect", "objtime", "oldcprops", "oldpprops",
    "oldsprops", "oldtprops", "oleclsid", "operator", "panose", "password", "passwordhash",
    "pgp", "pgptbl", "picprop", "pict", "pn", "pnseclvl", "pntext", "pntxta", "pntxtb",
    "printim", "private", "propname", "protend", "protstart", "protusertbl", "pxe", "result",
    "revtbl", "revtim", "rsidtbl", "rtf", "rxe", "shp", "shpgrp", "shpinst", "shppict",
    "shprslt", "shptxt", "sn", "sp", "staticval", "stylesheet", "subject", "sv", "svb", "tc",
    "template", "themedata", "title", "txe", "ud", "upr", "userprops", "wgrffmtfilter",
    "windowcaption", "writereservation", "writereservhash", "xe", "xform", "xmlattrname",
    "xmlattrvalue", "xmlclose", "xmlname", "xmlnstbl", "xmlopen",
};

static int word_cmp(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static int is_destination(const char *w)
{
    return bsearch(w, destinations, sizeof destinations / sizeof destinations[0],
                   sizeof destinations[0], word_cmp) != NULL;
}

/* One \objdata being collected. */
struct objdata {
    int active;
    size_t owner;     /* depth of the group that holds \objdata; closing it ends the object */
    int nibble;       /* -1, or the high half of a byte whose low half is still to come */
    int overflow;     /* more than fg_child_room(): reported once at the end */
    struct fg_buf buf;
};

struct rtf {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    const uint8_t *p;
    size_t n, i;
    size_t depth;
    uint8_t skip[FG_CAP_RTF_DEPTH]; /* per group: 1 if its text is not part of the object */
    uint8_t star[FG_CAP_RTF_DEPTH]; /* per group: \* seen, the next word is a destination */
    struct objdata od;
};

static uint8_t *group_flag(struct rtf *r, uint8_t *arr)
{
    return &arr[r->depth < FG_CAP_RTF_DEPTH ? r->depth : FG_CAP_RTF_DEPTH - 1];
}

/* ---- OLE1 and Packager ---- */

/* A u32-length-prefixed string (OLE1 LengthPrefixedAnsiString); *out stops at its NUL. */
static int ole1_string(const struct fg_view *v, size_t *off, char *out, size_t outlen)
{
    uint32_t len;
    if (fg_view_u32le(v, *off, &len))
        return -1;
    const uint8_t *s = fg_view_at(v, *off + 4, len);
    if (!s)
        return -1;
    if (out) {
        size_t k = 0;
        while (k < len && k + 1 < outlen && s[k])
            k++;
        memcpy(out, s, k);
        out[k] = 0;
    }
    *off += 4 + (size_t)len;
    return 0;
}

/*
 * OLE1 ObjectHeader: u32 OLEVersion, u32 FormatID (2 = embedded), ClassName, TopicName,
 * ItemName, then for an embedded object u32 NativeDataSize and NativeData.  Word does not
 * check the version, so neither do we.  Returns -1 when the header does not hold.
 */
static int emit_ole1(struct rtf *r, const uint8_t *d, size_t len)
{
    struct fg_view v = {d, len};
    char cls[256];
    uint32_t fmt, size;
    size_t off = 4;
    if (fg_view_u32le(&v, off, &fmt) || fmt != 2)
        return -1;
    off += 4;
    if (ole1_string(&v, &off, cls, sizeof cls) || ole1_string(&v, &off, NULL, 0) ||
        ole1_string(&v, &off, NULL, 0) || fg_view_u32le(&v, off, &size))
        return -1;
    off += 4;
    const char *name = cls[0] ? cls : "objdata";
    size_t have = len - off < size ? len - off : size;
    if (have < size)
        fg_finding_add(r->ctx, r->obj, "malformed.member", FG_SEV_LOW, 1, name,
                       "OLE1 native data is truncated: %zu of %u bytes", have, size);
    if (!strcmp(cls, "Package")) {
        int rc = fg_ole_package_emit(r->ctx, r->obj, d + off, have);
        if (rc != -1)
            return rc;
        fg_finding_add(r->ctx, r->obj, "malformed.member", FG_SEV_LOW, 1, name,
                       "Package layout does not parse; its native data is scanned whole");
    }
    return fg_emit_child(r->ctx, r->obj, name, d + off, have, NULL, 0);
}

/* ---- the \objdata destination ---- */

static void objdata_start(struct rtf *r)
{
    if (r->od.active)
        return; /* \objdata inside \objdata: keep filling the outer object */
    r->od.active = 1;
    r->od.owner = r->depth;
    r->od.nibble = -1;
    r->od.overflow = 0;
    fg_buf_init(&r->od.buf, fg_child_room(r->ctx, r->obj));
}

static void objdata_put(struct rtf *r, const uint8_t *d, size_t n)
{
    if (!r->od.overflow && fg_buf_append(&r->od.buf, d, n))
        r->od.overflow = 1;
}

static int collecting(struct rtf *r)
{
    return r->od.active && !*group_flag(r, r->skip);
}

static int objdata_end(struct rtf *r)
{
    int rc = FG_OK;
    if (!r->od.active)
        return rc;
    r->od.active = 0;
    if (r->od.overflow) {
        fg_limit_size_hit(r->ctx, r->obj, "objdata");
    } else if (r->od.buf.len) {
        rc = emit_ole1(r, r->od.buf.p, r->od.buf.len);
        if (rc == -1) /* not OLE1: signatures still get to see the bytes */
            rc = fg_emit_child(r->ctx, r->obj, "objdata", r->od.buf.p, r->od.buf.len, NULL, 0);
    }
    fg_buf_free(&r->od.buf);
    return rc;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Text inside \objdata: hex digits make bytes; anything else (spaces, line breaks, junk)
 * is skipped, as Word does. */
static void text_run(struct rtf *r)
{
    while (r->i < r->n) {
        uint8_t c = r->p[r->i];
        if (c == '{' || c == '}' || c == '\\')
            return;
        r->i++;
        int h = hexval(c);
        if (h < 0)
            continue;
        if (r->od.nibble < 0) {
            r->od.nibble = h;
        } else {
            uint8_t b = (uint8_t)(r->od.nibble << 4 | h);
            r->od.nibble = -1;
            objdata_put(r, &b, 1);
        }
    }
}

/* \binN: N raw bytes that are data, never syntax (braces in them do not count). */
static void bin_run(struct rtf *r, long n)
{
    size_t left = r->n - r->i;
    size_t take = n < 0 ? 0 : (uint64_t)n > left ? left : (size_t)n;
    if (collecting(r))
        objdata_put(r, r->p + r->i, take);
    r->i += take;
}

/* After a backslash: a control word (letters, optional signed number, optional space) or a
 * control symbol. */
static void control(struct rtf *r)
{
    char word[FG_CAP_RTF_WORD + 1];
    size_t wl = 0;
    if (r->i >= r->n)
        return;
    uint8_t c = r->p[r->i];
    if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
        r->i++;
        if (c == '*')
            *group_flag(r, r->star) = 1;
        else if (c == '\'')
            r->i += r->n - r->i < 2 ? r->n - r->i : 2; /* \'hh is a character, not hex data */
        return;
    }
    while (r->i < r->n && (((c = r->p[r->i]) | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
        if (wl < FG_CAP_RTF_WORD)
            word[wl++] = (char)c;
        r->i++;
    }
    word[wl] = 0;
    long param = -1;
    int neg = r->i < r->n && r->p[r->i] == '-';
    if (neg)
        r->i++;
    for (int k = 0; r->i < r->n && r->p[r->i] >= '0' && r->p[r->i] <= '9'; k++, r->i++)
        if (k < 10)
            param = (param < 0 ? 0 : param * 10) + (r->p[r->i] - '0');
    if (neg && param > 0)
        param = -param;
    if (r->i < r->n && r->p[r->i] == ' ')
        r->i++;

    int starred = *group_flag(r, r->star);
    *group_flag(r, r->star) = 0;
    if (!strcmp(word, "bin")) {
        bin_run(r, param);
    } else if (!strcmp(word, "objdata")) {
        objdata_start(r);
    } else if (r->od.active && r->depth > r->od.owner && (starred || is_destination(word))) {
        *group_flag(r, r->skip) = 1; /* a destination of its own inside the object */
    }
}

static void group_open(struct rtf *r)
{
    uint8_t inherited = *group_flag(r, r->skip);
    r->depth++;
    *group_flag(r, r->skip) = inherited;
    *group_flag(r, r->star) = 0;
}

static int group_close(struct rtf *r)
{
    if (r->depth == 0)
        return FG_OK; /* an extra '}': Word ignores it */
    int rc = FG_OK;
    if (r->od.active && r->depth == r->od.owner)
        rc = objdata_end(r);
    r->depth--;
    return rc;
}

static int unpack(struct fg_ctx *ctx, struct fg_obj *obj)
{
    struct rtf *r = calloc(1, sizeof *r);
    if (!r)
        return FG_ENOMEM;
    *r = (struct rtf){.ctx = ctx, .obj = obj, .p = obj->data, .n = obj->len};
    int rc = FG_OK;
    size_t tick = RTF_TICK;
    while (!rc && r->i < r->n) {
        if (r->i >= tick) {
            tick = r->i + RTF_TICK;
            if (fg_ctx_expired(ctx)) {
                rc = FG_ETIMEOUT;
                break;
            }
        }
        uint8_t c = r->p[r->i];
        if (c == '{') {
            r->i++;
            group_open(r);
        } else if (c == '}') {
            r->i++;
            rc = group_close(r);
        } else if (c == '\\') {
            r->i++;
            control(r);
        } else if (collecting(r)) {
            text_run(r);
        } else {
            /* Text outside any object: jump to the next character that matters. */
            size_t k = r->i;
            while (k < r->n && r->p[k] != '{' && r->p[k] != '}' && r->p[k] != '\\')
                k++;
            r->i = k;
        }
    }
    if (!rc && r->od.active) /* the file ends inside the object: use what is there */
        rc = objdata_end(r);
    fg_buf_free(&r->od.buf);
    free(r);
    return rc == FG_ETIMEOUT || rc == FG_ENOMEM ? rc : FG_OK;
}

const struct fg_unpacker fg_unpack_rtf = {
    .name = "rtf",
    .types = rtf_types,
    .unpack = unpack,
};
