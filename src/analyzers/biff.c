/*
 * biff.c - Excel's binary records (BIFF5/8 in OLE streams, BIFF12 in .xlsb parts) and the
 * parsed formulas inside them, read with bounds checks.  Formulas are rendered back into
 * text (EXEC("cmd /c ...")) so that a finding shows what a macro cell does; the renderer
 * keeps a small operand stack, folds CHAR(n) and "a"&"b" into literals, and stops at the
 * first token it does not know.  Written from [MS-XLS] and [MS-XLSB].
 */
#define _GNU_SOURCE
#include "biff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- BIFF5/8 records ---- */

void fg_biff_iter_init(struct fg_biff_iter *it, const uint8_t *d, size_t len)
{
    it->v.p = d;
    it->v.len = len;
    it->pos = 0;
    it->count = 0;
    fg_buf_init(&it->joined, FG_CAP_XLM_RECORD);
}

void fg_biff_iter_free(struct fg_biff_iter *it) { fg_buf_free(&it->joined); }

int fg_biff_next(struct fg_biff_iter *it, struct fg_biff_rec *r)
{
    uint16_t type, len;
    if (it->count >= FG_CAP_XLM_RECORDS || fg_view_u16le(&it->v, it->pos, &type) ||
        fg_view_u16le(&it->v, it->pos + 2, &len))
        return 0;
    const uint8_t *body = fg_view_at(&it->v, it->pos + 4, len);
    if (!body)
        return 0;
    it->count++;
    r->type = type;
    r->off = it->pos;
    r->p = body;
    r->len = len;
    it->pos += 4 + (size_t)len;
    /* CONTINUE parts belong to the record before them; a CONTINUE after a record we join
     * is consumed here, so a stray one at the start of the stream reads as its own. */
    uint16_t nt, nl;
    int joined = 0;
    while (!fg_view_u16le(&it->v, it->pos, &nt) && nt == FG_BIFF_CONTINUE &&
           !fg_view_u16le(&it->v, it->pos + 2, &nl)) {
        const uint8_t *more = fg_view_at(&it->v, it->pos + 4, nl);
        if (!more)
            break;
        if (!joined) {
            it->joined.len = 0;
            if (fg_buf_append(&it->joined, body, len))
                break;
            joined = 1;
        }
        it->pos += 4 + (size_t)nl;
        it->count++;
        if (fg_buf_append(&it->joined, more, nl))
            break; /* over the cap: the record is read as far as it was joined */
    }
    if (joined) {
        r->p = it->joined.p;
        r->len = it->joined.len;
    }
    return 1;
}

int fg_biff_stream_version(const uint8_t *d, size_t len)
{
    /* BOF: type 0x0809, then vers (0x0500 BIFF5/7, 0x0600 BIFF8) and dt (5 = globals). */
    if (len < 8 || d[0] != 0x09 || d[1] != 0x08)
        return 0;
    unsigned blen = d[2] | d[3] << 8, vers = d[4] | d[5] << 8, dt = d[6] | d[7] << 8;
    if (blen < 4 || dt != 0x0005)
        return 0;
    return vers == 0x0600 ? FG_BIFF8 : vers == 0x0500 ? FG_BIFF5 : 0;
}

/* ---- BIFF12 records ---- */

static int rd_7bit(const uint8_t *d, size_t len, size_t *pos, unsigned maxbytes, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < maxbytes; i++) {
        if (*pos >= len)
            return 0;
        uint8_t b = d[(*pos)++];
        v |= (uint32_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80))
            break;
    }
    *out = v;
    return 1;
}

int fg_biff12_next(const uint8_t *d, size_t len, size_t *pos, uint32_t *type,
                   const uint8_t **body, uint32_t *size)
{
    size_t p = *pos;
    uint32_t t, s;
    if (!rd_7bit(d, len, &p, 2, &t) || !rd_7bit(d, len, &p, 4, &s) || s > len - p)
        return 0;
    *type = t;
    *size = s;
    *body = d + p;
    *pos = p + s;
    return 1;
}

/* ---- functions ([MS-XLS] 2.5.198.17 Ftab, 2.5.198.? Cetab) ---- */

struct func {
    uint16_t id;
    int8_t argc; /* fixed operand count for ptgFunc; -1 when variable */
    const char *name;
};

/* The worksheet functions common in formulas, and every macro function and command that
 * matters to the judgement; an id missing here renders as _F<id>(...). */
static const struct func funcs[] = {
    {0, -1, "COUNT"}, {1, -1, "IF"}, {2, 1, "ISNA"}, {3, 1, "ISERROR"}, {4, -1, "SUM"},
    {5, -1, "AVERAGE"}, {6, -1, "MIN"}, {7, -1, "MAX"}, {8, -1, "ROW"}, {9, -1, "COLUMN"},
    {10, 0, "NA"}, {19, 0, "PI"}, {20, 1, "SQRT"}, {24, 1, "ABS"}, {25, 1, "INT"},
    {27, 2, "ROUND"}, {29, -1, "INDEX"}, {30, 2, "REPT"}, {31, 3, "MID"}, {32, 1, "LEN"},
    {33, 1, "VALUE"}, {34, 0, "TRUE"}, {35, 0, "FALSE"}, {36, -1, "AND"}, {37, -1, "OR"},
    {38, 1, "NOT"}, {39, 2, "MOD"}, {48, 2, "TEXT"}, {53, 1, "GOTO"}, {54, -1, "HALT"},
    {55, -1, "RETURN"}, {63, 0, "RAND"}, {65, 3, "DATE"}, {66, 3, "TIME"}, {67, 1, "DAY"},
    {68, 1, "MONTH"}, {69, 1, "YEAR"}, {74, 0, "NOW"}, {78, -1, "OFFSET"}, {79, 2, "ABSREF"},
    {82, -1, "SEARCH"}, {86, 1, "TYPE"}, {87, -1, "ECHO"}, {88, -1, "SET.NAME"},
    {89, 0, "CALLER"}, {90, 1, "DEREF"}, {94, 0, "ACTIVE.CELL"}, {95, 0, "SELECTION"},
    {100, -1, "CHOOSE"}, {101, -1, "HLOOKUP"}, {102, -1, "VLOOKUP"}, {104, -1, "INPUT"},
    {105, 1, "ISREF"}, {106, 1, "GET.FORMULA"}, {107, -1, "GET.NAME"}, {108, 2, "SET.VALUE"},
    {110, -1, "EXEC"}, {111, 1, "CHAR"}, {112, 1, "LOWER"}, {113, 1, "UPPER"},
    {115, -1, "LEFT"}, {116, -1, "RIGHT"}, {117, 2, "EXACT"}, {118, 1, "TRIM"},
    {119, 4, "REPLACE"}, {120, -1, "SUBSTITUTE"}, {121, 1, "CODE"}, {123, -1, "DIRECTORY"},
    {124, -1, "FIND"}, {125, -1, "CELL"}, {126, 1, "ISERR"}, {127, 1, "ISTEXT"},
    {128, 1, "ISNUMBER"}, {129, 1, "ISBLANK"}, {130, 1, "T"}, {131, 1, "N"},
    {132, -1, "FOPEN"}, {133, 1, "FCLOSE"}, {134, 1, "FSIZE"}, {135, 1, "FREADLN"},
    {136, 2, "FREAD"}, {137, 2, "FWRITELN"}, {138, 2, "FWRITE"}, {139, -1, "FPOS"},
    {148, -1, "INDIRECT"}, {149, -1, "REGISTER"}, {150, -1, "CALL"}, {161, 1, "DIALOG.BOX"},
    {166, -1, "FILES"}, {169, -1, "COUNTA"}, {171, -1, "FOR"}, {172, 1, "WHILE"},
    {173, 0, "BREAK"}, {174, 0, "NEXT"}, {175, 2, "INITIATE"}, {176, 2, "REQUEST"},
    {177, 3, "POKE"}, {178, 2, "EXECUTE"}, {179, 1, "TERMINATE"}, {185, -1, "GET.CELL"},
    {186, 1, "GET.WORKSPACE"}, {187, -1, "GET.WINDOW"}, {188, -1, "GET.DOCUMENT"},
    {201, -1, "UNREGISTER"}, {223, 0, "ELSE"}, {224, 1, "ELSE.IF"}, {225, 0, "END.IF"},
    {226, -1, "FOR.CELL"}, {236, -1, "CREATE.OBJECT"}, {244, 1, "INFO"}, {248, -1, "PAUSE"},
    {257, 1, "EVALUATE"}, {267, -1, "REGISTER.ID"}, {268, -1, "GET.WORKBOOK"},
    {336, -1, "CONCATENATE"},
    /* commands */
    {0x8000, -1, "BEEP"}, {0x8001, -1, "OPEN"}, {0x8004, -1, "SAVE"}, {0x8005, -1, "SAVE.AS"},
    {0x8006, -1, "FILE.DELETE"}, {0x800A, -1, "QUIT"}, {0x8010, -1, "CLOSE"},
    {0x8011, -1, "RUN"}, {0x803D, -1, "DEFINE.NAME"}, {0x805D, -1, "HIDE"},
    {0x805E, -1, "UNHIDE"}, {0x8060, -1, "FORMULA"}, {0x8061, -1, "FORMULA.FILL"},
    {0x8062, -1, "FORMULA.ARRAY"}, {0x8067, -1, "ACTIVATE"}, {0x806D, -1, "SELECT"},
    {0x806E, -1, "DELETE.NAME"}, {0x8076, -1, "ALERT"}, {0x807A, -1, "MESSAGE"},
    {0x807D, -1, "APP.ACTIVATE"}, {0x8083, -1, "SEND.KEYS"}, {0x8090, -1, "FILE.CLOSE"},
    {0x8094, -1, "ON.TIME"}, {0x8095, -1, "WAIT"}, {0x80A4, -1, "WINDOW.MAXIMIZE"},
    {0x80A8, -1, "ON.KEY"}, {0x80AC, -1, "APP.MINIMIZE"}, {0x80AD, -1, "APP.MAXIMIZE"},
    {0x80E3, -1, "ON.RECALC"}, {0x8117, -1, "ON.DOUBLECLICK"}, {0x8118, -1, "ON.ENTRY"},
    {0x817F, -1, "WORKBOOK.HIDE"}, {0x8180, -1, "WORKBOOK.UNHIDE"},
    {0x81C8, -1, "SAVE.COPY.AS"}, {0x81D7, -1, "ON.SHEET"},
};

static const struct func *func_of(unsigned id)
{
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        if (funcs[i].id == id)
            return &funcs[i];
    return NULL;
}

const char *fg_xlm_func_name(unsigned id)
{
    const struct func *f = func_of(id);
    return f ? f->name : NULL;
}

int fg_xlm_func_id(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        if (strlen(funcs[i].name) == n && !strncasecmp(funcs[i].name, name, n))
            return funcs[i].id;
    return -1;
}

void fg_xlm_cell_name(uint32_t row, uint32_t col, char *out, size_t cap)
{
    char letters[8];
    size_t n = 0;
    uint32_t c = col + 1;
    while (c && n < sizeof letters) {
        letters[n++] = (char)('A' + (c - 1) % 26);
        c = (c - 1) / 26;
    }
    char rev[9];
    for (size_t i = 0; i < n; i++)
        rev[i] = letters[n - 1 - i];
    rev[n] = 0;
    snprintf(out, cap, "%s%lu", rev, (unsigned long)row + 1);
}

/* ---- the formula renderer ---- */

enum { K_EXPR, K_STR, K_NUM };

struct operand {
    char s[FG_CAP_XLM_TEXT + 1]; /* K_STR: the literal with its quotes */
    size_t len;
    int kind;
    double num;
};

struct fg_xlm_decoder {
    struct operand st[FG_CAP_XLM_STACK];
    size_t depth;
    struct operand tmp;
    enum fg_biff_ver ver;
    fg_xlm_lookup_fn lookup;
    void *arg;
};

struct fg_xlm_decoder *fg_xlm_decoder_new(void) { return calloc(1, sizeof(struct fg_xlm_decoder)); }

void fg_xlm_decoder_free(struct fg_xlm_decoder *d) { free(d); }

static void op_cat(struct operand *o, const char *s, size_t n)
{
    size_t room = FG_CAP_XLM_TEXT - o->len;
    if (n > room) {
        n = room;
        o->kind = K_EXPR; /* a cut literal is no longer a literal */
    }
    memcpy(o->s + o->len, s, n);
    o->len += n;
    o->s[o->len] = 0;
}

static void op_str(struct operand *o, const char *s) { op_cat(o, s, strlen(s)); }

/* Pushes tmp; on overflow the deepest operand is dropped (it only costs evidence). */
static void push_tmp(struct fg_xlm_decoder *d)
{
    if (d->depth == FG_CAP_XLM_STACK) {
        memmove(&d->st[0], &d->st[1], sizeof d->st[0] * (FG_CAP_XLM_STACK - 1));
        d->depth--;
    }
    d->st[d->depth++] = d->tmp;
}

static void tmp_reset(struct fg_xlm_decoder *d, int kind)
{
    d->tmp.len = 0;
    d->tmp.s[0] = 0;
    d->tmp.kind = kind;
    d->tmp.num = 0;
}

static void push_text(struct fg_xlm_decoder *d, const char *s)
{
    tmp_reset(d, K_EXPR);
    op_str(&d->tmp, s);
    push_tmp(d);
}

/* A string literal from raw characters: 8-bit (Latin-1 taken as ASCII) or UTF-16LE. */
static void push_literal(struct fg_xlm_decoder *d, const uint8_t *p, size_t cch, int wide)
{
    tmp_reset(d, K_STR);
    op_cat(&d->tmp, "\"", 1);
    for (size_t i = 0; i < cch; i++) {
        unsigned c = wide ? (unsigned)p[2 * i] | (unsigned)p[2 * i + 1] << 8 : p[i];
        char ch = c >= 0x20 && c < 0x7F ? (char)c : '?';
        op_cat(&d->tmp, &ch, 1);
        if (ch == '"')
            op_cat(&d->tmp, "\"", 1);
    }
    op_cat(&d->tmp, "\"", 1);
    push_tmp(d);
}

static void push_num(struct fg_xlm_decoder *d, double v)
{
    char b[40];
    snprintf(b, sizeof b, "%.15g", v);
    tmp_reset(d, K_NUM);
    op_str(&d->tmp, b);
    d->tmp.num = v;
    push_tmp(d);
}

static int pop(struct fg_xlm_decoder *d, struct operand *o)
{
    if (!d->depth)
        return 0;
    *o = d->st[--d->depth];
    return 1;
}

static void binary(struct fg_xlm_decoder *d, const char *op)
{
    if (d->depth < 2)
        return;
    struct operand a, bb;
    pop(d, &bb);
    pop(d, &a);
    if (!strcmp(op, "&") && a.kind == K_STR && bb.kind == K_STR) {
        /* "ab"&"cd" is "abcd": hostile macros build their strings this way. */
        tmp_reset(d, K_STR);
        op_cat(&d->tmp, a.s, a.len - 1);
        op_cat(&d->tmp, bb.s + 1, bb.len - 1);
        push_tmp(d);
        return;
    }
    tmp_reset(d, K_EXPR);
    op_cat(&d->tmp, a.s, a.len);
    op_str(&d->tmp, op);
    op_cat(&d->tmp, bb.s, bb.len);
    push_tmp(d);
}

static void record_func(struct fg_xlm_formula *out, unsigned id)
{
    if (out->nfuncs < FG_XLM_FUNCS)
        out->funcs[out->nfuncs++] = id;
    if (id == 111)
        out->nchar++;
}

/* A call of function 'id' with argc operands. */
static void call(struct fg_xlm_decoder *d, unsigned id, unsigned argc, struct fg_xlm_formula *out)
{
    record_func(out, id);
    if (argc > d->depth)
        argc = (unsigned)d->depth;
    size_t first = d->depth - argc;
    struct operand *args = &d->st[first];
    if (id == 111 && argc == 1 && args[0].kind == K_NUM && args[0].num >= 32 &&
        args[0].num < 127) {
        char c = (char)(int)args[0].num;
        char lit[5] = {'"', c, c == '"' ? '"' : 0, 0, 0}; /* a quote is doubled */
        lit[strlen(lit)] = '"';
        d->depth = first;
        tmp_reset(d, K_STR);
        op_str(&d->tmp, lit);
        push_tmp(d);
        return;
    }
    tmp_reset(d, K_EXPR);
    size_t a0 = 0;
    const char *name = fg_xlm_func_name(id);
    char nb[16];
    if (id == FG_XLM_UDF && argc) {
        op_cat(&d->tmp, args[0].s, args[0].len); /* the called name */
        a0 = 1;
    } else {
        if (!name) {
            snprintf(nb, sizeof nb, "_F%u", id);
            name = nb;
        }
        op_str(&d->tmp, name);
    }
    op_str(&d->tmp, "(");
    for (size_t i = a0; i < argc; i++) {
        if (i > a0)
            op_str(&d->tmp, ",");
        op_cat(&d->tmp, args[i].s, args[i].len);
    }
    op_str(&d->tmp, ")");
    d->depth = first;
    push_tmp(d);
}

static uint32_t u16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t u32(const uint8_t *p) { return u16(p) | u16(p + 2) << 16; }

/* Bytes after the token byte, by version: BIFF5, BIFF8, BIFF12; 0xFF: not handled here. */
static unsigned ptg_size(int base, enum fg_biff_ver ver)
{
    static const struct {
        uint8_t ptg, b5, b8, b12;
    } t[] = {
        {0x01, 4, 4, 4},   {0x02, 4, 4, 4},    {0x1C, 1, 1, 1},    {0x1D, 1, 1, 1},
        {0x1E, 2, 2, 2},   {0x1F, 8, 8, 8},    {0x20, 7, 7, 14},   {0x21, 2, 2, 2},
        {0x22, 3, 3, 3},   {0x23, 14, 4, 4},   {0x24, 3, 4, 6},    {0x25, 6, 8, 12},
        {0x26, 6, 6, 6},   {0x27, 6, 6, 6},    {0x28, 6, 6, 6},    {0x29, 2, 2, 2},
        {0x2A, 3, 4, 6},   {0x2B, 6, 8, 12},   {0x2C, 3, 4, 6},    {0x2D, 6, 8, 12},
        {0x39, 24, 6, 6},  {0x3A, 17, 6, 8},   {0x3B, 20, 10, 14}, {0x3C, 17, 6, 8},
        {0x3D, 20, 10, 14},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].ptg == base)
            return ver == FG_BIFF5 ? t[i].b5 : ver == FG_BIFF8 ? t[i].b8 : t[i].b12;
    return 0xFF;
}

/* Row and column of a cell reference token's payload. */
static void ref_cell(const uint8_t *p, enum fg_biff_ver ver, uint32_t *row, uint32_t *col)
{
    if (ver == FG_BIFF12) {
        *row = u32(p) & 0xFFFFF;
        *col = u16(p + 4) & 0x3FFF;
    } else if (ver == FG_BIFF8) {
        *row = u16(p);
        *col = u16(p + 2) & 0x3FFF;
    } else {
        *row = u16(p) & 0x3FFF;
        *col = p[2];
    }
}

static void push_ref(struct fg_xlm_decoder *d, const char *sheet, const uint8_t *p, int area)
{
    char a[24], b[24];
    uint32_t r1, c1, r2, c2;
    enum fg_biff_ver v = d->ver;
    if (!area) {
        ref_cell(p, v, &r1, &c1);
        fg_xlm_cell_name(r1, c1, a, sizeof a);
        b[0] = 0;
    } else if (v == FG_BIFF12) {
        r1 = u32(p) & 0xFFFFF, r2 = u32(p + 4) & 0xFFFFF;
        c1 = u16(p + 8) & 0x3FFF, c2 = u16(p + 10) & 0x3FFF;
    } else if (v == FG_BIFF8) {
        r1 = u16(p), r2 = u16(p + 2), c1 = u16(p + 4) & 0x3FFF, c2 = u16(p + 6) & 0x3FFF;
    } else {
        r1 = u16(p) & 0x3FFF, r2 = u16(p + 2) & 0x3FFF, c1 = p[4], c2 = p[5];
    }
    if (area) {
        fg_xlm_cell_name(r1, c1, a, sizeof a);
        b[0] = ':';
        fg_xlm_cell_name(r2, c2, b + 1, sizeof b - 1);
    }
    tmp_reset(d, K_EXPR);
    if (sheet) {
        op_str(&d->tmp, sheet);
        op_str(&d->tmp, "!");
    }
    op_str(&d->tmp, a);
    op_str(&d->tmp, b);
    push_tmp(d);
}

static const char *look(struct fg_xlm_decoder *d, enum fg_xlm_ref k, uint32_t a, uint32_t b)
{
    const char *s = d->lookup ? d->lookup(d->arg, k, a, b) : NULL;
    return s && *s ? s : NULL;
}

/* A 3-D reference: the sheet named through the EXTERNSHEET index (BIFF8/12) or directly
 * (BIFF5, whose payload starts with ixals and 8 reserved bytes). */
static void push_ref3d(struct fg_xlm_decoder *d, const uint8_t *p, int area)
{
    const char *sheet;
    char nb[24];
    if (d->ver == FG_BIFF5) {
        sheet = look(d, FG_XLM_REF_SHEET, u16(p + 10), 1);
        p += 14;
    } else {
        sheet = look(d, FG_XLM_REF_SHEET, u16(p), 0);
        p += 2;
    }
    if (!sheet) {
        snprintf(nb, sizeof nb, "'?'");
        sheet = nb;
    }
    push_ref(d, sheet, p, area);
}

static void push_name(struct fg_xlm_decoder *d, int base, const uint8_t *p)
{
    const char *s;
    if (base == 0x23) {
        s = look(d, FG_XLM_REF_NAME, d->ver == FG_BIFF5 ? u16(p) : u32(p), 0);
    } else if (d->ver == FG_BIFF5) {
        s = look(d, FG_XLM_REF_NAMEX, (uint32_t)(int16_t)u16(p), u16(p + 10));
    } else {
        s = look(d, FG_XLM_REF_NAMEX, u16(p), d->ver == FG_BIFF8 ? u16(p + 2) : u32(p + 2));
    }
    push_text(d, s ? s : "name?");
}

/* ptgAttr: only tAttrSum (SUM of one operand) changes the stack; tAttrChoose carries a
 * jump table.  Returns the bytes the token takes after its first byte, 0 if cut. */
static size_t attr(struct fg_xlm_decoder *d, const uint8_t *p, size_t left,
                   struct fg_xlm_formula *out)
{
    if (left < 3)
        return 0;
    uint8_t grbit = p[0];
    size_t n = 3;
    if (grbit & 0x04) {
        n += 2 * ((size_t)u16(p + 1) + 1);
        if (n > left)
            return 0;
    }
    if (grbit & 0x10)
        call(d, 4, 1, out);
    return n;
}

/* ptgStr: BIFF5 8-bit count and bytes; BIFF8 count, a flags byte (bit 0: UTF-16) and
 * characters; BIFF12 16-bit count and UTF-16. */
static size_t str(struct fg_xlm_decoder *d, const uint8_t *p, size_t left)
{
    size_t cch, hdr, wide;
    if (d->ver == FG_BIFF12) {
        if (left < 2)
            return 0;
        cch = u16(p), hdr = 2, wide = 1;
    } else if (d->ver == FG_BIFF8) {
        if (left < 2)
            return 0;
        cch = p[0], hdr = 2, wide = p[1] & 1;
    } else {
        if (left < 1)
            return 0;
        cch = p[0], hdr = 1, wide = 0;
    }
    size_t n = hdr + cch * (wide ? 2 : 1);
    if (n > left)
        return 0;
    push_literal(d, p + hdr, cch, (int)wide);
    return n;
}

/* Hostile files put an unknown or broken token before the real calls; the bytes after
 * the stop are searched for ptgFunc/ptgFuncVar of EXEC, CALL and REGISTER. */
static void search_rest(const uint8_t *p, size_t n, struct fg_xlm_formula *out)
{
    for (size_t i = 0; i + 3 <= n; i++) {
        unsigned id = 0xFFFF;
        if ((p[i] == 0x22 || p[i] == 0x42 || p[i] == 0x62) && i + 4 <= n)
            id = u16(p + i + 2);
        else if (p[i] == 0x21 || p[i] == 0x41 || p[i] == 0x61)
            id = u16(p + i + 1);
        if (id == 110 || id == 149 || id == 150)
            record_func(out, id);
    }
}

static void finish(struct fg_xlm_decoder *d, struct fg_xlm_formula *out)
{
    out->len = 0;
    for (size_t i = 0; i < d->depth; i++) {
        size_t n = d->st[i].len, room = FG_CAP_XLM_TEXT - out->len;
        if (i && room) {
            out->text[out->len++] = ' ';
            room--;
        }
        if (n > room)
            n = room;
        memcpy(out->text + out->len, d->st[i].s, n);
        out->len += n;
    }
    if (!out->complete && out->len + 4 <= FG_CAP_XLM_TEXT) {
        memcpy(out->text + out->len, " ...", 4);
        out->len += 4;
    }
    out->text[out->len] = 0;
}

/* One token at rgce[i]; returns its size, or 0 to stop. */
static size_t token(struct fg_xlm_decoder *d, const uint8_t *rgce, size_t cce, size_t i,
                    struct fg_xlm_formula *out)
{
    static const char *const binops[] = {"+", "-", "*", "/", "^", "&", "<", "<=", "=",
                                         ">=", ">", "<>", " ", ",", ":"};
    uint8_t t = rgce[i];
    const uint8_t *p = rgce + i + 1;
    size_t left = cce - i - 1;
    struct operand a;
    if (t >= 0x03 && t <= 0x11) {
        binary(d, binops[t - 3]);
        return 1;
    }
    if (t >= 0x12 && t <= 0x15) {
        if (!pop(d, &a))
            return 1;
        tmp_reset(d, K_EXPR);
        op_str(&d->tmp, t == 0x12 ? "+" : t == 0x13 ? "-" : t == 0x15 ? "(" : "");
        op_cat(&d->tmp, a.s, a.len);
        op_str(&d->tmp, t == 0x14 ? "%" : t == 0x15 ? ")" : "");
        push_tmp(d);
        return 1;
    }
    if (t == 0x16) {
        push_text(d, "");
        return 1;
    }
    if (t == 0x17) {
        size_t n = str(d, p, left);
        return n ? n + 1 : 0;
    }
    if (t == 0x19) {
        size_t n = attr(d, p, left, out);
        return n ? n + 1 : 0;
    }
    if (t == 0x18 && d->ver == FG_BIFF12 && left >= 1 && (p[0] == 0x19 || p[0] == 0x1D)) {
        size_t n = p[0] == 0x19 ? 13 : 5; /* PtgList, PtgSxName */
        if (n > left)
            return 0;
        push_text(d, "table?");
        return n + 1;
    }
    int base = t < 0x20 ? t : (t & 0x1F) | 0x20;
    if (t >= 0x80 || (t < 0x20 && t != 0x01 && t != 0x02 && t < 0x1C))
        return 0;
    unsigned sz = ptg_size(base, d->ver);
    if (sz == 0xFF || sz > left)
        return 0;
    switch (base) {
    case 0x01: case 0x02: push_text(d, "{shared}"); break;
    case 0x1C: push_text(d, "#ERR"); break;
    case 0x1D: push_text(d, p[0] ? "TRUE" : "FALSE"); break;
    case 0x1E: push_num(d, u16(p)); break;
    case 0x1F: { double v; memcpy(&v, p, 8); push_num(d, v); break; }
    case 0x20: push_text(d, "{array}"); break;
    case 0x21: {
        unsigned id = u16(p);
        const struct func *f = func_of(id);
        call(d, id, f && f->argc >= 0 ? (unsigned)f->argc : 1, out);
        break;
    }
    case 0x22: {
        unsigned tab = u16(p + 1);
        call(d, tab & 0x8000 ? FG_XLM_CMD | (tab & 0x7FFF) : tab & 0x7FFF, p[0] & 0x7F, out);
        break;
    }
    case 0x23: case 0x39: push_name(d, base, p); break;
    case 0x24: case 0x2C: push_ref(d, NULL, p, 0); break;
    case 0x25: case 0x2D: push_ref(d, NULL, p, 1); break;
    case 0x2A: case 0x2B: case 0x3C: case 0x3D: push_text(d, "#REF!"); break;
    case 0x3A: push_ref3d(d, p, 0); break;
    case 0x3B: push_ref3d(d, p, 1); break;
    default: break; /* ptgMem*: they only announce a sub-expression */
    }
    return sz + 1;
}

void fg_xlm_decode(struct fg_xlm_decoder *d, enum fg_biff_ver ver, const uint8_t *rgce,
                   size_t cce, fg_xlm_lookup_fn lookup, void *arg, struct fg_xlm_formula *out)
{
    d->depth = 0;
    d->ver = ver;
    d->lookup = lookup;
    d->arg = arg;
    out->nfuncs = 0;
    out->nchar = 0;
    out->complete = 1;
    size_t i = 0, ntok = 0;
    while (i < cce) {
        size_t n = ntok++ < FG_CAP_XLM_PTGS ? token(d, rgce, cce, i, out) : 0;
        if (!n) {
            out->complete = 0;
            search_rest(rgce + i, cce - i, out);
            break;
        }
        i += n;
    }
    finish(d, out);
}

/* ---- formula text ---- */

static int ident_char(char c, int first)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           (!first && ((c >= '0' && c <= '9') || c == '.'));
}

void fg_xlm_scan_text(const char *f, size_t n, struct fg_xlm_formula *out)
{
    out->nfuncs = 0;
    out->nchar = 0;
    out->complete = 1;
    out->len = n < FG_CAP_XLM_TEXT ? n : FG_CAP_XLM_TEXT;
    memcpy(out->text, f, out->len);
    out->text[out->len] = 0;
    for (size_t i = 0; i < n;) {
        char c = f[i];
        if (c == '"') { /* a literal; "" is a quote inside it */
            for (i++; i < n; i++)
                if (f[i] == '"' && !(i + 1 < n && f[i + 1] == '"' && ++i))
                    break;
            i++;
            continue;
        }
        if (!ident_char(c, 1) || (i && ident_char(f[i - 1], 0))) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < n && ident_char(f[i], 0))
            i++;
        if (i < n && f[i] == '(') {
            size_t off = i - s > 6 && !strncasecmp(f + s, "_xlfn.", 6) ? 6 : 0;
            int id = fg_xlm_func_id(f + s + off, i - s - off);
            if (id >= 0)
                record_func(out, (unsigned)id);
        }
    }
}
