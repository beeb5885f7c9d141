#!/usr/bin/env python3
"""Password-encrypted Office documents for the tests of src/ingest/office_crypto.c.

Written from MS-OFFCRYPTO (and MS-XLS 2.2.10 for workbooks), independently of the C code, so
that the tests compare two implementations:
  agile_bytes(package, password, ...)     OOXML package -> OLE2 with Agile encryption
  standard_bytes(package, password, ...)  OOXML package -> OLE2 with Standard encryption
  xls_bytes(records, password, capi=...)  BIFF8 records -> OLE2 .xls with an encrypted
                                          Workbook stream (RC4, or RC4 CryptoAPI)
  kat(dir)                                fixtures plus the keys they must give (kat.txt)

AES comes from the 'cryptography' package (Debian: python3-cryptography), or from the
openssl command line when that package is missing; hashes and RC4 are done here.
"""
import base64
import hashlib
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
import fixtures  # noqa: E402

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:  # an interpreter without it: Debian's module may still fit
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError:
        Cipher = None

DEFAULT_PASSWORD = "VelvetSweatshop"
HASHES = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA384": hashlib.sha384,
          "SHA512": hashlib.sha512}


def aes_encrypt(key, data, iv=None):
    """AES-ECB (iv None) or AES-CBC without padding; data is whole blocks."""
    assert len(data) % 16 == 0
    if Cipher is not None:
        enc = Cipher(algorithms.AES(key), modes.CBC(iv) if iv else modes.ECB()).encryptor()
        return enc.update(data) + enc.finalize()
    mode = "cbc" if iv else "ecb"
    argv = ["openssl", "enc", "-aes-%d-%s" % (len(key) * 8, mode), "-nopad", "-K", key.hex()]
    if iv:
        argv += ["-iv", iv.hex()]
    return subprocess.run(argv, input=data, stdout=subprocess.PIPE, check=True).stdout


def pad16(b, fill=b"\0"):
    return b + fill * (-len(b) % 16)


def le32(i):
    return struct.pack("<I", i)


def rc4(key, data):
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 255
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for c in data:
        i = (i + 1) & 255
        j = (j + s[i]) & 255
        s[i], s[j] = s[j], s[i]
        out.append(c ^ s[(s[i] + s[j]) & 255])
    return bytes(out)


def spun_hash(h, salt, password, spin):
    """H0 = H(salt + UTF-16LE password), then spin rounds of H(le32(i) + H)."""
    d = h(salt + password.encode("utf-16-le")).digest()
    for i in range(spin):
        d = h(le32(i) + d).digest()
    return d


def _dataspaces():
    # Office writes these too; readers do not need them, but they make the file look real.
    return {"\x06DataSpaces/Version": b"\x3c\0\0\0" + "Microsoft.Container.DataSpaces"
            .encode("utf-16-le") + b"\1\0\0\0" * 3}


# ---------------------------------------------------------------- Agile

BLK_VERIFIER_INPUT = bytes.fromhex("fea7d2763b4b9e79")
BLK_VERIFIER_VALUE = bytes.fromhex("d7aa0f6d3061344e")
BLK_KEY_VALUE = bytes.fromhex("146e0be7abacd0d6")


def agile_parts(package, password, hash_name="SHA512", key_bits=256, spin=100000,
                seed=b"agile", secret=None, verifier_input=None):
    """(EncryptionInfo, EncryptedPackage, secret key) for an Agile-encrypted package."""
    h = HASHES[hash_name]
    hsize = h().digest_size
    nk = key_bits // 8
    salt_key = hashlib.sha256(seed + b"k").digest()[:16]
    salt_data = hashlib.sha256(seed + b"d").digest()[:16]
    secret = secret or hashlib.sha256(seed + b"s").digest()[:nk]
    verifier_input = verifier_input or hashlib.sha256(seed + b"v").digest()[:16]
    hn = spun_hash(h, salt_key, password, spin)

    def key_for(blk):
        return (h(hn + blk).digest() + b"\x36" * nk)[:nk]

    enc_vin = aes_encrypt(key_for(BLK_VERIFIER_INPUT), pad16(verifier_input), salt_key)
    enc_vval = aes_encrypt(key_for(BLK_VERIFIER_VALUE), pad16(h(verifier_input).digest()),
                           salt_key)
    enc_kval = aes_encrypt(key_for(BLK_KEY_VALUE), pad16(secret), salt_key)
    body = bytearray()
    for i in range(0, max(len(package), 1), 4096):
        iv = h(salt_data + le32(i // 4096)).digest()[:16]
        body += aes_encrypt(secret, pad16(package[i:i + 4096]), iv)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    algs = ('blockSize="16" keyBits="%d" hashSize="%d" cipherAlgorithm="AES" '
            'cipherChaining="ChainingModeCBC" hashAlgorithm="%s"' % (key_bits, hsize, hash_name))
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
           '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
           'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
           '<keyData saltSize="16" %s saltValue="%s"/>'
           '<dataIntegrity encryptedHmacKey="%s" encryptedHmacValue="%s"/>'
           '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/'
           'keyEncryptor/password"><p:encryptedKey spinCount="%d" saltSize="16" %s '
           'saltValue="%s" encryptedVerifierHashInput="%s" encryptedVerifierHashValue="%s" '
           'encryptedKeyValue="%s"/></keyEncryptor></keyEncryptors></encryption>'
           % (algs, b64(salt_data), b64(bytes(pad16(bytes(hsize)))), b64(bytes(pad16(bytes(hsize)))),
              spin, algs, b64(salt_key), b64(enc_vin), b64(enc_vval), b64(enc_kval)))
    info = struct.pack("<HHI", 4, 4, 0x40) + xml.encode()
    return info, struct.pack("<Q", len(package)) + bytes(body), secret


def agile_bytes(package, password=DEFAULT_PASSWORD, **kw):
    info, pkg, _ = agile_parts(package, password, **kw)
    streams = {"EncryptionInfo": info, "EncryptedPackage": pkg}
    streams.update(_dataspaces())
    return fixtures.cfb_bytes(streams)


# ---------------------------------------------------------------- Standard

def standard_key(password, salt, key_bits):
    hn = spun_hash(hashlib.sha1, salt, password, 50000)
    hf = hashlib.sha1(hn + le32(0)).digest()
    x1 = hashlib.sha1(bytes(b ^ 0x36 for b in hf) + b"\x36" * 44).digest()
    x2 = hashlib.sha1(bytes(b ^ 0x5C for b in hf) + b"\x5c" * 44).digest()
    return (x1 + x2)[:key_bits // 8]


def standard_parts(package, password, key_bits=128, seed=b"standard"):
    salt = hashlib.sha256(seed + b"salt").digest()[:16]
    verifier = hashlib.sha256(seed + b"v").digest()[:16]
    key = standard_key(password, salt, key_bits)
    alg = {128: 0x660E, 192: 0x660F, 256: 0x6610}[key_bits]
    csp = "Microsoft Enhanced RSA and AES Cryptographic Provider\0".encode("utf-16-le")
    header = struct.pack("<IIIIIIII", 0x24, 0, alg, 0x8004, key_bits, 0x18, 0, 0) + csp
    ver = (le32(16) + salt + aes_encrypt(key, verifier) + le32(20) +
           aes_encrypt(key, pad16(hashlib.sha1(verifier).digest())))
    info = struct.pack("<HHI", 3, 2, 0x24) + le32(len(header)) + header + ver
    pkg = struct.pack("<Q", len(package)) + aes_encrypt(key, pad16(package))
    return info, pkg, key


def standard_bytes(package, password=DEFAULT_PASSWORD, **kw):
    info, pkg, _ = standard_parts(package, password, **kw)
    return fixtures.cfb_bytes({"EncryptionInfo": info, "EncryptedPackage": pkg})


# ---------------------------------------------------------------- Excel 97-2003

def biff(rtype, body):
    return struct.pack("<HH", rtype, len(body)) + body


def bof(dt=0x0005):
    return biff(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x0206))


CLEAR_RECORDS = {0x0809, 0x002F, 0x0194, 0x0195, 0x00E1, 0x0196, 0x0138}


def workbook_records(text=b"Quarterly figures", sheet_text=b"Total"):
    """A small BIFF8 workbook stream after its first BOF: globals with one sheet, then the
    sheet; 'text' is in a globals record body (a NAME), 'sheet_text' in the sheet."""
    name = biff(0x0018, struct.pack("<HBBHHHBBBB", 0, 0, len(text), 0, 0, 0, 0, 0, 0, 0)
                + b"\0" + text)
    globals_ = [biff(0x00E1, b"\xb0\x04"), biff(0x00C1, b"\0\0"), name]
    sheet = [bof(0x0010), biff(0x0204, struct.pack("<HHHH", 0, 0, 15, len(sheet_text))
                               + sheet_text), biff(0x000A, b"")]
    return globals_, sheet


def xls_workbook(password=DEFAULT_PASSWORD, capi=False, text=b"Quarterly figures",
                 sheet_text=b"Total", seed=b"xls", encrypt=True):
    """The Workbook stream (bytes) with its FILEPASS, bodies encrypted unless encrypt is
    False, and the RC4 parameters (salt, intermediate key)."""
    salt = hashlib.sha256(seed + b"salt").digest()[:16]
    verifier = hashlib.sha256(seed + b"v").digest()[:16]
    if capi:
        h0 = hashlib.sha1(salt + password.encode("utf-16-le")).digest()

        def block_key(b):
            return hashlib.sha1(h0 + le32(b)).digest()[:16]  # 128-bit CryptoAPI key
        r = rc4(block_key(0), verifier + hashlib.sha1(verifier).digest())
        csp = "Microsoft Enhanced Cryptographic Provider v1.0\0".encode("utf-16-le")
        header = struct.pack("<IIIIIIII", 0x04, 0, 0x6801, 0x8004, 128, 1, 0, 0) + csp
        filepass = (struct.pack("<HHHI", 1, 4, 2, 0x04) + le32(len(header)) + header + le32(16)
                    + salt + r[:16] + le32(20) + r[16:])
        ikey = h0
    else:
        h0 = hashlib.md5(password.encode("utf-16-le")).digest()
        h1 = hashlib.md5((h0[:5] + salt) * 16).digest()[:5]

        def block_key(b):
            return hashlib.md5(h1 + le32(b)).digest()
        r = rc4(block_key(0), verifier + hashlib.md5(verifier).digest())
        filepass = struct.pack("<HHH", 1, 1, 1) + salt + r[:16] + r[16:]
        ikey = h1
    globals_, sheet = workbook_records(text, sheet_text)
    head = bof() + biff(0x002F, filepass)
    rest = b"".join(globals_)

    def boundsheet(pos):  # BoundSheet8: lbPlyPos (left clear), flags, name
        return biff(0x0085, le32(pos) + b"\0\0" + bytes([6, 0]) + b"Sheet1")
    # the sheet's BOF comes after BoundSheet8 and the globals' EOF
    bs = boundsheet(len(head) + len(rest) + len(boundsheet(0)) + 4)
    stream = bytearray(head + rest + bs + biff(0x000A, b"") + b"".join(sheet))
    if encrypt:
        _xls_encrypt(stream, len(head), block_key)
    return bytes(stream), salt, ikey


def _xls_encrypt(stream, start, block_key):
    """RC4 over record bodies by stream offset, in 1024-byte blocks (MS-XLS 2.2.10)."""
    ks = {}

    def at(p):
        b = p // 1024
        if b not in ks:
            ks.clear()
            ks[b] = rc4(block_key(b), bytes(1024))
        return ks[b][p % 1024]
    off = start
    while off + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, off)
        body = off + 4
        if rtype not in CLEAR_RECORDS:
            for p in range(body + (4 if rtype == 0x0085 else 0), body + size):
                stream[p] ^= at(p)
        off = body + size


def xls_bytes(password=DEFAULT_PASSWORD, capi=False, vba=None, **kw):
    wb, _, _ = xls_workbook(password, capi, **kw)
    streams = {"Workbook": wb, "\x05SummaryInformation": b"\xFE\xFF" + b"\0" * 46}
    if vba:
        streams.update(vba)
    return fixtures.cfb_bytes(streams, root_clsid=bytes.fromhex(
        "2008020000000000c000000000000046"))


# ---------------------------------------------------------------- known answers

def kat(out):
    """Fixtures and their expected keys for tests/unit/test_office_crypto.c: one line per
    case in kat.txt: file kind password key-hex (the intermediate key for RC4 kinds)."""
    os.makedirs(out, exist_ok=True)
    # stored noise: the package spans several 4096-byte segments (one IV each)
    plain = fixtures.zip_bytes([("word/media/noise.bin", fixtures.noise(10000))], "stored")
    with open(os.path.join(out, "plain.zip"), "wb") as f:
        f.write(plain)
    lines = []
    for hname, bits, spin in (("SHA512", 256, 1000), ("SHA1", 128, 100), ("SHA256", 192, 10),
                              ("SHA384", 256, 0)):
        name = "agile-%s.info" % hname.lower()
        info, pkg, key = agile_parts(plain, "Secret1", hname, bits, spin, seed=name.encode())
        _put(out, name, info, pkg)
        lines.append("%s agile Secret1 %s" % (name, key.hex()))
    for bits in (128, 256):
        name = "standard-%d.info" % bits
        info, pkg, key = standard_parts(plain, "Pässwort", bits, seed=name.encode())
        _put(out, name, info, pkg)
        lines.append("%s standard Pässwort %s" % (name, key.hex()))
    for capi in (False, True):
        name = "xls-%s.wb" % ("capi" if capi else "rc4")
        wb, _, ikey = xls_workbook("Secret1", capi, seed=name.encode())
        clear, _, _ = xls_workbook("Secret1", capi, seed=name.encode(), encrypt=False)
        with open(os.path.join(out, name), "wb") as f:
            f.write(wb)
        with open(os.path.join(out, name + ".clear"), "wb") as f:
            f.write(clear)
        lines.append("%s %s Secret1 %s" % (name, "capi" if capi else "rc4", ikey.hex()))
    with open(os.path.join(out, "kat.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def _put(out, name, info, pkg):
    with open(os.path.join(out, name), "wb") as f:
        f.write(info)
    with open(os.path.join(out, name.replace(".info", ".pkg")), "wb") as f:
        f.write(pkg)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "kat":
        kat(sys.argv[2])
    else:
        sys.exit("usage: office_encrypt.py kat DIR")
