"""
pe_sample.py - builds small, inert Windows PE files at test time for `flowgate analyze`.

A sample is a PE32+ (x86-64) image whose code section holds nothing but a return, an import
table naming the DLL functions a test wants a capability rule to see, an optional block of
strings, optional extra sections (random bytes stand in for a packed payload) and an optional
overlay or security directory.  The files never run anything: they only look, to a static
analyser, like programs that could.  Python 3 standard library only.
"""
import random
import struct

FILE_ALIGN = 0x200
SECT_ALIGN = 0x1000
IMAGE_BASE = 0x140000000


def _align(n, a):
    return (n + a - 1) // a * a


def _section_header(name, vsize, rva, raw_size, raw_off, flags):
    return struct.pack("<8sIIIIIIHHI", name.encode()[:8], vsize, rva, raw_size, raw_off,
                       0, 0, 0, 0, flags)


def _import_block(rva, imports):
    """The .idata contents at 'rva' for imports = [(dll, [function, ...]), ...].

    Layout: descriptors (one per DLL plus a zero one), then per DLL its lookup table and its
    address table (8-byte entries, zero-terminated), then hint/name entries and DLL names."""
    ndesc = len(imports) + 1
    off = ndesc * 20
    tables = []
    for dll, funcs in imports:
        n = (len(funcs) + 1) * 8
        tables.append((off, off + n))  # lookup table, address table
        off += 2 * n
    names = bytearray()
    name_base = off
    fn_rvas, dll_rvas = [], []
    for dll, funcs in imports:
        rvas = []
        for f in funcs:
            rvas.append(rva + name_base + len(names))
            names += struct.pack("<H", 0) + f.encode() + b"\0"
            if len(names) % 2:
                names += b"\0"
        fn_rvas.append(rvas)
        dll_rvas.append(rva + name_base + len(names))
        names += dll.encode() + b"\0"
        if len(names) % 2:
            names += b"\0"
    out = bytearray(name_base) + names
    for i, (dll, funcs) in enumerate(imports):
        ilt, iat = tables[i]
        struct.pack_into("<IIIII", out, i * 20, rva + ilt, 0, 0, dll_rvas[i], rva + iat)
        for j, r in enumerate(fn_rvas[i]):
            struct.pack_into("<Q", out, ilt + 8 * j, r)
            struct.pack_into("<Q", out, iat + 8 * j, r)
    return bytes(out), len(imports) * 20 + 20


def pe_bytes(imports=(), strings=(), extra_sections=(), overlay=b"", signature=False):
    """A PE32+ image.  extra_sections = [(name, bytes, executable), ...]."""
    sections = [(".text", b"\xc3" + b"\xcc" * 15, 0x60000020)]  # ret; code, execute, read
    blob = bytearray()
    for s in strings:
        if isinstance(s, bytes):
            blob += s + b"\0"
        elif s.startswith("W:"):  # a UTF-16LE string, as Windows programs keep them
            blob += s[2:].encode("utf-16-le") + b"\0\0"
        else:
            blob += s.encode() + b"\0"
    if blob:
        sections.append((".rdata", bytes(blob), 0x40000040))  # initialised, read
    for name, data, exe in extra_sections:
        sections.append((name, data, 0xE0000020 if exe else 0xC0000040))
    nsect = len(sections) + (1 if imports else 0)
    headers_size = _align(0x80 + 4 + 20 + 240 + 40 * nsect, FILE_ALIGN)
    layout, rva, raw = [], SECT_ALIGN, headers_size
    for name, data, flags in sections:
        layout.append([name, data, flags, rva, raw])
        rva += _align(max(len(data), 1), SECT_ALIGN)
        raw += _align(len(data), FILE_ALIGN)
    import_dir = (0, 0)
    if imports:
        data, dsize = _import_block(rva, list(imports))
        layout.append([".idata", data, 0xC0000040, rva, raw])
        import_dir = (rva, dsize)
        rva += _align(len(data), SECT_ALIGN)
        raw += _align(len(data), FILE_ALIGN)
    size_of_image = rva
    out = bytearray(headers_size)
    out[0:2] = b"MZ"
    struct.pack_into("<I", out, 0x3C, 0x80)
    out[0x40:0x40 + 39] = b"This program cannot be run in DOS mode.".ljust(39)
    out[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<HHIIIHH", out, 0x84, 0x8664, nsect, 0x5F5E1000, 0, 0, 240, 0x22)
    opt = 0x98
    code = layout[0]
    struct.pack_into("<HBBIIIIIQIIHHHHHHIIIIHHQQQQII", out, opt,
                     0x20B, 14, 0, _align(len(code[1]), FILE_ALIGN), 0, 0, code[3], code[3],
                     IMAGE_BASE, SECT_ALIGN, FILE_ALIGN, 6, 0, 0, 0, 6, 0, 0,
                     size_of_image, headers_size, 0, 3, 0x8160,
                     0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    dirs = opt + 112
    struct.pack_into("<II", out, dirs + 8 * 1, *import_dir)
    sh = opt + 240
    for i, (name, data, flags, srva, sraw) in enumerate(layout):
        out[sh + 40 * i:sh + 40 * (i + 1)] = _section_header(
            name, max(len(data), 1), srva, _align(len(data), FILE_ALIGN), sraw, flags)
    for name, data, flags, srva, sraw in layout:
        body = data + b"\0" * (_align(len(data), FILE_ALIGN) - len(data))
        out[sraw:sraw + len(body)] = body
    out += overlay
    if signature:
        # A WIN_CERTIFICATE header with a placeholder body: present, not a valid signature.
        cert = struct.pack("<IHH", 8 + 64, 0x0200, 0x0002) + b"\x30\x82" + b"\0" * 62
        struct.pack_into("<II", out, dirs + 8 * 4, len(out), len(cert))
        out += cert
    return bytes(out)


def random_bytes(n, seed=7):
    """Incompressible bytes standing in for a packed or encrypted payload."""
    return random.Random(seed).randbytes(n)
