/*
 * The EICAR anti-virus test file: a harmless 68-byte string that every scanner detects,
 * so that detection can be tested without malware.  Matched anywhere in an object, since
 * test files are often padded or embedded.
 */
rule EICAR_Test_File
{
    meta:
        description = "EICAR anti-virus test file"
        severity = "high"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"
    strings:
        $eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        $eicar
}
