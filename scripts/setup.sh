#!/bin/sh
# Installs the Debian packages listed in deps/debian-packages.txt that are missing.
# Idempotent: does nothing when everything is there.  As root it runs apt-get; otherwise it
# prints the exact command to run.  The "corpus" category (documentation packages holding
# real PDFs and office files for bench/doc_fp.sh, a few GB) is installed only with --corpus.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
list="$here/deps/debian-packages.txt"
skip=corpus
case "${1:-}" in
    --corpus) skip= ;;
    "") ;;
    *) echo "usage: scripts/setup.sh [--corpus]" >&2; exit 2 ;;
esac
want=$(sed -e 's/#.*//' "$list" | awk -v skip="$skip" 'NF && $2 != skip {print $1}')
missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi
echo "setup: missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "setup: run as root:  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "setup: apt-get update failed; trying with the lists we have" >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
