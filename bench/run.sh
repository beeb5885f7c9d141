#!/usr/bin/env bash
# run.sh - times flowgate, clamscan and yara on one generated corpus with one signature, in
# one run: rounds interleaved, order rotated each round, medians reported.  Also checks that
# flowgate finds every marker file clamscan finds.  Outputs and the cached corpus go to
# bench/out/ (git-ignored); the report is printed and kept as bench/out/report.md.
#
# Usage: bench/run.sh [--seed N] [--files N] [--rounds N] [--jobs N] [--flowgate PATH]
#   defaults: seed 1, 2000 files, 5 rounds, jobs = nproc, flowgate = build/flowgate
#   (or the environment variables SEED, FILES, ROUNDS, JOBS, FLOWGATE)
# Exit status: 0, or 1 if flowgate missed a file that clamscan detected, 2 on a setup error.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

SEED=${SEED:-1}
FILES=${FILES:-2000}
ROUNDS=${ROUNDS:-5}
JOBS=${JOBS:-$(nproc)}
FLOWGATE=${FLOWGATE:-build/flowgate}
OUT=bench/out

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "bench/run.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case $1 in
    -h|--help) usage; exit 0 ;;
    --seed|--files|--rounds|--jobs|--flowgate) [ $# -ge 2 ] || die "$1 needs a value" ;;
    *) die "unknown argument '$1' (try --help)" ;;
    esac
    case $1 in
    --seed) SEED=$2 ;;
    --files) FILES=$2 ;;
    --rounds) ROUNDS=$2 ;;
    --jobs) JOBS=$2 ;;
    --flowgate) FLOWGATE=$2 ;;
    esac
    shift 2
done

for n in "$SEED" "$FILES" "$ROUNDS" "$JOBS"; do
    [[ $n =~ ^[0-9]+$ ]] || die "not a number: $n"
done
if [ "$ROUNDS" -lt 1 ] || [ "$JOBS" -lt 1 ]; then
    die "--rounds and --jobs must be at least 1"
fi
[ -x "$FLOWGATE" ] || die "no flowgate binary at $FLOWGATE (run 'make build' or pass --flowgate)"
for t in python3 clamscan yara; do
    command -v "$t" >/dev/null || die "$t is not installed"
done

# ---- the corpus, built once per seed, size and generator version
mkdir -p "$OUT"
gen_id=$(sha256sum bench/make_corpus.py | cut -c1-8)
key="s$SEED-n$FILES-$gen_id"
CORPUS=$OUT/corpus-$key
META=$OUT/meta-$key
if [ ! -s "$META/summary.json" ]; then
    rm -rf "$CORPUS" "$META" "$CORPUS.tmp" "$META.tmp"
    echo "bench/run.sh: building the corpus (seed $SEED, $FILES files)..." >&2
    python3 bench/make_corpus.py --seed "$SEED" --files "$FILES" --meta "$META.tmp" "$CORPUS.tmp" >&2
    mv "$CORPUS.tmp" "$CORPUS"
    mv "$META.tmp" "$META"
else
    echo "bench/run.sh: reusing $CORPUS" >&2
fi

# ---- one signature, written for each tool
MARKER=$(cat "$META/marker.txt")
[[ $MARKER =~ ^[a-z0-9-]+$ ]] || die "unexpected marker '$MARKER'"
printf 'rule bench_marker\n{\n    strings:\n        $m = "%s"\n    condition:\n        $m\n}\n' \
    "$MARKER" >"$OUT/marker.yar"
printf 'BenchMarker:0:*:%s\n' "$(printf '%s' "$MARKER" | od -An -v -tx1 | tr -d ' \n')" >"$OUT/marker.ndb"

# ---- the commands: label, threads, command line
declare -a LABEL THREADS CMD
add() { LABEL+=("$1"); THREADS+=("$2"); CMD+=("$3"); }
fg_cmd() { echo "$FLOWGATE scan --no-builtin-rules --rules $OUT/marker.yar -q --no-progress --jobs $1 $CORPUS"; }
add flowgate "$JOBS" "$(fg_cmd "$JOBS")"
[ "$JOBS" -gt 1 ] && add flowgate 1 "$(fg_cmd 1)"
add clamscan 1 "clamscan --no-summary -i -r -d $OUT/marker.ndb $CORPUS"
add yara "$JOBS" "yara -r -p $JOBS $OUT/marker.yar $CORPUS"
[ "$JOBS" -gt 1 ] && add yara 1 "yara -r -p 1 $OUT/marker.yar $CORPUS"
NCMD=${#CMD[@]}

# ---- correctness pass (also fills the page cache): each tool once, output kept
DET=$OUT/detections
rm -rf "$DET"
mkdir -p "$DET"
for i in $(seq 0 $((NCMD - 1))); do
    f="$DET/${LABEL[$i]}-j${THREADS[$i]}"
    rc=0
    ${CMD[$i]} >"$f.out" 2>"$f.err" || rc=$?
    echo "$rc" >"$f.rc"
done

# ---- timed rounds, interleaved, the order rotated by one each round
TIMES=$OUT/times.tsv
printf 'round\tlabel\tthreads\treal\tuser\tsys\trc\n' >"$TIMES"
TIMEFORMAT='%R %U %S'
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$ROUNDS"); do
    echo "bench/run.sh: round $r of $ROUNDS" >&2
    for k in $(seq 0 $((NCMD - 1))); do
        i=$(( (k + r - 1) % NCMD ))
        rc=0
        { time ${CMD[$i]} >/dev/null 2>"$OUT/last.err"; } 2>"$OUT/last.time" || rc=$?
        read -r real user sys <"$OUT/last.time"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "${LABEL[$i]}" "${THREADS[$i]}" \
            "$real" "$user" "$sys" "$rc" >>"$TIMES"
    done
done

# ---- the report
cmds_file=$OUT/commands.tsv
: >"$cmds_file"
for i in $(seq 0 $((NCMD - 1))); do
    printf '%s\t%s\t%s\n' "${LABEL[$i]}" "${THREADS[$i]}" "${CMD[$i]}" >>"$cmds_file"
done
{
    echo "# flowgate benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "## Machine and versions"
    echo
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) online"
    echo "- memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "- system: $(. /etc/os-release && echo "$PRETTY_NAME"), Linux $(uname -r)"
    echo "- load average when the timed rounds started: $LOAD"
    echo "- $("$FLOWGATE" --version 2>&1 | head -1)"
    echo "- $(clamscan --version 2>&1 | head -1)"
    echo "- yara $(yara --version 2>&1 | head -1)"
    echo
} >"$OUT/report.md"
rc=0
python3 bench/report.py --corpus "$CORPUS" --meta "$META" --detections "$DET" \
    --times "$TIMES" --commands "$cmds_file" >>"$OUT/report.md" || rc=$?
cat "$OUT/report.md"
exit "$rc"
