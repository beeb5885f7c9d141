/*
 * fuzz_unpack.c - one libFuzzer target per parser: built once per type with
 * -DFG_FUZZ_TYPE="zip" (etc.), it feeds the input to the scan as an object of that type, so
 * the fuzzer reaches that unpacker directly and everything it unpacks recursively.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/scan.h"
#include "flowgate/flowgate.h"

#ifndef FG_FUZZ_TYPE
#error "build with -DFG_FUZZ_TYPE=\"type\""
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fg_engine *engine;
static fg_scanner *scanner;

static int setup(void)
{
    if (fg_engine_new(&engine) || fg_engine_add_builtin_rules(engine) ||
        fg_engine_add_password(engine, "infected"))
        return -1;
    /* Small limits keep each run fast; the limit paths are fuzzed too. */
    struct fg_limits l;
    fg_limits_default(&l);
    l.max_object_size = 16u << 20;
    l.max_total_size = 64u << 20;
    l.max_objects = 2000;
    l.max_seconds = 10;
    l.max_passwords = 4;
    fg_engine_set_limits(engine, &l);
    if (fg_engine_compile(engine) || fg_scanner_new(engine, &scanner))
        return -1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scanner && setup())
        abort();
    fg_result *r = NULL;
    if (fg_scan_mem_as(scanner, "fuzz", data, size, FG_FUZZ_TYPE, &r) == 0) {
        /* Serialising touches every string the parsers produced. */
        char *j = fg_result_json(r);
        if (!j)
            abort();
        free(j);
        fg_result_free(r);
    }
    return 0;
}
