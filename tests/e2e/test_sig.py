#!/usr/bin/env python3
"""
test_sig.py - end-to-end tests of `flowgate sig`: the real binary makes rules from samples
built at test time, and the tests check them with tools that are not flowgate.  ELF samples
are small C programs compiled with gcc that share distinctive strings (a URL, a registry path,
a message) and each have one of their own; PE samples are inert images from
tests/gen/pe_sample.py.  The goodware directory is built here too: other compiled programs
(one holds a string the samples also carry) and copies of a few /usr/bin programs.

What a user relies on is checked with the yara and clamscan commands: the rule compiles, it
matches every sample and no goodware file; the ClamAV .hdb/.ndb files load and detect the
samples and no goodware.  Every run is also checked for signals and sanitizer reports.

Usage: test_sig.py --flowgate PATH [-k SUBSTRING]... [-v]
Prints "N passed, N failed[, N skipped]" last and exits non-zero if any test failed.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "gen"))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
import pe_sample as P  # noqa: E402

FLOWGATE = None  # set by main()
__unittest = True
RUN_TIMEOUT = 300
GCC = shutil.which("gcc")
YARA = shutil.which("yara")
CLAMSCAN = shutil.which("clamscan")

C_FAMILY = r"""
#include <stdio.h>
#include <string.h>
/* Inert: prints its strings only when given 99 arguments. */
static const char *const conf[] = {
    "http://update.family-test.invalid/gate.php?bot=%%s&v=%%d",
    "SOFTWARE\\Classes\\FamilyTest\\Shell",
    "[family] beacon every %%u seconds, jitter %%u",
    "a helper string that clean software also carries",
    "variant %d of the family: %s",
};
int main(int argc, char **argv)
{
    (void)argv;
    if (argc == 99)
        for (unsigned i = 0; i < sizeof conf / sizeof *conf; i++)
            printf("%%s %%d\n", conf[i], %d);
    return 0;
}
"""

C_CLEAN = r"""
#include <stdio.h>
int main(int argc, char **argv)
{
    (void)argv;
    if (argc == 99)
        puts("%s");
    return 0;
}
"""

COPIED = ("ls", "cat", "grep", "sed", "tar", "gzip", "cp", "find")


def flowgate(args, cwd, stdin=b""):
    argv = [FLOWGATE, "sig", "--no-progress"] + list(args)
    try:
        p = subprocess.run(argv, cwd=cwd, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError("flowgate sig did not finish: %s" % " ".join(argv[2:]))
    err = p.stderr.decode("utf-8", "replace")
    runner.check_run(p.returncode, err, " ".join(argv[2:]))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def compile_c(path, source):
    src = Path(str(path) + ".c")
    src.write_text(source)
    p = subprocess.run([GCC, "-O1", "-w", "-o", str(path), str(src)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    src.unlink()
    if p.returncode:
        raise unittest.SkipTest("gcc failed: %s" % p.stderr.decode()[-300:])


def yara_matches(rule, paths):
    """Paths the yara command says the rule matches (it must compile)."""
    out = set()
    for path in paths:
        p = subprocess.run([YARA, "-w", str(rule), str(path)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        if p.returncode:
            raise AssertionError("yara failed on %s: %s" % (path, p.stderr.decode()[-500:]))
        out.update(line.split(" ", 1)[1] for line in p.stdout.decode().splitlines() if " " in line)
    return out


def clam_detects(db, paths):
    """Paths clamscan, with only the signatures in db, reports FOUND."""
    p = subprocess.run([CLAMSCAN, "--no-summary", "--infected", "--stdout", "-d", str(db)]
                       + [str(x) for x in paths], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=RUN_TIMEOUT)
    if p.returncode not in (0, 1):
        raise AssertionError("clamscan failed (%d): %s" % (p.returncode,
                                                          (p.stdout + p.stderr).decode()[-800:]))
    return {line.rsplit(": ", 1)[0] for line in p.stdout.decode().splitlines()
            if line.endswith(" FOUND")}


def goodware_dir(root):
    """Clean programs (one sharing a string with the family) and copies of system programs."""
    gw = Path(root) / "goodware"
    gw.mkdir()
    compile_c(gw / "helper", C_CLEAN % "a helper string that clean software also carries")
    compile_c(gw / "hello", C_CLEAN % "hello from a clean program")
    for name in COPIED:
        src = shutil.which(name)
        if src:
            shutil.copyfile(src, gw / name)
    return gw


def elf_family(root, n=3):
    paths = []
    for i in range(n):
        p = Path(root) / ("fam%d" % i)
        compile_c(p, C_FAMILY % (i, "own-%d-%08x" % (i, random.Random(i).getrandbits(32)), i))
        paths.append(p)
    return paths


def pe_family(root, n=3):
    paths = []
    for i in range(n):
        data = P.pe_bytes(imports=[("KERNEL32.dll", ["ExitProcess", "GetProcAddress",
                                                     "CreateMutexW", "Sleep"]),
                                   ("WININET.dll", ["InternetOpenW", "InternetOpenUrlW"])],
                          strings=["W:Global\\FamilyTestMutex-7731",
                                   "W:https://cdn.family-test.invalid/p/%s.bin",
                                   "cmd.exe /c ping 127.0.0.1 -n 3 & del \"%s\"",
                                   "pe variant %d here" % i])
        p = Path(root) / ("fam%d.exe" % i)
        p.write_bytes(data)
        paths.append(p)
    return paths


def rule_strings(rule_text):
    return re.findall(r'^\s*\$s\d+ = "((?:[^"\\]|\\.)*)" (ascii|wide)$', rule_text, re.M)


class Generation(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="fg-sig-")
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def need(self, *tools):
        for t in tools:
            if not t:
                raise unittest.SkipTest("a tool is missing (gcc, yara or clamscan)")

    def check_family(self, samples, kind):
        gw = goodware_dir(self.root)
        gw_files = sorted(p for p in gw.iterdir())
        rule, cdb = self.root / "fam.yar", self.root / "clamav"
        rc, out, err = flowgate(["--goodware", str(gw), "--clamav", str(cdb), "-o", str(rule),
                                 "--name", "Family_Test"] + [str(s) for s in samples], self.root)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "", "with -o nothing goes to standard output")
        self.assertIn("rule matches %d/%d samples, 0/%d goodware files"
                      % (len(samples), len(samples), len(gw_files)), err)
        self.assertIn("yara(1): compiles, matches %d/%d samples" % (len(samples), len(samples)),
                      err)
        text = rule.read_text()
        self.assertIn("rule Family_Test", text)
        for s in samples:
            import hashlib
            self.assertIn(hashlib.sha256(s.read_bytes()).hexdigest(), text)
        strings = rule_strings(text)
        self.assertGreaterEqual(len(strings), 2, text)
        for s, _ in strings:
            self.assertNotIn("helper string", s, "a goodware string is in the rule")
            self.assertNotIn("variant", s, "a string of one sample only is in the rule")
        # Independent of flowgate: the yara command on samples and goodware.
        self.assertEqual(yara_matches(rule, samples), {str(s) for s in samples})
        self.assertEqual(yara_matches(rule, gw_files), set())
        if kind == "pe":
            self.assertIn("uint16(0) == 0x5A4D", text)
            self.assertTrue(any(w == "wide" for _, w in strings), text)
        else:
            self.assertIn("uint32(0) == 0x464C457F", text)
        # ClamAV: both files load; the samples are detected, the goodware is not.
        hdb, ndb = cdb / "Family_Test.hdb", cdb / "Family_Test.ndb"
        self.assertEqual(len(hdb.read_text().splitlines()), len(samples))
        self.assertRegex(ndb.read_text(), r"^Family_Test:%d:\*:[0-9a-f]{12,}\n$"
                         % (1 if kind == "pe" else 6))
        if CLAMSCAN:
            self.assertEqual(clam_detects(cdb, samples), {str(s) for s in samples})
            self.assertEqual(clam_detects(cdb, gw_files), set())
            only_ndb = self.root / "ndb-only"
            only_ndb.mkdir()
            shutil.copy(ndb, only_ndb)
            # The body signature alone catches a variant the hashes do not know.
            variant = self.root / "variant"
            data = bytearray(samples[0].read_bytes())
            data[-1] ^= 0xFF
            variant.write_bytes(bytes(data))
            self.assertEqual(clam_detects(only_ndb, [variant]), {str(variant)})
            self.assertIn("clamscan:", err)

    def test_elf_family(self):
        self.need(GCC, YARA)
        self.check_family(elf_family(self.root), "elf")

    def test_pe_family(self):
        self.need(GCC, YARA)
        self.check_family(pe_family(self.root), "pe")

    def test_json_and_stdout(self):
        self.need(GCC, YARA)
        samples = elf_family(self.root, 2)
        gw = goodware_dir(self.root)
        rc, out, err = flowgate(["-g", str(gw), "--json"] + [str(s) for s in samples], self.root)
        self.assertEqual(rc, 0, err)
        j = json.loads(out)
        self.assertTrue(j["ok"])
        self.assertEqual(j["name"], "fam0")
        self.assertEqual(j["samples_matched"], 2)
        self.assertEqual(j["goodware"]["matched"], 0)
        self.assertEqual(j["goodware"]["files"], len(list(gw.iterdir())))
        self.assertEqual(j["kind"], "elf")
        self.assertFalse(j["partial_mode"])
        self.assertTrue(j["external"]["yara"]["compiles"])
        self.assertTrue(all(s["id"].startswith("$s") and s["text"] for s in j["strings"]))
        self.assertEqual(rule_strings(j["rule"]) != [], True)
        # Without -o and --json, the rule goes to standard output.
        rc, out2, err = flowgate(["-g", str(gw)] + [str(s) for s in samples], self.root)
        self.assertEqual(rc, 0, err)
        self.assertTrue(out2.startswith("rule fam0\n"), out2[:200])
        rule = self.root / "out.yar"
        rule.write_text(out2)
        self.assertEqual(yara_matches(rule, samples), {str(s) for s in samples})

    def test_dissimilar_samples(self):
        """No string in all three: strings of some samples, each sample still matches."""
        self.need(GCC, YARA)
        gw = goodware_dir(self.root)
        a, b, c = (self.root / n for n in ("a", "b", "c"))
        compile_c(a, C_CLEAN % "first pair: alpha-bravo marker 4411")
        compile_c(b, C_CLEAN.replace("%s", "first pair: alpha-bravo marker 4411") +
                  "const char *k = \"second pair: charlie-delta marker 9922\";\n")
        compile_c(c, C_CLEAN % "second pair: charlie-delta marker 9922")
        rule = self.root / "r.yar"
        rc, out, err = flowgate(["-g", str(gw), "-o", str(rule), str(a), str(b), str(c)],
                                self.root)
        self.assertEqual(rc, 0, err)
        self.assertIn("no usable string is in every sample", err)
        self.assertEqual(yara_matches(rule, [a, b, c]), {str(a), str(b), str(c)})
        self.assertEqual(yara_matches(rule, sorted(gw.iterdir())), set())

    def test_sample_in_goodware(self):
        """A copy of a sample among the goodware is left out of the set, and said so."""
        self.need(GCC)
        samples = elf_family(self.root, 2)
        gw = goodware_dir(self.root)
        shutil.copy(samples[0], gw / "copy-of-sample")
        rc, out, err = flowgate(["-g", str(gw), "--no-external", "-o", "r.yar"]
                                + [str(s) for s in samples], self.root)
        self.assertEqual(rc, 0, err)
        self.assertIn("1 identical to a sample", err)


class Errors(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="fg-sig-")
        self.root = Path(self.tmp.name)
        (self.root / "gw").mkdir()
        (self.root / "gw" / "clean.txt").write_text("nothing here")

    def tearDown(self):
        self.tmp.cleanup()

    def test_usage(self):
        rc, out, err = flowgate(["--help"], self.root)
        self.assertEqual(rc, 0)
        self.assertIn("Exit status", out)
        rc, out, err = flowgate([], self.root)
        self.assertEqual(rc, 2)
        self.assertIn("no SAMPLE given", err)
        rc, out, err = flowgate(["--max-strings", "0", "x"], self.root)
        self.assertEqual(rc, 2)
        self.assertIn("--max-strings", err)

    def test_bad_name(self):
        (self.root / "s").write_bytes(b"some shared text here\0")
        for bad in ("1abc", "with-dash", "condition", "x" * 200):
            rc, out, err = flowgate(["-g", "gw", "--name", bad, "s"], self.root)
            self.assertEqual(rc, 2, bad)
            self.assertIn("not a YARA identifier", err)

    def test_unreadable_sample(self):
        rc, out, err = flowgate(["-g", "gw", "missing.bin"], self.root)
        self.assertEqual(rc, 2)
        self.assertIn("missing.bin", err)
        rc, out, err = flowgate(["-g", "no-such-goodware", "gw/clean.txt"], self.root)
        self.assertEqual(rc, 2)
        self.assertIn("no-such-goodware", err)

    def test_no_shared_strings(self):
        """Random bytes share nothing printable: exit 2, an explanation, nothing written."""
        for i in range(2):
            (self.root / ("r%d" % i)).write_bytes(random.Random(i).randbytes(20000))
        rc, out, err = flowgate(["-g", "gw", "-o", "rule.yar", "r0", "r1"], self.root)
        self.assertEqual(rc, 2)
        self.assertIn("no usable string", err)
        self.assertFalse((self.root / "rule.yar").exists())

    def test_all_strings_in_goodware(self):
        """Goodware that holds every string of the sample (a near copy): no rule."""
        data = b"MZ" + b"\0" * 62 + b"a distinctive message of the sample\0" + b"\x90" * 100
        (self.root / "s").write_bytes(data)
        (self.root / "gw" / "near").write_bytes(data + b"\x01")
        rc, out, err = flowgate(["-g", "gw", "-o", "rule.yar", "s"], self.root)
        self.assertEqual(rc, 2, err)
        self.assertIn("also in the goodware set", err)
        self.assertFalse((self.root / "rule.yar").exists())


def main():
    global FLOWGATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flowgate", required=True, help="the flowgate binary to test")
    ap.add_argument("-k", action="append", default=[], help="run tests whose id has this substring")
    ap.add_argument("-v", action="store_true", help="one line per test")
    a = ap.parse_args()
    FLOWGATE = str(Path(a.flowgate).resolve())
    return runner.run_suite((Generation, Errors), a.k, a.v, "e2e sig")


if __name__ == "__main__":
    sys.exit(main())
