#!/usr/bin/env python3
"""End-to-end tests of `flowgate netlog` on logs generated at test time (tests/gen/netlog_gen.py).

One day of a small company in four formats (netfilter, Zeek TSV, Zeek JSON, CSV), with a
mass mailer, a beaconing host, an exfiltrating host and an internal scanner planted among
benign confounders (mail relay, proxy, backup, monitoring, NTP, DNS, update downloads).  Each
planted host must be found with the right finding and ranked above every confounder; the
confounders and clean hosts must stay below medium; the same day without the planted hosts
must exit 0.  Also: roles given in a file, hostile input, standard input, and flat memory.
"""
import argparse
import json
import os
import random
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
import netlog_gen as G  # noqa: E402

FLOWGATE = None
RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def netlog(args, stdin=None, rusage=False):
    """Runs flowgate netlog; returns (exit status, stdout, stderr[, max RSS in KiB])."""
    p = subprocess.Popen([FLOWGATE, "netlog", "--no-progress"] + [str(a) for a in args],
                         stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(stdin, timeout=600)
    err = err.decode("utf-8", "replace")
    runner.check_run(p.returncode, err)
    return p.returncode, out.decode(), err


def hosts_of(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def worst(h):
    return max([RANK[f["severity"]] for f in h["findings"]] + [0])


class Netlog(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fg-netlog-")
        cls.dir = Path(cls.tmp.name)
        cls.logs = G.generate(cls.dir)
        cls.clean = G.generate(cls.dir, ("zeek", "netfilter"), clean=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def ranked(self, path, *extra):
        rc, out, err = netlog(["--json", "--top", "0", "--year", "2024"] + list(extra) + [path])
        self.assertEqual(rc, 1, err)
        return hosts_of(out), err

    def check_day(self, fmt):
        hosts, err = self.ranked(self.logs[fmt])
        by = {h["host"]: (i, h) for i, h in enumerate(hosts)}
        scores = [h["score"] for h in hosts]
        self.assertEqual(scores, sorted(scores, reverse=True), "not ranked by score")
        for host, fid in G.PLANTED.items():
            self.assertIn(host, by, "%s: planted host %s missing" % (fmt, host))
            rank, h = by[host]
            ids = {f["id"]: f for f in h["findings"]}
            self.assertIn(fid, ids, "%s: %s lacks %s: %s" % (fmt, host, fid, h))
            self.assertGreaterEqual(RANK[ids[fid]["severity"]], RANK["medium"], h)
            self.assertTrue(ids[fid]["evidence"], h)
            for c in G.CONFOUNDERS:
                self.assertLess(rank, by[c][0], "%s: %s ranked below confounder %s" % (fmt, host, c))
        self.assertEqual({h["host"] for h in hosts[:4]}, set(G.PLANTED), fmt)
        for h in hosts:
            if h["host"] not in G.PLANTED:
                self.assertLess(worst(h), RANK["medium"], "%s: %s is loud: %s" % (fmt, h["host"], h))
        for host, role in G.ROLES.items():
            self.assertEqual(by[host][1]["role"], role, "%s: role of %s not learnt" % (fmt, host))
        # The evidence says what was seen: the beacon's destination and period, the exfil's
        # destination, the relay's explained mail.
        beacon = [f for f in by[G.BEACON][1]["findings"] if f["id"] == "netlog.beacon"][0]
        self.assertIn(G.C2, beacon["message"])
        self.assertIn("every 300 s", beacon["message"])
        exfil = [f for f in by[G.EXFIL][1]["findings"] if f["id"] == "netlog.exfil"][0]
        self.assertIn(G.DROP, exfil["evidence"])
        relay = {f["id"]: f for f in by[G.RELAY][1]["findings"]}
        self.assertEqual(relay["netlog.mass-mail"]["severity"], "info")
        self.assertIn("records", err)
        self.assertNotIn("skipped", err)  # the generated logs are well-formed

    def test_netfilter(self):
        self.check_day("netfilter")

    def test_zeek(self):
        self.check_day("zeek")

    def test_zeek_json(self):
        self.check_day("zeek-json")

    def test_csv(self):
        self.check_day("csv")

    def test_clean_day_is_quiet(self):
        for fmt, path in self.clean.items():
            rc, out, err = netlog(["--json", "--top", "0", "--year", "2024", path])
            self.assertEqual(rc, 0, "%s: %s" % (fmt, err))
            hosts = hosts_of(out)
            self.assertGreater(len(hosts), 40)
            for h in hosts:
                self.assertLess(worst(h), RANK["medium"], "%s: %s" % (fmt, h))

    def test_text_table(self):
        rc, out, err = netlog(["--top", "5", "--year", "2024", self.logs["zeek"]])
        self.assertEqual(rc, 1, err)
        lines = out.splitlines()
        self.assertTrue(lines[0].startswith("RANK"), out)
        top = [l.split()[1] for l in lines[1:5]]
        self.assertEqual(set(top), set(G.PLANTED), out)
        self.assertIn("more hosts below", out)
        self.assertIn("Evidence", out)
        self.assertIn("netlog.beacon", out)

    def test_roles_file(self):
        # Naming the scanner as an authorised scanner explains its scan; naming a workstation
        # as the relay does not silence the real mass mailer.
        roles = self.dir / "roles.txt"
        roles.write_text("# authorised vulnerability scanner\n%s scanner\n%s   mail-relay\n"
                         % (G.SCANNER, G.RELAY))
        hosts, _ = self.ranked(self.logs["csv"], "--roles", roles)
        by = {h["host"]: h for h in hosts}
        self.assertEqual(by[G.SCANNER]["role"], "scanner")
        self.assertLess(worst(by[G.SCANNER]), RANK["medium"])
        self.assertTrue(any("roles file" in f["evidence"] for f in by[G.SCANNER]["findings"]))
        self.assertEqual(worst(by[G.MAILER]), RANK["high"])
        bad = self.dir / "bad-roles.txt"
        bad.write_text("10.1.0.10 postmaster\n")
        rc, _, err = netlog(["--roles", bad, self.logs["csv"]])
        self.assertEqual(rc, 2)
        self.assertIn("bad-roles.txt:1", err)

    def test_internal_option(self):
        # With the scanned range outside RFC 1918 the scan is internal only when declared.
        src = self.logs["csv"].read_text().replace(",10.1.2.", ",100.64.2.")
        p = self.dir / "cgnat.csv"
        p.write_text(src)
        hosts, _ = self.ranked(p)
        ids = {f["id"] for h in hosts if h["host"] == G.SCANNER for f in h["findings"]}
        self.assertNotIn("netlog.internal-scan", ids)
        hosts, _ = self.ranked(p, "--internal", "100.64.0.0/10")
        ids = {f["id"] for h in hosts if h["host"] == G.SCANNER for f in h["findings"]}
        self.assertIn("netlog.internal-scan", ids)

    def test_hostile_input(self):
        rng = random.Random(5)
        good = self.logs["zeek"].read_bytes().splitlines(keepends=True)
        junk = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) + b"\n"
                for _ in range(300)]
        junk += [b"A" * 200000 + b"\n", b"x" * (5 << 20) + b"\n",  # longer than the read buffer
                 b"1709510400.1\tC1\t10.1.1.10\t99999\t1.2.3.4\t80\ttcp\n",  # bogus port
                 b"1709510400.1\tC1\tfe80::1\t5\t::1\t80\ttcp\t-\t-\t-\t-\tS0\n"]
        mixed = good[:9] + sorted(good[9:] + junk, key=lambda _: rng.random())
        mixed[-1] = mixed[-1][:17]  # a truncated last line
        p = self.dir / "hostile.log"
        p.write_bytes(b"".join(mixed))
        rc, out, err = netlog(["--json", "--year", "2024", p])
        self.assertEqual(rc, 1, err)
        self.assertIn("lines skipped", err)
        self.assertIn("1 IPv6", err)
        self.assertRegex(err, r"[1-9]\d* too long")
        found = {h["host"] for h in hosts_of(out)[:4]}
        # Shuffled lines break the beacon's intervals; the other three are found regardless.
        self.assertTrue({G.MAILER, G.EXFIL, G.SCANNER} <= found, out)
        # Pure garbage: no format, exit 2, no crash.
        g = self.dir / "garbage.bin"
        g.write_bytes(bytes(rng.randrange(256) for _ in range(200000)))
        rc, out, err = netlog([g])
        self.assertEqual(rc, 2)
        self.assertIn("not a log format", err)
        empty = self.dir / "empty.log"
        empty.write_bytes(b"")
        self.assertEqual(netlog([empty])[0], 0)
        self.assertEqual(netlog([self.dir / "missing.log"])[0], 2)

    def test_stdin_and_format_option(self):
        data = self.logs["zeek-json"].read_bytes()
        rc, out, err = netlog(["--json", "--year", "2024", "--format", "zeek-json", "-"], stdin=data)
        self.assertEqual(rc, 1, err)
        self.assertEqual({h["host"] for h in hosts_of(out)[:4]}, set(G.PLANTED))
        rc, _, err = netlog(["--format", "nosuch", "-"], stdin=b"")
        self.assertEqual(rc, 2)

    def test_memory_is_flat(self):
        # The same day four times over: four times the lines, the same hosts and pairs, so
        # the same tables.  Peak RSS may not grow with the log.
        one = self.logs["csv"]
        four = self.dir / "four.csv"
        body = one.read_bytes()
        four.write_bytes(body * 4)

        def rss(path):
            p = subprocess.Popen([FLOWGATE, "netlog", "--no-progress", "--json", str(path)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            return ru.ru_maxrss
        r1, r4 = rss(one), rss(four)
        self.assertLess(r4, r1 * 1.15 + 2048, "peak RSS %d KiB for 1x, %d KiB for 4x" % (r1, r4))


def main():
    global FLOWGATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flowgate", required=True)
    ap.add_argument("-k", action="append", default=[])
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    FLOWGATE = str(Path(a.flowgate).resolve())
    return runner.run_suite((Netlog,), a.k, a.v, "e2e.netlog")


if __name__ == "__main__":
    sys.exit(main())
