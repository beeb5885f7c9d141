/*
 * pwpool.c - password candidates learnt from mail text, and the extractor that finds them.
 *
 * Why not try every word of every mail: 7z keys cost 2^19 SHA-256 rounds each, so the list
 * must stay short.  A candidate is a token that follows a password keyword in any of the
 * languages below, or the first token of the next line when the keyword ends its line
 * ("パスワードは下記の通りです。\nAbc123").
 */
#define _GNU_SOURCE
#include "pwpool.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flowgate/flowgate.h"

void fg_pwpool_init(struct fg_pwpool *p)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
}

void fg_mailkeys_clear(struct fg_mailkeys *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->keys[i]);
    k->n = 0;
}

void fg_pwpool_free(struct fg_pwpool *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->e[i].password);
        fg_mailkeys_clear(&p->e[i].keys);
    }
    free(p->e);
    pthread_mutex_destroy(&p->lock);
}

static int has_key(const struct fg_mailkeys *k, const char *key)
{
    for (size_t i = 0; i < k->n; i++)
        if (!strcmp(k->keys[i], key))
            return 1;
    return 0;
}

int fg_mailkeys_related(const struct fg_mailkeys *a, const struct fg_mailkeys *b)
{
    for (size_t i = 0; i < a->n; i++)
        if (has_key(b, a->keys[i]))
            return 1;
    return 0;
}

void fg_mailkeys_merge(struct fg_mailkeys *dst, const struct fg_mailkeys *src)
{
    for (size_t i = 0; i < src->n && dst->n < FG_CAP_MAIL_KEYS; i++) {
        if (has_key(dst, src->keys[i]))
            continue;
        char *c = strdup(src->keys[i]);
        if (c)
            dst->keys[dst->n++] = c;
    }
}

void fg_mailkeys_copy(struct fg_mailkeys *dst, const struct fg_mailkeys *src)
{
    dst->n = 0;
    fg_mailkeys_merge(dst, src);
}

int fg_pwpool_add(struct fg_pwpool *p, const char *password, const struct fg_mailkeys *k)
{
    int rc = FG_OK;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->n; i++) {
        if (!strcmp(p->e[i].password, password)) {
            /* Known password, maybe from another mail of the thread: widen its keys. */
            fg_mailkeys_merge(&p->e[i].keys, k);
            goto out;
        }
    }
    if (p->n >= FG_CAP_PW_POOL) {
        rc = FG_ELIMIT;
        goto out;
    }
    if (p->n == p->alloc) {
        size_t na = p->alloc ? p->alloc * 2 : 32;
        struct fg_pwentry *n = realloc(p->e, na * sizeof(*n));
        if (!n) {
            rc = FG_ENOMEM;
            goto out;
        }
        p->e = n;
        p->alloc = na;
    }
    struct fg_pwentry *e = &p->e[p->n];
    memset(e, 0, sizeof(*e));
    e->password = strdup(password);
    if (!e->password) {
        rc = FG_ENOMEM;
        goto out;
    }
    fg_mailkeys_copy(&e->keys, k);
    e->seq = ++p->seq;
    p->n++;
out:
    pthread_mutex_unlock(&p->lock);
    return rc;
}

static int in_list(char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], s))
            return 1;
    return 0;
}

uint64_t fg_pwpool_collect(struct fg_pwpool *p, const struct fg_mailkeys *k, char ***out,
                           size_t *n, size_t max)
{
    pthread_mutex_lock(&p->lock);
    uint64_t now = p->seq;
    for (size_t i = 0; i < p->n; i++) {
        const struct fg_pwentry *e = &p->e[i];
        if (!fg_mailkeys_related(&e->keys, k))
            continue;
        if (*n >= max || in_list(*out, *n, e->password))
            continue;
        char **nl = realloc(*out, (*n + 1) * sizeof(char *));
        if (!nl)
            break;
        *out = nl;
        if (((*out)[*n] = strdup(e->password)))
            (*n)++;
    }
    pthread_mutex_unlock(&p->lock);
    return now;
}

uint64_t fg_pwpool_latest(struct fg_pwpool *p, const struct fg_mailkeys *k)
{
    uint64_t latest = 0;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->n; i++)
        if (p->e[i].seq > latest && fg_mailkeys_related(&p->e[i].keys, k))
            latest = p->e[i].seq;
    pthread_mutex_unlock(&p->lock);
    return latest;
}

/* ---- extraction from text ---- */

/* Keywords that announce a password.  ASCII ones match case-insensitively on word
 * boundaries ("pass" must not match "passport"); the others match as they are. */
static const char *const keywords[] = {
    "password", "passwort", "passwd", "passcode", "kennwort",
    "mot de passe", "contraseña", "contrasena", "senha", "wachtwoord", "parola", "heslo",
    "hasło", "jelszó", "salasana", "lösenord", "passord",
    "пароль", "Пароль", "ПАРОЛЬ",
    "パスワード", "ﾊﾟｽﾜｰﾄﾞ", "パスワ－ド", "暗証番号", "解凍キー", "密码", "密碼", "口令",
    "비밀번호", "암호", "รหัสผ่าน", "mật khẩu", "Mật khẩu", "kata sandi",
};

/* Short words that are passwords only when a separator follows ("PW: x", "【PW】x"), since
 * "pass" is also an English verb. */
static const char *const weak_keywords[] = {"pass", "pwd", "pw"};
static const char *const weak_sep[] = {":", "：", "=", "＝", "】", "]"};

/* Skipped between the keyword and the password: separators, particles, opening quotes. */
static const char *const lead[] = {
    ":", "：", "=", "＝", "-", "ー", "は", "が", "为", "為", "是", "는", "은", "「", "『",
    "【", "】", "\"", "'", "“", "‘", "(", "（", "[", "<", "《", "〈", "*", "＊",
};

/* End a password token. */
static const char *const stop[] = {
    "」", "』", "】", "\"", "”", "’", ")", "）", "]", ">", "》", "〉", "、", "。", "，",
    "です", "となります", "になります", "　",
};

/* Words that sit between keyword and password in prose; never candidates themselves. */
static const char *const filler[] = {
    "is", "are", "for", "the", "this", "that", "file", "files", "zip", "attachment",
    "attached", "archive", "of", "to", "below", "as", "follows", "follow", "ist", "lautet",
    "est", "es", "de", "la", "el", "le", "du", "fichier", "archivo", "datei", "die", "der",
    "das", "wie", "folgt", "will", "be", "sent", "separately", "in", "a", "an", "and",
    "please", "use", "open", "it", "you", "your", "our", "with", "by", "on", "at", "mail",
    "email", "e-mail", "document", "protected", "encrypted", "following", "here", "see",
};

static size_t match_any(const char *p, const char *end, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list[i]);
        if ((size_t)(end - p) >= l && !memcmp(p, list[i], l))
            return l;
    }
    return 0;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int ascii_word_at(const char *text, const char *p, const char *end, const char *k)
{
    if (tolower((unsigned char)*p) != k[0])
        return 0;
    size_t l = strlen(k);
    if ((size_t)(end - p) < l || strncasecmp(p, k, l))
        return 0;
    if (p > text && isalnum((unsigned char)p[-1]))
        return 0;
    return !(p + l < end && isalpha((unsigned char)p[l]));
}

static size_t weak_keyword_at(const char *text, const char *p, const char *end)
{
    for (size_t i = 0; i < NELEM(weak_keywords); i++) {
        if (!ascii_word_at(text, p, end, weak_keywords[i]))
            continue;
        const char *q = p + strlen(weak_keywords[i]);
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        if (match_any(q, end, weak_sep, NELEM(weak_sep)))
            return strlen(weak_keywords[i]);
    }
    return 0;
}

/* Length of the keyword starting at p, or 0. */
static size_t keyword_at(const char *text, const char *p, const char *end)
{
    size_t w = weak_keyword_at(text, p, end);
    if (w)
        return w;
    for (size_t i = 0; i < NELEM(keywords); i++) {
        const char *k = keywords[i];
        if (((unsigned char)*p | 0x20) != ((unsigned char)k[0] | 0x20))
            continue; /* cheap first-byte test before any length or compare */
        size_t l = strlen(k);
        if ((size_t)(end - p) < l)
            continue;
        if ((unsigned char)k[0] < 0x80) {
            if (!ascii_word_at(text, p, end, k))
                continue;
        } else if (memcmp(p, k, l)) {
            continue;
        }
        return l;
    }
    return 0;
}

static int is_space_at(const char *p, const char *end, size_t *l)
{
    if (*p == ' ' || *p == '\t' || *p == '\r') {
        *l = 1;
        return 1;
    }
    if (end - p >= 3 && !memcmp(p, "　", 3)) {
        *l = 3;
        return 1;
    }
    return 0;
}

/* Reads one token from *pp (not past a newline); returns its length, 0 at end of line. */
static size_t next_token(const char **pp, const char *end, const char **tok)
{
    const char *p = *pp;
    for (;;) {
        size_t l;
        if (p < end && is_space_at(p, end, &l)) {
            p += l;
            continue;
        }
        if (p < end && (l = match_any(p, end, lead, NELEM(lead)))) {
            p += l;
            continue;
        }
        break;
    }
    *tok = p;
    while (p < end && *p != '\n') {
        size_t l;
        if (is_space_at(p, end, &l) || match_any(p, end, stop, NELEM(stop)))
            break;
        p++;
    }
    size_t n = (size_t)(p - *tok);
    /* Skip the stop sequence itself so the next call moves on. */
    size_t l;
    if (p < end && *p != '\n' && !is_space_at(p, end, &l) &&
        (l = match_any(p, end, stop, NELEM(stop))))
        p += l;
    *pp = p;
    return n;
}

static int is_filler(const char *t, size_t n)
{
    for (size_t i = 0; i < NELEM(filler); i++)
        if (strlen(filler[i]) == n && !strncasecmp(t, filler[i], n))
            return 1;
    return 0;
}

static void emit(const char *t, size_t n, void (*fn)(void *, const char *, size_t), void *arg)
{
    /* A sentence's full stop or comma is rarely part of the password; offer both. */
    while (n > 0 && (t[n - 1] == ':' || t[n - 1] == ';'))
        n--;
    if (n == 0 || n > FG_CAP_PASSWORD || is_filler(t, n))
        return;
    fn(arg, t, n);
    if (n > 1 && (t[n - 1] == '.' || t[n - 1] == ','))
        fn(arg, t, n - 1);
}

/* Bytes a keyword can start with (both cases for ASCII), so that most positions of a long
 * text are passed over with one table look-up. */
static void first_bytes(uint8_t tab[256])
{
    memset(tab, 0, 256);
    for (size_t i = 0; i < NELEM(keywords); i++) {
        unsigned char c = (unsigned char)keywords[i][0];
        tab[c] = 1;
        tab[(unsigned char)toupper(c)] = tab[(unsigned char)tolower(c)] = 1;
    }
    for (size_t i = 0; i < NELEM(weak_keywords); i++) {
        unsigned char c = (unsigned char)weak_keywords[i][0];
        tab[(unsigned char)toupper(c)] = tab[(unsigned char)tolower(c)] = 1;
    }
}

void fg_pw_extract(const char *text, size_t len,
                   void (*fn)(void *arg, const char *pw, size_t n), void *arg)
{
    const char *end = text + len, *p = text;
    uint8_t starts[256];
    first_bytes(starts);
    while (p < end) {
        if (!starts[(unsigned char)*p]) {
            p++;
            continue;
        }
        size_t kl = keyword_at(text, p, end);
        if (!kl) {
            p++;
            continue;
        }
        const char *q = p + kl, *tok;
        /* Up to three real words after the keyword; prose fillers do not count. */
        for (int words = 0, tokens = 0; words < 3 && tokens < 16; tokens++) {
            size_t n = next_token(&q, end, &tok);
            if (!n)
                break;
            if (keyword_at(text, tok, tok + n))
                continue;
            if (!is_filler(tok, n))
                words++;
            emit(tok, n, fn, arg);
        }
        /* The password often stands alone on the next non-empty line. */
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        for (int lines = 0; nl && lines < 2; lines++) {
            const char *r = nl + 1;
            size_t n = next_token(&r, end, &tok);
            if (n) {
                emit(tok, n, fn, arg);
                break;
            }
            nl = memchr(r, '\n', (size_t)(end - r));
        }
        p += kl;
    }
}
