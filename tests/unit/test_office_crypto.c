/*
 * test_office_crypto.c - encrypted Office documents (ingest/office_crypto.c, ocr_*.c): keys
 * and decryption checked against tests/gen/office_encrypt.py (a second implementation,
 * written from MS-OFFCRYPTO, run at test time), wrong passwords, the spin cap, truncated and
 * damaged EncryptionInfo and packages, and the real oletools documents.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "ingest/office_crypto.h"
#include "testutil.h"

/* Runs the generator into the current (temporary) directory. */
static void make_kat(void)
{
    const char *src = getenv("FG_SOURCE_DIR");
    assert_non_null(src);
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "python3 '%s/tests/gen/office_encrypt.py' kat . >gen.log 2>&1",
                         src) > 0);
    int rc = system(cmd);
    free(cmd);
    if (rc) {
        size_t n;
        uint8_t *log = tu_read("gen.log", &n);
        fail_msg("office_encrypt.py failed: %.*s", (int)n, (const char *)log);
    }
}

static void hex(const char *s, uint8_t *out, size_t *n)
{
    *n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        assert_int_equal(sscanf(s, "%2x", &v), 1);
        out[(*n)++] = (uint8_t)v;
    }
}

struct kat {
    char file[64], kind[16], pw[64];
    uint8_t key[64];
    size_t key_len;
};

static size_t read_kat(struct kat *k, size_t max)
{
    FILE *f = fopen("kat.txt", "r");
    assert_non_null(f);
    char line[512], keyhex[160];
    size_t n = 0;
    while (n < max && fgets(line, sizeof line, f)) {
        assert_int_equal(sscanf(line, "%63s %15s %63s %159s", k[n].file, k[n].kind, k[n].pw,
                                keyhex), 4);
        hex(keyhex, k[n].key, &k[n].key_len);
        n++;
    }
    fclose(f);
    return n;
}

/* The FILEPASS body and the end of its record in a workbook stream. */
static size_t filepass(const uint8_t *wb, size_t n, const uint8_t **body, size_t *blen)
{
    for (size_t off = 0; off + 4 <= n;) {
        size_t size = (size_t)(wb[off + 2] | wb[off + 3] << 8);
        if (wb[off] == 0x2F && wb[off + 1] == 0) {
            *body = wb + off + 4;
            *blen = size;
            return off + 4 + size;
        }
        off += 4 + size;
    }
    fail_msg("no FILEPASS");
    return 0;
}

static void check_package(const struct kat *k)
{
    size_t ilen, plen, zlen, kl;
    uint8_t *info = tu_read(k->file, &ilen), key[64];
    char pkgname[80];
    snprintf(pkgname, sizeof pkgname, "%.*s.pkg", (int)(strlen(k->file) - 5), k->file);
    uint8_t *pkg = tu_read(pkgname, &plen), *zip = tu_read("plain.zip", &zlen);
    struct fg_ocr_info in;
    const char *why = NULL;
    assert_int_equal(fg_ocr_parse_info(info, ilen, &in, &why), 0);
    assert_int_equal(in.kind, !strcmp(k->kind, "agile") ? FG_OCR_AGILE : FG_OCR_STANDARD);
    /* the right password gives the generator's key; a wrong one is refused by the verifier */
    assert_int_equal(fg_ocr_password_key(NULL, &in, k->pw, key, &kl), 0);
    assert_int_equal(kl, k->key_len);
    assert_memory_equal(key, k->key, kl);
    assert_int_equal(fg_ocr_password_key(NULL, &in, "secret1", key, &kl), 1);
    assert_int_equal(fg_ocr_password_key(NULL, &in, "", key, &kl), 1);
    assert_int_equal(fg_ocr_password_key(NULL, &in, k->pw, key, &kl), 0);
    struct fg_buf out;
    fg_buf_init(&out, 1 << 20);
    assert_int_equal(fg_ocr_decrypt_package(NULL, &in, key, kl, pkg, plen, &out), 0);
    assert_int_equal(out.len, zlen);
    assert_memory_equal(out.p, zip, zlen);
    fg_buf_free(&out);
    /* a cap below the stated size is a limit, not a short package */
    fg_buf_init(&out, zlen - 1);
    assert_int_equal(fg_ocr_decrypt_package(NULL, &in, key, kl, pkg, plen, &out), FG_ELIMIT);
    fg_buf_free(&out);
    /* a package cut short decrypts what it has and says it is short */
    fg_buf_init(&out, 1 << 20);
    assert_int_equal(fg_ocr_decrypt_package(NULL, &in, key, kl, pkg, plen - 100, &out),
                     FG_EFORMAT);
    assert_true(out.len > 0 && out.len < zlen);
    assert_memory_equal(out.p, zip, out.len);
    fg_buf_free(&out);
    free(info), free(pkg), free(zip);
}

static void check_workbook(const struct kat *k)
{
    size_t n, cn, blen, kl;
    uint8_t *wb = tu_read(k->file, &n), key[64];
    char clear_name[80];
    snprintf(clear_name, sizeof clear_name, "%s.clear", k->file);
    uint8_t *clear = tu_read(clear_name, &cn);
    const uint8_t *body;
    size_t end = filepass(wb, n, &body, &blen);
    struct fg_ocr_info in;
    const char *why = NULL;
    assert_int_equal(fg_ocr_parse_filepass(body, blen, &in, &why), 0);
    assert_int_equal(in.kind, !strcmp(k->kind, "rc4") ? FG_OCR_RC4 : FG_OCR_RC4_CAPI);
    assert_int_equal(fg_ocr_password_key(NULL, &in, k->pw, key, &kl), 0);
    assert_int_equal(kl, k->key_len);
    assert_memory_equal(key, k->key, kl);
    assert_int_equal(fg_ocr_password_key(NULL, &in, "Secret2", key, &kl), 1);
    assert_int_equal(fg_ocr_password_key(NULL, &in, k->pw, key, &kl), 0);
    assert_int_equal(n, cn);
    assert_memory_not_equal(wb, clear, n);
    fg_ocr_xls_decrypt(&in, key, kl, wb, n, end);
    /* the clear stream, but for FILEPASS, whose type is retired */
    uint8_t *fp = clear + (body - wb) - 4;
    assert_int_equal(fp[0], 0x2F);
    fp[0] = fp[1] = 0xFF;
    assert_memory_equal(wb, clear, n);
    free(wb), free(clear);
}

static void test_known_answers(void **state)
{
    (void)state;
    make_kat();
    struct kat k[16];
    size_t n = read_kat(k, 16), pkgs = 0, wbs = 0;
    assert_true(n >= 8);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(k[i].kind, "agile") || !strcmp(k[i].kind, "standard"))
            check_package(&k[i]), pkgs++;
        else
            check_workbook(&k[i]), wbs++;
    }
    assert_int_equal(pkgs, 6);
    assert_int_equal(wbs, 2);
}

/* Replaces the first 'from' in a text buffer by 'to' (a new malloc'ed buffer). */
static uint8_t *replace(const uint8_t *p, size_t n, const char *from, const char *to,
                        size_t *out_len)
{
    const uint8_t *at = memmem(p, n, from, strlen(from));
    assert_non_null(at);
    size_t fl = strlen(from), tl = strlen(to), pre = (size_t)(at - p);
    uint8_t *o = malloc(n - fl + tl);
    memcpy(o, p, pre);
    memcpy(o + pre, to, tl);
    memcpy(o + pre + tl, at + fl, n - pre - fl);
    *out_len = n - fl + tl;
    return o;
}

static void test_spin_cap_and_unsupported(void **state)
{
    (void)state;
    make_kat();
    size_t n, m, kl;
    uint8_t *info = tu_read("agile-sha512.info", &n), key[64];
    struct fg_ocr_info in;
    const char *why = NULL;
    char big[32];
    snprintf(big, sizeof big, "spinCount=\"%u\"", FG_CAP_OCR_SPIN + 1);
    uint8_t *x = replace(info, n, "spinCount=\"1000\"", big, &m);
    assert_int_equal(fg_ocr_parse_info(x, m, &in, &why), 0);
    assert_int_equal(in.spin, FG_CAP_OCR_SPIN + 1);
    assert_int_equal(fg_ocr_password_key(NULL, &in, "Secret1", key, &kl), FG_ELIMIT);
    free(x);
    /* more than 32 bits of rounds is not a number we take */
    x = replace(info, n, "spinCount=\"1000\"", "spinCount=\"99999999999\"", &m);
    assert_int_equal(fg_ocr_parse_info(x, m, &in, &why), FG_EFORMAT);
    free(x);
    static const struct {
        const char *from, *to;
        int rc;
    } cases[] = {
        {"cipherAlgorithm=\"AES\"", "cipherAlgorithm=\"DES\"", FG_EUNSUPPORTED},
        {"hashAlgorithm=\"SHA512\"", "hashAlgorithm=\"MD4\"", FG_EUNSUPPORTED},
        {"ChainingModeCBC", "ChainingModeCFB", FG_EUNSUPPORTED},
        {"keyBits=\"256\"", "keyBits=\"512\"", FG_EFORMAT},
        {"encryptedKeyValue=", "encryptedKeyValueX=", FG_EFORMAT},
        {"saltValue=\"", "saltValue=\"!", FG_EFORMAT},
        {"password", "certificate", FG_OK}, /* the uri is not what finds the encryptor */
        {"spinCount=", "spinCountX=", FG_EUNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        x = replace(info, n, cases[i].from, cases[i].to, &m);
        int rc = fg_ocr_parse_info(x, m, &in, &why);
        if (rc != cases[i].rc)
            fail_msg("%s -> %s: %d (%s)", cases[i].from, cases[i].to, rc, why ? why : "");
        if (rc)
            assert_non_null(why);
        free(x);
    }
    /* extensible encryption and unknown versions */
    uint8_t ext[16] = {4, 0, 3, 0};
    assert_int_equal(fg_ocr_parse_info(ext, sizeof ext, &in, &why), FG_EUNSUPPORTED);
    ext[2] = 9;
    assert_int_equal(fg_ocr_parse_info(ext, sizeof ext, &in, &why), FG_EUNSUPPORTED);
    /* Excel's XOR obfuscation is reported, not read */
    static const uint8_t xor_fp[6] = {0, 0, 0x34, 0x12, 0x78, 0x56};
    assert_int_equal(fg_ocr_parse_filepass(xor_fp, sizeof xor_fp, &in, &why), FG_EUNSUPPORTED);
    assert_non_null(strstr(why, "XOR"));
    free(info);
}

/* Every truncation of every fixture, and copies with bytes changed: an error or a wrong
 * password, never a crash (ASan/UBSan builds run this too). */
static void test_truncated_and_damaged(void **state)
{
    (void)state;
    make_kat();
    static const char *const infos[] = {"agile-sha1.info", "agile-sha512.info",
                                        "standard-128.info"};
    uint8_t key[64];
    size_t kl;
    for (size_t f = 0; f < sizeof infos / sizeof infos[0]; f++) {
        size_t n;
        uint8_t *info = tu_read(infos[f], &n);
        struct fg_ocr_info in;
        const char *why;
        for (size_t cut = 0; cut < n; cut += (cut < 64 || f == 2) ? 1 : 7) {
            uint8_t *c = malloc(cut ? cut : 1);
            memcpy(c, info, cut);
            int rc = fg_ocr_parse_info(c, cut, &in, &why);
            if (rc == 0) /* a cut in the XML text can still leave a descriptor */
                assert_int_not_equal(fg_ocr_password_key(NULL, &in, "x", key, &kl), 0);
            else
                assert_non_null(why);
            free(c);
        }
        srand(7);
        for (int k = 0; k < (f == 2 ? 40 : 300); k++) { /* Standard always spins 50,000 */
            uint8_t *c = malloc(n);
            memcpy(c, info, n);
            for (int j = 0; j < 1 + k % 8; j++)
                c[(size_t)rand() % n] = (uint8_t)rand();
            if (fg_ocr_parse_info(c, n, &in, &why) == 0)
                (void)fg_ocr_password_key(NULL, &in, "Secret1", key, &kl);
            free(c);
        }
        free(info);
    }
    /* packages shorter than their header, or of odd lengths */
    size_t n;
    uint8_t *info = tu_read("agile-sha1.info", &n), *pkg;
    struct fg_ocr_info in;
    const char *why;
    assert_int_equal(fg_ocr_parse_info(info, n, &in, &why), 0);
    assert_int_equal(fg_ocr_password_key(NULL, &in, "Secret1", key, &kl), 0);
    size_t plen;
    pkg = tu_read("agile-sha1.pkg", &plen);
    for (size_t cut = 0; cut < plen; cut += cut < 40 ? 1 : 97) {
        struct fg_buf out;
        fg_buf_init(&out, 1 << 20);
        int rc = fg_ocr_decrypt_package(NULL, &in, key, kl, pkg, cut, &out);
        assert_int_equal(rc, FG_EFORMAT);
        fg_buf_free(&out);
    }
    free(pkg);
    free(info);
    /* FILEPASS bodies cut short */
    size_t wn, blen;
    uint8_t *wb = tu_read("xls-capi.wb", &wn);
    const uint8_t *body;
    filepass(wb, wn, &body, &blen);
    for (size_t cut = 0; cut < blen; cut++)
        assert_int_not_equal(fg_ocr_parse_filepass(body, cut, &in, &why), 0);
    free(wb);
}

static void test_utf16(void **state)
{
    (void)state;
    uint8_t o[64];
    /* ASCII, a two-byte and a four-byte sequence (a surrogate pair), a broken sequence */
    assert_int_equal(fg_ocr_utf16le("Ab", o, sizeof o), 4);
    assert_memory_equal(o, "A\0b\0", 4);
    assert_int_equal(fg_ocr_utf16le("\xc3\xa4", o, sizeof o), 2);
    assert_memory_equal(o, "\xe4\0", 2);
    assert_int_equal(fg_ocr_utf16le("\xf0\x9f\x98\x80", o, sizeof o), 4);
    assert_memory_equal(o, "\x3d\xd8\x00\xde", 4);
    assert_int_equal(fg_ocr_utf16le("\xc3x", o, sizeof o), 4);
    assert_memory_equal(o, "\xc3\0x\0", 4);
    /* never past the buffer: it stops while a surrogate pair (4 bytes) would still fit */
    assert_int_equal(fg_ocr_utf16le("abcdefgh", o, 9), 6);
}

/* ---- whole scans of the real documents (oletools test data; see the corpus README) ---- */

/* Workbooks' verdicts are left to the analyzers (XLM, DDE): they must only be examined. */
#define EXAMINED ((enum fg_verdict) - 1)

static void test_oletools_corpus(void **state)
{
    (void)state;
    static const struct {
        const char *file, *finding, *child; /* child: where the finding must be */
        enum fg_verdict verdict;
    } cases[] = {
        {"encrypted/autostart-encrypt-standardpassword.xlsm", "vba.autoexec",
         "EncryptedPackage > xl/vbaProject.bin > VBA/Modul1.bas", FG_VERDICT_CLEAN},
        {"encrypted/autostart-encrypt-standardpassword.xlsb", "vba.autoexec",
         "EncryptedPackage > xl/vbaProject.bin > VBA/Modul1.bas", EXAMINED},
        {"encrypted/dde-test-encrypt-standardpassword.xlsx", "dde.field",
         "EncryptedPackage > xl/externalLinks/externalLink1.xml", FG_VERDICT_MALICIOUS},
        {"encrypted/autostart-encrypt-standardpassword.xls", "vba.autoexec", NULL, EXAMINED},
        {"encrypted/dde-test-encrypt-standardpassword.xls", "encrypted.opened", NULL, EXAMINED},
        {"encrypted/encrypted.docx", "encrypted.office", NULL, FG_VERDICT_UNSCANNABLE},
        {"encrypted/encrypted.xls", "encrypted.office", NULL, FG_VERDICT_UNSCANNABLE},
        {"encrypted/encrypted.doc", "encrypted.office", NULL, FG_VERDICT_UNSCANNABLE},
        {"encrypted/encrypted.ppt", "encrypted.office", NULL, FG_VERDICT_UNSCANNABLE},
    };
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *b = tu_oletools(cases[i].file, &len);
        if (!b)
            continue;
        fg_result *r = tu_scan(e, cases[i].file, b, len);
        if (cases[i].child ? !tu_object_has(r, cases[i].child, cases[i].finding)
                           : !tu_has_finding(r, cases[i].finding)) {
            tu_dump(r);
            fail_msg("%s: no %s", cases[i].file, cases[i].finding);
        }
        enum fg_verdict v = fg_result_verdict(r);
        if (cases[i].verdict == EXAMINED ? v == FG_VERDICT_UNSCANNABLE || v == FG_VERDICT_ERROR
                                         : v != cases[i].verdict)
            fail_msg("%s: verdict %s", cases[i].file, fg_verdict_name(v));
        int opened = tu_has_finding(r, "encrypted.opened");
        assert_int_equal(opened, cases[i].verdict != FG_VERDICT_UNSCANNABLE);
        fg_result_free(r);
        free(b);
    }
    fg_engine_free(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_tmpdir_setup, tu_tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_known_answers),
        T(test_spin_cap_and_unsupported),
        T(test_truncated_and_damaged),
        T(test_utf16),
        T(test_oletools_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
