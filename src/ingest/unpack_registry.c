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
    &fg_unpack_tnef,
    &fg_unpack_mspack,
    &fg_unpack_pdf,
    &fg_unpack_rtf,
    &fg_unpack_binhex,
    NULL,
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int init_count;

int fg_ingest_init(void)
{
    pthread_mutex_lock(&init_lock);
    if (init_count++ == 0) {
        g_mime_init();
        gsf_init();
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
