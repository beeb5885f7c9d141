/*
 * limits.h - every limit flowgate enforces, in one place.
 *
 * User-settable limits are in struct fg_limits (flowgate.h) with their defaults below; the
 * fixed caps that protect parsers from hostile input are the FG_CAP_* constants.  Scan-time
 * limits are checked only through fg_limit_*() in limits.c, so that a limit that is hit always
 * leaves the same kind of finding.
 */
#ifndef FG_LIMITS_H
#define FG_LIMITS_H

#include <stdint.h>

#include "flowgate/flowgate.h"

/* Defaults of the sandbox limits (struct fg_sandbox_cfg; src/sandbox/). A document handler
 * such as pdftoppm or LibreOffice needs a few hundred MiB and seconds; a tree that wants more
 * is either broken or hostile, and both end the run with a finding. */
#define FG_DEF_SB_TIMEOUT_MS 30000
#define FG_DEF_SB_MEM (2ULL << 30)      /* address space per process (RLIMIT_AS) */
#define FG_DEF_SB_CPU_SECONDS 60
#define FG_DEF_SB_FSIZE (256ULL << 20)  /* largest file the command may write */
#define FG_DEF_SB_NOFILE 256
#define FG_DEF_SB_NPROC 64              /* processes and threads in the tree */
#define FG_DEF_SB_WORKDIR (512ULL << 20) /* tmpfs size of the work directory */
/* Fixed caps of the sandbox's configuration (src/sandbox/sbx_plan.c). */
#define FG_CAP_SB_DECOYS 64  /* decoy files copied into the work directory; more are skipped */
#define FG_CAP_SB_BINDS 32   /* cfg.ro_binds entries */

/* Caps of the tracer (src/sandbox/trc_*.c): what it keeps per run against a traced program
 * that maps, loads or recurses without bound. */
#define FG_CAP_TRC_MODULES 4096          /* distinct program files seen in one run */
#define FG_CAP_TRC_MODULE_SIZE (2ULL << 30) /* largest file parsed for unwind tables */
#define FG_CAP_TRC_MAPS 65536            /* mappings of one process */
#define FG_CAP_TRC_STACK (32u << 10)     /* stack bytes copied at each stop */
#define FG_CAP_TRC_FRAMES 12             /* frames unwound at each stop */
#define FG_CAP_TRC_TASKS 1024            /* processes and threads followed at once */
#define FG_CAP_TRC_EVENTS 2000000        /* recorded calls per run; more are counted only */
/* Caps of flow graphs and profiles (src/flow/).  A pdftoppm run makes a few hundred distinct
 * nodes and a profile of thousands of PDFs some tens of thousands. */
#define FG_CAP_FLOW_NODES (1u << 20)     /* distinct nodes of one graph or profile */
#define FG_CAP_FLOW_EDGES (1u << 22)     /* distinct edges */
#define FG_CAP_PROFILE_FILE (512u << 20) /* bytes of a profile file read */
#define FG_CAP_FLOW_REPORT 64            /* deviating nodes listed in one report */

/* Defaults of the user-settable limits. */
#define FG_DEF_MAX_DEPTH 16
#define FG_DEF_MAX_OBJECT_SIZE (256ULL << 20)  /* 256 MiB */
#define FG_DEF_MAX_TOTAL_SIZE (1ULL << 30)     /* 1 GiB per input */
#define FG_DEF_MAX_OBJECTS 10000
#define FG_DEF_MAX_RATIO 200                   /* only for children over FG_RATIO_FLOOR */
#define FG_DEF_MAX_SECONDS 120
#define FG_DEF_MAX_PASSWORDS 64

/* Children up to this size are never refused for their ratio: a 300-byte zip holding 1 MiB of
 * spaces is no bomb, and refusing it would make ordinary text archives unscannable. */
#define FG_RATIO_FLOOR (1ULL << 20)

/* Fixed caps (not user-settable). */
#define FG_CAP_NAME 1024          /* bytes of a member name kept for the provenance path */
#define FG_CAP_PATH 8192          /* bytes of a whole provenance path */
#define FG_CAP_EVIDENCE 512       /* bytes of one evidence string */
#define FG_CAP_FINDINGS 256       /* findings kept per object; more are counted, not kept */
#define FG_CAP_SNIFF 8192         /* bytes libmagic looks at (binary data only) */
#define FG_CAP_PASSWORD 128       /* bytes of one password candidate */
#define FG_CAP_PW_POOL 4096       /* password candidates remembered per engine */
#define FG_CAP_MAIL_KEYS 64       /* thread keys (ids, sender, subject) kept per mail */
#define FG_CAP_PASSWORD_FILE (4u << 20) /* bytes of a --passwords file */
/* 7z headers state counts that size our tables before anything checks them; real archives
 * stay far below these (7-Zip itself allows 64 coders; BCJ2 behind AES makes 8). */
#define FG_CAP_7Z_ITEMS (1u << 20) /* files, folders, pack streams or substreams per header */
#define FG_CAP_7Z_CODERS 16        /* coders, and in/out streams, in one 7z folder */

/* Caps inside parsers, each against one way hostile input can make that parser (or the
 * library under it) work or allocate without bound. */
/* unpack_pdf.c */
/* Indirect objects we look at in one PDF.  qpdf keeps every object it has resolved, about
 * 3 KB for a small dictionary, so this bounds its memory near 700 MB; large real documents
 * have tens of thousands. */
#define FG_CAP_PDF_OBJECTS (1u << 18)
/* Filters in one chain; real files use one or two. */
#define FG_CAP_PDF_FILTERS 16
/* Objects visited while looking for file specifications, and how deep. */
#define FG_CAP_PDF_WALK 4000000L
#define FG_CAP_PDF_WALK_DEPTH 32
/* unpack_rtf.c */
/* Group nesting we track; deeper groups behave like the deepest one tracked. */
#define FG_CAP_RTF_DEPTH 1024
/* Letters of a control word that are compared; Word's own limit is lower. */
#define FG_CAP_RTF_WORD 32
/* unpack_mspack.c */
/* No structure libmspack needs is near this; a larger request comes from a hostile length
 * field (read_sys_file() allocates a size taken from the directory). */
#define FG_CAP_MSPACK_ALLOC (64u << 20)
/* unpack_ole.c */
#define FG_CAP_OLE_DEPTH 64     /* storages inside storages; real files use a handful */
#define FG_CAP_OLE_DIR_RECURSION 1000   /* frames libgsf's directory reader may stack up */
#define FG_CAP_OLE_SORT_COST 50000000ULL /* sibling comparisons libgsf's sorted inserts may do */
#define FG_CAP_OLE_BAT_BITMAP (512u << 10) /* stack bytes libgsf takes to walk one chain */
#define FG_CAP_OLE_CLSIDS 8 /* class ids listed in one ole2.clsid finding */
/* office_crypto.c, ocr_*.c: encrypted Office documents.  The file chooses how many hash
 * rounds one password costs; Office writes 100,000 and MS-OFFCRYPTO allows 10,000,000. */
#define FG_CAP_OCR_SPIN 10000000u  /* rounds per password; more: encrypted.office, not tried */
#define FG_CAP_OCR_WORK 10000000u  /* rounds for all passwords on one document (~4 s SHA-512) */
#define FG_CAP_OCR_INFO (64u << 10) /* bytes of EncryptionInfo read (Office writes ~1 KB) */
#define FG_CAP_OCR_XLS_RECORDS 64  /* workbook records looked through for FILEPASS */
/* unpack_archive.c */
/* Encrypted zip members remembered for the one-password-at-a-time retry. */
#define FG_CAP_RETRY_MEMBERS 256
/* analyze.h */
/* Caps that bound what one analysis (flowgate analyze) keeps or walks, against hostile
 * headers. */
#define FG_CAP_AN_SECTIONS 256          /* sections or segments listed */
#define FG_CAP_AN_IMPORTS 4096          /* imports listed (all are counted and hashed) */
#define FG_CAP_AN_LIBRARIES 512         /* libraries listed */
#define FG_CAP_AN_WALK (1u << 20)       /* import thunks or symbols looked at */
#define FG_CAP_AN_NAME 256              /* bytes of one import, symbol or section name */
#define FG_CAP_AN_CAPABILITIES 1024     /* matched capability rules kept */
#define FG_CAP_AN_WARNINGS 32           /* warnings kept */
#define FG_CAP_AN_EVIDENCE_ITEMS 6      /* matched strings named in one capability's evidence */
/* unpack_vba.c */
/* Caps against hostile projects.  A real dir stream is a few kilobytes (about 100 bytes per
 * module and per reference), and the VBA editor refuses more than a few hundred modules;
 * these leave room for any real project and bound what a crafted one costs. */
#define FG_CAP_VBA_DIR (4u << 20)  /* decompressed bytes of one dir stream */
#define FG_CAP_VBA_MODULES 4096    /* modules of one project */
#define FG_CAP_VBA_PROJECTS 64     /* projects looked at in one file */
/* an_vba.c */
/* A logical line longer than this is analysed in pieces: the VBA editor keeps a physical
 * line under 1024 characters and allows 24 continuations, so only crafted text gets here. */
#define FG_CAP_VBA_LINE 65536
#define FG_CAP_VBA_JOINS 64       /* continuation lines joined into one logical line */
#define FG_CAP_VBA_TOKENS 4096    /* identifiers looked at in one logical line */
#define FG_CAP_VBA_STRINGS 512    /* string literals looked at in one logical line */
#define FG_CAP_VBA_HITS 64        /* distinct indicators kept per module */
#define FG_CAP_VBA_IOCS 16        /* distinct IOCs kept per module */
#define FG_CAP_VBA_DECODED 1024   /* bytes of a decoded string kept */
#define FG_CAP_VBA_DECODES 256    /* StrReverse/Replace calls looked into per module */
/* an_pdf.c */
#define FG_CAP_PDFIND_OBJECTS (1u << 16)   /* objects whose flags and references are remembered */
#define FG_CAP_PDFIND_REFS (1u << 18)   /* references remembered */
#define FG_CAP_PDFIND_STREAMS (1u << 18) /* streams of the raw file remembered */
#define FG_CAP_PDFIND_JS (256u << 10) /* bytes of JavaScript kept for the code checks */
#define FG_CAP_PDFIND_OBJSTM (16u << 20)   /* bytes one object stream may inflate to */
#define FG_CAP_PDFIND_OBJSTM_TOTAL (64u << 20) /* bytes all object streams of a file may inflate to */
/* an_dde.c */
#define FG_CAP_UTF16_TEXT (8u << 20) /* bytes of UTF-16 text narrowed for reading (an_dde.c, an_ooxml.c) */
/* biff.c, an_xlm.c (Excel 4.0 macros, BIFF8 DDE links) */
/* BIFF8 splits a record over 8224 bytes into CONTINUE records; the parts of one record are
 * joined up to this many bytes (real NAME, FORMULA and SUPBOOK records are far smaller). */
#define FG_CAP_XLM_RECORD (256u << 10)
#define FG_CAP_XLM_RECORDS (1u << 22)   /* records read from one stream or part */
#define FG_CAP_XLM_FORMULAS (1u << 18)  /* formulas decoded per object; more are counted */
#define FG_CAP_XLM_PTGS 4096            /* tokens decoded in one formula */
#define FG_CAP_XLM_STACK 32             /* operands a formula may stack while it is rendered */
#define FG_CAP_XLM_TEXT 480             /* bytes of one rendered formula or operand */
#define FG_CAP_XLM_SHEETS 1024          /* sheets, and defined names, remembered per workbook */
#define FG_CAP_XLM_XTI 1024             /* EXTERNSHEET entries and SUPBOOKs remembered */
#define FG_CAP_XLM_PART (32u << 20)     /* bytes of one OOXML part re-read from the package */
#define FG_CAP_XLM_PARTS 256            /* macro sheet parts read from one package */
/* sig*.c (flowgate sig) */
/* Samples of one rule: their coverage is a 64-bit mask; a family needs a handful. */
#define FG_CAP_SIG_SAMPLES 64
#define FG_CAP_SIG_SAMPLE_SIZE (64u << 20)  /* bytes of one sample */
#define FG_CAP_SIG_STRINGS (1u << 21)       /* distinct strings kept from all samples */
#define FG_CAP_SIG_STRING 128               /* characters of one string; longer runs keep their start */
/* Strings probed against the goodware set: the best-scored this many.  libyara matches them
 * all in one pass per file; more costs compile time and memory, not rule quality. */
#define FG_CAP_SIG_CANDIDATES 4000
#define FG_CAP_SIG_RULE_STRINGS 64          /* --max-strings */
/* The goodware walk: the default system directories hold ~6,000 files and ~1.5 GB. */
#define FG_CAP_SIG_GW_FILES 100000
#define FG_CAP_SIG_GW_BYTES (8ULL << 30)
#define FG_CAP_SIG_GW_FILE (64u << 20)      /* larger goodware files are skipped and counted */
#define FG_CAP_SIG_GW_DEPTH 32              /* directory nesting walked */
#define FG_CAP_SIG_RETRIES 4                /* rebuilds after the check found goodware matches */
#define FG_CAP_SIG_SCAN_SECONDS 60          /* libyara time limit per file */
#define FG_CAP_SIG_NDB_RUN 96               /* bytes of the .ndb body signature */
/* netlog_*.c (flowgate netlog): memory stays flat however long the log.  The tables hold
 * internal hosts and (internal host, external destination) pairs, never connections; a small
 * company's day makes some thousands of pairs, a large one's a few hundred thousand.  Worst
 * case about 32768 x 480 B (host slots) + 16384 x 3.5 KB (their distinct counters) + 2^20 x
 * 64 B (pair slots) + 32768 x 1 KB (beacon samples): under 180 MB, reached only by logs of
 * that many hosts and pairs. */
#define FG_CAP_NL_LINE (64u << 10)        /* bytes of one log line; longer lines are skipped */
#define FG_CAP_NL_READ (4u << 20)         /* read buffer per file */
#define FG_CAP_NL_DETECT (64u << 10)      /* bytes of a file's start that format detection reads */
#define FG_CAP_NL_HOSTS 16384             /* internal hosts tracked; more are counted only */
#define FG_CAP_NL_PAIRS (3u << 18)        /* (internal host, external destination) pairs */
#define FG_CAP_NL_BEACON_PAIRS 32768      /* pairs sampled for beaconing */
#define FG_CAP_NL_BEACON_SAMPLES 128      /* intervals and sizes kept per sampled pair */
#define FG_CAP_NL_NETS 64                 /* --internal networks */
#define FG_CAP_NL_ROLES_FILE (1u << 20)   /* bytes of a --roles file */
/* src/ir/tri_*.c (flowgate triage, sweep): the evidence is hostile.  A Windows 10 system
 * holds about 500,000 files, a Debian server some 100,000; SOFTWARE hives reach ~150 MB. */
#define FG_CAP_TRI_FILES 5000000u         /* files walked per ROOT; more: tri.limit.files */
#define FG_CAP_TRI_DEPTH 64               /* directory nesting walked */
#define FG_CAP_TRI_FINDINGS 200000u       /* findings kept per triage; more are counted only */
#define FG_CAP_TRI_TEXT (4u << 20)        /* bytes of a unit, crontab, task XML or rc file read */
#define FG_CAP_TRI_LINE 8192              /* bytes of one logical line (longer: cut) */
#define FG_CAP_TRI_HIVE (512u << 20)      /* bytes of a registry hive read */
#define FG_CAP_TRI_HIVE_KEYS 200000u      /* subkeys of one key listed (services, IFEO) */
#define FG_CAP_TRI_EXAM (64u << 20)       /* bytes of a program hashed and scanned */
#define FG_CAP_TRI_EXAMS 50000u           /* programs examined per ROOT */
#define FG_CAP_TRI_WMI (1ULL << 30)       /* bytes of OBJECTS.DATA searched */
#define FG_CAP_TRI_LINKS 40               /* symbolic links resolved inside the ROOT per path */
#define FG_CAP_TRI_SETS 4096              /* split-archive sets remembered per ROOT */
#define FG_CAP_TRI_IOCS 100000u           /* indicators given with --ioc */
#define FG_CAP_TRI_IOC_FILE (16u << 20)   /* bytes of an --ioc file */
#define FG_CAP_TRI_HOSTS 4096             /* ROOTs of one sweep */

enum fg_limit_kind {
    FG_LIM_DEPTH,
    FG_LIM_OBJECT_SIZE,
    FG_LIM_TOTAL_SIZE,
    FG_LIM_OBJECTS,
    FG_LIM_RATIO,
    FG_LIM_TIME,
};

/* Stable finding id for a limit, e.g. "limit.depth". */
const char *fg_limit_id(enum fg_limit_kind k);

#endif
