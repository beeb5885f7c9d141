/*
 * tri_ioc.c - hunting given indicators during the walk (sweep --ioc): file-name patterns,
 * SHA-256 hashes of files, and IP addresses and domains in configuration files and scripts.
 * YARA rule files need nothing here: they join the scan engine's rules.
 */
#define _GNU_SOURCE
#include "tri_int.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "limits.h"
#include "digest.h"

#define TRI_IOC_TEXT (1u << 20) /* configs and scripts larger than this are not searched */

/* Files that configure or script something: where addresses and domains are written. */
static int texty(const char *path, const char *name)
{
    static const char *const ext[] = {".conf", ".cfg", ".ini", ".sh", ".ps1", ".bat", ".cmd",
                                      ".vbs", ".js", ".py", ".pl", ".xml", ".json", ".yaml",
                                      ".yml", ".service", ".timer", ".desktop", ".rules", ".txt",
                                      ".hta", ".php", ".rb", ".lua", ".properties"};
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (tri_ends_ci(name, ext[i]))
            return 1;
    return !strncmp(path, "/etc/", 5) || !strncmp(path, "/var/spool/cron/", 16) ||
           strstr(path, "/Tasks/") != NULL || name[0] == '.';
}

/* A match of value in text that is not part of a longer name or number. */
static int word_in(const char *text, const char *value, int ip)
{
    size_t vl = strlen(value);
    for (const char *p = text; (p = strcasestr(p, value)); p++) {
        char b = p > text ? p[-1] : ' ', a = p[vl];
        int edge_b = ip ? !(b >= '0' && b <= '9') && b != '.' : !isalnum((unsigned char)b) && b != '-';
        int edge_a = ip ? !(a >= '0' && a <= '9') && !(a == '.' && p[vl + 1] >= '0' && p[vl + 1] <= '9')
                        : !isalnum((unsigned char)a) && a != '-';
        if (!ip && b == '.')
            edge_b = 1; /* sub.evil.example matches evil.example */
        if (edge_b && edge_a)
            return 1;
    }
    return 0;
}

static void hit(struct tri_host *h, const char *path, const char *name, const char *type,
                const char *value, const char *sha)
{
    char ev[512];
    snprintf(ev, sizeof(ev), "%s %s%s%s", type, value, sha ? "; sha256 " : "", sha ? sha : "");
    struct tri_note n = {.id = "tri.ioc", .sev = FG_SEV_HIGH, .path = path, .name = name,
                         .rule = value, .command = type, .sha256 = sha ? sha : ""};
    tri_report(h, &n, ev, "indicator found: %s %s", type, value);
}

void tri_ioc_file(struct tri_host *h, const char *path, const char *name,
                  const struct tri_stat *st)
{
    size_t n = tri_ioc_count(h->t);
    if (!n)
        return;
    int want_hash = 0, want_text = 0;
    for (size_t i = 0; i < n; i++) {
        enum fg_ioc_type ty;
        const char *v = tri_ioc_get(h->t, i, &ty);
        if (ty == FG_IOC_NAME && !fnmatch(v, name, FNM_CASEFOLD))
            hit(h, path, name, "name", v, NULL);
        want_hash |= ty == FG_IOC_SHA256;
        want_text |= ty == FG_IOC_IP || ty == FG_IOC_DOMAIN;
    }
    if (want_hash && st->size <= FG_CAP_TRI_EXAM) {
        uint8_t *d;
        size_t len;
        int trunc;
        if (!tri_fs_read(h->fs, path, FG_CAP_TRI_EXAM, &d, &len, &trunc)) {
            char sha[65];
            fg_sha256(d, len, NULL, sha);
            for (size_t i = 0; i < n; i++) {
                enum fg_ioc_type ty;
                const char *v = tri_ioc_get(h->t, i, &ty);
                if (ty == FG_IOC_SHA256 && !strcmp(v, sha))
                    hit(h, path, name, "sha256", v, sha);
            }
            free(d);
        }
    }
    if (want_text && st->size <= TRI_IOC_TEXT && texty(path, name)) {
        char *txt = tri_read_text(h, path, NULL);
        for (size_t i = 0; txt && i < n; i++) {
            enum fg_ioc_type ty;
            const char *v = tri_ioc_get(h->t, i, &ty);
            if ((ty == FG_IOC_IP || ty == FG_IOC_DOMAIN) && word_in(txt, v, ty == FG_IOC_IP))
                hit(h, path, name, ty == FG_IOC_IP ? "ip" : "domain", v, NULL);
        }
        free(txt);
    }
}
