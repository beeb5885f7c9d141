#!/usr/bin/env python3
"""make_doc_corpus.py - builds the benign corpus of real files that installed Debian packages
hold: every PDF and office document (Word, Excel, PowerPoint, OpenDocument, RTF), and an even
selection of HTML pages, scripts and ELF programs, sorted into OUTDIR/<type>/.

Usage: make_doc_corpus.py [--out DIR] [--max-html N] [--max-script N] [--max-elf N]
                          [--max-size BYTES]

Files come from the packages' own file lists (/var/lib/dpkg/info/*.list), so each one is
named with its package.  Compressed documents (name.pdf.gz ...) are stored decompressed.  A
type is decided by content (PDF header, OLE2 signature, a zip with an OOXML or OpenDocument
part, {\\rtf, <html, #!, ELF), not by name alone: a text file called *.doc is no document.
Duplicates (same SHA-256) are kept once, the first in sorted order.  The selection is
deterministic: packages and paths are sorted, and the capped types keep every k-th file, so
the same installed packages give the same corpus.  Writes OUTDIR/manifest.tsv (type, corpus
file, package, path in the package, sha256, size), OUTDIR/pdfs.txt (the unique PDFs, one
corpus path a line) and OUTDIR/summary.json.  Standard library only.
"""
import argparse
import gzip
import hashlib
import json
import os
import shutil
import sys
import zipfile

DPKG_INFO = "/var/lib/dpkg/info"
OFFICE_EXT = {"doc", "dot", "docx", "docm", "dotx", "dotm", "xls", "xlt", "xlsx", "xlsm",
              "xltx", "xlsb", "ppt", "pps", "pot", "pptx", "pptm", "ppsx", "potx", "odt",
              "ods", "odp", "odg", "ott", "ots", "otp", "otg", "odc", "odf", "rtf"}
HTML_EXT = {"html", "htm", "xhtml", "hta"}
SCRIPT_EXT = {"sh", "bash", "py", "pl", "pm", "rb", "js", "mjs", "vbs", "ps1", "bat", "cmd",
              "tcl", "lua", "php"}
SCRIPT_DIRS = ("/usr/bin/", "/usr/sbin/", "/usr/lib/", "/usr/share/")
HEAD = 4096


def package_files():
    """(package, path) for every regular file an installed package lists, sorted."""
    out = []
    for name in sorted(os.listdir(DPKG_INFO)):
        if not name.endswith(".list"):
            continue
        pkg = name[:-5].split(":")[0]
        with open(os.path.join(DPKG_INFO, name), encoding="utf-8", errors="replace") as f:
            for line in f:
                p = line.rstrip("\n")
                if p.startswith("/usr/") and os.path.isfile(p) and not os.path.islink(p):
                    out.append((pkg, p))
    return sorted(set(out), key=lambda t: (t[1], t[0]))


def ext_of(path):
    base = os.path.basename(path).lower()
    if base.endswith(".gz"):
        base = base[:-3]
    return base.rsplit(".", 1)[-1] if "." in base else ""


def read_head(path):
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                return f.read(HEAD)
        with open(path, "rb") as f:
            return f.read(HEAD)
    except (OSError, EOFError, gzip.BadGzipFile):
        return b""


def office_zip(path):
    """True for a zip holding an OOXML ([Content_Types].xml) or OpenDocument (mimetype) part."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError):
        return False
    return "[Content_Types].xml" in names or "mimetype" in names


def classify(pkg, path):
    """The corpus type of one packaged file, or None: decided by name first (cheap), then
    confirmed by content."""
    ext = ext_of(path)
    if ext == "pdf":
        return "pdf" if read_head(path)[:1024].find(b"%PDF-") >= 0 else None
    if ext in OFFICE_EXT:
        head = read_head(path)
        if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") or head.startswith(b"{\\rtf"):
            return "office"
        if head.startswith(b"PK\x03\x04") and not path.endswith(".gz") and office_zip(path):
            return "office"
        return None
    if ext in HTML_EXT:
        head = read_head(path).lower()
        return "html" if b"<html" in head or b"<!doctype html" in head else None
    if path.endswith(".gz"):
        return None
    if ext in SCRIPT_EXT or path.startswith(("/usr/bin/", "/usr/sbin/")):
        head = read_head(path)
        if head.startswith(b"\x7fELF"):
            return "elf"
        if head.startswith(b"#!") or (ext in SCRIPT_EXT and b"\0" not in head):
            return "script"
        return None
    if path.startswith(SCRIPT_DIRS) and (".so" in os.path.basename(path) or
                                         path.startswith("/usr/lib/x86_64-linux-gnu/")):
        return "elf" if read_head(path).startswith(b"\x7fELF") else None
    return None


def spread(items, cap):
    """At most cap items, every k-th of the sorted list, so the choice covers all packages."""
    if cap <= 0 or len(items) <= cap:
        return items
    step = len(items) / cap
    return [items[int(i * step)] for i in range(cap)]


def sha256_of(path):
    h = hashlib.sha256()
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    return h.hexdigest()


def store(src, dst):
    """Places one file in the corpus: decompressed when it is .gz, else a hard link (same
    file system, no copy) or a copy."""
    if src.endswith(".gz"):
        with gzip.open(src, "rb") as fi, open(dst, "wb") as fo:
            shutil.copyfileobj(fi, fo)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def corpus_name(digest, path):
    base = os.path.basename(path)
    if base.endswith(".gz"):
        base = base[:-3]
    safe = "".join(c if c.isalnum() or c in "._-+" else "_" for c in base)[-80:]
    return "%s_%s" % (digest[:12], safe)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="bench/out/corpus")
    ap.add_argument("--max-html", type=int, default=1000)
    ap.add_argument("--max-script", type=int, default=1000)
    ap.add_argument("--max-elf", type=int, default=1000)
    ap.add_argument("--max-size", type=int, default=64 << 20,
                    help="skip files larger than this (bytes, before decompression)")
    args = ap.parse_args()
    caps = {"pdf": 0, "office": 0, "html": args.max_html, "script": args.max_script,
            "elf": args.max_elf}

    found = {t: [] for t in caps}
    too_big = 0
    for pkg, path in package_files():
        t = classify(pkg, path)
        if t is None:
            continue
        if os.path.getsize(path) > args.max_size:
            too_big += 1
            continue
        found[t].append((pkg, path))

    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    seen = set()
    rows = []
    dups = {t: 0 for t in caps}
    for t in caps:
        os.makedirs(os.path.join(args.out, t))
        for pkg, path in spread(found[t], caps[t]):
            digest = sha256_of(path)
            if digest is None:
                continue
            if digest in seen:
                dups[t] += 1
                continue
            seen.add(digest)
            rel = os.path.join(t, corpus_name(digest, path))
            store(path, os.path.join(args.out, rel))
            rows.append((t, rel, pkg, path, digest, os.path.getsize(os.path.join(args.out, rel))))

    with open(os.path.join(args.out, "manifest.tsv"), "w", encoding="utf-8") as f:
        f.write("type\tfile\tpackage\tpath\tsha256\tsize\n")
        for r in rows:
            f.write("%s\t%s\t%s\t%s\t%s\t%d\n" % r)
    with open(os.path.join(args.out, "pdfs.txt"), "w", encoding="utf-8") as f:
        for r in rows:
            if r[0] == "pdf":
                f.write(os.path.join(args.out, r[1]) + "\n")
    summary = {"files": len(rows), "too_big_skipped": too_big, "types": {}}
    for t in caps:
        mine = [r for r in rows if r[0] == t]
        summary["types"][t] = {
            "found": len(found[t]), "kept": len(mine), "duplicates": dups[t],
            "bytes": sum(r[5] for r in mine),
            "packages": len({r[2] for r in mine})}
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    for t, s in summary["types"].items():
        print("%-7s %5d unique (%d found, %d duplicates) from %d packages, %.1f MB"
              % (t, s["kept"], s["found"], s["duplicates"], s["packages"], s["bytes"] / 1e6))
    print("total   %5d files in %s (%d over --max-size skipped)"
          % (len(rows), args.out, too_big))
    return 0


if __name__ == "__main__":
    sys.exit(main())
