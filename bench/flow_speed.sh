#!/usr/bin/env bash
# flow_speed.sh - cost of detonation (issue 4): on an even sample of N real PDFs, each run
# interleaved per document and repeated: (a) plain `pdftoppm -r 50 -l 2 -png DOC OUT/page`,
# (b) the same in fresh namespaces (unshare -U -r -p -f -m -n --mount-proc), no tracing,
# (c) `strace -f -o /dev/null` of (a), (d) `flowgate detonate --json --profile P` (stacks) and
# (e) the same with --no-stacks.  Prints medians, p95, the ratios d/a, d/c, e/a, the tracer's
# stops and unwind time per stop (JSON stats), and peak memory: /usr/bin/time's max RSS of
# each command tree, and the peak RSS (VmHWM) of the flowgate processes alone, polled.
# Usage: bench/flow_speed.sh [--flowgate PATH] [--list FILE] [--profile P] [--sample N]
#                            [--rounds R] [--out DIR]
# P defaults to bench/out/flow_eval/train-0.prof (bench/flow_eval.py), else a profile is
# learnt on 100 PDFs of the list outside the sample.  Writes OUT/runs.tsv and OUT/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWGATE=build/flowgate
LIST=bench/out/corpus/pdfs.txt
PROFILE=bench/out/flow_eval/train-0.prof
SAMPLE=200
ROUNDS=3
OUT=bench/out/flow_speed
while [ $# -gt 0 ]; do
    case $1 in
        --flowgate) FLOWGATE=$2; shift 2 ;;
        --list) LIST=$2; shift 2 ;;
        --profile) PROFILE=$2; shift 2 ;;
        --sample) SAMPLE=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "flow_speed: unknown argument $1" >&2; exit 2 ;;
    esac
done
for tool in pdftoppm strace unshare /usr/bin/time; do
    command -v "$tool" > /dev/null || { echo "flow_speed: $tool is missing" >&2; exit 2; }
done
if [ ! -f "$LIST" ]; then
    echo "flow_speed: no PDF list $LIST: run 'make corpus' and bench/pdf_corpus.sh" >&2
    exit 2
fi
mkdir -p "$OUT"
exec python3 - "$FLOWGATE" "$LIST" "$PROFILE" "$SAMPLE" "$ROUNDS" "$OUT" <<'PY'
import json, os, shutil, statistics, subprocess, sys, tempfile, time
fg, lst, prof, nsample, rounds, out = sys.argv[1:7]
fg, nsample, rounds = os.path.abspath(fg), int(nsample), int(rounds)
pdfs = [l.rstrip("\n") for l in open(lst, encoding="utf-8") if l.strip()]
step = max(1, len(pdfs) // nsample)
sample = pdfs[::step][:nsample]
# Linked (or copied) into OUT/docs: the corpus may be rebuilt while this runs.
os.makedirs(os.path.join(out, "docs"), exist_ok=True)
linked = []
for p in sample:
    dst = os.path.abspath(os.path.join(out, "docs", os.path.basename(p)))
    if not os.path.exists(dst):
        try:
            os.link(p, dst)
        except OSError:
            shutil.copyfile(p, dst)
    linked.append(dst)

if not os.path.exists(prof):
    prof = os.path.join(out, "speed.prof")
    chosen = set(sample)
    rest = [p for p in pdfs if p not in chosen]
    train = rest[::max(1, len(rest) // 100)][:100]
    subprocess.run([fg, "learn", "--new", "--no-progress", "-j", "2", "--profile", prof] + train,
                   stdout=subprocess.DEVNULL)
sample = linked

VARIANTS = {
    "a": lambda d, tmp: ["pdftoppm", "-r", "50", "-l", "2", "-png", d, tmp + "/page"],
    "b": lambda d, tmp: ["unshare", "-U", "-r", "-p", "-f", "-m", "-n", "--mount-proc",
                         "pdftoppm", "-r", "50", "-l", "2", "-png", d, tmp + "/page"],
    "c": lambda d, tmp: ["strace", "-f", "-o", "/dev/null", "pdftoppm", "-r", "50", "-l", "2",
                         "-png", d, tmp + "/page"],
    "d": lambda d, tmp: [fg, "detonate", "--json", "--no-progress", "-j", "1", "--profile",
                         prof, d],
    "e": lambda d, tmp: [fg, "detonate", "--json", "--no-progress", "-j", "1", "--no-stacks",
                         "--profile", prof, d],
}
NAMES = {"a": "plain pdftoppm", "b": "pdftoppm in namespaces (unshare), no tracing",
         "c": "strace -f -o /dev/null pdftoppm", "d": "flowgate detonate (stacks)",
         "e": "flowgate detonate --no-stacks"}

def loadavg():
    return open("/proc/loadavg").read().split()[:3]

def one(v, doc, tmp):
    """Wall time (s), max RSS of the tree (KiB, /usr/bin/time) and stdout of one run."""
    rss_file = os.path.join(tmp, ".rss")
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file] + VARIANTS[v](doc, tmp),
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=300)
    dt = time.perf_counter() - t0
    try:
        rss = int(open(rss_file).read().split()[-1])
    except (OSError, ValueError, IndexError):
        rss = -1
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    return dt, rss, r.stdout

load0 = loadavg()
rows = []  # (doc, round, variant, seconds, rss_kib, stops, unwind_us, wall_ms, verdict, maps_reads)
with tempfile.TemporaryDirectory() as tmp:
    os.chmod(tmp, 0o777)
    order = "abcde"
    for rnd in range(rounds):
        for i, doc in enumerate(sample):
            with open(doc, "rb") as f:  # into the page cache: no variant pays the first read
                while f.read(1 << 20):
                    pass
            k = (i + rnd) % len(order)  # rotate which variant goes first
            for v in order[k:] + order[:k]:
                dt, rss, so = one(v, doc, tmp)
                st = {"stops": "", "unwind_us": "", "wall_ms": "", "maps_reads": ""}
                verdict = ""
                if v in "de":
                    try:
                        j = json.loads(so.decode().splitlines()[0])
                        st.update(j.get("stats", {}))
                        verdict = j.get("verdict", "")
                    except (ValueError, IndexError):
                        verdict = "no-json"
                rows.append((doc, rnd, v, dt, rss, st["stops"], st["unwind_us"], st["wall_ms"],
                             verdict, st["maps_reads"]))
        print("round %d done, load %s" % (rnd + 1, " ".join(loadavg())), file=sys.stderr)
load1 = loadavg()

# Peak RSS of the flowgate processes alone (CLI, worker = tracer, sandbox init), polled from
# /proc/PID/status VmHWM every 5 ms in a separate pass (polling would disturb the timings).
def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, t)) as f:
                    todo += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out

def hwm(pid):
    try:
        if os.readlink("/proc/%d/exe" % pid) != fg:
            return 0
        for line in open("/proc/%d/status" % pid):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

peaks = []
for v in "de":
    for doc in sample:
        p = subprocess.Popen(VARIANTS[v](doc, "/tmp"), stdout=subprocess.DEVNULL)
        peak = 0
        while p.poll() is None:
            for q in tree(p.pid):
                peak = max(peak, hwm(q))
            time.sleep(0.005)
        peaks.append((v, doc, peak))

with open(os.path.join(out, "runs.tsv"), "w") as f:
    f.write("doc\tround\tvariant\tseconds\tmax_rss_kib\tstops\tunwind_us\twall_ms\tverdict\t"
            "maps_reads\n")
    for r in rows:
        f.write("\t".join(str(x) for x in r) + "\n")

def p95(xs):
    xs = sorted(xs)
    return xs[max(0, int(round(0.95 * len(xs))) - 1)]

# Per document and variant: the median of its rounds; then median / p95 over documents.
per = {}
for doc, rnd, v, dt, rss, *_ in rows:
    per.setdefault((doc, v), []).append(dt)
med = {k: statistics.median(x) for k, x in per.items()}
lines = []
add = lines.append
add("%d PDFs (every %d-th of %s), %d rounds, variants interleaved per document; load average "
    "%s at the start, %s at the end; profile %s." % (len(sample), step, lst, rounds,
                                                      "/".join(load0), "/".join(load1), prof))
add("")
add("| | command | median s | p95 s | median ratio to (a) | max RSS of the tree, median / max MiB |")
add("|---|---|---:|---:|---:|---:|")
for v in "abcde":
    xs = [med[(d, v)] for d in sample]
    ratio = statistics.median(med[(d, v)] / med[(d, "a")] for d in sample)
    rss = [r[4] for r in rows if r[2] == v and r[4] > 0]
    add("| %s | %s | %.3f | %.3f | %.2f | %.1f / %.1f |" % (
        v, NAMES[v], statistics.median(xs), p95(xs), ratio, statistics.median(rss) / 1024,
        max(rss) / 1024))
add("")
for num, den in (("d", "a"), ("d", "c"), ("e", "a"), ("e", "c"), ("d", "b")):
    rs = [med[(d, num)] / med[(d, den)] for d in sample]
    add("- %s/%s per document: median %.2f, p95 %.2f; ratio of medians %.2f" % (
        num, den, statistics.median(rs), p95(rs),
        statistics.median(med[(d, num)] for d in sample) /
        statistics.median(med[(d, den)] for d in sample)))
for v in "de":
    st = [r for r in rows if r[2] == v and r[5] != ""]
    stops = [int(r[5]) for r in st]
    unw = [int(r[6]) for r in st]
    walls = [int(r[7]) for r in st]
    maps = [int(r[9]) for r in st if r[9] != ""]
    add("- (%s) stops per run: median %d, max %d; unwind time per stop: mean %.1f us (total "
        "unwind / total stops), median of the runs' means %.1f us; unwind share of the run's wall time: %.1f %%; "
        "maps reads per run: median %s; run wall time inside flowgate (JSON wall_ms): median %d "
        "ms, p95 %d ms; verdicts: %s" % (v, statistics.median(stops), max(stops),
                          sum(unw) / max(1, sum(stops)),
                          statistics.median(u / s for u, s in zip(unw, stops) if s),
                          100.0 * sum(unw) / 1000 / max(1, sum(walls)),
                          statistics.median(maps) if maps else "?", statistics.median(walls),
                          p95(walls),
                          ", ".join("%s %d" % (x, sum(1 for r in st if r[8] == x))
                                    for x in sorted(set(r[8] for r in st)))))
for v in "de":
    pk = [p for w, _, p in peaks if w == v]
    add("- (%s) peak RSS of the flowgate processes alone (VmHWM, polled every 5 ms): median "
        "%.1f MiB, max %.1f MiB" % (v, statistics.median(pk) / 1024, max(pk) / 1024))
text = "\n".join(lines) + "\n"
open(os.path.join(out, "report.md"), "w").write(text)
print(text)
PY
