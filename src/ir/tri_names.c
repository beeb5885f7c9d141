/*
 * tri_names.c - suspicious names and places: system program names outside their home,
 * names one or two edits from them, double extensions, direction-changing characters,
 * hidden directories in temp places, and programs in temp, AppData, ProgramData, the
 * recycle bin or /dev/shm (each hashed and scanned through tri_examine()).
 */
#define _GNU_SOURCE
#include "tri_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Windows programs attackers name theirs after, and names that are close to them but
 * legitimate (never look-alikes). */
static const char *const win_system[] = {
    "svchost.exe", "lsass.exe", "explorer.exe", "csrss.exe", "winlogon.exe", "services.exe",
    "smss.exe", "wininit.exe", "spoolsv.exe", "taskhost.exe", "taskhostw.exe", "rundll32.exe",
    "dllhost.exe", "conhost.exe", "lsm.exe", "userinit.exe", "ctfmon.exe", "wuauclt.exe",
    "searchindexer.exe", "runtimebroker.exe", "sihost.exe", "regsvr32.exe", "cmd.exe",
    "powershell.exe", "mshta.exe", "wscript.exe", "cscript.exe", "taskmgr.exe", "msiexec.exe",
    "taskeng.exe", "fontdrvhost.exe", "dwm.exe", "audiodg.exe", "wmiprvse.exe", "schtasks.exe",
    "certutil.exe", "bitsadmin.exe", "notepad.exe", "regedit.exe", "winword.exe",
};
static const char *const win_near_ok[] = {
    "iexplore.exe", "lsaiso.exe", "taskhostex.exe", "dllhst3g.exe", "svchost.exe.mui",
    "explorer.exe.mui", "mstsc.exe", "csrsrv.dll", "services.msc", "cscript.exe", "wscript.exe",
    "conhost.dll", "winlogon.dll", "sihclient.exe", "sdiagnhost.exe", "wsqmcons.exe",
    "msdtc.exe", "lsass.dll", "smss.dll", "cmdkey.exe", "dwwin.exe", "dxdiag.exe", "dwm.dll",
};
/* Linux daemons and tools; any "systemd-*" too. */
static const char *const lin_system[] = {
    "sshd", "systemd", "init", "cron", "crond", "atd", "rsyslogd", "dbus-daemon", "udevd",
    "agetty", "login", "sudo", "su", "bash", "sh", "dash", "ssh", "passwd", "polkitd",
    "accounts-daemon", "NetworkManager", "avahi-daemon", "cupsd", "auditd", "containerd",
    "dockerd", "snapd", "xinetd", "getty",
};
/* Names only the kernel's own threads have: no file is ever called this. */
static const char *const kthreads[] = {"kworker", "kthreadd", "ksoftirqd", "kswapd", "kdevtmpfs",
                                       "migration", "rcu_sched", "rcu_preempt", "kauditd",
                                       "khugepaged", "jbd2", "kblockd", "watchdogd"};

static int in_list(const char *name, const char *const *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(name, l[i]))
            return 1;
    return 0;
}
#define IN(name, l) in_list(name, l, sizeof(l) / sizeof(l[0]))

int tri_levenshtein(const char *a, const char *b, int max)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return max + 1;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int c = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j - 1] + c;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

static void lower(const char *s, char *o, size_t n)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++)
        o[i] = (char)tolower((unsigned char)s[i]);
    o[i] = 0;
}

/* Directory components below which a place begins: "/users/x/appdata/local/" ... */
unsigned tri_place(const char *path)
{
    char p[4096];
    lower(path, p, sizeof(p));
    unsigned pl = 0;
    if (!strncmp(p, "/tmp/", 5) || !strncmp(p, "/var/tmp/", 9) || !strncmp(p, "/windows/temp/", 14) ||
        strstr(p, "/appdata/local/temp/"))
        pl |= TRI_PL_TEMP;
    if (!strncmp(p, "/dev/shm/", 9) || !strncmp(p, "/run/shm/", 9))
        pl |= TRI_PL_SHM;
    if (!strncmp(p, "/users/", 7) && strstr(p, "/appdata/"))
        pl |= TRI_PL_APPDATA;
    if (!strncmp(p, "/programdata/", 13))
        pl |= TRI_PL_PROGDATA;
    if (!strncmp(p, "/$recycle.bin/", 14) || !strncmp(p, "/recycler/", 10))
        pl |= TRI_PL_RECYCLE;
    if (!strncmp(p, "/users/public/", 14))
        pl |= TRI_PL_PUBLIC;
    if (!strncmp(p, "/home/", 6) || !strncmp(p, "/root/", 6) || !strncmp(p, "/users/", 7))
        pl |= TRI_PL_HOME;
    /* Hidden directories; in homes only those no ordinary program makes. */
    static const char *const ordinary[] = {".local", ".config", ".cache", ".mozilla", ".var",
                                           ".cargo", ".rustup", ".npm", ".nvm", ".pyenv",
                                           ".vscode", ".gnupg", ".ssh", ".git", ".java"};
    const char *last = strrchr(p, '/');
    for (const char *c = p; c && c < last; c = strchr(c + 1, '/')) {
        if (c[1] != '.')
            continue;
        char comp[64];
        size_t l = strcspn(c + 1, "/");
        snprintf(comp, sizeof(comp), "%.*s", (int)(l < 63 ? l : 63), c + 1);
        if (!strcmp(comp, ".") || !strcmp(comp, ".."))
            continue;
        if ((pl & TRI_PL_HOME) && !(pl & (TRI_PL_TEMP | TRI_PL_SHM)) && IN(comp, ordinary))
            continue;
        if (!strncmp(p, "/usr/", 5) || !strncmp(p, "/etc/", 5) || !strncmp(p, "/var/lib/", 9))
            continue; /* .build-id, .git and the like of packaged trees */
        pl |= TRI_PL_HIDDEN;
    }
    return pl;
}

unsigned tri_place_depth(const char *path)
{
    char p[4096];
    lower(path, p, sizeof(p));
    const char *base = NULL;
    const char *a = strstr(p, "/appdata/");
    if (!strncmp(p, "/programdata/", 13))
        base = p + 13;
    else if (a) {
        base = strchr(a + 9, '/'); /* past Roaming, Local or LocalLow */
        base = base ? base + 1 : a + 9;
    }
    if (!base)
        return 0;
    unsigned d = 0;
    for (const char *c = base; (c = strchr(c, '/')); c++)
        d++;
    return d;
}

const char *tri_place_name(unsigned pl)
{
    if (pl & TRI_PL_SHM)
        return "/dev/shm";
    if (pl & TRI_PL_TEMP)
        return "a temporary directory";
    if (pl & TRI_PL_RECYCLE)
        return "the recycle bin";
    if (pl & TRI_PL_PUBLIC)
        return "the Public profile";
    if (pl & TRI_PL_APPDATA)
        return "AppData";
    if (pl & TRI_PL_PROGDATA)
        return "ProgramData";
    if (pl & TRI_PL_HIDDEN)
        return "a hidden directory";
    return "a home directory";
}

static int win_home(const char *lp)
{
    static const char *const homes[] = {"/windows/system32/", "/windows/syswow64/",
                                        "/windows/winsxs/", "/windows/servicing/",
                                        "/windows/systemapps/", "/windows/microsoft.net/",
                                        "/windows/softwaredistribution/", "/program files/",
                                        "/program files (x86)/"};
    for (size_t i = 0; i < sizeof(homes) / sizeof(homes[0]); i++)
        if (!strncmp(lp, homes[i], strlen(homes[i])))
            return 1;
    /* explorer.exe, regedit.exe, notepad.exe live in \Windows itself */
    const char *s = strrchr(lp, '/');
    return s && s - lp == 8 && !strncmp(lp, "/windows", 8);
}

static int lin_home(const char *p)
{
    static const char *const homes[] = {"/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/lib32/",
                                        "/libx32/", "/etc/init.d/", "/etc/rc.d/", "/etc/sv/",
                                        "/snap/", "/nix/", "/var/lib/docker/",
                                        "/var/lib/containers/", "/var/lib/lxc/", "/var/lib/snapd/",
                                        "/var/lib/dpkg/", "/etc/alternatives/"};
    for (size_t i = 0; i < sizeof(homes) / sizeof(homes[0]); i++)
        if (!strncmp(p, homes[i], strlen(homes[i])))
            return 1;
    return 0;
}

static int has_rlo(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (p[0] == 0xE2 && ((p[1] == 0x80 && (p[2] == 0xAE || p[2] == 0xAD)) ||
                             (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)))
            return 1;
    return 0;
}

/* "invoice.pdf.exe", "photo.jpg   .scr": a document extension before an executable one. */
static int double_ext(const char *name)
{
    static const char *const doc[] = {"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt",
                                      "jpg", "jpeg", "png", "gif", "rtf", "zip", "rar", "mp3",
                                      "mp4", "avi", "htm", "html", "csv", "odt"};
    static const char *const exe[] = {"exe", "scr", "com", "pif", "bat", "cmd", "vbs", "vbe",
                                      "js", "jse", "wsf", "hta", "ps1", "jar", "msi", "cpl", "lnk"};
    const char *last = strrchr(name, '.');
    if (!last || last == name || !IN(last + 1, exe))
        return 0;
    const char *e = last;
    while (e > name && e[-1] == ' ')
        e--;
    const char *prev = e;
    while (prev > name && prev[-1] != '.')
        prev--;
    if (prev == name)
        return 0;
    char ext[16];
    size_t l = (size_t)(e - prev);
    if (l == 0 || l >= sizeof(ext))
        return 0;
    memcpy(ext, prev, l);
    ext[l] = 0;
    return IN(ext, doc);
}

/* "kworker" anything (no real file starts so), "[kworker/0:1]" as ps shows it, or a thread
 * name followed only by its numbering: "kswapd0", "migration/3" - not "migration_util.py". */
static int kthread_name(const char *name)
{
    if (name[0] == '[')
        name++;
    if (!strncmp(name, "kworker", 7))
        return 1;
    for (size_t i = 0; i < sizeof(kthreads) / sizeof(kthreads[0]); i++) {
        size_t l = strlen(kthreads[i]);
        if (strncmp(name, kthreads[i], l))
            continue;
        const char *p = name + l;
        while (*p && strchr("/:0123456789-]", *p))
            p++;
        if (!*p)
            return 1;
    }
    return 0;
}

static int win_exe_ext(const char *name)
{
    return tri_ends_ci(name, ".exe") || tri_ends_ci(name, ".dll") || tri_ends_ci(name, ".scr") ||
           tri_ends_ci(name, ".com");
}

/* The system name a Windows program is one or two edits away from, or NULL. */
static const char *lookalike(const char *name)
{
    if (!win_exe_ext(name) || IN(name, win_system) || IN(name, win_near_ok))
        return NULL;
    const char *dot = strrchr(name, '.');
    char stem[64];
    size_t sl = (size_t)(dot - name);
    if (sl >= sizeof(stem) || sl < 5)
        return NULL;
    memcpy(stem, name, sl);
    stem[sl] = 0;
    for (size_t i = 0; i < sizeof(win_system) / sizeof(win_system[0]); i++) {
        char s2[64];
        snprintf(s2, sizeof(s2), "%s", win_system[i]);
        *strrchr(s2, '.') = 0;
        size_t l2 = strlen(s2);
        int max = l2 >= 7 ? 2 : l2 >= 5 ? 1 : 0;
        if (max && tri_levenshtein(stem, s2, max) <= max)
            return win_system[i];
    }
    return NULL;
}

enum ncls { N_NONE, N_RLO, N_DOUBLE, N_SYSTEM, N_KTHREAD, N_LOOKALIKE };

/* What is wrong with a file's name where it is; exec: the file looks like a program. */
static enum ncls classify(const char *path, int exec, int windows, const char **what)
{
    const char *name = tri_basename(path);
    char lp[4096];
    lower(path, lp, sizeof(lp));
    *what = NULL;
    if (has_rlo(name))
        return N_RLO;
    if (double_ext(name))
        return N_DOUBLE;
    if (IN(name, win_system) && (windows || win_exe_ext(name)) && !win_home(lp)) {
        *what = name;
        return N_SYSTEM;
    }
    if (exec && kthread_name(name))
        return N_KTHREAD;
    if (exec && !windows && (IN(name, lin_system) || !strncmp(name, "systemd-", 8)) &&
        !lin_home(path)) {
        *what = name;
        return N_SYSTEM;
    }
    if ((*what = lookalike(name)))
        return N_LOOKALIKE;
    return N_NONE;
}

const char *tri_name_reason(const char *path, int windows)
{
    const char *what;
    switch (classify(path, 1, windows, &what)) {
    case N_RLO: return "its name has a right-to-left override";
    case N_DOUBLE: return "its name has a double extension";
    case N_SYSTEM: return "a system program's name outside its directory";
    case N_KTHREAD: return "named like a kernel thread";
    case N_LOOKALIKE: return "its name is a look-alike of a system program";
    default: return NULL;
    }
}

static int is_exec(struct tri_host *h, const char *path, const char *name, const struct tri_stat *st)
{
    static const char *const ext[] = {".exe", ".dll", ".scr", ".com", ".bat", ".cmd", ".ps1",
                                      ".vbs", ".vbe", ".js", ".jse", ".wsf", ".hta", ".jar",
                                      ".msi", ".cpl", ".pif", ".sh", ".py", ".elf"};
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (tri_ends_ci(name, ext[i]))
            return 1;
    if (!h->is_windows && (st->mode & 0111) && st->type == TRI_REG)
        return 1;
    return tri_looks_executable(h, path, st);
}

static void name_finding(struct tri_host *h, const char *path, const char *name,
                         enum ncls c, const char *what)
{
    static const struct { const char *id, *msg; } d[] = {
        [N_RLO] = {"tri.name.rlo", "name has a direction-changing character that disguises its extension"},
        [N_DOUBLE] = {"tri.name.double-ext", "name has a document extension before an executable one"},
        [N_SYSTEM] = {"tri.name.system-elsewhere", "system program name outside its home directory"},
        [N_KTHREAD] = {"tri.name.kernel-thread", "program named like a kernel thread (no real file has this name)"},
        [N_LOOKALIKE] = {"tri.name.lookalike", "name is one or two edits from a system program's"},
    };
    struct tri_exam ex = {0};
    int ok = !tri_examine(h, path, 1, &ex);
    char ev[512];
    snprintf(ev, sizeof(ev), "%s%s%s%s%s", what ? "system name: " : "", what ? what : "",
             ok ? (what ? "; sha256 " : "sha256 ") : "", ok ? ex.sha256 : "",
             ex.flagged ? "; flagged by the scan" : "");
    struct tri_note n = {.id = d[c].id, .sev = FG_SEV_HIGH, .path = path, .name = name,
                         .sha256 = ok ? ex.sha256 : "", .rule = ex.flagged ? ex.rule : ""};
    tri_report(h, &n, ev, "%s", d[c].msg);
}

static void place_finding(struct tri_host *h, const char *path, const char *name, unsigned pl)
{
    unsigned depth = tri_place_depth(path);
    int risky = (pl & (TRI_PL_TEMP | TRI_PL_SHM | TRI_PL_RECYCLE | TRI_PL_PUBLIC)) ||
                ((pl & (TRI_PL_APPDATA | TRI_PL_PROGDATA)) && depth == 0);
    struct tri_exam ex = {0};
    /* Installed programs under AppData\Local\<Vendor> are ordinary: scanned, not reported. */
    int ok = !tri_examine(h, path, risky, &ex);
    if (!risky)
        return;
    enum fg_severity sev = (pl & TRI_PL_HIDDEN) ? FG_SEV_HIGH : FG_SEV_MEDIUM;
    char ev[512];
    snprintf(ev, sizeof(ev), "place: %s%s%s%s", tri_place_name(pl),
             (pl & TRI_PL_HIDDEN) ? " (hidden directory)" : "", ok ? "; sha256 " : "",
             ok ? ex.sha256 : "");
    struct tri_note n = {.id = "tri.place.executable", .sev = sev, .path = path, .name = name,
                         .sha256 = ok ? ex.sha256 : "", .rule = ex.flagged ? ex.rule : ""};
    tri_report(h, &n, ev, "program or script in %s", tri_place_name(pl));
}

void tri_names_check(struct tri_host *h, const char *path, const char *name,
                     const struct tri_stat *st)
{
    unsigned pl = tri_place(path);
    if (st->type == TRI_DIR) {
        static const char *const x11[] = {".X11-unix", ".ICE-unix", ".XIM-unix", ".font-unix",
                                          ".Test-unix", ".X0-lock"};
        if (has_rlo(name)) {
            struct tri_note n = {.id = "tri.name.rlo", .sev = FG_SEV_HIGH, .path = path, .name = name};
            tri_report(h, &n, "", "directory name has a direction-changing character");
        } else if (name[0] == '.' && (pl & (TRI_PL_TEMP | TRI_PL_SHM)) && !IN(name, x11)) {
            struct tri_note n = {.id = "tri.name.hidden-temp-dir", .sev = FG_SEV_MEDIUM,
                                 .path = path, .name = name};
            tri_report(h, &n, "", "hidden directory in %s", tri_place_name(pl));
        }
        return;
    }
    if (st->type != TRI_REG)
        return;
    int exec = -1;
    const char *what = NULL;
    /* The cheap name tests first: most files need no read at all. */
    int candidate = has_rlo(name) || double_ext(name) || IN(name, win_system) ||
                    kthread_name(name) || IN(name, lin_system) || !strncmp(name, "systemd-", 8) ||
                    lookalike(name);
    if (candidate) {
        exec = is_exec(h, path, name, st);
        enum ncls c = classify(path, exec, h->is_windows && !h->is_linux, &what);
        if (c != N_NONE)
            name_finding(h, path, name, c, what);
    }
    if (pl & (TRI_PL_TEMP | TRI_PL_SHM | TRI_PL_APPDATA | TRI_PL_PROGDATA | TRI_PL_RECYCLE |
              TRI_PL_PUBLIC)) {
        if (exec < 0)
            exec = is_exec(h, path, name, st);
        if (exec)
            place_finding(h, path, name, pl);
    }
}
