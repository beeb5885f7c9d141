/*
 * data.yar - flowgate capability rules: encrypting, compressing and archiving data.  With a
 * network capability, any rule in a data/ namespace makes `flowgate analyze` answer
 * "can exfiltrate data: yes" (data is commonly packed and encrypted before it leaves).
 * Conventions: see communication.yar.
 */
import "pe"
import "elf"

rule encrypt_wincrypt_pe
{
    meta:
        capability = "encrypt data"
        namespace = "data/encryption"
        attack = "T1560.002"
        description = "Windows CryptoAPI or CNG: encrypts buffers (CryptEncrypt, BCryptEncrypt, NCryptEncrypt)"
    strings:
        $api1 = "CryptEncrypt" ascii fullword
        $api2 = "BCryptEncrypt" ascii fullword
        $api3 = "NCryptEncrypt" ascii fullword
        $api4 = "CryptGenKey" ascii fullword
        $api5 = "CryptDeriveKey" ascii fullword
        $api6 = "BCryptGenerateSymmetricKey" ascii fullword
    condition:
        pe.is_pe and (
            pe.imports(/^advapi32\.dll$/i, /^CryptEncrypt$/) > 0 or
            pe.imports(/^bcrypt\.dll$/i, /^BCryptEncrypt$/) > 0 or
            pe.imports(/^ncrypt\.dll$/i, /^NCryptEncrypt$/) > 0
            or (pe.imports("kernel32.dll", "GetProcAddress") and any of ($api1, $api2, $api3) and
                any of ($api4, $api5, $api6))
        )
}

rule encrypt_openssl
{
    meta:
        capability = "encrypt data"
        namespace = "data/encryption"
        attack = "T1560.002"
        description = "OpenSSL libcrypto ciphers in the encrypting direction (EVP_Encrypt*, EVP_Seal*, AES_encrypt)"
    strings:
        $sym1 = "EVP_EncryptInit_ex" ascii fullword
        $sym2 = "EVP_EncryptInit" ascii fullword
        $sym3 = "EVP_EncryptUpdate" ascii fullword
        $sym4 = "EVP_SealInit" ascii fullword
        $sym5 = "AES_encrypt" ascii fullword
        $sym6 = "AES_cbc_encrypt" ascii fullword
        $sym7 = "EVP_EncryptInit_ex2" ascii fullword
    condition:
        any of them and (
            for any i in (0..elf.dynsym_entries - 1) :
                (elf.dynsym[i].name matches /^(EVP_EncryptInit(_ex2?)?|EVP_EncryptUpdate|EVP_SealInit|AES_(cbc_)?encrypt)$/) or
            for any i in (0..elf.symtab_entries - 1) :
                (elf.symtab[i].name matches /^(EVP_EncryptInit(_ex2?)?|EVP_EncryptUpdate|EVP_SealInit|AES_(cbc_)?encrypt)$/) or
            pe.imports(/^(libcrypto[-0-9a-z_]*|libeay32)\.dll$/i,
                       /^(EVP_EncryptInit(_ex2?)?|EVP_EncryptUpdate|EVP_SealInit|AES_(cbc_)?encrypt)$/) > 0
        )
}

rule encrypt_cipher_constants
{
    meta:
        capability = "encrypt data"
        namespace = "data/encryption"
        attack = "T1560.003"
        description = "carries its own cipher: the AES S-box or the ChaCha/Salsa20 constant in a program"
    strings:
        /* The first 16 bytes of the AES S-box, and the 32-byte-key constant of Salsa20/ChaCha. */
        $aes_sbox = { 63 7C 77 7B F2 6B 6F C5 30 01 67 2B FE D7 AB 76 }
        $chacha = "expand 32-byte k" ascii
    condition:
        (uint32(0) == 0x464c457f or pe.is_pe) and any of them
}

rule encrypt_files_bulk
{
    meta:
        capability = "encrypt files"
        namespace = "impact/encrypt-files"
        attack = "T1486"
        description = "encrypts data and walks directories: the shape of a file-encrypting program"
    strings:
        $walk1 = "FindFirstFileW" ascii fullword
        $walk2 = "FindFirstFileExW" ascii fullword
        $walk3 = "FindNextFileW" ascii fullword
        $walk4 = "readdir" ascii fullword
        $walk5 = "readdir64" ascii fullword
        $walk6 = "nftw" ascii fullword
        $walk7 = "fts_read" ascii fullword
    condition:
        (encrypt_wincrypt_pe or encrypt_openssl or encrypt_cipher_constants) and any of them and
        (pe.imports(/^kernel32\.dll$/i, /^FindNextFile[AW]$/) > 0 or
         for any i in (0..elf.dynsym_entries - 1) :
            (elf.dynsym[i].name matches /^(readdir(64)?|nftw(64)?|fts_read)$/) or
         for any i in (0..elf.symtab_entries - 1) :
            (elf.symtab[i].name matches /^(readdir(64)?|nftw(64)?|fts_read)$/))
}

rule compress_zlib
{
    meta:
        capability = "compress data"
        namespace = "data/compression"
        attack = "T1560.002"
        description = "zlib in the compressing direction (deflate, compress, gzwrite), linked or built in"
    strings:
        $sym1 = "deflateInit_" ascii fullword
        $sym2 = "deflateInit2_" ascii fullword
        $sym3 = "compress2" ascii fullword
        $sym4 = "gzwrite" ascii fullword
        $sym5 = "deflate" ascii fullword
        $sym6 = "compress" ascii fullword
        $sym7 = "gzputs" ascii fullword
        $sym8 = "gzprintf" ascii fullword
        /* zlib's own banner, left in every program that builds the deflate code in. */
        $banner = / deflate 1\.[0-9.]{1,10} Copyright 1995-/ ascii
    condition:
        (uint32(0) == 0x464c457f or pe.is_pe) and (
            $banner or (any of ($sym*) and (
                for any i in (0..elf.dynsym_entries - 1) :
                    (elf.dynsym[i].name matches /^(deflate(Init2?_)?|compress2?|gzwrite|gzputs|gzprintf)$/) or
                for any i in (0..elf.symtab_entries - 1) :
                    (elf.symtab[i].name matches /^(deflate(Init2?_)?|compress2?|gzwrite|gzputs|gzprintf)$/) or
                pe.imports(/^(zlib1|zlib|zlibwapi)\.dll$/i, /^(deflate(Init2?_)?|compress2?|gzwrite)$/) > 0)))
}

rule compress_other_libraries
{
    meta:
        capability = "compress data"
        namespace = "data/compression"
        attack = "T1560.002"
        description = "bzip2, xz/lzma, zstd, LZ4 or Windows compression APIs in the compressing direction"
    strings:
        $sym1 = "BZ2_bzCompress" ascii fullword
        $sym2 = "lzma_easy_encoder" ascii fullword
        $sym3 = "lzma_stream_encoder" ascii fullword
        $sym4 = "ZSTD_compress" ascii fullword
        $sym5 = "ZSTD_compressStream2" ascii fullword
        $sym6 = "LZ4_compress_default" ascii fullword
        $sym7 = "RtlCompressBuffer" ascii fullword
        $sym8 = "CreateCompressor" ascii fullword
        $sym9 = "archive_write_new" ascii fullword
    condition:
        (uint32(0) == 0x464c457f or pe.is_pe) and any of them and (
            for any i in (0..elf.dynsym_entries - 1) :
                (elf.dynsym[i].name matches /^(BZ2_bzCompress|lzma_(easy|stream)_encoder|ZSTD_compress(Stream2)?|LZ4_compress_default|archive_write_new)$/) or
            for any i in (0..elf.symtab_entries - 1) :
                (elf.symtab[i].name matches /^(BZ2_bzCompress|lzma_(easy|stream)_encoder|ZSTD_compress(Stream2)?|LZ4_compress_default|archive_write_new)$/) or
            pe.imports(/^ntdll\.dll$/i, /^RtlCompressBuffer$/) > 0 or
            pe.imports(/^cabinet\.dll$/i, /^(CreateCompressor|Compress)$/) > 0 or
            (pe.is_pe and pe.imports("kernel32.dll", "GetProcAddress") and any of ($sym7, $sym8)))
}

rule archive_with_utility
{
    meta:
        capability = "archive data with a command-line tool"
        namespace = "data/compression"
        attack = "T1560.001"
        description = "command lines that run 7-Zip, RAR, zip or tar to pack files, often with a password switch (-p, -hp, -P, -e)"
    strings:
        $sevenzip = /\b7z[ar]?(\.exe)?"? +a +[^\r\n\x00]{1,200}/ ascii wide nocase
        $rar = /\b(win)?rar(\.exe)?"? +a +[^\r\n\x00]{1,200}/ ascii wide nocase
        $zip_pw = /\bzip +(-[a-z]*[eP][a-z]* |-P +\S)/ ascii wide
        $tar = /\btar +-?c[a-z]*[zjJ][a-z]*f / ascii wide
    condition:
        (uint32(0) == 0x464c457f or pe.is_pe) and any of them
}
