/*
 * test_engine.c - engine set-up (core/engine.c): rule files and directories, compile errors
 * that name file and line, severity meta, SHA-256 deny/allow lists and password files.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#define EICAR "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
#define EICAR_SHA256 "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

static void test_builtin_rules_find_eicar(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "eicar.com", EICAR, strlen(EICAR));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    assert_true(tu_has_finding(r, "yara.EICAR_Test_File"));
    assert_string_equal(fg_result_sha256(r), EICAR_SHA256);
    fg_result_free(r);
    fg_engine_free(e);
}

static void test_rules_directory_and_severity(void **state)
{
    (void)state;
    assert_int_equal(mkdir("rules", 0700), 0);
    assert_int_equal(mkdir("rules/sub", 0700), 0);
    tu_write("rules/a.yar", "rule Medium_One { meta: severity = \"medium\" strings: $a = \"alpha-marker\" condition: $a }");
    tu_write("rules/sub/b.yara", "rule Plain_One { strings: $b = \"beta-marker\" condition: $b }");
    tu_write("rules/notes.txt", "this is not a rule file and must be ignored {");
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_rules_path(e, "rules"), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    fg_result *r = tu_scan(e, "x", "..alpha-marker..", 16);
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_SUSPICIOUS);
    const struct fg_object_info *o = tu_object(r, NULL);
    assert_int_equal(o->findings[0].severity, FG_SEV_MEDIUM);
    assert_non_null(strstr(o->findings[0].evidence, "$a@0x2"));
    fg_result_free(r);
    r = tu_scan(e, "y", "beta-marker", 11);
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS); /* no meta: high */
    fg_result_free(r);
    /* Without built-in rules, EICAR is not known. */
    r = tu_scan(e, "z", EICAR, strlen(EICAR));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_CLEAN);
    fg_result_free(r);
    fg_engine_free(e);
}

/* Two rules on one object, with odd-length strings: libyara's match records are then
 * unaligned, which the sanitizer build must tolerate (regression). */
static void test_two_rules_one_object(void **state)
{
    (void)state;
    fg_engine *e = tu_engine("rule A { strings: $a = \"MARKER_RL_9999\" condition: $a }\n"
                             "rule B { strings: $b = \"MARKER_PLAIN_JS_55\" condition: $b }\n");
    const char *t = "xx MARKER_RL_9999 yy MARKER_PLAIN_JS_55 zz\n";
    fg_result *r = tu_scan(e, "two.txt", t, strlen(t));
    assert_true(tu_has_finding(r, "yara.A"));
    assert_true(tu_has_finding(r, "yara.B"));
    assert_non_null(strstr(tu_object(r, NULL)->findings[1].evidence, "$b@0x15"));
    fg_result_free(r);
    fg_engine_free(e);
}

static void test_compile_error_names_file_and_line(void **state)
{
    (void)state;
    tu_write("bad.yar", "rule Ok { condition: true }\nrule Broken { strings: $a = \"x\" condition: $b }\n");
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_rules_path(e, "bad.yar"), FG_ERULES);
    assert_non_null(strstr(fg_engine_error(e), "bad.yar:2"));
    assert_int_equal(fg_engine_compile(e), FG_ERULES);
    fg_engine_free(e);

    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_rules_path(e, "missing.yar"), FG_EIO);
    assert_non_null(strstr(fg_engine_error(e), "missing.yar"));
    fg_engine_free(e);
}

static void test_hash_lists(void **state)
{
    (void)state;
    const char *other = "just a harmless text file";
    tu_write("deny.txt", "# known bad\n" EICAR_SHA256 "  eicar.com\n");
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_hash_file(e, FG_LIST_DENY, "deny.txt"), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    fg_result *r = tu_scan(e, "e", EICAR, strlen(EICAR));
    assert_true(tu_has_finding(r, "hash.deny"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    fg_result_free(r);
    r = tu_scan(e, "o", other, strlen(other));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_CLEAN);
    fg_result_free(r);
    fg_engine_free(e);

    /* An allow-listed object is not examined further, even with a matching rule. */
    tu_write("allow.txt", EICAR_SHA256 "\n");
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_builtin_rules(e), 0);
    assert_int_equal(fg_engine_add_hash_file(e, FG_LIST_ALLOW, "allow.txt"), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    r = tu_scan(e, "e", EICAR, strlen(EICAR));
    assert_true(tu_has_finding(r, "hash.allow"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_CLEAN);
    fg_result_free(r);
    fg_engine_free(e);

    tu_write("broken.txt", "not-a-hash\n");
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_hash_file(e, FG_LIST_DENY, "broken.txt"), FG_EINVAL);
    assert_non_null(strstr(fg_engine_error(e), "broken.txt:1"));
    fg_engine_free(e);
}

static void test_password_file(void **state)
{
    (void)state;
    tu_write("eicar.com", EICAR);
    assert_int_equal(system("zip -q -P 'two words' e.zip eicar.com"), 0);
    tu_write("pw.txt", "# candidates\r\nfirst\r\n\r\ntwo words\r\n");
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_builtin_rules(e), 0);
    assert_int_equal(fg_engine_add_password_file(e, "pw.txt"), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    size_t n;
    uint8_t *d = tu_read("e.zip", &n);
    fg_result *r = tu_scan(e, "e.zip", d, n);
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    fg_result_free(r);
    free(d);
    fg_engine_free(e);
}

static void test_unreadable_input_is_error(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    fg_scanner *s = NULL;
    fg_result *r = NULL;
    assert_int_equal(fg_scanner_new(e, &s), 0);
    assert_int_equal(fg_scan_file(s, "does-not-exist", &r), 0);
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_ERROR);
    assert_non_null(strstr(fg_result_error(r), "No such file"));
    fg_result_free(r);
    assert_int_equal(fg_scan_file(s, ".", &r), 0); /* a directory is not an input */
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_ERROR);
    fg_result_free(r);
    fg_scanner_free(s);
    fg_engine_free(e);
}

static void test_hostile_names_are_escaped(void **state)
{
    (void)state;
    /* A right-to-left override disguising "exe" as "pdf", and an escape sequence. */
    tu_write("eicar.com", EICAR);
    assert_int_equal(system("cp eicar.com \"$(printf 'inv\\342\\200\\256fdp.exe')\" && "
                            "cp eicar.com \"$(printf 'a\\033[2Jb')\" && zip -q n.zip inv* a*b"), 0);
    fg_engine *e = tu_engine(NULL);
    size_t n;
    uint8_t *d = tu_read("n.zip", &n);
    fg_result *r = tu_scan(e, "n.zip", d, n);
    assert_non_null(tu_object(r, "n.zip > inv\\u{202E}fdp.exe"));
    assert_non_null(tu_object(r, "n.zip > a\\x1B[2Jb"));
    char *j = fg_result_json(r);
    assert_non_null(j);
    free(j);
    fg_result_free(r);
    free(d);
    fg_engine_free(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_tmpdir_setup, tu_tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_builtin_rules_find_eicar),
        T(test_rules_directory_and_severity),
        T(test_two_rules_one_object),
        T(test_compile_error_names_file_and_line),
        T(test_hash_lists),
        T(test_password_file),
        T(test_unreadable_input_is_error),
        T(test_hostile_names_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
