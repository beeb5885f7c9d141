/*
 * registry.c - the table of analyzers, run in this order on every object whose type they
 * take, after the object's children have been unpacked and scanned.
 */
#include "analyzer.h"

const struct fg_analyzer *const fg_analyzers[] = {
    &fg_an_yara,
    &fg_an_vba,
    &fg_an_ooxml, &fg_an_dde, &fg_an_pdf, &fg_an_names,
    &fg_an_script,
    &fg_an_lnk,
    &fg_an_oleobj,
    &fg_an_phish,
    &fg_an_xlm,
    NULL,
};
