/*
 * test_analyze.c - capability analysis (core/analyze*.c): entropy, the PE reader on images
 * built here, the ELF reader on this test program itself, capability meta and evidence, the
 * packed / network / exfiltration judgement, errors, JSON, and truncated input.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/analyze.h"
#include "testutil.h"

/* ---- a minimal PE32+ image: .text, optional .data of given bytes, .idata with imports */

struct imp {
    const char *dll;
    const char *fn[6];
};

static void put16(struct tu_bytes *b, size_t off, uint16_t v)
{
    b->p[off] = (uint8_t)v;
    b->p[off + 1] = (uint8_t)(v >> 8);
}

static void put64(struct tu_bytes *b, size_t off, uint64_t v)
{
    tu_put_u32le(b->p + off, (uint32_t)v);
    tu_put_u32le(b->p + off + 4, (uint32_t)(v >> 32));
}

static void zeros(struct tu_bytes *b, size_t n)
{
    uint8_t z[512] = {0};
    while (n) {
        size_t k = n < sizeof z ? n : sizeof z;
        tu_bytes_put(b, z, k);
        n -= k;
    }
}

/* Import block at 'rva' (one 0x1000-aligned section): descriptors, then per DLL a lookup
 * table, then names.  Returns its size. */
static size_t idata(struct tu_bytes *b, uint32_t rva, const struct imp *imps, size_t nimp)
{
    size_t base = b->len, ndesc = nimp + 1;
    zeros(b, 0x600);
    size_t tab = ndesc * 20, names = 0x300;
    for (size_t i = 0; i < nimp; i++) {
        size_t t = tab;
        for (size_t j = 0; imps[i].fn[j]; j++) {
            put64(b, base + t, rva + names);
            t += 8;
            names += 2; /* hint */
            memcpy(b->p + base + names, imps[i].fn[j], strlen(imps[i].fn[j]) + 1);
            names += strlen(imps[i].fn[j]) + 1;
        }
        t += 8;
        tu_put_u32le(b->p + base + i * 20, rva + (uint32_t)tab);         /* lookup table */
        tu_put_u32le(b->p + base + i * 20 + 12, rva + (uint32_t)names);  /* DLL name */
        tu_put_u32le(b->p + base + i * 20 + 16, rva + (uint32_t)tab);    /* address table */
        memcpy(b->p + base + names, imps[i].dll, strlen(imps[i].dll) + 1);
        names += strlen(imps[i].dll) + 1;
        tab = t;
    }
    return 0x600;
}

static void section(struct tu_bytes *b, size_t at, const char *name, uint32_t vsize, uint32_t rva,
                    uint32_t raw, uint32_t off, uint32_t flags)
{
    memcpy(b->p + at, name, strlen(name));
    tu_put_u32le(b->p + at + 8, vsize);
    tu_put_u32le(b->p + at + 12, rva);
    tu_put_u32le(b->p + at + 16, raw);
    tu_put_u32le(b->p + at + 20, off);
    tu_put_u32le(b->p + at + 36, flags);
}

static struct tu_bytes build_pe(const struct imp *imps, size_t nimp, const uint8_t *data,
                                size_t dlen, const char *overlay)
{
    struct tu_bytes b = {0};
    zeros(&b, 0x400);
    uint16_t nsect = (uint16_t)(1 + (data ? 1 : 0) + (nimp ? 1 : 0));
    b.p[0] = 'M';
    b.p[1] = 'Z';
    tu_put_u32le(b.p + 0x3c, 0x80);
    memcpy(b.p + 0x80, "PE\0\0", 4);
    put16(&b, 0x84, 0x8664);
    put16(&b, 0x86, nsect);
    tu_put_u32le(b.p + 0x88, 1700000000);
    put16(&b, 0x94, 240);
    put16(&b, 0x96, 0x22);
    size_t opt = 0x98;
    put16(&b, opt, 0x20b);
    tu_put_u32le(b.p + opt + 16, 0x1000);   /* entry */
    tu_put_u32le(b.p + opt + 60, 0x400);    /* size of headers */
    put16(&b, opt + 68, 2);                 /* GUI */
    tu_put_u32le(b.p + opt + 108, 16);      /* directories */
    size_t sh = opt + 240, raw = 0x400;
    uint32_t rva = 0x1000;
    section(&b, sh, ".text", 0x10, rva, 0x200, (uint32_t)raw, 0x60000020);
    zeros(&b, 0x200);
    b.p[raw] = 0xc3;
    raw += 0x200;
    rva += 0x1000;
    sh += 40;
    if (data) {
        section(&b, sh, ".data", (uint32_t)dlen, rva, (uint32_t)dlen, (uint32_t)raw, 0xC0000040);
        tu_bytes_put(&b, data, dlen);
        raw += dlen;
        rva += (uint32_t)((dlen + 0xfff) & ~(size_t)0xfff);
        sh += 40;
    }
    if (nimp) {
        size_t n = idata(&b, rva, imps, nimp);
        section(&b, sh, ".idata", (uint32_t)n, rva, (uint32_t)n, (uint32_t)raw, 0xC0000040);
        tu_put_u32le(b.p + opt + 112 + 8, rva);
        tu_put_u32le(b.p + opt + 112 + 12, (uint32_t)((nimp + 1) * 20));
    }
    if (overlay)
        tu_bytes_put(&b, overlay, strlen(overlay));
    return b;
}

static const struct imp NET_IMPORTS[] = {
    {"KERNEL32.dll", {"ExitProcess", "Sleep", NULL}},
    {"WS2_32.dll", {"socket", "connect", NULL}},
};

/* ---- helpers */

static fg_engine *cap_engine(const char *extra)
{
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_capability_rules(e), 0);
    if (extra)
        assert_int_equal(fg_engine_add_rules_string(e, "test", extra), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    return e;
}

static fg_analysis *analyze(fg_engine *e, const char *name, const void *d, size_t n)
{
    fg_scanner *s = NULL;
    fg_analysis *a = NULL;
    assert_int_equal(fg_scanner_new(e, &s), 0);
    assert_int_equal(fg_analyze_mem(s, name, d, n, &a), 0);
    fg_scanner_free(s);
    assert_non_null(a);
    return a;
}

static const struct fg_capability *cap(const fg_analysis *a, const char *id)
{
    const struct fg_analysis_info *i = fg_analysis_get(a);
    for (size_t k = 0; k < i->ncapabilities; k++)
        if (!strcmp(i->capabilities[k].id, id))
            return &i->capabilities[k];
    return NULL;
}

static int has_string(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

/* ---- tests */

static void test_entropy(void **state)
{
    (void)state;
    uint8_t all[256], two[64];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        two[i] = (uint8_t)(i & 1);
    assert_true(an_entropy(all, 0) == 0.0);
    assert_true(an_entropy(two, 1) == 0.0);
    assert_true(an_entropy(all, 256) > 7.999 && an_entropy(all, 256) <= 8.0);
    assert_true(an_entropy(two, 64) > 0.999 && an_entropy(two, 64) < 1.001);
}

static void test_builtin_rules_compile(void **state)
{
    (void)state;
    fg_engine *e = cap_engine(NULL);
    fg_engine_free(e);
}

static void test_pe_facts_and_imphash(void **state)
{
    (void)state;
    struct tu_bytes b = build_pe(NET_IMPORTS, 2, NULL, 0, "OVERLAY-BYTES");
    fg_engine *e = cap_engine(NULL);
    fg_analysis *a = analyze(e, "net.exe", b.p, b.len);
    const struct fg_analysis_info *i = fg_analysis_get(a);
    assert_null(i->error);
    assert_string_equal(i->format, "pe");
    assert_string_equal(i->arch, "x86-64");
    assert_int_equal(i->bits, 64);
    assert_string_equal(i->kind, "executable");
    assert_string_equal(i->subsystem, "gui");
    assert_int_equal(i->timestamp, 1700000000);
    assert_int_equal(i->entry, 0x1000);
    assert_int_equal(i->nsections, 2);
    assert_string_equal(i->sections[0].name, ".text");
    assert_string_equal(i->sections[0].flags, "r-x");
    assert_int_equal(i->nlibraries, 2);
    assert_int_equal(i->nimports, 4);
    assert_true(has_string(i->imports, i->nimports_listed, "WS2_32.dll!connect"));
    assert_int_equal(i->overlay_size, strlen("OVERLAY-BYTES"));
    assert_false(i->signature);
    /* imphash over "kernel32.exitprocess,kernel32.sleep,ws2_32.socket,ws2_32.connect" */
    const char *list = "kernel32.exitprocess,kernel32.sleep,ws2_32.socket,ws2_32.connect";
    uint8_t h[16];
    unsigned hl = 0;
    char hex[33];
    EVP_Digest(list, strlen(list), h, &hl, EVP_md5(), NULL);
    for (int k = 0; k < 16; k++)
        snprintf(hex + 2 * k, 3, "%02x", h[k]);
    assert_string_equal(i->imphash, hex);
    /* Capabilities: sockets, with the imports as evidence. */
    const struct fg_capability *c = cap(a, "net_socket_pe");
    assert_non_null(c);
    assert_string_equal(c->ns, "communication/socket");
    assert_int_equal(c->nattack, 1);
    assert_string_equal(c->attack[0], "T1095");
    assert_non_null(strstr(c->evidence, "import WS2_32.dll!connect"));
    assert_true(i->network);
    assert_int_equal(i->exfiltration, FG_EXFIL_NO);
    assert_false(i->packed);
    fg_analysis_free(a);
    fg_engine_free(e);
    free(b.p);
}

static void test_pe_packed(void **state)
{
    (void)state;
    uint8_t *noise = malloc(32768);
    assert_non_null(noise);
    uint32_t x = 2463534242u;
    for (size_t k = 0; k < 32768; k++) { /* xorshift: incompressible enough */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise[k] = (uint8_t)x;
    }
    static const struct imp few[] = {{"KERNEL32.dll", {"LoadLibraryA", "GetProcAddress", NULL}}};
    struct tu_bytes b = build_pe(few, 1, noise, 32768, NULL);
    fg_engine *e = cap_engine(NULL);
    fg_analysis *a = analyze(e, "p.exe", b.p, b.len);
    const struct fg_analysis_info *i = fg_analysis_get(a);
    assert_true(i->packed);
    assert_true(i->npacked_evidence >= 1);
    assert_non_null(strstr(i->packed_evidence[0], ".data"));
    assert_int_equal(i->exfiltration, FG_EXFIL_UNKNOWN);
    assert_non_null(strstr(i->exfiltration_reason, "packed"));
    fg_analysis_free(a);
    fg_engine_free(e);
    free(b.p);
    free(noise);
}

/* Meta fields, an attack list with spaces, and how namespaces decide the judgement. */
static void test_meta_and_judgement(void **state)
{
    (void)state;
    const char *rules =
        "rule t_net { meta: capability = \"talks\" namespace = \"communication/test\" "
        "attack = \"T1071.001, T1095\" description = \"test net\" "
        "strings: $a = \"NET-MARKER\" condition: $a }\n"
        "rule t_data { meta: capability = \"gathers\" namespace = \"collection/test\" "
        "strings: $a = \"DATA-MARKER\" condition: $a }\n"
        "rule t_bare { strings: $a = \"BARE-MARKER\" condition: $a }\n";
    fg_engine *e = NULL;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_rules_string(e, "t", rules), 0);
    assert_int_equal(fg_engine_compile(e), 0);
    struct tu_bytes b = build_pe(NET_IMPORTS, 1, (const uint8_t *)"xx NET-MARKER DATA-MARKER",
                                 25, NULL);
    fg_analysis *a = analyze(e, "t.exe", b.p, b.len);
    const struct fg_analysis_info *i = fg_analysis_get(a);
    const struct fg_capability *c = cap(a, "t_net");
    assert_non_null(c);
    assert_string_equal(c->name, "talks");
    assert_string_equal(c->description, "test net");
    assert_int_equal(c->nattack, 2);
    assert_string_equal(c->attack[1], "T1095");
    assert_non_null(strstr(c->evidence, "\"NET-MARKER\" at 0x"));
    assert_non_null(strstr(c->evidence, "in .data"));
    assert_int_equal(i->exfiltration, FG_EXFIL_YES);
    assert_non_null(strstr(i->exfiltration_reason, "t_net"));
    assert_non_null(strstr(i->exfiltration_reason, "t_data"));
    fg_analysis_free(a);
    free(b.p);
    /* Network alone: no.  A rule without meta is listed under its own name and counts for
     * nothing. */
    b = build_pe(NET_IMPORTS, 1, (const uint8_t *)"NET-MARKER BARE-MARKER", 22, NULL);
    a = analyze(e, "u.exe", b.p, b.len);
    i = fg_analysis_get(a);
    assert_true(i->network);
    assert_int_equal(i->exfiltration, FG_EXFIL_NO);
    c = cap(a, "t_bare");
    assert_non_null(c);
    assert_string_equal(c->name, "t_bare");
    assert_string_equal(c->ns, "");
    assert_int_equal(c->nattack, 0);
    fg_analysis_free(a);
    free(b.p);
    /* Not a program: unknown, whatever the strings say. */
    a = analyze(e, "n.txt", "DATA-MARKER", 11);
    i = fg_analysis_get(a);
    assert_string_equal(i->format, "unknown");
    assert_false(i->network);
    assert_int_equal(i->exfiltration, FG_EXFIL_UNKNOWN);
    fg_analysis_free(a);
    fg_engine_free(e);
}

static void test_elf_self(void **state)
{
    (void)state;
    size_t n = 0;
    uint8_t *me = tu_read("/proc/self/exe", &n);
    fg_engine *e = cap_engine(NULL);
    fg_analysis *a = analyze(e, "self", me, n);
    const struct fg_analysis_info *i = fg_analysis_get(a);
    assert_string_equal(i->format, "elf");
    assert_true(i->bits == 64 || i->bits == 32);
    assert_string_equal(i->linkage, "dynamic");
    assert_int_equal(i->interpreter[0], '/');
    assert_true(i->nsections > 10);
    assert_true(i->ndynsyms > 0);
    assert_true(has_string(i->imports, i->nimports_listed, "_cmocka_run_group_tests"));
    assert_true(has_string(i->libraries, i->nlibraries, "libcmocka.so.0"));
    assert_false(i->packed);
    assert_int_equal(i->nwarnings, 0);
    /* The JSON carries the same facts. */
    char *j = fg_analysis_json(a);
    assert_non_null(j);
    json_error_t err;
    json_t *root = json_loads(j, 0, &err);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "format")), "elf");
    assert_true(json_is_boolean(json_object_get(root, "network")));
    assert_string_equal(json_string_value(json_object_get(root, "exfiltration")),
                        fg_exfil_name(i->exfiltration));
    json_t *facts = json_object_get(root, "facts");
    assert_string_equal(json_string_value(json_object_get(facts, "interpreter")),
                        i->interpreter);
    assert_int_equal(json_array_size(json_object_get(facts, "sections")), i->nsections);
    json_decref(root);
    free(j);
    fg_analysis_free(a);
    fg_engine_free(e);
    free(me);
}

/* Every prefix of a PE and of an ELF: an answer, never a crash or a read past the end. */
static void test_truncated(void **state)
{
    (void)state;
    struct tu_bytes b = build_pe(NET_IMPORTS, 2, NULL, 0, NULL);
    size_t n = 0;
    uint8_t *me = tu_read("/proc/self/exe", &n);
    fg_engine *e = cap_engine(NULL);
    fg_scanner *s = NULL;
    assert_int_equal(fg_scanner_new(e, &s), 0);
    for (size_t cut = 0; cut <= b.len; cut += cut < 0x500 ? 1 : 64) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size, so ASan sees any overread */
        memcpy(copy, b.p, cut);
        fg_analysis *a = NULL;
        assert_int_equal(fg_analyze_mem(s, "cut.exe", copy, cut, &a), 0);
        fg_analysis_free(a);
        free(copy);
    }
    size_t step = n / 29 + 1;
    for (size_t cut = 0; cut < n; cut += cut < 4096 ? 127 : step) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, me, cut);
        fg_analysis *a = NULL;
        assert_int_equal(fg_analyze_mem(s, "cut.elf", copy, cut, &a), 0);
        fg_analysis_free(a);
        free(copy);
    }
    fg_scanner_free(s);
    fg_engine_free(e);
    free(me);
    free(b.p);
}

static void test_file_errors(void **state)
{
    (void)state;
    fg_engine *e = NULL;
    struct fg_limits l;
    assert_int_equal(fg_engine_new(&e), 0);
    assert_int_equal(fg_engine_add_capability_rules(e), 0);
    fg_engine_get_limits(e, &l);
    l.max_object_size = 16;
    fg_engine_set_limits(e, &l);
    assert_int_equal(fg_engine_compile(e), 0);
    fg_scanner *s = NULL;
    assert_int_equal(fg_scanner_new(e, &s), 0);
    fg_analysis *a = NULL;
    assert_int_equal(fg_analyze_file(s, "does-not-exist", &a), 0);
    assert_non_null(strstr(fg_analysis_get(a)->error, "cannot open"));
    char *j = fg_analysis_json(a);
    assert_non_null(strstr(j, "\"error\":"));
    free(j);
    fg_analysis_free(a);
    tu_write("big", "more than sixteen bytes of text");
    assert_int_equal(fg_analyze_file(s, "big", &a), 0);
    assert_non_null(strstr(fg_analysis_get(a)->error, "size limit"));
    assert_int_equal(fg_analysis_get(a)->exfiltration, FG_EXFIL_UNKNOWN);
    fg_analysis_free(a);
    tu_write("small", "tiny");
    assert_int_equal(fg_analyze_file(s, "small", &a), 0);
    assert_null(fg_analysis_get(a)->error);
    assert_int_equal(fg_analysis_get(a)->size, 4);
    fg_analysis_free(a);
    assert_int_equal(fg_analyze_mem(s, "x", NULL, 1, &a), FG_EINVAL);
    fg_scanner_free(s);
    fg_engine_free(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_tmpdir_setup, tu_tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_entropy),
        T(test_builtin_rules_compile),
        T(test_pe_facts_and_imphash),
        T(test_pe_packed),
        T(test_meta_and_judgement),
        T(test_elf_self),
        T(test_truncated),
        T(test_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
