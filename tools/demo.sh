#!/bin/sh
# Installs the Debian 12 packages libattn needs (if missing), builds it
# (Release, without tests), installs it under ./_install and translates a
# few human-written dates to ISO 8601 with the bundled demo model
# models/dates, through the installed `attn translate`.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTN_BUILD_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX="$PWD/_install" > /dev/null
cmake --build build/release
cmake --install build/release > /dev/null
echo "installed to _install/ (bin/attn, lib, include/attn.h, pkg-config, CMake package)"
echo

set -- "Wednesday 3rd of March 2021" "3/4/21" "le 1er mai 1999" \
    "Donnerstag, 9. November 1989" "miércoles, 14 de julio de 1976" "Nov 5, 1955"
echo "\$ _install/bin/attn translate --model models/dates TEXT..."
_install/bin/attn translate --model models/dates "$@" > build/release/demo-dates.txt
# One line per input, in order: pair each source with its translation,
# padding by characters (UTF-8 continuation bytes do not count).
printf '%s\n' "$@" | paste - build/release/demo-dates.txt |
    awk -F '\t' '{ t = $1; n = length(t) - gsub(/[\200-\277]/, "", t)
                   printf "%s%*s -> %s\n", $1, 30 - n, "", $2 }'
