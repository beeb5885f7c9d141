#!/usr/bin/env bash
# netlog_bench.sh - speed of `flowgate netlog` (issue 5: at least 1 million log lines a second
# on one core).  Generates one day of a small company's logs per format (tests/gen/netlog_gen.py)
# and repeats it until each file has at least N lines, then times, per format, `flowgate netlog
# --json` and, as a simple peer, mawk counting connections per source address (the least any
# per-host aggregation must do).  Files are read once first, so both read from the page cache.
# Reports lines/s, MB/s, CPU seconds and peak RSS (/usr/bin/time) as a Markdown table.
# Usage: bench/netlog_bench.sh [--flowgate PATH] [--lines N] [--rounds R] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWGATE=build/flowgate
LINES=5000000
ROUNDS=3
OUT=bench/out/netlog
while [ $# -gt 0 ]; do
    case $1 in
        --flowgate) FLOWGATE=$2; shift 2 ;;
        --lines) LINES=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "netlog_bench: unknown argument $1" >&2; exit 2 ;;
    esac
done
for tool in mawk /usr/bin/time python3; do
    command -v "$tool" > /dev/null || { echo "netlog_bench: $tool is missing" >&2; exit 2; }
done
mkdir -p "$OUT/day"
python3 tests/gen/netlog_gen.py "$OUT/day" > /dev/null

# One day repeated (headers kept once for Zeek TSV, CSV) until the file has LINES lines.
grow() {
    local src=$1 dst=$2 n
    n=$(wc -l < "$src")
    local copies=$(( (LINES + n - 1) / n ))
    case $src in
        *.log|*.csv) if head -1 "$src" | grep -q '^#\|^ts,'; then
                         { grep '^#\|^ts,' "$src" | grep -v '^#close'
                           for _ in $(seq "$copies"); do grep -v '^#\|^ts,' "$src"; done; } > "$dst"
                         return
                     fi ;;
    esac
    for _ in $(seq "$copies"); do cat "$src"; done > "$dst"
}

declare -A FILE=([netfilter]=fw.log [zeek]=conn.log [zeek-json]=conn.json [csv]=flows.csv)
declare -A PEER=(
    [netfilter]='{for(i=1;i<=NF;i++) if(substr($i,1,4)=="SRC="){c[$i]++; break}} END{for(k in c) n++; print n}'
    [zeek]='BEGIN{FS="\t"} !/^#/{c[$3]++} END{for(k in c) n++; print n}'
    [zeek-json]='BEGIN{FS="\"id.orig_h\":\""} {split($2,a,"\""); c[a[1]]++} END{for(k in c) n++; print n}'
    [csv]='BEGIN{FS=","} NR>1{c[$2]++} END{for(k in c) n++; print n}')

median() { sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

REPORT=$OUT/report.md
{
    echo "| format | lines | MB | tool | median s (wall) | median CPU s | lines/s (CPU) | MB/s (CPU) | peak RSS MB |"
    echo "|---|---:|---:|---|---:|---:|---:|---:|---:|"
} > "$REPORT"
for fmt in netfilter zeek zeek-json csv; do
    f=$OUT/${FILE[$fmt]}
    grow "$OUT/day/${FILE[$fmt]}" "$f"
    lines=$(wc -l < "$f")
    bytes=$(stat -c %s "$f")
    cat "$f" > /dev/null
    for tool in flowgate mawk; do
        : > "$OUT/times"
        for _ in $(seq "$ROUNDS"); do
            if [ $tool = flowgate ]; then
                /usr/bin/time -f "%e %U %S %M" -o "$OUT/t1" \
                    "$FLOWGATE" netlog --no-progress --json --top 0 --year 2024 "$f" > /dev/null 2>&1 || true
            else
                /usr/bin/time -f "%e %U %S %M" -o "$OUT/t1" mawk "${PEER[$fmt]}" "$f" > /dev/null
            fi
            tail -1 "$OUT/t1" >> "$OUT/times" # time prefixes a note on a non-zero exit
        done
        wall=$(awk '{print $1}' "$OUT/times" | median)
        cpu=$(awk '{print $2 + $3}' "$OUT/times" | median)
        rss=$(awk '{print $4}' "$OUT/times" | sort -n | tail -1)
        awk -v fmt="$fmt" -v l="$lines" -v b="$bytes" -v t="$tool" -v w="$wall" -v c="$cpu" -v r="$rss" \
            'BEGIN{printf "| %s | %d | %.0f | %s | %.2f | %.2f | %.2f M | %.0f | %.0f |\n",
                   fmt, l, b/1e6, t, w, c, l/c/1e6, b/1e6/c, r/1024}' >> "$REPORT"
    done
    rm -f "$f"
done
cat "$REPORT"
