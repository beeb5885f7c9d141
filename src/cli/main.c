/*
 * main.c - the flowgate command: dispatches to the command table.
 */
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "flowgate/flowgate.h"

const struct fg_command fg_commands[] = {
    {"scan", "scan files, directories, mail and archives for malware", cmd_scan},
    {"analyze", "what can a program do? capabilities, network, exfiltration", cmd_analyze},
    {"sig", "a YARA rule (and ClamAV signatures) from samples, checked against goodware", cmd_sig},
    {"learn", "learn a handler's benign execution flow from documents (a profile)", cmd_learn},
    {"detonate", "open documents with their handler in the sandbox; flag flows never seen", cmd_detonate},
    {"run", "run a program in the sandbox and report its behaviour", cmd_run},
    {"profile", "inspect and merge learnt profiles", cmd_profile},
    {"triage", "triage a host from its evidence: autostarts, odd names, staging (dir or image)", cmd_triage},
    {"sweep", "triage many hosts and correlate them; hunt indicators (--ioc)", cmd_sweep},
    {"netlog", "rank internal hosts from firewall and flow logs (mail, beacons, exfiltration, scans)", cmd_netlog},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: flowgate COMMAND [OPTIONS] [ARGS...]\n"
            "\n"
            "flowgate finds malware in mail, archives and documents: it unpacks every\n"
            "container recursively (passwords included), matches YARA signatures and\n"
            "document indicators on every object, opens documents with their real handler\n"
            "in a sandbox to flag what the handler never does with benign documents, and\n"
            "helps incident responders triage hosts, sweep fleets and rank hosts from\n"
            "firewall logs.  Every verdict is explained with findings.\n"
            "\n"
            "Commands:\n");
    for (const struct fg_command *c = fg_commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\n"
               "Options:\n"
               "  -h, --help     show this help, or 'flowgate COMMAND --help' for a command\n"
               "  -V, --version  show the version\n"
               "\n"
               "Exit status: 0 all clean, 1 something suspicious or malicious was found,\n"
               "3 something could not be scanned (encrypted, over a limit), 2 error.\n"
               "See flowgate(1) and flowgate-scan(1).\n");
}

int main(int argc, char **argv)
{
    /* Member names are converted through the locale by libarchive; make sure it is UTF-8. */
    setlocale(LC_ALL, "");
    if (strcmp(nl_langinfo(CODESET), "UTF-8"))
        setlocale(LC_CTYPE, "C.UTF-8");
    if (argc < 2) {
        usage(stderr);
        return FG_EXIT_ERROR;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            for (const struct fg_command *c = fg_commands; c->name; c++) {
                if (!strcmp(c->name, argv[2])) {
                    char *a[] = {argv[2], "--help", NULL};
                    return c->run(2, a);
                }
            }
        }
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("flowgate %s\n", fg_version());
        return 0;
    }
    for (const struct fg_command *c = fg_commands; c->name; c++)
        if (!strcmp(c->name, cmd))
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "flowgate: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return FG_EXIT_ERROR;
}
