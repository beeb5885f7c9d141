/*
 * test_binhex.c - BinHex 4.0 (ingest/unpack_binhex.c): forks under their stored names,
 * run-length coding, CRC checks, several blocks in one text, limits, and no crash or hang
 * on damaged input.  The encoder here is written from the format description, independently
 * of the decoder, and its CRC is checked against the CRC-16/XMODEM check value.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#define RULES                                                                              \
    "rule MHQX { meta: severity = \"info\" strings: $a = \"MARKER_BINHEX_DATA\" "          \
    "condition: $a }\n"                                                                    \
    "rule MRSRC { meta: severity = \"info\" strings: $a = \"MARKER_BINHEX_RSRC\" "         \
    "condition: $a }\n"

static void putc_(struct tu_bytes *b, uint8_t c) { tu_bytes_put(b, &c, 1); }

/* CRC-16/XMODEM, bit by bit: polynomial 0x1021, initial value 0. */
static uint16_t crc16(const uint8_t *d, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(d[i] << 8);
        for (int k = 0; k < 8; k++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

static void be16(struct tu_bytes *b, uint16_t v)
{
    putc_(b, (uint8_t)(v >> 8));
    putc_(b, (uint8_t)v);
}

static void be32(struct tu_bytes *b, uint32_t v)
{
    be16(b, (uint16_t)(v >> 16));
    be16(b, (uint16_t)v);
}

/* Header, data fork, resource fork, each with its CRC.  Spoilers: bit 0 of 'spoil' breaks
 * the data fork's CRC, bit 1 the header's. */
enum { SPOIL_DATA = 1, SPOIL_HEADER = 2 };

static void binhex_plain(struct tu_bytes *o, const char *name, const void *data, size_t dn,
                         const void *rsrc, size_t rn, int spoil)
{
    size_t start = o->len;
    putc_(o, (uint8_t)strlen(name));
    tu_bytes_put(o, name, strlen(name));
    putc_(o, 0);
    tu_bytes_put(o, "TEXTttxt", 8);
    be16(o, 0);
    be32(o, (uint32_t)dn);
    be32(o, (uint32_t)rn);
    be16(o, (uint16_t)(crc16(o->p + start, o->len - start) ^ (spoil & SPOIL_HEADER ? 1 : 0)));
    tu_bytes_put(o, data, dn);
    be16(o, (uint16_t)(crc16(data, dn) ^ (spoil & SPOIL_DATA ? 0x0101 : 0)));
    tu_bytes_put(o, rsrc, rn);
    be16(o, crc16(rsrc, rn));
}

/* Run-length coding: runs of 3..255 become byte, 0x90, count; 0x90 itself is 0x90 0x00. */
static void rle(struct tu_bytes *o, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while (i + run < n && d[i + run] == d[i] && run < 255)
            run++;
        if (d[i] == 0x90) {
            putc_(o, 0x90);
            putc_(o, 0);
            i++;
        } else if (run >= 3) {
            putc_(o, d[i]);
            putc_(o, 0x90);
            putc_(o, (uint8_t)run);
            i += run;
        } else {
            putc_(o, d[i]);
            i++;
        }
    }
}

/* 6-bit text, 64 characters a line, between ':' markers, after the BinHex line. */
static void text6(struct tu_bytes *o, const uint8_t *d, size_t n)
{
    static const char abc[] =
        "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";
    const char *intro = "(This file must be converted with BinHex 4.0)\r\n\r\n:";
    tu_bytes_put(o, intro, strlen(intro));
    size_t col = 1;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) |
                     (i + 2 < n ? d[i + 2] : 0);
        size_t chars = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;
        for (size_t k = 0; k < chars; k++) {
            putc_(o, (uint8_t)abc[(v >> (18 - 6 * k)) & 63]);
            if (++col == 64) {
                tu_bytes_put(o, "\r\n", 2);
                col = 0;
            }
        }
    }
    tu_bytes_put(o, ":\r\n", 3);
}

static void binhex(struct tu_bytes *o, const char *name, const void *data, size_t dn,
                   const void *rsrc, size_t rn, int spoil)
{
    struct tu_bytes plain = {0}, coded = {0};
    binhex_plain(&plain, name, data, dn, rsrc, rn, spoil);
    rle(&coded, plain.p, plain.len);
    text6(o, coded.p, coded.len);
    free(plain.p);
    free(coded.p);
}

/* Data with long runs, 0x90 bytes and the marker. */
static size_t report_data(uint8_t *d)
{
    size_t n = 0;
    memcpy(d + n, "Quarterly report\n", 17), n += 17;
    memset(d + n, '=', 600), n += 600;
    d[n++] = 0x90, d[n++] = 0x90, d[n++] = 0x90, d[n++] = 'x';
    memcpy(d + n, "MARKER_BINHEX_DATA", 18), n += 18;
    memset(d + n, 0, 1000), n += 1000;
    memcpy(d + n, "end\n", 4), n += 4;
    return n;
}

static void test_encoder_crc(void **state)
{
    (void)state;
    assert_int_equal(crc16((const uint8_t *)"123456789", 9), 0x31C3);
}

static void test_report(void **state)
{
    (void)state;
    uint8_t data[2048];
    size_t dn = report_data(data);
    static const char rsrc[] = "resource MARKER_BINHEX_RSRC";
    struct tu_bytes f = {0};
    tu_bytes_put(&f, "Subject: files\n\nHere you go.\n\n", 30);
    binhex(&f, "report.txt", data, dn, rsrc, sizeof rsrc - 1, 0);
    fg_engine *e = tu_engine(RULES);
    fg_result *r = tu_scan(e, "mail.hqx", f.p, f.len);
    if (!tu_object_has(r, "mail.hqx > report.txt", "yara.MHQX"))
        tu_dump(r);
    assert_string_equal(tu_object(r, NULL)->type, "binhex");
    assert_true(tu_object_has(r, "mail.hqx > report.txt", "yara.MHQX"));
    assert_int_equal(tu_object(r, "mail.hqx > report.txt")->size, dn);
    assert_true(tu_object_has(r, "mail.hqx > report.txt.rsrc", "yara.MRSRC"));
    assert_false(tu_object_has(r, "mail.hqx", "yara.MHQX"));
    assert_false(tu_has_finding(r, "malformed.*"));
    fg_result_free(r);
    fg_engine_free(e);
    free(f.p);
}

/* A wrong CRC (data fork, header) is reported, and the data is scanned all the same. */
static void test_crc_mismatch(void **state)
{
    (void)state;
    uint8_t data[2048];
    size_t dn = report_data(data);
    static const struct {
        int spoil;
        const char *what;
    } cases[] = {{SPOIL_DATA, "data fork CRC"}, {SPOIL_HEADER, "header CRC"}};
    fg_engine *e = tu_engine(RULES);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tu_bytes f = {0};
        binhex(&f, "report.txt", data, dn, "", 0, cases[i].spoil);
        fg_result *r = tu_scan(e, "bad.hqx", f.p, f.len);
        const struct fg_object_info *root = tu_object(r, NULL);
        int found = 0;
        for (size_t k = 0; k < root->nfindings; k++)
            found += !strcmp(root->findings[k].id, "malformed.member") &&
                     strstr(root->findings[k].message, cases[i].what);
        if (found != 1)
            tu_dump(r);
        assert_int_equal(found, 1);
        assert_true(tu_object_has(r, "bad.hqx > report.txt", "yara.MHQX"));
        assert_null(tu_object(r, "report.txt.rsrc")); /* empty resource fork: no child */
        fg_result_free(r);
        free(f.p);
    }
    fg_engine_free(e);
}

/* Cut inside the data fork: a finding, and what was decoded is scanned. */
static void test_truncated_fork(void **state)
{
    (void)state;
    uint8_t data[2048];
    size_t dn = report_data(data);
    struct tu_bytes f = {0};
    binhex(&f, "report.txt", data, dn, "", 0, 0);
    size_t cut = f.len - 20; /* inside the runs of zeros, after the marker */
    fg_engine *e = tu_engine(RULES);
    fg_result *r = tu_scan(e, "cut.hqx", f.p, cut);
    if (!tu_object_has(r, "cut.hqx > report.txt", "yara.MHQX"))
        tu_dump(r);
    assert_true(tu_object_has(r, "cut.hqx", "malformed.member"));
    assert_true(tu_object_has(r, "cut.hqx > report.txt", "yara.MHQX"));
    assert_true(tu_object(r, "cut.hqx > report.txt")->size < dn);
    fg_result_free(r);
    fg_engine_free(e);
    free(f.p);
}

/* Several blocks in one text (a digest of attachments), with Mac line ends (CR alone); a
 * broken block in the middle is a finding and does not stop the next one. */
static void test_blocks(void **state)
{
    (void)state;
    uint8_t data[2048];
    size_t dn = report_data(data);
    struct tu_bytes f = {0};
    binhex(&f, "one.txt", "plain", 5, "", 0, 0);
    static const char broken[] = "\n-- next attachment --\n"
                                 "(This file must be converted with BinHex 4.0)\n\n:!!!:\n";
    tu_bytes_put(&f, broken, sizeof broken - 1);
    binhex(&f, "two.txt", data, dn, "", 0, 0);
    for (size_t i = 0; i < f.len; i++)
        if (f.p[i] == '\n')
            f.p[i] = '\r';
    fg_engine *e = tu_engine(RULES);
    fg_result *r = tu_scan(e, "two.hqx", f.p, f.len);
    if (!tu_object_has(r, "two.hqx > two.txt", "yara.MHQX"))
        tu_dump(r);
    assert_non_null(tu_object(r, "two.hqx > one.txt"));
    assert_true(tu_object_has(r, "two.hqx > two.txt", "yara.MHQX"));
    assert_true(tu_object_has(r, "two.hqx", "malformed.member"));
    assert_false(tu_has_finding(r, "malformed.binhex"));
    fg_result_free(r);
    fg_engine_free(e);
    free(f.p);
}

/* Not BinHex after all: the driver's malformed.binhex finding. */
static void test_garbage(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "(This file must be converted with BinHex 4.0)\nno data here",
        "(This file must be converted with BinHex 4.0)\n:!!!",
        "(This file must be converted with BinHex 4.0)\n:this is ~~~ not it:",
    };
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fg_result *r = tu_scan(e, "g.hqx", cases[i], strlen(cases[i]));
        assert_string_equal(tu_object(r, NULL)->type, "binhex");
        assert_true(tu_object_has(r, "g.hqx", "malformed.binhex"));
        assert_int_equal(fg_result_object_count(r), 1);
        fg_result_free(r);
    }
    fg_engine_free(e);
}

/* Runs that expand past the size limit: a limit finding, quickly, without the memory. */
static void test_run_bomb(void **state)
{
    (void)state;
    struct tu_bytes plain = {0}, coded = {0}, f = {0};
    uint32_t big = 200u << 20;
    putc_(&plain, 4);
    tu_bytes_put(&plain, "bomb", 4);
    putc_(&plain, 0);
    tu_bytes_put(&plain, "TEXTttxt", 8);
    be16(&plain, 0);
    be32(&plain, big);
    be32(&plain, 0);
    be16(&plain, crc16(plain.p, plain.len));
    rle(&coded, plain.p, plain.len);
    putc_(&coded, 'A');
    for (uint32_t made = 1; made + 254 <= big; made += 254) {
        putc_(&coded, 0x90);
        putc_(&coded, 255);
    }
    text6(&f, coded.p, coded.len);
    struct fg_limits l;
    fg_limits_default(&l);
    l.max_object_size = 8u << 20;
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_set_limits(e, &l), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    time_t t0 = time(NULL);
    fg_result *r = tu_scan(e, "bomb.hqx", f.p, f.len);
    assert_true(time(NULL) - t0 < 10);
    if (!tu_has_finding(r, "limit.*"))
        tu_dump(r);
    assert_true(tu_object_has(r, "bomb.hqx", "limit.object-size"));
    assert_null(tu_object(r, "> bomb"));
    fg_result_free(r);
    fg_engine_free(e);
    free(plain.p);
    free(coded.p);
    free(f.p);
}

static void test_truncated_and_flipped(void **state)
{
    (void)state;
    uint8_t data[2048];
    size_t dn = report_data(data);
    struct tu_bytes f = {0};
    binhex(&f, "report.txt", data, dn, "rsrc", 4, 0);
    struct fg_limits l;
    fg_limits_default(&l);
    l.max_seconds = 20;
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_set_limits(e, &l), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    for (size_t cut = 0; cut < f.len; cut += 1 + cut / 40) {
        fg_result *r = tu_scan(e, "t.hqx", f.p, cut);
        fg_result_free(r);
    }
    uint8_t *m = malloc(f.len);
    assert_non_null(m);
    srand(777);
    for (int round = 0; round < 500; round++) {
        memcpy(m, f.p, f.len);
        int flips = 1 + rand() % 8;
        for (int i = 0; i < flips; i++) {
            /* Mostly characters of the alphabet, so decoding goes on past the change. */
            size_t at = 50 + (size_t)rand() % (f.len - 50);
            m[at] = rand() % 4 ? (uint8_t)('!' + rand() % 80) : (uint8_t)rand();
        }
        time_t t0 = time(NULL);
        fg_result *r = tu_scan(e, "t.hqx", m, f.len);
        assert_true(time(NULL) - t0 < 10);
        fg_result_free(r);
    }
    free(m);
    fg_engine_free(e);
    free(f.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoder_crc),
        cmocka_unit_test_setup_teardown(test_report, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_crc_mismatch, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_fork, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_blocks, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_garbage, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_run_bomb, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_flipped, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
