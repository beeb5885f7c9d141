/*
 * test_pwpool.c - password candidates found in mail text, and the pool that relates them to
 * encrypted attachments by sender and thread (core/pwpool.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/pwpool.h"
#include "testutil.h"

struct cands {
    char *c[32];
    size_t n;
};

static void collect(void *arg, const char *pw, size_t n)
{
    struct cands *c = arg;
    if (c->n < 32)
        c->c[c->n++] = strndup(pw, n);
}

static int has(const struct cands *c, const char *want)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->c[i], want))
            return 1;
    return 0;
}

static void clear(struct cands *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->c[i]);
    c->n = 0;
}

/* Each line: mail text, and a password that must be among the candidates. */
static const struct {
    const char *text;
    const char *want;
} found[] = {
    {"Password: Abc123", "Abc123"},
    {"password:Abc123\n", "Abc123"},
    {"The password is: q7!Zx", "q7!Zx"},
    {"The password for the attached file is  Tr0ub4dor", "Tr0ub4dor"},
    {"PW: 4711", "4711"},
    {"【PW】k3yk3y", "k3yk3y"},
    {"パスワード：Abc123", "Abc123"},
    {"パスワードは「Xy9!pq」です。", "Xy9!pq"},
    {"パスワード:Hn5tq7です", "Hn5tq7"},
    {"先ほどお送りしたファイルのパスワードをお知らせします。\nパスワード\n  9zQ8wX\n", "9zQ8wX"},
    {"解凍パスワードは下記の通りです。\n\nKj8mN2\n", "Kj8mN2"},
    {"密码：mima2024", "mima2024"},
    {"密碼: Taipei99", "Taipei99"},
    {"비밀번호: seoul77", "seoul77"},
    {"Passwort: Geheim1", "Geheim1"},
    {"mot de passe : Soleil42", "Soleil42"},
    {"contraseña: Luna7", "Luna7"},
    {"Пароль: Zvezda5", "Zvezda5"},
    {"Password: \"quoted pw\"", "quoted"},
    {"Use password inv2024.", "inv2024"},
};

static void test_extracts_in_many_languages(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof found / sizeof found[0]; i++) {
        struct cands c = {0};
        fg_pw_extract(found[i].text, strlen(found[i].text), collect, &c);
        if (!has(&c, found[i].want))
            fail_msg("no candidate '%s' in \"%s\" (%zu candidates)", found[i].want,
                     found[i].text, c.n);
        clear(&c);
    }
}

static void test_no_false_keywords(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "Please bring your passport to the meeting.",
        "The compass points north; we will pass by later.",
        "Hello, here is the report you asked for.",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct cands c = {0};
        fg_pw_extract(texts[i], strlen(texts[i]), collect, &c);
        if (c.n)
            fail_msg("unexpected candidate '%s' in \"%s\"", c.c[0], texts[i]);
        clear(&c);
    }
}

static void test_hostile_text_is_bounded(void **state)
{
    (void)state;
    /* A long run of keywords and a keyword at the very end must not read past the text. */
    size_t n = 200000;
    char *t = malloc(n);
    for (size_t i = 0; i < n; i++)
        t[i] = "password: "[i % 10];
    struct cands c = {0};
    fg_pw_extract(t, n, collect, &c);
    clear(&c);
    fg_pw_extract("password", 8, collect, &c);
    assert_int_equal(c.n, 0);
    free(t);
}

static void keys(struct fg_mailkeys *k, const char *a, const char *b)
{
    memset(k, 0, sizeof(*k));
    k->keys[k->n++] = strdup(a);
    if (b)
        k->keys[k->n++] = strdup(b);
}

static void test_pool_relates_by_thread_and_sender(void **state)
{
    (void)state;
    struct fg_pwpool p;
    fg_pwpool_init(&p);
    struct fg_mailkeys second, attach, stranger;
    keys(&second, "from:alice@example.com", "id:<first@example.com>");
    keys(&attach, "id:<first@example.com>", "from:bob@example.org");
    keys(&stranger, "from:mallory@example.net", "id:<other@example.net>");
    uint64_t before = fg_pwpool_latest(&p, &attach);
    assert_int_equal(fg_pwpool_add(&p, "Abc123", &second), 0);
    assert_true(fg_pwpool_latest(&p, &attach) > before);

    char **out = NULL;
    size_t n = 0;
    fg_pwpool_collect(&p, &attach, &out, &n, 10);
    assert_int_equal(n, 1);
    assert_string_equal(out[0], "Abc123");
    free(out[0]);
    free(out);

    out = NULL;
    n = 0;
    fg_pwpool_collect(&p, &stranger, &out, &n, 10);
    assert_int_equal(n, 0); /* unrelated mails do not share passwords */
    free(out);

    /* The same password twice is one entry; the cap on candidates holds. */
    assert_int_equal(fg_pwpool_add(&p, "Abc123", &stranger), 0);
    assert_int_equal(p.n, 1);
    fg_mailkeys_clear(&second);
    fg_mailkeys_clear(&attach);
    fg_mailkeys_clear(&stranger);
    fg_pwpool_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extracts_in_many_languages),
        cmocka_unit_test(test_no_false_keywords),
        cmocka_unit_test(test_hostile_text_is_bounded),
        cmocka_unit_test(test_pool_relates_by_thread_and_sender),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
