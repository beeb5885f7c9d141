/*
 * tri_linux.c - Linux autostart locations: systemd units (system and user), cron (crontab,
 * cron.d, user crontabs, anacron, periodic directories), at jobs, rc.local and init scripts,
 * shell start-up files, XDG autostart, ld.so.preload, SSH authorized_keys, udev rules,
 * modules-load.d and modprobe install commands.  Each entry goes to tri_autostart().
 */
#define _GNU_SOURCE
#include "tri_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "limits.h"

/* Calls fn for each line (trailing CR and blanks stripped; lines capped at FG_CAP_TRI_LINE). */
static void each_line(char *txt, void (*fn)(struct tri_host *, const char *, char *, void *),
                      struct tri_host *h, const char *path, void *arg)
{
    char *p = txt;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        size_t l = strlen(p);
        if (l >= FG_CAP_TRI_LINE)
            p[l = FG_CAP_TRI_LINE - 1] = 0;
        while (l && isspace((unsigned char)p[l - 1]))
            p[--l] = 0;
        while (isspace((unsigned char)*p))
            p++;
        if (*p && *p != '#')
            fn(h, path, p, arg);
        p = nl ? nl + 1 : NULL;
    }
}

static void unreadable(struct tri_host *h, const char *path)
{
    struct tri_note n = {.id = "tri.unreadable", .sev = FG_SEV_LOW, .path = path, .unreadable = 1};
    tri_report(h, &n, "", "autostart file could not be read whole (over %u MiB or unreadable)",
               FG_CAP_TRI_TEXT >> 20);
}

/* Reads path and feeds its lines to fn. */
static void lines_of(struct tri_host *h, const char *path,
                     void (*fn)(struct tri_host *, const char *, char *, void *), void *arg)
{
    int bad = 0;
    char *txt = tri_read_text(h, path, &bad);
    if (bad)
        unreadable(h, path);
    if (txt)
        each_line(txt, fn, h, path, arg);
    free(txt);
}

/* ---- systemd ---- */

static void unit_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    (void)arg;
    static const char *const keys[] = {"ExecStart=", "ExecStartPre=", "ExecStartPost=",
                                       "ExecStop=", "ExecStopPost="};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t kl = strlen(keys[i]);
        if (strncmp(line, keys[i], kl))
            continue;
        char *cmd = line + kl;
        while (*cmd && strchr("@-:+!", *cmd))
            cmd++; /* systemd's prefixes change how, not what, it runs */
        if (*cmd)
            tri_autostart(h, "tri.autostart.systemd", path, 0, "systemd unit", cmd, 0, NULL);
    }
}

static void unit_file(struct tri_host *h, const char *path, const char *name,
                      const struct tri_stat *st, void *arg)
{
    (void)arg;
    if (st->type != TRI_REG)
        return;
    static const char *const ext[] = {".service", ".timer", ".socket", ".path", ".mount"};
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (tri_ends_ci(name, ext[i])) {
            lines_of(h, path, unit_line, NULL);
            return;
        }
}

static void unit_dir(struct tri_host *h, const char *path, const char *name,
                     const struct tri_stat *st, void *arg)
{
    (void)name;
    (void)st;
    (void)arg;
    tri_each_file(h, path, unit_file, NULL); /* *.wants/, *.d/ hold units and drop-ins */
}

static void systemd_dir(struct tri_host *h, const char *dir)
{
    tri_each_file(h, dir, unit_file, NULL);
    tri_each_dir(h, dir, unit_dir, NULL);
}

/* ---- cron and at ---- */

/* A crontab line: 5 time fields (or @reboot ...), the user in system crontabs, the command. */
static void cron_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    int system = arg != NULL;
    const char *p = line;
    const char *eq = strchr(line, '='), *sp = strpbrk(line, " \t");
    if (eq && (!sp || eq < sp))
        return; /* VAR=value */
    int fields = line[0] == '@' ? 1 : 5;
    fields += system;
    for (int i = 0; i < fields && *p; i++) {
        p += strcspn(p, " \t");
        p += strspn(p, " \t");
    }
    if (*p)
        tri_autostart(h, "tri.autostart.cron", path, 0, "cron job", p, 0, NULL);
}

static void anacron_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    (void)arg;
    const char *eq = strchr(line, '='), *sp = strpbrk(line, " \t");
    if (eq && (!sp || eq < sp))
        return;
    const char *p = line;
    for (int i = 0; i < 3 && *p; i++) { /* period, delay, job identifier */
        p += strcspn(p, " \t");
        p += strspn(p, " \t");
    }
    if (*p)
        tri_autostart(h, "tri.autostart.cron", path, 0, "anacron job", p, 0, NULL);
}

static void crontab_file(struct tri_host *h, const char *path, const char *name,
                         const struct tri_stat *st, void *arg)
{
    if (st->type == TRI_REG && name[0] != '.' && !strchr(name, '~'))
        lines_of(h, path, cron_line, arg);
}

/* A script in cron.daily and the like, or an init script: the script is the command, and
 * what it contains decides whether it is unusual. */
static void script_entry(struct tri_host *h, const char *path, const char *name,
                         const struct tri_stat *st, void *arg)
{
    const char *id = arg;
    if (st->type != TRI_REG || name[0] == '.' || !strcmp(name, "README"))
        return;
    int bad = 0;
    char *txt = tri_read_text(h, path, &bad);
    const char *why = txt ? tri_cmd_suspicious_text(txt) : NULL;
    if (why) {
        struct tri_note n = {.id = id, .sev = FG_SEV_HIGH, .path = path, .command = path,
                             .name = name};
        tri_report(h, &n, why, "start-up script %s", why);
    } else {
        tri_autostart(h, id, path, 0, !strcmp(id, "tri.autostart.init") ? "init script"
                                                                       : "periodic cron script",
                      path, 0, NULL);
    }
    free(txt);
}

static void at_job(struct tri_host *h, const char *path, const char *name,
                   const struct tri_stat *st, void *arg)
{
    (void)arg;
    if (st->type != TRI_REG || name[0] == '.')
        return;
    char *txt = tri_read_text(h, path, NULL);
    if (!txt)
        return;
    /* at writes the environment, then the commands after a here-document marker. */
    char *body = strstr(txt, "marcinDELIMITER");
    body = body ? strchr(body, '\n') : NULL;
    char cmd[1024] = "";
    if (body) {
        size_t l = strcspn(body + 1, "\n");
        snprintf(cmd, sizeof(cmd), "%.*s", (int)l, body + 1);
    }
    const char *why = tri_cmd_suspicious_text(txt);
    struct tri_note n = {.id = "tri.autostart.at", .sev = why ? FG_SEV_HIGH : FG_SEV_LOW,
                         .path = path, .command = cmd, .name = name};
    tri_report(h, &n, why ? why : cmd, "pending at job%s", why ? " (unusual)" : "");
    free(txt);
}

/* ---- shell start-up, rc.local, preload, keys ---- */

static void shell_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    (void)arg;
    const char *why = tri_cmd_suspicious_text(line);
    if (why) {
        struct tri_note n = {.id = "tri.autostart.shell", .sev = FG_SEV_HIGH, .path = path,
                             .command = line};
        tri_report(h, &n, line, "shell start-up file %s", why);
    }
}

static void rc_local_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    (void)arg;
    if (strcmp(line, "exit 0"))
        tri_autostart(h, "tri.autostart.rc-local", path, 0, "rc.local", line, 0, NULL);
}

static void preload_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    (void)arg;
    for (char *tok = strtok(line, " \t:"); tok; tok = strtok(NULL, " \t:")) {
        struct tri_cmdinfo ci;
        tri_cmd_inspect(h, tok, 0, NULL, &ci);
        struct tri_exam ex = {0};
        int ok = ci.exists && !tri_examine(h, ci.target, 1, &ex);
        char ev[1024];
        snprintf(ev, sizeof(ev), "library: %s (%s)%s%s", tok, ci.exists ? "exists" : "not found",
                 ok ? "; sha256 " : "", ok ? ex.sha256 : "");
        struct tri_note n = {.id = "tri.autostart.ld-preload", .sev = FG_SEV_HIGH, .path = path,
                             .command = tok, .sha256 = ok ? ex.sha256 : "",
                             .name = tri_basename(tok)};
        tri_report(h, &n, ev, "library preloaded into every program (ld.so.preload)");
    }
}

struct keyctx {
    const char *user;
};

static void key_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    struct keyctx *k = arg;
    /* [options] type base64 [comment]; the fingerprint is what ssh-keygen -l shows. */
    char *b64 = NULL, *type = NULL, *save = NULL, *opts = "";
    char *toks[8];
    int nt = 0;
    for (char *t = strtok_r(line, " \t", &save); t && nt < 8; t = strtok_r(NULL, " \t", &save))
        toks[nt++] = t;
    for (int i = 0; i + 1 < nt; i++)
        if (!strncmp(toks[i], "ssh-", 4) || !strncmp(toks[i], "ecdsa-", 6) ||
            !strncmp(toks[i], "sk-", 3)) {
            type = toks[i];
            b64 = toks[i + 1];
            if (i > 0)
                opts = toks[0];
            break;
        }
    if (!b64)
        return;
    unsigned char raw[8192], md[EVP_MAX_MD_SIZE], fp[128];
    unsigned mdl = 0;
    int rl = strlen(b64) < sizeof(raw) / 4 * 3 ? EVP_DecodeBlock(raw, (unsigned char *)b64, (int)strlen(b64)) : -1;
    char fps[128] = "?";
    if (rl > 0) {
        size_t bl = strlen(b64);
        rl -= (bl > 0 && b64[bl - 1] == '=') + (bl > 1 && b64[bl - 2] == '=');
        EVP_Digest(raw, (size_t)rl, md, &mdl, EVP_sha256(), NULL);
        int fl = EVP_EncodeBlock(fp, md, (int)mdl);
        while (fl > 0 && fp[fl - 1] == '=')
            fp[--fl] = 0;
        if ((size_t)snprintf(fps, sizeof(fps), "SHA256:%s", fp) >= sizeof(fps))
            fps[0] = 0;
    }
    const char *comment = "";
    for (int i = 0; i < nt; i++)
        if (toks[i] == b64 && i + 1 < nt)
            comment = toks[i + 1];
    int forced = strstr(opts, "command=") != NULL;
    int root = !strcmp(k->user, "root");
    char ev[1024];
    snprintf(ev, sizeof(ev), "%s %s %s%s%s", type, fps, comment, opts[0] ? "; options: " : "", opts);
    struct tri_note n = {.id = "tri.autostart.ssh-key",
                         .sev = forced || root ? FG_SEV_MEDIUM : FG_SEV_LOW, .path = path,
                         .command = fps};
    tri_report(h, &n, ev, "SSH key that can log in as %s%s: check it is known", k->user,
               forced ? " (runs a forced command)" : "");
}

static void keys_of(struct tri_host *h, const char *home, const char *user)
{
    const char *files[] = {"/.ssh/authorized_keys", "/.ssh/authorized_keys2"};
    for (size_t i = 0; i < 2; i++) {
        char p[4096];
        snprintf(p, sizeof(p), "%s%s", home, files[i]);
        struct keyctx k = {user};
        lines_of(h, p, key_line, &k);
    }
}

static void desktop_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    (void)arg;
    if (!strncmp(line, "Exec=", 5))
        tri_autostart(h, "tri.autostart.xdg", path, 0, "XDG autostart entry", line + 5, 0, NULL);
}

static void desktop_file(struct tri_host *h, const char *path, const char *name,
                         const struct tri_stat *st, void *arg)
{
    (void)arg;
    if (st->type == TRI_REG && tri_ends_ci(name, ".desktop"))
        lines_of(h, path, desktop_line, NULL);
}

static void user_home(struct tri_host *h, const char *home, const char *user)
{
    static const char *const rc[] = {"/.bashrc", "/.bash_profile", "/.bash_login", "/.profile",
                                     "/.bash_logout", "/.zshrc", "/.zprofile", "/.zshenv",
                                     "/.config/fish/config.fish", "/.xprofile", "/.xsession"};
    char p[4096];
    for (size_t i = 0; i < sizeof(rc) / sizeof(rc[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", home, rc[i]);
        lines_of(h, p, shell_line, NULL);
    }
    snprintf(p, sizeof(p), "%s/.config/systemd/user", home);
    systemd_dir(h, p);
    snprintf(p, sizeof(p), "%s/.config/autostart", home);
    tri_each_file(h, p, desktop_file, NULL);
    keys_of(h, home, user);
}

static void home_dir(struct tri_host *h, const char *path, const char *name,
                     const struct tri_stat *st, void *arg)
{
    (void)st;
    (void)arg;
    user_home(h, path, name);
}

/* ---- udev, modules ---- */

/* RUN+="..." and PROGRAM="..." assignments: each runs a command when a device appears. */
static void udev_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    (void)arg;
    static const char *const keys[] = {"RUN", "PROGRAM", "IMPORT{program}"};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        for (const char *p = line; (p = strstr(p, keys[k]));) {
            const char *q = strchr(p, '"');
            const char *e = q ? strchr(q + 1, '"') : NULL;
            if (!e)
                break;
            char cmd[2048];
            snprintf(cmd, sizeof(cmd), "%.*s", (int)(e - q - 1), q + 1);
            if (cmd[0] && strncmp(cmd, "builtin ", 8))
                tri_autostart(h, "tri.autostart.udev", path, 0, "udev rule", cmd, 0, NULL);
            p = e + 1;
        }
    }
}

static void udev_file(struct tri_host *h, const char *path, const char *name,
                      const struct tri_stat *st, void *arg)
{
    (void)arg;
    if (st->type == TRI_REG && tri_ends_ci(name, ".rules"))
        lines_of(h, path, udev_line, NULL);
}

static void module_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    (void)arg;
    struct tri_note n = {.id = "tri.autostart.modules", .sev = FG_SEV_INFO, .path = path,
                         .command = line};
    tri_report(h, &n, line, "kernel module loaded at boot: %s", line);
}

static void modprobe_line(struct tri_host *h, const char *path, char *line, void *arg)
{
    (void)arg;
    if (strncmp(line, "install ", 8))
        return;
    const char *p = line + 8;
    p += strspn(p, " \t");
    p += strcspn(p, " \t"); /* the module name */
    p += strspn(p, " \t");
    /* "install usb-storage /bin/true" blocks a module: ordinary hardening */
    if (*p && strcmp(p, "/bin/true") && strcmp(p, "/bin/false") && strcmp(p, "/usr/bin/true"))
        tri_autostart(h, "tri.autostart.modprobe", path, 0, "modprobe install command", p, 0, NULL);
}

struct line_files {
    const char *ext;
    void (*fn)(struct tri_host *, const char *, char *, void *);
};

static void line_file_cb(struct tri_host *h, const char *path, const char *name,
                         const struct tri_stat *st, void *arg)
{
    const struct line_files *lf = arg;
    if (st->type == TRI_REG && tri_ends_ci(name, lf->ext))
        lines_of(h, path, lf->fn, NULL);
}

/* Every file of dir whose name ends in ext, line by line. */
static void conf_files(struct tri_host *h, const char *dir, const char *ext,
                       void (*fn)(struct tri_host *, const char *, char *, void *))
{
    struct line_files lf = {ext, fn};
    tri_each_file(h, dir, line_file_cb, &lf);
}

void tri_linux_run(struct tri_host *h)
{
    static const char *const sysd[] = {"/etc/systemd/system", "/usr/lib/systemd/system",
                                       "/lib/systemd/system", "/etc/systemd/user",
                                       "/usr/lib/systemd/user", "/run/systemd/system"};
    char real[4096];
    for (size_t i = 0; i < sizeof(sysd) / sizeof(sysd[0]); i++) {
        struct tri_stat st;
        /* /lib -> usr/lib on merged systems: each real directory once */
        if (i == 2 && !tri_fs_lstat(h->fs, "/lib", &st) && st.type == TRI_LNK)
            continue;
        if (!tri_fs_lstat(h->fs, sysd[i], &st) && st.type == TRI_DIR)
            systemd_dir(h, sysd[i]);
    }
    lines_of(h, "/etc/crontab", cron_line, (void *)1);
    tri_each_file(h, "/etc/cron.d", crontab_file, (void *)1);
    tri_each_file(h, "/var/spool/cron/crontabs", crontab_file, NULL);
    if (tri_fs_resolve(h->fs, "/var/spool/cron/crontabs", 0, real, sizeof(real)))
        tri_each_file(h, "/var/spool/cron", crontab_file, NULL); /* Red Hat layout */
    lines_of(h, "/etc/anacrontab", anacron_line, NULL);
    static const char *const periodic[] = {"/etc/cron.hourly", "/etc/cron.daily",
                                           "/etc/cron.weekly", "/etc/cron.monthly"};
    for (size_t i = 0; i < 4; i++)
        tri_each_file(h, periodic[i], script_entry, "tri.autostart.cron");
    tri_each_file(h, "/var/spool/cron/atjobs", at_job, NULL);
    tri_each_file(h, "/var/spool/at", at_job, NULL);
    lines_of(h, "/etc/rc.local", rc_local_line, NULL);
    lines_of(h, "/etc/rc.d/rc.local", rc_local_line, NULL);
    tri_each_file(h, "/etc/init.d", script_entry, "tri.autostart.init");
    static const char *const shells[] = {"/etc/profile", "/etc/bash.bashrc", "/etc/environment",
                                         "/etc/zsh/zshrc", "/etc/zsh/zprofile", "/etc/bashrc"};
    for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
        lines_of(h, shells[i], shell_line, NULL);
    conf_files(h, "/etc/profile.d", "", shell_line);
    tri_each_file(h, "/etc/xdg/autostart", desktop_file, NULL);
    lines_of(h, "/etc/ld.so.preload", preload_line, NULL);
    user_home(h, "/root", "root");
    tri_each_dir(h, "/home", home_dir, NULL);
    tri_each_file(h, "/etc/udev/rules.d", udev_file, NULL);
    tri_each_file(h, "/usr/lib/udev/rules.d", udev_file, NULL);
    conf_files(h, "/etc/modules-load.d", ".conf", module_line);
    lines_of(h, "/etc/modules", module_line, NULL);
    conf_files(h, "/etc/modprobe.d", ".conf", modprobe_line);
}
