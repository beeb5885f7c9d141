/*
 * biff.h - bounded readers for Excel's binary records and formulas: BIFF5/BIFF8 records of
 * an OLE "Workbook"/"Book" stream (CONTINUE records joined), BIFF12 records of .xlsb parts,
 * and the parsed-expression tokens (ptgs) of a formula rendered back into text with the
 * functions it calls.  Used by an_xlm.c; nothing here allocates per record.
 */
#ifndef FG_BIFF_H
#define FG_BIFF_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/limits.h"

enum fg_biff_ver { FG_BIFF5 = 5, FG_BIFF8 = 8, FG_BIFF12 = 12 };

/* BIFF5/8 record types read by an_xlm.c ([MS-XLS] 2.3). */
#define FG_BIFF_FORMULA 0x0006
#define FG_BIFF_EOF 0x000A
#define FG_BIFF_EXTERNSHEET 0x0017
#define FG_BIFF_NAME 0x0018
#define FG_BIFF_EXTERNNAME 0x0023
#define FG_BIFF_FILEPASS 0x002F
#define FG_BIFF_CONTINUE 0x003C
#define FG_BIFF_BOUNDSHEET 0x0085
#define FG_BIFF_SUPBOOK 0x01AE
#define FG_BIFF_BOF 0x0809

/* One BIFF5/8 record: its type, the stream offset of its header, and its body with any
 * CONTINUE records after it appended (up to FG_CAP_XLM_RECORD bytes).  'p' is valid until
 * the next call of fg_biff_next(). */
struct fg_biff_rec {
    uint16_t type;
    size_t off;
    const uint8_t *p;
    size_t len;
};

struct fg_biff_iter {
    struct fg_view v;
    size_t pos;
    size_t count;
    struct fg_buf joined; /* a record with CONTINUE parts, joined */
};

void fg_biff_iter_init(struct fg_biff_iter *it, const uint8_t *d, size_t len);
/* 1 with the next record, 0 at the end of the stream, at a cut record or after
 * FG_CAP_XLM_RECORDS records. */
int fg_biff_next(struct fg_biff_iter *it, struct fg_biff_rec *r);
void fg_biff_iter_free(struct fg_biff_iter *it);

/* The version a stream's first record (a BOF) declares: FG_BIFF5 or FG_BIFF8; 0 if the
 * stream does not start with the BOF of a workbook's globals. */
int fg_biff_stream_version(const uint8_t *d, size_t len);

/* One BIFF12 record at *pos of d[0, len): type and size are 7-bit groups (at most 2 and 4
 * bytes).  1 and *pos past it, or 0 at the end or at a record cut short. */
int fg_biff12_next(const uint8_t *d, size_t len, size_t *pos, uint32_t *type,
                   const uint8_t **body, uint32_t *size);

/* ---- functions ---- */

/* Function ids as formulas store them: a worksheet or macro function (Ftab, 0..0x17F), or a
 * macro command (Cetab) with bit 15 set, as ptgFuncVar's fCeFunc bit stores it. */
#define FG_XLM_CMD 0x8000u
#define FG_XLM_UDF 0x00FFu /* a call of a name: the first operand is the function */

/* Name of a function id, or NULL if it is not in the table; the id of a name (case
 * insensitive, n bytes), or -1. */
const char *fg_xlm_func_name(unsigned id);
int fg_xlm_func_id(const char *name, size_t n);

/* ---- formulas ---- */

#define FG_XLM_FUNCS 32 /* function ids remembered per formula, in the order called */

struct fg_xlm_formula {
    char text[FG_CAP_XLM_TEXT + 1]; /* e.g. EXEC("calc"); NUL-terminated */
    size_t len;
    int complete;       /* every token was understood */
    unsigned funcs[FG_XLM_FUNCS];
    size_t nfuncs;
    unsigned nchar;     /* CHAR() calls (string building) */
};

/* What a formula refers to by index: a defined name (PtgName, 1-based), an external name
 * (PtgNameX: ixti and 1-based index) or a sheet (ixti of a 3-D reference).  Returns a
 * NUL-terminated string valid until the next call, or NULL. */
enum fg_xlm_ref { FG_XLM_REF_NAME, FG_XLM_REF_NAMEX, FG_XLM_REF_SHEET };
typedef const char *(*fg_xlm_lookup_fn)(void *arg, enum fg_xlm_ref kind, uint32_t a,
                                        uint32_t b);

struct fg_xlm_decoder;
/* A decoder holds the operand stack (a few kilobytes); make one per object. */
struct fg_xlm_decoder *fg_xlm_decoder_new(void);
void fg_xlm_decoder_free(struct fg_xlm_decoder *d);

/* Decodes rgce[0, cce) of the given version into out.  Unknown tokens end the decoding
 * (out->complete = 0): the operands rendered so far are kept, and the rest of the bytes are
 * still searched for calls of EXEC, CALL and REGISTER, which hostile files hide behind junk
 * tokens.  'lookup' may be NULL. */
void fg_xlm_decode(struct fg_xlm_decoder *d, enum fg_biff_ver ver, const uint8_t *rgce,
                   size_t cce, fg_xlm_lookup_fn lookup, void *arg, struct fg_xlm_formula *out);

/* Formula text (xlsm <f>, SYLK ;E): the functions it calls, found as names followed by '('
 * outside string literals, into out->funcs; out->text is the text itself, cut to fit. */
void fg_xlm_scan_text(const char *f, size_t n, struct fg_xlm_formula *out);

/* A1-style name of a cell (column letters, 1-based row) into out[cap]. */
void fg_xlm_cell_name(uint32_t row, uint32_t col, char *out, size_t cap);

#endif
