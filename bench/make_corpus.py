#!/usr/bin/env python3
"""make_corpus.py - writes the benchmark corpus: a seeded, reproducible mix of text, HTML,
zip, tar.gz, mail, PDF and ELF files, about 1% of which carry one inert marker string,
most of them where only an unpacker can see it (deflate, gzip, base64, PDF streams).

Usage: make_corpus.py [--seed N] [--files N] [--marker-share F] --meta METADIR CORPUSDIR

CORPUSDIR receives the files to scan and nothing else.  METADIR receives marker.txt (the
marker string), manifest.tsv (one line per file: path, kind, bytes, where the marker is or
"-") and summary.json (counts and sizes by kind).  Same seed, same files: every random
choice comes from one seeded generator, and archive dates are fixed.  The ELF samples are
copies of small binaries found on this machine, so they are the one part that depends on
the system.  Standard library only.
"""
import argparse
import base64
import gzip
import hashlib
import io
import json
import math
import os
import random
import sys
import tarfile
import zipfile
import zlib

MIN_SIZE = 1024
MAX_SIZE = 2 * 1024 * 1024
FIXED_DATE = (2024, 3, 1, 12, 0, 0)
FIXED_EPOCH = 1709294400  # the same moment, for tar headers

# kind: (share of the files, median size in bytes before any compression)
KINDS = {
    "text": (0.28, 12_000),
    "html": (0.20, 30_000),
    "zip": (0.12, 70_000),
    "targz": (0.08, 90_000),
    "eml": (0.14, 40_000),
    "pdf": (0.12, 80_000),
    "elf": (0.06, 0),
}

# Where the marker files are put, taken in turn.  Only the first two are visible to a
# scanner that reads raw bytes; the others need deflate, gzip+tar, base64 or PDF decoding.
PLACEMENTS = [
    ("text", "plain"),
    ("html", "plain"),
    ("zip", "zip-member"),
    ("targz", "targz-member"),
    ("eml", "mail-base64"),
    ("eml", "mail-base64-zip"),
    ("pdf", "pdf-flate"),
]


class Words:
    """Pseudo-language text: a Zipf-weighted vocabulary of made-up words, so that sizes and
    compression ratios resemble prose without shipping any real text."""

    SYLLABLES = ["ka", "to", "ren", "mi", "sol", "ve", "dar", "lu", "ph", "in", "or", "que",
                 "tha", "mon", "el", "st", "ra", "bi", "gen", "ox", "ul", "fa", "cor", "ni"]

    def __init__(self, rng):
        self.rng = rng
        vocab = set()
        while len(vocab) < 6000:
            n = rng.choice((1, 2, 2, 3, 3, 4))
            vocab.add("".join(rng.choice(self.SYLLABLES) for _ in range(n)))
        self.vocab = sorted(vocab)
        rng.shuffle(self.vocab)
        weights = [1.0 / (i + 1) for i in range(len(self.vocab))]
        self.cum = []
        total = 0.0
        for w in weights:
            total += w
            self.cum.append(total)
        self.sentences = [self._sentence() for _ in range(6000)]

    def _sentence(self):
        words = self.rng.choices(self.vocab, cum_weights=self.cum, k=self.rng.randint(5, 22))
        words[0] = words[0].capitalize()
        return " ".join(words) + self.rng.choice((".", ".", ".", "?", "!", ";"))

    def paragraph(self):
        return " ".join(self.rng.choices(self.sentences, k=self.rng.randint(2, 9)))

    def paragraphs(self, nbytes):
        out, size = [], 0
        while size < nbytes:
            p = self.paragraph()
            out.append(p)
            size += len(p) + 2
        return out

    def title(self):
        return " ".join(self.rng.choices(self.vocab, cum_weights=self.cum, k=self.rng.randint(2, 6))).title()

    def word(self):
        return self.rng.choice(self.vocab[:2000])


def target_size(rng, median):
    """Log-normal sizes: most files are tens of KB, a few approach MAX_SIZE."""
    s = int(median * math.exp(rng.gauss(0.0, 1.1)))
    return max(MIN_SIZE, min(MAX_SIZE, s))


def insert_line(rng, text, line):
    """Puts a line at a random line boundary of text."""
    cuts = [i + 1 for i, c in enumerate(text) if c == "\n"] or [len(text)]
    at = rng.choice(cuts)
    return text[:at] + line + "\n" + text[at:]


# ---------------------------------------------------------------- plain documents

def make_text(rng, w, size, marker=None):
    style = rng.choice(("prose", "prose", "log", "csv"))
    if style == "prose":
        body = "\n\n".join(w.paragraphs(size)) + "\n"
    elif style == "log":
        lines, n, t = [], 0, 1_700_000_000 + rng.randint(0, 10_000_000)
        while n < size:
            t += rng.randint(0, 30)
            line = "%d %s[%d]: %s" % (t, w.word(), rng.randint(100, 65000), rng.choice(w.sentences))
            lines.append(line)
            n += len(line) + 1
        body = "\n".join(lines) + "\n"
    else:
        cols = [w.word() for _ in range(rng.randint(3, 9))]
        lines, n = [",".join(cols)], 0
        while n < size:
            row = ",".join(str(rng.randint(0, 99999)) if rng.random() < 0.6 else w.word() for _ in cols)
            lines.append(row)
            n += len(row) + 1
        body = "\n".join(lines) + "\n"
    body = body[:size]
    if marker:
        body = insert_line(rng, body, "reference: " + marker)
    return body, {"prose": "txt", "log": "log", "csv": "csv"}[style]


def make_html(rng, w, size, marker=None):
    title = w.title()
    head = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>%s</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\">\n"
            "<script>\nvar cfg = {page: \"%s\", build: %d};\nfunction toggle(id) {\n"
            "  var e = document.getElementById(id);\n  e.hidden = !e.hidden;\n}\n</script>\n"
            "</head>\n<body>\n<nav>\n" % (title, w.word(), rng.randint(1000, 9999)))
    nav = "".join("  <a href=\"/%s/%s.html\">%s</a>\n" % (w.word(), w.word(), w.title())
                  for _ in range(rng.randint(3, 12)))
    parts, n = [head, nav, "</nav>\n<main>\n<h1>%s</h1>\n" % title], 0
    while n < size:
        r = rng.random()
        if r < 0.7:
            s = "<p>%s</p>\n" % w.paragraph()
        elif r < 0.85:
            s = "<h2 id=\"%s\">%s</h2>\n" % (w.word(), w.title())
        else:
            rows = "".join("<tr><td>%s</td><td>%d</td><td>%s</td></tr>\n"
                           % (w.word(), rng.randint(0, 9999), w.title()) for _ in range(rng.randint(2, 15)))
            s = "<table class=\"data\">\n%s</table>\n" % rows
        parts.append(s)
        n += len(s)
    if marker:
        parts.insert(rng.randint(3, len(parts)), "<p>Reference %s.</p>\n" % marker)
    parts.append("</main>\n<footer>%s</footer>\n</body>\n</html>\n" % w.title())
    return "".join(parts)


def make_document(rng, w, size, marker=None):
    """A text or HTML member for an archive or a mail; returns (name suffix, bytes)."""
    if rng.random() < 0.6:
        body, ext = make_text(rng, w, size, marker)
        return ext, body.encode()
    return "html", make_html(rng, w, size, marker).encode()


def split_sizes(rng, total, lo, hi):
    n = rng.randint(lo, hi)
    cuts = sorted(rng.random() for _ in range(n - 1))
    bounds = [0.0] + cuts + [1.0]
    return [max(300, int(total * (b - a))) for a, b in zip(bounds, bounds[1:])]


# ---------------------------------------------------------------- containers

def make_zip(rng, w, size, marker=None):
    sizes = split_sizes(rng, size, 1, 12)
    hit = rng.randrange(len(sizes)) if marker else -1
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        folder = w.word()
        for i, s in enumerate(sizes):
            ext, data = make_document(rng, w, s, marker if i == hit else None)
            info = zipfile.ZipInfo("%s/%s_%d.%s" % (folder, w.word(), i, ext), FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def make_targz(rng, w, size, marker=None):
    sizes = split_sizes(rng, size, 1, 20)
    hit = rng.randrange(len(sizes)) if marker else -1
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as t:
            top = "%s-%d.%d" % (w.word(), rng.randint(0, 9), rng.randint(0, 30))
            for i, s in enumerate(sizes):
                ext, data = make_document(rng, w, s, marker if i == hit else None)
                info = tarfile.TarInfo("%s/%s/%s.%s" % (top, w.word(), w.word(), ext))
                info.size, info.mtime, info.mode = len(data), FIXED_EPOCH, 0o644
                info.uname = info.gname = "bench"
                t.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def b64_lines(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def make_eml(rng, w, size, marker=None, marker_in_zip=False):
    """multipart/mixed mail: a text body and 0-3 base64 attachments (text, HTML, zip, PDF).
    The marker, if any, is in an attachment, either directly or inside an attached zip."""
    sizes = split_sizes(rng, size, 1, 4)
    bnd = "=_bench_%016x" % rng.getrandbits(64)
    user = lambda: "%s.%s@%s.example" % (w.word(), w.word(), w.word())
    day = rng.randint(1, 28)
    lines = [
        "Return-Path: <%s>" % user(),
        "Received: from mx%d.%s.example (mx.%s.example [192.0.2.%d])\r\n\tby mail.bench.example; "
        "Tue, %d Feb 2024 %02d:%02d:00 +0000" % (rng.randint(1, 9), w.word(), w.word(), rng.randint(1, 254),
                                                 day, rng.randint(0, 23), rng.randint(0, 59)),
        "From: %s <%s>" % (w.title(), user()),
        "To: %s" % user(),
        "Subject: %s" % w.title(),
        "Date: Tue, %d Feb 2024 %02d:%02d:%02d +0000" % (day, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)),
        "Message-ID: <%016x@bench.example>" % rng.getrandbits(64),
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"%s\"" % bnd,
        "",
        "This is a multi-part message in MIME format.",
        "",
        "--" + bnd,
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "\r\n\r\n".join(w.paragraphs(min(sizes[0], 20_000))),
    ]
    kinds = [rng.choice(("text", "html", "zip", "pdf")) for _ in sizes[1:]]
    if marker:
        want = "zip" if marker_in_zip else "text"
        if want not in kinds:
            kinds.append(want)
            sizes.append(rng.randint(2_000, 40_000))
        hit = kinds.index(want)
    else:
        hit = -1
    for i, (kind, s) in enumerate(zip(kinds, sizes[1:])):
        m = marker if i == hit else None
        if kind == "text":
            body, ext = make_text(rng, w, s, m)
            data, ctype, name = body.encode(), "text/plain", "%s.%s" % (w.word(), ext)
        elif kind == "html":
            data, ctype, name = make_html(rng, w, s, m).encode(), "text/html", w.word() + ".html"
        elif kind == "zip":
            data, ctype, name = make_zip(rng, w, s, m), "application/zip", w.word() + ".zip"
        else:
            data, ctype, name = make_pdf(rng, w, s, m), "application/pdf", w.word() + ".pdf"
        lines += ["--" + bnd,
                  "Content-Type: %s; name=\"%s\"" % (ctype, name),
                  "Content-Transfer-Encoding: base64",
                  "Content-Disposition: attachment; filename=\"%s\"" % name,
                  "",
                  b64_lines(data)]
    lines += ["--" + bnd + "--", ""]
    return "\r\n".join(lines).encode()


def make_pdf(rng, w, size, marker=None):
    """A small but well-formed PDF: pages whose content streams are FlateDecode-compressed
    text, some with a compressed image-like XObject, and a correct xref table."""
    npages = max(1, min(60, size // 6000))
    per_page = max(400, size // npages)
    hit = rng.randrange(npages) if marker else -1
    objs = {}  # number -> bytes of the object body (without "n 0 obj"/"endobj")
    objs[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    kids, nxt = [], 4
    for p in range(npages):
        ops = ["BT", "/F1 10 Tf", "12 TL", "50 790 Td"]
        text = " ".join(w.paragraphs(per_page // 2))
        lines = [text[i:i + 95] for i in range(0, len(text), 95)]
        if p == hit:
            lines.insert(rng.randrange(len(lines) + 1), marker)
        ops += ["(%s) '" % ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for ln in lines]
        ops.append("ET")
        content = zlib.compress("\n".join(ops).encode(), 6)
        page_no, content_no = nxt, nxt + 1
        nxt += 2
        resources = "/Font << /F1 3 0 R >>"
        if rng.random() < 0.3:
            img_no = nxt
            nxt += 1
            side = rng.choice((32, 64, 96))
            # image-like: smooth rows with noise, so it compresses partly, as photos do
            base = rng.randbytes(side * 3)
            pix = b"".join(bytes((b + rng.randint(0, 12)) & 0xFF for b in base) for _ in range(side))
            img = zlib.compress(pix, 6)
            objs[img_no] = (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
                            % (side, side, len(img)) + img + b"\nendstream")
            resources += " /XObject << /Im1 %d 0 R >>" % img_no
        objs[page_no] = ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << %s >> "
                         "/Contents %d 0 R >>" % (resources, content_no)).encode()
        objs[content_no] = (b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
                            + content + b"\nendstream")
        kids.append(page_no)
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = ("<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % k for k in kids), len(kids))).encode()
    info_no = nxt
    objs[info_no] = ("<< /Title (%s) /Producer (flowgate bench) >>" % w.title()).encode()
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for n in sorted(objs):
        offsets[n] = out.tell()
        out.write(b"%d 0 obj\n" % n + objs[n] + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (info_no + 1))
    for n in range(1, info_no + 1):
        out.write(b"%010d 00000 n \n" % offsets[n])
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (info_no + 1, info_no, xref))
    return out.getvalue()


def elf_candidates():
    """Small ELF executables and libraries on this machine, in a stable order."""
    found = []
    for d in ("/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu"):
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for n in names:
            p = os.path.join(d, n)
            try:
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                sz = os.path.getsize(p)
                if not 4096 <= sz <= MAX_SIZE:
                    continue
                with open(p, "rb") as f:
                    if f.read(4) != b"\x7fELF":
                        continue
            except OSError:
                continue
            found.append(p)
    return found


# ---------------------------------------------------------------- the corpus

def plan(rng, nfiles, nmarkers):
    kinds = []
    for k, (share, _) in KINDS.items():
        kinds += [k] * round(share * nfiles)
    kinds = (kinds + ["text"] * nfiles)[:nfiles]
    rng.shuffle(kinds)
    markers = {}  # file index -> placement
    for i in range(nmarkers):
        kind, where = PLACEMENTS[i % len(PLACEMENTS)]
        free = [j for j, k in enumerate(kinds) if k == kind and j not in markers]
        if free:
            markers[rng.choice(free)] = where
    return kinds, markers


def build(args):
    rng = random.Random(args.seed)
    # Lower case on purpose: ClamAV matches HTML only after normalising it (lower case, no
    # comments, raw bytes skipped), so an upper-case marker in HTML would be invisible to it.
    marker = "flowgate-bench-marker-%s-inert" % hashlib.sha256(b"flowgate-bench:%d" % args.seed).hexdigest()[:20]
    words = Words(rng)
    nmarkers = max(1, round(args.files * args.marker_share))
    kinds, markers = plan(rng, args.files, nmarkers)
    elves = elf_candidates()
    rng.shuffle(elves)
    if not elves and "elf" in kinds:
        sys.exit("make_corpus.py: no ELF binaries found to copy")
    os.makedirs(args.corpus, exist_ok=True)
    os.makedirs(args.meta, exist_ok=True)
    manifest, elf_i = [], 0
    ndirs = max(1, args.files // 100)
    for i, kind in enumerate(kinds):
        where = markers.get(i)
        m = marker if where else None
        size = target_size(rng, KINDS[kind][1]) if KINDS[kind][1] else 0
        sub = "d%02d" % rng.randrange(ndirs)
        stem = "%04d_%s" % (i, words.word())
        if kind == "text":
            body, ext = make_text(rng, words, size, m)
            data = body.encode()
        elif kind == "html":
            data, ext = make_html(rng, words, size, m).encode(), "html"
        elif kind == "zip":
            data, ext = make_zip(rng, words, size, m), "zip"
        elif kind == "targz":
            data, ext = make_targz(rng, words, size, m), "tar.gz"
        elif kind == "eml":
            data, ext = make_eml(rng, words, size, m, where == "mail-base64-zip"), "eml"
        elif kind == "pdf":
            data, ext = make_pdf(rng, words, size, m), "pdf"
        else:
            src = elves[elf_i % len(elves)]
            elf_i += 1
            with open(src, "rb") as f:
                data = f.read()
            ext = "elf"
            stem = "%04d_%s" % (i, os.path.basename(src).replace(".", "_"))
        raw_has = marker.encode() in data
        if (where in ("plain",)) != raw_has:
            sys.exit("make_corpus.py: internal error: marker visibility wrong in %s (%s)" % (stem, where))
        rel = os.path.join(sub, "%s.%s" % (stem, ext))
        os.makedirs(os.path.join(args.corpus, sub), exist_ok=True)
        with open(os.path.join(args.corpus, rel), "wb") as f:
            f.write(data)
        manifest.append((rel, kind, len(data), where or "-"))
    with open(os.path.join(args.meta, "marker.txt"), "w") as f:
        f.write(marker + "\n")
    with open(os.path.join(args.meta, "manifest.tsv"), "w") as f:
        f.write("path\tkind\tbytes\tmarker\n")
        for row in manifest:
            f.write("%s\t%s\t%d\t%s\n" % row)
    summary = {"seed": args.seed, "files": len(manifest), "marker": marker, "kinds": {}, "placements": {}}
    for k in KINDS:
        sizes = sorted(r[2] for r in manifest if r[1] == k)
        if sizes:
            summary["kinds"][k] = {"files": len(sizes), "bytes": sum(sizes),
                                   "median": sizes[len(sizes) // 2], "min": sizes[0], "max": sizes[-1]}
    for r in manifest:
        if r[3] != "-":
            summary["placements"][r[3]] = summary["placements"].get(r[3], 0) + 1
    allsizes = sorted(r[2] for r in manifest)
    summary["bytes"] = sum(allsizes)
    summary["median"] = allsizes[len(allsizes) // 2]
    summary["marker_files"] = sum(summary["placements"].values())
    with open(os.path.join(args.meta, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--marker-share", type=float, default=0.01)
    ap.add_argument("--meta", required=True, help="directory for marker.txt, manifest.tsv, summary.json")
    ap.add_argument("corpus", help="directory to fill (should be empty or absent)")
    args = ap.parse_args()
    if args.files < 1:
        ap.error("--files must be positive")
    if os.path.isdir(args.corpus) and os.listdir(args.corpus):
        ap.error("%s is not empty" % args.corpus)
    s = build(args)
    print("make_corpus.py: %d files, %.1f MB, %d carry the marker, in %s"
          % (s["files"], s["bytes"] / 1e6, s["marker_files"], args.corpus))


if __name__ == "__main__":
    main()
