/*
 * tri_windows.c - Windows autostart locations: Run/RunOnce (machine and each profile's
 * NTUSER.DAT), services (ImagePath, ServiceDll), Winlogon, Image File Execution Options,
 * AppInit_DLLs, BootExecute (hives read with hivex from an in-memory copy, so an image and a
 * directory are read alike and the evidence is never opened for writing), Startup folders,
 * scheduled tasks (System32\Tasks XML) and WMI command-line consumers in OBJECTS.DATA.
 */
#define _GNU_SOURCE
#include "tri_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hivex.h>

#include "limits.h"

static void note_unreadable(struct tri_host *h, const char *path, const char *why)
{
    struct tri_note n = {.id = "tri.unreadable", .sev = FG_SEV_LOW, .path = path, .unreadable = 1};
    tri_report(h, &n, why, "could not be read: %s", why);
}

/* The hive is copied into an anonymous memory file that hivex opens read-only. */
static hive_h *open_hive(struct tri_host *h, const char *path)
{
    uint8_t *d;
    size_t len;
    int trunc;
    if (tri_fs_read(h->fs, path, FG_CAP_TRI_HIVE, &d, &len, &trunc)) {
        note_unreadable(h, path, "registry hive unreadable");
        return NULL;
    }
    if (trunc) {
        free(d);
        note_unreadable(h, path, "registry hive larger than the cap");
        return NULL;
    }
    hive_h *hv = NULL;
    int fd = memfd_create("fg-hive", MFD_CLOEXEC);
    if (fd >= 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(fd, d + off, len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        char p[64];
        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        if (off == len)
            hv = hivex_open(p, 0);
        close(fd);
    }
    free(d);
    if (!hv)
        note_unreadable(h, path, "not a registry hive hivex can read");
    return hv;
}

/* Walks a backslash-separated key path from the root; 0 if any part is missing. */
static hive_node_h key_at(hive_h *hv, const char *kp)
{
    hive_node_h n = hivex_root(hv);
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", kp);
    char *save = NULL;
    for (char *c = strtok_r(buf, "\\", &save); c && n; c = strtok_r(NULL, "\\", &save))
        n = hivex_node_get_child(hv, n, c);
    return n;
}

/* A REG_SZ/EXPAND_SZ value as UTF-8 (malloc'ed) or NULL. */
static char *str_value(hive_h *hv, hive_node_h k, const char *name)
{
    hive_value_h v = hivex_node_get_value(hv, k, name);
    if (!v)
        return NULL;
    hive_type t;
    size_t len;
    if (hivex_value_type(hv, v, &t, &len) || (t != hive_t_REG_SZ && t != hive_t_REG_EXPAND_SZ))
        return NULL;
    return hivex_value_string(hv, v);
}

struct regctx {
    const char *root;   /* "HKLM\\SOFTWARE" or "HKU\\<user>" */
    const char *user;   /* profile for %APPDATA% */
};

/* Every string value of a key is one autostart entry (Run, RunOnce ...). */
static void run_key(struct tri_host *h, hive_h *hv, const struct regctx *rc, const char *kp,
                    const char *kind)
{
    hive_node_h k = key_at(hv, kp);
    if (!k)
        return;
    hive_value_h *vals = hivex_node_values(hv, k);
    for (size_t i = 0; vals && vals[i] && i < FG_CAP_TRI_HIVE_KEYS; i++) {
        hive_type t;
        size_t len;
        if (hivex_value_type(hv, vals[i], &t, &len) ||
            (t != hive_t_REG_SZ && t != hive_t_REG_EXPAND_SZ))
            continue;
        char *name = hivex_value_key(hv, vals[i]);
        char *cmd = hivex_value_string(hv, vals[i]);
        if (name && cmd && cmd[0]) {
            char where[2048];
            snprintf(where, sizeof(where), "%s\\%s\\%s", rc->root, kp, name[0] ? name : "(Default)");
            tri_autostart(h, "tri.autostart.run", where, 1, kind, cmd, 1, rc->user);
        }
        free(name);
        free(cmd);
    }
    free(vals);
}

static void run_keys(struct tri_host *h, hive_h *hv, const struct regctx *rc, const char *sw)
{
    static const char *const runs[] = {
        "Microsoft\\Windows\\CurrentVersion\\Run", "Microsoft\\Windows\\CurrentVersion\\RunOnce",
        "Microsoft\\Windows\\CurrentVersion\\RunServices",
        "Microsoft\\Windows\\CurrentVersion\\RunServicesOnce",
        "Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer\\Run",
        "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Run",
        "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce"};
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        char kp[512];
        snprintf(kp, sizeof(kp), "%s%s", sw, runs[i]);
        run_key(h, hv, rc, kp, "Run key");
    }
}

/* One named value as an autostart entry; 'split' separates several programs (Userinit). */
static void value_entry(struct tri_host *h, hive_h *hv, const struct regctx *rc,
                        const char *kp, const char *name, const char *id, const char *kind,
                        char split)
{
    hive_node_h k = key_at(hv, kp);
    char *v = k ? str_value(hv, k, name) : NULL;
    if (!v)
        return;
    char where[2048];
    snprintf(where, sizeof(where), "%s\\%s\\%s", rc->root, kp, name);
    char *save = NULL, sep[2] = {split, 0};
    for (char *c = split ? strtok_r(v, sep, &save) : v; c; c = split ? strtok_r(NULL, sep, &save) : NULL) {
        while (isspace((unsigned char)*c))
            c++;
        if (*c)
            tri_autostart(h, id, where, 1, kind, c, 1, rc->user);
    }
    free(v);
}

/* Image File Execution Options: a Debugger value runs instead of the program named. */
static void ifeo(struct tri_host *h, hive_h *hv, const struct regctx *rc, const char *kp,
                 const char *value, const char *kind)
{
    hive_node_h k = key_at(hv, kp);
    hive_node_h *ch = k ? hivex_node_children(hv, k) : NULL;
    for (size_t i = 0; ch && ch[i] && i < FG_CAP_TRI_HIVE_KEYS; i++) {
        char *dbg = str_value(hv, ch[i], value);
        char *prog = hivex_node_name(hv, ch[i]);
        if (dbg && dbg[0] && prog) {
            char where[2048];
            snprintf(where, sizeof(where), "%s\\%s\\%s\\%s", rc->root, kp, prog, value);
            struct tri_cmdinfo ci;
            tri_cmd_inspect(h, dbg, 1, NULL, &ci);
            struct tri_exam ex = {0};
            int ok = ci.exists && !tri_examine(h, ci.target, 1, &ex);
            char ev[2048];
            snprintf(ev, sizeof(ev), "command: %s; runs instead of or alongside %s%s%s", dbg, prog,
                     ok ? "; sha256 " : "", ok ? ex.sha256 : "");
            struct tri_note n = {.id = "tri.autostart.ifeo", .sev = FG_SEV_HIGH, .path = where,
                                 .raw_path = 1, .command = dbg, .sha256 = ok ? ex.sha256 : "",
                                 .name = ci.target[0] ? tri_basename(ci.target) : ""};
            tri_report(h, &n, ev, "%s hijacks %s", kind, prog);
        }
        free(dbg);
        free(prog);
    }
    free(ch);
}

static void appinit(struct tri_host *h, hive_h *hv, const struct regctx *rc, const char *kp)
{
    hive_node_h k = key_at(hv, kp);
    char *v = k ? str_value(hv, k, "AppInit_DLLs") : NULL;
    if (v && v[0]) {
        hive_value_h lv = hivex_node_get_value(hv, k, "LoadAppInit_DLLs");
        int load = lv ? hivex_value_dword(hv, lv) == 1 : 0;
        char where[2048];
        snprintf(where, sizeof(where), "%s\\%s\\AppInit_DLLs", rc->root, kp);
        struct tri_note n = {.id = "tri.autostart.appinit", .sev = load ? FG_SEV_HIGH : FG_SEV_MEDIUM,
                             .path = where, .raw_path = 1, .command = v};
        tri_report(h, &n, v, "DLLs loaded into every GUI program (AppInit_DLLs%s)",
                   load ? ", enabled" : ", LoadAppInit_DLLs off");
    }
    free(v);
}

static void software_hive(struct tri_host *h, hive_h *hv)
{
    struct regctx rc = {"HKLM\\SOFTWARE", NULL};
    run_keys(h, hv, &rc, "");
    const char *wl = "Microsoft\\Windows NT\\CurrentVersion\\Winlogon";
    value_entry(h, hv, &rc, wl, "Shell", "tri.autostart.winlogon", "Winlogon Shell", ',');
    value_entry(h, hv, &rc, wl, "Userinit", "tri.autostart.winlogon", "Winlogon Userinit", ',');
    value_entry(h, hv, &rc, wl, "Taskman", "tri.autostart.winlogon", "Winlogon Taskman", 0);
    ifeo(h, hv, &rc, "Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options",
         "Debugger", "Image File Execution Options debugger");
    ifeo(h, hv, &rc, "Wow6432Node\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options",
         "Debugger", "Image File Execution Options debugger");
    ifeo(h, hv, &rc, "Microsoft\\Windows NT\\CurrentVersion\\SilentProcessExit", "MonitorProcess",
         "SilentProcessExit monitor");
    appinit(h, hv, &rc, "Microsoft\\Windows NT\\CurrentVersion\\Windows");
    appinit(h, hv, &rc, "Wow6432Node\\Microsoft\\Windows NT\\CurrentVersion\\Windows");
}

static void services(struct tri_host *h, hive_h *hv, const char *cs)
{
    char kp[256];
    snprintf(kp, sizeof(kp), "%s\\Services", cs);
    hive_node_h k = key_at(hv, kp);
    hive_node_h *ch = k ? hivex_node_children(hv, k) : NULL;
    struct regctx rc = {"HKLM\\SYSTEM", NULL};
    for (size_t i = 0; ch && ch[i] && i < FG_CAP_TRI_HIVE_KEYS; i++) {
        char *name = hivex_node_name(hv, ch[i]);
        char *img = str_value(hv, ch[i], "ImagePath");
        char *dll = str_value(hv, ch[i], "ServiceDll");
        hive_node_h par = hivex_node_get_child(hv, ch[i], "Parameters");
        if (!dll && par)
            dll = str_value(hv, par, "ServiceDll");
        char where[2048];
        if (name && img && img[0]) {
            snprintf(where, sizeof(where), "%s\\%s\\%s\\ImagePath", rc.root, kp, name);
            tri_autostart(h, "tri.autostart.service", where, 1, "service", img, 1, NULL);
        }
        if (name && dll && dll[0]) {
            snprintf(where, sizeof(where), "%s\\%s\\%s\\Parameters\\ServiceDll", rc.root, kp, name);
            tri_autostart(h, "tri.autostart.service", where, 1, "service DLL", dll, 1, NULL);
        }
        free(name);
        free(img);
        free(dll);
    }
    free(ch);
}

static void system_hive(struct tri_host *h, hive_h *hv)
{
    hive_node_h sel = key_at(hv, "Select");
    hive_value_h cur = sel ? hivex_node_get_value(hv, sel, "Current") : 0;
    int n = cur ? hivex_value_dword(hv, cur) : 1;
    char cs[64];
    snprintf(cs, sizeof(cs), "ControlSet%03d", n > 0 && n < 1000 ? n : 1);
    services(h, hv, cs);
    char kp[256];
    snprintf(kp, sizeof(kp), "%s\\Control\\Session Manager", cs);
    hive_node_h sm = key_at(hv, kp);
    hive_value_h be = sm ? hivex_node_get_value(hv, sm, "BootExecute") : 0;
    char **list = be ? hivex_value_multiple_strings(hv, be) : NULL;
    for (size_t i = 0; list && list[i]; i++) {
        if (strcasecmp(list[i], "autocheck autochk *") && list[i][0]) {
            char where[512];
            snprintf(where, sizeof(where), "HKLM\\SYSTEM\\%s\\BootExecute", kp);
            struct tri_note nt = {.id = "tri.autostart.bootexecute", .sev = FG_SEV_MEDIUM,
                                  .path = where, .raw_path = 1, .command = list[i]};
            tri_report(h, &nt, list[i], "program run by the session manager at boot");
        }
        free(list[i]);
    }
    free(list);
}

static void user_hive(struct tri_host *h, hive_h *hv, const char *user)
{
    char root[512];
    snprintf(root, sizeof(root), "HKU\\%s", user);
    struct regctx rc = {root, user};
    run_keys(h, hv, &rc, "Software\\");
    const char *w = "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows";
    value_entry(h, hv, &rc, w, "Load", "tri.autostart.run", "Windows Load value", ',');
    value_entry(h, hv, &rc, w, "Run", "tri.autostart.run", "Windows Run value", ',');
    value_entry(h, hv, &rc, "Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon", "Shell",
                "tri.autostart.winlogon", "per-user Winlogon Shell", ',');
    value_entry(h, hv, &rc, "Environment", "UserInitMprLogonScript", "tri.autostart.run",
                "logon script", 0);
}

/* ---- files: Startup folders, tasks, WMI ---- */

static void startup_file(struct tri_host *h, const char *path, const char *name,
                         const struct tri_stat *st, void *arg)
{
    const char *user = arg;
    if (st->type != TRI_REG || !strcasecmp(name, "desktop.ini"))
        return;
    char cmd[2048] = "";
    if (tri_ends_ci(name, ".lnk")) {
        /* The link's local base path: the first "X:\" string in it. */
        uint8_t buf[8192];
        size_t got = 0;
        if (!tri_fs_pread(h->fs, path, 0, buf, sizeof(buf) - 1, &got)) {
            buf[got] = 0;
            for (size_t i = 0; i + 3 < got && !cmd[0]; i++)
                if (isalpha(buf[i]) && buf[i + 1] == ':' && buf[i + 2] == '\\')
                    if ((size_t)snprintf(cmd, sizeof(cmd), "\"%.1000s\"", (const char *)buf + i) >= sizeof(cmd))
                        cmd[0] = 0;
        }
    }
    if (!cmd[0]) {
        char disp[4096];
        tri_display(h, path, disp, sizeof(disp));
        if ((size_t)snprintf(cmd, sizeof(cmd), "\"%s\"", disp) >= sizeof(cmd))
            return;
    }
    tri_autostart(h, "tri.autostart.startup", path, 0,
                  tri_ends_ci(name, ".lnk") ? "Startup folder shortcut" : "Startup folder item",
                  cmd, 1, user);
}

static char *xml_text(const char *s, const char *e)
{
    size_t n = (size_t)(e - s);
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    static const struct { const char *ent; char c; } ents[] = {
        {"&amp;", '&'}, {"&quot;", '"'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&apos;", '\''}};
    while (s < e) {
        int done = 0;
        for (size_t i = 0; i < 5 && *s == '&'; i++)
            if (!strncmp(s, ents[i].ent, strlen(ents[i].ent))) {
                o[k++] = ents[i].c;
                s += strlen(ents[i].ent);
                done = 1;
                break;
            }
        if (!done)
            o[k++] = *s++;
    }
    o[k] = 0;
    return o;
}

/* Text between <tag> and </tag> after p, or NULL. */
static char *xml_elem(const char *p, const char *limit, const char *tag)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *s = strstr(p, open);
    if (!s || (limit && s > limit))
        return NULL;
    s += strlen(open);
    const char *e = strstr(s, close);
    return e && (!limit || e <= limit) ? xml_text(s, e) : NULL;
}

static void task_file(struct tri_host *h, const char *path, const char *name,
                      const struct tri_stat *st, void *arg)
{
    (void)name;
    (void)st;
    (void)arg;
    int bad = 0;
    char *x = tri_read_text(h, path, &bad);
    if (bad)
        note_unreadable(h, path, "task file over the cap or unreadable");
    if (!x)
        return;
    for (const char *p = x; (p = strstr(p, "<Exec>"));) {
        const char *end = strstr(p, "</Exec>");
        char *c = xml_elem(p, end, "Command");
        char *a = xml_elem(p, end, "Arguments");
        if (c) {
            char cmd[FG_CAP_TRI_LINE];
            snprintf(cmd, sizeof(cmd), "%s%s%s%s%s", strchr(c, ' ') ? "\"" : "", c,
                     strchr(c, ' ') ? "\"" : "", a ? " " : "", a ? a : "");
            tri_autostart(h, "tri.autostart.task", path, 0, "scheduled task", cmd, 1, NULL);
        }
        free(c);
        free(a);
        p = end ? end : p + 6;
    }
    free(x);
}

static void task_dir(struct tri_host *h, const char *dir, unsigned depth);

static void task_subdir(struct tri_host *h, const char *path, const char *name,
                        const struct tri_stat *st, void *arg)
{
    (void)name;
    (void)st;
    task_dir(h, path, *(unsigned *)arg + 1);
}

/* Tasks sit in folders (Microsoft\Windows\...); nesting is bounded. */
static void task_dir(struct tri_host *h, const char *dir, unsigned depth)
{
    if (depth > 16)
        return;
    tri_each_file(h, dir, task_file, NULL);
    tri_each_dir(h, dir, task_subdir, &depth);
}

/* WMI event consumers that run commands, found by their class names in the repository. */
static void wmi(struct tri_host *h, const char *path)
{
    enum { CH = 1 << 20, OV = 4096 };
    char *buf = malloc(CH + OV + 1);
    if (!buf)
        return;
    uint64_t off = 0;
    size_t keep = 0, got = 0;
    unsigned reported = 0;
    while (off < FG_CAP_TRI_WMI && !tri_fs_pread(h->fs, path, off, buf + keep, CH, &got) && got) {
        size_t n = keep + got;
        buf[n] = 0;
        for (size_t i = 0; i + 24 < n && reported < 64; i++) {
            int cl = !memcmp(buf + i, "CommandLineEventConsumer", 24);
            int as = i + 25 < n && !memcmp(buf + i, "ActiveScriptEventConsumer", 25);
            if (!cl && !as)
                continue;
            /* The instance's strings follow the class name: keep the printable runs. */
            char ev[1024];
            size_t k = 0;
            for (size_t j = i + 24; j < n && j < i + 2048 && k + 2 < sizeof(ev); j++) {
                unsigned char c = (unsigned char)buf[j];
                ev[k++] = c >= 0x20 && c < 0x7F ? (char)c : ' ';
            }
            ev[k] = 0;
            if (!strstr(ev, ".exe") && !strstr(ev, ".vbs") && !strstr(ev, ".ps1") &&
                !strstr(ev, "powershell") && !as)
                continue; /* the class definition, not an instance */
            int bvt = strstr(ev, "KernCap.vbs") || strstr(ev, "BVTConsumer");
            struct tri_note nt = {.id = "tri.autostart.wmi", .sev = bvt ? FG_SEV_INFO : FG_SEV_HIGH,
                                  .path = path};
            tri_report(h, &nt, ev, "WMI %s event consumer%s", cl ? "command-line" : "script",
                       bvt ? " (Windows' own BVTConsumer)" : "");
            reported++;
            i += 2048;
        }
        if (got < CH)
            break;
        memmove(buf, buf + n - OV, OV);
        keep = OV;
        off += got;
    }
    free(buf);
}

/* ---- profiles and the run ---- */

static void profile(struct tri_host *h, const char *path, const char *name,
                    const struct tri_stat *st, void *arg)
{
    (void)st;
    (void)arg;
    char p[4096], real[4096];
    snprintf(p, sizeof(p), "%s/NTUSER.DAT", path);
    if (!tri_fs_resolve(h->fs, p, 1, real, sizeof(real))) {
        hive_h *hv = open_hive(h, real);
        if (hv) {
            user_hive(h, hv, name);
            hivex_close(hv);
        }
    }
    snprintf(p, sizeof(p), "%s/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup", path);
    if (!tri_fs_resolve(h->fs, p, 1, real, sizeof(real)))
        tri_each_file(h, real, startup_file, (void *)name);
}

void tri_windows_run(struct tri_host *h)
{
    char real[4096];
    static const struct { const char *p; void (*fn)(struct tri_host *, hive_h *); } hives[] = {
        {"/Windows/System32/config/SOFTWARE", software_hive},
        {"/Windows/System32/config/SYSTEM", system_hive}};
    for (size_t i = 0; i < 2; i++) {
        if (tri_fs_resolve(h->fs, hives[i].p, 1, real, sizeof(real)))
            continue;
        hive_h *hv = open_hive(h, real);
        if (hv) {
            hives[i].fn(h, hv);
            hivex_close(hv);
        }
    }
    if (!tri_fs_resolve(h->fs, "/Users", 1, real, sizeof(real)))
        tri_each_dir(h, real, profile, NULL);
    if (!tri_fs_resolve(h->fs, "/ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp", 1,
                        real, sizeof(real)))
        tri_each_file(h, real, startup_file, NULL);
    if (!tri_fs_resolve(h->fs, "/Windows/System32/Tasks", 1, real, sizeof(real)))
        task_dir(h, real, 0);
    if (!tri_fs_resolve(h->fs, "/Windows/System32/wbem/Repository/OBJECTS.DATA", 1, real, sizeof(real)))
        wmi(h, real);
}
