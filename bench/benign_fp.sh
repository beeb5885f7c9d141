#!/usr/bin/env bash
# benign_fp.sh - false findings on benign files: scans files installed by Debian packages on
# this machine (documentation: PDF, HTML, text; scripts; ELF programs and libraries) and
# counts findings of severity medium or higher, which should be none.  Prints a summary and
# the list of such findings.  Usage: bench/benign_fp.sh [--flowgate PATH] [--max N]
# Real PDFs and office documents (Debian documentation packages): bench/doc_fp.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWGATE=build/flowgate
MAX=4000
while [ $# -gt 0 ]; do
    case $1 in
        --flowgate) FLOWGATE=$2; shift 2 ;;
        --max) MAX=$2; shift 2 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "benign_fp: unknown argument $1" >&2; exit 2 ;;
    esac
done
out=bench/out/benign
mkdir -p "$out"
# A fixed, sorted selection so that runs on the same machine compare: every regular file up to
# 8 MiB under these trees, spread evenly (every k-th) to at most MAX files.
find /usr/share/doc /usr/bin /usr/sbin /usr/lib/python3/dist-packages /usr/share/perl5 \
     /usr/lib/x86_64-linux-gnu -xdev -type f -size -8M 2>/dev/null | LC_ALL=C sort > "$out/all.txt"
total=$(wc -l < "$out/all.txt")
step=$(( total > MAX ? total / MAX : 1 ))
awk -v s="$step" -v m="$MAX" 'NR % s == 0 && c < m { print; c++ }' "$out/all.txt" > "$out/files.txt"
n=$(wc -l < "$out/files.txt")
start=$(date +%s.%N)
tr '\n' '\0' < "$out/files.txt" | xargs -0 "$FLOWGATE" scan --json --no-progress > "$out/results.jsonl" || true
end=$(date +%s.%N)
python3 - "$out/results.jsonl" "$n" "$start" "$end" <<'PY'
import json, sys, collections
path, n, t0, t1 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
verdicts = collections.Counter(); kinds = collections.Counter(); bad = []; objects = 0
for line in open(path, encoding="utf-8"):
    r = json.loads(line)
    verdicts[r["verdict"]] += 1
    for o in r["objects"]:
        objects += 1
        kinds[o["type"]] += 1
        for f in o["findings"]:
            if f["severity"] in ("medium", "high", "critical"):
                bad.append((f["severity"], f["id"], o["path"], f["evidence"][:120]))
print("benign corpus: %d files from Debian packages, %d objects, %.1f s" % (n, objects, t1 - t0))
print("object types: " + ", ".join("%s %d" % kv for kv in kinds.most_common(12)))
print("verdicts: " + ", ".join("%s %d" % kv for kv in sorted(verdicts.items())))
print("findings of medium or higher: %d" % len(bad))
for b in bad[:50]:
    print("  %-8s %-28s %s  [%s]" % b)
PY
