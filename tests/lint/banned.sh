#!/bin/sh
# Fails if library or tool code calls a function our style bans (docs/internals/style.md):
# they either cannot be bounded (gets, strcpy, strcat, sprintf, alloca) or hide errors (atoi).
set -eu
cd "$(dirname "$0")/../.."
hits=$(grep -nE '\b(gets|strcpy|strcat|sprintf|vsprintf|atoi|atol|alloca)[[:space:]]*\(' \
        $(git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 2>/dev/null || find src include -name '*.[ch]') || true)
if [ -n "$hits" ]; then
    echo "banned functions in use:"
    echo "$hits"
    exit 1
fi
echo "lint: no banned functions"
