/*
 * sig.h - internals of signature generation (`flowgate sig`): the string table of the
 * samples, the goodware file list, string scoring and selection, rule and ClamAV text, and
 * the libyara probes that decide which strings the samples share and goodware lacks.
 */
#ifndef FG_SIG_H
#define FG_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "flowgate/flowgate.h"

/* ---- sig_strings.c: printable strings of the samples */

/* One string of the samples, ASCII or UTF-16LE (then 'text' holds its ASCII characters). */
struct sig_str {
    uint64_t hash;
    uint32_t off;        /* of its text in the table's arena */
    uint16_t len;        /* characters */
    uint8_t wide;        /* found as UTF-16LE */
    uint8_t in_goodware; /* seen in a goodware file: never used */
    uint64_t exact;      /* samples where it was extracted as a whole string (bit per sample) */
    uint64_t cover;      /* samples that contain it anywhere (libyara probe) */
    int score;           /* < 0: rejected by sig_score() */
};

struct sig_strtab {
    struct sig_str *v;
    size_t n, alloc;
    uint32_t *slots; /* open addressing: index + 1 into v, 0 = empty */
    size_t nslots;
    struct fg_buf arena;
    int capped; /* FG_CAP_SIG_STRINGS was reached: later strings were not kept */
};

void sig_strtab_init(struct sig_strtab *t);
void sig_strtab_free(struct sig_strtab *t);
static inline const char *sig_str_text(const struct sig_strtab *t, const struct sig_str *s)
{
    return (const char *)t->arena.p + s->off;
}
/* Adds the printable ASCII and UTF-16LE runs of at least 'minlen' characters of sample
 * number 'sample' (< 64); runs longer than FG_CAP_SIG_STRING keep their start. */
int sig_strings_extract(struct sig_strtab *t, const uint8_t *p, size_t n, unsigned minlen,
                        unsigned sample);

/* Worth of a string as a signature, higher is better; negative: never use it (padding,
 * repeated characters, format boilerplate, common library names). */
int sig_score(const char *s, size_t n);
/* Scores up to this are weak (identifiers, DLL names): used only while a rule has fewer than
 * SIG_MIN_STRONG strings. */
#define SIG_WEAK 40
#define SIG_MIN_STRONG 3

/* ---- sig_goodware.c: the files a rule must not match */

struct sig_gwfile {
    char *path;
    uint64_t size;
    uint8_t skip; /* same bytes as a sample, or unreadable: not part of the set */
};

struct sig_goodware {
    struct sig_gwfile *f;
    size_t n, alloc;
    uint64_t bytes;        /* bytes of the listed files */
    size_t too_large;      /* files over FG_CAP_SIG_GW_FILE, not listed */
    size_t unreadable;     /* directories or files that could not be read */
    size_t same_as_sample; /* files identical to a sample */
    int capped;            /* FG_CAP_SIG_GW_FILES or _BYTES was reached */
};

void sig_goodware_free(struct sig_goodware *g);
/* Lists the regular files below 'dir' (symbolic links not followed), within the caps. */
int sig_goodware_walk(struct sig_goodware *g, const char *dir);
/* Reads a regular file into *buf (grown as needed), at most FG_CAP_SIG_GW_FILE bytes (the
 * sample cap is the same); 'follow': a symbolic link is followed (samples) or refused (a
 * goodware file, which the walk listed as a regular file). */
int sig_file_read(const char *path, int follow, uint8_t **buf, size_t *alloc, size_t *len);
/* The default goodware directories that exist here; NULL-terminated, static. */
const char *const *sig_goodware_default_dirs(void);

/* ---- sig_rule.c: names, escaping, selection and the rule text */

int sig_name_valid(const char *name);
/* A YARA identifier from a file name ("dropper-v2.exe" -> "dropper_v2_exe"). */
void sig_name_derive(const char *path, char *out, size_t cap);
/* Appends 's' as the inside of a YARA text string ("..."), escaping what YARA needs. */
int sig_yara_escape(struct fg_buf *b, const uint8_t *s, size_t n);
/* Appends bytes as a YARA hex string: "{ 4D 5A 90 }". */
int sig_yara_hex(struct fg_buf *b, const uint8_t *s, size_t n);

/* What all samples begin with, as a YARA condition and a name ("pe", "elf", ...). */
struct sig_header {
    const char *kind;  /* "pe", "elf", "pdf", "zip", "ole2", "rtf", "bytes" or "" */
    char cond[96];     /* e.g. "uint16(0) == 0x5A4D"; "" if the samples share nothing */
};
struct sig_view {
    const uint8_t *p;
    size_t len;
};
void sig_header_detect(const struct sig_view *s, size_t n, struct sig_header *h);

/* Picks up to 'max' strings: those every sample contains first, best score first, no
 * string inside another.  Returns how many (indices into t->v in 'out'); *k is how many
 * the condition asks for so that every sample still matches. */
size_t sig_select(const struct sig_strtab *t, size_t nsamples, size_t max, size_t *out,
                  unsigned *k);

struct sig_rule_in {
    const char *name, *author, *date;
    const char *const *sha256;
    size_t nsamples;
    size_t ngoodware;
    uint64_t max_size;
    const struct sig_header *header;
    const struct sig_strtab *t;
    const size_t *sel;
    size_t nsel;
    unsigned k;
};
/* The rule text (NUL-terminated, malloc'ed) or NULL on ENOMEM. */
char *sig_rule_text(const struct sig_rule_in *in, char *cond, size_t condcap);

/* ---- sig_clamav.c: ClamAV signatures */

/* One .hdb line per sample: "md5:size:NAME.<sha256 prefix>". */
char *sig_clamav_hdb(const char *name, const char *const *md5, const char *const *sha256,
                     const uint64_t *size, size_t n);
/* The longest run of bytes around one of the selected strings that every sample has in
 * common, as an .ndb line "NAME:target:*:hex"; NULL if none or ENOMEM. *runlen is the run's
 * length in bytes. */
char *sig_clamav_ndb(const char *name, const char *kind, const struct sig_view *s, size_t n,
                     const struct sig_strtab *t, const size_t *sel, size_t nsel, size_t *runlen);

/* ---- sig_yara.c: compiling rules and scanning with them */

struct YR_RULES;
/* Compiles rule text; on failure 'err' says why. */
int sig_yara_compile(const char *text, struct YR_RULES **out, char *err, size_t errcap);
/* Scans bytes; for every matched string whose identifier is "$<prefix><number>", calls
 * hit(arg, number).  *matched is set if any rule matched. */
int sig_yara_scan(struct YR_RULES *r, const uint8_t *p, size_t n, char prefix,
                  void (*hit)(void *arg, size_t idx), void *arg, int *matched);

#endif
