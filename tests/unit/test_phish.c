/*
 * test_phish.c - phishing markup in HTML (analyzers/an_phish.c): link text that shows one
 * domain while the href goes to another or to a bare IP, and forms posting to a foreign
 * host; each next to a benign twin, inside a mail and alone, and every truncation of the
 * samples scanned without a crash.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct pcase {
    const char *html;
    const char *id; /* expected finding, NULL: no phish.* finding */
    int sev;
};

static const struct pcase cases[] = {
    {"<html><body><a href=\"https://login.evil.example/x\">https://www.mybank.example/login</a>",
     "phish.link-mismatch", FG_SEV_MEDIUM},
    {"<p><A HREF='http://evil.example'><b>mybank</b>.com</A></p>", "phish.link-mismatch",
     FG_SEV_MEDIUM},
    {"<a href=\"http://mybank.example@evil.example/\">www.mybank.example</a>",
     "phish.link-mismatch", FG_SEV_MEDIUM},
    {"<a href=\"http&#58;//evil.example/\">mybank&#46;com</a>", "phish.link-mismatch",
     FG_SEV_MEDIUM},
    {"<a href=\"http://192.168.10.5/login\">Sign in</a>", "phish.link-mismatch", FG_SEV_MEDIUM},
    {"<a href=\"http://3232238085/\">Sign in</a>", "phish.link-mismatch", FG_SEV_MEDIUM},
    {"<a href=\"http://0xC0A80A05/\">Sign in</a>", "phish.link-mismatch", FG_SEV_MEDIUM},
    {"<a href=\"http://192.168.10.5/login\">https://www.mybank.example/</a>",
     "phish.link-mismatch", FG_SEV_HIGH},
    {"<a href=\"https://shop.mybank.co.jp/\">evil.co.jp</a>", "phish.link-mismatch",
     FG_SEV_MEDIUM},
    {"<form action=\"https://collect.evil.example/p.php\" method=post>"
     "<input name=u><input type=\"password\" name=p></form>",
     "phish.form-post", FG_SEV_HIGH},
    {"<form action=\"https://survey.example/s\"><input name=q></form>", "phish.form-post",
     FG_SEV_LOW},
    /* benign twins */
    {"<html><body><a href=\"https://www.mybank.example/login?x=1\">https://mybank.example/login</a>",
     NULL, 0},
    {"<a href=\"https://click.mailer.example/r?u=abc\">Click here</a> to read our newsletter",
     NULL, 0},
    {"<a href=\"https://news.example/a\">Read the full story</a>", NULL, 0},
    /* project and file names are not domains (false findings seen in Debian's docs) */
    {"<a href=\"https://mirven.github.io/underscore.lua/\">Underscore.lua</a>", NULL, 0},
    {"<a href=\"https://www.dollarswift.org/\">Dollar.swift</a>", NULL, 0},
    {"<a href=\"https://pypi.example/setup\">setup.py</a>", NULL, 0},
    {"<a href=\"https://shop.mybank.co.jp/\">www.mybank.co.jp</a>", NULL, 0},
    {"<a href=\"https://files.example/report.pdf\">report.pdf</a>", NULL, 0},
    {"<a href=\"mailto:help@mybank.example\">help@mybank.example</a>", NULL, 0},
    {"<a href=\"http://192.168.10.5/\">192.168.10.5</a>", NULL, 0},
    {"<form action=\"/login\"><input type=password name=p></form>", NULL, 0},
    {"<form><input type=password></form>", NULL, 0},
    {"<base href=\"https://www.mybank.example/\"><form action=\"https://auth.mybank.example/\">"
     "<input type=password></form>",
     NULL, 0},
};

static int finding_sev(const fg_result *r, const char *id)
{
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t k = 0; k < o->nfindings; k++)
            if (!strcmp(o->findings[k].id, id))
                return (int)o->findings[k].severity;
    }
    return -1;
}

static void test_cases(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct pcase *c = &cases[i];
        fg_result *r = tu_scan(e, "x.html", c->html, strlen(c->html));
        int ok = c->id ? finding_sev(r, c->id) == c->sev : !tu_has_finding(r, "phish.*");
        if (!ok) {
            fprintf(stderr, "case %zu: %s\n", i, c->html);
            tu_dump(r);
        }
        assert_true(ok);
        fg_result_free(r);
    }
    fg_engine_free(e);
}

static char *mail_with(const char *html, const char *disposition)
{
    char *m = NULL;
    int n = asprintf(&m,
                     "From: a@example.org\r\nTo: b@example.org\r\nSubject: account\r\n"
                     "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BND\"\r\n\r\n"
                     "--BND\r\nContent-Type: text/plain\r\n\r\nPlease check.\r\n"
                     "--BND\r\nContent-Type: text/html; charset=utf-8%s\r\n\r\n%s\r\n--BND--\r\n",
                     disposition, html);
    assert_true(n > 0);
    return m;
}

static void test_mail(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    const char *bad = "<html><body><p>Dear customer,</p><a href=\"http://10.0.0.7/verify\">"
                      "https://www.mybank.example/verify</a></body></html>";
    const char *good = "<html><body><p>Our news</p><a href=\"https://t.mailer.example/c?id=9\">"
                       "Click here</a></body></html>";
    const char *form = "<html><body><form action=\"https://www.mybank.example/login\">"
                       "<input type=\"text\"><input type=\"PassWord\"></form></body></html>";
    const char *form_ok = "<html><body><form action=\"#\"><input type=\"password\"></form>"
                          "</body></html>";

    char *m = mail_with(bad, "");
    fg_result *r = tu_scan(e, "mail.eml", m, strlen(m));
    assert_int_equal(finding_sev(r, "phish.link-mismatch"), FG_SEV_HIGH);
    fg_result_free(r);
    free(m);

    m = mail_with(good, "");
    r = tu_scan(e, "mail.eml", m, strlen(m));
    assert_false(tu_has_finding(r, "phish.*"));
    fg_result_free(r);
    free(m);

    /* an attachment has no origin: even the bank's own URL is foreign to it */
    m = mail_with(form, "\r\nContent-Disposition: attachment; filename=\"statement.html\"");
    r = tu_scan(e, "mail.eml", m, strlen(m));
    if (finding_sev(r, "phish.form-post") != FG_SEV_HIGH)
        tu_dump(r);
    assert_int_equal(finding_sev(r, "phish.form-post"), FG_SEV_HIGH);
    fg_result_free(r);
    free(m);

    m = mail_with(form_ok, "\r\nContent-Disposition: attachment; filename=\"statement.html\"");
    r = tu_scan(e, "mail.eml", m, strlen(m));
    assert_false(tu_has_finding(r, "phish.*"));
    fg_result_free(r);
    free(m);
    fg_engine_free(e);
}

/* Every prefix of each sample, and the samples with their quotes and brackets cut. */
static void test_truncations(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].html);
        for (size_t k = 0; k < n; k++) {
            fg_result *r = tu_scan_with(sc, "x.html", cases[i].html, k);
            fg_result_free(r);
        }
    }
    static const char *const odd[] = {
        "<a href=\"http://\">x</a>", "<a href=\"http://@/\">a.b</a>", "<a href='//[::1'>a.bc</a>",
        "<a href=http://x.example>y.example", "<a href=\"https://.../\">...</a>",
        "<form action=\"http://:80\"><input type=password>", "<a href=\"http://1.2.3.4.5\">a</a>",
        "<a href=\"http://99999999999999999999/\">a</a>", "<a<a<a href=\"http://1.2.3.4\"></a",
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        fg_result_free(tu_scan_with(sc, "x.html", odd[i], strlen(odd[i])));
    fg_scanner_free(sc);
    fg_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cases, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_mail, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_truncations, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
