/*
 * errors.c - names of error codes, severities and verdicts.
 */
#include <stddef.h>
#include <strings.h>

#include "flowgate/flowgate.h"

const char *fg_strerror(int err)
{
    switch (err) {
    case FG_OK: return "success";
    case FG_ENOMEM: return "out of memory";
    case FG_EIO: return "input/output error";
    case FG_EINVAL: return "invalid argument";
    case FG_ERULES: return "signature rules could not be compiled";
    case FG_ELIMIT: return "scan limit reached";
    case FG_EFORMAT: return "malformed or truncated data";
    case FG_EENCRYPTED: return "encrypted and no password worked";
    case FG_EUNSUPPORTED: return "unsupported format feature";
    case FG_ETIMEOUT: return "time limit reached";
    case FG_EINTERNAL: return "internal library failure";
    }
    return "unknown error";
}

const char *fg_version(void) { return FG_VERSION; }

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *fg_severity_name(enum fg_severity s)
{
    return (unsigned)s < 5 ? sev_names[s] : "unknown";
}

int fg_severity_parse(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (s && !strcasecmp(s, sev_names[i]))
            return i;
    return -1;
}

const char *fg_verdict_name(enum fg_verdict v)
{
    static const char *const names[] = {"clean", "suspicious", "malicious", "unscannable",
                                        "error"};
    return (unsigned)v < 5 ? names[v] : "unknown";
}
