#!/usr/bin/env python3
"""
xls_sample.py - builds inert Excel 4.0 (XLM) macro workbooks and their benign twins at test
time: BIFF8 and BIFF5 .xls (an OLE2 file with a Workbook/Book stream of BOF, BOUNDSHEET, NAME,
SUPBOOK, FORMULA and EOF records), .xlsm-like and .xlsb-like packages with a macro sheet
part, and SYLK text.  No library writes macro sheets, so the records are written here from
[MS-XLS] / [MS-XLSB].  The macros only name harmless programs (calc) and reserved addresses;
nothing here runs.  Run as a script: writes every sample into the directory given.
"""
import io
import os
import struct
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402  (cfb_bytes: the OLE2 container)

# ---------------------------------------------------------------- formula tokens (ptgs)

# Function ids ([MS-XLS] Ftab) and macro commands (Cetab, stored with bit 15 set).
EXEC, CHAR, REGISTER, CALL, HALT, SUM, GET_WORKSPACE, FWRITELN = 110, 111, 149, 150, 54, 4, 186, 137
FORMULA_CMD, ALERT_CMD = 0x8060, 0x8076


def ptg_str(s, biff=8):
    b = s.encode("latin-1")
    if biff == 8:
        return b"\x17" + bytes([len(b), 0]) + b
    if biff == 12:
        return b"\x17" + struct.pack("<H", len(s)) + s.encode("utf-16-le")
    return b"\x17" + bytes([len(b)]) + b


def ptg_int(n):
    return b"\x1e" + struct.pack("<H", n)


def ptg_funcvar(fid, argc):
    return b"\x42" + bytes([argc]) + struct.pack("<H", fid)


def ptg_func(fid):
    return b"\x41" + struct.pack("<H", fid)


def ptg_ref(row, col, biff=8):
    if biff == 12:
        return b"\x44" + struct.pack("<IH", row, col | 0xC000)
    if biff == 5:
        return b"\x44" + struct.pack("<HB", row | 0xC000, col)
    return b"\x44" + struct.pack("<HH", row, col | 0xC000)


def ptg_area(r1, r2, c1, c2):
    return b"\x25" + struct.pack("<HHHH", r1, r2, c1 | 0xC000, c2 | 0xC000)


def ptg_ref3d(ixti, row, col, biff=8):
    if biff == 5:  # ixals, 8 reserved bytes, itabFirst, itabLast, row, col
        return b"\x3a" + struct.pack("<h8shhHB", -1, b"\0" * 8, ixti, ixti, row, col)
    return b"\x3a" + struct.pack("<HHH", ixti, row, col)


CONCAT = b"\x08"


def chars(s):
    """CHAR(99)&CHAR(97)&...: how hostile macros hide their strings."""
    out = b""
    for i, c in enumerate(s):
        out += ptg_int(ord(c)) + ptg_func(CHAR)
        if i:
            out += CONCAT
    return out


# ---------------------------------------------------------------- BIFF5/8 records

def rec(rtype, body):
    return struct.pack("<HH", rtype, len(body)) + body


def bof(dt, biff=8):
    if biff == 8:
        return rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x0206))
    return rec(0x0809, struct.pack("<HHHH", 0x0500, dt, 0x0DBB, 0x07CC))


EOF = rec(0x000A, b"")


def boundsheet(name, kind, state, pos, biff=8):
    """kind: 0 worksheet, 1 macro sheet; state: 0 visible, 1 hidden, 2 very hidden."""
    n = name.encode("latin-1")
    if biff == 8:
        return rec(0x0085, struct.pack("<IBBBB", pos, state, kind, len(n), 0) + n)
    return rec(0x0085, struct.pack("<IBBB", pos, state, kind, len(n)) + n)


def name_builtin(code, rgce, biff=8, itab=1):
    """A NAME record for a built-in name (1: Auto_Open) pointing at rgce."""
    body = struct.pack("<HBBHHHBBBB", 0x0020, 0, 1, len(rgce), 0, itab, 0, 0, 0, 0)
    body += (b"\x00" if biff == 8 else b"") + bytes([code]) + rgce
    return rec(0x0018, body)


def name_text(text, rgce, biff=8):
    n = text.encode("latin-1")
    body = struct.pack("<HBBHHHBBBB", 0, 0, len(n), len(rgce), 0, 0, 0, 0, 0, 0)
    return rec(0x0018, body + (b"\x00" if biff == 8 else b"") + n + rgce)


def formula(row, col, rgce):
    return rec(0x0006, struct.pack("<HHH8sHIH", row, col, 15, b"\0" * 8, 0, 0, len(rgce)) + rgce)


def supbook_self(nsheets):
    return rec(0x01AE, struct.pack("<HH", nsheets, 0x0401))


def supbook_dde(app, topic):
    path = (app + "\x03" + topic).encode("latin-1")
    return rec(0x01AE, struct.pack("<HHB", 0, len(path), 0) + path)


def supbook_external(path):
    p = path.encode("latin-1")
    return rec(0x01AE, struct.pack("<HHB", 1, len(p), 0) + p + struct.pack("<HB", 6, 0) +
               b"Sheet1")


def externname(item):
    i = item.encode("latin-1")
    return rec(0x0023, struct.pack("<HIBB", 0x0002, 0, len(i), 0) + i + b"\x02\0\0\0\0")


def externsheet(entries):
    return rec(0x0017, struct.pack("<H", len(entries)) +
               b"".join(struct.pack("<Hhh", *e) for e in entries))


def split_continue(record, at):
    """The same record cut into the record and a CONTINUE after 'at' body bytes."""
    rtype, = struct.unpack_from("<H", record)
    body = record[4:]
    return rec(rtype, body[:at]) + rec(0x003C, body[at:])


def workbook_stream(sheets, globals_extra=b"", biff=8):
    """sheets: [(name, kind, state, [records of its substream])]; globals_extra: records
    after the BOUNDSHEETs (NAME, SUPBOOK ...).  BOUNDSHEET offsets are filled in."""
    def build(positions):
        g = bof(0x0005, biff)
        for (name, kind, state, _), pos in zip(sheets, positions):
            g += boundsheet(name, kind, state, pos, biff)
        return g + globals_extra + EOF

    glob = build([0] * len(sheets))
    positions, pos, subs = [], len(glob), b""
    for name, kind, state, records in sheets:
        sub = bof(0x0040 if kind == 1 else 0x0010, biff) + b"".join(records) + EOF
        positions.append(pos)
        pos += len(sub)
        subs += sub
    return build(positions) + subs


def xls_bytes(stream, biff=8):
    return fixtures.cfb_bytes({"Workbook" if biff == 8 else "Book": stream})


# ---------------------------------------------------------------- the samples

def xlm_malicious(biff=8, stream_only=False):
    """A very hidden macro sheet run by Auto_Open: REGISTER of URLDownloadToFileA, a CALL, an
    EXEC spelled with CHAR(), an environment check and HALT.  stream_only: the Workbook
    stream alone (the fuzz target "biff" reads streams)."""
    s = lambda t: ptg_str(t, biff)  # noqa: E731
    cells = [
        s("This workbook needs Excel") + ptg_funcvar(ALERT_CMD, 1),
        ptg_int(1) + ptg_func(GET_WORKSPACE),
        s("urlmon") + s("URLDownloadToFileA") + s("JJCCJJ") + s("DownloadIt") +
        ptg_funcvar(REGISTER, 4),
        s("Kernel32") + s("GetTickCount") + s("J") + ptg_funcvar(CALL, 3),
        chars("calc.exe") + ptg_funcvar(EXEC, 1),
        ptg_funcvar(HALT, 0),
    ]
    records = [formula(r, 0, rgce) for r, rgce in enumerate(cells)]
    target = ptg_ref3d(0, 0, 0, biff)
    extra = ((supbook_self(2) + externsheet([(0, 0, 0)]) if biff == 8 else b"") +
             name_builtin(1, target, biff))
    sheets = [("Macro1", 1, 2, records), ("Sheet1", 0, 0, [])]
    stream = workbook_stream(sheets, extra, biff)
    return stream if stream_only else xls_bytes(stream, biff)


def xlm_exec_continue():
    """A visible macro sheet whose EXEC formula record is split by a CONTINUE record, and
    an Auto_Open name in text form (Auto_Open2 runs too)."""
    f = formula(0, 0, ptg_str("cmd /c calc") + ptg_funcvar(EXEC, 1))
    records = [split_continue(f, 26), formula(1, 0, ptg_funcvar(HALT, 0))]
    extra = supbook_self(1) + externsheet([(0, 0, 0)]) + name_text("Auto_Open2", ptg_ref3d(0, 0, 0))
    return xls_bytes(workbook_stream([("Macro1", 1, 0, records)], extra))


def xls_benign():
    """An ordinary workbook: a worksheet with numbers summed up, an external workbook link."""
    records = [formula(r, 1, ptg_ref(r, 0) + ptg_int(2) + b"\x05") for r in range(5)]
    records.append(formula(5, 1, ptg_area(0, 4, 1, 1) + b"\x19\x10\x00\x00"))  # SUM via tAttrSum
    records.append(formula(6, 1, ptg_str("Total: ") + ptg_ref(5, 1) + CONCAT))
    extra = supbook_external("C:\\Reports\\budget.xls") + externname("Total")
    return xls_bytes(workbook_stream([("Sheet1", 0, 0, records)], extra))


def xls_dde(app="cmd", topic="/c calc", item="A0"):
    """A DDE link (SUPBOOK with an application and topic) and a formula that uses it."""
    records = [formula(0, 0, b"\x59" + struct.pack("<HHH", 0, 1, 0))]  # ptgNameXV
    extra = supbook_dde(app, topic) + externname(item) + externsheet([(0, -2, -2)])
    return xls_bytes(workbook_stream([("Sheet1", 0, 0, records)], extra))


# ---------------------------------------------------------------- packages

CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
      'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
      '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
      'ContentType="application/xml"/><Override PartName="/xl/workbook.%s" ContentType="%s"/>'
      '</Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
             '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
             'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships/officeDocument" Target="xl/workbook.%s"/></Relationships>')
MACRO_REL = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
SHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


def _wb_rels(rels):
    body = "".join('<Relationship Id="%s" Type="%s" Target="%s"/>' % r for r in rels)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships">%s'
            '</Relationships>' % body)


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def _sheet_xml(root, cells):
    rows = "".join('<row r="%d"><c r="A%d"><f>%s</f></c></row>' % (i + 1, i + 1, f)
                   for i, f in enumerate(cells))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<%s xmlns="http://'
            'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.'
            'microsoft.com/office/excel/2006/main"><sheetData>%s</sheetData></%s>'
            % (root, rows, root.split(" ")[0]))


def xlsm_bytes(malicious=True):
    """malicious: a veryHidden macro sheet, _xlnm.Auto_Open, EXEC and a FORMULA that writes
    a REGISTER formula.  Otherwise its twin: an .xlsx with one worksheet of SUMs."""
    if malicious:
        sheets = ('<sheet name="Sheet1" sheetId="1" r:id="rId2"/><sheet name="Hidden" '
                  'sheetId="2" state="veryHidden" r:id="rId1"/>')
        names = ('<definedNames><definedName name="_xlnm.Auto_Open" hidden="1">Hidden!$A$1'
                 '</definedName></definedNames>')
        rels = [("rId1", MACRO_REL, "macrosheets/sheet1.xml"),
                ("rId2", SHEET_REL, "worksheets/sheet1.xml")]
        macro = _sheet_xml("xm:macrosheet", [
            'FORMULA("=REGISTER(""Kernel32"",""VirtualAlloc"",""JJJJJ"",""VA"",,1,9)",A5)',
            'EXEC("powershell -nop -w hidden -c calc")', "HALT()"])
        parts = [("xl/macrosheets/sheet1.xml", macro)]
        ctype = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    else:
        sheets, names = '<sheet name="Sheet1" sheetId="1" r:id="rId2"/>', ""
        rels = [("rId2", SHEET_REL, "worksheets/sheet1.xml")]
        parts = []
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://'
          'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
          'openxmlformats.org/officeDocument/2006/relationships"><sheets>%s</sheets>%s'
          '</workbook>' % (sheets, names))
    ws = _sheet_xml("worksheet", ["SUM(B1:B4)", "AVERAGE(B1:B4)*2", 'IF(A1&gt;2,"big","small")'])
    return _zip([("[Content_Types].xml", CT % ("xml", ctype)), ("_rels/.rels", ROOT_RELS % "xml"),
                 ("xl/workbook.xml", wb), ("xl/_rels/workbook.xml.rels", _wb_rels(rels)),
                 ("xl/worksheets/sheet1.xml", ws)] + parts)


def _b12(rtype, body):
    """A BIFF12 record: type and size in 7-bit groups."""
    def v(n, maxb):
        out = b""
        for _ in range(maxb):
            b = n & 0x7F
            n >>= 7
            out += bytes([b | (0x80 if n else 0)])
            if not n:
                break
        return out
    return v(rtype, 2) + v(len(body), 4) + body


def _wstr(s):
    return struct.pack("<I", len(s)) + s.encode("utf-16-le")


def xlsb_bytes(malicious=True):
    """malicious: workbook.bin with a hidden macro sheet and Auto_Open, a macro sheet .bin
    whose formula cells (BrtFmlaBool) hold EXEC and CALL.  Otherwise a worksheet only."""
    state = 1 if malicious else 0
    wb = _b12(0x83, b"")  # BrtBeginBook
    wb += _b12(0x9C, struct.pack("<II", 0, 1) + _wstr("rId2") + _wstr("Sheet1"))
    rels = [("rId2", SHEET_REL, "worksheets/sheet1.bin")]
    parts = []
    if malicious:
        wb += _b12(0x9C, struct.pack("<II", state, 2) + _wstr("rId1") + _wstr("Macro1"))
        ref = b"\x3a" + struct.pack("<HIH", 0, 0, 0)
        wb += _b12(0x16A, struct.pack("<Iiii", 1, 0, 1, 1))  # BrtExternSheet: ixti 0 = Macro1
        wb += _b12(0x27, struct.pack("<IBI", 0x20, 0, 0xFFFFFFFF) + _wstr("Auto_Open") +
                   struct.pack("<I", len(ref)) + ref + struct.pack("<I", 0))
        rels.append(("rId1", MACRO_REL, "macrosheets/sheet1.bin"))
        cells = [ptg_str("calc.exe", 12) + ptg_funcvar(EXEC, 1),
                 ptg_str("Shell32", 12) + ptg_str("ShellExecuteA", 12) + ptg_str("JJCCCJJ", 12) +
                 ptg_funcvar(CALL, 3),
                 ptg_funcvar(HALT, 0)]
        ms = _b12(0x81, b"")
        for r, rgce in enumerate(cells):
            ms += _b12(0x00, struct.pack("<I", r) + b"\0" * 13)  # BrtRowHdr
            ms += _b12(0x0A, struct.pack("<II", 0, 0) + b"\0" + struct.pack("<HI", 0, len(rgce)) +
                       rgce + struct.pack("<I", 0))
        parts.append(("xl/macrosheets/sheet1.bin", ms + _b12(0x82, b"")))
    ctype = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
    return _zip([("[Content_Types].xml", CT % ("bin", ctype)), ("_rels/.rels", ROOT_RELS % "bin"),
                 ("xl/workbook.bin", wb + _b12(0x84, b"")),
                 ("xl/_rels/workbook.bin.rels", _wb_rels(rels)),
                 ("xl/worksheets/sheet1.bin", _b12(0x81, b"") + _b12(0x82, b""))] + parts)


def slk_bytes(malicious=True):
    if malicious:
        lines = ["ID;PWXL;N;E", "NN;NAuto_open;ER1C1", 'C;Y1;X1;K0;EEXEC("cmd /c calc")',
                 'C;Y2;X1;K0;ECALL("urlmon","URLDownloadToFileA","JJCCJJ")', "C;Y3;EHALT()", "E"]
    else:
        lines = ["ID;PWXL;N;E", "C;Y1;X1;K2", "C;Y2;X1;K3", "C;Y3;X1;K5;ESUM(R1C1:R2C1)",
                 'C;Y4;X1;K"ok";EIF(R3C1>4,"ok","low")', "E"]
    return ("\r\n".join(lines) + "\r\n").encode()


SAMPLES = {
    "xlm-biff8.xls": lambda: xlm_malicious(8),
    "xlm-biff5.xls": lambda: xlm_malicious(5),
    "xlm-continue.xls": xlm_exec_continue,
    "benign.xls": xls_benign,
    "dde-cmd.xls": xls_dde,
    "dde-feed.xls": lambda: xls_dde("REUTER", "IDN", "EUR="),
    "xlm.xlsm": lambda: xlsm_bytes(True),
    "benign.xlsx": lambda: xlsm_bytes(False),
    "xlm.xlsb": lambda: xlsb_bytes(True),
    "benign.xlsb": lambda: xlsb_bytes(False),
    "xlm.slk": lambda: slk_bytes(True),
    "benign.slk": lambda: slk_bytes(False),
}


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, build in SAMPLES.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(build())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
