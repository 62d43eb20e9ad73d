#!/bin/sh
# Checks that a built libattn exports exactly the functions listed in the
# committed symbol list: nothing missing, nothing extra.
# usage: check-symbols.sh path/to/libattn.so tests/exported_symbols.txt
set -eu
lib=$1
list=$2
actual=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWwDdBbRr]$/ { sub(/@.*/, "", $3); print $3 }' | sort -u)
expected=$(grep -v '^#' "$list" | sed '/^$/d' | sort -u)
if [ "$actual" != "$expected" ]; then
    echo "exported symbols of $lib differ from $list:" >&2
    printf '%s\n' "$expected" > "${TMPDIR:-/tmp}/attn-expected-symbols.$$"
    printf '%s\n' "$actual" | diff -u "${TMPDIR:-/tmp}/attn-expected-symbols.$$" - >&2 || true
    rm -f "${TMPDIR:-/tmp}/attn-expected-symbols.$$"
    exit 1
fi
echo "exported symbols: $(printf '%s\n' "$actual" | wc -l) attn_ functions, as listed"
