#!/usr/bin/env python3
"""
test_triage.py - end-to-end tests of `flowgate triage` and `flowgate sweep`: the real binary on
host trees built at test time by tests/gen/host_gen.py (a clean and an infected Debian-like
tree, a clean and an infected Windows-like tree with registry hives built with hivex), the same
trees as ext4 disk images (mkfs.ext4 -d, no mounting) and as E01 (ewfacquire), and several
hosts for the sweep.  Every planted artifact must be found with its id and path; the clean
trees must stay at info; the evidence must be left as it was.

Usage: test_triage.py --flowgate PATH [-k SUBSTRING]... [-v]
Prints "N passed, N failed[, N skipped]" last and exits non-zero if any test failed.
"""
import argparse
import csv
import hashlib
import io
import json
import os
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
sys.dont_write_bytecode = True
import host_gen as G  # noqa: E402

FLOWGATE = None
__unittest = True
FIELDS = ("host", "id", "severity", "path", "message", "evidence")
MKFS = shutil.which("mkfs.ext4") or ("/sbin/mkfs.ext4" if os.path.exists("/sbin/mkfs.ext4") else None)
EWF = shutil.which("ewfacquire")


def run(cmd, args, cwd, timeout=300):
    p = subprocess.run([FLOWGATE, cmd] + list(args), cwd=cwd, capture_output=True,
                       timeout=timeout, env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1"))
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    runner.check_run(p.returncode, err, cmd)
    return p.returncode, out, err


def triage(args, cwd):
    rc, out, err = run("triage", ["--json"] + list(args), cwd)
    findings = [json.loads(l) for l in out.splitlines() if l.strip()]
    for f in findings:
        for k in FIELDS:
            assert isinstance(f.get(k), str), "field %s missing in %r" % (k, f)
    return rc, findings, err


def above_info(findings):
    return [f for f in findings if f["severity"] != "info"]


def tree_state(root):
    """Content, mode and times of every entry: what 'the evidence was not changed' means."""
    st = {}
    for dp, dns, fns in os.walk(root):
        for n in dns + fns:
            p = os.path.join(dp, n)
            s = os.lstat(p)
            h = ""
            if os.path.isfile(p) and not os.path.islink(p):
                fd = os.open(p, os.O_RDONLY | os.O_NOATIME)  # our own reading must not count
                with os.fdopen(fd, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
            st[p] = (s.st_mode, s.st_size, s.st_mtime_ns, s.st_atime_ns, h)
    return st


class Fixtures:
    """Trees and images, built once for all tests."""
    dir = None

    @classmethod
    def build(cls):
        if cls.dir:
            return
        cls.dir = tempfile.mkdtemp(prefix="fg-triage-")
        d = cls.dir
        (Path(d) / "implant.yar").write_text(G.MARKER_RULE)
        G.linux_tree(d + "/lin-clean")
        G.linux_tree(d + "/lin-infected", infected=True)
        G.windows_tree(d + "/win-clean")
        G.windows_tree(d + "/win-infected", infected=True)
        if MKFS:
            for t in ("lin-clean", "lin-infected", "win-infected", "win-clean"):
                subprocess.run([MKFS, "-q", "-F", "-d", d + "/" + t, d + "/" + t + ".img", "24M"],
                               check=True, capture_output=True)
            if EWF:
                subprocess.run([EWF, "-u", "-q", "-c", "fast", "-t", d + "/win-infected",
                                d + "/win-infected.img"], check=True, capture_output=True)

    @classmethod
    def cleanup(cls):
        if cls.dir:
            shutil.rmtree(cls.dir, ignore_errors=True)


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        Fixtures.build()
        cls.d = Fixtures.dir

    def assertPlanted(self, findings, planted):
        got = {(f["id"], f["path"]) for f in findings}
        for want in planted:
            self.assertIn(want, got, "planted artifact not reported")
        for f in findings:
            if (f["id"], f["path"]) in planted:
                self.assertIn(f["severity"], ("medium", "high", "critical"), f)


class Trees(Base):
    def test_linux_clean_is_quiet(self):
        rc, f, err = triage(["lin-clean"], self.d)
        self.assertEqual(above_info(f), [])
        self.assertEqual(rc, 0, err)
        os_f = [x for x in f if x["id"] == "tri.host.os"]
        self.assertIn("linux", os_f[0]["message"])
        self.assertIn("Debian", os_f[0]["evidence"])
        # ordinary autostart entries are listed, at info
        self.assertTrue(any(x["id"] == "tri.autostart.systemd" and "sshd" in x["evidence"] for x in f))

    def test_linux_infected(self):
        rc, f, _ = triage(["--rules", "implant.yar", "lin-infected"], self.d)
        self.assertEqual(rc, 1)
        self.assertPlanted(f, G.PLANTED_LINUX)
        cron = [x for x in f if x["id"] == "tri.autostart.cron" and x["path"] == "/etc/cron.d/sysupdate"][0]
        self.assertEqual(cron["severity"], "high")
        self.assertIn("/dev/shm/.x/kworker (exists)", cron["evidence"])
        self.assertIn("FGTest_Implant", cron["evidence"])  # the target itself is flagged
        self.assertEqual(cron["rule"], "FGTest_Implant")

    def test_windows_clean_is_quiet(self):
        rc, f, err = triage(["win-clean"], self.d)
        self.assertEqual(above_info(f), [])
        self.assertEqual(rc, 0, err)
        ids = {x["id"] for x in f}
        for i in ("tri.autostart.run", "tri.autostart.service", "tri.autostart.task",
                  "tri.autostart.winlogon"):
            self.assertIn(i, ids)
        one = [x for x in f if x["path"].endswith("\\Run\\OneDrive")][0]
        self.assertIn("OneDrive.exe (exists)", one["evidence"])

    def test_windows_infected(self):
        rc, f, _ = triage(["--rules", "implant.yar", "win-infected"], self.d)
        self.assertEqual(rc, 1)
        self.assertPlanted(f, G.PLANTED_WINDOWS)
        task = [x for x in f if x["id"] == "tri.autostart.task" and "SystemHealthCheck" in x["path"]][0]
        self.assertIn("encoded PowerShell", task["evidence"])
        run = [x for x in f if x["path"].endswith("\\Run\\Updater")][0]
        self.assertIn("AppData\\Roaming\\svchost.exe (exists)", run["evidence"])
        self.assertIn("FGTest_Implant", run["evidence"])

    def test_without_rules_the_implant_is_still_found_by_place(self):
        rc, f, _ = triage(["win-infected"], self.d)
        self.assertEqual(rc, 1)
        self.assertFalse([x for x in f if x["id"] == "tri.yara"])
        self.assertTrue([x for x in f if x["id"] == "tri.name.system-elsewhere"])

    def test_evidence_unchanged(self):
        root = self.d + "/lin-infected"
        implant = root + "/dev/shm/.x/kworker"
        os.utime(implant, (1000000000, 1700000000))  # atime older than mtime: relatime would update it
        before = tree_state(root)
        triage(["--rules", "implant.yar", "--bodyfile", "b.txt", "lin-infected"], self.d)
        self.assertEqual(tree_state(root), before)

    def test_symlinks_never_leave_the_root(self):
        root = Path(self.d) / "escape"
        shutil.rmtree(root, ignore_errors=True)
        outside = Path(self.d) / "outside"
        (outside / "cron.d").mkdir(parents=True, exist_ok=True)
        (outside / "cron.d" / "job").write_text("* * * * * root /tmp/outside-job\n")
        (outside / "preload").write_text("/tmp/outside.so\n")
        G.linux_tree(str(root))
        shutil.rmtree(root / "etc/cron.d")
        os.symlink(outside / "cron.d", root / "etc/cron.d")
        os.symlink(outside / "preload", root / "etc/ld.so.preload")
        os.symlink("/", root / "hostroot")
        rc, f, _ = triage(["escape"], self.d)
        self.assertEqual(above_info(f), [])
        self.assertFalse([x for x in f if "outside" in x["evidence"] or "hostroot/" in x["path"]])

    def test_json_is_one_object_per_line(self):
        rc, out, _ = run("triage", ["--json", "lin-infected"], self.d)
        lines = out.splitlines()
        self.assertGreater(len(lines), 10)
        for l in lines:
            d = json.loads(l)
            self.assertEqual(d["host"], "lin-infected")
            self.assertIn(d["severity"], ("info", "low", "medium", "high", "critical"))

    def test_text_output_and_exit_codes(self):
        rc, out, _ = run("triage", ["win-infected"], self.d)
        self.assertEqual(rc, 1)
        self.assertIn("tri.autostart.ifeo", out)
        rc, out, err = run("triage", ["does-not-exist"], self.d)
        self.assertEqual(rc, 2)
        self.assertIn("does-not-exist", err)
        rc, out, _ = run("triage", ["--help"], self.d)
        self.assertEqual(rc, 0)
        self.assertIn("--bodyfile", out)

    def test_broken_hive_is_unreadable_not_clean(self):
        root = Path(self.d) / "win-broken"
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(Path(self.d) / "win-clean", root, symlinks=True)
        hive = root / "Windows/System32/config/SOFTWARE"
        data = bytearray(hive.read_bytes())
        for i in range(4096 + 32, len(data), 7):  # trash the cells, keep the header
            data[i] ^= 0x5A
        hive.write_bytes(bytes(data))
        (root / "Users/alice/NTUSER.DAT").write_bytes(b"regf" + os.urandom(5000))
        rc, f, _ = triage(["win-broken"], self.d)
        self.assertIn(rc, (0, 3))
        self.assertTrue([x for x in f if x["id"] == "tri.unreadable" and x["path"].endswith("NTUSER.DAT")])
        self.assertEqual(rc, 3)


class Outputs(Base):
    def test_bodyfile_parses(self):
        body = Path(self.d) / "body.txt"
        run("triage", ["--bodyfile", str(body), "--rules", "implant.yar", "lin-infected"], self.d)
        lines = body.read_text().splitlines()
        self.assertGreater(len(lines), 50)
        rows = {}
        for l in lines:
            parts = l.split("|")
            self.assertEqual(len(parts), 11, l)
            int(parts[2]), int(parts[6])
            for t in parts[7:]:
                int(t)
            rows[parts[1]] = parts
        k = rows["/dev/shm/.x/kworker"]
        data = (Path(self.d) / "lin-infected/dev/shm/.x/kworker").read_bytes()
        self.assertEqual(k[0], hashlib.md5(data).hexdigest())  # examined files carry their MD5
        self.assertEqual(k[3], "-rwxr-xr-x")
        self.assertEqual(int(k[6]), len(data))
        mactime = shutil.which("mactime")
        if mactime:
            p = subprocess.run([mactime, "-b", str(body), "-d"], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            names = [r[-1] for r in csv.reader(io.StringIO(p.stdout))]
            self.assertIn("/dev/shm/.x/kworker", names)

    def test_html_is_self_contained(self):
        html = Path(self.d) / "report.html"
        rc, out, _ = run("triage", ["--html", str(html), "--rules", "implant.yar", "win-infected",
                                    "lin-clean"], self.d)
        self.assertEqual(rc, 1)
        t = html.read_text()
        self.assertTrue(t.startswith("<!DOCTYPE html>"))
        self.assertIn("C:\\Windows\\System32\\Tasks\\SystemHealthCheck", t)
        self.assertIn("<h2>lin-clean</h2>", t)
        self.assertIn("Needs attention", t)
        for ref in ("<script", "src=", "href=", "@import", "url("):
            self.assertNotIn(ref, t)


@unittest.skipUnless(MKFS, "mkfs.ext4 not installed")
class Images(Base):
    def same(self, a, b):
        return ({(x["id"], x["path"], x["severity"]) for x in a} ==
                {(x["id"], x["path"], x["severity"]) for x in b})

    def test_raw_image_linux(self):
        rc, f, _ = triage(["--rules", "implant.yar", "lin-infected.img"], self.d)
        self.assertEqual(rc, 1)
        self.assertPlanted(f, G.PLANTED_LINUX)
        _, fd, _ = triage(["--rules", "implant.yar", "lin-infected"], self.d)
        self.assertTrue(self.same(f, fd))
        self.assertIn("libtsk", [x for x in f if x["id"] == "tri.host.os"][0]["message"])

    def test_raw_images_clean_are_quiet(self):
        for img in ("lin-clean.img", "win-clean.img"):
            rc, f, _ = triage([img], self.d)
            self.assertEqual(above_info(f), [], img)
            self.assertEqual(rc, 0, img)

    def test_image_unchanged(self):
        img = Path(self.d) / "win-infected.img"
        h = hashlib.sha256(img.read_bytes()).hexdigest()
        triage(["win-infected.img"], self.d)
        self.assertEqual(hashlib.sha256(img.read_bytes()).hexdigest(), h)

    @unittest.skipUnless(EWF, "ewfacquire not installed")
    def test_e01_windows(self):
        rc, f, _ = triage(["--rules", "implant.yar", "win-infected.E01"], self.d)
        self.assertEqual(rc, 1)
        self.assertPlanted(f, G.PLANTED_WINDOWS)

    def test_not_an_image(self):
        (Path(self.d) / "junk.bin").write_bytes(os.urandom(100000))
        rc, _, err = run("triage", ["junk.bin"], self.d)
        self.assertEqual(rc, 2)
        self.assertIn("junk.bin", err)


class Sweep(unittest.TestCase):
    """Five hosts: two Linux hosts with the same implant (renamed on the second), two Windows
    hosts with the same Run key and implant, one clean host that must appear nowhere."""

    @classmethod
    def setUpClass(cls):
        cls.d = tempfile.mkdtemp(prefix="fg-sweep-")
        d = cls.d
        G.linux_tree(d + "/web1", infected=True)
        G.linux_tree(d + "/web2", infected=True, implant_name="kswapd0")
        G.windows_tree(d + "/pc1", infected=True)
        G.windows_tree(d + "/pc2", infected=True)
        G.linux_tree(d + "/db1")
        with open(d + "/web2/etc/hosts", "a") as f:
            f.write("203.0.113.77 update.fgtest.invalid\n")
        (Path(d) / "implant.yar").write_text(G.MARKER_RULE)
        cls.implant_sha = hashlib.sha256(Path(d, "web1/dev/shm/.x/kworker").read_bytes()).hexdigest()
        Path(d, "ioc.txt").write_text(
            "# hunted indicators\nsha256 %s\nname scvhost*\nyara implant.yar\nip 203.0.113.77\n"
            "update.fgtest.invalid\n198.51.100.9\n" % cls.implant_sha)
        cls.hosts = ["web1", "web2", "pc1", "pc2", "db1"]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.d, ignore_errors=True)

    def sweep(self, args):
        rc, out, err = run("sweep", ["--json"] + args + self.hosts, self.d)
        inds = [json.loads(l) for l in out.splitlines() if l.strip()]
        for i in inds:
            self.assertEqual(set(i), {"indicator", "hunted", "hosts", "findings"})
            self.assertNotIn("db1", i["hosts"], i)  # the clean host never
            self.assertEqual(sorted(i["hosts"]), sorted({f["host"] for f in i["findings"]}))
        return rc, {(i["indicator"]["type"], i["indicator"]["value"]): i for i in inds}, err

    def test_shared_indicators(self):
        rc, inds, err = self.sweep(["-j", "2"])
        self.assertEqual(rc, 1, err)
        # the renamed copy is found through its hash
        i = inds[("sha256", self.implant_sha)]
        self.assertEqual(sorted(i["hosts"]), ["web1", "web2"])
        paths = {(f["host"], f["path"]) for f in i["findings"]}
        self.assertIn(("web2", "/dev/shm/.x/kswapd0"), paths)
        self.assertIn(("web1", "/dev/shm/.x/kworker"), paths)
        i = inds[("autostart", "%APPDATA%\\svchost.exe")]
        self.assertEqual(sorted(i["hosts"]), ["pc1", "pc2"])
        self.assertEqual(sorted(inds[("name", "scvhost.exe")]["hosts"]), ["pc1", "pc2"])
        # ordinary entries every host has are not indicators
        self.assertFalse([k for k in inds if "sshd" in k[1] or "OneDrive" in k[1]])
        self.assertFalse([i for i in inds.values() if i["hunted"]])

    def test_ioc_hunt(self):
        rc, inds, err = self.sweep(["--ioc", "ioc.txt"])
        self.assertEqual(rc, 1, err)
        want = {("sha256", self.implant_sha): ["web1", "web2"], ("name", "scvhost*"): ["pc1", "pc2"],
                ("yara", "FGTest_Implant"): ["pc1", "pc2", "web1", "web2"],
                ("ip", "203.0.113.77"): ["web2"], ("domain", "update.fgtest.invalid"): ["web1", "web2"]}
        for k, hosts in want.items():
            self.assertIn(k, inds)
            self.assertTrue(inds[k]["hunted"], k)
            self.assertEqual(sorted(inds[k]["hosts"]), hosts, k)
        self.assertNotIn(("ip", "198.51.100.9"), inds)  # given but nowhere

    def test_clean_hosts_sweep_quiet(self):
        rc, out, _ = run("sweep", ["db1"], self.d)
        self.assertEqual(rc, 0)
        self.assertIn("No indicator", out)
        rc, _, err = run("sweep", ["--ioc", "missing.txt", "db1"], self.d)
        self.assertEqual(rc, 2)


def main():
    global FLOWGATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flowgate", required=True)
    ap.add_argument("-k", action="append", default=[])
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    FLOWGATE = str(Path(a.flowgate).resolve())
    try:
        return runner.run_suite((Trees, Outputs, Images, Sweep), a.k, a.v, "e2e triage")
    finally:
        Fixtures.cleanup()


if __name__ == "__main__":
    sys.exit(main())
