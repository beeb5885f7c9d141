/*
 * unpack_registry.c - the table of unpackers, and process-wide set-up of the libraries they
 * use.  Order matters only where two unpackers take the same type: the first runs first.
 */
#include <gmime/gmime.h>
#include <gsf/gsf-utils.h>
#include <pthread.h>

#include "unpack.h"

const struct fg_unpacker *const fg_unpackers[] = {
    &fg_unpack_mime,
    &fg_unpack_uuencode,
    &fg_unpack_archive,
    &fg_unpack_ole,
    &fg_unpack_vba,
    &fg_unpack_tnef,
    &fg_unpack_mspack,
    &fg_unpack_pdf,
    &fg_unpack_rtf,
    &fg_unpack_binhex,
    NULL,
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int init_count;

static void drop_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer arg)
{
    (void)domain, (void)level, (void)msg, (void)arg;
}

/* libgsf and GMime report malformed input through GLib's log, which prints to stderr.
 * Library code must not print: whatever they would say about a hostile file, the unpacker
 * turns into a finding.  Errors (G_LOG_LEVEL_ERROR) still abort, as GLib always does. */
static void silence_library_logs(void)
{
    static const char *const domains[] = {"libgsf", "libgsf:msole", "libgsf:zip",
                                          "libgsf:open_pkg", "libgsf:tar", "GMime", "gmime"};
    GLogLevelFlags levels = G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                            G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG;
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
        g_log_set_handler(domains[i], levels, drop_log, NULL);
    /* Some libgsf warnings ("Unable to get child ...") carry no domain at all. */
    g_log_set_handler(NULL, levels, drop_log, NULL);
}

int fg_ingest_init(void)
{
    pthread_mutex_lock(&init_lock);
    if (init_count++ == 0) {
        g_mime_init();
        gsf_init();
        silence_library_logs();
    }
    pthread_mutex_unlock(&init_lock);
    return 0;
}

void fg_ingest_fini(void)
{
    pthread_mutex_lock(&init_lock);
    if (--init_count == 0) {
        /* GMime and libgsf keep type registrations for the process's life; shutting them
         * down and up again is not supported by GObject, so nothing is torn down here. */
    }
    pthread_mutex_unlock(&init_lock);
}
