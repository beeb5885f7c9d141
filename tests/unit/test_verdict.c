/*
 * test_verdict.c - verdicts and scores follow from findings alone (core/verdict.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "testutil.h"

static fg_result *with(enum fg_severity sev, int unscannable)
{
    fg_result *r = NULL;
    assert_int_equal(fg_result_new(&r, "x"), 0);
    assert_int_equal(fg_result_add_object(r, "x", 0), 0);
    assert_int_equal(fg_result_add_finding(r, 0, "t.id", sev, unscannable, "m", ""), 0);
    fg_result_decide(r);
    return r;
}

static void test_no_findings_is_clean(void **state)
{
    (void)state;
    fg_result *r = NULL;
    assert_int_equal(fg_result_new(&r, "x"), 0);
    assert_int_equal(fg_result_add_object(r, "x", 0), 0);
    fg_result_decide(r);
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_CLEAN);
    assert_int_equal(fg_result_score(r), 0);
    fg_result_free(r);
}

static void test_severity_sets_verdict(void **state)
{
    (void)state;
    static const struct {
        enum fg_severity sev;
        int unscannable;
        enum fg_verdict want;
    } cases[] = {
        {FG_SEV_INFO, 0, FG_VERDICT_CLEAN},
        {FG_SEV_LOW, 0, FG_VERDICT_CLEAN},
        {FG_SEV_MEDIUM, 0, FG_VERDICT_SUSPICIOUS},
        {FG_SEV_HIGH, 0, FG_VERDICT_MALICIOUS},
        {FG_SEV_CRITICAL, 0, FG_VERDICT_MALICIOUS},
        /* an object we could not look into is never clean */
        {FG_SEV_LOW, 1, FG_VERDICT_UNSCANNABLE},
        {FG_SEV_INFO, 1, FG_VERDICT_UNSCANNABLE},
        /* ... but something found stays stronger than "unscannable" */
        {FG_SEV_MEDIUM, 1, FG_VERDICT_SUSPICIOUS},
        {FG_SEV_HIGH, 1, FG_VERDICT_MALICIOUS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fg_result *r = with(cases[i].sev, cases[i].unscannable);
        assert_int_equal(fg_result_verdict(r), cases[i].want);
        fg_result_free(r);
    }
}

static void test_unscannable_plus_high_elsewhere(void **state)
{
    (void)state;
    fg_result *r = NULL;
    assert_int_equal(fg_result_new(&r, "x"), 0);
    assert_int_equal(fg_result_add_object(r, "x", 0), 0);
    assert_int_equal(fg_result_add_object(r, "x > y", 1), 1);
    fg_result_add_finding(r, 0, "encrypted.zip", FG_SEV_LOW, 1, "m", "");
    fg_result_add_finding(r, 1, "yara.X", FG_SEV_HIGH, 0, "m", "");
    fg_result_decide(r);
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    assert_true(fg_result_score(r) >= 70);
    fg_result_free(r);
}

static void test_error_verdict(void **state)
{
    (void)state;
    fg_result *r = NULL;
    assert_int_equal(fg_result_new(&r, "x"), 0);
    r->error = strdup("cannot open");
    fg_result_decide(r);
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_ERROR);
    char *j = fg_result_json(r);
    assert_non_null(strstr(j, "\"verdict\":\"error\""));
    assert_non_null(strstr(j, "\"error\":\"cannot open\""));
    free(j);
    fg_result_free(r);
}

static void test_duplicate_findings_collapse(void **state)
{
    (void)state;
    fg_result *r = NULL;
    assert_int_equal(fg_result_new(&r, "x"), 0);
    assert_int_equal(fg_result_add_object(r, "x", 0), 0);
    for (int i = 0; i < 3; i++)
        fg_result_add_finding(r, 0, "yara.A", FG_SEV_HIGH, 0, "m", "ev");
    assert_int_equal(fg_result_object(r, 0)->nfindings, 1);
    fg_result_free(r);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(fg_verdict_name(FG_VERDICT_UNSCANNABLE), "unscannable");
    assert_string_equal(fg_severity_name(FG_SEV_CRITICAL), "critical");
    assert_int_equal(fg_severity_parse("Medium"), FG_SEV_MEDIUM);
    assert_int_equal(fg_severity_parse("severe"), -1);
    assert_string_equal(fg_strerror(FG_EENCRYPTED), "encrypted and no password worked");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_findings_is_clean),
        cmocka_unit_test(test_severity_sets_verdict),
        cmocka_unit_test(test_unscannable_plus_high_elsewhere),
        cmocka_unit_test(test_error_verdict),
        cmocka_unit_test(test_duplicate_findings_collapse),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
