#!/usr/bin/env python3
"""
test_office_crypto.py - end-to-end tests of encrypted Office documents (src/ingest/
office_crypto.c): documents encrypted at test time by tests/gen/office_encrypt.py (Agile,
Standard, Excel RC4 and RC4 CryptoAPI) and the oletools documents.  A document encrypted with
Excel's default password, a password given with --password or one written in the carrying
mail is opened and analysed (its DDE field, EICAR member or marker is found); an unknown
password, XOR obfuscation, Word/PowerPoint 97-2003 encryption or a key derivation over the cap
leave encrypted.office and the verdict unscannable, never clean.

Uses the case table machinery of test_scan.py.  Usage: test_office_crypto.py --flowgate PATH
[-k SUBSTRING]... [-v]; prints "N passed, N failed[, N skipped]" last.
"""
import argparse
import io
import os
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import runner  # noqa: E402
import test_scan as S  # noqa: E402
from test_scan import Case, Expect, files, put  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gen"))
import fixtures as F  # noqa: E402
import office_encrypt as O  # noqa: E402

PW = "Sesame-42"
DDE_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body><w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>'
           ' DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe" </w:instrText></w:r>'
           '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:body></w:document>')


def dde_docx():
    """The fixtures' docx with a DDEAUTO field as its document body."""
    with zipfile.ZipFile(io.BytesIO(F.ooxml_bytes("docx"))) as z:
        members = [(n, DDE_XML.encode() if n == "word/document.xml" else z.read(n))
                   for n in z.namelist()]
    return F.zip_bytes(members)


def eicar_docx():
    return F.ooxml_bytes("docx", {"word/media/eicar.com": F.EICAR})


def benign_docx():
    return F.ooxml_bytes("docx")


def xls_marker(tag, **kw):
    return O.xls_bytes(text=F.marker(tag), **kw)


def mail_with(name, data, body):
    return F.mail_bytes(subject="Invoice", body=body, attachments=[F.Attachment(name, data)])


OPENED = Expect("*.docx", "encrypted.opened")
DEFAULT = "the default password VelvetSweatshop"


def no_opened_and_says(text):
    def check(t, r):
        found = [f for o in r.objects() for f in o["findings"]]
        t.assertFalse([f for f in found if f["id"] == "encrypted.opened"], "encrypted.opened")
        office = [f for f in found if f["id"] == "encrypted.office"]
        t.assertTrue(office, "no encrypted.office")
        t.assertIn(text, " ".join((f.get("evidence") or "") + " " + f["message"]
                                  for f in office))
    return check


def evidence_has(fid, text):
    def check(t, r):
        ev = [(f.get("evidence") or "") for o in r.objects() for f in o["findings"]
              if f["id"] == fid]
        t.assertTrue(any(text in e for e in ev), "%s evidence %r lacks %r" % (fid, ev, text))
    return check


def over_cap(d):
    info, pkg, _ = O.agile_parts(eicar_docx(), O.DEFAULT_PASSWORD, spin=10)
    info = info.replace(b'spinCount="10"', b'spinCount="4000000000"')
    F.write(d, "slow.docx", F.cfb_bytes({"EncryptionInfo": info, "EncryptedPackage": pkg}))
    return ["slow.docx"]


def xor_xls(d):
    # FILEPASS type 0: Excel 95-style XOR obfuscation (key and verifier only)
    wb = O.bof() + O.biff(0x002F, b"\0\0\x34\x12\x78\x56") + O.biff(0x000A, b"")
    F.write(d, "xor.xls", F.cfb_bytes({"Workbook": wb}))
    return ["xor.xls"]


def biff5_xls(d):
    # Excel 5.0/95: a "Book" stream whose BOF says BIFF5; its FILEPASS is XOR obfuscation
    bof5 = O.biff(0x0809, b"\x00\x05\x05\x00" + b"\0" * 4)
    F.write(d, "old.xls", F.cfb_bytes({"Book": bof5 + O.biff(0x002F, b"\x34\x12\x78\x56")
                                       + O.biff(0x000A, b"")}))
    return ["old.xls"]


MARK = F.marker_rule("E2E_Office_Crypto", "ocr-xls")

CASES = [
    # default password: opened and analysed like any OOXML document
    Case("agile-sha512-default-dde", put("dde.docx", lambda: O.agile_bytes(dde_docx())),
         verdict="malicious", exit=1,
         expect=(OPENED, Expect("dde.docx > EncryptedPackage > word/document.xml", "dde.field")),
         check=evidence_has("encrypted.opened", DEFAULT)),
    Case("agile-sha1-aes128-default-eicar",
         put("e.docx", lambda: O.agile_bytes(eicar_docx(), hash_name="SHA1", key_bits=128)),
         verdict="malicious", exit=1,
         expect=(OPENED, Expect("e.docx > EncryptedPackage > word/media/eicar.com",
                                S.EICAR_ID))),
    Case("standard-aes128-default-eicar", put("s.docx", lambda: O.standard_bytes(eicar_docx())),
         verdict="malicious", exit=1,
         expect=(Expect("s.docx", "encrypted.opened"),
                 Expect("s.docx > EncryptedPackage > word/media/eicar.com", S.EICAR_ID)),
         check=evidence_has("encrypted.opened", "Standard encryption, AES-128")),
    Case("standard-aes256-default-eicar",
         put("s.docx", lambda: O.standard_bytes(eicar_docx(), key_bits=256)),
         verdict="malicious", exit=1,
         expect=(Expect("s.docx > EncryptedPackage > word/media/eicar.com", S.EICAR_ID),)),
    # the benign twin: opened, nothing found, clean (the info finding does not count)
    Case("agile-default-benign-clean", put("ok.docx", lambda: O.agile_bytes(benign_docx())),
         verdict="clean", exit=0, expect=(Expect("ok.docx", "encrypted.opened"),
                                          Expect("ok.docx > EncryptedPackage", type="ooxml")),
         absent=("encrypted.office",)),
    # passwords from the command line and from the carrying mail
    Case("agile-password-option", put("p.docx", lambda: O.agile_bytes(eicar_docx(), PW)),
         args=("--password", PW), verdict="malicious", exit=1,
         expect=(Expect("p.docx", "encrypted.opened"),
                 Expect("p.docx > EncryptedPackage > word/media/eicar.com", S.EICAR_ID)),
         check=evidence_has("encrypted.opened", "password candidate 1 of 1")),
    Case("agile-password-in-mail",
         put("m.eml", lambda: mail_with("report.docx", O.agile_bytes(eicar_docx(), PW),
                                        "The document is protected.\nPassword: %s\n" % PW)),
         verdict="malicious", exit=1,
         expect=(Expect("m.eml > report.docx", "encrypted.opened"),
                 Expect("m.eml > report.docx > EncryptedPackage > word/media/eicar.com",
                        S.EICAR_ID))),
    # unknown password: unscannable with a clear finding, never clean
    Case("agile-unknown-password", put("u.docx", lambda: O.agile_bytes(eicar_docx(), PW)),
         args=("--password", "wrong-1", "--password", "wrong-2"),
         verdict="unscannable", exit=3, expect=(Expect("u.docx", "encrypted.office"),),
         check=no_opened_and_says("neither the default password VelvetSweatshop nor the "
                                  "other 2 candidate(s) opened it")),
    Case("standard-unknown-password", put("u.docx", lambda: O.standard_bytes(eicar_docx(), PW)),
         verdict="unscannable", exit=3, expect=(Expect("u.docx", "encrypted.office"),),
         check=no_opened_and_says("Standard encryption")),
    Case("agile-spin-over-cap", over_cap, verdict="unscannable", exit=3, max_seconds=20,
         expect=(Expect("slow.docx", "encrypted.office"),),
         check=no_opened_and_says("over flowgate's cap")),
    # Excel 97-2003: the Workbook stream is emitted decrypted
    Case("xls-rc4-default-marker",
         files(("book.xls", lambda: xls_marker("ocr-xls")), ("m.yar", MARK.encode()),
               scan=["book.xls"]),
         args=("--rules", "m.yar"), verdict="malicious", exit=1,
         expect=(Expect("book.xls", "encrypted.opened"),
                 Expect("book.xls > Workbook", "yara.E2E_Office_Crypto"))),
    Case("xls-rc4-cryptoapi-default-marker",
         files(("book.xls", lambda: xls_marker("ocr-xls", capi=True)), ("m.yar", MARK.encode()),
               scan=["book.xls"]),
         args=("--rules", "m.yar"), verdict="malicious", exit=1,
         expect=(Expect("book.xls > Workbook", "yara.E2E_Office_Crypto"),),
         check=evidence_has("encrypted.opened", "RC4 CryptoAPI encryption (128-bit key")),
    Case("xls-rc4-unknown-password",
         files(("book.xls", lambda: xls_marker("ocr-xls", password=PW)),
               ("m.yar", MARK.encode()), scan=["book.xls"]),
         args=("--rules", "m.yar"), verdict="unscannable", exit=3,
         expect=(Expect("book.xls", "encrypted.office"),),
         absent=("yara.E2E_Office_Crypto",), check=no_opened_and_says("RC4")),
    Case("xls-xor-obfuscation", xor_xls, verdict="unscannable", exit=3,
         expect=(Expect("xor.xls", "encrypted.office"),), check=no_opened_and_says("XOR")),
    Case("xls-biff5-xor", biff5_xls, verdict="unscannable", exit=3,
         expect=(Expect("old.xls", "encrypted.office"),), check=no_opened_and_says("Excel 5.0/95")),
]

def scanned(t, r):
    for x in r.results:
        t.assertNotIn(x["verdict"], ("unscannable", "error"), "verdict of %s" % x["path"])


# The oletools documents: "*-standardpassword.*" open with Excel's default password; the
# others have passwords nobody gave us and must stay unscannable.  (Verdicts of workbooks are
# left to the analyzers: whatever they find, the document must have been examined.)
CORPUS_CASES = [
    ("autostart-encrypt-standardpassword.xlsm", "clean",
     "*EncryptedPackage > xl/vbaProject.bin > VBA/Modul1.bas", "vba.autoexec"),
    ("autostart-encrypt-standardpassword.xlsb", None,
     "*EncryptedPackage > xl/vbaProject.bin > VBA/Modul1.bas", "vba.autoexec"),
    ("autostart-encrypt-standardpassword.xls", None,
     "*_VBA_PROJECT_CUR/VBA/Modul1.bas", "vba.autoexec"),
    ("dde-test-encrypt-standardpassword.xlsx", "malicious",
     "*EncryptedPackage > xl/externalLinks/externalLink1.xml", "dde.field"),
    ("dde-test-encrypt-standardpassword.xlsm", "malicious",
     "*EncryptedPackage > xl/externalLinks/externalLink1.xml", "dde.field"),
    ("dde-test-encrypt-standardpassword.xlsb", "malicious",
     "*EncryptedPackage > xl/externalLinks/externalLink1.bin", "dde.field"),
    ("dde-test-encrypt-standardpassword.xls", None, "*.xls", "encrypted.opened"),
]
for _name, _verdict, _path, _id in CORPUS_CASES:
    CASES.append(Case("corpus-" + _name, lambda d, n=_name: [str(S.CORPUS / "encrypted" / n)],
                      corpus=True, verdict=_verdict, expect=(Expect(_path, _id),
                                                              Expect("*", "encrypted.opened")),
                      absent=("encrypted.office",), check=scanned))
for _ext in ("doc", "docm", "docx", "ppt", "pptm", "pptx", "xls", "xlsb", "xlsm", "xlsx"):
    CASES.append(Case("corpus-encrypted." + _ext,
                      lambda d, e=_ext: [str(S.CORPUS / "encrypted" / ("encrypted." + e))],
                      corpus=True, verdict="unscannable", exit=3,
                      expect=(Expect("*encrypted." + _ext, "encrypted.office"),),
                      absent=("encrypted.opened",)))


class OfficeCrypto(S.ScanCases):
    """One test per row of CASES (test_scan.py's own rows are not run here)."""


for _t in [a for a in dir(OfficeCrypto) if a.startswith("test_")]:
    setattr(OfficeCrypto, _t, None)  # drop the inherited rows
for _c in CASES:
    setattr(OfficeCrypto, S._test_name(_c.name), lambda self, c=_c: self.run_case(c))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flowgate", required=True, help="the flowgate binary to test")
    ap.add_argument("-k", action="append", default=[], help="run tests whose id has this substring")
    ap.add_argument("-v", action="store_true", help="one line per test")
    a = ap.parse_args()
    S.FLOWGATE = str(Path(a.flowgate).resolve())
    if not os.access(S.FLOWGATE, os.X_OK):
        print("not executable: " + S.FLOWGATE, file=sys.stderr)
        return 2
    return runner.run_suite((OfficeCrypto,), a.k, a.v, "e2e.officecrypto")


if __name__ == "__main__":
    sys.exit(main())
