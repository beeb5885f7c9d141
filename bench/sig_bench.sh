#!/usr/bin/env bash
# sig_bench.sh - figures for `flowgate sig` (docs/benchmarks.md): the cost of the default
# goodware set (the system's program and library directories), and for a few sample families
# built here, the time to make a rule with /usr/bin as goodware and its false matches on that
# set and on a held-out set the rule never saw (/usr/lib/<multiarch> and /usr/sbin, scanned
# with the yara command).  Usage: bench/sig_bench.sh [--flowgate PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWGATE=build/flowgate
while [ $# -gt 0 ]; do
    case $1 in
        --flowgate) FLOWGATE=$2; shift 2 ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "sig_bench: unknown argument $1" >&2; exit 2 ;;
    esac
done
FLOWGATE=$(readlink -f "$FLOWGATE")
out=bench/out/sig
rm -rf "$out"
mkdir -p "$out/fam"
multiarch=/usr/lib/$(gcc -print-multiarch)
heldout=("$multiarch" /usr/sbin)

# ---- families, built here (nothing is malware; nothing is committed)
family_c() { # dir static: three programs sharing a configuration block, one string each
    local d=$1 flags=$2
    mkdir -p "$d"
    for i in 0 1 2; do
        cat > "$d/v$i.c" <<EOF
#include <stdio.h>
static const char *const conf[] = {
    "https://telemetry.bench-family.invalid/api/v2/report?host=%s&id=%08x",
    "Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\\\\BenchUpdater",
    "/tmp/.bench-family.lock", "upload %s (%zu bytes) failed: retry in %d s",
    "build $i of the bench family: $RANDOM$RANDOM",
};
int main(int argc, char **argv) { (void)argv; if (argc == 99) for (int k = 0; k < 5; k++) puts(conf[k]); return 0; }
EOF
        gcc -O1 -w $flags -o "$d/v$i" "$d/v$i.c"
        rm "$d/v$i.c"
    done
}
family_c "$out/fam/elf-c" ""
family_c "$out/fam/elf-static" "-static"
python3 - "$out/fam/pe-lookalike" <<'PY'
import sys, pathlib
sys.path.insert(0, "tests/gen")
sys.dont_write_bytecode = True
import pe_sample as P
d = pathlib.Path(sys.argv[1]); d.mkdir(parents=True)
for i in range(3):
    (d / ("v%d.exe" % i)).write_bytes(P.pe_bytes(
        imports=[("KERNEL32.dll", ["CreateMutexW", "Sleep", "GetProcAddress"]),
                 ("WININET.dll", ["InternetOpenW", "InternetOpenUrlW"])],
        strings=["W:Global\\BenchFamilyMutex", "W:https://cdn.bench-family.invalid/%s",
                 "cmd.exe /c timeout 3 & del \"%s\"", "variant %d" % i]))
PY
# Real programs of one source tree (GNU coreutils): related, but also like much goodware.
mkdir -p "$out/fam/coreutils"
cp /usr/bin/cp /usr/bin/mv /usr/bin/install "$out/fam/coreutils/"

# ---- the default goodware set: what it costs once
"$FLOWGATE" sig --no-progress --no-external --json -o /dev/null "$out"/fam/elf-c/v* \
    > "$out/default.json" 2> "$out/default.err"

# ---- per family: rule with /usr/bin as goodware, then the held-out scan
printf 'family\tsamples\twall_s\tstrings\trequired\tgoodware_files\tgoodware_matched\theldout_files\theldout_matched\theldout_names\n' > "$out/families.tsv"
heldout_files=$(find "${heldout[@]}" -type f 2>/dev/null | wc -l)
for fam in elf-c elf-static pe-lookalike coreutils; do
    d=$out/fam/$fam
    t0=$(date +%s.%N)
    rc=0
    "$FLOWGATE" sig --no-progress --no-external --json -g /usr/bin -o "$out/$fam.yar" \
        --name "bench_${fam//-/_}" "$d"/* > "$out/$fam.json" 2> "$out/$fam.err" || rc=$?
    t1=$(date +%s.%N)
    if [ "$rc" -ne 0 ]; then
        printf '%s\t%s\t%.1f\t-\t-\t-\t-\t-\t-\texit %s: %s\n' "$fam" "$(ls "$d" | wc -l)" \
            "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$rc" "$(tail -n 1 "$out/$fam.err")" >> "$out/families.tsv"
        continue
    fi
    : > "$out/$fam.heldout"
    for h in "${heldout[@]}"; do
        yara -w -N -r "$out/$fam.yar" "$h" >> "$out/$fam.heldout" 2>/dev/null || true
    done
    python3 - "$out/$fam.json" "$out/$fam.heldout" "$fam" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
        "$heldout_files" >> "$out/families.tsv" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
hits = sorted({l.split(" ", 1)[1].strip() for l in open(sys.argv[2]) if " " in l})
print("\t".join(str(x) for x in (sys.argv[3], len(j["samples"]), "%.1f" % float(sys.argv[4]),
      len(j["strings"]), j["required"], j["goodware"]["files"], j["goodware"]["matched"],
      sys.argv[5], len(hits), ",".join(h.rsplit("/", 1)[-1] for h in hits[:5]))))
PY
done

# The static family again with the default goodware set (which has the C library), checked
# on what that set leaves out of /usr/lib and /usr/libexec.
find /usr/lib /usr/libexec -path "$multiarch" -prune -o -type f -print 2>/dev/null \
    | LC_ALL=C sort > "$out/heldout2.list"
t0=$(date +%s.%N)
"$FLOWGATE" sig --no-progress --no-external --json -o "$out/elf-static-default.yar" \
    --name bench_elf_static_default "$out"/fam/elf-static/* > "$out/elf-static-default.json" \
    2> "$out/elf-static-default.err"
t1=$(date +%s.%N)
yara -w --scan-list "$out/elf-static-default.yar" "$out/heldout2.list" \
    > "$out/elf-static-default.heldout" 2>/dev/null || true
python3 - "$out/elf-static-default.json" "$out/elf-static-default.heldout" \
    "elf-static (default goodware; held out: rest of /usr/lib, /usr/libexec)" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(wc -l < "$out/heldout2.list")" \
    >> "$out/families.tsv" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
hits = sorted({l.split(" ", 1)[1].strip() for l in open(sys.argv[2]) if " " in l})
print("\t".join(str(x) for x in (sys.argv[3], len(j["samples"]), "%.1f" % float(sys.argv[4]),
      len(j["strings"]), j["required"], j["goodware"]["files"], j["goodware"]["matched"],
      sys.argv[5], len(hits), ",".join(h.rsplit("/", 1)[-1] for h in hits[:5]))))
PY

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
j = json.load(open(out + "/default.json"))
g = j["goodware"]
print("default goodware set: %s" % ", ".join(g["dirs"]))
print("  %d files, %.2f GB (%d over 64 MiB skipped); list %.2f s, probe %.2f s, check %.2f s"
      % (g["files"], g["bytes"] / 1e9, g["too_large"], g["seconds_list"], g["seconds_probe"],
         g["seconds_check"]))
print("  rule for elf-c: %d strings, matches %d/%d samples, %d goodware files"
      % (len(j["strings"]), j["samples_matched"], len(j["samples"]), g["matched"]))
print()
for line in open(out + "/families.tsv"):
    print(line.rstrip("\n").replace("\t", " | "))
PY
