/*
 * anti_analysis.yar - flowgate capability rules: noticing debuggers, sandboxes and virtual
 * machines, and waiting them out.  Several of these calls also serve ordinary programs
 * (the Microsoft C runtime imports IsDebuggerPresent): read them as "can", not "does".
 * Conventions: see communication.yar.
 */
import "pe"
import "elf"

rule debugger_check_pe
{
    meta:
        capability = "detect a debugger"
        namespace = "anti-analysis/debugger"
        attack = "T1622"
        description = "asks Windows whether a debugger is attached (IsDebuggerPresent, CheckRemoteDebuggerPresent, NtQueryInformationProcess)"
    strings:
        $api1 = "IsDebuggerPresent" ascii fullword
        $api2 = "CheckRemoteDebuggerPresent" ascii fullword
        $api3 = "NtQueryInformationProcess" ascii fullword
        $api4 = "OutputDebugStringA" ascii fullword
    condition:
        pe.is_pe and any of ($api1, $api2, $api3) and
        (pe.imports(/^kernel32\.dll$/i, /^(IsDebuggerPresent|CheckRemoteDebuggerPresent)$/) > 0 or
         pe.imports(/^ntdll\.dll$/i, /^(Nt|Zw)QueryInformationProcess$/) > 0 or
         (pe.imports("kernel32.dll", "GetProcAddress") and ($api2 or $api3) and
          ($api4 or $api1)))
}

rule analysis_tool_names
{
    meta:
        capability = "look for analysis tools"
        namespace = "anti-analysis/tools"
        attack = "T1622,T1497.001"
        description = "names of debuggers and monitoring tools a program may look for among processes or windows"
    strings:
        $t1 = "ollydbg" ascii wide nocase
        $t2 = "x64dbg" ascii wide nocase
        $t3 = "x32dbg" ascii wide nocase
        $t4 = "windbg" ascii wide nocase
        $t5 = "idaq" ascii wide nocase
        $t6 = "procmon" ascii wide nocase
        $t7 = "procexp" ascii wide nocase
        $t8 = "wireshark" ascii wide nocase
        $t9 = "processhacker" ascii wide nocase
        $t10 = "fiddler" ascii wide nocase
    condition:
        pe.is_pe and 3 of them
}

rule tracer_check_elf
{
    meta:
        capability = "detect a debugger"
        namespace = "anti-analysis/debugger"
        attack = "T1622"
        description = "reads TracerPid from /proc/self/status, or calls ptrace on itself, to notice a tracer"
    strings:
        $status = "/proc/self/status" ascii
        $tracer = "TracerPid" ascii
        $ptrace = "ptrace" ascii fullword
        $other_process = /\/proc\/%(d|u|i|s|ld)\/(maps|mem)/ ascii
    condition:
        uint32(0) == 0x464c457f and
        ($tracer or
         ($ptrace and $status and not $other_process and
          (for any i in (0..elf.dynsym_entries - 1) : (elf.dynsym[i].name == "ptrace") or
           for any i in (0..elf.symtab_entries - 1) : (elf.symtab[i].name == "ptrace"))))
}

rule vm_artifacts
{
    meta:
        capability = "detect a virtual machine"
        namespace = "anti-analysis/vm"
        attack = "T1497.001"
        description = "names of virtual machine drivers, services, vendors or hypervisor markers"
    strings:
        $v1 = "VBoxService" ascii wide nocase
        $v2 = "VBoxGuest" ascii wide nocase
        $v3 = "vmtoolsd" ascii wide nocase
        $v4 = "VMware Tools" ascii wide nocase
        $v5 = "vmhgfs" ascii wide nocase
        $v6 = "QEMU" ascii wide
        $v7 = "innotek" ascii wide nocase
        $v8 = "/sys/class/dmi/id/product_name" ascii
        $v9 = "/sys/class/dmi/id/sys_vendor" ascii
        $v10 = "hypervisor" ascii wide fullword
        $v11 = "VirtualBox" ascii wide
        $v12 = "vboxmrxnp" ascii wide nocase
    condition:
        (pe.is_pe or uint32(0) == 0x464c457f) and 2 of them
}

rule hardware_check_pe
{
    meta:
        capability = "inspect the hardware (CPU count, memory, disk)"
        namespace = "anti-analysis/sandbox"
        attack = "T1497.001"
        description = "reads processor count, memory and disk size together: sandboxes are small machines"
    strings:
        $cpu1 = "GetSystemInfo" ascii fullword
        $cpu2 = "GetNativeSystemInfo" ascii fullword
        $cpu3 = "NumberOfProcessors" ascii wide
        $mem = "GlobalMemoryStatusEx" ascii fullword
        $disk1 = "GetDiskFreeSpaceExA" ascii fullword
        $disk2 = "GetDiskFreeSpaceExW" ascii fullword
        $disk3 = "IOCTL_DISK_GET_LENGTH_INFO" ascii wide
    condition:
        pe.is_pe and any of ($cpu*) and $mem and any of ($disk*) and
        pe.imports(/^kernel32\.dll$/i, /^GlobalMemoryStatusEx$/) > 0
}

rule hardware_check_elf
{
    meta:
        capability = "inspect the hardware (CPU count, memory)"
        namespace = "anti-analysis/sandbox"
        attack = "T1497.001"
        description = "reads the processor count and memory size (get_nprocs, /proc/cpuinfo, sysinfo, /proc/meminfo) and looks for a hypervisor"
    strings:
        $cpu1 = "get_nprocs" ascii fullword
        $cpu2 = "/proc/cpuinfo" ascii
        $mem1 = "sysinfo" ascii fullword
        $mem2 = "/proc/meminfo" ascii
        $hv1 = "hypervisor" ascii fullword
        $hv2 = "/sys/class/dmi/id" ascii
        $hv3 = "/proc/scsi/scsi" ascii
    condition:
        uint32(0) == 0x464c457f and any of ($cpu*) and any of ($mem*) and any of ($hv*)
}

rule sleep_evasion_pe
{
    meta:
        capability = "delay or check the time to outwait a sandbox"
        namespace = "anti-analysis/sleep"
        attack = "T1497.003,T1497.002"
        description = "sleeps through the native API (NtDelayExecution) or measures user idle time around a sleep (GetLastInputInfo)"
    strings:
        $api1 = "NtDelayExecution" ascii fullword
        $api2 = "ZwDelayExecution" ascii fullword
        $idle = "GetLastInputInfo" ascii fullword
        $sleep1 = "Sleep" ascii fullword
        $sleep2 = "SleepEx" ascii fullword
    condition:
        pe.is_pe and
        (any of ($api*) or
         ($idle and any of ($sleep*) and pe.imports(/^user32\.dll$/i, /^GetLastInputInfo$/) > 0))
}
