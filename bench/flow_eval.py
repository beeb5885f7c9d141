#!/usr/bin/env python3
"""flow_eval.py - false positives of execution-flow detection on real PDFs (issue 4): k-fold
cross-validation of `flowgate learn` / `flowgate detonate` with the default pdf handler
(pdftoppm) on the unique PDFs of Debian documentation packages.

Usage: bench/flow_eval.py [--flowgate PATH] [--list FILE] [--out DIR] [--folds K] [--jobs N]
                          [--curve] [--limit N]

Documents: the list that bench/pdf_corpus.sh / bench/make_doc_corpus.py write
(bench/out/corpus/pdfs.txt), else every *.pdf and *.pdf.gz under /usr/share/doc (.gz
decompressed); they are linked or copied into OUT/docs as <first 16 hex digits of the SHA-256>.pdf.  Either way duplicates (same SHA-256) are kept once, and a document's fold is
its SHA-256 (first 8 hex digits) modulo K, so the split does not depend on paths or order.

Cheap k-fold: one profile per fold (`learn --new`, every document runs once to learn), then for
each fold i the other K-1 fold profiles are merged (`profile merge`) and fold i is detonated
against that (every document runs once more).  --curve also detonates fold 0 against profiles learnt
from the first 10 and 100 documents of fold 1, from fold 1 and from folds 1+2, to show how the
rate falls with training size.
A step whose output exists is not run again (delete OUT to start over).  Writes OUT/report.md
(printed) and OUT/summary.json.  Standard library only.
"""
import argparse
import collections
import gzip
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import time

ORIGIN = {}  # path in OUT/docs -> the corpus path it came from, for the report
VERDICTS = ("clean", "suspicious", "malicious", "unscannable", "error")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def collect_share_doc(out):
    """Fallback corpus: the PDFs under /usr/share/doc, .pdf.gz decompressed, one per digest."""
    os.makedirs(out, exist_ok=True)
    found = []
    for root, dirs, files in os.walk("/usr/share/doc"):
        dirs.sort()
        for name in sorted(files):
            p = os.path.join(root, name)
            if name.endswith(".pdf") and os.path.isfile(p) and not os.path.islink(p):
                found.append(p)
            elif name.endswith(".pdf.gz") and os.path.isfile(p):
                found.append(p)
    docs = {}
    for p in sorted(found):
        if p.endswith(".gz"):
            try:
                with gzip.open(p, "rb") as f:
                    data = f.read()
            except (OSError, EOFError):
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest in docs:
                continue
            dst = os.path.join(out, digest[:16] + ".pdf")
            with open(dst, "wb") as f:
                f.write(data)
            docs[digest] = dst
        else:
            digest = sha256_file(p)
            docs.setdefault(digest, p)
    return docs


def load_docs(args):
    """{sha256: path} of the unique PDFs, linked (or copied) into OUT/docs: the corpus may be
    rebuilt while the evaluation runs, and a document that vanished mid-run would count as an
    error."""
    store = os.path.join(args.out, "docs")
    if not (args.list and os.path.exists(args.list)):
        return collect_share_doc(store)
    os.makedirs(store, exist_ok=True)
    docs = {}
    with open(args.list, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n")
            if not p:
                continue
            digest = sha256_file(p)
            dst = os.path.join(store, digest[:16] + ".pdf")
            if digest not in docs and not os.path.exists(dst):
                try:
                    os.link(p, dst)
                except OSError:
                    shutil.copyfile(p, dst)
            docs.setdefault(digest, dst)
            ORIGIN.setdefault(os.path.abspath(dst), p)
    return docs


def run(cmd, stdout_path=None):
    """Runs a flowgate command; its JSON lines go to stdout_path."""
    t0 = time.time()
    with open(stdout_path or os.devnull, "w", encoding="utf-8") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, text=True).returncode
    return rc, time.time() - t0


def read_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def binom_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p), summed in log space."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0 if k < n else 1.0
    lp, lq = math.log(p), math.log1p(-p)
    return sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) +
                        i * lp + (n - i) * lq) for i in range(k + 1))


def upper_bound(k, n, alpha=0.05):
    """One-sided exact (Clopper-Pearson) upper bound: the p with P(X <= k) = alpha.  For k = 0
    this is 1 - alpha^(1/n), about 3/n (the rule of three)."""
    if n == 0:
        return 1.0
    if k == 0:
        return 1 - alpha ** (1.0 / n)
    lo, hi = k / n, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if binom_cdf(k, n, mid) > alpha:
            lo = mid
        else:
            hi = mid
    return hi


def learn_folds(args, fg, folds):
    for i, docs in enumerate(folds):
        prof = os.path.join(args.out, "fold-%d.prof" % i)
        if os.path.exists(prof) or not docs:
            continue
        listing = os.path.join(args.out, "learn-%d.jsonl" % i)
        rc, dt = run([fg, "learn", "--new", "--json", "--no-progress", "-j", str(args.jobs),
                      "--profile", prof + ".tmp"] + docs, listing)
        if not os.path.exists(prof + ".tmp"):
            sys.exit("flow_eval: learning fold %d failed (exit %d)" % (i, rc))
        os.rename(prof + ".tmp", prof)
        print("fold %d: learnt %d documents in %.0f s (exit %d)" % (i, len(docs), dt, rc),
              file=sys.stderr)


def merged(args, fg, name, parts):
    out = os.path.join(args.out, name)
    if not os.path.exists(out):
        profs = [os.path.join(args.out, "fold-%d.prof" % j) for j in parts]
        subprocess.run([fg, "profile", "merge", "-o", out] +
                       [p for p in profs if os.path.exists(p)], check=True)
    return out


def detonate(args, fg, name, prof, docs):
    res = os.path.join(args.out, name)
    if not docs:
        return []
    if not os.path.exists(res):
        rc, dt = run([fg, "detonate", "--json", "--no-progress", "-j", str(args.jobs),
                      "--profile", prof] + docs, res + ".tmp")
        os.rename(res + ".tmp", res)
        print("%s: %d documents in %.0f s (exit %d)" % (name, len(docs), dt, rc),
              file=sys.stderr)
    return read_jsonl(res)


def profile_info(fg, prof):
    r = subprocess.run([fg, "profile", "info", "--json", prof], capture_output=True, text=True)
    try:
        return json.loads(r.stdout)["info"]
    except (ValueError, KeyError):
        return {}


def tally(rows):
    c = collections.Counter(r["verdict"] for r in rows)
    alerts = c["suspicious"] + c["malicious"]
    n = c["clean"] + alerts
    return c, alerts, n


def pct(x):
    return "%.3f %%" % (100 * x)


def report(args, fg, folds, results, learn_rows, curve):
    lines = []
    add = lines.append
    allrows = [r for rows in results for r in rows]
    c, alerts, n = tally(allrows)
    total_docs = sum(len(f) for f in folds)
    add("# Execution flow: false positives on real PDFs (%d-fold)\n" % args.folds)
    add("%d unique PDFs (by SHA-256), folds of %s documents; handler `%s`." %
        (total_docs, "/".join(str(len(f)) for f in folds),
         allrows[0].get("command", "?") if allrows else "?"))
    add("")
    add("| fold | documents | train profile: docs / nodes / kinds | clean | suspicious | "
        "malicious | unscannable | error |")
    add("|---:|---:|---|---:|---:|---:|---:|---:|")
    for i, rows in enumerate(results):
        fc = collections.Counter(r["verdict"] for r in rows)
        info = profile_info(fg, os.path.join(args.out, "train-%d.prof" % i))
        add("| %d | %d | %s / %s / %s | %s |" % (
            i, len(rows), info.get("documents", "?"), info.get("nodes", "?"),
            info.get("call_kinds", "?"), " | ".join(str(fc[v]) for v in VERDICTS)))
    add("| all | %d | | %s |" % (len(allrows), " | ".join(str(c[v]) for v in VERDICTS)))
    add("")
    mal = c["malicious"]
    add("Alerts (suspicious + malicious) among the %d documents with a verdict of clean, "
        "suspicious or malicious: **%d**, rate %s, one-sided 95 %% upper bound (exact "
        "binomial, Clopper-Pearson) **%s**. Malicious alone: %d, upper bound %s. "
        "Goal: no malicious and at most 1 suspicious in 1,000 (0.1 %%)." %
        (n, alerts, pct(alerts / n if n else 0), pct(upper_bound(alerts, n)), mal,
         pct(upper_bound(mal, n))))
    if c["unscannable"] or c["error"]:
        add("Counting unscannable and error runs as alerts too: %d of %d, upper bound %s." %
            (alerts + c["unscannable"] + c["error"], len(allrows),
             pct(upper_bound(alerts + c["unscannable"] + c["error"], len(allrows)))))
    add("")
    refused = [r for r in learn_rows if r.get("verdict") not in ("clean",)]
    add("Learning: %d runs, %d not clean without a profile (code-origin checks, crashes, "
        "timeouts: not learnt or learnt with a finding):" % (len(learn_rows), len(refused)))
    for r in refused[:40]:
        add("- %s: %s; %s" % (ORIGIN.get(r["path"], r["path"]), r["verdict"], "; ".join(
            "%s %s" % (f["severity"], f["id"]) for f in r.get("findings", []))))
    add("")
    bad = [r for r in allrows if r["verdict"] != "clean"]
    add("Every document that is not clean (%d):" % len(bad))
    for r in bad[:200]:
        add("- `%s` **%s** (%s nodes, %s new contexts, %s new kinds)" % (
            os.path.basename(ORIGIN.get(r["path"], r["path"])), r["verdict"], r.get("flow", {}).get("nodes"),
            r.get("flow", {}).get("new_contexts"), r.get("flow", {}).get("new_kinds")))
        for f in r.get("findings", []):
            if f["severity"] != "info":
                add("  - %s %s: %s [%s]" % (f["severity"], f["id"], f["message"],
                                            f["evidence"][:300]))
        if r.get("error"):
            add("  - error: %s" % r["error"])
    add("")
    fnd = collections.Counter((f["id"], f["severity"]) for r in allrows
                              for f in r.get("findings", []))
    add("Findings over all held-out runs (id, severity: runs): " + (", ".join(
        "%s %s: %d" % (k[0], k[1], v) for k, v in sorted(fnd.items())) or "none"))
    newctx = sorted(r.get("flow", {}).get("new_contexts", 0) for r in allrows if "flow" in r)
    if newctx:
        add("New call-site contexts per held-out run: median %d, 99th percentile %d, max %d; "
            "runs with any: %d." % (newctx[len(newctx) // 2], newctx[int(0.99 * (len(newctx) - 1))],
                                    newctx[-1], sum(1 for x in newctx if x)))
    walls = sorted(r["stats"]["wall_ms"] for r in allrows if "stats" in r)
    if walls:
        add("Run wall time (ms, from the JSON stats): median %d, p95 %d, max %d." %
            (walls[len(walls) // 2], walls[int(0.95 * (len(walls) - 1))], walls[-1]))
    if curve:
        add("")
        add("Learning curve (fold 0 held out):")
        add("")
        add("| training | documents learnt | nodes | alerts | rate | 95 % upper bound | "
            "runs with new contexts |")
        add("|---|---:|---:|---:|---:|---:|---:|")
        for label, prof, rows in curve:
            cc, a, nn = tally(rows)
            info = profile_info(fg, prof)
            add("| %s | %s | %s | %d (%d malicious) | %s | %s | %d |" % (
                label, info.get("documents", "?"), info.get("nodes", "?"), a, cc["malicious"],
                pct(a / nn if nn else 0), pct(upper_bound(a, nn)),
                sum(1 for r in rows if r.get("flow", {}).get("new_contexts"))))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as f:
        f.write(text)
    summary = {"documents": total_docs, "folds": [len(f) for f in folds],
               "verdicts": {v: c[v] for v in VERDICTS}, "alerts": alerts, "n": n,
               "rate": alerts / n if n else None, "upper95": upper_bound(alerts, n),
               "malicious_upper95": upper_bound(mal, n)}
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
    print(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flowgate", default="build/flowgate")
    ap.add_argument("--list", default="bench/out/corpus/pdfs.txt",
                    help="file with one PDF path a line (default: the corpus of make corpus)")
    ap.add_argument("--out", default="bench/out/flow_eval")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--curve", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N documents "
                    "in digest order (a quick trial)")
    args = ap.parse_args()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    fg = os.path.abspath(args.flowgate)
    os.makedirs(args.out, exist_ok=True)
    docs = load_docs(args)
    digests = sorted(docs)
    if args.limit:
        digests = digests[:args.limit]
    folds = [[] for _ in range(args.folds)]
    for d in digests:
        folds[int(d[:8], 16) % args.folds].append(os.path.abspath(docs[d]))
    with open(os.path.join(args.out, "folds.tsv"), "w", encoding="utf-8") as f:
        for i, fd in enumerate(folds):
            for p in fd:
                f.write("%d\t%s\n" % (i, p))
    learn_folds(args, fg, folds)
    learn_rows = []
    for i in range(args.folds):
        lp = os.path.join(args.out, "learn-%d.jsonl" % i)
        if os.path.exists(lp):
            learn_rows += read_jsonl(lp)
    results = []
    for i in range(args.folds):
        prof = merged(args, fg, "train-%d.prof" % i, [j for j in range(args.folds) if j != i])
        results.append(detonate(args, fg, "detonate-%d.jsonl" % i, prof, folds[i]))
    curve = []
    if args.curve and args.folds >= 4:
        for n in (10, 100):
            prof = os.path.join(args.out, "curve-first%d.prof" % n)
            if not os.path.exists(prof):
                run([fg, "learn", "--new", "--no-progress", "-j", str(args.jobs), "--profile",
                     prof] + folds[1][:n])
            curve.append(("first %d of fold 1" % n, prof,
                          detonate(args, fg, "curve-first%d.jsonl" % n, prof, folds[0])))
        for label, parts in (("1 fold", [1]), ("2 folds", [1, 2])):
            prof = merged(args, fg, "curve-%d.prof" % len(parts), parts)
            curve.append((label, prof, detonate(args, fg, "curve-%d.jsonl" % len(parts), prof,
                                                 folds[0])))
        curve.append(("%d folds" % (args.folds - 1), os.path.join(args.out, "train-0.prof"),
                      results[0]))
    report(args, fg, folds, results, learn_rows, curve)


if __name__ == "__main__":
    main()
