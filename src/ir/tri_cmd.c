/*
 * tri_cmd.c - autostart commands: which program an entry runs (Windows environment
 * variables and registry path forms expanded, shell wrappers skipped), whether it is in the
 * ROOT, whether the command is unusual, and the one place where every autostart entry of
 * every kind becomes a finding.
 */
#define _GNU_SOURCE
#include "tri_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"

struct pattern {
    const char *all[3]; /* every one must occur (lower case) */
    const char *why;
};

/* Text that downloads, decodes or hides what it runs.  Plain curl or wget (health checks,
 * updates) is ordinary; piping what they fetch into a shell is not. */
static const struct pattern suspicious[] = {
    {{"powershell", " -enc"}, "encoded PowerShell command"},
    {{"powershell", " -e "}, "encoded PowerShell command"},
    {{"powershell", " -ec "}, "encoded PowerShell command"},
    {{"powershell", "-encodedcommand"}, "encoded PowerShell command"},
    {{"frombase64string"}, "decodes base64 in PowerShell"},
    {{"downloadstring"}, "downloads and runs PowerShell (DownloadString)"},
    {{"downloadfile"}, "downloads a file (WebClient.DownloadFile)"},
    {{"invoke-webrequest"}, "downloads with Invoke-WebRequest"},
    {{"net.webclient"}, "downloads with Net.WebClient"},
    {{"start-bitstransfer"}, "downloads with BITS"},
    {{"bitsadmin", "/transfer"}, "downloads with bitsadmin"},
    {{"certutil", "-urlcache"}, "downloads with certutil"},
    {{"invoke-expression"}, "evaluates text as PowerShell"},
    {{"iex("}, "evaluates text as PowerShell"},
    {{"iex ("}, "evaluates text as PowerShell"},
    {{"-windowstyle hidden"}, "hidden PowerShell window"},
    {{"powershell", "-w hidden"}, "hidden PowerShell window"},
    {{"mshta", "http"}, "mshta runs a remote script"},
    {{"mshta", "javascript:"}, "mshta runs inline script"},
    {{"mshta", "vbscript:"}, "mshta runs inline script"},
    {{"regsvr32", "/i:http"}, "regsvr32 runs a remote scriptlet"},
    {{"regsvr32", "scrobj"}, "regsvr32 runs a scriptlet"},
    {{"rundll32", "javascript:"}, "rundll32 runs inline script"},
    {{"curl", "| sh"}, "downloads and runs a script"},
    {{"curl", "|sh"}, "downloads and runs a script"},
    {{"curl", "| bash"}, "downloads and runs a script"},
    {{"curl", "|bash"}, "downloads and runs a script"},
    {{"wget", "| sh"}, "downloads and runs a script"},
    {{"wget", "|sh"}, "downloads and runs a script"},
    {{"wget", "| bash"}, "downloads and runs a script"},
    {{"wget", "-o-", "sh"}, "downloads and runs a script"},
    {{"base64", "-d", "sh"}, "decodes and runs base64 text"},
    {{"base64", "--decode", "sh"}, "decodes and runs base64 text"},
    {{"base64", "-d", "eval"}, "decodes and runs base64 text"},
    {{"/dev/tcp/"}, "opens a raw TCP connection from the shell (reverse shell)"},
    {{"nc ", " -e "}, "netcat with -e (reverse shell)"},
    {{"ncat ", " -e "}, "netcat with -e (reverse shell)"},
    {{"socat", "exec:"}, "socat runs a program over the network"},
    {{"ld_preload="}, "sets LD_PRELOAD"},
    {{"python", "-c", "socket"}, "inline Python with sockets"},
};

const char *tri_cmd_suspicious_text(const char *s)
{
    char low[FG_CAP_TRI_LINE];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof(low); i++)
        low[i] = (char)tolower((unsigned char)s[i]);
    low[i] = 0;
    for (size_t k = 0; k < sizeof(suspicious) / sizeof(suspicious[0]); k++) {
        int all = 1;
        for (int j = 0; j < 3 && suspicious[k].all[j]; j++)
            if (!strstr(low, suspicious[k].all[j]))
                all = 0;
        if (all)
            return suspicious[k].why;
    }
    return NULL;
}

/* %VAR% -> a path inside the ROOT ('/' separated); user NULL: per-user folders unknown. */
static const char *expand_var(const char *var, const char *user, char *buf, size_t n)
{
    static const struct { const char *name, *path; int per_user; } vars[] = {
        {"systemroot", "/Windows", 0}, {"windir", "/Windows", 0}, {"systemdrive", "", 0},
        {"programfiles", "/Program Files", 0}, {"programfiles(x86)", "/Program Files (x86)", 0},
        {"programw6432", "/Program Files", 0}, {"commonprogramfiles", "/Program Files/Common Files", 0},
        {"programdata", "/ProgramData", 0}, {"allusersprofile", "/ProgramData", 0},
        {"public", "/Users/Public", 0}, {"appdata", "AppData/Roaming", 1},
        {"localappdata", "AppData/Local", 1}, {"userprofile", "", 1},
        {"temp", "AppData/Local/Temp", 1}, {"tmp", "AppData/Local/Temp", 1},
    };
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        if (strcasecmp(var, vars[i].name))
            continue;
        if (!vars[i].per_user)
            return vars[i].path;
        /* Machine-wide entries naming a per-user folder: the folder of no known user is
         * still a user-writable place, which is what the checks need to know. */
        snprintf(buf, n, "/Users/%s%s%s", user ? user : "_user_", vars[i].path[0] ? "/" : "",
                 vars[i].path);
        return buf;
    }
    return NULL;
}

/* A Windows program path as written in the registry or a task -> internal path. */
static void win_path(const char *in, const char *user, char *out, size_t n)
{
    char tmp[2048];
    size_t k = 0;
    const char *p = in;
    if (!strncmp(p, "\\??\\", 4))
        p += 4;
    if (tri_starts_ci(p, "\\SystemRoot\\")) {
        k = (size_t)snprintf(tmp, sizeof(tmp), "/Windows");
        p += 11;
    } else if (tri_starts_ci(p, "system32\\")) {
        k = (size_t)snprintf(tmp, sizeof(tmp), "/Windows/");
    }
    while (*p && k + 1 < sizeof(tmp)) {
        if (*p == '%') {
            const char *e = strchr(p + 1, '%');
            char var[64], vb[512];
            if (e && (size_t)(e - p - 1) < sizeof(var)) {
                memcpy(var, p + 1, (size_t)(e - p - 1));
                var[e - p - 1] = 0;
                const char *x = expand_var(var, user, vb, sizeof(vb));
                if (x) {
                    k += (size_t)snprintf(tmp + k, sizeof(tmp) - k, "%s", x);
                    p = e + 1;
                    continue;
                }
            }
        }
        tmp[k++] = *p == '\\' ? '/' : *p;
        p++;
    }
    tmp[k < sizeof(tmp) ? k : sizeof(tmp) - 1] = 0;
    const char *s = tmp;
    if (isalpha((unsigned char)s[0]) && s[1] == ':')
        s += 2; /* every drive letter is the ROOT: triage reads one volume */
    int w;
    if (s[0] != '/' && !strchr(s, '/'))
        w = snprintf(out, n, "/Windows/System32/%s", s); /* a bare name: found through PATH */
    else
        w = snprintf(out, n, "%s%s", s[0] == '/' ? "" : "/", s);
    if (w < 0 || (size_t)w >= n)
        out[0] = 0; /* a cut path would name another file */
}

/* The next word of a command line (quotes removed); returns the rest or NULL. */
static const char *next_word(const char *p, char *w, size_t n)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    if (!*p)
        return NULL;
    size_t k = 0;
    char q = 0;
    for (; *p; p++) {
        if (q) {
            if (*p == q) {
                q = 0;
                continue;
            }
        } else if (*p == '"' || *p == '\'') {
            q = *p;
            continue;
        } else if (isspace((unsigned char)*p)) {
            break;
        }
        if (k + 1 < n)
            w[k++] = *p;
    }
    w[k] = 0;
    return p;
}

static int has_ext(const char *w)
{
    static const char *ext[] = {".exe", ".dll", ".bat", ".cmd", ".com", ".scr", ".ps1",
                                ".vbs", ".js", ".hta", ".cpl", ".sys", ".lnk"};
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (tri_ends_ci(w, ext[i]))
            return 1;
    return 0;
}

/* The program of a Windows command: quoted, or the shortest prefix that names a file. */
static void win_program(struct tri_host *h, const char *cmd, const char *user, char *out, size_t n)
{
    char prog[2048], ip[2048], real[4096];
    while (isspace((unsigned char)*cmd))
        cmd++;
    if (*cmd == '"') {
        const char *e = strchr(cmd + 1, '"');
        size_t l = e ? (size_t)(e - cmd - 1) : strlen(cmd + 1);
        snprintf(prog, sizeof(prog), "%.*s", (int)(l < sizeof(prog) - 1 ? l : sizeof(prog) - 1), cmd + 1);
    } else {
        /* C:\Program Files\x\y.exe /s unquoted: try each prefix ending before a space. */
        size_t len = strlen(cmd);
        snprintf(prog, sizeof(prog), "%.*s", (int)strcspn(cmd, " \t"), cmd);
        for (size_t i = 0; i < len && i < sizeof(prog) - 1; i++) {
            if (cmd[i] != ' ' && cmd[i + 1] != 0)
                continue;
            size_t l = cmd[i] == ' ' ? i : i + 1;
            char cand[2048];
            snprintf(cand, sizeof(cand), "%.*s", (int)l, cmd);
            win_path(cand, user, ip, sizeof(ip));
            if (!tri_fs_resolve(h->fs, ip, 1, real, sizeof(real)) || has_ext(cand)) {
                snprintf(prog, sizeof(prog), "%s", cand);
                break;
            }
        }
    }
    win_path(prog, user, out, n);
    if (!has_ext(out) && !strchr(prog, '\\') && !strchr(prog, '.'))
        snprintf(out + strlen(out), n - strlen(out), ".exe");
    if (!strchr(prog, '\\') && !strchr(prog, '/') && tri_fs_resolve(h->fs, out, 1, real, sizeof(real))) {
        /* a bare name is looked up along the system PATH */
        static const char *const path_dirs[] = {"/Windows", "/Windows/System32/WindowsPowerShell/v1.0",
                                                "/Windows/SysWOW64"};
        for (size_t i = 0; i < sizeof(path_dirs) / sizeof(path_dirs[0]); i++) {
            char c[2048];
            if ((size_t)snprintf(c, sizeof(c), "%s/%s", path_dirs[i], tri_basename(out)) < sizeof(c) &&
                !tri_fs_resolve(h->fs, c, 1, real, sizeof(real))) {
                snprintf(out, n, "%s", c);
                break;
            }
        }
    }
    /* rundll32 DLL,Entry and regsvr32 DLL run the DLL: that is the target. */
    const char *b = tri_basename(out);
    if (!strcasecmp(b, "rundll32.exe") || !strcasecmp(b, "regsvr32.exe")) {
        const char *rest = strstr(cmd, tri_basename(prog));
        char w[2048];
        rest = rest ? rest + strlen(tri_basename(prog)) : NULL;
        if (rest && *rest == '"')
            rest++;
        while (rest && (rest = next_word(rest, w, sizeof(w))) && w[0] == '/')
            ;
        if (rest && w[0]) {
            w[strcspn(w, ",")] = 0;
            win_path(w, user, out, n);
        }
    }
}

static int is_wrapper(const char *w)
{
    static const char *skip[] = {"nohup", "exec", "setsid", "sudo", "env", "nice", "ionice",
                                 "command", "test", "[", "if", "then", "cd", "flock", "!",
                                 "/usr/bin/env", "/usr/bin/nice", "/usr/bin/flock", "chronic",
                                 "run-parts", "/bin/run-parts", "/usr/bin/run-parts", "-x", "-e",
                                 "-f", "-d", "--report", "&&", "||", "(", "{"};
    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
        if (!strcmp(w, skip[i]))
            return 1;
    return strchr(w, '=') && w[0] != '/'; /* VAR=value */
}

/* The program of a Unix command line: the first absolute path, else the first word
 * looked up in the usual PATH. */
static void unix_program(struct tri_host *h, const char *cmd, char *out, size_t n)
{
    char w[2048], first[256] = "", real[4096];
    const char *p = cmd;
    int operands = 0; /* inside "test ...", "[ ... ]" or "cd DIR": paths there are not run */
    out[0] = 0;
    while ((p = next_word(p, w, sizeof(w)))) {
        size_t l = strlen(w);
        int ends = l && strchr(";)&|}", w[l - 1]);
        while (l && strchr(";)&|}", w[l - 1]))
            w[--l] = 0;
        if (operands) {
            if (ends || !strcmp(w, "]") || !l)
                operands = 0;
            continue;
        }
        if (!strcmp(w, "test") || !strcmp(w, "[") || !strcmp(w, "cd")) {
            operands = !ends;
            continue;
        }
        if (!l || is_wrapper(w))
            continue;
        if (w[0] == '/') {
            if (!strcmp(w, "/dev/null"))
                continue;
            snprintf(out, n, "%s", w);
            return;
        }
        if (!first[0] && w[0] != '-' && w[0] != '>' && w[0] != '<' && strlen(w) < sizeof(first))
            memcpy(first, w, strlen(w) + 1);
    }
    if (!first[0] || strchr(first, '/'))
        return;
    static const char *dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
                                 "/sbin", "/bin"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char c[512];
        snprintf(c, sizeof(c), "%s/%s", dirs[i], first);
        if (!tri_fs_resolve(h->fs, c, 0, real, sizeof(real))) {
            snprintf(out, n, "%s", c);
            return;
        }
    }
}

void tri_cmd_inspect(struct tri_host *h, const char *cmd, int windows, const char *user,
                     struct tri_cmdinfo *ci)
{
    memset(ci, 0, sizeof(*ci));
    char prog[2048] = "", real[4096];
    if (windows)
        win_program(h, cmd, user, prog, sizeof(prog));
    else
        unix_program(h, cmd, prog, sizeof(prog));
    if (prog[0] && !tri_fs_resolve(h->fs, prog, windows, real, sizeof(real))) {
        struct tri_stat st;
        ci->exists = !tri_fs_lstat(h->fs, real, &st) && (st.type == TRI_REG || st.type == TRI_DIR);
        if ((size_t)snprintf(ci->target, sizeof(ci->target), "%s", real) >= sizeof(ci->target))
            ci->exists = 0;
    } else if ((size_t)snprintf(ci->target, sizeof(ci->target), "%s", prog) >= sizeof(ci->target)) {
        ci->target[0] = 0;
    }
    const char *why = tri_cmd_suspicious_text(cmd);
    unsigned pl = ci->target[0] ? tri_place(ci->target) : 0;
    unsigned depth = tri_place_depth(ci->target);
    const char *nr = ci->target[0] ? tri_name_reason(ci->target, windows) : NULL;
    if (why) {
        snprintf(ci->why, sizeof(ci->why), "%s", why);
    } else if (pl & (TRI_PL_TEMP | TRI_PL_SHM | TRI_PL_RECYCLE | TRI_PL_PUBLIC | TRI_PL_HIDDEN)) {
        snprintf(ci->why, sizeof(ci->why), "runs a program in %s", tri_place_name(pl));
    } else if ((pl & (TRI_PL_APPDATA | TRI_PL_PROGDATA)) && depth == 0) {
        snprintf(ci->why, sizeof(ci->why), "runs a program directly in %s", tri_place_name(pl));
    } else if (nr) {
        snprintf(ci->why, sizeof(ci->why), "%s", nr);
    }
    ci->unusual = ci->why[0] != 0;
}

void tri_autostart(struct tri_host *h, const char *id, const char *where, int raw_where,
                   const char *kind, const char *cmd, int windows, const char *user)
{
    struct tri_cmdinfo ci;
    struct tri_exam ex = {0};
    tri_cmd_inspect(h, cmd, windows, user, &ci);
    int examined = ci.exists && !tri_examine(h, ci.target, ci.unusual, &ex);
    char tdisp[4096] = "", ev[3072];
    if (ci.target[0])
        tri_display(h, ci.target, tdisp, sizeof(tdisp));
    size_t k = (size_t)snprintf(ev, sizeof(ev), "command: %.1024s; target: %s (%s)", cmd,
                                tdisp[0] ? tdisp : "?", ci.exists ? "exists" : "not found");
    if (examined && k < sizeof(ev))
        k += (size_t)snprintf(ev + k, sizeof(ev) - k, "; sha256 %s", ex.sha256);
    if (ci.unusual && k < sizeof(ev))
        k += (size_t)snprintf(ev + k, sizeof(ev) - k, "; unusual: %s", ci.why);
    if (ex.flagged && k < sizeof(ev))
        k += (size_t)snprintf(ev + k, sizeof(ev) - k, "; target flagged: %s", ex.rule);
    if (ex.exfil && k < sizeof(ev))
        snprintf(ev + k, sizeof(ev) - k, "; target can send data out");
    struct tri_note n = {.id = id, .sev = ci.unusual || ex.flagged ? FG_SEV_HIGH : FG_SEV_INFO,
                         .path = where, .raw_path = raw_where, .command = cmd,
                         .sha256 = examined ? ex.sha256 : "", .rule = ex.flagged ? ex.rule : "",
                         .name = ci.target[0] ? tri_basename(ci.target) : ""};
    tri_report(h, &n, ev, "%s runs %s%s", kind, tdisp[0] ? tdisp : "an unnamed program",
               ci.unusual ? " (unusual)" : ex.flagged ? " (flagged)" : "");
}
