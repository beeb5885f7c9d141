/*
 * fuzz_analyze.c - libFuzzer target for `flowgate analyze`: the PE and ELF readers (our own
 * PE parser, libelf) and the capability rules on whatever bytes arrive.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "flowgate/flowgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fg_engine *engine;
static fg_scanner *scanner;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scanner) {
        struct fg_limits l;
        fg_limits_default(&l);
        l.max_seconds = 10;
        if (fg_engine_new(&engine) || fg_engine_add_capability_rules(engine))
            abort();
        fg_engine_set_limits(engine, &l);
        if (fg_engine_compile(engine) || fg_scanner_new(engine, &scanner))
            abort();
    }
    fg_analysis *a = NULL;
    if (fg_analyze_mem(scanner, "fuzz", data, size, &a) == 0) {
        char *j = fg_analysis_json(a);
        if (!j)
            abort();
        free(j);
        fg_analysis_free(a);
    }
    return 0;
}
