#!/usr/bin/env python3
"""Generates one day of a small company's firewall and flow logs for `flowgate netlog`.

The company: 40 workstations (10.1.1.10-49) browsing in office hours (half of them through
the proxy), a mail relay, a proxy, a backup server, a monitoring host, a DNS/NTP server and
six application servers.  Planted behaviour (unless --clean):
  mass mail  10.1.1.23  direct SMTP to 300 distinct external mail servers
  beacon     10.1.1.31  every 300 s +- 3 s, ~400-byte requests, to one address, all day
  exfil      10.1.1.37  about 2.8 GB in one connection at 03:05 to one external address
  scanner    10.1.1.44  200 internal addresses on ten ports, mostly refused
Benign confounders: the relay's own SMTP to ~400 MX, the proxy's volume, nightly backups to
the backup server and its 2.5 GB off-site copy, the monitoring host polling every host every
60 s (and the public web site), NTP every 1024 s from every host, the DNS server's upstream
queries, and large software-update downloads.

Written as netfilter LOG lines (RFC 3164, year 2024), Zeek conn.log TSV, Zeek JSON lines and
flowgate CSV, from one list of connections, so the four files tell the same story.
"""
import argparse
import json
import random
import sys
from pathlib import Path

DAY = 1709510400  # 2024-03-04 00:00:00 (a Monday), taken as local time and as UTC alike

RELAY, PROXY, BACKUP, MONITOR, DNS = "10.1.0.10", "10.1.0.11", "10.1.0.12", "10.1.0.13", "10.1.0.14"
APPS = ["10.1.0.%d" % i for i in range(20, 26)]
WORKSTATIONS = ["10.1.1.%d" % i for i in range(10, 50)]
MAILER, BEACON, EXFIL, SCANNER = "10.1.1.23", "10.1.1.31", "10.1.1.37", "10.1.1.44"
PLANTED = {MAILER: "netlog.mass-mail", BEACON: "netlog.beacon", EXFIL: "netlog.exfil",
           SCANNER: "netlog.internal-scan"}
ROLES = {RELAY: "mail-relay", PROXY: "proxy", BACKUP: "backup", MONITOR: "monitoring"}
CONFOUNDERS = [RELAY, PROXY, BACKUP, MONITOR, DNS] + APPS
C2, DROP = "45.77.12.34", "91.203.5.17"
OFFSITE, WEBSITE = "198.51.100.77", "203.0.113.10"
NTP = ["162.159.200.1", "162.159.200.123"]
UPSTREAM_DNS = ["8.8.8.8", "1.1.1.1"]
UPDATE_CHECK, UPDATE_CDN = "13.107.4.50", "23.50.52.17"


def ext_addr(rng):
    """A public-looking address outside the documentation and private ranges."""
    while True:
        a = rng.randrange(11, 223)
        if a not in (100, 127, 169, 172, 192, 198, 203):
            return "%d.%d.%d.%d" % (a, rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))


class Day:
    def __init__(self, seed, clean):
        self.rng = random.Random(seed)
        self.conns = []
        self.sites = [ext_addr(self.rng) for _ in range(400)]
        self.weights = [1.0 / (i + 1) for i in range(len(self.sites))]
        self.clean = clean

    def add(self, ts, src, dst, dport, proto="tcp", out=0, inb=0, dur=0.0, state="SF"):
        sport = self.rng.randrange(32768, 61000) if proto != "udp" or dport != 123 else 123
        self.conns.append((ts, src, sport, dst, dport, proto, int(out), int(inb), dur, state))

    def browsing(self, host, via_proxy):
        r = self.rng
        t = DAY + r.uniform(7.5, 9.0) * 3600
        end = DAY + r.uniform(16.5, 18.5) * 3600
        lunch = DAY + r.uniform(12.0, 12.5) * 3600
        while t < end:
            if lunch < t < lunch + 2400:
                t = lunch + 2400
            site = r.choices(self.sites, self.weights)[0]
            out, inb, dur = r.randint(400, 6000), r.randint(2000, 900000), r.uniform(0.1, 40)
            if via_proxy:
                self.add(t, host, PROXY, 3128, out=out, inb=inb, dur=dur)
                self.add(t + 0.05, PROXY, site, r.choice((443, 443, 80)), out=out, inb=inb, dur=dur)
            else:
                self.add(t, host, site, r.choice((443, 443, 80)), out=out, inb=inb, dur=dur)
            if r.random() < 0.35:
                self.add(t - 0.02, host, DNS, 53, "udp", 70, 130, 0.01)
                if r.random() < 0.5:
                    self.add(t - 0.01, DNS, r.choice(UPSTREAM_DNS), 53, "udp", 70, 200, 0.02)
            t += r.expovariate(1 / 35.0)

    def mail_client(self, host):
        r = self.rng
        for _ in range(r.randint(4, 18)):
            self.add(DAY + r.uniform(8, 18) * 3600, host, RELAY, 587, out=r.randint(3000, 400000),
                     inb=900, dur=r.uniform(0.5, 4))
        t = DAY + 8.5 * 3600
        while t < DAY + 17.5 * 3600:  # the mail client polls while its user is logged in
            self.add(t, host, RELAY, 993, out=600, inb=r.randint(700, 4000), dur=0.8)
            t += 300

    def background(self, host):
        r = self.rng
        for srv in NTP:  # every host keeps time with the same two servers
            t = DAY + r.uniform(0, 1024)
            while t < DAY + 86400:
                self.add(t, host, srv, 123, "udp", 76, 76, 0.03)
                t += 1024
        t = DAY + r.uniform(0, 4 * 3600)
        while t < DAY + 86400:  # update checks
            self.add(t, host, UPDATE_CHECK, 443, out=1500, inb=6000, dur=1.2)
            t += 4 * 3600

    def servers(self):
        r = self.rng
        # The relay delivers the company's mail to ~400 MX all day.
        mx = [ext_addr(r) for _ in range(400)]
        for _ in range(800):
            self.add(DAY + r.uniform(0, 86400), RELAY, r.choice(mx), 25, out=r.randint(2000, 300000),
                     inb=600, dur=r.uniform(0.3, 5))
        # Nightly backups pushed to the backup server, then copied off-site.
        for i, h in enumerate(APPS + [RELAY]):
            size = r.randint(300, 600) << 20
            self.add(DAY + 3600 + i * 600, h, BACKUP, 873, out=size, inb=20000, dur=size / 40e6)
        self.add(DAY + 2 * 3600 + 300, BACKUP, OFFSITE, 443, out=2500 << 20, inb=900000, dur=5400)
        # Monitoring polls every host every 60 s, and the public web site.
        for h in WORKSTATIONS + APPS + [RELAY, PROXY, BACKUP, DNS]:
            t = DAY + r.uniform(0, 60)
            while t < DAY + 86400:
                self.add(t, MONITOR, h, 9100, out=300, inb=r.randint(8000, 9000), dur=0.02)
                t += 60
        t = DAY + 7
        while t < DAY + 86400:
            self.add(t, MONITOR, WEBSITE, 443, out=520, inb=r.randint(30000, 31000), dur=0.2)
            t += 60
        # Large update downloads on a few machines.
        for h in r.sample(WORKSTATIONS, 8):
            self.add(DAY + r.uniform(10, 15) * 3600, h, UPDATE_CDN, 443, out=40000,
                     inb=r.randint(300, 800) << 20, dur=r.uniform(120, 600))
        # Workstations use the application servers.
        for h in WORKSTATIONS:
            for _ in range(r.randint(10, 40)):
                self.add(DAY + r.uniform(8, 18) * 3600, h, r.choice(APPS), r.choice((445, 443)),
                         out=r.randint(500, 50000), inb=r.randint(500, 500000), dur=r.uniform(0.1, 30))

    def planted(self):
        r = self.rng
        # Mass mail: direct SMTP to 300 distinct MX in the afternoon.
        t = DAY + 14 * 3600 + 300
        for _ in range(300):
            mx = ext_addr(r)
            for _ in range(r.randint(1, 2)):
                state = "SF" if r.random() < 0.85 else "REJ"
                self.add(t, MAILER, mx, 25, out=r.randint(2000, 20000) if state == "SF" else 0,
                         inb=400, dur=r.uniform(0.5, 3), state=state)
                t += r.uniform(5, 40)
        # Beacon: every 300 s +- 3 s, similar sizes, all day.
        t = DAY + 97
        while t < DAY + 86400:
            self.add(t, BEACON, C2, 443, out=r.randint(380, 420), inb=r.randint(900, 1100), dur=0.4)
            t += 300 + r.uniform(-3, 3)
        # Exfiltration: one long upload at 03:05 to one address.
        self.add(DAY + 3 * 3600 + 300, EXFIL, DROP, 443, out=2800 << 20, inb=3 << 20, dur=7900)
        # Internal scan: 200 addresses, ten ports, mostly refused or unanswered.
        t = DAY + 11 * 3600
        for i in range(200):
            dst = "10.1.%d.%d" % (2 + i // 250, 1 + i % 250)
            for port in (22, 23, 80, 135, 139, 443, 445, 3389, 5985, 8443):
                x = r.random()
                state = "SF" if x < 0.08 else "REJ" if x < 0.6 else "S0"
                self.add(t, SCANNER, dst, port, out=0 if state != "SF" else 60, inb=0,
                         dur=0 if state != "SF" else 0.01, state=state)
                t += r.uniform(0.05, 0.3)

    def build(self):
        for i, h in enumerate(WORKSTATIONS):
            self.browsing(h, via_proxy=i % 2 == 1 and h not in PLANTED)
            self.mail_client(h)
            self.background(h)
        for h in APPS + [RELAY, PROXY, BACKUP, MONITOR, DNS]:
            self.background(h)
        self.servers()
        if not self.clean:
            self.planted()
        self.conns.sort(key=lambda c: c[0])
        return self.conns


# ---- writers ----

def _hms(ts):
    s = int(ts) - DAY
    return "Mar  4 %02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)


def write_netfilter(conns, path):
    """Netfilter LOG lines: one per new connection (the SYN), and, as a rule that logs bulk
    flows does, one per 64 KiB segment of connections over 10 MB."""
    rng = random.Random(7)
    with open(path, "w") as f:
        f.write("Mar  4 00:00:01 fw01 systemd[1]: Started Daily apt download activities.\n")
        for ts, src, sport, dst, dport, proto, out, inb, dur, state in conns:
            verdict = {"SF": "ACCEPT", "REJ": "REJECT", "S0": "DROP"}[state]
            head = "%s fw01 kernel: [%d.%06d] FW-%s: IN=eth1 OUT=eth0 MAC=00:16:3e:aa:bb:cc:00:16:3e:11:22:33:08:00 SRC=%s DST=%s " % (
                _hms(ts), int(ts - DAY) + 1000, rng.randrange(10 ** 6), verdict, src, dst)
            if proto == "udp":
                f.write(head + "LEN=%d TOS=0x00 PREC=0x00 TTL=63 ID=%d PROTO=UDP SPT=%d DPT=%d LEN=%d\n"
                        % (out + 28, rng.randrange(65536), sport, dport, out + 8))
                continue
            f.write(head + "LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=%d DF PROTO=TCP SPT=%d DPT=%d "
                    "WINDOW=64240 RES=0x00 SYN URGP=0\n" % (rng.randrange(65536), sport, dport))
            if out >= 10 << 20:
                step = dur / (out / 65535.0)
                t, left = ts, out
                while left > 0:
                    t += step
                    n = min(65535, left)
                    left -= n
                    f.write("%s fw01 kernel: [%d.000000] FW-ACCEPT: IN=eth1 OUT=eth0 SRC=%s DST=%s "
                            "LEN=%d TOS=0x00 PREC=0x00 TTL=63 ID=1 DF PROTO=TCP SPT=%d DPT=%d "
                            "WINDOW=502 RES=0x00 ACK PSH URGP=0\n" % (_hms(t), int(t - DAY) + 1000,
                                                                       src, dst, n, sport, dport))


ZEEK_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
               "duration", "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp",
               "missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts",
               "resp_ip_bytes", "tunnel_parents"]
SERVICE = {25: "smtp", 53: "dns", 80: "http", 123: "ntp", 443: "ssl", 587: "smtp", 993: "ssl"}


def _zeek_values(c, i):
    ts, src, sport, dst, dport, proto, out, inb, dur, state = c
    answered = state == "SF"
    return ["%.6f" % ts, "C%015x" % (i * 2654435761 % (1 << 60)), src, sport, dst, dport, proto,
            SERVICE.get(dport, "-") if answered else "-", "%.6f" % dur if answered else "-",
            out if answered else 0, inb if answered else 0, state, "T",
            "F" if not dst.startswith("10.") else "T", 0,
            {"SF": "ShADadFf", "REJ": "Sr", "S0": "S"}[state], 1 + out // 1400,
            40 + out + 40 * (out // 1400), 1 + inb // 1400 if answered else 0,
            inb + 40 * (inb // 1400) if answered else 0, "(empty)"]


def write_zeek(conns, path):
    with open(path, "w") as f:
        f.write("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
                "#path\tconn\n#open\t2024-03-04-00-00-00\n")
        f.write("#fields\t" + "\t".join(ZEEK_FIELDS) + "\n")
        f.write("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\t"
                "count\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n")
        for i, c in enumerate(conns):
            f.write("\t".join(str(v) for v in _zeek_values(c, i)) + "\n")
        f.write("#close\t2024-03-05-00-00-00\n")


def write_zeek_json(conns, path):
    with open(path, "w") as f:
        for i, c in enumerate(conns):
            v = dict(zip(ZEEK_FIELDS, _zeek_values(c, i)))
            obj = {}
            for k in ZEEK_FIELDS:
                x = v[k]
                if x == "-" or x == "(empty)":
                    continue
                if k in ("ts", "duration"):
                    x = float(x)
                elif k in ("local_orig", "local_resp"):
                    x = x == "T"
                obj[k] = x
            obj["tunnel_parents"] = []
            f.write(json.dumps(obj, separators=(",", ":")) + "\n")


def write_csv(conns, path):
    with open(path, "w") as f:
        f.write("ts,src,sport,dst,dport,proto,bytes_out,bytes_in,duration,state\n")
        for ts, src, sport, dst, dport, proto, out, inb, dur, state in conns:
            st = {"SF": "ok", "REJ": "refused", "S0": "timeout"}[state]
            f.write("%.3f,%s,%d,%s,%d,%s,%d,%d,%.3f,%s\n" % (ts, src, sport, dst, dport, proto,
                                                           out, inb, dur, st))


WRITERS = {"netfilter": (write_netfilter, "fw.log"), "zeek": (write_zeek, "conn.log"),
           "zeek-json": (write_zeek_json, "conn.json"), "csv": (write_csv, "flows.csv")}


def generate(outdir, formats=tuple(WRITERS), seed=1, clean=False):
    """Writes the logs; returns {format: path}."""
    conns = Day(seed, clean).build()
    out = {}
    for name in formats:
        fn, fname = WRITERS[name]
        path = Path(outdir) / (("clean-" if clean else "") + fname)
        fn(conns, path)
        out[name] = path
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--format", action="append", choices=sorted(WRITERS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clean", action="store_true", help="no planted behaviour")
    a = ap.parse_args()
    Path(a.outdir).mkdir(parents=True, exist_ok=True)
    for name, path in generate(a.outdir, a.format or tuple(WRITERS), a.seed, a.clean).items():
        print("%s %s" % (name, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
