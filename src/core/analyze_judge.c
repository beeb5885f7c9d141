/*
 * analyze_judge.c - the conclusions of an analysis: is the program packed, can it talk over
 * the network, can it exfiltrate data.  Each conclusion carries the evidence or the rule ids
 * it rests on, so a person can check it.
 *
 * The judgement reads capability namespaces, not rule names, so an analyst's own rules take
 * part: communication/... is network, collection/... and data/... handle data.
 */
#define _GNU_SOURCE
#include "analyze.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Entropy above which bytes look compressed or encrypted: compiled code stays near 5.5-6.5
 * bits per byte, deflate and ciphertext near 8. */
#define EXEC_ENTROPY 7.0
#define DATA_ENTROPY 7.2
#define EXEC_MIN_BYTES 1024   /* shorter ranges cannot reach a high entropy anyway */
#define DATA_MIN_BYTES 4096
#define FEW_PE_IMPORTS 10     /* a packer stub needs LoadLibrary, GetProcAddress and little else */
#define FEW_ELF_IMPORTS 5
#define RULES_NAMED 6

/* Section names that packers and protectors leave behind. */
static const struct {
    const char *section;
    const char *packer;
} packer_sections[] = {
    {"UPX0", "UPX"}, {"UPX1", "UPX"}, {"UPX2", "UPX"}, {".aspack", "ASPack"},
    {".adata", "ASPack"}, {".MPRESS1", "MPRESS"}, {".MPRESS2", "MPRESS"},
    {".petite", "Petite"}, {"PEC2", "PECompact"}, {"PEC2TO", "PECompact"},
    {".nsp0", "NsPack"}, {".nsp1", "NsPack"}, {".vmp0", "VMProtect"}, {".vmp1", "VMProtect"},
    {".themida", "Themida"}, {".winlice", "WinLicense"}, {".enigma1", "Enigma"},
    {".enigma2", "Enigma"}, {"MEW", "MEW"}, {".packed", "a packer"},
};

static int evidence(struct fg_analysis *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int evidence(struct fg_analysis *a, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return FG_OK;
    return an_strlist_add(a, &a->packed_evidence, buf, strlen(buf));
}

static int is_debug_section(const char *name)
{
    return !strncmp(name, ".debug", 6) || !strncmp(name, ".zdebug", 7) ||
           !strcmp(name, ".gnu_debugdata") || !strcmp(name, ".gnu_debuglink");
}

/* The section holding the entry point (an address), or NULL. */
static const struct fg_section *entry_section(const struct fg_analysis *a)
{
    for (size_t i = 0; i < a->nsections; i++) {
        const struct fg_section *s = &a->sections[i];
        uint64_t span = s->vsize > s->size ? s->vsize : s->size;
        if (a->info.entry >= s->addr && a->info.entry - s->addr < span && s->addr)
            return s;
    }
    return NULL;
}

static int packer_marks(struct fg_analysis *a, const uint8_t *p, size_t n, int *likely)
{
    for (size_t i = 0; i < a->nsections; i++)
        for (size_t k = 0; k < sizeof packer_sections / sizeof *packer_sections; k++)
            if (!strcmp(a->sections[i].name, packer_sections[k].section)) {
                *likely = 1;
                if (evidence(a, "section %s, named by %s", a->sections[i].name,
                             packer_sections[k].packer))
                    return FG_ENOMEM;
            }
    /* UPX stamps its own magic into the headers of what it packs. */
    const uint8_t *m = memmem(p, n < 4096 ? n : 4096, "UPX!", 4);
    if (m) {
        *likely = 1;
        if (evidence(a, "UPX marker \"UPX!\" at 0x%zx", (size_t)(m - p)))
            return FG_ENOMEM;
    }
    return FG_OK;
}

static int judge_packed(struct fg_analysis *a, const uint8_t *p, size_t n)
{
    int likely = 0, rc;
    if ((rc = packer_marks(a, p, n, &likely)))
        return rc;
    int pe = !strcmp(a->format, "pe"), elf = !strcmp(a->format, "elf");
    /* A shared object made of tables (character sets, fonts) imports almost nothing and is
     * mostly high-entropy .rodata: for ELF only executables count here. */
    int few = pe ? a->imports.total < FEW_PE_IMPORTS
                 : elf && ((!strcmp(a->info.linkage, "dynamic") &&
                            strcmp(a->info.kind, "shared object") &&
                            a->imports.total < FEW_ELF_IMPORTS) ||
                           a->sections_total == 0);
    const struct fg_section *big = NULL;
    uint64_t big_size = 0;
    for (size_t i = 0; i < a->nsections; i++) {
        const struct fg_section *s = &a->sections[i];
        if (s->flags[2] == 'x' && s->size >= EXEC_MIN_BYTES && s->entropy >= EXEC_ENTROPY) {
            likely = 1;
            if (evidence(a, "executable %s %s has entropy %.2f over %llu bytes",
                         a->sections_total ? "section" : "segment", s->name, s->entropy,
                         (unsigned long long)s->size))
                return FG_ENOMEM;
        }
        if (s->size >= DATA_MIN_BYTES && s->entropy >= DATA_ENTROPY && !is_debug_section(s->name) &&
            s->size > big_size) {
            big = s;
            big_size = s->size;
        }
    }
    /* A large incompressible region plus next to no imports: code that unpacks the rest. */
    if (few && pe && a->info.overlay_size >= DATA_MIN_BYTES &&
        a->info.overlay_entropy >= DATA_ENTROPY && a->info.overlay_size > big_size) {
        likely = 1;
        if (evidence(a, "%zu imported functions; an overlay of %llu bytes has entropy %.2f",
                     a->imports.total, (unsigned long long)a->info.overlay_size,
                     a->info.overlay_entropy))
            return FG_ENOMEM;
    } else if (few && big && big_size * 4 >= n) {
        likely = 1;
        if (evidence(a, "%zu imported functions; %s (%llu%% of the file) has entropy %.2f",
                     a->imports.total, big->name, (unsigned long long)(big_size * 100 / n),
                     big->entropy))
            return FG_ENOMEM;
    }
    const struct fg_section *es = pe ? entry_section(a) : NULL;
    if (few && es && es->flags[1] == 'w' && es->flags[2] == 'x') {
        likely = 1;
        if (evidence(a, "the entry point lies in %s, which is writable and executable", es->name))
            return FG_ENOMEM;
    }
    a->info.packed = likely;
    return FG_OK;
}

static int in_ns(const struct fg_capability *c, const char *prefix)
{
    return !strncmp(c->ns, prefix, strlen(prefix));
}

/* "a, b, c and 2 more" of the ids of capabilities under any of the prefixes. */
static size_t rule_list(const struct fg_analysis *a, const char *const *prefixes, char *out,
                        size_t cap)
{
    size_t n = 0, used = 0;
    out[0] = 0;
    for (size_t i = 0; i < a->ncaps; i++) {
        int hit = 0;
        for (const char *const *p = prefixes; *p; p++)
            hit |= in_ns(&a->caps[i], *p);
        if (!hit)
            continue;
        if (n < RULES_NAMED) {
            int k = snprintf(out + used, cap - used, "%s%s (%s)", n ? ", " : "", a->caps[i].id,
                             a->caps[i].ns);
            if (k > 0 && (size_t)k < cap - used)
                used += (size_t)k;
        }
        n++;
    }
    if (n > RULES_NAMED)
        snprintf(out + used, cap - used, " and %zu more", n - RULES_NAMED);
    return n;
}

static int set_reason(struct fg_analysis *a, const char **field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int set_reason(struct fg_analysis *a, const char **field, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    *field = an_str(a, buf, n < 0 ? 0 : strlen(buf));
    return *field ? FG_OK : FG_ENOMEM;
}

static int judge_exfiltration(struct fg_analysis *a)
{
    static const char *const net_ns[] = {"communication/", NULL};
    static const char *const data_ns[] = {"collection/", "data/", NULL};
    char net[512], data[512];
    size_t nnet = rule_list(a, net_ns, net, sizeof net);
    size_t ndata = rule_list(a, data_ns, data, sizeof data);
    struct fg_analysis_info *i = &a->info;
    int unknown_format = !strcmp(a->format, "unknown");
    i->network = nnet > 0;
    int rc;
    if (nnet)
        rc = set_reason(a, &i->network_reason, "rules %s", net);
    else if (i->packed || unknown_format)
        rc = set_reason(a, &i->network_reason, "no rule matched, but %s",
                        i->packed ? "the sample is packed and its code is hidden"
                                  : "this is not a PE or ELF program");
    else
        rc = set_reason(a, &i->network_reason, "no communication rule matched");
    if (rc)
        return rc;
    if (nnet && ndata) {
        i->exfiltration = FG_EXFIL_YES;
        return set_reason(a, &i->exfiltration_reason,
                          "network communication (%s) and it gathers, archives or encrypts data (%s)",
                          net, data);
    }
    if (i->packed) {
        i->exfiltration = FG_EXFIL_UNKNOWN;
        return set_reason(a, &i->exfiltration_reason,
                          "the sample is likely packed: what its hidden code can do is unknown");
    }
    if (unknown_format) {
        i->exfiltration = FG_EXFIL_UNKNOWN;
        return set_reason(a, &i->exfiltration_reason,
                          "not a PE or ELF program: the capability rules describe executables");
    }
    i->exfiltration = FG_EXFIL_NO;
    if (nnet)
        return set_reason(a, &i->exfiltration_reason,
                          "network communication (%s), but no rule for collecting, archiving or "
                          "encrypting data matched",
                          net);
    if (ndata)
        return set_reason(a, &i->exfiltration_reason,
                          "it handles data (%s) but no communication rule matched", data);
    return set_reason(a, &i->exfiltration_reason, "no communication rule matched");
}

int an_judge(struct fg_analysis *a, const uint8_t *p, size_t n)
{
    int rc = judge_packed(a, p, n);
    return rc ? rc : judge_exfiltration(a);
}
