/*
 * identify.c - what an object is, by content only (never by name).
 *
 * Our own sniffers run first, in a table: they recognise the containers we unpack exactly
 * and cheaply, from magic numbers at fixed offsets.  libmagic then labels what no sniffer
 * claimed (executables, text, HTML ...).  Cheap fixed-offset checks go before the ones that
 * search a window (PDF, BinHex, mail headers), as in libarchive's bidders.
 */
#define _GNU_SOURCE
#include "identify.h"

#include <ctype.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/engine.h"
#include "../core/limits.h"

#define HAS(d, n, off, lit) ((n) >= (off) + sizeof(lit) - 1 && !memcmp((d) + (off), lit, sizeof(lit) - 1))

static int m_zip(const uint8_t *d, size_t n)
{
    return HAS(d, n, 0, "PK\3\4") || HAS(d, n, 0, "PK\5\6") || HAS(d, n, 0, "PK\7\10PK\3\4");
}
static int m_7z(const uint8_t *d, size_t n) { return HAS(d, n, 0, "7z\xBC\xAF\x27\x1C"); }
static int m_rar(const uint8_t *d, size_t n) { return HAS(d, n, 0, "Rar!\x1A\x07"); }
static int m_gzip(const uint8_t *d, size_t n) { return HAS(d, n, 0, "\x1F\x8B\x08"); }
static int m_bzip2(const uint8_t *d, size_t n)
{
    return HAS(d, n, 0, "BZh") && n > 3 && d[3] >= '1' && d[3] <= '9';
}
static int m_xz(const uint8_t *d, size_t n) { return HAS(d, n, 0, "\xFD" "7zXZ\0"); }
static int m_zstd(const uint8_t *d, size_t n) { return HAS(d, n, 0, "\x28\xB5\x2F\xFD"); }
static int m_lzip(const uint8_t *d, size_t n) { return HAS(d, n, 0, "LZIP"); }
static int m_tar(const uint8_t *d, size_t n) { return HAS(d, n, 257, "ustar"); }
static int m_cab(const uint8_t *d, size_t n) { return HAS(d, n, 0, "MSCF\0\0\0\0"); }
static int m_chm(const uint8_t *d, size_t n) { return HAS(d, n, 0, "ITSF\x03\0\0\0"); }
static int m_szdd(const uint8_t *d, size_t n) { return HAS(d, n, 0, "SZDD\x88\xF0\x27\x33"); }
static int m_kwaj(const uint8_t *d, size_t n) { return HAS(d, n, 0, "KWAJ\x88\xF0\x27\xD1"); }
static int m_iso(const uint8_t *d, size_t n)
{
    return HAS(d, n, 0x8001, "CD001") || HAS(d, n, 0x8801, "CD001") || HAS(d, n, 0x9001, "CD001");
}
static int m_cpio(const uint8_t *d, size_t n)
{
    return HAS(d, n, 0, "070701") || HAS(d, n, 0, "070702") || HAS(d, n, 0, "070707") ||
           HAS(d, n, 0, "\xC7\x71") || HAS(d, n, 0, "\x71\xC7");
}
static int m_ar(const uint8_t *d, size_t n) { return HAS(d, n, 0, "!<arch>\n"); }
static int m_arj(const uint8_t *d, size_t n) { return HAS(d, n, 0, "\x60\xEA") && n > 10; }
static int m_lha(const uint8_t *d, size_t n)
{
    return n > 7 && d[2] == '-' && d[3] == 'l' && (d[4] == 'h' || d[4] == 'z') && d[6] == '-';
}
static int m_xar(const uint8_t *d, size_t n) { return HAS(d, n, 0, "xar!"); }
/* MS-SHLLINK: header size 0x4C, then the ShellLink CLSID 00021401-0000-0000-C000-000000000046. */
static int m_lnk(const uint8_t *d, size_t n)
{
    return HAS(d, n, 0, "\x4C\0\0\0\x01\x14\x02\0\0\0\0\0\xC0\0\0\0\0\0\0\x46");
}
static int m_ole2(const uint8_t *d, size_t n) { return HAS(d, n, 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"); }
static int m_tnef(const uint8_t *d, size_t n) { return HAS(d, n, 0, "\x78\x9F\x3E\x22"); }
static int m_elf(const uint8_t *d, size_t n) { return HAS(d, n, 0, "\x7F" "ELF"); }
static int m_pe(const uint8_t *d, size_t n)
{
    if (!HAS(d, n, 0, "MZ") || n < 0x40)
        return 0;
    uint32_t off = (uint32_t)d[0x3C] | (uint32_t)d[0x3D] << 8 | (uint32_t)d[0x3E] << 16 |
                   (uint32_t)d[0x3F] << 24;
    return off < n && n - off >= 4 && !memcmp(d + off, "PE\0\0", 4);
}
static int m_rtf(const uint8_t *d, size_t n) { return HAS(d, n, 0, "{\\rt"); }
static int m_pdf(const uint8_t *d, size_t n)
{
    /* Readers accept %PDF- anywhere in the first kilobyte; so must we. */
    return memmem(d, n < 1024 ? n : 1024, "%PDF-", 5) != NULL;
}
static int m_binhex(const uint8_t *d, size_t n)
{
    return memmem(d, n < 4096 ? n : 4096, "(This file must be converted with BinHex", 40) != NULL;
}

/* "From " line of an mbox, followed by a header line. */
static int m_mbox(const uint8_t *d, size_t n)
{
    if (!HAS(d, n, 0, "From "))
        return 0;
    const uint8_t *nl = memchr(d, '\n', n < 1024 ? n : 1024);
    if (!nl || (size_t)(nl - d) + 2 >= n)
        return 0;
    const uint8_t *h = nl + 1;
    size_t rest = n - (size_t)(h - d);
    const uint8_t *colon = memchr(h, ':', rest < 80 ? rest : 80);
    return colon && colon > h && !memchr(h, ' ', (size_t)(colon - h));
}

/* RFC 5322 headers: the first lines must be "Name: value" (or continuations), and at least
 * two of them must be names mail always carries. */
static int m_mail(const uint8_t *d, size_t n)
{
    static const char *const known[] = {"from", "to", "subject", "date", "received",
                                        "message-id", "mime-version", "return-path",
                                        "content-type", "reply-to", "delivered-to", "cc",
                                        "x-mailer", "dkim-signature", "authentication-results"};
    size_t pos = 0, lines = 0, hits = 0;
    size_t lim = n < 16384 ? n : 16384;
    while (pos < lim && lines < 64) {
        const uint8_t *nl = memchr(d + pos, '\n', lim - pos);
        size_t l = nl ? (size_t)(nl - (d + pos)) : lim - pos;
        if (l == 0 || (l == 1 && d[pos] == '\r'))
            break; /* end of headers */
        if (d[pos] == ' ' || d[pos] == '\t') {
            if (lines == 0)
                return 0;
        } else {
            const uint8_t *c = memchr(d + pos, ':', l);
            if (!c || c == d + pos)
                return 0;
            for (const uint8_t *q = d + pos; q < c; q++)
                if (*q <= ' ' || *q >= 127)
                    return 0;
            size_t nl2 = (size_t)(c - (d + pos));
            for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
                if (strlen(known[i]) == nl2 && !strncasecmp((const char *)d + pos, known[i], nl2))
                    hits++;
        }
        lines++;
        if (!nl)
            break;
        pos += l + 1;
    }
    return hits >= 2;
}

/* uuencoded text: a "begin NNN name" line somewhere near the start. */
static int m_uue(const uint8_t *d, size_t n)
{
    size_t lim = n < 65536 ? n : 65536, i = 0;
    const uint8_t *hit;
    while (i + 10 < lim && (hit = memmem(d + i, lim - i, "begin ", 6))) {
        i = (size_t)(hit - d);
        if (i + 10 < lim && (i == 0 || d[i - 1] == '\n') && d[i + 6] >= '0' &&
            d[i + 6] <= '7' && d[i + 7] >= '0' && d[i + 7] <= '7' && d[i + 8] >= '0' &&
            d[i + 8] <= '7')
            return 1;
        i++;
    }
    return 0;
}

/* Text by content: no NUL and almost no control bytes in the first 4 KiB (or a UTF-16 BOM). */
static int looks_text(const uint8_t *d, size_t n)
{
    if (HAS(d, n, 0, "\xFF\xFE") || HAS(d, n, 0, "\xFE\xFF"))
        return 1;
    size_t lim = n < 4096 ? n : 4096, ctl = 0;
    for (size_t i = 0; i < lim; i++) {
        uint8_t c = d[i];
        if (c == 0)
            return 0;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B)
            ctl++;
    }
    return ctl * 100 <= lim;
}

/* Case-insensitive search for a needle that starts with '<' (every mark below does). */
static int has_ci(const uint8_t *d, size_t n, const char *needle)
{
    size_t l = strlen(needle);
    const uint8_t *p = d, *end = d + n;
    while ((size_t)(end - p) >= l && (p = memchr(p, '<', (size_t)(end - p)))) {
        if ((size_t)(end - p) >= l && !strncasecmp((const char *)p, needle, l))
            return 1;
        p++;
    }
    return 0;
}

/* What kind of text: decided by our own checks, because libmagic's text rules are
 * regular expressions that cost more than everything else in a scan of ordinary files. */
static const char *text_type(const uint8_t *d, size_t n)
{
    size_t i = 0;
    if (HAS(d, n, 0, "\xEF\xBB\xBF"))
        i = 3;
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
        i++;
    const uint8_t *p = d + i;
    size_t rest = n - i, win = rest < 1024 ? rest : 1024;
    if (HAS(p, rest, 0, "#!"))
        return "script";
    static const char *const html_marks[] = {"<!doctype html", "<html", "<head", "<body",
                                             "<script", "<iframe", "<meta ", "<div", "<table",
                                             "<form", "<a href", "<p>", "<br"};
    if (HAS(p, rest, 0, "<?xml") || has_ci(p, win, "<svg")) {
        if (has_ci(p, win, "<svg"))
            return "svg";
        if (has_ci(p, win, "<html"))
            return "html";
        return "xml";
    }
    for (size_t k = 0; k < sizeof html_marks / sizeof html_marks[0]; k++)
        if (has_ci(p, win, html_marks[k]))
            return "html";
    return "text";
}

struct sniffer {
    const char *type;
    int (*match)(const uint8_t *d, size_t n);
};

static const struct sniffer sniffers[] = {
    {"zip", m_zip},       {"7z", m_7z},       {"rar", m_rar},     {"gzip", m_gzip},
    {"bzip2", m_bzip2},   {"xz", m_xz},       {"zstd", m_zstd},   {"lzip", m_lzip},
    {"cab", m_cab},       {"chm", m_chm},     {"szdd", m_szdd},   {"kwaj", m_kwaj},
    {"ole2", m_ole2},     {"tnef", m_tnef},   {"elf", m_elf},     {"pe", m_pe},
    {"ar", m_ar},         {"xar", m_xar},     {"rtf", m_rtf},     {"cpio", m_cpio},
    {"tar", m_tar},       {"iso9660", m_iso}, {"arj", m_arj},     {"lha", m_lha},
    {"lnk", m_lnk}, /* fixed offset: before the sniffers that search a window */
    {"pdf", m_pdf},       {"binhex", m_binhex}, {"mbox", m_mbox}, {"mail", m_mail},
    {"uuencode", m_uue},
};

struct mime_map {
    const char *prefix;
    const char *type;
};

/* libmagic MIME types to our names, for what the sniffers left. */
static const struct mime_map mime_map[] = {
    {"text/html", "html"},
    {"application/x-dosexec", "pe"},
    {"application/x-executable", "elf"},
    {"application/x-sharedlib", "elf"},
    {"application/x-pie-executable", "elf"},
    {"text/x-shellscript", "script"},
    {"text/x-python", "script"},
    {"text/x-perl", "script"},
    {"text/xml", "xml"},
    {"image/svg+xml", "svg"},
    {"application/javascript", "script"},
    {"text/", "text"},
    {"image/", "image"},
    {"audio/", "media"},
    {"video/", "media"},
    {"application/json", "text"},
};

const char *fg_identify(struct fg_scanner *sc, const uint8_t *d, size_t n)
{
    return fg_identify_or(sc, d, n, NULL);
}

const char *fg_identify_or(struct fg_scanner *sc, const uint8_t *d, size_t n,
                           const char *fallback)
{
    for (size_t i = 0; i < sizeof sniffers / sizeof sniffers[0]; i++)
        if (sniffers[i].match(d, n))
            return sniffers[i].type;
    if (n == 0)
        return "empty";
    if (looks_text(d, n))
        return text_type(d, n);
    if (fallback)
        return fallback;
    const char *mime = sc && sc->magic ? magic_buffer(sc->magic, d, n < FG_CAP_SNIFF ? n : FG_CAP_SNIFF)
                                       : NULL;
    if (mime)
        for (size_t i = 0; i < sizeof mime_map / sizeof mime_map[0]; i++)
            if (!strncmp(mime, mime_map[i].prefix, strlen(mime_map[i].prefix)))
                return mime_map[i].type;
    return "data";
}

int fg_identify_scanner_init(struct fg_scanner *sc)
{
    /* No decompression (MAGIC_COMPRESS) and no following of links: libmagic only labels. */
    magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF |
                           MAGIC_ERROR);
    if (!m)
        return 0; /* identification still works through the sniffers */
    if (magic_load(m, NULL) != 0) {
        magic_close(m);
        return 0;
    }
    sc->magic = m;
    return 0;
}

void fg_identify_scanner_fini(struct fg_scanner *sc)
{
    if (sc->magic)
        magic_close(sc->magic);
    sc->magic = NULL;
}
