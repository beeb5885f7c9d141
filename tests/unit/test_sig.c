/*
 * test_sig.c - signature generation (core/sig*.c): string extraction (ASCII, UTF-16LE at both
 * parities), YARA escaping checked by compiling and matching, scoring, names, headers, and
 * fg_sig end to end on samples built here: goodware strings are left out, the rule compiles
 * and matches, partial mode, the .ndb run, errors, and no printing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>

#include "core/limits.h"
#include "core/sig.h"
#include "testutil.h"

static const struct sig_str *find(const struct sig_strtab *t, const char *text, int wide)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].wide == wide && !strcmp(sig_str_text(t, &t->v[i]), text))
            return &t->v[i];
    return NULL;
}

static void put_wide(struct tu_bytes *b, const char *s)
{
    for (; *s; s++) {
        uint8_t u[2] = {(uint8_t)*s, 0};
        tu_bytes_put(b, u, 2);
    }
}

static void test_extract(void **state)
{
    (void)state;
    struct tu_bytes b = {0};
    struct sig_strtab t;
    sig_strtab_init(&t);
    tu_bytes_put(&b, "\x01\x02short\x00" "an ascii string here\x00\xff", 30);
    put_wide(&b, "WideAtEven");
    tu_bytes_put(&b, "\x00\x00\x07", 3); /* odd: the next wide string starts at an odd offset */
    put_wide(&b, "WideAtOdd!");
    tu_bytes_put(&b, "\x00\x00", 2);
    assert_int_equal(sig_strings_extract(&t, b.p, b.len, 6, 0), 0);
    assert_non_null(find(&t, "an ascii string here", 0));
    assert_null(find(&t, "short", 0)); /* under the minimum length */
    assert_non_null(find(&t, "WideAtEven", 1));
    assert_non_null(find(&t, "WideAtOdd!", 1));
    assert_null(find(&t, "WideAtEven", 0));
    /* A second sample with one of the strings: both bits on it, one on the rest. */
    assert_int_equal(sig_strings_extract(&t, (const uint8_t *)"xx\0an ascii string here", 23,
                                         6, 3), 0);
    assert_int_equal(find(&t, "an ascii string here", 0)->exact, 0x9);
    assert_int_equal(find(&t, "WideAtOdd!", 1)->exact, 0x1);
    /* A run longer than the cap keeps its start. */
    char longrun[400];
    memset(longrun, 'a', sizeof longrun);
    for (size_t i = 0; i < sizeof longrun; i += 7)
        longrun[i] = 'Q';
    assert_int_equal(sig_strings_extract(&t, (uint8_t *)longrun, sizeof longrun, 6, 1), 0);
    int seen = 0;
    for (size_t i = 0; i < t.n; i++)
        if (t.v[i].exact == 2) {
            assert_int_equal(t.v[i].len, FG_CAP_SIG_STRING);
            seen = 1;
        }
    assert_true(seen);
    assert_int_equal(sig_strings_extract(&t, b.p, b.len, 6, 64), FG_EINVAL);
    sig_strtab_free(&t);
    free(b.p);
}

/* Escapes 'raw', compiles it as a text string and scans 'raw' embedded in other bytes. */
static int escaped_matches(const uint8_t *raw, size_t n)
{
    struct fg_buf b;
    fg_buf_init(&b, 1 << 16);
    const char *head = "rule t { strings: $a = \"";
    assert_int_equal(fg_buf_append(&b, head, strlen(head)), 0);
    assert_int_equal(sig_yara_escape(&b, raw, n), 0);
    assert_int_equal(fg_buf_append(&b, "\" condition: $a }", 18), 0);
    YR_RULES *r = NULL;
    char err[256];
    int rc = sig_yara_compile((char *)b.p, &r, err, sizeof err);
    fg_buf_free(&b);
    if (rc)
        fail_msg("escaped rule does not compile: %s", err);
    uint8_t data[600];
    memset(data, 0xAA, sizeof data);
    memcpy(data + 100, raw, n);
    int m = 0;
    assert_int_equal(sig_yara_scan(r, data, sizeof data, 's', NULL, NULL, &m), 0);
    yr_rules_destroy(r);
    return m;
}

static void test_escape(void **state)
{
    (void)state;
    assert_int_equal(yr_initialize(), 0);
    static const char *const texts[] = {"say \"hi\"", "C:\\Windows\\x.exe", "tab\there",
                                        "line\nbreak\r", "\\x41 is not A", "trailing\\"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        assert_true(escaped_matches((const uint8_t *)texts[i], strlen(texts[i])));
    uint8_t every[256];
    for (int i = 0; i < 256; i++)
        every[i] = (uint8_t)i;
    assert_true(escaped_matches(every, sizeof every));
    struct fg_buf b;
    fg_buf_init(&b, 256);
    assert_int_equal(sig_yara_escape(&b, (const uint8_t *)"a\"b\\c\x01", 6), 0);
    assert_int_equal(b.len, strlen("a\\\"b\\\\c\\x01"));
    assert_memory_equal(b.p, "a\\\"b\\\\c\\x01", b.len);
    b.len = 0;
    assert_int_equal(sig_yara_hex(&b, (const uint8_t *)"MZ\x90", 3), 0);
    assert_memory_equal(b.p, "{ 4D 5A 90 }", 12);
    fg_buf_free(&b);
    yr_finalize();
}

static void test_score(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "AAAAAAAAAAAA", "abababababab", "PADDINGXXPADDING", ".text", ".note.gnu.build-id",
        "GLIBC_2.2.5", "__libc_start_main", "GetProcAddress", "KERNEL32.dll",
        "!This program cannot be run in DOS mode.", "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789abcdef", "GCC: (Debian 12.2.0-14) 12.2.0", "puts@GLIBC_2.2.5", "  \t  \t  "};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (sig_score(bad[i], strlen(bad[i])) >= 0)
            fail_msg("'%s' should be rejected", bad[i]);
    int url = sig_score("http://c2.example.test/gate.php?id=%s", 37);
    int word = sig_score("CreateMutexWorker", 17);
    assert_true(url > 0 && word > 0);
    assert_true(url > word); /* a URL says more than an identifier */
}

static void test_names_and_header(void **state)
{
    (void)state;
    char name[160];
    assert_true(sig_name_valid("Family_X_2026"));
    assert_false(sig_name_valid("2fast"));
    assert_false(sig_name_valid("condition"));
    assert_false(sig_name_valid("a-b"));
    assert_false(sig_name_valid(""));
    sig_name_derive("/tmp/x/dropper-v2.exe", name, sizeof name);
    assert_string_equal(name, "dropper_v2_exe");
    sig_name_derive("7zip.bin", name, sizeof name);
    assert_string_equal(name, "sig_7zip_bin");
    sig_name_derive("rule", name, sizeof name);
    assert_string_equal(name, "sig_rule");

    uint8_t pe[0x100] = {'M', 'Z'};
    pe[0x3c] = 0x80;
    memcpy(pe + 0x80, "PE\0\0", 4);
    struct sig_view v[2] = {{pe, sizeof pe}, {pe, sizeof pe}};
    struct sig_header h;
    sig_header_detect(v, 2, &h);
    assert_string_equal(h.kind, "pe");
    assert_non_null(strstr(h.cond, "uint32(uint32(0x3C)) == 0x00004550"));
    v[1] = (struct sig_view){(const uint8_t *)"MZ-not-a-pe-image-at-all-but-long-enough-to-hold-"
                                              "an-lfanew-field-somewhere-in-it", 70};
    sig_header_detect(v, 2, &h);
    assert_string_equal(h.cond, "uint16(0) == 0x5A4D");
    v[0] = (struct sig_view){(const uint8_t *)"\x7f" "ELF\x02", 5};
    v[1] = (struct sig_view){(const uint8_t *)"\x7f" "ELF\x01", 5};
    sig_header_detect(v, 2, &h);
    assert_string_equal(h.cond, "uint32(0) == 0x464C457F");
    v[1] = (struct sig_view){(const uint8_t *)"%PDF-1.7", 8};
    sig_header_detect(v, 2, &h);
    assert_string_equal(h.cond, "");
}

/* ---- fg_sig end to end */

/* A sample: filler bytes with the given NUL-separated strings; 'wide' ones in UTF-16LE. */
static void sample(struct tu_bytes *b, unsigned seed, const char *const *ascii,
                   const char *const *wide)
{
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(seed * 31 + i * 7) | 0x80;
    tu_bytes_put(b, "\x7f" "ELF\x02\x01\x01", 7);
    tu_bytes_put(b, junk, sizeof junk);
    for (; ascii && *ascii; ascii++) {
        tu_bytes_put(b, *ascii, strlen(*ascii) + 1);
        tu_bytes_put(b, junk, 16 + seed);
    }
    for (; wide && *wide; wide++) {
        put_wide(b, *wide);
        tu_bytes_put(b, "\0\0", 2);
        tu_bytes_put(b, junk, 2 * (8 + seed));
    }
}

static fg_sig *sig_of(const char *goodware)
{
    struct fg_sig_options o;
    fg_sig_options_default(&o);
    o.name = "Test_Family";
    fg_sig *g = NULL;
    assert_int_equal(fg_sig_new(&o, &g), 0);
    if (goodware)
        assert_int_equal(fg_sig_add_goodware(g, goodware), 0);
    return g;
}

static const char *const shared[] = {"http://c2.example.test/gate.php?id=%s",
                                     "beacon interval %d seconds", "in-goodware: shared helper",
                                     NULL};
static const char *const wides[] = {"Software\\Family\\Loader", NULL};

static void test_rule_excludes_goodware(void **state)
{
    (void)state;
    struct tu_bytes s[3] = {{0}};
    mkdir("gw", 0755);
    /* A clean file holding one of the shared strings, inside a longer one. */
    tu_write("gw/clean.bin", "xx the in-goodware: shared helper library xx");
    fg_sig *g = sig_of("gw");
    for (unsigned i = 0; i < 3; i++) {
        const char *own[] = {i == 0 ? "only in sample zero" : "other sample text", NULL};
        sample(&s[i], i, shared, wides);
        sample(&s[i], i, own, NULL);
        char name[16];
        snprintf(name, sizeof name, "s%u", i);
        assert_int_equal(fg_sig_add_sample_mem(g, name, s[i].p, s[i].len), 0);
    }
    struct tu_quiet q;
    tu_quiet_begin(&q);
    int rc = fg_sig_generate(g);
    tu_quiet_end(&q);
    if (rc)
        fail_msg("generate: %s", fg_sig_error(g));
    const struct fg_sig_info *i = fg_sig_get(g);
    assert_int_equal(i->samples_matched, 3);
    assert_int_equal(i->goodware_files, 1);
    assert_int_equal(i->goodware_matched, 0);
    assert_string_equal(i->kind, "elf");
    assert_false(i->partial_mode);
    int url = 0, wide = 0;
    for (size_t k = 0; k < i->nstrings; k++) {
        assert_null(strstr(i->strings[k].text, "in-goodware"));
        assert_null(strstr(i->strings[k].text, "only in sample zero"));
        url |= !strcmp(i->strings[k].text, shared[0]);
        wide |= i->strings[k].wide && !strcmp(i->strings[k].text, wides[0]);
    }
    assert_true(url && wide);
    assert_true(i->in_goodware >= 1);
    assert_non_null(strstr(i->rule, "rule Test_Family"));
    assert_non_null(strstr(i->rule, "\"Software\\\\Family\\\\Loader\" wide"));
    /* The rule compiles in an ordinary engine and flags every sample, not the clean file. */
    fg_engine *e = tu_engine(i->rule);
    for (unsigned k = 0; k < 3; k++) {
        fg_result *r = tu_scan(e, "x", s[k].p, s[k].len);
        assert_true(tu_has_finding(r, "yara.Test_Family"));
        fg_result_free(r);
    }
    size_t clen;
    uint8_t *clean = tu_read("gw/clean.bin", &clen);
    fg_result *r = tu_scan(e, "clean", clean, clen);
    assert_false(tu_has_finding(r, "yara.Test_Family"));
    fg_result_free(r);
    free(clean);
    fg_engine_free(e);
    /* .hdb: one line per sample; .ndb: a run every sample contains. */
    char want[64];
    snprintf(want, sizeof want, ":%zu:Test_Family.%.8s\n", s[0].len, i->sample_sha256[0]);
    assert_int_equal(strstr(i->hdb, want) - i->hdb, 32);
    assert_int_equal(strlen(i->hdb), 3 * (32 + strlen(want)));
    const char *hex = strstr(i->ndb, ":6:*:");
    assert_non_null(hex);
    hex += 5;
    size_t n = strcspn(hex, "\n") / 2;
    assert_int_equal(n, i->ndb_bytes);
    uint8_t run[FG_CAP_SIG_NDB_RUN];
    for (size_t k = 0; k < n; k++)
        assert_int_equal(sscanf(hex + 2 * k, "%2hhx", &run[k]), 1);
    for (unsigned k = 0; k < 3; k++)
        assert_non_null(memmem(s[k].p, s[k].len, run, n));
    char *json = fg_sig_json(g);
    assert_non_null(strstr(json, "\"samples_matched\":3"));
    free(json);
    fg_sig_free(g);
    for (unsigned k = 0; k < 3; k++)
        free(s[k].p);
}

static void test_partial_mode(void **state)
{
    (void)state;
    /* A and B share one string, B and C another: none is in all three. */
    static const char *const ab[] = {"alpha bravo: shared by A and B only", NULL};
    static const char *const bc[] = {"charlie delta: shared by B and C only", NULL};
    struct tu_bytes s[3] = {{0}};
    mkdir("gw", 0755);
    tu_write("gw/clean.txt", "nothing to see here");
    fg_sig *g = sig_of("gw");
    sample(&s[0], 0, ab, NULL);
    sample(&s[1], 1, ab, NULL);
    sample(&s[1], 1, bc, NULL);
    sample(&s[2], 2, bc, NULL);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(fg_sig_add_sample_mem(g, i == 0 ? "a" : i == 1 ? "b" : "c", s[i].p,
                                               s[i].len), 0);
    assert_int_equal(fg_sig_generate(g), 0);
    const struct fg_sig_info *i = fg_sig_get(g);
    assert_true(i->partial_mode);
    assert_int_equal(i->k, 1);
    assert_int_equal(i->samples_matched, 3);
    assert_int_equal(i->nstrings, 2);
    /* One .ndb line per string, so that each sample is detected by one. */
    assert_non_null(strstr(i->ndb, "Test_Family.1:6:*:"));
    assert_non_null(strstr(i->ndb, "Test_Family.2:6:*:"));
    fg_sig_free(g);
    for (unsigned k = 0; k < 3; k++)
        free(s[k].p);
}

static void test_errors(void **state)
{
    (void)state;
    struct fg_sig_options o;
    fg_sig *g = NULL;
    fg_sig_options_default(&o);
    o.name = "not-an-identifier";
    assert_int_equal(fg_sig_new(&o, &g), FG_EINVAL);
    assert_null(g);
    o.name = NULL;
    o.max_strings = FG_CAP_SIG_RULE_STRINGS + 1;
    assert_int_equal(fg_sig_new(&o, &g), FG_EINVAL);

    mkdir("gw", 0755);
    g = sig_of("gw");
    assert_int_equal(fg_sig_generate(g), FG_EINVAL); /* no samples */
    assert_int_equal(fg_sig_add_sample(g, "missing-file"), FG_EIO);
    assert_non_null(strstr(fg_sig_error(g), "missing-file"));
    assert_int_equal(fg_sig_add_goodware(g, "no-such-dir"), FG_EIO);
    /* Samples whose only strings are padding and boilerplate: nothing to build on. */
    static const char *const junk[] = {"AAAAAAAAAAAAAAAA", ".text", "GLIBC_2.34", NULL};
    struct tu_bytes a = {0}, b = {0};
    sample(&a, 1, junk, NULL);
    sample(&b, 2, junk, NULL);
    assert_int_equal(fg_sig_add_sample_mem(g, "a", a.p, a.len), 0);
    assert_int_equal(fg_sig_add_sample_mem(g, "b", b.p, b.len), 0);
    assert_int_equal(fg_sig_generate(g), FG_EFORMAT);
    assert_non_null(strstr(fg_sig_error(g), "no usable string"));
    fg_sig_free(g);
    free(a.p);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_score),
        cmocka_unit_test(test_names_and_header),
        cmocka_unit_test_setup_teardown(test_rule_excludes_goodware, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_partial_mode, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_errors, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
