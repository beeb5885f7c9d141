/*
 * self_delete.yar - flowgate capability rules: removing its own file to leave fewer traces.
 * Conventions: see communication.yar.
 */
import "pe"
import "elf"

rule self_delete_cmd_pe
{
    meta:
        capability = "delete itself"
        namespace = "anti-forensics/self-delete"
        attack = "T1070.004"
        description = "a command line that waits and deletes a file (cmd /c del, often after ping or timeout)"
    strings:
        $del1 = /cmd(\.exe)?"? +\/[cC] +[^\r\n\x00]{0,120}\bdel +/ ascii wide nocase
        $del2 = /\/[cC] +(ping|timeout|choice)[^\r\n\x00]{0,80}&[^\r\n\x00]{0,20}\bdel\b/ ascii wide nocase
        $del3 = /del +(\/[fqFQ] +)*"?%~?[fd]?0/ ascii wide nocase
    condition:
        pe.is_pe and any of them
}

rule self_delete_reboot_pe
{
    meta:
        capability = "delete itself at the next reboot"
        namespace = "anti-forensics/self-delete"
        attack = "T1070.004"
        description = "knows its own path and can ask Windows to remove a file at reboot (MoveFileEx with MOVEFILE_DELAY_UNTIL_REBOOT)"
    strings:
        $move1 = "MoveFileExA" ascii fullword
        $move2 = "MoveFileExW" ascii fullword
        $self1 = "GetModuleFileNameA" ascii fullword
        $self2 = "GetModuleFileNameW" ascii fullword
    condition:
        pe.is_pe and any of ($move*) and any of ($self*) and
        pe.imports(/^kernel32\.dll$/i, /^MoveFileEx[AW]$/) > 0
}

rule self_delete_elf
{
    meta:
        capability = "delete itself"
        namespace = "anti-forensics/self-delete"
        attack = "T1070.004"
        description = "a small or static program that reads its own path (/proc/self/exe) and unlinks files, or a command that removes $0"
    strings:
        $self = "/proc/self/exe" ascii
        $sym1 = "unlink" ascii fullword
        $sym2 = "remove" ascii fullword
        $sym3 = "unlinkat" ascii fullword
        $cmd = /rm +-(r?f|fr?) +("?\$0|\/proc\/self\/exe)/ ascii
    condition:
        uint32(0) == 0x464c457f and
        ($cmd or ($self and any of ($sym*) and
            /* Large programs read /proc/self/exe to find their data and delete temporary
             * files; droppers that erase themselves are small or statically linked. */
            (elf.dynsym_entries < 80 or
             not (for any i in (0..elf.number_of_segments - 1) : (elf.segments[i].type == elf.PT_INTERP))) and
            (for any i in (0..elf.dynsym_entries - 1) :
                (elf.dynsym[i].name matches /^(unlink(at)?|remove)$/) or
             for any i in (0..elf.symtab_entries - 1) :
                (elf.symtab[i].name matches /^(unlink(at)?|remove)$/))))
}
