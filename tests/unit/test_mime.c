/*
 * test_mime.c - mail and mbox unpacking (ingest/unpack_mime.c), and opening encrypted
 * attachments with passwords from the same mail or from another mail of the thread.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define EICAR "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

static char *b64(const uint8_t *d, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc(n * 2 + 8), *p = o;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? d[i + 1] : 0) << 8 | (i + 2 < n ? d[i + 2] : 0);
        *p++ = t[v >> 18 & 63];
        *p++ = t[v >> 12 & 63];
        *p++ = i + 1 < n ? t[v >> 6 & 63] : '=';
        *p++ = i + 2 < n ? t[v & 63] : '=';
        if ((i / 3) % 19 == 18)
            *p++ = '\n';
    }
    *p = 0;
    return o;
}

/* A zip made by the zip tool, optionally encrypted. */
static uint8_t *make_zip(const char *password, size_t *len)
{
    FILE *f = fopen("eicar.com", "w");
    fputs(EICAR, f);
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -f a.zip && zip -q %s%s a.zip eicar.com", password ? "-P " : "",
             password ? password : "");
    assert_int_equal(system(cmd), 0);
    return tu_read("a.zip", len);
}

static char *mail(const char *from, const char *msgid, const char *inreplyto,
                  const char *subject, const char *body, const char *attach_b64)
{
    char *m;
    assert_true(asprintf(&m,
        "From: %s\r\nTo: bob@example.org\r\nSubject: %s\r\nMessage-ID: %s\r\n%s%s%s"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BND\"\r\n\r\n"
        "--BND\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "%s\r\n"
        "%s%s%s"
        "--BND--\r\n",
        from, subject, msgid, inreplyto ? "In-Reply-To: " : "", inreplyto ? inreplyto : "",
        inreplyto ? "\r\n" : "", body,
        attach_b64 ? "--BND\r\nContent-Type: application/zip; name=\"invoice.zip\"\r\n"
                     "Content-Disposition: attachment; filename=\"invoice.zip\"\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n" : "",
        attach_b64 ? attach_b64 : "", attach_b64 ? "\r\n" : "") > 0);
    return m;
}

static void test_attachment_is_decoded_and_matched(void **state)
{
    (void)state;
    size_t zl;
    uint8_t *zip = make_zip(NULL, &zl);
    char *a = b64(zip, zl);
    char *m = mail("alice@example.com", "<1@example.com>", NULL, "Invoice 4711", "Hello", a);
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "mail.eml", m, strlen(m));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    const struct fg_object_info *o = tu_object(r, "mail.eml > invoice.zip > eicar.com");
    assert_non_null(o);
    assert_string_equal(tu_object(r, NULL)->type, "mail");
    assert_string_equal(tu_object(r, "invoice.zip")->type, "zip");
    assert_int_equal(o->nfindings, 1);
    assert_string_equal(o->findings[0].id, "yara.EICAR_Test_File");
    fg_result_free(r);
    fg_engine_free(e);
    free(m);
    free(a);
    free(zip);
}

static void test_password_in_same_mail(void **state)
{
    (void)state;
    size_t zl;
    uint8_t *zip = make_zip("Abc123", &zl);
    char *a = b64(zip, zl);
    char *m = mail("alice@example.com", "<1@example.com>", NULL, "請求書の送付",
                   "いつもお世話になっております。\r\nパスワード：Abc123\r\n", a);
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "mail.eml", m, strlen(m));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    assert_non_null(tu_object(r, "invoice.zip > eicar.com"));
    assert_true(tu_has_finding(r, "encrypted.opened"));
    fg_result_free(r);
    fg_engine_free(e);
    free(m);
    free(a);
    free(zip);
}

static void test_password_in_second_mail_of_thread(void **state)
{
    (void)state;
    size_t zl;
    uint8_t *zip = make_zip("Xy9pq", &zl);
    char *a = b64(zip, zl);
    char *m1 = mail("alice@example.com", "<first@example.com>", NULL, "Invoice 4711",
                    "The password follows in a separate mail.", a);
    char *m2 = mail("alice@example.com", "<second@example.com>", "<first@example.com>",
                    "Re: Invoice 4711", "パスワードは「Xy9pq」です。", NULL);
    fg_engine *e = tu_engine(NULL);
    fg_scanner *s = NULL;
    assert_int_equal(fg_scanner_new(e, &s), 0);
    fg_result *r1 = NULL, *r2 = NULL;
    assert_int_equal(fg_scan_mem(s, "1.eml", m1, strlen(m1), &r1), 0);
    /* Alone, the first mail cannot be opened, and says so. */
    assert_int_equal(fg_result_verdict(r1), FG_VERDICT_UNSCANNABLE);
    assert_true(tu_has_finding(r1, "encrypted.zip"));
    assert_true(fg_result_awaits_password(r1));
    assert_false(fg_engine_has_new_passwords(e, r1));
    assert_int_equal(fg_scan_mem(s, "2.eml", m2, strlen(m2), &r2), 0);
    assert_int_equal(fg_result_verdict(r2), FG_VERDICT_CLEAN);
    /* The second mail taught the password: a rescan opens the first. */
    assert_true(fg_engine_has_new_passwords(e, r1));
    fg_result_free(r1);
    assert_int_equal(fg_scan_mem(s, "1.eml", m1, strlen(m1), &r1), 0);
    assert_int_equal(fg_result_verdict(r1), FG_VERDICT_MALICIOUS);
    fg_result_free(r1);
    fg_result_free(r2);
    fg_scanner_free(s);
    fg_engine_free(e);
    free(m1);
    free(m2);
    free(a);
    free(zip);
}

static void test_unrelated_mail_does_not_lend_password(void **state)
{
    (void)state;
    size_t zl;
    uint8_t *zip = make_zip("Xy9pq", &zl);
    char *a = b64(zip, zl);
    char *m1 = mail("alice@example.com", "<first@example.com>", NULL, "Invoice 4711", "hi", a);
    char *m2 = mail("carol@example.net", "<x@example.net>", NULL, "Lunch on friday",
                    "Password: Xy9pq", NULL);
    fg_engine *e = tu_engine(NULL);
    fg_result *r2 = tu_scan(e, "2.eml", m2, strlen(m2));
    fg_result *r1 = tu_scan(e, "1.eml", m1, strlen(m1));
    assert_int_equal(fg_result_verdict(r1), FG_VERDICT_UNSCANNABLE);
    fg_result_free(r1);
    fg_result_free(r2);
    fg_engine_free(e);
    free(m1);
    free(m2);
    free(a);
    free(zip);
}

static void test_mbox_thread_later_message(void **state)
{
    (void)state;
    size_t zl;
    uint8_t *zip = make_zip("mima2024", &zl);
    char *a = b64(zip, zl);
    char *m1 = mail("li@example.cn", "<a@example.cn>", NULL, "合同文件", "请查收附件。", a);
    char *m2 = mail("li@example.cn", "<b@example.cn>", "<a@example.cn>", "回复: 合同文件",
                    "密码：mima2024", NULL);
    char *mbox;
    assert_true(asprintf(&mbox, "From li@example.cn Mon Jan  1 00:00:00 2024\n%s\n"
                                "From li@example.cn Mon Jan  1 00:05:00 2024\n%s\n", m1, m2) > 0);
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "box.mbox", mbox, strlen(mbox));
    assert_string_equal(tu_object(r, NULL)->type, "mbox");
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    assert_non_null(tu_object(r, "box.mbox > message-1.eml > invoice.zip > eicar.com"));
    fg_result_free(r);
    fg_engine_free(e);
    free(mbox);
    free(m1);
    free(m2);
    free(a);
    free(zip);
}

static void test_nested_message_and_uuencode(void **state)
{
    (void)state;
    const char *m =
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"X\"\r\n\r\n--X\r\n"
        "Content-Type: message/rfc822\r\n\r\n"
        "From: c@example.com\r\nTo: d@example.com\r\nSubject: inner\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "see below\r\n\r\nbegin 644 eicar.com\r\n"
        "M6#5/(5`E0$%06S1<4%I8-30H4%XI-T-#*3=])$5)0T%2+5-404Y$05)$+4%.\r\n"
        "75$E625)54RU415-4+49)3$4A)$@K2\"H`\r\n`\r\nend\r\n"
        "\r\n--X--\r\n";
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "fwd.eml", m, strlen(m));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    assert_non_null(tu_object(r, "fwd.eml > inner.eml > part1.plain > eicar.com"));
    fg_result_free(r);
    fg_engine_free(e);
}

static void test_truncated_mail_never_crashes(void **state)
{
    (void)state;
    size_t zl;
    uint8_t *zip = make_zip(NULL, &zl);
    char *a = b64(zip, zl);
    char *m = mail("alice@example.com", "<1@example.com>", NULL, "x", "Password: y", a);
    fg_engine *e = tu_engine(NULL);
    size_t n = strlen(m);
    for (size_t cut = 0; cut < n; cut += 7) {
        fg_result *r = tu_scan(e, "cut.eml", m, cut);
        assert_true(fg_result_verdict(r) != FG_VERDICT_ERROR);
        fg_result_free(r);
    }
    fg_engine_free(e);
    free(m);
    free(a);
    free(zip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attachment_is_decoded_and_matched, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_password_in_same_mail, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_password_in_second_mail_of_thread, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_unrelated_mail_does_not_lend_password, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_mbox_thread_later_message, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_nested_message_and_uuencode, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_mail_never_crashes, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
