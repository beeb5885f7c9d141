/*
 * persistence.yar - flowgate capability rules: surviving a reboot or a logout (registry Run
 * keys, startup folders, services, scheduled tasks, systemd units, cron, shell start-up
 * files, the dynamic linker's preload list).  Conventions: see communication.yar.
 */
import "pe"
import "elf"

rule registry_run_key
{
    meta:
        capability = "persist through a registry Run key"
        namespace = "persistence/registry"
        attack = "T1547.001"
        description = "names a Run, RunOnce or Winlogon value that Windows starts programs from"
    strings:
        $run = /Software\\Microsoft\\Windows\\CurrentVersion\\(Run|RunOnce|RunServices|RunServicesOnce|Policies\\Explorer\\Run)\b/ ascii wide nocase
        $winlogon = /Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon/ ascii wide nocase
        $winlogon_value1 = "Userinit" ascii wide
        $winlogon_value2 = "Shell" ascii wide fullword
    condition:
        (pe.is_pe or uint32(0) == 0x464c457f) and
        ($run or ($winlogon and any of ($winlogon_value*)))
}

rule startup_folder
{
    meta:
        capability = "persist through the startup folder"
        namespace = "persistence/startup-folder"
        attack = "T1547.001"
        description = "names the Start Menu Startup folder, whose programs run at logon"
    strings:
        $path = /Start Menu\\Programs\\Startup/ ascii wide nocase
    condition:
        pe.is_pe and $path
}

rule service_install_pe
{
    meta:
        capability = "install a Windows service"
        namespace = "persistence/service"
        attack = "T1543.003"
        description = "creates a service (CreateService, or sc.exe create / New-Service on a command line)"
    strings:
        $api1 = "CreateServiceA" ascii fullword
        $api2 = "CreateServiceW" ascii fullword
        $cmd1 = /\bsc(\.exe)? +create +\S/ ascii wide nocase
        $cmd2 = "New-Service" ascii wide nocase
    condition:
        pe.is_pe and (
            (any of ($api*) and pe.imports(/^advapi32\.dll$/i, /^CreateService[AW]$/) > 0) or
            any of ($cmd*))
}

rule scheduled_task
{
    meta:
        capability = "create a scheduled task"
        namespace = "persistence/scheduled-task"
        attack = "T1053.005"
        description = "runs schtasks /create or uses the Task Scheduler COM interface (Schedule.Service)"
    strings:
        $cmd = /schtasks(\.exe)?"? +[^\r\n\x00]{0,80}\/create/ ascii wide nocase
        $com = "Schedule.Service" ascii wide nocase
        $ps = "Register-ScheduledTask" ascii wide nocase
    condition:
        pe.is_pe and any of them
}

rule systemd_service_elf
{
    meta:
        capability = "install a systemd service"
        namespace = "persistence/systemd"
        attack = "T1543.002"
        description = "writes a systemd unit (a unit directory with [Service]/ExecStart=) or enables one"
    strings:
        $dir1 = "/etc/systemd/system" ascii
        $dir2 = "/lib/systemd/system" ascii
        $dir3 = ".config/systemd/user" ascii
        $unit1 = "[Service]" ascii
        $unit2 = "ExecStart=" ascii
        $enable = /systemctl +(--user +)?(enable|daemon-reload)/ ascii
    condition:
        uint32(0) == 0x464c457f and
        ((any of ($dir*) and any of ($unit*)) or ($enable and any of ($dir*, $unit*)))
}

rule cron_elf
{
    meta:
        capability = "schedule with cron"
        namespace = "persistence/cron"
        attack = "T1053.003"
        description = "writes crontab entries (/etc/cron*, /var/spool/cron, crontab -)"
    strings:
        $path1 = "/etc/crontab" ascii
        $path2 = "/etc/cron.d" ascii
        $path3 = /\/etc\/cron\.(hourly|daily|weekly|monthly)/ ascii
        $path4 = "/var/spool/cron" ascii
        $cmd = /crontab +(-l|-)\b/ ascii
        $line = /(@reboot|\* \* \* \* \*) +\// ascii
    condition:
        uint32(0) == 0x464c457f and any of them
}

rule shell_startup_elf
{
    meta:
        capability = "persist through shell or boot scripts"
        namespace = "persistence/shell-startup"
        attack = "T1546.004,T1037.004"
        description = "appends to shell start-up files (.bashrc, .profile) or boot scripts (/etc/rc.local, /etc/init.d)"
    strings:
        $rc1 = "/.bashrc" ascii
        $rc2 = "/.bash_profile" ascii
        $rc3 = "/.profile" ascii fullword
        $rc4 = "/etc/profile.d/" ascii
        $boot1 = "/etc/rc.local" ascii
        $boot2 = "/etc/init.d/" ascii
        /* An append on a shell command line: echo ... >> ~/.bashrc, ... | tee -a */
        $write1 = /(>>|\btee +-a) *[~$"]?[A-Za-z{}\/._]*\/(\.bashrc|\.bash_profile|\.profile|profile\.d|rc\.local|init\.d)/ ascii
    condition:
        uint32(0) == 0x464c457f and (any of ($rc*) or any of ($boot*)) and any of ($write*)
}

rule preload_hijack_elf
{
    meta:
        capability = "hijack the dynamic linker"
        namespace = "persistence/preload"
        attack = "T1574.006"
        description = "names /etc/ld.so.preload or sets LD_PRELOAD, to load its code into other programs"
    strings:
        $file = "/etc/ld.so.preload" ascii
        $env = /LD_PRELOAD=/ ascii
    condition:
        uint32(0) == 0x464c457f and any of them
}
