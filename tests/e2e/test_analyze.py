#!/usr/bin/env python3
"""
test_analyze.py - end-to-end tests of `flowgate analyze`: the real binary on programs built at
test time.  ELF samples are small C programs compiled with gcc that call the APIs a capability
rule looks for (sockets, DNS, zlib, /proc/self/status ...) and do nothing harmful; PE samples
are inert images built by tests/gen/pe_sample.py whose import tables and strings name Windows
APIs.  Nothing here is malware and nothing is committed as a sample.

Most tests are rows of the SAMPLES table: how to build the sample, and what a user must be told
(format, network, exfiltration, packed, capability rule ids that must and must not appear).
Every run is also checked for what must always hold: no signal, no sanitizer report, one
well-formed JSON object per sample with the documented fields, the SHA-256 of the input.

Usage: test_analyze.py --flowgate PATH [-k SUBSTRING]... [-v]
Prints "N passed, N failed[, N skipped]" last and exits non-zero if any test failed.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "gen"))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
import pe_sample as P  # noqa: E402

FLOWGATE = None  # set by main()
__unittest = True
RUN_TIMEOUT = 120
GCC = shutil.which("gcc")
FIELDS = {"path": str, "sha256": str, "size": int, "format": str, "network": bool,
          "network_reason": str, "exfiltration": str, "exfiltration_reason": str, "packed": str,
          "packed_evidence": list, "capabilities": list, "facts": dict, "warnings": list}


# ---------------------------------------------------------------------------- running flowgate

@dataclass
class Run:
    rc: int
    out: str
    err: str
    results: list


def flowgate(args, cwd, json_out=True, stdin=b""):
    argv = [FLOWGATE, "analyze"] + (["--json"] if json_out else []) + list(args)
    try:
        p = subprocess.run(argv, cwd=cwd, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError("flowgate analyze did not finish: %s" % " ".join(argv[2:]))
    err = p.stderr.decode("utf-8", "replace")
    runner.check_run(p.returncode, err, " ".join(argv[2:]))
    out = p.stdout.decode("utf-8")
    results = []
    if json_out:
        for n, line in enumerate(out.splitlines()):
            try:
                results.append(json.loads(line))
            except ValueError as e:
                raise AssertionError("line %d is not JSON (%s): %r" % (n + 1, e, line[:300]))
        for r in results:
            check_schema(r, Path(cwd))
    return Run(p.returncode, out, err, results)


def check_schema(r, cwd):
    """The --json contract (docs/formats/analyze-json.md)."""
    where = "result for %r" % r.get("path")
    for k, t in FIELDS.items():
        if not isinstance(r.get(k), t):
            raise AssertionError("%s: field %r missing or not %s" % (where, k, t.__name__))
    if r["exfiltration"] not in ("yes", "no", "unknown") or r["packed"] not in ("likely", "no"):
        raise AssertionError("%s: bad exfiltration/packed %r/%r" % (where, r["exfiltration"],
                                                                   r["packed"]))
    if r["format"] not in ("pe", "elf", "unknown"):
        raise AssertionError("%s: unknown format %r" % (where, r["format"]))
    if "error" in r:
        return
    if not r["exfiltration_reason"] or not r["network_reason"]:
        raise AssertionError("%s: a conclusion without its reason" % where)
    if r["packed"] == "likely" and not r["packed_evidence"]:
        raise AssertionError("%s: packed without evidence" % where)
    for c in r["capabilities"]:
        for k in ("id", "name", "namespace", "description", "evidence"):
            if not isinstance(c.get(k), str) or (k != "description" and not c[k]):
                raise AssertionError("%s: capability lacks %r: %r" % (where, k, c))
        if not isinstance(c.get("attack"), list) or not all(
                isinstance(t, str) and t.startswith("T") for t in c["attack"]):
            raise AssertionError("%s: capability %s has bad attack ids %r" % (where, c["id"],
                                                                            c.get("attack")))
    network = any(c["namespace"].startswith("communication/") for c in r["capabilities"])
    if network != r["network"]:
        raise AssertionError("%s: network %s but communication rules say %s" % (where, r["network"],
                                                                               network))
    if r["path"] != "-" and (cwd / r["path"]).is_file():
        data = (cwd / r["path"]).read_bytes()
        if r["sha256"] != hashlib.sha256(data).hexdigest() or r["size"] != len(data):
            raise AssertionError("%s: sha256 or size does not match the file" % where)


# ---------------------------------------------------------------------------- samples

def compile_c(d, name, source, flags=()):
    src = Path(d) / (name + ".c")
    src.write_text(source)
    out = Path(d) / name
    p = subprocess.run([GCC, "-O1", "-w", "-o", str(out), str(src)] + list(flags),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode:
        raise unittest.SkipTest("gcc failed for %s: %s" % (name, p.stderr.decode()[-300:]))
    return out.name


C_NET = r"""
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (argc < 3 || getaddrinfo(argv[1], argv[2], &hints, &res))
        return 1;
    int fd = socket(res->ai_family, res->ai_socktype, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0)
        puts("connected");
    freeaddrinfo(res);
    return 0;
}
"""

C_ZLIB_NET = r"""
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <zlib.h>
int main(int argc, char **argv)
{
    unsigned char out[256];
    uLongf n = sizeof out;
    const char *text = argc > 1 ? argv[1] : "nothing";
    if (compress2(out, &n, (const Bytef *)text, 8, 9) != Z_OK)
        return 1;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9)};
    if (argc > 2)
        sendto(fd, out, n, 0, (struct sockaddr *)&sa, sizeof sa);
    return 0;
}
"""

C_HELLO = r"""
#include <stdio.h>
int main(void) { puts("hello, world"); return 0; }
"""

C_STRINGS = r"""
#include <stdio.h>
/* Only prints: the strings are what a static analyser sees. */
static const char *const lines[] = {
%s
};
int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 99)
        for (unsigned i = 0; i < sizeof lines / sizeof *lines; i++)
            puts(lines[i]);
    return 0;
}
"""

C_CLIPBOARD_NET = r"""
#include <stdio.h>
#include <sys/socket.h>
int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 99) {
        puts("xclip -o -selection clipboard");
        int fd = socket(2, 1, 0);
        connect(fd, NULL, 0);
    }
    return 0;
}
"""

C_TRACER = r"""
#include <stdio.h>
#include <string.h>
int main(void)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "TracerPid:", 10))
            fputs(line, stdout);
    if (f)
        fclose(f);
    return 0;
}
"""

C_SELFDEL = r"""
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    char me[256];
    ssize_t n = readlink("/proc/self/exe", me, sizeof me - 1);
    if (n > 0 && argc > 99) {
        me[n] = 0;
        unlink(argv[1]); /* never reached in the tests */
    }
    return 0;
}
"""

C_SETUID = r"""
#include <unistd.h>
int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 99 && setuid(0) == 0)
        execl("/bin/sh", "sh", (char *)0);
    return 0;
}
"""

C_PTRACE = r"""
#include <stdio.h>
#include <sys/ptrace.h>
int main(int argc, char **argv)
{
    char path[64];
    if (argc > 99) {
        snprintf(path, sizeof path, "/proc/%d/maps", argc);
        ptrace(PTRACE_ATTACH, argc, 0, 0);
        puts(path);
    }
    (void)argv;
    return 0;
}
"""


def c_strings(*lines):
    return C_STRINGS % ",\n".join('    "%s"' % s.replace("\\", "\\\\").replace('"', '\\"')
                                  for s in lines)


def c_packed(seed=3, size=16384):
    """A stub plus an incompressible payload in an executable section: what a packer leaves."""
    blob = random.Random(seed).randbytes(size)
    return ('__attribute__((section(".text.payload"), used)) static const unsigned char '
            'payload[] = {%s};\n#include <stdio.h>\nint main(void) { puts("unpacking"); '
            'return payload[0] == 7; }\n' % ",".join(str(b) for b in blob))


K32 = "KERNEL32.dll"
BASE_IMPORTS = [(K32, ["ExitProcess", "GetStdHandle", "WriteFile", "GetProcAddress",
                       "LoadLibraryW", "GetLastError", "CloseHandle", "CreateFileW",
                       "ReadFile", "HeapAlloc", "HeapFree", "GetProcessHeap"])]


def pe(imports=(), **kw):
    """A PE with ordinary kernel32 imports plus the given ones."""
    merged = {}
    for dll, fns in list(BASE_IMPORTS) + list(imports):
        merged.setdefault(dll, [])
        merged[dll] += [f for f in fns if f not in merged[dll]]
    return P.pe_bytes(imports=list(merged.items()), **kw)


@dataclass
class Sample:
    name: str
    build: object          # (dir) -> file name
    format: str
    network: bool
    exfiltration: str
    packed: str = "no"
    caps: tuple = ()       # rule ids that must be reported
    not_caps: tuple = ()   # rule ids that must not
    no_caps: bool = False  # nothing at all may match
    facts: dict = field(default_factory=dict)
    needs_gcc: bool = False


def write_pe(name, data):
    def build(d):
        (Path(d) / name).write_bytes(data)
        return name
    return build


def elf(name, source, flags=()):
    return lambda d: compile_c(d, name, source, flags)


SAMPLES = [
    # ---- ELF, compiled at test time
    Sample("elf-net", elf("net", C_NET), "elf", True, "no",
           caps=("net_socket_elf", "dns_resolve_elf"), not_caps=("compress_zlib",),
           facts={"linkage": "dynamic"}, needs_gcc=True),
    Sample("elf-zlib-net", elf("zexf", C_ZLIB_NET, ["-lz"]), "elf", True, "yes",
           caps=("net_socket_elf", "compress_zlib"), needs_gcc=True),
    Sample("elf-hello", elf("hello", C_HELLO), "elf", False, "no", no_caps=True,
           facts={"linkage": "dynamic", "stripped": False}, needs_gcc=True),
    Sample("elf-static-net", elf("net_static", C_NET, ["-static"]), "elf", True, "no",
           caps=("net_socket_elf",), facts={"linkage": "static", "interpreter": ""},
           needs_gcc=True),
    Sample("elf-static-stripped", elf("net_static_s", C_NET, ["-static", "-s"]), "elf", True,
           "no", caps=("dns_resolver_static_elf",),
           facts={"linkage": "static", "stripped": True}, needs_gcc=True),
    Sample("elf-packed", elf("packed", c_packed()), "elf", False, "unknown", packed="likely",
           needs_gcc=True),
    Sample("elf-clipboard-net", elf("clipnet", C_CLIPBOARD_NET), "elf", True, "yes",
           caps=("clipboard_elf", "net_socket_elf"), needs_gcc=True),
    Sample("elf-persistence", elf("persist", c_strings(
        "/etc/systemd/system/updater.service", "[Service]", "ExecStart=/usr/local/bin/u",
        "/var/spool/cron/crontabs/root", "echo x >> ~/.bashrc", "/etc/ld.so.preload")),
        "elf", False, "no",
        caps=("systemd_service_elf", "cron_elf", "shell_startup_elf", "preload_hijack_elf"),
        needs_gcc=True),
    Sample("elf-tracer-check", elf("tracer", C_TRACER), "elf", False, "no",
           caps=("tracer_check_elf",), needs_gcc=True),
    Sample("elf-self-delete", elf("selfdel", C_SELFDEL), "elf", False, "no",
           caps=("self_delete_elf",), needs_gcc=True),
    Sample("elf-setuid-shell", elf("suid", C_SETUID), "elf", False, "no",
           caps=("setuid_shell_elf",), needs_gcc=True),
    Sample("elf-ptrace-inject", elf("ptr", C_PTRACE), "elf", False, "no",
           caps=("inject_ptrace_elf",), not_caps=("tracer_check_elf",), needs_gcc=True),
    Sample("elf-archive-cmd", elf("tarcmd", c_strings("tar czf /tmp/.c.tgz /home", "zip -P s3 a.zip b")),
           "elf", False, "no", caps=("archive_with_utility",), needs_gcc=True),
    # ---- PE, built by pe_sample.py
    Sample("pe-plain", write_pe("plain.exe", pe()), "pe", False, "no", no_caps=True,
           facts={"arch": "x86-64", "bits": 64, "signature": False, "overlay": None}),
    Sample("pe-http", write_pe("http.exe", pe([("WININET.dll", ["InternetOpenW",
                                                                 "InternetConnectW",
                                                                 "HttpOpenRequestW",
                                                                 "HttpSendRequestW"])])),
           "pe", True, "no", caps=("http_wininet_pe",)),
    Sample("pe-keylog-exfil", write_pe("klog.exe", pe([
        ("USER32.dll", ["SetWindowsHookExW", "CallNextHookEx", "GetKeyboardState", "ToUnicode",
                        "GetForegroundWindow", "GetWindowTextW", "GetAsyncKeyState"]),
        ("WINHTTP.dll", ["WinHttpOpen", "WinHttpConnect", "WinHttpOpenRequest",
                         "WinHttpSendRequest"])])),
           "pe", True, "yes", caps=("keylog_hook_pe", "keylog_polling_pe", "http_winhttp_pe")),
    Sample("pe-screen-clipboard", write_pe("scr.exe", pe([
        ("GDI32.dll", ["BitBlt", "CreateCompatibleBitmap", "CreateCompatibleDC", "GetDIBits",
                       "SelectObject"]),
        ("USER32.dll", ["GetDC", "ReleaseDC", "OpenClipboard", "GetClipboardData",
                        "CloseClipboard"])])),
           "pe", False, "no", caps=("screenshot_gdi_pe", "clipboard_pe")),
    Sample("pe-inject", write_pe("inj.exe", pe([(K32, ["OpenProcess", "VirtualAllocEx",
                                                       "WriteProcessMemory",
                                                       "CreateRemoteThread"])])),
           "pe", False, "no", caps=("inject_remote_thread_pe",)),
    Sample("pe-persistence", write_pe("pers.exe", pe(
        [("ADVAPI32.dll", ["OpenSCManagerW", "CreateServiceW", "RegSetValueExW"])],
        strings=["W:Software\\Microsoft\\Windows\\CurrentVersion\\Run",
                 "schtasks /create /sc onlogon /tn Updater /tr C:\\u.exe"])),
           "pe", False, "no",
           caps=("registry_run_key", "service_install_pe", "scheduled_task")),
    Sample("pe-anti-analysis", write_pe("anti.exe", pe(
        [(K32, ["IsDebuggerPresent", "CheckRemoteDebuggerPresent", "GetSystemInfo",
                "GlobalMemoryStatusEx", "GetDiskFreeSpaceExW", "Sleep"]),
         ("ntdll.dll", ["NtDelayExecution"])],
        strings=["VBoxService.exe", "vmtoolsd.exe"])),
           "pe", False, "no",
           caps=("debugger_check_pe", "hardware_check_pe", "sleep_evasion_pe", "vm_artifacts")),
    Sample("pe-privilege", write_pe("priv.exe", pe(
        [("ADVAPI32.dll", ["OpenProcessToken", "LookupPrivilegeValueW",
                           "AdjustTokenPrivileges"])], strings=["W:SeDebugPrivilege"])),
           "pe", False, "no", caps=("token_privileges_pe",)),
    Sample("pe-self-delete", write_pe("sdel.exe", pe(
        [(K32, ["MoveFileExW", "GetModuleFileNameW"])],
        strings=["W:cmd.exe /c ping 127.0.0.1 -n 3 > nul & del /f /q \"%s\""])),
           "pe", False, "no", caps=("self_delete_cmd_pe", "self_delete_reboot_pe")),
    Sample("pe-crypto-archive-net", write_pe("arc.exe", pe(
        [("ADVAPI32.dll", ["CryptAcquireContextW", "CryptImportKey", "CryptEncrypt"]),
         ("WS2_32.dll", ["WSAStartup", "socket", "connect", "send"])],
        strings=["7z.exe a -mhe=on -pInfected1 C:\\Users\\Public\\d.7z C:\\Users\\*.docx"])),
           "pe", True, "yes",
           caps=("encrypt_wincrypt_pe", "archive_with_utility", "net_socket_pe")),
    Sample("pe-resolves-by-name", write_pe("dyn.exe", pe(
        strings=["WSAStartup", "socket", "connect", "send", "InternetOpenA",
                 "InternetConnectA", "HttpSendRequestA"])),
           "pe", True, "no", caps=("net_socket_pe", "http_wininet_pe")),
    Sample("pe-packed", write_pe("upx.exe", P.pe_bytes(
        imports=[(K32, ["LoadLibraryA", "GetProcAddress", "VirtualProtect", "ExitProcess"])],
        extra_sections=[("UPX0", b"", True), ("UPX1", P.random_bytes(24576), True)])),
           "pe", False, "unknown", packed="likely"),
    Sample("pe-encrypted-blob", write_pe("blob.exe", P.pe_bytes(
        imports=[(K32, ["VirtualAlloc", "ExitProcess"])],
        extra_sections=[(".data", P.random_bytes(32768, seed=9), False)])),
           "pe", False, "unknown", packed="likely"),
    Sample("pe-signed-overlay", write_pe("signed.exe", pe(overlay=b"SETUPDATA" * 1000,
                                                          signature=True)),
           "pe", False, "no", facts={"signature": True}),
    # ---- neither
    Sample("text-file", write_pe("notes.txt", b"connect send recv InternetOpenA\n"), "unknown",
           False, "unknown", no_caps=True),
]


def imphash(imports):
    """pefile's imphash, computed independently of flowgate."""
    parts = []
    for dll, fns in imports:
        lib = dll.lower()
        for ext in (".dll", ".ocx", ".sys"):
            if lib.endswith(ext):
                lib = lib[:-4]
        parts += ["%s.%s" % (lib, f.lower()) for f in fns]
    return hashlib.md5(",".join(parts).encode()).hexdigest()


class Base(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fg-analyze-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def make_case(s):
    def test(self):
        if s.needs_gcc and not GCC:
            self.skipTest("gcc is not installed")
        name = s.build(self.dir)
        r = flowgate([name], self.dir)
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(len(r.results), 1)
        res = r.results[0]
        ids = [c["id"] for c in res["capabilities"]]
        show = "%s: network %s, exfiltration %s (%s), packed %s %s, capabilities %s" % (
            s.name, res["network"], res["exfiltration"], res["exfiltration_reason"],
            res["packed"], res["packed_evidence"], ids)
        self.assertEqual(res["format"], s.format, show)
        self.assertEqual(res["network"], s.network, show)
        self.assertEqual(res["exfiltration"], s.exfiltration, show)
        self.assertEqual(res["packed"], s.packed, show)
        for c in s.caps:
            self.assertIn(c, ids, show)
        for c in s.not_caps:
            self.assertNotIn(c, ids, show)
        if s.no_caps:
            self.assertEqual(ids, [], show)
        for k, v in s.facts.items():
            self.assertEqual(res["facts"].get(k), v, "%s: fact %s" % (show, k))
        # The conclusion names the rules it rests on.
        if res["exfiltration"] == "yes":
            for c in res["capabilities"]:
                if c["namespace"].startswith(("communication/", "collection/", "data/")):
                    self.assertIn(c["id"], res["exfiltration_reason"])
    test.__name__ = "test_" + s.name.replace("-", "_")
    return test


class Samples(Base):
    pass


for _s in SAMPLES:
    setattr(Samples, "test_" + _s.name.replace("-", "_"), make_case(_s))


class Facts(Base):
    def test_pe_facts(self):
        imports = [(K32, ["ExitProcess", "Sleep"]), ("WS2_32.dll", ["socket", "connect"])]
        data = P.pe_bytes(imports=imports, overlay=b"tail" * 100, signature=True)
        (Path(self.dir) / "f.exe").write_bytes(data)
        f = flowgate(["f.exe"], self.dir).results[0]["facts"]
        self.assertEqual(f["imphash"], imphash(imports))
        self.assertEqual(f["imports_count"], 4)
        self.assertEqual(f["libraries"], [K32, "WS2_32.dll"])
        self.assertIn("WS2_32.dll!connect", f["imports"])
        self.assertTrue(f["signature"])
        self.assertEqual(f["overlay"]["size"], 400)
        self.assertEqual([s["name"] for s in f["sections"]], [".text", ".idata"])
        self.assertEqual(f["sections"][0]["flags"], "r-x")
        self.assertEqual(f["subsystem"], "console")

    def test_elf_facts(self):
        if not GCC:
            self.skipTest("gcc is not installed")
        name = compile_c(self.dir, "z", C_ZLIB_NET, ["-lz"])
        r = flowgate([name], self.dir).results[0]
        f = r["facts"]
        interp = subprocess.run(["readelf", "-l", name], cwd=self.dir, stdout=subprocess.PIPE,
                                universal_newlines=True).stdout if shutil.which("readelf") else ""
        self.assertTrue(f["interpreter"].startswith("/"), f)
        if interp:
            self.assertIn(f["interpreter"], interp)
        self.assertIn("libz.so.1", f["libraries"])
        self.assertIn("compress2", f["imports"])
        self.assertGreater(f["dynamic_symbols"], 3)
        self.assertIn(".text", [s["name"] for s in f["sections"]])
        cap = [c for c in r["capabilities"] if c["id"] == "compress_zlib"][0]
        self.assertIn("compress2", cap["evidence"])
        self.assertEqual(cap["attack"], ["T1560.002"])

    def test_evidence_names_imports(self):
        data = pe([("WS2_32.dll", ["socket", "connect"])])
        (Path(self.dir) / "n.exe").write_bytes(data)
        r = flowgate(["n.exe"], self.dir).results[0]
        cap = [c for c in r["capabilities"] if c["id"] == "net_socket_pe"][0]
        self.assertIn("import WS2_32.dll!connect", cap["evidence"])


class CommandLine(Base):
    def test_help(self):
        p = subprocess.run([FLOWGATE, "analyze", "--help"], stdout=subprocess.PIPE)
        self.assertEqual(p.returncode, 0)
        out = p.stdout.decode()
        for opt in ("--json", "--rules", "--no-builtin-rules", "--max-size", "--timeout"):
            self.assertIn(opt, out)
        p = subprocess.run([FLOWGATE, "--help"], stdout=subprocess.PIPE)
        self.assertIn("analyze", p.stdout.decode())

    def test_usage_errors(self):
        for args in ((), ("--no-such-option", "x"), ("--no-builtin-rules", "x"),
                     ("--max-size", "lots", "x")):
            p = subprocess.run([FLOWGATE, "analyze"] + list(args), cwd=self.dir,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(p.returncode, 2, args)
            self.assertTrue(p.stderr.strip(), args)

    def test_missing_file_is_an_error_others_go_on(self):
        (Path(self.dir) / "p.exe").write_bytes(pe())
        r = flowgate(["nope.exe", "p.exe"], self.dir)
        self.assertEqual(r.rc, 2)
        self.assertEqual([x["path"] for x in r.results], ["nope.exe", "p.exe"])
        self.assertIn("error", r.results[0])
        self.assertNotIn("error", r.results[1])

    def test_too_large(self):
        (Path(self.dir) / "big.exe").write_bytes(pe(overlay=b"\0" * 5000))
        r = flowgate(["--max-size", "4K", "big.exe"], self.dir)
        self.assertEqual(r.rc, 2)
        self.assertIn("size limit", r.results[0]["error"])
        self.assertEqual(r.results[0]["exfiltration"], "unknown")

    def test_text_output(self):
        (Path(self.dir) / "k.exe").write_bytes(pe([
            ("USER32.dll", ["OpenClipboard", "GetClipboardData"]),
            ("WS2_32.dll", ["socket", "connect"])]))
        r = flowgate(["k.exe"], self.dir, json_out=False)
        self.assertEqual(r.rc, 0)
        self.assertIn("network capability: yes", r.out)
        self.assertIn("can exfiltrate data: yes", r.out)
        self.assertIn("clipboard_pe", r.out)
        self.assertIn("T1115", r.out)
        self.assertIn("packed: no", r.out)

    def test_own_rules(self):
        rule = ('rule my_marker_collect\n{\n    meta:\n        capability = "collect marker"\n'
                '        namespace = "collection/marker"\n        attack = "T1005"\n'
                '    strings:\n        $m = "FLOWGATE-ANALYZE-MARKER"\n    condition:\n'
                '        $m\n}\n')
        (Path(self.dir) / "mine.yar").write_text(rule)
        (Path(self.dir) / "m.exe").write_bytes(pe([("WS2_32.dll", ["connect"])],
                                                  strings=["FLOWGATE-ANALYZE-MARKER"]))
        r = flowgate(["--rules", "mine.yar", "m.exe"], self.dir)
        res = r.results[0]
        self.assertEqual(res["exfiltration"], "yes", res)
        self.assertIn("my_marker_collect", res["exfiltration_reason"])
        cap = [c for c in res["capabilities"] if c["id"] == "my_marker_collect"][0]
        self.assertEqual(cap["attack"], ["T1005"])
        self.assertIn("FLOWGATE-ANALYZE-MARKER", cap["evidence"])
        # Only the analyst's rules: no network rule is left, so no network.
        r = flowgate(["--no-builtin-rules", "--rules", "mine.yar", "m.exe"], self.dir)
        self.assertEqual([c["id"] for c in r.results[0]["capabilities"]], ["my_marker_collect"])
        self.assertFalse(r.results[0]["network"])
        (Path(self.dir) / "bad.yar").write_text("rule broken { condition: nope }\n")
        p = subprocess.run([FLOWGATE, "analyze", "--rules", "bad.yar", "m.exe"], cwd=self.dir,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad.yar", p.stderr.decode())

    def test_directory_and_stdin(self):
        (Path(self.dir) / "d").mkdir()
        (Path(self.dir) / "d" / "a.exe").write_bytes(pe())
        (Path(self.dir) / "d" / "b.txt").write_bytes(b"just text\n")
        r = flowgate(["d"], self.dir)
        self.assertEqual(r.rc, 0)
        self.assertEqual(sorted(x["path"] for x in r.results), ["d/a.exe", "d/b.txt"])
        data = pe([("WS2_32.dll", ["connect"])])
        r = flowgate(["-"], self.dir, stdin=data)
        self.assertEqual(r.results[0]["path"], "-")
        self.assertEqual(r.results[0]["sha256"], hashlib.sha256(data).hexdigest())
        self.assertTrue(r.results[0]["network"])


class BrokenInputs(Base):
    """Truncated and corrupted programs: never a crash, always an answer."""

    def corpus(self):
        out = [pe([("WS2_32.dll", ["socket", "connect"])], strings=["W:hello"],
                  overlay=b"x" * 300, signature=True)]
        if GCC:
            name = compile_c(self.dir, "base", C_NET)
            out.append((Path(self.dir) / name).read_bytes())
        return out

    def test_truncated_and_corrupted(self):
        rnd = random.Random(int(os.environ.get("FG_E2E_SEED", "0")))
        d = Path(self.dir) / "broken"
        d.mkdir()
        n = 0
        for base in self.corpus():
            for cut in (8, 64, 0x90, 0x100, 0x200, 0x400, len(base) // 2, len(base) - 1):
                (d / ("cut%03d" % n)).write_bytes(base[:cut])
                n += 1
            for _ in range(40):
                b = bytearray(base)
                for _ in range(rnd.randint(1, 24)):
                    pos = rnd.randrange(0, min(len(b), 4096))
                    b[pos] = rnd.randrange(256)
                (d / ("flip%03d" % n)).write_bytes(bytes(b))
                n += 1
        r = flowgate(["broken"], self.dir)
        self.assertEqual(r.rc, 0, r.err[-2000:])
        self.assertEqual(len(r.results), n)

    def test_hostile_headers(self):
        import struct
        data = bytearray(pe([("WS2_32.dll", ["socket"])]))
        lfanew = struct.unpack_from("<I", data, 0x3C)[0]
        variants = []
        v = bytearray(data)
        struct.pack_into("<H", v, lfanew + 6, 0xFFFF)  # 65535 sections
        variants.append(v)
        v = bytearray(data)
        struct.pack_into("<I", v, lfanew + 24 + 112 + 8, 0xFFFFFFF0)  # import RVA far away
        variants.append(v)
        v = bytearray(data)
        struct.pack_into("<I", v, 0x3C, 0xFFFFFFF0)  # e_lfanew past the end
        variants.append(v)
        for i, v in enumerate(variants):
            (Path(self.dir) / ("h%d.exe" % i)).write_bytes(bytes(v))
        r = flowgate(["h%d.exe" % i for i in range(len(variants))], self.dir)
        self.assertEqual(r.rc, 0)
        self.assertTrue(r.results[0]["warnings"] or r.results[0]["facts"]["sections"])

    def test_empty_file(self):
        (Path(self.dir) / "empty").write_bytes(b"")
        r = flowgate(["empty"], self.dir)
        self.assertEqual(r.rc, 0)
        self.assertEqual(r.results[0]["format"], "unknown")
        self.assertEqual(r.results[0]["exfiltration"], "unknown")


def main():
    global FLOWGATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flowgate", required=True, help="the flowgate binary to test")
    ap.add_argument("-k", action="append", default=[], help="run tests whose id has this substring")
    ap.add_argument("-v", action="store_true", help="one line per test")
    a = ap.parse_args()
    FLOWGATE = str(Path(a.flowgate).resolve())
    return runner.run_suite((Samples, Facts, CommandLine, BrokenInputs), a.k, a.v, "e2e analyze")


if __name__ == "__main__":
    sys.exit(main())
