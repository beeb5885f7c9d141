/*
 * sig_strings.c - the printable strings of the samples (ASCII and UTF-16LE runs) in one
 * hashed table with the set of samples each was found in, and the score that says how much
 * a string is worth as a signature.
 */
#define _GNU_SOURCE
#include "sig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"

void sig_strtab_init(struct sig_strtab *t)
{
    memset(t, 0, sizeof *t);
    /* Every string's text plus its NUL: the arena never holds more than the table allows. */
    fg_buf_init(&t->arena, (uint64_t)FG_CAP_SIG_STRINGS * (FG_CAP_SIG_STRING + 1));
}

void sig_strtab_free(struct sig_strtab *t)
{
    free(t->v);
    free(t->slots);
    fg_buf_free(&t->arena);
    memset(t, 0, sizeof *t);
}

static uint64_t str_hash(const char *s, size_t n, int wide)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)wide;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 0x100000001b3ULL;
    }
    return h ^ (h >> 29);
}

static int grow_slots(struct sig_strtab *t)
{
    size_t ns = t->nslots ? t->nslots * 2 : 4096;
    uint32_t *slots = calloc(ns, sizeof *slots);
    if (!slots)
        return FG_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = (size_t)t->v[i].hash & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return FG_OK;
}

/* Finds or inserts (s, wide) and marks it found in 'sample'. */
static int add(struct sig_strtab *t, const char *s, size_t n, int wide, unsigned sample)
{
    uint64_t h = str_hash(s, n, wide);
    if (t->n * 2 >= t->nslots) {
        int rc = grow_slots(t);
        if (rc)
            return rc;
    }
    size_t j = (size_t)h & (t->nslots - 1);
    for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
        struct sig_str *e = &t->v[t->slots[j] - 1];
        if (e->hash == h && e->len == n && e->wide == wide && !memcmp(sig_str_text(t, e), s, n)) {
            e->exact |= 1ULL << sample;
            return FG_OK;
        }
    }
    if (t->n >= FG_CAP_SIG_STRINGS) {
        t->capped = 1;
        return FG_OK;
    }
    if (t->n == t->alloc) {
        size_t na = t->alloc ? t->alloc * 2 : 1024;
        struct sig_str *nv = realloc(t->v, na * sizeof *nv);
        if (!nv)
            return FG_ENOMEM;
        t->v = nv;
        t->alloc = na;
    }
    size_t off = t->arena.len;
    int rc = fg_buf_append(&t->arena, s, n);
    if (!rc)
        rc = fg_buf_putc(&t->arena, 0);
    if (rc)
        return rc;
    t->v[t->n] = (struct sig_str){.hash = h, .off = (uint32_t)off, .len = (uint16_t)n,
                                  .wide = (uint8_t)wide, .exact = 1ULL << sample};
    t->slots[j] = (uint32_t)++t->n;
    return FG_OK;
}

static int printable(uint8_t c) { return (c >= 0x20 && c < 0x7f) || c == '\t'; }

/* Flushes a run of 'len' characters (already narrowed into 'run'). */
static int flush(struct sig_strtab *t, const char *run, size_t len, unsigned minlen, int wide,
                 unsigned sample)
{
    if (len < minlen)
        return FG_OK;
    return add(t, run, len < FG_CAP_SIG_STRING ? len : FG_CAP_SIG_STRING, wide, sample);
}

int sig_strings_extract(struct sig_strtab *t, const uint8_t *p, size_t n, unsigned minlen,
                        unsigned sample)
{
    char run[FG_CAP_SIG_STRING];
    size_t len = 0;
    int rc = FG_OK;
    if (sample >= 64 || !minlen)
        return FG_EINVAL;
    for (size_t i = 0; i <= n && !rc; i++) {
        if (i < n && printable(p[i])) {
            if (len < sizeof run)
                run[len] = (char)p[i];
            len++;
            continue;
        }
        rc = flush(t, run, len, minlen, 0, sample);
        len = 0;
    }
    /* UTF-16LE, at both byte parities: a string may start at any offset of a structure. */
    for (size_t parity = 0; parity < 2 && !rc; parity++) {
        len = 0;
        for (size_t i = parity; !rc; i += 2) {
            int more = i + 1 < n;
            if (more && printable(p[i]) && p[i + 1] == 0) {
                if (len < sizeof run)
                    run[len] = (char)p[i];
                len++;
                continue;
            }
            rc = flush(t, run, len, minlen, 1, sample);
            len = 0;
            if (!more)
                break;
        }
    }
    return rc;
}

/* ---- scoring */

/* Strings every program of a format carries: compiler, loader and runtime names.  A goodware
 * directory of another format would not exclude them. */
static const char *const bp_contains[] = {
    "This program cannot be run in DOS mode", "PADDINGX", "GCC: (", "ld-linux", "libc.so.",
    "crtstuff.c", "tm_clones", "__do_global_", "__libc_", "__gmon_start__", "__cxa_",
    "_ITM_", "__stack_chk", "_GLOBAL_OFFSET_TABLE_", "__GNU_EH_FRAME_HDR", "__FRAME_END__",
    "__TMC_END__", "__dso_handle", "_IO_stdin_used", "__bss_start", "__data_start",
    "__init_array", "__fini_array", "frame_dummy", "urn:schemas-microsoft-com",
    "requestedExecutionLevel", "<assembly xmlns", "<?xml version", "VS_VERSION_INFO",
    "StringFileInfo", "VarFileInfo", "Microsoft Visual C++", "mscoree.dll",
    /* versioned symbols of an unstripped ELF symbol table: "puts@GLIBC_2.2.5" */
    "@GLIBC", "@CXXABI", "@GCC_",
};
static const char *const bp_prefix[] = {"GLIBC_", "GLIBCXX_", "CXXABI_", "GCC_"};
static const char *const bp_exact[] = {
    "KERNEL32.dll", "kernel32.dll", "USER32.dll", "user32.dll", "ADVAPI32.dll", "ntdll.dll",
    "msvcrt.dll", "GDI32.dll", "WS2_32.dll", "SHELL32.dll", "ole32.dll", "OLEAUT32.dll",
    "GetProcAddress", "LoadLibraryA", "LoadLibraryW", "LoadLibraryExA", "LoadLibraryExW",
    "GetModuleHandleA", "GetModuleHandleW", "ExitProcess", "VirtualAlloc", "VirtualFree",
    "VirtualProtect", "HeapAlloc", "HeapFree", "GetProcessHeap", "GetLastError",
    "CloseHandle", "CreateFileA", "CreateFileW", "ReadFile", "WriteFile", "GetStdHandle",
    "GetCurrentProcess", "GetCurrentProcessId", "GetCurrentThreadId", "GetTickCount",
    "QueryPerformanceCounter", "GetSystemTimeAsFileTime", "SetUnhandledExceptionFilter",
    "UnhandledExceptionFilter", "TerminateProcess", "GetModuleFileNameA",
    "GetModuleFileNameW", "MultiByteToWideChar", "WideCharToMultiByte",
    "EnterCriticalSection", "LeaveCriticalSection", "InitializeCriticalSection",
    "DeleteCriticalSection", "GetCommandLineA", "GetCommandLineW", "RtlUnwind",
    "RaiseException", "_CorExeMain", "_CorDllMain", "CompanyName", "FileDescription",
    "FileVersion", "InternalName", "LegalCopyright", "OriginalFilename", "ProductName",
    "ProductVersion", "Translation", "completed.0", "_DYNAMIC",
};

static int boilerplate(const char *s, size_t n)
{
    /* s is NUL-terminated at n in the table; callers with other text pass a copy. */
    for (size_t i = 0; i < sizeof bp_contains / sizeof *bp_contains; i++)
        if (memmem(s, n, bp_contains[i], strlen(bp_contains[i])))
            return 1;
    for (size_t i = 0; i < sizeof bp_prefix / sizeof *bp_prefix; i++)
        if (n >= strlen(bp_prefix[i]) && !memcmp(s, bp_prefix[i], strlen(bp_prefix[i])))
            return 1;
    for (size_t i = 0; i < sizeof bp_exact / sizeof *bp_exact; i++)
        if (n == strlen(bp_exact[i]) && !memcmp(s, bp_exact[i], n))
            return 1;
    /* Section names: ".text", ".note.gnu.build-id", ".rdata$zzzz"; in a PE section table
     * the byte before a name (the previous header's flags, 0x40 or 0x60) may be printable:
     * "@.idata", "`.rdata". */
    size_t dot = n > 1 && s[0] != '.' && s[1] == '.' ? 1 : 0;
    if (s[dot] == '.' && n <= 24) {
        size_t i = dot + 1;
        while (i < n && (s[i] == '.' || s[i] == '_' || s[i] == '-' || s[i] == '$' ||
                         (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* Padding and tables: one character most of the time, a short repeated pattern, or an
 * alphabet ("ABCDEFGH...", "0123456789abcdef"). */
static int filler(const char *s, size_t n, unsigned *distinct)
{
    unsigned count[128] = {0}, d = 0, most = 0, ascending = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (uint8_t)s[i] & 0x7f;
        if (!count[c]++)
            d++;
        if (count[c] > most)
            most = count[c];
        if (i && (uint8_t)s[i] == (uint8_t)s[i - 1] + 1)
            ascending++;
    }
    *distinct = d;
    if (d < 4 || most * 2 > n || ascending * 5 > n * 3)
        return 1;
    for (size_t per = 1; per * 3 <= n; per++) {
        size_t i = per;
        while (i < n && s[i] == s[i - per])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

int sig_score(const char *s, size_t n)
{
    unsigned distinct;
    if (!n || filler(s, n, &distinct) || boilerplate(s, n))
        return -1;
    int lower = 0, upper = 0, digit = 0, space = 0, punct = 0, weird = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'a' && c <= 'z')
            lower = 1;
        else if (c >= 'A' && c <= 'Z')
            upper = 1;
        else if (c >= '0' && c <= '9')
            digit = 1;
        else if (c == ' ' || c == '\t')
            space = 1;
        else if (c != '_')
            punct = 1;
        /* Characters that random bytes show often and real text seldom. */
        if (strchr("!\"#&'()*+,;<>@[]^`{|}~", c))
            weird++;
    }
    int score = (int)(n < 64 ? n : 64) * 3 + (int)(distinct < 24 ? distinct : 24) * 2;
    /* Mixed character classes: messages, paths, URLs, commands rather than words. */
    score += 8 * (lower + upper + digit + space + punct);
    if (space)
        score += 10;
    /* A bare identifier, or a DLL name, is usually an import or a symbol: shared by unrelated
     * programs, and a goodware set of another platform has no say on it.  Such strings are
     * kept at SIG_WEAK or below so that the rule uses them only for want of better. */
    size_t ext = n > 4 ? n - 4 : 0;
    int dll = ext && (!strncasecmp(s + ext, ".dll", 4) || !strncasecmp(s + ext, ".drv", 4) ||
                      !strncasecmp(s + ext, ".sys", 4));
    if ((!space && !punct) || (dll && !space && !memchr(s, '\\', n) && !memchr(s, '/', n)))
        return score - 25 < SIG_WEAK ? (score - 25 > 1 ? score - 25 : 1) : SIG_WEAK;
    if (memmem(s, n, "://", 3) || memchr(s, '\\', n) || memchr(s, '/', n))
        score += 15;
    if (memchr(s, '%', n))
        score += 5;
    score -= 8 * weird;
    return score > 1 ? score : 1;
}
