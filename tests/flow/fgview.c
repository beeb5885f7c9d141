/*
 * fgview.c - a small viewer for FGDOC test documents, DELIBERATELY VULNERABLE, for tests only.
 * It renders a document into the current directory (out.txt, image-N.ppm, exports) and is the
 * handler of the execution-flow evaluation set; docs/internals/fgview.md describes the format,
 * the three planted bugs (marked "DELIBERATE VULNERABILITY") and the exploits. Never installed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Caps: everything except the three planted bugs is bounded. */
#define FGV_MAX_FILE (16u << 20)    /* document size */
#define FGV_MAX_CHUNKS 256u         /* chunks per level */
#define FGV_MAX_DEPTH 2             /* ZLIB chunks nest at most this deep */
#define FGV_MAX_INFLATE (4u << 20)  /* decompressed size of one ZLIB chunk */
#define FGV_MAX_DIM 1024u           /* image width and height */
#define FGV_MAX_EXPORTS 8u
#define FGV_MAX_META 64u
#define FGV_WRAP 72u                /* text column of out.txt */
#define FGV_LABEL 32u               /* image label in a render job */

/* Document state. Kept in .bss on purpose: the title's address is fixed in a non-PIE binary,
 * which the return-oriented exploits use to hold their command string (docs/internals/fgview.md). */
static char g_title[256];
static char g_font[64];
static FILE *g_out;
static unsigned g_images, g_paragraphs, g_words, g_meta, g_unknown;
static char g_exports[FGV_MAX_EXPORTS][256];
static unsigned char g_export_kind[FGV_MAX_EXPORTS];
static unsigned g_n_exports;

/* One image being rendered. DELIBERATE VULNERABILITY (heap): on_done sits right behind the
 * label, and image_chunk() copies a label of up to 255 bytes into it. */
struct render_job {
    char label[FGV_LABEL];
    void (*on_done)(struct render_job *job);
    const uint8_t *pixels;
    unsigned w, h, channels, scale, index;
    int rc;
};

void fgview_debug_run(const char *cmd);
void fgview_test_gadgets(void);

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fgview: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned rd16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* A leftover debugging hook: `FGVIEW_DEBUG_CMD=... fgview doc` runs a command after rendering.
 * No benign test sets it; it is why system@plt exists and the function-pointer exploit's target. */
void fgview_debug_run(const char *cmd)
{
    if (cmd && *cmd)
        (void)!system(cmd);
}

/*
 * DELIBERATE TEST GADGETS. Never called. Real non-PIE programs carry such byte sequences by
 * accident; glibc >= 2.34 no longer links __libc_csu_init into every binary, so the exploit
 * generator (tests/flow/make_docs.py) would otherwise find too few. It finds them by scanning
 * the executable segment for their bytes, as a ROP tool would, not through this symbol.
 */
void fgview_test_gadgets(void)
{
    __asm__ volatile("jmp *%rsp\n\t"       /* ff e4: into shellcode on the stack */
                     "pop %rdi\n\tret\n\t" /* 5f c3 */
                     "pop %rsi\n\tret\n\t" /* 5e c3 */
                     "pop %rdx\n\tret\n\t" /* 5a c3 */
                     "pop %rax\n\tret\n\t" /* 58 c3 */
                     "syscall\n\tret\n\t"); /* 0f 05 c3 */
}

static void title_chunk(const uint8_t *p, uint32_t len)
{
    size_t n = len < sizeof g_title - 1 ? len : sizeof g_title - 1;
    memcpy(g_title, p, n);
    g_title[n] = '\0';
    fprintf(g_out, "# %s\n\n", g_title);
}

/* Word-wraps one paragraph at FGV_WRAP columns; control bytes become spaces. */
static void text_chunk(const uint8_t *p, uint32_t len)
{
    size_t col = 0, i = 0;
    g_paragraphs++;
    while (i < len) {
        while (i < len && (p[i] <= ' ' || p[i] == 0x7f))
            i++;
        size_t start = i;
        while (i < len && p[i] > ' ' && p[i] != 0x7f)
            i++;
        size_t wl = i - start;
        if (!wl)
            break;
        g_words++;
        if (col && col + 1 + wl > FGV_WRAP) {
            fputc('\n', g_out);
            col = 0;
        } else if (col) {
            fputc(' ', g_out);
            col++;
        }
        fwrite(p + start, 1, wl, g_out);
        col += wl;
    }
    fputs("\n\n", g_out);
}

/* META: "key=value" lines; malformed lines are skipped. */
static void meta_chunk(const uint8_t *p, uint32_t len)
{
    const uint8_t *end = p + len;
    while (p < end && g_meta < FGV_MAX_META) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *le = nl ? nl : end;
        const uint8_t *eq = memchr(p, '=', (size_t)(le - p));
        if (eq && eq > p) {
            fprintf(g_out, "meta: %.*s = %.*s\n", (int)(eq - p), (const char *)p,
                    (int)(le - eq - 1), (const char *)eq + 1);
            g_meta++;
        }
        p = nl ? nl + 1 : end;
    }
}

/* DELIBERATE VULNERABILITY (stack): the name is copied with the chunk's length into a 64-byte
 * buffer; a longer FONT chunk overwrites the saved frame pointer and the return address. The
 * function reads no other local after the copy, so an overflow reaches the `ret` intact. */
static void __attribute__((noinline)) font_take_name(const uint8_t *p, uint32_t len)
{
    char name[64];
    memset(name, 0, sizeof name);
    memcpy(name, p, len);
    memcpy(g_font, name, sizeof g_font);
    g_font[sizeof g_font - 1] = '\0';
}

/* Looks the font up under /usr/share/fonts and reads its sfnt table count. */
static void font_chunk(const uint8_t *p, uint32_t len)
{
    static const char *const dirs[] = {"/usr/share/fonts/truetype/dejavu",
                                       "/usr/share/fonts/truetype/liberation",
                                       "/usr/share/fonts/truetype", "/usr/share/fonts/opentype"};
    font_take_name(p, len);
    for (const char *c = g_font; *c; c++)
        if (!(*c == '-' || *c == '_' || (*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= 'a' && *c <= 'z'))) {
            fprintf(g_out, "font: (invalid name) -> builtin\n");
            return;
        }
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char path[512];
        uint8_t hdr[12];
        snprintf(path, sizeof path, "%s/%s.ttf", dirs[i], g_font);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = pread(fd, hdr, sizeof hdr, 0);
        close(fd);
        if (n == (ssize_t)sizeof hdr && rd32(hdr) == 0x00000100u) {
            fprintf(g_out, "font: %s (%s, %u tables)\n", g_font, path,
                    (unsigned)hdr[4] << 8 | hdr[5]);
            return;
        }
    }
    fprintf(g_out, "font: %s -> builtin\n", g_font);
}

static void render_done(struct render_job *job)
{
    fprintf(g_out, "image %u \"%.*s\": %ux%u/%u -> image-%u.ppm (%s)\n", job->index,
            (int)FGV_LABEL, job->label, job->w, job->h, job->scale, job->index,
            job->rc ? "failed" : "ok");
}

/* Box-filters the image down by job->scale into image-N.ppm (binary P6). */
static void *render_thread(void *arg)
{
    struct render_job *job = arg;
    unsigned ow = job->w / job->scale, oh = job->h / job->scale, s = job->scale;
    size_t rowlen = (size_t)ow * 3;
    uint8_t *row = malloc(rowlen ? rowlen : 1);
    char name[32];
    snprintf(name, sizeof name, "image-%u.ppm", job->index);
    FILE *f = fopen(name, "wb");
    job->rc = !row || !f;
    if (!job->rc) {
        fprintf(f, "P6\n%u %u\n255\n", ow, oh);
        for (unsigned y = 0; y < oh; y++) {
            for (unsigned x = 0; x < ow; x++)
                for (unsigned c = 0; c < 3; c++) {
                    unsigned sum = 0;
                    for (unsigned dy = 0; dy < s; dy++)
                        for (unsigned dx = 0; dx < s; dx++) {
                            size_t px = (size_t)(y * s + dy) * job->w + x * s + dx;
                            unsigned ch = job->channels == 3 ? c : 0;
                            sum += job->pixels[px * job->channels + ch];
                        }
                    row[x * 3 + c] = (uint8_t)(sum / (s * s));
                }
            fwrite(row, 1, rowlen, f);
        }
    }
    if (f && fclose(f))
        job->rc = 1;
    free(row);
    job->on_done(job);
    return NULL;
}

/* IMAG: u16 w, u16 h, u8 channels (1|3), u8 scale (1..8), u8 label length, label, pixels. */
static void image_chunk(const uint8_t *p, uint32_t len)
{
    if (len < 7)
        die("image chunk too short");
    unsigned w = rd16(p), h = rd16(p + 2), ch = p[4], scale = p[5], ll = p[6];
    if (!w || !h || w > FGV_MAX_DIM || h > FGV_MAX_DIM || (ch != 1 && ch != 3) || !scale ||
        scale > 8 || scale > w || scale > h)
        die("image %u: bad geometry", g_images);
    if ((uint64_t)len != 7u + ll + (uint64_t)w * h * ch)
        die("image %u: size does not match geometry", g_images);
    struct render_job *job = calloc(1, sizeof *job);
    if (!job)
        die("out of memory");
    job->on_done = render_done;
    memcpy(job->label, p + 7, ll); /* the bug: ll may be up to 255 */
    job->pixels = p + 7 + ll;
    job->w = w;
    job->h = h;
    job->channels = ch;
    job->scale = scale;
    job->index = g_images++;
    /* Rendering runs on its own thread, as a real viewer's would; joined at once so that the
     * output stays deterministic. */
    pthread_t t;
    if (pthread_create(&t, NULL, render_thread, job))
        die("cannot start the render thread");
    pthread_join(t, NULL);
    free(job);
}

/* EXPO: u8 kind (0 = the rendered text, 1 = a one-line summary), then the output path.
 * DELIBERATE VULNERABILITY (data only): the path is used as given, "../" and "/" included. */
static void export_chunk(const uint8_t *p, uint32_t len)
{
    if (len < 2 || len - 1 >= sizeof g_exports[0] || p[0] > 1 ||
        memchr(p + 1, '\0', len - 1))
        die("bad export chunk");
    if (g_n_exports == FGV_MAX_EXPORTS)
        die("too many export chunks");
    memcpy(g_exports[g_n_exports], p + 1, len - 1);
    g_exports[g_n_exports][len - 1] = '\0';
    g_export_kind[g_n_exports++] = p[0];
}

static unsigned parse_chunks(const uint8_t *p, size_t len, unsigned depth);

/* ZLIB: u32 decompressed length, then a zlib stream holding more chunks (no header). */
static void zlib_chunk(const uint8_t *p, uint32_t len, unsigned depth)
{
    if (len < 4 || depth >= FGV_MAX_DEPTH)
        die("bad or too deeply nested zlib chunk");
    uLongf want = rd32(p), got;
    if (want > FGV_MAX_INFLATE)
        die("zlib chunk too large");
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf)
        die("out of memory");
    got = want;
    if (uncompress(buf, &got, p + 4, len - 4) != Z_OK || got != want)
        die("corrupt zlib chunk");
    (void)parse_chunks(buf, got, depth + 1);
    free(buf);
}

/* Chunks: 4-byte type, u32 length, data. Unknown types are skipped. Returns the count. */
static unsigned parse_chunks(const uint8_t *p, size_t len, unsigned depth)
{
    size_t off = 0;
    unsigned n = 0;
    for (; off < len; n++) {
        if (n == FGV_MAX_CHUNKS)
            die("too many chunks");
        if (len - off < 8 || rd32(p + off + 4) > len - off - 8)
            die("truncated chunk at offset %zu", off);
        const uint8_t *d = p + off + 8;
        uint32_t dl = rd32(p + off + 4);
        if (!memcmp(p + off, "TITL", 4))
            title_chunk(d, dl);
        else if (!memcmp(p + off, "TEXT", 4))
            text_chunk(d, dl);
        else if (!memcmp(p + off, "META", 4))
            meta_chunk(d, dl);
        else if (!memcmp(p + off, "FONT", 4))
            font_chunk(d, dl);
        else if (!memcmp(p + off, "IMAG", 4))
            image_chunk(d, dl);
        else if (!memcmp(p + off, "EXPO", 4))
            export_chunk(d, dl);
        else if (!memcmp(p + off, "ZLIB", 4))
            zlib_chunk(d, dl, depth);
        else
            g_unknown++;
        off += 8 + (size_t)dl;
    }
    return n;
}

/* Creates the parent directories of path (each may already exist). */
static void make_parents(const char *path)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *s = dir + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(dir, 0755) && errno != EEXIST)
                die("cannot create %s: %s", dir, strerror(errno));
            *s = '/';
        }
}

static void write_all(int fd, const void *buf, size_t n, const char *path)
{
    const char *b = buf;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("cannot write %s", path);
        b += w;
        n -= (size_t)w;
    }
}

/* Writes every export named by the document (after out.txt is complete). */
static void do_exports(void)
{
    for (unsigned i = 0; i < g_n_exports; i++) {
        const char *path = g_exports[i];
        make_parents(path);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            die("cannot create %s: %s", path, strerror(errno));
        if (g_export_kind[i] == 1) {
            char line[512];
            int n = snprintf(line, sizeof line, "%s: %u paragraphs, %u words, %u images\n",
                             g_title, g_paragraphs, g_words, g_images);
            write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, path);
        } else {
            int in = open("out.txt", O_RDONLY | O_CLOEXEC);
            char buf[4096];
            ssize_t n;
            if (in < 0)
                die("cannot reopen out.txt");
            while ((n = read(in, buf, sizeof buf)) > 0)
                write_all(fd, buf, (size_t)n, path);
            close(in);
        }
        if (close(fd))
            die("cannot write %s", path);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fgview DOCUMENT   (writes out.txt, image-N.ppm, exports here)\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st))
        die("cannot open %s", argv[1]);
    if (!S_ISREG(st.st_mode) || st.st_size < 8 || (uint64_t)st.st_size > FGV_MAX_FILE)
        die("%s: not a document of a supported size", argv[1]);
    size_t len = (size_t)st.st_size;
    const uint8_t *doc = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (doc == MAP_FAILED)
        die("cannot map %s", argv[1]);
    if (memcmp(doc, "FGDOC", 5) || doc[5] != 1)
        die("%s: not an FGDOC version 1 document", argv[1]);
    if (!(g_out = fopen("out.txt", "w")))
        die("cannot create out.txt");
    unsigned n = parse_chunks(doc + 8, len - 8, 0);
    if (rd16(doc + 6) != n)
        die("%s: the header announces %u chunks, the document has %u", argv[1], rd16(doc + 6), n);
    if (fclose(g_out))
        die("cannot write out.txt");
    do_exports();
    munmap((void *)doc, len);
    printf("fgview: %u paragraphs, %u words, %u images, %u metadata, %u exports, %u unknown\n",
           g_paragraphs, g_words, g_images, g_meta, g_n_exports, g_unknown);
    const char *dbg = getenv("FGVIEW_DEBUG_CMD");
    if (dbg)
        fgview_debug_run(dbg);
    return 0;
}
