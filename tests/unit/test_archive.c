/*
 * test_archive.c - archives through libarchive (ingest/unpack_archive.c) and the limits
 * against bombs (core/limits.c): each limit that is hit leaves its finding and makes the
 * input unscannable; broken archives leave a finding and never crash.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define EICAR "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

static void sh(const char *cmd)
{
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

static fg_engine *engine_with(const struct fg_limits *l)
{
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_builtin_rules(e), 0);
    if (l)
        fg_engine_set_limits(e, l);
    assert_int_equal(fg_engine_compile(e), 0);
    return e;
}

static fg_result *scan_file(fg_engine *e, const char *path)
{
    fg_scanner *s = NULL;
    fg_result *r = NULL;
    assert_int_equal(fg_scanner_new(e, &s), 0);
    assert_int_equal(fg_scan_file(s, path, &r), 0);
    fg_scanner_free(s);
    return r;
}

/* Every format libarchive reads for us, with EICAR inside: type and path must be right. */
static void test_formats(void **state)
{
    (void)state;
    static const struct {
        const char *make, *file, *type;
    } cases[] = {
        {"zip -q t.zip eicar.com", "t.zip", "zip"},
        {"zip -q -Z bzip2 t.zip eicar.com", "t.zip", "zip"},
        {"tar cf t.tar eicar.com", "t.tar", "tar"},
        {"tar czf t.tgz eicar.com", "t.tgz", "gzip"},
        {"gzip -c eicar.com > t.gz", "t.gz", "gzip"},
        {"bzip2 -c eicar.com > t.bz2", "t.bz2", "bzip2"},
        {"xz -c eicar.com > t.xz", "t.xz", "xz"},
        {"zstd -q -c eicar.com > t.zst", "t.zst", "zstd"},
        {"echo eicar.com | cpio -o -H newc --quiet > t.cpio", "t.cpio", "cpio"},
        {"ar rc t.a eicar.com", "t.a", "ar"},
        {"7z a -bd -bso0 t.7z eicar.com", "t.7z", "7z"},
        {"genisoimage -quiet -o t.iso eicar.com", "t.iso", "iso9660"},
        {"gcab -c t.cab eicar.com", "t.cab", "cab"},
    };
    fg_engine *e = engine_with(NULL);
    tu_write("eicar.com", EICAR);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sh(cases[i].make);
        fg_result *r = scan_file(e, cases[i].file);
        const struct fg_object_info *root = tu_object(r, NULL);
        if (strcmp(root->type, cases[i].type))
            fail_msg("%s: type %s, want %s", cases[i].file, root->type, cases[i].type);
        if (fg_result_verdict(r) != FG_VERDICT_MALICIOUS)
            fail_msg("%s: verdict %s", cases[i].file, fg_verdict_name(fg_result_verdict(r)));
        /* The signature is found on a child, not only in the container's raw bytes. */
        int child_hit = 0;
        for (size_t j = 1; j < fg_result_object_count(r); j++)
            if (fg_result_object(r, j)->nfindings)
                child_hit = 1;
        if (!child_hit)
            fail_msg("%s: no finding on any member", cases[i].file);
        fg_result_free(r);
    }
    fg_engine_free(e);
}

static void test_ooxml_type_and_japanese_name(void **state)
{
    (void)state;
    tu_write("[Content_Types].xml", "<Types/>");
    tu_write("請求書.txt", EICAR);
    sh("zip -q d.docx '[Content_Types].xml' 請求書.txt");
    fg_engine *e = engine_with(NULL);
    fg_result *r = scan_file(e, "d.docx");
    assert_string_equal(tu_object(r, NULL)->type, "ooxml");
    assert_non_null(tu_object(r, "d.docx > 請求書.txt"));
    fg_result_free(r);
    fg_engine_free(e);
}

static void test_depth_limit(void **state)
{
    (void)state;
    /* Harmless content: stored zips would show EICAR's raw bytes at every level. */
    tu_write("n0", "just some text");
    sh("for i in 1 2 3 4 5 6; do zip -q -j n$i.zip n$((i-1))* && rm -f n$((i-1))*; done");
    struct fg_limits l;
    fg_limits_default(&l);
    l.max_depth = 3;
    fg_engine *e = engine_with(&l);
    fg_result *r = scan_file(e, "n6.zip");
    assert_true(tu_has_finding(r, "limit.depth"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_UNSCANNABLE);
    fg_result_free(r);
    fg_engine_free(e);
    /* With the default depth the same file is opened to the bottom. */
    e = engine_with(NULL);
    r = scan_file(e, "n6.zip");
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_CLEAN);
    assert_non_null(tu_object(r, "n2.zip > n1.zip > n0"));
    fg_result_free(r);
    fg_engine_free(e);
}

static void test_ratio_and_size_limits(void **state)
{
    (void)state;
    sh("head -c 50000000 /dev/zero > zeros && zip -q -9 z.zip zeros && rm zeros");
    fg_engine *e = engine_with(NULL);
    fg_result *r = scan_file(e, "z.zip");
    assert_true(tu_has_finding(r, "limit.ratio"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_UNSCANNABLE);
    fg_result_free(r);
    fg_engine_free(e);

    struct fg_limits l;
    fg_limits_default(&l);
    l.max_ratio = 0;
    l.max_object_size = 1 << 20;
    e = engine_with(&l);
    r = scan_file(e, "z.zip");
    assert_true(tu_has_finding(r, "limit.object-size"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_UNSCANNABLE);
    fg_result_free(r);
    fg_engine_free(e);

    l.max_object_size = 100 << 20;
    l.max_total_size = 4 << 20;
    e = engine_with(&l);
    r = scan_file(e, "z.zip");
    assert_true(tu_has_finding(r, "limit.total-size"));
    fg_result_free(r);
    fg_engine_free(e);
}

static void test_object_count_limit(void **state)
{
    (void)state;
    sh("mkdir m && for i in $(seq 1 40); do echo $i > m/f$i; done && zip -q -r m.zip m");
    struct fg_limits l;
    fg_limits_default(&l);
    l.max_objects = 10;
    fg_engine *e = engine_with(&l);
    fg_result *r = scan_file(e, "m.zip");
    assert_true(tu_has_finding(r, "limit.objects"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_UNSCANNABLE);
    assert_true(fg_result_object_count(r) <= 10);
    fg_result_free(r);
    fg_engine_free(e);
}

static void test_truncated_and_flipped(void **state)
{
    (void)state;
    tu_write("eicar.com", EICAR);
    tu_write("b.txt", "hello hello hello hello hello hello");
    sh("zip -q t.zip eicar.com b.txt && tar czf t.tgz eicar.com b.txt && 7z a -bd -bso0 t.7z eicar.com b.txt");
    static const char *const files[] = {"t.zip", "t.tgz", "t.7z"};
    fg_engine *e = engine_with(NULL);
    for (size_t f = 0; f < 3; f++) {
        size_t n;
        uint8_t *d = tu_read(files[f], &n);
        for (size_t cut = 1; cut < n; cut += 3) {
            fg_result *r = tu_scan(e, files[f], d, cut);
            fg_result_free(r);
        }
        srand(7);
        for (int k = 0; k < 200; k++) {
            uint8_t *c = malloc(n);
            memcpy(c, d, n);
            for (int j = 0; j < 4; j++)
                c[(size_t)rand() % n] ^= (uint8_t)(1 + rand() % 255);
            fg_result *r = tu_scan(e, files[f], c, n);
            fg_result_free(r);
            free(c);
        }
        free(d);
    }
    /* A zip cut short after its first member keeps what could be read and says so. */
    size_t n;
    uint8_t *d = tu_read("t.zip", &n);
    fg_result *r = tu_scan(e, "t.zip", d, n - 30);
    assert_int_not_equal(fg_result_verdict(r), FG_VERDICT_CLEAN);
    fg_result_free(r);
    free(d);
    fg_engine_free(e);
}

static void test_arj_is_never_clean(void **state)
{
    (void)state;
    /* An ARJ main header is enough: no library reads ARJ, so it must not pass as clean. */
    static const uint8_t arj[] = {0x60, 0xEA, 0x22, 0x00, 0x1E, 0x0B, 0x01, 0x02, 0x10, 0x00,
                                  0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    fg_engine *e = engine_with(NULL);
    fg_result *r = tu_scan(e, "x.arj", arj, sizeof arj);
    assert_string_equal(tu_object(r, NULL)->type, "arj");
    assert_true(tu_has_finding(r, "unsupported.archive"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_UNSCANNABLE);
    fg_result_free(r);
    fg_engine_free(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_tmpdir_setup, tu_tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_formats),
        T(test_ooxml_type_and_japanese_name),
        T(test_depth_limit),
        T(test_ratio_and_size_limits),
        T(test_object_count_limit),
        T(test_truncated_and_flipped),
        T(test_arj_is_never_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
