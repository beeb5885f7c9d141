"""
fixtures.py - builds flowgate's test inputs at test time: mail, archives, documents, bombs and
broken variants of each.  Nothing here is committed as a sample and nothing is live malware:
the payload is the EICAR test string or a marker string matched by a rule written beside it.

Builders named *_bytes() return the file's bytes, so they nest (a zip inside a mail inside an
mbox); the FORMATS table pairs each container format with the builder, the file name and the
type flowgate must report.  Python 3 standard library only, plus the Debian command-line tools
listed in deps/debian-packages.txt (zip, 7z, zstd, cpio, ar, genisoimage, gcab, chmcmd).
"""
import base64
import binascii
import bz2
import email.header
import gzip
import io
import lzma
import os
import quopri
import random
import re
import shutil
import struct
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

# Split so that this source file is not itself detected as the EICAR test file.
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-" + b"ANTIVIRUS-TEST-FILE!$H+H*")
assert len(EICAR) == 68

MARKER_PREFIX = b"FLOWGATE-E2E-MARKER-"


def marker(tag):
    """A unique, harmless string to match with a rule written at test time."""
    return MARKER_PREFIX + tag.encode("ascii")


def marker_rule(name, tag, severity="high"):
    """YARA source matching marker(tag)."""
    return ('rule %s\n{\n    meta:\n        description = "flowgate e2e marker %s"\n'
            '        severity = "%s"\n    strings:\n        $m = "%s"\n'
            '    condition:\n        $m\n}\n' % (name, tag, severity, marker(tag).decode()))


def write(d, name, data):
    """Writes data to d/name (creating folders) and returns the path."""
    p = Path(d) / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def have(tool):
    return shutil.which(tool) is not None


def _run(argv, cwd, stdin=None):
    r = subprocess.run(argv, cwd=cwd, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (argv[0], r.returncode,
                                                   r.stderr.decode(errors="replace")[-400:]))
    return r.stdout


def _with_tool(members, build, suffix=""):
    """Writes members [(name, bytes)] into a scratch folder, lets build(src, out) make the
    archive at out, and returns its bytes.  Member order is kept: tools take the list."""
    with tempfile.TemporaryDirectory(prefix="fg-gen-") as t:
        src = Path(t) / "src"
        src.mkdir()
        for name, data in members:
            write(src, name, data)
        out = Path(t) / ("out" + suffix)
        build(src, out, [n for n, _ in members])
        return out.read_bytes()


def noise(n, seed=1, hexdigits=False):
    """n bytes that do not compress, or (hexdigits) that deflate to about half their size."""
    rnd = random.Random(seed)
    if hexdigits:
        return rnd.randbytes(n // 2 + 1).hex().encode()[:n]
    return rnd.randbytes(n)


# ---------------------------------------------------------------- zip family

ZIP_METHODS = {"stored": zipfile.ZIP_STORED, "deflate": zipfile.ZIP_DEFLATED,
               "bzip2": zipfile.ZIP_BZIP2, "lzma": zipfile.ZIP_LZMA}


def zip_bytes(members, method="deflate", level=None):
    """A zip written by Python's zipfile; method is a ZIP_METHODS key or 'deflate64'."""
    if method == "deflate64":
        return _with_tool(members, _deflate64, ".zip")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", ZIP_METHODS[method], compresslevel=level) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 12, 0, 0))
            zi.compress_type = ZIP_METHODS[method]
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return buf.getvalue()


def _deflate64(src, out, names):
    _run(["7z", "a", "-tzip", "-mm=Deflate64", "-bd", "-bso0", "-bsp0", str(out), "--"]
         + names, src)


def zip_legacy_name_bytes(name, data, codec="cp932"):
    """A zip whose member name is stored in a legacy code page without the UTF-8 flag, as
    Japanese Windows writes them.  zipfile always writes UTF-8 (flag bit 11) for non-ASCII
    names, so an ASCII placeholder of the same length is written and then overwritten with
    the raw bytes in the local header and the central directory (the CRC covers only data)."""
    raw = name.encode(codec)
    placeholder = ("N" * (len(raw) - 4) + ".txt").encode() if len(raw) > 4 else b"N" * len(raw)
    assert len(placeholder) == len(raw)
    z = zip_bytes([(placeholder.decode(), data)], "deflate")
    assert z.count(placeholder) == 2
    z = z.replace(placeholder, raw)
    # Bit 11 stays clear: the placeholder was ASCII.  Check both headers to be sure.
    assert struct.unpack_from("<H", z, 6)[0] & 0x800 == 0
    cd = z.rfind(b"PK\1\2")
    assert struct.unpack_from("<H", z, cd + 8)[0] & 0x800 == 0
    return z


def zip_encrypted_bytes(members, password, scheme="zipcrypto", avoid=()):
    """Encrypted zip: 'zipcrypto' with Info-ZIP's zip -P, 'aes' (WinZip AES-256) with 7z.
    ZipCrypto accepts one wrong password in 256 at its one-byte check; the archive is made
    again (its header is random) until none of the words in avoid passes, so that a test
    means what it says whatever else a reader tries first (zipcrypto_decoy() tests that)."""
    if scheme == "zipcrypto":
        for _ in range(64):
            z = _with_tool(members, lambda src, out, names: _run(
                ["zip", "-q", "-P", password, str(out), "--"] + names, src), ".zip")
            if not any(w != password and _zipcrypto_passes(w, z) for w in avoid):
                return z
        raise RuntimeError("every try had a decoy among the words to avoid")
    return _with_tool(members, lambda src, out, names: _run(
        ["7z", "a", "-tzip", "-mem=AES256", "-p" + password, "-bd", "-bso0", "-bsp0", str(out),
         "--"] + names, src), ".zip")


def sevenz_bytes(members, password=None, encrypt_names=False, method=None):
    def build(src, out, names):
        argv = ["7z", "a", "-t7z", "-bd", "-bso0", "-bsp0"]
        if method:
            argv.append("-m0=" + method)
        if password is not None:
            argv.append("-p" + password)
            if encrypt_names:
                argv.append("-mhe=on")
        _run(argv + [str(out), "--"] + names, src)
    return _with_tool(members, build, ".7z")


# ---------------------------------------------------------------- tar, streams, unix archives

def tar_bytes(members, compression=""):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w" + (":" + compression if compression else ""),
                      format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 1714564800
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def gzip_bytes(data, name=None):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name or "", mode="wb", fileobj=buf, mtime=0) as g:
        g.write(data)
    return buf.getvalue()


def zstd_bytes(data):
    return _run(["zstd", "-q", "-c", "-"], None, stdin=data)


# One member in, compressed stream out.
STREAMS = {
    "gzip": lambda data: gzip_bytes(data, "eicar.com"),
    "bzip2": lambda data: bz2.compress(data),
    "xz": lambda data: lzma.compress(data, format=lzma.FORMAT_XZ),
    "zstd": zstd_bytes,
}


def cpio_bytes(members):
    return _with_tool(members, lambda src, out, names: out.write_bytes(_run(
        ["cpio", "--quiet", "-o", "-H", "newc"], src, stdin="".join(n + "\n" for n in names)
        .encode())))


def ar_bytes(members):
    return _with_tool(members, lambda src, out, names: _run(["ar", "rcD", str(out)] + names,
                                                            src))


def iso_bytes(members):
    return _with_tool(members, lambda src, out, names: _run(
        ["genisoimage", "-quiet", "-R", "-J", "-V", "FGTEST", "-o", str(out), str(src)], None))


def cab_bytes(members):
    return _with_tool(members, lambda src, out, names: _run(
        ["gcab", "-c", "-z", str(out)] + names, src))


def chm_bytes(members):
    """A CHM compiled by chmcmd (fp-utils); members are the HTML topics."""
    def build(src, out, names):
        hhp = ("[OPTIONS]\nCompatibility=1.1 or later\nCompiled file=out.chm\n"
               "Default topic=%s\nTitle=flowgate test\n\n[FILES]\n%s\n"
               % (names[0], "\n".join(names)))
        (src / "project.hhp").write_text(hhp)
        _run(["chmcmd", "project.hhp"], src)
        os.rename(src / "out.chm", out)
    return _with_tool(members, build)


# ---------------------------------------------------------------- office documents

def ooxml_bytes(kind="docx", parts=None, vba_project=None):
    """A Word document: [Content_Types].xml first, package and document relationships, a
    document body, plus parts {name: bytes}; .docm gets vba_project as word/vbaProject.bin."""
    main = ("application/vnd.ms-word.document.macroEnabled.main+xml" if kind == "docm" else
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
          '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
          '<Override PartName="/word/document.xml" ContentType="%s"/></Types>' % main)
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body><w:p><w:r><w:t>Invoice 2024-05</w:t></w:r></w:p></w:body></w:document>')
    members = [("[Content_Types].xml", ct.encode()), ("_rels/.rels", rels.encode()),
               ("word/document.xml", doc.encode())]
    if vba_project is not None:
        members.append(("word/vbaProject.bin", vba_project))
    members += list((parts or {}).items())
    return zip_bytes(members, "deflate")


def odf_bytes(parts=None):
    """An OpenDocument text: 'mimetype' first and stored, then manifest and content."""
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.text"/></manifest:manifest>')
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office='
               '"urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2">'
               '<office:body><office:text/></office:body></office:document-content>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.text",
                   compress_type=zipfile.ZIP_STORED)
        for name, data in [("META-INF/manifest.xml", manifest.encode()),
                           ("content.xml", content.encode())] + list((parts or {}).items()):
            z.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# OLE2 / Compound File Binary, version 3 (512-byte sectors, 64-byte mini sectors).
_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _cfb_key(name):
    # Siblings are ordered by name length first, then by upper-cased name.
    return (len(name), name.upper())


def cfb_bytes(streams, root_clsid=b"\0" * 16):
    """A compound file holding streams {"Name" or "Storage/Name": bytes}.  Streams under 4096
    bytes live in the mini stream, as the format requires; siblings form a balanced binary
    tree (all black), which every reader accepts."""
    # Directory entries: [name, type, children(list of idx), data]
    entries = [["Root Entry", 5, [], None]]
    index = {"": 0}
    for path, data in streams.items():
        parts = path.split("/")
        parent = ""
        for i, p in enumerate(parts):
            key = "/".join(parts[:i + 1])
            if key not in index:
                is_stream = i == len(parts) - 1
                entries.append([p, 2 if is_stream else 1, [], data if is_stream else None])
                index[key] = len(entries) - 1
                entries[index[parent]][2].append(index[key])
            parent = key

    sect = 512
    mini = bytearray()
    minifat = []
    big = []  # (entry idx, data)
    start = {}
    for i, e in enumerate(entries):
        if e[1] != 2:
            continue
        data = e[3]
        if len(data) < 4096:
            if not data:
                start[i] = _END
                continue
            first = len(mini) // 64
            n = (len(data) + 63) // 64
            minifat += [first + k + 1 for k in range(n - 1)] + [_END]
            mini += data + b"\0" * (n * 64 - len(data))
            start[i] = first
        else:
            big.append(i)

    def nsec(n):
        return (n + sect - 1) // sect

    n_dir = nsec(len(entries) * 128)
    n_minifat = nsec(len(minifat) * 4)
    n_mini = nsec(len(mini))
    n_big = sum(nsec(len(entries[i][3])) for i in big)
    other = n_dir + n_minifat + n_mini + n_big
    n_fat = 1
    while n_fat * 128 < other + n_fat:
        n_fat += 1
    assert n_fat <= 109

    fat = [_FATSECT] * n_fat
    chains = bytearray()

    def chain(n):
        first = len(fat)
        fat.extend(first + k + 1 for k in range(n - 1))
        fat.append(_END)
        return first

    dir_start = chain(n_dir)
    minifat_start = chain(n_minifat) if n_minifat else _END
    mini_start = chain(n_mini) if n_mini else _END
    body = bytearray()
    for i in big:
        data = entries[i][3]
        start[i] = chain(nsec(len(data)))
        chains += data + b"\0" * (nsec(len(data)) * sect - len(data))
    fat += [_FREE] * (n_fat * 128 - len(fat))

    # Balanced sibling trees.
    left = [_NOSTREAM] * len(entries)
    right = [_NOSTREAM] * len(entries)
    child = [_NOSTREAM] * len(entries)

    def tree(ids):
        if not ids:
            return _NOSTREAM
        mid = len(ids) // 2
        left[ids[mid]] = tree(ids[:mid])
        right[ids[mid]] = tree(ids[mid + 1:])
        return ids[mid]

    for i, e in enumerate(entries):
        child[i] = tree(sorted(e[2], key=lambda k: _cfb_key(entries[k][0])))

    dirs = bytearray()
    for i, (name, typ, _, data) in enumerate(entries):
        nm = name.encode("utf-16-le")[:62] + b"\0\0"
        if typ == 5:
            st, size = mini_start, len(mini)
        elif typ == 2:
            st, size = start[i], len(data)
        else:
            st, size = 0, 0
        dirs += struct.pack("<64sHBBIII16sIQQIQ", nm, len(nm), typ, 1, left[i], right[i],
                            child[i], root_clsid if typ == 5 else b"\0" * 16, 0, 0, 0, st, size)
    dirs += (b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM)
             + b"\0" * 48) * ((n_dir * 4) - len(entries))

    hdr = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
                      b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, n_fat, dir_start, 0,
                      4096, minifat_start, n_minifat, _END, 0)
    hdr += struct.pack("<109I", *(list(range(n_fat)) + [_FREE] * (109 - n_fat)))
    assert len(hdr) == 512

    def pad(b, n):
        return bytes(b) + b"\0" * (n * sect - len(b))

    out = hdr + struct.pack("<%dI" % len(fat), *fat)
    out += pad(dirs, n_dir)
    out += pad(struct.pack("<%dI" % len(minifat), *minifat), n_minifat) if n_minifat else b""
    out += pad(mini, n_mini) if n_mini else b""
    out += bytes(chains)
    return out


def ole10native_bytes(label, data, src_path=None, tmp_path=None):
    """The native data of an OLE1 'Package' object: what Office keeps in the \\x01Ole10Native
    stream and RTF in \\objdata: a label, the original path, a temporary path, the file."""
    src_path = src_path or "C:\\Users\\test\\Documents\\" + label
    tmp_path = tmp_path or "C:\\Users\\test\\AppData\\Local\\Temp\\" + label
    body = (struct.pack("<H", 2) + label.encode("cp1252") + b"\0" + src_path.encode("cp1252")
            + b"\0" + struct.pack("<HH", 0, 3) + struct.pack("<I", len(tmp_path) + 1)
            + tmp_path.encode("cp1252") + b"\0" + struct.pack("<I", len(data)) + data)
    return body


def ole2_bytes(payload=EICAR, stream="Payload", package_name=None):
    """An OLE2 file with a small WordDocument stream, the payload in its own stream and,
    if package_name is given, the payload again wrapped as an embedded Package object."""
    streams = {"WordDocument": b"\xEC\xA5" + b"\0" * 510,
               "\x05SummaryInformation": b"\xFE\xFF" + b"\0" * 46}
    if stream:
        streams[stream] = payload
    if package_name:
        native = ole10native_bytes(package_name, payload)
        streams["ObjectPool/_1700000000/\x01Ole10Native"] = struct.pack("<I", len(native)) + native
        streams["ObjectPool/_1700000000/\x01CompObj"] = b"\1\0\xFE\xFF" + b"\0" * 24
    return cfb_bytes(streams)


# ---------------------------------------------------------------- TNEF

TNEF_SIGNATURE = 0x223E9F78
ATT_TNEF_VERSION = 0x00089006
ATT_OEM_CODEPAGE = 0x00069007
ATT_MESSAGE_CLASS = 0x00078008
ATT_SUBJECT = 0x00018004
ATT_ATTACH_REND_DATA = 0x00069002
ATT_ATTACH_TITLE = 0x00018010
ATT_ATTACH_DATA = 0x0006800F
LVL_MESSAGE, LVL_ATTACHMENT = 1, 2


def _tnef_attr(level, attr, data):
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, attr, len(data)) + data + struct.pack("<H", checksum)


def tnef_bytes(attachments, subject="Quarterly report"):
    """winmail.dat with one attachment record group (rendering data, title, data) each."""
    out = struct.pack("<IH", TNEF_SIGNATURE, 0x1234)
    out += _tnef_attr(LVL_MESSAGE, ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += _tnef_attr(LVL_MESSAGE, ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0))
    out += _tnef_attr(LVL_MESSAGE, ATT_MESSAGE_CLASS, b"IPM.Microsoft Mail.Note\0")
    out += _tnef_attr(LVL_MESSAGE, ATT_SUBJECT, subject.encode() + b"\0")
    for name, data in attachments:
        rend = struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0)
        out += _tnef_attr(LVL_ATTACHMENT, ATT_ATTACH_REND_DATA, rend)
        out += _tnef_attr(LVL_ATTACHMENT, ATT_ATTACH_TITLE, name.encode("cp1252") + b"\0")
        out += _tnef_attr(LVL_ATTACHMENT, ATT_ATTACH_DATA, data)
    return out


# ---------------------------------------------------------------- PDF

def pdf_bytes(stream_payload=None, embedded=()):
    """A PDF with a correct xref table: one page whose content stream (FlateDecode) holds
    stream_payload, and each (name, data) of embedded as an embedded file (FlateDecode too,
    so the payload never appears in the raw file)."""
    objs = []  # bodies; object n is objs[n-1]

    def add(body):
        objs.append(body)
        return len(objs)

    def stream(dict_extra, data):
        z = zlib.compress(data)
        return (b"<< /Length %d /Filter /FlateDecode %s >>\nstream\n" % (len(z), dict_extra)
                + z + b"\nendstream")

    catalog = add(None)
    pages = add(None)
    content = add(stream(b"", b"BT /F1 12 Tf 72 720 Td (Quarterly report) Tj ET\n"
                         + (b"% " + stream_payload + b"\n" if stream_payload else b"")))
    page = add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>"
               % (pages, content))
    objs[pages - 1] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page
    names = []
    for name, data in embedded:
        ef = add(stream(b"/Type /EmbeddedFile /Params << /Size %d >>" % len(data), data))
        spec = add(b"<< /Type /Filespec /F (%s) /UF (%s) /EF << /F %d 0 R >> >>"
                   % (name.encode(), name.encode(), ef))
        names.append(b"(%s) %d 0 R" % (name.encode(), spec))
    extra = b""
    if names:
        tree = add(b"<< /Names [" + b" ".join(names) + b"] >>")
        extra = b" /Names << /EmbeddedFiles %d 0 R >>" % tree
    objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages, extra)

    out = bytearray(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, catalog, xref))
    return bytes(out)


# ---------------------------------------------------------------- RTF

def ole1_package_bytes(label, data):
    """An OLE1 embedded object of class Package: what RTF carries in \\objdata."""
    native = ole10native_bytes(label, data)
    cls = b"Package\0"
    return (struct.pack("<II", 0x00000501, 2) + struct.pack("<I", len(cls)) + cls
            + struct.pack("<II", 0, 0) + struct.pack("<I", len(native)) + native)


def rtf_bytes(objects, hex_line=64):
    """An RTF document with one \\object group per (label, data), each an OLE1 Package."""
    groups = []
    for label, data in objects:
        h = ole1_package_bytes(label, data).hex()
        lines = "\n".join(h[i:i + hex_line] for i in range(0, len(h), hex_line))
        groups.append("{\\object\\objemb\\objw1440\\objh1440{\\*\\objclass Package}"
                      "{\\*\\objdata\n%s\n}{\\result {\\pict\\wmetafile8 0100}}}" % lines)
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Times New Roman;}}\n"
            "{\\pard Please see the attached file.\\par}\n%s\n}\n" % "\n".join(groups)).encode()


# ---------------------------------------------------------------- BinHex 4.0

BINHEX_ALPHABET = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"


def _binhex_rle(data):
    # 0x90 marks a run: byte, 0x90, count; a literal 0x90 is 0x90 0x00.
    out = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        n = 1
        while i + n < len(data) and data[i + n] == b and n < 255:
            n += 1
        if b == 0x90:
            out += b"\x90\x00"
            n = 1
        elif n >= 3:
            out += bytes([b, 0x90, n])
        else:
            out += bytes([b]) * n
        i += n
    return bytes(out)


def _binhex_6bit(data):
    out = bytearray()
    for i in range(0, len(data), 3):
        chunk = data[i:i + 3]
        v = int.from_bytes(chunk + b"\0" * (3 - len(chunk)), "big")
        nchar = {1: 2, 2: 3, 3: 4}[len(chunk)]
        for k in range(nchar):
            out.append(BINHEX_ALPHABET[(v >> (18 - 6 * k)) & 63])
    return bytes(out)


def binhex_bytes(name, data, rsrc=b"", ftype=b"TEXT", creator=b"ttxt"):
    """BinHex 4.0: header, data fork and resource fork, each with its CRC-16/XMODEM,
    run-length encoded, six-bit encoded in 64-column lines between colons."""
    nm = name.encode("mac_roman")
    hdr = (bytes([len(nm)]) + nm + b"\0" + ftype + creator + b"\0\0"
           + struct.pack(">II", len(data), len(rsrc)))
    raw = bytearray()
    for part in (hdr, data, rsrc):
        raw += part + struct.pack(">H", binascii.crc_hqx(part, 0))
    enc = b":" + _binhex_6bit(_binhex_rle(bytes(raw))) + b":"
    lines = [enc[i:i + 64] for i in range(0, len(enc), 64)]
    return b"(This file must be converted with BinHex 4.0)\r\n\r\n" + b"\r\n".join(lines) + b"\r\n"


# ---------------------------------------------------------------- SZDD

def szdd_bytes(data, name="eicar.com"):
    """SZDD (MS-DOS COMPRESS.EXE) with literal-only LZSS: each control byte's set bits say
    'literal', so 0xFF precedes every eight bytes.  Byte 9 keeps the name's last letter."""
    out = bytearray(b"SZDD\x88\xF0\x27\x33" + b"A" + name[-1:].encode() +
                    struct.pack("<I", len(data)))
    for i in range(0, len(data), 8):
        chunk = data[i:i + 8]
        out.append((1 << len(chunk)) - 1)
        out += chunk
    return bytes(out)


# ---------------------------------------------------------------- mail

@dataclass
class Attachment:
    name: str
    data: bytes
    cte: str = "base64"  # base64, quoted-printable, x-uuencode, 7bit
    ctype: str = "application/octet-stream"
    name_style: str = "rfc2047"  # how a non-ASCII name is written: rfc2047 or rfc2231


def _hdr(value):
    """An RFC 2047 encoded header value when it is not ASCII."""
    try:
        value.encode("ascii")
        return value
    except UnicodeEncodeError:
        return email.header.Header(value, "utf-8").encode()


def _encode(data, cte):
    if cte == "base64":
        return base64.encodebytes(data)
    if cte == "quoted-printable":
        return quopri.encodestring(data, quotetabs=True)
    if cte == "x-uuencode":
        return uuencode(data, "payload")
    return data


def uuencode(data, name, mode="644"):
    """Classic uuencode: 45 bytes a line, '`' for zero, 'begin'/'end' lines."""
    lines = [b"begin %s %s\n" % (mode.encode(), name.encode())]
    for i in range(0, len(data), 45):
        lines.append(binascii.b2a_uu(data[i:i + 45], backtick=True))
    lines.append(b"`\nend\n")
    return b"".join(lines)


def mail_bytes(subject="Invoice", body="Please find the invoice attached.\n",
               sender="Taro Yamada <taro@example.co.jp>", to="hanako@example.com",
               message_id="<invoice-1@example.co.jp>", in_reply_to=None, attachments=(),
               messages=(), charset="utf-8", body_cte="8bit", eol="\r\n",
               date="Wed, 01 May 2024 12:00:00 +0900", body_type="text/plain"):
    """An RFC 5322 message.  With attachments or messages (attached .eml bytes) it is
    multipart/mixed; the body is encoded in charset and body_cte."""
    h = ["From: " + _hdr(sender), "To: " + to, "Subject: " + _hdr(subject), "Date: " + date,
         "Message-ID: " + message_id, "MIME-Version: 1.0"]
    if in_reply_to:
        h += ["In-Reply-To: " + in_reply_to, "References: " + in_reply_to]
    text = body.encode(charset)
    text_part = (["Content-Type: %s; charset=%s" % (body_type, charset),
                  "Content-Transfer-Encoding: " + body_cte], _encode(text, body_cte))
    if not attachments and not messages:
        return _join(h + text_part[0], text_part[1], eol)
    boundary = "=_fg_boundary_%08x" % (zlib.crc32(message_id.encode()))
    h.append('Content-Type: multipart/mixed; boundary="%s"' % boundary)
    parts = [text_part]
    for a in attachments:
        enc = _encode(a.data, a.cte) if a.cte != "x-uuencode" else uuencode(a.data, a.name)
        if a.name_style == "rfc2231":
            # filename*=UTF-8''%E8%AB%8B... as Thunderbird and Gmail write it.
            pct = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else
                          "".join("%%%02X" % b for b in c.encode()) for c in a.name)
            ctype_name, disp = "name*=UTF-8''" + pct, "filename*=UTF-8''" + pct
        else:
            ctype_name, disp = 'name="%s"' % _hdr(a.name), 'filename="%s"' % _hdr(a.name)
        parts.append((["Content-Type: %s; %s" % (a.ctype, ctype_name),
                       "Content-Transfer-Encoding: " + a.cte,
                       "Content-Disposition: attachment; " + disp], enc))
    for m in messages:
        parts.append((["Content-Type: message/rfc822",
                       "Content-Disposition: attachment"], m.replace(b"\r\n", b"\n")))
    body_out = b"This is a multi-part message in MIME format.\n"
    for ph, pb in parts:
        # The line break before a delimiter belongs to the delimiter (RFC 2046), so a part
        # whose encoding ends without one (quoted-printable) decodes to exactly its data.
        body_out += b"\n--" + boundary.encode() + b"\n" + "\n".join(ph).encode() + b"\n\n" + pb
    body_out += b"\n--" + boundary.encode() + b"--\n"
    return _join(h, body_out, eol)


def _join(headers, body, eol):
    data = ("\n".join(headers) + "\n\n").encode() + body
    return data.replace(b"\r\n", b"\n").replace(b"\n", eol.encode())


def mbox_bytes(messages, sender="taro@example.co.jp"):
    """An mboxrd file: a 'From ' line before each message, '>From ' quoting inside."""
    out = bytearray()
    for i, m in enumerate(messages):
        m = m.replace(b"\r\n", b"\n")
        lines = m.split(b"\n")
        quoted = [b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln for ln in lines]
        out += b"From %s Wed May  1 12:%02d:00 2024\n" % (sender.encode(), i)
        out += b"\n".join(quoted).rstrip(b"\n") + b"\n\n"
    return bytes(out)


# ---------------------------------------------------------------- bombs

def zeros_zip(path, size, name="zeros.bin"):
    """A zip holding one member of size zero bytes (a ratio bomb), in 1 MiB steps."""
    return repeated_zip(path, [name], size)


def repeated_zip(path, names, size, fill=b"\0"):
    """A zip whose members each hold size copies of fill, written by hand so the deflate
    stream is made once and reused for every member: 1000 members of 4 MiB cost what one
    does.  Sizes stay under 4 GiB, so no zip64 is needed."""
    assert size < 0xFFFFFFFF
    comp = zlib.compressobj(1, zlib.DEFLATED, -15)
    chunk = fill * (1 << 20)
    parts, crc, left = [], 0, size
    while left > 0:
        piece = chunk[:min(left, len(chunk))]
        crc = zlib.crc32(piece, crc)
        parts.append(comp.compress(piece))
        left -= len(piece)
    parts.append(comp.flush())
    body = b"".join(parts)
    dostime, dosdate = 0x6000, (2024 - 1980) << 9 | 5 << 5 | 1
    central = bytearray()
    with open(path, "wb") as f:
        for name in names:
            nm = name.encode()
            off = f.tell()
            f.write(struct.pack("<4sHHHHHIIIHH", b"PK\3\4", 20, 0, 8, dostime, dosdate, crc,
                                len(body), size, len(nm), 0) + nm)
            f.write(body)
            central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\1\2", 20, 20, 0, 8, dostime,
                                   dosdate, crc, len(body), size, len(nm), 0, 0, 0, 0,
                                   0o644 << 16, off) + nm
        cd_off = f.tell()
        f.write(central)
        f.write(struct.pack("<4sHHHHIIH", b"PK\5\6", 0, 0, len(names), len(names),
                            len(central), cd_off, 0))
    return Path(path)


def zeros_gzip(path, size):
    chunk = b"\0" * (1 << 20)
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as g:
        for _ in range(size >> 20):
            g.write(chunk)
    return Path(path)


def nested_zip_bytes(depth, inner=(("readme.txt", b"nothing to see here\n"),)):
    """zip in zip in zip ... depth levels (level 1 holds the inner members)."""
    data = zip_bytes(list(inner), "deflate")
    for level in range(depth - 1, 0, -1):
        data = zip_bytes([("level%02d.zip" % level, data)], "deflate")
    return data


def many_members_zip_bytes(n, size=16):
    return zip_bytes([("m%05d.txt" % i, b"member %05d " % i + b"." * size)
                      for i in range(n)], "deflate")


# ---------------------------------------------------------------- the format table

@dataclass
class Format:
    name: str            # format label used in test names
    filename: str        # the fixture's file name
    type: str            # what flowgate must report as the containing object's type
    build: object        # build(member_name, payload) -> bytes
    leaf: str = None     # fnmatch pattern of the payload's path below the file, None: any
    tools: tuple = ()    # command-line tools needed
    pending: str = ""    # unpacker still being written elsewhere, when that is the case
    unsupported: str = ""  # finding id flowgate gives instead, for a method it cannot read
    extra: dict = field(default_factory=dict)


def _one(f):
    return lambda name, payload: f([(name, payload)])


FORMATS = [
    Format("zip-stored", "stored.zip", "zip", lambda n, p: zip_bytes([(n, p)], "stored"),
           "eicar.com"),
    Format("zip-deflate", "deflate.zip", "zip", lambda n, p: zip_bytes([(n, p)], "deflate"),
           "eicar.com"),
    Format("zip-bzip2", "bzip2.zip", "zip", lambda n, p: zip_bytes([(n, p)], "bzip2"),
           "eicar.com"),
    Format("zip-lzma", "lzma.zip", "zip", lambda n, p: zip_bytes([(n, p)], "lzma"),
           "eicar.com"),
    Format("zip-deflate64", "deflate64.zip", "zip",
           lambda n, p: zip_bytes([(n, p + b"\n" * 70000)], "deflate64"), "eicar.com",
           tools=("7z",), unsupported="unsupported.member"),
    Format("7z", "archive.7z", "7z", _one(sevenz_bytes), "eicar.com", tools=("7z",)),
    Format("tar", "archive.tar", "tar", _one(tar_bytes), "eicar.com"),
    Format("tar.gz", "archive.tar.gz", "gzip", lambda n, p: tar_bytes([(n, p)], "gz"),
           "archive.tar > eicar.com"),
    Format("gzip", "eicar.com.gz", "gzip", lambda n, p: STREAMS["gzip"](p)),
    Format("bzip2", "eicar.com.bz2", "bzip2", lambda n, p: STREAMS["bzip2"](p)),
    Format("xz", "eicar.com.xz", "xz", lambda n, p: STREAMS["xz"](p)),
    Format("zstd", "eicar.com.zst", "zstd", lambda n, p: STREAMS["zstd"](p), tools=("zstd",)),
    Format("cpio", "archive.cpio", "cpio", _one(cpio_bytes), "eicar.com", tools=("cpio",)),
    Format("ar", "archive.a", "ar", _one(ar_bytes), "eicar.com", tools=("ar",)),
    Format("iso9660", "disc.iso", "iso9660", _one(iso_bytes), "eicar.com",
           tools=("genisoimage",)),
    Format("cab", "archive.cab", "cab", _one(cab_bytes), "eicar.com", tools=("gcab",)),
    Format("docx", "invoice.docx", "ooxml",
           lambda n, p: ooxml_bytes("docx", {"word/media/" + n: p}), "word/media/eicar.com"),
    Format("odf", "letter.odt", "odf", lambda n, p: odf_bytes({"Pictures/" + n: p}),
           "Pictures/eicar.com"),
    Format("mail", "mail.eml", "mail",
           lambda n, p: mail_bytes(attachments=[Attachment(n, p)]), "eicar.com"),
    Format("mbox", "inbox.mbox", "mbox",
           lambda n, p: mbox_bytes([mail_bytes(subject="Hello", message_id="<a@x>"),
                                    mail_bytes(attachments=[Attachment(n, p)])]),
           "message-2.eml > eicar.com"),
    Format("tnef", "winmail.dat", "tnef", lambda n, p: tnef_bytes([(n, p)]), "eicar.com",
           pending="tnef"),
    Format("ole2", "report.doc", "ole2", lambda n, p: ole2_bytes(p, stream=n), "eicar.com",
           pending="ole2"),
    Format("pdf", "report.pdf", "pdf", lambda n, p: pdf_bytes(embedded=[(n, p)]), "*eicar.com",
           pending="pdf"),
    Format("rtf", "letter.rtf", "rtf", lambda n, p: rtf_bytes([(n, p)]), "*eicar.com",
           pending="rtf"),
    Format("binhex", "eicar.hqx", "binhex", lambda n, p: binhex_bytes(n, p), "*eicar.com",
           pending="binhex"),
    Format("szdd", "EICAR.CO_", "szdd", lambda n, p: szdd_bytes(p, n), None, pending="szdd"),
    Format("chm", "help.chm", "chm",
           lambda n, p: chm_bytes([("index.html", b"<html><body><p>" + p + b"</p></body></html>")]),
           "*index.html", tools=("chmcmd",), pending="chm"),
]

FORMAT_BY_NAME = {f.name: f for f in FORMATS}


def build_format(fmt, d, payload=EICAR, member="eicar.com"):
    return write(d, fmt.filename, fmt.build(member, payload))


# ---------------------------------------------------------------- broken variants

def broken_variants(data, seed=0):
    """Truncations at fixed and relative offsets, and copies with bytes flipped, zeroed or
    set to 0xFF in the header and in the body.  Returns [(label, bytes)]."""
    n = len(data)
    cuts = sorted({c for c in (1, 4, 8, 16, 30, 64, 100, 512, n // 4, n // 2, 3 * n // 4,
                               n - 22, n - 8, n - 1) if 0 < c < n})
    out = [("cut%d" % c, data[:c]) for c in cuts]
    rnd = random.Random(seed)
    for k in range(8):
        b = bytearray(data)
        count = 1 if k < 3 else 8 if k < 6 else 64
        lo, hi = (0, min(n, 64)) if k % 2 == 0 else (0, n)
        for _ in range(count):
            i = rnd.randrange(lo, hi)
            b[i] = (b[i] ^ (1 << rnd.randrange(8))) if k < 5 else rnd.choice((0, 0xFF))
        out.append(("flip%d" % k, bytes(b)))
    # Length fields set to huge values are the classic parser trap: 0xFF-fill 4 bytes at a
    # few places in the first 64 bytes.
    for off in (4, 8, 12, 18, 22, 26):
        if off + 4 <= n:
            b = bytearray(data)
            b[off:off + 4] = b"\xFF\xFF\xFF\x7F"
            out.append(("big%d" % off, bytes(b)))
    return out


# ---------------------------------------------------------------- ZipCrypto decoys

def _crc_table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC_TABLE = _crc_table()


def _zipcrypto_check(password, header12):
    """Decrypts a ZipCrypto member's 12-byte header with password; returns the last byte,
    which readers compare with the CRC's (or time's) high byte to accept a password."""
    k0, k1, k2 = 0x12345678, 0x23456789, 0x34567890

    def update(k0, k1, k2, c):
        k0 = _CRC_TABLE[(k0 ^ c) & 0xFF] ^ (k0 >> 8)
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = _CRC_TABLE[(k2 ^ (k1 >> 24)) & 0xFF] ^ (k2 >> 8)
        return k0, k1, k2

    for c in password.encode():
        k0, k1, k2 = update(k0, k1, k2, c)
    p = 0
    for c in header12:
        t = (k2 | 2) & 0xFFFF
        p = c ^ (((t * (t ^ 1)) >> 8) & 0xFF)
        k0, k1, k2 = update(k0, k1, k2, p)
    return p


def _zipcrypto_passes(password, zip_data):
    flags, = struct.unpack_from("<H", zip_data, 6)
    mtime, = struct.unpack_from("<H", zip_data, 10)
    crc, = struct.unpack_from("<I", zip_data, 14)
    nlen, elen = struct.unpack_from("<HH", zip_data, 26)
    header = zip_data[30 + nlen + elen:30 + nlen + elen + 12]
    want = (mtime >> 8) if flags & 0x8 else (crc >> 24)
    return _zipcrypto_check(password, header) == want


_PW_KEYWORDS = ("パスワード", "密码", "密碼", "password", "pass", "pwd", "pw")
_PW_LEAD = ":：=＝-ーはが为為是「『【\"'“‘(（[<《〈*＊ \t\u3000"
_PW_STOP = re.compile(r"[」』】\"”’)）\]>》〉、。，\s\u3000]|です|となります|になります")


def candidate_words(*texts):
    """A generous superset of the words a password extractor could take from texts: every
    blank-separated token and, after each password keyword, the next few tokens cut at
    brackets and particles the way such extractors do; with trailing punctuation and without."""
    out = set()

    def add(tok):
        out.update((tok, tok.rstrip(".,:;"), tok.rstrip(":;").rstrip(".,")))

    for text in texts:
        for line in text.splitlines():
            for tok in line.split():
                add(tok)
            starts = [0] + [m.end() for kw in _PW_KEYWORDS
                            for m in re.finditer(re.escape(kw), line, re.IGNORECASE)]
            for pos in starts:
                rest = line[pos:]
                for _ in range(4):
                    rest = rest.lstrip(_PW_LEAD)
                    tok = _PW_STOP.split(rest, 1)[0]
                    if not tok:
                        break
                    add(tok)
                    rest = rest[len(tok):]
                    m = _PW_STOP.match(rest)
                    rest = rest[m.end():] if m else rest
    out.discard("")
    return sorted(out)


def zipcrypto_decoy(zip_data, prefix="decoy-"):
    """A wrong password that passes the one-byte check of the first member of a ZipCrypto
    zip (one in 256 does), so a reader that stops at the first passing candidate decrypts
    garbage with it."""
    for i in range(1 << 16):
        pw = "%s%d" % (prefix, i)
        if _zipcrypto_passes(pw, zip_data):
            return pw
    raise RuntimeError("no decoy found")
