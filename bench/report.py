#!/usr/bin/env python3
"""report.py - turns the raw output of bench/run.sh into its Markdown report: the corpus,
the timing table (medians, ratios), what each tool detected by marker placement, and the
files clamscan detected that flowgate did not (exit status 1 if there is any).
Standard library only."""
import argparse
import collections
import json
import os
import re
import statistics
import sys

# What each tool's exit status means when it is not an error.
OK_RC = {"flowgate": {0, 1}, "clamscan": {0, 1}, "yara": {0}}


def parse_flowgate(text):
    found, other = set(), collections.Counter()
    for line in text.splitlines():
        m = re.match(r"^(\S.*?): (clean|suspicious|malicious|unscannable|error)\b", line)
        if not m:
            continue
        if m.group(2) in ("suspicious", "malicious"):
            found.add(m.group(1))
        else:
            other[m.group(2)] += 1
    return found, other


def parse_clamscan(text):
    found, other = set(), collections.Counter()
    for line in text.splitlines():
        m = re.match(r"^(.*): (\S+) FOUND$", line)
        if m:
            found.add(m.group(1))
        elif line.endswith(" ERROR"):
            other["error"] += 1
    return found, other


def parse_yara(text):
    found = set()
    for line in text.splitlines():
        parts = line.split(" ", 1)
        if len(parts) == 2 and parts[0] == "bench_marker":
            found.add(parts[1])
    return found, collections.Counter()


PARSERS = {"flowgate": parse_flowgate, "clamscan": parse_clamscan, "yara": parse_yara}


def tool(label):
    """A row's label is the tool's name, perhaps followed by "-" and the name of a variant."""
    return label.split("-")[0]


def relative(paths, corpus):
    pre = corpus.rstrip("/") + "/"
    return {p[len(pre):] if p.startswith(pre) else p for p in paths}


def fmt(x):
    return "%.2f" % x


def main():
    ap = argparse.ArgumentParser()
    for a in ("corpus", "meta", "detections", "times", "commands"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()

    summary = json.load(open(os.path.join(args.meta, "summary.json")))
    expected = {}
    with open(os.path.join(args.meta, "manifest.tsv")) as f:
        next(f)
        for line in f:
            path, kind, size, where = line.rstrip("\n").split("\t")
            if where != "-":
                expected[path] = where
    commands = [line.rstrip("\n").split("\t") for line in open(args.commands) if line.strip()]
    runs = collections.defaultdict(list)
    bad_rc = collections.Counter()
    with open(args.times) as f:
        next(f)
        for line in f:
            rnd, label, threads, real, user, sys_, rc = line.rstrip("\n").split("\t")
            runs[(label, threads)].append((float(real), float(user) + float(sys_)))
            if int(rc) not in OK_RC[tool(label)]:
                bad_rc[(label, threads, rc)] += 1

    det, other, rcs = {}, {}, {}
    for label, threads, _ in commands:
        stem = os.path.join(args.detections, "%s-j%s" % (label, threads))
        text = open(stem + ".out", errors="replace").read()
        found, oth = PARSERS[tool(label)](text)
        det[(label, threads)] = relative(found, args.corpus)
        other[(label, threads)] = oth
        rcs[(label, threads)] = int(open(stem + ".rc").read())

    out = []
    w = out.append
    k = summary["kinds"]
    w("## Corpus\n")
    w("Seed %d: %d files, %.1f MB in all, median file %.1f KB; %d files carry the marker `%s`.\n"
      % (summary["seed"], summary["files"], summary["bytes"] / 1e6, summary["median"] / 1e3,
         summary["marker_files"], summary["marker"]))
    w("| kind | files | total MB | median KB | min KB | max KB |")
    w("|---|---:|---:|---:|---:|---:|")
    for name, s in k.items():
        w("| %s | %d | %.1f | %.1f | %.1f | %.1f |" % (name, s["files"], s["bytes"] / 1e6, s["median"] / 1e3,
                                                      s["min"] / 1e3, s["max"] / 1e3))
    w("")

    rounds = max(len(v) for v in runs.values())
    w("## Times (%d rounds, interleaved, order rotated)\n" % rounds)
    clam = statistics.median(r for r, _ in runs[("clamscan", "1")])
    clam_cpu = statistics.median(c for _, c in runs[("clamscan", "1")])
    w("| tool | jobs | median s | min s | max s | median CPU s | files detected | wall / clamscan | CPU / clamscan |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    med = {}
    for label, threads, _ in commands:
        t = runs[(label, threads)]
        walls = [r for r, _ in t]
        med[(label, threads)] = statistics.median(walls)
        cpu = statistics.median(c for _, c in t)
        w("| %s | %s | %s | %s | %s | %s | %d | %.2f | %.2f |"
          % (label, threads, fmt(statistics.median(walls)), fmt(min(walls)), fmt(max(walls)), fmt(cpu),
             len(det[(label, threads)]), med[(label, threads)] / clam, cpu / clam_cpu))
    w("")
    w("Wall time is elapsed time; CPU is user + system time of the process and its children,")
    w("less disturbed than wall time by other load on a shared machine.\n")
    w("Wall-time ratios (medians):\n")
    for label, threads, _ in commands:
        if label == "flowgate":
            line = "- flowgate --jobs %s: %.2f x clamscan" % (threads, med[(label, threads)] / clam)
            if ("yara", threads) in med:
                line += ", %.2f x yara -p %s" % (med[(label, threads)] / med[("yara", threads)], threads)
            w(line)
    w("")
    w("Commands:\n")
    w("```")
    for _, _, c in commands:
        w(c)
    w("```\n")

    w("## Detections by where the marker is\n")
    cols = [(l, t) for l, t, _ in commands]
    w("| placement | files | " + " | ".join("%s -j%s" % c for c in cols) + " |")
    w("|---|---:|" + "---:|" * len(cols))
    for where in sorted(set(expected.values())):
        paths = {p for p, v in expected.items() if v == where}
        w("| %s | %d | " % (where, len(paths)) + " | ".join(str(len(paths & det[c])) for c in cols) + " |")
    w("| **all** | %d | " % len(expected) + " | ".join(str(len(set(expected) & det[c])) for c in cols) + " |")
    w("")
    notes = []
    for c in cols:
        extra = det[c] - set(expected)
        if extra:
            notes.append("%s -j%s reported %d file(s) without the marker: %s"
                         % (c[0], c[1], len(extra), ", ".join(sorted(extra)[:10])))
        if other[c]:
            notes.append("%s -j%s: %s" % (c[0], c[1], ", ".join("%d %s" % (n, s) for s, n in sorted(other[c].items()))))
        if rcs[c] not in OK_RC[tool(c[0])]:
            notes.append("%s -j%s exited with status %d in the correctness pass" % (c[0], c[1], rcs[c]))
    for (label, threads, rc), n in sorted(bad_rc.items()):
        notes.append("%s -j%s exited with status %s in %d timed run(s)" % (label, threads, rc, n))

    w("## Correctness: flowgate against clamscan\n")
    failed = False
    clam_set = det[("clamscan", "1")]
    for c in cols:
        if c[0] != "flowgate":
            continue
        missed = sorted(clam_set - det[c])
        more = sorted(det[c] - clam_set)
        if missed:
            failed = True
            w("- **FAIL** flowgate --jobs %s missed %d file(s) that clamscan detected:" % (c[1], len(missed)))
            for p in missed:
                w("  - `%s` (%s)" % (p, expected.get(p, "no marker")))
        else:
            w("- OK: flowgate --jobs %s detected every file clamscan detected." % c[1])
        for p in more:
            w("  - flowgate only: `%s` (%s)" % (p, expected.get(p, "no marker")))
    for c in cols:
        missed = sorted(set(expected) - det[c])
        if missed and tool(c[0]) != "yara":
            w("- %s -j%s did not detect: %s" % (c[0], c[1], ", ".join("`%s` (%s)" % (p, expected[p]) for p in missed)))
    if notes:
        w("\nNotes:\n")
        for n in notes:
            w("- " + n)
    print("\n".join(out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
