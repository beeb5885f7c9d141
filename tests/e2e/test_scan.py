#!/usr/bin/env python3
"""
test_scan.py - end-to-end tests of `flowgate scan`: the real binary on inputs built at test time
by tests/gen/fixtures.py (never committed samples; the payload is the EICAR test string or a
marker matched by a rule written beside it).

Most tests are rows of the CASES table: a fixture generator, extra options, the verdict and exit
status a user must see, and findings expected on objects named by their provenance path.  Every
run of the binary is also checked for what must always hold: no signal or sanitizer report, one
well-formed JSON line per input, the root's SHA-256 and size matching the input's.

Usage: test_scan.py --flowgate PATH [-k SUBSTRING]... [-v]
Prints "N passed, N failed[, N skipped]" last and exits non-zero if any test failed.
FG_E2E_SEED=N picks other random corruptions for the broken-input tests (default 0).
"""
import argparse
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "gen"))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
import fixtures as F  # noqa: E402

FLOWGATE = None  # set by main()
__unittest = True  # failures show flowgate's answer, not this file's stack frames
# The oletools test documents, read in place (never copied): <repo>/../shared/corpora/oletools.
CORPUS = Path(os.environ.get("FG_OLETOOLS_CORPUS",
                             HERE.parents[2] / "shared" / "corpora" / "oletools"))

VERDICTS = {"clean", "suspicious", "malicious", "unscannable", "error"}
SEVERITIES = {"info", "low", "medium", "high", "critical"}
EICAR_ID = "yara.EICAR_Test_File"
EICAR_SHA = hashlib.sha256(F.EICAR).hexdigest()
# Per-run wall-clock cap for the binary; the tests that need more say so.
RUN_TIMEOUT = 240


# ---------------------------------------------------------------------------- running flowgate

@dataclass
class Run:
    rc: int
    out: bytes
    err: str
    results: list
    seconds: float

    def by_path(self, path):
        for r in self.results:
            if r["path"] == path:
                return r
        raise AssertionError("no result for input %r; got %s" % (path, [r["path"] for r in
                                                                          self.results]))

    def objects(self):
        return [o for r in self.results for o in r["objects"]]

    def summary(self):
        """A compact picture of what flowgate said, for failure messages."""
        lines = ["exit %d" % self.rc]
        for r in self.results:
            lines.append("%s: %s%s" % (r["path"], r["verdict"],
                                       " (%s)" % r["error"] if "error" in r else ""))
            for o in r["objects"][:40]:
                lines.append("   %s [%s] %s" % (o["path"], o["type"],
                                                " ".join(f["id"] for f in o["findings"][:6])))
            if len(r["objects"]) > 40:
                lines.append("   ... %d objects" % len(r["objects"]))
        if self.err.strip():
            lines.append("stderr: " + self.err.strip()[-600:])
        return "\n".join(lines)


def flowgate(args, cwd, stdin=None, timeout=RUN_TIMEOUT, json_out=True):
    argv = [FLOWGATE, "scan", "--no-progress"] + (["--json"] if json_out else []) + list(args)
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, cwd=cwd, input=stdin if stdin is not None else b"",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError("flowgate did not finish within %d s (hang?): %s"
                             % (timeout, " ".join(argv[2:])[:300]))
    secs = time.monotonic() - t0
    err = p.stderr.decode("utf-8", "replace")
    runner.check_run(p.returncode, err, " ".join(argv[2:])[:300])
    results = []
    if json_out:
        text = p.stdout.decode("utf-8")  # the output must be valid UTF-8
        for n, line in enumerate(text.split("\n")):
            if n == len(text.split("\n")) - 1 and line == "":
                break
            try:
                results.append(json.loads(line))
            except ValueError as e:
                raise AssertionError("stdout line %d is not JSON (%s): %r" % (n + 1, e, line[:300]))
        if text and not text.endswith("\n"):
            raise AssertionError("JSON output does not end with a newline")
        for r in results:
            check_schema(r)
            check_root(r, Path(cwd), stdin)
    return Run(p.returncode, p.stdout, err, results, secs)


def _is_hex64(s):
    return isinstance(s, str) and re.fullmatch(r"[0-9a-f]{64}", s) is not None


def check_schema(r):
    """The --json contract (docs/formats/scan-json.md): fields, types, verdict derivation."""
    where = "result for %r" % r.get("path")
    for k, t in (("path", str), ("sha256", str), ("size", int), ("verdict", str),
                 ("score", int), ("objects", list)):
        if not isinstance(r.get(k), t):
            raise AssertionError("%s: field %r missing or not %s" % (where, k, t.__name__))
    if r["verdict"] not in VERDICTS:
        raise AssertionError("%s: unknown verdict %r" % (where, r["verdict"]))
    if not 0 <= r["score"] <= 100:
        raise AssertionError("%s: score %d out of 0..100" % (where, r["score"]))
    if r["verdict"] == "error":
        if not isinstance(r.get("error"), str) or not r["error"]:
            raise AssertionError("%s: verdict error without an 'error' text" % where)
        return
    too_big = any(f["id"] == "limit.object-size" for f in r["objects"][0]["findings"]) \
        if r["objects"] else False
    if not _is_hex64(r["sha256"]) and not (too_big and r["sha256"] == ""):
        raise AssertionError("%s: sha256 %r is not 64 lower-case hex digits" % (where, r["sha256"]))
    if not r["objects"] or r["objects"][0]["path"] != r["path"]:
        raise AssertionError("%s: the first object must be the input itself" % where)
    depths = [o.get("depth") for o in r["objects"]]
    if not all(isinstance(x, int) for x in depths) or depths[0] != 0 or any(
            b > a + 1 or b < 1 for a, b in zip(depths, depths[1:])):
        raise AssertionError("%s: objects are not in pre-order (depths %s)" % (where, depths[:50]))
    top = -1
    for o in r["objects"]:
        for k, t in (("path", str), ("type", str), ("sha256", str), ("size", int),
                     ("findings", list)):
            if not isinstance(o.get(k), t):
                raise AssertionError("%s: object %r: field %r missing or not %s"
                                     % (where, o.get("path"), k, t.__name__))
        if o is not r["objects"][0] and not o["path"].startswith(r["path"] + " > "):
            raise AssertionError("%s: object path %r is not below the input" % (where, o["path"]))
        if not o["type"] or o["size"] < 0 or not (
                _is_hex64(o["sha256"]) or (too_big and o is r["objects"][0] and o["sha256"] == "")):
            raise AssertionError("%s: object %r has a bad type, sha256 or size" % (where, o["path"]))
        for f in o["findings"]:
            for k in ("id", "severity", "message", "evidence"):
                if not isinstance(f.get(k), str):
                    raise AssertionError("%s: finding on %r lacks string %r" % (where, o["path"], k))
            if f["severity"] not in SEVERITIES:
                raise AssertionError("%s: finding %s has severity %r" % (where, f["id"], f["severity"]))
            if not re.fullmatch(r"[a-z0-9-]+(\.[A-Za-z0-9_.-]+)+", f["id"]):
                raise AssertionError("%s: finding id %r is not dotted" % (where, f["id"]))
            if not f["message"]:
                raise AssertionError("%s: finding %s has no message" % (where, f["id"]))
            top = max(top, ["info", "low", "medium", "high", "critical"].index(f["severity"]))
    nfind = sum(len(o["findings"]) for o in r["objects"])
    want = ("malicious" if top >= 3 else "suspicious" if top == 2 else None)
    if want and r["verdict"] != want:
        raise AssertionError("%s: verdict %s but the highest finding is %s"
                             % (where, r["verdict"], ["info", "low", "medium", "high", "critical"][top]))
    if not want and r["verdict"] in ("malicious", "suspicious"):
        raise AssertionError("%s: verdict %s without a medium or higher finding" % (where, r["verdict"]))
    if r["verdict"] == "unscannable" and nfind == 0:
        raise AssertionError("%s: unscannable without any finding saying why" % where)


def check_root(r, cwd, stdin):
    """The root object describes the input's bytes exactly."""
    if r["verdict"] == "error" or (r["path"] != "-" and not (cwd / r["path"]).is_file()):
        return
    data = stdin if r["path"] == "-" else (cwd / r["path"]).read_bytes()
    if data is None:
        return
    if r["size"] != len(data) or r["objects"][0]["size"] != len(data):
        raise AssertionError("%r: size %d, file has %d bytes" % (r["path"], r["size"], len(data)))
    if r["sha256"] and r["sha256"] != hashlib.sha256(data).hexdigest():
        raise AssertionError("%r: sha256 does not match the input's bytes" % r["path"])


# ---------------------------------------------------------------------------- the case table

@dataclass
class Expect:
    """An object whose full provenance path matches the fnmatch pattern `path` must exist;
    with `id`, it carries that finding; with `type`/`sha256`, it has them."""
    path: str
    id: str = None
    type: str = None
    sha256: str = None


@dataclass
class Case:
    name: str
    gen: object                     # gen(dir) -> list of input arguments (relative to dir)
    args: tuple = ()
    verdict: object = None          # one verdict for every input, or {input: verdict}
    exit: int = None
    expect: tuple = ()
    absent: tuple = ()              # finding ids that must appear nowhere
    raw: tuple = ()                 # strings that must appear verbatim (UTF-8) on stdout
    stdin: object = None            # stdin(dir) -> bytes
    tools: tuple = ()
    corpus: bool = False
    pending: str = ""               # the unpacker this waits for, when it is being written
    timeout: int = RUN_TIMEOUT
    max_seconds: float = None       # the run must end within this (limit.time)
    check: object = None            # check(testcase, run) for what the columns cannot say


def files(*specs, scan=None):
    """A generator writing (name, bytes or a function returning bytes) pairs.  The inputs are
    the names in scan (default: all of them), so rules and lists can be written beside them."""
    def gen(d):
        for name, data in specs:
            F.write(d, name, data() if callable(data) else data)
        return list(scan) if scan is not None else [n for n, _ in specs]
    return gen


def put(name, data):
    return files((name, data))


def hash_list(data):
    return ("%s  known file\n" % hashlib.sha256(data).hexdigest()).encode()


def fmt_case(fmt):
    leaf = fmt.filename + " > " + (fmt.leaf or "*")
    if fmt.unsupported:
        # Known and reported: unscannable, never clean (libarchive has no Deflate64).
        return Case("eicar-in-" + fmt.name, lambda d, f=fmt: [F.build_format(f, d).name],
                    verdict="unscannable", exit=3, tools=fmt.tools,
                    expect=(Expect(fmt.filename, fmt.unsupported, type=fmt.type),))
    return Case("eicar-in-" + fmt.name, lambda d, f=fmt: [F.build_format(f, d).name],
                verdict="malicious", exit=1,
                expect=(Expect(fmt.filename, type=fmt.type), Expect(leaf, EICAR_ID)),
                tools=fmt.tools, pending=fmt.pending)


CASES = [fmt_case(f) for f in F.FORMATS]

# -- mail encodings and structure
CASES += [
    Case("mail-encodings", put("mail.eml", lambda: F.mail_bytes(
        attachments=[F.Attachment("b64.com", F.EICAR, "base64"),
                     F.Attachment("qp.txt", F.EICAR, "quoted-printable", "text/plain"),
                     F.Attachment("uu.com", F.EICAR, "x-uuencode")],
        messages=[F.mail_bytes(subject="Fwd: report", message_id="<fwd@example.org>",
                               attachments=[F.Attachment("inner.com", F.EICAR)])])),
         verdict="malicious", exit=1,
         expect=(Expect("mail.eml", type="mail"),
                 Expect("mail.eml > b64.com", EICAR_ID, sha256=EICAR_SHA),
                 Expect("mail.eml > qp.txt", EICAR_ID, sha256=EICAR_SHA),
                 Expect("mail.eml > uu.com", EICAR_ID, sha256=EICAR_SHA),
                 Expect("mail.eml > *.eml", type="mail"),
                 Expect("mail.eml > *.eml > inner.com", EICAR_ID, sha256=EICAR_SHA))),
    Case("mail-inline-uuencode", put("old.eml", lambda: F.mail_bytes(
        body="Here it is:\n\n" + F.uuencode(F.EICAR, "inline.com").decode() + "\nBye\n",
        body_cte="7bit", charset="us-ascii")),
         verdict="malicious", exit=1, expect=(Expect("old.eml > *inline.com", EICAR_ID),)),
    Case("mail-attachment-name-rfc2231", put("jp.eml", lambda: F.mail_bytes(attachments=[
        F.Attachment("請求書.zip", F.zip_bytes([("eicar.com", F.EICAR)]), name_style="rfc2231")])),
         verdict="malicious", exit=1, raw=("jp.eml > 請求書.zip > eicar.com",),
         expect=(Expect("jp.eml > 請求書.zip > eicar.com", EICAR_ID),)),
    Case("mail-attachment-name-rfc2047", put("jp.eml", lambda: F.mail_bytes(attachments=[
        F.Attachment("請求書.zip", F.zip_bytes([("eicar.com", F.EICAR)]))])),
         verdict="malicious", exit=1, raw=("jp.eml > 請求書.zip > eicar.com",),
         expect=(Expect("jp.eml > 請求書.zip > eicar.com", EICAR_ID),)),
    Case("mail-clean-lf", put("note.eml", lambda: F.mail_bytes(
        subject="Lunch", body="See you at noon.\n", eol="\n")), verdict="clean", exit=0),
    Case("mbox-three-messages", put("inbox.mbox", lambda: F.mbox_bytes([
        F.mail_bytes(subject="one", message_id="<1@x>", body="From here on, plain text.\n"),
        F.mail_bytes(subject="two", message_id="<2@x>",
                     attachments=[F.Attachment("eicar.com", F.EICAR)]),
        F.mail_bytes(subject="three", message_id="<3@x>")])),
         verdict="malicious", exit=1,
         expect=(Expect("inbox.mbox", type="mbox"),
                 Expect("inbox.mbox > message-1.eml", type="mail"),
                 Expect("inbox.mbox > message-3.eml", type="mail"),
                 Expect("inbox.mbox > message-2.eml > eicar.com", EICAR_ID))),
    Case("tnef-in-mail", put("outlook.eml", lambda: F.mail_bytes(attachments=[
        F.Attachment("winmail.dat", F.tnef_bytes([("report.com", F.EICAR)]), "base64",
                     "application/ms-tnef")])),
         verdict="malicious", exit=1, pending="tnef",
         expect=(Expect("outlook.eml > winmail.dat", type="tnef"),
                 Expect("outlook.eml > winmail.dat > report.com", EICAR_ID))),
]

# -- documents: packages inside OLE2 and RTF, PDF streams, the real oletools files
CASES += [
    Case("ole2-package-object", put("embedded.doc", lambda: F.ole2_bytes(
        stream=None, package_name="eicar.com")),
         verdict="malicious", exit=1, pending="ole2",
         expect=(Expect("embedded.doc", type="ole2"), Expect("embedded.doc > *eicar.com", EICAR_ID))),
    Case("ole2-big-stream", put("big.doc", lambda: F.cfb_bytes(
        {"WordDocument": b"\xEC\xA5" + b"\0" * 600, "Data": F.noise(9000, 7) + F.EICAR})),
         verdict="malicious", exit=1, pending="ole2",
         expect=(Expect("big.doc > *Data", EICAR_ID),)),
    Case("pdf-flate-stream", put("report.pdf", lambda: F.pdf_bytes(stream_payload=F.EICAR)),
         verdict="malicious", exit=1, pending="pdf",
         expect=(Expect("report.pdf", type="pdf"), Expect("report.pdf > *", EICAR_ID))),
    Case("rtf-two-objects", put("letter.rtf", lambda: F.rtf_bytes(
        [("readme.txt", b"hello\n"), ("eicar.com", F.EICAR)])),
         verdict="malicious", exit=1, pending="rtf",
         expect=(Expect("letter.rtf", type="rtf"), Expect("letter.rtf > *eicar.com", EICAR_ID))),
    Case("docm-vba-project", put("macro.docm", lambda: F.ooxml_bytes(
        "docm", vba_project=F.cfb_bytes({"VBA/dir": b"\x01" * 40, "Payload": F.EICAR}))),
         verdict="malicious", exit=1, pending="ole2",
         expect=(Expect("macro.docm", type="ooxml"),
                 Expect("macro.docm > word/vbaProject.bin", type="ole2"),
                 Expect("macro.docm > word/vbaProject.bin > *Payload", EICAR_ID))),
    Case("oletools-harmless-clean-docx",
         lambda d: [str(CORPUS / "msodde" / "harmless-clean.docx")],
         verdict="clean", exit=0, corpus=True,
         expect=(Expect("*harmless-clean.docx", type="ooxml"),
                 Expect("*harmless-clean.docx > word/document.xml"))),
    Case("oletools-harmless-clean-doc",
         lambda d: [str(CORPUS / "msodde" / "harmless-clean.doc")],
         verdict="clean", exit=0, corpus=True, expect=(Expect("*harmless-clean.doc", type="ole2"),)),
]

# -- nesting
CASES += [
    Case("nest-mail-zip-docm-part", put("mail.eml", lambda: F.mail_bytes(attachments=[
        F.Attachment("invoice.zip", F.zip_bytes([("invoice.docm", F.ooxml_bytes(
            "docm", {"word/embeddings/oleObject1.bin": F.EICAR}))]))])),
         verdict="malicious", exit=1,
         expect=(Expect("mail.eml > invoice.zip", type="zip"),
                 Expect("mail.eml > invoice.zip > invoice.docm", type="ooxml"),
                 Expect("mail.eml > invoice.zip > invoice.docm > word/embeddings/oleObject1.bin",
                        EICAR_ID))),
    Case("nest-mail-zip-targz-7z", put("mail.eml", lambda: F.mail_bytes(attachments=[
        F.Attachment("bundle.zip", F.zip_bytes([("inner.tar.gz", F.tar_bytes([(
            "pack.7z", F.sevenz_bytes([("eicar.com", F.EICAR)]))], "gz"))]))])),
         verdict="malicious", exit=1, tools=("7z",),
         expect=(Expect("mail.eml > bundle.zip > inner.tar.gz", type="gzip"),
                 Expect("mail.eml > bundle.zip > inner.tar.gz > inner.tar", type="tar"),
                 Expect("mail.eml > bundle.zip > inner.tar.gz > inner.tar > pack.7z", type="7z"),
                 Expect("mail.eml > bundle.zip > inner.tar.gz > inner.tar > pack.7z > eicar.com",
                        EICAR_ID))),
    Case("nest-mbox-mail-zip-zip-xz", put("archive.mbox", lambda: F.mbox_bytes([
        F.mail_bytes(subject="old", message_id="<o@x>"),
        F.mail_bytes(attachments=[F.Attachment("outer.zip", F.zip_bytes([("inner.zip", F.zip_bytes(
            [("data.xz", F.STREAMS["xz"](F.noise(3000, 3) + F.EICAR))]))]))])])),
         verdict="malicious", exit=1,
         expect=(Expect("archive.mbox > message-2.eml > outer.zip > inner.zip > data.xz > *",
                        EICAR_ID),)),
    Case("nest-mail-zip-docm-vba", put("mail.eml", lambda: F.mail_bytes(attachments=[
        F.Attachment("invoice.zip", F.zip_bytes([("invoice.docm", F.ooxml_bytes(
            "docm", vba_project=F.cfb_bytes({"VBA/dir": b"\x01" * 40, "Module1": F.EICAR})))]))])),
         verdict="malicious", exit=1, pending="ole2",
         expect=(Expect("mail.eml > invoice.zip > invoice.docm > word/vbaProject.bin", type="ole2"),
                 Expect("mail.eml > invoice.zip > invoice.docm > word/vbaProject.bin > *Module1",
                        EICAR_ID))),
]

# -- member names
CASES += [
    Case("zip-name-utf8-flag", put("jp-utf8.zip", lambda: F.zip_bytes([("請求書/見積書.txt", F.EICAR)])),
         verdict="malicious", exit=1, raw=("jp-utf8.zip > 請求書/見積書.txt",),
         expect=(Expect("jp-utf8.zip > 請求書/見積書.txt", EICAR_ID),)),
    Case("zip-name-cp932-no-flag", put("jp-sjis.zip", lambda: F.zip_legacy_name_bytes("請求書.txt", F.EICAR)),
         verdict="malicious", exit=1, raw=("jp-sjis.zip > 請求書.txt",),
         expect=(Expect("jp-sjis.zip > 請求書.txt", EICAR_ID),)),
    # 表 and ソ end in byte 0x5C ('\\') in CP932: the name must not be split there.
    Case("zip-name-cp932-5c-trail", put("jp-5c.zip", lambda: F.zip_legacy_name_bytes("ソフト表.txt", F.EICAR)),
         verdict="malicious", exit=1, raw=("jp-5c.zip > ソフト表.txt",),
         expect=(Expect("jp-5c.zip > ソフト表.txt", EICAR_ID),)),
    Case("7z-name-japanese", put("jp.7z", lambda: F.sevenz_bytes([("報告書.txt", F.EICAR)])),
         verdict="malicious", exit=1, tools=("7z",), raw=("jp.7z > 報告書.txt",),
         expect=(Expect("jp.7z > 報告書.txt", EICAR_ID),)),
    Case("name-control-chars-escaped", put("ctl.zip", lambda: F.zip_bytes([("evil\x1b[31m\u202egnp.com", F.EICAR)])),
         verdict="malicious", exit=1, expect=(Expect("ctl.zip > evil*", EICAR_ID),),
         check=lambda t, r: t.assertFalse(any("\x1b" in o["path"] or "\u202e" in o["path"]
                                              for o in r.objects()),
                                          "escape or direction override left in a path")),
]

# -- encrypted archives without, and with given passwords
ENCRYPTED = [  # (label, filename, builder(password), finding, tools, pending)
    ("zip-zipcrypto", "secret.zip", lambda pw: F.zip_encrypted_bytes(
        [("eicar.com", F.EICAR)], pw, avoid=("other", "nope", "infected", "wrong-one")),
     "encrypted.zip", ("zip",), ""),
    ("zip-aes", "secret.zip", lambda pw: F.zip_encrypted_bytes([("eicar.com", F.EICAR)], pw, "aes"),
     "encrypted.zip", ("7z",), ""),
    ("7z", "secret.7z", lambda pw: F.sevenz_bytes([("eicar.com", F.EICAR)], pw),
     "encrypted.7z", ("7z",), "7z-AES"),
    ("7z-mhe", "secret.7z", lambda pw: F.sevenz_bytes([("eicar.com", F.EICAR)], pw, True),
     "encrypted.7z", ("7z",), "7z-AES"),
]
PW_FILE = "# passwords from the incident desk\n\ninfected\nwrong-one\n%s\n"
for label, fn, build, fid, tools, pend in ENCRYPTED:
    CASES += [
        Case("encrypted-%s-no-password" % label, put(fn, lambda b=build: b("Sesame-42")),
             verdict="unscannable", exit=3, tools=tools, expect=(Expect(fn, fid),)),
        Case("encrypted-%s-wrong-password" % label, put(fn, lambda b=build: b("Sesame-42")),
             args=("--password", "nope"), verdict="unscannable", exit=3, tools=tools,
             expect=(Expect(fn, fid),)),
        Case("encrypted-%s-password-option" % label, put(fn, lambda b=build: b("Sesame-42")),
             args=("-p", "other", "--password", "Sesame-42"), verdict="malicious", exit=1,
             tools=tools, pending=pend, expect=(Expect(fn + " > eicar.com", EICAR_ID),),
             absent=(fid,)),
        Case("encrypted-%s-passwords-file" % label,
             files(("pw.txt", (PW_FILE % "Sesame-42").encode()),
                   (fn, lambda b=build: b("Sesame-42")), scan=[fn]),
             args=("--passwords", "pw.txt"), verdict="malicious", exit=1, tools=tools,
             pending=pend, expect=(Expect(fn + " > eicar.com", EICAR_ID),)),
    ]

# -- passwords found in mail text: same mail, a reply in the thread, one mbox
PHRASES = [  # (label, password, body, charset, transfer encoding)
    ("ja-colon", "Abc123", "お世話になっております。\n請求書を送付いたします。\nパスワード：Abc123\n"
     "よろしくお願いいたします。\n", "iso-2022-jp", "7bit"),
    ("ja-kagi", "Xy9!pq", "お世話になっております。\n先ほどお送りしたファイルのパスワードは「Xy9!pq」です。\n",
     "utf-8", "base64"),
    ("zh", "Mm2024#z", "您好，\n附件已加密。\n密码：Mm2024#z\n谢谢！\n", "gb2312", "base64"),
    ("en", "Tr0ub4dor&3", "Hi,\n\nThe password is: Tr0ub4dor&3\n\nRegards,\nJohn\n", "us-ascii",
     "7bit"),
    ("ja-next-line", "Qw8#Lm", "パスワードは下記の通りです。\n\nQw8#Lm\n\n山田\n", "shift_jis", "base64"),
]
LATER = {"ja": "パスワードは別途お送りします。\n", "zh": "密码另行发送。\n",
         "en": "The password will follow in a separate mail.\n"}
SENDER = "Taro Yamada <taro@example.co.jp>"
# build(password, words) -> bytes; words are the mail's other words, none of which may pass
# ZipCrypto's one-byte password check by chance (see encrypted-zip-zipcrypto-decoy-first).
ARCHIVES = {"zip": ("secret.zip", lambda pw, words: F.zip_encrypted_bytes(
    [("eicar.com", F.EICAR)], pw, avoid=F.candidate_words(*words)), ("zip",), ""),
            "7z": ("secret.7z", lambda pw, words: F.sevenz_bytes(
                [("eicar.com", F.EICAR)], pw, True), ("7z",), "7z-AES")}


def thread_mails(phrase, archive):
    """The first mail carries the encrypted archive, the reply (same sender, In-Reply-To and
    References naming the first) carries the password."""
    label, pw, body, cs, cte = phrase
    fn, build, _, _ = ARCHIVES[archive]
    first_body = "請求書を送付します。\n" + LATER[label[:2]]
    first = F.mail_bytes(subject="請求書送付の件", sender=SENDER, message_id="<inv-1@example.co.jp>",
                         body=first_body, attachments=[F.Attachment(
                             fn, build(pw, (first_body, body, "請求書送付の件")))])
    reply = F.mail_bytes(subject="Re: 請求書送付の件", sender=SENDER,
                         message_id="<inv-2@example.co.jp>", in_reply_to="<inv-1@example.co.jp>",
                         body=body, charset=cs, body_cte=cte)
    return first, reply


for phrase in PHRASES:
    label, pw, body, cs, cte = phrase
    for arch, (fn, build, tools, pend) in ARCHIVES.items():
        CASES.append(Case(
            "mail-password-same-mail-%s-%s" % (label, arch),
            put("mail.eml", lambda b=build, pw=pw, body=body, cs=cs, cte=cte, fn=fn: F.mail_bytes(
                body=body, charset=cs, body_cte=cte,
                attachments=[F.Attachment(fn, b(pw, (body, "Invoice")))])),
            verdict="malicious", exit=1, tools=tools, pending=pend,
            expect=(Expect("mail.eml > " + fn + " > eicar.com", EICAR_ID),)))
        for order in ("first", "reply") if arch == "zip" else ("first",):
            def gen(d, phrase=phrase, arch=arch, order=order):
                first, reply = thread_mails(phrase, arch)
                F.write(d, "1-invoice.eml", first)
                F.write(d, "2-reply.eml", reply)
                return ["1-invoice.eml", "2-reply.eml"][::1 if order == "first" else -1]
            CASES.append(Case(
                "mail-password-thread-files-%s-%s-%s-first" % (label, arch, "attachment" if order == "first" else "reply"), gen,
                verdict={"1-invoice.eml": "malicious", "2-reply.eml": "clean"}, exit=1,
                tools=tools, pending=pend,
                expect=(Expect("1-invoice.eml > " + fn + " > eicar.com", EICAR_ID),)))
        CASES.append(Case(
            "mail-password-thread-mbox-%s-%s" % (label, arch),
            put("thread.mbox", lambda phrase=phrase, arch=arch: F.mbox_bytes(
                list(thread_mails(phrase, arch)), sender="taro@example.co.jp")),
            verdict="malicious", exit=1, tools=tools, pending=pend,
            expect=(Expect("thread.mbox > message-1.eml > " + fn + " > eicar.com", EICAR_ID),)))


def html_password_mail(d):
    html = ("<html><body><p>お世話になっております。</p><p>パスワード：<b>Abc123</b></p>"
            "</body></html>")
    z = F.zip_encrypted_bytes([("eicar.com", F.EICAR)], "Abc123",
                              avoid=F.candidate_words(html, "お世話になっております。 Abc123"))
    mail = F.mail_bytes(body=html, body_type="text/html", attachments=[F.Attachment("secret.zip", z)])
    return [F.write(d, "html.eml", mail).name]


def subject_password_thread(d):
    pw = "Zx7mk2"
    subj = "Re: 請求書送付の件 パスワード：" + pw
    first_body = "請求書を送付します。\n" + LATER["ja"]
    first = F.mail_bytes(subject="請求書送付の件", sender=SENDER, message_id="<s-1@example.co.jp>",
                         body=first_body, attachments=[F.Attachment("secret.zip", F.zip_encrypted_bytes(
                             [("eicar.com", F.EICAR)], pw, avoid=F.candidate_words(first_body, subj)))])
    reply = F.mail_bytes(subject=subj, sender=SENDER, message_id="<s-2@example.co.jp>",
                         in_reply_to="<s-1@example.co.jp>", body="\n")
    return [F.write(d, "1.eml", first).name, F.write(d, "2.eml", reply).name]


def unrelated_mails(d, news_first=False):
    first, _ = thread_mails(PHRASES[0], "zip")
    other = F.mail_bytes(subject="Newsletter May", sender="news@elsewhere.example",
                         message_id="<news-5@elsewhere.example>", body=PHRASES[0][2],
                         charset="iso-2022-jp", body_cte="7bit")
    F.write(d, "invoice.eml", first)
    F.write(d, "news.eml", other)
    return ["news.eml", "invoice.eml"] if news_first else ["invoice.eml", "news.eml"]


def decoy_first(d):
    z = F.zip_encrypted_bytes([("eicar.com", F.EICAR)], "Sesame-42")
    F.write(d, "pw.txt", ("%s\nSesame-42\n" % F.zipcrypto_decoy(z)).encode())
    return [F.write(d, "secret.zip", z).name]


CASES += [
    Case("mail-password-in-reply-subject", subject_password_thread,
         verdict={"1.eml": "malicious", "2.eml": "clean"}, exit=1, tools=("zip",),
         expect=(Expect("1.eml > secret.zip > eicar.com", EICAR_ID),)),
    Case("mail-password-html-body", html_password_mail, verdict="malicious", exit=1,
         tools=("zip",), expect=(Expect("html.eml > secret.zip > eicar.com", EICAR_ID),)),
    # A password in a mail of another sender and thread is not tried on this archive, whatever
    # the order of the inputs and the number of workers.
    Case("mail-password-unrelated-mail-not-used", unrelated_mails,
         verdict={"invoice.eml": "unscannable", "news.eml": "clean"}, exit=3,
         expect=(Expect("invoice.eml > secret.zip", "encrypted.zip"),)),
    Case("mail-password-unrelated-mail-not-used-one-job",
         lambda d: unrelated_mails(d, news_first=True), args=("--jobs", "1"),
         verdict={"invoice.eml": "unscannable", "news.eml": "clean"}, exit=3,
         expect=(Expect("invoice.eml > secret.zip", "encrypted.zip"),)),
    # ZipCrypto lets one wrong password in 256 through its header check: a candidate tried
    # before the right one (junk words from a mail are) must not hide it.
    Case("encrypted-zip-zipcrypto-decoy-first", decoy_first, args=("--passwords", "pw.txt"),
         verdict="malicious", exit=1, tools=("zip",),
         expect=(Expect("secret.zip > eicar.com", EICAR_ID),)),
]

# -- limits: each hit makes the input unscannable (never clean), and a payload seen before
# the limit still counts
HEX = b"0123456789abcdef"
CASES += [
    Case("limit-ratio-zip-200MiB-zeros", lambda d: [F.zeros_zip(d / "zeros.zip", 200 << 20).name],
         verdict="unscannable", exit=3, expect=(Expect("zeros.zip", "limit.ratio"),)),
    Case("limit-ratio-gzip-200MiB-zeros", lambda d: [F.zeros_gzip(d / "zeros.gz", 200 << 20).name],
         verdict="unscannable", exit=3, expect=(Expect("zeros.gz", "limit.ratio"),)),
    Case("limit-depth-zip-30-deep", put("deep.zip", lambda: F.nested_zip_bytes(30)),
         verdict="unscannable", exit=3, expect=(Expect("deep.zip > *", "limit.depth"),)),
    Case("limit-depth-raised", put("deep.zip", lambda: F.nested_zip_bytes(30)),
         args=("--max-depth", "40"), verdict="clean", exit=0, absent=("limit.depth",),
         expect=(Expect("deep.zip > *level29.zip > readme.txt"),)),
    Case("limit-depth-payload-inside", put("deep.zip", lambda: F.nested_zip_bytes(
        6, inner=(("eicar.com", F.EICAR),))), args=("--max-depth", "3"),
         verdict="unscannable", exit=3, expect=(Expect("deep.zip > *", "limit.depth"),)),
    Case("limit-object-size-member", put("big.zip", lambda: F.zip_bytes(
        [("small.txt", b"hello\n"), ("big.txt", F.noise(1536 << 10, 5, hexdigits=True))])),
         args=("--max-size", "1M"), verdict="unscannable", exit=3,
         expect=(Expect("big.zip", "limit.object-size"), Expect("big.zip > small.txt"))),
    # Not read at all (docs/internals/limits.md), so its sha256 is "" by the JSON contract.
    Case("limit-object-size-input", put("large.bin", lambda: F.noise(3 << 20, 6)),
         args=("--max-size", "2M"), verdict="unscannable", exit=3,
         expect=(Expect("large.bin", "limit.object-size"),),
         check=lambda t, r: t.assertEqual(r.results[0]["size"], 3 << 20)),
    Case("limit-total-size", put("many-big.zip", lambda: F.zip_bytes(
        [("part%d.txt" % i, F.noise(600 << 10, 10 + i, hexdigits=True)) for i in range(4)])),
         args=("--max-total", "2M"), verdict="unscannable", exit=3,
         expect=(Expect("many-big.zip", "limit.total-size"), Expect("many-big.zip > part0.txt"))),
    Case("limit-objects", put("many.zip", lambda: F.many_members_zip_bytes(60)),
         args=("--max-objects", "10"), verdict="unscannable", exit=3,
         expect=(Expect("many.zip", "limit.objects"),)),
    Case("limit-objects-default-ok", put("many.zip", lambda: F.many_members_zip_bytes(300)),
         verdict="clean", exit=0, absent=("limit.objects",)),
    Case("limit-time", lambda d: [F.repeated_zip(d / "slow.zip", ["z%04d.bin" % i for i in range(1500)],
                                                 4 << 20).name],
         args=("--timeout", "1", "--max-total", "0"), verdict="unscannable", exit=3,
         max_seconds=20, expect=(Expect("slow.zip", "limit.time"),)),
    Case("limit-payload-before-bomb", files(
        ("mixed.zip", lambda: F.zip_bytes([("eicar.com", F.EICAR), ("z.bin", bytes(8 << 20))],
                                          level=9))),
         args=("--max-ratio", "100"), verdict="malicious", exit=1,
         expect=(Expect("mixed.zip", "limit.ratio"), Expect("mixed.zip > eicar.com", EICAR_ID))),
    Case("limit-gzip-zero-prefix-not-tar", put("padded.gz", lambda: F.gzip_bytes(
        bytes(1024) + F.EICAR)), verdict="malicious", exit=1,
         expect=(Expect("padded.gz > *", EICAR_ID),)),
]

# -- rules, lists, verdicts and exit statuses
MARK_RULE = F.marker_rule("E2E_Marker_File", "file-rule")


def rules_dir(d):
    F.write(d, "rules/a.yar", F.marker_rule("E2E_Marker_A", "dir-a").encode())
    F.write(d, "rules/sub/b.yara", F.marker_rule("E2E_Marker_B", "dir-b").encode())
    F.write(d, "rules/notes.txt", b"not a rule file {{{\n")
    F.write(d, "x.zip", F.zip_bytes([("a.txt", b"..." + F.marker("dir-a")), ("b.txt", F.marker("dir-b"))]))
    return ["x.zip"]


CASES += [
    Case("clean-text", put("notes.txt", b"Meeting at 10.\nBring the slides.\n"), verdict="clean",
         exit=0, expect=(Expect("notes.txt", type="text"),)),
    Case("clean-zip-of-text", put("docs.zip", lambda: F.zip_bytes(
        [("a.txt", b"alpha\n" * 100), ("dir/b.txt", b"beta\n")])), verdict="clean", exit=0,
         expect=(Expect("docs.zip > dir/b.txt", type="text"),)),
    Case("clean-empty-file", put("empty", b""), verdict="clean", exit=0),
    Case("error-missing-file", lambda d: ["no-such-file.zip"], verdict="error", exit=2),
    Case("exit-missing-and-clean", files(("ok.txt", b"ok\n"), scan=["ok.txt", "gone.txt"]),
         verdict={"ok.txt": "clean", "gone.txt": "error"}, exit=2),
    Case("exit-missing-and-unscannable", files(
        ("s.zip", lambda: F.zip_encrypted_bytes([("a", b"a")], "pw")), scan=["s.zip", "gone.txt"]),
         verdict={"s.zip": "unscannable", "gone.txt": "error"}, exit=3, tools=("zip",)),
    Case("exit-detected-wins", files(
        ("s.zip", lambda: F.zip_encrypted_bytes([("a", b"a")], "pw")), ("e.com", F.EICAR),
        ("c.txt", b"c\n"), scan=["s.zip", "gone.txt", "e.com", "c.txt"]),
         verdict={"s.zip": "unscannable", "gone.txt": "error", "e.com": "malicious",
                  "c.txt": "clean"}, exit=1, tools=("zip",)),
    Case("rules-file", files(("rules/mark.yar", MARK_RULE.encode()), ("doc.zip", lambda: F.zip_bytes(
        [("m.txt", F.marker("file-rule"))])), scan=["doc.zip"]),
         args=("--rules", "rules/mark.yar"), verdict="malicious", exit=1,
         expect=(Expect("doc.zip > m.txt", "yara.E2E_Marker_File"),)),
    Case("rules-directory", rules_dir, args=("-r", "rules"), verdict="malicious", exit=1,
         expect=(Expect("x.zip > a.txt", "yara.E2E_Marker_A"),
                 Expect("x.zip > b.txt", "yara.E2E_Marker_B"))),
    Case("rules-severity-medium", files(
        ("med.yar", F.marker_rule("E2E_Medium", "medium", "medium").encode()),
        ("m.txt", F.marker("medium")), scan=["m.txt"]),
         args=("--rules", "med.yar"), verdict="suspicious", exit=1,
         expect=(Expect("m.txt", "yara.E2E_Medium"),),
         check=lambda t, r: t.assertEqual(
             [f["severity"] for f in r.objects()[0]["findings"]], ["medium"])),
    Case("rules-no-builtin", put("e.com", F.EICAR), args=("--no-builtin-rules",),
         verdict="clean", exit=0),
    Case("rules-broken-file", files(("bad.yar", b"rule {"), ("x.txt", b"x\n"), scan=["x.txt"]),
         args=("--rules", "bad.yar"), exit=2,
         check=lambda t, r: (t.assertEqual(r.results, []), t.assertIn("bad.yar", r.err))),
    Case("deny-list", files(("plain.txt", b"an ordinary file\n"),
                            ("deny.txt", hash_list(b"an ordinary file\n")), scan=["plain.txt"]),
         args=("--deny", "deny.txt"), verdict="malicious", exit=1,
         expect=(Expect("plain.txt", "hash.deny"),)),
    Case("deny-list-member", files(("p.zip", lambda: F.zip_bytes([("in.txt", b"inner\n")])),
                                   ("deny.txt", hash_list(b"inner\n")), scan=["p.zip"]),
         args=("--deny", "deny.txt"), verdict="malicious", exit=1,
         expect=(Expect("p.zip > in.txt", "hash.deny"),)),
    Case("allow-list-member", files(("a.zip", lambda: F.zip_bytes([("e.com", F.EICAR)])),
                                    ("allow.txt", hash_list(F.EICAR)), scan=["a.zip"]),
         args=("--allow", "allow.txt"), verdict="clean", exit=0,
         expect=(Expect("a.zip > e.com", "hash.allow"),), absent=(EICAR_ID,)),
    Case("allow-list-input", files(("e.com", F.EICAR), ("allow.txt", hash_list(F.EICAR)),
                                   scan=["e.com"]),
         args=("--allow", "allow.txt"), verdict="clean", exit=0,
         expect=(Expect("e.com", "hash.allow"),)),
    Case("stdin-zip", lambda d: ["-"], stdin=lambda d: F.zip_bytes([("eicar.com", F.EICAR)]),
         verdict="malicious", exit=1, expect=(Expect("- > eicar.com", EICAR_ID),)),
    Case("stdin-mail", lambda d: ["-"], stdin=lambda d: F.mail_bytes(
        attachments=[F.Attachment("a.com", F.EICAR)]),
         verdict="malicious", exit=1, expect=(Expect("-", type="mail"), Expect("- > a.com", EICAR_ID))),
    Case("stdin-clean", lambda d: ["-"], stdin=lambda d: b"hello\n", verdict="clean", exit=0),
    Case("stdin-empty", lambda d: ["-"], stdin=lambda d: b"", verdict="clean", exit=0),
    # Like a file over --max-size: a result saying so, and the other inputs still scanned.
    Case("stdin-larger-than-max-size", files(
        ("e.zip", lambda: F.zip_bytes([("eicar.com", F.EICAR)])), scan=["-", "e.zip"]),
         args=("--max-size", "1M"), stdin=lambda d: F.noise(2 << 20, 4),
         verdict={"-": "unscannable", "e.zip": "malicious"}, exit=1,
         expect=(Expect("-", "limit.object-size"),)),
]


def tree(d):
    F.write(d, "tree/a.txt", b"alpha\n")
    F.write(d, "tree/sub/b.zip", F.zip_bytes([("eicar.com", F.EICAR)]))
    F.write(d, "tree/sub/deeper/c.eml", F.mail_bytes(subject="c"))
    F.write(d, "tree/sub/deeper/.hidden", b"hidden file\n")
    return ["tree"]


def check_tree(t, r):
    t.assertEqual(sorted(x["path"] for x in r.results),
                  ["tree/a.txt", "tree/sub/b.zip", "tree/sub/deeper/.hidden", "tree/sub/deeper/c.eml"])


CASES += [
    Case("directory-walked-recursively", tree, exit=1, check=check_tree,
         verdict={"tree/a.txt": "clean", "tree/sub/b.zip": "malicious",
                  "tree/sub/deeper/c.eml": "clean"},
         expect=(Expect("tree/sub/b.zip > eicar.com", EICAR_ID),
                 Expect("tree/sub/deeper/c.eml", type="mail"))),
]


def two_hundred(d):
    names = []
    for i in range(200):
        if i % 3 == 0:
            names.append(F.write(d, "in/%03d.zip" % i, F.zip_bytes(
                [("e%d.com" % i, F.EICAR + b" %d" % i)])).name)
        else:
            names.append(F.write(d, "in/%03d.txt" % i, b"clean file %d\n" % i).name)
    return ["in/" + n for n in names]


def check_200(t, r):
    t.assertEqual(len(r.results), 200)
    t.assertEqual(len({x["path"] for x in r.results}), 200)
    for x in r.results:
        t.assertEqual(x["verdict"], "malicious" if x["path"].endswith(".zip") else "clean", x["path"])


CASES += [
    Case("jobs-2-on-200-inputs", two_hundred, args=("--jobs", "2"), exit=1, check=check_200),
    Case("jobs-1-on-200-inputs", two_hundred, args=("-j", "1"), exit=1, check=check_200),
]


# ---------------------------------------------------------------------------- test classes

class Base(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="fg-e2e-"))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def _find(objects, pattern):
    return [o for o in objects if fnmatch.fnmatchcase(o["path"], pattern)]


class ScanCases(Base):
    """Generated: one test per row of CASES."""

    def run_case(self, c):
        for tool in c.tools:
            if not F.have(tool):
                self.skipTest("%s is not installed" % tool)
        if c.corpus and not CORPUS.is_dir():
            self.skipTest("oletools corpus not found at %s" % CORPUS)
        inputs = [str(x) for x in c.gen(self.dir)]
        stdin = c.stdin(self.dir) if c.stdin else None
        r = flowgate(list(c.args) + inputs, self.dir, stdin=stdin, timeout=c.timeout)
        try:
            self.check_case(c, inputs, r)
        except AssertionError as e:
            note = ("\n(waits for the %s unpacker, which is being written)" % c.pending
                    if c.pending else "")
            raise AssertionError("%s\n--- flowgate said:\n%s%s" % (e, r.summary(), note)) from None

    def check_case(self, c, inputs, r):
        if c.exit is not None:
            self.assertEqual(r.rc, c.exit, "exit status")
        if c.exit != 2 or r.results:
            files = [i for i in inputs if not (self.dir / i).is_dir()]
            if len(files) == len(inputs):
                self.assertEqual(sorted(x["path"] for x in r.results), sorted(inputs),
                                 "one JSON line per input")
        if isinstance(c.verdict, str):
            for x in r.results:
                self.assertEqual(x["verdict"], c.verdict, "verdict of %s" % x["path"])
        elif isinstance(c.verdict, dict):
            for p, v in c.verdict.items():
                self.assertEqual(r.by_path(p)["verdict"], v, "verdict of %s" % p)
        objs = r.objects()
        for e in c.expect:
            found = _find(objs, e.path)
            self.assertTrue(found, "no object matches %r" % e.path)
            if e.id:
                self.assertTrue(any(f["id"] == e.id for o in found for f in o["findings"]),
                                "no finding %s on %r" % (e.id, e.path))
            if e.type:
                self.assertIn(e.type, [o["type"] for o in found], "type of %r" % e.path)
            if e.sha256:
                self.assertIn(e.sha256, [o["sha256"] for o in found], "sha256 of %r" % e.path)
        for fid in c.absent:
            self.assertFalse([o["path"] for o in objs for f in o["findings"] if f["id"] == fid],
                             "finding %s should not be there" % fid)
        out = r.out.decode("utf-8")
        for s in c.raw:
            self.assertIn(s, out, "not in the output as plain UTF-8")
        if c.max_seconds is not None:
            self.assertLess(r.seconds, c.max_seconds, "took too long")
        if c.check:
            c.check(self, r)


def _test_name(s):
    return "test_" + re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_")


for _c in CASES:
    assert not hasattr(ScanCases, _test_name(_c.name)), "duplicate case " + _c.name
    setattr(ScanCases, _test_name(_c.name), lambda self, c=_c: self.run_case(c))


class BrokenInputs(Base):
    """Truncated and corrupted variants of every format: a finding or a clean verdict, never a
    crash, a hang or a missing line.  One run per format; a crash is then narrowed down."""

    def run_format(self, fmt):
        for tool in fmt.tools:
            if not F.have(tool):
                self.skipTest("%s is not installed" % tool)
        data = fmt.build("eicar.com", F.EICAR)
        names = []
        seed = sum(fmt.name.encode()) + 1000 * int(os.environ.get("FG_E2E_SEED", "0"))
        for label, v in F.broken_variants(data, seed=seed):
            names.append(F.write(self.dir, "%s.%s" % (label, fmt.filename), v).name)
        try:
            r = flowgate(["--jobs", "2", "--timeout", "30"] + list(fmt.extra.get("args", ()))
                         + names, self.dir)
        except AssertionError as e:
            bad = []
            for n in names:
                try:
                    flowgate(["--timeout", "30"] + list(fmt.extra.get("args", ())) + [n], self.dir)
                except AssertionError as e1:
                    bad.append("%s: %s" % (n, str(e1).splitlines()[0]))
            raise AssertionError("%s\nfailing variants:\n  %s" % (str(e).splitlines()[0],
                                                                   "\n  ".join(bad))) from None
        self.assertIn(r.rc, (0, 1, 2, 3))
        self.assertEqual(sorted(x["path"] for x in r.results), sorted(names),
                         "one JSON line per input")
        for x in r.results:
            self.assertIn(x["verdict"], ("clean", "suspicious", "malicious", "unscannable"),
                          "%s: %s" % (x["path"], x.get("error")))


for _f in F.FORMATS:
    setattr(BrokenInputs, _test_name("broken_" + _f.name), lambda self, f=_f: self.run_format(f))

# Broken encrypted archives, with the right password given so the decryption and the
# decompression behind it see the damage, and broken nestings.
BROKEN_EXTRA = [
    F.Format("7z-aes", "secret.7z", "7z", lambda n, p: F.sevenz_bytes([(n, p * 40)], "pw1"),
             tools=("7z",), extra={"args": ("-p", "pw1")}),
    F.Format("7z-aes-mhe", "secret.7z", "7z",
             lambda n, p: F.sevenz_bytes([(n, p * 40), ("b.txt", b"x" * 3000)], "pw1", True),
             tools=("7z",), extra={"args": ("-p", "pw1")}),
    F.Format("zip-zipcrypto", "secret.zip", "zip",
             lambda n, p: F.zip_encrypted_bytes([(n, p * 40)], "pw1"), tools=("zip",),
             extra={"args": ("-p", "pw1")}),
    F.Format("zip-aes", "secret.zip", "zip",
             lambda n, p: F.zip_encrypted_bytes([(n, p * 40)], "pw1", "aes"), tools=("7z",),
             extra={"args": ("-p", "pw1")}),
    F.Format("mail-zip-docm", "mail.eml", "mail", lambda n, p: F.mail_bytes(attachments=[
        F.Attachment("a.zip", F.zip_bytes([("a.docm", F.ooxml_bytes(
            "docm", {"word/media/" + n: p}, vba_project=F.ole2_bytes(p, package_name=n)))]))])),
    F.Format("ole2-big", "big.doc", "ole2", lambda n, p: F.cfb_bytes(
        {"WordDocument": b"\xEC\xA5" + b"\0" * 5000, "Data": F.noise(20000, 9) + p,
         "ObjectPool/_1/\x01Ole10Native": F.ole10native_bytes(n, p * 100)})),
]
for _f in BROKEN_EXTRA:
    setattr(BrokenInputs, _test_name("broken_" + _f.name), lambda self, f=_f: self.run_format(f))


class CommandLine(Base):
    """What the command line promises apart from scanning."""

    def cli(self, *args, stdin=b""):
        p = subprocess.run([FLOWGATE] + list(args), cwd=self.dir, input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertGreaterEqual(p.returncode, 0, "killed by a signal")
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def test_version(self):
        for opt in ("--version", "-V"):
            rc, out, _ = self.cli(opt)
            self.assertEqual(rc, 0)
            self.assertRegex(out, r"^flowgate \d+\.\d+\.\d+\n$")

    def test_help(self):
        rc, out, _ = self.cli("--help")
        self.assertEqual(rc, 0)
        self.assertIn("scan", out)
        rc, out, _ = self.cli("scan", "--help")
        self.assertEqual(rc, 0)
        for opt in ("--json", "--password", "--passwords", "--rules", "--deny", "--allow",
                    "--max-depth", "--max-size", "--max-objects", "--max-ratio", "--timeout",
                    "--jobs"):
            self.assertIn(opt, out)

    def test_usage_errors(self):
        for args in (("scan",), ("scan", "--no-such-option", "x"), ("scan", "--jobs", "0", "x"),
                     ("scan", "--max-size", "lots", "x"), ("no-such-command",)):
            rc, out, err = self.cli(*args)
            self.assertEqual(rc, 2, args)
            self.assertTrue(err.strip(), "no message on stderr for %s" % (args,))

    def test_text_output(self):
        F.write(self.dir, "e.zip", F.zip_bytes([("eicar.com", F.EICAR)]))
        F.write(self.dir, "ok.txt", b"fine\n")
        r = flowgate(["e.zip", "ok.txt"], self.dir, json_out=False)
        self.assertEqual(r.rc, 1)
        out = r.out.decode()
        self.assertIn("e.zip: malicious", out)
        self.assertIn("e.zip > eicar.com", out)
        self.assertIn(EICAR_ID, out)
        self.assertIn("ok.txt: clean", out)
        r = flowgate(["-q", "e.zip", "ok.txt"], self.dir, json_out=False)
        self.assertNotIn("ok.txt", r.out.decode())

    def test_same_input_twice_same_answer(self):
        F.write(self.dir, "m.eml", F.mail_bytes(attachments=[F.Attachment("a.zip", F.zip_bytes(
            [("eicar.com", F.EICAR)]))]))
        a = flowgate(["m.eml"], self.dir)
        b = flowgate(["--jobs", "2", "m.eml", "m.eml"], self.dir)
        self.assertEqual(len(b.results), 2)
        for x in b.results:
            self.assertEqual(x, a.results[0])


# ---------------------------------------------------------------------------- main

def main():
    global FLOWGATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flowgate", required=True, help="the flowgate binary to test")
    ap.add_argument("-k", action="append", default=[], help="run tests whose id has this substring")
    ap.add_argument("-v", action="store_true", help="one line per test")
    a = ap.parse_args()
    FLOWGATE = str(Path(a.flowgate).resolve())
    if not os.access(FLOWGATE, os.X_OK):
        print("not executable: " + FLOWGATE, file=sys.stderr)
        return 2
    return runner.run_suite((CommandLine, ScanCases, BrokenInputs), a.k, a.v, "e2e")


if __name__ == "__main__":
    sys.exit(main())
