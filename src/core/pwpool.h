/*
 * pwpool.h - passwords learnt from mail text, keyed by the mail's sender and thread.
 *
 * The habit this serves: an encrypted attachment in one mail, its password in the body of
 * the same mail or of a second one from the same sender or in the same thread.  Keys are
 * strings like "from:a@example.com", "id:<msgid>", "subj:invoice 42"; an entry matches an
 * encrypted object whose mail shares any key with it.
 */
#ifndef FG_PWPOOL_H
#define FG_PWPOOL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

struct fg_mailkeys {
    char *keys[FG_CAP_MAIL_KEYS];
    size_t n;
};

struct fg_pwentry {
    char *password;
    struct fg_mailkeys keys;
    uint64_t seq; /* order of arrival, for "is there anything new since" */
};

struct fg_pwpool {
    pthread_mutex_t lock;
    struct fg_pwentry *e;
    size_t n, alloc;
    uint64_t seq;
};

void fg_pwpool_init(struct fg_pwpool *p);
void fg_pwpool_free(struct fg_pwpool *p);
int fg_pwpool_add(struct fg_pwpool *p, const char *password, const struct fg_mailkeys *k);
/* Appends copies of the passwords related to k (not already in out) to out, up to max.
 * Returns the pool's sequence number at the time: entries added later have higher seqs. */
uint64_t fg_pwpool_collect(struct fg_pwpool *p, const struct fg_mailkeys *k, char ***out,
                           size_t *n, size_t max);
/* Highest seq among entries related to k. */
uint64_t fg_pwpool_latest(struct fg_pwpool *p, const struct fg_mailkeys *k);

int fg_mailkeys_related(const struct fg_mailkeys *a, const struct fg_mailkeys *b);
void fg_mailkeys_copy(struct fg_mailkeys *dst, const struct fg_mailkeys *src);
void fg_mailkeys_merge(struct fg_mailkeys *dst, const struct fg_mailkeys *src);
void fg_mailkeys_clear(struct fg_mailkeys *k);

/*
 * Password candidates in mail text (UTF-8): the token after a keyword such as "password",
 * "PW", "パスワード", "密码", "비밀번호" and a separator, or on the next line when the keyword
 * ends its line.  Calls fn for each candidate.
 */
void fg_pw_extract(const char *text, size_t len,
                   void (*fn)(void *arg, const char *pw, size_t n), void *arg);

#endif
