/*
 * analyze.h - internals of capability analysis (`flowgate analyze`): the analysis being
 * built, the table of format readers that fill in its facts (PE, ELF), the capability rule
 * matcher and the judgement (packed, network, exfiltration).
 *
 * Everything an analysis keeps is owned by it: strings live in its pool and are freed with
 * it; the public struct fg_analysis_info is pointed at the arrays once the analysis is done.
 */
#ifndef FG_ANALYZE_H
#define FG_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "flowgate/flowgate.h"
#include "limits.h"


/* A list of strings owned by the analysis.  'cap' (0: none) bounds how many are kept;
 * 'total' counts every string offered. */
struct an_strlist {
    char **v;
    size_t n, alloc, cap, total;
};

struct fg_analysis {
    struct fg_analysis_info info; /* the public view */
    char *path;
    char sha256[65];
    char imphash[33];
    const char *format; /* "pe", "elf", "unknown" */
    struct fg_section *sections;
    size_t nsections, sections_alloc, sections_total;
    uint64_t entropy_bytes;  /* bytes the section entropies have looked at so far */
    unsigned entropy_skipped;
    struct an_strlist pool; /* strings that fields point into */
    struct an_strlist libraries, imports, warnings, packed_evidence;
    struct fg_capability *caps;
    size_t ncaps, caps_alloc, caps_dropped;
    int oom; /* an allocation failed while building: the analysis is unusable */
};

/* A reader of one executable format: 'bid' looks at the first bytes, 'read' fills in the
 * facts.  'read' returns 0, FG_ENOMEM, or FG_EFORMAT after leaving a warning (the facts
 * found so far stay; capability rules still run). */
struct an_format {
    const char *name;
    int (*bid)(const uint8_t *p, size_t n);
    int (*read)(struct fg_analysis *a, const uint8_t *p, size_t n);
};

extern const struct an_format an_format_pe;
extern const struct an_format an_format_elf;

/* analyze.c */
/* Bits of information per byte (Shannon entropy), 0 for an empty range. */
double an_entropy(const uint8_t *p, size_t n);
/* A sanitised, NUL-terminated copy of n bytes, owned by the analysis; NULL on ENOMEM. */
const char *an_str(struct fg_analysis *a, const void *s, size_t n);
/* Adds a sanitised copy to a list, unless the list is at its cap (it is still counted). */
int an_strlist_add(struct fg_analysis *a, struct an_strlist *l, const void *s, size_t n);
/* Records a problem met while reading; a partial analysis says what is missing. */
void an_warn(struct fg_analysis *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a section; its entropy is computed over file bytes [offset, offset+size) that exist. */
int an_section_add(struct fg_analysis *a, const char *name, size_t name_len, uint64_t offset,
                   uint64_t size, uint64_t addr, uint64_t vsize, int r, int w, int x,
                   const uint8_t *file, size_t file_len);

/* analyze_rules.c */
/* Matches the engine's capability rules against the sample and records each matched rule. */
int an_rules_match(fg_scanner *s, struct fg_analysis *a, const uint8_t *p, size_t n);

/* analyze_judge.c */
/* Decides packed, network and exfiltration from the facts and the matched capabilities. */
int an_judge(struct fg_analysis *a, const uint8_t *p, size_t n);

#endif
