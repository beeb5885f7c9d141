/*
 * flowgate.h - the public API of libflowgate.
 *
 * An engine holds what is shared and read-only during scans (compiled YARA rules, hash lists,
 * limits, passwords); a scanner is one thread's working state.  A scan turns one input into a
 * tree of objects with findings and a verdict.  Every function returns 0 or a negative
 * FG_E* code; details of the last failure are on the handle (fg_engine_error()).
 * Library code never prints and never exits.
 */
#ifndef FLOWGATE_H
#define FLOWGATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FG_API __attribute__((visibility("default")))

#define FG_VERSION "0.1.0"

/* One error convention: 0 is success, negative values are errors. */
enum fg_err {
    FG_OK = 0,
    FG_ENOMEM = -1,     /* out of memory */
    FG_EIO = -2,        /* a file could not be read */
    FG_EINVAL = -3,     /* bad argument or option value */
    FG_ERULES = -4,     /* YARA rules failed to compile */
    FG_ELIMIT = -5,     /* a scan limit was hit */
    FG_EFORMAT = -6,    /* malformed or truncated object */
    FG_EENCRYPTED = -7, /* encrypted and no password worked */
    FG_EUNSUPPORTED = -8, /* a feature of the format no library here reads */
    FG_ETIMEOUT = -9,   /* the time limit for an input ran out */
    FG_EINTERNAL = -10, /* a library we use failed unexpectedly */
};

FG_API const char *fg_strerror(int err);
FG_API const char *fg_version(void);

/* Severity of a finding.  info and low never change the verdict. */
enum fg_severity {
    FG_SEV_INFO = 0,
    FG_SEV_LOW,
    FG_SEV_MEDIUM,
    FG_SEV_HIGH,
    FG_SEV_CRITICAL,
};

FG_API const char *fg_severity_name(enum fg_severity s);
/* Parses "info", "low", ... (case-insensitive); returns -1 if unknown. */
FG_API int fg_severity_parse(const char *s);

enum fg_verdict {
    FG_VERDICT_CLEAN = 0,
    FG_VERDICT_SUSPICIOUS,
    FG_VERDICT_MALICIOUS,
    FG_VERDICT_UNSCANNABLE,
    FG_VERDICT_ERROR,
};

FG_API const char *fg_verdict_name(enum fg_verdict v);

/* Limits against decompression bombs and runaway inputs; 0 in a field means "no limit". */
struct fg_limits {
    unsigned max_depth;          /* nesting depth of containers */
    uint64_t max_object_size;    /* bytes of one object (file or extracted member) */
    uint64_t max_total_size;     /* bytes extracted from one input, all objects together */
    unsigned max_objects;        /* objects in one input's tree */
    unsigned max_ratio;          /* child size / parent size, checked for children > 1 MiB */
    unsigned max_seconds;        /* wall-clock time for one input */
    unsigned max_passwords;      /* password candidates tried per encrypted object */
};

/* Fills in the shipped defaults (see docs/internals/limits.md). */
FG_API void fg_limits_default(struct fg_limits *l);

typedef struct fg_engine fg_engine;
typedef struct fg_scanner fg_scanner;
typedef struct fg_result fg_result;

/* Engine: build, configure, then fg_engine_compile(); after that it is read-only except for
 * the password pool, which is locked internally, so scanners on many threads may share it. */
FG_API int fg_engine_new(fg_engine **out);
FG_API void fg_engine_free(fg_engine *e);
/* Text of the last error on this engine, or "" if none. */
FG_API const char *fg_engine_error(const fg_engine *e);
FG_API int fg_engine_set_limits(fg_engine *e, const struct fg_limits *l);
FG_API void fg_engine_get_limits(const fg_engine *e, struct fg_limits *l);
/* The rules bundled in the library (rules/ at build time). */
FG_API int fg_engine_add_builtin_rules(fg_engine *e);
/* A .yar file, or every *.yar / *.yara file below a directory. */
FG_API int fg_engine_add_rules_path(fg_engine *e, const char *path);
/* Rules given as text; name is used in error messages. */
FG_API int fg_engine_add_rules_string(fg_engine *e, const char *name, const char *text);
FG_API int fg_engine_add_password(fg_engine *e, const char *password);
/* A file of passwords, one per line (UTF-8; blank lines and lines starting with # skipped). */
FG_API int fg_engine_add_password_file(fg_engine *e, const char *path);
enum fg_hashlist { FG_LIST_DENY, FG_LIST_ALLOW };
/* A file of SHA-256 hashes, one hex hash per line, optionally followed by a comment. */
FG_API int fg_engine_add_hash_file(fg_engine *e, enum fg_hashlist which, const char *path);
FG_API int fg_engine_add_hash(fg_engine *e, enum fg_hashlist which, const char *hex);
FG_API int fg_engine_compile(fg_engine *e);

/* Scanner: one per thread. */
FG_API int fg_scanner_new(fg_engine *e, fg_scanner **out);
FG_API void fg_scanner_free(fg_scanner *s);

/* Called for every object of a scan once it has been examined (its type is final): index is
 * the object's place in the result (fg_result_object()), data is borrowed for the call.
 * `flowgate scan --dynamic` uses it to pick the objects it detonates.  With the one rescan
 * of fg_scan_*() (a password found later in the same input) objects can be reported twice;
 * sha256 tells them apart.  NULL fn removes the callback. */
typedef void (*fg_object_fn)(void *arg, size_t index, const char *type, const char *sha256,
                             const void *data, size_t len);
FG_API void fg_scanner_set_object_callback(fg_scanner *s, fg_object_fn fn, void *arg);

/* Scans one input.  The result is returned even when the verdict is FG_VERDICT_ERROR (the
 * return value is then 0 and the result says why); a negative return means no result. */
FG_API int fg_scan_file(fg_scanner *s, const char *path, fg_result **out);
/* name is the input's display path; data is borrowed for the duration of the call. */
FG_API int fg_scan_mem(fg_scanner *s, const char *name, const void *data, size_t len,
                       fg_result **out);
/* True if passwords related to the result's encrypted objects were learnt (from other mails
 * of the same sender or thread) after it was scanned: scanning the input again may open them.
 * fg_scan_*() already does this once within one input; a caller scanning many inputs calls it
 * after the others are done. */
FG_API int fg_engine_has_new_passwords(fg_engine *e, const fg_result *r);
/* True if the result has encrypted objects that may open once more mails have been seen. */
FG_API int fg_result_awaits_password(const fg_result *r);

/* The result for an input too large to read (a stream the caller measured): verdict
 * unscannable, finding limit.object-size.  fg_scan_file() gives the same for large files. */
FG_API int fg_result_oversize(const char *path, uint64_t size, fg_result **out);

FG_API void fg_result_free(fg_result *r);

/* Reading a result.  Strings are owned by the result. */
struct fg_finding {
    const char *id;       /* stable identifier, e.g. "yara.EICAR_Test_File", "limit.depth" */
    enum fg_severity severity;
    const char *message;  /* one sentence for a person */
    const char *evidence; /* what a person can check: rule strings, offsets, names; may be "" */
    int unscannable;      /* this finding means part of the input was not examined */
};

struct fg_object_info {
    const char *path;     /* provenance: "mail.eml > invoice.zip > invoice.docm" */
    const char *type;     /* content type, e.g. "zip", "mail", "ole2", "pdf", "text" */
    const char *sha256;   /* lower-case hex */
    uint64_t size;
    unsigned depth;
    size_t nfindings;
    const struct fg_finding *findings;
};

FG_API const char *fg_result_path(const fg_result *r);
FG_API const char *fg_result_sha256(const fg_result *r);
FG_API uint64_t fg_result_size(const fg_result *r);
FG_API enum fg_verdict fg_result_verdict(const fg_result *r);
FG_API unsigned fg_result_score(const fg_result *r);
/* Why the verdict is "error"; NULL otherwise. */
FG_API const char *fg_result_error(const fg_result *r);
FG_API size_t fg_result_object_count(const fg_result *r);
FG_API const struct fg_object_info *fg_result_object(const fg_result *r, size_t i);
/* One line of JSON (no trailing newline), malloc'ed; the caller frees it. NULL on ENOMEM. */
FG_API char *fg_result_json(const fg_result *r);

/*
 * Capability analysis (`flowgate analyze`): what can a program do?
 *
 * Capabilities are YARA rules whose meta fields name them (capability, namespace, attack,
 * description; see docs/internals/analyze.md), matched with libyara's pe and elf modules.
 * Build an engine for analysis like one for scans, with fg_engine_add_capability_rules()
 * (the rules shipped in rules/capabilities/) and fg_engine_add_rules_path() for an
 * analyst's own, compile it, and analyse with a scanner of that engine.  The analysis also
 * reads the PE or ELF headers (sections and their entropy, imports, interpreter ...), judges
 * whether the program is packed and answers two questions: can it talk over the network,
 * and can it exfiltrate data.
 */
typedef struct fg_analysis fg_analysis;

/* Adds the capability rules built into the library (rules/capabilities at build time). */
FG_API int fg_engine_add_capability_rules(fg_engine *e);

/* Analyses one file.  As with fg_scan_file(), a file that cannot be read or is larger than
 * the engine's object size limit still gives an analysis, whose 'error' says why; a negative
 * return means no analysis (out of memory, bad arguments). */
FG_API int fg_analyze_file(fg_scanner *s, const char *path, fg_analysis **out);
/* name is the sample's display path; data is borrowed for the duration of the call. */
FG_API int fg_analyze_mem(fg_scanner *s, const char *name, const void *data, size_t len,
                          fg_analysis **out);
FG_API void fg_analysis_free(fg_analysis *a);

enum fg_exfil {
    FG_EXFIL_NO = 0,   /* no network capability, or network but nothing that gathers data */
    FG_EXFIL_YES,      /* network plus collection, archiving or encryption of data */
    FG_EXFIL_UNKNOWN,  /* packed, or not a PE or ELF program: its code cannot be seen */
};
FG_API const char *fg_exfil_name(enum fg_exfil x); /* "no", "yes", "unknown" */

/* One matched capability rule.  Strings are owned by the analysis. */
struct fg_capability {
    const char *id;          /* the rule's identifier, e.g. "net_socket_elf" */
    const char *name;        /* meta capability, e.g. "network communication" */
    const char *ns;          /* meta namespace, e.g. "communication/socket" */
    const char *description; /* meta description; may be "" */
    const char *const *attack; /* MITRE ATT&CK technique ids from meta attack */
    size_t nattack;
    const char *evidence;    /* what matched: imports, symbols, strings with offsets */
};

/* A section (PE, ELF) or, for an ELF file without section headers, a loadable segment. */
struct fg_section {
    const char *name;
    uint64_t offset, size;   /* in the file */
    uint64_t addr, vsize;    /* in memory (PE: relative to the image base) */
    double entropy;          /* bits per byte of its bytes in the file, 0 to 8 */
    const char *flags;       /* "rwx" with '-' for what is not set */
};

/* Everything one analysis found.  Arrays and strings are owned by the analysis; fields that
 * do not apply to the format are 0, "" or empty. */
struct fg_analysis_info {
    const char *path;
    const char *sha256;      /* lower-case hex */
    uint64_t size;
    const char *format;      /* "pe", "elf" or "unknown" */
    const char *arch;        /* "x86-64", "i386", "aarch64", ... or "" */
    unsigned bits;           /* 32 or 64; 0 if unknown */
    const char *kind;        /* "executable", "dll", "shared object", "relocatable", ... */
    uint64_t entry;          /* entry point (PE: RVA) */
    double entropy;          /* of the whole file */
    size_t nsections;
    const struct fg_section *sections;
    /* Libraries the program links (PE: DLLs it imports from; ELF: DT_NEEDED). */
    size_t nlibraries;
    const char *const *libraries;
    /* What it imports: PE "dll!function" (or "dll!#ordinal"); ELF undefined dynamic symbols.
     * nimports counts them all; the list keeps the first few thousand (nimports_listed). */
    size_t nimports, nimports_listed;
    const char *const *imports;
    /* PE */
    const char *imphash;     /* MD5 of the import list as pefile computes it; "" if none */
    int signature;           /* a security directory (Authenticode) is present; not verified */
    uint64_t overlay_offset, overlay_size; /* bytes after the last section; 0 if none */
    double overlay_entropy;
    uint32_t timestamp;      /* COFF header time stamp */
    const char *subsystem;   /* "console", "gui", "native", ... */
    /* ELF */
    const char *interpreter; /* PT_INTERP, e.g. "/lib64/ld-linux-x86-64.so.2"; "" if none */
    const char *linkage;     /* "dynamic", "static", "static-pie" */
    size_t ndynsyms;         /* entries of .dynsym */
    int stripped;            /* no .symtab */
    /* Verdicts */
    int packed;              /* 1: packed or encrypted code is likely */
    size_t npacked_evidence;
    const char *const *packed_evidence;
    size_t ncapabilities;
    const struct fg_capability *capabilities;
    int network;             /* 1 if a capability in the communication/ namespace matched */
    const char *network_reason;
    enum fg_exfil exfiltration;
    const char *exfiltration_reason; /* one sentence naming the rules it rests on */
    /* Why the sample could not be analysed at all (unreadable, over the size limit); NULL
     * otherwise.  Such an analysis has no other content. */
    const char *error;
    /* Problems met (malformed headers, rules that ran out of time); the analysis is partial. */
    size_t nwarnings;
    const char *const *warnings;
};

FG_API const struct fg_analysis_info *fg_analysis_get(const fg_analysis *a);
/* One line of JSON (no trailing newline), malloc'ed; the caller frees it.  NULL on ENOMEM.
 * The format is documented in docs/formats/analyze-json.md. */
FG_API char *fg_analysis_json(const fg_analysis *a);

/*
 * Signature generation (`flowgate sig`): one YARA rule that matches every given sample and
 * none of a goodware set, built from the printable strings (ASCII and UTF-16LE) the samples
 * share, plus ClamAV signatures (.hdb hashes, an .ndb body signature).  fg_sig_generate()
 * checks the rule itself: compiled with libyara, it must match every sample and no goodware
 * file (strings found in goodware are dropped and the rule rebuilt a bounded number of
 * times).  See docs/internals/sig.md.
 */
typedef struct fg_sig fg_sig;

struct fg_sig_options {
    const char *name;     /* rule name (a YARA identifier); NULL: derived from the first sample */
    const char *author;   /* meta author; NULL: "flowgate sig" */
    unsigned min_length;  /* shortest string considered, in characters (default 6) */
    unsigned max_strings; /* most strings in the rule (default 12) */
};
FG_API void fg_sig_options_default(struct fg_sig_options *o);
/* The options are copied.  FG_EINVAL (and fg_sig_error() says why) for a bad name or value. */
FG_API int fg_sig_new(const struct fg_sig_options *o, fg_sig **out);
FG_API void fg_sig_free(fg_sig *g);
FG_API const char *fg_sig_error(const fg_sig *g);
FG_API int fg_sig_add_sample(fg_sig *g, const char *path);
/* data is copied. */
FG_API int fg_sig_add_sample_mem(fg_sig *g, const char *name, const void *data, size_t len);
/* A directory of goodware (walked recursively, symbolic links not followed).  Without any,
 * fg_sig_generate() uses the system's program and library directories. */
FG_API int fg_sig_add_goodware(fg_sig *g, const char *dir);
/* Called during fg_sig_generate(): stage is "list", "probe" or "check"; done of total files. */
typedef void (*fg_sig_progress_fn)(void *arg, const char *stage, uint64_t done, uint64_t total);
FG_API void fg_sig_set_progress(fg_sig *g, fg_sig_progress_fn fn, void *arg);
/* Builds and checks the rule.  FG_EFORMAT: the samples share no usable string (the error
 * text says how many were shared, in goodware or rejected); FG_ERULES: no rule satisfied the
 * check within the retries. */
FG_API int fg_sig_generate(fg_sig *g);

struct fg_sig_string {
    const char *id;   /* "$s0" ... */
    const char *text; /* the characters (for wide strings, their ASCII form) */
    int wide;         /* UTF-16LE */
    int score;
};

/* What fg_sig_generate() built and measured; strings are owned by the handle. */
struct fg_sig_info {
    const char *name;
    const char *rule;          /* YARA rule text */
    const char *hdb, *ndb;     /* ClamAV signature files' contents; ndb "" if none */
    size_t ndb_bytes;          /* length of the .ndb byte run */
    const char *condition;     /* the rule's condition */
    const char *kind;          /* common header: "pe", "elf", "pdf", "zip", "ole2", "rtf", "bytes", "" */
    size_t nsamples, samples_matched;
    const char *const *sample_paths;
    const char *const *sample_sha256;
    size_t nstrings;
    const struct fg_sig_string *strings;
    unsigned k;                /* strings the condition requires */
    size_t candidates;         /* strings looked at in goodware */
    size_t in_goodware;        /* of these, found in a goodware file */
    size_t partial;            /* found in some samples only (left out, or used in partial mode) */
    size_t rejected;           /* rejected by the scoring (padding, boilerplate ...) */
    int partial_mode;          /* no strings in all samples: the rule combines partial ones */
    size_t ngoodware_dirs;
    const char *const *goodware_dirs;
    size_t goodware_files;     /* files scanned */
    const char *const *goodware_paths;
    uint64_t goodware_bytes;
    size_t goodware_too_large; /* skipped: larger than the per-file cap */
    size_t goodware_unreadable;
    size_t goodware_same;      /* skipped: identical to a sample */
    int goodware_capped;       /* the file or byte cap ended the walk early */
    size_t goodware_matched;   /* goodware files the final rule matches (0 on success) */
    unsigned retries;
    double seconds_list, seconds_probe, seconds_check;
};
FG_API const struct fg_sig_info *fg_sig_get(const fg_sig *g);
/* A JSON summary (one line, malloc'ed; NULL on ENOMEM).  Format in docs/internals/sig.md. */
FG_API char *fg_sig_json(const fg_sig *g);

#ifdef __cplusplus
}
#endif
#endif
