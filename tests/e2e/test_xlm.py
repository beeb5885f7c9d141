#!/usr/bin/env python3
"""End-to-end tests of Excel 4.0 (XLM) macro and BIFF8 DDE detection (src/analyzers/an_xlm.c).

Runs the real binary on workbooks built at test time by tests/gen/xls_sample.py (BIFF8 and
BIFF5 .xls, xlsm, xlsb, SYLK; each with a benign twin), on broken variants of them, and on
the oletools corpus read in place: the excel4-macros files must be found, every other corpus
file must get nothing of medium or higher from this analyzer.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "gen"))
sys.dont_write_bytecode = True
import runner  # noqa: E402
import fixtures as F  # noqa: E402
import xls_sample as X  # noqa: E402

FLOWGATE = None
CORPUS = Path(os.environ.get("FG_OLETOOLS_CORPUS",
                             HERE.parents[2] / "shared" / "corpora" / "oletools"))
RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
BIFF_DDE = "Excel 97-2003 workbook"  # how this analyzer's dde.field messages read


def scan(paths, cwd):
    p = subprocess.run([FLOWGATE, "scan", "--no-progress", "--json"] + [str(x) for x in paths],
                       cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    err = p.stderr.decode("utf-8", "replace")
    runner.check_run(p.returncode, err)
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line]


def ours(result):
    """(id, severity, evidence) of every finding this analyzer makes in one result."""
    out = []
    for o in result["objects"]:
        for f in o["findings"]:
            if f["id"].startswith("xlm.") or (f["id"] == "dde.field" and BIFF_DDE in f["message"]):
                out.append((f["id"], f["severity"], f.get("evidence", "")))
    return out


# file, verdict, ids that must be found, (id, text its evidence shows)
CASES = [
    ("xlm-biff8.xls", "malicious",
     ["xlm.macrosheet", "xlm.very-hidden", "xlm.autorun", "xlm.exec", "xlm.register", "xlm.call",
      "xlm.download", "xlm.anti-analysis", "xlm.obfuscation", "xlm.autorun-action"],
     ("xlm.exec", 'Macro1!A5: EXEC("calc.exe")')),
    ("xlm-biff5.xls", "malicious", ["xlm.macrosheet", "xlm.autorun-action", "xlm.download"],
     ("xlm.register", 'REGISTER("urlmon","URLDownloadToFileA"')),
    ("xlm-continue.xls", "malicious", ["xlm.autorun", "xlm.exec", "xlm.autorun-action"],
     ("xlm.autorun", "Auto_Open2 -> Macro1!A1")),
    ("dde-cmd.xls", "malicious", ["dde.field"], ("dde.field", "cmd|/c calc!A0")),
    ("dde-feed.xls", "suspicious", ["dde.field"], ("dde.field", "REUTER|IDN!EUR=")),
    ("xlm.xlsm", "malicious", ["xlm.very-hidden", "xlm.exec", "xlm.register", "xlm.autorun-action"],
     ("xlm.autorun", "_xlnm.Auto_Open -> Hidden!$A$1")),
    ("xlm.xlsb", "malicious", ["xlm.hidden", "xlm.exec", "xlm.call", "xlm.autorun-action"],
     ("xlm.autorun", "Auto_Open -> Macro1!A1")),
    ("xlm.slk", "malicious", ["xlm.exec", "xlm.download", "xlm.autorun-action"],
     ("xlm.call", 'CALL("urlmon","URLDownloadToFileA"')),
]
TWINS = ["benign.xls", "benign.xlsx", "benign.xlsb", "benign.slk"]


class Xlm(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fg-xlm-")
        cls.dir = Path(cls.tmp.name)
        X.main(str(cls.dir))
        cls.results = {Path(r["path"]).name: r for r in scan(sorted(X.SAMPLES), cls.dir)}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_samples(self):
        for name, verdict, ids, (ev_id, ev) in CASES:
            with self.subTest(name):
                r = self.results[name]
                found = ours(r)
                got = {i for i, _, _ in found}
                self.assertEqual(r["verdict"], verdict, found)
                self.assertTrue(set(ids) <= got, "missing %s in %s" % (set(ids) - got, found))
                self.assertTrue(any(i == ev_id and ev in e for i, _, e in found),
                                "%s evidence lacks %r: %s" % (ev_id, ev, found))

    def test_benign_twins_clean(self):
        for name in TWINS:
            with self.subTest(name):
                r = self.results[name]
                self.assertEqual(ours(r), [])
                self.assertEqual(r["verdict"], "clean")

    def test_broken_variants(self):
        """Truncated, flipped and inflated copies never crash, hang or trip a sanitizer."""
        d = self.dir / "broken"
        d.mkdir()
        names = []
        for src in ("xlm-biff8.xls", "xlm-biff5.xls", "xlm.xlsb", "xlm.xlsm", "dde-cmd.xls"):
            data = (self.dir / src).read_bytes()
            for label, blob in F.broken_variants(data, seed=len(src)):
                n = "%s-%s" % (label, src)
                (d / n).write_bytes(blob)
                names.append(n)
        results = scan(names, d)
        self.assertEqual(len(results), len(names))

    def test_oletools_excel4(self):
        files = sorted((CORPUS / "excel4-macros").glob("*")) if CORPUS.is_dir() else []
        if not files:
            self.skipTest("oletools corpus not found at %s" % CORPUS)
        for r in scan(files, self.dir):
            with self.subTest(r["path"]):
                ids = {i: s for i, s, _ in ours(r)}
                self.assertIn("xlm.macrosheet", ids)
                self.assertEqual(ids.get("xlm.autorun"), "medium")
                self.assertEqual(r["verdict"], "suspicious")

    def test_oletools_encrypted_dde_xls(self):
        """A DDE .xls written by Excel, encrypted with the default password: once the OLE
        unpacker decrypts its Workbook stream, the SUPBOOK link is found."""
        f = CORPUS / "encrypted" / "dde-test-encrypt-standardpassword.xls"
        if not f.is_file():
            self.skipTest("oletools corpus not found at %s" % CORPUS)
        r = scan([f], self.dir)[0]
        if not any(x["id"] == "encrypted.opened" for o in r["objects"] for x in o["findings"]):
            self.skipTest("this build does not decrypt .xls")
        self.assertIn(("dde.field", "high", "cmd|/c calc.exe!A1"), ours(r))
        self.assertEqual(r["verdict"], "malicious")

    def test_oletools_others_not_raised(self):
        """Every other corpus file: nothing of medium or higher from this analyzer."""
        if not CORPUS.is_dir():
            self.skipTest("oletools corpus not found at %s" % CORPUS)
        files = [p for p in sorted(CORPUS.rglob("*")) if p.is_file() and
                 "excel4-macros" not in p.parts and "encrypted" not in p.parts]
        for r in scan(files, self.dir):
            with self.subTest(r["path"]):
                loud = [f for f in ours(r) if RANK[f[1]] >= RANK["medium"]]
                self.assertEqual(loud, [])


def main():
    global FLOWGATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flowgate", required=True)
    ap.add_argument("-k", action="append", default=[])
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    FLOWGATE = str(Path(a.flowgate).resolve())
    return runner.run_suite((Xlm,), a.k, a.v, "e2e.xlm")


if __name__ == "__main__":
    sys.exit(main())
