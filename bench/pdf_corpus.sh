#!/usr/bin/env bash
# pdf_corpus.sh - the PDF learning corpus (issue 4): the unique PDFs (by SHA-256) of the
# corpus that bench/make_doc_corpus.py builds from Debian documentation packages, written
# sorted to OUT/pdfs.txt with their count; with --time N it also times the plain handler run
# `pdftoppm -r 50 -l 2 -png` (pages 1-2 at 50 dpi) on an even sample of N of them, one at a
# time, and prints the median and 95th percentile (the baseline a sandboxed run compares to).
# Usage: bench/pdf_corpus.sh [--corpus DIR] [--out DIR] [--time N]
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=bench/out/corpus
OUT=bench/out/pdf_corpus
SAMPLE=0
while [ $# -gt 0 ]; do
    case $1 in
        --corpus) CORPUS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --time) SAMPLE=$2; shift 2 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "pdf_corpus: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ ! -f "$CORPUS/manifest.tsv" ]; then
    echo "pdf_corpus: no corpus in $CORPUS: run 'make corpus' first" >&2
    exit 2
fi
mkdir -p "$OUT"
# The manifest holds each SHA-256 once; its pdf rows are the unique PDFs.
awk -F'\t' -v c="$CORPUS" 'NR > 1 && $1 == "pdf" { print c "/" $2 }' "$CORPUS/manifest.tsv" \
    | LC_ALL=C sort > "$OUT/pdfs.txt"
echo "unique PDFs: $(wc -l < "$OUT/pdfs.txt") (list: $OUT/pdfs.txt)"
[ "$SAMPLE" -gt 0 ] || exit 0
python3 - "$OUT/pdfs.txt" "$SAMPLE" "$OUT" <<'PY'
import os, statistics, subprocess, sys, tempfile, time
lst, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pdfs = [l.rstrip("\n") for l in open(lst, encoding="utf-8")]
step = max(1, len(pdfs) // n)
sample = pdfs[::step][:n]
times, failed = [], 0
with tempfile.TemporaryDirectory() as tmp, open(os.path.join(out, "pdftoppm_times.tsv"), "w") as log:
    for p in sample:
        t0 = time.perf_counter()
        try:
            rc = subprocess.run(["pdftoppm", "-r", "50", "-l", "2", "-png", p,
                                 os.path.join(tmp, "page")], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, timeout=120).returncode
        except subprocess.TimeoutExpired:
            rc = -1
        dt = time.perf_counter() - t0
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        failed += rc != 0
        times.append(dt)
        log.write("%.4f\t%d\t%s\n" % (dt, rc, p))
times.sort()
p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
print("pdftoppm -r 50 -l 2 -png on %d PDFs: median %.3f s, p95 %.3f s, max %.3f s, "
      "mean %.3f s, %d exited non-zero (per file: %s/pdftoppm_times.tsv)"
      % (len(times), statistics.median(times), p95, times[-1], statistics.mean(times),
         failed, out))
PY
