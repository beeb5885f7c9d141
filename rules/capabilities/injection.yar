/*
 * injection.yar - flowgate capability rules: running code inside another process (remote
 * threads, APCs, hollowing, ptrace, /proc/PID/mem).  Conventions: see communication.yar.
 */
import "pe"
import "elf"

rule inject_remote_thread_pe
{
    meta:
        capability = "inject code into another process"
        namespace = "injection/remote-thread"
        attack = "T1055,T1055.002"
        description = "allocates and writes memory in another process and starts a thread there (VirtualAllocEx, WriteProcessMemory, CreateRemoteThread or an APC)"
    strings:
        $alloc1 = "VirtualAllocEx" ascii fullword
        $alloc2 = "NtAllocateVirtualMemory" ascii fullword
        $write1 = "WriteProcessMemory" ascii fullword
        $write2 = "NtWriteVirtualMemory" ascii fullword
        $run1 = "CreateRemoteThread" ascii fullword
        $run2 = "CreateRemoteThreadEx" ascii fullword
        $run3 = "NtCreateThreadEx" ascii fullword
        $run4 = "RtlCreateUserThread" ascii fullword
        $run5 = "QueueUserAPC" ascii fullword
        $run6 = "NtQueueApcThread" ascii fullword
    condition:
        pe.is_pe and any of ($alloc*) and any of ($write*) and any of ($run*)
}

rule inject_hollowing_pe
{
    meta:
        capability = "replace another process's code (hollowing)"
        namespace = "injection/hollowing"
        attack = "T1055.012,T1055.003"
        description = "unmaps or rewrites a process's image and redirects its thread (NtUnmapViewOfSection or WriteProcessMemory with SetThreadContext and ResumeThread)"
    strings:
        $unmap1 = "NtUnmapViewOfSection" ascii fullword
        $unmap2 = "ZwUnmapViewOfSection" ascii fullword
        $write = "WriteProcessMemory" ascii fullword
        $ctx1 = "SetThreadContext" ascii fullword
        $ctx2 = "Wow64SetThreadContext" ascii fullword
        $resume = "ResumeThread" ascii fullword
    condition:
        pe.is_pe and $write and any of ($ctx*) and $resume and
        (any of ($unmap*) or pe.imports(/^kernel32\.dll$/i, /^(Wow64)?SetThreadContext$/) > 0)
}

rule inject_ptrace_elf
{
    meta:
        capability = "inject code into another process"
        namespace = "injection/ptrace"
        attack = "T1055.008"
        description = "uses ptrace together with another process's memory map or registers (/proc/PID/maps, process_vm_writev)"
    strings:
        $sym1 = "ptrace" ascii fullword
        $maps1 = /\/proc\/%(d|u|i|s|ld)\/(maps|mem)/ ascii
        $maps2 = "process_vm_writev" ascii fullword
    condition:
        uint32(0) == 0x464c457f and $sym1 and any of ($maps*) and
        (for any i in (0..elf.dynsym_entries - 1) : (elf.dynsym[i].name == "ptrace") or
         for any i in (0..elf.symtab_entries - 1) : (elf.symtab[i].name == "ptrace"))
}

rule inject_proc_mem_elf
{
    meta:
        capability = "write another process's memory"
        namespace = "injection/proc-mem"
        attack = "T1055.009"
        description = "writes to /proc/PID/mem or uses process_vm_writev"
    strings:
        $mem = /\/proc\/%(d|u|i|s|ld)\/mem/ ascii
        $sym = "process_vm_writev" ascii fullword
    condition:
        uint32(0) == 0x464c457f and
        ($mem or ($sym and
            (for any i in (0..elf.dynsym_entries - 1) : (elf.dynsym[i].name == "process_vm_writev") or
             for any i in (0..elf.symtab_entries - 1) : (elf.symtab[i].name == "process_vm_writev"))))
}
