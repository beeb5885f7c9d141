/*
 * privilege.yar - flowgate capability rules: gaining privileges (token privileges and
 * impersonation on Windows; setuid, setuid bits and sudoers on Linux).
 * Conventions: see communication.yar.
 */
import "pe"
import "elf"

rule token_privileges_pe
{
    meta:
        capability = "enable token privileges"
        namespace = "privilege/token"
        attack = "T1134"
        description = "enables privileges in its access token (AdjustTokenPrivileges), such as SeDebugPrivilege"
    strings:
        $api1 = "AdjustTokenPrivileges" ascii fullword
        $api2 = "LookupPrivilegeValueA" ascii fullword
        $api3 = "LookupPrivilegeValueW" ascii fullword
        $priv1 = "SeDebugPrivilege" ascii wide
        $priv2 = "SeTakeOwnershipPrivilege" ascii wide
        $priv3 = "SeLoadDriverPrivilege" ascii wide
        $priv4 = "SeImpersonatePrivilege" ascii wide
    condition:
        pe.is_pe and $api1 and (any of ($api2, $api3) or any of ($priv*)) and
        pe.imports(/^advapi32\.dll$/i, /^AdjustTokenPrivileges$/) > 0
}

rule token_impersonation_pe
{
    meta:
        capability = "impersonate another user's token"
        namespace = "privilege/token"
        attack = "T1134.001,T1134.002"
        description = "duplicates a token and impersonates it or starts a process with it"
    strings:
        $dup1 = "DuplicateTokenEx" ascii fullword
        $dup2 = "DuplicateToken" ascii fullword
        $use1 = "ImpersonateLoggedOnUser" ascii fullword
        $use2 = "CreateProcessWithTokenW" ascii fullword
        $use3 = "CreateProcessAsUserW" ascii fullword
        $use4 = "SetThreadToken" ascii fullword
    condition:
        pe.is_pe and any of ($dup*) and any of ($use*) and
        pe.imports(/^advapi32\.dll$/i, /^DuplicateToken(Ex)?$/) > 0
}

rule setuid_shell_elf
{
    meta:
        capability = "change user id and run a shell"
        namespace = "privilege/setuid"
        attack = "T1548.001"
        description = "sets its user or group id (setuid, setresuid ...) and executes a shell"
    strings:
        $sym1 = "setuid" ascii fullword
        $sym2 = "setreuid" ascii fullword
        $sym3 = "setresuid" ascii fullword
        $sym4 = "setgid" ascii fullword
        $shell1 = "/bin/sh" ascii fullword
        $shell2 = "/bin/bash" ascii fullword
        $exec1 = "execve" ascii fullword
        $exec2 = "execl" ascii fullword
        $exec3 = "system" ascii fullword
        $exec4 = "execv" ascii fullword
    condition:
        uint32(0) == 0x464c457f and any of ($sym*) and any of ($shell*) and any of ($exec*) and
        (for any i in (0..elf.dynsym_entries - 1) :
            (elf.dynsym[i].name matches /^set(res|re)?[ug]id$/) or
         for any i in (0..elf.symtab_entries - 1) :
            (elf.symtab[i].name matches /^set(res|re)?[ug]id$/))
}

rule setuid_bit_elf
{
    meta:
        capability = "make a file setuid"
        namespace = "privilege/setuid"
        attack = "T1548.001"
        description = "sets the setuid or setgid bit on a file (chmod u+s, chmod 4755, setcap)"
    strings:
        $cmd1 = /chmod +([ug]\+s|[246][0-7]{3}) / ascii
        $cmd2 = /setcap +cap_setuid/ ascii
    condition:
        uint32(0) == 0x464c457f and any of them
}

rule sudoers_elf
{
    meta:
        capability = "change sudo rules"
        namespace = "privilege/sudo"
        attack = "T1548.003"
        description = "names /etc/sudoers or grants NOPASSWD rules"
    strings:
        $file1 = "/etc/sudoers" ascii
        $rule = "NOPASSWD" ascii
    condition:
        uint32(0) == 0x464c457f and any of them
}
