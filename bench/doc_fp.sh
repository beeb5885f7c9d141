#!/usr/bin/env bash
# doc_fp.sh - false findings on real benign documents: scans the corpus that
# bench/make_doc_corpus.py builds from Debian packages (`make corpus`: PDFs, office files,
# HTML, scripts, ELF) with every analyzer and lists each finding of severity medium or higher
# (the goal is none), each input that is not clean, and the unscannable findings by id.
# Usage: bench/doc_fp.sh [--flowgate PATH] [--corpus DIR] [--jobs N] [--out DIR]
# Writes OUT/results.jsonl (the scan) and OUT/report.txt (the summary it prints).
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWGATE=build/flowgate
CORPUS=bench/out/corpus
JOBS=2
OUT=bench/out/doc_fp
while [ $# -gt 0 ]; do
    case $1 in
        --flowgate) FLOWGATE=$2; shift 2 ;;
        --corpus) CORPUS=$2; shift 2 ;;
        --jobs) JOBS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "doc_fp: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ ! -f "$CORPUS/manifest.tsv" ]; then
    echo "doc_fp: no corpus in $CORPUS: run 'make corpus' first" >&2
    exit 2
fi
mkdir -p "$OUT"
dirs=()
for t in pdf office html script elf; do
    [ -d "$CORPUS/$t" ] && dirs+=("$CORPUS/$t")
done
start=$(date +%s.%N)
"$FLOWGATE" scan --json --no-progress --jobs "$JOBS" "${dirs[@]}" > "$OUT/results.jsonl" || true
end=$(date +%s.%N)
python3 - "$OUT/results.jsonl" "$CORPUS" "$start" "$end" <<'PY' | tee "$OUT/report.txt"
import collections, json, os, sys
path, corpus, t0, t1 = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
origin = {}
with open(os.path.join(corpus, "manifest.tsv"), encoding="utf-8") as f:
    next(f)
    for line in f:
        t, rel, pkg, src = line.split("\t")[:4]
        origin[os.path.normpath(os.path.join(corpus, rel))] = (t, pkg, src)
per_type = collections.defaultdict(collections.Counter)
bytes_by_type = collections.Counter()
bad, unscannable, errors, slow = [], collections.Counter(), [], []
for line in open(path, encoding="utf-8"):
    r = json.loads(line)
    t, pkg, src = origin.get(os.path.normpath(r["path"]), ("?", "?", r["path"]))
    per_type[t][r["verdict"]] += 1
    bytes_by_type[t] += r.get("size", 0)
    if r["verdict"] == "error":
        errors.append((t, pkg, src, r.get("error", "")))
    for o in r["objects"]:
        for f in o["findings"]:
            if f["severity"] in ("medium", "high", "critical"):
                bad.append((f["severity"], f["id"], pkg, src, o["path"][len(r["path"]):],
                            f["evidence"][:100]))
            if f.get("unscannable"):
                unscannable[(t, f["id"])] += 1
                if f["id"] == "limit.time":
                    slow.append((pkg, src))
n = sum(sum(c.values()) for c in per_type.values())
print("benign document corpus: %d files (%.0f MB), scanned in %.1f s"
      % (n, sum(bytes_by_type.values()) / 1e6, t1 - t0))
for t in ("pdf", "office", "html", "script", "elf", "?"):
    if per_type.get(t):
        print("  %-7s %5d files %7.0f MB  %s" % (t, sum(per_type[t].values()),
              bytes_by_type[t] / 1e6, ", ".join("%s %d" % kv for kv in sorted(per_type[t].items()))))
print("findings of medium or higher: %d" % len(bad))
for b in bad:
    print("  %-8s %-26s %s %s%s  [%s]" % b)
print("unscannable findings (type, id: count): %d" % sum(unscannable.values()))
for (t, fid), c in sorted(unscannable.items()):
    print("  %-7s %-28s %d" % (t, fid, c))
for pkg, src in slow:
    print("  time limit: %s %s" % (pkg, src))
print("errors: %d" % len(errors))
for e in errors:
    print("  %s %s %s: %s" % e)
PY
